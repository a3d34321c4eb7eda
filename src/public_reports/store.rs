//! Public reports stored: the reporter's submission and additions (no account), the tracking
//! lookup, and the office's and units' reads and steps — each act one transaction with its
//! audit record.

use chrono::NaiveDate;
use serde::Serialize;
use serde_json::json;
use sha2::Digest;

use super::flow::{self, Kind, Outcome, Periods, ReportState, Standing, Step};
use super::intake::NewReport;
use super::reward::{Claimant, RewardRules, RewardState, Tier};
use super::{challenge, routing, tracking};
use crate::access::sql::parties_in_scope;
use crate::access::{Action, Actor, Resource, Scope};
use crate::audit::{Entry, Who};
use crate::calendar::Calendar;
use crate::db::query::Sql;
use crate::db::{Db, Tx};
use crate::deadline::store::{Change, NewDeadline, settle_for_record};
use crate::domain::RegionCode;
use crate::domain::money::Fen;
use crate::domain::upload::Upload;
use crate::error::{AppError, AppResult, OnConstraint};
use crate::notify::store::{Duty, Holder, add_duty, discharge, notify_unit};

pub const RESOURCE: &str = "public_report";
/// The office's duty to route a new report to its unit.
const ROUTE: &str = "route";
/// The handling unit's duty to handle it to its end.
const HANDLE: &str = "handle";
/// The handling unit's duty to tell a real-name reporter of the filing decision.
const TELL: &str = "tell_reporter";
/// The head's duty to decide on a proposed reward.
const DECIDE_REWARD: &str = "decide_reward";
/// The handling unit's duty to pay a claimed reward.
const PAY_REWARD: &str = "pay_reward";

fn duty(id: i64, name: &'static str) -> Duty<'static> {
    Duty::new(RESOURCE, id, name)
}

/// At most this many evidence files with a report or an addition.
pub const MAX_FILES: usize = 5;

/// A report as the office and the handling unit read it: everything but the reporter's
/// identity, which is read on its own and audited ([`identity`]).
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct PublicReport {
    pub id: i64,
    pub tracking_no: String,
    /// report / complaint
    pub kind: String,
    pub state: String,
    pub product: String,
    pub brand: Option<String>,
    pub region: String,
    pub address: String,
    pub occurred_on: String,
    pub description: String,
    pub enterprise: Option<String>,
    pub credit_code: Option<String>,
    pub shop: Option<String>,
    /// What the reporter says it is about (a `Category` code).
    pub category: Option<String>,
    /// 1 when the reporter gave no name.
    pub anonymous: i64,
    pub office_unit_id: i64,
    pub office_unit_name: String,
    pub handler_unit_id: Option<i64>,
    pub handler_unit_name: Option<String>,
    pub received_on: String,
    pub extended: i64,
    pub filed: Option<i64>,
    pub decided_on: Option<String>,
    pub told_on: Option<String>,
    pub outcome: Option<String>,
    pub public_result: Option<String>,
    pub closed_on: Option<String>,
    pub updated_at: String,
    /// The insider flag, for the handling unit only: blank for anyone else ([`for_viewer`]).
    #[serde(skip)]
    pub insider: i64,
    /// The informant reward, if one was proposed: its state, tier, amount (fen), the fines it
    /// was computed on (fen), whether the finance bureau decides jointly, and its dates.
    pub reward_state: Option<String>,
    pub reward_tier: Option<String>,
    pub reward_fen: Option<i64>,
    pub reward_fines_fen: Option<i64>,
    pub reward_joint: Option<i64>,
    pub reward_reasons: Option<String>,
    pub reward_paid_on: Option<String>,
}

impl PublicReport {
    pub fn kind(&self) -> AppResult<Kind> {
        Kind::parse(&self.kind)
            .ok_or_else(|| AppError::internal(format!("public report {} kind", self.id)))
    }
    pub fn report_state(&self) -> AppResult<ReportState> {
        ReportState::parse(&self.state)
            .ok_or_else(|| AppError::internal(format!("public report {} state", self.id)))
    }
    pub fn kind_label(&self) -> &'static str {
        Kind::label_of(&self.kind)
    }
    pub fn state_label(&self) -> &'static str {
        ReportState::label_of(&self.state)
    }
    pub fn outcome_label(&self) -> &'static str {
        self.outcome.as_deref().map_or("", Outcome::label_of)
    }
    pub fn reward(&self) -> Option<RewardState> {
        self.reward_state.as_deref().and_then(RewardState::parse)
    }
    pub fn reward_label(&self) -> &'static str {
        self.reward().map_or("", RewardState::label)
    }
    pub fn reward_yuan(&self) -> String {
        self.reward_fen
            .and_then(Fen::from_fen)
            .map(Fen::yuan_string)
            .unwrap_or_default()
    }
    pub fn fines_yuan(&self) -> String {
        self.reward_fines_fen
            .and_then(Fen::from_fen)
            .map(Fen::yuan_string)
            .unwrap_or_default()
    }
    pub fn tier_label(&self) -> &'static str {
        self.reward_tier.as_deref().map_or("", Tier::label_of)
    }
    pub fn category(&self) -> Option<routing::Category> {
        self.category.as_deref().and_then(routing::Category::parse)
    }

    pub fn category_label(&self) -> &'static str {
        self.category().map_or("未选择", routing::Category::label)
    }

    pub fn region_name(&self) -> String {
        RegionCode::parse(&self.region)
            .and_then(|r| r.name_zh())
            .unwrap_or_else(|| self.region.clone())
    }
}

const SELECT: &str = "SELECT p.id, p.tracking_no, p.kind, p.state, p.product, p.brand, p.region, \
    p.address, p.occurred_on, p.description, p.enterprise, p.credit_code, p.shop, p.category, \
    CASE WHEN p.reporter_name IS NULL THEN 1 ELSE 0 END AS anonymous, p.office_unit_id, \
    ou.name AS office_unit_name, p.handler_unit_id, hu.name AS handler_unit_name, p.received_on, \
    p.extended, p.filed, p.decided_on, p.told_on, p.outcome, p.public_result, p.closed_on, \
    p.updated_at, p.insider, rw.state AS reward_state, rw.tier AS reward_tier, \
    rw.amount_fen AS reward_fen, rw.fines_fen AS reward_fines_fen, rw.joint_decision AS reward_joint, \
    rw.reasons AS reward_reasons, rw.paid_on AS reward_paid_on \
    FROM public_reports p JOIN units ou ON ou.id = p.office_unit_id \
    LEFT JOIN units hu ON hu.id = p.handler_unit_id \
    LEFT JOIN public_report_rewards rw ON rw.report_id = p.id WHERE ";

pub fn read_scope(actor: &Actor) -> AppResult<Scope> {
    actor.require(Resource::PublicReport, Action::Read)
}

/// How `actor` stands to `r`.
pub fn standing(actor: &Actor, r: &PublicReport) -> Standing {
    Standing {
        office: actor.unit_id == r.office_unit_id,
        handler: r.handler_unit_id == Some(actor.unit_id),
        real_name: r.anonymous == 0,
        told: r.told_on.is_some(),
        extended: r.extended == 1,
        outcome: r.outcome.as_deref().and_then(Outcome::parse),
        reward: r.reward(),
    }
}

/// Whether `actor` handles `r` (the office that received it, the unit it was routed to): only
/// they see who reported it, and the insider flag only the unit that handles it.
pub fn handles(actor: &Actor, r: &PublicReport) -> bool {
    let s = standing(actor, r);
    s.office || s.handler
}

/// `r` as `actor` may read it: the insider flag blanked outside the handling unit.
fn for_viewer(actor: &Actor, mut r: PublicReport) -> PublicReport {
    if r.handler_unit_id != Some(actor.unit_id) {
        r.insider = 0;
    }
    r
}

pub async fn get(
    db: &Db,
    actor: &Actor,
    scope: &Scope,
    id: i64,
) -> Result<Option<PublicReport>, sqlx::Error> {
    let mut q = Sql::new(SELECT);
    q.push("p.id = ").bind(id).push(" AND ");
    q.append(parties_in_scope(scope, RESOURCE, "p.id"));
    let r: Option<PublicReport> = q.query_as().fetch_optional(&db.pool).await?;
    Ok(r.map(|r| for_viewer(actor, r)))
}

async fn get_tx(tx: &mut Tx, id: i64) -> Result<Option<PublicReport>, sqlx::Error> {
    let mut q = Sql::new(SELECT);
    q.push("p.id = ").bind(id);
    q.query_as().fetch_optional(&mut **tx).await
}

#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub state: Option<ReportState>,
    pub kind: Option<Kind>,
}

pub const PAGE_SIZE: i64 = 20;

/// One page of reports in `scope`: open ones first, oldest received first (the queue), then
/// the closed ones, latest first; and whether more follow.
pub async fn list(
    db: &Db,
    actor: &Actor,
    scope: &Scope,
    f: &Filter,
    page: i64,
) -> Result<(Vec<PublicReport>, bool), sqlx::Error> {
    let offset = (page.max(1) - 1) * PAGE_SIZE;
    // Two walks in index order (a partial index holds the open ones) instead of one sort of
    // everything in scope: the queue first, oldest first; then the closed, latest first.
    let part = |open: bool| {
        let mut q = Sql::new(SELECT);
        q.append(parties_in_scope(scope, RESOURCE, "p.id"));
        if let Some(s) = f.state {
            q.push(" AND p.state = ").bind(s.code());
        }
        if let Some(k) = f.kind {
            q.push(" AND p.kind = ").bind(k.code());
        }
        q.push(if open {
            " AND p.state <> 'closed' ORDER BY p.id"
        } else {
            " AND p.state = 'closed' ORDER BY p.id DESC"
        });
        q
    };
    let mut q = part(true);
    q.limit_offset(PAGE_SIZE + 1, offset);
    let mut rows: Vec<PublicReport> = q.query_as().fetch_all(&db.pool).await?;
    if rows.len() as i64 <= PAGE_SIZE {
        // The queue ends on this page: the closed ones follow, after as many as the open ones
        // before this page took of the offset.
        let open_total = if rows.is_empty() {
            let mut c = Sql::new("SELECT COUNT(*) FROM (");
            c.append(part(true));
            c.push(") o");
            c.query_scalar::<i64>().fetch_one(&db.pool).await?
        } else {
            offset + rows.len() as i64
        };
        let mut q = part(false);
        q.limit_offset(
            PAGE_SIZE + 1 - rows.len() as i64,
            (offset - open_total).max(0),
        );
        rows.extend(q.query_as::<PublicReport>().fetch_all(&db.pool).await?);
    }
    let more = rows.len() as i64 > PAGE_SIZE;
    rows.truncate(PAGE_SIZE as usize);
    Ok((
        rows.into_iter().map(|r| for_viewer(actor, r)).collect(),
        more,
    ))
}

