//! The scoped reads behind the statistics.

use chrono::NaiveDate;

use super::clocks::Fact;
use crate::access::Scope;
use crate::access::sql::unit_in_scope;
use crate::db::Db;
use crate::db::query::Sql;
use crate::deadline::Timeliness;
use crate::error::{AppError, AppResult};

/// The clocks started from `from` to `to` whose owner unit lies in `scope`, by unit, clause
/// and timeliness (the one definition), with those running past their due date on `today`
/// apart. Whole months come from the maintained tally (`tally`), partial months and the
/// running clocks past due live from indexed rows: the same figures as [`clock_facts_live`].
pub async fn clock_facts(
    db: &Db,
    scope: &Scope,
    from: NaiveDate,
    to: NaiveDate,
    today: NaiveDate,
) -> AppResult<Vec<Fact>> {
    use std::collections::BTreeMap;
    let plan = super::tally::plan(from, to, today);
    // (unit, clause, timeliness) → (unit name, count)
    let mut counts: BTreeMap<(i64, String, String), (String, i64)> = BTreeMap::new();
    let mut add = |rows: Vec<super::tally::Counted>, sign: i64| {
        for (unit, name, clause, t, n) in rows {
            counts.entry((unit, clause, t)).or_insert((name, 0)).1 += sign * n;
        }
    };
    if let Some((first, last)) = &plan.months {
        add(super::tally::months(db, scope, first, last).await?, 1);
    }
    for (a, b, sign) in &plan.live {
        add(super::tally::days(db, scope, *a, *b).await?, *sign);
    }
    // Running past due on `today`: open clocks are few, found by (state, due date). Neither the
    // owner's index (`+`) nor the start date's (`|| ''`) may drive it: either reads every clock
    // of the period (1.2 s over 500,000 on SQLite, against 11 ms).
    let mut q = Sql::new(
        "SELECT un.id, d.clause, COUNT(*) FROM deadlines d JOIN units un ON un.id = +d.owner_unit_id \
         WHERE d.state = 'open' AND d.due_date < ",
    );
    q.bind(today.to_string()).push(" AND ");
    q.append(unit_in_scope(scope, "un"));
    q.push(" AND (d.start_date || '') >= ")
        .bind(from.to_string())
        .push(" AND (d.start_date || '') <= ")
        .bind(to.to_string())
        .push(" GROUP BY 1, 2");
    let overdue: Vec<(i64, String, i64)> = q.query_as().fetch_all(&db.pool).await?;
    let running = Timeliness::Running.code().to_owned();
    let mut facts = Vec::new();
    for ((unit_id, clause, t), (unit_name, count)) in counts {
        let timeliness =
            Timeliness::parse(&t).ok_or_else(|| AppError::internal(format!("timeliness {t}")))?;
        let late_open = if t == running {
            overdue
                .iter()
                .find(|(u, c, _)| *u == unit_id && *c == clause)
                .map_or(0, |(_, _, n)| *n)
        } else {
            0
        };
        for (overdue_open, count) in [(false, count - late_open), (true, late_open)] {
            if count != 0 {
                facts.push(Fact {
                    unit_id,
                    unit_name: unit_name.clone(),
                    clause: clause.clone(),
                    timeliness,
                    overdue_open,
                    count,
                });
            }
        }
    }
    Ok(facts)
}

