//! Reading transfer records within the reader's data scope, and the small writes the steps
//! share (parties, timeline, last change). The steps themselves are in `steps.rs`.

use serde::Serialize;
use sqlx::Row;

use super::flow::{Direction, Standing, TransferState};
use crate::access::sql::parties_in_scope;
use crate::access::{Action, Actor, Resource, Scope};
use crate::db::query::{Sql, like_escape};
use crate::db::{Db, Tx, time};
use crate::error::{AppError, AppResult};

pub const RESOURCE: &str = "transfer";
pub const ATTACHMENT_RESOURCE: &str = "transfer_attachment";

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Transfer {
    pub id: i64,
    pub code: String,
    pub direction: String,
    pub situation: String,
    pub title: String,
    pub facts: String,
    pub suspects: String,
    pub amount_fen: Option<i64>,
    pub penalty_number: Option<String>,
    pub from_unit_id: i64,
    pub from_unit_name: String,
    pub to_unit_id: i64,
    pub to_unit_name: String,
    pub procuratorate_unit_id: Option<i64>,
    pub procuratorate_unit_name: Option<String>,
    pub case_id: Option<i64>,
    pub state: String,
    pub police_decided_on: Option<String>,
    pub sent_on: Option<String>,
    pub received_on: Option<String>,
    pub decided_on: Option<String>,
    pub decision: Option<String>,
    pub served_on: Option<String>,
    pub late_exception: Option<String>,
    /// 1 once the police refused to file (even if later filed).
    pub refused: i64,
    /// requested, filed, upheld
    pub reconsideration: Option<String>,
    /// requested, filed, sustained
    pub supervision: Option<String>,
    /// 1 when withheld under secrecy rules (004 一(二)).
    pub withheld: i64,
    pub secrecy_basis: Option<String>,
    /// 1 once the transferring unit recorded when the current notice reached it.
    pub service_recorded: i64,
    /// 国务院令第310号第十二条: when the items were handed over after filing, and what.
    pub items_handed_over_on: Option<String>,
    pub items_handover_note: Option<String>,
    /// A step a handler proposed for the organ head's approval, with the state it was proposed
    /// from, its text and who proposed it.
    pub pending_step: Option<String>,
    pub pending_from: Option<String>,
    pub pending_text: Option<String>,
    pub pending_by: Option<String>,
    /// 1 when a clock of this transfer is overdue.
    pub overdue: i64,
    pub created_at: String,
    pub updated_at: String,
}

impl Transfer {
    pub fn state(&self) -> AppResult<TransferState> {
        TransferState::parse(&self.state)
            .ok_or_else(|| AppError::internal(format!("transfer {} state {}", self.id, self.state)))
    }
    pub fn direction(&self) -> AppResult<Direction> {
        Direction::parse(&self.direction).ok_or_else(|| {
            AppError::internal(format!("transfer {} direction {}", self.id, self.direction))
        })
    }
    pub fn state_label(&self) -> &'static str {
        TransferState::parse(&self.state)
            .map(TransferState::label)
            .unwrap_or("未知")
    }
    pub fn direction_label(&self) -> &'static str {
        Direction::parse(&self.direction)
            .map(Direction::label)
            .unwrap_or("未知")
    }
    pub fn situation_label(&self) -> &'static str {
        super::model::Situation::label_of(&self.situation)
    }
    pub fn is_withheld(&self) -> bool {
        self.withheld == 1
    }
    pub fn is_overdue(&self) -> bool {
        self.overdue == 1
    }
    /// The once-only steps already taken (flow::check_once).
    pub fn done(&self) -> super::flow::Done {
        super::flow::Done {
            service_recorded: self.service_recorded == 1,
            items_handed_over: self.items_handed_over_on.is_some(),
        }
    }
    /// The step waiting for the organ head, if any.
    pub fn pending(&self) -> Option<super::flow::Pending> {
        Some(super::flow::Pending {
            step: super::flow::Step::parse(self.pending_step.as_deref()?)?,
            from: TransferState::parse(self.pending_from.as_deref()?)?,
        })
    }
    /// What the waiting proposal asks, as the head reads it: "决定不予立案".
    pub fn pending_label(&self) -> &'static str {
        self.pending()
            .map_or("", |p| super::flow::proposal_label(p.step))
    }
    /// The unit whose head decides `step` when a handler proposes it: the sender's for the
    /// transfer, the police's for their decisions.
    pub fn proposing_unit(&self, step: super::flow::Step) -> i64 {
        if step == super::flow::Step::Send {
            self.from_unit_id
        } else {
            self.to_unit_id
        }
    }
    pub fn amount_text(&self) -> String {
        self.amount_fen
            .and_then(crate::domain::money::Fen::from_fen)
            .map(|f| format!("{} 元", f.yuan_string()))
            .unwrap_or_else(|| "—".into())
    }
    /// The units that own the record: its content is theirs (004 一(二)).
    pub fn owner_units(&self) -> Vec<i64> {
        let mut v = vec![self.from_unit_id, self.to_unit_id];
        v.extend(self.procuratorate_unit_id);
        v
    }
    /// Blank out the content for a reader not entitled to a withheld record.
    pub fn redact(mut self) -> Transfer {
        let w = crate::secrecy::WITHHELD_TEXT.to_string();
        self.title = "（涉密移送案件）".into();
        self.facts = w.clone();
        self.suspects = w.clone();
        self.amount_fen = None;
        self.penalty_number = None;
        self.decision = self.decision.map(|_| w.clone());
        self.late_exception = self.late_exception.map(|_| w.clone());
        self.items_handover_note = self.items_handover_note.map(|_| w.clone());
        self.pending_text = self.pending_text.map(|_| w);
        // The basis of the marking is for those entitled, like the content it guards.
        self.secrecy_basis = None;
        self
    }
}

