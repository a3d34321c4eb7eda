use std::sync::OnceLock;

use chrono::{Datelike, NaiveDate, Weekday};
use proptest::prelude::*;

use super::*;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).expect("valid test date")
}

fn cal() -> &'static Calendar {
    static CAL: OnceLock<Calendar> = OnceLock::new();
    CAL.get_or_init(|| Calendar::shipped().expect("shipped holiday files must parse"))
}

fn due_wd(start: NaiveDate, n: u32) -> NaiveDate {
    cal().add_workdays(start, n).expect("computable").due
}

fn holiday(name: &str) -> DayKind {
    DayKind::Holiday {
        name: name.to_owned(),
    }
}

fn makeup(name: &str) -> DayKind {
    DayKind::MakeupWorkday {
        holiday: name.to_owned(),
    }
}

// ---------------------------------------------------------------- shipped data

#[test]
fn shipped_files_parse_and_cover_2020_to_2026() {
    for (year, text) in SHIPPED_SCHEDULES {
        let s = YearSchedule::parse(text).unwrap_or_else(|e| panic!("{year}: {e}"));
        assert_eq!(s.year(), year);
        assert!(s.source().starts_with("国务院办公厅关于"), "{year}");
        assert!(s.source().contains("国办发明电〔"), "{year}");
        assert!(s.source().contains(&format!("{year}年")), "{year}");
    }
    assert_eq!(cal().known_years(), (2020..=2026).collect::<Vec<_>>());
}

#[test]
fn make_up_days_are_weekends_and_never_holidays() {
    for year in cal().known_years() {
        let s = cal().schedule(year).expect("known");
        for b in s.blocks() {
            for m in b.makeup_workdays() {
                assert!(is_weekend(*m), "{m} in {year}");
                assert_eq!(cal().day_kind(*m).expect("known"), makeup(b.name()));
            }
            for h in b.days() {
                assert_eq!(cal().day_kind(*h).expect("known"), holiday(b.name()));
            }
        }
    }
}

#[test]
fn holiday_blocks_are_contiguous() {
    for year in cal().known_years() {
        for b in cal().schedule(year).expect("known").blocks() {
            for w in b.days().windows(2) {
                assert_eq!(w[0].succ_opt(), Some(w[1]), "{} {}", year, b.name());
            }
        }
    }
}

/// Totals per year: (year, days off, make-up days, weekday days off minus
/// make-up days). The last figure is the statutory entitlement that falls on
/// working days: 11 days until 2024, 13 from 2025 (国务院令第795号); 2020 has
/// 2 more through the Spring Festival extension (31 January, a Friday, and the
/// cancelled make-up day of 1 February).
#[test]
fn yearly_totals_are_plausible() {
    let expected = [
        (2020, 30, 6, 13),
        (2021, 31, 7, 11),
        (2022, 32, 7, 11),
        (2023, 26, 7, 11),
        (2024, 28, 8, 11),
        (2025, 28, 5, 13),
        (2026, 33, 6, 13),
    ];
    for (year, days, makeups, net) in expected {
        let s = cal().schedule(year).expect("known");
        assert_eq!(s.holiday_day_count(), days, "{year}");
        assert_eq!(s.makeup_day_count(), makeups, "{year}");
        let weekday_off = s
            .blocks()
            .iter()
            .flat_map(|b| b.days())
            .filter(|d| !is_weekend(**d))
            .count();
        assert_eq!(weekday_off - makeups, net, "{year}");
    }
}

/// Each block gives exactly its statutory entitlement once make-up days are
/// netted out: 春节 3 (4 from 2025), 劳动节 1 (2 from 2025), 国庆节 3,
/// combined 中秋/国庆 4, the others 1.
#[test]
fn each_block_nets_its_statutory_days() {
    for year in cal().known_years() {
        for b in cal().schedule(year).expect("known").blocks() {
            let weekday_off = b.days().iter().filter(|d| !is_weekend(**d)).count();
            let net = weekday_off - b.makeup_workdays().len();
            let expected = match b.name() {
                "春节" if year == 2020 => 5, // extension
                "春节" if year >= 2025 => 4,
                "春节" => 3,
                "劳动节" if year >= 2025 => 2,
                "劳动节" => 1,
                "国庆节" => 3,
                "国庆节、中秋节" | "中秋节、国庆节" => 4,
                "元旦" if b.days() == [d(2022, 12, 31)] => 0, // Saturday, 2023's block
                _ => 1,
            };
            assert_eq!(net, expected, "{year} {}", b.name());
        }
    }
}

#[test]
fn traditional_festival_days_fall_inside_their_blocks() {
    let festivals = [
        // 农历正月初一
        (d(2020, 1, 25), "春节"),
        (d(2021, 2, 12), "春节"),
        (d(2022, 2, 1), "春节"),
        (d(2023, 1, 22), "春节"),
        (d(2024, 2, 10), "春节"),
        (d(2025, 1, 29), "春节"),
        (d(2026, 2, 17), "春节"),
        // 清明
        (d(2020, 4, 4), "清明节"),
        (d(2021, 4, 4), "清明节"),
        (d(2022, 4, 5), "清明节"),
        (d(2023, 4, 5), "清明节"),
        (d(2024, 4, 4), "清明节"),
        (d(2025, 4, 4), "清明节"),
        (d(2026, 4, 5), "清明节"),
        // 端午 (五月初五)
        (d(2020, 6, 25), "端午节"),
        (d(2021, 6, 14), "端午节"),
        (d(2022, 6, 3), "端午节"),
        (d(2023, 6, 22), "端午节"),
        (d(2024, 6, 10), "端午节"),
        (d(2025, 5, 31), "端午节"),
        (d(2026, 6, 19), "端午节"),
        // 中秋 (八月十五)
        (d(2020, 10, 1), "中秋节"),
        (d(2021, 9, 21), "中秋节"),
        (d(2022, 9, 10), "中秋节"),
        (d(2023, 9, 29), "中秋节"),
        (d(2024, 9, 17), "中秋节"),
        (d(2025, 10, 6), "中秋节"),
        (d(2026, 9, 25), "中秋节"),
    ];
    for (date, festival) in festivals {
        match cal().day_kind(date).expect("known") {
            DayKind::Holiday { name } => assert!(name.contains(festival), "{date}: {name}"),
            other => panic!("{date} should be {festival}, is {other:?}"),
        }
    }
    for y in 2020..=2026 {
        for (m, day, name) in [(1, 1, "元旦"), (5, 1, "劳动节"), (10, 1, "国庆节")] {
            match cal().day_kind(d(y, m, day)).expect("known") {
                DayKind::Holiday { name: n } => assert!(n.contains(name), "{y}-{m}-{day}"),
                other => panic!("{y}-{m}-{day}: {other:?}"),
            }
        }
    }
}

