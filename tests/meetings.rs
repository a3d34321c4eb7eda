//! The group's meetings (001 §19–23; 003 三(一)) on both databases: proposal, the chair's
//! decision, the record with attendance and decided items, the chair's signature, the numbered
//! minutes PDF, decided items turned into tasks, the yearly minimum warning, data scope.

mod common;

use std::process::Command;

use axum::http::{Method, StatusCode};
use common::{App, PASSWORD, call, each_db};
use serde_json::{Value, json};

const MSA: &str = "信阳市市场监督管理局";
const POLICE: &str = "信阳市公安局";

async fn step(app: &App, who: &str, id: i64, body: Value) -> (StatusCode, Value) {
    call(
        app,
        who,
        Method::POST,
        &format!("/api/v1/meetings/{id}/steps"),
        Some(body),
    )
    .await
}

fn day(n: i64) -> String {
    (common::test_today() + chrono::Duration::days(n)).to_string()
}

async fn propose(app: &App, who: &str, kind: &str, units: &[&str]) -> i64 {
    let mut ids = Vec::new();
    for u in units {
        ids.push(app.unit_id(u).await.to_string());
    }
    let (s, v) = call(app, who, Method::POST, "/api/v1/meetings", Some(json!({
        "kind": kind, "title": "2026年第四季度领导小组全体会议", "planned_on": day(3),
        "place": "市政府第二会议室", "topics": "通报前三季度工作；部署冬春农资打假。", "unit_ids": ids
    }))).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v["id"].as_i64().expect("id")
}

