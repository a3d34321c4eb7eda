//! Storing accounts, their roles and their sign-in state.

use crate::db::query::Window;
use std::sync::OnceLock;

use chrono::Duration;
use serde::Serialize;
use serde_json::json;
use sqlx::Row;

use super::model::{NewUser, UserInput};
use crate::access::role::{check_grant, check_revoke};
use crate::access::sql::unit_in_scope;
use crate::access::{Action, Actor, Resource, Role, Scope};
use crate::audit::{self, Entry, Who};
use crate::auth::{password, session, throttle};
use crate::db::query::{Sql, like_escape};
use crate::db::{Db, Tx, time};
use crate::domain::{FieldErrors, RegionCode};
use crate::error::{AppError, AppResult};

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub unit_id: i64,
    pub unit_name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub active: i64,
    pub must_change_password: i64,
    pub locked_until: Option<String>,
    pub last_login_at: Option<String>,
    pub created_at: String,
}

impl User {
    pub fn is_active(&self) -> bool {
        self.active != 0
    }
    /// Locked at the instant `now`.
    pub fn is_locked(&self, now: chrono::DateTime<chrono::Utc>) -> bool {
        self.locked_until
            .as_deref()
            .and_then(time::parse)
            .is_some_and(|t| t > now)
    }
}

const SELECT: &str = "SELECT s.id, s.username, s.display_name, s.unit_id, un.name AS unit_name, \
     s.phone, s.email, s.active, s.must_change_password, s.locked_until, s.last_login_at, s.created_at \
     FROM users s JOIN units un ON un.id = s.unit_id WHERE ";

#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub text: Option<String>,
    pub unit_id: Option<i64>,
    /// Only accounts holding one of these roles (all, when empty).
    pub roles: &'static [&'static str],
}

pub async fn list(db: &Db, scope: &Scope, f: &Filter, w: Window) -> Result<Vec<User>, sqlx::Error> {
    let mut q = Sql::new(SELECT);
    q.append(unit_in_scope(scope, "un"));
    if !f.roles.is_empty() {
        q.push(" AND EXISTS (SELECT 1 FROM role_grants g WHERE g.user_id = s.id AND g.role IN (");
        for (i, role) in f.roles.iter().enumerate() {
            if i > 0 {
                q.push(", ");
            }
            q.bind(*role);
        }
        q.push("))");
    }
    if let Some(t) = &f.text {
        let pat = format!("%{}%", like_escape(t));
        q.push(" AND (s.username LIKE ")
            .bind(pat.clone())
            .push(" ESCAPE '\\' OR s.display_name LIKE ")
            .bind(pat)
            .push(" ESCAPE '\\')");
    }
    if let Some(u) = f.unit_id {
        q.push(" AND s.unit_id = ").bind(u);
    }
    q.push(" ORDER BY un.region_code, s.unit_id, s.id");
    q.push(&w.sql());
    q.query_as().fetch_all(&db.pool).await
}

pub async fn get(db: &Db, scope: &Scope, id: i64) -> Result<Option<User>, sqlx::Error> {
    let mut q = Sql::new(SELECT);
    q.push("s.id = ").bind(id).push(" AND ");
    q.append(unit_in_scope(scope, "un"));
    q.query_as().fetch_optional(&db.pool).await
}

async fn get_tx(tx: &mut Tx, id: i64) -> Result<Option<User>, sqlx::Error> {
    let mut q = Sql::new(SELECT);
    q.push("s.id = ").bind(id);
    q.query_as().fetch_optional(&mut **tx).await
}

pub async fn roles_of(
    exec: impl sqlx::Executor<'_, Database = sqlx::Any>,
    user_id: i64,
) -> Result<Vec<Role>, sqlx::Error> {
    let codes: Vec<String> =
        sqlx::query_scalar("SELECT role FROM role_grants WHERE user_id = $1 ORDER BY role")
            .bind(user_id)
            .fetch_all(exec)
            .await?;
    Ok(codes.iter().filter_map(|c| Role::parse(c)).collect())
}

