//! The demo (issue #20): `serve --demo` loads a consistent year of work through the platform's
//! own operations, dated back from the demo's today, so that every account the README lists
//! finds an open to-do and a list with content, on both databases and on any day CI runs it.

mod common;

use axum::http::{Method, StatusCode};
use common::{App, api, each_db, each_db_on};
use serde_json::Value;

/// Every account of the README's table, with a list it finds work in.
const ACCOUNTS: &[(&str, &str)] = &[
    ("leader", "/api/v1/meetings"),
    ("director", "/api/v1/cases"),
    ("staff", "/api/v1/circulars"),
    ("liaison.scjg", "/api/v1/tasks"),
    ("handler.gaj", "/api/v1/transfers"),
    ("head.scjg", "/api/v1/transfers"),
    ("head.gaj", "/api/v1/transfers"),
    ("head.luoshan.scjg", "/api/v1/transfers"),
    ("head.luoshan.gaj", "/api/v1/transfers"),
    ("county.luoshan", "/api/v1/meetings"),
    ("director.luoshan", "/api/v1/meetings"),
    ("leader.luoshan", "/api/v1/meetings"),
    ("liaison.luoshan.scjg", "/api/v1/tasks"),
    ("handler.luoshan.gaj", "/api/v1/transfers"),
    ("procurator", "/api/v1/transfers"),
    ("pingyin.staff", "/api/v1/public-reports"),
    ("sysadmin", "/api/v1/users"),
    ("secadmin", "/api/v1/users"),
    ("auditadmin", "/api/v1/audit"),
];

/// The to-do that is the account's own to act on, by a word of its title.
const DUTIES: &[(&str, &str)] = &[
    ("leader", "决定召开领导小组全体会议"),
    ("director", "审批督办提请"),
    ("head.scjg", "提请审批"),
    ("handler.gaj", "作出复议决定"),
    ("liaison.scjg", "不予立案"),
    ("liaison.luoshan.scjg", "请签收"),
    ("director.luoshan", "决定召开"),
    ("leader.luoshan", "审批组长变更"),
    ("procurator", "立案监督"),
    ("pingyin.staff", "待分办"),
];

async fn get(app: &App, token: &str, path: &str) -> Value {
    let r = api(app, Method::GET, path, Some(token), None).await;
    assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
    r.json()
}

async fn states(app: &App, table: &str) -> Vec<String> {
    let sql = format!("SELECT DISTINCT state FROM {table} ORDER BY state");
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .fetch_all(&app.db.pool)
        .await
        .expect("states")
}

/// The demo's records on top of the organisation `each_db(true, …)` loads.
async fn load(app: &App) {
    shuangda::demo::load_records(&app.state)
        .await
        .expect("the demo's records load");
}

/// The demo covers every state of a supervised case and of a transfer, and the year's other
/// work: meetings with signed minutes and their tasks, read receipts, rectification, a late
/// report, the group's composition.
async fn assert_covered(app: &App) {
    let mut want: Vec<String> = shuangda::cases::flow::CaseState::ALL
        .iter()
        .map(|s| s.code().to_string())
        .collect();
    want.sort();
    assert_eq!(states(app, "cases").await, want, "a case in every state");
    let mut want: Vec<String> = shuangda::linkage::flow::TransferState::ALL
        .iter()
        .map(|s| s.code().to_string())
        .collect();
    want.sort();
    assert_eq!(
        states(app, "transfers").await,
        want,
        "a transfer in every state"
    );
    let one = |sql: &'static str| async move {
        let n: i64 = sqlx::query_scalar(sql)
            .fetch_one(&app.db.pool)
            .await
            .expect(sql);
        assert!(n > 0, "none: {sql}");
    };
    one("SELECT COUNT(*) FROM cases WHERE listed = 1").await;
    one("SELECT COUNT(*) FROM case_archives").await;
    one("SELECT COUNT(*) FROM group_meetings WHERE minutes_number IS NOT NULL").await;
    one("SELECT COUNT(*) FROM tasks WHERE source = 'decided_item' AND state = 'accepted'").await;
    one("SELECT COUNT(*) FROM tasks WHERE source = 'inspection_finding'").await;
    one("SELECT COUNT(*) FROM circular_recipients WHERE read_at IS NOT NULL").await;
    one("SELECT COUNT(*) FROM circular_recipients WHERE read_at IS NULL").await;
    one("SELECT COUNT(*) FROM inspections WHERE number IS NOT NULL").await;
    one("SELECT COUNT(*) FROM group_positions").await;
    one("SELECT COUNT(*) FROM composition_changes WHERE state = 'pending'").await;
    one("SELECT COUNT(*) FROM public_reports").await;
    one("SELECT COUNT(*) FROM penalty_decisions").await;
    // One round with a unit late: its report came after the due date.
    one(
        "SELECT COUNT(*) FROM unit_reports r JOIN report_rounds o ON o.id = r.round_id \
         WHERE r.submitted_on > o.due_on",
    )
    .await;
}

