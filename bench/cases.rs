//! Case benchmark (issue #4): a generator fills a database with 1,000,000 cases and 10,000,000
//! timeline events spread over units and regions; then the case list (first page and a
//! filtered page), the case page and the to-do list are measured under 32 concurrent
//! connections on loopback, against the real server, with `wrk` (Debian package `wrk`) as the
//! load generator in its own process; so are the case list and case pages as a browser session
//! opens them. Then writes (issue #21): clue registrations through the API at 1, 4 and 16
//! clients, next to a bare INSERT + COMMIT loop with as many tasks on the same database.
//! `BENCH_ONLY=writes` measures the writes alone. Search (issue #17): the index is rebuilt before
//! the server starts (time and size on disk), the search API is measured for the office and a
//! member unit like the lists, and its lag under write load after the writes;
//! `BENCH_ONLY=search` measures search alone.
//!
//! Run: `cargo bench --bench cases` (SQLite), with `BENCH_PG_URL=postgres://postgres@127.0.0.1:5432/postgres`
//! for PostgreSQL too (a throw-away database is created and dropped). `BENCH_CASES` (default
//! 1000000), `BENCH_EVENTS_PER_CASE` (default 10) and `BENCH_SECONDS` (per endpoint, default 10)
//! scale it; `BENCH_DB_CONNECTIONS` sets the server's pool size (default: the
//! server's own, four per core from 8 to 32) and `BENCH_SQLITE=0` skips SQLite. `BENCH_SQLITE_PATH` keeps the SQLite file there, and a later run that finds the
//! cases in it measures them again without regenerating; `BENCH_PG_DATABASE` does the same for
//! a PostgreSQL database of that name. Results print as Markdown;
//! bench/RESULTS.md records them.

use std::time::Instant;

#[path = "support/wrk.rs"]
mod wrk;

use shuangda::config::Config;
use shuangda::db::{Db, Dialect};
use sqlx::Connection;
use wrk::{Measure, session, wrk};

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

/// Generate `cases` cases with `events` timeline events each, inside the database.
async fn generate(db: &Db, cases: u64, events: u64) -> Result<(), Box<dyn std::error::Error>> {
    let ctx = shuangda::context::Ctx::new(db.clone(), shuangda::clock::Clock::system(), None);
    shuangda::demo::load(&ctx).await?;
    let series = |n: u64| match db.dialect {
        Dialect::Postgres => format!("SELECT generate_series(1, {n}) AS n"),
        Dialect::Sqlite => format!(
            "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < {n}) SELECT n FROM s"
        ),
    };
    let ts = |expr: &str| match db.dialect {
        Dialect::Postgres => format!(
            "to_char(TIMESTAMP '2020-01-01' + ({expr}) * INTERVAL '1 minute', 'YYYY-MM-DD\"T\"HH24:MI:SS') || '.000000Z'"
        ),
        Dialect::Sqlite => format!(
            "strftime('%Y-%m-%dT%H:%M:%S', '2020-01-01', '+' || ({expr}) || ' minutes') || '.000000Z'"
        ),
    };
    let day = |expr: &str| match db.dialect {
        Dialect::Postgres => {
            format!("to_char(DATE '2020-01-01' + (({expr}) % 2500)::int, 'YYYY-MM-DD')")
        }
        Dialect::Sqlite => format!("date('2020-01-01', '+' || (({expr}) % 2500) || ' days')"),
    };
    // Units: the Xinyang office supervises 9 in 10 cases, the Luoshan office the rest; leads
    // cycle over the member units and county bureaus.
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
    let t = Instant::now();
    exec(db, format!(
        "INSERT INTO cases (id, code, title, summary, source, source_detail, received_on, right_kinds, regions, amount_fen, \
         judicial_status, complex, listed, state, office_unit_id, registered_by_unit_id, lead_unit_id, created_at, updated_at) \
         SELECT g.n, 'B' || g.n, '基准测试案件' || g.n, '案情摘要' || g.n || '：' || {product}, 'daily_work', '{{}}', {day}, 'trademark', '411502,411521', g.n * 100, \
         'none', 0, CASE WHEN g.n % 10 = 0 THEN 1 ELSE 0 END, {states}, \
         CASE WHEN g.n % 10 = 9 THEN {county} ELSE {office} END, {office}, {lead_min} + (g.n % {lead_n}), {ts}, {ts} \
         FROM ({series}) g",
        day = day("g.n"), ts = ts("g.n"), series = series(cases), product = products()
    )).await?;
    if db.dialect == Dialect::Postgres {
        exec(
            db,
            "SELECT setval(pg_get_serial_sequence('cases', 'id'), (SELECT MAX(id) FROM cases))"
                .into(),
        )
        .await?;
    }
    exec(db, "INSERT INTO record_parties (resource, record_id, unit_id, party_role, sort_key) SELECT 'case', id, office_unit_id, 'office', updated_at FROM cases".into()).await?;
    exec(db, "INSERT INTO record_parties (resource, record_id, unit_id, party_role, sort_key) SELECT 'case', id, lead_unit_id, 'lead', updated_at FROM cases".into()).await?;
    let cases_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    exec(db, format!(
        "INSERT INTO case_events (case_id, at, actor_name, actor_unit_id, kind, summary) \
         SELECT c.id, c.created_at, '基准', c.lead_unit_id, 'progress_reported', '第' || e.n || '次进展' \
         FROM cases c CROSS JOIN ({}) e",
        series(events)
    )).await?;
    let events_s = t.elapsed().as_secs_f64();
    // A to-do list of realistic length for the liaison officer's unit.
    let unit: i64 = sqlx::query_scalar("SELECT unit_id FROM users WHERE username = 'liaison.scjg'")
        .fetch_one(&db.pool)
        .await?;
    exec(db, format!(
        "INSERT INTO todo_items (unit_id, title, link, due_date, urgent, created_at) \
         SELECT {unit}, '待办' || g.n, '/cases/' || g.n, '2026-12-01', 0, '2026-11-01T00:00:00.000000Z' FROM ({}) g",
        series(40)
    )).await?;
    let t = Instant::now();
    sqlx::raw_sql("ANALYZE").execute(&db.pool).await?;
    println!(
        "| {:?} | generate {cases} cases (+2 party rows each) | {cases_s:.1} s |\n| {:?} | generate {} events | {events_s:.1} s |\n| {:?} | ANALYZE | {:.1} s |",
        db.dialect,
        db.dialect,
        cases * events,
        db.dialect,
        t.elapsed().as_secs_f64()
    );
    Ok(())
}

