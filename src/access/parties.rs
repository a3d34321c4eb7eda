//! Party rows (`record_parties`): which units a record concerns and in what role (sender,
//! receiver, lead, assisting, …). Data scope reads them (`sql.rs::parties_in_scope`); each row
//! carries its record's last-change time so a unit's list reads in order from its own rows.

use crate::db::Tx;

/// Make `unit_id` a party to the record in `role` (idempotent).
pub async fn add(
    tx: &mut Tx,
    resource: &str,
    record_id: i64,
    unit_id: i64,
    role: &str,
    sort_key: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO record_parties (resource, record_id, unit_id, party_role, sort_key) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
    )
    .bind(resource)
    .bind(record_id)
    .bind(unit_id)
    .bind(role)
    .bind(sort_key)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The record changed at `at`: its party rows sort by it.
pub async fn touch(
    tx: &mut Tx,
    resource: &str,
    record_id: i64,
    at: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE record_parties SET sort_key = $1 WHERE resource = $2 AND record_id = $3")
        .bind(at)
        .bind(resource)
        .bind(record_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
