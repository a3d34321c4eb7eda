//! Training and publicity activities (issue #22; seeds 002 (八)1–3, 004 一(四)–(五)) on both
//! databases: a joint training by market regulation and the police, seen and worked on by both
//! organisers, read by the city office, counted once in the year's count; a unit outside sees
//! nothing of it; refused input named field by field; every change audited; the pages walked.

mod common;

use axum::http::{Method, StatusCode};
use chrono::Datelike;
use common::{App, call, each_db};
use serde_json::{Value, json};

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR";

fn training(police: i64, held_on: &str) -> Value {
    json!({
        "kind": "training",
        "title": "知识产权执法业务联合培训班",
        "held_on": held_on,
        "place": "信阳市市场监督管理局三楼会议室",
        "co_organiser_unit_ids": [police],
        "audiences": ["enforcement", "leaders"],
        "participants": 120,
        "report": "市场监管与公安交叉授课，讲解商标侵权认定和刑事立案追诉标准。"
    })
}

/// Multipart upload to the API as `who`.
async fn upload(
    app: &App,
    who: &str,
    id: i64,
    kind: &str,
    name: &str,
    bytes: &[u8],
) -> (StatusCode, Value) {
    let boundary = "XxActivityxX";
    let mut body = Vec::new();
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\n{kind}\r\n")
            .as_bytes(),
    );
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let r = common::api_raw(
        app,
        Method::POST,
        &format!("/api/v1/activities/{id}/attachments"),
        &app.token(who).await,
        &format!("multipart/form-data; boundary={boundary}"),
        body,
    )
    .await;
    (
        r.status,
        serde_json::from_str(&r.body).unwrap_or(Value::Null),
    )
}

