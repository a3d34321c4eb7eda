//! Statistics for the office and the leaders (issue #16) on both databases: the timeliness of
//! clocks by unit and by kind — a clock met after its due date is late here as in the lists —
//! within the reader's scope, the chart drawn from the figures of the table beside it, the
//! workbook, and the click-through from a figure to the clocks behind it.

mod common;

use axum::http::{Method, StatusCode};
use chrono::{NaiveDate, TimeZone, Utc};
use common::{App, PASSWORD, call, each_db};
use serde_json::Value;
use shuangda::deadline::Rule;
use shuangda::deadline::scheduler::run_pass;

const MSA: &str = "信阳市市场监督管理局";
const POLICE: &str = "信阳市公安局";

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).expect("date")
}

async fn clean(app: &App) {
    for t in [
        "deadline_events",
        "deadlines",
        "clock_tally",
        "clock_tally_delta",
    ] {
        sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {t}")))
            .execute(&app.db.pool)
            .await
            .expect("clean");
    }
}

fn row<'a>(rows: &'a Value, label: &str) -> &'a Value {
    rows.as_array()
        .expect("rows")
        .iter()
        .find(|r| r["label"] == label)
        .unwrap_or_else(|| panic!("no row {label}: {rows}"))
}

#[tokio::test]
async fn clocks_are_counted_on_time_late_missed_and_overdue_by_unit_and_kind() {
    each_db(true, |app| async move {
        clean(&app).await;
        // All due 2026-03-09 (5 working days from Monday 2 March).
        let start = d(2026, 3, 2);
        let on_time = app
            .open_deadline("按期办结", start, Rule::WorkingDays(5), MSA)
            .await;
        let late = app
            .open_deadline("逾期办结", start, Rule::WorkingDays(5), MSA)
            .await;
        app.open_deadline("逾期未办", start, Rule::WorkingDays(5), POLICE)
            .await;
        let mut staff = app.client();
        staff.login("staff", PASSWORD).await;
        for (id, day) in [(on_time, "2026-03-09"), (late, "2026-03-11")] {
            let r = staff
                .post(
                    &format!("/deadlines/{id}/change"),
                    &[("op", "met"), ("date", day)],
                )
                .await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        }
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
        // A late clock of the bureau outside the period: not behind the figure.
        let before = app
            .open_deadline("二月逾期办结", d(2026, 2, 2), Rule::WorkingDays(5), MSA)
            .await;
        let r = staff
            .post(
                &format!("/deadlines/{before}/change"),
                &[("op", "met"), ("date", "2026-02-27")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        // Opened after the pass: running, and past its due date.
        app.open_deadline("超期未办结", start, Rule::WorkingDays(5), POLICE)
            .await;

        let path = "/api/v1/statistics/clocks?from=2026-03-01&to=2026-03-31";
        let (s, f) = call(&app, "staff", Method::GET, path, None).await;
        assert_eq!(s, StatusCode::OK, "{f}");
        let msa = row(&f["units"], MSA);
        assert_eq!(
            (
                &msa["on_time"],
                &msa["late"],
                &msa["missed"],
                &msa["settled"],
                &msa["on_time_rate"]
            ),
            (
                &Value::from(1),
                &Value::from(1),
                &Value::from(0),
                &Value::from(2),
                &Value::from(50.0)
            ),
            "{msa}"
        );
        let police = row(&f["units"], POLICE);
        assert_eq!(
            (
                &police["missed"],
                &police["running"],
                &police["overdue_open"],
                &police["on_time_rate"]
            ),
            (
                &Value::from(1),
                &Value::from(1),
                &Value::from(1),
                &Value::from(0.0)
            ),
            "{police}"
        );
        // The unit most behind first; the totals; the kind named by its clause as officials cite it.
        assert_eq!(f["units"][0]["label"], POLICE);
        assert_eq!(
            (&f["total"]["settled"], &f["total"]["late"]),
            (&Value::from(3), &Value::from(1))
        );
        assert_eq!(f["kinds"].as_array().map(Vec::len), Some(1), "{f}");
        assert!(
            !f["kinds"][0]["label"].as_str().unwrap_or("").contains('§'),
            "{f}"
        );
        // Outside the period: nothing.
        let (_, none) = call(
            &app,
            "staff",
            Method::GET,
            "/api/v1/statistics/clocks?from=2026-04-01&to=2026-04-30",
            None,
        )
        .await;
        assert_eq!(none["units"], Value::Array(vec![]), "{none}");
        // A unit sees its own clocks only.
        let (s, own) = call(&app, "liaison.scjg", Method::GET, path, None).await;
        assert_eq!(s, StatusCode::OK, "{own}");
        assert_eq!(own["units"].as_array().map(Vec::len), Some(1), "{own}");
        assert_eq!(own["units"][0]["label"], MSA);
        // A malformed day is named; the period the right way round.
        let (s, v) = call(
            &app,
            "staff",
            Method::GET,
            "/api/v1/statistics/clocks?from=2026-13-01",
            None,
        )
        .await;
        assert_eq!(
            (s, v["error"]["fields"][0]["field"].clone()),
            (StatusCode::UNPROCESSABLE_ENTITY, Value::from("from")),
            "{v}"
        );
        let (s, _) = call(
            &app,
            "staff",
            Method::GET,
            "/api/v1/statistics/clocks?from=2026-03-31&to=2026-03-01",
            None,
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);

        // The page: the chart's bars carry the table's figures; a late figure opens its clocks.
        let page = staff
            .get("/statistics/clocks?from=2026-03-01&to=2026-03-31")
            .await;
        assert_eq!(page.status, StatusCode::OK);
        let b = &page.body;
        assert!(
            b.contains("<svg") && b.contains("aria-label=\"各单位办理时限情况\""),
            "{b}"
        );
        assert!(
            b.contains("data-series=\"逾期完成\" data-value=\"1\"")
                && b.contains("data-series=\"超期未办结\" data-value=\"1\""),
            "{b}"
        );
        let unit = app.unit_id(MSA).await;
        let link =
            format!("/deadlines?state=late&amp;unit={unit}&amp;from=2026-03-01&amp;to=2026-03-31");
        assert!(b.contains(&link), "{b}");
        let behind = staff.get(&link.replace("&amp;", "&")).await;
        assert!(
            behind.body.contains("逾期办结")
                && !behind.body.contains("按期办结")
                && !behind.body.contains("逾期未办"),
            "{}",
            behind.body
        );

        // The workbook: the same figures, a sheet by unit and one by kind.
        let r = staff
            .get("/statistics/clocks.xlsx?from=2026-03-01&to=2026-03-31")
            .await;
        assert_eq!(r.status, StatusCode::OK);
        let mut book: calamine::Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(r.bytes.clone())).expect("xlsx");
        assert_eq!(
            calamine::Reader::sheet_names(&book),
            ["按单位", "按期限种类"]
        );
        let sheet = calamine::Reader::worksheet_range_at(&mut book, 0)
            .expect("sheet")
            .expect("range");
        let msa_row: Vec<String> = sheet
            .rows()
            .find(|r| r.first().is_some_and(|c| *c == MSA))
            .expect("the bureau's row")
            .iter()
            .map(|c| c.to_string())
            .collect();
        assert_eq!(&msa_row[1..4], ["1", "1", "0"], "{msa_row:?}");
        assert_eq!(msa_row[8], "50", "{msa_row:?}");
    })
    .await;
}

/// Issue #16: "supervised cases by state, ground, lead region and age, with the oldest and most
/// overdue first" — from the cases themselves, within the reader's scope, the chart beside
/// its table, a count opening the list behind it.
#[tokio::test]
async fn supervised_cases_by_state_ground_region_and_age_most_behind_first() {
    each_db(true, |app| async move {
        let today = app.today();
        let (_, before) = call(&app, "staff", Method::GET, "/api/v1/statistics/cases", None).await;
        // A label with no cases may be absent (the regions are those with cases).
        let count = |f: &Value, part: &str, label: &str| {
            f[part].as_array().and_then(|rows| rows.iter().find(|r| r["label"] == label)).map_or(0, |r| r["count"].as_i64().expect("count"))
        };
        let msa = app.unit_id(MSA).await.to_string();
        let staff = app.user_id("staff").await.to_string();
        let mut ids = Vec::new();
        for (title, days) in [("统计测试案一", 400), ("统计测试案二", 40)] {
            let (s, v) = call(&app, "staff", Method::POST, "/api/v1/cases", Some(serde_json::json!({
                "title": title, "summary": "群众举报某茶叶公司销售假冒“信阳毛尖”地理标志产品。",
                "source": "daily_work", "received_on": (today - chrono::Duration::days(days)).to_string(),
                "right_kinds": ["geographical_indication"], "regions": ["411502"], "parties": []
            }))).await;
            assert_eq!(s, StatusCode::CREATED, "{v}");
            let id = v["id"].as_i64().expect("id");
            for (who, body) in [
                ("staff", serde_json::json!({"step": "propose", "grounds": [["cross_department", "涉及两个部门"]]})),
                ("director", serde_json::json!({"step": "approve", "reason": "同意督办", "responsible_user_id": staff})),
                ("staff", serde_json::json!({"step": "start", "lead_unit_id": msa, "assisting": []})),
            ] {
                let (s, v) = call(&app, who, Method::POST, &format!("/api/v1/cases/{id}/steps"), Some(body)).await;
                assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
            }
            ids.push(id);
        }
        let (s, f) = call(&app, "staff", Method::GET, "/api/v1/statistics/cases", None).await;
        assert_eq!(s, StatusCode::OK, "{f}");
        assert_eq!(f["supervised"].as_i64(), before["supervised"].as_i64().map(|n| n + 2), "{f}");
        assert_eq!(count(&f, "states", "已启动督办"), count(&before, "states", "已启动督办") + 2);
        let ground = "二、涉及多个部门职能或发生地涉及多个地区";
        assert_eq!(count(&f, "grounds", ground), count(&before, "grounds", ground) + 2);
        assert_eq!(count(&f, "lead_regions", "信阳市"), count(&before, "lead_regions", "信阳市") + 2, "{f}");
        assert_eq!(count(&f, "ages", "1年以上"), count(&before, "ages", "1年以上") + 1);
        assert_eq!(count(&f, "ages", "1至3个月"), count(&before, "ages", "1至3个月") + 1);
        // The oldest of those without a late clock comes before the younger one.
        let order: Vec<i64> = f["behind"].as_array().expect("behind").iter().filter_map(|b| b["id"].as_i64()).filter(|id| ids.contains(id)).collect();
        assert_eq!(order, ids, "{f}");
        // A unit sees the cases it is a party to only: the bureau leads both.
        let (_, own) = call(&app, "handler.gaj", Method::GET, "/api/v1/statistics/cases", None).await;
        assert!(own["supervised"].as_i64() < f["supervised"].as_i64(), "{own}");
        // The page: the state count opens the case list on that state; the chart carries it.
        let mut c = app.client();
        c.login("staff", PASSWORD).await;
        let page = c.get("/statistics/cases").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("href=\"/cases?state=started\"") && page.body.contains("aria-label=\"督办中案件按受理时长\""), "{}", page.body);
        assert!(page.body.contains(&format!("data-value=\"{}\"", count(&f, "states", "已启动督办"))), "{}", page.body);
        let x = c.get("/statistics/cases.xlsx").await;
        assert_eq!(x.status, StatusCode::OK);
        let book: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(x.bytes.clone())).expect("xlsx");
        assert_eq!(calamine::Reader::sheet_names(&book), ["按状态", "按督办情形", "按主办地区", "按受理时长", "逾期最多和最久"]);
    })
    .await;
}

