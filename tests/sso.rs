//! Sign-in through the identity platform against real providers: panva's `oidc-provider` for
//! OpenID Connect and Debian's `slapd` for LDAP, on both databases.

mod common;

use axum::http::{Method, StatusCode};
use common::sso::{OpenIdProvider, PUBLIC_URL, Slapd, at_provider, oidc_config, provider_browser};
use common::{App, Client, api, each_db};
use serde_json::json;
use shuangda::config::Config;

const PROVIDERS: [&str; 3] = ["gov", "jit", "short"];

fn provider() -> OpenIdProvider {
    let redirects: Vec<String> = PROVIDERS
        .iter()
        .map(|p| format!("{PUBLIC_URL}/auth/oidc/{p}/callback"))
        .collect();
    OpenIdProvider::start(&redirects, &[format!("{PUBLIC_URL}/login?msg=signed_out")])
}

/// The app served with three providers at `issuer`: `gov` (linked identities only, or by the
/// `preferred_username` claim when `link_claim`), `jit` (creates accounts in 信阳市市场监督管理局)
/// and `short` (codes expire after a second), and the directory if given.
async fn app_with(app: &App, issuer: &str, link_claim: bool, ldap: Option<toml::Table>) -> App {
    let mut gov = oidc_config("gov", "信阳市统一身份认证", issuer, "shuangda");
    if link_claim {
        gov.insert("link_claim".into(), "preferred_username".into());
    }
    let mut jit = oidc_config("jit", "新账号认证", issuer, "shuangda");
    jit.insert("create_accounts".into(), true.into());
    jit.insert("create_in_unit".into(), "信阳市市场监督管理局".into());
    let short = oidc_config("short", "短时认证", issuer, "short");
    let mut t = toml::Table::new();
    t.insert("public_url".into(), PUBLIC_URL.into());
    t.insert(
        "oidc".into(),
        toml::Value::Array(vec![gov.into(), jit.into(), short.into()]),
    );
    if let Some(l) = ldap {
        t.insert("ldap".into(), l.into());
    }
    let mut config: Config = toml::Value::Table(t).try_into().expect("config");
    config.database_url = app.url.clone();
    shuangda::auth::federation::check_config(&config.oidc, config.ldap.as_ref())
        .expect("a valid configuration");
    app.with_config(config)
}

/// Start a sign-in at the app, sign in at the provider as `login`, and return the callback
/// address (path and query) the provider sends the browser back to.
async fn through_provider(
    client: &mut Client,
    op: &reqwest::Client,
    issuer: &str,
    provider: &str,
    login: &str,
) -> String {
    let r = client
        .get(&format!("/auth/oidc/{provider}/start?next=/cases"))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let back = at_provider(op, issuer, r.location().to_string(), PUBLIC_URL, login).await;
    back[PUBLIC_URL.len()..].to_string()
}

/// A fresh browser through the whole sign-in at `provider` as `login`: the browser and the
/// platform's answer to the callback.
async fn sign_in_via(
    app: &App,
    issuer: &str,
    provider: &str,
    login: &str,
) -> (Client, common::Resp) {
    let mut c = app.client();
    let back = through_provider(&mut c, &provider_browser(), issuer, provider, login).await;
    let r = c.get(&back).await;
    (c, r)
}

fn query_param(url: &str, name: &str) -> String {
    url.split(['?', '&'])
        .find_map(|kv| kv.strip_prefix(&format!("{name}=")))
        .unwrap_or_default()
        .to_string()
}

async fn signed_in_as(client: &mut Client) -> String {
    let home = client.get("/").await;
    assert_eq!(home.status, StatusCode::OK, "signed in: {}", home.body);
    client.csrf = home.csrf();
    home.body
}

