//! Reading tasks within the reader's data scope, and each step as one transaction.

use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use serde_json::json;
use sha2::Digest;

use super::flow::{self, Standing, Step, TaskState};
use super::model::{NewTask, TaskInput};
use crate::access::sql::parties_in_scope;
use crate::access::{Action, Actor, Resource, Scope};
use crate::audit::{Entry, Who};
use crate::calendar::{Calendar, Period};
use crate::db::query::{Sql, like_escape};
use crate::db::{Db, Tx};
use crate::deadline::store::{Change, NewDeadline, settle_for_record};
use crate::error::{AppError, AppResult};
use crate::notify::store::{Duty, Holder, add_duty, discharge, notify_unit};

/// The lead unit's duty to complete the task and report it (003 三(五)).
const COMPLETE: &str = "complete";
/// The office's duty to check a reported completion: accept or send back.
const CHECK: &str = "check_completion";

fn duty(id: i64, name: &'static str) -> Duty<'static> {
    Duty::new(RESOURCE, id, name)
}

pub const RESOURCE: &str = "task";

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Task {
    pub id: i64,
    pub code: String,
    pub title: String,
    pub description: String,
    pub source: String,
    pub source_ref: Option<String>,
    pub office_unit_id: i64,
    pub office_unit_name: String,
    pub lead_unit_id: i64,
    pub lead_unit_name: String,
    pub due_on: String,
    pub state: String,
    pub submitted_on: Option<String>,
    pub accepted_on: Option<String>,
    /// 1 when the time limit passed without the task being accepted.
    pub overdue: i64,
    pub created_at: String,
    pub updated_at: String,
}

impl Task {
    pub fn state(&self) -> AppResult<TaskState> {
        TaskState::parse(&self.state)
            .ok_or_else(|| AppError::internal(format!("task {} state {}", self.id, self.state)))
    }
    pub fn state_label(&self) -> &'static str {
        TaskState::label_of(&self.state)
    }
    pub fn source_label(&self) -> &'static str {
        flow::Source::label_of(&self.source)
    }
    pub fn is_overdue(&self) -> bool {
        self.overdue == 1
    }
}

const SELECT: &str = concat!(
    "SELECT t.id, t.code, t.title, t.description, t.source, t.source_ref, t.office_unit_id, \
    ou.name AS office_unit_name, t.lead_unit_id, lu.name AS lead_unit_name, t.due_on, t.state, t.submitted_on, \
    t.accepted_on, CASE WHEN EXISTS (SELECT 1 FROM deadlines d WHERE d.record_type = 'task' AND d.record_id = t.id \
      AND ",
    crate::late_sql!("d"),
    ") THEN 1 ELSE 0 END AS overdue, t.created_at, t.updated_at \
    FROM tasks t JOIN units ou ON ou.id = t.office_unit_id JOIN units lu ON lu.id = t.lead_unit_id WHERE "
);

pub fn read_scope(actor: &Actor) -> AppResult<Scope> {
    actor.require(Resource::Task, Action::Read)
}

pub async fn get(db: &Db, scope: &Scope, id: i64) -> Result<Option<Task>, sqlx::Error> {
    let mut q = Sql::new(SELECT);
    q.push("t.id = ").bind(id).push(" AND ");
    q.append(parties_in_scope(scope, RESOURCE, "t.id"));
    q.query_as().fetch_optional(&db.pool).await
}

