//! The annual performance assessment (issue #16; seeds 001 §14, 002 (五), 003 二(四)) on both
//! databases: the city office sets the year's scheme; the results are computed from the
//! units' clocks (a late clock costs its share in the list, the click-through and the score)
//! and frozen; a clock met afterwards changes nothing and the results are reproduced from the
//! snapshot; a unit objects, the office adjusts with reasons and scores by hand with evidence,
//! the group leader approves and the results go out as a circular; every step audited.

mod common;

use axum::http::{Method, StatusCode};
use chrono::{Datelike, NaiveDate};
use common::{App, call, each_db};
use serde_json::{Value, json};
use shuangda::deadline::Rule;

/// A clock of `owner` opened on `start` for 5 working days, of record type `kind` if given.
async fn clock(app: &App, purpose: &str, owner: &str, kind: Option<&str>, start: NaiveDate) -> i64 {
    let owner = app.unit_id(owner).await;
    let mut tx = app.db.begin().await.expect("tx");
    let id = shuangda::deadline::store::open(
        &mut tx,
        &app.state.calendar(),
        &app.system("测试"),
        &shuangda::deadline::store::NewDeadline {
            purpose: purpose.into(),
            clause: "004 二(一)".into(),
            start_event: "测试".into(),
            start,
            rule: Rule::WorkingDays(5),
            record_type: kind.map(str::to_string),
            record_id: kind.map(|_| 1),
            owner_unit_id: owner,
            owner_user_id: None,
        },
    )
    .await
    .expect("open");
    tx.commit().await.expect("commit");
    id
}

async fn due_of(app: &App, id: i64) -> NaiveDate {
    let d: String = sqlx::query_scalar("SELECT due_date FROM deadlines WHERE id = $1")
        .bind(id)
        .fetch_one(&app.db.pool)
        .await
        .expect("due");
    NaiveDate::parse_from_str(&d, "%Y-%m-%d").expect("date")
}

fn fields(v: &Value) -> Vec<(String, String)> {
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

fn line<'a>(d: &'a Value, table: &str, name: &str) -> &'a Value {
    d["results"][table]
        .as_array()
        .expect("lines")
        .iter()
        .find(|l| l["name"] == name)
        .unwrap_or_else(|| panic!("no {name} in {table}: {d}"))
}

async fn step(app: &App, who: &str, id: i64, body: Value) -> (StatusCode, Value) {
    call(
        app,
        who,
        Method::POST,
        &format!("/api/v1/assessments/{id}/steps"),
        Some(body),
    )
    .await
}

const MSA: &str = "信阳市市场监督管理局";
const POLICE: &str = "信阳市公安局";

