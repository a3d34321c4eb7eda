//! Extractors: who is asking (session cookie for pages, bearer token for the API), request
//! metadata for the audit trail, CSRF-checked forms and strict JSON bodies.

use std::net::SocketAddr;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;

use super::{REQUEST_ID, SharedState};
use crate::access::Actor;
use crate::audit::Who;
use crate::auth::{session, token};
use crate::error::AppError;

pub const SESSION_COOKIE: &str = "sd_session";

/// Request id and client address, for the audit trail.
/// Request id, client address, and the instant the request acts at (from the context clock).
#[derive(Debug, Clone)]
pub struct Meta {
    pub request_id: Option<String>,
    pub client_addr: Option<String>,
    pub at: DateTime<Utc>,
}

impl Meta {
    pub fn from_parts(parts: &Parts, trust_forwarded: bool, at: DateTime<Utc>) -> Meta {
        let request_id = parts
            .headers
            .get(&REQUEST_ID)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let forwarded = trust_forwarded
            .then(|| {
                parts
                    .headers
                    .get("x-forwarded-for")
                    .and_then(|v| v.to_str().ok())
                    // The right-most address is the one the trusted proxy saw; those to its
                    // left are whatever the client wrote.
                    .and_then(|v| v.rsplit(',').next())
                    .map(|s| s.trim().to_string())
            })
            .flatten();
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip().to_string());
        Meta {
            request_id,
            client_addr: forwarded.or(peer),
            at,
        }
    }

    pub fn anonymous(&self) -> Who {
        Who {
            user_id: None,
            name: "匿名".into(),
            unit_id: None,
            request_id: self.request_id.clone(),
            client_addr: self.client_addr.clone(),
            at: self.at,
            signing: None,
            approval: None,
        }
    }
}

impl FromRequestParts<SharedState> for Meta {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &SharedState,
    ) -> Result<Self, Self::Rejection> {
        Ok(Meta::from_parts(
            parts,
            state.config.trust_forwarded_for,
            state.clock.now(),
        ))
    }
}

/// The CSRF token of the request's session, left in the request for `CsrfForm`.
#[derive(Clone)]
struct SessionCsrf(String);

/// A signed-in user of the web pages.
pub struct CurrentUser {
    pub actor: Actor,
    pub csrf: String,
    pub who: Who,
    /// What waits for the user, counted for the navigation on every page.
    pub counts: crate::notify::store::Counts,
}

pub enum PageRejection {
    SignIn(String),
    ChangePassword,
    Error(AppError),
}

impl IntoResponse for PageRejection {
    fn into_response(self) -> Response {
        match self {
            PageRejection::SignIn(next) => {
                let target = if next == "/" || next.is_empty() {
                    "/login".to_string()
                } else {
                    format!("/login?next={}", urlencode(&next))
                };
                Redirect::to(&target).into_response()
            }
            PageRejection::ChangePassword => Redirect::to("/password").into_response(),
            PageRejection::Error(e) => super::page::error_page(e),
        }
    }
}

pub fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

impl FromRequestParts<SharedState> for CurrentUser {
    type Rejection = PageRejection;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &SharedState,
    ) -> Result<Self, Self::Rejection> {
        let now = state.clock.now();
        let path = parts.uri.path().to_string();
        let jar = CookieJar::from_headers(&parts.headers);
        let Some(token) = jar.get(SESSION_COOKIE).map(|c| c.value().to_string()) else {
            return Err(PageRejection::SignIn(path));
        };
        let idle = chrono::Duration::minutes(state.config.session_idle_minutes);
        let found = session::find(&state.db, &token, idle, now)
            .await
            .map_err(|e| PageRejection::Error(e.into()))?;
        let Some(found) = found else {
            return Err(PageRejection::SignIn(path));
        };
        let actor = found.actor;
        if found.must_change_password && path != "/password" && path != "/logout" {
            return Err(PageRejection::ChangePassword);
        }
        let meta = Meta::from_parts(parts, state.config.trust_forwarded_for, now);
        parts.extensions.insert(SessionCsrf(found.csrf.clone()));
        let who = Who::actor(&actor, meta.request_id, meta.client_addr, now);
        let counts = crate::notify::store::counts(&state.db, &actor, state.clock.today())
            .await
            .map_err(|e| PageRejection::Error(e.into()))?;
        Ok(CurrentUser {
            actor,
            csrf: found.csrf,
            who,
            counts,
        })
    }
}

/// A caller of the JSON API, authenticated by `Authorization: Bearer sdt_…`.
pub struct ApiUser {
    pub actor: Actor,
    pub who: Who,
}

impl FromRequestParts<SharedState> for ApiUser {
    type Rejection = AppError;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &SharedState,
    ) -> Result<Self, Self::Rejection> {
        let now = state.clock.now();
        let bearer = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or(AppError::Unauthorized)?;
        let actor = token::authenticate_actor(&state.db, bearer, now)
            .await?
            .ok_or(AppError::Unauthorized)?;
        let meta = Meta::from_parts(parts, state.config.trust_forwarded_for, now);
        let who = Who::actor(&actor, meta.request_id, meta.client_addr, now);
        Ok(ApiUser { actor, who })
    }
}

/// A URL-encoded form whose `_csrf` field must match the session's token. Must follow a
/// `CurrentUser` among the handler's arguments.
pub struct CsrfForm<T>(pub T);

