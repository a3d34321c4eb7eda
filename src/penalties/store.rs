//! Penalty decisions within the reader's data scope, each step as one transaction through the
//! procedure kernel, and the public lookup of what is published.

use chrono::NaiveDate;
use serde::Serialize;
use serde_json::json;

use super::disclosure::{
    self, DecisionState, Exemption, PenaltyKind, PublicationState, Standing, Step,
};
use super::model::{DecisionInput, NewDecision, Party};
use super::redaction::{self, Context, Field, Redacted};
use super::settings::CreditPeriods;
use crate::access::sql::parties_in_scope;
use crate::access::{Action, Actor, Resource, Scope};
use crate::audit::{Entry, Who};
use crate::calendar::Calendar;
use crate::db::query::{Sql, Window, like_escape};
use crate::db::{Db, Tx};
use crate::deadline::store::{Change, NewDeadline, settle_for_record};
use crate::error::{AppError, AppResult, OnConstraint};

pub const RESOURCE: &str = "penalty";

/// A decision as stored (the party's resident ID never leaves storage in full).
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
#[schema(as = PenaltyDecision)]
pub struct Decision {
    pub id: i64,
    pub number: String,
    pub organ_unit_id: i64,
    pub organ_name: String,
    pub case_id: Option<i64>,
    pub party_kind: String,
    pub party_name: String,
    pub credit_code: Option<String>,
    #[serde(skip)]
    pub resident_id: Option<String>,
    pub legal_representative: Option<String>,
    pub party_address: Option<String>,
    pub facts: String,
    pub provisions: String,
    /// Penalty kind codes, comma-separated.
    pub kinds: String,
    pub fine_fen: Option<i64>,
    pub confiscated_fen: Option<i64>,
    pub penalty: String,
    pub basis: String,
    pub procedure_kind: String,
    pub decided_on: String,
    /// Other natural persons named, one per line (redacted in the publication).
    pub other_persons: String,
    /// Trade-secret phrases, one per line (withheld).
    pub trade_secrets: String,
    /// The publication's state.
    pub state: String,
    pub decision_state: String,
    /// Why it is outside the scope of publication, when it is.
    pub out_of_scope: Option<String>,
    pub exemption: Option<String>,
    pub exemption_reason: Option<String>,
    pub revoked_on: Option<String>,
    pub revoke_reason: Option<String>,
    /// The reviewer's own redactions: JSON `[{field, phrase}]`.
    #[serde(skip)]
    pub extra_redactions: Option<String>,
    pub published_on: Option<String>,
    pub display_until: Option<String>,
    pub taken_down_on: Option<String>,
    pub takedown_note: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

impl Decision {
    pub fn publication_state(&self) -> AppResult<PublicationState> {
        PublicationState::parse(&self.state)
            .ok_or_else(|| AppError::internal(format!("penalty {} state {}", self.id, self.state)))
    }
    pub fn decision(&self) -> Option<DecisionState> {
        DecisionState::parse(&self.decision_state)
    }
    pub fn state_label(&self) -> &'static str {
        PublicationState::label_of(&self.state)
    }
    pub fn penalty_kinds(&self) -> Vec<PenaltyKind> {
        self.kinds
            .split(',')
            .filter_map(PenaltyKind::parse)
            .collect()
    }
    fn lines(s: &str) -> Vec<String> {
        s.lines()
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect()
    }
    fn extras(&self) -> Vec<Hide> {
        self.extra_redactions
            .as_deref()
            .and_then(|j| serde_json::from_str(j).ok())
            .unwrap_or_default()
    }
    /// A resident ID as the reader may see it: masked.
    pub fn resident_id_masked(&self, today: NaiveDate) -> Option<String> {
        self.resident_id.as_deref().map(|id| {
            crate::domain::resident_id::ResidentId::parse(id, today)
                .map_or_else(|| "******".to_string(), |r| r.masked())
        })
    }
}

/// A span the reviewer hides: every occurrence of `phrase` in `field`.
#[derive(Debug, Clone, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[schema(as = PenaltyHide)]
pub struct Hide {
    #[schema(value_type = String)]
    pub field: Field,
    pub phrase: String,
}

const SELECT: &str = "SELECT p.id, p.number, p.organ_unit_id, u.name AS organ_name, p.case_id, p.party_kind, \
    p.party_name, p.credit_code, p.resident_id, p.legal_representative, p.party_address, p.facts, p.provisions, \
    p.kinds, p.fine_fen, p.confiscated_fen, p.penalty, p.basis, p.procedure_kind, p.decided_on, p.other_persons, \
    p.trade_secrets, p.state, p.decision_state, p.out_of_scope, p.exemption, p.exemption_reason, p.revoked_on, \
    p.revoke_reason, p.extra_redactions, p.published_on, p.display_until, p.taken_down_on, p.takedown_note, \
    p.created_at, p.updated_at FROM penalty_decisions p JOIN units u ON u.id = p.organ_unit_id WHERE ";

