//! The rules of the annual performance assessment (年度绩效考核; 001 §14; 002 (五); 003 二(四)):
//! a year's scheme of weighted indicators, computed from the platform's own clocks or scored by
//! hand with evidence; the score of a computed indicator from the clocks it counted; the
//! ranking; the procedure (draft → consultation → approved → issued) and who may take each
//! step. Pure: no I/O.

use serde::{Deserialize, Serialize};

use crate::domain::{FieldErrors, coded_enum, text};

/// The clauses the assessment carries out, as the UI cites them.
pub const CLAUSE: &str = "001 §14；002 (五)；003 二(四)";

coded_enum! {
    /// Where a computed indicator's clocks come from: each is the on-time rate of the subject's
    /// clocks of that kind whose due date fell in the year.
    Source {
        Clocks = "clocks", "各类办理时限按期完成率（全部期限）";
        Rounds = "rounds", "信息报送按期率（报送期别）";
        Tasks = "tasks", "督办任务和议定事项按期完成率";
        Findings = "findings", "督导检查发现问题按期整改率";
        Transfers = "transfers", "案件移送、受理和立案按期率（两法衔接）";
        DirectReports = "direct_reports", "查办案件直报按期报送率";
        Activities = "activities", "工作要点要求的宣传培训活动按期开展率";
    }
}

coded_enum! {
    /// An assessment's state.
    State {
        Draft = "draft", "考核方案拟定中";
        Consulting = "consulting", "考核结果征求意见中";
        Approved = "approved", "组长已审定";
        Issued = "issued", "已通报";
    }
}

coded_enum! {
    Step {
        Compute = "compute", "计算考核结果并征求意见";
        Object = "object", "提出异议";
        Adjust = "adjust", "调整得分";
        Approve = "approve", "审定";
        Issue = "issue", "通报考核结果";
        Rectify = "rectify", "责令限期整改";
    }
}

/// One indicator of a scheme: `weight` points, computed from `source` or scored by hand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = AssessmentIndicator)]
pub struct Indicator {
    pub code: String,
    pub label: String,
    /// Points, all indicators together 100.
    pub weight: u32,
    /// A computed indicator's source; none for one scored by hand (evidence and reason).
    #[serde(default)]
    pub source: Option<String>,
}

impl Indicator {
    pub fn source(&self) -> Option<Source> {
        self.source.as_deref().and_then(Source::parse)
    }
}

/// The default scheme: what offices assess on this work (DOMAIN §8), each source at its
/// weight, and a share scored by hand for what no record shows (publicity, innovation).
pub fn default_indicators() -> Vec<Indicator> {
    let c = |code: &str, weight: u32, s: Source| Indicator {
        code: code.into(),
        label: s.label().into(),
        weight,
        source: Some(s.code().into()),
    };
    vec![
        c("clocks", 25, Source::Clocks),
        c("rounds", 10, Source::Rounds),
        c("tasks", 15, Source::Tasks),
        c("findings", 10, Source::Findings),
        c("transfers", 15, Source::Transfers),
        c("direct_reports", 15, Source::DirectReports),
        Indicator {
            code: "work".into(),
            label: "宣传培训、工作创新等日常工作".into(),
            weight: 10,
            source: None,
        },
    ]
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = AssessmentSchemeInput)]
pub struct SchemeInput {
    /// The year assessed (YYYY).
    pub year: String,
    pub title: String,
    /// The indicators; left out, the default scheme.
    #[serde(default)]
    pub indicators: Option<Vec<Indicator>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scheme {
    pub year: i32,
    pub title: String,
    pub indicators: Vec<Indicator>,
}

impl Scheme {
    /// The year must be over or under way (`this_year` at most); the weights add up to 100.
    pub fn parse(input: &SchemeInput, this_year: i32) -> Result<Scheme, FieldErrors> {
        let mut e = FieldErrors::new();
        let year = match input.year.trim().parse::<i32>() {
            Ok(y) if (2000..=this_year).contains(&y) => Some(y),
            _ => {
                e.add(
                    "year",
                    "out_of_range",
                    format!("考核年度应为2000年至{this_year}年"),
                );
                None
            }
        };
        let title = e.take(text::required("title", "考核名称", &input.title, 100));
        let indicators = input.indicators.clone().unwrap_or_else(default_indicators);
        if indicators.is_empty() || indicators.len() > 20 {
            e.add("indicators", "out_of_range", "考核指标应为1至20项");
        }
        let mut seen: Vec<&str> = Vec::new();
        for (n, i) in indicators.iter().enumerate() {
            let ok = !i.code.is_empty()
                && i.code.len() <= 40
                && i.code
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            if !ok || i.label.trim().is_empty() || i.label.chars().count() > 40 {
                e.add(
                    "indicators",
                    "invalid_format",
                    format!("第{}项指标的代码或名称不符合要求", n + 1),
                );
            } else if i.weight == 0 {
                e.add(
                    "indicators",
                    "out_of_range",
                    format!("第{}项指标的分值应大于0", n + 1),
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
            } else if seen.contains(&i.code.as_str()) {
                e.add(
                    "indicators",
                    "duplicate",
                    format!("第{}项指标与前面的指标重复", n + 1),
                );
            }
            seen.push(&i.code);
        }
        let total: u32 = indicators.iter().map(|i| i.weight).sum();
        if e.get("indicators").is_none() && total != 100 {
            e.add(
                "indicators",
                "out_of_range",
                format!("各项指标分值合计应为100分，现为{total}分"),
            );
        }
        match (year, title) {
            (Some(year), Some(title)) if e.is_empty() => Ok(Scheme {
                year,
                title,
                indicators,
            }),
            _ => Err(e),
        }
    }
}

/// How one clock counted for a computed indicator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = AssessmentOutcome)]
pub enum Outcome {
    /// Met on or before its due date.
    OnTime,
    /// Met after it.
    Late,
    /// Marked missed.
    Missed,
    /// Still running on the day of computation, past its due date.
    Overdue,
}

impl Outcome {
    pub fn code(self) -> &'static str {
        match self {
            Outcome::OnTime => "on_time",
            Outcome::Late => "late",
            Outcome::Missed => "missed",
            Outcome::Overdue => "overdue",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Outcome::OnTime => "按期完成",
            Outcome::Late => "逾期完成",
            Outcome::Missed => "逾期未完成",
            Outcome::Overdue => "超期未办结",
        }
    }
    pub fn parse(code: &str) -> Option<Outcome> {
        [
            Outcome::OnTime,
            Outcome::Late,
            Outcome::Missed,
            Outcome::Overdue,
        ]
        .into_iter()
        .find(|o| o.code() == code)
    }

