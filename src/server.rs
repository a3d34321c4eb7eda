//! Running the server: logging, database, migrations, first-run bootstrap, serving with
//! graceful shutdown.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;

use crate::config::Config;
use crate::context::Ctx;
use crate::db::{self, Db};
use crate::web::{self, AppState, SharedState};

pub fn init_logging(format: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    // A second initialisation (tests) is harmless; ignore it.
    let _ = if format == "json" {
        builder.json().flatten_event(true).try_init()
    } else {
        builder.try_init()
    };
}

/// Connect and migrate, creating the SQLite data directory if needed.
pub async fn open_db(config: &Config) -> anyhow_lite::Result<Db> {
    if config.database_url.starts_with("sqlite:") {
        std::fs::create_dir_all(&config.data_dir)
            .map_err(|e| format!("无法创建数据目录 {}: {e}", config.data_dir.display()))?;
    }
    let db = Db::connect_with(
        &config.database_url,
        config.db_max_connections,
        config.sqlite_synchronous,
    )
    .await
    .map_err(|e| {
        format!(
            "无法连接数据库 {}: {e}",
            db::redact_url(&config.database_url)
        )
    })?;
    db::migrate(&db)
        .await
        .map_err(|e| format!("数据库迁移失败: {e}"))?;
    Ok(db)
}

/// Serve until SIGINT/SIGTERM, then finish in-flight requests.
pub async fn serve(state: SharedState, listener: TcpListener) -> std::io::Result<()> {
    serve_with_public(state, listener, None).await
}

/// Serve the platform on `listener` and, when given, the public site alone on `public` (its
/// own address, which an office may expose to the internet while the platform stays on the
/// government network).
pub async fn serve_with_public(
    state: SharedState,
    listener: TcpListener,
    public: Option<TcpListener>,
) -> std::io::Result<()> {
    if let Some(day) = state.clock.set_to() {
        tracing::warn!(
            today = %day,
            "the clock is set (SHUANGDA_TODAY / today): the platform acts as if today were {day}; \
             production must leave it unset"
        );
    }
    if let Err(e) = state.reload_calendar().await {
        tracing::error!(error = %e, "could not load stored holiday years; using the shipped ones");
    }
    // Background jobs live exactly as long as this future, even when it is dropped.
    let mut jobs = vec![
        crate::deadline::scheduler::spawn(state.ctx.clone(), Duration::from_secs(60)),
        spawn_session_purge(state.ctx.clone()),
        crate::search::spawn(state.ctx.clone(), Duration::from_secs(1)),
    ];
    match crate::notify::mail::Mailer::from_config(&state.config) {
        Ok(Some(mailer)) => {
            tracing::info!("e-mail notifications on");
            jobs.push(crate::notify::mail::spawn(
                state.ctx.clone(),
                mailer,
                Duration::from_secs(30),
            ));
        }
        Ok(None) => {}
        Err(e) => tracing::error!(error = %e, "e-mail notifications off: bad configuration"),
    }
    if state.config.public_notices {
        let mailer = crate::notify::mail::Mailer::from_config(&state.config).unwrap_or(None);
        let hook = state.config.public_notice_hook.clone();
        if mailer.is_none() && hook.is_none() {
            tracing::warn!(
                "public_notices is on but neither smtp_url nor public_notice_hook is set: no \
                 reporter is notified"
            );
        } else {
            let site = state
                .config
                .public_site_url
                .clone()
                .unwrap_or_else(|| state.config.public_url.clone());
            jobs.push(crate::public_reports::notices::spawn(
                state.ctx.clone(),
                crate::public_reports::notices::Channels::new(mailer, hook, &site),
                Duration::from_secs(30),
            ));
        }
    }
    let _jobs = AbortOnDrop(jobs);
    // Both listeners stop on the same signal and finish their requests: a submission under
    // way when the server stops still answers with its tracking number and password.
    let public = public.map(|l| {
        let app =
            web::public_router(state.clone()).into_make_service_with_connect_info::<SocketAddr>();
        tokio::spawn(async move {
            if let Err(e) = axum::serve(l, app)
                .with_graceful_shutdown(shutdown_signal())
                .await
            {
                tracing::error!(error = %e, "the public site stopped");
            }
        })
    });
    let app = web::router(state).into_make_service_with_connect_info::<SocketAddr>();
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await;
    if let Some(mut public) = public {
        // The main listener may stop for another reason (an error): the public one then
        // gets 30 seconds to finish, as the time limit of a request.
        if tokio::time::timeout(Duration::from_secs(30), &mut public)
            .await
            .is_err()
        {
            public.abort();
        }
    }
    served
}

struct AbortOnDrop(Vec<tokio::task::JoinHandle<()>>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        for h in &self.0 {
            h.abort();
        }
    }
}

/// Every ten minutes, from the start: expired sessions and abandoned provider sign-ins removed.
fn spawn_session_purge(ctx: Arc<Ctx>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(600));
        loop {
            tick.tick().await;
            if let Err(e) = crate::auth::session::purge_expired(&ctx.db, ctx.clock.now()).await {
                tracing::warn!(error = %e, "session purge failed");
            }
            if let Err(e) = crate::auth::external::purge_pending(&ctx.db, ctx.clock.now()).await {
                tracing::warn!(error = %e, "pending sign-in purge failed");
            }
        }
    })
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}

/// The operation context for this configuration: its clock (the wall clock unless `today` is
/// set) and its fonts.
pub fn context(db: Db, config: &Config) -> Arc<Ctx> {
    Arc::new(
        Ctx::new(db, config.clock(), config.fonts_dir.clone())
            .with_document_review(config.document_review)
            .with_search_dir(Some(config.search_dir())),
    )
}

pub fn state(db: Db, config: Config) -> SharedState {
    AppState::new(context(db, &config), config)
}

/// Minimal string-error result for start-up paths, where the message goes straight to the
/// operator.
pub mod anyhow_lite {
    pub type Result<T> = std::result::Result<T, String>;
}
