//! Bearer tokens for integrations: issued and revoked by the security administrator, shown
//! once, stored as SHA-256. A token acts as the account it was issued for.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::Row;

use super::{hash_secret, new_secret};
use crate::db::{Db, Tx, time};

pub const PREFIX: &str = "sdt_";

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct TokenInfo {
    pub id: i64,
    pub user_id: i64,
    pub username: String,
    pub name: String,
    pub prefix: String,
    pub created_at: String,
    pub expires_at: Option<String>,
    pub revoked_at: Option<String>,
    pub last_used_at: Option<String>,
}

/// Store a new token; returns its id and the secret to show once.
pub async fn issue(
    tx: &mut Tx,
    user_id: i64,
    name: &str,
    expires_at: Option<String>,
    created_by: Option<i64>,
    now: DateTime<Utc>,
) -> Result<(i64, String), sqlx::Error> {
    let (secret, _) = new_secret();
    let token = format!("{PREFIX}{secret}");
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO api_tokens (user_id, name, prefix, token_hash, created_by, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(user_id)
    .bind(name)
    .bind(&token[..PREFIX.len() + 8])
    .bind(hash_secret(&token))
    .bind(created_by)
    .bind(time::to_text(now))
    .bind(expires_at)
    .fetch_one(&mut **tx)
    .await?;
    Ok((id, token))
}

/// Issue from the command line: looks the account up by name and audits as the system.
pub async fn issue_for_username(
    db: &Db,
    username: &str,
    name: &str,
    days: Option<i64>,
    now: DateTime<Utc>,
) -> Result<String, crate::error::AppError> {
    use crate::error::AppError;
    let name = crate::domain::text::required("name", "令牌用途", name, 60)?;
    if days.is_some_and(|d| !(1..=3650).contains(&d)) {
        return Err(AppError::field(
            "days",
            "invalid_format",
            "有效天数应为1至3650之间的整数",
        ));
    }
    let mut tx = db.begin().await?;
    let row: Option<(i64, i64)> =
        sqlx::query_as("SELECT id, unit_id FROM users WHERE username = $1 AND active = 1")
            .bind(username.trim().to_ascii_lowercase())
            .fetch_optional(&mut *tx)
            .await?;
    let (user_id, unit_id) =
        row.ok_or_else(|| AppError::field("username", "not_found", "账号不存在或已停用"))?;
    let expires = days.map(|d| time::to_text(now + chrono::Duration::days(d)));
    let (id, token) = issue(&mut tx, user_id, &name, expires.clone(), None, now).await?;
    crate::audit::record(
        &mut tx,
        &crate::audit::Who::system("命令行", now),
        crate::audit::Entry::new("token.issue", "api_token")
            .object(id, Some(unit_id))
            .summary(serde_json::json!({"user_id": user_id, "name": name, "expires_at": expires})),
    )
    .await?;
    tx.commit().await?;
    Ok(token)
}

/// The actor a bearer token acts for, in one query (token, account, unit, roles); `None` for
/// an unknown, revoked or expired token or an inactive account.
pub async fn authenticate_actor(
    db: &Db,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Option<crate::access::Actor>, sqlx::Error> {
    if !token.starts_with(PREFIX) || token.len() != PREFIX.len() + 64 {
        return Ok(None);
    }
    let hash = hash_secret(token);
    let rows = sqlx::query(crate::users::store::ACTOR_BY_TOKEN)
        .bind(&hash)
        .bind(time::to_text(now))
        .fetch_all(&db.pool)
        .await?;
    let Some((actor, _)) = crate::users::store::actor_from_rows(&rows)? else {
        return Ok(None);
    };
    // Record use at most once a minute. Deciding here keeps the common request read-only: even
    // an UPDATE that matches no row takes SQLite's single write lock.
    let last: Option<String> = rows.first().map(|r| r.try_get(8)).transpose()?.flatten();
    if last
        .as_deref()
        .and_then(time::parse)
        .is_none_or(|t| now - t > chrono::Duration::seconds(60))
    {
        db.execute(
            sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE token_hash = $2")
                .bind(time::to_text(now))
                .bind(&hash),
        )
        .await?;
    }
    Ok(Some(actor))
}

pub async fn list(db: &Db) -> Result<Vec<TokenInfo>, sqlx::Error> {
    sqlx::query_as(
        "SELECT t.id, t.user_id, u.username, t.name, t.prefix, t.created_at, t.expires_at, \
         t.revoked_at, t.last_used_at FROM api_tokens t JOIN users u ON u.id = t.user_id \
         ORDER BY t.id DESC",
    )
    .fetch_all(&db.pool)
    .await
}

/// Revoke; returns the owner's id, or `None` if no live token has this id.
pub async fn revoke(tx: &mut Tx, id: i64, now: DateTime<Utc>) -> Result<Option<i64>, sqlx::Error> {
    let row = sqlx::query(
        "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL RETURNING user_id",
    )
    .bind(time::to_text(now))
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?;
    row.map(|r| r.try_get(0)).transpose()
}
