//! End-to-end test in a real browser: headless Chromium, driven over WebDriver (chromedriver and
//! fantoccini), against the real server listening on a loopback port. Runs on SQLite and, when
//! `SHUANGDA_TEST_DATABASE_URL` names a PostgreSQL server, once more on a throw-away PostgreSQL
//! database.
//!
//! Needs the Debian packages `chromium` and `chromium-driver`. Without them the test says so
//! and passes, unless `SHUANGDA_REQUIRE_BROWSER=1` (set in CI), when it fails.
//!
//! On failure a screenshot of the page the browser was on is saved to the system temporary
//! directory (`shuangda-e2e-<database>-failure.png`) and the chromedriver log is printed.

mod common;

use std::fmt::Display;
use std::fs::File;
use std::io::Write;
use std::net::{Ipv4Addr, SocketAddr, TcpListener as StdTcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;
use tokio::task::JoinHandle;

/// Return an error from the flow unless `cond` holds.
macro_rules! ensure {
    ($cond:expr, $($msg:tt)+) => {
        if !$cond {
            return Err(format!($($msg)+));
        }
    };
}

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";
/// Longest wait for any one thing to appear in the browser.
const TIMEOUT: Duration = Duration::from_secs(20);

const GROUP: &str = "信阳市打击侵犯知识产权和制售假冒伪劣商品工作领导小组";
const UNIT_NAME: &str = "信阳市知识产权保护中心（端到端测试）";
const NEW_USERNAME: &str = "e2e.tester";
const NEW_DISPLAY_NAME: &str = "端到端测试员";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_admin_creates_unit_and_user_who_must_change_password() {
    let required = std::env::var("SHUANGDA_REQUIRE_BROWSER")
        .is_ok_and(|v| matches!(v.trim(), "1" | "true" | "yes"));
    for bin in [CHROMEDRIVER, CHROMIUM] {
        if !Path::new(bin).exists() {
            assert!(
                !required,
                "SHUANGDA_REQUIRE_BROWSER=1 but {bin} is missing \
                 (apt-get install chromium chromium-driver)"
            );
            // Straight to stderr: the test harness captures `eprintln!`.
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED browser end-to-end test: {bin} not found. Install the Debian packages \
                 chromium and chromium-driver, or set SHUANGDA_REQUIRE_BROWSER=1 to fail instead."
            );
            return;
        }
    }

    let driver = Chromedriver::start().await;
    let webdriver = driver.url.clone();
    common::each_db(true, move |app| {
        let webdriver = webdriver.clone();
        async move { run(app, webdriver).await }
    })
    .await;
    drop(driver);
}

/// Serve `app` on a loopback port, open a browser session and walk through the flow.
async fn run(app: common::App, webdriver: String) {
    let label = format!("{:?}", app.db.dialect).to_lowercase();
    let group_id = app.unit_id(GROUP).await;

    let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .await
        .expect("bind a loopback port");
    let addr = listener.local_addr().expect("local address");
    let server = AbortOnDrop(tokio::spawn(shuangda::server::serve(
        app.state.clone(),
        listener,
    )));
    let base = format!("http://{addr}");

    let profile = tempfile::tempdir().expect("temporary browser profile");
    let client = connect(&webdriver, profile.path())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let started = Instant::now();
    let result = flow(&client, &base, group_id).await;
    let mut report = String::new();
    if result.is_err() {
        report = failure_report(&client, &label).await;
    }
    // Ends the session, which quits Chromium.
    let _ = client.close().await;
    drop(server);
    match result {
        Ok(()) => {
            let _ = writeln!(
                std::io::stderr(),
                "browser flow on {label} passed in {:.1} s",
                started.elapsed().as_secs_f64()
            );
        }
        Err(e) => panic!("browser flow on {label} failed: {e}\n{report}"),
    }
}

