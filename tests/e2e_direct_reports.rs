//! Case direct reporting (查办案件直报, issue #16) in a real browser: the office opens
//! 查办案件直报 from the menu, defines a data set from the template with its own check, and
//! opens the current quarter for the city's market-regulation bureau; the day after the
//! quarter, the bureau opens its return from its to-do, sees the platform's prefilled figures,
//! sends figures that break the office's check and reads the office's words on that very cell,
//! corrects and sends them; the office approves, and the period's table shows the figures in
//! its total row. Every page on the way, refused forms included, passes the accessibility audit
//! (`tests/a11y/audit.rs`). Runs on SQLite and, when `SHUANGDA_TEST_DATABASE_URL` is set, on a throw-away
//! PostgreSQL database. Needs `chromium` and `chromium-driver`; without them the test says so
//! and passes, unless `SHUANGDA_REQUIRE_BROWSER=1` (set in CI), when it fails.

#[macro_use]
mod common;

#[path = "a11y/audit.rs"]
mod audit;

use std::time::{Duration, Instant};

use audit::audit_page;
use chrono::{Datelike, NaiveDate};
use common::browser::*;
use fantoccini::{Client, Locator};

const PASSWORD: &str = shuangda::demo::DEMO_PASSWORD;
const MSA: &str = "信阳市市场监督管理局";
const SET_NAME: &str = "行政执法办案数据（季报）";
/// The office's own check, with its own words after the full-width colon.
const CHECK_MESSAGE: &str = "办结数不能超过立案数与期初在办数之和";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_unit_reports_its_quarter_the_check_names_the_cell_and_the_total_adds_up() {
    each_db_in_browser("direct reports", &[CHROMEDRIVER, CHROMIUM], run).await;
}

/// The quarter that holds `day`, as typed ("2026-Q2") and as shown ("2026年第二季度"), with its
/// last day.
fn quarter_of(day: NaiveDate) -> (String, String, NaiveDate) {
    let q = (day.month() - 1) / 3 + 1;
    let start = NaiveDate::from_ymd_opt(day.year(), (q - 1) * 3 + 1, 1).expect("start");
    let end = start
        .checked_add_months(chrono::Months::new(3))
        .and_then(|d| d.pred_opt())
        .expect("end");
    let shown = ["一", "二", "三", "四"][(q - 1) as usize];
    (
        format!("{}-Q{q}", day.year()),
        format!("{}年第{shown}季度", day.year()),
        end,
    )
}

async fn run(app: common::App, webdriver: String) {
    let label = format!("{:?}", app.db.dialect).to_lowercase();
    let (quarter, shown, end) = quarter_of(app.today());
    let msa = app.unit_id(MSA).await;
    // The office works on the tests' day; the bureau reports the day after the quarter.
    let (base, server) = serve_loopback(&app).await;
    let after = app.on(end.succ_opt().expect("the day after the quarter"));
    let (after_base, after_server) = serve_loopback(&after).await;
    let profile = tempfile::tempdir().expect("temporary browser profile");
    let client = connect(&webdriver, profile.path())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let result = walk(&client, &base, &after_base, (&quarter, &shown), msa).await;
    let report = if result.is_err() {
        failure_report(&client, &format!("direct-reports-{label}")).await
    } else {
        String::new()
    };
    let _ = client.close().await;
    drop(server);
    drop(after_server);
    if let Err(e) = result {
        panic!("{report}\nbrowser direct reports on {label} failed: {e}");
    }
}

