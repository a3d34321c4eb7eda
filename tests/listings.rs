//! The serious-violation list (issue #15; seed 002 (六)2; SAMR Order 44) on both databases: a
//! listing from a heavier penalty, the party told and heard before the head decides, linked
//! persons, the public lookup, early removal after credit repair, and revocation when the
//! penalty is revoked — each on its clock.

mod common;

use axum::http::{Method, StatusCode};
use common::{App, call, each_db};
use serde_json::{Value, json};
use shuangda::calendar::Period;

const CODE: &str = "91411500MA4000001P";

/// A decision of the market regulation bureau against 信阳市某商贸有限公司, of `kinds`.
async fn decision(app: &App, number: &str, kinds: Value) -> i64 {
    let fine = kinds.as_array().is_some_and(|k| k.contains(&json!("fine")));
    let (s, v) = call(app, "liaison.scjg", Method::POST, "/api/v1/penalties", Some(json!({
        "number": number, "party_kind": "enterprise", "party_name": "信阳市某商贸有限公司",
        "party_code": CODE, "legal_representative": "李某某",
        "facts": "当事人大量生产销售假冒注册商标的白酒，货值逾百万元。",
        "provisions": "《中华人民共和国商标法》第五十七条第（三）项",
        "kinds": kinds, "fine": if fine { json!("500000") } else { Value::Null },
        "penalty": "责令停产停业，罚款500000元", "basis": "《中华人民共和国商标法》第六十条第二款",
        "procedure": "general", "decided_on": app.today().to_string()
    }))).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v["id"].as_i64().expect("id")
}

fn proposal(decision: i64) -> Value {
    json!({
        "decision_id": decision,
        "reasons": "当事人因制售假冒注册商标的白酒受到责令停产停业的较重行政处罚。",
        "notified_on": "",
        "persons": [
            {"role": "legal_representative", "name": "李某某", "resident_id": "11010519491231002X"},
            {"role": "responsible", "name": "赵某"}
        ]
    })
}

async fn step(app: &App, who: &str, id: i64, body: Value) -> (StatusCode, Value) {
    call(
        app,
        who,
        Method::POST,
        &format!("/api/v1/listings/{id}/steps"),
        Some(body),
    )
    .await
}

fn clock<'a>(d: &'a Value, part: &str) -> &'a Value {
    d["deadlines"]
        .as_array()
        .expect("deadlines")
        .iter()
        .find(|c| c["clause"].as_str().is_some_and(|s| s.contains(part)))
        .unwrap_or_else(|| panic!("no clock {part}: {d}"))
}