/// The acceptance: sign in as system administrator, create a unit (after one rejected
/// attempt) and an account in it, sign out, fail a sign-in, and sign in as the new account, which
/// must change its generated password first.
async fn flow(c: &Client, base: &str, group_id: i64) -> Step<()> {
    // Sign in as the demo system administrator.
    c.goto(&format!("{base}/login"))
        .await
        .ctx("opening /login")?;
    sign_in(c, "sysadmin", shuangda::demo::DEMO_PASSWORD).await?;
    wait_for(c, "#logout").await?;
    wait_path(c, "/").await?;

    // 单位 → 新建单位.
    let nav = wait_for(c, "nav.nav a[href='/units']").await?;
    let label = nav.text().await.ctx("reading the 单位 link")?;
    ensure!(label.trim() == "单位", "the units link reads {label:?}");
    nav.click().await.ctx("clicking 单位")?;
    click(c, "#new-unit").await?;
    wait_for(c, "#unit-form").await?;
    wait_path(c, "/units/new").await?;

    // First with a malformed region code: the form comes back with a Chinese field error and
    // keeps what was typed.
    fill(c, "#unit-name", UNIT_NAME).await?;
    select_value(c, "#unit-kind", "member_unit").await?;
    fill(c, "#unit-region", "4115").await?;
    select_value(c, "#unit-parent", &group_id.to_string()).await?;
    click(c, "#unit-submit").await?;
    let err = wait_for(c, "p.field-error[data-field='region_code']").await?;
    let err = err.text().await.ctx("reading the region error")?;
    ensure!(
        err.contains("行政区划代码应为6位数字"),
        "region error not as expected: {err:?}"
    );
    let alert = text(c, "section.card > p.error-text").await?;
    ensure!(
        alert.contains("请修改标出的项目后再提交"),
        "form-level error not as expected: {alert:?}"
    );
    let kept = prop(c, "#unit-name", "value").await?;
    ensure!(kept == UNIT_NAME, "typed unit name not kept: {kept:?}");
    let kept = prop(c, "#unit-region", "value").await?;
    ensure!(kept == "4115", "typed region code not kept: {kept:?}");
    let kept = prop(c, "#unit-kind", "value").await?;
    ensure!(kept == "member_unit", "chosen unit kind not kept: {kept:?}");
    let kept = prop(c, "#unit-parent", "value").await?;
    ensure!(
        kept == group_id.to_string(),
        "chosen parent not kept: {kept:?}"
    );
    wait_path(c, "/units/new").await?;

    // Corrected: the unit is created and its page shows its name.
    fill(c, "#unit-region", "411500").await?;
    click(c, "#unit-submit").await?;
    let title = wait_for(c, "#unit-title").await?;
    let title = title.text().await.ctx("reading #unit-title")?;
    ensure!(title.trim() == UNIT_NAME, "unit page shows {title:?}");
    let path = current_path(c).await?;
    let unit_id = path
        .strip_prefix("/units/")
        .and_then(|id| id.parse::<i64>().ok())
        .ok_or_else(|| format!("after creating the unit the browser is at {path}"))?;
    let parent = text(c, "dl.facts a[href^='/units/']").await?;
    ensure!(parent.trim() == GROUP, "unit page shows parent {parent:?}");

    // 用户 → 新建用户, in the new unit.
    click(c, "nav.nav a[href='/users']").await?;
    click(c, "#new-user").await?;
    wait_for(c, "#user-form").await?;
    fill(c, "#user-username", NEW_USERNAME).await?;
    fill(c, "#user-display-name", NEW_DISPLAY_NAME).await?;
    select_value(c, "#user-unit", &unit_id.to_string()).await?;
    click(c, "#user-submit").await?;
    let issued = wait_for(c, "#issued-password").await?;
    let password = issued.text().await.ctx("reading #issued-password")?;
    let password = password.trim().to_string();
    ensure!(
        password.len() >= 10,
        "generated password looks wrong: {password:?}"
    );
    let who = text(c, "#issued-username").await?;
    ensure!(who.trim() == NEW_USERNAME, "password issued for {who:?}");

    // Sign out.
    click(c, "#logout").await?;
    wait_for(c, "#login-submit").await?;
    wait_path(c, "/login").await?;

    // A wrong password: the form comes back with the error, still at /login.
    sign_in(c, NEW_USERNAME, "Wrong-password-1").await?;
    let err = wait_for(c, "#login-error").await?;
    let err = err.text().await.ctx("reading #login-error")?;
    ensure!(
        err.contains("用户名或密码错误"),
        "login error not as expected: {err:?}"
    );
    let path = current_path(c).await?;
    ensure!(path == "/login", "after a failed sign-in the URL is {path}");

    // The new account with its generated password lands on the forced password change.
    sign_in(c, NEW_USERNAME, &password).await?;
    wait_for(c, "#password-submit").await?;
    wait_path(c, "/password").await?;
    let warn = text(c, "p.warn[role='alert']").await?;
    ensure!(
        warn.contains("初始密码"),
        "forced-change notice not as expected: {warn:?}"
    );
    // Every other page sends it back there until the password is changed.
    c.goto(&format!("{base}/units"))
        .await
        .ctx("opening /units")?;
    wait_for(c, "#password-submit").await?;
    wait_path(c, "/password").await?;
    Ok(())
}

