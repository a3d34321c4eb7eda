//! Secrecy markings (004 一(二): information is shared "除因保密规定不宜披露的资料外"). A record
//! or a file can be marked withheld with its basis; then only its own units and the people
//! named on it see its content, everyone else in scope sees that something is withheld, and
//! every view of the content is written to the audit trail.

use serde_json::json;

use crate::access::Actor;
use crate::audit::{self, Entry, Who};
use crate::db::{Db, Tx};
use crate::error::{AppError, AppResult};

/// Shown in place of withheld content.
pub const WITHHELD_TEXT: &str = "（涉密内容，已按保密规定隐去）";

/// Whether `actor` may see the content of a record marked `withheld`, owned by
/// `owner_units`, with `named` people entitled besides. Unmarked records are open to everyone
/// in scope. Pure.
pub fn entitled(withheld: bool, owner_units: &[i64], named: &[i64], actor: &Actor) -> bool {
    !withheld || owner_units.contains(&actor.unit_id) || named.contains(&actor.user_id)
}

/// `entitled` for a stored record: the people named on it are read only when the answer
/// depends on them (a withheld record the actor's unit does not own).
pub async fn may_see(
    exec: impl sqlx::Executor<'_, Database = sqlx::Any>,
    resource: &str,
    record_id: i64,
    withheld: bool,
    owner_units: &[i64],
    actor: &Actor,
) -> Result<bool, sqlx::Error> {
    if entitled(withheld, owner_units, &[], actor) {
        return Ok(true);
    }
    let named = named(exec, resource, record_id).await?;
    Ok(entitled(withheld, owner_units, &named, actor))
}

/// Name the people (beyond the owning units) who may see a withheld record.
pub async fn grant(tx: &mut Tx, resource: &str, record_id: i64, users: &[i64]) -> AppResult<()> {
    for u in users {
        let exists: Option<i64> =
            sqlx::query_scalar("SELECT id FROM users WHERE id = $1 AND active = 1")
                .bind(u)
                .fetch_optional(&mut **tx)
                .await?;
        if exists.is_none() {
            return Err(AppError::field(
                "secrecy_user_ids",
                "not_found",
                "指定的知悉人员不存在或已停用",
            ));
        }
        sqlx::query(
            "INSERT INTO secrecy_grants (resource, record_id, user_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        )
        .bind(resource)
        .bind(record_id)
        .bind(u)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// The people named on a withheld record.
pub async fn named(
    exec: impl sqlx::Executor<'_, Database = sqlx::Any>,
    resource: &str,
    record_id: i64,
) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT user_id FROM secrecy_grants WHERE resource = $1 AND record_id = $2 ORDER BY user_id",
    )
    .bind(resource)
    .bind(record_id)
    .fetch_all(exec)
    .await
}

/// Record that `who` viewed withheld content (a page, an API read or a download).
pub async fn audit_view(
    db: &Db,
    who: &Who,
    resource: &'static str,
    record_id: i64,
    unit_id: Option<i64>,
    what: &str,
) -> AppResult<()> {
    let mut tx = db.begin().await?;
    audit::record(
        &mut tx,
        who,
        Entry::new("secrecy.view", resource)
            .object(record_id, unit_id)
            .summary(json!({"viewed": what})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::Role;
    use crate::domain::RegionCode;

    fn actor(user: i64, unit: i64) -> Actor {
        Actor {
            user_id: user,
            username: "u".into(),
            display_name: "u".into(),
            unit_id: unit,
            unit_name: "单位".into(),
            unit_region: RegionCode::parse("411500").expect("code"),
            roles: vec![Role::OfficeDirector],
        }
    }

    #[test]
    fn only_owners_and_named_people_see_withheld_content() {
        assert!(entitled(false, &[1], &[], &actor(9, 5)), "unmarked is open");
        assert!(entitled(true, &[1, 2], &[], &actor(9, 2)), "owning unit");
        assert!(entitled(true, &[1], &[9], &actor(9, 5)), "named person");
        // Not even the city office director sees it by rank alone.
        assert!(!entitled(true, &[1], &[8], &actor(9, 5)));
    }
}