#[test]
fn spring_festival_2020_extension() {
    let c = cal();
    for day in [d(2020, 1, 31), d(2020, 2, 1), d(2020, 2, 2)] {
        assert_eq!(c.day_kind(day).expect("known"), holiday("春节"));
    }
    assert_eq!(c.day_kind(d(2020, 1, 19)).expect("known"), makeup("春节"));
    assert_eq!(c.day_kind(d(2020, 2, 3)).expect("known"), DayKind::Workday);
    assert!(
        c.schedule(2020)
            .expect("known")
            .source()
            .contains("国办发明电〔2020〕1号")
    );
}

#[test]
fn spot_checks() {
    let c = cal();
    // 除夕 2024 is only "encouraged" off: a working day.
    assert_eq!(c.day_kind(d(2024, 2, 9)).expect("known"), DayKind::Workday);
    assert_eq!(c.day_kind(d(2024, 2, 4)).expect("known"), makeup("春节"));
    assert_eq!(c.day_kind(d(2024, 2, 18)).expect("known"), makeup("春节"));
    // The 2023 New Year block begins in 2022.
    assert_eq!(c.day_kind(d(2022, 12, 31)).expect("known"), holiday("元旦"));
    assert_eq!(c.day_kind(d(2023, 1, 2)).expect("known"), holiday("元旦"));
    assert_eq!(c.day_kind(d(2025, 4, 27)).expect("known"), makeup("劳动节"));
    assert_eq!(c.day_kind(d(2026, 1, 4)).expect("known"), makeup("元旦"));
    assert_eq!(c.day_kind(d(2026, 2, 14)).expect("known"), makeup("春节"));
    assert_eq!(c.day_kind(d(2026, 2, 28)).expect("known"), makeup("春节"));
    assert_eq!(c.day_kind(d(2026, 9, 20)).expect("known"), makeup("国庆节"));
    assert_eq!(c.day_kind(d(2026, 3, 7)).expect("known"), DayKind::Weekend);
    assert_eq!(c.day_kind(d(2026, 3, 9)).expect("known"), DayKind::Workday);
    assert!(c.is_workday(d(2026, 2, 14)).expect("known"));
    assert!(!c.is_workday(d(2026, 2, 16)).expect("known"));
}

// ---------------------------------------------------------------- parsing

const SAMPLE: &str = r#"
year = 2027
source = "测试通知（测试〔2026〕1号）"

[[holidays]]
name = "元旦"
days = ["2027-01-01", "2027-01-02", "2027-01-03"]

[[holidays]]
name = "春节"
days = ["2027-02-06", "2027-02-07", "2027-02-08", "2027-02-09"]
makeup_workdays = ["2027-02-20"]
"#;

fn parse_err(text: &str) -> ScheduleError {
    YearSchedule::parse(text).expect_err("must be rejected")
}

#[test]
fn parse_sample_and_roundtrip() {
    let s = YearSchedule::parse(SAMPLE).expect("valid");
    assert_eq!(s.year(), 2027);
    assert_eq!(s.blocks().len(), 2);
    assert_eq!(s.blocks()[1].makeup_workdays(), &[d(2027, 2, 20)]);
    let again = YearSchedule::parse(&s.to_toml()).expect("export parses");
    assert_eq!(again, s);
}

#[test]
fn shipped_files_roundtrip_through_to_toml() {
    for year in cal().known_years() {
        let s = cal().schedule(year).expect("known");
        let text = s.to_toml();
        assert_eq!(&YearSchedule::parse(&text).expect("export parses"), s);
    }
}

#[test]
fn rejects_date_of_another_year() {
    let e = parse_err(&SAMPLE.replace("2027-01-03", "2026-01-03"));
    assert!(
        matches!(e, ScheduleError::WrongYear { year: 2027, .. }),
        "{e:?}"
    );
    let msg = e.to_string();
    assert!(msg.contains("第1项假期“元旦”"), "{msg}");
    assert!(msg.contains("2026年1月3日不属于2027年"), "{msg}");
}

#[test]
fn rejects_duplicate_date() {
    let e = parse_err(&SAMPLE.replace("\"2027-02-09\"]", "\"2027-02-09\", \"2027-02-06\"]"));
    assert!(matches!(e, ScheduleError::DuplicateDate { .. }), "{e:?}");
    assert!(e.to_string().contains("2027年2月6日重复出现"), "{e}");
    let e = parse_err(&SAMPLE.replace("\"2027-01-03\"]", "\"2027-01-03\", \"2027-02-07\"]"));
    assert!(e.to_string().contains("第2项假期“春节”"), "{e}");
}

#[test]
fn rejects_makeup_day_on_weekday() {
    // 2027-02-22 is a Monday.
    let e = parse_err(&SAMPLE.replace("2027-02-20", "2027-02-22"));
    assert!(matches!(e, ScheduleError::MakeupNotWeekend { .. }), "{e:?}");
    let msg = e.to_string();
    assert!(
        msg.contains("第2项假期“春节”的调休上班日2027年2月22日是星期一"),
        "{msg}"
    );
}

