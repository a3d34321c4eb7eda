//! Supervisory inspections (003 三(四)) on both databases: planning, the report numbered and
//! rendered, each finding a rectification task for the unit inspected, and data scope.

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
async fn findings_become_rectification_tasks() {
    each_db(true, |app| async move {
        let msa = app.unit_id(MSA).await;
        let police = app.unit_id(POLICE).await;
        let (s, v) = call(&app, "staff", Method::POST, "/api/v1/inspections", Some(json!({
            "title": "2026年第四季度“双打”工作督导检查", "team": "赵经办（双打办）\n市检察院、市公安局各1人",
            "starts_on": day(-3), "ends_on": day(-1), "unit_ids": [msa.to_string(), police.to_string()]
        }))).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let id = v["id"].as_i64().expect("id");
        // The units inspected see it; others do not.
        assert_eq!(call(&app, "handler.gaj", Method::GET, &format!("/api/v1/inspections/{id}"), None).await.0, StatusCode::OK);
        assert_eq!(call(&app, "liaison.luoshan.scjg", Method::GET, &format!("/api/v1/inspections/{id}"), None).await.0, StatusCode::NOT_FOUND);
        // A finding about a unit not inspected is refused by line; a unit cannot write the report.
        let bad = json!({"step": "report", "report": "检查情况良好。", "findings": [{"unit_id": app.unit_id("罗山县公安局").await.to_string(), "text": "x", "due_on": day(30)}]});
        let (s, v) = call(&app, "staff", Method::POST, &format!("/api/v1/inspections/{id}/steps"), Some(bad)).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(v["error"]["fields"][0]["field"], "findings[0].unit_id");
        let good = json!({"step": "report", "report": "检查组查阅了执法台账，实地检查了2个农资市场。", "findings": [
            {"unit_id": msa.to_string(), "text": "侵权假冒案件执法台账不完整", "due_on": day(30)},
            {"unit_id": police.to_string(), "text": "线索移交登记不及时", "due_on": day(20)}
        ]});
        assert_eq!(call(&app, "liaison.scjg", Method::POST, &format!("/api/v1/inspections/{id}/steps"), Some(good.clone())).await.0, StatusCode::CONFLICT);
        assert_eq!(call(&app, "staff", Method::POST, &format!("/api/v1/inspections/{id}/steps"), Some(good.clone())).await.0, StatusCode::NO_CONTENT);
        assert_eq!(call(&app, "staff", Method::POST, &format!("/api/v1/inspections/{id}/steps"), Some(good)).await.0, StatusCode::CONFLICT, "once");
        // Drafted: no number and no task until the office director signs it.
        assert_eq!(app.count("tasks").await, 0);
        let draft: i64 = sqlx::query_scalar("SELECT id FROM drafts WHERE record_type = 'inspection' AND record_id = $1")
            .bind(id)
            .fetch_one(&app.db.pool)
            .await
            .expect("draft");
        let sign = json!({"step": "sign", "text": "同意印发。"});
        assert_eq!(call(&app, "staff", Method::POST, &format!("/api/v1/drafts/{draft}/steps"), Some(sign.clone())).await.0, StatusCode::CONFLICT, "the director signs");
        assert_eq!(call(&app, "director", Method::POST, &format!("/api/v1/drafts/{draft}/steps"), Some(sign)).await.0, StatusCode::NO_CONTENT);
        let (_, d) = call(&app, "staff", Method::GET, &format!("/api/v1/inspections/{id}"), None).await;
        let year = &app.today().to_string()[..4];
        assert_eq!(d["number"], format!("信打假办检〔{year}〕1号"));
        let task = d["findings"][1]["task_id"].as_i64().expect("task");
        let (s, t) = call(&app, "handler.gaj", Method::GET, &format!("/api/v1/tasks/{task}"), None).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(t["source"], "inspection_finding");
        assert_eq!(t["lead_unit_name"], POLICE);
        // Each unit sees only its own rectification task.
        let (s, _) = call(&app, "liaison.scjg", Method::GET, &format!("/api/v1/tasks/{task}"), None).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let mut c = app.client();
        c.login("staff", PASSWORD).await;
        assert_eq!(c.get("/inspections").await.status, StatusCode::OK);
        assert_eq!(c.get("/inspections/new").await.status, StatusCode::OK);
        let r = c.get(&format!("/inspections/{id}/report.pdf")).await;
        assert_eq!(r.status, StatusCode::OK);
        common::assert_same_document(&app, "staff", &format!("/api/v1/inspections/{id}/report.pdf"), &r).await;
        assert!(r.bytes.starts_with(b"%PDF"));
        let r = c.post("/inspections/new", &[("title", "")]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("请填写检查名称"));
    })
    .await;
}
