//! Storage edge: one connection pool over SQLite (default) or PostgreSQL (production).
//!
//! All SQL is written once, in the common subset of both dialects, with `$1`-style parameters
//! (SQLite accepts `$NNN` too). The `Any` driver carries only integers, floats, text and bytes,
//! so timestamps are stored as fixed-width RFC 3339 UTC text (sortable on both), dates as
//! `YYYY-MM-DD` text and flags as 0/1 integers.

pub mod backup;
mod migrate;
pub mod nested;
pub mod query;
pub mod time;

use std::str::FromStr;
use std::time::Duration;

use std::sync::Arc;

use sqlx::any::{AnyArguments, AnyConnectOptions, AnyPoolOptions, AnyQueryResult};
use sqlx::{Any, AnyConnection, AnyPool, ConnectOptions, Transaction};
use tokio::sync::{Mutex, OwnedMutexGuard};

pub use migrate::{MIGRATIONS, migrate, pending_migrations};

/// A writing transaction ([`Db::begin`]). It is used as the connection it runs on
/// (`&mut **tx`); on SQLite it also holds the process's turn to write until it ends.
pub struct Tx {
    // Declared first so it is dropped (rolled back) before the turn passes on.
    inner: Transaction<'static, Any>,
    _turn: Option<OwnedMutexGuard<()>>,
    /// The audit records of what the transaction did, appended at its commit.
    audit: Vec<(crate::audit::Who, crate::audit::Entry)>,
}

impl Tx {
    /// Commit, with the audit records of what the transaction did appended just before
    /// (`audit::record`): the chain's head is the one row every writer must take in turn, so
    /// it is taken last and held for as short a time as the chain allows.
    pub async fn commit(mut self) -> Result<(), sqlx::Error> {
        let audit = std::mem::take(&mut self.audit);
        crate::audit::store::append(&mut self, audit).await?;
        self.inner.commit().await
    }

    pub(crate) fn defer_audit(&mut self, who: crate::audit::Who, entry: crate::audit::Entry) {
        self.audit.push((who, entry));
    }

    pub async fn rollback(self) -> Result<(), sqlx::Error> {
        self.inner.rollback().await
    }
}

impl std::ops::Deref for Tx {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        &self.inner
    }
}

impl std::ops::DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.inner
    }
}

/// A 0/1 integer flag column read as a boolean (the `Any` driver carries no booleans).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
#[serde(transparent)]
pub struct Flag(pub bool);

/// As nested JSON carries it (`db::nested`): the 0/1 integer, or a boolean.
impl<'de> serde::Deserialize<'de> for Flag {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(serde::Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Int(i64),
            Bool(bool),
        }
        Ok(match Raw::deserialize(d)? {
            Raw::Int(v) => Flag(v != 0),
            Raw::Bool(b) => Flag(b),
        })
    }
}

impl From<i64> for Flag {
    fn from(v: i64) -> Self {
        Flag(v != 0)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

#[derive(Clone)]
pub struct Db {
    pub pool: AnyPool,
    pub dialect: Dialect,
    /// SQLite's one writer at a time, queued in the process (a fair, first-come lock) rather
    /// than in SQLite's busy handler, which sleeps and retries with growing back-off: sixteen
    /// writers at once waited over a second at p99 there (bench/RESULTS.md). A writer takes its
    /// turn before it takes a connection, so waiting writers hold none that readers need.
    /// `None` on PostgreSQL, whose writers run side by side.
    writer: Option<Arc<Mutex<()>>>,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db")
            .field("dialect", &self.dialect)
            .finish()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("不支持的数据库地址（只支持 sqlite: 与 postgres:）：{0}")]
    UnsupportedUrl(String),
    #[error(transparent)]
    Sqlx(#[from] sqlx::Error),
    #[error("迁移 {version} 的内容与已执行的版本不一致（校验和不同）")]
    MigrationChanged { version: i64 },
}

impl Dialect {
    pub fn from_url(url: &str) -> Result<Self, DbError> {
        if url.starts_with("sqlite:") {
            Ok(Dialect::Sqlite)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Ok(Dialect::Postgres)
        } else {
            Err(DbError::UnsupportedUrl(redact_url(url)))
        }
    }
}

/// Hide a password in a connection URL before it reaches a log or an error message.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.find(':') {
                Some(c) => format!("{}{}:***{}", &url[..s + 3], &creds[..c], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// How long a SQLite writer waits for its turn before it is told the database is busy: as long
/// as SQLite's own busy timeout (`PRAGMA busy_timeout` below).
const WRITE_TURN_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a PostgreSQL connection may sit idle in the pool before it is pinged on reuse.
const STALE_AFTER: Duration = Duration::from_secs(10);

/// SQLite's `synchronous` setting in WAL mode. `Full` syncs the log at every commit, so an
/// acknowledged write survives an operating-system crash or power loss; `Normal` syncs only at
/// checkpoints and may lose the last commits then (it still survives the process being killed).
/// bench/RESULTS.md gives the cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SqliteSynchronous {
    #[default]
    Full,
    Normal,
}

impl std::str::FromStr for SqliteSynchronous {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "full" => Ok(SqliteSynchronous::Full),
            "normal" => Ok(SqliteSynchronous::Normal),
            _ => Err(format!("{s}：应为 full 或 normal")),
        }
    }
}

impl Db {
    /// Connect with the durable default ([`SqliteSynchronous::Full`]).
    pub async fn connect(url: &str, max_connections: u32) -> Result<Self, DbError> {
        Self::connect_with(url, max_connections, SqliteSynchronous::Full).await
    }

