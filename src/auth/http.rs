//! Pages for signing in and out, changing one's password, and managing integration tokens.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use chrono::Duration;
use serde::Deserialize;
use serde_json::json;
use utoipa_axum::router::OpenApiRouter;

use super::{new_secret, token};
use crate::access::{Action, Resource};
use crate::audit::{self, Entry};
use crate::db::time;
use crate::domain::{FieldErrors, text};
use crate::error::AppError;
use crate::users::store::{self as users, PasswordChange, SignInError};
use crate::web::SharedState;
use crate::web::extract::{
    CsrfForm, CurrentUser, Id, IdPath, Meta, Query, SESSION_COOKIE, constant_eq,
};
use crate::web::page::MsgQuery;
use crate::web::page::form_status;
use crate::web::page::{Layout, PageResult, render, render_status};

const LOGIN_CSRF_COOKIE: &str = "sd_login_csrf";

pub fn routes() -> OpenApiRouter<SharedState> {
    OpenApiRouter::new()
        .route("/login", get(login_form).post(login))
        .route("/logout", post(logout))
        .route("/password", get(password_form).post(change_password))
        .route("/tokens", get(tokens).post(issue_token))
        .route("/tokens/{id}/revoke", post(revoke_token))
}

/// Browser-session cookies (no Max-Age: they end when the browser closes; the server enforces
/// the idle timeout and lifetime on its side).
fn cookie(state: &SharedState, name: &'static str, value: String) -> Cookie<'static> {
    Cookie::build((name, value))
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(state.config.cookie_secure)
        .path("/")
        .build()
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    layout: Layout,
    csrf: String,
    username: String,
    next: String,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct LoginQuery {
    next: Option<String>,
    msg: Option<String>,
}

/// Only same-site paths are followed after sign-in.
fn safe_next(next: Option<&str>) -> String {
    match next {
        // Browsers drop tabs and line breaks from URLs ("/\t/evil" becomes "//evil"), so any
        // control character or backslash disqualifies the path.
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.chars().any(|c| c == '\\' || c.is_control()) =>
        {
            n.to_string()
        }
        _ => "/".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_same_site_paths_are_followed() {
        assert_eq!(safe_next(Some("/units?x=1")), "/units?x=1");
        for bad in [
            "//evil.example",
            "/\t/evil.example/x",
            "/\n",
            "https://evil.example",
            "/\\evil",
            "",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad:?}");
        }
        assert_eq!(safe_next(None), "/");
    }
}

async fn login_form(
    State(state): State<SharedState>,
    jar: CookieJar,
    Query(q): Query<LoginQuery>,
) -> Response {
    let (csrf, _) = new_secret();
    let page = LoginPage {
        layout: Layout::public("登录").notice(q.msg.as_deref()),
        csrf: csrf.clone(),
        username: String::new(),
        next: safe_next(q.next.as_deref()),
        error: None,
    };
    let jar = jar.add(cookie(&state, LOGIN_CSRF_COOKIE, csrf));
    (jar, render(&page)).into_response()
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: Option<String>,
    #[serde(default, rename = "_csrf")]
    csrf: String,
}

async fn login(
    State(state): State<SharedState>,
    jar: CookieJar,
    meta: Meta,
    axum::Form(form): axum::Form<LoginForm>,
) -> Response {
    let (fresh_csrf, _) = new_secret();
    let retry = |status: StatusCode, error: &str, jar: CookieJar| {
        let page = LoginPage {
            layout: Layout::public("登录"),
            csrf: fresh_csrf.clone(),
            username: form.username.clone(),
            next: safe_next(form.next.as_deref()),
            error: Some(error.to_string()),
        };
        let jar = jar.add(cookie(&state, LOGIN_CSRF_COOKIE, fresh_csrf.clone()));
        (jar, render_status(status, &page)).into_response()
    };
    let expected = jar.get(LOGIN_CSRF_COOKIE).map(|c| c.value().to_string());
    if !expected.is_some_and(|e| constant_eq(e.as_bytes(), form.csrf.as_bytes())) {
        return retry(StatusCode::FORBIDDEN, "页面已过期，请重新登录。", jar);
    }
    if form.username.trim().is_empty() || form.password.is_empty() {
        return retry(
            StatusCode::UNPROCESSABLE_ENTITY,
            "请输入用户名和密码。",
            jar,
        );
    }
    if form.username.len() > 64 || form.password.len() > 256 {
        return retry(StatusCode::UNPROCESSABLE_ENTITY, "用户名或密码错误。", jar);
    }
    let addr = meta.client_addr.clone().unwrap_or_default();
    if !state.sign_in_limiter.try_begin(&addr) {
        return retry(
            StatusCode::TOO_MANY_REQUESTS,
            "登录尝试过于频繁，请5分钟后再试。",
            jar,
        );
    }
    let lifetime = Duration::hours(state.config.session_lifetime_hours);
    match users::sign_in(
        &state.db,
        &form.username,
        &form.password,
        &meta.anonymous(),
        lifetime,
    )
    .await
    {
        Ok(s) => {
            state.sign_in_limiter.succeeded(&addr);
            let jar = jar
                .remove(Cookie::build(LOGIN_CSRF_COOKIE).path("/"))
                .add(cookie(&state, SESSION_COOKIE, s.token));
            (jar, Redirect::to(&safe_next(form.next.as_deref()))).into_response()
        }
        Err(SignInError::Invalid) => retry(StatusCode::UNAUTHORIZED, "用户名或密码错误。", jar),
        Err(SignInError::Locked(until)) => retry(
            StatusCode::FORBIDDEN,
            &format!(
                "连续登录失败次数过多，账号已临时锁定至 {}（北京时间），请稍后再试或联系安全管理员解锁。",
                time::display(&until)
            ),
            jar,
        ),
        Err(SignInError::Failed(e)) => {
            // Our failure, not the caller's: it does not count against the address.
            state.sign_in_limiter.succeeded(&addr);
            crate::web::page::error_page(e)
        }
    }
}

#[derive(Deserialize)]
pub struct Empty {}

async fn logout(
    State(state): State<SharedState>,
    cu: CurrentUser,
    jar: CookieJar,
    CsrfForm(_): CsrfForm<Empty>,
) -> PageResult {
    if let Some(c) = jar.get(SESSION_COOKIE) {
        super::session::delete(&state.db, c.value()).await?;
    }
    audit::store::record_alone(
        &state.db,
        &cu.who,
        Entry::new("auth.sign_out", "user").object(cu.actor.user_id, Some(cu.actor.unit_id)),
    )
    .await?;
    let jar = jar.remove(Cookie::build(SESSION_COOKIE).path("/"));
    Ok((jar, Redirect::to("/login?msg=signed_out")).into_response())
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    layout: Layout,
    forced: bool,
    errors: FieldErrors,
}

async fn password_form(State(state): State<SharedState>, cu: CurrentUser) -> PageResult {
    let forced = users::load_actor(&state.db, cu.actor.user_id)
        .await?
        .is_some_and(|(_, m)| m);
    Ok(render(&PasswordPage {
        layout: Layout::new(&cu, "修改密码", "/password"),
        forced,
        errors: FieldErrors::new(),
    }))
}

async fn change_password(
    State(state): State<SharedState>,
    cu: CurrentUser,
    jar: CookieJar,
    CsrfForm(form): CsrfForm<PasswordChange>,
) -> PageResult {
    match users::change_password(&state.db, &cu.actor, &cu.who, &form).await {
        Ok(()) => {
            // Every session of the account ended with the change; start a fresh one here.
            let lifetime = Duration::hours(state.config.session_lifetime_hours);
            let mut tx = state.db.begin().await?;
            let s = super::session::create(
                &mut tx,
                cu.actor.user_id,
                cu.who.client_addr.as_deref(),
                lifetime,
                cu.who.at,
            )
            .await?;
            tx.commit().await?;
            let jar = jar.add(cookie(&state, SESSION_COOKIE, s.token));
            Ok((jar, Redirect::to("/?msg=password_changed")).into_response())
        }
        Err(AppError::Validation(errors)) => {
            let forced = users::load_actor(&state.db, cu.actor.user_id)
                .await?
                .is_some_and(|(_, m)| m);
            Ok(render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &PasswordPage {
                    layout: Layout::new(&cu, "修改密码", "/password"),
                    forced,
                    errors,
                },
            ))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "tokens.html")]
struct TokensPage {
    layout: Layout,
    tokens: Vec<token::TokenInfo>,
    users: Vec<crate::users::User>,
    issued: Option<String>,
    form: TokenForm,
    errors: FieldErrors,
}

#[derive(Deserialize, Default, Clone)]
pub struct TokenForm {
    #[serde(default)]
    user_id: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    days: String,
}

async fn tokens_page(
    state: &SharedState,
    cu: &CurrentUser,
    issued: Option<String>,
    form: TokenForm,
    errors: FieldErrors,
    msg: Option<&str>,
) -> PageResult {
    let scope = cu.actor.require(Resource::ApiToken, Action::Read)?;
    let w = crate::db::query::Window::first(1000);
    let users = w.rows(users::list(&state.db, &scope, &Default::default(), w).await?);
    let status = form_status(&errors);
    Ok(render_status(
        status,
        &TokensPage {
            layout: Layout::new(cu, "接口令牌", "/tokens").notice(msg),
            tokens: token::list(&state.db).await?,
            users,
            issued,
            form,
            errors,
        },
    ))
}

async fn tokens(
    State(state): State<SharedState>,
    cu: CurrentUser,
    Query(q): Query<MsgQuery>,
) -> PageResult {
    tokens_page(
        &state,
        &cu,
        None,
        TokenForm::default(),
        FieldErrors::new(),
        q.msg.as_deref(),
    )
    .await
}

async fn issue_token(
    State(state): State<SharedState>,
    cu: CurrentUser,
    CsrfForm(form): CsrfForm<TokenForm>,
) -> PageResult {
    if !cu.actor.can(Resource::ApiToken, Action::Create) {
        return Err(AppError::Forbidden.into());
    }
    let mut e = FieldErrors::new();
    let user_id = e.take(text::id("user_id", "账号", &form.user_id));
    let name = e.take(text::required("name", "令牌用途", &form.name, 60));
    let days = match form.days.trim() {
        "" => Some(None),
        d => match d.parse::<i64>() {
            Ok(n) if (1..=3650).contains(&n) => Some(Some(n)),
            _ => {
                e.add(
                    "days",
                    "invalid_format",
                    "有效天数应为1至3650之间的整数，留空表示长期有效",
                );
                None
            }
        },
    };
    let (Some(user_id), Some(name), Some(days)) = (user_id, name, days) else {
        return tokens_page(&state, &cu, None, form, e, None).await;
    };
    let mut tx = state.db.begin().await?;
    let owner: Option<(i64,)> =
        sqlx::query_as("SELECT unit_id FROM users WHERE id = $1 AND active = 1")
            .bind(user_id)
            .fetch_optional(&mut *tx)
            .await?;
    let Some((unit_id,)) = owner else {
        drop(tx);
        let e = FieldErrors::single("user_id", "not_found", "所选账号不存在或已停用");
        return tokens_page(&state, &cu, None, form, e, None).await;
    };
    let expires = days.map(|d| time::to_text(cu.who.at + Duration::days(d)));
    let (id, secret) = token::issue(
        &mut tx,
        user_id,
        &name,
        expires.clone(),
        Some(cu.actor.user_id),
        cu.who.at,
    )
    .await?;
    audit::record(
        &mut tx,
        &cu.who,
        Entry::new("token.issue", "api_token")
            .object(id, Some(unit_id))
            .summary(json!({"user_id": user_id, "name": name, "expires_at": expires})),
    )
    .await?;
    tx.commit().await?;
    tokens_page(
        &state,
        &cu,
        Some(secret),
        TokenForm::default(),
        FieldErrors::new(),
        None,
    )
    .await
}

async fn revoke_token(
    State(state): State<SharedState>,
    cu: CurrentUser,
    IdPath(Id(id)): IdPath<Id>,
    CsrfForm(_): CsrfForm<Empty>,
) -> PageResult {
    if !cu.actor.can(Resource::ApiToken, Action::Update) {
        return Err(AppError::Forbidden.into());
    }
    let mut tx = state.db.begin().await?;
    let owner = token::revoke(&mut tx, id, cu.who.at)
        .await?
        .ok_or(AppError::NotFound)?;
    audit::record(
        &mut tx,
        &cu.who,
        Entry::new("token.revoke", "api_token")
            .object(id, None)
            .summary(json!({"user_id": owner})),
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to("/tokens?msg=revoked").into_response())
}
