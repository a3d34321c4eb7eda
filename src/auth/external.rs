//! External identities in storage: OpenID Connect sign-ins under way, identities linked to
//! accounts, and the sign-in that follows a provider's proof. The rules are in `federation`.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use serde_json::json;
use sqlx::Row;

use super::federation::{self, Account, Refusal, Resolution};
use super::{hash_secret, session};
use crate::access::{Action, Actor, Resource, Role};
use crate::audit::{self, Entry, Who};
use crate::db::{Db, time};
use crate::error::{AppError, AppResult, OnConstraint};
use crate::users::store::{self as users, SignInError};

/// How long a sign-in at the provider may take before its state is refused.
pub const PENDING_MINUTES: i64 = 10;

/// A sign-in under way, as the callback finds it.
pub struct Pending {
    pub provider: String,
    pub browser_hash: String,
    pub nonce: String,
    pub pkce_verifier: String,
    pub next: String,
    pub expires_at: Option<DateTime<Utc>>,
}

/// Keep a sign-in under way until its callback (any instance may receive it).
#[allow(clippy::too_many_arguments)]
pub async fn save_pending(
    db: &Db,
    provider: &str,
    state: &str,
    browser_token: &str,
    nonce: &str,
    pkce_verifier: &str,
    next: &str,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    db.execute(
        sqlx::query(
            "INSERT INTO sign_in_pending (state_hash, provider, browser_hash, nonce, pkce_verifier, \
             next_path, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(hash_secret(state))
        .bind(provider)
        .bind(hash_secret(browser_token))
        .bind(nonce)
        .bind(pkce_verifier)
        .bind(next)
        .bind(time::to_text(now))
        .bind(time::to_text(now + Duration::minutes(PENDING_MINUTES))),
    )
    .await?;
    Ok(())
}

/// Take the sign-in under way for `state`: it is deleted in the same statement, so a state is
/// good for one callback only, even when two arrive at once on different instances.
pub async fn take_pending(db: &Db, state: &str) -> Result<Option<Pending>, sqlx::Error> {
    let mut tx = db.begin().await?;
    let row = sqlx::query(
        "DELETE FROM sign_in_pending WHERE state_hash = $1 \
         RETURNING provider, browser_hash, nonce, pkce_verifier, next_path, expires_at",
    )
    .bind(hash_secret(state))
    .fetch_optional(&mut *tx)
    .await?;
    tx.commit().await?;
    let Some(r) = row else { return Ok(None) };
    Ok(Some(Pending {
        provider: r.try_get(0)?,
        browser_hash: r.try_get(1)?,
        nonce: r.try_get(2)?,
        pkce_verifier: r.try_get(3)?,
        next: r.try_get(4)?,
        expires_at: time::parse(&r.try_get::<String, _>(5)?),
    }))
}

/// Remove sign-ins abandoned at the provider (run periodically).
pub async fn purge_pending(db: &Db, now: DateTime<Utc>) -> Result<u64, sqlx::Error> {
    Ok(db
        .execute(
            sqlx::query("DELETE FROM sign_in_pending WHERE expires_at < $1")
                .bind(time::to_text(now)),
        )
        .await?
        .rows_affected())
}

/// What a provider proved, and what the office allows for it.
pub struct Proof<'a> {
    /// The provider's configured id (`ldap` for the directory).
    pub provider: &'a str,
    /// Its name for the audit trail and pages.
    pub provider_name: &'a str,
    pub subject: &'a str,
    /// The value of the configured linking claim, if one is configured and present.
    pub link_value: Option<&'a str>,
    /// Just-in-time creation: the unit (by name) new accounts go to.
    pub create_in_unit: Option<&'a str>,
    pub display_name: Option<&'a str>,
    /// The name a new account would take.
    pub username_hint: Option<&'a str>,
    pub id_token: Option<&'a str>,
}

fn account(row: Option<(i64, i64, i64)>) -> Option<Account> {
    row.map(|(id, active, administrator)| Account {
        id,
        active: active != 0,
        administrator: administrator > 0,
    })
}

/// Whether the account `u` holds one of the three administrators' roles, as a count.
macro_rules! administrator_roles {
    () => {
        "(SELECT COUNT(*) FROM role_grants g WHERE g.user_id = u.id \
          AND g.role IN ('system_admin', 'security_admin', 'audit_admin'))"
    };
}

