//! The timeliness of clocks (办理时限) by unit and by kind of clock (issue #16: "every kind of
//! clock: on time, late, and still open beyond due, by unit"). A clock met after its due date
//! is late here as everywhere (`deadline::Timeliness`); the on-time rate counts only settled
//! clocks (on time, late or missed), so a waived or running clock neither helps nor hurts.

use serde::Serialize;

use crate::deadline::Timeliness;

/// One group of clocks as read: their owner unit, their clause, how they stand, whether a
/// running one is past its due date, and how many.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fact {
    pub unit_id: i64,
    pub unit_name: String,
    pub clause: String,
    pub timeliness: Timeliness,
    /// Running and past its due date (the scheduler has not marked it missed yet).
    pub overdue_open: bool,
    pub count: i64,
}

/// The clocks of one unit or of one kind.
#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
#[schema(as = ClockTally)]
pub struct Tally {
    /// The unit's id (the kind's rows carry none).
    pub unit_id: Option<i64>,
    /// The unit's name, or the clause of the kind of clock.
    pub label: String,
    pub on_time: i64,
    pub late: i64,
    pub missed: i64,
    /// Still running, of which `overdue_open` are past their due date.
    pub running: i64,
    pub overdue_open: i64,
    pub waived: i64,
    /// On time, late or missed.
    pub settled: i64,
    /// On time ÷ settled, in per cent to one decimal; none when nothing is settled.
    pub on_time_rate: Option<f64>,
}

impl Tally {
    fn add(&mut self, f: &Fact) {
        self.count(f.timeliness, f.overdue_open, f.count);
    }

    /// Count `n` clocks standing as `t` (running ones past their due date when
    /// `overdue_open`): the tally of tasks' and others' clocks goes through here too.
    pub(crate) fn count(&mut self, t: Timeliness, overdue_open: bool, n: i64) {
        match t {
            Timeliness::OnTime => self.on_time += n,
            Timeliness::Late => self.late += n,
            Timeliness::Missed => self.missed += n,
            Timeliness::Running => {
                self.running += n;
                if overdue_open {
                    self.overdue_open += n;
                }
            }
            Timeliness::Waived => self.waived += n,
        }
        if t.is_settled() {
            self.settled += n;
        }
    }

    /// The on-time rate, once everything is counted.
    pub(crate) fn close(mut self) -> Tally {
        self.on_time_rate = rate(self.on_time, self.settled);
        self
    }

    /// Late or missed, and running past due: what the office chases.
    pub fn behind(&self) -> i64 {
        self.late + self.missed + self.overdue_open
    }
}

fn rate(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| (part as f64 * 1000.0 / whole as f64).round() / 10.0)
}

/// The figures of a period.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[schema(as = ClockFigures)]
pub struct Figures {
    /// Clocks that started from `from` to `to` (YYYY-MM-DD).
    pub from: String,
    pub to: String,
    /// By owner unit, the units most behind first.
    pub units: Vec<Tally>,
    /// By kind of clock (its clause), the kinds most behind first.
    pub kinds: Vec<Tally>,
    pub total: Tally,
}

/// Tally the facts by unit, by kind and in total.
pub fn tally(from: &str, to: &str, facts: &[Fact]) -> Figures {
    let mut units: Vec<Tally> = Vec::new();
    let mut kinds: Vec<Tally> = Vec::new();
    let mut total = Tally {
        label: "合计".into(),
        ..Tally::default()
    };
    for f in facts {
        let u = match units.iter().position(|t| t.unit_id == Some(f.unit_id)) {
            Some(i) => i,
            None => {
                units.push(Tally {
                    unit_id: Some(f.unit_id),
                    label: f.unit_name.clone(),
                    ..Tally::default()
                });
                units.len() - 1
            }
        };
        units[u].add(f);
        let k = match kinds.iter().position(|t| t.label == f.clause) {
            Some(i) => i,
            None => {
                kinds.push(Tally {
                    label: f.clause.clone(),
                    ..Tally::default()
                });
                kinds.len() - 1
            }
        };
        kinds[k].add(f);
        total.add(f);
    }
    let order = |v: Vec<Tally>| {
        let mut v: Vec<Tally> = v.into_iter().map(Tally::close).collect();
        v.sort_by(|a, b| {
            b.behind()
                .cmp(&a.behind())
                .then_with(|| a.label.cmp(&b.label))
        });
        v
    };
    Figures {
        from: from.into(),
        to: to.into(),
        units: order(units),
        kinds: order(kinds),
        total: total.close(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Timeliness::*;

    fn fact(unit: i64, clause: &str, t: Timeliness, overdue_open: bool, count: i64) -> Fact {
        Fact {
            unit_id: unit,
            unit_name: format!("单位{unit}"),
            clause: clause.into(),
            timeliness: t,
            overdue_open,
            count,
        }
    }

    #[test]
    fn a_late_clock_counts_against_the_rate_and_a_waived_one_not_at_all() {
        let f = tally(
            "2026-01-01",
            "2026-12-31",
            &[
                fact(1, "000 §4", OnTime, false, 3),
                fact(1, "000 §4", Late, false, 1),
                fact(1, "000 §8", Waived, false, 5),
                fact(2, "000 §8", Missed, false, 2),
                fact(2, "000 §8", Running, true, 1),
                fact(2, "000 §8", Running, false, 4),
            ],
        );
        let u1 = &f.units[1];
        assert_eq!(
            (
                u1.label.as_str(),
                u1.on_time,
                u1.late,
                u1.waived,
                u1.settled
            ),
            ("单位1", 3, 1, 5, 4)
        );
        assert_eq!(u1.on_time_rate, Some(75.0));
        // The unit most behind first: 2 missed and 1 running past due.
        let u2 = &f.units[0];
        assert_eq!(
            (u2.unit_id, u2.behind(), u2.running, u2.overdue_open),
            (Some(2), 3, 5, 1)
        );
        assert_eq!(u2.on_time_rate, Some(0.0));
        let t = &f.total;
        assert_eq!(
            (t.on_time, t.late, t.missed, t.running, t.waived, t.settled),
            (3, 1, 2, 5, 5, 6)
        );
        assert_eq!(t.on_time_rate, Some(50.0));
        assert_eq!(
            f.kinds.iter().map(|k| k.label.as_str()).collect::<Vec<_>>(),
            ["000 §8", "000 §4"]
        );
    }

    #[test]
    fn nothing_settled_has_no_rate() {
        let f = tally(
            "a",
            "b",
            &[
                fact(1, "x", Running, false, 2),
                fact(1, "x", Waived, false, 1),
            ],
        );
        assert_eq!(f.total.on_time_rate, None);
        assert_eq!(tally("a", "b", &[]).total.on_time_rate, None);
        // One decimal.
        let f = tally(
            "a",
            "b",
            &[fact(1, "x", OnTime, false, 2), fact(1, "x", Late, false, 1)],
        );
        assert_eq!(f.total.on_time_rate, Some(66.7));
    }
}
