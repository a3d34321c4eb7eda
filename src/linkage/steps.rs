//! Each step of a transfer as one transaction: authorise by the procedure's rule (flow.rs),
//! check the input, change the record, open or settle its clocks, issue its document, record
//! the timeline event and the audit record, and tell the other side.

use chrono::{Datelike, NaiveDate};
use serde_json::json;
use sha2::Digest;

use super::documents::{self, DocKind};
use super::flow::{self, Direction, Periods, Step, TransferState};
use super::model::{self, EvidenceKind, NewTransfer, Secrecy, TransferInput};
use super::store::{self, Transfer};
use crate::access::{Action, Actor, Resource, Role};
use crate::audit::{Entry, Who};
use crate::calendar::{Calendar, Period};
use crate::context::Ctx;
use crate::db::{Db, Tx};
use crate::deadline::store::{Change, NewDeadline, settle_for_record};
use crate::error::{AppError, AppResult};
use crate::notify::store::{Duty, Holder, add_duty, discharge, notify_unit};

fn entry(action: &'static str, t: &Transfer, summary: serde_json::Value) -> Entry {
    Entry::new(action, "transfer")
        .object(t.id, Some(t.from_unit_id))
        .summary(summary)
}

use crate::procedure::finish;

fn refused(r: flow::Refusal) -> AppError {
    AppError::conflict("step_refused", r.to_string())
}

fn unit_role(actor: &Actor) -> bool {
    actor
        .roles
        .iter()
        .any(|r| matches!(r, Role::UnitLiaison | Role::UnitHandler))
}

async fn unit_kind(tx: &mut Tx, id: i64, field: &str) -> AppResult<String> {
    let kind: Option<String> =
        sqlx::query_scalar("SELECT kind FROM units WHERE id = $1 AND active = 1")
            .bind(id)
            .fetch_optional(&mut **tx)
            .await?;
    kind.ok_or_else(|| AppError::field(field, "not_found", "单位不存在或已停用"))
}

/// A clock of this transfer: the clause that sets it, what is due, from which event and day,
/// by which rule, and the unit that owes it.
struct TransferClock<'a> {
    clause: &'a str,
    purpose: &'a str,
    start_event: &'a str,
    start: NaiveDate,
    rule: Period,
    owner: i64,
}

async fn open_clock(
    tx: &mut Tx,
    cal: &Calendar,
    who: &Who,
    t: &Transfer,
    c: TransferClock<'_>,
) -> AppResult<i64> {
    crate::deadline::store::open(
        tx,
        cal,
        who,
        &NewDeadline {
            purpose: format!("{}：{}", c.purpose, t.code),
            clause: c.clause.into(),
            start_event: c.start_event.into(),
            start: c.start,
            rule: c.rule,
            record_type: Some(store::RESOURCE.into()),
            record_id: Some(t.id),
            owner_unit_id: c.owner,
            owner_user_id: None,
        },
    )
    .await
}

async fn settle(
    tx: &mut Tx,
    cal: &Calendar,
    who: &Who,
    id: i64,
    clause: &str,
    change: Change,
) -> AppResult<()> {
    settle_for_record(tx, cal, who, store::RESOURCE, id, clause, change).await?;
    Ok(())
}

/// The duty under `clause` was done today.
async fn met(tx: &mut Tx, cal: &Calendar, who: &Who, id: i64, clause: &str) -> AppResult<()> {
    settle(tx, cal, who, id, clause, Change::Met { on: who.today() }).await
}

async fn set_state(tx: &mut Tx, who: &Who, t: &Transfer, s: TransferState) -> AppResult<()> {
    crate::procedure::transition::<Transfer>(tx, t.id, &t.state, s.code()).await?;
    // Whatever moves a transfer on from `sent` (signing for it) ends the duty to sign for it.
    if t.state == TransferState::Sent.code() {
        discharge(tx, who, sign_for(t.id)).await?;
    }
    // Whatever moves it on from a proposal is the head's decision on it: approved when the
    // proposed step took effect, returned otherwise (`return_proposal` records why).
    if t.state == TransferState::AwaitingHead.code() {
        sqlx::query(
            "UPDATE transfers SET pending_step = NULL, pending_from = NULL, pending_text = NULL, \
             pending_by = NULL WHERE id = $1",
        )
        .bind(t.id)
        .execute(&mut **tx)
        .await?;
        discharge(tx, who, duty(t.id, APPROVE)).await?;
        if t.pending().is_some_and(|p| p.from != s) {
            let opinion = who.approval.as_deref().unwrap_or("同意");
            store::event(
                tx,
                t.id,
                who,
                "approved",
                &format!("负责人批准：{}（{opinion}）", t.pending_label()),
            )
            .await?;
        }
    }
    Ok(())
}

/// The organ head's duty to approve or return a proposed step.
const APPROVE: &str = "approve";

/// The text a step issues: on the approval of a proposal, the proposal's own, read from the
/// locked record (not the copy the approval was sent with, which may be stale).
fn locked_text(t: &Transfer, given: String) -> String {
    if t.state == TransferState::AwaitingHead.code() {
        t.pending_text.clone().unwrap_or(given)
    } else {
        given
    }
}

/// A handler's step that needs the head ([`flow::needs_head`]) becomes a proposal: it waits on
/// the transfer, with its text, for the head of the unit, whose to-do it is. A proposed
/// transfer opens the head's 3-day clock (国务院令第310号第五条); a proposed filing decision
/// runs on the police's own review or reconsideration clock, which keeps running.
async fn propose(
    mut tx: Tx,
    cal: &Calendar,
    periods: Periods,
    who: &Who,
    t: &Transfer,
    step: Step,
    text: &str,
) -> AppResult<()> {
    // A proposal nobody can decide would hold the transfer and run its clock out.
    let unit = t.proposing_unit(step);
    if crate::notify::store::holders_in_unit(&mut tx, unit, Role::UnitHead)
        .await?
        .is_empty()
    {
        return Err(AppError::conflict(
            "no_head",
            "本单位尚无“单位负责人”账号，提请将无人审批：请系统管理员为本单位负责人开通账号并授予“单位负责人”角色",
        ));
    }
    sqlx::query(
        "UPDATE transfers SET pending_step = $1, pending_from = $2, pending_text = $3, \
         pending_by = $4 WHERE id = $5",
    )
    .bind(step.code())
    .bind(&t.state)
    .bind(text)
    .bind(&who.name)
    .bind(t.id)
    .execute(&mut *tx)
    .await?;
    let (unit, clause) = if step == Step::Send {
        open_clock(
            &mut tx,
            cal,
            who,
            t,
            TransferClock {
                clause: flow::APPROVAL_CLAUSE,
                purpose: "审批是否移送涉嫌犯罪案件",
                start_event: "收到移送涉嫌犯罪案件的书面报告",
                start: who.today(),
                rule: periods.approval(),
                owner: t.from_unit_id,
            },
        )
        .await?;
        (t.from_unit_id, flow::APPROVAL_CLAUSE)
    } else if step == Step::ReconsiderFile || step == Step::ReconsiderUphold {
        (t.to_unit_id, flow::RECONSIDER_CLAUSE)
    } else {
        (t.to_unit_id, flow::REVIEW_CLAUSE)
    };
    let due: Option<String> = sqlx::query_scalar(
        "SELECT due_date FROM deadlines WHERE record_type = $1 AND record_id = $2 AND clause = $3 \
         AND state = 'open' ORDER BY id DESC LIMIT 1",
    )
    .bind(store::RESOURCE)
    .bind(t.id)
    .bind(clause)
    .fetch_optional(&mut *tx)
    .await?
    .flatten();
    set_state(&mut tx, who, t, TransferState::AwaitingHead).await?;
    let label = flow::proposal_label(step);
    let summary = if text.is_empty() {
        format!("提请负责人审批：{label}")
    } else {
        format!("提请负责人审批：{label}（{text}）")
    };
    store::event(&mut tx, t.id, who, "proposed", &summary).await?;
    add_duty(
        &mut tx,
        who,
        duty(t.id, APPROVE),
        Holder::UnitRole(unit, Role::UnitHead),
        &format!("移送案件{}提请审批：{label}", t.code),
        &format!("/transfers/{}", t.id),
        due.as_deref(),
        false,
    )
    .await?;
    finish(
        tx,
        who,
        entry("transfer.propose", t, json!({"step": step.code()})),
    )
    .await
}