pub fn read_scope(actor: &Actor) -> AppResult<Scope> {
    actor.require(Resource::Penalty, Action::Read)
}

pub async fn get(db: &Db, scope: &Scope, id: i64) -> Result<Option<Decision>, sqlx::Error> {
    let mut q = Sql::new(SELECT);
    q.push("p.id = ").bind(id).push(" AND ");
    q.append(parties_in_scope(scope, RESOURCE, "p.id"));
    q.query_as().fetch_optional(&db.pool).await
}

async fn get_tx(tx: &mut Tx, id: i64) -> Result<Option<Decision>, sqlx::Error> {
    let mut q = Sql::new(SELECT);
    q.push("p.id = ").bind(id);
    q.query_as().fetch_optional(&mut **tx).await
}

/// Decisions in scope, newest decision first.
pub async fn list(db: &Db, scope: &Scope, w: Window) -> Result<Vec<Decision>, sqlx::Error> {
    let mut q = Sql::new(SELECT);
    q.append(parties_in_scope(scope, RESOURCE, "p.id"));
    q.push(" ORDER BY p.decided_on DESC, p.id DESC");
    q.push(&w.sql());
    q.query_as().fetch_all(&db.pool).await
}

pub fn standing(actor: &Actor, d: &Decision, today: NaiveDate) -> Standing {
    Standing {
        organ: actor.unit_id == d.organ_unit_id,
        decision: d.decision(),
        expired: d
            .display_until
            .as_deref()
            .is_some_and(|u| u <= today.to_string().as_str()),
    }
}

/// The publication generated from the decision's fields, personal data redacted, the
/// reviewer's own redactions applied; refused for a never-redacted field.
pub fn publication(d: &Decision, extra: &[Hide]) -> AppResult<Vec<Redacted>> {
    let other_persons = Decision::lines(&d.other_persons);
    let trade_secrets = Decision::lines(&d.trade_secrets);
    let cx = Context {
        party_is_enterprise: d.party_kind == "enterprise",
        party_name: &d.party_name,
        legal_representative: d.legal_representative.as_deref(),
        other_persons: &other_persons,
        trade_secrets: &trade_secrets,
    };
    let decided = NaiveDate::parse_from_str(&d.decided_on, "%Y-%m-%d")
        .map(crate::calendar::date_zh)
        .unwrap_or_else(|_| d.decided_on.clone());
    let mut fields: Vec<(Field, String)> = vec![
        (Field::DecisionNumber, d.number.clone()),
        (Field::Organ, d.organ_name.clone()),
        (Field::PartyName, d.party_name.clone()),
    ];
    if let Some(c) = &d.credit_code {
        fields.push((Field::CreditCode, c.clone()));
    }
    if let Some(l) = &d.legal_representative {
        fields.push((Field::LegalRepresentative, l.clone()));
    }
    fields.extend([
        (Field::Facts, d.facts.clone()),
        (Field::Provisions, d.provisions.clone()),
        (Field::Penalty, d.penalty.clone()),
        (Field::Basis, d.basis.clone()),
        (Field::DecidedOn, decided),
    ]);
    let mut out = Vec::new();
    for (field, text) in fields {
        let mut r = redaction::redact(field, &text, &cx);
        for h in extra.iter().filter(|h| h.field == field) {
            let mut from = 0;
            while let Some(at) = r.original[from..].find(h.phrase.as_str()) {
                let start = from + at;
                let end = start + h.phrase.len();
                r = redaction::redact_extra(&r, start, end, redaction::Kind::TradeSecret)
                    .map_err(|e| AppError::field("hide", "never_redacted", e.to_string()))?;
                from = end;
            }
        }
        out.push(r);
    }
    Ok(out)
}

/// What a published decision shows the public: each field's label and its public text.
#[derive(Debug, Clone, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[schema(as = PenaltyPublicField)]
pub struct PublicField {
    pub field: String,
    pub label: String,
    pub text: String,
}

fn public_fields(p: &[Redacted]) -> Vec<PublicField> {
    p.iter()
        .map(|r| PublicField {
            field: r.field.code().to_string(),
            label: r.field.label().to_string(),
            text: r.public.clone(),
        })
        .collect()
}

