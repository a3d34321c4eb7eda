//! Administrative–criminal linkage (seed 004) through the HTTP API and pages, on both
//! databases: transfers refused, reconsidered and filed; the 3-day window and the office's
//! exception; procuratorate supervision; hand-backs with seized property; data scope; secrecy
//! markings through the API, the pages and the downloads; requests, meetings and figures.

mod common;

use std::process::Command;

use axum::http::{Method, StatusCode};
use common::{App, PASSWORD, api, call, each_db, proposed_and_approved};
use serde_json::{Value, json};

const MSA: &str = "信阳市市场监督管理局";
const POLICE: &str = "信阳市公安局";
const LS_POLICE: &str = "罗山县公安局";
const PROCURATORATE: &str = "信阳市人民检察院";
const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";

async fn step(app: &App, who: &str, id: i64, body: Value) -> (StatusCode, Value) {
    call(
        app,
        who,
        Method::POST,
        &format!("/api/v1/transfers/{id}/steps"),
        Some(body),
    )
    .await
}

async fn ok_step(app: &App, who: &str, id: i64, body: Value) {
    let (s, v) = step(app, who, id, body.clone()).await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{who} {body}: {v}");
}

fn transfer(to: i64, title: &str) -> Value {
    json!({
        "situation": "own_investigation",
        "title": title,
        "facts": "经查，某商贸公司销售假冒注册商标的白酒120箱，货值25万余元。",
        "suspects": "某商贸有限公司",
        "amount": "256000.50",
        "to_unit_id": to.to_string(),
        "items": [{"name": "假冒白酒", "quantity": "120", "unit": "箱", "storage": "市场监管局罚没物品仓库"}]
    })
}

