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

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;
use tokio::task::JoinHandle;

pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
pub const CHROMIUM: &str = "/usr/bin/chromium";
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
