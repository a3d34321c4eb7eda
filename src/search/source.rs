//! What the index is fed from and checked against: each kind's searchable text, codes, party
//! units and secrecy read from the database in batches, the changes since a point of the
//! audit trail, and the confirmation of hits with the predicates the kinds' lists use.

use std::collections::{BTreeSet, HashMap};

use chrono::NaiveDate;
use sqlx::Row;

use super::Kind;
use crate::access::sql::{parties_in_scope, unit_in_scope};
use crate::access::{Actor, Scope};
use crate::db::Db;
use crate::db::query::Sql;

/// One record as the index holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct Doc {
    pub kind: Kind,
    pub id: i64,
    pub title: String,
    pub body: String,
    /// Codes found by exact lookup: case and document numbers, credit codes, phone numbers.
    pub codes: Vec<String>,
    /// The record's party units and their division codes: what scope is decided on.
    pub units: Vec<(i64, String)>,
    pub withheld: bool,
    /// The units that own a withheld record's content, and the people named on it.
    pub owners: Vec<i64>,
    pub named: Vec<i64>,
    pub state: String,
    pub date: Option<NaiveDate>,
}

/// How a kind's records name their party units.
enum Parties {
    /// Rows of `record_parties` under the kind's code.
    Recorded,
    /// The unit itself.
    Itself,
    /// The person's unit.
    OwnUnit,
}

/// Where each kind's searchable parts are read. Every statement ends in `… IN` and gets the
/// list of ids appended; the main statement answers (id, title, body, state, day, withheld,
/// owner, owner, owner), `texts` and `codes` answer (record id, text).
struct Spec {
    main: String,
    texts: &'static [&'static str],
    codes: &'static [&'static str],
    parties: Parties,
    /// The table and alias that confirmation reads (`… WHERE t.id IN`).
    table: &'static str,
}

const NO_OWNERS: &str = "CAST(NULL AS BIGINT), CAST(NULL AS BIGINT), CAST(NULL AS BIGINT)";

