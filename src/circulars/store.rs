//! Reading circulars within scope, and drafting, signing and read receipts, each one
//! transaction with its audit record. A circular is drafted into the document chain
//! (`drafting`): it is reviewed, returned or signed there, and signing its draft runs [`sign`].

use crate::db::query::Window;
use chrono::NaiveDate;
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};

use super::{CircularInput, Kind, NewCircular, State};
use crate::access::sql::parties_in_scope;
use crate::access::{Action, Actor, Resource, Role, Scope};
use crate::audit::{self, Entry, Who};
use crate::context::Ctx;
use crate::db::query::Sql;
use crate::db::{Db, Tx};
use crate::documents::{OfficialDocument, Paragraph};
use crate::error::{AppError, AppResult};
use crate::notify::store::{Duty, Holder, add_duty, notify, notify_unit};

/// Each recipient unit's duty to confirm it has read an issued circular.
const CONFIRM_READ: &str = "confirm_read";

fn duty(id: i64, name: &'static str) -> Duty<'static> {
    Duty::new(RESOURCE, id, name)
}

pub const RESOURCE: &str = "circular";

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Circular {
    pub id: i64,
    pub kind: String,
    pub office_unit_id: i64,
    pub office_unit_name: String,
    pub office_region: String,
    pub title: String,
    pub body: String,
    pub named: Option<String>,
    pub state: String,
    pub number: Option<String>,
    pub signed_by_name: Option<String>,
    pub signed_at: Option<String>,
    pub return_reason: Option<String>,
    pub sha256: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

impl Circular {
    pub fn kind_label(&self) -> &'static str {
        Kind::label_of(&self.kind)
    }
    pub fn state_label(&self) -> &'static str {
        State::label_of(&self.state)
    }
}

const SELECT: &str = "SELECT c.id, c.kind, c.office_unit_id, ou.name AS office_unit_name, c.office_region, c.title, c.body, \
    c.named, c.state, c.number, c.signed_by_name, c.signed_at, c.return_reason, c.sha256, c.created_at, c.updated_at \
    FROM circulars c JOIN units ou ON ou.id = c.office_unit_id WHERE ";

pub fn read_scope(actor: &Actor) -> AppResult<Scope> {
    actor.require(Resource::Circular, Action::Read)
}

/// A unit sees what is addressed to it once issued; the office and the leaders see drafts too.
pub fn visible(scope: &Scope) -> Sql {
    let mut s = parties_in_scope(scope, RESOURCE, "c.id");
    match scope {
        Scope::Unit(u) => {
            s.push(" AND (c.state = 'issued' OR c.office_unit_id = ")
                .bind(*u)
                .push(")");
        }
        Scope::Region(p) => {
            s.push(" AND (c.state = 'issued' OR ");
            s.append(crate::access::sql::region_within("c.office_region", p));
            s.push(")");
        }
        Scope::All => {}
    }
    s
}

pub async fn get(db: &Db, scope: &Scope, id: i64) -> Result<Option<Circular>, sqlx::Error> {
    let mut q = Sql::new(SELECT);
    q.push("c.id = ").bind(id).push(" AND ");
    q.append(visible(scope));
    q.query_as().fetch_optional(&db.pool).await
}

