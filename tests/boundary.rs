//! Text at the boundary (issue #13), on both databases: a NUL or another control character in
//! a list filter, a JSON field or a page form is refused with 422 naming the field — never a
//! 500 from PostgreSQL, which cannot store NUL — and nothing is written.

mod common;

use axum::http::{Method, StatusCode};
use common::{PASSWORD, api, each_db};
use serde_json::json;

#[tokio::test]
async fn control_characters_are_refused_by_field() {
    each_db(true, |app| async move {
        let t = app.token("staff").await;
        for path in [
            "/api/v1/transfers?q=a%00b",
            "/api/v1/cases?q=%E5%81%87%00",
            "/api/v1/tasks?q=%1B",
        ] {
            let r = api(&app, Method::GET, path, Some(&t), None).await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{path}: {}", r.body);
            assert_eq!(r.json()["error"]["fields"][0]["field"], "q", "{path}");
            assert_eq!(r.json()["error"]["fields"][0]["code"], "invalid_characters");
        }
        // Ordinary Chinese text, line breaks and tabs pass.
        let r = api(&app, Method::GET, "/api/v1/transfers?q=%E5%81%87%E5%86%92", Some(&t), None).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);

        let cases = app.count("cases").await;
        let r = api(&app, Method::POST, "/api/v1/cases", Some(&t), Some(json!({
            "title": "含控制字符\u{0}的线索", "summary": "第一段\n第二段", "source": "public_report",
            "received_on": app.today().to_string(), "reporter": "13800138000",
            "right_kinds": ["trademark"], "regions": ["411502"], "parties": []
        }))).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert_eq!(r.json()["error"]["fields"][0]["field"], "title");
        assert_eq!(app.count("cases").await, cases, "nothing written");

        // A page: the filter form and a posted form.
        let mut c = app.client();
        c.login("staff", PASSWORD).await;
        let page = c.get("/transfers?q=a%00b").await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.body.contains("控制字符"), "{}", page.body);
        let home = c.get("/").await;
        let csrf = home.csrf().expect("csrf");
        let r = c
            .post("/reports", &[("_csrf", csrf.as_str()), ("title", "标题\u{0}"), ("body", "内容")])
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    })
    .await;
}