/// The organ head returns a proposal, with reasons: a transfer not approved goes back to the
/// handlers (国务院令第310号第五条: "决定不批准的，应当将不予批准的理由记录在案"), a filing
/// decision back to review, on the clock still running.
pub async fn return_proposal(
    ctx: &Ctx,
    actor: &Actor,
    who: &Who,
    id: i64,
    reasons: &str,
) -> AppResult<()> {
    let cal = ctx.calendar();
    let reasons = crate::domain::text::required_long("text", "退回理由", reasons, 2000)?;
    let (mut tx, t, next) = begin(&ctx.db, actor, id, Step::Return).await?;
    let p = t
        .pending()
        .ok_or_else(|| AppError::internal("awaiting head without a proposal"))?;
    let unit = t.proposing_unit(p.step);
    let summary = if p.step == Step::Send {
        met(&mut tx, &cal, who, id, flow::APPROVAL_CLAUSE).await?;
        format!("负责人不批准移送：{reasons}")
    } else {
        format!("负责人退回“{}”的提请：{reasons}", p.step.label())
    };
    set_state(&mut tx, who, &t, next).await?;
    store::event(&mut tx, id, who, "returned", &summary).await?;
    notify_unit(
        &mut tx,
        who,
        unit,
        &format!("移送案件{}：{summary}", t.code),
        &reasons,
        &format!("/transfers/{id}"),
    )
    .await?;
    finish(
        tx,
        who,
        entry(
            "transfer.return",
            &t,
            json!({"step": p.step.code(), "reasons": reasons}),
        ),
    )
    .await
}

/// The handlers take their proposal back before the head decides: the transfer returns to where
/// it was, the head's to-do closes, and a transfer's approval clock is waived.
async fn withdraw(ctx: &Ctx, actor: &Actor, who: &Who, id: i64) -> AppResult<()> {
    let cal = ctx.calendar();
    let (mut tx, t, next) = begin(&ctx.db, actor, id, Step::Withdraw).await?;
    let p = t
        .pending()
        .ok_or_else(|| AppError::internal("awaiting head without a proposal"))?;
    if p.step == Step::Send {
        settle(
            &mut tx,
            &cal,
            who,
            id,
            flow::APPROVAL_CLAUSE,
            Change::Waive {
                reason: "提请人撤回移送报告".into(),
            },
        )
        .await?;
    }
    let label = t.pending_label();
    set_state(&mut tx, who, &t, next).await?;
    store::event(&mut tx, id, who, "withdrawn", &format!("撤回提请：{label}")).await?;
    finish(
        tx,
        who,
        entry("transfer.withdraw", &t, json!({"step": p.step.code()})),
    )
    .await
}

