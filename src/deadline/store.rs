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

/// Whether an open deadline's due date is provisional (暂定), as an SQL expression (1 or 0) over
/// the deadlines row aliased `$d`: its span, from its start to its due date, reaches a year after
/// the shipped ones (2020–2026) that has no stored notice in `holiday_years`. Derived when read,
/// not stored: importing a year's notice then changes no row whose date it does not move, and
/// every instance reads the same answer the moment the import commits. A closed clock's date is
/// final, whatever calendar judged it. The first year is a literal (`concat!` takes no
/// constants); a test ties it to the shipped years.
#[macro_export]
macro_rules! provisional_sql {
    ($d:literal) => {
        concat!(
            "CASE WHEN ",
            $d,
            ".state = 'open' AND ",
            $d,
            ".due_date >= '2027-01-01' AND \
             (SELECT COUNT(*) FROM holiday_years h WHERE h.year BETWEEN \
             (CASE WHEN ",
            $d,
            ".start_date >= '2027-01-01' THEN CAST(substr(",
            $d,
            ".start_date, 1, 4) AS INTEGER) ELSE 2027 END) \
             AND CAST(substr(",
            $d,
            ".due_date, 1, 4) AS INTEGER)) \
             < CAST(substr(",
            $d,
            ".due_date, 1, 4) AS INTEGER) \
             - (CASE WHEN ",
            $d,
            ".start_date >= '2027-01-01' THEN CAST(substr(",
            $d,
            ".start_date, 1, 4) AS INTEGER) ELSE 2027 END) + 1 \
             THEN 1 ELSE 0 END"
        )
    };
}

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

#[derive(Debug, Clone, Serialize, serde::Deserialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Deadline {
    pub id: i64,
    pub purpose: String,
    pub clause: String,
    pub start_event: String,
    pub start_date: String,
    pub rule_text: String,
    #[serde(skip_serializing, default)]
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
    /// The due date rests on a provisional holiday year (暂定): one with no imported notice yet.
    /// It is recomputed when that year's notice is imported. Derived when read
    /// ([`provisional_sql!`](crate::provisional_sql)).
    #[sqlx(try_from = "i64")]
    #[schema(value_type = bool)]
    pub provisional: crate::db::Flag,
    /// Whether the act was done in time: running / on_time / late / missed / waived
    /// ([`Timeliness`](crate::deadline::Timeliness); a clock met after its due date is late).
    pub timeliness: String,
    pub created_at: String,
    pub updated_at: String,
}

impl Deadline {
    pub fn timeliness(&self) -> crate::deadline::Timeliness {
        crate::deadline::Timeliness::parse(&self.timeliness)
            .unwrap_or(crate::deadline::Timeliness::Running)
    }

    /// Not done by its due date (late or missed): shown as a warning wherever clocks are
    /// listed.
    pub fn late(&self) -> bool {
        self.timeliness().is_late()
    }

    /// The due date as pages show it: "2027年1月8日", with "（暂定）" when provisional.
    pub fn due_label(&self) -> String {
        let zh = crate::calendar::date_zh;
        match &self.due_date {
            // A closed clock's date is final, whatever calendar it was judged by.
            Some(d) if self.provisional.0 && self.state == "open" => format!("{}（暂定）", zh(d)),
            Some(d) => zh(d),
            None => "中止".to_owned(),
        }
    }

    pub fn state_label(&self) -> &'static str {
        match self.state.as_str() {
            "open" if self.suspended_since.is_some() => "已中止计时",
            _ => self.timeliness().label(),
        }
    }

    /// How the due date was computed, in Chinese. A closed clock keeps the date it was judged
    /// by; when the calendar in force (a notice imported since) would now give another date,
    /// the explanation says both.
    pub fn explanation(&self, cal: &Calendar) -> AppResult<String> {
        let due = match self.clock()?.due(cal) {
            Ok(due) => due,
            Err(e) => return Ok(format!("无法计算：{e}")),
        };
        let mut text = due.explanation_zh;
        let now = due.date.map(|d| d.to_string());
        if self.state != "open"
            && let (Some(judged), Some(now)) = (&self.due_date, now)
            && *judged != now
        {
            text.push_str(&format!(
                "本期限已结束，按当时的节假日安排认定的届满日为{judged}；按现行安排计算为{now}，不再变更。"
            ));
        }
        Ok(text)
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

/// Derived columns of a clock: due date, open suspension, and whether the arithmetic used a
/// provisional year.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Derived {
    due: Option<String>,
    suspended: Option<String>,
    provisional: bool,
}