/// The API call that links `subject` at `provider` to account `user_id`, as `token`'s holder.
async fn link_request(
    app: &App,
    token: &str,
    user_id: i64,
    provider: &str,
    subject: &str,
) -> common::Resp {
    api(
        app,
        Method::POST,
        &format!("/api/v1/users/{user_id}/identities"),
        Some(token),
        Some(json!({"provider": provider, "subject": subject})),
    )
    .await
}

/// The system administrator links `subject` at `provider` to `username`'s account.
async fn link(app: &App, username: &str, provider: &str, subject: &str) {
    let token = app.token("sysadmin").await;
    let id = app.user_id(username).await;
    let r = link_request(app, &token, id, provider, subject).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
}

async fn roles(app: &App, username: &str) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT g.role FROM role_grants g JOIN users u ON u.id = g.user_id WHERE u.username = $1 ORDER BY g.role",
    )
    .bind(username)
    .fetch_all(&app.db.pool)
    .await
    .expect("roles")
}

#[tokio::test]
async fn openid_connect_signs_in_linked_identities_only_and_never_grants_a_role() {
    let op = provider();
    let issuer = op.issuer.clone();
    each_db(true, move |app| {
        let issuer = issuer.clone();
        async move {
            let app = app_with(&app, &issuer, false, None).await;
            // The sign-in page offers the provider beside the password form.
            let page = app.client().get("/login").await;
            assert!(page.body.contains("信阳市统一身份认证登录"), "{}", page.body);
            assert!(page.body.contains("id=\"password\""));

            // An identity linked to no account is refused, and the refusal is audited.
            let (c, r) = sign_in_via(&app, &issuer, "gov", "staff").await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
            assert!(r.body.contains("尚未关联本平台账号"), "{}", r.body);
            assert!(!c.cookies.contains_key("sd_session"));
            let refused = app.count("audit_log WHERE action = 'auth.sign_in_refused'").await;
            assert_eq!(refused, 1);

            // Only the system administrator links; the security administrator may not.
            let id = app.user_id("staff").await;
            let sec = app.token("secadmin").await;
            let r = link_request(&app, &sec, id, "gov", "sub-staff").await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
            let sys = app.token("sysadmin").await;
            let r = link_request(&app, &sys, id, "nowhere", "x").await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
            let before = roles(&app, "staff").await;
            link(&app, "staff", "gov", "sub-staff").await;
            assert_eq!(roles(&app, "staff").await, before, "a link grants nothing");
            // The same identity cannot be linked to a second account.
            let other = app.user_id("director").await;
            let r = link_request(&app, &sys, other, "gov", "sub-staff").await;
            assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);

            // The linked identity signs in, to where the person was going.
            let mut c = app.client();
            let back = through_provider(&mut c, &provider_browser(), &issuer, "gov", "staff").await;
            let browser_cookies = c.cookies.clone();
            let r = c.get(&back).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
            assert!(r.body.contains("url=/cases"), "moves on to next: {}", r.body);
            assert!(c.cookies.contains_key("sd_session"));
            let home = signed_in_as(&mut c).await;
            let name: String =
                sqlx::query_scalar("SELECT display_name FROM users WHERE username = 'staff'")
                    .fetch_one(&app.db.pool)
                    .await
                    .expect("name");
            assert!(
                home.contains(&format!(">{name}</span>")),
                "signed in as staff ({name})"
            );
            let provider_named: i64 = app
                .count(
                    "audit_log WHERE action = 'auth.sign_in' AND summary LIKE '%信阳市统一身份认证%'",
                )
                .await;
            assert_eq!(provider_named, 1, "the audit names the provider");

            // The code and state are good once: replaying the callback, even from the same
            // browser (its binding cookie), signs no one in.
            let mut again = app.client();
            again.cookies = browser_cookies;
            assert!(again.cookies.keys().any(|k| k.starts_with("sd_sso_")));
            let r = again.get(&back).await;
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);

            // Single logout: the platform's session ends, and the browser goes on to the
            // provider's end-session endpoint with the ID token as hint.
            let r = c.post("/logout", &[]).await;
            assert_eq!(r.status, StatusCode::SEE_OTHER);
            let to = r.location().to_string();
            assert!(to.starts_with(&issuer), "to the provider: {to}");
            assert!(to.contains("id_token_hint="), "{to}");
            assert!(to.contains("post_logout_redirect_uri="), "{to}");
            assert_eq!(c.get("/").await.status, StatusCode::SEE_OTHER, "signed out");

            // A disabled account stays shut whatever the provider says.
            sqlx::query("UPDATE users SET active = 0 WHERE username = 'staff'")
                .execute(&app.db.pool)
                .await
                .expect("disable");
            let (_, r) = sign_in_via(&app, &issuer, "gov", "staff").await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
            assert!(r.body.contains("已停用"), "{}", r.body);
        }
    })
    .await;
}

