//! A provisional holiday year: computed from 《全国年节及纪念日放假办法》 for a year whose State
//! Council notice is not imported yet, so that clocks keep running across the year end.
//!
//! Pure: the lunar dates and the 清明 solar term come from `tyme4rs` (6tail's calendar library,
//! checked against two independent Python libraries for 2020–2056 in the tests). The notice
//! itself cannot be predicted: it also moves weekends around (调休上班), which a provisional year
//! never has. Every result that touches a provisional year says so (`Computation::provisional_years`)
//! and is recomputed when the notice is imported (`calendar::store::save_year`).

use chrono::{Datelike, Days, NaiveDate};
use tyme4rs::tyme::lunar::LunarDay;
use tyme4rs::tyme::solar::SolarTerm;

use super::schedule::{HolidayBlock, ScheduleError, YearSchedule, is_weekend};

/// The version of 《全国年节及纪念日放假办法》 that governs a year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatutoryRule {
    /// The 2013 revision (国务院令第644号), in force 2014-01-01 to 2024-12-31: 春节 3 days from
    /// 正月初一, 劳动节 1 day.
    Revision2013,
    /// The 2024 revision (国务院令第795号), in force 2025-01-01: 春节 4 days from 除夕, 劳动节 2 days.
    Revision2024,
}

impl StatutoryRule {
    /// The first year the provisional rule can describe: the 2013 revision's first year.
    pub const FIRST_YEAR: i32 = 2014;

    /// The rule in force in `year`, or `None` before 2014.
    pub fn for_year(year: i32) -> Option<Self> {
        match year {
            y if y >= 2025 => Some(Self::Revision2024),
            y if y >= Self::FIRST_YEAR => Some(Self::Revision2013),
            _ => None,
        }
    }

    /// The rule's name as cited in explanations.
    pub fn citation(self) -> &'static str {
        match self {
            Self::Revision2013 => "《全国年节及纪念日放假办法》（2013年修订）",
            Self::Revision2024 => "《全国年节及纪念日放假办法》（2024年修订）",
        }
    }
}

/// The `source` of every provisional schedule: what it is and why.
pub fn source_text(year: i32, rule: StatutoryRule) -> String {
    format!(
        "暂定：{year}年部分节假日安排的通知尚未导入，按{}推算（法定节假日适逢周六、周日的，在其后的工作日补假；不含调休上班日）",
        rule.citation()
    )
}

fn date(y: i32, m: u32, d: u32) -> Result<NaiveDate, ScheduleError> {
    NaiveDate::from_ymd_opt(y, m, d).ok_or(ScheduleError::YearOutOfRange(y))
}

fn from_lunar(year: i32, month: isize, day: usize) -> Result<NaiveDate, ScheduleError> {
    let solar = LunarDay::new(year as isize, month, day)
        .map_err(|_| ScheduleError::YearOutOfRange(year))?
        .get_solar_day();
    date(
        solar.get_year() as i32,
        solar.get_month() as u32,
        solar.get_day() as u32,
    )
}

/// The festival dates of one Gregorian year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Festivals {
    /// 除夕: the last day of the lunar year that ends in this year (January or February).
    pub chuxi: NaiveDate,
    /// 正月初一.
    pub chunjie: NaiveDate,
    /// The 清明 solar term.
    pub qingming: NaiveDate,
    /// 农历五月初五.
    pub duanwu: NaiveDate,
    /// 农历八月十五.
    pub zhongqiu: NaiveDate,
}

impl Festivals {
    /// The festival dates of `year`.
    pub fn of(year: i32) -> Result<Self, ScheduleError> {
        let chunjie = from_lunar(year, 1, 1)?;
        let chuxi = chunjie
            .pred_opt()
            .ok_or(ScheduleError::YearOutOfRange(year))?;
        // tyme4rs numbers the terms from 冬至 (0, in December of the year before); 清明 is 7.
        let term = SolarTerm::from_index(year as isize, 7).get_solar_day();
        let qingming = date(
            term.get_year() as i32,
            term.get_month() as u32,
            term.get_day() as u32,
        )?;
        Ok(Self {
            chuxi,
            chunjie,
            qingming,
            duanwu: from_lunar(year, 5, 5)?,
            zhongqiu: from_lunar(year, 8, 15)?,
        })
    }
}

/// One holiday with its statutory days (by the rule) and how many extra weekdays it owes.
struct Statutory {
    name: &'static str,
    days: Vec<NaiveDate>,
    /// A day that is two holidays at once (中秋 on 1–3 October) still owes a day off.
    extra_owed: usize,
}

fn consecutive(first: NaiveDate, n: u64) -> Vec<NaiveDate> {
    (0..n)
        .filter_map(|i| first.checked_add_days(Days::new(i)))
        .collect()
}

