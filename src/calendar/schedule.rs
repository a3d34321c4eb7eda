//! One year's holiday schedule (the State Council's annual notice), its TOML
//! file format, and validation.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::{Datelike, NaiveDate, Weekday};
use serde::Deserialize;

use super::format_date_zh;

/// Lowest year a schedule may describe.
pub const MIN_YEAR: i32 = 2000;
/// Highest year a schedule may describe.
pub const MAX_YEAR: i32 = 2100;

/// Errors found while parsing or validating a [`YearSchedule`].
///
/// `entry` fields name the offending `[[holidays]]` entry, e.g. `第2项假期“春节”`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    /// The text is not valid TOML or does not have the expected fields.
    #[error("节假日安排文件格式错误：{0}")]
    Syntax(String),
    /// The `year` field is outside the supported range.
    #[error("年份{0}超出支持范围（{MIN_YEAR}—{MAX_YEAR}年）")]
    YearOutOfRange(i32),
    /// The `source` field is empty.
    #[error("缺少所依据通知的名称及文号（source）")]
    EmptySource,
    /// The schedule lists no holiday at all: a notice always has some, and saving an empty one
    /// would wipe the provisional holidays of its year.
    #[error("安排中未列出任何假期（[[holidays]]）")]
    NoHolidays,
    /// A holiday entry has an empty name (1-based index).
    #[error("第{0}项假期缺少名称（name）")]
    EmptyName(usize),
    /// A holiday entry lists no dates at all.
    #[error("{entry}未列出任何日期")]
    EmptyEntry {
        /// The offending entry.
        entry: String,
    },
    /// A date string could not be parsed.
    #[error("{entry}中的日期“{value}”无效，应为YYYY-MM-DD格式的有效日期")]
    InvalidDate {
        /// The offending entry.
        entry: String,
        /// The raw text.
        value: String,
    },
    /// A date belongs to another year than the schedule's `year`.
    #[error("{entry}中的日期{}不属于{year}年", format_date_zh(*.date))]
    WrongYear {
        /// The offending entry.
        entry: String,
        /// The date.
        date: NaiveDate,
        /// The schedule's year.
        year: i32,
    },
    /// The same date appears twice in the same role.
    #[error("日期{}重复出现（{first}；{second}）", format_date_zh(*.date))]
    DuplicateDate {
        /// The date.
        date: NaiveDate,
        /// Entry where it first appeared.
        first: String,
        /// Entry where it appeared again.
        second: String,
    },
    /// A make-up working day is not a Saturday or Sunday.
    #[error("{entry}的调休上班日{}是{}，调休上班日只能是星期六或星期日", format_date_zh(*.date), weekday_zh(.date.weekday()))]
    MakeupNotWeekend {
        /// The offending entry.
        entry: String,
        /// The date.
        date: NaiveDate,
    },
    /// A date is listed both as a day off and as a make-up working day.
    #[error("日期{}不能既是放假日（{holiday_entry}）又是调休上班日（{makeup_entry}）", format_date_zh(*.date))]
    HolidayAndMakeup {
        /// The date.
        date: NaiveDate,
        /// Entry listing it as a day off.
        holiday_entry: String,
        /// Entry listing it as a make-up working day.
        makeup_entry: String,
    },
}

/// Chinese name of a weekday ("星期一" …).
pub fn weekday_zh(w: Weekday) -> &'static str {
    match w {
        Weekday::Mon => "星期一",
        Weekday::Tue => "星期二",
        Weekday::Wed => "星期三",
        Weekday::Thu => "星期四",
        Weekday::Fri => "星期五",
        Weekday::Sat => "星期六",
        Weekday::Sun => "星期日",
    }
}

/// One holiday of a year's notice: the days off and the make-up working days
/// (调休上班) attributed to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HolidayBlock {
    name: String,
    note: Option<String>,
    days: Vec<NaiveDate>,
    makeup_workdays: Vec<NaiveDate>,
}

