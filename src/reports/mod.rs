//! Reports from member units (001 §24–25; 003 三(三)): a major-matter report goes to the office
//! and on to the group's leaders at once; periodic information reports — work dynamics and
//! case data — come in rounds the office opens for a period with a due date on the deadline
//! engine, and the office sees who reported on time, late, or not at all.
//!
//! The rules are here (pure); `store` reads and writes, `http` serves pages and API.

pub mod http;
pub mod store;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::domain::money::Fen;
use crate::domain::{FieldErrors, coded_enum, text};

coded_enum! {
    Kind {
        MajorMatter = "major_matter", "重大事项报告（《领导小组工作规则》第二十四条）";
        WorkDynamics = "work_dynamics", "工作动态信息（《领导小组工作规则》第二十五条）";
        CaseData = "case_data", "案件查办数据（《领导小组工作规则》第二十五条）";
    }
}

impl Kind {
    pub fn periodic(self) -> bool {
        !matches!(self, Kind::MajorMatter)
    }
}

/// How a unit stands in a round.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    OnTime,
    Late,
    /// Not yet reported, due date not passed.
    Pending,
    /// Not reported and the due date has passed.
    Missing,
}

impl Standing {
    pub fn label(self) -> &'static str {
        match self {
            Standing::OnTime => "按时报送",
            Standing::Late => "逾期报送",
            Standing::Pending => "未报送",
            Standing::Missing => "逾期未报",
        }
    }
}

