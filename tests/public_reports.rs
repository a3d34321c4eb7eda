//! Reports and complaints from the public (issue #14; seed 002 (七)1) on both databases: the
//! public listener serves the public site only; a report is submitted through the pages with
//! its evidence, tracked with the number and password, routed by the office, handled by the
//! unit on the clocks of 《市场监督管理投诉举报处理暂行办法》 and closed; a failed lookup says
//! nothing and is throttled; the reporter's identity is for those handling it, each view
//! audited; two identical steps at once: one wins.

mod common;

use axum::http::{Method, StatusCode};
use common::{App, call, each_db};
use serde_json::{Value, json};
use shuangda::calendar::Period;

const MSA: &str = "信阳市市场监督管理局";
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n0000IHDR-not-a-real-picture";

fn report_form() -> Vec<(&'static str, &'static str)> {
    vec![
        ("kind", "report"),
        ("product", "白酒"),
        ("brand", "茅台（注册商标）"),
        // The city itself: its office receives it (a county's code goes to the county office).
        ("region", "411500"),
        ("address", "信阳市浉河区工区路88号某烟酒店"),
        ("occurred_on", "2026-06-10"),
        (
            "description",
            "该店销售的茅台酒瓶盖防伪码无法查询，疑为假冒。",
        ),
        ("enterprise", "信阳市某烟酒商行"),
        ("credit_code", ""),
        ("shop", ""),
        ("reporter_name", "王某某"),
        ("reporter_phone", "13800138000"),
        ("reporter_email", ""),
        ("insider", "1"),
    ]
}

/// The text between `id="{id}"…>` and the next `<`.
fn text_of(body: &str, id: &str) -> String {
    let at = body
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id} in {body}"));
    let rest = &body[at..];
    let start = rest.find('>').expect(">") + 1;
    let end = rest[start..].find('<').expect("<") + start;
    rest[start..end].trim().to_string()
}

/// The value of the hidden input `name` in a page.
fn value_of(body: &str, name: &str) -> String {
    let at = body
        .find(&format!("name=\"{name}\" value=\""))
        .unwrap_or_else(|| panic!("no input {name} in {body}"))
        + name.len()
        + 15;
    body[at..].split('"').next().expect("value").to_string()
}

/// `body` with a solved challenge, as a scripted client of the API sends it.
async fn solved(app: &App, mut body: Value) -> Value {
    let r = common::api(app, Method::GET, "/api/v1/public/challenge", None, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let c = r.json();
    let token = c["token"].as_str().expect("token").to_string();
    let bits = u32::try_from(c["bits"].as_u64().expect("bits")).expect("bits");
    body["proof"] = json!(shuangda::public_reports::challenge::solve(&token, bits));
    body["challenge"] = json!(token);
    body
}

/// Submit the report form through the public site's pages, with a photo: (number, password).
async fn submit_through_pages(app: &App) -> (String, String) {
    let mut c = app.public_client();
    let form = report_form();
    let r = c.post("/public/report", &form).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("请核对举报投诉内容"), "{}", r.body);
    assert!(r.body.contains("信阳市"), "the region is named: {}", r.body);
    // The page's proof of work, solved as its script does.
    let token = value_of(&r.body, "challenge");
    let bits: u32 = r
        .body
        .split("data-bits=\"")
        .nth(1)
        .and_then(|t| t.split('"').next())
        .and_then(|b| b.parse().ok())
        .expect("data-bits");
    assert_eq!(bits, 16, "the default");
    let proof = shuangda::public_reports::challenge::solve(&token, bits);
    let mut form = form;
    form.push(("challenge", &token));
    form.push(("proof", &proof));
    let r = c
        .post_multipart(
            "/public/report/submit",
            &form,
            &[("files", "现场照片.png", PNG)],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let number = text_of(&r.body, "tracking-no");
    let password = text_of(&r.body, "tracking-password");
    assert!(number.starts_with("JB"), "{number}");
    assert_eq!(password.len(), 19, "{password}");
    (number, password)
}

async fn track(app: &App, number: &str, password: &str) -> (StatusCode, Value) {
    let r = common::api(
        app,
        Method::POST,
        "/api/v1/public/reports/track",
        None,
        Some(json!({"number": number, "password": password})),
    )
    .await;
    (
        r.status,
        serde_json::from_str(&r.body).unwrap_or(Value::Null),
    )
}

async fn step(app: &App, who: &str, id: i64, body: Value) -> (StatusCode, Value) {
    call(
        app,
        who,
        Method::POST,
        &format!("/api/v1/public-reports/{id}/steps"),
        Some(body),
    )
    .await
}

async fn report_id(app: &App, number: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM public_reports WHERE tracking_no = $1")
        .bind(number)
        .fetch_one(&app.db.pool)
        .await
        .expect("report")
}

#[tokio::test]
async fn the_public_listener_serves_the_public_site_only() {
    each_db(true, |app| async move {
        let mut c = app.public_client();
        assert_eq!(c.get("/public").await.status, StatusCode::OK);
        assert_eq!(c.get("/public/report").await.status, StatusCode::OK);
        assert_eq!(c.get("/public/track").await.status, StatusCode::OK);
        assert_eq!(c.get("/healthz").await.status, StatusCode::OK);
        assert_eq!(c.get("/assets/app.css").await.status, StatusCode::OK);
        let root = c.get("/").await;
        assert_eq!(root.location(), "/public");
        // Nothing of the platform inside answers there, signed in or not (sent past the
        // test client's contract check: these paths are documented for the main listener).
        let t = app.token("staff").await;
        let raw = |path: &'static str, token: Option<String>| {
            let router = shuangda::web::public_router(app.state.clone());
            async move {
                let mut b = axum::http::Request::builder().uri(path);
                if let Some(t) = token {
                    b = b.header("authorization", format!("Bearer {t}"));
                }
                let req = b.body(axum::body::Body::empty()).expect("request");
                tower::ServiceExt::oneshot(router, req)
                    .await
                    .expect("answer")
                    .status()
            }
        };
        for path in [
            "/login",
            "/cases",
            "/public-reports",
            "/public-reports/1",
            "/api/v1/cases",
            "/api/v1/public-reports",
            "/api/v1/openapi.json",
            "/readyz",
            "/metrics",
            "/search?q=x",
            "/audit",
        ] {
            assert_eq!(raw(path, None).await, StatusCode::NOT_FOUND, "{path}");
        }
        let status = raw("/api/v1/public-reports", Some(t)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "a token opens nothing there");
        // A public form posted from another site is refused (no session, so no token: the
        // browser's Origin says where it came from); from the site itself it is taken.
        let post = |origin: &'static str| {
            axum::http::Request::builder()
                .method("POST")
                .uri("/public/track")
                .header("host", "jubao.example.gov.cn")
                .header("origin", origin)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(axum::body::Body::from("number=JB1&password=x"))
                .expect("request")
        };
        assert_eq!(
            c.send(post("https://evil.example")).await.status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            c.send(post("https://jubao.example.gov.cn")).await.status,
            StatusCode::UNPROCESSABLE_ENTITY
        );
    })
    .await;
}