async fn event(
    tx: &mut Tx,
    id: i64,
    who: &Who,
    unit: Option<i64>,
    step: &str,
    body: &str,
) -> Result<(), sqlx::Error> {
    let at = who.at_text();
    sqlx::query(
        "INSERT INTO penalty_events (decision_id, step, actor_name, unit_id, body, at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id)
    .bind(step)
    .bind(&who.name)
    .bind(unit)
    .bind(body)
    .bind(&at)
    .execute(&mut **tx)
    .await?;
    sqlx::query("UPDATE penalty_decisions SET updated_at = $1 WHERE id = $2")
        .bind(&at)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    crate::access::parties::touch(tx, RESOURCE, id, &at).await
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
#[schema(as = PenaltyEvent)]
pub struct EventRow {
    pub step: String,
    pub actor_name: String,
    pub body: String,
    pub at: String,
}

pub async fn events(db: &Db, id: i64) -> Result<Vec<EventRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT step, actor_name, body, at FROM penalty_events WHERE decision_id = $1 ORDER BY id",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await
}

/// A clock of decision `id` for its organ: the three of disclosure differ only in what they are
/// for and when they start.
fn clock(
    id: i64,
    organ: i64,
    clause: &str,
    purpose: String,
    start_event: String,
    start: NaiveDate,
    rule: crate::calendar::Period,
) -> NewDeadline {
    NewDeadline {
        purpose,
        clause: clause.into(),
        start_event,
        start,
        rule,
        record_type: Some(RESOURCE.into()),
        record_id: Some(id),
        owner_unit_id: organ,
        owner_user_id: None,
    }
}

/// The major case `case_id` as the actor sees it, if it has been concluded: a decision ends a
/// case, so only a concluded one (办结 and after) is linked or gives its data.
async fn concluded_case(
    db: &Db,
    actor: &Actor,
    case_id: i64,
) -> AppResult<crate::cases::store::Case> {
    use crate::cases::flow::CaseState;
    let case = match actor.scope(Resource::Case, Action::Read) {
        Some(s) => crate::cases::store::get(db, &s, case_id).await?,
        None => None,
    }
    .ok_or_else(|| AppError::field("case_id", "not_found", "关联的督办案件不存在"))?;
    if !matches!(
        case.state()?,
        CaseState::Concluded | CaseState::Reported | CaseState::Circulated | CaseState::Archived
    ) {
        return Err(AppError::field(
            "case_id",
            "not_concluded",
            "该案件尚未办结，不能据以登记行政处罚决定",
        ));
    }
    Ok(case)
}

/// A decision to be recorded, filled from the concluded case `case_id` (its party and facts;
/// see `model::FromCase`), for the case's lead unit only.
pub async fn from_case(
    db: &Db,
    actor: &Actor,
    case_id: i64,
    today: NaiveDate,
) -> AppResult<DecisionInput> {
    actor.require(Resource::Penalty, Action::Create)?;
    let case = concluded_case(db, actor, case_id).await?;
    // The lead unit concluded the case and holds its parties' numbers in full: the decision
    // that ends it is drawn up there (another unit may still link its own decision).
    if case.lead_unit_id != Some(actor.unit_id) {
        return Err(AppError::field(
            "case_id",
            "not_lead",
            "只有本案主办单位可以据本案登记行政处罚决定",
        ));
    }
    // The lead unit is entitled to the parties' numbers in full.
    let parties: Vec<(String, String, String)> =
        crate::cases::store::parties(&db.pool, case_id, true, today)
            .await?
            .into_iter()
            .map(|p| (p.kind, p.name, p.code))
            .collect();
    // The closure report (000 §8) once it is in, else the result the lead unit recorded when
    // it concluded the case.
    let closure: Option<String> = sqlx::query_scalar(
        "SELECT body FROM (SELECT body, 1 AS pref, id FROM case_reports WHERE case_id = $1 AND kind = 'closure' \
         UNION ALL SELECT summary AS body, 2 AS pref, id FROM case_events WHERE case_id = $1 AND kind = 'concluded') r \
         ORDER BY pref, id DESC LIMIT 1",
    )
    .bind(case_id)
    .fetch_optional(&db.pool)
    .await?;
    // The conclusion's event reads "2026年3月9日办结：…": the result without its date.
    let closure = closure.map(|c| match c.split_once("办结：") {
        Some((date, rest)) if date.ends_with('日') && date.chars().count() <= 12 => {
            rest.to_string()
        }
        _ => c,
    });
    Ok(super::model::FromCase {
        case_id,
        summary: &case.summary,
        parties: &parties,
        closure: closure.as_deref(),
    }
    .decision())
}

/// Record a decision made by the actor's organ: in one transaction the row, the organ as its
/// party, the 20-working-day clock to publish it when it is in scope (国发〔2014〕6号), the
/// history and the audit.
pub async fn create(
    db: &Db,
    cal: &Calendar,
    defaults: &CreditPeriods,
    actor: &Actor,
    who: &Who,
    input: &DecisionInput,
) -> AppResult<i64> {
    actor.require(Resource::Penalty, Action::Create)?;
    let new = NewDecision::parse(input, who.today())?;
    if let Some(case_id) = new.case_id {
        concluded_case(db, actor, case_id).await?;
    }
    let scope = disclosure::in_scope(new.procedure, &new.kinds).err();
    let state = if scope.is_some() {
        PublicationState::NotPublished
    } else {
        PublicationState::Pending
    };
    let (kind, credit_code, resident_id) = match &new.party {
        Party::Enterprise { code, .. } => ("enterprise", Some(code.as_str().to_string()), None),
        Party::Person { id, .. } => ("person", None, Some(id.as_str().to_string())),
    };
    let kinds: Vec<&str> = new.kinds.iter().map(|k| k.code()).collect();
    let now = who.at_text();
    let mut tx = db.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO penalty_decisions (number, organ_unit_id, case_id, party_kind, party_name, credit_code, \
         resident_id, legal_representative, party_address, facts, provisions, kinds, fine_fen, confiscated_fen, \
         penalty, basis, procedure_kind, decided_on, other_persons, trade_secrets, state, decision_state, \
         out_of_scope, created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, \
         $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, 'effective', $22, $23, $24, $24) RETURNING id",
    )
    .bind(&new.number)
    .bind(actor.unit_id)
    .bind(new.case_id)
    .bind(kind)
    .bind(new.party.name())
    .bind(credit_code)
    .bind(resident_id)
    .bind(&new.legal_representative)
    .bind(&new.party_address)
    .bind(&new.facts)
    .bind(&new.provisions)
    .bind(kinds.join(","))
    .bind(new.fine.map(|f| f.as_i64()))
    .bind(new.confiscated.map(|f| f.as_i64()))
    .bind(&new.penalty)
    .bind(&new.basis)
    .bind(new.procedure.code())
    .bind(new.decided_on.to_string())
    .bind(new.other_persons.join("\n"))
    .bind(new.trade_secrets.join("\n"))
    .bind(state.code())
    .bind(scope)
    .bind(actor.user_id)
    .bind(&now)
    .fetch_one(&mut *tx)
    .await
    .on_unique("penalty_decisions", || {
        AppError::field("number", "taken", "本机关已登记该文号的行政处罚决定")
    })?;
    crate::access::parties::add(&mut tx, RESOURCE, id, actor.unit_id, "organ", &now).await?;
    if scope.is_none() {
        let periods = CreditPeriods::for_organ(&mut tx, actor.unit_id, defaults).await?;
        crate::deadline::store::open(
            &mut tx,
            cal,
            who,
            &clock(
                id,
                actor.unit_id,
                disclosure::PUBLISH_CLAUSE,
                format!("公示行政处罚决定：{}", new.number),
                "作出行政处罚决定".into(),
                new.decided_on,
                disclosure::publish_period(&periods.disclosure),
            ),
        )
        .await?;
    }
    let body = match scope {
        Some(why) => format!("登记行政处罚决定{}；{}", new.number, why),
        None => format!("登记行政处罚决定{}，待保密审查后公示", new.number),
    };
    event(&mut tx, id, who, Some(actor.unit_id), "recorded", &body).await?;
    crate::procedure::finish(
        tx,
        who,
        Entry::new("penalty.record", RESOURCE)
            .object(id, Some(actor.unit_id))
            .summary(json!({"number": new.number, "state": state.code()})),
    )
    .await?;
    Ok(id)
}

