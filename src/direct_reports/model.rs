//! The rules of case direct reporting (查办案件直报, 001 §15–16; 003 二(三)): data sets and their
//! indicators, reporting periods, the figures a unit enters with the checks the office sets,
//! the return's states, who may take which step, and why a return is locked. Pure: no I/O.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::domain::money::Fen;
use crate::domain::{FieldErrors, coded_enum, text};

/// The clauses the module carries out, as the UI cites them.
pub const CLAUSE: &str = "001 §15–16；003 二(三)";

coded_enum! {
    /// How often a data set is reported.
    Periodicity {
        Month = "month", "月报";
        Quarter = "quarter", "季报";
        Year = "year", "年报";
    }
}

coded_enum! {
    /// What an indicator counts.
    Measure {
        Count = "count", "件";
        Persons = "persons", "人";
        Fen = "fen", "元";
    }
}

coded_enum! {
    /// Where the platform already holds the facts of an indicator, so that it is prefilled.
    Source {
        TransfersSent = "transfers_sent", "本单位移送公安机关的案件（两法衔接）";
        HandBacksReceived = "hand_backs_received", "公安机关退回本单位的案件（两法衔接）";
        TransfersReceived = "transfers_received", "本单位接受移送的案件（两法衔接）";
        TransfersFiled = "transfers_filed", "本单位对移送案件决定立案（两法衔接）";
        HandBacksSent = "hand_backs_sent", "本单位退回行政执法机关的案件（两法衔接）";
        SupervisedConcluded = "supervised_concluded", "本单位主办并办结的督办案件";
        PublicReports = "public_reports", "交本单位办理的投诉举报";
    }
}

coded_enum! {
    /// A unit's return for one period.
    State {
        Draft = "draft", "填报中";
        Submitted = "submitted", "待审核";
        Approved = "approved", "已审核";
        Returned = "returned", "已退回";
    }
}

coded_enum! {
    /// The steps on a return.
    Step {
        Save = "save", "保存";
        Submit = "submit", "报送";
        Approve = "approve", "审核通过";
        SendBack = "send_back", "退回修改";
        Except = "except", "准予例外修改";
    }
}

/// One figure a data set asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = DirectReportIndicator)]
pub struct Indicator {
    /// Stable key, lower-case letters, digits and underscores.
    pub code: String,
    pub label: String,
    /// `count`, `persons` or `fen` (entered in yuan).
    pub measure: String,
    /// Where it is prefilled from, if the platform holds the facts.
    #[serde(default)]
    pub source: Option<String>,
}

impl Indicator {
    fn new(code: &str, label: &str, measure: Measure, source: Option<Source>) -> Indicator {
        Indicator {
            code: code.into(),
            label: label.into(),
            measure: measure.code().into(),
            source: source.map(|s| s.code().into()),
        }
    }
    pub fn measure(&self) -> Measure {
        Measure::parse(&self.measure).unwrap_or(Measure::Count)
    }
    pub fn source(&self) -> Option<Source> {
        self.source.as_deref().and_then(Source::parse)
    }
    pub fn field(&self) -> String {
        format!("figures.{}", self.code)
    }
    /// A stored value as shown: yuan for money, a plain number otherwise.
    pub fn show(&self, v: i64) -> String {
        match self.measure() {
            Measure::Fen => Fen::from_fen(v)
                .map(Fen::yuan_string)
                .unwrap_or_else(|| v.to_string()),
            _ => v.to_string(),
        }
    }
}

coded_enum! {
    /// The two data sets offices report on this work (DOMAIN §8): the template an office
    /// starts from.
    Template {
        Administrative = "administrative", "行政执法办案数据";
        Criminal = "criminal", "刑事司法办案数据";
    }
}

