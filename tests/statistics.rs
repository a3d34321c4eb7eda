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
    for t in ["deadline_events", "deadlines"] {
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
