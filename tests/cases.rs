//! Major-case coordination and supervision (seed 000) through the HTTP API and pages, on both
//! databases: the whole procedure from clue to archive, refusals, data scope, numbering.

mod common;

use std::process::Command;

use axum::http::{Method, StatusCode};
use common::{App, PASSWORD, api, each_db};
use serde_json::{Value, json};

const OFFICE: &str = "信阳市打击侵犯知识产权和制售假冒伪劣商品工作领导小组办公室";
const MSA: &str = "信阳市市场监督管理局";
const POLICE: &str = "信阳市公安局";
/// A real-format code with a correct check character (GB 32100) and the standard example
/// resident ID (GB 11643).
const CREDIT: &str = "91350100M000100Y43";
const PERSON: &str = "11010519491231002X";

/// The test clue came in yesterday (on the tests' clock), on the day after the leader's
/// instruction.
fn received_on() -> chrono::NaiveDate {
    common::test_today() - chrono::Duration::days(1)
}

fn clue(title: &str) -> Value {
    json!({
        "title": title,
        "summary": "群众举报某茶叶公司在浉河区、罗山县销售假冒“信阳毛尖”地理标志产品。",
        "source": "leader_instruction",
        "received_on": received_on().to_string(),
        "leader_name": "李副市长",
        "instruction_date": (received_on() - chrono::Duration::days(1)).to_string(),
        "instruction_text": "请市双打办督促依法查处。",
        "right_kinds": ["geographical_indication", "trademark"],
        "regions": ["411502", "411521"],
        "amount": "1,234,567.80",
        "parties": [
            {"kind": "enterprise", "name": "某茶叶有限公司", "code": CREDIT},
            {"kind": "person", "name": "张某", "code": PERSON}
        ]
    })
}

async fn step(app: &App, who: &str, id: i64, body: Value) -> (StatusCode, Value) {
    let t = app.token(who).await;
    let r = api(
        app,
        Method::POST,
        &format!("/api/v1/cases/{id}/steps"),
        Some(&t),
        Some(body),
    )
    .await;
    let v = if r.body.is_empty() {
        Value::Null
    } else {
        r.json()
    };
    (r.status, v)
}

