//! Reports and complaints from the public (举报投诉, seed 002 (七)1; 004 三(二) for rewards):
//! anyone reports infringement or fakes on the public site, without an account, and follows
//! the report with a tracking number and a query password; the office of the region named
//! routes it to the responsible unit, which handles it on the clocks of
//! 《市场监督管理投诉举报处理暂行办法》; an informant may be rewarded
//! (《市场监管领域重大违法行为举报奖励暂行办法》).
//!
//! - `flow`: kinds, states, steps, outcomes and the clocks' rules (pure);
//! - `intake`: what a reporter submits, parsed (pure); `tracking`: the tracking number and
//!   the query password (pure but for the random source);
//! - `reward`: eligibility and the reward tiers (pure);
//! - `store`: one transaction per act; `http`: the public pages and the office's pages.

pub mod challenge;
pub mod duplicates;
pub mod figures;
pub mod flow;
pub mod http;
pub mod intake;
pub mod notices;
pub mod receipt;
pub mod reward;
pub mod routing;
pub mod store;
pub mod tracking;
