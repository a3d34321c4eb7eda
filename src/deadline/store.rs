//! Storing deadlines. The clock (rule, start, suspensions, extensions) is kept as JSON and is
//! the source of the due date; the due date, state and suspension are also kept as columns so
//! that the scheduler can find due and overdue deadlines in SQL. Every change is one
//! transaction with a history event and an audit record.

use chrono::NaiveDate;
use serde::Serialize;
use serde_json::json;

use super::{Clock, DeadlineError, Rule, State};
use crate::access::sql::unit_in_scope;
use crate::access::{Action, Actor, Resource, Scope};
use crate::audit::{self, Entry, Who};
use crate::calendar::Calendar;
use crate::db::query::Sql;
use crate::db::{Db, Tx};
use crate::error::{AppError, AppResult};

/// What a capability needs to open a deadline.
#[derive(Debug, Clone)]
pub struct NewDeadline {
    /// What the deadline is for, e.g. "确定主办单位和协办单位".
    pub purpose: String,
    /// The clause that sets it, e.g. "000 §4".
    pub clause: String,
    /// The event that started the clock, e.g. "线索登记".
    pub start_event: String,
    pub start: NaiveDate,
    pub rule: Rule,
    pub record_type: Option<String>,
    pub record_id: Option<i64>,
    /// The unit that must act, and the person if known.
    pub owner_unit_id: i64,
    pub owner_user_id: Option<i64>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Deadline {
    pub id: i64,
    pub purpose: String,
    pub clause: String,
    pub start_event: String,
    pub start_date: String,
    pub rule_text: String,
    #[serde(skip)]
    pub clock: String,
    pub due_date: Option<String>,
    /// open / met / missed / waived
    pub state: String,
    pub suspended_since: Option<String>,
    pub record_type: Option<String>,
    pub record_id: Option<i64>,
    pub owner_unit_id: i64,
    pub owner_unit_name: String,
    pub owner_user_id: Option<i64>,
    pub created_at: String,
    pub updated_at: String,
}

impl Deadline {
    pub fn state_label(&self) -> &'static str {
        match self.state.as_str() {
            "open" if self.suspended_since.is_some() => "已中止计时",
            "open" => "进行中",
            "met" => "已完成",
            "missed" => "已逾期",
            "waived" => "已豁免",
            _ => "未知",
        }
    }

    /// The clock with the stored state (the state column is authoritative: the scheduler
    /// changes it in SQL).
    pub fn clock(&self) -> AppResult<Clock> {
        let mut clock: Clock = serde_json::from_str(&self.clock)
            .map_err(|e| AppError::internal(format!("deadline {} clock: {e}", self.id)))?;
        clock.state = match self.state.as_str() {
            "open" => State::Open,
            "met" | "waived" => clock.state,
            "missed" => match (&clock.state, self.due_date.as_deref().and_then(parse_date)) {
                (State::Missed { .. }, _) => clock.state,
                (_, Some(due)) => State::Missed { due },
                _ => clock.state,
            },
            other => return Err(AppError::internal(format!("deadline state {other}"))),
        };
        Ok(clock)
    }
}

fn parse_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

fn state_code(s: &State) -> &'static str {
    match s {
        State::Open => "open",
        State::Met { .. } => "met",
        State::Missed { .. } => "missed",
        State::Waived { .. } => "waived",
    }
}

fn refused(e: DeadlineError) -> AppError {
    match e {
        DeadlineError::Calendar(c) => AppError::conflict("calendar_year_missing", c.to_string()),
        other => AppError::conflict("deadline_refused", other.to_string()),
    }
}

/// Derived columns of a clock: due date and open suspension.
fn derived(clock: &Clock, cal: &Calendar) -> AppResult<(Option<String>, Option<String>)> {
    let due = clock.due(cal).map_err(refused)?;
    Ok((
        due.date.map(|d| d.to_string()),
        due.suspended_since.map(|d| d.to_string()),
    ))
}

