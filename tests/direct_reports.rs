//! Case direct reporting (查办案件直报, issue #16; seeds 001 §15–16, 003 二(三)) on both
//! databases: the city office defines a quarter's data set and opens the quarter; units of two
//! counties and of the city enter their figures, one refused on a cell by the office's check;
//! each county's office approves its own; the city sees each county's approved total, the
//! city's unit and the sum; after the due date a return not sent is locked and one approved
//! stays locked, until the office grants an exception; the prefilled figures agree with the
//! records they came from; of two approvals at once one wins; every step audited.

mod common;

use std::collections::BTreeMap;

use axum::http::{Method, StatusCode};
use chrono::{Datelike, NaiveDate};
use common::{App, call, each_db};
use serde_json::{Value, json};

/// The quarter that holds `day`, as "2026-Q2", with its first and last day.
fn quarter_of(day: NaiveDate) -> (String, NaiveDate, NaiveDate) {
    let q = (day.month() - 1) / 3 + 1;
    let start = NaiveDate::from_ymd_opt(day.year(), (q - 1) * 3 + 1, 1).expect("start");
    let end = start
        .checked_add_months(chrono::Months::new(3))
        .and_then(|d| d.pred_opt())
        .expect("end");
    (format!("{}-Q{q}", day.year()), start, end)
}

/// A user of `unit` with `role`, straight into the tables (the demo has no one in 光山县).
async fn add_user(app: &App, username: &str, unit: &str, role: &str) {
    let unit = app.unit_id(unit).await;
    let now = app.state.clock.now_text();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO users (username, display_name, unit_id, password_hash, password_changed_at, created_at, updated_at) \
         VALUES ($1, $1, $2, 'unused', $3, $3, $3) RETURNING id",
    )
    .bind(username)
    .bind(unit)
    .bind(&now)
    .fetch_one(&app.db.pool)
    .await
    .expect("user");
    sqlx::query("INSERT INTO role_grants (user_id, role, granted_at) VALUES ($1, $2, $3)")
        .bind(id)
        .bind(role)
        .bind(&now)
        .execute(&app.db.pool)
        .await
        .expect("role");
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

fn figures(filed: i64, concluded: i64) -> Value {
    json!({
        "open_at_start": "2",
        "cases_filed": filed.to_string(),
        "cases_concluded": concluded.to_string(),
        "amount_involved": "120000.50",
        "fines_confiscations": "30000",
        "supervised_concluded": "0",
    })
}