async fn create(app: &App, who: &str, body: Value, direction: &str) -> i64 {
    let (s, v) = call(
        app,
        who,
        Method::POST,
        &format!("/api/v1/transfers?direction={direction}"),
        Some(body),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v["id"].as_i64().expect("id")
}

async fn upload(
    app: &App,
    who: &str,
    id: i64,
    kind: &str,
    name: &str,
    extra: &[(&str, &str)],
) -> (StatusCode, Value) {
    use tower::ServiceExt;
    let t = app.token(who).await;
    let boundary = "XxSdBoundaryxX";
    let mut body = Vec::new();
    for (k, v) in [("kind", kind)].iter().chain(extra.iter()) {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/pdf\r\n\r\n").as_bytes());
    body.extend_from_slice(PDF);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let req = axum::http::Request::builder()
        .method("POST")
        .uri(format!("/api/v1/transfers/{id}/attachments"))
        .header("authorization", format!("Bearer {t}"))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(axum::body::Body::from(body))
        .expect("request");
    let resp = app.router.clone().oneshot(req).await.expect("response");
    let status = resp.status();
    let bytes = http_body_util::BodyExt::collect(resp.into_body())
        .await
        .expect("body")
        .to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

/// A transfer from the city market regulation bureau to the city police, sent and signed for.
async fn received(app: &App, title: &str) -> i64 {
    let id = create(
        app,
        "liaison.scjg",
        transfer(app.unit_id(POLICE).await, title),
        "to_police",
    )
    .await;
    let (s, v) = upload(
        app,
        "liaison.scjg",
        id,
        "investigation_report",
        "调查报告.pdf",
        &[],
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    proposed_and_approved(app, "liaison.scjg", id, json!({"step": "send"})).await;
    ok_step(app, "handler.gaj", id, json!({"step": "receive"})).await;
    id
}

async fn detail(app: &App, who: &str, id: i64) -> (StatusCode, Value) {
    call(
        app,
        who,
        Method::GET,
        &format!("/api/v1/transfers/{id}"),
        None,
    )
    .await
}

async fn clocks(app: &App, id: i64) -> Vec<(String, String)> {
    sqlx::query_as("SELECT clause, state FROM deadlines WHERE record_type = 'transfer' AND record_id = $1 ORDER BY id")
        .bind(id)
        .fetch_all(&app.db.pool)
        .await
        .expect("clocks")
}

fn year() -> String {
    common::test_today().format("%Y").to_string()
}

#[tokio::test]
async fn refused_then_reconsidered_then_filed() {
    each_db(true, |app| async move {
        let id = received(&app, "某商贸公司销售假冒白酒案").await;
        let (_, d) = detail(&app, "liaison.scjg", id).await;
        assert_eq!(d["state"], "under_review");
        assert_eq!(d["documents"][0]["number"], format!("信市监移〔{}〕1号", year()));
        // The bureau head decided on the handlers' report within his 3 days (国务院令第310号
        // 第五条), and the approved transfer went at once.
        assert_eq!(d["deadlines"][0]["clause"], "国务院令第310号第五条（负责人审批移送）");
        assert_eq!(d["deadlines"][0]["state"], "met");
        // The review clock runs from receipt, 3 days by default (国务院令第310号第八条).
        assert_eq!(d["deadlines"][1]["clause"], "004 二(二)；国务院令第310号第八条");
        assert_eq!(d["deadlines"][1]["rule_text"].as_str().map(|s| s.contains('3')), Some(true));

        // The sender cannot decide; a refusal needs its reasons.
        let (s, v) = step(&app, "liaison.scjg", id, json!({"step": "file"})).await;
        assert_eq!(s, StatusCode::CONFLICT, "{v}");
        let (s, v) = step(&app, "handler.gaj", id, json!({"step": "refuse", "text": " "})).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(v["error"]["fields"][0]["field"], "text");
        proposed_and_approved(&app, "handler.gaj", id, json!({"step": "refuse", "text": "现有证据不足以证明销售金额达到立案追诉标准"})).await;
        let (_, d) = detail(&app, "liaison.scjg", id).await;
        assert_eq!(d["state"], "refused");
        assert!(d["window_closes"].as_str().is_some(), "{d}");
        // The sender's to-do list has the refusal.
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM todo_items WHERE unit_id = $1 AND title LIKE '%不予立案%'")
            .bind(app.unit_id(MSA).await)
            .fetch_one(&app.db.pool)
            .await
            .expect("todo");
        assert_eq!(n, 1);

        ok_step(&app, "liaison.scjg", id, json!({"step": "request_reconsideration", "text": "涉案白酒经鉴定为假冒，货值已超过5万元"})).await;
        // Acting on it deals with the to-do; the police's sign-for to-do went when they signed.
        let open: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM todo_items WHERE link = $1 AND done_at IS NULL AND unit_id <> $2")
            .bind(format!("/transfers/{id}"))
            .bind(app.unit_id(POLICE).await)
            .fetch_one(&app.db.pool)
            .await
            .expect("todos");
        assert_eq!(open, 0);
        // The police cannot leave it pending: the reconsideration has its own clock.
        proposed_and_approved(&app, "handler.gaj", id, json!({"step": "reconsider_file", "text": "经复议，决定立案侦查"})).await;
        let (_, d) = detail(&app, "liaison.scjg", id).await;
        assert_eq!(d["state"], "filed");
        assert_eq!(d["refused"], 1);
        assert_eq!(d["reconsideration"], "filed");
        let kinds: Vec<&str> = d["documents"].as_array().expect("docs").iter().filter_map(|x| x["title"].as_str()).collect();
        assert_eq!(kinds, ["涉嫌犯罪案件移送书", "不予立案通知书", "提请复议书", "立案通知书"]);
        // Review, window and reconsideration kept; the hand-over of the items (国务院令第310号
        // 第十二条) runs from the filing notice.
        assert_eq!(
            clocks(&app, id).await.iter().map(|(_, s)| s.as_str()).collect::<Vec<_>>(),
            ["met", "met", "met", "met", "open"]
        );
        // Nothing more can happen to a filed transfer.
        let (s, _) = step(&app, "handler.gaj", id, json!({"step": "refuse", "text": "x"})).await;
        assert_eq!(s, StatusCode::CONFLICT);

        // The non-filing notice is a real PDF with the reasons in it.
        let doc = d["documents"][1]["id"].as_i64().expect("doc");
        let t = app.token("liaison.scjg").await;
        let r = api(&app, Method::GET, &format!("/api/v1/transfers/{id}/documents/{doc}.pdf"), Some(&t), None).await;
        assert_eq!(r.status, StatusCode::OK);
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("n.pdf");
        std::fs::write(&path, &r.bytes).expect("write");
        // poppler-utils is installed by .ci/run (and named in the README).
        let out = Command::new("pdftotext").arg(&path).arg("-").output().expect("pdftotext (poppler-utils)");
        let text = String::from_utf8_lossy(&out.stdout).replace([' ', '\n'], "");
        common::assert_worded_officially(&text, "the non-filing notice");
        assert!(text.contains("不予立案通知书"), "{text}");
        assert!(text.contains(&format!("信公不立〔{}〕1号", year())), "{text}");
        assert!(text.contains("立案追诉标准"), "{text}");
        // Every step is in the audit trail.
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE object_type = 'transfer' AND object_id = $1")
            .bind(id.to_string())
            .fetch_one(&app.db.pool)
            .await
            .expect("audit");
        assert!(n >= 10, "{n}");
    })
    .await;
}

#[tokio::test]
async fn the_package_must_be_complete_before_it_is_sent() {
    each_db(true, |app| async move {
        let mut body = transfer(app.unit_id(POLICE).await, "材料不全案");
        body["items"] = json!([]);
        let id = create(&app, "liaison.scjg", body, "to_police").await;
        let (s, v) = step(&app, "liaison.scjg", id, json!({"step": "send"})).await;
        assert_eq!(s, StatusCode::CONFLICT);
        let msg = v["error"]["message"].as_str().unwrap_or("");
        assert!(
            msg.contains("调查报告") && msg.contains("涉案物品清单"),
            "{msg}"
        );
        // The receiver sees nothing until it is sent.
        // (004 二(一): a draft has not left the unit.)
        let (s, _) = detail(&app, "handler.gaj", id).await;
        assert_eq!(
            s,
            StatusCode::NOT_FOUND,
            "the receiver is a party once it is sent"
        );
        let (s, _) = step(&app, "handler.gaj", id, json!({"step": "receive"})).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        // Bad input is named field by field; a transfer to a non-police unit is refused.
        let (s, v) = call(
            &app,
            "liaison.scjg",
            Method::POST,
            "/api/v1/transfers",
            Some(json!({"situation": "x", "title": "", "facts": "", "to_unit_id": "abc"})),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        let fields: Vec<&str> = v["error"]["fields"]
            .as_array()
            .expect("fields")
            .iter()
            .filter_map(|f| f["field"].as_str())
            .collect();
        assert_eq!(fields, ["situation", "title", "facts", "to_unit_id"]);
        let (s, v) = call(
            &app,
            "liaison.scjg",
            Method::POST,
            "/api/v1/transfers",
            Some(transfer(app.unit_id(PROCURATORATE).await, "错投案")),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        // The police do not transfer to themselves, nor does the office transfer at all.
        let (s, _) = call(
            &app,
            "handler.gaj",
            Method::POST,
            "/api/v1/transfers",
            Some(transfer(app.unit_id(POLICE).await, "x")),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        let (s, _) = call(
            &app,
            "staff",
            Method::POST,
            "/api/v1/transfers",
            Some(transfer(app.unit_id(POLICE).await, "x")),
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        assert_eq!(app.count("transfers").await, 1, "nothing half-written");
    })
    .await;
}

#[tokio::test]
async fn a_late_request_needs_the_office_and_supervision_reaches_the_procuratorate() {
    each_db(true, |app| async move {
        let id = received(&app, "窗口期测试案").await;
        proposed_and_approved(&app, "handler.gaj", id, json!({"step": "refuse", "text": "不构成犯罪"})).await;
        // Pretend the notice was served on a day whose window has long closed.
        sqlx::query("UPDATE transfers SET served_on = '2025-09-29' WHERE id = $1")
            .bind(id)
            .execute(&app.db.pool)
            .await
            .expect("backdate");
        let (s, v) = step(&app, "liaison.scjg", id, json!({"step": "request_reconsideration", "text": "理由"})).await;
        assert_eq!(s, StatusCode::CONFLICT);
        let msg = v["error"]["message"].as_str().unwrap_or("").to_string();
        // 29 September 2025 + 3 days ends in the National Day holiday (1–8 October): the window
        // closed on the first working day after it, and the refusal names that day. (A past
        // year, so that the window has closed whatever day the tests run on.)
        assert!(msg.contains("届满") && msg.contains("2025-10-09"), "{msg}");
        // Only the office records an exception, with reasons.
        let (s, _) = step(&app, "liaison.scjg", id, json!({"step": "grant_exception", "text": "通知书送达地址有误"})).await;
        assert_eq!(s, StatusCode::CONFLICT);
        ok_step(&app, "staff", id, json!({"step": "grant_exception", "text": "通知书送达地址有误，移送机关未能按时收到"})).await;

        // Before it is asked, the procuratorate cannot see the transfer.
        let (s, _) = detail(&app, "procurator", id).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, v) = step(&app, "liaison.scjg", id, json!({"step": "suggest_supervision", "text": "理由", "procuratorate_unit_id": app.unit_id(POLICE).await.to_string()})).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "only a procuratorate: {v}");
        // 004 二(二): the procuratorate at the same level as the police organ that refused.
        let (s, v) = step(&app, "liaison.scjg", id, json!({"step": "suggest_supervision", "text": "理由", "procuratorate_unit_id": app.unit_id("平阴县人民检察院").await.to_string()})).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "only the same-level procuratorate: {v}");
        assert_eq!(v["error"]["fields"][0]["code"], "out_of_jurisdiction", "{v}");
        ok_step(&app, "liaison.scjg", id, json!({"step": "suggest_supervision", "text": "公安机关应当立案而不立案", "procuratorate_unit_id": app.unit_id(PROCURATORATE).await.to_string()})).await;
        let (s, d) = detail(&app, "procurator", id).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(d["state"], "supervising");
        assert_eq!(d["steps"], json!(["supervision_filed", "supervision_sustained"]));
        let (s, _) = step(&app, "handler.gaj", id, json!({"step": "supervision_filed", "text": "x"})).await;
        assert_eq!(s, StatusCode::CONFLICT, "the police do not record the procuratorate's act");
        ok_step(&app, "procurator", id, json!({"step": "supervision_filed", "text": "经要求说明不立案理由，公安机关已立案"})).await;
        let (_, d) = detail(&app, "staff", id).await;
        assert_eq!(d["state"], "filed");
        assert_eq!(d["supervision"], "filed");
        // Filed after supervision: the items are handed over within 3 days (国务院令第310号第十二条).
        assert_eq!(
            clocks(&app, id).await.last(),
            Some(&("国务院令第310号第十二条（移交涉案物品）".to_string(), "open".to_string()))
        );
        assert_eq!(open_todos(&app, app.unit_id(MSA).await, "请移交涉案物品").await, 1);
    })
    .await;
}

#[tokio::test]
async fn an_accepted_refusal_waives_the_window() {
    each_db(true, |app| async move {
        let id = received(&app, "接受不予立案案").await;
        proposed_and_approved(
            &app,
            "handler.gaj",
            id,
            json!({"step": "refuse", "text": "情节显著轻微"}),
        )
        .await;
        ok_step(&app, "liaison.scjg", id, json!({"step": "accept_refusal"})).await;
        let c = clocks(&app, id).await;
        assert_eq!(c.last().map(|(_, s)| s.as_str()), Some("waived"));
        let (_, d) = detail(&app, "liaison.scjg", id).await;
        assert_eq!(d["state"], "not_filed");

        // A window that lapsed unused is an option not taken: the transfer is not listed as
        // overdue, and accepting the refusal afterwards still works.
        let late = received(&app, "期满后接受案").await;
        proposed_and_approved(
            &app,
            "handler.gaj",
            late,
            json!({"step": "refuse", "text": "情节显著轻微"}),
        )
        .await;
        let later = app.today() + chrono::Duration::days(30);
        shuangda::deadline::scheduler::run_pass(&app.db, &app.state.calendar(), later, app.now())
            .await
            .expect("scheduler pass");
        assert_eq!(
            clocks(&app, late).await.last().map(|(_, s)| s.as_str()),
            Some("missed")
        );
        let (_, d) = detail(&app, "liaison.scjg", late).await;
        assert_eq!(d["overdue"], 0);
        ok_step(
            &app,
            "liaison.scjg",
            late,
            json!({"step": "accept_refusal"}),
        )
        .await;
        assert_eq!(
            clocks(&app, late).await.last().map(|(_, s)| s.as_str()),
            Some("missed")
        );
    })
    .await;
}

#[tokio::test]
async fn hand_back_carries_the_seized_property_and_its_result_comes_back() {
    each_db(true, |app| async move {
        let decided = (app.today() - chrono::Duration::days(2)).to_string();
        let body = json!({
            "title": "某超市销售侵犯注册商标专用权奶粉案",
            "facts": "经审查，涉案金额未达到立案追诉标准，不构成犯罪，但需依法给予行政处罚。",
            "to_unit_id": app.unit_id(MSA).await.to_string(),
            "police_decided_on": decided,
            "items": [
                {"name": "奶粉", "quantity": "36", "unit": "罐", "storage": "市公安局涉案财物管理中心"},
                {"name": "包装箱", "quantity": "2.5", "unit": "立方米", "storage": "市公安局涉案财物管理中心"}
            ]
        });
        // Market regulation does not hand back to market regulation.
        let (s, _) = call(&app, "liaison.scjg", Method::POST, "/api/v1/transfers?direction=hand_back", Some(body.clone())).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        let id = create(&app, "handler.gaj", body, "hand_back").await;
        let (s, v) = step(&app, "handler.gaj", id, json!({"step": "send"})).await;
        assert_eq!(s, StatusCode::CONFLICT, "case materials first: {v}");
        let (s, _) = upload(&app, "handler.gaj", id, "case_materials", "案卷.pdf", &[]).await;
        assert_eq!(s, StatusCode::CREATED);
        ok_step(&app, "handler.gaj", id, json!({"step": "send"})).await;
        let (_, d) = detail(&app, "liaison.scjg", id).await;
        assert_eq!(d["documents"][0]["number"], format!("信公移交〔{}〕1号", year()));
        assert_eq!(d["items"].as_array().map(Vec::len), Some(2));
        // The 10 days ran from the police's decision and were kept.
        assert_eq!(clocks(&app, id).await, vec![("004 二(三)（移交市场监管部门）".to_string(), "met".to_string())]);
        let cal = app.state.calendar();
        let ten = |from: chrono::NaiveDate| cal.due_date(from, shuangda::calendar::Period::Days(10)).expect("due").to_string();
        let span = |clause: &'static str| {
            let pool = app.db.pool.clone();
            async move {
                sqlx::query_as::<_, (String, String)>("SELECT start_date, due_date FROM deadlines WHERE record_type = 'transfer' AND record_id = $1 AND clause = $2")
                    .bind(id)
                    .bind(clause)
                    .fetch_one(&pool)
                    .await
                    .expect("clock")
            }
        };
        let police_decided = app.today() - chrono::Duration::days(2);
        assert_eq!(span("004 二(三)（移交市场监管部门）").await, (police_decided.to_string(), ten(police_decided)), "10 days from the police's decision");
        ok_step(&app, "liaison.scjg", id, json!({"step": "receive"})).await;
        let (s, _) = step(&app, "liaison.scjg", id, json!({"step": "record_decision", "date": "2999-01-01", "text": "罚款"})).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        ok_step(&app, "liaison.scjg", id, json!({"step": "record_decision", "date": app.today().to_string(), "text": "没收侵权奶粉，罚款3万元"})).await;
        assert_eq!(span("004 二(三)（书面反馈处理结果）").await, (app.today().to_string(), ten(app.today())), "10 days from market regulation's decision");
        ok_step(&app, "liaison.scjg", id, json!({"step": "report_result", "text": "已于今日作出行政处罚决定并书面反馈"})).await;
        let (_, d) = detail(&app, "handler.gaj", id).await;
        assert_eq!(d["state"], "reported");
        assert!(clocks(&app, id).await.iter().all(|(_, s)| s == "met"));
        // 004 二(三): the result goes back in writing, a numbered letter of market regulation.
        let titles: Vec<&str> = d["documents"].as_array().expect("docs").iter().filter_map(|x| x["title"].as_str()).collect();
        assert_eq!(titles, ["案件移交函", "处理结果反馈函"]);
        assert_eq!(d["documents"][1]["number"], format!("信市监反馈〔{}〕1号", year()));
        let text = pdf_text(&app, "handler.gaj", id, d["documents"][1]["id"].as_i64().expect("doc")).await;
        common::assert_worded_officially(&text, "the result feedback letter");
        assert!(text.contains("没收侵权奶粉，罚款3万元"), "{text}");
        assert!(text.contains("已于今日作出行政处罚决定并书面反馈"), "{text}");
        assert!(text.contains("信阳市公安局"), "addressed to the police: {text}");
    })
    .await;
}

#[tokio::test]
async fn a_county_market_regulator_sees_only_its_own_transfers() {
    each_db(true, |app| async move {
        let city = received(&app, "市局移送案").await;
        let county = create(
            &app,
            "liaison.luoshan.scjg",
            transfer(app.unit_id(LS_POLICE).await, "罗山县局移送案"),
            "to_police",
        )
        .await;
        let list = |who: &'static str| {
            let app = &app;
            async move {
                let (s, v) = call(app, who, Method::GET, "/api/v1/transfers", None).await;
                assert_eq!(s, StatusCode::OK);
                v["items"]
                    .as_array()
                    .expect("items")
                    .iter()
                    .filter_map(|t| t["id"].as_i64())
                    .collect::<Vec<_>>()
            }
        };
        assert_eq!(list("liaison.luoshan.scjg").await, vec![county]);
        // The county police do not see the county bureau's draft until it is sent.
        assert_eq!(list("handler.luoshan.gaj").await, Vec::<i64>::new());
        assert_eq!(list("liaison.scjg").await, vec![city]);
        assert_eq!(
            list("county.luoshan").await,
            vec![county],
            "the county office sees its county"
        );
        let all = list("director").await;
        assert!(
            all.contains(&city) && all.contains(&county),
            "the city office sees all"
        );
        assert!(list("procurator").await.is_empty());
        for (who, id) in [
            ("liaison.luoshan.scjg", city),
            ("liaison.scjg", county),
            ("pingyin.staff", city),
        ] {
            let (s, _) = detail(&app, who, id).await;
            assert_eq!(s, StatusCode::NOT_FOUND, "{who} {id}");
            let (s, _) = step(&app, who, id, json!({"step": "send"})).await;
            assert_eq!(s, StatusCode::NOT_FOUND, "{who} {id}");
        }
        // Administrators read no case work.
        let (s, _) = call(&app, "sysadmin", Method::GET, "/api/v1/transfers", None).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
    })
    .await;
}

#[tokio::test]
async fn a_withheld_record_stays_withheld_in_the_api_the_pages_and_downloads() {
    each_db(true, |app| async move {
        let director = app.user_id("director").await;
        let mut body = transfer(app.unit_id(POLICE).await, "涉密的制售假药案");
        body["withheld"] = json!(true);
        body["secrecy_basis"] = json!("涉及正在侦办案件的工作秘密");
        let id = create(&app, "liaison.scjg", body, "to_police").await;
        let (s, v) = upload(
            &app,
            "liaison.scjg",
            id,
            "investigation_report",
            "秘密报告.pdf",
            &[("withheld", "1"), ("secrecy_basis", "工作秘密")],
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let aid = v["id"].as_i64().expect("aid");
        proposed_and_approved(&app, "liaison.scjg", id, json!({"step": "send"})).await;

        // The city office sees that something is withheld, and nothing of it.
        let (s, d) = detail(&app, "staff", id).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(d["entitled"], false);
        assert_eq!(d["title"], "（涉密移送案件）");
        assert!(!d.to_string().contains("制售假药"), "{d}");
        assert!(!d.to_string().contains("秘密报告"), "{d}");
        assert!(
            !d.to_string().contains("工作秘密"),
            "the basis is withheld too: {d}"
        );
        assert_eq!(d["documents"], json!([]));
        assert_eq!(d["withheld"], 1);
        let (_, l) = call(&app, "staff", Method::GET, "/api/v1/transfers", None).await;
        assert!(!l.to_string().contains("制售假药"));
        let t = app.token("staff").await;
        let r = api(
            &app,
            Method::GET,
            &format!("/api/v1/transfers/{id}/attachments/{aid}"),
            Some(&t),
            None,
        )
        .await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        assert!(!r.bytes.starts_with(b"%PDF"));
        let r = api(
            &app,
            Method::GET,
            &format!("/api/v1/transfers/{id}/documents/1.pdf"),
            Some(&t),
            None,
        )
        .await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        // The page too.
        let mut c = app.client();
        c.login("staff", PASSWORD).await;
        let page = c.get(&format!("/transfers/{id}")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("withheld-notice") && !page.body.contains("制售假药"));
        let page = c.get("/transfers").await;
        assert!(page.body.contains("涉密") && !page.body.contains("制售假药"));

        // The receiving police unit sees it, and each view is audited.
        let (_, d) = detail(&app, "handler.gaj", id).await;
        assert_eq!(d["title"], "涉密的制售假药案");
        // The attachment is its uploader's own: the police see that it exists, not what it is.
        assert_eq!(d["attachments"][0]["sha256"], "");
        let t = app.token("liaison.scjg").await;
        let r = api(
            &app,
            Method::GET,
            &format!("/api/v1/transfers/{id}/attachments/{aid}"),
            Some(&t),
            None,
        )
        .await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.bytes.starts_with(b"%PDF"));
        let views: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'secrecy.view'")
                .fetch_one(&app.db.pool)
                .await
                .expect("views");
        assert!(views >= 2, "{views}");

        // A named person outside the two units sees it.
        let mut body = transfer(app.unit_id(POLICE).await, "指定知悉人员案");
        body["withheld"] = json!(true);
        body["secrecy_basis"] = json!("工作秘密");
        body["secrecy_user_ids"] = json!([director.to_string()]);
        let named = create(&app, "liaison.scjg", body, "to_police").await;
        let (_, d) = detail(&app, "director", named).await;
        assert_eq!(d["title"], "指定知悉人员案");
        let (_, d) = detail(&app, "staff", named).await;
        assert_eq!(d["title"], "（涉密移送案件）");
        // The audit administrator reviews who did what, not the content.
        let (s, v) = call(
            &app,
            "auditadmin",
            Method::GET,
            "/api/v1/audit?object_type=transfer",
            None,
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        assert!(!v.to_string().contains("制售假药"));
    })
    .await;
}

#[tokio::test]
async fn requests_reach_the_other_side_and_consultations_go_up_a_level() {
    each_db(true, |app| async move {
        let police = app.unit_id(POLICE).await;
        let (s, v) = call(&app, "liaison.scjg", Method::POST, "/api/v1/linkage/requests", Some(json!({
            "kind": "urgent_notice", "to_unit_id": police.to_string(),
            "subject": "执法现场遭遇暴力抗法", "body": "某批发市场执法现场有人聚众围堵，请立即出警。"
        }))).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let rid = v["id"].as_i64().expect("id");
        // It is on the police unit's to-do list at once, marked urgent.
        let urgent: i64 = sqlx::query_scalar("SELECT urgent FROM todo_items WHERE unit_id = $1 AND link = $2")
            .bind(police)
            .bind(format!("/linkage/requests/{rid}"))
            .fetch_one(&app.db.pool)
            .await
            .expect("todo");
        assert_eq!(urgent, 1);
        let mut c = app.client();
        c.login("handler.gaj", PASSWORD).await;
        let home = c.get("/").await;
        assert!(home.body.contains("【紧急】"), "the home page's to-do list shows it");
        // Police cannot send an urgent notice the other way; the sender cannot answer itself.
        let (s, _) = call(&app, "handler.gaj", Method::POST, "/api/v1/linkage/requests", Some(json!({
            "kind": "urgent_notice", "to_unit_id": app.unit_id(MSA).await.to_string(), "subject": "x", "body": "x"
        }))).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        let (s, _) = call(&app, "liaison.scjg", Method::POST, &format!("/api/v1/linkage/requests/{rid}/steps"), Some(json!({"step": "answer", "answer": "x"}))).await;
        assert_eq!(s, StatusCode::CONFLICT);
        let (s, _) = call(&app, "handler.gaj", Method::POST, &format!("/api/v1/linkage/requests/{rid}/steps"), Some(json!({"step": "answer", "answer": "已出警处置"}))).await;
        assert_eq!(s, StatusCode::NO_CONTENT);

        // A county consultation the county police cannot settle goes to the city bureau.
        let (s, v) = call(&app, "liaison.luoshan.scjg", Method::POST, "/api/v1/linkage/requests", Some(json!({
            "kind": "consultation", "topic": "filing_threshold", "to_unit_id": app.unit_id(LS_POLICE).await.to_string(),
            "subject": "销售假冒茶叶的追诉标准", "body": "销售金额4.8万元、另有库存货值3万元，是否达到追诉标准？"
        }))).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let cid = v["id"].as_i64().expect("id");
        let (s, v) = call(&app, "handler.luoshan.gaj", Method::POST, &format!("/api/v1/linkage/requests/{cid}/steps"), Some(json!({"step": "escalate", "to_unit_id": app.unit_id(MSA).await.to_string(), "answer": "x"}))).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "not the same line: {v}");
        let (s, v) = call(&app, "handler.luoshan.gaj", Method::POST, &format!("/api/v1/linkage/requests/{cid}/steps"), Some(json!({"step": "escalate", "to_unit_id": police.to_string(), "answer": "库存货值能否计入存在分歧"}))).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let up = v["id"].as_i64().expect("up");
        let (s, _) = call(&app, "handler.gaj", Method::POST, &format!("/api/v1/linkage/requests/{up}/steps"), Some(json!({"step": "answer", "answer": "已销售金额和库存货值合计计算"}))).await;
        assert_eq!(s, StatusCode::NO_CONTENT);
        // The asking county unit follows its question upward.
        let (s, v) = call(&app, "liaison.luoshan.scjg", Method::GET, &format!("/api/v1/linkage/requests/{up}"), None).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(v["state"], "answered");
        let (_, v) = call(&app, "liaison.luoshan.scjg", Method::GET, &format!("/api/v1/linkage/requests/{cid}"), None).await;
        assert_eq!(v["state"], "escalated");
    })
    .await;
}

#[tokio::test]
async fn meetings_record_decisions_as_items_with_clocks() {
    each_db(true, |app| async move {
        let police = app.unit_id(POLICE).await;
        let today = app.today();
        let due = (today + chrono::Duration::days(10)).to_string();
        let (s, v) = call(&app, "liaison.scjg", Method::POST, "/api/v1/linkage/meetings", Some(json!({
            "kind": "joint_supervision", "held_on": today.to_string(), "unit_ids": [police.to_string()],
            "attendees": "市市场监管局分管领导，市公安局食药环侦支队负责人，案件主办人员",
            "topics": "研究白酒案移送及联合调查下步意见", "minutes": "会议决定由公安机关提前介入。",
            "items": [{"text": "提前介入并固定证据", "owner_unit_id": police.to_string(), "due_on": due}]
        }))).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let mid = v["id"].as_i64().expect("id");
        let (_, m) = call(&app, "handler.gaj", Method::GET, &format!("/api/v1/linkage/meetings/{mid}"), None).await;
        let item = m["items"][0]["id"].as_i64().expect("item");
        let (clause, state): (String, String) = sqlx::query_as("SELECT clause, state FROM deadlines WHERE record_type = 'linkage_meeting' AND record_id = $1")
            .bind(mid)
            .fetch_one(&app.db.pool)
            .await
            .expect("clock");
        assert_eq!((clause.as_str(), state.as_str()), ("004 三(三)", "open"));
        let (s, _) = call(&app, "liaison.scjg", Method::POST, &format!("/api/v1/linkage/meetings/{mid}/steps"), Some(json!({"step": "complete_item", "item": item, "note": "x"}))).await;
        assert_eq!(s, StatusCode::CONFLICT, "only the owner reports");
        let (s, _) = call(&app, "handler.gaj", Method::POST, &format!("/api/v1/linkage/meetings/{mid}/steps"), Some(json!({"step": "complete_item", "item": item, "note": "已提前介入，固定证据12份"}))).await;
        assert_eq!(s, StatusCode::NO_CONTENT);
        let state: String = sqlx::query_scalar("SELECT state FROM deadlines WHERE record_type = 'linkage_meeting' AND record_id = $1")
            .bind(mid)
            .fetch_one(&app.db.pool)
            .await
            .expect("clock");
        assert_eq!(state, "met");
        // Not a party: not found.
        let (s, _) = call(&app, "liaison.luoshan.scjg", Method::GET, &format!("/api/v1/linkage/meetings/{mid}"), None).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        // A meeting item due in the past is refused by field.
        let (s, v) = call(&app, "liaison.scjg", Method::POST, "/api/v1/linkage/meetings", Some(json!({
            "kind": "special_coordination", "held_on": today.to_string(), "unit_ids": [police.to_string()],
            "attendees": "a", "topics": "b", "minutes": "c",
            "items": [{"text": "x", "owner_unit_id": police.to_string(), "due_on": "2020-01-01"}]
        }))).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(v["error"]["fields"][0]["field"], "items[0].due_on");
    })
    .await;
}

#[tokio::test]
async fn figures_by_unit_on_screen_and_as_xlsx() {
    each_db(true, |app| async move {
        let a = received(&app, "统计案一").await;
        proposed_and_approved(&app, "handler.gaj", a, json!({"step": "file"})).await;
        let b = received(&app, "统计案二").await;
        proposed_and_approved(
            &app,
            "handler.gaj",
            b,
            json!({"step": "refuse", "text": "证据不足"}),
        )
        .await;
        ok_step(
            &app,
            "liaison.scjg",
            b,
            json!({"step": "request_reconsideration", "text": "补充证据"}),
        )
        .await;
        proposed_and_approved(
            &app,
            "handler.gaj",
            b,
            json!({"step": "reconsider_uphold", "text": "维持"}),
        )
        .await;
        let (s, f) = call(&app, "director", Method::GET, "/api/v1/linkage/stats", None).await;
        assert_eq!(s, StatusCode::OK, "{f}");
        let row = |name: &str| {
            f["rows"]
                .as_array()
                .expect("rows")
                .iter()
                .find(|r| r["unit_name"] == name)
                .cloned()
                .expect("row")
        };
        let msa = row(MSA);
        assert_eq!(
            (
                msa["transfers"].as_i64(),
                msa["filed"].as_i64(),
                msa["refused"].as_i64()
            ),
            (Some(2), Some(1), Some(1))
        );
        assert_eq!(msa["filing_rate"], 50.0);
        assert_eq!(msa["reconsidered_upheld"], 1);
        assert_eq!(row(POLICE)["transfers"], 2);
        // The police kept every clock so far (review, reconsideration): 100 %.
        assert_eq!(row(POLICE)["on_time_rate"], 100.0);
        assert_eq!(f["total"]["transfers"], 2);
        // A unit sees only its own row.
        let (_, f) = call(
            &app,
            "handler.gaj",
            Method::GET,
            "/api/v1/linkage/stats",
            None,
        )
        .await;
        assert_eq!(f["rows"].as_array().map(Vec::len), Some(1));
        // A bad period is refused by field.
        let (s, v) = call(
            &app,
            "director",
            Method::GET,
            "/api/v1/linkage/stats?from=2026-12-01&to=2026-01-01",
            None,
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(v["error"]["fields"][0]["field"], "to");
        // The workbook opens as an .xlsx (a ZIP with the sheet).
        let mut c = app.client();
        c.login("director", PASSWORD).await;
        let r = c.get("/linkage/stats.xlsx").await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.bytes.starts_with(b"PK"));
        let mut zip =
            zip::ZipArchive::new(std::io::Cursor::new(r.bytes.to_vec())).expect("xlsx is a zip");
        let mut strings = String::new();
        std::io::Read::read_to_string(
            &mut zip.by_name("xl/sharedStrings.xml").expect("strings"),
            &mut strings,
        )
        .expect("read");
        assert!(strings.contains(MSA) && strings.contains("立案率"));
        let page = c.get("/linkage/stats").await;
        assert!(page.body.contains("stats-table") && page.body.contains(MSA));
        // Issue #16: the funnel of the totals, each step's bar carrying the total row's figure.
        let total = &f["total"];
        for (step, key) in [
            ("移送", "transfers"),
            ("立案", "filed"),
            ("不予立案", "refused"),
        ] {
            let n = total[key].as_i64().expect("figure");
            let at = page
                .body
                .find(&format!("data-label=\"{step}\""))
                .unwrap_or_else(|| panic!("no bar {step}"));
            let bar = &page.body[at..];
            let bar = &bar[..bar.find("</g>").unwrap_or(bar.len())];
            assert!(bar.contains(&format!(">{n}</text>")), "{step} {n}: {bar}");
        }
        assert!(page.body.contains("aria-label=\"移送案件办理流程\""));
    })
    .await;
}

#[tokio::test]
async fn every_linkage_page_renders_for_those_who_may_see_it() {
    each_db(true, |app| async move {
        let id = received(&app, "页面测试案").await;
        let (_, r) = call(&app, "liaison.scjg", Method::POST, "/api/v1/linkage/requests", Some(json!({
            "kind": "verify", "to_unit_id": app.unit_id(POLICE).await.to_string(), "subject": "协助查证", "body": "请协助查证当事人身份",
            "transfer_id": id.to_string()
        }))).await;
        let rid = r["id"].as_i64().expect("request");
        let pages = [
            "/transfers".to_string(),
            format!("/transfers/{id}"),
            "/linkage/requests".into(),
            format!("/linkage/requests/{rid}"),
            "/linkage/meetings".into(),
            "/linkage/stats".into(),
        ];
        for who in ["leader", "director", "staff", "liaison.scjg", "handler.gaj", "county.luoshan"] {
            let mut c = app.client();
            c.login(who, PASSWORD).await;
            for p in &pages {
                let r = c.get(p).await;
                let expect = if who == "county.luoshan" && (p.contains(&id.to_string()) || p.contains(&format!("/{rid}"))) {
                    StatusCode::NOT_FOUND
                } else {
                    StatusCode::OK
                };
                assert_eq!(r.status, expect, "{who} {p}");
            }
        }
        // The registration forms: a transfer for market regulation, a hand-back for the police,
        // neither for the office; requests and meetings for the units and the office.
        for (who, status, heading) in [
            ("liaison.scjg", StatusCode::OK, "移送涉嫌犯罪案件"),
            ("handler.gaj", StatusCode::OK, "向市场监管部门移交案件"),
            ("staff", StatusCode::FORBIDDEN, ""),
        ] {
            let mut c = app.client();
            c.login(who, PASSWORD).await;
            let r = c.get("/transfers/new").await;
            assert_eq!(r.status, status, "{who}");
            assert!(r.body.contains(heading));
            assert_eq!(c.get("/linkage/meetings/new").await.status, StatusCode::OK, "{who}");
            let asks = if who == "staff" { StatusCode::FORBIDDEN } else { StatusCode::OK };
            assert_eq!(c.get("/linkage/requests/new").await.status, asks, "{who}");
        }
        // The police answer from the request page.
        let mut c = app.client();
        c.login("handler.gaj", PASSWORD).await;
        let page = c.get(&format!("/linkage/requests/{rid}")).await;
        assert!(page.body.contains("answer-form"));
        let r = c.post(&format!("/linkage/requests/{rid}/answer"), &[("answer", "")]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("请填写答复内容"));
        let r = c.post(&format!("/linkage/requests/{rid}/answer"), &[("answer", "经查证属实")]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
    })
    .await;
}

#[tokio::test]
async fn the_demo_linkage_work_is_made_through_the_real_steps() {
    each_db(true, |app| async move {
        shuangda::demo::load_linkage(&app.state)
            .await
            .expect("demo linkage");
        let states: Vec<String> = sqlx::query_scalar("SELECT state FROM transfers ORDER BY id")
            .fetch_all(&app.db.pool)
            .await
            .expect("states");
        // The third waits for the bureau head's approval (国务院令第310号第五条).
        assert_eq!(states, ["refused", "under_review", "awaiting_head", "sent"]);
        let head = shuangda::notify::store::todos(
            &app.db,
            &shuangda::users::store::load_actor(&app.db, app.user_id("head.scjg").await)
                .await
                .expect("actor")
                .expect("head")
                .0,
        )
        .await
        .expect("todos");
        assert!(
            head.iter()
                .any(|t| t.title.contains("提请审批：移送公安机关")),
            "{head:?}"
        );
        assert_eq!(
            app.count("transfer_documents").await,
            4,
            "3 letters and 1 non-filing notice"
        );
        // The office sees the refusal first.
        let (_, l) = call(&app, "director", Method::GET, "/api/v1/transfers", None).await;
        assert_eq!(l["items"][0]["state"], "refused");
        let urgent: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM todo_items WHERE urgent = 1")
            .fetch_one(&app.db.pool)
            .await
            .expect("urgent");
        assert_eq!(urgent, 1);
    })
    .await;
}

/// The list's date filter takes Beijing days: a transfer registered at 07:00 on 24 November in
/// Beijing (23:00 on the 23rd in UTC) belongs to the 24th.
#[tokio::test]
async fn the_transfer_list_filters_by_beijing_registration_day() {
    each_db(true, |app| async move {
        let id = create(
            &app,
            "liaison.scjg",
            transfer(app.unit_id(POLICE).await, "早间登记的移送案"),
            "to_police",
        )
        .await;
        sqlx::query("UPDATE transfers SET created_at = $1 WHERE id = $2")
            .bind("2026-11-23T23:00:00.000000Z")
            .bind(id)
            .execute(&app.db.pool)
            .await
            .expect("backdate");
        let found = |query: &'static str| {
            let app = &app;
            async move {
                let (s, v) = call(
                    app,
                    "liaison.scjg",
                    Method::GET,
                    &format!("/api/v1/transfers?{query}"),
                    None,
                )
                .await;
                assert_eq!(s, StatusCode::OK, "{v}");
                v["items"]
                    .as_array()
                    .expect("items")
                    .iter()
                    .any(|t| t["id"].as_i64() == Some(id))
            }
        };
        assert!(found("from=2026-11-24&to=2026-11-24").await);
        assert!(found("to=2026-11-24").await);
        assert!(!found("to=2026-11-23").await);
        assert!(!found("from=2026-11-25").await);
    })
    .await;
}

/// A malformed transfer-list filter is refused field by field (422) instead of being dropped.
#[tokio::test]
async fn a_malformed_transfer_filter_is_named_not_dropped() {
    each_db(true, |app| async move {
        let (s, v) = call(
            &app,
            "liaison.scjg",
            Method::GET,
            "/api/v1/transfers?state=lost&direction=sideways&unit_id=x&from=2026-11-31",
            None,
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        let fields: Vec<&str> = v["error"]["fields"]
            .as_array()
            .expect("fields")
            .iter()
            .filter_map(|f| f["field"].as_str())
            .collect();
        assert_eq!(fields, ["from", "state", "direction", "unit_id"], "{v}");
        let (s, v) = call(
            &app,
            "liaison.scjg",
            Method::GET,
            "/api/v1/transfers?state=refused&direction=to_police&from=2026-11-01&to=2026-11-30",
            None,
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let mut c = app.client();
        c.login("liaison.scjg", PASSWORD).await;
        let r = c.get("/transfers?to=yesterday").await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            r.body.contains("登记日期止：日期格式应为YYYY-MM-DD"),
            "{}",
            r.body
        );
    })
    .await;
}

#[tokio::test]
async fn secrecy_holds_on_every_act_and_a_draft_stays_in_its_unit() {
    each_db(true, |app| async move {
        // 004 二(一): a draft has not left the unit; the police neither list nor read it.
        let id = create(&app, "liaison.scjg", transfer(app.unit_id(POLICE).await, "草稿阶段的移送案"), "to_police").await;
        let (s, _) = detail(&app, "handler.gaj", id).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "a draft is the sender's own");
        let (_, l) = call(&app, "handler.gaj", Method::GET, "/api/v1/transfers", None).await;
        assert!(!l.to_string().contains("草稿阶段的移送案"), "{l}");
        let (s, v) = upload(&app, "liaison.scjg", id, "investigation_report", "调查报告.pdf", &[]).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        proposed_and_approved(&app, "liaison.scjg", id, json!({"step": "send"})).await;
        let (s, _) = detail(&app, "handler.gaj", id).await;
        assert_eq!(s, StatusCode::OK, "sent, it is the police's to sign for");

        // 004 一(二): on a withheld transfer, an office user not named on it cannot act.
        let mut body = transfer(app.unit_id(POLICE).await, "涉密的侵权案");
        body["withheld"] = json!(true);
        body["secrecy_basis"] = json!("工作秘密");
        let id = create(&app, "liaison.scjg", body, "to_police").await;
        let (s, v) = upload(&app, "liaison.scjg", id, "investigation_report", "调查报告.pdf", &[]).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        proposed_and_approved(&app, "liaison.scjg", id, json!({"step": "send"})).await;
        ok_step(&app, "handler.gaj", id, json!({"step": "receive"})).await;
        proposed_and_approved(&app, "handler.gaj", id, json!({"step": "refuse", "text": "不构成犯罪"})).await;
        sqlx::query("UPDATE transfers SET served_on = '2025-09-29' WHERE id = $1")
            .bind(id)
            .execute(&app.db.pool)
            .await
            .expect("backdate");
        let (s, d) = detail(&app, "staff", id).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(d["entitled"], false);
        let (s, v) = step(&app, "staff", id, json!({"step": "grant_exception", "text": "通知书送达地址有误"})).await;
        assert_eq!(s, StatusCode::CONFLICT, "{v}");
        assert_eq!(v["error"]["code"], "not_entitled", "{v}");
        let granted: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM audit_log WHERE object_type = 'transfer' AND object_id = $1 AND action = 'transfer.grant_exception'",
        )
        .bind(id.to_string())
        .fetch_one(&app.db.pool)
        .await
        .expect("count");
        assert_eq!(granted, 0, "nothing recorded");
    })
    .await;
}

/// Open to-dos of `unit` whose title contains `words`.
async fn open_todos(app: &App, unit: i64, words: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM todo_items WHERE unit_id = $1 AND title LIKE $2 AND done_at IS NULL",
    )
    .bind(unit)
    .bind(format!("%{words}%"))
    .fetch_one(&app.db.pool)
    .await
    .expect("to-dos")
}

#[tokio::test]
async fn to_dos_close_at_the_act_that_discharges_them() {
    each_db(true, |app| async move {
        let police = app.unit_id(POLICE).await;
        // Signing for a transfer: opened by sending, kept open by any other act of the police,
        // closed by signing for it.
        let id = create(&app, "liaison.scjg", transfer(police, "签收待办测试案"), "to_police").await;
        let (s, v) = upload(&app, "liaison.scjg", id, "investigation_report", "调查报告.pdf", &[]).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        assert_eq!(open_todos(&app, police, "请签收").await, 0, "nothing before it is sent");
        proposed_and_approved(&app, "liaison.scjg", id, json!({"step": "send"})).await;
        assert_eq!(open_todos(&app, police, "请签收").await, 1);
        // 国务院令第310号 art. 8: the 3-day review runs from receipt, i.e. from sending, before
        // anyone signs for it.
        let (start, due, event): (String, String, String) = sqlx::query_as(
            "SELECT start_date, due_date, start_event FROM deadlines WHERE record_type = 'transfer' AND record_id = $1 AND state = 'open'",
        )
        .bind(id)
        .fetch_one(&app.db.pool)
        .await
        .expect("review clock");
        assert_eq!(start, app.today().to_string());
        assert_eq!(event, "移送案件送达公安机关");
        let three_days = app
            .state
            .calendar()
            .due_date(app.today(), shuangda::calendar::Period::Days(3))
            .expect("due");
        assert_eq!(due, three_days.to_string(), "3 days from receipt");
        let (s, v) = upload(&app, "handler.gaj", id, "other", "补充说明.pdf", &[]).await;
        if s == StatusCode::CREATED {
            assert_eq!(open_todos(&app, police, "请签收").await, 1, "a file is not signing for it");
        } else {
            assert!(s.is_client_error(), "{v}");
        }
        ok_step(&app, "handler.gaj", id, json!({"step": "receive"})).await;
        assert_eq!(open_todos(&app, police, "请签收").await, 0, "signed for");

        // A decided item of a linkage meeting: open until its owner reports it done.
        let due = (app.today() + chrono::Duration::days(10)).to_string();
        let (s, v) = call(&app, "liaison.scjg", Method::POST, "/api/v1/linkage/meetings", Some(json!({
            "kind": "joint_supervision", "held_on": app.today().to_string(), "unit_ids": [police.to_string()],
            "attendees": "双方案件主办人员", "topics": "研究移送事宜", "minutes": "会议决定由公安机关提前介入。",
            "items": [{"text": "提前介入并固定证据", "owner_unit_id": police.to_string(), "due_on": due}]
        }))).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let mid = v["id"].as_i64().expect("id");
        assert_eq!(open_todos(&app, police, "提前介入并固定证据").await, 1);
        let (_, m) = call(&app, "handler.gaj", Method::GET, &format!("/api/v1/linkage/meetings/{mid}"), None).await;
        let item = m["items"][0]["id"].as_i64().expect("item");
        let (s, v) = call(&app, "handler.gaj", Method::POST, &format!("/api/v1/linkage/meetings/{mid}/steps"), Some(json!({"step": "complete_item", "item": item, "note": "已固定证据12份"}))).await;
        assert!(s.is_success(), "{v}");
        assert_eq!(open_todos(&app, police, "提前介入并固定证据").await, 0, "done");
    })
    .await;
}

/// The text of a transfer's document, as pdftotext reads it, without spaces or line breaks.
async fn pdf_text(app: &App, who: &str, id: i64, doc: i64) -> String {
    let t = app.token(who).await;
    let r = api(
        app,
        Method::GET,
        &format!("/api/v1/transfers/{id}/documents/{doc}.pdf"),
        Some(&t),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("d.pdf");
    std::fs::write(&path, &r.bytes).expect("write");
    let out = Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils)");
    String::from_utf8_lossy(&out.stdout).replace([' ', '\n'], "")
}

/// 004 二(二): the 3 days for reconsideration or supervision run from the day the notice
/// reached the transferring unit, which it records; a window closed on the day of the decision
/// opens again from the day of service.
#[tokio::test]
async fn the_window_runs_from_the_recorded_service_date() {
    each_db(true, |app| async move {
        let cal = app.state.calendar();
        let days3 = |d: chrono::NaiveDate| cal.due_date(d, shuangda::calendar::Period::Days(3)).expect("due");
        // Backdate transfer `id`'s refusal to `decided`: the record and its window clock.
        let backdate = |id: i64, decided: chrono::NaiveDate| {
            let app = &app;
            let due = days3(decided).to_string();
            async move {
                let (t0, d0) = (app.today().to_string(), decided.to_string());
                sqlx::query("UPDATE transfers SET decided_on = $1, served_on = $1 WHERE id = $2")
                    .bind(&d0).bind(id).execute(&app.db.pool).await.expect("backdate");
                sqlx::query("UPDATE deadlines SET clock = REPLACE(clock, $1, $2), start_date = $3, due_date = $4 WHERE record_type = 'transfer' AND record_id = $5 AND state = 'open'")
                    .bind(format!("\"start\":\"{t0}\"")).bind(format!("\"start\":\"{d0}\""))
                    .bind(&d0).bind(due).bind(id)
                    .execute(&app.db.pool).await.expect("backdate clock");
            }
        };
        let respond_due = |id: i64| {
            let pool = app.db.pool.clone();
            async move {
                sqlx::query_scalar::<_, Option<String>>("SELECT due_date FROM todo_items WHERE source_type = 'transfer' AND source_id = $1 AND duty = 'respond_to_refusal' AND done_at IS NULL")
                    .bind(id)
                    .fetch_one(&pool)
                    .await
                    .expect("the unit's to-do")
            }
        };

        // A window that lapsed is not reopened on the unit's own word: that is the office's
        // exception, with reasons.
        let lapsed = received(&app, "期满后登记送达案").await;
        proposed_and_approved(&app, "handler.gaj", lapsed, json!({"step": "refuse", "text": "情节显著轻微"})).await;
        let long_ago = app.today() - chrono::Duration::days(10);
        backdate(lapsed, long_ago).await;
        shuangda::deadline::scheduler::run_pass(&app.db, &cal, app.today(), app.now()).await.expect("pass");
        assert_eq!(clocks(&app, lapsed).await.last().map(|(_, s)| s.as_str()), Some("missed"));
        let (s, v) = step(&app, "liaison.scjg", lapsed, json!({"step": "record_service", "date": app.today().to_string()})).await;
        assert_eq!(s, StatusCode::CONFLICT, "{v}");
        assert!(v["error"]["message"].as_str().unwrap_or("").contains("双打办"), "{v}");

        let id = received(&app, "送达日期登记案").await;
        proposed_and_approved(&app, "handler.gaj", id, json!({"step": "refuse", "text": "情节显著轻微"})).await;
        // The unit's to-do falls due when its window closes.
        assert_eq!(respond_due(id).await, Some(days3(app.today()).to_string()));
        // Made two days ago; the notice reached the unit yesterday.
        let decided = app.today() - chrono::Duration::days(2);
        let d0 = decided.to_string();
        backdate(id, decided).await;

        // The police do not record the unit's service; no date before the notice, none ahead.
        let served = app.today() - chrono::Duration::days(1);
        let (s, _) = step(&app, "handler.gaj", id, json!({"step": "record_service", "date": served.to_string()})).await;
        assert_eq!(s, StatusCode::CONFLICT);
        let before = (decided - chrono::Duration::days(1)).to_string();
        let (s, v) = step(&app, "liaison.scjg", id, json!({"step": "record_service", "date": before})).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(v["error"]["fields"][0]["field"], "date");
        let ahead = (app.today() + chrono::Duration::days(1)).to_string();
        let (s, _) = step(&app, "liaison.scjg", id, json!({"step": "record_service", "date": ahead})).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);

        ok_step(&app, "liaison.scjg", id, json!({"step": "record_service", "date": served.to_string()})).await;
        let (start, due, state): (String, String, String) = sqlx::query_as(
            "SELECT start_date, due_date, state FROM deadlines WHERE record_type = 'transfer' AND record_id = $1 AND clause = $2",
        )
        .bind(id)
        .bind("004 二(二)（提请复议或建议立案监督）")
        .fetch_one(&app.db.pool)
        .await
        .expect("window");
        assert_eq!((start.as_str(), state.as_str()), (served.to_string().as_str(), "open"));
        assert_eq!(due, days3(served).to_string(), "3 days from service");
        let (_, d) = detail(&app, "liaison.scjg", id).await;
        assert_eq!(d["window_closes"], days3(served).to_string());
        assert_eq!(respond_due(id).await, Some(days3(served).to_string()), "the to-do follows the window");
        // Once per notice.
        let (s, v) = step(&app, "liaison.scjg", id, json!({"step": "record_service", "date": served.to_string()})).await;
        assert_eq!(s, StatusCode::CONFLICT, "{v}");
        ok_step(&app, "liaison.scjg", id, json!({"step": "request_reconsideration", "text": "证据充分"})).await;

        // The upheld refusal is a written decision, numbered, served anew.
        proposed_and_approved(&app, "handler.gaj", id, json!({"step": "reconsider_uphold", "text": "涉案金额未达立案追诉标准"})).await;
        let (_, d) = detail(&app, "liaison.scjg", id).await;
        let docs = d["documents"].as_array().expect("docs");
        let decision = docs.iter().find(|x| x["title"] == "复议决定书").expect("复议决定书");
        assert_eq!(decision["number"], format!("信公复决〔{}〕1号", year()));
        let text = pdf_text(&app, "liaison.scjg", id, decision["id"].as_i64().expect("id")).await;
        common::assert_worded_officially(&text, "the reconsideration decision");
        assert!(text.contains("涉案金额未达立案追诉标准"), "{text}");
        assert!(text.contains("维持不予立案的决定"), "{text}");
        assert!(!text.contains(&d0), "dates written in Chinese: {text}");
        assert!(d["steps"].as_array().expect("steps").iter().any(|s| s == "record_service"), "a new notice, a new service date: {d}");
        ok_step(&app, "liaison.scjg", id, json!({"step": "record_service", "date": app.today().to_string()})).await;
    })
    .await;
}

