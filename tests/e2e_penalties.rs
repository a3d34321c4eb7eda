//! End-to-end test of the public lookup of penalty decisions (issue #15; 国发〔2014〕6号; SAMR
//! Order 45) in a real browser: headless Chromium over WebDriver against the real server, with
//! the public site on a listener of its own. The market regulation bureau records three
//! decisions against one company through the API, with personal data in the facts; two are
//! reviewed and approved, the third stays pending. A member of the public searches by the
//! credit code and sees the two published ones only, opens one and reads the number, organ,
//! party and credit code with the personal data masked; mistypes the credit code and is told
//! so against the field; downloads the results as a workbook. The bureau revokes and takes
//! down one decision: its page then says "已撤下" and nothing else of it, and the search no
//! longer finds it. The pending decision's page answers 404. Each public page is checked for
//! labels, announced errors, contrast (WCAG 2.1 AA, 4.5:1), third-party resources, language,
//! skip link and viewport. Runs on SQLite and, when `SHUANGDA_TEST_DATABASE_URL` names a
//! PostgreSQL server, on PostgreSQL too.
//!
//! Needs `chromium` and `chromium-driver`; without them the test says so and passes, unless
//! `SHUANGDA_REQUIRE_BROWSER=1` (set in CI), when it fails. On failure a screenshot is saved
//! to the system temporary directory (`shuangda-e2e-penalties-<database>-failure.png`).

#[macro_use]
mod common;

use common::browser::*;

use std::io::Write;
use std::time::Instant;

use axum::http::{Method, StatusCode};
use fantoccini::Client;
use serde_json::{Value, json};

