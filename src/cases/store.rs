//! Reading and writing case records. The steps of the procedure are in `steps.rs`; this file
//! holds the rows, the scoped reads and the small writes they share.

use std::sync::LazyLock;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sqlx::Row;

use super::flow::{CaseState, Standing};
use super::model::Ground;
use crate::access::sql::parties_in_scope;
use crate::access::{Action, Actor, Resource, Scope};
use crate::db::nested::{self, Children};
use crate::db::query::{Sql, like_escape};
use crate::db::{Db, Dialect, Tx};
use crate::domain::RegionCode;
use crate::error::{AppError, AppResult};

pub const RESOURCE: &str = "case";

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Case {
    pub id: i64,
    pub code: String,
    pub title: String,
    pub summary: String,
    pub source: String,
    /// JSON: leader, instruction date and text; letter unit and number; informant contact.
    pub source_detail: String,
    pub received_on: String,
    pub product: Option<String>,
    pub product_category: Option<String>,
    /// Comma-separated right kinds.
    pub right_kinds: String,
    /// Comma-separated GB/T 2260 codes.
    pub regions: String,
    pub amount_fen: Option<i64>,
    pub handling_since: Option<String>,
    pub judicial_status: String,
    pub complex: i64,
    /// 1 for 挂牌督办.
    pub listed: i64,
    pub state: String,
    pub office_unit_id: i64,
    pub office_unit_name: String,
    pub registered_by_unit_id: i64,
    pub lead_unit_id: Option<i64>,
    pub lead_unit_name: Option<String>,
    pub responsible_user_id: Option<i64>,
    pub responsible_user_name: Option<String>,
    pub letter_number: Option<String>,
    pub concluded_on: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub archived_at: Option<String>,
}

impl Case {
    pub fn state(&self) -> AppResult<CaseState> {
        CaseState::parse(&self.state)
            .ok_or_else(|| AppError::internal(format!("case {} state {}", self.id, self.state)))
    }
    pub fn state_label(&self) -> &'static str {
        CaseState::parse(&self.state)
            .map(CaseState::label)
            .unwrap_or("未知")
    }
    pub fn source_label(&self) -> &'static str {
        super::model::Source::label_of(&self.source)
    }
    pub fn is_listed(&self) -> bool {
        self.listed != 0
    }
    pub fn amount_text(&self) -> String {
        self.amount_fen
            .and_then(crate::domain::money::Fen::from_fen)
            .map(|f| format!("{}元", f.yuan_string()))
            .unwrap_or_else(|| "—".into())
    }
    pub fn right_kinds_text(&self) -> String {
        self.right_kinds
            .split(',')
            .filter(|s| !s.is_empty())
            .map(super::model::RightKind::label_of)
            .collect::<Vec<_>>()
            .join("、")
    }
}

pub const SELECT: &str = "SELECT c.id, c.code, c.title, c.summary, c.source, c.source_detail, c.received_on, \
     c.product, c.product_category, c.right_kinds, c.regions, c.amount_fen, c.handling_since, \
     c.judicial_status, c.complex, c.listed, c.state, c.office_unit_id, o.name AS office_unit_name, \
     c.registered_by_unit_id, c.lead_unit_id, l.name AS lead_unit_name, c.responsible_user_id, \
     r.display_name AS responsible_user_name, c.letter_number, c.concluded_on, c.created_at, \
     c.updated_at, c.archived_at \
     FROM cases c JOIN units o ON o.id = c.office_unit_id LEFT JOIN units l ON l.id = c.lead_unit_id \
     LEFT JOIN users r ON r.id = c.responsible_user_id WHERE ";

pub fn read_scope(actor: &Actor) -> AppResult<Scope> {
    actor.require(Resource::Case, Action::Read)
}

pub async fn get(db: &Db, scope: &Scope, id: i64) -> Result<Option<Case>, sqlx::Error> {
    let mut q = Sql::new(SELECT);
    q.push("c.id = ").bind(id).push(" AND ");
    q.append(parties_in_scope(scope, RESOURCE, "c.id"));
    q.query_as().fetch_optional(&db.pool).await
}

/// The id of the case numbered `code` (2026-0001, the number people use) within `scope`.
pub async fn id_by_code(db: &Db, scope: &Scope, code: &str) -> Result<Option<i64>, sqlx::Error> {
    let mut q = Sql::new("SELECT c.id FROM cases c WHERE c.code = ");
    q.bind(code.to_owned()).push(" AND ");
    q.append(parties_in_scope(scope, RESOURCE, "c.id"));
    q.query_scalar().fetch_optional(&db.pool).await
}

