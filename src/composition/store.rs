//! The composition as stored: the current holders and the history, change requests, and the
//! leader's decision, each one transaction with its audit record.

use serde::Serialize;
use serde_json::json;

use super::{Change, ChangeInput, Position, may_decide, may_request};
use crate::access::{Action, Actor, Resource};
use crate::audit::{self, Entry, Who};
use crate::db::{Db, Tx};
use crate::error::{AppError, AppResult};
use crate::notify::store::notify_unit;

pub const RESOURCE: &str = "composition";

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct PositionRow {
    pub id: i64,
    pub unit_id: Option<i64>,
    pub unit_name: Option<String>,
    pub position: String,
    pub person_name: String,
    pub post: Option<String>,
    pub phone: Option<String>,
    pub effective_from: String,
    pub effective_until: Option<String>,
}

impl PositionRow {
    pub fn position_label(&self) -> &'static str {
        Position::label_of(&self.position)
    }
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ChangeRow {
    pub id: i64,
    pub unit_id: Option<i64>,
    pub unit_name: Option<String>,
    pub position: String,
    pub person_name: String,
    pub post: Option<String>,
    pub phone: Option<String>,
    pub reason: String,
    /// pending, approved, rejected
    pub state: String,
    pub requested_by_name: String,
    pub requested_at: String,
    pub decided_by_name: Option<String>,
    pub decided_at: Option<String>,
    pub decision_note: Option<String>,
}

impl ChangeRow {
    pub fn position_label(&self) -> &'static str {
        Position::label_of(&self.position)
    }
    pub fn state_label(&self) -> &'static str {
        match self.state.as_str() {
            "pending" => "待组长审批",
            "approved" => "已批准",
            "filed" => "已备案",
            _ => "未批准",
        }
    }
}

/// The group the actor belongs to: its own unit when it is a group, else the group above its
/// unit (a member unit's parent, an office's parent).
pub async fn group_of(db: &Db, actor: &Actor) -> AppResult<(i64, String)> {
    let row: Option<(i64, String)> = sqlx::query_as(
        "SELECT g.id, g.name FROM units g WHERE g.kind IN ('leading_group', 'county_group') AND \
         (g.id = $1 OR g.id = (SELECT parent_id FROM units WHERE id = $1)) ORDER BY g.id LIMIT 1",
    )
    .bind(actor.unit_id)
    .fetch_optional(&db.pool)
    .await?;
    row.ok_or_else(|| AppError::conflict("no_group", "本单位不属于任何领导小组"))
}

pub async fn current(db: &Db, group: i64) -> Result<Vec<PositionRow>, sqlx::Error> {
    positions(db, group, true).await
}

pub async fn history(db: &Db, group: i64) -> Result<Vec<PositionRow>, sqlx::Error> {
    positions(db, group, false).await
}

async fn positions(db: &Db, group: i64, current: bool) -> Result<Vec<PositionRow>, sqlx::Error> {
    let sql = format!(
        "SELECT p.id, p.unit_id, u.name AS unit_name, p.position, p.person_name, p.post, p.phone, p.effective_from, p.effective_until \
         FROM group_positions p LEFT JOIN units u ON u.id = p.unit_id WHERE p.group_unit_id = $1 AND p.effective_until IS {} NULL \
         ORDER BY CASE p.position WHEN 'leader' THEN 0 WHEN 'deputy' THEN 1 ELSE 2 END, p.unit_id, p.position, p.effective_from DESC, p.id",
        if current { "" } else { "NOT" }
    );
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(group)
        .fetch_all(&db.pool)
        .await
}

pub async fn changes(db: &Db, group: i64) -> Result<Vec<ChangeRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT c.id, c.unit_id, u.name AS unit_name, c.position, c.person_name, c.post, c.phone, c.reason, c.state, \
         c.requested_by_name, c.requested_at, c.decided_by_name, c.decided_at, c.decision_note \
         FROM composition_changes c LEFT JOIN units u ON u.id = c.unit_id WHERE c.group_unit_id = $1 \
         ORDER BY CASE WHEN c.state = 'pending' THEN 0 ELSE 1 END, c.id DESC LIMIT 200",
    )
    .bind(group)
    .fetch_all(&db.pool)
    .await
}

