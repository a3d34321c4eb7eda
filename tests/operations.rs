//! What an IT department relies on: durable commits, backups taken while the server writes and
//! restored to a database that verifies, responses no cache keeps, HSTS over HTTPS, and a
//! request log at the default level.

mod common;

use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{App, PASSWORD, each_db};
use shuangda::audit::{self, Entry};
use shuangda::db::{Db, Dialect};
use tower::ServiceExt;

/// An acknowledged write survives power loss: SQLite syncs its log at every commit
/// (synchronous = FULL), PostgreSQL waits for the WAL flush (synchronous_commit = on).
#[tokio::test]
async fn commits_are_durable_by_default() {
    each_db(false, |app| async move {
        match app.db.dialect {
            Dialect::Sqlite => {
                // Every pooled connection, not only the first.
                let mut conns = Vec::new();
                for _ in 0..3 {
                    conns.push(app.db.pool.acquire().await.expect("connection"));
                }
                for c in conns.iter_mut() {
                    let level: i64 = sqlx::query_scalar("PRAGMA synchronous")
                        .fetch_one(&mut **c)
                        .await
                        .expect("pragma");
                    assert_eq!(level, 2, "synchronous = FULL");
                }
            }
            Dialect::Postgres => {
                let v: String = sqlx::query_scalar("SHOW synchronous_commit")
                    .fetch_one(&app.db.pool)
                    .await
                    .expect("show");
                assert_eq!(v, "on");
            }
        }
    })
    .await;
}

/// The command's exit code and everything it printed.
fn cli(url: &str, args: &[&str]) -> (i32, String) {
    let (code, out, err) = common::cli(url, args);
    (code, format!("{out}{err}"))
}

/// A database to restore into, beside the app's own: a file on SQLite, a new database on
/// PostgreSQL (dropped by the returned guard's owner).
async fn restore_target(app: &App, dir: &std::path::Path, name: &str) -> String {
    match app.db.dialect {
        Dialect::Sqlite => format!("sqlite:{}", dir.join(format!("{name}.db")).display()),
        Dialect::Postgres => {
            let db = format!("{}_{name}", app.url.rsplit('/').next().expect("db name"));
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {db}")))
                .execute(&app.db.pool)
                .await
                .expect("create restore target");
            let base = app.url.rsplit_once('/').expect("url").0;
            format!("{base}/{db}")
        }
    }
}

async fn drop_target(app: &App, url: &str) {
    if app.db.dialect == Dialect::Postgres {
        let db = url.rsplit('/').next().expect("db name");
        let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {db} WITH (FORCE)"
        )))
        .execute(&app.db.pool)
        .await;
    }
}