async fn event(tx: &mut Tx, id: i64, who: &Who, kind: &str, detail: &str) -> AppResult<()> {
    sqlx::query(
        "INSERT INTO deadline_events (deadline_id, at, actor_name, kind, detail) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(id)
    .bind(who.at_text())
    .bind(&who.name)
    .bind(kind)
    .bind(detail)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Open a deadline inside the caller's transaction. Fails (and so rolls the caller back) when
/// the due date cannot be computed, e.g. because the year's holiday schedule is missing.
pub async fn open(tx: &mut Tx, cal: &Calendar, who: &Who, new: &NewDeadline) -> AppResult<i64> {
    let clock = Clock::new(new.rule, new.start, new.clause.clone(), new.purpose.clone());
    let (due, suspended) = derived(&clock, cal)?;
    let clock_json = serde_json::to_string(&clock).map_err(AppError::internal)?;
    let now = who.at_text();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO deadlines (purpose, clause, start_event, start_date, rule_text, clock, due_date, state, \
         suspended_since, record_type, record_id, owner_unit_id, owner_user_id, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'open', $8, $9, $10, $11, $12, $13, $13) RETURNING id",
    )
    .bind(&new.purpose)
    .bind(&new.clause)
    .bind(&new.start_event)
    .bind(new.start.to_string())
    .bind(new.rule.to_string())
    .bind(&clock_json)
    .bind(&due)
    .bind(&suspended)
    .bind(&new.record_type)
    .bind(new.record_id)
    .bind(new.owner_unit_id)
    .bind(new.owner_user_id)
    .bind(&now)
    .fetch_one(&mut **tx)
    .await?;
    event(
        tx,
        id,
        who,
        "opened",
        &format!(
            "{}（{}）：自{}起{}",
            new.purpose, new.clause, new.start_event, new.rule
        ),
    )
    .await?;
    audit::record(
        tx,
        who,
        Entry::new("deadline.open", "deadline")
            .object(id, Some(new.owner_unit_id))
            .summary(json!({"purpose": new.purpose, "clause": new.clause, "start": new.start.to_string(), "rule": new.rule.to_string(), "due": due})),
    )
    .await?;
    Ok(id)
}

const SELECT: &str = "SELECT d.id, d.purpose, d.clause, d.start_event, d.start_date, d.rule_text, d.clock, \
     d.due_date, d.state, d.suspended_since, d.record_type, d.record_id, d.owner_unit_id, \
     un.name AS owner_unit_name, d.owner_user_id, d.created_at, d.updated_at \
     FROM deadlines d JOIN units un ON un.id = d.owner_unit_id WHERE ";

pub async fn get(db: &Db, scope: &Scope, id: i64) -> Result<Option<Deadline>, sqlx::Error> {
    let mut q = Sql::new(SELECT);
    q.push("d.id = ").bind(id).push(" AND ");
    q.append(unit_in_scope(scope, "un"));
    q.query_as().fetch_optional(&db.pool).await
}

#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub state: Option<String>,
}

pub const PAGE_SIZE: i64 = 50;