#[tokio::test]
async fn a_report_from_the_public_site_to_its_result() {
    each_db(true, |app| async move {
        let (number, password) = submit_through_pages(&app).await;
        let id = report_id(&app, &number).await;

        // The reporter tracks it: received, nothing of the inside.
        let (s, t) = track(&app, &number, &password).await;
        assert_eq!(s, StatusCode::OK, "{t}");
        assert_eq!(t["state"], "received");
        assert_eq!(t["evidence"], json!(["现场照片.png"]));
        assert!(t["handling_organ"].is_null());
        assert!(!t.to_string().contains("王某某"), "no identity in tracking: {t}");

        // The city office has it in its queue, on the 15-working-day clock of 第三十一条.
        let (s, d) = call(
            &app,
            "staff",
            Method::GET,
            &format!("/api/v1/public-reports/{id}"),
            None,
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{d}");
        assert_eq!(d["state"], "received");
        assert_eq!(d["steps"], json!(["assign", "merge"]), "{d}");
        assert!(d.get("reporter_name").is_none() && !d.to_string().contains("王某某"));
        let clock = &d["deadlines"][0];
        assert_eq!(
            clock["clause"],
            "《市场监督管理投诉举报处理暂行办法》第三十一条"
        );
        assert_eq!(clock["rule_text"], "15个工作日");
        let due = app
            .state
            .calendar()
            .due_date(app.today(), Period::WorkingDays(15))
            .expect("due");
        assert_eq!(clock["due_date"], due.to_string());

        // A unit of another region cannot be given it, nor an office; a unit of the city can.
        let elsewhere = app.unit_id("平阴县人民检察院").await.to_string();
        let (s, v) = step(&app, "staff", id, json!({"step": "assign", "unit_id": elsewhere})).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        let office = app.unit_id("罗山县打击侵权假冒工作领导小组办公室").await.to_string();
        let (s, v) = step(&app, "staff", id, json!({"step": "assign", "unit_id": office})).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        let msa = app.unit_id(MSA).await.to_string();
        let (s, v) = step(&app, "staff", id, json!({"step": "assign", "unit_id": msa})).await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
        let (_, t) = track(&app, &number, &password).await;
        assert_eq!(t["handling_organ"], MSA);
        assert_eq!(t["state"], "assigned");

        // The unit decides to file a case; the real-name reporter is then owed a telling
        // within 5 working days (第三十二条).
        let (s, v) = step(&app, "liaison.scjg", id, json!({"step": "decide_filing", "filed": "1"})).await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
        let (_, d) = call(&app, "liaison.scjg", Method::GET, &format!("/api/v1/public-reports/{id}"), None).await;
        assert_eq!(d["state"], "decided");
        let tell = d["deadlines"]
            .as_array()
            .expect("clocks")
            .iter()
            .find(|c| c["clause"] == "《市场监督管理投诉举报处理暂行办法》第三十二条")
            .expect("the telling clock")
            .clone();
        assert_eq!(tell["rule_text"], "5个工作日");
        assert_eq!(tell["owner_unit_name"], MSA);
        assert_eq!(d["deadlines"][0]["state"], "met");
        let (s, _) = step(&app, "liaison.scjg", id, json!({"step": "tell_reporter", "text": "电话告知已立案"})).await;
        assert_eq!(s, StatusCode::NO_CONTENT);
        let (s, v) = step(&app, "liaison.scjg", id, json!({"step": "tell_reporter", "text": "再告知"})).await;
        assert_eq!(s, StatusCode::CONFLICT, "told once: {v}");

        // Closed with an outcome a report may have, and what the reporter may be told.
        let (s, v) = step(&app, "liaison.scjg", id, json!({"step": "close", "outcome": "mediated", "public_result": "x"})).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "a complaint's outcome: {v}");
        let (s, v) = step(&app, "liaison.scjg", id, json!({"step": "close", "outcome": "penalty", "public_result": "经查属实，已依法作出行政处罚。"})).await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
        let (_, t) = track(&app, &number, &password).await;
        assert_eq!(t["state"], "closed");
        assert_eq!(t["result"], "经查属实，已依法作出行政处罚。");
        assert_eq!(t["open"], false);

        // An informant reward (国市监稽规〔2021〕4号): proposed by the unit's staff, decided by
        // its head, claimed by the reporter with the number and password, paid at the counter.
        let propose = |extra: Value| {
            let mut body = json!({"step": "propose_reward", "fines": "200000", "tier": "first", "reasons": "提供了直接证据，与查实的违法事实完全相符"});
            if let (Some(b), Some(x)) = (body.as_object_mut(), extra.as_object()) {
                b.extend(x.clone());
            }
            body
        };
        let (s, v) = step(&app, "liaison.scjg", id, propose(json!({"organ_staff": "1"}))).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "organ staff are excluded: {v}");
        assert_eq!(v["error"]["fields"][0]["field"], "organ_staff");
        // This reporter is an insider: taking part does not exclude them.
        let (s, v) = step(&app, "head.scjg", id, propose(json!({"offender": "1"}))).await;
        assert_eq!(s, StatusCode::CONFLICT, "the head does not propose: {v}");
        let (s, v) = step(&app, "liaison.scjg", id, propose(json!({"offender": "1"}))).await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
        let (_, d) = call(&app, "liaison.scjg", Method::GET, &format!("/api/v1/public-reports/{id}"), None).await;
        assert_eq!(d["reward_fen"], 1_000_000, "5 % of 200,000 yuan: {d}");
        assert_eq!(d["reward_state"], "proposed");
        let (_, t) = track(&app, &number, &password).await;
        assert!(t["reward_yuan"].is_null() && t["can_claim"] == false, "{t}");
        let claim = || async {
            common::api(&app, Method::POST, "/api/v1/public/reports/claim", None,
                Some(json!({"number": number, "password": password}))).await.status
        };
        assert_eq!(claim().await, StatusCode::CONFLICT, "nothing to claim before approval");
        let (s, _) = step(&app, "liaison.scjg", id, json!({"step": "approve_reward"})).await;
        assert_eq!(s, StatusCode::CONFLICT, "the head approves");
        let (s, v) = step(&app, "head.scjg", id, json!({"step": "approve_reward", "text": "同意"})).await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
        let (_, t) = track(&app, &number, &password).await;
        assert_eq!(t["reward_yuan"], "10,000.00");
        assert_eq!(t["can_claim"], true);
        let pay = json!({"step": "pay_reward", "paid_on": app.today().to_string(), "voucher": "JL2026-001"});
        let mut paid = pay.clone();
        paid["identity_verified"] = json!("1");
        let (s, _) = step(&app, "liaison.scjg", id, paid.clone()).await;
        assert_eq!(s, StatusCode::CONFLICT, "not paid before it is claimed");
        assert_eq!(claim().await, StatusCode::NO_CONTENT);
        assert_eq!(claim().await, StatusCode::CONFLICT, "claimed once");
        let (s, v) = step(&app, "liaison.scjg", id, pay.clone()).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "identity checked at the counter: {v}");
        let (s, v) = step(&app, "liaison.scjg", id, paid).await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
        let (_, t) = track(&app, &number, &password).await;
        assert_eq!(t["reward"], "举报奖励已发放");
        // The organ's yearly ledger.
        let mut c = app.client();
        c.login("liaison.scjg", common::PASSWORD).await;
        let r = c.get("/public-reports/rewards.xlsx").await;
        assert_eq!(r.status, StatusCode::OK);
        let mut book: calamine::Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(r.bytes.clone())).expect("xlsx");
        let sheet = calamine::Reader::worksheet_range_at(&mut book, 0).expect("sheet").expect("range");
        let cells: Vec<String> = sheet.rows().flat_map(|r| r.iter().map(|c| c.to_string())).collect();
        assert!(cells.contains(&number), "{cells:?}");
        assert!(cells.iter().any(|c| c == "10000"), "{cells:?}");
        assert!(cells.contains(&"已核验".to_string()), "{cells:?}");

        // Every act is in the audit trail.
        for action in ["public_report.submit", "public_report.step", "public_report.claim_reward"] {
            let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = $1 AND object_id = $2")
                .bind(action)
                .bind(id.to_string())
                .fetch_one(&app.db.pool)
                .await
                .expect("count");
            assert!(n >= 1, "{action}");
        }
    })
    .await;
}