    pub async fn connect_with(
        url: &str,
        max_connections: u32,
        synchronous: SqliteSynchronous,
    ) -> Result<Self, DbError> {
        sqlx::any::install_default_drivers();
        let dialect = Dialect::from_url(url)?;
        let url = match dialect {
            // WAL lets readers proceed while one writer commits; foreign keys are off by default.
            // A 32 MiB page cache per connection (allocated as pages are read) keeps bulk passes
            // over large tables off the disk (see bench/RESULTS.md).
            Dialect::Sqlite => sqlite_url(url),
            Dialect::Postgres => url.to_string(),
        };
        let opts = AnyConnectOptions::from_str(&url)?
            .log_slow_statements(tracing::log::LevelFilter::Warn, Duration::from_millis(500));
        let max = match dialect {
            Dialect::Sqlite => max_connections.max(1),
            Dialect::Postgres => max_connections.max(2),
        };
        let pool = AnyPoolOptions::new()
            .max_connections(max)
            .acquire_timeout(Duration::from_secs(10))
            // sqlx pings every connection it hands out by default: a second round trip for each
            // query (on SQLite a thread hand-off). An embedded file cannot go away under us, and
            // a PostgreSQL connection is only worth checking after it sat idle long enough for
            // the server or a proxy to have dropped it.
            .test_before_acquire(false)
            .before_acquire(move |conn, meta| {
                Box::pin(async move {
                    if dialect == Dialect::Postgres && meta.idle_for > STALE_AFTER {
                        sqlx::Connection::ping(conn).await?;
                    }
                    Ok(true)
                })
            })
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if dialect == Dialect::Sqlite {
                        let pragmas = match synchronous {
                            SqliteSynchronous::Full => {
                                "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; PRAGMA synchronous = FULL; PRAGMA cache_size = -32768; PRAGMA temp_store = MEMORY;"
                            }
                            SqliteSynchronous::Normal => {
                                "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; PRAGMA synchronous = NORMAL; PRAGMA cache_size = -32768; PRAGMA temp_store = MEMORY;"
                            }
                        };
                        sqlx::raw_sql(pragmas).execute(conn).await?;
                    } else {
                        // Plan each prepared statement once per connection. PostgreSQL would
                        // otherwise plan most of ours afresh on every execution: a custom plan
                        // for the bound values looks cheaper than the generic one, and planning
                        // cost as much as running the query (bench/RESULTS.md). Paging is
                        // written as literals (`Sql::limit_offset`), so the generic plans know
                        // the page is small. SQLite is built with the same guarantee
                        // (SQLITE_ENABLE_QPSG in .cargo/config.toml).
                        sqlx::raw_sql("SET plan_cache_mode = force_generic_plan")
                            .execute(conn)
                            .await?;
                    }
                    Ok(())
                })
            })
            .connect_with(opts)
            .await?;
        let writer = (dialect == Dialect::Sqlite).then(|| Arc::new(Mutex::new(())));
        Ok(Db {
            pool,
            dialect,
            writer,
        })
    }

    /// On SQLite, wait for this process's turn to write (see [`Db::writer`]). As long as
    /// SQLite's own busy timeout: a writer that waited that long is told the database is busy.
    async fn turn(&self) -> Result<Option<OwnedMutexGuard<()>>, sqlx::Error> {
        match &self.writer {
            None => Ok(None),
            Some(w) => tokio::time::timeout(WRITE_TURN_TIMEOUT, w.clone().lock_owned())
                .await
                .map(Some)
                .map_err(|_| sqlx::Error::PoolTimedOut),
        }
    }

    /// Run one writing statement on its own (no transaction of its own making): on SQLite in
    /// its turn like a transaction, so it queues instead of sleeping in the busy handler.
    pub async fn execute<'q>(
        &self,
        query: sqlx::query::Query<'q, Any, AnyArguments>,
    ) -> Result<AnyQueryResult, sqlx::Error> {
        let _turn = self.turn().await?;
        query.execute(&self.pool).await
    }

    /// Begin a writing transaction. On SQLite it takes the write lock at once (BEGIN
    /// IMMEDIATE): a deferred transaction that reads first and writes later can fail with
    /// SQLITE_BUSY when another writer got in between, whereas an immediate one simply waits
    /// its turn (busy_timeout).
    pub async fn begin(&self) -> Result<Tx, sqlx::Error> {
        let turn = self.turn().await?;
        let inner = match self.dialect {
            Dialect::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Dialect::Postgres => self.pool.begin().await?,
        };
        Ok(Tx {
            inner,
            _turn: turn,
            audit: Vec::new(),
        })
    }

    pub async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.pool).await.is_ok()
    }
}

fn sqlite_url(url: &str) -> String {
    let mut url = url.to_string();
    if !url.contains("mode=") {
        url.push(if url.contains('?') { '&' } else { '?' });
        url.push_str("mode=rwc");
    }
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dialect_from_url() {
        assert_eq!(
            Dialect::from_url("sqlite:data/x.db").ok(),
            Some(Dialect::Sqlite)
        );
        assert_eq!(
            Dialect::from_url("postgres://u@h/db").ok(),
            Some(Dialect::Postgres)
        );
        assert!(Dialect::from_url("mysql://h/db").is_err());
    }

    #[test]
    fn redacts_password() {
        assert_eq!(
            redact_url("postgres://u:secret@h/db"),
            "postgres://u:***@h/db"
        );
        assert_eq!(redact_url("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(redact_url("sqlite:x.db"), "sqlite:x.db");
    }

    #[test]
    fn sqlite_url_gets_defaults_once() {
        assert_eq!(sqlite_url("sqlite:a.db"), "sqlite:a.db?mode=rwc");
        assert_eq!(sqlite_url("sqlite:a.db?mode=ro"), "sqlite:a.db?mode=ro");
    }
}
