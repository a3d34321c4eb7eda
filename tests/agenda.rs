//! The to-do centre (issue #19), on both databases: what each person finds waiting on the home
//! page and in `/api/v1/me`'s `agenda` — their duties and the clocks running for them, grouped
//! 已逾期 / 今日到期 / 本周到期 / 其他 on the platform's day — and notices kept apart, read when
//! opened. Each item is there from the act that gives it to the moment the act that does it.

mod common;

use axum::http::{Method, StatusCode};
use common::{App, PASSWORD, api, call, each_db};
use serde_json::{Value, json};
use shuangda::calendar::Period;

const MSA: &str = "信阳市市场监督管理局";
const POLICE: &str = "信阳市公安局";

/// The caller's agenda as (group, kind, title, due date) rows.
async fn agenda(app: &App, who: &str) -> Vec<(String, String, String, Option<String>)> {
    let (s, v) = call(app, who, Method::GET, "/api/v1/me", None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let groups = v["agenda"].as_array().expect("agenda");
    assert_eq!(
        groups
            .iter()
            .map(|g| g["urgency"].as_str().unwrap_or(""))
            .collect::<Vec<_>>(),
        ["overdue", "due_today", "due_this_week", "other"],
        "every group, in order"
    );
    let mut out = Vec::new();
    for g in groups {
        for i in g["items"].as_array().expect("items") {
            out.push((
                g["urgency"].as_str().unwrap_or("").to_string(),
                i["kind"].as_str().unwrap_or("").to_string(),
                i["title"].as_str().unwrap_or("").to_string(),
                i["due_date"].as_str().map(str::to_string),
            ));
        }
    }
    out
}

/// The items whose title contains `words`.
fn with<'a>(
    items: &'a [(String, String, String, Option<String>)],
    words: &str,
) -> Vec<&'a (String, String, String, Option<String>)> {
    items.iter().filter(|i| i.2.contains(words)).collect()
}

/// The group an item due on `due` falls in, as the platform sees its day.
fn group_of(app: &App, due: chrono::NaiveDate) -> &'static str {
    shuangda::notify::agenda::Urgency::of(Some(due), app.today()).code()
}