pub async fn get_tx(tx: &mut Tx, id: i64) -> Result<Option<Case>, sqlx::Error> {
    let mut q = Sql::new(SELECT);
    q.push("c.id = ").bind(id);
    q.query_as().fetch_optional(&mut **tx).await
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filter {
    pub state: Option<CaseState>,
    pub ground: Option<Ground>,
    pub listed: Option<bool>,
    pub lead_unit_id: Option<i64>,
    /// Among the regions involved.
    pub region: Option<RegionCode>,
    pub overdue: bool,
    /// Clue received on or after this day.
    pub from: Option<NaiveDate>,
    /// Clue received on or before this day.
    pub to: Option<NaiveDate>,
    pub text: Option<String>,
}

impl Filter {
    pub fn is_empty(&self) -> bool {
        *self == Filter::default()
    }
}

pub const PAGE_SIZE: i64 = 20;

fn filtered(scope: &Scope, f: &Filter) -> Sql {
    let mut s = Sql::default();
    s.append(parties_in_scope(scope, RESOURCE, "c.id"));
    if let Some(st) = &f.state {
        s.push(" AND c.state = ").bind(st.code());
    }
    if let Some(g) = &f.ground {
        s.push(" AND EXISTS (SELECT 1 FROM case_grounds g WHERE g.case_id = c.id AND g.ground = ")
            .bind(g.code())
            .push(")");
    }
    if let Some(l) = f.listed {
        s.push(" AND c.listed = ").bind(i64::from(l));
    }
    if let Some(u) = f.lead_unit_id {
        s.push(" AND c.lead_unit_id = ").bind(u);
    }
    if let Some(r) = &f.region {
        s.push(" AND c.regions LIKE ")
            .bind(format!("%{}%", like_escape(r.as_str())))
            .push(" ESCAPE '\\'");
    }
    if f.overdue {
        s.push(concat!(" AND EXISTS (SELECT 1 FROM deadlines d WHERE d.record_type = 'case' AND d.record_id = c.id AND ", crate::late_sql!("d"), ")"));
    }
    if let Some(from) = &f.from {
        s.push(" AND c.received_on >= ").bind(from.to_string());
    }
    if let Some(to) = &f.to {
        s.push(" AND c.received_on <= ").bind(to.to_string());
    }
    if let Some(t) = &f.text {
        s.push(" AND (c.title LIKE ")
            .bind(format!("%{}%", like_escape(t)))
            .push(" ESCAPE '\\' OR c.code LIKE ")
            .bind(format!("%{}%", like_escape(t)))
            .push(" ESCAPE '\\')");
    }
    s
}

/// A case as the list shows it: what tells cases apart and where each stands. The full row,
/// with the summary and source details, is on the case itself.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct CaseSummary {
    pub id: i64,
    pub code: String,
    pub title: String,
    pub source: String,
    pub received_on: String,
    pub state: String,
    pub complex: i64,
    /// 1 for 挂牌督办.
    pub listed: i64,
    pub lead_unit_id: Option<i64>,
    pub lead_unit_name: Option<String>,
    pub letter_number: Option<String>,
    pub concluded_on: Option<String>,
    pub updated_at: String,
}

impl CaseSummary {
    pub fn state_label(&self) -> &'static str {
        CaseState::parse(&self.state)
            .map(CaseState::label)
            .unwrap_or("未知")
    }
    pub fn source_label(&self) -> &'static str {
        super::model::Source::label_of(&self.source)
    }
    pub fn is_listed(&self) -> bool {
        self.listed != 0
    }
}

