//! Listings on the serious-violation list: read within the reader's scope, each step one
//! transaction through the procedure kernel, and the public lookup of what is listed.

use chrono::NaiveDate;
use serde::Serialize;
use serde_json::json;

use super::disclosure::DecisionState;
use super::listing::{self, ListingState, Periods, Standing, Step};
use super::settings::CreditPeriods;
use crate::access::sql::parties_in_scope;
use crate::access::{Action, Actor, Resource, Scope};
use crate::audit::{Entry, Who};
use crate::calendar::Calendar;
use crate::db::query::{Sql, Window};
use crate::db::{Db, Tx};
use crate::deadline::store::{Change, NewDeadline, settle_for_record};
use crate::domain::resident_id::ResidentId;
use crate::domain::{FieldErrors, text};
use crate::error::{AppError, AppResult, OnConstraint};

pub const RESOURCE: &str = "listing";

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
#[schema(as = CreditListing)]
pub struct Listing {
    pub id: i64,
    pub decision_id: i64,
    pub decision_number: String,
    pub decision_state: String,
    pub organ_unit_id: i64,
    pub organ_name: String,
    pub party_name: String,
    pub credit_code: Option<String>,
    pub state: String,
    pub aggravated_fine: i64,
    pub reasons: String,
    pub notified_on: String,
    pub statement_due: String,
    pub statement: Option<String>,
    pub hearing_requested: i64,
    pub decided_on: Option<String>,
    pub decision_reasons: Option<String>,
    pub listed_until: Option<String>,
    pub repair_from: Option<String>,
    pub repair_applied_on: Option<String>,
    pub repair_text: Option<String>,
    pub ended_on: Option<String>,
    pub end_reason: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

impl Listing {
    pub fn listing_state(&self) -> AppResult<ListingState> {
        ListingState::parse(&self.state)
            .ok_or_else(|| AppError::internal(format!("listing {} state {}", self.id, self.state)))
    }
    pub fn state_label(&self) -> &'static str {
        ListingState::label_of(&self.state)
    }
}

const SELECT: &str = "SELECT l.id, l.decision_id, p.number AS decision_number, p.decision_state, l.organ_unit_id, \
    u.name AS organ_name, l.party_name, l.credit_code, l.state, l.aggravated_fine, l.reasons, l.notified_on, \
    l.statement_due, l.statement, l.hearing_requested, l.decided_on, l.decision_reasons, l.listed_until, \
    l.repair_from, l.repair_applied_on, l.repair_text, l.ended_on, l.end_reason, l.created_at, l.updated_at \
    FROM credit_listings l JOIN penalty_decisions p ON p.id = l.decision_id \
    JOIN units u ON u.id = l.organ_unit_id WHERE ";

pub fn read_scope(actor: &Actor) -> AppResult<Scope> {
    actor.require(Resource::Penalty, Action::Read)
}

pub async fn get(db: &Db, scope: &Scope, id: i64) -> Result<Option<Listing>, sqlx::Error> {
    let mut q = Sql::new(SELECT);
    q.push("l.id = ").bind(id).push(" AND ");
    q.append(parties_in_scope(scope, RESOURCE, "l.id"));
    q.query_as().fetch_optional(&db.pool).await
}

async fn get_tx(tx: &mut Tx, id: i64) -> Result<Option<Listing>, sqlx::Error> {
    let mut q = Sql::new(SELECT);
    q.push("l.id = ").bind(id);
    q.query_as().fetch_optional(&mut **tx).await
}

/// The listings started from decision `decision_id`, newest first (the decision's page).
pub async fn for_decision(
    db: &Db,
    scope: &Scope,
    decision_id: i64,
) -> Result<Vec<Listing>, sqlx::Error> {
    let mut q = Sql::new(SELECT);
    q.push("l.decision_id = ").bind(decision_id).push(" AND ");
    q.append(parties_in_scope(scope, RESOURCE, "l.id"));
    q.push(" ORDER BY l.id DESC");
    q.query_as().fetch_all(&db.pool).await
}

/// A linked person (the legal representative, a person responsible), the resident ID masked.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
#[schema(as = CreditListingPerson)]
pub struct Person {
    pub role: String,
    pub name: String,
    #[serde(skip)]
    pub resident_id: Option<String>,
}

