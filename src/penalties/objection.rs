//! Objections (异议) from the public to a record the platform publishes — a penalty decision's
//! publication or a listing on the serious-violation list — received on the public site with a
//! number and a query password, and answered by the organ that owns the record on its clock
//! (seed 002 (六)2: 信用信息查询和披露制度).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::access::{Action, Actor, Resource, Role, Scope};
use crate::audit::{Entry, Who};
use crate::calendar::{Calendar, Period};
use crate::db::query::Sql;
use crate::db::{Db, Tx};
use crate::deadline::store::{Change, NewDeadline, settle_for_record};
use crate::domain::{Email, FieldErrors, Phone, text};
use crate::error::{AppError, AppResult, OnConstraint};
use crate::public_reports::tracking;

pub const RESOURCE: &str = "objection";
pub const CLAUSE: &str = "异议处理：作出公示或者列入决定的机关核实并答复";

/// What an objection is to: a published decision or a listing in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Penalty(i64),
    Listing(i64),
}

impl Target {
    /// `penalty:12`, `listing:3`, as the public pages carry it.
    pub fn parse(raw: &str) -> Option<Target> {
        let (kind, id) = raw.trim().split_once(':')?;
        let id: i64 = id.parse().ok().filter(|i| *i > 0)?;
        match kind {
            "penalty" => Some(Target::Penalty(id)),
            "listing" => Some(Target::Listing(id)),
            _ => None,
        }
    }
    pub fn code(self) -> String {
        match self {
            Target::Penalty(id) => format!("penalty:{id}"),
            Target::Listing(id) => format!("listing:{id}"),
        }
    }
    fn kind(self) -> &'static str {
        match self {
            Target::Penalty(_) => "penalty",
            Target::Listing(_) => "listing",
        }
    }
    fn id(self) -> i64 {
        match self {
            Target::Penalty(id) | Target::Listing(id) => id,
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Target::Penalty(_) => "行政处罚信息",
            Target::Listing(_) => "严重违法失信名单信息",
        }
    }
}

/// An objection as the public form or the API carries it.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[schema(as = CreditObjectionInput)]
#[serde(deny_unknown_fields)]
pub struct ObjectionInput {
    /// `penalty:ID` or `listing:ID`: the record objected to, as published.
    pub record: String,
    pub name: String,
    pub phone: String,
    #[serde(default)]
    pub email: Option<String>,
    /// What is wrong in the record and why.
    pub reason: String,
}

pub struct NewObjection {
    pub target: Target,
    pub name: String,
    pub phone: Phone,
    pub email: Option<Email>,
    pub reason: String,
}

impl NewObjection {
    pub fn parse(input: &ObjectionInput) -> Result<NewObjection, FieldErrors> {
        let mut e = FieldErrors::new();
        let target = Target::parse(&input.record);
        if target.is_none() {
            e.add("record", "invalid_choice", "请从公示页面选择提出异议的信息");
        }
        let name = e.take(text::required("name", "姓名或单位名称", &input.name, 100));
        let phone = e.take(Phone::field("phone", &input.phone));
        let email = e
            .take(Email::optional("email", input.email.as_deref()))
            .flatten();
        let reason = e.take(text::required_long(
            "reason",
            "异议的内容和理由",
            &input.reason,
            3000,
        ));
        match (target, name, phone, reason) {
            (Some(target), Some(name), Some(phone), Some(reason)) if e.is_empty() => {
                Ok(NewObjection {
                    target,
                    name,
                    phone,
                    email,
                    reason,
                })
            }
            _ => Err(e),
        }
    }
}

/// What the objector receives, once: the number and the query password.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = CreditObjectionSubmitted)]
pub struct Submitted {
    pub number: String,
    pub password: String,
    /// The day the answer is due.
    pub due_on: String,
}

/// The record objected to as the public sees it now: its organ and party, or `None` when it is
/// not public (never published, taken down, no longer listed) — such a record takes no objection.
async fn public_target(
    tx: &mut Tx,
    t: Target,
    today: NaiveDate,
) -> Result<Option<(i64, String)>, sqlx::Error> {
    let today = today.to_string();
    match t {
        Target::Penalty(id) => {
            sqlx::query_as(
                "SELECT organ_unit_id, party_name FROM penalty_decisions WHERE id = $1 \
                 AND state = 'published' AND decision_state = 'effective' AND display_until > $2",
            )
            .bind(id)
            .bind(&today)
            .fetch_optional(&mut **tx)
            .await
        }
        Target::Listing(id) => {
            sqlx::query_as(
                "SELECT l.organ_unit_id, l.party_name FROM credit_listings l \
                 JOIN penalty_decisions p ON p.id = l.decision_id WHERE l.id = $1 \
                 AND l.state = 'listed' AND p.decision_state = 'effective' AND l.listed_until > $2",
            )
            .bind(id)
            .bind(&today)
            .fetch_optional(&mut **tx)
            .await
        }
    }
}