// ---- browser helpers ----

type Step<T> = Result<T, String>;

trait Ctx<T> {
    fn ctx(self, what: &str) -> Step<T>;
}

impl<T, E: Display> Ctx<T> for Result<T, E> {
    fn ctx(self, what: &str) -> Step<T> {
        self.map_err(|e| format!("{what}: {e}"))
    }
}

async fn current_path(c: &Client) -> Step<String> {
    Ok(c.current_url()
        .await
        .ctx("reading the current URL")?
        .path()
        .to_string())
}

async fn wait_for(c: &Client, css: &str) -> Step<Element> {
    match c
        .wait()
        .at_most(TIMEOUT)
        .for_element(Locator::Css(css))
        .await
    {
        Ok(e) => Ok(e),
        Err(e) => {
            let url = c
                .current_url()
                .await
                .map(|u| u.to_string())
                .unwrap_or_else(|e| format!("(unknown: {e})"));
            Err(format!("waiting for {css} (browser at {url}): {e}"))
        }
    }
}

async fn wait_path(c: &Client, want: &str) -> Step<()> {
    let deadline = Instant::now() + TIMEOUT;
    loop {
        let path = current_path(c).await?;
        if path == want {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(format!("expected to be at {want}, browser is at {path}"));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn click(c: &Client, css: &str) -> Step<()> {
    wait_for(c, css)
        .await?
        .click()
        .await
        .ctx(&format!("clicking {css}"))
}

async fn fill(c: &Client, css: &str, value: &str) -> Step<()> {
    let e = wait_for(c, css).await?;
    e.clear().await.ctx(&format!("clearing {css}"))?;
    e.send_keys(value)
        .await
        .ctx(&format!("typing into {css}"))?;
    let got = e.prop("value").await.ctx(&format!("reading {css}"))?;
    ensure!(
        got.as_deref() == Some(value),
        "typed {value:?} into {css} but it holds {got:?}"
    );
    Ok(())
}

async fn select_value(c: &Client, css: &str, value: &str) -> Step<()> {
    let e = wait_for(c, css).await?;
    e.select_by_value(value)
        .await
        .ctx(&format!("choosing {value} in {css}"))?;
    let got = e.prop("value").await.ctx(&format!("reading {css}"))?;
    ensure!(
        got.as_deref() == Some(value),
        "chose {value:?} in {css} but it holds {got:?}"
    );
    Ok(())
}

async fn text(c: &Client, css: &str) -> Step<String> {
    wait_for(c, css)
        .await?
        .text()
        .await
        .ctx(&format!("reading {css}"))
}

async fn prop(c: &Client, css: &str, name: &str) -> Step<String> {
    Ok(wait_for(c, css)
        .await?
        .prop(name)
        .await
        .ctx(&format!("reading {css}.{name}"))?
        .unwrap_or_default())
}

async fn sign_in(c: &Client, username: &str, password: &str) -> Step<()> {
    fill(c, "#username", username).await?;
    fill(c, "#password", password).await?;
    click(c, "#login-submit").await
}

/// Where the browser was when the flow failed, with a screenshot saved to the temp directory.
async fn failure_report(c: &Client, label: &str) -> String {
    let url = c
        .current_url()
        .await
        .map(|u| u.to_string())
        .unwrap_or_else(|e| format!("(unknown: {e})"));
    let shot: PathBuf = std::env::temp_dir().join(format!("shuangda-e2e-{label}-failure.png"));
    let saved = match c.screenshot().await {
        Ok(png) => match std::fs::write(&shot, png) {
            Ok(()) => format!("screenshot saved to {}", shot.display()),
            Err(e) => format!("could not save the screenshot to {}: {e}", shot.display()),
        },
        Err(e) => format!("could not take a screenshot: {e}"),
    };
    let main = match c.find(Locator::Css("main")).await {
        Ok(m) => m.text().await.unwrap_or_default(),
        Err(_) => String::new(),
    };
    let main: String = main.chars().take(2000).collect();
    format!("browser at {url}; {saved}\npage text:\n{main}")
}

/// A headless Chromium session. The browser's flags keep it off the (closed) network.
async fn connect(webdriver: &str, profile: &Path) -> Step<Client> {
    let args = [
        "--headless=new".to_string(),
        "--no-sandbox".into(),
        "--disable-gpu".into(),
        "--disable-dev-shm-usage".into(),
        "--disable-quic".into(),
        "--no-first-run".into(),
        "--disable-background-networking".into(),
        "--disable-component-update".into(),
        "--disable-sync".into(),
        format!("--user-data-dir={}", profile.display()),
        "--window-size=1280,900".into(),
    ];
    let mut caps = serde_json::Map::new();
    caps.insert("browserName".into(), json!("chrome"));
    caps.insert(
        "goog:chromeOptions".into(),
        json!({ "binary": CHROMIUM, "args": args }),
    );
    let connecting = ClientBuilder::new(HttpConnector::new())
        .capabilities(caps)
        .connect(webdriver)
        .await;
    connecting.ctx(&format!("starting a Chromium session through {webdriver}"))
}

// ---- processes ----

/// Aborts the server task when the flow ends, also when it panics.
struct AbortOnDrop(JoinHandle<std::io::Result<()>>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// A chromedriver child process in its own process group; dropping it kills the group (the
/// driver and any browser it started), also when the test fails.
struct Chromedriver {
    child: Child,
    url: String,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Chromedriver {
    async fn start() -> Chromedriver {
        let mut last = String::new();
        // The port is chosen free but only claimed when chromedriver binds it; retry on a race.
        for _ in 0..3 {
            match Self::try_start().await {
                Ok(d) => return d,
                Err(e) => last = e,
            }
        }
        panic!("could not start chromedriver: {last}");
    }

    async fn try_start() -> Step<Chromedriver> {
        let port = StdTcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .ctx("finding a free port")?;
        let dir = tempfile::tempdir().ctx("temporary directory")?;
        let log = dir.path().join("chromedriver.log");
        let out = File::create(&log).ctx("creating the chromedriver log")?;
        let err = out.try_clone().ctx("creating the chromedriver log")?;
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .process_group(0)
            .spawn()
            .ctx(&format!("running {CHROMEDRIVER}"))?;
        let mut driver = Chromedriver {
            child,
            url: format!("http://127.0.0.1:{port}"),
            log,
            _dir: dir,
        };
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if let Ok(Some(status)) = driver.child.try_wait() {
                return Err(format!(
                    "chromedriver exited with {status}: {}",
                    driver.log_tail()
                ));
            }
            if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                return Ok(driver);
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "chromedriver did not listen on port {port}: {}",
                    driver.log_tail()
                ));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }
}

impl Drop for Chromedriver {
    fn drop(&mut self) {
        if std::thread::panicking() {
            let _ = writeln!(
                std::io::stderr(),
                "chromedriver log (last lines):\n{}",
                self.log_tail()
            );
        }
        if let Ok(None) = self.child.try_wait() {
            // The child leads its own process group: take down the browser with the driver.
            let group = format!("-{}", self.child.id());
            let _ = Command::new("kill")
                .args(["-KILL", "--", &group])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}
