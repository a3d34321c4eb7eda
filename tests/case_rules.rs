//! Rules of seed 000 (major-case coordination and supervision) that the walk from clue to
//! archive in tests/cases.rs does not prove, each asserted end to end through the HTTP API and
//! the case page, on SQLite and PostgreSQL, with dates from the tests' clock and the app's
//! calendar:
//!
//! - 000 §2(2),(3): the proposal form shows the facts already in the platform: the same party
//!   (by credit code or resident ID, not by name) in other cases, and handling begun 2 years or
//!   more ago with nothing recorded since; a party that is not the same, or handling begun a day
//!   short of 2 years, shows nothing.
//! - 000 §4: the clock for naming the lead and assisting units runs 10 working days from the
//!   clue when the clue is complex, 5 otherwise.
//! - 000 §5: a joint supervision letter bears every issuer, is addressed to the lead unit and
//!   copied to the assisting ones; joint issuers come from the office's own region and never
//!   include the lead unit the letter is sent to.
//! - 000 §7: coordination meetings and on-site coordination are recorded on the case.
//! - 000 §10: a major question referred to the group reaches the group's leaders (组长、副组长)
//!   of the case's region, and only them.

mod common;

use axum::http::{Method, StatusCode};
use chrono::{Duration, NaiveDate};
use common::{App, PASSWORD, call, each_db};
use serde_json::{Value, json};
use shuangda::calendar::Period;

const OFFICE: &str = "信阳市打击侵犯知识产权和制售假冒伪劣商品工作领导小组办公室";
const GROUP: &str = "信阳市打击侵犯知识产权和制售假冒伪劣商品工作领导小组";
const MSA: &str = "信阳市市场监督管理局";
const POLICE: &str = "信阳市公安局";
/// A member unit that joins the office in a joint letter (tea is its field).
const TEA: &str = "信阳市林业和茶产业局";
/// A unit of another region (Pingyin county, Shandong).
const PINGYIN_MSA: &str = "平阴县市场监督管理局";
const ENTERPRISE: &str = "某茶叶有限公司";
const PERSON_NAME: &str = "张某";
/// A real-format credit code (GB 32100) and resident ID (GB 11643), as in tests/cases.rs.
const CREDIT: &str = "91350100M000100Y43";
const PERSON: &str = "11010519491231002X";

/// `prefix` completed with the first character of `alphabet` that `valid` accepts: a code with
/// a correct check character.
fn complete(prefix: &str, alphabet: &str, valid: impl Fn(&str) -> bool) -> String {
    alphabet
        .chars()
        .map(|c| format!("{prefix}{c}"))
        .find(|s| valid(s))
        .unwrap_or_else(|| panic!("no check character completes {prefix}"))
}

/// Another enterprise's credit code.
fn other_credit() -> String {
    complete(
        "91411500MA9G7TEA0",
        "0123456789ABCDEFGHJKLMNPQRTUWXY",
        |s| shuangda::domain::credit_code::CreditCode::parse(s).is_some(),
    )
}

/// Another person's resident ID (浉河区, born 1980-01-01).
fn other_person(today: NaiveDate) -> String {
    complete("41150219800101123", "0123456789X", |s| {
        shuangda::domain::resident_id::ResidentId::parse(s, today).is_some()
    })
}

fn party(kind: &str, name: &str, code: &str) -> Value {
    json!({"kind": kind, "name": name, "code": code})
}

/// A clue reported by the public, received on `received`.
fn clue(title: &str, received: NaiveDate, parties: Vec<Value>) -> Value {
    json!({
        "title": title,
        "summary": "群众举报某茶叶公司销售假冒“信阳毛尖”地理标志产品。",
        "source": "public_report",
        "received_on": received.to_string(),
        "reporter": "13800138000",
        "right_kinds": ["geographical_indication"],
        "regions": ["411502", "411521"],
        "parties": parties,
    })
}

async fn register(app: &App, body: Value) -> i64 {
    let (s, v) = call(app, "staff", Method::POST, "/api/v1/cases", Some(body)).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v["id"].as_i64().expect("id")
}

async fn step(app: &App, who: &str, id: i64, body: Value) -> (StatusCode, Value) {
    call(
        app,
        who,
        Method::POST,
        &format!("/api/v1/cases/{id}/steps"),
        Some(body),
    )
    .await
}

async fn ok(app: &App, who: &str, id: i64, body: Value) {
    let (s, v) = step(app, who, id, body.clone()).await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{body} by {who}: {v}");
}

