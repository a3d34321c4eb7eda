//! Circulars (通报, 003 三(六)) and work briefings (工作简报, 003 三(三)): the office drafts them
//! and addresses them to units; they go through the document chain (`drafting`: 核稿 where the
//! office reviews its drafts, then the group leader signs or returns them, 001 §26); signed
//! ones are numbered in their own yearly sequences, issued as PDFs in the official layout, and
//! each unit addressed confirms it has read them.
//!
//! The rules are here (pure); `store` reads and writes, `http` serves pages and API.

pub mod http;
pub mod store;

use serde::{Deserialize, Serialize};

use crate::domain::{FieldErrors, chinese_ordinal, coded_enum, text};

coded_enum! {
    /// What a circular is (003 三(六)), or a briefing (003 三(三)).
    Kind {
        Data = "data", "执法数据通报";
        TypicalCases = "typical_cases", "典型案例通报";
        Commendation = "commendation", "通报表扬";
        Criticism = "criticism", "通报批评";
        Briefing = "briefing", "工作简报";
    }
}

coded_enum! {
    State {
        Pending = "pending", "审签中";
        Issued = "issued", "已签发印发";
        // Before the document chain a leader's return ended a circular; kept for those records.
        Returned = "returned", "已退回";
    }
}

impl Kind {
    /// The sequence character in the number: 信打假办通〔2026〕3号, 信打假办简〔2026〕5号.
    pub fn series(self) -> &'static str {
        match self {
            Kind::Briefing => "简",
            _ => "通",
        }
    }

    /// Commendation and criticism name the people or units concerned.
    pub fn names_people(self) -> bool {
        matches!(self, Kind::Commendation | Kind::Criticism)
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CircularInput {
    /// data, typical_cases, commendation, criticism, briefing
    pub kind: String,
    pub title: String,
    pub body: String,
    /// For commendation and criticism: the people (e.g. liaison officers) or units named.
    #[serde(default)]
    pub named: Option<String>,
    pub unit_ids: Vec<String>,
    /// For a briefing: the unit reports it brings together.
    #[serde(default)]
    pub report_ids: Vec<String>,
    /// For a briefing: add this year's figures (transfers, filings, tasks).
    #[serde(default)]
    pub include_figures: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCircular {
    pub kind: Kind,
    pub title: String,
    pub body: String,
    pub named: Option<String>,
    pub unit_ids: Vec<i64>,
    pub report_ids: Vec<i64>,
    pub include_figures: bool,
}

impl NewCircular {
    pub fn parse(input: &CircularInput) -> Result<NewCircular, FieldErrors> {
        let mut e = FieldErrors::new();
        let kind = Kind::parse(&input.kind);
        if kind.is_none() {
            e.add("kind", "invalid_choice", "请选择文件类别");
        }
        let title = e.take(text::required("title", "标题", &input.title, 100));
        let body = e.take(text::required_long("body", "正文", &input.body, 20000));
        let named = e.take(text::optional(
            "named",
            "通报的人员或单位",
            input.named.as_deref(),
            500,
        ));
        if kind.is_some_and(Kind::names_people) && named.as_ref().is_some_and(Option::is_none) {
            e.add("named", "required", "通报表扬或批评应写明人员或单位");
        }
        let mut unit_ids = Vec::new();
        for u in input.unit_ids.iter().filter(|u| !u.trim().is_empty()) {
            if let Some(id) = e.take(text::id("unit_ids", "主送单位", u))
                && !unit_ids.contains(&id)
            {
                unit_ids.push(id);
            }
        }
        if unit_ids.is_empty() {
            e.add("unit_ids", "required", "请选择主送单位");
        }
        let mut report_ids = Vec::new();
        for r in input.report_ids.iter().filter(|r| !r.trim().is_empty()) {
            if let Some(id) = e.take(text::id("report_ids", "编入简报的信息", r))
                && !report_ids.contains(&id)
            {
                report_ids.push(id);
            }
        }
        if kind.is_some_and(|k| k != Kind::Briefing)
            && (!report_ids.is_empty() || input.include_figures)
        {
            e.add(
                "report_ids",
                "not_allowed",
                "只有工作简报可以编入报送信息和数据",
            );
        }
        match (kind, title, body, named) {
            (Some(kind), Some(title), Some(body), Some(named)) if e.is_empty() => Ok(NewCircular {
                kind,
                title,
                body,
                named,
                unit_ids,
                report_ids,
                include_figures: input.include_figures,
            }),
            _ => Err(e),
        }
    }
}

/// This year's figures a briefing reports.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BriefingFigures {
    pub transfers: i64,
    pub filed: i64,
    pub hand_backs: i64,
    pub tasks: i64,
    pub tasks_done: i64,
    pub tasks_overdue: i64,
    /// Penalty decisions published this year (002 (七)2), where the office may read them.
    pub penalties_published: i64,
    /// Parties listed on the serious-violation list this year (002 (六)2).
    pub listed: i64,
}

/// A report brought into a briefing: the unit, its title and text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BriefingReport {
    pub unit: String,
    pub title: String,
    pub body: String,
}