fn field_codes(v: &Value) -> Vec<(String, String)> {
    v["error"]["fields"]
        .as_array()
        .map(|fs| {
            fs.iter()
                .map(|f| {
                    (
                        f["field"].as_str().unwrap_or("").to_string(),
                        f["code"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

async fn audited(app: &App, id: i64) -> i64 {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE object_type = 'activity' AND object_id = $1",
    )
    .bind(id.to_string())
    .fetch_one(&app.db.pool)
    .await
    .expect("audit")
}

async fn summary(app: &App, who: &str) -> Value {
    let year = app.today().year();
    let (s, v) = call(
        app,
        who,
        Method::GET,
        &format!("/api/v1/activities/summary?year={year}"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{who}: {v}");
    v
}

fn kind_row(v: &Value, code: &str) -> (i64, i64) {
    let row = v["by_kind"]
        .as_array()
        .expect("by_kind")
        .iter()
        .find(|r| r["code"] == code)
        .unwrap_or_else(|| panic!("no {code}: {v}"));
    (
        row["activities"].as_i64().expect("n"),
        row["participants"].as_i64().expect("p"),
    )
}

#[tokio::test]
async fn a_joint_training_is_seen_by_both_organisers_and_counted_once() {
    each_db(true, |app| async move {
        let today = app.today().to_string();
        let police = app.unit_id("信阳市公安局").await;
        let (s, v) = call(
            &app,
            "liaison.scjg",
            Method::POST,
            "/api/v1/activities",
            Some(training(police, &today)),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let id = v["id"].as_i64().expect("id");
        let get = |who: &'static str| {
            let app = &app;
            async move {
                call(
                    app,
                    who,
                    Method::GET,
                    &format!("/api/v1/activities/{id}"),
                    None,
                )
                .await
            }
        };
        // Both organisers see it and work on it; the recording unit alone may withdraw it.
        let (s, d) = get("liaison.scjg").await;
        assert_eq!(s, StatusCode::OK, "{d}");
        assert_eq!(d["organisers"].as_array().map(Vec::len), Some(2), "{d}");
        assert_eq!(d["organisers"][0]["name"], "信阳市市场监督管理局");
        assert_eq!(d["organisers"][0]["role"], "lead");
        assert_eq!(d["organisers"][1]["name"], "信阳市公安局");
        assert_eq!(d["audiences"], json!(["leaders", "enforcement"]));
        assert_eq!(d["steps"], json!(["update", "attach", "withdraw"]));
        let (s, d) = get("handler.gaj").await;
        assert_eq!(s, StatusCode::OK, "{d}");
        assert_eq!(d["steps"], json!(["update", "attach"]));
        // The city office and the leader read it and change nothing.
        for who in ["staff", "director", "leader"] {
            let (s, d) = get(who).await;
            assert_eq!(s, StatusCode::OK, "{who}: {d}");
            assert_eq!(d["steps"], json!([]), "{who}");
        }
        // Outside: another county's office and unit, another unit of the city.
        for who in ["county.luoshan", "liaison.luoshan.scjg", "procurator"] {
            let (s, _) = get(who).await;
            assert_eq!(s, StatusCode::NOT_FOUND, "{who}");
        }

        // Two more: a publicity of market regulation alone, a school visit in Luoshan.
        let (s, v) = call(
            &app,
            "liaison.scjg",
            Method::POST,
            "/api/v1/activities",
            Some(json!({
                "kind": "publicity", "title": "“4·26”知识产权宣传周集中宣传", "held_on": today,
                "place": "信阳市人民广场", "audiences": ["public", "enterprises"],
                "participants": "300", "report": "发放宣传资料2000份，现场解答咨询。"
            })),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let solo = v["id"].as_i64().expect("id");
        let (s, v) = call(
            &app,
            "liaison.luoshan.scjg",
            Method::POST,
            "/api/v1/activities",
            Some(json!({
                "kind": "outreach", "outreach_to": "school", "title": "知识产权保护进校园",
                "held_on": today, "place": "罗山县第一中学", "audiences": ["public"],
                "participants": 450, "report": "讲解识假防骗知识。"
            })),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");

        // The city office counts three, the joint training once; each organiser its own.
        let v = summary(&app, "staff").await;
        assert_eq!(
            (&v["activities"], &v["joint"], &v["participants"]),
            (&json!(3), &json!(1), &json!(870)),
            "{v}"
        );
        assert_eq!(kind_row(&v, "training"), (1, 120));
        assert_eq!(kind_row(&v, "publicity"), (1, 300));
        assert_eq!(kind_row(&v, "outreach"), (1, 450));
        let audience = |v: &Value, code: &str| {
            v["by_audience"]
                .as_array()
                .expect("rows")
                .iter()
                .find(|r| r["code"] == code)
                .map(|r| r["activities"].clone())
        };
        assert_eq!(audience(&v, "public"), Some(json!(2)));
        assert_eq!(audience(&v, "enforcement"), Some(json!(1)));
        let v = summary(&app, "handler.gaj").await;
        assert_eq!(
            (&v["activities"], &v["joint"]),
            (&json!(1), &json!(1)),
            "{v}"
        );
        assert_eq!(kind_row(&v, "training"), (1, 120));
        let v = summary(&app, "liaison.scjg").await;
        assert_eq!(v["activities"], 2, "{v}");
        let v = summary(&app, "county.luoshan").await;
        assert_eq!(
            (&v["activities"], &v["participants"]),
            (&json!(1), &json!(450)),
            "{v}"
        );
        // The list: the joint training once for the city office.
        let year = app.today().year();
        let (_, l) = call(
            &app,
            "staff",
            Method::GET,
            &format!("/api/v1/activities?year={year}"),
            None,
        )
        .await;
        let ids: Vec<i64> = l["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter_map(|a| a["id"].as_i64())
            .collect();
        assert_eq!(ids.iter().filter(|i| **i == id).count(), 1, "{l}");
        assert_eq!(ids.len(), 3);

        // The police correct the report; the co-organisers are left as they are.
        let mut corrected = training(police, &today);
        corrected
            .as_object_mut()
            .expect("object")
            .remove("co_organiser_unit_ids");
        corrected["report"] = json!("交叉授课两天，结业测试合格率100%。");
        corrected["participants"] = json!(118);
        let put = |who: &'static str, body: Value| {
            let app = &app;
            async move {
                call(
                    app,
                    who,
                    Method::PUT,
                    &format!("/api/v1/activities/{id}"),
                    Some(body),
                )
                .await
            }
        };
        let (s, v) = put("handler.gaj", corrected.clone()).await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
        let (_, d) = get("liaison.scjg").await;
        assert_eq!(d["participants"], 118);
        assert_eq!(d["organisers"].as_array().map(Vec::len), Some(2));
        // Only the recording unit changes who organised it; the office does not alter it.
        let mut dropped = corrected.clone();
        dropped["co_organiser_unit_ids"] = json!([]);
        let (s, v) = put("handler.gaj", dropped).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(
            field_codes(&v),
            [(
                "co_organiser_unit_ids".to_string(),
                "not_allowed".to_string()
            )]
        );
        let (s, v) = put("staff", corrected.clone()).await;
        assert_eq!(s, StatusCode::CONFLICT, "{v}");
        assert_eq!(v["error"]["code"], "step_refused");
        let (s, _) = put("liaison.luoshan.scjg", corrected.clone()).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, _) = call(
            &app,
            "handler.gaj",
            Method::POST,
            &format!("/api/v1/activities/{id}/steps"),
            Some(json!({"step": "withdraw", "text": "重复"})),
        )
        .await;
        assert_eq!(s, StatusCode::CONFLICT);

        // A photo from the police; a "photo" that is a PDF is refused.
        let (s, v) = upload(&app, "handler.gaj", id, "photo", "培训现场.png", PNG).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let aid = v["id"].as_i64().expect("aid");
        let (s, v) = upload(&app, "handler.gaj", id, "photo", "课件.pdf", b"%PDF-1.7 x").await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(
            field_codes(&v),
            [("file".to_string(), "invalid_type".to_string())]
        );
        let (s, v) = upload(
            &app,
            "liaison.scjg",
            id,
            "leaflet",
            "课件.pdf",
            b"%PDF-1.7 x",
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(
            field_codes(&v),
            [("kind".to_string(), "invalid_choice".to_string())]
        );
        let (s, _) = upload(&app, "staff", id, "photo", "x.png", PNG).await;
        assert_eq!(s, StatusCode::CONFLICT);
        // The photo is read within scope only.
        let file = format!("/api/v1/activities/{id}/attachments/{aid}");
        let r = common::api_get(&app, "liaison.scjg", &file).await;
        assert_eq!((r.status, r.bytes.as_slice()), (StatusCode::OK, PNG));
        let r = common::api_get(&app, "county.luoshan", &file).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);

        // Every change audited once; the refused ones left nothing.
        assert_eq!(audited(&app, id).await, 3, "record, correct, photo");

        // Withdrawn by the recording unit with its reason: kept, no longer counted.
        let (s, v) = call(
            &app,
            "liaison.scjg",
            Method::POST,
            &format!("/api/v1/activities/{solo}/steps"),
            Some(json!({"step": "withdraw", "text": ""})),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(
            field_codes(&v),
            [("text".to_string(), "required".to_string())]
        );
        let (s, v) = call(
            &app,
            "liaison.scjg",
            Method::POST,
            &format!("/api/v1/activities/{solo}/steps"),
            Some(json!({"step": "withdraw", "text": "与第一次登记重复"})),
        )
        .await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
        let v = summary(&app, "staff").await;
        assert_eq!(
            (&v["activities"], &v["participants"]),
            (&json!(2), &json!(568)),
            "{v}"
        );
        let (_, d) = call(
            &app,
            "liaison.scjg",
            Method::GET,
            &format!("/api/v1/activities/{solo}"),
            None,
        )
        .await;
        assert_eq!(
            (&d["state"], &d["steps"]),
            (&json!("withdrawn"), &json!([])),
            "{d}"
        );
        assert_eq!(audited(&app, solo).await, 2, "record, withdraw");
    })
    .await;
}

#[tokio::test]
async fn refused_input_is_named_field_by_field_and_writes_nothing() {
    each_db(true, |app| async move {
        let today = app.today();
        let police = app.unit_id("信阳市公安局").await;
        let post = |who: &'static str, body: Value| {
            let app = &app;
            async move { call(app, who, Method::POST, "/api/v1/activities", Some(body)).await }
        };
        let (s, v) = post("liaison.scjg", json!({})).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        let codes = field_codes(&v);
        for (f, c) in [
            ("kind", "required"),
            ("title", "required"),
            ("held_on", "required"),
            ("place", "required"),
            ("audiences", "required"),
            ("participants", "required"),
            ("report", "required"),
        ] {
            assert!(codes.contains(&(f.into(), c.into())), "{f} {c}: {codes:?}");
        }
        let tomorrow = (today + chrono::Duration::days(1)).to_string();
        let mut bad = training(police, &tomorrow);
        bad["kind"] = json!("outreach");
        bad["participants"] = json!("一百");
        bad["audiences"] = json!(["students"]);
        let (s, v) = post("liaison.scjg", bad).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(
            field_codes(&v),
            [
                ("outreach_to".to_string(), "required".to_string()),
                ("held_on".into(), "out_of_range".into()),
                ("audiences".into(), "invalid_choice".into()),
                ("participants".into(), "invalid_format".into()),
            ]
        );
        // A county's unit names only units of its county (市、县事权划分).
        let (s, v) = post("liaison.luoshan.scjg", training(police, &today.to_string())).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(
            field_codes(&v),
            [("co_organiser_unit_ids".to_string(), "out_of_jurisdiction".to_string())]
        );
        let (s, v) = post("liaison.scjg", training(999_999, &today.to_string())).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(
            field_codes(&v),
            [("co_organiser_unit_ids".to_string(), "not_found".to_string())]
        );
        // Readers who do not record activities.
        for who in ["leader", "head.scjg", "procurator", "sysadmin"] {
            let (s, _) = post(who, training(police, &today.to_string())).await;
            assert_eq!(s, StatusCode::FORBIDDEN, "{who}");
        }
        assert_eq!(app.count("activities").await, 0, "nothing written");
        assert_eq!(
            sqlx::query_scalar::<_, i64>(
                "SELECT COUNT(*) FROM audit_log WHERE object_type = 'activity'"
            )
            .fetch_one(&app.db.pool)
            .await
            .expect("audit"),
            0
        );
        // The year asked for is checked too.
        for (year, code) in [("1999", "out_of_range"), ("abc", "invalid_format")] {
            let (s, v) = call(
                &app,
                "staff",
                Method::GET,
                &format!("/api/v1/activities/summary?year={year}"),
                None,
            )
            .await;
            assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
            assert_eq!(field_codes(&v), [("year".to_string(), code.to_string())]);
        }
        // The office records its own training; the sysadmin reads none.
        let (s, v) = post(
            "staff",
            json!({
                "kind": "training", "title": "领导干部知识产权专题培训", "held_on": today.to_string(),
                "place": "市委党校", "audiences": ["leaders"], "participants": 60,
                "report": "邀请专家讲授知识产权保护形势。"
            }),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let (s, _) = call(&app, "sysadmin", Method::GET, "/api/v1/activities/summary", None).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
    })
    .await;
}

#[tokio::test]
async fn an_activity_is_recorded_corrected_and_illustrated_through_its_pages() {
    each_db(true, |app| async move {
        let police = app.unit_id("信阳市公安局").await.to_string();
        let today = app.today().to_string();
        let mut c = app.client();
        c.login("liaison.scjg", common::PASSWORD).await;
        let page = c.get("/activities").await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(page.body.contains("id=\"new-activity\""), "{}", page.body);
        let page = c.get("/activities/new").await;
        assert!(
            page.body.contains("信阳市公安局"),
            "the police offered as co-organiser"
        );
        let mut form = vec![
            ("kind", "training"),
            ("title", "市场监管与公安联合执法培训"),
            ("held_on", today.as_str()),
            ("ended_on", ""),
            ("place", "信阳市公安局培训中心"),
            ("co_organisers_offered", "1"),
            ("co_organiser_unit_ids", police.as_str()),
            ("audiences", "enforcement"),
            ("participants", "八十"),
            ("report", "交叉授课，讲解涉嫌犯罪案件移送标准。"),
        ];
        // A field error in Chinese against its field, the input kept as typed.
        let r = c.post("/activities/new", &form).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(r.body.contains("data-field=\"participants\""), "{}", r.body);
        assert!(r.body.contains("参加人数应为整数"), "{}", r.body);
        assert!(r.body.contains("市场监管与公安联合执法培训"), "title kept");
        assert!(
            r.body.contains("value=\"八十\""),
            "the number kept as typed"
        );
        assert!(
            r.body
                .contains(&format!("<option value=\"{police}\" selected>")),
            "the co-organiser kept: {}",
            r.body
        );
        assert_eq!(app.count("activities").await, 0);
        form[8] = ("participants", "80");
        let r = c.post("/activities/new", &form).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let to = r.location().to_string();
        let id: i64 = to
            .trim_start_matches("/activities/")
            .split('?')
            .next()
            .and_then(|s| s.parse().ok())
            .expect("id");
        let page = c.get(&to).await;
        assert!(page.body.contains("已创建"), "{}", page.body);
        assert!(
            page.body.contains("信阳市市场监督管理局、信阳市公安局"),
            "{}",
            page.body
        );
        assert!(page.body.contains("id=\"activity-joint\""));
        assert!(page.body.contains("id=\"step-withdraw\""));

        // The police's handler corrects it: the co-organisers are shown, not offered.
        let mut p = app.client();
        p.login("handler.gaj", common::PASSWORD).await;
        let page = p.get(&format!("/activities/{id}")).await;
        assert!(page.body.contains("id=\"step-update\""), "{}", page.body);
        assert!(!page.body.contains("id=\"step-withdraw\""));
        let edit = p.get(&format!("/activities/{id}/edit")).await;
        assert_eq!(edit.status, StatusCode::OK, "{}", edit.body);
        assert!(
            !edit.body.contains("co_organisers_offered"),
            "{}",
            edit.body
        );
        assert!(edit.body.contains("交叉授课，讲解涉嫌犯罪案件移送标准。"));
        let r = p
            .post(
                &format!("/activities/{id}/edit"),
                &[
                    ("kind", "training"),
                    ("title", "市场监管与公安联合执法培训"),
                    ("held_on", today.as_str()),
                    ("place", "信阳市公安局培训中心"),
                    ("audiences", "enforcement"),
                    ("audiences", "leaders"),
                    ("participants", "85"),
                    (
                        "report",
                        "交叉授课，讲解涉嫌犯罪案件移送标准；分管领导参加。",
                    ),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        // A photo through the page's upload form.
        let csrf = p.csrf.clone().expect("csrf");
        let r = p
            .post_multipart(
                &format!("/activities/{id}/attachments"),
                &[
                    ("_csrf", csrf.as_str()),
                    ("kind", "photo"),
                    ("description", "授课现场"),
                ],
                &[("file", "现场.png", PNG)],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let page = p.get(&format!("/activities/{id}")).await;
        assert!(page.body.contains("分管领导参加"), "{}", page.body);
        assert!(
            page.body.contains("领导干部、行政执法和司法人员"),
            "{}",
            page.body
        );
        assert!(
            page.body.contains("<img src=\"/activities/"),
            "{}",
            page.body
        );
        // Still organised jointly: the correction did not drop the market regulation bureau.
        assert!(page.body.contains("信阳市市场监督管理局、信阳市公安局"));

        // The city office reads it in the year's list and count, and may not edit it.
        let mut o = app.client();
        o.login("staff", common::PASSWORD).await;
        let list = o.get("/activities").await;
        assert!(
            list.body.contains("id=\"summary-activities\">1<"),
            "{}",
            list.body
        );
        assert!(list.body.contains("等2个单位联合举办"), "{}", list.body);
        let r = o.get(&format!("/activities/{id}/edit")).await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        let r = o.get("/activities?year=19x").await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("data-field=\"year\""), "{}", r.body);
        // Outside the county office's scope: not found.
        let mut l = app.client();
        l.login("county.luoshan", common::PASSWORD).await;
        assert_eq!(
            l.get(&format!("/activities/{id}")).await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(audited(&app, id).await, 3, "record, correct, photo");
    })
    .await;
}
