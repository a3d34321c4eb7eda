//! 督促催办: what a region is waiting for, as the office director and the group's leaders see
//! it (every open duty held by a unit or person of their region), and the reminder they send
//! to the holder, counted on the to-do and recorded in the audit trail. The office reminds and
//! supervises; it does not do the unit's work (000 §11).

use crate::db::query::Window;
use serde::Serialize;
use serde_json::json;

use crate::access::sql::unit_in_scope;
use crate::access::{Action, Actor, Resource, Scope};
use crate::audit::{Entry, Who};
use crate::db::Db;
use crate::db::query::Sql;
use crate::error::{AppError, AppResult};

/// An open duty of the region.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Waiting {
    pub id: i64,
    pub title: String,
    pub link: Option<String>,
    pub due_date: Option<String>,
    /// The unit that holds it (or the unit of the person who does).
    pub unit_name: String,
    /// The person who holds it, if one does.
    pub user_name: Option<String>,
    /// How many reminders were sent, and when the last one.
    pub reminders: i64,
    pub last_reminded_at: Option<String>,
}

/// Who may see the region's duties and remind: those who decide on deadlines (the office
/// director and the leaders), within their region.
pub fn scope(actor: &Actor) -> AppResult<Scope> {
    actor.require(Resource::Deadline, Action::Decide)
}

const SELECT: &str = "SELECT t.id, t.title, t.link, t.due_date, hu.name AS unit_name, \
    usr.display_name AS user_name, t.reminders, t.last_reminded_at \
    FROM todo_items t LEFT JOIN users usr ON usr.id = t.user_id \
    JOIN units hu ON hu.id = COALESCE(t.unit_id, usr.unit_id) \
    WHERE t.done_at IS NULL AND t.duty IS NOT NULL AND ";

/// The open duties of the region, earliest due first (those without a date last).
pub async fn waiting(db: &Db, scope: &Scope, w: Window) -> Result<Vec<Waiting>, sqlx::Error> {
    let mut q = Sql::new(SELECT);
    q.append(unit_in_scope(scope, "hu"));
    q.push(" ORDER BY CASE WHEN t.due_date IS NULL THEN 1 ELSE 0 END, t.due_date, t.id");
    q.push(&w.sql());
    q.query_as().fetch_all(&db.pool).await
}

/// 催办: remind the holder of open duty `id` (its unit's people, the holders of its role, or
/// the person), with an optional message. Counted on the to-do; refused once it is done.
pub async fn remind(db: &Db, actor: &Actor, who: &Who, id: i64, text: &str) -> AppResult<()> {
    let scope = scope(actor)?;
    let text = crate::domain::text::optional("text", "催办意见", Some(text), 500)?;
    let mut q = Sql::new(SELECT);
    q.append(unit_in_scope(&scope, "hu"));
    q.push(" AND t.id = ").bind(id);
    let w: Waiting = q
        .query_as()
        .fetch_optional(&db.pool)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut tx = db.begin().await?;
    let n = sqlx::query(
        "UPDATE todo_items SET reminders = reminders + 1, last_reminded_at = $1 \
         WHERE id = $2 AND done_at IS NULL",
    )
    .bind(who.at_text())
    .bind(id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if n != 1 {
        return Err(AppError::conflict("already_done", "该事项已办结，无需催办"));
    }
    let holder: (Option<i64>, Option<i64>, Option<String>) =
        sqlx::query_as("SELECT user_id, unit_id, role FROM todo_items WHERE id = $1")
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
    let title = format!("催办：{}", w.title);
    let body = match (&text, &w.due_date) {
        (Some(t), _) => t.clone(),
        (None, Some(d)) => format!(
            "请抓紧办理，期限{}。",
            crate::calendar::format_date_zh(
                chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(AppError::internal)?,
            )
        ),
        (None, None) => "请抓紧办理。".to_string(),
    };
    let link = w.link.clone().unwrap_or_else(|| "/".into());
    // The person who holds it; else the holders of its role in the unit; else (a role nobody
    // holds any more, or the unit as a whole) the unit's people.
    let users = match holder {
        (Some(user), _, _) => vec![user],
        (None, Some(unit), role) => {
            let holders = match role.as_deref().and_then(crate::access::Role::parse) {
                Some(r) => super::store::holders_in_unit(&mut tx, unit, r).await?,
                None => Vec::new(),
            };
            if holders.is_empty() {
                super::store::notify_unit(&mut tx, who, unit, &title, &body, &link).await?;
            }
            holders
        }
        (None, None, _) => Vec::new(),
    };
    for u in users {
        super::store::notify(&mut tx, who, u, &title, &body, Some(&link)).await?;
    }
    crate::audit::record(
        &mut tx,
        who,
        Entry::new("todo.remind", "todo")
            .object(id, None)
            .summary(json!({"title": w.title, "unit": w.unit_name, "text": text})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
