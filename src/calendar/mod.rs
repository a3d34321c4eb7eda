//! Working-day calendar of the People's Republic of China and period
//! arithmetic ("N个工作日", "N日", months and years).
//!
//! Pure domain code: no I/O and no clock reads. The statutory holiday schedule
//! is published every year by the General Office of the State Council; the
//! known years are shipped as `src/calendar/holidays/<year>.toml` and embedded at
//! compile time, and an administrator can add the next year through
//! [`YearSchedule::parse`] and [`Calendar::insert_year`]. Until a year's notice is
//! imported, a calendar built [`Calendar::with_provisional_until`] a horizon computes that
//! year from the statutory rule (`provisional.rs`) and marks every result that touched it
//! (`Computation::provisional_years`): never a silent guess, never a refusal at the year end.
//! Years before the first known year and past the horizon are
//! [`CalendarError::UnknownYear`].

mod explain;
pub mod http;
pub mod provisional;
mod schedule;
pub mod store;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use chrono::{Datelike, Days, Months, NaiveDate};
use serde::{Deserialize, Serialize};

pub use explain::{date_zh, dates_zh_in, format_date_zh};
pub use schedule::{
    HolidayBlock, MAX_YEAR, MIN_YEAR, ScheduleError, YearSchedule, is_weekend, weekday_zh,
};

/// The holiday files shipped with the platform, as `(year, TOML text)`.
pub const SHIPPED_SCHEDULES: [(i32, &str); 7] = [
    (2020, include_str!("holidays/2020.toml")),
    (2021, include_str!("holidays/2021.toml")),
    (2022, include_str!("holidays/2022.toml")),
    (2023, include_str!("holidays/2023.toml")),
    (2024, include_str!("holidays/2024.toml")),
    (2025, include_str!("holidays/2025.toml")),
    (2026, include_str!("holidays/2026.toml")),
];

/// Errors of calendar arithmetic.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    /// The computation needs a year whose holiday schedule is neither loaded nor computable
    /// (before the first known year, or past the provisional horizon).
    #[error(
        "缺少{0}年的节假日安排，且该年度不在可推算的范围内（早于已知的最早年度，或距今超过30年）"
    )]
    UnknownYear(i32),
    /// The result is outside the range of representable dates.
    #[error("日期超出可计算范围")]
    DateOverflow,
    /// An excluded span ends before it starts.
    #[error("不计入期间的结束日{}早于开始日{}", format_date_zh(*.last), format_date_zh(*.first))]
    InvalidSpan {
        /// First day of the span.
        first: NaiveDate,
        /// Last day of the span.
        last: NaiveDate,
    },
}

/// What kind of day a date is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum DayKind {
    /// Monday to Friday, not a holiday.
    Workday,
    /// A Saturday or Sunday that is a working day by the annual notice (调休上班).
    MakeupWorkday {
        /// The holiday the make-up day belongs to.
        holiday: String,
    },
    /// A Saturday or Sunday rest day.
    Weekend,
    /// A statutory day off (including weekend days inside a holiday block).
    Holiday {
        /// The holiday's name, e.g. "春节".
        name: String,
    },
}

impl DayKind {
    /// Whether people work on this day.
    pub fn is_workday(&self) -> bool {
        matches!(self, DayKind::Workday | DayKind::MakeupWorkday { .. })
    }
}

/// A period rule: the unit, the amount, and for months/years whether the end
/// rolls forward to the next working day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Period {
    /// "N个工作日": only working days count.
    WorkingDays(u32),
    /// "N日": calendar days; an end on a rest day or holiday rolls forward.
    Days(u32),
    /// "N个月".
    Months {
        /// Number of months.
        n: u32,
        /// Roll an end on a rest day or holiday forward to the next working
        /// day (a deadline for an act: `true`; a duration test: `false`).
        roll_forward: bool,
    },
    /// "N年".
    Years {
        /// Number of years.
        n: u32,
        /// As for [`Period::Months`].
        roll_forward: bool,
    },
    /// A date the office named itself (a task's time limit, a decided item's due date): kept
    /// as named, no holiday arithmetic and no roll-forward. Suspended days move it later, and
    /// an extension adds calendar days.
    Until(NaiveDate),
}

