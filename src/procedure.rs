//! The procedure kernel: how every step on a record opens its transaction, so that of two
//! identical steps sent at once exactly one wins, on PostgreSQL as on SQLite.
//!
//! A step is checked against the record the actor can see (a cheap refusal, no lock), then
//! [`open`] begins the transaction, takes the record's row lock *before* anything is read
//! inside it, re-reads the record and compares its state with the one the rule was checked
//! on. The second of two concurrent steps waits for the first to commit, sees the new state
//! and is refused with 409 before it has written anything: no number drawn, no document, no
//! audit record. [`transition`] then moves the state with an update conditional on the prior
//! state, so the guard holds even for a caller that forgot to lock.
//!
//! On SQLite `BEGIN IMMEDIATE` ([`Db::begin`]) already takes the database's write lock, so
//! the row lock is a no-op there; on PostgreSQL it is `SELECT … FOR UPDATE`. Without it, two
//! READ COMMITTED transactions both read the old state and both went on (issue #12: two
//! supervision letters for one case, approve and reject of the same proposal both recorded,
//! deadlocks answered as 500).

use std::future::Future;

use crate::access::Actor;
use crate::audit::{Entry, Who};
use crate::db::query::is_sqlite;
use crate::db::{Db, Tx};
use crate::error::{AppError, AppResult};

/// A record that steps move from state to state.
pub trait Record: Sized + Send {
    /// The table that holds it: an integer `id` key and a text `state` column.
    const TABLE: &'static str;
    /// What the loser of two concurrent steps is told, in Chinese.
    const CHANGED: &'static str;
    /// Its stored state code.
    fn state_code(&self) -> &str;
    /// The record as stored, read inside the step's transaction (after [`lock`]).
    fn read(tx: &mut Tx, id: i64)
    -> impl Future<Output = Result<Option<Self>, sqlx::Error>> + Send;
}

/// A record with a procedure: steps checked by a pure rule against the record as the actor
/// sees it. Every step runs the same pipeline — [`begin`]: read within the actor's scope,
/// authorise by the rule, lock and re-read; the step's own writes, [`transition`]; then
/// [`finish`]: the audit record written, committed —
/// the way kanidm sends every change through one modify pipeline.
pub trait Procedure: Record + Sync {
    /// A step of the procedure (the rule's input).
    type Step: Copy + Send + Sync;
    /// Where a step leads.
    type State: Send;
    /// The record as `actor` may see it; `None` outside their scope (404).
    fn visible(
        db: &Db,
        actor: &Actor,
        id: i64,
    ) -> impl Future<Output = AppResult<Option<Self>>> + Send;
    /// The procedure's rule for `step` by `actor` on the record as seen: the state it leads
    /// to, or 409 with the reason. It may read what the rule depends on (parties, offices,
    /// entitlement) and writes nothing.
    fn authorise(
        db: &Db,
        actor: &Actor,
        visible: &Self,
        step: Self::Step,
    ) -> impl Future<Output = AppResult<Self::State>> + Send;
    /// What the rule depends on beyond the state, checked again on the locked record (a step
    /// that leaves the state as it is, taken once). Nothing by default.
    fn recheck(_locked: &Self, _step: Self::Step) -> AppResult<()> {
        Ok(())
    }
}

/// Open a step: the record within the actor's scope, the rule applied, then the transaction
/// with the row locked and the record re-read ([`open`]). Returns the transaction, the record
/// as locked and the state the step leads to.
pub async fn begin<R: Procedure>(
    db: &Db,
    actor: &Actor,
    id: i64,
    step: R::Step,
) -> AppResult<(Tx, R, R::State)> {
    let visible = R::visible(db, actor, id).await?.ok_or(AppError::NotFound)?;
    let next = R::authorise(db, actor, &visible, step).await?;
    let (tx, locked) = open(db, &visible, id).await?;
    R::recheck(&locked, step)?;
    Ok((tx, locked, next))
}

/// End a step: the draft it signs sealed, the audit record, then commit. To-dos are not closed here: each is keyed to its
/// duty and closed by the act that does it (`notify::store::discharge`), never by another act
/// on the same record.
pub async fn finish(mut tx: Tx, who: &Who, entry: Entry) -> AppResult<()> {
    // A step taken as the signing of a draft seals that draft with the number it drew, in the
    // same transaction: of two signatures at once only one commits (`drafting::store::seal`).
    if let Some(signing) = &who.signing {
        crate::drafting::store::seal(&mut tx, who, signing, &entry).await?;
    }
    crate::audit::record(&mut tx, who, entry).await?;
    tx.commit().await?;
    Ok(())
}

/// Begin the transaction of a step on `visible` (the record as the actor saw it when the rule
/// was checked): lock the row, re-read it and refuse with 409 if another step moved it
/// meanwhile. Returns the transaction and the record as locked.
pub async fn open<R: Record>(db: &Db, visible: &R, id: i64) -> AppResult<(Tx, R)> {
    let mut tx = db.begin().await?;
    lock(&mut tx, R::TABLE, id).await?;
    let locked = R::read(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    if locked.state_code() != visible.state_code() {
        return Err(changed(R::CHANGED));
    }
    Ok((tx, locked))
}

/// Hold row `id` of `table` until the transaction ends: every step that may conflict with
/// another on the same record takes this lock first, before it reads what its rule depends
/// on. `table` is one of the code's own table names, never input.
pub async fn lock(tx: &mut Tx, table: &'static str, id: i64) -> AppResult<()> {
    if is_sqlite(tx) {
        // BEGIN IMMEDIATE holds the write lock of the whole database already.
        return Ok(());
    }
    let sql = format!("SELECT id FROM {table} WHERE id = $1 FOR UPDATE");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?
        .map(|_| ())
        .ok_or(AppError::NotFound)
}

/// Move record `id` from state `from` to `to`. The update is conditional on the prior state
/// and its row count is checked: if another step moved the record first, the caller gets 409
/// and, returning the error, drops its transaction with everything it wrote.
pub async fn transition<R: Record>(tx: &mut Tx, id: i64, from: &str, to: &str) -> AppResult<()> {
    let sql = format!(
        "UPDATE {} SET state = $1 WHERE id = $2 AND state = $3",
        R::TABLE
    );
    let n = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(to)
        .bind(id)
        .bind(from)
        .execute(&mut **tx)
        .await?
        .rows_affected();
    if n != 1 {
        return Err(changed(R::CHANGED));
    }
    Ok(())
}

fn changed(message: &str) -> AppError {
    AppError::conflict("state_changed", message)
}
