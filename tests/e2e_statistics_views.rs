//! The statistics of supervised tasks, report rounds and a unit's own view in a real browser
//! (issue #16): the office opens 任务统计 from the menu, and each chart's bars give the figures of
//! the table beside it, and a late figure opens exactly the task behind it; 报送统计 shows who
//! reported late or is missing, the chart agreeing with the table; the bureau's liaison opens
//! 本单位情况 and reads its to-dos and its year. Five days after the tasks were assigned and the
//! rounds opened, so that one task was done late and one round is missed. Each page passes the
//! accessibility audit (`tests/a11y/audit.rs`). Runs on SQLite and, when
//! `SHUANGDA_TEST_DATABASE_URL` is set, on a throw-away PostgreSQL database. Needs `chromium`
//! and `chromium-driver`; without them the test says so and passes, unless
//! `SHUANGDA_REQUIRE_BROWSER=1` (set in CI), when it fails.

#[macro_use]
mod common;

#[path = "a11y/audit.rs"]
mod audit;

use audit::audit_page;
use axum::http::{Method, StatusCode};
use chrono::{Datelike, NaiveDate};
use common::browser::*;
use common::{App, call};
use fantoccini::Client;
use serde_json::json;

const PASSWORD: &str = shuangda::demo::DEMO_PASSWORD;
const MSA: &str = "信阳市市场监督管理局";
const POLICE: &str = "信阳市公安局";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tasks_rounds_and_the_units_own_view_in_the_browser() {
    each_db_in_browser("statistics views", &[CHROMEDRIVER, CHROMIUM], run).await;
}

