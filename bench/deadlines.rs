//! Deadline-engine benchmark (issue #3):
//! 1. compute 1,000,000 due dates with the legal-period calendar (goal: < 100 ms);
//! 2. one scheduler pass over 1,000,000 open deadlines on SQLite and on PostgreSQL (goal: < 1 s);
//! 3. importing a year's holiday notice with 1,000,000 open deadlines of which 100,000 touch that
//!    year, every one of those moving (goal: < 2 s), with the latency of deadline-page reads
//!    taken meanwhile (issue #11).
//!
//! Run: `cargo bench --bench deadlines` (add `BENCH_PG_URL=postgres://postgres@127.0.0.1:5432/postgres`
//! for PostgreSQL; it creates and drops its own database). Results are printed as Markdown;
//! bench/RESULTS.md records them.

use std::time::Instant;

use chrono::{Datelike, Days, NaiveDate, TimeZone, Utc};
use shuangda::calendar::Period;
use shuangda::calendar::store::shipped;
use shuangda::db::{Db, Dialect};
use shuangda::deadline::scheduler::run_pass;
use sqlx::Connection;

const N: u32 = 1_000_000;

fn due_dates() -> (u128, u64) {
    let cal = shipped(NaiveDate::from_ymd_opt(2026, 6, 17).unwrap_or_default());
    let base = NaiveDate::from_ymd_opt(2020, 1, 1).unwrap_or_default();
    // Warm up.
    let _ = cal.add_workdays(base, 5);
    let t = Instant::now();
    let mut checksum = 0u64;
    for i in 0..N {
        let start = base + Days::new(u64::from(i % 2400));
        let period = if i % 2 == 0 {
            Period::WorkingDays(1 + i % 20)
        } else {
            Period::Days(1 + i % 10)
        };
        if let Ok(due) = cal.due_date(start, period) {
            checksum = checksum.wrapping_add(u64::from(due.ordinal()));
        }
    }
    (t.elapsed().as_millis(), checksum)
}

/// Run one generated bulk insert in a transaction, then refresh PostgreSQL's statistics so the
/// measured statements are planned for the table's real size.
async fn insert_generated(db: &Db, sql: String) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    // Bring the freshly generated table to the state a table that grew over months is in:
    // vacuumed (visibility map and hint bits set, as autovacuum leaves it) and checkpointed, so
    // the measurement is not the first touch of a million new rows.
    match db.dialect {
        Dialect::Postgres => {
            sqlx::raw_sql("VACUUM ANALYZE deadlines")
                .execute(&db.pool)
                .await?;
            sqlx::raw_sql("CHECKPOINT").execute(&db.pool).await?;
        }
        Dialect::Sqlite => {
            sqlx::raw_sql("ANALYZE; PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(&db.pool)
                .await?;
        }
    }
    Ok(())
}

/// Load the demo organisation (units and accounts) with the clock on `day`.
async fn demo_units(db: &Db, day: NaiveDate) -> Result<(), sqlx::Error> {
    let ctx = shuangda::context::Ctx::new(db.clone(), shuangda::clock::Clock::on(day), None);
    shuangda::demo::load(&ctx)
        .await
        .map(|_| ())
        .map_err(|e| sqlx::Error::Protocol(e.to_string()))
}

/// Fill the deadlines table with `N` open clocks whose due dates spread over 2026, owned by the
/// demo units, generated inside the database.
async fn fill(db: &Db) -> Result<(), sqlx::Error> {
    // The demo's own clocks start from the day the passes below run on.
    demo_units(db, NaiveDate::from_ymd_opt(2026, 6, 16).unwrap_or_default()).await?;
    let series = match db.dialect {
        Dialect::Postgres => "SELECT generate_series(1, 1000000) AS n".to_string(),
        Dialect::Sqlite => "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 1000000) SELECT n FROM s".to_string(),
    };
    // Due dates spread evenly over the year from 16 June: on 17 June every row is still open,
    // about 1/365 of them ran out the day before and a few days' worth fall due soon.
    let date = match db.dialect {
        Dialect::Postgres => "to_char(DATE '2026-06-16' + (g.n % 365)::int, 'YYYY-MM-DD')",
        Dialect::Sqlite => "date('2026-06-16', '+' || (g.n % 365) || ' days')",
    };
    let sql = format!(
        "INSERT INTO deadlines (purpose, clause, start_event, start_date, rule_text, clock, due_date, state, \
         owner_unit_id, created_at, updated_at) \
         SELECT 'bench ' || g.n, '000 §8', 'bench', '2026-01-01', '20个工作日', '{{}}', {date}, 'open', \
         (SELECT MIN(id) FROM units) + (g.n % 80), '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z' \
         FROM ({series}) g"
    );
    insert_generated(db, sql).await
}