async fn case(app: &App, who: &str, id: i64) -> Value {
    let (s, v) = call(app, who, Method::GET, &format!("/api/v1/cases/{id}"), None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v
}

/// Propose, approve (staff responsible) and start with the MSA leading and the police
/// assisting.
async fn start(app: &App, id: i64) {
    ok(
        app,
        "staff",
        id,
        json!({"step": "propose", "grounds": [["cross_department", "涉及浉河区、罗山县两地"]]}),
    )
    .await;
    let staff = app.user_id("staff").await.to_string();
    ok(
        app,
        "director",
        id,
        json!({"step": "approve", "reason": "同意督办", "responsible_user_id": staff}),
    )
    .await;
    let lead = app.unit_id(MSA).await.to_string();
    let assisting = app.unit_id(POLICE).await.to_string();
    ok(
        app,
        "staff",
        id,
        json!({"step": "start", "lead_unit_id": lead, "assisting": [assisting]}),
    )
    .await;
}

/// A case started with the MSA leading and the police assisting.
async fn started(app: &App, title: &str) -> i64 {
    let id = register(
        app,
        clue(
            title,
            app.today() - Duration::days(1),
            vec![party("enterprise", ENTERPRISE, CREDIT)],
        ),
    )
    .await;
    start(app, id).await;
    id
}

/// The caller's unread notifications and open to-dos (`/api/v1/me`).
async fn me(app: &App, who: &str) -> (Vec<Value>, Vec<Value>) {
    let (s, v) = call(app, who, Method::GET, "/api/v1/me", None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let list = |k: &str| v[k].as_array().cloned().unwrap_or_default();
    (list("unread_notifications"), list("todos"))
}

fn titled<'a>(items: &'a [Value], title: &str) -> Vec<&'a Value> {
    items.iter().filter(|n| n["title"] == title).collect()
}