fn derived(clock: &Clock, cal: &Calendar) -> Result<Derived, DeadlineError> {
    let due = clock.due_unexplained(cal)?;
    Ok(Derived {
        due: due.date.map(|d| d.to_string()),
        suspended: due.suspended_since.map(|d| d.to_string()),
        provisional: due.computation.is_provisional(),
    })
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
    let Derived {
        due,
        suspended,
        provisional,
    } = derived(&clock, cal).map_err(refused)?;
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
    crate::statistics::tally::opened(tx, id).await?;
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
            .summary(json!({"purpose": new.purpose, "clause": new.clause, "start": new.start.to_string(), "rule": new.rule.to_string(), "due": due, "provisional": provisional})),
    )
    .await?;
    Ok(id)
}

const SELECT: &str = concat!(
    "SELECT d.id, d.purpose, d.clause, d.start_event, d.start_date, d.rule_text, d.clock, \
     d.due_date, d.state, d.suspended_since, d.record_type, d.record_id, d.owner_unit_id, \
     un.name AS owner_unit_name, d.owner_user_id, ",
    crate::provisional_sql!("d"),
    " AS provisional, ",
    crate::timeliness_sql!("d"),
    " AS timeliness, d.created_at, d.updated_at \
     FROM deadlines d JOIN units un ON un.id = d.owner_unit_id WHERE "
);

pub async fn get(db: &Db, scope: &Scope, id: i64) -> Result<Option<Deadline>, sqlx::Error> {
    let mut q = Sql::new(SELECT);
    q.push("d.id = ").bind(id).push(" AND ");
    q.append(unit_in_scope(scope, "un"));
    q.query_as().fetch_optional(&db.pool).await
}

/// The open provisional deadlines, with the due-date range spelt out for the index.
pub(crate) const COUNT_PROVISIONAL: &str = concat!(
    "SELECT COUNT(*) FROM deadlines d JOIN units un ON un.id = d.owner_unit_id \
     WHERE d.state = 'open' AND d.due_date >= '2027-01-01' AND ",
    crate::provisional_sql!("d"),
    " = 1 AND "
);

/// Open deadlines whose due date is provisional (暂定) and whose owner unit lies in `scope`,
/// for the year-end warning.
pub async fn count_open_provisional(db: &Db, scope: &Scope) -> Result<i64, sqlx::Error> {
    let mut q = Sql::new(COUNT_PROVISIONAL);
    q.append(unit_in_scope(scope, "un"));
    q.query_scalar().fetch_one(&db.pool).await
}

