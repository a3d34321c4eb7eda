//! Penalty disclosure benchmark (issue #15): the public lookup of published penalty decisions
//! by credit code and by name over `BENCH_DECISIONS` (default 1,000,000) published decisions
//! of `BENCH_ENTERPRISES` (default 100,000) enterprises, the serious-violation list's lookup by
//! code, and the enterprise record (企业诚信档案) of a party with `BENCH_BIG_PARTY` (default
//! 1,000) linked decisions, as the office's staff opens it. Goal: the public lookup at p99
//! under 20 ms with 32 connections. The server runs in this process, loaded over loopback by
//! `wrk` (Debian package `wrk`) in its own processes, 32 connections on two threads.
//!
//! The data is written by bulk SQL straight into the migrated database after the demo
//! organisation: the enterprises (`信阳市<n>号商贸有限公司`, each with a valid 统一社会信用代码,
//! GB 32100 check character computed here) in a table of the bench's own, then the decisions
//! by one `INSERT … SELECT` from a number series: enterprise 1 has `BENCH_BIG_PARTY` of them,
//! the others the rest in turn (about ten each), all of them published, in effect and on
//! display (published over the last 1,000 days, displayed for three years), decided by the
//! market-regulation bureaus of Xinyang (the city bureau for enterprise 1), each with its
//! organ as a party row as recording one makes it; one enterprise in ten on the
//! serious-violation list (its first decision), with its legal representative. Then `ANALYZE`
//! (and `PRAGMA optimize` on SQLite).
//!
//! Lines (each after a 2 s warm-up, `BENCH_SECONDS` long, default 10): the API and the public
//! page by credit code (1,000 codes in turn), one publication, the list's lookup by code (half
//! of the codes listed), the enterprise record of the party with 1,000 decisions (API with a
//! bearer token and page with a session of `staff`) beside the record of an ordinary party
//! (about ten, 999 in turn), and last the API and the page by full name (the 1,000 enterprises'
//! names in turn, each matching the ten or so decisions of one enterprise, enterprise 1's 1,000
//! among them) and the API by a part of a name (`<n>号商贸`, 1,000 in turn: the lookup takes a
//! full name only since migration 0042, so these find nothing, and must do so on the index).
//! Each line gives wrk's p50, p99, p99.9 and slowest answer (the last two from the Lua
//! script's `done` hook), its errors by kind, and the median of up to 20 requests sent one at a
//! time (the cost of one on an idle server), and starts only once a lookup by code is fast
//! again (`wrk` gives up on a request after 2 s, counted as an error, while the server still
//! serves it).
//! `BENCH_ONLY=<part of a line's name>` measures the lines whose name contains it.
//!
//! Run: `cargo bench --bench penalties` (SQLite, in a temporary file), with
//! `BENCH_PG_URL=postgres://postgres@127.0.0.1:5432/postgres` for PostgreSQL too (a throw-away
//! database). `BENCH_SQLITE=0` skips SQLite; `BENCH_SQLITE_PATH` keeps the SQLite file and
//! `BENCH_PG_DATABASE` a PostgreSQL database of that name (a later run that finds the decisions
//! there measures them again without regenerating: for query plans); `BENCH_DB_CONNECTIONS`
//! sets the server's pool size. Results print as Markdown; bench/RESULTS.md records them.

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

/// The GB 32100 alphabet (a symbol's value is its index) and the weights of positions 1–17.
const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];
/// Xinyang's districts and counties: the enterprises' registration regions, in turn.
const REGIONS: [&str; 10] = [
    "411502", "411503", "411521", "411522", "411523", "411524", "411525", "411526", "411527",
    "411528",
];

