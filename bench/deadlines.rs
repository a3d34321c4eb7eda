//! Deadline-engine benchmark (issue #3):
//! 1. compute 1,000,000 due dates with the legal-period calendar (goal: < 100 ms);
//! 2. one scheduler pass over 1,000,000 open deadlines on SQLite and on PostgreSQL (goal: < 1 s);
//! 3. importing a year's holiday notice with 1,000,000 open deadlines of which 100,000 touch that
//!    year (goal: < 2 s), with the latency of deadline-page reads taken meanwhile (issue #11):
//!    a notice shaped as the published ones over clocks stored with their provisional dates,
//!    and the worst case, where every one of the 100,000 dates moves.
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

/// A 2027 notice shaped as the State Council's are (the 2026 one: 春节 nine days with two
/// make-up Saturdays and Sundays, 国庆 seven days with two): it differs from the provisional
/// year around 春节 (11–12 February off, 31 January and 20 February worked), so some of the
/// clocks touching 2027 move earlier, some later, and most only stop being provisional.
const NOTICE_2027: &str = r#"year = 2027
source = "基准测试用2027年安排"

[[holidays]]
name = "元旦"
days = ["2027-01-01", "2027-01-02", "2027-01-03"]

[[holidays]]
name = "春节"
days = ["2027-02-05", "2027-02-06", "2027-02-07", "2027-02-08", "2027-02-09", "2027-02-10", "2027-02-11", "2027-02-12", "2027-02-13"]
makeup_workdays = ["2027-01-31", "2027-02-20"]

[[holidays]]
name = "清明节"
days = ["2027-04-03", "2027-04-04", "2027-04-05"]

[[holidays]]
name = "劳动节"
days = ["2027-05-01", "2027-05-02", "2027-05-03", "2027-05-04", "2027-05-05"]
makeup_workdays = ["2027-04-25", "2027-05-08"]

[[holidays]]
name = "端午节"
days = ["2027-06-09"]

[[holidays]]
name = "中秋节"
days = ["2027-09-15"]

[[holidays]]
name = "国庆节"
days = ["2027-10-01", "2027-10-02", "2027-10-03", "2027-10-04", "2027-10-05", "2027-10-06", "2027-10-07"]
makeup_workdays = ["2027-09-26", "2027-10-09"]
"#;

/// The two imports measured.
#[derive(Clone, Copy, Debug)]
enum Scenario {
    /// The notice above over clocks stored with the dates the provisional year gave them: the
    /// usual import.
    Notice,
    /// Every touching clock stored with a date the import moves: the worst case.
    EveryDateMoves,
}

/// 20 working days from each start, under the calendar in force before the import, as an SQL
/// `CASE` over the start date: the dates the clocks were stored with.
fn provisional_dues(starts: impl Iterator<Item = NaiveDate>) -> String {
    let cal = shipped(NaiveDate::from_ymd_opt(2026, 12, 3).unwrap_or_default());
    let mut arms = String::from("CASE x.start");
    for start in starts {
        let clock = shuangda::deadline::Clock::new(
            shuangda::deadline::Rule::WorkingDays(20),
            start,
            "000 §8",
            "bench",
        );
        if let Ok(Some(due)) = clock.due_unexplained(&cal).map(|d| d.date) {
            arms.push_str(&format!(" WHEN '{start}' THEN '{due}'"));
        }
    }
    arms.push_str(" END");
    arms
}

/// 1,000,000 open clocks: 100,000 of 20 working days touching 2027 (`Notice`: started 10
/// December 2026 – 17 February 2027 with the dates the provisional year gives them;
/// `EveryDateMoves`: started 10–29 December 2026 and stored as due on 31 January 2027, a date
/// the import moves), and 900,000 due within 2026.
async fn fill_for_import(db: &Db, scenario: Scenario) -> Result<(), sqlx::Error> {
    demo_units(db, NaiveDate::from_ymd_opt(2026, 12, 3).unwrap_or_default()).await?;
    let days = match scenario {
        Scenario::Notice => 70,
        Scenario::EveryDateMoves => 20,
    };
    let (series, start) = match db.dialect {
        Dialect::Postgres => (
            "SELECT generate_series(1, 1000000) AS n",
            format!(
                "to_char(CASE WHEN g.n <= 100000 THEN DATE '2026-12-10' + (g.n % {days})::int ELSE DATE '2026-03-01' + (g.n % 200)::int END, 'YYYY-MM-DD')"
            ),
        ),
        Dialect::Sqlite => (
            "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 1000000) SELECT n FROM s",
            format!(
                "CASE WHEN g.n <= 100000 THEN date('2026-12-10', '+' || (g.n % {days}) || ' days') ELSE date('2026-03-01', '+' || (g.n % 200) || ' days') END"
            ),
        ),
    };
    let first = NaiveDate::from_ymd_opt(2026, 12, 10).unwrap_or_default();
    let touching_due = match scenario {
        Scenario::Notice => provisional_dues((0..days).map(|k| first + Days::new(k))),
        Scenario::EveryDateMoves => "'2027-01-31'".to_owned(),
    };
    let sql = format!(
        "INSERT INTO deadlines (purpose, clause, start_event, start_date, rule_text, clock, due_date, state, \
         owner_unit_id, created_at, updated_at) \
         SELECT 'bench ' || x.n, '000 §8', 'bench', x.start, '20个工作日', \
         '{{\"rule\":{{\"WorkingDays\":20}},\"start\":\"' || x.start || '\",\"clause\":\"000 §8\",\"purpose\":\"bench\",\"suspensions\":[],\"extensions\":[],\"state\":\"Open\"}}', \
         CASE WHEN x.n <= 100000 THEN {touching_due} ELSE '2026-10-31' END, 'open', \
         (SELECT MIN(id) FROM units) + (x.n % 80), '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z' \
         FROM (SELECT g.n AS n, {start} AS start FROM ({series}) g) x"
    );
    insert_generated(db, sql).await
}

