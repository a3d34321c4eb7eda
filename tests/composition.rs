//! The group's composition (001 §3–5; 003 一) on both databases: a unit reports a change of its
//! liaison officer in writing, the group leader approves it, past holders stay on record.

mod common;

use axum::http::{Method, StatusCode};
use common::{App, PASSWORD, call, each_db};
use serde_json::{Value, json};

async fn request(app: &App, who: &str, position: &str, name: &str) -> (StatusCode, Value) {
    call(app, who, Method::POST, "/api/v1/composition/changes", Some(json!({
        "position": position, "person_name": name, "post": "科长", "phone": "0376-6221234", "reason": "原联络员工作调动"
    }))).await
}

async fn decide(app: &App, who: &str, id: i64, decision: &str) -> StatusCode {
    call(
        app,
        who,
        Method::POST,
        &format!("/api/v1/composition/changes/{id}/steps"),
        Some(json!({"step": decision, "note": "同意"})),
    )
    .await
    .0
}

#[tokio::test]
async fn changes_are_reported_approved_and_kept_in_history() {
    each_db(true, |app| async move {
        let (s, v) = call(
            &app,
            "liaison.scjg",
            Method::POST,
            "/api/v1/composition/changes",
            Some(json!({
                "position": "liaison", "person_name": "", "phone": "12", "reason": ""
            })),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        let f: Vec<&str> = v["error"]["fields"]
            .as_array()
            .expect("fields")
            .iter()
            .filter_map(|x| x["field"].as_str())
            .collect();
        assert_eq!(f, ["person_name", "phone", "reason"]);
        let (s, v) = request(&app, "liaison.scjg", "responsible", "钱联络员").await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let first = v["id"].as_i64().expect("id");
        assert_eq!(
            request(&app, "liaison.scjg", "responsible", "又一人")
                .await
                .0,
            StatusCode::CONFLICT,
            "one pending at a time"
        );
        // A unit does not change the group's leadership; the office does not change a unit's people.
        assert_eq!(
            request(&app, "liaison.scjg", "deputy", "x").await.0,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            request(&app, "staff", "responsible", "x").await.0,
            StatusCode::FORBIDDEN
        );
        // Only the group leader decides.
        assert_eq!(
            decide(&app, "director", first, "approve").await,
            StatusCode::CONFLICT
        );
        assert_eq!(
            decide(&app, "leader", first, "approve").await,
            StatusCode::NO_CONTENT
        );
        assert_eq!(
            decide(&app, "leader", first, "approve").await,
            StatusCode::CONFLICT,
            "once"
        );
        let (_, second) = request(&app, "liaison.scjg", "responsible", "冯新").await;
        assert_eq!(
            decide(
                &app,
                "leader",
                second["id"].as_i64().expect("id"),
                "approve"
            )
            .await,
            StatusCode::NO_CONTENT
        );
        let (_, deputy) = request(&app, "staff", "deputy", "王副市长").await;
        assert_eq!(
            decide(&app, "leader", deputy["id"].as_i64().expect("id"), "reject").await,
            StatusCode::NO_CONTENT
        );

        let (_, c) = call(&app, "director", Method::GET, "/api/v1/composition", None).await;
        let current: Vec<(String, String)> = c["current"]
            .as_array()
            .expect("current")
            .iter()
            .map(|p| {
                (
                    p["position"].as_str().unwrap_or("").into(),
                    p["person_name"].as_str().unwrap_or("").into(),
                )
            })
            .collect();
        assert_eq!(
            current,
            vec![("responsible".to_string(), "冯新".to_string())]
        );
        assert_eq!(c["history"][0]["person_name"], "钱联络员");
        assert!(c["history"][0]["effective_until"].is_string());
        let states: Vec<&str> = c["changes"]
            .as_array()
            .expect("changes")
            .iter()
            .filter_map(|x| x["state"].as_str())
            .collect();
        assert!(
            states.contains(&"rejected")
                && states.iter().filter(|s| **s == "approved").count() == 2
        );

        let mut p = app.client();
        p.login("leader", PASSWORD).await;
        let page = p.get("/composition").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("冯新") && page.body.contains("历任"));
        let mut u = app.client();
        u.login("liaison.scjg", PASSWORD).await;
        let r = u
            .post(
                "/composition",
                &[("position", "liaison"), ("person_name", "")],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("请填写姓名"));
    })
    .await;
}