const SELECT: &str = concat!(
    "SELECT t.id, t.code, t.direction, t.situation, t.title, t.facts, t.suspects, t.amount_fen, \
    t.penalty_number, t.from_unit_id, fu.name AS from_unit_name, t.to_unit_id, tu.name AS to_unit_name, \
    t.procuratorate_unit_id, pu.name AS procuratorate_unit_name, t.case_id, t.state, t.police_decided_on, \
    t.sent_on, t.received_on, t.decided_on, t.decision, t.served_on, t.late_exception, t.refused, \
    t.reconsideration, t.supervision, t.withheld, t.secrecy_basis, t.service_recorded, \
    t.items_handed_over_on, t.items_handover_note, t.pending_step, t.pending_from, t.pending_text, \
    t.pending_by, \
    CASE WHEN EXISTS (SELECT 1 FROM deadlines d WHERE d.record_type = 'transfer' AND d.record_id = t.id \
      AND ",
    crate::late_sql!("d"),
    " AND d.clause NOT IN ('004 二(二)（提请复议或建议立案监督）', \
      '国务院令第310号第九条（复议后建议立案监督）')) THEN 1 ELSE 0 END AS overdue, \
    t.created_at, t.updated_at \
    FROM transfers t JOIN units fu ON fu.id = t.from_unit_id JOIN units tu ON tu.id = t.to_unit_id \
    LEFT JOIN units pu ON pu.id = t.procuratorate_unit_id WHERE "
);

pub fn read_scope(actor: &Actor) -> AppResult<Scope> {
    actor.require(Resource::Linkage, Action::Read)
}

pub async fn get(db: &Db, scope: &Scope, id: i64) -> Result<Option<Transfer>, sqlx::Error> {
    let mut q = Sql::new(SELECT);
    q.push("t.id = ").bind(id).push(" AND ");
    q.append(parties_in_scope(scope, RESOURCE, "t.id"));
    q.query_as().fetch_optional(&db.pool).await
}

pub async fn get_tx(tx: &mut Tx, id: i64) -> Result<Option<Transfer>, sqlx::Error> {
    let mut q = Sql::new(SELECT);
    q.push("t.id = ").bind(id);
    q.query_as().fetch_optional(&mut **tx).await
}

