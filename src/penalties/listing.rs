//! The serious-violation list (严重违法失信名单) and the blacklist of seed 002 (六)2: an
//! enterprise given a heavier penalty for infringement or counterfeiting is listed, with its legal
//! representative and the persons responsible, after it was told and could state its case. The
//! defaults follow 《市场监督管理严重违法失信名单管理办法》 (SAMR Order 44, 2021), each
//! configurable (`[listings]`, sources in docs/rules.md). Pure: no I/O.

use serde::{Deserialize, Serialize};

use super::disclosure::{DecisionState, PenaltyKind};
use crate::access::Role;
use crate::calendar::Period;
use crate::domain::coded_enum;

coded_enum! {
    /// Where a listing stands: the party told and its statement awaited (notified); listed;
    /// decided not to list; removed (its period ended, or early after credit repair); revoked
    /// (its penalty was revoked).
    ListingState {
        Notified = "notified", "已告知，待陈述申辩";
        Listed = "listed", "已列入";
        NotListed = "not_listed", "决定不予列入";
        Removed = "removed", "已移出";
        Revoked = "revoked", "已撤销列入";
    }
}

/// The clauses of the listing's clocks.
pub const STATEMENT_CLAUSE: &str =
    "《市场监督管理严重违法失信名单管理办法》：列入前告知，当事人陈述、申辩或者要求听证";
pub const PERIOD_CLAUSE: &str = "《市场监督管理严重违法失信名单管理办法》：列入期限届满移出";
pub const REPAIR_CLAUSE: &str = "《市场监督管理严重违法失信名单管理办法》：信用修复申请的决定";
pub const REVOKE_CLAUSE: &str =
    "《市场监督管理严重违法失信名单管理办法》：行政处罚决定被撤销的，撤销列入决定";

/// The listing's periods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
#[schema(as = ListingPeriods)]
pub struct Periods {
    /// The party states its case or asks for a hearing within 5 working days of the notice
    /// (as 《市场监督管理行政处罚听证办法》 gives for a hearing request).
    pub statement_workdays: u32,
    /// A listing runs 3 years from the day it was decided.
    pub listing_years: u32,
    /// Early removal through credit repair may be applied for once listed 1 year.
    pub repair_after_years: u32,
    /// The listing organ decides an application for early removal within 15 working days.
    pub repair_decision_workdays: u32,
    /// A listing whose penalty was revoked is revoked within 3 working days.
    pub revoke_workdays: u32,
}

impl Default for Periods {
    fn default() -> Self {
        Periods {
            statement_workdays: 5,
            listing_years: 3,
            repair_after_years: 1,
            repair_decision_workdays: 15,
            revoke_workdays: 3,
        }
    }
}

impl Periods {
    pub fn statement(&self) -> Period {
        Period::WorkingDays(self.statement_workdays)
    }
    pub fn listing(&self) -> Period {
        Period::Years {
            n: self.listing_years,
            roll_forward: false,
        }
    }
    pub fn repair_after(&self) -> Period {
        Period::Years {
            n: self.repair_after_years,
            roll_forward: false,
        }
    }
    pub fn repair_decision(&self) -> Period {
        Period::WorkingDays(self.repair_decision_workdays)
    }
    pub fn revoke(&self) -> Period {
        Period::WorkingDays(self.revoke_workdays)
    }
}

/// A heavier penalty (较重行政处罚) in the sense of Order 44: a fine set under the aggravating
/// rule of the discretion benchmark (the organ says so, with its reason), lowering a
/// qualification or revoking a licence, restricting business, suspension, closure or a bar from
/// trade.
pub fn heavier(kinds: &[PenaltyKind], aggravated_fine: bool) -> bool {
    use PenaltyKind::*;
    kinds.iter().any(|k| {
        matches!(
            k,
            Downgrade | RevokeLicence | Restrict | StopBusiness | Close | BarFromTrade
        )
    }) || (aggravated_fine && kinds.contains(&Fine))
}

