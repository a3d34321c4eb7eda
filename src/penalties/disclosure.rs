//! Disclosure of penalty decisions (行政处罚信息公示), seed 002 (七)2: a closed case's subject,
//! cause and penalty are published. The defaults come from 国务院《关于依法公开制售假冒伪劣商品
//! 和侵犯知识产权行政处罚案件信息的意见（试行）》(国发〔2014〕6号) — a general-procedure decision
//! is published within 20 working days of being made — and from SAMR Order 45 (2021)
//! 《市场监督管理行政处罚信息公示规定》 — what is not published and how long a publication
//! stays up. Each figure is configurable per deployment (`[penalties]`), sources in
//! docs/rules.md. Pure: no I/O.

use serde::{Deserialize, Serialize};

use crate::access::Role;
use crate::calendar::Period;
use crate::domain::coded_enum;

coded_enum! {
    /// The kinds of administrative penalty (《行政处罚法》第九条) a market regulation organ imposes.
    PenaltyKind {
        Warning = "warning", "警告";
        Criticism = "criticism", "通报批评";
        Fine = "fine", "罚款";
        ConfiscateGains = "confiscate_gains", "没收违法所得";
        ConfiscateGoods = "confiscate_goods", "没收非法财物";
        SuspendLicence = "suspend_licence", "暂扣许可证件";
        Downgrade = "downgrade", "降低资质等级";
        RevokeLicence = "revoke_licence", "吊销许可证件";
        Restrict = "restrict", "限制开展生产经营活动";
        StopBusiness = "stop_business", "责令停产停业";
        Close = "close", "责令关闭";
        BarFromTrade = "bar_from_trade", "限制从业";
    }
}

coded_enum! {
    /// How the decision was made: only a general-procedure decision is in the scope of
    /// 国发〔2014〕6号 (a summary decision on the spot is not published).
    ProcedureKind {
        General = "general", "一般程序";
        Summary = "summary", "简易程序";
    }
}

coded_enum! {
    /// Why a decision is not published although in scope (an exception is decided with its
    /// reason): 国发〔2014〕6号 and Order 45 keep these out of the public record.
    Exemption {
        Minor = "minor", "涉及未成年人";
        StateSecret = "state_secret", "涉及国家秘密";
        Privacy = "privacy", "涉及个人隐私";
        Other = "other", "法律、法规规定不予公开的其他情形";
    }
}

coded_enum! {
    /// Where a decision's publication stands: generated and waiting for the deciding unit's
    /// secrecy review (pending); reviewed, the head approves next (reviewed); published; taken
    /// down when its display period ended (Order 45) or its decision was revoked, the history
    /// kept for the office; not published (out of scope, or exempted with a reason).
    PublicationState {
        Pending = "pending", "待保密审查";
        Reviewed = "reviewed", "待审批公示";
        Published = "published", "公示中";
        TakenDown = "taken_down", "已撤下";
        NotPublished = "not_published", "不予公示";
    }
}

coded_enum! {
    /// What became of the decision itself.
    DecisionState {
        Effective = "effective", "有效";
        Revoked = "revoked", "已撤销";
        Changed = "changed", "已变更";
        Annulled = "annulled", "已确认无效";
        Illegal = "illegal", "已确认违法";
    }
}

/// The clauses of the three clocks (each cited on the deadline it opens).
pub const PUBLISH_CLAUSE: &str = "国发〔2014〕6号：作出行政处罚决定之日起20个工作日内公开";
pub const DISPLAY_CLAUSE: &str = "《市场监督管理行政处罚信息公示规定》第十四条：公示期满停止公示";
pub const TAKEDOWN_CLAUSE: &str =
    "《市场监督管理行政处罚信息公示规定》：处罚决定被撤销、变更或确认无效的撤下公示";

/// A step on a decision and its publication.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// The deciding unit's staff review the generated publication (保密审查), adding
    /// redactions where needed.
    Review,
    /// The head of the deciding organ approves it: it is published at once.
    Approve,
    /// The head sends it back for another review.
    Return,
    /// The head decides not to publish it, with the exemption and the reason.
    Exempt,
    /// The head records that the decision was revoked, changed, annulled or found illegal,
    /// with the reason: a published decision must then come down.
    Revoke,
    /// The unit takes the publication down: after the decision was revoked (with a note), or
    /// when its display period has ended.
    TakeDown,
}

