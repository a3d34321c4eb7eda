//! How many SQL statements each page costs (issue #21): every page a signed-in officer opens,
//! counted from the database driver's own statement log, on both databases. A page must stay
//! within its budget, and its count must not grow with the records it lists: a list that
//! makes a query per row fails here, whatever the machine's speed.
//!
//! The counter sees every statement in the process, so this binary holds this one test and
//! sends one request at a time.

mod common;

use std::sync::atomic::{AtomicU64, Ordering};

use axum::http::{Method, StatusCode};
use common::{App, PASSWORD, api, each_db};
use serde_json::{Value, json};
use tracing_subscriber::Layer;
use tracing_subscriber::layer::SubscriberExt;

/// Statements executed, from the driver's log (`sqlx::query` events, one per statement).
static STATEMENTS: AtomicU64 = AtomicU64::new(0);

struct Count;

/// The logged statement's summary (its first words).
struct Summary(String);

impl tracing::field::Visit for Summary {
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        if field.name() == "summary" {
            self.0 = value.to_string();
        }
    }
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        if field.name() == "summary" {
            self.0 = format!("{value:?}");
        }
    }
}

impl<S: tracing::Subscriber> Layer<S> for Count {
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        if event.metadata().target() != "sqlx::query" {
            return;
        }
        let mut summary = Summary(String::new());
        event.record(&mut summary);
        // A connection the pool opens meanwhile runs its settings (`Db::connect_with`): the
        // pool's doing, not the page's.
        let setup = ["PRAGMA ", "SET ", "\"PRAGMA ", "\"SET "]
            .iter()
            .any(|p| summary.0.starts_with(p));
        if !setup {
            STATEMENTS.fetch_add(1, Ordering::SeqCst);
        }
    }
}

/// The most statements a page may make: session and actor, the to-do and unread counts of
/// the header, and the page's own few reads.
const BUDGET: u64 = 8;

/// The count once the last statement's log event is in: SQLite's driver logs a statement on
/// its worker thread, which may finish after the answer has reached the caller.
async fn settled() -> u64 {
    let mut last = STATEMENTS.load(Ordering::SeqCst);
    loop {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        let now = STATEMENTS.load(Ordering::SeqCst);
        if now == last {
            return now;
        }
        last = now;
    }
}

/// The most statements a clue registration through the API may make (23 before issue #21;
/// 16 after it, and one more since its clock is counted for the dashboard in the same
/// transaction, `statistics::tally::opened`, issue #16).
const REGISTRATION_BUDGET: u64 = 17;

/// Each page's statement count, as the second of two views (the first may fill a cache).
async fn counts(app: &App, pages: &[String]) -> Vec<(String, u64)> {
    let mut c = app.client();
    let r = c.login("staff", PASSWORD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let mut out = Vec::new();
    for page in pages {
        let first = c.get(page).await;
        assert_eq!(first.status, StatusCode::OK, "{page}: {}", first.body);
        let before = settled().await;
        let second = c.get(page).await;
        assert_eq!(second.status, StatusCode::OK, "{page}");
        out.push((page.clone(), settled().await - before));
    }
    out
}

async fn first_id(app: &App, table: &str) -> Option<i64> {
    sqlx::query_scalar::<_, Option<i64>>(sqlx::AssertSqlSafe(format!(
        "SELECT MIN(id) FROM {table}"
    )))
    .fetch_one(&app.db.pool)
    .await
    .unwrap_or_else(|e| panic!("{table}: {e}"))
}

fn clue(n: usize) -> Value {
    json!({
        "title": format!("统计语句用案件{n}"),
        "summary": "群众举报某公司销售假冒注册商标的商品。",
        "source": "daily_work",
        "received_on": (common::test_today() - chrono::Duration::days(1)).to_string(),
        "right_kinds": ["trademark"],
        "regions": ["411502"],
        "parties": [{"kind": "enterprise", "name": format!("某商贸有限公司{n}"), "code": "91350100M000100Y43"}]
    })
}

#[tokio::test]
async fn every_page_makes_a_few_statements_whatever_it_lists() {
    let subscriber = tracing_subscriber::registry().with(
        Count.with_filter(
            tracing_subscriber::filter::Targets::new()
                .with_target("sqlx::query", tracing::Level::TRACE),
        ),
    );
    tracing::subscriber::set_global_default(subscriber).expect("the only subscriber");
    each_db(true, |app| async move {
        let t = app.token("staff").await;
        let start = settled().await;
        let r = api(
            &app,
            Method::POST,
            "/api/v1/cases",
            Some(&t),
            Some(clue(99)),
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        // A registration: the caller, then in one transaction the case, its party, its two
        // party rows, its clock and the clock's event, its event, the yearly number, the code,
        // and the audit chain's head, records and hash, with BEGIN and COMMIT.
        let registration = settled().await - start;
        assert!(
            registration <= REGISTRATION_BUDGET,
            "a registration made {registration} statements"
        );
        let mut pages: Vec<String> = [
            "/",
            "/cases",
            "/cases/new",
            "/tasks",
            "/transfers",
            "/meetings",
            "/inspections",
            "/circulars",
            "/deadlines",
            "/plans",
            "/units",
            "/users",
            "/notifications",
            "/linkage/requests",
            "/linkage/meetings",
            "/linkage/stats",
            "/reports",
            "/composition",
            "/calendar",
            // A search whose words are in units, people and cases (#17): one statement to
            // catch the index up, one to confirm every hit, whatever it finds.
            "/search?q=%E4%BF%A1%E9%98%B3",
        ]
        .iter()
        .map(|p| p.to_string())
        .collect();
        for (table, path) in [
            ("cases", "/cases"),
            ("tasks", "/tasks"),
            ("transfers", "/transfers"),
            ("group_meetings", "/meetings"),
            ("inspections", "/inspections"),
            ("circulars", "/circulars"),
            ("deadlines", "/deadlines"),
            ("plans", "/plans"),
            ("units", "/units"),
            ("users", "/users"),
        ] {
            // Record pages of the kinds the demo data holds.
            if let Some(id) = first_id(&app, table).await {
                pages.push(format!("{path}/{id}"));
            }
        }
        let before = counts(&app, &pages).await;
        let over: Vec<_> = before.iter().filter(|(_, n)| *n > BUDGET).collect();
        assert!(over.is_empty(), "pages over {BUDGET} statements: {over:?}");

        // More of everything the lists show: cases with their clocks, events and notices.
        for n in 0..6 {
            let r = api(&app, Method::POST, "/api/v1/cases", Some(&t), Some(clue(n))).await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        }
        let after = counts(&app, &pages).await;
        let grew: Vec<_> = before
            .iter()
            .zip(&after)
            .filter(|(b, a)| a.1 > b.1)
            .map(|(b, a)| format!("{}: {} → {}", b.0, b.1, a.1))
            .collect();
        assert!(
            grew.is_empty(),
            "pages whose statements grew with their rows: {grew:?}"
        );
        eprintln!(
            "{:?}: registration {registration}, pages {after:?}",
            app.db.dialect
        );
    })
    .await;
}
