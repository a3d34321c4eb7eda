//! Typical cases within the reader's data scope: written up from a source the office may read,
//! redacted before anything is kept, drafted into the document chain and signed there
//! ([`sign`]), circulated as a circular, published and taken off the public pages, each step
//! one transaction through the procedure kernel with its audit record; the yearly collection
//! and the public reads.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};

use super::model::{
    self, Act, Facts, NewTypicalCase, SourceKind, Standing, State, TypicalCaseInput,
};
use crate::access::sql::parties_in_scope;
use crate::access::{Action, Actor, Resource, Scope};
use crate::audit::{Entry, Who};
use crate::context::Ctx;
use crate::db::query::{Sql, Window};
use crate::db::{Db, Tx};
use crate::documents::{OfficialDocument, Paragraph};
use crate::error::{AppError, AppResult};

pub const RESOURCE: &str = "typical_case";

/// A typical case as stored: the write-up already redacted.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct TypicalCase {
    pub id: i64,
    pub office_unit_id: i64,
    pub office_unit_name: String,
    /// `case`, `transfer` or `penalty`.
    pub source_kind: String,
    pub source_id: i64,
    /// The unit whose work it comes from (the case's lead unit, the transferring unit, the
    /// deciding organ).
    pub source_unit_id: i64,
    pub source_unit_name: String,
    pub title: String,
    /// The write-up, personal identifiers taken out; lines beginning 一、二、… are headings.
    pub text: String,
    /// What the redaction took out, by kind (JSON counts, never the text).
    #[serde(skip)]
    pub hidden: String,
    /// `pending` (in the document chain), `signed`, `published`, `unpublished`.
    pub state: String,
    pub number: Option<String>,
    pub signed_by_name: Option<String>,
    pub signed_at: Option<String>,
    /// The circular (kind `typical_cases`) it was circulated in.
    pub circular_id: Option<i64>,
    pub published_on: Option<String>,
    pub unpublished_on: Option<String>,
    pub unpublish_reason: Option<String>,
    pub created_by_name: String,
    pub created_at: String,
    pub updated_at: String,
}

impl TypicalCase {
    pub fn state(&self) -> AppResult<State> {
        State::parse(&self.state).ok_or_else(|| {
            AppError::internal(format!("typical case {} state {}", self.id, self.state))
        })
    }
    pub fn state_label(&self) -> &'static str {
        State::label_of(&self.state)
    }
    pub fn source_label(&self) -> &'static str {
        SourceKind::label_of(&self.source_kind)
    }
    /// Where the source is read.
    pub fn source_link(&self) -> String {
        match SourceKind::parse(&self.source_kind) {
            Some(SourceKind::Case) => format!("/cases/{}", self.source_id),
            Some(SourceKind::Transfer) => format!("/transfers/{}", self.source_id),
            Some(SourceKind::Penalty) => format!("/penalties/{}", self.source_id),
            None => String::new(),
        }
    }
    /// What the redaction took out, by kind code.
    pub fn hidden_counts(&self) -> BTreeMap<String, usize> {
        serde_json::from_str(&self.hidden).unwrap_or_default()
    }
    /// 「身份证号码1处、联系电话2处」, or empty.
    pub fn hidden_summary(&self) -> String {
        let counts = self.hidden_counts();
        let by_code: BTreeMap<&'static str, usize> = crate::penalties::redaction::Kind::ALL
            .iter()
            .filter_map(|k| counts.get(k.code()).map(|n| (k.code(), *n)))
            .collect();
        model::summary(&by_code)
    }
    pub fn is_circulated(&self) -> bool {
        self.circular_id.is_some()
    }
}

const SELECT: &str = "SELECT t.id, t.office_unit_id, ou.name AS office_unit_name, t.source_kind, t.source_id, \
    t.source_unit_id, su.name AS source_unit_name, t.title, t.text, t.hidden, t.state, t.number, t.signed_by_name, \
    t.signed_at, t.circular_id, t.published_on, t.unpublished_on, t.unpublish_reason, cu.display_name AS created_by_name, \
    t.created_at, t.updated_at FROM typical_cases t JOIN units ou ON ou.id = t.office_unit_id \
    JOIN units su ON su.id = t.source_unit_id JOIN users cu ON cu.id = t.created_by WHERE ";

