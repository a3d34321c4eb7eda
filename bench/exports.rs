//! Export benchmark (issue #16, "exports that scale"): every clock of a year — `BENCH_CLOCKS`,
//! default 1,000,000 — exported as one .xlsx by the office's staff, as `POST
//! /api/v1/exports/clocks` does it: the rows streamed from the database into rust_xlsxwriter's
//! constant-memory worksheet on a blocking thread, a bounded channel between. Goal: peak RSS
//! under 100 MB.
//!
//! The clocks are written by one `INSERT … SELECT` from a number series into the migrated
//! database after the demo organisation: started over the year, owned by Xinyang's units in
//! turn (all within the office's scope), a third met in time, a third met late, the rest
//! running; then `ANALYZE`. Then the export runs in a child process of its own (this binary again, with
//! `BENCH_EXPORT_URL` set), so that the generation's memory is not counted: the line gives its
//! time, the rows and the file's size, and the child's peak resident memory (`VmHWM`) next to
//! its resident memory before the export started.
//!
//! Run: `cargo bench --bench exports` (SQLite, in a temporary file), with
//! `BENCH_PG_URL=postgres://postgres@127.0.0.1:5432/postgres` for PostgreSQL too (a throw-away
//! database); `BENCH_SQLITE=0` skips SQLite. Results print as Markdown; bench/RESULTS.md
//! records them.

use std::time::{Duration, Instant};

use shuangda::db::{Db, Dialect};
use sqlx::Connection;

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A line of /proc/self/status in MB (VmRSS, VmHWM).
fn status_mb(key: &str) -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(key))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

async fn generate(db: &Db, n: u64, year: i32) -> Result<(), Box<dyn std::error::Error>> {
    let ctx = shuangda::context::Ctx::new(db.clone(), shuangda::clock::Clock::system(), None);
    shuangda::demo::load(&ctx).await?;
    // Xinyang's units, numbered from 0 in a table of the bench's own.
    sqlx::raw_sql(
        "CREATE TABLE bench_units (k BIGINT PRIMARY KEY, unit_id BIGINT NOT NULL); \
         INSERT INTO bench_units (k, unit_id) SELECT ROW_NUMBER() OVER (ORDER BY id) - 1, id FROM units WHERE region_code LIKE '4115%'",
    )
    .execute(&db.pool)
    .await?;
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM bench_units")
        .fetch_one(&db.pool)
        .await?;
    let series = match db.dialect {
        Dialect::Postgres => format!("SELECT generate_series(1::bigint, {n}) AS n"),
        Dialect::Sqlite => format!(
            "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < {n}) SELECT n FROM s"
        ),
    };
    // Day `n % 360` of the year and ten days later, as YYYY-MM-DD.
    let day = |plus: u32| match db.dialect {
        Dialect::Postgres => {
            format!("to_char(DATE '{year}-01-01' + (n % 360 + {plus})::int, 'YYYY-MM-DD')")
        }
        Dialect::Sqlite => format!("date('{year}-01-01', (n % 360 + {plus}) || ' days')"),
    };
    let sql = format!(
        "INSERT INTO deadlines (purpose, clause, start_event, start_date, rule_text, clock, due_date, state, met_on, \
         owner_unit_id, created_at, updated_at) \
         SELECT '移送案件审查（第' || n || '件）', '004 二(一)', '收到移送', {start}, '10日', '{{}}', {due}, \
         CASE n % 3 WHEN 0 THEN 'open' ELSE 'met' END, CASE n % 3 WHEN 1 THEN {due} WHEN 2 THEN {late} END, \
         b.unit_id, '{year}-01-01T00:00:00Z', '{year}-01-01T00:00:00Z' FROM ({series}) s \
         JOIN bench_units b ON b.k = s.n % {count}",
        start = day(0),
        due = day(10),
        late = day(12),
    );
    let mut tx = db.begin().await?;
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    // Statistics as autovacuum (PostgreSQL) or `PRAGMA optimize` would keep them: without them
    // PostgreSQL plans a page of rows as a scan of every unit's clocks (2 s a page, not 1 ms).
    sqlx::raw_sql("ANALYZE").execute(&db.pool).await?;
    Ok(())
}

