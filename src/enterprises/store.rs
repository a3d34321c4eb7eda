//! The enterprise record and the person's record read within the reader's data scope: each
//! section with the owning module's own scope (`read_scope`) and predicate
//! (`parties_in_scope`), so a unit sees here exactly the records it sees in that module's list;
//! a section the reader may not read at all is left out (`None`). The two records share their
//! readers, each given the [`Party`] it reads for: an enterprise by its credit code, a natural
//! person by resident ID. Reading an enterprise's record is not a state change: nothing is
//! written or audited. Each lookup of a person's record is audited (`person_lookup`), with the
//! resident ID masked.
//!
//! Each section is found through an index on the code (`case_parties_code_idx`,
//! `public_reports_credit_idx`, `penalty_decisions_code_idx` of migration 0039; for a person
//! the indexes of migration 0044 on `penalty_decisions.resident_id`,
//! `credit_listing_persons.resident_id` and `credit_listings.decision_id`), counted, and its
//! newest [`CAP`] records read; the names come from the same rows, grouped. The transfers carry
//! their suspects as free text only: those whose text contains the code or the resident ID are
//! listed as possible matches, never as the party's records.

use serde::Serialize;

use super::{CAP, RecordedName, Section, group_links, merge_names};
use crate::access::sql::parties_in_scope;
use crate::access::{Action, Actor, Resource, Scope};
use crate::audit::{Entry, Who};
use crate::db::Db;
use crate::db::query::{Sql, like_escape};
use crate::domain::credit_code::CreditCode;
use crate::domain::money::Fen;
use crate::domain::resident_id::ResidentId;
use crate::error::{AppError, AppResult, OnConstraint};

/// Where each source of names is recorded.
const FROM_CASES: &str = "重大案件";
const FROM_REPORTS: &str = "举报投诉";
const FROM_PENALTIES: &str = "行政处罚决定";
const FROM_LISTINGS: &str = "严重违法失信名单";
/// At most this many names per source.
const NAMES: i64 = 20;

/// Whose record is read: an enterprise (or individual business) by its 统一社会信用代码, or a
/// natural person by resident ID. The full ID is only bound into the queries, never shown.
#[derive(Debug, Clone, Copy)]
pub enum Party<'a> {
    Enterprise(&'a CreditCode),
    Person(&'a ResidentId),
}

impl Party<'_> {
    /// The key the records carry: the code, or the resident ID in full (bound only).
    fn key(&self) -> String {
        match self {
            Party::Enterprise(code) => code.as_str().to_string(),
            Party::Person(id) => id.as_str().to_string(),
        }
    }

    /// The `case_parties.kind` of such a party.
    fn case_kind(&self) -> &'static str {
        match self {
            Party::Enterprise(_) => "enterprise",
            Party::Person(_) => "person",
        }
    }

    /// The `penalty_decisions` column naming such a party.
    fn decision_column(&self) -> &'static str {
        match self {
            Party::Enterprise(_) => "credit_code",
            Party::Person(_) => "resident_id",
        }
    }
}

/// The record of one enterprise as the reader may see it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = EnterpriseRecord)]
pub struct Record {
    /// The 统一社会信用代码, normalised (18 upper-case characters).
    pub code: String,
    /// The names the party is recorded under in the sections below, the latest first.
    pub names: Vec<RecordedName>,
    /// Major cases naming the party (`case_parties`); null when the reader may not read cases.
    pub cases: Option<Section<CaseRow>>,
    /// Public reports giving the code; null when the reader may not read public reports.
    pub public_reports: Option<Section<ReportRow>>,
    /// Penalty decisions against the party, with their publication; null when the reader may
    /// not read penalty decisions.
    pub penalties: Option<Section<PenaltyRow>>,
    /// Possible matches only: transfers whose suspects (free text) contain the code. Not
    /// confirmed as the party's; null when the reader may not read transfers.
    pub possible_transfers: Option<Section<TransferRow>>,
    /// Listings on the serious-violation list (严重违法失信名单, SAMR Order 44); null when the
    /// reader may not read penalty decisions.
    pub listings: Option<Section<ListingRow>>,
    /// For the office: public reports in its scope that name the party by one of its recorded
    /// names without a credit code, to be matched to this record on its decision (never
    /// automatically).
    pub suggestions: Vec<ReportRow>,
}

impl Record {
    /// Nothing of the code in any section the reader may see.
    pub fn is_empty(&self) -> bool {
        self.cases.as_ref().is_none_or(Section::is_empty)
            && self.public_reports.as_ref().is_none_or(Section::is_empty)
            && self.penalties.as_ref().is_none_or(Section::is_empty)
            && self
                .possible_transfers
                .as_ref()
                .is_none_or(Section::is_empty)
            && self.listings.as_ref().is_none_or(Section::is_empty)
    }
}

