//! End-to-end test of the major-case procedure (seed 000) in a real browser: headless Chromium,
//! driven over WebDriver (chromedriver and fantoccini), against the real server listening on a
//! loopback port. One case is walked from clue to archive through the pages, signing in and out
//! as the office staff, the office director, the lead unit's liaison and the assisting unit's
//! handler. The supervision letter is downloaded with the browser's session and its PDF text
//! checked (`pdftotext`); the archived dossier is downloaded the same way and verified offline
//! with `shuangda archive verify`. Runs on SQLite and, when `SHUANGDA_TEST_DATABASE_URL` names a
//! PostgreSQL server, once more on a throw-away PostgreSQL database.
//!
//! Needs the Debian packages `chromium`, `chromium-driver` and `poppler-utils`. Without them the
//! test says so and passes, unless `SHUANGDA_REQUIRE_BROWSER=1` (set in CI), when it fails.
//!
//! On failure a screenshot of the page the browser was on is saved to the system temporary
//! directory (`shuangda-e2e-cases-<database>-failure.png`) and the chromedriver log is printed.

#[macro_use]
mod common;

use common::browser::*;

use std::io::Write;
use std::process::Command;
use std::time::{Duration, Instant};

use fantoccini::{Client, Locator};
use serde_json::json;

const PASSWORD: &str = shuangda::demo::DEMO_PASSWORD;
const LEAD: &str = "信阳市市场监督管理局";
const ASSISTING: &str = "信阳市公安局";
const TITLE: &str = "假冒“信阳毛尖”茶叶案（端到端测试）";
const ENTERPRISE: &str = "信阳某茶叶有限公司";
/// A valid unified social credit code (GB 32100) and the same with a wrong check character.
const CREDIT: &str = "91350100M000100Y43";
const CREDIT_BAD: &str = "91350100M000100Y44";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_walks_a_case_from_clue_to_archive() {
    each_db_in_browser("end-to-end case", &[CHROMEDRIVER, CHROMIUM, PDFTOTEXT], run).await;
}

/// What the flow needs to know about the demo data.
struct Ids {
    staff_user: i64,
    lead_unit: i64,
    assisting_unit: i64,
}

/// Serve `app` on a loopback port, open a browser session and walk through the flow.
async fn run(app: common::App, webdriver: String) {
    let label = format!("{:?}", app.db.dialect).to_lowercase();
    let ids = Ids {
        staff_user: app.user_id("staff").await,
        lead_unit: app.unit_id(LEAD).await,
        assisting_unit: app.unit_id(ASSISTING).await,
    };

    let (base, server) = serve_loopback(&app).await;

    let profile = tempfile::tempdir().expect("temporary browser profile");
    let client = connect(&webdriver, profile.path())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let started = Instant::now();
    let result = flow(&client, &base, &ids, app.today()).await;
    let mut report = String::new();
    if result.is_err() {
        report = failure_report(&client, &label).await;
    }
    // Ends the session, which quits Chromium.
    let _ = client.close().await;
    drop(server);
    match result {
        Ok(()) => {
            let _ = writeln!(
                std::io::stderr(),
                "browser case flow on {label} passed in {:.1} s",
                started.elapsed().as_secs_f64()
            );
        }
        Err(e) => panic!("{report}\nbrowser case flow on {label} failed: {e}"),
    }
}

