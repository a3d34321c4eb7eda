//! Requests between the administrative side and the police: assistance both ways and early
//! intervention and urgent notices (004 二(四)), and consultation with escalation to the level
//! above when the question cannot be settled (004 一(三)). The rules are pure functions at the
//! top; the steps below each run in one transaction.

use crate::db::query::Window;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::access::sql::parties_in_scope;
use crate::access::{Action, Actor, Resource, Role, Scope};
use crate::audit::{self, Entry, Who};
use crate::db::query::Sql;
use crate::db::{Db, Tx};
use crate::domain::{FieldErrors, coded_enum, text};
use crate::error::{AppError, AppResult};
use crate::notify::store::notify_unit;

pub const RESOURCE: &str = "linkage_request";

coded_enum! {
    /// What is asked (004 二(四), 一(三)).
    RequestKind {
        Verify = "verify", "协助查证（二(四)）";
        Certify = "certify", "协助认定（二(四)）";
        EarlyIntervention = "early_intervention", "提请公安机关提前介入（二(四)）";
        UrgentNotice = "urgent_notice", "紧急通报：妨碍执行公务或毁灭证据风险（二(四)）";
        Consultation = "consultation", "案件咨询（一(三)）";
    }
}

coded_enum! {
    /// What a consultation is about (004 一(三)).
    Topic {
        FilingThreshold = "filing_threshold", "刑事案件立案追诉标准";
        Evidence = "evidence", "证据的固定和保全";
        Identity = "identity", "违法犯罪行为人身份";
        Technical = "technical", "专业性认定问题";
    }
}

coded_enum! {
    RequestState {
        Open = "open", "待答复";
        Answered = "answered", "已答复";
        Escalated = "escalated", "已逐级请示";
    }
}

fn is_police(kind: &str) -> bool {
    kind == "police"
}

fn is_administrative(kind: &str) -> bool {
    matches!(
        kind,
        "market_regulation" | "administrative" | "customs" | "tax" | "member_unit"
    )
}

/// Who may ask whom, by unit kind: early intervention and urgent notices go from the
/// administrative side to the police; verification, certification and consultation go either
/// way between them. Market regulation consults the police on thresholds, evidence and
/// identities; the police consult market regulation on technical findings (004 一(三)).
pub fn check_parties(
    kind: RequestKind,
    topic: Option<Topic>,
    from_kind: &str,
    to_kind: &str,
) -> Result<(), &'static str> {
    let admin_to_police = is_administrative(from_kind) && is_police(to_kind);
    let police_to_admin = is_police(from_kind) && is_administrative(to_kind);
    match kind {
        RequestKind::EarlyIntervention | RequestKind::UrgentNotice if !admin_to_police => {
            Err("提前介入和紧急通报由行政执法机关发给公安机关")
        }
        RequestKind::Verify | RequestKind::Certify if !(admin_to_police || police_to_admin) => {
            Err("协助查证、认定在行政执法机关与公安机关之间提出")
        }
        RequestKind::Consultation => match topic {
            None => Err("请选择咨询事项"),
            Some(Topic::Technical) if !police_to_admin => {
                Err("专业性认定问题由公安机关咨询市场监管等行政执法机关")
            }
            Some(Topic::Technical) => Ok(()),
            Some(_) if !admin_to_police => {
                Err("立案追诉标准、证据和身份问题由行政执法机关咨询公安机关")
            }
            Some(_) => Ok(()),
        },
        _ => Ok(()),
    }
}

/// A consultation that cannot be settled goes up a level: to a unit of the same kind whose
/// region contains the current one's (a county police bureau → the city bureau).
pub fn check_escalation(
    current_kind: &str,
    current_region: &str,
    target_kind: &str,
    target_region: &str,
) -> Result<(), &'static str> {
    let upper = crate::domain::RegionCode::parse(target_region)
        .zip(crate::domain::RegionCode::parse(current_region))
        .is_some_and(|(t, c)| t != c && t.contains(&c));
    if target_kind != current_kind {
        return Err("请示的上级单位应与被咨询单位属同一系统");
    }
    if !upper {
        return Err("请示对象应为被咨询单位的上级单位");
    }
    Ok(())
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestInput {
    pub kind: String,
    #[serde(default)]
    pub topic: Option<String>,
    #[serde(deserialize_with = "crate::web::step::id_text")]
    #[schema(value_type = i64)]
    pub to_unit_id: String,
    pub subject: String,
    pub body: String,
    #[serde(default, deserialize_with = "crate::web::step::text_or_number")]
    #[schema(value_type = Option<i64>)]
    pub transfer_id: Option<String>,
    #[serde(default)]
    pub withheld: bool,
    #[serde(default)]
    pub secrecy_basis: Option<String>,
    #[serde(default, deserialize_with = "crate::web::step::one_or_many")]
    #[schema(value_type = Vec<i64>)]
    pub secrecy_user_ids: Vec<String>,
}

