//! Deadline-engine benchmark (issue #3):
//! 1. compute 1,000,000 due dates with the legal-period calendar (goal: < 100 ms);
//! 2. one scheduler pass over 1,000,000 open deadlines on SQLite and on PostgreSQL (goal: < 1 s).
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
    let cal = shipped();
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

/// Fill the deadlines table with `N` open clocks whose due dates spread over 2026, owned by the
/// demo units, generated inside the database.
async fn fill(db: &Db) -> Result<(), sqlx::Error> {
    // The demo's own clocks start from the day the passes below run on.
    let day = NaiveDate::from_ymd_opt(2026, 6, 16).unwrap_or_default();
    let ctx = shuangda::context::Ctx::new(db.clone(), shuangda::clock::Clock::on(day), None);
    shuangda::demo::load(&ctx)
        .await
        .map_err(|e| sqlx::Error::Protocol(e.to_string()))?;
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
    let mut tx = db.begin().await?;
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    if db.dialect == Dialect::Postgres {
        sqlx::raw_sql("ANALYZE deadlines").execute(&db.pool).await?;
    }
    Ok(())
}

async fn scheduler(db: &Db) -> Result<String, sqlx::Error> {
    let t = Instant::now();
    fill(db).await?;
    let fill_s = t.elapsed().as_secs_f64();
    let cal = shipped();
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

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (ms, sum) = due_dates();
    println!(
        "## Due dates\n\n1,000,000 due dates (half working-day, half calendar-day periods, starts over 2020–2026): **{ms} ms** (checksum {sum})\n"
    );
    println!(
        "## Scheduler pass over 1,000,000 open deadlines\n\n| database | pass | time | changed |\n|---|---|---|---|"
    );

    let dir = tempfile::tempdir()?;
    let url = format!("sqlite:{}", dir.path().join("bench.db").display());
    let db = Db::connect(&url, 4).await?;
    shuangda::db::migrate(&db).await?;
    print!("{}", scheduler(&db).await?);
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
            let db = Db::connect(&url, 4).await?;
            shuangda::db::migrate(&db).await?;
            let out = scheduler(&db).await?;
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
    }
    Ok(())
}
