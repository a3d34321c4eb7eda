//! The statistics pages in a real browser (issue #16: "chart pages in the browser test, with
//! the table agreeing with the chart's data"): the office opens 办理时限统计 from the menu, the
//! chart's bars and the table beside it give the same figures, and a late figure opens the
//! clocks behind it. Runs on SQLite and, when `SHUANGDA_TEST_DATABASE_URL` is set, on a
//! throw-away PostgreSQL database. Needs `chromium` and `chromium-driver`; without them the
//! test says so and passes, unless `SHUANGDA_REQUIRE_BROWSER=1` (set in CI), when it fails.

#[macro_use]
mod common;

use common::browser::*;

use axum::http::StatusCode;
use chrono::NaiveDate;
use fantoccini::Client;
use shuangda::deadline::Rule;

const PASSWORD: &str = shuangda::demo::DEMO_PASSWORD;
const MSA: &str = "信阳市市场监督管理局";
const POLICE: &str = "信阳市公安局";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_chart_and_its_table_give_the_same_figures() {
    each_db_in_browser("statistics", &[CHROMEDRIVER, CHROMIUM], run).await;
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).expect("date")
}

async fn run(app: common::App, webdriver: String) {
    let label = format!("{:?}", app.db.dialect).to_lowercase();
    // Only this test's clocks (the demo opens some of its own).
    for t in [
        "deadline_events",
        "deadlines",
        "clock_tally",
        "clock_tally_delta",
    ] {
        sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {t}")))
            .execute(&app.db.pool)
            .await
            .expect("clean");
    }
    // March's clocks: the bureau meets two in time and one late, the police one late.
    let start = d(2026, 3, 2);
    let mut ids = Vec::new();
    for (purpose, owner) in [
        ("按期办结甲", MSA),
        ("按期办结乙", MSA),
        ("逾期办结丙", MSA),
        ("逾期办结丁", POLICE),
    ] {
        ids.push(
            app.open_deadline(purpose, start, Rule::WorkingDays(5), owner)
                .await,
        );
    }
    let mut staff = app.client();
    staff.login("staff", PASSWORD).await;
    for (id, day) in [
        (ids[0], "2026-03-05"),
        (ids[1], "2026-03-09"),
        (ids[2], "2026-03-12"),
        (ids[3], "2026-03-10"),
    ] {
        let r = staff
            .post(
                &format!("/deadlines/{id}/change"),
                &[("op", "met"), ("date", day)],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    }
    let (base, server) = serve_loopback(&app).await;
    let profile = tempfile::tempdir().expect("temporary browser profile");
    let client = connect(&webdriver, profile.path())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let result = walk(&client, &base).await;
    let report = if result.is_err() {
        failure_report(&client, &format!("statistics-{label}")).await
    } else {
        String::new()
    };
    let _ = client.close().await;
    drop(server);
    if let Err(e) = result {
        panic!("{report}\nbrowser statistics on {label} failed: {e}");
    }
}

/// (unit, series, value) read from the chart's bars and from the table's cells.
const FIGURES: &str = "
var out = {chart: [], table: []};
var svg = document.querySelector('svg[aria-label=\"各单位办理时限情况\"]');
svg.querySelectorAll('g.bar').forEach(function (g) {
  g.querySelectorAll('rect[data-series]').forEach(function (r) {
    out.chart.push([g.getAttribute('data-label'), r.getAttribute('data-series'), r.getAttribute('data-value')]);
  });
});
document.querySelectorAll('#clocks-by-unit tbody tr[data-label]').forEach(function (tr) {
  tr.querySelectorAll('td[data-series]').forEach(function (td) {
    var v = td.textContent.trim();
    if (v !== '0') out.table.push([tr.getAttribute('data-label'), td.getAttribute('data-series'), v]);
  });
});
return out;";

async fn walk(c: &Client, base: &str) -> Step<()> {
    c.goto(&format!("{base}/login"))
        .await
        .ctx("opening the sign-in page")?;
    sign_in(c, "staff", PASSWORD).await?;
    wait_for(c, "#todo-summary").await?;
    // From the menu, then the period of March.
    click(c, "a[href=\"/statistics/clocks\"]").await?;
    wait_for(c, "#clocks-by-unit").await?;
    set_date(c, "input[name=from]", "2026-03-01").await?;
    set_date(c, "input[name=to]", "2026-03-31").await?;
    click(c, "form.filters button[type=submit]").await?;
    // The page before (this year's figures, none after 2026) stays until the new one loads.
    wait_url_contains(c, "from=2026-03-01").await?;
    wait_path(c, "/statistics/clocks").await?;
    wait_for(c, "svg.chart").await?;
    let figures = c
        .execute(FIGURES, vec![])
        .await
        .ctx("reading the chart and the table")?;
    let sorted = |v: &serde_json::Value| -> Step<Vec<Vec<String>>> {
        let mut rows: Vec<Vec<String>> =
            serde_json::from_value(v.clone()).ctx("the figures as rows")?;
        rows.sort();
        Ok(rows)
    };
    let mut want: Vec<Vec<String>> = [
        [MSA, "按期完成", "2"],
        [MSA, "逾期完成", "1"],
        [POLICE, "逾期完成", "1"],
    ]
    .iter()
    .map(|r| r.iter().map(|s| s.to_string()).collect())
    .collect();
    want.sort();
    let chart = sorted(&figures["chart"])?;
    ensure!(chart == want, "the chart's bars: {chart:?}");
    let table = sorted(&figures["table"])?;
    ensure!(table == want, "the table's figures: {table:?}");
    let rate = text(
        c,
        "#clocks-by-unit tbody tr[data-label=\"信阳市市场监督管理局\"] td:last-child",
    )
    .await?;
    ensure!(
        rate.contains("66.7%"),
        "the bureau's on-time rate: {rate:?}"
    );
    // The bureau's late figure opens the clock behind it, and only it.
    click(
        c,
        "#clocks-by-unit tr[data-label=\"信阳市市场监督管理局\"] td[data-series=\"逾期完成\"] a",
    )
    .await?;
    wait_for(c, "#deadlines-table").await?;
    let rows = text(c, "#deadlines-table tbody").await?;
    ensure!(
        rows.contains("逾期办结丙") && !rows.contains("逾期办结丁") && !rows.contains("按期办结"),
        "the clocks behind the figure: {rows:?}"
    );
    ensure!(rows.contains("逾期完成"), "said late: {rows:?}");
    Ok(())
}