/// The document the head's approval would issue, as it would be issued with its number blank:
/// the approval previewed (`context::preview`), nothing kept. The head reads what he signs,
/// and the handlers who reported it read what they drafted, as their head would issue it;
/// no one else (the other side does not see a unit's deliberation).
pub async fn preview_proposal(
    ctx: &Ctx,
    periods: Periods,
    actor: &Actor,
    who: &Who,
    id: i64,
) -> AppResult<Vec<u8>> {
    let scope = store::read_scope(actor)?;
    let t = store::get(&ctx.db, &scope, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut reader = actor.clone();
    if let Some(p) = t.pending()
        && actor.unit_id == t.proposing_unit(p.step)
        && !reader.roles.contains(&Role::UnitHead)
    {
        reader.roles.push(Role::UnitHead);
    }
    crate::context::preview(approve(ctx, periods, &reader, who, id, "")).await
}

/// The organ head approves the proposal: the proposed step is taken now, by the head, with the
/// proposal's text as it stands under the lock, and issues its document (numbered at this act).
async fn approve(
    ctx: &Ctx,
    periods: Periods,
    actor: &Actor,
    who: &Who,
    id: i64,
    opinion: &str,
) -> AppResult<()> {
    let opinion = crate::domain::text::optional("text", "批准意见", Some(opinion), 500)?
        .unwrap_or_else(|| "同意".to_string());
    let who = &Who {
        approval: Some(opinion),
        ..who.clone()
    };
    let scope = store::read_scope(actor)?;
    let t = store::get(&ctx.db, &scope, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let Some(p) = t.pending() else {
        return Err(refused(flow::Refusal::WrongState {
            state: t.state_label(),
            step: Step::Approve.label(),
        }));
    };
    let text = t.pending_text.clone().unwrap_or_default();
    match p.step {
        Step::Send => send(ctx, periods, actor, who, id).await,
        Step::File | Step::ReconsiderFile => {
            file(ctx, periods, actor, who, id, p.step, &text).await
        }
        Step::Refuse => refuse(ctx, periods, actor, who, id, &text).await,
        Step::ReconsiderUphold => reconsider_uphold(ctx, periods, actor, who, id, &text).await,
        _ => Err(AppError::internal("proposal of a step that needs no head")),
    }
}

/// The receiving unit's duty to sign for a sent transfer (004 二(二); 国务院令第310号 art. 8).
fn sign_for(id: i64) -> Duty<'static> {
    duty(id, "sign_for")
}

/// Duty `name` on transfer `id`: a to-do keyed to it, closed by the act that does it.
fn duty(id: i64, name: &'static str) -> Duty<'static> {
    Duty::new(store::RESOURCE, id, name)
}

/// The transferring unit decides what to do about a refusal: ask to reconsider, suggest
/// supervision, or accept it (004 二(二)).
const RESPOND: &str = "respond_to_refusal";
/// The police decide a reconsideration (国务院令第310号第九条).
const DECIDE_RECONSIDERATION: &str = "decide_reconsideration";
/// The procuratorate supervises the filing.
const SUPERVISE: &str = "supervise_filing";

/// Give the transferring unit the duty to respond to a refusal, due when its window closes.
async fn respond_duty(
    tx: &mut Tx,
    cal: &Calendar,
    who: &Who,
    t: &Transfer,
    served: NaiveDate,
    title: &str,
) -> AppResult<()> {
    let closes = flow::request_window_closes(cal, served)
        .map_err(|e| AppError::conflict("calendar", e.to_string()))?;
    add_duty(
        tx,
        who,
        duty(t.id, RESPOND),
        Holder::Unit(t.from_unit_id),
        title,
        &format!("/transfers/{}", t.id),
        Some(&closes.to_string()),
        false,
    )
    .await?;
    Ok(())
}

/// The transferring unit's duty to hand the items over after filing (国务院令第310号第十二条).
fn hand_over(id: i64) -> Duty<'static> {
    duty(id, "hand_over_items")
}

/// 国务院令第310号第十二条: once the police file a transferred case, the transferring unit
/// hands over the items involved and the other materials within 3 days of the filing notice.
/// The notice is issued on the platform, so it reaches the unit the day the case is filed.
async fn open_handover(
    tx: &mut Tx,
    cal: &Calendar,
    periods: Periods,
    who: &Who,
    t: &Transfer,
) -> AppResult<()> {
    open_clock(
        tx,
        cal,
        who,
        t,
        TransferClock {
            clause: flow::HANDOVER_CLAUSE,
            purpose: "将涉案物品及与案件有关的其他材料移交公安机关并办理交接手续",
            start_event: "接到立案通知书",
            start: who.today(),
            rule: periods.handover(),
            owner: t.from_unit_id,
        },
    )
    .await?;
    let link = format!("/transfers/{}", t.id);
    add_duty(
        tx,
        who,
        hand_over(t.id),
        Holder::Unit(t.from_unit_id),
        &format!("移送案件{}已立案，请移交涉案物品", t.code),
        &link,
        None,
        false,
    )
    .await?;
    Ok(())
}

impl crate::procedure::Record for Transfer {
    const TABLE: &'static str = "transfers";
    const CHANGED: &'static str = "移送案件状态已被他人更新，请刷新页面后重试";
    fn state_code(&self) -> &str {
        &self.state
    }
    async fn read(tx: &mut Tx, id: i64) -> Result<Option<Self>, sqlx::Error> {
        store::get_tx(tx, id).await
    }
}

impl crate::procedure::Procedure for Transfer {
    type Step = Step;
    type State = TransferState;
    async fn visible(db: &Db, actor: &Actor, id: i64) -> AppResult<Option<Self>> {
        let scope = store::read_scope(actor)?;
        Ok(store::get(db, &scope, id).await?)
    }
    async fn authorise(
        db: &Db,
        actor: &Actor,
        visible: &Self,
        step: Step,
    ) -> AppResult<TransferState> {
        // 004 一(二): on a withheld transfer only its own units and the people named on it
        // act, as only they see its content.
        if visible.is_withheld()
            && !crate::secrecy::may_see(
                &db.pool,
                store::RESOURCE,
                visible.id,
                true,
                &visible.owner_units(),
                actor,
            )
            .await?
        {
            return Err(AppError::conflict(
                "not_entitled",
                "该移送案件已按保密规定限定知悉范围，您不在知悉范围内，不能办理",
            ));
        }
        let office = store::office_covers(db, actor, visible).await?;
        let standing = store::standing(actor, visible, office);
        let next = flow::check_with(
            visible.direction()?,
            visible.state()?,
            step,
            &actor.roles,
            standing,
            visible.pending(),
        )
        .map_err(refused)?;
        flow::check_once(step, visible.done()).map_err(refused)?;
        Ok(next)
    }
    /// A once-only step leaves the state as it is, so the locked record is checked again: of
    /// two at once, the second sees the first's.
    fn recheck(locked: &Self, step: Step) -> AppResult<()> {
        flow::check_once(step, locked.done()).map_err(refused)
    }
}

/// Authorise `step` on transfer `id` and open its transaction (the kernel's pipeline).
async fn begin(
    db: &Db,
    actor: &Actor,
    id: i64,
    step: Step,
) -> AppResult<(Tx, Transfer, TransferState)> {
    crate::procedure::begin::<Transfer>(db, actor, id, step).await
}

/// Register a transfer to the police (004 二(一)) or a hand-back to market regulation
/// (004 二(三)) as a draft of the sending unit; the package is assembled before it is sent.
pub async fn create(
    db: &Db,
    cal: &Calendar,
    actor: &Actor,
    who: &Who,
    direction: Direction,
    input: &TransferInput,
) -> AppResult<i64> {
    actor.require(Resource::Linkage, Action::Create)?;
    if !unit_role(actor) {
        return Err(AppError::Forbidden);
    }
    let new = NewTransfer::parse(input, direction, who.today())?;
    // Read checks on the pool come before the write transaction: on SQLite that transaction
    // holds the write lock and a connection, and must not wait for a second one.
    if let Some(case_id) = new.case_id {
        let scope = actor.scope(Resource::Case, Action::Read);
        let visible = match scope {
            Some(s) => crate::cases::store::get(db, &s, case_id).await?.is_some(),
            None => false,
        };
        if !visible {
            return Err(AppError::field(
                "case_id",
                "not_found",
                "关联的督办案件不存在",
            ));
        }
    }
    let mut tx = db.begin().await?;
    let from_kind = unit_kind(&mut tx, actor.unit_id, "from_unit_id").await?;
    let to_kind = unit_kind(&mut tx, new.to_unit_id, "to_unit_id").await?;
    model::check_units(direction, &from_kind, &to_kind)?;
    crate::units::store::require_named(
        &mut tx,
        new.to_unit_id,
        "to_unit_id",
        "接收单位不存在或已停用",
        crate::access::jurisdiction::Reach::SameCity,
        &actor.unit_region,
    )
    .await?;
    let year = who.today().year();
    let prefix = if direction == Direction::ToPolice {
        "移"
    } else {
        "交"
    };
    let n = crate::numbering::next_number(&mut tx, &format!("transfer:{prefix}"), year).await?;
    let code = format!("{prefix}{year}-{n:04}");
    let now = who.at_text();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO transfers (code, direction, situation, title, facts, suspects, amount_fen, penalty_number, \
         from_unit_id, to_unit_id, case_id, state, police_decided_on, withheld, secrecy_basis, created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'draft', $12, $13, $14, $15, $16, $16) RETURNING id",
    )
    .bind(&code)
    .bind(direction.code())
    .bind(new.situation.code())
    .bind(&new.title)
    .bind(&new.facts)
    .bind(&new.suspects)
    .bind(new.amount.map(|a| a.as_i64()))
    .bind(&new.penalty_number)
    .bind(actor.unit_id)
    .bind(new.to_unit_id)
    .bind(new.case_id)
    .bind(new.police_decided_on.map(|d| d.to_string()))
    .bind(i64::from(new.secrecy.is_some()))
    .bind(new.secrecy.as_ref().map(|s| s.basis.clone()))
    .bind(actor.user_id)
    .bind(&now)
    .fetch_one(&mut *tx)
    .await?;
    for it in &new.items {
        sqlx::query(
            "INSERT INTO transfer_items (transfer_id, name, quantity, unit, storage) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id)
        .bind(&it.name)
        .bind(&it.quantity)
        .bind(&it.unit)
        .bind(&it.storage)
        .execute(&mut *tx)
        .await?;
    }
    // The receiver becomes a party when the transfer is sent: a draft has not left the unit.
    store::add_party(&mut tx, who, id, actor.unit_id, "sender").await?;
    if let Some(s) = &new.secrecy {
        crate::secrecy::grant(&mut tx, store::RESOURCE, id, &s.user_ids).await?;
    }
    if let Some(report) = new.public_report_id {
        // A public report this unit handles, transferred: linked both ways in this transaction.
        crate::public_reports::store::link(
            &mut tx,
            actor,
            who,
            report,
            crate::public_reports::flow::Conversion::Transfer,
            id,
        )
        .await?;
    }
    let t = store::get_tx(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if let Some(decided) = new.police_decided_on {
        // 004 二(三): the 10 days run from the police's decision, not from the record.
        open_clock(
            &mut tx,
            cal,
            who,
            &t,
            TransferClock {
                clause: flow::HANDBACK_CLAUSE,
                purpose: "将案件材料和扣押财物清单移交市场监管部门",
                start_event: "公安机关决定不构成犯罪、需给予行政处罚",
                start: decided,
                rule: Period::Days(flow::HANDBACK_DAYS),
                owner: actor.unit_id,
            },
        )
        .await?;
    }
    store::event(
        &mut tx,
        id,
        who,
        "created",
        &format!(
            "登记{}（{}），接收单位{}{}",
            direction.label(),
            new.situation.label(),
            t.to_unit_name,
            if new.secrecy.is_some() {
                "；标注涉密"
            } else {
                ""
            }
        ),
    )
    .await?;
    finish(tx, who, entry("transfer.create", &t, json!({"code": code, "direction": direction.code(), "to_unit_id": new.to_unit_id, "withheld": new.secrecy.is_some()})),
    )
    .await?;
    Ok(id)
}

/// Add a file to the package (type checked by content, 20 MB, SHA-256), optionally withheld.
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
    secrecy: Option<Secrecy>,
) -> AppResult<i64> {
    let kind = EvidenceKind::parse(kind)
        .ok_or_else(|| AppError::field("kind", "invalid_choice", "请选择材料类别"))?;
    let upload = crate::domain::upload::check("file", filename, &bytes)?;
    let text = crate::search::extract::text_of(upload.mime, &bytes).await;
    let description = crate::domain::text::optional("description", "说明", Some(description), 200)?;
    let (mut tx, t, _) = begin(db, actor, id, Step::Attach).await?;
    let sha = crate::domain::hex(&sha2::Sha256::digest(&bytes));
    let size = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
    let aid: i64 = sqlx::query_scalar(
        "INSERT INTO transfer_attachments (transfer_id, kind, filename, mime, size, sha256, description, content, text_content, \
         withheld, secrecy_basis, uploaded_by, uploaded_by_unit, uploaded_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id",
    )
    .bind(id)
    .bind(kind.code())
    .bind(&upload.filename)
    .bind(upload.mime)
    .bind(size)
    .bind(&sha)
    .bind(&description)
    .bind(bytes)
    .bind(&text)
    .bind(i64::from(secrecy.is_some()))
    .bind(secrecy.as_ref().map(|s| s.basis.clone()))
    .bind(actor.user_id)
    .bind(actor.unit_id)
    .bind(who.at_text())
    .fetch_one(&mut *tx)
    .await?;
    if let Some(s) = &secrecy {
        crate::secrecy::grant(&mut tx, store::ATTACHMENT_RESOURCE, aid, &s.user_ids).await?;
    }
    // A withheld file's name is content too: the timeline names only its kind.
    let shown = if secrecy.is_some() {
        format!("{}（涉密）", kind.label())
    } else {
        format!(
            "{}《{}》（{} 字节，SHA-256 {}）",
            kind.label(),
            upload.filename,
            size,
            &sha[..16]
        )
    };
    store::event(&mut tx, id, who, "attached", &format!("上传{shown}")).await?;
    finish(tx, who, entry("transfer.attach", &t, json!({"attachment_id": aid, "kind": kind.code(), "size": size, "sha256": sha, "withheld": secrecy.is_some()})),
    )
    .await?;
    Ok(aid)
}

/// Send the package: it must be complete (国务院令第310号第六条; 004 二(三)); the transfer or
/// hand-back letter is issued and the receiving unit gets a to-do.
pub async fn send(ctx: &Ctx, periods: Periods, actor: &Actor, who: &Who, id: i64) -> AppResult<()> {
    let cal = ctx.calendar();
    let (mut tx, t, next) = begin(&ctx.db, actor, id, Step::Send).await?;
    let situation = model::Situation::parse(&t.situation)
        .ok_or_else(|| AppError::internal("transfer situation"))?;
    let kinds: Vec<EvidenceKind> = store::attachments(&mut *tx, id)
        .await?
        .iter()
        .filter_map(|a| EvidenceKind::parse(&a.kind))
        .collect();
    let items = store::items(&mut *tx, id).await?;
    let missing = model::missing_materials(situation, &kinds, items.len());
    if !missing.is_empty() {
        return Err(AppError::conflict(
            "package_incomplete",
            format!("移送材料不全，请先上传：{}", missing.join("、")),
        ));
    }
    if next == TransferState::AwaitingHead {
        return propose(tx, &cal, periods, who, &t, Step::Send, "").await;
    }
    if t.state == TransferState::AwaitingHead.code() {
        // 国务院令第310号第五条: approved, and sent at once (well within the 24 hours).
        met(&mut tx, &cal, who, id, flow::APPROVAL_CLAUSE).await?;
    }
    sqlx::query("UPDATE transfers SET sent_on = $1 WHERE id = $2")
        .bind(who.today().to_string())
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let t = Transfer {
        sent_on: Some(who.today().to_string()),
        ..t
    };
    let kind = if t.direction()? == Direction::ToPolice {
        // 国务院令第310号 art. 8: the police review within 3 days of receiving the transfer,
        // and it reaches them when it is sent, whenever they sign for it.
        open_clock(
            &mut tx,
            &cal,
            who,
            &t,
            TransferClock {
                clause: flow::REVIEW_CLAUSE,
                purpose: "审查移送案件并作出是否立案的决定",
                start_event: "移送案件送达公安机关",
                start: who.today(),
                rule: periods.review(),
                owner: t.to_unit_id,
            },
        )
        .await?;
        DocKind::TransferLetter
    } else {
        met(&mut tx, &cal, who, id, flow::HANDBACK_CLAUSE).await?;
        DocKind::HandBackLetter
    };
    let number = documents::issue(ctx, &mut tx, who, kind, &t, "").await?;
    set_state(&mut tx, who, &t, next).await?;
    store::add_party(&mut tx, who, id, t.to_unit_id, "receiver").await?;
    store::event(
        &mut tx,
        id,
        who,
        "sent",
        &format!("{}，{}{}", t.direction_label(), kind.title(), number),
    )
    .await?;
    let title = format!("收到{}{}，请签收", kind.title(), number);
    let link = format!("/transfers/{id}");
    notify_unit(
        &mut tx,
        who,
        t.to_unit_id,
        &title,
        &format!("{}移送：{}", t.from_unit_name, t.code),
        &link,
    )
    .await?;
    add_duty(
        &mut tx,
        who,
        sign_for(id),
        Holder::Unit(t.to_unit_id),
        &title,
        &link,
        None,
        false,
    )
    .await?;
    finish(
        tx,
        who,
        entry("transfer.send", &t, json!({"number": number})),
    )
    .await
}

/// The receiving unit signs for the transfer.
pub async fn receive(db: &Db, actor: &Actor, who: &Who, id: i64) -> AppResult<()> {
    let (mut tx, t, next) = begin(db, actor, id, Step::Receive).await?;
    sqlx::query("UPDATE transfers SET received_on = $1 WHERE id = $2")
        .bind(who.today().to_string())
        .bind(id)
        .execute(&mut *tx)
        .await?;
    // The review clock (国务院令第310号 art. 8) has run since the transfer was sent.
    set_state(&mut tx, who, &t, next).await?;
    store::event(
        &mut tx,
        id,
        who,
        "received",
        &format!("{}签收", t.to_unit_name),
    )
    .await?;
    finish(tx, who, entry("transfer.receive", &t, json!({}))).await
}

/// 004 二(二): the police file the case, with a written notice to the transferring unit.
/// Also the end of a reconsideration that reverses the refusal.
pub async fn file(
    ctx: &Ctx,
    periods: Periods,
    actor: &Actor,
    who: &Who,
    id: i64,
    step: Step,
    note: &str,
) -> AppResult<()> {
    let cal = ctx.calendar();
    let note = crate::domain::text::optional("text", "说明", Some(note), 500)?.unwrap_or_default();
    let (tx, t, next) = begin(&ctx.db, actor, id, step).await?;
    if next == TransferState::AwaitingHead {
        return propose(tx, &cal, periods, who, &t, step, &note).await;
    }
    // Approving a proposal issues its text as it stands under the lock.
    let note = locked_text(&t, note);
    let mut tx = tx;
    let clause = if step == Step::ReconsiderFile {
        flow::RECONSIDER_CLAUSE
    } else {
        flow::REVIEW_CLAUSE
    };
    met(&mut tx, &cal, who, id, clause).await?;
    discharge(&mut tx, who, duty(id, DECIDE_RECONSIDERATION)).await?;
    sqlx::query("UPDATE transfers SET decided_on = $1, decision = $2, reconsideration = CASE WHEN $3 = 1 THEN 'filed' ELSE reconsideration END WHERE id = $4")
        .bind(who.today().to_string())
        .bind(if note.is_empty() { "立案".to_string() } else { format!("立案：{note}") })
        .bind(i64::from(step == Step::ReconsiderFile))
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let number = documents::issue(ctx, &mut tx, who, DocKind::FilingNotice, &t, &note).await?;
    open_handover(&mut tx, &cal, periods, who, &t).await?;
    set_state(&mut tx, who, &t, next).await?;
    store::event(
        &mut tx,
        id,
        who,
        "filed",
        &format!(
            "{}，{}{}",
            step.label(),
            DocKind::FilingNotice.title(),
            number
        ),
    )
    .await?;
    notify_unit(
        &mut tx,
        who,
        t.from_unit_id,
        &format!("移送案件{}已立案", t.code),
        &number,
        &format!("/transfers/{id}"),
    )
    .await?;
    finish(
        tx,
        who,
        entry(
            "transfer.file",
            &t,
            json!({"number": number, "step": step.code()}),
        ),
    )
    .await
}

/// 004 二(二): the police refuse with written reasons and return the file; the transferring
/// unit's 3-day window for reconsideration or supervision opens on the day it is served.
pub async fn refuse(
    ctx: &Ctx,
    periods: Periods,
    actor: &Actor,
    who: &Who,
    id: i64,
    reasons: &str,
) -> AppResult<()> {
    let cal = ctx.calendar();
    let reasons = crate::domain::text::required_long("text", "不予立案的理由", reasons, 2000)?;
    let (tx, t, next) = begin(&ctx.db, actor, id, Step::Refuse).await?;
    if next == TransferState::AwaitingHead {
        return propose(tx, &cal, periods, who, &t, Step::Refuse, &reasons).await;
    }
    let reasons = locked_text(&t, reasons);
    let mut tx = tx;
    met(&mut tx, &cal, who, id, flow::REVIEW_CLAUSE).await?;
    let served = who.today();
    sqlx::query("UPDATE transfers SET decided_on = $1, served_on = $1, decision = $2, refused = 1, late_exception = NULL WHERE id = $3")
        .bind(served.to_string())
        .bind(&reasons)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let number =
        documents::issue(ctx, &mut tx, who, DocKind::NonFilingNotice, &t, &reasons).await?;
    open_clock(
        &mut tx,
        &cal,
        who,
        &t,
        TransferClock {
            clause: flow::REQUEST_CLAUSE,
            purpose: "提请复议或建议检察院立案监督（可选）",
            start_event: "接到不予立案通知书",
            start: served,
            rule: Period::Days(flow::REQUEST_DAYS),
            owner: t.from_unit_id,
        },
    )
    .await?;
    set_state(&mut tx, who, &t, next).await?;
    store::event(
        &mut tx,
        id,
        who,
        "refused",
        &format!(
            "决定不予立案并退回案卷材料，{}{}",
            DocKind::NonFilingNotice.title(),
            number
        ),
    )
    .await?;
    let title = format!("移送案件{}不予立案：3日内可提请复议或建议立案监督", t.code);
    notify_unit(
        &mut tx,
        who,
        t.from_unit_id,
        &title,
        &number,
        &format!("/transfers/{id}"),
    )
    .await?;
    respond_duty(&mut tx, &cal, who, &t, served, &title).await?;
    finish(
        tx,
        who,
        entry("transfer.refuse", &t, json!({"number": number})),
    )
    .await
}

/// The closing day of the window the transfer is in (after a refusal, or after an upheld
/// reconsideration), and whether the office admitted a late request.
fn window(cal: &Calendar, t: &Transfer) -> AppResult<NaiveDate> {
    let served = served_on(t)?;
    flow::request_window_closes(cal, served)
        .map_err(|e| AppError::conflict("calendar", e.to_string()))
}

/// The day the current notice counts from (its service date, or the day it was made).
fn served_on(t: &Transfer) -> AppResult<NaiveDate> {
    stored_date(t.served_on.as_deref())
        .ok_or_else(|| AppError::internal("refusal without service date"))
}

fn stored_date(s: Option<&str>) -> Option<NaiveDate> {
    s.and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
}

/// A date a step records (`on`) cannot precede the event it follows (`earliest`, if any):
/// 422 on `date`, saying which event.
fn not_before(on: NaiveDate, earliest: Option<NaiveDate>, what: &str) -> AppResult<()> {
    match earliest {
        Some(e) if on < e => Err(AppError::field(
            "date",
            "out_of_range",
            format!("{what}（{}）", crate::calendar::format_date_zh(e)),
        )),
        _ => Ok(()),
    }
}

fn window_clause(t: &Transfer) -> &'static str {
    if t.state == TransferState::Upheld.code() {
        flow::SUPERVISION_WINDOW_CLAUSE
    } else {
        flow::REQUEST_CLAUSE
    }
}

