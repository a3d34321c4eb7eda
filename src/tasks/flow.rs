//! A supervised task (seed 003 三(五) 协查督办; 001 §22) as a state machine: the office assigns it
//! with a lead unit, cooperating units and a time limit; the units report progress; the lead
//! unit reports completion with evidence; the office accepts it or sends it back with reasons.
//! Pure: no I/O.

use serde::{Deserialize, Serialize};

use crate::access::Role;
use crate::domain::coded_enum;

coded_enum! {
    /// Where a task comes from (003 三(五); 001 §22).
    Source {
        DecidedItem = "decided_item", "会议确定的工作任务和议定事项";
        LeaderInstruction = "leader_instruction", "领导批办";
        InspectionFinding = "inspection_finding", "检查中发现";
        PublicReport = "public_report", "社会举报";
        UnitRequest = "unit_request", "部门单位提交";
        WorkPlan = "work_plan", "工作要点";
        AssessmentCriticism = "assessment_criticism", "年度绩效考核通报批评的限期整改";
    }
}

coded_enum! {
    TaskState {
        Assigned = "assigned", "已交办";
        InProgress = "in_progress", "办理中";
        Submitted = "submitted", "已报完成待验收";
        SentBack = "sent_back", "退回重办";
        Accepted = "accepted", "已办结";
    }
}

/// A step of the procedure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = TaskStepCode)]
pub enum Step {
    /// The lead or a cooperating unit reports progress.
    ReportProgress,
    /// The lead unit reports the task done, with evidence.
    SubmitCompletion,
    /// The office accepts the completion; the task ends.
    Accept,
    /// The office sends it back with reasons.
    SendBack,
    /// Add evidence (documents, photos).
    Attach,
}

impl Step {
    pub const ALL: [Step; 5] = [
        Step::ReportProgress,
        Step::SubmitCompletion,
        Step::Accept,
        Step::SendBack,
        Step::Attach,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Step::ReportProgress => "report_progress",
            Step::SubmitCompletion => "submit_completion",
            Step::Accept => "accept",
            Step::SendBack => "send_back",
            Step::Attach => "attach",
        }
    }

    pub fn parse(code: &str) -> Option<Step> {
        Step::ALL.into_iter().find(|s| s.code() == code.trim())
    }

    pub fn label(self) -> &'static str {
        match self {
            Step::ReportProgress => "报告进展",
            Step::SubmitCompletion => "报告完成",
            Step::Accept => "验收办结",
            Step::SendBack => "退回重办",
            Step::Attach => "上传佐证材料",
        }
    }
}

/// How the actor stands to the task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Standing {
    /// The actor is in the office that assigned the task.
    pub office: bool,
    pub lead: bool,
    pub cooperating: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("任务当前处于“{state}”状态，不能{step}")]
    WrongState {
        state: &'static str,
        step: &'static str,
    },
    #[error("您没有{0}的权限")]
    NotEntitled(&'static str),
}

/// The rule for each step. The office supervises and decides on completion; it does not write
/// the units' reports (000 §11 applies to tasks as to cases).
pub fn check(
    state: TaskState,
    step: Step,
    roles: &[Role],
    standing: Standing,
) -> Result<TaskState, Refusal> {
    use TaskState::*;
    let unit = roles
        .iter()
        .any(|r| matches!(r, Role::UnitLiaison | Role::UnitHandler));
    let office = roles.iter().any(|r| r.is_office());
    let (from, to): (&[TaskState], TaskState) = match step {
        Step::ReportProgress => (
            &[Assigned, InProgress, SentBack],
            if state == SentBack {
                SentBack
            } else {
                InProgress
            },
        ),
        Step::SubmitCompletion => (&[Assigned, InProgress, SentBack], Submitted),
        Step::Accept => (&[Submitted], Accepted),
        Step::SendBack => (&[Submitted], SentBack),
        Step::Attach => (&[Assigned, InProgress, SentBack, Submitted], state),
    };
    let entitled = match step {
        Step::ReportProgress | Step::Attach => (standing.lead || standing.cooperating) && unit,
        Step::SubmitCompletion => standing.lead && unit,
        Step::Accept | Step::SendBack => standing.office && office,
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

pub fn available(state: TaskState, roles: &[Role], standing: Standing) -> Vec<Step> {
    Step::ALL
        .into_iter()
        .filter(|s| check(state, *s, roles, standing).is_ok())
        .collect()
}

/// 003 三(五): tasks are supervised "限时"; the clock names the clause.
pub const CLAUSE: &str = "003 三(五)";

#[cfg(test)]
mod tests {
    use super::*;
    use TaskState::*;

    const UNIT: &[Role] = &[Role::UnitLiaison];
    const OFFICE: &[Role] = &[Role::OfficeStaff];

    fn lead() -> Standing {
        Standing {
            lead: true,
            ..Standing::default()
        }
    }
    fn coop() -> Standing {
        Standing {
            cooperating: true,
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
    fn assigned_reported_submitted_accepted() {
        let s = check(Assigned, Step::ReportProgress, UNIT, coop()).expect("coop reports");
        assert_eq!(s, InProgress);
        let s = check(s, Step::SubmitCompletion, UNIT, lead()).expect("lead submits");
        assert_eq!(s, Submitted);
        assert_eq!(check(s, Step::Accept, OFFICE, office()), Ok(Accepted));
        assert!(available(Accepted, UNIT, lead()).is_empty());
        assert!(available(Accepted, OFFICE, office()).is_empty());
    }

    #[test]
    fn sent_back_and_resubmitted() {
        let s = check(Submitted, Step::SendBack, OFFICE, office()).expect("send back");
        assert_eq!(s, SentBack);
        assert_eq!(check(s, Step::ReportProgress, UNIT, lead()), Ok(SentBack));
        assert_eq!(
            check(s, Step::SubmitCompletion, UNIT, lead()),
            Ok(Submitted)
        );
    }

    #[test]
    fn each_keeps_to_its_part() {
        assert_eq!(
            check(InProgress, Step::SubmitCompletion, UNIT, coop()),
            Err(Refusal::NotEntitled("报告完成"))
        );
        assert!(check(Submitted, Step::Accept, UNIT, lead()).is_err());
        assert!(check(InProgress, Step::ReportProgress, OFFICE, office()).is_err());
        assert!(check(Submitted, Step::Accept, OFFICE, Standing::default()).is_err());
        let e = check(InProgress, Step::Accept, OFFICE, office()).expect_err("not submitted");
        assert_eq!(e.to_string(), "任务当前处于“办理中”状态，不能验收办结");
    }

    #[test]
    fn codes_round_trip() {
        for s in Step::ALL {
            assert_eq!(Step::parse(s.code()), Some(s));
        }
        for s in TaskState::ALL {
            assert_eq!(TaskState::parse(s.code()), Some(*s));
        }
    }
}
