//! Circulars and briefings (003 三(三), 三(六); 001 §26) on both databases: drafted by the
//! office, signed only by the group leader, numbered in their own sequences, issued as PDFs,
//! read receipts from the units addressed, and what each reader sees.

mod common;

use std::process::Command;

use axum::http::{Method, StatusCode};
use common::{App, PASSWORD, call, each_db};
use serde_json::json;

const MSA: &str = "信阳市市场监督管理局";
const POLICE: &str = "信阳市公安局";

async fn draft(app: &App, kind: &str, title: &str, named: Option<&str>) -> i64 {
    let (s, v) = call(
        app,
        "staff",
        Method::POST,
        "/api/v1/circulars",
        Some(json!({
            "kind": kind, "title": title, "named": named,
            "body": "2026年以来，各成员单位认真落实领导小组部署。\n现将有关情况通报如下。",
            "unit_ids": [app.unit_id(MSA).await.to_string(), app.unit_id(POLICE).await.to_string()]
        })),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v["id"].as_i64().expect("id")
}

/// A step on circular `id`: signing and returning are acts on its draft in the document chain
/// (001 §26), reading is confirmed on the circular.
async fn step(app: &App, who: &str, id: i64, step: &str) -> StatusCode {
    match step {
        "sign" => {
            common::draft_act(app, who, "circular", id, "sign", "同意印发。")
                .await
                .0
        }
        "return" => {
            common::draft_act(app, who, "circular", id, "return", "请补充数据来源")
                .await
                .0
        }
        _ => {
            call(
                app,
                who,
                Method::POST,
                &format!("/api/v1/circulars/{id}/steps"),
                Some(json!({"step": step})),
            )
            .await
            .0
        }
    }
}

#[tokio::test]
async fn signed_by_the_leader_numbered_issued_and_read() {
    each_db(true, |app| async move {
        let year = &app.today().to_string()[..4];
        let id = draft(
            &app,
            "commendation",
            "关于表扬2026年度优秀联络员的通报",
            Some("钱联络员（信阳市市场监督管理局）"),
        )
        .await;
        // A draft is not yet the units' to read.
        let (s, _) = call(
            &app,
            "liaison.scjg",
            Method::GET,
            &format!("/api/v1/circulars/{id}"),
            None,
        )
        .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        // Only the leader signs (001 §26).
        for who in ["staff", "director"] {
            assert_eq!(
                step(&app, who, id, "sign").await,
                StatusCode::CONFLICT,
                "{who}"
            );
        }
        assert_eq!(
            step(&app, "leader", id, "sign").await,
            StatusCode::NO_CONTENT
        );
        assert_eq!(
            step(&app, "leader", id, "sign").await,
            StatusCode::CONFLICT,
            "once"
        );
        let (_, d) = call(
            &app,
            "liaison.scjg",
            Method::GET,
            &format!("/api/v1/circulars/{id}"),
            None,
        )
        .await;
        assert_eq!(d["number"], format!("信打假通〔{year}〕1号"));
        assert_eq!(d["can_confirm"], true);
        // Briefings have their own sequence.
        let b = draft(&app, "briefing", "工作简报（第1期）", None).await;
        assert_eq!(
            step(&app, "leader", b, "sign").await,
            StatusCode::NO_CONTENT
        );
        let (_, bd) = call(
            &app,
            "staff",
            Method::GET,
            &format!("/api/v1/circulars/{b}"),
            None,
        )
        .await;
        assert_eq!(bd["number"], format!("信打假办简〔{year}〕1号"));

        // Read receipts: each unit addressed confirms once; the office sees who has read it.
        assert_eq!(
            step(&app, "liaison.scjg", id, "confirm_read").await,
            StatusCode::NO_CONTENT
        );
        assert_eq!(
            step(&app, "liaison.scjg", id, "confirm_read").await,
            StatusCode::CONFLICT
        );
        let (_, d) = call(
            &app,
            "staff",
            Method::GET,
            &format!("/api/v1/circulars/{id}"),
            None,
        )
        .await;
        let msa = app.unit_id(MSA).await;
        for r in d["recipients"].as_array().expect("recipients") {
            let is_msa = r["unit_id"].as_i64() == Some(msa);
            assert_eq!(!r["read_at"].is_null(), is_msa, "{r}");
        }
        // A unit not addressed does not see it.
        let (s, _) = call(
            &app,
            "liaison.luoshan.scjg",
            Method::GET,
            &format!("/api/v1/circulars/{id}"),
            None,
        )
        .await;
        assert_eq!(s, StatusCode::NOT_FOUND);

        // The PDF carries the number, the title and the people commended.
        let mut c = app.client();
        c.login("handler.gaj", PASSWORD).await;
        let r = c.get(&format!("/circulars/{id}/document.pdf")).await;
        assert_eq!(r.status, StatusCode::OK);
        common::assert_same_document(
            &app,
            "handler.gaj",
            &format!("/api/v1/circulars/{id}/document.pdf"),
            &r,
        )
        .await;
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("c.pdf");
        std::fs::write(&path, &r.bytes).expect("write");
        let out = Command::new("pdftotext")
            .arg(&path)
            .arg("-")
            .output()
            .expect("pdftotext (poppler-utils)");
        let text = String::from_utf8_lossy(&out.stdout).replace([' ', '\n'], "");
        common::assert_worded_officially(&text, "the circular");
        for want in [
            format!("信打假通〔{year}〕1号"),
            "优秀联络员".into(),
            "钱联络员".into(),
            "签发人：李组长".into(),
        ] {
            assert!(text.contains(&want), "{want}: {text}");
        }
        let page = c.get(&format!("/circulars/{id}")).await;
        assert!(page.body.contains("step-confirm_read"));
    })
    .await;
}

#[tokio::test]
async fn returned_drafts_and_bad_input() {
    each_db(true, |app| async move {
        let id = draft(&app, "data", "2026年第三季度执法数据通报", None).await;
        assert_eq!(
            step(&app, "leader", id, "return").await,
            StatusCode::NO_CONTENT
        );
        let (_, d) = call(
            &app,
            "staff",
            Method::GET,
            &format!("/api/v1/circulars/{id}"),
            None,
        )
        .await;
        // The circular waits in the chain; its draft is back with the drafter, with the
        // leader's reasons, and is not signed until it is resubmitted.
        assert_eq!(d["state"], "pending");
        assert_eq!(d["drafts"][0]["state"], "returned");
        assert_eq!(step(&app, "leader", id, "sign").await, StatusCode::CONFLICT);
        let draft = common::draft_of(&app, "circular", id).await;
        let (_, dd) = call(
            &app,
            "staff",
            Method::GET,
            &format!("/api/v1/drafts/{draft}"),
            None,
        )
        .await;
        assert_eq!(dd["events"][1]["opinion"], "请补充数据来源", "{dd}");
        let revised = "2026年第三季度，全市查办侵权假冒案件128件（数据来源：各成员单位报送）。";
        let (s, v) = call(
            &app,
            "staff",
            Method::POST,
            &format!("/api/v1/drafts/{draft}/steps"),
            Some(json!({"step": "resubmit", "text": revised})),
        )
        .await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
        assert_eq!(
            step(&app, "leader", id, "sign").await,
            StatusCode::NO_CONTENT
        );
        let (_, d) = call(
            &app,
            "staff",
            Method::GET,
            &format!("/api/v1/circulars/{id}"),
            None,
        )
        .await;
        assert_eq!(d["state"], "issued");
        assert_eq!(d["body"], revised, "the text as signed is the one issued");
        // The old steps on the circular itself are gone: signing is the draft's.
        let (s, _) = call(
            &app,
            "leader",
            Method::POST,
            &format!("/api/v1/circulars/{id}/steps"),
            Some(json!({"step": "sign"})),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        let (s, v) = call(
            &app,
            "staff",
            Method::POST,
            "/api/v1/circulars",
            Some(json!({"kind": "criticism", "title": "x", "body": "x", "unit_ids": []})),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        let f: Vec<&str> = v["error"]["fields"]
            .as_array()
            .expect("fields")
            .iter()
            .filter_map(|x| x["field"].as_str())
            .collect();
        assert_eq!(f, ["named", "unit_ids"]);
        let (s, _) = call(
            &app,
            "liaison.scjg",
            Method::POST,
            "/api/v1/circulars",
            Some(json!({"kind": "data", "title": "x", "body": "x", "unit_ids": ["1"]})),
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let mut c = app.client();
        c.login("staff", PASSWORD).await;
        assert_eq!(c.get("/circulars").await.status, StatusCode::OK);
        assert_eq!(c.get("/circulars/new").await.status, StatusCode::OK);
        let r = c.post("/circulars/new", &[("kind", "data")]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("请填写标题"));
    })
    .await;
}

#[tokio::test]
async fn a_briefing_is_assembled_from_reports_and_figures_and_reaches_the_leaders() {
    each_db(true, |app| async move {
        // Two decisions published and one party listed this year (the demo's).
        shuangda::demo::load_penalties(&app.state).await.expect("penalties");
        let (s, r) = call(&app, "handler.gaj", Method::POST, "/api/v1/reports", Some(json!({
            "kind": "major_matter", "title": "破获特大制售假冒白酒案", "body": "涉案金额1200万元。"
        }))).await;
        assert_eq!(s, StatusCode::CREATED, "{r}");
        let rid = r["id"].as_i64().expect("report").to_string();
        let (s, v) = call(&app, "staff", Method::POST, "/api/v1/circulars", Some(json!({
            "kind": "briefing", "title": "工作简报（2026年第12期）", "body": "现将近期全市“双打”工作情况编发如下。",
            "unit_ids": [app.unit_id(MSA).await.to_string()], "report_ids": [rid], "include_figures": true
        }))).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let id = v["id"].as_i64().expect("id");
        let (_, d) = call(&app, "staff", Method::GET, &format!("/api/v1/circulars/{id}"), None).await;
        let body = d["body"].as_str().unwrap_or("");
        assert!(body.contains("一、各单位工作动态") && body.contains("信阳市公安局：破获特大制售假冒白酒案"), "{body}");
        assert!(body.contains("二、数据") && body.contains("督办任务"), "{body}");
        assert!(body.contains("行政处罚案件信息2件，列入严重违法失信名单1户"), "{body}");
        // A report the office cannot read cannot be brought in; only briefings take reports.
        let (s, _) = call(&app, "staff", Method::POST, "/api/v1/circulars", Some(json!({
            "kind": "briefing", "title": "x", "body": "x", "unit_ids": ["1"], "report_ids": ["999999"]
        }))).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(step(&app, "leader", id, "sign").await, StatusCode::NO_CONTENT);
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND title LIKE '工作简报%'")
            .bind(app.user_id("leader").await)
            .fetch_one(&app.db.pool)
            .await
            .expect("notice");
        assert_eq!(n, 1, "a briefing reaches the leaders");
    })
    .await;
}
