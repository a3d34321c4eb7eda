//! `/metrics`: Prometheus text for operators (issue #13). Request rate and latency by route,
//! the connection pool, the deadline scheduler's passes, and the deadlines open, due soon and
//! missed, so an operator sees that the platform is healthy and that the clocks are watched.
//! Answered only to the bearer of `metrics_token`; without one configured it does not exist.

use std::sync::atomic::Ordering;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use sqlx::Row;

use super::SharedState;
use super::extract::constant_eq;
use crate::deadline::scheduler::{LAST_PASS, PASSES_FAILED, PASSES_OK};

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    /// The route as declared (`/api/v1/cases/{id}`), never the raw path: ids would make one
    /// series per record.
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StateLabels {
    state: String,
}

pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RequestLabels, Histogram>,
    pool_size: Gauge,
    pool_idle: Gauge,
    pool_max: Gauge,
    passes: Family<StateLabels, Counter>,
    last_pass: Gauge,
    deadlines: Family<StateLabels, Gauge>,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("shuangda");
        let requests = Family::<RequestLabels, Counter>::default();
        // 0.5 ms to about 16 s.
        let latency = Family::<RequestLabels, Histogram>::new_with_constructor(|| {
            Histogram::new(exponential_buckets(0.0005, 2.0, 16))
        });
        registry.register(
            "http_requests",
            "HTTP requests answered, by method, route and status",
            requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "Time to answer an HTTP request, by method, route and status",
            latency.clone(),
        );
        let m = Metrics {
            registry,
            requests,
            latency,
            pool_size: Gauge::default(),
            pool_idle: Gauge::default(),
            pool_max: Gauge::default(),
            passes: Family::default(),
            last_pass: Gauge::default(),
            deadlines: Family::default(),
        };
        let mut m = m;
        let (size, idle, max) = (m.pool_size.clone(), m.pool_idle.clone(), m.pool_max.clone());
        m.registry
            .register("db_pool_connections", "Database connections open", size);
        m.registry.register(
            "db_pool_idle_connections",
            "Database connections idle",
            idle,
        );
        m.registry.register(
            "db_pool_max_connections",
            "Database connections the pool may open",
            max,
        );
        let (passes, last) = (m.passes.clone(), m.last_pass.clone());
        m.registry.register(
            "scheduler_passes",
            "Deadline scheduler passes run by this instance since it started, by outcome (state = ok or failed)",
            passes,
        );
        m.registry.register(
            "scheduler_last_pass_timestamp_seconds",
            "When this instance's last successful deadline pass ended (Unix time; 0 before the first)",
            last,
        );
        let deadlines = m.deadlines.clone();
        m.registry.register(
            "deadlines",
            "Deadlines by state: open (suspended included), due_soon (open and reminded), suspended, missed, met, waived",
            deadlines,
        );
        m
    }
}

/// Count and time every request under its declared route.
pub async fn track(State(state): State<SharedState>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |p| p.as_str().to_string());
    // Only the methods the platform answers become labels: any other would let a client grow
    // the series without bound.
    let method = match req.method().as_str() {
        m @ ("GET" | "POST" | "PUT" | "DELETE" | "HEAD" | "PATCH" | "OPTIONS") => m,
        _ => "OTHER",
    }
    .to_string();
    let started = Instant::now();
    let res = next.run(req).await;
    let labels = RequestLabels {
        method,
        route,
        status: res.status().as_u16(),
    };
    state.metrics.requests.get_or_create(&labels).inc();
    state
        .metrics
        .latency
        .get_or_create(&labels)
        .observe(started.elapsed().as_secs_f64());
    res
}

/// GET /metrics.
pub async fn serve(State(state): State<SharedState>, headers: axum::http::HeaderMap) -> Response {
    let Some(expected) = state.config.metrics_token.as_deref() else {
        return super::page::not_found(axum::http::Uri::from_static("/metrics")).await;
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    if !constant_eq(given.as_bytes(), expected.as_bytes()) {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
            "metrics need the configured bearer token\n",
        )
            .into_response();
    }
    let m = &state.metrics;
    let pool = &state.db.pool;
    m.pool_size.set(i64::from(pool.size()));
    m.pool_idle.set(pool.num_idle() as i64);
    m.pool_max
        .set(i64::from(pool.options().get_max_connections()));
    // The scheduler counts its passes in statics; the counters catch up with them (they only
    // ever grow), one scrape at a time so two cannot both add the same difference.
    {
        static CATCH_UP: std::sync::Mutex<()> = std::sync::Mutex::new(());
        let _one = CATCH_UP.lock().unwrap_or_else(|e| e.into_inner());
        for (state, total) in [("ok", &PASSES_OK), ("failed", &PASSES_FAILED)] {
            let counter = m.passes.get_or_create(&StateLabels {
                state: state.into(),
            });
            let total = total.load(Ordering::Relaxed);
            counter.inc_by(total.saturating_sub(counter.get()));
        }
    }
    m.last_pass.set(LAST_PASS.load(Ordering::Relaxed));
    match deadline_counts(&state).await {
        Ok(counts) => {
            for (s, n) in counts {
                m.deadlines.get_or_create(&StateLabels { state: s }).set(n);
            }
        }
        Err(e) => tracing::warn!(error = %e, "metrics: counting deadlines failed"),
    }
    let mut body = String::new();
    if encode(&mut body, &m.registry).is_err() {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        )],
        body,
    )
        .into_response()
}

/// Deadlines per state, every state present (0 when none): `open` (running, suspended ones
/// included), of those `due_soon` (reminded) and `suspended`, `missed`, `met` and `waived`.
async fn deadline_counts(state: &SharedState) -> Result<Vec<(String, i64)>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT state, COUNT(*), \
         SUM(CASE WHEN reminded_at IS NOT NULL THEN 1 ELSE 0 END), \
         SUM(CASE WHEN suspended_since IS NOT NULL THEN 1 ELSE 0 END) \
         FROM deadlines GROUP BY state",
    )
    .fetch_all(&state.db.pool)
    .await?;
    let mut out: Vec<(String, i64)> = ["open", "due_soon", "suspended", "missed", "met", "waived"]
        .iter()
        .map(|s| (s.to_string(), 0))
        .collect();
    let mut set = |key: &str, n: i64| {
        if let Some(slot) = out.iter_mut().find(|(k, _)| k == key) {
            slot.1 = n;
        }
    };
    for r in rows {
        let s: String = r.try_get(0)?;
        set(&s, r.try_get(1)?);
        if s == "open" {
            set("due_soon", r.try_get::<Option<i64>, _>(2)?.unwrap_or(0));
            set("suspended", r.try_get::<Option<i64>, _>(3)?.unwrap_or(0));
        }
    }
    Ok(out)
}
