//! The leaders' dashboard at scale (issue #16, "Numbers"): 1,000,000 cases, 10,000,000 case
//! events and 5,000,000 clocks, then the statistics pages and their API under 32 concurrent
//! connections from `wrk`, p50/p99. Goal: p99 under 100 ms on SQLite and PostgreSQL.
//!
//! The clocks' figures are read from the maintained tally (`statistics::tally`): whole months
//! from it, partial months and the running clocks past due live from indexed rows. The same
//! query counted live over every clock (`clock_facts_live`, what the pages did before) is timed
//! once beside it for comparison.
//!
//! Data, written by bulk `INSERT … SELECT` from a number series after the demo organisation:
//! cases and events as `bench/cases.rs` makes them; clocks spread over the 700 days up to today,
//! owned by Xinyang's units in turn, of eight clauses, started in the last ten days still
//! running (some past due), the rest met on time or late, missed or waived; then the tally is
//! counted once (`tally::rebuild`, the migration's backfill) and `ANALYZE`.
//!
//! Run: `cargo bench --bench dashboard` (SQLite in a temporary file), with
//! `BENCH_PG_URL=postgres://postgres@127.0.0.1:5432/postgres` for PostgreSQL too (a throw-away
//! database); `BENCH_SQLITE=0` skips SQLite. `BENCH_CASES` (1000000), `BENCH_EVENTS_PER_CASE`
//! (10), `BENCH_CLOCKS` (5000000) and `BENCH_SECONDS` (per measurement, 10) scale it. Results
//! print as Markdown; bench/RESULTS.md records them.

use std::time::Instant;

#[path = "support/load.rs"]
mod load;
#[path = "support/wrk.rs"]
mod wrk;

use chrono::Datelike;
use load::{Auth, load};
use shuangda::access::Scope;
use shuangda::config::Config;
use shuangda::db::{Db, Dialect};
use sqlx::Connection;

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

async fn exec(db: &Db, sql: String) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}

fn series(dialect: Dialect, n: u64) -> String {
    match dialect {
        Dialect::Postgres => format!("SELECT generate_series(1::bigint, {n}) AS n"),
        Dialect::Sqlite => format!(
            "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < {n}) SELECT n FROM s"
        ),
    }
}

/// `base` plus `expr` days, as YYYY-MM-DD.
fn day(dialect: Dialect, base: chrono::NaiveDate, expr: &str) -> String {
    match dialect {
        Dialect::Postgres => format!("to_char(DATE '{base}' + ({expr})::int, 'YYYY-MM-DD')"),
        Dialect::Sqlite => format!("date('{base}', '+' || ({expr}) || ' days')"),
    }
}

const CLAUSES: [&str; 8] = [
    "000 §4",
    "000 §8",
    "000 §11",
    "004 二(一)",
    "004 二(二)",
    "003 三(五)",
    "001 §24",
    "002 (七)1",
];