impl Template {
    pub fn indicators(self) -> Vec<Indicator> {
        use Measure::*;
        use Source::*;
        match self {
            Template::Administrative => vec![
                Indicator::new("open_at_start", "期初在办案件数", Count, None),
                Indicator::new("cases_filed", "立案数", Count, None),
                Indicator::new("cases_concluded", "办结数", Count, None),
                Indicator::new("amount_involved", "涉案金额", Fen, None),
                Indicator::new("fines_confiscations", "罚没金额", Fen, None),
                Indicator::new(
                    "transferred",
                    "移送公安机关案件数",
                    Count,
                    Some(TransfersSent),
                ),
                Indicator::new(
                    "hand_backs_received",
                    "公安机关退回案件数",
                    Count,
                    Some(HandBacksReceived),
                ),
                Indicator::new(
                    "supervised_concluded",
                    "督办案件办结数",
                    Count,
                    Some(SupervisedConcluded),
                ),
                Indicator::new(
                    "public_reports",
                    "受理投诉举报数",
                    Count,
                    Some(PublicReports),
                ),
            ],
            Template::Criminal => vec![
                Indicator::new(
                    "transfers_received",
                    "受理行政执法机关移送案件数",
                    Count,
                    Some(TransfersReceived),
                ),
                Indicator::new(
                    "transfers_filed",
                    "移送案件立案数",
                    Count,
                    Some(TransfersFiled),
                ),
                Indicator::new("cases_filed", "立案数", Count, None),
                Indicator::new("cases_solved", "破案数", Count, None),
                Indicator::new("persons_arrested", "逮捕人数", Persons, None),
                Indicator::new("persons_prosecuted", "起诉人数", Persons, None),
                Indicator::new("persons_convicted", "判决有罪人数", Persons, None),
                Indicator::new(
                    "hand_backs_sent",
                    "退回行政执法机关案件数",
                    Count,
                    Some(HandBacksSent),
                ),
            ],
        }
    }

    pub fn checks(self) -> Vec<String> {
        match self {
            Template::Administrative => vec![
                "办结数 <= 立案数 + 期初在办案件数".into(),
                "督办案件办结数 <= 办结数".into(),
            ],
            Template::Criminal => vec![
                "移送案件立案数 <= 受理行政执法机关移送案件数".into(),
                "移送案件立案数 <= 立案数".into(),
            ],
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Le,
    Ge,
    Eq,
}

impl Op {
    fn holds(self, l: i64, r: i64) -> bool {
        match self {
            Op::Le => l <= r,
            Op::Ge => l >= r,
            Op::Eq => l == r,
        }
    }
    fn zh(self) -> &'static str {
        match self {
            Op::Le => "不得大于",
            Op::Ge => "不得小于",
            Op::Eq => "应等于",
        }
    }
}

/// A check the office sets on a data set: a sum of indicators compared with another, written
/// with the indicators' names or codes, e.g. "办结数 <= 立案数 + 期初在办案件数", optionally
/// followed by "：" and the message shown on the cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub left: Vec<String>,
    pub op: Op,
    pub right: Vec<String>,
    pub message: String,
}

fn term<'a>(indicators: &'a [Indicator], t: &str) -> Option<&'a Indicator> {
    let t = t.trim();
    indicators.iter().find(|i| i.code == t || i.label == t)
}

impl Check {
    /// Parse one line against the data set's indicators; the error says what is wrong.
    pub fn parse(line: &str, indicators: &[Indicator]) -> Result<Check, String> {
        let (expr, message) = match line.split_once(['：', ':']) {
            Some((e, m)) => (e, Some(m.trim())),
            None => (line, None),
        };
        let (l, op, r) = if let Some((l, r)) = expr.split_once("<=") {
            (l, Op::Le, r)
        } else if let Some((l, r)) = expr.split_once("≤") {
            (l, Op::Le, r)
        } else if let Some((l, r)) = expr.split_once(">=") {
            (l, Op::Ge, r)
        } else if let Some((l, r)) = expr.split_once("≥") {
            (l, Op::Ge, r)
        } else if let Some((l, r)) = expr.split_once('=') {
            (l, Op::Eq, r)
        } else {
            return Err(format!("“{}”缺少比较符号（<=、>= 或 =）", line.trim()));
        };
        let side = |s: &str| -> Result<Vec<String>, String> {
            let mut out = Vec::new();
            for t in s.split(['+', '＋']) {
                match term(indicators, t) {
                    Some(i) => out.push(i.code.clone()),
                    None if t.trim().is_empty() => {
                        return Err(format!("“{}”有空的加项", line.trim()));
                    }
                    None => return Err(format!("“{}”不是本数据集的指标", t.trim())),
                }
            }
            Ok(out)
        };
        let left = side(l)?;
        let right = side(r)?;
        let name = |codes: &[String]| {
            codes
                .iter()
                .filter_map(|c| term(indicators, c).map(|i| i.label.clone()))
                .collect::<Vec<_>>()
                .join("＋")
        };
        let message = match message {
            Some(m) if !m.is_empty() => m.to_string(),
            _ => format!("{}{}{}", name(&left), op.zh(), name(&right)),
        };
        Ok(Check {
            left,
            op,
            right,
            message,
        })
    }

    /// Whether the figures satisfy it; blanks count as 0.
    pub fn holds(&self, figures: &BTreeMap<String, i64>) -> bool {
        let sum = |codes: &[String]| -> i64 {
            codes
                .iter()
                .map(|c| figures.get(c).copied().unwrap_or(0))
                .sum()
        };
        self.op.holds(sum(&self.left), sum(&self.right))
    }
}

