//! Typical cases (issue #22; seeds 002 (八)1 曝光典型案件, 003 三(六)) on both databases: a
//! concluded major case written up as a typical case, with a redaction probe — the resident ID,
//! the phone number and the name of the natural person in the source never reach the write-up,
//! its draft, its PDF, the circular or the public page — reviewed, returned, resubmitted and
//! signed in the document chain, circulated, published and taken down; scope, audit, the
//! yearly collection, refused input and the pages.

mod common;

use axum::http::{Method, StatusCode};
use chrono::{Datelike, Duration};
use common::{App, PASSWORD, call, each_db};
use serde_json::{Value, json};

const MSA: &str = "信阳市市场监督管理局";
const POLICE: &str = "信阳市公安局";
const ENTERPRISE: &str = "某茶叶有限公司";
const CREDIT: &str = "91350100M000100Y43";
/// The probe: a natural person's name, resident ID and phone in the source.
const NAME: &str = "张晓明";
const ID: &str = "11010519491231002X";
const PHONE: &str = "13912345678";
const ADDRESS: &str = "浉河区民权街9号";

fn leaks(text: &str) -> Vec<&'static str> {
    [NAME, ID, PHONE, ADDRESS]
        .into_iter()
        .filter(|p| text.contains(p))
        .collect()
}

