//! E-mail, the optional second channel: when an SMTP server is configured, every notification
//! addressed to an account with an e-mail address is also mailed. Notifications are the outbox:
//! a sender job (one instance at a time, by lease) mails those not yet mailed and records the
//! outcome on each, retrying a few times.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sqlx::Row;

use crate::config::Config;
use crate::context::Ctx;
use crate::db::{Db, time};

const MAX_ATTEMPTS: i64 = 5;
const LEASE: &str = "mail-sender";
/// Notifications older than this when mail is switched on are not mailed after the fact.
const MAX_AGE_HOURS: i64 = 24;

pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    public_url: String,
}

impl Mailer {
    /// `Ok(None)` when e-mail is not configured.
    pub fn from_config(cfg: &Config) -> Result<Option<Mailer>, String> {
        let Some(url) = cfg.smtp_url.as_deref() else {
            return Ok(None);
        };
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| format!("SMTP 地址无效（{}）：{e}", crate::db::redact_url(url)))?
            .timeout(Some(Duration::from_secs(20)))
            .build();
        let from = cfg
            .smtp_from
            .parse::<Mailbox>()
            .map_err(|e| format!("发件人地址无效（{}）：{e}", cfg.smtp_from))?;
        Ok(Some(Mailer {
            transport,
            from,
            public_url: cfg.public_url.trim_end_matches('/').to_string(),
        }))
    }

    /// Mail `body` to `to` (also the reporters' notices, `public_reports::notices`).
    pub async fn send(&self, to: &str, subject: &str, body: &str) -> Result<(), String> {
        let to: Mailbox = to.parse().map_err(|e| format!("收件人地址无效：{e}"))?;
        let msg = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(format!("[双打协同平台] {subject}"))
            .body(body.to_string())
            .map_err(|e| e.to_string())?;
        self.transport
            .send(msg)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct MailReport {
    pub sent: u64,
    pub failed: u64,
}

/// The lease a mail pass runs under (`None` where one process is alone, as in tests): it is
/// renewed before each mail, so while a mail is on its way (a send gives up after 20 s) no
/// other instance can take the lease and send the same notification; a pass that loses it
/// stops.
pub struct Lease<'a> {
    pub holder: &'a str,
    pub ttl: chrono::Duration,
}

/// Mail up to 100 pending notifications.
pub async fn send_pending(
    db: &Db,
    mailer: &Mailer,
    now: DateTime<Utc>,
    lease: Option<Lease<'_>>,
) -> Result<MailReport, sqlx::Error> {
    let started = std::time::Instant::now();
    let since = time::to_text(now - chrono::Duration::hours(MAX_AGE_HOURS));
    let rows = sqlx::query(
        "SELECT n.id, u.email, n.title, n.body, n.link FROM notifications n JOIN users u ON u.id = n.user_id \
         WHERE n.mailed_at IS NULL AND n.mail_attempts < $1 AND n.created_at >= $2 \
         AND u.email IS NOT NULL AND u.active = 1 ORDER BY n.id LIMIT 100",
    )
    .bind(MAX_ATTEMPTS)
    .bind(since)
    .fetch_all(&db.pool)
    .await?;
    let mut report = MailReport::default();
    for row in rows {
        if let Some(l) = &lease {
            // The pass's instant moved on by the time it has taken so far.
            let at = now + chrono::Duration::from_std(started.elapsed()).unwrap_or_default();
            let held =
                crate::deadline::scheduler::acquire_lease(db, LEASE, l.holder, at, l.ttl).await?;
            if !held {
                tracing::warn!("mail lease lost; the pass stops");
                break;
            }
        }
        let id: i64 = row.try_get(0)?;
        let to: String = row.try_get(1)?;
        // Clauses as officials cite them, as on the pages.
        let title = crate::domain::citation::cite_in(&row.try_get::<String, _>(2)?);
        let mut body = crate::domain::citation::cite_in(&row.try_get::<String, _>(3)?);
        if let Some(link) = row.try_get::<Option<String>, _>(4)? {
            body.push_str(&format!("\n\n{}{}", mailer.public_url, link));
        }
        body.push_str("\n\n——此邮件由双打协同平台自动发送，请登录平台查看和办理。");
        match mailer.send(&to, &title, &body).await {
            Ok(()) => {
                db.execute(
                    sqlx::query(
                        "UPDATE notifications SET mailed_at = $1, mail_error = NULL WHERE id = $2",
                    )
                    .bind(time::to_text(now))
                    .bind(id),
                )
                .await?;
                report.sent += 1;
            }
            Err(e) => {
                tracing::warn!(notification = id, error = %e, "mail failed");
                db.execute(sqlx::query(
                    "UPDATE notifications SET mail_attempts = mail_attempts + 1, mail_error = $1 WHERE id = $2",
                )
                .bind(e)
                .bind(id)
                )
                .await?;
                report.failed += 1;
            }
        }
    }
    Ok(report)
}

/// Drain the outbox every `every` while this instance holds the mail lease.
pub fn spawn(ctx: Arc<Ctx>, mailer: Mailer, every: Duration) -> tokio::task::JoinHandle<()> {
    let holder = crate::domain::hex(&crate::auth::random_bytes::<8>());
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        loop {
            tick.tick().await;
            let now = ctx.clock.now();
            let ttl = chrono::Duration::from_std(every * 3).unwrap_or(chrono::Duration::minutes(3));
            match crate::deadline::scheduler::acquire_lease(&ctx.db, LEASE, &holder, now, ttl).await
            {
                Ok(true) => match send_pending(
                    &ctx.db,
                    &mailer,
                    now,
                    Some(Lease {
                        holder: &holder,
                        ttl,
                    }),
                )
                .await
                {
                    Ok(r) if r.sent + r.failed > 0 => {
                        tracing::info!(sent = r.sent, failed = r.failed, "mail pass")
                    }
                    Ok(_) => {}
                    Err(e) => tracing::error!(error = %e, "mail pass failed"),
                },
                Ok(false) => {}
                Err(e) => tracing::warn!(error = %e, "mail lease failed"),
            }
        }
    })
}