pub fn read_scope(actor: &Actor) -> AppResult<Scope> {
    actor.require(Resource::TypicalCase, Action::Read)
}

pub async fn get(db: &Db, scope: &Scope, id: i64) -> Result<Option<TypicalCase>, sqlx::Error> {
    let mut q = Sql::new(SELECT);
    q.push("t.id = ").bind(id).push(" AND ");
    q.append(parties_in_scope(scope, RESOURCE, "t.id"));
    q.query_as().fetch_optional(&db.pool).await
}

async fn get_tx(tx: &mut Tx, id: i64) -> Result<Option<TypicalCase>, sqlx::Error> {
    let mut q = Sql::new(SELECT);
    q.push("t.id = ").bind(id);
    q.query_as().fetch_optional(&mut **tx).await
}

fn year_range(q: &mut Sql, column: &str, year: i32) {
    // Stored instants are UTC; a year is Beijing's, so its bounds are 16:00 UTC the day before.
    let from = format!("{:04}-12-31T16:00:00", year - 1);
    let to = format!("{year:04}-12-31T16:00:00");
    q.push(column)
        .push(" >= ")
        .bind(from)
        .push(" AND ")
        .push(column)
        .push(" < ")
        .bind(to);
}

/// The typical cases written up in `year` within scope, newest first.
pub async fn list(
    db: &Db,
    scope: &Scope,
    year: i32,
    w: Window,
) -> Result<Vec<TypicalCase>, sqlx::Error> {
    let mut q = Sql::new(SELECT);
    year_range(&mut q, "t.created_at", year);
    q.push(" AND ");
    q.append(parties_in_scope(scope, RESOURCE, "t.id"));
    q.push(" ORDER BY t.created_at DESC, t.id DESC");
    q.push(&w.sql());
    q.query_as().fetch_all(&db.pool).await
}

/// Where the actor stands to typical case `t`.
pub fn standing(actor: &Actor, t: &TypicalCase) -> Standing {
    Standing {
        office: actor.unit_id == t.office_unit_id,
        writes: actor.can(Resource::TypicalCase, Action::Create),
    }
}

// ---- the source ----

/// A source record as the office may write it up.
pub struct Source {
    pub facts: Facts,
    /// The natural persons it names, to be hidden.
    pub persons: Vec<String>,
    pub unit_id: i64,
}

/// The 「编写典型案例」 link on a source's page: for a reader who may write typical cases, when
/// the source is eligible (`model::eligible`) and not written up yet.
pub async fn write_link(
    db: &Db,
    actor: &Actor,
    kind: SourceKind,
    id: i64,
    state: &str,
    withheld: bool,
) -> AppResult<Option<String>> {
    if !actor.can(Resource::TypicalCase, Action::Create) || !model::eligible(kind, state, withheld)
    {
        return Ok(None);
    }
    let taken: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM typical_cases WHERE source_kind = $1 AND source_id = $2",
    )
    .bind(kind.code())
    .bind(id)
    .fetch_optional(&db.pool)
    .await?;
    Ok(taken.is_none().then(|| model::write_link(kind, id)))
}

fn not_found() -> AppError {
    AppError::field("source_id", "not_found", "所选来源记录不存在或无权查看")
}

/// The closure report of case `id` (000 §8) once it is in, else the result the lead unit
/// recorded when it concluded the case, without its date.
async fn closure(db: &Db, id: i64) -> Result<Option<String>, sqlx::Error> {
    let body: Option<String> = sqlx::query_scalar(
        "SELECT body FROM (SELECT body, 1 AS pref, id FROM case_reports WHERE case_id = $1 AND kind = 'closure' \
         UNION ALL SELECT summary AS body, 2 AS pref, id FROM case_events WHERE case_id = $1 AND kind = 'concluded') r \
         ORDER BY pref, id DESC LIMIT 1",
    )
    .bind(id)
    .fetch_optional(&db.pool)
    .await?;
    Ok(body.map(|c| match c.split_once("办结：") {
        Some((date, rest)) if date.ends_with('日') && date.chars().count() <= 12 => {
            rest.to_string()
        }
        _ => c,
    }))
}