impl Period {
    /// The amount N.
    /// A named date has no amount: 0.
    pub fn amount(&self) -> u32 {
        match *self {
            Period::WorkingDays(n) | Period::Days(n) => n,
            Period::Months { n, .. } | Period::Years { n, .. } => n,
            Period::Until(_) => 0,
        }
    }

    /// Add `extra` units (calendar days for a named date); `None` on overflow.
    pub fn checked_add(self, extra: u32) -> Option<Self> {
        let n = self.amount().checked_add(extra)?;
        Some(match self {
            Period::WorkingDays(_) => Period::WorkingDays(n),
            Period::Days(_) => Period::Days(n),
            Period::Months { roll_forward, .. } => Period::Months { n, roll_forward },
            Period::Years { roll_forward, .. } => Period::Years { n, roll_forward },
            Period::Until(d) => Period::Until(d.checked_add_days(Days::new(u64::from(extra)))?),
        })
    }

    /// `n` units of this rule's unit, in Chinese: "5个工作日", "3日" (a named date's unit is
    /// the calendar day).
    pub fn units_zh(&self, n: u32) -> String {
        match *self {
            Period::WorkingDays(_) => format!("{n}个工作日"),
            Period::Days(_) | Period::Until(_) => format!("{n}日"),
            Period::Months { .. } => format!("{n}个月"),
            Period::Years { .. } => format!("{n}年"),
        }
    }

    /// Whether the end rolls forward to the next working day.
    pub fn rolls_forward(&self) -> bool {
        match *self {
            Period::WorkingDays(_) | Period::Until(_) => false,
            Period::Days(_) => true,
            Period::Months { roll_forward, .. } | Period::Years { roll_forward, .. } => {
                roll_forward
            }
        }
    }

    /// Whether the period ends where it starts (an amount of zero).
    pub(crate) fn is_zero(&self) -> bool {
        !matches!(self, Period::Until(_)) && self.amount() == 0
    }
}

impl fmt::Display for Period {
    /// "5个工作日", "3日", "6个月", "2年".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Period::WorkingDays(n) => write!(f, "{n}个工作日"),
            Period::Days(n) => write!(f, "{n}日"),
            Period::Months { n, .. } => write!(f, "{n}个月"),
            Period::Years { n, .. } => write!(f, "{n}年"),
            Period::Until(d) => write!(f, "指定日期{}", format_date_zh(d)),
        }
    }
}

/// An inclusive range of dates `[first, last]` that does not count towards a
/// period (e.g. a suspension).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Span {
    /// First excluded day.
    pub first: NaiveDate,
    /// Last excluded day (inclusive).
    pub last: NaiveDate,
}

impl Span {
    /// `[first, last]`.
    pub fn new(first: NaiveDate, last: NaiveDate) -> Self {
        Self { first, last }
    }

    /// Whether `date` lies inside the span.
    pub fn contains(&self, date: NaiveDate) -> bool {
        self.first <= date && date <= self.last
    }
}

/// The result of a period computation, with everything needed to explain it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Computation {
    /// The day the clock starts (not counted).
    pub start: NaiveDate,
    /// The rule applied.
    pub period: Period,
    /// The due date: last day of the period after any roll-forward.
    pub due: NaiveDate,
    /// Last day of the period before any roll-forward.
    pub period_end: NaiveDate,
    /// Months/years only: the corresponding day in the final month (before
    /// excluded spans are added).
    pub corresponding_day: Option<NaiveDate>,
    /// Months/years only: the final month had no corresponding day, so its
    /// last day was used.
    pub month_end_clamped: bool,
    /// Holiday days skipped (working days: inside the period; calendar days,
    /// months, years: during the roll-forward), with the holiday's name.
    pub skipped_holidays: Vec<(NaiveDate, String)>,
    /// Make-up working days counted (working days), or the period's last day
    /// when it is a make-up working day (so no roll-forward was needed).
    pub counted_makeup_days: Vec<(NaiveDate, String)>,
    /// Ordinary Saturdays/Sundays skipped.
    pub skipped_weekends: u32,
    /// `Some(period_end)` when the due date was rolled forward.
    pub rolled_forward_from: Option<NaiveDate>,
    /// Parts of the excluded spans that the computation passed over.
    pub excluded_spans: Vec<Span>,
    /// Units excluded: working days for [`Period::WorkingDays`], calendar days
    /// otherwise.
    pub excluded_count: u32,
    /// Provisional years whose days the arithmetic looked at (ascending): the result is
    /// 暂定 until their notices are imported.
    pub provisional_years: Vec<i32>,
}

