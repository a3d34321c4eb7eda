//! Report rounds (001 §25; 003 三(三)) of a period: for each round who reported on time, late,
//! not yet, or is missing, and for each unit how many rounds it reported on time, late or
//! missed (issue #16: "reporting rounds, showing who is late"). A unit's standing in a round is
//! the round page's own (`reports::standing`, from its first report's date and its clock's due
//! date), so the figures and the round they open agree. Pure.

use chrono::NaiveDate;
use serde::Serialize;

use crate::reports::{Kind, Standing, standing};

/// One unit in one round, as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fact {
    pub round_id: i64,
    pub kind: String,
    pub period_label: String,
    /// The round's due date (YYYY-MM-DD).
    pub round_due: String,
    pub unit_id: i64,
    pub unit_name: String,
    /// The unit's first report to the round.
    pub submitted_on: Option<NaiveDate>,
    /// The unit's own due date (its clock's: the engine or an extension may have moved it).
    pub due_on: NaiveDate,
}

/// How many units (in a round) or rounds (of a unit) stand each way.
#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
#[schema(as = RoundStandingCount)]
pub struct Counts {
    /// Reported on or before the due date (按时报送).
    pub on_time: i64,
    /// Reported after it (逾期报送).
    pub late: i64,
    /// Not reported, the due date not yet passed (未报送).
    pub pending: i64,
    /// Not reported, the due date passed (逾期未报).
    pub missing: i64,
    /// On time ÷ (on time + late + missing), in per cent to one decimal; none when nothing
    /// is due yet.
    pub on_time_rate: Option<f64>,
}

impl Counts {
    fn add(&mut self, s: Standing) {
        match s {
            Standing::OnTime => self.on_time += 1,
            Standing::Late => self.late += 1,
            Standing::Pending => self.pending += 1,
            Standing::Missing => self.missing += 1,
        }
    }

    fn close(&mut self) {
        let due = self.on_time + self.late + self.missing;
        self.on_time_rate =
            (due > 0).then(|| (self.on_time as f64 * 1000.0 / due as f64).round() / 10.0);
    }

    /// Late or missing: what the office chases.
    pub fn behind(&self) -> i64 {
        self.late + self.missing
    }

    pub fn all(&self) -> i64 {
        self.on_time + self.late + self.pending + self.missing
    }
}

/// One unit's standing in a round.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[schema(as = RoundUnitStanding)]
pub struct UnitStanding {
    pub unit_id: i64,
    pub unit_name: String,
    pub standing: Standing,
    pub standing_label: String,
    pub submitted_on: Option<String>,
}

/// One round: its units' standings, the missing and late first.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[schema(as = RoundStandings)]
pub struct RoundRow {
    pub round_id: i64,
    pub kind: String,
    pub kind_label: String,
    pub period_label: String,
    pub due_on: String,
    #[serde(flatten)]
    pub counts: Counts,
    pub units: Vec<UnitStanding>,
}

impl RoundRow {
    /// The names of the units standing `s`, for the table.
    pub fn names(&self, s: &str) -> String {
        self.units
            .iter()
            .filter(|u| u.standing_code() == s)
            .map(|u| u.unit_name.as_str())
            .collect::<Vec<_>>()
            .join("、")
    }
}

impl UnitStanding {
    pub fn standing_code(&self) -> &'static str {
        match self.standing {
            Standing::OnTime => "on_time",
            Standing::Late => "late",
            Standing::Pending => "pending",
            Standing::Missing => "missing",
        }
    }
}

/// One unit's rounds.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[schema(as = RoundUnitTally)]
pub struct UnitRow {
    pub unit_id: Option<i64>,
    /// The unit's name (合计 on the total).
    pub label: String,
    #[serde(flatten)]
    pub counts: Counts,
}

/// The figures of a period.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[schema(as = RoundFigures)]
pub struct Figures {
    /// Rounds whose reporting period starts from `from` to `to` (YYYY-MM-DD).
    pub from: String,
    pub to: String,
    /// Latest due date first.
    pub rounds: Vec<RoundRow>,
    /// By unit, those late or missing first.
    pub units: Vec<UnitRow>,
    pub total: UnitRow,
}

fn order(s: Standing) -> u8 {
    match s {
        Standing::Missing => 0,
        Standing::Late => 1,
        Standing::Pending => 2,
        Standing::OnTime => 3,
    }
}