#[test]
fn rejects_holiday_that_is_also_makeup() {
    let e = parse_err(&SAMPLE.replace("2027-02-20", "2027-02-06"));
    assert!(matches!(e, ScheduleError::HolidayAndMakeup { .. }), "{e:?}");
    assert!(e.to_string().contains("不能既是放假日"), "{e}");
    // Reverse order: the make-up day is listed first.
    let text = format!("{SAMPLE}\n[[holidays]]\nname = \"国庆节\"\ndays = [\"2027-02-20\"]\n");
    let e = parse_err(&text);
    assert_eq!(
        e,
        ScheduleError::HolidayAndMakeup {
            date: d(2027, 2, 20),
            holiday_entry: "第3项假期“国庆节”".into(),
            makeup_entry: "第2项假期“春节”".into(),
        }
    );
}

#[test]
fn rejects_invalid_dates_and_fields() {
    let e = parse_err(&SAMPLE.replace("2027-02-09", "2027-02-30"));
    assert!(e.to_string().contains("“2027-02-30”无效"), "{e}");
    let e = parse_err(&SAMPLE.replace("2027-02-09", "2027-2-9"));
    assert!(matches!(e, ScheduleError::InvalidDate { .. }), "{e:?}");
    let e =
        parse_err(&SAMPLE.replace("source = \"测试通知（测试〔2026〕1号）\"", "source = \" \""));
    assert_eq!(e, ScheduleError::EmptySource);
    let e = parse_err(&SAMPLE.replace("name = \"春节\"", "name = \"\""));
    assert_eq!(e, ScheduleError::EmptyName(2));
    let e = parse_err(&SAMPLE.replace("year = 2027", "year = 1999"));
    assert_eq!(e, ScheduleError::YearOutOfRange(1999));
    let e = parse_err(&SAMPLE.replace("makeup_workdays", "makeup_days"));
    assert!(matches!(e, ScheduleError::Syntax(_)), "{e:?}");
    assert!(e.to_string().starts_with("节假日安排文件格式错误"), "{e}");
    assert_eq!(
        parse_err("year = 2027\nsource = \"x\"\n"),
        ScheduleError::NoHolidays,
        "an empty schedule would wipe a provisional year's holidays"
    );
    let e = parse_err("year = 2027\nsource = \"x\"\n[[holidays]]\nname = \"元旦\"\n");
    assert!(matches!(e, ScheduleError::EmptyEntry { .. }), "{e:?}");
    let e = parse_err("year = \"2027\"");
    assert!(matches!(e, ScheduleError::Syntax(_)), "{e:?}");
}

#[test]
fn schedule_new_sorts_and_validates() {
    let s = YearSchedule::new(
        2027,
        "测试",
        None,
        vec![
            HolidayBlock::new("元旦", vec![d(2027, 1, 2), d(2027, 1, 1)], vec![]).with_note("备注"),
        ],
    )
    .expect("valid");
    assert_eq!(s.blocks()[0].days(), &[d(2027, 1, 1), d(2027, 1, 2)]);
    assert_eq!(s.blocks()[0].note(), Some("备注"));
    let e = YearSchedule::new(
        2027,
        "测试",
        None,
        vec![HolidayBlock::new("元旦", vec![d(2028, 1, 1)], vec![])],
    )
    .expect_err("wrong year");
    assert!(matches!(e, ScheduleError::WrongYear { .. }));
}

// ---------------------------------------------------------------- calendar management

#[test]
fn unknown_years_are_errors_naming_the_year() {
    let c = cal();
    let e = c.day_kind(d(2019, 12, 31)).expect_err("2019 unknown");
    assert_eq!(e, CalendarError::UnknownYear(2019));
    assert_eq!(
        e.to_string(),
        "缺少2019年的节假日安排，且该年度不在可推算的范围内（早于已知的最早年度，或距今超过30年）"
    );
    let e = c.is_workday(d(2027, 1, 1)).expect_err("2027 unknown");
    assert_eq!(
        e.to_string(),
        "缺少2027年的节假日安排，且该年度不在可推算的范围内（早于已知的最早年度，或距今超过30年）"
    );
    assert_eq!(
        c.add_workdays(d(2026, 12, 25), 10).map(|x| x.due),
        Err(CalendarError::UnknownYear(2027))
    );
    assert_eq!(
        c.add_days(d(2026, 12, 25), 10).map(|x| x.due),
        Err(CalendarError::UnknownYear(2027))
    );
    assert_eq!(
        c.workdays_between(d(2026, 12, 1), d(2027, 1, 5)),
        Err(CalendarError::UnknownYear(2027))
    );
    // The uncounted start day is never looked up.
    assert_eq!(due_wd(d(2019, 12, 31), 1), d(2020, 1, 2));
    // Within 2026, no 2027 lookup is needed.
    assert_eq!(
        c.add_days(d(2026, 12, 20), 3).expect("ok").due,
        d(2026, 12, 23)
    );
}

#[test]
fn missing_year_warning() {
    let c = cal();
    assert_eq!(c.missing_year_warning(d(2026, 10, 31)), None);
    assert_eq!(c.missing_year_warning(d(2026, 11, 1)), Some(2027));
    assert_eq!(c.missing_year_warning(d(2026, 12, 31)), Some(2027));
    assert_eq!(c.missing_year_warning(d(2025, 11, 1)), None);
    assert_eq!(c.missing_year_warning(d(2027, 3, 1)), Some(2027));
    assert_eq!(
        Calendar::new().missing_year_warning(d(2026, 5, 1)),
        Some(2026)
    );
}

