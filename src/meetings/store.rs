//! Reading the group's meetings within scope, and each step as one transaction.

use crate::db::query::Window;
use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};

use super::flow::{self, MeetingKind, MeetingState, Step};
use super::model::{Held, HeldInput, Proposal, ProposalInput};
use crate::access::sql::parties_in_scope;
use crate::access::{Action, Actor, Resource, Role, Scope};
use crate::audit::{Entry, Who};
use crate::context::Ctx;
use crate::db::query::Sql;
use crate::db::{Db, Tx};
use crate::documents::{OfficialDocument, Paragraph};
use crate::error::{AppError, AppResult};
use crate::notify::store::{Duty, Holder, add_duty, discharge, notify, notify_unit};

/// The chair's duty to decide whether a proposed meeting is held (001 §19–22).
const DECIDE: &str = "decide";
/// The chair's duty to sign the minutes of a held meeting.
const SIGN_MINUTES: &str = "sign_minutes";

fn duty(id: i64, name: &'static str) -> Duty<'static> {
    Duty::new(RESOURCE, id, name)
}

pub const RESOURCE: &str = "meeting";

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
#[schema(as = GroupMeeting)]
pub struct Meeting {
    pub id: i64,
    pub kind: String,
    pub office_unit_id: i64,
    pub office_unit_name: String,
    pub office_region: String,
    pub title: String,
    pub planned_on: String,
    pub place: Option<String>,
    pub topics: String,
    pub state: String,
    pub decision_note: Option<String>,
    pub held_on: Option<String>,
    pub attendees: Option<String>,
    pub minutes: Option<String>,
    pub minutes_number: Option<String>,
    pub signed_by_name: Option<String>,
    pub signed_at: Option<String>,
    pub minutes_sha256: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

impl Meeting {
    pub fn kind(&self) -> AppResult<MeetingKind> {
        MeetingKind::parse(&self.kind).ok_or_else(|| AppError::internal("meeting kind"))
    }
    pub fn state(&self) -> AppResult<MeetingState> {
        MeetingState::parse(&self.state).ok_or_else(|| AppError::internal("meeting state"))
    }
    pub fn kind_label(&self) -> &'static str {
        MeetingKind::label_of(&self.kind)
    }
    pub fn state_label(&self) -> &'static str {
        MeetingState::label_of(&self.state)
    }
}

const SELECT: &str = "SELECT m.id, m.kind, m.office_unit_id, ou.name AS office_unit_name, ou.region_code AS office_region, \
    m.title, m.planned_on, m.place, m.topics, m.state, m.decision_note, m.held_on, m.attendees, m.minutes, m.minutes_number, \
    m.signed_by_name, m.signed_at, m.minutes_sha256, m.created_at, m.updated_at \
    FROM group_meetings m JOIN units ou ON ou.id = m.office_unit_id WHERE ";

pub fn read_scope(actor: &Actor) -> AppResult<Scope> {
    actor.require(Resource::Meeting, Action::Read)
}

pub async fn get(db: &Db, scope: &Scope, id: i64) -> Result<Option<Meeting>, sqlx::Error> {
    let mut q = Sql::new(SELECT);
    q.push("m.id = ").bind(id).push(" AND ");
    q.append(parties_in_scope(scope, RESOURCE, "m.id"));
    q.query_as().fetch_optional(&db.pool).await
}

async fn get_tx(tx: &mut Tx, id: i64) -> Result<Option<Meeting>, sqlx::Error> {
    let mut q = Sql::new(SELECT);
    q.push("m.id = ").bind(id);
    q.query_as().fetch_optional(&mut **tx).await
}

pub async fn list(db: &Db, scope: &Scope, w: Window) -> Result<Vec<Meeting>, sqlx::Error> {
    let mut q = Sql::new(SELECT);
    q.append(parties_in_scope(scope, RESOURCE, "m.id"));
    q.push(" ORDER BY m.planned_on DESC, m.id DESC");
    q.push(&w.sql());
    q.query_as().fetch_all(&db.pool).await
}

