//! Supervised tasks (seed 003 三(五); 001 §22) through the API and pages on both databases:
//! assignment, progress and completion reports from the units, sending back and acceptance by
//! the office, the time limit on the deadline engine, and data scope.

mod common;

use axum::http::{Method, StatusCode};
use common::{App, PASSWORD, call, each_db};
use serde_json::{Value, json};

const MSA: &str = "信阳市市场监督管理局";
const POLICE: &str = "信阳市公安局";

async fn step(app: &App, who: &str, id: i64, step: &str, text: &str) -> (StatusCode, Value) {
    call(
        app,
        who,
        Method::POST,
        &format!("/api/v1/tasks/{id}/steps"),
        Some(json!({"step": step, "text": text})),
    )
    .await
}

fn due(days: i64) -> String {
    (common::test_today() + chrono::Duration::days(days)).to_string()
}

async fn assign(app: &App, who: &str, lead: &str, title: &str) -> i64 {
    let (s, v) = call(
        app,
        who,
        Method::POST,
        "/api/v1/tasks",
        Some(json!({
            "title": title,
            "description": "按领导小组全体会议纪要要求，开展农资打假专项行动并报送成效。",
            "source": "decided_item",
            "source_ref": "2026年第2次全体会议纪要第3项",
            "lead_unit_id": app.unit_id(lead).await.to_string(),
            // A cooperating unit of the assigning office's own region (000 §11; issue #12).
            "cooperating_unit_ids": [app.unit_id(if who == "county.luoshan" { "罗山县公安局" } else { POLICE }).await.to_string()],
            "due_on": due(20)
        })),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v["id"].as_i64().expect("id")
}

#[tokio::test]
async fn a_task_is_reported_sent_back_and_accepted() {
    each_db(true, |app| async move {
        let id = assign(&app, "staff", MSA, "农资打假专项行动").await;
        let (_, d) = call(
            &app,
            "liaison.scjg",
            Method::GET,
            &format!("/api/v1/tasks/{id}"),
            None,
        )
        .await;
        assert_eq!(d["state"], "assigned");
        assert_eq!(d["deadlines"][0]["clause"], "003 三(五)");
        assert_eq!(d["deadlines"][0]["owner_unit_name"], MSA);
        assert_eq!(
            d["steps"],
            json!(["report_progress", "submit_completion", "attach"])
        );

        assert_eq!(
            step(&app, "handler.gaj", id, "report_progress", "已抽调警力配合")
                .await
                .0,
            StatusCode::NO_CONTENT
        );
        let (s, _) = step(&app, "handler.gaj", id, "submit_completion", "x").await;
        assert_eq!(s, StatusCode::CONFLICT, "only the lead reports completion");
        let (s, v) = step(&app, "liaison.scjg", id, "submit_completion", " ").await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(v["error"]["fields"][0]["field"], "text");
        assert_eq!(
            step(
                &app,
                "liaison.scjg",
                id,
                "submit_completion",
                "检查农资门店120家，立案8起"
            )
            .await
            .0,
            StatusCode::NO_CONTENT
        );
        let (s, _) = step(&app, "liaison.scjg", id, "accept", "x").await;
        assert_eq!(
            s,
            StatusCode::CONFLICT,
            "a unit does not accept its own work"
        );
        assert_eq!(
            step(&app, "staff", id, "send_back", "缺少案件查办数据和佐证材料")
                .await
                .0,
            StatusCode::NO_CONTENT
        );
        let (_, d) = call(
            &app,
            "liaison.scjg",
            Method::GET,
            &format!("/api/v1/tasks/{id}"),
            None,
        )
        .await;
        assert_eq!(d["state"], "sent_back");
        assert_eq!(
            d["deadlines"][0]["state"], "open",
            "the time limit still runs"
        );
        assert_eq!(
            step(
                &app,
                "liaison.scjg",
                id,
                "submit_completion",
                "补充：立案8起，罚没款32万元"
            )
            .await
            .0,
            StatusCode::NO_CONTENT
        );
        assert_eq!(
            step(&app, "staff", id, "accept", "同意办结").await.0,
            StatusCode::NO_CONTENT
        );
        let (_, d) = call(
            &app,
            "staff",
            Method::GET,
            &format!("/api/v1/tasks/{id}"),
            None,
        )
        .await;
        assert_eq!(d["state"], "accepted");
        assert_eq!(d["deadlines"][0]["state"], "met");
        let kinds: Vec<&str> = d["entries"]
            .as_array()
            .expect("entries")
            .iter()
            .filter_map(|e| e["kind"].as_str())
            .collect();
        assert_eq!(
            kinds,
            [
                "assigned",
                "progress",
                "completion",
                "sent_back",
                "completion",
                "accepted"
            ]
        );
        assert!(d["steps"].as_array().is_some_and(Vec::is_empty));
        // The lead unit's to-dos on the task are gone once it acted; the office's once it accepted.
        let open: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM todo_items WHERE link = $1 AND done_at IS NULL",
        )
        .bind(format!("/tasks/{id}"))
        .fetch_one(&app.db.pool)
        .await
        .expect("todos");
        assert_eq!(open, 0);
    })
    .await;
}