fn date(raw: Option<&str>) -> Option<NaiveDate> {
    raw.and_then(|d| NaiveDate::parse_from_str(d.get(..10)?, "%Y-%m-%d").ok())
}

/// The source `kind` `id` as `actor` may read it, if it may be written up: a concluded case,
/// a transfer the police filed (not one withheld under secrecy rules), a published decision.
pub async fn source(
    db: &Db,
    actor: &Actor,
    kind: SourceKind,
    id: i64,
    today: NaiveDate,
) -> AppResult<Source> {
    match kind {
        SourceKind::Case => {
            use crate::cases::flow::CaseState;
            let scope = actor
                .scope(Resource::Case, Action::Read)
                .ok_or_else(not_found)?;
            let case = crate::cases::store::get(db, &scope, id)
                .await?
                .ok_or_else(not_found)?;
            let lead = match (case.lead_unit_id, &case.lead_unit_name) {
                (Some(u), Some(n)) => (u, n.clone()),
                _ => return Err(not_concluded(kind)),
            };
            if !matches!(
                case.state()?,
                CaseState::Concluded
                    | CaseState::Reported
                    | CaseState::Circulated
                    | CaseState::Archived
            ) {
                return Err(not_concluded(kind));
            }
            // The names in full: each is hidden wherever it occurs.
            let persons = crate::cases::store::parties(&db.pool, id, true, today)
                .await?
                .into_iter()
                .filter(|p| p.kind == "person")
                .map(|p| p.name)
                .collect();
            Ok(Source {
                facts: Facts {
                    title: case.title.clone(),
                    unit: lead.1,
                    date: date(case.concluded_on.as_deref()),
                    facts: case.summary.clone(),
                    result: closure(db, id).await?,
                    amount_fen: case.amount_fen,
                    ..Facts::default()
                },
                persons,
                unit_id: lead.0,
            })
        }
        SourceKind::Transfer => {
            let scope = actor
                .scope(Resource::Linkage, Action::Read)
                .ok_or_else(not_found)?;
            let t = crate::linkage::store::get(db, &scope, id)
                .await?
                .ok_or_else(not_found)?;
            if t.withheld != 0 {
                return Err(AppError::field(
                    "source_id",
                    "withheld",
                    "该移送案件依规定不予公开，不能编写典型案例",
                ));
            }
            if t.state != "filed" {
                return Err(not_concluded(kind));
            }
            Ok(Source {
                facts: Facts {
                    title: t.title.clone(),
                    unit: t.from_unit_name.clone(),
                    other_unit: Some(t.to_unit_name.clone()),
                    date: date(t.decided_on.as_deref()),
                    facts: t.facts.clone(),
                    amount_fen: t.amount_fen,
                    ..Facts::default()
                },
                persons: model::persons_in(&t.suspects),
                unit_id: t.from_unit_id,
            })
        }
        SourceKind::Penalty => {
            use crate::penalties::disclosure::PublicationState;
            use crate::penalties::redaction::Field;
            let scope = actor
                .scope(Resource::Penalty, Action::Read)
                .ok_or_else(not_found)?;
            let d = crate::penalties::store::get(db, &scope, id)
                .await?
                .ok_or_else(not_found)?;
            if d.publication_state()? != PublicationState::Published {
                return Err(not_concluded(kind));
            }
            // What is published, as published: the disclosure's own redaction first.
            let extra: Vec<crate::penalties::store::Hide> = d
                .extra_redactions
                .as_deref()
                .and_then(|j| serde_json::from_str(j).ok())
                .unwrap_or_default();
            let publication = crate::penalties::store::publication(&d, &extra)?;
            let public = |f: Field| {
                publication
                    .iter()
                    .find(|r| r.field == f)
                    .map(|r| r.public.clone())
                    .unwrap_or_default()
            };
            let enterprise = d.party_kind == "enterprise";
            // A publication names its party; a typical case names no natural person.
            let mut persons: Vec<String> = d
                .other_persons
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_string)
                .collect();
            if !enterprise {
                persons.push(d.party_name.clone());
            }
            if let Some(l) = &d.legal_representative {
                persons.push(l.clone());
            }
            Ok(Source {
                facts: Facts {
                    title: if enterprise {
                        format!("{}侵权假冒违法案", d.party_name)
                    } else {
                        "个体经营者侵权假冒违法案".to_string()
                    },
                    unit: d.organ_name.clone(),
                    date: date(Some(&d.decided_on)),
                    facts: public(Field::Facts),
                    result: Some(format!(
                        "依据{}，{}",
                        public(Field::Basis).trim_end_matches('。'),
                        public(Field::Penalty)
                    )),
                    number: Some(d.number.clone()),
                    amount_fen: None,
                    other_unit: None,
                },
                persons,
                unit_id: d.organ_unit_id,
            })
        }
    }
}

