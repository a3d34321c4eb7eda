//! A public report's procedure (《市场监督管理投诉举报处理暂行办法》, 国家市场监督管理总局令
//! 第20号, as amended 2022): the office of the region named receives it and routes it to the
//! responsible unit; for a complaint (投诉) the unit decides within 7 working days whether to
//! accept it (第十八条); for a report (举报) it verifies and decides whether to file a case within
//! 15 working days, extendable (第三十一条), and tells a real-name reporter within 5 working
//! days of that decision (第三十二条); closing records the outcome and what the reporter may be
//! told. Pure: no I/O.

use serde::{Deserialize, Serialize};

use crate::access::Role;
use crate::calendar::Period;
use crate::domain::coded_enum;

coded_enum! {
    /// What the reporter brings (the reporter chooses).
    Kind {
        Report = "report", "举报";
        Complaint = "complaint", "投诉";
    }
}

coded_enum! {
    ReportState {
        Received = "received", "待分办";
        Assigned = "assigned", "办理中";
        Accepted = "accepted", "已受理";
        Decided = "decided", "已作出立案决定";
        Closed = "closed", "已办结";
        Merged = "merged", "已合并办理";
    }
}

coded_enum! {
    /// How a report ended (what the handling unit records on closing).
    Outcome {
        Refused = "refused", "不予受理";
        Mediated = "mediated", "调解处理";
        Filed = "filed", "已立案查处";
        Penalty = "penalty", "已作出行政处罚";
        NotEstablished = "not_established", "违法事实不成立";
        TransferredToPolice = "transferred_to_police", "已移送公安机关";
        Referred = "referred", "已移交其他部门处理";
    }
}

impl ReportState {
    /// Plain words for the reporter's tracking page.
    pub fn public_label(self) -> &'static str {
        match self {
            ReportState::Received => "已收到，正在分送承办单位",
            ReportState::Assigned => "承办单位正在办理",
            ReportState::Accepted => "投诉已受理，正在处理",
            ReportState::Decided => "承办单位已作出是否立案的决定",
            ReportState::Closed => "已办结",
            ReportState::Merged => "已与反映同一事项的举报投诉合并办理",
        }
    }

    pub fn is_open(self) -> bool {
        !matches!(self, ReportState::Closed | ReportState::Merged)
    }
}

/// A step of the procedure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// The office routes the report to the responsible unit.
    Assign,
    /// The unit accepts a complaint (第十八条).
    Accept,
    /// The unit refuses a complaint, with the reason (第十五条); the report ends.
    Refuse,
    /// The unit extends a report's verification period, with reasons (第三十一条).
    Extend,
    /// The unit decides whether to file a case on a report (第三十一条).
    DecideFiling,
    /// The unit records that the real-name reporter was told (第三十二条).
    TellReporter,
    /// The unit closes it with the outcome and what the reporter may be told.
    Close,
    /// The office merges it into another report of the same matter (it keeps its reporter,
    /// number and time of receipt).
    Merge,
    /// The handling unit proposes an informant reward, with its tier and reasons.
    ProposeReward,
    /// The handling organ's head approves the reward (jointly with the finance bureau above
    /// the office's figure).
    ApproveReward,
    /// The head refuses it, with the reasons.
    RejectReward,
    /// The handling unit records the payment, the reporter's identity checked at the counter.
    PayReward,
}

