//! Storing to-do items and notifications.

use serde::Serialize;

use crate::access::Actor;
use crate::audit::Who;
use crate::db::{Db, Tx};

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Todo {
    pub id: i64,
    pub title: String,
    pub link: Option<String>,
    pub due_date: Option<String>,
    pub urgent: i64,
    pub created_at: String,
    /// The due date is a deadline's provisional date (暂定).
    #[sqlx(try_from = "i64")]
    #[schema(value_type = bool)]
    pub provisional: crate::db::Flag,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Notification {
    pub id: i64,
    pub title: String,
    pub body: String,
    pub link: Option<String>,
    pub created_at: String,
    pub read_at: Option<String>,
}

/// What a to-do asks, of which record: the key it is opened and discharged by. Such a to-do
/// is closed only by [`discharge`], called by the act that does the duty, never by another act
/// on the same record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Duty<'a> {
    /// The record's resource, e.g. `transfer`.
    pub resource: &'a str,
    pub record_id: i64,
    /// What is asked, e.g. `sign_for`.
    pub duty: &'a str,
}

impl<'a> Duty<'a> {
    pub const fn new(resource: &'a str, record_id: i64, duty: &'a str) -> Self {
        Duty {
            resource,
            record_id,
            duty,
        }
    }
}

/// Who holds a to-do: a unit as a whole, or one person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holder {
    Unit(i64),
    User(i64),
    /// The holders of one role in a unit (its heads, for an approval).
    UnitRole(i64, crate::access::Role),
}

impl Holder {
    fn columns(self) -> (Option<i64>, Option<i64>) {
        match self {
            Holder::Unit(u) | Holder::UnitRole(u, _) => (None, Some(u)),
            Holder::User(u) => (Some(u), None),
        }
    }
    fn role(self) -> Option<&'static str> {
        match self {
            Holder::UnitRole(_, r) => Some(r.code()),
            _ => None,
        }
    }
}

/// The to-dos of `actor`: their own, and their unit's meant for everyone in it or for a role
/// they hold. `$1` is the user, `$2` the unit.
const MINE: &str = "(t.user_id = $1 OR (t.user_id IS NULL AND t.unit_id = $2 AND (t.role IS NULL \
    OR t.role IN (SELECT g.role FROM role_grants g WHERE g.user_id = $1))))";

/// Open the to-do of duty `key` for `holder`. The only way a to-do is made: each is keyed to
/// its record and duty, and closed by the act that does it ([`discharge`], [`discharge_for`]).
/// Giving a holder a duty they already have open keeps that one, with the new title and due
/// date (the office asked again, by another date).
#[allow(clippy::too_many_arguments)]
pub async fn add_duty(
    tx: &mut Tx,
    who: &Who,
    key: Duty<'_>,
    holder: Holder,
    title: &str,
    link: &str,
    due_date: Option<&str>,
    urgent: bool,
) -> Result<(), sqlx::Error> {
    let (user_id, unit_id) = holder.columns();
    let open: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM todo_items WHERE source_type = $1 AND source_id = $2 AND duty = $3 \
         AND done_at IS NULL AND COALESCE(user_id, 0) = $4 AND COALESCE(unit_id, 0) = $5 \
         AND COALESCE(role, '') = $6",
    )
    .bind(key.resource)
    .bind(key.record_id)
    .bind(key.duty)
    .bind(user_id.unwrap_or(0))
    .bind(unit_id.unwrap_or(0))
    .bind(holder.role().unwrap_or(""))
    .fetch_optional(&mut **tx)
    .await?;
    if let Some(id) = open {
        sqlx::query("UPDATE todo_items SET title = $1, due_date = $2, urgent = $3 WHERE id = $4")
            .bind(title)
            .bind(due_date)
            .bind(i64::from(urgent))
            .bind(id)
            .execute(&mut **tx)
            .await?;
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO todo_items (user_id, unit_id, role, title, link, due_date, urgent, created_at, \
         source_type, source_id, duty) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(user_id)
    .bind(unit_id)
    .bind(holder.role())
    .bind(title)
    .bind(link)
    .bind(due_date)
    .bind(i64::from(urgent))
    .bind(who.at_text())
    .bind(key.resource)
    .bind(key.record_id)
    .bind(key.duty)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The open to-dos of duty `key` are now due on `due_date` (the clock they follow was restarted).
pub async fn reschedule(tx: &mut Tx, key: Duty<'_>, due_date: &str) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query(
        "UPDATE todo_items SET due_date = $1 WHERE source_type = $2 AND source_id = $3 \
         AND duty = $4 AND done_at IS NULL",
    )
    .bind(due_date)
    .bind(key.resource)
    .bind(key.record_id)
    .bind(key.duty)
    .execute(&mut **tx)
    .await?
    .rows_affected())
}

