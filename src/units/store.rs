//! Storing units and reading them within a data scope.

use serde::Serialize;
use serde_json::json;

use super::model::{NewUnit, UnitInput, check_parent_region};
use crate::access::jurisdiction::Reach;
use crate::access::sql::unit_in_scope;
use crate::access::{Action, Actor, Resource, Scope};
use crate::audit::{self, Entry, Who};
use crate::db::query::{Sql, like_escape};
use crate::db::{Db, Tx};
use crate::domain::RegionCode;
use crate::error::{AppError, AppResult};

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Unit {
    pub id: i64,
    pub name: String,
    pub short_name: Option<String>,
    pub kind: String,
    pub region_code: String,
    pub parent_id: Option<i64>,
    pub parent_name: Option<String>,
    pub phone: Option<String>,
    /// 1 when the unit is active, 0 when deactivated.
    pub active: i64,
    pub created_at: String,
    pub updated_at: String,
}

impl Unit {
    pub fn kind_label(&self) -> &'static str {
        super::UnitKind::label_of(&self.kind)
    }
    pub fn is_active(&self) -> bool {
        self.active != 0
    }
}

const SELECT: &str = "SELECT u.id, u.name, u.short_name, u.kind, u.region_code, u.parent_id, \
     p.name AS parent_name, u.phone, u.active, u.created_at, u.updated_at \
     FROM units u LEFT JOIN units p ON p.id = u.parent_id WHERE ";

#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub text: Option<String>,
    pub kind: Option<String>,
    pub region_prefix: Option<String>,
}

/// The active units of the actor's city or county: the choices offered in the office's and the
/// units' forms (a group's work names the units of its own region).
pub async fn choices(db: &Db, actor: &crate::access::Actor) -> Result<Vec<Unit>, sqlx::Error> {
    let f = Filter {
        region_prefix: Some(actor.unit_region.scope_prefix().to_string()),
        ..Filter::default()
    };
    Ok(list(db, &Scope::All, &f)
        .await?
        .into_iter()
        .filter(Unit::is_active)
        .collect())
}

/// A unit a new record names: it exists, is active, and lies within `reach` of `from` (the
/// acting unit's region, or the region the rule measures from). `missing` is the message when it
/// does not exist or is inactive.
pub async fn require_named(
    tx: &mut Tx,
    id: i64,
    field: &str,
    missing: &str,
    reach: Reach,
    from: &RegionCode,
) -> AppResult<()> {
    let row: Option<(String, String)> =
        sqlx::query_as("SELECT name, region_code FROM units WHERE id = $1 AND active = 1")
            .bind(id)
            .fetch_optional(&mut **tx)
            .await?;
    let (name, region) = row.ok_or_else(|| AppError::field(field, "not_found", missing))?;
    let region = RegionCode::parse(&region)
        .ok_or_else(|| AppError::internal(format!("unit {id} region code")))?;
    if !reach.allows(from, &region) {
        return Err(AppError::field(
            field,
            "out_of_jurisdiction",
            reach.refusal(&name),
        ));
    }
    Ok(())
}