/// The actor for an active account, and whether it must change its password first. One query:
/// the account, its unit and its roles (one row per role).
pub async fn load_actor(db: &Db, user_id: i64) -> Result<Option<(Actor, bool)>, sqlx::Error> {
    let rows = sqlx::query(ACTOR_BY_ID)
        .bind(user_id)
        .fetch_all(&db.pool)
        .await?;
    actor_from_rows(&rows)
}

// The columns `actor_from_rows` reads (the account, its unit, one role per row) and where
// they come from, as macros so both queries below are built at compile time.
macro_rules! actor_columns {
    () => {
        "SELECT s.id, s.username, s.display_name, s.unit_id, un.name, un.region_code, \
         s.must_change_password, g.role"
    };
}
macro_rules! actor_tables {
    () => {
        " FROM users s JOIN units un ON un.id = s.unit_id LEFT JOIN role_grants g ON g.user_id = s.id"
    };
}

/// The account, its unit and its roles for an active account by id (`$1`): every page
/// request's session lookup.
const ACTOR_BY_ID: &str = concat!(
    actor_columns!(),
    actor_tables!(),
    " WHERE s.id = $1 AND s.active = 1"
);

/// The same for the holder of an API token (`$1` its hash, `$2` now), with the token's last use
/// as column 8 so the caller writes it only when it is stale.
pub const ACTOR_BY_TOKEN: &str = concat!(
    actor_columns!(),
    ", t.last_used_at",
    actor_tables!(),
    " JOIN api_tokens t ON t.user_id = s.id WHERE t.token_hash = $1 AND t.revoked_at IS NULL \
     AND (t.expires_at IS NULL OR t.expires_at > $2) AND s.active = 1"
);

/// The same for the holder of a browser session (`$1` the hash of its cookie token), with the
/// session's CSRF token, last use and expiry as columns 8 to 10: a page request's session and
/// actor in one statement, as the bearer path has them.
pub const ACTOR_BY_SESSION: &str = concat!(
    actor_columns!(),
    ", ss.csrf_token, ss.last_seen_at, ss.expires_at, ss.provider",
    actor_tables!(),
    " JOIN sessions ss ON ss.user_id = s.id WHERE ss.id_hash = $1 AND s.active = 1"
);

/// Build the actor from the rows of `ACTOR_BY_ID`, `ACTOR_BY_TOKEN` or `ACTOR_BY_SESSION` (none: no such active account).
pub fn actor_from_rows(rows: &[sqlx::any::AnyRow]) -> Result<Option<(Actor, bool)>, sqlx::Error> {
    let Some(row) = rows.first() else {
        return Ok(None);
    };
    let region: String = row.try_get(5)?;
    let Some(unit_region) = RegionCode::parse(&region) else {
        return Ok(None);
    };
    let mut roles = Vec::new();
    for r in rows {
        let code: Option<String> = r.try_get(7)?;
        if let Some(role) = code.as_deref().and_then(Role::parse)
            && !roles.contains(&role)
        {
            roles.push(role);
        }
    }
    roles.sort();
    let must_change: i64 = row.try_get(6)?;
    Ok(Some((
        Actor {
            user_id: row.try_get(0)?,
            username: row.try_get(1)?,
            display_name: row.try_get(2)?,
            unit_id: row.try_get(3)?,
            unit_name: row.try_get(4)?,
            unit_region,
            roles,
        },
        must_change != 0,
    )))
}

async fn check_unit_and_name(tx: &mut Tx, new: &NewUser, self_id: Option<i64>) -> AppResult<()> {
    let active: Option<i64> = sqlx::query_scalar("SELECT active FROM units WHERE id = $1")
        .bind(new.unit_id)
        .fetch_optional(&mut **tx)
        .await?;
    match active {
        None => return Err(AppError::field("unit_id", "not_found", "所选单位不存在")),
        Some(0) => return Err(AppError::field("unit_id", "not_allowed", "所选单位已停用")),
        Some(_) => {}
    }
    let mut q = Sql::new("SELECT COUNT(*) FROM users WHERE username = ");
    q.bind(new.username.as_str());
    if let Some(me) = self_id {
        q.push(" AND id <> ").bind(me);
    }
    let taken: i64 = q.query_scalar().fetch_one(&mut **tx).await?;
    if taken > 0 {
        return Err(AppError::field("username", "taken", "该用户名已被使用"));
    }
    Ok(())
}