/// How often each of the four readers opens a deadline page during the import.
const READ_EVERY: std::time::Duration = std::time::Duration::from_millis(10);

/// Import the 2027 notice over 1,000,000 open deadlines while four readers load deadline pages.
async fn import(db: &Db, scenario: Scenario) -> Result<String, Box<dyn std::error::Error>> {
    let t = Instant::now();
    fill_for_import(db, scenario).await?;
    let fill_s = t.elapsed().as_secs_f64();
    let today = NaiveDate::from_ymd_opt(2026, 12, 3).unwrap_or_default();
    let cal = shipped(today);
    // The case page as the office director opens it: twenty cases registered as the office
    // does, each with its clocks.
    let director: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = 'director'")
        .fetch_one(&db.pool)
        .await?;
    let (actor, _) = shuangda::users::store::load_actor(db, director)
        .await?
        .ok_or("no director")?;
    let mut cases = Vec::new();
    for k in 0..20 {
        let input: shuangda::cases::model::ClueInput = serde_json::from_value(serde_json::json!({
            "title": format!("基准测试案件{k}"),
            "summary": "群众举报某公司销售假冒注册商标的商品。",
            "source": "daily_work",
            "received_on": "2026-12-01",
            "right_kinds": ["trademark"],
            "regions": ["411502"],
            "parties": [{"kind": "enterprise", "name": "某商贸有限公司", "code": "91350100M000100Y43"}]
        }))?;
        let who = shuangda::audit::Who::actor(
            &actor,
            None,
            None,
            shuangda::clock::Clock::on(today).now(),
        );
        cases.push(shuangda::cases::steps::register(db, &cal, &actor, &who, &input).await?);
    }
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut readers = Vec::new();
    for r in 0..4i64 {
        let db = db.clone();
        let stop = stop.clone();
        let cases = cases.clone();
        let actor = actor.clone();
        readers.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut case_lat = Vec::new();
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
                if let Some(id) = cases.get(i as usize % cases.len().max(1)) {
                    let t = Instant::now();
                    let _ = shuangda::cases::store::view(
                        &db,
                        &actor,
                        &shuangda::access::Scope::All,
                        *id,
                        today,
                    )
                    .await;
                    case_lat.push(t.elapsed().as_micros());
                }
            }
            (lat, case_lat)
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
    let mut case_lat = Vec::new();
    for h in readers {
        let (l, c) = h.await?;
        lat.extend(l);
        case_lat.extend(c);
    }
    lat.sort_unstable();
    case_lat.sort_unstable();
    let at = |lat: &[u128], p: f64| {
        lat.get(((lat.len() as f64 - 1.0) * p) as usize)
            .map(|us| *us as f64 / 1000.0)
            .unwrap_or(0.0)
    };
    let pct = |p: f64| at(&lat, p);
    Ok(format!(
        "| {:?} | {scenario:?} | {import_ms} ms | {} examined, {} moved ({} earlier, {} later), {} confirmed | {} deadline pages: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms; {} case pages: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms | {fill_s:.1} s |\n",
        db.dialect,
        r.examined,
        r.moved,
        r.earlier,
        r.later,
        r.confirmed,
        lat.len(),
        pct(0.5),
        pct(0.99),
        pct(1.0),
        case_lat.len(),
        at(&case_lat, 0.5),
        at(&case_lat, 0.99),
        at(&case_lat, 1.0),
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
    const SCENARIOS: [Scenario; 2] = [Scenario::Notice, Scenario::EveryDateMoves];
    for (k, scenario) in SCENARIOS.into_iter().enumerate() {
        let url = format!(
            "sqlite:{}",
            dir.path().join(format!("import{k}.db")).display()
        );
        let db = Db::connect(&url, 5).await?;
        shuangda::db::migrate(&db).await?;
        imports.push_str(&import(&db, scenario).await?);
        db.pool.close().await;
    }

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
            let mut out = String::new();
            for scenario in SCENARIOS {
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
                out.push_str(&import(&db, scenario).await?);
                db.pool.close().await;
            }
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
        "\n## Importing a year's notice over 1,000,000 open deadlines (100,000 touching the year)\n\n| database | scenario | import (one transaction) | deadlines | pages read meanwhile | (fill) |\n|---|---|---|---|---|---|\n{imports}"
    );
    Ok(())
}