/// A major case that names the party.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = EnterpriseCase)]
pub struct CaseRow {
    pub id: i64,
    /// The case number (2026-0001).
    pub code: String,
    pub title: String,
    /// The party's name as the case records it.
    pub party_name: String,
    pub state: String,
    pub state_label: &'static str,
    /// The day the clue was received (YYYY-MM-DD).
    pub received_on: String,
    pub url: String,
}

/// A public report (举报投诉) giving the code.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = EnterprisePublicReport)]
pub struct ReportRow {
    pub id: i64,
    pub tracking_no: String,
    /// report / complaint
    pub kind: String,
    pub kind_label: &'static str,
    pub state: String,
    pub state_label: &'static str,
    /// YYYY-MM-DD.
    pub received_on: String,
    /// The enterprise's name as the reporter gave it.
    pub enterprise: Option<String>,
    pub url: String,
}

/// A penalty decision against the party.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = EnterprisePenalty)]
pub struct PenaltyRow {
    pub id: i64,
    /// The decision's number (行政处罚决定书文号).
    pub number: String,
    /// The deciding organ.
    pub organ_name: String,
    pub party_name: String,
    /// YYYY-MM-DD.
    pub decided_on: String,
    /// Penalty kind codes.
    pub kinds: Vec<String>,
    /// The kinds as people read them: 罚款、没收非法财物.
    pub kinds_label: String,
    pub fine_fen: Option<i64>,
    /// The publication's state (pending, reviewed, published, taken_down, not_published).
    pub state: String,
    pub state_label: &'static str,
    /// What became of the decision (effective, revoked, changed, annulled, illegal).
    pub decision_state: String,
    pub decision_state_label: &'static str,
    pub url: String,
}

impl PenaltyRow {
    /// The fine as written: 50000元; empty without one.
    pub fn fine_text(&self) -> String {
        self.fine_fen
            .and_then(Fen::from_fen)
            .map(|f| format!("{}元", f.yuan_string()))
            .unwrap_or_default()
    }
}

/// A transfer whose suspects' text contains the code: a possible match, not confirmed.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = EnterpriseTransfer)]
pub struct TransferRow {
    pub id: i64,
    pub code: String,
    pub title: String,
    pub direction: String,
    pub direction_label: &'static str,
    pub state: String,
    pub state_label: &'static str,
    /// The Beijing day it was registered (YYYY-MM-DD).
    pub registered_on: String,
    pub url: String,
}

/// An entry of the serious-violation list (`penalties::listing_store`).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = EnterpriseListing)]
pub struct ListingRow {
    pub id: i64,
    /// The organ that listed the party.
    pub organ_name: String,
    /// YYYY-MM-DD.
    pub listed_on: String,
    pub state: String,
    pub state_label: String,
    pub url: String,
}

/// Whether `actor` may read any section of a record: every business role may, within its
/// scope; the administrators may not.
pub fn may_read(actor: &Actor) -> bool {
    [
        Resource::Case,
        Resource::PublicReport,
        Resource::Penalty,
        Resource::Linkage,
    ]
    .into_iter()
    .any(|r| actor.can(r, Action::Read))
}