async fn scheduler(db: &Db) -> Result<String, sqlx::Error> {
    let t = Instant::now();
    fill(db).await?;
    let fill_s = t.elapsed().as_secs_f64();
    let cal = shipped(NaiveDate::from_ymd_opt(2026, 6, 17).unwrap_or_default());
    let mut rows = String::new();
    // The first pass of a day finds the deadlines that ran out the day before and those due
    // within two working days; later passes that day find nothing new. The next day repeats.
    for (label, day, hour) in [
        ("first pass of the day (17 Jun)", 17, 1),
        ("next pass, same day", 17, 2),
        ("first pass of the next day (18 Jun)", 18, 1),
    ] {
        let today = NaiveDate::from_ymd_opt(2026, 6, day).unwrap_or_default();
        let now = Utc
            .with_ymd_and_hms(2026, 6, day, hour, 0, 0)
            .single()
            .unwrap_or_default();
        let t = Instant::now();
        let r = run_pass(db, &cal, today, now).await?;
        rows.push_str(&format!(
            "| {:?} | {label} | {} ms | due soon {} / missed {} |\n",
            db.dialect,
            t.elapsed().as_millis(),
            r.due_soon,
            r.missed
        ));
    }
    Ok(format!(
        "{rows}| {:?} | (fill 1,000,000 rows) | {fill_s:.1} s | |\n",
        db.dialect
    ))
}

/// A 2027 notice that differs from the provisional year (元旦 3 days).
const NOTICE_2027: &str = "year = 2027\nsource = \"基准测试用2027年安排\"\n\n[[holidays]]\nname = \"元旦\"\ndays = [\"2027-01-01\", \"2027-01-02\", \"2027-01-03\"]\n";

/// 1,000,000 open clocks: 100,000 of 20 working days started 10–29 December 2026 (provisional,
/// stored with a due date the import will move), 900,000 due within 2026.
async fn fill_for_import(db: &Db) -> Result<(), sqlx::Error> {
    demo_units(db, NaiveDate::from_ymd_opt(2026, 12, 3).unwrap_or_default()).await?;
    let (series, start) = match db.dialect {
        Dialect::Postgres => (
            "SELECT generate_series(1, 1000000) AS n",
            "to_char(CASE WHEN g.n <= 100000 THEN DATE '2026-12-10' + (g.n % 20)::int ELSE DATE '2026-03-01' + (g.n % 200)::int END, 'YYYY-MM-DD')",
        ),
        Dialect::Sqlite => (
            "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 1000000) SELECT n FROM s",
            "CASE WHEN g.n <= 100000 THEN date('2026-12-10', '+' || (g.n % 20) || ' days') ELSE date('2026-03-01', '+' || (g.n % 200) || ' days') END",
        ),
    };
    let sql = format!(
        "INSERT INTO deadlines (purpose, clause, start_event, start_date, rule_text, clock, due_date, state, \
         owner_unit_id, created_at, updated_at, provisional) \
         SELECT 'bench ' || x.n, '000 §8', 'bench', x.start, '20个工作日', \
         '{{\"rule\":{{\"WorkingDays\":20}},\"start\":\"' || x.start || '\",\"clause\":\"000 §8\",\"purpose\":\"bench\",\"suspensions\":[],\"extensions\":[],\"state\":\"Open\"}}', \
         CASE WHEN x.n <= 100000 THEN '2027-01-31' ELSE '2026-10-31' END, 'open', \
         (SELECT MIN(id) FROM units) + (x.n % 80), '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z', \
         CASE WHEN x.n <= 100000 THEN 1 ELSE 0 END \
         FROM (SELECT g.n AS n, {start} AS start FROM ({series}) g) x"
    );
    insert_generated(db, sql).await
}

/// How often each of the four readers opens a deadline page during the import.
const READ_EVERY: std::time::Duration = std::time::Duration::from_millis(10);

