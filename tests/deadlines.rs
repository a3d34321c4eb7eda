//! The legal-period calendar and the deadline engine through storage, HTTP, the command line
//! and the scheduler, on both databases.

mod common;

use std::process::Command;

use axum::http::{Method, StatusCode};
use chrono::{NaiveDate, TimeZone, Utc};
use common::{App, PASSWORD, api, each_db};
use serde_json::json;
use shuangda::deadline::Rule;
use shuangda::deadline::scheduler::{acquire_lease, run_pass};

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).expect("date")
}

async fn due_of(app: &App, id: i64) -> Option<String> {
    sqlx::query_scalar("SELECT due_date FROM deadlines WHERE id = $1")
        .bind(id)
        .fetch_one(&app.db.pool)
        .await
        .expect("row")
}

const MSA: &str = "信阳市市场监督管理局";

/// The demo data opens a few clocks relative to the real today; tests with a controlled clock
/// start without them.
async fn without_demo_deadlines(app: &App) {
    sqlx::query("DELETE FROM deadline_events")
        .execute(&app.db.pool)
        .await
        .expect("clean");
    sqlx::query("DELETE FROM deadlines")
        .execute(&app.db.pool)
        .await
        .expect("clean");
    // The statistics' counts of the clocks deleted behind the operations' back.
    shuangda::statistics::tally::rebuild(&app.db)
        .await
        .expect("recount");
}

