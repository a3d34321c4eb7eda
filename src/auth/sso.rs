//! Single sign-on at the edge: the configured providers with their secrets, the OpenID Connect
//! sign-in routes, and the system administrator's linking of identities to accounts.

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use chrono::Duration;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::external::{self, LinkedIdentity, Proof};
use super::federation::{LDAP_PROVIDER, OidcProvider};
use super::http::{login_page, signed_in};
use super::ldap::Directory;
use super::oidc::{Oidc, OidcError};
use super::{hash_secret, new_secret};
use crate::config::Config;
use crate::error::{AppError, AppResult};
use crate::users::store::SignInError;
use crate::web::SharedState;
use crate::web::extract::{
    ApiJson, ApiUser, CsrfForm, CurrentUser, Id, IdPath, Meta, Query, constant_eq,
};

/// The cookie that ties a provider's callback to the browser that started the sign-in, named
/// after its sign-in's state so that sign-ins started in two tabs do not overwrite each other.
/// It must be `SameSite=Lax`: the callback is a cross-site navigation from the provider.
fn browser_cookie(state: &str) -> String {
    format!("sd_sso_{}", &hash_secret(state)[..16])
}

/// The sign-in methods configured beside the platform's own password.
pub struct Federation {
    pub oidc: Oidc,
    secrets: HashMap<String, Option<String>>,
    pub directory: Option<Directory>,
}

impl Federation {
    /// Read the providers' secrets (file, or `SHUANGDA_OIDC_<ID>_CLIENT_SECRET`) and the
    /// directory's TLS settings, once.
    pub fn from_config(config: &Config) -> Result<Federation, String> {
        let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        let mut secrets = HashMap::new();
        for p in &config.oidc {
            let secret = match &p.client_secret_file {
                Some(f) => Some(
                    std::fs::read_to_string(f)
                        .map_err(|e| format!("{}: {e}", f.display()))?
                        .trim_end_matches(['\r', '\n'])
                        .to_string(),
                ),
                None => env(&format!(
                    "SHUANGDA_OIDC_{}_CLIENT_SECRET",
                    p.id.to_ascii_uppercase().replace('-', "_")
                )),
            };
            secrets.insert(p.id.clone(), secret);
        }
        let directory = match &config.ldap {
            Some(l) => Some(
                Directory::new(l.clone(), env("SHUANGDA_LDAP_BIND_PASSWORD"))
                    .map_err(|e| e.to_string())?,
            ),
            None => None,
        };
        Ok(Federation {
            oidc: Oidc::new(),
            secrets,
            directory,
        })
    }

    /// No external sign-in at all.
    pub fn none() -> Federation {
        Federation {
            oidc: Oidc::new(),
            secrets: HashMap::new(),
            directory: None,
        }
    }

    fn secret(&self, p: &OidcProvider) -> Option<String> {
        self.secrets.get(&p.id).cloned().flatten()
    }
}

pub fn routes() -> OpenApiRouter<SharedState> {
    OpenApiRouter::new()
        .route("/auth/oidc/{provider}/start", get(start))
        .route("/auth/oidc/{provider}/callback", get(callback))
        .route("/users/{id}/identities", post(link_page))
        .route("/users/{id}/identities/remove", post(unlink_page))
        .routes(routes!(api_identities, api_link))
        .routes(routes!(api_unlink))
}

fn provider<'a>(state: &'a SharedState, id: &str) -> Option<&'a OidcProvider> {
    state.config.oidc.iter().find(|p| p.id == id)
}

fn redirect_uri(state: &SharedState, p: &OidcProvider) -> String {
    format!(
        "{}/auth/oidc/{}/callback",
        state.config.public_url.trim_end_matches('/'),
        p.id
    )
}

#[derive(Deserialize, Default)]
pub struct StartQuery {
    next: Option<String>,
}

