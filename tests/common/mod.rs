//! Test harness: every storage and HTTP test runs once on SQLite and, when
//! `SHUANGDA_TEST_DATABASE_URL` names a PostgreSQL server, once more on a fresh PostgreSQL
//! database made for the test and dropped after it.

#![allow(dead_code)]

/// Return an error message from a browser step when a condition fails.
macro_rules! ensure {
    ($cond:expr, $($msg:tt)+) => {
        if !$cond {
            return Err(format!($($msg)+));
        }
    };
}

pub mod browser;
pub mod contract;
pub mod smtp;
pub mod sso;

use std::collections::HashMap;
use std::future::Future;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::Value;
use shuangda::clock::Clock;
use shuangda::config::Config;
use shuangda::context::Ctx;
use shuangda::db::{Db, Dialect};
use shuangda::web::{self, SharedState};
use sqlx::Connection;
use tower::ServiceExt;

pub const PASSWORD: &str = shuangda::demo::DEMO_PASSWORD;

/// The day the tests run on: `SHUANGDA_TEST_TODAY` (YYYY-MM-DD), else a fixed mid-year day, so
/// that no test depends on the real date. CI runs the suite again at other days.
pub fn test_today() -> chrono::NaiveDate {
    const DEFAULT: &str = "2026-06-15";
    let raw = std::env::var("SHUANGDA_TEST_TODAY")
        .ok()
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| DEFAULT.to_string());
    chrono::NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d")
        .unwrap_or_else(|_| panic!("SHUANGDA_TEST_TODAY must be YYYY-MM-DD, not {raw:?}"))
}

pub struct App {
    pub state: SharedState,
    pub router: Router,
    pub db: Db,
    pub url: String,
}

impl App {
    /// Open a deadline directly through the store, owned by the unit named `owner`, as the
    /// system: for tests of the deadline engine itself.
    pub async fn open_deadline(
        &self,
        purpose: &str,
        start: chrono::NaiveDate,
        rule: shuangda::deadline::Rule,
        owner: &str,
    ) -> i64 {
        let owner = self.unit_id(owner).await;
        let mut tx = self.db.begin().await.expect("tx");
        let id = shuangda::deadline::store::open(
            &mut tx,
            &self.state.calendar(),
            &self.system("测试"),
            &shuangda::deadline::store::NewDeadline {
                purpose: purpose.into(),
                clause: "000 §4".into(),
                start_event: "线索登记".into(),
                start,
                rule,
                record_type: None,
                record_id: None,
                owner_unit_id: owner,
                owner_user_id: None,
            },
        )
        .await
        .expect("open");
        tx.commit().await.expect("commit");
        id
    }

    /// The same database and configuration with the clock on another day: for what happens
    /// after a due date.
    pub fn on(&self, day: chrono::NaiveDate) -> App {
        let ctx = Ctx::new(self.db.clone(), Clock::on(day), None);
        let state = web::AppState::new(std::sync::Arc::new(ctx), self.state.config.clone());
        App {
            router: web::router(state.clone()),
            state,
            db: self.db.clone(),
            url: self.url.clone(),
        }
    }

    /// Today's date on the app's clock (Beijing).
    pub fn today(&self) -> chrono::NaiveDate {
        self.state.clock.today()
    }

