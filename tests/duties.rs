//! To-dos keyed to their duty (issue #12), on both databases. Every to-do names its record
//! (`source_type`, `source_id`), the duty it asks for (`duty`) and its holder (a unit, or one
//! person). It is opened by the act that gives the holder the duty, stays open through every
//! other act on the same record — an upload, another unit's progress report, a recorded service
//! date, another unit's read receipt — and is closed only by the act that discharges the duty.
//! One test per capability: cases (seed 000), transfers and linkage requests (seed 004), tasks,
//! meetings, circulars and report rounds. Dates come from the app's clock, so the file runs on
//! any `SHUANGDA_TEST_TODAY`.

mod common;

use axum::http::{Method, StatusCode};
use chrono::Duration;
use common::{App, api, call, each_db, proposed_and_approved};
use serde_json::{Value, json};

const OFFICE: &str = "信阳市打击侵犯知识产权和制售假冒伪劣商品工作领导小组办公室";
const MSA: &str = "信阳市市场监督管理局";
const POLICE: &str = "信阳市公安局";
const LS_POLICE: &str = "罗山县公安局";
const PROCURATORATE: &str = "信阳市人民检察院";
const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";

/// Who holds a to-do: a unit as a whole, or one person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Holder {
    Unit(i64),
    User(i64),
}

use Holder::{Unit, User};

/// A duty on a record: the key its to-dos are opened and discharged by.
#[derive(Debug, Clone, Copy)]
struct Duty {
    resource: &'static str,
    id: i64,
    duty: &'static str,
}

fn duty(resource: &'static str, id: i64, duty: &'static str) -> Duty {
    Duty { resource, id, duty }
}

impl Duty {
    /// The open to-dos of the duty: holder and due date, in holder order.
    async fn open(self, app: &App) -> Vec<(Holder, Option<String>)> {
        let rows: Vec<(Option<i64>, Option<i64>, Option<String>)> = sqlx::query_as(
            "SELECT user_id, unit_id, due_date FROM todo_items \
             WHERE source_type = $1 AND source_id = $2 AND duty = $3 AND done_at IS NULL ORDER BY id",
        )
        .bind(self.resource)
        .bind(self.id)
        .bind(self.duty)
        .fetch_all(&app.db.pool)
        .await
        .expect("to-dos");
        let mut out: Vec<(Holder, Option<String>)> = rows
            .into_iter()
            .map(|(user, unit, due)| match (user, unit) {
                (Some(u), _) => (User(u), due),
                (None, Some(u)) => (Unit(u), due),
                (None, None) => panic!("a to-do of {self:?} without a holder"),
            })
            .collect();
        out.sort();
        out
    }

    /// How many of its to-dos are open.
    async fn count(self, app: &App) -> i64 {
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM todo_items \
             WHERE source_type = $1 AND source_id = $2 AND duty = $3 AND done_at IS NULL",
        )
        .bind(self.resource)
        .bind(self.id)
        .bind(self.duty)
        .fetch_one(&app.db.pool)
        .await
        .expect("count")
    }

    /// Exactly `holders` have it open, one to-do each (none: `&[]`).
    async fn held_by(self, app: &App, holders: &[Holder], when: &str) {
        let mut want = holders.to_vec();
        want.sort();
        let got: Vec<Holder> = self.open(app).await.into_iter().map(|(h, _)| h).collect();
        assert_eq!(
            got, want,
            "{}/{}/{} {when}",
            self.resource, self.id, self.duty
        );
        let n = usize::try_from(self.count(app).await).expect("count");
        assert_eq!(n, want.len(), "{self:?} {when}");
    }

    /// The due date of `holder`'s open to-do.
    async fn due(self, app: &App, holder: Holder) -> Option<String> {
        self.open(app)
            .await
            .into_iter()
            .find(|(h, _)| *h == holder)
            .unwrap_or_else(|| panic!("{self:?}: no open to-do of {holder:?}"))
            .1
    }
}

/// How many drafts record `record_type` `record_id` has in the document chain.
async fn drafts_of(app: &App, record_type: &str, record_id: i64) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM drafts WHERE record_type = $1 AND record_id = $2")
        .bind(record_type)
        .bind(record_id)
        .fetch_one(&app.db.pool)
        .await
        .expect("drafts")
}

/// A step on `/api/v1/{records}/{id}/steps` as `who`; it must succeed.
async fn ok_step(app: &App, who: &str, records: &str, id: i64, body: Value) {
    let (s, v) = call(
        app,
        who,
        Method::POST,
        &format!("/api/v1/{records}/{id}/steps"),
        Some(body.clone()),
    )
    .await;
    assert_eq!(
        s,
        StatusCode::NO_CONTENT,
        "{who} {records}/{id} {body}: {v}"
    );
}