/// [`clock_facts`] counted live over every clock (what the tally is checked against): the
/// clocks started from `from` to `to` whose owner unit lies in `scope`, grouped by unit,
/// clause and timeliness (`timeliness_sql!`, the one definition), with those running past their
/// due date on `today` apart.
pub async fn clock_facts_live(
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

/// The supervised cases in `scope` on `today` (see `cases::Figures`): every case by state, and
/// those under supervision by ground, lead region and age, with the 20 most behind.
pub async fn case_figures(
    db: &Db,
    scope: &Scope,
    today: NaiveDate,
) -> AppResult<super::cases::Figures> {
    use super::cases::{AGES, Behind, Count, band_starts, in_supervision};
    use crate::cases::flow::CaseState;
    use crate::cases::model::Ground;
    let in_scope =
        || crate::access::sql::parties_in_scope(scope, crate::cases::store::RESOURCE, "c.id");
    let supervised = || {
        let mut s = Sql::new(" AND c.state IN (");
        for (i, st) in CaseState::ALL
            .iter()
            .filter(|s| in_supervision(**s))
            .enumerate()
        {
            if i > 0 {
                s.push(", ");
            }
            s.bind(st.code());
        }
        s.push(")");
        s
    };

    let mut q = Sql::new("SELECT c.state, COUNT(*) FROM cases c WHERE ");
    q.append(in_scope());
    q.push(" GROUP BY c.state");
    let by_state: Vec<(String, i64)> = q.query_as().fetch_all(&db.pool).await?;
    let states: Vec<Count> = CaseState::ALL
        .iter()
        .map(|s| Count {
            label: s.label().into(),
            count: by_state
                .iter()
                .find(|(code, _)| code == s.code())
                .map_or(0, |(_, n)| *n),
            href: Some(format!("/cases?state={}", s.code())),
        })
        .collect();
    let supervised_count = CaseState::ALL
        .iter()
        .zip(&states)
        .filter(|(s, _)| in_supervision(**s))
        .map(|(_, c)| c.count)
        .sum();

    let mut q = Sql::new(
        "SELECT g.ground, COUNT(*) FROM case_grounds g JOIN cases c ON c.id = g.case_id WHERE ",
    );
    q.append(in_scope());
    q.append(supervised());
    q.push(" GROUP BY g.ground");
    let by_ground: Vec<(String, i64)> = q.query_as().fetch_all(&db.pool).await?;
    let grounds = Ground::ALL
        .iter()
        .map(|g| Count {
            label: g.label().into(),
            count: by_ground
                .iter()
                .find(|(code, _)| code == g.code())
                .map_or(0, |(_, n)| *n),
            href: Some(format!("/cases?ground={}", g.code())),
        })
        .collect();

    let mut q = Sql::new(
        "SELECT lu.region_code, COUNT(*) FROM cases c LEFT JOIN units lu ON lu.id = c.lead_unit_id WHERE ",
    );
    q.append(in_scope());
    q.append(supervised());
    q.push(" GROUP BY lu.region_code ORDER BY 2 DESC, 1");
    let by_region: Vec<(Option<String>, i64)> = q.query_as().fetch_all(&db.pool).await?;
    let lead_regions = by_region
        .into_iter()
        .map(|(code, count)| Count {
            label: match code {
                Some(c) => crate::domain::region::names_zh(&c),
                None => "未确定主办单位".into(),
            },
            count,
            href: None,
        })
        .collect();

    // Grouped in SQL by the first day of each band, read as ISO dates.
    let starts = band_starts(today);
    let mut q = Sql::new("SELECT CASE");
    for (i, s) in starts.iter().enumerate() {
        q.push(" WHEN c.received_on > ")
            .bind(s.to_string())
            .push(&format!(" THEN {i}"));
    }
    q.push(&format!(
        " ELSE {} END, COUNT(*) FROM cases c WHERE ",
        starts.len()
    ));
    q.append(in_scope());
    q.append(supervised());
    q.push(" GROUP BY 1");
    let by_age: Vec<(i64, i64)> = q.query_as().fetch_all(&db.pool).await?;
    let ages = AGES
        .iter()
        .enumerate()
        .map(|(i, (label, _))| Count {
            label: (*label).into(),
            count: by_age
                .iter()
                .find(|(band, _)| *band == i as i64)
                .map_or(0, |(_, n)| *n),
            href: None,
        })
        .collect();

    let mut q = Sql::new(concat!(
        "SELECT c.id, c.code, c.title, c.state, c.received_on, lu.name AS lead_unit_name, \
         (SELECT COUNT(*) FROM deadlines d WHERE d.record_type = 'case' AND d.record_id = c.id AND ",
        crate::late_sql!("d"),
        ") AS late_clocks FROM cases c LEFT JOIN units lu ON lu.id = c.lead_unit_id WHERE "
    ));
    q.append(in_scope());
    q.append(supervised());
    q.push(" ORDER BY late_clocks DESC, c.received_on, c.id LIMIT 20");
    let mut behind: Vec<Behind> = q.query_as().fetch_all(&db.pool).await?;
    for b in &mut behind {
        b.age_days = NaiveDate::parse_from_str(&b.received_on, "%Y-%m-%d")
            .map_or(0, |r| (today - r).num_days());
    }
    Ok(super::cases::Figures {
        states,
        supervised: supervised_count,
        grounds,
        lead_regions,
        ages,
        behind,
    })
}

/// The tasks assigned from `from` to `to` (the day their time limit started) whose lead unit
/// lies in `scope`, grouped by lead unit, source, state and how their time limit stands
/// (`timeliness_sql!`, the one definition), with those running past it on `today` apart.
/// Decided items are among them: each became a task when its minutes were signed.
pub async fn task_facts(
    db: &Db,
    scope: &Scope,
    from: NaiveDate,
    to: NaiveDate,
    today: NaiveDate,
) -> AppResult<Vec<super::tasks::Fact>> {
    use crate::tasks::flow::{CLAUSE, Source, TaskState};
    let mut q = Sql::new(concat!(
        "SELECT lu.id, lu.name, t.source, t.state, ",
        crate::timeliness_sql!("d"),
        ", CASE WHEN d.state = 'open' AND d.due_date < "
    ));
    q.bind(today.to_string()).push(
        " THEN 1 ELSE 0 END, COUNT(*) FROM tasks t JOIN units lu ON lu.id = t.lead_unit_id \
         JOIN deadlines d ON d.record_type = 'task' AND d.record_id = t.id AND d.clause = ",
    );
    q.bind(CLAUSE).push(" WHERE ");
    q.append(unit_in_scope(scope, "lu"));
    q.push(" AND d.start_date >= ")
        .bind(from.to_string())
        .push(" AND d.start_date <= ")
        .bind(to.to_string())
        .push(" GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 3, 4");
    let rows: Vec<(i64, String, String, String, String, i64, i64)> =
        q.query_as().fetch_all(&db.pool).await?;
    rows.into_iter()
        .map(|(unit_id, unit_name, source, state, t, overdue, count)| {
            Ok(super::tasks::Fact {
                unit_id,
                unit_name,
                source: Source::parse(&source)
                    .ok_or_else(|| AppError::internal(format!("task source {source}")))?,
                state: TaskState::parse(&state)
                    .ok_or_else(|| AppError::internal(format!("task state {state}")))?,
                timeliness: Timeliness::parse(&t)
                    .ok_or_else(|| AppError::internal(format!("timeliness {t}")))?,
                overdue_open: overdue == 1,
                count,
            })
        })
        .collect()
}

/// Each reporting unit in `scope` of each round whose reporting period starts from `from` to
/// `to`: its first report's date and its own due date (its clock's, else the round's), latest
/// round first.
pub async fn round_facts(
    db: &Db,
    scope: &Scope,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<Vec<super::rounds::Fact>> {
    let mut q = Sql::new(
        "SELECT r.id, r.kind, r.period_label, r.due_on, u.id, u.name, \
         (SELECT MIN(p.submitted_on) FROM unit_reports p WHERE p.round_id = x.round_id AND p.unit_id = x.unit_id), \
         d.due_date FROM report_round_units x JOIN report_rounds r ON r.id = x.round_id \
         JOIN units u ON u.id = x.unit_id LEFT JOIN deadlines d ON d.id = x.deadline_id WHERE ",
    );
    q.append(unit_in_scope(scope, "u"));
    q.push(" AND r.period_start >= ")
        .bind(from.to_string())
        .push(" AND r.period_start <= ")
        .bind(to.to_string())
        .push(" ORDER BY r.due_on DESC, r.id DESC, u.id");
    type Row = (
        i64,
        String,
        String,
        String,
        i64,
        String,
        Option<String>,
        Option<String>,
    );
    let rows: Vec<Row> = q.query_as().fetch_all(&db.pool).await?;
    let date = |s: &str| {
        NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map_err(|e| AppError::internal(format!("{s}: {e}")))
    };
    rows.into_iter()
        .map(
            |(round_id, kind, period_label, round_due, unit_id, unit_name, submitted, due)| {
                Ok(super::rounds::Fact {
                    due_on: date(due.as_deref().unwrap_or(&round_due))?,
                    submitted_on: submitted.as_deref().map(date).transpose()?,
                    round_id,
                    kind,
                    period_label,
                    round_due,
                    unit_id,
                    unit_name,
                })
            },
        )
        .collect()
}
