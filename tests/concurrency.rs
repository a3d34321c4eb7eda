//! Identical steps sent at once (issue #12): exactly one wins, on PostgreSQL as on SQLite; the
//! others get 409 with a Chinese message and leave nothing behind (no number, no document, no
//! audit record), and the numbers drawn stay unique and gapless. On PostgreSQL these failed
//! before the procedure kernel (`src/procedure.rs`): two letters for one case, 16–18
//! signatures for 10 circulars, approve and reject both recorded, deadlocks as 500.

mod common;

use std::sync::Arc;

use axum::http::{Method, StatusCode};
use common::{App, api, each_db};
use serde_json::{Value, json};

const MSA: &str = "信阳市市场监督管理局";
const POLICE: &str = "信阳市公安局";
/// How many copies of a step are sent at once; below the test pool's 8 connections, since
/// each waiting step holds one.
const COPIES: usize = 5;

/// Send each `(who, path, body)` at the same moment; their statuses and bodies, in order.
async fn at_once(app: &Arc<App>, calls: Vec<(&str, String, Value)>) -> Vec<(StatusCode, Value)> {
    let mut tokens = std::collections::HashMap::new();
    for (who, _, _) in &calls {
        if !tokens.contains_key(who) {
            tokens.insert(*who, app.token(who).await);
        }
    }
    let mut set = tokio::task::JoinSet::new();
    for (i, (who, path, body)) in calls.into_iter().enumerate() {
        let app = app.clone();
        let token = tokens.get(who).cloned().unwrap_or_default();
        set.spawn(async move {
            let r = api(&app, Method::POST, &path, Some(&token), Some(body)).await;
            (
                i,
                r.status,
                serde_json::from_str::<Value>(&r.body).unwrap_or(Value::Null),
            )
        });
    }
    let mut out = Vec::new();
    while let Some(r) = set.join_next().await {
        out.push(r.expect("request task"));
    }
    out.sort_by_key(|(i, _, _)| *i);
    out.into_iter().map(|(_, s, v)| (s, v)).collect()
}

/// Exactly one success among `results`; every other answer is 409 with a message.
fn one_winner(results: &[(StatusCode, Value)], success: StatusCode, what: &str) {
    let won = results.iter().filter(|(s, _)| *s == success).count();
    assert_eq!(won, 1, "{what}: exactly one wins: {results:?}");
    for (s, v) in results.iter().filter(|(s, _)| *s != success) {
        assert_eq!(*s, StatusCode::CONFLICT, "{what}: the loser gets 409: {v}");
        let message = v["error"]["message"].as_str().unwrap_or_default();
        assert!(
            !message.is_empty() && !message.is_ascii(),
            "{what}: a Chinese message: {v}"
        );
    }
}

async fn audit_count(app: &App, action: &str) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = $1")
        .bind(action)
        .fetch_one(&app.db.pool)
        .await
        .expect("audit count")
}