async fn register(app: &App, title: &str) -> i64 {
    let t = app.token("staff").await;
    let r = api(
        app,
        Method::POST,
        "/api/v1/cases",
        Some(&t),
        Some(clue(title)),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.json()["id"].as_i64().expect("id")
}

async fn state_of(app: &App, id: i64) -> String {
    sqlx::query_scalar("SELECT state FROM cases WHERE id = $1")
        .bind(id)
        .fetch_one(&app.db.pool)
        .await
        .expect("state")
}

/// The director names the person responsible from the office's own staff: the picker offers
/// no administrator, and the step refuses one (000 §10).
#[tokio::test]
async fn the_person_responsible_is_chosen_from_the_office_staff() {
    each_db(true, |app| async move {
        let id = register(&app, "某品牌白酒制假案").await;
        let (s, v) = step(
            &app,
            "staff",
            id,
            json!({"step": "propose", "grounds": [["leader_instruction", "李副市长批示"]]}),
        )
        .await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
        let mut director = app.client();
        director.login("director", PASSWORD).await;
        let page = director.get(&format!("/cases/{id}")).await;
        // Every page opens with a link past the menu to its content (#20).
        assert!(
            page.body
                .contains(r##"<a class="skip-link" href="#content">跳到正文</a>"##)
                && page.body.contains(r#"<main id="content""#)
        );
        let picker = page
            .body
            .split("name=\"responsible_user_id\"")
            .nth(1)
            .and_then(|rest| rest.split("</select>").next())
            .expect("the picker of the person responsible");
        assert!(picker.contains("<option"), "{picker}");
        for admin in ["系统管理员", "安全管理员", "审计管理员"] {
            assert!(!picker.contains(admin), "{admin} offered: {picker}");
        }
        let sysadmin = app.user_id("sysadmin").await.to_string();
        let (s, v) = step(
            &app,
            "director",
            id,
            json!({"step": "approve", "reason": "同意督办", "responsible_user_id": sysadmin}),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(v["error"]["fields"][0]["field"], "responsible_user_id");
    })
    .await;
}

/// Register, propose, approve and start a case with the MSA as lead and the police assisting.
async fn started(app: &App, title: &str) -> i64 {
    let id = register(app, title).await;
    let (s, v) = step(app, "staff", id, json!({"step": "propose", "grounds": [["leader_instruction", "李副市长批示"], ["cross_department", "涉及浉河区、罗山县两地"]]})).await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
    let staff = app.user_id("staff").await.to_string();
    let (s, v) = step(
        app,
        "director",
        id,
        json!({"step": "approve", "reason": "同意督办", "responsible_user_id": staff}),
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
    let lead = app.unit_id(MSA).await.to_string();
    let assisting = app.unit_id(POLICE).await.to_string();
    let (s, v) = step(
        app,
        "staff",
        id,
        json!({"step": "start", "lead_unit_id": lead, "assisting": [assisting]}),
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
    id
}

fn pdftotext(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("x.pdf");
    std::fs::write(&path, pdf).expect("write");
    let out = Command::new("pdftotext")
        .args(["-layout", path.to_str().unwrap_or(""), "-"])
        .output()
        .expect("pdftotext runs (apt-get install poppler-utils)");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test]
async fn the_whole_procedure_from_clue_to_archive() {
    each_db(true, |app| async move {
        let id = started(&app, "假冒“信阳毛尖”茶叶案").await;
        assert_eq!(state_of(&app, id).await, "started");
        // 000 §4: the start clock (5 working days from 16 Nov) was met when the units were named.
        let met: String = sqlx::query_scalar("SELECT state FROM deadlines WHERE record_type = 'case' AND record_id = $1 AND clause = '000 §4'")
            .bind(id).fetch_one(&app.db.pool).await.expect("clock");
        assert_eq!(met, "met");

        // 000 §5: the supervision letter.
        let (s, v) = step(&app, "staff", id, json!({"step": "issue_letter", "text": "请于每月底前报送进展。"})).await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
        common::sign_letter(&app, id).await;
        let number: String = sqlx::query_scalar("SELECT letter_number FROM cases WHERE id = $1").bind(id).fetch_one(&app.db.pool).await.expect("number");
        assert_eq!(number, format!("信打假办督〔{}〕1号", app.today().format("%Y")));
        let letter: i64 = sqlx::query_scalar("SELECT id FROM case_letters WHERE case_id = $1").bind(id).fetch_one(&app.db.pool).await.expect("letter");
        let mut lead = app.client();
        lead.login("liaison.scjg", PASSWORD).await;
        let pdf = lead.get(&format!("/cases/{id}/letters/{letter}.pdf")).await;
        common::assert_same_document(&app, "liaison.scjg", &format!("/api/v1/cases/{id}/letters/{letter}.pdf"), &pdf).await;
        assert_eq!(pdf.status, StatusCode::OK);
        assert_eq!(pdf.headers["content-type"], "application/pdf");
        let bytes: Vec<u8> = sqlx::query_scalar("SELECT pdf FROM case_letters WHERE id = $1").bind(letter).fetch_one(&app.db.pool).await.expect("pdf");
        assert!(bytes.starts_with(b"%PDF"));
        let text = pdftotext(&bytes);
        common::assert_worded_officially(&text, "the supervision letter");
        for needle in [number.as_str(), "挂牌督办", MSA, POLICE, "信阳毛尖", OFFICE] {
            assert!(text.replace([' ', '\n'], "").contains(&needle.replace(' ', "")), "PDF text lacks {needle}:\n{text}");
        }

        // 000 §6: progress requested from the lead unit, which answers; the office may not.
        let due = (app.today() + chrono::Duration::days(10)).to_string();
        let (s, v) = step(&app, "staff", id, json!({"step": "request_progress", "date": due, "text": "请报送阶段性进展"})).await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
        let (s, v) = step(&app, "staff", id, json!({"step": "report_progress", "text": "办公室代报"})).await;
        assert_eq!(s, StatusCode::CONFLICT, "000 §11: {v}");
        let (s, v) = step(&app, "liaison.scjg", id, json!({"step": "report_progress", "text": "已查封涉案仓库一处，扣押假冒茶叶2000斤。"})).await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
        let (s, v) = step(&app, "handler.gaj", id, json!({"step": "report_progress", "text": "公安机关已提前介入。"})).await;
        assert_eq!(s, StatusCode::NO_CONTENT, "assisting units report too: {v}");
        let (s, _) = step(&app, "handler.gaj", id, json!({"step": "conclude", "date": app.today().to_string(), "text": "x"})).await;
        assert_eq!(s, StatusCode::CONFLICT, "only the lead concludes");

        // 000 §7: a progress bulletin reaches the units concerned.
        let (s, v) = step(&app, "staff", id, json!({"step": "coordinate", "kind": "bulletin", "text": "本月查扣假冒茶叶2000斤"})).await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
        let told: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM notifications n JOIN users u ON u.id = n.user_id WHERE u.username = 'handler.gaj' AND n.title = '重大案件进展情况通报'")
            .fetch_one(&app.db.pool).await.expect("count");
        assert_eq!(told, 1);
        // 000 §7: a slow-progress circular names the unit and goes to the group's leaders.
        let police = app.unit_id(POLICE).await.to_string();
        let (s, v) = step(&app, "staff", id, json!({"step": "coordinate", "kind": "circular", "named_unit_id": police, "text": "协办进展缓慢"})).await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
        let leader_told: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM notifications n JOIN users u ON u.id = n.user_id WHERE u.username = 'leader'")
            .fetch_one(&app.db.pool).await.expect("count");
        assert!(leader_told >= 1);

        // 000 §8: conclusion and closure report within 20 working days.
        let today = app.today().to_string();
        // Errors name the fields the step sent (issue #13), not the operation's own names.
        let (s, v) = step(&app, "liaison.scjg", id, json!({"step": "conclude", "date": today, "text": " "})).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(v["error"]["fields"][0]["field"], "text", "{v}");
        let tomorrow = (app.today() + chrono::Duration::days(1)).to_string();
        let (s, v) = step(&app, "liaison.scjg", id, json!({"step": "conclude", "date": tomorrow, "text": "作出行政处罚"})).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(v["error"]["fields"][0]["field"], "date", "{v}");
        let (s, v) = step(&app, "liaison.scjg", id, json!({"step": "report_progress", "text": ""})).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(v["error"]["fields"][0]["field"], "text", "{v}");
        let (s, v) = step(&app, "liaison.scjg", id, json!({"step": "conclude", "date": today, "text": "作出行政处罚并移送公安机关"})).await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
        let (s, v) = step(&app, "liaison.scjg", id, json!({"step": "report_closure", "text": "罚没款合计50万元，移送涉嫌犯罪线索一条。"})).await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
        // 000 §9: the office drafts the circular; the director approves it by signing its draft
        // (the document chain), which issues it; the instructing leader gets a report.
        let (s, v) = step(&app, "staff", id, json!({"step": "circulate", "text": "该案查处有力，予以通报。"})).await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
        assert_eq!(state_of(&app, id).await, "reported", "not circulated by drafting");
        let (s, _) = common::draft_act(&app, "staff", "case", id, "sign", "同意。").await;
        assert_eq!(s, StatusCode::CONFLICT, "the director approves");
        let (s, v) = common::draft_act(&app, "director", "case", id, "sign", "同意通报。").await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
        let kinds: Vec<String> = sqlx::query_scalar("SELECT kind FROM case_letters WHERE case_id = $1 ORDER BY id").bind(id).fetch_all(&app.db.pool).await.expect("letters");
        assert_eq!(kinds, ["supervision", "circular", "leader_report"]);
        let clocks: Vec<(String, String)> = sqlx::query_as("SELECT clause, state FROM deadlines WHERE record_type = 'case' AND record_id = $1 ORDER BY id")
            .bind(id).fetch_all(&app.db.pool).await.expect("clocks");
        assert_eq!(clocks, [("000 §4".into(), "met".into()), ("000 §6".into(), "met".into()), ("000 §8".into(), "met".into()), ("000 §9".into(), "met".into())]);

        let (s, v) = upload(&app, "liaison.scjg", id, "处罚决定书.txt", "行政处罚决定书（摘要）".as_bytes()).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        // 000 §13: archived as one dossier, verified offline, read-only afterwards.
        let (s, v) = step(&app, "staff", id, json!({"step": "archive"})).await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
        let r = lead.get(&format!("/cases/{id}/dossier.zip")).await;
        assert_eq!(r.status, StatusCode::OK);
        common::assert_same_document(&app, "liaison.scjg", &format!("/api/v1/cases/{id}/dossier.zip"), &r).await;
        // An assisting unit reads the case with IDs masked; the sealed dossier holds them in
        // full, so it is refused.
        let mut assisting = app.client();
        assisting.login("handler.gaj", PASSWORD).await;
        let page = assisting.get(&format!("/cases/{id}")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(!page.body.contains("dossier-link") && page.body.contains("仅督办的双打办和主办单位可以下载"));
        assert_eq!(assisting.get(&format!("/cases/{id}/dossier.zip")).await.status, StatusCode::FORBIDDEN);
        assert_eq!(common::api_get(&app, "handler.gaj", &format!("/api/v1/cases/{id}/dossier.zip")).await.status, StatusCode::FORBIDDEN);
        let zip: Vec<u8> = sqlx::query_scalar("SELECT zip FROM case_archives WHERE case_id = $1").bind(id).fetch_one(&app.db.pool).await.expect("zip");
        let mut names = Vec::new();
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip.clone())).expect("zip");
        for i in 0..archive.len() {
            names.push(archive.by_index(i).expect("entry").name().expect("name").to_string());
        }
        for expected in ["00-卷内目录.pdf", "01-案件登记/案件信息.json", "04-附件/01-处罚决定书.txt", "audit-trail.json", "manifest.json"] {
            assert!(names.iter().any(|n| n == expected), "{expected} in {names:?}");
        }
        assert_eq!(names.iter().filter(|n| n.starts_with("02-文书/")).count(), 3);
        assert_eq!(names.iter().filter(|n| n.starts_with("03-办案单位报告/")).count(), 3);
        // The document chain's history of the letter is in the dossier, people named without
        // logins, and its acts in the audit trail.
        let chain: Vec<&String> = names.iter().filter(|n| n.starts_with("05-办文过程/")).collect();
        assert_eq!(chain.len(), 2, "the letter's and the circular's: {names:?}");
        let mut history = String::new();
        std::io::Read::read_to_string(&mut archive.by_name(chain[0]).expect("history"), &mut history).expect("utf-8");
        assert!(history.contains("督办公函") && history.contains("拟稿") && history.contains("签发（同意。）"), "{history}");
        assert!(history.contains("文号：信打假办督〔") && !history.contains("（staff）") && !history.contains("director"), "{history}");
        let mut trail = String::new();
        std::io::Read::read_to_string(&mut archive.by_name("audit-trail.json").expect("trail"), &mut trail).expect("utf-8");
        assert!(trail.contains("draft.sign") && trail.contains("draft.submit"), "the chain's acts are in the trail");
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("dossier.zip");
        std::fs::write(&path, &zip).expect("write");
        let out = Command::new(env!("CARGO_BIN_EXE_shuangda")).args(["archive", "verify"]).arg(&path).output().expect("run");
        let said = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{said}");
        assert!(said.contains("校验通过"), "{said}");
        let mut tampered = zip.clone();
        let mid = tampered.len() / 2;
        tampered[mid] ^= 0xff;
        std::fs::write(&path, &tampered).expect("write");
        let out = Command::new(env!("CARGO_BIN_EXE_shuangda")).args(["archive", "verify"]).arg(&path).output().expect("run");
        assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stdout));
        let (s, v) = step(&app, "staff", id, json!({"step": "coordinate", "kind": "meeting", "text": "归档后再开会"})).await;
        assert_eq!(s, StatusCode::CONFLICT);
        assert!(v["error"]["message"].as_str().unwrap_or("").contains("已归档"));
        assert_eq!(state_of(&app, id).await, "archived");
        // The timeline has every step.
        let t = app.token("director").await;
        let detail = api(&app, Method::GET, &format!("/api/v1/cases/{id}"), Some(&t), None).await.json();
        assert!(detail["events"].as_array().expect("events").len() >= 12, "{detail}");

        // The page reads the child lists nested in one statement; they are exactly what the
        // per-table reads (used by the documents and the dossier) return.
        use shuangda::cases::store;
        fn json<T: serde::Serialize>(v: &T) -> Value {
            serde_json::to_value(v).expect("json")
        }
        // A county office is neither the case's office nor its lead: IDs stay masked.
        let (outsider, _) = shuangda::users::store::load_actor(&app.db, app.user_id("county.luoshan").await)
            .await
            .expect("actor")
            .expect("active");
        let r = store::view(&app.db, &outsider, &shuangda::access::Scope::All, id, app.today())
            .await
            .expect("view")
            .expect("found")
            .records;
        let pool = &app.db.pool;
        assert_eq!(json(&r.parties), json(&store::parties(pool, id, false, app.today()).await.expect("parties")));
        assert_eq!(json(&r.grounds), json(&store::grounds(pool, id).await.expect("grounds")));
        assert_eq!(json(&r.letters), json(&store::letters(pool, id).await.expect("letters")));
        assert_eq!(json(&r.reports), json(&store::reports(pool, id).await.expect("reports")));
        assert_eq!(json(&r.attachments), json(&store::attachments(pool, id).await.expect("attachments")));
        assert_eq!(json(&r.events), json(&store::events(pool, id).await.expect("events")));
        assert_eq!((r.grounds.len(), r.letters.len(), r.reports.len(), r.attachments.len()), (2, 3, 3, 1));
        assert_eq!(r.parties[1].code, "110105********002X", "masked for the unentitled");
        assert!(r.attachments[0].size > 0, "{:?}", r.attachments);
    })
    .await;
}

#[tokio::test]
async fn refusals_say_why() {
    each_db(true, |app| async move {
        let id = register(&app, "某农资案").await;
        // Steps out of order.
        let (s, v) = step(&app, "staff", id, json!({"step": "issue_letter"})).await;
        assert_eq!(s, StatusCode::CONFLICT);
        assert_eq!(v["error"]["message"], "案件当前处于“线索”状态，不能发出督办公函");
        // 000 §2: a case a court is trying is excluded (the status is recorded by its own step).
        let (s, v) = step(&app, "staff", id, json!({"step": "judicial_status", "judicial_status": "court_trial", "reason": "人民法院已立案审理"})).await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
        let (s, v) = step(&app, "staff", id, json!({"step": "propose", "grounds": [["cross_department", "两地"]]})).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(v["error"]["fields"][0]["message"].as_str().unwrap_or("").contains("不适用督办"), "{v}");
        let (s, v) = step(&app, "staff", id, json!({"step": "judicial_status", "judicial_status": "none", "reason": "人民法院裁定退回"})).await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
        // Grounds need reasons.
        let (s, v) = step(&app, "staff", id, json!({"step": "propose", "grounds": [["cross_department", ""]]})).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        // Only the director approves; approval names an office member.
        let (s, _) = step(&app, "staff", id, json!({"step": "propose", "grounds": [["early_risk", "网络销售蔓延"]]})).await;
        assert_eq!(s, StatusCode::NO_CONTENT);
        let (s, _) = step(&app, "staff", id, json!({"step": "approve", "reason": "同意"})).await;
        assert_eq!(s, StatusCode::CONFLICT);
        let liaison = app.user_id("liaison.scjg").await.to_string();
        let (s, v) = step(&app, "director", id, json!({"step": "approve", "reason": "同意", "responsible_user_id": liaison})).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        let (s, _) = step(&app, "director", id, json!({"step": "reject", "reason": "情节一般，由属地依法处理"})).await;
        assert_eq!(s, StatusCode::NO_CONTENT);
        let clock: String = sqlx::query_scalar("SELECT state FROM deadlines WHERE record_type = 'case' AND record_id = $1").bind(id).fetch_one(&app.db.pool).await.expect("clock");
        assert_eq!(clock, "waived");
        // Bad clue input is reported field by field and writes nothing.
        let before = app.count("cases").await;
        let t = app.token("staff").await;
        let mut bad = clue("x");
        bad["parties"][0]["code"] = json!("91350100M000100Y44");
        bad["parties"][1]["code"] = json!("110105194912310021");
        bad["amount"] = json!("12.345");
        bad["regions"] = json!(["4115"]);
        let r = api(&app, Method::POST, "/api/v1/cases", Some(&t), Some(bad)).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let body = r.json();
        let fields: Vec<&str> = body["error"]["fields"].as_array().expect("fields").iter().map(|f| f["field"].as_str().unwrap_or("")).collect();
        assert_eq!(fields, ["regions", "amount", "parties[0].code", "parties[1].code"], "{body}");
        assert_eq!(app.count("cases").await, before);
    })
    .await;
}

#[tokio::test]
async fn data_scope_and_masked_identifiers() {
    each_db(true, |app| async move {
        let id = started(&app, "跨区域假冒农资案").await;
        // A member unit not party to the case gets 404 on its page, its letter and the API.
        let (s, _) = step(&app, "staff", id, json!({"step": "issue_letter"})).await;
        assert_eq!(s, StatusCode::NO_CONTENT);
        common::sign_letter(&app, id).await;
        let letter: i64 = sqlx::query_scalar("SELECT id FROM case_letters WHERE case_id = $1")
            .bind(id)
            .fetch_one(&app.db.pool)
            .await
            .expect("letter");
        let mut outsider = app.client();
        outsider.login("county.luoshan", PASSWORD).await;
        for path in [
            format!("/api/v1/cases/{id}/letters/{letter}.pdf"),
            format!("/api/v1/cases/{id}/dossier.zip"),
        ] {
            assert_eq!(
                common::api_get(&app, "county.luoshan", &path).await.status,
                StatusCode::NOT_FOUND,
                "{path}"
            );
        }
        assert_eq!(
            outsider.get(&format!("/cases/{id}")).await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            outsider
                .get(&format!("/cases/{id}/letters/{letter}.pdf"))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            outsider
                .get(&format!("/cases/{id}/dossier.zip"))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        let t = app.token("pingyin.staff").await;
        assert_eq!(
            api(
                &app,
                Method::GET,
                &format!("/api/v1/cases/{id}"),
                Some(&t),
                None
            )
            .await
            .status,
            StatusCode::NOT_FOUND
        );
        let list = api(&app, Method::GET, "/api/v1/cases", Some(&t), None)
            .await
            .json();
        assert_eq!(list["items"].as_array().map(Vec::len), Some(0));
        // Lead and assisting units find it on their own first page (unit scope, party rows).
        for who in ["liaison.scjg", "handler.gaj"] {
            let t = app.token(who).await;
            let v = api(&app, Method::GET, "/api/v1/cases", Some(&t), None)
                .await
                .json();
            let ids: Vec<i64> = v["items"]
                .as_array()
                .expect("items")
                .iter()
                .filter_map(|c| c["id"].as_i64())
                .collect();
            assert_eq!(ids, [id], "{who}: {v}");
        }
        // Administrators read no case content.
        let t = app.token("sysadmin").await;
        assert_eq!(
            api(&app, Method::GET, "/api/v1/cases", Some(&t), None)
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        // The lead unit sees the resident ID; the assisting unit sees it masked.
        let t = app.token("liaison.scjg").await;
        let v = api(
            &app,
            Method::GET,
            &format!("/api/v1/cases/{id}"),
            Some(&t),
            None,
        )
        .await
        .json();
        assert_eq!(v["parties"][1]["code"], PERSON);
        let t = app.token("handler.gaj").await;
        let v = api(
            &app,
            Method::GET,
            &format!("/api/v1/cases/{id}"),
            Some(&t),
            None,
        )
        .await
        .json();
        assert_eq!(v["parties"][1]["code"], "110105********002X");
        assert_eq!(v["parties"][0]["code"], CREDIT);
        // The list filters.
        let t = app.token("staff").await;
        let v = api(
            &app,
            Method::GET,
            "/api/v1/cases?listed=1&state=under_supervision&region=411521",
            Some(&t),
            None,
        )
        .await
        .json();
        assert_eq!(v["items"].as_array().map(Vec::len), Some(1));
        assert_eq!(v["has_more"], false);
        let v = api(
            &app,
            Method::GET,
            "/api/v1/cases?state=clue",
            Some(&t),
            None,
        )
        .await
        .json();
        assert_eq!(v["items"].as_array().map(Vec::len), Some(0));
    })
    .await;
}

#[tokio::test]
async fn concurrent_letters_keep_numbers_unique_and_gapless() {
    each_db(true, |app| async move {
        let mut ids = Vec::new();
        for i in 0..6 {
            ids.push(started(&app, &format!("并发公函测试案{i}")).await);
        }
        // Drafted one by one, then signed all at once: the numbers are drawn at signing.
        let mut drafts = Vec::new();
        for id in &ids {
            let (s, v) = step(&app, "staff", *id, json!({"step": "issue_letter"})).await;
            assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
            drafts.push(common::letter_draft(&app, *id).await);
        }
        assert_eq!(
            app.count("case_letters").await,
            0,
            "no number before signing"
        );
        let t = app.token("director").await;
        let mut tasks = Vec::new();
        for draft in drafts {
            let router = app.router.clone();
            let t = t.clone();
            tasks.push(tokio::spawn(async move {
                use tower::ServiceExt;
                let req = axum::http::Request::builder()
                    .method("POST")
                    .uri(format!("/api/v1/drafts/{draft}/steps"))
                    .header("authorization", format!("Bearer {t}"))
                    .header("content-type", "application/json")
                    .body(axum::body::Body::from(
                        json!({"step": "sign", "text": "同意。"}).to_string(),
                    ))
                    .expect("request");
                router.oneshot(req).await.expect("response").status()
            }));
        }
        for task in tasks {
            assert_eq!(task.await.expect("join"), StatusCode::NO_CONTENT);
        }
        let mut numbers: Vec<String> = sqlx::query_scalar("SELECT number FROM case_letters")
            .fetch_all(&app.db.pool)
            .await
            .expect("numbers");
        numbers.sort_by_key(|n| {
            n.trim_end_matches('号')
                .rsplit('〕')
                .next()
                .and_then(|x| x.parse::<u32>().ok())
                .unwrap_or(0)
        });
        let year = app.today().format("%Y").to_string();
        let expected: Vec<String> = (1..=6)
            .map(|n| format!("信打假办督〔{year}〕{n}号"))
            .collect();
        assert_eq!(numbers, expected);
    })
    .await;
}

async fn upload(app: &App, who: &str, id: i64, name: &str, bytes: &[u8]) -> (StatusCode, Value) {
    use tower::ServiceExt;
    let t = app.token(who).await;
    let boundary = "XxSdBoundaryxX";
    let mut body = Vec::new();
    body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"description\"\r\n\r\n现场照片\r\n").as_bytes());
    body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes());
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let req = axum::http::Request::builder()
        .method("POST")
        .uri(format!("/api/v1/cases/{id}/attachments"))
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

#[tokio::test]
async fn attachments_are_checked_hashed_scoped_and_archived() {
    each_db(true, |app| async move {
        let id = started(&app, "附件测试案").await;
        let jpg = [&b"\xff\xd8\xff\xe0"[..], &[7u8; 5000][..]].concat();
        let (s, v) = upload(&app, "liaison.scjg", id, "现场照片.jpg", &jpg).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let aid = v["id"].as_i64().expect("id");
        let (sha, size): (String, i64) =
            sqlx::query_as("SELECT sha256, size FROM case_attachments WHERE id = $1")
                .bind(aid)
                .fetch_one(&app.db.pool)
                .await
                .expect("row");
        use sha2::Digest;
        assert_eq!(sha, shuangda::domain::hex(&sha2::Sha256::digest(&jpg)));
        assert_eq!(size, 5004);
        // An executable disguised as a PDF, an unknown type, and an outsider are refused.
        let (s, v) = upload(&app, "liaison.scjg", id, "证据.pdf", b"MZ\x90\x00\x03").await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(v["error"]["fields"][0]["code"], "invalid_type");
        let (s, _) = upload(&app, "liaison.scjg", id, "tool.exe", b"MZ").await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        let (s, _) = upload(&app, "county.luoshan", id, "a.txt", "文本".as_bytes()).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        // Too large: over 20 MB.
        let big = [&b"%PDF-"[..], &vec![0u8; 21 * 1024 * 1024][..]].concat();
        let (s, _) = upload(&app, "liaison.scjg", id, "big.pdf", &big).await;
        assert!(
            s == StatusCode::PAYLOAD_TOO_LARGE || s == StatusCode::UNPROCESSABLE_ENTITY,
            "{s}"
        );
        assert_eq!(
            app.count("case_attachments").await,
            1,
            "refused uploads leave nothing"
        );
        // Downloads stay within scope.
        let mut lead = app.client();
        lead.login("liaison.scjg", PASSWORD).await;
        let r = lead.get(&format!("/cases/{id}/attachments/{aid}")).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.headers["content-type"], "image/jpeg");
        // The list shows the size as people read it; the byte count and the checksum sit in the
        // file's details (issue #20).
        let page = lead.get(&format!("/cases/{id}")).await.body;
        assert!(page.contains("<td class=\"nowrap\">4.9 KB</td>"), "{page}");
        assert!(
            page.contains(&format!(
                "<summary>校验信息</summary>5004 字节；SHA-256 <code>{sha}</code>"
            )),
            "{page}"
        );
        let mut outsider = app.client();
        outsider.login("county.luoshan", PASSWORD).await;
        assert_eq!(
            outsider
                .get(&format!("/cases/{id}/attachments/{aid}"))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
    })
    .await;
}

/// The list pages by 20, most recently changed first, and says whether more follow; a case
/// that changes moves to the top. The list rows carry the list columns, not the whole case.
#[tokio::test]
async fn the_case_list_pages_in_order_of_last_change() {
    each_db(true, |app| async move {
        let mut ids = Vec::new();
        for i in 0..23 {
            ids.push(register(&app, &format!("分页测试案件{i:02}")).await);
        }
        let t = app.token("staff").await;
        let page = |n: u32| {
            let (app, t) = (&app, &t);
            async move {
                let v = api(
                    app,
                    Method::GET,
                    &format!("/api/v1/cases?page={n}"),
                    Some(t),
                    None,
                )
                .await
                .json();
                let ids: Vec<i64> = v["items"]
                    .as_array()
                    .expect("items")
                    .iter()
                    .filter_map(|c| c["id"].as_i64())
                    .collect();
                (ids, v["has_more"].as_bool().expect("has_more"), v)
            }
        };
        let newest_first: Vec<i64> = ids.iter().rev().copied().collect();
        let (first, more, v) = page(1).await;
        assert_eq!(first, newest_first[..20], "{v}");
        assert!(more);
        assert_eq!(v["items"][0]["title"], "分页测试案件22");
        assert_eq!(v["items"][0]["state"], "clue");
        assert!(
            v["items"][0].get("summary").is_none(),
            "list rows are narrow"
        );
        let (second, more, _) = page(2).await;
        assert_eq!(second, newest_first[20..]);
        assert!(!more);

        // Proposing the oldest case moves it to the top.
        let (s, v) = step(
            &app,
            "staff",
            ids[0],
            json!({"step": "propose", "grounds": [["leader_instruction", "李副市长批示"]]}),
        )
        .await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
        let (first, _, v) = page(1).await;
        assert_eq!(first[0], ids[0], "{v}");
        assert_eq!(v["items"][0]["state"], "proposed");
    })
    .await;
}

/// Rejecting supervision waives the 000 §4 clock while it is open; a clock that already
/// lapsed stays missed, and the rejection still goes through.
#[tokio::test]
async fn rejecting_after_the_start_clock_lapsed_keeps_it_missed() {
    each_db(true, |app| async move {
        let id = register(&app, "起始期限已过的线索").await;
        let (s, v) = step(
            &app,
            "staff",
            id,
            json!({"step": "propose", "grounds": [["leader_instruction", "李副市长批示"]]}),
        )
        .await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
        let lapsed = sqlx::query(
            "UPDATE deadlines SET state = 'missed' WHERE record_type = 'case' AND record_id = $1",
        )
        .bind(id)
        .execute(&app.db.pool)
        .await
        .expect("lapse the clock")
        .rows_affected();
        assert_eq!(lapsed, 1);
        let (s, v) = step(
            &app,
            "director",
            id,
            json!({"step": "reject", "reason": "情节一般，由属地依法处理"}),
        )
        .await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
        let states: Vec<String> = sqlx::query_scalar(
            "SELECT state FROM deadlines WHERE record_type = 'case' AND record_id = $1",
        )
        .bind(id)
        .fetch_all(&app.db.pool)
        .await
        .expect("clocks");
        assert_eq!(states, ["missed"]);
    })
    .await;
}

/// A malformed list filter is refused field by field (422), never dropped: dropping it would
/// silently widen the list. Good filters, dates included, still narrow it.
#[tokio::test]
async fn a_malformed_list_filter_is_named_not_dropped() {
    each_db(true, |app| async move {
        let id = register(&app, "筛选测试案件").await;
        let t = app.token("staff").await;
        let get = |path: String| {
            let (app, t) = (&app, &t);
            async move {
                let r = api(app, Method::GET, &path, Some(t), None).await;
                (r.status, r.json())
            }
        };
        let (s, v) = get(
            "/api/v1/cases?from=2026-02-30&to=2026-11-01&state=open&ground=x&region=4115&lead_unit_id=abc&overdue=yes"
                .into(),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(v["error"]["code"], "validation_failed");
        let fields: Vec<(&str, &str)> = v["error"]["fields"]
            .as_array()
            .expect("fields")
            .iter()
            .map(|f| {
                (
                    f["field"].as_str().unwrap_or(""),
                    f["code"].as_str().unwrap_or(""),
                )
            })
            .collect();
        for expected in [
            ("from", "invalid_format"),
            ("state", "invalid_choice"),
            ("ground", "invalid_choice"),
            ("region", "invalid_format"),
            ("lead_unit_id", "invalid_format"),
            ("overdue", "invalid_choice"),
        ] {
            assert!(fields.contains(&expected), "{expected:?} in {v}");
        }
        let (s, v) = get("/api/v1/cases?from=2026-11-20&to=2026-11-01".into()).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(v["error"]["fields"][0]["field"], "to");
        assert_eq!(v["error"]["fields"][0]["code"], "invalid_range");

        // The range finds the clue on the day it was received, and only on that day.
        let day = |n: i64| (received_on() + chrono::Duration::days(n)).to_string();
        let month = received_on().format("%Y-%m").to_string();
        let month_start = format!("{month}-01");
        let month_end = (chrono::NaiveDate::parse_from_str(&month_start, "%Y-%m-%d").expect("month")
            + chrono::Months::new(1)
            - chrono::Duration::days(1))
        .to_string();
        let ids = |v: &Value| -> Vec<i64> {
            v["items"]
                .as_array()
                .expect("items")
                .iter()
                .filter_map(|c| c["id"].as_i64())
                .collect()
        };
        for (range, found) in [
            (format!("from={}&to={}", day(0), day(0)), true),
            (format!("from={}", day(1)), false),
            (format!("to={}", day(-1)), false),
            (format!("from={month_start}&to={month_end}&state=clue&region=411521"), true),
        ] {
            let (s, v) = get(format!("/api/v1/cases?{range}")).await;
            assert_eq!(s, StatusCode::OK, "{range}: {v}");
            assert_eq!(ids(&v).contains(&id), found, "{range}: {v}");
        }

        // The page says what is wrong beside the filter, in Chinese, and lists nothing.
        let mut c = app.client();
        c.login("staff", PASSWORD).await;
        let r = c.get("/cases?from=2026-13-01&state=open").await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("id=\"filter-errors\""), "{}", r.body);
        assert!(r.body.contains("线索收到起：日期格式应为YYYY-MM-DD"), "{}", r.body);
        assert!(r.body.contains("状态：不是可选的值"), "{}", r.body);
        assert!(!r.body.contains("筛选测试案件"));
        let r = c.get(&format!("/cases?from={}", day(0))).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.body.contains("筛选测试案件"));
    })
    .await;
}

#[tokio::test]
async fn the_judicial_exclusion_tests_what_is_stored() {
    each_db(true, |app| async move {
        let mut body = clue("检察机关已受理的假冒案");
        body["judicial_status"] = json!("procuratorate");
        let t = app.token("staff").await;
        let r = api(&app, Method::POST, "/api/v1/cases", Some(&t), Some(body)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let id = r.json()["id"].as_i64().expect("id");
        let grounds = json!([["cross_department", "涉及多个部门"]]);
        // Omitting the status no longer overwrites it with "none" (000 §2).
        let (s, v) = step(&app, "staff", id, json!({"step": "propose", "grounds": grounds})).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(v["error"]["fields"][0]["code"], "excluded", "{v}");
        // Nor does naming another one in the proposal.
        let (s, v) = step(&app, "staff", id, json!({"step": "propose", "grounds": grounds, "judicial_status": "none"})).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(v["error"]["fields"][0]["code"], "separate_step", "{v}");
        let stored: String = sqlx::query_scalar("SELECT judicial_status FROM cases WHERE id = $1")
            .bind(id)
            .fetch_one(&app.db.pool)
            .await
            .expect("status");
        assert_eq!(stored, "procuratorate");
        // A change is a step of its own, with a reason, on the record.
        let (s, v) = step(&app, "staff", id, json!({"step": "judicial_status", "judicial_status": "none"})).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "a reason is required: {v}");
        let (s, v) = step(&app, "staff", id, json!({"step": "judicial_status", "judicial_status": "none", "reason": "检察机关已退回，不再办理"})).await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
        let (s, v) = step(&app, "staff", id, json!({"step": "propose", "grounds": grounds})).await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
        let audited: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'case.judicial_status' AND object_id = $1")
            .bind(id.to_string())
            .fetch_one(&app.db.pool)
            .await
            .expect("audit");
        assert_eq!(audited, 1);
    })
    .await;
}

/// The document chain (拟稿 → 核稿 → 签发 → 印发; 《党政机关公文处理工作条例》第十九条、第二十条):
/// the supervision letter is drafted by the office, previewed with its number blank, returned
/// with comments or signed by the office director with his opinion; the number is taken only
/// at signing, a returned draft takes none, and a second signature issues nothing.
#[tokio::test]
async fn a_letter_is_drafted_previewed_returned_and_signed_with_its_number_taken_at_signing() {
    each_db(true, |app| async move {
        let id = started(&app, "办文流程测试案").await;
        // Only the office drafts: an administrator of the office's unit, a member unit, the
        // leader draw nothing and are not shown the letter as its signer would issue it.
        for who in ["sysadmin", "liaison.scjg", "leader"] {
            let (s, v) = step(&app, who, id, json!({"step": "issue_letter", "text": "越权拟稿"})).await;
            assert!(s == StatusCode::FORBIDDEN || s == StatusCode::NOT_FOUND || s == StatusCode::CONFLICT, "{who}: {s} {v}");
        }
        assert_eq!(app.count("drafts").await, 0, "no draft from outside the office");
        let (s, v) = step(&app, "staff", id, json!({"step": "issue_letter", "text": "请于月底前报送进展。"})).await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
        assert_eq!(state_of(&app, id).await, "started", "not issued by drafting");
        assert_eq!(app.count("case_letters").await, 0);
        let draft = common::letter_draft(&app, id).await;
        let path = format!("/api/v1/drafts/{draft}/steps");
        let act = |who: &'static str, body: Value| {
            let app = &app;
            let path = path.clone();
            async move { common::call(app, who, Method::POST, &path, Some(body)).await }
        };
        // One draft waits at a time.
        let (s, v) = step(&app, "staff", id, json!({"step": "issue_letter"})).await;
        assert_eq!(s, StatusCode::CONFLICT, "{v}");
        assert_eq!(v["error"]["code"], "draft_waiting");

        // The preview is the letter as it will be issued, its number left blank; taking it
        // draws no number.
        let t = app.token("director").await;
        let r = api(&app, Method::GET, &format!("/api/v1/drafts/{draft}/preview.pdf"), Some(&t), None).await;
        assert_eq!(r.status, StatusCode::OK);
        let text = pdf_text(&r.bytes);
        let year = app.today().format("%Y").to_string();
        assert!(text.contains(&format!("信打假办督〔{year}〕号")), "{text}");
        assert!(text.contains("请于月底前报送进展"), "{text}");
        assert_eq!(app.count("case_letters").await, 0);
        let drawn: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM doc_sequences WHERE series LIKE '督:%'")
            .fetch_one(&app.db.pool)
            .await
            .expect("sequences");
        assert_eq!(drawn, 0, "no number drawn by a preview");

        // Only the office sees it; only the director signs it.
        for who in ["liaison.scjg", "leader", "handler.gaj"] {
            let (s, _) = act(who, json!({"step": "sign", "text": "同意"})).await;
            assert_eq!(s, StatusCode::NOT_FOUND, "{who}");
        }
        let (s, v) = act("staff", json!({"step": "sign", "text": "同意"})).await;
        assert_eq!(s, StatusCode::CONFLICT, "{v}");
        assert!(v["error"]["message"].as_str().is_some_and(|m| m.contains("办公室主任")), "{v}");

        // Returned with comments: back to the drafter, with a to-do; no number.
        let (s, v) = act("director", json!({"step": "return", "text": " "})).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(v["error"]["fields"][0]["field"], "text");
        let (s, v) = act("director", json!({"step": "return", "text": "请写明报送进展的具体期限。"})).await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
        let (_, d) = common::call(&app, "staff", Method::GET, &format!("/api/v1/drafts/{draft}"), None).await;
        assert_eq!(d["state"], "returned");
        assert_eq!(d["acts"], json!(["resubmit"]));
        let revise: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM todo_items WHERE source_type = 'draft' AND source_id = $1 AND duty = 'revise' AND user_id = $2 AND done_at IS NULL")
            .bind(draft)
            .bind(app.user_id("staff").await)
            .fetch_one(&app.db.pool)
            .await
            .expect("todo");
        assert_eq!(revise, 1);
        let (s, _) = act("director", json!({"step": "sign", "text": "同意"})).await;
        assert_eq!(s, StatusCode::CONFLICT, "a returned draft is not signed");

        // Revised and resubmitted; the director signs with his opinion.
        let (s, v) = act("staff", json!({"step": "resubmit", "text": "请于2027年1月31日前报送进展。"})).await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
        let (s, v) = act("director", json!({"step": "sign", "text": ""})).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "the opinion is required: {v}");
        let (s, v) = act("director", json!({"step": "sign", "text": "同意印发。"})).await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
        let (s, _) = act("director", json!({"step": "sign", "text": "同意印发。"})).await;
        assert_eq!(s, StatusCode::CONFLICT, "signed once");
        assert_eq!(app.count("case_letters").await, 1);
        assert_eq!(state_of(&app, id).await, "under_supervision");

        let (_, d) = common::call(&app, "director", Method::GET, &format!("/api/v1/drafts/{draft}"), None).await;
        let number = format!("信打假办督〔{year}〕1号");
        assert_eq!(d["state"], "signed");
        assert_eq!(d["number"], number.as_str(), "the returned draft took no number");
        assert_eq!(d["sign_opinion"], "同意印发。");
        assert!(d["signer_name"].as_str().is_some_and(|n| n.contains("director")), "{d}");
        let acts: Vec<&str> = d["events"].as_array().expect("events").iter().filter_map(|e| e["act"].as_str()).collect();
        assert_eq!(acts, ["drafted", "return", "resubmit", "sign"]);
        let letter: String = sqlx::query_scalar("SELECT body FROM case_letters WHERE case_id = $1")
            .bind(id)
            .fetch_one(&app.db.pool)
            .await
            .expect("letter");
        assert!(letter.contains("2027年1月31日"), "the revised text was issued: {letter}");
        let open: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM todo_items WHERE source_type = 'draft' AND source_id = $1 AND done_at IS NULL")
            .bind(draft)
            .fetch_one(&app.db.pool)
            .await
            .expect("todos");
        assert_eq!(open, 0, "every duty of the chain discharged");
        for action in ["draft.submit", "draft.return", "draft.resubmit", "draft.sign", "case.issue_letter"] {
            let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = $1")
                .bind(action)
                .fetch_one(&app.db.pool)
                .await
                .expect("audit");
            assert_eq!(n, 1, "{action}");
        }
        // The page shows the chain.
        let mut office = app.client();
        office.login("director", PASSWORD).await;
        let page = office.get(&format!("/drafts/{draft}")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("同意印发。") && page.body.contains("退回修改"), "{}", page.body);
    })
    .await;
}

