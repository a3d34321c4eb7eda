//! HTTP edge: the router, shared state, middleware, and the helpers handlers share.

pub mod assets;
pub mod control;
pub mod extract;
pub mod files;
pub mod filter;
pub mod form;
pub mod menu;
pub mod metrics;
pub mod openapi;
pub mod page;
pub mod period;
pub mod step;

use std::sync::Arc;
use std::time::Duration;
use utoipa_axum::router::OpenApiRouter;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Json};
use axum::routing::get;
use tower_http::LatencyUnit;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnFailure, DefaultOnResponse, TraceLayer};

use crate::auth::throttle::AddressLimiter;
use crate::config::Config;
use crate::context::Ctx;

/// The HTTP edge's state: the operation context and what only the edge needs.
pub struct AppState {
    pub ctx: Arc<Ctx>,
    pub config: Config,
    pub sign_in_limiter: AddressLimiter,
    /// Sign-ins started at an identity provider per client address (each writes a pending
    /// row): 60 per 5 minutes.
    pub sso_start_limiter: AddressLimiter,
    /// Reports and complaints submitted per client address: per hour.
    pub public_submit_limiter: AddressLimiter,
    /// Failed tracking lookups per client address: per 5 minutes.
    pub public_lookup_limiter: AddressLimiter,
    /// Receipts rendered per client address (each a PDF): 30 per 5 minutes.
    pub public_receipt_limiter: AddressLimiter,
    /// A person's record looked up per user (`enterprises::PERSON_LOOKUPS_PER_HOUR` an hour):
    /// a lookup confirms a guessed number, so guessing the hidden birth date of a masked one
    /// is bounded.
    pub person_lookup_limiter: AddressLimiter,
    /// Sign-in through the identity platform (OpenID Connect, LDAP).
    pub federation: crate::auth::sso::Federation,
    /// `Strict-Transport-Security`, sent when the platform is served over HTTPS.
    hsts: Option<HeaderValue>,
    pub metrics: metrics::Metrics,
}

pub type SharedState = Arc<AppState>;

impl AppState {
    pub fn new(ctx: Arc<Ctx>, config: Config) -> SharedState {
        let limiter = AddressLimiter::new(
            config.sign_in_attempts_per_address,
            Duration::from_secs(300),
        );
        let hsts = (config.cookie_secure && config.hsts_max_age_seconds > 0)
            .then(|| HeaderValue::from_str(&format!("max-age={}", config.hsts_max_age_seconds)))
            .and_then(Result::ok);
        // The server checks the configuration before it gets here (server.rs); a state built
        // without that check (tests) gets no external sign-in rather than a panic.
        let federation = crate::auth::sso::Federation::from_config(&config).unwrap_or_else(|e| {
            tracing::error!(error = %e, "external sign-in configuration unusable");
            crate::auth::sso::Federation::none()
        });
        let public_submit_limiter = AddressLimiter::new(
            config.public_submissions_per_address,
            Duration::from_secs(3600),
        );
        let public_lookup_limiter = AddressLimiter::new(
            config.public_lookup_failures_per_address,
            Duration::from_secs(300),
        );
        Arc::new(AppState {
            federation,
            ctx,
            config,
            sign_in_limiter: limiter,
            sso_start_limiter: AddressLimiter::new(60, Duration::from_secs(300)),
            public_submit_limiter,
            public_lookup_limiter,
            public_receipt_limiter: AddressLimiter::new(30, Duration::from_secs(300)),
            person_lookup_limiter: AddressLimiter::new(
                crate::enterprises::PERSON_LOOKUPS_PER_HOUR,
                Duration::from_secs(3600),
            ),
            hsts,
            metrics: metrics::Metrics::default(),
        })
    }
}

/// Handlers reach the context's database, calendar, renderer and clock through the state.
impl std::ops::Deref for AppState {
    type Target = Ctx;
    fn deref(&self) -> &Ctx {
        &self.ctx
    }
}

pub static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Every route: the pages, and the API handlers, each routed and documented by its own
/// `#[utoipa::path]` (declared once; `openapi::document` is built from the same routes).
pub fn routes() -> OpenApiRouter<SharedState> {
    use utoipa::OpenApi;
    OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .merge(crate::auth::http::routes())
        .merge(crate::auth::sso::routes())
        .merge(crate::notify::http::routes())
        .merge(crate::units::http::routes())
        .merge(crate::users::http::routes())
        .merge(crate::audit::http::routes())
        .merge(crate::calendar::http::routes())
        .merge(crate::deadline::http::routes())
        .merge(crate::cases::http::routes())
        .merge(crate::linkage::http::routes())
        .merge(crate::tasks::http::routes())
        .merge(crate::meetings::http::routes())
        .merge(crate::circulars::http::routes())
        .merge(crate::drafting::http::routes())
        .merge(crate::documents::http::routes())
        .merge(crate::inspections::http::routes())
        .merge(crate::reports::http::routes())
        .merge(crate::composition::http::routes())
        .merge(crate::plans::http::routes())
        .merge(crate::search::http::routes())
        .merge(crate::public_reports::http::routes())
        .merge(crate::public_reports::http::public_routes())
        .merge(crate::penalties::http::routes())
        .merge(crate::penalties::settings::routes())
        .merge(crate::statistics::http::routes())
        .merge(crate::penalties::http::public_routes())
        .merge(crate::enterprises::http::routes())
        .merge(crate::activities::http::routes())
        .merge(crate::campaigns::http::routes())
        .merge(crate::typical_cases::http::routes())
        .merge(crate::typical_cases::http::public_routes())
        .merge(crate::direct_reports::http::routes())
        .merge(crate::assessment::http::routes())
        .merge(crate::exports::http::routes())
}

