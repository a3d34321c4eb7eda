//! Scale-out (issue #13): two real `shuangda serve` processes on one PostgreSQL database behind
//! Debian's haproxy, all on loopback, as docs/operations.md ("Several instances behind a load
//! balancer") describes the deployment. Through the balancer and through each instance directly:
//!
//! - a browser-style sign-in and CSRF-protected form posts work whichever instance answers (the
//!   balancer names the answering instance in `X-Served-By`), and a sign-out on one instance
//!   ends the session on the other;
//! - an attachment uploaded to one instance downloads, byte for byte, from the other, and a
//!   signed supervision letter (PDF) reads the same from both;
//! - the deadline scheduler runs its passes on one instance only (the lease in `job_leases`):
//!   an overdue deadline is marked missed, audited and notified once; the mail sender mails
//!   every notification once to an SMTP sink run by the test, though both instances start with
//!   the same notifications waiting;
//! - a sign-in through the identity platform (panva's oidc-provider, OpenID Connect) started on
//!   one instance finishes on the other, whose session then serves on the first;
//! - under concurrent API writes through the balancer one instance is killed (SIGKILL): every
//!   write that was acknowledged (2xx with its id) is in the database afterwards, the other
//!   instance carries on, and the audit trail still verifies.
//!
//! PostgreSQL only (several instances need a shared database): without
//! `SHUANGDA_TEST_DATABASE_URL` the test says it is skipped and passes. Without haproxy
//! (`apt-get install haproxy`) likewise, unless `CI` or `SHUANGDA_REQUIRE_BROWSER` is set, when
//! it fails.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write as _;
use std::net::{Ipv4Addr, TcpListener as StdTcpListener};
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use base64::Engine as _;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::{Value, json};
use sqlx::Connection;

/// The bearer token `/metrics` answers to on both instances.
const METRICS_TOKEN: &str = "scale-out-metrics-token-0123456789";
/// Notifications waiting to be mailed before either instance starts.
const WAITING_MAILS: usize = 8;
/// Concurrent API writers in the kill phase.
const WRITERS: usize = 6;
/// The whole test, set-up included, ends within this.
const WHOLE_TEST: Duration = Duration::from_secs(300);
/// Any single HTTP exchange.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

const OFFICE: &str = "信阳市打击侵犯知识产权和制售假冒伪劣商品工作领导小组办公室";
const MSA: &str = "信阳市市场监督管理局";
const POLICE: &str = "信阳市公安局";
/// A real-format unified social credit code (GB 32100).
const CREDIT: &str = "91350100M000100Y43";

// ---- skipping ----

fn env_set(name: &str) -> bool {
    std::env::var(name).is_ok_and(|v| !matches!(v.trim(), "" | "0" | "false" | "no"))
}

/// Say why the test does not run, straight to stderr (the harness captures `eprintln!`).
fn skipped(why: &str) {
    let _ = writeln!(std::io::stderr(), "SKIPPED scale-out test: {why}");
}

/// Debian installs haproxy in /usr/sbin, which is not on every user's PATH.
fn find_haproxy() -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/sbin"), PathBuf::from("/usr/local/sbin")])
        .map(|d| d.join("haproxy"))
        .find(|p| p.is_file())
}

// ---- processes ----

/// A free loopback port (claimed only when the process binds it; the test binds at once).
fn free_port() -> u16 {
    StdTcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// The `shuangda` command with nothing inherited from the test's own `SHUANGDA_*` environment
/// (and no ./shuangda.toml): only the settings given here.
fn shuangda(dir: &Path, url: &str) -> Command {
    let config = dir.join("empty.toml");
    if !config.exists() {
        std::fs::write(&config, "").expect("write an empty configuration");
    }
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_shuangda"));
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("SHUANGDA_") {
            cmd.env_remove(k);
        }
    }
    cmd.env("SHUANGDA_CONFIG", &config)
        .env("SHUANGDA_DATABASE_URL", url)
        .env("SHUANGDA_DATA_DIR", dir.join("data"))
        .env("SHUANGDA_TODAY", common::test_today().to_string())
        .env("RUST_LOG", "error")
        .current_dir(dir)
        .stdin(Stdio::null());
    cmd
}

/// Run a command to completion: its output, or a panic naming it.
fn run_cli(dir: &Path, url: &str, args: &[&str]) -> String {
    let out = shuangda(dir, url)
        .args(args)
        .output()
        .expect("run shuangda");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "shuangda {args:?} failed ({}): {text}{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

/// The processes the test started, killed (and reaped) when dropped, whatever happened.
struct Procs {
    children: Vec<(String, Child, PathBuf)>,
}

impl Procs {
    fn spawn(&mut self, name: &str, mut cmd: Command, log: PathBuf) {
        let out = std::fs::File::create(&log).expect("create a log file");
        let err = out.try_clone().expect("clone the log file");
        // Their own process group: a Ctrl-C at the terminal reaches the test, whose guard then
        // stops them, not the children directly.
        let child = cmd
            .stdout(out)
            .stderr(err)
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("start {name}: {e}"));
        self.children.push((name.to_string(), child, log));
    }

    fn child(&mut self, name: &str) -> &mut Child {
        self.children
            .iter_mut()
            .find(|(n, _, _)| n == name)
            .map(|(_, c, _)| c)
            .unwrap_or_else(|| panic!("no process {name}"))
    }

    /// SIGKILL: no graceful shutdown, requests in flight are cut off.
    fn kill(&mut self, name: &str) -> std::process::ExitStatus {
        let c = self.child(name);
        c.kill().expect("kill");
        c.wait().expect("reap")
    }

    /// Fail if a process other than those `killed` has exited, with the end of its log.
    fn check_alive(&mut self, killed: &[&str]) {
        for (name, child, log) in &mut self.children {
            if killed.contains(&name.as_str()) {
                continue;
            }
            if let Ok(Some(status)) = child.try_wait() {
                panic!("{name} exited ({status}):\n{}", tail(log));
            }
        }
    }

    fn logs(&self) -> String {
        self.children
            .iter()
            .map(|(n, _, log)| format!("--- {n}:\n{}", tail(log)))
            .collect()
    }
}

