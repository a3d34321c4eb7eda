//! The supervision procedure of seed 000 as a state machine: which step may be taken, by whom,
//! from which state, what it needs, and which clocks it opens and closes. Pure: no I/O.

use serde::{Deserialize, Serialize};

use crate::access::Role;

/// Where a case stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseState {
    /// 线索: registered, no decision yet (000 §4 sources).
    Clue,
    /// 已提请督办: the office proposed supervision (000 §3).
    Proposed,
    /// 不予督办: the office director refused.
    Rejected,
    /// 已决定督办: approved; lead and assisting units still to be named (000 §3–4).
    Supervised,
    /// 已启动: lead and assisting units named; the supervision letter is due (000 §4–5).
    Started,
    /// 督办中: the letter went out; the office follows the case (000 §5–7).
    UnderSupervision,
    /// 已办结: the lead unit recorded the conclusion; its closure report is due (000 §8).
    Concluded,
    /// 已报结: the closure report arrived; the office approves and circulates (000 §9).
    Reported,
    /// 已通报: results circulated (and reported to the instructing leader); ready to archive.
    Circulated,
    /// 已归档: archived as one dossier (000 §13); read-only.
    Archived,
}

impl CaseState {
    pub const ALL: [CaseState; 10] = [
        CaseState::Clue,
        CaseState::Proposed,
        CaseState::Rejected,
        CaseState::Supervised,
        CaseState::Started,
        CaseState::UnderSupervision,
        CaseState::Concluded,
        CaseState::Reported,
        CaseState::Circulated,
        CaseState::Archived,
    ];

    pub fn code(self) -> &'static str {
        match self {
            CaseState::Clue => "clue",
            CaseState::Proposed => "proposed",
            CaseState::Rejected => "rejected",
            CaseState::Supervised => "supervised",
            CaseState::Started => "started",
            CaseState::UnderSupervision => "under_supervision",
            CaseState::Concluded => "concluded",
            CaseState::Reported => "reported",
            CaseState::Circulated => "circulated",
            CaseState::Archived => "archived",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            CaseState::Clue => "线索",
            CaseState::Proposed => "已提请督办",
            CaseState::Rejected => "不予督办",
            CaseState::Supervised => "已决定督办",
            CaseState::Started => "已启动督办",
            CaseState::UnderSupervision => "督办中",
            CaseState::Concluded => "已办结",
            CaseState::Reported => "已报送办结情况",
            CaseState::Circulated => "已通报",
            CaseState::Archived => "已归档",
        }
    }

    pub fn parse(code: &str) -> Option<CaseState> {
        CaseState::ALL.into_iter().find(|s| s.code() == code)
    }
}

/// A step of the procedure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = CaseStepCode)]
pub enum Step {
    /// 000 §3: the office proposes supervision on one or more grounds of 000 §2.
    Propose,
    /// 000 §3: the office director approves …
    Approve,
    /// … or refuses.
    Reject,
    /// 000 §4: name the lead and assisting regions or units.
    Start,
    /// 000 §5: issue the supervision letter.
    IssueLetter,
    /// 000 §6: ask the lead unit for staged progress.
    RequestProgress,
    /// 000 §6: a handling unit reports progress.
    ReportProgress,
    /// 000 §7: coordination meeting, bulletin, on-site coordination, circular; 000 §10 referral.
    Coordinate,
    /// 000 §8: the lead unit records the conclusion (办结).
    Conclude,
    /// 000 §8: the lead unit sends the closure report.
    ReportClosure,
    /// 000 §9: internal approval and circulation of the result.
    Circulate,
    /// 000 §13: archive as one dossier.
    Archive,
    /// Add an attachment (evidence, scanned letter, photo) to the case file.
    Attach,
    /// 000 §2: record that a court or procuratorate has (or no longer has) the case, with a
    /// reason: the exclusion is tested on what is stored.
    JudicialStatus,
}

impl Step {
    pub fn label(self) -> &'static str {
        match self {
            Step::Propose => "提请督办",
            Step::Approve => "批准督办",
            Step::Reject => "不予督办",
            Step::Start => "明确主办协办单位",
            Step::IssueLetter => "发出督办公函",
            Step::RequestProgress => "函请反馈进展",
            Step::ReportProgress => "报送进展",
            Step::Coordinate => "协调督导",
            Step::Conclude => "登记办结",
            Step::ReportClosure => "报送办结情况",
            Step::Circulate => "报批并通报结果",
            Step::Archive => "立卷归档",
            Step::Attach => "上传附件",
            Step::JudicialStatus => "变更司法程序状态",
        }
    }
}

/// How the actor stands to the case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    /// The actor is in the office that supervises the case (the region's group office).
    pub office: bool,
    /// The actor's unit is the lead unit.
    pub lead: bool,
    /// The actor's unit is an assisting unit.
    pub assisting: bool,
    /// The actor's unit registered the clue (a member unit's own report).
    pub reporter: bool,
}