const MSA: &str = "信阳市市场监督管理局";
const PARTY: &str = "信阳市某商贸有限公司";
const CREDIT_CODE: &str = "91411500MA4000001P";
/// The same code with a wrong check character.
const BAD_CREDIT_CODE: &str = "91411500MA4000001X";
/// The personal data in the facts, none of which may reach a public page.
const RESIDENT_ID: &str = "411502198001011234";
const MOBILE: &str = "13912345678";
const OTHER_PERSON: &str = "王小明";
const BANK_ACCOUNT: &str = "6222021234567890123";
/// What the redaction puts in their place.
const MASKS: [&str; 4] = [
    "［身份证号码已隐去］",
    "［联系电话已隐去］",
    "［自然人姓名已隐去］",
    "［银行账号已隐去］",
];
const NUMBERS: [&str; 3] = [
    "信市监处罚〔2026〕41号",
    "信市监处罚〔2026〕42号",
    "信市监处罚〔2026〕43号",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_looks_up_published_penalties_redacted_then_taken_down() {
    each_db_in_browser("end-to-end penalty lookup", &[CHROMEDRIVER, CHROMIUM], run).await;
}

/// Serve the platform and the public site on two loopback ports; the server stops when the
/// handle is dropped.
async fn serve_both(app: &common::App) -> (String, String, AbortOnDrop) {
    let bind = || async {
        tokio::net::TcpListener::bind((std::net::Ipv4Addr::LOCALHOST, 0))
            .await
            .expect("bind a loopback port")
    };
    let (main, public) = (bind().await, bind().await);
    let urls = (
        format!("http://{}", main.local_addr().expect("address")),
        format!("http://{}", public.local_addr().expect("address")),
    );
    let server = AbortOnDrop(tokio::spawn(shuangda::server::serve_with_public(
        app.state.clone(),
        main,
        Some(public),
    )));
    (urls.0, urls.1, server)
}

async fn run(app: common::App, webdriver: String) {
    let label = format!("{:?}", app.db.dialect).to_lowercase();
    let (_base, public, server) = serve_both(&app).await;
    let profile = tempfile::tempdir().expect("temporary browser profile");
    let client = connect(&webdriver, profile.path())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let started = Instant::now();
    let result = flow(&client, &app, &public).await;
    let mut report = String::new();
    if result.is_err() {
        report = failure_report(&client, &format!("penalties-{label}")).await;
    }
    let _ = client.close().await;
    drop(server);
    match result {
        Ok(()) => {
            let _ = writeln!(
                std::io::stderr(),
                "browser penalty lookup flow on {label} passed in {:.1} s",
                started.elapsed().as_secs_f64()
            );
        }
        Err(e) => panic!("{report}\nbrowser penalty lookup flow on {label} failed: {e}"),
    }
}

async fn goto(c: &Client, url: &str, ready: &str) -> Step<()> {
    c.goto(url).await.ctx(&format!("opening {url}"))?;
    wait_for(c, ready).await?;
    Ok(())
}

/// A decision of the bureau against the company, with a resident ID, a mobile number, a bank
/// account and another person's name in its facts.
fn decision(number: &str, decided_on: &str, boxes: u32) -> Value {
    json!({
        "number": number,
        "party_kind": "enterprise",
        "party_name": PARTY,
        "party_code": CREDIT_CODE,
        "legal_representative": "李某某",
        "party_address": "信阳市浉河区某路1号",
        "facts": format!(
            "当事人销售假冒注册商标的白酒{boxes}箱，经营者{OTHER_PERSON}（身份证号码{RESIDENT_ID}，\
             电话{MOBILE}）供述货款汇入账号{BANK_ACCOUNT}。"
        ),
        "provisions": "《中华人民共和国商标法》第五十七条第（三）项",
        "kinds": ["fine", "confiscate_goods"],
        "fine": "50000",
        "penalty": format!("没收假冒白酒{boxes}箱，罚款50000元"),
        "basis": "《中华人民共和国商标法》第六十条第二款",
        "procedure": "general",
        "decided_on": decided_on,
        "other_persons": [OTHER_PERSON],
        "trade_secrets": []
    })
}

/// An API call as the demo account `who` that must answer `want`.
async fn api(
    app: &common::App,
    who: &str,
    method: Method,
    path: &str,
    body: Value,
    want: StatusCode,
) -> Step<Value> {
    let (s, v) = common::call(app, who, method, path, Some(body.clone())).await;
    ensure!(s == want, "{who} {path} {body}: {s} {v}");
    Ok(v)
}

async fn step(app: &common::App, who: &str, id: i64, body: Value) -> Step<()> {
    let path = format!("/api/v1/penalties/{id}/steps");
    api(app, who, Method::POST, &path, body, StatusCode::NO_CONTENT).await?;
    Ok(())
}

/// The whole page's visible text and its source.
async fn page_text(c: &Client) -> Step<(String, String)> {
    let body = text(c, "body").await?;
    let source = c.source().await.ctx("reading the page source")?;
    Ok((body, source))
}

/// The published decisions' links in the results table, as ids.
async fn result_ids(c: &Client) -> Step<Vec<i64>> {
    let mut ids = Vec::new();
    for a in find_all(c, "#penalty-results tbody a").await? {
        let href = a
            .attr("href")
            .await
            .ctx("reading a result's link")?
            .unwrap_or_default();
        let id = href
            .strip_prefix("/public/penalties/")
            .and_then(|s| s.parse::<i64>().ok())
            .ok_or_else(|| format!("a result links to {href:?}"))?;
        ids.push(id);
    }
    ids.sort();
    Ok(ids)
}

/// Search by credit code through the form on the page.
async fn search_by_code(c: &Client, public: &str, code: &str) -> Step<()> {
    goto(c, &format!("{public}/public/penalties"), "#penalty-search").await?;
    fill(c, "#credit_code", code).await?;
    submit_form(c, "penalty-search", false).await?;
    wait_for(c, "#penalty-search").await?;
    let url = c.current_url().await.ctx("reading the URL")?;
    ensure!(
        url.path() == "/public/penalties"
            && url
                .query_pairs()
                .any(|(k, v)| k == "credit_code" && v == code),
        "the search went to {url}"
    );
    Ok(())
}

/// The cells of the first sheet of the workbook at `url`, fetched as the browser would.
async fn workbook_cells(url: &str) -> Step<Vec<String>> {
    let r = http_get(url, None).await?;
    ensure!(r.status == 200, "{url}: {}", r.status);
    ensure!(
        r.content_type == shuangda::web::files::XLSX_MIME,
        "{url} answered {:?}",
        r.content_type
    );
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(r.body)).ctx("opening the xlsx")?;
    let sheet = calamine::Reader::worksheet_range_at(&mut book, 0)
        .ok_or("the workbook has no sheet")?
        .ctx("reading the sheet")?;
    Ok(sheet
        .rows()
        .flat_map(|r| r.iter().map(|c| c.to_string()))
        .collect())
}