/// A unit reports a change of its responsible person or liaison officer; the office one of
/// the group's leader or deputies. The group leader gets it to approve, except a liaison
/// officer's, which is filed for the record and in force at once (001 §23; 003 三(二)).
pub async fn request(db: &Db, actor: &Actor, who: &Who, input: &ChangeInput) -> AppResult<i64> {
    actor.require(Resource::Unit, Action::Read)?;
    let c = Change::parse(input)?;
    let (group, _) = group_of(db, actor).await?;
    // A member unit reports for itself; the office for the group it serves.
    if !may_request(c.position, &actor.roles, true) {
        return Err(AppError::Forbidden);
    }
    let unit = c.position.of_unit().then_some(actor.unit_id);
    let mut tx = db.begin().await?;
    // Changes to one group's composition run one at a time: two filings of the same liaison,
    // or two requests checked against the same pending count, cannot both go through.
    crate::procedure::lock(&mut tx, "units", group).await?;
    let pending: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM composition_changes WHERE group_unit_id = $1 AND position = $2 AND state = 'pending' \
         AND (unit_id = $3 OR (unit_id IS NULL AND $3 IS NULL))",
    )
    .bind(group)
    .bind(c.position.code())
    .bind(unit)
    .fetch_one(&mut *tx)
    .await?;
    if pending > 0 && c.position != Position::Deputy {
        return Err(AppError::conflict(
            "pending_change",
            "该职务已有一项待审批的变更，请等待组长审批",
        ));
    }
    let filed = !c.position.needs_approval();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO composition_changes (group_unit_id, unit_id, position, person_name, post, phone, reason, state, \
         requested_by_name, requested_by_unit, requested_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
    )
    .bind(group)
    .bind(unit)
    .bind(c.position.code())
    .bind(&c.person_name)
    .bind(&c.post)
    .bind(&c.phone)
    .bind(&c.reason)
    .bind(if filed { "filed" } else { "pending" })
    .bind(&who.name)
    .bind(actor.unit_id)
    .bind(who.at_text())
    .fetch_one(&mut *tx)
    .await?;
    if filed {
        // 001 §23; 003 三(二): in force at once, and the office that keeps the record is told.
        let unit = unit.ok_or_else(|| AppError::internal("liaison change without unit"))?;
        take_effect(
            &mut tx,
            who,
            group,
            Some(unit),
            c.position.code(),
            (&c.person_name, &c.post, &c.phone),
            id,
        )
        .await?;
        let office: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM units WHERE parent_id = $1 AND kind IN ('group_office', 'county_office') AND active = 1 ORDER BY id LIMIT 1",
        )
        .bind(group)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(office) = office {
            notify_unit(
                &mut tx,
                who,
                office,
                &format!("{}联络员变更备案：{}", actor.unit_name, c.person_name),
                &c.reason,
                "/composition",
            )
            .await?;
        }
    } else {
        let leaders: Vec<i64> = sqlx::query_scalar(
            "SELECT DISTINCT u.id FROM users u JOIN role_grants g ON g.user_id = u.id \
             WHERE g.role = 'group_leader' AND u.active = 1 AND u.unit_id = $1",
        )
        .bind(group)
        .fetch_all(&mut *tx)
        .await?;
        for l in leaders {
            crate::notify::store::add_duty(
                &mut tx,
                who,
                decide_duty(id),
                crate::notify::store::Holder::User(l),
                &format!("审批{}变更：{}", c.position.label(), c.person_name),
                "/composition",
                None,
                false,
            )
            .await?;
        }
    }
    audit::record(
        &mut tx,
        who,
        Entry::new(
            if filed {
                "composition.file"
            } else {
                "composition.request"
            },
            RESOURCE,
        )
        .object(id, Some(actor.unit_id))
        .summary(json!({"position": c.position.code(), "unit_id": unit})),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

#[derive(sqlx::FromRow)]
struct PendingChange {
    group_unit_id: i64,
    unit_id: Option<i64>,
    position: String,
    person_name: String,
    post: Option<String>,
    phone: Option<String>,
    state: String,
    requested_by_unit: i64,
}

/// 001 §5; 003 一: the group leader approves (the previous holder's term ends today and the new
/// one's begins) or rejects with a note.
pub async fn decide(
    db: &Db,
    actor: &Actor,
    who: &Who,
    id: i64,
    approve: bool,
    note: &str,
) -> AppResult<()> {
    let note = crate::domain::text::optional("note", "审批意见", Some(note), 500)?;
    let mut tx = db.begin().await?;
    // Two decisions on one change at once: the second waits here, then reads the first's.
    crate::procedure::lock(&mut tx, "composition_changes", id).await?;
    let ch: PendingChange = sqlx::query_as(
        "SELECT group_unit_id, unit_id, position, person_name, post, phone, state, requested_by_unit FROM composition_changes WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(AppError::NotFound)?;
    let PendingChange {
        group_unit_id: group,
        unit_id: unit,
        position,
        person_name: name,
        post,
        phone,
        state,
        requested_by_unit: requester,
    } = ch;
    if !may_decide(&actor.roles, actor.unit_id == group) {
        return Err(AppError::conflict(
            "step_refused",
            "成员变更由领导小组组长审批（《领导小组工作规则》第五条；《打击侵犯知识产权和制售假冒伪劣商品工作制度》第一部分）",
        ));
    }
    if state != "pending" {
        return Err(AppError::conflict("step_refused", "该变更已审批"));
    }
    let now = who.at_text();
    sqlx::query("UPDATE composition_changes SET state = $1, decided_by_name = $2, decided_at = $3, decision_note = $4 WHERE id = $5")
        .bind(if approve { "approved" } else { "rejected" })
        .bind(&actor.display_name)
        .bind(&now)
        .bind(&note)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    if approve {
        take_effect(
            &mut tx,
            who,
            group,
            unit,
            &position,
            (&name, &post, &phone),
            id,
        )
        .await?;
    }
    // This change is decided; the leaders' to-dos for other pending changes stay open.
    crate::notify::store::discharge(&mut tx, who, decide_duty(id)).await?;
    notify_unit(
        &mut tx,
        who,
        requester,
        &format!(
            "{}变更{}",
            Position::label_of(&position),
            if approve { "已批准" } else { "未批准" }
        ),
        note.as_deref().unwrap_or(""),
        "/composition",
    )
    .await?;
    audit::record(
        &mut tx,
        who,
        Entry::new("composition.decide", RESOURCE)
            .object(id, Some(requester))
            .summary(json!({"approve": approve})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A change in force from today: the previous holder's term ends (one leader, one responsible
/// person and one liaison per unit; deputies are several) and the new one's begins.
async fn take_effect(
    tx: &mut Tx,
    who: &Who,
    group: i64,
    unit: Option<i64>,
    position: &str,
    (name, post, phone): (&str, &Option<String>, &Option<String>),
    change: i64,
) -> AppResult<()> {
    let today = who.today().to_string();
    if position != Position::Deputy.code() {
        sqlx::query(
            "UPDATE group_positions SET effective_until = $1 WHERE group_unit_id = $2 AND position = $3 AND effective_until IS NULL \
             AND (unit_id = $4 OR (unit_id IS NULL AND $4 IS NULL))",
        )
        .bind(&today)
        .bind(group)
        .bind(position)
        .bind(unit)
        .execute(&mut **tx)
        .await?;
    }
    sqlx::query(
        "INSERT INTO group_positions (group_unit_id, unit_id, position, person_name, post, phone, effective_from, change_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(group)
    .bind(unit)
    .bind(position)
    .bind(name)
    .bind(post)
    .bind(phone)
    .bind(&today)
    .bind(change)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The group leader's duty to decide a pending change (001 §5; 003 一).
fn decide_duty(id: i64) -> crate::notify::store::Duty<'static> {
    crate::notify::store::Duty::new("composition_change", id, "decide")
}