#[tokio::test]
async fn openid_connect_refuses_a_wrong_state_nonce_browser_or_an_expired_code() {
    let op = provider();
    let issuer = op.issuer.clone();
    each_db(true, move |app| {
        let issuer = issuer.clone();
        async move {
            let app = app_with(&app, &issuer, false, None).await;
            link(&app, "director", "gov", "sub-director").await;
            link(&app, "director", "short", "sub-director").await;

            // A state the platform never issued.
            let mut c = app.client();
            let back =
                through_provider(&mut c, &provider_browser(), &issuer, "gov", "director").await;
            let forged = back.replace(
                &format!("state={}", query_param(&back, "state")),
                "state=forged",
            );
            let r = c.get(&forged).await;
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
            assert!(!c.cookies.contains_key("sd_session"));

            // The right state in another browser (login CSRF): refused.
            let mut c = app.client();
            let back =
                through_provider(&mut c, &provider_browser(), &issuer, "gov", "director").await;
            let mut victim = app.client();
            let r = victim.get(&back).await;
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
            assert!(!victim.cookies.contains_key("sd_session"));

            // A nonce other than the one the ID token carries.
            let mut c = app.client();
            let back =
                through_provider(&mut c, &provider_browser(), &issuer, "gov", "director").await;
            sqlx::query(
                "UPDATE sign_in_pending SET nonce = 'not-the-nonce-sent' WHERE provider = 'gov'",
            )
            .execute(&app.db.pool)
            .await
            .expect("tamper");
            let r = c.get(&back).await;
            assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
            assert!(!c.cookies.contains_key("sd_session"));

            // A code used after it expired (the `short` client's live one second).
            let mut c = app.client();
            let back =
                through_provider(&mut c, &provider_browser(), &issuer, "short", "director").await;
            tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
            let r = c.get(&back).await;
            assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
            assert!(!c.cookies.contains_key("sd_session"));

            // A pending sign-in older than its ten minutes is refused even with a good code.
            let mut c = app.client();
            let back =
                through_provider(&mut c, &provider_browser(), &issuer, "gov", "director").await;
            sqlx::query("UPDATE sign_in_pending SET expires_at = '2000-01-01T00:00:00Z'")
                .execute(&app.db.pool)
                .await
                .expect("age");
            let r = c.get(&back).await;
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);

            // And the good path still works after all that.
            let mut c = app.client();
            let back =
                through_provider(&mut c, &provider_browser(), &issuer, "gov", "director").await;
            assert_eq!(c.get(&back).await.status, StatusCode::OK);
            signed_in_as(&mut c).await;

            // Two tabs of one browser start a sign-in each; the first started finishes after
            // the second started: each has its own binding.
            let mut c = app.client();
            let first =
                through_provider(&mut c, &provider_browser(), &issuer, "gov", "director").await;
            let second =
                through_provider(&mut c, &provider_browser(), &issuer, "gov", "director").await;
            assert_eq!(c.get(&first).await.status, StatusCode::OK);
            assert_eq!(c.get(&second).await.status, StatusCode::OK);
        }
    })
    .await;
}