/// Overdue (missed) first, then open by due date.
pub async fn list(
    db: &Db,
    scope: &Scope,
    f: &Filter,
    page: i64,
) -> Result<(Vec<Deadline>, i64), sqlx::Error> {
    let mut w = Sql::default();
    w.append(unit_in_scope(scope, "un"));
    if let Some(s) = &f.state {
        w.push(" AND d.state = ").bind(s.as_str());
    }
    let mut count = Sql::new(
        "SELECT COUNT(*) FROM deadlines d JOIN units un ON un.id = d.owner_unit_id WHERE ",
    );
    count.append(w.clone());
    let total: i64 = count.query_scalar().fetch_one(&db.pool).await?;
    let mut q = Sql::new(SELECT);
    q.append(w);
    q.push(
        " ORDER BY CASE d.state WHEN 'missed' THEN 0 WHEN 'open' THEN 1 ELSE 2 END, d.due_date, d.id",
    )
    .limit_offset(PAGE_SIZE, (page.max(1) - 1) * PAGE_SIZE);
    Ok((q.query_as().fetch_all(&db.pool).await?, total))
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Event {
    pub at: String,
    pub actor_name: String,
    pub kind: String,
    pub detail: String,
}

pub async fn events(db: &Db, id: i64) -> Result<Vec<Event>, sqlx::Error> {
    sqlx::query_as(
        "SELECT at, actor_name, kind, detail FROM deadline_events WHERE deadline_id = $1 ORDER BY id",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await
}

/// A change someone asks for.
#[derive(Debug, Clone)]
pub enum Change {
    Suspend { from: NaiveDate, reason: String },
    Resume { last_day: NaiveDate },
    Extend { extra: u32, reason: String },
    Met { on: NaiveDate },
    Waive { reason: String },
}

impl Change {
    fn action(&self) -> Action {
        match self {
            Change::Extend { .. } | Change::Waive { .. } => Action::Decide,
            _ => Action::Update,
        }
    }
    fn code(&self) -> &'static str {
        match self {
            Change::Suspend { .. } => "suspended",
            Change::Resume { .. } => "resumed",
            Change::Extend { .. } => "extended",
            Change::Met { .. } => "met",
            Change::Waive { .. } => "waived",
        }
    }
}

/// Apply a change as `actor`: permission and scope, the domain transition, the new due date,
/// the history event, the audit record, and the to-do items it settles — in one transaction.
pub async fn change(
    db: &Db,
    cal: &Calendar,
    actor: &Actor,
    who: &Who,
    id: i64,
    change: Change,
) -> AppResult<Deadline> {
    let scope = actor.require(Resource::Deadline, change.action())?;
    let mut tx = db.begin().await?;
    let mut q = Sql::new(SELECT);
    q.push("d.id = ").bind(id).push(" AND ");
    q.append(unit_in_scope(&scope, "un"));
    let Some(before) = q.query_as::<Deadline>().fetch_optional(&mut *tx).await? else {
        // Visible but not changeable by this actor: refuse; invisible: not found.
        return Err(match actor.scope(Resource::Deadline, Action::Read) {
            Some(read) if get(db, &read, id).await?.is_some() => AppError::Forbidden,
            _ => AppError::NotFound,
        });
    };
    apply(&mut tx, cal, who, &before, &change).await?;
    tx.commit().await?;
    get(db, &Scope::All, id).await?.ok_or(AppError::NotFound)
}

/// Apply a change inside the caller's transaction, without a permission check: for the
/// procedures (cases, transfers) that settle their own clocks after authorising the step.
async fn apply(
    tx: &mut Tx,
    cal: &Calendar,
    who: &Who,
    before: &Deadline,
    change: &Change,
) -> AppResult<()> {
    let id = before.id;
    let clock = before.clock()?;
    let (next, detail) = match change {
        Change::Suspend { from, reason } => (
            clock.suspend(cal, *from, reason).map_err(refused)?,
            format!("自{from}起中止计时：{reason}"),
        ),
        Change::Resume { last_day } => (
            clock.resume(*last_day).map_err(refused)?,
            format!("恢复计时，中止至{last_day}（含）"),
        ),
        Change::Extend { extra, reason } => (
            clock.extend(*extra, reason, &who.name).map_err(refused)?,
            format!("延长{extra}（与原期限同一单位）：{reason}"),
        ),
        Change::Met { on } => (clock.met(*on).map_err(refused)?, format!("于{on}完成")),
        Change::Waive { reason } => (
            clock.waive(reason).map_err(refused)?,
            format!("豁免：{reason}"),
        ),
    };
    let (due, suspended) = derived(&next, cal)?;
    let clock_json = serde_json::to_string(&next).map_err(AppError::internal)?;
    let now = who.at_text();
    let moved = due != before.due_date;
    sqlx::query(
        "UPDATE deadlines SET clock = $1, due_date = $2, state = $3, suspended_since = $4, updated_at = $5, \
         reminded_at = CASE WHEN $6 = 1 THEN NULL ELSE reminded_at END WHERE id = $7",
    )
    .bind(&clock_json)
    .bind(&due)
    .bind(state_code(&next.state))
    .bind(&suspended)
    .bind(&now)
    .bind(i64::from(moved))
    .bind(id)
    .execute(&mut **tx)
    .await?;
    event(tx, id, who, change.code(), &detail).await?;
    if next.state != State::Open {
        sqlx::query(
            "UPDATE todo_items SET done_at = $1 WHERE source_type = 'deadline' AND source_id = $2 AND done_at IS NULL",
        )
        .bind(&now)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    }
    audit::record(
        tx,
        who,
        Entry::new(
            match change {
                Change::Suspend { .. } => "deadline.suspend",
                Change::Resume { .. } => "deadline.resume",
                Change::Extend { .. } => "deadline.extend",
                Change::Met { .. } => "deadline.met",
                Change::Waive { .. } => "deadline.waive",
            },
            "deadline",
        )
        .object(id, Some(before.owner_unit_id))
        .summary(json!({"detail": detail, "due_before": before.due_date, "due_after": due, "state": state_code(&next.state)})),
    )
    .await?;
    Ok(())
}

/// Settle the open (or missed) clocks of a record that a clause sets, e.g. the 000 §4 clock of
/// a case when its lead unit is named.
/// The clocks a change can settle. A duty met late still closes a missed clock (with its
/// date), but only an open clock can be waived: one that already lapsed stays as it ended.
fn settleable(change: &Change) -> &'static str {
    match change {
        Change::Waive { .. } => " AND d.state = 'open'",
        _ => " AND d.state IN ('open', 'missed')",
    }
}