/// The return of `unit` in period `period`, as the office sees the table.
async fn return_of(app: &App, who: &str, period: i64, unit: &str) -> i64 {
    let (s, t) = call(
        app,
        who,
        Method::GET,
        &format!("/api/v1/direct-reports/periods/{period}"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{t}");
    t["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .find(|l| l["label"] == unit)
        .and_then(|l| l["return_id"].as_i64())
        .unwrap_or_else(|| panic!("{who} sees no return of {unit}: {t}"))
}

async fn step(app: &App, who: &str, id: i64, body: Value) -> (StatusCode, Value) {
    call(
        app,
        who,
        Method::POST,
        &format!("/api/v1/direct-reports/returns/{id}/steps"),
        Some(body),
    )
    .await
}

fn line<'a>(t: &'a Value, label: &str) -> &'a Value {
    t["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .find(|l| l["label"] == label)
        .unwrap_or_else(|| panic!("no line {label}: {t}"))
}

#[tokio::test]
async fn a_quarter_is_entered_checked_added_up_locked_and_reopened() {
    each_db(true, |app| async move {
        add_user(&app, "liaison.guangshan.scjg", "光山县市场监督管理局", "unit_liaison").await;
        add_user(&app, "county.guangshan", "光山县打击侵权假冒工作领导小组办公室", "county_office_staff").await;
        let (quarter, start, end) = quarter_of(app.today());

        // The data set: refused field by field, then defined from the template.
        let (s, v) = call(&app, "staff", Method::POST, "/api/v1/direct-reports/sets", Some(json!({
            "name": "", "periodicity": "week", "due_working_days": "0", "template": "administrative",
            "checks": ["结案数 <= 立案数"]
        }))).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(
            fields(&v),
            [
                ("name".into(), "required".into()),
                ("periodicity".into(), "invalid_choice".into()),
                ("due_working_days".into(), "out_of_range".into()),
                ("checks".into(), "invalid_format".into()),
            ]
        );
        let (s, v) = call(&app, "liaison.scjg", Method::POST, "/api/v1/direct-reports/sets", Some(json!({
            "name": "行政执法办案数据", "periodicity": "quarter", "due_working_days": "10", "template": "administrative"
        }))).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "a unit defines no data set: {v}");
        let (s, v) = call(&app, "staff", Method::POST, "/api/v1/direct-reports/sets", Some(json!({
            "name": "行政执法办案数据", "periodicity": "quarter", "due_working_days": "10", "template": "administrative",
            "checks": ["办结数 <= 立案数 + 期初在办案件数：办结数不能超过立案数与期初在办数之和"]
        }))).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let set = v["id"].as_i64().expect("set");

        // The quarter, for a city unit, two of 罗山县's and one of 光山县's.
        let units: Vec<i64> = {
            let mut ids = Vec::new();
            for u in ["信阳市市场监督管理局", "罗山县市场监督管理局", "罗山县公安局", "光山县市场监督管理局"] {
                ids.push(app.unit_id(u).await);
            }
            ids
        };
        let open = json!({"period": quarter, "unit_ids": units.iter().map(|u| u.to_string()).collect::<Vec<_>>()});
        let path = format!("/api/v1/direct-reports/sets/{set}/periods");
        let (s, v) = call(&app, "county.luoshan", Method::POST, &path, Some(open.clone())).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "only the set's office opens it: {v}");
        let (s, v) = call(&app, "staff", Method::POST, &path, Some(json!({"period": "2026-Q5"}))).await;
        assert_eq!(fields(&v), [("period".into(), "invalid_format".into())], "{s}");
        let office = app.unit_id("罗山县打击侵权假冒工作领导小组办公室").await;
        let (s, v) = call(&app, "staff", Method::POST, &path, Some(json!({"period": quarter, "unit_ids": [office.to_string()]}))).await;
        assert_eq!(fields(&v), [("unit_ids".into(), "invalid_choice".into())], "an office sums, it does not report: {s}");
        let (s, v) = call(&app, "staff", Method::POST, &path, Some(open.clone())).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let period = v["id"].as_i64().expect("period");
        let (s, v) = call(&app, "staff", Method::POST, &path, Some(open)).await;
        assert_eq!(fields(&v), [("period".into(), "already_open".into())], "{s}");
        // The due date: the set's 10 working days after the quarter's last day, on the engine.
        let due: String = sqlx::query_scalar("SELECT due_on FROM dr_periods WHERE id = $1")
            .bind(period)
            .fetch_one(&app.db.pool)
            .await
            .expect("due");
        let want = app
            .state
            .calendar()
            .due_date(end, shuangda::calendar::Period::WorkingDays(10))
            .expect("due date");
        assert_eq!(due, want.to_string());
        let due = want;

        // Before the quarter ends its figures may be saved, not sent.
        let ls_msa = return_of(&app, "county.luoshan", period, "罗山县市场监督管理局").await;
        let (s, d) = call(&app, "liaison.luoshan.scjg", Method::GET, &format!("/api/v1/direct-reports/returns/{ls_msa}"), None).await;
        assert_eq!((s, d["steps"].clone()), (StatusCode::OK, json!(["save"])), "{d}");
        let (s, v) = step(&app, "liaison.luoshan.scjg", ls_msa, json!({"step": "submit", "figures": figures(3, 4)})).await;
        assert_eq!(s, StatusCode::CONFLICT, "{v}");
        let (s, v) = step(&app, "liaison.luoshan.scjg", ls_msa, json!({"step": "save", "figures": {"cases_filed": "3"}})).await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
        // The day after the quarter.
        let after = app.on(end.succ_opt().expect("day after"));
        let ls_msa = return_of(&after, "county.luoshan", period, "罗山县市场监督管理局").await;
        let ls_police = return_of(&after, "county.luoshan", period, "罗山县公安局").await;
        let gs_msa = return_of(&after, "county.guangshan", period, "光山县市场监督管理局").await;
        let city_msa = return_of(&after, "staff", period, "信阳市市场监督管理局").await;
        // A county office sees its own units only.
        let (s, _) = call(&after, "county.luoshan", Method::GET, &format!("/api/v1/direct-reports/returns/{gs_msa}"), None).await;
        assert_eq!(s, StatusCode::NOT_FOUND);

        // The prefilled figures agree with the records they came from.
        let (s, d) = call(&after, "liaison.luoshan.scjg", Method::GET, &format!("/api/v1/direct-reports/returns/{ls_msa}"), None).await;
        assert_eq!(s, StatusCode::OK, "{d}");
        let ls_unit = app.unit_id("罗山县市场监督管理局").await;
        let sent: Vec<(String, Option<String>, i64, i64)> = sqlx::query_as(
            "SELECT direction, sent_on, from_unit_id, to_unit_id FROM transfers",
        )
        .fetch_all(&app.db.pool)
        .await
        .expect("transfers");
        let within = |d: &Option<String>| {
            d.as_deref()
                .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
                .is_some_and(|d| d >= start && d <= end)
        };
        let transferred = sent.iter().filter(|(dir, on, from, _)| dir == "to_police" && *from == ls_unit && within(on)).count() as i64;
        let handed_back = sent.iter().filter(|(dir, on, _, to)| dir == "hand_back" && *to == ls_unit && within(on)).count() as i64;
        let reports: Vec<String> = sqlx::query_scalar("SELECT received_on FROM public_reports WHERE handler_unit_id = $1")
            .bind(ls_unit)
            .fetch_all(&app.db.pool)
            .await
            .expect("reports");
        let reported = reports.iter().filter(|d| within(&Some(d.to_string()))).count() as i64;
        assert_eq!(d["prefill"]["transferred"], transferred, "{d}");
        assert_eq!(d["prefill"]["hand_backs_received"], handed_back, "{d}");
        assert_eq!(d["prefill"]["public_reports"], reported, "{d}");
        assert_eq!(d["steps"], json!(["save", "submit"]));

        // A cell refused by the office's check, named with the office's words; nothing kept.
        let (s, v) = step(&after, "liaison.luoshan.scjg", ls_msa, json!({"step": "submit", "figures": figures(3, 9)})).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(fields(&v), [("figures.cases_concluded".into(), "check_failed".into())]);
        assert_eq!(v["error"]["fields"][0]["message"], "办结数不能超过立案数与期初在办数之和");
        let kept: Option<i64> = sqlx::query_scalar("SELECT value FROM dr_figures WHERE return_id = $1 AND code = 'cases_concluded'")
            .bind(ls_msa)
            .fetch_one(&app.db.pool)
            .await
            .expect("saved before");
        assert_eq!(kept, None, "the refused submission wrote nothing");
        // A prefilled figure corrected needs its reason, and keeps it.
        let mut f = figures(3, 4);
        f["transferred"] = json!((transferred + 1).to_string());
        let (s, v) = step(&after, "liaison.luoshan.scjg", ls_msa, json!({"step": "submit", "figures": f.clone()})).await;
        assert_eq!(fields(&v), [("reasons.transferred".into(), "required".into())], "{s}");
        let (s, v) = step(&after, "liaison.luoshan.scjg", ls_msa, json!({"step": "submit", "figures": f, "reasons": {"transferred": "一件线下移送尚未录入平台"}})).await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
        let (reason, pre): (Option<String>, Option<i64>) = sqlx::query_as("SELECT reason, prefilled FROM dr_figures WHERE return_id = $1 AND code = 'transferred'")
            .bind(ls_msa)
            .fetch_one(&app.db.pool)
            .await
            .expect("figure");
        assert_eq!((reason.as_deref(), pre), (Some("一件线下移送尚未录入平台"), Some(transferred)));
        let (s, v) = step(&after, "liaison.luoshan.scjg", ls_msa, json!({"step": "submit", "figures": figures(3, 4)})).await;
        assert_eq!(s, StatusCode::CONFLICT, "sent once: {v}");

        for (who, id, filed) in [("liaison.guangshan.scjg", gs_msa, 5), ("liaison.scjg", city_msa, 7)] {
            let (s, v) = step(&after, who, id, json!({"step": "submit", "figures": figures(filed, 1)})).await;
            assert_eq!(s, StatusCode::NO_CONTENT, "{who}: {v}");
        }
        // Checked by the level above only: not the unit itself, not another county's office.
        let (s, _) = step(&after, "liaison.luoshan.scjg", ls_msa, json!({"step": "approve"})).await;
        assert_eq!(s, StatusCode::CONFLICT);
        let (s, _) = step(&after, "county.luoshan", gs_msa, json!({"step": "approve"})).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, v) = step(&after, "staff", ls_msa, json!({"step": "approve"})).await;
        assert_eq!(s, StatusCode::CONFLICT, "the city checks the county's units only through its office: {v}");
        let (s, v) = step(&after, "county.guangshan", gs_msa, json!({"step": "send_back"})).await;
        assert_eq!(fields(&v), [("text".into(), "required".into())], "{s}");
        // Of two approvals at once, exactly one is taken.
        let (a, b) = tokio::join!(
            step(&after, "county.luoshan", ls_msa, json!({"step": "approve"})),
            step(&after, "county.luoshan", ls_msa, json!({"step": "approve"})),
        );
        let mut got = [a.0, b.0];
        got.sort();
        assert_eq!(got, [StatusCode::NO_CONTENT, StatusCode::CONFLICT], "{} {}", a.1, b.1);
        let (s, v) = step(&after, "staff", city_msa, json!({"step": "approve"})).await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");

        // The city sees its unit, each county's approved total, and the approved sum.
        let (_, t) = call(&after, "staff", Method::GET, &format!("/api/v1/direct-reports/periods/{period}"), None).await;
        assert_eq!(line(&t, "信阳市市场监督管理局")["values"]["cases_filed"], 7, "{t}");
        let luoshan = line(&t, "罗山县打击侵权假冒工作领导小组办公室");
        assert_eq!((luoshan["approved"].as_i64(), luoshan["returns"].as_i64()), (Some(1), Some(2)));
        assert_eq!(luoshan["values"]["cases_filed"], 3);
        let guangshan = line(&t, "光山县打击侵权假冒工作领导小组办公室");
        assert_eq!(guangshan["approved"], 0, "sent, not yet approved: {t}");
        assert_eq!(t["total"]["cases_filed"], 10);
        assert_eq!(t["total"]["amount_involved"], 24_000_100, "money in fen");
        let (s, v) = step(&after, "county.guangshan", gs_msa, json!({"step": "approve"})).await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
        let (_, t) = call(&after, "staff", Method::GET, &format!("/api/v1/direct-reports/periods/{period}"), None).await;
        assert_eq!(t["total"]["cases_filed"], 15);
        // The county office's own table: its two units as they stand.
        let (_, t) = call(&after, "county.luoshan", Method::GET, &format!("/api/v1/direct-reports/periods/{period}"), None).await;
        let mut labels: Vec<&str> = t["lines"].as_array().expect("lines").iter().filter_map(|l| l["label"].as_str()).collect();
        labels.sort();
        let mut want = ["罗山县市场监督管理局", "罗山县公安局"];
        want.sort();
        assert_eq!(labels, want);
        assert_eq!(t["total"]["cases_filed"], 3);

        // After the due date: the police return never sent is locked, and says why; so is the
        // approved one.
        let later = app.on(due.succ_opt().expect("day after"));
        let (s, v) = step(&later, "handler.luoshan.gaj", ls_police, json!({"step": "save", "figures": {"cases_filed": "1"}})).await;
        assert_eq!(s, StatusCode::CONFLICT, "{v}");
        assert_eq!(v["error"]["code"], "locked");
        let msg = v["error"]["message"].as_str().unwrap_or("");
        assert!(msg.contains("届满") && msg.contains(&shuangda::calendar::date_zh(due)), "{msg}");
        let (s, v) = step(&later, "liaison.luoshan.scjg", ls_msa, json!({"step": "save", "figures": figures(3, 4)})).await;
        assert_eq!(s, StatusCode::CONFLICT);
        assert!(v["error"]["message"].as_str().unwrap_or("").contains("审核通过"), "{v}");
        let (_, d) = call(&later, "handler.luoshan.gaj", Method::GET, &format!("/api/v1/direct-reports/returns/{ls_police}"), None).await;
        assert!(d["locked"].as_str().unwrap_or("").contains("届满"), "{d}");
        assert_eq!(d["steps"], json!([]));
        // The office grants an exception with its reason; the figures come late, and count so.
        let (s, _) = step(&later, "county.luoshan", city_msa, json!({"step": "except", "text": "x"})).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "not its unit");
        let (s, v) = step(&later, "county.luoshan", ls_police, json!({"step": "except", "text": "系统故障未能按时报送"})).await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
        let (s, v) = step(&later, "county.luoshan", ls_police, json!({"step": "except", "text": "再次"})).await;
        assert_eq!(s, StatusCode::CONFLICT, "open already: {v}");
        let police_figures = json!({"transfers_received": "0", "open_at_start": "0", "cases_filed": "2", "cases_concluded": "1",
            "amount_involved": "0", "fines_confiscations": "0", "supervised_concluded": "0"});
        let (s, v) = step(&later, "handler.luoshan.gaj", ls_police, json!({"step": "submit", "figures": police_figures})).await;
        assert_eq!(fields(&v), [("figures.transfers_received".into(), "unknown_field".into())], "{s}");
        let police_figures = json!({"open_at_start": "0", "cases_filed": "2", "cases_concluded": "1",
            "amount_involved": "0", "fines_confiscations": "0", "supervised_concluded": "0"});
        let (s, v) = step(&later, "handler.luoshan.gaj", ls_police, json!({"step": "submit", "figures": police_figures})).await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
        let (_, d) = call(&later, "county.luoshan", Method::GET, &format!("/api/v1/direct-reports/returns/{ls_police}"), None).await;
        assert_eq!(d["timeliness"], "late", "{d}");
        assert_eq!(d["exception_reason"], Value::Null, "the exception is spent once sent");

        // The office closes the period: everything locks, and says so.
        let open_duties = || async {
            sqlx::query_scalar::<_, i64>(
                "SELECT COUNT(*) FROM todo_items t JOIN dr_returns r ON r.id = t.source_id \
                 WHERE t.source_type = 'dr_return' AND t.done_at IS NULL AND r.period_id = $1",
            )
            .bind(period)
            .fetch_one(&app.db.pool)
            .await
            .expect("duties")
        };
        assert_eq!(open_duties().await, 1, "the police's sent return waits for its check");
        let (s, _) = call(&later, "staff", Method::POST, &format!("/api/v1/direct-reports/periods/{period}/close"), None).await;
        assert_eq!(s, StatusCode::NO_CONTENT);
        assert_eq!(open_duties().await, 0, "a closed period leaves no one a duty to act");
        let (s, v) = step(&later, "county.luoshan", ls_police, json!({"step": "approve"})).await;
        assert_eq!(s, StatusCode::CONFLICT, "{v}");
        let (s, v) = step(&later, "county.luoshan", ls_msa, json!({"step": "except", "text": "数据有误"})).await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
        assert_eq!(open_duties().await, 1, "the reopened return is its unit's duty again");
        let (_, d) = call(&later, "liaison.luoshan.scjg", Method::GET, &format!("/api/v1/direct-reports/returns/{ls_msa}"), None).await;
        assert_eq!((d["state"].as_str(), d["steps"].clone()), (Some("draft"), json!(["save", "submit"])), "{d}");

        // Every step audited, and the workbook opens.
        let audited: BTreeMap<String, i64> = sqlx::query_as::<_, (String, i64)>(
            "SELECT action, COUNT(*) FROM audit_log WHERE action LIKE 'direct_report.%' GROUP BY action",
        )
        .fetch_all(&app.db.pool)
        .await
        .expect("audit")
        .into_iter()
        .collect();
        assert_eq!(audited.get("direct_report.submit"), Some(&4), "{audited:?}");
        assert_eq!(audited.get("direct_report.approve"), Some(&3), "{audited:?}");
        assert_eq!(audited.get("direct_report.except"), Some(&2), "{audited:?}");
        assert_eq!(audited.get("direct_report.open_period"), Some(&1), "{audited:?}");
        assert_eq!(audited.get("direct_report.close_period"), Some(&1), "{audited:?}");
        let r = common::api_get(&later, "staff", &format!("/api/v1/direct-reports/periods/{period}/xlsx")).await;
        assert_eq!(r.status, StatusCode::OK);
    })
    .await;
}