/// Why a decision cannot start a listing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Ineligible {
    #[error("处罚决定{0}，不能据以列入严重违法失信名单")]
    NotEffective(&'static str),
    #[error(
        "列入严重违法失信名单须以较重行政处罚为前提：从重处罚的罚款，降低资质等级、吊销许可证件，限制开展生产经营活动、责令停产停业、责令关闭、限制从业（《市场监督管理严重违法失信名单管理办法》）"
    )]
    NotHeavier,
    #[error("只能由作出处罚决定的机关列入")]
    NotTheOrgan,
}

/// Whether the decision (in `decision` state, of `kinds`) may start a listing by the organ.
pub fn may_propose(
    organ: bool,
    decision: DecisionState,
    kinds: &[PenaltyKind],
    aggravated_fine: bool,
) -> Result<(), Ineligible> {
    if !organ {
        return Err(Ineligible::NotTheOrgan);
    }
    if decision != DecisionState::Effective {
        return Err(Ineligible::NotEffective(decision.label()));
    }
    if !heavier(kinds, aggravated_fine) {
        return Err(Ineligible::NotHeavier);
    }
    Ok(())
}

/// A step on a listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = CreditListingStepCode)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// The organ's staff record the party's statement (陈述、申辩) or its hearing request.
    RecordStatement,
    /// The head decides to list, with the reasons: once the party stated its case or its
    /// window closed.
    List,
    /// The head decides not to list, with the reasons.
    DecideNotToList,
    /// The staff record the party's application for early removal, with its credit repair.
    ApplyRepair,
    /// The head removes it early after credit repair.
    ApproveRepair,
    /// The head refuses the early removal, with the reasons.
    RejectRepair,
    /// The staff remove it when its period has ended.
    Expire,
    /// The head revokes it (its penalty was revoked, or it was wrongly decided).
    Revoke,
}

impl Step {
    pub const ALL: [Step; 8] = [
        Step::RecordStatement,
        Step::List,
        Step::DecideNotToList,
        Step::ApplyRepair,
        Step::ApproveRepair,
        Step::RejectRepair,
        Step::Expire,
        Step::Revoke,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Step::RecordStatement => "record_statement",
            Step::List => "list",
            Step::DecideNotToList => "decide_not_to_list",
            Step::ApplyRepair => "apply_repair",
            Step::ApproveRepair => "approve_repair",
            Step::RejectRepair => "reject_repair",
            Step::Expire => "expire",
            Step::Revoke => "revoke",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Step::RecordStatement => "登记陈述申辩或听证要求",
            Step::List => "决定列入",
            Step::DecideNotToList => "决定不予列入",
            Step::ApplyRepair => "登记信用修复申请",
            Step::ApproveRepair => "决定提前移出",
            Step::RejectRepair => "不予提前移出",
            Step::Expire => "期满移出",
            Step::Revoke => "撤销列入决定",
        }
    }
}

/// How the actor and the listing stand.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Standing {
    /// The actor is in the organ that lists.
    pub organ: bool,
    /// The party has stated its case (or asked for a hearing), or its window has closed.
    pub heard: bool,
    /// An application for early removal awaits the decision.
    pub repair_pending: bool,
    /// Listed long enough to apply for early removal.
    pub repair_open: bool,
    /// The listing's period has ended.
    pub expired: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("名单当前处于“{state}”状态，不能{step}")]
    WrongState {
        state: &'static str,
        step: &'static str,
    },
    #[error("您没有{0}的权限")]
    NotEntitled(&'static str),
    #[error("当事人陈述、申辩期限未满，且尚未登记其陈述申辩，不能作出决定")]
    NotHeard,
    #[error("列入未满规定期限，不能申请信用修复提前移出")]
    RepairTooEarly,
    #[error("没有待决定的信用修复申请")]
    NoRepair,
    #[error("已有待决定的信用修复申请")]
    RepairPending,
    #[error("列入期限尚未届满")]
    NotExpired,
}

