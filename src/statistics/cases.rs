//! The supervised major cases of the reader's region (000; issue #16: "supervised cases by
//! state, ground, lead region and age, with the oldest and most overdue first"). A case is
//! under supervision from the decision to supervise until its result is circulated; its age is
//! counted in calendar days from the day the clue was received.

use chrono::NaiveDate;
use serde::Serialize;

use crate::cases::flow::CaseState;

/// Under supervision: decided, started, followed, concluded or reported, not yet circulated.
pub fn in_supervision(s: CaseState) -> bool {
    matches!(
        s,
        CaseState::Supervised
            | CaseState::Started
            | CaseState::UnderSupervision
            | CaseState::Concluded
            | CaseState::Reported
    )
}

/// The age bands, in days since the clue was received: (label, first day of the band).
pub const AGES: [(&str, i64); 5] = [
    ("不满1个月", 0),
    ("1至3个月", 30),
    ("3至6个月", 90),
    ("6个月至1年", 180),
    ("1年以上", 365),
];

/// The band of a case received `received` days before `today` (a date in the future, which
/// the intake refuses, falls in the first).
pub fn age_band(received: NaiveDate, today: NaiveDate) -> usize {
    let days = (today - received).num_days();
    AGES.iter()
        .rposition(|(_, from)| days >= *from)
        .unwrap_or(0)
}

/// The first day of each band but the first, seen from `today`: a case received on or after
/// `bounds[i]` is younger than band `i + 1` (for the query, which groups in SQL).
pub fn band_starts(today: NaiveDate) -> Vec<NaiveDate> {
    AGES.iter()
        .skip(1)
        .map(|(_, from)| today - chrono::Duration::days(*from))
        .collect()
}

/// A count under a label, with where it leads (the case list filtered on it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[schema(as = CaseCount)]
pub struct Count {
    pub label: String,
    pub count: i64,
    /// The case list showing these cases, when there is one.
    pub href: Option<String>,
}

/// One case of the oldest and most overdue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
#[schema(as = CaseBehind)]
pub struct Behind {
    pub id: i64,
    pub code: String,
    pub title: String,
    pub state: String,
    pub received_on: String,
    pub lead_unit_name: Option<String>,
    /// Its clocks not done by their due date (late or missed).
    pub late_clocks: i64,
    /// Days since the clue was received.
    #[sqlx(skip)]
    pub age_days: i64,
}

impl Behind {
    pub fn state_label(&self) -> &'static str {
        CaseState::parse(&self.state).map_or("未知", CaseState::label)
    }
}

/// The figures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[schema(as = CaseFigures)]
pub struct Figures {
    /// Every case in scope by state, in the order of the procedure.
    pub states: Vec<Count>,
    /// Cases under supervision (`in_supervision`).
    pub supervised: i64,
    /// Those by ground of 000 §2 (a case may rest on several).
    pub grounds: Vec<Count>,
    /// Those by the region of their lead unit (none named yet: 未确定主办单位).
    pub lead_regions: Vec<Count>,
    /// Those by age.
    pub ages: Vec<Count>,
    /// The 20 with the most clocks not done in time, then the oldest.
    pub behind: Vec<Behind>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    #[test]
    fn supervision_runs_from_the_decision_to_the_circular() {
        let under: Vec<CaseState> = CaseState::ALL
            .iter()
            .copied()
            .filter(|s| in_supervision(*s))
            .collect();
        assert_eq!(
            under,
            [
                CaseState::Supervised,
                CaseState::Started,
                CaseState::UnderSupervision,
                CaseState::Concluded,
                CaseState::Reported
            ]
        );
    }

    #[test]
    fn ages_fall_in_their_bands_at_the_edges() {
        let today = d(2026, 12, 5);
        assert_eq!(age_band(today, today), 0);
        assert_eq!(age_band(today - chrono::Duration::days(29), today), 0);
        assert_eq!(age_band(today - chrono::Duration::days(30), today), 1);
        assert_eq!(age_band(today - chrono::Duration::days(179), today), 2);
        assert_eq!(age_band(today - chrono::Duration::days(365), today), 4);
        assert_eq!(age_band(d(2027, 1, 1), today), 0);
        let starts = band_starts(today);
        assert_eq!(starts[0], today - chrono::Duration::days(30));
        assert_eq!(starts.len(), AGES.len() - 1);
        // The SQL groups by these: a case received on a band's first day is in the older band,
        // as age_band says.
        for (i, s) in starts.iter().enumerate() {
            assert_eq!(age_band(*s, today), i + 1);
        }
    }
}
