//! Typical cases (典型案例, issue #22): the office writes up a concluded major case, a transfer
//! the police filed or a published penalty decision as a typical case.
//!
//! - 002 (八)1: publicity that exposes typical cases (曝光典型案件) to deter and educate;
//! - 003 三(六): typical cases are among what the office circulates (通报制度);
//! - 004 一(五): cases close to people's daily life publicised jointly.
//!
//! The write-up is generated from the source's facts and redacted with the redaction of penalty
//! disclosure (`penalties::redaction`): never a resident ID, phone, e-mail, bank account,
//! address or the name of a natural person; what was taken out is counted, never kept. It goes
//! through the document chain (`drafting`, kind 典型案例: 核稿 where the office reviews, signed by
//! its director), is numbered and kept as PDF, and can then be circulated (a circular of kind
//! `typical_cases`, signed by the group leader), published on the public pages and taken off
//! them, and is kept in the year's collection (PDF) for the leaders. Scope as everywhere: the
//! office and the unit whose work it comes from are its parties; every change is one
//! transaction with its audit record.
//!
//! - `model`: sources, states, input, the write-up, the redaction applied, each step's rule
//!   (pure);
//! - `store`: scoped reads and each step through the procedure kernel; `http`: pages and API.

pub mod http;
pub mod model;
pub mod store;