fn not_concluded(kind: SourceKind) -> AppError {
    AppError::field(
        "source_id",
        "not_eligible",
        match kind {
            SourceKind::Case => "该案件尚未办结，不能编写为典型案例",
            SourceKind::Transfer => "该移送案件公安机关尚未立案，不能编写为典型案例",
            SourceKind::Penalty => "该行政处罚决定尚未公示，不能编写为典型案例",
        },
    )
}

/// The natural persons source `kind` `id` names, read without the reader's scope (the
/// signing of a write-up checks its text against them).
async fn source_persons(
    db: &Db,
    kind: SourceKind,
    id: i64,
    today: NaiveDate,
) -> AppResult<Vec<String>> {
    Ok(match kind {
        SourceKind::Case => crate::cases::store::parties(&db.pool, id, true, today)
            .await?
            .into_iter()
            .filter(|p| p.kind == "person")
            .map(|p| p.name)
            .collect(),
        SourceKind::Transfer => {
            let suspects: Option<String> =
                sqlx::query_scalar("SELECT suspects FROM transfers WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&db.pool)
                    .await?;
            model::persons_in(&suspects.unwrap_or_default())
        }
        SourceKind::Penalty => {
            let row: Option<(String, String, Option<String>, String)> = sqlx::query_as(
                "SELECT party_kind, party_name, legal_representative, other_persons FROM penalty_decisions WHERE id = $1",
            )
            .bind(id)
            .fetch_optional(&db.pool)
            .await?;
            let mut out = Vec::new();
            if let Some((kind, party, legal, others)) = row {
                if kind != "enterprise" {
                    out.push(party);
                }
                out.extend(legal);
                out.extend(
                    others
                        .lines()
                        .map(str::trim)
                        .filter(|l| !l.is_empty())
                        .map(str::to_string),
                );
            }
            out
        }
    })
}

/// The write-up of source `kind` `id` as the office starts from: generated from its facts and
/// already redacted (`GET …/source`, the form's first fill).
pub async fn from_source(
    db: &Db,
    actor: &Actor,
    kind: SourceKind,
    id: i64,
    today: NaiveDate,
) -> AppResult<TypicalCaseInput> {
    actor.require(Resource::TypicalCase, Action::Create)?;
    let s = source(db, actor, kind, id, today).await?;
    let (title, text) = model::write_up(kind, &s.facts);
    Ok(TypicalCaseInput {
        source_kind: kind.code().to_string(),
        source_id: id.to_string(),
        title: model::redact(&title, &s.persons).text,
        text: model::redact(&text, &s.persons).text,
        persons: String::new(),
    })
}

async fn touch(tx: &mut Tx, who: &Who, id: i64) -> Result<(), sqlx::Error> {
    let now = who.at_text();
    sqlx::query("UPDATE typical_cases SET updated_at = $1 WHERE id = $2")
        .bind(&now)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    crate::access::parties::touch(tx, RESOURCE, id, &now).await
}

/// Write up source `input.source_kind` `input.source_id` as a typical case: the title and text
/// redacted of every personal identifier and of the natural persons the source and the office
/// name, then in one transaction the record, the office and the source's unit as its parties,
/// the draft in the document chain (核稿 where the office reviews, signed by its director) and
/// the audit. Nothing of what was taken out is kept.
pub async fn create(
    ctx: &Ctx,
    actor: &Actor,
    who: &Who,
    input: &TypicalCaseInput,
) -> AppResult<i64> {
    actor.require(Resource::TypicalCase, Action::Create)?;
    let n = NewTypicalCase::parse(input)?;
    let src = source(&ctx.db, actor, n.source_kind, n.source_id, who.today()).await?;
    let mut persons = src.persons.clone();
    persons.extend(n.persons.iter().cloned());
    let title = model::redact(&n.title, &persons);
    let text = model::redact(&n.text, &persons);
    let mut hidden: BTreeMap<&'static str, usize> = title.hidden.clone();
    for (k, c) in &text.hidden {
        *hidden.entry(k).or_default() += c;
    }
    let hidden_json = serde_json::to_string(&hidden).map_err(AppError::internal)?;
    let now = who.at_text();
    let mut tx = ctx.db.begin().await?;
    let taken: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM typical_cases WHERE source_kind = $1 AND source_id = $2",
    )
    .bind(n.source_kind.code())
    .bind(n.source_id)
    .fetch_optional(&mut *tx)
    .await?;
    if taken.is_some() {
        return Err(AppError::field(
            "source_id",
            "taken",
            "该记录已编写为典型案例",
        ));
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO typical_cases (office_unit_id, office_region, source_kind, source_id, source_unit_id, title, \
         text, hidden, state, created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', $9, $10, $10) RETURNING id",
    )
    .bind(actor.unit_id)
    .bind(actor.unit_region.as_str())
    .bind(n.source_kind.code())
    .bind(n.source_id)
    .bind(src.unit_id)
    .bind(&title.text)
    .bind(&text.text)
    .bind(&hidden_json)
    .bind(actor.user_id)
    .bind(&now)
    .fetch_one(&mut *tx)
    .await?;
    crate::access::parties::add(&mut tx, RESOURCE, id, actor.unit_id, "office", &now).await?;
    if src.unit_id != actor.unit_id {
        crate::access::parties::add(&mut tx, RESOURCE, id, src.unit_id, "source", &now).await?;
    }
    crate::drafting::store::open_draft(
        ctx,
        &mut tx,
        actor,
        who,
        crate::drafting::Kind::TypicalCase,
        id,
        json!({"step": "sign", "text": text.text}),
    )
    .await?;
    crate::procedure::finish(
        tx,
        who,
        Entry::new("typical_case.draft", RESOURCE)
            .object(id, Some(actor.unit_id))
            .summary(json!({
                "source_kind": n.source_kind.code(),
                "source_id": n.source_id,
                "hidden": hidden,
            })),
    )
    .await?;
    Ok(id)
}

impl crate::procedure::Record for TypicalCase {
    const TABLE: &'static str = "typical_cases";
    const CHANGED: &'static str = "该典型案例已被他人处理，请刷新页面后重试";
    fn state_code(&self) -> &str {
        &self.state
    }
    async fn read(tx: &mut Tx, id: i64) -> Result<Option<Self>, sqlx::Error> {
        get_tx(tx, id).await
    }
}

impl crate::procedure::Procedure for TypicalCase {
    type Step = Act;
    type State = State;
    async fn visible(db: &Db, actor: &Actor, id: i64) -> AppResult<Option<Self>> {
        Ok(get(db, &read_scope(actor)?, id).await?)
    }
    async fn authorise(_db: &Db, actor: &Actor, t: &Self, act: Act) -> AppResult<State> {
        model::check(t.state()?, act, standing(actor, t), t.is_circulated())
            .map_err(|r| AppError::conflict("step_refused", r.to_string()))
    }
    /// Circulating leaves the state as it is: taken once, checked again under the lock.
    fn recheck(locked: &Self, act: Act) -> AppResult<()> {
        if act == Act::Circulate && locked.is_circulated() {
            return Err(AppError::conflict(
                "step_refused",
                model::Refusal::Circulated.to_string(),
            ));
        }
        Ok(())
    }
}

/// The body of the signed write-up and of the yearly collection: headings set as headings.
fn paragraphs(text: &str) -> Vec<Paragraph> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| {
            if model::is_heading(l) {
                Paragraph::heading1(l)
            } else {
                Paragraph::text(l)
            }
        })
        .collect()
}