/// The 统一社会信用代码 of enterprise `n`: an enterprise (91) of a Xinyang region, organisation
/// code `MA` and `n` in seven digits, and its check character.
fn credit_code(n: u64) -> String {
    let body = format!("91{}MA{n:07}", REGIONS[(n % 10) as usize]);
    let sum: u32 = body
        .bytes()
        .zip(WEIGHTS)
        .map(|(c, w)| {
            let value = ALPHABET.iter().position(|&a| a == c).unwrap_or(0) as u32;
            value * w
        })
        .sum();
    let check = ALPHABET[((31 - sum % 31) % 31) as usize] as char;
    format!("{body}{check}")
}

fn name(n: u64) -> String {
    format!("信阳市{n}号商贸有限公司")
}

/// What the decisions are about, one of eight in turn.
const GOODS: [&str; 8] = [
    "白酒",
    "运动鞋",
    "化妆品",
    "农药",
    "汽车配件",
    "儿童玩具",
    "品牌箱包",
    "奶粉",
];

/// Generate the enterprises, decisions, party rows and listings; print each step's time.
async fn generate(
    db: &Db,
    enterprises: u64,
    decisions: u64,
    big: u64,
) -> Result<(), Box<dyn std::error::Error>> {
    let label = db.dialect;
    let clock = shuangda::clock::Clock::system();
    let ctx = shuangda::context::Ctx::new(db.clone(), shuangda::clock::Clock::system(), None);
    shuangda::demo::load(&ctx).await?;
    let today = clock.today().to_string();
    let now = shuangda::db::time::to_text(clock.now());
    let series = |n: u64| match db.dialect {
        Dialect::Postgres => format!("SELECT generate_series(1::bigint, {n}) AS n"),
        Dialect::Sqlite => format!(
            "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < {n}) SELECT n FROM s"
        ),
    };
    // `today` moved by `days` (an SQL expression) days, as YYYY-MM-DD.
    let day = |days: &str| match db.dialect {
        Dialect::Postgres => {
            format!("to_char(DATE '{today}' + ({days})::int, 'YYYY-MM-DD')")
        }
        Dialect::Sqlite => format!("date('{today}', ({days}) || ' days')"),
    };
    let city: i64 = sqlx::query_scalar(
        "SELECT id FROM units WHERE kind = 'market_regulation' AND name = '信阳市市场监督管理局'",
    )
    .fetch_one(&db.pool)
    .await?;
    let organs: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM units WHERE kind = 'market_regulation' AND region_code LIKE '4115%' ORDER BY id",
    )
    .fetch_all(&db.pool)
    .await?;
    let creator: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = 'liaison.scjg'")
        .fetch_one(&db.pool)
        .await?;

    // The enterprises, 1,000 rows a statement, one transaction.
    let t = Instant::now();
    let mut tx = db.begin().await?;
    sqlx::raw_sql(
        "CREATE TABLE bench_enterprises (n BIGINT PRIMARY KEY, code TEXT NOT NULL, name TEXT NOT NULL)",
    )
    .execute(&mut *tx)
    .await?;
    for start in (1..=enterprises).step_by(1000) {
        let rows: Vec<String> = (start..=(start + 999).min(enterprises))
            .map(|n| format!("({n}, '{}', '{}')", credit_code(n), name(n)))
            .collect();
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "INSERT INTO bench_enterprises (n, code, name) VALUES {}",
            rows.join(", ")
        )))
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    let enterprises_s = t.elapsed().as_secs_f64();

    // The decisions. Decision g of enterprise 1 while g <= big, else of enterprise
    // 2 + (g - big - 1) mod (enterprises - 1); published k days ago (k spread over 1,000 days by
    // a multiplier prime to 1,000, so the big party's decisions take every day once), decided 15
    // days before, displayed 1,095 days from publication.
    let t = Instant::now();
    let k = "((g.n * 7919) % 1000)";
    let organ_arms: String = organs
        .iter()
        .enumerate()
        .map(|(i, id)| format!(" WHEN {i} THEN {id}"))
        .collect();
    let organ = format!(
        "CASE WHEN g.n <= {big} THEN {city} ELSE (CASE g.n % {n} {organ_arms} END) END",
        n = organs.len()
    );
    let goods_arms: String = GOODS
        .iter()
        .enumerate()
        .map(|(i, g)| format!(" WHEN {i} THEN '{g}'"))
        .collect();
    let goods = format!("(CASE g.n % {} {goods_arms} END)", GOODS.len());
    let number = "'市监处罚〔' || (2023 + g.n % 3) || '〕' || g.n || '号'";
    let fine = "(100000 + (g.n % 50) * 100000)";
    let field = |code: &str, label: &str, text: &str| {
        format!("'{{\"field\":\"{code}\",\"label\":\"{label}\",\"text\":\"' || {text} || '\"}}'")
    };
    let published_json = [
        field("decision_number", "决定书文号", number),
        field("organ", "作出决定的机关", "u.name"),
        field("party_name", "当事人名称", "e.name"),
        field("credit_code", "统一社会信用代码", "e.code"),
        field("legal_representative", "法定代表人", "'李某某'"),
        field(
            "facts",
            "主要违法事实",
            &format!(
                "'当事人销售假冒注册商标的' || {goods} || '，货值' || ({fine} / 50) || '元。'"
            ),
        ),
        field(
            "provisions",
            "违反的法律条款",
            "'《中华人民共和国商标法》第五十七条第（三）项'",
        ),
        field(
            "penalty",
            "处罚内容",
            &format!("'没收侵权商品，罚款' || ({fine} / 100) || '元'"),
        ),
        field(
            "basis",
            "处罚依据",
            "'《中华人民共和国商标法》第六十条第二款'",
        ),
        field("decided_on", "作出决定日期", &day(&format!("-{k} - 15"))),
    ]
    .join(" || ',' || ");
    exec(
        db,
        format!(
            "INSERT INTO penalty_decisions (number, organ_unit_id, party_kind, party_name, credit_code, \
             legal_representative, party_address, facts, provisions, kinds, fine_fen, penalty, basis, procedure_kind, \
             decided_on, other_persons, trade_secrets, state, decision_state, published_on, display_until, \
             published_json, created_by, created_at, updated_at) \
             SELECT {number}, u.id, 'enterprise', e.name, e.code, '李某某', '信阳市浉河区某路' || g.n || '号', \
             '当事人销售假冒注册商标的' || {goods} || '，货值' || ({fine} / 50) || '元。', \
             '《中华人民共和国商标法》第五十七条第（三）项', 'fine,confiscate_goods', {fine}, \
             '没收侵权商品，罚款' || ({fine} / 100) || '元', '《中华人民共和国商标法》第六十条第二款', 'general', \
             {decided}, '', '', 'published', 'effective', {published}, {until}, '[' || {published_json} || ']', \
             {creator}, '{now}', '{now}' \
             FROM ({series}) g CROSS JOIN bench_enterprises e CROSS JOIN units u \
             WHERE e.n = CASE WHEN g.n <= {big} THEN 1 ELSE 2 + (g.n - {big} - 1) % {rest} END AND u.id = {organ}",
            decided = day(&format!("-{k} - 15")),
            published = day(&format!("-{k}")),
            until = day(&format!("1095 - {k}")),
            series = series(decisions),
            rest = enterprises - 1,
        ),
    )
    .await?;
    let decisions_s = t.elapsed().as_secs_f64();
    // Each decision's organ as its party row, as recording one adds it (the data scope).
    let t = Instant::now();
    exec(
        db,
        "INSERT INTO record_parties (resource, record_id, unit_id, party_role, sort_key) \
         SELECT 'penalty', id, organ_unit_id, 'organ', updated_at FROM penalty_decisions"
            .into(),
    )
    .await?;
    let parties_s = t.elapsed().as_secs_f64();
    // One enterprise in ten listed on its first decision, listed on publication for 3 years.
    let t = Instant::now();
    exec(
        db,
        format!(
            "INSERT INTO credit_listings (decision_id, organ_unit_id, party_name, credit_code, state, aggravated_fine, \
             reasons, notified_on, statement_due, decided_on, decision_reasons, listed_until, created_by, created_at, updated_at) \
             SELECT p.id, p.organ_unit_id, p.party_name, p.credit_code, 'listed', 0, \
             '因销售假冒注册商标的商品受到较重行政处罚', p.decided_on, p.published_on, p.published_on, \
             '经告知，当事人未提出陈述申辩', p.display_until, {creator}, '{now}', '{now}' \
             FROM penalty_decisions p WHERE p.id IN (SELECT MIN(d.id) FROM penalty_decisions d \
             JOIN bench_enterprises e ON e.code = d.credit_code WHERE e.n % 10 = 0 GROUP BY d.credit_code)"
        ),
    )
    .await?;
    exec(
        db,
        "INSERT INTO credit_listing_persons (listing_id, role, name) \
         SELECT id, 'legal_representative', '李某某' FROM credit_listings"
            .into(),
    )
    .await?;
    let listings_s = t.elapsed().as_secs_f64();
    let listed: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM credit_listings")
        .fetch_one(&db.pool)
        .await?;
    println!(
        "| {label:?} | generate {enterprises} enterprises | {enterprises_s:.1} s | | | | |\n\
         | {label:?} | generate {decisions} published decisions ({big} of enterprise 1) | {decisions_s:.1} s | | | | |\n\
         | {label:?} | their {decisions} party rows | {parties_s:.1} s | | | | |\n\
         | {label:?} | {listed} listings with their legal representatives | {listings_s:.1} s | | | | |"
    );
    Ok(())
}