    /// How a clock counts from the deadline domain's timeliness on the day of computation:
    /// waived clocks and clocks running within their time do not count.
    pub fn of(timeliness: &str, due_passed: bool) -> Option<Outcome> {
        match timeliness {
            "on_time" => Some(Outcome::OnTime),
            "late" => Some(Outcome::Late),
            "missed" => Some(Outcome::Missed),
            "running" if due_passed => Some(Outcome::Overdue),
            _ => None,
        }
    }
}

/// A computed indicator's score in hundredths of a point: the weight times the share done on
/// time. A subject with nothing to count loses nothing (未发生的不扣分).
pub fn score_centi(weight: u32, outcomes: &[Outcome]) -> i64 {
    let counted = outcomes.len() as i64;
    if counted == 0 {
        return i64::from(weight) * 100;
    }
    let on_time = outcomes.iter().filter(|o| **o == Outcome::OnTime).count() as i64;
    // Rounded half up to the hundredth.
    (i64::from(weight) * 100 * on_time * 2 + counted) / (counted * 2)
}

/// Hundredths of a point as shown: "92.50".
pub fn points(centi: i64) -> String {
    let sign = if centi < 0 { "-" } else { "" };
    let c = centi.abs();
    format!("{sign}{}.{:02}", c / 100, c % 100)
}

/// Parse a score typed by the office ("8", "8.5", "8.25") into hundredths, within 0..=weight.
pub fn parse_points(raw: &str, weight: u32) -> Result<i64, String> {
    let raw = raw.trim();
    let bad = || format!("得分应为0至{weight}分之间的数，最多两位小数");
    let (int, frac) = raw.split_once('.').unwrap_or((raw, ""));
    if int.is_empty() || frac.len() > 2 || !int.chars().all(|c| c.is_ascii_digit()) {
        return Err(bad());
    }
    if !frac.chars().all(|c| c.is_ascii_digit()) {
        return Err(bad());
    }
    let i: i64 = int.parse().map_err(|_| bad())?;
    let f: i64 = format!("{frac:0<2}").parse().map_err(|_| bad())?;
    let v = i
        .checked_mul(100)
        .and_then(|v| v.checked_add(f))
        .ok_or_else(bad)?;
    if v > i64::from(weight) * 100 {
        return Err(bad());
    }
    Ok(v)
}

/// The ranking: highest total first; equal totals share a rank (1, 2, 2, 4).
pub fn ranks(totals: &[i64]) -> Vec<usize> {
    totals
        .iter()
        .map(|t| 1 + totals.iter().filter(|o| *o > t).count())
        .collect()
}

/// How the actor stands to an assessment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Standing {
    /// Staff of the office that runs it.
    pub office: bool,
    /// The group's leader above the office.
    pub leader: bool,
    /// A unit (or county office) assessed by it.
    pub subject: bool,
}