struct NewRequest {
    kind: RequestKind,
    topic: Option<Topic>,
    to_unit_id: i64,
    subject: String,
    body: String,
    transfer_id: Option<i64>,
    secrecy: Option<super::model::Secrecy>,
}

fn parse(input: &RequestInput) -> Result<NewRequest, FieldErrors> {
    let mut e = FieldErrors::new();
    let kind = RequestKind::parse(&input.kind);
    if kind.is_none() {
        e.add("kind", "invalid_choice", "请选择事项类别");
    }
    let topic = match input.topic.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(t) => {
            let v = Topic::parse(t);
            if v.is_none() {
                e.add("topic", "invalid_choice", "咨询事项无效");
            }
            v
        }
    };
    let to = e.take(text::id("to_unit_id", "对方单位", &input.to_unit_id));
    let subject = e.take(text::required("subject", "事由", &input.subject, 100));
    let body = e.take(text::required_long("body", "具体内容", &input.body, 5000));
    let transfer_id = match input.transfer_id.as_deref().map(str::trim) {
        None | Some("") => Some(None),
        Some(t) => e.take(text::id("transfer_id", "关联移送案件", t)).map(Some),
    };
    let secrecy = super::model::parse_secrecy(
        input.withheld,
        input.secrecy_basis.as_deref(),
        &input.secrecy_user_ids,
        &mut e,
    );
    match (kind, to, subject, body, transfer_id) {
        (Some(kind), Some(to_unit_id), Some(subject), Some(body), Some(transfer_id))
            if e.is_empty() =>
        {
            Ok(NewRequest {
                kind,
                topic: if kind == RequestKind::Consultation {
                    topic
                } else {
                    None
                },
                to_unit_id,
                subject,
                body,
                transfer_id,
                secrecy,
            })
        }
        _ => Err(e),
    }
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Request {
    pub id: i64,
    pub kind: String,
    pub topic: Option<String>,
    pub from_unit_id: i64,
    pub from_unit_name: String,
    pub to_unit_id: i64,
    pub to_unit_name: String,
    pub transfer_id: Option<i64>,
    pub escalated_from: Option<i64>,
    pub subject: String,
    pub body: String,
    pub urgent: i64,
    pub state: String,
    pub answer: Option<String>,
    pub answered_at: Option<String>,
    pub withheld: i64,
    pub secrecy_basis: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

impl Request {
    pub fn kind_label(&self) -> &'static str {
        RequestKind::label_of(&self.kind)
    }
    pub fn topic_label(&self) -> &'static str {
        self.topic.as_deref().map(Topic::label_of).unwrap_or("—")
    }
    pub fn state_label(&self) -> &'static str {
        RequestState::label_of(&self.state)
    }
    pub fn is_urgent(&self) -> bool {
        self.urgent == 1
    }
    pub fn is_withheld(&self) -> bool {
        self.withheld == 1
    }
    pub fn redact(mut self) -> Request {
        self.subject = "（涉密事项）".into();
        self.body = crate::secrecy::WITHHELD_TEXT.into();
        self.answer = self.answer.map(|_| crate::secrecy::WITHHELD_TEXT.into());
        self.secrecy_basis = None;
        self
    }
}

const SELECT: &str = "SELECT r.id, r.kind, r.topic, r.from_unit_id, fu.name AS from_unit_name, r.to_unit_id, \
    tu.name AS to_unit_name, r.transfer_id, r.escalated_from, r.subject, r.body, r.urgent, r.state, r.answer, \
    r.answered_at, r.withheld, r.secrecy_basis, r.created_at, r.updated_at \
    FROM linkage_requests r JOIN units fu ON fu.id = r.from_unit_id JOIN units tu ON tu.id = r.to_unit_id WHERE ";

pub async fn get(db: &Db, scope: &Scope, id: i64) -> Result<Option<Request>, sqlx::Error> {
    let mut q = Sql::new(SELECT);
    q.push("r.id = ").bind(id).push(" AND ");
    q.append(parties_in_scope(scope, RESOURCE, "r.id"));
    q.query_as().fetch_optional(&db.pool).await
}