impl Drop for Procs {
    fn drop(&mut self) {
        for (_, child, _) in &mut self.children {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn tail(log: &Path) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(40)..].join("\n")
}

fn haproxy_config(front: u16, a: u16, b: u16) -> String {
    format!(
        "global
    maxconn 256

defaults
    mode http
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    # A connection refused by a dead instance is tried again on the other one; a request that
    # reached an instance is never sent twice (retry-on stays at its default, conn-failure).
    retries 2
    option redispatch
    option forwardfor

frontend shuangda
    bind 127.0.0.1:{front}
    default_backend instances

backend instances
    balance roundrobin
    option httpchk GET /healthz
    http-check expect status 200
    default-server inter 500ms fall 2 rise 1
    http-response set-header X-Served-By %s
    server a 127.0.0.1:{a} check
    server b 127.0.0.1:{b} check
"
    )
}

// ---- HTTP ----

#[derive(Clone)]
struct Http {
    client: Client<HttpConnector, Full<Bytes>>,
}

struct Resp {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Resp {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
    /// The instance that answered through the balancer.
    fn served_by(&self) -> String {
        self.headers
            .get("x-served-by")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("-")
            .to_string()
    }
    fn location(&self) -> String {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    }
    /// The first `name="_csrf" value="…"` in the page.
    fn csrf(&self) -> Option<String> {
        let body = self.text();
        let marker = "name=\"_csrf\" value=\"";
        let start = body.find(marker)? + marker.len();
        let end = body[start..].find('"')? + start;
        Some(body[start..end].to_string())
    }
}

impl Http {
    fn new() -> Http {
        // A new connection for every request: nothing depends on which pooled connection the
        // balancer or an instance closed meanwhile.
        let client = Client::builder(TokioExecutor::new())
            .pool_max_idle_per_host(0)
            .build_http();
        Http { client }
    }

    async fn send(
        &self,
        method: Method,
        url: &str,
        headers: &[(&str, String)],
        body: Vec<u8>,
    ) -> Result<Resp, String> {
        let mut b = Request::builder().method(method.clone()).uri(url);
        for (k, v) in headers {
            b = b.header(*k, v);
        }
        let req = b
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| e.to_string())?;
        let exchange = async {
            let resp = self
                .client
                .request(req)
                .await
                .map_err(|e| format!("{method} {url}: {e}"))?;
            let status = resp.status();
            let headers = resp.headers().clone();
            let body = resp
                .into_body()
                .collect()
                .await
                .map_err(|e| format!("{method} {url}: body: {e}"))?
                .to_bytes()
                .to_vec();
            Ok(Resp {
                status,
                headers,
                body,
            })
        };
        tokio::time::timeout(REQUEST_TIMEOUT, exchange)
            .await
            .map_err(|_| format!("{method} {url}: no answer within {REQUEST_TIMEOUT:?}"))?
    }

