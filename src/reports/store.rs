//! Report rounds and unit reports: reads within scope, opening a round, submitting a report,
//! each one transaction with its audit record.

use crate::db::query::Window;
use chrono::NaiveDate;
use serde::Serialize;
use serde_json::json;

use super::{Kind, NewReport, ReportInput, Round, RoundInput, Standing, standing};
use crate::access::sql::parties_in_scope;
use crate::access::{Action, Actor, Resource, Role, Scope};
use crate::audit::{self, Entry, Who};
use crate::calendar::{Calendar, Period};
use crate::db::Db;
use crate::db::query::Sql;
use crate::deadline::store::{Change, NewDeadline};
use crate::error::{AppError, AppResult};
use crate::notify::store::{Holder, notify, notify_unit};

pub const ROUND: &str = "report_round";
pub const REPORT: &str = "unit_report";
pub const CLAUSE: &str = "001 §25；003 三(三)";

pub fn read_scope(actor: &Actor) -> AppResult<Scope> {
    actor.require(Resource::Report, Action::Read)
}

fn office_role(actor: &Actor) -> bool {
    actor.roles.iter().any(|r| r.is_office())
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct RoundRow {
    pub id: i64,
    pub office_unit_id: i64,
    pub kind: String,
    pub period_label: String,
    pub period_start: String,
    pub period_end: String,
    pub due_on: String,
    pub created_at: String,
}

impl RoundRow {
    pub fn kind_label(&self) -> &'static str {
        Kind::label_of(&self.kind)
    }
}

pub async fn rounds(db: &Db, scope: &Scope, w: Window) -> Result<Vec<RoundRow>, sqlx::Error> {
    let mut q = Sql::new(
        "SELECT r.id, r.office_unit_id, r.kind, r.period_label, r.period_start, r.period_end, r.due_on, r.created_at \
         FROM report_rounds r WHERE ",
    );
    q.append(parties_in_scope(scope, ROUND, "r.id"));
    q.push(" ORDER BY r.due_on DESC, r.id DESC");
    q.push(&w.sql());
    q.query_as().fetch_all(&db.pool).await
}

pub async fn round(db: &Db, scope: &Scope, id: i64) -> Result<Option<RoundRow>, sqlx::Error> {
    let mut q = Sql::new(
        "SELECT r.id, r.office_unit_id, r.kind, r.period_label, r.period_start, r.period_end, r.due_on, r.created_at \
         FROM report_rounds r WHERE r.id = ",
    );
    q.bind(id).push(" AND ");
    q.append(parties_in_scope(scope, ROUND, "r.id"));
    q.query_as().fetch_optional(&db.pool).await
}

/// One unit's standing in a round.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UnitStanding {
    pub unit_id: i64,
    pub unit_name: String,
    pub submitted_on: Option<String>,
    pub standing: Standing,
    pub standing_label: &'static str,
}

/// Who reported on time, late, or not at all; the late and missing first.
pub async fn standings(
    db: &Db,
    r: &RoundRow,
    today: NaiveDate,
) -> Result<Vec<UnitStanding>, sqlx::Error> {
    // Each unit is judged against its own clock: the engine may have moved a due date off a
    // rest day, or the office may have extended it.
    let rows: Vec<(i64, String, Option<String>, Option<String>)> = sqlx::query_as(
        "SELECT x.unit_id, u.name, (SELECT MIN(p.submitted_on) FROM unit_reports p WHERE p.round_id = x.round_id AND p.unit_id = x.unit_id), \
         d.due_date FROM report_round_units x JOIN units u ON u.id = x.unit_id LEFT JOIN deadlines d ON d.id = x.deadline_id \
         WHERE x.round_id = $1 ORDER BY u.id",
    )
    .bind(r.id)
    .fetch_all(&db.pool)
    .await?;
    let date = |d: Option<&str>| d.and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
    let round_due = date(Some(&r.due_on)).unwrap_or(today);
    let mut out: Vec<UnitStanding> = rows
        .into_iter()
        .map(|(unit_id, unit_name, submitted_on, due_date)| {
            let s = standing(
                date(submitted_on.as_deref()),
                date(due_date.as_deref()).unwrap_or(round_due),
                today,
            );
            UnitStanding {
                unit_id,
                unit_name,
                submitted_on,
                standing: s,
                standing_label: s.label(),
            }
        })
        .collect();
    out.sort_by_key(|u| match u.standing {
        Standing::Missing => 0,
        Standing::Late => 1,
        Standing::Pending => 2,
        Standing::OnTime => 3,
    });
    Ok(out)
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ReportRow {
    pub id: i64,
    pub kind: String,
    pub round_id: Option<i64>,
    pub unit_id: i64,
    pub unit_name: String,
    pub title: String,
    pub body: String,
    pub cases_filed: Option<i64>,
    pub amount_fen: Option<i64>,
    pub cases_transferred: Option<i64>,
    pub submitted_by_name: String,
    pub submitted_on: String,
    pub submitted_at: String,
    /// 001 §24: when the office reported the major matter to the leaders, who, and its words.
    pub forwarded_at: Option<String>,
    pub forwarded_by_name: Option<String>,
    pub forward_note: Option<String>,
}

impl ReportRow {
    /// A major matter the office has still to report to the leaders.
    pub fn awaits_forwarding(&self) -> bool {
        self.kind == Kind::MajorMatter.code() && self.forwarded_at.is_none()
    }
    pub fn kind_label(&self) -> &'static str {
        Kind::label_of(&self.kind)
    }
    pub fn amount_text(&self) -> String {
        self.amount_fen
            .and_then(crate::domain::money::Fen::from_fen)
            .map(|f| format!("{} 元", f.yuan_string()))
            .unwrap_or_else(|| "—".into())
    }
}

