//! Administrative–criminal linkage (行政执法与刑事司法衔接, seed 004 and 002 (三)):
//!
//! - `flow`: the transfer procedure as a state machine, its periods and windows (pure);
//! - `model`: transfer input, the list of items, the package each direction needs (pure);
//! - `steps`: each step of a transfer as one transaction; `store`: scoped reads;
//! - `documents`: transfer letter, filing and non-filing notices, reconsideration request and
//!   hand-back letter as official PDFs;
//! - `requests`: assistance both ways (004 二(四)) and consultation (004 一(三));
//! - `meetings`: joint supervision and special coordination meetings (004 二(五), 三(三));
//! - `stats`: figures by unit and period, on screen and as .xlsx;
//! - `http`: pages and API.
//!
//! Secrecy markings (004 一(二)) are in `crate::secrecy`.

pub mod documents;
pub mod flow;
pub mod http;
pub mod meetings;
pub mod model;
pub mod requests;
pub mod stats;
pub mod steps;
pub mod store;