/// One page of cases, most recently changed first, and whether more follow. No total is
/// counted: over a million cases an exact count costs more than the page itself. An inner
/// query finds the page's ids through the indexes that cover the filters and the order; the
/// outer one reads the list columns for those ids only, in the same round trip.
pub async fn list(
    db: &Db,
    scope: &Scope,
    f: &Filter,
    page: i64,
) -> Result<(Vec<CaseSummary>, bool), sqlx::Error> {
    let offset = (page.max(1) - 1) * PAGE_SIZE;
    let mut q = Sql::new(
        "SELECT c.id, c.code, c.title, c.source, c.received_on, c.state, c.complex, c.listed, \
         c.lead_unit_id, l.name AS lead_unit_name, c.letter_number, c.concluded_on, c.updated_at FROM (",
    );
    match (scope, f.is_empty()) {
        // A unit's unfiltered list reads its party rows in order (record_parties.sort_key,
        // which moves with cases.updated_at).
        (Scope::Unit(unit), true) => {
            q.push("SELECT DISTINCT rp.sort_key, rp.record_id AS id FROM record_parties rp WHERE rp.resource = 'case' AND rp.unit_id = ")
                .bind(*unit)
                .push(" ORDER BY rp.sort_key DESC, rp.record_id DESC");
        }
        _ => {
            q.push("SELECT c.id FROM cases c WHERE ");
            q.append(filtered(scope, f));
            q.push(" ORDER BY c.updated_at DESC, c.id DESC");
        }
    }
    q.limit_offset(PAGE_SIZE + 1, offset).push(
        ") p JOIN cases c ON c.id = p.id LEFT JOIN units l ON l.id = c.lead_unit_id \
             ORDER BY c.updated_at DESC, c.id DESC",
    );
    let mut rows: Vec<CaseSummary> = q.query_as().fetch_all(&db.pool).await?;
    let more = rows.len() as i64 > PAGE_SIZE;
    rows.truncate(PAGE_SIZE as usize);
    Ok((rows, more))
}

/// Units party to a case and their role (office, reporter, lead, assisting, joint).
pub async fn parties_of(
    exec: impl sqlx::Executor<'_, Database = sqlx::Any>,
    id: i64,
) -> Result<Vec<(i64, String, String)>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT rp.unit_id, rp.party_role, u.name FROM record_parties rp JOIN units u ON u.id = rp.unit_id \
         WHERE rp.resource = 'case' AND rp.record_id = $1 ORDER BY rp.party_role, u.id",
    )
    .bind(id)
    .fetch_all(exec)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
        .collect()
}

pub async fn add_party(tx: &mut Tx, id: i64, unit_id: i64, role: &str) -> Result<(), sqlx::Error> {
    let at: String = sqlx::query_scalar("SELECT updated_at FROM cases WHERE id = $1")
        .bind(id)
        .fetch_one(&mut **tx)
        .await?;
    crate::access::parties::add(tx, RESOURCE, id, unit_id, role, &at).await
}

/// How the actor stands to the case (pure decision from the case's party list).
pub fn standing(actor: &Actor, case: &Case, parties: &[(i64, String, String)]) -> Standing {
    let office_role = actor.roles.iter().any(|r| r.is_office());
    Standing {
        office: office_role && actor.unit_id == case.office_unit_id,
        lead: case.lead_unit_id == Some(actor.unit_id),
        assisting: parties
            .iter()
            .any(|(u, role, _)| *u == actor.unit_id && role == "assisting"),
        reporter: case.registered_by_unit_id == actor.unit_id,
    }
}

pub async fn event(
    tx: &mut Tx,
    case_id: i64,
    who: &crate::audit::Who,
    kind: &str,
    summary: &str,
) -> Result<(), sqlx::Error> {
    event_untouched(tx, case_id, who, kind, summary).await?;
    touch(tx, who, case_id).await
}