/// How the load generator signs in, if at all: a bearer token (the API) or a session cookie.
enum Auth {
    Public,
    Bearer(String),
    Cookie(String),
}

impl Auth {
    fn lua(&self) -> String {
        match self {
            Auth::Public => String::new(),
            Auth::Bearer(t) => format!("wrk.headers[\"Authorization\"] = \"Bearer {t}\"\n"),
            Auth::Cookie(t) => format!("wrk.headers[\"Cookie\"] = \"sd_session={t}\"\n"),
        }
    }

    fn header(&self) -> Option<(&'static str, String)> {
        match self {
            Auth::Public => None,
            Auth::Bearer(t) => Some(("Authorization", format!("Bearer {t}"))),
            Auth::Cookie(t) => Some(("Cookie", format!("sd_session={t}"))),
        }
    }
}

/// What the shared driver does not read from `wrk`: the slowest answer and the 99.9th
/// percentile (ms, 0 when none came), and the errors by kind.
struct Tail {
    max: f64,
    p999: f64,
    errors: String,
}

/// GET `paths` round-robin with 32 keep-alive connections for `secs` seconds; with the tail,
/// which the script's `done` hook writes to a file beside it.
async fn load(
    base: &str,
    auth: &Auth,
    paths: &[String],
    secs: u64,
) -> Result<(Measure, Tail), String> {
    let list: Vec<String> = paths.iter().map(|p| format!("{p:?}")).collect();
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let tail_file = dir.path().join("tail");
    let script = format!(
        "local paths = {{{}}}\nlocal i = 0\n{}\
         request = function()\n  i = i + 1\n  return wrk.format(\"GET\", paths[(i % #paths) + 1])\nend\n\
         done = function(summary, latency, requests)\n  local f = io.open({:?}, \"w\")\n  \
         local e = summary.errors\n  \
         f:write(string.format(\"%d %d %d %d %d %d %d\", latency.max, latency:percentile(99.9), \
         e.connect, e.read, e.write, e.status, e.timeout))\n  f:close()\nend\n",
        list.join(", "),
        auth.lua(),
        tail_file.display().to_string()
    );
    let m = wrk(base, &script, 32, secs).await?;
    let v: Vec<u64> = std::fs::read_to_string(&tail_file)
        .unwrap_or_default()
        .split_whitespace()
        .filter_map(|n| n.parse().ok())
        .collect();
    let at = |i: usize| v.get(i).copied().unwrap_or(0);
    let errors = ["connect", "read", "write", "non-2xx", "timeout"]
        .iter()
        .enumerate()
        .filter(|&(i, _)| at(2 + i) > 0)
        .map(|(i, kind)| format!("{} {kind}", at(2 + i)))
        .collect::<Vec<_>>()
        .join(", ");
    let tail = Tail {
        max: at(0) as f64 / 1000.0,
        p999: at(1) as f64 / 1000.0,
        errors,
    };
    Ok((m, tail))
}