/// 国务院令第310号第十二条: after the filing notice the transferring unit hands over the items
/// involved within 3 days; the clock and the to-do are the unit's, and the act closes both.
#[tokio::test]
async fn filing_opens_the_three_days_to_hand_over_the_items() {
    each_db(true, |app| async move {
        let msa = app.unit_id(MSA).await;
        let id = received(&app, "移交涉案物品案").await;
        assert_eq!(open_todos(&app, msa, "请移交涉案物品").await, 0);
        proposed_and_approved(&app, "handler.gaj", id, json!({"step": "file"})).await;
        let (start, due, event, owner): (String, String, String, i64) = sqlx::query_as(
            "SELECT start_date, due_date, start_event, owner_unit_id FROM deadlines WHERE record_type = 'transfer' AND record_id = $1 AND clause = $2 AND state = 'open'",
        )
        .bind(id)
        .bind("国务院令第310号第十二条（移交涉案物品）")
        .fetch_one(&app.db.pool)
        .await
        .expect("hand-over clock");
        let three = app.state.calendar().due_date(app.today(), shuangda::calendar::Period::Days(3)).expect("due");
        assert_eq!((start, due, event, owner), (app.today().to_string(), three.to_string(), "接到立案通知书".to_string(), msa));
        assert_eq!(open_todos(&app, msa, "请移交涉案物品").await, 1);

        // The police do not hand over to themselves; the act needs its list and a real date.
        let body = |date: String, text: &str| json!({"step": "hand_over_items", "date": date, "text": text});
        let (s, _) = step(&app, "handler.gaj", id, body(app.today().to_string(), "白酒")).await;
        assert_eq!(s, StatusCode::CONFLICT);
        let (s, v) = step(&app, "liaison.scjg", id, body(app.today().to_string(), " ")).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(v["error"]["fields"][0]["field"], "text");
        let (s, v) = step(&app, "liaison.scjg", id, body((app.today() - chrono::Duration::days(1)).to_string(), "白酒")).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "before filing: {v}");
        assert_eq!(open_todos(&app, msa, "请移交涉案物品").await, 1, "refused acts leave the duty");

        ok_step(&app, "liaison.scjg", id, body(app.today().to_string(), "假冒白酒120箱及扣押物品清单")).await;
        assert_eq!(open_todos(&app, msa, "请移交涉案物品").await, 0);
        assert_eq!(clocks(&app, id).await.last().map(|(c, s)| (c.as_str(), s.as_str())), Some(("国务院令第310号第十二条（移交涉案物品）", "met")));
        let (_, d) = detail(&app, "handler.gaj", id).await;
        assert_eq!(d["items_handed_over_on"], app.today().to_string());
        assert_eq!(d["items_handover_note"], "假冒白酒120箱及扣押物品清单");
        let (s, v) = step(&app, "liaison.scjg", id, body(app.today().to_string(), "再次")).await;
        assert_eq!(s, StatusCode::CONFLICT, "once: {v}");
        assert_eq!(app.count("audit_log WHERE action = 'transfer.hand_over_items'").await, 1);
    })
    .await;
}