#[tokio::test]
async fn the_reporter_adds_evidence_and_keeps_a_receipt() {
    each_db(true, |app| async move {
        let (number, password) = submit_through_pages(&app).await;
        let mut c = app.public_client();
        let r = c
            .post(
                "/public/track",
                &[("number", &number), ("password", &password)],
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(r.body.contains("已收到，正在分送承办单位"), "{}", r.body);
        let r = c
            .post_multipart(
                "/public/track/add",
                &[
                    ("number", &number),
                    ("password", &password),
                    ("text", "又发现一家同样的店"),
                ],
                &[("files", "第二张照片.png", PNG)],
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(r.body.contains("补充的材料已提交"), "{}", r.body);
        let (_, t) = track(&app, &number, &password).await;
        assert_eq!(t["evidence"], json!(["现场照片.png", "第二张照片.png"]));
        // A file that is not what its name says is refused, and nothing of it is kept.
        let r = c
            .post_multipart(
                "/public/track/add",
                &[("number", &number), ("password", &password)],
                &[("files", "假的.pdf", b"not a pdf")],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert_eq!(
            track(&app, &number, &password).await.1["evidence"]
                .as_array()
                .map(Vec::len),
            Some(2)
        );

        let r = c
            .post(
                "/public/receipt",
                &[("number", &number), ("password", &password)],
            )
            .await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.bytes.starts_with(b"%PDF"), "a PDF");
        let text = common::browser::pdftotext(&r.bytes).expect("pdftotext");
        let text = common::browser::squeeze(&text);
        assert!(text.contains(&number), "{text}");
        assert!(text.contains("登记回执"), "{text}");
        assert!(
            !text.contains(&password.replace('-', "")) && !text.contains(&password),
            "no password on the receipt"
        );
    })
    .await;
}

#[tokio::test]
async fn a_failed_lookup_says_nothing_and_is_throttled() {
    each_db(true, |app| async move {
        let (number, password) = submit_through_pages(&app).await;
        let mut c = app.public_client();
        let wrong = c
            .post(
                "/public/track",
                &[("number", &number), ("password", "AAAA-AAAA-AAAA-AAAA")],
            )
            .await;
        let unknown = c
            .post(
                "/public/track",
                &[
                    ("number", "JB2026061500000000"),
                    ("password", "AAAA-AAAA-AAAA-AAAA"),
                ],
            )
            .await;
        assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(unknown.status, wrong.status);
        assert_eq!(
            unknown.body.replace("JB2026061500000000", &number),
            wrong.body
        );
        let (s1, v1) = track(&app, &number, "AAAA").await;
        let (s2, v2) = track(&app, "JB2026061500000000", "AAAA").await;
        assert_eq!((s1, s2), (StatusCode::NOT_FOUND, StatusCode::NOT_FOUND));
        assert_eq!(v1, v2);
        // 20 failures per address per 5 minutes (four above): then even the right password
        // waits.
        for _ in 0..16 {
            assert_eq!(track(&app, &number, "AAAA").await.0, StatusCode::NOT_FOUND);
        }
        assert_eq!(
            track(&app, &number, "AAAA").await.0,
            StatusCode::TOO_MANY_REQUESTS
        );
        assert_eq!(
            track(&app, &number, &password).await.0,
            StatusCode::TOO_MANY_REQUESTS
        );
    })
    .await;
}

#[tokio::test]
async fn the_reporters_identity_is_for_those_handling_it() {
    each_db(true, |app| async move {
        let (number, _) = submit_through_pages(&app).await;
        let id = report_id(&app, &number).await;
        let path = format!("/api/v1/public-reports/{id}/identity");
        let views = || async {
            let n: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM audit_log WHERE action = 'public_report.view_identity' AND object_id = $1",
            )
            .bind(id.to_string())
            .fetch_one(&app.db.pool)
            .await
            .expect("count");
            n
        };
        // The receiving office sees it (and the view is recorded); not the insider flag.
        let (s, v) = call(&app, "staff", Method::POST, &path, None).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["name"], "王某某");
        assert!(v["insider"].is_null(), "the flag is the handling unit's: {v}");
        assert_eq!(views().await, 1);
        // The group's leader reads the report but not who made it; a unit not handling it
        // does not see the report at all.
        let (s, _) = call(&app, "leader", Method::POST, &path, None).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, _) = call(&app, "liaison.scjg", Method::POST, &path, None).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        assert_eq!(views().await, 1, "refused views write nothing");
        // Routed to the market regulator: its liaison sees the reporter and the insider flag.
        let msa = app.unit_id(MSA).await.to_string();
        assert_eq!(step(&app, "staff", id, json!({"step": "assign", "unit_id": msa})).await.0, StatusCode::NO_CONTENT);
        let (s, v) = call(&app, "liaison.scjg", Method::POST, &path, None).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(v["insider"], true);
        assert_eq!(views().await, 2);
        let (_, d) = call(&app, "handler.gaj", Method::GET, &format!("/api/v1/public-reports/{id}"), None).await;
        assert!(d.get("insider").is_none(), "{d}");
    })
    .await;
}

#[tokio::test]
async fn a_complaint_names_its_complainant_and_is_accepted_within_seven_working_days() {
    each_db(true, |app| async move {
        let mut body = json!({
            "kind": "complaint", "product": "运动鞋", "region": "411521",
            "address": "罗山县某商场", "occurred_on": "2026-06-01",
            "description": "购买的运动鞋系假冒，商家拒绝退货。", "anonymous": true
        });
        let r = common::api(&app, Method::POST, "/api/v1/public/reports", None, Some(solved(&app, body.clone()).await)).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(r.json()["error"]["fields"][0]["field"], "anonymous", "{}", r.body);
        body["anonymous"] = json!(false);
        body["reporter_name"] = json!("李某");
        body["reporter_phone"] = json!("13900139000");
        let r = common::api(&app, Method::POST, "/api/v1/public/reports", None, Some(solved(&app, body).await)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let number = r.json()["tracking_no"].as_str().expect("number").to_string();
        assert!(number.starts_with("TS"));
        let id = report_id(&app, &number).await;
        // Luoshan's county office receives it, on the 7-working-day clock of 第十八条; the
        // city office does not route it.
        let (s, d) = call(&app, "county.luoshan", Method::GET, &format!("/api/v1/public-reports/{id}"), None).await;
        assert_eq!(s, StatusCode::OK, "{d}");
        assert_eq!(d["deadlines"][0]["rule_text"], "7个工作日");
        assert_eq!(d["deadlines"][0]["clause"], "《市场监督管理投诉举报处理暂行办法》第十八条");
        let (s, _) = step(&app, "staff", id, json!({"step": "assign", "unit_id": app.unit_id(MSA).await.to_string()})).await;
        assert_eq!(s, StatusCode::CONFLICT, "the city's staff do not route a county's complaint");
        let luoshan = app.unit_id("罗山县市场监督管理局").await.to_string();
        assert_eq!(step(&app, "county.luoshan", id, json!({"step": "assign", "unit_id": luoshan})).await.0, StatusCode::NO_CONTENT);
        // A complaint has no filing decision; it is accepted, then closed by mediation.
        let (s, _) = step(&app, "liaison.luoshan.scjg", id, json!({"step": "decide_filing", "filed": "1"})).await;
        assert_eq!(s, StatusCode::CONFLICT);
        assert_eq!(step(&app, "liaison.luoshan.scjg", id, json!({"step": "accept"})).await.0, StatusCode::NO_CONTENT);
        let (s, v) = step(&app, "liaison.luoshan.scjg", id, json!({"step": "close", "outcome": "mediated", "public_result": "经调解，商家同意退货。"})).await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
    })
    .await;
}

#[tokio::test]
async fn two_identical_steps_at_once_one_wins() {
    each_db(true, |app| async move {
        let (number, _) = submit_through_pages(&app).await;
        let id = report_id(&app, &number).await;
        let msa = app.unit_id(MSA).await.to_string();
        assert_eq!(
            step(&app, "staff", id, json!({"step": "assign", "unit_id": msa}))
                .await
                .0,
            StatusCode::NO_CONTENT
        );
        // The unit's liaison officer and its head decide at the same moment.
        let (a, b) = tokio::join!(
            step(
                &app,
                "liaison.scjg",
                id,
                json!({"step": "decide_filing", "filed": "1"})
            ),
            step(
                &app,
                "head.scjg",
                id,
                json!({"step": "decide_filing", "filed": "0", "text": "证据不足"})
            ),
        );
        let mut statuses = [a.0, b.0];
        statuses.sort();
        assert_eq!(
            statuses,
            [StatusCode::NO_CONTENT, StatusCode::CONFLICT],
            "exactly one filing decision: {a:?} {b:?}"
        );
        let decided: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM public_report_entries WHERE report_id = $1 AND kind = 'decided'",
        )
        .bind(id)
        .fetch_one(&app.db.pool)
        .await
        .expect("count");
        assert_eq!(decided, 1);
    })
    .await;
}