/// Tally the facts (read latest round first) on `today`.
pub fn tally(from: &str, to: &str, today: NaiveDate, facts: &[Fact]) -> Figures {
    let mut rounds: Vec<RoundRow> = Vec::new();
    let mut units: Vec<UnitRow> = Vec::new();
    let mut total = UnitRow {
        unit_id: None,
        label: "合计".into(),
        counts: Counts::default(),
    };
    for f in facts {
        let s = standing(f.submitted_on, f.due_on, today);
        let r = match rounds.iter().position(|r| r.round_id == f.round_id) {
            Some(i) => i,
            None => {
                rounds.push(RoundRow {
                    round_id: f.round_id,
                    kind: f.kind.clone(),
                    kind_label: Kind::label_of(&f.kind).into(),
                    period_label: f.period_label.clone(),
                    due_on: f.round_due.clone(),
                    counts: Counts::default(),
                    units: Vec::new(),
                });
                rounds.len() - 1
            }
        };
        rounds[r].counts.add(s);
        rounds[r].units.push(UnitStanding {
            unit_id: f.unit_id,
            unit_name: f.unit_name.clone(),
            standing: s,
            standing_label: s.label().into(),
            submitted_on: f.submitted_on.map(|d| d.to_string()),
        });
        let u = match units.iter().position(|u| u.unit_id == Some(f.unit_id)) {
            Some(i) => i,
            None => {
                units.push(UnitRow {
                    unit_id: Some(f.unit_id),
                    label: f.unit_name.clone(),
                    counts: Counts::default(),
                });
                units.len() - 1
            }
        };
        units[u].counts.add(s);
        total.counts.add(s);
    }
    for r in &mut rounds {
        r.counts.close();
        r.units.sort_by_key(|u| order(u.standing));
    }
    for u in &mut units {
        u.counts.close();
    }
    total.counts.close();
    units.sort_by(|a, b| {
        b.counts
            .missing
            .cmp(&a.counts.missing)
            .then_with(|| b.counts.late.cmp(&a.counts.late))
            .then_with(|| a.label.cmp(&b.label))
    });
    Figures {
        from: from.into(),
        to: to.into(),
        rounds,
        units,
        total,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deadline::{State, Timeliness};

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    fn fact(round: i64, unit: i64, submitted: Option<&str>, due: &str) -> Fact {
        Fact {
            round_id: round,
            kind: "work_dynamics".into(),
            period_label: format!("第{round}期"),
            round_due: due.into(),
            unit_id: unit,
            unit_name: format!("单位{unit}"),
            submitted_on: submitted.map(d),
            due_on: d(due),
        }
    }

    #[test]
    fn a_unit_missing_a_round_comes_first_and_each_round_says_who() {
        let today = d("2026-06-15");
        let f = tally(
            "2026-01-01",
            "2026-06-15",
            today,
            &[
                // Round 2 is not due yet: unit 1 has reported, unit 2 not yet.
                fact(2, 1, Some("2026-06-10"), "2026-06-20"),
                fact(2, 2, None, "2026-06-20"),
                // Round 1: unit 1 late, unit 2 missing, unit 3 on time on the due date.
                fact(1, 1, Some("2026-05-08"), "2026-05-05"),
                fact(1, 2, None, "2026-05-05"),
                fact(1, 3, Some("2026-05-05"), "2026-05-05"),
            ],
        );
        assert_eq!(
            f.rounds.iter().map(|r| r.round_id).collect::<Vec<_>>(),
            [2, 1]
        );
        let r1 = &f.rounds[1];
        assert_eq!(
            (
                r1.counts.on_time,
                r1.counts.late,
                r1.counts.pending,
                r1.counts.missing
            ),
            (1, 1, 0, 1)
        );
        assert_eq!(r1.counts.on_time_rate, Some(33.3));
        assert_eq!(
            r1.units.iter().map(|u| u.unit_id).collect::<Vec<_>>(),
            [2, 1, 3],
            "missing, late, then on time"
        );
        assert_eq!(
            (r1.names("missing"), r1.names("late")),
            ("单位2".into(), "单位1".into())
        );
        let r2 = &f.rounds[0];
        assert_eq!((r2.counts.on_time, r2.counts.pending), (1, 1));
        // Units: the missing one first, then the late one.
        assert_eq!(
            f.units.iter().map(|u| u.unit_id).collect::<Vec<_>>(),
            [Some(2), Some(1), Some(3)]
        );
        let u2 = &f.units[0].counts;
        assert_eq!((u2.missing, u2.pending, u2.on_time_rate), (1, 1, Some(0.0)));
        let u1 = &f.units[1].counts;
        assert_eq!((u1.on_time, u1.late, u1.on_time_rate), (1, 1, Some(50.0)));
        assert_eq!((f.total.counts.all(), f.total.counts.behind()), (5, 2));
        // Nothing due yet: no rate.
        let f = tally("a", "b", today, &[fact(3, 1, None, "2026-06-30")]);
        assert_eq!(f.total.counts.on_time_rate, None);
    }

    /// A round's standing agrees with the deadline domain's one definition: a report on the
    /// due date is on time, one after it late; no report after the due date is missed.
    #[test]
    fn standing_agrees_with_the_clocks_timeliness() {
        let due = d("2026-05-05");
        for (on, t) in [
            ("2026-05-04", Timeliness::OnTime),
            ("2026-05-05", Timeliness::OnTime),
            ("2026-05-06", Timeliness::Late),
        ] {
            let s = standing(Some(d(on)), due, d("2026-06-01"));
            assert_eq!(Timeliness::of(&State::Met { on: d(on) }, Some(due)), t);
            assert_eq!(
                s,
                if t == Timeliness::OnTime {
                    Standing::OnTime
                } else {
                    Standing::Late
                }
            );
        }
        assert_eq!(
            Timeliness::of(&State::Missed { due }, Some(due)),
            Timeliness::Missed
        );
        assert_eq!(standing(None, due, d("2026-05-06")), Standing::Missing);
    }
}