/// The duty `key` is done by `holder` alone (one recipient's read receipt, one unit's report to
/// a round): only its to-do is closed.
pub async fn discharge_for(
    tx: &mut Tx,
    who: &Who,
    key: Duty<'_>,
    holder: Holder,
) -> Result<u64, sqlx::Error> {
    let (user_id, unit_id) = holder.columns();
    Ok(sqlx::query(
        "UPDATE todo_items SET done_at = $1 WHERE source_type = $2 AND source_id = $3 \
         AND duty = $4 AND done_at IS NULL AND COALESCE(user_id, 0) = $5 AND COALESCE(unit_id, 0) = $6 \
         AND COALESCE(role, '') = $7",
    )
    .bind(who.at_text())
    .bind(key.resource)
    .bind(key.record_id)
    .bind(key.duty)
    .bind(user_id.unwrap_or(0))
    .bind(unit_id.unwrap_or(0))
    .bind(holder.role().unwrap_or(""))
    .execute(&mut **tx)
    .await?
    .rows_affected())
}

/// The duty `key` is done: its open to-dos, whoever held them, are closed. Returns how many.
pub async fn discharge(tx: &mut Tx, who: &Who, key: Duty<'_>) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query(
        "UPDATE todo_items SET done_at = $1 WHERE source_type = $2 AND source_id = $3 \
         AND duty = $4 AND done_at IS NULL",
    )
    .bind(who.at_text())
    .bind(key.resource)
    .bind(key.record_id)
    .bind(key.duty)
    .execute(&mut **tx)
    .await?
    .rows_affected())
}

/// Records `ids` of `resource` can no longer be acted on (their period closed, their campaign
/// ended): every open to-do keyed to them, whatever the duty and whoever held it, is closed.
pub async fn discharge_records(
    tx: &mut Tx,
    who: &Who,
    resource: &str,
    ids: &[i64],
) -> Result<u64, sqlx::Error> {
    let mut closed = 0;
    for id in ids {
        closed += sqlx::query(
            "UPDATE todo_items SET done_at = $1 WHERE source_type = $2 AND source_id = $3 AND done_at IS NULL",
        )
        .bind(who.at_text())
        .bind(resource)
        .bind(id)
        .execute(&mut **tx)
        .await?
        .rows_affected();
    }
    Ok(closed)
}

/// What is waiting for `actor` (the to-do centre): the open to-dos of the person and of their
/// unit, and the open clocks they own — their own, or their unit's when no one person owns it —
/// that no open to-do already stands for (one keyed to the same record with the same due date,
/// or the clock's own reminder) held within the clock's owner — the unit, one of its roles, or
/// one of its people. A clock that is someone's duty is on that person's list, not on every
/// list of the unit: the director does not see the responsible staff member's clock.
pub async fn agenda(db: &Db, actor: &Actor) -> Result<Vec<super::agenda::Item>, sqlx::Error> {
    let todos = todos(db, actor).await?;
    agenda_with(db, actor, todos).await
}

/// The agenda of `actor` given their open to-dos, already read ([`todos`]).
pub async fn agenda_with(
    db: &Db,
    actor: &Actor,
    todos: Vec<Todo>,
) -> Result<Vec<super::agenda::Item>, sqlx::Error> {
    let parse =
        |s: Option<&str>| s.and_then(|s| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok());
    let mut items: Vec<super::agenda::Item> = todos
        .into_iter()
        .map(|t| super::agenda::Item {
            due_date: parse(t.due_date.as_deref()),
            title: t.title,
            link: t.link,
            provisional: t.provisional.0,
            urgent: t.urgent != 0,
            kind: "duty",
        })
        .collect();
    // One branch per kind of owner, each read from its own index in due order (see
    // `CLOCK_OWNERS`), then merged.
    let branch = |owner: &str| {
        format!(
            "SELECT * FROM (SELECT d.id, d.purpose, d.due_date, {} AS provisional FROM deadlines d \
             WHERE {owner} AND {CLOCKS} ORDER BY d.due_date, d.id LIMIT 200) b",
            crate::provisional_sql!("d")
        )
    };
    let clocks: Vec<(i64, String, Option<String>, i64)> =
        sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT id, purpose, due_date, provisional FROM ({} UNION ALL {}) x \
             ORDER BY due_date, id LIMIT 200",
            branch(CLOCK_OWNERS[0]),
            branch(CLOCK_OWNERS[1])
        )))
        .bind(actor.user_id)
        .bind(actor.unit_id)
        .fetch_all(&db.pool)
        .await?;
    items.extend(
        clocks
            .into_iter()
            .map(|(id, purpose, due, provisional)| super::agenda::Item {
                title: purpose,
                link: Some(format!("/deadlines/{id}")),
                due_date: parse(due.as_deref()),
                provisional: provisional == 1,
                urgent: false,
                kind: "clock",
            }),
    );
    Ok(items)
}

