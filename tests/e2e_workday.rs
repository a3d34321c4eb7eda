//! One working day through the to-do centre only, role by role, in a real browser (issue
//! #19): each person signs in, finds what waits for them on the home page, opens it from there,
//! does it, and sees it leave their list — exactly when it is done.
//!
//! * The office director finds the proposal to supervise a case (000 §3) and approves it.
//! * The office staff member named responsible finds the 000 §4 clock (naming the lead and
//!   assisting units, 10 working days) with its due date, and names them.
//! * The bureau head finds the handlers' report of a transfer (国务院令第310号第五条) and
//!   approves it; the police find the transfer to sign for and, once signed, their 3-day review
//!   (国务院令第310号第八条) is still on their list.
//!
//! The work before each person's turn is set up through the operations themselves. Runs on
//! SQLite and, when `SHUANGDA_TEST_DATABASE_URL` is set, on a throw-away PostgreSQL database.
//! Needs `chromium` and `chromium-driver`; without them the test says so and passes, unless
//! `SHUANGDA_REQUIRE_BROWSER=1` (set in CI), when it fails.

#[macro_use]
mod common;

use common::browser::*;

use axum::http::{Method, StatusCode};
use fantoccini::Client;
use serde_json::json;

const PASSWORD: &str = shuangda::demo::DEMO_PASSWORD;
const MSA: &str = "信阳市市场监督管理局";
const POLICE: &str = "信阳市公安局";
const CASE: &str = "某公司制售假冒农资案（工作日测试）";
const TRANSFER: &str = "某超市销售假冒白酒案（工作日测试）";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_role_works_its_day_from_the_to_do_centre() {
    each_db_in_browser("working-day", &[CHROMEDRIVER, CHROMIUM], run).await;
}

async fn run(app: common::App, webdriver: String) {
    let label = format!("{:?}", app.db.dialect).to_lowercase();
    let (base, server) = serve_loopback(&app).await;
    let profile = tempfile::tempdir().expect("temporary browser profile");
    let client = connect(&webdriver, profile.path())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let result = day(&client, &base, &app).await;
    let report = if result.is_err() {
        failure_report(&client, &format!("workday-{label}")).await
    } else {
        String::new()
    };
    let _ = client.close().await;
    drop(server);
    if let Err(e) = result {
        panic!("{report}\nbrowser working day on {label} failed: {e}");
    }
}

/// Sign in as `username` and open the home page (the to-do centre).
async fn home(c: &Client, base: &str, username: &str, first: bool) -> Step<()> {
    if first {
        c.goto(&format!("{base}/login"))
            .await
            .ctx("opening the sign-in page")?;
        sign_in(c, username, PASSWORD).await?;
        wait_for(c, "#todo-summary").await?;
        Ok(())
    } else {
        switch_to(
            c,
            username,
            PASSWORD,
            None,
            &format!("{base}/"),
            "#todo-summary",
        )
        .await
    }
}

/// The to-do items on the home page that mention `words`: (text, link).
async fn todos(c: &Client, words: &str) -> Step<Vec<(String, String)>> {
    let mut out = Vec::new();
    for li in find_all(c, ".todo-list li").await? {
        let text = li.text().await.ctx("reading a to-do")?;
        if text.contains(words) {
            let href = match li.find(fantoccini::Locator::Css("a")).await {
                Ok(a) => a
                    .attr("href")
                    .await
                    .ctx("reading a link")?
                    .unwrap_or_default(),
                Err(_) => String::new(),
            };
            out.push((text, href));
        }
    }
    Ok(out)
}

/// Open the one to-do that mentions `words` from the home page.
async fn open(c: &Client, base: &str, words: &str) -> Step<String> {
    let found = todos(c, words).await?;
    ensure!(
        found.len() == 1,
        "one to-do with {words:?}, found {found:?}"
    );
    let (text, href) = found[0].clone();
    c.goto(&format!("{base}{href}"))
        .await
        .ctx(&format!("opening {href}"))?;
    Ok(text)
}

/// Back on the home page, nothing that mentions `words` is left.
async fn gone(c: &Client, base: &str, words: &str) -> Step<()> {
    c.goto(&format!("{base}/"))
        .await
        .ctx("opening the home page")?;
    wait_for(c, "#todo-summary").await?;
    let left = todos(c, words).await?;
    ensure!(
        left.is_empty(),
        "still on the list after it was done: {left:?}"
    );
    Ok(())
}

async fn actor(
    app: &common::App,
    username: &str,
) -> (shuangda::access::Actor, shuangda::audit::Who) {
    let (actor, _) = shuangda::users::store::load_actor(&app.db, app.user_id(username).await)
        .await
        .expect("actor")
        .expect("demo account");
    let who = shuangda::audit::Who::actor(&actor, None, None, app.now());
    (actor, who)
}