/// The state a step leads to, or why it is refused.
pub fn check(state: State, step: Step, who: Standing) -> Result<State, String> {
    use State::*;
    let (allowed, from, to): (bool, &[State], State) = match step {
        Step::Compute => (who.office, &[Draft], Consulting),
        Step::Object => (who.subject, &[Consulting], Consulting),
        Step::Adjust => (who.office, &[Consulting], Consulting),
        Step::Approve => (who.leader, &[Consulting], Approved),
        Step::Issue => (who.office, &[Approved], Issued),
        // 002 (五)2: criticism leads to rectification within a time limit.
        Step::Rectify => (who.office, &[Issued], Issued),
    };
    if !allowed {
        return Err(match step {
            Step::Approve => "考核结果由领导小组组长审定".into(),
            Step::Object => "只有被考核单位可以提出异议".into(),
            _ => "只有组织考核的领导小组办公室可以办理".into(),
        });
    }
    if !from.contains(&state) {
        return Err(format!("考核{}，不能{}", state.label(), step.label()));
    }
    Ok(to)
}

pub fn available(state: State, who: Standing) -> Vec<Step> {
    Step::ALL
        .iter()
        .copied()
        .filter(|s| check(state, *s, who).is_ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_scheme_adds_up_to_100() {
        let s = Scheme::parse(
            &SchemeInput {
                year: "2026".into(),
                title: "2026年度打击侵权假冒工作绩效考核".into(),
                indicators: None,
            },
            2026,
        )
        .expect("valid");
        assert_eq!(s.indicators.iter().map(|i| i.weight).sum::<u32>(), 100);
        assert_eq!(
            s.indicators.iter().filter(|i| i.source.is_none()).count(),
            1
        );
        let mut bad = default_indicators();
        bad[0].weight = 20;
        let e = Scheme::parse(
            &SchemeInput {
                year: "2027".into(),
                title: String::new(),
                indicators: Some(bad),
            },
            2026,
        )
        .expect_err("bad");
        let f: Vec<(&str, &str)> =
            e.0.iter()
                .map(|x| (x.field.as_str(), x.code.as_str()))
                .collect();
        assert_eq!(
            f,
            [
                ("year", "out_of_range"),
                ("title", "required"),
                ("indicators", "out_of_range")
            ]
        );
        assert_eq!(
            e.get("indicators"),
            Some("各项指标分值合计应为100分，现为95分")
        );
    }

    #[test]
    fn a_late_clock_costs_its_share_and_nothing_counted_costs_nothing() {
        use Outcome::*;
        assert_eq!(score_centi(25, &[]), 2500);
        assert_eq!(score_centi(25, &[OnTime, OnTime, OnTime, Late]), 1875);
        assert_eq!(score_centi(10, &[OnTime, Missed, Overdue]), 333);
        assert_eq!(
            score_centi(10, &[OnTime, OnTime, Late]),
            667,
            "rounded half up"
        );
        assert_eq!(score_centi(15, &[Late]), 0);
        assert_eq!(Outcome::of("running", true), Some(Overdue));
        assert_eq!(Outcome::of("running", false), None);
        assert_eq!(Outcome::of("waived", true), None);
        assert_eq!(Outcome::of("late", false), Some(Late));
        assert_eq!(points(1875), "18.75");
        assert_eq!(points(-50), "-0.50");
    }

    #[test]
    fn typed_scores_are_hundredths_within_the_weight() {
        assert_eq!(parse_points("8", 10), Ok(800));
        assert_eq!(parse_points("8.5", 10), Ok(850));
        assert_eq!(parse_points(" 10.00 ", 10), Ok(1000));
        for bad in ["10.01", "-1", "8.555", "", "八", ".5", "1e1"] {
            assert!(parse_points(bad, 10).is_err(), "{bad}");
        }
    }

    #[test]
    fn equal_totals_share_a_rank() {
        assert_eq!(ranks(&[9000, 8500, 8500, 7000]), [1, 2, 2, 4]);
        assert_eq!(ranks(&[]), Vec::<usize>::new());
    }

    #[test]
    fn who_may_take_which_step() {
        let office = Standing {
            office: true,
            ..Default::default()
        };
        let leader = Standing {
            leader: true,
            ..Default::default()
        };
        let subject = Standing {
            subject: true,
            ..Default::default()
        };
        for s in State::ALL {
            for step in Step::ALL {
                assert!(check(*s, *step, Standing::default()).is_err());
                let ok = |w: Standing| check(*s, *step, w).is_ok();
                let want = match step {
                    Step::Compute => (*s == State::Draft, false, false),
                    Step::Object => (false, false, *s == State::Consulting),
                    Step::Adjust => (*s == State::Consulting, false, false),
                    Step::Approve => (false, *s == State::Consulting, false),
                    Step::Issue => (*s == State::Approved, false, false),
                    Step::Rectify => (*s == State::Issued, false, false),
                };
                assert_eq!(
                    (ok(office), ok(leader), ok(subject)),
                    want,
                    "{step:?} on {s:?}"
                );
            }
        }
        assert_eq!(
            available(State::Consulting, office),
            [Step::Adjust],
            "the office adjusts; the leader approves"
        );
    }
}