/// The leading group the office `office` serves (the issuer of its documents).
async fn issuer_of(
    exec: impl sqlx::Executor<'_, Database = sqlx::Any>,
    office: i64,
) -> Result<String, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT COALESCE(p.name, o.name) FROM units o LEFT JOIN units p ON p.id = o.parent_id WHERE o.id = $1",
    )
    .bind(office)
    .fetch_one(exec)
    .await
}

/// 签发 (the office director, through the document chain, which checks that he may): the
/// write-up is checked once more — a text revised in the chain that holds a personal
/// identifier is refused, field by field — numbered, rendered and kept as PDF. `text`: the
/// text as signed, if the draft revised it.
pub async fn sign(
    ctx: &Ctx,
    actor: &Actor,
    who: &Who,
    id: i64,
    text: Option<&str>,
) -> AppResult<()> {
    let previewing = crate::context::previewing();
    if who.signing.is_none() && !previewing {
        return Err(AppError::internal(
            "a typical case signed outside its draft",
        ));
    }
    let scope = read_scope(actor)?;
    let seen = get(&ctx.db, &scope, id).await?.ok_or(AppError::NotFound)?;
    if seen.state != State::Pending.code() {
        return Err(AppError::conflict(
            "step_refused",
            format!("该典型案例当前为“{}”，不能签发", seen.state_label()),
        ));
    }
    let kind = SourceKind::parse(&seen.source_kind)
        .ok_or_else(|| AppError::internal("typical case source kind"))?;
    let persons = source_persons(&ctx.db, kind, seen.source_id, who.today()).await?;
    let body = match text {
        Some(t) => crate::domain::text::required_long("text", "案例正文", t, model::MAX_TEXT)?,
        None => seen.text.clone(),
    };
    let checked = model::redact(&body, &persons);
    if !checked.clean() {
        return Err(AppError::field(
            "text",
            "personal_data",
            format!(
                "案例正文含有个人信息（{}），依规定不得公开，请删除后再提交",
                checked.summary()
            ),
        ));
    }
    let (mut tx, t) = crate::procedure::open(&ctx.db, &seen, id).await?;
    // Header and number name one organ (`documents::issuers`): the office, whose director
    // signs the write-up, unless it chose the group.
    let (issuer, number) = crate::numbering::official_number(
        &mut tx,
        t.office_unit_id,
        crate::documents::issuers::Kind::TypicalCase,
        who.today(),
    )
    .await?;
    let issuer = issuer.name;
    // A preview names no signer: who signs is known when he does.
    let signer = if previewing {
        "　　"
    } else {
        actor.display_name.as_str()
    };
    let doc = OfficialDocument {
        issuer: issuer.clone(),
        joint_issuers: Vec::new(),
        number: number.clone(),
        mark: Some("典型案例".to_string()),
        title: t.title.clone(),
        addressee: "领导小组各成员单位".to_string(),
        body: paragraphs(&body),
        attachments: Vec::new(),
        signature: issuer,
        date: who.today(),
        copy_to: Vec::new(),
        contact: Some(format!("（签发人：{signer}）")),
    };
    let pdf = ctx.render_pdf(doc).await?;
    let sha = crate::domain::hex(&Sha256::digest(&pdf));
    crate::procedure::transition::<TypicalCase>(&mut tx, id, &t.state, State::Signed.code())
        .await?;
    sqlx::query(
        "UPDATE typical_cases SET text = $1, number = $2, signed_by_name = $3, signed_at = $4, sha256 = $5, \
         pdf = $6 WHERE id = $7",
    )
    .bind(&body)
    .bind(&number)
    .bind(&actor.display_name)
    .bind(who.at_text())
    .bind(&sha)
    .bind(pdf)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    touch(&mut tx, who, id).await?;
    crate::procedure::finish(
        tx,
        who,
        Entry::new("typical_case.sign", RESOURCE)
            .object(id, Some(t.office_unit_id))
            .summary(json!({"number": number, "sha256": sha})),
    )
    .await
}

