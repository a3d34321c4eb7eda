//! Sign-in, sessions, CSRF, lockout, forced password change and bearer tokens, over HTTP.

mod common;

use axum::http::{Method, StatusCode};
use common::{PASSWORD, api, each_db};

#[tokio::test]
async fn sign_in_and_out() {
    each_db(true, |app| async move {
        let mut c = app.client();
        // Pages need a session.
        let r = c.get("/units").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(r.location(), "/login?next=/units");

        let r = c.login("staff", PASSWORD).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let set = r
            .headers
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap_or("").to_string())
            .collect::<Vec<_>>()
            .join("\n");
        assert!(
            set.contains("sd_session=")
                && set.contains("HttpOnly")
                && set.contains("SameSite=Strict"),
            "{set}"
        );
        let home = c.get("/").await;
        assert_eq!(home.status, StatusCode::OK);
        assert!(home.body.contains("我的待办") && home.body.contains("赵经办"));

        let r = c.post("/logout", &[]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(c.get("/").await.status, StatusCode::SEE_OTHER);

        let actions: Vec<String> = sqlx::query_scalar(
            "SELECT action FROM audit_log WHERE action LIKE 'auth.%' ORDER BY seq",
        )
        .fetch_all(&app.db.pool)
        .await
        .expect("audit");
        assert_eq!(actions, ["auth.sign_in", "auth.sign_out"]);
    })
    .await;
}

#[tokio::test]
async fn wrong_password_is_refused_without_saying_which() {
    each_db(true, |app| async move {
        let mut c = app.client();
        let r = c.login("staff", "Wrong@Password1").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        assert!(r.body.contains("用户名或密码错误"));
        assert!(
            r.body.contains("value=\"staff\""),
            "the form keeps what was typed"
        );
        let r = c.login("nobody", "Wrong@Password1").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        assert!(r.body.contains("用户名或密码错误"));
        assert!(!c.cookies.contains_key("sd_session"));
    })
    .await;
}

#[tokio::test]
async fn repeated_failures_lock_the_account_until_unlocked() {
    each_db(true, |app| async move {
        let mut c = app.client();
        for _ in 0..4 {
            assert_eq!(
                c.login("handler.gaj", "Wrong@Password1").await.status,
                StatusCode::UNAUTHORIZED
            );
        }
        let r = c.login("handler.gaj", "Wrong@Password1").await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert!(r.body.contains("锁定"), "{}", r.body);
        // Even the right password is refused while locked.
        let r = c.login("handler.gaj", PASSWORD).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);

        // The security administrator unlocks it.
        let mut sec = app.client();
        sec.login("secadmin", PASSWORD).await;
        let id = app.user_id("handler.gaj").await;
        let r = sec.post(&format!("/users/{id}/unlock"), &[]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(
            c.login("handler.gaj", PASSWORD).await.status,
            StatusCode::SEE_OTHER
        );

        let locked: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'auth.account_locked'",
        )
        .fetch_one(&app.db.pool)
        .await
        .expect("audit");
        assert_eq!(locked, 1);
    })
    .await;
}

/// The per-address budget counts failed sign-ins only: a whole office signing in from one
/// address is never locked out, while guessing across many accounts from it is stopped.
#[tokio::test]
async fn only_failed_sign_ins_count_against_an_address() {
    each_db(true, |app| async move {
        let budget = app.state.config.sign_in_attempts_per_address;
        for _ in 0..budget + 5 {
            assert_eq!(
                app.client().login("staff", PASSWORD).await.status,
                StatusCode::SEE_OTHER
            );
        }
        // Guessing: one failure on each of many accounts, so no account lock intervenes.
        for i in 0..budget {
            let r = app
                .client()
                .login(&format!("guess{i}"), "Wrong@Password1")
                .await;
            assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        }
        let r = app.client().login("staff", PASSWORD).await;
        assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
        assert!(r.body.contains("登录尝试过于频繁"), "{}", r.body);
    })
    .await;
}

