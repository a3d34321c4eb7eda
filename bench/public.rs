//! Public reports benchmark (issue #14): report submissions through the public API paced at
//! `BENCH_SUBMISSIONS_PER_SECOND` (default 100) while the office's pages (its queue of reports
//! and report pages, as a signed-in browser opens them) are measured at the same time; then
//! tracking lookups (number and password) at full speed. The server runs in this process,
//! loaded over loopback by `wrk` (Debian package `wrk`) in its own processes.
//!
//! The database starts with the demo organisation and `BENCH_REPORTS` (default 5000) reports
//! received through the operation itself (clock, to-do, audit), so the queue is not empty. The
//! proof of work is set to 0 bits: it is the reporter's cost by design (a second of a phone's
//! time at the default 16 bits), not the server's, which verifies one hash either way; each
//! submission still carries a token of its own (a nonce spent once). The per-address and
//! per-subject budgets and the lookup-failure budget are lifted: `wrk` is one address.
//!
//! Run: `cargo bench --bench public` (SQLite, in a temporary file), with
//! `BENCH_PG_URL=postgres://postgres@127.0.0.1:5432/postgres` for PostgreSQL too (a throw-away
//! database). `BENCH_SECONDS` (default 20) sets each run's length; `BENCH_ONLY=pages` measures
//! the office's pages alone (with `RUST_LOG=sqlx::query=debug`, every statement's time is logged). Results print as Markdown;
//! bench/RESULTS.md records them.

use std::time::Instant;

#[path = "support/wrk.rs"]
mod wrk;

use shuangda::config::Config;
use shuangda::db::{Db, Dialect};
use sqlx::Connection;
use wrk::{session, wrk};

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn lua_string(s: &str) -> String {
    format!("{s:?}")
}

/// Submissions, each with a token of its own (0 bits: any counter solves it), paced by wrk's
/// `delay` so that `connections` connections send about `per_second` a second in all.
fn submission_script(per_second: u64, connections: u32) -> String {
    let pause_ms = u64::from(connections) * 1000 / per_second.max(1);
    format!(
        r#"wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local n = 0
math.randomseed(os.time() + math.floor(os.clock() * 1000000))
local function hex(k)
  local t = {{}}
  for i = 1, k do t[i] = string.format("%x", math.random(0, 15)) end
  return table.concat(t)
end
request = function()
  n = n + 1
  local token = "v1." .. os.time() .. "." .. hex(32)
  local body = '{{"kind":"report","product":"白酒","region":"411500","address":"信阳市某烟酒店",' ..
    '"occurred_on":"2026-06-01","description":"该店销售假冒白酒，瓶盖防伪码无法查询。",' ..
    '"enterprise":"基准测试商行' .. hex(8) .. '","anonymous":true,' ..
    '"challenge":"' .. token .. '","proof":"0"}}'
  return wrk.format(nil, "/api/v1/public/reports", nil, body)
end
delay = function()
  return {pause_ms}
end
"#
    )
}

/// GET `paths` round-robin with a session cookie; each connection pauses `pause_ms` between
/// requests (0: as fast as the server answers).
fn pages_script(session: &str, paths: &[String], pause_ms: u64) -> String {
    let list: Vec<String> = paths.iter().map(|p| lua_string(p)).collect();
    format!(
        "wrk.headers[\"Cookie\"] = \"sd_session={session}\"\nlocal paths = {{{}}}\nlocal i = 0\n\
         request = function()\n  i = i + 1\n  return wrk.format(\"GET\", paths[(i % #paths) + 1])\nend\n\
         delay = function()\n  return {pause_ms}\nend\n",
        list.join(", ")
    )
}

/// Tracking lookups round-robin over known numbers and passwords.
fn lookup_script(pairs: &[(String, String)]) -> String {
    let bodies: Vec<String> = pairs
        .iter()
        .map(|(n, p)| lua_string(&serde_json::json!({"number": n, "password": p}).to_string()))
        .collect();
    format!(
        "wrk.method = \"POST\"\nwrk.headers[\"Content-Type\"] = \"application/json\"\n\
         local bodies = {{{}}}\nlocal i = 0\nrequest = function()\n  i = i + 1\n  \
         return wrk.format(nil, \"/api/v1/public/reports/track\", nil, bodies[(i % #bodies) + 1])\nend\n",
        bodies.join(", ")
    )
}

