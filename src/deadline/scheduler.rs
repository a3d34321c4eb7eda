//! The deadline scheduler: once a minute, exactly one server instance (the holder of a lease in
//! the database) marks deadlines that fall due within two working days and those that have run
//! out, puts reminders in the owners' to-do lists and tells the office about overdue ones. All
//! of it is set-based SQL over the indexed due date, so a pass costs the same whether 100 or
//! 1,000,000 deadlines are open.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::json;

use crate::audit::{self, Entry, Who};
use crate::calendar::Calendar;
use crate::context::Ctx;
use crate::db::{Db, time};

/// Reminders go out when at most this many working days remain.
pub const DUE_SOON_WORKDAYS: u32 = 2;
const LEASE: &str = "deadline-scheduler";

/// Take or renew the named lease for `ttl`; true if this holder has it now. Works the same on
/// SQLite and PostgreSQL: the conditional upsert is atomic.
pub async fn acquire_lease(
    db: &Db,
    name: &str,
    holder: &str,
    now: DateTime<Utc>,
    ttl: chrono::Duration,
) -> Result<bool, sqlx::Error> {
    let row: Option<String> = sqlx::query_scalar(
        "INSERT INTO job_leases (name, holder, expires_at) VALUES ($1, $2, $3) \
         ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at \
         WHERE job_leases.expires_at < $4 OR job_leases.holder = excluded.holder \
         RETURNING holder",
    )
    .bind(name)
    .bind(holder)
    .bind(time::to_text(now + ttl))
    .bind(time::to_text(now))
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.as_deref() == Some(holder))
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PassReport {
    pub due_soon: u64,
    pub missed: u64,
    /// Set when the due-soon threshold could not be computed (next year's schedule missing).
    pub calendar_problem: Option<String>,
}

/// The GB/T 2260 scope prefix of a unit's region, in SQL (see `RegionCode::scope_prefix`).
const REGION_PREFIX: &str = "CASE WHEN substr(uu.region_code, 3, 4) = '0000' THEN substr(uu.region_code, 1, 2) \
     WHEN substr(uu.region_code, 5, 2) = '00' THEN substr(uu.region_code, 1, 4) ELSE uu.region_code END";