/// The signed write-up as PDF: its number and bytes.
pub async fn pdf(db: &Db, id: i64) -> Result<Option<(String, Vec<u8>)>, sqlx::Error> {
    let row: Option<(Option<String>, Option<Vec<u8>>)> =
        sqlx::query_as("SELECT number, pdf FROM typical_cases WHERE id = $1")
            .bind(id)
            .fetch_optional(&db.pool)
            .await?;
    Ok(row.and_then(|(n, p)| n.zip(p)))
}

/// A step on a typical case as submitted (`{"step": …}`). Review, return and signing are acts
/// on its draft (`/api/v1/drafts/{id}/steps`).
#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum TypicalCaseStep {
    /// 印发典型案例通报 (003 三(六)): a circular of kind `typical_cases` with the write-up,
    /// addressed to `unit_ids`, drafted into the chain for the group leader to sign.
    Circulate {
        #[serde(default, deserialize_with = "crate::web::step::one_or_many")]
        #[schema(value_type = Vec<i64>)]
        unit_ids: Vec<String>,
    },
    /// 在公众页面发布 (002 (八)1 曝光典型案件).
    Publish,
    /// 撤回公开, with the reason.
    Unpublish {
        #[serde(default, deserialize_with = "crate::web::step::or_default")]
        text: String,
    },
}