/// An act in a report's history.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
#[schema(as = PublicReportEntry)]
pub struct EntryRow {
    pub kind: String,
    pub author_name: String,
    pub body: String,
    pub shown_to_reporter: i64,
    pub at: String,
}

impl EntryRow {
    pub fn at_label(&self) -> String {
        crate::db::time::display(&self.at)
    }
}

pub async fn entries(db: &Db, id: i64) -> Result<Vec<EntryRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT kind, author_name, body, shown_to_reporter, at FROM public_report_entries \
         WHERE report_id = $1 ORDER BY id",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
#[schema(as = PublicReportAttachment)]
pub struct AttachmentRow {
    pub id: i64,
    pub filename: String,
    pub mime: String,
    pub size: i64,
    pub sha256: String,
    pub from_reporter: i64,
    pub uploaded_at: String,
}

pub async fn attachments(db: &Db, id: i64) -> Result<Vec<AttachmentRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, filename, mime, size, sha256, from_reporter, uploaded_at \
         FROM public_report_attachments WHERE report_id = $1 ORDER BY id",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await
}

/// One evidence file of a report `actor` may read: (file name, type, content).
pub async fn attachment(
    db: &Db,
    actor: &Actor,
    id: i64,
    aid: i64,
) -> AppResult<(String, String, Vec<u8>)> {
    let scope = read_scope(actor)?;
    get(db, actor, &scope, id)
        .await?
        .ok_or(AppError::NotFound)?;
    sqlx::query_as(
        "SELECT filename, mime, content FROM public_report_attachments \
         WHERE report_id = $1 AND id = $2",
    )
    .bind(id)
    .bind(aid)
    .fetch_optional(&db.pool)
    .await?
    .ok_or(AppError::NotFound)
}

