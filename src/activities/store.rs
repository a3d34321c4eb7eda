//! Training and publicity activities within the reader's data scope, each change as one
//! transaction with its audit record, and the yearly count.

use std::collections::BTreeSet;

use serde::Serialize;
use serde_json::json;
use sha2::Digest;

use super::model::{
    self, Act, ActivityInput, Audience, Counted, Kind, NewActivity, Outreach, Standing, State,
    Summary,
};
use crate::access::jurisdiction::Reach;
use crate::access::sql::parties_in_scope;
use crate::access::{Action, Actor, Resource, Scope};
use crate::audit::{Entry, Who};
use crate::db::query::{Sql, Window};
use crate::db::{Db, Tx};
use crate::error::{AppError, AppResult};
use crate::notify::store::notify_unit;

pub const RESOURCE: &str = "activity";
/// The recording unit's party role; the others organised it with it.
const LEAD: &str = "lead";
const CO_ORGANISER: &str = "co_organiser";
/// The most files one activity keeps.
pub const MAX_ATTACHMENTS: i64 = 50;

/// An activity as stored.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Activity {
    pub id: i64,
    /// `publicity`, `training` or `outreach`.
    pub kind: String,
    /// For `outreach`: `enterprise`, `community`, `school` or `online`.
    pub outreach_to: Option<String>,
    pub title: String,
    pub held_on: String,
    pub ended_on: Option<String>,
    pub place: String,
    /// The unit that recorded it (the lead organiser).
    pub lead_unit_id: i64,
    pub lead_unit_name: String,
    /// How many units organised it (2 or more: jointly).
    pub organiser_count: i64,
    /// Whom it reached: `leaders`, `enforcement`, `enterprises`, `public`.
    #[serde(serialize_with = "codes")]
    #[schema(value_type = Vec<String>)]
    pub audiences: String,
    pub participants: i64,
    pub report: String,
    /// `recorded` or `withdrawn`.
    pub state: String,
    pub withdraw_reason: Option<String>,
    /// The work-plan item it carries out, if any.
    pub plan_item_id: Option<i64>,
    pub created_by_name: String,
    pub created_at: String,
    pub updated_at: String,
}

fn codes<S: serde::Serializer>(stored: &str, s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(Audience::list(stored).iter().map(|a| a.code()))
}

impl Activity {
    pub fn state(&self) -> AppResult<State> {
        State::parse(&self.state)
            .ok_or_else(|| AppError::internal(format!("activity {} state {}", self.id, self.state)))
    }
    pub fn state_label(&self) -> &'static str {
        State::label_of(&self.state)
    }
    pub fn kind_label(&self) -> &'static str {
        Kind::label_of(&self.kind)
    }
    pub fn outreach_label(&self) -> &'static str {
        self.outreach_to.as_deref().map_or("", Outreach::label_of)
    }
    pub fn audience_labels(&self) -> String {
        Audience::labels(&self.audiences)
    }
    pub fn is_joint(&self) -> bool {
        self.organiser_count > 1
    }
    /// The form filled with what is recorded, for a correction.
    pub fn as_input(&self, co_organisers: &[Organiser]) -> ActivityInput {
        ActivityInput {
            kind: self.kind.clone(),
            outreach_to: self.outreach_to.clone(),
            title: self.title.clone(),
            held_on: self.held_on.clone(),
            ended_on: self.ended_on.clone(),
            place: self.place.clone(),
            co_organiser_unit_ids: Some(
                co_organisers
                    .iter()
                    .filter(|o| o.role == CO_ORGANISER)
                    .map(|o| o.unit_id.to_string())
                    .collect(),
            ),
            audiences: Audience::list(&self.audiences)
                .iter()
                .map(|a| a.code().to_string())
                .collect(),
            participants: self.participants.to_string(),
            report: self.report.clone(),
            plan_item_id: self.plan_item_id.map(|i| i.to_string()),
        }
    }
}