/// A step as submitted (`{"step": …, …}`).
#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
#[serde(tag = "step", rename_all = "snake_case")]
#[schema(as = PenaltyStep)]
pub enum PenaltyStep {
    /// 保密审查 (the organ's staff): the phrases to hide beyond the generated redactions.
    Review {
        #[serde(default)]
        hide: Vec<Hide>,
        #[serde(default, deserialize_with = "crate::web::step::or_default")]
        text: String,
    },
    /// 批准公示 (the head): published at once.
    Approve {
        #[serde(default, deserialize_with = "crate::web::step::or_default")]
        text: String,
    },
    /// 退回重新审查 (the head), with the reason.
    Return {
        #[serde(default, deserialize_with = "crate::web::step::or_default")]
        text: String,
    },
    /// 决定不予公示 (the head): the exemption and the reason.
    Exempt {
        #[serde(default, deserialize_with = "crate::web::step::or_default")]
        exemption: String,
        #[serde(default, deserialize_with = "crate::web::step::or_default")]
        text: String,
    },
    /// 登记处罚决定撤销或变更 (the head): `revoked`, `changed`, `annulled` or `illegal`, and the
    /// reason.
    Revoke {
        #[serde(default, deserialize_with = "crate::web::step::or_default")]
        decision_state: String,
        #[serde(default, deserialize_with = "crate::web::step::or_default")]
        text: String,
    },
    /// 撤下公示 (the organ): the note (required after a revocation).
    TakeDown {
        #[serde(default, deserialize_with = "crate::web::step::or_default")]
        text: String,
    },
}

impl PenaltyStep {
    pub fn step(&self) -> Step {
        match self {
            PenaltyStep::Review { .. } => Step::Review,
            PenaltyStep::Approve { .. } => Step::Approve,
            PenaltyStep::Return { .. } => Step::Return,
            PenaltyStep::Exempt { .. } => Step::Exempt,
            PenaltyStep::Revoke { .. } => Step::Revoke,
            PenaltyStep::TakeDown { .. } => Step::TakeDown,
        }
    }
}