impl Person {
    pub fn role_label(&self) -> &'static str {
        match self.role.as_str() {
            "legal_representative" => "法定代表人（负责人）",
            _ => "违法行为责任人",
        }
    }
    pub fn masked_id(&self, today: NaiveDate) -> Option<String> {
        self.resident_id.as_deref().map(|id| {
            ResidentId::parse(id, today).map_or_else(|| "******".to_string(), |r| r.masked())
        })
    }
}

pub async fn persons(db: &Db, id: i64) -> Result<Vec<Person>, sqlx::Error> {
    sqlx::query_as(
        "SELECT role, name, resident_id FROM credit_listing_persons WHERE listing_id = $1 ORDER BY id",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
#[schema(as = CreditListingEvent)]
pub struct EventRow {
    pub step: String,
    pub actor_name: String,
    pub body: String,
    pub at: String,
}

pub async fn events(db: &Db, id: i64) -> Result<Vec<EventRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT step, actor_name, body, at FROM credit_listing_events WHERE listing_id = $1 ORDER BY id",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await
}

async fn event(tx: &mut Tx, id: i64, who: &Who, step: &str, body: &str) -> AppResult<()> {
    let at = who.at_text();
    sqlx::query(
        "INSERT INTO credit_listing_events (listing_id, step, actor_name, body, at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(id)
    .bind(step)
    .bind(&who.name)
    .bind(body)
    .bind(&at)
    .execute(&mut **tx)
    .await?;
    sqlx::query("UPDATE credit_listings SET updated_at = $1 WHERE id = $2")
        .bind(&at)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    crate::access::parties::touch(tx, RESOURCE, id, &at).await?;
    Ok(())
}

/// A person linked to the listing as submitted.
#[derive(Debug, Clone, Default, serde::Deserialize, Serialize, utoipa::ToSchema)]
#[schema(as = CreditListingPersonInput)]
#[serde(deny_unknown_fields)]
pub struct PersonInput {
    /// `legal_representative` or `responsible`.
    pub role: String,
    pub name: String,
    /// The resident ID number, if known.
    #[serde(default)]
    pub resident_id: Option<String>,
}

/// The start of a listing as submitted: the decision it rests on, why, who is linked, and the
/// day the party was told (its statement window runs from there).
#[derive(Debug, Clone, Default, serde::Deserialize, Serialize, utoipa::ToSchema)]
#[schema(as = CreditListingInput)]
#[serde(deny_unknown_fields)]
pub struct ListingInput {
    #[serde(deserialize_with = "crate::web::step::id_text")]
    #[schema(value_type = i64)]
    pub decision_id: String,
    /// The fine was set under the aggravating rule of the discretion benchmark (从重处罚).
    #[serde(default)]
    pub aggravated_fine: bool,
    /// The grounds and basis of the listing, as told to the party.
    pub reasons: String,
    /// The day the notice (告知书) was served (YYYY-MM-DD).
    pub notified_on: String,
    #[serde(default)]
    pub persons: Vec<PersonInput>,
}

struct NewPerson {
    role: &'static str,
    name: String,
    resident_id: Option<String>,
}

fn parse_persons(input: &[PersonInput], today: NaiveDate, e: &mut FieldErrors) -> Vec<NewPerson> {
    let mut out = Vec::new();
    for (i, p) in input.iter().enumerate() {
        let role = match p.role.as_str() {
            "legal_representative" => Some("legal_representative"),
            "responsible" => Some("responsible"),
            _ => {
                e.add(
                    &format!("persons.{i}.role"),
                    "invalid_choice",
                    "请选择法定代表人（负责人）或违法行为责任人",
                );
                None
            }
        };
        let name = e.take(text::required(
            &format!("persons.{i}.name"),
            "姓名",
            &p.name,
            30,
        ));
        let resident_id = match p.resident_id.as_deref().map(str::trim) {
            None | Some("") => Some(None),
            Some(raw) => e
                .take(ResidentId::field(
                    &format!("persons.{i}.resident_id"),
                    raw,
                    today,
                ))
                .map(|id| Some(id.as_str().to_string())),
        };
        if let (Some(role), Some(name), Some(resident_id)) = (role, name, resident_id) {
            out.push(NewPerson {
                role,
                name,
                resident_id,
            });
        }
    }
    if input.len() > 20 {
        e.add("persons", "too_long", "关联人员不能超过20人");
    }
    out
}

/// Start a listing from the organ's effective heavier penalty decision: the party was told
/// (on `notified_on`) and has its window to state its case or ask for a hearing, a clock.
pub async fn propose(
    db: &Db,
    cal: &Calendar,
    defaults: &CreditPeriods,
    actor: &Actor,
    who: &Who,
    input: &ListingInput,
) -> AppResult<i64> {
    let today = who.today();
    let mut e = FieldErrors::new();
    let decision_id = e.take(text::id("decision_id", "行政处罚决定", &input.decision_id));
    let reasons = e.take(text::required_long(
        "reasons",
        "列入的事由和依据",
        &input.reasons,
        2000,
    ));
    let notified_on = e.take(crate::domain::date::not_after(
        "notified_on",
        "告知书送达日期",
        &input.notified_on,
        today,
    ));
    let persons = parse_persons(&input.persons, today, &mut e);
    let (Some(decision_id), Some(reasons), Some(notified_on)) = (decision_id, reasons, notified_on)
    else {
        return Err(e.into());
    };
    if !e.is_empty() {
        return Err(e.into());
    }
    let scope = super::store::read_scope(actor)?;
    let d = super::store::get(db, &scope, decision_id)
        .await?
        .ok_or_else(|| AppError::field("decision_id", "not_found", "行政处罚决定不存在"))?;
    let eligible = |d: &super::store::Decision| {
        listing::may_propose(
            actor.unit_id == d.organ_unit_id
                && actor.roles.iter().any(|r| {
                    matches!(
                        r,
                        crate::access::Role::UnitLiaison
                            | crate::access::Role::UnitHandler
                            | crate::access::Role::UnitHead
                    )
                }),
            d.decision().unwrap_or(DecisionState::Effective),
            &d.penalty_kinds(),
            input.aggravated_fine,
        )
        .map_err(|r| AppError::field("decision_id", "not_allowed", r.to_string()))
    };
    eligible(&d)?;
    let now = who.at_text();
    let mut tx = db.begin().await?;
    let periods = CreditPeriods::for_organ(&mut tx, d.organ_unit_id, defaults)
        .await?
        .listings;
    let statement_due = cal
        .due_date(notified_on, periods.statement())
        .map_err(|e| AppError::conflict("calendar_year_missing", e.to_string()))?;
    // The decision as it stands now: a revocation recorded meanwhile stops the listing.
    crate::procedure::lock(&mut tx, "penalty_decisions", decision_id).await?;
    let locked: Option<String> =
        sqlx::query_scalar("SELECT decision_state FROM penalty_decisions WHERE id = $1")
            .bind(decision_id)
            .fetch_optional(&mut *tx)
            .await?;
    if locked.as_deref() != Some("effective") {
        return Err(AppError::conflict(
            "step_refused",
            "该行政处罚决定已被撤销或变更，不能据以列入",
        ));
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO credit_listings (decision_id, organ_unit_id, party_name, credit_code, state, aggravated_fine, \
         reasons, notified_on, statement_due, created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, 'notified', $5, $6, $7, $8, $9, $10, $10) RETURNING id",
    )
    .bind(decision_id)
    .bind(d.organ_unit_id)
    .bind(&d.party_name)
    .bind(&d.credit_code)
    .bind(i64::from(input.aggravated_fine))
    .bind(&reasons)
    .bind(notified_on.to_string())
    .bind(statement_due.to_string())
    .bind(actor.user_id)
    .bind(&now)
    .fetch_one(&mut *tx)
    .await
    .on_unique("credit_listings", || {
        AppError::field(
            "decision_id",
            "taken",
            "该行政处罚决定已在列入程序中或已列入",
        )
    })?;
    for p in &persons {
        sqlx::query(
            "INSERT INTO credit_listing_persons (listing_id, role, name, resident_id) VALUES ($1, $2, $3, $4)",
        )
        .bind(id)
        .bind(p.role)
        .bind(&p.name)
        .bind(&p.resident_id)
        .execute(&mut *tx)
        .await?;
    }
    crate::access::parties::add(&mut tx, RESOURCE, id, d.organ_unit_id, "organ", &now).await?;
    crate::deadline::store::open(
        &mut tx,
        cal,
        who,
        &NewDeadline {
            purpose: format!("{}陈述、申辩或者要求听证", d.party_name),
            clause: listing::STATEMENT_CLAUSE.into(),
            start_event: "送达列入严重违法失信名单告知书".into(),
            start: notified_on,
            rule: periods.statement(),
            record_type: Some(RESOURCE.into()),
            record_id: Some(id),
            owner_unit_id: d.organ_unit_id,
            owner_user_id: None,
        },
    )
    .await?;
    event(
        &mut tx,
        id,
        who,
        "notified",
        &format!(
            "拟列入严重违法失信名单，{}送达告知书：{reasons}",
            crate::calendar::date_zh(notified_on)
        ),
    )
    .await?;
    crate::procedure::finish(
        tx,
        who,
        Entry::new("listing.propose", RESOURCE)
            .object(id, Some(d.organ_unit_id))
            .summary(json!({"decision_id": decision_id, "persons": persons.len()})),
    )
    .await?;
    Ok(id)
}

pub fn standing(actor: &Actor, l: &Listing, today: NaiveDate) -> Standing {
    let t = today.to_string();
    Standing {
        organ: actor.unit_id == l.organ_unit_id,
        heard: l.statement.is_some() || l.statement_due.as_str() < t.as_str(),
        repair_pending: l.repair_applied_on.is_some(),
        repair_open: l.repair_from.as_deref().is_some_and(|f| f <= t.as_str()),
        expired: l.listed_until.as_deref().is_some_and(|u| u <= t.as_str()),
    }
}

impl crate::procedure::Record for Listing {
    const TABLE: &'static str = "credit_listings";
    const CHANGED: &'static str = "该名单记录已被他人更新，请刷新页面后重试";
    fn state_code(&self) -> &str {
        &self.state
    }
    async fn read(tx: &mut Tx, id: i64) -> Result<Option<Self>, sqlx::Error> {
        get_tx(tx, id).await
    }
}

impl crate::procedure::Procedure for Listing {
    type Step = (Step, NaiveDate);
    type State = ListingState;
    async fn visible(db: &Db, actor: &Actor, id: i64) -> AppResult<Option<Self>> {
        Ok(get(db, &read_scope(actor)?, id).await?)
    }
    async fn authorise(
        _db: &Db,
        actor: &Actor,
        l: &Self,
        (step, today): (Step, NaiveDate),
    ) -> AppResult<ListingState> {
        listing::check(
            l.listing_state()?,
            step,
            &actor.roles,
            standing(actor, l, today),
        )
        .map_err(|r| AppError::conflict("step_refused", r.to_string()))
    }
    fn recheck(locked: &Self, (step, _): (Step, NaiveDate)) -> AppResult<()> {
        // Steps that keep the state are taken once: a second application, a second refusal.
        let changed = match step {
            Step::ApplyRepair => locked.repair_applied_on.is_some(),
            Step::RejectRepair => locked.repair_applied_on.is_none(),
            _ => false,
        };
        if changed {
            return Err(AppError::conflict(
                "step_refused",
                <Listing as crate::procedure::Record>::CHANGED,
            ));
        }
        Ok(())
    }
}

/// A step as submitted (`{"step": …, "text": …}`; a statement may say a hearing was asked for).
#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
#[schema(as = CreditListingStep)]
#[serde(deny_unknown_fields)]
pub struct ListingStep {
    pub step: Step,
    #[serde(default, deserialize_with = "crate::web::step::or_default")]
    pub text: String,
    /// With `record_statement`: the party asked for a hearing.
    #[serde(default)]
    pub hearing: bool,
}

/// Take a step on a listing: one transaction with its clocks, the history and the audit.
pub async fn run(
    db: &Db,
    cal: &Calendar,
    defaults: &CreditPeriods,
    actor: &Actor,
    who: &Who,
    id: i64,
    input: ListingStep,
) -> AppResult<()> {
    let step = input.step;
    let today = who.today();
    let label = match step {
        Step::RecordStatement => "陈述、申辩的内容或听证要求",
        Step::List => "列入的理由",
        Step::DecideNotToList => "不予列入的理由",
        Step::ApplyRepair => "信用修复情况（已履行处罚、整改等）",
        Step::ApproveRepair => "提前移出的理由",
        Step::RejectRepair => "不予提前移出的理由",
        Step::Expire => "说明",
        Step::Revoke => "撤销列入决定的理由",
    };
    let text = if step == Step::Expire {
        text::optional("text", label, Some(&input.text), 2000)?
            .unwrap_or_else(|| "列入期限届满，移出名单".into())
    } else {
        text::required_long("text", label, &input.text, 2000)?
    };
    let (mut tx, l, next) =
        crate::procedure::begin::<Listing>(db, actor, id, (step, today)).await?;
    let periods = CreditPeriods::for_organ(&mut tx, l.organ_unit_id, defaults)
        .await?
        .listings;
    let t = today.to_string();
    let clock = |clause: &'static str, purpose: String, start_event: &str, rule| NewDeadline {
        purpose,
        clause: clause.into(),
        start_event: start_event.into(),
        start: today,
        rule,
        record_type: Some(RESOURCE.into()),
        record_id: Some(id),
        owner_unit_id: l.organ_unit_id,
        owner_user_id: None,
    };
    let mut to_settle: Vec<(&'static str, Change)> = Vec::new();
    match step {
        Step::RecordStatement => {
            // A party may state its case more than once within its window (a statement, then a
            // hearing request): each is kept, dated, never overwritten. The row is locked.
            let dated = format!("{}：{text}", crate::calendar::date_zh(today));
            let all = match l.statement.as_deref() {
                Some(before) => format!("{before}\n{dated}"),
                None => dated,
            };
            sqlx::query(
                "UPDATE credit_listings SET statement = $1, hearing_requested = $2 WHERE id = $3",
            )
            .bind(&all)
            .bind(i64::from(input.hearing || l.hearing_requested == 1))
            .bind(id)
            .execute(&mut *tx)
            .await?;
            to_settle.push((listing::STATEMENT_CLAUSE, Change::Met { on: today }));
        }
        Step::List => {
            let until = cal
                .due_date(today, periods.listing())
                .map_err(|e| AppError::conflict("calendar_year_missing", e.to_string()))?;
            let repair_from = cal
                .due_date(today, periods.repair_after())
                .map_err(|e| AppError::conflict("calendar_year_missing", e.to_string()))?;
            sqlx::query(
                "UPDATE credit_listings SET decided_on = $1, decision_reasons = $2, listed_until = $3, \
                 repair_from = $4 WHERE id = $5",
            )
            .bind(&t)
            .bind(&text)
            .bind(until.to_string())
            .bind(repair_from.to_string())
            .bind(id)
            .execute(&mut *tx)
            .await?;
            to_settle.push((
                listing::STATEMENT_CLAUSE,
                Change::Waive {
                    reason: "已作出列入决定".into(),
                },
            ));
            crate::deadline::store::open(
                &mut tx,
                cal,
                who,
                &clock(
                    listing::PERIOD_CLAUSE,
                    format!("列入期满移出严重违法失信名单：{}", l.party_name),
                    "决定列入严重违法失信名单",
                    periods.listing(),
                ),
            )
            .await?;
        }
        Step::DecideNotToList => {
            sqlx::query(
                "UPDATE credit_listings SET decided_on = $1, decision_reasons = $2, ended_on = $1, \
                 end_reason = $2 WHERE id = $3",
            )
            .bind(&t)
            .bind(&text)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            to_settle.push((
                listing::STATEMENT_CLAUSE,
                Change::Waive {
                    reason: "决定不予列入".into(),
                },
            ));
        }
        Step::ApplyRepair => {
            sqlx::query(
                "UPDATE credit_listings SET repair_applied_on = $1, repair_text = $2 WHERE id = $3",
            )
            .bind(&t)
            .bind(&text)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            crate::deadline::store::open(
                &mut tx,
                cal,
                who,
                &clock(
                    listing::REPAIR_CLAUSE,
                    format!("决定是否提前移出：{}", l.party_name),
                    "收到信用修复申请",
                    periods.repair_decision(),
                ),
            )
            .await?;
        }
        Step::ApproveRepair | Step::Expire => {
            sqlx::query("UPDATE credit_listings SET ended_on = $1, end_reason = $2 WHERE id = $3")
                .bind(&t)
                .bind(&text)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            if step == Step::ApproveRepair {
                to_settle.push((listing::REPAIR_CLAUSE, Change::Met { on: today }));
                to_settle.push((
                    listing::PERIOD_CLAUSE,
                    Change::Waive {
                        reason: "信用修复后提前移出".into(),
                    },
                ));
            } else {
                to_settle.push((listing::PERIOD_CLAUSE, Change::Met { on: today }));
            }
        }
        Step::RejectRepair => {
            sqlx::query(
                "UPDATE credit_listings SET repair_applied_on = NULL, repair_text = NULL WHERE id = $1",
            )
            .bind(id)
            .execute(&mut *tx)
            .await?;
            to_settle.push((listing::REPAIR_CLAUSE, Change::Met { on: today }));
        }
        Step::Revoke => {
            sqlx::query("UPDATE credit_listings SET ended_on = $1, end_reason = $2 WHERE id = $3")
                .bind(&t)
                .bind(&text)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            to_settle.push((listing::REVOKE_CLAUSE, Change::Met { on: today }));
            for clause in [
                listing::STATEMENT_CLAUSE,
                listing::PERIOD_CLAUSE,
                listing::REPAIR_CLAUSE,
            ] {
                to_settle.push((
                    clause,
                    Change::Waive {
                        reason: "列入决定已撤销".into(),
                    },
                ));
            }
        }
    }
    for (clause, change) in to_settle {
        settle_for_record(&mut tx, cal, who, RESOURCE, id, clause, change).await?;
    }
    let body = match step {
        Step::RecordStatement if input.hearing => format!("当事人要求听证：{text}"),
        _ => format!("{}：{text}", step.label()),
    };
    event(&mut tx, id, who, step.code(), &body).await?;
    crate::procedure::transition::<Listing>(&mut tx, id, &l.state, next.code()).await?;
    crate::procedure::finish(
        tx,
        who,
        Entry::new("listing.step", RESOURCE)
            .object(id, Some(l.organ_unit_id))
            .summary(json!({"step": step.code()})),
    )
    .await
}

/// The penalty decision `decision_id` was revoked (inside that step's transaction): each open
/// listing resting on it gets the clock to be revoked within 3 working days.
pub async fn penalty_revoked(
    tx: &mut Tx,
    cal: &Calendar,
    periods: &Periods,
    who: &Who,
    decision_id: i64,
) -> AppResult<usize> {
    let open: Vec<(i64, i64, String)> = sqlx::query_as(
        "SELECT id, organ_unit_id, party_name FROM credit_listings \
         WHERE decision_id = $1 AND state IN ('notified', 'listed')",
    )
    .bind(decision_id)
    .fetch_all(&mut **tx)
    .await?;
    for (id, organ, party) in &open {
        crate::deadline::store::open(
            tx,
            cal,
            who,
            &NewDeadline {
                purpose: format!("撤销对{party}的列入决定"),
                clause: listing::REVOKE_CLAUSE.into(),
                start_event: "所依据的行政处罚决定被撤销".into(),
                start: who.today(),
                rule: periods.revoke(),
                record_type: Some(RESOURCE.into()),
                record_id: Some(*id),
                owner_unit_id: *organ,
                owner_user_id: None,
            },
        )
        .await?;
        event(
            tx,
            *id,
            who,
            "penalty_revoked",
            "所依据的行政处罚决定已被撤销或变更，应当撤销列入决定",
        )
        .await?;
    }
    Ok(open.len())
}

/// What the public lookup shows of a listing in force.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
#[schema(as = CreditListingPublicRow)]
pub struct PublicRow {
    pub id: i64,
    pub party_name: String,
    pub credit_code: Option<String>,
    pub organ_name: String,
    pub reasons: String,
    pub decided_on: String,
    pub listed_until: String,
    /// The legal representative's name, when linked.
    pub legal_representative: Option<String>,
}

/// Listings in force (listed, the penalty still effective, the period not over), by credit
/// code or part of the name, newest first.
pub async fn public_search(
    db: &Db,
    today: NaiveDate,
    credit_code: Option<&str>,
    name: Option<&str>,
    w: Window,
) -> Result<Vec<PublicRow>, sqlx::Error> {
    let mut q = Sql::new(
        "SELECT l.id, l.party_name, l.credit_code, u.name AS organ_name, l.reasons, \
         COALESCE(l.decided_on, '') AS decided_on, COALESCE(l.listed_until, '') AS listed_until, \
         (SELECT MIN(cp.name) FROM credit_listing_persons cp WHERE cp.listing_id = l.id \
           AND cp.role = 'legal_representative') AS legal_representative \
         FROM credit_listings l JOIN penalty_decisions p ON p.id = l.decision_id \
         JOIN units u ON u.id = l.organ_unit_id \
         WHERE l.state = 'listed' AND p.decision_state = 'effective' AND l.listed_until > ",
    );
    q.bind(today.to_string());
    if let Some(c) = credit_code {
        q.push(" AND l.credit_code = ").bind(c.to_string());
    }
    if let Some(n) = name {
        // The full name, on its index.
        q.push(" AND l.party_name = ").bind(n.to_string());
    }
    q.push(" ORDER BY l.decided_on DESC, l.id DESC");
    q.push(&w.sql());
    q.query_as().fetch_all(&db.pool).await
}