const SELECT: &str = "SELECT a.id, a.kind, a.outreach_to, a.title, a.held_on, a.ended_on, a.place, a.lead_unit_id, \
    u.name AS lead_unit_name, (SELECT COUNT(*) FROM record_parties o WHERE o.resource = 'activity' AND o.record_id = a.id) AS organiser_count, \
    a.audiences, a.participants, a.report, a.state, a.withdraw_reason, a.plan_item_id, cu.display_name AS created_by_name, \
    a.created_at, a.updated_at FROM activities a JOIN units u ON u.id = a.lead_unit_id JOIN users cu ON cu.id = a.created_by WHERE ";

pub fn read_scope(actor: &Actor) -> AppResult<Scope> {
    actor.require(Resource::Activity, Action::Read)
}

pub async fn get(db: &Db, scope: &Scope, id: i64) -> Result<Option<Activity>, sqlx::Error> {
    let mut q = Sql::new(SELECT);
    q.push("a.id = ").bind(id).push(" AND ");
    q.append(parties_in_scope(scope, RESOURCE, "a.id"));
    q.query_as().fetch_optional(&db.pool).await
}

async fn get_tx(tx: &mut Tx, id: i64) -> Result<Option<Activity>, sqlx::Error> {
    let mut q = Sql::new(SELECT);
    q.push("a.id = ").bind(id);
    q.query_as().fetch_optional(&mut **tx).await
}

fn year_range(q: &mut Sql, year: i32) {
    q.push("a.held_on >= ")
        .bind(format!("{year:04}-01-01"))
        .push(" AND a.held_on <= ")
        .bind(format!("{year:04}-12-31"));
}

/// The activities of `year` in scope, newest first (withdrawn ones too, marked so).
pub async fn list(
    db: &Db,
    scope: &Scope,
    year: i32,
    w: Window,
) -> Result<Vec<Activity>, sqlx::Error> {
    let mut q = Sql::new(SELECT);
    year_range(&mut q, year);
    q.push(" AND ");
    q.append(parties_in_scope(scope, RESOURCE, "a.id"));
    q.push(" ORDER BY a.held_on DESC, a.id DESC");
    q.push(&w.sql());
    q.query_as().fetch_all(&db.pool).await
}

/// A unit that organised an activity.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
#[schema(as = ActivityOrganiser)]
pub struct Organiser {
    pub unit_id: i64,
    pub name: String,
    /// `lead` (the unit that recorded it) or `co_organiser`.
    pub role: String,
}

async fn organisers_on(
    exec: impl sqlx::Executor<'_, Database = sqlx::Any>,
    id: i64,
) -> Result<Vec<Organiser>, sqlx::Error> {
    sqlx::query_as(
        "SELECT rp.unit_id, u.name, rp.party_role AS role FROM record_parties rp JOIN units u ON u.id = rp.unit_id \
         WHERE rp.resource = 'activity' AND rp.record_id = $1 ORDER BY rp.party_role DESC, u.id",
    )
    .bind(id)
    .fetch_all(exec)
    .await
}

pub async fn organisers(db: &Db, id: i64) -> Result<Vec<Organiser>, sqlx::Error> {
    organisers_on(&db.pool, id).await
}

/// Where `actor` stands to the activity organised by `organisers`.
pub fn standing(actor: &Actor, a: &Activity, organisers: &[Organiser]) -> Standing {
    Standing {
        lead: actor.unit_id == a.lead_unit_id,
        organiser: organisers.iter().any(|o| o.unit_id == actor.unit_id),
        records: actor.can(Resource::Activity, Action::Create),
    }
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
#[schema(as = ActivityAttachment)]
pub struct AttachmentRow {
    pub id: i64,
    /// `material` or `photo`.
    pub kind: String,
    pub filename: String,
    pub mime: String,
    pub size: i64,
    pub sha256: String,
    pub description: Option<String>,
    pub unit_name: String,
    pub uploaded_at: String,
}

impl AttachmentRow {
    pub fn is_photo(&self) -> bool {
        self.kind == FileKind::Photo.code()
    }
}

pub async fn attachments(db: &Db, id: i64) -> Result<Vec<AttachmentRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT a.id, a.kind, a.filename, a.mime, a.size, a.sha256, a.description, u.name AS unit_name, a.uploaded_at \
         FROM activity_attachments a JOIN units u ON u.id = a.uploaded_by_unit WHERE a.activity_id = $1 ORDER BY a.id",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await
}