impl Computation {
    fn trivial(start: NaiveDate, period: Period) -> Self {
        Self {
            start,
            period,
            due: start,
            period_end: start,
            corresponding_day: None,
            month_end_clamped: false,
            skipped_holidays: Vec::new(),
            counted_makeup_days: Vec::new(),
            skipped_weekends: 0,
            rolled_forward_from: None,
            excluded_spans: Vec::new(),
            excluded_count: 0,
            provisional_years: Vec::new(),
        }
    }

    /// Whether the result is provisional (暂定).
    pub fn is_provisional(&self) -> bool {
        !self.provisional_years.is_empty()
    }

    /// A readable Chinese explanation of the arithmetic.
    pub fn explain_zh(&self) -> String {
        explain::explain(self)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mark {
    DayOff,
    Makeup,
}

#[derive(Debug, Clone)]
struct YearIndex {
    schedule: YearSchedule,
    /// Computed from the statutory rule, not imported from a notice.
    provisional: bool,
    marks: HashMap<NaiveDate, (Mark, String)>,
    /// `worked[i]`: working days among the year's days `0..=i` (by ordinal0). Lets
    /// [`Calendar::due_date`] find the n-th working day by binary search instead of walking.
    worked: Vec<u16>,
}

impl YearIndex {
    fn new(schedule: YearSchedule, provisional: bool) -> Self {
        let mut marks = HashMap::new();
        for block in schedule.blocks() {
            for d in block.days() {
                marks.insert(*d, (Mark::DayOff, block.name().to_owned()));
            }
            for d in block.makeup_workdays() {
                marks.insert(*d, (Mark::Makeup, block.name().to_owned()));
            }
        }
        let mut worked = Vec::with_capacity(366);
        let mut count = 0u16;
        let mut d = NaiveDate::from_ymd_opt(schedule.year(), 1, 1);
        while let Some(day) = d.filter(|x| x.year() == schedule.year()) {
            let works = match marks.get(&day) {
                Some((Mark::DayOff, _)) => false,
                Some((Mark::Makeup, _)) => true,
                None => !is_weekend(day),
            };
            count += u16::from(works);
            worked.push(count);
            d = day.succ_opt();
        }
        Self {
            schedule,
            provisional,
            marks,
            worked,
        }
    }

    fn kind(&self, date: NaiveDate) -> Kind<'_> {
        match self.marks.get(&date) {
            Some((Mark::DayOff, name)) => Kind::Holiday(name),
            Some((Mark::Makeup, name)) => Kind::Makeup(name),
            None if is_weekend(date) => Kind::Weekend,
            None => Kind::Workday,
        }
    }

    /// Working days strictly before ordinal0 `idx`.
    fn before(&self, idx: usize) -> u16 {
        if idx == 0 { 0 } else { self.worked[idx - 1] }
    }
}

/// Borrowed day classification used in the hot loops.
#[derive(Debug, Clone, Copy)]
enum Kind<'a> {
    Workday,
    Makeup(&'a str),
    Weekend,
    Holiday(&'a str),
}

impl Kind<'_> {
    fn is_workday(self) -> bool {
        matches!(self, Kind::Workday | Kind::Makeup(_))
    }
}

/// The working-day calendar: a set of validated year schedules, imported or provisional.
#[derive(Debug, Clone, Default)]
pub struct Calendar {
    years: BTreeMap<i32, YearIndex>,
    /// The last year a provisional schedule may be computed for; `None`: none are.
    provisional_until: Option<i32>,
}

impl Calendar {
    /// An empty calendar (every date is an unknown year).
    pub fn new() -> Self {
        Self::default()
    }

    /// The calendar built from the shipped files (2020–2026). An error here is
    /// a bug in the shipped data; the test suite parses every shipped file.
    pub fn shipped() -> Result<Self, ScheduleError> {
        let mut cal = Self::new();
        for (_, text) in SHIPPED_SCHEDULES {
            cal.insert_year(YearSchedule::parse(text)?);
        }
        Ok(cal)
    }

