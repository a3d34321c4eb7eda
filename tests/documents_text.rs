//! Every kind of document the platform issues, made through its own steps and read back with
//! `pdftotext -layout` as a person would read the paper (issue #20): dates as 2026年6月15日
//! and never 2026-06-15, no login anywhere, the red header and the number's prefix naming the
//! same organ (GB/T 9704-2012 7.2.1, 7.2.4), no 印发机关/印发日期 in the letter format (10.1),
//! and the headings numbered 一、二、三、 with none skipped. On both databases.

mod common;

use axum::http::{Method, StatusCode};
use common::{App, call, each_db, proposed_and_approved};
use serde_json::{Value, json};

const GROUP: &str = "信阳市打击侵犯知识产权和制售假冒伪劣商品工作领导小组";
const OFFICE: &str = "信阳市打击侵犯知识产权和制售假冒伪劣商品工作领导小组办公室";
const MSA: &str = "信阳市市场监督管理局";
const POLICE: &str = "信阳市公安局";
const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";

fn pdftotext(pdf: &[u8]) -> String {
    assert!(pdf.starts_with(b"%PDF"), "not a PDF");
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("d.pdf");
    std::fs::write(&path, pdf).expect("write");
    let out = std::process::Command::new("pdftotext")
        .args(["-layout", path.to_str().unwrap_or(""), "-"])
        .output()
        .expect("pdftotext runs (apt-get install poppler-utils)");
    assert!(out.status.success(), "pdftotext failed");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn squeeze(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Who issued a document and how its number begins.
struct Head<'a> {
    /// The 发文机关标志 (the first words on the page).
    issuer: &'a str,
    /// The number's beginning, up to the year: 信打假办督〔2026〕.
    number: Option<String>,
}

fn numbered<'a>(issuer: &'a str, prefix_and_series: &str, year: i32) -> Head<'a> {
    Head {
        issuer,
        number: Some(format!("{prefix_and_series}〔{year}〕")),
    }
}

/// The Chinese ordinal's value (一 … 九十九), for the order of headings.
fn ordinal(s: &str) -> Option<usize> {
    (1..100).find(|n| shuangda::domain::chinese_ordinal(*n) == s)
}

/// The level-1 (一、) and level-2 (（一）) headings in order: each level-1 heading the next
/// one, with none skipped or repeated; level-2 ones likewise within their level-1 section.
fn headings_in_order(what: &str, raw: &str) {
    let mut last = [0usize; 2];
    for line in raw.lines().map(squeeze).filter(|l| !l.is_empty()) {
        let (level, n) = if let Some((head, _)) = line.split_once('、') {
            match ordinal(head) {
                Some(n) => (0, n),
                None => continue,
            }
        } else if let Some(rest) = line.strip_prefix('（') {
            match rest.split_once('）').and_then(|(h, _)| ordinal(h)) {
                Some(n) => (1, n),
                None => continue,
            }
        } else {
            continue;
        };
        assert!(
            n == last[level] + 1,
            "{what}: heading {line} follows {} at its level:\n{raw}",
            last[level]
        );
        if level == 0 {
            last[1] = 0;
        }
        last[level] = n;
    }
}