#[tokio::test]
async fn a_large_reward_is_decided_with_the_finance_bureau() {
    each_db(true, |app| async move {
        let (number, _) = submit_through_pages(&app).await;
        let id = report_id(&app, &number).await;
        let msa = app.unit_id(MSA).await.to_string();
        for (who, body) in [
            ("staff", json!({"step": "assign", "unit_id": msa})),
            ("liaison.scjg", json!({"step": "decide_filing", "filed": "1"})),
            ("liaison.scjg", json!({"step": "close", "outcome": "penalty", "public_result": "已处罚"})),
            // 5 % of 5,000,000 yuan: 250,000, above the office's 100,000.
            ("liaison.scjg", json!({"step": "propose_reward", "fines": "5000000", "tier": "first", "reasons": "直接证据"})),
        ] {
            let (s, v) = step(&app, who, id, body).await;
            assert_eq!(s, StatusCode::NO_CONTENT, "{who}: {v}");
        }
        let (s, v) = step(&app, "head.scjg", id, json!({"step": "approve_reward"})).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(v["error"]["fields"][0]["field"], "joint_ref");
        let (s, v) = step(&app, "head.scjg", id, json!({"step": "approve_reward", "joint_ref": "信财行〔2026〕12号"})).await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
        let (_, d) = call(&app, "head.scjg", Method::GET, &format!("/api/v1/public-reports/{id}"), None).await;
        assert_eq!(d["reward_fen"], 25_000_000);
        assert_eq!(d["reward_state"], "approved");
        // A second head's approval at the same time is refused: decided once.
        let (s, _) = step(&app, "head.scjg", id, json!({"step": "reject_reward", "text": "x"})).await;
        assert_eq!(s, StatusCode::CONFLICT);
    })
    .await;
}

#[tokio::test]
async fn a_duplicate_is_offered_and_merged_keeping_first_report_priority() {
    each_db(true, |app| async move {
        let submit = |who: &'static str, text: &'static str| {
            let app = &app;
            async move {
                let body = solved(app, json!({
                    "kind": "report", "product": "白酒", "region": "411500", "address": "信阳市某商行",
                    "occurred_on": "2026-06-01", "description": text,
                    "enterprise": "信阳市某商行", "credit_code": "91350100M000100Y43",
                    "reporter_name": who, "reporter_phone": "13800138000"
                })).await;
                let r = common::api(app, Method::POST, "/api/v1/public/reports", None, Some(body)).await;
                assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
                let v = r.json();
                (
                    v["tracking_no"].as_str().expect("number").to_string(),
                    v["password"].as_str().expect("password").to_string(),
                )
            }
        };
        let (first, _) = submit("张某", "该商行销售假冒白酒。").await;
        let (second, second_password) = submit("李某", "该商行出售的白酒是假的。").await;
        let (a, b) = (report_id(&app, &first).await, report_id(&app, &second).await);
        // The office is offered the first as the same matter as the second.
        let (_, d) = call(&app, "staff", Method::GET, &format!("/api/v1/public-reports/{b}"), None).await;
        let offered = d["candidates"].as_array().expect("candidates");
        assert_eq!(offered.len(), 1, "{d}");
        assert_eq!(offered[0]["tracking_no"], first.as_str());
        assert_eq!(offered[0]["why"], "被举报企业的统一社会信用代码相同");
        // A unit cannot merge; a report cannot join itself.
        let (s, _) = step(&app, "staff", b, json!({"step": "merge", "into": b.to_string()})).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        let (s, v) = step(&app, "staff", b, json!({"step": "merge", "into": a.to_string()})).await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
        // The second keeps its number, reporter and time; its clock is waived; the matter
        // lists the first reporter first.
        let (_, d) = call(&app, "staff", Method::GET, &format!("/api/v1/public-reports/{a}"), None).await;
        let matter: Vec<&str> = d["matter"].as_array().expect("matter").iter().map(|m| m["tracking_no"].as_str().unwrap_or("")).collect();
        assert_eq!(matter, [first.as_str(), second.as_str()]);
        let (_, d) = call(&app, "staff", Method::GET, &format!("/api/v1/public-reports/{b}"), None).await;
        assert_eq!(d["state"], "merged");
        assert_eq!(d["deadlines"][0]["state"], "waived");
        let (s, v) = call(&app, "staff", Method::POST, &format!("/api/v1/public-reports/{b}/identity"), None).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(v["name"], "李某");
        // Its reporter follows the matter: handled where the first is.
        let msa = app.unit_id(MSA).await.to_string();
        assert_eq!(step(&app, "staff", a, json!({"step": "assign", "unit_id": msa})).await.0, StatusCode::NO_CONTENT);
        let (_, t) = track(&app, &second, &second_password).await;
        assert_eq!(t["state"], "merged");
        assert_eq!(t["handling_organ"], MSA);
                // The first report is not merged into a later one (its reporter's priority).
        let (c, _) = submit("王某", "该商行销售假冒白酒，价格很低。").await;
        let c = report_id(&app, &c).await;
        let (s, v) = step(&app, "director", a, json!({"step": "merge", "into": c.to_string()})).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        // The same merge sent twice at once: one succeeds.
        let (x, y) = tokio::join!(
            step(&app, "staff", c, json!({"step": "merge", "into": a.to_string()})),
            step(&app, "director", c, json!({"step": "merge", "into": a.to_string()})),
        );
        let mut statuses = [x.0, y.0];
        statuses.sort();
        assert_eq!(statuses, [StatusCode::NO_CONTENT, StatusCode::CONFLICT], "{x:?} {y:?}");
        let (_, d) = call(&app, "staff", Method::GET, &format!("/api/v1/public-reports/{a}"), None).await;
        assert_eq!(d["matter"].as_array().map(Vec::len), Some(3));
    })
    .await;
}

#[tokio::test]
async fn the_public_figures_show_no_small_counts() {
    each_db(true, |app| async move {
        let mut c = app.public_client();
        let empty = c.get("/public/figures").await;
        assert_eq!(empty.status, StatusCode::OK);
        assert!(empty.body.contains("尚无举报投诉"), "{}", empty.body);
        for _ in 0..2 {
            submit_through_pages(&app).await;
        }
        let r = c.get("/api/v1/public/figures").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let lines = r.json();
        assert_eq!(lines[0]["month"], app.today().format("%Y-%m").to_string());
        assert_eq!(
            lines[0]["office"],
            "信阳市打击侵犯知识产权和制售假冒伪劣商品工作领导小组办公室"
        );
        assert_eq!(
            lines[0]["received"],
            json!({"shown": "few"}),
            "two reports are not shown as 2"
        );
        assert!(lines[0]["median_days"].is_null());
        let page = c.get("/public/figures").await;
        assert!(page.body.contains("少于5"), "{}", page.body);
    })
    .await;
}