impl crate::procedure::Record for Decision {
    const TABLE: &'static str = "penalty_decisions";
    const CHANGED: &'static str = "该行政处罚决定已被他人更新，请刷新页面后重试";
    fn state_code(&self) -> &str {
        &self.state
    }
    async fn read(tx: &mut Tx, id: i64) -> Result<Option<Self>, sqlx::Error> {
        get_tx(tx, id).await
    }
}

impl crate::procedure::Procedure for Decision {
    type Step = (Step, NaiveDate);
    type State = PublicationState;
    async fn visible(db: &Db, actor: &Actor, id: i64) -> AppResult<Option<Self>> {
        Ok(get(db, &read_scope(actor)?, id).await?)
    }
    async fn authorise(
        _db: &Db,
        actor: &Actor,
        d: &Self,
        (step, today): (Step, NaiveDate),
    ) -> AppResult<PublicationState> {
        disclosure::check(
            d.publication_state()?,
            step,
            &actor.roles,
            standing(actor, d, today),
        )
        .map_err(|r| AppError::conflict("step_refused", r.to_string()))
    }
    fn recheck(locked: &Self, (step, _): (Step, NaiveDate)) -> AppResult<()> {
        // Revoking leaves a published publication's state as it is: once only.
        if step == Step::Revoke && locked.decision() != Some(DecisionState::Effective) {
            return Err(AppError::conflict(
                "step_refused",
                <Decision as crate::procedure::Record>::CHANGED,
            ));
        }
        Ok(())
    }
}

