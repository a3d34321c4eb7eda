//! Units and accounts over HTTP: creation, validation, bad input, data scope and the
//! separation of the three administrators.

mod common;

use axum::http::{Method, StatusCode};
use common::{PASSWORD, api, api_raw, each_db};
use serde_json::json;

fn names(v: &serde_json::Value) -> Vec<String> {
    v["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|u| u["name"].as_str().unwrap_or("").to_string())
        .collect()
}

#[tokio::test]
async fn system_admin_creates_a_unit_through_the_api() {
    each_db(true, |app| async move {
        let t = app.token("sysadmin").await;
        let parent = app.unit_id("罗山县打击侵权假冒工作领导小组").await;
        let r = api(
            &app,
            Method::POST,
            "/api/v1/units",
            Some(&t),
            Some(json!({
                "name": "罗山县文化广电和旅游局", "kind": "administrative", "region_code": "411521",
                "parent_id": parent.to_string(), "phone": "0376-2162345"
            })),
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let u = r.json();
        assert_eq!(u["region_code"], "411521");
        assert_eq!(u["parent_id"], parent);
        let id = u["id"].as_i64().expect("id");
        let audit: String = sqlx::query_scalar(
            "SELECT summary FROM audit_log WHERE action = 'unit.create' AND object_id = $1",
        )
        .bind(id.to_string())
        .fetch_one(&app.db.pool)
        .await
        .expect("audited");
        assert!(audit.contains("罗山县文化广电和旅游局"));
        // Update, then the change is visible and audited with before/after.
        let r = api(
            &app,
            Method::PUT,
            &format!("/api/v1/units/{id}"),
            Some(&t),
            Some(json!({
                "name": "罗山县文化广电和旅游局", "kind": "administrative", "region_code": "411521",
                "parent_id": parent.to_string(), "phone": "13812345678"
            })),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(r.json()["phone"], "13812345678");
    })
    .await;
}

#[tokio::test]
async fn invalid_fields_are_reported_one_by_one_and_nothing_is_written() {
    each_db(true, |app| async move {
        let t = app.token("sysadmin").await;
        let units = app.count("units").await;
        let audit = app.count("audit_log").await;
        let r = api(&app, Method::POST, "/api/v1/units", Some(&t), Some(json!({
            "name": "", "kind": "ministry", "region_code": "41152X", "parent_id": "abc", "phone": "12345"
        }))).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let e = r.json();
        assert_eq!(e["error"]["code"], "validation_failed");
        let fields: Vec<&str> = e["error"]["fields"].as_array().expect("fields").iter().map(|f| f["field"].as_str().unwrap_or("")).collect();
        assert_eq!(fields, ["name", "kind", "region_code", "parent_id", "phone"]);
        assert!(e["error"]["fields"][2]["message"].as_str().unwrap_or("").contains("GB/T 2260"));
        // A county unit under a city-level parent in another region.
        let parent = app.unit_id("罗山县打击侵权假冒工作领导小组").await;
        let r = api(&app, Method::POST, "/api/v1/units", Some(&t), Some(json!({
            "name": "错误的单位", "kind": "other", "region_code": "411522", "parent_id": parent.to_string()
        }))).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(r.json()["error"]["fields"][0]["code"], "not_allowed");
        // Duplicate name.
        let r = api(&app, Method::POST, "/api/v1/units", Some(&t), Some(json!({
            "name": "信阳市公安局", "kind": "police", "region_code": "411500"
        }))).await;
        assert_eq!(r.json()["error"]["fields"][0]["code"], "taken");
        assert_eq!(app.count("units").await, units);
        assert_eq!(app.count("audit_log").await, audit);
    })
    .await;
}

#[tokio::test]
async fn malformed_bodies_get_stable_codes_never_500() {
    each_db(true, |app| async move {
        let t = app.token("sysadmin").await;
        let r = api_raw(
            &app,
            Method::POST,
            "/api/v1/units",
            &t,
            "application/json",
            b"{\"name\": ".to_vec(),
        )
        .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert_eq!(r.json()["error"]["code"], "invalid_json");
        let r = api_raw(
            &app,
            Method::POST,
            "/api/v1/units",
            &t,
            "application/json",
            br#"{"name":"x","kind":"other","region_code":"411500","is_admin":true}"#.to_vec(),
        )
        .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(
            r.json()["error"]["message"]
                .as_str()
                .unwrap_or("")
                .contains("is_admin")
        );
        let r = api_raw(
            &app,
            Method::POST,
            "/api/v1/units",
            &t,
            "application/json",
            br#"{"name":7,"kind":"other","region_code":"411500"}"#.to_vec(),
        )
        .await;
        assert_eq!(r.json()["error"]["code"], "invalid_json");
        let r = api_raw(
            &app,
            Method::POST,
            "/api/v1/units",
            &t,
            "text/plain",
            b"name=x".to_vec(),
        )
        .await;
        assert_eq!(r.json()["error"]["code"], "unsupported_media_type");
        let big = vec![b' '; 3 * 1024 * 1024];
        let r = api_raw(
            &app,
            Method::POST,
            "/api/v1/units",
            &t,
            "application/json",
            big,
        )
        .await;
        assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
        let r = api(&app, Method::GET, "/api/v1/units/abc", Some(&t), None).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert_eq!(r.json()["error"]["code"], "not_found");
        let r = api(
            &app,
            Method::GET,
            "/api/v1/units/99999999999999999999",
            Some(&t),
            None,
        )
        .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let r = api(&app, Method::GET, "/api/v1/units?kind=nope", Some(&t), None).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let r = api(&app, Method::GET, "/api/v1/nothing-here", Some(&t), None).await;
        assert_eq!(r.json()["error"]["code"], "not_found");
    })
    .await;
}

#[tokio::test]
async fn sql_metacharacters_and_script_tags_are_stored_as_typed_and_rendered_escaped() {
    each_db(true, |app| async move {
        let mut c = app.client();
        c.login("sysadmin", PASSWORD).await;
        let nasty = "<script>alert('x')</script>'; DROP TABLE units; --";
        let r = c
            .post(
                "/units/new",
                &[
                    ("name", nasty),
                    ("kind", "other"),
                    ("region_code", "411500"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let page = c.get(r.location()).await;
        assert!(!page.body.contains("<script>alert"), "escaped on output");
        assert!(
            page.body.contains("&#60;script&#62;") || page.body.contains("&lt;script&gt;"),
            "{}",
            page.body
        );
        let stored: String =
            sqlx::query_scalar("SELECT name FROM units WHERE name LIKE '%DROP TABLE%'")
                .fetch_one(&app.db.pool)
                .await
                .expect("stored as typed");
        assert_eq!(stored, nasty);
        // Search with LIKE wildcards matches literally.
        let t = app.token("sysadmin").await;
        let r = api(&app, Method::GET, "/api/v1/units?q=%25", Some(&t), None).await;
        assert_eq!(names(&r.json()).len(), 0, "'%' is not a wildcard");
    })
    .await;
}

#[tokio::test]
async fn a_failed_form_keeps_what_the_user_typed() {
    each_db(true, |app| async move {
        let mut c = app.client();
        c.login("sysadmin", PASSWORD).await;
        let r = c
            .post(
                "/units/new",
                &[
                    ("name", "某某单位"),
                    ("kind", "other"),
                    ("region_code", "4115"),
                    ("phone", "0376-6221234"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("value=\"某某单位\""));
        assert!(r.body.contains("value=\"4115\""));
        assert!(r.body.contains("行政区划代码应为6位数字"));
        assert!(r.body.contains("data-field=\"region_code\""));
    })
    .await;
}

#[tokio::test]
async fn data_scope_is_enforced_in_the_query_layer() {
    each_db(true, |app| async move {
        let get = |tok: String, path: String| {
            let app = &app;
            async move { api(app, Method::GET, &path, Some(&tok), None).await }
        };
        // A member unit sees itself only; another unit's record is "not found".
        let liaison = app.token("liaison.scjg").await;
        let r = get(liaison.clone(), "/api/v1/units".into()).await;
        assert_eq!(names(&r.json()), ["信阳市市场监督管理局"]);
        let police = app.unit_id("信阳市公安局").await;
        assert_eq!(
            get(liaison.clone(), format!("/api/v1/units/{police}"))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        let users = get(liaison.clone(), "/api/v1/users".into()).await.json();
        assert!(
            users["items"]
                .as_array()
                .expect("items")
                .iter()
                .all(|u| u["unit_name"] == "信阳市市场监督管理局")
        );
        let other = app.user_id("handler.gaj").await;
        assert_eq!(
            get(liaison, format!("/api/v1/users/{other}")).await.status,
            StatusCode::NOT_FOUND
        );

        // A county office sees its county only.
        let county = app.token("county.luoshan").await;
        let r = get(county.clone(), "/api/v1/units".into()).await.json();
        assert!(
            r["items"]
                .as_array()
                .expect("items")
                .iter()
                .all(|u| u["region_code"] == "411521")
        );
        assert_eq!(names(&r).len(), 4, "{r}");

        // The city office sees the whole city but not another county's group elsewhere.
        let staff = app.token("staff").await;
        let r = get(staff, "/api/v1/units".into()).await.json();
        let all = r["items"].as_array().expect("items");
        assert_eq!(all.len(), 2 + 23 + 10 * 4);
        assert!(
            all.iter()
                .all(|u| u["region_code"].as_str().unwrap_or("").starts_with("4115"))
        );

        let pingyin = app.token("pingyin.staff").await;
        let r = get(pingyin, "/api/v1/units".into()).await.json();
        assert_eq!(r["items"].as_array().expect("items").len(), 2 + 18);

        // Pages obey the same scope.
        let mut c = app.client();
        c.login("county.luoshan", PASSWORD).await;
        assert_eq!(
            c.get(&format!("/units/{police}")).await.status,
            StatusCode::NOT_FOUND
        );
        assert!(!c.get("/units").await.body.contains("信阳市公安局"));
    })
    .await;
}

#[tokio::test]
async fn three_administrators_stay_separate() {
    each_db(true, |app| async move {
        let sec = app.token("secadmin").await;
        let sys_id = app.user_id("sysadmin").await;
        let staff_id = app.user_id("staff").await;
        let sec_id = app.user_id("secadmin").await;
        let grant = |user: i64, role: &'static str| {
            let app = &app;
            let sec = sec.clone();
            async move {
                api(app, Method::POST, &format!("/api/v1/users/{user}/roles"), Some(&sec), Some(json!({"role": role}))).await
            }
        };
        // The system administrator cannot also be the audit administrator ...
        let r = grant(sys_id, "audit_admin").await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        assert!(r.json()["error"]["message"].as_str().unwrap_or("").contains("三员分立"));
        // ... nor hold a business role that would let them read case content.
        let r = grant(sys_id, "office_staff").await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        // A business user cannot be made an administrator either.
        assert_eq!(grant(staff_id, "system_admin").await.status, StatusCode::CONFLICT);
        // No self-grants.
        assert_eq!(grant(sec_id, "office_staff").await.status, StatusCode::CONFLICT);
        // An ordinary grant and revoke work and are audited.
        assert_eq!(grant(staff_id, "office_director").await.status, StatusCode::NO_CONTENT);
        let r = api(&app, Method::DELETE, &format!("/api/v1/users/{staff_id}/roles/office_director"), Some(&sec), None).await;
        assert_eq!(r.status, StatusCode::NO_CONTENT);
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action IN ('role.grant','role.revoke') AND object_id = $1")
            .bind(staff_id.to_string()).fetch_one(&app.db.pool).await.expect("audit");
        assert!(n >= 3, "demo grant + grant + revoke");
        // The system administrator cannot grant roles at all.
        let sys = app.token("sysadmin").await;
        let r = api(&app, Method::POST, &format!("/api/v1/users/{staff_id}/roles"), Some(&sys), Some(json!({"role": "office_director"}))).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert_eq!(r.json()["error"]["code"], "forbidden");
    })
    .await;
}

#[tokio::test]
async fn accounts_can_be_disabled_and_their_sessions_end() {
    each_db(true, |app| async move {
        let mut user = app.client();
        user.login("handler.gaj", PASSWORD).await;
        assert_eq!(user.get("/").await.status, StatusCode::OK);
        let mut admin = app.client();
        admin.login("sysadmin", PASSWORD).await;
        let id = app.user_id("handler.gaj").await;
        let r = admin
            .post(&format!("/users/{id}/active"), &[("active", "0")])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(user.get("/").await.status, StatusCode::SEE_OTHER);
        assert_eq!(
            app.client().login("handler.gaj", PASSWORD).await.status,
            StatusCode::UNAUTHORIZED
        );
        // A unit that still has active accounts cannot be deactivated.
        let unit = app.unit_id("信阳市市场监督管理局").await;
        let r = admin
            .post(&format!("/units/{unit}/active"), &[("active", "0")])
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT);
    })
    .await;
}

#[tokio::test]
async fn health_readiness_and_openapi() {
    each_db(false, |app| async move {
        let mut c = app.client();
        assert_eq!(c.get("/healthz").await.status, StatusCode::OK);
        let r = c.get("/readyz").await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.json()["pending_migrations"], 0);
        let r = c.get("/api/v1/openapi.json").await;
        assert_eq!(r.status, StatusCode::OK);
        let doc = r.json();
        assert!(doc["paths"]["/api/v1/units"]["post"].is_object());
        assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
        let css = c.get("/assets/app.css").await;
        assert_eq!(css.status, StatusCode::OK);
        assert!(
            css.headers["content-type"]
                .to_str()
                .unwrap_or("")
                .starts_with("text/css")
        );
        assert!(c.get("/").await.location().starts_with("/login"));
    })
    .await;
}

#[tokio::test]
async fn demo_organisation_follows_seeds_001_and_003() {
    each_db(true, |app| async move {
        // Seed 001 §3: the Xinyang group has 23 member units (plus its office and the county groups).
        let group = app.unit_id("信阳市打击侵犯知识产权和制售假冒伪劣商品工作领导小组").await;
        let members: Vec<String> = sqlx::query_scalar(
            "SELECT name FROM units WHERE parent_id = $1 AND kind NOT IN ('group_office', 'county_group') ORDER BY id",
        )
        .bind(group)
        .fetch_all(&app.db.pool)
        .await
        .expect("members");
        assert_eq!(members.len(), 23);
        for named in ["信阳市公安局", "信阳海关", "信阳市市场监督管理局", "信阳市人民检察院", "信阳市中级人民法院", "信阳市烟草专卖局"] {
            assert!(members.iter().any(|m| m == named), "{named}");
        }
        // Xinyang's ten districts and counties, each with its own group and office.
        let counties: Vec<String> = sqlx::query_scalar(
            "SELECT region_code FROM units WHERE kind = 'county_group' AND region_code LIKE '4115%' ORDER BY region_code",
        )
        .fetch_all(&app.db.pool)
        .await
        .expect("counties");
        assert_eq!(counties, ["411502", "411503", "411521", "411522", "411523", "411524", "411525", "411526", "411527", "411528"]);
        // Seed 003 一: eighteen units carry out the work in Pingyin county (370124).
        let pingyin = app.unit_id("平阴县知识产权工作领导小组").await;
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM units WHERE parent_id = $1 AND kind <> 'county_office'")
            .bind(pingyin)
            .fetch_one(&app.db.pool)
            .await
            .expect("count");
        assert_eq!(n, 18);
        // Loading again changes nothing.
        assert!(shuangda::demo::load(&app.state).await.expect("reload").is_empty());
    })
    .await;
}

#[tokio::test]
async fn account_fields_are_validated() {
    each_db(true, |app| async move {
        let t = app.token("sysadmin").await;
        let unit = app.unit_id("信阳市商务局").await.to_string();
        let users = app.count("users").await;
        let r = api(&app, Method::POST, "/api/v1/users", Some(&t), Some(json!({
            "username": "1bad name", "display_name": "", "unit_id": unit, "phone": "1380013800", "email": "not-an-address"
        }))).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let body = r.json();
        let fields: Vec<&str> = body["error"]["fields"].as_array().expect("fields").iter().map(|f| f["field"].as_str().unwrap_or("")).collect();
        assert_eq!(fields, ["username", "display_name", "phone", "email"]);
        let r = api(&app, Method::POST, "/api/v1/users", Some(&t), Some(json!({
            "username": "staff", "display_name": "重名", "unit_id": unit
        }))).await;
        assert_eq!(r.json()["error"]["fields"][0]["code"], "taken");
        assert_eq!(app.count("users").await, users);
        let r = api(&app, Method::POST, "/api/v1/users", Some(&t), Some(json!({
            "username": "wang.wu", "display_name": "王五", "unit_id": unit, "email": "Wang.Wu@XY.gov.cn"
        }))).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let created = r.json();
        assert_eq!(created["user"]["email"], "wang.wu@xy.gov.cn");
        assert_eq!(created["initial_password"].as_str().map(str::len), Some(16));
    })
    .await;
}