/// Record an event on a case whose rows already carry this moment as their last change (one
/// just registered), without marking it changed again.
pub async fn event_untouched(
    tx: &mut Tx,
    case_id: i64,
    who: &crate::audit::Who,
    kind: &str,
    summary: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO case_events (case_id, at, actor_name, actor_unit_id, kind, summary) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(case_id)
    .bind(who.at_text())
    .bind(&who.name)
    .bind(who.unit_id)
    .bind(kind)
    .bind(summary)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Mark the case changed now (the list's order), on the case and on its party rows.
pub async fn touch(tx: &mut Tx, who: &crate::audit::Who, case_id: i64) -> Result<(), sqlx::Error> {
    let now = who.at_text();
    sqlx::query("UPDATE cases SET updated_at = $1 WHERE id = $2")
        .bind(&now)
        .bind(case_id)
        .execute(&mut **tx)
        .await?;
    crate::access::parties::touch(tx, RESOURCE, case_id, &now).await
}

/// Everything recorded on a case besides its own row, as its page and the API show it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Records {
    pub parties: Vec<PartyRow>,
    pub grounds: Vec<GroundRow>,
    pub deadlines: Vec<crate::deadline::store::Deadline>,
    pub letters: Vec<LetterRow>,
    pub reports: Vec<Report>,
    pub attachments: Vec<AttachmentRow>,
    pub events: Vec<Event>,
}

/// A case as its page and the API show it: the row, its party units, how the viewer stands to
/// it, and its records with resident IDs masked unless the viewer is entitled.
pub struct CaseView {
    pub case: Case,
    pub units: Vec<(i64, String, String)>,
    pub standing: Standing,
    pub records: Records,
}

/// Party units as the nested JSON carries them.
#[derive(Deserialize)]
struct UnitParty {
    unit_id: i64,
    party_role: String,
    name: String,
}

const UNITS: Children = Children {
    columns: &[
        ("unit_id", "rp.unit_id"),
        ("party_role", "rp.party_role"),
        ("name", "u.name"),
    ],
    from_where: "record_parties rp JOIN units u ON u.id = rp.unit_id \
                 WHERE rp.resource = 'case' AND rp.record_id = {id}",
    order_by: "rp.party_role, u.id",
};

/// The case row with its party units and six child lists nested as JSON columns.
fn view_select(dialect: Dialect) -> &'static str {
    static SQL: LazyLock<[String; 2]> = LazyLock::new(|| {
        let one = |d| {
            let nested: Vec<String> = [
                ("j_units", &UNITS),
                ("j_parties", &PARTIES),
                ("j_grounds", &GROUNDS),
                ("j_letters", &LETTERS),
                ("j_reports", &REPORTS),
                ("j_attachments", &ATTACHMENTS),
                ("j_events", &EVENTS),
                ("j_deadlines", &crate::deadline::store::CASE_CLOCKS),
            ]
            .iter()
            .map(|(name, c)| format!("{} AS {name}", c.json_array(d, "c.id")))
            .collect();
            SELECT.replacen("SELECT ", &format!("SELECT {}, ", nested.join(", ")), 1)
        };
        [one(Dialect::Sqlite), one(Dialect::Postgres)]
    });
    match dialect {
        Dialect::Sqlite => &SQL[0],
        Dialect::Postgres => &SQL[1],
    }
}

/// The case within `scope` as `actor` sees it on `today` (the request's date, which bounds the
/// birth dates of the resident IDs it masks), or `None` (404). One statement: the case with its
/// party units, child lists and clocks nested. Under load every round trip counts
/// (bench/RESULTS.md).
pub async fn view(
    db: &Db,
    actor: &Actor,
    scope: &Scope,
    id: i64,
    today: NaiveDate,
) -> Result<Option<CaseView>, sqlx::Error> {
    let mut q = Sql::new(view_select(db.dialect));
    q.push("c.id = ").bind(id).push(" AND ");
    q.append(parties_in_scope(scope, RESOURCE, "c.id"));
    let Some(row) = q.query().fetch_optional(&db.pool).await? else {
        return Ok(None);
    };
    let case = <Case as sqlx::FromRow<sqlx::any::AnyRow>>::from_row(&row)?;
    let units: Vec<(i64, String, String)> = nested::decode::<UnitParty>(&row, "j_units")?
        .into_iter()
        .map(|u| (u.unit_id, u.party_role, u.name))
        .collect();
    let standing = standing(actor, &case, &units);
    let mut parties: Vec<PartyRow> = nested::decode(&row, "j_parties")?;
    if !standing.sees_identities() {
        mask_parties(&mut parties, today);
    }
    let records = Records {
        parties,
        grounds: nested::decode(&row, "j_grounds")?,
        deadlines: nested::decode(&row, "j_deadlines")?,
        letters: nested::decode(&row, "j_letters")?,
        reports: nested::decode(&row, "j_reports")?,
        attachments: nested::decode(&row, "j_attachments")?,
        events: nested::decode(&row, "j_events")?,
    };
    Ok(Some(CaseView {
        case,
        units,
        standing,
        records,
    }))
}

#[derive(Debug, Clone, Serialize, Deserialize, sqlx::FromRow, utoipa::ToSchema)]
#[schema(as = CaseEvent)]
pub struct Event {
    pub at: String,
    pub actor_name: String,
    pub kind: String,
    pub summary: String,
}

const EVENTS: Children = Children {
    columns: &[
        ("at", "at"),
        ("actor_name", "actor_name"),
        ("kind", "kind"),
        ("summary", "summary"),
    ],
    from_where: "case_events WHERE case_id = {id}",
    order_by: "id",
};

pub async fn events(
    exec: impl sqlx::Executor<'_, Database = sqlx::Any>,
    id: i64,
) -> Result<Vec<Event>, sqlx::Error> {
    EVENTS.fetch_all(exec, id).await
}