/// The rule for each step: the listing organ's staff record what the party says and applies
/// for, and remove an expired listing; its head decides to list or not, on early removal and
/// on revocation. Nobody else acts.
pub fn check(
    state: ListingState,
    step: Step,
    roles: &[Role],
    s: Standing,
) -> Result<ListingState, Refusal> {
    use ListingState::*;
    let head = roles.contains(&Role::UnitHead);
    let staff = roles
        .iter()
        .any(|r| matches!(r, Role::UnitLiaison | Role::UnitHandler | Role::UnitHead));
    let entitled = s.organ
        && match step {
            Step::RecordStatement | Step::ApplyRepair | Step::Expire => staff,
            _ => head,
        };
    if !entitled {
        return Err(Refusal::NotEntitled(step.label()));
    }
    let wrong = || Refusal::WrongState {
        state: state.label(),
        step: step.label(),
    };
    match (step, state) {
        (Step::RecordStatement, Notified) => Ok(Notified),
        (Step::List | Step::DecideNotToList, Notified) if !s.heard => Err(Refusal::NotHeard),
        (Step::List, Notified) => Ok(Listed),
        (Step::DecideNotToList, Notified) => Ok(NotListed),
        (Step::ApplyRepair, Listed) if s.repair_pending => Err(Refusal::RepairPending),
        (Step::ApplyRepair, Listed) if !s.repair_open => Err(Refusal::RepairTooEarly),
        (Step::ApplyRepair, Listed) => Ok(Listed),
        (Step::ApproveRepair | Step::RejectRepair, Listed) if !s.repair_pending => {
            Err(Refusal::NoRepair)
        }
        (Step::ApproveRepair, Listed) => Ok(Removed),
        (Step::RejectRepair, Listed) => Ok(Listed),
        (Step::Expire, Listed) if !s.expired => Err(Refusal::NotExpired),
        (Step::Expire, Listed) => Ok(Removed),
        (Step::Revoke, Notified | Listed) => Ok(Revoked),
        _ => Err(wrong()),
    }
}

