//! Penalty decisions and their disclosure (issue #15; seed 002 (七)2; 国发〔2014〕6号; SAMR Order
//! 45) on both databases: a decision recorded by its organ, its publication generated with the
//! personal data redacted, reviewed and approved on its 20-working-day clock, shown on the
//! public lookup; revoked, taken down on its 5-working-day clock and answering "已撤下"; the
//! fields that must be public cannot be hidden; nothing unpublished is reachable publicly.

mod common;

use axum::http::{Method, StatusCode};
use common::{App, call, each_db};
use serde_json::{Value, json};
use shuangda::calendar::Period;

fn decision(number: &str, decided_on: &str) -> Value {
    json!({
        "number": number,
        "party_kind": "enterprise",
        "party_name": "信阳市某商贸有限公司",
        "party_code": "91411500MA4000001P",
        "legal_representative": "李某某",
        "party_address": "信阳市浉河区某路1号",
        "facts": "当事人销售假冒注册商标的白酒120箱，经营者王小明（身份证号码411502198001011234，电话13912345678）供述货源来自某地，货款汇入账号6222021234567890123。",
        "provisions": "《中华人民共和国商标法》第五十七条第（三）项",
        "kinds": ["fine", "confiscate_goods"],
        "fine": "50000",
        "penalty": "没收假冒白酒120箱，罚款50000元",
        "basis": "《中华人民共和国商标法》第六十条第二款",
        "procedure": "general",
        "decided_on": decided_on,
        "other_persons": ["王小明"],
        "trade_secrets": ["货源来自某地"]
    })
}

async fn step(app: &App, who: &str, id: i64, body: Value) -> (StatusCode, Value) {
    call(
        app,
        who,
        Method::POST,
        &format!("/api/v1/penalties/{id}/steps"),
        Some(body),
    )
    .await
}

fn clock<'a>(d: &'a Value, clause_part: &str) -> &'a Value {
    d["deadlines"]
        .as_array()
        .expect("deadlines")
        .iter()
        .find(|c| {
            c["clause"]
                .as_str()
                .is_some_and(|s| s.contains(clause_part))
        })
        .unwrap_or_else(|| panic!("no clock {clause_part}: {d}"))
}