async fn entry(
    tx: &mut Tx,
    id: i64,
    who: &Who,
    unit: Option<i64>,
    kind: &str,
    body: &str,
    shown_to_reporter: bool,
) -> Result<(), sqlx::Error> {
    let now = who.at_text();
    sqlx::query(
        "INSERT INTO public_report_entries (report_id, kind, unit_id, author_name, body, \
         shown_to_reporter, at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(id)
    .bind(kind)
    .bind(unit)
    .bind(&who.name)
    .bind(body)
    .bind(i64::from(shown_to_reporter))
    .bind(&now)
    .execute(&mut **tx)
    .await?;
    sqlx::query("UPDATE public_reports SET updated_at = $1 WHERE id = $2")
        .bind(&now)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    if shown_to_reporter && !REPORTERS_OWN.contains(&kind) {
        super::notices::enqueue(tx, id, body, &now).await?;
    }
    crate::access::parties::touch(tx, RESOURCE, id, &now).await
}

/// Entries of the reporter's own acts: no notice tells them what they just did.
const REPORTERS_OWN: [&str; 3] = ["received", "added", "reward_claimed"];

/// An act in the report's history as the office and units read it and, when `public` is
/// given, the same act in the plain words the reporter reads on the tracking page.
async fn history(
    tx: &mut Tx,
    id: i64,
    who: &Who,
    unit: Option<i64>,
    kind: &str,
    body: &str,
    public: Option<(&str, &str)>,
) -> Result<(), sqlx::Error> {
    entry(tx, id, who, unit, kind, body, false).await?;
    if let Some((kind, body)) = public {
        entry(tx, id, who, None, kind, body, true).await?;
    }
    Ok(())
}

async fn store_files(
    tx: &mut Tx,
    who: &Who,
    id: i64,
    files: Vec<(Upload, Vec<u8>)>,
    from_reporter: bool,
) -> Result<Vec<String>, sqlx::Error> {
    let mut lines = Vec::new();
    for (upload, bytes) in files {
        let sha = crate::domain::hex(&sha2::Sha256::digest(&bytes));
        let size = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
        sqlx::query(
            "INSERT INTO public_report_attachments (report_id, filename, mime, size, sha256, \
             content, from_reporter, uploaded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(id)
        .bind(&upload.filename)
        .bind(upload.mime)
        .bind(size)
        .bind(&sha)
        .bind(bytes)
        .bind(i64::from(from_reporter))
        .bind(who.at_text())
        .execute(&mut **tx)
        .await?;
        lines.push(format!("《{}》（SHA-256 {}）", upload.filename, &sha[..16]));
    }
    Ok(lines)
}

/// Check the evidence files sent: type by content and size, as every upload is checked, and
/// at most [`MAX_FILES`].
pub fn check_files(files: Vec<(String, Vec<u8>)>) -> AppResult<Vec<(Upload, Vec<u8>)>> {
    let files: Vec<(String, Vec<u8>)> = files.into_iter().filter(|(_, b)| !b.is_empty()).collect();
    if files.len() > MAX_FILES {
        return Err(AppError::field(
            "files",
            "too_many",
            format!("证据材料最多{MAX_FILES}个文件"),
        ));
    }
    let mut out = Vec::with_capacity(files.len());
    for (name, bytes) in files {
        let upload = crate::domain::upload::check("files", &name, &bytes)?;
        out.push((upload, bytes));
    }
    Ok(out)
}

/// What a reporter gets back on submitting: the tracking number and the query password, shown
/// once.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = PublicReportSubmitted)]
pub struct Submitted {
    #[serde(skip)]
    pub id: i64,
    pub tracking_no: String,
    pub password: String,
    pub kind: String,
    pub received_on: String,
}

/// The acting party of a reporter's act: no account; the audit names the reporter's kind of
/// act and the client address.
pub fn reporter(at: chrono::DateTime<chrono::Utc>, client_addr: Option<String>) -> Who {
    Who {
        client_addr,
        ..Who::system("公众举报投诉", at)
    }
}

/// Turn report `report_id` into the record `record_id` just written (a clue, a task) inside
/// that record's transaction: the report locked and the rule checked on it as locked, the link
/// kept (one of each kind: a second, even at the same moment, is refused by the unique index),
/// an entry in the report's history for the office and the unit, and the audit. Returns the
/// report's tracking number, for the record's source.
pub async fn link(
    tx: &mut Tx,
    actor: &Actor,
    who: &Who,
    report_id: i64,
    to: flow::Conversion,
    record_id: i64,
) -> AppResult<String> {
    crate::procedure::lock(tx, "public_reports", report_id)
        .await
        .map_err(|_| not_a_report())?;
    let r = get_tx(tx, report_id).await?.ok_or_else(not_a_report)?;
    // A report the actor may not read is named as not found, like one that does not exist.
    if !handles(actor, &r) {
        return Err(not_a_report());
    }
    flow::may_convert(r.report_state()?, &actor.roles, standing(actor, &r), to)
        .map_err(|e| AppError::field("public_report_id", "not_allowed", e.to_string()))?;
    let now = who.at_text();
    sqlx::query(
        "INSERT INTO public_report_links (report_id, record_type, record_id, linked_by, \
         linked_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(report_id)
    .bind(to.record_type())
    .bind(record_id)
    .bind(&who.name)
    .bind(&now)
    .execute(&mut **tx)
    .await
    .on_unique("public_report_links", || {
        AppError::field(
            "public_report_id",
            "taken",
            format!("该举报投诉已转为{}，不能重复转办", to.label()),
        )
    })?;
    entry(
        tx,
        report_id,
        who,
        Some(actor.unit_id),
        "converted",
        &format!("转为{}", to.label()),
        false,
    )
    .await?;
    crate::audit::record(
        tx,
        who,
        Entry::new("public_report.convert", RESOURCE)
            .object(report_id, Some(r.office_unit_id))
            .summary(json!({"to": to.record_type(), "record_id": record_id})),
    )
    .await?;
    Ok(r.tracking_no)
}

fn not_a_report() -> AppError {
    AppError::field(
        "public_report_id",
        "not_found",
        "所转办的举报投诉不存在或不由本办受理",
    )
}

/// A record a report was turned into, for the report's page.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Link {
    pub record_type: String,
    pub record_id: i64,
    pub title: String,
    pub code: Option<String>,
    pub linked_at: String,
}

impl Link {
    fn conversion(&self) -> Option<flow::Conversion> {
        flow::Conversion::parse(&self.record_type)
    }

    pub fn label(&self) -> &'static str {
        self.conversion().map_or("", flow::Conversion::label)
    }

    pub fn href(&self) -> String {
        match self.conversion() {
            Some(flow::Conversion::Case) => format!("/cases/{}", self.record_id),
            Some(flow::Conversion::Task) => format!("/tasks/{}", self.record_id),
            Some(flow::Conversion::Transfer) => format!("/transfers/{}", self.record_id),
            None => String::new(),
        }
    }
}

/// What report `id` was turned into (the office and the unit read them; each record's own page
/// decides who may open it).
pub async fn links(db: &Db, id: i64) -> Result<Vec<Link>, sqlx::Error> {
    sqlx::query_as(
        "SELECT l.record_type, l.record_id, COALESCE(c.title, t.title, x.title, '') AS title, \
         COALESCE(c.code, t.code, x.code) AS code, l.linked_at FROM public_report_links l \
         LEFT JOIN cases c ON l.record_type = 'case' AND c.id = l.record_id \
         LEFT JOIN tasks t ON l.record_type = 'task' AND t.id = l.record_id \
         LEFT JOIN transfers x ON l.record_type = 'transfer' AND x.id = l.record_id \
         WHERE l.report_id = $1 ORDER BY l.id",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await
}

/// The report a record was turned from: (id, tracking number), for the record's page.
pub async fn linked_from(
    db: &Db,
    to: flow::Conversion,
    record_id: i64,
) -> Result<Option<(i64, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT p.id, p.tracking_no FROM public_report_links l \
         JOIN public_reports p ON p.id = l.report_id \
         WHERE l.record_type = $1 AND l.record_id = $2",
    )
    .bind(to.record_type())
    .bind(record_id)
    .fetch_optional(&db.pool)
    .await
}

/// What a record turned from report `id` into `to` starts with: its facts, for the new record's
/// form, when `actor` may convert it so.
pub struct Prefill {
    pub id: i64,
    pub tracking_no: String,
    pub title: String,
    pub summary: String,
    pub received_on: String,
    pub product: String,
    pub region: String,
    pub enterprise: Option<String>,
    pub credit_code: Option<String>,
}

pub async fn prefill(
    db: &Db,
    actor: &Actor,
    id: i64,
    to: flow::Conversion,
) -> AppResult<Option<Prefill>> {
    let scope = read_scope(actor)?;
    let Some(r) = get(db, actor, &scope, id).await? else {
        return Ok(None);
    };
    if flow::may_convert(r.report_state()?, &actor.roles, standing(actor, &r), to).is_err() {
        return Ok(None);
    }
    let mut summary = format!(
        "{}（{}）反映：{}",
        r.kind_label(),
        r.tracking_no,
        r.description
    );
    summary.push_str(&format!("\n发生地：{} {}", r.region_name(), r.address));
    if let Some(s) = &r.shop {
        summary.push_str(&format!("\n店铺或网店：{s}"));
    }
    Ok(Some(Prefill {
        id: r.id,
        title: format!(
            "群众{}：{}{}",
            r.kind_label(),
            r.enterprise.clone().unwrap_or_default(),
            r.product
        ),
        tracking_no: r.tracking_no,
        summary,
        received_on: r.received_on,
        product: r.product,
        region: r.region,
        enterprise: r.enterprise,
        credit_code: r.credit_code,
    }))
}

/// What the public boundary checked before a report is taken, and what the transaction holds it
/// to: the nonce of the solved challenge (spent once), and how many reports against one
/// subject a day takes.
pub struct Admission {
    pub nonce: String,
    pub per_subject_per_day: usize,
}

/// Reports against one subject queue behind each other while the day's count is read, so two
/// at once cannot both take the last place (on SQLite the write lock already does this).
async fn subject_turn(tx: &mut Tx, subject: &str) -> Result<(), sqlx::Error> {
    if !crate::db::query::is_sqlite(tx) {
        let d = sha2::Sha256::digest(subject.as_bytes());
        let mut k = [0u8; 8];
        k.copy_from_slice(&d[..8]);
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(i64::from_le_bytes(k))
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Refuse a report when its subject has had its day's reports (from whatever addresses): a
/// flood against one competitor is stopped, and those already taken are verified anyway.
async fn within_subject_budget(
    tx: &mut Tx,
    who: &Who,
    new: &NewReport,
    per_day: usize,
) -> AppResult<Option<String>> {
    let Some((subject, field)) = new.subject() else {
        return Ok(None);
    };
    subject_turn(tx, &subject).await?;
    let since = crate::db::time::to_text(who.at - chrono::Duration::hours(24));
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM public_reports WHERE subject = $1 AND received_at > $2",
    )
    .bind(&subject)
    .bind(since)
    .fetch_one(&mut **tx)
    .await?;
    if usize::try_from(n).unwrap_or(usize::MAX) >= per_day {
        return Err(AppError::field(
            field,
            "subject_limited",
            "今日针对该对象的举报投诉已达上限，已收到的将一并核查；如有新的情况，请于明日再报或拨打12315",
        ));
    }
    Ok(Some(subject))
}

/// Receive a report: stored with its evidence, routed to the office of the region named,
/// the first clock opened and the office's to-do made — in one transaction.
pub async fn submit(
    db: &Db,
    cal: &Calendar,
    periods: &Periods,
    who: &Who,
    new: &NewReport,
    admission: &Admission,
    files: Vec<(Upload, Vec<u8>)>,
) -> AppResult<Submitted> {
    let office = crate::units::periods::governing_office(&db.pool, &new.region)
        .await?
        .ok_or_else(|| {
            AppError::field(
                "region",
                "out_of_scope",
                "该地区不在本平台的受理范围内，请向当地市场监管部门举报（全国12315平台）",
            )
        })?;
    let today = who.today();
    let password = tracking::new_password()?;
    let mut tx = db.begin().await?;
    let subject = within_subject_budget(&mut tx, who, new, admission.per_subject_per_day).await?;
    let periods = &crate::units::periods::for_unit(&mut tx, office, periods).await?;
    // Eight random digits a day: among a few thousand reports of one day two numbers meet
    // now and then (the birthday bound), so a number already given is drawn again. Two
    // submissions drawing the same new number at the same instant are left to the unique
    // index (409, the reporter sends again).
    let mut number = tracking::new_number(new.kind, today)?;
    for _ in 0..5 {
        let taken: Option<i64> =
            sqlx::query_scalar("SELECT id FROM public_reports WHERE tracking_no = $1")
                .bind(&number)
                .fetch_optional(&mut *tx)
                .await?;
        if taken.is_none() {
            break;
        }
        number = tracking::new_number(new.kind, today)?;
    }
    let now = who.at_text();
    let (name, phone, email, notify) = match &new.reporter {
        Some(r) => (
            Some(r.name.clone()),
            Some(r.phone.as_str().to_string()),
            r.email.as_ref().map(|e| e.as_str().to_string()),
            r.notify,
        ),
        None => (None, None, None, false),
    };
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO public_reports (tracking_no, secret_digest, kind, state, product, brand, \
         region, address, occurred_on, description, enterprise, credit_code, shop, reporter_name, \
         reporter_phone, reporter_email, notify, insider, office_unit_id, received_on, \
         received_at, updated_at, challenge, subject, category) VALUES ($1, $2, $3, 'received', $4, \
         $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $20, $21, $22, \
         $23) RETURNING id",
    )
    .bind(&number)
    .bind(tracking::digest(&number, &password))
    .bind(new.kind.code())
    .bind(&new.product)
    .bind(&new.brand)
    .bind(new.region.as_str())
    .bind(&new.address)
    .bind(new.occurred_on.to_string())
    .bind(&new.description)
    .bind(&new.enterprise)
    .bind(new.credit_code.as_ref().map(|c| c.as_str().to_string()))
    .bind(&new.shop)
    .bind(&name)
    .bind(&phone)
    .bind(&email)
    .bind(i64::from(notify))
    .bind(i64::from(new.insider))
    .bind(office)
    .bind(today.to_string())
    .bind(&now)
    .bind(&admission.nonce)
    .bind(&subject)
    .bind(new.category.map(|m| m.code()))
    .fetch_one(&mut *tx)
    .await
    .map_err(|e| match &e {
        sqlx::Error::Database(d)
            if d.kind() == sqlx::error::ErrorKind::UniqueViolation
                && (d.constraint() == Some("public_reports_challenge_uq")
                    || d.message().contains("public_reports.challenge")) =>
        {
            let r = challenge::Refusal::Spent;
            AppError::field("challenge", r.code(), r.message())
        }
        _ => AppError::from(e),
    })?;
    crate::access::parties::add(&mut tx, RESOURCE, id, office, "office", &now).await?;
    let files = store_files(&mut tx, who, id, files, true).await?;
    let mut body = format!("收到{}", new.kind.label());
    if !files.is_empty() {
        body.push_str(&format!("，附证据材料{}", files.join("、")));
    }
    entry(&mut tx, id, who, None, "received", &body, true).await?;
    let (purpose, clause, rule) = flow::first_clock(new.kind, periods);
    let clock = crate::deadline::store::open(
        &mut tx,
        cal,
        who,
        &NewDeadline {
            purpose: purpose.into(),
            clause: clause.into(),
            start_event: format!("收到{}", new.kind.label()),
            start: today,
            rule,
            record_type: Some(RESOURCE.into()),
            record_id: Some(id),
            owner_unit_id: office,
            owner_user_id: None,
        },
    )
    .await?;
    let due = due_of(&mut tx, clock).await?;
    let title = format!("新{}待分办：{}", new.kind.label(), new.product);
    add_duty(
        &mut tx,
        who,
        duty(id, ROUTE),
        Holder::Unit(office),
        &title,
        &format!("/public-reports/{id}"),
        due.as_deref(),
        false,
    )
    .await?;
    crate::audit::record(
        &mut tx,
        who,
        Entry::new("public_report.submit", RESOURCE)
            .object(id, Some(office))
            .summary(json!({
                "tracking_no": number,
                "kind": new.kind.code(),
                "region": new.region.as_str(),
                "anonymous": new.reporter.is_none(),
                "files": files.len(),
            })),
    )
    .await?;
    tx.commit().await?;
    Ok(Submitted {
        id,
        tracking_no: number,
        password,
        kind: new.kind.code().into(),
        received_on: today.to_string(),
    })
}

async fn merged_into(tx: &mut Tx, id: i64) -> Result<Option<i64>, sqlx::Error> {
    Ok(
        sqlx::query_scalar::<_, Option<i64>>(
            "SELECT merged_into FROM public_reports WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?
        .flatten(),
    )
}

async fn due_of(tx: &mut Tx, clock: i64) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT due_date FROM deadlines WHERE id = $1")
        .bind(clock)
        .fetch_one(&mut **tx)
        .await
}

/// What the reporter sees with the number and the password: the state in plain words, the
/// handling organ (a unit's name, never an officer), the acts shown to them and the result
/// when it may be told.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = PublicReportTracked)]
pub struct Tracked {
    pub tracking_no: String,
    pub kind: String,
    pub kind_label: String,
    pub state: String,
    pub state_label: String,
    pub received_on: String,
    pub product: String,
    /// The office that received it.
    pub receiving_office: String,
    pub handling_organ: Option<String>,
    pub result: Option<String>,
    pub open: bool,
    pub history: Vec<TrackedStep>,
    /// The evidence the reporter sent (names only).
    pub evidence: Vec<String>,
    /// The informant reward: where it stands in plain words, and its amount in yuan once
    /// approved.
    pub reward: Option<String>,
    pub reward_yuan: Option<String>,
    /// An approved reward waits for the reporter's claim.
    pub can_claim: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = PublicReportTrackedStep)]
pub struct TrackedStep {
    pub at: String,
    pub what: String,
}