#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub state: Option<String>,
    /// One owner unit only (a statistic's click-through to the clocks behind a figure).
    pub unit_id: Option<i64>,
    /// Clocks started from this day to that (the statistic's period).
    pub started_from: Option<chrono::NaiveDate>,
    pub started_to: Option<chrono::NaiveDate>,
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
    match f.state.as_deref() {
        // Done in time or not: the one definition of lateness.
        Some(t @ ("on_time" | "late")) => {
            w.push(concat!(" AND ", crate::timeliness_sql!("d"), " = "))
                .bind(t);
        }
        Some(s) => {
            w.push(" AND d.state = ").bind(s);
        }
        None => {}
    }
    if let Some(u) = f.unit_id {
        w.push(" AND d.owner_unit_id = ").bind(u);
    }
    if let Some(from) = f.started_from {
        w.push(" AND d.start_date >= ").bind(from.to_string());
    }
    if let Some(to) = f.started_to {
        w.push(" AND d.start_date <= ").bind(to.to_string());
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
#[schema(as = DeadlineEvent)]
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
    Suspend {
        from: NaiveDate,
        reason: String,
    },
    Resume {
        last_day: NaiveDate,
    },
    Extend {
        extra: u32,
        reason: String,
    },
    Met {
        on: NaiveDate,
    },
    Waive {
        reason: String,
    },
    /// The start event was later than recorded (a notice served after it was issued).
    Restart {
        start: NaiveDate,
        reason: String,
    },
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
            Change::Restart { .. } => "restarted",
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
        Change::Restart { start, reason } => (
            clock.restart(*start).map_err(refused)?,
            format!("自{start}重新起算：{reason}"),
        ),
    };
    let Derived { due, suspended, .. } = derived(&next, cal).map_err(refused)?;
    let clock_json = serde_json::to_string(&next).map_err(AppError::internal)?;
    let now = who.at_text();
    let moved = due != before.due_date;
    let met_on = match &next.state {
        State::Met { on } => Some(on.to_string()),
        _ => None,
    };
    // The clock's bucket in the statistics' tally, read under the row's lock so that of two
    // changes to one clock each counts off the bucket the other left.
    crate::procedure::lock(tx, "deadlines", id).await?;
    let bucket_before = crate::statistics::tally::bucket(tx, id).await?;
    sqlx::query(
        "UPDATE deadlines SET clock = $1, due_date = $2, state = $3, suspended_since = $4, updated_at = $5, \
         reminded_at = CASE WHEN $6 = 1 THEN NULL ELSE reminded_at END, start_date = $8, met_on = $9 \
         WHERE id = $7",
    )
    .bind(&clock_json)
    .bind(&due)
    .bind(state_code(&next.state))
    .bind(&suspended)
    .bind(&now)
    .bind(i64::from(moved))
    .bind(id)
    .bind(next.start.to_string())
    .bind(met_on)
    .execute(&mut **tx)
    .await?;
    let bucket_after = crate::statistics::tally::bucket(tx, id).await?;
    crate::statistics::tally::moved(tx, bucket_before.as_ref(), bucket_after.as_ref()).await?;
    event(tx, id, who, change.code(), &detail).await?;
    if matches!(change, Change::Restart { .. }) {
        // Counted afresh: the reminders and the escalation of the old count are void.
        sqlx::query(
            "UPDATE todo_items SET done_at = $1 WHERE source_type = 'deadline' AND source_id = $2 AND done_at IS NULL",
        )
        .bind(&now)
        .bind(id)
        .execute(&mut **tx)
        .await?;
        sqlx::query("UPDATE deadlines SET escalated_at = NULL, reminded_at = NULL WHERE id = $1")
            .bind(id)
            .execute(&mut **tx)
            .await?;
    }
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
                Change::Restart { .. } => "deadline.restart",
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
/// The clocks of a case, nested in the case page's one statement (`cases::store::view`) as
/// [`for_record`] reads them on their own.
pub const CASE_CLOCKS: crate::db::nested::Children = crate::db::nested::Children {
    columns: &[
        ("id", "d.id"),
        ("purpose", "d.purpose"),
        ("clause", "d.clause"),
        ("start_event", "d.start_event"),
        ("start_date", "d.start_date"),
        ("rule_text", "d.rule_text"),
        ("clock", "d.clock"),
        ("due_date", "d.due_date"),
        ("state", "d.state"),
        ("suspended_since", "d.suspended_since"),
        ("record_type", "d.record_type"),
        ("record_id", "d.record_id"),
        ("owner_unit_id", "d.owner_unit_id"),
        ("owner_unit_name", "un.name"),
        ("owner_user_id", "d.owner_user_id"),
        ("provisional", crate::provisional_sql!("d")),
        ("timeliness", crate::timeliness_sql!("d")),
        ("created_at", "d.created_at"),
        ("updated_at", "d.updated_at"),
    ],
    from_where: "deadlines d JOIN units un ON un.id = d.owner_unit_id \
                 WHERE d.record_type = 'case' AND d.record_id = {id}",
    order_by: "d.id",
};

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

/// What importing (or correcting) a year's holiday notice does to the open deadlines whose
/// arithmetic may have used that year. The same figures serve the preview before the import
/// and the answer after it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Recomputation {
    /// The year imported.
    pub year: i32,
    /// Open deadlines whose arithmetic may have used the year.
    pub examined: u64,
    /// Due dates that move.
    pub moved: u64,
    /// Of those, how many move earlier and how many later.
    pub earlier: u64,
    pub later: u64,
    /// The largest move earlier and later, in calendar days (0 when none).
    pub max_earlier_days: i64,
    pub max_later_days: i64,
    /// Deadlines that were provisional (暂定) and no longer are.
    pub confirmed: u64,
}