#[test]
fn add_and_replace_a_year() {
    let next = YearSchedule::parse(SAMPLE).expect("valid");
    let mut c = cal().clone().with_year(next.clone());
    assert_eq!(c.known_years().last(), Some(&2027));
    assert_eq!(c.missing_year_warning(d(2026, 11, 1)), None);
    assert_eq!(c.day_kind(d(2027, 2, 20)).expect("known"), makeup("春节"));
    // 2026-12-31 (Thu) + 1 working day: 1–3 January 2027 off → 4 January.
    assert_eq!(
        c.add_workdays(d(2026, 12, 31), 1).expect("ok").due,
        d(2027, 1, 4)
    );
    let replacement = YearSchedule::parse(&SAMPLE.replace(
        "days = [\"2027-01-01\", \"2027-01-02\", \"2027-01-03\"]",
        "days = [\"2027-01-01\"]",
    ))
    .expect("valid");
    assert_eq!(c.insert_year(replacement), Some(next));
    assert_eq!(c.day_kind(d(2027, 1, 2)).expect("known"), DayKind::Weekend);
    assert!(c.remove_year(2027).is_some());
    assert!(!c.is_known_year(2027));
    let only = Calendar::from_schedules([cal().schedule(2026).expect("known").clone()]);
    assert_eq!(only.known_years(), vec![2026]);
}

// ---------------------------------------------------------------- working days

/// `(start, n, due)` around every holiday block of 2020–2026: the day before a
/// block, starts on holidays and on make-up days, make-up days counted.
#[test]
fn working_days_around_every_holiday_block() {
    let cases = [
        // 2020
        ((2019, 12, 31), 1, (2020, 1, 2)),
        ((2020, 1, 17), 1, (2020, 1, 19)), // Sun 19 Jan make-up
        ((2020, 1, 19), 1, (2020, 1, 20)), // start on a make-up day
        ((2020, 1, 23), 1, (2020, 2, 3)),  // Spring Festival incl. extension
        ((2020, 1, 27), 1, (2020, 2, 3)),  // start on a holiday
        ((2020, 1, 23), 2, (2020, 2, 4)),
        ((2020, 4, 3), 1, (2020, 4, 7)),
        ((2020, 4, 24), 1, (2020, 4, 26)),
        ((2020, 4, 30), 1, (2020, 5, 6)),
        ((2020, 4, 30), 4, (2020, 5, 9)),
        ((2020, 6, 24), 1, (2020, 6, 28)),
        ((2020, 9, 30), 1, (2020, 10, 9)),
        ((2020, 9, 30), 2, (2020, 10, 10)),
        ((2020, 9, 30), 3, (2020, 10, 12)),
        // 2021
        ((2020, 12, 31), 1, (2021, 1, 4)),
        ((2021, 2, 5), 1, (2021, 2, 7)),
        ((2021, 2, 5), 4, (2021, 2, 10)),
        ((2021, 2, 5), 5, (2021, 2, 18)),
        ((2021, 2, 5), 7, (2021, 2, 20)),
        ((2021, 4, 2), 1, (2021, 4, 6)),
        ((2021, 4, 30), 1, (2021, 5, 6)),
        ((2021, 5, 7), 1, (2021, 5, 8)),
        ((2021, 6, 11), 1, (2021, 6, 15)),
        ((2021, 9, 17), 1, (2021, 9, 18)),
        ((2021, 9, 17), 2, (2021, 9, 22)),
        ((2021, 9, 30), 1, (2021, 10, 8)),
        ((2021, 9, 30), 2, (2021, 10, 9)),
        // 2022
        ((2021, 12, 31), 1, (2022, 1, 4)),
        ((2022, 1, 28), 1, (2022, 1, 29)),
        ((2022, 1, 28), 2, (2022, 1, 30)),
        ((2022, 1, 28), 3, (2022, 2, 7)),
        ((2022, 4, 1), 1, (2022, 4, 2)),
        ((2022, 4, 1), 2, (2022, 4, 6)),
        ((2022, 4, 22), 1, (2022, 4, 24)),
        ((2022, 4, 29), 1, (2022, 5, 5)),
        ((2022, 6, 2), 1, (2022, 6, 6)),
        ((2022, 9, 9), 1, (2022, 9, 13)),
        ((2022, 9, 30), 1, (2022, 10, 8)),
        ((2022, 9, 30), 2, (2022, 10, 9)),
        ((2022, 9, 30), 3, (2022, 10, 10)),
        ((2022, 12, 30), 1, (2023, 1, 3)),
        // 2023
        ((2023, 1, 20), 1, (2023, 1, 28)),
        ((2023, 1, 20), 2, (2023, 1, 29)),
        ((2023, 1, 20), 3, (2023, 1, 30)),
        ((2023, 4, 4), 1, (2023, 4, 6)),
        ((2023, 4, 21), 1, (2023, 4, 23)),
        ((2023, 4, 28), 1, (2023, 5, 4)),
        ((2023, 6, 21), 1, (2023, 6, 25)),
        ((2023, 9, 28), 1, (2023, 10, 7)),
        ((2023, 9, 28), 3, (2023, 10, 9)),
        // 2024
        ((2023, 12, 29), 1, (2024, 1, 2)),
        ((2024, 2, 2), 1, (2024, 2, 4)),
        ((2024, 2, 8), 1, (2024, 2, 9)), // 除夕 is a working day
        ((2024, 2, 8), 2, (2024, 2, 18)),
        ((2024, 2, 8), 3, (2024, 2, 19)),
        ((2024, 2, 12), 1, (2024, 2, 18)), // start on a holiday
        ((2024, 4, 3), 1, (2024, 4, 7)),
        ((2024, 4, 26), 1, (2024, 4, 28)),
        ((2024, 4, 30), 1, (2024, 5, 6)),
        ((2024, 4, 30), 6, (2024, 5, 11)),
        ((2024, 6, 7), 1, (2024, 6, 11)),
        ((2024, 9, 13), 1, (2024, 9, 14)),
        ((2024, 9, 13), 2, (2024, 9, 18)),
        ((2024, 9, 27), 1, (2024, 9, 29)),
        ((2024, 9, 27), 2, (2024, 9, 30)),
        ((2024, 9, 27), 3, (2024, 10, 8)),
        ((2024, 10, 11), 1, (2024, 10, 12)),
        // 2025
        ((2024, 12, 31), 1, (2025, 1, 2)),
        ((2025, 1, 24), 1, (2025, 1, 26)),
        ((2025, 1, 24), 2, (2025, 1, 27)),
        ((2025, 1, 24), 3, (2025, 2, 5)),
        ((2025, 2, 7), 1, (2025, 2, 8)),
        ((2025, 4, 3), 1, (2025, 4, 7)),
        ((2025, 4, 25), 1, (2025, 4, 27)),
        ((2025, 4, 30), 1, (2025, 5, 6)),
        ((2025, 5, 9), 1, (2025, 5, 12)), // no make-up on 10 May 2025
        ((2025, 5, 30), 1, (2025, 6, 3)),
        ((2025, 9, 26), 1, (2025, 9, 28)),
        ((2025, 9, 30), 1, (2025, 10, 9)),
        ((2025, 9, 30), 3, (2025, 10, 11)),
        ((2025, 12, 30), 5, (2026, 1, 7)),
        // 2026
        ((2026, 1, 1), 1, (2026, 1, 4)), // start on a holiday, make-up Sunday
        ((2026, 1, 4), 1, (2026, 1, 5)), // start on a make-up day
        ((2026, 2, 12), 1, (2026, 2, 13)),
        ((2026, 2, 13), 1, (2026, 2, 14)),
        ((2026, 2, 13), 2, (2026, 2, 24)),
        ((2026, 2, 13), 5, (2026, 2, 27)),
        ((2026, 2, 27), 1, (2026, 2, 28)),
        ((2026, 4, 3), 1, (2026, 4, 7)),
        ((2026, 4, 30), 1, (2026, 5, 6)),
        ((2026, 4, 30), 4, (2026, 5, 9)),
        ((2026, 6, 18), 1, (2026, 6, 22)),
        ((2026, 9, 18), 1, (2026, 9, 20)),
        ((2026, 9, 24), 1, (2026, 9, 28)),
        ((2026, 9, 30), 1, (2026, 10, 8)),
        ((2026, 9, 30), 2, (2026, 10, 9)),
        ((2026, 9, 30), 3, (2026, 10, 10)),
        ((2026, 9, 30), 4, (2026, 10, 12)),
    ];
    for ((sy, sm, sd), n, (ey, em, ed)) in cases {
        let start = d(sy, sm, sd);
        assert_eq!(
            due_wd(start, n),
            d(ey, em, ed),
            "{start} + {n} working days"
        );
        assert_eq!(cal().workdays_between(start, d(ey, em, ed)), Ok(n));
    }
}