/// What the generated clues are about, one of twenty in turn (each in 5 % of the cases), so
/// that a search term matches as many cases as a common word would.
const PRODUCTS: [&str; 20] = [
    "销售假冒注册商标的白酒",
    "生产假冒伪劣农药",
    "销售侵权运动鞋",
    "制售假冒化妆品",
    "销售盗版图书",
    "假冒地理标志茶叶",
    "销售假冒汽车配件",
    "生产不合格电线电缆",
    "销售假冒儿童玩具",
    "侵犯著作权软件",
    "销售假冒品牌箱包",
    "制售假冒保健食品",
    "销售假冒化肥",
    "假冒专利标识",
    "销售侵权手机配件",
    "制售假冒香烟",
    "销售假冒药品",
    "网络销售假冒服装",
    "销售假冒奶粉",
    "生产假冒润滑油",
];

fn products() -> String {
    let arms: String = PRODUCTS
        .iter()
        .enumerate()
        .map(|(i, p)| format!(" WHEN {i} THEN '{p}'"))
        .collect();
    format!("(CASE g.n % 20{arms} END)")
}

/// Hit `paths` round-robin with 32 concurrent keep-alive connections for `secs` seconds, from
/// `wrk` in its own process: a C load generator costs far less CPU per request than a client in
/// the server's own runtime, so more of the two cores go to the server being measured.
async fn load(base: &str, auth: &Auth, paths: &[String], secs: u64) -> Result<Measure, String> {
    let list: Vec<String> = paths.iter().map(|p| format!("{p:?}")).collect();
    let script = format!(
        "local paths = {{{}}}\nlocal i = 0\n{}\
         request = function()\n  i = i + 1\n  return wrk.format(\"GET\", paths[(i % #paths) + 1])\nend\n",
        list.join(", "),
        auth.lua()
    );
    wrk(base, &script, 32, secs).await
}

/// How the load generator signs in: a bearer token (the API) or a session cookie (pages).
enum Auth {
    Bearer(String),
    Cookie(String),
}

