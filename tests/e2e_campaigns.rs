//! Special campaigns in a real browser (issue #22: "run on both databases, with a browser
//! walk"): the city office launches a campaign through the form with the market regulation
//! bureau leading and the police taking part; the bureau reports its stage through the report
//! form (the transfers figure prefilled by the platform); the office sees the totals and who has
//! not reported, and sends the bureau's report back with its reason. Each page passes the
//! accessibility audit. Runs on SQLite and, when `SHUANGDA_TEST_DATABASE_URL` is set, on
//! PostgreSQL. Needs `chromium` and `chromium-driver` (required in CI).

#[macro_use]
mod common;

use common::browser::*;

use chrono::Duration;
use fantoccini::{Client, Locator};

const PASSWORD: &str = shuangda::demo::DEMO_PASSWORD;
const MSA: &str = "信阳市市场监督管理局";
const POLICE: &str = "信阳市公安局";
const TITLE: &str = "春季农资打假专项行动";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_campaign_is_launched_reported_totalled_and_sent_back_in_the_browser() {
    each_db_in_browser("campaigns", &[CHROMEDRIVER, CHROMIUM], run).await;
}

async fn run(app: common::App, webdriver: String) {
    let label = format!("{:?}", app.db.dialect).to_lowercase();
    let msa = app.unit_id(MSA).await;
    let police = app.unit_id(POLICE).await;
    let (base, server) = serve_loopback(&app).await;
    let profile = tempfile::tempdir().expect("temporary browser profile");
    let client = connect(&webdriver, profile.path())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let today = app.today();
    let result = walk(
        &client,
        &base,
        (msa, police),
        &(today - Duration::days(10)).to_string(),
        &today.to_string(),
    )
    .await;
    let report = if result.is_err() {
        failure_report(&client, &format!("campaigns-{label}")).await
    } else {
        String::new()
    };
    let _ = client.close().await;
    drop(server);
    if let Err(e) = result {
        panic!("{report}\nbrowser campaigns on {label} failed: {e}");
    }
}

async fn walk(
    c: &Client,
    base: &str,
    (msa, police): (i64, i64),
    start: &str,
    end: &str,
) -> Step<()> {
    // The office launches the campaign through the form.
    c.goto(&format!("{base}/login"))
        .await
        .ctx("opening the sign-in page")?;
    sign_in(c, "staff", PASSWORD).await?;
    wait_for(c, "#logout").await?;
    c.goto(&format!("{base}/campaigns"))
        .await
        .ctx("opening the campaigns")?;
    wait_for(c, "main").await?;
    audit(c, "the campaigns").await?;
    c.goto(&format!("{base}/campaigns/new"))
        .await
        .ctx("opening the launch form")?;
    wait_for(c, "#campaign-form").await?;
    audit(c, "the launch form").await?;
    fill(c, "#campaign-title", TITLE).await?;
    fill(
        c,
        "#campaign-goal",
        "集中整治假劣种子、化肥、农药，查处一批案件",
    )
    .await?;
    set_date(c, "#campaign-starts", start).await?;
    set_date(c, "#campaign-ends", end).await?;
    check(c, "input[name=products][value=agricultural_inputs]").await?;
    check(c, "input[name=rights][value=trademark]").await?;
    select_value(c, "#campaign-lead", &msa.to_string()).await?;
    let option = c
        .find(Locator::Css(&format!(
            "#campaign-units option[value='{police}']"
        )))
        .await
        .ctx("the police among the participating units")?;
    option.click().await.ctx("choosing the police")?;
    submit_form(c, "campaign-form", false).await?;
    wait_for(c, "#campaign-totals").await?;
    let title = text(c, "#campaign-title").await?;
    ensure!(title.contains(TITLE), "the campaign page: {title}");
    let units = text(c, "#campaign-units").await?;
    ensure!(
        units.contains(MSA) && units.contains(POLICE),
        "the units: {units}"
    );
    audit(c, "the campaign").await?;
    let campaign = current_path(c).await?;

    // The bureau reports its stage: the transfers figure comes prefilled.
    switch_to(
        c,
        "liaison.scjg",
        PASSWORD,
        Some(MSA),
        &format!("{base}{campaign}"),
        "#campaign-totals",
    )
    .await?;
    click(c, &format!("tr[data-unit='{msa}'] a")).await?;
    wait_for(c, "#report-form").await?;
    ensure!(
        find_all(c, "#prefill-transferred").await?.len() == 1,
        "the platform's count beside the transfers figure"
    );
    let prefilled = prop(c, "#fig-transferred", "value").await?;
    ensure!(prefilled == "0", "the transfers prefilled: {prefilled:?}");
    audit(c, "the report form").await?;
    for (code, v) in [
        ("personnel", "40"),
        ("inspections", "120"),
        ("samples", "15"),
        ("dens_closed", "1"),
        ("cases_filed", "3"),
        ("cases_concluded", "1"),
        ("amount_involved", "12000.50"),
        ("fines_confiscations", "5000"),
        ("persons_arrested", "0"),
    ] {
        fill(c, &format!("#fig-{code}"), v).await?;
    }
    fill(c, "#report-actions", "检查农资门店120户，抽检化肥15批次").await?;
    click(c, "#report-submit").await?;
    wait_url_contains(c, "msg=submitted").await?;
    let standing = text(c, "#report-standing").await?;
    ensure!(standing.contains("按期报送"), "the standing: {standing}");
    audit(c, "the report sent").await?;

    // The office: one reported on time, one not yet; the totals are the bureau's.
    switch_to(
        c,
        "staff",
        PASSWORD,
        None,
        &format!("{base}{campaign}"),
        "#campaign-totals",
    )
    .await?;
    let on_time = text(c, "#totals-on-time").await?;
    ensure!(on_time.trim() == "1", "on time: {on_time}");
    let totals = text(c, "#totals-table tr[data-code='inspections']").await?;
    ensure!(totals.contains("120"), "the inspections total: {totals}");
    let pending = find_all(
        c,
        &format!("tr[data-unit='{police}'][data-standing='pending']"),
    )
    .await?;
    ensure!(pending.len() == 1, "the police have not reported yet");

    // The office sends the bureau's report back with its reason.
    click(c, &format!("tr[data-unit='{msa}'] a")).await?;
    wait_for(c, "#step-send-back").await?;
    audit(c, "the report as the office sees it").await?;
    fill(
        c,
        "#send-back-text",
        "罚没金额与案件台账不符，请核实后重新报送",
    )
    .await?;
    submit_form(c, "step-send-back", false).await?;
    wait_for(c, "#report-returned").await?;
    let state = text(c, "#report-state").await?;
    ensure!(state.contains("已退回修改"), "the report's state: {state}");
    absent(c, "#step-send-back").await?;
    audit(c, "the report sent back").await?;
    c.goto(&format!("{base}{campaign}"))
        .await
        .ctx("back to the campaign")?;
    wait_for(c, &format!("tr[data-unit='{msa}'] [data-returned]")).await?;
    let on_time = text(c, "#totals-on-time").await?;
    ensure!(
        on_time.trim() == "0",
        "a report sent back no longer counts: {on_time}"
    );
    audit(c, "the campaign after the send-back").await?;
    Ok(())
}