#[derive(Debug, Clone, Serialize, Deserialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct PartyRow {
    pub kind: String,
    pub name: String,
    /// The credit code in full; a resident ID masked unless the viewer is entitled.
    pub code: String,
}

/// Parties, with resident ID numbers masked for those not entitled to see them (the office of
/// the case and its lead unit are).
const PARTIES: Children = Children {
    columns: &[("kind", "kind"), ("name", "name"), ("code", "code")],
    from_where: "case_parties WHERE case_id = {id}",
    order_by: "id",
};

/// The parties as seen on `today` (see [`view`]).
pub async fn parties(
    exec: impl sqlx::Executor<'_, Database = sqlx::Any>,
    id: i64,
    entitled: bool,
    today: NaiveDate,
) -> Result<Vec<PartyRow>, sqlx::Error> {
    let mut rows: Vec<PartyRow> = PARTIES.fetch_all(exec, id).await?;
    if !entitled {
        mask_parties(&mut rows, today);
    }
    Ok(rows)
}

fn mask_parties(rows: &mut [PartyRow], today: NaiveDate) {
    for r in rows.iter_mut().filter(|r| r.kind == "person") {
        r.code = mask_id(&r.code, today);
    }
}

/// Stored IDs were verified on entry; masking goes through the value type so there is one rule.
/// `today` is the viewing request's date, which is never before the day of entry. A stored
/// value the current rules refuse (e.g. one entered before the address code was checked
/// against GB/T 2260) is masked whole rather than shown.
fn mask_id(id: &str, today: NaiveDate) -> String {
    crate::domain::resident_id::ResidentId::parse(id, today)
        .map(|r| r.masked())
        .unwrap_or_else(|| "*".repeat(id.chars().count()))
}

#[derive(Debug, Clone, Serialize, Deserialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct GroundRow {
    pub ground: String,
    pub reason: String,
}

/// The grounds in the order of 000 §2.
pub async fn grounds(
    exec: impl sqlx::Executor<'_, Database = sqlx::Any>,
    id: i64,
) -> Result<Vec<GroundRow>, sqlx::Error> {
    GROUNDS.fetch_all(exec, id).await
}

const GROUNDS: Children = Children {
    columns: &[("ground", "ground"), ("reason", "reason")],
    from_where: "case_grounds WHERE case_id = {id}",
    order_by: "CASE ground WHEN 'leader_instruction' THEN 1 WHEN 'cross_department' THEN 2 \
               WHEN 'long_unresolved' THEN 3 ELSE 4 END",
};

#[derive(Debug, Clone, Serialize, Deserialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Report {
    pub id: i64,
    pub kind: String,
    pub unit_name: String,
    pub author_name: String,
    pub body: String,
    pub submitted_at: String,
}

const REPORTS: Children = Children {
    columns: &[
        ("id", "r.id"),
        ("kind", "r.kind"),
        ("unit_name", "u.name"),
        ("author_name", "a.display_name"),
        ("body", "r.body"),
        ("submitted_at", "r.submitted_at"),
    ],
    from_where: "case_reports r JOIN units u ON u.id = r.unit_id \
                 JOIN users a ON a.id = r.author_user_id WHERE r.case_id = {id}",
    order_by: "r.id",
};

pub async fn reports(
    exec: impl sqlx::Executor<'_, Database = sqlx::Any>,
    id: i64,
) -> Result<Vec<Report>, sqlx::Error> {
    REPORTS.fetch_all(exec, id).await
}

#[derive(Debug, Clone, Serialize, Deserialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct LetterRow {
    pub id: i64,
    pub kind: String,
    pub number: String,
    pub title: String,
    pub issued_at: String,
}

const LETTERS: Children = Children {
    columns: &[
        ("id", "id"),
        ("kind", "kind"),
        ("number", "number"),
        ("title", "title"),
        ("issued_at", "issued_at"),
    ],
    from_where: "case_letters WHERE case_id = {id}",
    order_by: "id",
};

pub async fn letters(
    exec: impl sqlx::Executor<'_, Database = sqlx::Any>,
    id: i64,
) -> Result<Vec<LetterRow>, sqlx::Error> {
    LETTERS.fetch_all(exec, id).await
}