/// The region of unit `id`.
pub async fn region_of(tx: &mut Tx, id: i64) -> AppResult<RegionCode> {
    let raw: Option<String> = sqlx::query_scalar("SELECT region_code FROM units WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?;
    raw.as_deref()
        .and_then(RegionCode::parse)
        .ok_or_else(|| AppError::internal(format!("unit {id} region code")))
}

/// Refuse on `field` with `message` unless `id` is an active unit.
pub async fn require_active(tx: &mut Tx, id: i64, field: &str, message: &str) -> AppResult<()> {
    let ok: Option<i64> = sqlx::query_scalar("SELECT id FROM units WHERE id = $1 AND active = 1")
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?;
    match ok {
        Some(_) => Ok(()),
        None => Err(AppError::field(field, "not_found", message)),
    }
}

pub async fn list(db: &Db, scope: &Scope, f: &Filter) -> Result<Vec<Unit>, sqlx::Error> {
    let mut q = Sql::new(SELECT);
    q.append(unit_in_scope(scope, "u"));
    if let Some(t) = &f.text {
        q.push(" AND u.name LIKE ")
            .bind(format!("%{}%", like_escape(t)))
            .push(" ESCAPE '\\'");
    }
    if let Some(k) = &f.kind {
        q.push(" AND u.kind = ").bind(k.as_str());
    }
    if let Some(r) = &f.region_prefix {
        q.push(" AND u.region_code LIKE ")
            .bind(format!("{}%", like_escape(r)))
            .push(" ESCAPE '\\'");
    }
    q.push(" ORDER BY u.region_code, u.id");
    q.query_as().fetch_all(&db.pool).await
}

pub async fn get(db: &Db, scope: &Scope, id: i64) -> Result<Option<Unit>, sqlx::Error> {
    let mut q = Sql::new(SELECT);
    q.push("u.id = ").bind(id).push(" AND ");
    q.append(unit_in_scope(scope, "u"));
    q.query_as().fetch_optional(&db.pool).await
}

async fn get_tx(tx: &mut Tx, id: i64) -> Result<Option<Unit>, sqlx::Error> {
    let mut q = Sql::new(SELECT);
    q.push("u.id = ").bind(id);
    q.query_as().fetch_optional(&mut **tx).await
}

/// Units arranged as a tree: (depth, unit) in depth-first order, roots by region.
pub fn as_tree(units: Vec<Unit>) -> Vec<(usize, Unit)> {
    let ids: std::collections::HashSet<i64> = units.iter().map(|u| u.id).collect();
    let mut out = Vec::with_capacity(units.len());
    fn walk(all: &[Unit], parent: Option<i64>, depth: usize, out: &mut Vec<(usize, Unit)>) {
        for u in all.iter().filter(|u| u.parent_id == parent) {
            out.push((depth, u.clone()));
            walk(all, Some(u.id), depth + 1, out);
        }
    }
    // Roots are units without a parent, or whose parent is outside the visible set.
    for root in units
        .iter()
        .filter(|u| u.parent_id.is_none_or(|p| !ids.contains(&p)))
    {
        out.push((0, root.clone()));
        walk(&units, Some(root.id), 1, &mut out);
    }
    out
}

async fn check_references(tx: &mut Tx, new: &NewUnit, self_id: Option<i64>) -> AppResult<()> {
    if let Some(pid) = new.parent_id {
        let Some(parent) = get_tx(tx, pid).await? else {
            return Err(AppError::field("parent_id", "not_found", "上级单位不存在"));
        };
        let parent_region = RegionCode::parse(&parent.region_code)
            .ok_or_else(|| AppError::internal("stored region code invalid"))?;
        check_parent_region(&parent_region, &new.region)?;
        // A unit cannot sit under itself or under one of its descendants.
        if let Some(me) = self_id {
            let mut cursor = Some(pid);
            let mut hops = 0;
            while let Some(c) = cursor {
                if c == me || hops > 64 {
                    return Err(AppError::field(
                        "parent_id",
                        "not_allowed",
                        "上级单位不能是本单位或其下级单位",
                    ));
                }
                cursor = get_tx(tx, c).await?.and_then(|u| u.parent_id);
                hops += 1;
            }
        }
    }
    let mut q = Sql::new("SELECT COUNT(*) FROM units WHERE name = ");
    q.bind(new.name.as_str());
    if let Some(me) = self_id {
        q.push(" AND id <> ").bind(me);
    }
    let taken: i64 = q.query_scalar().fetch_one(&mut **tx).await?;
    if taken > 0 {
        return Err(AppError::field("name", "taken", "已有同名单位"));
    }
    Ok(())
}

async fn insert(tx: &mut Tx, who: &Who, new: &NewUnit) -> AppResult<i64> {
    check_references(tx, new, None).await?;
    let now = who.at_text();
    Ok(sqlx::query_scalar(
        "INSERT INTO units (name, short_name, kind, region_code, parent_id, phone, active, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $7) RETURNING id",
    )
    .bind(&new.name)
    .bind(&new.short_name)
    .bind(new.kind.code())
    .bind(new.region.as_str())
    .bind(new.parent_id)
    .bind(new.phone.as_ref().map(|p| p.as_str().to_string()))
    .bind(&now)
    .fetch_one(&mut **tx)
    .await?)
}

fn created(id: i64, new: &NewUnit) -> Entry {
    Entry::new("unit.create", "unit")
        .object(id, Some(id))
        .summary(json!({"name": new.name, "kind": new.kind.code(), "region_code": new.region.as_str(), "parent_id": new.parent_id}))
}

pub async fn create(
    ctx: &crate::context::Ctx,
    actor: &Actor,
    who: &Who,
    input: &UnitInput,
) -> AppResult<Unit> {
    actor.require(Resource::Unit, Action::Create)?;
    let new = NewUnit::parse(input)?;
    let mut tx = ctx.db.begin().await?;
    let id = insert(&mut tx, who, &new).await?;
    audit::record(&mut tx, who, created(id, &new)).await?;
    let unit = get_tx(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    tx.commit().await?;
    ctx.units.invalidate();
    Ok(unit)
}

pub async fn update(
    ctx: &crate::context::Ctx,
    actor: &Actor,
    who: &Who,
    id: i64,
    input: &UnitInput,
) -> AppResult<Unit> {
    actor.require(Resource::Unit, Action::Update)?;
    let new = NewUnit::parse(input)?;
    let mut tx = ctx.db.begin().await?;
    let before = get_tx(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    check_references(&mut tx, &new, Some(id)).await?;
    sqlx::query(
        "UPDATE units SET name = $1, short_name = $2, kind = $3, region_code = $4, parent_id = $5, \
         phone = $6, updated_at = $7 WHERE id = $8",
    )
    .bind(&new.name)
    .bind(&new.short_name)
    .bind(new.kind.code())
    .bind(new.region.as_str())
    .bind(new.parent_id)
    .bind(new.phone.as_ref().map(|p| p.as_str().to_string()))
    .bind(who.at_text())
    .bind(id)
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        who,
        Entry::new("unit.update", "unit").object(id, Some(id)).summary(json!({
            "before": {"name": before.name, "kind": before.kind, "region_code": before.region_code, "parent_id": before.parent_id, "phone": before.phone},
            "after": {"name": new.name, "kind": new.kind.code(), "region_code": new.region.as_str(), "parent_id": new.parent_id, "phone": new.phone.as_ref().map(|p| p.as_str())},
        })),
    )
    .await?;
    let unit = get_tx(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    tx.commit().await?;
    ctx.units.invalidate();
    Ok(unit)
}

/// Deactivate or reactivate. A unit with active users or active sub-units stays active.
pub async fn set_active(
    ctx: &crate::context::Ctx,
    actor: &Actor,
    who: &Who,
    id: i64,
    active: bool,
) -> AppResult<Unit> {
    actor.require(Resource::Unit, Action::Update)?;
    let mut tx = ctx.db.begin().await?;
    let before = get_tx(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    if !active {
        let users: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE unit_id = $1 AND active = 1")
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
        let children: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM units WHERE parent_id = $1 AND active = 1")
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
        if users > 0 || children > 0 {
            return Err(AppError::conflict(
                "unit_in_use",
                format!("该单位仍有{users}个启用的账号和{children}个启用的下级单位，不能停用"),
            ));
        }
    }
    sqlx::query("UPDATE units SET active = $1, updated_at = $2 WHERE id = $3")
        .bind(i64::from(active))
        .bind(who.at_text())
        .bind(id)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        who,
        Entry::new(
            if active {
                "unit.activate"
            } else {
                "unit.deactivate"
            },
            "unit",
        )
        .object(id, Some(id))
        .summary(json!({"name": before.name})),
    )
    .await?;
    let unit = get_tx(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    tx.commit().await?;
    ctx.units.invalidate();
    Ok(unit)
}

/// Insert without an actor check (demo loading, bootstrap), audited as the system.
pub async fn insert_system(tx: &mut Tx, who: &Who, new: &NewUnit) -> AppResult<i64> {
    let id = insert(tx, who, new).await?;
    audit::record(tx, who, created(id, new)).await?;
    Ok(id)
}
