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
            // One draft; the director's signatures sent at once: one letter.
            let draft = common::letter_draft(&app, *id).await;
            let signs = (0..COPIES)
                .map(|_| {
                    (
                        "director",
                        format!("/api/v1/drafts/{draft}/steps"),
                        json!({"step": "sign", "text": "同意。"}),
                    )
                })
                .collect();
            one_winner(&at_once(&app, signs).await, StatusCode::NO_CONTENT, "sign");
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
            // Signing is the act on the circular's draft in the document chain.
            let draft = common::draft_of(&app, "circular", *id).await;
            let calls = (0..COPIES)
                .map(|_| {
                    (
                        "leader",
                        format!("/api/v1/drafts/{draft}/steps"),
                        json!({"step": "sign", "text": "同意印发。"}),
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
                "position": "responsible", "person_name": "孙局长", "post": "局长",
                "phone": "0376-6221234", "reason": "原联络员工作调动"
            })),
        )
        .await;
        assert!(r.status.is_success(), "{}", r.body);
        let id = r.json()["id"].as_i64().expect("id");
        let path = format!("/api/v1/composition/changes/{id}/steps");
        let calls = vec![
            (
                "leader",
                path.clone(),
                json!({"step": "approve", "note": "同意"}),
            ),
            (
                "leader",
                path.clone(),
                json!({"step": "reject", "note": "不同意"}),
            ),
            (
                "leader",
                path.clone(),
                json!({"step": "approve", "note": "同意"}),
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

/// `n` copies of one call.
fn copies(
    who: &'static str,
    path: &str,
    body: Value,
    n: usize,
) -> Vec<(&'static str, String, Value)> {
    (0..n)
        .map(|_| (who, path.to_string(), body.clone()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_task_is_accepted_once() {
    each_db(true, |app| async move {
        let app = Arc::new(app);
        let t = app.token("staff").await;
        let due = (app.today() + chrono::Duration::days(20)).to_string();
        let r = api(
            &app,
            Method::POST,
            "/api/v1/tasks",
            Some(&t),
            Some(json!({"title": "农资打假专项行动", "description": "开展专项行动并报送成效。",
                        "source": "decided_item", "lead_unit_id": app.unit_id(MSA).await.to_string(), "due_on": due})),
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let id = r.json()["id"].as_i64().expect("id");
        let path = format!("/api/v1/tasks/{id}/steps");
        let results = at_once(
            &app,
            copies("liaison.scjg", &path, json!({"step": "submit_completion", "text": "已完成专项行动。"}), COPIES),
        )
        .await;
        one_winner(&results, StatusCode::NO_CONTENT, "submit_completion");
        let results = at_once(
            &app,
            copies("staff", &path, json!({"step": "accept", "text": "验收通过"}), COPIES),
        )
        .await;
        one_winner(&results, StatusCode::NO_CONTENT, "accept");
        let accepted: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM audit_log WHERE object_type = 'task' AND object_id = $1 AND action = 'task.step' AND summary LIKE '%accept%'",
        )
        .bind(id.to_string())
        .fetch_one(&app.db.pool)
        .await
        .expect("audit");
        assert_eq!(accepted, 1);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_meeting_is_decided_and_its_minutes_signed_once() {
    each_db(true, |app| async move {
        let app = Arc::new(app);
        let t = app.token("staff").await;
        let day = |n: i64| (app.today() + chrono::Duration::days(n)).to_string();
        let r = api(
            &app,
            Method::POST,
            "/api/v1/meetings",
            Some(&t),
            Some(json!({"kind": "plenary", "title": "领导小组全体会议", "planned_on": day(3),
                        "place": "市政府第二会议室", "topics": "通报工作。", "unit_ids": [app.unit_id(MSA).await.to_string()]})),
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let id = r.json()["id"].as_i64().expect("id");
        let path = format!("/api/v1/meetings/{id}/steps");
        let results = at_once(&app, copies("leader", &path, json!({"step": "approve", "text": "同意"}), COPIES)).await;
        one_winner(&results, StatusCode::NO_CONTENT, "approve");
        let msa = app.unit_id(MSA).await;
        let held = json!({"step": "record_held", "held": {
            "held_on": day(0), "attended_unit_ids": [msa.to_string()], "attendees": "李组长，各成员单位负责人",
            "minutes": "会议研究部署了冬春农资打假工作。",
            "items": [{"text": "开展冬春农资打假专项行动", "lead_unit_id": msa.to_string(), "due_on": day(20)}]}});
        let results = at_once(&app, copies("staff", &path, held, COPIES)).await;
        one_winner(&results, StatusCode::NO_CONTENT, "record_held");
        // One draft of the minutes for one record_held; its signature taken once.
        let drafts: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM drafts WHERE record_type = 'meeting' AND record_id = $1")
            .bind(id)
            .fetch_one(&app.db.pool)
            .await
            .expect("drafts");
        assert_eq!(drafts, 1);
        let draft = format!("/api/v1/drafts/{}/steps", common::draft_of(&app, "meeting", id).await);
        let results = at_once(&app, copies("leader", &draft, json!({"step": "sign", "text": "同意印发。"}), COPIES)).await;
        one_winner(&results, StatusCode::NO_CONTENT, "sign_minutes");
        // One set of items and one task from it; one minutes number.
        let items: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM group_meeting_items WHERE meeting_id = $1")
            .bind(id)
            .fetch_one(&app.db.pool)
            .await
            .expect("items");
        assert_eq!(items, 1);
        let numbers: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM group_meetings WHERE minutes_number IS NOT NULL")
            .fetch_one(&app.db.pool)
            .await
            .expect("numbers");
        assert_eq!(numbers, 1);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_transfer_is_sent_and_signed_for_once() {
    each_db(true, |app| async move {
        let app = Arc::new(app);
        let t = app.token("liaison.scjg").await;
        let r = api(
            &app,
            Method::POST,
            "/api/v1/transfers?direction=to_police",
            Some(&t),
            Some(json!({
                "situation": "own_investigation", "title": "涉嫌销售假冒注册商标的商品案",
                "facts": "经查，某商贸公司销售假冒注册商标的白酒120箱。", "suspects": "某商贸有限公司",
                "amount": "256000.50", "to_unit_id": app.unit_id(POLICE).await.to_string(),
                "items": [{"name": "假冒白酒", "quantity": "120", "unit": "箱", "storage": "罚没物品仓库"}]
            })),
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let id = r.json()["id"].as_i64().expect("id");
        // The package needs its investigation report before it can be sent.
        let boundary = "XxSdBoundaryxX";
        let mut body = Vec::new();
        body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\ninvestigation_report\r\n").as_bytes());
        body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"report.pdf\"\r\nContent-Type: application/pdf\r\n\r\n").as_bytes());
        body.extend_from_slice(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n");
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let req = axum::http::Request::builder()
            .method("POST")
            .uri(format!("/api/v1/transfers/{id}/attachments"))
            .header("authorization", format!("Bearer {t}"))
            .header("content-type", format!("multipart/form-data; boundary={boundary}"))
            .body(axum::body::Body::from(body))
            .expect("request");
        let r = app.client().send(req).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let path = format!("/api/v1/transfers/{id}/steps");
        // The handlers' report to the head (国务院令第310号第五条), then the head's approval.
        let results = at_once(&app, copies("liaison.scjg", &path, json!({"step": "send"}), COPIES)).await;
        one_winner(&results, StatusCode::NO_CONTENT, "send");
        let results = at_once(&app, copies("head.scjg", &path, json!({"step": "approve"}), COPIES)).await;
        one_winner(&results, StatusCode::NO_CONTENT, "approve the transfer");
        let results = at_once(&app, copies("handler.gaj", &path, json!({"step": "receive"}), COPIES)).await;
        one_winner(&results, StatusCode::NO_CONTENT, "receive");
        let results = at_once(&app, copies("handler.gaj", &path, json!({"step": "file"}), COPIES)).await;
        one_winner(&results, StatusCode::NO_CONTENT, "file");
        let results = at_once(&app, copies("head.gaj", &path, json!({"step": "approve"}), COPIES)).await;
        one_winner(&results, StatusCode::NO_CONTENT, "approve the filing");
        let letters: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM transfer_documents WHERE transfer_id = $1")
            .bind(id)
            .fetch_one(&app.db.pool)
            .await
            .expect("documents");
        assert_eq!(letters, 2, "one transfer letter, one filing notice");
        // 国务院令第310号第十二条: the hand-over leaves the state as it is, so only the locked
        // re-read stops the second.
        let handover = json!({"step": "hand_over_items", "date": app.today().to_string(), "text": "假冒白酒120箱"});
        let results = at_once(&app, copies("liaison.scjg", &path, handover, COPIES)).await;
        one_winner(&results, StatusCode::NO_CONTENT, "hand_over_items");
        assert_eq!(audit_count(&app, "transfer.hand_over_items").await, 1);
        assert_eq!(audit_count(&app, "transfer.file").await, 1);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_inspection_report_and_a_request_answer_are_recorded_once() {
    each_db(true, |app| async move {
        let app = Arc::new(app);
        let day = |n: i64| (app.today() + chrono::Duration::days(n)).to_string();
        let msa = app.unit_id(MSA).await;
        let t = app.token("staff").await;
        let r = api(
            &app,
            Method::POST,
            "/api/v1/inspections",
            Some(&t),
            Some(json!({"title": "督导检查", "team": "双打办", "starts_on": day(-3), "ends_on": day(-1),
                        "unit_ids": [msa.to_string()]})),
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let id = r.json()["id"].as_i64().expect("id");
        let report = json!({"step": "report", "report": "检查组查阅了执法台账。", "findings": [
            {"unit_id": msa.to_string(), "text": "执法台账不完整", "due_on": day(30)}]});
        let results = at_once(&app, copies("staff", &format!("/api/v1/inspections/{id}/steps"), report, COPIES)).await;
        one_winner(&results, StatusCode::NO_CONTENT, "inspection report");
        let draft: i64 = sqlx::query_scalar("SELECT id FROM drafts WHERE record_type = 'inspection' AND record_id = $1")
            .bind(id)
            .fetch_one(&app.db.pool)
            .await
            .expect("draft");
        let sign = json!({"step": "sign", "text": "同意。"});
        let results = at_once(&app, copies("director", &format!("/api/v1/drafts/{draft}/steps"), sign, COPIES)).await;
        one_winner(&results, StatusCode::NO_CONTENT, "signing the inspection report");
        let tasks: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM tasks WHERE lead_unit_id = $1")
            .bind(msa)
            .fetch_one(&app.db.pool)
            .await
            .expect("tasks");
        assert_eq!(tasks, 1, "one rectification task for the one finding");

        let t = app.token("liaison.scjg").await;
        let r = api(
            &app,
            Method::POST,
            "/api/v1/linkage/requests",
            Some(&t),
            Some(json!({"kind": "urgent_notice", "to_unit_id": app.unit_id(POLICE).await.to_string(),
                        "subject": "执法现场遭遇围堵", "body": "请立即出警。"})),
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let rid = r.json()["id"].as_i64().expect("id");
        let results = at_once(
            &app,
            copies("handler.gaj", &format!("/api/v1/linkage/requests/{rid}/steps"), json!({"step": "answer", "answer": "已出警处置"}), COPIES),
        )
        .await;
        let won = results.iter().filter(|(s, _)| s.is_success()).count();
        assert_eq!(won, 1, "one answer: {results:?}");
        for (s, v) in results.iter().filter(|(s, _)| !s.is_success()) {
            assert_eq!(*s, StatusCode::CONFLICT, "{v}");
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn liaison_filings_at_once_leave_one_liaison_in_office() {
    each_db(true, |app| async move {
        let app = Arc::new(app);
        let body = json!({"position": "liaison", "person_name": "孙联络员", "post": "科长",
                          "phone": "0376-6221234", "reason": "原联络员工作调动"});
        let results = at_once(&app, copies("liaison.scjg", "/api/v1/composition/changes", body, COPIES)).await;
        for (s, v) in &results {
            assert!(s.is_success() || *s == StatusCode::CONFLICT, "{v}");
        }
        let current: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM group_positions WHERE unit_id = $1 AND position = 'liaison' AND effective_until IS NULL",
        )
        .bind(app.unit_id(MSA).await)
        .fetch_one(&app.db.pool)
        .await
        .expect("positions");
        assert_eq!(current, 1, "one liaison officer in office: {results:?}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_round_is_reported_once_per_unit_and_a_major_matter_forwarded_once() {
    each_db(true, |app| async move {
        let app = Arc::new(app);
        let day = |n: i64| (app.today() + chrono::Duration::days(n)).to_string();
        let staff = app.token("staff").await;
        let r = api(&app, Method::POST, "/api/v1/report-rounds", Some(&staff), Some(json!({
            "kind": "work_dynamics", "period_label": "本月", "period_start": day(-30), "period_end": day(-1),
            "due_on": day(5), "unit_ids": [app.unit_id(MSA).await.to_string()]
        }))).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let rid = r.json()["id"].as_i64().expect("round");
        let body = json!({"round_id": rid.to_string(), "title": "本月工作动态", "body": "开展专项检查3次。"});
        let results = at_once(&app, copies("liaison.scjg", "/api/v1/reports", body, COPIES)).await;
        one_winner(&results, StatusCode::CREATED, "round report");
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM unit_reports WHERE round_id = $1")
            .bind(rid)
            .fetch_one(&app.db.pool)
            .await
            .expect("reports");
        assert_eq!(n, 1);
        assert_eq!(audit_count(&app, "report.submit").await, 1);

        let t = app.token("handler.gaj").await;
        let r = api(&app, Method::POST, "/api/v1/reports", Some(&t), Some(json!({
            "kind": "major_matter", "title": "破获特大制售假冒白酒案", "body": "涉案金额1200万元。"
        }))).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let id = r.json()["id"].as_i64().expect("id");
        let path = format!("/api/v1/reports/{id}/steps");
        let results = at_once(&app, copies("staff", &path, json!({"step": "forward", "note": "建议召开专题会议"}), COPIES)).await;
        one_winner(&results, StatusCode::NO_CONTENT, "forward");
        assert_eq!(audit_count(&app, "report.forward").await, 1);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_linkage_meeting_item_is_reported_done_once() {
    each_db(true, |app| async move {
        let app = Arc::new(app);
        let police = app.unit_id(POLICE).await;
        let t = app.token("liaison.scjg").await;
        let due = (app.today() + chrono::Duration::days(10)).to_string();
        let r = api(&app, Method::POST, "/api/v1/linkage/meetings", Some(&t), Some(json!({
            "kind": "joint_supervision", "held_on": app.today().to_string(), "unit_ids": [police.to_string()],
            "attendees": "双方案件主办人员", "topics": "研究移送事宜", "minutes": "会议决定由公安机关提前介入。",
            "items": [{"text": "提前介入并固定证据", "owner_unit_id": police.to_string(), "due_on": due}]
        }))).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let mid = r.json()["id"].as_i64().expect("id");
        let g = app.token("handler.gaj").await;
        let m = api(&app, Method::GET, &format!("/api/v1/linkage/meetings/{mid}"), Some(&g), None).await;
        let item = m.json()["items"][0]["id"].as_i64().expect("item");
        let path = format!("/api/v1/linkage/meetings/{mid}/steps");
        let results = at_once(&app, copies("handler.gaj", &path, json!({"step": "complete_item", "item": item, "note": "已固定证据12份"}), COPIES)).await;
        let won = results.iter().filter(|(s, _)| s.is_success()).count();
        assert_eq!(won, 1, "{results:?}");
        let success = results.iter().find(|(s, _)| s.is_success()).map(|(s, _)| *s).expect("winner");
        one_winner(&results, success, "linkage meeting item");
        let met: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM deadline_events e JOIN linkage_meeting_items i ON i.deadline_id = e.deadline_id WHERE i.id = $1 AND e.kind = 'met'")
            .bind(item)
            .fetch_one(&app.db.pool)
            .await
            .expect("events");
        assert_eq!(met, 1, "the clock met once");
    })
    .await;
}