#[tokio::test]
async fn a_plenary_meeting_from_proposal_to_tasks() {
    each_db(true, |app| async move {
        let id = propose(&app, "staff", "plenary", &[MSA, POLICE]).await;
        // The leader decides (001 §20); the office director may not.
        let (s, v) = step(&app, "director", id, json!({"step": "approve"})).await;
        assert_eq!(s, StatusCode::CONFLICT);
        assert!(v["error"]["message"].as_str().unwrap_or("").contains("组长"), "{v}");
        let todo: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM todo_items WHERE user_id = $1 AND done_at IS NULL AND link = $2")
            .bind(app.user_id("leader").await)
            .bind(format!("/meetings/{id}"))
            .fetch_one(&app.db.pool)
            .await
            .expect("todo");
        assert_eq!(todo, 1, "the leader's to-do list asks for the decision");
        assert_eq!(step(&app, "leader", id, json!({"step": "approve", "text": "同意"})).await.0, StatusCode::NO_CONTENT);

        // The office records the meeting; a bad item is named by line.
        let msa = app.unit_id(MSA).await;
        let body = |items: Value| json!({"step": "record_held", "held": {
            "held_on": day(0), "attended_unit_ids": [msa.to_string()], "attendees": "李组长，各成员单位负责人",
            "minutes": "会议通报了前三季度工作情况。\n会议研究部署了冬春农资打假工作。", "items": items}});
        let (s, v) = step(&app, "staff", id, body(json!([{"text": "开展冬春农资打假", "lead_unit_id": "", "due_on": day(20)}]))).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(v["error"]["fields"][0]["field"], "held.items[0].lead_unit_id", "named as sent, under held");
        let (s, v) = step(&app, "staff", id, body(json!([{"text": "开展冬春农资打假专项行动", "lead_unit_id": msa.to_string(), "due_on": day(20)}]))).await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");

        // The minutes are a draft in the document chain (001 §21): previewed with the number
        // blank and no task made; only the chair signs, and signing numbers the minutes and
        // turns the item into a task. The old step on the meeting is gone.
        let draft = common::draft_of(&app, "meeting", id).await;
        let mut sc = app.client();
        sc.login("staff", PASSWORD).await;
        let preview = sc.get(&format!("/drafts/{draft}/preview.pdf")).await;
        assert_eq!(preview.status, StatusCode::OK);
        let dir = tempfile::tempdir().expect("dir");
        std::fs::write(dir.path().join("p.pdf"), &preview.bytes).expect("write");
        let out = Command::new("pdftotext").arg(dir.path().join("p.pdf")).arg("-").output().expect("pdftotext (poppler-utils)");
        let text = String::from_utf8_lossy(&out.stdout).replace([' ', '\n'], "");
        assert!(text.contains("全体会议纪要") && text.contains("开展冬春农资打假专项行动"), "{text}");
        assert!(!text.contains("李组长签发") && !text.contains("1号"), "{text}");
        let (_, d) = call(&app, "staff", Method::GET, &format!("/api/v1/meetings/{id}"), None).await;
        assert!(d["items"][0]["task_id"].is_null() && d["minutes_number"].is_null(), "{d}");
        for who in ["staff", "director"] {
            let (s, v) = common::draft_act(&app, who, "meeting", id, "sign", "同意").await;
            assert_eq!(s, StatusCode::CONFLICT, "{who}: {v}");
        }
        assert_eq!(step(&app, "leader", id, json!({"step": "sign_minutes"})).await.0, StatusCode::UNPROCESSABLE_ENTITY);
        let (s, v) = common::draft_act(&app, "leader", "meeting", id, "sign", "同意印发。").await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
        let (_, d) = call(&app, "liaison.scjg", Method::GET, &format!("/api/v1/meetings/{id}"), None).await;
        let year = &app.today().to_string()[..4];
        let number = format!("信打假纪〔{year}〕1号");
        assert_eq!(d["state"], "issued");
        assert_eq!(d["minutes_number"], number.as_str());
        assert_eq!(d["signed_by_name"], "李组长");
        let task = d["items"][0]["task_id"].as_i64().expect("task");
        let (_, t) = call(&app, "liaison.scjg", Method::GET, &format!("/api/v1/tasks/{task}"), None).await;
        assert_eq!(t["source"], "decided_item");
        assert_eq!(t["source_ref"], format!("{number}第1项"));
        assert_eq!(t["lead_unit_name"], MSA);

        // The minutes open as a PDF with the number, the title and the decided item.
        let mut c = app.client();
        c.login("liaison.scjg", PASSWORD).await;
        let r = c.get(&format!("/meetings/{id}/minutes.pdf")).await;
        assert_eq!(r.status, StatusCode::OK);
        common::assert_same_document(&app, "liaison.scjg", &format!("/api/v1/meetings/{id}/minutes.pdf"), &r).await;
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("m.pdf");
        std::fs::write(&path, &r.bytes).expect("write");
        let out = Command::new("pdftotext").arg(&path).arg("-").output().expect("pdftotext (poppler-utils)");
        let text = String::from_utf8_lossy(&out.stdout).replace([' ', '\n'], "");
        common::assert_worded_officially(&text, "the minutes");
        for want in [number.as_str(), "全体会议纪要", "开展冬春农资打假专项行动", "签发人：李组长"] {
            assert!(text.contains(want), "{want} missing: {text}");
        }

        // The lead unit completes the task and the office accepts it.
        assert_eq!(call(&app, "liaison.scjg", Method::POST, &format!("/api/v1/tasks/{task}/steps"), Some(json!({"step": "submit_completion", "text": "检查农资门店120家"}))).await.0, StatusCode::NO_CONTENT);
        assert_eq!(call(&app, "staff", Method::POST, &format!("/api/v1/tasks/{task}/steps"), Some(json!({"step": "accept", "text": "同意办结"}))).await.0, StatusCode::NO_CONTENT);
        // Nothing more happens to issued minutes.
        assert_eq!(common::draft_act(&app, "leader", "meeting", id, "sign", "同意").await.0, StatusCode::CONFLICT);
    })
    .await;
}