impl Step {
    pub const ALL: [Step; 6] = [
        Step::Review,
        Step::Approve,
        Step::Return,
        Step::Exempt,
        Step::Revoke,
        Step::TakeDown,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Step::Review => "review",
            Step::Approve => "approve",
            Step::Return => "return",
            Step::Exempt => "exempt",
            Step::Revoke => "revoke",
            Step::TakeDown => "take_down",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Step::Review => "保密审查",
            Step::Approve => "批准公示",
            Step::Return => "退回重新审查",
            Step::Exempt => "决定不予公示",
            Step::Revoke => "登记处罚决定撤销或变更",
            Step::TakeDown => "撤下公示",
        }
    }
}

/// The periods and thresholds of disclosure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
#[schema(as = DisclosurePeriods)]
pub struct Periods {
    /// 国发〔2014〕6号: published within 20 working days of the decision.
    pub publish_workdays: u32,
    /// Order 45 第十四条: only a 通报批评 or a small fine: down after 3 months.
    pub short_months: u32,
    /// Order 45 第十四条: anything else: down after 3 years.
    pub long_years: u32,
    /// The "较低数额罚款" of Order 45, in fen, which it leaves to the province: by default
    /// 3,000 yuan, the line below which 《行政处罚法》第五十一条 lets an organisation be fined
    /// on the spot.
    pub small_fine_fen: i64,
    /// A revoked, changed or annulled decision comes down within 5 working days, with a note.
    pub takedown_workdays: u32,
    /// An objection (异议) to a published record is answered by the organ that owns it within
    /// 15 working days (the seeds set no figure; the office's own).
    pub objection_workdays: u32,
}

impl Default for Periods {
    fn default() -> Self {
        Periods {
            publish_workdays: 20,
            short_months: 3,
            long_years: 3,
            small_fine_fen: 300_000,
            takedown_workdays: 5,
            objection_workdays: 15,
        }
    }
}

/// Whether a decision is in the scope of publication at all, before any exemption: a
/// general-procedure decision that is more than a warning.
pub fn in_scope(procedure: ProcedureKind, kinds: &[PenaltyKind]) -> Result<(), &'static str> {
    if procedure == ProcedureKind::Summary {
        return Err("适用简易程序作出的行政处罚决定不予公示（国发〔2014〕6号）");
    }
    if kinds.iter().all(|k| *k == PenaltyKind::Warning) {
        return Err("仅受到警告的行政处罚不予公示（《市场监督管理行政处罚信息公示规定》）");
    }
    Ok(())
}

/// The clock to publish a decision (from the day it was made).
pub fn publish_period(p: &Periods) -> Period {
    Period::WorkingDays(p.publish_workdays)
}

/// How long a publication stays up (from the day it was published), Order 45 第十四条: three
/// months when the penalty was only a 通报批评 and/or a small fine (a warning alongside does not
/// lengthen it), otherwise three years.
pub fn display_period(kinds: &[PenaltyKind], fine_fen: Option<i64>, p: &Periods) -> Period {
    let light = kinds.iter().all(|k| {
        matches!(
            k,
            PenaltyKind::Warning | PenaltyKind::Criticism | PenaltyKind::Fine
        )
    }) && fine_fen.unwrap_or(0) <= p.small_fine_fen;
    if light {
        Period::Months {
            n: p.short_months,
            roll_forward: false,
        }
    } else {
        Period::Years {
            n: p.long_years,
            roll_forward: false,
        }
    }
}

/// The clock to take a publication down after its decision was revoked.
pub fn takedown_period(p: &Periods) -> Period {
    Period::WorkingDays(p.takedown_workdays)
}

/// How the actor stands to the decision.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Standing {
    /// The actor is in the organ that made the decision.
    pub organ: bool,
    pub decision: Option<DecisionState>,
    /// The display period has ended (its clock came due).
    pub expired: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("公示当前处于“{state}”状态，不能{step}")]
    WrongState {
        state: &'static str,
        step: &'static str,
    },
    #[error("您没有{0}的权限")]
    NotEntitled(&'static str),
    #[error("处罚决定{0}，不能{1}")]
    DecisionState(&'static str, &'static str),
    #[error("公示期限尚未届满，处罚决定仍然有效，不能撤下")]
    StillRunning,
}

