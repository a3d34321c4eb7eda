//! Penalty decisions (行政处罚决定) and their disclosure, seed 002 (七)2: a closed case's
//! subject, cause and penalty are published under the disclosure rules (国发〔2014〕6号; SAMR
//! Order 45, 2021), redacted of personal data, reviewed and approved first, and taken down on
//! their clocks.
//!
//! - `disclosure`: what is published, its periods, the publication's steps (pure);
//! - `redaction`: the public text generated from the decision's fields, personal identifiers
//!   redacted, never the fields that must be public (pure);
//! - `model`: a decision as recorded, parsed (pure);
//! - `listing`: the serious-violation list's rules (SAMR Order 44; pure); `listing_store`: its
//!   steps and public lookup;
//! - `objection`, `objection_http`: the public's objections to what is published, answered by
//!   the organ that owns the record;
//! - `store`: one transaction per step through the procedure kernel, and the public lookup;
//!   `http`: the API;
//! - `settings`: the office's own disclosure and listing periods within the rules.

pub mod disclosure;
pub mod http;
pub mod listing;
pub mod listing_store;
pub mod model;
pub mod objection;
pub mod objection_http;
pub mod redaction;
pub mod settings;
pub mod store;