#[test]
fn spring_festival_2026_explained() {
    let c = cal().add_workdays(d(2026, 2, 13), 5).expect("ok");
    assert_eq!(c.due, d(2026, 2, 27));
    assert_eq!(c.skipped_holidays.len(), 9);
    assert_eq!(
        c.counted_makeup_days,
        vec![(d(2026, 2, 14), "春节".to_owned())]
    );
    assert_eq!(c.skipped_weekends, 0);
    assert_eq!(c.rolled_forward_from, None);
    assert_eq!(
        c.explain_zh(),
        "自2026年2月13日（不计当日）起算5个工作日，跳过春节假期2月15日至2月23日（共9天），\
         计入调休上班日2月14日（春节调休），届满日为2026年2月27日。"
    );
}

#[test]
fn across_year_end_2025_2026() {
    let c = cal().add_workdays(d(2025, 12, 30), 5).expect("ok");
    assert_eq!(c.due, d(2026, 1, 7));
    assert_eq!(
        c.counted_makeup_days,
        vec![(d(2026, 1, 4), "元旦".to_owned())]
    );
    let text = c.explain_zh();
    assert!(
        text.contains("跳过元旦假期2026年1月1日至2026年1月3日（共3天）"),
        "{text}"
    );
    assert!(
        text.contains("计入调休上班日2026年1月4日（元旦调休）"),
        "{text}"
    );
    assert!(text.ends_with("届满日为2026年1月7日。"), "{text}");
}

#[test]
fn new_year_2023_block_spans_two_files() {
    let c = cal().add_workdays(d(2022, 12, 29), 2).expect("ok");
    assert_eq!(c.due, d(2023, 1, 3));
    let text = c.explain_zh();
    assert!(
        text.contains("元旦假期12月31日至2023年1月2日（共3天）"),
        "{text}"
    );
}

#[test]
fn weekends_only_explanation() {
    let c = cal().add_workdays(d(2026, 3, 6), 1).expect("ok");
    assert_eq!(c.due, d(2026, 3, 9));
    assert_eq!(c.skipped_weekends, 2);
    assert_eq!(
        c.explain_zh(),
        "自2026年3月6日（不计当日）起算1个工作日，跳过周末2天，届满日为2026年3月9日。"
    );
}

#[test]
fn zero_amount_means_due_on_start() {
    let c = cal();
    let holiday_start = d(2026, 2, 16);
    for comp in [
        c.add_workdays(holiday_start, 0),
        c.add_days(holiday_start, 0),
        c.add_months(holiday_start, 0, true),
        c.add_years(holiday_start, 0, true),
    ] {
        let comp = comp.expect("zero never fails");
        assert_eq!(comp.due, holiday_start);
        assert!(comp.explain_zh().contains("期限为零"));
    }
    // No lookup at all, even in an unknown year.
    assert_eq!(
        c.add_workdays(d(2030, 1, 1), 0).map(|x| x.due),
        Ok(d(2030, 1, 1))
    );
}