/// 004 二(二): ask the police to reconsider, within 3 days of the refusal notice.
pub async fn request_reconsideration(
    ctx: &Ctx,
    periods: Periods,
    actor: &Actor,
    who: &Who,
    id: i64,
    reasons: &str,
) -> AppResult<()> {
    let cal = ctx.calendar();
    let reasons = crate::domain::text::required_long("text", "提请复议的理由", reasons, 2000)?;
    let (mut tx, t, next) = begin(&ctx.db, actor, id, Step::RequestReconsideration).await?;
    flow::check_window(window(&cal, &t)?, who.today(), t.late_exception.is_some())
        .map_err(refused)?;
    met(&mut tx, &cal, who, id, flow::REQUEST_CLAUSE).await?;
    discharge(&mut tx, who, duty(id, RESPOND)).await?;
    sqlx::query("UPDATE transfers SET reconsideration = 'requested' WHERE id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let number = documents::issue(
        ctx,
        &mut tx,
        who,
        DocKind::ReconsiderationRequest,
        &t,
        &reasons,
    )
    .await?;
    open_clock(
        &mut tx,
        &cal,
        who,
        &t,
        TransferClock {
            clause: flow::RECONSIDER_CLAUSE,
            purpose: "作出复议决定并书面通知移送机关",
            start_event: "收到提请复议书",
            start: who.today(),
            rule: periods.reconsider(),
            owner: t.to_unit_id,
        },
    )
    .await?;
    set_state(&mut tx, who, &t, next).await?;
    store::event(
        &mut tx,
        id,
        who,
        "reconsideration_requested",
        &format!(
            "提请复议，{}{}",
            DocKind::ReconsiderationRequest.title(),
            number
        ),
    )
    .await?;
    let title = format!("收到{}{}", DocKind::ReconsiderationRequest.title(), number);
    notify_unit(
        &mut tx,
        who,
        t.to_unit_id,
        &title,
        &t.code,
        &format!("/transfers/{id}"),
    )
    .await?;
    let due = cal
        .due_date(who.today(), periods.reconsider())
        .map_err(|e| AppError::conflict("calendar", e.to_string()))?;
    add_duty(
        &mut tx,
        who,
        duty(id, DECIDE_RECONSIDERATION),
        Holder::Unit(t.to_unit_id),
        &format!("{title}，请作出复议决定"),
        &format!("/transfers/{id}"),
        Some(&due.to_string()),
        false,
    )
    .await?;
    finish(
        tx,
        who,
        entry(
            "transfer.request_reconsideration",
            &t,
            json!({"number": number, "late_exception": t.late_exception.is_some()}),
        ),
    )
    .await
}

