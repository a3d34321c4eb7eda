//! Jurisdiction in the operation, not the form (issue #12): every capability that names units
//! refuses a unit outside the acting office's region, through the API, on both databases. A
//! matrix of acting office × named unit's region → accepted or refused.

mod common;

use axum::http::{Method, StatusCode};
use common::{App, call, each_db};
use serde_json::{Value, json};

const CITY_MSA: &str = "信阳市市场监督管理局";
const LUOSHAN_MSA: &str = "罗山县市场监督管理局";
const PINGYIN_MSA: &str = "平阴县市场监督管理局";

fn day(offset: i64) -> String {
    (common::test_today() + chrono::Duration::days(offset)).to_string()
}

/// The body that creates a record of `capability` naming `unit`.
fn body(capability: &str, unit: &str) -> (String, Value) {
    match capability {
        "task" => (
            "/api/v1/tasks".into(),
            json!({"title": "核查线索", "description": "请核查。", "source": "decided_item",
                   "lead_unit_id": unit, "due_on": day(30)}),
        ),
        "circular" => (
            "/api/v1/circulars".into(),
            json!({"kind": "briefing", "title": "工作简报", "body": "现将有关情况通报如下。", "unit_ids": [unit]}),
        ),
        "meeting" => (
            "/api/v1/meetings".into(),
            json!({"kind": "liaison", "title": "联络员会议", "planned_on": day(3), "place": "会议室",
                   "topics": "通报工作。", "unit_ids": [unit]}),
        ),
        "inspection" => (
            "/api/v1/inspections".into(),
            json!({"title": "督导检查", "team": "双打办", "starts_on": day(-3), "ends_on": day(-1), "unit_ids": [unit]}),
        ),
        "round" => (
            "/api/v1/report-rounds".into(),
            json!({"kind": "case_data", "period_label": "本月", "period_start": day(-30), "period_end": day(-1),
                   "due_on": day(5), "unit_ids": [unit]}),
        ),
        other => panic!("no capability {other}"),
    }
}

async fn create(app: &App, who: &str, capability: &str, unit: &str) -> (StatusCode, Value) {
    let id = app.unit_id(unit).await.to_string();
    let (path, body) = body(capability, &id);
    call(app, who, Method::POST, &path, Some(body)).await
}

fn refused_for_jurisdiction(v: &Value) -> bool {
    v["error"]["fields"]
        .as_array()
        .is_some_and(|f| f.iter().any(|e| e["code"] == "out_of_jurisdiction"))
}

#[tokio::test]
async fn offices_name_only_units_of_their_region() {
    each_db(true, |app| async move {
        // (acting office account, units it may name, units it may not)
        let matrix: [(&str, &[&str], &[&str]); 3] = [
            ("staff", &[CITY_MSA, LUOSHAN_MSA], &[PINGYIN_MSA]),
            ("county.luoshan", &[LUOSHAN_MSA], &[CITY_MSA, PINGYIN_MSA]),
            ("pingyin.staff", &[PINGYIN_MSA], &[CITY_MSA, LUOSHAN_MSA]),
        ];
        for capability in ["task", "circular", "meeting", "inspection", "round"] {
            for (who, inside, outside) in matrix {
                let mut permitted = true;
                for unit in inside {
                    let (s, v) = create(&app, who, capability, unit).await;
                    if s == StatusCode::FORBIDDEN {
                        // The role may not create this record at all: nothing to name.
                        permitted = false;
                        continue;
                    }
                    assert_eq!(
                        s,
                        StatusCode::CREATED,
                        "{who} {capability} naming {unit}: {v}"
                    );
                }
                assert!(
                    permitted || who != "staff",
                    "the city office creates every {capability}"
                );
                for unit in outside {
                    let (s, v) = create(&app, who, capability, unit).await;
                    if !permitted {
                        assert_eq!(s, StatusCode::FORBIDDEN, "{who} {capability}: {v}");
                        continue;
                    }
                    assert_eq!(
                        s,
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "{who} {capability} naming {unit} is refused: {v}"
                    );
                    assert!(refused_for_jurisdiction(&v), "{v}");
                    let message = v["error"]["fields"][0]["message"].as_str().unwrap_or("");
                    assert!(
                        message.contains(unit),
                        "the refusal names the unit: {message}"
                    );
                }
            }
        }
        // Nothing refused was written: no task, circular, meeting, inspection or round names
        // Pingyin's bureau except those Pingyin's own office made.
        let pingyin = app.unit_id(PINGYIN_MSA).await;
        let pingyin_office = app.unit_id("平阴县知识产权工作领导小组办公室").await;
        let foreign: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM tasks WHERE lead_unit_id = $1 AND office_unit_id <> $2",
        )
        .bind(pingyin)
        .bind(pingyin_office)
        .fetch_one(&app.db.pool)
        .await
        .expect("count");
        assert_eq!(foreign, 0);
    })
    .await;
}

