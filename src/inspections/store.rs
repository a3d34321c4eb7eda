//! Reading inspections within scope; planning one and recording its report (numbered PDF,
//! rectification tasks), each one transaction with its audit record.

use crate::db::query::Window;
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};

use super::{Plan, PlanInput, ReportInput, parse_report};
use crate::access::sql::parties_in_scope;
use crate::access::{Action, Actor, Resource, Scope};
use crate::audit::{self, Entry, Who};
use crate::context::Ctx;
use crate::db::Db;
use crate::db::query::Sql;
use crate::documents::{OfficialDocument, Paragraph};
use crate::error::{AppError, AppResult};
use crate::notify::store::notify_unit;

pub const RESOURCE: &str = "inspection";

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Inspection {
    pub id: i64,
    pub office_unit_id: i64,
    pub office_unit_name: String,
    pub title: String,
    pub team: String,
    pub starts_on: String,
    pub ends_on: String,
    /// planned, reported
    pub state: String,
    pub report: Option<String>,
    pub number: Option<String>,
    pub sha256: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

impl Inspection {
    pub fn state_label(&self) -> &'static str {
        if self.state == "reported" {
            "已形成检查报告"
        } else {
            "检查中"
        }
    }
}

const SELECT: &str = "SELECT i.id, i.office_unit_id, ou.name AS office_unit_name, i.title, i.team, i.starts_on, i.ends_on, \
    i.state, i.report, i.number, i.sha256, i.created_at, i.updated_at \
    FROM inspections i JOIN units ou ON ou.id = i.office_unit_id WHERE ";

pub fn read_scope(actor: &Actor) -> AppResult<Scope> {
    actor.require(Resource::Inspection, Action::Read)
}

pub async fn get(db: &Db, scope: &Scope, id: i64) -> Result<Option<Inspection>, sqlx::Error> {
    let mut q = Sql::new(SELECT);
    q.push("i.id = ").bind(id).push(" AND ");
    q.append(parties_in_scope(scope, RESOURCE, "i.id"));
    q.query_as().fetch_optional(&db.pool).await
}

pub async fn list(db: &Db, scope: &Scope, w: Window) -> Result<Vec<Inspection>, sqlx::Error> {
    let mut q = Sql::new(SELECT);
    q.append(parties_in_scope(scope, RESOURCE, "i.id"));
    q.push(" ORDER BY i.starts_on DESC, i.id DESC");
    q.push(&w.sql());
    q.query_as().fetch_all(&db.pool).await
}

pub async fn units(db: &Db, id: i64) -> Result<Vec<(i64, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT u.id, u.name FROM inspection_units x JOIN units u ON u.id = x.unit_id WHERE x.inspection_id = $1 ORDER BY u.id",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct FindingRow {
    pub seq: i64,
    pub unit_id: i64,
    pub unit_name: String,
    pub text: String,
    pub due_on: String,
    pub task_id: Option<i64>,
}

pub async fn findings(db: &Db, id: i64) -> Result<Vec<FindingRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT f.seq, f.unit_id, u.name AS unit_name, f.text, f.due_on, f.task_id FROM inspection_findings f \
         JOIN units u ON u.id = f.unit_id WHERE f.inspection_id = $1 ORDER BY f.seq",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await
}

pub async fn pdf(db: &Db, id: i64) -> Result<Option<(String, Vec<u8>)>, sqlx::Error> {
    let row: Option<(Option<String>, Option<Vec<u8>>)> =
        sqlx::query_as("SELECT number, pdf FROM inspections WHERE id = $1")
            .bind(id)
            .fetch_optional(&db.pool)
            .await?;
    Ok(row.and_then(|(n, p)| n.zip(p)))
}