/// Receive an objection from the public: the record must be public now; the organ that owns it
/// gets the clock to answer (the periods of the office governing the organ's region).
pub async fn submit(
    db: &Db,
    cal: &Calendar,
    defaults: &super::settings::CreditPeriods,
    who: &Who,
    new: &NewObjection,
) -> AppResult<Submitted> {
    let today = who.today();
    let now = who.at_text();
    // A number drawn twice in a day is drawn again, as for reports.
    for _ in 0..3 {
        let number = tracking::numbered("YY", today)?;
        let password = tracking::new_password()?;
        let mut tx = db.begin().await?;
        let Some((organ, party)) = public_target(&mut tx, new.target, today).await? else {
            return Err(AppError::field(
                "record",
                "not_found",
                "该信息未在公示中，不能提出异议",
            ));
        };
        let days = super::settings::CreditPeriods::for_organ(&mut tx, organ, defaults)
            .await?
            .disclosure
            .objection_workdays;
        let due = cal
            .due_date(today, Period::WorkingDays(days))
            .map_err(|e| AppError::conflict("calendar_year_missing", e.to_string()))?;
        let inserted = sqlx::query_scalar::<_, i64>(
            "INSERT INTO credit_objections (number, secret_digest, record_type, record_id, organ_unit_id, \
             party_name, name, phone, email, reason, state, received_on, client_addr, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'received', $11, $12, $13, $13) RETURNING id",
        )
        .bind(&number)
        .bind(tracking::digest(&number, &password))
        .bind(new.target.kind())
        .bind(new.target.id())
        .bind(organ)
        .bind(&party)
        .bind(&new.name)
        .bind(new.phone.as_str())
        .bind(new.email.as_ref().map(|e| e.as_str().to_string()))
        .bind(&new.reason)
        .bind(today.to_string())
        .bind(&who.client_addr)
        .bind(&now)
        .fetch_one(&mut *tx)
        .await
        .on_unique("credit_objections", || AppError::conflict("taken", "number"));
        let id = match inserted {
            Ok(id) => id,
            Err(AppError::Conflict { .. }) => continue,
            Err(e) => return Err(e),
        };
        crate::access::parties::add(&mut tx, RESOURCE, id, organ, "organ", &now).await?;
        crate::deadline::store::open(
            &mut tx,
            cal,
            who,
            &NewDeadline {
                purpose: format!("答复对{}的{}异议", party, new.target.label()),
                clause: CLAUSE.into(),
                start_event: "收到异议".into(),
                start: today,
                rule: Period::WorkingDays(days),
                record_type: Some(RESOURCE.into()),
                record_id: Some(id),
                owner_unit_id: organ,
                owner_user_id: None,
            },
        )
        .await?;
        crate::notify::store::notify_unit(
            &mut tx,
            who,
            organ,
            &format!("收到对{party}的{}异议", new.target.label()),
            &new.reason,
            &format!("/objections/{id}"),
        )
        .await?;
        crate::procedure::finish(
            tx,
            who,
            Entry::new("objection.submit", RESOURCE)
                .object(id, Some(organ))
                .summary(json!({"record": new.target.code()})),
        )
        .await?;
        return Ok(Submitted {
            number,
            password,
            due_on: due.to_string(),
        });
    }
    Err(AppError::internal("objection number drawn three times"))
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
#[schema(as = CreditObjection)]
pub struct Objection {
    pub id: i64,
    pub number: String,
    pub record_type: String,
    pub record_id: i64,
    pub organ_unit_id: i64,
    pub party_name: String,
    pub name: String,
    pub phone: String,
    pub email: Option<String>,
    pub reason: String,
    pub state: String,
    pub received_on: String,
    pub upheld: Option<i64>,
    pub answer: Option<String>,
    pub answered_on: Option<String>,
    pub answered_by: Option<String>,
}

impl Objection {
    pub fn state_label(&self) -> &'static str {
        match self.state.as_str() {
            "answered" => "已答复",
            _ => "待核实答复",
        }
    }
    pub fn record_href(&self) -> String {
        match self.record_type.as_str() {
            "listing" => format!("/listings/{}", self.record_id),
            _ => format!("/penalties/{}", self.record_id),
        }
    }
    pub fn upheld_label(&self) -> &'static str {
        match self.upheld {
            Some(1) => "异议成立，已更正",
            Some(_) => "异议不成立",
            None => "",
        }
    }
}