async fn run(url: String, label: Dialect) -> Result<(), Box<dyn std::error::Error>> {
    let n = env_num("BENCH_CLOCKS", 1_000_000);
    let year = chrono::Datelike::year(&shuangda::clock::Clock::system().today()) - 1;
    let db = Db::connect(&url, 8).await?;
    shuangda::db::migrate(&db).await?;
    let t = Instant::now();
    generate(&db, n, year).await?;
    println!(
        "| {label:?} | {n} clocks generated | {:.1} s | | | |",
        t.elapsed().as_secs_f64()
    );
    db.pool.close().await;
    // The export in a process of its own.
    let out = std::process::Command::new(std::env::current_exe()?)
        .env("BENCH_EXPORT_URL", &url)
        .env("BENCH_EXPORT_YEAR", year.to_string())
        .env("BENCH_EXPORT_LABEL", format!("{label:?}"))
        .output()?;
    print!("{}", String::from_utf8_lossy(&out.stdout));
    if !out.status.success() {
        return Err(format!(
            "the export failed: {}",
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    }
    Ok(())
}

/// The child: export the year's clocks as the office's staff and print the line.
async fn export(url: String, year: i32, label: String) -> Result<(), Box<dyn std::error::Error>> {
    let db = Db::connect(&url, 8).await?;
    let staff: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = 'staff'")
        .fetch_one(&db.pool)
        .await?;
    let (actor, _) = shuangda::users::store::load_actor(&db, staff)
        .await?
        .ok_or("no staff")?;
    let clock = shuangda::clock::Clock::system();
    let who = shuangda::audit::Who {
        user_id: Some(actor.user_id),
        name: "bench".into(),
        unit_id: Some(actor.unit_id),
        request_id: None,
        client_addr: None,
        at: clock.now(),
        signing: None,
        approval: None,
    };
    let dir = tempfile::tempdir()?;
    let from = chrono::NaiveDate::from_ymd_opt(year, 1, 1).ok_or("date")?;
    let to = chrono::NaiveDate::from_ymd_opt(year, 12, 31).ok_or("date")?;
    let before = status_mb("VmRSS:");
    let t = Instant::now();
    let id = shuangda::exports::store::start_clocks(&db, clock, dir.path(), &actor, &who, from, to)
        .await?;
    let (state, rows, size) = loop {
        let (state, rows, size): (String, i64, Option<i64>) =
            sqlx::query_as("SELECT state, rows_done, file_size FROM exports WHERE id = $1")
                .bind(id)
                .fetch_one(&db.pool)
                .await?;
        if state != "running" {
            break (state, rows, size);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let secs = t.elapsed().as_secs_f64();
    let peak = status_mb("VmHWM:");
    println!(
        "| {label} | export of a year's clocks ({state}) | {secs:.1} s | {rows} rows, {:.1} MB file | peak RSS {peak:.0} MB (before {before:.0} MB) | {:.0} rows/s |",
        size.unwrap_or(0) as f64 / 1_048_576.0,
        rows as f64 / secs
    );
    db.pool.close().await;
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    if let Ok(url) = std::env::var("BENCH_EXPORT_URL") {
        let year = env_num("BENCH_EXPORT_YEAR", 2025) as i32;
        let label = std::env::var("BENCH_EXPORT_LABEL").unwrap_or_default();
        return export(url, year, label).await;
    }
    println!("| database | what | time | size | memory | rate |\n|---|---|---|---|---|---|");
    let dir = tempfile::tempdir()?;
    if std::env::var("BENCH_SQLITE").as_deref() != Ok("0") {
        let file = dir.path().join("exports.db");
        run(format!("sqlite:{}", file.display()), Dialect::Sqlite).await?;
    }
    if let Ok(admin) = std::env::var("BENCH_PG_URL") {
        let name = format!("sd_bench_exports_{}", std::process::id());
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