async fn insert(
    tx: &mut Tx,
    who: &Who,
    new: &NewUser,
    password_hash: &str,
    must_change: bool,
) -> AppResult<i64> {
    check_unit_and_name(tx, new, None).await?;
    let now = who.at_text();
    Ok(sqlx::query_scalar(
        "INSERT INTO users (username, display_name, unit_id, phone, email, password_hash, must_change_password, \
         active, failed_logins, password_changed_at, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $8, $5, $6, 1, 0, $7, $7, $7) RETURNING id",
    )
    .bind(&new.username)
    .bind(&new.display_name)
    .bind(new.unit_id)
    .bind(new.phone.as_ref().map(|p| p.as_str().to_string()))
    .bind(password_hash)
    .bind(i64::from(must_change))
    .bind(&now)
    .bind(new.email.as_ref().map(|e| e.as_str().to_string()))
    .fetch_one(&mut **tx)
    .await?)
}

/// An account created at its first sign-in through an identity provider: no role, and no
/// password it could sign in with (`!` is no PHC hash).
pub async fn insert_external(tx: &mut Tx, who: &Who, new: &NewUser) -> AppResult<i64> {
    insert(tx, who, new, "!external", false).await
}

/// Argon2 costs tens of milliseconds and 19 MiB: run it on the blocking pool so it does not
/// hold up the requests sharing an async worker thread.
pub async fn hash(pw: &str) -> AppResult<String> {
    let pw = pw.to_string();
    tokio::task::spawn_blocking(move || password::hash(&pw))
        .await
        .map_err(AppError::internal)?
        .map_err(|e| AppError::internal(format!("hashing: {e}")))
}

async fn verify(pw: &str, stored: &str) -> bool {
    let (pw, stored) = (pw.to_string(), stored.to_string());
    tokio::task::spawn_blocking(move || password::verify(&pw, &stored))
        .await
        .unwrap_or(false)
}