const SELECT: &str = "SELECT o.id, o.number, o.record_type, o.record_id, o.organ_unit_id, o.party_name, o.name, \
    o.phone, o.email, o.reason, o.state, o.received_on, o.upheld, o.answer, o.answered_on, o.answered_by \
    FROM credit_objections o WHERE ";

pub fn read_scope(actor: &Actor) -> AppResult<Scope> {
    actor.require(Resource::Penalty, Action::Read)
}

pub async fn get(db: &Db, scope: &Scope, id: i64) -> Result<Option<Objection>, sqlx::Error> {
    let mut q = Sql::new(SELECT);
    q.push("o.id = ").bind(id).push(" AND ");
    q.append(crate::access::sql::parties_in_scope(
        scope, RESOURCE, "o.id",
    ));
    q.query_as().fetch_optional(&db.pool).await
}

/// The objections to one record, for its page.
pub async fn for_record(
    db: &Db,
    scope: &Scope,
    record_type: &str,
    record_id: i64,
) -> Result<Vec<Objection>, sqlx::Error> {
    let mut q = Sql::new(SELECT);
    q.push("o.record_type = ")
        .bind(record_type.to_string())
        .push(" AND o.record_id = ")
        .bind(record_id)
        .push(" AND ");
    q.append(crate::access::sql::parties_in_scope(
        scope, RESOURCE, "o.id",
    ));
    q.push(" ORDER BY o.id");
    q.query_as().fetch_all(&db.pool).await
}

async fn get_tx(tx: &mut Tx, id: i64) -> Result<Option<Objection>, sqlx::Error> {
    let mut q = Sql::new(SELECT);
    q.push("o.id = ").bind(id);
    q.query_as().fetch_optional(&mut **tx).await
}

/// Who may answer: the staff of the organ that owns the record, once.
pub fn may_answer(roles: &[Role], organ: bool, state: &str) -> Result<(), &'static str> {
    let staff = roles
        .iter()
        .any(|r| matches!(r, Role::UnitLiaison | Role::UnitHandler | Role::UnitHead));
    if !(organ && staff) {
        return Err("只有作出公示或者列入决定的机关才能答复异议");
    }
    if state != "received" {
        return Err("该异议已答复");
    }
    Ok(())
}

impl crate::procedure::Record for Objection {
    const TABLE: &'static str = "credit_objections";
    const CHANGED: &'static str = "该异议已被他人答复，请刷新页面";
    fn state_code(&self) -> &str {
        &self.state
    }
    async fn read(tx: &mut Tx, id: i64) -> Result<Option<Self>, sqlx::Error> {
        get_tx(tx, id).await
    }
}

impl crate::procedure::Procedure for Objection {
    type Step = ();
    type State = ();
    async fn visible(db: &Db, actor: &Actor, id: i64) -> AppResult<Option<Self>> {
        Ok(get(db, &read_scope(actor)?, id).await?)
    }
    async fn authorise(_db: &Db, actor: &Actor, o: &Self, _: ()) -> AppResult<()> {
        may_answer(&actor.roles, actor.unit_id == o.organ_unit_id, &o.state)
            .map_err(|m| AppError::conflict("step_refused", m))
    }
}

/// A step on an objection as submitted: its one step is the answer — whether the objection
/// holds (the record was corrected) and what the objector is told.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[schema(as = CreditObjectionStep)]
#[serde(tag = "step", rename_all = "snake_case", deny_unknown_fields)]
pub enum ObjectionStep {
    Answer {
        #[serde(default)]
        upheld: bool,
        #[serde(default, deserialize_with = "crate::web::step::or_default")]
        text: String,
    },
}