#[derive(sqlx::FromRow)]
struct TrackRow {
    id: i64,
    tracking_no: String,
    secret_digest: String,
    kind: String,
    state: String,
    received_on: String,
    product: String,
    office: String,
    handler: Option<String>,
    public_result: Option<String>,
}

/// The digest a lookup of an unknown number is compared with, so that it costs what a wrong
/// password costs.
const NO_DIGEST: &str = "0000000000000000000000000000000000000000000000000000000000000000";

async fn find(db: &Db, number: &str, password: &str) -> AppResult<Option<TrackRow>> {
    let number = tracking::normalise_number(number);
    if number.is_empty() || number.len() > 40 || !number.chars().all(|c| c.is_ascii_alphanumeric())
    {
        let _ = tracking::matches(&number, password, NO_DIGEST);
        return Ok(None);
    }
    let row: Option<TrackRow> = sqlx::query_as(
        "SELECT p.id, p.tracking_no, p.secret_digest, p.kind, p.state, p.received_on, p.product, \
         ou.name AS office, COALESCE(mu.name, hu.name) AS handler, \
         COALESCE(p.public_result, m.public_result) AS public_result FROM public_reports p \
         JOIN units ou ON ou.id = p.office_unit_id LEFT JOIN units hu ON hu.id = p.handler_unit_id \
         LEFT JOIN public_reports m ON m.id = p.merged_into LEFT JOIN units mu ON mu.id = m.handler_unit_id \
         WHERE p.tracking_no = $1",
    )
    .bind(&number)
    .fetch_optional(&db.pool)
    .await?;
    let digest = row.as_ref().map_or(NO_DIGEST, |r| r.secret_digest.as_str());
    let ok = tracking::matches(&number, password, digest);
    Ok(row.filter(|_| ok))
}

/// The report named by `number` if `password` is its query password; `None` alike for an
/// unknown number and a wrong password.
pub async fn track(db: &Db, number: &str, password: &str) -> AppResult<Option<Tracked>> {
    let Some(r) = find(db, number, password).await? else {
        return Ok(None);
    };
    let history: Vec<(String, String)> = sqlx::query_as(
        "SELECT at, body FROM public_report_entries WHERE report_id = $1 \
         AND shown_to_reporter = 1 ORDER BY id",
    )
    .bind(r.id)
    .fetch_all(&db.pool)
    .await?;
    let evidence: Vec<String> = sqlx::query_scalar(
        "SELECT filename FROM public_report_attachments WHERE report_id = $1 \
         AND from_reporter = 1 ORDER BY id",
    )
    .bind(r.id)
    .fetch_all(&db.pool)
    .await?;
    let reward: Option<(String, i64)> =
        sqlx::query_as("SELECT state, amount_fen FROM public_report_rewards WHERE report_id = $1")
            .bind(r.id)
            .fetch_optional(&db.pool)
            .await?;
    let reward = reward.and_then(|(s, fen)| Some((RewardState::parse(&s)?, fen)));
    let state = ReportState::parse(&r.state).unwrap_or(ReportState::Received);
    Ok(Some(Tracked {
        reward: reward.map(|(s, _)| s.public_label().to_string()),
        reward_yuan: reward
            .filter(|(s, _)| !matches!(s, RewardState::Proposed | RewardState::Rejected))
            .and_then(|(_, fen)| Fen::from_fen(fen))
            .map(Fen::yuan_string),
        can_claim: reward.is_some_and(|(s, _)| s == RewardState::Approved),
        kind_label: Kind::label_of(&r.kind).into(),
        state_label: state.public_label().into(),
        open: state.is_open(),
        tracking_no: r.tracking_no,
        kind: r.kind,
        state: r.state,
        received_on: r.received_on,
        product: r.product,
        receiving_office: r.office,
        handling_organ: r.handler,
        result: r.public_result,
        history: history
            .into_iter()
            .map(|(at, what)| TrackedStep { at, what })
            .collect(),
        evidence,
    }))
}

/// The reporter adds information or evidence to an open report; the units handling it are
/// told. `None` when the number and password do not name a report (said as for a lookup).
pub async fn add_information(
    db: &Db,
    who: &Who,
    number: &str,
    password: &str,
    text: &str,
    files: Vec<(Upload, Vec<u8>)>,
) -> AppResult<Option<()>> {
    let text = crate::domain::text::optional("text", "补充说明", Some(text), 5000)?;
    if text.is_none() && files.is_empty() {
        return Err(AppError::field(
            "text",
            "required",
            "请填写补充说明或选择证据材料",
        ));
    }
    let Some(found) = find(db, number, password).await? else {
        return Ok(None);
    };
    let mut tx = db.begin().await?;
    crate::procedure::lock(&mut tx, "public_reports", found.id).await?;
    let r = get_tx(&mut tx, found.id).await?.ok_or(AppError::NotFound)?;
    // A merged report's reporter follows the matter: they add while the report it joined is
    // open, and the unit handling that one is told.
    let matter = match r.report_state()? {
        ReportState::Merged => match merged_into(&mut tx, r.id).await? {
            Some(p) => get_tx(&mut tx, p).await?,
            None => None,
        },
        _ => Some(r.clone()),
    };
    let Some(matter) = matter.filter(|m| m.report_state().is_ok_and(ReportState::is_open)) else {
        return Err(AppError::conflict(
            "report_closed",
            "该举报投诉已办结，不能再补充材料",
        ));
    };
    let files = store_files(&mut tx, who, r.id, files, true).await?;
    let mut body = String::from("举报人补充");
    if let Some(t) = &text {
        body.push_str(&format!("说明：{t}"));
    }
    if !files.is_empty() {
        body.push_str(&format!("证据材料{}", files.join("、")));
    }
    entry(&mut tx, r.id, who, None, "added", &body, true).await?;
    let link = format!("/public-reports/{}", r.id);
    let to = matter.handler_unit_id.unwrap_or(matter.office_unit_id);
    notify_unit(
        &mut tx,
        who,
        to,
        &format!("举报人补充了材料：{}", r.product),
        &body,
        &link,
    )
    .await?;
    crate::audit::record(
        &mut tx,
        who,
        Entry::new("public_report.add", RESOURCE)
            .object(r.id, Some(r.office_unit_id))
            .summary(json!({"files": files.len(), "text": text.is_some()})),
    )
    .await?;
    tx.commit().await?;
    Ok(Some(()))
}

/// Who reported: only for those handling the report, and every view is audited (as a withheld
/// record's view is, `secrecy.rs`).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = PublicReportIdentity)]
pub struct Identity {
    pub anonymous: bool,
    pub name: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    /// Shown only to the unit handling the report.
    pub insider: Option<bool>,
}