/// `shuangda backup` while writers keep committing gives a consistent copy; `shuangda restore`
/// brings it back into an empty database that starts (migrations) and passes `audit verify`.
#[tokio::test]
async fn a_backup_taken_during_writes_restores_and_verifies() {
    each_db(true, |app| async move {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("backup.bin");

        // Writers: audited changes, each its own transaction, as requests make them.
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let mut writers = Vec::new();
        for w in 0..3 {
            let db = app.db.clone();
            let who = app.system("backup test");
            let stop = stop.clone();
            writers.push(tokio::spawn(async move {
                let mut n = 0u64;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    audit::store::record_alone(
                        &db,
                        &who,
                        Entry::new("unit.update", "unit").object(format!("{w}-{n}"), None),
                    )
                    .await
                    .expect("write");
                    n += 1;
                }
                n
            }));
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        let before: i64 = app.count("audit_log").await;
        let (code, out) = {
            let url = app.url.clone();
            let file = file.clone();
            tokio::task::spawn_blocking(move || {
                cli(&url, &["backup", file.to_str().expect("path")])
            })
            .await
            .expect("backup")
        };
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        let mut written = 0;
        for w in writers {
            written += w.await.expect("writer");
        }
        assert_eq!(code, 0, "{out}");
        assert!(out.contains("已备份到"), "{out}");
        assert!(written > 0, "the writers ran during the backup");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&file)
                .expect("backup")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "a backup is its owner's only");
        }

        // A second backup to the same file is refused: a backup is never overwritten.
        let (code, out) = cli(&app.url, &["backup", file.to_str().expect("path")]);
        assert_eq!(code, 1, "{out}");
        assert!(out.contains("已存在"), "{out}");

        let target = restore_target(&app, dir.path(), "restored").await;
        let (code, out) = cli(&target, &["restore", file.to_str().expect("path")]);
        assert_eq!(code, 0, "{out}");
        assert!(out.contains("审计日志完整"), "{out}");

        let restored = Db::connect(&target, 2).await.expect("open restored");
        let report = audit::verify(&restored).await.expect("verify");
        assert!(report.findings.is_empty(), "{:?}", report.findings);
        let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log")
            .fetch_one(&restored.pool)
            .await
            .expect("count");
        assert!(
            rows >= before,
            "the backup holds what was committed before it began"
        );
        let users: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
            .fetch_one(&restored.pool)
            .await
            .expect("users");
        assert_eq!(users, app.count("users").await);
        restored.pool.close().await;
        let (code, out) = cli(&target, &["audit", "verify"]);
        assert_eq!(code, 0, "{out}");

        // Restoring over a database that holds data needs --replace.
        let (code, out) = cli(&target, &["restore", file.to_str().expect("path")]);
        assert_eq!(code, 1, "{out}");
        assert!(out.contains("--replace"), "{out}");
        let (code, out) = cli(
            &target,
            &["restore", "--replace", file.to_str().expect("path")],
        );
        assert_eq!(code, 0, "{out}");
        drop_target(&app, &target).await;

        // A damaged backup is refused and the target left alone.
        if app.db.dialect == Dialect::Sqlite {
            // A missing database is not backed up as an empty one.
            let missing = format!("sqlite:{}", dir.path().join("nothing-here.db").display());
            let none = dir.path().join("none.bin");
            let (code, out) = cli(&missing, &["backup", none.to_str().expect("path")]);
            assert_eq!(code, 1, "{out}");
            assert!(out.contains("找不到数据库文件"), "{out}");
            assert!(!dir.path().join("nothing-here.db").exists() && !none.exists());

            // A backup whose audit trail was altered does not replace a working database.
            let forged = dir.path().join("forged.bin");
            std::fs::copy(&file, &forged).expect("copy");
            let f = Db::connect(&format!("sqlite:{}", forged.display()), 1)
                .await
                .expect("open");
            sqlx::query("UPDATE audit_log SET summary = '{}' WHERE seq = 5")
                .execute(&f.pool)
                .await
                .expect("tamper");
            f.pool.close().await;
            let target = format!("sqlite:{}", dir.path().join("kept.db").display());
            let (code, out) = cli(&target, &["restore", file.to_str().expect("path")]);
            assert_eq!(code, 0, "{out}");
            let before = std::fs::read(dir.path().join("kept.db")).expect("kept");
            let (code, out) = cli(
                &target,
                &["restore", "--replace", forged.to_str().expect("path")],
            );
            assert_eq!(code, 1, "{out}");
            assert!(
                out.contains("审计日志校验失败") && out.contains("第 5 条"),
                "{out}"
            );
            assert_eq!(
                std::fs::read(dir.path().join("kept.db")).expect("kept"),
                before,
                "the old database stays whole"
            );
            let (code, out) = cli(&target, &["audit", "verify"]);
            assert_eq!(code, 0, "{out}");

            let bytes = std::fs::read(&file).expect("read");
            let damaged = dir.path().join("damaged.bin");
            let mut cut = bytes.clone();
            cut.truncate(bytes.len() / 2);
            for b in cut.iter_mut().skip(4096).take(4096) {
                *b = 0x5a;
            }
            std::fs::write(&damaged, cut).expect("write");
            let target = format!("sqlite:{}", dir.path().join("other.db").display());
            let (code, out) = cli(&target, &["restore", damaged.to_str().expect("path")]);
            assert_eq!(code, 1, "{out}");
            assert!(
                !dir.path().join("other.db").exists(),
                "nothing written: {out}"
            );
        }
    })
    .await;
}