/// Begin a sign-in at the provider: state, nonce and PKCE verifier go to the database (the
/// callback may land on another instance), a random value to the browser's cookie.
async fn start(
    State(state): State<SharedState>,
    jar: CookieJar,
    meta: Meta,
    Path(id): Path<String>,
    Query(q): Query<StartQuery>,
) -> Response {
    let Some(p) = provider(&state, &id) else {
        return crate::web::page::error_page(AppError::NotFound);
    };
    // Each start writes a pending sign-in: an address may start 60 in 5 minutes.
    let addr = meta.client_addr.clone().unwrap_or_default();
    if !state.sso_start_limiter.try_begin(&addr) {
        return crate::web::page::error_page(AppError::TooManyRequests);
    }
    let fail = |e: OidcError, jar: CookieJar| {
        tracing::warn!(provider = %p.id, error = %e, "OpenID Connect sign-in could not start");
        login_page(
            &state,
            jar,
            StatusCode::BAD_GATEWAY,
            Some("统一身份认证服务暂时无法访问，请稍后再试或联系系统管理员。"),
            None,
            "",
            "password",
            q.next.as_deref(),
        )
    };
    let started = match state
        .federation
        .oidc
        .start(p, state.federation.secret(p), &redirect_uri(&state, p))
        .await
    {
        Ok(s) => s,
        Err(e) => return fail(e, jar),
    };
    let (browser, _) = new_secret();
    let next = super::http::safe_next(q.next.as_deref());
    if let Err(e) = external::save_pending(
        &state.db,
        &p.id,
        &started.state,
        &browser,
        &started.nonce,
        &started.pkce_verifier,
        &next,
        meta.at,
    )
    .await
    {
        return crate::web::page::error_page(e.into());
    }
    let c = Cookie::build((browser_cookie(&started.state), browser))
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.config.cookie_secure)
        .path("/auth/oidc/")
        .build();
    (jar.add(c), Redirect::to(&started.url)).into_response()
}

#[derive(Deserialize, Default)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

/// The provider sends the browser back: take the pending sign-in by its state (once), check it
/// came from this browser and in time, exchange the code and check the ID token's nonce, then
/// sign in the linked account.
async fn callback(
    State(state): State<SharedState>,
    jar: CookieJar,
    meta: Meta,
    Path(id): Path<String>,
    Query(q): Query<CallbackQuery>,
) -> Response {
    let addr = meta.client_addr.clone().unwrap_or_default();
    let refuse = |status: StatusCode, msg: &str, jar: CookieJar| {
        login_page(&state, jar, status, Some(msg), None, "", "password", None)
    };
    let Some(p) = provider(&state, &id) else {
        return crate::web::page::error_page(AppError::NotFound);
    };
    let expired = "登录请求无效或已过期，请重新点击「统一身份认证登录」。";
    let Some(st) = q
        .state
        .as_deref()
        .filter(|s| !s.is_empty() && s.len() <= 512)
    else {
        return refuse(StatusCode::BAD_REQUEST, expired, jar);
    };
    let cookie_name = browser_cookie(st);
    let jar_out = jar
        .clone()
        .remove(Cookie::build(cookie_name.clone()).path("/auth/oidc/"));
    let pending = match external::take_pending(&state.db, st).await {
        Ok(p) => p,
        Err(e) => return crate::web::page::error_page(e.into()),
    };
    let browser_ok = |hash: &str| {
        jar.get(&cookie_name)
            .is_some_and(|c| constant_eq(hash_secret(c.value()).as_bytes(), hash.as_bytes()))
    };
    // A state nobody issued is anyone's guess and not worth an audit record (anyone may send
    // one); one that was issued, but to another browser, provider or in the past, is.
    let Some(pending) = pending else {
        return refuse(StatusCode::BAD_REQUEST, expired, jar_out);
    };
    if !(pending.provider == p.id
        && browser_ok(&pending.browser_hash)
        && pending.expires_at.is_some_and(|e| e > meta.at))
    {
        audit_refusal(&state, &meta, p, "state").await;
        return refuse(StatusCode::BAD_REQUEST, expired, jar_out);
    }
    if let Some(err) = q.error.as_deref() {
        // The person cancelled, or the provider refused them.
        tracing::info!(provider = %p.id, error = %err, "provider returned an error");
        return refuse(
            StatusCode::UNAUTHORIZED,
            "统一身份认证未完成登录，请重试。",
            jar_out,
        );
    }
    let Some(code) = q
        .code
        .as_deref()
        .filter(|c| !c.is_empty() && c.len() <= 2048)
    else {
        return refuse(StatusCode::BAD_REQUEST, expired, jar_out);
    };
    let identity = match state
        .federation
        .oidc
        .finish(
            p,
            state.federation.secret(p),
            &redirect_uri(&state, p),
            code,
            &pending.nonce,
            &pending.pkce_verifier,
        )
        .await
    {
        Ok(i) => i,
        Err(OidcError::Rejected(why)) => {
            tracing::info!(provider = %p.id, error = %why, "OpenID Connect sign-in rejected");
            audit_refusal(&state, &meta, p, "token").await;
            return refuse(
                StatusCode::UNAUTHORIZED,
                "统一身份认证未通过（登录凭据无效或已过期），请重新登录。",
                jar_out,
            );
        }
        Err(e) => {
            return signed_in(
                &state,
                jar_out,
                &addr,
                Err(SignInError::Unavailable(e.to_string())),
                "",
                "password",
                None,
                true,
            );
        }
    };
    let proof = Proof {
        provider: &p.id,
        provider_name: &p.name,
        subject: &identity.subject,
        link_value: identity.link_value.as_deref(),
        create_in_unit: p
            .create_accounts
            .then_some(p.create_in_unit.as_deref())
            .flatten(),
        display_name: identity.display_name.as_deref(),
        username_hint: identity
            .preferred_username
            .as_deref()
            .or(identity.link_value.as_deref()),
        id_token: Some(&identity.id_token),
    };
    let lifetime = Duration::hours(state.config.session_lifetime_hours);
    let result = external::sign_in(&state.db, &meta.anonymous(), &proof, lifetime).await;
    signed_in(
        &state,
        jar_out,
        &addr,
        result,
        "",
        "password",
        Some(&pending.next),
        true,
    )
}