/// Sign in the person a provider has proved: by the identity's link, by the configured claim,
/// or as a new account without roles; refused otherwise. Every outcome is audited with the
/// provider named.
pub async fn sign_in(
    db: &Db,
    meta: &Who,
    proof: &Proof<'_>,
    lifetime: Duration,
) -> Result<session::NewSession, SignInError> {
    let linked = account(
        sqlx::query_as(concat!(
            "SELECT u.id, u.active, ",
            administrator_roles!(),
            " FROM users u JOIN external_identities x ON x.user_id = u.id \
             WHERE x.provider = $1 AND x.subject = $2"
        ))
        .bind(proof.provider)
        .bind(proof.subject)
        .fetch_optional(&db.pool)
        .await?,
    );
    // The claim must equal the user name exactly: no case folding, no trimming.
    let by_claim = match (linked, proof.link_value) {
        (None, Some(v)) => account(
            sqlx::query_as(concat!(
                "SELECT u.id, u.active, ",
                administrator_roles!(),
                " FROM users u WHERE u.username = $1"
            ))
            .bind(v)
            .fetch_optional(&db.pool)
            .await?,
        ),
        _ => None,
    };
    let resolution = federation::resolve(linked, by_claim, proof.create_in_unit.is_some());
    let user_id = match resolution {
        Resolution::Linked(id) => id,
        Resolution::LinkByClaim(id) => link_by_claim(db, meta, proof, id).await?,
        Resolution::Create => create_account(db, meta, proof).await?,
        Resolution::Refused(r) => return Err(refuse(db, meta, proof, r).await),
    };
    let account = users::sign_in_by_id(db, user_id)
        .await?
        .ok_or(SignInError::Refused(Refusal::Disabled))?;
    let who = account.who(meta);
    account.refuse_if_locked(db, &who).await?;
    account
        .open_session(
            db,
            &who,
            lifetime,
            session::Origin {
                provider: Some(proof.provider),
                provider_name: Some(proof.provider_name),
                id_token: proof.id_token,
            },
        )
        .await
}

async fn refuse(db: &Db, meta: &Who, proof: &Proof<'_>, r: Refusal) -> SignInError {
    let recorded = audit::store::record_alone(
        db,
        meta,
        Entry::new("auth.sign_in_refused", "session").summary(json!({
            "provider": proof.provider_name, "subject": proof.subject, "reason": r.code()
        })),
    )
    .await;
    match recorded {
        Ok(_) => SignInError::Refused(r),
        Err(e) => SignInError::Failed(e.into()),
    }
}

async fn link_by_claim(
    db: &Db,
    meta: &Who,
    proof: &Proof<'_>,
    user_id: i64,
) -> Result<i64, SignInError> {
    let mut tx = db.begin().await?;
    // Two first sign-ins at once: the primary key lets one link in; the other then finds the
    // link made, to the same account.
    let made = insert_link(
        &mut tx,
        proof.provider,
        proof.subject,
        user_id,
        None,
        meta.at,
    )
    .await;
    match made {
        Ok(()) => {}
        Err(AppError::Conflict { .. }) => {
            tx.rollback().await?;
            return match linked_user(db, proof).await? {
                Some(id) if id == user_id => Ok(id),
                _ => Err(refuse(db, meta, proof, Refusal::Unlinked).await),
            };
        }
        Err(e) => return Err(SignInError::Failed(e)),
    }
    let unit = unit_of(&mut tx, user_id).await?;
    audit::record(
        &mut tx,
        meta,
        Entry::new("auth.identity_linked", "user")
            .object(user_id, unit)
            .summary(
                json!({"provider": proof.provider_name, "subject": proof.subject, "by": "claim"}),
            ),
    )
    .await?;
    tx.commit().await?;
    Ok(user_id)
}