/// The pages' Content-Security-Policy. Forms post to the platform only — and to the configured
/// identity providers' origins, because signing out ends the provider's session too: the sign-out
/// form's answer redirects there, and browsers hold a form's redirects to `form-action` (a
/// Chromium without them left the person on the page, signed out only on the server).
fn content_security_policy(config: &crate::config::Config) -> HeaderValue {
    let providers: Vec<String> = config
        .oidc
        .iter()
        .filter_map(|p| reqwest::Url::parse(&p.issuer).ok())
        .map(|u| u.origin().ascii_serialization())
        .filter(|o| o != "null")
        .collect();
    let form_action = std::iter::once("'self'".to_string())
        .chain(providers)
        .collect::<Vec<_>>()
        .join(" ");
    let csp = format!(
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action {form_action}; base-uri 'none'"
    );
    HeaderValue::from_str(&csp).unwrap_or_else(|_| {
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
        )
    })
}

pub fn router(state: SharedState) -> Router {
    let (routes, _) = routes().split_for_parts();
    let routes = routes
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/api/v1/openapi.json", get(openapi::serve))
        .route("/metrics", get(metrics::serve))
        .route("/assets/{*file}", get(assets::serve))
        .fallback(page::not_found)
        .layer(axum::middleware::from_fn(page::public_path_errors));
    harden(routes, state)
}

/// The public site's router, for the public listener (`public_bind`): the public pages and
/// their API, the assets and the health check — and nothing else, so that no internal page is
/// reachable through it, whatever the internal routes become.
pub fn public_router(state: SharedState) -> Router {
    let (routes, _) = OpenApiRouter::<SharedState>::new()
        .merge(crate::public_reports::http::public_routes())
        .merge(crate::penalties::http::public_routes())
        .merge(crate::typical_cases::http::public_routes())
        .split_for_parts();
    let routes = routes
        .route(
            "/",
            get(|| async { axum::response::Redirect::to("/public") }),
        )
        .route("/healthz", get(healthz))
        .route("/assets/{*file}", get(assets::serve))
        .fallback(page::not_found)
        .layer(axum::middleware::from_fn(page::public_errors));
    harden(routes, state)
}

/// The layers every listener's routes go through: limits, time-out, metrics, security and
/// transport headers, request ids and the request log.
fn harden(routes: Router<SharedState>, state: SharedState) -> Router {
    let max_body = state.config.max_body_bytes;
    routes
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            control::guard,
        ))
        // Extractors (forms, JSON) take at most `max_body`; upload routes raise their own
        // limit, so the outer hard limit leaves room for them.
        .layer(DefaultBodyLimit::max(max_body))
        .layer(RequestBodyLimitLayer::new(
            max_body.max(files::UPLOAD_BODY_LIMIT),
        ))
        // The hard limit answers in plain text; say it as every other refusal is said.
        .layer(axum::middleware::from_fn(plain_refusals))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(30),
        ))
        // Outside the time limit, the control guard and the body limits, so that what they
        // refuse (408, 413, a switched-off route) is counted too.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            metrics::track,
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            content_security_policy(&state.config),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            transport_headers,
        ))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID.clone()))
        .layer(
            // One line per request at the default level (status and latency), with the request
            // id the audit records carry.
            TraceLayer::new_for_http()
                .make_span_with(|req: &axum::http::Request<_>| {
                    let id = req
                        .headers()
                        .get(&REQUEST_ID)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("-");
                    tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id)
                })
                .on_request(())
                .on_response(
                    DefaultOnResponse::new()
                        .level(tracing::Level::INFO)
                        .latency_unit(LatencyUnit::Micros),
                )
                .on_failure(DefaultOnFailure::new().level(tracing::Level::WARN)),
        )
        .layer(SetRequestIdLayer::new(REQUEST_ID.clone(), MakeRequestUuid))
        .with_state(state)
}

/// A request refused by the outer body limit gets the error body of the API (JSON with its
/// code) or the error page, as a refusal by a handler does, instead of tower-http's plain text.
async fn plain_refusals(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let api = req.uri().path().starts_with("/api/");
    let res = next.run(req).await;
    if res.status() != StatusCode::PAYLOAD_TOO_LARGE
        || res.headers().contains_key(header::CONTENT_TYPE)
    {
        return res;
    }
    if api {
        crate::error::AppError::PayloadTooLarge.into_response()
    } else {
        page::error_page(crate::error::AppError::PayloadTooLarge)
    }
}

/// Nothing the platform answers is kept by a browser or a proxy cache (等保 2.0: residual
/// information), except the static assets, which say otherwise themselves; over HTTPS the
/// browser is told to use nothing else.
async fn transport_headers(
    State(state): State<SharedState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if let Some(v) = &state.hsts {
        h.insert(header::STRICT_TRANSPORT_SECURITY, v.clone());
    }
    res
}

async fn healthz() -> impl IntoResponse {
    Json(serde_json::json!({"status": "ok"}))
}

/// Ready when the database answers and every migration is applied.
async fn readyz(State(state): State<SharedState>) -> impl IntoResponse {
    let db_ok = state.db.ping().await;
    let pending = if db_ok {
        crate::db::pending_migrations(&state.db).await.ok()
    } else {
        None
    };
    let ready = db_ok && pending == Some(0);
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        Json(serde_json::json!({
            "status": if ready { "ready" } else { "not_ready" },
            "database": if db_ok { "ok" } else { "unreachable" },
            "pending_migrations": pending,
        })),
    )
}
