use std::sync::OnceLock;

use chrono::NaiveDate;

use super::*;
use crate::calendar::{Calendar, CalendarError};

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).expect("valid test date")
}

fn cal() -> &'static Calendar {
    static CAL: OnceLock<Calendar> = OnceLock::new();
    CAL.get_or_init(|| Calendar::shipped().expect("shipped holiday files must parse"))
}

/// 10 working days from Monday 2 March 2026: due Monday 16 March.
fn ten_days() -> Clock {
    Clock::new(
        Rule::WorkingDays(10),
        d(2026, 3, 2),
        "000 §4",
        "答复协查请求",
    )
}

fn due_date(clock: &Clock) -> Option<NaiveDate> {
    clock.due(cal()).expect("computable").date
}

#[test]
fn plain_clock() {
    let clock = Clock::new(Rule::WorkingDays(5), d(2026, 2, 13), "000 §4", "移送线索");
    let due = clock.due(cal()).expect("ok");
    assert_eq!(due.date, Some(d(2026, 2, 27)));
    assert_eq!(due.effective_rule, Rule::WorkingDays(5));
    assert_eq!(
        due.explanation_zh,
        "【000 §4 移送线索】期限为5个工作日。自2026年2月13日（不计当日）起算5个工作日，\
         跳过春节假期2月15日至2月23日（共9天），计入调休上班日2月14日（春节调休），\
         届满日为2026年2月27日。"
    );
    assert_eq!(due_date(&ten_days()), Some(d(2026, 3, 16)));
}

#[test]
fn extension_adds_to_the_amount() {
    let clock = Clock::new(Rule::WorkingDays(5), d(2026, 2, 13), "000 §4", "移送线索")
        .extend(2, "案情复杂", "办公室主任")
        .expect("open");
    let due = clock.due(cal()).expect("ok");
    assert_eq!(due.effective_rule, Rule::WorkingDays(7));
    assert_eq!(due.date, Some(d(2026, 3, 2)));
    let text = &due.explanation_zh;
    assert!(
        text.contains("延长2个工作日（原因：案情复杂；决定人：办公室主任）"),
        "{text}"
    );
    assert!(text.contains("合计7个工作日"), "{text}");
    let twice = clock.extend(1, "再次延长", "局长").expect("open");
    assert_eq!(twice.effective_rule(), Ok(Rule::WorkingDays(8)));
}

#[test]
fn closed_suspension_moves_due_by_its_working_days() {
    let clock = ten_days()
        .suspend(cal(), d(2026, 3, 5), "等待鉴定结论")
        .expect("ok")
        .resume(d(2026, 3, 10))
        .expect("ok");
    // 5, 6, 9, 10 March are 4 working days: due moves from 16 to 20 March.
    let due = clock.due(cal()).expect("ok");
    assert_eq!(due.date, Some(d(2026, 3, 20)));
    assert_eq!(due.computation.excluded_count, 4);
    let text = &due.explanation_zh;
    assert!(
        text.contains("2026年3月5日至2026年3月10日中止（原因：等待鉴定结论），中止期间不计入期限"),
        "{text}"
    );
    assert!(
        text.contains("不计入期间3月5日至3月10日内的4个工作日"),
        "{text}"
    );
}

#[test]
fn open_suspension_leaves_due_unknown() {
    let clock = ten_days()
        .suspend(cal(), d(2026, 3, 5), "等待鉴定结论")
        .expect("ok");
    let due = clock.due(cal()).expect("ok");
    assert_eq!(due.date, None);
    assert_eq!(due.suspended_since, Some(d(2026, 3, 5)));
    assert!(
        due.explanation_zh
            .contains("自2026年3月5日起中止（原因：等待鉴定结论）")
    );
    assert!(due.explanation_zh.contains("届满日待恢复计算后确定"));
    assert_eq!(
        clock.evaluate(cal(), d(2026, 4, 1), 3),
        Ok(Status::Suspended {
            since: d(2026, 3, 5)
        })
    );
    assert_eq!(
        clock.mark_missed(cal(), d(2026, 4, 1)),
        Err(DeadlineError::Suspended {
            since: d(2026, 3, 5)
        })
    );
    let again = clock.suspend(cal(), d(2026, 3, 9), "重复");
    assert_eq!(
        again,
        Err(DeadlineError::AlreadySuspended {
            since: d(2026, 3, 5)
        })
    );
}

