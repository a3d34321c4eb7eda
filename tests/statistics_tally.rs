//! The clocks' tally behind the leaders' dashboard (issue #16, "Numbers") on both databases:
//! kept in the transaction of every write that moves a clock — opened, met on time or late,
//! waived, marked missed by the scheduler, restarted, its due date recomputed by a holiday
//! import, many at once — it always equals the live count of every clock, and the dashboard's
//! figures read from it equal those counted live over any period. A late clock is late in the
//! list, on the dashboard and in the tally.

mod common;

use axum::http::{Method, StatusCode};
use chrono::{NaiveDate, TimeZone, Utc};
use common::{App, call, each_db};
use serde_json::json;
use shuangda::access::Scope;
use shuangda::deadline::Rule;
use shuangda::deadline::scheduler::run_pass;
use shuangda::deadline::store::{self, Change};
use shuangda::statistics::store::{clock_facts, clock_facts_live};
use shuangda::statistics::tally;

const MSA: &str = "信阳市市场监督管理局";
const POLICE: &str = "信阳市公安局";

// The same notice as tests/calendar_continuity.rs: it moves clocks running into February 2027.
const NOTICE_2027: &str = r#"year = 2027
source = "国务院办公厅关于2027年部分节假日安排的通知（测试用）"

[[holidays]]
name = "元旦"
days = ["2027-01-01", "2027-01-02", "2027-01-03"]

[[holidays]]
name = "春节"
days = ["2027-02-05", "2027-02-06", "2027-02-07", "2027-02-08", "2027-02-09", "2027-02-10", "2027-02-11"]
makeup_workdays = ["2027-02-20"]
"#;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).expect("date")
}

async fn director(app: &App) -> shuangda::access::Actor {
    let id = app.user_id("director").await;
    shuangda::users::store::load_actor(&app.db, id)
        .await
        .expect("actor")
        .expect("active")
        .0
}

async fn change(app: &App, id: i64, c: Change) {
    let actor = director(app).await;
    store::change(
        &app.db,
        &app.state.calendar(),
        &actor,
        &app.system("测试"),
        id,
        c,
    )
    .await
    .expect("change");
}

fn sorted(mut v: Vec<shuangda::statistics::clocks::Fact>) -> Vec<String> {
    let mut out: Vec<String> = v
        .drain(..)
        .map(|f| {
            format!(
                "{} {} {:?} {} {}",
                f.unit_id, f.clause, f.timeliness, f.overdue_open, f.count
            )
        })
        .collect();
    out.sort();
    out
}

/// The tally agrees with every clock, and the dashboard's reads with the live count over
/// periods of whole months, partial months at either edge, within one month and across years.
async fn consistent(app: &App, after: &str) {
    let drift = tally::check(&app.db).await.expect("check");
    assert!(drift.is_empty(), "after {after}: {drift:?}");
    let msa = app.unit_id(MSA).await;
    let today = app.today();
    for (from, to) in [
        (d(2026, 1, 1), today),
        (d(2026, 3, 1), d(2026, 3, 31)),
        (d(2026, 3, 3), d(2026, 3, 31)),
        (d(2026, 2, 15), d(2026, 4, 10)),
        (d(2026, 3, 2), d(2026, 3, 2)),
        (d(2025, 1, 1), d(2027, 12, 31)),
    ] {
        for scope in [Scope::All, Scope::Unit(msa)] {
            // On the app's day and on one inside the clocks' months (other edge plans).
            for day in [today, d(2026, 3, 10)] {
                let kept = clock_facts(&app.db, &scope, from, to, day)
                    .await
                    .expect("facts");
                let live = clock_facts_live(&app.db, &scope, from, to, day)
                    .await
                    .expect("live");
                assert_eq!(
                    sorted(kept),
                    sorted(live),
                    "after {after}: {from}–{to} on {day}, {scope:?}"
                );
            }
        }
    }
}