fn statutory(year: i32, rule: StatutoryRule) -> Result<Vec<Statutory>, ScheduleError> {
    let f = Festivals::of(year)?;
    let (spring, labour) = match rule {
        StatutoryRule::Revision2013 => (consecutive(f.chunjie, 3), 1),
        StatutoryRule::Revision2024 => (consecutive(f.chuxi, 4), 2),
    };
    let one = |name, d| Statutory {
        name,
        days: vec![d],
        extra_owed: 0,
    };
    let mut out = vec![
        one("元旦", date(year, 1, 1)?),
        Statutory {
            name: "春节",
            days: spring,
            extra_owed: 0,
        },
        one("清明节", f.qingming),
        Statutory {
            name: "劳动节",
            days: consecutive(date(year, 5, 1)?, labour),
            extra_owed: 0,
        },
        one("端午节", f.duanwu),
    ];
    let national = consecutive(date(year, 10, 1)?, 3);
    let joins_national = (date(year, 9, 30)?..=date(year, 10, 4)?).contains(&f.zhongqiu);
    if joins_national {
        // One block of four statutory days; a day that is both holidays counts once and the
        // block owes the day it lost.
        let mut days = national;
        let coincides = days.contains(&f.zhongqiu);
        if !coincides {
            days.push(f.zhongqiu);
            days.sort();
        }
        out.push(Statutory {
            name: "国庆节、中秋节",
            days,
            extra_owed: usize::from(coincides),
        });
    } else {
        out.push(one("中秋节", f.zhongqiu));
        out.push(Statutory {
            name: "国庆节",
            days: national,
            extra_owed: 0,
        });
    }
    out.sort_by_key(|s| s.days.first().copied());
    Ok(out)
}

/// The provisional schedule of `year` by the rule in force that year. Art. 6: a statutory day
/// that falls on a Saturday or Sunday is made up (补假) on a working day; here on the first
/// weekdays after the block, which grows to include the weekend days it spans. No make-up
/// working days (调休上班): only the notice can set those.
pub fn schedule(year: i32) -> Result<YearSchedule, ScheduleError> {
    let rule = StatutoryRule::for_year(year).ok_or(ScheduleError::YearOutOfRange(year))?;
    let holidays = statutory(year, rule)?;
    // A make-up day never lands on another holiday's own statutory day (中秋 a few days after
    // 国庆, for instance): that day stays the other holiday's, and the walk goes on past it.
    let all_statutory: Vec<NaiveDate> = holidays.iter().flat_map(|h| h.days.clone()).collect();
    let mut taken: Vec<NaiveDate> = Vec::new();
    let mut blocks = Vec::new();
    for h in holidays {
        let mut days: Vec<NaiveDate> = h
            .days
            .iter()
            .filter(|d| !taken.contains(d))
            .copied()
            .collect();
        let mut owed = h.days.iter().filter(|d| is_weekend(**d)).count() + h.extra_owed;
        let mut d = *h
            .days
            .last()
            .ok_or(ScheduleError::EmptyName(blocks.len() + 1))?;
        while owed > 0 {
            d = d.succ_opt().ok_or(ScheduleError::YearOutOfRange(year))?;
            if d.year() != year {
                // Never reached with the statutory dates (the last block is 国庆), but stay
                // inside the schedule's year whatever they are.
                break;
            }
            if taken.contains(&d) || days.contains(&d) || all_statutory.contains(&d) {
                continue;
            }
            days.push(d);
            if !is_weekend(d) {
                owed -= 1;
            }
        }
        days.sort();
        taken.extend(days.iter().copied());
        let note = format!("暂定：按{}推算", rule.citation());
        blocks.push(HolidayBlock::new(h.name, days, Vec::new()).with_note(note));
    }
    YearSchedule::new(year, source_text(year, rule), None, blocks)
}

#[cfg(test)]
mod tests {
    use chrono::{Datelike, NaiveDate, Weekday};

    use super::*;
    use crate::calendar::{Calendar, CalendarError, DayKind, Period};

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    /// The oracle: borax and lunar_python, which agree on every row (testdata/lunar_oracle.py).
    fn oracle() -> Vec<(i32, Festivals)> {
        include_str!("testdata/lunar_oracle.tsv")
            .lines()
            .filter(|l| !l.starts_with('#') && !l.starts_with("year"))
            .map(|l| {
                let f: Vec<&str> = l.split('\t').collect();
                let year = f[0].parse().expect("year");
                (
                    year,
                    Festivals {
                        chuxi: d(f[1]),
                        chunjie: d(f[2]),
                        qingming: d(f[3]),
                        duanwu: d(f[4]),
                        zhongqiu: d(f[5]),
                    },
                )
            })
            .collect()
    }

