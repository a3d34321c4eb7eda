//! Training and publicity activities (issue #22): what the office and the member units do to
//! publicise the work, train people and reach the public, recorded once and counted once.
//!
//! - 002 (八)1: publicity of the policies, the work's progress and results, typical cases
//!   exposed (宣传活动);
//! - 002 (八)2: knowledge-protection activities 进企业、进社区、进学校、进网络 (“四进”活动);
//! - 002 (八)3: training of leaders, enforcement and judicial staff and enterprise managers
//!   (培训);
//! - 004 一(四)–(五): joint training and joint publicity by market regulation and the police.
//!
//! Each record names what, when, where, the organising units (one, or several jointly: each
//! is a party to the record, sees it and works on it), the audience, the number of participants,
//! a short report, and its materials and photos. Scope as everywhere: a unit sees the
//! activities it organised, a county office its county's, the city office the city's. Every
//! change is one transaction with its audit record. The yearly count reads each activity once,
//! however many units organised it.
//!
//! - `model`: kinds, audiences, input, who may change a record, the yearly count (pure);
//! - `store`: scoped reads and each change as one transaction; `http`: pages and API.

pub mod http;
pub mod model;
pub mod store;