/// Import the 2027 notice over 1,000,000 open deadlines while four readers load deadline pages.
async fn import(db: &Db) -> Result<String, Box<dyn std::error::Error>> {
    let t = Instant::now();
    fill_for_import(db).await?;
    let fill_s = t.elapsed().as_secs_f64();
    let today = NaiveDate::from_ymd_opt(2026, 12, 3).unwrap_or_default();
    let cal = shipped(today);
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut readers = Vec::new();
    for r in 0..4i64 {
        let db = db.clone();
        let stop = stop.clone();
        readers.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut i = r;
            // Paced, not closed-loop: four readers each opening a deadline page every
            // `READ_EVERY` (400 pages a second, far above a city platform's traffic). Readers
            // in a tight loop would measure how the two cores are shared, not whether the
            // import blocks them (bench/RESULTS.md).
            let mut tick = tokio::time::interval(READ_EVERY);
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                tick.tick().await;
                i = (i * 7919 + 13) % 1_000_000 + 1;
                let t = Instant::now();
                let _ = shuangda::deadline::store::get(&db, &shuangda::access::Scope::All, i).await;
                let _ = shuangda::deadline::store::events(&db, i).await;
                lat.push(t.elapsed().as_micros());
            }
            lat
        }));
    }
    // Let the readers warm up.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let t = Instant::now();
    let (_, r) = shuangda::calendar::store::save_year(
        db,
        &cal,
        None,
        &shuangda::audit::Who::system("基准测试", shuangda::clock::Clock::on(today).now()),
        NOTICE_2027,
    )
    .await?;
    let import_ms = t.elapsed().as_millis();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut lat = Vec::new();
    for h in readers {
        lat.extend(h.await?);
    }
    lat.sort_unstable();
    let pct = |p: f64| {
        lat.get(((lat.len() as f64 - 1.0) * p) as usize)
            .map(|us| *us as f64 / 1000.0)
            .unwrap_or(0.0)
    };
    Ok(format!(
        "| {:?} | {import_ms} ms | {} examined, {} moved | {} reads: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms | {fill_s:.1} s |\n",
        db.dialect,
        r.examined,
        r.moved,
        lat.len(),
        pct(0.5),
        pct(0.99),
        pct(1.0),
    ))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The import logs where its time went (read, compute, write, notify) on stderr.
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(tracing_subscriber::EnvFilter::new(
            "shuangda::deadline=info",
        ))
        .init();
    let (ms, sum) = due_dates();
    println!(
        "## Due dates\n\n1,000,000 due dates (half working-day, half calendar-day periods, starts over 2020–2026): **{ms} ms** (checksum {sum})\n"
    );
    println!(
        "## Scheduler pass over 1,000,000 open deadlines\n\n| database | pass | time | changed |\n|---|---|---|---|"
    );

    let only_import = std::env::var("BENCH_ONLY").as_deref() == Ok("import");
    let dir = tempfile::tempdir()?;
    if !only_import {
        let url = format!("sqlite:{}", dir.path().join("bench.db").display());
        let db = Db::connect(&url, 4).await?;
        shuangda::db::migrate(&db).await?;
        print!("{}", scheduler(&db).await?);
        db.pool.close().await;
    }
    let mut imports = String::new();
    let url = format!("sqlite:{}", dir.path().join("import.db").display());
    let db = Db::connect(&url, 5).await?;
    shuangda::db::migrate(&db).await?;
    imports.push_str(&import(&db).await?);
    db.pool.close().await;

    if let Ok(admin) = std::env::var("BENCH_PG_URL") {
        let name = format!("sd_bench_{}", std::process::id());
        let mut conn = sqlx::PgConnection::connect(&admin).await?;
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut conn)
            .await?;
        let url = match admin.rsplit_once('/') {
            Some((base, _)) => format!("{base}/{name}"),
            None => admin.clone(),
        };
        let result = async {
            let db = Db::connect(&url, 5).await?;
            shuangda::db::migrate(&db).await?;
            let out = if only_import {
                String::new()
            } else {
                scheduler(&db).await?
            };
            sqlx::raw_sql("DELETE FROM deadlines")
                .execute(&db.pool)
                .await?;
            db.pool.close().await;
            Ok::<_, Box<dyn std::error::Error>>(out)
        }
        .await;
        let imported = async {
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
            )))
            .execute(&mut conn)
            .await?;
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(&mut conn)
                .await?;
            let db = Db::connect(&url, 5).await?;
            shuangda::db::migrate(&db).await?;
            let out = import(&db).await?;
            db.pool.close().await;
            Ok::<_, Box<dyn std::error::Error>>(out)
        }
        .await;
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
        )))
        .execute(&mut conn)
        .await?;
        print!("{}", result?);
        imports.push_str(&imported?);
    }
    println!(
        "\n## Importing a year's notice over 1,000,000 open deadlines (100,000 touching the year)\n\n| database | import (one transaction) | deadlines | reads meanwhile | (fill) |\n|---|---|---|---|---|\n{imports}"
    );
    Ok(())
}
