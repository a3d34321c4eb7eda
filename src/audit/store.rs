//! Appending to, searching and verifying the stored audit trail.

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value as Json;
use sqlx::Row;

use super::chain::{self, AuditRecord, Finding, Verifier};
use crate::access::{Actor, Scope, sql::any_unit_in_scope};
use crate::db::query::{Sql, Value, like_escape};
use crate::db::{Db, Tx, time};

/// Who acted, from where, and when: the user (or the system), the request, and the operation's
/// instant. The instant is read once from the operation's clock (`context::Ctx::clock`) when the
/// operation starts and travels with `Who` into its transaction, so every row and the audit
/// record of one operation carry the same time, and no step reads the wall clock.
#[derive(Debug, Clone)]
pub struct Who {
    pub user_id: Option<i64>,
    pub name: String,
    pub unit_id: Option<i64>,
    pub request_id: Option<String>,
    pub client_addr: Option<String>,
    /// When the operation acts.
    pub at: DateTime<Utc>,
    /// The operation is the signing (签发) of a draft: the step it takes issues that draft's
    /// document, and the draft is sealed in the step's own transaction (`procedure::finish`).
    pub signing: Option<Signing>,
    /// The operation is the organ head's approval of a proposed step (国务院令第310号第五条),
    /// with his opinion: the step takes effect as approved.
    pub approval: Option<String>,
}

/// Which draft a step signs, with the signer's 签发意见.
#[derive(Debug, Clone)]
pub struct Signing {
    pub draft_id: i64,
    pub opinion: String,
}

impl Who {
    pub fn system(what: &str, at: DateTime<Utc>) -> Who {
        Who {
            user_id: None,
            name: format!("系统（{what}）"),
            unit_id: None,
            request_id: None,
            client_addr: None,
            at,
            signing: None,
            approval: None,
        }
    }

    pub fn actor(
        actor: &Actor,
        request_id: Option<String>,
        client_addr: Option<String>,
        at: DateTime<Utc>,
    ) -> Who {
        Who {
            user_id: Some(actor.user_id),
            name: format!("{}（{}）", actor.display_name, actor.username),
            unit_id: Some(actor.unit_id),
            request_id,
            client_addr,
            at,
            signing: None,
            approval: None,
        }
    }

    /// The person's name as a document prints it: without the account in brackets
    /// ("钱联络员（liaison.scjg）" → "钱联络员"); no login appears in an official document.
    pub fn person(name: &str) -> &str {
        name.split('（').next().unwrap_or(name)
    }

    /// The operation's instant as stored (`time::to_text`).
    pub fn at_text(&self) -> String {
        time::to_text(self.at)
    }

    /// The operation's date in Beijing.
    pub fn today(&self) -> NaiveDate {
        time::beijing_date(self.at)
    }
}

/// What happened to which object.
#[derive(Debug, Clone)]
pub struct Entry {
    pub action: &'static str,
    pub object_type: &'static str,
    pub object_id: Option<String>,
    pub object_unit_id: Option<i64>,
    pub summary: Json,
}

impl Entry {
    pub fn new(action: &'static str, object_type: &'static str) -> Entry {
        Entry {
            action,
            object_type,
            object_id: None,
            object_unit_id: None,
            summary: Json::Object(Default::default()),
        }
    }

    pub fn object(mut self, id: impl ToString, unit_id: Option<i64>) -> Entry {
        self.object_id = Some(id.to_string());
        self.object_unit_id = unit_id;
        self
    }

    pub fn summary(mut self, summary: Json) -> Entry {
        self.summary = summary;
        self
    }
}

/// Record what the caller's transaction does. The record is written when the transaction
/// commits, right before COMMIT ([`Tx::commit`], [`append`]), so the head row that serialises
/// every writer is held for three statements, not for the whole step; a transaction that is
/// rolled back leaves no record.
pub async fn record(tx: &mut Tx, who: &Who, entry: Entry) -> Result<(), sqlx::Error> {
    tx.defer_audit(who.clone(), entry);
    Ok(())
}