#[tokio::test]
async fn a_report_needs_a_solved_challenge_once_and_a_subject_takes_ten_a_day() {
    each_db(true, |app| async move {
        let body = |n: usize| json!({
            "kind": "report", "product": "洗发水", "region": "411500", "address": "信阳市某日化店",
            "occurred_on": "2026-06-01", "description": format!("该店销售假冒洗发水（第{n}次反映）。"),
            "enterprise": "信阳市某日化店", "credit_code": "91411500MA4000001P",
            "anonymous": true
        });
        let send = |v: Value| {
            let app = &app;
            async move { common::api(app, Method::POST, "/api/v1/public/reports", None, Some(v)).await }
        };
        let field = |r: &common::Resp| {
            let v = r.json();
            (v["error"]["fields"][0]["field"].as_str().unwrap_or("").to_string(),
             v["error"]["fields"][0]["code"].as_str().unwrap_or("").to_string())
        };
        // No token, or a counter that does not solve it: refused against `challenge`.
        let r = send(body(0)).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert_eq!(field(&r), ("challenge".into(), "challenge_missing".into()));
        let mut v = solved(&app, body(0)).await;
        if v["proof"] != "0" {
            v["proof"] = json!("0");
            let r = send(v).await;
            assert_eq!(field(&r), ("challenge".into(), "challenge_unsolved".into()), "{}", r.body);
        }
        // A solved token is good for one report: sent again, it is refused as spent.
        let v = solved(&app, body(1)).await;
        assert_eq!(send(v.clone()).await.status, StatusCode::CREATED);
        let r = send(v).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert_eq!(field(&r), ("challenge".into(), "challenge_spent".into()));
        // Ten a day against one credit code: the last places are taken once even when three
        // come at once (on PostgreSQL the count is serialised per subject).
        for n in 2..=8 {
            assert_eq!(send(solved(&app, body(n)).await).await.status, StatusCode::CREATED);
        }
        let (a, b, c) = (solved(&app, body(9)).await, solved(&app, body(10)).await, solved(&app, body(11)).await);
        let (a, b, c) = tokio::join!(send(a), send(b), send(c));
        let mut got: Vec<StatusCode> = vec![a.status, b.status, c.status];
        got.sort();
        assert_eq!(got, vec![StatusCode::CREATED, StatusCode::CREATED, StatusCode::UNPROCESSABLE_ENTITY]);
        let refused = [a, b, c].into_iter().find(|r| r.status != StatusCode::CREATED).expect("one refused");
        assert_eq!(field(&refused), ("credit_code".into(), "subject_limited".into()));
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM public_reports WHERE credit_code = '91411500MA4000001P'")
            .fetch_one(&app.db.pool).await.expect("count");
        assert_eq!(n, 10);
        // Another subject is not held up.
        let mut other = body(12);
        other["credit_code"] = json!("");
        other["enterprise"] = json!("信阳市另一日化店");
        assert_eq!(send(solved(&app, other).await).await.status, StatusCode::CREATED);
        // The page without its script's proof: the same confirmation again, with the reason and
        // a fresh token; nothing was stored.
        let mut c = app.public_client();
        let form = report_form();
        let r = c.post_multipart("/public/report/submit", &form, &[]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(r.body.contains("id=\"challenge-error\""), "{}", r.body);
        assert!(value_of(&r.body, "challenge").starts_with("v1."));
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM public_reports WHERE enterprise = '信阳市某烟酒商行'")
            .fetch_one(&app.db.pool).await.expect("count");
        assert_eq!(n, 0);
    })
    .await;
}

#[tokio::test]
async fn the_office_turns_a_report_into_a_clue_and_a_task_linked_both_ways() {
    each_db(true, |app| async move {
        let submit = |enterprise: &'static str| {
            let app = &app;
            async move {
                let body = solved(app, json!({
                    "kind": "report", "product": "化肥", "region": "411500", "address": "信阳市某农资店",
                    "occurred_on": "2026-06-01", "description": "该店销售假冒复合肥，农户受损。",
                    "enterprise": enterprise, "anonymous": true
                })).await;
                let r = common::api(app, Method::POST, "/api/v1/public/reports", None, Some(body)).await;
                assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
                report_id(app, r.json()["tracking_no"].as_str().expect("number")).await
            }
        };
        let id = submit("信阳市某农资店").await;
        let received_on = app.today().to_string();
        // The office's form starts from the report's facts.
        let mut c = app.client();
        c.login("staff", common::PASSWORD).await;
        let page = c.get(&format!("/cases/new?public_report={id}")).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(page.body.contains(&format!("name=\"public_report_id\" value=\"{id}\"")), "{}", page.body);
        assert!(page.body.contains("群众举报：信阳市某农资店化肥"), "{}", page.body);
        // A unit's staff cannot turn it (its clue is its own report), nor can another office.
        let clue = |id: i64| json!({
            "title": "群众举报：信阳市某农资店销售假冒化肥", "summary": "群众举报该店销售假冒复合肥。",
            "source": "public_report", "received_on": received_on, "public_report_id": id,
            "right_kinds": ["counterfeit"], "regions": ["411500"]
        });
        let (s, v) = call(&app, "liaison.scjg", Method::POST, "/api/v1/cases", Some(clue(id))).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(v["error"]["fields"][0]["field"], "public_report_id");
        let (s, v) = call(&app, "county.luoshan", Method::POST, "/api/v1/cases", Some(clue(id))).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(v["error"]["fields"][0]["code"], "not_found", "{v}");
        let cases = || async {
            sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM cases").fetch_one(&app.db.pool).await.expect("count")
        };
        let before = cases().await;
        // The office turns it into a clue: linked both ways.
        let (s, v) = call(&app, "staff", Method::POST, "/api/v1/cases", Some(clue(id))).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let case = v["id"].as_i64().expect("id");
        let (_, d) = call(&app, "staff", Method::GET, &format!("/api/v1/public-reports/{id}"), None).await;
        assert_eq!(d["links"][0]["record_type"], "case", "{d}");
        assert_eq!(d["links"][0]["record_id"], case);
        assert!(d["entries"].as_array().expect("entries").iter().any(|e| e["body"] == "转为重大案件线索"), "{d}");
        let shown = c.get(&format!("/cases/{case}")).await;
        assert!(shown.body.contains(&format!("href=\"/public-reports/{id}\" id=\"from-public-report\"")), "{}", shown.body);
        let report_page = c.get(&format!("/public-reports/{id}")).await;
        assert!(report_page.body.contains(&format!("href=\"/cases/{case}\"")), "{}", report_page.body);
        assert!(!report_page.body.contains("id=\"convert-case\""), "once turned, not offered again");
        // Not twice: refused against the field, and no second case written.
        let (s, v) = call(&app, "staff", Method::POST, "/api/v1/cases", Some(clue(id))).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(v["error"]["fields"][0]["code"], "taken");
        assert_eq!(cases().await, before + 1);
        // A clue of another source cannot name a report.
        let mut other = clue(id);
        other["source"] = json!("daily_work");
        let (s, v) = call(&app, "staff", Method::POST, "/api/v1/cases", Some(other)).await;
        assert_eq!((s, v["error"]["fields"][0]["code"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!("not_allowed")));
        // A supervised task from the same report; two sent at once: one task.
        let due = (app.today() + chrono::Duration::days(30)).to_string();
        let task = json!({
            "title": "核查信阳市某农资店销售假冒化肥", "description": "请核查群众举报的假冒化肥问题。",
            "source": "public_report", "lead_unit_id": app.unit_id(MSA).await, "due_on": due,
            "public_report_id": id
        });
        let (a, b) = tokio::join!(
            call(&app, "staff", Method::POST, "/api/v1/tasks", Some(task.clone())),
            call(&app, "staff", Method::POST, "/api/v1/tasks", Some(task.clone()))
        );
        let mut got = vec![a.0, b.0];
        got.sort();
        assert_eq!(got, vec![StatusCode::CREATED, StatusCode::UNPROCESSABLE_ENTITY], "{} {}", a.1, b.1);
        let tasks: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM tasks WHERE title = '核查信阳市某农资店销售假冒化肥'")
            .fetch_one(&app.db.pool).await.expect("count");
        assert_eq!(tasks, 1, "the refused one left nothing");
        let t = if a.0 == StatusCode::CREATED { &a.1 } else { &b.1 };
        let tid = t["id"].as_i64().expect("task id");
        let (_, td) = call(&app, "staff", Method::GET, &format!("/api/v1/tasks/{tid}"), None).await;
        assert_eq!(td["public_report_id"], id, "{td}");
        // A report merged into another is not turned (its primary is).
        let second = submit("信阳市另一农资店").await;
        let (s, _) = step(&app, "staff", second, json!({"step": "merge", "into": id.to_string()})).await;
        assert_eq!(s, StatusCode::NO_CONTENT);
        let (s, v) = call(&app, "staff", Method::POST, "/api/v1/cases", Some(clue(second))).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(v["error"]["fields"][0]["code"], "not_allowed");
    })
    .await;
}

#[tokio::test]
async fn the_unit_handling_a_report_transfers_it_to_the_police_linked_both_ways() {
    each_db(true, |app| async move {
        let body = solved(&app, json!({
            "kind": "report", "product": "白酒", "brand": "茅台（注册商标）", "region": "411500",
            "address": "信阳市某酒行", "occurred_on": "2026-06-01",
            "description": "该酒行大量销售假冒茅台酒，库存逾百箱。",
            "enterprise": "信阳市某酒行", "credit_code": "91411500MA4000001P", "anonymous": true
        })).await;
        let r = common::api(&app, Method::POST, "/api/v1/public/reports", None, Some(body)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let id = report_id(&app, r.json()["tracking_no"].as_str().expect("number")).await;
        let police = app.unit_id("信阳市公安局").await;
        let transfer = |id: i64| json!({
            "situation": "own_investigation", "title": "涉嫌销售假冒注册商标的商品案",
            "facts": "经核查群众举报，该酒行销售假冒茅台酒120箱，货值25万余元。",
            "suspects": "信阳市某酒行", "to_unit_id": police.to_string(), "public_report_id": id,
            "items": [{"name": "假冒白酒", "quantity": "120", "unit": "箱", "storage": "罚没物品仓库"}]
        });
        let post = |who: &'static str, body: Value| {
            let app = &app;
            async move {
                call(app, who, Method::POST, "/api/v1/transfers?direction=to_police", Some(body)).await
            }
        };
        // Before it is routed, no unit handles it: named as not found, nothing written.
        let (s, v) = post("liaison.scjg", transfer(id)).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(v["error"]["fields"][0]["code"], "not_found", "{v}");
        let count = || async {
            sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM transfers WHERE title = '涉嫌销售假冒注册商标的商品案'")
                .fetch_one(&app.db.pool).await.expect("count")
        };
        assert_eq!(count().await, 0, "the refused transfer left nothing");
        let (s, v) = step(&app, "staff", id, json!({"step": "assign", "unit_id": app.unit_id(MSA).await})).await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
        // The office does not offer it (it routes; the organ handling the matter transfers).
        let (_, d) = call(&app, "staff", Method::GET, &format!("/api/v1/public-reports/{id}"), None).await;
        assert_eq!(d["conversions"], json!(["case", "task"]), "{d}");
        let (_, d) = call(&app, "liaison.scjg", Method::GET, &format!("/api/v1/public-reports/{id}"), None).await;
        assert_eq!(d["conversions"], json!(["transfer"]), "{d}");
        // The unit's form starts from the report's facts and the reported enterprise.
        let mut c = app.client();
        c.login("liaison.scjg", common::PASSWORD).await;
        let page = c.get(&format!("/public-reports/{id}")).await;
        assert!(page.body.contains(&format!("href=\"/transfers/new?public_report={id}\" id=\"convert-transfer\"")), "{}", page.body);
        let page = c.get(&format!("/transfers/new?public_report={id}")).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(page.body.contains(&format!("name=\"public_report_id\" value=\"{id}\"")), "{}", page.body);
        assert!(page.body.contains("信阳市某酒行（统一社会信用代码91411500MA4000001P）"), "{}", page.body);
        // A hand-back names no report.
        let mut back = transfer(id);
        back["police_decided_on"] = json!(app.today().to_string());
        let (s, v) = call(&app, "handler.gaj", Method::POST, "/api/v1/transfers?direction=hand_back", Some(back)).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert!(v["error"]["fields"].as_array().expect("fields").iter().any(|f| f["field"] == "public_report_id" && f["code"] == "not_allowed"), "{v}");
        // Two sent at once by the unit: one transfer, linked both ways.
        let (a, b) = tokio::join!(post("liaison.scjg", transfer(id)), post("liaison.scjg", transfer(id)));
        let mut got = vec![a.0, b.0];
        got.sort();
        assert_eq!(got, vec![StatusCode::CREATED, StatusCode::UNPROCESSABLE_ENTITY], "{} {}", a.1, b.1);
        let refused = if a.0 == StatusCode::CREATED { &b.1 } else { &a.1 };
        assert_eq!(refused["error"]["fields"][0]["code"], "taken", "{refused}");
        assert_eq!(count().await, 1, "the refused one left nothing");
        let tid = if a.0 == StatusCode::CREATED { &a.1 } else { &b.1 }["id"].as_i64().expect("id");
        let (_, d) = call(&app, "liaison.scjg", Method::GET, &format!("/api/v1/public-reports/{id}"), None).await;
        assert_eq!(d["links"][0]["record_type"], "transfer", "{d}");
        assert_eq!(d["links"][0]["record_id"], tid);
        assert_eq!(d["conversions"], json!([]), "once transferred, not offered again");
        assert!(d["entries"].as_array().expect("entries").iter().any(|e| e["body"] == "转为涉嫌犯罪案件移送"), "{d}");
        let (_, td) = call(&app, "liaison.scjg", Method::GET, &format!("/api/v1/transfers/{tid}"), None).await;
        assert_eq!(td["public_report_id"], id, "{td}");
        let shown = c.get(&format!("/transfers/{tid}")).await;
        assert!(shown.body.contains(&format!("href=\"/public-reports/{id}\" id=\"from-public-report\"")), "{}", shown.body);
        let report_page = c.get(&format!("/public-reports/{id}")).await;
        assert!(report_page.body.contains(&format!("href=\"/transfers/{tid}\"")), "{}", report_page.body);
        let audited: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'public_report.convert' AND object_id = $1",
        )
        .bind(id.to_string())
        .fetch_one(&app.db.pool).await.expect("audit");
        assert_eq!(audited, 1);
        // The reported enterprise's public record shows on the report once a penalty against it
        // is published.
        let (_, d) = call(&app, "liaison.scjg", Method::GET, &format!("/api/v1/public-reports/{id}"), None).await;
        assert_eq!(d["party_records"], json!([]), "{d}");
        let (s, v) = call(&app, "liaison.scjg", Method::POST, "/api/v1/penalties", Some(json!({
            "number": "信市监处罚〔2026〕90号", "party_kind": "enterprise", "party_name": "信阳市某酒行",
            "party_code": "91411500MA4000001P", "facts": "销售假冒茅台酒120箱。",
            "provisions": "《中华人民共和国商标法》第五十七条第（三）项", "kinds": ["fine"], "fine": "100000",
            "penalty": "罚款100000元", "basis": "《中华人民共和国商标法》第六十条第二款",
            "procedure": "general", "decided_on": app.today().to_string()
        }))).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let pid = v["id"].as_i64().expect("decision");
        for (who, st) in [("liaison.scjg", "review"), ("head.scjg", "approve")] {
            let (s, v) = call(&app, who, Method::POST, &format!("/api/v1/penalties/{pid}/steps"), Some(json!({"step": st}))).await;
            assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
        }
        let (_, d) = call(&app, "liaison.scjg", Method::GET, &format!("/api/v1/public-reports/{id}"), None).await;
        assert_eq!(d["party_records"][0]["penalties"], 1, "{d}");
        let page = c.get(&format!("/public-reports/{id}")).await;
        assert!(page.body.contains("已公示行政处罚1件"), "{}", page.body);
    })
    .await;
}