/// What an office sends to define or change a data set.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = DirectReportSetInput)]
pub struct SetInput {
    pub name: String,
    /// `month`, `quarter` or `year`.
    pub periodicity: String,
    /// Working days after the period's last day within which units report (1–30).
    pub due_working_days: String,
    /// `administrative` or `criminal`: the indicators it starts from when `indicators` is
    /// left out.
    #[serde(default)]
    pub template: Option<String>,
    /// The indicators; left out, the template's. Fixed once a period has been opened.
    #[serde(default)]
    pub indicators: Option<Vec<Indicator>>,
    /// The checks, one per entry, e.g. "办结数 <= 立案数 + 期初在办案件数：办结数不能超过…".
    #[serde(default)]
    pub checks: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataSet {
    pub name: String,
    pub periodicity: Periodicity,
    pub due_working_days: u32,
    pub indicators: Vec<Indicator>,
    pub checks: Vec<String>,
}

impl DataSet {
    pub fn parse(input: &SetInput) -> Result<DataSet, FieldErrors> {
        let mut e = FieldErrors::new();
        let name = e.take(text::required("name", "数据集名称", &input.name, 50));
        let periodicity = Periodicity::parse(&input.periodicity);
        if periodicity.is_none() {
            e.add("periodicity", "invalid_choice", "请选择月报、季报或年报");
        }
        let due = match input.due_working_days.trim().parse::<u32>() {
            Ok(n) if (1..=30).contains(&n) => Some(n),
            _ => {
                e.add(
                    "due_working_days",
                    "out_of_range",
                    "报送时限应为统计期结束后1至30个工作日",
                );
                None
            }
        };
        let indicators = match (&input.indicators, input.template.as_deref()) {
            (Some(list), _) => list.clone(),
            (None, Some(t)) => match Template::parse(t) {
                Some(t) => t.indicators(),
                None => {
                    e.add("template", "invalid_choice", "请选择行政执法或刑事司法指标");
                    Vec::new()
                }
            },
            (None, None) => {
                e.add("indicators", "required", "请选择指标");
                Vec::new()
            }
        };
        check_indicators(&indicators, &mut e);
        let mut checks = Vec::new();
        for (n, line) in input.checks.iter().enumerate() {
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            match Check::parse(line, &indicators) {
                Ok(_) => checks.push(line.to_string()),
                Err(m) => e.add(
                    "checks",
                    "invalid_format",
                    format!("第{}条校验规则：{m}", n + 1),
                ),
            }
        }
        match (name, periodicity, due) {
            (Some(name), Some(periodicity), Some(due_working_days)) if e.is_empty() => {
                Ok(DataSet {
                    name,
                    periodicity,
                    due_working_days,
                    indicators,
                    checks,
                })
            }
            _ => Err(e),
        }
    }

    pub fn compiled_checks(&self) -> Vec<Check> {
        self.checks
            .iter()
            .filter_map(|c| Check::parse(c, &self.indicators).ok())
            .collect()
    }
}

fn check_indicators(list: &[Indicator], e: &mut FieldErrors) {
    if list.is_empty() {
        if e.get("indicators").is_none() && e.get("template").is_none() {
            e.add("indicators", "required", "请至少设置一项指标");
        }
        return;
    }
    if list.len() > 40 {
        e.add("indicators", "out_of_range", "指标不能超过40项");
    }
    let mut seen: Vec<&str> = Vec::new();
    for (n, i) in list.iter().enumerate() {
        let ok_code = !i.code.is_empty()
            && i.code.len() <= 40
            && i.code
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        let label = i.label.trim();
        if !ok_code {
            e.add(
                "indicators",
                "invalid_format",
                format!("第{}项指标的代码只能由小写字母、数字和下划线组成", n + 1),
            );
        } else if label.is_empty() || label.chars().count() > 30 {
            e.add(
                "indicators",
                "invalid_format",
                format!("第{}项指标的名称应为1至30个字", n + 1),
            );
        } else if Measure::parse(&i.measure).is_none() {
            e.add(
                "indicators",
                "invalid_choice",
                format!("第{}项指标的计量单位应为count、persons或fen", n + 1),
            );
        } else if i
            .source
            .as_deref()
            .is_some_and(|s| Source::parse(s).is_none())
        {
            e.add(
                "indicators",
                "invalid_choice",
                format!("第{}项指标的数据来源不存在", n + 1),
            );
        } else if seen.contains(&i.code.as_str()) || seen.contains(&label) {
            e.add(
                "indicators",
                "duplicate",
                format!("第{}项指标与前面的指标重复", n + 1),
            );
        }
        seen.push(&i.code);
        seen.push(label);
    }
}

/// One reporting period of a data set: a month, a quarter or a year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeriodKey {
    pub periodicity: Periodicity,
    pub year: i32,
    /// Month 1–12, quarter 1–4, or 1 for a year.
    pub index: u32,
}