/// Whether the actor speaks for the office that organises the meeting: its own staff, or the
/// group's leaders of the same region.
pub fn office_standing(actor: &Actor, m: &Meeting) -> bool {
    let staff = actor.unit_id == m.office_unit_id;
    let leader =
        actor.roles.contains(&Role::GroupLeader) && actor.unit_region.as_str() == m.office_region;
    staff || leader
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct UnitRow {
    pub unit_id: i64,
    pub name: String,
    pub attended: i64,
}

pub async fn units(db: &Db, id: i64) -> Result<Vec<UnitRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT g.unit_id, u.name, g.attended FROM group_meeting_units g JOIN units u ON u.id = g.unit_id \
         WHERE g.meeting_id = $1 ORDER BY u.id",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
#[schema(as = MeetingItem)]
pub struct ItemRow {
    pub seq: i64,
    pub text: String,
    pub lead_unit_id: i64,
    pub lead_unit_name: String,
    pub due_on: String,
    pub task_id: Option<i64>,
}

pub async fn items(
    exec: impl sqlx::Executor<'_, Database = sqlx::Any>,
    id: i64,
) -> Result<Vec<ItemRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT i.seq, i.text, i.lead_unit_id, u.name AS lead_unit_name, i.due_on, i.task_id FROM group_meeting_items i \
         JOIN units u ON u.id = i.lead_unit_id WHERE i.meeting_id = $1 ORDER BY i.seq",
    )
    .bind(id)
    .fetch_all(exec)
    .await
}

pub async fn minutes_pdf(db: &Db, id: i64) -> Result<Option<(String, Vec<u8>)>, sqlx::Error> {
    let row: Option<(Option<String>, Option<Vec<u8>>)> =
        sqlx::query_as("SELECT minutes_number, minutes_pdf FROM group_meetings WHERE id = $1")
            .bind(id)
            .fetch_optional(&db.pool)
            .await?;
    Ok(row.and_then(|(n, p)| n.zip(p)))
}

/// The number of meetings of `kind` the office held this year (issued minutes or held).
pub async fn held_this_year(
    db: &Db,
    office: i64,
    kind: MeetingKind,
    today: NaiveDate,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM group_meetings WHERE office_unit_id = $1 AND kind = $2 AND state IN ('held', 'issued') \
         AND held_on >= $3 AND held_on <= $4",
    )
    .bind(office)
    .bind(kind.code())
    .bind(format!("{}-01-01", today.year()))
    .bind(format!("{}-12-31", today.year()))
    .fetch_one(&db.pool)
    .await
}

// ---- steps ----

async fn touch(tx: &mut Tx, who: &Who, id: i64) -> Result<(), sqlx::Error> {
    let now = who.at_text();
    sqlx::query("UPDATE group_meetings SET updated_at = $1 WHERE id = $2")
        .bind(&now)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    crate::access::parties::touch(tx, RESOURCE, id, &now).await
}

async fn finish(
    tx: Tx,
    who: &Who,
    m: &Meeting,
    action: &'static str,
    summary: serde_json::Value,
) -> AppResult<()> {
    let entry = Entry::new(action, RESOURCE)
        .object(m.id, Some(m.office_unit_id))
        .summary(summary);
    crate::procedure::finish(tx, who, entry).await
}

/// The chairs who decide and sign for `kind` in the office's region.
async fn chairs(tx: &mut Tx, office: i64, kind: MeetingKind) -> Result<Vec<i64>, sqlx::Error> {
    crate::notify::store::holders_of_role(tx, kind.chair_role(), office).await
}