#[tokio::test]
async fn a_report_goes_by_default_to_the_unit_whose_duty_its_category_is() {
    each_db(true, |app| async move {
        let submit = |category: &'static str, region: &'static str| {
            let app = &app;
            async move {
                let body = solved(app, json!({
                    "kind": "report", "product": "盗版图书", "category": category, "region": region,
                    "address": "某书店", "occurred_on": "2026-06-01",
                    "description": "该书店销售盗版图书。", "anonymous": true
                })).await;
                common::api(
                    app,
                    Method::POST,
                    "/api/v1/public/reports",
                    None,
                    Some(body),
                )
                .await
            }
        };
        let r = submit("pirated", "411500").await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert_eq!(r.json()["error"]["fields"][0]["field"], "category");
        // Copyright in the city: the culture bureau (003 四（十三）), preselected on the page.
        let r = submit("copyright", "411500").await;
        let id = report_id(&app, r.json()["tracking_no"].as_str().expect("number")).await;
        let (_, d) = call(
            &app,
            "staff",
            Method::GET,
            &format!("/api/v1/public-reports/{id}"),
            None,
        )
        .await;
        assert_eq!(d["category"], "copyright");
        assert_eq!(d["route_to"]["unit_name"], "信阳市文化广电和旅游局", "{d}");
        assert_eq!(
            d["route_to"]["clause"],
            "《打击侵犯知识产权和制售假冒伪劣商品工作制度》第四部分第（十三）项"
        );
        let culture = app.unit_id("信阳市文化广电和旅游局").await;
        let mut c = app.client();
        c.login("staff", common::PASSWORD).await;
        let page = c.get(&format!("/public-reports/{id}")).await;
        assert!(
            page.body
                .contains(&format!("<option value=\"{culture}\" selected>")),
            "{}",
            page.body
        );
        assert!(page.body.contains("id=\"route-to\""));
        // A county without the department: its market regulation bureau holds the general
        // duty (四（十六）).
        let r = submit("agriculture", "411521").await;
        let id = report_id(&app, r.json()["tracking_no"].as_str().expect("number")).await;
        let (_, d) = call(
            &app,
            "county.luoshan",
            Method::GET,
            &format!("/api/v1/public-reports/{id}"),
            None,
        )
        .await;
        assert_eq!(d["route_to"]["unit_name"], "罗山县市场监督管理局", "{d}");
        assert_eq!(
            d["route_to"]["clause"],
            "《打击侵犯知识产权和制售假冒伪劣商品工作制度》第四部分第（十六）项"
        );
        // The unit it was routed to is offered no default: routing is the office's.
        let msa = app.unit_id("罗山县市场监督管理局").await.to_string();
        assert_eq!(
            step(
                &app,
                "county.luoshan",
                id,
                json!({"step": "assign", "unit_id": msa})
            )
            .await
            .0,
            StatusCode::NO_CONTENT
        );
        let (_, d) = call(
            &app,
            "liaison.luoshan.scjg",
            Method::GET,
            &format!("/api/v1/public-reports/{id}"),
            None,
        )
        .await;
        assert_eq!(d["handler_unit_name"], "罗山县市场监督管理局", "{d}");
        assert!(d["route_to"].is_null(), "{d}");
    })
    .await;
}

