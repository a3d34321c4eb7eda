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

#[macro_use]
mod common;

use common::browser::*;

use std::io::Write;
use std::time::Instant;

use fantoccini::Client;

const GROUP: &str = "信阳市打击侵犯知识产权和制售假冒伪劣商品工作领导小组";
const UNIT_NAME: &str = "信阳市知识产权保护中心（端到端测试）";
const NEW_USERNAME: &str = "e2e.tester";
const NEW_DISPLAY_NAME: &str = "端到端测试员";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_admin_creates_unit_and_user_who_must_change_password() {
    each_db_in_browser("end-to-end", &[CHROMEDRIVER, CHROMIUM], run).await;
}

/// Serve `app` on a loopback port, open a browser session and walk through the flow.
async fn run(app: common::App, webdriver: String) {
    let label = format!("{:?}", app.db.dialect).to_lowercase();
    let group_id = app.unit_id(GROUP).await;

    let (base, server) = serve_loopback(&app).await;

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
        Err(e) => panic!("{report}\nbrowser flow on {label} failed: {e}"),
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
    // The field in error is marked and has the cursor (issue #20).
    let state = c
        .execute(
            "var e = document.getElementById('unit-region'); \
             return [e.getAttribute('aria-invalid'), document.activeElement && document.activeElement.id];",
            vec![],
        )
        .await
        .ctx("reading the marked field and the focus")?;
    ensure!(
        state == serde_json::json!(["true", "unit-region"]),
        "region field not marked and focused: {state}"
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
