//! Clocks across the year end (issue #11), on both databases: a year without an imported notice
//! is computed provisionally and says so; importing the notice recomputes the open deadlines
//! that touched it, with history, audit, notices and the scheduler's next pass; a date the
//! office names is kept as named.

mod common;

use axum::http::{Method, StatusCode};
use chrono::{Datelike, NaiveDate, TimeZone, Utc, Weekday};
use common::{App, api, call, each_db, each_db_on};
use serde_json::{Value, json};
use shuangda::deadline::Rule;
use shuangda::deadline::scheduler::run_pass;
use shuangda::deadline::store::{self, Change};

const MSA: &str = "信阳市市场监督管理局";

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).expect("date")
}

async fn open(app: &App, purpose: &str, start: NaiveDate, rule: Rule) -> i64 {
    let id = app.open_deadline(purpose, start, rule, MSA).await;
    let mut tx = app.db.begin().await.expect("tx");
    // A reminder as the owner would have it on the to-do list.
    sqlx::query(
        "INSERT INTO todo_items (unit_id, title, link, due_date, urgent, source_type, source_id, created_at) \
         SELECT owner_unit_id, purpose, '/deadlines/' || id, due_date, 0, 'deadline', id, '2026-12-01T00:00:00.000000Z' FROM deadlines WHERE id = $1",
    )
    .bind(id)
    .execute(&mut *tx)
    .await
    .expect("todo");
    tx.commit().await.expect("commit");
    id
}