#[tokio::test]
async fn a_decision_is_published_redacted_on_its_clock_then_revoked_and_taken_down() {
    each_db(true, |app| async move {
        let cal = app.state.calendar();
        let decided = app.today() - chrono::Duration::days(3);
        // Recorded by the market regulation bureau (its liaison): not by the office.
        let body = decision("信市监处罚〔2026〕12号", &decided.to_string());
        let (s, _) = call(
            &app,
            "staff",
            Method::POST,
            "/api/v1/penalties",
            Some(body.clone()),
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, v) = call(
            &app,
            "liaison.scjg",
            Method::POST,
            "/api/v1/penalties",
            Some(body.clone()),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let id = v["id"].as_i64().expect("id");
        // The same number twice: refused against the field, nothing written.
        let (s, v) = call(
            &app,
            "liaison.scjg",
            Method::POST,
            "/api/v1/penalties",
            Some(body),
        )
        .await;
        assert_eq!(
            (s, v["error"]["fields"][0]["code"].clone()),
            (StatusCode::UNPROCESSABLE_ENTITY, json!("taken")),
            "{v}"
        );

        let get = |who: &'static str| {
            let app = &app;
            async move {
                call(
                    app,
                    who,
                    Method::GET,
                    &format!("/api/v1/penalties/{id}"),
                    None,
                )
                .await
            }
        };
        let (s, d) = get("liaison.scjg").await;
        assert_eq!(s, StatusCode::OK, "{d}");
        assert_eq!(d["state"], "pending");
        // 国发〔2014〕6号: 20 working days from the decision.
        let publish = clock(&d, "国发〔2014〕6号");
        let due = cal.due_date(decided, Period::WorkingDays(20)).expect("due");
        assert_eq!(publish["due_date"], due.to_string(), "{publish}");
        // The reviewer sees exactly what will be public, each redaction marked.
        let facts = d["publication"]
            .as_array()
            .expect("publication")
            .iter()
            .find(|f| f["field"] == "facts")
            .expect("facts")
            .clone();
        let public = facts["public"].as_str().expect("public");
        for hidden in [
            "411502198001011234",
            "13912345678",
            "6222021234567890123",
            "王小明",
            "货源来自某地",
        ] {
            assert!(!public.contains(hidden), "{hidden} in {public}");
        }
        let kinds: Vec<&str> = facts["segments"]
            .as_array()
            .expect("segments")
            .iter()
            .filter_map(|s| s["redacted_as"].as_str())
            .collect();
        for k in [
            "身份证号码",
            "联系电话",
            "银行账号",
            "自然人姓名",
            "商业秘密",
        ] {
            assert!(kinds.contains(&k), "{k}: {kinds:?}");
        }
        // The fields that must be public are public, whole.
        let field = |d: &Value, f: &str| {
            d["publication"]
                .as_array()
                .expect("p")
                .iter()
                .find(|x| x["field"] == f)
                .map(|x| x["public"].clone())
                .unwrap_or(Value::Null)
        };
        assert_eq!(field(&d, "decision_number"), "信市监处罚〔2026〕12号");
        assert_eq!(field(&d, "party_name"), "信阳市某商贸有限公司");
        assert_eq!(field(&d, "credit_code"), "91411500MA4000001P");
        assert_eq!(field(&d, "organ"), "信阳市市场监督管理局");
        // Nothing of it is public before it is approved.
        let public_get = |id: i64| {
            let app = &app;
            async move {
                common::api(
                    app,
                    Method::GET,
                    &format!("/api/v1/public/penalties/{id}"),
                    None,
                    None,
                )
                .await
            }
        };
        assert_eq!(public_get(id).await.status, StatusCode::NOT_FOUND);

        // The review cannot hide what must be public.
        let (s, v) = step(
            &app,
            "liaison.scjg",
            id,
            json!({"step": "review",
            "hide": [{"field": "credit_code", "phrase": "91411500MA4000001P"}]}),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(v["error"]["fields"][0]["code"], "never_redacted", "{v}");
        let (_, d) = get("liaison.scjg").await;
        assert_eq!(d["state"], "pending", "the refused review changed nothing");
        // Approval is the head's, after the review.
        let (s, _) = step(&app, "head.scjg", id, json!({"step": "approve"})).await;
        assert_eq!(s, StatusCode::CONFLICT);
        let (s, v) = step(
            &app,
            "liaison.scjg",
            id,
            json!({"step": "review",
            "hide": [{"field": "facts", "phrase": "某地"}], "text": "已核对"}),
        )
        .await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
        let (s, _) = step(&app, "liaison.scjg", id, json!({"step": "approve"})).await;
        assert_eq!(s, StatusCode::CONFLICT, "staff do not approve");
        // Two approvals at once: one publishes, the other is refused.
        let (a, b) = tokio::join!(
            step(&app, "head.scjg", id, json!({"step": "approve"})),
            step(&app, "head.scjg", id, json!({"step": "approve"}))
        );
        let mut got = vec![a.0, b.0];
        got.sort();
        assert_eq!(
            got,
            vec![StatusCode::NO_CONTENT, StatusCode::CONFLICT],
            "{} {}",
            a.1,
            b.1
        );
        let (_, d) = get("liaison.scjg").await;
        assert_eq!(d["state"], "published");
        assert_eq!(clock(&d, "国发〔2014〕6号")["state"], "met");
        // Order 45 第十四条: a fine of 50,000 yuan with confiscation stays three years.
        let until = cal
            .due_date(
                app.today(),
                Period::Years {
                    n: 3,
                    roll_forward: false,
                },
            )
            .expect("until");
        assert_eq!(d["display_until"], until.to_string());
        assert_eq!(clock(&d, "第十四条")["due_date"], until.to_string());

        // The public sees the publication as approved.
        let r = public_get(id).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let shown = r.json();
        assert_eq!(shown["status"], "published");
        let text = shown.to_string();
        assert!(
            text.contains("信市监处罚〔2026〕12号") && text.contains("91411500MA4000001P"),
            "{text}"
        );
        for hidden in ["411502198001011234", "13912345678", "王小明", "某地"] {
            assert!(!text.contains(hidden), "{hidden} in {text}");
        }
        let r = common::api(
            &app,
            Method::GET,
            "/api/v1/public/penalties?credit_code=91411500MA4000001P",
            None,
            None,
        )
        .await;
        assert_eq!(r.json()["items"][0]["id"], id, "{}", r.body);
        let r = common::api(
            &app,
            Method::GET,
            &format!(
                "/api/v1/public/penalties?q={}",
                urlencode("信阳市某商贸有限公司")
            ),
            None,
            None,
        )
        .await;
        assert_eq!(r.json()["items"][0]["id"], id, "{}", r.body);
        // A part of a name is not a lookup (it would read every publication); the browse
        // without a party still finds it among the newest.
        let r = common::api(
            &app,
            Method::GET,
            &format!("/api/v1/public/penalties?q={}", urlencode("某商贸")),
            None,
            None,
        )
        .await;
        assert_eq!(r.json()["items"], json!([]), "{}", r.body);
        let r = common::api(
            &app,
            Method::GET,
            &format!("/api/v1/public/penalties?organ={}", urlencode("市场监督")),
            None,
            None,
        )
        .await;
        assert_eq!(r.json()["items"][0]["id"], id, "{}", r.body);
        // Also on the public listener.
        let mut pc = app.public_client();
        let r = pc.get(&format!("/api/v1/public/penalties/{id}")).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let r = common::api(
            &app,
            Method::GET,
            "/api/v1/public/penalties?credit_code=91411500MA4000001X",
            None,
            None,
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        // The public pages: the search, the publication, the list as a workbook.
        let page = pc
            .get("/public/penalties?credit_code=91411500MA4000001P")
            .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(
            page.body
                .contains(&format!("href=\"/public/penalties/{id}\"")),
            "{}",
            page.body
        );
        let page = pc
            .get("/public/penalties?credit_code=91411500MA4000001X")
            .await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            page.body.contains("data-field=\"credit_code\""),
            "{}",
            page.body
        );
        let page = pc.get(&format!("/public/penalties/{id}")).await;
        assert!(
            page.body.contains("信市监处罚〔2026〕12号") && !page.body.contains("13912345678"),
            "{}",
            page.body
        );
        assert!(
            page.body.contains("［"),
            "the redactions are marked: {}",
            page.body
        );
        let r = pc
            .get(&format!(
                "/public/penalties.xlsx?q={}",
                urlencode("信阳市某商贸有限公司")
            ))
            .await;
        assert_eq!(r.status, StatusCode::OK);
        let mut book: calamine::Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(r.bytes.clone())).expect("xlsx");
        let sheet = calamine::Reader::worksheet_range_at(&mut book, 0)
            .expect("sheet")
            .expect("range");
        let cells: Vec<String> = sheet
            .rows()
            .flat_map(|r| r.iter().map(|c| c.to_string()))
            .collect();
        assert!(
            cells.contains(&"信市监处罚〔2026〕12号".to_string()),
            "{cells:?}"
        );
        assert!(
            cells.contains(&"91411500MA4000001P".to_string()),
            "{cells:?}"
        );

        // The decision is revoked: off the public pages at once, down within 5 working days.
        let (s, _) = step(
            &app,
            "liaison.scjg",
            id,
            json!({"step": "revoke", "decision_state": "revoked", "text": "经行政复议撤销"}),
        )
        .await;
        assert_eq!(s, StatusCode::CONFLICT, "the head records it");
        let (s, v) = step(
            &app,
            "head.scjg",
            id,
            json!({"step": "revoke", "decision_state": "revoked"}),
        )
        .await;
        assert_eq!(
            (s, v["error"]["fields"][0]["field"].clone()),
            (StatusCode::UNPROCESSABLE_ENTITY, json!("text")),
            "{v}"
        );
        let (s, v) = step(
            &app,
            "head.scjg",
            id,
            json!({"step": "revoke", "decision_state": "revoked", "text": "经行政复议撤销"}),
        )
        .await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
        let (s, _) = step(
            &app,
            "head.scjg",
            id,
            json!({"step": "revoke", "decision_state": "annulled", "text": "再次"}),
        )
        .await;
        assert_eq!(s, StatusCode::CONFLICT, "revoked once");
        let r = public_get(id).await;
        assert_eq!(
            r.json(),
            json!({"status": "taken_down", "notice": "已撤下"}),
            "{}",
            r.body
        );
        let r = common::api(
            &app,
            Method::GET,
            "/api/v1/public/penalties?credit_code=91411500MA4000001P",
            None,
            None,
        )
        .await;
        assert_eq!(r.json()["items"], json!([]), "{}", r.body);
        let (_, d) = get("liaison.scjg").await;
        let takedown = clock(&d, "撤销");
        let due = cal
            .due_date(app.today(), Period::WorkingDays(5))
            .expect("due");
        assert_eq!(takedown["due_date"], due.to_string(), "{takedown}");
        // Taken down with its note.
        let (s, v) = step(&app, "liaison.scjg", id, json!({"step": "take_down"})).await;
        assert_eq!(
            (s, v["error"]["fields"][0]["field"].clone()),
            (StatusCode::UNPROCESSABLE_ENTITY, json!("text")),
            "{v}"
        );
        let (s, v) = step(
            &app,
            "liaison.scjg",
            id,
            json!({"step": "take_down", "text": "处罚决定已被撤销，撤下公示"}),
        )
        .await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
        let (_, d) = get("staff").await;
        assert_eq!(
            d["state"], "taken_down",
            "the office reads the history: {d}"
        );
        assert_eq!(clock(&d, "撤销")["state"], "met");
        assert!(d["events"].as_array().expect("events").len() >= 5, "{d}");
        let r = public_get(id).await;
        assert_eq!(r.json()["status"], "taken_down");
        let page = pc.get(&format!("/public/penalties/{id}")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.body.contains("已撤下") && !page.body.contains("信市监处罚〔2026〕12号"),
            "{}",
            page.body
        );
        // Another unit does not see it.
        let (s, _) = get("handler.gaj").await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let audited: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM audit_log WHERE object_type = 'penalty' AND object_id = $1",
        )
        .bind(id.to_string())
        .fetch_one(&app.db.pool)
        .await
        .expect("audit");
        assert_eq!(
            audited, 5,
            "record, review, approve, revoke, take down; the refused steps left none"
        );
    })
    .await;
}