/// 001 §20: the office proposes the time and topics; the chair gets it to decide.
pub async fn propose(db: &Db, actor: &Actor, who: &Who, input: &ProposalInput) -> AppResult<i64> {
    actor.require(Resource::Meeting, Action::Create)?;
    let p = Proposal::parse(input, who.today())?;
    let mut tx = db.begin().await?;
    let now = who.at_text();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO group_meetings (kind, office_unit_id, title, planned_on, place, topics, state, created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 'proposed', $7, $8, $8) RETURNING id",
    )
    .bind(p.kind.code())
    .bind(actor.unit_id)
    .bind(&p.title)
    .bind(p.planned_on.to_string())
    .bind(&p.place)
    .bind(&p.topics)
    .bind(actor.user_id)
    .bind(&now)
    .fetch_one(&mut *tx)
    .await?;
    crate::access::parties::add(&mut tx, RESOURCE, id, actor.unit_id, "office", &now).await?;
    for u in &p.unit_ids {
        crate::units::store::require_named(
            &mut tx,
            *u,
            "unit_ids",
            "参会单位不存在或已停用",
            crate::access::jurisdiction::Reach::OwnRegion,
            &actor.unit_region,
        )
        .await?;
        sqlx::query("INSERT INTO group_meeting_units (meeting_id, unit_id) VALUES ($1, $2)")
            .bind(id)
            .bind(u)
            .execute(&mut *tx)
            .await?;
        crate::access::parties::add(&mut tx, RESOURCE, id, *u, "invited", &now).await?;
    }
    let link = format!("/meetings/{id}");
    for chair in chairs(&mut tx, actor.unit_id, p.kind).await? {
        notify(
            &mut tx,
            who,
            chair,
            &format!("请决定是否召开：{}", p.title),
            &format!("建议{}召开", p.planned_on),
            Some(&link),
        )
        .await?;
        add_duty(
            &mut tx,
            who,
            duty(id, DECIDE),
            Holder::User(chair),
            &format!("决定召开{}", p.title),
            &link,
            Some(&p.planned_on.to_string()),
            false,
        )
        .await?;
    }
    let m = get_tx(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    finish(
        tx,
        who,
        &m,
        "meeting.propose",
        json!({"kind": p.kind.code(), "planned_on": p.planned_on.to_string(), "units": p.unit_ids}),
    )
    .await?;
    Ok(id)
}

impl crate::procedure::Procedure for Meeting {
    type Step = Step;
    type State = MeetingState;
    async fn visible(db: &Db, actor: &Actor, id: i64) -> AppResult<Option<Self>> {
        let scope = read_scope(actor)?;
        Ok(get(db, &scope, id).await?)
    }
    async fn authorise(
        _db: &Db,
        actor: &Actor,
        visible: &Self,
        step: Step,
    ) -> AppResult<MeetingState> {
        flow::check(
            visible.kind()?,
            visible.state()?,
            step,
            &actor.roles,
            office_standing(actor, visible),
        )
        .map_err(|r| AppError::conflict("step_refused", r.to_string()))
    }
}

async fn begin(
    db: &Db,
    actor: &Actor,
    id: i64,
    step: Step,
) -> AppResult<(Tx, Meeting, MeetingState)> {
    crate::procedure::begin::<Meeting>(db, actor, id, step).await
}

impl crate::procedure::Record for Meeting {
    const TABLE: &'static str = "group_meetings";
    const CHANGED: &'static str = "会议状态已被他人更新，请刷新页面后重试";
    fn state_code(&self) -> &str {
        &self.state
    }
    async fn read(tx: &mut Tx, id: i64) -> Result<Option<Self>, sqlx::Error> {
        get_tx(tx, id).await
    }
}

async fn set_state(tx: &mut Tx, who: &Who, m: &Meeting, s: MeetingState) -> AppResult<()> {
    crate::procedure::transition::<Meeting>(tx, m.id, &m.state, s.code()).await?;
    Ok(touch(tx, who, m.id).await?)
}