/// The office plans an inspection: its team, dates and the units inspected.
pub async fn plan(db: &Db, actor: &Actor, who: &Who, input: &PlanInput) -> AppResult<i64> {
    actor.require(Resource::Inspection, Action::Create)?;
    let p = Plan::parse(input)?;
    let mut tx = db.begin().await?;
    let now = who.at_text();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO inspections (office_unit_id, title, team, starts_on, ends_on, state, created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, 'planned', $6, $7, $7) RETURNING id",
    )
    .bind(actor.unit_id)
    .bind(&p.title)
    .bind(&p.team)
    .bind(p.starts_on.to_string())
    .bind(p.ends_on.to_string())
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
            "被检查单位不存在或已停用",
            crate::access::jurisdiction::Reach::OwnRegion,
            &actor.unit_region,
        )
        .await?;
        sqlx::query("INSERT INTO inspection_units (inspection_id, unit_id) VALUES ($1, $2)")
            .bind(id)
            .bind(u)
            .execute(&mut *tx)
            .await?;
        crate::access::parties::add(&mut tx, RESOURCE, id, *u, "inspected", &now).await?;
        notify_unit(
            &mut tx,
            who,
            *u,
            &format!("督导检查通知：{}", p.title),
            &format!("{}至{}", p.starts_on, p.ends_on),
            &format!("/inspections/{id}"),
        )
        .await?;
    }
    audit::record(
        &mut tx,
        who,
        Entry::new("inspection.plan", RESOURCE)
            .object(id, Some(actor.unit_id))
            .summary(json!({"units": p.unit_ids})),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// 003 三(四): the team's written report, numbered and rendered as a PDF; each finding becomes
/// a rectification task for the unit inspected (003 三(五)). Taken only through the document
/// chain: previewed when drafted, issued when the office director signs it.
pub async fn report(
    ctx: &Ctx,
    actor: &Actor,
    who: &Who,
    id: i64,
    input: &ReportInput,
) -> AppResult<()> {
    let scope = read_scope(actor)?;
    let i = get(&ctx.db, &scope, id).await?.ok_or(AppError::NotFound)?;
    let office = actor.unit_id == i.office_unit_id && actor.roles.iter().any(|r| r.is_office());
    if !office {
        return Err(AppError::conflict(
            "step_refused",
            "检查报告由组织检查的领导小组办公室录入",
        ));
    }
    if i.state != "planned" {
        return Err(AppError::conflict("step_refused", "该检查已形成检查报告"));
    }
    // Read once, before the write transaction (which must not wait for a second connection).
    let inspected_units = units(&ctx.db, id).await?;
    let inspected: Vec<i64> = inspected_units.iter().map(|(u, _)| *u).collect();
    let today = who.today();
    let (report, found) = parse_report(input, &inspected, today)?;
    let mut tx = ctx.db.begin().await?;
    let changed = sqlx::query("UPDATE inspections SET state = 'reported', report = $1, updated_at = $2 WHERE id = $3 AND state = 'planned'")
        .bind(&report)
        .bind(who.at_text())
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if changed != 1 {
        return Err(AppError::conflict(
            "state_changed",
            "该检查已被他人处理，请刷新页面",
        ));
    }
    let (issuer, number) = crate::numbering::official_number(
        &mut tx,
        i.office_unit_id,
        crate::documents::issuers::Kind::InspectionReport,
        who.today(),
    )
    .await?;
    let name_of = |u: i64| {
        inspected_units
            .iter()
            .find(|(id, _)| *id == u)
            .map(|(_, n)| n.as_str())
            .unwrap_or_default()
    };
    let names: Vec<&str> = inspected_units.iter().map(|(_, n)| n.as_str()).collect();
    let cal = ctx.calendar();
    let mut body = vec![Paragraph::text(format!(
        "{}至{}，检查组（{}）对{}开展了督导检查。",
        crate::calendar::date_zh(&i.starts_on),
        crate::calendar::date_zh(&i.ends_on),
        i.team.replace('\n', "，"),
        names.join("、")
    ))];
    body.push(Paragraph::heading1("一、检查情况"));
    for p in report.split('\n').filter(|p| !p.trim().is_empty()) {
        body.push(Paragraph::text(p.trim()));
    }
    body.push(Paragraph::heading1("二、发现的问题和整改要求"));
    if found.is_empty() {
        body.push(Paragraph::text("未发现需要整改的问题。"));
    }
    for (n, f) in found.iter().enumerate() {
        body.push(Paragraph::text(format!(
            "{}. {}：{}（{}前整改到位）",
            n + 1,
            name_of(f.unit_id),
            f.text,
            crate::calendar::format_date_zh(f.due_on)
        )));
    }
    let doc = OfficialDocument {
        issuer: issuer.name.clone(),
        joint_issuers: Vec::new(),
        number: number.clone(),
        mark: None,
        title: format!("{}报告", i.title),
        addressee: names.join("、"),
        body,
        attachments: Vec::new(),
        signature: issuer.name,
        date: today,
        copy_to: Vec::new(),
        contact: None,
    };
    let pdf = ctx.render_pdf(doc).await?;
    let sha = crate::domain::hex(&Sha256::digest(&pdf));
    sqlx::query("UPDATE inspections SET number = $1, sha256 = $2, pdf = $3 WHERE id = $4")
        .bind(&number)
        .bind(&sha)
        .bind(pdf)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    for (n, f) in found.iter().enumerate() {
        let seq = i64::try_from(n + 1).unwrap_or(i64::MAX);
        let task = crate::tasks::store::insert(
            &mut tx,
            &cal,
            who,
            i.office_unit_id,
            actor.user_id,
            &crate::tasks::model::NewTask {
                title: format!("整改：{}", f.text),
                description: format!(
                    "{number}检查发现的问题第{seq}条：{}。请于{}前整改到位并报告。",
                    f.text, f.due_on
                ),
                source: crate::tasks::flow::Source::InspectionFinding,
                source_ref: Some(format!("{number}第{seq}条")),
                lead_unit_id: f.unit_id,
                cooperating: Vec::new(),
                due_on: f.due_on,
            },
        )
        .await?;
        sqlx::query("INSERT INTO inspection_findings (inspection_id, seq, unit_id, text, due_on, task_id) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(id)
            .bind(seq)
            .bind(f.unit_id)
            .bind(&f.text)
            .bind(f.due_on.to_string())
            .bind(task)
            .execute(&mut *tx)
            .await?;
    }
    // Issued only as the signing of its draft (drafting::store::act), which `finish` seals.
    crate::procedure::finish(
        tx,
        who,
        Entry::new("inspection.report", RESOURCE)
            .object(id, Some(i.office_unit_id))
            .summary(json!({"number": number, "findings": found.len(), "sha256": sha})),
    )
    .await
}