impl PeriodKey {
    /// "2026-11", "2026-Q3" or "2026", as the periodicity asks.
    pub fn parse(periodicity: Periodicity, raw: &str) -> Result<PeriodKey, String> {
        let raw = raw.trim();
        let bad = || match periodicity {
            Periodicity::Month => "统计期应写作“2026-11”".to_string(),
            Periodicity::Quarter => "统计期应写作“2026-Q3”".to_string(),
            Periodicity::Year => "统计期应写作“2026”".to_string(),
        };
        let (y, rest) = match raw.split_once('-') {
            Some((y, r)) => (y, Some(r)),
            None => (raw, None),
        };
        let year: i32 = y.parse().map_err(|_| bad())?;
        if !(2000..=2100).contains(&year) {
            return Err(bad());
        }
        let index = match (periodicity, rest) {
            (Periodicity::Year, None) => 1,
            (Periodicity::Month, Some(m)) => m
                .parse::<u32>()
                .ok()
                .filter(|m| (1..=12).contains(m))
                .ok_or_else(bad)?,
            (Periodicity::Quarter, Some(q)) => q
                .strip_prefix(['Q', 'q'])
                .and_then(|q| q.parse::<u32>().ok())
                .filter(|q| (1..=4).contains(q))
                .ok_or_else(bad)?,
            _ => return Err(bad()),
        };
        Ok(PeriodKey {
            periodicity,
            year,
            index,
        })
    }

    pub fn code(&self) -> String {
        match self.periodicity {
            Periodicity::Month => format!("{}-{:02}", self.year, self.index),
            Periodicity::Quarter => format!("{}-Q{}", self.year, self.index),
            Periodicity::Year => format!("{}", self.year),
        }
    }

    pub fn label(&self) -> String {
        match self.periodicity {
            Periodicity::Month => format!("{}年{}月", self.year, self.index),
            Periodicity::Quarter => format!(
                "{}年第{}季度",
                self.year,
                ["一", "二", "三", "四"][(self.index - 1) as usize]
            ),
            Periodicity::Year => format!("{}年度", self.year),
        }
    }

    /// The first and last day it covers.
    pub fn bounds(&self) -> (NaiveDate, NaiveDate) {
        let (first_month, months) = match self.periodicity {
            Periodicity::Month => (self.index, 1),
            Periodicity::Quarter => ((self.index - 1) * 3 + 1, 3),
            Periodicity::Year => (1, 12),
        };
        let start = NaiveDate::from_ymd_opt(self.year, first_month, 1).unwrap_or_default();
        let next = start
            .checked_add_months(chrono::Months::new(months))
            .unwrap_or(start);
        (start, next.pred_opt().unwrap_or(start))
    }

    /// The same period a year earlier, for the comparison.
    pub fn a_year_before(&self) -> PeriodKey {
        PeriodKey {
            year: self.year - 1,
            ..*self
        }
    }

    /// Whether the period has ended by `today` (a period is reported after it ends).
    pub fn ended_by(&self, today: NaiveDate) -> bool {
        self.bounds().1 < today
    }
}

/// The figures a unit sends: values as entered (text, money in yuan) and, for a prefilled
/// figure it corrects, the reason.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = DirectReportFiguresInput)]
pub struct FiguresInput {
    /// Indicator code → value as entered (money in yuan). A prefilled indicator left out
    /// takes the prefilled value, confirmed.
    #[serde(default)]
    pub figures: BTreeMap<String, String>,
    /// Indicator code → why a prefilled figure was corrected.
    #[serde(default)]
    pub reasons: BTreeMap<String, String>,
}

/// One figure as kept: the value, what the platform prefilled and the reason it differs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[schema(as = DirectReportFigureValue)]
pub struct Figure {
    pub code: String,
    pub value: Option<i64>,
    pub prefilled: Option<i64>,
    pub reason: Option<String>,
}