#[tokio::test]
async fn a_claim_links_exactly_and_created_accounts_start_without_a_role() {
    let op = provider();
    let issuer = op.issuer.clone();
    each_db(true, move |app| {
        let issuer = issuer.clone();
        async move {
            let app = app_with(&app, &issuer, true, None).await;
            // preferred_username equal to the user name links the account at first sign-in.
            // The account's generated password is still to be changed: signed in through the
            // provider, the person is not held at the password form.
            sqlx::query("UPDATE users SET must_change_password = 1 WHERE username = 'leader'")
                .execute(&app.db.pool)
                .await
                .expect("fresh account");
            let (mut c, r) = sign_in_via(&app, &issuer, "gov", "leader").await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
            signed_in_as(&mut c).await;
            let linked: i64 = app
                .count("external_identities WHERE provider = 'gov' AND subject = 'sub-leader'")
                .await;
            assert_eq!(linked, 1);
            // Never an administrator's account (三员), by claim or by the system administrator.
            let (_, r) = sign_in_via(&app, &issuer, "gov", "secadmin").await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
            assert!(r.body.contains("只能以本平台账号密码登录"), "{}", r.body);
            assert_eq!(app.count("external_identities WHERE subject = 'sub-secadmin'").await, 0);
            let sys = app.token("sysadmin").await;
            let sec_id = app.user_id("secadmin").await;
            let r = link_request(&app, &sys, sec_id, "gov", "sub-anyone").await;
            assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
            // Not case-folded: LEADER is nobody here.
            let mut c = app.client();
            let back = through_provider(&mut c, &provider_browser(), &issuer, "gov", "LEADER").await;
            assert_eq!(c.get(&back).await.status, StatusCode::FORBIDDEN);

            // Just-in-time creation (the `jit` provider): a new account, no role, in the
            // configured unit; the security administrator is told.
            let (mut c, r) = sign_in_via(&app, &issuer, "jit", "newcomer").await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
            assert!(roles(&app, "newcomer").await.is_empty(), "no role");
            let unit: String = sqlx::query_scalar(
                "SELECT n.name FROM users u JOIN units n ON n.id = u.unit_id WHERE u.username = 'newcomer'",
            )
            .fetch_one(&app.db.pool)
            .await
            .expect("created");
            assert_eq!(unit, "信阳市市场监督管理局");
            let told: i64 = app
                .count(
                    "notifications n JOIN users u ON u.id = n.user_id \
                     WHERE u.username = 'secadmin' AND n.body LIKE '%newcomer%'",
                )
                .await;
            assert_eq!(told, 1, "the security administrator is notified");
            // With no role the new account reads no case.
            let home = signed_in_as(&mut c).await;
            assert!(!home.contains("/cases/new"));
            let r = c.get("/cases").await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
            // The second sign-in finds the link; nothing is created twice.
            let mut c = app.client();
            let back = through_provider(&mut c, &provider_browser(), &issuer, "jit", "newcomer").await;
            assert_eq!(c.get(&back).await.status, StatusCode::OK);
            assert_eq!(app.count("users WHERE username = 'newcomer'").await, 1);
        }
    })
    .await;
}

