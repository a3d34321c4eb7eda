//! Supervisory inspections (督导检查, 003 三(四)): the office forms a team from the units
//! concerned, inspects units, and writes the inspection report; each finding becomes a
//! rectification task for the unit inspected, with its time limit (003 三(五)).
//!
//! Input parsing is here (pure); `store` reads and writes, `http` serves pages and API.

pub mod http;
pub mod store;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::domain::{FieldErrors, text};

#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanInput {
    pub title: String,
    /// The team: its members and the units they come from.
    pub team: String,
    pub starts_on: String,
    pub ends_on: String,
    /// The units to be inspected.
    pub unit_ids: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub title: String,
    pub team: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
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

impl Plan {
    pub fn parse(input: &PlanInput) -> Result<Plan, FieldErrors> {
        let mut e = FieldErrors::new();
        let title = e.take(text::required("title", "检查名称", &input.title, 100));
        let team = e.take(text::required_long("team", "检查组成员", &input.team, 2000));
        let starts = e.take(crate::domain::date::parse(
            "starts_on",
            "开始日期",
            &input.starts_on,
        ));
        let ends = e.take(crate::domain::date::parse(
            "ends_on",
            "结束日期",
            &input.ends_on,
        ));
        if let (Some(s), Some(en)) = (starts, ends)
            && en < s
        {
            e.add("ends_on", "out_of_range", "结束日期不能早于开始日期");
        }
        let unit_ids = ids("unit_ids", "被检查单位", &input.unit_ids, &mut e);
        if unit_ids.is_empty() {
            e.add("unit_ids", "required", "请选择被检查单位");
        }
        match (title, team, starts, ends) {
            (Some(title), Some(team), Some(starts_on), Some(ends_on)) if e.is_empty() => Ok(Plan {
                title,
                team,
                starts_on,
                ends_on,
                unit_ids,
            }),
            _ => Err(e),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct FindingInput {
    #[serde(default)]
    pub unit_id: String,
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub due_on: String,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = InspectionReportInput)]
pub struct ReportInput {
    #[serde(default)]
    pub report: String,
    #[serde(default)]
    pub findings: Vec<FindingInput>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub unit_id: i64,
    pub text: String,
    pub due_on: NaiveDate,
}

/// The report and its findings; a finding concerns one of the units inspected and needs a
/// time limit after today. Errors name the line.
pub fn parse_report(
    input: &ReportInput,
    inspected: &[i64],
    today: NaiveDate,
) -> Result<(String, Vec<Finding>), FieldErrors> {
    let mut e = FieldErrors::new();
    let report = e.take(text::required_long(
        "report",
        "检查报告",
        &input.report,
        20000,
    ));
    let mut findings = Vec::new();
    for (i, f) in input.findings.iter().enumerate() {
        if [&f.unit_id, &f.text, &f.due_on]
            .iter()
            .all(|s| s.trim().is_empty())
        {
            continue;
        }
        let n = i + 1;
        let unit = e.take(text::id(
            &format!("findings[{i}].unit_id"),
            &format!("第{n}条问题的被检查单位"),
            &f.unit_id,
        ));
        if unit.is_some_and(|u| !inspected.contains(&u)) {
            e.add(
                &format!("findings[{i}].unit_id"),
                "invalid_choice",
                format!("第{n}条问题的单位不在被检查单位之列"),
            );
        }
        let t = e.take(text::required(
            &format!("findings[{i}].text"),
            &format!("第{n}条问题"),
            &f.text,
            500,
        ));
        let due = e.take(crate::domain::date::parse(
            &format!("findings[{i}].due_on"),
            &format!("第{n}条整改时限"),
            &f.due_on,
        ));
        if due.is_some_and(|d| d <= today) {
            e.add(
                &format!("findings[{i}].due_on"),
                "out_of_range",
                format!("第{n}条整改时限应晚于今天"),
            );
        }
        if let (Some(unit_id), Some(text), Some(due_on)) = (unit, t, due) {
            findings.push(Finding {
                unit_id,
                text,
                due_on,
            });
        }
    }
    match report {
        Some(r) if e.is_empty() => Ok((r, findings)),
        _ => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 23).expect("date")
    }

    #[test]
    fn plan_fields() {
        let e = Plan::parse(&PlanInput {
            starts_on: "2026-11-20".into(),
            ends_on: "2026-11-19".into(),
            ..Default::default()
        })
        .expect_err("invalid");
        let f: Vec<&str> = e.0.iter().map(|x| x.field.as_str()).collect();
        assert_eq!(f, ["title", "team", "ends_on", "unit_ids"]);
    }

    #[test]
    fn findings_belong_to_inspected_units() {
        let input = ReportInput {
            report: "检查组于11月下旬对两个单位进行了督导检查。".into(),
            findings: vec![
                FindingInput {
                    unit_id: "3".into(),
                    text: "执法台账不全".into(),
                    due_on: "2026-12-20".into(),
                },
                FindingInput::default(),
                FindingInput {
                    unit_id: "9".into(),
                    text: "x".into(),
                    due_on: "2026-11-23".into(),
                },
            ],
        };
        let e = parse_report(&input, &[3, 4], today()).expect_err("bad third line");
        let f: Vec<&str> = e.0.iter().map(|x| x.field.as_str()).collect();
        assert_eq!(f, ["findings[2].unit_id", "findings[2].due_on"]);
        let ok = ReportInput {
            findings: input.findings[..1].to_vec(),
            ..input
        };
        let (_, findings) = parse_report(&ok, &[3, 4], today()).expect("valid");
        assert_eq!(findings[0].unit_id, 3);
    }
}
