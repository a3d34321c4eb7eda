//! The annual performance assessment (年度绩效考核; 001 §14; 002 (五); 003 二(四)): the office
//! sets the year's scheme of weighted indicators, mostly computed from the platform's own
//! clocks; the results are computed and frozen with the clocks behind every score, put to the
//! assessed for objections, adjusted by the office with reasons, approved by the group's
//! leader and issued as a circular; the frozen snapshot reproduces them later.
//!
//! The rules are in `model` (pure); `store` reads and writes, `http` serves pages and API.

pub mod http;
pub mod model;
pub mod store;