/// One file of activity `activity` as the reader may have it (the caller checked the scope).
pub async fn attachment(
    db: &Db,
    activity: i64,
    id: i64,
) -> Result<Option<(String, String, Vec<u8>)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT filename, mime, content FROM activity_attachments WHERE id = $1 AND activity_id = $2",
    )
    .bind(id)
    .bind(activity)
    .fetch_optional(&db.pool)
    .await
}

/// The year's count within `scope`: each activity read once (the scope is a predicate on the
/// activity, never a join over its organisers), withdrawn ones left out.
pub async fn summary(db: &Db, scope: &Scope, year: i32) -> Result<Summary, sqlx::Error> {
    let mut q = Sql::new(
        "SELECT a.id, a.kind, a.outreach_to, a.audiences, a.participants, \
         (SELECT COUNT(*) FROM record_parties o WHERE o.resource = 'activity' AND o.record_id = a.id) AS organisers \
         FROM activities a WHERE a.state = 'recorded' AND ",
    );
    year_range(&mut q, year);
    q.push(" AND ");
    q.append(parties_in_scope(scope, RESOURCE, "a.id"));
    let rows: Vec<(i64, String, Option<String>, String, i64, i64)> =
        q.query_as().fetch_all(&db.pool).await?;
    let counted: Vec<Counted> = rows
        .into_iter()
        .filter_map(
            |(id, kind, outreach_to, audiences, participants, organisers)| {
                Some(Counted {
                    id,
                    kind: Kind::parse(&kind)?,
                    outreach_to: outreach_to.as_deref().and_then(Outreach::parse),
                    audiences: Audience::list(&audiences),
                    participants,
                    organisers,
                })
            },
        )
        .collect();
    Ok(model::summarise(year, &counted))
}

// ---- changes ----

impl crate::procedure::Record for Activity {
    const TABLE: &'static str = "activities";
    const CHANGED: &'static str = "该活动已被他人更新，请刷新页面后重试";
    fn state_code(&self) -> &str {
        &self.state
    }
    async fn read(tx: &mut Tx, id: i64) -> Result<Option<Self>, sqlx::Error> {
        get_tx(tx, id).await
    }
}

impl crate::procedure::Procedure for Activity {
    type Step = Act;
    type State = State;
    async fn visible(db: &Db, actor: &Actor, id: i64) -> AppResult<Option<Self>> {
        Ok(get(db, &read_scope(actor)?, id).await?)
    }
    async fn authorise(db: &Db, actor: &Actor, a: &Self, act: Act) -> AppResult<State> {
        let organisers = organisers(db, a.id).await?;
        model::check(a.state()?, act, standing(actor, a, &organisers))
            .map_err(|r| AppError::conflict("step_refused", r.to_string()))
    }
}

async fn finish(
    tx: Tx,
    who: &Who,
    a: &Activity,
    action: &'static str,
    summary: serde_json::Value,
) -> AppResult<()> {
    let entry = Entry::new(action, RESOURCE)
        .object(a.id, Some(a.lead_unit_id))
        .summary(summary);
    crate::procedure::finish(tx, who, entry).await
}