async fn get(router: &axum::Router, path: &str, token: Option<&str>) -> axum::response::Response {
    let mut req = Request::builder().uri(path);
    if let Some(t) = token {
        req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    router
        .clone()
        .oneshot(req.body(Body::empty()).expect("request"))
        .await
        .expect("response")
}

/// Pages and API answers are never kept by a browser or proxy cache; static assets are. Over
/// HTTPS every answer carries Strict-Transport-Security.
#[tokio::test]
async fn answers_are_not_cached_and_https_is_sticky() {
    each_db(true, |app| async move {
        let token = app.token("staff").await;
        for (path, token) in [
            ("/login", None),
            ("/api/v1/cases", Some(token.as_str())),
            ("/api/v1/units", Some(token.as_str())),
        ] {
            let r = get(&app.router, path, token).await;
            assert_eq!(r.status(), StatusCode::OK, "{path}");
            assert_eq!(r.headers()[header::CACHE_CONTROL], "no-store", "{path}");
            assert!(!r.headers().contains_key(header::STRICT_TRANSPORT_SECURITY));
        }
        let mut c = app.client();
        c.login("staff", PASSWORD).await;
        let r = c.get("/").await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.headers[header::CACHE_CONTROL], "no-store");
        let r = get(&app.router, "/assets/app.css", None).await;
        assert_eq!(r.status(), StatusCode::OK);
        assert_ne!(r.headers()[header::CACHE_CONTROL], "no-store");

        let https = shuangda::config::Config {
            cookie_secure: true,
            ..app.state.config.clone()
        };
        let router =
            shuangda::web::router(shuangda::web::AppState::new(app.state.ctx.clone(), https));
        let r = get(&router, "/login", None).await;
        assert_eq!(
            r.headers()[header::STRICT_TRANSPORT_SECURITY],
            "max-age=31536000"
        );
        let off = shuangda::config::Config {
            cookie_secure: true,
            hsts_max_age_seconds: 0,
            ..app.state.config.clone()
        };
        let router =
            shuangda::web::router(shuangda::web::AppState::new(app.state.ctx.clone(), off));
        let r = get(&router, "/login", None).await;
        assert!(!r.headers().contains_key(header::STRICT_TRANSPORT_SECURITY));
    })
    .await;
}

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut v) = self.0.lock() {
            v.extend_from_slice(buf);
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// At the default level (`info`) every request leaves one line with its path, status, latency
/// and request id.
#[tokio::test]
async fn each_request_is_logged_at_the_default_level() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("info,sqlx=warn"))
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite:{}", dir.path().join("log.db").display());
    let app = common::build_app(url, false).await;
    let r = get(&app.router, "/healthz", None).await;
    assert_eq!(r.status(), StatusCode::OK);
    let id = r.headers()["x-request-id"]
        .to_str()
        .expect("id")
        .to_string();
    let r = get(&app.router, "/api/v1/units", None).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let log = String::from_utf8(captured.0.lock().expect("log").clone()).expect("utf-8");
    let line = log
        .lines()
        .find(|l| l.contains(&id))
        .unwrap_or_else(|| panic!("no line for request {id} in:\n{log}"));
    assert!(
        line.contains("/healthz") && line.contains("status=200"),
        "{line}"
    );
    assert!(line.contains("latency="), "{line}");
    assert!(
        log.lines()
            .any(|l| l.contains("/api/v1/units") && l.contains("status=401")),
        "{log}"
    );
}