/// 004 二(二): suggest that the procuratorate supervise the filing — after the refusal, or
/// after the reconsideration upheld it (国务院令第310号第九条), within 3 days.
pub async fn suggest_supervision(
    db: &Db,
    cal: &Calendar,
    actor: &Actor,
    who: &Who,
    id: i64,
    procuratorate: Option<i64>,
    reasons: &str,
) -> AppResult<()> {
    let reasons = crate::domain::text::required_long("text", "建议立案监督的理由", reasons, 2000)?;
    let procuratorate = procuratorate
        .ok_or_else(|| AppError::field("procuratorate_unit_id", "required", "请选择人民检察院"))?;
    let (mut tx, t, next) = begin(db, actor, id, Step::SuggestSupervision).await?;
    if unit_kind(&mut tx, procuratorate, "procuratorate_unit_id").await? != "procuratorate" {
        return Err(AppError::field(
            "procuratorate_unit_id",
            "invalid_choice",
            "应选择人民检察院",
        ));
    }
    // The procuratorate at the same level as the police organ that refused (同级人民检察院).
    let police = crate::units::store::region_of(&mut tx, t.to_unit_id).await?;
    crate::units::store::require_named(
        &mut tx,
        procuratorate,
        "procuratorate_unit_id",
        "人民检察院不存在或已停用",
        crate::access::jurisdiction::Reach::SameLevel,
        &police,
    )
    .await?;
    flow::check_window(window(cal, &t)?, who.today(), t.late_exception.is_some())
        .map_err(refused)?;
    met(&mut tx, cal, who, id, window_clause(&t)).await?;
    discharge(&mut tx, who, duty(id, RESPOND)).await?;
    sqlx::query(
        "UPDATE transfers SET procuratorate_unit_id = $1, supervision = 'requested' WHERE id = $2",
    )
    .bind(procuratorate)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    store::add_party(&mut tx, who, id, procuratorate, "procuratorate").await?;
    set_state(&mut tx, who, &t, next).await?;
    store::event(
        &mut tx,
        id,
        who,
        "supervision_suggested",
        &format!("建议人民检察院依法进行立案监督：{reasons}"),
    )
    .await?;
    let title = format!("建议立案监督：{}", t.code);
    notify_unit(
        &mut tx,
        who,
        procuratorate,
        &title,
        &t.from_unit_name,
        &format!("/transfers/{id}"),
    )
    .await?;
    add_duty(
        &mut tx,
        who,
        duty(id, SUPERVISE),
        Holder::Unit(procuratorate),
        &title,
        &format!("/transfers/{id}"),
        None,
        false,
    )
    .await?;
    finish(
        tx,
        who,
        entry(
            "transfer.suggest_supervision",
            &t,
            json!({"procuratorate_unit_id": procuratorate}),
        ),
    )
    .await
}