async fn create_account(db: &Db, meta: &Who, proof: &Proof<'_>) -> Result<i64, SignInError> {
    let refuse_unlinked = || SignInError::Refused(Refusal::Unlinked);
    let Some(unit_name) = proof.create_in_unit else {
        return Err(refuse_unlinked());
    };
    let Some(username) = proof
        .username_hint
        .and_then(|h| crate::users::model::username("username", h).ok())
    else {
        return Err(refuse(db, meta, proof, Refusal::Unlinked).await);
    };
    let mut tx = db.begin().await?;
    let unit: Option<i64> =
        sqlx::query_scalar("SELECT id FROM units WHERE name = $1 AND active = 1")
            .bind(unit_name)
            .fetch_optional(&mut *tx)
            .await?;
    let Some(unit_id) = unit else {
        tx.rollback().await?;
        return Err(SignInError::Failed(AppError::Internal(format!(
            "create_in_unit {unit_name} is not an active unit"
        ))));
    };
    let new = crate::users::model::NewUser {
        display_name: proof
            .display_name
            .unwrap_or(&username)
            .chars()
            .take(40)
            .collect(),
        username,
        unit_id,
        phone: None,
        email: None,
    };
    // No password: the account signs in through its provider only, until the system
    // administrator resets one.
    // A first sign-in racing this one may have created the account and its link already: then
    // that account is this person's.
    let id = match users::insert_external(&mut tx, meta, &new).await {
        Ok(id) => id,
        Err(AppError::Validation(_)) | Err(AppError::Conflict { .. }) => {
            tx.rollback().await?;
            return match linked_user(db, proof).await? {
                Some(id) => Ok(id),
                None => Err(refuse(db, meta, proof, Refusal::Unlinked).await),
            };
        }
        Err(e) => return Err(SignInError::Failed(e)),
    };
    if let Err(e) = insert_link(&mut tx, proof.provider, proof.subject, id, None, meta.at).await {
        tx.rollback().await?;
        return match (e, linked_user(db, proof).await?) {
            (AppError::Conflict { .. }, Some(other)) => Ok(other),
            (e, _) => Err(SignInError::Failed(e)),
        };
    }
    audit::record(
        &mut tx,
        meta,
        Entry::new("user.create_external", "user")
            .object(id, Some(unit_id))
            .summary(json!({
                "username": new.username, "provider": proof.provider_name, "subject": proof.subject
            })),
    )
    .await?;
    // The security administrator decides what, if anything, the new account may do.
    let admins: Vec<i64> = sqlx::query_scalar(
        "SELECT DISTINCT u.id FROM users u JOIN role_grants g ON g.user_id = u.id \
         WHERE g.role = $1 AND u.active = 1 ORDER BY u.id",
    )
    .bind(Role::SecurityAdmin.code())
    .fetch_all(&mut *tx)
    .await?;
    for admin in admins {
        crate::notify::store::notify(
            &mut tx,
            meta,
            admin,
            "新账号经统一身份认证首次登录创建",
            &format!(
                "{}（{}）经{}首次登录，系统已为其创建账号，尚未授予任何角色，请核实后授权。",
                new.display_name, new.username, proof.provider_name
            ),
            Some(&format!("/users/{id}")),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(id)
}

/// The unit of account `user_id`, for the audit record of a step on it.
async fn unit_of(tx: &mut crate::db::Tx, user_id: i64) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT unit_id FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_optional(&mut **tx)
        .await
}

/// The account this identity is linked to now, if any.
async fn linked_user(db: &Db, proof: &Proof<'_>) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT user_id FROM external_identities WHERE provider = $1 AND subject = $2",
    )
    .bind(proof.provider)
    .bind(proof.subject)
    .fetch_optional(&db.pool)
    .await
}

async fn insert_link(
    tx: &mut crate::db::Tx,
    provider: &str,
    subject: &str,
    user_id: i64,
    by: Option<i64>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    sqlx::query(
        "INSERT INTO external_identities (provider, subject, user_id, linked_at, linked_by) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(provider)
    .bind(subject)
    .bind(user_id)
    .bind(time::to_text(now))
    .bind(by)
    .execute(&mut **tx)
    .await
    .on_unique("external_identities", || {
        AppError::conflict(
            "identity_taken",
            "该统一身份认证账号已关联本平台账号，或本账号已关联该认证方式的另一身份",
        )
    })?;
    Ok(())
}

/// An identity linked to an account, as the account page shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct LinkedIdentity {
    pub provider: String,
    pub subject: String,
    pub linked_at: String,
}

pub async fn identities_of(db: &Db, user_id: i64) -> Result<Vec<LinkedIdentity>, sqlx::Error> {
    sqlx::query_as(
        "SELECT provider, subject, linked_at FROM external_identities WHERE user_id = $1 \
         ORDER BY provider",
    )
    .bind(user_id)
    .fetch_all(&db.pool)
    .await
}