/// The first path once: it must answer 200; for an API answer, how many items (or decisions
/// in the record) it holds, so that the line measures what it says.
async fn check(base: &str, auth: &Auth, path: &str) -> Result<String, Box<dyn std::error::Error>> {
    let client = reqwest::Client::new();
    let mut req = client.get(format!("{base}{path}"));
    if let Some((k, v)) = auth.header() {
        req = req.header(k, v);
    }
    let r = req.send().await?;
    let status = r.status();
    let body = r.text().await?;
    if !status.is_success() {
        return Err(format!(
            "{path}: {status}\n{}",
            body.chars().take(500).collect::<String>()
        )
        .into());
    }
    let Ok(v) = serde_json::from_str::<serde_json::Value>(&body) else {
        return Ok(format!("{} KB", body.len() / 1024));
    };
    if let Some(items) = v["items"].as_array() {
        return Ok(format!("{} rows", items.len()));
    }
    if let Some(total) = v["penalties"]["total"].as_i64() {
        let shown = v["penalties"]["items"].as_array().map_or(0, Vec::len);
        return Ok(format!(
            "{total} decisions, {shown} listed, {} KB",
            body.len() / 1024
        ));
    }
    Ok(format!("{} KB", body.len() / 1024))
}

/// The median latency of `paths` requested one at a time (at most 20, or 30 s): what a
/// request costs on an idle server.
async fn one_at_a_time(
    base: &str,
    auth: &Auth,
    paths: &[String],
) -> Result<f64, Box<dyn std::error::Error>> {
    let client = reqwest::Client::new();
    let started = Instant::now();
    let mut times = Vec::new();
    for path in paths.iter().cycle().take(20) {
        let mut req = client.get(format!("{base}{path}"));
        if let Some((k, v)) = auth.header() {
            req = req.header(k, v);
        }
        let t = Instant::now();
        let r = req.send().await?;
        r.bytes().await?;
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        if started.elapsed().as_secs() >= 30 {
            break;
        }
    }
    times.sort_by(|a, b| a.total_cmp(b));
    Ok(times[times.len() / 2])
}