/// Whose clocks are on `actor`'s agenda ([`agenda`]): their own (`$1` is the user), and their
/// unit's that no one person owns (`$2` the unit). Kept as two conditions, each read from its
/// own index on (owner, state, due date): joined by OR, the planner's choice between them and
/// an ordered scan of every open clock hung on statistics, and a wrong guess read all clocks.
const CLOCK_OWNERS: [&str; 2] = [
    "d.owner_user_id = $1",
    "d.owner_user_id IS NULL AND d.owner_unit_id = $2",
];

/// The clocks of [`CLOCK_OWNERS`] on the agenda: open, and not already stood for by an open
/// to-do.
/// The two ways a to-do stands for a clock (its own deadline's, or its record's with the same
/// due date) are two lookups on the to-dos' source index; one `OR` of them made every count
/// scan the to-dos once per open clock of the unit (9 ms a page for an office with 5,000).
const CLOCKS: &str = "d.state = 'open' \
     AND NOT EXISTS (SELECT 1 FROM todo_items t WHERE t.source_type = 'deadline' \
       AND t.source_id = d.id AND t.done_at IS NULL \
       AND (t.unit_id = d.owner_unit_id OR t.user_id = d.owner_user_id \
         OR t.user_id IN (SELECT ux.id FROM users ux WHERE ux.unit_id = d.owner_unit_id))) \
     AND NOT EXISTS (SELECT 1 FROM todo_items t WHERE t.source_type = d.record_type \
       AND t.source_id = d.record_id AND t.due_date = d.due_date AND t.done_at IS NULL \
       AND (t.unit_id = d.owner_unit_id OR t.user_id = d.owner_user_id \
         OR t.user_id IN (SELECT ux.id FROM users ux WHERE ux.unit_id = d.owner_unit_id)))";

/// Where the navigation's counts stop (each shows as 99+ from there).
pub const COUNT_CAP: i64 = 100;

/// What the navigation shows on every page: the to-do centre's items, how many of them are
/// overdue or due today, and the unread notices, each counted up to [`COUNT_CAP`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub todos: usize,
    pub pressing: usize,
    pub unread: i64,
}

pub async fn counts(
    db: &Db,
    actor: &Actor,
    today: chrono::NaiveDate,
) -> Result<Counts, sqlx::Error> {
    // Counted where they are, in one statement: every page shows them, and reading the agenda's
    // rows to count them cost more than the page's own query. Each count stops at `COUNT_CAP`
    // (the badge then says 99+), so an office with thousands of open clocks pays for a hundred.
    // "Pressing" is what `agenda::pressing` groups: due today or before (dates are
    // `YYYY-MM-DD` text).
    let capped = |from_where: &str| {
        format!("(SELECT COUNT(*) FROM (SELECT 1 FROM {from_where} LIMIT {COUNT_CAP}) c)")
    };
    let clocks = |more: &str| {
        let [a, b] = CLOCK_OWNERS
            .map(|owner| capped(&format!("deadlines d WHERE {owner} AND {CLOCKS}{more}")));
        format!("{a} + {b}")
    };
    let (todos, todos_pressing, clocks, clocks_pressing, unread): (i64, i64, i64, i64, i64) =
        sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {}, {}, {}, {}, {}",
            capped(&format!("todo_items t WHERE t.done_at IS NULL AND {MINE}")),
            capped(&format!(
                "todo_items t WHERE t.done_at IS NULL AND {MINE} AND t.due_date <= $3"
            )),
            clocks(""),
            clocks(" AND d.due_date <= $3"),
            capped("notifications WHERE user_id = $1 AND read_at IS NULL"),
        )))
        .bind(actor.user_id)
        .bind(actor.unit_id)
        .bind(today.to_string())
        .fetch_one(&db.pool)
        .await?;
    let n = |v: i64| usize::try_from(v).unwrap_or(0);
    Ok(Counts {
        todos: n(todos) + n(clocks),
        pressing: n(todos_pressing) + n(clocks_pressing),
        unread,
    })
}

