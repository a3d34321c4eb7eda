//! Direct reporting in storage: data sets, periods and returns read within the reader's
//! scope; the office's acts (define a set, open and close a period) and the steps on a return
//! through the procedure kernel, each one transaction with its audit record; the figures the
//! platform prefills; and the totals up the region tree.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::model::{
    self, DataSet, Figure, FiguresInput, Indicator, Lock, PeriodKey, SetInput, Source, Standing,
    State, Step,
};
use crate::access::sql::parties_in_scope;
use crate::access::{Action, Actor, Resource, Role, Scope};
use crate::audit::{self, Entry, Who};
use crate::calendar::{Calendar, Period};
use crate::db::query::Sql;
use crate::db::{Db, Tx};
use crate::deadline::store::{Change, NewDeadline};
use crate::domain::RegionCode;
use crate::error::{AppError, AppResult};
use crate::notify::store::{Duty, Holder, add_duty, discharge_for, notify_unit};

pub const SET: &str = "dr_set";
pub const PERIOD: &str = "dr_period";
pub const RETURN: &str = "dr_return";

pub fn read_scope(actor: &Actor) -> AppResult<Scope> {
    actor.require(Resource::Report, Action::Read)
}

fn office_role(actor: &Actor) -> bool {
    actor.roles.iter().any(|r| r.is_office())
}

fn reporter_role(actor: &Actor) -> bool {
    actor.roles.iter().any(|r| {
        matches!(
            r,
            Role::UnitLiaison | Role::UnitHandler | Role::CountyOfficeStaff
        )
    })
}

// ---------------------------------------------------------------------------------------------
// Data sets.

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
#[schema(as = DirectReportSetRow)]
pub struct SetRow {
    pub id: i64,
    pub office_unit_id: i64,
    pub office_unit_name: String,
    #[serde(skip)]
    pub office_region: String,
    pub name: String,
    pub periodicity: String,
    pub due_working_days: i64,
    /// JSON of the indicators.
    #[serde(skip)]
    pub indicators_json: String,
    #[serde(skip)]
    pub checks_json: String,
    pub created_at: String,
}

/// A data set with its indicators and checks, as the API gives it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = DirectReportSet)]
pub struct SetView {
    #[serde(flatten)]
    pub row: SetRow,
    pub indicators: Vec<Indicator>,
    pub checks: Vec<String>,
}

impl SetRow {
    pub fn data_set(&self) -> AppResult<DataSet> {
        Ok(DataSet {
            name: self.name.clone(),
            periodicity: model::Periodicity::parse(&self.periodicity)
                .ok_or_else(|| AppError::internal("data set periodicity"))?,
            due_working_days: u32::try_from(self.due_working_days)
                .map_err(|_| AppError::internal("data set due days"))?,
            indicators: serde_json::from_str(&self.indicators_json)
                .map_err(|e| AppError::internal(format!("data set indicators: {e}")))?,
            checks: serde_json::from_str(&self.checks_json)
                .map_err(|e| AppError::internal(format!("data set checks: {e}")))?,
        })
    }
    pub fn view(self) -> AppResult<SetView> {
        let d = self.data_set()?;
        Ok(SetView {
            row: self,
            indicators: d.indicators,
            checks: d.checks,
        })
    }
    pub fn periodicity_label(&self) -> &'static str {
        model::Periodicity::label_of(&self.periodicity)
    }
}

const SET_SELECT: &str = "SELECT s.id, s.office_unit_id, o.name AS office_unit_name, o.region_code AS office_region, \
     s.name, s.periodicity, s.due_working_days, s.indicators AS indicators_json, s.checks AS checks_json, s.created_at \
     FROM dr_sets s JOIN units o ON o.id = s.office_unit_id";

/// The data sets the reader works with: those of its own office and of the offices above it
/// (a county reports the city's sets), and for an office those of the offices below it.
pub async fn sets(db: &Db, actor: &Actor) -> AppResult<Vec<SetRow>> {
    read_scope(actor)?;
    let rows: Vec<SetRow> =
        sqlx::query_as(sqlx::AssertSqlSafe(format!("{SET_SELECT} ORDER BY s.id")))
            .fetch_all(&db.pool)
            .await?;
    Ok(rows
        .into_iter()
        .filter(|s| {
            RegionCode::parse(&s.office_region).is_some_and(|r| {
                r.contains(&actor.unit_region)
                    || (office_role(actor) && actor.unit_region.contains(&r))
            })
        })
        .collect())
}

pub async fn set(db: &Db, actor: &Actor, id: i64) -> AppResult<SetRow> {
    sets(db, actor)
        .await?
        .into_iter()
        .find(|s| s.id == id)
        .ok_or(AppError::NotFound)
}

fn require_office(actor: &Actor) -> AppResult<()> {
    actor.require(Resource::Report, Action::Create)?;
    if !office_role(actor) {
        return Err(AppError::Forbidden);
    }
    Ok(())
}