#[tokio::test]
async fn the_pages_define_open_enter_and_name_the_refused_cell() {
    each_db(true, |app| async move {
        let (quarter, _, end) = quarter_of(app.today());
        let mut office = app.client();
        office.login("staff", common::PASSWORD).await;
        let r = office.get("/direct-reports").await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(
            r.body.contains("查办案件直报") && r.body.contains("第十五条"),
            "{}",
            r.body
        );
        let r = office.get("/direct-reports/sets/new").await;
        assert!(r.body.contains("移送公安机关案件数"), "{}", r.body);
        let r = office
            .post(
                "/direct-reports/sets/new",
                &[
                    ("name", ""),
                    ("periodicity", "quarter"),
                    ("due_working_days", "10"),
                    ("template", "administrative"),
                    ("checks", ""),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("data-field=\"name\""), "{}", r.body);
        let r = office
            .post(
                "/direct-reports/sets/new",
                &[
                    ("name", "行政执法办案数据"),
                    ("periodicity", "quarter"),
                    ("due_working_days", "10"),
                    ("template", "administrative"),
                    ("checks", ""),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let set = r
            .location()
            .trim_start_matches("/direct-reports/sets/")
            .split('?')
            .next()
            .unwrap_or("")
            .to_string();
        let r = office.get(&format!("/direct-reports/sets/{set}")).await;
        // The template's checks came with it.
        assert!(
            r.body.contains("办结数 &lt;= 立案数 + 期初在办案件数"),
            "{}",
            r.body
        );
        let city_msa = app.unit_id("信阳市市场监督管理局").await.to_string();
        let r = office
            .post(
                "/direct-reports",
                &[("set_id", &set), ("period", "2026-Q9")],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("data-field=\"period\""), "{}", r.body);
        let r = office
            .post(
                "/direct-reports",
                &[
                    ("set_id", &set),
                    ("period", &quarter),
                    ("unit_ids", &city_msa),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let period_path = r.location().split('?').next().unwrap_or("").to_string();
        let r = office.get(&period_path).await;
        assert!(
            r.body.contains("id=\"dr-table\"") && r.body.contains("信阳市市场监督管理局"),
            "{}",
            r.body
        );
        let period: i64 = period_path
            .trim_start_matches("/direct-reports/periods/")
            .parse()
            .expect("id");
        let id = return_of(&app, "staff", period, "信阳市市场监督管理局").await;

        // The unit, the day after the quarter: the form, a refused cell named, then sent.
        let after = app.on(end.succ_opt().expect("day after"));
        let mut unit = after.client();
        unit.login("liaison.scjg", common::PASSWORD).await;
        let path = format!("/direct-reports/returns/{id}");
        let r = unit.get(&path).await;
        assert!(
            r.body.contains("id=\"dr-submit\"") && r.body.contains("平台预填"),
            "{}",
            r.body
        );
        let mut form: Vec<(&str, &str)> = vec![
            ("step", "submit"),
            ("figures.open_at_start", "0"),
            ("figures.cases_filed", "1"),
            ("figures.cases_concluded", "2"),
            ("figures.amount_involved", "0"),
            ("figures.fines_confiscations", "0"),
            ("figures.supervised_concluded", "0"),
        ];
        let r = unit.post(&path, &form).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            r.body.contains("data-field=\"figures.cases_concluded\"")
                && r.body.contains("办结数不得大于立案数＋期初在办案件数"),
            "{}",
            r.body
        );
        form[3] = ("figures.cases_concluded", "1");
        let r = unit.post(&path, &form).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let r = unit.get(&path).await;
        assert!(
            r.body.contains("待审核") && !r.body.contains("id=\"dr-submit\""),
            "{}",
            r.body
        );
        let mut office = after.client();
        office.login("staff", common::PASSWORD).await;
        let r = office.post(&path, &[("step", "approve")]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let r = office
            .get(&format!("/direct-reports/periods/{period}/xlsx"))
            .await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.body.starts_with("PK"), "an xlsx is a zip");
    })
    .await;
}