async fn day(c: &Client, base: &str, app: &common::App) -> Step<()> {
    // ---- the office staff registered a clue and proposed it (000 §3) ----
    let (s, v) = common::call(app, "staff", Method::POST, "/api/v1/cases", Some(json!({
        "title": CASE, "summary": "群众举报某公司制售假冒农资。", "source": "public_report",
        "received_on": app.today().to_string(), "reporter": "13800138000",
        "right_kinds": ["trademark"], "regions": ["411502"],
        "parties": [{"kind": "enterprise", "name": "某农资有限公司", "code": "91350100M000100Y43"}]
    })))
    .await;
    ensure!(s == StatusCode::CREATED, "registering the clue: {v}");
    let case = v["id"].as_i64().ok_or("case id")?;
    let (s, v) = common::call(
        app,
        "staff",
        Method::POST,
        &format!("/api/v1/cases/{case}/steps"),
        Some(json!({
            "step": "propose", "grounds": [["cross_department", "涉及农业农村、市场监管两个部门"]]
        })),
    )
    .await;
    ensure!(s == StatusCode::NO_CONTENT, "proposing: {v}");

    // ---- the director: the proposal waits for him; he approves it from the list ----
    home(c, base, "director", true).await?;
    open(c, base, &format!("审批督办提请：{CASE}")).await?;
    select_value(
        c,
        "#step-approve select[name='responsible_user_id']",
        &app.user_id("staff").await.to_string(),
    )
    .await?;
    fill(c, "#step-approve textarea[name='reason']", "同意督办").await?;
    submit_and_wait(
        c,
        "step-approve",
        "已决定督办",
        "#case-state",
        "#case-timeline",
        false,
    )
    .await?;
    gone(c, base, CASE).await?;

    // ---- the staff member responsible: his 000 §4 clock, with its due date ----
    home(c, base, "staff", false).await?;
    let due: String = sqlx::query_scalar(
        "SELECT due_date FROM deadlines WHERE record_type = 'case' AND record_id = $1 AND clause = '000 §4'",
    )
    .bind(case)
    .fetch_one(&app.db.pool)
    .await
    .ctx("the 000 §4 clock")?;
    let due_zh = shuangda::calendar::format_date_zh(
        chrono::NaiveDate::parse_from_str(&due, "%Y-%m-%d").ctx("due date")?,
    );
    let item = open(c, base, &format!("明确主办、协办单位：{CASE}")).await?;
    ensure!(
        item.contains(&due_zh),
        "the §4 clock shows its due date {due_zh}: {item:?}"
    );
    let lead = wait_for(c, "#lead-select").await?;
    lead.select_by_label(MSA)
        .await
        .ctx("choosing the lead unit")?;
    submit_and_wait(
        c,
        "step-start",
        "已启动督办",
        "#case-state",
        "#case-timeline",
        false,
    )
    .await?;
    gone(c, base, CASE).await?;

    // ---- the bureau's handlers reported a transfer; the bureau head approves it ----
    let (liaison, liaison_who) = actor(app, "liaison.scjg").await;
    let input = shuangda::linkage::model::TransferInput {
        situation: "own_investigation".into(),
        title: TRANSFER.into(),
        facts: "经查，某超市销售假冒注册商标白酒60箱，货值12万余元。".into(),
        suspects: "某超市有限公司".into(),
        to_unit_id: app.unit_id(POLICE).await.to_string(),
        items: vec![shuangda::linkage::model::ItemInput {
            name: "假冒白酒".into(),
            quantity: "60".into(),
            unit: "箱".into(),
            storage: "市场监管局罚没物品仓库".into(),
        }],
        ..Default::default()
    };
    let cal = app.state.calendar();
    let transfer = shuangda::linkage::steps::create(
        &app.db,
        &cal,
        &liaison,
        &liaison_who,
        shuangda::linkage::flow::Direction::ToPolice,
        &input,
    )
    .await
    .map_err(|e| format!("registering the transfer: {e}"))?;
    shuangda::linkage::steps::attach(
        &app.db,
        &liaison,
        &liaison_who,
        transfer,
        "investigation_report",
        "调查报告.pdf",
        b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".to_vec(),
        "",
        None,
    )
    .await
    .map_err(|e| format!("attaching the report: {e}"))?;
    let periods = app.state.config.linkage_periods();
    shuangda::linkage::steps::send(&app.state, periods, &liaison, &liaison_who, transfer)
        .await
        .map_err(|e| format!("reporting the transfer: {e}"))?;

    home(c, base, "head.scjg", false).await?;
    open(c, base, "提请审批：移送公安机关").await?;
    submit_and_wait(
        c,
        "step-approve",
        "已移送待签收",
        "#transfer-state",
        "#transfer-timeline",
        true,
    )
    .await?;
    gone(c, base, "提请审批").await?;

    // ---- the police: sign for it from the list; the 3-day review stays until they decide ----
    home(c, base, "handler.gaj", false).await?;
    open(c, base, "请签收").await?;
    submit_and_wait(
        c,
        "step-receive",
        "审查中",
        "#transfer-state",
        "#transfer-timeline",
        false,
    )
    .await?;
    gone(c, base, "请签收").await?;
    let three = app
        .state
        .calendar()
        .due_date(app.today(), shuangda::calendar::Period::Days(3))
        .map_err(|e| format!("due date: {e}"))?;
    let review = todos(c, "审查移送案件并作出是否立案的决定").await?;
    ensure!(
        review.len() == 1
            && review[0]
                .0
                .contains(&shuangda::calendar::format_date_zh(three)),
        "the 3-day review from the day it was sent, still on the list after signing: {review:?}"
    );
    Ok(())
}
