//! The annual performance assessment (年度绩效考核, issue #16) in a real browser: the office
//! opens 年度绩效考核 from the menu, sets the year's scheme through the form and computes it;
//! the ranking table shows every unit ranked by its total, and a score that counted a late
//! clock links to the clocks behind it, which list exactly that clock. Every page passes the
//! accessibility audit (`tests/a11y/audit.rs`). Runs on SQLite and, when
//! `SHUANGDA_TEST_DATABASE_URL` is set, on a throw-away PostgreSQL database. Needs `chromium`
//! and `chromium-driver`; without them the test says so and passes, unless
//! `SHUANGDA_REQUIRE_BROWSER=1` (set in CI), when it fails.

#[macro_use]
mod common;

#[path = "a11y/audit.rs"]
mod audit;

use audit::audit_page;
use axum::http::StatusCode;
use chrono::{Datelike, NaiveDate};
use common::browser::*;
use fantoccini::Client;
use shuangda::deadline::Rule;

const PASSWORD: &str = shuangda::demo::DEMO_PASSWORD;
const MSA: &str = "信阳市市场监督管理局";
const POLICE: &str = "信阳市公安局";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ranking_shows_and_a_late_score_opens_exactly_its_clock() {
    each_db_in_browser("assessment", &[CHROMEDRIVER, CHROMIUM], run).await;
}

async fn due_of(app: &common::App, id: i64) -> NaiveDate {
    let d: String = sqlx::query_scalar("SELECT due_date FROM deadlines WHERE id = $1")
        .bind(id)
        .fetch_one(&app.db.pool)
        .await
        .expect("due");
    NaiveDate::parse_from_str(&d, "%Y-%m-%d").expect("date")
}

