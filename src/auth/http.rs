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
        .route("/auth/ldap", post(ldap_login))
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
    /// The platform's own password form is offered.
    password: bool,
    /// OpenID Connect providers: (id, button text).
    providers: Vec<(String, String)>,
    /// The directory's name, when LDAP sign-in is configured.
    ldap: Option<String>,
    /// Which form the user name belongs to (`ldap` or the password form).
    method: &'static str,
}

#[derive(Deserialize, Default)]
pub struct LoginQuery {
    next: Option<String>,
    msg: Option<String>,
}

/// The sign-in page with a fresh login CSRF token (also set as a cookie).
#[allow(clippy::too_many_arguments)]
pub(crate) fn login_page(
    state: &SharedState,
    jar: CookieJar,
    status: StatusCode,
    error: Option<&str>,
    msg: Option<&str>,
    username: &str,
    method: &'static str,
    next: Option<&str>,
) -> Response {
    let (csrf, _) = new_secret();
    let page = LoginPage {
        layout: Layout::public("登录").notice(msg),
        csrf: csrf.clone(),
        username: username.to_string(),
        next: safe_next(next),
        error: error.map(str::to_string),
        password: state.config.password_sign_in,
        providers: state
            .config
            .oidc
            .iter()
            .map(|p| (p.id.clone(), p.name.clone()))
            .collect(),
        ldap: state.config.ldap.as_ref().map(|l| l.name.clone()),
        method,
    };
    let jar = jar.add(cookie(state, LOGIN_CSRF_COOKIE, csrf));
    (jar, render_status(status, &page)).into_response()
}

