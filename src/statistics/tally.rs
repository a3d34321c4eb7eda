//! The clocks counted as they change (issue #16: the leaders' dashboard over millions of
//! clocks). `clock_tally` holds how many clocks each owner unit has of each clause, started in
//! each month, standing as each `deadline::Timeliness` (`timeliness_sql!`, the one definition).
//!
//! Incrementally maintained, exact: every write that can move a clock from one bucket to
//! another — `deadline::store::open`, `apply` (met, waived, restarted…) and the scheduler's
//! miss — appends the old bucket −1 and the new bucket +1 to `clock_tally_delta` in its own
//! transaction, so the counts commit or roll back with the clock. A recomputation after a
//! holiday import moves only open clocks' due dates, and a running clock's bucket does not
//! depend on its due date, so it writes nothing here. Writers only append: a counter row per
//! bucket would be taken by every clock opened that month for that unit and clause, and two
//! transactions touching two buckets in opposite orders would deadlock on PostgreSQL. The
//! scheduler folds the deltas into `clock_tally` ([`compact`]); readers add the two.
//!
//! A period's whole months are read from the tally; a partial month at either edge is counted
//! live by start date (indexed), or as its whole month less the days outside the period,
//! whichever has fewer days up to today ([`plan`]). [`check`] compares the tally with the live
//! count of every clock.

use chrono::{Datelike, Duration, Months, NaiveDate};

use crate::access::Scope;
use crate::access::sql::unit_in_scope;
use crate::db::query::{Sql, is_sqlite};
use crate::db::{Db, Tx};

/// A clock's bucket in SQL, for the deadlines row aliased `d`.
const BUCKET: &str = concat!(
    "d.owner_unit_id, d.clause, substr(d.start_date, 1, 7), ",
    crate::timeliness_sql!("d")
);

/// The bucket one clock is counted in: owner unit, clause, start month (YYYY-MM), timeliness.
pub type Bucket = (i64, String, String, String);

/// Count the clock `id`, just inserted, in its bucket.
pub async fn opened(tx: &mut Tx, id: i64) -> Result<(), sqlx::Error> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO clock_tally_delta (owner_unit_id, clause, start_month, timeliness, n) \
         SELECT {BUCKET}, 1 FROM deadlines d WHERE d.id = $1"
    )))
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The bucket of clock `id` as the transaction sees it. Read before a change after the row is
/// locked (`procedure::lock`), so a concurrent change to the same clock is not counted off twice.
pub async fn bucket(tx: &mut Tx, id: i64) -> Result<Option<Bucket>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {BUCKET} FROM deadlines d WHERE d.id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut **tx)
    .await
}

/// A clock moved from `before` to `after`: −1 and +1, nothing when it stayed.
pub async fn moved(
    tx: &mut Tx,
    before: Option<&Bucket>,
    after: Option<&Bucket>,
) -> Result<(), sqlx::Error> {
    if before == after {
        return Ok(());
    }
    let rows: Vec<(&Bucket, i64)> = before
        .map(|b| (b, -1))
        .into_iter()
        .chain(after.map(|a| (a, 1)))
        .collect();
    let mut q = Sql::new(
        "INSERT INTO clock_tally_delta (owner_unit_id, clause, start_month, timeliness, n) VALUES ",
    );
    for (i, ((unit, clause, month, t), n)) in rows.into_iter().enumerate() {
        if i > 0 {
            q.push(", ");
        }
        q.push("(")
            .bind(*unit)
            .push(", ")
            .bind(clause.as_str())
            .push(", ")
            .bind(month.as_str())
            .push(", ")
            .bind(t.as_str())
            .push(", ")
            .bind(n)
            .push(")");
    }
    q.query().execute(&mut **tx).await?;
    Ok(())
}

