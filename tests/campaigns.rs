//! Special campaigns and joint enforcement actions (issue #22; seeds 002 (一)1, (四)1, (四)3,
//! 004 一(一)) on both databases: the city office launches a campaign with three units; the
//! market regulation bureau reports on time, the police after the due date (late), the tobacco
//! bureau not at all; the office sees who stands where and the totals (also as .xlsx); a joint
//! action of the bureau and the police is seen by both and counted once; each unit sees its own
//! reports only, a county outside nothing; every act audited; refused input writes nothing.

mod common;

use axum::http::{Method, StatusCode};
use chrono::Days;
use common::{App, call, each_db};
use serde_json::{Value, json};

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

async fn audited(app: &App, kind: &str, id: i64) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT action FROM audit_log WHERE object_type = $1 AND object_id = $2 ORDER BY seq",
    )
    .bind(kind)
    .bind(id.to_string())
    .fetch_all(&app.db.pool)
    .await
    .expect("audit")
}

fn report_of(view: &Value, unit: i64) -> i64 {
    view["stages"][0]["units"]
        .as_array()
        .expect("units")
        .iter()
        .find(|u| u["unit_id"] == unit)
        .unwrap_or_else(|| panic!("no report of {unit}: {view}"))["report_id"]
        .as_i64()
        .expect("report id")
}

fn standing_of(view: &Value, unit: i64) -> String {
    view["stages"][0]["units"]
        .as_array()
        .expect("units")
        .iter()
        .find(|u| u["unit_id"] == unit)
        .map(|u| u["standing"].as_str().unwrap_or("").to_string())
        .unwrap_or_default()
}

fn figures(filed: i64, amount: &str) -> Value {
    json!({
        "personnel": "40", "inspections": "120", "samples": "15", "dens_closed": "1",
        "cases_filed": filed.to_string(), "cases_concluded": "1", "amount_involved": amount,
        "fines_confiscations": "5000", "transferred": "0", "persons_arrested": "0"
    })
}

async fn step(who: &str, app: &App, rid: i64, body: Value) -> (StatusCode, Value) {
    call(
        app,
        who,
        Method::POST,
        &format!("/api/v1/campaigns/reports/{rid}/steps"),
        Some(body),
    )
    .await
}