/// An office defines a data set (001 §15–16), from the indicators offices report on this work
/// unless it names its own.
pub async fn create_set(db: &Db, actor: &Actor, who: &Who, input: &SetInput) -> AppResult<i64> {
    require_office(actor)?;
    let s = DataSet::parse(input)?;
    let mut tx = db.begin().await?;
    let now = who.at_text();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO dr_sets (office_unit_id, name, periodicity, due_working_days, indicators, checks, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
    )
    .bind(actor.unit_id)
    .bind(&s.name)
    .bind(s.periodicity.code())
    .bind(i64::from(s.due_working_days))
    .bind(json!(s.indicators).to_string())
    .bind(json!(s.checks).to_string())
    .bind(&now)
    .fetch_one(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        who,
        Entry::new("direct_report.define_set", SET)
            .object(id, Some(actor.unit_id))
            .summary(json!({"name": s.name, "periodicity": s.periodicity.code(), "indicators": s.indicators.len(), "checks": s.checks})),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// The office changes its data set: name, due days and checks at any time; the indicators and
/// the periodicity only until a period has been opened, so that every period of a set counts
/// the same things.
pub async fn update_set(
    db: &Db,
    actor: &Actor,
    who: &Who,
    id: i64,
    input: &SetInput,
) -> AppResult<()> {
    require_office(actor)?;
    let old = set(db, actor, id).await?;
    if old.office_unit_id != actor.unit_id {
        return Err(AppError::Forbidden);
    }
    let mut input = input.clone();
    let before = old.data_set()?;
    if input.indicators.is_none() && input.template.is_none() {
        input.indicators = Some(before.indicators.clone());
    }
    let s = DataSet::parse(&input)?;
    let mut tx = db.begin().await?;
    crate::procedure::lock(&mut tx, "dr_sets", id).await?;
    let opened: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM dr_periods WHERE set_id = $1")
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
    if opened > 0 && s.indicators != before.indicators {
        return Err(AppError::field(
            "indicators",
            "fixed",
            "本数据集已开启过统计期，指标不能再修改；如需新的指标，请另建数据集",
        ));
    }
    if opened > 0 && s.periodicity != before.periodicity {
        return Err(AppError::field(
            "periodicity",
            "fixed",
            "本数据集已开启过统计期，报送周期不能再修改",
        ));
    }
    sqlx::query(
        "UPDATE dr_sets SET name = $1, periodicity = $2, due_working_days = $3, indicators = $4, checks = $5, updated_at = $6 WHERE id = $7",
    )
    .bind(&s.name)
    .bind(s.periodicity.code())
    .bind(i64::from(s.due_working_days))
    .bind(json!(s.indicators).to_string())
    .bind(json!(s.checks).to_string())
    .bind(who.at_text())
    .bind(id)
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        who,
        Entry::new("direct_report.change_set", SET)
            .object(id, Some(actor.unit_id))
            .summary(
                json!({"name": s.name, "due_working_days": s.due_working_days, "checks": s.checks}),
            ),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Periods.

#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = DirectReportPeriodInput)]
pub struct PeriodInput {
    /// "2026-11", "2026-Q3" or "2026", as the set's periodicity asks.
    pub period: String,
    /// The units that report; left empty, every active unit of the office's region other
    /// than offices and leading groups.
    #[serde(default)]
    pub unit_ids: Vec<String>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
#[schema(as = DirectReportPeriod)]
pub struct PeriodRow {
    pub id: i64,
    pub set_id: i64,
    pub set_name: String,
    pub office_unit_id: i64,
    pub period_code: String,
    pub label: String,
    pub period_start: String,
    pub period_end: String,
    pub due_on: String,
    /// `open` or `closed`.
    pub state: String,
    pub closed_on: Option<String>,
    pub created_at: String,
}

impl PeriodRow {
    pub fn closed(&self) -> bool {
        self.state == "closed"
    }
    pub fn due(&self) -> NaiveDate {
        NaiveDate::parse_from_str(&self.due_on, "%Y-%m-%d").unwrap_or_default()
    }
    pub fn due_zh(&self) -> String {
        crate::calendar::date_zh(&self.due_on)
    }
}

const PERIOD_SELECT: &str = "SELECT p.id, p.set_id, s.name AS set_name, p.office_unit_id, p.period_code, p.label, \
     p.period_start, p.period_end, p.due_on, p.state, p.closed_on, p.created_at \
     FROM dr_periods p JOIN dr_sets s ON s.id = p.set_id WHERE ";

fn period_visible(scope: &Scope, actor: &Actor) -> Sql {
    let mut q = Sql::new("(p.office_unit_id = ");
    q.bind(actor.unit_id);
    q.push(" OR EXISTS (SELECT 1 FROM dr_returns r WHERE r.period_id = p.id AND ");
    q.append(parties_in_scope(scope, RETURN, "r.id"));
    q.push("))");
    q
}

/// The periods the reader reports in, checks or opened, newest first.
pub async fn periods(db: &Db, actor: &Actor) -> AppResult<Vec<PeriodRow>> {
    let scope = read_scope(actor)?;
    let mut q = Sql::new(PERIOD_SELECT);
    q.append(period_visible(&scope, actor));
    q.push(" ORDER BY p.period_start DESC, p.id DESC LIMIT 200");
    Ok(q.query_as().fetch_all(&db.pool).await?)
}

pub async fn period(db: &Db, actor: &Actor, id: i64) -> AppResult<PeriodRow> {
    let scope = read_scope(actor)?;
    let mut q = Sql::new(PERIOD_SELECT);
    q.push("p.id = ").bind(id).push(" AND ");
    q.append(period_visible(&scope, actor));
    q.query_as()
        .fetch_optional(&db.pool)
        .await?
        .ok_or(AppError::NotFound)
}

/// The office of a unit's region: it checks the unit's figures.
async fn office_of(tx: &mut Tx, region: &str) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT id FROM units WHERE kind IN ('group_office', 'county_office') AND region_code = $1 AND active = 1 ORDER BY id LIMIT 1",
    )
    .bind(region)
    .fetch_optional(&mut **tx)
    .await
}

fn return_duty(id: i64) -> Duty<'static> {
    Duty::new(RETURN, id, "report")
}

fn check_duty(id: i64) -> Duty<'static> {
    Duty::new(RETURN, id, "check")
}