/// Open to-dos addressed to the user, or to their unit as a whole; urgent and earliest first.
pub async fn todos(db: &Db, actor: &Actor) -> Result<Vec<Todo>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT t.id, t.title, t.link, t.due_date, t.urgent, t.created_at, {} AS provisional \
         FROM todo_items t LEFT JOIN deadlines d ON t.source_type = 'deadline' AND d.id = t.source_id \
         WHERE t.done_at IS NULL AND {MINE} \
         ORDER BY t.urgent DESC, t.due_date, t.id LIMIT 200",
        // No clock behind the to-do (d is NULL): not provisional.
        crate::provisional_sql!("d")
    )))
    .bind(actor.user_id)
    .bind(actor.unit_id)
    .fetch_all(&db.pool)
    .await
}

pub async fn notify(
    tx: &mut Tx,
    who: &Who,
    user_id: i64,
    title: &str,
    body: &str,
    link: Option<&str>,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO notifications (user_id, title, body, link, created_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(user_id)
    .bind(title)
    .bind(body)
    .bind(link)
    .bind(who.at_text())
    .fetch_one(&mut **tx)
    .await
}

pub async fn notifications(
    db: &Db,
    user_id: i64,
    unread_only: bool,
) -> Result<Vec<Notification>, sqlx::Error> {
    let sql = if unread_only {
        "SELECT id, title, body, link, created_at, read_at FROM notifications \
         WHERE user_id = $1 AND read_at IS NULL ORDER BY id DESC LIMIT 50"
    } else {
        "SELECT id, title, body, link, created_at, read_at FROM notifications \
         WHERE user_id = $1 ORDER BY id DESC LIMIT 200"
    };
    sqlx::query_as(sql).bind(user_id).fetch_all(&db.pool).await
}

/// Mark one of the user's own notifications read; false if it is not theirs.
pub async fn mark_read(tx: &mut Tx, who: &Who, user_id: i64, id: i64) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query(
        "UPDATE notifications SET read_at = $1 WHERE id = $2 AND user_id = $3 AND read_at IS NULL",
    )
    .bind(who.at_text())
    .bind(id)
    .bind(user_id)
    .execute(&mut **tx)
    .await?
    .rows_affected()
        > 0)
}

/// Active holders of `role` (the group leader, say) in the region of the unit `office_unit_id`:
/// the leaders a city or county office reports to.
pub async fn holders_of_role(
    tx: &mut Tx,
    role: crate::access::Role,
    office_unit_id: i64,
) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT DISTINCT u.id FROM users u JOIN role_grants g ON g.user_id = u.id JOIN units un ON un.id = u.unit_id \
         WHERE g.role = $1 AND u.active = 1 AND un.region_code = (SELECT region_code FROM units WHERE id = $2) \
         ORDER BY u.id",
    )
    .bind(role.code())
    .bind(office_unit_id)
    .fetch_all(&mut **tx)
    .await
}

/// The active holders of `role` in unit `unit_id` (its heads, say).
pub async fn holders_in_unit(
    tx: &mut Tx,
    unit_id: i64,
    role: crate::access::Role,
) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT DISTINCT u.id FROM users u JOIN role_grants g ON g.user_id = u.id \
         WHERE u.unit_id = $1 AND u.active = 1 AND g.role = $2 ORDER BY u.id",
    )
    .bind(unit_id)
    .bind(role.code())
    .fetch_all(&mut **tx)
    .await
}

/// Users of a unit who act for it (liaison officers, handlers, office staff, procuratorate
/// supervisors).
pub async fn notify_unit(
    tx: &mut Tx,
    who: &Who,
    unit_id: i64,
    title: &str,
    body: &str,
    link: &str,
) -> Result<(), sqlx::Error> {
    let users: Vec<i64> = sqlx::query_scalar(
        "SELECT DISTINCT u.id FROM users u JOIN role_grants g ON g.user_id = u.id \
         WHERE u.unit_id = $1 AND u.active = 1 AND g.role IN \
         ('unit_liaison', 'unit_handler', 'office_staff', 'office_director', 'county_office_staff', \
         'procuratorate_supervisor')",
    )
    .bind(unit_id)
    .fetch_all(&mut **tx)
    .await?;
    for u in users {
        notify(tx, who, u, title, body, Some(link)).await?;
    }
    Ok(())
}