fn urlencode(s: &str) -> String {
    s.bytes().map(|b| format!("%{b:02X}")).collect()
}

#[tokio::test]
async fn what_is_not_published_stays_off_the_public_pages() {
    each_db(true, |app| async move {
        let today = app.today().to_string();
        let post = |body: Value| {
            let app = &app;
            async move { call(app, "liaison.scjg", Method::POST, "/api/v1/penalties", Some(body)).await }
        };
        // A warning only, and a summary-procedure fine: outside the scope, no clock.
        let mut warning = decision("信市监处罚〔2026〕21号", &today);
        warning["kinds"] = json!(["warning"]);
        warning["fine"] = Value::Null;
        warning["penalty"] = json!("警告");
        let (s, v) = post(warning).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let w = v["id"].as_i64().expect("id");
        let mut summary = decision("信市监处罚〔2026〕22号", &today);
        summary["procedure"] = json!("summary");
        let (_, v) = post(summary).await;
        let sm = v["id"].as_i64().expect("id");
        for id in [w, sm] {
            let (_, d) = call(&app, "liaison.scjg", Method::GET, &format!("/api/v1/penalties/{id}"), None).await;
            assert_eq!(d["state"], "not_published", "{d}");
            assert_eq!(d["deadlines"], json!([]), "{d}");
            assert!(d["out_of_scope"].as_str().is_some_and(|s| !s.is_empty()), "{d}");
        }
        // Exempted by the head with a reason (a minor involved).
        let (_, v) = post(decision("信市监处罚〔2026〕23号", &today)).await;
        let ex = v["id"].as_i64().expect("id");
        let (s, _) = step(&app, "liaison.scjg", ex, json!({"step": "exempt", "exemption": "minor", "text": "涉及未成年人"})).await;
        assert_eq!(s, StatusCode::CONFLICT, "the head decides");
        let (s, v) = step(&app, "head.scjg", ex, json!({"step": "exempt", "exemption": "minor"})).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "a reason is required: {v}");
        let (s, v) = step(&app, "head.scjg", ex, json!({"step": "exempt", "exemption": "minor", "text": "当事人雇用未成年人，公开将泄露其信息"})).await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
        let (_, d) = call(&app, "liaison.scjg", Method::GET, &format!("/api/v1/penalties/{ex}"), None).await;
        assert_eq!(d["state"], "not_published");
        assert_eq!(d["deadlines"][0]["state"], "waived", "{d}");
        // A pending one and a reviewed one.
        let (_, v) = post(decision("信市监处罚〔2026〕24号", &today)).await;
        let pending = v["id"].as_i64().expect("id");
        let (_, v) = post(decision("信市监处罚〔2026〕25号", &today)).await;
        let reviewed = v["id"].as_i64().expect("id");
        assert_eq!(step(&app, "liaison.scjg", reviewed, json!({"step": "review"})).await.0, StatusCode::NO_CONTENT);
        // Probe every id up to past the last: none answers publicly.
        let max: i64 = sqlx::query_scalar("SELECT MAX(id) FROM penalty_decisions").fetch_one(&app.db.pool).await.expect("max");
        for id in 0..=max + 2 {
            let r = common::api(&app, Method::GET, &format!("/api/v1/public/penalties/{id}"), None, None).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{id}: {}", r.body);
        }
        let r = common::api(&app, Method::GET, "/api/v1/public/penalties", None, None).await;
        assert_eq!(r.json()["items"], json!([]), "{}", r.body);
        // The public site says "not found" in its own layout, on either listener.
        for mut c in [app.public_client(), app.client()] {
            let page = c.get(&format!("/public/penalties/{pending}")).await;
            assert_eq!(page.status, StatusCode::NOT_FOUND);
            assert!(page.body.contains("public-nav") && !page.body.contains("双打协同平台"), "{}", page.body);
        }
        let page = app.public_client().get("/cases").await;
        assert_eq!(page.status, StatusCode::NOT_FOUND);
        assert!(!page.body.contains("双打协同平台"), "{}", page.body);
        // The same decision sent twice at once: one record.
        let twice = decision("信市监处罚〔2026〕27号", &today);
        let (a, b) = tokio::join!(post(twice.clone()), post(twice));
        let mut got = vec![a.0, b.0];
        got.sort();
        assert_eq!(got, vec![StatusCode::CREATED, StatusCode::UNPROCESSABLE_ENTITY], "{} {}", a.1, b.1);
        // A small fine stays three months (Order 45 第十四条; 3,000 yuan by default).
        let mut small = decision("信市监处罚〔2026〕26号", &today);
        small["kinds"] = json!(["fine"]);
        small["fine"] = json!("3000");
        let (_, v) = post(small).await;
        let id = v["id"].as_i64().expect("id");
        assert_eq!(step(&app, "liaison.scjg", id, json!({"step": "review"})).await.0, StatusCode::NO_CONTENT);
        assert_eq!(step(&app, "head.scjg", id, json!({"step": "approve"})).await.0, StatusCode::NO_CONTENT);
        let (_, d) = call(&app, "liaison.scjg", Method::GET, &format!("/api/v1/penalties/{id}"), None).await;
        let until = app.state.calendar().due_date(app.today(), Period::Months { n: 3, roll_forward: false }).expect("until");
        assert_eq!(d["display_until"], until.to_string());
        // Still running: it cannot be taken down early.
        assert_eq!(step(&app, "liaison.scjg", id, json!({"step": "take_down"})).await.0, StatusCode::CONFLICT);
    })
    .await;
}