    /// A calendar from schedules; a later schedule for the same year replaces
    /// an earlier one.
    pub fn from_schedules(schedules: impl IntoIterator<Item = YearSchedule>) -> Self {
        let mut cal = Self::new();
        for s in schedules {
            cal.insert_year(s);
        }
        cal
    }

    /// Builder form of [`Calendar::insert_year`].
    pub fn with_year(mut self, schedule: YearSchedule) -> Self {
        self.insert_year(schedule);
        self
    }

    /// Add a year, or replace it (also a provisional one); returns the replaced imported
    /// schedule.
    pub fn insert_year(&mut self, schedule: YearSchedule) -> Option<YearSchedule> {
        self.years
            .insert(schedule.year(), YearIndex::new(schedule, false))
            .filter(|old| !old.provisional)
            .map(|old| old.schedule)
    }

    /// Remove an imported year; returns its schedule. Within the provisional horizon the year
    /// becomes provisional again.
    pub fn remove_year(&mut self, year: i32) -> Option<YearSchedule> {
        let removed = match self.years.get(&year) {
            Some(y) if !y.provisional => self.years.remove(&year).map(|y| y.schedule),
            _ => None,
        };
        if let Some(until) = self.provisional_until {
            self.fill_provisional(until);
        }
        removed
    }

    /// Compute a provisional schedule, by the statutory rule, for every year from the first
    /// imported one (and never before the first shipped year) to `last` that has no imported
    /// schedule. Earlier years stay unknown: the platform does not reach back before its data.
    pub fn with_provisional_until(mut self, last: i32) -> Self {
        self.fill_provisional(last);
        self
    }

    fn fill_provisional(&mut self, last: i32) {
        self.provisional_until = Some(last);
        // Never before the first shipped year: an administrator's import of an older year does
        // not make the years between it and 2020 provisional (they stay errors).
        let Some(first) = self
            .known_years()
            .first()
            .map(|y| (*y).max(SHIPPED_SCHEDULES[0].0))
        else {
            return;
        };
        self.years.retain(|y, idx| !idx.provisional || *y <= last);
        for year in first..=last.min(MAX_YEAR) {
            if self.years.contains_key(&year) {
                continue;
            }
            match provisional::schedule(year) {
                Ok(s) => {
                    self.years.insert(year, YearIndex::new(s, true));
                }
                // Only a year the rule cannot describe gets here; it stays unknown.
                Err(e) => tracing::error!(year, error = %e, "provisional holiday year"),
            }
        }
    }

    /// The schedule of `year`, imported or provisional.
    pub fn schedule(&self, year: i32) -> Option<&YearSchedule> {
        self.years.get(&year).map(|y| &y.schedule)
    }

    /// Years with an imported (or shipped) schedule, ascending.
    pub fn known_years(&self) -> Vec<i32> {
        self.years
            .iter()
            .filter(|(_, y)| !y.provisional)
            .map(|(year, _)| *year)
            .collect()
    }

    /// Years computed provisionally, ascending.
    pub fn provisional_years(&self) -> Vec<i32> {
        self.years
            .iter()
            .filter(|(_, y)| y.provisional)
            .map(|(year, _)| *year)
            .collect()
    }

    /// Whether `year`'s schedule is imported (or shipped).
    pub fn is_known_year(&self, year: i32) -> bool {
        self.years.get(&year).is_some_and(|y| !y.provisional)
    }

    /// Whether `year` is computed provisionally.
    pub fn is_provisional_year(&self, year: i32) -> bool {
        self.years.get(&year).is_some_and(|y| y.provisional)
    }

    /// The year administrators should import now, if any: from 1 November of
    /// year Y, `Some(Y + 1)` when Y+1 is not known. If the current year Y
    /// itself is not known, `Some(Y)` at any time of the year.
    pub fn missing_year_warning(&self, today: NaiveDate) -> Option<i32> {
        let y = today.year();
        if !self.is_known_year(y) {
            return Some(y);
        }
        (today.month() >= 11 && !self.is_known_year(y + 1)).then_some(y + 1)
    }

    fn year(&self, year: i32) -> Result<&YearIndex, CalendarError> {
        self.years
            .get(&year)
            .ok_or(CalendarError::UnknownYear(year))
    }