#[tokio::test]
async fn calendar_api_counts_like_the_law() {
    each_db(false, |app| async move {
        // An account to call the API with.
        shuangda::demo::load(&app.state).await.expect("demo");
        let t = app.token("staff").await;
        let r = api(
            &app,
            Method::GET,
            "/api/v1/calendar/add-workdays?date=2026-02-13&n=5",
            Some(&t),
            None,
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let v = r.json();
        assert_eq!(v["due"], "2026-02-27");
        let ex = v["explanation"].as_str().unwrap_or("");
        assert!(ex.contains("春节") && ex.contains("2月14日"), "{ex}");
        let v = api(
            &app,
            Method::GET,
            "/api/v1/calendar/add-days?date=2026-09-30&n=3",
            Some(&t),
            None,
        )
        .await
        .json();
        assert_eq!(v["due"], "2026-10-08");
        let v = api(
            &app,
            Method::GET,
            "/api/v1/calendar/workday?date=2026-10-10",
            Some(&t),
            None,
        )
        .await
        .json();
        assert_eq!(v["workday"], true);
        assert!(v["kind"].as_str().unwrap_or("").contains("调休"));
        // Beyond the provisional horizon: an error naming the year, not a guess.
        let r = api(
            &app,
            Method::GET,
            "/api/v1/calendar/add-workdays?date=2099-12-28&n=5",
            Some(&t),
            None,
        )
        .await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        assert_eq!(r.json()["error"]["code"], "calendar_year_missing");
        assert!(
            r.json()["error"]["message"]
                .as_str()
                .unwrap_or("")
                .contains("2099")
        );
        let r = api(
            &app,
            Method::GET,
            "/api/v1/calendar/add-days?date=2026-02-30&n=x",
            Some(&t),
            None,
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let body = r.json();
        let fields: Vec<&str> = body["error"]["fields"]
            .as_array()
            .expect("fields")
            .iter()
            .map(|f| f["field"].as_str().unwrap_or(""))
            .collect();
        assert_eq!(fields, ["date", "n"]);
    })
    .await;
}

const Y2027: &str = r#"year = 2027
source = "测试用安排（非官方）"

[[holidays]]
name = "元旦"
days = ["2027-01-01", "2027-01-02", "2027-01-03"]
"#;

#[tokio::test]
async fn the_system_administrator_adds_a_year_and_it_takes_effect() {
    each_db(true, |app| async move {
        let t = app.token("staff").await;
        let q = "/api/v1/calendar/add-workdays?date=2026-12-28&n=5";
        // Until the year is imported, the answer is provisional.
        let before = api(&app, Method::GET, q, Some(&t), None).await;
        assert_eq!(before.status, StatusCode::OK);
        assert_eq!(before.json()["provisional"], true);

        // Only the system administrator may save a year.
        let mut staff = app.client();
        staff.login("staff", PASSWORD).await;
        assert_eq!(
            staff.post("/calendar", &[("schedule", Y2027)]).await.status,
            StatusCode::FORBIDDEN
        );

        let mut admin = app.client();
        admin.login("sysadmin", PASSWORD).await;
        // A malformed file is refused with the reason and kept in the form.
        let bad = Y2027.replace("2027-01-03", "2028-01-03");
        let r = admin.post("/calendar", &[("schedule", &bad)]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("data-field=\"schedule\""));
        assert!(r.body.contains("2028-01-03"), "typed text kept");
        assert_eq!(app.count("holiday_years").await, 0);

        // A valid file is shown with what it would change, and saved only when confirmed.
        let r = admin.post("/calendar", &[("schedule", Y2027)]).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(
            r.body.contains("id=\"schedule-confirm-submit\""),
            "{}",
            r.body
        );
        assert_eq!(
            app.count("holiday_years").await,
            0,
            "not saved before confirming"
        );
        let r = admin
            .post("/calendar", &[("schedule", Y2027), ("confirm", "1")])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let v = api(&app, Method::GET, q, Some(&t), None).await.json();
        // 29, 30, 31 Dec; 1–3 Jan are the holiday; then 4, 5 Jan.
        assert_eq!(v["due"], "2027-01-05", "{v}");
        assert_eq!(v["provisional"], false, "{v}");
        let audited: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'calendar.save_year'",
        )
        .fetch_one(&app.db.pool)
        .await
        .expect("audit");
        assert_eq!(audited, 1);
        // The page shows the year's grid with the holiday marked.
        let page = admin.get("/calendar?year=2027").await;
        assert!(page.body.contains("class=\"holiday\" title=\"休：元旦\""));
        // The API saves too, and checks the year in the path.
        let sys = app.token("sysadmin").await;
        let r = api(
            &app,
            Method::PUT,
            "/api/v1/calendar/years/2028",
            Some(&sys),
            Some(json!({"schedule": Y2027})),
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let r = api(
            &app,
            Method::PUT,
            "/api/v1/calendar/years/2027",
            Some(&sys),
            Some(json!({"schedule": Y2027})),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(
            r.json()["years"]["known"]
                .as_array()
                .expect("known")
                .iter()
                .any(|y| y == 2027)
        );
    })
    .await;
}

#[test]
fn command_line_prints_dates_and_explains() {
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_shuangda"))
            .args(args)
            .env("SHUANGDA_DATABASE_URL", "sqlite:/nonexistent/shuangda.db")
            .output()
            .expect("run");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, out, _) = run(&["calendar", "add-workdays", "2026-02-13", "5"]);
    assert_eq!((code, out.as_str()), (Some(0), "2026-02-27\n"));
    let (_, out, _) = run(&["calendar", "add-days", "2026-04-30", "1", "--explain"]);
    let mut lines = out.lines();
    assert_eq!(lines.next(), Some("2026-05-06"));
    assert!(lines.next().unwrap_or("").contains("劳动节"));
    let (_, out, _) = run(&["calendar", "is-workday", "2026-02-14"]);
    assert_eq!(out, "true\n");
    let (_, out, _) = run(&["calendar", "is-workday", "2026-10-01"]);
    assert_eq!(out, "false\n");
    // Into a year without its notice: the date alone, and 暂定 with --explain. 31 December,
    // then 1 January 2027 (元旦, provisional) is skipped: 4 and 5 January.
    let (code, out, _) = run(&["calendar", "add-workdays", "2026-12-30", "3"]);
    assert_eq!((code, out.as_str()), (Some(0), "2027-01-05\n"));
    let (_, out, _) = run(&["calendar", "add-workdays", "2026-12-30", "3", "--explain"]);
    let mut lines = out.lines();
    assert_eq!(lines.next(), Some("2027-01-05"));
    assert!(lines.next().unwrap_or("").contains("暂定"), "{out}");
    let (_, out, _) = run(&["calendar", "is-workday", "2027-02-05"]);
    assert_eq!(out, "false\n");
    let (_, out, _) = run(&["calendar", "is-workday", "2027-02-05", "--explain"]);
    assert!(out.contains("暂定"), "{out}");
    let (code, out, err) = run(&["calendar", "add-workdays", "2099-12-30", "3"]);
    assert_eq!(code, Some(1));
    assert!(out.is_empty());
    assert!(err.contains("缺少2099年"), "{err}");
    let (code, _, err) = run(&["calendar", "add-days", "2026-02-30", "1"]);
    assert_eq!(code, Some(1));
    assert!(err.contains("YYYY-MM-DD"));
}

#[tokio::test]
async fn suspension_extension_and_waiver_through_the_pages() {
    each_db(true, |app| async move {
        // 5 working days from 28 Sep 2026: 29, 30 Sep, then the National Day holiday, then
        // 9 Oct; 10 Oct is a make-up working day.
        let id = app
            .open_deadline("确定主办单位", d(2026, 9, 28), Rule::WorkingDays(5), MSA)
            .await;
        assert_eq!(due_of(&app, id).await.as_deref(), Some("2026-10-10"));

        let mut staff = app.client();
        staff.login("staff", PASSWORD).await;
        let page = staff.get(&format!("/deadlines/{id}")).await;
        assert!(
            page.body.contains("国庆节")
                && page.body.contains("《重大案件协调督办工作规则》第四条"),
            "explains itself, citing the clause as officials do"
        );
        assert!(
            !page.body.contains("000 §"),
            "no developer's clause code on the page"
        );
        // Suspend while waiting for an expert finding, then resume: the due date moves by the
        // working days suspended (30 Sep only; 1–7 Oct are holidays anyway... and 8 Oct).
        let r = staff
            .post(
                &format!("/deadlines/{id}/change"),
                &[
                    ("op", "suspend"),
                    ("date", "2026-09-30"),
                    ("reason", "等待检验鉴定结论"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(due_of(&app, id).await, None, "no due date while suspended");
        let r = staff
            .post(
                &format!("/deadlines/{id}/change"),
                &[("op", "resume"), ("date", "2026-10-08")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        // Counted: 29 Sep, 9 Oct, 10 Oct (make-up), 12 Oct, 13 Oct.
        assert_eq!(due_of(&app, id).await.as_deref(), Some("2026-10-13"));
        // Office staff may not extend; the director may.
        let r = staff
            .post(
                &format!("/deadlines/{id}/change"),
                &[("op", "extend"), ("amount", "2"), ("reason", "案情复杂")],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let mut director = app.client();
        director.login("director", PASSWORD).await;
        let r = director
            .post(
                &format!("/deadlines/{id}/change"),
                &[("op", "extend"), ("amount", "2"), ("reason", "")],
            )
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        assert!(r.body.contains("请填写理由"));
        let r = director
            .post(
                &format!("/deadlines/{id}/change"),
                &[
                    ("op", "extend"),
                    ("amount", "2"),
                    ("reason", "涉及多个单位，案情复杂"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(due_of(&app, id).await.as_deref(), Some("2026-10-15"));
        let page = director.get(&format!("/deadlines/{id}")).await;
        assert!(
            page.body.contains("等待检验鉴定结论") && page.body.contains("涉及多个单位"),
            "history and explanation give the reasons"
        );
        // A resumed clock cannot be resumed again: the refusal says why.
        let r = staff
            .post(
                &format!("/deadlines/{id}/change"),
                &[("op", "resume"), ("date", "2026-10-09")],
            )
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        // Met, then nothing more changes it.
        let r = staff
            .post(
                &format!("/deadlines/{id}/change"),
                &[("op", "met"), ("date", "2026-10-14")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let state: String = sqlx::query_scalar("SELECT state FROM deadlines WHERE id = $1")
            .bind(id)
            .fetch_one(&app.db.pool)
            .await
            .expect("state");
        assert_eq!(state, "met");
        let r = director
            .post(
                &format!("/deadlines/{id}/change"),
                &[("op", "waive"), ("reason", "不再需要")],
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::CONFLICT,
            "a closed clock refuses, saying why"
        );
        assert!(r.body.contains("已完成"), "{}", r.body);
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM audit_log WHERE object_type = 'deadline' AND object_id = $1",
        )
        .bind(id.to_string())
        .fetch_one(&app.db.pool)
        .await
        .expect("audit");
        assert_eq!(n, 5, "open, suspend, resume, extend, met");
    })
    .await;
}

#[tokio::test]
async fn deadlines_follow_data_scope() {
    each_db(true, |app| async move {
        without_demo_deadlines(&app).await;
        let own = app
            .open_deadline("本单位期限", d(2026, 3, 2), Rule::WorkingDays(5), MSA)
            .await;
        let other = app
            .open_deadline(
                "他单位期限",
                d(2026, 3, 2),
                Rule::WorkingDays(5),
                "信阳市公安局",
            )
            .await;
        let t = app.token("liaison.scjg").await;
        let list = api(&app, Method::GET, "/api/v1/deadlines", Some(&t), None)
            .await
            .json();
        let ids: Vec<i64> = list["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter_map(|i| i["id"].as_i64())
            .collect();
        assert!(ids.contains(&own) && !ids.contains(&other));
        assert_eq!(
            api(
                &app,
                Method::GET,
                &format!("/api/v1/deadlines/{other}"),
                Some(&t),
                None
            )
            .await
            .status,
            StatusCode::NOT_FOUND
        );
        // The liaison officer reads but may not change the clock.
        let mut c = app.client();
        c.login("liaison.scjg", PASSWORD).await;
        let r = c
            .post(
                &format!("/deadlines/{own}/change"),
                &[("op", "met"), ("date", "2026-03-03")],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        // Administrators see no deadlines at all (case content).
        let sys = app.token("sysadmin").await;
        assert_eq!(
            api(&app, Method::GET, "/api/v1/deadlines", Some(&sys), None)
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        // The county office sees its county only.
        let county = app.token("county.luoshan").await;
        let r = api(&app, Method::GET, "/api/v1/deadlines", Some(&county), None)
            .await
            .json();
        assert_eq!(r["total"], 0);
    })
    .await;
}

fn at(y: i32, m: u32, day: u32, h: u32) -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, day, h, 0, 0)
        .single()
        .expect("instant")
}

#[tokio::test]
async fn scheduler_reminds_escalates_and_runs_once() {
    each_db(true, |app| async move {
        without_demo_deadlines(&app).await;
        // Due 2026-03-09 (5 working days from Monday 2 March).
        let id = app.open_deadline("报送阶段性进展", d(2026, 3, 2), Rule::WorkingDays(5), MSA).await;
        assert_eq!(due_of(&app, id).await.as_deref(), Some("2026-03-09"));
        let cal = app.state.calendar();
        // Tuesday 3 March: 4 working days left, nothing happens.
        let r = run_pass(&app.db, &cal, d(2026, 3, 3), at(2026, 3, 3, 1)).await.expect("pass");
        assert_eq!((r.due_soon, r.missed), (0, 0));
        // Thursday 5 March: 2 working days left (6, 9 March): a reminder for the owner unit.
        let r = run_pass(&app.db, &cal, d(2026, 3, 5), at(2026, 3, 5, 1)).await.expect("pass");
        assert_eq!((r.due_soon, r.missed), (1, 0));
        let unit = app.unit_id(MSA).await;
        let todos: Vec<String> = sqlx::query_scalar("SELECT title FROM todo_items WHERE unit_id = $1 AND done_at IS NULL")
            .bind(unit).fetch_all(&app.db.pool).await.expect("todos");
        assert_eq!(todos, ["【即将到期】报送阶段性进展"]);
        // The liaison officer of that unit sees it on the home page.
        let mut liaison = app.client();
        liaison.login("liaison.scjg", PASSWORD).await;
        assert!(liaison.get("/").await.body.contains("【即将到期】报送阶段性进展"));
        // Running again the same day adds nothing.
        let r = run_pass(&app.db, &cal, d(2026, 3, 5), at(2026, 3, 5, 2)).await.expect("pass");
        assert_eq!((r.due_soon, r.missed), (0, 0));
        // Tuesday 10 March: overdue. The clock is marked missed, the owner gets an urgent
        // to-do, the city office a notification.
        let r = run_pass(&app.db, &cal, d(2026, 3, 10), at(2026, 3, 10, 1)).await.expect("pass");
        assert_eq!((r.due_soon, r.missed), (0, 1));
        let state: String = sqlx::query_scalar("SELECT state FROM deadlines WHERE id = $1").bind(id).fetch_one(&app.db.pool).await.expect("state");
        assert_eq!(state, "missed");
        let urgent: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM todo_items WHERE unit_id = $1 AND urgent = 1")
            .bind(unit).fetch_one(&app.db.pool).await.expect("todos");
        assert_eq!(urgent, 1);
        let notified: Vec<String> = sqlx::query_scalar(
            "SELECT u.username FROM notifications n JOIN users u ON u.id = n.user_id WHERE n.title = '期限逾期提醒' ORDER BY u.username",
        )
        .fetch_all(&app.db.pool).await.expect("notifications");
        assert_eq!(notified, ["director", "staff"], "the city office, not the Luoshan or Pingyin offices");
        // The owner unit's liaison officer was told twice: due soon, then overdue.
        let owner_notes: Vec<String> = sqlx::query_scalar(
            "SELECT n.title FROM notifications n JOIN users u ON u.id = n.user_id WHERE u.username = 'liaison.scjg' ORDER BY n.id",
        )
        .fetch_all(&app.db.pool).await.expect("notifications");
        assert_eq!(owner_notes, ["期限即将届满", "期限已逾期"]);
        let mut staff = app.client();
        staff.login("staff", PASSWORD).await;
        assert!(staff.get("/").await.body.contains("本辖区新增1项逾期期限"));
        // Done late: the to-dos are settled.
        let r = staff.post(&format!("/deadlines/{id}/change"), &[("op", "met"), ("date", "2026-03-11")]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        // The page says what was done, dates as people write them (issue #20).
        let after = staff.get(r.location()).await;
        assert!(after.body.contains("已办理：于2026年3月11日完成。"), "{}", after.body);
        let open: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM todo_items WHERE source_id = $1 AND done_at IS NULL")
            .bind(id).fetch_one(&app.db.pool).await.expect("todos");
        assert_eq!(open, 0);
        let passes: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'deadline.scheduler_pass'")
            .fetch_one(&app.db.pool).await.expect("audit");
        assert_eq!(passes, 2);
    })
    .await;
}

#[tokio::test]
async fn two_scheduler_instances_act_once() {
    each_db(true, |app| async move {
        without_demo_deadlines(&app).await;
        for i in 0..20 {
            app.open_deadline(
                &format!("期限{i}"),
                d(2026, 3, 2),
                Rule::WorkingDays(5),
                MSA,
            )
            .await;
        }
        let now = at(2026, 3, 10, 1);
        let ttl = chrono::Duration::minutes(3);
        // Both instances wake at the same moment: exactly one gets the lease.
        let (a, b) = tokio::join!(
            acquire_lease(&app.db, "deadline-scheduler", "instance-a", now, ttl),
            acquire_lease(&app.db, "deadline-scheduler", "instance-b", now, ttl)
        );
        let (a, b) = (a.expect("a"), b.expect("b"));
        assert!(a ^ b, "exactly one holder: a={a} b={b}");
        // The holder renews; the other cannot take it until it expires.
        let holder = if a { "instance-a" } else { "instance-b" };
        let other = if a { "instance-b" } else { "instance-a" };
        assert!(
            acquire_lease(
                &app.db,
                "deadline-scheduler",
                holder,
                now + chrono::Duration::minutes(1),
                ttl
            )
            .await
            .expect("renew")
        );
        assert!(
            !acquire_lease(
                &app.db,
                "deadline-scheduler",
                other,
                now + chrono::Duration::minutes(2),
                ttl
            )
            .await
            .expect("busy")
        );
        assert!(
            acquire_lease(
                &app.db,
                "deadline-scheduler",
                other,
                now + chrono::Duration::minutes(5),
                ttl
            )
            .await
            .expect("expired")
        );
        // Even if two passes ran at once, each deadline is escalated once.
        let cal = app.state.calendar();
        let (r1, r2) = tokio::join!(
            run_pass(&app.db, &cal, d(2026, 3, 10), now),
            run_pass(
                &app.db,
                &cal,
                d(2026, 3, 10),
                now + chrono::Duration::seconds(1)
            )
        );
        assert_eq!(r1.expect("pass").missed + r2.expect("pass").missed, 20);
        let todos: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM todo_items WHERE urgent = 1")
            .fetch_one(&app.db.pool)
            .await
            .expect("count");
        assert_eq!(todos, 20);
    })
    .await;
}

/// Issue #16: "a clock met after its due date is late, and counts as late everywhere". One
/// met on its due date is on time, one met two days after is late (逾期完成), one the scheduler
/// marked missed is missed, a waived one neither; the list filters on it, the page says it, and
/// the SQL form of the rule agrees with the Rust one row by row.
#[tokio::test]
async fn a_clock_met_after_its_due_date_is_late_everywhere() {
    each_db(true, |app| async move {
        without_demo_deadlines(&app).await;
        // Each due 2026-03-09 (5 working days from Monday 2 March).
        let mut ids = Vec::new();
        for purpose in ["按期办结", "逾期办结", "逾期未办", "豁免"] {
            ids.push(
                app.open_deadline(purpose, d(2026, 3, 2), Rule::WorkingDays(5), MSA)
                    .await,
            );
        }
        let mut staff = app.client();
        staff.login("staff", PASSWORD).await;
        let change = |id: i64| format!("/deadlines/{id}/change");
        let r = staff
            .post(&change(ids[0]), &[("op", "met"), ("date", "2026-03-09")])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let r = staff
            .post(&change(ids[1]), &[("op", "met"), ("date", "2026-03-11")])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        // Waived by the office director, who decides on clocks.
        let mut director = app.client();
        director.login("director", PASSWORD).await;
        let r = director
            .post(
                &change(ids[3]),
                &[("op", "waive"), ("reason", "案件已移送司法机关")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let cal = app.state.calendar();
        run_pass(&app.db, &cal, d(2026, 3, 10), at(2026, 3, 10, 1))
            .await
            .expect("pass");

        let token = app.token("staff").await;
        let get = |id: i64| {
            let (app, token) = (&app, token.clone());
            async move {
                let r = api(
                    app,
                    Method::GET,
                    &format!("/api/v1/deadlines/{id}"),
                    Some(&token),
                    None,
                )
                .await;
                assert_eq!(r.status, StatusCode::OK, "{}", r.body);
                r.json()["timeliness"]
                    .as_str()
                    .expect("timeliness")
                    .to_string()
            }
        };
        // A missed clock cannot be backdated into time.
        for day in ["2026-03-09", "2026-03-02"] {
            let r = staff
                .post(&change(ids[2]), &[("op", "met"), ("date", day)])
                .await;
            assert_ne!(r.status, StatusCode::SEE_OTHER, "{day}: {}", r.body);
        }
        let got = [
            get(ids[0]).await,
            get(ids[1]).await,
            get(ids[2]).await,
            get(ids[3]).await,
        ];
        assert_eq!(got, ["on_time", "late", "missed", "waived"]);
        for (state, want) in [("late", ids[1]), ("on_time", ids[0])] {
            let r = api(
                &app,
                Method::GET,
                &format!("/api/v1/deadlines?state={state}"),
                Some(&token),
                None,
            )
            .await;
            let items: Vec<i64> = r.json()["items"]
                .as_array()
                .expect("items")
                .iter()
                .filter_map(|i| i["id"].as_i64())
                .collect();
            assert_eq!(items, [want], "{state}: {}", r.body);
        }
        let page = staff.get(&format!("/deadlines/{}", ids[1])).await;
        assert!(page.body.contains("逾期完成"), "{}", page.body);
        let list = staff.get("/deadlines?state=late").await;
        assert!(
            list.body.contains("逾期办结")
                && list.body.contains("tag danger")
                && !list.body.contains("按期办结"),
            "{}",
            list.body
        );

        // The SQL form of the rule is the Rust one.
        let rows: Vec<(String, Option<String>, String, String)> = sqlx::query_as(concat!(
            "SELECT d.clock, d.due_date, d.state, ",
            shuangda::timeliness_sql!("d"),
            " FROM deadlines d ORDER BY d.id"
        ))
        .fetch_all(&app.db.pool)
        .await
        .expect("rows");
        assert_eq!(rows.len(), 4);
        for (clock, due, state, sql) in rows {
            let mut clock: shuangda::deadline::Clock = serde_json::from_str(&clock).expect("clock");
            if state == "missed" {
                clock.state = shuangda::deadline::State::Missed { due: d(2026, 3, 9) };
            }
            let due = due.map(|s| NaiveDate::parse_from_str(&s, "%Y-%m-%d").expect("date"));
            assert_eq!(
                shuangda::deadline::Timeliness::of(&clock.state, due).code(),
                sql
            );
        }
    })
    .await;
}
