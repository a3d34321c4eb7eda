//! E-mail notifications through a real SMTP conversation with a minimal SMTP server run by the
//! test on loopback, on both databases.

mod common;

use common::each_db;
use shuangda::config::Config;
use shuangda::notify::mail::{MailReport, Mailer, send_pending};

#[tokio::test]
async fn notifications_are_mailed_when_smtp_is_configured() {
    each_db(true, |app| async move {
        let (port, got) = common::smtp::smtp_sink().await;
        let off = Mailer::from_config(&Config::default()).expect("config");
        assert!(off.is_none(), "e-mail is off unless configured");
        let cfg = Config {
            smtp_url: Some(format!("smtp://127.0.0.1:{port}")),
            public_url: "https://shuangda.example.gov.cn".into(),
            ..Config::default()
        };
        let mailer = Mailer::from_config(&cfg).expect("config").expect("on");

        sqlx::query("UPDATE users SET email = 'staff@xy.gov.cn' WHERE username = 'staff'")
            .execute(&app.db.pool)
            .await
            .expect("email");
        sqlx::query("UPDATE users SET email = 'reject@xy.gov.cn' WHERE username = 'director'")
            .execute(&app.db.pool)
            .await
            .expect("email");
        let staff = app.user_id("staff").await;
        let director = app.user_id("director").await;
        let leader = app.user_id("leader").await;
        let mut tx = app.db.begin().await.expect("tx");
        let who = app.system("测试");
        for uid in [staff, director, leader] {
            shuangda::notify::store::notify(
                &mut tx,
                &who,
                uid,
                "期限逾期提醒",
                "本辖区新增1项逾期期限。",
                Some("/deadlines?state=missed"),
            )
            .await
            .expect("notify");
        }
        tx.commit().await.expect("commit");

        let now = app.now();
        // A pass whose lease another instance holds sends nothing (scale-out: each
        // notification is mailed by one instance).
        let ttl = chrono::Duration::seconds(90);
        assert!(
            shuangda::deadline::scheduler::acquire_lease(&app.db, "mail-sender", "other", now, ttl)
                .await
                .expect("lease")
        );
        let mine = shuangda::notify::mail::Lease {
            holder: "mine",
            ttl,
        };
        let r = send_pending(&app.db, &mailer, now, Some(mine))
            .await
            .expect("send");
        assert_eq!(r, MailReport { sent: 0, failed: 0 });
        assert!(got.lock().expect("lock").is_empty());
        let r = send_pending(&app.db, &mailer, now, None)
            .await
            .expect("send");
        // staff: sent; director: refused by the server, kept for retry; leader: no address.
        assert_eq!(r, MailReport { sent: 1, failed: 1 });
        let mails = got.lock().expect("lock").clone();
        assert_eq!(mails.len(), 1);
        assert!(mails[0].contains("To: staff@xy.gov.cn"), "{}", mails[0]);
        // The body is base64 (UTF-8 Chinese); decode it to read the link.
        let (_, body) = mails[0].split_once("\n\n").expect("headers end");
        use base64::Engine;
        let body = base64::engine::general_purpose::STANDARD
            .decode(body.lines().collect::<String>())
            .expect("base64");
        let body = String::from_utf8(body).expect("utf-8");
        assert!(body.contains("本辖区新增1项逾期期限"), "{body}");
        assert!(
            body.contains("https://shuangda.example.gov.cn/deadlines?state=missed"),
            "{body}"
        );
        // Sent ones are not sent again; the failed one is retried and its error recorded.
        let r = send_pending(&app.db, &mailer, now, None)
            .await
            .expect("send");
        assert_eq!(r, MailReport { sent: 0, failed: 1 });
        let err: Option<String> =
            sqlx::query_scalar("SELECT mail_error FROM notifications WHERE user_id = $1")
                .bind(director)
                .fetch_one(&app.db.pool)
                .await
                .expect("row");
        assert!(err.unwrap_or_default().contains("550"));
    })
    .await;
}
