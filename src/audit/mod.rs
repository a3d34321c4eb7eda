//! The audit trail (等保 2.0 安全审计): every state change writes one record in the same
//! transaction as the change; records are hash-chained so that `shuangda audit verify` can name
//! the first record altered, inserted or removed.

pub mod anchor;
pub mod chain;
pub mod http;
pub mod store;
pub mod words;

pub use chain::{AuditRecord, Finding};

use crate::access::{Action, Actor, Resource};

/// Object types whose audit summaries carry case content, and the resource whose read
/// permission is needed to see it. The audit administrator reviews who did what and when, but
/// does not read case content by virtue of that role (三员分立).
const CONTENT_TYPES: &[(&str, Resource)] = &[
    ("deadline", Resource::Deadline),
    ("case", Resource::Case),
    ("transfer", Resource::Linkage),
    ("transfer_attachment", Resource::Linkage),
    ("linkage_request", Resource::Linkage),
    ("linkage_meeting", Resource::Linkage),
    // A person's record looked up: how many cases, decisions and listings name the person.
    ("person", Resource::Case),
];

pub const WITHHELD: &str = "（业务内容，不向无业务权限者显示）";

/// The record as `actor` may see it: summaries of case content are withheld from those who may
/// not read that content.
pub fn redact_for(actor: &Actor, mut r: AuditRecord) -> AuditRecord {
    let hidden = CONTENT_TYPES
        .iter()
        .any(|(t, res)| r.object_type == *t && !actor.can(*res, Action::Read));
    if hidden {
        r.summary = WITHHELD.to_string();
    }
    r
}
pub use store::{Entry, Signing, Who, record, verify};