/// Append records in order inside the caller's transaction, with one head update and
/// multi-row inserts; a transaction's records (a holiday import moves thousands of due dates)
/// are appended together at its commit. Taking the head row first (an UPDATE) serialises
/// concurrent appends on both databases, so the chain never forks. Returns their sequence
/// numbers.
pub(crate) async fn append(
    tx: &mut Tx,
    entries: Vec<(Who, Entry)>,
) -> Result<std::ops::Range<i64>, sqlx::Error> {
    let n = i64::try_from(entries.len()).unwrap_or(i64::MAX);
    if n == 0 {
        return Ok(0..0);
    }
    let head = sqlx::query("UPDATE audit_head SET seq = seq + $1 WHERE id = 1 RETURNING seq, hash")
        .bind(n)
        .fetch_one(&mut **tx)
        .await?;
    let last: i64 = head.try_get(0)?;
    let mut prev_hash: String = head.try_get(1)?;
    let first = last - n + 1;
    let mut records = Vec::with_capacity(entries.len());
    for (seq, (who, entry)) in (first..).zip(entries) {
        let mut r = AuditRecord {
            seq,
            at: who.at_text(),
            actor_user_id: who.user_id,
            actor_name: who.name,
            acting_unit_id: who.unit_id,
            action: entry.action.to_string(),
            object_type: entry.object_type.to_string(),
            object_id: entry.object_id,
            object_unit_id: entry.object_unit_id,
            summary: entry.summary.to_string(),
            request_id: who.request_id,
            client_addr: who.client_addr,
            prev_hash: std::mem::take(&mut prev_hash),
            hash: String::new(),
        };
        r.hash = chain::compute_hash(&r);
        prev_hash = r.hash.clone();
        records.push(r);
    }
    let per_statement = crate::db::query::bulk_rows(tx, 14);
    for chunk in records.chunks(per_statement) {
        let mut q = Sql::bulk(
            tx,
            "INSERT INTO audit_log (seq, at, actor_user_id, actor_name, acting_unit_id, action, \
             object_type, object_id, object_unit_id, summary, request_id, client_addr, prev_hash, hash) VALUES ",
        );
        q.rows(chunk.iter().map(|r| {
            [
                Value::from(r.seq),
                Value::from(r.at.as_str()),
                Value::from(r.actor_user_id),
                Value::from(r.actor_name.as_str()),
                Value::from(r.acting_unit_id),
                Value::from(r.action.as_str()),
                Value::from(r.object_type.as_str()),
                Value::from(r.object_id.clone()),
                Value::from(r.object_unit_id),
                Value::from(r.summary.as_str()),
                Value::from(r.request_id.clone()),
                Value::from(r.client_addr.clone()),
                Value::from(r.prev_hash.as_str()),
                Value::from(r.hash.as_str()),
            ]
        }));
        q.query().execute(&mut **tx).await?;
    }
    sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1")
        .bind(&prev_hash)
        .execute(&mut **tx)
        .await?;
    Ok(first..last + 1)
}

/// Record an event that is its own transaction (sign-in attempts, sign-out).
pub async fn record_alone(db: &Db, who: &Who, entry: Entry) -> Result<i64, sqlx::Error> {
    let mut tx = db.begin().await?;
    let seqs = append(&mut tx, vec![(who.clone(), entry)]).await?;
    tx.commit().await?;
    Ok(seqs.end - 1)
}

pub struct VerifyReport {
    pub checked: u64,
    pub head_seq: i64,
    pub findings: Vec<Finding>,
}

/// The head of the trail: the last record's sequence number and hash.
pub async fn head(db: &Db) -> Result<(i64, String), sqlx::Error> {
    let row = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
        .fetch_one(&db.pool)
        .await?;
    Ok((row.try_get(0)?, row.try_get(1)?))
}