/// Nothing in the demo is dated after the demo's now: every act, to-do, notice and record.
async fn assert_nothing_in_the_future(app: &App) {
    let now = shuangda::db::time::to_text(app.now());
    for (table, column) in [
        ("audit_log", "at"),
        ("notifications", "created_at"),
        ("todo_items", "created_at"),
        ("cases", "created_at"),
        ("tasks", "created_at"),
        ("group_meetings", "created_at"),
        ("circulars", "created_at"),
        ("inspections", "created_at"),
        ("report_rounds", "created_at"),
        ("unit_reports", "submitted_at"),
        ("composition_changes", "requested_at"),
        ("drafts", "created_at"),
    ] {
        let sql = format!("SELECT MAX({column}) FROM {table}");
        let latest: Option<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .fetch_one(&app.db.pool)
            .await
            .expect("latest");
        let latest = latest.unwrap_or_else(|| panic!("{table} is empty"));
        assert!(latest <= now, "{table}.{column} {latest} is after {now}");
    }
    let today = app.today().to_string();
    for (table, column) in [
        ("group_meetings", "held_on"),
        ("cases", "received_on"),
        ("cases", "concluded_on"),
    ] {
        let sql = format!("SELECT MAX({column}) FROM {table}");
        let latest: Option<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .fetch_one(&app.db.pool)
            .await
            .expect("latest");
        let latest = latest.unwrap_or_else(|| panic!("no {table}.{column}"));
        assert!(
            latest <= today,
            "{table}.{column} {latest} is after {today}"
        );
    }
}

#[tokio::test]
async fn every_account_finds_work_and_a_list_with_content() {
    each_db(true, |app| async move {
        load(&app).await;
        assert_covered(&app).await;
        assert_nothing_in_the_future(&app).await;
        for (username, list) in ACCOUNTS {
            let token = app.token(username).await;
            let me = get(&app, &token, "/api/v1/me").await;
            let todos = me["todos"].as_array().expect("todos");
            assert!(!todos.is_empty(), "{username} has no open to-do: {me}");
            if let Some((_, want)) = DUTIES.iter().find(|(u, _)| u == username) {
                assert!(
                    todos
                        .iter()
                        .any(|t| t["title"].as_str().is_some_and(|x| x.contains(want))),
                    "{username} is not asked to {want}: {me}"
                );
            }
            let page = get(&app, &token, list).await;
            let items = page["items"].as_array().expect("items");
            assert!(!items.is_empty(), "{username} finds {list} empty: {page}");
        }
        // The home page shows the to-do centre with the work.
        let mut c = app.client();
        c.login("procurator", common::PASSWORD).await;
        let home = c.get("/").await;
        assert_eq!(home.status, StatusCode::OK);
        assert!(home.body.contains("/transfers/"), "{}", home.body);
    })
    .await;
}

/// The demo loads on New Year's Eve and in the next year too, when its year of work spans two
/// calendar years (CI also runs the test above on those days).
#[tokio::test]
async fn the_demo_loads_on_new_years_eve_and_the_next_summer() {
    for day in ["2026-12-31", "2027-06-15"] {
        let day = chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").expect("day");
        if day == common::test_today() {
            continue;
        }
        each_db_on(day, true, |app| async move {
            load(&app).await;
            assert_covered(&app).await;
            assert_nothing_in_the_future(&app).await;
        })
        .await;
    }
}