#[test]
fn workdays_between_edge_cases() {
    let c = cal();
    assert_eq!(c.workdays_between(d(2026, 2, 27), d(2026, 2, 13)), Ok(0));
    assert_eq!(c.workdays_between(d(2026, 2, 13), d(2026, 2, 13)), Ok(0));
    assert_eq!(c.workdays_between(d(2025, 12, 31), d(2026, 1, 4)), Ok(1));
    assert_eq!(
        c.workdays_between_excluding(
            d(2026, 3, 1),
            d(2026, 3, 31),
            &[Span::new(d(2026, 3, 9), d(2026, 3, 13))]
        ),
        Ok(17)
    );
    assert_eq!(
        c.workdays_between_excluding(
            d(2026, 3, 1),
            d(2026, 3, 31),
            &[Span::new(d(2026, 3, 13), d(2026, 3, 9))]
        ),
        Err(CalendarError::InvalidSpan {
            first: d(2026, 3, 13),
            last: d(2026, 3, 9)
        })
    );
}

#[test]
fn yearly_working_days_match_published_counts() {
    let expected = [
        (2020, 249),
        (2021, 250),
        (2022, 249),
        (2023, 249),
        (2024, 251),
        (2025, 248),
        (2026, 248),
    ];
    for (year, n) in expected {
        assert_eq!(
            cal().workdays_between(d(year - 1, 12, 31), d(year, 12, 31)),
            Ok(n),
            "{year}"
        );
    }
}

// ---------------------------------------------------------------- calendar days

#[test]
fn days_ending_on_a_holiday_roll_forward() {
    let c = cal().add_days(d(2026, 2, 10), 5).expect("ok");
    assert_eq!(c.period_end, d(2026, 2, 15));
    assert_eq!(c.due, d(2026, 2, 24));
    assert_eq!(c.rolled_forward_from, Some(d(2026, 2, 15)));
    assert_eq!(c.skipped_holidays.len(), 9);
    assert_eq!(
        c.explain_zh(),
        "自2026年2月10日（不计当日）起算5日，期间最后一日为2026年2月15日，该日为春节假期，\
         顺延至其后第一个工作日，跳过春节假期2月15日至2月23日（共9天），届满日为2026年2月24日。"
    );
}

#[test]
fn days_ending_on_a_weekend_roll_forward() {
    let c = cal().add_days(d(2026, 3, 2), 5).expect("ok");
    assert_eq!(c.period_end, d(2026, 3, 7));
    assert_eq!(c.due, d(2026, 3, 9));
    assert_eq!(c.skipped_weekends, 2);
    let text = c.explain_zh();
    assert!(
        text.contains("该日为周末休息日，顺延至其后第一个工作日，跳过周末2天"),
        "{text}"
    );
}

#[test]
fn days_ending_on_a_makeup_day_do_not_roll() {
    let c = cal().add_days(d(2026, 1, 1), 3).expect("ok");
    assert_eq!(c.due, d(2026, 1, 4));
    assert_eq!(c.rolled_forward_from, None);
    assert!(
        c.explain_zh()
            .contains("该日为调休上班日（元旦调休），无需顺延")
    );
    assert_eq!(
        cal().add_days(d(2024, 2, 8), 10).expect("ok").due,
        d(2024, 2, 18)
    );
}

#[test]
fn days_table() {
    let cases = [
        ((2020, 1, 20), 10, (2020, 2, 3)),
        ((2020, 9, 25), 10, (2020, 10, 9)),
        ((2021, 9, 10), 10, (2021, 9, 22)),
        ((2022, 12, 21), 10, (2023, 1, 3)),
        ((2023, 6, 14), 10, (2023, 6, 25)),
        ((2024, 5, 1), 10, (2024, 5, 11)),
        ((2025, 9, 23), 10, (2025, 10, 9)),
        ((2025, 12, 22), 10, (2026, 1, 4)),
        ((2026, 4, 25), 10, (2026, 5, 6)),
        ((2026, 3, 2), 3, (2026, 3, 5)),
    ];
    for ((sy, sm, sd), n, (ey, em, ed)) in cases {
        let start = d(sy, sm, sd);
        assert_eq!(
            cal().add_days(start, n).expect("ok").due,
            d(ey, em, ed),
            "{start} + {n} days"
        );
    }
}

// ---------------------------------------------------------------- months and years

#[test]
fn two_year_rule_and_29_february() {
    let c = cal();
    let a = c.add_years(d(2022, 2, 28), 2, false).expect("ok");
    assert_eq!(a.due, d(2024, 2, 28));
    assert!(!a.month_end_clamped);
    let b = c.add_years(d(2024, 2, 29), 2, false).expect("ok");
    assert_eq!(b.due, d(2026, 2, 28));
    assert!(b.month_end_clamped);
    let text = b.explain_zh();
    assert!(
        text.contains("到期月没有对应日，以月末日2026年2月28日为期间最后一日"),
        "{text}"
    );
    assert!(text.contains("不因节假日顺延"), "{text}");
    // Duration tests need no holiday data.
    assert_eq!(
        c.add_years(d(2024, 2, 29), 4, false).map(|x| x.due),
        Ok(d(2028, 2, 29))
    );
    assert_eq!(
        c.add_years(d(2024, 2, 29), 4, true).map(|x| x.due),
        Err(CalendarError::UnknownYear(2028))
    );
    // 28 February 2026 is a Saturday but a make-up working day: no roll.
    let rolled = c.add_years(d(2024, 2, 29), 2, true).expect("ok");
    assert_eq!(rolled.due, d(2026, 2, 28));
    assert_eq!(rolled.rolled_forward_from, None);
}