impl Step {
    pub const ALL: [Step; 12] = [
        Step::Assign,
        Step::Merge,
        Step::Accept,
        Step::Refuse,
        Step::Extend,
        Step::DecideFiling,
        Step::TellReporter,
        Step::Close,
        Step::ProposeReward,
        Step::ApproveReward,
        Step::RejectReward,
        Step::PayReward,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Step::Assign => "assign",
            Step::Accept => "accept",
            Step::Refuse => "refuse",
            Step::Extend => "extend",
            Step::DecideFiling => "decide_filing",
            Step::TellReporter => "tell_reporter",
            Step::Close => "close",
            Step::Merge => "merge",
            Step::ProposeReward => "propose_reward",
            Step::ApproveReward => "approve_reward",
            Step::RejectReward => "reject_reward",
            Step::PayReward => "pay_reward",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Step::Assign => "分送承办单位",
            Step::Accept => "受理投诉",
            Step::Refuse => "不予受理",
            Step::Extend => "延长核查期限",
            Step::DecideFiling => "作出是否立案决定",
            Step::TellReporter => "告知举报人",
            Step::Close => "办结",
            Step::Merge => "合并到同一事项",
            Step::ProposeReward => "提出举报奖励",
            Step::ApproveReward => "批准举报奖励",
            Step::RejectReward => "不予奖励",
            Step::PayReward => "登记奖励发放",
        }
    }
}

/// How the actor and the report stand to each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Standing {
    /// The actor is in the office that received the report.
    pub office: bool,
    /// The actor is in the unit it was routed to.
    pub handler: bool,
    /// The reporter gave a name and a way to reach them.
    pub real_name: bool,
    /// The reporter has been told of the filing decision.
    pub told: bool,
    /// The report's verification period has been extended once.
    pub extended: bool,
    /// How it was closed.
    pub outcome: Option<Outcome>,
    /// Its informant reward, if one was proposed.
    pub reward: Option<super::reward::RewardState>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("举报投诉当前处于“{state}”状态，不能{step}")]
    WrongState {
        state: &'static str,
        step: &'static str,
    },
    #[error("{kind}不能{step}")]
    WrongKind {
        kind: &'static str,
        step: &'static str,
    },
    #[error("您没有{0}的权限")]
    NotEntitled(&'static str),
    #[error("举报人未留姓名和联系方式，无需告知")]
    Anonymous,
    #[error("已告知举报人")]
    AlreadyTold,
    #[error("核查期限已延长过一次")]
    AlreadyExtended,
    #[error("只有经查属实（立案查处、作出行政处罚或移送公安机关）的举报才能给予奖励")]
    NotRewardable,
    #[error("举报奖励{0}，不能{1}")]
    RewardState(&'static str, &'static str),
}

/// What a report may be turned into: by its office, a major-case clue (000 §4 source 群众举报)
/// or a supervised task (003 三(五)); by the unit handling it, a transfer of a suspected crime
/// to the police (004 一(一): the administrative organ that found it transfers it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conversion {
    Case,
    Task,
    Transfer,
}

impl Conversion {
    pub const ALL: [Conversion; 3] = [Conversion::Case, Conversion::Task, Conversion::Transfer];

    pub fn record_type(self) -> &'static str {
        match self {
            Conversion::Case => "case",
            Conversion::Task => "task",
            Conversion::Transfer => "transfer",
        }
    }

    pub fn parse(record_type: &str) -> Option<Conversion> {
        Conversion::ALL
            .into_iter()
            .find(|c| c.record_type() == record_type)
    }

    pub fn label(self) -> &'static str {
        match self {
            Conversion::Case => "重大案件线索",
            Conversion::Task => "督办任务",
            Conversion::Transfer => "涉嫌犯罪案件移送",
        }
    }
}

/// Whether `roles` holding `standing` may turn a report in `state` into `to`: a clue or a task
/// only by the office that received it (it registers clues and assigns tasks); a transfer only
/// by the unit it was routed to (the organ handling the matter finds the suspected crime). Not a
/// report merged into another: the one it was merged into is converted.
pub fn may_convert(
    state: ReportState,
    roles: &[Role],
    s: Standing,
    to: Conversion,
) -> Result<(), Refusal> {
    let entitled = match to {
        Conversion::Case | Conversion::Task => s.office && roles.iter().any(|r| r.is_office()),
        Conversion::Transfer => {
            s.handler
                && roles
                    .iter()
                    .any(|r| matches!(r, Role::UnitLiaison | Role::UnitHandler | Role::UnitHead))
        }
    };
    if !entitled {
        return Err(Refusal::NotEntitled(match to {
            Conversion::Transfer => "将举报投诉移送公安机关",
            _ => "将举报投诉转为案件线索或督办任务",
        }));
    }
    if state == ReportState::Merged {
        return Err(Refusal::WrongState {
            state: state.label(),
            step: "转办",
        });
    }
    Ok(())
}

