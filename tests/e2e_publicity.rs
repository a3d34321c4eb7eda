//! Publicity in a real browser (issue #22: "run on both databases, with a browser walk"): the
//! market-regulation liaison records a joint training with the police through the form, the
//! police see it as their own; a typical case written up from a concluded case, signed and
//! published is read on the public site, its person's phone and name nowhere on the page; each
//! page passes the accessibility audit. Runs on SQLite and, when `SHUANGDA_TEST_DATABASE_URL`
//! is set, on PostgreSQL. Needs `chromium` and `chromium-driver` (required in CI).

#[macro_use]
mod common;

use common::browser::*;

use axum::http::{Method, StatusCode};
use chrono::Duration;
use fantoccini::{Client, Locator};
use serde_json::{Value, json};

const PASSWORD: &str = shuangda::demo::DEMO_PASSWORD;
const MSA: &str = "信阳市市场监督管理局";
const POLICE: &str = "信阳市公安局";
const TITLE: &str = "商标侵权案件查办实务联合培训班";
const CASE: &str = "某茶叶有限公司销售假冒信阳毛尖案";
const PERSON: &str = "张晓明";
const PHONE: &str = "13912345678";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_joint_training_and_a_published_typical_case_in_the_browser() {
    each_db_in_browser("publicity", &[CHROMEDRIVER, CHROMIUM], run).await;
}

async fn ok(app: &common::App, who: &str, path: &str, body: Value) -> Value {
    let (s, v) = common::call(app, who, Method::POST, path, Some(body.clone())).await;
    assert!(s.is_success(), "{who} {path} {body}: {s} {v}");
    v
}

