//! Unit reports (001 §24–25; 003 三(三)) on both databases: rounds with due dates on the engine,
//! who is on time, late or missing, case data with figures, major matters reaching the leaders.

mod common;

use axum::http::{Method, StatusCode};
use common::{PASSWORD, call, each_db};
use serde_json::json;

const MSA: &str = "信阳市市场监督管理局";
const POLICE: &str = "信阳市公安局";

fn day(n: i64) -> String {
    (common::test_today() + chrono::Duration::days(n)).to_string()
}

#[tokio::test]
async fn a_round_shows_who_reported_and_who_is_missing() {
    each_db(true, |app| async move {
        let (s, v) = call(&app, "staff", Method::POST, "/api/v1/report-rounds", Some(json!({
            "kind": "case_data", "period_label": "2026年11月", "period_start": day(-30), "period_end": day(-1),
            "due_on": day(5), "unit_ids": [app.unit_id(MSA).await.to_string(), app.unit_id(POLICE).await.to_string()]
        }))).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let rid = v["id"].as_i64().expect("round");
        // Case data needs its figures, named by field.
        let (s, v) = call(&app, "liaison.scjg", Method::POST, "/api/v1/reports", Some(json!({"round_id": rid.to_string(), "title": "11月数据", "body": "见下"}))).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(v["error"]["fields"][0]["field"], "cases_filed");
        let (s, v) = call(&app, "liaison.scjg", Method::POST, "/api/v1/reports", Some(json!({
            "round_id": rid.to_string(), "title": "11月案件查办数据", "body": "本月查处侵权假冒案件12起。",
            "cases_filed": "12", "cases_transferred": "2", "amount": "3200000"
        }))).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        // A unit outside the round cannot report to it.
        let (s, _) = call(&app, "liaison.luoshan.scjg", Method::POST, "/api/v1/reports", Some(json!({"round_id": rid.to_string(), "title": "x", "body": "x", "cases_filed": "1", "cases_transferred": "0", "amount": "1"}))).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);

        let (_, d) = call(&app, "staff", Method::GET, &format!("/api/v1/report-rounds/{rid}"), None).await;
        let st: Vec<(String, String)> = d["units"].as_array().expect("units").iter()
            .map(|u| (u["unit_name"].as_str().unwrap_or("").to_string(), u["standing"].as_str().unwrap_or("").to_string()))
            .collect();
        assert_eq!(st, vec![(POLICE.to_string(), "pending".to_string()), (MSA.to_string(), "on_time".to_string())]);
        assert_eq!(d["reports"][0]["amount_fen"], 320_000_000);
        // The reporting unit's clock is met; the police's still runs.
        let states: Vec<String> = sqlx::query_scalar("SELECT state FROM deadlines WHERE record_type = 'report_round' AND record_id = $1 ORDER BY owner_unit_id")
            .bind(rid)
            .fetch_all(&app.db.pool)
            .await
            .expect("clocks");
        assert!(states.contains(&"met".to_string()) && states.contains(&"open".to_string()), "{states:?}");
        // After the due date the silent unit shows as missing, first.
        let later = app.today() + chrono::Duration::days(10);
        shuangda::deadline::scheduler::run_pass(&app.db, &app.state.calendar(), later, app.now())
            .await
            .expect("pass");
        let missed: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM deadlines WHERE record_type = 'report_round' AND record_id = $1 AND state = 'missed'")
            .bind(rid)
            .fetch_one(&app.db.pool)
            .await
            .expect("missed");
        assert_eq!(missed, 1);
        // Each unit sees its own reports only.
        let (_, mine) = call(&app, "handler.gaj", Method::GET, "/api/v1/reports", None).await;
        assert_eq!(mine["items"].as_array().map(Vec::len), Some(0));
        let mut c = app.client();
        c.login("staff", PASSWORD).await;
        let page = c.get(&format!("/reports/rounds/{rid}")).await;
        assert!(page.body.contains("按时报送") && page.body.contains("未报送"));
        assert_eq!(c.get("/reports/rounds/new").await.status, StatusCode::OK);
    })
    .await;
}