#[tokio::test]
async fn ldap_binds_as_the_person_and_counts_wrong_passwords_toward_the_lock() {
    let dir = Slapd::start(&[("zhangwei", "Right-Pass-1"), ("lina", "Other-Pass-2")]);
    let ldap = dir.config(false);
    each_db(true, move |app| {
        let ldap = ldap.clone();
        async move {
            let app = app_with(&app, "http://127.0.0.1:9", false, Some(ldap)).await;
            let login = |c: &mut Client, user: &'static str, pw: &'static str| {
                let mut c = std::mem::replace(c, app.client());
                async move {
                    let page = c.get("/login").await;
                    assert!(
                        page.body.contains("信阳市统一身份认证目录"),
                        "{}",
                        page.body
                    );
                    let csrf = page.csrf().expect("csrf");
                    let r = c
                        .post(
                            "/auth/ldap",
                            &[("username", user), ("password", pw), ("_csrf", &csrf)],
                        )
                        .await;
                    (c, r)
                }
            };
            // Known to the directory but linked to no account: refused, with the answer a
            // wrong password gets (or the form would confirm directory passwords to anyone),
            // and the refusal audited.
            let (_, r) = login(&mut app.client(), "zhangwei", "Right-Pass-1").await;
            assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
            assert!(r.body.contains("用户名或密码错误"), "{}", r.body);
            assert_eq!(
                app.count("audit_log WHERE action = 'auth.sign_in_refused'").await,
                1
            );

            link(&app, "liaison.scjg", "ldap", "zhangwei").await;
            // The right password signs in.
            let (mut c, r) = login(&mut app.client(), "zhangwei", "Right-Pass-1").await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
            signed_in_as(&mut c).await;
            // A wrong one does not, and counts against the account.
            let (c2, r) = login(&mut app.client(), "zhangwei", "Wrong-Pass-7x").await;
            assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
            assert!(!c2.cookies.contains_key("sd_session"));
            let failures: i64 = sqlx::query_scalar(
                "SELECT failed_logins FROM users WHERE username = 'liaison.scjg'",
            )
            .fetch_one(&app.db.pool)
            .await
            .expect("failures");
            assert_eq!(failures, 1);
            // Nobody of that name: the same answer.
            let (_, r) = login(&mut app.client(), "nobody", "Right-Pass-1").await;
            assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
            // A filter injection finds no one: unescaped, `zhang*` would find zhangwei alone
            // and sign in.
            let (c3, r) = login(&mut app.client(), "zhang*", "Right-Pass-1").await;
            assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
            assert!(!c3.cookies.contains_key("sd_session"));
            // Four more wrong passwords lock the account; then even the right one is refused.
            for _ in 0..4 {
                login(&mut app.client(), "zhangwei", "Wrong-Pass-7x").await;
            }
            let (_, r) = login(&mut app.client(), "zhangwei", "Right-Pass-1").await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
            assert!(r.body.contains("锁定"), "{}", r.body);
            // The password typed is never stored.
            let stored: i64 = app
                .count("audit_log WHERE summary LIKE '%Right-Pass-1%' OR summary LIKE '%Wrong-Pass-7x%'")
                .await;
            assert_eq!(stored, 0);
        }
    })
    .await;
}

#[tokio::test]
async fn a_sign_in_started_on_one_instance_finishes_on_another() {
    let op = provider();
    let issuer = op.issuer.clone();
    each_db(true, move |app| {
        let issuer = issuer.clone();
        async move {
            let a = app_with(&app, &issuer, false, None).await;
            link(&a, "director", "gov", "sub-director").await;
            // A second instance: its own connection pool, clock context, metadata cache and
            // state; only the database is shared, as behind a load balancer.
            let db = shuangda::db::Db::connect(&app.url, 4)
                .await
                .expect("second pool");
            let ctx =
                shuangda::context::Ctx::new(db, shuangda::clock::Clock::on(app.today()), None);
            let b_state =
                shuangda::web::AppState::new(std::sync::Arc::new(ctx), a.state.config.clone());
            let b = App {
                router: shuangda::web::router(b_state.clone()),
                state: b_state,
                db: a.db.clone(),
                url: a.url.clone(),
            };
            let mut on_a = a.client();
            let back =
                through_provider(&mut on_a, &provider_browser(), &issuer, "gov", "director").await;
            // The load balancer sends the callback to B, with the browser's cookies.
            let mut on_b = b.client();
            on_b.cookies = on_a.cookies.clone();
            let r = on_b.get(&back).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
            // The session B opened serves on A.
            on_a.cookies = on_b.cookies.clone();
            signed_in_as(&mut on_a).await;
        }
    })
    .await;
}