    #[test]
    fn lunar_dates_and_qingming_agree_with_an_independent_source_2020_to_2056() {
        let rows = oracle();
        assert_eq!(rows.len(), 37);
        for (year, expected) in rows {
            assert_eq!(Festivals::of(year).expect("festivals"), expected, "{year}");
        }
    }

    #[test]
    fn the_rule_in_force_by_year() {
        assert_eq!(StatutoryRule::for_year(2013), None);
        assert_eq!(
            StatutoryRule::for_year(2014),
            Some(StatutoryRule::Revision2013)
        );
        assert_eq!(
            StatutoryRule::for_year(2024),
            Some(StatutoryRule::Revision2013)
        );
        assert_eq!(
            StatutoryRule::for_year(2025),
            Some(StatutoryRule::Revision2024)
        );
    }

    fn days_off(s: &YearSchedule) -> Vec<NaiveDate> {
        s.blocks().iter().flat_map(|b| b.days().to_vec()).collect()
    }

    /// Every provisional day off of a year is a day off in the State Council's published
    /// notice: the rule never invents a holiday. 2025–2026 under the 2024 revision, 2020–2024
    /// under the 2013 one.
    #[test]
    fn every_provisional_holiday_is_a_holiday_in_the_published_notice() {
        let shipped = Calendar::shipped().expect("shipped");
        for year in 2020..=2026 {
            let provisional = schedule(year).expect("provisional");
            for day in days_off(&provisional) {
                assert!(
                    matches!(shipped.day_kind(day), Ok(DayKind::Holiday { .. })),
                    "{year}: provisional holiday {day} is not a holiday in the notice"
                );
            }
        }
    }

    /// The statutory days themselves, by the revision in force: 13 under the 2024 revision, 11
    /// under the 2013 one, each with at least as many days off as statutory days.
    #[test]
    fn statutory_days_by_revision() {
        for year in 2014..=2056 {
            let rule = StatutoryRule::for_year(year).expect("rule");
            let s = statutory(year, rule).expect("statutory");
            let total: usize = s.iter().map(|h| h.days.len() + h.extra_owed).sum();
            let want = match rule {
                StatutoryRule::Revision2013 => 11,
                StatutoryRule::Revision2024 => 13,
            };
            assert_eq!(total, want, "{year}");
            let sched = schedule(year).expect("schedule");
            assert_eq!(
                sched.makeup_day_count(),
                0,
                "{year}: no 调休 in a provisional year"
            );
            // Each statutory day off on a weekday, plus one weekday for each that fell on a
            // weekend (art. 6): the weekdays off equal the statutory total.
            let weekdays_off = days_off(&sched).iter().filter(|d| !is_weekend(**d)).count();
            assert_eq!(weekdays_off, want, "{year}: weekdays off");
        }
    }

    #[test]
    fn spring_festival_2027_runs_from_chuxi_for_four_days() {
        let s = schedule(2027).expect("2027");
        let spring = s
            .blocks()
            .iter()
            .find(|b| b.name() == "春节")
            .expect("春节");
        // 除夕 Fri 5 Feb; 初一 Sat 6 and 初二 Sun 7 are weekend days, owed on Tue 9 and Wed 10
        // after 初三 Mon 8.
        assert_eq!(
            spring.days(),
            &[
                d("2027-02-05"),
                d("2027-02-06"),
                d("2027-02-07"),
                d("2027-02-08"),
                d("2027-02-09"),
                d("2027-02-10")
            ]
        );
        assert!(s.source().starts_with("暂定"));
    }

    #[test]
    fn a_weekend_holiday_is_made_up_on_the_next_weekday() {
        // 2027: 1 May is a Saturday and 2 May a Sunday: made up on Mon 3 and Tue 4 May.
        let s = schedule(2027).expect("2027");
        let labour = s
            .blocks()
            .iter()
            .find(|b| b.name() == "劳动节")
            .expect("劳动节");
        assert_eq!(d("2027-05-01").weekday(), Weekday::Sat);
        assert_eq!(
            labour.days(),
            &[
                d("2027-05-01"),
                d("2027-05-02"),
                d("2027-05-03"),
                d("2027-05-04")
            ]
        );
        // 国庆 2027: Fri 1, Sat 2, Sun 3 October; owes two weekdays: Mon 4 and Tue 5.
        let national = s
            .blocks()
            .iter()
            .find(|b| b.name() == "国庆节")
            .expect("国庆节");
        assert_eq!(national.days().last(), Some(&d("2027-10-05")));
        assert_eq!(national.days().len(), 5);
    }