/// `/metrics` answers Prometheus text to the configured bearer only: requests by declared route
/// and status, the pool, the scheduler, and the deadlines by state as the database holds them.
#[tokio::test]
async fn metrics_answer_the_operators_token_only() {
    each_db(true, |app| async move {
        let r = get(&app.router, "/metrics", None).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "no token configured, no metrics");

        let config = shuangda::config::Config {
            metrics_token: Some("m3trics-Secret".into()),
            ..app.state.config.clone()
        };
        let router =
            shuangda::web::router(shuangda::web::AppState::new(app.state.ctx.clone(), config));
        assert_eq!(
            get(&router, "/metrics", None).await.status(),
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            get(&router, "/metrics", Some("wrong")).await.status(),
            StatusCode::UNAUTHORIZED
        );
        let staff = app.token("staff").await;
        assert_eq!(
            get(&router, "/metrics", Some(&staff)).await.status(),
            StatusCode::UNAUTHORIZED,
            "a user's API token is not the operators' token"
        );
        let case = {
            let r = get(&router, "/api/v1/cases", Some(&staff)).await;
            assert_eq!(r.status(), StatusCode::OK);
            r
        };
        drop(case);
        get(&router, "/api/v1/cases/999999", Some(&staff)).await;
        // A body over the limit is refused before the handler; it is counted all the same.
        let big = axum::http::Request::builder()
            .method("POST")
            .uri("/api/v1/cases")
            .header(header::AUTHORIZATION, format!("Bearer {staff}"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(axum::body::Body::from(vec![b' '; 30 * 1024 * 1024]))
            .expect("request");
        let refused = tower::ServiceExt::oneshot(router.clone(), big)
            .await
            .expect("infallible");
        assert_eq!(refused.status(), StatusCode::PAYLOAD_TOO_LARGE);
        let body = axum::body::to_bytes(refused.into_body(), usize::MAX)
            .await
            .expect("body");
        let body: serde_json::Value = serde_json::from_slice(&body).expect("the error body, JSON");
        assert_eq!(body["error"]["code"], "payload_too_large");

        let r = get(&router, "/metrics", Some("m3trics-Secret")).await;
        assert_eq!(r.status(), StatusCode::OK);
        assert!(
            r.headers()[header::CONTENT_TYPE]
                .to_str()
                .expect("type")
                .starts_with("text/plain")
        );
        let body = axum::body::to_bytes(r.into_body(), usize::MAX)
            .await
            .expect("body");
        let text = String::from_utf8(body.to_vec()).expect("utf-8");
        let value = |series: &str| -> Option<f64> {
            text.lines()
                .find(|l| l.starts_with(series) && l[series.len()..].starts_with(' '))
                .and_then(|l| l.rsplit(' ').next())
                .and_then(|v| v.parse().ok())
        };
        assert_eq!(
            value(r#"shuangda_http_requests_total{method="GET",route="/api/v1/cases",status="200"}"#),
            Some(1.0),
            "{text}"
        );
        // The declared route, never the id: one series however many records are asked for.
        assert_eq!(
            value(r#"shuangda_http_requests_total{method="GET",route="/api/v1/cases/{id}",status="404"}"#),
            Some(1.0),
            "{text}"
        );
        assert_eq!(
            value(r#"shuangda_http_requests_total{method="POST",route="/api/v1/cases",status="413"}"#),
            Some(1.0),
            "refused by the body limit, still counted: {text}"
        );
        assert!(text.contains("shuangda_http_request_duration_seconds_bucket{"), "{text}");
        assert!(value("shuangda_db_pool_max_connections").is_some_and(|v| v >= 1.0), "{text}");
        assert!(value(r#"shuangda_scheduler_passes_total{state="ok"}"#).is_some(), "{text}");
        for state in ["open", "missed", "met", "waived"] {
            let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM deadlines WHERE state = $1")
                .bind(state)
                .fetch_one(&app.db.pool)
                .await
                .expect("count");
            assert_eq!(
                value(&format!(r#"shuangda_deadlines{{state="{state}"}}"#)),
                Some(n as f64),
                "{state}: {text}"
            );
        }
        assert!(value(r#"shuangda_deadlines{state="due_soon"}"#).is_some(), "{text}");
    })
    .await;
}
