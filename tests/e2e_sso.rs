//! In a real browser: sign in through the identity platform (panva's `oidc-provider`) from the
//! sign-in page's 「…统一身份认证登录」 button, land signed in, and sign out. On both databases.

#[macro_use]
mod common;

use common::browser::*;
use common::sso::{OpenIdProvider, oidc_config};

use axum::http::{Method, StatusCode};
use fantoccini::Client;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_signs_in_through_the_identity_platform() {
    each_db_in_browser("single sign-on", &[CHROMEDRIVER, CHROMIUM], run).await;
}

async fn run(app: common::App, webdriver: String) {
    let label = format!("{:?}", app.db.dialect).to_lowercase();
    // The platform's address first: the provider registers its callback.
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let op = OpenIdProvider::start(
        &[format!("{base}/auth/oidc/gov/callback")],
        &[format!("{base}/login?msg=signed_out")],
    );
    let mut t = toml::Table::new();
    t.insert("public_url".into(), base.clone().into());
    t.insert(
        "oidc".into(),
        toml::Value::Array(vec![
            oidc_config("gov", "信阳市统一身份认证", &op.issuer, "shuangda").into(),
        ]),
    );
    let mut config: shuangda::config::Config = toml::Value::Table(t).try_into().expect("config");
    config.database_url = app.url.clone();
    let app = app.with_config(config);
    let sys = app.token("sysadmin").await;
    let id = app.user_id("staff").await;
    let r = common::api(
        &app,
        Method::POST,
        &format!("/api/v1/users/{id}/identities"),
        Some(&sys),
        Some(serde_json::json!({"provider": "gov", "subject": "sub-staff"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let server = AbortOnDrop(tokio::spawn(shuangda::server::serve(
        app.state.clone(),
        listener,
    )));

    let profile = tempfile::tempdir().expect("temporary browser profile");
    let client = connect(&webdriver, profile.path())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let result = flow(&client, &base).await;
    let mut report = String::new();
    if result.is_err() {
        report = failure_report(&client, &label).await;
    }
    let _ = client.close().await;
    drop(server);
    drop(op);
    if let Err(e) = result {
        panic!("{report}\nsingle sign-on on {label} failed: {e}");
    }
}

async fn flow(c: &Client, base: &str) -> Step<()> {
    c.goto(&format!("{base}/login")).await.ctx("open sign-in")?;
    let button = text(c, "#sso-gov").await?;
    ensure!(
        button.contains("信阳市统一身份认证登录"),
        "the button says {button}"
    );
    click(c, "#sso-gov").await?;
    // At the provider's own sign-in page.
    fill(c, "#op-login", "staff").await?;
    click(c, "#op-submit").await?;
    // Back at the platform, signed in, on the home page.
    wait_for(c, "#logout").await?;
    wait_path(c, "/").await?;
    // Signing out ends the platform's session (then the provider asks about its own).
    click(c, "#logout").await?;
    // The sign-out is a form post and a redirect to the provider: going home before it has
    // left the page would cancel it.
    let home = format!("{base}/");
    let until = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let url = c.current_url().await.ctx("reading the address")?;
        if url.as_str() != home {
            break;
        }
        ensure!(
            std::time::Instant::now() < until,
            "signing out did not leave {home}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    c.goto(&home).await.ctx("home again")?;
    wait_path(c, "/login").await?;
    Ok(())
}
