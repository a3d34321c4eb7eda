//! End-to-end test of a transfer to the police (seed 004 二(一)–(二)) in a real browser:
//! headless Chromium over WebDriver against the real server on a loopback port. The city
//! market regulation bureau registers a transfer, uploads the investigation report through the
//! file input and sends it; the city police sign for it and refuse to file; the bureau asks for
//! reconsideration inside the 3-day window; the police file the case. The filing notice is
//! downloaded with the browser's session and its PDF text checked. Runs on SQLite and, when
//! `SHUANGDA_TEST_DATABASE_URL` is set, on a throw-away PostgreSQL database.
//!
//! Needs `chromium`, `chromium-driver` and `poppler-utils`; without them the test says so and
//! passes, unless `SHUANGDA_REQUIRE_BROWSER=1` (set in CI), when it fails.

#[macro_use]
mod common;

use common::browser::*;

use std::io::Write;
use std::path::Path;
use std::time::Instant;

use fantoccini::Client;

const PASSWORD: &str = shuangda::demo::DEMO_PASSWORD;
const MSA: &str = "信阳市市场监督管理局";
const POLICE: &str = "信阳市公安局";
const TITLE: &str = "某商贸公司销售假冒注册商标白酒案（端到端测试）";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_walks_a_transfer_refused_reconsidered_and_filed() {
    each_db_in_browser(
        "end-to-end transfer",
        &[CHROMEDRIVER, CHROMIUM, PDFTOTEXT],
        run,
    )
    .await;
}

async fn run(app: common::App, webdriver: String) {
    let label = format!("{:?}", app.db.dialect).to_lowercase();
    let police = app.unit_id(POLICE).await;
    let (base, server) = serve_loopback(&app).await;
    let profile = tempfile::tempdir().expect("temporary browser profile");
    let files = tempfile::tempdir().expect("upload directory");
    let client = connect(&webdriver, profile.path())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let started = Instant::now();
    let result = flow(&client, &base, police, files.path(), app.today()).await;
    let report = if result.is_err() {
        failure_report(&client, &format!("linkage-{label}")).await
    } else {
        String::new()
    };
    let _ = client.close().await;
    drop(server);
    match result {
        Ok(()) => {
            let _ = writeln!(
                std::io::stderr(),
                "browser transfer flow on {label} passed in {:.1} s",
                started.elapsed().as_secs_f64()
            );
        }
        Err(e) => panic!("{report}\nbrowser transfer flow on {label} failed: {e}"),
    }
}

async fn submit(c: &Client, form: &str, state: &str) -> Step<()> {
    submit_and_wait(
        c,
        form,
        state,
        "#transfer-state",
        "#transfer-timeline",
        false,
    )
    .await
}

/// A destructive step (a refusal): the page asks for confirmation first.
async fn submit_confirmed(c: &Client, form: &str, state: &str) -> Step<()> {
    submit_and_wait(
        c,
        form,
        state,
        "#transfer-state",
        "#transfer-timeline",
        true,
    )
    .await
}

async fn switch(c: &Client, username: &str, url: &str) -> Step<()> {
    switch_to(c, username, PASSWORD, None, url, "#transfer-timeline").await
}

/// The organ head signs in, finds the proposal on the to-do list, opens it from there, reads
/// what is proposed and approves it (the page asks for confirmation first).
async fn head_approves(
    c: &Client,
    base: &str,
    head: &str,
    url: &str,
    proposal: &str,
    state: &str,
) -> Step<()> {
    let path = url
        .split_once("/transfers/")
        .map(|(_, rest)| {
            format!(
                "/transfers/{}",
                rest.split(['?', '#']).next().unwrap_or(rest)
            )
        })
        .ok_or("transfer URL")?;
    switch_to(
        c,
        head,
        PASSWORD,
        None,
        &format!("{base}/"),
        "#todo-summary",
    )
    .await?;
    click(c, &format!(".todo-list a[href='{path}']")).await?;
    wait_for(c, "#step-approve").await?;
    let shown = text(c, "#pending-proposal").await?;
    ensure!(shown.contains(proposal), "proposal shown as {shown:?}");
    submit_confirmed(c, "step-approve", state).await?;
    // Approved: off the head's list.
    c.goto(&format!("{base}/"))
        .await
        .ctx("opening the to-do list")?;
    wait_for(c, "#todo-summary").await?;
    absent(c, &format!(".todo-list a[href='{path}']")).await?;
    c.goto(url).await.ctx("opening the transfer again")?;
    wait_for(c, "#transfer-timeline").await?;
    Ok(())
}