/// A POST that creates a record as `who`; its id.
async fn created(app: &App, who: &str, path: &str, body: Value) -> i64 {
    let (s, v) = call(app, who, Method::POST, path, Some(body)).await;
    assert_eq!(s, StatusCode::CREATED, "{who} {path}: {v}");
    v["id"].as_i64().expect("id")
}

/// Upload a small PDF to `path` as `who` (a multipart form: `fields`, then `file`); it must
/// be stored.
async fn upload(app: &App, who: &str, path: &str, fields: &[(&str, &str)]) {
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
    body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"补充材料.pdf\"\r\nContent-Type: application/pdf\r\n\r\n").as_bytes());
    body.extend_from_slice(PDF);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let req = axum::http::Request::builder()
        .method("POST")
        .uri(path)
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
    assert_eq!(
        status,
        StatusCode::CREATED,
        "{who} uploads to {path}: {}",
        String::from_utf8_lossy(&bytes)
    );
}

/// A second active holder of `role` in the unit of the demo account `like`, so that a duty
/// given to each holder of a role is seen to reach each of them.
async fn second_holder(app: &App, like: &str, username: &str, name: &str, role: &str) -> i64 {
    let unit: i64 = sqlx::query_scalar("SELECT unit_id FROM users WHERE username = $1")
        .bind(like)
        .fetch_one(&app.db.pool)
        .await
        .expect("unit");
    let sys = app.token("sysadmin").await;
    let r = api(
        app,
        Method::POST,
        "/api/v1/users",
        Some(&sys),
        Some(json!({"username": username, "display_name": name, "unit_id": unit.to_string()})),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.json()["user"]["id"].as_i64().expect("user id");
    let sec = app.token("secadmin").await;
    let r = api(
        app,
        Method::POST,
        &format!("/api/v1/users/{id}/roles"),
        Some(&sec),
        Some(json!({"role": role})),
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    id
}

fn day(app: &App, n: i64) -> String {
    (app.today() + Duration::days(n)).to_string()
}

fn clue(app: &App, title: &str) -> Value {
    json!({
        "title": title,
        "summary": "某商贸公司在浉河区销售假冒注册商标的白酒。",
        "source": "daily_work",
        "received_on": day(app, -1),
        "right_kinds": ["trademark"],
        "regions": ["411502"],
        "parties": []
    })
}

/// 000 §3–§8: reviewing a member unit's clue, deciding the proposal, naming the units, acting
/// on the letter and reporting progress when asked.
#[tokio::test]
async fn case_duties_close_only_by_their_own_acts() {
    each_db(true, |app| async move {
        let office = app.unit_id(OFFICE).await;
        let msa = app.unit_id(MSA).await;
        let police = app.unit_id(POLICE).await;
        let director = app.user_id("director").await;
        let deputy =
            second_holder(&app, "director", "deputy.director", "赵副主任", "office_director").await;
        let staff = app.user_id("staff").await.to_string();
        let staff_id = app.user_id("staff").await;

        // A member unit registers a clue: the office is to review it, until it proposes.
        let id = created(&app, "liaison.scjg", "/api/v1/cases", clue(&app, "成员单位报送的假冒白酒案")).await;
        let attachments = format!("/api/v1/cases/{id}/attachments");
        let review = duty("case", id, "review_clue");
        review.held_by(&app, &[Unit(office)], "after a member unit registered the clue").await;
        upload(&app, "staff", &attachments, &[("description", "举报材料")]).await;
        review.held_by(&app, &[Unit(office)], "after the office uploaded a file").await;

        // The proposal is each office director's to decide.
        let decide = duty("case", id, "decide_proposal");
        decide.held_by(&app, &[], "before the proposal").await;
        ok_step(&app, "staff", "cases", id, json!({"step": "propose", "grounds": [["cross_department", "涉及市场监管、公安两个部门"]]})).await;
        review.held_by(&app, &[], "after the office proposed").await;
        decide.held_by(&app, &[User(director), User(deputy)], "after the proposal").await;
        upload(&app, "director", &attachments, &[("description", "审批参考材料")]).await;
        decide.held_by(&app, &[User(director), User(deputy)], "after the director uploaded a file").await;

        // Approval asks the responsible person it names (000 §10) to name the units by the 000
        // §4 clock's due date: the duty is theirs, not the whole office's.
        let name = duty("case", id, "name_units");
        name.held_by(&app, &[], "before approval").await;
        ok_step(&app, "director", "cases", id, json!({"step": "approve", "reason": "同意督办", "responsible_user_id": staff})).await;
        decide.held_by(&app, &[], "after the director approved").await;
        name.held_by(&app, &[User(staff_id)], "after approval").await;
        let start_due: String = sqlx::query_scalar("SELECT due_date FROM deadlines WHERE record_type = 'case' AND record_id = $1 AND clause = '000 §4'")
            .bind(id)
            .fetch_one(&app.db.pool)
            .await
            .expect("000 §4 clock");
        assert_eq!(name.due(&app, User(staff_id)).await, Some(start_due), "due with the 000 §4 clock");
        upload(&app, "staff", &attachments, &[("description", "协调材料")]).await;
        name.held_by(&app, &[User(staff_id)], "after the office uploaded a file").await;
        ok_step(&app, "staff", "cases", id, json!({"step": "start", "lead_unit_id": msa.to_string(), "assisting": [police.to_string()]})).await;
        name.held_by(&app, &[], "after the units were named").await;

        // The letter is the lead unit's to act on; an assisting unit's report or the lead's
        // upload does not act on it, the lead's report does.
        let letter = duty("case", id, "act_on_letter");
        letter.held_by(&app, &[], "before the letter").await;
        ok_step(&app, "staff", "cases", id, json!({"step": "issue_letter", "text": "请于每月底前报送进展。"})).await;
        letter.held_by(&app, &[], "drafted, not yet signed").await;
        common::sign_letter(&app, id).await;
        letter.held_by(&app, &[Unit(msa)], "after the letter").await;
        upload(&app, "liaison.scjg", &attachments, &[("description", "现场检查笔录")]).await;
        letter.held_by(&app, &[Unit(msa)], "after the lead unit uploaded a file").await;
        ok_step(&app, "handler.gaj", "cases", id, json!({"step": "report_progress", "text": "公安机关已提前介入。"})).await;
        letter.held_by(&app, &[Unit(msa)], "after the assisting unit's report").await;
        ok_step(&app, "liaison.scjg", "cases", id, json!({"step": "report_progress", "text": "已查封涉案仓库一处。"})).await;
        letter.held_by(&app, &[], "after the lead unit's report").await;

        // 000 §6: progress asked by a date is the lead unit's to report by that date.
        let progress = duty("case", id, "report_progress");
        progress.held_by(&app, &[], "before it was asked").await;
        let by = day(&app, 10);
        ok_step(&app, "staff", "cases", id, json!({"step": "request_progress", "date": by, "text": "请报送阶段性进展"})).await;
        progress.held_by(&app, &[Unit(msa)], "after the request").await;
        assert_eq!(progress.due(&app, Unit(msa)).await, Some(by), "due on the date asked");
        upload(&app, "liaison.scjg", &attachments, &[("description", "扣押清单")]).await;
        progress.held_by(&app, &[Unit(msa)], "after the lead unit uploaded a file").await;
        ok_step(&app, "handler.gaj", "cases", id, json!({"step": "report_progress", "text": "已固定电子证据。"})).await;
        progress.held_by(&app, &[Unit(msa)], "after the assisting unit's report").await;
        ok_step(&app, "liaison.scjg", "cases", id, json!({"step": "report_progress", "text": "扣押假冒白酒120箱。"})).await;
        progress.held_by(&app, &[], "after the lead unit's report").await;

        // Asked again, and answered by the closure report.
        let by = day(&app, 15);
        ok_step(&app, "staff", "cases", id, json!({"step": "request_progress", "date": by, "text": "请报送最新进展"})).await;
        progress.held_by(&app, &[Unit(msa)], "after the second request").await;
        assert_eq!(progress.due(&app, Unit(msa)).await, Some(by));
        ok_step(&app, "liaison.scjg", "cases", id, json!({"step": "conclude", "date": app.today().to_string(), "text": "作出行政处罚"})).await;
        progress.held_by(&app, &[Unit(msa)], "after the conclusion, before any report").await;
        ok_step(&app, "liaison.scjg", "cases", id, json!({"step": "report_closure", "text": "罚没款合计50万元。"})).await;
        progress.held_by(&app, &[], "after the closure report").await;
        letter.held_by(&app, &[], "still").await;

        // The office's own clue has nothing to review; the letter can be acted on by the
        // closure report.
        let own = created(&app, "staff", "/api/v1/cases", clue(&app, "办公室登记的假冒白酒案")).await;
        duty("case", own, "review_clue").held_by(&app, &[], "the office registered it itself").await;
        ok_step(&app, "staff", "cases", own, json!({"step": "propose", "grounds": [["cross_department", "涉及多个部门"]]})).await;
        ok_step(&app, "director", "cases", own, json!({"step": "approve", "reason": "同意督办", "responsible_user_id": staff})).await;
        ok_step(&app, "staff", "cases", own, json!({"step": "start", "lead_unit_id": msa.to_string(), "assisting": []})).await;
        ok_step(&app, "staff", "cases", own, json!({"step": "issue_letter", "text": "请依法查处。"})).await;
        common::sign_letter(&app, own).await;
        let letter = duty("case", own, "act_on_letter");
        letter.held_by(&app, &[Unit(msa)], "after the letter").await;
        ok_step(&app, "liaison.scjg", "cases", own, json!({"step": "conclude", "date": app.today().to_string(), "text": "作出行政处罚"})).await;
        letter.held_by(&app, &[Unit(msa)], "after the conclusion, before any report").await;
        ok_step(&app, "liaison.scjg", "cases", own, json!({"step": "report_closure", "text": "罚款10万元。"})).await;
        letter.held_by(&app, &[], "after the closure report").await;

        // A rejected proposal is decided too, and leaves no units to name.
        let refused = created(&app, "liaison.scjg", "/api/v1/cases", clue(&app, "不予督办的线索")).await;
        ok_step(&app, "staff", "cases", refused, json!({"step": "propose", "grounds": [["early_risk", "网络销售蔓延"]]})).await;
        let decide = duty("case", refused, "decide_proposal");
        decide.held_by(&app, &[User(director), User(deputy)], "after the proposal").await;
        ok_step(&app, "director", "cases", refused, json!({"step": "reject", "reason": "情节一般，由属地依法处理"})).await;
        decide.held_by(&app, &[], "after the rejection").await;
        duty("case", refused, "name_units").held_by(&app, &[], "not supervised").await;
    })
    .await;
}

fn transfer(to: i64, title: &str) -> Value {
    json!({
        "situation": "own_investigation",
        "title": title,
        "facts": "经查，某商贸公司销售假冒注册商标的白酒120箱，货值25万余元。",
        "suspects": "某商贸有限公司",
        "amount": "256000.50",
        "to_unit_id": to.to_string(),
        "items": [{"name": "假冒白酒", "quantity": "120", "unit": "箱", "storage": "市场监管局罚没物品仓库"}]
    })
}

/// A transfer from the city market regulation bureau, sent to the city police and signed for.
async fn received(app: &App, title: &str) -> i64 {
    let police = app.unit_id(POLICE).await;
    let id = created(
        app,
        "liaison.scjg",
        "/api/v1/transfers?direction=to_police",
        transfer(police, title),
    )
    .await;
    upload(
        app,
        "liaison.scjg",
        &format!("/api/v1/transfers/{id}/attachments"),
        &[("kind", "investigation_report")],
    )
    .await;
    proposed_and_approved(app, "liaison.scjg", id, json!({"step": "send"})).await;
    ok_step(
        app,
        "handler.gaj",
        "transfers",
        id,
        json!({"step": "receive"}),
    )
    .await;
    id
}

/// 004 二(二): a refusal is the transferring unit's to answer, a reconsideration the police's
/// to decide, a supervision suggestion the procuratorate's to act on.
#[tokio::test]
async fn transfer_duties_close_only_by_their_own_acts() {
    each_db(true, |app| async move {
        let msa = app.unit_id(MSA).await;
        let police = app.unit_id(POLICE).await;
        let procuratorate = app.unit_id(PROCURATORATE).await;
        let today = app.today().to_string();
        let step = |text: &str, name: &str| json!({"step": name, "text": text});

        // Refused, answered by a request for reconsideration; upheld, answered by a suggestion
        // of supervision, which the procuratorate settles.
        let id = received(&app, "复议后建议监督案").await;
        let files = format!("/api/v1/transfers/{id}/attachments");
        let respond = duty("transfer", id, "respond_to_refusal");
        let reconsider = duty("transfer", id, "decide_reconsideration");
        let supervise = duty("transfer", id, "supervise_filing");
        respond.held_by(&app, &[], "before the refusal").await;
        proposed_and_approved(&app, "handler.gaj", id, step("现有证据不足以证明销售金额达到立案追诉标准", "refuse")).await;
        respond.held_by(&app, &[Unit(msa)], "after the refusal").await;
        upload(&app, "liaison.scjg", &files, &[("kind", "other")]).await;
        respond.held_by(&app, &[Unit(msa)], "after the transferring unit uploaded a file").await;
        ok_step(&app, "liaison.scjg", "transfers", id, json!({"step": "record_service", "date": today})).await;
        respond.held_by(&app, &[Unit(msa)], "after the service date was recorded").await;
        reconsider.held_by(&app, &[], "before the request").await;
        ok_step(&app, "liaison.scjg", "transfers", id, step("涉案白酒经鉴定为假冒，货值已超过5万元", "request_reconsideration")).await;
        respond.held_by(&app, &[], "after the request for reconsideration").await;
        reconsider.held_by(&app, &[Unit(police)], "after the request").await;
        upload(&app, "handler.gaj", &files, &[("kind", "other")]).await;
        reconsider.held_by(&app, &[Unit(police)], "after the police uploaded a file").await;
        proposed_and_approved(&app, "handler.gaj", id, step("涉案金额未达立案追诉标准", "reconsider_uphold")).await;
        reconsider.held_by(&app, &[], "after the upheld decision").await;
        respond.held_by(&app, &[Unit(msa)], "after the refusal was upheld").await;
        supervise.held_by(&app, &[], "before the suggestion").await;
        ok_step(&app, "liaison.scjg", "transfers", id, json!({"step": "suggest_supervision", "text": "公安机关应当立案而不立案", "procuratorate_unit_id": procuratorate.to_string()})).await;
        respond.held_by(&app, &[], "after the suggestion of supervision").await;
        supervise.held_by(&app, &[Unit(procuratorate)], "after the suggestion").await;
        ok_step(&app, "procurator", "transfers", id, step("不立案理由成立", "supervision_sustained")).await;
        supervise.held_by(&app, &[], "after the procuratorate sustained the refusal").await;

        // A refusal accepted.
        let id = received(&app, "接受不予立案案").await;
        let respond = duty("transfer", id, "respond_to_refusal");
        proposed_and_approved(&app, "handler.gaj", id, step("情节显著轻微", "refuse")).await;
        respond.held_by(&app, &[Unit(msa)], "after the refusal").await;
        ok_step(&app, "liaison.scjg", "transfers", id, json!({"step": "accept_refusal"})).await;
        respond.held_by(&app, &[], "after the refusal was accepted").await;

        // A reconsideration that files the case.
        let id = received(&app, "复议后立案案").await;
        let reconsider = duty("transfer", id, "decide_reconsideration");
        proposed_and_approved(&app, "handler.gaj", id, step("证据不足", "refuse")).await;
        ok_step(&app, "liaison.scjg", "transfers", id, step("补充鉴定意见", "request_reconsideration")).await;
        reconsider.held_by(&app, &[Unit(police)], "after the request").await;
        proposed_and_approved(&app, "handler.gaj", id, step("经复议，决定立案侦查", "reconsider_file")).await;
        reconsider.held_by(&app, &[], "after the case was filed on reconsideration").await;
        duty("transfer", id, "respond_to_refusal").held_by(&app, &[], "filed").await;

        // A late request admitted by the office: the exception gives the transferring unit the
        // refusal to answer again. (Its earlier to-do is closed here by hand, as if dealt with,
        // so that the one the exception opens is seen.)
        let id = received(&app, "准予逾期提出案").await;
        let respond = duty("transfer", id, "respond_to_refusal");
        let supervise = duty("transfer", id, "supervise_filing");
        proposed_and_approved(&app, "handler.gaj", id, step("不构成犯罪", "refuse")).await;
        respond.held_by(&app, &[Unit(msa)], "after the refusal").await;
        sqlx::query("UPDATE transfers SET served_on = '2025-09-29' WHERE id = $1")
            .bind(id)
            .execute(&app.db.pool)
            .await
            .expect("backdate the service");
        sqlx::query("UPDATE todo_items SET done_at = $1 WHERE source_type = 'transfer' AND source_id = $2 AND duty = 'respond_to_refusal' AND done_at IS NULL")
            .bind(app.now().format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string())
            .bind(id)
            .execute(&app.db.pool)
            .await
            .expect("close the earlier to-do");
        respond.held_by(&app, &[], "before the exception").await;
        ok_step(&app, "staff", "transfers", id, step("通知书送达地址有误，移送机关未能按时收到", "grant_exception")).await;
        respond.held_by(&app, &[Unit(msa)], "after the office granted the exception").await;
        ok_step(&app, "liaison.scjg", "transfers", id, json!({"step": "suggest_supervision", "text": "公安机关应当立案而不立案", "procuratorate_unit_id": procuratorate.to_string()})).await;
        respond.held_by(&app, &[], "after the suggestion of supervision").await;
        supervise.held_by(&app, &[Unit(procuratorate)], "after the suggestion").await;
        ok_step(&app, "procurator", "transfers", id, step("经要求说明不立案理由，公安机关已立案", "supervision_filed")).await;
        supervise.held_by(&app, &[], "after the police filed under supervision").await;
    })
    .await;
}

/// 004 二(四), 一(三): a request is the addressed unit's to answer, or, for a consultation, to
/// take to its superior; a refused attempt leaves it open.
#[tokio::test]
async fn linkage_request_duties_close_only_by_an_answer_or_an_escalation() {
    each_db(true, |app| async move {
        let police = app.unit_id(POLICE).await;
        let ls_police = app.unit_id(LS_POLICE).await;
        let msa = app.unit_id(MSA).await;
        let id = created(&app, "liaison.scjg", "/api/v1/linkage/requests", json!({
            "kind": "verify", "to_unit_id": police.to_string(), "subject": "协助查证", "body": "请协助查证当事人身份信息。"
        })).await;
        let answer = duty("linkage_request", id, "answer");
        answer.held_by(&app, &[Unit(police)], "after the request").await;
        let path = |id: i64, _step: &str| format!("/api/v1/linkage/requests/{id}/steps");
        let (s, v) = call(&app, "handler.gaj", Method::POST, &path(id, "answer"), Some(json!({"step": "answer", "answer": " "}))).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        let (s, v) = call(&app, "handler.gaj", Method::POST, &path(id, "escalate"), Some(json!({"step": "escalate", "to_unit_id": msa.to_string(), "answer": "请示"}))).await;
        assert!(s.is_client_error(), "only a consultation goes up: {v}");
        let (s, v) = call(&app, "liaison.scjg", Method::POST, &path(id, "answer"), Some(json!({"step": "answer", "answer": "自行答复"}))).await;
        assert_eq!(s, StatusCode::CONFLICT, "{v}");
        answer.held_by(&app, &[Unit(police)], "after refused attempts").await;
        let (s, v) = call(&app, "handler.gaj", Method::POST, &path(id, "answer"), Some(json!({"step": "answer", "answer": "经查证，当事人身份属实。"}))).await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
        answer.held_by(&app, &[], "after the answer").await;

        // A county consultation taken to the city police: the county police's duty is done,
        // the city police's begins.
        let cid = created(&app, "liaison.luoshan.scjg", "/api/v1/linkage/requests", json!({
            "kind": "consultation", "topic": "filing_threshold", "to_unit_id": ls_police.to_string(),
            "subject": "销售假冒茶叶的追诉标准", "body": "销售金额4.8万元、另有库存货值3万元，是否达到追诉标准？"
        })).await;
        let asked = duty("linkage_request", cid, "answer");
        asked.held_by(&app, &[Unit(ls_police)], "after the consultation").await;
        let up = created(&app, "handler.luoshan.gaj", &path(cid, "escalate"), json!({"step": "escalate", "to_unit_id": police.to_string(), "answer": "库存货值能否计入存在分歧"})).await;
        asked.held_by(&app, &[], "after the escalation").await;
        let upward = duty("linkage_request", up, "answer");
        upward.held_by(&app, &[Unit(police)], "the superior is asked").await;
        let (s, v) = call(&app, "handler.gaj", Method::POST, &path(up, "answer"), Some(json!({"step": "answer", "answer": "已销售金额和库存货值合计计算"}))).await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
        upward.held_by(&app, &[], "after the superior's answer").await;
    })
    .await;
}

/// 003 三(五): a task is the lead unit's to complete by its due date, a completion the office's
/// to check; sending back gives the lead unit the task again.
#[tokio::test]
async fn task_duties_close_only_by_completion_and_its_check() {
    each_db(true, |app| async move {
        let office = app.unit_id(OFFICE).await;
        let msa = app.unit_id(MSA).await;
        let police = app.unit_id(POLICE).await;
        let due_on = day(&app, 20);
        let id = created(
            &app,
            "staff",
            "/api/v1/tasks",
            json!({
                "title": "农资打假专项行动",
                "description": "按领导小组全体会议纪要要求，开展农资打假专项行动并报送成效。",
                "source": "decided_item",
                "source_ref": "全体会议纪要第3项",
                "lead_unit_id": msa.to_string(),
                "cooperating_unit_ids": [police.to_string()],
                "due_on": due_on
            }),
        )
        .await;
        let step = |name: &str, text: &str| json!({"step": name, "text": text});
        let complete = duty("task", id, "complete");
        let check = duty("task", id, "check_completion");
        complete
            .held_by(&app, &[Unit(msa)], "after the task was assigned")
            .await;
        assert_eq!(
            complete.due(&app, Unit(msa)).await,
            Some(due_on.clone()),
            "due with the task"
        );
        check.held_by(&app, &[], "before any completion").await;
        ok_step(
            &app,
            "liaison.scjg",
            "tasks",
            id,
            step("report_progress", "已部署全市农资门店检查"),
        )
        .await;
        complete
            .held_by(&app, &[Unit(msa)], "after the lead unit's progress report")
            .await;
        upload(
            &app,
            "liaison.scjg",
            &format!("/api/v1/tasks/{id}/attachments"),
            &[("description", "检查记录")],
        )
        .await;
        complete
            .held_by(&app, &[Unit(msa)], "after the lead unit uploaded a file")
            .await;
        ok_step(
            &app,
            "handler.gaj",
            "tasks",
            id,
            step("report_progress", "已抽调警力配合"),
        )
        .await;
        complete
            .held_by(&app, &[Unit(msa)], "after the cooperating unit's report")
            .await;

        ok_step(
            &app,
            "liaison.scjg",
            "tasks",
            id,
            step("submit_completion", "检查农资门店120家，立案8起"),
        )
        .await;
        complete
            .held_by(&app, &[], "after the completion report")
            .await;
        check
            .held_by(&app, &[Unit(office)], "after the completion report")
            .await;
        ok_step(
            &app,
            "staff",
            "tasks",
            id,
            step("send_back", "缺少案件查办数据和佐证材料"),
        )
        .await;
        check.held_by(&app, &[], "after it was sent back").await;
        complete
            .held_by(&app, &[Unit(msa)], "after it was sent back")
            .await;
        assert_eq!(
            complete.due(&app, Unit(msa)).await,
            Some(due_on),
            "still due with the task"
        );
        ok_step(
            &app,
            "liaison.scjg",
            "tasks",
            id,
            step("report_progress", "正在补充数据"),
        )
        .await;
        complete
            .held_by(&app, &[Unit(msa)], "after another progress report")
            .await;
        ok_step(
            &app,
            "liaison.scjg",
            "tasks",
            id,
            step("submit_completion", "补充：立案8起，罚没款32万元"),
        )
        .await;
        complete
            .held_by(&app, &[], "after the second completion report")
            .await;
        check
            .held_by(&app, &[Unit(office)], "after the second completion report")
            .await;
        ok_step(&app, "staff", "tasks", id, step("accept", "同意办结")).await;
        check.held_by(&app, &[], "after acceptance").await;
        complete.held_by(&app, &[], "accepted").await;
    })
    .await;
}

/// 001 §20–§21, §23: a proposed meeting is its chairs' to decide, recorded minutes their's to
/// sign; a decided item becomes a task its lead unit is to complete.
#[tokio::test]
async fn meeting_duties_close_only_by_the_chairs_decision_and_signature() {
    each_db(true, |app| async move {
        let msa = app.unit_id(MSA).await;
        let police = app.unit_id(POLICE).await;
        let leader = app.user_id("leader").await;
        let deputy = second_holder(&app, "leader", "deputy.leader", "周副组长", "group_leader").await;
        let propose = |kind: &'static str, title: &'static str| {
            let app = &app;
            async move {
                created(app, "staff", "/api/v1/meetings", json!({
                    "kind": kind, "title": title, "planned_on": day(app, 3), "place": "市政府第二会议室",
                    "topics": "通报前三季度工作；部署冬春农资打假。", "unit_ids": [msa.to_string(), police.to_string()]
                })).await
            }
        };
        let id = propose("plenary", "领导小组全体会议").await;
        let decide = duty("meeting", id, "decide");
        decide.held_by(&app, &[User(leader), User(deputy)], "after the proposal").await;
        ok_step(&app, "leader", "meetings", id, json!({"step": "approve", "text": "同意"})).await;
        decide.held_by(&app, &[], "after the chair approved").await;
        assert_eq!(drafts_of(&app, "meeting", id).await, 0, "no minutes before the meeting is recorded");
        let item_due = day(&app, 20);
        ok_step(&app, "staff", "meetings", id, json!({"step": "record_held", "held": {
            "held_on": day(&app, 0), "attended_unit_ids": [msa.to_string()], "attendees": "李组长，各成员单位负责人",
            "minutes": "会议研究部署了冬春农资打假工作。",
            "items": [{"text": "开展冬春农资打假专项行动", "lead_unit_id": msa.to_string(), "due_on": item_due}]}})).await;
        // The minutes are drafted into the document chain: the chairs' to sign (001 §21).
        let sign = duty("draft", common::draft_of(&app, "meeting", id).await, "sign");
        sign.held_by(&app, &[User(leader), User(deputy)], "after the meeting was recorded").await;
        let (s, v) = common::draft_act(&app, "leader", "meeting", id, "sign", "同意印发。").await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
        sign.held_by(&app, &[], "after the chair signed").await;
        let (_, d) = call(&app, "staff", Method::GET, &format!("/api/v1/meetings/{id}"), None).await;
        let task = d["items"][0]["task_id"].as_i64().expect("task");
        let complete = duty("task", task, "complete");
        complete.held_by(&app, &[Unit(msa)], "the decided item became a task").await;
        assert_eq!(complete.due(&app, Unit(msa)).await, Some(item_due));

        // A liaison meeting is the office directors' to decide; cancelling decides it.
        let director = app.user_id("director").await;
        let deputy_director =
            second_holder(&app, "director", "deputy.director", "赵副主任", "office_director").await;
        let id = propose("liaison", "联络员会议").await;
        let decide = duty("meeting", id, "decide");
        decide.held_by(&app, &[User(director), User(deputy_director)], "after the proposal").await;
        ok_step(&app, "director", "meetings", id, json!({"step": "cancel", "text": "议题已在全体会议研究"})).await;
        decide.held_by(&app, &[], "after the chair cancelled").await;
        assert_eq!(drafts_of(&app, "meeting", id).await, 0, "a cancelled meeting has no minutes");
    })
    .await;
}

/// 001 §26, 003 三(三): a draft is its signers' to sign or return; an issued circular each
/// recipient unit's to confirm, its own confirmation closing only its own to-do.
#[tokio::test]
async fn circular_duties_close_only_by_signing_and_each_units_receipt() {
    each_db(true, |app| async move {
        let msa = app.unit_id(MSA).await;
        let police = app.unit_id(POLICE).await;
        let leader = app.user_id("leader").await;
        let deputy =
            second_holder(&app, "leader", "deputy.leader", "周副组长", "group_leader").await;
        let draft = |title: &'static str| {
            let app = &app;
            async move {
                created(app, "staff", "/api/v1/circulars", json!({
                    "kind": "data", "title": title,
                    "body": "2026年以来，各成员单位认真落实领导小组部署。\n现将有关情况通报如下。",
                    "unit_ids": [msa.to_string(), police.to_string()]
                })).await
            }
        };
        let id = draft("执法数据通报").await;
        let sign = duty(
            "draft",
            common::draft_of(&app, "circular", id).await,
            "sign",
        );
        let confirm = duty("circular", id, "confirm_read");
        sign.held_by(&app, &[User(leader), User(deputy)], "after drafting")
            .await;
        confirm.held_by(&app, &[], "before it is issued").await;
        let (s, v) = common::draft_act(&app, "leader", "circular", id, "sign", "同意印发。").await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
        sign.held_by(&app, &[], "after the leader signed").await;
        confirm
            .held_by(&app, &[Unit(msa), Unit(police)], "after it was issued")
            .await;
        ok_step(
            &app,
            "liaison.scjg",
            "circulars",
            id,
            json!({"step": "confirm_read"}),
        )
        .await;
        confirm
            .held_by(&app, &[Unit(police)], "after one unit confirmed")
            .await;
        ok_step(
            &app,
            "handler.gaj",
            "circulars",
            id,
            json!({"step": "confirm_read"}),
        )
        .await;
        confirm
            .held_by(&app, &[], "after both units confirmed")
            .await;

        // A returned draft is decided too, and is read by no one.
        let id = draft("退回修改的通报").await;
        let d = common::draft_of(&app, "circular", id).await;
        let sign = duty("draft", d, "sign");
        sign.held_by(&app, &[User(leader), User(deputy)], "after drafting")
            .await;
        let (s, v) =
            common::draft_act(&app, "leader", "circular", id, "return", "请补充数据来源").await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
        sign.held_by(&app, &[], "after the leader returned it")
            .await;
        duty("draft", d, "revise")
            .held_by(
                &app,
                &[User(app.user_id("staff").await)],
                "back with its drafter",
            )
            .await;
        duty("circular", id, "confirm_read")
            .held_by(&app, &[], "never issued")
            .await;
    })
    .await;
}

/// 001 §25, 003 三(三): a round is each of its units' to report by its due date; a unit's own
/// submission to the round closes its own to-do only.
#[tokio::test]
async fn report_round_duties_close_only_by_each_units_own_report() {
    each_db(true, |app| async move {
        let msa = app.unit_id(MSA).await;
        let police = app.unit_id(POLICE).await;
        let open_round = |due_on: String, units: Vec<i64>| {
            let app = &app;
            async move {
                created(app, "staff", "/api/v1/report-rounds", json!({
                    "kind": "work_dynamics", "period_label": "本期工作动态", "period_start": day(app, -30),
                    "period_end": day(app, -1), "due_on": due_on,
                    "unit_ids": units.iter().map(|u| u.to_string()).collect::<Vec<_>>()
                })).await
            }
        };
        let report = |who: &'static str, round: i64| {
            let app = &app;
            async move {
                created(app, who, "/api/v1/reports", json!({
                    "round_id": round.to_string(), "title": "本期工作动态", "body": "开展专项检查3次。"
                })).await
            }
        };
        let due_on = day(&app, 5);
        let rid = open_round(due_on.clone(), vec![msa, police]).await;
        let round = duty("report_round", rid, "report");
        round.held_by(&app, &[Unit(msa), Unit(police)], "after the round opened").await;
        for u in [msa, police] {
            assert_eq!(round.due(&app, Unit(u)).await, Some(due_on.clone()), "due on the round's date");
        }
        // A major-matter report, and a report to another round, are not this round's report.
        created(&app, "liaison.scjg", "/api/v1/reports", json!({
            "kind": "major_matter", "title": "破获制售假冒化肥案", "body": "涉案金额300万元。"
        })).await;
        let other = open_round(day(&app, 7), vec![msa]).await;
        report("liaison.scjg", other).await;
        duty("report_round", other, "report").held_by(&app, &[], "reported to the other round").await;
        round.held_by(&app, &[Unit(msa), Unit(police)], "after the unit's other reports").await;

        report("liaison.scjg", rid).await;
        round.held_by(&app, &[Unit(police)], "after one unit reported").await;
        report("handler.gaj", rid).await;
        round.held_by(&app, &[], "after both units reported").await;
    })
    .await;
}
