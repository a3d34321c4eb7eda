//! What durable commits cost (issue #13): audited changes per second, each its own transaction
//! (the audit head moved and one audit record written, as every state change does), on SQLite
//! with `synchronous = FULL` (the default) and `NORMAL`, and on PostgreSQL when `BENCH_PG_URL`
//! names a server. One writer, then eight at once, `BENCH_SECONDS` (default 5) each.
//!
//! Run: `cargo bench --bench commits`. Results are printed as Markdown; bench/RESULTS.md records
//! them.

use std::time::{Duration, Instant};

use shuangda::audit::{self, Entry};
use shuangda::db::{Db, SqliteSynchronous};
use sqlx::Connection;

fn at() -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp(1_780_000_000, 0).unwrap_or_default()
}

/// Commits per second and the p50/p99 commit latency with `writers` concurrent writers.
async fn measure(db: &Db, writers: usize, secs: u64) -> (f64, f64, f64) {
    let until = Instant::now() + Duration::from_secs(secs);
    let mut tasks = Vec::new();
    for w in 0..writers {
        let db = db.clone();
        tasks.push(tokio::spawn(async move {
            let who = audit::Who::system("bench", at());
            let mut lat = Vec::new();
            let mut n = 0u64;
            while Instant::now() < until {
                let t = Instant::now();
                let r = audit::store::record_alone(
                    &db,
                    &who,
                    Entry::new("unit.update", "unit").object(format!("{w}-{n}"), None),
                )
                .await;
                if r.is_ok() {
                    lat.push(t.elapsed().as_secs_f64() * 1000.0);
                }
                n += 1;
            }
            lat
        }));
    }
    let started = Instant::now();
    let mut all = Vec::new();
    for t in tasks {
        if let Ok(l) = t.await {
            all.extend(l);
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    all.sort_by(|a, b| a.total_cmp(b));
    let pct = |p: f64| {
        all.get(((all.len() as f64 * p) as usize).min(all.len().saturating_sub(1)))
            .copied()
            .unwrap_or(0.0)
    };
    (all.len() as f64 / elapsed, pct(0.5), pct(0.99))
}

async fn rows(label: &str, db: &Db, secs: u64) -> String {
    let mut out = String::new();
    for writers in [1, 8] {
        let (rate, p50, p99) = measure(db, writers, secs).await;
        out.push_str(&format!(
            "| {label} | {writers} | {rate:.0} | {p50:.2} | {p99:.2} |\n"
        ));
    }
    out
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let secs = std::env::var("BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let dir = tempfile::tempdir()?;
    let mut table = String::from(
        "| database | writers | audited commits/s | p50 ms | p99 ms |\n|---|---|---|---|---|\n",
    );
    for (label, sync) in [
        (
            "SQLite, synchronous = FULL (default)",
            SqliteSynchronous::Full,
        ),
        ("SQLite, synchronous = NORMAL", SqliteSynchronous::Normal),
    ] {
        let url = format!(
            "sqlite:{}",
            dir.path().join(format!("{sync:?}.db")).display()
        );
        let db = Db::connect_with(&url, 8, sync).await?;
        shuangda::db::migrate(&db).await?;
        table.push_str(&rows(label, &db, secs).await);
        db.pool.close().await;
    }
    if let Ok(admin) = std::env::var("BENCH_PG_URL") {
        let name = format!("sd_bench_commits_{}", std::process::id());
        let mut conn = sqlx::PgConnection::connect(&admin).await?;
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut conn)
            .await?;
        let url = match admin.rsplit_once('/') {
            Some((base, _)) => format!("{base}/{name}"),
            None => admin.clone(),
        };
        let result = async {
            let db = Db::connect(&url, 8).await?;
            shuangda::db::migrate(&db).await?;
            let out = rows("PostgreSQL, synchronous_commit = on", &db, secs).await;
            db.pool.close().await;
            Ok::<_, Box<dyn std::error::Error>>(out)
        }
        .await;
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
        )))
        .execute(&mut conn)
        .await?;
        table.push_str(&result?);
    }
    println!("## Durable commits\n\n{table}");
    Ok(())
}