/// Take a step on a decision's publication: one transaction with the history and the audit.
#[allow(clippy::too_many_arguments)]
pub async fn run(
    db: &Db,
    cal: &Calendar,
    defaults: &CreditPeriods,
    actor: &Actor,
    who: &Who,
    id: i64,
    input: PenaltyStep,
) -> AppResult<()> {
    let step = input.step();
    let today = who.today();
    let text = |label: &str, raw: &str, required: bool| -> AppResult<Option<String>> {
        if required {
            Ok(Some(crate::domain::text::required_long(
                "text", label, raw, 2000,
            )?))
        } else {
            Ok(crate::domain::text::optional(
                "text",
                label,
                Some(raw),
                2000,
            )?)
        }
    };
    // Parse what the step carries before any lock.
    let mut summary = json!({"step": step.code()});
    let body: String;
    let mut exemption = None;
    let mut revoked_as = None;
    let mut hides = Vec::new();
    match &input {
        PenaltyStep::Review { hide, text: t } => {
            for h in hide {
                let phrase = crate::domain::text::required("hide", "隐去的内容", &h.phrase, 200)?;
                hides.push(Hide {
                    field: h.field,
                    phrase,
                });
            }
            body = text("审查意见", t, false)?.unwrap_or_else(|| "保密审查通过".into());
        }
        PenaltyStep::Approve { text: t } => {
            body = text("审批意见", t, false)?.unwrap_or_else(|| "同意公示".into());
        }
        PenaltyStep::Return { text: t } => body = text("退回的理由", t, true)?.unwrap_or_default(),
        PenaltyStep::Exempt {
            exemption: e,
            text: t,
        } => {
            exemption = Some(Exemption::parse(e).ok_or_else(|| {
                AppError::field("exemption", "invalid_choice", "请选择不予公示的情形")
            })?);
            body = text("不予公示的理由", t, true)?.unwrap_or_default();
        }
        PenaltyStep::Revoke {
            decision_state,
            text: t,
        } => {
            revoked_as = Some(
                DecisionState::parse(decision_state)
                    .filter(|s| *s != DecisionState::Effective)
                    .ok_or_else(|| {
                        AppError::field(
                            "decision_state",
                            "invalid_choice",
                            "请选择处罚决定被撤销、变更、确认无效或确认违法",
                        )
                    })?,
            );
            body = text("撤销或变更的理由", t, true)?.unwrap_or_default();
        }
        PenaltyStep::TakeDown { text: t } => {
            body = text("撤下说明", t, false)?.unwrap_or_default();
        }
    }
    let (mut tx, d, next) =
        crate::procedure::begin::<Decision>(db, actor, id, (step, today)).await?;
    let own = CreditPeriods::for_organ(&mut tx, d.organ_unit_id, defaults).await?;
    let (periods, listings) = (&own.disclosure, &own.listings);
    let unit = Some(actor.unit_id);
    match step {
        Step::Review => {
            let mut all = d.extras();
            all.extend(hides);
            // Refused here for a field that must stay public, before anything is written.
            let p = publication(&d, &all)?;
            let marks: usize = p.iter().map(|r| r.marks.len()).sum();
            sqlx::query("UPDATE penalty_decisions SET extra_redactions = $1 WHERE id = $2")
                .bind(serde_json::to_string(&all).map_err(AppError::internal)?)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            event(
                &mut tx,
                id,
                who,
                unit,
                "reviewed",
                &format!("保密审查：{body}（隐去{marks}处）"),
            )
            .await?;
        }
        Step::Approve => {
            let p = publication(&d, &d.extras())?;
            let kinds = d.penalty_kinds();
            let until = cal
                .due_date(
                    today,
                    disclosure::display_period(&kinds, d.fine_fen, periods),
                )
                .map_err(|e| AppError::conflict("calendar_year_missing", e.to_string()))?;
            sqlx::query(
                "UPDATE penalty_decisions SET published_on = $1, display_until = $2, published_json = $3 \
                 WHERE id = $4",
            )
            .bind(today.to_string())
            .bind(until.to_string())
            .bind(serde_json::to_string(&public_fields(&p)).map_err(AppError::internal)?)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            settle_for_record(
                &mut tx,
                cal,
                who,
                RESOURCE,
                id,
                disclosure::PUBLISH_CLAUSE,
                Change::Met { on: today },
            )
            .await?;
            crate::deadline::store::open(
                &mut tx,
                cal,
                who,
                &clock(
                    id,
                    d.organ_unit_id,
                    disclosure::DISPLAY_CLAUSE,
                    format!("公示期满撤下行政处罚信息：{}", d.number),
                    "公示".into(),
                    today,
                    disclosure::display_period(&kinds, d.fine_fen, periods),
                ),
            )
            .await?;
            summary["display_until"] = json!(until.to_string());
            event(
                &mut tx,
                id,
                who,
                unit,
                "published",
                &format!("{body}；已公示，公示至{}", crate::calendar::date_zh(until)),
            )
            .await?;
        }
        Step::Return => event(&mut tx, id, who, unit, "returned", &body).await?,
        Step::Exempt => {
            let e = exemption.ok_or_else(|| AppError::internal("exemption parsed"))?;
            sqlx::query(
                "UPDATE penalty_decisions SET exemption = $1, exemption_reason = $2 WHERE id = $3",
            )
            .bind(e.code())
            .bind(&body)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            settle_for_record(
                &mut tx,
                cal,
                who,
                RESOURCE,
                id,
                disclosure::PUBLISH_CLAUSE,
                Change::Waive {
                    reason: format!("{}：{body}", e.label()),
                },
            )
            .await?;
            event(
                &mut tx,
                id,
                who,
                unit,
                "exempted",
                &format!("决定不予公示（{}）：{body}", e.label()),
            )
            .await?;
        }
        Step::Revoke => {
            let s = revoked_as.ok_or_else(|| AppError::internal("decision state parsed"))?;
            sqlx::query(
                "UPDATE penalty_decisions SET decision_state = $1, revoked_on = $2, revoke_reason = $3 \
                 WHERE id = $4 AND decision_state = 'effective'",
            )
            .bind(s.code())
            .bind(today.to_string())
            .bind(&body)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            if d.publication_state()? == PublicationState::Published {
                crate::deadline::store::open(
                    &mut tx,
                    cal,
                    who,
                    &clock(
                        id,
                        d.organ_unit_id,
                        disclosure::TAKEDOWN_CLAUSE,
                        format!("撤下已{}的行政处罚信息：{}", s.label(), d.number),
                        format!("行政处罚决定{}", s.label()),
                        today,
                        disclosure::takedown_period(periods),
                    ),
                )
                .await?;
            } else {
                settle_for_record(
                    &mut tx,
                    cal,
                    who,
                    RESOURCE,
                    id,
                    disclosure::PUBLISH_CLAUSE,
                    Change::Waive {
                        reason: format!("行政处罚决定{}", s.label()),
                    },
                )
                .await?;
            }
            // A listing resting on it is to be revoked too (Order 44), on its own clock.
            let n = super::listing_store::penalty_revoked(&mut tx, cal, listings, who, id).await?;
            summary["decision_state"] = json!(s.code());
            summary["listings"] = json!(n);
            event(
                &mut tx,
                id,
                who,
                unit,
                "revoked",
                &format!("行政处罚决定{}：{body}", s.label()),
            )
            .await?;
        }
        Step::TakeDown => {
            let effective = d.decision() == Some(DecisionState::Effective);
            if !effective && body.is_empty() {
                return Err(AppError::field(
                    "text",
                    "required",
                    "处罚决定被撤销或变更后撤下公示的，请填写撤下说明",
                ));
            }
            let note = if body.is_empty() {
                "公示期满，停止公示".to_string()
            } else {
                body.clone()
            };
            sqlx::query(
                "UPDATE penalty_decisions SET taken_down_on = $1, takedown_note = $2 WHERE id = $3",
            )
            .bind(today.to_string())
            .bind(&note)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            let clause = if effective {
                disclosure::DISPLAY_CLAUSE
            } else {
                disclosure::TAKEDOWN_CLAUSE
            };
            settle_for_record(
                &mut tx,
                cal,
                who,
                RESOURCE,
                id,
                clause,
                Change::Met { on: today },
            )
            .await?;
            if !effective {
                // The display clock has no more purpose once it is down.
                settle_for_record(
                    &mut tx,
                    cal,
                    who,
                    RESOURCE,
                    id,
                    disclosure::DISPLAY_CLAUSE,
                    Change::Waive {
                        reason: "处罚决定已撤销或变更，已撤下".into(),
                    },
                )
                .await?;
            }
            event(
                &mut tx,
                id,
                who,
                unit,
                "taken_down",
                &format!("撤下公示：{note}"),
            )
            .await?;
        }
    }
    crate::procedure::transition::<Decision>(&mut tx, id, &d.state, next.code()).await?;
    crate::procedure::finish(
        tx,
        who,
        Entry::new("penalty.step", RESOURCE)
            .object(id, Some(d.organ_unit_id))
            .summary(summary),
    )
    .await
}