/// The rule for each step: who may take it, from which states, and where it leads. The office
/// routes; the unit it routed to handles (a unit cannot take a report that is not its own).
pub fn check(
    kind: Kind,
    state: ReportState,
    step: Step,
    roles: &[Role],
    s: Standing,
) -> Result<ReportState, Refusal> {
    use ReportState::*;
    let unit_role = roles
        .iter()
        .any(|r| matches!(r, Role::UnitLiaison | Role::UnitHandler | Role::UnitHead));
    let office_role = roles.iter().any(|r| r.is_office());
    // The organ's head decides on a reward; the unit's staff propose and pay it.
    let head = roles.iter().any(|r| matches!(r, Role::UnitHead));
    let staff = roles
        .iter()
        .any(|r| matches!(r, Role::UnitLiaison | Role::UnitHandler));
    let entitled = match step {
        Step::Assign | Step::Merge => s.office && office_role,
        Step::ApproveReward | Step::RejectReward => s.handler && head,
        Step::ProposeReward | Step::PayReward => s.handler && staff,
        // 第三十一条: extended with the approval of the organ's head.
        Step::Extend => s.handler && head,
        _ => s.handler && unit_role,
    };
    if !entitled {
        return Err(Refusal::NotEntitled(step.label()));
    }
    let only = |k: Kind| {
        if kind == k {
            Ok(())
        } else {
            Err(Refusal::WrongKind {
                kind: kind.label(),
                step: step.label(),
            })
        }
    };
    let (from, to): (&[ReportState], ReportState) = match step {
        // Routed again while still unhandled (the unit says it is not theirs).
        Step::Assign => (&[Received, Assigned], Assigned),
        // Before any decision on it: a matter is merged while it is still being looked into.
        Step::Merge => (&[Received, Assigned], Merged),
        Step::Accept => {
            only(Kind::Complaint)?;
            (&[Assigned], Accepted)
        }
        Step::Refuse => {
            only(Kind::Complaint)?;
            (&[Assigned], Closed)
        }
        Step::Extend => {
            only(Kind::Report)?;
            if s.extended {
                return Err(Refusal::AlreadyExtended);
            }
            (&[Assigned], Assigned)
        }
        Step::DecideFiling => {
            only(Kind::Report)?;
            (&[Assigned], Decided)
        }
        Step::TellReporter => {
            only(Kind::Report)?;
            if !s.real_name {
                return Err(Refusal::Anonymous);
            }
            if s.told {
                return Err(Refusal::AlreadyTold);
            }
            (&[Decided, Closed], state)
        }
        Step::Close => (
            match kind {
                Kind::Complaint => &[Accepted],
                Kind::Report => &[Decided],
            },
            Closed,
        ),
        Step::ProposeReward | Step::ApproveReward | Step::RejectReward | Step::PayReward => {
            use super::reward::RewardState as R;
            only(Kind::Report)?;
            if state == Closed {
                let needs = match step {
                    Step::ProposeReward => {
                        if !s.outcome.is_some_and(super::reward::rewardable) {
                            return Err(Refusal::NotRewardable);
                        }
                        None
                    }
                    Step::ApproveReward | Step::RejectReward => Some(R::Proposed),
                    _ => Some(R::Claimed),
                };
                if s.reward != needs {
                    return Err(Refusal::RewardState(
                        s.reward.map_or("尚未提出", R::label),
                        step.label(),
                    ));
                }
            }
            (&[Closed], Closed)
        }
    };
    if !from.contains(&state) {
        return Err(Refusal::WrongState {
            state: state.label(),
            step: step.label(),
        });
    }
    Ok(to)
}