/// Take `input` on typical case `id` as `actor`.
pub async fn run(
    ctx: &Ctx,
    actor: &Actor,
    who: &Who,
    id: i64,
    input: TypicalCaseStep,
) -> AppResult<()> {
    match input {
        TypicalCaseStep::Circulate { unit_ids } => {
            let (mut tx, t, _) =
                crate::procedure::begin::<TypicalCase>(&ctx.db, actor, id, Act::Circulate).await?;
            actor.require(Resource::Circular, Action::Create)?;
            let number = t.number.clone().unwrap_or_default();
            let n = crate::circulars::NewCircular::parse(&crate::circulars::CircularInput {
                kind: crate::circulars::Kind::TypicalCases.code().to_string(),
                title: format!("关于{}典型案例的通报", t.title),
                body: format!("{}\n（{number}）", t.text),
                named: None,
                unit_ids,
                report_ids: Vec::new(),
                include_figures: false,
            })?;
            let circular = crate::circulars::store::draft_in(ctx, &mut tx, actor, who, &n).await?;
            sqlx::query("UPDATE typical_cases SET circular_id = $1 WHERE id = $2")
                .bind(circular)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            touch(&mut tx, who, id).await?;
            finish(
                tx,
                who,
                &t,
                "typical_case.circulate",
                json!({"circular_id": circular, "units": n.unit_ids}),
            )
            .await
        }
        TypicalCaseStep::Publish => {
            let (mut tx, t, next) =
                crate::procedure::begin::<TypicalCase>(&ctx.db, actor, id, Act::Publish).await?;
            crate::procedure::transition::<TypicalCase>(&mut tx, id, &t.state, next.code()).await?;
            sqlx::query(
                "UPDATE typical_cases SET published_on = $1, unpublished_on = NULL, unpublish_reason = NULL WHERE id = $2",
            )
            .bind(who.today().to_string())
            .bind(id)
            .execute(&mut *tx)
            .await?;
            touch(&mut tx, who, id).await?;
            finish(
                tx,
                who,
                &t,
                "typical_case.publish",
                json!({"published_on": who.today().to_string()}),
            )
            .await
        }
        TypicalCaseStep::Unpublish { text } => {
            let reason = crate::domain::text::required_long("text", "撤回的理由", &text, 500)?;
            let (mut tx, t, next) =
                crate::procedure::begin::<TypicalCase>(&ctx.db, actor, id, Act::Unpublish).await?;
            crate::procedure::transition::<TypicalCase>(&mut tx, id, &t.state, next.code()).await?;
            sqlx::query(
                "UPDATE typical_cases SET unpublished_on = $1, unpublish_reason = $2 WHERE id = $3",
            )
            .bind(who.today().to_string())
            .bind(&reason)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            touch(&mut tx, who, id).await?;
            finish(
                tx,
                who,
                &t,
                "typical_case.unpublish",
                json!({"reason": reason}),
            )
            .await
        }
    }
}

async fn finish(
    tx: Tx,
    who: &Who,
    t: &TypicalCase,
    action: &'static str,
    summary: serde_json::Value,
) -> AppResult<()> {
    let entry = Entry::new(action, RESOURCE)
        .object(t.id, Some(t.office_unit_id))
        .summary(summary);
    crate::procedure::finish(tx, who, entry).await
}

// ---- the yearly collection ----