/// A unit's standing in a round from its first report's date, the due date and today.
pub fn standing(submitted_on: Option<NaiveDate>, due_on: NaiveDate, today: NaiveDate) -> Standing {
    match submitted_on {
        Some(d) if d <= due_on => Standing::OnTime,
        Some(_) => Standing::Late,
        None if today > due_on => Standing::Missing,
        None => Standing::Pending,
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoundInput {
    /// work_dynamics or case_data
    pub kind: String,
    /// e.g. "2026年11月"
    pub period_label: String,
    pub period_start: String,
    pub period_end: String,
    pub due_on: String,
    pub unit_ids: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Round {
    pub kind: Kind,
    pub period_label: String,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub due_on: NaiveDate,
    pub unit_ids: Vec<i64>,
}

impl Round {
    pub fn parse(input: &RoundInput, today: NaiveDate) -> Result<Round, FieldErrors> {
        let mut e = FieldErrors::new();
        let kind = Kind::parse(&input.kind).filter(|k| k.periodic());
        if kind.is_none() {
            e.add("kind", "invalid_choice", "请选择定期报送的信息类别");
        }
        let label = e.take(text::required(
            "period_label",
            "报送期别",
            &input.period_label,
            50,
        ));
        let start = e.take(crate::domain::date::parse(
            "period_start",
            "统计起始日",
            &input.period_start,
        ));
        let end = e.take(crate::domain::date::parse(
            "period_end",
            "统计截止日",
            &input.period_end,
        ));
        if let (Some(s), Some(en)) = (start, end)
            && en < s
        {
            e.add("period_end", "out_of_range", "统计截止日不能早于起始日");
        }
        let due = e.take(crate::domain::date::parse(
            "due_on",
            "报送时限",
            &input.due_on,
        ));
        if due.is_some_and(|d| d <= today) {
            e.add("due_on", "out_of_range", "报送时限应晚于今天");
        }
        let mut unit_ids = Vec::new();
        for u in input.unit_ids.iter().filter(|u| !u.trim().is_empty()) {
            if let Some(id) = e.take(text::id("unit_ids", "报送单位", u))
                && !unit_ids.contains(&id)
            {
                unit_ids.push(id);
            }
        }
        if unit_ids.is_empty() {
            e.add("unit_ids", "required", "请选择报送单位");
        }
        match (kind, label, start, end, due) {
            (
                Some(kind),
                Some(period_label),
                Some(period_start),
                Some(period_end),
                Some(due_on),
            ) if e.is_empty() => Ok(Round {
                kind,
                period_label,
                period_start,
                period_end,
                due_on,
                unit_ids,
            }),
            _ => Err(e),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = UnitReportInput)]
pub struct ReportInput {
    /// major_matter, or for a round its kind (taken from the round).
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub round_id: Option<String>,
    pub title: String,
    pub body: String,
    /// Case data: cases filed in the period.
    #[serde(default)]
    pub cases_filed: Option<String>,
    /// Case data: amount involved, in yuan.
    #[serde(default)]
    pub amount: Option<String>,
    /// Case data: cases transferred to the police.
    #[serde(default)]
    pub cases_transferred: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewReport {
    pub title: String,
    pub body: String,
    pub cases_filed: Option<i64>,
    pub amount: Option<Fen>,
    pub cases_transferred: Option<i64>,
}

fn count(
    field: &str,
    label: &str,
    raw: &Option<String>,
    required: bool,
    e: &mut FieldErrors,
) -> Option<i64> {
    match raw.as_deref().map(str::trim) {
        None | Some("") => {
            if required {
                e.add(field, "required", format!("请填写{label}"));
            }
            None
        }
        Some(v) => match v.parse::<i64>() {
            Ok(n) if (0..=10_000_000).contains(&n) => Some(n),
            _ => {
                e.add(field, "invalid_format", format!("{label}应为不小于0的整数"));
                None
            }
        },
    }
}

impl NewReport {
    /// Case data must carry its figures; other reports may leave them out.
    pub fn parse(input: &ReportInput, kind: Kind) -> Result<NewReport, FieldErrors> {
        let mut e = FieldErrors::new();
        let title = e.take(text::required("title", "标题", &input.title, 100));
        let body = e.take(text::required_long("body", "内容", &input.body, 20000));
        let data = kind == Kind::CaseData;
        let cases_filed = count("cases_filed", "立案数", &input.cases_filed, data, &mut e);
        let cases_transferred = count(
            "cases_transferred",
            "移送公安机关数",
            &input.cases_transferred,
            data,
            &mut e,
        );
        let amount = match input.amount.as_deref().map(str::trim) {
            None | Some("") => {
                if data {
                    e.add("amount", "required", "请填写涉案金额");
                }
                None
            }
            Some(a) => e.take(Fen::field("amount", a)),
        };
        match (title, body) {
            (Some(title), Some(body)) if e.is_empty() => Ok(NewReport {
                title,
                body,
                cases_filed,
                amount,
                cases_transferred,
            }),
            _ => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    #[test]
    fn standings() {
        let due = d("2026-12-05");
        assert_eq!(
            standing(Some(d("2026-12-05")), due, d("2026-12-20")),
            Standing::OnTime
        );
        assert_eq!(
            standing(Some(d("2026-12-06")), due, d("2026-12-20")),
            Standing::Late
        );
        assert_eq!(standing(None, due, d("2026-12-05")), Standing::Pending);
        assert_eq!(standing(None, due, d("2026-12-06")), Standing::Missing);
    }

    #[test]
    fn case_data_needs_figures() {
        let i = ReportInput {
            title: "11月案件数据".into(),
            body: "见下".into(),
            ..Default::default()
        };
        let e = NewReport::parse(&i, Kind::CaseData).expect_err("figures");
        let f: Vec<&str> = e.0.iter().map(|x| x.field.as_str()).collect();
        assert_eq!(f, ["cases_filed", "cases_transferred", "amount"]);
        assert!(NewReport::parse(&i, Kind::WorkDynamics).is_ok());
        let i = ReportInput {
            cases_filed: Some("12".into()),
            cases_transferred: Some("-1".into()),
            amount: Some("3,200,000.00".into()),
            ..i
        };
        let e = NewReport::parse(&i, Kind::CaseData).expect_err("negative");
        assert_eq!(e.0[0].field, "cases_transferred");
    }

    #[test]
    fn rounds_are_periodic_and_due_later() {
        let e = Round::parse(
            &RoundInput {
                kind: "major_matter".into(),
                due_on: "2026-11-23".into(),
                ..Default::default()
            },
            d("2026-11-23"),
        )
        .expect_err("invalid");
        let f: Vec<&str> = e.0.iter().map(|x| x.field.as_str()).collect();
        assert_eq!(
            f,
            [
                "kind",
                "period_label",
                "period_start",
                "period_end",
                "due_on",
                "unit_ids"
            ]
        );
    }
}