async fn audit_refusal(state: &SharedState, meta: &Meta, p: &OidcProvider, reason: &str) {
    let entry = crate::audit::Entry::new("auth.sign_in_refused", "session")
        .summary(serde_json::json!({"provider": p.name, "reason": reason}));
    if let Err(e) = crate::audit::store::record_alone(&state.db, &meta.anonymous(), entry).await {
        tracing::error!(error = %e, "audit of a refused sign-in failed");
    }
}

/// The providers an identity may be linked for.
fn known(state: &SharedState) -> Vec<&str> {
    let mut k: Vec<&str> = state.config.oidc.iter().map(|p| p.id.as_str()).collect();
    if state.config.ldap.is_some() {
        k.push(LDAP_PROVIDER);
    }
    k
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkInput {
    /// The configured provider id (`ldap` for the directory).
    #[serde(default)]
    pub provider: String,
    /// The person's identifier at that provider (its configured identifying claim).
    #[serde(default)]
    pub subject: String,
}

/// The account page's form (its `_csrf` field is read by `CsrfForm`).
#[derive(Deserialize, Default)]
pub struct LinkForm {
    #[serde(default)]
    provider: String,
    #[serde(default)]
    subject: String,
}

async fn link_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    IdPath(Id(id)): IdPath<Id>,
    CsrfForm(form): CsrfForm<LinkForm>,
) -> crate::web::page::PageResult {
    let result = external::link(
        &state.db,
        &cu.actor,
        &cu.who,
        id,
        &form.provider,
        &form.subject,
        &known(&state),
    )
    .await;
    crate::web::page::after_step(result, &format!("/users/{id}?msg=identity_linked"), |msg| {
        crate::users::http::show_with_error(&state, &cu, id, msg)
    })
    .await
}

#[derive(Deserialize, Default)]
pub struct UnlinkForm {
    #[serde(default)]
    provider: String,
}

async fn unlink_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    IdPath(Id(id)): IdPath<Id>,
    CsrfForm(form): CsrfForm<UnlinkForm>,
) -> crate::web::page::PageResult {
    external::unlink(&state.db, &cu.actor, &cu.who, id, &form.provider).await?;
    Ok(Redirect::to(&format!("/users/{id}?msg=identity_unlinked")).into_response())
}

/// The identities linked to an account (system administrator).
#[utoipa::path(get, path = "/api/v1/users/{id}/identities", tag = "users", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<LinkedIdentity>), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_identities(
    State(state): State<SharedState>,
    u: ApiUser,
    IdPath(Id(id)): IdPath<Id>,
) -> AppResult<Json<Vec<LinkedIdentity>>> {
    u.actor
        .require(crate::access::Resource::User, crate::access::Action::Update)?;
    Ok(Json(external::identities_of(&state.db, id).await?))
}

/// Link an identity at a configured provider to the account (system administrator). It grants
/// no role.
#[utoipa::path(post, path = "/api/v1/users/{id}/identities", tag = "users", params(("id" = i64, Path)), request_body = LinkInput,
    responses((status = 204), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_link(
    State(state): State<SharedState>,
    u: ApiUser,
    IdPath(Id(id)): IdPath<Id>,
    ApiJson(input): ApiJson<LinkInput>,
) -> AppResult<StatusCode> {
    external::link(
        &state.db,
        &u.actor,
        &u.who,
        id,
        &input.provider,
        &input.subject,
        &known(&state),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Remove the account's identity at a provider (system administrator).
#[utoipa::path(delete, path = "/api/v1/users/{id}/identities/{provider}", tag = "users", params(("id" = i64, Path), ("provider" = String, Path)),
    responses((status = 204), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_unlink(
    State(state): State<SharedState>,
    u: ApiUser,
    IdPath((Id(id), provider)): IdPath<(Id, String)>,
) -> AppResult<StatusCode> {
    external::unlink(&state.db, &u.actor, &u.who, id, &provider).await?;
    Ok(StatusCode::NO_CONTENT)
}