/// A task the office assigns to `lead`, due `due_in` days after the tests' day.
async fn assign(app: &App, lead: &str, title: &str, source: &str, due_in: i64) -> i64 {
    let (s, v) = call(
        app,
        "staff",
        Method::POST,
        "/api/v1/tasks",
        Some(json!({
            "title": title,
            "description": "按领导小组会议要求开展专项整治并报送成效。",
            "source": source,
            "lead_unit_id": app.unit_id(lead).await.to_string(),
            "due_on": (app.today() + chrono::Duration::days(due_in)).to_string()
        })),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v["id"].as_i64().expect("id")
}

/// The lead unit's liaison reports completion and the office accepts it, on `app`'s day.
async fn complete(app: &App, lead: &str, id: i64) {
    for (who, step) in [(lead, "submit_completion"), ("staff", "accept")] {
        let (s, v) = call(
            app,
            who,
            Method::POST,
            &format!("/api/v1/tasks/{id}/steps"),
            Some(json!({"step": step, "text": "已完成专项整治，检查门店30家。"})),
        )
        .await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{step}: {v}");
    }
}

/// The days the walk works with.
struct Days {
    /// The tests' day, when the tasks were assigned and the rounds opened.
    today: NaiveDate,
    /// The day the browser works on, five days later.
    later: NaiveDate,
}

async fn run(app: App, webdriver: String) {
    let label = format!("{:?}", app.db.dialect).to_lowercase();
    let today = app.today();
    let later = app.on(today + chrono::Duration::days(5));
    // Tasks: the bureau does one decided item in time and one three days late and still runs a
    // task; the police run one.
    let late = assign(&app, MSA, "浏览器统计议定事项逾期", "decided_item", 2).await;
    let in_time = assign(&app, MSA, "浏览器统计议定事项按期", "decided_item", 20).await;
    assign(
        &app,
        MSA,
        "浏览器统计牵头任务在办",
        "leader_instruction",
        30,
    )
    .await;
    assign(
        &app,
        POLICE,
        "浏览器统计公安任务在办",
        "leader_instruction",
        20,
    )
    .await;
    complete(&app, "liaison.scjg", in_time).await;
    complete(&later, "liaison.scjg", late).await;
    // Rounds: the first due in three days, the second in ten. Five days on, the bureau has
    // reported to the first late and not yet to the second; the police to the second in time
    // and never to the first.
    let day = |n: i64| (today + chrono::Duration::days(n)).to_string();
    let units = [
        app.unit_id(MSA).await.to_string(),
        app.unit_id(POLICE).await.to_string(),
    ];
    let mut rounds = Vec::new();
    for (period, start, due) in [("浏览器统计第一期", -10, 3), ("浏览器统计第二期", -5, 10)]
    {
        let (s, v) = call(
            &app,
            "staff",
            Method::POST,
            "/api/v1/report-rounds",
            Some(json!({
                "kind": "work_dynamics", "period_label": period, "period_start": day(start),
                "period_end": day(-1), "due_on": day(due), "unit_ids": units
            })),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        rounds.push(v["id"].as_i64().expect("round"));
    }
    for (who, round) in [("liaison.scjg", rounds[0]), ("handler.gaj", rounds[1])] {
        let (s, v) = call(
            &later,
            who,
            Method::POST,
            "/api/v1/reports",
            Some(json!({"round_id": round.to_string(), "title": "工作动态", "body": "本期开展专项检查两次。"})),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
    }
    let days = Days {
        today,
        later: later.today(),
    };
    let (base, server) = serve_loopback(&later).await;
    let profile = tempfile::tempdir().expect("temporary browser profile");
    let client = connect(&webdriver, profile.path())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let result = walk(&client, &base, &days).await;
    let report = if result.is_err() {
        failure_report(&client, &format!("statistics-views-{label}")).await
    } else {
        String::new()
    };
    let _ = client.close().await;
    drop(server);
    if let Err(e) = result {
        panic!("{report}\nbrowser statistics views on {label} failed: {e}");
    }
}

/// (label, series, value) of the bars of the chart named `arguments[0]` and of the non-zero
/// `data-series` cells of the table `arguments[1]`.
const FIGURES: &str = "
var out = {chart: [], table: []};
var svg = document.querySelector('svg[aria-label=\"' + arguments[0] + '\"]');
if (!svg) return null;
svg.querySelectorAll('g.bar').forEach(function (g) {
  g.querySelectorAll('rect[data-series]').forEach(function (r) {
    out.chart.push([g.getAttribute('data-label'), r.getAttribute('data-series'), r.getAttribute('data-value')]);
  });
});
document.querySelectorAll(arguments[1] + ' tbody tr[data-label]').forEach(function (tr) {
  tr.querySelectorAll('td[data-series]').forEach(function (td) {
    var v = td.textContent.trim();
    if (v !== '0') out.table.push([tr.getAttribute('data-label'), td.getAttribute('data-series'), v]);
  });
});
return out;";

type Rows = Vec<Vec<String>>;

fn rows(want: &[[&str; 3]]) -> Rows {
    let mut rows: Rows = want
        .iter()
        .map(|r| r.iter().map(|s| s.to_string()).collect())
        .collect();
    rows.sort();
    rows
}

/// The chart `chart` and the table `table` as sorted (label, series, value) rows.
async fn chart_and_table(c: &Client, chart: &str, table: &str) -> Step<(Rows, Rows)> {
    let figures = c
        .execute(FIGURES, vec![json!(chart), json!(table)])
        .await
        .ctx(&format!("reading the chart {chart} and the table {table}"))?;
    ensure!(!figures.is_null(), "no chart named {chart:?} on the page");
    let sorted = |v: &serde_json::Value| -> Step<Rows> {
        let mut rows: Rows = serde_json::from_value(v.clone()).ctx("the figures as rows")?;
        rows.sort();
        Ok(rows)
    };
    Ok((sorted(&figures["chart"])?, sorted(&figures["table"])?))
}

/// The state chart's bars as rows, and the same from the state table: its decided items
/// (`data-series`) and the other tasks (all tasks less the decided items).
const STATES: &str = "
var out = {chart: [], table: []};
var svg = document.querySelector('svg[aria-label=\"督办任务和议定事项按办理状态\"]');
if (!svg) return null;
svg.querySelectorAll('g.bar').forEach(function (g) {
  g.querySelectorAll('rect[data-series]').forEach(function (r) {
    out.chart.push([g.getAttribute('data-label'), r.getAttribute('data-series'), r.getAttribute('data-value')]);
  });
});
document.querySelectorAll('#tasks-by-state tbody tr[data-label]').forEach(function (tr) {
  var all = parseInt(tr.cells[1].textContent.trim(), 10);
  var decided = parseInt(tr.querySelector('td[data-series]').textContent.trim(), 10);
  if (decided > 0) out.table.push([tr.getAttribute('data-label'), '会议议定事项', String(decided)]);
  if (all - decided > 0) out.table.push([tr.getAttribute('data-label'), '其他督办任务', String(all - decided)]);
});
return out;";

/// Submit the period filter `from`–`to` of the statistics page at `path` and wait for the
/// page it answers (the old page, with other figures, stays on screen until then).
async fn filter(c: &Client, path: &str, from: &str, to: &str) -> Step<()> {
    set_date(c, "form.filters input[name=from]", from).await?;
    set_date(c, "form.filters input[name=to]", to).await?;
    click(c, "form.filters button[type=submit]").await?;
    wait_url_contains(c, &format!("from={from}")).await?;
    wait_url_contains(c, &format!("to={to}")).await?;
    wait_path(c, path).await?;
    let shown = prop(c, "form.filters input[name=from]", "value").await?;
    ensure!(shown == from, "the filtered page shows from={shown:?}");
    Ok(())
}

async fn walk(c: &Client, base: &str, days: &Days) -> Step<()> {
    c.goto(&format!("{base}/login"))
        .await
        .ctx("opening the sign-in page")?;
    sign_in(c, "staff", PASSWORD).await?;
    wait_for(c, "#todo-summary").await?;

    // ---- 任务统计: the tasks assigned on the tests' day.
    click(c, "nav a[href=\"/statistics/tasks\"]").await?;
    wait_for(c, "#tasks-by-state").await?;
    let h1 = text(c, "main h1").await?;
    ensure!(h1 == "督办任务统计", "the tasks page's heading: {h1:?}");
    let t = days.today.to_string();
    filter(c, "/statistics/tasks", &t, &t).await?;
    wait_for(c, "#tasks-by-unit").await?;
    let (chart, table) = chart_and_table(c, "各牵头单位督办任务办理时限", "#tasks-by-unit").await?;
    let want = rows(&[[MSA, "按期完成", "1"], [MSA, "逾期完成", "1"]]);
    ensure!(chart == want, "the units chart's bars: {chart:?}");
    ensure!(table == want, "the units table's figures: {table:?}");
    audit_page(c, "the tasks' statistics").await?;
    let bars = find_all(c, "svg[aria-label=\"各牵头单位督办任务办理时限\"] g.bar").await?;
    let lines = find_all(c, "#tasks-by-unit tbody tr[data-label]").await?;
    ensure!(
        bars.len() == 2 && lines.len() == 2,
        "a bar and a line per lead unit: {} bars, {} lines",
        bars.len(),
        lines.len()
    );
    let first = wait_for(c, "#tasks-by-unit tbody tr[data-label]")
        .await?
        .attr("data-label")
        .await
        .ctx("reading the first line")?;
    ensure!(
        first.as_deref() == Some(MSA),
        "the unit behind first: {first:?}"
    );
    let states = c
        .execute(STATES, vec![])
        .await
        .ctx("reading the states chart and table")?;
    ensure!(!states.is_null(), "no states chart on the page");
    let mut state_chart: Rows =
        serde_json::from_value(states["chart"].clone()).ctx("the states chart")?;
    state_chart.sort();
    let mut state_table: Rows =
        serde_json::from_value(states["table"].clone()).ctx("the states table")?;
    state_table.sort();
    ensure!(
        state_chart == state_table,
        "the states chart {state_chart:?} and table {state_table:?}"
    );
    let decided: i64 = state_table
        .iter()
        .filter(|r| r[1] == "会议议定事项")
        .filter_map(|r| r[2].parse::<i64>().ok())
        .sum();
    let all: i64 = state_table
        .iter()
        .filter_map(|r| r[2].parse::<i64>().ok())
        .sum();
    ensure!(
        (decided, all) == (2, 4),
        "decided items and tasks by state: {state_table:?}"
    );
    // The bureau's late figure opens the task behind it, and only it.
    click(
        c,
        &format!("#tasks-by-unit tr[data-label=\"{MSA}\"] td[data-series=\"逾期完成\"] a"),
    )
    .await?;
    wait_for(c, "#tasks-narrowed").await?;
    wait_path(c, "/tasks").await?;
    let listed = find_all(c, "#tasks-table tbody tr").await?;
    let body = text(c, "#tasks-table tbody").await?;
    ensure!(
        listed.len() == 1 && body.contains("浏览器统计议定事项逾期"),
        "the tasks behind the late figure: {body:?}"
    );

    // ---- 报送统计: the rounds that began in the ten days before the tests' day.
    click(c, "nav a[href=\"/statistics/rounds\"]").await?;
    wait_path(c, "/statistics/rounds").await?;
    let h1 = text(c, "main h1").await?;
    ensure!(h1 == "信息报送统计", "the rounds page's heading: {h1:?}");
    let from = (days.today - chrono::Duration::days(10)).to_string();
    filter(c, "/statistics/rounds", &from, &t).await?;
    wait_for(c, "#rounds-by-unit").await?;
    let (chart, table) = chart_and_table(c, "各单位报送情况", "#rounds-by-unit").await?;
    let want = rows(&[
        [POLICE, "按时报送", "1"],
        [POLICE, "逾期未报", "1"],
        [MSA, "逾期报送", "1"],
        [MSA, "未报送", "1"],
    ]);
    ensure!(chart == want, "the units chart's bars: {chart:?}");
    ensure!(table == want, "the units table's figures: {table:?}");
    let first = wait_for(c, "#rounds-by-unit tbody tr[data-label]")
        .await?
        .attr("data-label")
        .await
        .ctx("reading the first line")?;
    ensure!(
        first.as_deref() == Some(POLICE),
        "the missing unit first: {first:?}"
    );
    let (chart, table) = chart_and_table(c, "各轮次报送情况", "#rounds-by-round").await?;
    ensure!(
        chart == table && chart.len() == 4,
        "the rounds chart {chart:?} and table {table:?}"
    );
    let missing = text(
        c,
        "#rounds-by-round tr[data-label=\"浏览器统计第一期\"] [data-standing=missing]",
    )
    .await?;
    ensure!(
        missing.contains(POLICE),
        "the missing unit named: {missing:?}"
    );
    audit_page(c, "the rounds' statistics").await?;
    click(c, "#logout").await?;
    wait_for(c, "#login-submit").await?;

    // ---- 本单位情况: the bureau's own view.
    sign_in(c, "liaison.scjg", PASSWORD).await?;
    wait_for(c, "#todo-summary").await?;
    click(c, "nav a[href=\"/statistics/mine\"]").await?;
    wait_for(c, "#mine-duties").await?;
    let h1 = text(c, "main h1").await?;
    ensure!(
        h1 == format!("本单位情况：{MSA}"),
        "the own view's heading: {h1:?}"
    );
    let mut duties = 0;
    for td in find_all(c, "#mine-duties tbody td").await? {
        let n = td.text().await.ctx("reading a to-do count")?;
        duties += n
            .trim()
            .parse::<i64>()
            .map_err(|e| format!("to-do count {n:?}: {e}"))?;
    }
    ensure!(duties >= 1, "the bureau's to-dos: {duties}");
    wait_for(c, "#mine-clocks tr.total").await?;
    audit_page(c, "the unit's own view").await?;
    // This year's record holds the tasks and rounds when the tests' day is in the same year.
    if days.today.year() == days.later.year() {
        let tasks = text(c, "#mine-tasks tbody td:first-child").await?;
        ensure!(tasks == "3", "the bureau leads {tasks:?} tasks this year");
        let late = text(c, "#mine-tasks td[data-series=\"逾期完成\"]").await?;
        ensure!(late == "1", "of them late: {late:?}");
    }
    if (days.today - chrono::Duration::days(10)).year() == days.later.year() {
        let late = text(c, "#mine-rounds td[data-series=\"逾期报送\"]").await?;
        ensure!(late == "1", "the bureau's late reports this year: {late:?}");
    }
    Ok(())
}