pub fn available(kind: Kind, state: ReportState, roles: &[Role], s: Standing) -> Vec<Step> {
    Step::ALL
        .into_iter()
        .filter(|step| check(kind, state, *step, roles, s).is_ok())
        .collect()
}

/// The outcomes a closing may record for `kind` (a refusal is its own step).
pub fn outcomes(kind: Kind) -> &'static [Outcome] {
    match kind {
        Kind::Complaint => &[Outcome::Mediated, Outcome::Referred],
        Kind::Report => &[
            Outcome::Filed,
            Outcome::Penalty,
            Outcome::NotEstablished,
            Outcome::TransferredToPolice,
            Outcome::Referred,
        ],
    }
}

/// The outcomes a closing may record for `kind` after the filing decision `filed` (a report
/// not filed cannot end in a penalty or a filed case, so it is never rewarded).
pub fn outcomes_after(kind: Kind, filed: Option<bool>) -> Vec<Outcome> {
    outcomes(kind)
        .iter()
        .copied()
        .filter(|o| filed != Some(false) || !matches!(o, Outcome::Filed | Outcome::Penalty))
        .collect()
}

/// The handling periods, with their defaults from 《市场监督管理投诉举报处理暂行办法》;
/// an office may set its own (`[public_reports]` in the configuration, docs/rules.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
#[schema(as = PublicReportPeriods)]
pub struct Periods {
    /// A complaint accepted or refused (第十八条: 7 working days from receipt).
    pub complaint_accept_workdays: u32,
    /// A report verified and the filing decided (第三十一条: 15 working days from receipt).
    pub report_verify_workdays: u32,
    /// The extension the head may grant (第三十一条: 15 working days).
    pub report_extend_workdays: u32,
    /// A real-name reporter told of the decision (第三十二条: 5 working days from it).
    pub reporter_told_workdays: u32,
}

impl Default for Periods {
    fn default() -> Self {
        Periods {
            complaint_accept_workdays: 7,
            report_verify_workdays: 15,
            report_extend_workdays: 15,
            reporter_told_workdays: 5,
        }
    }
}

/// An office's own periods: each a whole number of working days from 1 up to the period the
/// measures set (the defaults) — an office may be quicker than the law, never slower.
impl crate::units::periods::OfficePeriods for Periods {
    const COLUMN: &'static str = "public_report_periods";
    const AUDIT: &'static str = "public_report.settings";
    const BOUNDS: &'static [crate::units::periods::Bound] = {
        use crate::units::periods::{Bound, Measure::WorkingDays};
        &[
            Bound {
                field: "complaint_accept_workdays",
                matter: "投诉受理或者不予受理",
                clause: "《市场监督管理投诉举报处理暂行办法》第十八条",
                measure: WorkingDays,
                min: 1,
                max: 7,
            },
            Bound {
                field: "report_verify_workdays",
                matter: "举报核查并作出是否立案的决定",
                clause: "《市场监督管理投诉举报处理暂行办法》第三十一条",
                measure: WorkingDays,
                min: 1,
                max: 15,
            },
            Bound {
                field: "report_extend_workdays",
                matter: "经批准延长核查期限",
                clause: "《市场监督管理投诉举报处理暂行办法》第三十一条",
                measure: WorkingDays,
                min: 1,
                max: 15,
            },
            Bound {
                field: "reporter_told_workdays",
                matter: "告知实名举报人是否立案",
                clause: "《市场监督管理投诉举报处理暂行办法》第三十二条",
                measure: WorkingDays,
                min: 1,
                max: 5,
            },
        ]
    };
}

/// The clause each clock names.
pub const CLAUSE_ACCEPT: &str = "《市场监督管理投诉举报处理暂行办法》第十八条";
pub const CLAUSE_VERIFY: &str = "《市场监督管理投诉举报处理暂行办法》第三十一条";
pub const CLAUSE_TELL: &str = "《市场监督管理投诉举报处理暂行办法》第三十二条";