/// The police uphold the refusal on reconsideration; the sender may still suggest supervision
/// within 3 days of this decision.
pub async fn reconsider_uphold(
    ctx: &Ctx,
    periods: Periods,
    actor: &Actor,
    who: &Who,
    id: i64,
    reasons: &str,
) -> AppResult<()> {
    let cal = &ctx.calendar();
    let reasons = crate::domain::text::required_long("text", "复议维持的理由", reasons, 2000)?;
    let (tx, t, next) = begin(&ctx.db, actor, id, Step::ReconsiderUphold).await?;
    if next == TransferState::AwaitingHead {
        return propose(tx, cal, periods, who, &t, Step::ReconsiderUphold, &reasons).await;
    }
    let reasons = locked_text(&t, reasons);
    let mut tx = tx;
    met(&mut tx, cal, who, id, flow::RECONSIDER_CLAUSE).await?;
    discharge(&mut tx, who, duty(id, DECIDE_RECONSIDERATION)).await?;
    // 004 二(二): the upheld refusal is a written decision (复议决定书), served on the
    // transferring unit, whose window runs from its receipt.
    let number = documents::issue(
        ctx,
        &mut tx,
        who,
        DocKind::ReconsiderationDecision,
        &t,
        &reasons,
    )
    .await?;
    sqlx::query("UPDATE transfers SET reconsideration = 'upheld', served_on = $1, service_recorded = 0, decision = $2, late_exception = NULL WHERE id = $3")
        .bind(who.today().to_string())
        .bind(&reasons)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    open_clock(
        &mut tx,
        cal,
        who,
        &t,
        TransferClock {
            clause: flow::SUPERVISION_WINDOW_CLAUSE,
            purpose: "复议后建议检察院立案监督（可选）",
            start_event: "接到复议决定通知",
            start: who.today(),
            rule: Period::Days(flow::REQUEST_DAYS),
            owner: t.from_unit_id,
        },
    )
    .await?;
    set_state(&mut tx, who, &t, next).await?;
    store::event(
        &mut tx,
        id,
        who,
        "reconsideration_upheld",
        &format!(
            "复议决定维持不予立案，{}{number}：{reasons}",
            DocKind::ReconsiderationDecision.title()
        ),
    )
    .await?;
    let title = format!("移送案件{}复议维持不予立案：3日内可建议立案监督", t.code);
    notify_unit(
        &mut tx,
        who,
        t.from_unit_id,
        &title,
        &number,
        &format!("/transfers/{id}"),
    )
    .await?;
    respond_duty(&mut tx, cal, who, &t, who.today(), &title).await?;
    finish(
        tx,
        who,
        entry("transfer.reconsider_uphold", &t, json!({"number": number})),
    )
    .await
}

/// The procuratorate records how its filing supervision ended.
pub async fn supervision_outcome(
    ctx: &Ctx,
    periods: Periods,
    actor: &Actor,
    who: &Who,
    id: i64,
    step: Step,
    note: &str,
) -> AppResult<()> {
    let note = crate::domain::text::required_long("text", "监督情况", note, 2000)?;
    let cal = &ctx.calendar();
    let (mut tx, t, next) = begin(&ctx.db, actor, id, step).await?;
    let outcome = if step == Step::SupervisionFiled {
        "filed"
    } else {
        "sustained"
    };
    discharge(&mut tx, who, duty(id, SUPERVISE)).await?;
    sqlx::query("UPDATE transfers SET supervision = $1 WHERE id = $2")
        .bind(outcome)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    if step == Step::SupervisionFiled {
        sqlx::query("UPDATE transfers SET decided_on = $1, decision = '经检察院立案监督后立案' WHERE id = $2")
            .bind(who.today().to_string())
            .bind(id)
            .execute(&mut *tx)
            .await?;
        open_handover(&mut tx, cal, periods, who, &t).await?;
    }
    set_state(&mut tx, who, &t, next).await?;
    store::event(
        &mut tx,
        id,
        who,
        "supervision_outcome",
        &format!("{}：{note}", step.label()),
    )
    .await?;
    for u in [t.from_unit_id, t.to_unit_id] {
        notify_unit(
            &mut tx,
            who,
            u,
            &format!("移送案件{}立案监督结果：{}", t.code, step.label()),
            &note,
            &format!("/transfers/{id}"),
        )
        .await?;
    }
    finish(
        tx,
        who,
        entry("transfer.supervision", &t, json!({"outcome": outcome})),
    )
    .await
}

