//! Work plans (工作要点, shaped like seed 002): sections, items, and for each item its 牵头单位
//! and 责任单位. The office fills in a template the platform provides and imports it; every
//! cell is checked and a malformed file is reported row by row and cell by cell, with nothing
//! imported until it is clean; unit names are matched against the registry and an ambiguous
//! name is asked about; each item then becomes a supervised task (003 三(五)).
//!
//! Reading the sheet into cells is at the edge (`sheet`); the checking and matching here are
//! pure; `store` and `http` do the rest.

pub mod http;
pub mod sheet;
pub mod store;

use chrono::NaiveDate;
use serde::Serialize;

/// A cell as read from the sheet.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Number(f64),
    Date(NaiveDate),
}

impl Cell {
    fn text(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(s) => s.trim().to_string(),
            Cell::Number(n) if n.fract() == 0.0 => format!("{n:.0}"),
            Cell::Number(n) => n.to_string(),
            Cell::Date(d) => d.to_string(),
        }
    }
}

/// The template's columns, in order.
pub const HEADERS: [&str; 6] = [
    "序号",
    "部分",
    "工作事项",
    "牵头单位",
    "责任单位",
    "完成时限",
];
const COLS: [char; 7] = ['A', 'B', 'C', 'D', 'E', 'F', 'G'];

/// The optional seventh column: the activity an item asks for (宣传活动, 培训, “四进”活动), held by
/// its lead unit by its due date (002 (八)1–3). A file of six columns is read as before.
pub const ACTIVITY_HEADER: &str = "活动类别";

/// The activity kind a cell names, by its label or code ("四进活动" for the outreach).
pub fn activity_kind(raw: &str) -> Option<crate::activities::model::Kind> {
    use crate::activities::model::Kind;
    let t = raw.trim().replace(['“', '”', '"'], "");
    Kind::ALL.into_iter().find(|k| {
        k.code() == t
            || k.label().replace(['“', '”'], "") == t
            || (*k == Kind::Outreach && t == "四进活动")
    })
}

/// One problem in the file: its row and column as the spreadsheet shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CellError {
    pub row: usize,
    pub column: String,
    pub message: String,
}

impl CellError {
    fn new(row: usize, col: usize, message: impl Into<String>) -> CellError {
        CellError {
            row,
            column: COLS.get(col).map(|c| c.to_string()).unwrap_or_default(),
            message: message.into(),
        }
    }
}

/// A unit of the registry the names are matched against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryUnit {
    pub id: i64,
    pub name: String,
    pub short_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Match {
    One(i64),
    None,
    Ambiguous(Vec<(i64, String)>),
}

fn subsequence(needle: &str, hay: &str) -> bool {
    let mut it = hay.chars();
    needle.chars().all(|c| it.any(|h| h == c))
}

/// Match a name as written in a plan ("市检察院", "市公安局") against the registry: exactly (name
/// or short name), then by a choice already made for this name, then by the units whose name
/// contains the written one's characters in order. One candidate matches; several are asked
/// about; none is an error.
pub fn match_unit(written: &str, units: &[RegistryUnit], choices: &[(String, i64)]) -> Match {
    let w = written.trim();
    if let Some(u) = units
        .iter()
        .find(|u| u.name == w || u.short_name.as_deref() == Some(w))
    {
        return Match::One(u.id);
    }
    if let Some((_, id)) = choices
        .iter()
        .find(|(n, id)| n == w && units.iter().any(|u| u.id == *id))
    {
        return Match::One(*id);
    }
    if w.chars().count() < 2 {
        return Match::None;
    }
    let candidates: Vec<(i64, String)> = units
        .iter()
        .filter(|u| subsequence(w, &u.name))
        .map(|u| (u.id, u.name.clone()))
        .collect();
    match candidates.len() {
        0 => Match::None,
        1 => Match::One(candidates[0].0),
        _ => Match::Ambiguous(candidates),
    }
}

/// An item ready to become a task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlanItem {
    pub row: usize,
    pub section: String,
    pub text: String,
    pub lead_unit_id: i64,
    pub responsible: Vec<i64>,
    pub due_on: NaiveDate,
    /// The activity it asks for, if any.
    #[serde(skip)]
    pub activity: Option<crate::activities::model::Kind>,
}

/// A name that matched several units, with the candidates to choose from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Ambiguity {
    pub name: String,
    /// (unit id, name)
    pub candidates: Vec<(i64, String)>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Checked {
    pub items: Vec<PlanItem>,
    pub errors: Vec<CellError>,
    pub ambiguous: Vec<Ambiguity>,
}

impl Checked {
    pub fn is_clean(&self) -> bool {
        self.errors.is_empty() && self.ambiguous.is_empty()
    }
}

fn parse_date(cell: &Cell) -> Option<NaiveDate> {
    match cell {
        Cell::Date(d) => Some(*d),
        Cell::Text(s) => {
            let s = s.trim().replace(['/', '.'], "-");
            NaiveDate::parse_from_str(&s, "%Y-%m-%d").ok()
        }
        _ => None,
    }
}

