//! Chinese explanations of period computations.

use chrono::{Datelike, NaiveDate};

use super::{Computation, Period, Span};

/// "2026年2月13日".
pub fn format_date_zh(d: NaiveDate) -> String {
    format!("{}年{}月{}日", d.year(), d.month(), d.day())
}

/// A stored date as pages and documents write it: "2026-12-02" (text or date), or a stored
/// instant beginning with one, → "2026年12月2日", never the ISO form; any other text unchanged.
pub fn date_zh(d: impl std::fmt::Display) -> String {
    let s = d.to_string();
    s.get(..10)
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .map_or(s.clone(), format_date_zh)
}

/// `text` with each ISO date inside it written as people write it: 「届满日由2027-02-12变更为
/// 2027-02-15」 → 「届满日由2027年2月12日变更为2027年2月15日」. A date that is part of a
/// timestamp or of a longer number is left alone.
pub fn dates_zh_in(text: &str) -> String {
    let b = text.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    let mut out = String::with_capacity(text.len() + 16);
    let mut copied = 0;
    let mut at = 0;
    while at + 10 <= b.len() {
        let standalone = (at == 0 || !(b[at - 1].is_ascii_digit() || b[at - 1] == b'-'))
            && b.get(at + 10)
                .is_none_or(|c| !(c.is_ascii_alphanumeric() || *c == b'-'));
        if standalone
            && digits(at..at + 4)
            && b[at + 4] == b'-'
            && digits(at + 5..at + 7)
            && b[at + 7] == b'-'
            && digits(at + 8..at + 10)
            && let Ok(d) = NaiveDate::parse_from_str(&text[at..at + 10], "%Y-%m-%d")
        {
            out.push_str(&text[copied..at]);
            out.push_str(&format_date_zh(d));
            at += 10;
            copied = at;
        } else {
            at += 1;
        }
    }
    out.push_str(&text[copied..]);
    out
}

/// The date without its year when it lies in `base_year`.
fn date_in(d: NaiveDate, base_year: i32) -> String {
    if d.year() == base_year {
        format!("{}月{}日", d.month(), d.day())
    } else {
        format_date_zh(d)
    }
}

fn range_in(first: NaiveDate, last: NaiveDate, base_year: i32) -> String {
    if first == last {
        date_in(first, base_year)
    } else {
        format!(
            "{}至{}",
            date_in(first, base_year),
            date_in(last, base_year)
        )
    }
}

/// Consecutive days with the same name, as `(first, last, name, count)`.
fn group_named(days: &[(NaiveDate, String)]) -> Vec<(NaiveDate, NaiveDate, &str, usize)> {
    let mut groups: Vec<(NaiveDate, NaiveDate, &str, usize)> = Vec::new();
    for (d, name) in days {
        if let Some(g) = groups.last_mut()
            && g.2 == name.as_str()
            && g.1.succ_opt() == Some(*d)
        {
            g.1 = *d;
            g.3 += 1;
            continue;
        }
        groups.push((*d, *d, name.as_str(), 1));
    }
    groups
}

fn holidays_zh(days: &[(NaiveDate, String)], base_year: i32) -> String {
    group_named(days)
        .iter()
        .map(|(first, last, name, count)| {
            format!(
                "{name}假期{}（共{count}天）",
                range_in(*first, *last, base_year)
            )
        })
        .collect::<Vec<_>>()
        .join("、")
}

fn makeups_zh(days: &[(NaiveDate, String)], base_year: i32) -> String {
    days.iter()
        .map(|(d, name)| format!("{}（{name}调休）", date_in(*d, base_year)))
        .collect::<Vec<_>>()
        .join("、")
}

fn spans_zh(spans: &[Span], base_year: i32) -> String {
    spans
        .iter()
        .map(|s| range_in(s.first, s.last, base_year))
        .collect::<Vec<_>>()
        .join("、")
}

/// "跳过…及周末N天" or `None` when nothing was skipped.
fn skipped_zh(c: &Computation, base_year: i32) -> Option<String> {
    let holidays = holidays_zh(&c.skipped_holidays, base_year);
    match (holidays.is_empty(), c.skipped_weekends) {
        (true, 0) => None,
        (true, w) => Some(format!("跳过周末{w}天")),
        (false, 0) => Some(format!("跳过{holidays}")),
        (false, w) => Some(format!("跳过{holidays}及周末{w}天")),
    }
}