/// The typical cases signed in `year` within scope, oldest first, as the collection holds
/// them.
pub async fn signed_in(db: &Db, scope: &Scope, year: i32) -> Result<Vec<TypicalCase>, sqlx::Error> {
    let mut q = Sql::new(SELECT);
    q.push("t.state <> 'pending' AND ");
    year_range(&mut q, "t.signed_at", year);
    q.push(" AND ");
    q.append(parties_in_scope(scope, RESOURCE, "t.id"));
    q.push(" ORDER BY t.signed_at, t.id");
    q.query_as().fetch_all(&db.pool).await
}

/// The yearly collection of typical cases for the leaders (典型案例汇编): every write-up
/// signed in `year` within the reader's scope, each under its number, as one PDF.
pub async fn collection(ctx: &Ctx, actor: &Actor, who: &Who, year: i32) -> AppResult<Vec<u8>> {
    let scope = read_scope(actor)?;
    let rows = signed_in(&ctx.db, &scope, year).await?;
    let issuer = issuer_of(&ctx.db.pool, actor.unit_id).await?;
    let mut body = Vec::new();
    if rows.is_empty() {
        body.push(Paragraph::text(format!("{year}年尚无已签发的典型案例。")));
    } else {
        body.push(Paragraph::text(format!(
            "现将{year}年打击侵犯知识产权和制售假冒伪劣商品典型案例{}件汇编如下，供领导参阅。",
            rows.len()
        )));
    }
    for (i, t) in rows.iter().enumerate() {
        body.push(Paragraph::heading1(format!(
            "{}、{}",
            crate::domain::chinese_ordinal(i + 1),
            t.title
        )));
        body.push(Paragraph::text(format!(
            "（{}，{}）",
            t.number.as_deref().unwrap_or(""),
            t.source_unit_name
        )));
        // The write-up's own headings become second-level ones inside the collection, numbered
        // as such: 「一、基本案情」 under 「一、某案」 reads 「（一）基本案情」 (GB/T 9704-2012 7.3.3).
        for l in t.text.lines().map(str::trim).filter(|l| !l.is_empty()) {
            if model::is_heading(l) {
                let second = l
                    .split_once('、')
                    .map(|(n, rest)| format!("（{n}）{rest}"))
                    .unwrap_or_else(|| l.to_string());
                body.push(Paragraph::heading2(second));
            } else {
                body.push(Paragraph::text(l));
            }
        }
    }
    let doc = OfficialDocument {
        issuer: issuer.clone(),
        joint_issuers: Vec::new(),
        number: String::new(),
        mark: None,
        title: format!("{year}年打击侵权假冒典型案例汇编"),
        addressee: "领导小组各位领导".to_string(),
        body,
        attachments: Vec::new(),
        signature: issuer,
        date: who.today(),
        copy_to: Vec::new(),
        contact: None,
    };
    ctx.render_pdf(doc).await
}

// ---- the public pages ----

/// A typical case as the public reads it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
#[schema(as = PublicTypicalCase)]
pub struct PublicCase {
    pub id: i64,
    pub title: String,
    pub text: String,
    pub number: Option<String>,
    /// The leading group that published it.
    pub issuer: String,
    pub published_on: String,
}

const PUBLIC: &str = "SELECT t.id, t.title, t.text, t.number, COALESCE(p.name, o.name) AS issuer, t.published_on \
    FROM typical_cases t JOIN units o ON o.id = t.office_unit_id LEFT JOIN units p ON p.id = o.parent_id \
    WHERE t.state = 'published' AND t.published_on IS NOT NULL";

/// What is published, newest first.
pub async fn public_list(db: &Db, w: Window) -> Result<Vec<PublicCase>, sqlx::Error> {
    let mut q = Sql::new(PUBLIC);
    q.push(" ORDER BY t.published_on DESC, t.id DESC");
    q.push(&w.sql());
    q.query_as().fetch_all(&db.pool).await
}

/// One published typical case; `None` for anything not published now.
pub async fn public_get(db: &Db, id: i64) -> Result<Option<PublicCase>, sqlx::Error> {
    let mut q = Sql::new(PUBLIC);
    q.push(" AND t.id = ").bind(id);
    q.query_as().fetch_optional(&db.pool).await
}
