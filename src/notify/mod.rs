//! The user's to-do list and in-app notifications. Later capabilities (deadlines, cases,
//! transfers, tasks) add items here; the home page shows them.

pub mod http;
pub mod mail;
pub mod store;