impl Standing {
    /// Entitled to parties' resident ID numbers in full (GB 11643; shown masked to everyone
    /// else): the office supervising the case and the lead unit handling it.
    pub fn sees_identities(self) -> bool {
        self.office || self.lead
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("案件当前处于“{state}”状态，不能{step}")]
    WrongState {
        state: &'static str,
        step: &'static str,
    },
    #[error("您没有{0}的权限")]
    NotEntitled(&'static str),
    #[error("案件已归档，不能再修改")]
    Archived,
}

fn office_role(roles: &[Role]) -> bool {
    roles.iter().any(|r| r.is_office())
}

fn director(roles: &[Role]) -> bool {
    roles.contains(&Role::OfficeDirector)
}

fn unit_role(roles: &[Role]) -> bool {
    roles
        .iter()
        .any(|r| matches!(r, Role::UnitLiaison | Role::UnitHandler))
}

/// The rule for each step: the states it may be taken from, the state it leads to, and who may
/// take it. The office coordinates and supervises but never records a unit's own work
/// (000 §11): reports and the conclusion come from the handling units.
pub fn check(
    state: CaseState,
    step: Step,
    roles: &[Role],
    standing: Standing,
) -> Result<CaseState, Refusal> {
    use CaseState::*;
    if state == Archived {
        return Err(Refusal::Archived);
    }
    let (from, to): (&[CaseState], CaseState) = match step {
        Step::Propose => (&[Clue, Rejected], Proposed),
        Step::Approve => (&[Proposed], Supervised),
        Step::Reject => (&[Proposed], Rejected),
        Step::Start => (&[Supervised], Started),
        Step::IssueLetter => (&[Started], UnderSupervision),
        Step::RequestProgress => (&[UnderSupervision], UnderSupervision),
        Step::ReportProgress => (&[UnderSupervision, Concluded], state),
        Step::Coordinate => (&[Started, UnderSupervision, Concluded], state),
        Step::Conclude => (&[UnderSupervision], Concluded),
        Step::ReportClosure => (&[Concluded], Reported),
        Step::Circulate => (&[Reported], Circulated),
        Step::Archive => (&[Circulated], Archived),
        Step::Attach => (&CaseState::ALL[..9], state),
        Step::JudicialStatus => (&CaseState::ALL[..9], state),
    };
    let entitled = match step {
        Step::Approve | Step::Reject => standing.office && director(roles),
        // 000 §9's internal approval is the director's signature of the circular's draft (the
        // document chain); the office drafts it, as it does the letter.
        Step::Propose
        | Step::Circulate
        | Step::Start
        | Step::IssueLetter
        | Step::RequestProgress
        | Step::Coordinate
        | Step::JudicialStatus
        | Step::Archive => standing.office && office_role(roles),
        Step::ReportProgress => (standing.lead || standing.assisting) && unit_role(roles),
        Step::Conclude | Step::ReportClosure => standing.lead && unit_role(roles),
        Step::Attach => {
            (standing.office && office_role(roles))
                || ((standing.lead || standing.assisting || standing.reporter) && unit_role(roles))
        }
    };
    if !entitled {
        return Err(Refusal::NotEntitled(step.label()));
    }
    if !from.contains(&state) {
        return Err(Refusal::WrongState {
            state: state.label(),
            step: step.label(),
        });
    }
    Ok(to)
}

/// The steps `roles` with `standing` may take now (for the case page's buttons).
pub fn available(state: CaseState, roles: &[Role], standing: Standing) -> Vec<Step> {
    [
        Step::Propose,
        Step::Approve,
        Step::Reject,
        Step::Start,
        Step::IssueLetter,
        Step::RequestProgress,
        Step::ReportProgress,
        Step::Coordinate,
        Step::Conclude,
        Step::ReportClosure,
        Step::Circulate,
        Step::Archive,
        Step::Attach,
        Step::JudicialStatus,
    ]
    .into_iter()
    .filter(|s| check(state, *s, roles, standing).is_ok())
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use CaseState::*;

    const OFFICE: Standing = Standing {
        office: true,
        lead: false,
        assisting: false,
        reporter: false,
    };
    const LEAD: Standing = Standing {
        office: false,
        lead: true,
        assisting: false,
        reporter: false,
    };
    const ASSIST: Standing = Standing {
        office: false,
        lead: false,
        assisting: true,
        reporter: false,
    };
    const NONE: Standing = Standing {
        office: false,
        lead: false,
        assisting: false,
        reporter: false,
    };

    #[test]
    fn the_happy_path_of_seed_000() {
        let staff = [Role::OfficeStaff];
        let director = [Role::OfficeDirector];
        let liaison = [Role::UnitLiaison];
        let mut s = Clue;
        for (step, roles, standing, next) in [
            (Step::Propose, &staff[..], OFFICE, Proposed),
            (Step::Approve, &director[..], OFFICE, Supervised),
            (Step::Start, &staff[..], OFFICE, Started),
            (Step::IssueLetter, &staff[..], OFFICE, UnderSupervision),
            (Step::RequestProgress, &staff[..], OFFICE, UnderSupervision),
            (Step::ReportProgress, &liaison[..], LEAD, UnderSupervision),
            (Step::ReportProgress, &liaison[..], ASSIST, UnderSupervision),
            (Step::Coordinate, &staff[..], OFFICE, UnderSupervision),
            (Step::Conclude, &liaison[..], LEAD, Concluded),
            (Step::ReportClosure, &liaison[..], LEAD, Reported),
            (Step::Circulate, &director[..], OFFICE, Circulated),
            (Step::Archive, &staff[..], OFFICE, Archived),
        ] {
            assert_eq!(
                check(s, step, roles, standing),
                Ok(next),
                "{step:?} from {s:?}"
            );
            s = next;
        }
    }

    #[test]
    fn every_step_from_every_state_is_decided() {
        // Exhaustive: each (state, step) pair either leads somewhere or is refused with a
        // message naming the state and the step.
        let all = [Role::OfficeStaff, Role::OfficeDirector, Role::UnitLiaison];
        let everyone = Standing {
            office: true,
            lead: true,
            assisting: true,
            reporter: true,
        };
        for state in CaseState::ALL {
            for step in available(Clue, &all, everyone).into_iter().chain([
                Step::Archive,
                Step::Circulate,
                Step::Conclude,
            ]) {
                match check(state, step, &all, everyone) {
                    Ok(_) => {}
                    Err(Refusal::Archived) => assert_eq!(state, Archived),
                    Err(Refusal::WrongState { state: s, step: st }) => {
                        assert_eq!(s, state.label());
                        assert_eq!(st, step.label());
                    }
                    Err(e) => panic!("unexpected {e:?}"),
                }
            }
        }
    }

    #[test]
    fn only_the_director_decides_and_the_office_drafts_the_circular() {
        for step in [Step::Approve, Step::Reject] {
            assert!(matches!(
                check(Proposed, step, &[Role::OfficeStaff], OFFICE),
                Err(Refusal::NotEntitled(_))
            ));
            assert!(check(Proposed, step, &[Role::OfficeDirector], OFFICE).is_ok());
            // A director of another office is not this case's office.
            assert!(check(Proposed, step, &[Role::OfficeDirector], NONE).is_err());
        }
        // The office drafts the circular; the director signs its draft (`drafting`), which
        // takes this step. No one outside the office, nor the leader, takes it.
        assert!(check(Reported, Step::Circulate, &[Role::OfficeStaff], OFFICE).is_ok());
        assert!(check(Reported, Step::Circulate, &[Role::OfficeStaff], NONE).is_err());
        assert!(check(Reported, Step::Circulate, &[Role::GroupLeader], OFFICE).is_err());
    }

    #[test]
    fn the_office_never_does_the_units_work() {
        // 000 §11: the office may not record progress, the conclusion or the closure report.
        let office_all = [Role::OfficeStaff, Role::OfficeDirector];
        assert!(check(UnderSupervision, Step::ReportProgress, &office_all, OFFICE).is_err());
        assert!(check(UnderSupervision, Step::Conclude, &office_all, OFFICE).is_err());
        assert!(check(Concluded, Step::ReportClosure, &office_all, OFFICE).is_err());
        // Assisting units report progress but do not conclude.
        assert!(
            check(
                UnderSupervision,
                Step::Conclude,
                &[Role::UnitHandler],
                ASSIST
            )
            .is_err()
        );
        assert!(
            check(
                UnderSupervision,
                Step::ReportProgress,
                &[Role::UnitHandler],
                ASSIST
            )
            .is_ok()
        );
        // Units do not steer the procedure.
        for step in [Step::Propose, Step::Start, Step::IssueLetter, Step::Archive] {
            assert!(check(Clue, step, &[Role::UnitLiaison], LEAD).is_err());
        }
    }

    #[test]
    fn attachments_until_archived_by_those_involved() {
        let reporter = Standing {
            reporter: true,
            ..NONE
        };
        assert_eq!(
            check(Clue, Step::Attach, &[Role::UnitLiaison], reporter),
            Ok(Clue)
        );
        assert_eq!(
            check(Concluded, Step::Attach, &[Role::UnitHandler], ASSIST),
            Ok(Concluded)
        );
        assert!(check(Clue, Step::Attach, &[Role::UnitLiaison], NONE).is_err());
        assert!(check(Clue, Step::Attach, &[Role::GroupLeader], OFFICE).is_err());
        assert_eq!(
            check(Archived, Step::Attach, &[Role::OfficeStaff], OFFICE),
            Err(Refusal::Archived)
        );
    }

    #[test]
    fn wrong_states_say_why() {
        let e = check(Clue, Step::IssueLetter, &[Role::OfficeStaff], OFFICE).expect_err("refused");
        assert_eq!(e.to_string(), "案件当前处于“线索”状态，不能发出督办公函");
        let e =
            check(Archived, Step::Coordinate, &[Role::OfficeStaff], OFFICE).expect_err("refused");
        assert_eq!(e, Refusal::Archived);
        // A rejected clue can be proposed again with new facts.
        assert_eq!(
            check(Rejected, Step::Propose, &[Role::OfficeStaff], OFFICE),
            Ok(Proposed)
        );
    }

    #[test]
    fn codes_round_trip() {
        for s in CaseState::ALL {
            assert_eq!(CaseState::parse(s.code()), Some(s));
        }
    }
}