/// A major case concluded by the bureau, naming a person with a phone, written up as a typical
/// case, signed by the director and published; its id.
async fn published_typical_case(app: &common::App) -> i64 {
    let case = ok(app, "staff", "/api/v1/cases", json!({
        "title": CASE,
        "summary": format!("群众举报{PERSON}（联系电话：{PHONE}）在某茶叶有限公司销售假冒“信阳毛尖”地理标志产品。"),
        "source": "public_report",
        "received_on": (app.today() - Duration::days(1)).to_string(),
        "reporter": "13800138000",
        "right_kinds": ["geographical_indication"],
        "regions": ["411502"],
        "parties": [
            {"kind": "enterprise", "name": "某茶叶有限公司", "code": "91350100M000100Y43"},
            {"kind": "person", "name": PERSON, "code": "11010519491231002X"},
        ],
    }))
    .await["id"]
    .as_i64()
    .expect("case");
    let steps = format!("/api/v1/cases/{case}/steps");
    ok(
        app,
        "staff",
        &steps,
        json!({"step": "propose", "grounds": [["cross_department", "涉及多个部门"]]}),
    )
    .await;
    let staff = app.user_id("staff").await.to_string();
    ok(
        app,
        "director",
        &steps,
        json!({"step": "approve", "reason": "同意督办", "responsible_user_id": staff}),
    )
    .await;
    let (lead, police) = (
        app.unit_id(MSA).await.to_string(),
        app.unit_id(POLICE).await.to_string(),
    );
    ok(
        app,
        "staff",
        &steps,
        json!({"step": "start", "lead_unit_id": lead, "assisting": [police]}),
    )
    .await;
    ok(
        app,
        "staff",
        &steps,
        json!({"step": "issue_letter", "text": "请按期报送进展。"}),
    )
    .await;
    common::sign_letter(app, case).await;
    ok(app, "liaison.scjg", &steps, json!({"step": "conclude", "date": app.today().to_string(),
        "text": format!("对某茶叶有限公司作出罚款5万元的行政处罚，{PERSON}（电话：{PHONE}）涉嫌犯罪部分另案处理")})).await;
    let (s, draft) = common::call(
        app,
        "staff",
        Method::GET,
        &format!("/api/v1/typical-cases/source?source_kind=case&source_id={case}"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{draft}");
    let id = ok(app, "staff", "/api/v1/typical-cases", draft).await["id"]
        .as_i64()
        .expect("typical case");
    let (s, v) = common::draft_act(app, "director", "typical_case", id, "sign", "同意印发。").await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
    ok(
        app,
        "staff",
        &format!("/api/v1/typical-cases/{id}/steps"),
        json!({"step": "publish"}),
    )
    .await;
    id
}

async fn run(app: common::App, webdriver: String) {
    let label = format!("{:?}", app.db.dialect).to_lowercase();
    let id = published_typical_case(&app).await;
    let bind = || async {
        tokio::net::TcpListener::bind((std::net::Ipv4Addr::LOCALHOST, 0))
            .await
            .expect("bind a loopback port")
    };
    let (main, public) = (bind().await, bind().await);
    let base = format!("http://{}", main.local_addr().expect("address"));
    let site = format!("http://{}", public.local_addr().expect("address"));
    let server = AbortOnDrop(tokio::spawn(shuangda::server::serve_with_public(
        app.state.clone(),
        main,
        Some(public),
    )));
    let profile = tempfile::tempdir().expect("temporary browser profile");
    let client = connect(&webdriver, profile.path())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let result = walk(&client, &base, &site, id, &app.today().to_string()).await;
    let report = if result.is_err() {
        failure_report(&client, &format!("publicity-{label}")).await
    } else {
        String::new()
    };
    let _ = client.close().await;
    drop(server);
    if let Err(e) = result {
        panic!("{report}\nbrowser publicity on {label} failed: {e}");
    }
}

async fn walk(c: &Client, base: &str, site: &str, case: i64, today: &str) -> Step<()> {
    // The public site: the list, then the case; nothing of the person on the page.
    c.goto(&format!("{site}/public/typical-cases"))
        .await
        .ctx("opening the public typical cases")?;
    wait_for(c, &format!("a[href=\"/public/typical-cases/{case}\"]")).await?;
    audit(c, "the public list").await?;
    click(c, &format!("a[href=\"/public/typical-cases/{case}\"]")).await?;
    wait_path(c, &format!("/public/typical-cases/{case}")).await?;
    let page = text(c, "body").await?;
    ensure!(
        page.contains(CASE) && page.contains("罚款5万元"),
        "the public case: {page}"
    );
    ensure!(
        !page.contains(PHONE) && !page.contains(PERSON),
        "a personal identifier on the public page: {page}"
    );
    audit(c, "the public typical case").await?;

    // The bureau records a joint training with the police through the form.
    c.goto(&format!("{base}/login"))
        .await
        .ctx("opening the sign-in page")?;
    sign_in(c, "liaison.scjg", PASSWORD).await?;
    wait_for(c, "#logout").await?;
    click(c, "a[href=\"/activities\"]").await?;
    wait_path(c, "/activities").await?;
    c.goto(&format!("{base}/activities/new"))
        .await
        .ctx("opening the form")?;
    wait_for(c, "#activity-form").await?;
    audit(c, "the activity form").await?;
    select_value(c, "#activity-kind", "training").await?;
    fill(c, "#activity-title", TITLE).await?;
    set_date(c, "#activity-held", today).await?;
    fill(c, "#activity-place", "信阳市市场监督管理局三楼会议室").await?;
    let police = c
        .find(Locator::XPath(&format!(
            "//select[@id='activity-co']/option[normalize-space(text())='{POLICE}']"
        )))
        .await
        .ctx("the police among the co-organisers")?;
    police.click().await.ctx("choosing the police")?;
    check(c, "input[name=audiences][value=enforcement]").await?;
    fill(c, "#activity-participants", "120").await?;
    fill(
        c,
        "#activity-report",
        "市场监管与公安交叉授课，讲解商标侵权认定和刑事立案追诉标准。",
    )
    .await?;
    click(c, "#activity-submit").await?;
    wait_for(c, "#activity-joint").await?;
    let organisers = text(c, "#activity-organisers").await?;
    ensure!(
        organisers.contains(MSA) && organisers.contains(POLICE),
        "the organisers: {organisers}"
    );
    audit(c, "the activity").await?;
    let path = current_path(c).await?;

    // The police see it as theirs.
    switch_to(
        c,
        "handler.gaj",
        PASSWORD,
        Some(POLICE),
        &format!("{base}/activities"),
        "main",
    )
    .await?;
    let list = text(c, "main").await?;
    ensure!(list.contains(TITLE), "the police's list: {list}");
    c.goto(&format!("{base}{path}"))
        .await
        .ctx("opening the activity")?;
    wait_for(c, "#activity-joint").await?;
    Ok(())
}