/// 国务院令第310号第五条: the handlers report a transfer to the head of their organ, who decides
/// within 3 days whether it goes; one not approved stays, its reasons on record. The police's
/// decisions on filing are the head of the police organ's to approve. Nobody else approves,
/// and nothing is numbered or sent before the head acts.
#[tokio::test]
async fn the_organ_head_approves_the_transfer_and_the_filing_decision() {
    each_db(true, |app| async move {
        let id = create(&app, "liaison.scjg", transfer(app.unit_id(POLICE).await, "负责人审批案"), "to_police").await;
        let (s, v) = upload(&app, "liaison.scjg", id, "investigation_report", "调查报告.pdf", &[]).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        // A unit with no head cannot propose: nobody could decide it.
        let head = app.user_id("head.scjg").await;
        sqlx::query("UPDATE users SET active = 0 WHERE id = $1").bind(head).execute(&app.db.pool).await.expect("deactivate");
        let (s, v) = step(&app, "liaison.scjg", id, json!({"step": "send"})).await;
        assert_eq!(s, StatusCode::CONFLICT, "{v}");
        assert_eq!(v["error"]["code"], "no_head");
        sqlx::query("UPDATE users SET active = 1 WHERE id = $1").bind(head).execute(&app.db.pool).await.expect("reactivate");
        assert!(clocks(&app, id).await.is_empty(), "nothing left behind");
        ok_step(&app, "liaison.scjg", id, json!({"step": "send"})).await;
        let (_, d) = detail(&app, "liaison.scjg", id).await;
        assert_eq!(d["state"], "awaiting_head");
        assert_eq!(d["pending_step"], "send");
        assert!(d["documents"].as_array().is_some_and(Vec::is_empty), "no number before the head signs: {d}");
        // The head's clock: 3 days from the report.
        let three = app.state.calendar().due_date(app.today(), shuangda::calendar::Period::Days(3)).expect("due");
        assert_eq!(d["deadlines"][0]["clause"], "国务院令第310号第五条（负责人审批移送）");
        assert_eq!(d["deadlines"][0]["due_date"], three.to_string());
        // The police do not see it yet; the handlers cannot approve their own report, nor a
        // head of another unit; the steps of the procedure wait.
        let (s, _) = step(&app, "head.gaj", id, json!({"step": "approve"})).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        for who in ["liaison.scjg", "director", "staff"] {
            let (s, v) = step(&app, who, id, json!({"step": "approve"})).await;
            assert!(s == StatusCode::CONFLICT || s == StatusCode::NOT_FOUND, "{who}: {s} {v}");
        }
        let (s, _) = step(&app, "liaison.scjg", id, json!({"step": "send"})).await;
        assert_eq!(s, StatusCode::CONFLICT, "one report at a time");
        // Not approved: reasons are required and recorded; the transfer stays with the unit.
        let (s, v) = step(&app, "head.scjg", id, json!({"step": "return", "text": "  "})).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(v["error"]["fields"][0]["field"], "text");
        ok_step(&app, "head.scjg", id, json!({"step": "return", "text": "货值鉴定意见尚未出具，补充后再报"})).await;
        let (_, d) = detail(&app, "liaison.scjg", id).await;
        assert_eq!(d["state"], "draft");
        assert!(d["pending_step"].is_null(), "{d}");
        assert!(d.to_string().contains("负责人不批准移送：货值鉴定意见尚未出具"), "{d}");
        assert_eq!(clocks(&app, id).await, [("国务院令第310号第五条（负责人审批移送）".to_string(), "met".to_string())]);
        // Reported again and withdrawn by the handlers before the head decides: the head's
        // clock is waived; the head cannot withdraw it for them.
        ok_step(&app, "liaison.scjg", id, json!({"step": "send"})).await;
        let (s, _) = step(&app, "head.scjg", id, json!({"step": "withdraw"})).await;
        assert_eq!(s, StatusCode::CONFLICT);
        ok_step(&app, "liaison.scjg", id, json!({"step": "withdraw"})).await;
        let (_, d) = detail(&app, "liaison.scjg", id).await;
        assert_eq!(d["state"], "draft");
        assert_eq!(clocks(&app, id).await.last().map(|(_, s)| s.as_str()), Some("waived"));
        let open: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM todo_items WHERE source_type = 'transfer' AND source_id = $1 AND duty = 'approve' AND done_at IS NULL")
            .bind(id)
            .fetch_one(&app.db.pool)
            .await
            .expect("todos");
        assert_eq!(open, 0);
        // Reported again; the head reads the 移送书 as it will go, its number blank, and nothing
        // is kept.
        ok_step(&app, "liaison.scjg", id, json!({"step": "send"})).await;
        let head_token = app.token("head.scjg").await;
        let r = api(&app, Method::GET, &format!("/api/v1/transfers/{id}/preview.pdf"), Some(&head_token), None).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("p.pdf");
        std::fs::write(&path, &r.bytes).expect("write");
        let out = Command::new("pdftotext").arg(&path).arg("-").output().expect("pdftotext");
        let text: String = String::from_utf8_lossy(&out.stdout).chars().filter(|c| !c.is_whitespace()).collect();
        assert!(text.contains("涉嫌犯罪案件移送书") && text.contains(&format!("信市监移〔{}〕号", year())), "{text}");
        assert!(text.contains("经办人：钱联络员"), "the handler named: {text}");
        common::assert_worded_officially(&text, "the transfer letter (preview)");
        let (_, d) = detail(&app, "liaison.scjg", id).await;
        assert_eq!(d["state"], "awaiting_head", "a preview changes nothing");
        assert!(d["documents"].as_array().is_some_and(Vec::is_empty));
        // The handler who reported it previews what he drafted, as the head would issue it;
        // the police, whom it would go to, do not see the bureau's deliberation.
        let (s, v) = call(&app, "liaison.scjg", Method::GET, &format!("/api/v1/transfers/{id}/preview.pdf"), None).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let (s, _) = call(&app, "handler.gaj", Method::GET, &format!("/api/v1/transfers/{id}/preview.pdf"), None).await;
        assert!(s == StatusCode::CONFLICT || s == StatusCode::NOT_FOUND, "{s}");
        let (_, d) = detail(&app, "liaison.scjg", id).await;
        assert!(d["documents"].as_array().is_some_and(Vec::is_empty), "the handler's preview keeps nothing");
        // Approved: numbered and sent at the head's act.
        ok_step(&app, "head.scjg", id, json!({"step": "approve", "text": "同意移送，抓紧办理。"})).await;
        let (_, d) = detail(&app, "liaison.scjg", id).await;
        assert_eq!(d["state"], "sent");
        assert_eq!(d["documents"].as_array().map(Vec::len), Some(1));
        assert!(d.to_string().contains("负责人批准：移送公安机关（同意移送，抓紧办理。）"), "the head's opinion is recorded: {d}");
        let approver: String = sqlx::query_scalar("SELECT actor_name FROM transfer_events WHERE transfer_id = $1 AND kind = 'sent'")
            .bind(id)
            .fetch_one(&app.db.pool)
            .await
            .expect("event");
        assert!(approver.contains("head.scjg"), "sent by the head: {approver}");

        // The police: the handler's refusal is a proposal; the head may return it to review.
        ok_step(&app, "handler.gaj", id, json!({"step": "receive"})).await;
        ok_step(&app, "handler.gaj", id, json!({"step": "refuse", "text": "情节显著轻微"})).await;
        let (_, d) = detail(&app, "liaison.scjg", id).await;
        assert_eq!(d["state"], "awaiting_head");
        assert_eq!(d["documents"].as_array().map(Vec::len), Some(1), "no notice yet");
        // The police's proposal is their own deliberation: the bureau sees that one waits, not
        // what it says.
        assert!(d["pending_text"].is_null() && d["pending_step"].is_null(), "{d}");
        assert!(!d.to_string().contains("情节显著轻微"), "{d}");
        let (_, own) = detail(&app, "handler.gaj", id).await;
        assert_eq!(own["pending_text"], "情节显著轻微");
        let (s, _) = step(&app, "head.scjg", id, json!({"step": "approve"})).await;
        assert_eq!(s, StatusCode::CONFLICT, "the other side's head");
        let (s, _) = step(&app, "handler.gaj", id, json!({"step": "approve"})).await;
        assert_eq!(s, StatusCode::CONFLICT);
        ok_step(&app, "head.gaj", id, json!({"step": "return", "text": "请补充审查涉案金额"})).await;
        let (_, d) = detail(&app, "liaison.scjg", id).await;
        assert_eq!(d["state"], "under_review");
        let review = clocks(&app, id).await;
        assert_eq!(review.last().map(|(c, s)| (c.as_str(), s.as_str())), Some(("004 二(二)；国务院令第310号第八条", "open")), "the review clock keeps running");
        // Proposed again and approved: the notice is issued on the head's act.
        proposed_and_approved(&app, "handler.gaj", id, json!({"step": "file", "text": "涉案金额已达立案追诉标准"})).await;
        let (_, d) = detail(&app, "liaison.scjg", id).await;
        assert_eq!(d["state"], "filed");
        assert_eq!(d["documents"][1]["title"], "立案通知书");
        assert!(d["decision"].as_str().is_some_and(|x| x.contains("涉案金额已达立案追诉标准")), "{d}");
        // The notice: the police's own reasoning replaces the standard wording, once; the date
        // of the transfer in Chinese; the handler by name (issue #20).
        let notice = pdf_text(&app, "liaison.scjg", id, d["documents"][1]["id"].as_i64().expect("doc")).await;
        common::assert_worded_officially(&notice, "the filing notice");
        assert!(notice.contains("经审查，涉案金额已达立案追诉标准，根据《中华人民共和国刑事诉讼法》第一百一十二条"), "{notice}");
        assert!(!notice.contains("有犯罪事实，需要追究刑事责任"), "not repeated: {notice}");
        let transferred = app.today();
        assert!(notice.contains(&format!("你单位于{}年{}月{}日移送", transferred.format("%Y"), chrono::Datelike::month(&transferred), chrono::Datelike::day(&transferred))), "{notice}");
        for action in ["transfer.propose", "transfer.return"] {
            let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = $1 AND object_id = $2")
                .bind(action)
                .bind(id.to_string())
                .fetch_one(&app.db.pool)
                .await
                .expect("audit");
            assert_eq!(n, if action == "transfer.propose" { 5 } else { 2 }, "{action}");
        }
    })
    .await;
}