pub async fn settle_for_record(
    tx: &mut Tx,
    cal: &Calendar,
    who: &Who,
    record_type: &str,
    record_id: i64,
    clause: &str,
    change: Change,
) -> AppResult<usize> {
    let mut q = Sql::new(SELECT);
    q.push("d.record_type = ")
        .bind(record_type)
        .push(" AND d.record_id = ")
        .bind(record_id)
        .push(" AND d.clause = ")
        .bind(clause)
        .push(settleable(&change));
    let rows: Vec<Deadline> = q.query_as().fetch_all(&mut **tx).await?;
    for d in &rows {
        apply(tx, cal, who, d, &change).await?;
    }
    Ok(rows.len())
}

/// Settle one clock by id inside the caller's transaction (e.g. a meeting's follow-up item
/// reported done); a clock already settled is left as it is.
pub async fn settle_one(
    tx: &mut Tx,
    cal: &Calendar,
    who: &Who,
    id: i64,
    change: Change,
) -> AppResult<bool> {
    let mut q = Sql::new(SELECT);
    q.push("d.id = ").bind(id).push(settleable(&change));
    let Some(d) = q.query_as::<Deadline>().fetch_optional(&mut **tx).await? else {
        return Ok(false);
    };
    apply(tx, cal, who, &d, &change).await?;
    Ok(true)
}

/// Deadlines of one record, for its page.
pub async fn for_record(
    exec: impl sqlx::Executor<'_, Database = sqlx::Any>,
    record_type: &str,
    record_id: i64,
) -> Result<Vec<Deadline>, sqlx::Error> {
    let mut q = Sql::new(SELECT);
    q.push("d.record_type = ")
        .bind(record_type)
        .push(" AND d.record_id = ")
        .bind(record_id)
        .push(" ORDER BY d.id");
    q.query_as().fetch_all(exec).await
}