/// Walk the whole stored trail in pages, in sequence order.
pub async fn verify(db: &Db) -> Result<VerifyReport, sqlx::Error> {
    verify_with(db, Verifier::default()).await
}

/// As [`verify`], also holding the trail to an anchor (a signed checkpoint kept elsewhere).
pub async fn verify_anchored(db: &Db, seq: i64, hash: &str) -> Result<VerifyReport, sqlx::Error> {
    verify_with(db, Verifier::anchored(seq, hash)).await
}

async fn verify_with(db: &Db, mut v: Verifier) -> Result<VerifyReport, sqlx::Error> {
    let (head_seq, head_hash) = head(db).await?;
    let mut after = i64::MIN;
    loop {
        let page: Vec<AuditRecord> =
            sqlx::query_as("SELECT * FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT 5000")
                .bind(after)
                .fetch_all(&db.pool)
                .await?;
        let Some(last) = page.last() else { break };
        after = last.seq;
        for r in &page {
            v.feed(r, head_seq);
        }
    }
    let checked = v.checked;
    Ok(VerifyReport {
        checked,
        head_seq,
        findings: v.finish(head_seq, &head_hash),
    })
}

#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub actor: Option<String>,
    pub action: Option<String>,
    pub object_type: Option<String>,
    pub unit_id: Option<i64>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub text: Option<String>,
}

pub const PAGE_SIZE: i64 = 50;

fn filtered(scope: &Scope, f: &Filter) -> Sql {
    let mut s = Sql::new(" FROM audit_log a WHERE ");
    s.append(any_unit_in_scope(
        scope,
        &["a.acting_unit_id", "a.object_unit_id"],
    ));
    if let Some(actor) = &f.actor {
        s.push(" AND a.actor_name LIKE ")
            .bind(format!("%{}%", like_escape(actor)))
            .push(" ESCAPE '\\'");
    }
    if let Some(action) = &f.action {
        s.push(" AND a.action LIKE ")
            .bind(format!("{}%", like_escape(action)))
            .push(" ESCAPE '\\'");
    }
    if let Some(t) = &f.object_type {
        s.push(" AND a.object_type = ").bind(t.as_str());
    }
    if let Some(u) = f.unit_id {
        s.push(" AND (a.acting_unit_id = ")
            .bind(u)
            .push(" OR a.object_unit_id = ")
            .bind(u)
            .push(")");
    }
    if let Some(from) = &f.from {
        s.push(" AND a.at >= ").bind(from.as_str());
    }
    if let Some(to) = &f.to {
        s.push(" AND a.at < ").bind(to.as_str());
    }
    if let Some(text) = &f.text {
        s.push(" AND a.summary LIKE ")
            .bind(format!("%{}%", like_escape(text)))
            .push(" ESCAPE '\\'");
    }
    s
}

/// One page of records, newest first, and the total count.
pub async fn search(
    db: &Db,
    scope: &Scope,
    f: &Filter,
    page: i64,
) -> Result<(Vec<AuditRecord>, i64), sqlx::Error> {
    let mut count = Sql::new("SELECT COUNT(*)");
    count.append(filtered(scope, f));
    let total: i64 = count.query_scalar().fetch_one(&db.pool).await?;
    let mut q = Sql::new("SELECT a.*");
    q.append(filtered(scope, f));
    q.push(" ORDER BY a.seq DESC")
        .limit_offset(PAGE_SIZE, (page.max(1) - 1) * PAGE_SIZE);
    let rows = q.query_as().fetch_all(&db.pool).await?;
    Ok((rows, total))
}

/// Every matching record, oldest first, for export (bounded to keep memory in check).
pub async fn export(
    db: &Db,
    scope: &Scope,
    f: &Filter,
    limit: i64,
) -> Result<Vec<AuditRecord>, sqlx::Error> {
    let mut q = Sql::new("SELECT a.*");
    q.append(filtered(scope, f));
    q.push(" ORDER BY a.seq").limit_offset(limit, 0);
    q.query_as().fetch_all(&db.pool).await
}