#[tokio::test]
async fn the_tally_equals_the_live_count_after_every_kind_of_change() {
    each_db(true, |app| async move {
        // The demo's own clocks were opened through the store: counted already.
        consistent(&app, "the demo").await;
        // Due 2026-03-09 (5 working days from Monday 2 March).
        let start = d(2026, 3, 2);
        let mut ids = Vec::new();
        for (purpose, owner) in [
            ("按期办结", MSA),
            ("逾期办结", MSA),
            ("豁免", MSA),
            ("逾期未办", POLICE),
            ("重新起算", POLICE),
        ] {
            ids.push(
                app.open_deadline(purpose, start, Rule::WorkingDays(5), owner)
                    .await,
            );
        }
        consistent(&app, "opening").await;
        change(&app, ids[0], Change::Met { on: d(2026, 3, 9) }).await;
        change(&app, ids[1], Change::Met { on: d(2026, 3, 11) }).await;
        change(
            &app,
            ids[2],
            Change::Waive {
                reason: "线索已并案".into(),
            },
        )
        .await;
        consistent(&app, "met on time, late and waived").await;
        run_pass(
            &app.db,
            &app.state.calendar(),
            d(2026, 3, 10),
            Utc.with_ymd_and_hms(2026, 3, 10, 1, 0, 0)
                .single()
                .expect("instant"),
        )
        .await
        .expect("pass");
        let missed: String = sqlx::query_scalar("SELECT state FROM deadlines WHERE id = $1")
            .bind(ids[3])
            .fetch_one(&app.db.pool)
            .await
            .expect("state");
        assert_eq!(missed, "missed");
        consistent(&app, "the scheduler's miss").await;
        // Restarted in another month: the clock leaves March's missed for April's running.
        change(
            &app,
            ids[4],
            Change::Restart {
                start: d(2026, 4, 7),
                reason: "文书送达日晚于记载".into(),
            },
        )
        .await;
        change(&app, ids[4], Change::Met { on: d(2026, 4, 20) }).await;
        consistent(&app, "a restart").await;

        // A clock running into February 2027, its date recomputed by the notice's import.
        let moved = app
            .open_deadline("春节前后期限", d(2027, 2, 1), Rule::WorkingDays(5), MSA)
            .await;
        let (s, v) = call(
            &app,
            "sysadmin",
            Method::PUT,
            "/api/v1/calendar/years/2027",
            Some(json!({"schedule": NOTICE_2027})),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let due: String = sqlx::query_scalar("SELECT due_date FROM deadlines WHERE id = $1")
            .bind(moved)
            .fetch_one(&app.db.pool)
            .await
            .expect("due");
        assert_eq!(due, "2027-02-15", "the import moved the date");
        consistent(&app, "a recomputation").await;

        // Many writers at once on the same buckets (the same unit, clause and month), with
        // the scheduler folding the deltas in between: no count lost or doubled.
        let mut jobs = Vec::new();
        for i in 0..12u32 {
            let app2 = app.on(app.today());
            jobs.push(tokio::spawn(async move {
                let id = app2
                    .open_deadline("并发期限", d(2026, 5, 4), Rule::WorkingDays(5), MSA)
                    .await;
                let c = match i % 3 {
                    0 => Change::Met { on: d(2026, 5, 8) },
                    1 => Change::Met { on: d(2026, 5, 20) },
                    _ => Change::Waive {
                        reason: "不再需要".into(),
                    },
                };
                change(&app2, id, c).await;
                if i % 4 == 0 {
                    tally::compact(&app2.db).await.expect("compact");
                }
            }));
        }
        for j in jobs {
            j.await.expect("job");
        }
        consistent(&app, "concurrent writers").await;
        let folded = tally::compact(&app.db).await.expect("compact");
        let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM clock_tally_delta")
            .fetch_one(&app.db.pool)
            .await
            .expect("count");
        assert_eq!(left, 0, "folded {folded}");
        consistent(&app, "folding").await;

        // The migration's backfill counts the clocks stored before it as the writers do.
        for t in ["clock_tally", "clock_tally_delta"] {
            sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {t}")))
                .execute(&app.db.pool)
                .await
                .expect("empty");
        }
        assert!(!tally::check(&app.db).await.expect("check").is_empty());
        let migration = include_str!("../migrations/0054_clock_tally.sql");
        let at = migration.find("INSERT INTO clock_tally").expect("backfill");
        let backfill = migration[at..].split(';').next().expect("statement");
        sqlx::query(sqlx::AssertSqlSafe(backfill.to_owned()))
            .execute(&app.db.pool)
            .await
            .expect("backfill");
        consistent(&app, "the migration's backfill").await;
        // And so does a rebuild after clocks written in bulk.
        sqlx::query("UPDATE deadlines SET state = 'waived' WHERE id = $1")
            .bind(ids[0])
            .execute(&app.db.pool)
            .await
            .expect("bulk write");
        assert_eq!(tally::check(&app.db).await.expect("check").len(), 2);
        tally::rebuild(&app.db).await.expect("rebuild");
        consistent(&app, "a rebuild").await;
    })
    .await;
}

#[tokio::test]
async fn a_late_clock_is_late_in_the_list_the_dashboard_and_the_tally() {
    each_db(true, |app| async move {
        // March 2024, before any of the demo's clocks: due Monday 11 March, met on the 13th.
        let id = app
            .open_deadline("逾期办结", d(2024, 3, 4), Rule::WorkingDays(5), MSA)
            .await;
        change(&app, id, Change::Met { on: d(2024, 3, 13) }).await;
        let msa = app.unit_id(MSA).await;

        let (s, list) = call(
            &app,
            "staff",
            Method::GET,
            "/api/v1/deadlines?state=late&from=2024-03-01&to=2024-03-31",
            None,
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{list}");
        let items = list["items"].as_array().expect("items");
        assert_eq!(items.len(), 1, "{list}");
        assert_eq!(items[0]["id"], id);
        assert_eq!(items[0]["timeliness"], "late", "{list}");

        // The whole month (from the tally) and part of it (counted live or as the month less
        // its other days).
        for period in [
            "from=2024-03-01&to=2024-03-31",
            "from=2024-03-04&to=2024-03-05",
            "from=2024-02-20&to=2024-03-30",
            "from=2024-03-04&to=2024-04-30",
        ] {
            let (s, f) = call(
                &app,
                "staff",
                Method::GET,
                &format!("/api/v1/statistics/clocks?{period}"),
                None,
            )
            .await;
            assert_eq!(s, StatusCode::OK, "{f}");
            let unit = f["units"]
                .as_array()
                .expect("units")
                .iter()
                .find(|u| u["unit_id"] == msa)
                .unwrap_or_else(|| panic!("{period}: {f}"));
            assert_eq!(
                (&unit["late"], &unit["on_time"], &unit["on_time_rate"]),
                (&json!(1), &json!(0), &json!(0.0)),
                "{period}: {unit}"
            );
            assert_eq!(f["total"]["late"], 1, "{period}: {f}");
        }
        let kept: i64 = sqlx::query_scalar(
            "SELECT CAST(SUM(n) AS BIGINT) FROM (SELECT n FROM clock_tally WHERE owner_unit_id = $1 \
             AND start_month = '2024-03' AND timeliness = 'late' UNION ALL SELECT n FROM \
             clock_tally_delta WHERE owner_unit_id = $1 AND start_month = '2024-03' AND \
             timeliness = 'late') t",
        )
        .bind(msa)
        .fetch_one(&app.db.pool)
        .await
        .expect("tally");
        assert_eq!(kept, 1);
    })
    .await;
}