/// The rule for each step: the deciding organ's staff review; its head approves, returns,
/// exempts and records a revocation; its staff or head take a publication down once the
/// decision is no longer effective or the display period has ended. The office reads but does
/// not publish: disclosure is the deciding organ's duty.
pub fn check(
    state: PublicationState,
    step: Step,
    roles: &[Role],
    s: Standing,
) -> Result<PublicationState, Refusal> {
    use PublicationState::*;
    let head = roles.contains(&Role::UnitHead);
    let staff = roles
        .iter()
        .any(|r| matches!(r, Role::UnitLiaison | Role::UnitHandler | Role::UnitHead));
    let entitled = s.organ
        && match step {
            Step::Review | Step::TakeDown => staff,
            Step::Approve | Step::Return | Step::Exempt | Step::Revoke => head,
        };
    if !entitled {
        return Err(Refusal::NotEntitled(step.label()));
    }
    let effective = s.decision.unwrap_or(DecisionState::Effective) == DecisionState::Effective;
    let wrong = || Refusal::WrongState {
        state: state.label(),
        step: step.label(),
    };
    match step {
        Step::Revoke => {
            if !effective {
                return Err(Refusal::DecisionState(
                    s.decision.map_or("", DecisionState::label),
                    step.label(),
                ));
            }
            // Not yet published: it never will be. Published: it stays until the unit takes it
            // down with a note, on its takedown clock (the public pages stop showing it at once).
            Ok(match state {
                Pending | Reviewed => NotPublished,
                other => other,
            })
        }
        _ if !effective && matches!(step, Step::Review | Step::Approve | Step::Return) => Err(
            Refusal::DecisionState(s.decision.map_or("", DecisionState::label), step.label()),
        ),
        Step::Review => (state == Pending).then_some(Reviewed).ok_or_else(wrong),
        Step::Approve => (state == Reviewed).then_some(Published).ok_or_else(wrong),
        Step::Return => (state == Reviewed).then_some(Pending).ok_or_else(wrong),
        Step::Exempt => matches!(state, Pending | Reviewed)
            .then_some(NotPublished)
            .ok_or_else(wrong),
        Step::TakeDown => {
            if state != Published {
                Err(wrong())
            } else if effective && !s.expired {
                Err(Refusal::StillRunning)
            } else {
                Ok(TakenDown)
            }
        }
    }
}