fn spec(kind: Kind) -> Spec {
    match kind {
        Kind::Case => Spec {
            main: with_no_owners(
                "SELECT c.id, c.title, c.summary || ' ' || c.source_detail || ' ' || COALESCE(c.product, '') || ' ' || \
                 COALESCE(c.product_category, ''), c.state, c.received_on, 0, ",
                " FROM cases c WHERE c.id IN ",
            ),
            texts: &[
                "SELECT case_id, name FROM case_parties WHERE case_id IN ",
                "SELECT case_id, reason FROM case_grounds WHERE case_id IN ",
                "SELECT case_id, body FROM case_reports WHERE case_id IN ",
                "SELECT case_id, title || ' ' || body FROM case_letters WHERE case_id IN ",
                "SELECT case_id, filename || ' ' || COALESCE(description, '') || ' ' || COALESCE(text_content, '') FROM case_attachments WHERE case_id IN ",
            ],
            codes: &[
                "SELECT id, code FROM cases WHERE id IN ",
                "SELECT id, letter_number FROM cases WHERE letter_number IS NOT NULL AND id IN ",
                // Not a person's resident ID number: pages mask it from most readers, and an
                // exact lookup would confirm it to them.
                "SELECT case_id, code FROM case_parties WHERE kind <> 'person' AND case_id IN ",
                "SELECT case_id, number FROM case_letters WHERE case_id IN ",
            ],
            parties: Parties::Recorded,
            table: "cases t",
        },
        Kind::Transfer => Spec {
            main: "SELECT t.id, t.title, t.facts || ' ' || t.suspects || ' ' || COALESCE(t.decision, ''), t.state, \
                   COALESCE(t.sent_on, t.created_at), t.withheld, t.from_unit_id, t.to_unit_id, t.procuratorate_unit_id \
                   FROM transfers t WHERE t.id IN "
                .into(),
            texts: &[
                "SELECT transfer_id, name || ' ' || quantity || unit || ' ' || storage FROM transfer_items WHERE transfer_id IN ",
                "SELECT transfer_id, title FROM transfer_documents WHERE transfer_id IN ",
                // A file marked withheld on its own is left out for everyone.
                "SELECT transfer_id, filename || ' ' || COALESCE(description, '') || ' ' || COALESCE(text_content, '') FROM transfer_attachments \
                 WHERE withheld = 0 AND transfer_id IN ",
            ],
            codes: &[
                "SELECT id, code FROM transfers WHERE id IN ",
                "SELECT id, penalty_number FROM transfers WHERE penalty_number IS NOT NULL AND id IN ",
                "SELECT transfer_id, number FROM transfer_documents WHERE transfer_id IN ",
            ],
            parties: Parties::Recorded,
            table: "transfers t",
        },
        Kind::LinkageRequest => Spec {
            main: "SELECT r.id, r.subject, r.body || ' ' || COALESCE(r.topic, '') || ' ' || COALESCE(r.answer, ''), r.state, \
                   r.created_at, r.withheld, r.from_unit_id, r.to_unit_id, CAST(NULL AS BIGINT) \
                   FROM linkage_requests r WHERE r.id IN "
                .into(),
            texts: &[],
            codes: &[],
            parties: Parties::Recorded,
            table: "linkage_requests t",
        },
        Kind::LinkageMeeting => Spec {
            main: with_no_owners(
                "SELECT m.id, m.topics, m.minutes || ' ' || m.attendees || ' ' || COALESCE(m.place, ''), m.kind, m.held_on, 0, ",
                " FROM linkage_meetings m WHERE m.id IN ",
            ),
            texts: &[
                "SELECT meeting_id, text || ' ' || COALESCE(done_note, '') FROM linkage_meeting_items WHERE meeting_id IN ",
            ],
            codes: &[],
            parties: Parties::Recorded,
            table: "linkage_meetings t",
        },
        Kind::Task => Spec {
            main: with_no_owners(
                "SELECT t.id, t.title, t.description || ' ' || COALESCE(t.source_ref, ''), t.state, t.due_on, 0, ",
                " FROM tasks t WHERE t.id IN ",
            ),
            texts: &[
                "SELECT task_id, body FROM task_entries WHERE task_id IN ",
                "SELECT task_id, filename || ' ' || COALESCE(description, '') || ' ' || COALESCE(text_content, '') FROM task_attachments WHERE task_id IN ",
            ],
            codes: &["SELECT id, code FROM tasks WHERE id IN "],
            parties: Parties::Recorded,
            table: "tasks t",
        },
        Kind::Meeting => Spec {
            main: with_no_owners(
                "SELECT m.id, m.title, m.topics || ' ' || COALESCE(m.decision_note, '') || ' ' || COALESCE(m.attendees, '') \
                 || ' ' || COALESCE(m.minutes, '') || ' ' || COALESCE(m.place, ''), m.state, COALESCE(m.held_on, m.planned_on), 0, ",
                " FROM group_meetings m WHERE m.id IN ",
            ),
            texts: &["SELECT meeting_id, text FROM group_meeting_items WHERE meeting_id IN "],
            codes: &[
                "SELECT id, minutes_number FROM group_meetings WHERE minutes_number IS NOT NULL AND id IN ",
            ],
            parties: Parties::Recorded,
            table: "group_meetings t",
        },
        Kind::Circular => Spec {
            main: with_no_owners(
                "SELECT c.id, c.title, c.body || ' ' || COALESCE(c.named, ''), c.state, COALESCE(c.signed_at, c.created_at), 0, ",
                " FROM circulars c WHERE c.id IN ",
            ),
            texts: &[],
            codes: &["SELECT id, number FROM circulars WHERE number IS NOT NULL AND id IN "],
            parties: Parties::Recorded,
            // The circulars' own predicate reads alias `c`.
            table: "circulars c",
        },
        Kind::Inspection => Spec {
            main: with_no_owners(
                "SELECT i.id, i.title, i.team || ' ' || COALESCE(i.report, ''), i.state, i.starts_on, 0, ",
                " FROM inspections i WHERE i.id IN ",
            ),
            texts: &["SELECT inspection_id, text FROM inspection_findings WHERE inspection_id IN "],
            codes: &["SELECT id, number FROM inspections WHERE number IS NOT NULL AND id IN "],
            parties: Parties::Recorded,
            table: "inspections t",
        },
        Kind::UnitReport => Spec {
            main: with_no_owners(
                "SELECT p.id, p.title, p.body || ' ' || COALESCE(p.forward_note, ''), p.kind, p.submitted_on, 0, ",
                " FROM unit_reports p WHERE p.id IN ",
            ),
            texts: &[],
            codes: &[],
            parties: Parties::Recorded,
            table: "unit_reports t",
        },
        Kind::Unit => Spec {
            main: with_no_owners(
                "SELECT u.id, u.name, COALESCE(u.short_name, ''), CASE WHEN u.active = 1 THEN 'active' ELSE 'inactive' END, \
                 CAST(NULL AS TEXT), 0, ",
                " FROM units u WHERE u.id IN ",
            ),
            texts: &[],
            codes: &["SELECT id, phone FROM units WHERE phone IS NOT NULL AND id IN "],
            parties: Parties::Itself,
            table: "units t",
        },
        Kind::User => Spec {
            main: with_no_owners(
                "SELECT x.id, x.display_name, un.name, CASE WHEN x.active = 1 THEN 'active' ELSE 'inactive' END, \
                 CAST(NULL AS TEXT), 0, ",
                " FROM users x JOIN units un ON un.id = x.unit_id WHERE x.id IN ",
            ),
            texts: &[],
            codes: &[
                "SELECT id, phone FROM users WHERE phone IS NOT NULL AND id IN ",
                "SELECT id, email FROM users WHERE email IS NOT NULL AND id IN ",
            ],
            parties: Parties::OwnUnit,
            table: "users t JOIN units un ON un.id = t.unit_id",
        },
    }
}