async fn flow(c: &Client, app: &common::App, public: &str) -> Step<()> {
    let decided = (app.today() - chrono::Duration::days(3)).to_string();

    // ---- 1. the bureau records three decisions; two are reviewed and approved ----
    let mut ids = Vec::new();
    for (i, number) in NUMBERS.iter().enumerate() {
        let v = api(
            app,
            "liaison.scjg",
            Method::POST,
            "/api/v1/penalties",
            decision(number, &decided, 120 + i as u32),
            StatusCode::CREATED,
        )
        .await?;
        ids.push(v["id"].as_i64().ok_or(format!("no id in {v}"))?);
    }
    let (first, second, pending) = (ids[0], ids[1], ids[2]);
    for id in [first, second] {
        step(app, "liaison.scjg", id, json!({"step": "review"})).await?;
        step(app, "head.scjg", id, json!({"step": "approve"})).await?;
    }
    let path = format!("/api/v1/penalties/{pending}");
    let (s, d) = common::call(app, "liaison.scjg", Method::GET, &path, None).await;
    ensure!(
        s == StatusCode::OK && d["state"] == "pending",
        "the third decision is {s} {d}"
    );

    // ---- 2. the public searches by the credit code: the two published, not the pending ----
    goto(c, &format!("{public}/public/penalties"), "#penalty-search").await?;
    audit(c, "the search page").await?;
    search_by_code(c, public, CREDIT_CODE).await?;
    wait_for(c, "#penalty-results").await?;
    audit(c, "the search results").await?;
    let found = result_ids(c).await?;
    ensure!(
        found == vec![first, second],
        "results {found:?}, published {first} and {second}, pending {pending}"
    );
    let table = text(c, "#penalty-results").await?;
    ensure!(
        table.contains(NUMBERS[0])
            && table.contains(NUMBERS[1])
            && !table.contains(NUMBERS[2])
            && table.contains(PARTY)
            && table.contains(CREDIT_CODE)
            && table.contains(MSA),
        "the results read {table:?}"
    );
    absent(c, "#penalty-results .field-error").await?;

    // ---- 7. (with these results) the download is a workbook of the same rows ----
    let href = prop(c, "#penalty-download", "href").await?;
    ensure!(
        href.starts_with(&format!("{public}/public/penalties.xlsx?"))
            && href.contains(&format!("credit_code={CREDIT_CODE}")),
        "the download link is {href:?}"
    );
    let cells = workbook_cells(&href).await?;
    for (number, want) in NUMBERS.iter().zip([true, true, false]) {
        ensure!(
            cells.iter().any(|c| c == number) == want,
            "{number} in the workbook: expected {want}; cells {cells:?}"
        );
    }
    ensure!(
        cells.iter().any(|c| c == CREDIT_CODE),
        "no credit code in the workbook: {cells:?}"
    );

    // ---- 2. one publication: the public fields whole, the personal data masked ----
    click(
        c,
        &format!("#penalty-results a[href='/public/penalties/{first}']"),
    )
    .await?;
    wait_for(c, "#penalty-publication").await?;
    ensure!(
        current_path(c).await? == format!("/public/penalties/{first}"),
        "the link led to {}",
        current_path(c).await?
    );
    audit(c, "the publication").await?;
    for (field, want) in [
        ("decision_number", NUMBERS[0]),
        ("organ", MSA),
        ("party_name", PARTY),
        ("credit_code", CREDIT_CODE),
    ] {
        let shown = text(c, &format!("#penalty-publication dd[data-field='{field}']")).await?;
        ensure!(
            shown.trim() == want,
            "{field} reads {shown:?}, expected {want:?}"
        );
    }
    let facts = text(c, "#penalty-publication dd[data-field='facts']").await?;
    for mask in MASKS {
        ensure!(facts.contains(mask), "no {mask} in the facts: {facts:?}");
    }
    let (body, source) = page_text(c).await?;
    for hidden in [RESIDENT_ID, MOBILE, OTHER_PERSON, BANK_ACCOUNT] {
        ensure!(
            !body.contains(hidden) && !source.contains(hidden),
            "{hidden} is on the public page: {body}"
        );
    }
    absent(c, "#penalty-taken-down").await?;

    // ---- 3. a malformed credit code: said against the field, announced, the input kept ----
    search_by_code(c, public, BAD_CREDIT_CODE).await?;
    let err = wait_for(c, "p.field-error[data-field='credit_code']").await?;
    let message = err.text().await.ctx("reading the field error")?;
    ensure!(
        message.contains("统一社会信用代码"),
        "the field error reads {message:?}"
    );
    ensure!(
        err.attr("id").await.ctx("reading its id")?.as_deref() == Some("credit_code-error"),
        "the field error has no id credit_code-error"
    );
    let next_to: bool = serde_json::from_value(
        c.execute(
            "const i = document.getElementById('credit_code'); \
             return !!i && !!i.nextElementSibling && i.nextElementSibling.id === 'credit_code-error';",
            vec![],
        )
        .await
        .ctx("locating the field error")?,
    )
    .ctx("reading where the error is")?;
    ensure!(next_to, "the field error is not next to #credit_code");
    ensure!(
        prop(c, "#credit_code", "ariaInvalid").await? == "true",
        "#credit_code is not aria-invalid"
    );
    let described = wait_for(c, "#credit_code")
        .await?
        .attr("aria-describedby")
        .await
        .ctx("reading aria-describedby")?;
    ensure!(
        described.as_deref() == Some("credit_code-error"),
        "#credit_code is described by {described:?}"
    );
    let alerts = find_all(c, "#penalty-search [role='alert']").await?;
    ensure!(alerts.len() == 1, "{} alerts in the form", alerts.len());
    let summary = alerts[0].text().await.ctx("reading the alert")?;
    ensure!(!summary.trim().is_empty(), "the alert is empty");
    ensure!(
        prop(c, "#credit_code", "value").await? == BAD_CREDIT_CODE,
        "what was typed is not kept"
    );
    absent(c, "#penalty-results").await?;
    absent(c, "#penalty-download").await?;
    audit(c, "the search with an error").await?;

    // ---- 4. the first decision is revoked and taken down: "已撤下", nothing of it ----
    let page = format!("{public}/public/penalties/{first}");
    goto(c, &page, "#penalty-publication").await?;
    step(
        app,
        "head.scjg",
        first,
        json!({"step": "revoke", "decision_state": "revoked", "text": "经行政复议撤销"}),
    )
    .await?;
    step(
        app,
        "liaison.scjg",
        first,
        json!({"step": "take_down", "text": "处罚决定已被撤销，撤下公示"}),
    )
    .await?;
    c.refresh().await.ctx("reloading the publication")?;
    ensure!(
        current_path(c).await? == format!("/public/penalties/{first}"),
        "reloaded at {}",
        current_path(c).await?
    );
    let notice = text(c, "#penalty-taken-down").await?;
    ensure!(notice.trim() == "已撤下", "the notice reads {notice:?}");
    absent(c, "#penalty-publication").await?;
    let (body, source) = page_text(c).await?;
    for gone in [NUMBERS[0], PARTY, CREDIT_CODE, "商标法", "50000", MASKS[0]] {
        ensure!(
            !body.contains(gone) && !source.contains(gone),
            "{gone} is still on the taken-down page: {body}"
        );
    }
    audit(c, "the taken-down page").await?;
    search_by_code(c, public, CREDIT_CODE).await?;
    wait_for(c, "#penalty-results").await?;
    let found = result_ids(c).await?;
    ensure!(
        found == vec![second],
        "after the take-down the results are {found:?}, expected only {second}"
    );
    let href = prop(c, "#penalty-download", "href").await?;
    let cells = workbook_cells(&href).await?;
    ensure!(
        !cells.iter().any(|c| c == NUMBERS[0]) && cells.iter().any(|c| c == NUMBERS[1]),
        "after the take-down the workbook holds {cells:?}"
    );

    // ---- 5. the pending decision was never published: 404 ----
    let url = format!("{public}/public/penalties/{pending}");
    goto(c, &url, "h1").await?;
    let heading = text(c, "h1").await?;
    ensure!(
        heading.contains("404"),
        "the pending decision's page: {heading:?}"
    );
    let (body, source) = page_text(c).await?;
    for secret in [NUMBERS[2], PARTY, CREDIT_CODE] {
        ensure!(
            !body.contains(secret) && !source.contains(secret),
            "{secret} on the page of a decision never published: {body}"
        );
    }
    absent(c, "#penalty-publication").await?;
    absent(c, "#penalty-taken-down").await?;
    audit(c, "the not-found page").await?;
    let r = http_get(&url, None).await?;
    ensure!(r.status == 404, "{url} answered {}", r.status);
    Ok(())
}