/// The PDF of one of the case's letters.
pub async fn letter_pdf(
    db: &Db,
    case_id: i64,
    letter_id: i64,
) -> Result<Option<(String, Vec<u8>)>, sqlx::Error> {
    let row = sqlx::query("SELECT number, pdf FROM case_letters WHERE id = $1 AND case_id = $2")
        .bind(letter_id)
        .bind(case_id)
        .fetch_optional(&db.pool)
        .await?;
    row.map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).transpose()
}

/// Facts already in the platform that support a ground (shown on the proposal form).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SupportingFacts {
    /// Ground 2: the same party (by credit code or ID) in other cases, with their units.
    pub same_party_elsewhere: Vec<String>,
    /// Ground 3: handling began this long ago with no report recorded.
    pub long_unresolved: Option<String>,
}

pub async fn supporting_facts(
    db: &Db,
    cal: &crate::calendar::Calendar,
    case: &Case,
    today: chrono::NaiveDate,
) -> Result<SupportingFacts, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT DISTINCT o.code, o.title, p.name, u.name FROM case_parties p \
         JOIN case_parties q ON q.code = p.code AND q.case_id <> p.case_id \
         JOIN cases o ON o.id = q.case_id JOIN units u ON u.id = COALESCE(o.lead_unit_id, o.registered_by_unit_id) \
         WHERE p.case_id = $1 ORDER BY o.code LIMIT 50",
    )
    .bind(case.id)
    .fetch_all(&db.pool)
    .await?;
    let mut same = Vec::new();
    for r in rows {
        let code: String = r.try_get(0)?;
        let title: String = r.try_get(1)?;
        let party: String = r.try_get(2)?;
        let unit: String = r.try_get(3)?;
        same.push(format!(
            "当事人“{party}”亦见于案件{code}《{title}》（{unit}）"
        ));
    }
    let reports: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM case_reports WHERE case_id = $1")
        .bind(case.id)
        .fetch_one(&db.pool)
        .await?;
    let long = case
        .handling_since
        .as_deref()
        .and_then(|s| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
        .and_then(|since| {
            let two_years = cal
                .due_date(
                    since,
                    crate::calendar::Period::Years {
                        n: 2,
                        roll_forward: false,
                    },
                )
                .ok()?;
            (two_years <= today && reports == 0).then(|| {
                format!(
                    "承办始于{since}，至{two_years}已满2年，平台中无进展或结论性意见记录（第二条第三项）"
                )
            })
        });
    Ok(SupportingFacts {
        same_party_elsewhere: same,
        long_unresolved: long,
    })
}

#[cfg(test)]
mod tests {
    use super::mask_id;
    use chrono::NaiveDate;

    #[test]
    fn masks_birth_date() {
        let today = NaiveDate::from_ymd_opt(2025, 6, 15).expect("date");
        assert_eq!(mask_id("11010519491231002X", today), "110105********002X");
        assert_eq!(mask_id("123", today), "***");
        // A number the current rules refuse (address code 100000 is not in GB/T 2260) is
        // masked whole.
        assert_eq!(mask_id("100000194912310020", today), "*".repeat(18));
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, sqlx::FromRow, utoipa::ToSchema)]
#[schema(as = CaseAttachment)]
pub struct AttachmentRow {
    pub id: i64,
    pub filename: String,
    pub mime: String,
    pub size: i64,
    pub sha256: String,
    pub description: Option<String>,
    pub unit_name: String,
    pub uploaded_at: String,
}

const ATTACHMENTS: Children = Children {
    columns: &[
        ("id", "a.id"),
        ("filename", "a.filename"),
        ("mime", "a.mime"),
        ("size", "a.size"),
        ("sha256", "a.sha256"),
        ("description", "a.description"),
        ("unit_name", "u.name"),
        ("uploaded_at", "a.uploaded_at"),
    ],
    from_where: "case_attachments a JOIN units u ON u.id = a.uploaded_by_unit WHERE a.case_id = {id}",
    order_by: "a.id",
};

pub async fn attachments(
    exec: impl sqlx::Executor<'_, Database = sqlx::Any>,
    id: i64,
) -> Result<Vec<AttachmentRow>, sqlx::Error> {
    ATTACHMENTS.fetch_all(exec, id).await
}

/// One attachment's name, type and content.
pub async fn attachment(
    db: &Db,
    case_id: i64,
    id: i64,
) -> Result<Option<(String, String, Vec<u8>)>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT filename, mime, content FROM case_attachments WHERE id = $1 AND case_id = $2",
    )
    .bind(id)
    .bind(case_id)
    .fetch_optional(&db.pool)
    .await?;
    row.map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
        .transpose()
}