/// Requests in scope: urgent and unanswered first.
pub async fn list(
    db: &Db,
    scope: &Scope,
    transfer_id: Option<i64>,
    w: Window,
) -> Result<Vec<Request>, sqlx::Error> {
    let mut q = Sql::new(SELECT);
    q.append(parties_in_scope(scope, RESOURCE, "r.id"));
    if let Some(t) = transfer_id {
        q.push(" AND r.transfer_id = ").bind(t);
    }
    q.push(" ORDER BY CASE WHEN r.state = 'open' THEN 0 ELSE 1 END, r.urgent DESC, r.updated_at DESC, r.id DESC");
    q.push(&w.sql());
    q.query_as().fetch_all(&db.pool).await
}

/// Whether the actor may see the content of a request (004 一(二)).
pub async fn entitled(db: &Db, actor: &Actor, r: &Request) -> Result<bool, sqlx::Error> {
    crate::secrecy::may_see(
        &db.pool,
        RESOURCE,
        r.id,
        r.is_withheld(),
        &[r.from_unit_id, r.to_unit_id],
        actor,
    )
    .await
}

fn unit_role(actor: &Actor) -> bool {
    actor
        .roles
        .iter()
        .any(|r| matches!(r, Role::UnitLiaison | Role::UnitHandler))
}

async fn unit_row(tx: &mut Tx, id: i64, field: &str) -> AppResult<(String, String, String)> {
    let row: Option<(String, String, String)> =
        sqlx::query_as("SELECT kind, region_code, name FROM units WHERE id = $1 AND active = 1")
            .bind(id)
            .fetch_optional(&mut **tx)
            .await?;
    row.ok_or_else(|| AppError::field(field, "not_found", "单位不存在或已停用"))
}

async fn add_party(
    tx: &mut Tx,
    who: &Who,
    id: i64,
    unit: i64,
    role: &str,
) -> Result<(), sqlx::Error> {
    crate::access::parties::add(tx, RESOURCE, id, unit, role, &who.at_text()).await
}

async fn insert(
    tx: &mut Tx,
    who: &Who,
    actor: &Actor,
    from: i64,
    n: &NewRequest,
    escalated_from: Option<i64>,
) -> AppResult<i64> {
    let now = who.at_text();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO linkage_requests (kind, from_unit_id, to_unit_id, transfer_id, escalated_from, topic, subject, body, \
         urgent, state, withheld, secrecy_basis, created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'open', $10, $11, $12, $13, $13) RETURNING id",
    )
    .bind(n.kind.code())
    .bind(from)
    .bind(n.to_unit_id)
    .bind(n.transfer_id)
    .bind(escalated_from)
    .bind(n.topic.map(|t| t.code()))
    .bind(&n.subject)
    .bind(&n.body)
    .bind(i64::from(n.kind == RequestKind::UrgentNotice))
    .bind(i64::from(n.secrecy.is_some()))
    .bind(n.secrecy.as_ref().map(|s| s.basis.clone()))
    .bind(actor.user_id)
    .bind(&now)
    .fetch_one(&mut **tx)
    .await?;
    add_party(tx, who, id, from, "from").await?;
    add_party(tx, who, id, n.to_unit_id, "to").await?;
    if let Some(s) = &n.secrecy {
        crate::secrecy::grant(tx, RESOURCE, id, &s.user_ids).await?;
    }
    // An urgent notice reaches the police unit's to-do list at once, marked urgent.
    let urgent = n.kind == RequestKind::UrgentNotice;
    let title = format!(
        "{}{}：{}",
        if urgent { "【紧急】" } else { "" },
        n.kind.label(),
        if n.secrecy.is_some() {
            "（涉密事项）"
        } else {
            n.subject.as_str()
        }
    );
    let link = format!("/linkage/requests/{id}");
    crate::notify::store::add_duty(
        tx,
        who,
        answer_duty(id),
        crate::notify::store::Holder::Unit(n.to_unit_id),
        &title,
        &link,
        None,
        urgent,
    )
    .await?;
    notify_unit(tx, who, n.to_unit_id, &title, &actor.unit_name, &link).await?;
    Ok(id)
}