    /// The current instant on the app's clock.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.state.clock.now()
    }

    /// The acting party for work a test does directly, at the app's current instant.
    pub fn system(&self, what: &str) -> shuangda::audit::Who {
        self.state.system(what)
    }

    /// The same database and context served with another configuration (sign-in providers,
    /// say).
    pub fn with_config(&self, config: Config) -> App {
        let state = web::AppState::new(self.state.ctx.clone(), config);
        App {
            router: web::router(state.clone()),
            state,
            db: self.db.clone(),
            url: self.url.clone(),
        }
    }

    pub fn client(&self) -> Client {
        Client {
            router: self.router.clone(),
            cookies: HashMap::new(),
            csrf: None,
        }
    }

    /// A client of the public site's own listener (`web::public_router`, `public_bind`).
    pub fn public_client(&self) -> Client {
        Client {
            router: web::public_router(self.state.clone()),
            cookies: HashMap::new(),
            csrf: None,
        }
    }

    /// A bearer token acting as the demo account `username`.
    pub async fn token(&self, username: &str) -> String {
        let id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = $1")
            .bind(username)
            .fetch_one(&self.db.pool)
            .await
            .expect("user exists");
        let mut tx = self.db.begin().await.expect("tx");
        let (_, token) =
            shuangda::auth::token::issue(&mut tx, id, "test", None, Some(id), self.now())
                .await
                .expect("issue");
        tx.commit().await.expect("commit");
        token
    }

    pub async fn user_id(&self, username: &str) -> i64 {
        sqlx::query_scalar("SELECT id FROM users WHERE username = $1")
            .bind(username)
            .fetch_one(&self.db.pool)
            .await
            .expect("user exists")
    }

    pub async fn unit_id(&self, name: &str) -> i64 {
        sqlx::query_scalar("SELECT id FROM units WHERE name = $1")
            .bind(name)
            .fetch_one(&self.db.pool)
            .await
            .expect("unit exists")
    }

    pub async fn count(&self, table: &str) -> i64 {
        let sql = format!("SELECT COUNT(*) FROM {table}");
        sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .fetch_one(&self.db.pool)
            .await
            .expect("count")
    }
}

fn pg_admin_url() -> Option<String> {
    std::env::var("SHUANGDA_TEST_DATABASE_URL")
        .ok()
        .filter(|s| !s.trim().is_empty())
}

fn random_suffix() -> String {
    let b: [u8; 6] = shuangda::auth::random_bytes();
    shuangda::domain::hex(&b)
}

pub fn with_database(url: &str, db: &str) -> String {
    // Replace the path component (the database name) of a postgres URL.
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let path_start = base[scheme_end..]
        .find('/')
        .map(|i| i + scheme_end)
        .unwrap_or(base.len());
    let mut out = format!("{}/{}", &base[..path_start], db);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

async fn build(url: String, demo: bool, today: chrono::NaiveDate) -> App {
    let config = Config {
        database_url: url.clone(),
        db_max_connections: 8,
        ..Config::default()
    };
    let db = Db::connect(&url, config.db_max_connections)
        .await
        .expect("connect test database");
    shuangda::db::migrate(&db).await.expect("migrate");
    let ctx = Ctx::new(db.clone(), Clock::on(today), None);
    let state = web::AppState::new(std::sync::Arc::new(ctx), config);
    if demo {
        shuangda::demo::load(&state).await.expect("demo data");
    }
    App {
        router: web::router(state.clone()),
        state,
        db,
        url,
    }
}

/// An app on the database at `url`, on the tests' day.
pub async fn build_app(url: String, demo: bool) -> App {
    build(url, demo, test_today()).await
}

/// Run `body` against a fresh app on SQLite and, if configured, on PostgreSQL, on the tests'
/// day ([`test_today`]).
pub async fn each_db<F, Fut>(demo: bool, body: F)
where
    F: Fn(App) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    each_db_on(test_today(), demo, body).await
}