#[tokio::test]
async fn bad_input_scope_and_the_time_limit() {
    each_db(true, |app| async move {
        let (s, v) = call(&app, "staff", Method::POST, "/api/v1/tasks", Some(json!({
            "title": "", "description": "", "source": "x", "lead_unit_id": "", "due_on": "2020-01-01"
        }))).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        let f: Vec<&str> = v["error"]["fields"].as_array().expect("fields").iter().filter_map(|x| x["field"].as_str()).collect();
        assert_eq!(f, ["title", "description", "source", "lead_unit_id", "due_on"]);
        let (s, _) = call(&app, "liaison.scjg", Method::POST, "/api/v1/tasks", Some(json!({
            "title": "x", "description": "x", "source": "decided_item", "lead_unit_id": "1", "due_on": due(5)
        }))).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "units do not assign tasks");
        assert_eq!(app.count("tasks").await, 0);

        let city = assign(&app, "staff", MSA, "市级任务").await;
        let county = assign(&app, "county.luoshan", "罗山县市场监督管理局", "罗山县任务").await;
        let ids = |v: Value| v["items"].as_array().expect("items").iter().filter_map(|t| t["id"].as_i64()).collect::<Vec<_>>();
        let (_, v) = call(&app, "county.luoshan", Method::GET, "/api/v1/tasks", None).await;
        assert_eq!(ids(v), vec![county]);
        let (_, v) = call(&app, "liaison.luoshan.scjg", Method::GET, "/api/v1/tasks", None).await;
        assert_eq!(ids(v), vec![county]);
        let (s, _) = call(&app, "liaison.luoshan.scjg", Method::GET, &format!("/api/v1/tasks/{city}"), None).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, _) = step(&app, "liaison.luoshan.scjg", city, "report_progress", "x").await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        // The county office cannot accept the city's tasks.
        let (s, _) = step(&app, "county.luoshan", city, "accept", "x").await;
        assert_eq!(s, StatusCode::NOT_FOUND);

        // Past the time limit the engine marks it overdue and the list puts it first.
        let later = app.today() + chrono::Duration::days(40);
        shuangda::deadline::scheduler::run_pass(&app.db, &app.state.calendar(), later, app.now())
            .await
            .expect("scheduler pass");
        let (_, v) = call(&app, "director", Method::GET, "/api/v1/tasks?overdue=1", None).await;
        assert_eq!(v["items"].as_array().map(Vec::len), Some(2));
        assert_eq!(v["items"][0]["overdue"], 1);

        // The pages.
        let mut c = app.client();
        c.login("staff", PASSWORD).await;
        assert_eq!(c.get("/tasks").await.status, StatusCode::OK);
        assert_eq!(c.get("/tasks/new").await.status, StatusCode::OK);
        let page = c.get(&format!("/tasks/{city}")).await;
        assert!(page.body.contains("超时限") && page.body.contains("《打击侵犯知识产权和制售假冒伪劣商品工作制度》第三部分第（五）项"));
        assert!(!page.body.contains("003 三"), "no developer's clause code on the page");
        // Dates as officials write them (issue #20): the time limit in the list and on the page.
        let (_, task) = call(&app, "staff", Method::GET, &format!("/api/v1/tasks/{city}"), None).await;
        let due_on = task["due_on"].as_str().expect("due_on").to_owned();
        let zh = shuangda::calendar::date_zh(&due_on);
        assert!(zh.contains('年'), "{zh}");
        assert!(page.body.contains(&zh) && !page.body.contains(&due_on), "{}", page.body);
        let list = c.get("/tasks").await.body;
        assert!(list.contains(&zh) && !list.contains(&format!(">{due_on}<")), "{list}");
        let r = c.post("/tasks/new", &[("title", ""), ("due_on", "")]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("请填写任务名称"));
        let mut u = app.client();
        u.login("liaison.scjg", PASSWORD).await;
        assert_eq!(u.get("/tasks/new").await.status, StatusCode::FORBIDDEN);
        let r = u.post(&format!("/tasks/{city}/step"), &[("step", "report_progress"), ("text", "已部署")]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
    })
    .await;
}

/// A malformed task-list filter is refused field by field (422) instead of being dropped.
#[tokio::test]
async fn a_malformed_task_filter_is_named_not_dropped() {
    each_db(true, |app| async move {
        let (s, v) = call(
            &app,
            "staff",
            Method::GET,
            "/api/v1/tasks?state=someday&lead_unit_id=0&overdue=2",
            None,
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        let fields: Vec<&str> = v["error"]["fields"]
            .as_array()
            .expect("fields")
            .iter()
            .filter_map(|f| f["field"].as_str())
            .collect();
        assert_eq!(fields, ["state", "lead_unit_id", "overdue"], "{v}");
        let mut c = app.client();
        c.login("staff", PASSWORD).await;
        let r = c.get("/tasks?state=someday").await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("状态：不是可选的值"), "{}", r.body);
    })
    .await;
}