/// The transferring unit accepts the refusal; an unused window is waived, not missed.
pub async fn accept_refusal(
    db: &Db,
    cal: &Calendar,
    actor: &Actor,
    who: &Who,
    id: i64,
) -> AppResult<()> {
    let (mut tx, t, next) = begin(db, actor, id, Step::AcceptRefusal).await?;
    // An open window is waived; one that already lapsed stays as it ended.
    let reason = "移送机关接受不予立案决定".to_string();
    discharge(&mut tx, who, duty(id, RESPOND)).await?;
    settle(
        &mut tx,
        cal,
        who,
        id,
        window_clause(&t),
        Change::Waive { reason },
    )
    .await?;
    set_state(&mut tx, who, &t, next).await?;
    store::event(
        &mut tx,
        id,
        who,
        "refusal_accepted",
        "移送机关接受不予立案决定，本案移送程序终结",
    )
    .await?;
    finish(tx, who, entry("transfer.accept_refusal", &t, json!({}))).await
}

/// The office admits a request after the window closed, with its reasons.
pub async fn grant_exception(
    db: &Db,
    cal: &Calendar,
    actor: &Actor,
    who: &Who,
    id: i64,
    reasons: &str,
) -> AppResult<()> {
    let reasons = crate::domain::text::required_long("text", "例外情形的理由", reasons, 1000)?;
    let (mut tx, t, _) = begin(db, actor, id, Step::GrantException).await?;
    let closes = window(cal, &t)?;
    flow::check_exception(closes, who.today()).map_err(refused)?;
    sqlx::query("UPDATE transfers SET late_exception = $1 WHERE id = $2")
        .bind(&reasons)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    store::event(
        &mut tx,
        id,
        who,
        "exception",
        &format!("期限已于{closes}届满，双打办登记例外情形，准予逾期提出：{reasons}"),
    )
    .await?;
    let title = format!("移送案件{}：准予逾期提请复议或建议立案监督", t.code);
    notify_unit(
        &mut tx,
        who,
        t.from_unit_id,
        &title,
        &reasons,
        &format!("/transfers/{id}"),
    )
    .await?;
    add_duty(
        &mut tx,
        who,
        duty(id, RESPOND),
        Holder::Unit(t.from_unit_id),
        &title,
        &format!("/transfers/{id}"),
        None,
        false,
    )
    .await?;
    finish(
        tx,
        who,
        entry(
            "transfer.grant_exception",
            &t,
            json!({"closed_on": closes.to_string()}),
        ),
    )
    .await
}

/// 004 二(三): market regulation records its decision on a hand-back; the 10 days for the
/// written result run from that decision.
pub async fn record_decision(
    db: &Db,
    cal: &Calendar,
    actor: &Actor,
    who: &Who,
    id: i64,
    on: Option<&str>,
    decision: &str,
) -> AppResult<()> {
    let on = model::past_date("date", "处理决定日期", on, who.today())?;
    let decision = crate::domain::text::required_long("text", "处理决定", decision, 2000)?;
    let (mut tx, t, next) = begin(db, actor, id, Step::RecordDecision).await?;
    not_before(
        on,
        stored_date(t.received_on.as_deref()),
        "处理决定日期不能早于接收日期",
    )?;
    sqlx::query("UPDATE transfers SET decided_on = $1, decision = $2 WHERE id = $3")
        .bind(on.to_string())
        .bind(&decision)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    open_clock(
        &mut tx,
        cal,
        who,
        &t,
        TransferClock {
            clause: flow::FEEDBACK_CLAUSE,
            purpose: "将处理结果书面反馈移交的公安机关",
            start_event: "市场监管部门作出处理决定",
            start: on,
            rule: Period::Days(flow::FEEDBACK_DAYS),
            owner: t.to_unit_id,
        },
    )
    .await?;
    set_state(&mut tx, who, &t, next).await?;
    store::event(
        &mut tx,
        id,
        who,
        "decided",
        &format!("{on}作出处理决定：{decision}"),
    )
    .await?;
    finish(
        tx,
        who,
        entry(
            "transfer.record_decision",
            &t,
            json!({"decided_on": on.to_string()}),
        ),
    )
    .await
}

/// 004 二(三): the written result goes back to the police.
pub async fn report_result(
    ctx: &Ctx,
    actor: &Actor,
    who: &Who,
    id: i64,
    text: &str,
) -> AppResult<()> {
    let cal = &ctx.calendar();
    let text = crate::domain::text::required_long("text", "处理结果", text, 2000)?;
    let (mut tx, t, next) = begin(&ctx.db, actor, id, Step::ReportResult).await?;
    met(&mut tx, cal, who, id, flow::FEEDBACK_CLAUSE).await?;
    let number = documents::issue(ctx, &mut tx, who, DocKind::ResultFeedback, &t, &text).await?;
    set_state(&mut tx, who, &t, next).await?;
    store::event(
        &mut tx,
        id,
        who,
        "result_reported",
        &format!(
            "书面反馈处理结果，{}{number}：{text}",
            DocKind::ResultFeedback.title()
        ),
    )
    .await?;
    notify_unit(
        &mut tx,
        who,
        t.from_unit_id,
        &format!("移交案件{}处理结果反馈", t.code),
        &number,
        &format!("/transfers/{id}"),
    )
    .await?;
    finish(
        tx,
        who,
        entry("transfer.report_result", &t, json!({"number": number})),
    )
    .await
}

/// 004 二(二): the transferring unit records the day the non-filing notice (or the decision
/// upholding it) reached it; the 3-day window for reconsideration or supervision runs from
/// that day, not from the day the notice was made.
pub async fn record_service(
    db: &Db,
    cal: &Calendar,
    actor: &Actor,
    who: &Who,
    id: i64,
    on: Option<&str>,
) -> AppResult<()> {
    let on = model::past_date("date", "送达日期", on, who.today())?;
    let (mut tx, t, _) = begin(db, actor, id, Step::RecordService).await?;
    not_before(on, Some(served_on(&t)?), "送达日期不能早于通知书作出日期")?;
    flow::check_service(window(cal, &t)?, who.today()).map_err(refused)?;
    sqlx::query("UPDATE transfers SET served_on = $1, service_recorded = 1 WHERE id = $2")
        .bind(on.to_string())
        .bind(id)
        .execute(&mut *tx)
        .await?;
    settle(
        &mut tx,
        cal,
        who,
        id,
        window_clause(&t),
        Change::Restart {
            start: on,
            reason: "移送机关登记的通知书送达日期".into(),
        },
    )
    .await?;
    let closes = flow::request_window_closes(cal, on)
        .map_err(|e| AppError::conflict("calendar", e.to_string()))?;
    crate::notify::store::reschedule(&mut tx, duty(id, RESPOND), &closes.to_string()).await?;
    store::event(
        &mut tx,
        id,
        who,
        "service_recorded",
        &format!(
            "登记通知书送达日期为{}，提请复议或建议立案监督的期限至{}届满",
            crate::calendar::format_date_zh(on),
            crate::calendar::format_date_zh(closes)
        ),
    )
    .await?;
    finish(
        tx,
        who,
        entry(
            "transfer.record_service",
            &t,
            json!({"served_on": on.to_string(), "window_closes": closes.to_string()}),
        ),
    )
    .await
}