/// As [`each_db`], with the app's clock on `today`: for rules that depend on the time of year.
pub async fn each_db_on<F, Fut>(today: chrono::NaiveDate, demo: bool, body: F)
where
    F: Fn(App) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    // SQLite: a file in a temporary directory (several pooled connections share it).
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite:{}", dir.path().join("test.db").display());
    let app = build(url, demo, today).await;
    assert_eq!(app.db.dialect, Dialect::Sqlite);
    let r = tokio::spawn(body(app)).await;
    if let Err(e) = r {
        std::panic::resume_unwind(e.into_panic());
    }

    if let Some(admin) = pg_admin_url() {
        let name = format!("sd_test_{}", random_suffix());
        let mut conn = sqlx::PgConnection::connect(&admin)
            .await
            .expect("SHUANGDA_TEST_DATABASE_URL is set but PostgreSQL is unreachable");
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut conn)
            .await
            .expect("create test database");
        let app = build(with_database(&admin, &name), demo, today).await;
        assert_eq!(app.db.dialect, Dialect::Postgres);
        let pool = app.db.pool.clone();
        let r = tokio::spawn(body(app)).await;
        pool.close().await;
        let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
        )))
        .execute(&mut conn)
        .await;
        if let Err(e) = r {
            std::panic::resume_unwind(e.into_panic());
        }
    }
}

pub struct Resp {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
    /// The raw body (PDFs, spreadsheets, archives).
    pub bytes: Vec<u8>,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
    pub fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
    /// The first `name="_csrf" value="…"` in the page.
    pub fn csrf(&self) -> Option<String> {
        let marker = "name=\"_csrf\" value=\"";
        let start = self.body.find(marker)? + marker.len();
        let end = self.body[start..].find('"')? + start;
        Some(self.body[start..end].to_string())
    }
}

pub struct Client {
    router: Router,
    pub cookies: HashMap<String, String>,
    pub csrf: Option<String>,
}

impl Client {
    pub async fn send(&mut self, req: Request<Body>) -> Resp {
        let (method, uri) = (req.method().clone(), req.uri().to_string());
        // The JSON body sent, kept for the contract check of the answer's field errors.
        let (parts, body) = req.into_parts();
        let sent_bytes = body.collect().await.expect("request body").to_bytes();
        let sent: Option<Value> = parts
            .headers
            .get(header::CONTENT_TYPE)
            .is_some_and(|c| c.as_bytes().starts_with(b"application/json"))
            .then(|| serde_json::from_slice(&sent_bytes).ok())
            .flatten();
        let req = Request::from_parts(parts, Body::from(sent_bytes));
        let resp = self.router.clone().oneshot(req).await.expect("infallible");
        for v in resp.headers().get_all(header::SET_COOKIE) {
            let s = v.to_str().unwrap_or("");
            let pair = s.split(';').next().unwrap_or("");
            if let Some((k, val)) = pair.split_once('=') {
                if val.is_empty() || s.contains("Max-Age=0") {
                    self.cookies.remove(k);
                } else {
                    self.cookies.insert(k.to_string(), val.to_string());
                }
            }
        }
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = resp.into_body().collect().await.expect("body").to_bytes();
        contract::check(
            &method,
            &uri,
            sent.as_ref(),
            status,
            headers
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok()),
            &String::from_utf8_lossy(&bytes),
        );
        Resp {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
            bytes: bytes.to_vec(),
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub async fn get(&mut self, path: &str) -> Resp {
        let req = Request::builder()
            .uri(path)
            .header(header::COOKIE, self.cookie_header())
            .body(Body::empty())
            .expect("request");
        self.send(req).await
    }

    /// POST a multipart form: text `fields` and `files` (field name, file name, content).
    pub async fn post_multipart(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        files: &[(&str, &str, &[u8])],
    ) -> Resp {
        let boundary = "XxSdBoundaryxX";
        let mut body = Vec::new();
        for (k, v) in fields {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
                )
                .as_bytes(),
            );
        }
        for (k, name, bytes) in files {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
                )
                .as_bytes(),
            );
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        let req = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header(header::COOKIE, self.cookie_header())
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(Body::from(body))
            .expect("request");
        self.send(req).await
    }

    /// POST a form; the session's CSRF token is added unless the form names `_csrf` itself.
    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Resp {
        let mut pairs: Vec<(String, String)> = form
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        if !form.iter().any(|(k, _)| *k == "_csrf")
            && let Some(c) = &self.csrf
        {
            pairs.push(("_csrf".into(), c.clone()));
        }
        let body = serde_urlencoded::to_string(&pairs).expect("encode");
        let req = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header(header::COOKIE, self.cookie_header())
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .expect("request");
        self.send(req).await
    }

    /// Sign in through the login form; on success remembers the session's CSRF token.
    pub async fn login(&mut self, username: &str, password: &str) -> Resp {
        let page = self.get("/login").await;
        let csrf = page.csrf().expect("login form has a CSRF token");
        let r = self
            .post(
                "/login",
                &[
                    ("username", username),
                    ("password", password),
                    ("_csrf", &csrf),
                ],
            )
            .await;
        if r.status == StatusCode::SEE_OTHER {
            let home = self.get("/").await;
            self.csrf = home.csrf();
            if self.csrf.is_none() {
                // Forced password change: the token is on the password page.
                self.csrf = self.get("/password").await.csrf();
            }
        }
        r
    }
}