async fn deadline(app: &App, id: i64) -> Value {
    let (s, v) = call(
        app,
        "director",
        Method::GET,
        &format!("/api/v1/deadlines/{id}"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v
}

/// A 2027 notice unlike the statutory rule: 春节 off Friday 5 to Thursday 11 February, with
/// Saturday 20 February a make-up working day.
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

#[tokio::test]
async fn calendar_endpoints_say_provisional_for_a_year_without_its_notice() {
    each_db(true, |app| async move {
        let (s, v) = call(
            &app,
            "staff",
            Method::GET,
            "/api/v1/calendar/workday?date=2027-02-05",
            None,
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["workday"], false);
        assert_eq!(
            v["kind"], "法定节假日（春节）",
            "除夕 2027 under the 2024 revision"
        );
        assert_eq!(v["provisional"], true);
        assert!(
            v["provisional_note"]
                .as_str()
                .expect("note")
                .contains("2027年")
        );
        // A shipped year is not provisional.
        let (_, v) = call(
            &app,
            "staff",
            Method::GET,
            "/api/v1/calendar/workday?date=2026-02-14",
            None,
        )
        .await;
        assert_eq!(v["provisional"], false);
        assert_eq!(v["workday"], true, "调休上班");
        // 000 §8: 20 working days from 10 December 2026 end on 8 January 2027, provisionally.
        let (s, v) = call(
            &app,
            "staff",
            Method::GET,
            "/api/v1/calendar/add-workdays?date=2026-12-10&n=20",
            None,
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["due"], "2027-01-08");
        assert_eq!(v["provisional"], true);
        assert_eq!(v["provisional_years"], json!([2027]));
        assert!(v["explanation"].as_str().expect("text").contains("暂定"));
        let (_, v) = call(
            &app,
            "staff",
            Method::GET,
            "/api/v1/calendar/add-days?date=2026-11-02&n=3",
            None,
        )
        .await;
        assert_eq!(v["provisional"], false);
        let (_, v) = call(&app, "staff", Method::GET, "/api/v1/calendar/years", None).await;
        assert!(
            v["provisional"]
                .as_array()
                .expect("list")
                .contains(&json!(2027))
        );
        assert!(!v["known"].as_array().expect("list").contains(&json!(2027)));
        // The API describes the new fields.
        let doc = app.client().get("/api/v1/openapi.json").await.json();
        let schemas = &doc["components"]["schemas"];
        assert_eq!(
            schemas["Deadline"]["properties"]["provisional"]["type"],
            "boolean"
        );
        assert_eq!(
            schemas["PeriodAnswer"]["properties"]["provisional"]["type"],
            "boolean"
        );
        assert!(schemas["SavedYear"]["properties"]["recomputation"].is_object());
        assert!(schemas["Recomputation"]["properties"]["moved"].is_object());
        // More than 30 years ahead is still an error naming the year.
        let (s, v) = call(
            &app,
            "staff",
            Method::GET,
            "/api/v1/calendar/workday?date=2099-06-01",
            None,
        )
        .await;
        assert_eq!(s, StatusCode::CONFLICT);
        assert_eq!(v["error"]["code"], "calendar_year_missing");
        assert!(
            v["error"]["message"]
                .as_str()
                .expect("msg")
                .contains("2099年")
        );
    })
    .await;
}

#[tokio::test]
async fn a_clock_into_2027_is_stored_provisional_and_recomputed_when_the_notice_is_imported() {
    each_db(true, |app| async move {
        // The demo's own clocks follow the tests' day (some run into 2027 on 31 December): close
        // them, so that the figures below are this test's alone.
        sqlx::query("UPDATE deadlines SET state = 'waived'")
            .execute(&app.db.pool)
            .await
            .expect("close the demo clocks");
        // B: 20 working days from 10 December 2026: 8 January 2027 under both calendars.
        let b = open(&app, "跨年期限", d(2026, 12, 10), Rule::WorkingDays(20)).await;
        // A: 5 working days from 1 February 2027: 12 Feb provisionally, 15 Feb by the notice.
        let a = open(&app, "春节前后期限", d(2027, 2, 1), Rule::WorkingDays(5)).await;
        // C: 8 working days from 11 February: 23 Feb provisionally, 22 Feb by the notice (the
        // make-up Saturday counts).
        let c = open(&app, "调休影响的期限", d(2027, 2, 11), Rule::WorkingDays(8)).await;
        // D: like A but already met: a closed clock keeps the date it was judged by.
        let done = open(&app, "已完成的期限", d(2027, 2, 1), Rule::WorkingDays(5)).await;
        let director = app.user_id("director").await;
        let (actor, _) = shuangda::users::store::load_actor(&app.db, director).await.expect("actor").expect("active");
        store::change(&app.db, &app.state.calendar(), &actor, &app.system("测试"), done, Change::Met { on: d(2027, 2, 3) })
            .await
            .expect("met");
        // E: wholly inside 2026: never touched.
        let plain = open(&app, "年内期限", d(2026, 11, 2), Rule::WorkingDays(5)).await;
        // F: 20 working days from 11 February: 11 March provisionally, 10 March by the notice;
        // still running on 23 February.
        let later = open(&app, "三月到期的期限", d(2027, 2, 11), Rule::WorkingDays(20)).await;
        // G: 40 working days from 1 December 2027, into 2028: not moved by the 2027 notice (no
        // holiday in its part of 2027 either way) and still provisional after it, as 2028 has
        // no notice yet.
        let long = open(&app, "跨年的2027年底期限", d(2027, 12, 1), Rule::WorkingDays(40)).await;
        let long_due = deadline(&app, long).await["due_date"].clone();
        assert!(long_due.as_str().expect("due").starts_with("2028-"), "{long_due}");

        for (id, due) in [(b, "2027-01-08"), (a, "2027-02-12"), (c, "2027-02-23")] {
            let v = deadline(&app, id).await;
            assert_eq!(v["due_date"], due, "{v}");
            assert_eq!(v["provisional"], true, "{v}");
            assert!(v["explanation"].as_str().expect("text").contains("暂定"));
        }
        assert_eq!(deadline(&app, plain).await["provisional"], false);
        // The deadline page says 暂定 beside the date.
        let mut client = app.client();
        client.login("director", common::PASSWORD).await;
        let page = client.get(&format!("/deadlines/{a}")).await;
        assert!(page.body.contains("2027年2月12日（暂定）"), "{}", page.body);

        // So does the owner's to-do list.
        let mut liaison = app.client();
        liaison.login("liaison.scjg", common::PASSWORD).await;
        let home = liaison.get("/").await;
        assert!(home.body.contains("期限 2027年2月12日（暂定）"), "{}", home.body);
        assert!(home.body.contains("期限 2026年11月9日</span>"), "a 2026 date is not provisional");

        // The import page previews before it confirms.
        let mut admin = app.client();
        admin.login("sysadmin", common::PASSWORD).await;
        let r = admin.post("/calendar", &[("schedule", NOTICE_2027)]).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.body.contains("id=\"schedule-preview\""), "{}", r.body);
        assert!(r.body.contains("3项的届满日变更"), "{}", r.body);
        assert!(r.body.contains("提前2项，最多提前1日"), "{}", r.body);
        assert!(r.body.contains("推后1项，最多推后3日"), "{}", r.body);
        assert!(deadline(&app, a).await["provisional"] == true, "a preview changes nothing");

        let events_before = app.count("audit_log").await;
        let written_before: Vec<(i64, String)> = sqlx::query_as("SELECT id, updated_at FROM deadlines WHERE id IN ($1, $2)")
            .bind(b)
            .bind(long)
            .fetch_all(&app.db.pool)
            .await
            .expect("rows");
        let (s, v) = call(&app, "sysadmin", Method::PUT, "/api/v1/calendar/years/2027", Some(json!({"schedule": NOTICE_2027}))).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let r = &v["recomputation"];
        assert_eq!(r["moved"], 3, "{v}");
        assert_eq!(r["later"], 1);
        assert_eq!(r["max_later_days"], 3);
        assert_eq!(r["earlier"], 2);
        assert_eq!(r["max_earlier_days"], 1);
        assert_eq!(r["confirmed"], 4, "A, B, C and F are no longer provisional; G still is (2028)");
        assert!(v["years"]["known"].as_array().expect("known").contains(&json!(2027)));

        let va = deadline(&app, a).await;
        assert_eq!(va["due_date"], "2027-02-15");
        assert_eq!(va["provisional"], false);
        let ev = va["events"].as_array().expect("events").last().expect("event").clone();
        assert_eq!(ev["kind"], "recomputed");
        let detail = ev["detail"].as_str().expect("detail");
        assert!(detail.contains("2027-02-12") && detail.contains("2027-02-15"), "{detail}");
        assert!(detail.contains("国务院办公厅关于2027年部分节假日安排的通知（测试用）"), "{detail}");
        let vb = deadline(&app, b).await;
        assert_eq!(vb["due_date"], "2027-01-08");
        assert_eq!(vb["provisional"], false);
        assert_ne!(vb["events"].as_array().expect("events").last().expect("event")["kind"], "recomputed");
        // Confirmed without moving: the import wrote neither B's row nor G's (whether a date
        // is provisional is read from the calendar), so 100,000 confirmed clocks cost no write.
        let written_after: Vec<(i64, String)> = sqlx::query_as("SELECT id, updated_at FROM deadlines WHERE id IN ($1, $2)")
            .bind(b)
            .bind(long)
            .fetch_all(&app.db.pool)
            .await
            .expect("rows");
        assert_eq!(written_after, written_before);
        let vg = deadline(&app, long).await;
        assert_eq!(vg["due_date"], long_due, "{vg}");
        assert_eq!(vg["provisional"], true, "2028 has no notice yet: {vg}");
        assert!(vg["explanation"].as_str().expect("text").contains("2028年"), "{vg}");
        assert_eq!(deadline(&app, c).await["due_date"], "2027-02-22");
        assert_eq!(deadline(&app, later).await["due_date"], "2027-03-10");
        let vd = deadline(&app, done).await;
        assert_eq!(vd["due_date"], "2027-02-12", "a closed clock keeps its date");
        assert_eq!(vd["state"], "met");
        let text = vd["explanation"].as_str().expect("explanation");
        assert!(
            text.contains("认定的届满日为2027-02-12；按现行安排计算为2027-02-15"),
            "{text}"
        );
        assert_eq!(deadline(&app, plain).await["events"].as_array().expect("events").len(), 1);

        // One audit record for the import and one for the recomputation it caused, which
        // counts the moved dates; each deadline's history names its own change.
        assert_eq!(app.count("audit_log").await - events_before, 2);
        let recompute: String = sqlx::query_scalar(
            "SELECT summary FROM audit_log WHERE action = 'deadline.recompute' AND object_type = 'holiday_year' AND object_id = '2027'",
        )
        .fetch_one(&app.db.pool)
        .await
        .expect("recompute audit");
        let recompute: serde_json::Value = serde_json::from_str(&recompute).expect("json");
        assert_eq!(recompute["moved"], 3, "{recompute}");
        // The to-do carries the new date.
        let todo_due: Option<String> = sqlx::query_scalar("SELECT due_date FROM todo_items WHERE source_type = 'deadline' AND source_id = $1")
            .bind(a)
            .fetch_one(&app.db.pool)
            .await
            .expect("todo");
        assert_eq!(todo_due.as_deref(), Some("2027-02-15"));
        // The owner unit's liaison officer and the city office are told.
        let owner_notes: Vec<String> = sqlx::query_scalar(
            "SELECT n.body FROM notifications n JOIN users u ON u.id = n.user_id WHERE u.username = 'liaison.scjg' AND n.title = '期限届满日变更'",
        )
        .fetch_all(&app.db.pool)
        .await
        .expect("notes");
        assert_eq!(owner_notes.len(), 1, "one notice per owner and import: {owner_notes:?}");
        assert!(owner_notes[0].contains("您负责的3项期限的届满日已重新计算"), "{owner_notes:?}");
        let office_body: String = sqlx::query_scalar(
            "SELECT n.body FROM notifications n JOIN users u ON u.id = n.user_id WHERE u.username = 'director' AND n.title = '期限届满日变更'",
        )
        .fetch_one(&app.db.pool)
        .await
        .expect("office digest");
        assert!(office_body.contains("本辖区3项期限"), "{office_body}");

        // C's new date (22 Feb) is past on 23 Feb (its old one was not): the next pass marks it
        // missed; F runs on.
        let now = Utc.with_ymd_and_hms(2027, 2, 23, 1, 0, 0).single().expect("instant");
        let report = run_pass(&app.db, &app.state.calendar(), d(2027, 2, 23), now).await.expect("pass");
        assert!(report.missed >= 1);
        assert_eq!(deadline(&app, c).await["state"], "missed");
        assert_eq!(deadline(&app, later).await["state"], "open");
    })
    .await;
}

#[tokio::test]
async fn importing_needs_the_system_administrator_and_a_valid_notice() {
    each_db(true, |app| async move {
        let (s, _) = call(
            &app,
            "director",
            Method::PUT,
            "/api/v1/calendar/years/2027",
            Some(json!({"schedule": NOTICE_2027})),
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let bad = NOTICE_2027.replace("2027-02-20", "2027-02-22");
        let (s, v) = call(
            &app,
            "sysadmin",
            Method::PUT,
            "/api/v1/calendar/years/2027",
            Some(json!({"schedule": bad})),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(v["error"]["fields"][0]["field"], "schedule");
        // A notice without holidays, and a loosely written year in the path, are refused.
        let empty = json!({"schedule": "year = 2027\nsource = \"空的安排\"\n"});
        let (s, v) = call(
            &app,
            "sysadmin",
            Method::PUT,
            "/api/v1/calendar/years/2027",
            Some(empty),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        let good = json!({"schedule": NOTICE_2027});
        for path in [
            "/api/v1/calendar/years/02027",
            "/api/v1/calendar/years/%2B2027",
        ] {
            let (s, _) = call(&app, "sysadmin", Method::PUT, path, Some(good.clone())).await;
            assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{path}");
        }
        let (_, v) = call(&app, "staff", Method::GET, "/api/v1/calendar/years", None).await;
        assert!(
            v["provisional"]
                .as_array()
                .expect("list")
                .contains(&json!(2027)),
            "nothing imported"
        );
    })
    .await;
}

/// Two administrators importing the same year at once: both succeed in turn, one row stays,
/// and both imports are on the audit trail (no key violation, no 500).
#[tokio::test]
async fn two_imports_of_the_same_year_at_once_queue() {
    each_db(true, |app| async move {
        let (t1, t2) = (app.token("sysadmin").await, app.token("sysadmin").await);
        // Ten years, each imported twice at the same moment: the race is on the first insert.
        for year in 2028..2038 {
            let text = format!(
                "year = {year}\nsource = \"测试用{year}年安排\"\n\n[[holidays]]\nname = \"元旦\"\ndays = [\"{year}-01-01\"]\n"
            );
            let body = json!({ "schedule": text });
            let path = format!("/api/v1/calendar/years/{year}");
            let (a, b) = tokio::join!(
                api(&app, Method::PUT, &path, Some(&t1), Some(body.clone())),
                api(&app, Method::PUT, &path, Some(&t2), Some(body.clone())),
            );
            assert_eq!(
                (a.status, b.status),
                (StatusCode::OK, StatusCode::OK),
                "{year}: {} {}",
                a.body,
                b.body
            );
        }
        assert_eq!(app.count("holiday_years").await, 10);
        let saves: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'calendar.save_year'",
        )
        .fetch_one(&app.db.pool)
        .await
        .expect("count");
        assert_eq!(saves, 20);
    })
    .await;
}

/// A task's time limit is the date the office named: kept as named, not rolled forward from a
/// rest day (DOMAIN.md §6 applies to "N日" periods, not to a named date).
#[tokio::test]
async fn a_named_time_limit_is_kept_as_named() {
    each_db(true, |app| async move {
        // A Saturday at least three weeks ahead of the server's today.
        let today = app.today();
        let mut due = today + chrono::Duration::days(21);
        while due.weekday() != Weekday::Sat {
            due = due.succ_opt().expect("date");
        }
        let (s, v) = call(&app, "staff", Method::POST, "/api/v1/tasks", Some(json!({
            "title": "周六到期的任务", "description": "按指定日期完成。", "source": "decided_item",
            "lead_unit_id": app.unit_id(MSA).await.to_string(), "due_on": due.to_string()
        }))).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let id = v["id"].as_i64().expect("id");
        let row: (String, String) = sqlx::query_as("SELECT due_date, rule_text FROM deadlines WHERE record_type = 'task' AND record_id = $1")
            .bind(id)
            .fetch_one(&app.db.pool)
            .await
            .expect("clock");
        assert_eq!(row.0, due.to_string(), "not rolled forward to Monday");
        assert!(row.1.starts_with("指定日期"), "{}", row.1);
    })
    .await;
}

/// From 1 November the office director and staff, and the system administrator, see on their
/// home page that next year's notice is missing and how many open deadlines are provisional;
/// a member unit's liaison officer does not (issue #11).
#[tokio::test]
async fn the_year_end_warning_reaches_the_office_and_the_administrator() {
    each_db_on(d(2026, 11, 16), true, |app| async move {
        sqlx::query("UPDATE deadlines SET state = 'waived'")
            .execute(&app.db.pool)
            .await
            .expect("close the demo clocks");
        // Two provisional clocks of a city unit, one of a Luoshan county unit.
        open(&app, "跨年期限", d(2026, 12, 10), Rule::WorkingDays(20)).await;
        open(&app, "跨年期限二", d(2026, 12, 20), Rule::Days(30)).await;
        app.open_deadline(
            "县级跨年期限",
            d(2026, 12, 10),
            Rule::WorkingDays(20),
            "罗山县市场监督管理局",
        )
        .await;
        // The city office sees its city's three, the county office its county's one; the
        // system administrator, who imports the notice, the platform's three.
        for (who, want) in [
            ("director", 3),
            ("staff", 3),
            ("sysadmin", 3),
            ("county.luoshan", 1),
        ] {
            let mut c = app.client();
            c.login(who, common::PASSWORD).await;
            let home = c.get("/").await;
            assert!(
                home.body.contains("id=\"missing-year\""),
                "{who}: {}",
                home.body
            );
            assert!(
                home.body.contains("关于2027年部分节假日安排的通知尚未导入"),
                "{who}"
            );
            assert!(
                home.body
                    .contains(&format!("<strong id=\"provisional-count\">{want}</strong>")),
                "{who}: {}",
                home.body
            );
        }
        let mut c = app.client();
        c.login("liaison.scjg", common::PASSWORD).await;
        assert!(!c.get("/").await.body.contains("id=\"missing-year\""));
        let (_, v) = call(&app, "staff", Method::GET, "/api/v1/calendar/years", None).await;
        assert_eq!(v["missing_next_year"], 2027);
        assert_eq!(v["open_provisional_deadlines"].as_i64(), Some(3));
        let (_, v) = call(
            &app,
            "county.luoshan",
            Method::GET,
            "/api/v1/calendar/years",
            None,
        )
        .await;
        assert_eq!(v["open_provisional_deadlines"].as_i64(), Some(1));
    })
    .await;
    // Before November nobody is warned yet.
    each_db_on(d(2026, 10, 15), true, |app| async move {
        let mut c = app.client();
        c.login("director", common::PASSWORD).await;
        assert!(!c.get("/").await.body.contains("id=\"missing-year\""));
    })
    .await;
}

/// A notice imported where this server did not see it (the command line while the server runs,
/// or another instance): a deadline this server then opens with its stale calendar gets the
/// provisional date. The scheduler notices the stored years changed, reloads the calendar and
/// recomputes the open deadlines touching the changed year.
#[tokio::test]
async fn a_notice_imported_elsewhere_is_reconciled_by_the_scheduler() {
    each_db(true, |app| async move {
        sqlx::query("UPDATE deadlines SET state = 'waived'")
            .execute(&app.db.pool)
            .await
            .expect("close the demo clocks");
        // As `shuangda calendar import` does: store the year; this server's calendar is not
        // reloaded.
        let stale = app.state.calendar();
        shuangda::calendar::store::save_year(
            &app.db,
            &stale,
            None,
            &app.system("命令行导入"),
            NOTICE_2027,
        )
        .await
        .expect("import");
        assert!(
            !app.state.calendar().is_known_year(2027),
            "not reloaded yet"
        );
        // 5 working days from 1 February 2027 with the stale calendar: 12 February, provisional
        // (the notice gives 15 February).
        let id = app
            .open_deadline(
                "导入后以旧日历开立的期限",
                d(2027, 2, 1),
                Rule::WorkingDays(5),
                MSA,
            )
            .await;
        assert_eq!(deadline(&app, id).await["due_date"], "2027-02-12");

        let scheduler = shuangda::deadline::scheduler::spawn(
            app.state.ctx.clone(),
            std::time::Duration::from_millis(50),
        );
        let mut fixed = Value::Null;
        for _ in 0..100 {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            fixed = deadline(&app, id).await;
            if fixed["due_date"] == "2027-02-15" {
                break;
            }
        }
        scheduler.abort();
        assert_eq!(fixed["due_date"], "2027-02-15", "{fixed}");
        assert_eq!(fixed["provisional"], false);
        // The recomputation is in the history (on a test day after 15 February the same pass
        // then marks the clock missed, as it should).
        let events = fixed["events"].as_array().expect("events");
        let ev = events
            .iter()
            .find(|e| e["kind"] == "recomputed")
            .unwrap_or_else(|| panic!("no recomputed event: {events:?}"));
        assert!(
            ev["detail"]
                .as_str()
                .expect("detail")
                .contains("2027-02-12"),
            "{ev}"
        );
        assert!(app.state.calendar().is_known_year(2027), "reloaded");
    })
    .await;
}