async fn case_step(app: &App, who: &str, id: i64, body: Value) {
    let (s, v) = call(
        app,
        who,
        Method::POST,
        &format!("/api/v1/cases/{id}/steps"),
        Some(body.clone()),
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{body}: {v}");
}

/// 000 §3–4, §10: the director finds the proposal waiting for his decision; the person he
/// names finds the naming of the units with the §4 clock's date, once (not again as a clock);
/// each goes when it is done.
#[tokio::test]
async fn the_director_and_the_responsible_person_find_their_decisions() {
    each_db(true, |app| async move {
        let title = "待办中心测试：某公司制售假冒农资案";
        let (s, v) = call(&app, "staff", Method::POST, "/api/v1/cases", Some(json!({
            "title": title, "summary": "群众举报某公司制售假冒农资。", "source": "public_report",
            "received_on": app.today().to_string(), "reporter": "13800138000",
            "right_kinds": ["trademark"], "regions": ["411502"],
            "parties": [{"kind": "enterprise", "name": "某农资有限公司", "code": "91350100M000100Y43"}]
        }))).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let id = v["id"].as_i64().expect("id");
        // Before the proposal the office's 000 §4 clock runs for it, but there is nothing to
        // decide.
        assert!(with(&agenda(&app, "director").await, &format!("审批督办提请：{title}")).is_empty(), "nothing to decide yet");
        case_step(&app, "staff", id, json!({"step": "propose", "grounds": [["cross_department", "涉及农业农村、市场监管两个部门"]]})).await;
        let director = agenda(&app, "director").await;
        let waiting = with(&director, &format!("审批督办提请：{title}"));
        assert_eq!(waiting.len(), 1, "{director:?}");
        assert_eq!(waiting[0].1, "duty");
        // The director's home page shows it; before this the page said 暂无待办事项.
        let mut c = app.client();
        c.login("director", PASSWORD).await;
        let home = c.get("/").await;
        assert!(home.body.contains(&format!("审批督办提请：{title}")), "{}", home.body);
        assert!(!home.body.contains("todo-empty"));
        // Every page counts what waits for him in the navigation, as the to-do centre does.
        let count = director.len();
        let page = c.get("/cases").await;
        assert!(
            page.body.contains("待办 <span class=\"badge") && page.body.contains(&format!("data-count=\"{count}\"")),
            "the navigation counts {count} to-dos: {}",
            page.body
        );
        let badge = |body: &str| {
            body.split(">待办 <span class=\"badge")
                .nth(1)
                .and_then(|rest| rest.split("data-count=\"").nth(1))
                .and_then(|rest| rest.split('"').next())
                .and_then(|n| n.parse::<usize>().ok())
        };
        assert_eq!(badge(&page.body), Some(count));

        let staff = app.user_id("staff").await.to_string();
        case_step(&app, "director", id, json!({"step": "approve", "reason": "同意督办", "responsible_user_id": staff})).await;
        assert!(with(&agenda(&app, "director").await, &format!("审批督办提请：{title}")).is_empty(), "decided");
        let after = agenda(&app, "director").await.len();
        assert_eq!(badge(&c.get("/cases").await.body), (after > 0).then_some(after), "one fewer once decided");
        let due: String = sqlx::query_scalar("SELECT due_date FROM deadlines WHERE record_type = 'case' AND record_id = $1 AND clause = '000 §4'")
            .bind(id)
            .fetch_one(&app.db.pool)
            .await
            .expect("000 §4 clock");
        // The clock is the responsible person's duty: on his list, not on the director's.
        assert!(with(&agenda(&app, "director").await, title).is_empty(), "not on every office list");
        let mine = agenda(&app, "staff").await;
        let name = with(&mine, title);
        assert_eq!(name.len(), 1, "the duty stands for the clock, once: {mine:?}");
        assert_eq!(name[0].2, format!("明确主办、协办单位：{title}"));
        assert_eq!(name[0].3.as_deref(), Some(due.as_str()));
        let due_day = chrono::NaiveDate::parse_from_str(&due, "%Y-%m-%d").expect("date");
        assert_eq!(name[0].0, group_of(&app, due_day));

        case_step(&app, "staff", id, json!({"step": "start", "lead_unit_id": app.unit_id(MSA).await, "assisting": [app.unit_id(POLICE).await]})).await;
        assert!(with(&agenda(&app, "staff").await, title).is_empty(), "named");
    })
    .await;
}

/// 004 二(二); 国务院令第310号第八条: once a transfer is sent, the police find it to sign for and
/// the 3-day review running for them; signing for it leaves the review, deciding ends it.
#[tokio::test]
async fn the_police_find_the_transfer_and_its_three_day_review() {
    each_db(true, |app| async move {
        let t = app.token("liaison.scjg").await;
        let r = api(&app, Method::POST, "/api/v1/transfers?direction=to_police", Some(&t), Some(json!({
            "situation": "own_investigation", "title": "待办中心测试：销售假冒白酒案",
            "facts": "经查，某商贸公司销售假冒注册商标的白酒120箱。", "suspects": "某商贸有限公司",
            "amount": "256000.50", "to_unit_id": app.unit_id(POLICE).await.to_string(),
            "items": [{"name": "假冒白酒", "quantity": "120", "unit": "箱", "storage": "罚没物品仓库"}]
        }))).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let id = r.json()["id"].as_i64().expect("id");
        let code: String = sqlx::query_scalar("SELECT code FROM transfers WHERE id = $1")
            .bind(id)
            .fetch_one(&app.db.pool)
            .await
            .expect("code");
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
        assert!(with(&agenda(&app, "handler.gaj").await, &code).is_empty(), "a draft is the sender's");
        let step = |who: &'static str, body: Value| {
            let app = &app;
            async move {
                let (s, v) = call(app, who, Method::POST, &format!("/api/v1/transfers/{id}/steps"), Some(body)).await;
                assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
            }
        };
        // The handlers report; the transfer waits for the bureau head, on his 3-day clock
        // (国务院令第310号第五条): on his list, not on theirs, and not yet the police's.
        step("liaison.scjg", json!({"step": "send"})).await;
        let three = app.state.calendar().due_date(app.today(), Period::Days(3)).expect("due");
        let head = agenda(&app, "head.scjg").await;
        let approve = with(&head, &format!("{code}提请审批：移送公安机关"));
        assert_eq!(approve.len(), 1, "{head:?}");
        assert_eq!(approve[0].1, "duty");
        assert_eq!(approve[0].3.as_deref(), Some(three.to_string().as_str()), "3 days from the report");
        assert!(with(&agenda(&app, "liaison.scjg").await, "提请审批").is_empty());
        assert!(with(&agenda(&app, "handler.gaj").await, &code).is_empty(), "not sent yet");
        assert!(with(&agenda(&app, "head.gaj").await, &code).is_empty(), "not sent yet");
        step("head.scjg", json!({"step": "approve"})).await;
        assert!(with(&agenda(&app, "head.scjg").await, &code).is_empty(), "approved");
        let police = agenda(&app, "handler.gaj").await;
        let review = with(&police, &format!("审查移送案件并作出是否立案的决定：{code}"));
        assert_eq!(review.len(), 1, "{police:?}");
        assert_eq!(review[0].1, "clock");
        assert_eq!(review[0].3.as_deref(), Some(three.to_string().as_str()), "3 days from receipt");
        assert_eq!(review[0].0, group_of(&app, three));
        assert_eq!(with(&police, "请签收").len(), 1, "{police:?}");

        step("handler.gaj", json!({"step": "receive"})).await;
        let police = agenda(&app, "handler.gaj").await;
        assert!(with(&police, "请签收").is_empty(), "signed for");
        assert_eq!(with(&police, &format!("审查移送案件并作出是否立案的决定：{code}")).len(), 1, "the review still runs after signing: {police:?}");
        // The handler proposes filing; the decision is the police head's, due with the review.
        step("handler.gaj", json!({"step": "file"})).await;
        let head = agenda(&app, "head.gaj").await;
        let approve = with(&head, &format!("{code}提请审批：决定立案"));
        assert_eq!(approve.len(), 1, "{head:?}");
        assert_eq!(approve[0].3.as_deref(), Some(three.to_string().as_str()), "{head:?}");
        step("head.gaj", json!({"step": "approve"})).await;
        assert!(with(&agenda(&app, "head.gaj").await, &code).is_empty(), "approved");
        assert!(with(&agenda(&app, "handler.gaj").await, &code).is_empty(), "decided");
        // The transferring unit now has the hand-over of the items (国务院令第310号第十二条).
        assert_eq!(with(&agenda(&app, "liaison.scjg").await, "请移交涉案物品").len(), 1);
    })
    .await;
}