/// Click `css` (a submit button) and wait until the answer has replaced the page.
async fn press(c: &Client, css: &str) -> Step<()> {
    let old_page = c
        .find(Locator::Css("html"))
        .await
        .ctx("finding the page before the click")?;
    click(c, css).await?;
    let deadline = Instant::now() + TIMEOUT;
    while old_page.tag_name().await.is_ok() {
        if Instant::now() > deadline {
            return Err(format!(
                "after {css} the page was not replaced in {TIMEOUT:?}"
            ));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(())
}

/// The id at the end of the current path under `prefix`.
async fn id_under(c: &Client, prefix: &str) -> Step<i64> {
    let path = current_path(c).await?;
    path.strip_prefix(prefix)
        .and_then(|rest| rest.parse().ok())
        .ok_or_else(|| format!("expected to be at {prefix}<id>, browser is at {path}"))
}

/// (code, the platform's figure as marked, the value in its input) of each prefilled row.
const PREFILLED: &str = "
var out = [];
document.querySelectorAll('#dr-figures-table tbody tr[data-code]').forEach(function (tr) {
  var mark = tr.querySelector('[data-prefilled]');
  if (!mark) return;
  var code = tr.getAttribute('data-code');
  var input = document.getElementById('fig-' + code);
  out.push([code, mark.getAttribute('data-prefilled'), mark.textContent.trim(), input ? input.value : null]);
});
return out;";

/// Fill the figures the platform does not prefill, `concluded` the one the check is about.
async fn enter_figures(c: &Client, concluded: &str) -> Step<()> {
    for (code, value) in [
        ("open_at_start", "2"),
        ("cases_filed", "3"),
        ("cases_concluded", concluded),
        ("amount_involved", "120000.50"),
        ("fines_confiscations", "30000"),
    ] {
        fill(c, &format!("#fig-{code}"), value).await?;
    }
    Ok(())
}

async fn walk(
    c: &Client,
    base: &str,
    after: &str,
    (quarter, shown): (&str, &str),
    msa: i64,
) -> Step<()> {
    // ---- The office, on the tests' day: the data set from the template, then the quarter.
    c.goto(&format!("{base}/login"))
        .await
        .ctx("opening the sign-in page")?;
    sign_in(c, "staff", PASSWORD).await?;
    wait_for(c, "#todo-summary").await?;
    click(c, "nav a[href=\"/direct-reports\"]").await?;
    wait_path(c, "/direct-reports").await?;
    let h1 = text(c, "main h1").await?;
    ensure!(h1 == "查办案件直报", "the page's heading: {h1:?}");
    audit_page(c, "the list of data sets and periods").await?;
    click(c, "#dr-new-set").await?;
    wait_for(c, "#dr-set-form").await?;
    audit_page(c, "the new data set's form").await?;
    // A set needs its name: the form comes back with the message on that field.
    fill(c, "#dr-set-name", "").await?;
    submit_form(c, "dr-set-form", false).await?;
    let said = text(c, "#dr-set-form .field-error[data-field=name]").await?;
    ensure!(!said.trim().is_empty(), "the refused name says nothing");
    audit_page(c, "the refused data set form").await?;
    fill(c, "#dr-set-name", SET_NAME).await?;
    select_value(c, "#dr-set-periodicity", "quarter").await?;
    fill(c, "#dr-set-due", "10").await?;
    check(c, "#dr-set-form input[name=template][value=administrative]").await?;
    // The template's checks come with the form; the office words the first one itself.
    let template_checks = prop(c, "#dr-set-checks", "value").await?;
    ensure!(
        template_checks.contains("办结数 <= 立案数 + 期初在办案件数"),
        "the template's checks in the form: {template_checks:?}"
    );
    fill(
        c,
        "#dr-set-checks",
        &format!("办结数 <= 立案数 + 期初在办案件数：{CHECK_MESSAGE}\n督办案件办结数 <= 办结数"),
    )
    .await?;
    submit_form(c, "dr-set-form", false).await?;
    wait_for(c, "#dr-set-indicators").await?;
    let set = id_under(c, "/direct-reports/sets/").await?;
    let indicators = text(c, "#dr-set-indicators").await?;
    ensure!(
        indicators.contains("移送公安机关案件数") && indicators.contains("办结数"),
        "the template's indicators: {indicators:?}"
    );
    let kept = prop(c, "#dr-set-checks", "value").await?;
    ensure!(kept.contains(CHECK_MESSAGE), "the checks kept: {kept:?}");
    audit_page(c, "the data set").await?;

    click(c, "nav a[href=\"/direct-reports\"]").await?;
    wait_for(c, "#dr-open").await?;
    audit_page(c, "the list with the form to open a period").await?;
    select_value(c, "#dr-open-set", &set.to_string()).await?;
    fill(c, "#dr-open-period", quarter).await?;
    select_value(c, "#dr-open-units", &msa.to_string()).await?;
    submit_form(c, "dr-open", false).await?;
    wait_for(c, "#dr-table").await?;
    let period = id_under(c, "/direct-reports/periods/").await?;
    let heading = text(c, "main h1").await?;
    ensure!(
        heading.contains(SET_NAME) && heading.contains(shown),
        "the period's heading: {heading:?}"
    );
    let lines = find_all(c, "#dr-table tbody tr[data-label]").await?;
    ensure!(
        lines.len() == 1,
        "one unit reports, the table has {} lines",
        lines.len()
    );
    let state = text(
        c,
        &format!("#dr-table tr[data-label=\"{MSA}\"] td:nth-child(2)"),
    )
    .await?;
    ensure!(state.contains("填报中"), "the bureau's return: {state:?}");
    audit_page(c, "the period's table").await?;
    click(c, "#logout").await?;
    wait_for(c, "#login-submit").await?;

    // ---- The bureau, the day after the quarter: its to-do opens its return.
    c.goto(&format!("{after}/login"))
        .await
        .ctx("opening the sign-in page of the later day")?;
    sign_in(c, "liaison.scjg", PASSWORD).await?;
    wait_for(c, "#todo-summary").await?;
    let todo = ".todo-list a[href^='/direct-reports/returns/']";
    let title = text(c, todo).await?;
    ensure!(
        title.contains(SET_NAME) && title.contains(shown),
        "the bureau's to-do: {title:?}"
    );
    click(c, todo).await?;
    wait_for(c, "#dr-figures").await?;
    let unit = text(c, "#dr-unit").await?;
    ensure!(unit == MSA, "the return's unit: {unit:?}");
    let state = text(c, "#dr-state").await?;
    ensure!(state == "填报中", "the return's state: {state:?}");
    audit_page(c, "the unit's return").await?;
    // The platform's figures are marked and stand in their inputs.
    let prefilled: Vec<(String, String, String, Option<String>)> = serde_json::from_value(
        c.execute(PREFILLED, vec![])
            .await
            .ctx("reading the prefilled figures")?,
    )
    .ctx("the prefilled figures as rows")?;
    let mut codes: Vec<&str> = prefilled.iter().map(|p| p.0.as_str()).collect();
    codes.sort();
    ensure!(
        codes
            == [
                "hand_backs_received",
                "public_reports",
                "supervised_concluded",
                "transferred"
            ],
        "the prefilled rows: {prefilled:?}"
    );
    for (code, figure, mark, value) in &prefilled {
        ensure!(
            mark == &format!("平台预填 {figure}") && value.as_deref() == Some(figure.as_str()),
            "{code}: marked {mark:?} ({figure}), its input holds {value:?}"
        );
    }
    let supervised: i64 = prefilled
        .iter()
        .find(|p| p.0 == "supervised_concluded")
        .and_then(|p| p.1.parse().ok())
        .ok_or("the supervised cases concluded are not a number")?;
    ensure!(
        supervised <= 5,
        "the demo's supervised cases concluded ({supervised}) exceed the figures this test sends"
    );

    // Nine concluded of three filed and two open: the office's check refuses that cell.
    enter_figures(c, "9").await?;
    press(c, "#dr-submit").await?;
    let cell = "#dr-figures-table tr[data-code=cases_concluded] \
                p.field-error[data-field=\"figures.cases_concluded\"]";
    let said = text(c, cell).await?;
    ensure!(said == CHECK_MESSAGE, "the refused cell says {said:?}");
    let errors = find_all(c, ".field-error").await?;
    ensure!(
        errors.len() == 1,
        "one cell is refused, the page marks {}",
        errors.len()
    );
    let invalid = wait_for(c, "#fig-cases_concluded")
        .await?
        .attr("aria-invalid")
        .await
        .ctx("reading aria-invalid")?;
    ensure!(
        invalid.as_deref() == Some("true"),
        "the refused input: aria-invalid={invalid:?}"
    );
    let typed = prop(c, "#fig-cases_concluded", "value").await?;
    ensure!(
        typed == "9",
        "the refused figure is kept as typed: {typed:?}"
    );
    let state = text(c, "#dr-state").await?;
    ensure!(state == "填报中", "nothing sent: {state:?}");
    audit_page(c, "the return with the refused cell").await?;

    // A prefilled figure changed needs its reason, asked for on that row.
    fill(c, "#fig-cases_concluded", "5").await?;
    let transferred = prefilled
        .iter()
        .find(|p| p.0 == "transferred")
        .and_then(|p| p.1.parse::<i64>().ok())
        .ok_or("the transfers prefilled are not a number")?;
    fill(c, "#fig-transferred", &(transferred + 1).to_string()).await?;
    press(c, "#dr-submit").await?;
    let said = text(
        c,
        "#dr-figures-table tr[data-code=transferred] \
         p.field-error[data-field=\"reasons.transferred\"]",
    )
    .await?;
    ensure!(!said.trim().is_empty(), "the reason asked for says nothing");
    audit_page(c, "the return with a correction unexplained").await?;
    fill(c, "#fig-transferred", &transferred.to_string()).await?;
    press(c, "#dr-submit").await?;
    wait_for(c, "#dr-figures-table td[data-value]").await?;
    let state = text(c, "#dr-state").await?;
    ensure!(state == "待审核", "after sending: {state:?}");
    absent(c, "#dr-submit").await?;
    absent(c, ".field-error").await?;
    let shown = text(
        c,
        "#dr-figures-table tr[data-code=cases_concluded] td[data-value]",
    )
    .await?;
    ensure!(shown == "5", "the figure sent: {shown:?}");
    audit_page(c, "the return sent").await?;
    click(c, "#logout").await?;
    wait_for(c, "#login-submit").await?;

    // ---- The office approves from the period's table, and the total adds it up.
    sign_in(c, "staff", PASSWORD).await?;
    wait_for(c, "#todo-summary").await?;
    click(c, "nav a[href=\"/direct-reports\"]").await?;
    click(
        c,
        &format!("#dr-periods a[href=\"/direct-reports/periods/{period}\"]"),
    )
    .await?;
    wait_for(c, "#dr-table").await?;
    let total = text(c, "#dr-total td[data-code=cases_filed]").await?;
    ensure!(
        total.is_empty() || total == "0",
        "nothing approved yet, the total shows {total:?}"
    );
    click(c, &format!("#dr-table tr[data-label=\"{MSA}\"] a")).await?;
    wait_for(c, "#step-approve").await?;
    audit_page(c, "the return to approve").await?;
    submit_form(c, "step-approve", false).await?;
    wait_for(c, "#dr-state").await?;
    let state = text(c, "#dr-state").await?;
    ensure!(state == "已审核", "after approval: {state:?}");
    click(
        c,
        &format!("main a[href=\"/direct-reports/periods/{period}\"]"),
    )
    .await?;
    wait_for(c, "#dr-total").await?;
    for (code, want) in [
        ("open_at_start", "2"),
        ("cases_filed", "3"),
        ("cases_concluded", "5"),
        ("amount_involved", "120,000.50"),
        ("fines_confiscations", "30,000.00"),
    ] {
        let got = text(c, &format!("#dr-total td[data-code={code}]")).await?;
        ensure!(
            got == want,
            "the total of {code}: {got:?}, expected {want:?}"
        );
        let line = text(
            c,
            &format!("#dr-table tr[data-label=\"{MSA}\"] td[data-code={code}]"),
        )
        .await?;
        ensure!(line == want, "the bureau's {code}: {line:?}");
    }
    let state = text(
        c,
        &format!("#dr-table tr[data-label=\"{MSA}\"] td:nth-child(2)"),
    )
    .await?;
    ensure!(state.contains("已审核"), "the bureau's line: {state:?}");
    audit_page(c, "the period's table with its total").await?;
    Ok(())
}