#[test]
fn two_suspensions() {
    let clock = ten_days()
        .suspend(cal(), d(2026, 3, 5), "等待鉴定结论")
        .and_then(|c| c.resume(d(2026, 3, 10)))
        .and_then(|c| c.suspend(cal(), d(2026, 3, 12), "当事人申请延期听证"))
        .and_then(|c| c.resume(d(2026, 3, 13)))
        .expect("legal transitions");
    let due = clock.due(cal()).expect("ok");
    assert_eq!(due.date, Some(d(2026, 3, 24)));
    assert_eq!(due.computation.excluded_count, 6);
    assert!(due.explanation_zh.contains("等待鉴定结论"));
    assert!(due.explanation_zh.contains("当事人申请延期听证"));
}

#[test]
fn suspension_with_extension_and_unknown_next_year() {
    let clock = Clock::new(Rule::WorkingDays(10), d(2026, 12, 1), "000 §7", "结案")
        .extend(5, "需补充调查", "主任")
        .expect("ok");
    // 1 + 15 working days from 1 December needs no 2027 data yet.
    assert_eq!(due_date(&clock), Some(d(2026, 12, 22)));
    let suspended = clock
        .suspend(cal(), d(2026, 12, 7), "暂停")
        .and_then(|c| c.resume(d(2026, 12, 18)))
        .expect("ok");
    let err = suspended.due(cal()).expect_err("runs into 2027");
    assert_eq!(
        err,
        DeadlineError::Calendar(CalendarError::UnknownYear(2027))
    );
    // With provisional years (the calendar in force), the clock runs on into 2027 and says
    // so: 3 working days before the suspension, 9 after it in December, 元旦 (Friday 1
    // January 2027, provisional) skipped, and 4–6 January.
    let in_force = cal().clone().with_provisional_until(2056);
    let due = suspended.due(&in_force).expect("provisional 2027");
    assert_eq!(due.date, Some(d(2027, 1, 6)));
    assert_eq!(due.computation.provisional_years, vec![2027]);
    assert!(
        due.explanation_zh.contains("暂定"),
        "{}",
        due.explanation_zh
    );
}

#[test]
fn suspension_bounds_are_checked() {
    let clock = ten_days();
    assert_eq!(
        clock.suspend(cal(), d(2026, 3, 17), "太晚"),
        Err(DeadlineError::SuspensionAfterDue {
            from: d(2026, 3, 17),
            due: d(2026, 3, 16)
        })
    );
    assert!(clock.suspend(cal(), d(2026, 3, 16), "届满当日").is_ok());
    assert_eq!(
        clock.suspend(cal(), d(2026, 3, 1), "太早"),
        Err(DeadlineError::SuspensionBeforeStart {
            from: d(2026, 3, 1),
            start: d(2026, 3, 2)
        })
    );
    assert_eq!(
        clock.suspend(cal(), d(2026, 3, 5), "  "),
        Err(DeadlineError::EmptyReason)
    );
    let suspended = clock.suspend(cal(), d(2026, 3, 5), "等待").expect("ok");
    let err = suspended
        .resume(d(2026, 3, 4))
        .expect_err("ends before start");
    assert_eq!(
        err,
        DeadlineError::SuspensionEndsBeforeStart {
            from: d(2026, 3, 5),
            to: d(2026, 3, 4)
        }
    );
    assert_eq!(
        err.to_string(),
        "中止结束日2026年3月4日早于中止开始日2026年3月5日"
    );
    let resumed = suspended.resume(d(2026, 3, 5)).expect("one-day suspension");
    assert_eq!(due_date(&resumed), Some(d(2026, 3, 17)));
    assert_eq!(
        resumed.suspend(cal(), d(2026, 3, 5), "重叠"),
        Err(DeadlineError::SuspensionOverlaps {
            from: d(2026, 3, 5),
            previous_to: d(2026, 3, 5)
        })
    );
    assert_eq!(
        resumed.resume(d(2026, 3, 9)),
        Err(DeadlineError::NotSuspended)
    );
    assert_eq!(
        DeadlineError::NotSuspended.to_string(),
        "期限当前未中止，无需恢复计算"
    );
}

#[test]
fn invalid_suspension_data_is_rejected() {
    let mut clock = ten_days();
    clock.suspensions.push(Suspension {
        from: d(2026, 3, 10),
        to: Some(d(2026, 3, 5)),
        reason: "录入错误".into(),
    });
    assert!(matches!(
        clock.due(cal()),
        Err(DeadlineError::SuspensionEndsBeforeStart { .. })
    ));
}