/// The scheduler marked these running clocks missed (owner unit, clause, start month, as its
/// update returned them): each leaves "running" for "missed".
pub async fn missed(tx: &mut Tx, marked: Vec<(i64, String, String)>) -> Result<(), sqlx::Error> {
    let mut by: std::collections::BTreeMap<(i64, String, String), i64> = Default::default();
    for key in marked {
        *by.entry(key).or_default() += 1;
    }
    let rows: Vec<_> = by.into_iter().collect();
    // Two rows of five values per bucket, well within either database's limit of parameters.
    for chunk in rows.chunks(1000) {
        let mut q = Sql::new(
            "INSERT INTO clock_tally_delta (owner_unit_id, clause, start_month, timeliness, n) VALUES ",
        );
        for (i, ((unit, clause, month), n)) in chunk.iter().enumerate() {
            for (j, (t, n)) in [("running", -n), ("missed", *n)].into_iter().enumerate() {
                if i + j > 0 {
                    q.push(", ");
                }
                q.push("(")
                    .bind(*unit)
                    .push(", ")
                    .bind(clause.as_str())
                    .push(", ")
                    .bind(month.as_str())
                    .push(", ")
                    .bind(t)
                    .push(", ")
                    .bind(n)
                    .push(")");
            }
        }
        q.query().execute(&mut **tx).await?;
    }
    Ok(())
}

/// Fold the deltas into the tally, in one transaction; returns how many were folded. Safe at
/// any time and on several instances at once: only the deltas this pass removes are added.
pub async fn compact(db: &Db) -> Result<u64, sqlx::Error> {
    let mut tx = db.begin().await?;
    const FOLD: &str = "INSERT INTO clock_tally (owner_unit_id, clause, start_month, timeliness, n) \
         SELECT owner_unit_id, clause, start_month, timeliness, SUM(n) FROM {from} \
         GROUP BY owner_unit_id, clause, start_month, timeliness \
         ON CONFLICT (start_month, owner_unit_id, clause, timeliness) \
         DO UPDATE SET n = clock_tally.n + excluded.n";
    let folded = if is_sqlite(&tx) {
        // BEGIN IMMEDIATE: no delta can be appended between the two statements.
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM clock_tally_delta")
            .fetch_one(&mut *tx)
            .await?;
        if n > 0 {
            // `WHERE true`: SQLite's upsert after a SELECT needs a WHERE to parse.
            sqlx::query(sqlx::AssertSqlSafe(
                FOLD.replace("{from}", "clock_tally_delta WHERE true"),
            ))
            .execute(&mut *tx)
            .await?;
            sqlx::query("DELETE FROM clock_tally_delta")
                .execute(&mut *tx)
                .await?;
        }
        n as u64
    } else {
        // One statement, so the rows deleted are exactly the rows added even while other
        // transactions append (two statements would each take their own snapshot). Folds on
        // two instances queue on the lock, so a key is not upserted by both at once.
        sqlx::query("SELECT pg_advisory_xact_lock(7277054)")
            .execute(&mut *tx)
            .await?;
        let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(
            FOLD.replace(
                "INSERT INTO",
                "WITH moved AS (DELETE FROM clock_tally_delta RETURNING *), \
                 folded AS (INSERT INTO",
            )
            .replace("{from}", "moved")
                + " RETURNING 1) SELECT COUNT(*) FROM moved",
        ))
        .fetch_one(&mut *tx)
        .await?;
        n as u64
    };
    sqlx::query("DELETE FROM clock_tally WHERE n = 0")
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(folded)
}

/// Count every clock afresh: for clocks written in bulk outside the operations (the
/// benchmark's generator, a restore). Not needed otherwise: [`check`] finds no difference.
pub async fn rebuild(db: &Db) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    if !is_sqlite(&tx) {
        sqlx::query("SELECT pg_advisory_xact_lock(7277054)")
            .execute(&mut *tx)
            .await?;
        // Nothing may append while the counts are taken, or a delta would count twice.
        sqlx::query("LOCK TABLE deadlines IN SHARE MODE")
            .execute(&mut *tx)
            .await?;
    }
    sqlx::query("DELETE FROM clock_tally_delta")
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM clock_tally")
        .execute(&mut *tx)
        .await?;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO clock_tally (owner_unit_id, clause, start_month, timeliness, n) \
         SELECT {BUCKET}, COUNT(*) FROM deadlines d GROUP BY 1, 2, 3, 4"
    )))
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

/// A bucket whose kept count differs from the clocks stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drift {
    pub bucket: Bucket,
    pub kept: i64,
    pub counted: i64,
}