/// The office that owns a data set opens one of its periods: the due date is the set's number
/// of working days after the period's last day, on the deadline engine; each reporting unit
/// gets its return, its clock and its to-do.
pub async fn open_period(
    db: &Db,
    cal: &Calendar,
    actor: &Actor,
    who: &Who,
    set_id: i64,
    input: &PeriodInput,
) -> AppResult<i64> {
    require_office(actor)?;
    let s = set(db, actor, set_id).await?;
    if s.office_unit_id != actor.unit_id {
        return Err(AppError::Forbidden);
    }
    let data = s.data_set()?;
    let key = PeriodKey::parse(data.periodicity, &input.period)
        .map_err(|m| AppError::field("period", "invalid_format", m))?;
    let (start, end) = key.bounds();
    let rule = Period::WorkingDays(data.due_working_days);
    let due = cal
        .due_date(end, rule)
        .map_err(|e| AppError::field("period", "calendar", e.to_string()))?;
    let today = who.today();
    if let Some(m) = model::opening_refusal(&key, due, today) {
        return Err(AppError::field("period", "out_of_range", m));
    }
    let mut unit_ids = Vec::new();
    for u in input.unit_ids.iter().filter(|u| !u.trim().is_empty()) {
        let id = crate::domain::text::id("unit_ids", "报送单位", u)?;
        if !unit_ids.contains(&id) {
            unit_ids.push(id);
        }
    }
    let mut tx = db.begin().await?;
    crate::procedure::lock(&mut tx, "dr_sets", set_id).await?;
    let exists: Option<i64> =
        sqlx::query_scalar("SELECT id FROM dr_periods WHERE set_id = $1 AND period_code = $2")
            .bind(set_id)
            .bind(key.code())
            .fetch_optional(&mut *tx)
            .await?;
    if exists.is_some() {
        return Err(AppError::field(
            "period",
            "already_open",
            format!("{}已经开启", key.label()),
        ));
    }
    if unit_ids.is_empty() {
        let all: Vec<(i64, String)> = sqlx::query_as(
            "SELECT id, region_code FROM units WHERE active = 1 AND kind NOT IN ('leading_group', 'group_office', 'county_group', 'county_office') ORDER BY id",
        )
        .fetch_all(&mut *tx)
        .await?;
        unit_ids = all
            .into_iter()
            .filter(|(_, r)| RegionCode::parse(r).is_some_and(|r| actor.unit_region.contains(&r)))
            .map(|(id, _)| id)
            .collect();
        if unit_ids.is_empty() {
            return Err(AppError::field("unit_ids", "required", "请选择报送单位"));
        }
    }
    let now = who.at_text();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO dr_periods (set_id, office_unit_id, period_code, label, period_start, period_end, due_on, state, opened_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'open', $8, $9, $9) RETURNING id",
    )
    .bind(set_id)
    .bind(actor.unit_id)
    .bind(key.code())
    .bind(key.label())
    .bind(start.to_string())
    .bind(end.to_string())
    .bind(due.to_string())
    .bind(actor.user_id)
    .bind(&now)
    .fetch_one(&mut *tx)
    .await?;
    for u in &unit_ids {
        crate::units::store::require_named(
            &mut tx,
            *u,
            "unit_ids",
            "报送单位不存在或已停用",
            crate::access::jurisdiction::Reach::OwnRegion,
            &actor.unit_region,
        )
        .await?;
        let (kind, region): (String, String) =
            sqlx::query_as("SELECT kind, region_code FROM units WHERE id = $1")
                .bind(u)
                .fetch_one(&mut *tx)
                .await?;
        if matches!(
            kind.as_str(),
            "leading_group" | "group_office" | "county_group" | "county_office"
        ) {
            return Err(AppError::field(
                "unit_ids",
                "invalid_choice",
                "领导小组及其办公室汇总下级数据，不作为报送单位",
            ));
        }
        let checker = office_of(&mut tx, &region).await?.ok_or_else(|| {
            AppError::field(
                "unit_ids",
                "no_office",
                "报送单位所在地区尚未设立领导小组办公室，无人审核",
            )
        })?;
        let rid: i64 = sqlx::query_scalar(
            "INSERT INTO dr_returns (period_id, unit_id, checker_unit_id, state, created_at, updated_at) \
             VALUES ($1, $2, $3, 'draft', $4, $4) RETURNING id",
        )
        .bind(id)
        .bind(u)
        .bind(checker)
        .bind(&now)
        .fetch_one(&mut *tx)
        .await?;
        let deadline = crate::deadline::store::open(
            &mut tx,
            cal,
            who,
            &NewDeadline {
                purpose: format!("报送{}（{}）", s.name, key.label()),
                clause: model::CLAUSE.into(),
                start_event: "统计期结束".into(),
                start: end,
                rule,
                record_type: Some(RETURN.into()),
                record_id: Some(rid),
                owner_unit_id: *u,
                owner_user_id: None,
            },
        )
        .await?;
        sqlx::query("UPDATE dr_returns SET deadline_id = $1 WHERE id = $2")
            .bind(deadline)
            .bind(rid)
            .execute(&mut *tx)
            .await?;
        crate::access::parties::add(&mut tx, RETURN, rid, *u, "reporter", &now).await?;
        crate::access::parties::add(&mut tx, RETURN, rid, checker, "checker", &now).await?;
        let title = format!("请报送{}（{}）", s.name, key.label());
        let link = format!("/direct-reports/returns/{rid}");
        notify_unit(
            &mut tx,
            who,
            *u,
            &title,
            &format!("{}前报送", crate::calendar::date_zh(due)),
            &link,
        )
        .await?;
        add_duty(
            &mut tx,
            who,
            return_duty(rid),
            Holder::Unit(*u),
            &title,
            &link,
            Some(&due.to_string()),
            false,
        )
        .await?;
    }
    audit::record(
        &mut tx,
        who,
        Entry::new("direct_report.open_period", PERIOD)
            .object(id, Some(actor.unit_id))
            .summary(json!({"set_id": set_id, "period": key.code(), "due_on": due.to_string(), "units": unit_ids})),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// The office closes a period: every return is locked, whatever its state, until it grants an
/// exception.
pub async fn close_period(db: &Db, actor: &Actor, who: &Who, id: i64) -> AppResult<()> {
    require_office(actor)?;
    let p = period(db, actor, id).await?;
    if p.office_unit_id != actor.unit_id {
        return Err(AppError::Forbidden);
    }
    let mut tx = db.begin().await?;
    let n = sqlx::query(
        "UPDATE dr_periods SET state = 'closed', closed_on = $1, updated_at = $2 WHERE id = $3 AND state = 'open'",
    )
    .bind(who.today().to_string())
    .bind(who.at_text())
    .bind(id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if n != 1 {
        return Err(AppError::conflict("state_changed", "本期直报已经关闭"));
    }
    // Nothing can be sent or checked in a closed period until an exception reopens a return
    // (which gives its unit the duty again).
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM dr_returns WHERE period_id = $1")
        .bind(id)
        .fetch_all(&mut *tx)
        .await?;
    crate::notify::store::discharge_records(&mut tx, who, RETURN, &ids).await?;
    audit::record(
        &mut tx,
        who,
        Entry::new("direct_report.close_period", PERIOD)
            .object(id, Some(actor.unit_id))
            .summary(json!({"period": p.period_code})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Returns.

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
#[schema(as = DirectReportReturn)]
pub struct ReturnRow {
    pub id: i64,
    pub period_id: i64,
    pub set_id: i64,
    pub unit_id: i64,
    pub unit_name: String,
    #[serde(skip)]
    pub unit_region: String,
    pub checker_unit_id: i64,
    pub checker_unit_name: String,
    /// `draft`, `submitted`, `approved` or `returned`.
    pub state: String,
    pub deadline_id: Option<i64>,
    /// The clock's due date (an extension moves it).
    pub due_on: String,
    /// The period's last day: its figures are sent after it.
    pub period_end: String,
    pub period_state: String,
    pub submitted_on: Option<String>,
    pub approved_on: Option<String>,
    pub return_reason: Option<String>,
    pub exception_reason: Option<String>,
    /// on_time, late, missed or open: the clock's timeliness.
    pub timeliness: Option<String>,
    pub updated_at: String,
}

impl ReturnRow {
    pub fn state(&self) -> AppResult<State> {
        State::parse(&self.state).ok_or_else(|| AppError::internal("return state"))
    }
    pub fn state_label(&self) -> &'static str {
        State::label_of(&self.state)
    }
    pub fn due(&self) -> NaiveDate {
        NaiveDate::parse_from_str(&self.due_on, "%Y-%m-%d").unwrap_or_default()
    }
    pub fn lock(&self, today: NaiveDate) -> AppResult<Option<Lock>> {
        Ok(model::lock(
            self.state()?,
            self.period_state == "closed",
            self.due(),
            today,
            self.exception_reason.is_some(),
        ))
    }
    /// Whether the period is over on `today`.
    pub fn ended(&self, today: NaiveDate) -> bool {
        NaiveDate::parse_from_str(&self.period_end, "%Y-%m-%d").is_ok_and(|e| e < today)
    }
    pub fn standing(&self, actor: &Actor) -> Standing {
        Standing {
            reporter: actor.unit_id == self.unit_id && reporter_role(actor),
            checker: actor.unit_id == self.checker_unit_id && office_role(actor),
        }
    }
    pub fn timeliness_label(&self) -> &'static str {
        match self.timeliness.as_deref() {
            Some("on_time") => "按期",
            Some("late") => "逾期",
            Some("missed") => "逾期未报",
            _ => "",
        }
    }
}

fn return_select() -> String {
    format!(
        "SELECT r.id, r.period_id, p.set_id, r.unit_id, u.name AS unit_name, u.region_code AS unit_region, \
         r.checker_unit_id, c.name AS checker_unit_name, r.state, r.deadline_id, \
         COALESCE(d.due_date, p.due_on) AS due_on, p.period_end, p.state AS period_state, r.submitted_on, r.approved_on, \
         r.return_reason, r.exception_reason, {} AS timeliness, r.updated_at \
         FROM dr_returns r JOIN dr_periods p ON p.id = r.period_id JOIN units u ON u.id = r.unit_id \
         JOIN units c ON c.id = r.checker_unit_id LEFT JOIN deadlines d ON d.id = r.deadline_id WHERE ",
        crate::timeliness_sql!("d")
    )
}

pub async fn get_return(db: &Db, scope: &Scope, id: i64) -> AppResult<Option<ReturnRow>> {
    let mut q = Sql::new(&return_select());
    q.push("r.id = ").bind(id).push(" AND ");
    q.append(parties_in_scope(scope, RETURN, "r.id"));
    Ok(q.query_as().fetch_optional(&db.pool).await?)
}

async fn get_return_tx(tx: &mut Tx, id: i64) -> Result<Option<ReturnRow>, sqlx::Error> {
    let mut q = Sql::new(&return_select());
    q.push("r.id = ").bind(id);
    q.query_as().fetch_optional(&mut **tx).await
}

/// The returns of a period the reader may see, by checker then unit.
pub async fn returns(db: &Db, actor: &Actor, period_id: i64) -> AppResult<Vec<ReturnRow>> {
    let scope = read_scope(actor)?;
    let mut q = Sql::new(&return_select());
    q.push("r.period_id = ").bind(period_id).push(" AND ");
    q.append(parties_in_scope(&scope, RETURN, "r.id"));
    q.push(" ORDER BY r.checker_unit_id, u.id");
    Ok(q.query_as().fetch_all(&db.pool).await?)
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
#[schema(as = DirectReportFigure)]
pub struct FigureRow {
    pub return_id: i64,
    pub code: String,
    pub value: Option<i64>,
    pub prefilled: Option<i64>,
    pub reason: Option<String>,
}

/// The figures of the given returns.
pub async fn figures(db: &Db, ids: &[i64]) -> AppResult<Vec<FigureRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = Sql::new(
        "SELECT return_id, code, value, prefilled, reason FROM dr_figures WHERE return_id IN (",
    );
    for (n, id) in ids.iter().enumerate() {
        if n > 0 {
            q.push(", ");
        }
        q.bind(*id);
    }
    q.push(") ORDER BY return_id, code");
    Ok(q.query_as().fetch_all(&db.pool).await?)
}

/// What the platform's own records give for a unit and period, for each indicator that names
/// a source: transfers, filings and hand-backs (004), supervised cases concluded (000) and
/// public reports handled (002 (七)1), each counted by the date of the act.
pub async fn prefill(
    db: &Db,
    indicators: &[Indicator],
    unit_id: i64,
    start: NaiveDate,
    end: NaiveDate,
) -> Result<BTreeMap<String, i64>, sqlx::Error> {
    let mut tx = db.begin().await?;
    let out = prefill_tx(&mut tx, indicators, unit_id, start, end).await?;
    tx.rollback().await?;
    Ok(out)
}

async fn prefill_tx(
    tx: &mut Tx,
    indicators: &[Indicator],
    unit_id: i64,
    start: NaiveDate,
    end: NaiveDate,
) -> Result<BTreeMap<String, i64>, sqlx::Error> {
    let mut out = BTreeMap::new();
    for i in indicators {
        let Some(source) = i.source() else { continue };
        let n = count(tx, source, unit_id, start, end).await?;
        out.insert(i.code.clone(), n);
    }
    Ok(out)
}

/// What the platform holds of `source` for unit `unit_id`, counted by the date of the act from
/// `start` to `end`: the one count behind every prefilled figure (direct reporting, campaigns).
pub async fn count(
    c: &mut sqlx::AnyConnection,
    source: Source,
    unit_id: i64,
    start: NaiveDate,
    end: NaiveDate,
) -> Result<i64, sqlx::Error> {
    let sql = match source {
        Source::TransfersSent => {
            "SELECT COUNT(*) FROM transfers WHERE from_unit_id = $1 AND direction = 'to_police' AND sent_on BETWEEN $2 AND $3"
        }
        Source::HandBacksReceived => {
            "SELECT COUNT(*) FROM transfers WHERE to_unit_id = $1 AND direction = 'hand_back' AND sent_on BETWEEN $2 AND $3"
        }
        Source::TransfersReceived => {
            "SELECT COUNT(*) FROM transfers WHERE to_unit_id = $1 AND direction = 'to_police' AND received_on BETWEEN $2 AND $3"
        }
        Source::TransfersFiled => {
            "SELECT COUNT(*) FROM transfers WHERE to_unit_id = $1 AND direction = 'to_police' AND decision LIKE '立案%' AND decided_on BETWEEN $2 AND $3"
        }
        Source::HandBacksSent => {
            "SELECT COUNT(*) FROM transfers WHERE from_unit_id = $1 AND direction = 'hand_back' AND sent_on BETWEEN $2 AND $3"
        }
        Source::SupervisedConcluded => {
            "SELECT COUNT(*) FROM cases WHERE lead_unit_id = $1 AND concluded_on BETWEEN $2 AND $3"
        }
        Source::PublicReports => {
            "SELECT COUNT(*) FROM public_reports WHERE handler_unit_id = $1 AND received_on BETWEEN $2 AND $3"
        }
    };
    sqlx::query_scalar(sql)
        .bind(unit_id)
        .bind(start.to_string())
        .bind(end.to_string())
        .fetch_one(c)
        .await
}

impl crate::procedure::Record for ReturnRow {
    const TABLE: &'static str = "dr_returns";
    const CHANGED: &'static str = "本期数据已被他人处理，请刷新页面后重试";
    fn state_code(&self) -> &str {
        &self.state
    }
    async fn read(tx: &mut Tx, id: i64) -> Result<Option<Self>, sqlx::Error> {
        get_return_tx(tx, id).await
    }
}

/// A return's step as the reader asks it (`{"step": …}`).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(tag = "step", rename_all = "snake_case", deny_unknown_fields)]
#[schema(as = DirectReportStep)]
pub enum ReturnStep {
    /// 保存 (the reporting unit): figures kept, blanks allowed, no check run.
    Save {
        #[serde(default)]
        figures: BTreeMap<String, String>,
        #[serde(default)]
        reasons: BTreeMap<String, String>,
    },
    /// 报送 (the reporting unit): every figure, the office's checks, to the level above.
    Submit {
        #[serde(default)]
        figures: BTreeMap<String, String>,
        #[serde(default)]
        reasons: BTreeMap<String, String>,
    },
    /// 审核通过 (the office of the level above): the return is locked.
    Approve {},
    /// 退回修改 (the office of the level above), with the reason.
    SendBack {
        #[serde(default, deserialize_with = "crate::web::step::or_default")]
        text: String,
    },
    /// 准予例外修改 (the office of the level above), with the reason: opens a locked return
    /// until it is sent again.
    Except {
        #[serde(default, deserialize_with = "crate::web::step::or_default")]
        text: String,
    },
}

impl ReturnStep {
    fn step(&self) -> Step {
        match self {
            ReturnStep::Save { .. } => Step::Save,
            ReturnStep::Submit { .. } => Step::Submit,
            ReturnStep::Approve {} => Step::Approve,
            ReturnStep::SendBack { .. } => Step::SendBack,
            ReturnStep::Except { .. } => Step::Except,
        }
    }
}

/// The locked record, the state the step leads to, and the transaction: the kernel's pipeline
/// with the lock rule applied on the record as it stands.
async fn begin(
    db: &Db,
    actor: &Actor,
    who: &Who,
    id: i64,
    step: Step,
) -> AppResult<(Tx, ReturnRow, State)> {
    let scope = read_scope(actor)?;
    let visible = get_return(db, &scope, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let refuse = |r: &ReturnRow| -> AppResult<State> {
        let today = who.today();
        let lock = r.lock(today)?;
        model::check(r.state()?, step, r.standing(actor), lock, r.ended(today)).map_err(|m| match (
            lock, step,
        ) {
            (Some(l), Step::Save | Step::Submit) if r.standing(actor).reporter => {
                AppError::conflict("locked", l.message(r.due()))
            }
            _ => AppError::conflict("step_refused", m),
        })
    };
    refuse(&visible)?;
    let (tx, locked) = crate::procedure::open(db, &visible, id).await?;
    // What the lock depends on beyond the state (an exception, the period closed) is read
    // again under the row lock.
    let next = refuse(&locked)?;
    Ok((tx, locked, next))
}

/// Take a step on return `id`.
pub async fn run(
    db: &Db,
    cal: &Calendar,
    actor: &Actor,
    who: &Who,
    id: i64,
    input: ReturnStep,
) -> AppResult<()> {
    let step = input.step();
    match input {
        ReturnStep::Save { figures, reasons } | ReturnStep::Submit { figures, reasons } => {
            let submit = step == Step::Submit;
            let (mut tx, r, next) = begin(db, actor, who, id, step).await?;
            let set_row = set_of_period(&mut tx, r.period_id).await?;
            let data = set_row.data_set()?;
            let (start, end) = period_bounds(&mut tx, r.period_id).await?;
            let pre = prefill_tx(&mut tx, &data.indicators, r.unit_id, start, end).await?;
            let figs =
                model::parse_figures(&data, &FiguresInput { figures, reasons }, &pre, submit)?;
            write_figures(&mut tx, id, &figs).await?;
            let today = who.today();
            if submit {
                sqlx::query(
                    "UPDATE dr_returns SET submitted_on = COALESCE(submitted_on, $1), exception_reason = NULL, return_reason = NULL, updated_at = $2 WHERE id = $3",
                )
                .bind(today.to_string())
                .bind(who.at_text())
                .bind(id)
                .execute(&mut *tx)
                .await?;
                crate::procedure::transition::<ReturnRow>(&mut tx, id, &r.state, next.code())
                    .await?;
                if let Some(d) = r.deadline_id {
                    crate::deadline::store::settle_one(
                        &mut tx,
                        cal,
                        who,
                        d,
                        Change::Met { on: today },
                    )
                    .await?;
                }
                discharge_for(&mut tx, who, return_duty(id), Holder::Unit(r.unit_id)).await?;
                let title = format!("请审核{}报送的{}", r.unit_name, set_row.name);
                let link = format!("/direct-reports/returns/{id}");
                add_duty(
                    &mut tx,
                    who,
                    check_duty(id),
                    Holder::Unit(r.checker_unit_id),
                    &title,
                    &link,
                    None,
                    false,
                )
                .await?;
                notify_unit(&mut tx, who, r.checker_unit_id, &title, &r.unit_name, &link).await?;
            } else {
                touch(&mut tx, who, id).await?;
            }
            let changed: Vec<&Figure> = figs.iter().filter(|f| f.reason.is_some()).collect();
            finish(
                tx,
                who,
                &r,
                if submit {
                    "direct_report.submit"
                } else {
                    "direct_report.save"
                },
                json!({"figures": figs.iter().map(|f| (f.code.clone(), f.value)).collect::<BTreeMap<_, _>>(),
                       "corrected": changed.iter().map(|f| json!({"code": f.code, "prefilled": f.prefilled, "value": f.value, "reason": f.reason})).collect::<Vec<_>>()}),
            )
            .await
        }
        ReturnStep::Approve {} => {
            let (mut tx, r, next) = begin(db, actor, who, id, step).await?;
            sqlx::query("UPDATE dr_returns SET approved_on = $1, updated_at = $2 WHERE id = $3")
                .bind(who.today().to_string())
                .bind(who.at_text())
                .bind(id)
                .execute(&mut *tx)
                .await?;
            crate::procedure::transition::<ReturnRow>(&mut tx, id, &r.state, next.code()).await?;
            discharge_for(
                &mut tx,
                who,
                check_duty(id),
                Holder::Unit(r.checker_unit_id),
            )
            .await?;
            finish(tx, who, &r, "direct_report.approve", json!({})).await
        }
        ReturnStep::SendBack { text } => {
            let reason = crate::domain::text::required_long("text", "退回理由", &text, 500)?;
            let (mut tx, r, next) = begin(db, actor, who, id, step).await?;
            sqlx::query("UPDATE dr_returns SET return_reason = $1, updated_at = $2 WHERE id = $3")
                .bind(&reason)
                .bind(who.at_text())
                .bind(id)
                .execute(&mut *tx)
                .await?;
            crate::procedure::transition::<ReturnRow>(&mut tx, id, &r.state, next.code()).await?;
            discharge_for(
                &mut tx,
                who,
                check_duty(id),
                Holder::Unit(r.checker_unit_id),
            )
            .await?;
            reopen_duty(&mut tx, who, &r, "请修改后重新报送", &reason).await?;
            finish(
                tx,
                who,
                &r,
                "direct_report.send_back",
                json!({"reason": reason}),
            )
            .await
        }
        ReturnStep::Except { text } => {
            let reason = crate::domain::text::required_long("text", "例外修改的理由", &text, 500)?;
            let (mut tx, r, next) = begin(db, actor, who, id, step).await?;
            sqlx::query(
                "UPDATE dr_returns SET exception_reason = $1, approved_on = NULL, updated_at = $2 WHERE id = $3",
            )
            .bind(&reason)
            .bind(who.at_text())
            .bind(id)
            .execute(&mut *tx)
            .await?;
            if r.state != next.code() {
                crate::procedure::transition::<ReturnRow>(&mut tx, id, &r.state, next.code())
                    .await?;
            }
            // A sent return reopened is no longer the checker's to check.
            discharge_for(
                &mut tx,
                who,
                check_duty(id),
                Holder::Unit(r.checker_unit_id),
            )
            .await?;
            reopen_duty(
                &mut tx,
                who,
                &r,
                "已准予例外修改，请修改后重新报送",
                &reason,
            )
            .await?;
            finish(
                tx,
                who,
                &r,
                "direct_report.except",
                json!({"reason": reason, "from": r.state}),
            )
            .await
        }
    }
}

async fn reopen_duty(
    tx: &mut Tx,
    who: &Who,
    r: &ReturnRow,
    what: &str,
    reason: &str,
) -> AppResult<()> {
    let link = format!("/direct-reports/returns/{}", r.id);
    let title = format!("{what}（{}）", r.checker_unit_name);
    add_duty(
        tx,
        who,
        return_duty(r.id),
        Holder::Unit(r.unit_id),
        &title,
        &link,
        None,
        false,
    )
    .await?;
    notify_unit(tx, who, r.unit_id, &title, reason, &link).await?;
    Ok(())
}

async fn touch(tx: &mut Tx, who: &Who, id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE dr_returns SET updated_at = $1 WHERE id = $2")
        .bind(who.at_text())
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

async fn finish(
    tx: Tx,
    who: &Who,
    r: &ReturnRow,
    action: &'static str,
    summary: serde_json::Value,
) -> AppResult<()> {
    let entry = Entry::new(action, RETURN)
        .object(r.id, Some(r.unit_id))
        .summary(summary);
    crate::procedure::finish(tx, who, entry).await
}

async fn write_figures(tx: &mut Tx, id: i64, figs: &[Figure]) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM dr_figures WHERE return_id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    for f in figs {
        sqlx::query(
            "INSERT INTO dr_figures (return_id, code, value, prefilled, reason) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id)
        .bind(&f.code)
        .bind(f.value)
        .bind(f.prefilled)
        .bind(&f.reason)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

async fn set_of_period(tx: &mut Tx, period_id: i64) -> AppResult<SetRow> {
    let row: Option<SetRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{SET_SELECT} JOIN dr_periods p ON p.set_id = s.id WHERE p.id = $1"
    )))
    .bind(period_id)
    .fetch_optional(&mut **tx)
    .await?;
    row.ok_or_else(|| AppError::internal("period without set"))
}

async fn period_bounds(tx: &mut Tx, period_id: i64) -> AppResult<(NaiveDate, NaiveDate)> {
    let (s, e): (String, String) =
        sqlx::query_as("SELECT period_start, period_end FROM dr_periods WHERE id = $1")
            .bind(period_id)
            .fetch_one(&mut **tx)
            .await?;
    let p = |v: &str| {
        NaiveDate::parse_from_str(v, "%Y-%m-%d").map_err(|_| AppError::internal("period date"))
    };
    Ok((p(&s)?, p(&e)?))
}

/// The data set a period belongs to (the reader's access to the period is checked first).
pub async fn set_of(db: &Db, period_id: i64) -> AppResult<SetRow> {
    let row: Option<SetRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{SET_SELECT} JOIN dr_periods p ON p.set_id = s.id WHERE p.id = $1"
    )))
    .bind(period_id)
    .fetch_optional(&db.pool)
    .await?;
    row.ok_or(AppError::NotFound)
}

// ---------------------------------------------------------------------------------------------
// Totals up the region tree.

/// One line of a period's table: a unit's own return, or a lower office's approved total.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = DirectReportLine)]
pub struct Line {
    pub label: String,
    /// `unit` (a return the reader checks or made) or `region` (a lower office's total).
    pub kind: String,
    pub return_id: Option<i64>,
    pub state: Option<String>,
    pub state_label: Option<String>,
    pub timeliness: Option<String>,
    /// For a region: returns approved out of all.
    pub approved: i64,
    pub returns: i64,
    /// Indicator code → value (a region: the sum of its approved returns).
    pub values: BTreeMap<String, i64>,
}

/// A period's table for the reader: the returns it checks (or its own), each lower office's
/// approved total, the total of everything approved, and the same period a year before.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = DirectReportTable)]
pub struct Table {
    pub period: PeriodRow,
    pub indicators: Vec<Indicator>,
    pub lines: Vec<Line>,
    /// The sum of every approved return in the reader's scope.
    pub total: BTreeMap<String, i64>,
    /// The same sum for the same period a year before, if that period was reported.
    pub last_year: Option<BTreeMap<String, i64>>,
    pub last_year_label: Option<String>,
}

pub async fn table(db: &Db, actor: &Actor, period_id: i64) -> AppResult<Table> {
    let p = period(db, actor, period_id).await?;
    let set_row = set_of(db, period_id).await?;
    let data = set_row.data_set()?;
    let rows = returns(db, actor, period_id).await?;
    let figs = figures(db, &rows.iter().map(|r| r.id).collect::<Vec<_>>()).await?;
    let mut by_return: BTreeMap<i64, BTreeMap<String, i64>> = BTreeMap::new();
    for f in figs {
        if let Some(v) = f.value {
            by_return.entry(f.return_id).or_default().insert(f.code, v);
        }
    }
    let (lines, total) = tally(actor.unit_id, &rows, &by_return);
    let prior = PeriodKey::parse(data.periodicity, &p.period_code)
        .ok()
        .map(|k| k.a_year_before());
    let mut last_year = None;
    let mut last_year_label = None;
    if let Some(k) = prior {
        let id: Option<i64> =
            sqlx::query_scalar("SELECT id FROM dr_periods WHERE set_id = $1 AND period_code = $2")
                .bind(p.set_id)
                .bind(k.code())
                .fetch_optional(&db.pool)
                .await?;
        if let Some(id) = id {
            let rows = returns(db, actor, id).await?;
            let figs = figures(db, &rows.iter().map(|r| r.id).collect::<Vec<_>>()).await?;
            let mut by: BTreeMap<i64, BTreeMap<String, i64>> = BTreeMap::new();
            for f in figs {
                if let Some(v) = f.value {
                    by.entry(f.return_id).or_default().insert(f.code, v);
                }
            }
            last_year = Some(tally(actor.unit_id, &rows, &by).1);
            last_year_label = Some(k.label());
        }
    }
    Ok(Table {
        period: p,
        indicators: data.indicators,
        lines,
        total,
        last_year,
        last_year_label,
    })
}

/// The lines of a period's table for the office (or unit) `reader`: each return it checks or
/// made, as it stands; each lower office's total of the returns it approved; and the total of
/// every approved return (figures add up the region tree only once approved). Pure.
pub fn tally(
    reader: i64,
    rows: &[ReturnRow],
    figures: &BTreeMap<i64, BTreeMap<String, i64>>,
) -> (Vec<Line>, BTreeMap<String, i64>) {
    let empty = BTreeMap::new();
    let add = |into: &mut BTreeMap<String, i64>, from: &BTreeMap<String, i64>| {
        for (k, v) in from {
            *into.entry(k.clone()).or_default() += v;
        }
    };
    let mut lines: Vec<Line> = Vec::new();
    let mut regions: BTreeMap<i64, Line> = BTreeMap::new();
    let mut total = BTreeMap::new();
    for r in rows {
        let values = figures.get(&r.id).unwrap_or(&empty);
        let approved = r.state == State::Approved.code();
        if approved {
            add(&mut total, values);
        }
        if r.checker_unit_id == reader || r.unit_id == reader {
            lines.push(Line {
                label: r.unit_name.clone(),
                kind: "unit".into(),
                return_id: Some(r.id),
                state: Some(r.state.clone()),
                state_label: Some(r.state_label().into()),
                timeliness: r.timeliness.clone(),
                approved: i64::from(approved),
                returns: 1,
                values: values.clone(),
            });
        } else {
            let line = regions.entry(r.checker_unit_id).or_insert_with(|| Line {
                label: r.checker_unit_name.clone(),
                kind: "region".into(),
                return_id: None,
                state: None,
                state_label: None,
                timeliness: None,
                approved: 0,
                returns: 0,
                values: BTreeMap::new(),
            });
            line.returns += 1;
            if approved {
                line.approved += 1;
                add(&mut line.values, values);
            }
        }
    }
    lines.extend(regions.into_values());
    (lines, total)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: i64, unit: i64, checker: i64, state: &str) -> ReturnRow {
        ReturnRow {
            id,
            period_id: 1,
            set_id: 1,
            unit_id: unit,
            unit_name: format!("单位{unit}"),
            unit_region: "411500".into(),
            checker_unit_id: checker,
            checker_unit_name: format!("办公室{checker}"),
            state: state.into(),
            deadline_id: None,
            due_on: "2026-10-20".into(),
            period_end: "2026-09-30".into(),
            period_state: "open".into(),
            submitted_on: None,
            approved_on: None,
            return_reason: None,
            exception_reason: None,
            timeliness: None,
            updated_at: String::new(),
        }
    }

    #[test]
    fn figures_add_up_the_tree_once_approved() {
        // The city office (1) checks unit 10; the county office (2) checks 20, 21 and 22.
        let rows = vec![
            row(1, 10, 1, "approved"),
            row(2, 20, 2, "approved"),
            row(3, 21, 2, "submitted"),
            row(4, 22, 2, "approved"),
        ];
        let f = |n: i64| BTreeMap::from([("cases_filed".to_string(), n)]);
        let figs = BTreeMap::from([(1, f(5)), (2, f(7)), (3, f(100)), (4, f(1))]);
        let (lines, total) = tally(1, &rows, &figs);
        assert_eq!(lines.len(), 2);
        assert_eq!(
            (lines[0].kind.as_str(), lines[0].values["cases_filed"]),
            ("unit", 5)
        );
        let county = &lines[1];
        assert_eq!(county.kind, "region");
        assert_eq!(county.label, "办公室2");
        assert_eq!((county.approved, county.returns), (2, 3));
        assert_eq!(
            county.values["cases_filed"], 8,
            "the submitted 100 is not counted"
        );
        assert_eq!(total["cases_filed"], 13);
        // The county office sees its own units, each as it stands.
        let (lines, total) = tally(2, &rows[1..], &figs);
        assert_eq!(lines.len(), 3);
        assert!(lines.iter().all(|l| l.kind == "unit"));
        assert_eq!(lines[1].values["cases_filed"], 100);
        assert_eq!(total["cases_filed"], 8);
    }
}