pub async fn identity(db: &Db, actor: &Actor, who: &Who, id: i64) -> AppResult<Identity> {
    let scope = read_scope(actor)?;
    let r = get(db, actor, &scope, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !handles(actor, &r) {
        return Err(AppError::Forbidden);
    }
    let mut tx = db.begin().await?;
    let (name, phone, email): (Option<String>, Option<String>, Option<String>) = sqlx::query_as(
        "SELECT reporter_name, reporter_phone, reporter_email FROM public_reports WHERE id = $1",
    )
    .bind(id)
    .fetch_one(&mut *tx)
    .await?;
    crate::audit::record(
        &mut tx,
        who,
        Entry::new("public_report.view_identity", RESOURCE).object(id, Some(r.office_unit_id)),
    )
    .await?;
    tx.commit().await?;
    let handler = r.handler_unit_id == Some(actor.unit_id);
    Ok(Identity {
        anonymous: name.is_none(),
        name,
        phone,
        email,
        insider: handler.then_some(r.insider == 1),
    })
}

impl crate::procedure::Record for PublicReport {
    const TABLE: &'static str = "public_reports";
    const CHANGED: &'static str = "该举报投诉已被他人处理，请刷新页面后查看";
    fn state_code(&self) -> &str {
        &self.state
    }
    async fn read(tx: &mut Tx, id: i64) -> Result<Option<Self>, sqlx::Error> {
        get_tx(tx, id).await
    }
}

impl crate::procedure::Procedure for PublicReport {
    type Step = Step;
    type State = ReportState;
    async fn visible(db: &Db, actor: &Actor, id: i64) -> AppResult<Option<Self>> {
        let scope = read_scope(actor)?;
        Ok(get(db, actor, &scope, id).await?)
    }
    async fn authorise(
        _db: &Db,
        actor: &Actor,
        visible: &Self,
        step: Step,
    ) -> AppResult<ReportState> {
        flow::check(
            visible.kind()?,
            visible.report_state()?,
            step,
            &actor.roles,
            standing(actor, visible),
        )
        .map_err(|r| AppError::conflict("step_refused", r.to_string()))
    }
    /// Telling the reporter and extending leave the state as it is: taken once, checked again
    /// on the locked record.
    fn recheck(locked: &Self, step: Step) -> AppResult<()> {
        let refused = |m: &str| Err(AppError::conflict("step_refused", m.to_string()));
        match step {
            Step::TellReporter if locked.told_on.is_some() => refused("已告知举报人"),
            Step::Extend if locked.extended == 1 => refused("核查期限已延长过一次"),
            Step::Assign if locked.handler_unit_id.is_some() && locked.state != "assigned" => {
                refused("该举报投诉已在办理中")
            }
            _ => Ok(()),
        }
    }
}

/// A step on a report as submitted (`{"step": …, …}`).
#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
#[serde(tag = "step", rename_all = "snake_case")]
#[schema(as = PublicReportStep)]
pub enum ReportStep {
    /// 分送承办单位 (the office).
    Assign {
        #[serde(default, deserialize_with = "crate::web::step::id_text")]
        #[schema(value_type = i64)]
        unit_id: String,
        #[serde(default, deserialize_with = "crate::web::step::or_default")]
        text: String,
    },
    /// 受理投诉 (the unit).
    Accept {
        #[serde(default, deserialize_with = "crate::web::step::or_default")]
        text: String,
    },
    /// 不予受理, with the reason told to the complainant (the unit).
    Refuse {
        #[serde(default, deserialize_with = "crate::web::step::or_default")]
        text: String,
    },
    /// 延长核查期限, with the reasons (the unit).
    Extend {
        #[serde(default, deserialize_with = "crate::web::step::or_default")]
        text: String,
    },
    /// 作出是否立案的决定 (the unit): `filed` "1" or "0".
    DecideFiling {
        #[serde(default, deserialize_with = "crate::web::step::or_default")]
        filed: String,
        #[serde(default, deserialize_with = "crate::web::step::or_default")]
        text: String,
    },
    /// 告知举报人, how and what (the unit).
    TellReporter {
        #[serde(default, deserialize_with = "crate::web::step::or_default")]
        text: String,
    },
    /// 办结: the outcome, and what the reporter may be told (the unit).
    Close {
        #[serde(default, deserialize_with = "crate::web::step::or_default")]
        outcome: String,
        #[serde(default, deserialize_with = "crate::web::step::or_default")]
        public_result: String,
        #[serde(default, deserialize_with = "crate::web::step::or_default")]
        text: String,
    },
    /// 合并到同一事项 (the office): `into` is the report it joins.
    Merge {
        #[serde(default, deserialize_with = "crate::web::step::id_text")]
        #[schema(value_type = i64)]
        into: String,
        #[serde(default, deserialize_with = "crate::web::step::or_default")]
        text: String,
    },
    /// 提出举报奖励 (the handling unit's staff): the fines and confiscations of the case (yuan),
    /// the tier (first / second / third) and the reasons, and what is known of the reporter for
    /// the exclusions ("1" where it applies).
    ProposeReward {
        #[serde(default, deserialize_with = "crate::web::step::or_default")]
        fines: String,
        #[serde(default, deserialize_with = "crate::web::step::or_default")]
        tier: String,
        #[serde(default, deserialize_with = "crate::web::step::or_default")]
        reasons: String,
        #[serde(default, deserialize_with = "crate::web::step::or_default")]
        not_natural_person: String,
        #[serde(default, deserialize_with = "crate::web::step::or_default")]
        organ_staff: String,
        #[serde(default, deserialize_with = "crate::web::step::or_default")]
        infringed_party: String,
        #[serde(default, deserialize_with = "crate::web::step::or_default")]
        offender: String,
    },
    /// 批准举报奖励 (the organ's head); above the office's figure with the finance bureau's
    /// joint decision (`joint_ref`: its document or record).
    ApproveReward {
        #[serde(default, deserialize_with = "crate::web::step::or_default")]
        joint_ref: String,
        #[serde(default, deserialize_with = "crate::web::step::or_default")]
        text: String,
    },
    /// 不予奖励, with the reasons (the organ's head).
    RejectReward {
        #[serde(default, deserialize_with = "crate::web::step::or_default")]
        text: String,
    },
    /// 登记奖励发放 (the handling unit's staff): the day paid, the voucher, and "1" that the
    /// reporter's identity was checked at the counter.
    PayReward {
        #[serde(default, deserialize_with = "crate::web::step::or_default")]
        paid_on: String,
        #[serde(default, deserialize_with = "crate::web::step::or_default")]
        voucher: String,
        #[serde(default, deserialize_with = "crate::web::step::or_default")]
        identity_verified: String,
    },
}

/// A yes-or-no field of a step as sent: "1", "true" or "on"; empty, "0" or "false".
fn flag(field: &str, raw: &str) -> AppResult<bool> {
    match raw.trim() {
        "1" | "true" | "on" => Ok(true),
        "" | "0" | "false" => Ok(false),
        _ => Err(AppError::field(field, "invalid_choice", "请选择是或否")),
    }
}

impl ReportStep {
    pub fn step(&self) -> Step {
        match self {
            ReportStep::Assign { .. } => Step::Assign,
            ReportStep::Accept { .. } => Step::Accept,
            ReportStep::Refuse { .. } => Step::Refuse,
            ReportStep::Extend { .. } => Step::Extend,
            ReportStep::DecideFiling { .. } => Step::DecideFiling,
            ReportStep::TellReporter { .. } => Step::TellReporter,
            ReportStep::Close { .. } => Step::Close,
            ReportStep::Merge { .. } => Step::Merge,
            ReportStep::ProposeReward { .. } => Step::ProposeReward,
            ReportStep::ApproveReward { .. } => Step::ApproveReward,
            ReportStep::RejectReward { .. } => Step::RejectReward,
            ReportStep::PayReward { .. } => Step::PayReward,
        }
    }
}

fn text_of(field: &str, label: &str, raw: &str, required: bool) -> AppResult<Option<String>> {
    if required {
        Ok(Some(crate::domain::text::required_long(
            field, label, raw, 2000,
        )?))
    } else {
        Ok(crate::domain::text::optional(
            field,
            label,
            Some(raw),
            2000,
        )?)
    }
}

/// Take `input` on report `id` as `actor`: the rule (flow.rs) on the locked record, the step's
/// writes, its clocks and to-dos, the history and the audit record — one transaction.
#[allow(clippy::too_many_lines)]
#[allow(clippy::too_many_arguments)]
pub async fn step(
    db: &Db,
    cal: &Calendar,
    periods: &Periods,
    rewards: &RewardRules,
    actor: &Actor,
    who: &Who,
    id: i64,
    input: ReportStep,
) -> AppResult<()> {
    let step = input.step();
    // The input parsed before anything is locked: a malformed step writes nothing.
    enum Parsed {
        Assign(i64, Option<String>),
        Text(Option<String>),
        Decide(bool, Option<String>),
        Close(Outcome, String, Option<String>),
        Merge(i64, Option<String>),
        Propose(Fen, Tier, String, Claimant),
        Approve(Option<String>, Option<String>),
        Reject(String),
        Pay(NaiveDate, String),
    }
    let parsed = match &input {
        ReportStep::Assign { unit_id, text } => Parsed::Assign(
            crate::domain::text::id("unit_id", "承办单位", unit_id)?,
            text_of("text", "分办意见", text, false)?,
        ),
        ReportStep::Accept { text } => Parsed::Text(text_of("text", "受理意见", text, false)?),
        ReportStep::Refuse { text } => Parsed::Text(text_of("text", "不予受理的理由", text, true)?),
        ReportStep::Extend { text } => Parsed::Text(text_of("text", "延长的理由", text, true)?),
        ReportStep::TellReporter { text } => {
            Parsed::Text(text_of("text", "告知的方式和内容", text, true)?)
        }
        ReportStep::DecideFiling { filed, text } => {
            let filed = match filed.trim() {
                "1" | "true" => true,
                "0" | "false" => false,
                _ => {
                    return Err(AppError::field(
                        "filed",
                        "invalid_choice",
                        "请选择立案或者不予立案",
                    ));
                }
            };
            Parsed::Decide(filed, text_of("text", "决定的理由", text, !filed)?)
        }
        ReportStep::Close {
            outcome,
            public_result,
            text,
        } => {
            let mut e = crate::domain::FieldErrors::new();
            let o = Outcome::parse(outcome);
            if o.is_none() {
                e.add("outcome", "invalid_choice", "请选择办理结果");
            }
            let told = e.take(crate::domain::text::required_long(
                "public_result",
                "可告知举报人的办理结果",
                public_result,
                2000,
            ));
            let note = e.take(crate::domain::text::optional(
                "text",
                "办结说明",
                Some(text.as_str()),
                2000,
            ));
            match (o, told, note) {
                (Some(o), Some(told), Some(note)) if e.is_empty() => Parsed::Close(o, told, note),
                _ => return Err(AppError::Validation(e)),
            }
        }
        ReportStep::ProposeReward {
            fines,
            tier,
            reasons,
            not_natural_person,
            organ_staff,
            infringed_party,
            offender,
        } => {
            let mut e = crate::domain::FieldErrors::new();
            let fines = e.take(Fen::field("fines", fines));
            let tier = Tier::parse(tier);
            if tier.is_none() {
                e.add("tier", "invalid_choice", "请选择奖励等级");
            }
            let reasons = e.take(crate::domain::text::required_long(
                "reasons",
                "奖励等级的理由",
                reasons,
                2000,
            ));
            let claimant = Claimant {
                natural_person: !flag("not_natural_person", not_natural_person)?,
                organ_staff: flag("organ_staff", organ_staff)?,
                infringed_party: flag("infringed_party", infringed_party)?,
                offender: flag("offender", offender)?,
                insider: false,
            };
            match (fines, tier, reasons) {
                (Some(f), Some(t), Some(r)) if e.is_empty() => Parsed::Propose(f, t, r, claimant),
                _ => return Err(AppError::Validation(e)),
            }
        }
        ReportStep::Merge { into, text } => Parsed::Merge(
            crate::domain::text::id("into", "合并到的举报投诉", into)?,
            text_of("text", "合并的理由", text, false)?,
        ),
        ReportStep::ApproveReward { joint_ref, text } => Parsed::Approve(
            crate::domain::text::optional(
                "joint_ref",
                "与财政部门共同决定的文号或记录",
                Some(joint_ref),
                200,
            )?,
            text_of("text", "批准意见", text, false)?,
        ),
        ReportStep::RejectReward { text } => {
            Parsed::Reject(text_of("text", "不予奖励的理由", text, true)?.unwrap_or_default())
        }
        ReportStep::PayReward {
            paid_on,
            voucher,
            identity_verified,
        } => {
            let mut e = crate::domain::FieldErrors::new();
            let day = e.take(crate::domain::date::not_after(
                "paid_on",
                "发放日期",
                paid_on,
                who.today(),
            ));
            let voucher = e.take(crate::domain::text::required(
                "voucher",
                "发放凭证号",
                voucher,
                100,
            ));
            if !flag("identity_verified", identity_verified)? {
                e.add(
                    "identity_verified",
                    "required",
                    "发放奖励前须当面核验举报人的有效身份证件",
                );
            }
            match (day, voucher) {
                (Some(d), Some(v)) if e.is_empty() => Parsed::Pay(d, v),
                _ => return Err(AppError::Validation(e)),
            }
        }
    };
    let (mut tx, r, next) = crate::procedure::begin::<PublicReport>(db, actor, id, step).await?;
    // The whole rule again on the record as locked: who handles it may have changed (routed
    // elsewhere meanwhile) while its state did not, and a reward's own state is part of the
    // rule, so two heads deciding at once cannot both succeed.
    flow::check(
        r.kind()?,
        r.report_state()?,
        step,
        &actor.roles,
        standing(actor, &r),
    )
    .map_err(|e| AppError::conflict("step_refused", e.to_string()))?;
    let kind = r.kind()?;
    // The clocks of the office that received it: its own periods, else its city's, else the
    // deployment's.
    let periods = &crate::units::periods::for_unit(&mut tx, r.office_unit_id, periods).await?;
    if let Parsed::Close(o, ..) = &parsed
        && !flow::outcomes_after(kind, r.filed.map(|f| f == 1)).contains(o)
    {
        return Err(AppError::field(
            "outcome",
            "invalid_choice",
            format!("{}不能以“{}”办结", kind.label(), o.label()),
        ));
    }
    let today = who.today();
    let link = format!("/public-reports/{id}");
    let unit = Some(actor.unit_id);
    let mut summary = json!({"step": step.code()});
    match parsed {
        Parsed::Assign(to, note) => {
            let target: Option<(String, String)> = sqlx::query_as(
                "SELECT name, region_code FROM units WHERE id = $1 AND active = 1 \
                 AND kind NOT IN ('group_office', 'county_office')",
            )
            .bind(to)
            .fetch_optional(&mut *tx)
            .await?;
            let Some((name, to_region)) = target else {
                return Err(AppError::field(
                    "unit_id",
                    "invalid_choice",
                    "请选择承办的成员单位",
                ));
            };
            // The unit must be in the office's region: an office routes within its own.
            let within =
                RegionCode::parse(&to_region).is_some_and(|c| actor.unit_region.contains(&c));
            if !within {
                return Err(AppError::field(
                    "unit_id",
                    "out_of_scope",
                    "只能分送本地区的成员单位承办",
                ));
            }
            if let Some(previous) = r.handler_unit_id {
                discharge(&mut tx, who, duty(id, HANDLE)).await?;
                sqlx::query(
                    "DELETE FROM record_parties WHERE resource = $1 AND record_id = $2 \
                     AND unit_id = $3 AND party_role = 'handler'",
                )
                .bind(RESOURCE)
                .bind(id)
                .bind(previous)
                .execute(&mut *tx)
                .await?;
            }
            sqlx::query("UPDATE public_reports SET handler_unit_id = $1 WHERE id = $2")
                .bind(to)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            crate::access::parties::add(&mut tx, RESOURCE, id, to, "handler", &who.at_text())
                .await?;
            discharge(&mut tx, who, duty(id, ROUTE)).await?;
            let due: Option<String> = sqlx::query_scalar(
                "SELECT due_date FROM deadlines WHERE record_type = $1 AND record_id = $2 \
                 AND state = 'open' ORDER BY id LIMIT 1",
            )
            .bind(RESOURCE)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .flatten();
            let title = format!("{}待办理：{}", r.kind_label(), r.product);
            add_duty(
                &mut tx,
                who,
                duty(id, HANDLE),
                Holder::Unit(to),
                &title,
                &link,
                due.as_deref(),
                false,
            )
            .await?;
            notify_unit(
                &mut tx,
                who,
                to,
                &title,
                note.as_deref().unwrap_or(""),
                &link,
            )
            .await?;
            let mut body = format!("分送{name}承办");
            if let Some(n) = &note {
                body.push_str(&format!("：{n}"));
            }
            history(
                &mut tx,
                id,
                who,
                unit,
                "assigned",
                &body,
                Some(("assigned_public", &format!("已分送{name}办理"))),
            )
            .await?;
            summary = json!({"step": step.code(), "unit_id": to});
        }
        Parsed::Text(text) => {
            let t = text.clone().unwrap_or_default();
            match step {
                Step::Accept => {
                    settle_for_record(
                        &mut tx,
                        cal,
                        who,
                        RESOURCE,
                        id,
                        flow::CLAUSE_ACCEPT,
                        Change::Met { on: today },
                    )
                    .await?;
                    history(
                        &mut tx,
                        id,
                        who,
                        unit,
                        "accepted",
                        &t,
                        Some(("accepted_public", "投诉已受理")),
                    )
                    .await?;
                }
                Step::Refuse => {
                    settle_for_record(
                        &mut tx,
                        cal,
                        who,
                        RESOURCE,
                        id,
                        flow::CLAUSE_ACCEPT,
                        Change::Met { on: today },
                    )
                    .await?;
                    close(&mut tx, id, today, Outcome::Refused, &t).await?;
                    discharge(&mut tx, who, duty(id, HANDLE)).await?;
                    entry(
                        &mut tx,
                        id,
                        who,
                        None,
                        "refused",
                        &format!("不予受理：{t}"),
                        true,
                    )
                    .await?;
                }
                Step::Extend => {
                    settle_for_record(
                        &mut tx,
                        cal,
                        who,
                        RESOURCE,
                        id,
                        flow::CLAUSE_VERIFY,
                        Change::Extend {
                            extra: periods.report_extend_workdays,
                            reason: t.clone(),
                        },
                    )
                    .await?;
                    sqlx::query("UPDATE public_reports SET extended = 1 WHERE id = $1")
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                    history(
                        &mut tx,
                        id,
                        who,
                        unit,
                        "extended",
                        &t,
                        Some(("extended_public", "核查期限依法延长")),
                    )
                    .await?;
                }
                Step::TellReporter => {
                    settle_for_record(
                        &mut tx,
                        cal,
                        who,
                        RESOURCE,
                        id,
                        flow::CLAUSE_TELL,
                        Change::Met { on: today },
                    )
                    .await?;
                    sqlx::query("UPDATE public_reports SET told_on = $1 WHERE id = $2")
                        .bind(today.to_string())
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                    discharge(&mut tx, who, duty(id, TELL)).await?;
                    entry(&mut tx, id, who, unit, "told", &t, false).await?;
                }
                _ => return Err(AppError::internal("text step")),
            }
        }
        Parsed::Decide(filed, text) => {
            settle_for_record(
                &mut tx,
                cal,
                who,
                RESOURCE,
                id,
                flow::CLAUSE_VERIFY,
                Change::Met { on: today },
            )
            .await?;
            sqlx::query("UPDATE public_reports SET filed = $1, decided_on = $2 WHERE id = $3")
                .bind(i64::from(filed))
                .bind(today.to_string())
                .bind(id)
                .execute(&mut *tx)
                .await?;
            let what = if filed {
                "决定立案"
            } else {
                "决定不予立案"
            };
            let body = match &text {
                Some(t) => format!("{what}：{t}"),
                None => what.to_string(),
            };
            history(
                &mut tx,
                id,
                who,
                unit,
                "decided",
                &body,
                Some((
                    "decided_public",
                    &format!("承办单位已作出是否立案的决定（{what}）"),
                )),
            )
            .await?;
            // A real-name reporter is told within 5 working days of the decision (第三十二条).
            if r.anonymous == 0 {
                let (purpose, clause, rule) = flow::tell_clock(periods);
                let clock = crate::deadline::store::open(
                    &mut tx,
                    cal,
                    who,
                    &NewDeadline {
                        purpose: purpose.into(),
                        clause: clause.into(),
                        start_event: "作出是否立案的决定".into(),
                        start: today,
                        rule,
                        record_type: Some(RESOURCE.into()),
                        record_id: Some(id),
                        owner_unit_id: actor.unit_id,
                        owner_user_id: None,
                    },
                )
                .await?;
                let due = due_of(&mut tx, clock).await?;
                add_duty(
                    &mut tx,
                    who,
                    duty(id, TELL),
                    Holder::Unit(actor.unit_id),
                    &format!("将是否立案告知举报人：{}", r.product),
                    &link,
                    due.as_deref(),
                    false,
                )
                .await?;
            }
            summary = json!({"step": step.code(), "filed": filed});
        }
        Parsed::Close(outcome, told, note) => {
            close(&mut tx, id, today, outcome, &told).await?;
            discharge(&mut tx, who, duty(id, HANDLE)).await?;
            let mut body = format!("办结：{}", outcome.label());
            if let Some(n) = &note {
                body.push_str(&format!("。{n}"));
            }
            history(
                &mut tx,
                id,
                who,
                unit,
                "closed",
                &body,
                Some(("closed_public", &format!("已办结：{told}"))),
            )
            .await?;
            summary = json!({"step": step.code(), "outcome": outcome.code()});
        }
        Parsed::Merge(into, note) => {
            // The report joined is locked too, so that two reports merged into each other at
            // once cannot both succeed (the second waits, then finds the first merged; a
            // deadlock between them is answered 409).
            crate::procedure::lock(&mut tx, "public_reports", into).await?;
            let primary = get_tx(&mut tx, into).await?;
            let Some(primary) = primary.filter(|p| {
                p.id != id
                    && p.office_unit_id == r.office_unit_id
                    && p.report_state().is_ok_and(ReportState::is_open)
            }) else {
                return Err(AppError::field(
                    "into",
                    "invalid_choice",
                    "只能合并到本机关受理、尚未办结的另一件举报投诉",
                ));
            };
            // The matter is handled on its first report, whose reporter has the priority for a
            // reward (a merged report is never rewarded on its own).
            let first: Option<String> =
                sqlx::query_scalar("SELECT received_at FROM public_reports WHERE id = $1")
                    .bind(into)
                    .fetch_optional(&mut *tx)
                    .await?;
            let mine: Option<String> =
                sqlx::query_scalar("SELECT received_at FROM public_reports WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await?;
            if first > mine {
                return Err(AppError::field(
                    "into",
                    "invalid_choice",
                    "应将后收到的举报投诉合并到先收到的一件，以保留首次举报人的优先权",
                ));
            }
            // Those merged into this one follow it to the first (no chains).
            sqlx::query(
                "UPDATE public_reports SET merged_into = $1 WHERE id = $2 OR merged_into = $2",
            )
            .bind(into)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            // The unit it was routed to no longer handles it: it loses its party row (and with
            // it the reporter's identity).
            sqlx::query(
                "DELETE FROM record_parties WHERE resource = $1 AND record_id = $2 \
                 AND party_role = 'handler'",
            )
            .bind(RESOURCE)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            sqlx::query("UPDATE public_reports SET handler_unit_id = NULL WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            // Its own clocks end: the matter is handled once, on the report it joined.
            let open: Vec<i64> = sqlx::query_scalar(
                "SELECT id FROM deadlines WHERE record_type = $1 AND record_id = $2 AND state = 'open'",
            )
            .bind(RESOURCE)
            .bind(id)
            .fetch_all(&mut *tx)
            .await?;
            for clock in open {
                crate::deadline::store::settle_one(
                    &mut tx,
                    cal,
                    who,
                    clock,
                    Change::Waive {
                        reason: format!("与{}合并办理", primary.tracking_no),
                    },
                )
                .await?;
            }
            discharge(&mut tx, who, duty(id, ROUTE)).await?;
            discharge(&mut tx, who, duty(id, HANDLE)).await?;
            let mut body = format!("合并到{}（{}）办理", primary.tracking_no, primary.product);
            if let Some(n) = &note {
                body.push_str(&format!("：{n}"));
            }
            history(
                &mut tx,
                id,
                who,
                unit,
                "merged",
                &body,
                Some(("merged_public", "已与反映同一事项的举报投诉合并办理")),
            )
            .await?;
            entry(
                &mut tx,
                into,
                who,
                unit,
                "merged_in",
                &format!(
                    "合并了{}（{}收到）",
                    r.tracking_no,
                    crate::calendar::date_zh(&r.received_on)
                ),
                false,
            )
            .await?;
            summary = json!({"step": step.code(), "into": into});
        }
        Parsed::Propose(fines, tier, reasons, claimant) => {
            let claimant = Claimant {
                insider: r.insider == 1,
                ..claimant
            };
            super::reward::eligible(&claimant).map_err(|x| {
                use super::reward::Exclusion::*;
                let field = match x {
                    NotNaturalPerson => "not_natural_person",
                    OrganStaff => "organ_staff",
                    InfringedParty => "infringed_party",
                    Offender => "offender",
                };
                AppError::field(field, "excluded", x.to_string())
            })?;
            // The cap is per case: what the other reports of this matter (the one it
            // was merged into and those merged into it) were awarded counts against it.
            let primary = merged_into(&mut tx, id).await?.unwrap_or(id);
            let already: i64 = sqlx::query_scalar(
                "SELECT CAST(COALESCE(SUM(w.amount_fen), 0) AS BIGINT) FROM public_report_rewards w \
                 JOIN public_reports p ON p.id = w.report_id \
                 WHERE (p.id = $1 OR p.merged_into = $1) AND w.report_id <> $2 \
                 AND w.state <> 'rejected'",
            )
            .bind(primary)
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
            let amount = rewards.amount(tier, fines, Fen::from_fen(already).unwrap_or(Fen::ZERO));
            let joint = rewards.needs_joint_decision(amount);
            let handler = r.handler_unit_id.ok_or(AppError::NotFound)?;
            sqlx::query(
                "INSERT INTO public_report_rewards (report_id, unit_id, state, fines_fen, tier, \
                 amount_fen, reasons, joint_decision, proposed_by, proposed_on, updated_at) \
                 VALUES ($1, $2, 'proposed', $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(id)
            .bind(handler)
            .bind(fines.as_i64())
            .bind(tier.code())
            .bind(amount.as_i64())
            .bind(&reasons)
            .bind(i64::from(joint))
            .bind(&who.name)
            .bind(today.to_string())
            .bind(who.at_text())
            .execute(&mut *tx)
            .await?;
            let body = format!(
                "提出{}举报奖励{}元（罚没款{}元）：{reasons}{}",
                tier.label(),
                amount.yuan_string(),
                fines.yuan_string(),
                if joint {
                    "。奖励金额较大，须与财政部门共同决定"
                } else {
                    ""
                }
            );
            history(
                &mut tx,
                id,
                who,
                unit,
                "reward_proposed",
                &body,
                Some(("reward_public", RewardState::Proposed.public_label())),
            )
            .await?;
            add_duty(
                &mut tx,
                who,
                duty(id, DECIDE_REWARD),
                Holder::UnitRole(handler, crate::access::Role::UnitHead),
                &format!("举报奖励待批准：{}", r.product),
                &link,
                None,
                false,
            )
            .await?;
            summary = json!({"step": step.code(), "tier": tier.code(), "amount_fen": amount.as_i64(), "fines_fen": fines.as_i64(), "joint": joint});
        }
        Parsed::Approve(joint_ref, note) => {
            if r.reward_joint == Some(1) && joint_ref.is_none() {
                return Err(AppError::field(
                    "joint_ref",
                    "required",
                    format!(
                        "奖励金额超过{}元，须写明与财政部门共同决定的文号或记录",
                        Fen::from_fen(rewards.joint_decision_above_fen)
                            .unwrap_or(Fen::ZERO)
                            .yuan_string()
                    ),
                ));
            }
            decide_reward(
                &mut tx,
                who,
                id,
                RewardState::Approved,
                joint_ref.as_deref(),
            )
            .await?;
            let mut body = format!("批准举报奖励{}元", r.reward_yuan());
            if let Some(j) = &joint_ref {
                body.push_str(&format!("（与财政部门共同决定：{j}）"));
            }
            if let Some(n) = &note {
                body.push_str(&format!("：{n}"));
            }
            history(
                &mut tx,
                id,
                who,
                unit,
                "reward_approved",
                &body,
                Some((
                    "reward_public",
                    &format!(
                        "{}（{}元）",
                        RewardState::Approved.public_label(),
                        r.reward_yuan()
                    ),
                )),
            )
            .await?;
            discharge(&mut tx, who, duty(id, DECIDE_REWARD)).await?;
        }
        Parsed::Reject(reasons) => {
            decide_reward(&mut tx, who, id, RewardState::Rejected, None).await?;
            history(
                &mut tx,
                id,
                who,
                unit,
                "reward_rejected",
                &format!("不予奖励：{reasons}"),
                Some(("reward_public", RewardState::Rejected.public_label())),
            )
            .await?;
            discharge(&mut tx, who, duty(id, DECIDE_REWARD)).await?;
        }
        Parsed::Pay(day, voucher) => {
            sqlx::query(
                "UPDATE public_report_rewards SET state = 'paid', paid_on = $1, paid_by = $2, \
                 voucher = $3, identity_verified = 1, updated_at = $4 WHERE report_id = $5 AND state = 'claimed'",
            )
            .bind(day.to_string())
            .bind(&who.name)
            .bind(&voucher)
            .bind(who.at_text())
            .bind(id)
            .execute(&mut *tx)
            .await?;
            history(
                &mut tx,
                id,
                who,
                unit,
                "reward_paid",
                &format!(
                    "发放举报奖励{}元，已当面核验举报人身份证件，凭证号{voucher}",
                    r.reward_yuan()
                ),
                Some(("reward_public", RewardState::Paid.public_label())),
            )
            .await?;
            discharge(&mut tx, who, duty(id, PAY_REWARD)).await?;
            summary =
                json!({"step": step.code(), "paid_on": day.to_string(), "identity_verified": true});
        }
    }
    crate::procedure::transition::<PublicReport>(&mut tx, id, &r.state, next.code()).await?;
    crate::procedure::finish(
        tx,
        who,
        Entry::new("public_report.step", RESOURCE)
            .object(id, Some(r.office_unit_id))
            .summary(summary),
    )
    .await
}

async fn decide_reward(
    tx: &mut Tx,
    who: &Who,
    id: i64,
    to: RewardState,
    joint_ref: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE public_report_rewards SET state = $1, joint_ref = $2, decided_by = $3, \
         decided_on = $4, updated_at = $5 WHERE report_id = $6 AND state = 'proposed'",
    )
    .bind(to.code())
    .bind(joint_ref)
    .bind(&who.name)
    .bind(who.today().to_string())
    .bind(who.at_text())
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The reporter claims an approved reward with the tracking number and password — also when
/// anonymous; the identity is checked at the counter when it is paid. `None` when the number
/// and password do not name a report (said as for a lookup).
pub async fn claim_reward(
    db: &Db,
    who: &Who,
    number: &str,
    password: &str,
) -> AppResult<Option<()>> {
    let Some(found) = find(db, number, password).await? else {
        return Ok(None);
    };
    let mut tx = db.begin().await?;
    crate::procedure::lock(&mut tx, "public_reports", found.id).await?;
    let r = get_tx(&mut tx, found.id).await?.ok_or(AppError::NotFound)?;
    if r.reward() != Some(RewardState::Approved) {
        return Err(AppError::conflict(
            "reward_not_claimable",
            "该举报没有可以申领的奖励",
        ));
    }
    sqlx::query(
        "UPDATE public_report_rewards SET state = 'claimed', claimed_on = $1, updated_at = $2 \
         WHERE report_id = $3 AND state = 'approved'",
    )
    .bind(who.today().to_string())
    .bind(who.at_text())
    .bind(r.id)
    .execute(&mut *tx)
    .await?;
    entry(
        &mut tx,
        r.id,
        who,
        None,
        "reward_claimed",
        RewardState::Claimed.public_label(),
        true,
    )
    .await?;
    let handler = r.handler_unit_id.ok_or(AppError::NotFound)?;
    let link = format!("/public-reports/{}", r.id);
    add_duty(
        &mut tx,
        who,
        duty(r.id, PAY_REWARD),
        Holder::Unit(handler),
        &format!("举报人已申领奖励，待发放：{}", r.product),
        &link,
        None,
        false,
    )
    .await?;
    crate::audit::record(
        &mut tx,
        who,
        Entry::new("public_report.claim_reward", RESOURCE).object(r.id, Some(r.office_unit_id)),
    )
    .await?;
    tx.commit().await?;
    Ok(Some(()))
}

async fn close(
    tx: &mut Tx,
    id: i64,
    today: NaiveDate,
    outcome: Outcome,
    told: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE public_reports SET outcome = $1, public_result = $2, closed_on = $3 WHERE id = $4",
    )
    .bind(outcome.code())
    .bind(told)
    .bind(today.to_string())
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The member units an office may route to: active, not offices, within its region.
pub fn routable_units(all: &[crate::units::store::Unit], actor: &Actor) -> Vec<routing::Candidate> {
    all.iter()
        .filter(|u| u.is_active() && !matches!(u.kind.as_str(), "group_office" | "county_office"))
        .filter(|u| {
            RegionCode::parse(&u.region_code).is_some_and(|c| actor.unit_region.contains(&c))
        })
        .map(|u| routing::Candidate {
            id: u.id,
            name: u.name.clone(),
            kind: u.kind.clone(),
            region_code: u.region_code.clone(),
        })
        .collect()
}

/// A reward in the yearly ledger of the organs that pay them.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LedgerRow {
    pub tracking_no: String,
    pub unit_name: String,
    pub state: String,
    pub tier: String,
    pub fines_fen: i64,
    pub amount_fen: i64,
    pub joint_decision: i64,
    pub joint_ref: Option<String>,
    pub proposed_on: String,
    pub decided_on: Option<String>,
    pub claimed_on: Option<String>,
    pub paid_on: Option<String>,
    pub voucher: Option<String>,
    pub identity_verified: i64,
}

/// The rewards proposed in `year` on reports within `actor`'s scope, by paying organ.
pub async fn reward_ledger(db: &Db, actor: &Actor, year: i32) -> AppResult<Vec<LedgerRow>> {
    let scope = read_scope(actor)?;
    let mut q = Sql::new(
        "SELECT p.tracking_no, u.name AS unit_name, rw.state, rw.tier, rw.fines_fen, rw.amount_fen, \
         rw.joint_decision, rw.joint_ref, rw.proposed_on, rw.decided_on, rw.claimed_on, rw.paid_on, \
         rw.voucher, rw.identity_verified FROM public_report_rewards rw \
         JOIN public_reports p ON p.id = rw.report_id JOIN units u ON u.id = rw.unit_id WHERE rw.proposed_on >= ",
    );
    q.bind(format!("{year}-01-01"))
        .push(" AND rw.proposed_on <= ")
        .bind(format!("{year}-12-31"))
        .push(" AND ");
    q.append(parties_in_scope(&scope, RESOURCE, "p.id"));
    q.push(" ORDER BY u.name, rw.proposed_on, rw.id");
    Ok(q.query_as().fetch_all(&db.pool).await?)
}

/// The ledger as a workbook: one row per reward, the total paid per organ at the end.
pub fn ledger_xlsx(year: i32, rows: &[LedgerRow]) -> AppResult<Vec<u8>> {
    use rust_xlsxwriter::{Format, FormatBorder, Workbook};
    let xl = |e: rust_xlsxwriter::XlsxError| AppError::internal(format!("xlsx: {e}"));
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name(format!("{year}年举报奖励")).map_err(xl)?;
    let title = Format::new().set_bold().set_font_size(14);
    let head = Format::new().set_bold().set_border(FormatBorder::Thin);
    let cell = Format::new().set_border(FormatBorder::Thin);
    let money = Format::new()
        .set_border(FormatBorder::Thin)
        .set_num_format("#,##0.00");
    ws.write_string_with_format(0, 0, format!("{year}年度举报奖励台账"), &title)
        .map_err(xl)?;
    let headers = [
        "查询编号",
        "承办（支付）单位",
        "状态",
        "等级",
        "罚没款（元）",
        "奖励金额（元）",
        "与财政部门共同决定",
        "提出日期",
        "批准日期",
        "申领日期",
        "发放日期",
        "凭证号",
        "身份核验",
    ];
    for (c, h) in headers.iter().enumerate() {
        ws.write_string_with_format(2, c as u16, *h, &head)
            .map_err(xl)?;
    }
    let yuan = |fen: i64| fen as f64 / 100.0;
    let date = |d: &Option<String>| {
        d.as_deref()
            .map(crate::calendar::date_zh)
            .unwrap_or_default()
    };
    let mut row = 3u32;
    for r in rows {
        let texts = [
            r.tracking_no.clone(),
            r.unit_name.clone(),
            RewardState::label_of(&r.state).to_string(),
            Tier::label_of(&r.tier).to_string(),
        ];
        for (c, t) in texts.iter().enumerate() {
            ws.write_string_with_format(row, c as u16, t, &cell)
                .map_err(xl)?;
        }
        ws.write_number_with_format(row, 4, yuan(r.fines_fen), &money)
            .map_err(xl)?;
        ws.write_number_with_format(row, 5, yuan(r.amount_fen), &money)
            .map_err(xl)?;
        let rest = [
            match (r.joint_decision, &r.joint_ref) {
                (1, Some(j)) => format!("是（{j}）"),
                (1, None) => "是".to_string(),
                _ => "否".to_string(),
            },
            crate::calendar::date_zh(&r.proposed_on),
            date(&r.decided_on),
            date(&r.claimed_on),
            date(&r.paid_on),
            r.voucher.clone().unwrap_or_default(),
            if r.identity_verified == 1 {
                "已核验"
            } else {
                ""
            }
            .to_string(),
        ];
        for (i, t) in rest.iter().enumerate() {
            ws.write_string_with_format(row, 6 + i as u16, t, &cell)
                .map_err(xl)?;
        }
        row += 1;
    }
    let mut organs: Vec<(&str, i64)> = Vec::new();
    for r in rows.iter().filter(|r| r.state == "paid") {
        match organs.iter_mut().find(|(n, _)| *n == r.unit_name) {
            Some((_, sum)) => *sum += r.amount_fen,
            None => organs.push((&r.unit_name, r.amount_fen)),
        }
    }
    row += 1;
    for (name, sum) in organs {
        ws.write_string_with_format(row, 1, format!("{name} 已发放合计"), &head)
            .map_err(xl)?;
        ws.write_number_with_format(row, 5, yuan(sum), &money)
            .map_err(xl)?;
        row += 1;
    }
    ws.set_column_width(0, 22).map_err(xl)?;
    ws.set_column_width(1, 28).map_err(xl)?;
    wb.save_to_buffer().map_err(xl)
}

/// A report of the same matter, as the office is offered it or as merged.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
#[schema(as = PublicReportRelated)]
pub struct Related {
    pub id: i64,
    pub tracking_no: String,
    pub product: String,
    pub state: String,
    pub received_at: String,
    /// Why it looks like the same matter (for a candidate), empty for a merged one.
    #[sqlx(default)]
    pub why: String,
    #[serde(skip)]
    #[sqlx(default)]
    credit_code: Option<String>,
    #[serde(skip)]
    #[sqlx(default)]
    brand: Option<String>,
    #[serde(skip)]
    #[sqlx(default)]
    region: String,
    #[serde(skip)]
    #[sqlx(default)]
    description: String,
}

impl Related {
    pub fn received_label(&self) -> String {
        crate::db::time::display(&self.received_at)
    }
    pub fn state_label(&self) -> &'static str {
        ReportState::label_of(&self.state)
    }
}

/// Open reports of the same office that look like the same matter as `r` (the 200 latest are
/// compared).
pub async fn candidates(db: &Db, r: &PublicReport) -> Result<Vec<Related>, sqlx::Error> {
    // The latest 200 open ones, walked down the open reports' partial index: the unary plus
    // keeps SQLite from reading every report of the office by its own index and sorting them
    // (9 ms a report page at 5,000 in the queue).
    let rows: Vec<Related> = sqlx::query_as(
        "SELECT id, tracking_no, product, state, received_at, credit_code, brand, region, description \
         FROM public_reports WHERE +office_unit_id = $1 AND id <> $2 \
         AND state <> 'closed' AND state <> 'merged' ORDER BY id DESC LIMIT 200",
    )
    .bind(r.office_unit_id)
    .bind(r.id)
    .fetch_all(&db.pool)
    .await?;
    let me = super::duplicates::Facts {
        credit_code: r.credit_code.as_deref(),
        brand: r.brand.as_deref(),
        region: &r.region,
        product: &r.product,
        description: &r.description,
    };
    Ok(rows
        .into_iter()
        .filter_map(|mut c| {
            let why = super::duplicates::why_duplicate(
                &me,
                &super::duplicates::Facts {
                    credit_code: c.credit_code.as_deref(),
                    brand: c.brand.as_deref(),
                    region: &c.region,
                    product: &c.product,
                    description: &c.description,
                },
            )?;
            c.why = why.label();
            Some(c)
        })
        .collect())
}

/// The reports of one matter, first received first: `id` and those merged into it. The first
/// reporter's priority for a reward rests on this order.
pub async fn matter(db: &Db, id: i64) -> Result<Vec<Related>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, tracking_no, product, state, received_at FROM public_reports \
         WHERE id = $1 OR merged_into = $1 ORDER BY received_at, id",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await
}

#[derive(sqlx::FromRow)]
struct FigureRow {
    received_on: String,
    closed_on: Option<String>,
    office: String,
    clock: Option<String>,
    due_date: Option<String>,
}

/// What the public figures count: every report received since `since` but those merged into
/// another (the matter is counted once), with its office, the days it took and whether its
/// first clock was kept (as of `today`).
pub async fn figure_facts(
    db: &Db,
    since: NaiveDate,
    today: NaiveDate,
) -> AppResult<Vec<super::figures::Fact>> {
    let rows: Vec<FigureRow> = sqlx::query_as(
        "SELECT p.received_on, p.closed_on, ou.name AS office, d.clock, d.due_date FROM public_reports p \
             JOIN units ou ON ou.id = p.office_unit_id \
             LEFT JOIN deadlines d ON d.record_type = 'public_report' AND d.record_id = p.id \
             AND d.clause IN ($1, $2) \
             WHERE p.received_on >= $3 AND p.state <> 'merged' ORDER BY p.id",
    )
    .bind(flow::CLAUSE_ACCEPT)
    .bind(flow::CLAUSE_VERIFY)
    .bind(since.to_string())
    .fetch_all(&db.pool)
    .await?;
    let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
    Ok(rows
        .into_iter()
        .map(
            |FigureRow {
                 received_on: received,
                 closed_on: closed,
                 office,
                 clock,
                 due_date: due,
             }| {
                let received_on = day(&received);
                let due = due.as_deref().and_then(day);
                let clock: Option<crate::deadline::Clock> =
                    clock.and_then(|c| serde_json::from_str(&c).ok());
                // One definition of on time (deadline::Timeliness); a clock still open past its
                // due date is already not on time.
                let on_time = clock.map(|c| c.state).and_then(|state| {
                    let t = crate::deadline::Timeliness::of(&state, due);
                    match state {
                        crate::deadline::State::Open => due.filter(|d| *d < today).map(|_| false),
                        _ => t.is_settled().then(|| !t.is_late()),
                    }
                });
                super::figures::Fact {
                    month: received.get(..7).unwrap_or("").to_string(),
                    office,
                    days: match (received_on, closed.as_deref().and_then(day)) {
                        (Some(r), Some(c)) => Some((c - r).num_days()),
                        _ => None,
                    },
                    on_time,
                }
            },
        )
        .collect())
}