#[tokio::test]
async fn deciding_one_change_leaves_the_others_waiting() {
    each_db(true, |app| async move {
        let leader = app.user_id("leader").await;
        let open = || async {
            let n: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM todo_items WHERE user_id = $1 AND title LIKE '审批%' AND done_at IS NULL",
            )
            .bind(leader)
            .fetch_one(&app.db.pool)
            .await
            .expect("to-dos");
            n
        };
        let (s, a) = request(&app, "liaison.scjg", "responsible", "钱联络员").await;
        assert_eq!(s, StatusCode::CREATED, "{a}");
        let (s, b) = request(&app, "staff", "deputy", "王副市长").await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
        assert_eq!(open().await, 2, "one to-do per pending change");
        assert_eq!(decide(&app, "leader", a["id"].as_i64().expect("id"), "approve").await, StatusCode::NO_CONTENT);
        assert_eq!(open().await, 1, "the other change still waits for the leader");
        assert_eq!(decide(&app, "leader", b["id"].as_i64().expect("id"), "reject").await, StatusCode::NO_CONTENT);
        assert_eq!(open().await, 0);
    })
    .await;
}

#[tokio::test]
async fn a_liaison_change_is_filed_for_the_record_and_in_force_at_once() {
    each_db(true, |app| async move {
        // 001 §23: a city member unit names its own liaison officer; 003 三(二): a county
        // unit's change is filed with the county office. Neither waits for the leader.
        for (who, office) in [
            ("liaison.scjg", "信阳市打击侵犯知识产权和制售假冒伪劣商品工作领导小组办公室"),
            ("liaison.luoshan.scjg", "罗山县打击侵权假冒工作领导小组办公室"),
        ] {
            let (s, v) = request(&app, who, "liaison", "孙新联络员").await;
            assert_eq!(s, StatusCode::CREATED, "{v}");
            let id = v["id"].as_i64().expect("id");
            let state: String = sqlx::query_scalar("SELECT state FROM composition_changes WHERE id = $1")
                .bind(id)
                .fetch_one(&app.db.pool)
                .await
                .expect("state");
            assert_eq!(state, "filed");
            let in_force: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM group_positions WHERE change_id = $1 AND effective_until IS NULL",
            )
            .bind(id)
            .fetch_one(&app.db.pool)
            .await
            .expect("position");
            assert_eq!(in_force, 1, "in force at once");
            let waiting: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM todo_items WHERE source_type = 'composition_change' AND source_id = $1",
            )
            .bind(id)
            .fetch_one(&app.db.pool)
            .await
            .expect("to-dos");
            assert_eq!(waiting, 0, "no approval asked");
            let told: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM notifications n JOIN users u ON u.id = n.user_id \
                 WHERE u.unit_id = $1 AND n.title LIKE '%联络员变更备案%'",
            )
            .bind(app.unit_id(office).await)
            .fetch_one(&app.db.pool)
            .await
            .expect("notifications");
            assert!(told >= 1, "the office keeping the record is told ({who})");
            // A second change of the same unit's liaison is filed too, ending the first's term.
            let (s, v) = request(&app, who, "liaison", "周再新").await;
            assert_eq!(s, StatusCode::CREATED, "{v}");
        }
        // The leader decides nothing here: a filed change cannot be approved.
        let filed: i64 = sqlx::query_scalar("SELECT MIN(id) FROM composition_changes WHERE state = 'filed'")
            .fetch_one(&app.db.pool)
            .await
            .expect("id");
        assert_eq!(decide(&app, "leader", filed, "approve").await, StatusCode::CONFLICT);
    })
    .await;
}
