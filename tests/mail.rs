//! E-mail notifications through a real SMTP conversation with a minimal SMTP server run by the
//! test on loopback, on both databases.

mod common;

use std::sync::{Arc, Mutex};

use common::each_db;
use shuangda::config::Config;
use shuangda::notify::mail::{MailReport, Mailer, send_pending};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// Accepts SMTP sessions and keeps each message's DATA; refuses recipients at `reject@…`.
async fn smtp_sink() -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let got = Arc::new(Mutex::new(Vec::new()));
    let store = got.clone();
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            let store = store.clone();
            tokio::spawn(async move {
                let (r, mut w) = sock.into_split();
                let mut lines = BufReader::new(r).lines();
                let _ = w.write_all(b"220 sink ESMTP\r\n").await;
                let mut data: Option<String> = None;
                while let Ok(Some(line)) = lines.next_line().await {
                    if let Some(buf) = data.as_mut() {
                        if line == "." {
                            if let Ok(mut g) = store.lock() {
                                g.push(std::mem::take(buf));
                            }
                            data = None;
                            let _ = w.write_all(b"250 queued\r\n").await;
                        } else {
                            buf.push_str(&line);
                            buf.push('\n');
                        }
                        continue;
                    }
                    let upper = line.to_ascii_uppercase();
                    let reply: &[u8] = if upper.starts_with("EHLO") {
                        b"250-sink\r\n250 8BITMIME\r\n"
                    } else if upper.starts_with("RCPT") && upper.contains("REJECT@") {
                        b"550 no such user\r\n"
                    } else if upper.starts_with("DATA") {
                        data = Some(String::new());
                        b"354 go ahead\r\n"
                    } else if upper.starts_with("QUIT") {
                        let _ = w.write_all(b"221 bye\r\n").await;
                        break;
                    } else {
                        b"250 ok\r\n"
                    };
                    let _ = w.write_all(reply).await;
                }
            });
        }
    });
    (port, got)
}

#[tokio::test]
async fn notifications_are_mailed_when_smtp_is_configured() {
    each_db(true, |app| async move {
        let (port, got) = smtp_sink().await;
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