/// 001 §20: the chair decides to hold the meeting, or not, with a note.
pub async fn decide(
    db: &Db,
    actor: &Actor,
    who: &Who,
    id: i64,
    step: Step,
    note: &str,
) -> AppResult<()> {
    let note = crate::domain::text::optional("text", "意见", Some(note), 500)?;
    let (mut tx, m, next) = begin(db, actor, id, step).await?;
    discharge(&mut tx, who, duty(id, DECIDE)).await?;
    sqlx::query("UPDATE group_meetings SET decision_note = $1 WHERE id = $2")
        .bind(&note)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    set_state(&mut tx, who, &m, next).await?;
    let link = format!("/meetings/{id}");
    let title = if step == Step::Approve {
        format!("决定召开：{}（{}）", m.title, m.planned_on)
    } else {
        format!("不予召开：{}", m.title)
    };
    notify_unit(
        &mut tx,
        who,
        m.office_unit_id,
        &title,
        note.as_deref().unwrap_or(""),
        &link,
    )
    .await?;
    if step == Step::Approve {
        let invited: Vec<i64> =
            sqlx::query_scalar("SELECT unit_id FROM group_meeting_units WHERE meeting_id = $1")
                .bind(id)
                .fetch_all(&mut *tx)
                .await?;
        for u in invited {
            notify_unit(
                &mut tx,
                who,
                u,
                &format!("会议通知：{}", m.title),
                &format!("{}，议题：{}", m.planned_on, m.topics),
                &link,
            )
            .await?;
        }
    }
    finish(tx, who, &m, "meeting.decide", json!({"step": step.code()})).await
}

/// The office records the meeting: attendance, minutes and the decided items. The minutes are
/// drafted into the document chain (`drafting`) for the chair to sign (001 §21).
pub async fn record_held(
    ctx: &Ctx,
    actor: &Actor,
    who: &Who,
    id: i64,
    input: &HeldInput,
) -> AppResult<()> {
    let h = Held::parse(input, who.today())?;
    let (mut tx, m, next) = begin(&ctx.db, actor, id, Step::RecordHeld).await?;
    let invited: Vec<i64> =
        sqlx::query_scalar("SELECT unit_id FROM group_meeting_units WHERE meeting_id = $1")
            .bind(id)
            .fetch_all(&mut *tx)
            .await?;
    if let Some(u) = h.attended.iter().find(|u| !invited.contains(u)) {
        return Err(AppError::field(
            "attended_unit_ids",
            "invalid_choice",
            format!("出席单位（编号{u}）不在参会单位之列"),
        ));
    }
    sqlx::query("UPDATE group_meeting_units SET attended = 0 WHERE meeting_id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    for u in &h.attended {
        sqlx::query(
            "UPDATE group_meeting_units SET attended = 1 WHERE meeting_id = $1 AND unit_id = $2",
        )
        .bind(id)
        .bind(u)
        .execute(&mut *tx)
        .await?;
    }
    for (i, it) in h.items.iter().enumerate() {
        crate::units::store::require_named(
            &mut tx,
            it.lead_unit_id,
            &format!("items[{i}].lead_unit_id"),
            "牵头单位不存在或已停用",
            crate::access::jurisdiction::Reach::OwnRegion,
            &actor.unit_region,
        )
        .await?;
        sqlx::query("INSERT INTO group_meeting_items (meeting_id, seq, text, lead_unit_id, due_on) VALUES ($1, $2, $3, $4, $5)")
            .bind(id)
            .bind(i64::try_from(i + 1).unwrap_or(i64::MAX))
            .bind(&it.text)
            .bind(it.lead_unit_id)
            .bind(it.due_on.to_string())
            .execute(&mut *tx)
            .await?;
    }
    sqlx::query(
        "UPDATE group_meetings SET held_on = $1, attendees = $2, minutes = $3 WHERE id = $4",
    )
    .bind(h.held_on.to_string())
    .bind(&h.attendees)
    .bind(&h.minutes)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    set_state(&mut tx, who, &m, next).await?;
    crate::drafting::store::open_draft(
        ctx,
        &mut tx,
        actor,
        who,
        crate::drafting::Kind::Minutes,
        id,
        json!({"step": "sign_minutes", "minutes": h.minutes}),
    )
    .await?;
    finish(
        tx,
        who,
        &m,
        "meeting.record_held",
        json!({"held_on": h.held_on.to_string(), "items": h.items.len(), "attended": h.attended}),
    )
    .await
}