async fn get_tx(tx: &mut Tx, id: i64) -> Result<Option<Task>, sqlx::Error> {
    let mut q = Sql::new(SELECT);
    q.push("t.id = ").bind(id);
    q.query_as().fetch_optional(&mut **tx).await
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filter {
    pub state: Option<TaskState>,
    pub lead_unit_id: Option<i64>,
    pub overdue: bool,
    pub text: Option<String>,
    /// One source only (a statistic's click-through: the decided items).
    pub source: Option<flow::Source>,
    /// How the time limit stands, on the deadline domain's definition (a statistic's
    /// click-through to the tasks done late, or missed).
    pub timeliness: Option<crate::deadline::Timeliness>,
    /// Assigned from this day to that: the day the time limit started (the statistic's period).
    pub assigned_from: Option<NaiveDate>,
    pub assigned_to: Option<NaiveDate>,
}

pub const PAGE_SIZE: i64 = 20;

/// One page of tasks: overdue first, then by time limit; and whether more follow.
pub async fn list(
    db: &Db,
    scope: &Scope,
    f: &Filter,
    page: i64,
) -> Result<(Vec<Task>, bool), sqlx::Error> {
    let offset = (page.max(1) - 1) * PAGE_SIZE;
    let mut q = Sql::new(&format!("SELECT * FROM ({SELECT}"));
    q.append(parties_in_scope(scope, RESOURCE, "t.id"));
    if let Some(s) = &f.state {
        q.push(" AND t.state = ").bind(s.code());
    }
    if let Some(u) = f.lead_unit_id {
        q.push(" AND t.lead_unit_id = ").bind(u);
    }
    if let Some(s) = f.source {
        q.push(" AND t.source = ").bind(s.code());
    }
    if f.timeliness.is_some() || f.assigned_from.is_some() || f.assigned_to.is_some() {
        q.push(" AND EXISTS (SELECT 1 FROM deadlines td WHERE td.record_type = 'task' AND td.record_id = t.id AND td.clause = ")
            .bind(flow::CLAUSE);
        if let Some(tl) = f.timeliness {
            q.push(concat!(" AND ", crate::timeliness_sql!("td"), " = "))
                .bind(tl.code());
        }
        if let Some(d) = f.assigned_from {
            q.push(" AND td.start_date >= ").bind(d.to_string());
        }
        if let Some(d) = f.assigned_to {
            q.push(" AND td.start_date <= ").bind(d.to_string());
        }
        q.push(")");
    }
    if let Some(t) = &f.text {
        q.push(" AND (t.title LIKE ")
            .bind(format!("%{}%", like_escape(t)))
            .push(" ESCAPE '\\' OR t.code LIKE ")
            .bind(format!("%{}%", like_escape(t)))
            .push(" ESCAPE '\\')");
    }
    q.push(") x");
    if f.overdue {
        q.push(" WHERE x.overdue = 1");
    }
    q.push(" ORDER BY x.overdue DESC, CASE WHEN x.state = 'accepted' THEN 1 ELSE 0 END, x.due_on, x.id DESC")
        .limit_offset(PAGE_SIZE + 1, offset);
    let mut rows: Vec<Task> = q.query_as().fetch_all(&db.pool).await?;
    let more = rows.len() as i64 > PAGE_SIZE;
    rows.truncate(PAGE_SIZE as usize);
    Ok((rows, more))
}

/// Units party to a task: (unit id, role, name).
pub async fn parties_of(db: &Db, id: i64) -> Result<Vec<(i64, String, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT rp.unit_id, rp.party_role, u.name FROM record_parties rp JOIN units u ON u.id = rp.unit_id \
         WHERE rp.resource = 'task' AND rp.record_id = $1 ORDER BY rp.party_role, u.id",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await
}

pub fn standing(actor: &Actor, t: &Task, parties: &[(i64, String, String)]) -> Standing {
    let office_role = actor.roles.iter().any(|r| r.is_office());
    Standing {
        office: office_role && actor.unit_id == t.office_unit_id,
        lead: actor.unit_id == t.lead_unit_id,
        cooperating: parties
            .iter()
            .any(|(u, r, _)| *u == actor.unit_id && r == "cooperating"),
    }
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct EntryRow {
    pub kind: String,
    pub unit_name: String,
    pub author_name: String,
    pub body: String,
    pub at: String,
}

impl EntryRow {
    pub fn kind_label(&self) -> &'static str {
        match self.kind.as_str() {
            "assigned" => "交办",
            "progress" => "进展",
            "completion" => "报告完成",
            "accepted" => "验收办结",
            "sent_back" => "退回重办",
            "attached" => "佐证材料",
            _ => "记录",
        }
    }
}

pub async fn entries(db: &Db, id: i64) -> Result<Vec<EntryRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT e.kind, u.name AS unit_name, e.author_name, e.body, e.at FROM task_entries e \
         JOIN units u ON u.id = e.unit_id WHERE e.task_id = $1 ORDER BY e.id",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
#[schema(as = TaskAttachment)]
pub struct AttachmentRow {
    pub id: i64,
    pub filename: String,
    pub mime: String,
    pub size: i64,
    pub sha256: String,
    pub description: Option<String>,
    pub unit_name: String,
    pub uploaded_at: String,
}

pub async fn attachments(db: &Db, id: i64) -> Result<Vec<AttachmentRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT a.id, a.filename, a.mime, a.size, a.sha256, a.description, u.name AS unit_name, a.uploaded_at \
         FROM task_attachments a JOIN units u ON u.id = a.uploaded_by_unit WHERE a.task_id = $1 ORDER BY a.id",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await
}

pub async fn attachment(
    db: &Db,
    task: i64,
    id: i64,
) -> Result<Option<(String, String, Vec<u8>)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT filename, mime, content FROM task_attachments WHERE id = $1 AND task_id = $2",
    )
    .bind(id)
    .bind(task)
    .fetch_optional(&db.pool)
    .await
}