/// The record of `code` as `actor` may see it. Refused (403) only to a reader who may read
/// none of its sections; a code nothing is recorded under is an empty record, not a 404.
pub async fn record(db: &Db, actor: &Actor, code: &CreditCode) -> AppResult<Record> {
    let cases_scope = crate::cases::store::read_scope(actor).ok();
    let reports_scope = crate::public_reports::store::read_scope(actor).ok();
    let penalties_scope = crate::penalties::store::read_scope(actor).ok();
    let transfers_scope = crate::linkage::store::read_scope(actor).ok();
    if cases_scope.is_none()
        && reports_scope.is_none()
        && penalties_scope.is_none()
        && transfers_scope.is_none()
    {
        return Err(AppError::Forbidden);
    }
    // One pooled connection for the page's statements, one after another.
    let mut conn = db.pool.acquire().await?;
    let party = Party::Enterprise(code);
    let code_text = code.as_str();
    let mut names: Vec<(String, &'static str, i64, String)> = Vec::new();
    let cases = match &cases_scope {
        Some(scope) => Some(cases(&mut conn, scope, party, &mut names).await?),
        None => None,
    };
    let public_reports = match &reports_scope {
        Some(scope) => Some(reports(&mut conn, scope, code_text, &mut names).await?),
        None => None,
    };
    let penalties = match &penalties_scope {
        Some(scope) => Some(penalties(&mut conn, scope, party, &mut names).await?),
        None => None,
    };
    let possible_transfers = match &transfers_scope {
        Some(scope) => Some(transfers(&mut conn, actor, scope, party).await?),
        None => None,
    };
    let names = merge_names(names);
    let suggestions = match &reports_scope {
        Some(scope) if actor.roles.iter().any(|r| r.is_office()) => {
            suggestions(&mut conn, scope, &names).await?
        }
        _ => Vec::new(),
    };
    Ok(Record {
        suggestions,
        code: code_text.to_string(),
        names,
        cases,
        public_reports,
        penalties,
        possible_transfers,
        listings: match &penalties_scope {
            Some(scope) => Some(listings(&mut conn, scope, party).await?),
            None => None,
        },
    })
}

/// The record of a natural person (个人诚信档案) as the reader may see it, keyed by resident ID.
/// The ID appears only masked.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = PersonRecord)]
pub struct PersonRecord {
    /// The resident ID masked (`ResidentId::masked`: the first 6 and last 4 characters, the
    /// birth date hidden); the full number is never answered.
    pub resident_id: String,
    /// The names the person is recorded under in the sections below, the latest first.
    pub names: Vec<RecordedName>,
    /// Major cases naming the person as a party (`case_parties`, kind person); null when the
    /// reader may not read cases.
    pub cases: Option<Section<CaseRow>>,
    /// Penalty decisions against the person; null when the reader may not read penalty
    /// decisions.
    pub penalties: Option<Section<PenaltyRow>>,
    /// Listings on the serious-violation list whose party is the person (through the decision
    /// the listing rests on); null when the reader may not read penalty decisions.
    pub listings: Option<Section<ListingRow>>,
    /// Listings on which the person is linked as the legal representative or a person
    /// responsible (002 (六)2), with the role; null when the reader may not read penalty
    /// decisions.
    pub linked_listings: Option<Section<LinkedListingRow>>,
    /// Possible matches only: transfers whose suspects (free text) contain the resident ID.
    /// Not confirmed as the person's; null when the reader may not read transfers.
    pub possible_transfers: Option<Section<TransferRow>>,
}

impl PersonRecord {
    /// Nothing of the person in any section the reader may see.
    pub fn is_empty(&self) -> bool {
        self.cases.as_ref().is_none_or(Section::is_empty)
            && self.penalties.as_ref().is_none_or(Section::is_empty)
            && self.listings.as_ref().is_none_or(Section::is_empty)
            && self.linked_listings.as_ref().is_none_or(Section::is_empty)
            && self
                .possible_transfers
                .as_ref()
                .is_none_or(Section::is_empty)
    }

    /// Each section's total (null for one the reader may not read), as the audit record keeps
    /// it.
    fn totals(&self) -> serde_json::Value {
        fn total<T>(s: &Option<Section<T>>) -> Option<i64> {
            s.as_ref().map(|s| s.total)
        }
        serde_json::json!({
            "cases": total(&self.cases),
            "penalties": total(&self.penalties),
            "listings": total(&self.listings),
            "linked_listings": total(&self.linked_listings),
            "possible_transfers": total(&self.possible_transfers),
        })
    }
}

/// A listing on which the person is linked as the legal representative or a person
/// responsible (the blacklist of 002 (六)2).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = PersonLinkedListing)]
pub struct LinkedListingRow {
    pub id: i64,
    /// The party listed (the enterprise).
    pub party_name: String,
    /// The listed party's 统一社会信用代码.
    pub credit_code: Option<String>,
    /// How the person is linked: `legal_representative`, `responsible` (each once).
    pub roles: Vec<String>,
    /// The roles as people read them: 法定代表人（负责人）、违法行为责任人.
    pub roles_label: String,
    /// The person's name as the listing records it.
    pub person_name: String,
    /// The organ that listed the party.
    pub organ_name: String,
    /// YYYY-MM-DD.
    pub listed_on: String,
    pub state: String,
    pub state_label: String,
    pub url: String,
}

/// Whether `actor` may read any section of a person's record (cases, penalty decisions and
/// listings, transfers): every business role that reads one of them, within its scope.
pub fn may_read_person(actor: &Actor) -> bool {
    [Resource::Case, Resource::Penalty, Resource::Linkage]
        .into_iter()
        .any(|r| actor.can(r, Action::Read))
}

/// The record of the person with resident ID `id` as `actor` may see it, the lookup audited
/// (`enterprise.person_lookup`: who looked up, the masked ID and each section's count; never
/// the full number). Refused (403) to a reader who may read none of its sections; an ID
/// nothing is recorded under is an empty record, not a 404. The audit record is written
/// before the record is answered: a lookup that cannot be audited answers nothing.
pub async fn person_lookup(
    db: &Db,
    actor: &Actor,
    who: &Who,
    id: &ResidentId,
) -> AppResult<PersonRecord> {
    let r = person_record(db, actor, id).await?;
    let mut summary = r.totals();
    summary["resident_id"] = serde_json::Value::String(r.resident_id.clone());
    crate::audit::store::record_alone(
        db,
        who,
        Entry::new("enterprise.person_lookup", "person")
            .object(&r.resident_id, None)
            .summary(summary),
    )
    .await?;
    Ok(r)
}

/// The record of the person `id` as `actor` may see it (read only; see [`person_lookup`]).
async fn person_record(db: &Db, actor: &Actor, id: &ResidentId) -> AppResult<PersonRecord> {
    if !may_read_person(actor) {
        return Err(AppError::Forbidden);
    }
    let cases_scope = crate::cases::store::read_scope(actor).ok();
    let penalties_scope = crate::penalties::store::read_scope(actor).ok();
    let listings_scope = crate::penalties::listing_store::read_scope(actor).ok();
    let transfers_scope = crate::linkage::store::read_scope(actor).ok();
    let mut conn = db.pool.acquire().await?;
    let party = Party::Person(id);
    let mut names: Vec<(String, &'static str, i64, String)> = Vec::new();
    let cases = match &cases_scope {
        Some(scope) => Some(cases(&mut conn, scope, party, &mut names).await?),
        None => None,
    };
    let penalties = match &penalties_scope {
        Some(scope) => Some(penalties(&mut conn, scope, party, &mut names).await?),
        None => None,
    };
    let (listings, linked_listings) = match &listings_scope {
        Some(scope) => (
            Some(listings(&mut conn, scope, party).await?),
            Some(linked_listings(&mut conn, scope, id, &mut names).await?),
        ),
        None => (None, None),
    };
    let possible_transfers = match &transfers_scope {
        Some(scope) => Some(transfers(&mut conn, actor, scope, party).await?),
        None => None,
    };
    Ok(PersonRecord {
        resident_id: id.masked(),
        names: merge_names(names),
        cases,
        penalties,
        listings,
        linked_listings,
        possible_transfers,
    })
}

type Conn = sqlx::pool::PoolConnection<sqlx::Any>;

/// `SELECT COUNT(*) FROM {from_where}`.
async fn count(conn: &mut Conn, from_where: Sql) -> Result<i64, sqlx::Error> {
    let mut q = Sql::new("SELECT COUNT(*) FROM ");
    q.append(from_where);
    q.query_scalar().fetch_one(&mut **conn).await
}

/// `(name, records, latest date)` grouped by name, the latest first.
async fn grouped_names(
    conn: &mut Conn,
    select: &str,
    from_where: Sql,
    group_by: &str,
) -> Result<Vec<(String, i64, String)>, sqlx::Error> {
    let mut q = Sql::new(select);
    q.append(from_where);
    q.push(&format!(" GROUP BY {group_by} ORDER BY 3 DESC"))
        .limit_offset(NAMES, 0);
    q.query_as().fetch_all(&mut **conn).await
}

/// The cases within `scope` (the cases list's own predicate) that name the party (as an
/// enterprise by its code, or as a person by resident ID), newest clue first.
async fn cases(
    conn: &mut Conn,
    scope: &Scope,
    party: Party<'_>,
    names: &mut Vec<(String, &'static str, i64, String)>,
) -> Result<Section<CaseRow>, sqlx::Error> {
    let resource = crate::cases::store::RESOURCE;
    let (kind, code) = (party.case_kind(), party.key());
    let matched = || {
        let mut s = Sql::new(
            "cases c WHERE c.id IN (SELECT cp.case_id FROM case_parties cp WHERE cp.kind = ",
        );
        s.bind(kind).push(" AND cp.code = ");
        s.bind(code.clone()).push(") AND ");
        s.append(parties_in_scope(scope, resource, "c.id"));
        s
    };
    let total = count(conn, matched()).await?;
    if total == 0 {
        return Ok(Section::of(Vec::new(), 0));
    }
    let mut q = Sql::new(
        "SELECT c.id, c.code, c.title, (SELECT MIN(n.name) FROM case_parties n WHERE n.case_id = c.id AND n.kind = ",
    );
    q.bind(kind).push(" AND n.code = ");
    q.bind(code.clone())
        .push(") AS party_name, c.state, c.received_on FROM ");
    q.append(matched());
    q.push(" ORDER BY c.received_on DESC, c.id DESC")
        .limit_offset(CAP, 0);
    let rows: Vec<(i64, String, String, Option<String>, String, String)> =
        q.query_as().fetch_all(&mut **conn).await?;
    let items = rows
        .into_iter()
        .map(
            |(id, case_code, title, party_name, state, received_on)| CaseRow {
                id,
                code: case_code,
                title,
                party_name: party_name.unwrap_or_default(),
                state_label: crate::cases::flow::CaseState::parse(&state)
                    .map_or("未知", crate::cases::flow::CaseState::label),
                state,
                received_on,
                url: format!("/cases/{id}"),
            },
        )
        .collect();
    let mut from = Sql::new("case_parties cp JOIN cases c ON c.id = cp.case_id WHERE cp.kind = ");
    from.bind(kind).push(" AND cp.code = ");
    from.bind(code).push(" AND ");
    from.append(parties_in_scope(scope, resource, "c.id"));
    let grouped = grouped_names(
        conn,
        "SELECT cp.name, COUNT(DISTINCT cp.case_id), MAX(c.received_on) FROM ",
        from,
        "cp.name",
    )
    .await?;
    names.extend(grouped.into_iter().map(|(n, c, l)| (n, FROM_CASES, c, l)));
    Ok(Section::of(items, total))
}

/// The public reports within `scope` (the reports list's own predicate) that give the code,
/// newest first.
async fn reports(
    conn: &mut Conn,
    scope: &Scope,
    code: &str,
    names: &mut Vec<(String, &'static str, i64, String)>,
) -> Result<Section<ReportRow>, sqlx::Error> {
    let resource = crate::public_reports::store::RESOURCE;
    // Those giving the code, and those the office matched to it by name.
    let matched = || {
        let mut s = Sql::new("public_reports p WHERE (p.credit_code = ");
        s.bind(code.to_string()).push(
            " OR p.id IN (SELECT m.record_id FROM enterprise_matches m \
             WHERE m.record_type = 'public_report' AND m.credit_code = ",
        );
        s.bind(code.to_string()).push(")) AND ");
        s.append(parties_in_scope(scope, resource, "p.id"));
        s
    };
    let total = count(conn, matched()).await?;
    if total == 0 {
        return Ok(Section::of(Vec::new(), 0));
    }
    let mut q =
        Sql::new("SELECT p.id, p.tracking_no, p.kind, p.state, p.received_on, p.enterprise FROM ");
    q.append(matched());
    q.push(" ORDER BY p.received_on DESC, p.id DESC")
        .limit_offset(CAP, 0);
    let rows: Vec<(i64, String, String, String, String, Option<String>)> =
        q.query_as().fetch_all(&mut **conn).await?;
    use crate::public_reports::flow::{Kind, ReportState};
    let items = rows
        .into_iter()
        .map(
            |(id, tracking_no, kind, state, received_on, enterprise)| ReportRow {
                id,
                tracking_no,
                kind_label: Kind::label_of(&kind),
                kind,
                state_label: ReportState::label_of(&state),
                state,
                received_on,
                enterprise,
                url: format!("/public-reports/{id}"),
            },
        )
        .collect();
    let mut from = matched();
    from.push(" AND p.enterprise IS NOT NULL");
    let grouped = grouped_names(
        conn,
        "SELECT p.enterprise, COUNT(*), MAX(p.received_on) FROM ",
        from,
        "p.enterprise",
    )
    .await?;
    names.extend(grouped.into_iter().map(|(n, c, l)| (n, FROM_REPORTS, c, l)));
    Ok(Section::of(items, total))
}

/// The penalty decisions within `scope` (the decisions list's own predicate) against the
/// party (by its credit code or the person's resident ID), the latest decision first.
async fn penalties(
    conn: &mut Conn,
    scope: &Scope,
    party: Party<'_>,
    names: &mut Vec<(String, &'static str, i64, String)>,
) -> Result<Section<PenaltyRow>, sqlx::Error> {
    let resource = crate::penalties::store::RESOURCE;
    let code = party.key();
    let matched = || {
        let mut s = Sql::new(&format!(
            "penalty_decisions p WHERE p.{} = ",
            party.decision_column()
        ));
        s.bind(code.clone()).push(" AND ");
        s.append(parties_in_scope(scope, resource, "p.id"));
        s
    };
    let total = count(conn, matched()).await?;
    if total == 0 {
        return Ok(Section::of(Vec::new(), 0));
    }
    let mut q = Sql::new(
        "SELECT p.id, p.number, u.name, p.party_name, p.decided_on, p.kinds, p.fine_fen, p.state, \
         p.decision_state FROM (SELECT p.id FROM ",
    );
    q.append(matched());
    q.push(" ORDER BY p.decided_on DESC, p.id DESC")
        .limit_offset(CAP, 0)
        .push(
            ") w JOIN penalty_decisions p ON p.id = w.id JOIN units u ON u.id = p.organ_unit_id \
             ORDER BY p.decided_on DESC, p.id DESC",
        );
    type Row = (
        i64,
        String,
        String,
        String,
        String,
        String,
        Option<i64>,
        String,
        String,
    );
    let rows: Vec<Row> = q.query_as().fetch_all(&mut **conn).await?;
    use crate::penalties::disclosure::{DecisionState, PenaltyKind, PublicationState};
    let items = rows
        .into_iter()
        .map(
            |(
                id,
                number,
                organ_name,
                party_name,
                decided_on,
                kinds,
                fine_fen,
                state,
                decision_state,
            )| {
                let kinds: Vec<String> = kinds
                    .split(',')
                    .filter(|k| !k.is_empty())
                    .map(str::to_string)
                    .collect();
                PenaltyRow {
                    id,
                    number,
                    organ_name,
                    party_name,
                    decided_on,
                    kinds_label: kinds
                        .iter()
                        .map(|k| PenaltyKind::label_of(k))
                        .collect::<Vec<_>>()
                        .join("、"),
                    kinds,
                    fine_fen,
                    state_label: PublicationState::label_of(&state),
                    state,
                    decision_state_label: DecisionState::label_of(&decision_state),
                    decision_state,
                    url: format!("/penalties/{id}"),
                }
            },
        )
        .collect();
    let grouped = grouped_names(
        conn,
        "SELECT p.party_name, COUNT(*), MAX(p.decided_on) FROM ",
        matched(),
        "p.party_name",
    )
    .await?;
    names.extend(
        grouped
            .into_iter()
            .map(|(n, c, l)| (n, FROM_PENALTIES, c, l)),
    );
    Ok(Section::of(items, total))
}

/// Transfers within `scope` (the transfers list's own predicate) whose suspects' text
/// contains the code (or the resident ID), newest first: possible matches only. A withheld transfer (004 一(二))
/// is looked into only for those entitled to its content (its own units and the people named
/// on it), as search does: otherwise the match itself would tell what the record withholds.
async fn transfers(
    conn: &mut Conn,
    actor: &Actor,
    scope: &Scope,
    party: Party<'_>,
) -> Result<Section<TransferRow>, sqlx::Error> {
    let resource = crate::linkage::store::RESOURCE;
    let pattern = format!("%{}%", like_escape(&party.key()));
    let matched = || {
        let mut s = Sql::new("transfers t WHERE UPPER(t.suspects) LIKE ");
        s.bind(pattern.clone()).push(" ESCAPE '\\' AND ");
        s.append(parties_in_scope(scope, resource, "t.id"));
        s.push(" AND (t.withheld = 0");
        for column in ["t.from_unit_id", "t.to_unit_id", "t.procuratorate_unit_id"] {
            s.push(&format!(" OR {column} = ")).bind(actor.unit_id);
        }
        s.push(" OR EXISTS (SELECT 1 FROM secrecy_grants g WHERE g.resource = ")
            .bind(resource)
            .push(" AND g.record_id = t.id AND g.user_id = ")
            .bind(actor.user_id)
            .push("))");
        s
    };
    let total = count(conn, matched()).await?;
    if total == 0 {
        return Ok(Section::of(Vec::new(), 0));
    }
    let mut q = Sql::new("SELECT t.id, t.code, t.title, t.direction, t.state, t.created_at FROM ");
    q.append(matched());
    q.push(" ORDER BY t.created_at DESC, t.id DESC")
        .limit_offset(CAP, 0);
    let rows: Vec<(i64, String, String, String, String, String)> =
        q.query_as().fetch_all(&mut **conn).await?;
    use crate::linkage::flow::{Direction, TransferState};
    let items = rows
        .into_iter()
        .map(
            |(id, transfer_code, title, direction, state, created_at)| TransferRow {
                id,
                code: transfer_code,
                title,
                direction_label: Direction::parse(&direction).map_or("未知", Direction::label),
                direction,
                state_label: TransferState::parse(&state).map_or("未知", TransferState::label),
                state,
                registered_on: crate::db::time::parse(&created_at)
                    .map(crate::db::time::beijing_date)
                    .map_or(created_at, |d| d.to_string()),
                url: format!("/transfers/{id}"),
            },
        )
        .collect();
    Ok(Section::of(items, total))
}

/// The party's listings on the serious-violation list within the reader's scope (the listing
/// organ's, the office's region), newest first: an enterprise's by the listing's credit code, a
/// person's by the resident ID of the decision the listing rests on.
async fn listings(
    conn: &mut Conn,
    scope: &Scope,
    party: Party<'_>,
) -> Result<Section<ListingRow>, sqlx::Error> {
    let resource = crate::penalties::listing_store::RESOURCE;
    let matched = || {
        let mut s = Sql::new("credit_listings l WHERE ");
        match party {
            Party::Enterprise(code) => {
                s.push("l.credit_code = ").bind(code.as_str());
            }
            Party::Person(id) => {
                s.push(
                    "l.decision_id IN (SELECT d.id FROM penalty_decisions d WHERE d.resident_id = ",
                )
                .bind(id.as_str())
                .push(")");
            }
        }
        s.push(" AND ");
        s.append(parties_in_scope(scope, resource, "l.id"));
        s
    };
    let total = count(conn, matched()).await?;
    if total == 0 {
        return Ok(Section::of(Vec::new(), 0));
    }
    let mut q = Sql::new(
        "SELECT l.id, u.name, COALESCE(l.decided_on, l.notified_on), l.state FROM (SELECT l.id FROM ",
    );
    q.append(matched());
    q.push(" ORDER BY l.id DESC").limit_offset(CAP, 0).push(
        ") w JOIN credit_listings l ON l.id = w.id JOIN units u ON u.id = l.organ_unit_id \
         ORDER BY l.id DESC",
    );
    let rows: Vec<(i64, String, String, String)> = q.query_as().fetch_all(&mut **conn).await?;
    let items = rows
        .into_iter()
        .map(|(id, organ_name, listed_on, state)| ListingRow {
            id,
            organ_name,
            listed_on,
            state_label: crate::penalties::listing::ListingState::label_of(&state).to_string(),
            state,
            url: format!("/listings/{id}"),
        })
        .collect();
    Ok(Section::of(items, total))
}

/// The listings within `scope` (the listings' own predicate) on which the person is linked as
/// the legal representative or a person responsible, newest first, each with the person's
/// roles on it; the names the listings record for the person are added to `names`.
async fn linked_listings(
    conn: &mut Conn,
    scope: &Scope,
    id: &ResidentId,
    names: &mut Vec<(String, &'static str, i64, String)>,
) -> Result<Section<LinkedListingRow>, sqlx::Error> {
    let resource = crate::penalties::listing_store::RESOURCE;
    let matched = || {
        let mut s = Sql::new(
            "credit_listings l WHERE l.id IN (SELECT lp.listing_id FROM credit_listing_persons lp \
             WHERE lp.resident_id = ",
        );
        s.bind(id.as_str()).push(") AND ");
        s.append(parties_in_scope(scope, resource, "l.id"));
        s
    };
    let total = count(conn, matched()).await?;
    if total == 0 {
        return Ok(Section::of(Vec::new(), 0));
    }
    // One row per link (a person may be linked to one listing in two roles), grouped below.
    let mut q = Sql::new(
        "SELECT l.id, lp.role, lp.name, l.party_name, l.credit_code, u.name, \
         COALESCE(l.decided_on, l.notified_on), l.state FROM (SELECT l.id FROM ",
    );
    q.append(matched());
    q.push(" ORDER BY l.id DESC").limit_offset(CAP, 0).push(
        ") w JOIN credit_listings l ON l.id = w.id JOIN units u ON u.id = l.organ_unit_id \
         JOIN credit_listing_persons lp ON lp.listing_id = l.id AND lp.resident_id = ",
    );
    q.bind(id.as_str()).push(" ORDER BY l.id DESC, lp.id");
    type Row = (
        i64,
        String,
        String,
        String,
        Option<String>,
        String,
        String,
        String,
    );
    let rows: Vec<Row> = q.query_as().fetch_all(&mut **conn).await?;
    let mut details = std::collections::HashMap::new();
    let mut links = Vec::with_capacity(rows.len());
    for (listing, role, name, party_name, credit_code, organ_name, listed_on, state) in rows {
        details
            .entry(listing)
            .or_insert((party_name, credit_code, organ_name, listed_on, state));
        links.push((listing, role, name));
    }
    let items = group_links(links)
        .into_iter()
        .filter_map(|(lid, roles, person_name)| {
            let (party_name, credit_code, organ_name, listed_on, state) = details.remove(&lid)?;
            Some(LinkedListingRow {
                id: lid,
                party_name,
                credit_code,
                roles_label: roles
                    .iter()
                    .map(|r| {
                        crate::penalties::listing_store::Person {
                            role: r.clone(),
                            name: String::new(),
                            resident_id: None,
                        }
                        .role_label()
                    })
                    .collect::<Vec<_>>()
                    .join("、"),
                roles,
                person_name,
                organ_name,
                listed_on,
                state_label: crate::penalties::listing::ListingState::label_of(&state).to_string(),
                state,
                url: format!("/listings/{lid}"),
            })
        })
        .collect();
    let mut from = Sql::new(
        "credit_listing_persons lp JOIN credit_listings l ON l.id = lp.listing_id WHERE lp.resident_id = ",
    );
    from.bind(id.as_str()).push(" AND ");
    from.append(parties_in_scope(scope, resource, "l.id"));
    let grouped = grouped_names(
        conn,
        "SELECT lp.name, COUNT(DISTINCT lp.listing_id), MAX(COALESCE(l.decided_on, l.notified_on)) FROM ",
        from,
        "lp.name",
    )
    .await?;
    names.extend(
        grouped
            .into_iter()
            .map(|(n, c, l)| (n, FROM_LISTINGS, c, l)),
    );
    Ok(Section::of(items, total))
}

/// Public reports in scope that give one of `names` as the enterprise and no credit code, not
/// matched to any record yet: suggestions for the office (the newest 20).
async fn suggestions(
    conn: &mut Conn,
    scope: &Scope,
    names: &[RecordedName],
) -> Result<Vec<ReportRow>, sqlx::Error> {
    if names.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = Sql::new(
        "SELECT p.id, p.tracking_no, p.kind, p.state, p.received_on, p.enterprise FROM public_reports p \
         WHERE p.credit_code IS NULL AND p.enterprise IN (",
    );
    for (i, n) in names.iter().take(20).enumerate() {
        if i > 0 {
            q.push(", ");
        }
        q.bind(n.name.clone());
    }
    q.push(
        ") AND NOT EXISTS (SELECT 1 FROM enterprise_matches m WHERE m.record_type = 'public_report' \
         AND m.record_id = p.id) AND ",
    );
    q.append(parties_in_scope(
        scope,
        crate::public_reports::store::RESOURCE,
        "p.id",
    ));
    q.push(" ORDER BY p.received_on DESC, p.id DESC")
        .limit_offset(20, 0);
    let rows: Vec<(i64, String, String, String, String, Option<String>)> =
        q.query_as().fetch_all(&mut **conn).await?;
    use crate::public_reports::flow::{Kind, ReportState};
    Ok(rows
        .into_iter()
        .map(
            |(id, tracking_no, kind, state, received_on, enterprise)| ReportRow {
                id,
                tracking_no,
                kind_label: Kind::label_of(&kind),
                kind,
                state_label: ReportState::label_of(&state),
                state,
                received_on,
                enterprise,
                url: format!("/public-reports/{id}"),
            },
        )
        .collect())
}

/// The office matches public report `report_id`, which names the party without a credit code,
/// to the record of `code`: only the office, only a report in its scope that gives no code and
/// one of the party's recorded names, once (a second, even at the same moment, is refused);
/// audited.
pub async fn match_report(
    db: &Db,
    actor: &Actor,
    who: &crate::audit::Who,
    code: &CreditCode,
    report_id: i64,
) -> AppResult<()> {
    if !actor.roles.iter().any(|r| r.is_office()) {
        return Err(AppError::Forbidden);
    }
    let r = record(db, actor, code).await?;
    let Some(s) = r.suggestions.iter().find(|s| s.id == report_id) else {
        return Err(AppError::field(
            "report_id",
            "not_allowed",
            "只能关联本办受理、未填写统一社会信用代码且名称与该企业相同的举报投诉",
        ));
    };
    let mut tx = db.begin().await?;
    sqlx::query(
        "INSERT INTO enterprise_matches (credit_code, record_type, record_id, matched_by, matched_at) \
         VALUES ($1, 'public_report', $2, $3, $4)",
    )
    .bind(code.as_str())
    .bind(report_id)
    .bind(&who.name)
    .bind(who.at_text())
    .execute(&mut *tx)
    .await
    .on_unique("enterprise_matches", || {
        AppError::field("report_id", "taken", "该举报投诉已关联到企业诚信档案")
    })?;
    crate::procedure::finish(
        tx,
        who,
        crate::audit::Entry::new("enterprise.match", "public_report")
            .object(report_id, None)
            .summary(
                serde_json::json!({"credit_code": code.as_str(), "tracking_no": s.tracking_no}),
            ),
    )
    .await
}