#[test]
fn irrelevant_suspensions_are_explained() {
    let mut clock = ten_days();
    clock.suspensions.push(Suspension {
        from: d(2026, 2, 20),
        to: Some(d(2026, 3, 2)),
        reason: "起算前".into(),
    });
    let due = clock.due(cal()).expect("ok");
    assert_eq!(due.date, Some(d(2026, 3, 16)));
    assert!(
        due.explanation_zh
            .contains("（原因：起算前），不在期限计算期间内，不影响届满日")
    );
    // An open suspension recorded after the period ran out does not hide the due date.
    let mut late = ten_days();
    late.suspensions.push(Suspension {
        from: d(2026, 4, 1),
        to: None,
        reason: "届满后".into(),
    });
    let due = late.due(cal()).expect("ok");
    assert_eq!(due.date, Some(d(2026, 3, 16)));
    assert!(due.explanation_zh.contains("中止开始时期限已届满"));
}

#[test]
fn calendar_day_rule_with_suspension_rolls_forward() {
    let clock = Clock::new(Rule::Days(10), d(2026, 3, 2), "000 §5", "补正材料");
    assert_eq!(due_date(&clock), Some(d(2026, 3, 12)));
    let suspended = clock
        .suspend(cal(), d(2026, 3, 5), "公告送达")
        .and_then(|c| c.resume(d(2026, 3, 7)))
        .expect("ok");
    // 3 suspended days: 12 → 15 March (Sunday) → rolled to Monday 16 March.
    let due = suspended.due(cal()).expect("ok");
    assert_eq!(due.date, Some(d(2026, 3, 16)));
    assert_eq!(due.computation.rolled_forward_from, Some(d(2026, 3, 15)));
    assert!(
        due.explanation_zh
            .contains("扣除不计入期间3月5日至3月7日共3日")
    );
    assert!(due.explanation_zh.contains("公告送达"));
}

#[test]
fn month_and_year_rules_add_suspended_days() {
    let rule = Rule::Months {
        n: 1,
        roll_forward: false,
    };
    let clock = Clock::new(rule, d(2026, 3, 2), "000 §6", "调查终结")
        .suspend(cal(), d(2026, 3, 10), "等待检验")
        .and_then(|c| c.resume(d(2026, 3, 19)))
        .expect("ok");
    assert_eq!(due_date(&clock), Some(d(2026, 4, 12)));
    let mut rolled = clock.clone();
    rolled.rule = Rule::Months {
        n: 1,
        roll_forward: true,
    };
    assert_eq!(due_date(&rolled), Some(d(2026, 4, 13)));

    let two_years = Clock::new(
        Rule::Years {
            n: 2,
            roll_forward: false,
        },
        d(2024, 2, 29),
        "000 §9",
        "办理满2年",
    );
    let due = two_years.due(cal()).expect("ok");
    assert_eq!(due.date, Some(d(2026, 2, 28)));
    assert!(due.explanation_zh.contains("期限为2年"));
    assert_eq!(
        Clock::new(
            Rule::Years {
                n: 2,
                roll_forward: false
            },
            d(2022, 2, 28),
            "",
            ""
        )
        .due(cal())
        .expect("ok")
        .date,
        Some(d(2024, 2, 28))
    );
}