fn select_reports(scope: &Scope) -> Sql {
    let mut q = Sql::new(
        "SELECT p.id, p.kind, p.round_id, p.unit_id, u.name AS unit_name, p.title, p.body, p.cases_filed, p.amount_fen, \
         p.cases_transferred, p.submitted_by_name, p.submitted_on, p.submitted_at, p.forwarded_at, p.forwarded_by_name, \
         p.forward_note FROM unit_reports p JOIN units u ON u.id = p.unit_id WHERE ",
    );
    q.append(parties_in_scope(scope, REPORT, "p.id"));
    q
}

pub async fn reports(
    db: &Db,
    scope: &Scope,
    round_id: Option<i64>,
    w: Window,
) -> Result<Vec<ReportRow>, sqlx::Error> {
    let mut q = select_reports(scope);
    if let Some(r) = round_id {
        q.push(" AND p.round_id = ").bind(r);
    }
    q.push(" ORDER BY p.submitted_at DESC, p.id DESC");
    q.push(&w.sql());
    q.query_as().fetch_all(&db.pool).await
}

/// The reports among `ids` that `scope` may read, however old (a briefing's selection).
pub async fn chosen(db: &Db, scope: &Scope, ids: &[i64]) -> Result<Vec<ReportRow>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = select_reports(scope);
    q.push(" AND p.id IN (");
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            q.push(", ");
        }
        q.bind(*id);
    }
    q.push(")");
    q.query_as().fetch_all(&db.pool).await
}