async fn touch(tx: &mut Tx, who: &Who, id: i64) -> Result<(), sqlx::Error> {
    let now = who.at_text();
    sqlx::query("UPDATE activities SET updated_at = $1 WHERE id = $2")
        .bind(&now)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    crate::access::parties::touch(tx, RESOURCE, id, &now).await
}

/// Make `unit` an organiser of activity `id` with the recording unit (of region `from`): it
/// exists, is active and lies in the recording unit's region; it is told.
async fn add_co_organiser(
    tx: &mut Tx,
    who: &Who,
    id: i64,
    unit: i64,
    from: &crate::domain::RegionCode,
    title: &str,
) -> AppResult<()> {
    crate::units::store::require_named(
        tx,
        unit,
        "co_organiser_unit_ids",
        "联合举办单位不存在或已停用",
        Reach::OwnRegion,
        from,
    )
    .await?;
    crate::access::parties::add(tx, RESOURCE, id, unit, CO_ORGANISER, &who.at_text()).await?;
    notify_unit(
        tx,
        who,
        unit,
        &format!("联合举办的活动已登记：{title}"),
        "本单位列为联合举办单位，可查阅、补充活动情况和上传材料、照片。",
        &format!("/activities/{id}"),
    )
    .await?;
    Ok(())
}

/// Record an activity the actor's unit organised, alone or with the units it names: in one
/// transaction the row, every organiser as a party, a notice to the others, and the audit.
/// A work-plan item the unit leads that asks for an activity not yet carried out: what the
/// form offers to name.
#[derive(Debug, Clone)]
pub struct PendingItem {
    pub id: i64,
    pub text: String,
    pub kind: Option<Kind>,
    pub due_on: String,
}

/// The items of work plans led by `unit_id` that ask for an activity and have none recorded,
/// the soonest due first.
pub async fn pending_plan_items(db: &Db, unit_id: i64) -> AppResult<Vec<PendingItem>> {
    let rows: Vec<(i64, String, String, String)> = sqlx::query_as(
        "SELECT i.id, i.text, i.activity_kind, i.due_on FROM plan_items i \
         WHERE i.lead_unit_id = $1 AND i.activity_kind IS NOT NULL AND NOT EXISTS \
         (SELECT 1 FROM activities x WHERE x.plan_item_id = i.id AND x.state = 'recorded') \
         ORDER BY i.due_on, i.id LIMIT 200",
    )
    .bind(unit_id)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, text, kind, due_on)| PendingItem {
            id,
            text,
            kind: Kind::parse(&kind),
            due_on,
        })
        .collect())
}

