//! The group's meetings (001 §19–23; 003 三(一)) as a state machine, and the yearly minimum of
//! the county meetings. Pure: no I/O.
//!
//! The office proposes the time and topics and the leader decides (001 §20); the meeting is
//! held and its attendance and minutes recorded; the minutes state the decided items and are
//! signed by the chair before they go out (001 §21, §23; 003 三(一)); on issue each decided
//! item becomes a supervised task (001 §22; 003 三(五)).

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::access::Role;
use crate::domain::coded_enum;

coded_enum! {
    MeetingKind {
        Plenary = "plenary", "领导小组全体会议";
        Special = "special", "领导小组专题会议";
        ResponsiblePersons = "responsible_persons", "成员单位负责人会议";
        Liaison = "liaison", "联络员会议";
    }
}

coded_enum! {
    MeetingState {
        Proposed = "proposed", "已提出建议";
        Approved = "approved", "已决定召开";
        Held = "held", "已召开待签发纪要";
        Issued = "issued", "纪要已签发";
        Cancelled = "cancelled", "不予召开";
    }
}

impl MeetingKind {
    /// Who decides to hold it and signs its minutes: the group leader (or an authorised deputy,
    /// who holds the same role here) for the group's meetings (001 §19–21); the office director
    /// who chairs the liaison meeting (001 §23; 003 三(一) "由会议主持人签发").
    pub fn chair_role(self) -> Role {
        match self {
            MeetingKind::Liaison => Role::OfficeDirector,
            _ => Role::GroupLeader,
        }
    }

    pub fn clause(self) -> &'static str {
        match self {
            MeetingKind::Plenary | MeetingKind::Special => "001 §19–21",
            MeetingKind::ResponsiblePersons => "003 三(一)",
            MeetingKind::Liaison => "001 §23；003 三(一)",
        }
    }
}

/// A step of the procedure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = MeetingStepCode)]
pub enum Step {
    /// 001 §20: the chair decides to hold it as proposed …
    Approve,
    /// … or not.
    Cancel,
    /// The office records that it was held: attendance, minutes, decided items.
    RecordHeld,
    /// 001 §21: the chair signs the minutes; they are numbered and issued, and each decided
    /// item becomes a task.
    SignMinutes,
}

impl Step {
    pub const ALL: [Step; 4] = [
        Step::Approve,
        Step::Cancel,
        Step::RecordHeld,
        Step::SignMinutes,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Step::Approve => "approve",
            Step::Cancel => "cancel",
            Step::RecordHeld => "record_held",
            Step::SignMinutes => "sign_minutes",
        }
    }
    pub fn parse(code: &str) -> Option<Step> {
        Step::ALL.into_iter().find(|s| s.code() == code.trim())
    }
    pub fn label(self) -> &'static str {
        match self {
            Step::Approve => "决定召开",
            Step::Cancel => "不予召开",
            Step::RecordHeld => "记录会议情况和纪要",
            Step::SignMinutes => "签发会议纪要",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("会议当前处于“{state}”状态，不能{step}")]
    WrongState {
        state: &'static str,
        step: &'static str,
    },
    #[error("{0}应由{1}决定或签发")]
    NotChair(&'static str, &'static str),
    #[error("您没有{0}的权限")]
    NotEntitled(&'static str),
}

/// `office`: the actor is in the office that organises the meeting (or leads its group).
pub fn check(
    kind: MeetingKind,
    state: MeetingState,
    step: Step,
    roles: &[Role],
    office: bool,
) -> Result<MeetingState, Refusal> {
    use MeetingState::*;
    let (from, to): (&[MeetingState], MeetingState) = match step {
        Step::Approve => (&[Proposed], Approved),
        Step::Cancel => (&[Proposed], Cancelled),
        Step::RecordHeld => (&[Approved], Held),
        Step::SignMinutes => (&[Held], Issued),
    };
    match step {
        Step::Approve | Step::Cancel | Step::SignMinutes => {
            let chair = kind.chair_role();
            if !(office && roles.contains(&chair)) {
                return Err(Refusal::NotChair(kind.label(), chair.label()));
            }
        }
        Step::RecordHeld => {
            let staff = roles.iter().any(|r| r.is_office());
            if !(office && staff) {
                return Err(Refusal::NotEntitled(step.label()));
            }
        }
    }
    if !from.contains(&state) {
        return Err(Refusal::WrongState {
            state: state.label(),
            step: step.label(),
        });
    }
    Ok(to)
}