    fn classify(&self, date: NaiveDate) -> Result<Kind<'_>, CalendarError> {
        Ok(self.year(date.year())?.kind(date))
    }

    /// As [`Calendar::classify`], noting a provisional year in the computation.
    fn classify_for(
        &self,
        c: &mut Computation,
        date: NaiveDate,
    ) -> Result<Kind<'_>, CalendarError> {
        let year = self.year(date.year())?;
        if year.provisional && c.provisional_years.last() != Some(&date.year()) {
            c.provisional_years.push(date.year());
        }
        Ok(year.kind(date))
    }

    /// The kind of `date`.
    pub fn day_kind(&self, date: NaiveDate) -> Result<DayKind, CalendarError> {
        Ok(match self.classify(date)? {
            Kind::Workday => DayKind::Workday,
            Kind::Makeup(h) => DayKind::MakeupWorkday {
                holiday: h.to_owned(),
            },
            Kind::Weekend => DayKind::Weekend,
            Kind::Holiday(h) => DayKind::Holiday { name: h.to_owned() },
        })
    }

    /// Whether `date` is a working day.
    pub fn is_workday(&self, date: NaiveDate) -> Result<bool, CalendarError> {
        Ok(self.classify(date)?.is_workday())
    }

    /// "N个工作日" from `start` (not counted): the N-th working day after
    /// `start`. `n = 0` gives `due = start` without looking at the calendar.
    pub fn add_workdays(&self, start: NaiveDate, n: u32) -> Result<Computation, CalendarError> {
        self.compute(start, Period::WorkingDays(n), &[])
    }

    /// "N日" from `start` (not counted): `start + n` days, rolled forward to
    /// the next working day when that day is a rest day or holiday. `n = 0`
    /// gives `due = start` (no roll-forward, no calendar lookup).
    pub fn add_days(&self, start: NaiveDate, n: u32) -> Result<Computation, CalendarError> {
        self.compute(start, Period::Days(n), &[])
    }

    /// "N个月": the corresponding day of the final month, or its last day when
    /// it has none; optionally rolled forward. `n = 0` gives `due = start`.
    pub fn add_months(
        &self,
        start: NaiveDate,
        n: u32,
        roll_forward: bool,
    ) -> Result<Computation, CalendarError> {
        self.compute(start, Period::Months { n, roll_forward }, &[])
    }

    /// "N年" (= 12·N months, so 29 February maps to 28 February in common
    /// years); optionally rolled forward. `n = 0` gives `due = start`.
    pub fn add_years(
        &self,
        start: NaiveDate,
        n: u32,
        roll_forward: bool,
    ) -> Result<Computation, CalendarError> {
        self.compute(start, Period::Years { n, roll_forward }, &[])
    }

    /// Apply `period` from `start`, not counting the days inside `excluded`
    /// (e.g. suspensions):
    /// - working days inside an excluded span do not count;
    /// - calendar days (and, for months/years, the calendar days added to the
    ///   corresponding day) inside an excluded span do not count, so the end
    ///   moves later by exactly the excluded days within the running period;
    /// - a roll-forward moves to the first working day not inside an excluded
    ///   span.
    ///
    /// Spans before `start` or after the end are irrelevant. An amount of zero
    /// gives `due = start`.
    pub fn compute(
        &self,
        start: NaiveDate,
        period: Period,
        excluded: &[Span],
    ) -> Result<Computation, CalendarError> {
        let spans = merge_spans(excluded)?;
        let mut c = Computation::trivial(start, period);
        if period.is_zero() {
            return Ok(c);
        }
        match period {
            Period::WorkingDays(n) => {
                self.walk_workdays(&mut c, n, &spans)?;
            }
            Period::Days(n) => {
                c.period_end = walk_calendar_days(&mut c, i64::from(n), &spans)?;
                self.settle(&mut c, &spans, true)?;
            }
            Period::Months { n, roll_forward } => {
                self.months(&mut c, n, roll_forward, &spans)?;
            }
            Period::Years { n, roll_forward } => {
                let months = n.checked_mul(12).ok_or(CalendarError::DateOverflow)?;
                self.months(&mut c, months, roll_forward, &spans)?;
            }
            Period::Until(named) => {
                // The named day itself is the last day; suspended days push it later. A date
                // on or before the start is kept as named (the office chose it).
                c.period_end = if named > start {
                    walk_calendar_days(&mut c, (named - start).num_days(), &spans)?
                } else {
                    named
                };
                c.due = c.period_end;
            }
        }
        Ok(c)
    }

    /// The due date alone, without the explanation: the same result as
    /// [`Calendar::compute`] without excluded spans, but for working-day and
    /// calendar-day periods found by binary search over per-year counts of
    /// working days, so it costs no allocation and no walk (used in bulk).
    pub fn due_date(&self, start: NaiveDate, period: Period) -> Result<NaiveDate, CalendarError> {
        match period {
            _ if period.is_zero() => Ok(start),
            Period::WorkingDays(n) => {
                let first = start.succ_opt().ok_or(CalendarError::DateOverflow)?;
                self.nth_workday_from(first, n)
            }
            Period::Days(n) => {
                let end = start
                    .checked_add_days(Days::new(u64::from(n)))
                    .ok_or(CalendarError::DateOverflow)?;
                self.nth_workday_from(end, 1)
            }
            _ => self.compute(start, period, &[]).map(|c| c.due),
        }
    }

    /// The first working day on or after `date` (the date itself when it is one).
    pub fn next_workday(&self, date: NaiveDate) -> Result<NaiveDate, CalendarError> {
        self.nth_workday_from(date, 1)
    }

    /// The `n`-th working day (n ≥ 1) counting `from` itself.
    fn nth_workday_from(&self, from: NaiveDate, n: u32) -> Result<NaiveDate, CalendarError> {
        let mut year = from.year();
        let mut idx = from.ordinal0() as usize;
        let mut left = n;
        loop {
            let y = self
                .years
                .get(&year)
                .ok_or(CalendarError::UnknownYear(year))?;
            let base = u32::from(y.before(idx));
            let total = u32::from(y.worked.last().copied().unwrap_or(0));
            if base + left <= total {
                let target = base + left;
                let pos = y.worked.partition_point(|w| u32::from(*w) < target);
                let jan1 =
                    NaiveDate::from_ymd_opt(year, 1, 1).ok_or(CalendarError::DateOverflow)?;
                return jan1
                    .checked_add_days(Days::new(pos as u64))
                    .ok_or(CalendarError::DateOverflow);
            }
            left -= total - base;
            year = year.checked_add(1).ok_or(CalendarError::DateOverflow)?;
            idx = 0;
        }
    }

    /// Number of working days in `(a, b]`; zero when `b <= a`.
    pub fn workdays_between(&self, a: NaiveDate, b: NaiveDate) -> Result<u32, CalendarError> {
        self.workdays_between_excluding(a, b, &[])
    }

    /// Number of working days in `(a, b]` outside the `excluded` spans; zero
    /// when `b <= a`.
    pub fn workdays_between_excluding(
        &self,
        a: NaiveDate,
        b: NaiveDate,
        excluded: &[Span],
    ) -> Result<u32, CalendarError> {
        let spans = merge_spans(excluded)?;
        let mut count = 0u32;
        let mut d = a;
        let mut si = 0;
        while d < b {
            d = d.succ_opt().ok_or(CalendarError::DateOverflow)?;
            while si < spans.len() && spans[si].last < d {
                si += 1;
            }
            if si < spans.len() && spans[si].first <= d {
                continue;
            }
            if self.classify(d)?.is_workday() {
                count += 1;
            }
        }
        Ok(count)
    }

    fn walk_workdays(
        &self,
        c: &mut Computation,
        n: u32,
        spans: &[Span],
    ) -> Result<(), CalendarError> {
        let mut d = c.start;
        let mut counted = 0u32;
        let mut si = 0;
        while counted < n {
            d = d.succ_opt().ok_or(CalendarError::DateOverflow)?;
            while si < spans.len() && spans[si].last < d {
                si += 1;
            }
            let kind = self.classify_for(c, d)?;
            if si < spans.len() && spans[si].first <= d {
                push_excluded(&mut c.excluded_spans, d);
                if kind.is_workday() {
                    c.excluded_count += 1;
                }
                continue;
            }
            match kind {
                Kind::Workday => counted += 1,
                Kind::Makeup(name) => {
                    counted += 1;
                    c.counted_makeup_days.push((d, name.to_owned()));
                }
                Kind::Weekend => c.skipped_weekends += 1,
                Kind::Holiday(name) => c.skipped_holidays.push((d, name.to_owned())),
            }
        }
        c.period_end = d;
        c.due = d;
        Ok(())
    }

    fn months(
        &self,
        c: &mut Computation,
        months: u32,
        roll_forward: bool,
        spans: &[Span],
    ) -> Result<(), CalendarError> {
        let corresponding = c
            .start
            .checked_add_months(Months::new(months))
            .ok_or(CalendarError::DateOverflow)?;
        c.corresponding_day = Some(corresponding);
        c.month_end_clamped = corresponding.day() != c.start.day();
        let len = (corresponding - c.start).num_days();
        c.period_end = walk_calendar_days(c, len, spans)?;
        self.settle(c, spans, roll_forward)
    }

    /// Set `due` from `period_end`, rolling forward if asked.
    fn settle(
        &self,
        c: &mut Computation,
        spans: &[Span],
        roll_forward: bool,
    ) -> Result<(), CalendarError> {
        c.due = c.period_end;
        if !roll_forward {
            return Ok(());
        }
        let mut d = c.period_end;
        loop {
            if spans.iter().any(|s| s.contains(d)) {
                push_excluded(&mut c.excluded_spans, d);
            } else {
                match self.classify_for(c, d)? {
                    Kind::Workday => break,
                    Kind::Makeup(name) => {
                        if d == c.period_end {
                            c.counted_makeup_days.push((d, name.to_owned()));
                        }
                        break;
                    }
                    Kind::Weekend => c.skipped_weekends += 1,
                    Kind::Holiday(name) => c.skipped_holidays.push((d, name.to_owned())),
                }
            }
            d = d.succ_opt().ok_or(CalendarError::DateOverflow)?;
        }
        if d != c.period_end {
            c.rolled_forward_from = Some(c.period_end);
        }
        c.due = d;
        Ok(())
    }
}