/// The roll-forward sentence fragment (starting with "，"), if any.
fn roll_forward_zh(c: &Computation, base_year: i32) -> String {
    if let Some(from) = c.rolled_forward_from {
        let reason = match c.skipped_holidays.first() {
            Some((d, name)) if *d == from => format!("{name}假期"),
            _ if c.excluded_spans.iter().any(|s| s.contains(from)) => "不计入期间".to_owned(),
            _ => "周末休息日".to_owned(),
        };
        let mut s = format!("，该日为{reason}，顺延至其后第一个工作日");
        if let Some(skipped) = skipped_zh(c, base_year) {
            s.push_str(&format!("，{skipped}"));
        }
        s
    } else if let Some((_, name)) = c
        .counted_makeup_days
        .iter()
        .find(|(d, _)| *d == c.period_end)
    {
        format!("，该日为调休上班日（{name}调休），无需顺延")
    } else {
        String::new()
    }
}

pub(super) fn explain(c: &Computation) -> String {
    let base = c.start.year();
    let mut s = format!("自{}（不计当日）起算{}", format_date_zh(c.start), c.period);
    if c.period.is_zero() {
        s.push_str(&format!(
            "，期限为零，届满日即为起算日{}。",
            format_date_zh(c.due)
        ));
        return s;
    }
    match c.period {
        Period::WorkingDays(_) => {
            if let Some(skipped) = skipped_zh(c, base) {
                s.push_str(&format!("，{skipped}"));
            }
            if !c.counted_makeup_days.is_empty() {
                s.push_str(&format!(
                    "，计入调休上班日{}",
                    makeups_zh(&c.counted_makeup_days, base)
                ));
            }
            if !c.excluded_spans.is_empty() {
                s.push_str(&format!(
                    "，不计入期间{}内的{}个工作日",
                    spans_zh(&c.excluded_spans, base),
                    c.excluded_count
                ));
            }
        }
        Period::Days(_) => {
            if c.excluded_count > 0 {
                s.push_str(&format!(
                    "，扣除不计入期间{}共{}日",
                    spans_zh(&c.excluded_spans, base),
                    c.excluded_count
                ));
            }
            s.push_str(&format!("，期间最后一日为{}", format_date_zh(c.period_end)));
            s.push_str(&roll_forward_zh(c, base));
        }
        Period::Until(named) => {
            s = format!(
                "自{}起，至交办时指定的{}",
                format_date_zh(c.start),
                format_date_zh(named)
            );
            if c.excluded_count > 0 {
                s.push_str(&format!(
                    "，加上不计入期间{}共{}日",
                    spans_zh(&c.excluded_spans, base),
                    c.excluded_count
                ));
            }
            s.push_str("（指定日期不因节假日顺延）");
        }
        Period::Months { roll_forward, .. } | Period::Years { roll_forward, .. } => {
            if let Some(corr) = c.corresponding_day {
                if c.month_end_clamped {
                    s.push_str(&format!(
                        "，到期月没有对应日，以月末日{}为期间最后一日",
                        format_date_zh(corr)
                    ));
                } else {
                    s.push_str(&format!("，到期月的对应日为{}", format_date_zh(corr)));
                }
            }
            if c.excluded_count > 0 {
                s.push_str(&format!(
                    "，加上不计入期间{}共{}日，期间最后一日为{}",
                    spans_zh(&c.excluded_spans, base),
                    c.excluded_count,
                    format_date_zh(c.period_end)
                ));
            }
            if roll_forward {
                s.push_str(&roll_forward_zh(c, base));
            } else {
                s.push_str("（该期限不因节假日顺延）");
            }
        }
    }
    s.push_str(&format!("，届满日为{}。", format_date_zh(c.due)));
    s.push_str(&provisional_zh(c));
    s
}

/// The 暂定 sentence when the arithmetic touched a provisional year, or nothing.
pub(super) fn provisional_zh(c: &Computation) -> String {
    if c.provisional_years.is_empty() {
        return String::new();
    }
    let years = c
        .provisional_years
        .iter()
        .map(|y| format!("{y}年"))
        .collect::<Vec<_>>()
        .join("、");
    format!(
        "（暂定：国务院办公厅关于{years}部分节假日安排的通知尚未导入，{years}的节假日按《全国年节及纪念日放假办法》推算，不含调休上班日；通知导入后届满日将重新计算。）"
    )
}