pub async fn create(
    db: &Db,
    cal: &crate::calendar::Calendar,
    actor: &Actor,
    who: &Who,
    input: &ActivityInput,
) -> AppResult<i64> {
    actor.require(Resource::Activity, Action::Create)?;
    let parsed = NewActivity::parse(input, who.today());
    let item = match input.plan_item_id.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(raw) => crate::domain::text::id("plan_item_id", "工作要点事项", raw).map(Some),
    };
    let (a, plan_item) = match (parsed, item) {
        (Ok(a), Ok(i)) => (a, i),
        (Err(mut e), Err(f)) => {
            e.0.push(f);
            return Err(e.into());
        }
        (Err(e), _) => return Err(e.into()),
        (_, Err(f)) => return Err(f.into()),
    };
    let co: Vec<i64> = a
        .co_organisers
        .clone()
        .unwrap_or_default()
        .into_iter()
        .filter(|u| *u != actor.unit_id)
        .collect();
    let now = who.at_text();
    let mut tx = db.begin().await?;
    if let Some(item) = plan_item {
        // The item's row locked (SQLite: the write lock already held), so of two activities
        // sent at once for one item the second reads the first and is refused.
        let not_found = || {
            AppError::field(
                "plan_item_id",
                "not_found",
                "本单位牵头的工作要点事项中没有该事项",
            )
        };
        match crate::procedure::lock(&mut tx, "plan_items", item).await {
            Err(AppError::NotFound) => return Err(not_found()),
            r => r?,
        }
        let row: Option<(Option<String>, i64, i64)> = sqlx::query_as(
            "SELECT i.activity_kind, i.lead_unit_id, \
             (SELECT COUNT(*) FROM activities x WHERE x.plan_item_id = i.id AND x.state = 'recorded') \
             FROM plan_items i WHERE i.id = $1",
        )
        .bind(item)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((asked, lead, done)) = row.filter(|r| r.1 == actor.unit_id || r.0.is_none())
        else {
            return Err(not_found());
        };
        super::model::check_plan_item(
            a.kind,
            super::model::PlanItem {
                asked: asked.as_deref().and_then(Kind::parse),
                lead: lead == actor.unit_id,
                fulfilled: done > 0,
            },
        )
        .map_err(|(code, m)| AppError::field("plan_item_id", code, m))?;
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO activities (kind, outreach_to, title, held_on, ended_on, place, lead_unit_id, audiences, \
         participants, report, state, created_by, created_at, updated_at, plan_item_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'recorded', $11, $12, $12, $13) RETURNING id",
    )
    .bind(a.kind.code())
    .bind(a.outreach_to.map(Outreach::code))
    .bind(&a.title)
    .bind(a.held_on.to_string())
    .bind(a.ended_on.map(|d| d.to_string()))
    .bind(&a.place)
    .bind(actor.unit_id)
    .bind(audience_codes(&a.audiences))
    .bind(a.participants)
    .bind(&a.report)
    .bind(actor.user_id)
    .bind(&now)
    .bind(plan_item)
    .fetch_one(&mut *tx)
    .await?;
    crate::access::parties::add(&mut tx, RESOURCE, id, actor.unit_id, LEAD, &now).await?;
    if let Some(item) = plan_item {
        // The item's clock is met on the day the activity was held (not before the clock
        // started: an activity held before the plan was imported counts on its import day).
        let clock: Option<(i64, String)> = sqlx::query_as(
            "SELECT id, start_date FROM deadlines WHERE record_type = 'plan_item' AND record_id = $1",
        )
        .bind(item)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some((d, start)) = clock {
            let start = chrono::NaiveDate::parse_from_str(&start, "%Y-%m-%d").unwrap_or(a.held_on);
            crate::deadline::store::settle_one(
                &mut tx,
                cal,
                who,
                d,
                crate::deadline::store::Change::Met {
                    on: a.held_on.max(start),
                },
            )
            .await?;
        }
    }
    for u in &co {
        add_co_organiser(&mut tx, who, id, *u, &actor.unit_region, &a.title).await?;
    }
    let row = get_tx(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    finish(
        tx,
        who,
        &row,
        "activity.record",
        json!({
            "kind": a.kind.code(),
            "held_on": a.held_on.to_string(),
            "co_organisers": co,
            "participants": a.participants,
            "plan_item_id": plan_item,
        }),
    )
    .await?;
    Ok(id)
}

fn audience_codes(a: &[Audience]) -> String {
    a.iter().map(|a| a.code()).collect::<Vec<_>>().join(",")
}

