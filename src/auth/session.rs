//! Browser sessions: a random token in an HttpOnly, SameSite=Strict cookie; only its SHA-256 is
//! stored. Each session carries its own CSRF token. Sessions end on sign-out, after the idle
//! timeout, after an absolute lifetime, and when the password changes or the account is
//! disabled.

use chrono::{DateTime, Duration, Utc};
use sqlx::Row;

use super::{hash_secret, new_secret};
use crate::db::{Db, Tx, time};

pub struct NewSession {
    pub token: String,
    pub csrf: String,
}

pub struct Found {
    pub actor: crate::access::Actor,
    pub must_change_password: bool,
    pub csrf: String,
}

/// How the person proved who they are: the platform's own password, or a configured identity
/// provider (with the OpenID Connect ID token, kept for RP-initiated logout).
#[derive(Clone, Copy, Debug)]
pub struct Origin<'a> {
    /// The provider's configured id (`None`: the platform's password).
    pub provider: Option<&'a str>,
    /// The provider's name as the audit trail shows it.
    pub provider_name: Option<&'a str>,
    pub id_token: Option<&'a str>,
}

impl Origin<'_> {
    pub const PASSWORD: Origin<'static> = Origin {
        provider: None,
        provider_name: None,
        id_token: None,
    };
}

/// What a session ended by sign-out came from, for single logout at the provider.
pub struct Ended {
    pub provider: Option<String>,
    pub id_token: Option<String>,
}

pub async fn create(
    tx: &mut Tx,
    user_id: i64,
    client_addr: Option<&str>,
    lifetime: Duration,
    now: DateTime<Utc>,
    origin: Origin<'_>,
) -> Result<NewSession, sqlx::Error> {
    let (token, id_hash) = new_secret();
    let (csrf, _) = new_secret();
    sqlx::query(
        "INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, last_seen_at, expires_at, client_addr, provider, id_token) \
         VALUES ($1, $2, $3, $4, $4, $5, $6, $7, $8)",
    )
    .bind(&id_hash)
    .bind(user_id)
    .bind(&csrf)
    .bind(time::to_text(now))
    .bind(time::to_text(now + lifetime))
    .bind(client_addr)
    .bind(origin.provider)
    .bind(origin.id_token)
    .execute(&mut **tx)
    .await?;
    Ok(NewSession { token, csrf })
}

/// The live session for a cookie token and the active account that holds it, refreshed, in
/// one statement; `None` if unknown, expired or idle too long (an expired one is deleted), or
/// if the account is disabled.
pub async fn find(
    db: &Db,
    token: &str,
    idle: Duration,
    now: DateTime<Utc>,
) -> Result<Option<Found>, sqlx::Error> {
    if token.len() != 64 {
        return Ok(None);
    }
    let id_hash = hash_secret(token);
    let rows = sqlx::query(crate::users::store::ACTOR_BY_SESSION)
        .bind(&id_hash)
        .fetch_all(&db.pool)
        .await?;
    let Some(row) = rows.first() else {
        return Ok(None);
    };
    let csrf: String = row.try_get(8)?;
    let last_seen = time::parse(&row.try_get::<String, _>(9)?);
    let expires = time::parse(&row.try_get::<String, _>(10)?);
    let alive = matches!((last_seen, expires), (Some(l), Some(e)) if now < e && now - l < idle);
    if !alive {
        db.execute(sqlx::query("DELETE FROM sessions WHERE id_hash = $1").bind(&id_hash))
            .await?;
        return Ok(None);
    }
    let Some((actor, must_change_password)) = crate::users::store::actor_from_rows(&rows)? else {
        return Ok(None);
    };
    // Who signed in through the identity platform is not held at the platform's password form:
    // they may not know the generated password, and did not use it.
    let provider: Option<String> = row.try_get(11)?;
    let must_change_password = must_change_password && provider.is_none();
    // Refresh at most once a minute to keep reads cheap.
    if last_seen.is_some_and(|l| now - l > Duration::seconds(60)) {
        db.execute(
            sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id_hash = $2")
                .bind(time::to_text(now))
                .bind(&id_hash),
        )
        .await?;
    }
    Ok(Some(Found {
        actor,
        must_change_password,
        csrf,
    }))
}

/// End the session; what it came from, if it existed.
pub async fn delete(db: &Db, token: &str) -> Result<Option<Ended>, sqlx::Error> {
    let mut tx = db.begin().await?;
    let row = sqlx::query("DELETE FROM sessions WHERE id_hash = $1 RETURNING provider, id_token")
        .bind(hash_secret(token))
        .fetch_optional(&mut *tx)
        .await?;
    tx.commit().await?;
    row.map(|r| {
        Ok(Ended {
            provider: r.try_get(0)?,
            id_token: r.try_get(1)?,
        })
    })
    .transpose()
}

pub async fn delete_for_user(tx: &mut Tx, user_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Remove sessions past their lifetime (run periodically).
pub async fn purge_expired(db: &Db, now: DateTime<Utc>) -> Result<u64, sqlx::Error> {
    Ok(db
        .execute(sqlx::query("DELETE FROM sessions WHERE expires_at < $1").bind(time::to_text(now)))
        .await?
        .rows_affected())
}