impl Auth {
    fn lua(&self) -> String {
        match self {
            Auth::Bearer(t) => format!("wrk.headers[\"Authorization\"] = \"Bearer {t}\"\n"),
            Auth::Cookie(t) => format!("wrk.headers[\"Cookie\"] = \"sd_session={t}\"\n"),
        }
    }
}

async fn run(url: String, label: Dialect) -> Result<(), Box<dyn std::error::Error>> {
    let cases = env_num("BENCH_CASES", 1_000_000);
    let events = env_num("BENCH_EVENTS_PER_CASE", 10);
    let secs = env_num("BENCH_SECONDS", 10);
    let defaults = Config::default();
    // The search index of this run's server, built below before it takes traffic.
    let search_dir = tempfile::tempdir()?;
    let config = Config {
        database_url: url.clone(),
        search_dir: Some(search_dir.path().to_path_buf()),
        db_max_connections: std::env::var("BENCH_DB_CONNECTIONS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(defaults.db_max_connections),
        ..defaults
    };
    let db = Db::connect(&url, config.db_max_connections).await?;
    shuangda::db::migrate(&db).await?;
    // A kept SQLite file (BENCH_SQLITE_PATH) that already holds the cases is measured again
    // without regenerating them.
    let have: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM cases")
        .fetch_one(&db.pool)
        .await?;
    if have == 0 {
        generate(&db, cases, events).await?;
    } else {
        println!("| {label:?} | reusing {have} generated cases | | | | |");
    }
    // Analysed afresh, as after generation: the write runs of an earlier bench add cases and
    // clocks, and SQLite plans with the statistics of its last ANALYZE (which a SQLite
    // connection loads when it opens, so the server gets connections opened after).
    sqlx::raw_sql("ANALYZE").execute(&db.pool).await?;
    db.pool.close().await;
    let db = Db::connect(&url, config.db_max_connections).await?;
    let token = |u: &'static str| {
        let db = db.clone();
        async move {
            let now = shuangda::clock::Clock::system().now();
            shuangda::auth::token::issue_for_username(&db, u, "bench", None, now).await
        }
    };
    let staff = Auth::Bearer(token("staff").await.map_err(|e| e.to_string())?);
    let liaison = Auth::Bearer(token("liaison.scjg").await.map_err(|e| e.to_string())?);
    let staff_page = Auth::Cookie(session(&db, "staff").await?);
    let lead: i64 = sqlx::query_scalar("SELECT lead_unit_id FROM cases WHERE id = 7")
        .fetch_one(&db.pool)
        .await?;
    let state = shuangda::server::state(db.clone(), config);
    // The search index (issue #17) is built before the server takes traffic: built by the
    // server's own catch-up it would compete with every measurement below.
    let index = state.ctx.search().map_err(|e| format!("{e:?}"))?;
    let t = Instant::now();
    index
        .rebuild(&db, &mut |_, _, _| {})
        .await
        .map_err(|e| format!("{e:?}"))?;
    println!(
        "| {label:?} | search index: rebuild, {} records | {:.1} s | {:.0} MB on disk | | |",
        index.len(),
        t.elapsed().as_secs_f64(),
        dir_bytes(search_dir.path()) as f64 / 1_048_576.0
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let server = tokio::spawn(shuangda::server::serve(state.clone(), listener));
    let ids: Vec<String> = (0..200u64)
        .map(|i| format!("/api/v1/cases/{}", 1 + (i * 4999) % cases))
        .collect();
    let page_ids: Vec<String> = (0..200u64)
        .map(|i| format!("/cases/{}", 1 + (i * 4999) % cases))
        .collect();
    let only = std::env::var("BENCH_ONLY").unwrap_or_default();
    let search = |q: &str| {
        format!(
            "/api/v1/search?{}",
            serde_urlencoded::to_string([("q", q)]).unwrap_or_default()
        )
    };
    // A common word (5 % of the cases), a word and a number of one case, an exact case number,
    // and a word found nowhere.
    let searches: Vec<String> = vec![
        search("假冒白酒"),
        search("运动鞋"),
        search("基准测试案件123457"),
        search(&format!("B{}", cases / 3)),
        search("无此内容"),
    ];
    let mut runs: Vec<(&str, &Auth, Vec<String>)> = vec![
        (
            "case list, first page (office)",
            &staff,
            vec!["/api/v1/cases".into()],
        ),
        (
            "case list, filtered (state + lead unit)",
            &staff,
            vec![format!(
                "/api/v1/cases?state=under_supervision&lead_unit_id={lead}"
            )],
        ),
        (
            "case list, first page (member unit)",
            &liaison,
            vec!["/api/v1/cases".into()],
        ),
        ("case page (200 different cases)", &staff, ids),
        (
            "to-do list (/api/v1/me)",
            &liaison,
            vec!["/api/v1/me".into()],
        ),
        (
            "page: case list (office)",
            &staff_page,
            vec!["/cases".into()],
        ),
        ("page: case (200 different cases)", &staff_page, page_ids),
    ];
    if only == "search" {
        runs.clear();
    }
    runs.push(("search (office, five queries)", &staff, searches.clone()));
    runs.push(("search (member unit, five queries)", &liaison, searches));
    for (name, tok, paths) in runs {
        if only == "writes" {
            break;
        }
        load(&base, tok, &paths, 2).await?; // warm-up
        let m = load(&base, tok, &paths, secs).await?;
        println!(
            "| {label:?} | {name} | {:.2} ms | {:.2} ms | {:.0} | {} |",
            m.p50, m.p99, m.rps, m.errors
        );
    }
    if only.is_empty() || only == "writes" {
        writes(&db, &base, &staff, label, secs).await?;
    }
    if only.is_empty() || only == "search" {
        search_lag(&db, &base, &staff, &state.ctx, label, secs).await?;
    }
    server.abort();
    db.pool.close().await;
    Ok(())
}

/// Bytes of the files under `dir`.
fn dir_bytes(dir: &std::path::Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| match e.metadata() {
                    Ok(m) if m.is_dir() => dir_bytes(&e.path()),
                    Ok(m) => m.len(),
                    Err(_) => 0,
                })
                .sum()
        })
        .unwrap_or(0)
}