/// Correct what was recorded (any organiser); the units organising it jointly are changed by
/// the recording unit alone, and left as they are when the change does not name them.
pub async fn update(
    db: &Db,
    actor: &Actor,
    who: &Who,
    id: i64,
    input: &ActivityInput,
) -> AppResult<()> {
    let a = NewActivity::parse(input, who.today())?;
    let (mut tx, old, _) = crate::procedure::begin::<Activity>(db, actor, id, Act::Update).await?;
    // The organisers as they stand under the lock: the rule again, and what the change moves.
    let current = organisers_on(&mut *tx, id).await?;
    let s = standing(actor, &old, &current);
    model::check(old.state()?, Act::Update, s)
        .map_err(|r| AppError::conflict("step_refused", r.to_string()))?;
    let have: BTreeSet<i64> = current
        .iter()
        .filter(|o| o.role == CO_ORGANISER)
        .map(|o| o.unit_id)
        .collect();
    let (mut added, mut removed) = (Vec::new(), Vec::new());
    if let Some(wanted) = &a.co_organisers {
        let wanted: BTreeSet<i64> = wanted
            .iter()
            .copied()
            .filter(|u| *u != old.lead_unit_id)
            .collect();
        if wanted != have {
            if !model::may_change_organisers(s) {
                return Err(AppError::field(
                    "co_organiser_unit_ids",
                    "not_allowed",
                    "联合举办单位由登记该活动的单位调整",
                ));
            }
            added = wanted.difference(&have).copied().collect();
            removed = have.difference(&wanted).copied().collect();
        }
    }
    for u in &removed {
        sqlx::query(
            "DELETE FROM record_parties WHERE resource = $1 AND record_id = $2 AND unit_id = $3 AND party_role = $4",
        )
        .bind(RESOURCE)
        .bind(id)
        .bind(u)
        .bind(CO_ORGANISER)
        .execute(&mut *tx)
        .await?;
    }
    for u in &added {
        add_co_organiser(&mut tx, who, id, *u, &actor.unit_region, &a.title).await?;
    }
    let new = (
        a.kind.code(),
        a.outreach_to.map(Outreach::code),
        a.title.as_str(),
        a.held_on.to_string(),
        a.ended_on.map(|d| d.to_string()),
        a.place.as_str(),
        audience_codes(&a.audiences),
        a.participants,
        a.report.as_str(),
    );
    let mut changed: Vec<&str> = [
        ("kind", old.kind.as_str() != new.0),
        ("outreach_to", old.outreach_to.as_deref() != new.1),
        ("title", old.title != new.2),
        ("held_on", old.held_on != new.3),
        ("ended_on", old.ended_on != new.4),
        ("place", old.place != new.5),
        ("audiences", old.audiences != new.6),
        ("participants", old.participants != new.7),
        ("report", old.report != new.8),
    ]
    .into_iter()
    .filter(|(_, c)| *c)
    .map(|(f, _)| f)
    .collect();
    if !added.is_empty() || !removed.is_empty() {
        changed.push("co_organiser_unit_ids");
    }
    sqlx::query(
        "UPDATE activities SET kind = $1, outreach_to = $2, title = $3, held_on = $4, ended_on = $5, place = $6, \
         audiences = $7, participants = $8, report = $9 WHERE id = $10",
    )
    .bind(new.0)
    .bind(new.1)
    .bind(new.2)
    .bind(&new.3)
    .bind(&new.4)
    .bind(new.5)
    .bind(&new.6)
    .bind(new.7)
    .bind(new.8)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    touch(&mut tx, who, id).await?;
    finish(
        tx,
        who,
        &old,
        "activity.update",
        json!({"changed": changed, "added": added, "removed": removed}),
    )
    .await
}

/// What an uploaded file is to the activity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// 活动材料: courseware, leaflets, press cuttings, the notice.
    Material,
    /// 活动照片: JPG or PNG.
    Photo,
}

impl FileKind {
    pub fn code(self) -> &'static str {
        match self {
            FileKind::Material => "material",
            FileKind::Photo => "photo",
        }
    }
    pub fn parse(code: &str) -> Option<FileKind> {
        match code.trim() {
            "material" => Some(FileKind::Material),
            "photo" => Some(FileKind::Photo),
            _ => None,
        }
    }
}