    #[test]
    fn mid_autumn_in_early_october_joins_national_day() {
        // 2028: 中秋 is Tue 3 October, also a 国庆 day: counts once, the block owes one more
        // weekday. Sun 1 Oct is a weekend statutory day: owed too. Block 1–5 October.
        let f = Festivals::of(2028).expect("2028");
        assert_eq!(f.zhongqiu, d("2028-10-03"));
        let s = schedule(2028).expect("2028");
        let joint = s
            .blocks()
            .iter()
            .find(|b| b.name() == "国庆节、中秋节")
            .expect("joint block");
        assert_eq!(
            joint.days(),
            &[
                d("2028-10-01"),
                d("2028-10-02"),
                d("2028-10-03"),
                d("2028-10-04"),
                d("2028-10-05")
            ]
        );
        assert!(!s.blocks().iter().any(|b| b.name() == "中秋节"));
        // 2031: 中秋 is 1 October too.
        let s = schedule(2031).expect("2031");
        assert!(s.blocks().iter().any(|b| b.name() == "国庆节、中秋节"));
    }

    #[test]
    fn a_clock_from_december_2026_into_2027_is_provisional_and_says_why() {
        let cal = Calendar::shipped()
            .expect("shipped")
            .with_provisional_until(2056);
        // 000 §8: 20 working days from 10 December 2026.
        let c = cal
            .compute(d("2026-12-10"), Period::WorkingDays(20), &[])
            .expect("computes");
        // 11–31 Dec 2026: 15 working days; then 1 Jan 2027 (元旦, Fri) off; 4–8 Jan: 5 more.
        assert_eq!(c.due, d("2027-01-08"));
        assert_eq!(c.provisional_years, vec![2027]);
        let text = c.explain_zh();
        assert!(text.contains("暂定"), "{text}");
        assert!(
            text.contains("2027年部分节假日安排的通知尚未导入"),
            "{text}"
        );
        // A clock wholly inside 2026 is not provisional.
        let c = cal
            .compute(d("2026-11-02"), Period::WorkingDays(5), &[])
            .expect("computes");
        assert!(!c.is_provisional());
        assert!(!c.explain_zh().contains("暂定"));
        // Calendar days that end in 2027 look only at 2027's days when rolling forward.
        let c = cal
            .compute(d("2026-12-29"), Period::Days(3), &[])
            .expect("computes");
        // 1 January 2027 is 元旦: rolls forward to Monday 4 January (2–3 are a weekend).
        assert_eq!(c.due, d("2027-01-04"));
        assert!(c.is_provisional());
    }

    #[test]
    fn limits_before_the_first_year_and_past_the_horizon() {
        let cal = Calendar::shipped()
            .expect("shipped")
            .with_provisional_until(2056);
        assert!(cal.is_known_year(2026));
        assert!(!cal.is_known_year(2027));
        assert!(cal.is_provisional_year(2027));
        assert!(cal.is_provisional_year(2056));
        assert_eq!(
            cal.is_workday(d("2057-01-05")),
            Err(CalendarError::UnknownYear(2057))
        );
        assert_eq!(
            cal.is_workday(d("2019-06-03")),
            Err(CalendarError::UnknownYear(2019))
        );
        // An imported year before the shipped ones does not make the years up to 2020
        // provisional.
        let older = YearSchedule::parse(
            "year = 2010\nsource = \"旧通知\"\n\n[[holidays]]\nname = \"元旦\"\ndays = [\"2010-01-01\"]\n",
        )
        .expect("2010");
        let with_older = cal.clone().with_year(older).with_provisional_until(2056);
        assert!(with_older.is_known_year(2010));
        assert!(!with_older.is_provisional_year(2015));
        assert_eq!(
            with_older.is_workday(d("2015-10-01")),
            Err(CalendarError::UnknownYear(2015))
        );
        // Shipped data wins over the rule: 4 January 2026 is a make-up working day (Sunday).
        assert_eq!(cal.is_workday(d("2026-01-04")), Ok(true));
        assert!(!cal.is_provisional_year(2026));
    }

    #[test]
    fn importing_a_year_replaces_its_provisional_schedule_and_removing_restores_it() {
        let mut cal = Calendar::shipped()
            .expect("shipped")
            .with_provisional_until(2056);
        let text = "year = 2027\nsource = \"国务院办公厅关于2027年部分节假日安排的通知\"\n\n[[holidays]]\nname = \"春节\"\ndays = [\"2027-02-05\", \"2027-02-06\", \"2027-02-07\", \"2027-02-08\", \"2027-02-09\", \"2027-02-10\", \"2027-02-11\", \"2027-02-12\"]\nmakeup_workdays = [\"2027-02-20\"]\n";
        let s = YearSchedule::parse(text).expect("parse");
        assert_eq!(
            cal.insert_year(s),
            None,
            "a provisional year is not returned"
        );
        assert!(cal.is_known_year(2027));
        assert_eq!(cal.is_workday(d("2027-02-20")), Ok(true), "调休上班");
        assert!(cal.remove_year(2027).is_some());
        assert!(cal.is_provisional_year(2027));
        assert_eq!(cal.is_workday(d("2027-02-20")), Ok(false));
    }
}