/// Notify the people responsible for the deadlines this pass just marked (`marker` names the
/// timestamp column set to `now`): the owner if one is named, otherwise the owner unit's
/// liaison officers and office staff.
pub(crate) async fn notify_owners(
    tx: &mut crate::db::Tx,
    marker: &str,
    title: &str,
    prefix: &str,
    now_text: &str,
) -> Result<(), sqlx::Error> {
    // Two statements rather than one join with OR, so each is driven by the marker index.
    let select = "SELECT DISTINCT u.id, $2, $3 || d.purpose || '（' || d.clause || '），届满日' || d.due_date, \
         '/deadlines/' || d.id, $1 FROM deadlines d";
    let named = format!(
        "INSERT INTO notifications (user_id, title, body, link, created_at) {select} \
         JOIN users u ON u.id = d.owner_user_id AND u.active = 1 WHERE d.{marker} = $1"
    );
    let unit = format!(
        "INSERT INTO notifications (user_id, title, body, link, created_at) {select} \
         JOIN users u ON u.unit_id = d.owner_unit_id AND u.active = 1 \
         JOIN role_grants g ON g.user_id = u.id AND g.role IN ('unit_liaison', 'office_staff', 'county_office_staff') \
         WHERE d.{marker} = $1 AND d.owner_user_id IS NULL"
    );
    for sql in [named, unit] {
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(now_text)
            .bind(title)
            .bind(prefix)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// What identifies the stored holiday years' state: how many, and the last change.
async fn holiday_years_stamp(db: &Db) -> Result<(i64, Option<String>), sqlx::Error> {
    sqlx::query_as("SELECT COUNT(*), MAX(updated_at) FROM holiday_years")
        .fetch_one(&db.pool)
        .await
}

/// The stored holiday years changed after `since` (all of them when `None`).
async fn years_changed_after(db: &Db, since: Option<&str>) -> Result<Vec<i32>, sqlx::Error> {
    let years: Vec<i64> =
        sqlx::query_scalar("SELECT year FROM holiday_years WHERE updated_at > $1 ORDER BY year")
            .bind(since.unwrap_or(""))
            .fetch_all(&db.pool)
            .await?;
    Ok(years
        .into_iter()
        .filter_map(|y| i32::try_from(y).ok())
        .collect())
}

/// Recompute, under the calendar in force, the open deadlines that may have touched `years`, in
/// one transaction.
pub async fn reconcile_years(
    db: &Db,
    cal: &Calendar,
    years: &[i32],
    now: DateTime<Utc>,
) -> crate::error::AppResult<()> {
    let mut tx = db.begin().await?;
    let r = super::store::reconcile_years(&mut tx, cal, &Who::system("节假日安排更新", now), years)
        .await?;
    tx.commit().await?;
    if r.moved > 0 {
        tracing::info!(
            ?years,
            moved = r.moved,
            "deadlines reconciled with the holiday years"
        );
    }
    Ok(())
}

/// The deadlines just marked (`marker` = `now_text`, bound as `$1`), counted per owner unit:
/// the `counts` that [`notify_offices`] takes.
fn marked_per_unit(marker: &str) -> String {
    format!(
        "SELECT owner_unit_id, COUNT(*) AS n FROM deadlines WHERE {marker} = $1 GROUP BY owner_unit_id"
    )
}

/// One digest per office user of the region of each owner unit in `counts` (a query giving
/// `owner_unit_id, n`; it may use `$1`, the time): "{before}N{after}", linking to `link`.
pub(crate) async fn notify_offices(
    tx: &mut crate::db::Tx,
    counts: &str,
    title: &str,
    (before, after): (&str, &str),
    link: &str,
    now_text: &str,
) -> Result<(), sqlx::Error> {
    // Counted per owner unit first (a handful of rows), then matched to the office users whose
    // region holds the unit: the join never runs per deadline.
    let sql = format!(
        "INSERT INTO notifications (user_id, title, body, link, created_at) \
         SELECT u.id, $2, $3 || SUM(c.n) || $4, $5, $1 \
         FROM ({counts}) c \
         JOIN units ou ON ou.id = c.owner_unit_id \
         JOIN (SELECT DISTINCT user_id FROM role_grants \
               WHERE role IN ('office_director', 'office_staff', 'county_office_staff')) g ON 1 = 1 \
         JOIN users u ON u.id = g.user_id AND u.active = 1 \
         JOIN units uu ON uu.id = u.unit_id \
         WHERE ou.region_code LIKE ({REGION_PREFIX}) || '%' \
         GROUP BY u.id"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(now_text)
        .bind(title)
        .bind(before)
        .bind(after)
        .bind(link)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// One pass at `now` (Beijing day `today`), in one transaction. Safe to run twice: each row
/// changes state only once, and the to-dos and notifications follow the rows changed by this
/// pass only.
pub async fn run_pass(
    db: &Db,
    cal: &Calendar,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<PassReport, sqlx::Error> {
    let now_text = time::to_text(now);
    let today_text = today.to_string();
    let mut report = PassReport::default();
    let mut tx = db.begin().await?;

    // Overdue: the due date has passed and the clock is still open (and not suspended: a
    // suspended clock has no due date).
    // The rows marked come back so that the statistics' tally counts exactly these.
    let marked: Vec<(i64, String, String)> = sqlx::query_as(
        "UPDATE deadlines SET state = 'missed', escalated_at = $1, updated_at = $1 \
         WHERE state = 'open' AND due_date IS NOT NULL AND due_date < $2 \
         RETURNING owner_unit_id, clause, substr(start_date, 1, 7)",
    )
    .bind(&now_text)
    .bind(&today_text)
    .fetch_all(&mut *tx)
    .await?;
    report.missed = marked.len() as u64;
    if report.missed > 0 {
        crate::statistics::tally::missed(&mut tx, marked).await?;
        sqlx::query(
            "INSERT INTO deadline_events (deadline_id, at, actor_name, kind, detail) \
             SELECT id, $1, '系统（期限提醒）', 'missed', '期限已于' || due_date || '届满，仍未完成' \
             FROM deadlines WHERE escalated_at = $1 AND state = 'missed'",
        )
        .bind(&now_text)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO todo_items (user_id, unit_id, title, link, due_date, urgent, source_type, source_id, created_at) \
             SELECT owner_user_id, CASE WHEN owner_user_id IS NULL THEN owner_unit_id END, \
             '【已逾期】' || purpose, '/deadlines/' || id, due_date, 1, 'deadline', id, $1 \
             FROM deadlines WHERE escalated_at = $1 AND state = 'missed'",
        )
        .bind(&now_text)
        .execute(&mut *tx)
        .await?;
        notify_owners(&mut tx, "escalated_at", "期限已逾期", "已逾期：", &now_text).await?;
        // The office of the region each overdue owner belongs to hears of it: one digest per
        // office user and pass.
        notify_offices(
            &mut tx,
            &marked_per_unit("escalated_at"),
            "期限逾期提醒",
            ("本辖区新增", "项逾期期限，请督促办理。"),
            "/deadlines?state=missed",
            &now_text,
        )
        .await?;
    }

    // Due soon: at most DUE_SOON_WORKDAYS working days left.
    match cal.due_date(
        today,
        crate::calendar::Period::WorkingDays(DUE_SOON_WORKDAYS),
    ) {
        Ok(threshold) => {
            report.due_soon = sqlx::query(
                "UPDATE deadlines SET reminded_at = $1 WHERE state = 'open' AND reminded_at IS NULL \
                 AND due_date IS NOT NULL AND due_date >= $2 AND due_date <= $3",
            )
            .bind(&now_text)
            .bind(&today_text)
            .bind(threshold.to_string())
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if report.due_soon > 0 {
                sqlx::query(
                    "INSERT INTO todo_items (user_id, unit_id, title, link, due_date, urgent, source_type, source_id, created_at) \
                     SELECT owner_user_id, CASE WHEN owner_user_id IS NULL THEN owner_unit_id END, \
                     '【即将到期】' || purpose, '/deadlines/' || id, due_date, 0, 'deadline', id, $1 \
                     FROM deadlines WHERE reminded_at = $1 AND state = 'open'",
                )
                .bind(&now_text)
                .execute(&mut *tx)
                .await?;
                notify_owners(
                    &mut tx,
                    "reminded_at",
                    "期限即将届满",
                    "即将到期：",
                    &now_text,
                )
                .await?;
            }
        }
        Err(e) => report.calendar_problem = Some(e.to_string()),
    }

    if report.missed > 0 || report.due_soon > 0 {
        audit::record(
            &mut tx,
            &Who::system("期限提醒", now),
            Entry::new("deadline.scheduler_pass", "deadline").summary(json!({
                "today": today_text, "due_soon": report.due_soon, "missed": report.missed,
            })),
        )
        .await?;
    }
    tx.commit().await?;
    // The statistics' tally is exact with or without this; folding keeps its deltas few.
    if let Err(e) = crate::statistics::tally::compact(db).await {
        tracing::warn!(error = %e, "folding the clock tally failed");
    }
    Ok(report)
}

/// Passes this process ran, by outcome, and when the last successful one ended (Unix
/// seconds), for `/metrics`.
pub static PASSES_OK: AtomicU64 = AtomicU64::new(0);
pub static PASSES_FAILED: AtomicU64 = AtomicU64::new(0);
pub static LAST_PASS: AtomicI64 = AtomicI64::new(0);

/// Run forever in the background: every `every`, try the lease and, if held, run a pass.
pub fn spawn(ctx: Arc<Ctx>, every: Duration) -> tokio::task::JoinHandle<()> {
    let holder = crate::domain::hex(&crate::auth::random_bytes::<8>());
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        // The stored holiday years as last seen, and the years whose change (by another
        // instance, or by the command line) this instance has yet to reconcile its dates with.
        let mut seen: Option<(i64, Option<String>)> = None;
        let mut pending: Vec<i32> = Vec::new();
        loop {
            tick.tick().await;
            let now = ctx.clock.now();
            match holiday_years_stamp(&ctx.db).await {
                Ok(stamp) if seen.as_ref() != Some(&stamp) => {
                    // At start every stored year: a date computed just before a crash may
                    // predate an import.
                    let since = seen.as_ref().and_then(|(_, at)| at.clone());
                    match years_changed_after(&ctx.db, since.as_deref()).await {
                        Ok(years) => match ctx.reload_calendar().await {
                            Ok(()) => {
                                seen = Some(stamp);
                                pending.extend(years);
                                pending.sort_unstable();
                                pending.dedup();
                            }
                            Err(e) => {
                                tracing::warn!(error = %e, "reloading the holiday years failed")
                            }
                        },
                        Err(e) => tracing::warn!(error = %e, "reading the holiday years failed"),
                    }
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "reading the holiday years failed"),
            }
            // Every instance reconciles the dates it may have computed with its old calendar,
            // lease or not: the lease holder may have reconciled before this instance's last
            // date with the old calendar was written. Recomputations queue behind each other
            // and write only dates that still move, so each move is recorded once.
            if !pending.is_empty() {
                match reconcile_years(&ctx.db, &ctx.calendar(), &pending, now).await {
                    Ok(()) => pending.clear(),
                    Err(e) => tracing::error!(error = %e, "reconciling deadlines failed"),
                }
            }
            let ttl = chrono::Duration::from_std(every * 3).unwrap_or(chrono::Duration::minutes(3));
            match acquire_lease(&ctx.db, LEASE, &holder, now, ttl).await {
                Ok(true) => {
                    let cal = ctx.calendar();
                    let pass = run_pass(&ctx.db, &cal, time::beijing_date(now), now).await;
                    let counter = if pass.is_ok() {
                        &PASSES_OK
                    } else {
                        &PASSES_FAILED
                    };
                    counter.fetch_add(1, Ordering::Relaxed);
                    if pass.is_ok() {
                        LAST_PASS.store(ctx.clock.now().timestamp(), Ordering::Relaxed);
                    }
                    match pass {
                        Ok(r) => {
                            if r.due_soon > 0 || r.missed > 0 {
                                tracing::info!(
                                    due_soon = r.due_soon,
                                    missed = r.missed,
                                    "deadline pass"
                                );
                            }
                            if let Some(p) = r.calendar_problem {
                                tracing::warn!(problem = %p, "deadline pass could not compute reminders");
                            }
                        }
                        Err(e) => tracing::error!(error = %e, "deadline pass failed"),
                    }
                }
                Ok(false) => {}
                Err(e) => tracing::warn!(error = %e, "deadline lease failed"),
            }
        }
    })
}