#[tokio::test]
async fn the_account_page_links_and_unlinks_and_a_locked_account_stays_shut() {
    let op = provider();
    let issuer = op.issuer.clone();
    each_db(true, move |app| {
        let issuer = issuer.clone();
        async move {
            let app = app_with(&app, &issuer, false, None).await;
            let id = app.user_id("leader").await;
            // The system administrator links on the account page; the page says a link grants
            // nothing and lists it.
            let mut admin = app.client();
            admin.login("sysadmin", common::PASSWORD).await;
            let page = admin.get(&format!("/users/{id}")).await;
            assert!(
                page.body.contains("id=\"identity-subject\""),
                "{}",
                page.body
            );
            let r = admin
                .post(
                    &format!("/users/{id}/identities"),
                    &[("provider", "gov"), ("subject", "")],
                )
                .await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
            assert!(
                r.body.contains("请填写该人员在统一身份认证中的标识"),
                "{}",
                r.body
            );
            let r = admin
                .post(
                    &format!("/users/{id}/identities"),
                    &[("provider", "gov"), ("subject", "sub-leader")],
                )
                .await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
            let page = admin.get(r.location()).await;
            assert!(
                page.body.contains("信阳市统一身份认证：sub-leader"),
                "{}",
                page.body
            );
            assert!(page.body.contains("关联不授予任何角色"), "{}", page.body);
            // The security administrator sees no linking form.
            let mut sec = app.client();
            sec.login("secadmin", common::PASSWORD).await;
            let page = sec.get(&format!("/users/{id}")).await;
            assert!(!page.body.contains("id=\"identity-subject\""));

            // Signed in through the link, then the link removed: that session ends with it.
            let mut c = app.client();
            let back =
                through_provider(&mut c, &provider_browser(), &issuer, "gov", "leader").await;
            assert_eq!(c.get(&back).await.status, StatusCode::OK);
            signed_in_as(&mut c).await;
            let r = admin
                .post(
                    &format!("/users/{id}/identities/remove"),
                    &[("provider", "gov")],
                )
                .await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
            assert_eq!(c.get("/").await.status, StatusCode::SEE_OTHER, "signed out");
            // Unlinked, the identity is refused again.
            let (_, r) = sign_in_via(&app, &issuer, "gov", "leader").await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
            assert!(r.body.contains("尚未关联"), "{}", r.body);

            // Five wrong platform passwords lock the account: the provider's word does not
            // open it.
            link(&app, "leader", "gov", "sub-leader").await;
            for _ in 0..5 {
                app.client().login("leader", "Wrong-Password-1").await;
            }
            let (c, r) = sign_in_via(&app, &issuer, "gov", "leader").await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
            assert!(r.body.contains("锁定"), "{}", r.body);
            assert!(!c.cookies.contains_key("sd_session"));
        }
    })
    .await;
}

#[tokio::test]
async fn two_first_sign_ins_at_once_make_one_account_and_one_link() {
    let op = provider();
    let issuer = op.issuer.clone();
    each_db(true, move |app| {
        let issuer = issuer.clone();
        async move {
            let app = app_with(&app, &issuer, true, None).await;
            for (provider, login) in [("jit", "racer"), ("gov", "director")] {
                // Two browsers of the same person, each back from the provider with its own
                // code, arrive at the same moment.
                let mut c1 = app.client();
                let back1 =
                    through_provider(&mut c1, &provider_browser(), &issuer, provider, login).await;
                let mut c2 = app.client();
                let back2 =
                    through_provider(&mut c2, &provider_browser(), &issuer, provider, login).await;
                let (r1, r2) = tokio::join!(c1.get(&back1), c2.get(&back2));
                assert_eq!(r1.status, StatusCode::OK, "{provider}: {}", r1.body);
                assert_eq!(r2.status, StatusCode::OK, "{provider}: {}", r2.body);
                assert_eq!(
                    app.count(&format!(
                        "external_identities WHERE provider = '{provider}' AND subject = 'sub-{login}'"
                    ))
                    .await,
                    1
                );
                assert_eq!(app.count(&format!("users WHERE username = '{login}'")).await, 1);
            }
            assert_eq!(
                app.count("audit_log WHERE action = 'auth.sign_in_refused'").await,
                0,
                "no false refusal"
            );
        }
    })
    .await;
}