#[tokio::test]
async fn a_city_case_is_led_within_the_city() {
    each_db(true, |app| async move {
        let t = app.token("staff").await;
        let received = day(-1);
        let r = common::api(
            &app,
            Method::POST,
            "/api/v1/cases",
            Some(&t),
            Some(json!({
                "title": "假冒农资案", "summary": "群众举报销售假冒化肥。", "source": "public_report",
                "received_on": received, "right_kinds": ["trademark"], "regions": ["411502"], "parties": []
            })),
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let id = r.json()["id"].as_i64().expect("id");
        let path = format!("/api/v1/cases/{id}/steps");
        let (s, v) = call(&app, "staff", Method::POST, &path, Some(json!({"step": "propose", "grounds": [["cross_department", "涉及多个部门"]]}))).await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
        let staff = app.user_id("staff").await.to_string();
        let (s, v) = call(&app, "director", Method::POST, &path, Some(json!({"step": "approve", "reason": "同意", "responsible_user_id": staff}))).await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
        let pingyin = app.unit_id(PINGYIN_MSA).await.to_string();
        let luoshan = app.unit_id(LUOSHAN_MSA).await.to_string();
        let city = app.unit_id(CITY_MSA).await.to_string();
        // 000 §11: another city's unit can neither lead nor assist.
        for body in [
            json!({"step": "start", "lead_unit_id": pingyin, "assisting": []}),
            json!({"step": "start", "lead_unit_id": city, "assisting": [pingyin]}),
        ] {
            let (s, v) = call(&app, "staff", Method::POST, &path, Some(body)).await;
            assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
            assert!(refused_for_jurisdiction(&v), "{v}");
        }
        // A county of the city may lead.
        let (s, v) = call(&app, "staff", Method::POST, &path, Some(json!({"step": "start", "lead_unit_id": luoshan, "assisting": [city]}))).await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
    })
    .await;
}

#[tokio::test]
async fn a_transfer_goes_to_a_police_organ_of_the_city() {
    each_db(true, |app| async move {
        let transfer = |to: i64| {
            json!({
                "situation": "own_investigation", "title": "涉嫌销售假冒注册商标的商品案",
                "facts": "经查，某商贸公司销售假冒注册商标的白酒120箱。", "suspects": "某商贸有限公司",
                "amount": "256000.50", "to_unit_id": to.to_string(),
                "items": [{"name": "假冒白酒", "quantity": "120", "unit": "箱", "storage": "罚没物品仓库"}]
            })
        };
        let path = "/api/v1/transfers?direction=to_police";
        // 004 二: tried in the review, 信阳市市场监管局 → 平阴县公安局 was accepted.
        let pingyin = app.unit_id("平阴县公安局").await;
        let (s, v) = call(&app, "liaison.scjg", Method::POST, path, Some(transfer(pingyin))).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert!(refused_for_jurisdiction(&v), "{v}");
        for police in ["信阳市公安局", "罗山县公安局"] {
            let id = app.unit_id(police).await;
            let (s, v) = call(&app, "liaison.scjg", Method::POST, path, Some(transfer(id))).await;
            assert_eq!(s, StatusCode::CREATED, "{police}: {v}");
        }
    })
    .await;
}