fn minutes_document(
    date: NaiveDate,
    m: &Meeting,
    issuer: &str,
    number: &str,
    items: &[ItemRow],
    attended: &[String],
    signer: &str,
) -> OfficialDocument {
    let mut body = vec![Paragraph::text(format!(
        "{}，{}在{}召开{}。会议由{}主持。出席单位：{}。出席人员：{}。",
        crate::calendar::format_date_zh(
            m.held_on
                .as_deref()
                .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
                .unwrap_or(date)
        ),
        // The organ whose meeting it was: the group holds its meetings, the office the
        // liaison meeting.
        issuer,
        m.place.as_deref().unwrap_or("会议室"),
        m.title,
        signer,
        if attended.is_empty() {
            "无".to_string()
        } else {
            attended.join("、")
        },
        m.attendees.as_deref().unwrap_or("")
    ))];
    body.push(Paragraph::heading1("一、会议情况"));
    for para in m
        .minutes
        .as_deref()
        .unwrap_or("")
        .split('\n')
        .filter(|p| !p.trim().is_empty())
    {
        body.push(Paragraph::text(para.trim()));
    }
    body.push(Paragraph::heading1("二、议定事项"));
    if items.is_empty() {
        body.push(Paragraph::text("无。"));
    }
    for it in items {
        body.push(Paragraph::text(format!(
            "{}. {}（牵头单位：{}；办理时限：{}）",
            it.seq,
            it.text,
            it.lead_unit_name,
            crate::calendar::date_zh(&it.due_on)
        )));
    }
    body.push(Paragraph::text("请各成员单位认真落实会议确定的工作任务和议定事项（领导小组工作规则第二十二条），领导小组办公室将限时督办。"));
    OfficialDocument {
        issuer: issuer.to_string(),
        joint_issuers: Vec::new(),
        number: number.to_string(),
        mark: None,
        title: format!("{}纪要", m.title),
        addressee: "各成员单位".into(),
        body,
        attachments: Vec::new(),
        signature: issuer.to_string(),
        date,
        copy_to: Vec::new(),
        contact: Some(format!("（签发人：{signer}）")),
    }
}