#[tokio::test]
async fn forms_without_the_session_csrf_token_are_refused() {
    each_db(true, |app| async move {
        let mut c = app.client();
        c.login("sysadmin", PASSWORD).await;
        let before = app.count("units").await;
        let form = [
            ("name", "测试单位"),
            ("kind", "other"),
            ("region_code", "411500"),
        ];
        let mut no_token = form.to_vec();
        no_token.push(("_csrf", ""));
        assert_eq!(
            c.post("/units/new", &no_token).await.status,
            StatusCode::FORBIDDEN
        );
        let mut wrong = form.to_vec();
        wrong.push(("_csrf", "0000"));
        assert_eq!(
            c.post("/units/new", &wrong).await.status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            app.count("units").await,
            before,
            "a refused write leaves nothing"
        );
        // The login form has its own token.
        let mut anon = app.client();
        let r = anon
            .post(
                "/login",
                &[
                    ("username", "staff"),
                    ("password", PASSWORD),
                    ("_csrf", "x"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        // With the token the same form works.
        assert_eq!(
            c.post("/units/new", &form).await.status,
            StatusCode::SEE_OTHER
        );
    })
    .await;
}

#[tokio::test]
async fn generated_passwords_must_be_changed_first() {
    each_db(true, |app| async move {
        let mut admin = app.client();
        admin.login("sysadmin", PASSWORD).await;
        let unit = app.unit_id("信阳市商务局").await.to_string();
        let r = admin
            .post(
                "/users/new",
                &[
                    ("username", "newcomer"),
                    ("display_name", "新同事"),
                    ("unit_id", &unit),
                    ("phone", "13912345678"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let marker = "id=\"issued-password\" class=\"secret\">";
        let start = r.body.find(marker).expect("password shown") + marker.len();
        let generated = r.body[start..start + 16].to_string();

        let mut u = app.client();
        assert_eq!(
            u.login("newcomer", &generated).await.status,
            StatusCode::SEE_OTHER
        );
        // Every page sends the user to the password form.
        let r = u.get("/units").await;
        assert_eq!(r.location(), "/password");
        let r = u.get("/password").await;
        assert!(r.body.contains("初始密码"));
        // Weak and mismatched passwords are refused field by field.
        let r = u
            .post(
                "/password",
                &[
                    ("current_password", &generated),
                    ("new_password", "short"),
                    ("confirm_password", "other"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("密码至少10位") && r.body.contains("两次输入的新密码不一致"));
        let r = u
            .post(
                "/password",
                &[
                    ("current_password", &generated),
                    ("new_password", "Shangwu#2026x"),
                    ("confirm_password", "Shangwu#2026x"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        u.csrf = u.get("/").await.csrf();
        assert_eq!(u.get("/").await.status, StatusCode::OK);
        // The old password no longer works.
        assert_eq!(
            app.client().login("newcomer", &generated).await.status,
            StatusCode::UNAUTHORIZED
        );
    })
    .await;
}

#[tokio::test]
async fn idle_sessions_expire() {
    each_db(true, |app| async move {
        let mut c = app.client();
        c.login("staff", PASSWORD).await;
        // Pretend the last activity was 31 minutes ago (idle timeout is 30).
        let past = shuangda::db::time::to_text(app.now() - chrono::Duration::minutes(31));
        sqlx::query("UPDATE sessions SET last_seen_at = $1")
            .bind(past)
            .execute(&app.db.pool)
            .await
            .expect("update");
        assert_eq!(c.get("/").await.status, StatusCode::SEE_OTHER);
        assert_eq!(
            app.count("sessions").await,
            0,
            "the expired session is removed"
        );
    })
    .await;
}

#[tokio::test]
async fn bearer_tokens_are_issued_once_stored_hashed_and_revocable() {
    each_db(true, |app| async move {
        let mut sec = app.client();
        sec.login("secadmin", PASSWORD).await;
        let staff = app.user_id("staff").await.to_string();
        let r = sec
            .post(
                "/tokens",
                &[("user_id", &staff), ("name", "报表系统"), ("days", "30")],
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let marker = "id=\"issued-token\" class=\"secret\">";
        let start = r.body.find(marker).expect("token shown once") + marker.len();
        let token = r.body[start..start + 68].to_string();
        assert!(token.starts_with("sdt_"));
        let stored: String = sqlx::query_scalar("SELECT token_hash FROM api_tokens")
            .fetch_one(&app.db.pool)
            .await
            .expect("row");
        assert_ne!(stored, token);
        assert!(
            !sec.get("/tokens").await.body.contains(&token),
            "never shown again"
        );

        let me = api(&app, Method::GET, "/api/v1/me", Some(&token), None).await;
        assert_eq!(me.status, StatusCode::OK);
        assert_eq!(me.json()["username"], "staff");

        // Use is recorded, then refreshed only once it is a minute old (reads stay read-only).
        let last_used = || async {
            sqlx::query_scalar::<_, Option<String>>("SELECT last_used_at FROM api_tokens")
                .fetch_one(&app.db.pool)
                .await
                .expect("row")
        };
        let first = last_used().await.expect("use recorded");
        let old = "2020-01-01T00:00:00.000000Z";
        sqlx::query("UPDATE api_tokens SET last_used_at = $1")
            .bind(old)
            .execute(&app.db.pool)
            .await
            .expect("age the token");
        api(&app, Method::GET, "/api/v1/me", Some(&token), None).await;
        let refreshed = last_used().await.expect("use recorded");
        assert!(
            refreshed != old && refreshed.as_str() >= first.as_str(),
            "{refreshed} after {first}"
        );
        api(&app, Method::GET, "/api/v1/me", Some(&token), None).await;
        assert_eq!(last_used().await.as_deref(), Some(refreshed.as_str()));

        let id: i64 = sqlx::query_scalar("SELECT id FROM api_tokens")
            .fetch_one(&app.db.pool)
            .await
            .expect("row");
        let r = sec.post(&format!("/tokens/{id}/revoke"), &[]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let me = api(&app, Method::GET, "/api/v1/me", Some(&token), None).await;
        assert_eq!(me.status, StatusCode::UNAUTHORIZED);
        assert_eq!(me.json()["error"]["code"], "unauthorized");
        let none = api(&app, Method::GET, "/api/v1/me", None, None).await;
        assert_eq!(none.status, StatusCode::UNAUTHORIZED);
        let junk = api(
            &app,
            Method::GET,
            "/api/v1/me",
            Some("sdt_' OR 1=1 --"),
            None,
        )
        .await;
        assert_eq!(junk.status, StatusCode::UNAUTHORIZED);
    })
    .await;
}