async fn view(app: &App, who: &str, id: i64) -> Value {
    let (s, v) = call(
        app,
        who,
        Method::GET,
        &format!("/api/v1/campaigns/{id}"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{who}: {v}");
    v
}

#[tokio::test]
async fn a_campaign_with_two_units_reporting_one_late_and_its_totals() {
    each_db(true, |app| async move {
        let today = app.today();
        let msa = app.unit_id("信阳市市场监督管理局").await;
        let police = app.unit_id("信阳市公安局").await;
        let tobacco = app.unit_id("信阳市烟草专卖局").await;
        let starts = today - Days::new(30);
        let (s, v) = call(&app, "staff", Method::POST, "/api/v1/campaigns", Some(json!({
            "title": "农资打假专项行动",
            "goal": "集中整治假劣种子、化肥、农药，查处一批案件",
            "starts_on": starts.to_string(),
            "ends_on": today.to_string(),
            "products": ["agricultural_inputs", "cigarettes"],
            "rights": ["trademark"],
            "lead_unit_id": msa,
            "unit_ids": [police, tobacco],
        }))).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let id = v["id"].as_i64().expect("id");
        assert_eq!(audited(&app, "campaign", id).await, ["campaign.launch"]);

        // One stage, the campaign's end; due 5 working days after it on the calendar.
        let due = app
            .state
            .calendar()
            .due_date(today, shuangda::calendar::Period::WorkingDays(5))
            .expect("due date");
        let v = view(&app, "staff", id).await;
        assert_eq!(v["stages"].as_array().map(Vec::len), Some(1), "{v}");
        assert_eq!(v["stages"][0]["stage"]["due_on"], due.to_string());
        assert_eq!(v["totals"]["reports"], 3);
        assert_eq!(v["totals"]["pending"], 3);
        for u in [msa, police, tobacco] {
            assert_eq!(standing_of(&v, u), "pending");
        }
        let (msa_report, police_report, tobacco_report) =
            (report_of(&v, msa), report_of(&v, police), report_of(&v, tobacco));
        let clock: (String, String) = sqlx::query_as(
            "SELECT due_date, clause FROM deadlines WHERE record_type = 'campaign_report' AND record_id = $1",
        )
        .bind(police_report)
        .fetch_one(&app.db.pool)
        .await
        .expect("clock");
        assert_eq!(clock.0, due.to_string());
        let todo: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM todo_items WHERE source_type = 'campaign_report' AND source_id = $1 AND unit_id = $2 AND done_at IS NULL",
        )
        .bind(police_report)
        .bind(police)
        .fetch_one(&app.db.pool)
        .await
        .expect("todo");
        assert_eq!(todo, 1, "the police's to-do");

        // Scope: a unit sees its own report only; a county outside sees nothing.
        let (s, _) = call(&app, "handler.gaj", Method::GET, &format!("/api/v1/campaigns/reports/{msa_report}"), None).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let p = view(&app, "handler.gaj", id).await;
        assert_eq!(p["stages"][0]["units"].as_array().map(Vec::len), Some(1), "{p}");
        for who in ["liaison.luoshan.scjg", "county.luoshan"] {
            let (s, _) = call(&app, who, Method::GET, &format!("/api/v1/campaigns/{id}"), None).await;
            assert_eq!(s, StatusCode::NOT_FOUND, "{who}");
        }
        let (s, v) = call(&app, "liaison.luoshan.scjg", Method::GET, "/api/v1/campaigns", None).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(v["items"].as_array().map(Vec::len), Some(0), "{v}");

        // The bureau reports on time: the checks of the figure mechanism first.
        let mut bad = figures(0, "1");
        bad["transferred"] = json!("0");
        let (s, v) = step("liaison.scjg", &app, msa_report, json!({"step": "submit", "figures": bad})).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(fields(&v), [("figures.cases_concluded".to_string(), "check_failed".to_string()), ("actions".into(), "required".into())]);
        let (s, _) = step("handler.gaj", &app, msa_report, json!({"step": "save", "figures": {}})).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "another unit's report");
        let (s, v) = step("liaison.scjg", &app, msa_report, json!({"step": "submit", "figures": figures(3, "12000.50"), "actions": "检查农资门店120户，抽检化肥15批次"})).await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
        let (s, v) = step("liaison.scjg", &app, msa_report, json!({"step": "submit", "figures": figures(3, "1"), "actions": "再报"})).await;
        assert_eq!((s, v["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("step_refused")));
        assert_eq!(audited(&app, "campaign_report", msa_report).await, ["campaign.report_submit"]);

        // The police save on time and send the day after the due date: late.
        let (s, _) = step("handler.gaj", &app, police_report, json!({"step": "save", "figures": {"cases_filed": "2"}, "actions": "草稿"})).await;
        assert_eq!(s, StatusCode::NO_CONTENT);
        let late = app.on(due + Days::new(1));
        let v = view(&late, "staff", id).await;
        assert_eq!(standing_of(&v, police), "overdue");
        let (s, v) = step("handler.gaj", &late, police_report, json!({"step": "submit", "figures": figures(2, "3000"), "actions": "配合查处假劣农药案件2起"})).await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
        let (_, r) = call(&late, "handler.gaj", Method::GET, &format!("/api/v1/campaigns/reports/{police_report}"), None).await;
        assert_eq!((r["timeliness"].as_str(), r["standing"].as_str()), (Some("late"), Some("late")), "{r}");
        let done: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM todo_items WHERE source_type = 'campaign_report' AND source_id = $1 AND done_at IS NULL",
        )
        .bind(police_report)
        .fetch_one(&app.db.pool)
        .await
        .expect("todo");
        assert_eq!(done, 0, "the to-do discharged by the submission");

        // A joint action of the bureau and the police, within the campaign: both see it, it
        // counts once.
        let (s, v) = call(&late, "liaison.scjg", Method::POST, "/api/v1/joint-actions", Some(json!({
            "campaign_id": id,
            "title": "联合查处假冒化肥窝点",
            "held_on": today.to_string(),
            "place": "平桥区某仓库",
            "target": "假冒复合肥储存窝点",
            "parts": [
                {"unit_id": msa, "part": "现场检查，查封扣押涉案化肥"},
                {"unit_id": police, "part": "控制现场人员，固定证据"}
            ],
            "results": "查获假冒复合肥30吨",
            "figures": {"inspections": "1", "amount_involved": "90000"}
        }))).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let joint = v["id"].as_i64().expect("joint id");
        let (s, j) = call(&late, "handler.gaj", Method::GET, &format!("/api/v1/joint-actions/{joint}"), None).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(j["parts"].as_array().map(Vec::len), Some(2));
        assert_eq!(j["steps"], json!([]), "only the recording unit withdraws");
        let (s, _) = call(&late, "liaison.luoshan.scjg", Method::GET, &format!("/api/v1/joint-actions/{joint}"), None).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, v) = call(&late, "handler.gaj", Method::POST, &format!("/api/v1/joint-actions/{joint}/steps"), Some(json!({"step": "withdraw", "text": "误登记"}))).await;
        assert_eq!(s, StatusCode::CONFLICT, "{v}");
        let (s, v) = call(&late, "liaison.luoshan.scjg", Method::POST, "/api/v1/joint-actions", Some(json!({
            "campaign_id": id, "title": "x", "held_on": today.to_string(), "place": "x", "target": "x",
            "parts": [{"unit_id": police, "part": "x"}, {"unit_id": msa, "part": "y"}], "results": "x"
        }))).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");

        // The office: on time 1, late 1, not reported 1; the totals the sum of the two.
        let v = view(&late, "staff", id).await;
        assert_eq!(standing_of(&v, msa), "on_time");
        assert_eq!(standing_of(&v, police), "late");
        assert_eq!(standing_of(&v, tobacco), "overdue");
        let t = &v["totals"];
        assert_eq!((t["on_time"].as_i64(), t["late"].as_i64(), t["overdue"].as_i64(), t["pending"].as_i64()), (Some(1), Some(1), Some(1), Some(0)), "{t}");
        assert_eq!(t["totals"]["cases_filed"], 5);
        assert_eq!(t["totals"]["inspections"], 240);
        assert_eq!(t["totals"]["amount_involved"], 1_500_050, "yuan kept in fen");
        assert_eq!(v["joint"]["actions"], 1);
        assert_eq!(v["joint"]["totals"]["amount_involved"], 9_000_000);
        assert_eq!(v["joint"]["unit_parts"], 2);
        let _ = tobacco_report;

        // The table as .xlsx.
        let r = common::api_get(&late, "staff", &format!("/api/v1/campaigns/{id}/xlsx")).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.bytes.starts_with(b"PK"), "a workbook");

        // Concluded by the office after its end, not by a unit.
        let (s, _) = call(&late, "liaison.scjg", Method::POST, &format!("/api/v1/campaigns/{id}/steps"), Some(json!({"step": "conclude", "text": "总结"}))).await;
        assert_eq!(s, StatusCode::CONFLICT);
        let (s, v) = call(&late, "staff", Method::POST, &format!("/api/v1/campaigns/{id}/steps"), Some(json!({"step": "conclude", "text": "共检查农资门店240户，立案5起。"}))).await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
        assert_eq!(audited(&app, "campaign", id).await, ["campaign.launch", "campaign.conclude"]);
        let open: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM todo_items t JOIN campaign_reports r ON r.id = t.source_id \
             WHERE t.source_type = 'campaign_report' AND t.done_at IS NULL AND r.campaign_id = $1",
        )
        .bind(id)
        .fetch_one(&app.db.pool)
        .await
        .expect("duties");
        assert_eq!(open, 0, "a concluded campaign leaves no unit a report to send");
        let (s, _) = call(&late, "liaison.scjg", Method::POST, &format!("/api/v1/joint-actions/{joint}/steps"), Some(json!({"step": "withdraw", "text": "重复登记"}))).await;
        assert_eq!(s, StatusCode::NO_CONTENT);
        let v = view(&late, "staff", id).await;
        assert_eq!(v["joint"]["actions"], 0, "a withdrawn action no longer counts");
        assert_eq!(audited(&app, "joint_action", joint).await, ["joint_action.record", "joint_action.withdraw"]);

        // The pages.
        let mut c = late.client();
        c.login("staff", common::PASSWORD).await;
        let page = c.get(&format!("/campaigns/{id}")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("逾期报送") && page.body.contains("逾期未报") && page.body.contains("农资打假专项行动"), "the campaign page");
        let mut c = late.client();
        c.login("liaison.scjg", common::PASSWORD).await;
        let page = c.get(&format!("/campaigns/reports/{msa_report}")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("按期报送"));
        assert_eq!(c.get("/campaigns").await.status, StatusCode::OK);
        assert_eq!(c.get("/joint-actions").await.status, StatusCode::OK);
        assert_eq!(c.get("/joint-actions/new").await.status, StatusCode::OK);
    })
    .await;
}