/// The office opens a round of periodic reports with its due date; each unit gets a clock.
pub async fn open_round(
    db: &Db,
    cal: &Calendar,
    actor: &Actor,
    who: &Who,
    input: &RoundInput,
) -> AppResult<i64> {
    actor.require(Resource::Report, Action::Create)?;
    if !office_role(actor) {
        return Err(AppError::Forbidden);
    }
    let today = who.today();
    let r = Round::parse(input, today)?;
    let mut tx = db.begin().await?;
    let now = who.at_text();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO report_rounds (office_unit_id, kind, period_label, period_start, period_end, due_on, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(actor.unit_id)
    .bind(r.kind.code())
    .bind(&r.period_label)
    .bind(r.period_start.to_string())
    .bind(r.period_end.to_string())
    .bind(r.due_on.to_string())
    .bind(actor.user_id)
    .bind(&now)
    .fetch_one(&mut *tx)
    .await?;
    crate::access::parties::add(&mut tx, ROUND, id, actor.unit_id, "office", &now).await?;
    for u in &r.unit_ids {
        crate::units::store::require_named(
            &mut tx,
            *u,
            "unit_ids",
            "报送单位不存在或已停用",
            crate::access::jurisdiction::Reach::OwnRegion,
            &actor.unit_region,
        )
        .await?;
        let deadline = crate::deadline::store::open(
            &mut tx,
            cal,
            who,
            &NewDeadline {
                purpose: format!("报送{}（{}）", r.kind.label(), r.period_label),
                clause: CLAUSE.into(),
                start_event: "领导小组办公室通知报送".into(),
                start: today,
                // The due date the office named, kept as named.
                rule: Period::Until(r.due_on),
                record_type: Some(ROUND.into()),
                record_id: Some(id),
                owner_unit_id: *u,
                owner_user_id: None,
            },
        )
        .await?;
        sqlx::query(
            "INSERT INTO report_round_units (round_id, unit_id, deadline_id) VALUES ($1, $2, $3)",
        )
        .bind(id)
        .bind(u)
        .bind(deadline)
        .execute(&mut *tx)
        .await?;
        crate::access::parties::add(&mut tx, ROUND, id, *u, "reporter", &now).await?;
        let title = format!("请报送{}（{}）", r.kind.label(), r.period_label);
        let link = format!("/reports/rounds/{id}");
        notify_unit(
            &mut tx,
            who,
            *u,
            &title,
            &format!("{}前报送", crate::calendar::date_zh(r.due_on)),
            &link,
        )
        .await?;
        crate::notify::store::add_duty(
            &mut tx,
            who,
            report_duty(id),
            Holder::Unit(*u),
            &title,
            &link,
            Some(&r.due_on.to_string()),
            false,
        )
        .await?;
    }
    audit::record(
        &mut tx,
        who,
        Entry::new("report.open_round", ROUND)
            .object(id, Some(actor.unit_id))
            .summary(
                json!({"kind": r.kind.code(), "due_on": r.due_on.to_string(), "units": r.unit_ids}),
            ),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// The office a unit reports to: its own region's group office.
async fn office_of(tx: &mut crate::db::Tx, actor: &Actor) -> AppResult<i64> {
    let id: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM units WHERE kind IN ('group_office', 'county_office') AND region_code = $1 AND active = 1 ORDER BY id LIMIT 1",
    )
    .bind(actor.unit_region.as_str())
    .fetch_optional(&mut **tx)
    .await?;
    id.ok_or_else(|| AppError::conflict("no_office", "本地区尚未设立领导小组办公室，无法报送"))
}

/// A unit submits a report: to a round (its clock is met by the first report), or a
/// major-matter report, which the office passes to the group's leaders at once (001 §24).
pub async fn submit(
    db: &Db,
    cal: &Calendar,
    actor: &Actor,
    who: &Who,
    input: &ReportInput,
) -> AppResult<i64> {
    actor.require(Resource::Report, Action::Create)?;
    let reporter = actor.roles.iter().any(|r| {
        matches!(
            r,
            Role::UnitLiaison | Role::UnitHandler | Role::CountyOfficeStaff
        )
    });
    if !reporter {
        return Err(AppError::Forbidden);
    }
    let round_id = match input.round_id.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(r) => Some(crate::domain::text::id("round_id", "报送期别", r)?),
    };
    let (kind, round) = match round_id {
        Some(rid) => {
            let r = round(db, &Scope::Unit(actor.unit_id), rid)
                .await?
                .filter(|r| r.office_unit_id != actor.unit_id)
                .ok_or_else(|| {
                    AppError::field("round_id", "not_found", "本单位不在该期报送范围内")
                })?;
            (
                Kind::parse(&r.kind).ok_or_else(|| AppError::internal("round kind"))?,
                Some(r),
            )
        }
        None => match Kind::parse(&input.kind) {
            Some(Kind::MajorMatter) => (Kind::MajorMatter, None),
            _ => {
                return Err(AppError::field(
                    "kind",
                    "invalid_choice",
                    "定期信息请在相应报送期别中报送；其他情况请选择重大事项报告",
                ));
            }
        },
    };
    let n = NewReport::parse(input, kind)?;
    let mut tx = db.begin().await?;
    if let Some(r) = &round {
        // One report per unit and round: the round's row lock orders two submissions sent at
        // once, and the second finds the first.
        crate::procedure::lock(&mut tx, "report_rounds", r.id).await?;
        let already: Option<i64> =
            sqlx::query_scalar("SELECT id FROM unit_reports WHERE round_id = $1 AND unit_id = $2")
                .bind(r.id)
                .bind(actor.unit_id)
                .fetch_optional(&mut *tx)
                .await?;
        if already.is_some() {
            return Err(AppError::conflict(
                "already_reported",
                "本单位已报送本期信息，请勿重复报送",
            ));
        }
    }
    let office = match &round {
        Some(r) => r.office_unit_id,
        None => office_of(&mut tx, actor).await?,
    };
    let today = who.today();
    let now = who.at_text();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO unit_reports (kind, round_id, office_unit_id, unit_id, title, body, cases_filed, amount_fen, cases_transferred, \
         submitted_by_name, submitted_on, submitted_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
    )
    .bind(kind.code())
    .bind(round_id)
    .bind(office)
    .bind(actor.unit_id)
    .bind(&n.title)
    .bind(&n.body)
    .bind(n.cases_filed)
    .bind(n.amount.map(|a| a.as_i64()))
    .bind(n.cases_transferred)
    .bind(&who.name)
    .bind(today.to_string())
    .bind(&now)
    .fetch_one(&mut *tx)
    .await?;
    crate::access::parties::add(&mut tx, REPORT, id, actor.unit_id, "reporter", &now).await?;
    crate::access::parties::add(&mut tx, REPORT, id, office, "office", &now).await?;
    if let Some(r) = &round {
        let deadline: Option<Option<i64>> = sqlx::query_scalar(
            "SELECT deadline_id FROM report_round_units WHERE round_id = $1 AND unit_id = $2",
        )
        .bind(r.id)
        .bind(actor.unit_id)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(Some(d)) = deadline {
            crate::deadline::store::settle_one(&mut tx, cal, who, d, Change::Met { on: today })
                .await?;
        }
        crate::notify::store::discharge_for(
            &mut tx,
            who,
            report_duty(r.id),
            Holder::Unit(actor.unit_id),
        )
        .await?;
    } else {
        // The leaders learn of it at once; the office owes them its report (001 §24), a duty
        // of its own, discharged by `forward`.
        notify_unit(
            &mut tx,
            who,
            office,
            &format!("重大事项报告：{}", n.title),
            &actor.unit_name,
            "/reports",
        )
        .await?;
        crate::notify::store::add_duty(
            &mut tx,
            who,
            forward_duty(id),
            crate::notify::store::Holder::Unit(office),
            &format!("汇总重大事项并报告组长、副组长：{}", n.title),
            "/reports",
            None,
            false,
        )
        .await?;
        let leaders =
            crate::notify::store::holders_of_role(&mut tx, Role::GroupLeader, office).await?;
        for l in leaders {
            notify(
                &mut tx,
                who,
                l,
                &format!("重大事项报告：{}", n.title),
                &actor.unit_name,
                Some("/reports"),
            )
            .await?;
        }
    }
    audit::record(
        &mut tx,
        who,
        Entry::new("report.submit", REPORT)
            .object(id, Some(actor.unit_id))
            .summary(json!({"kind": kind.code(), "round_id": round_id})),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Each unit's duty to report to a round (001 §25; 003 三(三)).
fn report_duty(round: i64) -> crate::notify::store::Duty<'static> {
    crate::notify::store::Duty::new(ROUND, round, "report")
}

/// The office's duty to report a unit's major matter to the leaders (001 §24).
fn forward_duty(id: i64) -> crate::notify::store::Duty<'static> {
    crate::notify::store::Duty::new(REPORT, id, "forward_to_leaders")
}

/// 001 §24: the group office reports a unit's major matter to the group's leader and deputies,
/// with its own words (a summary, a suggestion to convene a plenary or special meeting). Only
/// the office the matter was reported to, once: the update is conditional, so of two at once
/// one wins and the other is told.
pub async fn forward(db: &Db, actor: &Actor, who: &Who, id: i64, note: &str) -> AppResult<()> {
    actor.require(Resource::Report, Action::Create)?;
    if !office_role(actor) {
        return Err(AppError::Forbidden);
    }
    let note = crate::domain::text::required_long("note", "报告意见", note, 2000)?;
    let r = chosen(db, &Scope::Unit(actor.unit_id), &[id])
        .await?
        .into_iter()
        .next()
        .ok_or(AppError::NotFound)?;
    if r.kind != Kind::MajorMatter.code() {
        return Err(AppError::conflict(
            "not_major_matter",
            "只有重大事项报告需要报告组长、副组长",
        ));
    }
    let mut tx = db.begin().await?;
    let office: i64 = sqlx::query_scalar("SELECT office_unit_id FROM unit_reports WHERE id = $1")
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
    if office != actor.unit_id {
        return Err(AppError::Forbidden);
    }
    let n = sqlx::query(
        "UPDATE unit_reports SET forwarded_at = $1, forwarded_by_name = $2, forward_note = $3 \
         WHERE id = $4 AND forwarded_at IS NULL",
    )
    .bind(who.at_text())
    .bind(&who.name)
    .bind(&note)
    .bind(id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if n != 1 {
        return Err(AppError::conflict(
            "already_forwarded",
            "该重大事项已报告组长、副组长，请刷新页面",
        ));
    }
    let leaders = crate::notify::store::holders_of_role(&mut tx, Role::GroupLeader, office).await?;
    for l in leaders {
        notify(
            &mut tx,
            who,
            l,
            &format!("领导小组办公室报告重大事项：{}", r.title),
            &format!("{}报告。办公室意见：{note}", r.unit_name),
            Some("/reports"),
        )
        .await?;
    }
    crate::notify::store::discharge(&mut tx, who, forward_duty(id)).await?;
    audit::record(
        &mut tx,
        who,
        Entry::new("report.forward", REPORT)
            .object(id, Some(office))
            .summary(json!({"unit_id": r.unit_id})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
