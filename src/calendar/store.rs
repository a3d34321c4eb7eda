//! Storing holiday years that an administrator adds or corrects. The shipped years are in the
//! binary; a stored year overrides the shipped one of the same year.

use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use serde_json::json;
use sqlx::Row;

use super::{Calendar, YearSchedule};
use crate::access::{Action, Actor, Resource};
use crate::audit::{self, Entry, Who};
use crate::db::Db;
use crate::deadline::{self, store::Recomputation};
use crate::error::{AppError, AppResult};

/// How many years ahead of today a provisional year may be computed (issue #11: further ahead
/// the rule may well have changed; a clock that long is an error naming the year).
pub const PROVISIONAL_YEARS_AHEAD: i32 = 30;

/// The shipped calendar, with provisional years up to 30 years after `today`'s year. The
/// shipped files are checked by tests; should one ever fail to parse, the calendar has no
/// years and every date is an error naming its year, never a guess.
pub fn shipped(today: NaiveDate) -> Calendar {
    Calendar::shipped()
        .unwrap_or_else(|e| {
            tracing::error!(error = %e, "shipped holiday schedule does not parse");
            Calendar::new()
        })
        .with_provisional_until(today.year() + PROVISIONAL_YEARS_AHEAD)
}

/// Shipped years overlaid with the stored ones, and provisional years after them.
pub async fn load(db: &Db, today: NaiveDate) -> Result<Calendar, sqlx::Error> {
    let mut cal = Calendar::shipped().unwrap_or_else(|e| {
        tracing::error!(error = %e, "shipped holiday schedule does not parse");
        Calendar::new()
    });
    let rows = sqlx::query("SELECT year, schedule FROM holiday_years ORDER BY year")
        .fetch_all(&db.pool)
        .await?;
    for row in rows {
        let year: i64 = row.try_get(0)?;
        let text: String = row.try_get(1)?;
        match YearSchedule::parse(&text) {
            Ok(s) => {
                cal.insert_year(s);
            }
            // Stored years were validated when saved; a bad one is reported, not guessed at.
            Err(e) => tracing::error!(year, error = %e, "stored holiday year does not parse"),
        }
    }
    Ok(cal.with_provisional_until(today.year() + PROVISIONAL_YEARS_AHEAD))
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StoredYear {
    pub year: i64,
    pub source: String,
    pub updated_at: String,
}

pub async fn stored_years(db: &Db) -> Result<Vec<StoredYear>, sqlx::Error> {
    let rows = sqlx::query("SELECT year, source, updated_at FROM holiday_years ORDER BY year")
        .fetch_all(&db.pool)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(StoredYear {
                year: r.try_get(0)?,
                source: r.try_get(1)?,
                updated_at: r.try_get(2)?,
            })
        })
        .collect()
}

/// Check who may import and parse the text: the administrator's submission, before anything is
/// read or written.
pub fn parse_submission(actor: Option<&Actor>, text: &str) -> AppResult<YearSchedule> {
    if let Some(a) = actor
        && !a.can(Resource::Calendar, Action::Update)
    {
        return Err(AppError::Forbidden);
    }
    if text.trim().is_empty() {
        return Err(AppError::field(
            "schedule",
            "required",
            "请粘贴或上传年度节假日安排",
        ));
    }
    if text.len() > 64 * 1024 {
        return Err(AppError::field(
            "schedule",
            "too_long",
            "年度安排不能超过64KB",
        ));
    }
    YearSchedule::parse(text)
        .map_err(|e| AppError::field("schedule", "invalid_format", e.to_string()))
}

/// How the open deadlines would move if the submitted year were imported into `in_force`.
pub async fn preview(
    db: &Db,
    in_force: &Calendar,
    actor: Option<&Actor>,
    text: &str,
) -> AppResult<(YearSchedule, Recomputation)> {
    let schedule = parse_submission(actor, text)?;
    let cal = in_force.clone().with_year(schedule.clone());
    let r = deadline::store::preview_recomputation(
        db,
        &cal,
        schedule.year(),
        in_force.is_provisional_year(schedule.year()),
    )
    .await?;
    Ok((schedule, r))
}

/// Validate and store one year's schedule (system administrator), and recompute in the same
/// transaction every open deadline whose arithmetic touched that year (`in_force` is the
/// calendar the deadlines were computed with). Returns the schedule and what moved; the caller
/// reloads the calendar in force.
pub async fn save_year(
    db: &Db,
    in_force: &Calendar,
    actor: Option<&Actor>,
    who: &Who,
    text: &str,
) -> AppResult<(YearSchedule, Recomputation)> {
    let schedule = parse_submission(actor, text)?;
    let year = i64::from(schedule.year());
    let cal = in_force.clone().with_year(schedule.clone());
    let mut tx = db.begin().await?;
    let replaced: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM holiday_years WHERE year = $1")
        .bind(year)
        .fetch_one(&mut *tx)
        .await?;
    // An upsert: two administrators importing the same year at once queue on the row (the later
    // one replaces the earlier and recomputes after it), where a delete-then-insert would let
    // the second fail on the key.
    sqlx::query(
        "INSERT INTO holiday_years (year, schedule, source, updated_at, updated_by) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (year) DO UPDATE SET schedule = excluded.schedule, source = excluded.source, \
         updated_at = excluded.updated_at, updated_by = excluded.updated_by",
    )
    .bind(year)
    .bind(text)
    .bind(schedule.source())
    .bind(who.at_text())
    .bind(actor.map(|a| a.user_id))
    .execute(&mut *tx)
    .await?;
    let recomputed = deadline::store::recompute_year(
        &mut tx,
        &cal,
        who,
        schedule.year(),
        in_force.is_provisional_year(schedule.year()),
        schedule.source(),
    )
    .await?;
    audit::record(
        &mut tx,
        who,
        Entry::new("calendar.save_year", "holiday_year")
            .object(year, who.unit_id)
            .summary(json!({
                "year": year,
                "source": schedule.source(),
                "holiday_days": schedule.holiday_day_count(),
                "makeup_workdays": schedule.makeup_day_count(),
                "replaced_stored": replaced > 0,
                "was_provisional": in_force.is_provisional_year(schedule.year()),
                "deadlines_moved": recomputed.moved,
            })),
    )
    .await?;
    tx.commit().await?;
    Ok((schedule, recomputed))
}