#[tokio::test]
async fn refused_input_is_named_field_by_field_and_writes_nothing() {
    each_db(true, |app| async move {
        let (s, v) = call(&app, "staff", Method::POST, "/api/v1/campaigns", Some(json!({}))).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            fields(&v),
            [
                ("title".to_string(), "required".to_string()),
                ("goal".into(), "required".into()),
                ("starts_on".into(), "required".into()),
                ("ends_on".into(), "required".into()),
                ("products".into(), "required".into()),
                ("lead_unit_id".into(), "required".into()),
            ]
        );
        let today = app.today();
        let msa = app.unit_id("信阳市市场监督管理局").await;
        let body = json!({
            "title": "食品安全专项整治", "goal": "整治", "starts_on": (today - Days::new(60)).to_string(),
            "ends_on": (today - Days::new(30)).to_string(), "products": ["food"], "lead_unit_id": msa
        });
        // A unit does not launch one; nor an office whose first report would be due already.
        let (s, _) = call(&app, "liaison.scjg", Method::POST, "/api/v1/campaigns", Some(body.clone())).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, v) = call(&app, "staff", Method::POST, "/api/v1/campaigns", Some(body)).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(fields(&v), [("stages".to_string(), "out_of_range".to_string())]);
        // A county office names no city unit.
        let (s, v) = call(&app, "county.luoshan", Method::POST, "/api/v1/campaigns", Some(json!({
            "title": "食品安全专项整治", "goal": "整治", "starts_on": today.to_string(),
            "ends_on": (today + Days::new(30)).to_string(), "products": ["food"], "lead_unit_id": msa
        }))).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(fields(&v), [("lead_unit_id".to_string(), "out_of_jurisdiction".to_string())]);
        assert_eq!(app.count("campaigns").await, 0);
        assert_eq!(app.count("campaign_reports").await, 0);
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE object_type IN ('campaign', 'joint_action')")
            .fetch_one(&app.db.pool)
            .await
            .expect("audit");
        assert_eq!(n, 0);
        let (s, v) = call(&app, "liaison.scjg", Method::POST, "/api/v1/joint-actions", Some(json!({}))).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(fields(&v).len(), 6, "{v}");
        assert_eq!(app.count("joint_actions").await, 0);

        // A county office launches its county's campaign: the city office reads it, a city
        // unit not in it does not.
        let ls_msa = app.unit_id("罗山县市场监督管理局").await;
        let (s, v) = call(&app, "county.luoshan", Method::POST, "/api/v1/campaigns", Some(json!({
            "title": "罗山县食品安全专项整治", "goal": "整治", "starts_on": today.to_string(),
            "ends_on": (today + Days::new(30)).to_string(), "products": ["food"], "lead_unit_id": ls_msa
        }))).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let id = v["id"].as_i64().expect("id");
        for (who, status) in [("county.luoshan", StatusCode::OK), ("staff", StatusCode::OK), ("liaison.luoshan.scjg", StatusCode::OK), ("liaison.scjg", StatusCode::NOT_FOUND)] {
            let (s, _) = call(&app, who, Method::GET, &format!("/api/v1/campaigns/{id}"), None).await;
            assert_eq!(s, status, "{who}");
        }
    })
    .await;
}