/// 督促催办: the office director and the leaders see every open duty of their region, and
/// remind its holder — the holders of its role, a unit's people, or the person — counted on the
/// to-do and recorded; nobody else does, and a duty done is not reminded.
#[tokio::test]
async fn the_director_reminds_a_unit_of_what_it_has_not_done() {
    each_db(true, |app| async move {
        let id = create(&app, "liaison.scjg", transfer(app.unit_id(POLICE).await, "催办测试案"), "to_police").await;
        let (s, v) = upload(&app, "liaison.scjg", id, "investigation_report", "调查报告.pdf", &[]).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        ok_step(&app, "liaison.scjg", id, json!({"step": "send"})).await;
        let find = |rows: &Value| {
            rows["items"].as_array()
                .expect("rows")
                .iter()
                .find(|w| w["title"].as_str().is_some_and(|t| t.contains("提请审批：移送公安机关")) && w["link"] == format!("/transfers/{id}"))
                .cloned()
        };
        let (s, rows) = call(&app, "director", Method::GET, "/api/v1/waiting", None).await;
        assert_eq!(s, StatusCode::OK, "{rows}");
        let w = find(&rows).expect("the head's approval is listed");
        assert_eq!(w["unit_name"], MSA);
        assert_eq!(w["reminders"], 0);
        let todo = w["id"].as_i64().expect("id");
        for who in ["liaison.scjg", "staff", "handler.gaj", "pingyin.staff"] {
            let (s, _) = call(&app, who, Method::GET, "/api/v1/waiting", None).await;
            assert_eq!(s, StatusCode::FORBIDDEN, "{who}");
            let (s, _) = call(&app, who, Method::POST, &format!("/api/v1/waiting/{todo}/remind"), Some(json!({}))).await;
            assert_eq!(s, StatusCode::FORBIDDEN, "{who}");
        }
        let notices = |who: &'static str| {
            let app = &app;
            async move {
                let uid = app.user_id(who).await;
                sqlx::query_scalar::<_, String>("SELECT body FROM notifications WHERE user_id = $1 AND title LIKE '催办：%' ORDER BY id")
                    .bind(uid)
                    .fetch_all(&app.db.pool)
                    .await
                    .expect("notices")
            }
        };
        let (s, v) = call(&app, "director", Method::POST, &format!("/api/v1/waiting/{todo}/remind"), Some(json!({"text": "请今日内审批，逾期将通报。"}))).await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
        assert_eq!(notices("head.scjg").await, ["请今日内审批，逾期将通报。"], "the holders of the role");
        assert!(notices("liaison.scjg").await.is_empty(), "not the handlers: the duty is the head's");
        let (s, _) = call(&app, "leader", Method::POST, &format!("/api/v1/waiting/{todo}/remind"), Some(json!({}))).await;
        assert_eq!(s, StatusCode::NO_CONTENT);
        let (_, rows) = call(&app, "leader", Method::GET, "/api/v1/waiting", None).await;
        assert_eq!(find(&rows).expect("still waiting")["reminders"], 2);
        assert_eq!(notices("head.scjg").await.len(), 2);
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'todo.remind' AND object_id = $1")
            .bind(todo.to_string())
            .fetch_one(&app.db.pool)
            .await
            .expect("audit");
        assert_eq!(n, 2);

        // Done: no longer listed, not reminded.
        ok_step(&app, "head.scjg", id, json!({"step": "approve"})).await;
        let (_, rows) = call(&app, "director", Method::GET, "/api/v1/waiting", None).await;
        assert!(find(&rows).is_none());
        let (s, v) = call(&app, "director", Method::POST, &format!("/api/v1/waiting/{todo}/remind"), Some(json!({}))).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
        // A unit's duty reminds its people: the police's signature for the transfer.
        let sign = rows["items"]
            .as_array()
            .expect("rows")
            .iter()
            .find(|w| w["link"] == format!("/transfers/{id}") && w["unit_name"] == POLICE)
            .expect("the police's duty to sign for it")["id"]
            .as_i64()
            .expect("id");
        let (s, _) = call(&app, "director", Method::POST, &format!("/api/v1/waiting/{sign}/remind"), Some(json!({}))).await;
        assert_eq!(s, StatusCode::NO_CONTENT);
        assert_eq!(notices("handler.gaj").await, ["请抓紧办理。"]);
        // The page lists and reminds too.
        let mut c = app.client();
        c.login("director", PASSWORD).await;
        let page = c.get("/waiting").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains(&format!("id=\"remind-{sign}\"")) && page.body.contains("已催办"), "{}", page.body);
    })
    .await;
}