/// The checks every document passes, whatever its kind; `head` for a 公文 with a red header.
fn check(what: &str, pdf: &[u8], head: Option<Head>, day: chrono::NaiveDate) -> String {
    let raw = pdftotext(pdf);
    if std::env::var_os("SHUANGDA_DUMP_DOCUMENTS").is_some() {
        eprintln!("===== {what}\n{raw}");
    }
    let text = squeeze(&raw);
    common::assert_worded_officially(&text, what);
    // No ISO date anywhere, even with the spaces of the layout taken out.
    assert!(!text.contains(&day.to_string()), "{what}: {raw}");
    if let Some(head) = head {
        assert!(
            text.starts_with(head.issuer),
            "{what}: the header is not {}:\n{raw}",
            head.issuer
        );
        // Dated in Chinese, Arabic numerals without leading zeros (GB/T 9704-2012 7.3.5.1).
        let date = format!(
            "{}年{}月{}日",
            chrono::Datelike::year(&day),
            chrono::Datelike::month(&day),
            chrono::Datelike::day(&day)
        );
        assert!(text.contains(&date), "{what}: no {date}:\n{raw}");
        if let Some(number) = &head.number {
            let at = text
                .find(number.as_str())
                .unwrap_or_else(|| panic!("{what}: no number {number}:\n{raw}"));
            assert!(
                at >= head.issuer.len(),
                "{what}: the number before the header"
            );
            // The header and the prefix name one organ: the group's prefix has no 办, the
            // office's has it (信打假 / 信打假办); a unit's own is its short name. A receipt's
            // tracking number is no 发文字号.
            let prefix: String = number.chars().take_while(|c| *c != '〔').collect();
            let official = number.contains('〔');
            if official && head.issuer.ends_with("领导小组") {
                assert!(
                    !prefix
                        .trim_end_matches(|c| "督通报简纪检典".contains(c))
                        .ends_with('办'),
                    "{what}: the group's header over the office's number {number}"
                );
            }
            if official && head.issuer.ends_with("办公室") {
                assert!(
                    prefix
                        .trim_end_matches(|c| "督通报简纪检典".contains(c))
                        .ends_with('办'),
                    "{what}: the office's header over another organ's number {number}"
                );
            }
        }
        // 信函格式: the copy-to block stands without 印发机关 and 印发日期 (GB/T 9704-2012 10.1).
        assert!(
            !text.contains("日印发"),
            "{what}: an imprint in a letter:\n{raw}"
        );
    }
    headings_in_order(what, &raw);
    raw
}