async fn case_step(app: &App, who: &str, id: i64, body: Value) {
    let t = app.token(who).await;
    let r = api(
        app,
        Method::POST,
        &format!("/api/v1/cases/{id}/steps"),
        Some(&t),
        Some(body),
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
}

/// A clue registered and proposed for supervision by the office.
async fn proposed(app: &App, title: &str) -> i64 {
    let received = (app.today() - chrono::Duration::days(1)).to_string();
    let t = app.token("staff").await;
    let r = api(
        app,
        Method::POST,
        "/api/v1/cases",
        Some(&t),
        Some(json!({
            "title": title,
            "summary": "群众举报某公司销售假冒注册商标的白酒。",
            "source": "public_report",
            "received_on": received,
            "right_kinds": ["trademark"],
            "regions": ["411502"],
            "parties": []
        })),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.json()["id"].as_i64().expect("id");
    case_step(
        app,
        "staff",
        id,
        json!({"step": "propose", "grounds": [["cross_department", "涉及多个部门"]]}),
    )
    .await;
    id
}

/// Approved and started, the market regulation bureau leading: ready for its letter.
async fn started(app: &App, title: &str) -> i64 {
    let id = proposed(app, title).await;
    let staff = app.user_id("staff").await.to_string();
    case_step(
        app,
        "director",
        id,
        json!({"step": "approve", "reason": "同意督办", "responsible_user_id": staff}),
    )
    .await;
    let lead = app.unit_id(MSA).await.to_string();
    case_step(
        app,
        "staff",
        id,
        json!({"step": "start", "lead_unit_id": lead, "assisting": []}),
    )
    .await;
    id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_supervision_letter_per_case_and_gapless_numbers() {
    each_db(true, |app| async move {
        let app = Arc::new(app);
        let mut cases = Vec::new();
        for n in 0..3 {
            cases.push(started(&app, &format!("假冒白酒案（并发{n}）")).await);
        }
        let before = audit_count(&app, "case.issue_letter").await;
        for id in &cases {
            let calls = (0..COPIES)
                .map(|_| {
                    (
                        "staff",
                        format!("/api/v1/cases/{id}/steps"),
                        json!({"step": "issue_letter", "text": "请于每月底前报送进展。"}),
                    )
                })
                .collect();
            one_winner(
                &at_once(&app, calls).await,
                StatusCode::NO_CONTENT,
                "issue_letter",
            );
        }
        let numbers: Vec<String> =
            sqlx::query_scalar("SELECT number FROM case_letters ORDER BY id")
                .fetch_all(&app.db.pool)
                .await
                .expect("letters");
        let year = app.today().format("%Y").to_string();
        let expected: Vec<String> = (1..=3)
            .map(|n| format!("信打假办督〔{year}〕{n}号"))
            .collect();
        assert_eq!(
            numbers, expected,
            "one letter per case, numbered without gaps"
        );
        assert_eq!(
            audit_count(&app, "case.issue_letter").await - before,
            3,
            "no audit record of a losing step"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn approve_and_reject_at_once_one_decision_stands() {
    each_db(true, |app| async move {
        let app = Arc::new(app);
        let staff = app.user_id("staff").await.to_string();
        for n in 0..4 {
            let id = proposed(&app, &format!("假冒化肥案（并发{n}）")).await;
            let path = format!("/api/v1/cases/{id}/steps");
            let mut calls = Vec::new();
            for _ in 0..2 {
                calls.push((
                    "director",
                    path.clone(),
                    json!({"step": "approve", "reason": "同意督办", "responsible_user_id": staff}),
                ));
                calls.push((
                    "director",
                    path.clone(),
                    json!({"step": "reject", "reason": "不符合督办情形"}),
                ));
            }
            let results = at_once(&app, calls).await;
            one_winner(&results, StatusCode::NO_CONTENT, "approve/reject");
            let state: String = sqlx::query_scalar("SELECT state FROM cases WHERE id = $1")
                .bind(id)
                .fetch_one(&app.db.pool)
                .await
                .expect("state");
            let decisions: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM audit_log WHERE object_type = 'case' AND object_id = $1 \
                 AND action IN ('case.approve', 'case.reject')",
            )
            .bind(id.to_string())
            .fetch_one(&app.db.pool)
            .await
            .expect("decisions");
            assert_eq!(
                decisions, 1,
                "one decision recorded for case {id} ({state})"
            );
            assert!(state == "supervised" || state == "rejected", "{state}");
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_circular_is_signed_once_and_numbers_stay_gapless() {
    each_db(true, |app| async move {
        let app = Arc::new(app);
        let units = [
            app.unit_id(MSA).await.to_string(),
            app.unit_id(POLICE).await.to_string(),
        ];
        let mut ids = Vec::new();
        for n in 0..3 {
            let t = app.token("staff").await;
            let r = api(
                &app,
                Method::POST,
                "/api/v1/circulars",
                Some(&t),
                Some(json!({
                    "kind": "briefing", "title": format!("工作简报（并发{n}）"),
                    "body": "各成员单位认真落实领导小组部署。", "unit_ids": units
                })),
            )
            .await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
            let id = r.json()["id"].as_i64().expect("id");
            ids.push(id);
        }
        for id in &ids {
            let calls = (0..COPIES)
                .map(|_| {
                    (
                        "leader",
                        format!("/api/v1/circulars/{id}/steps"),
                        json!({"step": "sign"}),
                    )
                })
                .collect();
            let results = at_once(&app, calls).await;
            let won = results.iter().filter(|(s, _)| s.is_success()).count();
            assert_eq!(won, 1, "one signature: {results:?}");
            for (s, v) in results.iter().filter(|(s, _)| !s.is_success()) {
                assert_eq!(*s, StatusCode::CONFLICT, "{v}");
            }
        }
        let numbers: Vec<String> = sqlx::query_scalar(
            "SELECT number FROM circulars WHERE number IS NOT NULL ORDER BY number",
        )
        .fetch_all(&app.db.pool)
        .await
        .expect("numbers");
        assert_eq!(numbers.len(), 3, "{numbers:?}");
        let mut seq: Vec<i64> = numbers
            .iter()
            .filter_map(|n| {
                n.rsplit('〕')
                    .next()
                    .and_then(|t| t.trim_end_matches('号').parse().ok())
            })
            .collect();
        seq.sort_unstable();
        assert_eq!(seq, vec![1, 2, 3], "gapless: {numbers:?}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_composition_change_is_decided_once() {
    each_db(true, |app| async move {
        let app = Arc::new(app);
        let t = app.token("liaison.scjg").await;
        let r = api(
            &app,
            Method::POST,
            "/api/v1/composition/changes",
            Some(&t),
            Some(json!({
                "position": "liaison", "person_name": "孙联络员", "post": "科长",
                "phone": "0376-6221234", "reason": "原联络员工作调动"
            })),
        )
        .await;
        assert!(r.status.is_success(), "{}", r.body);
        let id = r.json()["id"].as_i64().expect("id");
        let path = format!("/api/v1/composition/changes/{id}/decision");
        let calls = vec![
            (
                "leader",
                path.clone(),
                json!({"decision": "approve", "note": "同意"}),
            ),
            (
                "leader",
                path.clone(),
                json!({"decision": "reject", "note": "不同意"}),
            ),
            (
                "leader",
                path.clone(),
                json!({"decision": "approve", "note": "同意"}),
            ),
        ];
        let results = at_once(&app, calls).await;
        let won = results.iter().filter(|(s, _)| s.is_success()).count();
        assert_eq!(won, 1, "{results:?}");
        for (s, v) in results.iter().filter(|(s, _)| !s.is_success()) {
            assert_eq!(*s, StatusCode::CONFLICT, "{v}");
        }
    })
    .await;
}
