//! The clock an operation reads the time from. Steps and storage never read the wall clock
//! themselves: they take the instant from the operation's context (`context::Ctx::clock`,
//! carried into transactions on `audit::Who::at`), so the server can be run, and tested, as if
//! it were another day (`SHUANGDA_TODAY`, docs/configuration.md).

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};

use crate::db::time;

/// The wall clock, or the wall clock shifted to another day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clock {
    /// Added to the wall clock; zero for the system clock.
    offset: TimeDelta,
    /// The Beijing date the clock was set to, if it was.
    on: Option<NaiveDate>,
}

impl Clock {
    /// The real time.
    pub fn system() -> Clock {
        Clock {
            offset: TimeDelta::zero(),
            on: None,
        }
    }

    /// A clock that starts at 10:00 Beijing time on `date` and runs on from there at the speed
    /// of the wall clock, so that timestamps taken one after another still increase.
    pub fn on(date: NaiveDate) -> Clock {
        Clock::on_from(date, Utc::now())
    }

    /// As `on`, with the wall clock's reading given (for tests of the clock itself).
    fn on_from(date: NaiveDate, wall: DateTime<Utc>) -> Clock {
        let start = date
            .and_hms_opt(10, 0, 0)
            .and_then(|t| t.and_local_timezone(time::beijing()).single())
            .map(|t| t.with_timezone(&Utc));
        match start {
            Some(start) => Clock {
                offset: start - wall,
                on: Some(date),
            },
            // Only dates at the very ends of chrono's range get here.
            None => Clock::system(),
        }
    }

    /// The date the clock was set to with `on`, or `None` for the system clock.
    pub fn set_to(&self) -> Option<NaiveDate> {
        self.on
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.reading(Utc::now())
    }

    /// What the clock reads when the wall clock reads `wall`.
    fn reading(&self, wall: DateTime<Utc>) -> DateTime<Utc> {
        wall + self.offset
    }

    /// The current instant as stored (`time::to_text`: UTC, fixed width).
    pub fn now_text(&self) -> String {
        time::to_text(self.now())
    }

    /// Today's date in Beijing.
    pub fn today(&self) -> NaiveDate {
        time::beijing_date(self.now())
    }
}

impl Default for Clock {
    fn default() -> Self {
        Clock::system()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("date")
    }

    #[test]
    fn a_set_clock_starts_at_ten_in_beijing_and_runs_on() {
        let wall = time::parse("2026-12-03T01:00:00Z").expect("wall");
        let c = Clock::on_from(date(2026, 6, 15), wall);
        assert_eq!(c.set_to(), Some(date(2026, 6, 15)));
        // 10:00 in Beijing is 02:00 UTC.
        let start = time::parse("2026-06-15T02:00:00Z").expect("start");
        assert_eq!(c.reading(wall), start);
        let later = wall + TimeDelta::minutes(90) + TimeDelta::microseconds(7);
        assert_eq!(
            c.reading(later),
            start + TimeDelta::minutes(90) + TimeDelta::microseconds(7)
        );
        assert_eq!(time::beijing_date(c.reading(later)), date(2026, 6, 15));
    }

    #[test]
    fn readings_increase_and_keep_the_stored_width() {
        let c = Clock::on(date(2026, 6, 15));
        let (a, b) = (c.now(), c.now());
        assert!(a <= b);
        assert_eq!(c.now_text().len(), "2026-06-15T02:00:00.000000Z".len());
    }

    #[test]
    fn the_last_day_of_the_year_stays_in_its_year() {
        let wall = time::parse("2026-06-15T12:00:00Z").expect("wall");
        let c = Clock::on_from(date(2026, 12, 31), wall);
        // Fourteen hours later it is still the 31st in Beijing, not yet the next year.
        let evening = c.reading(wall + TimeDelta::hours(13) + TimeDelta::minutes(59));
        assert_eq!(time::beijing_date(evening), date(2026, 12, 31));
    }

    #[test]
    fn the_system_clock_is_not_set() {
        assert_eq!(Clock::system().set_to(), None);
        assert_eq!(Clock::default(), Clock::system());
    }
}