/// The acceptance: one case from clue to archive through the pages, with the letter PDF
/// and the dossier checked.
/// `today`: the date on the server's clock.
async fn flow(c: &Client, base: &str, ids: &Ids, today: chrono::NaiveDate) -> Step<()> {
    let yesterday = (today - chrono::Duration::days(1)).to_string();
    let due = (today + chrono::Duration::days(10)).to_string();
    let today = today.to_string();
    let year = &today[..4];

    // ---- 1. office staff registers the clue ----
    c.goto(&format!("{base}/login"))
        .await
        .ctx("opening /login")?;
    sign_in(c, "staff", PASSWORD).await?;
    wait_for(c, "#logout").await?;
    wait_path(c, "/").await?;

    let nav = wait_for(c, "nav.nav a[href='/cases']").await?;
    let label = nav.text().await.ctx("reading the 重大案件 link")?;
    ensure!(label.trim() == "重大案件", "the cases link reads {label:?}");
    nav.click().await.ctx("clicking 重大案件")?;
    wait_path(c, "/cases").await?;
    click(c, "#new-case").await?;
    wait_for(c, "#case-form").await?;
    wait_path(c, "/cases/new").await?;

    fill(c, "#case-title", TITLE).await?;
    select_value(c, "#case-source", "leader_instruction").await?;
    fill(c, "#case-form input[name='leader_name']", "李副市长").await?;
    set_date(c, "#case-form input[name='instruction_date']", &yesterday).await?;
    fill(
        c,
        "#case-form textarea[name='instruction_text']",
        "请市双打办督促依法查处。",
    )
    .await?;
    set_date(c, "#case-received", &today).await?;
    fill(
        c,
        "#case-summary",
        "群众反映某茶叶公司在浉河区、罗山县销售假冒“信阳毛尖”地理标志产品。",
    )
    .await?;
    check(
        c,
        "#case-form input[name='right_kinds'][value='geographical_indication']",
    )
    .await?;
    check(c, "#case-form input[name='right_kinds'][value='trademark']").await?;
    fill(c, "#case-regions", "411502,411521").await?;
    fill(c, "#case-amount", "1,234,567.80").await?;
    select_value(c, "#case-form select[name='party0_kind']", "enterprise").await?;
    fill(c, "#case-form input[name='party0_name']", ENTERPRISE).await?;
    fill(c, "#case-form input[name='party0_code']", CREDIT_BAD).await?;
    click(c, "#case-submit").await?;

    // A wrong check character: the form comes back with a Chinese field error and keeps what
    // was typed.
    let err = text(c, "#case-form p.field-error").await?;
    ensure!(
        err.contains("统一社会信用代码校验位不正确"),
        "party code error not as expected: {err:?}"
    );
    let alert = text(c, "section.card > p.error-text").await?;
    ensure!(
        alert.contains("请修改标出的项目后再提交"),
        "form-level error not as expected: {alert:?}"
    );
    wait_path(c, "/cases/new").await?;
    for (css, want) in [
        ("#case-title", TITLE),
        ("#case-source", "leader_instruction"),
        ("#case-form input[name='leader_name']", "李副市长"),
        (
            "#case-form input[name='instruction_date']",
            yesterday.as_str(),
        ),
        ("#case-received", today.as_str()),
        ("#case-regions", "411502,411521"),
        ("#case-amount", "1,234,567.80"),
        ("#case-form input[name='party0_name']", ENTERPRISE),
        ("#case-form input[name='party0_code']", CREDIT_BAD),
    ] {
        let kept = prop(c, css, "value").await?;
        ensure!(kept == want, "{css} not kept: {kept:?}, typed {want:?}");
    }
    for kind in ["geographical_indication", "trademark"] {
        let css = format!("#case-form input[name='right_kinds'][value='{kind}']");
        let on = wait_for(c, &css)
            .await?
            .is_selected()
            .await
            .ctx(&format!("reading {css}"))?;
        ensure!(on, "right kind {kind} no longer ticked");
    }

    // Corrected: the case is registered and its page opens.
    fill(c, "#case-form input[name='party0_code']", CREDIT).await?;
    click(c, "#case-submit").await?;
    let case_id = wait_case_page(c).await?;
    let case_url = format!("{base}/cases/{case_id}");

    // The search box in the header finds it at once by a word inside its summary (#17), with
    // the word marked in the snippet and a link to its page.
    fill(c, "#header-search", "信阳毛尖").await?;
    click(c, "form.header-search button").await?;
    wait_for(c, "#search-hits").await?;
    wait_path(c, "/search").await?;
    let hit = wait_for(c, &format!("#search-hits a[href='/cases/{case_id}']")).await?;
    let hit_title = hit.text().await.ctx("reading the hit's title")?;
    ensure!(hit_title.contains(TITLE), "the hit reads {hit_title:?}");
    let marked = text(c, "#search-hits mark").await?;
    ensure!(marked == "信阳毛尖", "the snippet marks {marked:?}");
    hit.click().await.ctx("opening the hit")?;
    wait_path(c, &format!("/cases/{case_id}")).await?;
    let heading = text(c, "h1#case-title").await?;
    ensure!(
        heading.contains(TITLE),
        "case page heading reads {heading:?}"
    );
    let state = text(c, "#case-state").await?;
    ensure!(state.trim() == "线索", "new case is in state {state:?}");
    let mark = text(c, "#listed-mark").await?;
    ensure!(
        mark.trim() == "挂牌督办",
        "leader-instructed case marked {mark:?}"
    );
    let main = text(c, "main").await?;
    for want in [
        CREDIT,
        ENTERPRISE,
        "1,234,567.80元",
        "李副市长",
        "信阳市浉河区、信阳市罗山县",
    ] {
        ensure!(main.contains(want), "case page lacks {want:?}:\n{main}");
    }

    // ---- 2. office staff proposes supervision ----
    check(
        c,
        "#step-propose input[name='ground'][value='leader_instruction']",
    )
    .await?;
    fill(
        c,
        "#step-propose textarea[name='reason_leader_instruction']",
        "李副市长批示督促查处",
    )
    .await?;
    check(
        c,
        "#step-propose input[name='ground'][value='cross_department']",
    )
    .await?;
    fill(
        c,
        "#step-propose textarea[name='reason_cross_department']",
        "涉及浉河区、罗山县两地",
    )
    .await?;
    submit_step(c, "step-propose", "已提请督办").await?;

    // ---- 3. the director approves ----
    switch_user(c, "director", None, &case_url).await?;
    select_value(
        c,
        "#step-approve select[name='responsible_user_id']",
        &ids.staff_user.to_string(),
    )
    .await?;
    fill(c, "#step-approve textarea[name='reason']", "同意督办").await?;
    submit_step(c, "step-approve", "已决定督办").await?;

    // ---- 4. office staff names the units and issues the letter ----
    switch_user(c, "staff", None, &case_url).await?;
    let lead = wait_for(c, "#lead-select").await?;
    lead.select_by_label(LEAD)
        .await
        .ctx("choosing the lead unit")?;
    let chosen = prop(c, "#lead-select", "value").await?;
    ensure!(
        chosen == ids.lead_unit.to_string(),
        "lead select holds {chosen:?}, expected unit {}",
        ids.lead_unit
    );
    let assisting = wait_for(c, "#assisting-select").await?;
    assisting
        .select_by_label(ASSISTING)
        .await
        .ctx("choosing the assisting unit")?;
    let chosen = c
        .execute(
            "return Array.from(arguments[0].selectedOptions).map(o => o.value).join(',');",
            vec![json!(assisting)],
        )
        .await
        .ctx("reading the assisting units chosen")?;
    ensure!(
        chosen.as_str() == Some(ids.assisting_unit.to_string().as_str()),
        "assisting select holds {chosen}, expected unit {}",
        ids.assisting_unit
    );
    submit_step(c, "step-start", "已启动督办").await?;
    let lead_shown = text(c, "#lead-unit").await?;
    ensure!(
        lead_shown.trim() == LEAD,
        "lead unit shown as {lead_shown:?}"
    );
    let units = text(c, "#case-units").await?;
    ensure!(
        units.contains(&format!("主办：{LEAD}")) && units.contains(&format!("协办：{ASSISTING}")),
        "units listed: {units:?}"
    );

    fill(
        c,
        "#step-issue_letter textarea[name='text']",
        "请于每月底前报送进展。",
    )
    .await?;
    // 拟稿 → 签发: the staff's letter is a draft; it is previewed with its number blank, and
    // the director signs it from his to-do list; the number is taken at signing.
    submit_form(c, "step-issue_letter", false).await?;
    let draft_link = wait_for(c, "#record-drafts a.draft-link").await?;
    let draft_href = draft_link
        .attr("href")
        .await
        .ctx("reading the draft link")?
        .unwrap_or_default();
    absent(c, "#letter-number").await?;
    c.goto(&format!("{base}{draft_href}"))
        .await
        .ctx("opening the draft")?;
    let draft_state = text(c, "#draft-state").await?;
    ensure!(
        draft_state.trim() == "待签发",
        "draft in state {draft_state:?}"
    );
    let preview = fetch_with_session(c, &format!("{base}{draft_href}/preview.pdf")).await?;
    ensure!(
        preview.status == 200 && preview.body.starts_with(b"%PDF"),
        "preview: status {}",
        preview.status
    );
    let preview_text = squeeze(&pdftotext(&preview.body)?);
    ensure!(
        preview_text.contains(&format!("信打假办督〔{year}〕号"))
            && preview_text.contains("请于每月底前报送进展"),
        "the preview shows the letter with its number blank: {preview_text}"
    );
    switch_to(
        c,
        "director",
        PASSWORD,
        None,
        &format!("{base}/"),
        "#todo-summary",
    )
    .await?;
    click(c, &format!(".todo-list a[href='{draft_href}']")).await?;
    wait_for(c, "#draft-sign").await?;
    submit_and_wait(
        c,
        "draft-sign",
        "已签发",
        "#draft-state",
        "#draft-history",
        true,
    )
    .await?;
    let history = text(c, "#draft-history").await?;
    ensure!(
        history.contains("拟稿") && history.contains("签发（同意。）"),
        "draft history: {history}"
    );
    absent(c, "#draft-sign").await?;
    switch_user(c, "staff", None, &case_url).await?;
    let state = text(c, "#case-state").await?;
    ensure!(
        state.trim() == "督办中",
        "case in state {state:?} after signing"
    );
    let number = text(c, "#letter-number").await?;
    let number = number.trim().to_string();
    let prefix = format!("信打假办督〔{year}〕");
    let serial = number
        .strip_prefix(&prefix)
        .and_then(|n| n.strip_suffix('号'))
        .and_then(|n| n.parse::<u32>().ok());
    ensure!(
        serial.is_some_and(|n| n >= 1),
        "letter number {number:?} is not {prefix}N号"
    );
    let link = wait_for(c, ".letter-link").await?;
    let link_text = link.text().await.ctx("reading the letter link")?;
    ensure!(
        link_text.trim() == number,
        "letter link reads {link_text:?}, the case shows {number:?}"
    );
    let href = link
        .attr("href")
        .await
        .ctx("reading the letter link's href")?
        .unwrap_or_default();
    ensure!(
        href.starts_with(&format!("/cases/{case_id}/letters/")) && href.ends_with(".pdf"),
        "letter link goes to {href:?}"
    );
    // Without the session the letter is not served.
    let anonymous = http_get(&format!("{base}{href}"), None).await?;
    ensure!(
        anonymous.status != 200 && !anonymous.body.starts_with(b"%PDF"),
        "the letter was served without a session (status {})",
        anonymous.status
    );
    let pdf = fetch_with_session(c, &format!("{base}{href}")).await?;
    ensure!(pdf.status == 200, "letter download: status {}", pdf.status);
    ensure!(
        pdf.content_type == "application/pdf",
        "letter download has content type {:?}",
        pdf.content_type
    );
    ensure!(
        pdf.body.starts_with(b"%PDF"),
        "letter download is not a PDF"
    );
    let pdf_text = pdftotext(&pdf.body)?;
    let flat = squeeze(&pdf_text);
    let letter_title = format!("关于督办{TITLE}的函");
    for want in [
        number.as_str(),
        letter_title.as_str(),
        LEAD,
        ASSISTING,
        "挂牌督办",
    ] {
        ensure!(
            flat.contains(&squeeze(want)),
            "the letter's PDF text lacks {want:?}:\n{pdf_text}"
        );
    }

    // ---- 5. progress, conclusion, closure report, circulation, archive ----
    set_date(c, "#step-request_progress input[name='date']", &due).await?;
    fill(
        c,
        "#step-request_progress textarea[name='text']",
        "请报送阶段性进展",
    )
    .await?;
    submit_step(c, "step-request_progress", "督办中").await?;

    // The assisting unit reads the case and reports progress, but may not conclude it.
    switch_user(c, "handler.gaj", Some(ASSISTING), &case_url).await?;
    wait_for(c, "#step-report_progress").await?;
    absent(c, "#step-conclude").await?;
    absent(c, "#step-report_closure").await?;
    fill(
        c,
        "#step-report_progress textarea[name='text']",
        "公安机关已提前介入。",
    )
    .await?;
    submit_step(c, "step-report_progress", "督办中").await?;
    absent(c, "#step-conclude").await?;

    // The lead unit reports, concludes and sends the closure report.
    switch_user(c, "liaison.scjg", Some(LEAD), &case_url).await?;
    fill(
        c,
        "#step-report_progress textarea[name='text']",
        "已查封涉案仓库一处，扣押假冒茶叶2000斤。",
    )
    .await?;
    submit_step(c, "step-report_progress", "督办中").await?;
    let reports = text(c, "main").await?;
    ensure!(
        reports.contains("已查封涉案仓库一处") && reports.contains("公安机关已提前介入"),
        "progress reports not shown on the case page"
    );
    set_date(c, "#step-conclude input[name='date']", &today).await?;
    fill(
        c,
        "#step-conclude textarea[name='text']",
        "作出行政处罚并移送公安机关",
    )
    .await?;
    submit_step(c, "step-conclude", "已办结").await?;
    fill(
        c,
        "#step-report_closure textarea[name='text']",
        "罚没款合计50万元，移送涉嫌犯罪线索一条。",
    )
    .await?;
    submit_step(c, "step-report_closure", "已报送办结情况").await?;

    // The office drafts the circular of the result; the director approves it by signing the
    // draft (000 §9, the document chain), and it is issued.
    switch_user(c, "staff", None, &case_url).await?;
    fill(
        c,
        "#step-circulate textarea[name='text']",
        "该案查处有力，予以通报。",
    )
    .await?;
    submit_form(c, "step-circulate", false).await?;
    let circular_href = wait_for(c, "#record-drafts li:first-child a.draft-link")
        .await?
        .attr("href")
        .await
        .ctx("reading the circular's draft link")?
        .unwrap_or_default();
    switch_to(
        c,
        "director",
        PASSWORD,
        None,
        &format!("{base}{circular_href}"),
        "#draft-sign",
    )
    .await?;
    submit_and_wait(
        c,
        "draft-sign",
        "已签发",
        "#draft-state",
        "#draft-history",
        true,
    )
    .await?;
    c.goto(&case_url).await.ctx("opening the case")?;
    let state = text(c, "#case-state").await?;
    ensure!(
        state.trim() == "已通报",
        "case in state {state:?} after the circular was signed"
    );

    // Office staff archives the case as one dossier.
    switch_user(c, "staff", None, &case_url).await?;
    submit_step(c, "step-archive", "已归档").await?;
    absent(c, "form[id^='step-']").await?;
    let dossier = wait_for(c, "#dossier-link").await?;
    let href = dossier
        .attr("href")
        .await
        .ctx("reading the dossier link's href")?
        .unwrap_or_default();
    ensure!(
        href == format!("/cases/{case_id}/dossier.zip"),
        "dossier link goes to {href:?}"
    );
    let zip = fetch_with_session(c, &format!("{base}{href}")).await?;
    ensure!(zip.status == 200, "dossier download: status {}", zip.status);
    ensure!(
        zip.content_type == "application/zip",
        "dossier download has content type {:?}",
        zip.content_type
    );
    verify_dossier(&zip.body)?;

    // ---- 6. the timeline, and the assisting unit's view of the archived case ----
    let timeline = text(c, "#case-timeline").await?;
    let entries = find_all(c, "#case-timeline li").await?.len();
    ensure!(entries >= 12, "timeline has {entries} entries:\n{timeline}");
    let started_with = format!("主办：{LEAD}；协办：{ASSISTING}");
    let letter_sent = format!("发出督办公函{number}");
    let requested = format!(
        "函请主办单位于{}前反馈进展",
        shuangda::calendar::date_zh(&due)
    );
    let concluded = format!("{}办结", shuangda::calendar::date_zh(today));
    for want in [
        "登记线索",
        "提请督办",
        "批准督办",
        started_with.as_str(),
        letter_sent.as_str(),
        requested.as_str(),
        "信阳市公安局报送阶段性进展",
        "信阳市市场监督管理局报送阶段性进展",
        concluded.as_str(),
        "信阳市市场监督管理局报送办结情况",
        "内部报批后发出通报",
        "单独立卷归档",
    ] {
        ensure!(
            timeline.contains(want),
            "timeline lacks {want:?}:\n{timeline}"
        );
    }

    switch_user(c, "handler.gaj", Some(ASSISTING), &case_url).await?;
    let state = text(c, "#case-state").await?;
    ensure!(
        state.trim() == "已归档",
        "assisting unit sees state {state:?}"
    );
    let heading = text(c, "h1#case-title").await?;
    ensure!(
        heading.contains(TITLE),
        "assisting unit sees heading {heading:?}"
    );
    wait_for(c, "#case-timeline").await?;
    absent(c, "#step-conclude").await?;
    absent(c, "form[id^='step-']").await?;
    Ok(())
}