/// Only same-site paths are followed after sign-in.
pub(crate) fn safe_next(next: Option<&str>) -> String {
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
    login_page(
        &state,
        jar,
        StatusCode::OK,
        None,
        q.msg.as_deref(),
        "",
        "password",
        q.next.as_deref(),
    )
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

/// The user name and password form's checks before any account is looked at: the login CSRF
/// token, the fields, and the per-address throttle. `Err` is the page to answer with.
fn admit(
    state: &SharedState,
    jar: &CookieJar,
    meta: &Meta,
    form: &LoginForm,
    method: &'static str,
) -> Result<String, Box<Response>> {
    let retry = |status: StatusCode, error: &str| {
        Err(Box::new(login_page(
            state,
            jar.clone(),
            status,
            Some(error),
            None,
            &form.username,
            method,
            form.next.as_deref(),
        )))
    };
    let expected = jar.get(LOGIN_CSRF_COOKIE).map(|c| c.value().to_string());
    if !expected.is_some_and(|e| constant_eq(e.as_bytes(), form.csrf.as_bytes())) {
        return retry(StatusCode::FORBIDDEN, "页面已过期，请重新登录。");
    }
    if form.username.trim().is_empty() || form.password.is_empty() {
        return retry(StatusCode::UNPROCESSABLE_ENTITY, "请输入用户名和密码。");
    }
    if form.username.len() > 64 || form.password.len() > 256 {
        return retry(StatusCode::UNPROCESSABLE_ENTITY, "用户名或密码错误。");
    }
    let addr = meta.client_addr.clone().unwrap_or_default();
    if !state.sign_in_limiter.try_begin(&addr) {
        return retry(
            StatusCode::TOO_MANY_REQUESTS,
            "登录尝试过于频繁，请5分钟后再试。",
        );
    }
    Ok(addr)
}

/// The answer to a sign-in by whatever method: the session cookie and the way on, or the page
/// again with what went wrong.
#[allow(clippy::too_many_arguments)]
pub(crate) fn signed_in(
    state: &SharedState,
    jar: CookieJar,
    addr: &str,
    result: Result<crate::auth::session::NewSession, SignInError>,
    username: &str,
    method: &'static str,
    next: Option<&str>,
    via_provider: bool,
) -> Response {
    let retry = |status: StatusCode, error: &str, jar: CookieJar| {
        login_page(
            state,
            jar,
            status,
            Some(error),
            None,
            username,
            method,
            next,
        )
    };
    // Only a password form takes a turn from the address's budget (`admit`); a provider's
    // callback took none, so it gives none back.
    let give_back = || {
        if !via_provider {
            state.sign_in_limiter.succeeded(addr);
        }
    };
    match result {
        Ok(s) => {
            give_back();
            let jar = jar
                .remove(Cookie::build(LOGIN_CSRF_COOKIE).path("/"))
                .add(cookie(state, SESSION_COOKIE, s.token));
            let next = safe_next(next);
            if via_provider {
                // The browser arrived from the provider's site: a redirect now would carry on
                // that cross-site navigation, and the SameSite=Strict session cookie would not
                // be sent with it. A page of our own moves on instead (same-site).
                let page = MovingOn { next };
                (jar, render(&page)).into_response()
            } else {
                (jar, Redirect::to(&next)).into_response()
            }
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
        Err(SignInError::Unavailable(why)) => {
            give_back();
            tracing::warn!(error = %why, "identity provider unavailable");
            retry(
                StatusCode::BAD_GATEWAY,
                "统一身份认证服务暂时无法访问，请稍后再试或联系系统管理员。",
                jar,
            )
        }
        Err(SignInError::Refused(r)) => retry(StatusCode::FORBIDDEN, r.message(), jar),
        Err(SignInError::Failed(e)) => {
            // Our failure, not the caller's: it does not count against the address.
            give_back();
            crate::web::page::error_page(e)
        }
    }
}

#[derive(Template)]
#[template(path = "signed_in.html")]
struct MovingOn {
    next: String,
}

async fn login(
    State(state): State<SharedState>,
    jar: CookieJar,
    meta: Meta,
    axum::Form(form): axum::Form<LoginForm>,
) -> Response {
    if !state.config.password_sign_in {
        return login_page(
            &state,
            jar,
            StatusCode::FORBIDDEN,
            Some("本平台已关闭账号密码登录，请使用统一身份认证登录。"),
            None,
            "",
            "password",
            form.next.as_deref(),
        );
    }
    let addr = match admit(&state, &jar, &meta, &form, "password") {
        Ok(a) => a,
        Err(page) => return *page,
    };
    let lifetime = Duration::hours(state.config.session_lifetime_hours);
    let result = users::sign_in(
        &state.db,
        &form.username,
        &form.password,
        &meta.anonymous(),
        lifetime,
    )
    .await;
    signed_in(
        &state,
        jar,
        &addr,
        result,
        &form.username,
        "password",
        form.next.as_deref(),
        false,
    )
}

/// Sign in with the directory's user name and password (LDAP).
async fn ldap_login(
    State(state): State<SharedState>,
    jar: CookieJar,
    meta: Meta,
    axum::Form(form): axum::Form<LoginForm>,
) -> Response {
    let Some(dir) = state.federation.directory.as_ref() else {
        return crate::web::page::error_page(AppError::NotFound);
    };
    let addr = match admit(&state, &jar, &meta, &form, "ldap") {
        Ok(a) => a,
        Err(page) => return *page,
    };
    let lifetime = Duration::hours(state.config.session_lifetime_hours);
    let result = super::external::sign_in_ldap(
        &state.db,
        dir,
        &form.username,
        &form.password,
        &meta.anonymous(),
        lifetime,
    )
    .await;
    signed_in(
        &state,
        jar,
        &addr,
        result,
        &form.username,
        "ldap",
        form.next.as_deref(),
        false,
    )
}

#[derive(Deserialize)]
pub struct Empty {}

async fn logout(
    State(state): State<SharedState>,
    cu: CurrentUser,
    jar: CookieJar,
    CsrfForm(_): CsrfForm<Empty>,
) -> PageResult {
    // The platform's session ends first, whatever the provider does next.
    let ended = match jar.get(SESSION_COOKIE) {
        Some(c) => super::session::delete(&state.db, c.value()).await?,
        None => None,
    };
    let provider = ended
        .as_ref()
        .and_then(|e| e.provider.as_deref())
        .and_then(|id| state.config.oidc.iter().find(|p| p.id == id));
    audit::store::record_alone(
        &state.db,
        &cu.who,
        Entry::new("auth.sign_out", "user")
            .object(cu.actor.user_id, Some(cu.actor.unit_id))
            .summary(json!({"provider": provider.map(|p| p.name.as_str())})),
    )
    .await?;
    let jar = jar.remove(Cookie::build(SESSION_COOKIE).path("/"));
    let after = format!(
        "{}/login?msg=signed_out",
        state.config.public_url.trim_end_matches('/')
    );
    // Single logout: the provider ends its own session too, where it offers RP-initiated
    // logout, then sends the browser back to the sign-in page.
    let to = match provider {
        Some(p) => state
            .federation
            .oidc
            .logout_url(
                p,
                ended.as_ref().and_then(|e| e.id_token.as_deref()),
                &after,
            )
            .await
            .unwrap_or_else(|| "/login?msg=signed_out".into()),
        None => "/login?msg=signed_out".into(),
    };
    Ok((jar, Redirect::to(&to)).into_response())
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
                super::session::Origin::PASSWORD,
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