/// What the public lookup finds: a published decision, as published.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
#[schema(as = PenaltyPublicRow)]
pub struct PublicRow {
    pub id: i64,
    pub number: String,
    pub organ_name: String,
    pub party_name: String,
    pub credit_code: Option<String>,
    pub decided_on: String,
    pub published_on: String,
}

/// A published decision is shown while it is up: published, its decision still in effect and
/// its display period not over. Anything else published once answers "已撤下".
const SHOWN: &str =
    "p.state = 'published' AND p.decision_state = 'effective' AND p.display_until > ";

/// How many of the newest publications a search without a party looks through.
pub const BROWSE_WINDOW: i64 = 5_000;

#[derive(Debug, Clone, Default)]
pub struct PublicQuery {
    pub text: Option<String>,
    pub credit_code: Option<String>,
    pub region: Option<String>,
    pub organ: Option<String>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

pub async fn public_search(
    db: &Db,
    today: NaiveDate,
    q: &PublicQuery,
    w: Window,
) -> Result<Vec<PublicRow>, sqlx::Error> {
    // Without a party, the other filters look through the newest publications only, so that no
    // query from the public site reads them all.
    let from = if q.credit_code.is_none() && q.text.is_none() {
        format!(
            "(SELECT b.id FROM penalty_decisions b WHERE b.state = 'published' \
             ORDER BY b.published_on DESC, b.id DESC LIMIT {BROWSE_WINDOW}) w \
             JOIN penalty_decisions p ON p.id = w.id"
        )
    } else {
        "penalty_decisions p".to_string()
    };
    let mut s = Sql::new(&format!(
        "SELECT p.id, p.number, u.name AS organ_name, p.party_name, p.credit_code, p.decided_on, \
         p.published_on FROM {from} JOIN units u ON u.id = p.organ_unit_id WHERE "
    ));
    s.push(SHOWN).bind(today.to_string());
    if let Some(c) = &q.credit_code {
        s.push(" AND p.credit_code = ").bind(c.clone());
    }
    if let Some(t) = &q.text {
        // The full name, on its index: a part of a name would read every publication.
        s.push(" AND p.party_name = ").bind(t.clone());
    }
    if let Some(r) = &q.region {
        s.push(" AND u.region_code LIKE ")
            .bind(format!("{}%", like_escape(r)))
            .push(" ESCAPE '\\'");
    }
    if let Some(o) = &q.organ {
        s.push(" AND u.name LIKE ")
            .bind(format!("%{}%", like_escape(o)))
            .push(" ESCAPE '\\'");
    }
    if let Some(f) = q.from {
        s.push(" AND p.decided_on >= ").bind(f.to_string());
    }
    if let Some(t) = q.to {
        s.push(" AND p.decided_on <= ").bind(t.to_string());
    }
    s.push(" ORDER BY p.published_on DESC, p.id DESC");
    s.push(&w.sql());
    s.query_as().fetch_all(&db.pool).await
}

/// One decision as the public may see it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(tag = "status", rename_all = "snake_case")]
#[schema(as = PenaltyPublicView)]
pub enum PublicView {
    /// Up: the publication as approved.
    Published { fields: Vec<PublicField> },
    /// Published once and no longer: "已撤下", nothing of its content.
    TakenDown { notice: String },
}

/// The decision `id` for the public: its publication while up, "已撤下" once it came down,
/// nothing (None: 404) for one never published.
pub async fn public_get(
    db: &Db,
    today: NaiveDate,
    id: i64,
) -> Result<Option<PublicView>, sqlx::Error> {
    let row: Option<(String, String, Option<String>, Option<String>)> = sqlx::query_as(
        "SELECT state, decision_state, display_until, published_json FROM penalty_decisions \
         WHERE id = $1 AND published_on IS NOT NULL",
    )
    .bind(id)
    .fetch_optional(&db.pool)
    .await?;
    let Some((state, decision, until, json)) = row else {
        return Ok(None);
    };
    let up = state == "published"
        && decision == "effective"
        && until.is_some_and(|u| u > today.to_string());
    Ok(Some(match (up, json) {
        (true, Some(j)) => PublicView::Published {
            fields: serde_json::from_str(&j).unwrap_or_default(),
        },
        _ => PublicView::TakenDown {
            notice: "已撤下".into(),
        },
    }))
}

/// What is on the public record of a party, for the pages that name it (a case's parties, a
/// transfer's suspects, a public report's enterprise): its published penalty decisions and
/// whether it is on the serious-violation list now. Public facts only, so no reader learns more
/// here than anyone may on the public site; the enterprise record has the rest, by scope.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
#[schema(as = PartyPublicRecord)]
pub struct PartyRecord {
    pub credit_code: String,
    /// Published penalty decisions in force.
    pub penalties: i64,
    /// On the serious-violation list now.
    #[sqlx(try_from = "i64")]
    #[schema(value_type = bool)]
    pub listed: crate::db::Flag,
}

impl PartyRecord {
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        if self.penalties > 0 {
            parts.push(format!("已公示行政处罚{}件", self.penalties));
        }
        if self.listed.0 {
            parts.push("列入严重违法失信名单".to_string());
        }
        parts.join("；")
    }
}