impl Recomputation {
    /// "将有3项进行中期限的届满日变更（提前2项，最多提前2日；推后1项，最多推后1日），5项不再为暂定。"
    pub fn summary_zh(&self, future: bool) -> String {
        let verb = if future { "将有" } else { "已有" };
        if self.moved == 0 && self.confirmed == 0 {
            return format!(
                "涉及{}年的{}项进行中期限，届满日均无变化。",
                self.year, self.examined
            );
        }
        let mut parts = Vec::new();
        if self.earlier > 0 {
            parts.push(format!(
                "提前{}项，最多提前{}日",
                self.earlier, self.max_earlier_days
            ));
        }
        if self.later > 0 {
            parts.push(format!(
                "推后{}项，最多推后{}日",
                self.later, self.max_later_days
            ));
        }
        let mut s = format!(
            "涉及{}年的{}项进行中期限中，{verb}{}项的届满日变更",
            self.year, self.examined, self.moved
        );
        if !parts.is_empty() {
            s.push_str(&format!("（{}）", parts.join("；")));
        }
        if self.confirmed > 0 {
            s.push_str(&format!("，{}项不再为暂定", self.confirmed));
        }
        s.push('。');
        s
    }
}

/// An open deadline as the recomputation reads it: only what it compares and writes.
#[derive(sqlx::FromRow)]
struct OpenClock {
    id: i64,
    clock: String,
    due_date: Option<String>,
    owner_unit_id: i64,
    owner_user_id: Option<i64>,
}

/// One open deadline and its columns under the new calendar.
struct Replanned {
    before: OpenClock,
    after: Derived,
}

/// The open deadlines whose arithmetic may have touched the years `first..=last`: started by
/// the last one's end and due (or suspended) no earlier than the first one's start. Closed
/// clocks keep the dates they were judged by.
async fn open_touching(
    exec: impl sqlx::Executor<'_, Database = sqlx::Any>,
    first: i32,
    last: i32,
) -> Result<Vec<OpenClock>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, clock, due_date, owner_unit_id, owner_user_id FROM deadlines \
         WHERE state = 'open' AND start_date <= $1 AND (due_date IS NULL OR due_date >= $2) ORDER BY id",
    )
    .bind(format!("{last}-12-31"))
    .bind(format!("{first}-01-01"))
    .fetch_all(exec)
    .await
}

