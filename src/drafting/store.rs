//! Drafts and their history: submitting the issuing step as a draft (checked by previewing
//! it), reviewing, returning, resubmitting, and signing, which takes the step itself with the
//! signer's opinion and seals the draft in the step's own transaction ([`seal`]).

use serde::Serialize;
use serde_json::{Value, json};

use super::{Act, Kind, Refusal, Standing, State};
use crate::access::{Actor, Role};
use crate::audit::{Entry, Signing, Who};
use crate::context::Ctx;
use crate::db::{Db, Tx};
use crate::error::{AppError, AppResult};
use crate::notify::store::{Duty, Holder, add_duty, discharge};

pub const RESOURCE: &str = "draft";

/// A draft as stored.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Draft {
    pub id: i64,
    pub kind: String,
    pub record_type: String,
    pub record_id: i64,
    pub office_unit_id: i64,
    /// The office's region (the group leader signs for it).
    pub office_region: String,
    /// Who signs it (a role code): the office director, the group leader, a meeting's chair.
    pub signer_role: String,
    pub title: String,
    /// The issuing step as submitted (`{"step": …}` with its fields).
    pub body: String,
    pub state: String,
    pub drafter_id: i64,
    pub drafter_name: String,
    /// The document number, taken when it was signed.
    pub number: Option<String>,
    pub signer_name: Option<String>,
    /// 签发意见.
    pub sign_opinion: Option<String>,
    pub signed_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

impl Draft {
    pub fn kind(&self) -> AppResult<Kind> {
        Kind::parse(&self.kind).ok_or_else(|| AppError::internal("draft kind"))
    }
    pub fn state(&self) -> AppResult<State> {
        State::parse(&self.state).ok_or_else(|| AppError::internal("draft state"))
    }
    pub fn signer(&self) -> AppResult<Role> {
        Role::parse(&self.signer_role).ok_or_else(|| AppError::internal("draft signer"))
    }
    pub fn kind_label(&self) -> &'static str {
        Kind::label_of(&self.kind)
    }
    pub fn state_label(&self) -> &'static str {
        State::label_of(&self.state)
    }
    /// Where the record is read (`typical_case` at `/typical-cases/…`).
    pub fn record_link(&self) -> String {
        format!(
            "/{}s/{}",
            self.record_type.replace('_', "-"),
            self.record_id
        )
    }
    /// The free text the drafter wrote into the step ("其他需要说明的事项", the report).
    pub fn text(&self) -> String {
        let field = Kind::parse(&self.kind).map_or("text", |k| k.text_field().0);
        serde_json::from_str::<Value>(&self.body)
            .ok()
            .and_then(|v| v[field].as_str().map(str::to_string))
            .unwrap_or_default()
    }
    /// What that text is called on the page.
    pub fn text_label(&self) -> &'static str {
        Kind::parse(&self.kind).map_or("正文", |k| k.text_field().1)
    }
}

/// One act on a draft.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
#[schema(as = DraftEvent)]
pub struct Event {
    pub at: String,
    pub actor_name: String,
    pub act: String,
    pub opinion: String,
}

impl Event {
    pub fn act_label(&self) -> &'static str {
        match self.act.as_str() {
            "drafted" => "拟稿",
            "superseded" => "另行拟稿，本稿作废",
            other => Act::label_of(other),
        }
    }
}

const SELECT: &str = "SELECT id, kind, record_type, record_id, office_unit_id, office_region, \
    signer_role, title, body, state, \
    drafter_id, drafter_name, number, signer_name, sign_opinion, signed_at, created_at, updated_at \
    FROM drafts WHERE ";

async fn get_tx(tx: &mut Tx, id: i64) -> Result<Option<Draft>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("{SELECT}id = $1")))
        .bind(id)
        .fetch_optional(&mut **tx)
        .await
}

/// The draft, if `actor` may see it: the people of the office whose document it is.
pub async fn get(db: &Db, actor: &Actor, id: i64) -> AppResult<Option<Draft>> {
    let d: Option<Draft> = sqlx::query_as(sqlx::AssertSqlSafe(format!("{SELECT}id = $1")))
        .bind(id)
        .fetch_optional(&db.pool)
        .await?;
    Ok(d.filter(|d| standing(actor, d).office))
}