/// The system administrator links an identity to an account. It grants nothing.
pub async fn link(
    db: &Db,
    actor: &Actor,
    who: &Who,
    user_id: i64,
    provider: &str,
    subject: &str,
    known: &[&str],
) -> AppResult<()> {
    actor.require(Resource::User, Action::Update)?;
    let mut e = crate::domain::FieldErrors::new();
    if !known.contains(&provider) {
        e.add("provider", "invalid_choice", "请选择已配置的认证方式");
    }
    let subject = subject.trim();
    if subject.is_empty() || subject.chars().count() > 255 {
        e.add(
            "subject",
            "invalid_format",
            "请填写该人员在统一身份认证中的标识（255个字符以内）",
        );
    }
    e.into_result(|| ())?;
    let mut tx = db.begin().await?;
    let target: Option<(i64, i64)> = sqlx::query_as(concat!(
        "SELECT u.unit_id, ",
        administrator_roles!(),
        " FROM users u WHERE u.id = $1"
    ))
    .bind(user_id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((unit, administrator)) = target else {
        return Err(AppError::NotFound);
    };
    // Else the system administrator could link his own identity to the security or audit
    // administrator's account and sign in as them (三员分立).
    if administrator > 0 {
        return Err(AppError::conflict(
            "administrator_account",
            Refusal::Administrator.message(),
        ));
    }
    insert_link(
        &mut tx,
        provider,
        subject,
        user_id,
        Some(actor.user_id),
        who.at,
    )
    .await?;
    audit::record(
        &mut tx,
        who,
        Entry::new("auth.identity_linked", "user")
            .object(user_id, Some(unit))
            .summary(json!({"provider": provider, "subject": subject, "by": "administrator"})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The system administrator removes an account's identity at one provider.
pub async fn unlink(
    db: &Db,
    actor: &Actor,
    who: &Who,
    user_id: i64,
    provider: &str,
) -> AppResult<()> {
    actor.require(Resource::User, Action::Update)?;
    let mut tx = db.begin().await?;
    let subject: Option<String> = sqlx::query_scalar(
        "DELETE FROM external_identities WHERE user_id = $1 AND provider = $2 RETURNING subject",
    )
    .bind(user_id)
    .bind(provider)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(subject) = subject else {
        return Err(AppError::NotFound);
    };
    // Whoever signed in through the link removed is signed out.
    sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND provider = $2")
        .bind(user_id)
        .bind(provider)
        .execute(&mut *tx)
        .await?;
    let unit = unit_of(&mut tx, user_id).await?;
    audit::record(
        &mut tx,
        who,
        Entry::new("auth.identity_unlinked", "user")
            .object(user_id, unit)
            .summary(json!({"provider": provider, "subject": subject})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Sign in with the directory's user name and password. A wrong password counts against the
/// linked account's lockout like a wrong platform password; a locked account is refused even
/// with the right one.
pub async fn sign_in_ldap(
    db: &Db,
    dir: &super::ldap::Directory,
    username: &str,
    password: &str,
    meta: &Who,
    lifetime: Duration,
) -> Result<session::NewSession, SignInError> {
    let provider = federation::LDAP_PROVIDER;
    let outcome = dir
        .check(username, password)
        .await
        .map_err(|e| SignInError::Unavailable(e.to_string()))?;
    let failed = |reason: &'static str| {
        Entry::new("auth.sign_in_failed", "session").summary(json!({
            "username": username.trim(), "provider": dir.conf.name, "reason": reason
        }))
    };
    match outcome {
        super::ldap::Outcome::NotFound => {
            audit::store::record_alone(db, meta, failed("unknown")).await?;
            Err(SignInError::Invalid)
        }
        super::ldap::Outcome::WrongPassword { subject } => {
            let Some(account) = users::sign_in_by_identity(db, provider, &subject).await? else {
                audit::store::record_alone(db, meta, failed("wrong_password")).await?;
                return Err(SignInError::Invalid);
            };
            let who = account.who(meta);
            account.refuse_if_locked(db, &who).await?;
            Err(account.record_failure(db, &who, Some(&dir.conf.name)).await)
        }
        super::ldap::Outcome::Proved { subject } => {
            let proof = Proof {
                provider,
                provider_name: &dir.conf.name,
                subject: &subject,
                link_value: dir.conf.link_by_username.then_some(subject.as_str()),
                create_in_unit: None,
                display_name: None,
                username_hint: None,
                id_token: None,
            };
            // Unlinked, disabled or an administrator's: the page says what it says for a wrong
            // password, or the form would tell anyone whose directory password is right.
            match sign_in(db, meta, &proof, lifetime).await {
                Err(SignInError::Refused(_)) => Err(SignInError::Invalid),
                other => other,
            }
        }
    }
}