/// Parse the figures against the data set. `complete` (for a submission) requires every
/// figure and runs the office's checks; a save keeps blanks. The prefill is what the platform
/// counted for the unit and period; a figure that differs from it needs its reason.
pub fn parse_figures(
    set: &DataSet,
    input: &FiguresInput,
    prefill: &BTreeMap<String, i64>,
    complete: bool,
) -> Result<Vec<Figure>, FieldErrors> {
    let mut e = FieldErrors::new();
    let mut out = Vec::new();
    for k in input.figures.keys() {
        if !set.indicators.iter().any(|i| &i.code == k) {
            e.add(
                &format!("figures.{k}"),
                "unknown_field",
                "本数据集没有该指标",
            );
        }
    }
    for i in &set.indicators {
        let field = i.field();
        let pre = i.source().and_then(|_| prefill.get(&i.code).copied());
        let raw = input.figures.get(&i.code).map(|s| s.trim()).unwrap_or("");
        let value = if raw.is_empty() {
            match pre {
                Some(p) if !input.figures.contains_key(&i.code) => Some(p),
                _ => {
                    if complete {
                        e.add(&field, "required", format!("请填写{}", i.label));
                    }
                    None
                }
            }
        } else {
            match i.measure() {
                Measure::Fen => match Fen::field(&field, raw) {
                    Ok(f) => Some(f.as_i64()),
                    Err(_) => {
                        e.add(
                            &field,
                            "invalid_format",
                            format!("{}应为不小于0的金额（元），最多两位小数", i.label),
                        );
                        None
                    }
                },
                _ => match raw.replace([',', '，'], "").parse::<i64>() {
                    Ok(n) if (0..=100_000_000).contains(&n) => Some(n),
                    _ => {
                        e.add(
                            &field,
                            "invalid_format",
                            format!("{}应为不小于0的整数", i.label),
                        );
                        None
                    }
                },
            }
        };
        let reason = input
            .reasons
            .get(&i.code)
            .map(|r| r.trim().to_string())
            .filter(|r| !r.is_empty());
        if reason.as_ref().is_some_and(|r| r.chars().count() > 200) {
            e.add(
                &format!("reasons.{}", i.code),
                "too_long",
                "更正理由不能超过200字",
            );
        }
        let corrected = matches!((pre, value), (Some(p), Some(v)) if p != v);
        if corrected && reason.is_none() {
            e.add(
                &format!("reasons.{}", i.code),
                "required",
                format!(
                    "{}与平台已有记录（{}）不一致，请说明更正理由",
                    i.label,
                    i.show(pre.unwrap_or_default())
                ),
            );
        }
        out.push(Figure {
            code: i.code.clone(),
            value,
            prefilled: pre,
            reason: if corrected { reason } else { None },
        });
    }
    if complete && e.is_empty() {
        let values: BTreeMap<String, i64> = out
            .iter()
            .filter_map(|f| f.value.map(|v| (f.code.clone(), v)))
            .collect();
        for c in set.compiled_checks() {
            if !c.holds(&values) {
                let field = format!("figures.{}", c.left.first().cloned().unwrap_or_default());
                e.add(&field, "check_failed", c.message.clone());
            }
        }
    }
    if e.is_empty() { Ok(out) } else { Err(e) }
}

/// Why a return may not be changed now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lock {
    /// The office closed the period.
    Closed,
    /// The level above approved it.
    Approved,
    /// The due date passed before it was sent.
    PastDue,
}

impl Lock {
    pub fn message(self, due_on: NaiveDate) -> String {
        match self {
            Lock::Closed => "本期直报已由领导小组办公室关闭，数据已锁定；确需修改的，请向领导小组办公室申请例外修改".into(),
            Lock::Approved => "本单位本期数据已审核通过，已锁定；确需修改的，请向审核单位申请例外修改".into(),
            Lock::PastDue => format!(
                "本期直报已于{}届满，数据已锁定；确需补报或修改的，请向审核单位申请例外修改",
                crate::calendar::date_zh(due_on)
            ),
        }
    }
}

/// Whether a return is locked: an exception the office granted opens it until it is sent
/// again; otherwise a closed period, an approval, or a due date passed before it was sent.
/// A return sent back by the checker stays open for the correction it asked for.
pub fn lock(
    state: State,
    period_closed: bool,
    due_on: NaiveDate,
    today: NaiveDate,
    excepted: bool,
) -> Option<Lock> {
    if excepted {
        return None;
    }
    if period_closed {
        return Some(Lock::Closed);
    }
    match state {
        State::Approved => Some(Lock::Approved),
        State::Draft if today > due_on => Some(Lock::PastDue),
        _ => None,
    }
}

/// How the actor stands to a return.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Standing {
    /// The reporting unit's liaison or handler.
    pub reporter: bool,
    /// The office of the level above (the unit's region's office).
    pub checker: bool,
}