/// The steps `roles` may take now.
pub fn available(state: PublicationState, roles: &[Role], s: Standing) -> Vec<Step> {
    Step::ALL
        .into_iter()
        .filter(|st| check(state, *st, roles, s).is_ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::PublicationState::*;
    use super::*;

    const HEAD: &[Role] = &[Role::UnitHead];
    const STAFF: &[Role] = &[Role::UnitLiaison];
    const OFFICE: &[Role] = &[Role::OfficeStaff, Role::OfficeDirector];

    fn organ() -> Standing {
        Standing {
            organ: true,
            ..Standing::default()
        }
    }

    #[test]
    fn the_defaults_are_the_rules_figures() {
        let p = Periods::default();
        // 国发〔2014〕6号: 20 working days from the decision.
        assert_eq!(publish_period(&p), Period::WorkingDays(20));
        assert_eq!(takedown_period(&p), Period::WorkingDays(5));
        assert_eq!(p.small_fine_fen, 300_000);
    }

    #[test]
    fn a_summary_decision_or_a_warning_only_is_not_published() {
        use PenaltyKind::*;
        assert!(in_scope(ProcedureKind::Summary, &[Fine]).is_err());
        assert!(in_scope(ProcedureKind::General, &[Warning]).is_err());
        assert!(in_scope(ProcedureKind::General, &[]).is_err());
        assert!(in_scope(ProcedureKind::General, &[Warning, Fine]).is_ok());
        for k in PenaltyKind::ALL.iter().filter(|k| **k != Warning) {
            assert!(in_scope(ProcedureKind::General, &[*k]).is_ok(), "{k:?}");
        }
    }

    #[test]
    fn a_criticism_or_small_fine_stays_three_months_anything_else_three_years() {
        use PenaltyKind::*;
        let p = Periods::default();
        let months = Period::Months {
            n: 3,
            roll_forward: false,
        };
        let years = Period::Years {
            n: 3,
            roll_forward: false,
        };
        assert_eq!(display_period(&[Criticism], None, &p), months);
        assert_eq!(display_period(&[Fine], Some(300_000), &p), months);
        assert_eq!(display_period(&[Warning, Fine], Some(100_000), &p), months);
        assert_eq!(
            display_period(&[Criticism, Fine], Some(300_000), &p),
            months
        );
        // One fen over the line, or any heavier kind alongside.
        assert_eq!(display_period(&[Fine], Some(300_001), &p), years);
        assert_eq!(
            display_period(&[Fine, ConfiscateGoods], Some(100), &p),
            years
        );
        for k in PenaltyKind::ALL
            .iter()
            .filter(|k| !matches!(k, Warning | Criticism | Fine))
        {
            assert_eq!(display_period(&[*k], None, &p), years, "{k:?}");
        }
        // Configurable: a province's own small-fine line.
        let own = Periods {
            small_fine_fen: 1_000_000,
            ..p
        };
        assert_eq!(display_period(&[Fine], Some(900_000), &own), months);
    }

    #[test]
    fn the_organ_reviews_then_its_head_approves() {
        let s = check(Pending, Step::Review, STAFF, organ()).expect("review");
        assert_eq!(s, Reviewed);
        assert!(
            check(Reviewed, Step::Approve, STAFF, organ()).is_err(),
            "staff"
        );
        assert_eq!(check(Reviewed, Step::Approve, HEAD, organ()), Ok(Published));
        assert_eq!(check(Reviewed, Step::Return, HEAD, organ()), Ok(Pending));
        // Not before the review, not twice.
        assert!(check(Pending, Step::Approve, HEAD, organ()).is_err());
        assert!(check(Published, Step::Approve, HEAD, organ()).is_err());
        assert!(check(Reviewed, Step::Review, STAFF, organ()).is_err());
    }

    #[test]
    fn only_the_deciding_organ_acts_not_the_office_nor_another_unit() {
        for st in PublicationState::ALL {
            for step in Step::ALL {
                assert!(
                    check(*st, step, HEAD, Standing::default()).is_err(),
                    "{st:?} {step:?}"
                );
                assert!(
                    check(*st, step, OFFICE, organ()).is_err(),
                    "{st:?} {step:?}"
                );
            }
        }
    }

    #[test]
    fn an_exemption_is_the_heads_before_publication() {
        assert_eq!(
            check(Pending, Step::Exempt, HEAD, organ()),
            Ok(NotPublished)
        );
        assert_eq!(
            check(Reviewed, Step::Exempt, HEAD, organ()),
            Ok(NotPublished)
        );
        assert!(check(Pending, Step::Exempt, STAFF, organ()).is_err());
        assert!(check(Published, Step::Exempt, HEAD, organ()).is_err());
    }

    #[test]
    fn a_publication_comes_down_when_its_decision_is_revoked_or_its_period_ends() {
        // Still effective and within its period: it stays up.
        assert_eq!(
            check(Published, Step::TakeDown, STAFF, organ()),
            Err(Refusal::StillRunning)
        );
        let expired = Standing {
            expired: true,
            ..organ()
        };
        assert_eq!(
            check(Published, Step::TakeDown, STAFF, expired),
            Ok(TakenDown)
        );
        for d in DecisionState::ALL
            .iter()
            .filter(|d| **d != DecisionState::Effective)
        {
            let s = Standing {
                decision: Some(*d),
                ..organ()
            };
            assert_eq!(check(Published, Step::TakeDown, STAFF, s), Ok(TakenDown));
            // Revoked once only; and a revoked decision is not published any more.
            assert!(check(Published, Step::Revoke, HEAD, s).is_err());
            assert!(check(Reviewed, Step::Approve, HEAD, s).is_err());
            assert_eq!(check(Pending, Step::Exempt, HEAD, s), Ok(NotPublished));
        }
        assert_eq!(check(Published, Step::Revoke, HEAD, organ()), Ok(Published));
        assert_eq!(
            check(Pending, Step::Revoke, HEAD, organ()),
            Ok(NotPublished)
        );
        assert_eq!(
            check(Reviewed, Step::Revoke, HEAD, organ()),
            Ok(NotPublished)
        );
        assert!(check(Published, Step::Revoke, STAFF, organ()).is_err());
        assert!(check(TakenDown, Step::TakeDown, STAFF, expired).is_err());
    }
}