/// Ids go in as JSON numbers, the way responses give them out (strings still accepted, as
/// forms send them), and the API document says so.
#[tokio::test]
async fn ids_go_in_as_json_numbers() {
    each_db(true, |app| async move {
        let msa = app.unit_id("信阳市市场监督管理局").await;
        let police = app.unit_id("信阳市公安局").await;
        let due = (common::test_today() + chrono::Duration::days(30)).to_string();
        let (s, v) = common::call(
            &app,
            "staff",
            Method::POST,
            "/api/v1/tasks",
            Some(json!({
                "title": "农资打假专项行动",
                "description": "开展农资打假专项行动并报送成效。",
                "source": "decided_item",
                "lead_unit_id": msa,
                "cooperating_unit_ids": [police],
                "due_on": due
            })),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let id = v["id"].as_i64().expect("id");
        let (s, t) = common::call(
            &app,
            "staff",
            Method::GET,
            &format!("/api/v1/tasks/{id}"),
            None,
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(t["lead_unit_id"], json!(msa));

        let sys = app.token("sysadmin").await;
        let r = api(
            &app,
            Method::POST,
            "/api/v1/users",
            Some(&sys),
            Some(json!({"username": "numeric.id", "display_name": "郑数字", "unit_id": msa})),
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);

        let doc = api(&app, Method::GET, "/api/v1/openapi.json", None, None)
            .await
            .json();
        let schemas = &doc["components"]["schemas"];
        assert_eq!(
            schemas["TaskInput"]["properties"]["lead_unit_id"]["type"],
            "integer"
        );
        assert_eq!(
            schemas["TaskInput"]["properties"]["cooperating_unit_ids"]["items"]["type"],
            "integer"
        );
        assert_eq!(
            schemas["UserInput"]["properties"]["unit_id"]["type"],
            "integer"
        );
    })
    .await;
}

/// A malformed or non-positive id in a path names no record: 404, with the error body in the
/// API and a page on pages, never 400 or 500.
#[tokio::test]
async fn malformed_ids_are_records_that_do_not_exist() {
    each_db(true, |app| async move {
        let t = app.token("staff").await;
        for path in [
            "/api/v1/cases/abc",
            "/api/v1/cases/-1",
            "/api/v1/cases/0",
            "/api/v1/cases/99999999999999999999",
            "/api/v1/transfers/x1",
            "/api/v1/tasks/1.5",
            "/api/v1/meetings/%00",
            "/api/v1/cases/abc/letters/1.pdf",
        ] {
            let r = api(&app, Method::GET, path, Some(&t), None).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}: {}", r.body);
            assert_eq!(r.json()["error"]["code"], "not_found", "{path}");
        }
        let mut c = app.client();
        c.login("staff", PASSWORD).await;
        for path in ["/cases/abc", "/transfers/-3", "/tasks/%20"] {
            let r = c.get(path).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
            assert!(r.body.contains("<html"), "{path}: a page, not JSON");
        }
        let r = c.post("/notifications/abc/read", &[]).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
    })
    .await;
}

/// The contract check fails an answer whose field errors name a field the body does not carry:
/// a conclusion sends `text` and `date`, so `result` (the operation's own name) or another
/// step's field is a break; the step's own fields pass.
#[test]
fn the_contract_check_names_a_field_error_the_caller_did_not_send() {
    use common::contract::misnamed_fields;
    let sent = json!({"step": "conclude", "date": "2026-12-01", "text": ""});
    let answer = |field: &str| {
        json!({"error": {"code": "validation_failed", "message": "输入有误",
            "fields": [{"field": field, "code": "required", "message": "请填写"}]}})
        .to_string()
    };
    let check = |field: &str| {
        misnamed_fields(
            &Method::POST,
            "/api/v1/cases/7/steps",
            &sent,
            StatusCode::UNPROCESSABLE_ENTITY,
            &answer(field),
        )
    };
    let v = check("result").expect("result is not what the step sent");
    assert!(v.contains("\"result\""), "{v}");
    assert!(check("lead_unit_id").is_some(), "another step's field");
    assert_eq!(check("text"), None);
    assert_eq!(check("date"), None);
    // Nested names are judged by their root; plain bodies by their properties.
    let report = json!({"step": "report", "report": "x", "findings": []});
    let named = |field: &str| {
        misnamed_fields(
            &Method::POST,
            "/api/v1/inspections/7/steps",
            &report,
            StatusCode::UNPROCESSABLE_ENTITY,
            &answer(field),
        )
    };
    assert_eq!(named("findings[0].unit_id"), None);
    assert!(named("body[0].unit_id").is_some());
}

/// The contract check that every API answer of the tests passes through can fail: a body that
/// is not the documented shape, a status the operation does not document, and a path the
/// document does not have are each named.
#[tokio::test]
async fn the_contract_check_names_what_breaks_the_document() {
    use common::contract::violation;
    let json = Some("application/json");
    let v = violation(
        &Method::GET,
        "/api/v1/units/7",
        StatusCode::OK,
        json,
        r#"{"id":"seven"}"#,
    )
    .expect("a unit's id is an integer");
    assert!(v.contains("does not match the documented schema"), "{v}");
    let v = violation(
        &Method::GET,
        "/api/v1/units",
        StatusCode::IM_A_TEAPOT,
        json,
        "{}",
    )
    .expect("418 is not documented");
    assert!(v.contains("does not document status 418"), "{v}");
    let v = violation(
        &Method::GET,
        "/api/v1/units",
        StatusCode::OK,
        Some("text/html; charset=utf-8"),
        "<html></html>",
    )
    .expect("the list is documented as JSON");
    assert!(v.contains("documents JSON"), "{v}");
    let v = violation(&Method::GET, "/api/v1/nowhere", StatusCode::OK, json, "{}")
        .expect("no such operation");
    assert!(v.contains("no operation"), "{v}");
    assert_eq!(
        violation(
            &Method::GET,
            "/api/v1/nowhere",
            StatusCode::NOT_FOUND,
            json,
            "{}"
        ),
        None,
        "the fallback's 404 needs no operation"
    );
    // A real answer passes.
    each_db(true, |app| async move {
        let t = app.token("staff").await;
        let r = api(&app, Method::GET, "/api/v1/units", Some(&t), None).await;
        assert_eq!(r.status, StatusCode::OK);
        let ct = r.headers["content-type"].to_str().ok();
        assert_eq!(
            violation(&Method::GET, "/api/v1/units", r.status, ct, &r.body),
            None
        );
    })
    .await;
}

/// Every list of the API answers in one shape, `Page`: items, page, has_more (and total where
/// it counts), whether it pages or comes whole.
#[tokio::test]
async fn every_list_answers_one_page_shape() {
    each_db(true, |app| async move {
        for (who, path) in [
            ("staff", "/api/v1/cases"),
            ("staff", "/api/v1/transfers"),
            ("staff", "/api/v1/tasks"),
            ("staff", "/api/v1/meetings"),
            ("staff", "/api/v1/circulars"),
            ("staff", "/api/v1/inspections"),
            ("staff", "/api/v1/reports"),
            ("staff", "/api/v1/report-rounds"),
            ("staff", "/api/v1/deadlines"),
            ("staff", "/api/v1/units"),
            ("staff", "/api/v1/users"),
            ("liaison.scjg", "/api/v1/linkage/requests"),
            ("liaison.scjg", "/api/v1/linkage/meetings"),
            ("director", "/api/v1/waiting"),
            ("auditadmin", "/api/v1/audit"),
        ] {
            let (s, v) = common::call(&app, who, Method::GET, path, None).await;
            assert_eq!(s, StatusCode::OK, "{path}: {v}");
            assert!(v["items"].is_array(), "{path}: {v}");
            assert!(v["page"].as_i64().is_some_and(|p| p >= 1), "{path}");
            assert!(v["has_more"].is_boolean(), "{path}");
            // Every list that can be longer than a page pages (issue #13: lists the store cut
            // off said has_more: false and had no next page); units come whole.
            if path != "/api/v1/units" {
                let next = format!("{path}?page=2");
                let (s, v2) = common::call(&app, who, Method::GET, &next, None).await;
                assert_eq!(s, StatusCode::OK, "{next}: {v2}");
                assert_eq!(v2["page"], 2, "{next}: {v2}");
                if v["has_more"] == false {
                    assert_eq!(v2["items"], serde_json::json!([]), "{next}");
                }
            }
        }
        let (_, v) = common::call(&app, "auditadmin", Method::GET, "/api/v1/audit", None).await;
        assert!(
            v["total"].as_i64().is_some_and(|n| n > 0),
            "the audit counts: {v}"
        );
    })
    .await;
}

/// What the fuzzer found (bench/fuzz.sh): a query that does not parse, a typed filter with the
/// wrong type, an upload that is not multipart, and a role that does not exist each get the
/// error body with a stable code, at a status the document gives.
#[tokio::test]
async fn malformed_queries_and_uploads_get_the_error_body() {
    each_db(true, |app| async move {
        let sys = app.token("sysadmin").await;
        let r = api(
            &app,
            Method::GET,
            "/api/v1/users?unit_id=1&unit_id=2",
            Some(&sys),
            None,
        )
        .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
        assert_eq!(r.json()["error"]["code"], "invalid_query");
        let r = api(
            &app,
            Method::GET,
            "/api/v1/users?unit_id=abc",
            Some(&sys),
            None,
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert_eq!(r.json()["error"]["fields"][0]["field"], "unit_id");
        let staff = app.token("staff").await;
        let r = common::api_raw(
            &app,
            Method::POST,
            "/api/v1/plans",
            &staff,
            "multipart/form-data",
            b"title=x".to_vec(),
        )
        .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
        assert_eq!(r.json()["error"]["code"], "invalid_multipart");
        let sec = app.token("secadmin").await;
        let uid = app.user_id("staff").await;
        let r = api(
            &app,
            Method::DELETE,
            &format!("/api/v1/users/{uid}/roles/no_such_role"),
            Some(&sec),
            None,
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    })
    .await;
}