/// A briefing's text (003 三(三) 工作简报): the office's lead, the units' reports it brings
/// together, and the figures. Pure.
pub fn assemble(
    lead: &str,
    reports: &[BriefingReport],
    figures: Option<&BriefingFigures>,
) -> String {
    let mut out = vec![lead.trim().to_string()];
    let mut part = 0;
    if !reports.is_empty() {
        out.push(format!("{}、各单位工作动态", chinese_ordinal(part + 1)));
        part += 1;
        for (i, r) in reports.iter().enumerate() {
            out.push(format!(
                "（{}）{}：{}。{}",
                chinese_ordinal(i + 1),
                r.unit,
                r.title,
                r.body.replace('\n', "")
            ));
        }
    }
    if let Some(f) = figures {
        out.push(format!("{}、数据", chinese_ordinal(part + 1)));
        out.push(format!(
            "本年度移送公安机关涉嫌犯罪案件{}件，公安机关已立案{}件，公安机关移交行政处罚案件{}件；领导小组办公室督办任务{}项，已办结{}项，超过时限{}项。",
            f.transfers, f.filed, f.hand_backs, f.tasks, f.tasks_done, f.tasks_overdue
        ));
        out.push(format!(
            "本年度公示侵犯知识产权和制售假冒伪劣商品行政处罚案件信息{}件，列入严重违法失信名单{}户。",
            f.penalties_published, f.listed
        ));
    }
    out.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commendation_names_people() {
        let mut i = CircularInput {
            kind: "commendation".into(),
            title: "关于表扬2026年度优秀联络员的通报".into(),
            body: "……".into(),
            unit_ids: vec!["3".into()],
            ..Default::default()
        };
        let e = NewCircular::parse(&i).expect_err("no names");
        assert_eq!(e.0[0].field, "named");
        i.named = Some("钱联络员（信阳市市场监督管理局）".into());
        assert!(NewCircular::parse(&i).is_ok());
        assert_eq!(Kind::Briefing.series(), "简");
        assert_eq!(Kind::Criticism.series(), "通");
    }

    #[test]
    fn a_briefing_brings_reports_and_figures_together() {
        let text = assemble(
            "现将近期工作情况编发如下。",
            &[BriefingReport {
                unit: "信阳市公安局".into(),
                title: "破获制售假酒案".into(),
                body: "涉案金额1200万元".into(),
            }],
            Some(&BriefingFigures {
                transfers: 4,
                filed: 3,
                tasks: 10,
                tasks_done: 6,
                penalties_published: 12,
                listed: 2,
                ..Default::default()
            }),
        );
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[1], "一、各单位工作动态");
        assert!(lines[2].starts_with("（一）信阳市公安局：破获制售假酒案"));
        assert_eq!(lines[3], "二、数据");
        assert!(lines[4].contains("移送公安机关涉嫌犯罪案件4件") && lines[4].contains("已办结6项"));
        assert_eq!(
            lines[5],
            "本年度公示侵犯知识产权和制售假冒伪劣商品行政处罚案件信息12件，列入严重违法失信名单2户。"
        );
        let e = NewCircular::parse(&CircularInput {
            kind: "data".into(),
            title: "x".into(),
            body: "x".into(),
            unit_ids: vec!["1".into()],
            report_ids: vec!["3".into()],
            ..Default::default()
        })
        .expect_err("only briefings");
        assert_eq!(e.0[0].field, "report_ids");
    }

    #[test]
    fn fields_are_named() {
        let e = NewCircular::parse(&CircularInput::default()).expect_err("empty");
        let f: Vec<&str> = e.0.iter().map(|x| x.field.as_str()).collect();
        assert_eq!(f, ["kind", "title", "body", "unit_ids"]);
    }
}