#[tokio::test]
async fn liaison_meetings_scope_and_the_yearly_minimum() {
    each_db(true, |app| async move {
        // The liaison meeting is the office director's to decide and sign (001 §23).
        let id = propose(&app, "staff", "liaison", &[MSA]).await;
        assert_eq!(step(&app, "leader", id, json!({"step": "approve"})).await.0, StatusCode::CONFLICT);
        assert_eq!(step(&app, "director", id, json!({"step": "approve"})).await.0, StatusCode::NO_CONTENT);
        // Not invited, another county, another group: not found.
        for who in ["handler.gaj", "county.luoshan", "pingyin.staff"] {
            let (s, _) = call(&app, who, Method::GET, &format!("/api/v1/meetings/{id}"), None).await;
            assert_eq!(s, StatusCode::NOT_FOUND, "{who}");
        }
        let (s, _) = call(&app, "liaison.scjg", Method::GET, &format!("/api/v1/meetings/{id}"), None).await;
        assert_eq!(s, StatusCode::OK);
        // Units do not propose meetings; bad input is named by field.
        let (s, _) = call(&app, "liaison.scjg", Method::POST, "/api/v1/meetings", Some(json!({"kind": "liaison", "title": "x", "planned_on": day(1), "topics": "x", "unit_ids": ["1"]}))).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, v) = call(&app, "staff", Method::POST, "/api/v1/meetings", Some(json!({"kind": "x", "title": "", "planned_on": "2020-01-01", "topics": ""}))).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        let f: Vec<&str> = v["error"]["fields"].as_array().expect("fields").iter().filter_map(|x| x["field"].as_str()).collect();
        assert_eq!(f, ["kind", "title", "planned_on", "topics", "unit_ids"]);

        // A county office that has held no liaison meeting this year is warned once the year is
        // past its middle (the test runs in November).
        let mut c = app.client();
        c.login("county.luoshan", PASSWORD).await;
        let page = c.get("/meetings").await;
        assert_eq!(page.status, StatusCode::OK);
        let month: u32 = app.today().format("%m").to_string().parse().expect("month");
        if month >= 7 {
            assert!(page.body.contains("不少于2次"), "warning missing");
        }
        // The pages render for the office and the chair.
        let mut s = app.client();
        s.login("director", PASSWORD).await;
        assert_eq!(s.get("/meetings/new").await.status, StatusCode::OK);
        let page = s.get(&format!("/meetings/{id}")).await;
        assert!(page.body.contains("step-record_held"));
        let r = s.post("/meetings/new", &[("kind", "liaison")]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("请填写会议名称"));
    })
    .await;
}

#[tokio::test]
async fn signed_minutes_reach_every_member_unit_and_the_leaders() {
    each_db(true, |app| async move {
        // A liaison meeting with one unit invited (001 §23).
        let id = propose(&app, "staff", "liaison", &[MSA]).await;
        let (s, v) = call(&app, "procurator", Method::GET, &format!("/api/v1/meetings/{id}"), None).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "not yet the procuratorate's: {v}");
        let approver = if step(&app, "leader", id, json!({"step": "approve", "text": "同意"})).await.0 == StatusCode::NO_CONTENT {
            "leader"
        } else {
            let (s, v) = step(&app, "director", id, json!({"step": "approve", "text": "同意"})).await;
            assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
            "director"
        };
        let msa = app.unit_id(MSA).await;
        let (s, v) = step(&app, "staff", id, json!({"step": "record_held", "held": {
            "held_on": day(0), "attended_unit_ids": [msa.to_string()], "attendees": "各成员单位联络员",
            "minutes": "会议通报了重点工作进展情况。", "items": []}})).await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
        let mut signed = false;
        for who in [approver, "leader", "director"] {
            if common::draft_act(&app, who, "meeting", id, "sign", "同意印发。").await.0 == StatusCode::NO_CONTENT {
                signed = true;
                break;
            }
        }
        assert!(signed, "the minutes are signed");
        // Issued to every member unit of the group: the procuratorate, not invited, reads them.
        let (s, v) = call(&app, "procurator", Method::GET, &format!("/api/v1/meetings/{id}"), None).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let told = |user: &'static str| {
            let app = &app;
            async move {
                let n: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM notifications n JOIN users u ON u.id = n.user_id \
                     WHERE u.username = $1 AND n.title LIKE '印发会议纪要%'",
                )
                .bind(user)
                .fetch_one(&app.db.pool)
                .await
                .expect("notifications");
                n
            }
        };
        assert_eq!(told("procurator").await, 1, "the member unit is told");
        assert_eq!(told("leader").await, 1, "the group leader is told");
    })
    .await;
}