/// Call the JSON API with a bearer token.
/// An API call as the demo account `who` (a fresh bearer token): the status and the JSON body
/// (null when the body is not JSON).
pub async fn call(
    app: &App,
    who: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let t = app.token(who).await;
    let r = api(app, method, path, Some(&t), body).await;
    (
        r.status,
        serde_json::from_str(&r.body).unwrap_or(Value::Null),
    )
}

pub async fn api(
    app: &App,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> Resp {
    let mut b = Request::builder().method(method).uri(path);
    if let Some(t) = token {
        b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    let req = match body {
        Some(v) => b
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(v.to_string())),
        None => b.body(Body::empty()),
    }
    .expect("request");
    app.client().send(req).await
}

/// Raw body to the API (malformed JSON, wrong content type).
pub async fn api_raw(
    app: &App,
    method: Method,
    path: &str,
    token: &str,
    content_type: &str,
    body: Vec<u8>,
) -> Resp {
    let req = Request::builder()
        .method(method)
        .uri(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(body))
        .expect("request");
    app.client().send(req).await
}

/// Run the `shuangda` command against the database at `url`: exit code, stdout, stderr.
pub fn cli(url: &str, args: &[&str]) -> (i32, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_shuangda"))
        .args(args)
        .env("SHUANGDA_DATABASE_URL", url)
        .env("RUST_LOG", "error")
        .output()
        .expect("run shuangda");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// GET `path` with `who`'s API token: documents and other non-JSON answers.
pub async fn api_get(app: &App, who: &str, path: &str) -> Resp {
    let token = app.token(who).await;
    api_raw(
        app,
        Method::GET,
        path,
        &token,
        "application/octet-stream",
        Vec::new(),
    )
    .await
}

/// A document fetched through the API with a bearer token is the one the page gives.
pub async fn assert_same_document(app: &App, who: &str, path: &str, page: &Resp) {
    let r = api_get(app, who, path).await;
    assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
    assert_eq!(
        r.headers[header::CONTENT_TYPE],
        page.headers[header::CONTENT_TYPE],
        "{path}"
    );
    assert_eq!(
        r.headers[header::CONTENT_DISPOSITION],
        page.headers[header::CONTENT_DISPOSITION],
        "{path}"
    );
    assert_eq!(r.bytes.len(), page.bytes.len(), "{path}");
}

/// The demo head (单位负责人) of the unit of the demo account `who`.
pub fn head_of(who: &str) -> &'static str {
    match who {
        "liaison.scjg" => "head.scjg",
        "handler.gaj" => "head.gaj",
        "liaison.luoshan.scjg" => "head.luoshan.scjg",
        "handler.luoshan.gaj" => "head.luoshan.gaj",
        other => panic!("no demo head for {other}"),
    }
}

/// `who` takes a transfer step that needs the organ head (国务院令第310号第五条; the police's
/// filing decisions): it waits as a proposal, and the head of `who`'s unit approves it.
pub async fn proposed_and_approved(app: &App, who: &str, id: i64, body: Value) {
    let path = format!("/api/v1/transfers/{id}/steps");
    let (s, v) = call(app, who, Method::POST, &path, Some(body.clone())).await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{who} {body}: {v}");
    let (s, v) = call(
        app,
        who,
        Method::GET,
        &format!("/api/v1/transfers/{id}"),
        None,
    )
    .await;
    assert_eq!(v["state"], "awaiting_head", "{who} {body}: {s} {v}");
    let head = head_of(who);
    let approve = serde_json::json!({"step": "approve"});
    let (s, v) = call(app, head, Method::POST, &path, Some(approve)).await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{head} approving {body}: {v}");
}

/// The draft of case `case_id`'s supervision letter waiting for the signature.
/// An official document's text (as `pdftotext` reads it) is worded as officials write it
/// (issue #20): dates as 2026年12月2日, never 2026-12-02, and people by name, never by login.
pub fn assert_worded_officially(text: &str, what: &str) {
    let chars: Vec<char> = text.chars().collect();
    let digit = |i: usize| chars.get(i).is_some_and(char::is_ascii_digit);
    for i in 0..chars.len() {
        let iso = (0..4).all(|k| digit(i + k))
            && chars.get(i + 4) == Some(&'-')
            && (5..7).all(|k| digit(i + k))
            && chars.get(i + 7) == Some(&'-')
            && (8..10).all(|k| digit(i + k));
        assert!(!iso, "{what} writes an ISO date: {text}");
    }
    for login in [
        "staff",
        "director",
        "leader",
        "liaison.",
        "handler.",
        "head.",
        "county.",
        "procurator",
    ] {
        assert!(
            !text.contains(login),
            "{what} names a login ({login}): {text}"
        );
    }
}

/// The newest draft in the document chain of record `record_type` `record_id`, in any state.
pub async fn draft_of(app: &App, record_type: &str, record_id: i64) -> i64 {
    sqlx::query_scalar(
        "SELECT id FROM drafts WHERE record_type = $1 AND record_id = $2 ORDER BY id DESC LIMIT 1",
    )
    .bind(record_type)
    .bind(record_id)
    .fetch_one(&app.db.pool)
    .await
    .expect("a draft of the record")
}

/// `who` takes `act` (`sign`, `return`, `pass`, `resubmit`) with `text` on the newest draft of
/// record `record_type` `record_id`.
pub async fn draft_act(
    app: &App,
    who: &str,
    record_type: &str,
    record_id: i64,
    act: &str,
    text: &str,
) -> (StatusCode, Value) {
    let draft = draft_of(app, record_type, record_id).await;
    let body = serde_json::json!({"step": act, "text": text});
    call(
        app,
        who,
        Method::POST,
        &format!("/api/v1/drafts/{draft}/steps"),
        Some(body),
    )
    .await
}

pub async fn letter_draft(app: &App, case_id: i64) -> i64 {
    sqlx::query_scalar(
        "SELECT id FROM drafts WHERE record_type = 'case' AND record_id = $1 AND state = 'signing' \
         ORDER BY id DESC LIMIT 1",
    )
    .bind(case_id)
    .fetch_one(&app.db.pool)
    .await
    .expect("a letter draft waiting for the signature")
}

/// The office director signs the supervision letter drafted for case `case_id` (the document
/// chain): the letter is numbered and issued now.
pub async fn sign_letter(app: &App, case_id: i64) {
    let draft = letter_draft(app, case_id).await;
    let body = serde_json::json!({"step": "sign", "text": "同意。"});
    let path = format!("/api/v1/drafts/{draft}/steps");
    let (s, v) = call(app, "director", Method::POST, &path, Some(body)).await;
    assert_eq!(
        s,
        StatusCode::NO_CONTENT,
        "signing the letter of case {case_id}: {v}"
    );
}