/// Create an account with a generated password that must be changed at first sign-in.
/// Returns the user and the one-time password to hand over.
pub async fn create(
    db: &Db,
    actor: &Actor,
    who: &Who,
    input: &UserInput,
) -> AppResult<(User, String)> {
    actor.require(Resource::User, Action::Create)?;
    let new = NewUser::parse(input)?;
    let generated = password::generate();
    let h = hash(&generated).await?;
    let mut tx = db.begin().await?;
    let id = insert(&mut tx, who, &new, &h, true).await?;
    audit::record(
        &mut tx,
        who,
        Entry::new("user.create", "user")
            .object(id, Some(new.unit_id))
            .summary(json!({"username": new.username, "display_name": new.display_name, "unit_id": new.unit_id})),
    )
    .await?;
    let user = get_tx(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok((user, generated))
}

/// Create an account with a known password and roles (bootstrap and demo), audited as the
/// system.
pub async fn insert_system(
    tx: &mut Tx,
    who: &Who,
    new: &NewUser,
    pw: &str,
    must_change: bool,
    roles: &[Role],
) -> AppResult<i64> {
    insert_system_hashed(tx, who, new, &hash(pw).await?, must_change, roles).await
}

/// [`insert_system`] with the password already hashed: the demo's many accounts share one
/// hash instead of paying for one each.
pub async fn insert_system_hashed(
    tx: &mut Tx,
    who: &Who,
    new: &NewUser,
    hashed: &str,
    must_change: bool,
    roles: &[Role],
) -> AppResult<i64> {
    let id = insert(tx, who, new, hashed, must_change).await?;
    audit::record(
        tx,
        who,
        Entry::new("user.create", "user")
            .object(id, Some(new.unit_id))
            .summary(json!({"username": new.username, "display_name": new.display_name})),
    )
    .await?;
    for r in roles {
        insert_grant(tx, who, id, *r, None).await?;
        audit::record(
            tx,
            who,
            Entry::new("role.grant", "user")
                .object(id, Some(new.unit_id))
                .summary(json!({"role": r.code()})),
        )
        .await?;
    }
    Ok(id)
}

pub async fn update(
    db: &Db,
    actor: &Actor,
    who: &Who,
    id: i64,
    input: &UserInput,
) -> AppResult<User> {
    actor.require(Resource::User, Action::Update)?;
    let new = NewUser::parse(input)?;
    let mut tx = db.begin().await?;
    let before = get_tx(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    if before.username != new.username {
        return Err(AppError::field(
            "username",
            "not_allowed",
            "用户名创建后不能修改",
        ));
    }
    check_unit_and_name(&mut tx, &new, Some(id)).await?;
    sqlx::query(
        "UPDATE users SET display_name = $1, unit_id = $2, phone = $3, email = $4, updated_at = $5 WHERE id = $6",
    )
    .bind(&new.display_name)
    .bind(new.unit_id)
    .bind(new.phone.as_ref().map(|p| p.as_str().to_string()))
    .bind(new.email.as_ref().map(|e| e.as_str().to_string()))
    .bind(who.at_text())
    .bind(id)
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        who,
        Entry::new("user.update", "user").object(id, Some(new.unit_id)).summary(json!({
            "before": {"display_name": before.display_name, "unit_id": before.unit_id, "phone": before.phone, "email": before.email},
            "after": {"display_name": new.display_name, "unit_id": new.unit_id, "phone": new.phone.as_ref().map(|p| p.as_str()), "email": new.email.as_ref().map(|e| e.as_str())},
        })),
    )
    .await?;
    let user = get_tx(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(user)
}

pub async fn set_active(
    db: &Db,
    actor: &Actor,
    who: &Who,
    id: i64,
    active: bool,
) -> AppResult<User> {
    actor.require(Resource::User, Action::Update)?;
    if id == actor.user_id && !active {
        return Err(AppError::conflict("self_disable", "不能停用自己的账号"));
    }
    let mut tx = db.begin().await?;
    let before = get_tx(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    sqlx::query("UPDATE users SET active = $1, updated_at = $2 WHERE id = $3")
        .bind(i64::from(active))
        .bind(who.at_text())
        .bind(id)
        .execute(&mut *tx)
        .await?;
    if !active {
        session::delete_for_user(&mut tx, id).await?;
    }
    audit::record(
        &mut tx,
        who,
        Entry::new(
            if active {
                "user.activate"
            } else {
                "user.deactivate"
            },
            "user",
        )
        .object(id, Some(before.unit_id))
        .summary(json!({"username": before.username})),
    )
    .await?;
    let user = get_tx(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(user)
}

/// Replace the password with a generated one that must be changed at next sign-in; ends the
/// account's sessions.
pub async fn reset_password(db: &Db, actor: &Actor, who: &Who, id: i64) -> AppResult<String> {
    actor.require(Resource::User, Action::Update)?;
    let generated = password::generate();
    let h = hash(&generated).await?;
    let mut tx = db.begin().await?;
    let before = get_tx(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    sqlx::query(
        "UPDATE users SET password_hash = $1, must_change_password = 1, password_changed_at = $2, \
         updated_at = $2 WHERE id = $3",
    )
    .bind(&h)
    .bind(who.at_text())
    .bind(id)
    .execute(&mut *tx)
    .await?;
    session::delete_for_user(&mut tx, id).await?;
    audit::record(
        &mut tx,
        who,
        Entry::new("user.reset_password", "user")
            .object(id, Some(before.unit_id))
            .summary(json!({"username": before.username})),
    )
    .await?;
    tx.commit().await?;
    Ok(generated)
}

#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct PasswordChange {
    pub current_password: String,
    pub new_password: String,
    pub confirm_password: String,
}

/// A user changes their own password. Other sessions of the account end; the caller starts a
/// fresh one.
pub async fn change_password(
    db: &Db,
    actor: &Actor,
    who: &Who,
    input: &PasswordChange,
) -> AppResult<()> {
    let stored: String = sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
        .bind(actor.user_id)
        .fetch_one(&db.pool)
        .await?;
    let mut e = FieldErrors::new();
    if !verify(&input.current_password, &stored).await {
        e.add("current_password", "mismatch", "当前密码不正确");
    }
    e.take(password::check_policy(
        "new_password",
        &input.new_password,
        &actor.username,
    ));
    if input.new_password == input.current_password && e.get("new_password").is_none() {
        e.add("new_password", "not_allowed", "新密码不能与当前密码相同");
    }
    if input.new_password != input.confirm_password {
        e.add("confirm_password", "mismatch", "两次输入的新密码不一致");
    }
    if !e.is_empty() {
        return Err(e.into());
    }
    let h = hash(&input.new_password).await?;
    let mut tx = db.begin().await?;
    sqlx::query(
        "UPDATE users SET password_hash = $1, must_change_password = 0, password_changed_at = $2, \
         updated_at = $2 WHERE id = $3",
    )
    .bind(&h)
    .bind(who.at_text())
    .bind(actor.user_id)
    .execute(&mut *tx)
    .await?;
    session::delete_for_user(&mut tx, actor.user_id).await?;
    audit::record(
        &mut tx,
        who,
        Entry::new("user.change_password", "user").object(actor.user_id, Some(actor.unit_id)),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

async fn insert_grant(
    tx: &mut Tx,
    who: &Who,
    user_id: i64,
    role: Role,
    by: Option<i64>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO role_grants (user_id, role, granted_by, granted_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(user_id)
    .bind(role.code())
    .bind(by)
    .bind(who.at_text())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn grant_role(
    db: &Db,
    actor: &Actor,
    who: &Who,
    user_id: i64,
    role: Role,
) -> AppResult<()> {
    actor.require(Resource::RoleGrant, Action::Create)?;
    let mut tx = db.begin().await?;
    let user = get_tx(&mut tx, user_id).await?.ok_or(AppError::NotFound)?;
    let held = roles_of(&mut *tx, user_id).await?;
    check_grant(&held, role, user_id == actor.user_id)
        .map_err(|e| AppError::conflict("grant_refused", e.to_string()))?;
    insert_grant(&mut tx, who, user_id, role, Some(actor.user_id)).await?;
    audit::record(
        &mut tx,
        who,
        Entry::new("role.grant", "user")
            .object(user_id, Some(user.unit_id))
            .summary(json!({"username": user.username, "role": role.code()})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn revoke_role(
    db: &Db,
    actor: &Actor,
    who: &Who,
    user_id: i64,
    role: Role,
) -> AppResult<()> {
    actor.require(Resource::RoleGrant, Action::Update)?;
    check_revoke(user_id == actor.user_id)
        .map_err(|e| AppError::conflict("grant_refused", e.to_string()))?;
    let mut tx = db.begin().await?;
    let user = get_tx(&mut tx, user_id).await?.ok_or(AppError::NotFound)?;
    let removed = sqlx::query("DELETE FROM role_grants WHERE user_id = $1 AND role = $2")
        .bind(user_id)
        .bind(role.code())
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if removed == 0 {
        return Err(AppError::conflict("not_granted", "该用户没有这个角色"));
    }
    audit::record(
        &mut tx,
        who,
        Entry::new("role.revoke", "user")
            .object(user_id, Some(user.unit_id))
            .summary(json!({"username": user.username, "role": role.code()})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn unlock(db: &Db, actor: &Actor, who: &Who, user_id: i64) -> AppResult<()> {
    actor.require(Resource::User, Action::Unlock)?;
    let mut tx = db.begin().await?;
    let user = get_tx(&mut tx, user_id).await?.ok_or(AppError::NotFound)?;
    sqlx::query("UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = $1")
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        who,
        Entry::new("user.unlock", "user")
            .object(user_id, Some(user.unit_id))
            .summary(json!({"username": user.username})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[derive(Debug)]
pub enum SignInError {
    /// Wrong user name or password (never says which).
    Invalid,
    /// Locked until this instant (UTC text).
    Locked(String),
    /// An identity proved by a provider that may not sign in here.
    Refused(crate::auth::federation::Refusal),
    /// The identity provider could not be reached or answered wrongly: nobody's fault here.
    Unavailable(String),
    Failed(AppError),
}

impl From<sqlx::Error> for SignInError {
    fn from(e: sqlx::Error) -> Self {
        SignInError::Failed(e.into())
    }
}

fn dummy_hash() -> &'static str {
    static H: OnceLock<String> = OnceLock::new();
    H.get_or_init(|| password::hash("dummy-Password-1").unwrap_or_default())
}

/// An account as sign-in sees it, found by user name or by a linked external identity.
pub struct SignInAccount {
    pub id: i64,
    pub unit_id: i64,
    password_hash: String,
    locked_until: Option<String>,
    /// The audit trail's name for the person: 张三（zhangsan）.
    pub who_name: String,
}

macro_rules! sign_in_columns {
    () => {
        "SELECT s.id, s.password_hash, s.failed_logins, s.locked_until, s.unit_id, \
         s.display_name, s.username FROM users s"
    };
}

fn sign_in_account(row: &sqlx::any::AnyRow) -> Result<SignInAccount, sqlx::Error> {
    let display: String = row.try_get(5)?;
    let name: String = row.try_get(6)?;
    Ok(SignInAccount {
        id: row.try_get(0)?,
        password_hash: row.try_get(1)?,
        locked_until: row.try_get(3)?,
        unit_id: row.try_get(4)?,
        who_name: format!("{display}（{name}）"),
    })
}

/// The active account with this user name.
pub async fn sign_in_by_username(
    db: &Db,
    username: &str,
) -> Result<Option<SignInAccount>, sqlx::Error> {
    let row = sqlx::query(concat!(
        sign_in_columns!(),
        " WHERE s.username = $1 AND s.active = 1"
    ))
    .bind(username.trim().to_ascii_lowercase())
    .fetch_optional(&db.pool)
    .await?;
    row.as_ref().map(sign_in_account).transpose()
}

/// The active account with this id.
pub async fn sign_in_by_id(db: &Db, id: i64) -> Result<Option<SignInAccount>, sqlx::Error> {
    let row = sqlx::query(concat!(
        sign_in_columns!(),
        " WHERE s.id = $1 AND s.active = 1"
    ))
    .bind(id)
    .fetch_optional(&db.pool)
    .await?;
    row.as_ref().map(sign_in_account).transpose()
}

/// The active account this external identity is linked to.
pub async fn sign_in_by_identity(
    db: &Db,
    provider: &str,
    subject: &str,
) -> Result<Option<SignInAccount>, sqlx::Error> {
    let row = sqlx::query(concat!(
        sign_in_columns!(),
        " JOIN external_identities x ON x.user_id = s.id \
         WHERE x.provider = $1 AND x.subject = $2 AND s.active = 1"
    ))
    .bind(provider)
    .bind(subject)
    .fetch_optional(&db.pool)
    .await?;
    row.as_ref().map(sign_in_account).transpose()
}

impl SignInAccount {
    pub fn who(&self, meta: &Who) -> Who {
        Who {
            user_id: Some(self.id),
            name: self.who_name.clone(),
            unit_id: Some(self.unit_id),
            ..meta.clone()
        }
    }

    /// Refuse a locked account, whatever proved the person's identity: the lock is the
    /// platform's, not the provider's.
    pub async fn refuse_if_locked(&self, db: &Db, who: &Who) -> Result<(), SignInError> {
        if let Some(until) = self.locked_until.as_deref().and_then(time::parse)
            && until > who.at
        {
            audit::store::record_alone(
                db,
                who,
                Entry::new("auth.sign_in_refused_locked", "user")
                    .object(self.id, Some(self.unit_id)),
            )
            .await?;
            return Err(SignInError::Locked(time::to_text(until)));
        }
        Ok(())
    }

    /// Count a wrong password (local or the directory's); the account locks after
    /// `throttle::MAX_FAILURES` in a row. Always ends in an error for the caller to show.
    pub async fn record_failure(&self, db: &Db, who: &Who, provider: Option<&str>) -> SignInError {
        match self.try_record_failure(db, who, provider).await {
            Ok(e) | Err(e) => e,
        }
    }

    async fn try_record_failure(
        &self,
        db: &Db,
        who: &Who,
        provider: Option<&str>,
    ) -> Result<SignInError, SignInError> {
        let now = who.at;
        let mut tx = db.begin().await?;
        // Counted in the statement, not from the value read before: wrong passwords sent in
        // parallel each count.
        let failures: i64 = sqlx::query_scalar(
            "UPDATE users SET failed_logins = failed_logins + 1 WHERE id = $1 RETURNING failed_logins",
        )
        .bind(self.id)
        .fetch_one(&mut *tx)
        .await?;
        let lock = throttle::locks_after(failures - 1);
        let until = now + Duration::minutes(throttle::LOCK_MINUTES);
        if lock {
            sqlx::query("UPDATE users SET failed_logins = 0, locked_until = $1 WHERE id = $2")
                .bind(time::to_text(until))
                .bind(self.id)
                .execute(&mut *tx)
                .await?;
        }
        audit::record(
            &mut tx,
            who,
            Entry::new("auth.sign_in_failed", "user")
                .object(self.id, Some(self.unit_id))
                .summary(json!({"failures": failures, "provider": provider})),
        )
        .await?;
        if lock {
            audit::record(
                &mut tx,
                who,
                Entry::new("auth.account_locked", "user")
                    .object(self.id, Some(self.unit_id))
                    .summary(
                        json!({"until": time::to_text(until), "minutes": throttle::LOCK_MINUTES}),
                    ),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(if lock {
            SignInError::Locked(time::to_text(until))
        } else {
            SignInError::Invalid
        })
    }

    /// The person is who they say: clear the failure count, start a session and audit the
    /// sign-in with how it was proved, in one transaction.
    pub async fn open_session(
        &self,
        db: &Db,
        who: &Who,
        lifetime: Duration,
        origin: session::Origin<'_>,
    ) -> Result<session::NewSession, SignInError> {
        let now = who.at;
        let mut tx = db.begin().await?;
        // The account may have been disabled since it was read: the update finds no row then.
        let done = sqlx::query(
            "UPDATE users SET failed_logins = 0, locked_until = NULL, last_login_at = $1 \
             WHERE id = $2 AND active = 1",
        )
        .bind(time::to_text(now))
        .bind(self.id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(SignInError::Invalid);
        }
        let s = session::create(
            &mut tx,
            self.id,
            who.client_addr.as_deref(),
            lifetime,
            now,
            origin,
        )
        .await?;
        audit::record(
            &mut tx,
            who,
            Entry::new("auth.sign_in", "user")
                .object(self.id, Some(self.unit_id))
                .summary(json!({"provider": origin.provider_name})),
        )
        .await?;
        tx.commit().await?;
        Ok(s)
    }
}

/// Check a user name and password; on success start a session. Failures are counted and lock
/// the account after `throttle::MAX_FAILURES`; every attempt is audited.
pub async fn sign_in(
    db: &Db,
    username: &str,
    pw: &str,
    meta: &Who,
    lifetime: Duration,
) -> Result<session::NewSession, SignInError> {
    let name = username.trim().to_ascii_lowercase();
    let Some(account) = sign_in_by_username(db, &name).await? else {
        // Same work as a real check, so timing does not reveal which names exist.
        verify(pw, dummy_hash()).await;
        audit::store::record_alone(
            db,
            meta,
            Entry::new("auth.sign_in_failed", "session")
                .summary(json!({"username": name, "reason": "unknown_or_disabled"})),
        )
        .await?;
        return Err(SignInError::Invalid);
    };
    let who = account.who(meta);
    account.refuse_if_locked(db, &who).await?;
    if !verify(pw, &account.password_hash).await {
        return Err(account.record_failure(db, &who, None).await);
    }
    account
        .open_session(db, &who, lifetime, session::Origin::PASSWORD)
        .await
}

pub async fn count(db: &Db) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(&db.pool)
        .await
}
