//! Notices to reporters who asked for them (the public form's "notify me"): each act the
//! reporter may read on the tracking page writes a notice in its own transaction, for a named
//! reporter who asked only — never for an anonymous one. A job sends them when the office has
//! switched notices on (`public_notices`, off by default): by e-mail where the reporter gave an
//! address and SMTP is configured, and to the configured outbound hook (an SMS gateway of the
//! office's choosing) with the phone number. The text names the report by its tracking number
//! and the act in the tracking page's words, nothing more: the details stay behind the password.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::Row;

use crate::context::Ctx;
use crate::db::{Db, Tx, time};
use crate::notify::mail::Mailer;

const MAX_ATTEMPTS: i64 = 5;
const LEASE: &str = "public-notice-sender";
/// Notices older than this when sending is switched on are not sent after the fact.
const MAX_AGE_HOURS: i64 = 24;

/// Write a notice of `what` for report `id`, if its reporter gave a name and asked for notices.
pub async fn enqueue(tx: &mut Tx, id: i64, what: &str, now: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO public_report_notices (report_id, what, created_at) \
         SELECT id, $2, $3 FROM public_reports \
         WHERE id = $1 AND notify = 1 AND reporter_name IS NOT NULL",
    )
    .bind(id)
    .bind(what)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// What the outbound hook receives (JSON, POST): the gateway sends `text` to `phone`.
#[derive(Debug, Clone, Serialize)]
pub struct HookBody<'a> {
    pub tracking_no: &'a str,
    pub phone: Option<&'a str>,
    pub email: Option<&'a str>,
    pub text: &'a str,
}

/// The channels a pass sends through (either may be absent).
pub struct Channels {
    pub mailer: Option<Mailer>,
    pub hook: Option<String>,
    pub client: reqwest::Client,
    /// The public site's address, for the tracking page's link.
    pub public_site: String,
}

impl Channels {
    pub fn new(mailer: Option<Mailer>, hook: Option<String>, public_site: &str) -> Channels {
        Channels {
            mailer,
            hook,
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .unwrap_or_default(),
            public_site: public_site.trim_end_matches('/').to_string(),
        }
    }
}

/// The notice's words: the kind and tracking number, the act, where to look.
pub fn text(kind_label: &str, tracking_no: &str, what: &str, public_site: &str) -> String {
    format!(
        "您提交的{kind_label}（查询编号{tracking_no}）有新的办理进展：{what}。\
         请凭查询编号和查询密码到{public_site}/public/track 查看。"
    )
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Report {
    pub sent: u64,
    pub failed: u64,
}

/// Send up to 100 pending notices.
pub async fn send_pending(
    db: &Db,
    ch: &Channels,
    now: DateTime<Utc>,
) -> Result<Report, sqlx::Error> {
    let since = time::to_text(now - chrono::Duration::hours(MAX_AGE_HOURS));
    let rows = sqlx::query(
        "SELECT n.id, n.what, p.tracking_no, p.kind, p.reporter_phone, p.reporter_email \
         FROM public_report_notices n JOIN public_reports p ON p.id = n.report_id \
         WHERE n.sent_at IS NULL AND n.attempts < $1 AND n.created_at >= $2 ORDER BY n.id LIMIT 100",
    )
    .bind(MAX_ATTEMPTS)
    .bind(since)
    .fetch_all(&db.pool)
    .await?;
    let mut report = Report::default();
    for row in rows {
        let id: i64 = row.try_get(0)?;
        let what: String = row.try_get(1)?;
        let number: String = row.try_get(2)?;
        let kind: String = row.try_get(3)?;
        let phone: Option<String> = row.try_get(4)?;
        let email: Option<String> = row.try_get(5)?;
        let label = super::flow::Kind::label_of(&kind);
        let body = text(label, &number, &what, &ch.public_site);
        let mut errors = Vec::new();
        if let (Some(m), Some(to)) = (&ch.mailer, email.as_deref())
            && let Err(e) = m.send(to, &format!("{label}办理进展"), &body).await
        {
            errors.push(format!("邮件：{e}"));
        }
        if let Some(url) = &ch.hook {
            let sent = ch
                .client
                .post(url)
                .json(&HookBody {
                    tracking_no: &number,
                    phone: phone.as_deref(),
                    email: email.as_deref(),
                    text: &body,
                })
                .send()
                .await
                .and_then(|r| r.error_for_status());
            if let Err(e) = sent {
                errors.push(format!("推送接口：{e}"));
            }
        }
        if errors.is_empty() {
            db.execute(
                sqlx::query(
                    "UPDATE public_report_notices SET sent_at = $1, error = NULL WHERE id = $2",
                )
                .bind(time::to_text(now))
                .bind(id),
            )
            .await?;
            report.sent += 1;
        } else {
            tracing::warn!(notice = id, errors = ?errors, "reporter notice failed");
            db.execute(
                sqlx::query(
                    "UPDATE public_report_notices SET attempts = attempts + 1, error = $1 \
                     WHERE id = $2",
                )
                .bind(errors.join("；"))
                .bind(id),
            )
            .await?;
            report.failed += 1;
        }
    }
    Ok(report)
}

/// Send the notices every `every` while this instance holds the lease.
pub fn spawn(ctx: Arc<Ctx>, ch: Channels, every: Duration) -> tokio::task::JoinHandle<()> {
    let holder = crate::domain::hex(&crate::auth::random_bytes::<8>());
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        loop {
            tick.tick().await;
            let now = ctx.clock.now();
            let ttl = chrono::Duration::from_std(every * 3).unwrap_or(chrono::Duration::minutes(3));
            match crate::deadline::scheduler::acquire_lease(&ctx.db, LEASE, &holder, now, ttl).await
            {
                Ok(true) => match send_pending(&ctx.db, &ch, now).await {
                    Ok(r) if r.sent + r.failed > 0 => {
                        tracing::info!(sent = r.sent, failed = r.failed, "reporter notices")
                    }
                    Ok(_) => {}
                    Err(e) => tracing::error!(error = %e, "reporter notices failed"),
                },
                Ok(false) => {}
                Err(e) => tracing::warn!(error = %e, "reporter notice lease failed"),
            }
        }
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_notice_names_the_report_and_the_act_only() {
        let t = super::text(
            "举报",
            "JB2026120512345678",
            "已分送信阳市市场监督管理局办理",
            "https://jubao.example.gov.cn",
        );
        assert_eq!(
            t,
            "您提交的举报（查询编号JB2026120512345678）有新的办理进展：已分送信阳市市场监督管理局办理。\
             请凭查询编号和查询密码到https://jubao.example.gov.cn/public/track 查看。"
        );
    }
}
