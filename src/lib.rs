//! Shuangda (双打协同平台): case coordination and supervision for the leading groups against IP
//! infringement and counterfeit goods. See README.md and docs/architecture.md.

pub mod access;
pub mod archive;
pub mod audit;
pub mod auth;
pub mod bootstrap;
pub mod calendar;
pub mod cases;
pub mod circulars;
pub mod cli;
pub mod clock;
pub mod composition;
pub mod config;
pub mod context;
pub mod db;
pub mod deadline;
pub mod demo;
pub mod documents;
pub mod domain;
pub mod drafting;
pub mod error;
pub mod inspections;
pub mod linkage;
pub mod meetings;
pub mod notify;
pub mod numbering;
pub mod plans;
pub mod procedure;
pub mod reports;
pub mod search;
pub mod secrecy;
pub mod server;
pub mod tasks;
pub mod units;
pub mod users;
pub mod web;