async fn run(url: String, label: Dialect) -> Result<(), Box<dyn std::error::Error>> {
    let reports = env_num("BENCH_REPORTS", 5000);
    let secs = env_num("BENCH_SECONDS", 20);
    let per_second = env_num("BENCH_SUBMISSIONS_PER_SECOND", 100);
    let search_dir = tempfile::tempdir()?;
    let config = Config {
        database_url: url.clone(),
        search_dir: Some(search_dir.path().to_path_buf()),
        public_challenge_bits: 0,
        public_submissions_per_address: usize::MAX,
        public_submissions_per_subject: usize::MAX,
        public_lookup_failures_per_address: usize::MAX,
        ..Config::default()
    };
    let db = Db::connect(&url, config.db_max_connections).await?;
    shuangda::db::migrate(&db).await?;
    let state = shuangda::server::state(db.clone(), config);
    shuangda::demo::load(&state.ctx).await?;

    // The queue: reports received through the operation, and the (number, password) of 200.
    let t = Instant::now();
    let mut pairs = Vec::new();
    let cal = state.calendar();
    for i in 0..reports {
        let input = shuangda::public_reports::intake::ReportInput {
            kind: "report".into(),
            product: "白酒".into(),
            region: "411500".into(),
            address: "信阳市某烟酒店".into(),
            occurred_on: "2026-06-01".into(),
            description: format!("该店销售假冒白酒（基准测试第{i}件）。"),
            enterprise: format!("基准测试商行{i}"),
            anonymous: true,
            ..Default::default()
        };
        let now = state.clock.now();
        let new = shuangda::public_reports::intake::NewReport::parse(&input, now.date_naive())
            .map_err(|e| format!("{e:?}"))?;
        let who = shuangda::public_reports::store::reporter(now, None);
        let s = shuangda::public_reports::store::submit(
            &db,
            &cal,
            &state.config.public_reports,
            &who,
            &new,
            &shuangda::public_reports::store::Admission {
                nonce: format!("{i:032x}"),
                per_subject_per_day: usize::MAX,
            },
            Vec::new(),
        )
        .await
        .map_err(|e| format!("{e:?}"))?;
        if pairs.len() < 200 {
            pairs.push((s.tracking_no, s.password));
        }
    }
    println!(
        "| {label:?} | {reports} reports received through the operation (setup) | {:.1} s | | {:.0} | |",
        t.elapsed().as_secs_f64(),
        reports as f64 / t.elapsed().as_secs_f64()
    );
    // Statistics as the database would have them after a while (autovacuum on PostgreSQL):
    // the planner is not left with those of empty tables.
    sqlx::raw_sql("ANALYZE").execute(&db.pool).await?;
    let ids: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM public_reports ORDER BY id DESC LIMIT 100")
            .fetch_all(&db.pool)
            .await?;
    let staff = session(&db, "staff").await?;
    let mut pages: Vec<String> = vec!["/public-reports".into()];
    pages.extend(ids.iter().map(|id| format!("/public-reports/{id}")));

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let server = tokio::spawn(shuangda::server::serve(state.clone(), listener));

    let before: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM public_reports")
        .fetch_one(&db.pool)
        .await?;
    // The office's pages alone, then with the submissions at the same time.
    // Each kind of page alone first: the queue, then the report pages.
    for (what, paths) in [
        (
            "office queue page alone",
            vec!["/public-reports".to_string()],
        ),
        ("report pages alone (100 reports)", pages[1..].to_vec()),
    ] {
        let script = pages_script(&staff, &paths, 0);
        wrk(&base, &script, 8, 2).await?;
        let m = wrk(&base, &script, 8, secs / 2).await?;
        println!(
            "| {label:?} | {what}, 8 connections | {:.2} ms | {:.2} ms | {:.0} | {} |",
            m.p50, m.p99, m.rps, m.errors
        );
    }
    // BENCH_ONLY=pages: the pages alone (with RUST_LOG=sqlx::query=debug, a statement profile).
    if std::env::var("BENCH_ONLY").as_deref() == Ok("pages") {
        server.abort();
        return Ok(());
    }
    // The office at work while the public submits: 8 people each opening a page every 200 ms
    // (about 40 pages a second), measured alone and then during the submissions.
    let pages_script = pages_script(&staff, &pages, 200);
    wrk(&base, &pages_script, 8, 2).await?;
    let alone = wrk(&base, &pages_script, 8, secs).await?;
    println!(
        "| {label:?} | office pages (queue + 100 reports), 8 connections opening one every 200 ms, alone | {:.2} ms | {:.2} ms | {:.0} | {} |",
        alone.p50, alone.p99, alone.rps, alone.errors
    );
    // wrk paces each connection by a fixed pause, not by the clock: 48 connections each
    // pausing for a 130-a-second share keep at least `per_second` a second in flight while a
    // submission takes under about 100 ms; the rate reached is what is reported.
    let submissions = submission_script(per_second * 13 / 10, 48);
    let (base2, sub_script) = (base.clone(), submissions.clone());
    let submitting = tokio::spawn(async move { wrk(&base2, &sub_script, 48, secs).await });
    let busy = wrk(&base, &pages_script, 8, secs).await?;
    let sub = submitting.await??;
    let after: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM public_reports")
        .fetch_one(&db.pool)
        .await?;
    println!(
        "| {label:?} | submissions paced at about {per_second}/s, 48 connections ({} stored) | {:.2} ms | {:.2} ms | {:.0} | {} |",
        after - before,
        sub.p50,
        sub.p99,
        sub.rps,
        sub.errors
    );
    println!(
        "| {label:?} | office pages, the same, during the submissions | {:.2} ms | {:.2} ms | {:.0} | {} |",
        busy.p50, busy.p99, busy.rps, busy.errors
    );
    // The submissions' ceiling: unpaced.
    let unpaced = submission_script(1_000_000, 16);
    let max = wrk(&base, &unpaced, 16, secs / 2).await?;
    println!(
        "| {label:?} | submissions unpaced, 16 connections | {:.2} ms | {:.2} ms | {:.0} | {} |",
        max.p50, max.p99, max.rps, max.errors
    );
    // Tracking lookups at full speed.
    let lookups = lookup_script(&pairs);
    wrk(&base, &lookups, 32, 2).await?;
    let m = wrk(&base, &lookups, 32, secs).await?;
    println!(
        "| {label:?} | tracking lookups, 32 connections | {:.2} ms | {:.2} ms | {:.0} | {} |",
        m.p50, m.p99, m.rps, m.errors
    );
    server.abort();
    db.pool.close().await;
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    shuangda::server::init_logging("text");
    println!("| database | what | p50 / time | p99 | req/s | errors |\n|---|---|---|---|---|---|");
    let dir = tempfile::tempdir()?;
    if std::env::var("BENCH_SQLITE").as_deref() != Ok("0") {
        let file = dir.path().join("public.db");
        run(format!("sqlite:{}", file.display()), Dialect::Sqlite).await?;
    }
    if let Ok(admin) = std::env::var("BENCH_PG_URL") {
        let name = format!("sd_bench_public_{}", std::process::id());
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