/// Ask the other side (004 二(四), 一(三)).
pub async fn create(db: &Db, actor: &Actor, who: &Who, input: &RequestInput) -> AppResult<i64> {
    actor.require(Resource::Linkage, Action::Create)?;
    if !unit_role(actor) {
        return Err(AppError::Forbidden);
    }
    let n = parse(input)?;
    // The visibility check reads through the pool, so it runs before the write transaction.
    if let Some(t) = n.transfer_id {
        let scope = super::store::read_scope(actor)?;
        if super::store::get(db, &scope, t).await?.is_none() {
            return Err(AppError::field(
                "transfer_id",
                "not_found",
                "关联的移送案件不存在",
            ));
        }
    }
    let mut tx = db.begin().await?;
    let (from_kind, _, _) = unit_row(&mut tx, actor.unit_id, "to_unit_id").await?;
    let (to_kind, _, _) = unit_row(&mut tx, n.to_unit_id, "to_unit_id").await?;
    check_parties(n.kind, n.topic, &from_kind, &to_kind).map_err(|m| {
        AppError::field(
            if m.contains("咨询事项") {
                "topic"
            } else {
                "to_unit_id"
            },
            "not_allowed",
            m,
        )
    })?;
    let id = insert(&mut tx, who, actor, actor.unit_id, &n, None).await?;
    audit::record(
        &mut tx,
        who,
        Entry::new("linkage_request.create", RESOURCE)
            .object(id, Some(actor.unit_id))
            .summary(json!({"kind": n.kind.code(), "to_unit_id": n.to_unit_id, "urgent": n.kind == RequestKind::UrgentNotice, "withheld": n.secrecy.is_some()})),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

async fn open_for_answer(db: &Db, actor: &Actor, id: i64) -> AppResult<(Tx, Request)> {
    let scope = super::store::read_scope(actor)?;
    let r = get(db, &scope, id).await?.ok_or(AppError::NotFound)?;
    if !(unit_role(actor) && actor.unit_id == r.to_unit_id) {
        return Err(AppError::conflict(
            "step_refused",
            "只有被请求单位可以答复或请示",
        ));
    }
    if r.state != RequestState::Open.code() {
        return Err(AppError::conflict(
            "step_refused",
            format!("该事项当前为“{}”，不能再答复或请示", r.state_label()),
        ));
    }
    crate::procedure::open(db, &r, id).await
}

impl crate::procedure::Record for Request {
    const TABLE: &'static str = "linkage_requests";
    const CHANGED: &'static str = "该事项已被他人答复或请示，请刷新页面";
    fn state_code(&self) -> &str {
        &self.state
    }
    async fn read(tx: &mut Tx, id: i64) -> Result<Option<Self>, sqlx::Error> {
        let mut q = Sql::new(SELECT);
        q.push("r.id = ").bind(id);
        q.query_as().fetch_optional(&mut **tx).await
    }
}

/// The asked unit answers.
pub async fn answer(db: &Db, actor: &Actor, who: &Who, id: i64, text_in: &str) -> AppResult<()> {
    let answer = text::required_long("answer", "答复内容", text_in, 5000)?;
    let (mut tx, r) = open_for_answer(db, actor, id).await?;
    let changed = sqlx::query(
        "UPDATE linkage_requests SET state = 'answered', answer = $1, answered_by = $2, answered_at = $3, updated_at = $3 \
         WHERE id = $4 AND state = 'open'",
    )
    .bind(&answer)
    .bind(actor.user_id)
    .bind(who.at_text())
    .bind(id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if changed != 1 {
        return Err(AppError::conflict(
            "state_changed",
            "该事项已被他人处理，请刷新页面",
        ));
    }
    crate::notify::store::discharge(&mut tx, who, answer_duty(id)).await?;
    notify_unit(
        &mut tx,
        who,
        r.from_unit_id,
        &format!("{}已答复", r.kind_label()),
        &r.to_unit_name,
        &format!("/linkage/requests/{id}"),
    )
    .await?;
    audit::record(
        &mut tx,
        who,
        Entry::new("linkage_request.answer", RESOURCE)
            .object(id, Some(r.from_unit_id))
            .summary(json!({})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The asked unit's duty to answer (or escalate) a request.
fn answer_duty(id: i64) -> crate::notify::store::Duty<'static> {
    crate::notify::store::Duty::new(RESOURCE, id, "answer")
}

/// 004 一(三): a consultation the asked unit cannot settle goes to its superior.
pub async fn escalate(
    db: &Db,
    actor: &Actor,
    who: &Who,
    id: i64,
    to_unit: Option<i64>,
    note: &str,
) -> AppResult<i64> {
    let to_unit =
        to_unit.ok_or_else(|| AppError::field("to_unit_id", "required", "请选择上级单位"))?;
    let note = text::required_long("answer", "请示说明", note, 2000)?;
    let (mut tx, r) = open_for_answer(db, actor, id).await?;
    if r.kind != RequestKind::Consultation.code() {
        return Err(AppError::conflict(
            "step_refused",
            "只有案件咨询可以逐级请示",
        ));
    }
    let (cur_kind, cur_region, _) = unit_row(&mut tx, r.to_unit_id, "to_unit_id").await?;
    let (t_kind, t_region, t_name) = unit_row(&mut tx, to_unit, "to_unit_id").await?;
    check_escalation(&cur_kind, &cur_region, &t_kind, &t_region)
        .map_err(|m| AppError::field("to_unit_id", "not_allowed", m))?;
    sqlx::query("UPDATE linkage_requests SET state = 'escalated', answer = $1, answered_by = $2, answered_at = $3, updated_at = $3 WHERE id = $4 AND state = 'open'")
        .bind(format!("无法认定，已请示{t_name}：{note}"))
        .bind(actor.user_id)
        .bind(who.at_text())
        .bind(id)
        .execute(&mut *tx)
        .await?;
    crate::notify::store::discharge(&mut tx, who, answer_duty(id)).await?;
    let n = NewRequest {
        kind: RequestKind::Consultation,
        topic: r.topic.as_deref().and_then(Topic::parse),
        to_unit_id: to_unit,
        subject: format!("（请示）{}", r.subject),
        body: format!("{}\n\n{}请示说明：{note}", r.body, r.to_unit_name),
        transfer_id: r.transfer_id,
        secrecy: None,
    };
    let new_id = insert(&mut tx, who, actor, r.to_unit_id, &n, Some(id)).await?;
    if r.is_withheld() {
        sqlx::query("UPDATE linkage_requests SET withheld = 1, secrecy_basis = $1 WHERE id = $2")
            .bind(&r.secrecy_basis)
            .bind(new_id)
            .execute(&mut *tx)
            .await?;
        // 004 一(二): the people named on the question stay entitled to it upward.
        let named = crate::secrecy::named(&mut *tx, RESOURCE, id).await?;
        crate::secrecy::grant(&mut tx, RESOURCE, new_id, &named).await?;
    }
    // The asking unit follows the question upward.
    add_party(&mut tx, who, new_id, r.from_unit_id, "asker").await?;
    audit::record(
        &mut tx,
        who,
        Entry::new("linkage_request.escalate", RESOURCE)
            .object(id, Some(r.from_unit_id))
            .summary(json!({"to_unit_id": to_unit, "new_id": new_id})),
    )
    .await?;
    tx.commit().await?;
    Ok(new_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn who_asks_whom() {
        use RequestKind::*;
        assert!(check_parties(UrgentNotice, None, "market_regulation", "police").is_ok());
        assert!(check_parties(UrgentNotice, None, "police", "market_regulation").is_err());
        assert!(check_parties(EarlyIntervention, None, "market_regulation", "court").is_err());
        assert!(check_parties(Verify, None, "police", "market_regulation").is_ok());
        assert!(check_parties(Certify, None, "market_regulation", "police").is_ok());
        assert!(check_parties(Verify, None, "market_regulation", "tax").is_err());
        assert!(check_parties(Consultation, None, "market_regulation", "police").is_err());
        assert!(
            check_parties(
                Consultation,
                Some(Topic::FilingThreshold),
                "market_regulation",
                "police"
            )
            .is_ok()
        );
        assert!(
            check_parties(
                Consultation,
                Some(Topic::FilingThreshold),
                "police",
                "market_regulation"
            )
            .is_err()
        );
        assert!(
            check_parties(
                Consultation,
                Some(Topic::Technical),
                "police",
                "market_regulation"
            )
            .is_ok()
        );
        assert!(
            check_parties(
                Consultation,
                Some(Topic::Technical),
                "market_regulation",
                "police"
            )
            .is_err()
        );
    }

    #[test]
    fn escalation_goes_up_the_same_line() {
        assert!(check_escalation("police", "411521", "police", "411500").is_ok());
        assert!(check_escalation("police", "411521", "market_regulation", "411500").is_err());
        assert!(
            check_escalation("police", "411500", "police", "411521").is_err(),
            "down"
        );
        assert!(
            check_escalation("police", "411521", "police", "411521").is_err(),
            "same level"
        );
        assert!(
            check_escalation("police", "411521", "police", "370100").is_err(),
            "elsewhere"
        );
    }

    #[test]
    fn parse_reports_fields() {
        let e = parse(&RequestInput::default()).err().expect("invalid");
        let f: Vec<&str> = e.0.iter().map(|x| x.field.as_str()).collect();
        assert_eq!(f, ["kind", "to_unit_id", "subject", "body"]);
    }
}