#[tokio::test]
async fn a_named_reporter_who_asked_is_notified_and_an_anonymous_one_never() {
    use shuangda::public_reports::notices::{Channels, Report, send_pending};
    each_db(true, |app| async move {
        let (port, mails) = common::smtp::smtp_sink().await;
        // The office's SMS gateway, on loopback: it keeps what it is sent.
        let hooked = std::sync::Arc::new(std::sync::Mutex::new(Vec::<Value>::new()));
        let keep = hooked.clone();
        let gateway = axum::Router::new().route(
            "/sms",
            axum::routing::post(move |axum::Json(v): axum::Json<Value>| {
                let keep = keep.clone();
                async move {
                    keep.lock().expect("lock").push(v);
                    "ok"
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let hook = format!("http://{}/sms", listener.local_addr().expect("addr"));
        tokio::spawn(async move { axum::serve(listener, gateway).await });

        let submit = |extra: Value| {
            let app = &app;
            async move {
                let mut body = json!({
                    "kind": "report", "product": "奶粉", "region": "411500", "address": "信阳市某母婴店",
                    "occurred_on": "2026-06-01", "description": "该店销售假冒进口奶粉。"
                });
                for (k, v) in extra.as_object().expect("object") {
                    body[k] = v.clone();
                }
                let r = common::api(app, Method::POST, "/api/v1/public/reports", None, Some(solved(app, body).await)).await;
                assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
                let number = r.json()["tracking_no"].as_str().expect("number").to_string();
                (report_id(app, &number).await, number)
            }
        };
        let (asked, number) = submit(json!({"reporter_name": "赵某", "reporter_phone": "13800138000",
            "reporter_email": "zhao@example.cn", "notify": true})).await;
        let (silent, _) = submit(json!({"reporter_name": "钱某", "reporter_phone": "13900139000"})).await;
        let (anonymous, _) = submit(json!({"anonymous": true, "notify": true})).await;
        let msa = app.unit_id(MSA).await.to_string();
        for id in [asked, silent, anonymous] {
            assert_eq!(step(&app, "staff", id, json!({"step": "assign", "unit_id": msa})).await.0, StatusCode::NO_CONTENT);
        }
        // Only the reporter who gave a name and asked has a notice; the submission itself
        // (the reporter's own act) has none.
        let notices: Vec<(i64, String)> = sqlx::query_as("SELECT report_id, what FROM public_report_notices ORDER BY id")
            .fetch_all(&app.db.pool).await.expect("notices");
        assert_eq!(notices, vec![(asked, format!("已分送{MSA}办理"))]);

        let cfg = shuangda::config::Config {
            smtp_url: Some(format!("smtp://127.0.0.1:{port}")),
            ..shuangda::config::Config::default()
        };
        let mailer = shuangda::notify::mail::Mailer::from_config(&cfg).expect("config");
        let ch = Channels::new(mailer, Some(hook.clone()), "https://jubao.example.gov.cn/");
        let r = send_pending(&app.db, &ch, app.now()).await.expect("send");
        assert_eq!(r, Report { sent: 1, failed: 0 });
        let mails = mails.lock().expect("lock").clone();
        assert_eq!(mails.len(), 1);
        assert!(mails[0].contains("To: zhao@example.cn"), "{}", mails[0]);
        let hooked = hooked.lock().expect("lock").clone();
        assert_eq!(hooked.len(), 1);
        assert_eq!(hooked[0]["phone"], "13800138000");
        assert_eq!(hooked[0]["tracking_no"], number.as_str());
        let text = hooked[0]["text"].as_str().expect("text");
        assert!(text.contains(&number) && text.contains("已分送") && text.contains("https://jubao.example.gov.cn/public/track"), "{text}");
        assert!(!text.contains("赵某"), "the notice names no one");
        // Sent once; a gateway that is down keeps the next for another try, with its error.
        assert_eq!(send_pending(&app.db, &ch, app.now()).await.expect("send"), Report::default());
        let (s, _) = step(&app, "liaison.scjg", asked, json!({"step": "decide_filing", "filed": "1"})).await;
        assert_eq!(s, StatusCode::NO_CONTENT);
        let down = Channels::new(None, Some("http://127.0.0.1:9/sms".into()), "https://jubao.example.gov.cn");
        let r = send_pending(&app.db, &down, app.now()).await.expect("send");
        assert_eq!(r, Report { sent: 0, failed: 1 });
        let (attempts, error): (i64, Option<String>) = sqlx::query_as(
            "SELECT attempts, error FROM public_report_notices WHERE sent_at IS NULL")
            .fetch_one(&app.db.pool).await.expect("row");
        assert_eq!(attempts, 1);
        assert!(error.unwrap_or_default().contains("推送接口"));
    })
    .await;
}

#[tokio::test]
async fn an_office_sets_its_own_periods_within_the_law() {
    each_db(true, |app| async move {
        let path = "/api/v1/public-reports/settings";
        let (s, v) = call(&app, "staff", Method::GET, path, None).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["own"], false);
        assert_eq!(v["periods"]["complaint_accept_workdays"], 7);
        assert_eq!(
            call(&app, "liaison.scjg", Method::GET, path, None).await.0,
            StatusCode::FORBIDDEN
        );
        let quick = json!({"periods": {"complaint_accept_workdays": 3, "report_verify_workdays": 10,
            "report_extend_workdays": 5, "reporter_told_workdays": 2}});
        // Only the office director sets them, and never beyond the measures' own.
        assert_eq!(
            call(&app, "staff", Method::PUT, path, Some(quick.clone()))
                .await
                .0,
            StatusCode::FORBIDDEN
        );
        let mut slow = quick.clone();
        slow["periods"]["complaint_accept_workdays"] = json!(8);
        let (s, v) = call(&app, "director", Method::PUT, path, Some(slow)).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(
            v["error"]["fields"][0]["field"],
            "periods.complaint_accept_workdays"
        );
        let (s, v) = call(&app, "director", Method::PUT, path, Some(quick)).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["own"], true);
        // The city office's complaints run on 3 working days, its reports on 10; the Luoshan
        // office set none of its own, so its city's apply.
        let submit =
            |kind: &'static str, region: &'static str| {
                let app = &app;
                async move {
                    let body = solved(app, json!({
                    "kind": kind, "product": "电动车", "region": region, "address": "某商场",
                    "occurred_on": "2026-06-01", "description": "销售假冒品牌电动车。",
                    "reporter_name": "孙某", "reporter_phone": "13700137000"
                })).await;
                    let r = common::api(
                        app,
                        Method::POST,
                        "/api/v1/public/reports",
                        None,
                        Some(body),
                    )
                    .await;
                    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
                    report_id(app, r.json()["tracking_no"].as_str().expect("number")).await
                }
            };
        let rule = |who: &'static str, id: i64| {
            let app = &app;
            async move {
                let (_, d) = call(
                    app,
                    who,
                    Method::GET,
                    &format!("/api/v1/public-reports/{id}"),
                    None,
                )
                .await;
                d["deadlines"][0]["rule_text"]
                    .as_str()
                    .expect("rule")
                    .to_string()
            }
        };
        assert_eq!(
            rule("staff", submit("complaint", "411500").await).await,
            "3个工作日"
        );
        assert_eq!(
            rule("staff", submit("report", "411500").await).await,
            "10个工作日"
        );
        assert_eq!(
            rule("county.luoshan", submit("complaint", "411521").await).await,
            "3个工作日"
        );
        let audited: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'public_report.settings'",
        )
        .fetch_one(&app.db.pool)
        .await
        .expect("audit");
        assert_eq!(audited, 1);
        // The page: a period beyond the law comes back against its field, as typed.
        let mut c = app.client();
        c.login("director", common::PASSWORD).await;
        let page = c.get("/public-reports/settings").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("id=\"periods-form\""), "{}", page.body);
        let r = c
            .post(
                "/public-reports/settings",
                &[
                    ("complaint_accept_workdays", "3"),
                    ("report_verify_workdays", "16"),
                    ("report_extend_workdays", "5"),
                    ("reporter_told_workdays", "2"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            r.body.contains("id=\"report_verify_workdays-error\""),
            "{}",
            r.body
        );
        assert!(r.body.contains("value=\"16\""), "kept as typed");
        // Back to the deployment's.
        let (_, v) = call(
            &app,
            "director",
            Method::PUT,
            path,
            Some(json!({"periods": null})),
        )
        .await;
        assert_eq!(
            (
                v["own"].clone(),
                v["periods"]["complaint_accept_workdays"].clone()
            ),
            (json!(false), json!(7))
        );
    })
    .await;
}

#[tokio::test]
async fn the_queue_lists_open_reports_oldest_first_then_the_closed_latest_first() {
    each_db(true, |app| async move {
        // More than an address may send in an hour: received through the operation itself.
        use shuangda::public_reports::{intake, store};
        let mut ids = Vec::new();
        for n in 0..24 {
            let input = intake::ReportInput {
                kind: "report".into(),
                product: "香烟".into(),
                region: "411500".into(),
                address: "信阳市某便利店".into(),
                occurred_on: "2026-06-01".into(),
                description: format!("该店销售假烟（第{n}件）。"),
                anonymous: true,
                ..Default::default()
            };
            let new = intake::NewReport::parse(&input, app.today()).expect("parses");
            let s = store::submit(
                &app.db,
                &app.state.calendar(),
                &app.state.config.public_reports,
                &store::reporter(app.now(), None),
                &new,
                &store::Admission {
                    nonce: format!("{n:032}"),
                    per_subject_per_day: 10,
                },
                Vec::new(),
            )
            .await
            .expect("received");
            ids.push(s.id);
        }
        // Four of them closed (the order is what is tested, not how they closed).
        for id in [ids[1], ids[5], ids[20], ids[22]] {
            sqlx::query("UPDATE public_reports SET state = 'closed' WHERE id = $1")
                .bind(id)
                .execute(&app.db.pool)
                .await
                .expect("close");
        }
        let page = |n: i64| {
            let app = &app;
            async move {
                let (s, v) = call(
                    app,
                    "staff",
                    Method::GET,
                    &format!("/api/v1/public-reports?page={n}"),
                    None,
                )
                .await;
                assert_eq!(s, StatusCode::OK, "{v}");
                let got: Vec<i64> = v["items"]
                    .as_array()
                    .expect("items")
                    .iter()
                    .map(|r| r["id"].as_i64().expect("id"))
                    .collect();
                (got, v["has_more"].as_bool().expect("has_more"))
            }
        };
        let open: Vec<i64> = ids
            .iter()
            .copied()
            .filter(|id| ![ids[1], ids[5], ids[20], ids[22]].contains(id))
            .collect();
        let (first, more) = page(1).await;
        assert_eq!(first, open[..20].to_vec());
        assert!(more);
        let (second, more) = page(2).await;
        assert_eq!(
            second,
            vec![ids[22], ids[20], ids[5], ids[1]],
            "the closed, latest first"
        );
        assert!(!more);
        assert_eq!(page(3).await, (vec![], false));
    })
    .await;
}