#[test]
fn state_transitions() {
    let clock = ten_days();
    let met = clock.met(d(2026, 3, 12)).expect("open");
    assert_eq!(met.state, State::Met { on: d(2026, 3, 12) });
    let err = met.waive("不再需要").expect_err("closed");
    assert_eq!(
        err,
        DeadlineError::NotOpen(State::Met { on: d(2026, 3, 12) })
    );
    assert_eq!(err.to_string(), "期限已完成，不能再进行此操作");
    assert!(matches!(
        met.suspend(cal(), d(2026, 3, 5), "x"),
        Err(DeadlineError::NotOpen(_))
    ));
    assert!(matches!(
        met.resume(d(2026, 3, 5)),
        Err(DeadlineError::NotOpen(_))
    ));
    assert!(matches!(
        met.extend(1, "x", "y"),
        Err(DeadlineError::NotOpen(_))
    ));
    assert!(matches!(
        met.met(d(2026, 3, 13)),
        Err(DeadlineError::NotOpen(_))
    ));

    assert_eq!(clock.waive(" "), Err(DeadlineError::EmptyReason));
    let waived = clock.waive(" 线索已并案处理 ").expect("open");
    assert_eq!(
        waived.state,
        State::Waived {
            reason: "线索已并案处理".into()
        }
    );
    assert_eq!(
        waived.evaluate(cal(), d(2026, 3, 3), 3),
        Ok(Status::Closed(waived.state.clone()))
    );
    assert_eq!(
        waived.suspend(cal(), d(2026, 3, 5), "x").map(|_| ()),
        Err(DeadlineError::NotOpen(waived.state.clone()))
    );

    assert_eq!(
        clock.met(d(2026, 3, 1)),
        Err(DeadlineError::MetBeforeStart {
            on: d(2026, 3, 1),
            start: d(2026, 3, 2)
        })
    );
    assert_eq!(clock.extend(0, "x", "y"), Err(DeadlineError::ZeroExtension));
    assert_eq!(clock.extend(1, "x", ""), Err(DeadlineError::EmptyAuthor));
    assert_eq!(clock.extend(1, "", "y"), Err(DeadlineError::EmptyReason));
    let big = clock.extend(u32::MAX, "x", "y");
    assert_eq!(big, Err(DeadlineError::AmountOverflow));

    assert_eq!(
        clock.mark_missed(cal(), d(2026, 3, 16)),
        Err(DeadlineError::NotYetOverdue {
            due: d(2026, 3, 16)
        })
    );
    let missed = clock.mark_missed(cal(), d(2026, 3, 17)).expect("overdue");
    assert_eq!(
        missed.state,
        State::Missed {
            due: d(2026, 3, 16)
        }
    );
    assert!(matches!(missed.waive("x"), Err(DeadlineError::NotOpen(_))));
    // Done late: a missed clock can still be met.
    let late = missed.met(d(2026, 3, 18)).expect("late completion");
    assert_eq!(late.state, State::Met { on: d(2026, 3, 18) });
    // The original is never changed.
    assert_eq!(clock, ten_days());
}

#[test]
fn evaluate_open_clock() {
    let clock = Clock::new(Rule::WorkingDays(5), d(2026, 2, 13), "000 §4", "移送线索");
    let cases = [
        (
            d(2026, 2, 10),
            Status::NotDue {
                due: d(2026, 2, 27),
                workdays_left: 8,
            },
        ),
        (
            d(2026, 2, 13),
            Status::NotDue {
                due: d(2026, 2, 27),
                workdays_left: 5,
            },
        ),
        (
            d(2026, 2, 16),
            Status::NotDue {
                due: d(2026, 2, 27),
                workdays_left: 4,
            },
        ),
        (
            d(2026, 2, 24),
            Status::DueSoon {
                due: d(2026, 2, 27),
                workdays_left: 3,
            },
        ),
        (
            d(2026, 2, 27),
            Status::DueSoon {
                due: d(2026, 2, 27),
                workdays_left: 0,
            },
        ),
        (
            d(2026, 2, 28),
            Status::Overdue {
                due: d(2026, 2, 27),
                days_over: 1,
            },
        ),
        (
            d(2026, 3, 2),
            Status::Overdue {
                due: d(2026, 2, 27),
                days_over: 3,
            },
        ),
    ];
    for (today, expected) in cases {
        assert_eq!(clock.evaluate(cal(), today, 3), Ok(expected), "{today}");
    }
    // Working days left skip closed suspensions ahead.
    let suspended = ten_days()
        .suspend(cal(), d(2026, 3, 5), "等待")
        .and_then(|c| c.resume(d(2026, 3, 10)))
        .expect("ok");
    assert_eq!(
        suspended.evaluate(cal(), d(2026, 3, 4), 3),
        Ok(Status::NotDue {
            due: d(2026, 3, 20),
            workdays_left: 8
        })
    );
}

#[test]
fn state_labels() {
    assert_eq!(State::Open.label_zh(), "进行中");
    assert_eq!(State::Missed { due: d(2026, 1, 5) }.label_zh(), "已逾期");
}