// ---- steps ----

async fn entry(
    tx: &mut Tx,
    id: i64,
    who: &Who,
    unit: i64,
    kind: &str,
    body: &str,
) -> Result<(), sqlx::Error> {
    let now = who.at_text();
    sqlx::query("INSERT INTO task_entries (task_id, kind, unit_id, author_name, body, at) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(id)
        .bind(kind)
        .bind(unit)
        .bind(&who.name)
        .bind(body)
        .bind(&now)
        .execute(&mut **tx)
        .await?;
    sqlx::query("UPDATE tasks SET updated_at = $1 WHERE id = $2")
        .bind(&now)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    crate::access::parties::touch(tx, RESOURCE, id, &now).await
}

async fn finish(
    tx: Tx,
    who: &Who,
    t: &Task,
    action: &'static str,
    summary: serde_json::Value,
) -> AppResult<()> {
    let entry = Entry::new(action, RESOURCE)
        .object(t.id, Some(t.office_unit_id))
        .summary(summary);
    crate::procedure::finish(tx, who, entry).await
}

/// The office assigns a task with its lead and cooperating units and time limit (003 三(五)).
pub async fn create(
    db: &Db,
    cal: &Calendar,
    actor: &Actor,
    who: &Who,
    input: &TaskInput,
) -> AppResult<i64> {
    actor.require(Resource::Task, Action::Create)?;
    let new = NewTask::parse(input, who.today())?;
    let report = super::model::public_report_of(input, new.source)?;
    let mut tx = db.begin().await?;
    let id = insert(&mut tx, cal, who, actor.unit_id, actor.user_id, &new).await?;
    if let Some(report) = report {
        // A public report turned into this task: linked both ways in this transaction.
        crate::public_reports::store::link(
            &mut tx,
            actor,
            who,
            report,
            crate::public_reports::flow::Conversion::Task,
            id,
        )
        .await?;
    }
    let t = get_tx(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    finish(
        tx,
        who,
        &t,
        "task.create",
        json!({"code": t.code, "lead_unit_id": new.lead_unit_id, "due_on": new.due_on.to_string()}),
    )
    .await?;
    Ok(id)
}

/// Insert a task of `office` inside the caller's transaction (assignment, or a decided item of
/// issued minutes): its parties, its clock and the units' to-dos.
pub async fn insert(
    tx: &mut Tx,
    cal: &Calendar,
    who: &Who,
    office: i64,
    created_by: i64,
    new: &NewTask,
) -> AppResult<i64> {
    let today = who.today();
    // The units a task names lie in its office's region, whoever assigns it (the office, a
    // plan, minutes, an inspection).
    let region = crate::units::store::region_of(tx, office).await?;
    for (field, u) in std::iter::once(("lead_unit_id", &new.lead_unit_id))
        .chain(new.cooperating.iter().map(|c| ("cooperating_unit_ids", c)))
    {
        crate::units::store::require_named(
            tx,
            *u,
            field,
            "单位不存在或已停用",
            crate::access::jurisdiction::Reach::OwnRegion,
            &region,
        )
        .await?;
    }
    let n = crate::numbering::next_number(tx, "task", today.year()).await?;
    let code = format!("任{}-{n:04}", today.year());
    let now = who.at_text();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO tasks (code, title, description, source, source_ref, office_unit_id, lead_unit_id, due_on, state, \
         created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'assigned', $9, $10, $10) RETURNING id",
    )
    .bind(&code)
    .bind(&new.title)
    .bind(&new.description)
    .bind(new.source.code())
    .bind(&new.source_ref)
    .bind(office)
    .bind(new.lead_unit_id)
    .bind(new.due_on.to_string())
    .bind(created_by)
    .bind(&now)
    .fetch_one(&mut **tx)
    .await?;
    crate::access::parties::add(tx, RESOURCE, id, office, "office", &now).await?;
    crate::access::parties::add(tx, RESOURCE, id, new.lead_unit_id, "lead", &now).await?;
    for c in &new.cooperating {
        crate::access::parties::add(tx, RESOURCE, id, *c, "cooperating", &now).await?;
    }
    crate::deadline::store::open(
        tx,
        cal,
        who,
        &NewDeadline {
            purpose: format!("完成督办任务：{}", new.title),
            clause: flow::CLAUSE.into(),
            start_event: "领导小组办公室交办".into(),
            start: today,
            // The time limit the office named, kept as named (no holiday roll-forward).
            rule: Period::Until(new.due_on),
            record_type: Some(RESOURCE.into()),
            record_id: Some(id),
            owner_unit_id: new.lead_unit_id,
            owner_user_id: None,
        },
    )
    .await?;
    entry(
        tx,
        id,
        who,
        office,
        "assigned",
        &format!(
            "交办，{}前完成（{}）",
            crate::calendar::date_zh(new.due_on),
            new.source.label()
        ),
    )
    .await?;
    let link = format!("/tasks/{id}");
    let title = format!("督办任务（牵头）：{}", new.title);
    notify_unit(
        tx,
        who,
        new.lead_unit_id,
        &title,
        &format!("{}前完成", crate::calendar::date_zh(new.due_on)),
        &link,
    )
    .await?;
    add_duty(
        tx,
        who,
        duty(id, COMPLETE),
        Holder::Unit(new.lead_unit_id),
        &title,
        &link,
        Some(&new.due_on.to_string()),
        false,
    )
    .await?;
    for c in &new.cooperating {
        notify_unit(
            tx,
            who,
            *c,
            &format!("督办任务（配合）：{}", new.title),
            &format!("{}前完成", crate::calendar::date_zh(new.due_on)),
            &link,
        )
        .await?;
    }
    Ok(id)
}

impl crate::procedure::Procedure for Task {
    type Step = Step;
    type State = TaskState;
    async fn visible(db: &Db, actor: &Actor, id: i64) -> AppResult<Option<Self>> {
        let scope = read_scope(actor)?;
        Ok(get(db, &scope, id).await?)
    }
    async fn authorise(db: &Db, actor: &Actor, visible: &Self, step: Step) -> AppResult<TaskState> {
        let parties = parties_of(db, visible.id).await?;
        flow::check(
            visible.state()?,
            step,
            &actor.roles,
            standing(actor, visible, &parties),
        )
        .map_err(|r| AppError::conflict("step_refused", r.to_string()))
    }
}

async fn begin(db: &Db, actor: &Actor, id: i64, step: Step) -> AppResult<(Tx, Task, TaskState)> {
    crate::procedure::begin::<Task>(db, actor, id, step).await
}

impl crate::procedure::Record for Task {
    const TABLE: &'static str = "tasks";
    const CHANGED: &'static str = "任务状态已被他人更新，请刷新页面后重试";
    fn state_code(&self) -> &str {
        &self.state
    }
    async fn read(tx: &mut Tx, id: i64) -> Result<Option<Self>, sqlx::Error> {
        get_tx(tx, id).await
    }
}

async fn set_state(tx: &mut Tx, t: &Task, s: TaskState) -> AppResult<()> {
    crate::procedure::transition::<Task>(tx, t.id, &t.state, s.code()).await
}

/// A step with a text: progress, completion, acceptance note or the reasons for sending back.
pub async fn step(
    db: &Db,
    cal: &Calendar,
    actor: &Actor,
    who: &Who,
    id: i64,
    step: Step,
    text: &str,
) -> AppResult<()> {
    let label = match step {
        Step::ReportProgress => "进展情况",
        Step::SubmitCompletion => "完成情况和佐证",
        Step::Accept => "验收意见",
        Step::SendBack => "退回的理由",
        Step::Attach => {
            return Err(AppError::field(
                "step",
                "invalid_choice",
                "请通过上传接口添加材料",
            ));
        }
    };
    let text = crate::domain::text::required_long("text", label, text, 5000)?;
    let (mut tx, t, next) = begin(db, actor, id, step).await?;
    let today = who.today();
    let link = format!("/tasks/{id}");
    match step {
        Step::ReportProgress => {
            entry(&mut tx, id, who, actor.unit_id, "progress", &text).await?;
        }
        Step::SubmitCompletion => {
            sqlx::query("UPDATE tasks SET submitted_on = $1 WHERE id = $2")
                .bind(today.to_string())
                .bind(id)
                .execute(&mut *tx)
                .await?;
            entry(&mut tx, id, who, actor.unit_id, "completion", &text).await?;
            discharge(&mut tx, who, duty(id, COMPLETE)).await?;
            let title = format!("督办任务报告完成，待验收：{}", t.title);
            notify_unit(
                &mut tx,
                who,
                t.office_unit_id,
                &title,
                &t.lead_unit_name,
                &link,
            )
            .await?;
            add_duty(
                &mut tx,
                who,
                duty(id, CHECK),
                Holder::Unit(t.office_unit_id),
                &title,
                &link,
                None,
                false,
            )
            .await?;
        }
        Step::Accept => {
            // The time limit was kept if the completion that was accepted came in time.
            let on = t
                .submitted_on
                .as_deref()
                .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
                .unwrap_or(today);
            settle_for_record(
                &mut tx,
                cal,
                who,
                RESOURCE,
                id,
                flow::CLAUSE,
                Change::Met { on },
            )
            .await?;
            sqlx::query("UPDATE tasks SET accepted_on = $1 WHERE id = $2")
                .bind(today.to_string())
                .bind(id)
                .execute(&mut *tx)
                .await?;
            entry(&mut tx, id, who, actor.unit_id, "accepted", &text).await?;
            discharge(&mut tx, who, duty(id, CHECK)).await?;
            notify_unit(
                &mut tx,
                who,
                t.lead_unit_id,
                &format!("督办任务已验收办结：{}", t.title),
                &text,
                &link,
            )
            .await?;
        }
        Step::SendBack => {
            entry(&mut tx, id, who, actor.unit_id, "sent_back", &text).await?;
            discharge(&mut tx, who, duty(id, CHECK)).await?;
            let title = format!("督办任务被退回重办：{}", t.title);
            notify_unit(&mut tx, who, t.lead_unit_id, &title, &text, &link).await?;
            add_duty(
                &mut tx,
                who,
                duty(id, COMPLETE),
                Holder::Unit(t.lead_unit_id),
                &title,
                &link,
                Some(&t.due_on),
                false,
            )
            .await?;
        }
        Step::Attach => {}
    }
    set_state(&mut tx, &t, next).await?;
    finish(tx, who, &t, "task.step", json!({"step": step.code()})).await
}

/// Add evidence: type checked by content, 20 MB, SHA-256.
pub async fn attach(
    db: &Db,
    actor: &Actor,
    who: &Who,
    id: i64,
    filename: &str,
    bytes: Vec<u8>,
    description: &str,
) -> AppResult<i64> {
    let upload = crate::domain::upload::check("file", filename, &bytes)?;
    let text = crate::search::extract::text_of(upload.mime, &bytes).await;
    let description = crate::domain::text::optional("description", "说明", Some(description), 200)?;
    let (mut tx, t, _) = begin(db, actor, id, Step::Attach).await?;
    let sha = crate::domain::hex(&sha2::Sha256::digest(&bytes));
    let size = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
    let aid: i64 = sqlx::query_scalar(
        "INSERT INTO task_attachments (task_id, filename, mime, size, sha256, description, content, text_content, uploaded_by, \
         uploaded_by_unit, uploaded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
    )
    .bind(id)
    .bind(&upload.filename)
    .bind(upload.mime)
    .bind(size)
    .bind(&sha)
    .bind(&description)
    .bind(bytes)
    .bind(&text)
    .bind(actor.user_id)
    .bind(actor.unit_id)
    .bind(who.at_text())
    .fetch_one(&mut *tx)
    .await?;
    entry(
        &mut tx,
        id,
        who,
        actor.unit_id,
        "attached",
        &format!(
            "上传《{}》（{} 字节，SHA-256 {}）",
            upload.filename,
            size,
            &sha[..16]
        ),
    )
    .await?;
    finish(
        tx,
        who,
        &t,
        "task.attach",
        json!({"attachment_id": aid, "sha256": sha, "size": size}),
    )
    .await?;
    Ok(aid)
}

/// A step on a task as submitted (`{"step": …, "text": …}`): every step of a task carries its
/// text.
#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum TaskStep {
    /// 报告进展 (the lead unit).
    ReportProgress {
        #[serde(default, deserialize_with = "crate::web::step::or_default")]
        text: String,
    },
    /// 报告完成并附佐证 (the lead unit).
    SubmitCompletion {
        #[serde(default, deserialize_with = "crate::web::step::or_default")]
        text: String,
    },
    /// 验收 (the office).
    Accept {
        #[serde(default, deserialize_with = "crate::web::step::or_default")]
        text: String,
    },
    /// 退回 (the office), with the reasons.
    SendBack {
        #[serde(default, deserialize_with = "crate::web::step::or_default")]
        text: String,
    },
}

/// Take `input` on task `id` as `actor`.
pub async fn run(
    db: &Db,
    cal: &Calendar,
    actor: &Actor,
    who: &Who,
    id: i64,
    input: TaskStep,
) -> AppResult<()> {
    let (s, text) = match input {
        TaskStep::ReportProgress { text } => (Step::ReportProgress, text),
        TaskStep::SubmitCompletion { text } => (Step::SubmitCompletion, text),
        TaskStep::Accept { text } => (Step::Accept, text),
        TaskStep::SendBack { text } => (Step::SendBack, text),
    };
    step(db, cal, actor, who, id, s, &text).await
}