/// Sort, validate and merge overlapping or adjacent spans.
fn merge_spans(spans: &[Span]) -> Result<Vec<Span>, CalendarError> {
    let mut sorted = Vec::with_capacity(spans.len());
    for s in spans {
        if s.last < s.first {
            return Err(CalendarError::InvalidSpan {
                first: s.first,
                last: s.last,
            });
        }
        sorted.push(*s);
    }
    sorted.sort_by_key(|s| s.first);
    let mut merged: Vec<Span> = Vec::with_capacity(sorted.len());
    for s in sorted {
        match merged.last_mut() {
            Some(prev) if prev.last.succ_opt().is_none_or(|next| s.first <= next) => {
                prev.last = prev.last.max(s.last);
            }
            _ => merged.push(s),
        }
    }
    Ok(merged)
}

fn push_excluded(spans: &mut Vec<Span>, d: NaiveDate) {
    if let Some(last) = spans.last_mut()
        && last.last.succ_opt() == Some(d)
    {
        last.last = d;
        return;
    }
    spans.push(Span::new(d, d));
}

/// Count `len` calendar days after `c.start`, skipping the (merged, sorted)
/// excluded spans; returns the last counted day. `len` must be positive.
fn walk_calendar_days(
    c: &mut Computation,
    len: i64,
    spans: &[Span],
) -> Result<NaiveDate, CalendarError> {
    let first_counted = c.start.succ_opt().ok_or(CalendarError::DateOverflow)?;
    let mut remaining = len;
    let mut cur = c.start;
    for s in spans {
        if s.last < first_counted {
            continue;
        }
        let first = s.first.max(first_counted);
        let gap = (first - cur).num_days() - 1;
        if remaining <= gap {
            break;
        }
        remaining -= gap;
        c.excluded_spans.push(Span::new(first, s.last));
        let days = (s.last - first).num_days() + 1;
        c.excluded_count = c
            .excluded_count
            .saturating_add(u32::try_from(days).unwrap_or(u32::MAX));
        cur = s.last;
    }
    let remaining = u64::try_from(remaining).map_err(|_| CalendarError::DateOverflow)?;
    cur.checked_add_days(Days::new(remaining))
        .ok_or(CalendarError::DateOverflow)
}