/// Where the office reviews its drafts (核稿: its director's setting, else
/// SHUANGDA_DOCUMENT_REVIEW), a draft goes first to an office member other than its drafter,
/// and only then to the signer.
#[tokio::test]
async fn a_reviewed_draft_passes_the_office_before_the_signer() {
    each_db(true, |app| async move {
        let id = started(&app, "核稿测试案").await;
        let (staff, _) = shuangda::users::store::load_actor(&app.db, app.user_id("staff").await)
            .await
            .expect("actor")
            .expect("staff");
        let who = shuangda::audit::Who::actor(&staff, None, None, app.now());
        // The office director decides whether his office reviews its drafts; staff may read
        // the setting but not change it, and a member unit has none.
        let settings = "/api/v1/drafting/settings";
        let (s, v) = common::call(&app, "staff", Method::GET, settings, None).await;
        assert_eq!((s, v["document_review"].clone()), (StatusCode::OK, json!(false)), "{v}");
        let (s, _) = common::call(&app, "staff", Method::PUT, settings, Some(json!({"document_review": true}))).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, _) = common::call(&app, "liaison.scjg", Method::GET, settings, None).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, v) = common::call(&app, "director", Method::PUT, settings, Some(json!({"document_review": true}))).await;
        assert_eq!((s, v["document_review"].clone()), (StatusCode::OK, json!(true)), "{v}");
        let (s, v) = common::call(&app, "director", Method::PUT, settings, Some(json!({"document_review": "yes"}))).await;
        assert_eq!((s, v["error"]["code"].clone()), (StatusCode::BAD_REQUEST, json!("invalid_json")), "{v}");
        let draft = shuangda::drafting::store::submit(
            &app.state,
            &staff,
            &who,
            shuangda::drafting::Kind::SupervisionLetter,
            id,
            json!({"step": "issue_letter", "text": "请依法查处。"}),
        )
        .await
        .expect("drafted for review");
        let path = format!("/api/v1/drafts/{draft}/steps");
        let (_, d) = common::call(
            &app,
            "staff",
            Method::GET,
            &format!("/api/v1/drafts/{draft}"),
            None,
        )
        .await;
        assert_eq!(d["state"], "reviewing");
        // Not the drafter's own review, and not signed before it is reviewed.
        let (s, v) = common::call(
            &app,
            "staff",
            Method::POST,
            &path,
            Some(json!({"step": "pass"})),
        )
        .await;
        assert_eq!(s, StatusCode::CONFLICT, "{v}");
        assert!(
            v["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("拟稿人以外")),
            "{v}"
        );
        let (s, _) = common::call(
            &app,
            "director",
            Method::POST,
            &path,
            Some(json!({"step": "sign", "text": "同意"})),
        )
        .await;
        assert_eq!(s, StatusCode::CONFLICT);
        // Returned; the office drafts anew instead of revising: the returned draft is
        // superseded and its drafter has nothing left to revise.
        let (s, v) = common::call(&app, "director", Method::POST, &path, Some(json!({"step": "return", "text": "重新拟稿"}))).await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
        let again = shuangda::drafting::store::submit(
            &app.state,
            &staff,
            &who,
            shuangda::drafting::Kind::SupervisionLetter,
            id,
            json!({"step": "issue_letter", "text": "请依法查处，月底前报送进展。"}),
        )
        .await
        .expect("drafted anew");
        let (_, old) = common::call(&app, "staff", Method::GET, &format!("/api/v1/drafts/{draft}"), None).await;
        assert_eq!(old["state"], "superseded");
        let open: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM todo_items WHERE source_type = 'draft' AND source_id = $1 AND done_at IS NULL")
            .bind(draft)
            .fetch_one(&app.db.pool)
            .await
            .expect("todos");
        assert_eq!(open, 0);
        let path = format!("/api/v1/drafts/{again}/steps");
        let (s, v) = common::call(&app, "director", Method::POST, &path, Some(json!({"step": "pass", "text": "文字已核"}))).await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
        common::sign_letter(&app, id).await;
        assert_eq!(state_of(&app, id).await, "under_supervision");
        // Another office keeps the deployment's default: its drafts go straight to signing.
        let county: bool = sqlx::query_scalar::<_, Option<i64>>(
            "SELECT document_review FROM units WHERE id = (SELECT unit_id FROM users WHERE username = 'county.luoshan')",
        )
        .fetch_one(&app.db.pool)
        .await
        .expect("county office")
        .is_some();
        assert!(!county);
    })
    .await;
}

fn pdf_text(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("d.pdf");
    std::fs::write(&path, pdf).expect("write");
    let out = std::process::Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils)");
    String::from_utf8_lossy(&out.stdout)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}