#[tokio::test]
async fn a_listing_is_told_heard_decided_published_and_removed_early_after_repair() {
    each_db(true, |app| async move {
        // This office lets a party apply for credit repair at once, so that the test need
        // not wait a year (the default, one year, is asserted in listing::tests).
        let mut config = app.state.config.clone();
        config.listings.repair_after_years = 0;
        let app = app.with_config(config);
        let cal = app.state.calendar();
        let today = app.today();
        // A fine alone is not a heavier penalty: refused against the decision.
        let fine_only = decision(&app, "信市监处罚〔2026〕41号", json!(["fine"])).await;
        let mut p = proposal(fine_only);
        p["notified_on"] = json!(today.to_string());
        let (s, v) = call(&app, "liaison.scjg", Method::POST, "/api/v1/listings", Some(p.clone())).await;
        assert_eq!((s, v["error"]["fields"][0]["code"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!("not_allowed")), "{v}");
        // Set under the aggravating rule, it is.
        p["aggravated_fine"] = json!(true);
        let (s, v) = call(&app, "liaison.scjg", Method::POST, "/api/v1/listings", Some(p)).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");

        let id = decision(&app, "信市监处罚〔2026〕42号", json!(["fine", "stop_business"])).await;
        let mut p = proposal(id);
        p["notified_on"] = json!(today.to_string());
        // Not the office (it reads, it does not list), not the police (it does not see it).
        let (s, v) = call(&app, "staff", Method::POST, "/api/v1/listings", Some(p.clone())).await;
        assert_eq!((s, v["error"]["fields"][0]["code"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!("not_allowed")), "{v}");
        let (s, v) = call(&app, "handler.gaj", Method::POST, "/api/v1/listings", Some(p.clone())).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        // A wrong resident ID of a linked person is named against its field.
        let mut bad = p.clone();
        bad["persons"][0]["resident_id"] = json!("110105194912310021");
        let (s, v) = call(&app, "liaison.scjg", Method::POST, "/api/v1/listings", Some(bad)).await;
        assert_eq!((s, v["error"]["fields"][0]["field"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!("persons.0.resident_id")), "{v}");
        // Two at once: one listing.
        let (a, b) = tokio::join!(
            call(&app, "liaison.scjg", Method::POST, "/api/v1/listings", Some(p.clone())),
            call(&app, "liaison.scjg", Method::POST, "/api/v1/listings", Some(p.clone()))
        );
        let mut got = vec![a.0, b.0];
        got.sort();
        assert_eq!(got, vec![StatusCode::CREATED, StatusCode::UNPROCESSABLE_ENTITY], "{} {}", a.1, b.1);
        let lid = if a.0 == StatusCode::CREATED { &a.1 } else { &b.1 }["id"].as_i64().expect("id");
        let get = || {
            let app = &app;
            async move { call(app, "liaison.scjg", Method::GET, &format!("/api/v1/listings/{lid}"), None).await.1 }
        };
        let d = get().await;
        assert_eq!(d["state"], "notified");
        // The party has 5 working days from the notice to state its case.
        let due = cal.due_date(today, Period::WorkingDays(5)).expect("due");
        assert_eq!(clock(&d, "陈述")["due_date"], due.to_string(), "{d}");
        assert_eq!(d["persons"].as_array().expect("persons").len(), 2);
        assert!(!d.to_string().contains("11010519491231002X"), "no resident ID in full: {d}");
        // The head cannot decide before the party was heard; the liaison records it.
        let (s, v) = step(&app, "head.scjg", lid, json!({"step": "list", "text": "列入"})).await;
        assert_eq!(s, StatusCode::CONFLICT, "{v}");
        let (s, v) = step(&app, "liaison.scjg", lid, json!({"step": "record_statement", "hearing": true, "text": "当事人要求听证，称已停止销售。"})).await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
        assert_eq!(clock(&get().await, "陈述")["state"], "met");
        // A further statement is kept beside the first, never over it.
        let (s, v) = step(&app, "liaison.scjg", lid, json!({"step": "record_statement", "text": "当事人补充提交整改材料。"})).await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
        let said = get().await["statement"].as_str().expect("statement").to_string();
        assert!(said.contains("当事人要求听证，称已停止销售。") && said.contains("当事人补充提交整改材料。"), "{said}");
        let (s, _) = step(&app, "liaison.scjg", lid, json!({"step": "list", "text": "列入"})).await;
        assert_eq!(s, StatusCode::CONFLICT, "the head decides");
        let (s, v) = step(&app, "head.scjg", lid, json!({"step": "list"})).await;
        assert_eq!((s, v["error"]["fields"][0]["field"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!("text")), "reasons required: {v}");
        let (s, v) = step(&app, "head.scjg", lid, json!({"step": "list", "text": "经听证，当事人陈述申辩理由不成立，决定列入。"})).await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
        let d = get().await;
        assert_eq!(d["state"], "listed");
        // Three years.
        let until = cal.due_date(today, Period::Years { n: 3, roll_forward: false }).expect("until");
        assert_eq!(d["listed_until"], until.to_string());
        assert_eq!(clock(&d, "期限届满")["due_date"], until.to_string());

        // The public lookup, by code and by name, on the public listener.
        let r = common::api(&app, Method::GET, &format!("/api/v1/public/listings?credit_code={CODE}"), None, None).await;
        let rows = r.json()["items"].as_array().expect("items").clone();
        assert!(rows.iter().any(|r| r["id"] == lid && r["legal_representative"] == "李某某"), "{rows:?}");
        let mut pc = app.public_client();
        let page = pc.get(&format!("/public/listings?credit_code={CODE}")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("信阳市某商贸有限公司") && page.body.contains("李某某"), "{}", page.body);
        assert!(!page.body.contains("11010519491231002X"));
        let page = pc.get("/public/listings?credit_code=91411500MA4000001X").await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.body.contains("data-field=\"credit_code\""), "{}", page.body);

        // Early removal: the party applies with its credit repair; the head decides.
        let (s, _) = step(&app, "liaison.scjg", lid, json!({"step": "approve_repair", "text": "x"})).await;
        assert_eq!(s, StatusCode::CONFLICT, "nothing to decide yet");
        let (s, v) = step(&app, "liaison.scjg", lid, json!({"step": "apply_repair", "text": "当事人已缴清罚款，完成整改并作出信用承诺。"})).await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
        let (s, _) = step(&app, "liaison.scjg", lid, json!({"step": "apply_repair", "text": "再次申请"})).await;
        assert_eq!(s, StatusCode::CONFLICT, "one application at a time");
        let due = cal.due_date(today, Period::WorkingDays(15)).expect("due");
        assert_eq!(clock(&get().await, "信用修复")["due_date"], due.to_string());
        let (s, _) = step(&app, "liaison.scjg", lid, json!({"step": "approve_repair", "text": "同意"})).await;
        assert_eq!(s, StatusCode::CONFLICT, "the head decides");
        let (s, v) = step(&app, "head.scjg", lid, json!({"step": "approve_repair", "text": "信用修复完成，提前移出。"})).await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
        let d = get().await;
        assert_eq!(d["state"], "removed");
        assert_eq!(clock(&d, "信用修复")["state"], "met");
        assert_eq!(clock(&d, "期限届满")["state"], "waived");
        let r = common::api(&app, Method::GET, &format!("/api/v1/public/listings?credit_code={CODE}"), None, None).await;
        assert!(!r.json()["items"].as_array().expect("items").iter().any(|r| r["id"] == lid), "{}", r.body);
        let audited: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE object_type = 'listing' AND object_id = $1")
            .bind(lid.to_string()).fetch_one(&app.db.pool).await.expect("audit");
        assert_eq!(audited, 6, "propose, two statements, list, application, removal");
    })
    .await;
}

#[tokio::test]
async fn a_listing_is_revoked_when_its_penalty_is() {
    each_db(true, |app| async move {
        let cal = app.state.calendar();
        let today = app.today();
        let id = decision(&app, "信市监处罚〔2026〕51号", json!(["close"])).await;
        let mut p = proposal(id);
        p["notified_on"] = json!(today.to_string());
        let (s, v) = call(&app, "liaison.scjg", Method::POST, "/api/v1/listings", Some(p)).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let lid = v["id"].as_i64().expect("id");
        assert_eq!(step(&app, "liaison.scjg", lid, json!({"step": "record_statement", "text": "无异议"})).await.0, StatusCode::NO_CONTENT);
        assert_eq!(step(&app, "head.scjg", lid, json!({"step": "list", "text": "决定列入"})).await.0, StatusCode::NO_CONTENT);
        // The decision's page lists it.
        let (_, d) = call(&app, "liaison.scjg", Method::GET, &format!("/api/v1/penalties/{id}"), None).await;
        assert_eq!(d["listings"][0]["id"], lid, "{d}");
        assert!(d["listing_refused"].is_string(), "one open listing per decision: {d}");
        // The penalty is revoked: the listing leaves the public lookup at once and is to be
        // revoked within 3 working days.
        let (s, v) = call(&app, "head.scjg", Method::POST, &format!("/api/v1/penalties/{id}/steps"),
            Some(json!({"step": "revoke", "decision_state": "revoked", "text": "经行政诉讼判决撤销"}))).await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
        let r = common::api(&app, Method::GET, &format!("/api/v1/public/listings?credit_code={CODE}"), None, None).await;
        assert!(!r.json()["items"].as_array().expect("items").iter().any(|r| r["id"] == lid), "{}", r.body);
        let (_, d) = call(&app, "liaison.scjg", Method::GET, &format!("/api/v1/listings/{lid}"), None).await;
        let due = cal.due_date(today, Period::WorkingDays(3)).expect("due");
        assert_eq!(clock(&d, "撤销列入")["due_date"], due.to_string(), "{d}");
        assert_eq!(clock(&d, "撤销列入")["state"], "open");
        assert!(d["steps"].as_array().expect("steps").is_empty(), "the liaison does not revoke: {d}");
        let (s, v) = step(&app, "head.scjg", lid, json!({"step": "revoke", "text": "所依据的行政处罚决定已被撤销"})).await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
        let (_, d) = call(&app, "liaison.scjg", Method::GET, &format!("/api/v1/listings/{lid}"), None).await;
        assert_eq!(d["state"], "revoked");
        assert_eq!(clock(&d, "撤销列入")["state"], "met");
        assert_eq!(clock(&d, "期限届满")["state"], "waived");
        // A revoked decision starts no new listing.
        let mut p = proposal(id);
        p["notified_on"] = json!(today.to_string());
        let (s, v) = call(&app, "liaison.scjg", Method::POST, "/api/v1/listings", Some(p)).await;
        assert_eq!((s, v["error"]["fields"][0]["code"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!("not_allowed")), "{v}");
    })
    .await;
}

#[tokio::test]
async fn the_organ_lists_through_its_pages() {
    each_db(true, |app| async move {
        let id = decision(&app, "信市监处罚〔2026〕61号", json!(["revoke_licence"])).await;
        let mut c = app.client();
        c.login("liaison.scjg", common::PASSWORD).await;
        let page = c.get(&format!("/penalties/{id}")).await;
        assert!(
            page.body.contains("id=\"propose-listing\""),
            "{}",
            page.body
        );
        let today = app.today().to_string();
        // A missing notice date: named, nothing written.
        let r = c
            .post(
                &format!("/penalties/{id}/listing"),
                &[
                    ("reasons", "吊销营业执照"),
                    ("notified_on", ""),
                    ("lr_name", "李某某"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(r.body.contains("告知书送达日期"), "{}", r.body);
        let r = c
            .post(
                &format!("/penalties/{id}/listing"),
                &[
                    ("reasons", "吊销营业执照"),
                    ("notified_on", today.as_str()),
                    ("lr_name", "李某某"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let to = r.location().to_string();
        let page = c.get(&to).await;
        assert!(
            page.body.contains("id=\"step-record_statement\""),
            "{}",
            page.body
        );
        assert!(page.body.contains("李某某"), "{}", page.body);
        let lid: i64 = to
            .trim_start_matches("/listings/")
            .split('?')
            .next()
            .expect("id")
            .parse()
            .expect("id");
        let r = c
            .post(
                &format!("/listings/{lid}/step"),
                &[("step", "record_statement"), ("text", "当事人放弃陈述申辩")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let mut head = app.client();
        head.login("head.scjg", common::PASSWORD).await;
        let r = head
            .post(
                &format!("/listings/{lid}/step"),
                &[("step", "list"), ("text", "")],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(r.body.contains("id=\"step-error\""), "{}", r.body);
        let r = head
            .post(
                &format!("/listings/{lid}/step"),
                &[("step", "list"), ("text", "决定列入")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let page = head.get(&format!("/listings/{lid}")).await;
        assert!(page.body.contains("已列入"), "{}", page.body);
    })
    .await;
}

#[tokio::test]
async fn a_case_and_a_transfer_show_the_partys_penalties_and_listing() {
    each_db(true, |app| async move {
        let today = app.today().to_string();
        let id = decision(&app, "信市监处罚〔2026〕81号", json!(["fine", "stop_business"])).await;
        for (who, s) in [("liaison.scjg", "review"), ("head.scjg", "approve")] {
            let (st, v) = call(&app, who, Method::POST, &format!("/api/v1/penalties/{id}/steps"), Some(json!({"step": s}))).await;
            assert_eq!(st, StatusCode::NO_CONTENT, "{v}");
        }
        let mut p = proposal(id);
        p["notified_on"] = json!(today);
        let (_, v) = call(&app, "liaison.scjg", Method::POST, "/api/v1/listings", Some(p)).await;
        let lid = v["id"].as_i64().expect("id");
        assert_eq!(step(&app, "liaison.scjg", lid, json!({"step": "record_statement", "text": "无异议"})).await.0, StatusCode::NO_CONTENT);
        assert_eq!(step(&app, "head.scjg", lid, json!({"step": "list", "text": "决定列入"})).await.0, StatusCode::NO_CONTENT);
        // A clue naming the party: its page shows the public record.
        let (s, v) = call(&app, "staff", Method::POST, "/api/v1/cases", Some(json!({
            "title": "信阳市某商贸有限公司跨区域制售假冒白酒案", "summary": "涉及多个县区。",
            "source": "daily_work", "received_on": today, "right_kinds": ["counterfeit"], "regions": ["411500"],
            "parties": [{"kind": "enterprise", "name": "信阳市某商贸有限公司", "code": CODE}]
        }))).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let case = v["id"].as_i64().expect("case");
        let mut c = app.client();
        c.login("staff", common::PASSWORD).await;
        let page = c.get(&format!("/cases/{case}")).await;
        assert!(page.body.contains("已公示行政处罚1件；列入严重违法失信名单"), "{}", page.body);
        assert!(page.body.contains(&format!("href=\"/enterprises/{CODE}\"")), "{}", page.body);
        // A transfer whose suspects carry the credit code.
        let (s, v) = call(&app, "liaison.scjg", Method::POST, "/api/v1/transfers?direction=to_police", Some(json!({
            "situation": "own_investigation", "title": "涉嫌销售假冒注册商标的商品案",
            "facts": "经查，当事人销售假冒白酒120箱。", "suspects": format!("信阳市某商贸有限公司（统一社会信用代码{CODE}）"),
            "to_unit_id": app.unit_id("信阳市公安局").await.to_string(),
            "items": [{"name": "假冒白酒", "quantity": "120", "unit": "箱", "storage": "罚没物品仓库"}]
        }))).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let tid = v["id"].as_i64().expect("transfer");
        let (_, t) = call(&app, "liaison.scjg", Method::GET, &format!("/api/v1/transfers/{tid}"), None).await;
        assert_eq!(t["party_records"][0]["credit_code"], CODE, "{t}");
        assert_eq!(t["party_records"][0]["penalties"], 1);
        assert_eq!(t["party_records"][0]["listed"], true);
        // The enterprise record lists it, for the office of the region as for the organ.
        for who in ["staff", "liaison.scjg"] {
            let (s, r) = call(&app, who, Method::GET, &format!("/api/v1/enterprises/{CODE}"), None).await;
            assert_eq!(s, StatusCode::OK, "{r}");
            assert_eq!(r["listings"]["items"][0]["id"], lid, "{who}: {r}");
        }
        let (_, r) = call(&app, "handler.gaj", Method::GET, &format!("/api/v1/enterprises/{CODE}"), None).await;
        assert_eq!(r["listings"]["total"], 0, "not the police's: {r}");
        // Once the listing ends it is no longer said.
        assert_eq!(step(&app, "head.scjg", lid, json!({"step": "revoke", "text": "撤销"})).await.0, StatusCode::NO_CONTENT);
        let (_, t) = call(&app, "liaison.scjg", Method::GET, &format!("/api/v1/transfers/{tid}"), None).await;
        assert_eq!(t["party_records"][0]["listed"], false, "{t}");
    })
    .await;
}

/// Issue #15: "the defaults are configurable per office"; "the office must be able to set the
/// periods it applies". The city office's director sets quicker disclosure and a longer
/// statement window; the city's organs run on them, and so do the county's until the county
/// office's own director sets its own; nothing beyond the rules is taken.
#[tokio::test]
async fn each_office_sets_the_disclosure_and_listing_periods_it_applies() {
    each_db(true, |app| async move {
        let cal = app.state.calendar();
        let today = app.today();
        let path = "/api/v1/penalties/settings";
        let (s, v) = call(&app, "staff", Method::GET, path, None).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!((v["own"].clone(), v["periods"]["disclosure"]["publish_workdays"].clone()), (json!(false), json!(20)));
        assert_eq!(call(&app, "liaison.scjg", Method::GET, path, None).await.0, StatusCode::FORBIDDEN);
        let mut own = json!({"periods": v["periods"].clone()});
        own["periods"]["disclosure"]["publish_workdays"] = json!(10);
        own["periods"]["listings"]["statement_workdays"] = json!(7);
        // Only the director, and never slower than the rules nor a shorter hearing window.
        assert_eq!(call(&app, "staff", Method::PUT, path, Some(own.clone())).await.0, StatusCode::FORBIDDEN);
        for (field, figure) in [("disclosure.publish_workdays", 21), ("listings.statement_workdays", 4), ("listings.listing_years", 4)] {
            let mut slow = own.clone();
            let (part, name) = field.split_once('.').expect("dotted");
            slow["periods"][part][name] = json!(figure);
            let (s, v) = call(&app, "director", Method::PUT, path, Some(slow)).await;
            assert_eq!((s, v["error"]["fields"][0]["field"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!(format!("periods.{field}"))), "{v}");
        }
        let (s, v) = call(&app, "director", Method::PUT, path, Some(own)).await;
        assert_eq!((s, v["own"].clone()), (StatusCode::OK, json!(true)), "{v}");
        let audited: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'penalty.settings'")
            .fetch_one(&app.db.pool)
            .await
            .expect("audit");
        assert_eq!(audited, 1);

        // A city organ's decision: published within the office's 10 working days.
        let id = decision(&app, "信市监处罚〔2026〕61号", json!(["fine", "stop_business"])).await;
        let (_, d) = call(&app, "liaison.scjg", Method::GET, &format!("/api/v1/penalties/{id}"), None).await;
        let due = cal.due_date(today, Period::WorkingDays(10)).expect("due");
        assert_eq!(clock(&d, "国发〔2014〕6号")["due_date"], due.to_string(), "{d}");
        // Its listing: the party has the office's 7 working days to state its case.
        let mut p = proposal(id);
        p["notified_on"] = json!(today.to_string());
        let (s, v) = call(&app, "liaison.scjg", Method::POST, "/api/v1/listings", Some(p)).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let lid = v["id"].as_i64().expect("id");
        let (_, l) = call(&app, "liaison.scjg", Method::GET, &format!("/api/v1/listings/{lid}"), None).await;
        let due = cal.due_date(today, Period::WorkingDays(7)).expect("due");
        assert_eq!(clock(&l, "陈述")["due_date"], due.to_string(), "{l}");

        // A Luoshan county organ's decision.
        let county = |number: &str| json!({
            "number": number, "party_kind": "enterprise", "party_name": "罗山县某商行",
            "party_code": "91411521MA40000028", "facts": "当事人销售假冒注册商标的茶叶。",
            "provisions": "《中华人民共和国商标法》第五十七条第（三）项", "kinds": ["fine"], "fine": "20000",
            "penalty": "罚款20000元", "basis": "《中华人民共和国商标法》第六十条第二款",
            "procedure": "general", "decided_on": today.to_string()
        });
        let publish_due = |number: &'static str| {
            let app = &app;
            let body = county(number);
            async move {
                let (s, v) = call(app, "liaison.luoshan.scjg", Method::POST, "/api/v1/penalties", Some(body)).await;
                assert_eq!(s, StatusCode::CREATED, "{v}");
                let id = v["id"].as_i64().expect("id");
                let (_, d) = call(app, "liaison.luoshan.scjg", Method::GET, &format!("/api/v1/penalties/{id}"), None).await;
                clock(&d, "国发〔2014〕6号")["due_date"].as_str().expect("due").to_string()
            }
        };
        // Luoshan's office set nothing of its own: its city's 10 apply, then its own 15.
        assert_eq!(publish_due("罗市监处罚〔2026〕1号").await, cal.due_date(today, Period::WorkingDays(10)).expect("due").to_string());
        let (s, v) = call(&app, "director.luoshan", Method::PUT, path,
            Some(json!({"periods": {"disclosure": {"publish_workdays": 15}, "listings": {}}}))).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(publish_due("罗市监处罚〔2026〕2号").await, cal.due_date(today, Period::WorkingDays(15)).expect("due").to_string());

        // The page: a figure beyond the rules comes back against its field, as typed.
        let mut c = app.client();
        c.login("director", common::PASSWORD).await;
        let page = c.get("/penalties/settings").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("id=\"credit-periods\"") && page.body.contains("10个工作日"), "{}", page.body);
        let mut form: Vec<(String, String)> = [
            ("disclosure.publish_workdays", "25"), ("disclosure.short_months", "3"), ("disclosure.long_years", "3"),
            ("disclosure.small_fine_fen", "3000"), ("disclosure.takedown_workdays", "5"), ("disclosure.objection_workdays", "15"),
            ("listings.statement_workdays", "7"), ("listings.listing_years", "3"), ("listings.repair_after_years", "1"),
            ("listings.repair_decision_workdays", "15"), ("listings.revoke_workdays", "3"),
        ].iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let r = c.post("/penalties/settings", &form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect::<Vec<_>>()).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("id=\"disclosure-publish_workdays-error\"") && r.body.contains("value=\"25\""), "{}", r.body);
        // The small-fine line is the province's, not the office's: what the form sends for it
        // is not taken.
        form[0].1 = "12".into();
        form[3].1 = "5000".into();
        let r = c.post("/penalties/settings", &form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect::<Vec<_>>()).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let (_, v) = call(&app, "staff", Method::GET, path, None).await;
        assert_eq!((v["periods"]["disclosure"]["publish_workdays"].clone(), v["periods"]["disclosure"]["small_fine_fen"].clone()), (json!(12), json!(300_000)), "{v}");
    })
    .await;
}
