//! Task input parsed at the boundary (pure).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::flow::Source;
use crate::domain::{FieldErrors, text};

#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskInput {
    pub title: String,
    pub description: String,
    /// decided_item, leader_instruction, inspection_finding, public_report, unit_request
    pub source: String,
    /// Where it came from: the meeting and item, the instruction, the report's number.
    #[serde(default)]
    pub source_ref: Option<String>,
    #[serde(deserialize_with = "crate::web::step::id_text")]
    #[schema(value_type = i64)]
    pub lead_unit_id: String,
    #[serde(default, deserialize_with = "crate::web::step::one_or_many")]
    #[schema(value_type = Vec<i64>)]
    pub cooperating_unit_ids: Vec<String>,
    /// The time limit (YYYY-MM-DD), after today.
    pub due_on: String,
    /// A public report received on this platform that the office turns into this task (source
    /// `public_report`); the two are linked both ways.
    #[serde(default, deserialize_with = "crate::web::step::text_or_number")]
    #[schema(value_type = Option<i64>)]
    pub public_report_id: Option<String>,
}

/// The public report a task is turned from, if `input` names one: only a task whose source is
/// a public report may.
pub fn public_report_of(input: &TaskInput, source: Source) -> Result<Option<i64>, FieldErrors> {
    match input.public_report_id.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(_) if source != Source::PublicReport => Err(FieldErrors::single(
            "public_report_id",
            "not_allowed",
            "只有来源为“社会举报”的任务才能关联举报投诉",
        )),
        Some(raw) => text::id("public_report_id", "举报投诉", raw)
            .map(Some)
            .map_err(|e| FieldErrors(vec![e])),
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTask {
    pub title: String,
    pub description: String,
    pub source: Source,
    pub source_ref: Option<String>,
    pub lead_unit_id: i64,
    pub cooperating: Vec<i64>,
    pub due_on: NaiveDate,
}

impl NewTask {
    pub fn parse(input: &TaskInput, today: NaiveDate) -> Result<NewTask, FieldErrors> {
        let mut e = FieldErrors::new();
        let title = e.take(text::required("title", "任务名称", &input.title, 100));
        let description = e.take(text::required_long(
            "description",
            "任务内容和要求",
            &input.description,
            5000,
        ));
        let source = Source::parse(&input.source);
        if source.is_none() {
            e.add("source", "invalid_choice", "请选择任务来源");
        }
        let source_ref = e.take(text::optional(
            "source_ref",
            "来源说明",
            input.source_ref.as_deref(),
            200,
        ));
        let lead = e.take(text::id("lead_unit_id", "牵头单位", &input.lead_unit_id));
        let mut cooperating = Vec::new();
        for c in input
            .cooperating_unit_ids
            .iter()
            .filter(|c| !c.trim().is_empty())
        {
            if let Some(id) = e.take(text::id("cooperating_unit_ids", "配合单位", c))
                && !cooperating.contains(&id)
                && Some(id) != lead
            {
                cooperating.push(id);
            }
        }
        let due = e.take(crate::domain::date::parse(
            "due_on",
            "办理时限",
            &input.due_on,
        ));
        if due.is_some_and(|d| d <= today) {
            e.add("due_on", "out_of_range", "办理时限应晚于今天");
        }
        match (title, description, source, source_ref, lead, due) {
            (
                Some(title),
                Some(description),
                Some(source),
                Some(source_ref),
                Some(lead_unit_id),
                Some(due_on),
            ) if e.is_empty() => Ok(NewTask {
                title,
                description,
                source,
                source_ref,
                lead_unit_id,
                cooperating,
                due_on,
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
    fn parses_and_drops_the_lead_from_cooperating() {
        let t = NewTask::parse(
            &TaskInput {
                title: "开展春季农资打假专项行动".into(),
                description: "按会议纪要要求，于12月底前完成。".into(),
                source: "decided_item".into(),
                lead_unit_id: "5".into(),
                cooperating_unit_ids: vec!["5".into(), "6".into(), "6".into()],
                due_on: "2026-12-31".into(),
                ..Default::default()
            },
            today(),
        )
        .expect("valid");
        assert_eq!(t.cooperating, vec![6]);
        assert_eq!(t.source, Source::DecidedItem);
    }

    #[test]
    fn errors_by_field() {
        let e = NewTask::parse(
            &TaskInput {
                due_on: "2026-11-23".into(),
                ..Default::default()
            },
            today(),
        )
        .expect_err("invalid");
        let f: Vec<&str> = e.0.iter().map(|x| x.field.as_str()).collect();
        assert_eq!(
            f,
            ["title", "description", "source", "lead_unit_id", "due_on"]
        );
    }
}