#[tokio::test]
async fn with_the_password_form_off_only_the_identity_platform_signs_in_and_its_sessions_idle_out()
{
    let op = provider();
    let issuer = op.issuer.clone();
    each_db(true, move |app| {
        let issuer = issuer.clone();
        async move {
            let with_sso = app_with(&app, &issuer, false, None).await;
            let mut config = with_sso.state.config.clone();
            config.password_sign_in = false;
            let app = with_sso.with_config(config);
            link(&app, "staff", "gov", "sub-staff").await;
            // No password form on the page, and a password posted anyway is refused.
            let page = app.client().get("/login").await;
            assert!(
                page.body.contains("信阳市统一身份认证登录"),
                "{}",
                page.body
            );
            assert!(!page.body.contains("id=\"password\""), "{}", page.body);
            let mut c = app.client();
            c.get("/login").await;
            let csrf = c
                .cookies
                .get("sd_login_csrf")
                .cloned()
                .expect("csrf cookie");
            let r = c
                .post(
                    "/login",
                    &[
                        ("username", "staff"),
                        ("password", common::PASSWORD),
                        ("_csrf", &csrf),
                    ],
                )
                .await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
            assert!(r.body.contains("已关闭账号密码登录"), "{}", r.body);
            assert_eq!(app.count("sessions").await, 0);

            // The provider's sign-in gets the platform's session: HttpOnly, SameSite=Strict,
            // and it ends after 30 idle minutes like any other.
            let mut c = app.client();
            let start = c.get("/auth/oidc/gov/start?next=/").await;
            let binding = start
                .headers
                .get_all(axum::http::header::SET_COOKIE)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .find(|v| v.starts_with("sd_sso_"))
                .expect("binding cookie")
                .to_string();
            assert!(
                binding.contains("HttpOnly") && binding.contains("SameSite=Lax"),
                "{binding}"
            );
            let back = at_provider(
                &provider_browser(),
                &issuer,
                start.location().to_string(),
                PUBLIC_URL,
                "staff",
            )
            .await;
            let r = c.get(&back[PUBLIC_URL.len()..]).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
            let session = r
                .headers
                .get_all(axum::http::header::SET_COOKIE)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .find(|v| v.starts_with("sd_session="))
                .expect("session cookie")
                .to_string();
            assert!(
                session.contains("HttpOnly") && session.contains("SameSite=Strict"),
                "{session}"
            );
            signed_in_as(&mut c).await;
            let past = shuangda::db::time::to_text(app.now() - chrono::Duration::minutes(31));
            sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE provider = 'gov'")
                .bind(past)
                .execute(&app.db.pool)
                .await
                .expect("idle");
            assert_eq!(c.get("/").await.status, StatusCode::SEE_OTHER, "idled out");
        }
    })
    .await;
}

#[tokio::test]
async fn an_address_may_start_sixty_sign_ins_in_five_minutes() {
    let op = provider();
    let issuer = op.issuer.clone();
    each_db(false, move |app| {
        let issuer = issuer.clone();
        async move {
            let app = app_with(&app, &issuer, false, None).await;
            let mut c = app.client();
            for i in 0..60 {
                let r = c.get("/auth/oidc/gov/start").await;
                assert_eq!(r.status, StatusCode::SEE_OTHER, "start {i}: {}", r.body);
            }
            let r = c.get("/auth/oidc/gov/start").await;
            assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
            assert_eq!(
                app.count("sign_in_pending").await,
                60,
                "no row for the refused one"
            );
        }
    })
    .await;
}
