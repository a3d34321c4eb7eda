//! The public figures (issue #14): reports received, handled and handled on time, by month and
//! by receiving office, with the time taken as an estimate (median and 90th percentile), not a
//! promise. A count under [`FEW`] is not shown, so that no reporter can be picked out of it.
//! Pure: no I/O.

use serde::Serialize;

/// Counts below this are shown as "少于5".
pub const FEW: i64 = 5;

/// One report as the figures count it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fact {
    /// Received in this month (YYYY-MM).
    pub month: String,
    /// The office that received it.
    pub office: String,
    /// Calendar days from receipt to the end of handling, once handled.
    pub days: Option<i64>,
    /// Whether its first clock (acceptance or verification) was kept: `None` while it runs.
    pub on_time: Option<bool>,
}

/// A count as published.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case", tag = "shown", content = "n")]
pub enum Count {
    Exact(i64),
    /// Fewer than [`FEW`]: not shown.
    Few,
}

impl Count {
    fn of(n: i64) -> Count {
        if n > 0 && n < FEW {
            Count::Few
        } else {
            Count::Exact(n)
        }
    }

    pub fn label(self) -> String {
        match self {
            Count::Exact(n) => n.to_string(),
            Count::Few => format!("少于{FEW}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[schema(as = PublicReportFigures)]
pub struct Line {
    pub month: String,
    pub office: String,
    pub received: Count,
    pub handled: Count,
    /// Of those whose first clock has ended, kept in time.
    pub on_time: Count,
    /// Days to handle, half handled within (shown from [`FEW`] handled on).
    pub median_days: Option<i64>,
    /// Days within which nine in ten were handled.
    pub p90_days: Option<i64>,
}

/// The value below which a share `p` (0–1) of `sorted` lies (nearest rank).
fn percentile(sorted: &[i64], p: f64) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (p * sorted.len() as f64).ceil().max(1.0) as usize;
    sorted.get(rank.min(sorted.len()) - 1).copied()
}

/// The lines, latest month first, offices by name.
pub fn lines(facts: &[Fact]) -> Vec<Line> {
    let mut keys: Vec<(&str, &str)> = facts
        .iter()
        .map(|f| (f.month.as_str(), f.office.as_str()))
        .collect();
    keys.sort_by(|a, b| b.0.cmp(a.0).then(a.1.cmp(b.1)));
    keys.dedup();
    keys.into_iter()
        .map(|(month, office)| {
            let of: Vec<&Fact> = facts
                .iter()
                .filter(|f| f.month == month && f.office == office)
                .collect();
            let mut days: Vec<i64> = of.iter().filter_map(|f| f.days).collect();
            days.sort_unstable();
            let handled = days.len() as i64;
            let shown = handled >= FEW;
            Line {
                month: month.to_string(),
                office: office.to_string(),
                received: Count::of(of.len() as i64),
                handled: Count::of(handled),
                on_time: Count::of(of.iter().filter(|f| f.on_time == Some(true)).count() as i64),
                median_days: shown.then(|| percentile(&days, 0.5)).flatten(),
                p90_days: shown.then(|| percentile(&days, 0.9)).flatten(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fact(month: &str, office: &str, days: Option<i64>, on_time: Option<bool>) -> Fact {
        Fact {
            month: month.into(),
            office: office.into(),
            days,
            on_time,
        }
    }

    #[test]
    fn small_counts_are_not_shown() {
        let f = vec![
            fact("2026-06", "甲办", Some(3), Some(true)),
            fact("2026-06", "甲办", None, None),
        ];
        let l = &lines(&f)[0];
        assert_eq!(l.received, Count::Few);
        assert_eq!(l.handled, Count::Few);
        assert_eq!(l.received.label(), "少于5");
        assert_eq!(l.median_days, None, "no estimate from fewer than 5");
    }

    #[test]
    fn median_and_ninetieth_percentile_of_days() {
        let mut f: Vec<Fact> = (1..=10)
            .map(|d| fact("2026-05", "乙办", Some(d), Some(d <= 7)))
            .collect();
        f.push(fact("2026-05", "乙办", None, None));
        f.push(fact("2026-06", "乙办", None, None));
        let all = lines(&f);
        assert_eq!(all[0].month, "2026-06", "latest first");
        let may = &all[1];
        assert_eq!(may.received, Count::Exact(11));
        assert_eq!(may.handled, Count::Exact(10));
        assert_eq!(may.on_time, Count::Exact(7));
        assert_eq!(may.median_days, Some(5));
        assert_eq!(may.p90_days, Some(9));
        // Zero is shown as zero: it names no one.
        assert_eq!(all[0].handled, Count::Exact(0));
    }
}