#[test]
fn months_roll_forward_is_a_parameter() {
    let c = cal();
    assert_eq!(
        c.add_months(d(2025, 12, 15), 2, false).expect("ok").due,
        d(2026, 2, 15)
    );
    let rolled = c.add_months(d(2025, 12, 15), 2, true).expect("ok");
    assert_eq!(rolled.due, d(2026, 2, 24));
    assert_eq!(rolled.rolled_forward_from, Some(d(2026, 2, 15)));
    let text = rolled.explain_zh();
    assert!(
        text.contains("到期月的对应日为2026年2月15日，该日为春节假期"),
        "{text}"
    );
    assert_eq!(
        c.add_months(d(2026, 1, 31), 1, false).expect("ok").due,
        d(2026, 2, 28)
    );
    assert_eq!(
        c.add_months(d(2020, 3, 31), 1, true).expect("ok").due,
        d(2020, 4, 30)
    );
    assert_eq!(
        c.add_months(d(2026, 1, 10), 1, true).expect("ok").due,
        d(2026, 2, 10)
    );
    assert_eq!(
        c.add_years(d(2024, 10, 1), 1, true).expect("ok").due,
        d(2025, 10, 9)
    );
    assert_eq!(
        c.add_years(d(2024, 10, 1), 1, false).expect("ok").due,
        d(2025, 10, 1)
    );
}

#[test]
fn absurd_inputs_do_not_panic() {
    let c = cal();
    let s = d(2026, 1, 1);
    assert_eq!(
        c.add_workdays(s, u32::MAX).map(|x| x.due),
        Err(CalendarError::UnknownYear(2027))
    );
    assert_eq!(
        c.add_days(s, u32::MAX).map(|x| x.due),
        Err(CalendarError::DateOverflow)
    );
    assert_eq!(
        c.add_months(s, u32::MAX, false).map(|x| x.due),
        Err(CalendarError::DateOverflow)
    );
    assert_eq!(
        c.add_years(s, u32::MAX, false).map(|x| x.due),
        Err(CalendarError::DateOverflow)
    );
    assert_eq!(
        c.add_days(NaiveDate::MAX, 1).map(|x| x.due),
        Err(CalendarError::DateOverflow)
    );
    assert_eq!(
        c.add_workdays(NaiveDate::MAX, 1).map(|x| x.due),
        Err(CalendarError::DateOverflow)
    );
    assert_eq!(
        c.workdays_between(NaiveDate::MIN, NaiveDate::MAX),
        Err(CalendarError::UnknownYear(NaiveDate::MIN.year()))
    );
}

// ---------------------------------------------------------------- exclusions

#[test]
fn excluded_spans_push_working_day_deadlines() {
    let c = cal();
    let spans = [Span::new(d(2026, 3, 5), d(2026, 3, 10))];
    let comp = c
        .compute(d(2026, 3, 2), Period::WorkingDays(10), &spans)
        .expect("ok");
    assert_eq!(comp.due, d(2026, 3, 20));
    assert_eq!(comp.excluded_count, 4);
    assert_eq!(comp.excluded_spans, spans.to_vec());
    assert!(
        comp.explain_zh()
            .contains("不计入期间3月5日至3月10日内的4个工作日")
    );
    // A span after the due date is irrelevant; one before the start too.
    let later = [Span::new(d(2026, 3, 17), d(2026, 3, 20))];
    assert_eq!(
        c.compute(d(2026, 3, 2), Period::WorkingDays(10), &later)
            .expect("ok")
            .due,
        d(2026, 3, 16)
    );
    let earlier = [Span::new(d(2026, 2, 1), d(2026, 3, 2))];
    assert_eq!(
        c.compute(d(2026, 3, 2), Period::WorkingDays(10), &earlier)
            .expect("ok")
            .due,
        d(2026, 3, 16)
    );
}

#[test]
fn excluded_spans_push_calendar_day_deadlines() {
    let c = cal();
    let spans = [Span::new(d(2026, 3, 5), d(2026, 3, 7))];
    let comp = c
        .compute(d(2026, 3, 2), Period::Days(10), &spans)
        .expect("ok");
    assert_eq!(comp.period_end, d(2026, 3, 15));
    assert_eq!(comp.due, d(2026, 3, 16));
    assert_eq!(comp.excluded_count, 3);
    let months = c
        .compute(
            d(2026, 3, 2),
            Period::Months {
                n: 1,
                roll_forward: false,
            },
            &[Span::new(d(2026, 3, 10), d(2026, 3, 19))],
        )
        .expect("ok");
    assert_eq!(months.corresponding_day, Some(d(2026, 4, 2)));
    assert_eq!(months.due, d(2026, 4, 12));
    // Overlapping and adjacent spans merge.
    let merged = c
        .compute(
            d(2026, 3, 2),
            Period::Days(10),
            &[
                Span::new(d(2026, 3, 6), d(2026, 3, 7)),
                Span::new(d(2026, 3, 5), d(2026, 3, 6)),
                Span::new(d(2026, 3, 8), d(2026, 3, 8)),
            ],
        )
        .expect("ok");
    assert_eq!(merged.period_end, d(2026, 3, 16));
    assert_eq!(
        merged.excluded_spans,
        vec![Span::new(d(2026, 3, 5), d(2026, 3, 8))]
    );
}

#[test]
fn period_display() {
    assert_eq!(Period::WorkingDays(5).to_string(), "5个工作日");
    assert_eq!(Period::Days(3).to_string(), "3日");
    assert_eq!(
        Period::Months {
            n: 6,
            roll_forward: true
        }
        .to_string(),
        "6个月"
    );
    assert_eq!(
        Period::Years {
            n: 2,
            roll_forward: false
        }
        .to_string(),
        "2年"
    );
    assert_eq!(Period::Days(3).checked_add(2), Some(Period::Days(5)));
    assert_eq!(Period::Days(u32::MAX).checked_add(1), None);
}

#[test]
fn weekday_names() {
    assert_eq!(weekday_zh(Weekday::Sat), "星期六");
    assert_eq!(d(2026, 2, 14).weekday(), Weekday::Sat);
}

// ---------------------------------------------------------------- properties