    async fn get(&self, url: &str, headers: &[(&str, String)]) -> Resp {
        self.send(Method::GET, url, headers, Vec::new())
            .await
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// An API call with a bearer token and a JSON body.
    async fn api(&self, method: Method, url: &str, token: &str, body: Option<Value>) -> Resp {
        let mut headers = vec![("authorization", format!("Bearer {token}"))];
        let bytes = match body {
            Some(v) => {
                headers.push(("content-type", "application/json".to_string()));
                v.to_string().into_bytes()
            }
            None => Vec::new(),
        };
        self.send(method, url, &headers, bytes)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
    }
}

/// A multipart/form-data body with `fields` and one file.
fn multipart(fields: &[(&str, &str)], filename: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let boundary = "ScaleOutBoundary7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\n\
             Content-Type: application/octet-stream\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// A browser: cookies, the session's CSRF token, and which instance answered each request.
struct Browser {
    http: Http,
    cookies: BTreeMap<String, String>,
    csrf: Option<String>,
    served: Vec<(String, String)>,
}

impl Browser {
    fn new(http: &Http) -> Browser {
        Browser {
            http: http.clone(),
            cookies: BTreeMap::new(),
            csrf: None,
            served: Vec::new(),
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn send(
        &mut self,
        method: Method,
        url: &str,
        content_type: Option<String>,
        body: Vec<u8>,
    ) -> Resp {
        let mut headers = vec![("cookie", self.cookie_header())];
        if let Some(ct) = content_type {
            headers.push(("content-type", ct));
        }
        let r = self
            .http
            .send(method.clone(), url, &headers, body)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        for v in r.headers.get_all(header::SET_COOKIE) {
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
        self.served.push((format!("{method} {url}"), r.served_by()));
        r
    }

    async fn get(&mut self, url: &str) -> Resp {
        self.send(Method::GET, url, None, Vec::new()).await
    }

    /// POST a form with the session's CSRF token unless the form names `_csrf` itself.
    async fn post(&mut self, url: &str, form: &[(&str, &str)]) -> Resp {
        let mut pairs: Vec<(String, String)> = form
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        if !form.iter().any(|(k, _)| *k == "_csrf")
            && let Some(c) = &self.csrf
        {
            pairs.push(("_csrf".into(), c.clone()));
        }
        let body = serde_urlencoded::to_string(&pairs).expect("encode form");
        self.send(
            Method::POST,
            url,
            Some("application/x-www-form-urlencoded".into()),
            body.into_bytes(),
        )
        .await
    }

    /// Sign in: the login form from `form_base`, posted to `post_base`; then the session's
    /// CSRF token from the home page.
    async fn login(&mut self, form_base: &str, post_base: &str, username: &str) {
        let page = self.get(&format!("{form_base}/login")).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text());
        let csrf = page.csrf().expect("the login form has a CSRF token");
        let r = self
            .post(
                &format!("{post_base}/login"),
                &[
                    ("username", username),
                    ("password", common::PASSWORD),
                    ("_csrf", &csrf),
                ],
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::SEE_OTHER,
            "signing in as {username}: {}",
            r.text()
        );
        assert!(self.cookies.contains_key("sd_session"), "a session cookie");
        let home = self.get(&format!("{post_base}/")).await;
        assert_eq!(home.status, StatusCode::OK, "{}", home.text());
        self.csrf = home.csrf();
        assert!(self.csrf.is_some(), "the home page carries the CSRF token");
    }
}

// ---- SMTP ----

/// A mail's body as text, whatever transfer encoding the sender chose, with `\n` line ends.
fn mail_body(mail: &str) -> String {
    let (head, body) = mail.split_once("\n\n").unwrap_or((mail, ""));
    let encoding = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-transfer-encoding:")
                .map(|v| v.trim().to_string())
        })
        .unwrap_or_default();
    let text = match encoding.as_str() {
        "base64" => {
            let joined: String = body.lines().collect();
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(joined.trim())
                .unwrap_or_default();
            String::from_utf8_lossy(&bytes).into_owned()
        }
        "quoted-printable" => {
            let mut out = Vec::new();
            let joined = body.replace("=\n", "");
            let b = joined.as_bytes();
            let mut i = 0;
            while i < b.len() {
                if b[i] == b'='
                    && i + 2 < b.len()
                    && let Ok(v) = u8::from_str_radix(&joined[i + 1..i + 3], 16)
                {
                    out.push(v);
                    i += 3;
                    continue;
                }
                out.push(b[i]);
                i += 1;
            }
            String::from_utf8_lossy(&out).into_owned()
        }
        _ => body.to_string(),
    };
    text.replace("\r\n", "\n")
}

// ---- the database ----

async fn scalar_i64(pool: &sqlx::AnyPool, sql: &'static str, bind: Option<i64>) -> i64 {
    let q = sqlx::query_scalar::<_, i64>(sql);
    let q = match bind {
        Some(v) => q.bind(v),
        None => q,
    };
    q.fetch_one(pool)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// As `wait_until`, with a condition that has to ask the database.
async fn wait_until_async<F, Fut>(what: &str, limit: Duration, ok: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let until = Instant::now() + limit;
    while !ok().await {
        assert!(Instant::now() < until, "no {what} within {limit:?}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Poll `ok` until it holds; fail naming `what` after `limit`.
async fn wait_until(what: &str, limit: Duration, ok: impl Fn() -> bool) {
    let until = Instant::now() + limit;
    while !ok() {
        assert!(Instant::now() < until, "no {what} within {limit:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

// ---- the test ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_behind_haproxy_share_sessions_files_and_jobs_and_lose_no_write() {
    let Some(admin) = std::env::var("SHUANGDA_TEST_DATABASE_URL")
        .ok()
        .filter(|s| !s.trim().is_empty())
    else {
        skipped(
            "SHUANGDA_TEST_DATABASE_URL is not set; several instances need a shared PostgreSQL \
             database",
        );
        return;
    };
    let Some(haproxy) = find_haproxy() else {
        let required = env_set("CI") || env_set("SHUANGDA_REQUIRE_BROWSER");
        assert!(
            !required,
            "CI / SHUANGDA_REQUIRE_BROWSER is set but haproxy is missing (apt-get install haproxy)"
        );
        skipped(
            "haproxy not found. Install Debian's haproxy, or set SHUANGDA_REQUIRE_BROWSER=1 to \
             fail instead.",
        );
        return;
    };

    let name = format!(
        "sd_scale_{}",
        shuangda::domain::hex(&shuangda::auth::random_bytes::<6>())
    );
    let mut admin_conn = sqlx::PgConnection::connect(&admin)
        .await
        .expect("SHUANGDA_TEST_DATABASE_URL is set but PostgreSQL is unreachable");
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut admin_conn)
        .await
        .expect("create the test database");
    let url = common::with_database(&admin, &name);

    let started = Instant::now();
    // Spawned, so that a failure unwinds through the guards (processes killed) before the
    // database is dropped.
    let outcome = tokio::spawn(tokio::time::timeout(WHOLE_TEST, scenario(url, haproxy))).await;
    let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
    )))
    .execute(&mut admin_conn)
    .await;
    match outcome {
        Ok(Ok(())) => println!("scale-out test passed in {:?}", started.elapsed()),
        Ok(Err(_)) => panic!("the scale-out test took longer than {WHOLE_TEST:?}"),
        Err(e) => std::panic::resume_unwind(e.into_panic()),
    }
}

/// Progress lines with the time since the start.
struct Steps(Instant);

impl Steps {
    fn done(&self, what: &str) {
        println!("[{:>6.1}s] {what}", self.0.elapsed().as_secs_f64());
    }
}

/// What the database holds before the instances start.
struct Prepared {
    staff_id: i64,
    staff_token: String,
    director_token: String,
    /// Notifications to staff waiting to be mailed: id and body.
    waiting: Vec<(i64, String)>,
    /// An overdue deadline for the scheduler's first pass.
    overdue: i64,
    audited_passes: i64,
}

/// The two instances, the balancer, the SMTP sink and the database they share.
struct Cluster {
    procs: Procs,
    http: Http,
    /// The balancer's and the instances' base URLs.
    lb: String,
    a: String,
    b: String,
    mails: Arc<Mutex<Vec<String>>>,
    pool: sqlx::AnyPool,
    /// The OpenID Connect provider both instances are configured with.
    op: common::sso::OpenIdProvider,
}

async fn scenario(url: String, haproxy: PathBuf) {
    let steps = Steps(Instant::now());
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().to_path_buf();
    let db = prepare(&dir, &url).await;
    steps.done("database ready: demo data, tokens, waiting mail, an overdue deadline");
    let mut cluster = start(&dir, &url, &haproxy, db.pool.clone()).await;
    steps.done("a and b ready; haproxy balances over both");
    let mut browser = sessions_and_csrf(&cluster, &db.prepared).await;
    steps.done("sign-in, sessions, CSRF and sign-out work whichever instance answers");
    sso_across_instances(&cluster).await;
    steps.done("an OpenID Connect sign-in started on a finishes on b");
    let case = files_and_documents(&cluster, &db.prepared, &mut browser).await;
    steps.done("uploads and the signed letter read the same from both instances");
    search_across_instances(&cluster, &db.prepared).await;
    steps
        .done("a case registered on a is found by searching on b (each its own index, one outbox)");
    let mailed = jobs_act_once(&cluster, &db.prepared, case).await;
    steps.done(&format!(
        "scheduler passes on one instance only; {mailed} notifications mailed once each"
    ));
    let summary = kill_under_load(&mut cluster, &db.prepared.staff_token).await;
    steps.done(&summary);
    // The survivor carries the browser's session on; the audit trail verifies; no mail was sent
    // twice while all of the above ran.
    let r = browser.get(&format!("{}/notifications", cluster.lb)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.served_by(), "a");
    let (id, _) = &db.prepared.waiting[WAITING_MAILS - 1];
    let r = browser
        .post(&format!("{}/notifications/{id}/read", cluster.lb), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    cluster.procs.check_alive(&["b"]);
    let out = {
        let (d, u) = (dir.clone(), url.clone());
        tokio::task::spawn_blocking(move || run_cli(&d, &u, &["audit", "verify"]))
            .await
            .expect("audit verify")
    };
    steps.done(&format!("audit verify: {}", out.trim()));
    check_mails(&cluster, &db.prepared, case).await;
    drop(cluster);
    db.pool.close().await;
}

struct Seeded {
    pool: sqlx::AnyPool,
    prepared: Prepared,
}

/// Migrate and load the demo organisation with the command line, issue the tokens, and leave
/// work for the jobs: notifications to mail (staff has an address) and an overdue deadline.
async fn prepare(dir: &Path, url: &str) -> Seeded {
    let cli = |args: &'static [&'static str]| {
        let (d, u) = (dir.to_path_buf(), url.to_string());
        tokio::task::spawn_blocking(move || run_cli(&d, &u, args).trim().to_string())
    };
    cli(&["demo"]).await.expect("demo");
    let staff_token = cli(&[
        "token",
        "issue",
        "--username",
        "staff",
        "--name",
        "scale-out",
    ])
    .await
    .expect("token");
    let director_token = cli(&["token", "issue", "--username", "director", "--name", "x"])
        .await
        .expect("token");
    assert!(staff_token.starts_with("sdt_"), "{staff_token}");
    assert!(director_token.starts_with("sdt_"), "{director_token}");

    let db = shuangda::db::Db::connect(url, 4)
        .await
        .expect("connect the test database");
    let ctx = shuangda::context::Ctx::new(
        db.clone(),
        shuangda::clock::Clock::on(common::test_today()),
        None,
    );
    ctx.reload_calendar().await.expect("calendar");
    let staff_id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = 'staff'")
        .fetch_one(&db.pool)
        .await
        .expect("staff");
    let office: i64 = sqlx::query_scalar("SELECT id FROM units WHERE name = $1")
        .bind(OFFICE)
        .fetch_one(&db.pool)
        .await
        .expect("office");
    sqlx::query("UPDATE users SET email = 'staff@xy.gov.cn' WHERE id = $1")
        .bind(staff_id)
        .execute(&db.pool)
        .await
        .expect("email");
    let who = ctx.system("横向扩展测试");
    let mut tx = db.begin().await.expect("tx");
    // Waiting when both instances start, so that both mail senders' first passes race for them.
    let mut waiting = Vec::new();
    for k in 0..WAITING_MAILS {
        let body = format!("横向扩展测试通知第{k}号");
        let id = shuangda::notify::store::notify(
            &mut tx,
            &who,
            staff_id,
            "横向扩展测试",
            &body,
            Some("/notifications"),
        )
        .await
        .expect("notify");
        waiting.push((id, body));
    }
    let overdue = shuangda::deadline::store::open(
        &mut tx,
        &ctx.calendar(),
        &who,
        &shuangda::deadline::store::NewDeadline {
            purpose: "横向扩展测试期限".into(),
            clause: "000 §4".into(),
            start_event: "线索登记".into(),
            start: common::test_today() - chrono::Duration::days(40),
            rule: shuangda::deadline::Rule::WorkingDays(5),
            record_type: None,
            record_id: None,
            owner_unit_id: office,
            owner_user_id: None,
        },
    )
    .await
    .expect("open a deadline");
    tx.commit().await.expect("commit");
    let audited_passes = scalar_i64(
        &db.pool,
        "SELECT COUNT(*) FROM audit_log WHERE action = 'deadline.scheduler_pass'",
        None,
    )
    .await;
    Seeded {
        pool: db.pool.clone(),
        prepared: Prepared {
            staff_id,
            staff_token,
            director_token,
            waiting,
            overdue,
            audited_passes,
        },
    }
}

/// Start a and b at once on the shared database, wait until both are ready, then haproxy in
/// front of them, until it has reached both.
async fn start(dir: &Path, url: &str, haproxy: &Path, pool: sqlx::AnyPool) -> Cluster {
    let (smtp_port, mails) = common::smtp::smtp_sink().await;
    let (port_a, port_b, front) = (free_port(), free_port(), free_port());
    let lb = format!("http://127.0.0.1:{front}");
    // The identity platform registers the balancer's callback; both instances know it.
    let op = common::sso::OpenIdProvider::start(
        &[format!("{lb}/auth/oidc/gov/callback")],
        &[format!("{lb}/login?msg=signed_out")],
    );
    let mut sso = toml::Table::new();
    sso.insert(
        "oidc".into(),
        toml::Value::Array(vec![
            common::sso::oidc_config("gov", "信阳市统一身份认证", &op.issuer, "shuangda").into(),
        ]),
    );
    let sso_config = dir.join("sso.toml");
    std::fs::write(&sso_config, toml::to_string(&sso).expect("toml")).expect("write sso.toml");
    let mut procs = Procs {
        children: Vec::new(),
    };
    for (name, port) in [("a", port_a), ("b", port_b)] {
        let mut cmd = shuangda(dir, url);
        cmd.args(["serve", "--bind", &format!("127.0.0.1:{port}")])
            .env("SHUANGDA_CONFIG", &sso_config)
            .env("SHUANGDA_SMTP_URL", format!("smtp://127.0.0.1:{smtp_port}"))
            .env("SHUANGDA_PUBLIC_URL", &lb)
            .env("SHUANGDA_TRUST_FORWARDED_FOR", "true")
            .env("SHUANGDA_METRICS_TOKEN", METRICS_TOKEN)
            .env("SHUANGDA_DB_MAX_CONNECTIONS", "8")
            // Each instance keeps its own search index (docs/operations.md).
            .env("SHUANGDA_SEARCH_DIR", dir.join(format!("search-{name}")))
            .env("RUST_LOG", "info,sqlx=warn,tower_http=warn");
        procs.spawn(name, cmd, dir.join(format!("{name}.log")));
    }
    let http = Http::new();
    let (a, b) = (
        format!("http://127.0.0.1:{port_a}"),
        format!("http://127.0.0.1:{port_b}"),
    );
    for base in [&a, &b] {
        let until = Instant::now() + Duration::from_secs(60);
        loop {
            procs.check_alive(&[]);
            let ready = http
                .send(Method::GET, &format!("{base}/readyz"), &[], Vec::new())
                .await
                .is_ok_and(|r| r.status == StatusCode::OK);
            if ready {
                break;
            }
            assert!(
                Instant::now() < until,
                "{base} not ready within 60 s:\n{}",
                procs.logs()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    let cfg = dir.join("haproxy.cfg");
    std::fs::write(&cfg, haproxy_config(front, port_a, port_b)).expect("write haproxy.cfg");
    let mut cmd = Command::new(haproxy);
    cmd.arg("-f").arg(&cfg).arg("-db").stdin(Stdio::null());
    procs.spawn("haproxy", cmd, dir.join("haproxy.log"));
    let until = Instant::now() + Duration::from_secs(20);
    let mut seen = BTreeSet::new();
    while seen.len() < 2 {
        procs.check_alive(&[]);
        if let Ok(r) = http
            .send(Method::GET, &format!("{lb}/healthz"), &[], Vec::new())
            .await
            && r.status == StatusCode::OK
        {
            seen.insert(r.served_by());
        }
        assert!(
            Instant::now() < until,
            "the balancer did not reach both instances within 20 s (saw {seen:?}):\n{}",
            procs.logs()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        seen,
        BTreeSet::from(["a".to_string(), "b".to_string()]),
        "X-Served-By names the instances"
    );
    Cluster {
        procs,
        http,
        lb,
        a,
        b,
        mails,
        pool,
        op,
    }
}

/// Sign-ins under way live in the database: one started on instance a finishes on instance b
/// (as when the balancer sends the provider's callback there), and b's session serves on a.
async fn sso_across_instances(c: &Cluster) {
    sqlx::query(
        "INSERT INTO external_identities (provider, subject, user_id, linked_at) \
         SELECT 'gov', 'sub-director', id, '2026-01-01T00:00:00.000000Z' FROM users \
         WHERE username = 'director'",
    )
    .execute(&c.pool)
    .await
    .expect("link director");
    let mut browser = Browser::new(&c.http);
    let r = browser
        .get(&format!("{}/auth/oidc/gov/start?next=/cases", c.a))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert!(
        browser.cookies.keys().any(|k| k.starts_with("sd_sso_")),
        "the browser's binding cookie"
    );
    let back = common::sso::at_provider(
        &common::sso::provider_browser(),
        &c.op.issuer,
        r.location(),
        &c.lb,
        "director",
    )
    .await;
    let on_b = back.replacen(&c.lb, &c.b, 1);
    let r = browser.get(&on_b).await;
    assert_eq!(r.status, StatusCode::OK, "callback on b: {}", r.text());
    assert!(r.text().contains("url=/cases"), "{}", r.text());
    assert!(
        browser.cookies.contains_key("sd_session"),
        "b opened a session"
    );
    let home = browser.get(&format!("{}/", c.a)).await;
    assert_eq!(
        home.status,
        StatusCode::OK,
        "b's session on a: {}",
        home.text()
    );
}

/// Sessions and CSRF tokens live in the database: a sign-in whose form came from one instance
/// is posted to the other; form posts through the balancer land on both; a wrong token is
/// refused by both; a sign-out on one instance ends the session on the other. Returns staff's
/// browser, signed in through the balancer.
async fn sessions_and_csrf(c: &Cluster, p: &Prepared) -> Browser {
    let (lb, a, b) = (&c.lb, &c.a, &c.b);
    let mut browser = Browser::new(&c.http);
    browser.login(a, b, "staff").await;
    let on_a = browser.get(&format!("{a}/notifications")).await;
    assert_eq!(on_a.status, StatusCode::OK, "the session works on a too");
    assert_eq!(on_a.csrf(), browser.csrf, "one CSRF token per session");

    let mut browser = Browser::new(&c.http);
    browser.login(lb, lb, "staff").await;
    let mut posts_served = BTreeSet::new();
    for (id, _) in &p.waiting[..6] {
        let r = browser
            .post(&format!("{lb}/notifications/{id}/read"), &[])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        assert_eq!(r.location(), "/notifications?msg=read");
        posts_served.insert(r.served_by());
    }
    assert_eq!(
        posts_served,
        BTreeSet::from(["a".to_string(), "b".to_string()]),
        "CSRF-checked posts were answered by both instances: {:?}",
        browser.served
    );
    let read: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at IS NOT NULL \
         AND title = '横向扩展测试'",
    )
    .bind(p.staff_id)
    .fetch_one(&c.pool)
    .await
    .expect("count");
    assert_eq!(read, 6, "every post took effect");
    let (id, _) = &p.waiting[6];
    for base in [a, b] {
        let r = browser
            .post(
                &format!("{base}/notifications/{id}/read"),
                &[("_csrf", "0000")],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{base}: {}", r.text());
    }

    let mut leaving = Browser::new(&c.http);
    leaving.login(lb, lb, "director").await;
    let r = leaving.post(&format!("{a}/logout"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let r = leaving.get(&format!("{b}/")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "signed out on b too");
    assert!(r.location().starts_with("/login"), "{}", r.location());
    browser
}

/// Uploads and generated documents are in the database: a case registered through the
/// balancer gets a signed supervision letter and two attachments, one uploaded to each
/// instance (with a token; with the browser's form), and each reads the same from both.
/// Returns the case's id.
async fn files_and_documents(c: &Cluster, p: &Prepared, browser: &mut Browser) -> i64 {
    let (lb, a, b, http) = (&c.lb, &c.a, &c.b, &c.http);
    let received = common::test_today() - chrono::Duration::days(1);
    let clue = json!({
        "title": "横向扩展测试案",
        "summary": "群众举报某茶叶公司在浉河区销售假冒“信阳毛尖”地理标志产品。",
        "source": "leader_instruction",
        "received_on": received.to_string(),
        "leader_name": "李副市长",
        "instruction_date": (received - chrono::Duration::days(1)).to_string(),
        "instruction_text": "请市双打办督促依法查处。",
        "right_kinds": ["geographical_indication"],
        "regions": ["411502"],
        "parties": [{"kind": "enterprise", "name": "某茶叶有限公司", "code": CREDIT}]
    });
    let r = http
        .api(
            Method::POST,
            &format!("{lb}/api/v1/cases"),
            &p.staff_token,
            Some(clue),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let case = r.json()["id"].as_i64().expect("case id");
    let unit = |name: &'static str| async move {
        sqlx::query_scalar::<_, i64>("SELECT id FROM units WHERE name = $1")
            .bind(name)
            .fetch_one(&c.pool)
            .await
            .expect("unit")
            .to_string()
    };
    let (lead, police) = (unit(MSA).await, unit(POLICE).await);
    let steps = format!("{lb}/api/v1/cases/{case}/steps");
    for (token, body) in [
        (
            &p.staff_token,
            json!({"step": "propose", "grounds": [["leader_instruction", "李副市长批示"]]}),
        ),
        // Naming staff responsible notifies staff: one more mail.
        (
            &p.director_token,
            json!({"step": "approve", "reason": "同意督办", "responsible_user_id": p.staff_id.to_string()}),
        ),
        (
            &p.staff_token,
            json!({"step": "start", "lead_unit_id": lead, "assisting": [police]}),
        ),
        (
            &p.staff_token,
            json!({"step": "issue_letter", "text": "请于每月底前报送进展。"}),
        ),
    ] {
        let r = http
            .api(Method::POST, &steps, token, Some(body.clone()))
            .await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{body}: {}", r.text());
    }
    let draft: i64 = sqlx::query_scalar(
        "SELECT id FROM drafts WHERE record_type = 'case' AND record_id = $1 AND state = 'signing' \
         ORDER BY id DESC LIMIT 1",
    )
    .bind(case)
    .fetch_one(&c.pool)
    .await
    .expect("the letter's draft");
    let r = http
        .api(
            Method::POST,
            &format!("{lb}/api/v1/drafts/{draft}/steps"),
            &p.director_token,
            Some(json!({"step": "sign", "text": "同意。"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "signing: {}", r.text());
    let (letter, stored): (i64, Vec<u8>) =
        sqlx::query_as("SELECT id, pdf FROM case_letters WHERE case_id = $1")
            .bind(case)
            .fetch_one(&c.pool)
            .await
            .expect("the letter");
    assert!(stored.starts_with(b"%PDF"));
    for base in [a, b] {
        let api = http
            .api(
                Method::GET,
                &format!("{base}/api/v1/cases/{case}/letters/{letter}.pdf"),
                &p.staff_token,
                None,
            )
            .await;
        assert_eq!(api.status, StatusCode::OK, "{base}: {}", api.text());
        assert!(
            api.body == stored,
            "the letter from {base} is the stored one"
        );
        let page = browser
            .get(&format!("{base}/cases/{case}/letters/{letter}.pdf"))
            .await;
        assert_eq!(page.status, StatusCode::OK, "{base}");
        assert!(page.body == stored, "the letter page on {base}");
    }

    let photo = [&b"\xff\xd8\xff\xe0"[..], &[7u8; 70_000][..]].concat();
    let (ct, body) = multipart(&[("description", "现场照片")], "现场照片.jpg", &photo);
    let r = http
        .send(
            Method::POST,
            &format!("{a}/api/v1/cases/{case}/attachments"),
            &[
                ("authorization", format!("Bearer {}", p.staff_token)),
                ("content-type", ct),
            ],
            body,
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let photo_id = r.json()["id"].as_i64().expect("attachment id");
    let scan = [&b"%PDF-1.4\n"[..], &[b'x'; 30_000][..], b"\n%%EOF\n"].concat();
    let csrf = browser.csrf.clone().expect("csrf");
    let (ct, body) = multipart(
        &[("_csrf", &csrf), ("description", "举报材料扫描件")],
        "举报材料.pdf",
        &scan,
    );
    let r = browser
        .send(
            Method::POST,
            &format!("{b}/cases/{case}/attachments"),
            Some(ct),
            body,
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let scan_id: i64 = sqlx::query_scalar(
        "SELECT id FROM case_attachments WHERE case_id = $1 AND filename = '举报材料.pdf'",
    )
    .bind(case)
    .fetch_one(&c.pool)
    .await
    .expect("the page upload is stored");
    for (id, bytes, mime) in [
        (photo_id, &photo, "image/jpeg"),
        (scan_id, &scan, "application/pdf"),
    ] {
        for base in [a, b] {
            let r = browser
                .get(&format!("{base}/cases/{case}/attachments/{id}"))
                .await;
            assert_eq!(r.status, StatusCode::OK, "attachment {id} from {base}");
            assert_eq!(r.headers[header::CONTENT_TYPE], mime);
            assert!(
                &r.body == bytes,
                "attachment {id} from {base} is what was uploaded"
            );
        }
    }
    case
}

/// The deadline scheduler ran its passes on one instance only and escalated the overdue
/// deadline once; every notification to staff is mailed, once. Returns how many were mailed.
/// Each instance feeds its own search index from the one audit trail: a case registered on
/// `a` is found on `b` (whose index had never seen it) and through the balancer, and the
/// index directories are each instance's own.
async fn search_across_instances(c: &Cluster, p: &Prepared) {
    let (a, b, http) = (&c.a, &c.b, &c.http);
    let received = common::test_today() - chrono::Duration::days(1);
    let r = http
        .api(
            Method::POST,
            &format!("{a}/api/v1/cases"),
            &p.staff_token,
            Some(json!({
                "title": "鸡血石印章仿冒案",
                "summary": "群众举报有人销售仿冒鸡血石印章。",
                "source": "daily_work",
                "received_on": received.to_string(),
                "right_kinds": ["trademark"],
                "regions": ["411502"],
                "parties": [{"kind": "enterprise", "name": "某工艺品有限公司", "code": CREDIT}]
            })),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let id = r.json()["id"].as_i64().expect("case id");
    for base in [b, &c.lb] {
        let r = http
            .get(
                &format!("{base}/api/v1/search?q=%E9%B8%A1%E8%A1%80%E7%9F%B3"),
                &[("authorization", format!("Bearer {}", p.staff_token))],
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let hits = r.json()["items"].clone();
        assert!(
            hits.as_array()
                .is_some_and(|h| h.iter().any(|h| h["kind"] == "case" && h["id"] == id)),
            "{base}: {hits}"
        );
    }
}

async fn jobs_act_once(c: &Cluster, p: &Prepared, case: i64) -> i64 {
    // Both schedulers tick at start; the first pass (the lease holder's) is counted when it has
    // committed.
    let passes = || async {
        let mut passes = Vec::new();
        for base in [&c.a, &c.b] {
            passes.push(scheduler_passes(&c.http, base).await);
        }
        passes
    };
    wait_until_async("scheduler pass", Duration::from_secs(30), || async {
        passes().await.iter().sum::<f64>() > 0.0
    })
    .await;
    let passes = passes().await;
    assert!(
        (passes[0] > 0.0) != (passes[1] > 0.0),
        "exactly one instance runs the deadline scheduler's passes (a, b: {passes:?})"
    );
    let leases = scalar_i64(
        &c.pool,
        "SELECT COUNT(*) FROM job_leases WHERE name IN ('deadline-scheduler', 'mail-sender')",
        None,
    )
    .await;
    assert_eq!(leases, 2, "one lease row per job");
    let state: String = sqlx::query_scalar("SELECT state FROM deadlines WHERE id = $1")
        .bind(p.overdue)
        .fetch_one(&c.pool)
        .await
        .expect("deadline");
    assert_eq!(state, "missed");
    let events = scalar_i64(
        &c.pool,
        "SELECT COUNT(*) FROM deadline_events WHERE deadline_id = $1 AND kind = 'missed'",
        Some(p.overdue),
    )
    .await;
    let todos = scalar_i64(
        &c.pool,
        "SELECT COUNT(*) FROM todo_items WHERE source_type = 'deadline' AND source_id = $1",
        Some(p.overdue),
    )
    .await;
    let audited = scalar_i64(
        &c.pool,
        "SELECT COUNT(*) FROM audit_log WHERE action = 'deadline.scheduler_pass'",
        None,
    )
    .await;
    assert_eq!(
        (events, todos, audited - p.audited_passes),
        (1, 1, 1),
        "the overdue deadline is escalated once (events, to-dos, audited passes)"
    );
    let told: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND link = $2")
            .bind(p.staff_id)
            .bind(format!("/deadlines/{}", p.overdue))
            .fetch_one(&c.pool)
            .await
            .expect("count");
    assert_eq!(told, 1, "staff is told of the overdue deadline once");

    check_mails(c, p, case).await
}

/// The deadline scheduler's successful passes run by the instance at `base` (its `/metrics`).
async fn scheduler_passes(http: &Http, base: &str) -> f64 {
    let r = http
        .get(
            &format!("{base}/metrics"),
            &[("authorization", format!("Bearer {METRICS_TOKEN}"))],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.text()
        .lines()
        .find(|l| l.starts_with("shuangda_scheduler_passes_total") && l.contains("state=\"ok\""))
        .and_then(|l| l.split_whitespace().last())
        .and_then(|n| n.parse::<f64>().ok())
        .expect("shuangda_scheduler_passes_total{state=\"ok\"} in /metrics")
}

/// Every notification to staff is mailed, and the sink received each exactly once. Returns
/// how many.
async fn check_mails(c: &Cluster, p: &Prepared, case: i64) -> i64 {
    // The sender runs every 30 s: the approval's notification, made after the start, goes out
    // at the latest with the second pass. Once none is waiting, none is on its way either (a
    // notification is marked mailed after the server took it).
    wait_until_async(
        "every notification to staff mailed",
        Duration::from_secs(75),
        || async {
            let errors: Vec<String> = sqlx::query_scalar(
            "SELECT mail_error FROM notifications WHERE user_id = $1 AND mail_error IS NOT NULL",
        )
        .bind(p.staff_id)
        .fetch_all(&c.pool)
        .await
        .expect("errors");
            assert!(errors.is_empty(), "mail failed: {errors:?}");
            // Only today's: the demo's year of work leaves older notifications, which the
            // sender never mails (`notify::mail::MAX_AGE_HOURS`, a day).
            let waiting: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND mailed_at IS NULL \
                 AND created_at >= $2",
            )
            .bind(p.staff_id)
            .bind(common::test_today().to_string())
            .fetch_one(&c.pool)
            .await
            .expect("waiting");
            waiting == 0
        },
    )
    .await;
    let mailed = scalar_i64(
        &c.pool,
        "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND mailed_at IS NOT NULL",
        Some(p.staff_id),
    )
    .await;
    let mails = c.mails.lock().expect("mails").clone();
    let bodies: Vec<String> = mails.iter().map(|m| mail_body(m)).collect();
    assert_eq!(
        mails.len() as i64,
        mailed,
        "one mail per notification: {bodies:#?}"
    );
    let once = |needle: &str, what: &str| {
        let n = bodies.iter().filter(|b| b.contains(needle)).count();
        assert_eq!(n, 1, "{what} mailed once: {bodies:#?}");
    };
    for (id, body) in &p.waiting {
        once(body, &format!("notification {id} ({body})"));
    }
    once(
        &format!("{}/cases/{case}\n", c.lb),
        "the approval naming staff responsible",
    );
    once(
        &format!("{}/deadlines/{}\n", c.lb, p.overdue),
        "the escalation",
    );
    mailed
}

/// A write the balancer answered with 2xx: its title, the id it was given, the instance that
/// answered, and when.
#[derive(Clone)]
struct Ack {
    title: String,
    id: i64,
    by: String,
    at: Instant,
}

/// API writes through the balancer from several writers; b is killed (SIGKILL) once both
/// instances have acknowledged writes, and the writers go on until a has acknowledged more.
/// Every acknowledged write is in the database. Returns a summary.
async fn kill_under_load(c: &mut Cluster, token: &str) -> String {
    let received = common::test_today() - chrono::Duration::days(1);
    let acked: Arc<Mutex<Vec<Ack>>> = Arc::default();
    let failed: Arc<Mutex<Vec<String>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let mut writers = Vec::new();
    for w in 0..WRITERS {
        let (http, url, token) = (
            c.http.clone(),
            format!("{}/api/v1/cases", c.lb),
            token.to_string(),
        );
        let (acked, failed, stop) = (acked.clone(), failed.clone(), stop.clone());
        writers.push(tokio::spawn(async move {
            let mut i = 0;
            while !stop.load(Ordering::Relaxed) {
                let title = format!("负载测试案件{w}-{i}");
                i += 1;
                let body = json!({
                    "title": title,
                    "summary": "并发写入测试。",
                    "source": "daily_work",
                    "received_on": received.to_string(),
                    "right_kinds": ["trademark"],
                    "regions": ["411502"],
                    "parties": [{"kind": "enterprise", "name": "某公司", "code": CREDIT}]
                });
                let headers = [
                    ("authorization", format!("Bearer {token}")),
                    ("content-type", "application/json".to_string()),
                ];
                match http
                    .send(Method::POST, &url, &headers, body.to_string().into_bytes())
                    .await
                {
                    Ok(r) if r.status.is_success() => {
                        let id = r.json()["id"]
                            .as_i64()
                            .unwrap_or_else(|| panic!("a 2xx without an id: {}", r.text()));
                        let by = r.served_by();
                        acked.lock().expect("acked").push(Ack {
                            title,
                            id,
                            by,
                            at: Instant::now(),
                        });
                    }
                    Ok(r) => {
                        assert!(
                            r.status.is_server_error(),
                            "{title}: refused, not lost to the dead instance: {} {}",
                            r.status,
                            r.text()
                        );
                        let by = r.served_by();
                        failed
                            .lock()
                            .expect("failed")
                            .push(format!("{title}: {} via {by}", r.status));
                    }
                    Err(e) => failed.lock().expect("failed").push(e),
                }
            }
        }));
    }
    wait_until(
        "40 acknowledged writes from both instances",
        Duration::from_secs(60),
        || {
            // While both instances live, every write is acknowledged.
            let f = failed.lock().expect("failed");
            assert!(f.is_empty(), "writes failed before the kill: {f:#?}");
            let g = acked.lock().expect("acked");
            g.len() >= 40 && g.iter().any(|x| x.by == "a") && g.iter().any(|x| x.by == "b")
        },
    )
    .await;
    let before_kill = acked.lock().expect("acked").len();
    let status = c.procs.kill("b");
    let killed_at = Instant::now();
    wait_until(
        "40 more acknowledged writes after the kill",
        Duration::from_secs(60),
        || acked.lock().expect("acked").len() >= before_kill + 40,
    )
    .await;
    stop.store(true, Ordering::Relaxed);
    for w in writers {
        w.await.expect("writer");
    }
    let acked = acked.lock().expect("acked").clone();
    let failed = failed.lock().expect("failed").clone();
    // A response b sent just before it died may still be on its way; nothing later.
    let late = acked
        .iter()
        .filter(|x| x.by == "b" && x.at > killed_at + Duration::from_secs(1))
        .count();
    assert_eq!(
        late, 0,
        "no answer from the killed instance after its death"
    );
    let mut lost = Vec::new();
    for Ack { title, id, by, .. } in &acked {
        let stored: Option<String> = sqlx::query_scalar("SELECT title FROM cases WHERE id = $1")
            .bind(id)
            .fetch_optional(&c.pool)
            .await
            .expect("read back");
        if stored.as_deref() != Some(title.as_str()) {
            lost.push(format!("{title} (id {id}, from {by}): stored {stored:?}"));
        }
    }
    assert!(lost.is_empty(), "acknowledged writes lost: {lost:#?}");
    let stored: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM cases WHERE title LIKE '负载测试案件%'")
            .fetch_one(&c.pool)
            .await
            .expect("count");
    let distinct: i64 = sqlx::query_scalar(
        "SELECT COUNT(DISTINCT title) FROM cases WHERE title LIKE '负载测试案件%'",
    )
    .fetch_one(&c.pool)
    .await
    .expect("count");
    assert!(
        stored >= acked.len() as i64 && stored <= (acked.len() + failed.len()) as i64,
        "stored writes ({stored}) are the acknowledged ones ({}) and at most the unanswered ones \
         ({})",
        acked.len(),
        failed.len()
    );
    format!(
        "b killed ({status}) after {before_kill} acknowledged writes; {} acknowledged in all \
         ({} by a, {} by b), every one stored; {} unanswered while b died {:?}; {stored} stored, \
         {} titles twice",
        acked.len(),
        acked.iter().filter(|x| x.by == "a").count(),
        acked.iter().filter(|x| x.by == "b").count(),
        failed.len(),
        failed.iter().take(3).collect::<Vec<_>>(),
        stored - distinct
    )
}