/// `head` + the three empty owner columns + `tail`.
fn with_no_owners(head: &str, tail: &str) -> String {
    format!("{head}{NO_OWNERS}{tail}")
}

fn in_list(sql: &mut Sql, ids: &[i64]) {
    sql.push("(");
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            sql.push(", ");
        }
        sql.bind(*id);
    }
    sql.push(")");
}

/// Pairs (record id, text) from one statement of a spec.
async fn pairs(db: &Db, head: &str, ids: &[i64]) -> Result<Vec<(i64, String)>, sqlx::Error> {
    let mut q = Sql::new(head);
    in_list(&mut q, ids);
    let rows = q.query().fetch_all(&db.pool).await?;
    rows.iter()
        .map(|r| Ok((r.try_get::<i64, _>(0)?, r.try_get::<String, _>(1)?)))
        .collect()
}

/// The records of `kind` among `ids` as the index holds them; ids of records that no longer
/// exist are simply absent.
pub async fn read(db: &Db, kind: Kind, ids: &[i64]) -> Result<Vec<Doc>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let s = spec(kind);
    let mut q = Sql::new(&s.main);
    in_list(&mut q, ids);
    let rows = q.query().fetch_all(&db.pool).await?;
    let mut docs: Vec<Doc> = Vec::with_capacity(rows.len());
    for r in &rows {
        let day: Option<String> = r.try_get(4)?;
        let owners: Vec<i64> = [6, 7, 8]
            .into_iter()
            .map(|i| r.try_get::<Option<i64>, _>(i))
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .flatten()
            .collect();
        docs.push(Doc {
            kind,
            id: r.try_get(0)?,
            title: r.try_get(1)?,
            body: r.try_get(2)?,
            codes: Vec::new(),
            units: Vec::new(),
            withheld: r.try_get::<i64, _>(5)? != 0,
            owners,
            named: Vec::new(),
            state: r.try_get(3)?,
            date: day
                .as_deref()
                .and_then(|d| d.get(..10))
                .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()),
        });
    }
    let index: HashMap<i64, usize> = docs.iter().enumerate().map(|(i, d)| (d.id, i)).collect();
    let present: Vec<i64> = docs.iter().map(|d| d.id).collect();
    if present.is_empty() {
        return Ok(docs);
    }
    for head in s.texts {
        for (id, text) in pairs(db, head, &present).await? {
            if let Some(&i) = index.get(&id) {
                docs[i].body.push('\n');
                docs[i].body.push_str(&text);
            }
        }
    }
    for head in s.codes {
        for (id, code) in pairs(db, head, &present).await? {
            if let Some(&i) = index.get(&id) {
                docs[i].codes.push(code);
            }
        }
    }
    let mut q = match s.parties {
        Parties::Recorded => {
            let mut q = Sql::new(
                "SELECT rp.record_id, rp.unit_id, u.region_code FROM record_parties rp JOIN units u ON u.id = rp.unit_id \
                 WHERE rp.resource = ",
            );
            q.bind(kind.code()).push(" AND rp.record_id IN ");
            q
        }
        Parties::Itself => Sql::new("SELECT u.id, u.id, u.region_code FROM units u WHERE u.id IN "),
        Parties::OwnUnit => Sql::new(
            "SELECT x.id, un.id, un.region_code FROM users x JOIN units un ON un.id = x.unit_id WHERE x.id IN ",
        ),
    };
    in_list(&mut q, &present);
    for r in q.query().fetch_all(&db.pool).await? {
        let id: i64 = r.try_get(0)?;
        if let Some(&i) = index.get(&id) {
            let unit = (r.try_get(1)?, r.try_get(2)?);
            if !docs[i].units.contains(&unit) {
                docs[i].units.push(unit);
            }
        }
    }
    if kind == Kind::Circular {
        // A circular not yet issued is its office's alone (`circulars::store::visible`): filed
        // under the office, not under the units it will go to.
        let mut q = Sql::new(
            "SELECT c.id, c.office_unit_id, c.office_region FROM circulars c WHERE c.state <> 'issued' AND c.id IN ",
        );
        in_list(&mut q, &present);
        for r in q.query().fetch_all(&db.pool).await? {
            let id: i64 = r.try_get(0)?;
            if let Some(&i) = index.get(&id) {
                docs[i].units = vec![(r.try_get(1)?, r.try_get(2)?)];
            }
        }
    }
    if kind.can_be_withheld() {
        let mut q = Sql::new("SELECT record_id, user_id FROM secrecy_grants WHERE resource = ");
        q.bind(kind.code()).push(" AND record_id IN ");
        in_list(&mut q, &present);
        for r in q.query().fetch_all(&db.pool).await? {
            let id: i64 = r.try_get(0)?;
            if let Some(&i) = index.get(&id) {
                docs[i].named.push(r.try_get(1)?);
            }
        }
    }
    Ok(docs)
}