/// Add a material or a photo (any organiser): type checked by content, 20 MB, SHA-256; a
/// photo is a JPG or PNG image.
#[allow(clippy::too_many_arguments)]
pub async fn attach(
    db: &Db,
    actor: &Actor,
    who: &Who,
    id: i64,
    kind: &str,
    filename: &str,
    bytes: Vec<u8>,
    description: &str,
) -> AppResult<i64> {
    let kind = FileKind::parse(kind).ok_or_else(|| {
        AppError::field(
            "kind",
            "invalid_choice",
            "请选择文件类别（活动材料或活动照片）",
        )
    })?;
    let upload = crate::domain::upload::check("file", filename, &bytes)?;
    if kind == FileKind::Photo && !upload.mime.starts_with("image/") {
        return Err(AppError::field(
            "file",
            "invalid_type",
            "活动照片应为JPG或PNG图片",
        ));
    }
    let description = crate::domain::text::optional("description", "说明", Some(description), 200)?;
    let (mut tx, a, _) = crate::procedure::begin::<Activity>(db, actor, id, Act::Attach).await?;
    let held: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM activity_attachments WHERE activity_id = $1")
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
    if held >= MAX_ATTACHMENTS {
        return Err(AppError::field(
            "file",
            "too_many",
            format!("每项活动最多保存{MAX_ATTACHMENTS}个文件"),
        ));
    }
    let sha = crate::domain::hex(&sha2::Sha256::digest(&bytes));
    let size = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
    let aid: i64 = sqlx::query_scalar(
        "INSERT INTO activity_attachments (activity_id, kind, filename, mime, size, sha256, description, content, \
         uploaded_by, uploaded_by_unit, uploaded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
    )
    .bind(id)
    .bind(kind.code())
    .bind(&upload.filename)
    .bind(upload.mime)
    .bind(size)
    .bind(&sha)
    .bind(&description)
    .bind(bytes)
    .bind(actor.user_id)
    .bind(actor.unit_id)
    .bind(who.at_text())
    .fetch_one(&mut *tx)
    .await?;
    touch(&mut tx, who, id).await?;
    finish(
        tx,
        who,
        &a,
        "activity.attach",
        json!({"attachment_id": aid, "kind": kind.code(), "sha256": sha, "size": size}),
    )
    .await?;
    Ok(aid)
}

/// A step on an activity as submitted (`{"step": …}`).
#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum ActivityStep {
    /// 撤销登记 (the recording unit), with the reason: kept, shown as withdrawn, no longer
    /// counted.
    Withdraw {
        #[serde(default, deserialize_with = "crate::web::step::or_default")]
        text: String,
    },
}

/// Take `input` on activity `id` as `actor`.
pub async fn run(db: &Db, actor: &Actor, who: &Who, id: i64, input: ActivityStep) -> AppResult<()> {
    match input {
        ActivityStep::Withdraw { text } => {
            let reason = crate::domain::text::required_long("text", "撤销的理由", &text, 500)?;
            let (mut tx, a, next) =
                crate::procedure::begin::<Activity>(db, actor, id, Act::Withdraw).await?;
            if a.plan_item_id.is_some() {
                // Its plan item's clock was met by it; correct the record instead.
                return Err(AppError::conflict(
                    "step_refused",
                    "该活动是工作要点事项的完成情况，不能撤销登记；内容有误的，请修改活动情况",
                ));
            }
            sqlx::query("UPDATE activities SET withdraw_reason = $1 WHERE id = $2")
                .bind(&reason)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            crate::procedure::transition::<Activity>(&mut tx, id, &a.state, next.code()).await?;
            touch(&mut tx, who, id).await?;
            let others: Vec<i64> = organisers_on(&mut *tx, id)
                .await?
                .into_iter()
                .filter(|o| o.unit_id != a.lead_unit_id)
                .map(|o| o.unit_id)
                .collect();
            for u in others {
                notify_unit(
                    &mut tx,
                    who,
                    u,
                    &format!("联合举办的活动已撤销登记：{}", a.title),
                    &reason,
                    &format!("/activities/{id}"),
                )
                .await?;
            }
            finish(tx, who, &a, "activity.withdraw", json!({"reason": reason})).await
        }
    }
}