/// Notices are for information, apart from the to-dos, and read when opened.
#[tokio::test]
async fn a_notice_is_read_when_it_is_opened() {
    each_db(true, |app| async move {
        let (s, v) = call(&app, "handler.gaj", Method::POST, "/api/v1/reports", Some(json!({
            "kind": "major_matter", "title": "待办中心测试：重大事项", "body": "涉案金额1200万元。"
        }))).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let (_, me) = call(&app, "leader", Method::GET, "/api/v1/me", None).await;
        let notice = me["unread_notifications"]
            .as_array()
            .expect("notices")
            .iter()
            .find(|n| {
                n["title"]
                    .as_str()
                    .is_some_and(|t| t.contains("待办中心测试：重大事项"))
            })
            .cloned()
            .expect("the leader is told");
        let todo_titles: Vec<String> = me["agenda"]
            .as_array()
            .expect("agenda")
            .iter()
            .flat_map(|g| g["items"].as_array().cloned().unwrap_or_default())
            .filter_map(|i| i["title"].as_str().map(str::to_string))
            .collect();
        assert!(
            !todo_titles
                .iter()
                .any(|t| t.contains("待办中心测试：重大事项")),
            "a notice is not a to-do: {todo_titles:?}"
        );
        let mut c = app.client();
        c.login("leader", PASSWORD).await;
        let home = c.get("/").await;
        let csrf = home.csrf().expect("csrf");
        let id = notice["id"].as_i64().expect("id");
        let r = c
            .post(
                &format!("/notifications/{id}/open"),
                &[("_csrf", csrf.as_str())],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(r.location(), "/reports");
        let (_, me) = call(&app, "leader", Method::GET, "/api/v1/me", None).await;
        assert!(
            !me["unread_notifications"]
                .as_array()
                .expect("notices")
                .iter()
                .any(|n| n["id"] == id),
            "read once opened"
        );
        // Another person's notice cannot be opened.
        let mut other = app.client();
        other.login("director", PASSWORD).await;
        let page = other.get("/").await;
        let csrf = page.csrf().expect("csrf");
        let r = other
            .post(
                &format!("/notifications/{id}/open"),
                &[("_csrf", csrf.as_str())],
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
    })
    .await;
}

/// The badge in the navigation counts what is waiting where it is stored, in one statement,
/// and stops at a hundred: 99+ then, with the alert colour while anything is due by today.
#[tokio::test]
async fn the_navigation_badge_counts_up_to_a_hundred() {
    each_db(true, |app| async move {
        let user = app.user_id("liaison.scjg").await;
        let badge = |body: &str| -> String {
            body.split("待办 <span class=\"badge")
                .nth(1)
                .and_then(|rest| rest.split("data-count=\"").nth(1))
                .and_then(|rest| rest.split('"').next())
                .unwrap_or("")
                .to_string()
        };
        let add = |n: i64, due: chrono::NaiveDate| {
            let db = app.db.clone();
            async move {
                for i in 0..n {
                    sqlx::query(
                        "INSERT INTO todo_items (user_id, title, due_date, created_at) VALUES ($1, $2, $3, '2026-01-01T00:00:00.000000Z')",
                    )
                    .bind(user)
                    .bind(format!("计数测试{i}"))
                    .bind(due.to_string())
                    .execute(&db.pool)
                    .await
                    .expect("to-do");
                }
            }
        };
        let mut c = app.client();
        c.login("liaison.scjg", PASSWORD).await;
        let before: usize = badge(&c.get("/").await.body).parse().unwrap_or(0);
        add(3, app.today() + chrono::Duration::days(30)).await;
        let page = c.get("/").await.body;
        assert_eq!(badge(&page), (before + 3).to_string());
        add(1, app.today()).await;
        let page = c.get("/").await.body;
        assert_eq!(badge(&page), (before + 4).to_string());
        assert!(page.contains("badge alert"), "due today is pressing");
        add(100, app.today() + chrono::Duration::days(30)).await;
        assert_eq!(badge(&c.get("/").await.body), "99+");
    })
    .await;
}