#[cfg(test)]
mod tests {
    /// A lapsed request window is an option not taken, not a duty missed: the list's overdue
    /// flag leaves those clocks out by their clause text.
    #[test]
    fn optional_windows_are_not_overdue() {
        use super::super::flow::{REQUEST_CLAUSE, SUPERVISION_WINDOW_CLAUSE};
        assert!(super::SELECT.contains(&format!("'{REQUEST_CLAUSE}'")));
        assert!(super::SELECT.contains(&format!("'{SUPERVISION_WINDOW_CLAUSE}'")));
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filter {
    pub state: Option<TransferState>,
    pub direction: Option<Direction>,
    pub unit_id: Option<i64>,
    pub overdue: bool,
    /// Registered on or after this Beijing day.
    pub from: Option<chrono::NaiveDate>,
    /// Registered on or before this Beijing day.
    pub to: Option<chrono::NaiveDate>,
    pub text: Option<String>,
}

pub const PAGE_SIZE: i64 = 20;

/// One page of transfers: overdue ones first, then refusals awaiting the sender, then the
/// most recently changed; and whether more follow.
pub async fn list(
    db: &Db,
    scope: &Scope,
    f: &Filter,
    page: i64,
) -> Result<(Vec<Transfer>, bool), sqlx::Error> {
    let offset = (page.max(1) - 1) * PAGE_SIZE;
    let mut q = Sql::new(&format!("SELECT * FROM ({SELECT}"));
    q.append(parties_in_scope(scope, RESOURCE, "t.id"));
    if let Some(s) = &f.state {
        q.push(" AND t.state = ").bind(s.code());
    }
    if let Some(d) = &f.direction {
        q.push(" AND t.direction = ").bind(d.code());
    }
    if let Some(u) = f.unit_id {
        q.push(" AND (t.from_unit_id = ")
            .bind(u)
            .push(" OR t.to_unit_id = ")
            .bind(u)
            .push(")");
    }
    // Registration dates are Beijing days; stored timestamps are UTC.
    if let Some(from) = f.from {
        q.push(" AND t.created_at >= ")
            .bind(time::beijing_day_start(from));
    }
    if let Some(to) = f.to.and_then(|d| d.succ_opt()) {
        q.push(" AND t.created_at < ")
            .bind(time::beijing_day_start(to));
    }
    if let Some(t) = &f.text {
        q.push(" AND (t.title LIKE ")
            .bind(format!("%{}%", like_escape(t)))
            .push(" ESCAPE '\\' OR t.code LIKE ")
            .bind(format!("%{}%", like_escape(t)))
            .push(" ESCAPE '\\')");
    }
    q.push(") x");
    if f.overdue {
        q.push(" WHERE x.overdue = 1");
    }
    q.push(
        " ORDER BY x.overdue DESC, CASE WHEN x.state IN ('refused', 'upheld') THEN 0 ELSE 1 END, \
         x.updated_at DESC, x.id DESC",
    )
    .limit_offset(PAGE_SIZE + 1, offset);
    let mut rows: Vec<Transfer> = q.query_as().fetch_all(&db.pool).await?;
    let more = rows.len() as i64 > PAGE_SIZE;
    rows.truncate(PAGE_SIZE as usize);
    Ok((rows, more))
}

/// Add a unit as party (sender, receiver, procuratorate) so data scope reaches it.
pub async fn add_party(
    tx: &mut Tx,
    who: &crate::audit::Who,
    id: i64,
    unit_id: i64,
    role: &str,
) -> Result<(), sqlx::Error> {
    crate::access::parties::add(tx, RESOURCE, id, unit_id, role, &who.at_text()).await
}

fn office_role(actor: &Actor) -> bool {
    actor.roles.iter().any(|r| r.is_office())
}

/// How the actor stands to the transfer. The office's standing comes from its data scope: a
/// group office over the region of either party unit.
pub fn standing(actor: &Actor, t: &Transfer, office_in_scope: bool) -> Standing {
    Standing {
        sender: actor.unit_id == t.from_unit_id,
        receiver: actor.unit_id == t.to_unit_id,
        procuratorate: t.procuratorate_unit_id == Some(actor.unit_id),
        office: office_role(actor) && office_in_scope,
    }
}

/// Record a timeline event and mark the transfer changed.
pub async fn event(
    tx: &mut Tx,
    id: i64,
    who: &crate::audit::Who,
    kind: &str,
    summary: &str,
) -> Result<(), sqlx::Error> {
    let now = who.at_text();
    sqlx::query(
        "INSERT INTO transfer_events (transfer_id, at, actor_name, actor_unit_id, kind, summary) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id)
    .bind(&now)
    .bind(&who.name)
    .bind(who.unit_id)
    .bind(kind)
    .bind(summary)
    .execute(&mut **tx)
    .await?;
    sqlx::query("UPDATE transfers SET updated_at = $1 WHERE id = $2")
        .bind(&now)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    crate::access::parties::touch(tx, RESOURCE, id, &now).await
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
#[schema(as = TransferEvent)]
pub struct Event {
    pub at: String,
    pub actor_name: String,
    /// The unit of the person who acted.
    pub actor_unit_id: Option<i64>,
    pub kind: String,
    pub summary: String,
}

impl Event {
    /// A step of a unit's own approval (a proposal to its head, the head's return or approval,
    /// a withdrawal): the unit's internal deliberation, shown to that unit only.
    pub fn is_internal(&self) -> bool {
        matches!(
            self.kind.as_str(),
            "proposed" | "returned" | "approved" | "withdrawn"
        )
    }
}

pub async fn events(db: &Db, id: i64) -> Result<Vec<Event>, sqlx::Error> {
    sqlx::query_as(
        "SELECT at, actor_name, actor_unit_id, kind, summary FROM transfer_events WHERE transfer_id = $1 ORDER BY id",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
#[schema(as = TransferItem)]
pub struct ItemRow {
    pub name: String,
    pub quantity: String,
    pub unit: String,
    pub storage: String,
}

pub async fn items(
    exec: impl sqlx::Executor<'_, Database = sqlx::Any>,
    id: i64,
) -> Result<Vec<ItemRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT name, quantity, unit, storage FROM transfer_items WHERE transfer_id = $1 ORDER BY id",
    )
    .bind(id)
    .fetch_all(exec)
    .await
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct DocumentRow {
    pub id: i64,
    pub kind: String,
    pub number: String,
    pub title: String,
    pub issued_at: String,
    pub sha256: String,
}

pub async fn documents(db: &Db, id: i64) -> Result<Vec<DocumentRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, kind, number, title, issued_at, sha256 FROM transfer_documents WHERE transfer_id = $1 ORDER BY id",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await
}

pub async fn document_pdf(
    db: &Db,
    transfer_id: i64,
    id: i64,
) -> Result<Option<(String, Vec<u8>)>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT number, pdf FROM transfer_documents WHERE id = $1 AND transfer_id = $2",
    )
    .bind(id)
    .bind(transfer_id)
    .fetch_optional(&db.pool)
    .await?;
    row.map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).transpose()
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
#[schema(as = TransferAttachment)]
pub struct AttachmentRow {
    pub id: i64,
    pub kind: String,
    pub filename: String,
    pub mime: String,
    pub size: i64,
    pub sha256: String,
    pub description: Option<String>,
    pub withheld: i64,
    pub secrecy_basis: Option<String>,
    pub uploaded_by_unit: i64,
    pub unit_name: String,
    pub uploaded_at: String,
}

impl AttachmentRow {
    pub fn kind_label(&self) -> &'static str {
        super::model::EvidenceKind::label_of(&self.kind)
    }
    pub fn is_withheld(&self) -> bool {
        self.withheld == 1
    }
    /// What a reader without entitlement sees: that a file is withheld, and nothing of it.
    pub fn redact(mut self) -> AttachmentRow {
        self.filename = crate::secrecy::WITHHELD_TEXT.into();
        self.description = None;
        self.sha256 = String::new();
        self.mime = String::new();
        self.secrecy_basis = None;
        self
    }
}

pub async fn attachments(
    exec: impl sqlx::Executor<'_, Database = sqlx::Any>,
    id: i64,
) -> Result<Vec<AttachmentRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT a.id, a.kind, a.filename, a.mime, a.size, a.sha256, a.description, a.withheld, a.secrecy_basis, \
         a.uploaded_by_unit, u.name AS unit_name, a.uploaded_at \
         FROM transfer_attachments a JOIN units u ON u.id = a.uploaded_by_unit WHERE a.transfer_id = $1 ORDER BY a.id",
    )
    .bind(id)
    .fetch_all(exec)
    .await
}

/// One attachment's row and content.
pub async fn attachment(
    db: &Db,
    transfer_id: i64,
    id: i64,
) -> Result<Option<(AttachmentRow, Vec<u8>)>, sqlx::Error> {
    let rows = attachments(&db.pool, transfer_id).await?;
    let Some(row) = rows.into_iter().find(|a| a.id == id) else {
        return Ok(None);
    };
    let content: Vec<u8> =
        sqlx::query_scalar("SELECT content FROM transfer_attachments WHERE id = $1")
            .bind(id)
            .fetch_one(&db.pool)
            .await?;
    Ok(Some((row, content)))
}

/// Whether a group office actor's region covers either party unit of the transfer.
pub async fn office_covers(db: &Db, actor: &Actor, t: &Transfer) -> Result<bool, sqlx::Error> {
    if !office_role(actor) {
        return Ok(false);
    }
    let prefix = format!("{}%", actor.unit_region.scope_prefix());
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM units WHERE id IN ($1, $2) AND region_code LIKE $3",
    )
    .bind(t.from_unit_id)
    .bind(t.to_unit_id)
    .bind(prefix)
    .fetch_one(&db.pool)
    .await?;
    Ok(n > 0)
}