/// Check every row of the sheet (the first row is the header). A blank 部分 continues the
/// section above, as merged cells do.
pub fn check(
    rows: &[Vec<Cell>],
    units: &[RegistryUnit],
    choices: &[(String, i64)],
    today: NaiveDate,
) -> Checked {
    let mut out = Checked::default();
    let Some(header) = rows.first() else {
        out.errors
            .push(CellError::new(1, 0, "文件是空的，请使用平台提供的模板"));
        return out;
    };
    for (i, want) in HEADERS.iter().enumerate() {
        let got = header.get(i).map(Cell::text).unwrap_or_default();
        if got != *want {
            out.errors.push(CellError::new(
                1,
                i,
                format!("表头应为“{want}”，实际为“{got}”；请使用平台提供的模板"),
            ));
        }
    }
    let with_activity = match header.get(6).map(Cell::text).unwrap_or_default() {
        t if t.is_empty() => false,
        t if t == ACTIVITY_HEADER => true,
        t => {
            out.errors.push(CellError::new(
                1,
                6,
                format!("第七列表头应为“{ACTIVITY_HEADER}”或留空，实际为“{t}”"),
            ));
            false
        }
    };
    if !out.errors.is_empty() {
        return out;
    }
    let mut section = String::new();
    let mut asked: Vec<String> = Vec::new();
    let mut resolve = |name: &str, row: usize, col: usize, out: &mut Checked| -> Option<i64> {
        match match_unit(name, units, choices) {
            Match::One(id) => Some(id),
            Match::None => {
                out.errors
                    .push(CellError::new(row, col, format!("单位名录中没有“{name}”")));
                None
            }
            Match::Ambiguous(candidates) => {
                if !asked.iter().any(|a| a == name) {
                    asked.push(name.to_string());
                    out.ambiguous.push(Ambiguity {
                        name: name.to_string(),
                        candidates,
                    });
                }
                None
            }
        }
    };
    for (i, r) in rows.iter().enumerate().skip(1) {
        let row = i + 1;
        let cell = |c: usize| r.get(c).cloned().unwrap_or(Cell::Empty);
        if (1..7).all(|c| cell(c).text().is_empty()) {
            continue;
        }
        let s = cell(1).text();
        if !s.is_empty() {
            section = s;
        }
        if section.is_empty() {
            out.errors.push(CellError::new(row, 1, "请填写所属部分"));
        }
        let text = cell(2).text();
        if text.is_empty() {
            out.errors.push(CellError::new(row, 2, "请填写工作事项"));
        } else if text.chars().count() > 500 {
            out.errors
                .push(CellError::new(row, 2, "工作事项不能超过500个字符"));
        }
        let lead_name = cell(3).text();
        let lead = if lead_name.is_empty() {
            out.errors.push(CellError::new(row, 3, "请填写牵头单位"));
            None
        } else {
            resolve(&lead_name, row, 3, &mut out)
        };
        let mut responsible = Vec::new();
        for name in cell(4)
            .text()
            .split(['、', '，', ',', '；', ';'])
            .map(str::trim)
            .filter(|n| !n.is_empty())
        {
            if let Some(id) = resolve(name, row, 4, &mut out)
                && Some(id) != lead
                && !responsible.contains(&id)
            {
                responsible.push(id);
            }
        }
        let due = match parse_date(&cell(5)) {
            Some(d) if d > today => Some(d),
            Some(_) => {
                out.errors
                    .push(CellError::new(row, 5, "完成时限应晚于今天"));
                None
            }
            None => {
                out.errors
                    .push(CellError::new(row, 5, "完成时限应为日期，如2026-12-31"));
                None
            }
        };
        let asked = cell(6).text();
        let activity = if !with_activity || asked.is_empty() {
            None
        } else {
            let k = activity_kind(&asked);
            if k.is_none() {
                out.errors.push(CellError::new(
                    row,
                    6,
                    "活动类别应为“宣传活动”“培训”或“四进活动”，不要求开展活动的留空",
                ));
            }
            k
        };
        if let (Some(lead_unit_id), Some(due_on), false) =
            (lead, due, text.is_empty() || section.is_empty())
        {
            out.items.push(PlanItem {
                row,
                section: section.clone(),
                text,
                lead_unit_id,
                responsible,
                due_on,
                activity,
            });
        }
    }
    if out.items.is_empty() && out.errors.is_empty() && out.ambiguous.is_empty() {
        out.errors.push(CellError::new(2, 2, "文件中没有工作事项"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Cell {
        Cell::Text(s.into())
    }

    fn units() -> Vec<RegistryUnit> {
        [
            (1, "信阳市人民检察院", None),
            (2, "信阳市公安局", Some("信公")),
            (3, "信阳市公安局浉河分局", None),
            (4, "信阳市市场监督管理局", Some("信市监")),
            (5, "信阳市商务局", None),
        ]
        .into_iter()
        .map(|(id, n, s)| RegistryUnit {
            id,
            name: n.into(),
            short_name: s.map(Into::into),
        })
        .collect()
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 23).expect("date")
    }

    fn header() -> Vec<Cell> {
        HEADERS.iter().map(|h| t(h)).collect()
    }

    #[test]
    fn names_are_matched_exactly_by_short_name_or_by_their_characters() {
        let u = units();
        assert_eq!(match_unit("信阳市商务局", &u, &[]), Match::One(5));
        assert_eq!(match_unit("信市监", &u, &[]), Match::One(4));
        assert_eq!(match_unit("市检察院", &u, &[]), Match::One(1));
        assert_eq!(match_unit("市农委", &u, &[]), Match::None);
        let Match::Ambiguous(c) = match_unit("市公安局", &u, &[]) else {
            panic!("two police units match");
        };
        assert_eq!(c.len(), 2);
        assert_eq!(
            match_unit("市公安局", &u, &[("市公安局".into(), 2)]),
            Match::One(2)
        );
        assert_eq!(
            match_unit("市公安局", &u, &[("市公安局".into(), 99)]),
            Match::Ambiguous(c),
            "a choice must exist"
        );
    }

    #[test]
    fn an_item_may_ask_for_an_activity_in_the_seventh_column() {
        use crate::activities::model::Kind;
        let due = Cell::Date(NaiveDate::from_ymd_opt(2026, 12, 31).expect("d"));
        let row = |activity: &str| {
            vec![
                t("1"),
                t("（八）加强宣传培训"),
                t("联合开展执法人员培训"),
                t("信市监"),
                Cell::Empty,
                due.clone(),
                t(activity),
            ]
        };
        let mut head = header();
        head.push(t(ACTIVITY_HEADER));
        let c = check(
            &[head.clone(), row("培训"), row(""), row("“四进”活动")],
            &units(),
            &[],
            today(),
        );
        assert!(c.is_clean(), "{c:?}");
        let asked: Vec<Option<Kind>> = c.items.iter().map(|i| i.activity).collect();
        assert_eq!(asked, [Some(Kind::Training), None, Some(Kind::Outreach)]);
        let c = check(&[head, row("座谈会")], &units(), &[], today());
        assert_eq!(
            c.errors
                .iter()
                .map(|e| (e.row, e.column.as_str()))
                .collect::<Vec<_>>(),
            [(2, "G")]
        );
        // Six columns: read as before, the seventh ignored.
        let c = check(&[header(), row("培训")], &units(), &[], today());
        assert_eq!(c.items[0].activity, None);
        let mut wrong = header();
        wrong.push(t("备注"));
        assert_eq!(
            check(&[wrong, row("")], &units(), &[], today())
                .errors
                .len(),
            1
        );
        assert_eq!(activity_kind("publicity"), Some(Kind::Publicity));
        assert_eq!(activity_kind("四进活动"), Some(Kind::Outreach));
    }

    #[test]
    fn a_clean_sheet_gives_items_with_sections_carried_down() {
        let rows = vec![
            header(),
            vec![
                t("1"),
                t("（三）加强两法衔接"),
                t("发挥牵头单位作用"),
                t("市检察院"),
                t("信阳市商务局、信市监"),
                Cell::Date(NaiveDate::from_ymd_opt(2026, 12, 31).expect("d")),
            ],
            vec![
                Cell::Number(2.0),
                Cell::Empty,
                t("建立联席会议制度"),
                t("市检察院"),
                Cell::Empty,
                t("2027/3/31"),
            ],
        ];
        let c = check(&rows, &units(), &[], today());
        assert!(c.is_clean(), "{c:?}");
        assert_eq!(c.items.len(), 2);
        assert_eq!(c.items[1].section, "（三）加强两法衔接");
        assert_eq!(c.items[0].responsible, vec![5, 4]);
    }

    #[test]
    fn every_bad_cell_is_named_by_row_and_column() {
        let rows = vec![
            header(),
            vec![
                t("1"),
                Cell::Empty,
                t(""),
                t("市农委"),
                t("市公安局"),
                t("明年"),
            ],
            vec![
                t("2"),
                t("一、"),
                t("事项"),
                t("市检察院"),
                Cell::Empty,
                t("2026-11-01"),
            ],
        ];
        let c = check(&rows, &units(), &[], today());
        let at: Vec<String> = c
            .errors
            .iter()
            .map(|e| format!("{}{}", e.column, e.row))
            .collect();
        assert_eq!(at, ["B2", "C2", "D2", "F2", "F3"]);
        assert_eq!(c.ambiguous.len(), 1, "市公安局 is asked about once");
        assert!(c.items.is_empty());
    }

    #[test]
    fn a_wrong_template_is_refused_at_the_header() {
        let c = check(&[vec![t("编号"), t("内容")]], &units(), &[], today());
        assert_eq!(c.errors[0].row, 1);
        assert!(c.errors[0].message.contains("序号"));
        assert!(!check(&[], &units(), &[], today()).is_clean());
    }
}