/// 国务院令第310号第十二条: the transferring unit records that it handed the items involved
/// and the other materials over to the police, on which day and what; the clock opened at
/// filing is met on that day.
pub async fn hand_over_items(
    db: &Db,
    cal: &Calendar,
    actor: &Actor,
    who: &Who,
    id: i64,
    on: Option<&str>,
    note: &str,
) -> AppResult<()> {
    let on = model::past_date("date", "移交日期", on, who.today())?;
    let note = crate::domain::text::required_long("text", "移交的涉案物品和材料", note, 2000)?;
    let (mut tx, t, _) = begin(db, actor, id, Step::HandOverItems).await?;
    not_before(
        on,
        stored_date(t.decided_on.as_deref()),
        "移交日期不能早于立案日期",
    )?;
    sqlx::query(
        "UPDATE transfers SET items_handed_over_on = $1, items_handover_note = $2 WHERE id = $3",
    )
    .bind(on.to_string())
    .bind(&note)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    settle(
        &mut tx,
        cal,
        who,
        id,
        flow::HANDOVER_CLAUSE,
        Change::Met { on },
    )
    .await?;
    discharge(&mut tx, who, hand_over(id)).await?;
    store::event(
        &mut tx,
        id,
        who,
        "items_handed_over",
        &format!(
            "{}将涉案物品及有关材料移交公安机关：{note}",
            crate::calendar::format_date_zh(on)
        ),
    )
    .await?;
    // 004 一(二): a withheld transfer's content goes to the people named on it, not in a
    // notice to the whole unit.
    let body = if t.is_withheld() {
        crate::secrecy::WITHHELD_TEXT.to_string()
    } else {
        note.clone()
    };
    notify_unit(
        &mut tx,
        who,
        t.to_unit_id,
        &format!("移送案件{}：移送机关已移交涉案物品", t.code),
        &body,
        &format!("/transfers/{id}"),
    )
    .await?;
    finish(
        tx,
        who,
        entry(
            "transfer.hand_over_items",
            &t,
            json!({"handed_over_on": on.to_string()}),
        ),
    )
    .await
}

/// A step on a transfer as submitted, with exactly the fields it takes (`{"step": …}`).
#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum TransferStep {
    /// 移送 (the sending unit).
    Send,
    /// 签收 (the receiving unit).
    Receive,
    /// 决定立案, with an optional note.
    File {
        #[serde(default, deserialize_with = "crate::web::step::or_default")]
        text: String,
    },
    /// 决定不予立案, with the reasons.
    Refuse {
        #[serde(default, deserialize_with = "crate::web::step::or_default")]
        text: String,
    },
    /// 提请复议, with the reasons.
    RequestReconsideration {
        #[serde(default, deserialize_with = "crate::web::step::or_default")]
        text: String,
    },
    /// 建议检察院立案监督, with the reasons and the procuratorate.
    SuggestSupervision {
        #[serde(default, deserialize_with = "crate::web::step::or_default")]
        text: String,
        #[serde(default, deserialize_with = "crate::web::step::text_or_number")]
        procuratorate_unit_id: Option<String>,
    },
    /// 复议决定立案.
    ReconsiderFile {
        #[serde(default, deserialize_with = "crate::web::step::or_default")]
        text: String,
    },
    /// 复议维持不予立案, with the reasons (the 复议决定书).
    ReconsiderUphold {
        #[serde(default, deserialize_with = "crate::web::step::or_default")]
        text: String,
    },
    /// 监督后公安机关立案 (the procuratorate).
    SupervisionFiled {
        #[serde(default, deserialize_with = "crate::web::step::or_default")]
        text: String,
    },
    /// 不立案理由成立 (the procuratorate).
    SupervisionSustained {
        #[serde(default, deserialize_with = "crate::web::step::or_default")]
        text: String,
    },
    /// 接受不予立案决定.
    AcceptRefusal,
    /// 准予逾期提出 (the office), with the reasons.
    GrantException {
        #[serde(default, deserialize_with = "crate::web::step::or_default")]
        text: String,
    },
    /// 作出处理决定 (a hand-back): its date and content.
    RecordDecision {
        #[serde(default)]
        date: Option<String>,
        #[serde(default, deserialize_with = "crate::web::step::or_default")]
        text: String,
    },
    /// 书面反馈处理结果 (the 处理结果反馈函).
    ReportResult {
        #[serde(default, deserialize_with = "crate::web::step::or_default")]
        text: String,
    },
    /// 登记送达日期: the day the notice reached the transferring unit.
    RecordService {
        #[serde(default)]
        date: Option<String>,
    },
    /// 移交涉案物品: the day and what was handed over.
    HandOverItems {
        #[serde(default)]
        date: Option<String>,
        #[serde(default, deserialize_with = "crate::web::step::or_default")]
        text: String,
    },
    /// 负责人批准 (the organ head), with his opinion (同意 if none): the proposed step takes
    /// effect.
    Approve {
        #[serde(default, deserialize_with = "crate::web::step::or_default")]
        text: String,
    },
    /// 负责人退回 / 不批准移送 (the organ head), with the reasons.
    Return {
        #[serde(default, deserialize_with = "crate::web::step::or_default")]
        text: String,
    },
    /// 撤回提请 (the handlers who proposed it).
    Withdraw,
}

/// Take `input` on transfer `id` as `actor`.
pub async fn run(
    ctx: &Ctx,
    periods: Periods,
    actor: &Actor,
    who: &Who,
    id: i64,
    input: TransferStep,
) -> AppResult<()> {
    use TransferStep as S;
    let db = &ctx.db;
    let cal = ctx.calendar();
    match input {
        S::Send => send(ctx, periods, actor, who, id).await,
        S::Receive => receive(db, actor, who, id).await,
        S::File { text } => file(ctx, periods, actor, who, id, Step::File, &text).await,
        S::ReconsiderFile { text } => {
            file(ctx, periods, actor, who, id, Step::ReconsiderFile, &text).await
        }
        S::Refuse { text } => refuse(ctx, periods, actor, who, id, &text).await,
        S::RequestReconsideration { text } => {
            request_reconsideration(ctx, periods, actor, who, id, &text).await
        }
        S::SuggestSupervision {
            text,
            procuratorate_unit_id,
        } => {
            let p = match procuratorate_unit_id.as_deref().map(str::trim) {
                None | Some("") => None,
                Some(v) => Some(crate::domain::text::id(
                    "procuratorate_unit_id",
                    "人民检察院",
                    v,
                )?),
            };
            suggest_supervision(db, &cal, actor, who, id, p, &text).await
        }
        S::ReconsiderUphold { text } => {
            reconsider_uphold(ctx, periods, actor, who, id, &text).await
        }
        S::Approve { text } => approve(ctx, periods, actor, who, id, &text).await,
        S::Withdraw => withdraw(ctx, actor, who, id).await,
        S::Return { text } => return_proposal(ctx, actor, who, id, &text).await,
        S::SupervisionFiled { text } => {
            supervision_outcome(ctx, periods, actor, who, id, Step::SupervisionFiled, &text).await
        }
        S::SupervisionSustained { text } => {
            supervision_outcome(
                ctx,
                periods,
                actor,
                who,
                id,
                Step::SupervisionSustained,
                &text,
            )
            .await
        }
        S::AcceptRefusal => accept_refusal(db, &cal, actor, who, id).await,
        S::GrantException { text } => grant_exception(db, &cal, actor, who, id, &text).await,
        S::RecordDecision { date, text } => {
            record_decision(db, &cal, actor, who, id, date.as_deref(), &text).await
        }
        S::ReportResult { text } => report_result(ctx, actor, who, id, &text).await,
        S::RecordService { date } => {
            record_service(db, &cal, actor, who, id, date.as_deref()).await
        }
        S::HandOverItems { date, text } => {
            hand_over_items(db, &cal, actor, who, id, date.as_deref(), &text).await
        }
    }
}
