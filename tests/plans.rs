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

/// A work-plan item asks for an activity (issue #22; 002 (八)1–3): the activity its lead unit
/// records for it carries it out, the plan's progress shows it done by that activity, and the
/// assessment's computed indicator `activities` counts the item's clock — met on time by the
/// bureau, run past its date by the police — and names exactly those clocks.
#[tokio::test]
async fn a_plan_item_asks_for_an_activity_which_carries_it_out_and_is_assessed() {
    use chrono::Datelike;
    use common::call;
    use serde_json::json;
    each_db(true, |app| async move {
        let today = app.today();
        let due_day = today + chrono::Duration::days(20);
        let due = due_day.to_string();
        let rows: Vec<[&str; 7]> = vec![
            ["序号", "部分", "工作事项", "牵头单位", "责任单位", "完成时限", "活动类别"],
            ["1", "（八）加强宣传培训", "联合开展执法人员业务培训", "信阳市市场监督管理局", "信阳市公安局", due.as_str(), "培训"],
            ["2", "", "开展打击侵权假冒集中宣传", "信阳市公安局", "", due.as_str(), "宣传活动"],
            ["3", "（三）加强两法衔接", "建立信息沟通机制", "信阳市市场监督管理局", "", due.as_str(), ""],
        ];
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        for (r, row) in rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                if !v.is_empty() {
                    ws.write_string(r as u32, c as u16, *v).expect("write");
                }
            }
        }
        let file = wb.save_to_buffer().expect("xlsx");
        let (s, v) = upload(&app, "staff", &[("title", "宣传培训工作要点")], Some(file)).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let plan = v["plan_id"].as_i64().expect("plan");
        let (s, d) = call(&app, "staff", Method::GET, &format!("/api/v1/plans/{plan}"), None).await;
        assert_eq!(s, StatusCode::OK, "{d}");
        let item = |n: usize| d["items"][n]["id"].as_i64().expect("item");
        let (training, publicity, plain) = (item(0), item(1), item(2));
        assert_eq!(
            (d["items"][0]["activity_kind"].as_str(), d["items"][2]["activity_kind"].as_str()),
            (Some("training"), None)
        );
        // Each item asking for an activity has its clock to the item's date, on its lead unit.
        let clocks: Vec<(i64, String)> = sqlx::query_as(
            "SELECT record_id, due_date FROM deadlines WHERE record_type = 'plan_item' ORDER BY record_id",
        )
        .fetch_all(&app.db.pool)
        .await
        .expect("clocks");
        assert_eq!(clocks, [(training, due.clone()), (publicity, due.clone())]);

        // The bureau records its training for the item, five days on.
        let on = app.on(today + chrono::Duration::days(5));
        let held = on.today().to_string();
        let body = |kind: &str, item: i64| {
            json!({
                "kind": kind, "title": "知识产权执法业务联合培训班", "held_on": held,
                "place": "信阳市市场监督管理局三楼会议室", "audiences": ["enforcement"],
                "participants": 80, "report": "市场监管与公安交叉授课。", "plan_item_id": item
            })
        };
        let refused = |v: &serde_json::Value| v["error"]["fields"][0]["code"].as_str().map(String::from);
        let (s, v) = call(&on, "liaison.scjg", Method::POST, "/api/v1/activities", Some(body("training", publicity))).await;
        assert_eq!((s, refused(&v).as_deref()), (StatusCode::UNPROCESSABLE_ENTITY, Some("not_found")), "the police's item");
        let (s, v) = call(&on, "liaison.scjg", Method::POST, "/api/v1/activities", Some(body("publicity", training))).await;
        assert_eq!((s, refused(&v).as_deref()), (StatusCode::UNPROCESSABLE_ENTITY, Some("mismatch")), "{v}");
        let (s, v) = call(&on, "liaison.scjg", Method::POST, "/api/v1/activities", Some(body("training", plain))).await;
        assert_eq!((s, refused(&v).as_deref()), (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_choice")), "{v}");
        assert_eq!(app.count("activities").await, 0, "refused, nothing kept");
        // The bureau's form offers its own item asking for an activity, not the police's nor
        // the one asking for none.
        let mut b = on.client();
        b.login("liaison.scjg", PASSWORD).await;
        let form = b.get("/activities/new").await;
        assert_eq!(form.status, StatusCode::OK);
        let offered = |body: &str| -> String {
            body.split("id=\"activity-plan-item\"").nth(1).and_then(|s| s.split("</select>").next()).unwrap_or_default().to_string()
        };
        let items = offered(&form.body);
        assert!(items.contains(&format!("<option value=\"{training}\">联合开展执法人员业务培训（培训，")), "{}", form.body);
        assert!(!items.contains(&format!("<option value=\"{publicity}\">")) && !items.contains(&format!("<option value=\"{plain}\">")), "{items}");
        // Two records of the training sent at once: one carries out the item, the other is told
        // it already is, on either database.
        let (first, second) = tokio::join!(
            call(&on, "liaison.scjg", Method::POST, "/api/v1/activities", Some(body("training", training))),
            call(&on, "liaison.scjg", Method::POST, "/api/v1/activities", Some(body("training", training)))
        );
        let mut answers = [first, second];
        answers.sort_by_key(|(s, _)| s.as_u16());
        let [(s, v), (s2, v2)] = answers;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        assert_eq!((s2, refused(&v2).as_deref()), (StatusCode::UNPROCESSABLE_ENTITY, Some("duplicate")), "{v2}");
        let activity = v["id"].as_i64().expect("activity");
        assert_eq!(app.count("activities").await, 1);
        let form = b.get("/activities/new").await;
        assert!(!offered(&form.body).contains(&format!("<option value=\"{training}\">")), "carried out, no longer offered");
        let (s, v) = call(&on, "liaison.scjg", Method::POST, &format!("/api/v1/activities/{activity}/steps"), Some(json!({"step": "withdraw", "text": "误登记"}))).await;
        assert_eq!(s, StatusCode::CONFLICT, "it carries out the item: {v}");

        // The plan shows the item done by that activity.
        let (_, d) = call(&on, "director", Method::GET, &format!("/api/v1/plans/{plan}"), None).await;
        assert_eq!(d["items"][0]["activity_id"], activity, "{d}");
        assert_eq!(d["items"][1]["activity_id"], serde_json::Value::Null);
        let section = &d["by_section"][0];
        assert_eq!((section["items"].as_i64(), section["done"].as_i64()), (Some(2), Some(1)), "{d}");
        let mut c = on.client();
        c.login("staff", PASSWORD).await;
        let page = c.get(&format!("/plans/{plan}")).await;
        assert!(page.body.contains(&format!("href=\"/activities/{activity}\"")) && page.body.contains("尚未开展"), "{}", page.body);

        // The assessment of the item's year, the day after its date.
        let after = app.on(due_day + chrono::Duration::days(1));
        let year = due_day.year();
        let scheme = json!({"year": year.to_string(), "title": "宣传培训考核", "indicators": [
            {"code": "activities", "label": "工作要点要求的宣传培训活动按期开展率", "weight": 100, "source": "activities"}
        ]});
        let (s, v) = call(&after, "staff", Method::POST, "/api/v1/assessments", Some(scheme)).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let id = v["id"].as_i64().expect("assessment");
        let (s, v) = call(&after, "staff", Method::POST, &format!("/api/v1/assessments/{id}/steps"), Some(json!({"step": "compute"}))).await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
        let (_, d) = call(&after, "staff", Method::GET, &format!("/api/v1/assessments/{id}"), None).await;
        let line = |name: &str| {
            d["results"]["units"]
                .as_array()
                .expect("units")
                .iter()
                .find(|u| u["name"] == name)
                .cloned()
                .unwrap_or_else(|| panic!("{name}: {d}"))
        };
        let msa = line("信阳市市场监督管理局");
        assert_eq!((msa["scores"]["activities"]["score_centi"].as_i64(), msa["scores"]["activities"]["counted"].as_i64()), (Some(10000), Some(1)), "{msa}");
        let police = line("信阳市公安局");
        assert_eq!((police["scores"]["activities"]["score_centi"].as_i64(), police["scores"]["activities"]["counted"].as_i64()), (Some(0), Some(1)), "{police}");
        // The score names the clock it counted: the bureau's item's.
        let unit = app.unit_id("信阳市市场监督管理局").await;
        let (s, c) = call(&after, "leader", Method::GET, &format!("/api/v1/assessments/{id}/clocks?unit={unit}&indicator=activities"), None).await;
        assert_eq!(s, StatusCode::OK, "{c}");
        let counted: Vec<i64> = c.as_array().expect("clocks").iter().filter_map(|r| r["deadline_id"].as_i64()).collect();
        let clock: i64 = sqlx::query_scalar("SELECT id FROM deadlines WHERE record_type = 'plan_item' AND record_id = $1")
            .bind(training)
            .fetch_one(&app.db.pool)
            .await
            .expect("clock");
        assert_eq!(counted, [clock]);
        assert_eq!(c[0]["outcome"], "on_time", "{c}");
    })
    .await;
}