#[tokio::test]
async fn a_major_matter_reaches_the_office_and_the_leaders() {
    each_db(true, |app| async move {
        let (s, v) = call(&app, "handler.gaj", Method::POST, "/api/v1/reports", Some(json!({
            "kind": "major_matter", "title": "破获特大制售假冒白酒案", "body": "11月20日，市公安局破获制售假冒白酒案，涉案金额1200万元。"
        }))).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND title LIKE '重大事项报告%'")
            .bind(app.user_id("leader").await)
            .fetch_one(&app.db.pool)
            .await
            .expect("notice");
        assert_eq!(n, 1);
        let (_, all) = call(&app, "director", Method::GET, "/api/v1/reports", None).await;
        assert_eq!(all["items"].as_array().map(Vec::len), Some(1));
        let rid = all["items"][0]["id"].as_i64().expect("id");
        // 001 §24: the office owes the leaders its report of the matter, a to-do of its own
        // that stays open until it is made.
        let office = app.unit_id("信阳市打击侵犯知识产权和制售假冒伪劣商品工作领导小组办公室").await;
        let duty = || async {
            sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM todo_items WHERE unit_id = $1 AND source_type = 'unit_report' AND source_id = $2 AND duty = 'forward_to_leaders' AND done_at IS NULL")
                .bind(office)
                .bind(rid)
                .fetch_one(&app.db.pool)
                .await
                .expect("duty")
        };
        assert_eq!(duty().await, 1);
        let forward = format!("/api/v1/reports/{rid}/steps");
        // Not the reporting unit, not without the office's words.
        let (s, _) = call(&app, "handler.gaj", Method::POST, &forward, Some(json!({"step": "forward", "note": "x"}))).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, v) = call(&app, "staff", Method::POST, &forward, Some(json!({"step": "forward", "note": " "}))).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(v["error"]["fields"][0]["field"], "note");
        assert_eq!(duty().await, 1);
        let (s, v) = call(&app, "staff", Method::POST, &forward, Some(json!({"step": "forward", "note": "建议召开领导小组专题会议研究部署"}))).await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
        assert_eq!(duty().await, 0, "discharged by the report to the leaders");
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND title LIKE '领导小组办公室报告重大事项%' AND body LIKE '%专题会议%'")
            .bind(app.user_id("leader").await)
            .fetch_one(&app.db.pool)
            .await
            .expect("notice");
        assert_eq!(n, 1);
        let (s, v) = call(&app, "staff", Method::POST, &forward, Some(json!({"step": "forward", "note": "再次"}))).await;
        assert_eq!(s, StatusCode::CONFLICT, "once: {v}");
        let (_, all) = call(&app, "director", Method::GET, "/api/v1/reports", None).await;
        assert_eq!(all["items"][0]["forward_note"], "建议召开领导小组专题会议研究部署");
        // Periodic kinds go through a round; the office does not report to itself.
        let (s, _) = call(&app, "handler.gaj", Method::POST, "/api/v1/reports", Some(json!({"kind": "work_dynamics", "title": "x", "body": "x"}))).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        let (s, _) = call(&app, "staff", Method::POST, "/api/v1/reports", Some(json!({"kind": "major_matter", "title": "x", "body": "x"}))).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, _) = call(&app, "liaison.scjg", Method::POST, "/api/v1/report-rounds", Some(json!({"kind": "work_dynamics", "period_label": "x", "period_start": day(-1), "period_end": day(-1), "due_on": day(3), "unit_ids": ["1"]}))).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let mut c = app.client();
        c.login("handler.gaj", PASSWORD).await;
        let page = c.get("/reports").await;
        assert!(page.body.contains("major-form") && page.body.contains("破获特大制售假冒白酒案"));
        let r = c.post("/reports", &[("title", "")]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("请填写标题"));
    })
    .await;
}