/// The state a step leads to, or why it is refused. `ended`: the period is over, so its
/// figures may be sent (they may be saved before).
pub fn check(
    state: State,
    step: Step,
    who: Standing,
    lock: Option<Lock>,
    ended: bool,
) -> Result<State, String> {
    use State::*;
    match step {
        Step::Save | Step::Submit => {
            if !who.reporter {
                return Err("只有报送单位可以填报本单位数据".into());
            }
            if !matches!(state, Draft | Returned) {
                return Err(format!("本期数据{}，不能再填报", state.label()));
            }
            if lock.is_some() {
                return Err("本期数据已锁定".into());
            }
            if step == Step::Submit && !ended {
                return Err("统计期尚未结束，结束后方可报送；现在可以暂存".into());
            }
            Ok(if step == Step::Save { state } else { Submitted })
        }
        Step::Approve | Step::SendBack => {
            if !who.checker {
                return Err("只有上一级领导小组办公室可以审核".into());
            }
            if state != Submitted {
                return Err(format!("本期数据{}，无需审核", state.label()));
            }
            if lock == Some(Lock::Closed) {
                return Err("本期直报已关闭".into());
            }
            Ok(if step == Step::Approve {
                Approved
            } else {
                Returned
            })
        }
        Step::Except => {
            if !who.checker {
                return Err("只有上一级领导小组办公室可以准予例外修改".into());
            }
            if lock.is_none() {
                return Err("本期数据未锁定，无需例外修改".into());
            }
            Ok(Draft)
        }
    }
}

/// The steps the actor may take now.
pub fn available(state: State, who: Standing, lock: Option<Lock>, ended: bool) -> Vec<Step> {
    Step::ALL
        .iter()
        .copied()
        .filter(|s| check(state, *s, who, lock, ended).is_ok())
        .collect()
}