pub async fn list(db: &Db, scope: &Scope, w: Window) -> Result<Vec<Circular>, sqlx::Error> {
    let mut q = Sql::new(SELECT);
    q.append(visible(scope));
    q.push(" ORDER BY c.updated_at DESC, c.id DESC");
    q.push(&w.sql());
    q.query_as().fetch_all(&db.pool).await
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Recipient {
    pub unit_id: i64,
    pub name: String,
    pub read_at: Option<String>,
    pub read_by_name: Option<String>,
}

pub async fn recipients(
    exec: impl sqlx::Executor<'_, Database = sqlx::Any>,
    id: i64,
) -> Result<Vec<Recipient>, sqlx::Error> {
    sqlx::query_as(
        "SELECT r.unit_id, u.name, r.read_at, r.read_by_name FROM circular_recipients r JOIN units u ON u.id = r.unit_id \
         WHERE r.circular_id = $1 ORDER BY u.id",
    )
    .bind(id)
    .fetch_all(exec)
    .await
}

pub async fn pdf(db: &Db, id: i64) -> Result<Option<(String, Vec<u8>)>, sqlx::Error> {
    let row: Option<(Option<String>, Option<Vec<u8>>)> =
        sqlx::query_as("SELECT number, pdf FROM circulars WHERE id = $1")
            .bind(id)
            .fetch_optional(&db.pool)
            .await?;
    Ok(row.and_then(|(n, p)| n.zip(p)))
}

async fn commit(
    mut tx: Tx,
    who: &Who,
    c: &Circular,
    action: &'static str,
    summary: serde_json::Value,
) -> AppResult<()> {
    audit::record(
        &mut tx,
        who,
        Entry::new(action, RESOURCE)
            .object(c.id, Some(c.office_unit_id))
            .summary(summary),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

async fn get_tx(tx: &mut Tx, id: i64) -> Result<Option<Circular>, sqlx::Error> {
    let mut q = Sql::new(SELECT);
    q.push("c.id = ").bind(id);
    q.query_as().fetch_optional(&mut **tx).await
}

/// The office drafts a circular or briefing (拟稿): it goes into the document chain, to be
/// reviewed where the office reviews its drafts and signed by the group leader (001 §26).
pub async fn draft(ctx: &Ctx, actor: &Actor, who: &Who, input: &CircularInput) -> AppResult<i64> {
    let db = &ctx.db;
    actor.require(Resource::Circular, Action::Create)?;
    let mut n = NewCircular::parse(input)?;
    if n.kind == Kind::Briefing && (!n.report_ids.is_empty() || n.include_figures) {
        n.body = briefing_body(db, actor, &n, who.today()).await?;
    }
    let mut tx = db.begin().await?;
    let id = draft_in(ctx, &mut tx, actor, who, &n).await?;
    tx.commit().await?;
    Ok(id)
}

/// The circular `n` written and drafted into the document chain inside the caller's
/// transaction, with its audit record: a circular drafted from another record's step (a
/// typical case circulated) is the same circular. The caller checked the actor may draft it.
pub async fn draft_in(
    ctx: &Ctx,
    tx: &mut Tx,
    actor: &Actor,
    who: &Who,
    n: &NewCircular,
) -> AppResult<i64> {
    let now = who.at_text();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO circulars (kind, office_unit_id, office_region, title, body, named, state, created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7, $8, $8) RETURNING id",
    )
    .bind(n.kind.code())
    .bind(actor.unit_id)
    .bind(actor.unit_region.as_str())
    .bind(&n.title)
    .bind(&n.body)
    .bind(&n.named)
    .bind(actor.user_id)
    .bind(&now)
    .fetch_one(&mut **tx)
    .await?;
    crate::access::parties::add(tx, RESOURCE, id, actor.unit_id, "office", &now).await?;
    for u in &n.unit_ids {
        crate::units::store::require_named(
            tx,
            *u,
            "unit_ids",
            "主送单位不存在或已停用",
            crate::access::jurisdiction::Reach::OwnRegion,
            &actor.unit_region,
        )
        .await?;
        sqlx::query("INSERT INTO circular_recipients (circular_id, unit_id) VALUES ($1, $2)")
            .bind(id)
            .bind(u)
            .execute(&mut **tx)
            .await?;
        crate::access::parties::add(tx, RESOURCE, id, *u, "recipient", &now).await?;
    }
    crate::drafting::store::open_draft(
        ctx,
        tx,
        actor,
        who,
        crate::drafting::Kind::Circular,
        id,
        json!({"step": "sign", "body": n.body}),
    )
    .await?;
    audit::record(
        tx,
        who,
        Entry::new("circular.draft", RESOURCE)
            .object(id, Some(actor.unit_id))
            .summary(json!({"kind": n.kind.code(), "units": n.unit_ids})),
    )
    .await?;
    Ok(id)
}

/// Bring the selected reports (those the office may read) and this year's figures into the
/// briefing's text.
async fn briefing_body(
    db: &Db,
    actor: &Actor,
    n: &NewCircular,
    today: NaiveDate,
) -> AppResult<String> {
    let scope = actor.require(Resource::Report, Action::Read)?;
    let all = crate::reports::store::chosen(db, &scope, &n.report_ids).await?;
    let mut picked = Vec::new();
    for id in &n.report_ids {
        let r = all.iter().find(|r| r.id == *id).ok_or_else(|| {
            AppError::field("report_ids", "not_found", "所选报送信息不存在或无权查看")
        })?;
        picked.push(super::BriefingReport {
            unit: r.unit_name.clone(),
            title: r.title.clone(),
            body: r.body.clone(),
        });
    }
    let figures = if n.include_figures {
        let jan1 =
            chrono::NaiveDate::from_ymd_opt(chrono::Datelike::year(&today), 1, 1).unwrap_or(today);
        let linkage = match actor.scope(Resource::Linkage, Action::Export) {
            Some(s) => Some(
                crate::linkage::stats::figures(db, &s, jan1, today)
                    .await?
                    .total,
            ),
            None => None,
        };
        let (tasks, done, overdue): (i64, i64, i64) = sqlx::query_as(
            concat!("SELECT COUNT(*), COALESCE(SUM(CASE WHEN t.state = 'accepted' THEN 1 ELSE 0 END), 0),              COALESCE(SUM(CASE WHEN EXISTS (SELECT 1 FROM deadlines d WHERE d.record_type = 'task' AND d.record_id = t.id AND ", crate::late_sql!("d"), ") THEN 1 ELSE 0 END), 0)              FROM tasks t WHERE t.office_unit_id = $1 AND t.created_at >= $2"),
        )
        .bind(actor.unit_id)
        .bind(jan1.to_string())
        .fetch_one(&db.pool)
        .await?;
        let (penalties_published, listed) = match actor.scope(Resource::Penalty, Action::Read) {
            Some(s) => crate::penalties::store::year_figures(db, &s, jan1, today).await?,
            None => (0, 0),
        };
        Some(super::BriefingFigures {
            penalties_published,
            listed,
            transfers: linkage.as_ref().map_or(0, |l| l.transfers),
            filed: linkage.as_ref().map_or(0, |l| l.filed),
            hand_backs: linkage.as_ref().map_or(0, |l| l.hand_backs),
            tasks,
            tasks_done: done,
            tasks_overdue: overdue,
        })
    } else {
        None
    };
    Ok(super::assemble(&n.body, &picked, figures.as_ref()))
}

impl crate::procedure::Record for Circular {
    const TABLE: &'static str = "circulars";
    const CHANGED: &'static str = "该文件已被他人处理，请刷新页面";
    fn state_code(&self) -> &str {
        &self.state
    }
    async fn read(tx: &mut Tx, id: i64) -> Result<Option<Self>, sqlx::Error> {
        get_tx(tx, id).await
    }
}

fn document(
    date: NaiveDate,
    c: &Circular,
    issuer: &str,
    number: &str,
    addressees: &[String],
    signer: &str,
) -> OfficialDocument {
    let mut body: Vec<Paragraph> = Vec::new();
    if let Some(n) = &c.named {
        body.push(Paragraph::text(format!(
            "{}：{}。",
            if c.kind == Kind::Commendation.code() {
                "通报表扬"
            } else {
                "通报批评"
            },
            n
        )));
    }
    for p in c.body.split('\n').filter(|p| !p.trim().is_empty()) {
        body.push(Paragraph::text(p.trim()));
    }
    OfficialDocument {
        issuer: issuer.to_string(),
        joint_issuers: Vec::new(),
        number: number.to_string(),
        mark: None,
        title: c.title.clone(),
        addressee: addressees.join("、"),
        body,
        attachments: Vec::new(),
        signature: issuer.to_string(),
        date,
        copy_to: Vec::new(),
        contact: Some(format!("（签发人：{signer}）")),
    }
}

/// 001 §26: the leader signs the circular's draft (the chain checks that he may, `drafting`);
/// the document is numbered, rendered and issued to the units addressed, each of which gets a
/// to-do to confirm it has read it. `body`: the text as signed, if the draft revised it.
pub async fn sign(
    ctx: &Ctx,
    actor: &Actor,
    who: &Who,
    id: i64,
    body: Option<&str>,
) -> AppResult<()> {
    let previewing = crate::context::previewing();
    if who.signing.is_none() && !previewing {
        return Err(AppError::internal("a circular signed outside its draft"));
    }
    let scope = read_scope(actor)?;
    let seen = get(&ctx.db, &scope, id).await?.ok_or(AppError::NotFound)?;
    if seen.state != State::Pending.code() {
        return Err(AppError::conflict(
            "step_refused",
            format!("该文件当前为“{}”，不能签发", seen.state_label()),
        ));
    }
    let (mut tx, mut c) = crate::procedure::open(&ctx.db, &seen, id).await?;
    if let Some(b) = body {
        c.body = b.to_string();
    }
    let kind = Kind::parse(&c.kind).ok_or_else(|| AppError::internal("circular kind"))?;
    // The header and the number's prefix name one organ: the group for what its leader signs,
    // the office for its briefings, unless the office chose otherwise (`documents::issuers`).
    let issued = if kind == Kind::Briefing {
        crate::documents::issuers::Kind::Briefing
    } else {
        crate::documents::issuers::Kind::Circular
    };
    let (issuer, number) =
        crate::numbering::official_number(&mut tx, c.office_unit_id, issued, who.today()).await?;
    let issuer = issuer.name;
    let recipients = recipients(&mut *tx, id).await?;
    let names: Vec<String> = recipients.iter().map(|r| r.name.clone()).collect();
    // A preview names no signer: who signs is known when he does.
    let signer = if previewing {
        "　　"
    } else {
        actor.display_name.as_str()
    };
    let pdf = ctx
        .render_pdf(document(who.today(), &c, &issuer, &number, &names, signer))
        .await?;
    let sha = crate::domain::hex(&Sha256::digest(&pdf));
    crate::procedure::transition::<Circular>(&mut tx, id, &c.state, State::Issued.code()).await?;
    sqlx::query(
        "UPDATE circulars SET body = $1, number = $2, signed_by_name = $3, signed_at = $4, sha256 = $5, pdf = $6, updated_at = $4 WHERE id = $7",
    )
    .bind(&c.body)
    .bind(&number)
    .bind(&actor.display_name)
    .bind(who.at_text())
    .bind(&sha)
    .bind(pdf)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    let link = format!("/circulars/{id}");
    for r in &recipients {
        let title = format!("{}{}：{}", kind.label(), number, c.title);
        notify_unit(&mut tx, who, r.unit_id, &title, "请阅知并确认", &link).await?;
        add_duty(
            &mut tx,
            who,
            duty(id, CONFIRM_READ),
            Holder::Unit(r.unit_id),
            &format!("{title}（请确认已阅）"),
            &link,
            None,
            false,
        )
        .await?;
    }
    if kind == Kind::Briefing {
        // A briefing also goes to the group's leaders (003 三(三)).
        let leaders =
            crate::notify::store::holders_of_role(&mut tx, Role::GroupLeader, c.office_unit_id)
                .await?;
        for l in leaders {
            notify(
                &mut tx,
                who,
                l,
                &format!("工作简报{number}：{}", c.title),
                "",
                Some(&link),
            )
            .await?;
        }
    }
    crate::procedure::finish(
        tx,
        who,
        Entry::new("circular.sign", RESOURCE)
            .object(c.id, Some(c.office_unit_id))
            .summary(json!({"number": number, "sha256": sha})),
    )
    .await
}

/// A unit addressed confirms it has read an issued circular (the read receipt).
pub async fn confirm_read(db: &Db, actor: &Actor, who: &Who, id: i64) -> AppResult<()> {
    let scope = read_scope(actor)?;
    let c = get(db, &scope, id).await?.ok_or(AppError::NotFound)?;
    let unit = actor.roles.iter().any(|r| {
        matches!(
            r,
            Role::UnitLiaison
                | Role::UnitHandler
                | Role::CountyOfficeStaff
                | Role::OfficeStaff
                | Role::OfficeDirector
        )
    });
    if c.state != State::Issued.code() || !unit {
        return Err(AppError::conflict(
            "step_refused",
            "只有主送单位可以确认已阅已印发的文件",
        ));
    }
    let mut tx = db.begin().await?;
    let changed = sqlx::query(
        "UPDATE circular_recipients SET read_at = $1, read_by_name = $2 WHERE circular_id = $3 AND unit_id = $4 AND read_at IS NULL",
    )
    .bind(who.at_text())
    .bind(&actor.display_name)
    .bind(id)
    .bind(actor.unit_id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if changed != 1 {
        return Err(AppError::conflict(
            "step_refused",
            "本单位不是主送单位，或已确认已阅",
        ));
    }
    crate::notify::store::discharge_for(
        &mut tx,
        who,
        duty(id, CONFIRM_READ),
        Holder::Unit(actor.unit_id),
    )
    .await?;
    commit(
        tx,
        who,
        &c,
        "circular.read",
        json!({"unit_id": actor.unit_id}),
    )
    .await
}

/// A step on a circular as submitted (`{"step": …}`).
#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum CircularStep {
    /// 确认已阅 (a recipient unit). Signing and returning are acts on the circular's draft
    /// (`/api/v1/drafts/{id}/steps`).
    ConfirmRead,
}

/// Take `input` on circular `id` as `actor`.
pub async fn run(
    ctx: &Ctx,
    actor: &Actor,
    who: &Who,
    id: i64,
    input: CircularStep,
) -> AppResult<()> {
    match input {
        CircularStep::ConfirmRead => confirm_read(&ctx.db, actor, who, id).await,
    }
}