/// Compare the tally (with its deltas) with a live count of every clock; empty when they agree.
/// Read in one transaction so both sides see the same clocks.
pub async fn check(db: &Db) -> Result<Vec<Drift>, sqlx::Error> {
    let mut tx = db.begin().await?;
    let kept: Vec<(i64, String, String, String, i64)> = sqlx::query_as(
        "SELECT owner_unit_id, clause, start_month, timeliness, CAST(SUM(n) AS BIGINT) FROM \
         (SELECT owner_unit_id, clause, start_month, timeliness, n FROM clock_tally \
          UNION ALL SELECT owner_unit_id, clause, start_month, timeliness, n FROM clock_tally_delta) t \
         GROUP BY 1, 2, 3, 4",
    )
    .fetch_all(&mut *tx)
    .await?;
    let counted: Vec<(i64, String, String, String, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(
        format!("SELECT {BUCKET}, COUNT(*) FROM deadlines d GROUP BY 1, 2, 3, 4"),
    ))
    .fetch_all(&mut *tx)
    .await?;
    tx.rollback().await?;
    let mut all: std::collections::BTreeMap<Bucket, (i64, i64)> = Default::default();
    for (u, c, m, t, n) in kept {
        all.entry((u, c, m, t)).or_default().0 += n;
    }
    for (u, c, m, t, n) in counted {
        all.entry((u, c, m, t)).or_default().1 += n;
    }
    Ok(all
        .into_iter()
        .filter(|(_, (k, c))| k != c)
        .map(|(bucket, (kept, counted))| Drift {
            bucket,
            kept,
            counted,
        })
        .collect())
}

/// How a period is counted: the months read from the tally (YYYY-MM, inclusive) and the day
/// ranges counted live, each added (+1) or taken off (−1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub months: Option<(String, String)>,
    pub live: Vec<(NaiveDate, NaiveDate, i64)>,
}

fn month_code(d: NaiveDate) -> String {
    format!("{:04}-{:02}", d.year(), d.month())
}

/// Plan the count of the clocks started from `from` to `to`. A partial month is counted live
/// over its days in the period, or read whole from the tally less its days outside the period,
/// whichever has fewer days up to `today` (days after today hold almost no clocks): the
/// default period, 1 January to today, is the tally alone.
pub fn plan(from: NaiveDate, to: NaiveDate, today: NaiveDate) -> Plan {
    let mut live = Vec::new();
    if to < from {
        return Plan { months: None, live };
    }
    let days = |a: NaiveDate, b: NaiveDate| {
        let b = b.min(today);
        if b < a { 0 } else { (b - a).num_days() + 1 }
    };
    let first_day = |d: NaiveDate| d.with_day(1).unwrap_or(d);
    let last_day = |m: NaiveDate| {
        m.checked_add_months(Months::new(1))
            .map_or(NaiveDate::MAX, |n| n - Duration::days(1))
    };
    // Whether month `m` is read from the tally, its days from `a` to `b` being in the period.
    let mut edge = |m: NaiveDate, a: NaiveDate, b: NaiveDate| -> bool {
        let last = last_day(m);
        if a == m && b == last {
            true
        } else if days(m, last) - days(a, b) < days(a, b) {
            if a > m {
                live.push((m, a - Duration::days(1), -1));
            }
            if b < last {
                live.push((b + Duration::days(1), last, -1));
            }
            true
        } else {
            live.push((a, b, 1));
            false
        }
    };
    let (m1, m2) = (first_day(from), first_day(to));
    let (start, end) = if m1 == m2 {
        if !edge(m1, from, to) {
            return Plan { months: None, live };
        }
        (m1, m2)
    } else {
        let start = if edge(m1, from, last_day(m1)) {
            Some(m1)
        } else {
            m1.checked_add_months(Months::new(1))
        };
        let end = if edge(m2, m2, to) {
            Some(m2)
        } else {
            m2.checked_sub_months(Months::new(1))
        };
        match (start, end) {
            (Some(s), Some(e)) if s <= e => (s, e),
            _ => return Plan { months: None, live },
        }
    };
    Plan {
        months: Some((month_code(start), month_code(end))),
        live,
    }
}

/// One group of counted clocks: unit id and name, clause, timeliness code, how many.
pub type Counted = (i64, String, String, String, i64);