/// The steps offered on the meeting's page. Signing the minutes is not among them: it is the
/// signing of the minutes' draft in the document chain (`drafting`), which takes that step.
pub fn available(
    kind: MeetingKind,
    state: MeetingState,
    roles: &[Role],
    office: bool,
) -> Vec<Step> {
    Step::ALL
        .into_iter()
        .filter(|s| *s != Step::SignMinutes)
        .filter(|s| check(kind, state, *s, roles, office).is_ok())
        .collect()
}

/// 003 三(一): a county holds liaison meetings at least twice a year and responsible-persons'
/// meetings once or twice. The office is warned when the year is not on track: nothing held
/// by the end of June, or fewer than the minimum with the fourth quarter begun.
pub fn minimum_warning(kind: MeetingKind, held_this_year: u32, today: NaiveDate) -> Option<String> {
    let min = match kind {
        MeetingKind::Liaison => 2,
        MeetingKind::ResponsiblePersons => 1,
        _ => return None,
    };
    if held_this_year >= min {
        return None;
    }
    let behind = (today.month() >= 7 && held_this_year == 0) || today.month() >= 10;
    behind.then(|| {
        format!(
            "{}年已召开{}{}次，按制度每年不少于{}次（《打击侵犯知识产权和制售假冒伪劣商品工作制度》第三部分第（一）项），请及早安排",
            today.year(),
            kind.label(),
            held_this_year,
            min
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use MeetingKind::*;
    use MeetingState::*;

    const LEADER: &[Role] = &[Role::GroupLeader];
    const DIRECTOR: &[Role] = &[Role::OfficeDirector];
    const STAFF: &[Role] = &[Role::OfficeStaff];

    #[test]
    fn plenary_from_proposal_to_issued_minutes() {
        let s = check(Plenary, Proposed, Step::Approve, LEADER, true).expect("leader decides");
        let s = check(Plenary, s, Step::RecordHeld, STAFF, true).expect("office records");
        assert_eq!(
            check(Plenary, s, Step::SignMinutes, LEADER, true),
            Ok(Issued)
        );
    }

    #[test]
    fn only_the_chair_decides_and_signs() {
        let e = check(Plenary, Proposed, Step::Approve, DIRECTOR, true).expect_err("director");
        assert_eq!(e.to_string(), "领导小组全体会议应由组长/副组长决定或签发");
        assert!(check(Special, Held, Step::SignMinutes, STAFF, true).is_err());
        assert!(
            check(Special, Held, Step::SignMinutes, LEADER, false).is_err(),
            "another region's leader"
        );
        // The liaison meeting is chaired, and its minutes signed, by the office director.
        assert_eq!(
            check(Liaison, Held, Step::SignMinutes, DIRECTOR, true),
            Ok(Issued)
        );
        assert!(check(Liaison, Held, Step::SignMinutes, LEADER, true).is_err());
        assert!(check(Plenary, Approved, Step::RecordHeld, LEADER, true).is_err());
    }

    #[test]
    fn order_is_kept() {
        assert!(check(Plenary, Proposed, Step::SignMinutes, LEADER, true).is_err());
        assert!(check(Plenary, Issued, Step::RecordHeld, STAFF, true).is_err());
        assert_eq!(
            check(Plenary, Proposed, Step::Cancel, LEADER, true),
            Ok(Cancelled)
        );
        assert!(available(Plenary, Cancelled, LEADER, true).is_empty());
        assert!(available(Plenary, Issued, LEADER, true).is_empty());
        // The chair signs the minutes' draft, not a step on the meeting's page.
        assert!(available(Plenary, Held, LEADER, true).is_empty());
    }

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, day).expect("date")
    }

    #[test]
    fn yearly_minimum_of_county_meetings() {
        assert_eq!(
            minimum_warning(Liaison, 0, d(3, 1)),
            None,
            "early in the year"
        );
        assert!(
            minimum_warning(Liaison, 0, d(7, 1)).is_some(),
            "half the year gone"
        );
        assert_eq!(minimum_warning(Liaison, 1, d(7, 1)), None);
        let w = minimum_warning(Liaison, 1, d(10, 8)).expect("fourth quarter");
        assert!(
            w.contains("不少于2次") && w.contains("已召开联络员会议1次"),
            "{w}"
        );
        assert_eq!(minimum_warning(Liaison, 2, d(12, 1)), None);
        assert!(minimum_warning(ResponsiblePersons, 0, d(10, 1)).is_some());
        assert_eq!(minimum_warning(ResponsiblePersons, 1, d(12, 31)), None);
        assert_eq!(minimum_warning(Plenary, 0, d(12, 31)), None);
    }
}