/// Recomputations queue behind each other (an import, and each instance's reconciliation after
/// one): each reads the dates the one before it wrote, so a moved date is recorded once. On
/// SQLite the transaction's write lock already does this.
async fn recompute_turn(tx: &mut Tx) -> Result<(), sqlx::Error> {
    if !crate::db::query::is_sqlite(tx) {
        // Any fixed key; the migrations use another.
        sqlx::query("SELECT pg_advisory_xact_lock(7277001)")
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Compare each clock's stored date with the date under `cal`. `was_provisional`: the year was
/// provisional before, so a clock that is not provisional under `cal` is now confirmed (it is
/// not rewritten for that: whether a date is provisional is read from the calendar).
fn replan(
    year: i32,
    was_provisional: bool,
    rows: Vec<OpenClock>,
    cal: &Calendar,
) -> (Recomputation, Vec<Replanned>) {
    let mut r = Recomputation {
        year,
        examined: rows.len() as u64,
        ..Recomputation::default()
    };
    let mut changed = Vec::new();
    for before in rows {
        // A clock that does not parse, or that the new calendar cannot compute (a year past
        // the horizon), keeps its date.
        let Some(after) = serde_json::from_str::<Clock>(&before.clock)
            .ok()
            .and_then(|c| derived(&c, cal).ok())
        else {
            continue;
        };
        if was_provisional && !after.provisional {
            r.confirmed += 1;
        }
        if after.due == before.due_date {
            continue;
        }
        r.moved += 1;
        let days = match (
            before.due_date.as_deref().and_then(parse_date),
            after.due.as_deref().and_then(parse_date),
        ) {
            (Some(a), Some(b)) => (b - a).num_days(),
            _ => 0,
        };
        if days < 0 {
            r.earlier += 1;
            r.max_earlier_days = r.max_earlier_days.max(-days);
        } else if days > 0 {
            r.later += 1;
            r.max_later_days = r.max_later_days.max(days);
        }
        changed.push(Replanned { before, after });
    }
    (r, changed)
}

/// One notice per owner (the named person, else the owner unit's liaison officers and office
/// staff) for all of its deadlines this recomputation moved (the staged rows): a unit with
/// hundreds of moved dates gets one message, and each deadline's history names its own change.
async fn notify_recomputed(tx: &mut Tx, what: &str, now: &str) -> Result<(), sqlx::Error> {
    // Counted per owner first, so the joins run over a few rows, not over every deadline.
    let named = "INSERT INTO notifications (user_id, title, body, link, created_at) \
         SELECT u.id, '期限届满日变更', $2 || c.n || $3, '/deadlines?state=open', $1 \
         FROM (SELECT owner_user_id, COUNT(*) AS n FROM recompute_stage \
               WHERE owner_user_id IS NOT NULL GROUP BY owner_user_id) c \
         JOIN users u ON u.id = c.owner_user_id AND u.active = 1";
    let unit = "INSERT INTO notifications (user_id, title, body, link, created_at) \
         SELECT u.id, '期限届满日变更', $2 || c.n || $3, '/deadlines?state=open', $1 \
         FROM (SELECT owner_unit_id, COUNT(*) AS n FROM recompute_stage \
               WHERE owner_user_id IS NULL GROUP BY owner_unit_id) c \
         JOIN users u ON u.unit_id = c.owner_unit_id AND u.active = 1 \
         JOIN (SELECT DISTINCT user_id FROM role_grants \
               WHERE role IN ('unit_liaison', 'office_staff', 'county_office_staff')) g ON g.user_id = u.id";
    let before = format!("因{what}，您负责的");
    for sql in [named, unit] {
        sqlx::query(sql)
            .bind(now)
            .bind(&before)
            .bind("项期限的届满日已重新计算，新旧日期见各期限的历史记录。")
            .execute(&mut **tx)
            .await?;
    }
    super::scheduler::notify_offices(
        tx,
        "SELECT owner_unit_id, COUNT(*) AS n FROM recompute_stage GROUP BY owner_unit_id",
        "期限届满日变更",
        (
            &format!("{what}后，本辖区"),
            "项期限的届满日已重新计算，请留意。",
        ),
        "/deadlines?state=open",
        now,
    )
    .await
}

/// How the open deadlines would move if `cal` (the calendar with the new year) were in force.
/// Reads only.
/// `was_provisional`: the year is provisional in the calendar in force.
pub async fn preview_recomputation(
    db: &Db,
    cal: &Calendar,
    year: i32,
    was_provisional: bool,
) -> AppResult<Recomputation> {
    let rows = open_touching(&db.pool, year, year).await?;
    Ok(replan(year, was_provisional, rows, cal).0)
}

/// Recompute, inside the import's transaction, every open deadline whose arithmetic may have
/// touched `year`, under `cal` (the calendar with the imported year; `was_provisional`: the year
/// was provisional before). Each due date that moves gets a history event naming the notice,
/// an audit record, its to-do's date, and a notice to its owner and to the office of its
/// region; a reminder already sent is sent again for the new date. A date now in the past is
/// marked missed by the scheduler's next pass. A date that does not move is not written.
pub async fn recompute_year(
    tx: &mut Tx,
    cal: &Calendar,
    who: &Who,
    year: i32,
    was_provisional: bool,
    notice: &str,
) -> AppResult<Recomputation> {
    recompute_turn(tx).await?;
    let started = std::time::Instant::now();
    let rows = open_touching(&mut **tx, year, year).await?;
    let cause = Cause {
        year: Some(year),
        event: format!("因导入《{notice}》重新计算"),
        what: format!("导入{year}年节假日安排"),
    };
    rewrite(tx, cal, who, rows, was_provisional, &cause, started).await
}

/// Recompute every open deadline that may have touched one of `years` under `cal`, the
/// calendar in force: the safety net for dates computed with a calendar that did not yet have
/// those years' notices (imported by another server instance, or by `shuangda calendar import`
/// while a server ran). Each instance's deadline scheduler runs it when it sees stored years
/// change and has reloaded its calendar, so a date it computed with the old one is caught.
pub async fn reconcile_years(
    tx: &mut Tx,
    cal: &Calendar,
    who: &Who,
    years: &[i32],
) -> AppResult<Recomputation> {
    let (Some(first), Some(last)) = (years.iter().min(), years.iter().max()) else {
        return Ok(Recomputation::default());
    };
    recompute_turn(tx).await?;
    let started = std::time::Instant::now();
    let rows = open_touching(&mut **tx, *first, *last).await?;
    let cause = Cause {
        year: None,
        event: "因节假日安排已导入，按现行安排重新计算".to_owned(),
        what: "节假日安排更新".to_owned(),
    };
    rewrite(tx, cal, who, rows, false, &cause, started).await
}

/// Why dates are being recomputed, for the history, the audit trail and the notices.
struct Cause {
    /// The imported year, when one import caused it.
    year: Option<i32>,
    /// The history event's opening words.
    event: String,
    /// What happened, for the notices: "导入2027年节假日安排".
    what: String,
}

async fn rewrite(
    tx: &mut Tx,
    cal: &Calendar,
    who: &Who,
    rows: Vec<OpenClock>,
    was_provisional: bool,
    cause: &Cause,
    started: std::time::Instant,
) -> AppResult<Recomputation> {
    let read = started.elapsed();
    let (report, changed) = replan(cause.year.unwrap_or(0), was_provisional, rows, cal);
    let computed = started.elapsed();
    if changed.is_empty() {
        return Ok(report);
    }
    let now = who.at_text();
    // Set-based: the changed clocks are staged once in a temporary table (one JSON parameter,
    // not hundreds of thousands of bound values), and each write below is one statement over
    // it. An import can move a hundred thousand dates (bench/RESULTS.md).
    let t = std::time::Instant::now();
    stage(tx, &changed).await?;
    let t_stage = t.elapsed();

    // Only open clocks' due dates move here, and a running clock's bucket in the statistics'
    // tally does not depend on its due date: nothing to count (`statistics::tally`).
    let t = std::time::Instant::now();
    // SQLite plans `UPDATE … FROM` with the target as the outer loop (a scan of every open
    // deadline); driven by the staged ids it looks up only the rows that change. PostgreSQL
    // merge-joins the staged rows against the key.
    let update = if crate::db::query::is_sqlite(tx) {
        "UPDATE deadlines SET (due_date, suspended_since) = \
         (SELECT s.due, s.suspended FROM recompute_stage s WHERE s.id = deadlines.id), \
         reminded_at = NULL, updated_at = $1 \
         WHERE id IN (SELECT id FROM recompute_stage) AND state = 'open'"
    } else {
        "UPDATE deadlines SET due_date = s.due, suspended_since = s.suspended, \
         updated_at = $1, reminded_at = NULL \
         FROM recompute_stage s WHERE deadlines.id = s.id AND deadlines.state = 'open'"
    };
    sqlx::query(update)
        .bind(now.as_str())
        .execute(&mut **tx)
        .await?;
    let t_update = t.elapsed();

    let t = std::time::Instant::now();
    sqlx::query(
        "INSERT INTO deadline_events (deadline_id, at, actor_name, kind, detail) \
         SELECT s.id, $1, $2, 'recomputed', \
         $3 || COALESCE(s.due_before, '（中止计时）') || '变更为' || COALESCE(s.due, '（中止计时）') \
         FROM recompute_stage s ORDER BY s.id",
    )
    .bind(now.as_str())
    .bind(who.name.as_str())
    .bind(format!("{}，届满日由", cause.event))
    .execute(&mut **tx)
    .await?;
    let t_events = t.elapsed();

    let t = std::time::Instant::now();
    sqlx::query(
        "UPDATE todo_items SET due_date = s.due FROM recompute_stage s \
         WHERE todo_items.source_type = 'deadline' \
         AND todo_items.source_id = s.id AND todo_items.done_at IS NULL",
    )
    .execute(&mut **tx)
    .await?;
    let t_todos = t.elapsed();

    // One audit record for the recomputation as a whole: it is one act (the import, or the
    // reconciliation after one), and each moved deadline's history names its own old and new
    // date. A record per deadline cost more than the rest of the import together.
    let t = std::time::Instant::now();
    let entry = Entry::new("deadline.recompute", "holiday_year");
    let entry = match cause.year {
        Some(year) => entry.object(year, None),
        None => entry,
    };
    audit::record(
        tx,
        who,
        entry.summary(json!({
            "cause": cause.what,
            "examined": report.examined,
            "moved": report.moved,
            "confirmed": report.confirmed,
            "earlier": report.earlier,
            "later": report.later,
            "max_earlier_days": report.max_earlier_days,
            "max_later_days": report.max_later_days,
        })),
    )
    .await?;
    let t_audit = t.elapsed();
    let written = started.elapsed();
    notify_recomputed(tx, &cause.what, &now).await?;
    sqlx::query("DROP TABLE recompute_stage")
        .execute(&mut **tx)
        .await?;
    tracing::info!(
        cause = %cause.what,
        examined = report.examined,
        moved = report.moved,
        read_ms = read.as_millis() as u64,
        compute_ms = (computed - read).as_millis() as u64,
        write_ms = (written - computed).as_millis() as u64,
        stage_ms = t_stage.as_millis() as u64,
        update_ms = t_update.as_millis() as u64,
        events_ms = t_events.as_millis() as u64,
        todos_ms = t_todos.as_millis() as u64,
        audit_ms = t_audit.as_millis() as u64,
        notify_ms = (started.elapsed() - written).as_millis() as u64,
        "deadlines recomputed after a holiday import"
    );
    Ok(report)
}

/// One moved clock as staged for the set-based writes.
#[derive(Serialize)]
struct Staged<'a> {
    id: i64,
    due_before: Option<&'a str>,
    due: Option<&'a str>,
    suspended: Option<&'a str>,
    owner_unit_id: i64,
    owner_user_id: Option<i64>,
}

/// Fill the temporary table `recompute_stage` (dropped by the caller before commit) with the
/// changed clocks, sent as one JSON array and unpacked by the database.
async fn stage(tx: &mut Tx, changed: &[Replanned]) -> AppResult<()> {
    let rows: Vec<Staged> = changed
        .iter()
        .map(|r| Staged {
            id: r.before.id,
            due_before: r.before.due_date.as_deref(),
            due: r.after.due.as_deref(),
            suspended: r.after.suspended.as_deref(),
            owner_unit_id: r.before.owner_unit_id,
            owner_user_id: r.before.owner_user_id,
        })
        .collect();
    let json = serde_json::to_string(&rows).map_err(|e| AppError::Internal(e.to_string()))?;
    let sqlite = crate::db::query::is_sqlite(tx);
    // A connection may still hold the table if an earlier transaction on it failed midway.
    sqlx::query("DROP TABLE IF EXISTS recompute_stage")
        .execute(&mut **tx)
        .await?;
    sqlx::query(
        "CREATE TEMPORARY TABLE recompute_stage (id BIGINT PRIMARY KEY, due_before TEXT, due TEXT, \
         suspended TEXT, owner_unit_id BIGINT NOT NULL, owner_user_id BIGINT)",
    )
    .execute(&mut **tx)
    .await?;
    let fill = if sqlite {
        "INSERT INTO recompute_stage SELECT value ->> 'id', value ->> 'due_before', value ->> 'due', \
         value ->> 'suspended', value ->> 'owner_unit_id', value ->> 'owner_user_id' FROM json_each($1)"
    } else {
        "INSERT INTO recompute_stage SELECT * FROM json_to_recordset($1::json) AS v (id BIGINT, \
         due_before TEXT, due TEXT, suspended TEXT, owner_unit_id BIGINT, owner_user_id BIGINT)"
    };
    sqlx::query(fill).bind(json).execute(&mut **tx).await?;
    if !sqlite {
        // The planner does not see a temporary table's rows until it is analysed.
        sqlx::query("ANALYZE recompute_stage")
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}
