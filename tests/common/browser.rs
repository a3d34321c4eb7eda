//! Shared harness of the browser tests: Debian's chromedriver and Chromium, a WebDriver
//! client, waits and form helpers, and a failure report with a screenshot.

use std::fmt::Display;
use std::fs::File;
use std::io::Write;
use std::net::{Ipv4Addr, SocketAddr, TcpListener as StdTcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::{Request, header};
use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;
use tokio::task::JoinHandle;

pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const PDFTOTEXT: &str = "/usr/bin/pdftotext";
pub const TIMEOUT: Duration = Duration::from_secs(20);

pub type Step<T> = Result<T, String>;

pub trait Ctx<T> {
    fn ctx(self, what: &str) -> Step<T>;
}

impl<T, E: Display> Ctx<T> for Result<T, E> {
    fn ctx(self, what: &str) -> Step<T> {
        self.map_err(|e| format!("{what}: {e}"))
    }
}

pub async fn current_path(c: &Client) -> Step<String> {
    Ok(c.current_url()
        .await
        .ctx("reading the current URL")?
        .path()
        .to_string())
}

pub async fn wait_for(c: &Client, css: &str) -> Step<Element> {
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

pub async fn wait_path(c: &Client, want: &str) -> Step<()> {
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

/// Wait until the address holds `needle`: a filter form submitted to its own path changes only
/// the query, and until then the old page (whose figures may differ) is still on screen.
pub async fn wait_url_contains(c: &Client, needle: &str) -> Step<()> {
    let deadline = Instant::now() + TIMEOUT;
    loop {
        let url = c
            .current_url()
            .await
            .ctx("reading the current URL")?
            .to_string();
        if url.contains(needle) {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(format!(
                "expected the address to hold {needle}, it is {url}"
            ));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub async fn click(c: &Client, css: &str) -> Step<()> {
    wait_for(c, css)
        .await?
        .click()
        .await
        .ctx(&format!("clicking {css}"))
}

pub async fn fill(c: &Client, css: &str, value: &str) -> Step<()> {
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

pub async fn select_value(c: &Client, css: &str, value: &str) -> Step<()> {
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

pub async fn text(c: &Client, css: &str) -> Step<String> {
    wait_for(c, css)
        .await?
        .text()
        .await
        .ctx(&format!("reading {css}"))
}

pub async fn prop(c: &Client, css: &str, name: &str) -> Step<String> {
    Ok(wait_for(c, css)
        .await?
        .prop(name)
        .await
        .ctx(&format!("reading {css}.{name}"))?
        .unwrap_or_default())
}

pub async fn sign_in(c: &Client, username: &str, password: &str) -> Step<()> {
    fill(c, "#username", username).await?;
    fill(c, "#password", password).await?;
    click(c, "#login-submit").await
}

/// Where the browser was when the flow failed, with a screenshot saved to the temp directory.
pub async fn failure_report(c: &Client, label: &str) -> String {
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
    let main: String = main.chars().take(3000).collect();
    format!("browser at {url}; {saved}\npage text:\n{main}")
}

/// A headless Chromium session. The browser's flags keep it off the (closed) network.
pub async fn connect(webdriver: &str, profile: &Path) -> Step<Client> {
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
pub struct AbortOnDrop(pub JoinHandle<std::io::Result<()>>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// A chromedriver child process in its own process group; dropping it kills the group (the
/// driver and any browser it started), also when the test fails.
pub struct Chromedriver {
    pub child: Child,
    pub url: String,
    pub log: PathBuf,
    pub _dir: tempfile::TempDir,
}

impl Chromedriver {
    pub async fn start() -> Chromedriver {
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

    pub async fn try_start() -> Step<Chromedriver> {
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

    pub fn log_tail(&self) -> String {
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

// ---- page helpers shared by the browser tests ----

/// Click the submit button of `#form` and wait until the answer has replaced the page: until
/// then, what is on screen (a refusal from an earlier step, say) says nothing about this one.
/// Destructive steps ask first (app.js); `confirm` accepts as the user would.
pub async fn submit_form(c: &Client, form: &str, confirm: bool) -> Step<()> {
    let old_page = c
        .find(Locator::Css("html"))
        .await
        .ctx("finding the page before the step")?;
    click(c, &format!("#{form} button[type='submit']")).await?;
    if confirm {
        c.accept_alert()
            .await
            .ctx(&format!("accepting the confirmation of {form}"))?;
    }
    let deadline = Instant::now() + TIMEOUT;
    while old_page.tag_name().await.is_ok() {
        if Instant::now() > deadline {
            return Err(format!(
                "after {form} the page was not replaced in {TIMEOUT:?}"
            ));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(())
}

/// Submit the step form `#form` and wait for the reloaded case page: one more timeline entry
/// and the state `state`. A refusal shown on the page (`#step-error`) fails at once.
pub async fn submit_and_wait(
    c: &Client,
    form: &str,
    state: &str,
    state_css: &str,
    timeline_css: &str,
    confirm: bool,
) -> Step<()> {
    let before = find_all(c, &format!("{timeline_css} li")).await?.len();
    submit_form(c, form, confirm).await?;
    let deadline = Instant::now() + TIMEOUT;
    let mut seen = String::new();
    loop {
        if let Ok(e) = c.find(Locator::Css("#step-error")).await
            && let Ok(msg) = e.text().await
        {
            return Err(format!("step {form} was refused: {msg}"));
        }
        let entries = c
            .find_all(Locator::Css(&format!("{timeline_css} li")))
            .await
            .map(|v| v.len())
            .unwrap_or(0);
        if let Ok(e) = c.find(Locator::Css(state_css)).await
            && let Ok(s) = e.text().await
        {
            seen = s.trim().to_string();
            if entries > before && seen == state {
                return Ok(());
            }
        }
        if Instant::now() > deadline {
            let url = c
                .current_url()
                .await
                .map(|u| u.to_string())
                .unwrap_or_default();
            return Err(format!(
                "after {form} expected state {state:?} and more than {before} timeline entries; \
                 browser at {url} shows state {seen:?} with {entries} entries"
            ));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Sign out, sign in as `username` (checking the unit shown, if given) and open `url`.
pub async fn switch_to(
    c: &Client,
    username: &str,
    password: &str,
    unit: Option<&str>,
    url: &str,
    ready_css: &str,
) -> Step<()> {
    click(c, "#logout").await?;
    wait_for(c, "#login-submit").await?;
    wait_path(c, "/login").await?;
    sign_in(c, username, password).await?;
    wait_for(c, "#logout").await?;
    wait_path(c, "/").await?;
    if let Some(unit) = unit {
        let shown = text(c, ".who-unit").await?;
        ensure!(
            shown.trim() == unit,
            "{username} is shown in unit {shown:?}, expected {unit:?}"
        );
    }
    c.goto(url).await.ctx(&format!("opening {url}"))?;
    wait_for(c, ready_css).await?;
    Ok(())
}

/// Fail if `css` is on the page (checked once, without waiting: the page is already loaded).
pub async fn absent(c: &Client, css: &str) -> Step<()> {
    let found = find_all(c, css).await?;
    ensure!(
        found.is_empty(),
        "{css} should not be on the page at {}",
        current_path(c).await?
    );
    Ok(())
}

pub async fn find_all(c: &Client, css: &str) -> Step<Vec<Element>> {
    c.find_all(Locator::Css(css))
        .await
        .ctx(&format!("looking for {css}"))
}

/// Tick a checkbox and read back that it is ticked.
pub async fn check(c: &Client, css: &str) -> Step<()> {
    let e = wait_for(c, css).await?;
    if !e.is_selected().await.ctx(&format!("reading {css}"))? {
        e.click().await.ctx(&format!("ticking {css}"))?;
    }
    let on = e.is_selected().await.ctx(&format!("reading {css}"))?;
    ensure!(on, "{css} is not ticked after clicking it");
    Ok(())
}

/// Set a date input. Typing into `<input type="date">` depends on the browser's locale (the
/// keys go into a localised mm/dd/yyyy or yyyy/mm/dd widget), so the value is set by script,
/// as the date picker would, and read back.
pub async fn set_date(c: &Client, css: &str, value: &str) -> Step<()> {
    let e = wait_for(c, css).await?;
    c.execute(
        "const e = arguments[0]; e.value = arguments[1]; \
         e.dispatchEvent(new Event('input', {bubbles: true})); \
         e.dispatchEvent(new Event('change', {bubbles: true}));",
        vec![json!(e), json!(value)],
    )
    .await
    .ctx(&format!("setting {css}"))?;
    let got = e.prop("value").await.ctx(&format!("reading {css}"))?;
    ensure!(
        got.as_deref() == Some(value),
        "set {value:?} in {css} but it holds {got:?}"
    );
    Ok(())
}

/// Text of a PDF as `pdftotext -layout` extracts it.
pub fn pdftotext(pdf: &[u8]) -> Step<String> {
    let dir = tempfile::tempdir().ctx("temporary directory")?;
    let path = dir.path().join("letter.pdf");
    std::fs::write(&path, pdf).ctx("saving the letter")?;
    let out = Command::new(PDFTOTEXT)
        .arg("-layout")
        .arg(&path)
        .arg("-")
        .output()
        .ctx("running pdftotext")?;
    ensure!(
        out.status.success(),
        "pdftotext failed ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// `s` without whitespace: the layout puts spaces and line breaks inside wrapped text.
pub fn squeeze(s: &str) -> String {
    s.chars().filter(|ch| !ch.is_whitespace()).collect()
}

// ---- downloads with the browser's session ----

pub struct Download {
    pub status: u16,
    pub content_type: String,
    pub body: Vec<u8>,
}

/// GET `url` with the browser session's cookies. (A PDF or ZIP opened in headless Chromium is
/// downloaded rather than shown, so the test makes the request itself.)
pub async fn fetch_with_session(c: &Client, url: &str) -> Step<Download> {
    let cookies = c
        .get_all_cookies()
        .await
        .ctx("reading the browser's cookies")?;
    ensure!(!cookies.is_empty(), "the browser holds no cookies");
    let jar = cookies
        .iter()
        .map(|k| format!("{}={}", k.name(), k.value()))
        .collect::<Vec<_>>()
        .join("; ");
    http_get(url, Some(&jar)).await
}

pub async fn http_get(url: &str, cookie: Option<&str>) -> Step<Download> {
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http::<Empty<Bytes>>();
    let mut req = Request::get(url);
    if let Some(cookie) = cookie {
        req = req.header(header::COOKIE, cookie);
    }
    let req = req.body(Empty::new()).ctx(&format!("building GET {url}"))?;
    let fetch = async {
        let resp = client.request(req).await.ctx(&format!("GET {url}"))?;
        let status = resp.status().as_u16();
        let content_type = resp
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let body = resp
            .into_body()
            .collect()
            .await
            .ctx(&format!("reading GET {url}"))?
            .to_bytes()
            .to_vec();
        Ok(Download {
            status,
            content_type,
            body,
        })
    };
    tokio::time::timeout(TIMEOUT, fetch)
        .await
        .map_err(|_| format!("GET {url} took longer than {TIMEOUT:?}"))?
}

// ---- the harness every browser test starts with ----

/// Run `run(app, webdriver)` on each database, with one chromedriver for all of them, when the
/// browser tools `bins` are installed. Without them the `what` test says it is skipped and
/// passes, unless `SHUANGDA_REQUIRE_BROWSER=1` (set in CI), when it fails.
pub async fn each_db_in_browser<F, Fut>(what: &str, bins: &[&str], run: F)
where
    F: Fn(super::App, String) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let required = std::env::var("SHUANGDA_REQUIRE_BROWSER")
        .is_ok_and(|v| matches!(v.trim(), "1" | "true" | "yes"));
    for bin in bins {
        if !Path::new(bin).exists() {
            assert!(
                !required,
                "SHUANGDA_REQUIRE_BROWSER=1 but {bin} is missing \
                 (apt-get install chromium chromium-driver poppler-utils)"
            );
            // Straight to stderr: the test harness captures `eprintln!`.
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED browser {what} test: {bin} not found. Install the Debian packages \
                 chromium, chromium-driver and poppler-utils, or set SHUANGDA_REQUIRE_BROWSER=1 \
                 to fail instead."
            );
            return;
        }
    }
    let driver = Chromedriver::start().await;
    let webdriver = driver.url.clone();
    super::each_db(true, move |app| {
        let webdriver = webdriver.clone();
        let run = run.clone();
        async move { run(app, webdriver).await }
    })
    .await;
    drop(driver);
}

/// Serve `app` on a loopback port: its base URL, and the server task, stopped when dropped.
pub async fn serve_loopback(app: &super::App) -> (String, AbortOnDrop) {
    let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .await
        .expect("bind a loopback port");
    let addr = listener.local_addr().expect("local address");
    let server = AbortOnDrop(tokio::spawn(shuangda::server::serve(
        app.state.clone(),
        listener,
    )));
    (format!("http://{addr}"), server)
}

/// What the page breaks of WCAG 2.1 AA that a script can see: a control without a label (or an
/// `aria-label`), an invalid field without its message, text under 4.5:1 (3:1 large) against
/// its background, a resource from another origin, no language, no skip link, no viewport for
/// phones. (Field errors are `.field-error[data-field]`; other elements may carry `data-field`.)
pub const AUDIT: &str = r##"
const problems = [];
function lum(c) {
  const m = c.match(/rgba?\(([^)]+)\)/);
  if (!m) return null;
  const p = m[1].split(',').map(s => parseFloat(s));
  // A background mostly see-through (a highlight over the header) counts as its parent's.
  if (p.length > 3 && p[3] < 0.5) return null;
  const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
  return 0.2126 * f(p[0]) + 0.7152 * f(p[1]) + 0.0722 * f(p[2]);
}
function back(el) {
  while (el) { const l = lum(getComputedStyle(el).backgroundColor); if (l !== null) return l; el = el.parentElement; }
  return 1;
}
for (const el of document.querySelectorAll('input:not([type=hidden]), select, textarea')) {
  const named = el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
  if ((!el.labels || el.labels.length === 0) && !named) problems.push('no label: ' + (el.name || el.id));
}
for (const el of document.querySelectorAll('[aria-invalid=true]')) {
  const d = el.getAttribute('aria-describedby');
  if (!d || !document.getElementById(d)) problems.push('invalid without its message: ' + el.name);
}
for (const el of document.querySelectorAll('.field-error[data-field]')) {
  if (!el.id) problems.push('field error without id: ' + el.dataset.field);
}
for (const el of document.querySelectorAll('p, label, a, button, dt, dd, h1, h2, h3, li, legend, td, th, caption')) {
  if (el.getClientRects().length === 0) continue;
  if (!el.textContent.trim()) continue;
  const s = getComputedStyle(el);
  const fg = lum(s.color);
  if (fg === null) continue;
  const bg = back(el);
  const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
  const size = parseFloat(s.fontSize), weight = parseInt(s.fontWeight, 10);
  const large = size >= 24 || (size >= 18.66 && weight >= 700);
  if (ratio < (large ? 3 : 4.5)) problems.push('contrast ' + ratio.toFixed(2) + ': ' + el.textContent.trim().slice(0, 20));
}
for (const r of performance.getEntriesByType('resource')) {
  if (!r.name.startsWith(location.origin)) problems.push('third-party: ' + r.name);
}
if (document.documentElement.lang !== 'zh-CN') problems.push('lang: ' + document.documentElement.lang);
if (!document.querySelector('a.skip-link[href="#content"]')) problems.push('no skip link');
if (!document.querySelector('meta[name=viewport]')) problems.push('no viewport');
return problems;
"##;

pub async fn audit(c: &Client, page: &str) -> Step<()> {
    let got = c
        .execute(AUDIT, vec![])
        .await
        .ctx(&format!("auditing {page}"))?;
    let problems: Vec<String> = serde_json::from_value(got).ctx("reading the audit")?;
    ensure!(problems.is_empty(), "{page}: {problems:?}");
    Ok(())
}
