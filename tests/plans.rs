//! Work plan import (shaped like seed 002) on both databases: a bad file is reported row by
//! row and cell by cell and nothing is imported; an ambiguous unit name is asked about; a clean
//! file becomes tasks, with progress by section and unit.

mod common;

use axum::http::{Method, StatusCode};
use common::{App, PASSWORD, api, each_db};
use serde_json::Value;

fn xlsx(rows: &[[&str; 6]]) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            if !v.is_empty() {
                ws.write_string(r as u32, c as u16, *v).expect("write");
            }
        }
    }
    wb.save_to_buffer().expect("xlsx")
}

const HEADER: [&str; 6] = [
    "序号",
    "部分",
    "工作事项",
    "牵头单位",
    "责任单位",
    "完成时限",
];

async fn upload(
    app: &App,
    who: &str,
    fields: &[(&str, &str)],
    file: Option<Vec<u8>>,
) -> (StatusCode, Value) {
    use tower::ServiceExt;
    let t = app.token(who).await;
    let boundary = "XxSdBoundaryxX";
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    if let Some(f) = file {
        body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"plan.xlsx\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes());
        body.extend_from_slice(&f);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    let req = axum::http::Request::builder()
        .method("POST")
        .uri("/api/v1/plans")
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

fn later(n: i64) -> String {
    (common::test_today() + chrono::Duration::days(n)).to_string()
}

#[tokio::test]
async fn a_bad_file_is_reported_cell_by_cell_and_nothing_is_imported() {
    each_db(true, |app| async move {
        let past = "2020-01-01".to_string();
        let due = later(20);
        let bad = xlsx(&[
            HEADER,
            ["1", "", "加强两法衔接", "市检察院", "", due.as_str()],
            ["2", "二、", "", "市农委", "市商务局", past.as_str()],
            ["3", "二、", "开展宣传", "市商务局", "", "明年"],
        ]);
        let (s, v) = upload(&app, "staff", &[("title", "2027年工作要点")], Some(bad)).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        let at: Vec<String> = v["errors"]
            .as_array()
            .expect("errors")
            .iter()
            .map(|e| format!("{}{}", e["column"].as_str().unwrap_or(""), e["row"]))
            .collect();
        assert_eq!(at, ["B2", "C3", "D3", "F3", "F4"]);
        assert_eq!(app.count("plans").await, 0);
        assert_eq!(app.count("tasks").await, 0);
        // Not a spreadsheet; the wrong template; a unit does not import plans.
        let (s, v) = upload(&app, "staff", &[("title", "x")], Some(b"hello".to_vec())).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        let (s, v) = upload(
            &app,
            "staff",
            &[("title", "x")],
            Some(xlsx(&[["编号", "内容", "", "", "", ""]])),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(v["errors"][0]["row"], 1);
        let (s, _) = upload(
            &app,
            "liaison.scjg",
            &[("title", "x")],
            Some(xlsx(&[HEADER])),
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
    })
    .await;
}

#[tokio::test]
async fn an_ambiguous_name_is_asked_about_then_the_plan_becomes_tasks() {
    each_db(true, |app| async move {
        let due = later(20);
        let file = xlsx(&[
            HEADER,
            [
                "1",
                "（三）加强行政执法与刑事司法有效衔接",
                "建立执法协作机制和信息沟通机制",
                "市检察院",
                "市公安局、信阳市商务局",
                due.as_str(),
            ],
            [
                "2",
                "",
                "及时会商复杂、疑难案件",
                "市检察院",
                "",
                due.as_str(),
            ],
            [
                "3",
                "（四）强化执法监督",
                "开展案件质量评查",
                "信阳市市场监督管理局",
                "",
                due.as_str(),
            ],
        ]);
        let (s, v) = upload(
            &app,
            "staff",
            &[("title", "2027年双打工作要点")],
            Some(file),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["outcome"], "needs_choice");
        assert_eq!(v["ambiguous"][0]["name"], "市公安局");
        let candidates: Vec<&str> = v["ambiguous"][0]["candidates"]
            .as_array()
            .expect("c")
            .iter()
            .filter_map(|c| c[1].as_str())
            .collect();
        assert!(
            candidates.contains(&"信阳市公安局") && candidates.len() > 1,
            "{candidates:?}"
        );
        assert_eq!(
            app.count("tasks").await,
            0,
            "nothing until the choice is made"
        );
        let import_id = v["import_id"].as_i64().expect("import").to_string();
        let police = app.unit_id("信阳市公安局").await.to_string();
        let (s, v) = upload(
            &app,
            "staff",
            &[
                ("import_id", &import_id),
                ("name_0", "市公安局"),
                ("choice_0", &police),
            ],
            None,
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let plan = v["plan_id"].as_i64().expect("plan");
        assert_eq!(app.count("tasks").await, 3);
        assert_eq!(app.count("plan_imports").await, 0);
        let t = app.token("director").await;
        let d = api(
            &app,
            Method::GET,
            &format!("/api/v1/plans/{plan}"),
            Some(&t),
            None,
        )
        .await
        .json();
        let sections: Vec<(String, i64)> = d["by_section"]
            .as_array()
            .expect("s")
            .iter()
            .map(|s| {
                (
                    s["name"].as_str().unwrap_or("").to_string(),
                    s["items"].as_i64().unwrap_or(0),
                )
            })
            .collect();
        assert_eq!(
            sections,
            vec![
                ("（三）加强行政执法与刑事司法有效衔接".to_string(), 2),
                ("（四）强化执法监督".to_string(), 1)
            ]
        );
        // The chosen police bureau cooperates on the first item's task.
        let task = d["items"][0]["task_id"].as_i64().expect("task");
        let tp = app.token("handler.gaj").await;
        let r = api(
            &app,
            Method::GET,
            &format!("/api/v1/tasks/{task}"),
            Some(&tp),
            None,
        )
        .await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.json()["source"], "work_plan");
        // The pages and the template.
        let mut c = app.client();
        c.login("staff", PASSWORD).await;
        let page = c.get(&format!("/plans/{plan}")).await;
        assert!(page.body.contains("plan-sections") && page.body.contains("强化执法监督"));
        let tpl = c.get("/plans/template.xlsx").await;
        assert_eq!(tpl.status, StatusCode::OK);
        assert!(tpl.bytes.starts_with(b"PK"));
    })
    .await;
}