#[tokio::test]
async fn a_campaign_is_launched_reported_and_joined_through_the_pages() {
    each_db(true, |app| async move {
        let today = app.today();
        let msa = app.unit_id("信阳市市场监督管理局").await.to_string();
        let police = app.unit_id("信阳市公安局").await.to_string();
        let (start, end) = ((today - Days::new(10)).to_string(), today.to_string());
        let mut c = app.client();
        c.login("staff", common::PASSWORD).await;
        assert_eq!(c.get("/campaigns/new").await.status, StatusCode::OK);
        // A refused form keeps what was typed and names the field.
        let r = c
            .post(
                "/campaigns/new",
                &[("title", "卷烟打假专项行动"), ("goal", "")],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            r.body.contains("卷烟打假专项行动") && r.body.contains("请填写工作目标和措施"),
            "the form again"
        );
        let r = c
            .post(
                "/campaigns/new",
                &[
                    ("title", "卷烟打假专项行动"),
                    ("goal", "打击制售假冒卷烟"),
                    ("starts_on", &start),
                    ("ends_on", &end),
                    ("products", "cigarettes"),
                    ("rights", "trademark"),
                    ("lead_unit_id", &msa),
                    ("unit_ids", &police),
                    ("due_working_days", "5"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let id: i64 = r
            .location()
            .trim_start_matches("/campaigns/")
            .split('?')
            .next()
            .and_then(|s| s.parse().ok())
            .expect("campaign id");
        let v = view(&app, "staff", id).await;
        let report = report_of(&v, app.unit_id("信阳市公安局").await);
        assert_eq!(v["units"].as_array().map(Vec::len), Some(2), "{v}");

        // The police report through the page: a missing figure named on its cell.
        let mut p = app.client();
        p.login("handler.gaj", common::PASSWORD).await;
        let path = format!("/campaigns/reports/{report}");
        let r = p
            .post(
                &path,
                &[
                    ("step", "submit"),
                    ("figures.inspections", "3"),
                    ("actions", "配合检查"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            r.body.contains("data-field=\"figures.cases_filed\""),
            "the cell named"
        );
        let mut form: Vec<(String, String)> = common_figures()
            .into_iter()
            .map(|(k, v)| (format!("figures.{k}"), v.to_string()))
            .collect();
        form.push(("step".into(), "submit".into()));
        form.push(("actions".into(), "配合市场监管部门检查卷烟零售户".into()));
        let refs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let r = p.post(&path, &refs).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let v = view(&app, "staff", id).await;
        assert_eq!(
            standing_of(&v, app.unit_id("信阳市公安局").await),
            "on_time"
        );

        // A joint action recorded through the page.
        let r = p
            .post(
                "/joint-actions/new",
                &[
                    ("campaign_id", &id.to_string()),
                    ("title", "联合检查卷烟零售户"),
                    ("held_on", &end),
                    ("place", "浉河区"),
                    ("target", "卷烟零售户"),
                    ("parts.0.unit_id", &police),
                    ("parts.0.part", "维护现场秩序"),
                    ("parts.1.unit_id", &msa),
                    ("parts.1.part", "检查经营主体"),
                    ("results", "检查零售户12户"),
                    ("figures.inspections", "12"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let page = p.get(r.location()).await;
        assert!(
            page.body.contains("维护现场秩序") && page.body.contains("检查经营主体"),
            "each side's part"
        );
        let v = view(&app, "staff", id).await;
        assert_eq!(v["joint"]["actions"], 1);
    })
    .await;
}

/// The platform's count of the transfers to the police `unit` sent from `start` to `end`, read
/// here on its own.
async fn transfers_sent(
    app: &App,
    unit: i64,
    start: chrono::NaiveDate,
    end: chrono::NaiveDate,
) -> i64 {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM transfers WHERE from_unit_id = $1 AND direction = 'to_police' AND sent_on >= $2 AND sent_on <= $3",
    )
    .bind(unit)
    .bind(start.to_string())
    .bind(end.to_string())
    .fetch_one(&app.db.pool)
    .await
    .expect("transfers")
}

async fn open_todos(app: &App, rid: i64) -> i64 {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM todo_items WHERE source_type = 'campaign_report' AND source_id = $1 AND done_at IS NULL",
    )
    .bind(rid)
    .fetch_one(&app.db.pool)
    .await
    .expect("todos")
}

#[tokio::test]
async fn a_report_is_prefilled_sent_back_and_corrected_late_after_its_due_date() {
    each_db(true, |app| async move {
        let today = app.today();
        let msa = app.unit_id("信阳市市场监督管理局").await;
        let police = app.unit_id("信阳市公安局").await;
        let starts = today - Days::new(30);
        // A transfer the bureau sent to the police within the campaign, and one before it.
        let staff = app.user_id("liaison.scjg").await;
        for (code, on) in [("T-CAMPAIGN-1", today - Days::new(2)), ("T-CAMPAIGN-0", starts - Days::new(1))] {
            sqlx::query(
                "INSERT INTO transfers (code, direction, situation, title, facts, suspects, from_unit_id, to_unit_id, state, sent_on, \
                 created_by, created_at, updated_at) VALUES ($1, 'to_police', 'suspected_crime', '涉嫌销售假冒注册商标的商品案', '事实', '', $2, $3, 'sent', $4, $5, $6, $6)",
            )
            .bind(code)
            .bind(msa)
            .bind(police)
            .bind(on.to_string())
            .bind(staff)
            .bind("2026-01-01T00:00:00Z")
            .execute(&app.db.pool)
            .await
            .expect("a transfer");
        }
        let (s, v) = call(&app, "staff", Method::POST, "/api/v1/campaigns", Some(json!({
            "title": "打击侵权假冒商品专项行动",
            "goal": "查处一批侵权假冒案件，移送一批涉嫌犯罪案件",
            "starts_on": starts.to_string(),
            "ends_on": today.to_string(),
            "products": ["food"],
            "lead_unit_id": msa,
            "unit_ids": [police],
        }))).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let id = v["id"].as_i64().expect("id");
        let v = view(&app, "staff", id).await;
        let (msa_report, police_report) = (report_of(&v, msa), report_of(&v, police));
        let due = app
            .state
            .calendar()
            .due_date(today, shuangda::calendar::Period::WorkingDays(5))
            .expect("due date");

        // The transfers figure is prefilled from the transfers the bureau sent in the period.
        let counted = transfers_sent(&app, msa, starts, today).await;
        assert!(counted >= 1);
        let (s, d) = call(&app, "liaison.scjg", Method::GET, &format!("/api/v1/campaigns/reports/{msa_report}"), None).await;
        assert_eq!(s, StatusCode::OK, "{d}");
        assert_eq!(d["prefill"]["transferred"], counted, "{d}");
        assert_eq!(d["steps"], json!(["save", "submit"]));
        // Corrected away from it, a reason is asked for, then kept with the prefill.
        let mut f = figures(3, "100");
        f["transferred"] = json!((counted + 1).to_string());
        let (s, v) = step("liaison.scjg", &app, msa_report, json!({"step": "submit", "figures": f.clone(), "actions": "检查"})).await;
        assert_eq!((s, fields(&v)), (StatusCode::UNPROCESSABLE_ENTITY, vec![("reasons.transferred".to_string(), "required".to_string())]));
        let (s, v) = step("liaison.scjg", &app, msa_report, json!({"step": "submit", "figures": f, "reasons": {"transferred": "一起案件在平台外移送"}, "actions": "检查门店120户"})).await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
        let kept: (Option<i64>, Option<i64>, Option<String>) = sqlx::query_as(
            "SELECT value, prefilled, reason FROM campaign_figures WHERE report_id = $1 AND code = 'transferred'",
        )
        .bind(msa_report)
        .fetch_one(&app.db.pool)
        .await
        .expect("figure");
        assert_eq!(kept, (Some(counted + 1), Some(counted), Some("一起案件在平台外移送".to_string())));
        // The police leave it out: the platform's count (none in the period) is taken.
        let mut f = figures(2, "10");
        f.as_object_mut().expect("object").remove("transferred");
        let (s, v) = step("handler.gaj", &app, police_report, json!({"step": "submit", "figures": f, "actions": "配合检查"})).await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
        let v = view(&app, "staff", id).await;
        assert_eq!(v["totals"]["totals"]["transferred"], counted + 1 + transfers_sent(&app, police, starts, today).await);

        // Only the office that runs the campaign sends a report back, with its reason.
        let (s, v) = step("liaison.scjg", &app, msa_report, json!({"step": "send_back", "text": "x"})).await;
        assert_eq!((s, v["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("step_refused")));
        let (s, v) = step("county.luoshan", &app, msa_report, json!({"step": "send_back", "text": "x"})).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
        let (s, v) = step("staff", &app, msa_report, json!({"step": "send_back"})).await;
        assert_eq!((s, fields(&v)), (StatusCode::UNPROCESSABLE_ENTITY, vec![("text".to_string(), "required".to_string())]));
        assert_eq!(open_todos(&app, msa_report).await, 0);
        let (s, v) = step("staff", &app, msa_report, json!({"step": "send_back", "text": "罚没金额与案件台账不符，请核实"})).await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
        assert_eq!(open_todos(&app, msa_report).await, 1, "the bureau's to-do reopened");
        let (_, r) = call(&app, "liaison.scjg", Method::GET, &format!("/api/v1/campaigns/reports/{msa_report}"), None).await;
        assert_eq!((r["state"].as_str(), r["return_reason"].as_str()), (Some("returned"), Some("罚没金额与案件台账不符，请核实")), "{r}");
        assert_eq!(r["steps"], json!(["save", "submit"]));
        let v = view(&app, "staff", id).await;
        assert_eq!(standing_of(&v, msa), "pending", "sent back, not counted until sent again");
        assert_eq!(v["totals"]["on_time"], 1);
        assert_eq!(v["totals"]["totals"]["cases_filed"], 2, "only the police's figures count");
        // Corrected and sent again before the due date: on time.
        let (s, v) = step("liaison.scjg", &app, msa_report, json!({"step": "save", "figures": {"cases_filed": "4"}, "actions": "核实中"})).await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
        let (_, r) = call(&app, "liaison.scjg", Method::GET, &format!("/api/v1/campaigns/reports/{msa_report}"), None).await;
        assert_eq!(r["state"], "returned", "a save keeps it returned");
        let mut f = figures(4, "100");
        f["transferred"] = json!(counted.to_string());
        let (s, v) = step("liaison.scjg", &app, msa_report, json!({"step": "submit", "figures": f, "actions": "核实后更正"})).await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
        assert_eq!(open_todos(&app, msa_report).await, 0);
        let v = view(&app, "staff", id).await;
        assert_eq!(standing_of(&v, msa), "on_time");
        assert_eq!(
            audited(&app, "campaign_report", msa_report).await,
            ["campaign.report_submit", "campaign.report_send_back", "campaign.report_save", "campaign.report_submit"]
        );

        // The police's report sent back after the due date and sent again: late.
        let late = app.on(due + Days::new(1));
        let (s, v) = step("staff", &late, police_report, json!({"step": "send_back", "text": "请补充抓获犯罪嫌疑人情况"})).await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
        let v = view(&late, "staff", id).await;
        assert_eq!(standing_of(&v, police), "overdue", "returned and its due date passed");
        let (s, v) = step("handler.gaj", &late, police_report, json!({"step": "submit", "figures": figures(2, "10"), "actions": "补充"})).await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
        let (_, r) = call(&late, "handler.gaj", Method::GET, &format!("/api/v1/campaigns/reports/{police_report}"), None).await;
        assert_eq!((r["timeliness"].as_str(), r["standing"].as_str()), (Some("late"), Some("late")), "{r}");
        let v = view(&late, "staff", id).await;
        assert_eq!((v["totals"]["on_time"].as_i64(), v["totals"]["late"].as_i64()), (Some(1), Some(1)), "{}", v["totals"]);
        let summary: String = sqlx::query_scalar(
            "SELECT summary FROM audit_log WHERE object_type = 'campaign_report' AND object_id = $1 ORDER BY seq DESC LIMIT 1",
        )
        .bind(police_report.to_string())
        .fetch_one(&app.db.pool)
        .await
        .expect("audit");
        let summary: Value = serde_json::from_str(&summary).expect("json");
        assert_eq!((summary["resubmitted"].as_bool(), summary["late"].as_bool()), (Some(true), Some(true)), "{summary}");

        // The pages: the office's send-back form, the unit's reason field beside the prefill.
        let mut c = late.client();
        c.login("staff", common::PASSWORD).await;
        let page = c.get(&format!("/campaigns/reports/{police_report}")).await;
        assert!(page.body.contains("id=\"step-send-back\""), "the office may send it back again");
        let r = c.post(&format!("/campaigns/reports/{police_report}"), &[("step", "send_back"), ("text", "")]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("data-field=\"text\""), "the reason named");
    })
    .await;
}

fn common_figures() -> Vec<(&'static str, &'static str)> {
    vec![
        ("personnel", "6"),
        ("inspections", "12"),
        ("samples", "0"),
        ("dens_closed", "0"),
        ("cases_filed", "1"),
        ("cases_concluded", "0"),
        ("amount_involved", "800"),
        ("fines_confiscations", "0"),
        ("transferred", "0"),
        ("persons_arrested", "1"),
    ]
}