/// The reporting period's due date must lie ahead: a period whose reports would already be
/// late is not opened.
pub fn opening_refusal(key: &PeriodKey, due_on: NaiveDate, today: NaiveDate) -> Option<String> {
    if due_on <= today {
        return Some(format!(
            "{}的报送时限（{}）已过，不能再开启",
            key.label(),
            crate::calendar::date_zh(due_on)
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    fn admin() -> DataSet {
        DataSet::parse(&SetInput {
            name: "行政执法办案数据".into(),
            periodicity: "quarter".into(),
            due_working_days: "10".into(),
            template: Some("administrative".into()),
            indicators: None,
            checks: Template::Administrative.checks(),
        })
        .expect("valid")
    }

    #[test]
    fn periods_have_bounds_labels_and_a_year_before() {
        let q = PeriodKey::parse(Periodicity::Quarter, "2026-Q3").expect("q");
        assert_eq!(q.bounds(), (d("2026-07-01"), d("2026-09-30")));
        assert_eq!(q.label(), "2026年第三季度");
        assert_eq!(q.code(), "2026-Q3");
        assert_eq!(q.a_year_before().code(), "2025-Q3");
        let m = PeriodKey::parse(Periodicity::Month, "2026-02").expect("m");
        assert_eq!(m.bounds(), (d("2026-02-01"), d("2026-02-28")));
        assert_eq!(m.label(), "2026年2月");
        let y = PeriodKey::parse(Periodicity::Year, "2026").expect("y");
        assert_eq!(y.bounds(), (d("2026-01-01"), d("2026-12-31")));
        assert_eq!(y.label(), "2026年度");
        for bad in ["2026-Q5", "2026-13", "26", "2026-Q0", "x"] {
            assert!(
                PeriodKey::parse(Periodicity::Quarter, bad).is_err(),
                "{bad}"
            );
        }
        assert!(PeriodKey::parse(Periodicity::Month, "2026-Q1").is_err());
        assert!(PeriodKey::parse(Periodicity::Year, "2026-01").is_err());
        assert!(q.ended_by(d("2026-10-01")) && !q.ended_by(d("2026-09-30")));
    }

    #[test]
    fn checks_are_written_with_names_and_name_their_cell() {
        let set = admin();
        let c = Check::parse("办结数 <= 立案数 + 期初在办案件数", &set.indicators).expect("c");
        assert_eq!(c.left, ["cases_concluded"]);
        assert_eq!(c.right, ["cases_filed", "open_at_start"]);
        assert_eq!(c.message, "办结数不得大于立案数＋期初在办案件数");
        let c = Check::parse(
            "cases_concluded ≤ cases_filed：办结不得超过立案",
            &set.indicators,
        )
        .expect("codes");
        assert_eq!(c.message, "办结不得超过立案");
        assert!(
            Check::parse("办结数 < 立案数", &set.indicators)
                .expect_err("op")
                .contains("比较符号")
        );
        assert!(
            Check::parse("结案数 <= 立案数", &set.indicators)
                .expect_err("name")
                .contains("不是本数据集的指标")
        );
        let e = DataSet::parse(&SetInput {
            checks: vec!["办结数 <= 立案数".into(), "破案数 <= 立案数".into()],
            ..SetInput {
                name: "x".into(),
                periodicity: "quarter".into(),
                due_working_days: "10".into(),
                template: Some("administrative".into()),
                ..Default::default()
            }
        })
        .expect_err("unknown");
        assert_eq!(
            e.get("checks"),
            Some("第2条校验规则：“破案数”不是本数据集的指标")
        );
    }

    #[test]
    fn data_sets_are_checked_field_by_field() {
        let e = DataSet::parse(&SetInput {
            periodicity: "week".into(),
            due_working_days: "0".into(),
            ..Default::default()
        })
        .expect_err("bad");
        let f: Vec<&str> = e.0.iter().map(|x| x.field.as_str()).collect();
        assert_eq!(f, ["name", "periodicity", "due_working_days", "indicators"]);
        let dup = vec![
            Indicator::new("a", "甲", Measure::Count, None),
            Indicator::new("a", "乙", Measure::Count, None),
        ];
        let e = DataSet::parse(&SetInput {
            name: "x".into(),
            periodicity: "month".into(),
            due_working_days: "5".into(),
            indicators: Some(dup),
            ..Default::default()
        })
        .expect_err("dup");
        assert_eq!(e.0[0].code, "duplicate");
        let upper = vec![Indicator::new("A-1", "甲", Measure::Count, None)];
        let e = DataSet::parse(&SetInput {
            name: "x".into(),
            periodicity: "month".into(),
            due_working_days: "5".into(),
            indicators: Some(upper),
            ..Default::default()
        })
        .expect_err("code");
        assert_eq!(e.0[0].code, "invalid_format");
    }

    fn input(pairs: &[(&str, &str)]) -> FiguresInput {
        FiguresInput {
            figures: pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            reasons: BTreeMap::new(),
        }
    }

    fn full() -> Vec<(&'static str, &'static str)> {
        vec![
            ("open_at_start", "3"),
            ("cases_filed", "10"),
            ("cases_concluded", "12"),
            ("amount_involved", "125,000.50"),
            ("fines_confiscations", "30000"),
            ("hand_backs_received", "0"),
            ("supervised_concluded", "1"),
            ("public_reports", "4"),
        ]
    }

    #[test]
    fn a_submission_needs_every_figure_and_passes_the_checks() {
        let set = admin();
        let prefill = BTreeMap::from([("transferred".to_string(), 2)]);
        let figs = parse_figures(&set, &input(&full()), &prefill, true).expect("valid");
        let t = figs.iter().find(|f| f.code == "transferred").expect("t");
        // Left out: the prefilled value, confirmed.
        assert_eq!(
            (t.value, t.prefilled, t.reason.clone()),
            (Some(2), Some(2), None)
        );
        let a = figs
            .iter()
            .find(|f| f.code == "amount_involved")
            .expect("a");
        assert_eq!(a.value, Some(12_500_050));
        // The check names its cell, with the office's words or the generated ones.
        let mut over = full();
        over[2] = ("cases_concluded", "14");
        let e = parse_figures(&set, &input(&over), &prefill, true).expect_err("check");
        assert_eq!(
            e.get("figures.cases_concluded"),
            Some("办结数不得大于立案数＋期初在办案件数")
        );
        // A save keeps blanks and runs no check; a submission names each blank.
        let partial = input(&[("cases_filed", "1"), ("cases_concluded", "9")]);
        assert!(parse_figures(&set, &partial, &prefill, false).is_ok());
        let e = parse_figures(&set, &partial, &prefill, true).expect_err("blank");
        assert_eq!(e.get("figures.open_at_start"), Some("请填写期初在办案件数"));
        assert!(e.get("figures.cases_concluded").is_none());
        // Bad values and unknown indicators are named.
        let e = parse_figures(
            &set,
            &input(&[
                ("cases_filed", "-1"),
                ("amount_involved", "1.234"),
                ("x", "1"),
            ]),
            &prefill,
            false,
        )
        .expect_err("bad");
        assert_eq!(
            e.get("figures.cases_filed"),
            Some("立案数应为不小于0的整数")
        );
        assert!(e.get("figures.amount_involved").is_some());
        assert_eq!(e.get("figures.x"), Some("本数据集没有该指标"));
    }

    #[test]
    fn a_corrected_prefilled_figure_keeps_its_reason() {
        let set = admin();
        let prefill = BTreeMap::from([("transferred".to_string(), 2)]);
        let mut f = full();
        f.push(("transferred", "3"));
        let e = parse_figures(&set, &input(&f), &prefill, true).expect_err("reason");
        assert_eq!(
            e.get("reasons.transferred"),
            Some("移送公安机关案件数与平台已有记录（2）不一致，请说明更正理由")
        );
        let mut i = input(&f);
        i.reasons
            .insert("transferred".into(), "一件线下移送未录入平台".into());
        let figs = parse_figures(&set, &i, &prefill, true).expect("valid");
        let t = figs.iter().find(|f| f.code == "transferred").expect("t");
        assert_eq!(t.value, Some(3));
        assert_eq!(t.reason.as_deref(), Some("一件线下移送未录入平台"));
        // A reason for a figure that agrees is not kept.
        let mut f = full();
        f.push(("transferred", "2"));
        let mut i = input(&f);
        i.reasons.insert("transferred".into(), "无".into());
        let figs = parse_figures(&set, &i, &prefill, true).expect("valid");
        assert_eq!(
            figs.iter()
                .find(|f| f.code == "transferred")
                .and_then(|f| f.reason.clone()),
            None
        );
    }

    #[test]
    fn locks_say_why() {
        let due = d("2026-10-20");
        let before = d("2026-10-20");
        let after = d("2026-10-21");
        use State::*;
        assert_eq!(lock(Draft, false, due, before, false), None);
        assert_eq!(lock(Draft, false, due, after, false), Some(Lock::PastDue));
        assert_eq!(lock(Returned, false, due, after, false), None);
        assert_eq!(lock(Submitted, false, due, after, false), None);
        assert_eq!(
            lock(Approved, false, due, before, false),
            Some(Lock::Approved)
        );
        assert_eq!(lock(Draft, true, due, before, false), Some(Lock::Closed));
        for s in State::ALL {
            assert_eq!(
                lock(*s, true, due, after, true),
                None,
                "an exception opens {s:?}"
            );
        }
        assert!(Lock::PastDue.message(due).contains("2026年10月20日届满"));
        assert!(Lock::Closed.message(due).contains("关闭"));
        assert!(Lock::Approved.message(due).contains("审核通过"));
    }

    #[test]
    fn who_may_take_which_step() {
        use State::*;
        let reporter = Standing {
            reporter: true,
            checker: false,
        };
        let checker = Standing {
            reporter: false,
            checker: true,
        };
        let nobody = Standing::default();
        for s in State::ALL {
            for step in Step::ALL {
                for lk in [
                    None,
                    Some(Lock::Closed),
                    Some(Lock::Approved),
                    Some(Lock::PastDue),
                ] {
                    let r = check(*s, *step, nobody, lk, true);
                    assert!(r.is_err(), "nobody may {step:?} on {s:?}");
                    let by_reporter = check(*s, *step, reporter, lk, true);
                    let by_checker = check(*s, *step, checker, lk, true);
                    match step {
                        Step::Save | Step::Submit => {
                            assert!(by_checker.is_err());
                            assert_eq!(
                                by_reporter.is_ok(),
                                matches!(s, Draft | Returned) && lk.is_none(),
                                "{step:?} {s:?} {lk:?}"
                            );
                        }
                        Step::Approve | Step::SendBack => {
                            assert!(by_reporter.is_err());
                            assert_eq!(
                                by_checker.is_ok(),
                                *s == Submitted && lk != Some(Lock::Closed)
                            );
                        }
                        Step::Except => {
                            assert!(by_reporter.is_err());
                            assert_eq!(by_checker.is_ok(), lk.is_some());
                        }
                    }
                }
            }
        }
        assert_eq!(
            check(Draft, Step::Submit, reporter, None, true),
            Ok(Submitted)
        );
        assert_eq!(
            check(Submitted, Step::SendBack, checker, None, true),
            Ok(Returned)
        );
        assert_eq!(
            check(Approved, Step::Except, checker, Some(Lock::Approved), true),
            Ok(Draft)
        );
        // Before the period ends its figures may be saved, not sent.
        assert_eq!(check(Draft, Step::Save, reporter, None, false), Ok(Draft));
        assert!(
            check(Draft, Step::Submit, reporter, None, false)
                .expect_err("not ended")
                .contains("尚未结束")
        );
        assert_eq!(
            available(Draft, reporter, None, false),
            [Step::Save],
            "only a save before the end"
        );
    }
}