/// What the walk needs to know of the seeded clocks.
struct Seeded {
    year: i32,
    msa: i64,
    police: i64,
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
    // This year's clocks, due in January: the bureau meets one in time and one a day late,
    // the police one a day late.
    let year = app.today().year();
    let start = NaiveDate::from_ymd_opt(year, 1, 5).expect("5 January");
    let mut staff = app.client();
    staff.login("staff", PASSWORD).await;
    for (purpose, owner, late) in [
        ("考核测试按期时限", MSA, false),
        ("考核测试逾期时限", MSA, true),
        ("考核测试公安逾期时限", POLICE, true),
    ] {
        let id = app
            .open_deadline(purpose, start, Rule::WorkingDays(5), owner)
            .await;
        let due = due_of(&app, id).await;
        let met = if late {
            due.succ_opt().expect("the day after")
        } else {
            due
        };
        let r = staff
            .post(
                &format!("/deadlines/{id}/change"),
                &[("op", "met"), ("date", &met.to_string())],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{purpose}: {}", r.body);
    }
    let seeded = Seeded {
        year,
        msa: app.unit_id(MSA).await,
        police: app.unit_id(POLICE).await,
    };
    let (base, server) = serve_loopback(&app).await;
    let profile = tempfile::tempdir().expect("temporary browser profile");
    let client = connect(&webdriver, profile.path())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let result = walk(&client, &base, &seeded).await;
    let report = if result.is_err() {
        failure_report(&client, &format!("assessment-{label}")).await
    } else {
        String::new()
    };
    let _ = client.close().await;
    drop(server);
    if let Err(e) = result {
        panic!("{report}\nbrowser assessment on {label} failed: {e}");
    }
}

/// (rank, unit id, total) of each line of the units' ranking, in the page's order.
const RANKING: &str = "
var out = [];
document.querySelectorAll('#assessment-units tbody tr[data-unit]').forEach(function (tr) {
  out.push([tr.cells[0].textContent.trim(), tr.getAttribute('data-unit'),
            tr.querySelector('td[data-total]').textContent.trim()]);
});
return out;";

async fn walk(c: &Client, base: &str, s: &Seeded) -> Step<()> {
    c.goto(&format!("{base}/login"))
        .await
        .ctx("opening the sign-in page")?;
    sign_in(c, "staff", PASSWORD).await?;
    wait_for(c, "#todo-summary").await?;
    click(c, "nav a[href=\"/assessments\"]").await?;
    wait_for(c, "#assessment-form").await?;
    audit_page(c, "the list of assessments").await?;
    let title = format!("{}年度打击侵权假冒工作绩效考核", s.year);
    // Next year's scheme is not set this year: the form says so on the year.
    fill(c, "#assessment-year", &(s.year + 1).to_string()).await?;
    fill(c, "#assessment-title", &title).await?;
    submit_form(c, "assessment-form", false).await?;
    let said = text(c, "#assessment-form .field-error[data-field=year]").await?;
    ensure!(!said.trim().is_empty(), "the refused year says nothing");
    audit_page(c, "the refused scheme").await?;
    fill(c, "#assessment-year", &s.year.to_string()).await?;
    let kept = prop(c, "#assessment-title", "value").await?;
    ensure!(kept == title, "the title typed is kept: {kept:?}");
    submit_form(c, "assessment-form", false).await?;
    wait_for(c, "#assessment-indicators").await?;
    let path = current_path(c).await?;
    let id: i64 = path
        .strip_prefix("/assessments/")
        .and_then(|rest| rest.parse().ok())
        .ok_or_else(|| format!("expected an assessment's page, browser is at {path}"))?;
    let heading = text(c, "main h1").await?;
    ensure!(heading == title, "the assessment's heading: {heading:?}");
    let state = text(c, "#assessment-state").await?;
    ensure!(state == "考核方案拟定中", "before computing: {state:?}");
    absent(c, "#assessment-units").await?;
    audit_page(c, "the scheme before computing").await?;

    // Compute (the page asks first): the results are frozen and ranked.
    submit_form(c, "step-compute", true).await?;
    wait_for(c, "#assessment-units").await?;
    let state = text(c, "#assessment-state").await?;
    ensure!(state == "考核结果征求意见中", "after computing: {state:?}");
    audit_page(c, "the computed results").await?;
    let ranking: Vec<(String, String, String)> = serde_json::from_value(
        c.execute(RANKING, vec![])
            .await
            .ctx("reading the ranking")?,
    )
    .ctx("the ranking as rows")?;
    ensure!(ranking.len() > 2, "the ranking: {ranking:?}");
    let totals: Vec<f64> = ranking
        .iter()
        .map(|(_, _, t)| t.parse::<f64>().map_err(|e| format!("total {t:?}: {e}")))
        .collect::<Step<_>>()?;
    ensure!(
        totals.windows(2).all(|w| w[0] >= w[1]),
        "ranked by total, highest first: {ranking:?}"
    );
    let first = &ranking[0].0;
    ensure!(first == "1", "the first line's rank: {ranking:?}");
    for unit in [s.msa, s.police] {
        ensure!(
            ranking.iter().any(|(_, u, _)| *u == unit.to_string()),
            "unit {unit} is not ranked: {ranking:?}"
        );
    }
    // One late clock of two costs the bureau half of the 25 points; the police's one all.
    let msa_clocks = format!(
        "#assessment-units tr[data-unit=\"{}\"] td[data-indicator=clocks]",
        s.msa
    );
    let cell = text(c, &msa_clocks).await?;
    ensure!(
        cell.contains("12.50") && cell.contains("按期1/2") && cell.contains("未按期1"),
        "the bureau's clocks score: {cell:?}"
    );
    let police_cell = text(
        c,
        &format!(
            "#assessment-units tr[data-unit=\"{}\"] td[data-indicator=clocks]",
            s.police
        ),
    )
    .await?;
    ensure!(
        police_cell.contains("0.00") && police_cell.contains("未按期1"),
        "the police's clocks score: {police_cell:?}"
    );

    // The late figure opens the clocks behind the bureau's score: exactly its late one.
    let link = format!("{msa_clocks} a");
    let href = prop(c, &link, "href").await?;
    let want = format!(
        "/assessments/{id}/clocks?unit={}&indicator=clocks&late=1",
        s.msa
    );
    ensure!(href.ends_with(&want), "the late figure links to {href:?}");
    click(c, &link).await?;
    wait_for(c, "#assessment-clocks").await?;
    wait_path(c, &format!("/assessments/{id}/clocks")).await?;
    let rows = find_all(c, "#assessment-clocks tbody tr").await?;
    ensure!(
        rows.len() == 1,
        "{} clocks listed, expected one",
        rows.len()
    );
    let row = text(c, "#assessment-clocks tbody tr").await?;
    ensure!(
        row.contains("考核测试逾期时限") && row.contains(MSA) && row.contains("逾期完成"),
        "the clock behind the score: {row:?}"
    );
    let outcome = wait_for(c, "#assessment-clocks tbody tr")
        .await?
        .attr("data-outcome")
        .await
        .ctx("reading the outcome")?;
    ensure!(
        outcome.as_deref() == Some("late"),
        "the clock's outcome: {outcome:?}"
    );
    let heading = text(c, "main h1").await?;
    ensure!(
        heading.contains(MSA) && heading.contains("办理时限"),
        "the clocks page's heading: {heading:?}"
    );
    audit_page(c, "the clocks behind a score").await?;
    // And back to the results.
    click(c, &format!("main a[href=\"/assessments/{id}\"]")).await?;
    wait_for(c, "#assessment-units").await?;
    Ok(())
}