/// The drafts of a record that `actor` may see (its office, its signer), newest first: the
/// record's page lists them.
pub async fn of_record(
    db: &Db,
    actor: &Actor,
    record_type: &str,
    record_id: i64,
) -> Result<Vec<Draft>, sqlx::Error> {
    let all: Vec<Draft> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{SELECT}record_type = $1 AND record_id = $2 ORDER BY id DESC"
    )))
    .bind(record_type)
    .bind(record_id)
    .fetch_all(&db.pool)
    .await?;
    Ok(all
        .into_iter()
        .filter(|d| standing(actor, d).office)
        .collect())
}

/// The chain's history of each draft of a record, one text file per draft, for the record's
/// dossier (the numbered folder `folder`): what was drafted, by whom, each act with its opinion,
/// and the number it was signed as. People are named without their logins.
pub async fn dossier_files(
    tx: &mut Tx,
    folder: &str,
    record_type: &str,
    record_id: i64,
) -> Result<Vec<crate::archive::DossierFile>, sqlx::Error> {
    let drafts: Vec<Draft> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{SELECT}record_type = $1 AND record_id = $2 ORDER BY id"
    )))
    .bind(record_type)
    .bind(record_id)
    .fetch_all(&mut **tx)
    .await?;
    let mut files = Vec::with_capacity(drafts.len());
    for (i, d) in drafts.iter().enumerate() {
        let events: Vec<Event> = sqlx::query_as(
            "SELECT at, actor_name, act, opinion FROM draft_events WHERE draft_id = $1 ORDER BY id",
        )
        .bind(d.id)
        .fetch_all(&mut **tx)
        .await?;
        let person = Who::person;
        let mut text = format!(
            "办文过程\n文种：{}\n标题：{}\n拟稿人：{}\n状态：{}\n",
            d.kind_label(),
            d.title,
            person(&d.drafter_name),
            d.state_label()
        );
        if let Some(n) = &d.number {
            text.push_str(&format!(
                "文号：{n}（{}签发）\n",
                d.signer_name.as_deref().map_or("", person)
            ));
        }
        text.push('\n');
        for e in &events {
            text.push_str(&format!(
                "{}　{}　{}{}\n",
                crate::db::time::display(&e.at),
                person(&e.actor_name),
                e.act_label(),
                if e.opinion.is_empty() {
                    String::new()
                } else {
                    format!("（{}）", e.opinion)
                }
            ));
        }
        files.push(crate::archive::DossierFile {
            path: format!("{folder}/{:02}-{}.txt", i + 1, d.kind_label()),
            title: format!("{}办文过程（{}）", d.kind_label(), d.state_label()),
            responsible: person(&d.drafter_name).to_string(),
            date: d.created_at.get(..10).unwrap_or("").to_string(),
            bytes: text.into_bytes(),
        });
    }
    Ok(files)
}