const FIRST: NaiveDate = match NaiveDate::from_ymd_opt(2020, 1, 1) {
    Some(x) => x,
    None => NaiveDate::MIN,
};

fn span_days() -> i64 {
    (d(2026, 10, 31) - FIRST).num_days()
}

fn naive_add_workdays(
    start: NaiveDate,
    n: u32,
    spans: &[Span],
) -> Result<NaiveDate, CalendarError> {
    let mut day = start;
    let mut counted = 0;
    while counted < n {
        day = day.succ_opt().ok_or(CalendarError::DateOverflow)?;
        let excluded = spans.iter().any(|s| s.contains(day));
        if cal().is_workday(day)? && !excluded {
            counted += 1;
        }
    }
    Ok(day)
}

proptest! {
    #[test]
    fn prop_due_date_fast_path_agrees(offset in 0..=span_days() + 60, n in 0u32..400, days in proptest::bool::ANY) {
        let start = d(2020, 1, 1) + chrono::Days::new(offset as u64);
        let period = if days { Period::Days(n) } else { Period::WorkingDays(n) };
        let slow = cal().compute(start, period, &[]).map(|c| c.due);
        prop_assert_eq!(cal().due_date(start, period), slow);
    }
}

proptest! {
    #[test]
    fn prop_add_workdays(offset in 0..=span_days(), n in 0u32..60) {
        let start = FIRST + chrono::Days::new(offset as u64);
        let c = cal();
        let got = c.add_workdays(start, n).map(|x| x.due);
        prop_assert_eq!(got.clone(), naive_add_workdays(start, n, &[]));
        if let Ok(due) = got {
            if n > 0 {
                prop_assert!(c.is_workday(due)?);
                prop_assert!(due > start);
            } else {
                prop_assert_eq!(due, start);
            }
            prop_assert_eq!(c.workdays_between(start, due)?, n);
            if let Ok(next) = c.add_workdays(start, n + 1) {
                prop_assert!(next.due > due);
            }
        }
    }

    #[test]
    fn prop_add_days(offset in 0..=span_days(), n in 0u32..60) {
        let start = FIRST + chrono::Days::new(offset as u64);
        let c = cal();
        if let Ok(comp) = c.add_days(start, n) {
            let nominal = start + chrono::Days::new(u64::from(n));
            prop_assert_eq!(comp.period_end, nominal);
            if n == 0 {
                prop_assert_eq!(comp.due, start);
            } else {
                prop_assert!(comp.due >= nominal);
                prop_assert!(c.is_workday(comp.due)?);
                // The roll-forward stops at the first working day.
                let mut day = nominal;
                while day < comp.due {
                    prop_assert!(!c.is_workday(day)?);
                    day = day.succ_opt().ok_or(CalendarError::DateOverflow)?;
                }
            }
        } else {
            prop_assert!(start >= d(2026, 9, 1));
        }
    }

    #[test]
    fn prop_excluded_span_working_days(
        offset in 0..=span_days(),
        n in 1u32..60,
        span_start in 0i64..60,
        span_len in 0i64..30,
    ) {
        let start = FIRST + chrono::Days::new(offset as u64);
        let first = start + chrono::Days::new(span_start as u64);
        let spans = [Span::new(first, first + chrono::Days::new(span_len as u64))];
        let c = cal();
        let got = c.compute(start, Period::WorkingDays(n), &spans).map(|x| x.due);
        prop_assert_eq!(got.clone(), naive_add_workdays(start, n, &spans));
        if let Ok(due) = got {
            prop_assert_eq!(c.workdays_between_excluding(start, due, &spans)?, n);
        }
    }

    #[test]
    fn prop_excluded_span_calendar_days(
        offset in 0..=span_days(),
        n in 1u32..60,
        span_start in 0i64..60,
        span_len in 0i64..30,
    ) {
        let start = FIRST + chrono::Days::new(offset as u64);
        let first = start + chrono::Days::new(span_start as u64);
        let spans = [Span::new(first, first + chrono::Days::new(span_len as u64))];
        if let Ok(comp) = cal().compute(start, Period::Days(n), &spans) {
            let mut counted = 0u32;
            let mut day = start;
            while day < comp.period_end {
                day = day.succ_opt().ok_or(CalendarError::DateOverflow)?;
                if !spans[0].contains(day) {
                    counted += 1;
                }
            }
            prop_assert_eq!(counted, n);
            prop_assert!(!spans[0].contains(comp.period_end));
            prop_assert!(!spans[0].contains(comp.due));
        }
    }
}

/// Pages show stored dates as officials write them (issue #20), never as 2026-12-02.
#[test]
fn stored_dates_read_as_chinese_dates() {
    assert_eq!(super::date_zh("2026-12-02"), "2026年12月2日");
    assert_eq!(super::date_zh(String::from("2027-01-08")), "2027年1月8日");
    assert_eq!(
        super::date_zh(chrono::NaiveDate::from_ymd_opt(2026, 10, 1).expect("date")),
        "2026年10月1日"
    );
    // Text that is not a date passes through.
    assert_eq!(super::date_zh("待定"), "待定");
}

/// History texts written before dates were written out, and those built in SQL, read as
/// people write them on the page (issue #20).
#[test]
fn dates_inside_a_text_read_as_chinese_dates() {
    assert_eq!(
        super::dates_zh_in("因导入通知重新计算，届满日由2027-02-12变更为2027-02-15"),
        "因导入通知重新计算，届满日由2027年2月12日变更为2027年2月15日"
    );
    assert_eq!(super::dates_zh_in("2026-07-05前完成"), "2026年7月5日前完成");
    // Not a date: a timestamp, a longer number, an impossible day, a case number.
    for kept in [
        "2026-12-02T10:00:00Z",
        "12026-12-02",
        "2026-02-30",
        "案件编号2026-0001",
        "",
    ] {
        assert_eq!(super::dates_zh_in(kept), kept);
    }
}
