//! Major-case coordination and supervision (seed 000): a clue is registered, proposed for
//! supervision on the grounds of 000 §2, approved by the office director, started by naming
//! the lead and assisting units, followed by letter, progress requests and reports,
//! coordination, conclusion and closure report, circulated and archived.
//!
//! - `flow.rs`: the procedure's rules (pure);
//! - `model.rs`: clue input and its parsing (pure);
//! - `store.rs`: rows, scoped reads, numbering;
//! - `steps.rs`: each step as one transaction; `documents.rs`: the steps that produce
//!   documents (letter, circular, report to the leader, dossier);
//! - `http.rs`: pages and API.

pub mod documents;
pub mod flow;
pub mod http;
pub mod model;
pub mod steps;
pub mod store;