async fn assign(app: &App, lead: &str, title: &str, source: &str, due_in: i64) -> i64 {
    let (s, v) = call(
        app,
        "staff",
        Method::POST,
        "/api/v1/tasks",
        Some(serde_json::json!({
            "title": title,
            "description": "按领导小组会议要求开展专项整治并报送成效。",
            "source": source,
            "lead_unit_id": app.unit_id(lead).await.to_string(),
            "due_on": (app.today() + chrono::Duration::days(due_in)).to_string()
        })),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v["id"].as_i64().expect("id")
}

/// Report completion (the lead unit's liaison) and accept it (the office) on `app`'s day.
async fn complete(app: &App, lead: &str, id: i64) {
    for (who, step) in [(lead, "submit_completion"), ("staff", "accept")] {
        let (s, v) = call(
            app,
            who,
            Method::POST,
            &format!("/api/v1/tasks/{id}/steps"),
            Some(serde_json::json!({"step": step, "text": "已完成专项整治，检查门店30家。"})),
        )
        .await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{step}: {v}");
    }
}

fn sheet_row(bytes: &[u8], sheet: usize, first: &str) -> Vec<String> {
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).expect("xlsx");
    let range = calamine::Reader::worksheet_range_at(&mut book, sheet)
        .expect("sheet")
        .expect("range");
    range
        .rows()
        .find(|r| r.first().is_some_and(|c| *c == first))
        .unwrap_or_else(|| panic!("no row {first}"))
        .iter()
        .map(|c| c.to_string())
        .collect()
}