impl<T: DeserializeOwned> FromRequest<SharedState> for CsrfForm<T> {
    type Rejection = Response;
    async fn from_request(req: Request, state: &SharedState) -> Result<Self, Self::Rejection> {
        let expected = req.extensions().get::<SessionCsrf>().cloned();
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|_| super::page::error_page(AppError::PayloadTooLarge))?;
        let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes).map_err(|_| {
            super::page::error_page(AppError::bad_request("invalid_form", "表单格式错误"))
        })?;
        let given = pairs.iter().find(|(k, _)| k == "_csrf").map(|(_, v)| v);
        match (expected, given) {
            (Some(SessionCsrf(e)), Some(g)) if constant_eq(e.as_bytes(), g.as_bytes()) => {}
            _ => return Err(super::page::error_page(AppError::Csrf)),
        }
        if let Some((k, _)) = pairs
            .iter()
            .find(|(k, v)| super::control::bad(k) || super::control::bad(v))
        {
            return Err(super::page::error_page(super::control::refused(k)));
        }
        serde_urlencoded::from_bytes(&bytes)
            .map(CsrfForm)
            .map_err(|e| {
                super::page::error_page(AppError::bad_request(
                    "invalid_form",
                    format!("表单格式错误：{e}"),
                ))
            })
    }
}

pub fn constant_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A JSON body: malformed JSON, wrong types and unknown fields become 400 `invalid_json` with
/// the reason; a missing content type 415-style 400 `unsupported_media_type`.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned> FromRequest<SharedState> for ApiJson<T> {
    type Rejection = AppError;
    async fn from_request(req: Request, state: &SharedState) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"));
        if !is_json {
            return Err(AppError::bad_request(
                "unsupported_media_type",
                "请求体须为 JSON（Content-Type: application/json）",
            ));
        }
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|_| AppError::PayloadTooLarge)?;
        let invalid = |e: serde_json::Error| {
            AppError::bad_request("invalid_json", format!("JSON 格式或字段有误：{e}"))
        };
        let value: serde_json::Value = serde_json::from_slice(&bytes).map_err(invalid)?;
        if let Some(field) = super::control::in_json(&value, "") {
            return Err(super::control::refused(&field));
        }
        serde_json::from_value(value).map(ApiJson).map_err(invalid)
    }
}

/// Query parameters. A query that does not parse (a key twice, a value of the wrong type) is
/// bad input like any other: 400 with the error body in the API, an error page on pages, never
/// the framework's plain text.
pub struct Query<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Query<T> {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(Query(v)),
            Err(e) => {
                let err = AppError::bad_request(
                    "invalid_query",
                    format!("查询参数有误：{}", e.body_text()),
                );
                Err(if parts.uri.path().starts_with("/api/") {
                    err.into_response()
                } else {
                    super::page::error_page(err)
                })
            }
        }
    }
}

/// A record's id in the path: a positive integer. Anything else names no record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Id(pub i64);

impl<'de> serde::Deserialize<'de> for Id {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let n = i64::deserialize(d)?;
        if n > 0 {
            Ok(Id(n))
        } else {
            Err(serde::de::Error::custom("not a record id"))
        }
    }
}

/// Path parameters holding record ids ([`Id`], alone or in a tuple with other parameters). A
/// malformed id is a record that does not exist: 404 (a page on pages, the error body in the
/// API), never 400, so probing ids tells nothing more than asking for a missing one.
pub struct IdPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for IdPath<T> {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(IdPath(v)),
            Err(_) => Err(super::page::not_found(parts.uri.clone()).await),
        }
    }
}

/// A record id given as text with a suffix (`7.pdf`); anything but a positive integer is
/// simply not found.
pub fn path_id(raw: &str) -> Result<i64, AppError> {
    raw.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or(AppError::NotFound)
}

/// The page asked for, on lists that page without other filters (`?page=2`; from 1).
#[derive(serde::Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// The page, from 1.
    pub page: Option<String>,
}

impl PageQuery {
    /// The window of `size` rows this query asks for.
    pub fn window(&self, size: i64) -> crate::db::query::Window {
        crate::db::query::Window::page(super::page::page_number(self.page.as_deref()), size)
    }
}

/// Every list the API answers, in one shape: the page's items, the page number (from 1), and
/// whether a next page exists; lists that count their matches also give the total. Lists
/// short enough to come whole are page 1 with no next page.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub page: i64,
    pub has_more: bool,
    /// All matches, where the list counts them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<i64>,
}

impl<T> Page<T> {
    pub fn of(items: Vec<T>, page: i64, has_more: bool) -> Self {
        Page {
            items,
            page,
            has_more,
            total: None,
        }
    }

    /// A list that comes whole.
    pub fn all(items: Vec<T>) -> Self {
        Page::of(items, 1, false)
    }

    /// The window `w` of a list whose store read one row past it (`db::query::Window`).
    pub fn window(rows: Vec<T>, w: crate::db::query::Window) -> Self {
        let (items, has_more) = w.cut(rows);
        Page::of(items, w.page, has_more)
    }

    /// A page of `page_size` out of `total` matches.
    pub fn counted(items: Vec<T>, page: i64, page_size: i64, total: i64) -> Self {
        Page {
            items,
            page,
            has_more: page.saturating_mul(page_size) < total,
            total: Some(total),
        }
    }
}

/// The answer to an API call that made a record: its id (with status 201).
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Created {
    pub id: i64,
}