async fn generate(
    db: &Db,
    cases: u64,
    events: u64,
    clocks: u64,
) -> Result<(), Box<dyn std::error::Error>> {
    let ctx = shuangda::context::Ctx::new(db.clone(), shuangda::clock::Clock::system(), None);
    shuangda::demo::load(&ctx).await?;
    let dl = db.dialect;
    let epoch = chrono::NaiveDate::from_ymd_opt(2020, 1, 1).ok_or("date")?;
    // Cases as bench/cases.rs makes them: the Xinyang office supervises 9 in 10, the Luoshan
    // office the rest; leads cycle over the member units and county bureaus.
    let office: i64 = sqlx::query_scalar("SELECT id FROM units WHERE kind = 'group_office'")
        .fetch_one(&db.pool)
        .await?;
    let county: i64 = sqlx::query_scalar(
        "SELECT id FROM units WHERE kind = 'county_office' AND region_code = '411521'",
    )
    .fetch_one(&db.pool)
    .await?;
    let leads: Vec<i64> = sqlx::query_scalar("SELECT id FROM units WHERE kind NOT IN ('leading_group', 'group_office', 'county_group', 'county_office') AND region_code LIKE '4115%' ORDER BY id")
        .fetch_all(&db.pool)
        .await?;
    let (lead_min, lead_n) = (leads[0], leads.len() as i64);
    let states = "CASE g.n % 10 WHEN 0 THEN 'clue' WHEN 1 THEN 'proposed' WHEN 2 THEN 'supervised' WHEN 3 THEN 'started' \
                  WHEN 4 THEN 'concluded' WHEN 5 THEN 'circulated' WHEN 6 THEN 'archived' ELSE 'under_supervision' END";
    let ts = match dl {
        Dialect::Postgres => "to_char(TIMESTAMP '2020-01-01' + g.n * INTERVAL '1 minute', 'YYYY-MM-DD\"T\"HH24:MI:SS') || '.000000Z'".to_string(),
        Dialect::Sqlite => "strftime('%Y-%m-%dT%H:%M:%S', '2020-01-01', '+' || g.n || ' minutes') || '.000000Z'".to_string(),
    };
    let t = Instant::now();
    exec(db, format!(
        "INSERT INTO cases (id, code, title, summary, source, source_detail, received_on, right_kinds, regions, amount_fen, \
         judicial_status, complex, listed, state, office_unit_id, registered_by_unit_id, lead_unit_id, created_at, updated_at) \
         SELECT g.n, 'B' || g.n, '基准测试案件' || g.n, '案情摘要' || g.n, 'daily_work', '{{}}', {received}, 'trademark', '411502,411521', g.n * 100, \
         'none', 0, CASE WHEN g.n % 10 = 0 THEN 1 ELSE 0 END, {states}, \
         CASE WHEN g.n % 10 = 9 THEN {county} ELSE {office} END, {office}, {lead_min} + (g.n % {lead_n}), {ts}, {ts} \
         FROM ({series}) g",
        received = day(dl, epoch, "g.n % 2500"),
        series = series(dl, cases)
    )).await?;
    if dl == Dialect::Postgres {
        exec(
            db,
            "SELECT setval(pg_get_serial_sequence('cases', 'id'), (SELECT MAX(id) FROM cases))"
                .into(),
        )
        .await?;
    }
    exec(db, "INSERT INTO record_parties (resource, record_id, unit_id, party_role, sort_key) SELECT 'case', id, office_unit_id, 'office', updated_at FROM cases".into()).await?;
    exec(db, "INSERT INTO record_parties (resource, record_id, unit_id, party_role, sort_key) SELECT 'case', id, lead_unit_id, 'lead', updated_at FROM cases".into()).await?;
    println!(
        "| {dl:?} | generate {cases} cases (+2 party rows each) | {:.1} s | | | |",
        t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    exec(db, format!(
        "INSERT INTO case_events (case_id, at, actor_name, actor_unit_id, kind, summary) \
         SELECT c.id, c.created_at, '基准', c.lead_unit_id, 'progress_reported', '第' || e.n || '次进展' \
         FROM cases c CROSS JOIN ({}) e",
        series(dl, events)
    )).await?;
    println!(
        "| {dl:?} | generate {} events | {:.1} s | | | |",
        cases * events,
        t.elapsed().as_secs_f64()
    );

    // Clocks: day k = n % 700 of the 700 days up to today.
    let today = shuangda::clock::Clock::system().today();
    let base = today - chrono::Duration::days(699);
    sqlx::raw_sql(
        "CREATE TABLE bench_units (k BIGINT PRIMARY KEY, unit_id BIGINT NOT NULL); \
         INSERT INTO bench_units (k, unit_id) SELECT ROW_NUMBER() OVER (ORDER BY id) - 1, id FROM units WHERE region_code LIKE '4115%'",
    )
    .execute(&db.pool)
    .await?;
    let units: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM bench_units")
        .fetch_one(&db.pool)
        .await?;
    let clause: String = CLAUSES
        .iter()
        .enumerate()
        .map(|(i, c)| format!(" WHEN {i} THEN '{c}'"))
        .collect();
    let k = "(s.n % 700)";
    let t = Instant::now();
    exec(
        db,
        format!(
            "INSERT INTO deadlines (purpose, clause, start_event, start_date, rule_text, clock, due_date, state, met_on, \
             owner_unit_id, created_at, updated_at) \
             SELECT '基准期限（第' || s.n || '项）', CASE s.n % 8{clause} END, '收到材料', {start}, '10日', '{{}}', {due}, \
             CASE WHEN {k} >= 690 THEN 'open' WHEN s.n % 10 IN (6, 7) THEN 'missed' WHEN s.n % 10 = 8 THEN 'waived' ELSE 'met' END, \
             CASE WHEN {k} >= 690 OR s.n % 10 IN (6, 7, 8) THEN NULL WHEN s.n % 10 IN (4, 5) THEN {late} ELSE {in_time} END, \
             b.unit_id, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z' FROM ({series}) s \
             JOIN bench_units b ON b.k = s.n % {units}",
            start = day(dl, base, k),
            due = day(dl, base, &format!("{k} + 10")),
            late = day(dl, base, &format!("{k} + 12")),
            in_time = day(dl, base, &format!("{k} + 8")),
            series = series(dl, clocks)
        ),
    )
    .await?;
    println!(
        "| {dl:?} | generate {clocks} clocks | {:.1} s | | | |",
        t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    shuangda::statistics::tally::rebuild(db).await?;
    println!(
        "| {dl:?} | count the clocks' tally (the migration's backfill) | {:.1} s | | | |",
        t.elapsed().as_secs_f64()
    );
    Ok(())
}

async fn run(url: String, label: Dialect) -> Result<(), Box<dyn std::error::Error>> {
    let cases = env_num("BENCH_CASES", 1_000_000);
    let events = env_num("BENCH_EVENTS_PER_CASE", 10);
    let clocks = env_num("BENCH_CLOCKS", 5_000_000);
    let secs = env_num("BENCH_SECONDS", 10);
    let config = Config {
        database_url: url.clone(),
        ..Config::default()
    };
    let db = Db::connect(&url, config.db_max_connections).await?;
    shuangda::db::migrate(&db).await?;
    generate(&db, cases, events, clocks).await?;
    let t = Instant::now();
    sqlx::raw_sql("ANALYZE").execute(&db.pool).await?;
    println!(
        "| {label:?} | ANALYZE | {:.1} s | | | |",
        t.elapsed().as_secs_f64()
    );
    db.pool.close().await;
    let db = Db::connect(&url, config.db_max_connections).await?;

    // One query each way, for the office (its whole region) over this year to today.
    let today = shuangda::clock::Clock::system().today();
    let jan1 = chrono::NaiveDate::from_ymd_opt(today.year(), 1, 1).ok_or("date")?;
    let scope = Scope::Region("4115".into());
    let store = shuangda::statistics::store::clock_facts;
    for (name, live) in [("tally", false), ("live GROUP BY", true)] {
        let t = Instant::now();
        let facts = if live {
            shuangda::statistics::store::clock_facts_live(&db, &scope, jan1, today, today).await?
        } else {
            store(&db, &scope, jan1, today, today).await?
        };
        let n: i64 = facts.iter().map(|f| f.count).sum();
        println!(
            "| {label:?} | one clocks query, {name} ({n} clocks this year) | {:.1} ms | | | |",
            t.elapsed().as_secs_f64() * 1000.0
        );
    }

    let token = |u: &'static str| {
        let db = db.clone();
        async move {
            let now = shuangda::clock::Clock::system().now();
            shuangda::auth::token::issue_for_username(&db, u, "bench", None, now).await
        }
    };
    let staff = Auth::Bearer(token("staff").await.map_err(|e| e.to_string())?);
    let liaison = Auth::Bearer(token("liaison.scjg").await.map_err(|e| e.to_string())?);
    let staff_page = Auth::Cookie(wrk::session(&db, "staff").await?);
    let state = shuangda::server::state(db.clone(), config);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let server = tokio::spawn(shuangda::server::serve(state.clone(), listener));
    let last_year = today.year() - 1;
    let runs: Vec<(&str, &Auth, Vec<String>)> = vec![
        (
            "clocks this year (API, office)",
            &staff,
            vec!["/api/v1/statistics/clocks".into()],
        ),
        (
            "page: clocks this year (office)",
            &staff_page,
            vec!["/statistics/clocks".into()],
        ),
        (
            "clocks, last year and a partial period (API, office)",
            &staff,
            vec![
                format!("/api/v1/statistics/clocks?from={last_year}-01-01&to={last_year}-12-31"),
                format!("/api/v1/statistics/clocks?from={last_year}-03-10&to={last_year}-09-20"),
            ],
        ),
        (
            "own unit (API, member unit)",
            &liaison,
            vec!["/api/v1/statistics/mine".into()],
        ),
        (
            "supervised cases (API, office)",
            &staff,
            vec!["/api/v1/statistics/cases".into()],
        ),
        (
            "page: supervised cases (office)",
            &staff_page,
            vec!["/statistics/cases".into()],
        ),
    ];
    for (name, auth, paths) in runs {
        load(&base, auth, &paths, 32, 2).await?; // warm-up
        let m = load(&base, auth, &paths, 32, secs).await?;
        println!(
            "| {label:?} | {name} | {:.2} ms | {:.2} ms | {:.0} | {} |",
            m.p50, m.p99, m.rps, m.errors
        );
    }
    server.abort();
    db.pool.close().await;
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("| database | what | p50 / time | p99 | req/s | errors |\n|---|---|---|---|---|---|");
    let dir = tempfile::tempdir()?;
    if std::env::var("BENCH_SQLITE").as_deref() != Ok("0") {
        let file = dir.path().join("dashboard.db");
        run(format!("sqlite:{}", file.display()), Dialect::Sqlite).await?;
    }
    if let Ok(admin) = std::env::var("BENCH_PG_URL") {
        let name = format!("sd_bench_dashboard_{}", std::process::id());
        let mut conn = sqlx::PgConnection::connect(&admin).await?;
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut conn)
            .await?;
        let url = match admin.rsplit_once('/') {
            Some((base, _)) => format!("{base}/{name}"),
            None => admin.clone(),
        };
        let r = run(url, Dialect::Postgres).await;
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
        )))
        .execute(&mut conn)
        .await?;
        r?;
    }
    Ok(())
}