/// One batch of ids of `kind` after `after`, in id order (for a rebuild).
pub async fn ids_after(db: &Db, kind: Kind, after: i64, n: i64) -> Result<Vec<i64>, sqlx::Error> {
    let (table, a) = (spec(kind).table, alias(kind));
    let mut q = Sql::new(&format!("SELECT {a}.id FROM {table} WHERE {a}.id > "));
    q.bind(after)
        .push(&format!(" ORDER BY {a}.id LIMIT "))
        .bind(n);
    q.query_scalar().fetch_all(&db.pool).await
}

/// The alias of the kind's table in `Spec::table`: `t`, but `c` for circulars, whose own
/// list predicate reads that alias.
fn alias(kind: Kind) -> &'static str {
    if kind == Kind::Circular { "c" } else { "t" }
}

/// How many records of `kind` there are (the rebuild's progress).
pub async fn count(db: &Db, kind: Kind) -> Result<i64, sqlx::Error> {
    let table = spec(kind).table;
    sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
        .fetch_one(&db.pool)
        .await
}

/// A point of the audit trail: a record's number and its hash (which tells this database's
/// record from another's with the same number).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Point {
    pub seq: i64,
    pub hash: String,
}

/// The newest point of the audit trail: a rebuild that starts from it misses nothing written
/// after.
pub async fn head(db: &Db) -> Result<Point, sqlx::Error> {
    let row: Option<(i64, String)> =
        sqlx::query_as("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
            .fetch_optional(&db.pool)
            .await?;
    Ok(row.map_or(
        Point {
            seq: 0,
            hash: String::new(),
        },
        |(seq, hash)| Point { seq, hash },
    ))
}

/// Whether `point` is a record of this database's audit trail (seq 0: the empty trail).
pub async fn holds(db: &Db, point: &Point) -> Result<bool, sqlx::Error> {
    if point.seq == 0 {
        return Ok(true);
    }
    let hash: Option<String> = sqlx::query_scalar("SELECT hash FROM audit_log WHERE seq = $1")
        .bind(point.seq)
        .fetch_optional(&db.pool)
        .await?;
    Ok(hash.as_deref() == Some(point.hash.as_str()))
}

/// What the audit records after a point ask of the index.
#[derive(Debug, Default)]
pub struct Changes {
    /// The records to index again.
    pub records: BTreeSet<(Kind, i64)>,
    /// A change that moves many records' scope (a unit's region): build the index again.
    pub rebuild: bool,
    /// The last record read, if any.
    pub last: Option<Point>,
}

/// Ids from a statement with one bound id.
async fn ids_of(db: &Db, sql: &'static str, id: i64) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(sql).bind(id).fetch_all(&db.pool).await
}

/// The records to index again for the audit records after `after` (at most `n` of them), and
/// the last of those records' point. The audit trail is the outbox: every state change writes
/// its record in the same transaction, and records are numbered in commit order (the chain's
/// head row is taken last and held to the commit), so reading on from a point misses nothing.
pub async fn changes(db: &Db, after: i64, n: i64) -> Result<Changes, sqlx::Error> {
    let rows: Vec<(i64, String, String, String, Option<String>, String)> = sqlx::query_as(
        "SELECT seq, hash, action, object_type, object_id, summary FROM audit_log WHERE seq > $1 \
         ORDER BY seq LIMIT $2",
    )
    .bind(after)
    .bind(n)
    .fetch_all(&db.pool)
    .await?;
    let mut out = Changes {
        last: rows.last().map(|r| Point {
            seq: r.0,
            hash: r.1.clone(),
        }),
        ..Changes::default()
    };
    for (_, _, action, object_type, object_id, summary) in rows {
        let Some(id) = object_id.and_then(|s| s.parse::<i64>().ok()) else {
            continue;
        };
        match object_type.as_str() {
            // A file's record names the file; its transfer is what is indexed.
            "transfer_attachment" => {
                let t = ids_of(
                    db,
                    "SELECT transfer_id FROM transfer_attachments WHERE id = $1",
                    id,
                )
                .await?;
                out.records
                    .extend(t.into_iter().map(|t| (Kind::Transfer, t)));
            }
            // An imported plan's items become tasks in the import.
            "plan" => {
                let tasks = ids_of(
                    db,
                    "SELECT task_id FROM plan_items WHERE plan_id = $1 AND task_id IS NOT NULL",
                    id,
                )
                .await?;
                out.records
                    .extend(tasks.into_iter().map(|t| (Kind::Task, t)));
            }
            code => {
                let Some(kind) = Kind::parse(code) else {
                    continue;
                };
                out.records.insert((kind, id));
                // Records made in the same step as this one, under its audit record.
                let spawned: &[(Kind, &'static str)] = match kind {
                    Kind::Meeting => &[(
                        Kind::Task,
                        "SELECT task_id FROM group_meeting_items WHERE meeting_id = $1 AND task_id IS NOT NULL",
                    )],
                    Kind::Inspection => &[(
                        Kind::Task,
                        "SELECT task_id FROM inspection_findings WHERE inspection_id = $1 AND task_id IS NOT NULL",
                    )],
                    // An escalated consultation is a new request made from this one.
                    Kind::LinkageRequest => &[(
                        Kind::LinkageRequest,
                        "SELECT id FROM linkage_requests WHERE escalated_from = $1",
                    )],
                    // People's records carry their unit's name.
                    Kind::Unit => &[(Kind::User, "SELECT id FROM users WHERE unit_id = $1")],
                    _ => &[],
                };
                for (made, sql) in spawned {
                    let ids = ids_of(db, sql, id).await?;
                    out.records.extend(ids.into_iter().map(|i| (*made, i)));
                }
                // A unit moved to another region moves the scope of every record it is party
                // to: rare (an administrator's correction), so the index is built again.
                if action == "unit.update" {
                    let s: serde_json::Value = serde_json::from_str(&summary).unwrap_or_default();
                    if s["before"]["region_code"] != s["after"]["region_code"] {
                        out.rebuild = true;
                    }
                }
            }
        }
    }
    Ok(out)
}

/// The hits among `found` (each kind with the scope the actor reads it in, and its ids) that
/// `actor` may open: each kind's list predicate for its scope, and for a withheld record the
/// entitlement to its content (004 一(二)), checked in the database whatever the index said.
/// One statement for every kind.
pub async fn confirm(
    db: &Db,
    actor: &Actor,
    found: &[(Kind, &Scope, Vec<i64>)],
) -> Result<BTreeSet<(Kind, i64)>, sqlx::Error> {
    let mut q = Sql::default();
    for (n, (kind, scope, ids)) in found.iter().filter(|f| !f.2.is_empty()).enumerate() {
        if n > 0 {
            q.push(" UNION ALL ");
        }
        let (table, a, code) = (spec(*kind).table, alias(*kind), kind.code());
        q.push(&format!(
            "SELECT '{code}' AS kind, {a}.id AS id FROM {table} WHERE {a}.id IN "
        ));
        in_list(&mut q, ids);
        q.push(" AND ");
        q.append(match kind {
            Kind::Circular => crate::circulars::store::visible(scope),
            Kind::Unit => unit_in_scope(scope, "t"),
            Kind::User => unit_in_scope(scope, "un"),
            _ => parties_in_scope(scope, code, "t.id"),
        });
        if kind.can_be_withheld() {
            // The units that own the content (`Transfer::owner_units`, the request's two).
            let owners: &[&str] = match kind {
                Kind::Transfer => &["t.from_unit_id", "t.to_unit_id", "t.procuratorate_unit_id"],
                _ => &["t.from_unit_id", "t.to_unit_id"],
            };
            q.push(" AND (t.withheld = 0");
            for column in owners {
                q.push(&format!(" OR {column} = ")).bind(actor.unit_id);
            }
            q.push(" OR EXISTS (SELECT 1 FROM secrecy_grants g WHERE g.resource = ")
                .bind(code)
                .push(" AND g.record_id = t.id AND g.user_id = ")
                .bind(actor.user_id)
                .push("))");
        }
    }
    if q.text().is_empty() {
        return Ok(BTreeSet::new());
    }
    let rows: Vec<(String, i64)> = q.query_as().fetch_all(&db.pool).await?;
    Ok(rows
        .into_iter()
        .filter_map(|(k, id)| Some((Kind::parse(&k)?, id)))
        .collect())
}