fn events(case: &Value) -> Vec<(String, String)> {
    case["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| {
            (
                e["kind"].as_str().unwrap_or("").to_string(),
                e["summary"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

/// The facts the proposal form lists ("平台中已有的相关事实"), in order; empty when it lists
/// none. Panics unless the page offers the proposal form.
fn listed_facts(page: &str) -> Vec<String> {
    assert!(
        page.contains("id=\"step-propose\""),
        "no proposal form:\n{page}"
    );
    let Some(start) = page.find("平台中已有的相关事实") else {
        return Vec::new();
    };
    let block = &page[start..];
    let block = &block[..block.find("</ul>").expect("end of the facts")];
    block
        .split("<li>")
        .skip(1)
        .map(|li| li.split("</li>").next().unwrap_or("").to_string())
        .collect()
}

/// The facts the proposal form of case `id` lists, as the office sees the page.
async fn proposal_facts(office: &mut common::Client, id: i64) -> Vec<String> {
    let page = office.get(&format!("/cases/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    listed_facts(&page.body)
}

/// The query behind the proposal form, on the case as stored.
async fn supporting_facts(app: &App, id: i64) -> shuangda::cases::store::SupportingFacts {
    let c = shuangda::cases::store::get(&app.db, &shuangda::access::Scope::All, id)
        .await
        .expect("read")
        .expect("case");
    shuangda::cases::store::supporting_facts(&app.db, &app.state.calendar(), &c, app.today())
        .await
        .expect("facts")
}

fn pdftotext(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("x.pdf");
    std::fs::write(&path, pdf).expect("write");
    let out = std::process::Command::new("pdftotext")
        .args(["-layout", path.to_str().unwrap_or(""), "-"])
        .output()
        .expect("pdftotext runs (apt-get install poppler-utils)");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn squeeze(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// 000 §2(2),(3): the proposal form shows the same party (same credit code, or same resident
/// ID) in other cases with their lead unit, and handling begun 2 years or more ago (by the
/// calendar, without roll-forward) with nothing recorded; a party with the same name but
/// another code, and handling begun a day short of 2 years, show nothing. A progress report
/// recorded on the case ends the "no progress" fact.
#[tokio::test]
async fn the_proposal_shows_the_same_party_elsewhere_and_two_years_without_progress() {
    each_db(true, |app| async move {
        let today = app.today();
        let cal = app.state.calendar();
        let two_years = |since: NaiveDate| {
            cal.due_date(
                since,
                Period::Years {
                    n: 2,
                    roll_forward: false,
                },
            )
            .expect("2 years by the calendar")
        };
        // The last day on which handling could have begun and be 2 years old today, and the
        // day after it (1 year and 364 days ago, 365 across a 29 February).
        let mut since = today - Duration::days(800);
        while two_years(since + Duration::days(1)) <= today {
            since += Duration::days(1);
        }
        let short = since + Duration::days(1);
        assert!(two_years(since) <= today && two_years(short) > today);
        assert!(
            today - short < Duration::days(731),
            "{short} is under 2 years before {today}"
        );
        let received = today - Duration::days(1);

        // Case A: the enterprise and the person, led by the MSA.
        let a = register(
            &app,
            clue(
                "甲：假冒信阳毛尖茶叶案",
                received,
                vec![
                    party("enterprise", ENTERPRISE, CREDIT),
                    party("person", PERSON_NAME, PERSON),
                ],
            ),
        )
        .await;
        start(&app, a).await;
        let a_code = case(&app, "staff", a).await["code"]
            .as_str()
            .expect("code")
            .to_string();
        // Case B: the same credit code, handled for exactly 2 years.
        let mut body = clue(
            "乙：同一企业另案",
            received,
            vec![party("enterprise", ENTERPRISE, CREDIT)],
        );
        body["handling_since"] = json!(since.to_string());
        let b = register(&app, body).await;
        // Case C: the same names but other codes, handled a day short of 2 years.
        let mut body = clue(
            "丙：同名不同主体",
            received,
            vec![
                party("enterprise", ENTERPRISE, &other_credit()),
                party("person", PERSON_NAME, &other_person(today)),
            ],
        );
        body["handling_since"] = json!(short.to_string());
        let c = register(&app, body).await;
        // Case D: the same resident ID only.
        let d = register(
            &app,
            clue(
                "丁：同一自然人另案",
                received,
                vec![party("person", "张某某", PERSON)],
            ),
        )
        .await;

        let mut office = app.client();
        office.login("staff", PASSWORD).await;
        let office = &mut office;
        let a_seen = format!("亦见于案件{a_code}《甲：假冒信阳毛尖茶叶案》（{MSA}）（支持情形二）");
        assert_eq!(
            proposal_facts(office, b).await,
            [
                format!("当事人“{ENTERPRISE}”{a_seen}"),
                format!(
                    "承办始于{since}，至{}已满2年，平台中无进展或结论性意见记录（第二条第三项）",
                    two_years(since)
                ),
            ]
        );
        assert_eq!(
            proposal_facts(office, d).await,
            [format!("当事人“张某某”{a_seen}")]
        );
        assert!(
            proposal_facts(office, c).await.is_empty(),
            "other codes, 2 years not reached"
        );

        // The query behind the form: recorded progress ends the "no progress" fact (reports
        // can only be recorded once a case is under supervision, after its proposal).
        let mut body = clue(
            "戊：承办2年后纳入督办",
            received,
            vec![party("enterprise", "另一公司", &other_credit())],
        );
        body["handling_since"] = json!(since.to_string());
        let e = register(&app, body).await;
        let before = supporting_facts(&app, e).await;
        assert!(before.long_unresolved.is_some());
        assert_eq!(
            before.same_party_elsewhere,
            [format!(
                "当事人“另一公司”亦见于案件{}《丙：同名不同主体》（{OFFICE}）",
                case(&app, "staff", c).await["code"].as_str().expect("code")
            )],
            "a case not yet started is shown with the unit that registered it"
        );
        start(&app, e).await;
        ok(&app, "staff", e, json!({"step": "issue_letter"})).await;
        common::sign_letter(&app, e).await;
        let due = (today + Duration::days(10)).to_string();
        ok(
            &app,
            "staff",
            e,
            json!({"step": "request_progress", "date": due, "text": "请报送阶段性进展"}),
        )
        .await;
        ok(
            &app,
            "liaison.scjg",
            e,
            json!({"step": "report_progress", "text": "已约谈企业负责人。"}),
        )
        .await;
        assert_eq!(supporting_facts(&app, e).await.long_unresolved, None);
    })
    .await;
}

/// 000 §4: the clock for naming the lead and assisting units starts on the day the clue was
/// received and is due 10 working days later by the calendar when the clue is complex, 5 when
/// it is not; naming the units meets it.
#[tokio::test]
async fn the_start_clock_is_ten_working_days_for_a_complex_clue_and_five_otherwise() {
    each_db(true, |app| async move {
        let cal = app.state.calendar();
        let today = app.today();
        for received in [today - Duration::days(1), today - Duration::days(4), today] {
            let ten = cal
                .due_date(received, Period::WorkingDays(10))
                .expect("10 working days");
            let five = cal
                .due_date(received, Period::WorkingDays(5))
                .expect("5 working days");
            assert!(five < ten, "the two amounts give different days");
            for (complex, due, rule) in [(true, ten, "10个工作日"), (false, five, "5个工作日")]
            {
                let mut body = clue(
                    &format!("起始期限测试（{received}，复杂：{complex}）"),
                    received,
                    vec![party("enterprise", ENTERPRISE, CREDIT)],
                );
                body["complex"] = json!(complex);
                let id = register(&app, body).await;
                let v = case(&app, "staff", id).await;
                assert_eq!(v["complex"], i64::from(complex));
                let clocks: Vec<&Value> = v["deadlines"]
                    .as_array()
                    .expect("deadlines")
                    .iter()
                    .filter(|d| d["clause"] == "000 §4")
                    .collect();
                assert_eq!(clocks.len(), 1, "{v}");
                let clock = clocks[0];
                assert_eq!(clock["start_date"], received.to_string(), "{clock}");
                assert_eq!(
                    clock["due_date"],
                    due.to_string(),
                    "complex {complex}: {clock}"
                );
                assert_eq!(clock["rule_text"], rule, "{clock}");
                assert_eq!(clock["state"], "open", "{clock}");
                assert_eq!(clock["owner_unit_name"], OFFICE, "{clock}");
                if complex && received == today {
                    // Naming the units meets it.
                    start(&app, id).await;
                    let v = case(&app, "staff", id).await;
                    let states: Vec<&Value> = v["deadlines"]
                        .as_array()
                        .expect("deadlines")
                        .iter()
                        .filter(|d| d["clause"] == "000 §4")
                        .map(|d| &d["state"])
                        .collect();
                    assert_eq!(states, [&json!("met")]);
                }
            }
        }
    })
    .await;
}

/// 000 §5: a supervision letter issued jointly with a member unit bears both issuers at its
/// head and in its signature, is addressed to the lead unit and copied to the assisting one,
/// names the units, and reaches the lead as a to-do and the assisting unit as a copy. The joint
/// issuer becomes a party to the case. A joint issuer from another region, or the lead unit
/// itself, is refused and leaves nothing behind.
#[tokio::test]
async fn a_joint_letter_bears_every_issuer_and_goes_to_the_lead_copied_to_the_assisting() {
    each_db(true, |app| async move {
        let id = started(&app, "假冒“信阳毛尖”联合督办案").await;
        let tea = app.unit_id(TEA).await;
        let lead = app.unit_id(MSA).await;

        // Refused: a unit outside the office's region, and the lead unit itself.
        let pingyin = app.unit_id(PINGYIN_MSA).await.to_string();
        let (s, v) = step(&app, "staff", id, json!({"step": "issue_letter", "joint_unit_ids": [pingyin]})).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(v["error"]["fields"][0]["field"], "joint_unit_ids", "{v}");
        assert_eq!(v["error"]["fields"][0]["code"], "out_of_jurisdiction", "{v}");
        let (s, v) = step(&app, "staff", id, json!({"step": "issue_letter", "joint_unit_ids": [lead.to_string()]})).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(v["error"]["fields"][0]["field"], "joint_unit_ids", "{v}");
        assert_eq!(app.count("case_letters").await, 0);
        assert_eq!(case(&app, "staff", id).await["state"], "started");

        ok(
            &app,
            "staff",
            id,
            json!({"step": "issue_letter", "joint_unit_ids": [tea.to_string(), tea.to_string()], "text": "请主办单位会同协办单位深挖假冒包装来源。"}),
        )
        .await;
        // Drafted, not yet issued: no number until the director signs.
        assert_eq!(app.count("case_letters").await, 0);
        assert_eq!(case(&app, "staff", id).await["state"], "started");
        common::sign_letter(&app, id).await;
        let v = case(&app, "staff", id).await;
        assert_eq!(v["state"], "under_supervision");
        let number = v["letter_number"].as_str().expect("number").to_string();
        assert_eq!(number, format!("信打假办督〔{}〕1号", app.today().format("%Y")));
        let units: Vec<(i64, String)> = v["units"]
            .as_array()
            .expect("units")
            .iter()
            .map(|u| (u[0].as_i64().unwrap_or(0), u[1].as_str().unwrap_or("").to_string()))
            .collect();
        assert!(units.contains(&(tea, "joint".into())), "{units:?}");
        let letter = &v["letters"][0];
        assert_eq!(letter["kind"], "supervision");
        let addressee: Option<i64> =
            sqlx::query_scalar("SELECT addressee_unit_id FROM case_letters WHERE id = $1")
                .bind(letter["id"].as_i64().expect("letter id"))
                .fetch_one(&app.db.pool)
                .await
                .expect("addressee");
        assert_eq!(addressee, Some(lead));

        // The PDF as the lead unit downloads it.
        let mut lead_user = app.client();
        lead_user.login("liaison.scjg", PASSWORD).await;
        let pdf = lead_user
            .get(&format!("/cases/{id}/letters/{}.pdf", letter["id"]))
            .await;
        assert_eq!(pdf.status, StatusCode::OK);
        assert!(pdf.bytes.starts_with(b"%PDF"));
        let raw = pdftotext(&pdf.bytes);
        let text = squeeze(&raw);
        let at = |needle: &str| {
            text.find(&squeeze(needle))
                .unwrap_or_else(|| panic!("the letter lacks {needle}:\n{raw}"))
        };
        // Head: the office, then the joint issuer, then the number.
        assert!(at(OFFICE) < at(TEA) && at(TEA) < at(&number), "{raw}");
        // Addressed to the lead unit; the units named in the body.
        at(&format!("{MSA}："));
        at(&format!("主办单位：{MSA}。协办单位：{POLICE}。"));
        at("请主办单位会同协办单位深挖假冒包装来源。");
        // Signed by both issuers, the joint one once at the head and once in the signature.
        assert_eq!(text.matches(TEA).count(), 2, "{raw}");
        let signature = text.rfind(OFFICE).expect("signature");
        assert!(signature > at("请主办单位会同协办单位深挖假冒包装来源。"), "{raw}");
        assert!(text[signature..].contains(TEA), "the joint issuer signs too:\n{raw}");
        // Copied to the assisting unit, and to no one else.
        at(&format!("抄送：{POLICE}。"));
        // The ground is cited by its item of 000 §2 under 「三、」, not as a heading 「二、」
        // after it (issue #20).
        assert!(at("三、纳入督办的依据") < at("（一）属于《重大案件协调督办工作规则》第二条第（二）项“涉及多个部门职能或发生地涉及多个地区”的情形：涉及浉河区、罗山县两地。"), "{raw}");
        assert!(!text.contains("二、涉及多个部门"), "{raw}");
        common::assert_worded_officially(&raw, "the joint supervision letter");

        // The lead gets a to-do, the assisting unit a copy.
        let title = letter["title"].as_str().expect("title");
        let (_, todos) = me(&app, "liaison.scjg").await;
        let todo = format!("收到督办公函{number}");
        let todo: Vec<&Value> = todos
            .iter()
            .filter(|t| t["title"].as_str().is_some_and(|x| x.starts_with(&todo)))
            .collect();
        assert_eq!(todo.len(), 1, "{todos:?}");
        let (notes, _) = me(&app, "handler.gaj").await;
        let copies = titled(&notes, &format!("督办公函{number}（抄送）"));
        assert_eq!(copies.len(), 1, "{notes:?}");
        assert_eq!(copies[0]["body"], title);
    })
    .await;
}

/// 000 §7: the office records a coordination meeting (through the case page's form) and an
/// on-site coordination (through the API) while the case is handled; each is on the case's
/// timeline, which the lead unit reads, and in the audit trail, and the case stays where it
/// was. Only the office coordinates, with content, by one of the listed means, and not before
/// the units are named.
#[tokio::test]
async fn coordination_meetings_and_on_site_coordination_are_recorded() {
    each_db(true, |app| async move {
        let id = started(&app, "跨区域假冒茶叶协调案").await;
        ok(&app, "staff", id, json!({"step": "issue_letter"})).await;
        common::sign_letter(&app, id).await;

        let mut office = app.client();
        office.login("staff", PASSWORD).await;
        let page = office.get(&format!("/cases/{id}")).await;
        assert_eq!(page.status, StatusCode::OK);
        for form in [
            "id=\"step-coordinate\"",
            "<option value=\"meeting\">案件协调会</option>",
            "<option value=\"onsite\">现场协调督导</option>",
        ] {
            assert!(page.body.contains(form), "{form}");
        }
        let meeting = "定于本周五在市市场监管局召开案件协调会，请市公安局、罗山县市场监管局派员参加。";
        let r = office
            .post(
                &format!("/cases/{id}/step"),
                &[("step", "coordinate"), ("kind", "meeting"), ("text", meeting), ("named_unit_id", "")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(r.location(), format!("/cases/{id}?msg=saved"));
        // The page says what was done, in the history's words (issue #20), not just 已保存.
        let after = office.get(r.location()).await;
        assert!(
            after.body.contains(&format!("已办理：案件协调会：{}", meeting.trim_end_matches('。'))),
            "{}",
            after.body
        );
        // Another person opening the same address is not told someone else's act as theirs.
        let mut other = app.client();
        other.login("liaison.scjg", PASSWORD).await;
        let theirs = other.get(r.location()).await;
        assert!(!theirs.body.contains("已办理："), "{}", theirs.body);
        let onsite = "赴罗山县涉案仓库现场督导查封扣押工作。";
        ok(&app, "staff", id, json!({"step": "coordinate", "kind": "onsite", "text": onsite})).await;

        for who in ["staff", "liaison.scjg"] {
            let v = case(&app, who, id).await;
            assert_eq!(v["state"], "under_supervision");
            let ev = events(&v);
            assert_eq!(
                ev[ev.len() - 2..],
                [
                    ("meeting".to_string(), format!("案件协调会：{meeting}")),
                    ("onsite".to_string(), format!("现场协调督导：{onsite}")),
                ],
                "{who}"
            );
        }
        let audited: Vec<String> = sqlx::query_scalar(
            "SELECT summary FROM audit_log WHERE action = 'case.coordinate' AND object_id = $1 ORDER BY seq",
        )
        .bind(id.to_string())
        .fetch_all(&app.db.pool)
        .await
        .expect("audit");
        let kinds: Vec<Value> = audited
            .iter()
            .map(|s| serde_json::from_str::<Value>(s).expect("json")["kind"].clone())
            .collect();
        assert_eq!(kinds, [json!("meeting"), json!("onsite")]);

        // Refusals.
        let (s, v) = step(&app, "liaison.scjg", id, json!({"step": "coordinate", "kind": "meeting", "text": "主办单位自行召集"})).await;
        assert_eq!(s, StatusCode::CONFLICT, "only the office coordinates: {v}");
        let (s, v) = step(&app, "staff", id, json!({"step": "coordinate", "kind": "onsite", "text": " "})).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(v["error"]["fields"][0]["code"], "required", "{v}");
        assert_eq!(v["error"]["fields"][0]["field"], "text", "named as sent: {v}");
        let (s, v) = step(&app, "staff", id, json!({"step": "coordinate", "kind": "phone", "text": "电话督促"})).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(v["error"]["fields"][0]["code"], "invalid_choice", "{v}");
        let clue_only = register(
            &app,
            clue("尚未启动的线索", app.today(), vec![party("enterprise", ENTERPRISE, CREDIT)]),
        )
        .await;
        let (s, v) = step(&app, "staff", clue_only, json!({"step": "coordinate", "kind": "meeting", "text": "提前开会"})).await;
        assert_eq!(s, StatusCode::CONFLICT, "{v}");
        let after: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM case_events WHERE kind IN ('meeting', 'onsite')")
            .fetch_one(&app.db.pool)
            .await
            .expect("count");
        assert_eq!(after, 2, "refused steps record nothing");
    })
    .await;
}

/// 000 §10: the office refers a major question to the leading group: every group leader
/// (组长、副组长) of the case's region receives it as a notice linking to the case, which they
/// may open; a county group's leader, the office and the handling units do not. It is on the
/// case's timeline. Only the office refers. The platform records the referral, not the group's
/// decision: the leaders get a notice, not a to-do.
#[tokio::test]
async fn a_major_question_is_referred_to_the_group_leaders_of_the_region() {
    each_db(true, |app| async move {
        // A deputy leader of the city group, and the leader of a county group.
        let who = app.system("测试");
        let mut tx = app.db.begin().await.expect("tx");
        for (username, display, unit) in [
            ("deputy", "钱副组长", GROUP),
            (
                "luoshan.leader",
                "罗山县组长",
                "罗山县打击侵权假冒工作领导小组",
            ),
        ] {
            let unit_id = app.unit_id(unit).await;
            shuangda::users::store::insert_system(
                &mut tx,
                &who,
                &shuangda::users::model::NewUser {
                    username: username.into(),
                    display_name: display.into(),
                    unit_id,
                    phone: None,
                    email: None,
                },
                PASSWORD,
                false,
                &[shuangda::access::Role::GroupLeader],
            )
            .await
            .expect("user");
        }
        tx.commit().await.expect("commit");

        let title = "跨省销售假冒茶叶案";
        let id = started(&app, title).await;
        let question = "涉案企业在外省设有仓库，拟提请领导小组研究是否商请省双打办协调。";
        ok(
            &app,
            "staff",
            id,
            json!({"step": "coordinate", "kind": "referral", "text": question}),
        )
        .await;

        let subject = "提请领导小组研究重大事宜";
        for leader in ["leader", "deputy"] {
            let (notes, todos) = me(&app, leader).await;
            let got = titled(&notes, subject);
            assert_eq!(got.len(), 1, "{leader}: {notes:?}");
            assert_eq!(got[0]["body"], format!("{title}：{question}"));
            assert_eq!(got[0]["link"], format!("/cases/{id}"));
            assert!(
                !todos.iter().any(|t| t["link"] == format!("/cases/{id}")),
                "{leader}: a notice, not a to-do: {todos:?}"
            );
            // The link opens for them.
            let (s, _) = call(
                &app,
                leader,
                Method::GET,
                &format!("/api/v1/cases/{id}"),
                None,
            )
            .await;
            assert_eq!(s, StatusCode::OK, "{leader}");
        }
        for other in [
            "luoshan.leader",
            "director",
            "staff",
            "liaison.scjg",
            "handler.gaj",
        ] {
            let (notes, _) = me(&app, other).await;
            assert!(titled(&notes, subject).is_empty(), "{other}: {notes:?}");
        }
        let ev = events(&case(&app, "staff", id).await);
        assert_eq!(
            ev.last(),
            Some(&(
                "referral".to_string(),
                format!("提请领导小组研究：{question}")
            ))
        );

        // Only the office refers, and says what.
        let (s, v) = step(
            &app,
            "liaison.scjg",
            id,
            json!({"step": "coordinate", "kind": "referral", "text": "主办单位直接提请"}),
        )
        .await;
        assert_eq!(s, StatusCode::CONFLICT, "{v}");
        let (s, v) = step(
            &app,
            "staff",
            id,
            json!({"step": "coordinate", "kind": "referral", "text": ""}),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        let (notes, _) = me(&app, "leader").await;
        assert_eq!(titled(&notes, subject).len(), 1, "refusals tell no one");
    })
    .await;
}

/// The start, due date and amount of one clock of a case, by clause.
async fn clock(app: &App, id: i64, clause: &str) -> (String, String, String) {
    sqlx::query_as(
        "SELECT start_date, due_date, rule_text FROM deadlines WHERE record_type = 'case' AND record_id = $1 AND clause = $2",
    )
    .bind(id)
    .bind(clause)
    .fetch_one(&app.db.pool)
    .await
    .expect("clock")
}

/// The amounts themselves (issue #12): 000 §8 gives the lead unit 20 working days from the
/// conclusion to report the result in writing; 000 §9 gives the office 5 working days from that
/// report to report and circulate it. Changing either amount fails here.
#[tokio::test]
async fn the_closure_clocks_run_twenty_and_then_five_working_days() {
    each_db(true, |app| async move {
        let cal = app.state.calendar();
        let id = started(&app, "办结期限测试案").await;
        ok(
            &app,
            "staff",
            id,
            json!({"step": "issue_letter", "text": "请按期报送进展。"}),
        )
        .await;
        common::sign_letter(&app, id).await;
        let today = app.today();
        ok(
            &app,
            "liaison.scjg",
            id,
            json!({"step": "conclude", "date": today.to_string(), "text": "作出行政处罚"}),
        )
        .await;
        let (start, due, rule) = clock(&app, id, "000 §8").await;
        assert_eq!(start, today.to_string());
        let twenty = cal.due_date(today, Period::WorkingDays(20)).expect("due");
        assert_eq!(
            due,
            twenty.to_string(),
            "20 working days from the conclusion"
        );
        assert!(rule.contains("20"), "{rule}");
        ok(
            &app,
            "liaison.scjg",
            id,
            json!({"step": "report_closure", "text": "罚没款合计50万元。"}),
        )
        .await;
        let (start, due, rule) = clock(&app, id, "000 §9").await;
        assert_eq!(start, today.to_string());
        let five = cal.due_date(today, Period::WorkingDays(5)).expect("due");
        assert_eq!(
            due,
            five.to_string(),
            "5 working days from the closure report"
        );
        assert!(rule.contains('5'), "{rule}");
    })
    .await;
}

/// Issue #15: a penalty decision "comes from a closed case's data where that exists". The lead
/// unit's decision is filled from the concluded case — its party and its facts with the
/// closure — and linked to it; a case not yet concluded gives nothing and cannot be linked.
#[tokio::test]
async fn a_concluded_case_fills_the_penalty_decision_that_ends_it() {
    each_db(true, |app| async move {
        let id = started(&app, "处罚决定带入测试案").await;
        let draft = format!("/api/v1/penalties/draft?case_id={id}");
        // Still under way: nothing to take, and a decision may not be linked to it.
        let (s, v) = call(&app, "liaison.scjg", Method::GET, &draft, None).await;
        assert_eq!((s, v["error"]["fields"][0]["code"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!("not_concluded")), "{v}");
        ok(&app, "staff", id, json!({"step": "issue_letter", "text": "请按期报送进展。"})).await;
        common::sign_letter(&app, id).await;
        ok(&app, "liaison.scjg", id, json!({"step": "conclude", "date": app.today().to_string(), "text": "作出罚款5万元的行政处罚"})).await;
        // The office does not record decisions; a unit that cannot see the case gets nothing.
        assert_eq!(call(&app, "staff", Method::GET, &draft, None).await.0, StatusCode::FORBIDDEN);
        // The assisting police see the case but did not conclude it: not theirs to draw up.
        let (s, v) = call(&app, "handler.gaj", Method::GET, &draft, None).await;
        assert!(s == StatusCode::FORBIDDEN || v["error"]["fields"][0]["code"] == "not_lead", "{s} {v}");
        let (s, v) = call(&app, "liaison.luoshan.scjg", Method::GET, &draft, None).await;
        assert_eq!((s, v["error"]["fields"][0]["code"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!("not_found")), "{v}");
        let (s, d) = call(&app, "liaison.scjg", Method::GET, &draft, None).await;
        assert_eq!(s, StatusCode::OK, "{d}");
        assert_eq!((d["case_id"].clone(), d["party_kind"].clone(), d["party_name"].clone(), d["party_code"].clone()),
            (json!(id), json!("enterprise"), json!(ENTERPRISE), json!(CREDIT)), "{d}");
        let facts = d["facts"].as_str().expect("facts");
        assert!(facts.starts_with("群众举报某茶叶公司销售假冒") && facts.contains("作出罚款5万元的行政处罚"), "{facts}");
        // The organ completes it and records it, linked to the case.
        let mut body = d.clone();
        for (k, v) in [("number", json!("信市监处罚〔2026〕88号")), ("provisions", json!("《中华人民共和国商标法》第五十七条")),
            ("kinds", json!(["fine"])), ("fine", json!("50000")), ("penalty", json!("罚款50000元")),
            ("basis", json!("《中华人民共和国商标法》第六十条第二款")), ("decided_on", json!(app.today().to_string()))] {
            body[k] = v;
        }
        let (s, v) = call(&app, "liaison.scjg", Method::POST, "/api/v1/penalties", Some(body.clone())).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let (_, p) = call(&app, "liaison.scjg", Method::GET, &format!("/api/v1/penalties/{}", v["id"]), None).await;
        assert_eq!(p["case_id"], json!(id), "{p}");
        // Linking a case still under way is refused in the operation, nothing written.
        let other = started(&app, "尚未办结的案件").await;
        body["number"] = json!("信市监处罚〔2026〕89号");
        body["case_id"] = json!(other);
        let (s, v) = call(&app, "liaison.scjg", Method::POST, "/api/v1/penalties", Some(body)).await;
        assert_eq!((s, v["error"]["fields"][0]["code"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!("not_concluded")), "{v}");
        // The case page offers it to the lead unit, and the form comes filled.
        let mut c = app.client();
        c.login("liaison.scjg", PASSWORD).await;
        let page = c.get(&format!("/cases/{id}")).await;
        assert!(page.body.contains("id=\"penalty-from-case\""), "{}", page.body);
        let form = c.get(&format!("/penalties/new?case_id={id}")).await;
        assert_eq!(form.status, StatusCode::OK);
        assert!(form.body.contains(&format!("value=\"{CREDIT}\"")) && form.body.contains("作出罚款5万元的行政处罚"), "{}", form.body);
        let mut c = app.client();
        c.login("staff", PASSWORD).await;
        assert!(!c.get(&format!("/cases/{id}")).await.body.contains("penalty-from-case"));
    })
    .await;
}