/// The owning organ answers: one transaction, the clock met, the audit.
pub async fn answer(
    db: &Db,
    cal: &Calendar,
    actor: &Actor,
    who: &Who,
    id: i64,
    input: &ObjectionStep,
) -> AppResult<()> {
    let ObjectionStep::Answer { upheld, text } = input;
    let upheld = *upheld;
    let text = text::required_long("text", "答复意见", text, 3000)?;
    let (mut tx, o, ()) = crate::procedure::begin::<Objection>(db, actor, id, ()).await?;
    let today = who.today();
    sqlx::query(
        "UPDATE credit_objections SET upheld = $1, answer = $2, answered_on = $3, answered_by = $4, \
         updated_at = $5 WHERE id = $6",
    )
    .bind(i64::from(upheld))
    .bind(&text)
    .bind(today.to_string())
    .bind(&actor.unit_name)
    .bind(who.at_text())
    .bind(id)
    .execute(&mut *tx)
    .await?;
    settle_for_record(
        &mut tx,
        cal,
        who,
        RESOURCE,
        id,
        CLAUSE,
        Change::Met { on: today },
    )
    .await?;
    crate::procedure::transition::<Objection>(&mut tx, id, &o.state, "answered").await?;
    crate::procedure::finish(
        tx,
        who,
        Entry::new("objection.answer", RESOURCE)
            .object(id, Some(o.organ_unit_id))
            .summary(json!({"step": "answer", "upheld": upheld})),
    )
    .await
}

/// What the objector sees with the number and the password.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = CreditObjectionTracked)]
pub struct Tracked {
    pub number: String,
    pub state: String,
    pub received_on: String,
    pub organ_name: String,
    pub answer: Option<String>,
    pub upheld: Option<bool>,
    pub answered_on: Option<String>,
}

/// The objection `number` if `password` matches, else `None` (saying nothing about whether the
/// number exists).
pub async fn track(db: &Db, number: &str, password: &str) -> AppResult<Option<Tracked>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        secret_digest: String,
        state: String,
        received_on: String,
        organ_name: String,
        answer: Option<String>,
        upheld: Option<i64>,
        answered_on: Option<String>,
    }
    let number = tracking::normalise_number(number);
    let row: Option<Row> = sqlx::query_as(
        "SELECT o.secret_digest, o.state, o.received_on, u.name AS organ_name, o.answer, o.upheld, \
         o.answered_on FROM credit_objections o JOIN units u ON u.id = o.organ_unit_id \
         WHERE o.number = $1",
    )
    .bind(&number)
    .fetch_optional(&db.pool)
    .await?;
    let Some(r) = row else {
        // The same work as a match, so the time says nothing either.
        let _ = tracking::matches(&number, password, "");
        return Ok(None);
    };
    if !tracking::matches(&number, password, &r.secret_digest) {
        return Ok(None);
    }
    Ok(Some(Tracked {
        number,
        state: if r.state == "answered" {
            "已答复".into()
        } else {
            "正在核实".into()
        },
        received_on: r.received_on,
        organ_name: r.organ_name,
        answer: r.answer,
        upheld: r.upheld.map(|u| u == 1),
        answered_on: r.answered_on,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_target_is_a_kind_and_an_id() {
        assert_eq!(Target::parse("penalty:12"), Some(Target::Penalty(12)));
        assert_eq!(Target::parse("listing:3"), Some(Target::Listing(3)));
        for bad in [
            "",
            "penalty",
            "penalty:0",
            "penalty:-1",
            "case:3",
            "penalty:x",
        ] {
            assert_eq!(Target::parse(bad), None, "{bad}");
        }
        assert_eq!(Target::Listing(3).code(), "listing:3");
    }

    #[test]
    fn an_objection_names_the_objector_and_a_reachable_phone() {
        let ok = ObjectionInput {
            record: "penalty:1".into(),
            name: "信阳市某商贸有限公司".into(),
            phone: "13800138000".into(),
            email: None,
            reason: "公示的罚款金额与决定书不符。".into(),
        };
        assert!(NewObjection::parse(&ok).is_ok());
        let bad = ObjectionInput {
            record: "x".into(),
            name: String::new(),
            phone: "123".into(),
            email: Some("not-mail".into()),
            reason: String::new(),
        };
        let e = NewObjection::parse(&bad).err().expect("refused");
        let fields: Vec<&str> = e.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["record", "name", "phone", "email", "reason"]);
    }

    #[test]
    fn only_the_owning_organs_staff_answer_once() {
        assert!(may_answer(&[Role::UnitLiaison], true, "received").is_ok());
        assert!(may_answer(&[Role::UnitLiaison], false, "received").is_err());
        assert!(may_answer(&[Role::OfficeStaff], true, "received").is_err());
        assert!(may_answer(&[Role::UnitHead], true, "answered").is_err());
    }
}
