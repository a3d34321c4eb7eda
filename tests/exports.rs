//! Long exports (issue #16, "exports that scale") on both databases: a unit asks for its clocks
//! of a period, the workbook is written in the background with its progress, and the file
//! holds exactly the unit's clocks, every row; only the requester sees and downloads it; a
//! malformed period is named; the request and the download are audited. The constant memory
//! over a million rows is measured in `bench/exports.rs`.

mod common;

use std::time::Duration;

use axum::http::{Method, StatusCode};
use chrono::{Datelike, NaiveDate};
use common::{App, api_get, call, each_db};
use serde_json::{Value, json};
use shuangda::deadline::Rule;

async fn wait_ready(app: &App, who: &str, id: i64) -> Value {
    for _ in 0..200 {
        let (s, e) = call(
            app,
            who,
            Method::GET,
            &format!("/api/v1/exports/{id}"),
            None,
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{e}");
        if e["state"] != "running" {
            return e;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("export {id} still running after 10 s");
}

#[tokio::test]
async fn a_units_clocks_stream_into_a_workbook_it_alone_downloads() {
    each_db(true, |app| async move {
        for t in ["deadline_events", "deadlines", "clock_tally", "clock_tally_delta"] {
            sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {t}")))
                .execute(&app.db.pool)
                .await
                .expect("clean");
        }
        let year = app.today().year();
        let start = NaiveDate::from_ymd_opt(year, 1, 5).expect("day");
        for n in 0..25 {
            app.open_deadline(
                &format!("市场监管时限{n:02}"),
                start,
                Rule::WorkingDays(5),
                "信阳市市场监督管理局",
            )
            .await;
        }
        for n in 0..3 {
            app.open_deadline(
                &format!("公安时限{n}"),
                start,
                Rule::WorkingDays(5),
                "信阳市公安局",
            )
            .await;
        }
        let (s, v) = call(
            &app,
            "liaison.scjg",
            Method::POST,
            "/api/v1/exports/clocks",
            Some(json!({"from": "2026-13-01"})),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(v["error"]["fields"][0]["field"], "from");
        let period = json!({"from": format!("{year}-01-01"), "to": app.today().to_string()});
        let (s, v) = call(
            &app,
            "liaison.scjg",
            Method::POST,
            "/api/v1/exports/clocks",
            Some(period.clone()),
        )
        .await;
        assert_eq!(s, StatusCode::ACCEPTED, "{v}");
        let id = v["id"].as_i64().expect("id");
        let e = wait_ready(&app, "liaison.scjg", id).await;
        assert_eq!(
            (
                e["state"].as_str(),
                e["rows_total"].as_i64(),
                e["rows_done"].as_i64()
            ),
            (Some("ready"), Some(25), Some(25)),
            "{e}"
        );
        // Another reader's export is not there for anyone else.
        let (s, _) = call(
            &app,
            "handler.gaj",
            Method::GET,
            &format!("/api/v1/exports/{id}"),
            None,
        )
        .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let r = api_get(&app, "handler.gaj", &format!("/api/v1/exports/{id}/file")).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        // The file: a header and the bureau's 25 clocks, none of the police's.
        let r = api_get(&app, "liaison.scjg", &format!("/api/v1/exports/{id}/file")).await;
        assert_eq!(r.status, StatusCode::OK);
        let mut book: calamine::Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(r.bytes)).expect("xlsx");
        let sheet = calamine::Reader::worksheet_range(&mut book, "办理时限明细").expect("sheet");
        let rows: Vec<Vec<String>> = sheet
            .rows()
            .map(|r| r.iter().map(|c| c.to_string()).collect())
            .collect();
        assert_eq!(rows.len(), 26);
        assert_eq!(rows[0][1], "事项");
        assert_eq!(rows[0][8], "按期情况");
        assert!(
            rows[1..]
                .iter()
                .all(|r| r[1].starts_with("市场监管时限") && r[5] == "信阳市市场监督管理局"),
            "{rows:?}"
        );
        assert!(
            rows[1..]
                .iter()
                .all(|r| r[8] == "办理中" || r[8] == "逾期未完成"),
            "{rows:?}"
        );
        // The office's export holds the police's too; its page follows it, then offers the file.
        let mut staff = app.client();
        staff.login("staff", common::PASSWORD).await;
        let r = staff
            .post(
                "/exports/clocks",
                &[
                    ("from", &format!("{year}-01-01")),
                    ("to", &app.today().to_string()),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let page = r.location().to_string();
        let office_id: i64 = page.trim_start_matches("/exports/").parse().expect("id");
        let e = wait_ready(&app, "staff", office_id).await;
        assert_eq!(e["rows_total"], 28);
        let r = staff.get(&page).await;
        assert!(
            r.body.contains("id=\"export-download\"") && !r.body.contains("http-equiv=\"refresh\""),
            "{}",
            r.body
        );
        let r = staff.get(&format!("{page}/file")).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.bytes.starts_with(b"PK"));

        // One export at a time per person: another while one runs is refused, and nothing is
        // recorded.
        let uid = app.user_id("liaison.scjg").await;
        sqlx::query("INSERT INTO exports (kind, params, requested_by, unit_id, state, rows_total, rows_done, created_at) VALUES ('clocks', '{}', $1, $2, 'running', 10, 0, $3)")
            .bind(uid)
            .bind(app.unit_id("信阳市市场监督管理局").await)
            .bind(app.state.clock.now_text())
            .execute(&app.db.pool)
            .await
            .expect("running");
        let (s, v) = call(&app, "liaison.scjg", Method::POST, "/api/v1/exports/clocks", Some(period)).await;
        assert_eq!((s, v["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("export_running")), "{v}");

        let actions: Vec<String> = sqlx::query_scalar(
            "SELECT action FROM audit_log WHERE object_type = 'export' ORDER BY seq",
        )
        .fetch_all(&app.db.pool)
        .await
        .expect("audit");
        assert_eq!(
            actions,
            [
                "export.start",
                "export.download",
                "export.start",
                "export.download"
            ]
        );
    })
    .await;
}