/// Issue #20: the transfer form links a supervised case by the number people use (2026-0001),
/// within what the person may see; an unknown number is named beside the field.
#[tokio::test]
async fn a_transfer_names_its_case_by_the_number_people_use() {
    each_db(true, |app| async move {
        // A case the market regulator reported from its own work.
        let (s, v) = call(&app, "liaison.scjg", Method::POST, "/api/v1/cases", Some(json!({
            "title": "某商贸公司销售假冒白酒案", "summary": "某商贸公司销售假冒注册商标的白酒。",
            "source": "member_report", "received_on": app.today().to_string(),
            "right_kinds": ["trademark"], "regions": ["411502"]
        }))).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let case_id = v["id"].as_i64().expect("id");
        let (_, case) = call(
            &app,
            "liaison.scjg",
            Method::GET,
            &format!("/api/v1/cases/{case_id}"),
            None,
        )
        .await;
        let code = case["code"].as_str().expect("code").to_owned();
        assert!(code.contains('-'), "{code}");
        let police = app.unit_id(POLICE).await.to_string();
        let mut c = app.client();
        c.login("liaison.scjg", PASSWORD).await;
        let form = |case: &str| {
            vec![
                ("situation", "own_investigation".to_owned()),
                ("title", "关联督办案件的移送".to_owned()),
                (
                    "facts",
                    "经查，某商贸公司销售假冒注册商标的白酒120箱。".to_owned(),
                ),
                ("suspects", "某商贸有限公司".to_owned()),
                ("to_unit_id", police.clone()),
                ("item0_name", "假冒白酒".to_owned()),
                ("item0_quantity", "120".to_owned()),
                ("item0_unit", "箱".to_owned()),
                ("item0_storage", "市场监管局罚没物品仓库".to_owned()),
                ("case_id", case.to_owned()),
            ]
        };
        let unknown = form("2026-9999");
        let unknown: Vec<(&str, &str)> = unknown.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = c.post("/transfers/new", &unknown).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(
            r.body.contains("没有编号为2026-9999的督办案件"),
            "{}",
            r.body
        );
        assert!(
            r.body.contains("value=\"2026-9999\""),
            "what was typed is kept: {}",
            r.body
        );
        assert_eq!(app.count("transfers").await, 0, "nothing written");

        let known = form(&code);
        let known: Vec<(&str, &str)> = known.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = c.post("/transfers/new", &known).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let tid: i64 = r
            .location()
            .trim_start_matches("/transfers/")
            .split('?')
            .next()
            .and_then(|s| s.parse().ok())
            .expect("transfer id");
        let (_, t) = call(
            &app,
            "liaison.scjg",
            Method::GET,
            &format!("/api/v1/transfers/{tid}"),
            None,
        )
        .await;
        assert_eq!(t["case_id"].as_i64(), Some(case_id), "{t}");

        // The police, who may register a transfer but cannot see this case, cannot link it by
        // its number either: to them it does not exist.
        let mut other = app.client();
        other.login("handler.gaj", PASSWORD).await;
        let r = other.post("/transfers/new", &known).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(
            r.body.contains(&format!("没有编号为{code}的督办案件")),
            "{}",
            r.body
        );
    })
    .await;
}