async fn ok_step(app: &App, who: &str, id: i64, body: Value) {
    let (s, v) = call(
        app,
        who,
        Method::POST,
        &format!("/api/v1/cases/{id}/steps"),
        Some(body.clone()),
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{body} by {who}: {v}");
}

/// A case registered by the office naming the enterprise and the natural person, started with
/// the MSA leading and the police assisting, its letter signed.
async fn started(app: &App, title: &str) -> i64 {
    let body = json!({
        "title": title,
        "summary": format!("群众举报{NAME}（身份证号码{ID}，联系电话：{PHONE}）在{ENTERPRISE}销售假冒“信阳毛尖”地理标志产品。"),
        "source": "public_report",
        "received_on": (app.today() - Duration::days(1)).to_string(),
        "reporter": "13800138000",
        "right_kinds": ["geographical_indication"],
        "regions": ["411502"],
        "parties": [
            {"kind": "enterprise", "name": ENTERPRISE, "code": CREDIT},
            {"kind": "person", "name": NAME, "code": ID},
        ],
    });
    let (s, v) = call(app, "staff", Method::POST, "/api/v1/cases", Some(body)).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let id = v["id"].as_i64().expect("id");
    ok_step(
        app,
        "staff",
        id,
        json!({"step": "propose", "grounds": [["cross_department", "涉及多个部门"]]}),
    )
    .await;
    let staff = app.user_id("staff").await.to_string();
    ok_step(
        app,
        "director",
        id,
        json!({"step": "approve", "reason": "同意督办", "responsible_user_id": staff}),
    )
    .await;
    let lead = app.unit_id(MSA).await.to_string();
    let assisting = app.unit_id(POLICE).await.to_string();
    ok_step(
        app,
        "staff",
        id,
        json!({"step": "start", "lead_unit_id": lead, "assisting": [assisting]}),
    )
    .await;
    ok_step(
        app,
        "staff",
        id,
        json!({"step": "issue_letter", "text": "请按期报送进展。"}),
    )
    .await;
    common::sign_letter(app, id).await;
    id
}

async fn concluded(app: &App, title: &str) -> i64 {
    let id = started(app, title).await;
    ok_step(
        app,
        "liaison.scjg",
        id,
        json!({"step": "conclude", "date": app.today().to_string(),
            "text": format!("对{ENTERPRISE}作出罚款5万元的行政处罚，{NAME}（电话：{PHONE}，住址：{ADDRESS}）涉嫌犯罪部分另案处理")}),
    )
    .await;
    id
}

fn field_codes(v: &Value) -> Vec<(String, String)> {
    v["error"]["fields"]
        .as_array()
        .map(|fs| {
            fs.iter()
                .map(|f| {
                    (
                        f["field"].as_str().unwrap_or("").to_string(),
                        f["code"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

async fn audited(app: &App, id: i64) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT action FROM audit_log WHERE object_type = 'typical_case' AND object_id = $1 ORDER BY seq",
    )
    .bind(id.to_string())
    .fetch_all(&app.db.pool)
    .await
    .expect("audit")
}

/// Everything stored of typical case `id` and its drafts, as text.
async fn stored(app: &App, id: i64) -> String {
    let (title, text, hidden): (String, String, String) =
        sqlx::query_as("SELECT title, text, hidden FROM typical_cases WHERE id = $1")
            .bind(id)
            .fetch_one(&app.db.pool)
            .await
            .expect("row");
    let drafts: Vec<String> = sqlx::query_scalar(
        "SELECT body FROM drafts WHERE record_type = 'typical_case' AND record_id = $1",
    )
    .bind(id)
    .fetch_all(&app.db.pool)
    .await
    .expect("drafts");
    format!("{title}\n{text}\n{hidden}\n{}", drafts.join("\n"))
}

fn pdftotext(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("x.pdf");
    std::fs::write(&path, pdf).expect("write");
    let out = std::process::Command::new("pdftotext")
        .args([path.to_str().unwrap_or(""), "-"])
        .output()
        .expect("pdftotext runs (apt-get install poppler-utils)");
    String::from_utf8_lossy(&out.stdout)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

async fn detail(app: &App, who: &str, id: i64) -> (StatusCode, Value) {
    call(
        app,
        who,
        Method::GET,
        &format!("/api/v1/typical-cases/{id}"),
        None,
    )
    .await
}

async fn step(app: &App, who: &str, id: i64, body: Value) -> (StatusCode, Value) {
    call(
        app,
        who,
        Method::POST,
        &format!("/api/v1/typical-cases/{id}/steps"),
        Some(body),
    )
    .await
}

#[tokio::test]
async fn a_concluded_case_is_written_up_redacted_reviewed_circulated_and_published() {
    each_db(true, |app| async move {
        let year = app.today().year();
        // A case still under way gives no typical case.
        let open = started(&app, "尚未办结的案件").await;
        let (s, v) = call(&app, "staff", Method::GET,
            &format!("/api/v1/typical-cases/source?source_kind=case&source_id={open}"), None).await;
        assert_eq!((s, field_codes(&v)), (StatusCode::UNPROCESSABLE_ENTITY,
            vec![("source_id".into(), "not_eligible".into())]), "{v}");

        let case = concluded(&app, "某茶叶有限公司销售假冒信阳毛尖案").await;
        let source = format!("/api/v1/typical-cases/source?source_kind=case&source_id={case}");
        // From here the office reviews its drafts (核稿) before the director signs them.
        let (s, v) = call(&app, "director", Method::PUT, "/api/v1/drafting/settings",
            Some(json!({"document_review": true}))).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        // Units do not write typical cases up; a county office does not see the city's case.
        assert_eq!(call(&app, "liaison.scjg", Method::GET, &source, None).await.0, StatusCode::FORBIDDEN);
        let (s, v) = call(&app, "county.luoshan", Method::GET, &source, None).await;
        assert_eq!((s, field_codes(&v)), (StatusCode::UNPROCESSABLE_ENTITY,
            vec![("source_id".into(), "not_found".into())]), "{v}");

        // The write-up generated from the case: its facts and result, no personal identifier.
        let (s, draft) = call(&app, "staff", Method::GET, &source, None).await;
        assert_eq!(s, StatusCode::OK, "{draft}");
        let text = draft["text"].as_str().expect("text").to_string();
        assert!(leaks(&text).is_empty(), "{:?} in {text}", leaks(&text));
        assert!(text.starts_with("一、基本案情") && text.contains("三、典型意义"), "{text}");
        assert!(text.contains(ENTERPRISE) && text.contains("罚款5万元"), "{text}");
        assert!(text.contains("［身份证号码已隐去］") && text.contains("［自然人姓名已隐去］"), "{text}");

        // The office completes it — and types the person's details in again, and another
        // person's name that only it knows: all of it is taken out before anything is kept.
        let mut body = draft.clone();
        body["text"] = json!(format!("{text}\n另查明，{NAME}手机号码：{PHONE}，身份证号{ID}，住址：{ADDRESS}。证人李红梅证实了上述事实。"));
        body["persons"] = json!("李红梅");
        let (s, v) = call(&app, "staff", Method::POST, "/api/v1/typical-cases", Some(body.clone())).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let id = v["id"].as_i64().expect("id");
        // One write-up per source.
        let (s, v) = call(&app, "staff", Method::POST, "/api/v1/typical-cases", Some(body)).await;
        assert_eq!((s, field_codes(&v)), (StatusCode::UNPROCESSABLE_ENTITY,
            vec![("source_id".into(), "taken".into())]), "{v}");

        let (s, d) = detail(&app, "staff", id).await;
        assert_eq!(s, StatusCode::OK, "{d}");
        assert_eq!(d["state"], "pending");
        assert_eq!(d["source_kind"], "case");
        assert_eq!(d["source_unit_name"], MSA);
        let kept = d["text"].as_str().expect("text");
        assert!(leaks(kept).is_empty() && !kept.contains("李红梅"), "{kept}");
        for kind in ["resident_id", "phone", "person_name", "address"] {
            assert!(d["hidden"][kind].as_i64().unwrap_or(0) >= 1, "{kind}: {}", d["hidden"]);
        }
        let all = stored(&app, id).await;
        assert!(leaks(&all).is_empty() && !all.contains("李红梅"), "stored: {all}");
        assert_eq!(d["drafts"][0]["state"], "reviewing", "{d}");
        // Nothing is circulated or published before the director signs it.
        assert_eq!(step(&app, "staff", id, json!({"step": "publish"})).await.0, StatusCode::CONFLICT);

        // 核稿: the director returns it; the drafter's revision bringing an ID number back is
        // refused, field by field, and nothing changes; a clean revision goes on.
        let (s, v) = common::draft_act(&app, "director", "typical_case", id, "return", "请补充典型意义").await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
        let (s, v) = common::draft_act(&app, "staff", "typical_case", id, "resubmit",
            &format!("{kept}\n当事人身份证号码：{ID}")).await;
        assert_eq!((s, field_codes(&v)), (StatusCode::UNPROCESSABLE_ENTITY,
            vec![("text".into(), "personal_data".into())]), "{v}");
        let revised = format!("{kept}\n本案对规范茶叶市场秩序具有警示意义。");
        let (s, v) = common::draft_act(&app, "staff", "typical_case", id, "resubmit", &revised).await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
        // The drafter does not review his own draft; the director passes it and signs it.
        assert_eq!(common::draft_act(&app, "staff", "typical_case", id, "pass", "").await.0, StatusCode::CONFLICT);
        let (s, v) = common::draft_act(&app, "director", "typical_case", id, "pass", "").await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
        assert_eq!(common::draft_act(&app, "staff", "typical_case", id, "sign", "同意").await.0, StatusCode::CONFLICT);
        let (s, v) = common::draft_act(&app, "director", "typical_case", id, "sign", "同意印发。").await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");

        let (_, d) = detail(&app, "staff", id).await;
        assert_eq!(d["state"], "signed", "{d}");
        assert_eq!(d["number"], format!("信打假办典〔{year}〕1号"));
        assert!(d["text"].as_str().unwrap_or("").ends_with("具有警示意义。"), "{d}");
        assert_eq!(d["steps"], json!(["circulate", "publish"]));
        // The signed write-up: a real PDF, worded officially, without the probe.
        let pdf = common::api_get(&app, "staff", &format!("/api/v1/typical-cases/{id}/document.pdf")).await;
        assert_eq!(pdf.status, StatusCode::OK);
        assert!(pdf.bytes.starts_with(b"%PDF"));
        let words = pdftotext(&pdf.bytes);
        assert!(words.contains("某茶叶有限公司销售假冒信阳毛尖案") && words.contains("基本案情"), "{words}");
        assert!(leaks(&words).is_empty(), "{words}");
        common::assert_worded_officially(&words, "the typical case");

        // Circulated: a circular of typical cases, in the chain for the group leader.
        let units = [app.unit_id(MSA).await, app.unit_id(POLICE).await];
        let (s, v) = step(&app, "staff", id, json!({"step": "circulate", "unit_ids": units})).await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
        let (s, v) = step(&app, "staff", id, json!({"step": "circulate", "unit_ids": units})).await;
        assert_eq!(s, StatusCode::CONFLICT, "once: {v}");
        let (_, d) = detail(&app, "staff", id).await;
        let circular = d["circular_id"].as_i64().expect("circular");
        let (s, v) = common::draft_act(&app, "director", "circular", circular, "pass", "").await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
        let (s, v) = common::draft_act(&app, "leader", "circular", circular, "sign", "同意。").await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
        let (s, c) = call(&app, "liaison.scjg", Method::GET, &format!("/api/v1/circulars/{circular}"), None).await;
        assert_eq!(s, StatusCode::OK, "{c}");
        assert_eq!(c["kind"], "typical_cases");
        assert_eq!(c["state"], "issued");
        assert!(leaks(c["body"].as_str().unwrap_or("")).is_empty(), "{c}");

        // Published on the public pages.
        let (s, v) = step(&app, "staff", id, json!({"step": "publish"})).await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
        let r = common::api(&app, Method::GET, "/api/v1/public/typical-cases", None, None).await;
        assert_eq!(r.status, StatusCode::OK);
        let list = r.json();
        assert_eq!(list["items"][0]["id"], json!(id), "{list}");
        assert!(leaks(&r.body).is_empty(), "{}", r.body);
        let mut public = app.public_client();
        let page = public.get(&format!("/public/typical-cases/{id}")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("某茶叶有限公司销售假冒信阳毛尖案"), "{}", page.body);
        assert!(leaks(&page.body).is_empty() && !page.body.contains("李红梅"), "{}", page.body);
        assert!(public.get("/public/typical-cases").await.body.contains(&format!("/public/typical-cases/{id}")));

        // Scope: the office, the leaders and the unit whose case it was read it; the police who
        // assisted and the county office do not; only the office acts on it.
        for who in ["director", "leader", "liaison.scjg"] {
            assert_eq!(detail(&app, who, id).await.0, StatusCode::OK, "{who}");
        }
        for who in ["handler.gaj", "county.luoshan"] {
            assert_eq!(detail(&app, who, id).await.0, StatusCode::NOT_FOUND, "{who}");
        }
        let (s, v) = step(&app, "liaison.scjg", id, json!({"step": "unpublish", "text": "无"})).await;
        assert_eq!(s, StatusCode::CONFLICT, "{v}");
        let (_, l) = call(&app, "county.luoshan", Method::GET, &format!("/api/v1/typical-cases?year={year}"), None).await;
        assert_eq!(l["items"], json!([]), "{l}");

        // The year's collection for the leaders.
        let pdf = common::api_get(&app, "leader", &format!("/api/v1/typical-cases/collection.pdf?year={year}")).await;
        assert_eq!(pdf.status, StatusCode::OK);
        let words = pdftotext(&pdf.bytes);
        assert!(words.contains(&format!("{year}年打击侵权假冒典型案例汇编")) && words.contains("某茶叶有限公司销售假冒信阳毛尖案"), "{words}");
        assert!(words.contains(&format!("信打假办典〔{year}〕1号")), "{words}");
        assert!(leaks(&words).is_empty(), "{words}");
        common::assert_worded_officially(&words, "the collection");
        let pdf = common::api_get(&app, "county.luoshan", &format!("/api/v1/typical-cases/collection.pdf?year={year}")).await;
        assert!(!pdftotext(&pdf.bytes).contains("某茶叶有限公司销售假冒信阳毛尖案"), "the county's collection holds its own");

        // Taken off the public pages, with the reason: gone from the public side.
        let (s, v) = step(&app, "staff", id, json!({"step": "unpublish", "text": ""})).await;
        assert_eq!((s, field_codes(&v)), (StatusCode::UNPROCESSABLE_ENTITY, vec![("text".into(), "required".into())]), "{v}");
        let (s, v) = step(&app, "staff", id, json!({"step": "unpublish", "text": "案情有新进展，暂停公开"})).await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
        let r = common::api(&app, Method::GET, &format!("/api/v1/public/typical-cases/{id}"), None, None).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert_eq!(public.get(&format!("/public/typical-cases/{id}")).await.status, StatusCode::NOT_FOUND);

        // Every change audited, once each.
        assert_eq!(
            audited(&app, id).await,
            vec!["typical_case.draft", "typical_case.sign", "typical_case.circulate",
                "typical_case.publish", "typical_case.unpublish"]
        );
    })
    .await;
}

#[tokio::test]
async fn refused_input_writes_nothing_and_the_pages_write_a_case_up() {
    each_db(true, |app| async move {
        let before = app.count("typical_cases").await;
        let (s, v) = call(
            &app,
            "staff",
            Method::POST,
            "/api/v1/typical-cases",
            Some(json!({})),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(
            field_codes(&v),
            vec![
                ("source_kind".into(), "required".into()),
                ("source_id".into(), "required".into()),
                ("title".into(), "required".into()),
                ("text".into(), "required".into()),
            ]
        );
        let (s, v) = call(
            &app,
            "staff",
            Method::POST,
            "/api/v1/typical-cases",
            Some(json!({
            "source_kind": "case", "source_id": 999999, "title": "无此案件", "text": "正文"})),
        )
        .await;
        assert_eq!(
            (s, field_codes(&v)),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                vec![("source_id".into(), "not_found".into())]
            ),
            "{v}"
        );
        assert_eq!(app.count("typical_cases").await, before);
        let audit: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE object_type = 'typical_case'")
                .fetch_one(&app.db.pool)
                .await
                .expect("audit");
        assert_eq!(audit, 0);

        // The pages: the source chosen, the draft shown redacted, a refused title kept as typed.
        let case = concluded(&app, "页面编写典型案例测试案").await;
        let mut c = app.client();
        c.login("staff", PASSWORD).await;
        let menu = c.get("/").await;
        assert!(menu.body.contains("href=\"/typical-cases\""), "menu");
        let form = c
            .get(&format!(
                "/typical-cases/new?source_kind=case&source_id={case}"
            ))
            .await;
        assert_eq!(form.status, StatusCode::OK);
        assert!(
            form.body.contains("id=\"typical-form\"") && form.body.contains("一、基本案情"),
            "{}",
            form.body
        );
        assert!(leaks(&form.body).is_empty(), "{}", form.body);
        let text = format!("一、基本案情\n{ENTERPRISE}销售假冒茶叶，{NAME}电话：{PHONE}。");
        let case_id = case.to_string();
        let refused = c
            .post(
                "/typical-cases/new",
                &[
                    ("source_kind", "case"),
                    ("source_id", &case_id),
                    ("title", ""),
                    ("text", &text),
                    ("persons", ""),
                ],
            )
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            refused.body.contains("data-field=\"title\"") && refused.body.contains("销售假冒茶叶"),
            "{}",
            refused.body
        );
        let done = c
            .post(
                "/typical-cases/new",
                &[
                    ("source_kind", "case"),
                    ("source_id", &case_id),
                    ("title", "页面编写的典型案例"),
                    ("text", &text),
                    ("persons", ""),
                ],
            )
            .await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
        let show = c.get(done.location()).await;
        assert_eq!(show.status, StatusCode::OK);
        assert!(
            show.body.contains("页面编写的典型案例") && show.body.contains("id=\"typical-hidden\""),
            "{}",
            show.body
        );
        assert!(
            show.body.contains("联系电话1处") && show.body.contains("自然人姓名1处"),
            "{}",
            show.body
        );
        assert!(leaks(&show.body).is_empty(), "{}", show.body);
        let list = c.get("/typical-cases").await;
        assert!(list.body.contains("页面编写的典型案例"), "{}", list.body);
    })
    .await;
}

/// A transfer from the bureau to the police in `state`, with its parties.
async fn stored_transfer(app: &App, code: &str, state: &str) -> i64 {
    let (msa, police) = (app.unit_id(MSA).await, app.unit_id(POLICE).await);
    let by = app.user_id("liaison.scjg").await;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO transfers (code, direction, situation, title, facts, suspects, from_unit_id, to_unit_id, state, \
         sent_on, decided_on, decision, created_by, created_at, updated_at) VALUES ($1, 'to_police', 'suspected_crime', \
         '涉嫌销售假冒注册商标的商品案', '查获假冒商品一批', '', $2, $3, $4, $5, $5, $6, $7, $8, $8) RETURNING id",
    )
    .bind(code)
    .bind(msa)
    .bind(police)
    .bind(state)
    .bind(app.today().to_string())
    .bind(if state == "filed" { Some("立案") } else { None })
    .bind(by)
    .bind("2026-01-01T00:00:00Z")
    .fetch_one(&app.db.pool)
    .await
    .expect("transfer");
    for (unit, role) in [(msa, "sender"), (police, "receiver")] {
        sqlx::query(
            "INSERT INTO record_parties (resource, record_id, unit_id, party_role, sort_key) VALUES ('transfer', $1, $2, $3, $4)",
        )
        .bind(id)
        .bind(unit)
        .bind(role)
        .bind("2026-01-01T00:00:00Z")
        .execute(&app.db.pool)
        .await
        .expect("party");
    }
    id
}

/// 「编写典型案例」 on a source's page: for the office, only where the source may be written up,
/// linking to the form with the source chosen; gone once it is written up.
#[tokio::test]
async fn the_source_pages_offer_a_write_up_only_where_the_source_is_eligible() {
    each_db(true, |app| async move {
        const LINK: &str = "id=\"write-typical-case\"";
        let mut office = app.client();
        office.login("staff", PASSWORD).await;
        let mut unit = app.client();
        unit.login("liaison.scjg", PASSWORD).await;

        // A case under way: no link; concluded: the office's link, not the lead unit's.
        let open = started(&app, "尚在办理的案件").await;
        let page = office.get(&format!("/cases/{open}")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(!page.body.contains(LINK), "a case under way");
        let case = concluded(&app, "链接编写典型案例测试案").await;
        // The href's `&` is escaped by the template.
        let linked = |body: &str, kind: &str, id: i64| {
            body.contains(LINK)
                && body.contains(&format!(
                    "/typical-cases/new?source_kind={kind}&#38;source_id={id}\""
                ))
        };
        let page = office.get(&format!("/cases/{case}")).await;
        assert!(linked(&page.body, "case", case), "{}", page.body);
        let page = unit.get(&format!("/cases/{case}")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            !page.body.contains(LINK),
            "a unit does not write typical cases"
        );
        let form = office
            .get(&format!(
                "/typical-cases/new?source_kind=case&source_id={case}"
            ))
            .await;
        assert!(
            form.body.contains("id=\"typical-form\""),
            "the source chosen"
        );

        // A transfer the police filed and one they have not decided on, stored as the linkage
        // steps leave them (the steps are tested in tests/linkage.rs).
        let filed = stored_transfer(&app, "T-TYPICAL-1", "filed").await;
        let other = stored_transfer(&app, "T-TYPICAL-2", "received").await;
        let page = office.get(&format!("/transfers/{filed}")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(linked(&page.body, "transfer", filed), "{}", page.body);
        let page = office.get(&format!("/transfers/{other}")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(!page.body.contains(LINK), "a transfer not filed");

        // A published penalty decision, and one not published (the demo's, made through the
        // operations).
        shuangda::demo::load_penalties(&app.state)
            .await
            .expect("demo penalties");
        let ids = |state: &'static str| {
            sqlx::query_scalar::<_, i64>("SELECT MIN(id) FROM penalty_decisions WHERE state = $1")
                .bind(state)
                .fetch_one(&app.db.pool)
        };
        let published = ids("published").await.expect("a published decision");
        let pending = ids("pending").await.expect("a decision pending");
        let page = office.get(&format!("/penalties/{published}")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(linked(&page.body, "penalty", published), "{}", page.body);
        let page = office.get(&format!("/penalties/{pending}")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(!page.body.contains(LINK), "a decision not published");

        // Written up: the case's page no longer offers it.
        let (s, v) = call(
            &app,
            "staff",
            Method::GET,
            &format!("/api/v1/typical-cases/source?source_kind=case&source_id={case}"),
            None,
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let (s, v) = call(
            &app,
            "staff",
            Method::POST,
            "/api/v1/typical-cases",
            Some(v),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let page = office.get(&format!("/cases/{case}")).await;
        assert!(!page.body.contains(LINK), "already written up");
    })
    .await;
}