/// The search index's lag under write load: while 4 clients register cases for `secs`
/// seconds, every 250 ms the newest committed audit record is noted and the time until this
/// instance's index has applied it is measured (the server's own once-a-second catch-up; no
/// search runs meanwhile to pull it forward).
async fn search_lag(
    db: &Db,
    base: &str,
    staff: &Auth,
    ctx: &shuangda::context::Ctx,
    label: Dialect,
    secs: u64,
) -> Result<(), Box<dyn std::error::Error>> {
    let script = registration_script(staff);
    let url = format!("{base}/api/v1/cases");
    let load = tokio::spawn(async move { wrk(&url, &script, 4, secs).await });
    let index = ctx.search().map_err(|e| format!("{e:?}"))?;
    let mut lags = Vec::new();
    let until = Instant::now() + std::time::Duration::from_secs(secs.saturating_sub(2).max(1));
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    while Instant::now() < until {
        let head: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM audit_log")
            .fetch_one(&db.pool)
            .await?;
        let t = Instant::now();
        while index.applied() < head {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        lags.push(t.elapsed().as_secs_f64() * 1000.0);
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    let written = load.await??;
    lags.sort_by(|a, b| a.total_cmp(b));
    let at = |q: f64| lags[((lags.len() - 1) as f64 * q) as usize];
    println!(
        "| {label:?} | search index lag under 4 registering clients ({:.0} writes/s), {} samples | {:.0} ms | {:.0} ms (max {:.0} ms) | | |",
        written.rps,
        lags.len(),
        at(0.5),
        at(0.99),
        lags.last().copied().unwrap_or(0.0)
    );
    Ok(())
}

/// A browser session for `username`, as signing in makes one.
/// A `wrk` script that registers one clue per request as the office staff (`staff`).
fn registration_script(staff: &Auth) -> String {
    let body = serde_json::json!({
        "title": "基准测试登记线索",
        "summary": "群众举报某公司销售假冒注册商标的商品。",
        "source": "daily_work",
        "received_on": shuangda::clock::Clock::system().today().to_string(),
        "right_kinds": ["trademark"],
        "regions": ["411502"],
        "parties": [{"kind": "enterprise", "name": "某商贸有限公司", "code": "91350100M000100Y43"}]
    })
    .to_string();
    format!(
        "wrk.method = \"POST\"\nwrk.headers[\"Content-Type\"] = \"application/json\"\n{}wrk.body = {body:?}\n",
        staff.lua()
    )
}

/// Registrations through the API (`POST /api/v1/cases`) at 1, 4 and 16 clients, next to the
/// bare statement every write needs at least: one INSERT and its COMMIT, in a transaction
/// begun as the server begins its own, from as many concurrent tasks.
async fn writes(
    db: &Db,
    base: &str,
    staff: &Auth,
    label: Dialect,
    secs: u64,
) -> Result<(), Box<dyn std::error::Error>> {
    let script = registration_script(staff);
    for clients in [1u32, 4, 16] {
        let registered = wrk(&format!("{base}/api/v1/cases"), &script, clients, secs).await?;
        let bare = bare_commits(db, clients as usize, secs).await?;
        println!(
            "| {label:?} | registrations, {clients} client(s) | {:.2} ms | {:.2} ms | {:.0} | {} |\n\
             | {label:?} | bare INSERT + COMMIT, {clients} task(s) | {:.2} ms | {:.2} ms | {:.0} | 0 |",
            registered.p50,
            registered.p99,
            registered.rps,
            registered.errors,
            bare.p50,
            bare.p99,
            bare.rps
        );
    }
    Ok(())
}

/// One INSERT and its COMMIT per transaction, from `tasks` concurrent tasks, for `secs` seconds,
/// into a table of the bench's own (rows added to a case would be read by the case page runs).
async fn bare_commits(db: &Db, tasks: usize, secs: u64) -> Result<Measure, sqlx::Error> {
    sqlx::raw_sql("CREATE TABLE IF NOT EXISTS bench_writes (at TEXT NOT NULL, note TEXT NOT NULL)")
        .execute(&db.pool)
        .await?;
    let until = Instant::now() + std::time::Duration::from_secs(secs);
    let mut handles = Vec::new();
    for _ in 0..tasks {
        let db = db.clone();
        handles.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            while Instant::now() < until {
                let t = Instant::now();
                let mut tx = db.begin().await?;
                sqlx::query(
                    "INSERT INTO bench_writes (at, note) VALUES ('2026-12-04T00:00:00.000000Z', '基准')",
                )
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                lat.push(t.elapsed().as_secs_f64() * 1000.0);
            }
            Ok::<_, sqlx::Error>(lat)
        }));
    }
    let started = Instant::now();
    let mut all = Vec::new();
    for h in handles {
        if let Ok(l) = h.await {
            all.extend(l?);
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    all.sort_by(|a, b| a.total_cmp(b));
    let pct = |p: f64| {
        all.get(((all.len() as f64 * p) as usize).min(all.len().saturating_sub(1)))
            .copied()
            .unwrap_or(0.0)
    };
    Ok(Measure {
        p50: pct(0.5),
        p99: pct(0.99),
        rps: all.len() as f64 / elapsed,
        errors: 0,
    })
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // RUST_LOG=warn shows statements slower than 500 ms with their SQL.
    shuangda::server::init_logging("text");
    println!("| database | what | p50 / time | p99 | req/s | errors |\n|---|---|---|---|---|---|");
    let dir = tempfile::tempdir()?;
    let file = std::env::var("BENCH_SQLITE_PATH")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| dir.path().join("cases.db"));
    // BENCH_SQLITE=0 measures PostgreSQL only (for reruns that tune one database).
    if std::env::var("BENCH_SQLITE").as_deref() != Ok("0") {
        run(format!("sqlite:{}", file.display()), Dialect::Sqlite).await?;
    }
    if let Ok(admin) = std::env::var("BENCH_PG_URL") {
        // BENCH_PG_DATABASE names a database that is kept (and reused when it holds the
        // cases), like BENCH_SQLITE_PATH; otherwise a throw-away one is created and dropped.
        let kept = std::env::var("BENCH_PG_DATABASE")
            .ok()
            .filter(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
        let name = kept
            .clone()
            .unwrap_or_else(|| format!("sd_bench_cases_{}", std::process::id()));
        let mut conn = sqlx::PgConnection::connect(&admin).await?;
        let exists: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
                .bind(&name)
                .fetch_one(&mut conn)
                .await?;
        if !exists {
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(&mut conn)
                .await?;
        }
        let url = match admin.rsplit_once('/') {
            Some((base, _)) => format!("{base}/{name}"),
            None => admin.clone(),
        };
        let r = run(url, Dialect::Postgres).await;
        if kept.is_none() {
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
            )))
            .execute(&mut conn)
            .await?;
        }
        r?;
    }
    Ok(())
}