/// 004 二(二): the 3 days run from the day the notice was received. A notice issued on Friday
/// 4 December 2026 would close the window on Monday 7 December; served on Tuesday 8 December it
/// closes on Friday 11 December, and a clock already marked missed runs again.
#[test]
fn restart_counts_from_the_corrected_start() {
    let window = Clock::new(Rule::Days(3), d(2026, 12, 4), "004 二(二)", "提请复议");
    assert_eq!(due_date(&window), Some(d(2026, 12, 7)));
    let missed = window.mark_missed(cal(), d(2026, 12, 8)).expect("overdue");
    let served = missed.restart(d(2026, 12, 8)).expect("missed runs again");
    assert_eq!(served.state, State::Open);
    assert_eq!(served.start, d(2026, 12, 8));
    assert_eq!(due_date(&served), Some(d(2026, 12, 11)));
    assert_eq!(
        window.restart(d(2026, 12, 3)),
        Err(DeadlineError::RestartBeforeStart {
            start: d(2026, 12, 3),
            recorded: d(2026, 12, 4)
        })
    );
    let met = window.met(d(2026, 12, 5)).expect("open");
    assert!(matches!(
        met.restart(d(2026, 12, 8)),
        Err(DeadlineError::NotOpen(_))
    ));
    let suspended = window.suspend(cal(), d(2026, 12, 5), "中止").expect("open");
    assert_eq!(
        suspended.restart(d(2026, 12, 8)),
        Err(DeadlineError::RestartSuspended)
    );
}

/// The SQL that derives 暂定 starts at the first year after the shipped ones: a new release
/// that ships another year must move it (and the count's index condition) along.
#[test]
fn the_provisional_expression_starts_after_the_shipped_years() {
    let first = crate::calendar::SHIPPED_SCHEDULES
        .iter()
        .map(|(y, _)| *y)
        .max()
        .expect("shipped years")
        + 1;
    let sql = crate::provisional_sql!("d");
    assert!(
        sql.contains(&format!("d.due_date >= '{first}-01-01'")),
        "{sql}"
    );
    assert!(sql.contains(&format!("ELSE {first} END")), "{sql}");
    assert!(!sql.contains(&format!("'{}-01-01'", first - 1)), "{sql}");
    let count = super::store::COUNT_PROVISIONAL;
    assert!(
        count.contains(&format!(
            "d.state = 'open' AND d.due_date >= '{first}-01-01' AND CASE"
        )),
        "{count}"
    );
}

/// Issue #16: a clock met after its due date is late; met on the due date is on time; a
/// missed clock is missed even when the act followed; waived counts neither way.
#[test]
fn a_clock_met_after_its_due_date_is_late() {
    use super::Timeliness::*;
    let due = Some(d(2026, 12, 10));
    let met = |day| State::Met {
        on: d(2026, 12, day),
    };
    assert_eq!(Timeliness::of(&met(9), due), OnTime);
    assert_eq!(Timeliness::of(&met(10), due), OnTime);
    assert_eq!(Timeliness::of(&met(11), due), Late);
    assert_eq!(
        Timeliness::of(&met(11), None),
        OnTime,
        "no due date: never late"
    );
    assert_eq!(Timeliness::of(&State::Open, due), Running);
    assert_eq!(
        Timeliness::of(
            &State::Missed {
                due: d(2026, 12, 10)
            },
            due
        ),
        Missed
    );
    assert_eq!(
        Timeliness::of(&State::Waived { reason: "x".into() }, due),
        Waived
    );
    assert!(Late.is_late() && Missed.is_late() && !OnTime.is_late() && !Waived.is_late());
    assert!(
        OnTime.is_settled() && Late.is_settled() && !Running.is_settled() && !Waived.is_settled()
    );
    for t in [Running, OnTime, Late, Missed, Waived] {
        assert_eq!(Timeliness::parse(t.code()), Some(t));
    }
    assert_eq!(Late.label(), "逾期完成");
}

/// A clock judged missed cannot be met on or before its due date afterwards (that would turn
/// a late act into an on-time one); met after it, it is late.
#[test]
fn a_missed_clock_cannot_be_backdated_into_time() {
    let c = Clock::new(
        Rule::WorkingDays(5),
        d(2026, 3, 2),
        "000 §4",
        "确定主办单位",
    );
    let missed = Clock {
        state: State::Missed { due: d(2026, 3, 9) },
        ..c
    };
    assert_eq!(
        missed.met(d(2026, 3, 9)),
        Err(DeadlineError::MissedBackdated {
            due: d(2026, 3, 9),
            on: d(2026, 3, 9)
        })
    );
    let late = missed.met(d(2026, 3, 11)).expect("met late");
    assert_eq!(
        Timeliness::of(&late.state, Some(d(2026, 3, 9))),
        Timeliness::Late
    );
}
