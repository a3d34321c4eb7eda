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