#[tokio::test]
async fn the_organ_records_reviews_and_publishes_through_its_pages() {
    each_db(true, |app| async move {
        let mut c = app.client();
        c.login("liaison.scjg", common::PASSWORD).await;
        let page = c.get("/penalties").await;
        assert!(page.body.contains("id=\"new-penalty\""), "{}", page.body);
        let today = app.today().to_string();
        let mut form = vec![
            ("number", "信市监处罚〔2026〕31号"),
            ("party_kind", "person"),
            ("party_name", "张某"),
            ("party_code", "11010519491231002X"),
            ("party_address", "信阳市浉河区某小区3栋"),
            (
                "facts",
                "当事人在某市场摆摊销售假冒运动鞋30双，联系电话13800138000。",
            ),
            ("provisions", "《中华人民共和国商标法》第五十七条第（三）项"),
            ("kinds", "fine"),
            ("kinds", "confiscate_goods"),
            ("fine", "2000"),
            ("penalty", "没收假冒运动鞋30双，罚款2000元"),
            ("basis", "《中华人民共和国商标法》第六十条第二款"),
            ("procedure", "general"),
            ("decided_on", today.as_str()),
            ("other_persons", "李四\n王五"),
            ("trade_secrets", ""),
        ];
        // A field error in Chinese against its field, the input kept.
        form[3] = ("party_code", "110105194912310021");
        let r = c.post("/penalties/new", &form).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("data-field=\"party_code\""), "{}", r.body);
        assert!(r.body.contains("信市监处罚〔2026〕31号"), "input kept");
        form[3] = ("party_code", "11010519491231002X");
        let r = c.post("/penalties/new", &form).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let to = r.location().to_string();
        let page = c.get(&to).await;
        // The resident ID masked; the phone marked for the reviewer; the person's name public.
        assert!(!page.body.contains("11010519491231002X"), "{}", page.body);
        assert!(
            page.body
                .contains("<mark title=\"联系电话，不予公开\">13800138000</mark>"),
            "{}",
            page.body
        );
        let id: i64 = to
            .trim_start_matches("/penalties/")
            .split('?')
            .next()
            .expect("id")
            .parse()
            .expect("id");
        let r = c
            .post(
                &format!("/penalties/{id}/step"),
                &[
                    ("step", "review"),
                    ("hide_field", "facts"),
                    ("hide_phrase", "某市场"),
                    ("text", ""),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let page = c.get(&format!("/penalties/{id}")).await;
        assert!(
            !page.body.contains("id=\"step-approve\""),
            "the liaison does not approve"
        );
        let mut head = app.client();
        head.login("head.scjg", common::PASSWORD).await;
        let page = head.get(&format!("/penalties/{id}")).await;
        assert!(page.body.contains("id=\"step-approve\""), "{}", page.body);
        let r = head
            .post(
                &format!("/penalties/{id}/step"),
                &[("step", "approve"), ("text", "同意")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let mut pc = app.public_client();
        let page = pc.get(&format!("/public/penalties/{id}")).await;
        assert!(
            page.body.contains("张某"),
            "the party is named: {}",
            page.body
        );
        for hidden in [
            "13800138000",
            "某市场",
            "11010519491231002X",
            "浉河区某小区",
        ] {
            assert!(!page.body.contains(hidden), "{hidden}: {}", page.body);
        }
        // A step the reader may not take: a message, not a crash.
        let r = c
            .post(
                &format!("/penalties/{id}/step"),
                &[
                    ("step", "revoke"),
                    ("decision_state", "revoked"),
                    ("text", "x"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
        assert!(r.body.contains("id=\"step-error\""), "{}", r.body);
    })
    .await;
}

#[tokio::test]
async fn an_objection_is_received_publicly_and_answered_by_the_organ() {
    each_db(true, |app| async move {
        let today = app.today();
        let (_, v) = call(
            &app,
            "liaison.scjg",
            Method::POST,
            "/api/v1/penalties",
            Some(decision("信市监处罚〔2026〕71号", &today.to_string())),
        )
        .await;
        let id = v["id"].as_i64().expect("id");
        let (_, v) = call(
            &app,
            "liaison.scjg",
            Method::POST,
            "/api/v1/penalties",
            Some(decision("信市监处罚〔2026〕72号", &today.to_string())),
        )
        .await;
        let pending = v["id"].as_i64().expect("id");
        assert_eq!(
            step(&app, "liaison.scjg", id, json!({"step": "review"}))
                .await
                .0,
            StatusCode::NO_CONTENT
        );
        assert_eq!(
            step(&app, "head.scjg", id, json!({"step": "approve"}))
                .await
                .0,
            StatusCode::NO_CONTENT
        );
        let object = |body: Value| {
            let app = &app;
            async move {
                common::api(
                    app,
                    Method::POST,
                    "/api/v1/public/objections",
                    None,
                    Some(body),
                )
                .await
            }
        };
        let body = |record: String| {
            json!({
                "record": record, "name": "信阳市某商贸有限公司", "phone": "13800138000",
                "reason": "公示的罚款金额与处罚决定书不一致，决定书为罚款5万元。"
            })
        };
        // Only to what is public now; each wrong field named.
        let r = object(body(format!("penalty:{pending}"))).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert_eq!(r.json()["error"]["fields"][0]["code"], "not_found");
        let mut bad = body(format!("penalty:{id}"));
        bad["phone"] = json!("12345");
        let r = object(bad).await;
        assert_eq!(
            r.json()["error"]["fields"][0]["field"],
            "phone",
            "{}",
            r.body
        );
        let r = object(body(format!("penalty:{id}"))).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let s = r.json();
        let (number, password) = (
            s["number"].as_str().expect("number").to_string(),
            s["password"].as_str().expect("pw").to_string(),
        );
        let track = |password: String| {
            let app = &app;
            let number = number.clone();
            async move {
                common::api(
                    app,
                    Method::POST,
                    "/api/v1/public/objections/track",
                    None,
                    Some(json!({"number": number, "password": password})),
                )
                .await
            }
        };
        assert_eq!(
            track("AAAA-BBBB-CCCC-DDDD".into()).await.status,
            StatusCode::NOT_FOUND
        );
        let t = track(password.clone()).await;
        assert_eq!(t.json()["state"], "正在核实", "{}", t.body);
        // The organ sees it on the decision's page, with its clock.
        let (_, d) = call(
            &app,
            "liaison.scjg",
            Method::GET,
            &format!("/api/v1/penalties/{id}"),
            None,
        )
        .await;
        let oid = d["objections"][0]["id"].as_i64().expect("objection id");
        let due = app
            .state
            .calendar()
            .due_date(today, Period::WorkingDays(15))
            .expect("due");
        assert_eq!(s["due_on"], due.to_string());
        let answer = |who: &'static str, body: Value| {
            let app = &app;
            async move {
                let mut body = body;
                body["step"] = json!("answer");
                call(
                    app,
                    who,
                    Method::POST,
                    &format!("/api/v1/objections/{oid}/steps"),
                    Some(body),
                )
                .await
            }
        };
        assert_eq!(
            answer("handler.gaj", json!({"text": "x"})).await.0,
            StatusCode::NOT_FOUND,
            "another unit"
        );
        assert_eq!(
            answer("staff", json!({"text": "x"})).await.0,
            StatusCode::CONFLICT,
            "the office reads only"
        );
        assert_eq!(
            answer("liaison.scjg", json!({})).await.0,
            StatusCode::UNPROCESSABLE_ENTITY
        );
        let (a, b) = tokio::join!(
            answer(
                "liaison.scjg",
                json!({"upheld": false, "text": "经核实，公示内容与决定书一致。"})
            ),
            answer(
                "liaison.scjg",
                json!({"upheld": false, "text": "经核实，公示内容与决定书一致。"})
            )
        );
        let mut got = vec![a.0, b.0];
        got.sort();
        assert_eq!(got, vec![StatusCode::NO_CONTENT, StatusCode::CONFLICT]);
        let t = track(password).await.json();
        assert_eq!(t["state"], "已答复");
        assert_eq!(t["upheld"], false);
        assert_eq!(t["answer"], "经核实，公示内容与决定书一致。");
        let (_, o) = call(
            &app,
            "liaison.scjg",
            Method::GET,
            &format!("/api/v1/objections/{oid}"),
            None,
        )
        .await;
        assert_eq!(o["state"], "answered", "{o}");
        // Through the public pages.
        let mut pc = app.public_client();
        let page = pc.get(&format!("/public/penalties/{id}")).await;
        assert!(
            page.body
                .contains(&format!("/public/objection?record=penalty:{id}")),
            "{}",
            page.body
        );
        let form = pc
            .get(&format!("/public/objection?record=penalty:{id}"))
            .await;
        assert!(form.body.contains("行政处罚信息"), "{}", form.body);
        let record = format!("penalty:{id}");
        let r = pc
            .post(
                "/public/objection",
                &[
                    ("record", record.as_str()),
                    ("name", ""),
                    ("phone", "13800138000"),
                    ("reason", "有误"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            r.body.contains("data-field=\"name\"") && r.body.contains("aria-invalid=\"true\""),
            "{}",
            r.body
        );
        let r = pc
            .post(
                "/public/objection",
                &[
                    ("record", record.as_str()),
                    ("name", "张某"),
                    ("phone", "13800138000"),
                    ("reason", "当事人名称有误"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(r.body.contains("id=\"objection-no\""), "{}", r.body);
        // A form posted from another site is refused, as the report forms are.
        let body = format!("record=penalty:{id}&name=x&phone=13800138000&reason=x");
        let req = axum::http::Request::builder()
            .method("POST")
            .uri("/public/objection")
            .header("host", "gongshi.example.gov.cn")
            .header("origin", "https://evil.example")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(axum::body::Body::from(body))
            .expect("request");
        assert_eq!(pc.send(req).await.status, StatusCode::FORBIDDEN);
    })
    .await;
}

#[tokio::test]
async fn the_demo_penalties_are_made_through_the_operations() {
    each_db(true, |app| async move {
        shuangda::demo::load_penalties(&app.state)
            .await
            .expect("demo penalties");
        let states: Vec<String> =
            sqlx::query_scalar("SELECT state FROM penalty_decisions ORDER BY id")
                .fetch_all(&app.db.pool)
                .await
                .expect("states");
        assert_eq!(states, ["published", "pending", "published"]);
        let r = common::api(&app, Method::GET, "/api/v1/public/penalties", None, None).await;
        let items = r.json()["items"].as_array().expect("items").len();
        assert_eq!(items, 2, "{}", r.body);
        assert!(!r.body.contains("13912345678"));
        let r = common::api(
            &app,
            Method::GET,
            "/api/v1/public/listings?credit_code=91411500MA40000054",
            None,
            None,
        )
        .await;
        assert_eq!(
            r.json()["items"][0]["legal_representative"],
            "陈某某",
            "{}",
            r.body
        );
    })
    .await;
}