/// The first clock of a report of `kind`, started on the day it was received: what it is for,
/// the clause, and its period.
pub fn first_clock(kind: Kind, p: &Periods) -> (&'static str, &'static str, Period) {
    match kind {
        Kind::Complaint => (
            "决定是否受理投诉",
            CLAUSE_ACCEPT,
            Period::WorkingDays(p.complaint_accept_workdays),
        ),
        Kind::Report => (
            "核查举报并作出是否立案的决定",
            CLAUSE_VERIFY,
            Period::WorkingDays(p.report_verify_workdays),
        ),
    }
}

/// The clock that starts with a filing decision on a real-name report.
pub fn tell_clock(p: &Periods) -> (&'static str, &'static str, Period) {
    (
        "将是否立案告知实名举报人",
        CLAUSE_TELL,
        Period::WorkingDays(p.reporter_told_workdays),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use ReportState::*;

    const UNIT: &[Role] = &[Role::UnitLiaison];
    const OFFICE: &[Role] = &[Role::OfficeStaff];

    fn handler() -> Standing {
        Standing {
            handler: true,
            real_name: true,
            ..Standing::default()
        }
    }
    fn office() -> Standing {
        Standing {
            office: true,
            ..Standing::default()
        }
    }

    #[test]
    fn an_office_may_shorten_the_periods_but_not_lengthen_them() {
        assert!(crate::units::periods::check(&Periods::default()).is_ok());
        let quick = Periods {
            complaint_accept_workdays: 3,
            report_verify_workdays: 10,
            report_extend_workdays: 1,
            reporter_told_workdays: 2,
        };
        assert!(crate::units::periods::check(&quick).is_ok());
        let slow = Periods {
            complaint_accept_workdays: 8,
            report_verify_workdays: 0,
            report_extend_workdays: 16,
            reporter_told_workdays: 6,
        };
        let e = crate::units::periods::check(&slow).expect_err("beyond the law");
        let fields: Vec<&str> = e.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "complaint_accept_workdays",
                "report_verify_workdays",
                "report_extend_workdays",
                "reporter_told_workdays"
            ]
        );
        assert!(e.0[0].message.contains("第十八条"));
    }

    #[test]
    fn the_office_turns_a_report_into_a_clue_or_task_its_unit_into_a_transfer() {
        use Conversion::*;
        for st in ReportState::ALL {
            for to in [Case, Task] {
                let got = may_convert(*st, OFFICE, office(), to);
                assert_eq!(got.is_ok(), *st != Merged, "{st:?} {to:?}");
                assert!(
                    may_convert(*st, UNIT, handler(), to).is_err(),
                    "a unit: {st:?}"
                );
                // Office staff of another office.
                assert!(may_convert(*st, OFFICE, Standing::default(), to).is_err());
                // A unit's staff in the office's unit row (not an office role).
                assert!(may_convert(*st, UNIT, office(), to).is_err());
            }
            // 004 一(一): the organ handling it transfers a suspected crime, not the office.
            let got = may_convert(*st, UNIT, handler(), Transfer);
            assert_eq!(got.is_ok(), *st != Merged, "{st:?} transfer");
            assert!(may_convert(*st, OFFICE, office(), Transfer).is_err());
            // A unit the report was not routed to.
            assert!(may_convert(*st, UNIT, Standing::default(), Transfer).is_err());
        }
        for to in Conversion::ALL {
            assert_eq!(Conversion::parse(to.record_type()), Some(to));
        }
    }

    #[test]
    fn a_complaint_is_routed_accepted_and_closed() {
        let s = check(Kind::Complaint, Received, Step::Assign, OFFICE, office()).expect("route");
        assert_eq!(s, Assigned);
        let s = check(Kind::Complaint, s, Step::Accept, UNIT, handler()).expect("accept");
        assert_eq!(s, Accepted);
        assert_eq!(
            check(Kind::Complaint, s, Step::Close, UNIT, handler()),
            Ok(Closed)
        );
        assert_eq!(
            check(Kind::Complaint, Assigned, Step::Refuse, UNIT, handler()),
            Ok(Closed)
        );
    }

    #[test]
    fn a_report_is_decided_told_and_closed() {
        let s = check(Kind::Report, Assigned, Step::DecideFiling, UNIT, handler()).expect("d");
        assert_eq!(s, Decided);
        assert_eq!(
            check(Kind::Report, s, Step::TellReporter, UNIT, handler()),
            Ok(Decided)
        );
        assert_eq!(
            check(Kind::Report, s, Step::Close, UNIT, handler()),
            Ok(Closed)
        );
        // Telling may come after closing, but only once and only to a real-name reporter.
        assert_eq!(
            check(Kind::Report, Closed, Step::TellReporter, UNIT, handler()),
            Ok(Closed)
        );
        let told = Standing {
            told: true,
            ..handler()
        };
        assert_eq!(
            check(Kind::Report, Decided, Step::TellReporter, UNIT, told),
            Err(Refusal::AlreadyTold)
        );
        let anonymous = Standing {
            real_name: false,
            ..handler()
        };
        assert_eq!(
            check(Kind::Report, Decided, Step::TellReporter, UNIT, anonymous),
            Err(Refusal::Anonymous)
        );
    }

    #[test]
    fn the_office_merges_a_report_not_yet_decided() {
        assert_eq!(
            check(Kind::Report, Received, Step::Merge, OFFICE, office()),
            Ok(Merged)
        );
        assert_eq!(
            check(Kind::Complaint, Assigned, Step::Merge, OFFICE, office()),
            Ok(Merged)
        );
        assert!(check(Kind::Report, Decided, Step::Merge, OFFICE, office()).is_err());
        assert!(check(Kind::Report, Received, Step::Merge, UNIT, handler()).is_err());
        assert!(available(Kind::Report, Merged, OFFICE, office()).is_empty());
        assert!(!Merged.is_open());
    }

    #[test]
    fn each_kind_has_its_own_steps() {
        for step in [Step::Accept, Step::Refuse] {
            assert!(matches!(
                check(Kind::Report, Assigned, step, UNIT, handler()),
                Err(Refusal::WrongKind { .. })
            ));
        }
        const BOTH: &[Role] = &[Role::UnitLiaison, Role::UnitHead];
        for step in [Step::Extend, Step::DecideFiling, Step::TellReporter] {
            assert!(matches!(
                check(Kind::Complaint, Assigned, step, BOTH, handler()),
                Err(Refusal::WrongKind { .. })
            ));
        }
        // A report is closed only after its filing decision; a complaint only once accepted.
        assert!(check(Kind::Report, Assigned, Step::Close, UNIT, handler()).is_err());
        assert!(check(Kind::Complaint, Assigned, Step::Close, UNIT, handler()).is_err());
    }

    #[test]
    fn the_office_routes_and_the_unit_routed_to_handles() {
        // The unit does not route; the office does not handle; another unit does nothing.
        assert!(check(Kind::Report, Received, Step::Assign, UNIT, handler()).is_err());
        assert!(check(Kind::Report, Assigned, Step::DecideFiling, OFFICE, office()).is_err());
        let other = Standing::default();
        for step in Step::ALL {
            assert_eq!(
                check(Kind::Report, Assigned, step, UNIT, other),
                Err(Refusal::NotEntitled(step.label()))
            );
        }
        // Nothing is handled before it is routed; nothing is routed once handled.
        assert!(check(Kind::Report, Received, Step::DecideFiling, UNIT, handler()).is_err());
        assert!(check(Kind::Report, Decided, Step::Assign, OFFICE, office()).is_err());
        assert!(available(Kind::Report, Closed, OFFICE, office()).is_empty());
    }

    #[test]
    fn a_reward_is_proposed_approved_and_paid_by_whom_it_falls_to() {
        use crate::public_reports::reward::RewardState as R;
        const HEAD: &[Role] = &[Role::UnitHead];
        let closed = |outcome, reward| Standing {
            outcome: Some(outcome),
            reward,
            ..handler()
        };
        let filed = closed(Outcome::Filed, None);
        assert_eq!(
            check(Kind::Report, Closed, Step::ProposeReward, UNIT, filed),
            Ok(Closed)
        );
        // The head decides; staff propose and pay.
        assert!(check(Kind::Report, Closed, Step::ProposeReward, HEAD, filed).is_err());
        let proposed = closed(Outcome::Filed, Some(R::Proposed));
        assert_eq!(
            check(Kind::Report, Closed, Step::ApproveReward, HEAD, proposed),
            Ok(Closed)
        );
        assert!(check(Kind::Report, Closed, Step::ApproveReward, UNIT, proposed).is_err());
        // Once each, in order: no second proposal, no payment before the claim.
        assert!(matches!(
            check(Kind::Report, Closed, Step::ProposeReward, UNIT, proposed),
            Err(Refusal::RewardState(..))
        ));
        let approved = closed(Outcome::Filed, Some(R::Approved));
        assert!(check(Kind::Report, Closed, Step::PayReward, UNIT, approved).is_err());
        let claimed = closed(Outcome::Penalty, Some(R::Claimed));
        assert_eq!(
            check(Kind::Report, Closed, Step::PayReward, UNIT, claimed),
            Ok(Closed)
        );
        // Nothing established, nothing rewarded; a complaint has no reward; an open report
        // not yet.
        let not = closed(Outcome::NotEstablished, None);
        assert_eq!(
            check(Kind::Report, Closed, Step::ProposeReward, UNIT, not),
            Err(Refusal::NotRewardable)
        );
        assert!(check(Kind::Complaint, Closed, Step::ProposeReward, UNIT, filed).is_err());
        assert!(check(Kind::Report, Decided, Step::ProposeReward, UNIT, filed).is_err());
    }

    #[test]
    fn a_report_not_filed_ends_without_a_penalty() {
        let after = outcomes_after(Kind::Report, Some(false));
        assert!(!after.contains(&Outcome::Penalty) && !after.contains(&Outcome::Filed));
        assert!(after.contains(&Outcome::NotEstablished));
        assert!(outcomes_after(Kind::Report, Some(true)).contains(&Outcome::Penalty));
    }

    #[test]
    fn the_verification_period_is_extended_once() {
        const HEAD: &[Role] = &[Role::UnitHead];
        assert_eq!(
            check(Kind::Report, Assigned, Step::Extend, HEAD, handler()),
            Ok(Assigned)
        );
        // 第三十一条: the head approves an extension, not the liaison officer.
        assert!(check(Kind::Report, Assigned, Step::Extend, UNIT, handler()).is_err());
        let extended = Standing {
            extended: true,
            ..handler()
        };
        assert_eq!(
            check(Kind::Report, Assigned, Step::Extend, HEAD, extended),
            Err(Refusal::AlreadyExtended)
        );
    }

    /// The periods of 《市场监督管理投诉举报处理暂行办法》: 7, 15 (+15) and 5 working days.
    #[test]
    fn the_clocks_have_the_periods_of_the_rules() {
        let p = Periods::default();
        assert_eq!(
            first_clock(Kind::Complaint, &p),
            ("决定是否受理投诉", CLAUSE_ACCEPT, Period::WorkingDays(7))
        );
        assert_eq!(first_clock(Kind::Report, &p).2, Period::WorkingDays(15));
        assert_eq!(p.report_extend_workdays, 15);
        assert_eq!(tell_clock(&p).2, Period::WorkingDays(5));
        let own = Periods {
            complaint_accept_workdays: 5,
            ..p
        };
        assert_eq!(first_clock(Kind::Complaint, &own).2, Period::WorkingDays(5));
    }
}