/// 001 §21: the chair signs the minutes' draft (the document chain); they are numbered in the
/// office's yearly sequence and issued as a PDF to the units invited, and each decided item
/// becomes a task (001 §22). `minutes`: the text as signed, if the draft revised it.
pub async fn sign(
    ctx: &Ctx,
    actor: &Actor,
    who: &Who,
    id: i64,
    minutes: Option<&str>,
) -> AppResult<()> {
    let previewing = crate::context::previewing();
    if who.signing.is_none() && !previewing {
        return Err(AppError::internal("minutes signed outside their draft"));
    }
    let cal = ctx.calendar();
    let (mut tx, mut m, next) = begin(&ctx.db, actor, id, Step::SignMinutes).await?;
    // Minutes recorded before the document chain carried their signature duty here.
    discharge(&mut tx, who, duty(id, SIGN_MINUTES)).await?;
    if let Some(text) = minutes {
        m.minutes = Some(text.to_string());
        sqlx::query("UPDATE group_meetings SET minutes = $1 WHERE id = $2")
            .bind(text)
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    // A preview names no signer (nor chair): who signs is known when he does.
    let signer = if previewing {
        "　　"
    } else {
        actor.display_name.as_str()
    };
    let kind = m.kind()?;
    // The group's minutes go out in the group's name, the liaison meeting's in the office's,
    // header and number alike, unless the office chose otherwise (`documents::issuers`).
    let issued = if kind == MeetingKind::Liaison {
        crate::documents::issuers::Kind::LiaisonMinutes
    } else {
        crate::documents::issuers::Kind::GroupMinutes
    };
    let (issuer, number) =
        crate::numbering::official_number(&mut tx, m.office_unit_id, issued, who.today()).await?;
    let issuer = issuer.name;
    let items = items(&mut *tx, id).await?;
    let attended: Vec<String> = sqlx::query_scalar(
        "SELECT u.name FROM group_meeting_units g JOIN units u ON u.id = g.unit_id WHERE g.meeting_id = $1 AND g.attended = 1 ORDER BY u.id",
    )
    .bind(id)
    .fetch_all(&mut *tx)
    .await?;
    let pdf = ctx
        .render_pdf(minutes_document(
            who.today(),
            &m,
            &issuer,
            &number,
            &items,
            &attended,
            signer,
        ))
        .await?;
    let sha = crate::domain::hex(&Sha256::digest(&pdf));
    sqlx::query(
        "UPDATE group_meetings SET minutes_number = $1, signed_by_name = $2, signed_at = $3, minutes_sha256 = $4, minutes_pdf = $5 WHERE id = $6",
    )
    .bind(&number)
    .bind(&actor.display_name)
    .bind(who.at_text())
    .bind(&sha)
    .bind(pdf)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    for it in &items {
        let new = crate::tasks::model::NewTask {
            title: it.text.clone(),
            description: format!("{}议定事项第{}项：{}", number, it.seq, it.text),
            source: crate::tasks::flow::Source::DecidedItem,
            source_ref: Some(format!("{number}第{}项", it.seq)),
            lead_unit_id: it.lead_unit_id,
            cooperating: Vec::new(),
            due_on: NaiveDate::parse_from_str(&it.due_on, "%Y-%m-%d")
                .map_err(AppError::internal)?,
        };
        let task =
            crate::tasks::store::insert(&mut tx, &cal, who, m.office_unit_id, actor.user_id, &new)
                .await?;
        sqlx::query(
            "UPDATE group_meeting_items SET task_id = $1 WHERE meeting_id = $2 AND seq = $3",
        )
        .bind(task)
        .bind(id)
        .bind(it.seq)
        .execute(&mut *tx)
        .await?;
    }
    set_state(&mut tx, who, &m, next).await?;
    // 001 §21, §23: signed minutes are reported to the group leader and deputies and issued to
    // every member unit of the group, not only to the units invited; each becomes a reader.
    let mut recipients: Vec<i64> = sqlx::query_scalar(
        "SELECT unit_id FROM group_meeting_units WHERE meeting_id = $1 \
         UNION SELECT u.id FROM units u WHERE u.active = 1 AND u.id <> $2 \
         AND u.parent_id = (SELECT parent_id FROM units WHERE id = $2)",
    )
    .bind(id)
    .bind(m.office_unit_id)
    .fetch_all(&mut *tx)
    .await?;
    recipients.sort_unstable();
    recipients.dedup();
    let link = format!("/meetings/{id}");
    let title = format!("印发会议纪要{number}");
    let now = who.at_text();
    for u in recipients
        .iter()
        .copied()
        .chain(std::iter::once(m.office_unit_id))
    {
        crate::access::parties::add(&mut tx, RESOURCE, id, u, "recipient", &now).await?;
        notify_unit(&mut tx, who, u, &title, &m.title, &link).await?;
    }
    let leaders = crate::notify::store::holders_of_role(
        &mut tx,
        crate::access::Role::GroupLeader,
        m.office_unit_id,
    )
    .await?;
    for l in leaders {
        notify(&mut tx, who, l, &title, &m.title, Some(&link)).await?;
    }
    finish(
        tx,
        who,
        &m,
        "meeting.sign",
        json!({"number": number, "sha256": sha, "tasks": items.len()}),
    )
    .await
}

/// A step on a meeting as submitted (`{"step": …}`).
#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum MeetingStep {
    /// 同意召开 (the chair), with an optional note.
    Approve {
        #[serde(default, deserialize_with = "crate::web::step::or_default")]
        text: String,
    },
    /// 取消 (the chair), with the reason.
    Cancel {
        #[serde(default, deserialize_with = "crate::web::step::or_default")]
        text: String,
    },
    /// 记录会议情况: who attended, the minutes and the decided items.
    RecordHeld {
        #[serde(default, deserialize_with = "crate::web::step::or_default")]
        held: HeldInput,
    },
}

/// Take `input` on meeting `id` as `actor`.
pub async fn run(
    ctx: &Ctx,
    actor: &Actor,
    who: &Who,
    id: i64,
    input: MeetingStep,
) -> AppResult<()> {
    match input {
        MeetingStep::Approve { text } => {
            decide(&ctx.db, actor, who, id, Step::Approve, &text).await
        }
        MeetingStep::Cancel { text } => decide(&ctx.db, actor, who, id, Step::Cancel, &text).await,
        MeetingStep::RecordHeld { held } => record_held(ctx, actor, who, id, &held).await,
    }
}
