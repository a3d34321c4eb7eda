//! The audit trail (等保 2.0 安全审计): every state change writes one record in the same
//! transaction as the change; records are hash-chained so that `shuangda audit verify` can name
//! the first record altered, inserted or removed.

pub mod chain;
pub mod http;
pub mod store;

pub use chain::{AuditRecord, Finding};
pub use store::{Entry, Who, record, verify};