#[tokio::test]
async fn a_year_is_computed_frozen_consulted_adjusted_approved_and_circulated() {
    each_db(true, |app| async move {
        // Only this test's clocks.
        for t in ["deadline_events", "deadlines", "clock_tally", "clock_tally_delta"] {
            sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {t}")))
                .execute(&app.db.pool)
                .await
                .expect("clean");
        }
        let year = app.today().year();
        let jan = |d: u32| NaiveDate::from_ymd_opt(year, 1, d).expect("day");
        // The bureau: three clocks met in time, one met late, and a transfer clock met late.
        let mut late = Vec::new();
        let mut staff = app.client();
        staff.login("staff", common::PASSWORD).await;
        for (n, (kind, on_time)) in [(None, true), (None, true), (None, true), (None, false), (Some("transfer"), false)]
            .into_iter()
            .enumerate()
        {
            let id = clock(&app, &format!("时限{n}"), MSA, kind, jan(5)).await;
            let due = due_of(&app, id).await;
            let met = if on_time { due } else { due.succ_opt().expect("day") };
            if !on_time {
                late.push(id);
            }
            let r = staff
                .post(&format!("/deadlines/{id}/change"), &[("op", "met"), ("date", &met.to_string())])
                .await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        }
        // The police: one clock still running past its due date. 罗山县's bureau: one in time.
        let overdue = clock(&app, "逾期未办", POLICE, None, jan(5)).await;
        let ls = clock(&app, "罗山按期", "罗山县市场监督管理局", None, jan(5)).await;
        let due = due_of(&app, ls).await;
        let r = staff.post(&format!("/deadlines/{ls}/change"), &[("op", "met"), ("date", &due.to_string())]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

        // The scheme: refused field by field, then the default; one per year.
        let mut bad: Vec<Value> = shuangda::assessment::model::default_indicators()
            .into_iter()
            .map(|i| serde_json::to_value(i).expect("json"))
            .collect();
        bad[0]["weight"] = json!(20);
        let (s, v) = call(&app, "staff", Method::POST, "/api/v1/assessments", Some(json!({"year": (year + 1).to_string(), "title": "", "indicators": bad}))).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            fields(&v),
            [("year".into(), "out_of_range".into()), ("title".into(), "required".into()), ("indicators".into(), "out_of_range".into())]
        );
        let scheme = json!({"year": year.to_string(), "title": format!("{year}年度打击侵权假冒工作绩效考核")});
        let (s, _) = call(&app, "liaison.scjg", Method::POST, "/api/v1/assessments", Some(scheme.clone())).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, v) = call(&app, "staff", Method::POST, "/api/v1/assessments", Some(scheme.clone())).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let id = v["id"].as_i64().expect("id");
        let (_, v) = call(&app, "staff", Method::POST, "/api/v1/assessments", Some(scheme)).await;
        assert_eq!(fields(&v), [("year".into(), "taken".into())]);
        // The county office's scheme sent twice at once: one is set, the other told so.
        let county = json!({"year": year.to_string(), "title": format!("罗山县{year}年度考核")});
        let (a, b) = tokio::join!(
            call(&app, "county.luoshan", Method::POST, "/api/v1/assessments", Some(county.clone())),
            call(&app, "county.luoshan", Method::POST, "/api/v1/assessments", Some(county)),
        );
        let mut got = [a.0, b.0];
        got.sort();
        assert_eq!(got, [StatusCode::CREATED, StatusCode::UNPROCESSABLE_ENTITY], "{} {}", a.1, b.1);

        // Computed once: of two at once one is taken; a unit may not compute.
        let (s, _) = step(&app, "liaison.scjg", id, json!({"step": "compute"})).await;
        assert_eq!(s, StatusCode::CONFLICT);
        let (a, b) = tokio::join!(
            step(&app, "staff", id, json!({"step": "compute"})),
            step(&app, "staff", id, json!({"step": "compute"})),
        );
        let mut got = [a.0, b.0];
        got.sort();
        assert_eq!(got, [StatusCode::NO_CONTENT, StatusCode::CONFLICT], "{} {}", a.1, b.1);
        let subjects: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM assessment_scores WHERE assessment_id = $1 AND indicator = 'clocks'")
            .bind(id)
            .fetch_one(&app.db.pool)
            .await
            .expect("count");
        let (_, d) = call(&app, "director", Method::GET, &format!("/api/v1/assessments/{id}"), None).await;
        assert_eq!(d["state"], "consulting", "{d}");
        assert_eq!(
            subjects as usize,
            d["results"]["units"].as_array().map(Vec::len).unwrap_or(0) + d["results"]["counties"].as_array().map(Vec::len).unwrap_or(0),
            "scored once each"
        );
        // A late clock costs its share: 25 × 3/5 for all the bureau's clocks, 15 × 0/1 for transfers.
        let msa = line(&d, "units", MSA);
        assert_eq!((msa["scores"]["clocks"]["score_centi"].as_i64(), msa["scores"]["clocks"]["counted"].as_i64(), msa["scores"]["clocks"]["on_time"].as_i64()), (Some(1500), Some(5), Some(3)));
        assert_eq!(msa["scores"]["transfers"]["score_centi"], 0);
        assert_eq!(msa["scores"]["rounds"]["score_centi"], 1000, "nothing to count costs nothing");
        assert_eq!(msa["scores"]["work"]["score_centi"], 0, "scored by hand later");
        assert_eq!(msa["total"], "65.00");
        let police = line(&d, "units", POLICE);
        assert_eq!(police["scores"]["clocks"]["score_centi"], 0, "running past due counts as not on time");
        let county = line(&d, "counties", "罗山县打击侵权假冒工作领导小组办公室");
        assert_eq!((county["scores"]["clocks"]["score_centi"].as_i64(), county["scores"]["clocks"]["counted"].as_i64()), (Some(2500), Some(1)));
        let first = &d["results"]["units"][0];
        assert_eq!((first["rank"].as_i64(), first["total"].as_str()), (Some(1), Some("90.00")), "{d}");
        // The click-through opens exactly the late clocks behind the score.
        let unit = app.unit_id(MSA).await;
        let (s, c) = call(&app, "leader", Method::GET, &format!("/api/v1/assessments/{id}/clocks?unit={unit}&indicator=clocks&late=1"), None).await;
        assert_eq!(s, StatusCode::OK, "{c}");
        let mut ids: Vec<i64> = c.as_array().expect("clocks").iter().filter_map(|r| r["deadline_id"].as_i64()).collect();
        ids.sort();
        assert_eq!(ids, late);
        assert!(c.as_array().expect("clocks").iter().all(|r| r["outcome"] == "late"));
        let (s, _) = call(&app, "leader", Method::GET, &format!("/api/v1/assessments/{id}/clocks?unit={unit}&indicator=work"), None).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "a hand-scored indicator has no clocks");

        // Frozen: the police's clock met now changes nothing, and the snapshot reproduces it.
        let r = staff.post(&format!("/deadlines/{overdue}/change"), &[("op", "met"), ("date", &app.today().to_string())]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let (_, d) = call(&app, "staff", Method::GET, &format!("/api/v1/assessments/{id}"), None).await;
        assert_eq!(line(&d, "units", POLICE)["scores"]["clocks"]["score_centi"], 0);
        let (_, rep) = call(&app, "staff", Method::GET, &format!("/api/v1/assessments/{id}/reproduction"), None).await;
        assert_eq!(rep["matches"], true, "{rep}");

        // Consultation: the bureau objects; the office adjusts with reasons and evidence.
        let (s, v) = step(&app, "liaison.scjg", id, json!({"step": "object", "text": ""})).await;
        assert_eq!(fields(&v), [("text".into(), "required".into())], "{s}");
        let (s, v) = step(&app, "liaison.scjg", id, json!({"step": "object", "indicator": "transfers", "text": "移送逾期系公安机关未及时签收所致"})).await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
        let (s, _) = step(&app, "staff", id, json!({"step": "object", "text": "x"})).await;
        assert_eq!(s, StatusCode::CONFLICT, "the office is not assessed");
        let (s, v) = step(&app, "staff", id, json!({"step": "adjust", "unit_id": unit, "indicator": "work", "score": "8", "reason": "全年开展宣传活动六次"})).await;
        assert_eq!(fields(&v), [("evidence".into(), "required".into())], "{s}");
        let (s, v) = step(&app, "staff", id, json!({"step": "adjust", "unit_id": unit, "indicator": "work", "score": "11", "reason": "x", "evidence": "y"})).await;
        assert_eq!(fields(&v), [("score".into(), "out_of_range".into())], "{s}");
        let (s, v) = step(&app, "staff", id, json!({"step": "adjust", "unit_id": unit, "indicator": "work", "score": "8", "reason": "全年开展宣传活动六次", "evidence": "宣传培训活动登记六条"})).await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
        let (s, v) = step(&app, "staff", id, json!({"step": "adjust", "unit_id": unit, "indicator": "transfers", "score": "7.5", "reason": "经核实，一件逾期系公安机关未及时签收"})).await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
        let (s, _) = step(&app, "liaison.scjg", id, json!({"step": "adjust", "unit_id": unit, "indicator": "work", "score": "10", "reason": "x", "evidence": "y"})).await;
        assert_eq!(s, StatusCode::CONFLICT, "a unit does not score itself");
        let (_, d) = call(&app, "staff", Method::GET, &format!("/api/v1/assessments/{id}"), None).await;
        assert_eq!(line(&d, "units", MSA)["total"], "80.50", "{d}");
        assert_eq!(d["adjustments"].as_array().map(Vec::len), Some(2));
        assert_eq!(d["objections"][0]["indicator"], "transfers");
        let (_, rep) = call(&app, "staff", Method::GET, &format!("/api/v1/assessments/{id}/reproduction"), None).await;
        assert_eq!(rep["matches"], true, "with the adjustments: {rep}");
        // A score changed behind the procedure's back is found.
        sqlx::query("UPDATE assessment_scores SET score_centi = 2500 WHERE assessment_id = $1 AND unit_id = $2 AND indicator = 'clocks'")
            .bind(id)
            .bind(unit)
            .execute(&app.db.pool)
            .await
            .expect("tamper");
        let (_, rep) = call(&app, "staff", Method::GET, &format!("/api/v1/assessments/{id}/reproduction"), None).await;
        assert_eq!(rep["matches"], false, "{rep}");
        sqlx::query("UPDATE assessment_scores SET score_centi = 1500 WHERE assessment_id = $1 AND unit_id = $2 AND indicator = 'clocks'")
            .bind(id)
            .bind(unit)
            .execute(&app.db.pool)
            .await
            .expect("restore");

        // The leader approves; the office issues the circular of the results.
        let (s, _) = step(&app, "director", id, json!({"step": "approve"})).await;
        assert_eq!(s, StatusCode::CONFLICT, "the group's leader approves");
        let (s, v) = step(&app, "leader", id, json!({"step": "approve"})).await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
        let (s, _) = step(&app, "staff", id, json!({"step": "adjust", "unit_id": unit, "indicator": "work", "score": "9", "reason": "x", "evidence": "y"})).await;
        assert_eq!(s, StatusCode::CONFLICT, "approved results are not adjusted");
        let (s, v) = step(&app, "staff", id, json!({"step": "issue"})).await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
        let (_, d) = call(&app, "liaison.scjg", Method::GET, &format!("/api/v1/assessments/{id}"), None).await;
        assert_eq!(d["state"], "issued");
        let circular = d["circular_id"].as_i64().expect("circular");
        let (s, c) = call(&app, "staff", Method::GET, &format!("/api/v1/circulars/{circular}"), None).await;
        assert_eq!(s, StatusCode::OK, "{c}");
        let body = c.to_string();
        assert!(body.contains("绩效考核结果的通报") && body.contains("信阳市市场监督管理局，80.50分"), "{body}");

        // Criticism leads to rectification within a time limit, as a supervised task.
        let police_id = app.unit_id(POLICE).await;
        let (s, v) = step(&app, "staff", id, json!({"step": "rectify", "unit_ids": [], "due_on": app.today().to_string(), "text": ""})).await;
        assert_eq!(
            fields(&v),
            [("due_on".into(), "out_of_range".into()), ("text".into(), "required".into()), ("unit_ids".into(), "required".into())],
            "{s}"
        );
        let due = (app.today() + chrono::Duration::days(30)).to_string();
        let (s, v) = step(&app, "staff", id, json!({"step": "rectify", "unit_ids": [police_id], "due_on": due, "text": "逾期未办结问题限期整改"})).await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
        let (_, d) = call(&app, "staff", Method::GET, &format!("/api/v1/assessments/{id}"), None).await;
        let r = &d["rectifications"];
        assert_eq!((r.as_array().map(Vec::len), r[0]["unit_name"].as_str(), r[0]["due_on"].as_str()), (Some(1), Some(POLICE), Some(due.as_str())), "{d}");
        let task = r[0]["id"].as_i64().expect("task");
        let (s, t) = call(&app, "handler.gaj", Method::GET, &format!("/api/v1/tasks/{task}"), None).await;
        assert_eq!(s, StatusCode::OK, "the police see their task: {t}");

        let actions: Vec<String> = sqlx::query_scalar("SELECT action FROM audit_log WHERE object_type = 'assessment' AND object_id = $1 ORDER BY seq")
            .bind(id.to_string())
            .fetch_all(&app.db.pool)
            .await
            .expect("audit");
        assert_eq!(
            actions,
            ["assessment.create", "assessment.compute", "assessment.object", "assessment.adjust", "assessment.adjust", "assessment.approve", "assessment.issue", "assessment.rectify"]
        );

        // The pages: the ranking with its click-through, and the workbook.
        let r = staff.get(&format!("/assessments/{id}")).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.body.contains(&format!("/assessments/{id}/clocks?unit={unit}&amp;indicator=clocks&amp;late=1")), "{}", r.body);
        let r = staff.get(&format!("/assessments/{id}/clocks?unit={unit}&indicator=clocks&late=1")).await;
        assert!(r.body.contains("时限3") && r.body.contains("逾期完成") && !r.body.contains("时限0"), "{}", r.body);
        let r = staff.get(&format!("/assessments/{id}/xlsx")).await;
        assert_eq!(r.status, StatusCode::OK);
        let r = staff.get("/assessments").await;
        assert!(r.body.contains("年度绩效考核") && r.body.contains("第十四条"), "{}", r.body);
    })
    .await;
}