// ---- case-page helpers ----

/// Wait until the browser is on a case page (`/cases/{id}`) and return the id.
async fn wait_case_page(c: &Client) -> Step<i64> {
    let deadline = Instant::now() + TIMEOUT;
    loop {
        let path = current_path(c).await?;
        if let Some(id) = path
            .strip_prefix("/cases/")
            .and_then(|id| id.parse::<i64>().ok())
        {
            wait_for(c, "h1#case-title").await?;
            return Ok(id);
        }
        if Instant::now() > deadline {
            let errors = match c.find_all(Locator::Css("p.field-error")).await {
                Ok(found) => {
                    let mut out = Vec::new();
                    for e in found {
                        out.push(e.text().await.unwrap_or_default());
                    }
                    out.join("；")
                }
                Err(_) => String::new(),
            };
            return Err(format!(
                "expected a case page, browser is at {path} (field errors: {errors})"
            ));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Submit a step's form and wait until the case shows `state` with a new timeline entry.
async fn submit_step(c: &Client, form: &str, state: &str) -> Step<()> {
    submit_and_wait(c, form, state, "#case-state", "#case-timeline", false).await
}

/// Sign out, sign in as `username` (checking the unit shown, if given) and open `case_url`.
async fn switch_user(c: &Client, username: &str, unit: Option<&str>, case_url: &str) -> Step<()> {
    switch_to(c, username, PASSWORD, unit, case_url, "#case-timeline").await
}

/// Write the dossier to a file and verify it with the built binary.
fn verify_dossier(zip: &[u8]) -> Step<()> {
    let dir = tempfile::tempdir().ctx("temporary directory")?;
    let path = dir.path().join("dossier.zip");
    std::fs::write(&path, zip).ctx("saving the dossier")?;
    let out = Command::new(env!("CARGO_BIN_EXE_shuangda"))
        .args(["archive", "verify"])
        .arg(&path)
        .output()
        .ctx("running shuangda archive verify")?;
    let said = String::from_utf8_lossy(&out.stdout);
    ensure!(
        out.status.code() == Some(0),
        "archive verify exited with {}: {said}{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    ensure!(said.contains("校验通过"), "archive verify said: {said}");
    Ok(())
}