pub async fn events(db: &Db, id: i64) -> Result<Vec<Event>, sqlx::Error> {
    sqlx::query_as(
        "SELECT at, actor_name, act, opinion FROM draft_events WHERE draft_id = $1 ORDER BY id",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await
}

/// How `actor` stands to draft `d`.
pub fn standing(actor: &Actor, d: &Draft) -> Standing {
    let office = actor.unit_id == d.office_unit_id && actor.roles.iter().any(|r| r.is_office());
    let signer = Role::parse(&d.signer_role).is_some_and(|role| {
        super::holds_signer(
            role,
            &actor.roles,
            actor.unit_id,
            actor.unit_region.as_str(),
            d.office_unit_id,
            &d.office_region,
        )
    });
    Standing {
        drafter: actor.user_id == d.drafter_id,
        office: office || signer,
        signer,
    }
}

fn refused(r: Refusal) -> AppError {
    AppError::conflict("draft_refused", r.to_string())
}

async fn event(tx: &mut Tx, who: &Who, id: i64, act: &str, opinion: &str) -> AppResult<()> {
    sqlx::query(
        "INSERT INTO draft_events (draft_id, at, actor_name, act, opinion) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(id)
    .bind(who.at_text())
    .bind(&who.name)
    .bind(act)
    .bind(opinion)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The office's duty to review a draft, the signer's to sign it, the drafter's to revise it.
fn duty(id: i64, name: &'static str) -> Duty<'static> {
    Duty::new(RESOURCE, id, name)
}
const REVIEW: &str = "review";
const SIGN: &str = "sign";
const REVISE: &str = "revise";

/// Give the next holder the draft: the office to review it, the signer to sign it.
async fn hand_on(tx: &mut Tx, who: &Who, d: &Draft, kind: Kind, to: State) -> AppResult<()> {
    let link = format!("/drafts/{}", d.id);
    let signer = d.signer()?;
    match to {
        State::Reviewing => {
            add_duty(
                tx,
                who,
                duty(d.id, REVIEW),
                Holder::Unit(d.office_unit_id),
                &format!("{}待核稿：{}", kind.label(), d.title),
                &link,
                None,
                false,
            )
            .await?
        }
        State::Signing => {
            // The director's duty is his office's; the leaders of the region each hold it.
            let holders = if super::signs_in_region(signer) {
                crate::notify::store::holders_of_role(tx, signer, d.office_unit_id)
                    .await?
                    .into_iter()
                    .map(Holder::User)
                    .collect()
            } else {
                vec![Holder::UnitRole(d.office_unit_id, signer)]
            };
            for h in holders {
                add_duty(
                    tx,
                    who,
                    duty(d.id, SIGN),
                    h,
                    &format!("{}待签发：{}", kind.label(), d.title),
                    &link,
                    None,
                    false,
                )
                .await?
            }
        }
        _ => {}
    }
    Ok(())
}

/// Run the step that issues `kind`'s document for record `record_id`, with `body` as submitted:
/// the chain's one link to the records. Used to preview (inside `context::preview`) and to sign
/// (with `who.signing` set).
async fn issue(
    ctx: &Ctx,
    actor: &Actor,
    who: &Who,
    kind: Kind,
    record_id: i64,
    body: &Value,
) -> AppResult<()> {
    // A numbered document goes out only as the signing of its draft (or is merely previewed).
    if who.signing.is_none() && !crate::context::previewing() {
        return Err(AppError::internal(
            "a document issued outside its draft's signing",
        ));
    }
    match kind {
        Kind::SupervisionLetter => {
            let text = body["text"].as_str().unwrap_or("");
            let joint: Vec<i64> = body["joint_unit_ids"]
                .as_array()
                .map(|a| a.iter().filter_map(Value::as_i64).collect())
                .unwrap_or_default();
            crate::cases::documents::issue_letter(ctx, actor, who, record_id, text, &joint).await
        }
        Kind::InspectionReport => {
            let input: crate::inspections::ReportInput = serde_json::from_value(body.clone())
                .map_err(|e| AppError::internal(format!("inspection draft body: {e}")))?;
            crate::inspections::store::report(ctx, actor, who, record_id, &input).await
        }
        Kind::Circular => {
            crate::circulars::store::sign(ctx, actor, who, record_id, body["body"].as_str()).await
        }
        Kind::CaseCircular => {
            let text = body["text"].as_str().unwrap_or("");
            crate::cases::documents::circulate(ctx, actor, who, record_id, text).await
        }
        Kind::Minutes => {
            crate::meetings::store::sign(ctx, actor, who, record_id, body["minutes"].as_str()).await
        }
        Kind::TypicalCase => {
            crate::typical_cases::store::sign(ctx, actor, who, record_id, body["text"].as_str())
                .await
        }
    }
}

/// The document of a draft as it would be issued, its number blank.
pub async fn preview(ctx: &Ctx, actor: &Actor, who: &Who, d: &Draft) -> AppResult<Vec<u8>> {
    let body: Value = serde_json::from_str(&d.body).map_err(AppError::internal)?;
    preview_body(ctx, actor, who, d.kind()?, d.record_id, &body, d.signer()?).await
}

/// The office, title and signer of the record a new draft belongs to.
async fn record_of(
    exec: impl sqlx::Executor<'_, Database = sqlx::Any>,
    kind: Kind,
    record_id: i64,
) -> AppResult<(i64, String, Role)> {
    let sql = match kind {
        Kind::SupervisionLetter | Kind::CaseCircular => {
            "SELECT office_unit_id, title, '' FROM cases WHERE id = $1"
        }
        Kind::InspectionReport => "SELECT office_unit_id, title, '' FROM inspections WHERE id = $1",
        Kind::Circular => "SELECT office_unit_id, title, kind FROM circulars WHERE id = $1",
        Kind::Minutes => "SELECT office_unit_id, title, kind FROM group_meetings WHERE id = $1",
        Kind::TypicalCase => "SELECT office_unit_id, title, '' FROM typical_cases WHERE id = $1",
    };
    let row: Option<(i64, String, String)> = sqlx::query_as(sql)
        .bind(record_id)
        .fetch_optional(exec)
        .await?;
    let (office, title, sub) = row.ok_or(AppError::NotFound)?;
    Ok(match kind {
        Kind::SupervisionLetter => (office, format!("关于督办{title}的函"), Role::OfficeDirector),
        // 000 §9: the result is circulated after the office's internal approval.
        Kind::CaseCircular => (
            office,
            format!("关于{title}查处情况的通报"),
            Role::OfficeDirector,
        ),
        Kind::InspectionReport => (office, format!("{title}报告"), Role::OfficeDirector),
        // 001 §26: the group's documents.
        Kind::Circular => (office, title, Role::GroupLeader),
        // 001 §21, 003 三(一): the meeting's chair.
        Kind::Minutes => {
            let meeting = crate::meetings::flow::MeetingKind::parse(&sub)
                .ok_or_else(|| AppError::internal("meeting kind"))?;
            (office, format!("{title}纪要"), meeting.chair_role())
        }
        // Issue #22: the office's write-up, signed as its other documents are.
        Kind::TypicalCase => (office, format!("典型案例：{title}"), Role::OfficeDirector),
    })
}

/// Whether office `office` reviews its drafts (核稿): its own setting, else `default`.
pub async fn reviews(
    exec: impl sqlx::Executor<'_, Database = sqlx::Any>,
    office: i64,
    default: bool,
) -> Result<bool, sqlx::Error> {
    let own: Option<Option<i64>> =
        sqlx::query_scalar("SELECT document_review FROM units WHERE id = $1")
            .bind(office)
            .fetch_optional(exec)
            .await?;
    Ok(own.flatten().map_or(default, |v| v != 0))
}

/// [`reviews`] with the deployment's default.
pub async fn reviews_office(ctx: &Ctx, office: i64) -> Result<bool, sqlx::Error> {
    reviews(&ctx.db.pool, office, ctx.document_review).await
}

/// The office sets whether its drafts are reviewed (核稿) before they go to the signer: its
/// director decides, for his own office.
pub async fn set_review(db: &Db, actor: &Actor, who: &Who, review: bool) -> AppResult<()> {
    // The office director is an office role: no second test of the office.
    if !actor.has(Role::OfficeDirector) {
        return Err(AppError::Forbidden);
    }
    let mut tx = db.begin().await?;
    sqlx::query("UPDATE units SET document_review = $1 WHERE id = $2")
        .bind(i64::from(review))
        .bind(actor.unit_id)
        .execute(&mut *tx)
        .await?;
    crate::procedure::finish(
        tx,
        who,
        Entry::new("drafting.settings", "unit")
            .object(actor.unit_id, Some(actor.unit_id))
            .summary(json!({"document_review": review})),
    )
    .await
}

/// 拟稿: the issuing step of record `record_id` as submitted (`body`) becomes a draft of `kind`,
/// for review (where the office reviews its drafts) or straight for signature. The step is
/// first previewed, so a draft that could not be issued is refused now, with the step's own
/// field errors. One draft of a kind waits per record at a time.
pub async fn submit(
    ctx: &Ctx,
    actor: &Actor,
    who: &Who,
    kind: Kind,
    record_id: i64,
    body: Value,
) -> AppResult<i64> {
    let (_, _, signer) = record_of(&ctx.db.pool, kind, record_id).await?;
    preview_body(ctx, actor, who, kind, record_id, &body, signer).await?;
    let mut tx = ctx.db.begin().await?;
    crate::procedure::lock(&mut tx, record_table(kind), record_id).await?;
    let id = open_draft(ctx, &mut tx, actor, who, kind, record_id, body).await?;
    tx.commit().await?;
    Ok(id)
}

/// The draft written inside the transaction of the step that drafts it (a circular drafted, a
/// meeting's minutes recorded), with its audit record; the caller holds the record's lock.
pub async fn open_draft(
    ctx: &Ctx,
    tx: &mut Tx,
    actor: &Actor,
    who: &Who,
    kind: Kind,
    record_id: i64,
    body: Value,
) -> AppResult<i64> {
    let open: Vec<(i64, String)> = sqlx::query_as(
        "SELECT id, state FROM drafts WHERE kind = $1 AND record_type = $2 AND record_id = $3 \
         AND state IN ('reviewing', 'signing', 'returned')",
    )
    .bind(kind.code())
    .bind(kind.record_type())
    .bind(record_id)
    .fetch_all(&mut **tx)
    .await?;
    if open
        .iter()
        .any(|(_, state)| state != State::Returned.code())
    {
        return Err(AppError::conflict(
            "draft_waiting",
            format!("该{}已有文稿在核稿或签发中，请勿重复提交", kind.label()),
        ));
    }
    // A returned draft the office drafts anew is superseded: its drafter has nothing left
    // to revise.
    let returned = open.into_iter().map(|(id, _)| id);
    for old in returned {
        sqlx::query("UPDATE drafts SET state = 'superseded', updated_at = $1 WHERE id = $2")
            .bind(who.at_text())
            .bind(old)
            .execute(&mut **tx)
            .await?;
        event(tx, who, old, "superseded", "").await?;
        discharge(tx, who, duty(old, REVISE)).await?;
    }
    let (office, title, signer) = record_of(&mut **tx, kind, record_id).await?;
    let region = crate::units::store::region_of(tx, office).await?;
    let state = super::first_state(reviews(&mut **tx, office, ctx.document_review).await?);
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO drafts (kind, record_type, record_id, office_unit_id, office_region, \
         signer_role, title, body, state, drafter_id, drafter_name, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) RETURNING id",
    )
    .bind(kind.code())
    .bind(kind.record_type())
    .bind(record_id)
    .bind(office)
    .bind(region.as_str())
    .bind(signer.code())
    .bind(&title)
    .bind(body.to_string())
    .bind(state.code())
    .bind(actor.user_id)
    .bind(&who.name)
    .bind(who.at_text())
    .fetch_one(&mut **tx)
    .await?;
    event(tx, who, id, "drafted", "").await?;
    let d = get_tx(tx, id).await?.ok_or(AppError::NotFound)?;
    hand_on(tx, who, &d, kind, state).await?;
    crate::audit::record(
        tx,
        who,
        Entry::new("draft.submit", RESOURCE)
            .object(id, Some(office))
            .summary(json!({"kind": kind.code(), "record_id": record_id, "state": state.code()})),
    )
    .await?;
    Ok(id)
}

fn record_table(kind: Kind) -> &'static str {
    match kind {
        Kind::SupervisionLetter | Kind::CaseCircular => "cases",
        Kind::InspectionReport => "inspections",
        Kind::Circular => "circulars",
        Kind::Minutes => "group_meetings",
        Kind::TypicalCase => "typical_cases",
    }
}

async fn preview_body(
    ctx: &Ctx,
    actor: &Actor,
    who: &Who,
    kind: Kind,
    record_id: i64,
    body: &Value,
    signer: Role,
) -> AppResult<Vec<u8>> {
    // The document is shown as its signer would issue it: the office's people who draft it
    // may preview it, though the step is the signer's. Nothing of a preview is kept. Anyone
    // else (an administrator of the office's unit, say) previews as himself, within his own
    // rights, and is refused where he has none.
    let mut as_signer = actor.clone();
    if actor.roles.iter().any(|r| r.is_office()) && !as_signer.roles.contains(&signer) {
        as_signer.roles.push(signer);
    }
    crate::context::preview(issue(ctx, &as_signer, who, kind, record_id, body)).await
}

/// An act on a draft (`text`: the opinion; `revised`: the revised text, for a resubmission).
#[allow(clippy::too_many_arguments)]
pub async fn act(
    ctx: &Ctx,
    actor: &Actor,
    who: &Who,
    id: i64,
    act: Act,
    text: &str,
    revised: Option<&str>,
) -> AppResult<()> {
    let d = get(&ctx.db, actor, id).await?.ok_or(AppError::NotFound)?;
    let kind = d.kind()?;
    let review = reviews_office(ctx, d.office_unit_id).await?;
    let next =
        super::check(d.signer()?, d.state()?, act, standing(actor, &d), review).map_err(refused)?;
    let opinion = match act {
        Act::Return => crate::domain::text::required_long("text", "退回意见", text, 1000)?,
        Act::Sign => crate::domain::text::required_long("text", "签发意见", text, 500)?,
        _ => crate::domain::text::optional("text", "意见", Some(text), 1000)?.unwrap_or_default(),
    };
    if act == Act::Sign {
        // The step itself issues the document, as the signer, and seals the draft.
        let body: Value = serde_json::from_str(&d.body).map_err(AppError::internal)?;
        let signing = Who {
            signing: Some(Signing {
                draft_id: id,
                opinion,
            }),
            ..who.clone()
        };
        return issue(ctx, actor, &signing, kind, d.record_id, &body).await;
    }
    // A resubmission may revise the text; it is previewed again, like a new draft.
    let new_body = match (act, revised) {
        (Act::Resubmit, Some(t)) => {
            let mut b: Value = serde_json::from_str(&d.body).map_err(AppError::internal)?;
            b[kind.text_field().0] = Value::String(t.trim().to_string());
            preview_body(ctx, actor, who, kind, d.record_id, &b, d.signer()?).await?;
            Some(b.to_string())
        }
        (Act::Resubmit, None) => {
            preview(ctx, actor, who, &d).await?;
            None
        }
        _ => None,
    };
    let mut tx = ctx.db.begin().await?;
    crate::procedure::lock(&mut tx, "drafts", id).await?;
    let n = sqlx::query(
        "UPDATE drafts SET state = $1, body = COALESCE($2, body), updated_at = $3 \
         WHERE id = $4 AND state = $5",
    )
    .bind(next.code())
    .bind(new_body)
    .bind(who.at_text())
    .bind(id)
    .bind(&d.state)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if n != 1 {
        return Err(AppError::conflict(
            "state_changed",
            "文稿状态已被他人更新，请刷新页面后重试",
        ));
    }
    event(&mut tx, who, id, act.code(), &opinion).await?;
    match act {
        Act::Pass => {
            discharge(&mut tx, who, duty(id, REVIEW)).await?;
        }
        Act::Return => {
            discharge(&mut tx, who, duty(id, REVIEW)).await?;
            discharge(&mut tx, who, duty(id, SIGN)).await?;
            add_duty(
                &mut tx,
                who,
                duty(id, REVISE),
                Holder::User(d.drafter_id),
                &format!("{}已退回修改：{}", kind.label(), d.title),
                &format!("/drafts/{id}"),
                None,
                false,
            )
            .await?;
        }
        Act::Resubmit => {
            discharge(&mut tx, who, duty(id, REVISE)).await?;
        }
        Act::Sign => {}
    }
    hand_on(&mut tx, who, &d, kind, next).await?;
    crate::procedure::finish(
        tx,
        who,
        Entry::new(
            match act {
                Act::Pass => "draft.pass",
                Act::Return => "draft.return",
                Act::Resubmit => "draft.resubmit",
                Act::Sign => "draft.sign",
            },
            RESOURCE,
        )
        .object(id, Some(d.office_unit_id))
        .summary(json!({"kind": d.kind, "opinion": opinion})),
    )
    .await
}

/// 签发: the step that issued the document was taken as the signing of draft `signing`; seal
/// the draft with the number the step drew (`entry.summary.number`), the signer and opinion.
/// Conditional on the draft still waiting for the signature: of two signatures at once the
/// second finds it signed and its step is rolled back whole.
pub async fn seal(tx: &mut Tx, who: &Who, signing: &Signing, entry: &Entry) -> AppResult<()> {
    let number = entry.summary["number"].as_str().map(str::to_string);
    let n = sqlx::query(
        "UPDATE drafts SET state = 'signed', number = $1, signer_name = $2, sign_opinion = $3, \
         signed_at = $4, updated_at = $4 WHERE id = $5 AND state = 'signing'",
    )
    .bind(&number)
    .bind(&who.name)
    .bind(&signing.opinion)
    .bind(who.at_text())
    .bind(signing.draft_id)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if n != 1 {
        return Err(AppError::conflict(
            "state_changed",
            "该文稿已签发或已退回，请刷新页面后重试",
        ));
    }
    event(
        tx,
        who,
        signing.draft_id,
        Act::Sign.code(),
        &signing.opinion,
    )
    .await?;
    discharge(tx, who, duty(signing.draft_id, SIGN)).await?;
    crate::audit::record(
        tx,
        who,
        Entry::new("draft.sign", RESOURCE)
            .object(signing.draft_id, who.unit_id)
            .summary(json!({"number": number, "opinion": signing.opinion})),
    )
    .await?;
    Ok(())
}
