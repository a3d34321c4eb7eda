//! The enterprise record (企业诚信档案; issue #15; seed 002 (六)1) on both databases: one record
//! per 统一社会信用代码 bringing together the cases naming the party, the public reports and the
//! penalty decisions giving its code, and the transfers whose suspects' text contains it as
//! possible matches only; each part within the reader's data scope, so a unit party to none of
//! them sees none; a malformed code named against its field; an unknown code an empty record;
//! a party with a thousand decisions answered with the newest 200 and the earlier ones counted.

mod common;

use axum::http::{Method, StatusCode};
use common::{App, PASSWORD, call, each_db};
use serde_json::{Value, json};

/// The party of every record below.
const CODE: &str = "91411500MA4000001P";
/// A well-formed code nothing is recorded under.
const UNKNOWN: &str = "91350100M000100Y43";
const NAME: &str = "信阳市某商贸有限公司";

/// `body` with a solved challenge, as a scripted client of the public API sends it.
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

/// The city office registers a clue naming the party; a person is named beside it.
async fn case_naming_the_party(app: &App) -> i64 {
    let (s, v) = call(
        app,
        "staff",
        Method::POST,
        "/api/v1/cases",
        Some(json!({
            "title": "某商贸公司销售假冒白酒案", "summary": "日常检查发现某商贸公司销售假冒注册商标的白酒。",
            "source": "daily_work", "received_on": app.today().to_string(),
            "right_kinds": ["trademark"], "regions": ["411502"],
            "parties": [
                {"kind": "enterprise", "name": NAME, "code": CODE},
                {"kind": "person", "name": "张某", "code": "11010519491231002X"}
            ]
        })),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v["id"].as_i64().expect("case id")
}

/// A report from the public naming the party by its code (the city: the city office receives
/// it).
async fn report_naming_the_party(app: &App) -> i64 {
    let body = solved(
        app,
        json!({
            "kind": "report", "product": "白酒", "region": "411500", "address": "信阳市浉河区某路1号",
            "occurred_on": app.today().to_string(), "description": "该商行销售的白酒疑为假冒。",
            "enterprise": "某商贸公司", "credit_code": CODE.to_lowercase(), "anonymous": true
        }),
    )
    .await;
    let r = common::api(
        app,
        Method::POST,
        "/api/v1/public/reports",
        None,
        Some(body),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let number = r.json()["tracking_no"]
        .as_str()
        .expect("number")
        .to_string();
    sqlx::query_scalar("SELECT id FROM public_reports WHERE tracking_no = $1")
        .bind(number)
        .fetch_one(&app.db.pool)
        .await
        .expect("report")
}

/// The market regulation bureau records its decision against the party.
async fn penalty_against_the_party(app: &App) -> i64 {
    let decided = app.today() - chrono::Duration::days(3);
    let (s, v) = call(
        app,
        "liaison.scjg",
        Method::POST,
        "/api/v1/penalties",
        Some(json!({
            "number": "信市监处罚〔2026〕88号", "party_kind": "enterprise", "party_name": NAME,
            "party_code": CODE, "legal_representative": "李某某",
            "facts": "当事人销售假冒注册商标的白酒120箱。",
            "provisions": "《中华人民共和国商标法》第五十七条第（三）项",
            "kinds": ["fine", "confiscate_goods"], "fine": "50000",
            "penalty": "没收假冒白酒120箱，罚款50000元", "basis": "《中华人民共和国商标法》第六十条第二款",
            "procedure": "general", "decided_on": decided.to_string(),
            "other_persons": [], "trade_secrets": []
        })),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v["id"].as_i64().expect("decision id")
}

/// The market regulation bureau drafts a transfer to the police whose suspects' text carries
/// the code; `withheld` marks it under secrecy rules.
async fn transfer_mentioning_the_code(app: &App, title: &str, withheld: bool) -> i64 {
    let police = app.unit_id("信阳市公安局").await;
    let mut body = json!({
        "situation": "own_investigation", "title": title,
        "facts": "经查，某商贸公司销售假冒注册商标的白酒120箱，货值25万余元。",
        "suspects": format!("{NAME}（统一社会信用代码：{CODE}）"),
        "amount": "256000.50", "to_unit_id": police.to_string(),
        "items": [{"name": "假冒白酒", "quantity": "120", "unit": "箱", "storage": "市场监管局罚没物品仓库"}]
    });
    if withheld {
        body["withheld"] = json!(true);
        body["secrecy_basis"] = json!("涉及正在侦办案件的工作秘密");
    }
    let (s, v) = call(
        app,
        "liaison.scjg",
        Method::POST,
        "/api/v1/transfers?direction=to_police",
        Some(body),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v["id"].as_i64().expect("transfer id")
}

async fn record(app: &App, who: &str, code: &str) -> Value {
    let (s, v) = call(
        app,
        who,
        Method::GET,
        &format!("/api/v1/enterprises/{code}"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{who}: {v}");
    v
}

fn ids(section: &Value) -> Vec<i64> {
    section["items"]
        .as_array()
        .unwrap_or_else(|| panic!("no items: {section}"))
        .iter()
        .filter_map(|i| i["id"].as_i64())
        .collect()
}

#[tokio::test]
async fn a_record_brings_together_what_names_the_code_within_each_readers_scope() {
    each_db(true, |app| async move {
        let case = case_naming_the_party(&app).await;
        let report = report_naming_the_party(&app).await;
        let penalty = penalty_against_the_party(&app).await;
        let transfer =
            transfer_mentioning_the_code(&app, "某商贸公司涉嫌销售假冒注册商标的商品案", false)
                .await;
        let secret = transfer_mentioning_the_code(&app, "涉密的某商贸公司案", true).await;

        // The city office sees all of it: the case, the report, the decision with its
        // publication and decision states, and the transfer as a possible match only — not the
        // withheld one, whose content is its own units'.
        let r = record(&app, "staff", CODE).await;
        assert_eq!(r["code"], CODE);
        assert_eq!(ids(&r["cases"]), vec![case], "{r}");
        assert_eq!(r["cases"]["total"], 1);
        assert_eq!(r["cases"]["items"][0]["party_name"], NAME);
        assert_eq!(r["cases"]["items"][0]["url"], format!("/cases/{case}"));
        assert_eq!(ids(&r["public_reports"]), vec![report], "{r}");
        assert_eq!(
            r["public_reports"]["items"][0]["url"],
            format!("/public-reports/{report}")
        );
        assert_eq!(ids(&r["penalties"]), vec![penalty], "{r}");
        let p = &r["penalties"]["items"][0];
        assert_eq!(p["number"], "信市监处罚〔2026〕88号");
        assert_eq!(p["organ_name"], "信阳市市场监督管理局");
        assert_eq!(p["state"], "pending");
        assert_eq!(p["decision_state"], "effective");
        assert_eq!(p["kinds"], json!(["fine", "confiscate_goods"]));
        assert_eq!(p["fine_fen"], 5_000_000);
        assert_eq!(p["url"], format!("/penalties/{penalty}"));
        assert_eq!(ids(&r["possible_transfers"]), vec![transfer], "{r}");
        // Not listed (tests/listings.rs lists one).
        assert_eq!(r["listings"]["total"], 0, "{r}");
        // The names as recorded: the case's and the decision's, and the reporter's.
        let names: Vec<&str> = r["names"]
            .as_array()
            .expect("names")
            .iter()
            .filter_map(|n| n["name"].as_str())
            .collect();
        assert!(
            names.contains(&NAME) && names.contains(&"某商贸公司"),
            "{names:?}"
        );

        // The withheld transfer is a possible match for its own units, who may read it.
        let own = record(&app, "liaison.scjg", CODE).await;
        let mut seen = ids(&own["possible_transfers"]);
        seen.sort_unstable();
        assert_eq!(seen, vec![transfer, secret]);
        // The bureau decided the penalty; the case and the report are not its records.
        assert_eq!(ids(&own["penalties"]), vec![penalty]);
        assert_eq!(own["cases"]["total"], 0);
        assert_eq!(own["public_reports"]["total"], 0);

        // The police unit is party to none of it, nor is the county office: nothing at all, and
        // no name either.
        for who in ["handler.gaj", "county.luoshan"] {
            let r = record(&app, who, CODE).await;
            for section in ["cases", "public_reports", "penalties", "possible_transfers"] {
                assert_eq!(r[section]["total"], 0, "{who} {section}: {r}");
                assert_eq!(r[section]["items"], json!([]), "{who} {section}");
            }
            assert_eq!(r["names"], json!([]), "{who}");
            // The page renders and says nothing was found.
            let mut c = app.client();
            c.login(who, PASSWORD).await;
            let page = c.get(&format!("/enterprises/{CODE}")).await;
            assert_eq!(page.status, StatusCode::OK, "{who}: {}", page.body);
            assert!(
                page.body.contains("未找到该统一社会信用代码的记录"),
                "{who}: {}",
                page.body
            );
            assert!(!page.body.contains(NAME), "{who}: {}", page.body);
        }
        // The administrators read none of these kinds of record.
        let (s, _) = call(
            &app,
            "sysadmin",
            Method::GET,
            &format!("/api/v1/enterprises/{CODE}"),
            None,
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN);

        // The office's page: each section with its heading and count, linked, dates as people
        // write them; the transfer marked as a possible match; the menu leads here.
        let mut c = app.client();
        c.login("staff", PASSWORD).await;
        let page = c.get(&format!("/enterprises/{CODE}")).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        for part in [
            "重大案件（共1件）",
            "举报投诉（共1件）",
            "行政处罚决定（共1件）",
            "可能相关的移送案件（共1件，未经核实）",
            &format!("href=\"/cases/{case}\""),
            &format!("href=\"/public-reports/{report}\""),
            &format!("href=\"/penalties/{penalty}\""),
            &format!("href=\"/transfers/{transfer}\""),
            "信市监处罚〔2026〕88号",
            "罚款、没收非法财物",
            "50,000.00元",
            "待保密审查",
            "href=\"/enterprises\"",
        ] {
            assert!(page.body.contains(part), "{part}: {}", page.body);
        }
        let decided = app.today() - chrono::Duration::days(3);
        assert!(
            page.body.contains(&shuangda::calendar::date_zh(decided)),
            "{}",
            page.body
        );
        assert!(
            !page.body.contains(&decided.to_string()),
            "no ISO date: {}",
            page.body
        );
        assert!(!page.body.contains("涉密的某商贸公司案"));
        assert!(!page.body.contains("未找到该统一社会信用代码的记录"));

        // The decision's and the report's pages link their credit code to the record.
        let link = format!("href=\"/enterprises/{CODE}\"");
        let shown = c.get(&format!("/public-reports/{report}")).await;
        assert!(shown.body.contains(&link), "{}", shown.body);
        let mut organ = app.client();
        organ.login("liaison.scjg", PASSWORD).await;
        let shown = organ.get(&format!("/penalties/{penalty}")).await;
        assert!(shown.body.contains(&link), "{}", shown.body);
    })
    .await;
}

#[tokio::test]
async fn a_malformed_code_is_named_and_an_unknown_one_is_an_empty_record() {
    each_db(true, |app| async move {
        // A wrong check character: 422 against `code`.
        let (s, v) = call(
            &app,
            "staff",
            Method::GET,
            "/api/v1/enterprises/91411500MA4000001X",
            None,
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(v["error"]["fields"][0]["field"], "code", "{v}");
        assert_eq!(v["error"]["fields"][0]["code"], "invalid_checksum", "{v}");
        let (s, v) = call(&app, "staff", Method::GET, "/api/v1/enterprises/abc", None).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(v["error"]["fields"][0]["field"], "code", "{v}");

        // A well-formed code nothing names: an empty record, not a 404.
        let r = record(&app, "staff", UNKNOWN).await;
        assert_eq!(r["code"], UNKNOWN);
        assert_eq!(r["cases"]["total"], 0);
        assert_eq!(r["penalties"]["items"], json!([]));

        let mut c = app.client();
        c.login("staff", PASSWORD).await;
        // The lookup form; a code typed in lower case with spaces leads to its record.
        let form = c.get("/enterprises").await;
        assert_eq!(form.status, StatusCode::OK, "{}", form.body);
        assert!(form.body.contains("name=\"code\""), "{}", form.body);
        let r = c.get("/enterprises?code=91411500ma4000001p%20").await;
        assert!(r.status.is_redirection(), "{}", r.status);
        assert_eq!(r.location(), format!("/enterprises/{CODE}"));
        // A wrong one: the form again, the message beside the field.
        let r = c.get("/enterprises?code=91411500MA4000001X").await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(r.body.contains("data-field=\"code\""), "{}", r.body);
        assert!(
            r.body.contains("统一社会信用代码校验位不正确"),
            "{}",
            r.body
        );
        let r = c.get("/enterprises?code=").await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(r.body.contains("请填写统一社会信用代码"), "{}", r.body);
        let r = c.get("/enterprises/91411500MA4000001X").await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(r.body.contains("data-field=\"code\""), "{}", r.body);
        // The unknown code's page says so.
        let r = c.get(&format!("/enterprises/{UNKNOWN}")).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(
            r.body.contains("未找到该统一社会信用代码的记录"),
            "{}",
            r.body
        );
    })
    .await;
}

#[tokio::test]
async fn a_party_with_a_thousand_decisions_shows_the_newest_two_hundred_and_counts_the_rest() {
    each_db(true, |app| async move {
        let newest = penalty_against_the_party(&app).await;
        // 1,000 older decisions of the same organ against the party, written directly.
        let organ = app.unit_id("信阳市市场监督管理局").await;
        let creator = app.user_id("liaison.scjg").await;
        let at = shuangda::db::time::to_text(app.now());
        sqlx::query(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000) \
             INSERT INTO penalty_decisions (number, organ_unit_id, party_kind, party_name, credit_code, facts, \
             provisions, kinds, fine_fen, penalty, basis, procedure_kind, decided_on, other_persons, trade_secrets, \
             state, decision_state, created_by, created_at, updated_at) \
             SELECT '信市监处罚〔2025〕' || CAST(i AS TEXT) || '号', $1, 'enterprise', $2, $3, '事实', '条款', 'fine', \
             100000, '罚款1000元', '依据', 'general', '2025-03-01', '', '', 'not_published', 'effective', $4, $5, $5 FROM n",
        )
        .bind(organ)
        .bind(NAME)
        .bind(CODE)
        .bind(creator)
        .bind(&at)
        .execute(&app.db.pool)
        .await
        .expect("decisions");
        sqlx::query(
            "INSERT INTO record_parties (resource, record_id, unit_id, party_role, sort_key) \
             SELECT 'penalty', id, organ_unit_id, 'organ', updated_at FROM penalty_decisions \
             WHERE credit_code = $1 AND decided_on = '2025-03-01'",
        )
        .bind(CODE)
        .execute(&app.db.pool)
        .await
        .expect("parties");

        let started = std::time::Instant::now();
        let r = record(&app, "staff", CODE).await;
        let api = started.elapsed();
        assert_eq!(r["penalties"]["total"], 1001, "{}", r["penalties"]["total"]);
        assert_eq!(r["penalties"]["earlier"], 801);
        let listed = ids(&r["penalties"]);
        assert_eq!(listed.len(), 200);
        assert_eq!(listed[0], newest, "the newest decision first");
        let names = r["names"].as_array().expect("names");
        assert_eq!(names.len(), 1, "{names:?}");
        assert_eq!(names[0]["count"], 1001);

        let mut c = app.client();
        c.login("staff", PASSWORD).await;
        let started = std::time::Instant::now();
        let page = c.get(&format!("/enterprises/{CODE}")).await;
        let shown = started.elapsed();
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(page.body.contains("行政处罚决定（共1001件）"), "{}", page.body);
        assert!(page.body.contains("及更早的801项"), "{}", page.body);
        assert_eq!(page.body.matches("href=\"/penalties/").count(), 200);
        eprintln!("{:?}: API {api:?}, page {shown:?}", app.db.dialect);
        // Generous bounds for a debug build on a small machine; the figures are printed.
        assert!(api < std::time::Duration::from_secs(5), "{api:?}");
        assert!(shown < std::time::Duration::from_secs(5), "{shown:?}");
    })
    .await;
}

/// A report naming the party by name only (no credit code).
async fn report_by_name_only(app: &App, enterprise: &str) -> i64 {
    let body = solved(
        app,
        json!({
            "kind": "report", "product": "白酒", "region": "411500", "address": "信阳市浉河区某路2号",
            "occurred_on": app.today().to_string(), "description": "该公司仍在销售假冒白酒。",
            "enterprise": enterprise, "anonymous": true
        }),
    )
    .await;
    let r = common::api(
        app,
        Method::POST,
        "/api/v1/public/reports",
        None,
        Some(body),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    sqlx::query_scalar("SELECT id FROM public_reports WHERE tracking_no = $1")
        .bind(r.json()["tracking_no"].as_str().expect("number"))
        .fetch_one(&app.db.pool)
        .await
        .expect("report")
}

#[tokio::test]
async fn a_report_naming_the_party_by_name_only_is_matched_by_the_office_on_suggestion() {
    each_db(true, |app| async move {
        case_naming_the_party(&app).await;
        let same = report_by_name_only(&app, NAME).await;
        let other = report_by_name_only(&app, "信阳市另一商贸有限公司").await;
        // Suggested to the office, never matched by itself.
        let r = record(&app, "staff", CODE).await;
        assert_eq!(ids(&json!({"items": r["suggestions"]})), vec![same], "{r}");
        assert!(
            !ids(&r["public_reports"]).contains(&same),
            "not matched automatically: {r}"
        );
        // Not a unit's to match; not a report of another name.
        let path = format!("/api/v1/enterprises/{CODE}/matches");
        let (s, _) = call(
            &app,
            "liaison.scjg",
            Method::POST,
            &path,
            Some(json!({"report_id": same})),
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, v) = call(
            &app,
            "staff",
            Method::POST,
            &path,
            Some(json!({"report_id": other})),
        )
        .await;
        assert_eq!(
            (s, v["error"]["fields"][0]["code"].clone()),
            (StatusCode::UNPROCESSABLE_ENTITY, json!("not_allowed")),
            "{v}"
        );
        // The office matches it: twice at once, once.
        let (a, b) = tokio::join!(
            call(
                &app,
                "staff",
                Method::POST,
                &path,
                Some(json!({"report_id": same}))
            ),
            call(
                &app,
                "staff",
                Method::POST,
                &path,
                Some(json!({"report_id": same}))
            )
        );
        let mut got = vec![a.0, b.0];
        got.sort();
        assert_eq!(
            got,
            vec![StatusCode::NO_CONTENT, StatusCode::UNPROCESSABLE_ENTITY],
            "{} {}",
            a.1,
            b.1
        );
        let r = record(&app, "staff", CODE).await;
        assert!(ids(&r["public_reports"]).contains(&same), "{r}");
        assert_eq!(r["suggestions"], json!([]), "{r}");
        let audited: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'enterprise.match' AND object_id = $1",
        )
        .bind(same.to_string())
        .fetch_one(&app.db.pool)
        .await
        .expect("audit");
        assert_eq!(audited, 1);
        // Through the page.
        let other_same = report_by_name_only(&app, NAME).await;
        let mut c = app.client();
        c.login("staff", PASSWORD).await;
        let page = c.get(&format!("/enterprises/{CODE}")).await;
        assert!(
            page.body.contains(&format!("id=\"match-{other_same}\"")),
            "{}",
            page.body
        );
        let id = other_same.to_string();
        let r = c
            .post(
                &format!("/enterprises/{CODE}/match"),
                &[("report_id", id.as_str())],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let page = c.get(&format!("/enterprises/{CODE}")).await;
        assert!(
            !page.body.contains(&format!("id=\"match-{other_same}\"")),
            "{}",
            page.body
        );
    })
    .await;
}

/// The person named beside the enterprise in `case_naming_the_party`: a resident ID that must
/// never appear in full in a record's answer, page or audit record.
const PERSON: &str = "11010519491231002X";
const PERSON_MASKED: &str = "110105********002X";
const PERSON_NAME: &str = "张某";

/// The market regulation bureau's decision against the person (a fine it says was aggravated,
/// so that it may list the person).
async fn penalty_against_the_person(app: &App) -> i64 {
    let (s, v) = call(
        app,
        "liaison.scjg",
        Method::POST,
        "/api/v1/penalties",
        Some(json!({
            "number": "信市监处罚〔2026〕91号", "party_kind": "person", "party_name": PERSON_NAME,
            "party_code": PERSON, "facts": "当事人在某市场摆摊销售假冒注册商标的白酒30瓶。",
            "provisions": "《中华人民共和国商标法》第五十七条第（三）项",
            "kinds": ["fine"], "fine": "20000", "penalty": "罚款20000元",
            "basis": "《中华人民共和国商标法》第六十条第二款", "procedure": "general",
            "decided_on": app.today().to_string(), "other_persons": [], "trade_secrets": []
        })),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v["id"].as_i64().expect("decision id")
}

/// The bureau tells the party of decision `decision` that it is to be listed, linking `persons`.
async fn listing_of(app: &App, decision: i64, persons: Value) -> i64 {
    let (s, v) = call(
        app,
        "liaison.scjg",
        Method::POST,
        "/api/v1/listings",
        Some(json!({
            "decision_id": decision, "aggravated_fine": true,
            "reasons": "当事人因制售假冒注册商标的白酒受到从重处罚。",
            "notified_on": app.today().to_string(), "persons": persons
        })),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v["id"].as_i64().expect("listing id")
}

/// The person's record through the API: the status and the raw body, which must never carry
/// the number in full.
async fn person_record(app: &App, who: &str, id: &str) -> (StatusCode, String) {
    let t = app.token(who).await;
    let r = common::api(
        app,
        Method::POST,
        "/api/v1/persons/record",
        Some(&t),
        Some(json!({ "resident_id": id })),
    )
    .await;
    (r.status, r.body)
}

async fn person_lookups(app: &App) -> Vec<(String, String, String)> {
    sqlx::query_as(
        "SELECT actor_name, COALESCE(object_id, ''), summary FROM audit_log \
         WHERE action = 'enterprise.person_lookup' ORDER BY seq",
    )
    .fetch_all(&app.db.pool)
    .await
    .expect("audit")
}

#[tokio::test]
async fn a_persons_record_brings_together_cases_decisions_and_listings_and_never_shows_the_number()
{
    each_db(true, |app| async move {
        let case = case_naming_the_party(&app).await;
        let decision = penalty_against_the_person(&app).await;
        // The person is the party of one listing, and linked to the enterprise's as its legal
        // representative and a person responsible (002 (六)2).
        let own = listing_of(&app, decision, json!([])).await;
        let enterprise_decision = penalty_against_the_party(&app).await;
        let linked = listing_of(
            &app,
            enterprise_decision,
            json!([
                {"role": "legal_representative", "name": PERSON_NAME, "resident_id": PERSON},
                {"role": "responsible", "name": PERSON_NAME, "resident_id": PERSON.to_lowercase()},
                {"role": "responsible", "name": "赵某"}
            ]),
        )
        .await;
        let (s, v) = call(
            &app,
            "liaison.scjg",
            Method::POST,
            "/api/v1/transfers?direction=to_police",
            Some(json!({
                "situation": "own_investigation", "title": "张某涉嫌销售假冒注册商标的商品案",
                "facts": "经查，张某销售假冒注册商标的白酒30瓶。",
                "suspects": format!("{PERSON_NAME}（身份证号码：{}）", PERSON.to_lowercase()),
                "amount": "6000", "to_unit_id": app.unit_id("信阳市公安局").await.to_string(),
                "items": [{"name": "假冒白酒", "quantity": "30", "unit": "瓶", "storage": "市场监管局罚没物品仓库"}]
            })),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let transfer = v["id"].as_i64().expect("transfer id");

        // The city office sees all of it, the number masked and never in full.
        let (s, body) = person_record(&app, "staff", PERSON).await;
        assert_eq!(s, StatusCode::OK, "{body}");
        assert!(!body.contains(PERSON), "the full number: {body}");
        let r: Value = serde_json::from_str(&body).expect("json");
        assert_eq!(r["resident_id"], PERSON_MASKED);
        assert_eq!(ids(&r["cases"]), vec![case], "{r}");
        assert_eq!(r["cases"]["items"][0]["party_name"], PERSON_NAME);
        assert_eq!(ids(&r["penalties"]), vec![decision], "{r}");
        assert_eq!(r["penalties"]["items"][0]["number"], "信市监处罚〔2026〕91号");
        assert_eq!(ids(&r["listings"]), vec![own], "{r}");
        assert_eq!(r["listings"]["items"][0]["url"], format!("/listings/{own}"));
        assert_eq!(ids(&r["linked_listings"]), vec![linked], "{r}");
        let l = &r["linked_listings"]["items"][0];
        assert_eq!(l["roles"], json!(["legal_representative", "responsible"]), "{l}");
        assert_eq!(l["roles_label"], "法定代表人（负责人）、违法行为责任人");
        assert_eq!(l["party_name"], NAME);
        assert_eq!(l["credit_code"], CODE);
        assert_eq!(l["person_name"], PERSON_NAME);
        assert_eq!(ids(&r["possible_transfers"]), vec![transfer], "{r}");
        let names: Vec<&str> = r["names"]
            .as_array()
            .expect("names")
            .iter()
            .filter_map(|n| n["name"].as_str())
            .collect();
        assert_eq!(names, vec![PERSON_NAME], "{r}");
        // The bureau decided and listed: its own decision and listings, not the office's case.
        let (s, body) = person_record(&app, "liaison.scjg", PERSON).await;
        assert_eq!(s, StatusCode::OK, "{body}");
        let r: Value = serde_json::from_str(&body).expect("json");
        assert_eq!(ids(&r["penalties"]), vec![decision]);
        assert_eq!(ids(&r["linked_listings"]), vec![linked]);
        assert_eq!(r["cases"]["total"], 0);

        // Units party to none of it see nothing at all, not even a name.
        for who in ["handler.gaj", "county.luoshan"] {
            let (s, body) = person_record(&app, who, PERSON).await;
            assert_eq!(s, StatusCode::OK, "{who}: {body}");
            let r: Value = serde_json::from_str(&body).expect("json");
            for section in [
                "cases",
                "penalties",
                "listings",
                "linked_listings",
                "possible_transfers",
            ] {
                assert!(
                    r[section].is_null() || r[section]["total"] == 0,
                    "{who} {section}: {r}"
                );
            }
            assert_eq!(r["names"], json!([]), "{who}");
            let mut c = app.client();
            c.login(who, PASSWORD).await;
            let page = c.post("/persons", &[("resident_id", PERSON)]).await;
            assert_eq!(page.status, StatusCode::OK, "{who}: {}", page.body);
            assert!(page.body.contains("未找到该身份证号码的记录"), "{}", page.body);
            assert!(!page.body.contains(PERSON_NAME), "{who}: {}", page.body);
            assert!(!page.body.contains(PERSON), "{who}: {}", page.body);
        }
        // The administrators read none of these kinds of record.
        let (s, body) = person_record(&app, "sysadmin", PERSON).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{body}");

        // The office's page: reached from the enterprise lookup and the menu, the number posted,
        // never in a URL; each section with its heading, count and links; the number masked.
        let mut c = app.client();
        c.login("staff", PASSWORD).await;
        let lookup = c.get("/enterprises").await;
        assert!(lookup.body.contains("href=\"/persons\""), "{}", lookup.body);
        let form = c.get("/persons").await;
        assert_eq!(form.status, StatusCode::OK, "{}", form.body);
        assert!(
            form.body.contains("method=\"post\" action=\"/persons\""),
            "{}",
            form.body
        );
        assert!(form.body.contains("name=\"resident_id\""), "{}", form.body);
        let page = c
            .post("/persons", &[("resident_id", &PERSON.to_lowercase())])
            .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(!page.body.contains(PERSON), "{}", page.body);
        assert!(!page.body.contains(&PERSON.to_lowercase()), "{}", page.body);
        for part in [
            PERSON_MASKED,
            "重大案件（共1件）",
            "行政处罚决定（共1件）",
            "严重违法失信名单（共1项）",
            "作为法定代表人（负责人）或违法行为责任人关联的严重违法失信名单（共1项）",
            "法定代表人（负责人）、违法行为责任人",
            "可能相关的移送案件（共1件，未经核实）",
            &format!("href=\"/cases/{case}\""),
            &format!("href=\"/penalties/{decision}\""),
            &format!("href=\"/listings/{own}\""),
            &format!("href=\"/listings/{linked}\""),
            &format!("href=\"/enterprises/{CODE}\""),
            &format!("href=\"/transfers/{transfer}\""),
            "href=\"/persons\"",
        ] {
            assert!(page.body.contains(part), "{part}: {}", page.body);
        }
        assert!(!page.body.contains("未找到该身份证号码的记录"));

        // Every lookup audited: who looked up, the masked number only.
        let audited = person_lookups(&app).await;
        assert_eq!(audited.len(), 7, "{audited:?}");
        for (actor, object, summary) in &audited {
            assert_eq!(object, PERSON_MASKED, "{actor}");
            assert!(summary.contains(PERSON_MASKED), "{summary}");
            assert!(!summary.contains(PERSON), "{summary}");
        }
        assert!(audited[0].0.contains("staff"), "{audited:?}");
        assert!(audited.last().is_some_and(|a| a.0.contains("staff")));
        // The sysadmin's refused lookup is not a lookup.
        assert!(!audited.iter().any(|a| a.0.contains("sysadmin")));
    })
    .await;
}

#[tokio::test]
async fn a_malformed_resident_id_is_named_and_never_echoed_and_an_unknown_one_is_an_empty_record() {
    each_db(true, |app| async move {
        // A wrong check character: 422 against `resident_id`, the number not repeated.
        let wrong = "110105194912310021";
        let (s, body) = person_record(&app, "staff", wrong).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let v: Value = serde_json::from_str(&body).expect("json");
        assert_eq!(v["error"]["fields"][0]["field"], "resident_id", "{v}");
        assert_eq!(v["error"]["fields"][0]["code"], "invalid_checksum", "{v}");
        assert!(!body.contains(wrong), "{body}");
        let (s, body) = person_record(&app, "staff", "  ").await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let v: Value = serde_json::from_str(&body).expect("json");
        assert_eq!(v["error"]["fields"][0]["code"], "required", "{v}");
        let (s, v) = call(
            &app,
            "staff",
            Method::POST,
            "/api/v1/persons/record",
            Some(json!({"resident_id": "4115021990010112"})),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(v["error"]["fields"][0]["code"], "invalid_format", "{v}");
        // A number sent as a JSON number is refused without repeating it.
        let t = app.token("staff").await;
        let r = common::api(
            &app,
            Method::POST,
            "/api/v1/persons/record",
            Some(&t),
            Some(json!({"resident_id": 110_105_194_912_310_021_u64})),
        )
        .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
        assert!(!r.body.contains("110105194912310021"), "{}", r.body);
        // None of these was a lookup.
        assert!(person_lookups(&app).await.is_empty());

        // A well-formed number nothing names: an empty record, audited.
        let unknown = "411502199001011237";
        let (s, body) = person_record(&app, "staff", unknown).await;
        assert_eq!(s, StatusCode::OK, "{body}");
        assert!(!body.contains(unknown), "{body}");
        let r: Value = serde_json::from_str(&body).expect("json");
        assert_eq!(r["resident_id"], "411502********1237");
        assert_eq!(r["cases"]["total"], 0);
        assert_eq!(r["linked_listings"]["items"], json!([]));
        assert_eq!(person_lookups(&app).await.len(), 1);

        // The page: the form again with the message beside the field, the number not written
        // back; the unknown number's page says so.
        let mut c = app.client();
        c.login("staff", PASSWORD).await;
        let r = c.post("/persons", &[("resident_id", wrong)]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(r.body.contains("data-field=\"resident_id\""), "{}", r.body);
        assert!(r.body.contains("身份证号码校验位不正确"), "{}", r.body);
        assert!(!r.body.contains(wrong), "{}", r.body);
        let r = c.post("/persons", &[("resident_id", "")]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(r.body.contains("请填写身份证号码"), "{}", r.body);
        let r = c.post("/persons", &[("resident_id", unknown)]).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(r.body.contains("未找到该身份证号码的记录"), "{}", r.body);
        assert!(!r.body.contains(unknown), "{}", r.body);
        assert_eq!(person_lookups(&app).await.len(), 2);
        // Without the form's token: refused, and not a lookup.
        let r = c
            .post("/persons", &[("resident_id", unknown), ("_csrf", "x")])
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
        assert_eq!(person_lookups(&app).await.len(), 2);
    })
    .await;
}

/// A lookup confirms or denies a number: one reader looks up at most
/// `PERSON_LOOKUPS_PER_HOUR` persons an hour, so the hidden birth date of a number shown masked
/// cannot be tried day by day; a malformed number does not count.
#[tokio::test]
async fn a_reader_looks_up_a_bounded_number_of_persons_an_hour() {
    each_db(true, |app| async move {
        let (s, _) = person_record(&app, "staff", "110105194912310021").await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        for _ in 0..shuangda::enterprises::PERSON_LOOKUPS_PER_HOUR {
            let (s, body) = person_record(&app, "staff", "11010519491231002X").await;
            assert_eq!(s, StatusCode::OK, "{body}");
        }
        let (s, _) = person_record(&app, "staff", "11010519491231002X").await;
        assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
        // Another reader has a budget of its own.
        let (s, _) = person_record(&app, "director", "11010519491231002X").await;
        assert_eq!(s, StatusCode::OK);
    })
    .await;
}