impl HolidayBlock {
    /// A holiday block; it is validated when placed into a [`YearSchedule`].
    pub fn new(
        name: impl Into<String>,
        days: Vec<NaiveDate>,
        makeup_workdays: Vec<NaiveDate>,
    ) -> Self {
        Self {
            name: name.into(),
            note: None,
            days,
            makeup_workdays,
        }
    }

    /// Attach a free-text note.
    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.note = Some(note.into());
        self
    }

    /// Name, e.g. "春节".
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Optional note.
    pub fn note(&self) -> Option<&str> {
        self.note.as_deref()
    }

    /// Days off (sorted), including weekend days inside the block.
    pub fn days(&self) -> &[NaiveDate] {
        &self.days
    }

    /// Make-up working days (sorted).
    pub fn makeup_workdays(&self) -> &[NaiveDate] {
        &self.makeup_workdays
    }
}

/// A validated holiday schedule for one calendar year.
///
/// Invariants (checked by [`YearSchedule::new`] and [`YearSchedule::parse`]):
/// every date lies in `year`; no date appears twice; every make-up working day
/// is a Saturday or Sunday; days off and make-up days are disjoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YearSchedule {
    year: i32,
    source: String,
    note: Option<String>,
    blocks: Vec<HolidayBlock>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSchedule {
    year: i32,
    source: String,
    #[serde(default)]
    note: Option<String>,
    #[serde(default)]
    holidays: Vec<RawBlock>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBlock {
    name: String,
    #[serde(default)]
    note: Option<String>,
    #[serde(default)]
    days: Vec<String>,
    #[serde(default)]
    makeup_workdays: Vec<String>,
}

fn entry_label(index: usize, name: &str) -> String {
    format!("第{}项假期“{}”", index + 1, name)
}

fn parse_date(entry: &str, value: &str) -> Result<NaiveDate, ScheduleError> {
    let invalid = || ScheduleError::InvalidDate {
        entry: entry.to_owned(),
        value: value.to_owned(),
    };
    if value.len() != 10 {
        return Err(invalid());
    }
    NaiveDate::parse_from_str(value, "%Y-%m-%d").map_err(|_| invalid())
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    DayOff,
    Makeup,
}

impl YearSchedule {
    /// Build and validate a schedule. Dates inside each block are sorted.
    pub fn new(
        year: i32,
        source: impl Into<String>,
        note: Option<String>,
        mut blocks: Vec<HolidayBlock>,
    ) -> Result<Self, ScheduleError> {
        let source = source.into();
        if !(MIN_YEAR..=MAX_YEAR).contains(&year) {
            return Err(ScheduleError::YearOutOfRange(year));
        }
        if source.trim().is_empty() {
            return Err(ScheduleError::EmptySource);
        }
        if blocks.is_empty() {
            return Err(ScheduleError::NoHolidays);
        }
        let mut seen: BTreeMap<NaiveDate, (Role, String)> = BTreeMap::new();
        for (index, block) in blocks.iter_mut().enumerate() {
            if block.name.trim().is_empty() {
                return Err(ScheduleError::EmptyName(index + 1));
            }
            let entry = entry_label(index, &block.name);
            if block.days.is_empty() && block.makeup_workdays.is_empty() {
                return Err(ScheduleError::EmptyEntry { entry });
            }
            let roles = block
                .days
                .iter()
                .map(|d| (*d, Role::DayOff))
                .chain(block.makeup_workdays.iter().map(|d| (*d, Role::Makeup)));
            for (date, role) in roles {
                if date.year() != year {
                    return Err(ScheduleError::WrongYear { entry, date, year });
                }
                if role == Role::Makeup && !is_weekend(date) {
                    return Err(ScheduleError::MakeupNotWeekend { entry, date });
                }
                if let Some((prev_role, prev_entry)) = seen.get(&date) {
                    return Err(match (prev_role, role) {
                        (Role::DayOff, Role::Makeup) => ScheduleError::HolidayAndMakeup {
                            date,
                            holiday_entry: prev_entry.clone(),
                            makeup_entry: entry,
                        },
                        (Role::Makeup, Role::DayOff) => ScheduleError::HolidayAndMakeup {
                            date,
                            holiday_entry: entry,
                            makeup_entry: prev_entry.clone(),
                        },
                        _ => ScheduleError::DuplicateDate {
                            date,
                            first: prev_entry.clone(),
                            second: entry,
                        },
                    });
                }
                seen.insert(date, (role, entry.clone()));
            }
            block.days.sort();
            block.makeup_workdays.sort();
        }
        Ok(Self {
            year,
            source,
            note,
            blocks,
        })
    }

    /// Parse and validate the TOML text of one year's schedule (format: see
    /// the comment at the top of `src/calendar/holidays/2026.toml`).
    pub fn parse(text: &str) -> Result<Self, ScheduleError> {
        let raw: RawSchedule =
            toml::from_str(text).map_err(|e| ScheduleError::Syntax(e.to_string().trim().into()))?;
        let mut blocks = Vec::with_capacity(raw.holidays.len());
        for (index, rb) in raw.holidays.into_iter().enumerate() {
            let entry = entry_label(index, &rb.name);
            let days = rb
                .days
                .iter()
                .map(|s| parse_date(&entry, s))
                .collect::<Result<Vec<_>, _>>()?;
            let makeup = rb
                .makeup_workdays
                .iter()
                .map(|s| parse_date(&entry, s))
                .collect::<Result<Vec<_>, _>>()?;
            blocks.push(HolidayBlock {
                name: rb.name,
                note: rb.note,
                days,
                makeup_workdays: makeup,
            });
        }
        Self::new(raw.year, raw.source, raw.note, blocks)
    }

    /// Export as TOML in the same format [`YearSchedule::parse`] reads
    /// (comments of the original file are not preserved).
    pub fn to_toml(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail; the results are ignored on purpose.
        let _ = writeln!(out, "year = {}", self.year);
        let _ = writeln!(out, "source = {}", toml_str(&self.source));
        if let Some(note) = &self.note {
            let _ = writeln!(out, "note = {}", toml_str(note));
        }
        for block in &self.blocks {
            let _ = writeln!(out, "\n[[holidays]]");
            let _ = writeln!(out, "name = {}", toml_str(&block.name));
            if let Some(note) = &block.note {
                let _ = writeln!(out, "note = {}", toml_str(note));
            }
            let _ = writeln!(out, "days = {}", toml_dates(&block.days));
            if !block.makeup_workdays.is_empty() {
                let _ = writeln!(
                    out,
                    "makeup_workdays = {}",
                    toml_dates(&block.makeup_workdays)
                );
            }
        }
        out
    }

    /// The year.
    pub fn year(&self) -> i32 {
        self.year
    }

    /// Name and document number of the notice.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Optional note on the year.
    pub fn note(&self) -> Option<&str> {
        self.note.as_deref()
    }

    /// Holiday blocks in file order.
    pub fn blocks(&self) -> &[HolidayBlock] {
        &self.blocks
    }

    /// Total number of days off listed (weekend days inside blocks included).
    pub fn holiday_day_count(&self) -> usize {
        self.blocks.iter().map(|b| b.days.len()).sum()
    }

    /// Total number of make-up working days.
    pub fn makeup_day_count(&self) -> usize {
        self.blocks.iter().map(|b| b.makeup_workdays.len()).sum()
    }
}

/// Saturday or Sunday.
pub fn is_weekend(date: NaiveDate) -> bool {
    matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

fn toml_str(s: &str) -> String {
    toml::Value::String(s.to_owned()).to_string()
}

fn toml_dates(dates: &[NaiveDate]) -> String {
    let items: Vec<String> = dates
        .iter()
        .map(|d| format!("\"{}\"", d.format("%Y-%m-%d")))
        .collect();
    format!("[{}]", items.join(", "))
}