/// `today`: the date on the server's clock.
async fn flow(
    c: &Client,
    base: &str,
    police: i64,
    files: &Path,
    today: chrono::NaiveDate,
) -> Step<()> {
    let year = today.format("%Y").to_string();

    // ---- 1. the market regulation bureau registers the transfer ----
    c.goto(&format!("{base}/login"))
        .await
        .ctx("opening /login")?;
    sign_in(c, "liaison.scjg", PASSWORD).await?;
    wait_for(c, "#logout").await?;
    click(c, "nav.nav a[href='/transfers']").await?;
    wait_path(c, "/transfers").await?;
    click(c, "#new-transfer").await?;
    wait_for(c, "#transfer-form").await?;
    // Submitted empty first: the form comes back with field errors in Chinese.
    click(c, "#transfer-submit").await?;
    let err = text(c, "#transfer-form p.field-error[data-field='title']").await?;
    ensure!(err.contains("请填写案件名称"), "title error reads {err:?}");
    select_value(c, "#transfer-situation", "own_investigation").await?;
    select_value(c, "#transfer-to", &police.to_string()).await?;
    fill(c, "#transfer-title", TITLE).await?;
    fill(
        c,
        "#transfer-facts",
        "经查，该公司销售假冒注册商标的白酒120箱，货值25万余元。",
    )
    .await?;
    fill(c, "#transfer-form input[name='amount']", "256000.50").await?;
    fill(c, "#transfer-form input[name='item0_name']", "假冒白酒").await?;
    fill(c, "#transfer-form input[name='item0_quantity']", "120").await?;
    fill(c, "#transfer-form input[name='item0_unit']", "箱").await?;
    fill(
        c,
        "#transfer-form input[name='item0_storage']",
        "市场监管局罚没物品仓库",
    )
    .await?;
    click(c, "#transfer-submit").await?;
    wait_for(c, "#transfer-timeline").await?;
    let url = c
        .current_url()
        .await
        .ctx("reading the transfer URL")?
        .to_string();
    let state = text(c, "#transfer-state").await?;
    ensure!(
        state.trim() == "材料准备中",
        "new transfer in state {state:?}"
    );

    // Sending without the investigation report is refused with what is missing.
    click(c, "#step-send button[type='submit']").await?;
    let refusal = text(c, "#step-error").await?;
    ensure!(
        refusal.contains("调查报告"),
        "send refused with {refusal:?}"
    );

    // Upload the report through the file input, then send.
    let report = files.join("调查报告.pdf");
    std::fs::write(
        &report,
        b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",
    )
    .ctx("writing the report")?;
    select_value(c, "#attach-kind", "investigation_report").await?;
    let input = wait_for(c, "#attach-file").await?;
    input
        .send_keys(&report.display().to_string())
        .await
        .ctx("choosing the file")?;
    submit(c, "step-attach", "材料准备中").await?;
    let attachments = text(c, "#transfer-attachments").await?;
    ensure!(
        attachments.contains("调查报告.pdf"),
        "attachments: {attachments}"
    );
    // The handlers report it to the bureau head (国务院令第310号第五条): nothing is numbered
    // or sent until he approves.
    submit(c, "step-send", "待负责人审批").await?;
    absent(c, "#transfer-documents").await?;
    head_approves(c, base, "head.scjg", &url, "移送公安机关", "已移送待签收").await?;
    let docs = text(c, "#transfer-documents").await?;
    ensure!(
        docs.contains(&format!("信市监移〔{year}〕1号")),
        "documents: {docs}"
    );

    // ---- 2. the police sign for it and refuse ----
    switch(c, "handler.gaj", &url).await?;
    submit(c, "step-receive", "审查中").await?;
    let clocks = text(c, "#transfer-deadlines").await?;
    ensure!(clocks.contains("国务院令第310号第八条"), "clocks: {clocks}");
    fill(
        c,
        "#refuse-text",
        "现有证据不足以证明销售金额达到立案追诉标准",
    )
    .await?;
    submit_confirmed(c, "step-refuse", "待负责人审批").await?;
    head_approves(c, base, "head.gaj", &url, "决定不予立案", "不予立案").await?;

    // ---- 3. the bureau asks for reconsideration inside the window ----
    switch(c, "liaison.scjg", &url).await?;
    // A refused form keeps what was typed: a suggestion of supervision sent without naming
    // the procuratorate comes back with the reason and the long text still in it.
    let reasons = "公安机关认定的已销售金额有误：经核对销售台账和银行流水，已销售金额为6.3万元，\
        已达立案追诉标准；另有库存假冒白酒货值21万余元，请人民检察院依法开展立案监督。";
    fill(
        c,
        "#step-suggest_supervision textarea[name='text']",
        reasons,
    )
    .await?;
    submit_form(c, "step-suggest_supervision", false).await?;
    let refusal = text(c, "#step-error").await?;
    ensure!(
        refusal.contains("请选择人民检察院"),
        "refused with {refusal:?}"
    );
    let kept = prop(
        c,
        "#step-suggest_supervision textarea[name='text']",
        "value",
    )
    .await?;
    ensure!(kept == reasons, "the refused form came back with {kept:?}");
    c.goto(&url).await.ctx("reopening the transfer")?;
    wait_for(c, "#transfer-timeline").await?;
    let fresh = prop(
        c,
        "#step-suggest_supervision textarea[name='text']",
        "value",
    )
    .await?;
    ensure!(
        fresh.is_empty(),
        "a fresh page starts empty, not with {fresh:?}"
    );
    let window = text(c, "#window-closes").await?;
    ensure!(window.contains("3日内"), "window shown as {window:?}");
    fill(
        c,
        "#reconsider-text",
        "涉案白酒经鉴定为假冒，已销售金额超过5万元",
    )
    .await?;
    submit(c, "step-request_reconsideration", "复议中").await?;

    // ---- 4. the police file it on reconsideration ----
    switch(c, "handler.gaj", &url).await?;
    fill(c, "#reconsider-file-text", "经复议，决定立案侦查").await?;
    submit(c, "step-reconsider_file", "待负责人审批").await?;
    head_approves(c, base, "head.gaj", &url, "复议决定立案", "已立案").await?;
    switch(c, "handler.gaj", &url).await?;
    absent(c, "form[id^='step-']").await?;
    let timeline = text(c, "#transfer-timeline").await?;
    for want in ["登记移送公安机关", "不予立案", "提请复议", "复议决定立案"] {
        ensure!(
            timeline.contains(want),
            "timeline lacks {want:?}:\n{timeline}"
        );
    }

    // The filing notice is the last document; it opens as a PDF with its number and title.
    let links = find_all(c, "#transfer-documents a.document-link").await?;
    ensure!(links.len() == 4, "{} documents listed", links.len());
    let last = links.last().ok_or("no documents")?;
    let href = last
        .attr("href")
        .await
        .ctx("reading the link")?
        .unwrap_or_default();
    let pdf = fetch_with_session(c, &format!("{base}{href}")).await?;
    ensure!(
        pdf.status == 200,
        "filing notice download: status {}",
        pdf.status
    );
    ensure!(
        pdf.content_type == "application/pdf",
        "content type {:?}",
        pdf.content_type
    );
    let text = squeeze(&pdftotext(&pdf.body)?);
    for want in ["立案通知书", &format!("信公立〔{year}〕1号"), MSA, POLICE] {
        ensure!(text.contains(want), "filing notice lacks {want:?}:\n{text}");
    }
    Ok(())
}