/// Wait (at most 120 s) until a lookup by `code` answers within 50 ms again: requests that
/// `wrk` stopped waiting for are still being served until then.
async fn settle(base: &str, code: &str) {
    let client = reqwest::Client::new();
    let url = format!(
        "{base}{}",
        query("/api/v1/public/penalties", "credit_code", code)
    );
    let started = Instant::now();
    while started.elapsed().as_secs() < 120 {
        let t = Instant::now();
        let ok = match client.get(&url).send().await {
            Ok(r) => r.bytes().await.is_ok(),
            Err(_) => false,
        };
        if ok && t.elapsed().as_millis() < 50 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

/// A latency from wrk; 0 when no request was answered before wrk's 2 s timeout.
fn ms(v: f64) -> String {
    if v > 0.0 {
        format!("{v:.2} ms")
    } else {
        "none within 2 s".into()
    }
}

fn query(path: &str, key: &str, value: &str) -> String {
    format!(
        "{path}?{}",
        serde_urlencoded::to_string([(key, value)]).unwrap_or_default()
    )
}

async fn run(url: String, label: Dialect) -> Result<(), Box<dyn std::error::Error>> {
    let enterprises = env_num("BENCH_ENTERPRISES", 100_000).max(2);
    let decisions = env_num("BENCH_DECISIONS", 1_000_000);
    let big = env_num("BENCH_BIG_PARTY", 1_000).min(decisions);
    let secs = env_num("BENCH_SECONDS", 10);
    let defaults = Config::default();
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
    let have: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM penalty_decisions")
        .fetch_one(&db.pool)
        .await?;
    if have == 0 {
        generate(&db, enterprises, decisions, big).await?;
    } else {
        println!("| {label:?} | reusing {have} generated decisions | | | | | |");
    }
    // Statistics as autovacuum (PostgreSQL) or `PRAGMA optimize` would keep them; SQLite loads
    // them when a connection opens, so the server gets connections opened after.
    let t = Instant::now();
    match label {
        // The visibility map too, as autovacuum leaves it after a bulk load (else it runs in the
        // middle of the measurements).
        Dialect::Postgres => sqlx::raw_sql("VACUUM ANALYZE").execute(&db.pool).await?,
        Dialect::Sqlite => {
            sqlx::raw_sql("ANALYZE; PRAGMA optimize")
                .execute(&db.pool)
                .await?
        }
    };
    let size: i64 = match label {
        Dialect::Postgres => {
            sqlx::query_scalar("SELECT pg_database_size(current_database())")
                .fetch_one(&db.pool)
                .await?
        }
        Dialect::Sqlite => {
            sqlx::query_scalar(
                "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()",
            )
            .fetch_one(&db.pool)
            .await?
        }
    };
    println!(
        "| {label:?} | {} | {:.1} s | database {:.0} MB | | | |",
        match label {
            Dialect::Postgres => "VACUUM ANALYZE",
            Dialect::Sqlite => "ANALYZE, PRAGMA optimize",
        },
        t.elapsed().as_secs_f64(),
        size as f64 / 1_048_576.0
    );
    db.pool.close().await;
    let db = Db::connect(&url, config.db_max_connections).await?;
    let now = shuangda::clock::Clock::system().now();
    let staff_token = shuangda::auth::token::issue_for_username(&db, "staff", "bench", None, now)
        .await
        .map_err(|e| e.to_string())?;
    let staff_api = Auth::Bearer(staff_token);
    let staff_page = Auth::Cookie(session(&db, "staff").await?);
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM penalty_decisions WHERE id % 997 = 0 ORDER BY id LIMIT 1000",
    )
    .fetch_all(&db.pool)
    .await?;

    let state = shuangda::server::state(db.clone(), config);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let server = tokio::spawn(shuangda::server::serve(state.clone(), listener));

    // 1,000 enterprises spread over all of them (enterprise 1, with `big` decisions, among
    // them); their full names, and their distinctive parts (`<n>号商贸`); for the list, listed
    // (n a multiple of ten) and not in turn.
    let picked: Vec<u64> = (0..1000u64)
        .map(|i| 1 + (i * 99_991) % enterprises)
        .collect();
    let codes: Vec<String> = picked.iter().map(|&n| credit_code(n)).collect();
    let names: Vec<String> = picked.iter().map(|&n| name(n)).collect();
    let parts: Vec<String> = picked.iter().map(|&n| format!("{n}号商贸")).collect();
    let listing_codes: Vec<String> = picked
        .iter()
        .enumerate()
        .map(|(i, &n)| credit_code(if i % 2 == 0 { (n / 10).max(1) * 10 } else { n }))
        .collect();
    let by = |path: &str, key: &str, values: &[String]| -> Vec<String> {
        values.iter().map(|v| query(path, key, v)).collect()
    };
    let big_code = credit_code(1);
    let ordinary: Vec<String> = codes
        .iter()
        .filter(|c| **c != big_code)
        .map(|c| format!("/api/v1/enterprises/{c}"))
        .collect();
    let runs: Vec<(&str, &Auth, Vec<String>)> = vec![
        (
            "API by credit code (1,000 codes)",
            &Auth::Public,
            by("/api/v1/public/penalties", "credit_code", &codes),
        ),
        (
            "page by credit code",
            &Auth::Public,
            by("/public/penalties", "credit_code", &codes),
        ),
        (
            "publication page (1,000 decisions)",
            &Auth::Public,
            ids.iter()
                .map(|id| format!("/public/penalties/{id}"))
                .collect(),
        ),
        (
            "listings API by credit code (half listed)",
            &Auth::Public,
            by("/api/v1/public/listings", "credit_code", &listing_codes),
        ),
        (
            "enterprise record API, party with 1,000 decisions (staff)",
            &staff_api,
            vec![format!("/api/v1/enterprises/{big_code}")],
        ),
        (
            "enterprise record page, party with 1,000 decisions (staff)",
            &staff_page,
            vec![format!("/enterprises/{big_code}")],
        ),
        (
            "enterprise record API, ordinary parties (~10 decisions, 999 in turn)",
            &staff_api,
            ordinary,
        ),
        (
            "API by full name (1,000 names, ~10 decisions each, enterprise 1's 1,000 among them)",
            &Auth::Public,
            by("/api/v1/public/penalties", "q", &names),
        ),
        (
            "page by full name",
            &Auth::Public,
            by("/public/penalties", "q", &names),
        ),
        (
            "API by part of a name (1,000 `<n>号商贸`, none a full name: no rows)",
            &Auth::Public,
            by("/api/v1/public/penalties", "q", &parts),
        ),
    ];
    let only = std::env::var("BENCH_ONLY").unwrap_or_default();
    for (what, auth, paths) in runs {
        if paths.is_empty() || (!only.is_empty() && !what.contains(only.as_str())) {
            continue;
        }
        let seen = check(&base, auth, &paths[0]).await?;
        let alone = one_at_a_time(&base, auth, &paths).await?;
        load(&base, auth, &paths, 2).await?; // warm-up
        settle(&base, &codes[1]).await;
        let (m, tail) = load(&base, auth, &paths, secs).await?;
        println!(
            "| {label:?} | {what} [first: {seen}; one at a time: {alone:.2} ms; p99.9: {}] | {} | {} | {} | {:.0} | {}{} |",
            ms(tail.p999),
            ms(m.p50),
            ms(m.p99),
            ms(tail.max),
            m.rps,
            m.errors,
            if tail.errors.is_empty() {
                String::new()
            } else {
                format!(" ({})", tail.errors)
            }
        );
        // Requests wrk gave up on may still hold the database: the next line starts after.
        settle(&base, &codes[1]).await;
    }
    server.abort();
    db.pool.close().await;
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    shuangda::server::init_logging("text");
    // The check character as the platform checks it.
    for n in [1, 2, 99_991, 100_000] {
        let c = credit_code(n);
        if shuangda::domain::credit_code::CreditCode::parse(&c).is_none() {
            return Err(format!("generated credit code {c} is not valid").into());
        }
    }
    println!(
        "| database | what | p50 / time | p99 | max | req/s | errors |\n|---|---|---|---|---|---|---|"
    );
    let dir = tempfile::tempdir()?;
    let file = std::env::var("BENCH_SQLITE_PATH")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| dir.path().join("penalties.db"));
    if std::env::var("BENCH_SQLITE").as_deref() != Ok("0") {
        run(format!("sqlite:{}", file.display()), Dialect::Sqlite).await?;
    }
    if let Ok(admin) = std::env::var("BENCH_PG_URL") {
        let kept = std::env::var("BENCH_PG_DATABASE")
            .ok()
            .filter(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
        let name = kept
            .clone()
            .unwrap_or_else(|| format!("sd_bench_penalties_{}", std::process::id()));
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
