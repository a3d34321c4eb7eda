//! Supervised tasks (督办任务, seed 003 三(五) 协查督办; 001 §22): decided items, leader
//! instructions, inspection findings, public reports and units' requests become tasks with a
//! lead unit, cooperating units and a time limit watched by the deadline engine; the units
//! report progress and completion with evidence; the office accepts or sends back with reasons.
//!
//! - `flow`: sources, states and steps (pure); `model`: input (pure);
//! - `store`: scoped reads and each step as one transaction; `http`: pages and API.

pub mod flow;
pub mod http;
pub mod model;
pub mod store;
