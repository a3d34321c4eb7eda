//! Meeting input parsed at the boundary (pure): the office's proposal (001 §20) and the record
//! of the meeting held, with its attendance, minutes and decided items (001 §21).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::flow::MeetingKind;
use crate::domain::{FieldErrors, text};

#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProposalInput {
    /// plenary, special, responsible_persons, liaison
    pub kind: String,
    pub title: String,
    /// Proposed date (YYYY-MM-DD).
    pub planned_on: String,
    #[serde(default)]
    pub place: Option<String>,
    pub topics: String,
    /// Units invited.
    #[serde(default)]
    pub unit_ids: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    pub kind: MeetingKind,
    pub title: String,
    pub planned_on: NaiveDate,
    pub place: Option<String>,
    pub topics: String,
    pub unit_ids: Vec<i64>,
}

fn ids(field: &str, label: &str, raw: &[String], e: &mut FieldErrors) -> Vec<i64> {
    let mut out = Vec::new();
    for r in raw.iter().filter(|r| !r.trim().is_empty()) {
        if let Some(id) = e.take(text::id(field, label, r))
            && !out.contains(&id)
        {
            out.push(id);
        }
    }
    out
}

impl Proposal {
    pub fn parse(input: &ProposalInput, today: NaiveDate) -> Result<Proposal, FieldErrors> {
        let mut e = FieldErrors::new();
        let kind = MeetingKind::parse(&input.kind);
        if kind.is_none() {
            e.add("kind", "invalid_choice", "请选择会议类型");
        }
        let title = e.take(text::required("title", "会议名称", &input.title, 100));
        let planned = e.take(crate::domain::date::parse(
            "planned_on",
            "建议召开日期",
            &input.planned_on,
        ));
        if planned.is_some_and(|d| d < today) {
            e.add("planned_on", "out_of_range", "建议召开日期不能早于今天");
        }
        let place = e.take(text::optional("place", "地点", input.place.as_deref(), 100));
        let topics = e.take(text::required_long(
            "topics",
            "会议议题",
            &input.topics,
            2000,
        ));
        let unit_ids = ids("unit_ids", "参会单位", &input.unit_ids, &mut e);
        if unit_ids.is_empty() {
            e.add("unit_ids", "required", "请选择参会单位");
        }
        match (kind, title, planned, place, topics) {
            (Some(kind), Some(title), Some(planned_on), Some(place), Some(topics))
                if e.is_empty() =>
            {
                Ok(Proposal {
                    kind,
                    title,
                    planned_on,
                    place,
                    topics,
                    unit_ids,
                })
            }
            _ => Err(e),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[schema(as = MeetingItemInput)]
pub struct ItemInput {
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub lead_unit_id: String,
    #[serde(default)]
    pub due_on: String,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HeldInput {
    pub held_on: String,
    /// Invited units that attended.
    #[serde(default)]
    pub attended_unit_ids: Vec<String>,
    /// People present (names and posts).
    pub attendees: String,
    pub minutes: String,
    /// Decided items (议定事项), each with its lead unit and time limit.
    #[serde(default)]
    pub items: Vec<ItemInput>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decided {
    pub text: String,
    pub lead_unit_id: i64,
    pub due_on: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Held {
    pub held_on: NaiveDate,
    pub attended: Vec<i64>,
    pub attendees: String,
    pub minutes: String,
    pub items: Vec<Decided>,
}

impl Held {
    pub fn parse(input: &HeldInput, today: NaiveDate) -> Result<Held, FieldErrors> {
        let mut e = FieldErrors::new();
        let held = e.take(crate::domain::date::not_after(
            "held_on",
            "会议日期",
            &input.held_on,
            today,
        ));
        let attended = ids(
            "attended_unit_ids",
            "出席单位",
            &input.attended_unit_ids,
            &mut e,
        );
        let attendees = e.take(text::required_long(
            "attendees",
            "出席人员",
            &input.attendees,
            2000,
        ));
        let minutes = e.take(text::required_long(
            "minutes",
            "会议纪要",
            &input.minutes,
            20000,
        ));
        let mut items = Vec::new();
        for (i, it) in input.items.iter().enumerate() {
            if [&it.text, &it.lead_unit_id, &it.due_on]
                .iter()
                .all(|s| s.trim().is_empty())
            {
                continue;
            }
            let n = i + 1;
            let t = e.take(text::required(
                &format!("items[{i}].text"),
                &format!("第{n}项议定事项"),
                &it.text,
                500,
            ));
            let lead = e.take(text::id(
                &format!("items[{i}].lead_unit_id"),
                &format!("第{n}项牵头单位"),
                &it.lead_unit_id,
            ));
            let due = e.take(crate::domain::date::parse(
                &format!("items[{i}].due_on"),
                &format!("第{n}项办理时限"),
                &it.due_on,
            ));
            if due.is_some_and(|d| d <= today) {
                e.add(
                    &format!("items[{i}].due_on"),
                    "out_of_range",
                    format!("第{n}项办理时限应晚于今天"),
                );
            }
            if let (Some(text), Some(lead_unit_id), Some(due_on)) = (t, lead, due) {
                items.push(Decided {
                    text,
                    lead_unit_id,
                    due_on,
                });
            }
        }
        match (held, attendees, minutes) {
            (Some(held_on), Some(attendees), Some(minutes)) if e.is_empty() => Ok(Held {
                held_on,
                attended,
                attendees,
                minutes,
                items,
            }),
            _ => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 23).expect("date")
    }

    #[test]
    fn proposal_fields() {
        let e = Proposal::parse(
            &ProposalInput {
                planned_on: "2026-11-01".into(),
                ..Default::default()
            },
            today(),
        )
        .expect_err("invalid");
        let f: Vec<&str> = e.0.iter().map(|x| x.field.as_str()).collect();
        assert_eq!(f, ["kind", "title", "planned_on", "topics", "unit_ids"]);
    }

    #[test]
    fn held_with_items() {
        let h = Held::parse(
            &HeldInput {
                held_on: "2026-11-20".into(),
                attended_unit_ids: vec!["3".into(), "3".into()],
                attendees: "李组长、王主任".into(),
                minutes: "会议听取了……".into(),
                items: vec![
                    ItemInput {
                        text: "开展冬季农资打假".into(),
                        lead_unit_id: "3".into(),
                        due_on: "2026-12-31".into(),
                    },
                    ItemInput::default(),
                    ItemInput {
                        text: "x".into(),
                        lead_unit_id: "".into(),
                        due_on: "2026-11-23".into(),
                    },
                ],
            },
            today(),
        )
        .expect_err("third item is bad");
        let f: Vec<&str> = h.0.iter().map(|x| x.field.as_str()).collect();
        assert_eq!(f, ["items[2].lead_unit_id", "items[2].due_on"]);
        let mut ok = HeldInput {
            held_on: "2026-11-20".into(),
            attendees: "a".into(),
            minutes: "b".into(),
            ..Default::default()
        };
        ok.items.push(ItemInput {
            text: "t".into(),
            lead_unit_id: "3".into(),
            due_on: "2026-12-31".into(),
        });
        assert_eq!(Held::parse(&ok, today()).expect("valid").items.len(), 1);
    }
}