/// The clocks in `scope` of the months `first` to `last` (YYYY-MM), from the tally.
pub async fn months(
    db: &Db,
    scope: &Scope,
    first: &str,
    last: &str,
) -> Result<Vec<Counted>, sqlx::Error> {
    let mut q = Sql::new(
        "SELECT un.id, un.name, t.clause, t.timeliness, CAST(SUM(t.n) AS BIGINT) FROM \
         (SELECT owner_unit_id, clause, timeliness, n FROM clock_tally WHERE start_month >= ",
    );
    q.bind(first)
        .push(" AND start_month <= ")
        .bind(last)
        .push(
            " UNION ALL SELECT owner_unit_id, clause, timeliness, n FROM clock_tally_delta \
             WHERE start_month >= ",
        )
        .bind(first)
        .push(" AND start_month <= ")
        .bind(last)
        .push(") t JOIN units un ON un.id = t.owner_unit_id WHERE ");
    q.append(unit_in_scope(scope, "un"));
    q.push(" GROUP BY un.id, un.name, t.clause, t.timeliness");
    q.query_as().fetch_all(&db.pool).await
}

/// The clocks in `scope` started from `from` to `to`, counted live.
pub async fn days(
    db: &Db,
    scope: &Scope,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<Counted>, sqlx::Error> {
    let mut q = Sql::new(concat!(
        "SELECT un.id, un.name, d.clause, ",
        crate::timeliness_sql!("d"),
        // `+d.owner_unit_id`: not a join on the owner's index, which SQLite otherwise chose
        // and read every clock of the region (21 s over 5,000,000); the start date's index
        // reads only the days asked for.
        ", COUNT(*) FROM deadlines d JOIN units un ON un.id = +d.owner_unit_id WHERE "
    ));
    q.append(unit_in_scope(scope, "un"));
    q.push(" AND d.start_date >= ")
        .bind(from.to_string())
        .push(" AND d.start_date <= ")
        .bind(to.to_string())
        .push(" GROUP BY 1, 2, 3, 4");
    q.query_as().fetch_all(&db.pool).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn the_default_period_is_the_tally_alone_but_for_the_days_after_today() {
        let p = plan(d("2026-01-01"), d("2026-06-15"), d("2026-06-15"));
        assert_eq!(p.months, Some(("2026-01".into(), "2026-06".into())));
        assert_eq!(p.live, vec![(d("2026-06-16"), d("2026-06-30"), -1)]);
        // The last day of a year: twelve whole months.
        let p = plan(d("2026-01-01"), d("2026-12-31"), d("2026-12-31"));
        assert_eq!(p.months, Some(("2026-01".into(), "2026-12".into())));
        assert!(p.live.is_empty());
    }

    #[test]
    fn a_partial_month_is_counted_over_its_fewer_days() {
        // March: 29 days in, 2 out, so the month less its first two days; May: 5 days in,
        // 26 out, so counted live.
        let p = plan(d("2025-03-03"), d("2025-05-05"), d("2026-06-15"));
        assert_eq!(p.months, Some(("2025-03".into(), "2025-04".into())));
        assert_eq!(
            p.live,
            vec![
                (d("2025-03-01"), d("2025-03-02"), -1),
                (d("2025-05-01"), d("2025-05-05"), 1)
            ]
        );
        // 29 days in, 2 out: the month less its two days.
        let p = plan(d("2025-03-03"), d("2025-03-31"), d("2026-06-15"));
        assert_eq!(p.months, Some(("2025-03".into(), "2025-03".into())));
        assert_eq!(p.live, vec![(d("2025-03-01"), d("2025-03-02"), -1)]);
        // Within one month, both edges outside.
        let p = plan(d("2025-02-02"), d("2025-02-27"), d("2026-06-15"));
        assert_eq!(
            p.live,
            vec![
                (d("2025-02-01"), d("2025-02-01"), -1),
                (d("2025-02-28"), d("2025-02-28"), -1)
            ]
        );
        let p = plan(d("2025-02-10"), d("2025-02-12"), d("2026-06-15"));
        assert_eq!(p.months, None);
        assert_eq!(p.live, vec![(d("2025-02-10"), d("2025-02-12"), 1)]);
    }

    #[test]
    fn the_ends_of_the_calendar_do_not_overflow() {
        let p = plan(d("1000-01-01"), NaiveDate::MAX, d("2026-06-15"));
        assert_eq!(p.months.map(|m| m.0), Some("1000-01".into()));
        assert!(p.live.is_empty());
        // The whole middle is read from the tally, the edges as they fall.
        let p = plan(d("2024-01-31"), d("2026-02-01"), d("2026-06-15"));
        assert_eq!(p.months, Some(("2024-02".into(), "2026-01".into())));
        assert_eq!(
            p.live,
            vec![
                (d("2024-01-31"), d("2024-01-31"), 1),
                (d("2026-02-01"), d("2026-02-01"), 1)
            ]
        );
    }
}
