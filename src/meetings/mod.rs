//! The group's meetings (001 §19–23; 003 三(一)): the office proposes time and topics and the
//! leader decides; attendance and minutes with decided items are recorded; the chair signs the
//! minutes, which are numbered, issued as a PDF, and turn each decided item into a task.
//!
//! - `flow`: kinds, states, who decides and signs, the county's yearly minimum (pure);
//! - `model`: proposal and record input (pure); `store`: scoped reads and each step; `http`.

pub mod flow;
pub mod http;
pub mod model;
pub mod store;