fn sheet_names(bytes: &[u8]) -> Vec<String> {
    let book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).expect("xlsx");
    calamine::Reader::sheet_names(&book)
}

/// Issue #16: "tasks and decided items by state and unit" — a task done after its time limit
/// counts as late for its lead unit on the deadline domain's definition, the unit most behind
/// first, the late figure opening exactly that task; a unit sees itself only; and a unit's own
/// view (`/statistics/mine`) gives its to-dos and this year's record from the same tallies.
#[tokio::test]
async fn tasks_and_decided_items_by_state_and_unit_the_late_unit_first() {
    each_db(true, |app| async move {
        let today = app.today();
        let later = app.on(today + chrono::Duration::days(5));
        let late = assign(&app, MSA, "统计测试议定事项逾期", "decided_item", 2).await;
        let in_time = assign(&app, MSA, "统计测试议定事项按期", "decided_item", 20).await;
        let open = assign(&app, MSA, "统计测试牵头任务在办", "leader_instruction", 30).await;
        assign(
            &app,
            POLICE,
            "统计测试公安任务在办",
            "leader_instruction",
            20,
        )
        .await;
        complete(&app, "liaison.scjg", in_time).await;
        // Reported five days on, three days after its time limit: done late.
        complete(&later, "liaison.scjg", late).await;

        let t = today.to_string();
        let path = format!("/api/v1/statistics/tasks?from={t}&to={t}");
        let (s, f) = call(&app, "staff", Method::GET, &path, None).await;
        assert_eq!(s, StatusCode::OK, "{f}");
        assert_eq!(f["units"][0]["label"], MSA, "the unit behind first: {f}");
        let msa = row(&f["units"], MSA);
        let n = |v: &Value, k: &str| v[k].as_i64().unwrap_or(-1);
        assert_eq!(
            [
                "tasks",
                "decided_items",
                "accepted",
                "on_time",
                "late",
                "missed",
                "running"
            ]
            .map(|k| n(msa, k)),
            [3, 2, 2, 1, 1, 0, 1],
            "{msa}"
        );
        assert_eq!(msa["on_time_rate"], 50.0);
        let police = row(&f["units"], POLICE);
        assert_eq!((n(police, "tasks"), n(police, "late")), (1, 0), "{police}");
        let decided = &f["sources"][0];
        assert_eq!(decided["source"], "decided_item");
        assert_eq!(
            (n(decided, "tasks"), n(decided, "late")),
            (2, 1),
            "{decided}"
        );
        let accepted = f["states"]
            .as_array()
            .and_then(|s| s.iter().find(|s| s["state"] == "accepted"))
            .expect("accepted");
        assert_eq!((n(accepted, "tasks"), n(accepted, "decided_items")), (2, 2));
        assert_eq!(n(&f["total"], "tasks"), 4);
        // A unit sees itself only.
        let (_, own) = call(&app, "handler.gaj", Method::GET, &path, None).await;
        assert_eq!(own["units"].as_array().map(Vec::len), Some(1), "{own}");
        assert_eq!(own["units"][0]["label"], POLICE);
        assert_eq!(n(&own["total"], "tasks"), 1);
        // A malformed or reversed period is named.
        let (s, v) = call(
            &app,
            "staff",
            Method::GET,
            "/api/v1/statistics/tasks?from=2026-02-30",
            None,
        )
        .await;
        assert_eq!(
            (s, v["error"]["fields"][0]["field"].clone()),
            (StatusCode::UNPROCESSABLE_ENTITY, Value::from("from")),
            "{v}"
        );
        let (s, _) = call(
            &app,
            "staff",
            Method::GET,
            &format!("/api/v1/statistics/tasks?from={t}&to=2020-01-01"),
            None,
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);

        // The page: the chart carries the table's figures; the late figure opens that task only.
        let mut staff = app.client();
        staff.login("staff", PASSWORD).await;
        let page = staff
            .get(&format!("/statistics/tasks?from={t}&to={t}"))
            .await;
        assert_eq!(page.status, StatusCode::OK);
        let b = &page.body;
        assert!(
            b.contains("aria-label=\"各牵头单位督办任务办理时限\"")
                && b.contains("data-series=\"逾期完成\" data-value=\"1\"")
                && b.contains("data-series=\"会议议定事项\" data-value=\"2\""),
            "{b}"
        );
        let unit = app.unit_id(MSA).await;
        let link =
            format!("/tasks?from={t}&amp;to={t}&amp;lead_unit_id={unit}&amp;timeliness=late");
        assert!(b.contains(&link), "{b}");
        let behind = staff.get(&link.replace("&amp;", "&")).await;
        assert_eq!(behind.status, StatusCode::OK);
        assert!(
            behind.body.contains("统计测试议定事项逾期")
                && !behind.body.contains("统计测试议定事项按期")
                && !behind.body.contains("统计测试牵头任务在办")
                && behind.body.contains("id=\"tasks-narrowed\""),
            "{}",
            behind.body
        );
        let (s, l) = call(
            &app,
            "staff",
            Method::GET,
            &format!("/api/v1/tasks?source=decided_item&timeliness=late&from={t}&to={t}"),
            None,
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{l}");
        let ids: Vec<i64> = l["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter_map(|i| i["id"].as_i64())
            .collect();
        assert_eq!(ids, [late]);
        let (s, _) = call(
            &app,
            "staff",
            Method::GET,
            "/api/v1/tasks?timeliness=soon",
            None,
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);

        // The workbook: state, lead unit and source; the bureau's row.
        let x = staff
            .get(&format!("/statistics/tasks.xlsx?from={t}&to={t}"))
            .await;
        assert_eq!(x.status, StatusCode::OK);
        assert_eq!(
            sheet_names(&x.bytes),
            ["按办理状态", "按牵头单位", "按任务来源"]
        );
        let r = sheet_row(&x.bytes, 1, MSA);
        assert_eq!(&r[1..7], ["3", "2", "2", "1", "1", "0"], "{r:?}");
        assert_eq!(r[9], "50", "{r:?}");

        // The unit's own view: its to-dos (the open task it leads) and this year's record,
        // the same figures as the clocks' tally filtered to it.
        let (s, m) = call(
            &app,
            "liaison.scjg",
            Method::GET,
            "/api/v1/statistics/mine",
            None,
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{m}");
        assert_eq!(m["unit_name"], MSA);
        let duties: i64 = m["duties"]
            .as_array()
            .expect("duties")
            .iter()
            .map(|d| n(d, "count"))
            .sum();
        assert!(duties >= 1, "{m}");
        assert_eq!(
            ["tasks", "decided_items", "late", "running"].map(|k| n(&m["tasks"], k)),
            [3, 2, 1, 1],
            "{m}"
        );
        let (_, c) = call(
            &app,
            "liaison.scjg",
            Method::GET,
            "/api/v1/statistics/clocks",
            None,
        )
        .await;
        let mine_clocks = row(&c["units"], MSA);
        for k in ["on_time", "late", "missed", "running", "overdue_open"] {
            assert_eq!(m["clocks"][k], mine_clocks[k], "{k}: {m} {c}");
        }
        assert!(n(&m["clocks"], "late") >= 1, "{m}");
        // The office's own unit is the office, not its region.
        let (_, d) = call(
            &app,
            "director",
            Method::GET,
            "/api/v1/statistics/mine",
            None,
        )
        .await;
        assert_eq!(n(&d["tasks"], "tasks"), 0, "{d}");
        let mut liaison = app.client();
        liaison.login("liaison.scjg", PASSWORD).await;
        let page = liaison.get("/statistics/mine").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.body.contains("id=\"mine-duties\"")
                && page
                    .body
                    .contains(&format!("/tasks?lead_unit_id={unit}&amp;timeliness=late")),
            "{}",
            page.body
        );
        // The same figures as a workbook, from the page's link and from the API.
        assert!(
            page.body.contains("href=\"/statistics/mine.xlsx\""),
            "{}",
            page.body
        );
        let x = liaison.get("/statistics/mine.xlsx").await;
        assert_eq!(x.status, StatusCode::OK, "{}", x.body);
        let api_x = common::api_get(&app, "liaison.scjg", "/api/v1/statistics/mine.xlsx").await;
        assert_eq!(api_x.status, StatusCode::OK, "{}", api_x.body);
        assert_eq!(sheet_names(&api_x.bytes), sheet_names(&x.bytes));
        let mut names = vec!["待办", "本年办理时限", "牵头督办任务"];
        if !m["rounds"].is_null() {
            names.push("信息报送");
        }
        assert_eq!(sheet_names(&x.bytes), names);
        let r = sheet_row(&x.bytes, 0, MSA);
        assert_eq!(
            r[1..]
                .iter()
                .filter_map(|c| c.parse::<i64>().ok())
                .sum::<i64>(),
            duties,
            "{r:?}"
        );
        let r = sheet_row(&x.bytes, 1, "合计");
        assert_eq!(
            &r[1..6],
            ["on_time", "late", "missed", "running", "overdue_open"]
                .map(|k| n(&m["clocks"], k).to_string()),
            "{r:?}"
        );
        let r = sheet_row(&x.bytes, 2, MSA);
        assert_eq!(&r[1..3], ["3", "2"], "{r:?}");
        let _ = open;
    })
    .await;
}

/// Issue #16: "reporting rounds, showing who is late" — for each round who reported on time,
/// late, not yet or is missing, as the round's page says; per unit its rounds, the unit
/// missing a round first; a unit sees itself only.
#[tokio::test]
async fn rounds_show_who_is_late_and_the_missing_unit_first() {
    each_db(true, |app| async move {
        let today = app.today();
        let day = |n: i64| (today + chrono::Duration::days(n)).to_string();
        let units = [
            app.unit_id(MSA).await.to_string(),
            app.unit_id(POLICE).await.to_string(),
        ];
        let mut rounds = Vec::new();
        for (label, start, due) in [("统计测试第一期", -10, 3), ("统计测试第二期", -5, 10)]
        {
            let (s, v) = call(
                &app,
                "staff",
                Method::POST,
                "/api/v1/report-rounds",
                Some(serde_json::json!({
                    "kind": "work_dynamics", "period_label": label, "period_start": day(start),
                    "period_end": day(-1), "due_on": day(due), "unit_ids": units
                })),
            )
            .await;
            assert_eq!(s, StatusCode::CREATED, "{v}");
            rounds.push(v["id"].as_i64().expect("round"));
        }
        // Five days on: the bureau reports to the first round late, the police to the second
        // in time; the police never report to the first (missing), the bureau not yet to the
        // second (its due date still ahead).
        let later = app.on(today + chrono::Duration::days(5));
        for (who, round) in [("liaison.scjg", rounds[0]), ("handler.gaj", rounds[1])] {
            let (s, v) = call(&later, who, Method::POST, "/api/v1/reports", Some(serde_json::json!({
                "round_id": round.to_string(), "title": "工作动态", "body": "本期开展专项检查两次。"
            }))).await;
            assert_eq!(s, StatusCode::CREATED, "{v}");
        }
        let q = format!("from={}&to={}", day(-10), day(0));
        let (s, f) = call(
            &later,
            "staff",
            Method::GET,
            &format!("/api/v1/statistics/rounds?{q}"),
            None,
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{f}");
        let n = |v: &Value, k: &str| v[k].as_i64().unwrap_or(-1);
        let counts = |v: &Value| ["on_time", "late", "missing", "pending"].map(|k| n(v, k));
        assert_eq!(
            f["units"][0]["label"], POLICE,
            "the missing unit first: {f}"
        );
        assert_eq!(counts(row(&f["units"], POLICE)), [1, 0, 1, 0]);
        assert_eq!(counts(row(&f["units"], MSA)), [0, 1, 0, 1]);
        assert_eq!(row(&f["units"], POLICE)["on_time_rate"], 50.0);
        // The latest round first; in each, the missing and late units first.
        let ids: Vec<i64> = f["rounds"]
            .as_array()
            .expect("rounds")
            .iter()
            .filter_map(|r| r["round_id"].as_i64())
            .collect();
        assert_eq!(ids, [rounds[1], rounds[0]]);
        let first = &f["rounds"][1];
        assert_eq!(counts(first), [0, 1, 1, 0], "{first}");
        let standings: Vec<(String, String)> = first["units"]
            .as_array()
            .expect("units")
            .iter()
            .map(|u| {
                (
                    u["unit_name"].as_str().unwrap_or("").into(),
                    u["standing"].as_str().unwrap_or("").into(),
                )
            })
            .collect();
        assert_eq!(
            standings,
            [
                (POLICE.to_string(), "missing".to_string()),
                (MSA.to_string(), "late".to_string())
            ]
        );
        // The same standings as the round's own page.
        let (_, r) = call(
            &later,
            "staff",
            Method::GET,
            &format!("/api/v1/report-rounds/{}", rounds[0]),
            None,
        )
        .await;
        let page_standings: Vec<(String, String)> = r["units"]
            .as_array()
            .expect("units")
            .iter()
            .map(|u| {
                (
                    u["unit_name"].as_str().unwrap_or("").into(),
                    u["standing"].as_str().unwrap_or("").into(),
                )
            })
            .collect();
        assert_eq!(page_standings, standings);
        // A unit sees itself only.
        let (_, own) = call(
            &later,
            "liaison.scjg",
            Method::GET,
            &format!("/api/v1/statistics/rounds?{q}"),
            None,
        )
        .await;
        assert_eq!(own["units"].as_array().map(Vec::len), Some(1), "{own}");
        assert_eq!(own["units"][0]["label"], MSA);
        assert!(
            own["rounds"]
                .as_array()
                .expect("rounds")
                .iter()
                .all(|r| r["units"].as_array().map(Vec::len) == Some(1)),
            "{own}"
        );
        // Outside the period: nothing; a malformed period is named.
        let (_, none) = call(
            &later,
            "staff",
            Method::GET,
            &format!(
                "/api/v1/statistics/rounds?from={}&to={}",
                day(-40),
                day(-11)
            ),
            None,
        )
        .await;
        assert_eq!(none["rounds"], Value::Array(vec![]), "{none}");
        let (s, v) = call(
            &later,
            "staff",
            Method::GET,
            "/api/v1/statistics/rounds?to=20260101",
            None,
        )
        .await;
        assert_eq!(
            (s, v["error"]["fields"][0]["field"].clone()),
            (StatusCode::UNPROCESSABLE_ENTITY, Value::from("to")),
            "{v}"
        );

        // The page: the chart beside its table, the missing unit marked, the round linked.
        let mut staff = later.client();
        staff.login("staff", PASSWORD).await;
        let page = staff.get(&format!("/statistics/rounds?{q}")).await;
        assert_eq!(page.status, StatusCode::OK);
        let b = &page.body;
        let police = app.unit_id(POLICE).await;
        assert!(
            b.contains("aria-label=\"各单位报送情况\"")
                && b.contains("data-series=\"逾期未报\" data-value=\"1\"")
                && b.contains(&format!("data-unit=\"{police}\" data-standing=\"missing\""))
                && b.contains(&format!("href=\"/reports/rounds/{}\"", rounds[0])),
            "{b}"
        );
        // The workbook: by round and by unit.
        let x = staff.get(&format!("/statistics/rounds.xlsx?{q}")).await;
        assert_eq!(x.status, StatusCode::OK);
        assert_eq!(sheet_names(&x.bytes), ["按轮次", "按单位"]);
        let r = sheet_row(&x.bytes, 1, POLICE);
        assert_eq!(&r[1..6], ["1", "0", "1", "0", "50"], "{r:?}");
        let r = sheet_row(&x.bytes, 0, "统计测试第一期");
        assert_eq!(
            (r[4].as_str(), r[5].as_str(), r[9].as_str()),
            ("1", "1", POLICE),
            "{r:?}"
        );
        // The bureau's own view counts its rounds.
        let (_, m) = call(
            &later,
            "liaison.scjg",
            Method::GET,
            "/api/v1/statistics/mine",
            None,
        )
        .await;
        if later.today().format("%Y").to_string() == today.format("%Y").to_string()
            && day(-10)[..4] == day(0)[..4]
        {
            assert_eq!(counts(&m["rounds"]), [0, 1, 0, 1], "{m}");
        }
    })
    .await;
}