pub fn available(state: ListingState, roles: &[Role], s: Standing) -> Vec<Step> {
    Step::ALL
        .into_iter()
        .filter(|st| check(state, *st, roles, s).is_ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::ListingState::*;
    use super::*;

    const HEAD: &[Role] = &[Role::UnitHead];
    const STAFF: &[Role] = &[Role::UnitLiaison];
    const OFFICE: &[Role] = &[Role::OfficeDirector, Role::OfficeStaff];

    fn organ() -> Standing {
        Standing {
            organ: true,
            ..Standing::default()
        }
    }

    #[test]
    fn the_defaults_are_order_44s() {
        let p = Periods::default();
        assert_eq!(p.statement(), Period::WorkingDays(5));
        assert_eq!(
            p.listing(),
            Period::Years {
                n: 3,
                roll_forward: false
            }
        );
        assert_eq!(
            p.repair_after(),
            Period::Years {
                n: 1,
                roll_forward: false
            }
        );
        assert_eq!(p.repair_decision(), Period::WorkingDays(15));
        assert_eq!(p.revoke(), Period::WorkingDays(3));
    }

    #[test]
    fn only_a_heavier_penalty_lists() {
        use PenaltyKind::*;
        for k in [
            Downgrade,
            RevokeLicence,
            Restrict,
            StopBusiness,
            Close,
            BarFromTrade,
        ] {
            assert!(heavier(&[k], false), "{k:?}");
        }
        for k in [
            Warning,
            Criticism,
            Fine,
            ConfiscateGains,
            ConfiscateGoods,
            SuspendLicence,
        ] {
            assert!(!heavier(&[k], false), "{k:?}");
        }
        // A fine counts when it was set under the aggravating rule.
        assert!(heavier(&[Fine, ConfiscateGoods], true));
        assert!(!heavier(&[ConfiscateGoods], true));
        assert_eq!(
            may_propose(true, DecisionState::Effective, &[Fine], false),
            Err(Ineligible::NotHeavier)
        );
        assert!(may_propose(true, DecisionState::Effective, &[Close], false).is_ok());
        assert_eq!(
            may_propose(false, DecisionState::Effective, &[Close], false),
            Err(Ineligible::NotTheOrgan)
        );
        assert!(matches!(
            may_propose(true, DecisionState::Revoked, &[Close], false),
            Err(Ineligible::NotEffective(_))
        ));
    }

    #[test]
    fn the_party_is_heard_before_the_head_decides() {
        assert_eq!(
            check(Notified, Step::List, HEAD, organ()),
            Err(Refusal::NotHeard)
        );
        assert_eq!(
            check(Notified, Step::RecordStatement, STAFF, organ()),
            Ok(Notified)
        );
        let heard = Standing {
            heard: true,
            ..organ()
        };
        assert_eq!(check(Notified, Step::List, HEAD, heard), Ok(Listed));
        assert_eq!(
            check(Notified, Step::DecideNotToList, HEAD, heard),
            Ok(NotListed)
        );
        assert!(
            check(Notified, Step::List, STAFF, heard).is_err(),
            "the head decides"
        );
        assert!(check(Listed, Step::List, HEAD, heard).is_err(), "once");
    }

    #[test]
    fn early_removal_after_the_minimum_period_by_the_head() {
        let s = organ();
        assert_eq!(
            check(Listed, Step::ApplyRepair, STAFF, s),
            Err(Refusal::RepairTooEarly)
        );
        let open = Standing {
            repair_open: true,
            ..s
        };
        assert_eq!(check(Listed, Step::ApplyRepair, STAFF, open), Ok(Listed));
        assert_eq!(
            check(Listed, Step::ApproveRepair, HEAD, open),
            Err(Refusal::NoRepair)
        );
        let pending = Standing {
            repair_pending: true,
            ..open
        };
        assert_eq!(
            check(Listed, Step::ApplyRepair, STAFF, pending),
            Err(Refusal::RepairPending)
        );
        assert_eq!(
            check(Listed, Step::ApproveRepair, HEAD, pending),
            Ok(Removed)
        );
        assert_eq!(check(Listed, Step::RejectRepair, HEAD, pending), Ok(Listed));
        assert!(check(Listed, Step::ApproveRepair, STAFF, pending).is_err());
    }

    #[test]
    fn a_listing_ends_when_its_period_does_or_is_revoked() {
        assert_eq!(
            check(Listed, Step::Expire, STAFF, organ()),
            Err(Refusal::NotExpired)
        );
        let expired = Standing {
            expired: true,
            ..organ()
        };
        assert_eq!(check(Listed, Step::Expire, STAFF, expired), Ok(Removed));
        assert_eq!(check(Listed, Step::Revoke, HEAD, organ()), Ok(Revoked));
        assert_eq!(check(Notified, Step::Revoke, HEAD, organ()), Ok(Revoked));
        for st in [NotListed, Removed, Revoked] {
            assert!(check(st, Step::Revoke, HEAD, organ()).is_err(), "{st:?}");
        }
    }

    #[test]
    fn nobody_outside_the_listing_organ_acts() {
        let all = Standing {
            organ: false,
            heard: true,
            repair_pending: true,
            repair_open: true,
            expired: true,
        };
        for st in ListingState::ALL {
            for step in Step::ALL {
                assert!(check(*st, step, HEAD, all).is_err(), "{st:?} {step:?}");
                let office = Standing { organ: true, ..all };
                assert!(check(*st, step, OFFICE, office).is_err(), "{st:?} {step:?}");
            }
        }
    }
}
