//! Case direct reporting (查办案件直报, 001 §15–16; 003 二(三)): the office defines its data
//! sets, opens a period, each unit enters its figures (prefilled where the platform holds the
//! facts) under the office's checks, the level above approves or sends back, a period locks
//! after its due date on the deadline engine unless the office grants an exception, and the
//! figures add up the region tree.
//!
//! The rules are in `model` (pure); `store` reads and writes, `http` serves pages and API.

pub mod http;
pub mod model;
pub mod store;