async fn case_step(app: &App, who: &str, id: i64, body: Value) {
    let (s, v) = call(
        app,
        who,
        Method::POST,
        &format!("/api/v1/cases/{id}/steps"),
        Some(body.clone()),
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{who} {body}: {v}");
}

/// A leader-instructed case, supervised by letter, concluded and reported.
async fn concluded_case(app: &App) -> i64 {
    let received = app.today() - chrono::Duration::days(1);
    let (s, v) = call(app, "staff", Method::POST, "/api/v1/cases", Some(json!({
        "title": "某茶叶有限公司销售假冒“信阳毛尖”案",
        "summary": "群众举报某茶叶有限公司在浉河区销售假冒“信阳毛尖”地理标志产品。",
        "source": "leader_instruction",
        "received_on": received.to_string(),
        "leader_name": "李副市长",
        "instruction_date": (received - chrono::Duration::days(1)).to_string(),
        "instruction_text": "请市双打办督促依法查处。",
        "right_kinds": ["geographical_indication"],
        "regions": ["411502"],
        "parties": [{"kind": "enterprise", "name": "某茶叶有限公司", "code": "91350100M000100Y43"}]
    }))).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let id = v["id"].as_i64().expect("id");
    case_step(app, "staff", id, json!({"step": "propose", "grounds": [["leader_instruction", "李副市长批示"], ["cross_department", "涉及市场监管、公安两个部门"]]})).await;
    let staff = app.user_id("staff").await.to_string();
    case_step(
        app,
        "director",
        id,
        json!({"step": "approve", "reason": "同意督办", "responsible_user_id": staff}),
    )
    .await;
    let lead = app.unit_id(MSA).await.to_string();
    let assisting = app.unit_id(POLICE).await.to_string();
    case_step(
        app,
        "staff",
        id,
        json!({"step": "start", "lead_unit_id": lead, "assisting": [assisting]}),
    )
    .await;
    case_step(
        app,
        "staff",
        id,
        json!({"step": "issue_letter", "text": "请于每月底前报送进展。"}),
    )
    .await;
    common::sign_letter(app, id).await;
    let today = app.today().to_string();
    case_step(app, "liaison.scjg", id, json!({"step": "conclude", "date": today, "text": "对某茶叶有限公司作出罚款5万元的行政处罚"})).await;
    case_step(
        app,
        "liaison.scjg",
        id,
        json!({"step": "report_closure", "text": "罚没款合计5万元。"}),
    )
    .await;
    id
}

async fn letters(app: &App, case: i64) -> Vec<(String, Vec<u8>)> {
    sqlx::query_as("SELECT kind, pdf FROM case_letters WHERE case_id = $1 ORDER BY id")
        .bind(case)
        .fetch_all(&app.db.pool)
        .await
        .expect("letters")
}

/// 督办函, 查处结果通报, 领导批示案件办理情况报告, the typical case and the year's collection,
/// and the dossier's 卷内目录.
#[tokio::test]
async fn the_documents_of_a_supervised_case() {
    each_db(true, |app| async move {
        let (day, year) = (app.today(), chrono::Datelike::year(&app.today()));
        let case = concluded_case(&app).await;

        // The typical case written up from the concluded case, signed by the office director.
        let (s, source) = call(
            &app,
            "staff",
            Method::GET,
            &format!("/api/v1/typical-cases/source?source_kind=case&source_id={case}"),
            None,
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{source}");
        let (s, v) = call(
            &app,
            "staff",
            Method::POST,
            "/api/v1/typical-cases",
            Some(source),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let typical = v["id"].as_i64().expect("id");
        let (s, v) = common::draft_act(
            &app,
            "director",
            "typical_case",
            typical,
            "sign",
            "同意印发。",
        )
        .await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
        let pdf = common::api_get(
            &app,
            "staff",
            &format!("/api/v1/typical-cases/{typical}/document.pdf"),
        )
        .await;
        assert_eq!(pdf.status, StatusCode::OK);
        check(
            "典型案例",
            &pdf.bytes,
            Some(numbered(OFFICE, "信打假办典", year)),
            day,
        );
        let pdf = common::api_get(
            &app,
            "leader",
            &format!("/api/v1/typical-cases/collection.pdf?year={year}"),
        )
        .await;
        assert_eq!(pdf.status, StatusCode::OK);
        check(
            "典型案例汇编",
            &pdf.bytes,
            Some(Head {
                issuer: GROUP,
                number: None,
            }),
            day,
        );

        // 000 §9: the circular of the result and the report to the instructing leader.
        case_step(
            &app,
            "staff",
            case,
            json!({"step": "circulate", "text": "该案查处有力，予以通报。"}),
        )
        .await;
        let (s, v) = common::draft_act(&app, "director", "case", case, "sign", "同意通报。").await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
        let issued = letters(&app, case).await;
        let kinds: Vec<&str> = issued.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(kinds, ["supervision", "circular", "leader_report"]);
        let text = check(
            "督办函",
            &issued[0].1,
            Some(numbered(OFFICE, "信打假办督", year)),
            day,
        );
        assert!(squeeze(&text).contains("四、工作要求"), "{text}");
        check(
            "查处结果通报",
            &issued[1].1,
            Some(numbered(OFFICE, "信打假办通", year)),
            day,
        );
        check(
            "领导批示案件办理情况报告",
            &issued[2].1,
            Some(numbered(OFFICE, "信打假办报", year)),
            day,
        );

        // 000 §13: the dossier's catalogue dates its files without ISO dates.
        case_step(&app, "staff", case, json!({"step": "archive"})).await;
        let zip: Vec<u8> = sqlx::query_scalar("SELECT zip FROM case_archives WHERE case_id = $1")
            .bind(case)
            .fetch_one(&app.db.pool)
            .await
            .expect("zip");
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).expect("zip");
        let mut catalogue = Vec::new();
        std::io::Read::read_to_end(
            &mut archive.by_name("00-卷内目录.pdf").expect("catalogue"),
            &mut catalogue,
        )
        .expect("read");
        let text = check("卷内目录", &catalogue, None, day);
        assert!(
            squeeze(&text).contains(&day.format("%Y%m%d").to_string()),
            "{text}"
        );
    })
    .await;
}

async fn circular_of(app: &App, kind: &str, title: &str) -> Vec<u8> {
    circular(app, kind, title, None).await
}

async fn circular(app: &App, kind: &str, title: &str, named: Option<&str>) -> Vec<u8> {
    let (s, v) = call(
        app,
        "staff",
        Method::POST,
        "/api/v1/circulars",
        Some(json!({
            "kind": kind, "title": title, "named": named,
            "body": "今年以来，各成员单位认真落实领导小组部署。\n现将有关情况通报如下。",
            "unit_ids": [app.unit_id(MSA).await.to_string(), app.unit_id(POLICE).await.to_string()]
        })),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let id = v["id"].as_i64().expect("id");
    let (s, v) = common::draft_act(app, "leader", "circular", id, "sign", "同意印发。").await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
    let pdf = common::api_get(
        app,
        "liaison.scjg",
        &format!("/api/v1/circulars/{id}/document.pdf"),
    )
    .await;
    assert_eq!(pdf.status, StatusCode::OK, "{}", pdf.body);
    pdf.bytes
}

/// 通报 of every kind go out in the name of the group whose leader signs them (001 §26), with
/// the group's number; the briefing is the office's (003 三(三)).
#[tokio::test]
async fn circulars_and_briefings() {
    each_db(true, |app| async move {
        let (day, year) = (app.today(), chrono::Datelike::year(&app.today()));
        for (n, (kind, title, named)) in [
            ("data", "关于第二季度执法数据的通报", None),
            ("typical_cases", "关于打击侵权假冒典型案例的通报", None),
            (
                "commendation",
                "关于表扬优秀联络员的通报",
                Some("钱联络员（信阳市市场监督管理局）"),
            ),
            ("criticism", "关于信息报送不及时的通报", Some("某成员单位")),
        ]
        .into_iter()
        .enumerate()
        {
            let pdf = circular(&app, kind, title, named).await;
            let text = squeeze(&check(
                kind,
                &pdf,
                Some(numbered(GROUP, "信打假通", year)),
                day,
            ));
            assert!(
                text.contains(&format!("信打假通〔{year}〕{}号", n + 1)),
                "{kind}: {text}"
            );
            assert!(text.contains("签发人：李组长"), "{kind}: {text}");
        }
        let pdf = circular(&app, "briefing", "工作简报（第1期）", None).await;
        let text = squeeze(&check(
            "工作简报",
            &pdf,
            Some(numbered(OFFICE, "信打假办简", year)),
            day,
        ));
        assert!(text.contains(&format!("信打假办简〔{year}〕1号")), "{text}");
    })
    .await;
}

async fn minutes(app: &App, kind: &str, title: &str, decides: &str) -> Vec<u8> {
    let day = |n: i64| (app.today() + chrono::Duration::days(n)).to_string();
    let msa = app.unit_id(MSA).await.to_string();
    let (s, v) = call(
        app,
        "staff",
        Method::POST,
        "/api/v1/meetings",
        Some(json!({
            "kind": kind, "title": title, "planned_on": day(3), "place": "市政府第二会议室",
            "topics": "通报工作情况；部署下一步工作。", "unit_ids": [msa]
        })),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let id = v["id"].as_i64().expect("id");
    let path = format!("/api/v1/meetings/{id}/steps");
    let (s, v) = call(
        app,
        decides,
        Method::POST,
        &path,
        Some(json!({"step": "approve", "text": "同意"})),
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
    let (s, v) = call(
        app,
        "staff",
        Method::POST,
        &path,
        Some(json!({"step": "record_held", "held": {
        "held_on": day(0), "attended_unit_ids": [msa], "attendees": "各成员单位负责人",
        "minutes": "会议通报了工作情况。\n会议研究部署了农资打假工作。",
        "items": [{"text": "开展农资打假专项行动", "lead_unit_id": msa, "due_on": day(20)}]}})),
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
    let (s, v) = common::draft_act(app, decides, "meeting", id, "sign", "同意印发。").await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
    let pdf = common::api_get(
        app,
        "liaison.scjg",
        &format!("/api/v1/meetings/{id}/minutes.pdf"),
    )
    .await;
    assert_eq!(pdf.status, StatusCode::OK, "{}", pdf.body);
    pdf.bytes
}

/// 纪要: the group's meetings in the group's name (001 §21), the liaison meeting in the
/// office's (001 §23), each numbered by its organ.
#[tokio::test]
async fn minutes_of_the_group_and_of_the_liaison_meeting() {
    each_db(true, |app| async move {
        let (day, year) = (app.today(), chrono::Datelike::year(&app.today()));
        let pdf = minutes(&app, "plenary", "领导小组全体会议", "leader").await;
        let text = squeeze(&check(
            "全体会议纪要",
            &pdf,
            Some(numbered(GROUP, "信打假纪", year)),
            day,
        ));
        assert!(text.contains(&format!("信打假纪〔{year}〕1号")), "{text}");
        let pdf = minutes(&app, "liaison", "联络员会议", "director").await;
        let text = squeeze(&check(
            "联络员会议纪要",
            &pdf,
            Some(numbered(OFFICE, "信打假办纪", year)),
            day,
        ));
        assert!(text.contains(&format!("信打假办纪〔{year}〕1号")), "{text}");
    })
    .await;
}

/// 督导检查报告 (003 三(四)), the office's.
#[tokio::test]
async fn the_inspection_report() {
    each_db(true, |app| async move {
        let (day, year) = (app.today(), chrono::Datelike::year(&app.today()));
        let d = |n: i64| (app.today() + chrono::Duration::days(n)).to_string();
        let msa = app.unit_id(MSA).await.to_string();
        let (s, v) = call(
            &app,
            "staff",
            Method::POST,
            "/api/v1/inspections",
            Some(json!({
                "title": "“双打”工作督导检查", "team": "赵经办（双打办）",
                "starts_on": d(-3), "ends_on": d(-1), "unit_ids": [msa]
            })),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let id = v["id"].as_i64().expect("id");
        let (s, v) = call(
            &app,
            "staff",
            Method::POST,
            &format!("/api/v1/inspections/{id}/steps"),
            Some(json!({
            "step": "report", "report": "检查组查阅了执法台账。",
            "findings": [{"unit_id": msa, "text": "执法台账不完整", "due_on": d(30)}]})),
        )
        .await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
        let (s, v) =
            common::draft_act(&app, "director", "inspection", id, "sign", "同意印发。").await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
        let pdf = common::api_get(
            &app,
            "staff",
            &format!("/api/v1/inspections/{id}/report.pdf"),
        )
        .await;
        assert_eq!(pdf.status, StatusCode::OK, "{}", pdf.body);
        let text = squeeze(&check(
            "督导检查报告",
            &pdf.bytes,
            Some(numbered(OFFICE, "信打假办检", year)),
            day,
        ));
        let due = app.today() + chrono::Duration::days(30);
        assert!(
            text.contains(&shuangda::calendar::format_date_zh(due)),
            "{text}"
        );
    })
    .await;
}

async fn upload(app: &App, who: &str, id: i64, kind: &str) {
    let mut c = app.client();
    let t = app.token(who).await;
    let boundary = "XxSdBoundaryxX";
    let mut body = format!("--{boundary}\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\n{kind}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"材料.pdf\"\r\nContent-Type: application/pdf\r\n\r\n").into_bytes();
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
    let r = c.send(req).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
}

async fn transfer_step(app: &App, who: &str, id: i64, body: Value) {
    let (s, v) = call(
        app,
        who,
        Method::POST,
        &format!("/api/v1/transfers/{id}/steps"),
        Some(body.clone()),
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{who} {body}: {v}");
}

/// A transfer from the city market regulation bureau, received by the city police.
async fn received(app: &App, title: &str) -> i64 {
    let (s, v) = call(app, "liaison.scjg", Method::POST, "/api/v1/transfers?direction=to_police", Some(json!({
        "situation": "own_investigation", "title": title,
        "facts": "经查，某商贸公司销售假冒注册商标的白酒120箱，货值25万余元。",
        "suspects": "某商贸有限公司", "amount": "256000.50",
        "to_unit_id": app.unit_id(POLICE).await.to_string(),
        "items": [{"name": "假冒白酒", "quantity": "120", "unit": "箱", "storage": "市场监管局罚没物品仓库"}]
    }))).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let id = v["id"].as_i64().expect("id");
    upload(app, "liaison.scjg", id, "investigation_report").await;
    proposed_and_approved(app, "liaison.scjg", id, json!({"step": "send"})).await;
    transfer_step(app, "handler.gaj", id, json!({"step": "receive"})).await;
    id
}

/// Each document of a transfer: its title, and its text after the checks.
async fn transfer_documents(app: &App, id: i64, heads: &[(&str, &str, &str)]) {
    let (day, year) = (app.today(), chrono::Datelike::year(&app.today()));
    let (s, d) = call(
        app,
        "liaison.scjg",
        Method::GET,
        &format!("/api/v1/transfers/{id}"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{d}");
    let docs = d["documents"].as_array().expect("documents");
    let titles: Vec<&str> = docs.iter().filter_map(|x| x["title"].as_str()).collect();
    let wanted: Vec<&str> = heads.iter().map(|(t, _, _)| *t).collect();
    assert_eq!(titles, wanted);
    for (doc, (title, issuer, prefix)) in docs.iter().zip(heads) {
        let doc = doc["id"].as_i64().expect("doc");
        let pdf = common::api_get(
            app,
            "liaison.scjg",
            &format!("/api/v1/transfers/{id}/documents/{doc}.pdf"),
        )
        .await;
        assert_eq!(pdf.status, StatusCode::OK, "{}", pdf.body);
        check(title, &pdf.bytes, Some(numbered(issuer, prefix, year)), day);
    }
}

/// The transfer procedure's documents (国务院令第310号; 004 二(二)、二(三)), each the issuing
/// unit's own, under its own name and prefix.
#[tokio::test]
async fn the_documents_of_transfers_both_ways() {
    each_db(true, |app| async move {
        let refused = received(&app, "某商贸公司销售假冒白酒案").await;
        proposed_and_approved(&app, "handler.gaj", refused, json!({"step": "refuse", "text": "现有证据不足以证明销售金额达到立案追诉标准"})).await;
        transfer_step(&app, "liaison.scjg", refused, json!({"step": "request_reconsideration", "text": "涉案白酒经鉴定为假冒，货值已超过5万元"})).await;
        proposed_and_approved(&app, "handler.gaj", refused, json!({"step": "reconsider_uphold", "text": "涉案金额未达立案追诉标准"})).await;
        transfer_documents(&app, refused, &[
            ("涉嫌犯罪案件移送书", MSA, "信市监移"),
            ("不予立案通知书", POLICE, "信公不立"),
            ("提请复议书", MSA, "信市监复议"),
            ("复议决定书", POLICE, "信公复决"),
        ]).await;

        let filed = received(&app, "某商行销售假冒香烟案").await;
        proposed_and_approved(&app, "handler.gaj", filed, json!({"step": "file"})).await;
        transfer_documents(&app, filed, &[
            ("涉嫌犯罪案件移送书", MSA, "信市监移"),
            ("立案通知书", POLICE, "信公立"),
        ]).await;

        let (s, v) = call(&app, "handler.gaj", Method::POST, "/api/v1/transfers?direction=hand_back", Some(json!({
            "title": "某超市销售侵犯注册商标专用权奶粉案",
            "facts": "经审查，涉案金额未达到立案追诉标准，不构成犯罪，但需依法给予行政处罚。",
            "to_unit_id": app.unit_id(MSA).await.to_string(),
            "police_decided_on": (app.today() - chrono::Duration::days(2)).to_string(),
            "items": [{"name": "奶粉", "quantity": "36", "unit": "罐", "storage": "市公安局涉案财物管理中心"}]
        }))).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let back = v["id"].as_i64().expect("id");
        upload(&app, "handler.gaj", back, "case_materials").await;
        transfer_step(&app, "handler.gaj", back, json!({"step": "send"})).await;
        transfer_step(&app, "liaison.scjg", back, json!({"step": "receive"})).await;
        transfer_step(&app, "liaison.scjg", back, json!({"step": "record_decision", "date": app.today().to_string(), "text": "没收侵权奶粉，罚款3万元"})).await;
        transfer_step(&app, "liaison.scjg", back, json!({"step": "report_result", "text": "已作出行政处罚决定并书面反馈"})).await;
        transfer_documents(&app, back, &[
            ("案件移交函", POLICE, "信公移交"),
            ("处理结果反馈函", MSA, "信市监反馈"),
        ]).await;
    })
    .await;
}

/// The receipt a reporter keeps (issue #14): dated in Chinese, no login, no password.
#[tokio::test]
async fn the_reporters_receipt() {
    each_db(true, |app| async move {
        let r = common::api(&app, Method::GET, "/api/v1/public/challenge", None, None).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let c = r.json();
        let token = c["token"].as_str().expect("token").to_string();
        let bits = u32::try_from(c["bits"].as_u64().expect("bits")).expect("bits");
        let body = json!({
            "kind": "report", "product": "白酒", "region": "411500", "address": "信阳市某商行",
            "occurred_on": (app.today() - chrono::Duration::days(3)).to_string(),
            "description": "该商行销售假冒白酒。", "enterprise": "信阳市某商行",
            "reporter_name": "王某某", "reporter_phone": "13800138000",
            "challenge": token, "proof": shuangda::public_reports::challenge::solve(&token, bits)
        });
        let r = common::api(&app, Method::POST, "/api/v1/public/reports", None, Some(body)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let v = r.json();
        let number = v["tracking_no"].as_str().expect("number").to_string();
        let password = v["password"].as_str().expect("password").to_string();
        let mut public = app.public_client();
        let r = public.post("/public/receipt", &[("number", &number), ("password", &password)]).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let received: String = sqlx::query_scalar("SELECT u.name FROM public_reports p JOIN units u ON u.id = p.office_unit_id WHERE p.tracking_no = $1")
            .bind(&number)
            .fetch_one(&app.db.pool)
            .await
            .expect("office");
        let text = squeeze(&check("登记回执", &r.bytes, Some(Head { issuer: &received, number: Some(number.clone()) }), app.today()));
        assert!(!text.contains(&password), "{text}");
    })
    .await;
}

/// An office chooses the organ per kind: the header and the number's prefix follow the one
/// choice together; numbers already issued stay as issued; only its director chooses, and a
/// bad choice is refused by the kind it names.
#[tokio::test]
async fn the_issuing_organ_is_chosen_per_office() {
    each_db(true, |app| async move {
        let (day, year) = (app.today(), chrono::Datelike::year(&app.today()));
        let first = circular(&app, "data", "关于第一季度执法数据的通报", None).await;
        check("通报", &first, Some(numbered(GROUP, "信打假通", year)), day);
        let load = |who: &'static str| {
            let app = &app;
            async move {
                let id = app.user_id(who).await;
                shuangda::users::store::load_actor(&app.db, id)
                    .await
                    .expect("actor")
                    .expect("active")
                    .0
            }
        };
        let who = app.system("测试");
        let choose = json!({"circular": "office", "briefing": "group"});
        let choose = choose.as_object().expect("object");
        let staff = load("staff").await;
        assert!(matches!(
            shuangda::documents::issuers::set(&app.db, &staff, &who, choose).await,
            Err(shuangda::error::AppError::Forbidden)
        ));
        let director = load("director").await;
        let bad = json!({"circular": "bureau", "memo": "office"});
        match shuangda::documents::issuers::set(
            &app.db,
            &director,
            &who,
            bad.as_object().expect("object"),
        )
        .await
        {
            Err(shuangda::error::AppError::Validation(e)) => {
                let fields: Vec<&str> = e.0.iter().map(|f| f.field.as_str()).collect();
                assert_eq!(fields, ["circular", "memo"]);
            }
            other => panic!("{:?}", other.map(|_| ())),
        }
        let set = shuangda::documents::issuers::set(&app.db, &director, &who, choose)
            .await
            .expect("set");
        assert_eq!(
            set.organ(shuangda::documents::issuers::Kind::Circular),
            shuangda::documents::issuers::Organ::Office
        );
        let audited: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'documents.issuers'")
                .fetch_one(&app.db.pool)
                .await
                .expect("audit");
        assert_eq!(audited, 1);

        // The next circular is the office's, header and number; the first keeps its number.
        let second = circular(&app, "data", "关于第二季度执法数据的通报", None).await;
        let text = squeeze(&check(
            "通报",
            &second,
            Some(numbered(OFFICE, "信打假办通", year)),
            day,
        ));
        assert!(text.contains(&format!("信打假办通〔{year}〕1号")), "{text}");
        let numbers: Vec<String> =
            sqlx::query_scalar("SELECT number FROM circulars WHERE number IS NOT NULL ORDER BY id")
                .fetch_all(&app.db.pool)
                .await
                .expect("numbers");
        assert_eq!(
            numbers,
            [
                format!("信打假通〔{year}〕1号"),
                format!("信打假办通〔{year}〕1号")
            ]
        );
        let briefing = circular(&app, "briefing", "工作简报（第1期）", None).await;
        check(
            "工作简报",
            &briefing,
            Some(numbered(GROUP, "信打假简", year)),
            day,
        );
        // The API (`documents::http`, served once merged into the router) answers the same.
        let (router, _) = shuangda::documents::http::routes().split_for_parts();
        let router = router.with_state(app.state.clone());
        let send = |who: &'static str, method: Method, body: Option<Value>| {
            let (app, router) = (&app, router.clone());
            async move {
                use tower::ServiceExt;
                let token = app.token(who).await;
                let mut req = axum::http::Request::builder()
                    .method(method)
                    .uri("/api/v1/documents/issuers")
                    .header("authorization", format!("Bearer {token}"));
                if body.is_some() {
                    req = req.header("content-type", "application/json");
                }
                let req = req
                    .body(axum::body::Body::from(
                        body.map(|b| b.to_string()).unwrap_or_default(),
                    ))
                    .expect("request");
                let resp = router.oneshot(req).await.expect("response");
                let status = resp.status();
                let bytes = http_body_util::BodyExt::collect(resp.into_body())
                    .await
                    .expect("body")
                    .to_bytes();
                (
                    status,
                    serde_json::from_slice::<Value>(&bytes).unwrap_or(Value::Null),
                )
            }
        };
        let (s, v) = send("staff", Method::GET, None).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let rows = v.as_array().expect("rows");
        assert_eq!(rows.len(), 9, "{v}");
        let circular = rows
            .iter()
            .find(|r| r["kind"] == "circular")
            .expect("circular");
        assert_eq!(
            (
                circular["organ"].as_str(),
                circular["default_organ"].as_str(),
                circular["own"].as_bool()
            ),
            (Some("office"), Some("group"), Some(true)),
            "{v}"
        );
        assert!(
            circular["clause"]
                .as_str()
                .unwrap_or("")
                .contains("第二十六条"),
            "{v}"
        );
        assert_eq!(
            send("liaison.scjg", Method::GET, None).await.0,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            send("staff", Method::PUT, Some(json!({"circular": "group"})))
                .await
                .0,
            StatusCode::FORBIDDEN
        );
        let (s, v) = send("director", Method::PUT, Some(json!({"circular": "leader"}))).await;
        assert_eq!(
            (s, v["error"]["fields"][0]["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("circular")),
            "{v}"
        );
        let (s, v) = send("director", Method::PUT, Some(json!({"circular": "group"}))).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let third = circular_of(&app, "data", "关于第三季度执法数据的通报").await;
        check("通报", &third, Some(numbered(GROUP, "信打假通", year)), day);
        assert!(
            squeeze(&pdftotext(&third)).contains(&format!("信打假通〔{year}〕2号")),
            "the group's sequence goes on"
        );

        // Another office's choices are its own.
        let county: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM document_issuers WHERE office_unit_id <> $1")
                .bind(app.unit_id(OFFICE).await)
                .fetch_one(&app.db.pool)
                .await
                .expect("count");
        assert_eq!(county, 0);
    })
    .await;
}