/// The public record of each of `codes` that has one (at most 50 codes).
pub async fn party_records(
    db: &Db,
    today: NaiveDate,
    codes: &[String],
) -> Result<Vec<PartyRecord>, sqlx::Error> {
    let codes: Vec<&String> = codes.iter().take(50).collect();
    if codes.is_empty() {
        return Ok(Vec::new());
    }
    let t = today.to_string();
    let mut q = Sql::new(
        "SELECT c.credit_code, \
         (SELECT COUNT(*) FROM penalty_decisions p WHERE p.credit_code = c.credit_code \
           AND p.state = 'published' AND p.decision_state = 'effective' AND p.display_until > ",
    );
    q.bind(t.clone()).push(
        ") AS penalties, CASE WHEN EXISTS (SELECT 1 FROM credit_listings l \
         JOIN penalty_decisions d ON d.id = l.decision_id WHERE l.credit_code = c.credit_code \
         AND l.state = 'listed' AND d.decision_state = 'effective' AND l.listed_until > ",
    );
    q.bind(t).push(") THEN 1 ELSE 0 END AS listed FROM (");
    for (i, c) in codes.iter().enumerate() {
        if i > 0 {
            q.push(" UNION ");
        }
        q.push("SELECT ").bind((*c).clone()).push(" AS credit_code");
    }
    q.push(") c");
    let rows: Vec<PartyRecord> = q.query_as().fetch_all(&db.pool).await?;
    Ok(rows
        .into_iter()
        .filter(|r| r.penalties > 0 || r.listed.0)
        .collect())
}

/// Penalty decisions published and parties listed from `from` to `to` within `scope`: what a
/// briefing reports (003 三(三)).
pub async fn year_figures(
    db: &Db,
    scope: &Scope,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<(i64, i64), sqlx::Error> {
    let mut q = Sql::new(
        "SELECT COUNT(*) FROM penalty_decisions p WHERE p.published_on IS NOT NULL AND p.published_on >= ",
    );
    q.bind(from.to_string())
        .push(" AND p.published_on <= ")
        .bind(to.to_string())
        .push(" AND ");
    q.append(parties_in_scope(scope, RESOURCE, "p.id"));
    let published: i64 = q.query_scalar().fetch_one(&db.pool).await?;
    let mut q = Sql::new(
        "SELECT COUNT(*) FROM credit_listings l WHERE l.decided_on IS NOT NULL AND l.state IN ('listed', 'removed') AND l.decided_on >= ",
    );
    q.bind(from.to_string())
        .push(" AND l.decided_on <= ")
        .bind(to.to_string())
        .push(" AND ");
    q.append(parties_in_scope(
        scope,
        super::listing_store::RESOURCE,
        "l.id",
    ));
    let listed: i64 = q.query_scalar().fetch_one(&db.pool).await?;
    Ok((published, listed))
}

/// The unified social credit codes written in free text (a transfer's suspects), in order.
pub fn codes_in(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_alphanumeric() {
            let start = i;
            while i < chars.len() && chars[i].is_ascii_alphanumeric() {
                i += 1;
            }
            let run: String = chars[start..i].iter().collect();
            if run.len() == 18
                && let Some(c) = crate::domain::credit_code::CreditCode::parse(&run)
                && !out.iter().any(|o| o == c.as_str())
            {
                out.push(c.as_str().to_string());
            }
        } else {
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credit_codes_are_found_in_free_text_whole_only() {
        assert_eq!(
            codes_in(
                "信阳市某酒行（统一社会信用代码91411500MA4000001P）、另一家91411500MA4000001P"
            ),
            ["91411500MA4000001P"]
        );
        // Inside a longer run, or with a wrong check character: not a code.
        assert!(codes_in("X91411500MA4000001P").is_empty());
        assert!(codes_in("91411500MA4000001X").is_empty());
        assert!(codes_in("").is_empty());
    }
}
