//! The to-do centre (issue #19): what is waiting for a person — the duties they or their unit
//! hold, and the clocks that run for them — grouped by how urgent it is on the operation's day.
//! Pure: the items come from `store::agenda`.

use chrono::{Datelike, Duration, NaiveDate};
use serde::Serialize;

/// How soon an item is due, the groups of the to-do centre in the order shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    /// 已逾期: the due date has passed.
    Overdue,
    /// 今日到期.
    DueToday,
    /// 本周到期: by Sunday of this week.
    DueThisWeek,
    /// 其他: later, or no date.
    Other,
}

impl Urgency {
    pub const ALL: [Urgency; 4] = [
        Urgency::Overdue,
        Urgency::DueToday,
        Urgency::DueThisWeek,
        Urgency::Other,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Urgency::Overdue => "已逾期",
            Urgency::DueToday => "今日到期",
            Urgency::DueThisWeek => "本周到期",
            Urgency::Other => "其他",
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Urgency::Overdue => "overdue",
            Urgency::DueToday => "due_today",
            Urgency::DueThisWeek => "due_this_week",
            Urgency::Other => "other",
        }
    }

    /// The group of an item due on `due`, seen on `today`.
    pub fn of(due: Option<NaiveDate>, today: NaiveDate) -> Urgency {
        match due {
            Some(d) if d < today => Urgency::Overdue,
            Some(d) if d == today => Urgency::DueToday,
            Some(d) if d <= end_of_week(today) => Urgency::DueThisWeek,
            _ => Urgency::Other,
        }
    }
}

/// Sunday of the week `today` is in (weeks run Monday to Sunday).
fn end_of_week(today: NaiveDate) -> NaiveDate {
    today + Duration::days(6 - i64::from(today.weekday().num_days_from_monday()))
}

/// One thing waiting: a duty to discharge, or a clock running for the holder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Item {
    pub title: String,
    pub link: Option<String>,
    #[schema(value_type = Option<String>)]
    pub due_date: Option<NaiveDate>,
    /// The due date rests on a provisional holiday year (暂定).
    pub provisional: bool,
    /// Marked urgent (an urgent notice, an escalation).
    pub urgent: bool,
    /// `duty` (a step to take) or `clock` (a period running for the holder).
    #[schema(value_type = String)]
    pub kind: &'static str,
}

/// One group of the to-do centre.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Group {
    pub urgency: Urgency,
    #[schema(value_type = String)]
    pub label: &'static str,
    pub items: Vec<Item>,
}

/// The items in their groups, every group present (an empty one shows a count of 0); within a
/// group the urgent first, then by due date, then by title.
pub fn group(mut items: Vec<Item>, today: NaiveDate) -> Vec<Group> {
    items.sort_by(|a, b| {
        b.urgent
            .cmp(&a.urgent)
            .then(a.due_date.is_none().cmp(&b.due_date.is_none()))
            .then(a.due_date.cmp(&b.due_date))
            .then(a.title.cmp(&b.title))
    });
    let mut groups: Vec<Group> = Urgency::ALL
        .into_iter()
        .map(|u| Group {
            urgency: u,
            label: u.label(),
            items: Vec::new(),
        })
        .collect();
    for item in items {
        let u = Urgency::of(item.due_date, today);
        if let Some(g) = groups.iter_mut().find(|g| g.urgency == u) {
            g.items.push(item);
        }
    }
    groups
}

/// How many items there are in all.
pub fn total(groups: &[Group]) -> usize {
    groups.iter().map(|g| g.items.len()).sum()
}

/// How many items call for action now: overdue or due today (the count in the navigation).
pub fn pressing(groups: &[Group]) -> usize {
    groups
        .iter()
        .filter(|g| matches!(g.urgency, Urgency::Overdue | Urgency::DueToday))
        .map(|g| g.items.len())
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    fn item(title: &str, due: Option<NaiveDate>, urgent: bool) -> Item {
        Item {
            title: title.into(),
            link: None,
            due_date: due,
            provisional: false,
            urgent,
            kind: "duty",
        }
    }

    /// Thursday 3 December 2026: the week ends on Sunday the 6th.
    #[test]
    fn urgency_by_the_day_and_the_week() {
        let today = d(2026, 12, 3);
        assert_eq!(Urgency::of(Some(d(2026, 12, 2)), today), Urgency::Overdue);
        assert_eq!(Urgency::of(Some(today), today), Urgency::DueToday);
        assert_eq!(
            Urgency::of(Some(d(2026, 12, 4)), today),
            Urgency::DueThisWeek
        );
        assert_eq!(
            Urgency::of(Some(d(2026, 12, 6)), today),
            Urgency::DueThisWeek
        );
        assert_eq!(Urgency::of(Some(d(2026, 12, 7)), today), Urgency::Other);
        assert_eq!(Urgency::of(None, today), Urgency::Other);
        // On a Sunday the week is over: tomorrow is next week.
        let sunday = d(2026, 12, 6);
        assert_eq!(Urgency::of(Some(d(2026, 12, 7)), sunday), Urgency::Other);
        // On a Monday the whole week is ahead.
        let monday = d(2026, 12, 7);
        assert_eq!(
            Urgency::of(Some(d(2026, 12, 13)), monday),
            Urgency::DueThisWeek
        );
        // Across the year end.
        let wednesday = d(2026, 12, 30);
        assert_eq!(
            Urgency::of(Some(d(2027, 1, 3)), wednesday),
            Urgency::DueThisWeek
        );
        assert_eq!(Urgency::of(Some(d(2027, 1, 4)), wednesday), Urgency::Other);
    }

    #[test]
    fn groups_in_order_urgent_first_then_by_date() {
        let today = d(2026, 12, 3);
        let groups = group(
            vec![
                item("乙", Some(d(2026, 12, 5)), false),
                item("无期限", None, false),
                item("甲", Some(d(2026, 12, 4)), false),
                item("逾期", Some(d(2026, 12, 1)), false),
                item("紧急", Some(d(2026, 12, 6)), true),
                item("今日", Some(today), false),
                item("下周", Some(d(2026, 12, 8)), false),
            ],
            today,
        );
        let titles: Vec<(&str, Vec<&str>)> = groups
            .iter()
            .map(|g| (g.label, g.items.iter().map(|i| i.title.as_str()).collect()))
            .collect();
        assert_eq!(
            titles,
            vec![
                ("已逾期", vec!["逾期"]),
                ("今日到期", vec!["今日"]),
                ("本周到期", vec!["紧急", "甲", "乙"]),
                ("其他", vec!["下周", "无期限"]),
            ]
        );
        assert_eq!(pressing(&groups), 2);
        let empty = group(Vec::new(), today);
        assert_eq!(empty.len(), 4);
        assert_eq!(pressing(&empty), 0);
    }
}
