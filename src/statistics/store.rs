//! The scoped reads behind the statistics.

use chrono::NaiveDate;

use super::clocks::Fact;
use crate::access::Scope;
use crate::access::sql::unit_in_scope;
use crate::db::Db;
use crate::db::query::Sql;
use crate::deadline::Timeliness;
use crate::error::{AppError, AppResult};

/// The clocks started from `from` to `to` whose owner unit lies in `scope`, grouped by unit,
/// clause and timeliness (`timeliness_sql!`, the one definition), with those running past their
/// due date on `today` apart.
pub async fn clock_facts(
    db: &Db,
    scope: &Scope,
    from: NaiveDate,
    to: NaiveDate,
    today: NaiveDate,
) -> AppResult<Vec<Fact>> {
    let mut q = Sql::new(concat!(
        "SELECT un.id, un.name, d.clause, ",
        crate::timeliness_sql!("d"),
        ", CASE WHEN d.state = 'open' AND d.due_date < "
    ));
    q.bind(today.to_string()).push(
        " THEN 1 ELSE 0 END, COUNT(*) FROM deadlines d JOIN units un ON un.id = d.owner_unit_id WHERE ",
    );
    q.append(unit_in_scope(scope, "un"));
    q.push(" AND d.start_date >= ")
        .bind(from.to_string())
        .push(" AND d.start_date <= ")
        .bind(to.to_string())
        .push(" GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 3");
    let rows: Vec<(i64, String, String, String, i64, i64)> =
        q.query_as().fetch_all(&db.pool).await?;
    rows.into_iter()
        .map(|(unit_id, unit_name, clause, t, overdue, count)| {
            Ok(Fact {
                unit_id,
                unit_name,
                clause,
                timeliness: Timeliness::parse(&t)
                    .ok_or_else(|| AppError::internal(format!("timeliness {t}")))?,
                overdue_open: overdue == 1,
                count,
            })
        })
        .collect()
}
