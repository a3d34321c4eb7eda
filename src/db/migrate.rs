//! Schema migrations, embedded in the binary and applied in order at start-up.
//!
//! sqlx's own migrator needs one directory per dialect; the schema differs between SQLite and
//! PostgreSQL only in a handful of column types, so migrations are written once with
//! placeholders (`{{PK}}`, `{{BLOB}}`) that are expanded per dialect here.

use sha2::{Digest, Sha256};
use sqlx::Row;

use super::{Db, DbError, Dialect};

pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub sql: &'static str,
}

pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "foundation",
        sql: include_str!("../../migrations/0001_foundation.sql"),
    },
    Migration {
        version: 2,
        name: "calendar_deadlines",
        sql: include_str!("../../migrations/0002_calendar_deadlines.sql"),
    },
    Migration {
        version: 3,
        name: "mail",
        sql: include_str!("../../migrations/0003_mail.sql"),
    },
    Migration {
        version: 4,
        name: "deadline_markers",
        sql: include_str!("../../migrations/0004_deadline_markers.sql"),
    },
    Migration {
        version: 5,
        name: "cases",
        sql: include_str!("../../migrations/0005_cases.sql"),
    },
    Migration {
        version: 6,
        name: "attachments",
        sql: include_str!("../../migrations/0006_attachments.sql"),
    },
    Migration {
        version: 7,
        name: "linkage",
        sql: include_str!("../../migrations/0007_linkage.sql"),
    },
    Migration {
        version: 8,
        name: "tasks",
        sql: include_str!("../../migrations/0008_tasks.sql"),
    },
    Migration {
        version: 9,
        name: "meetings",
        sql: include_str!("../../migrations/0009_meetings.sql"),
    },
    Migration {
        version: 10,
        name: "circulars",
        sql: include_str!("../../migrations/0010_circulars.sql"),
    },
    Migration {
        version: 11,
        name: "inspections",
        sql: include_str!("../../migrations/0011_inspections.sql"),
    },
    Migration {
        version: 12,
        name: "reports",
        sql: include_str!("../../migrations/0012_reports.sql"),
    },
    Migration {
        version: 13,
        name: "composition",
        sql: include_str!("../../migrations/0013_composition.sql"),
    },
    Migration {
        version: 14,
        name: "plans",
        sql: include_str!("../../migrations/0014_plans.sql"),
    },
    Migration {
        version: 15,
        name: "deadline_provisional",
        sql: include_str!("../../migrations/0015_deadline_provisional.sql"),
    },
    Migration {
        version: 16,
        name: "deadline_recompute_stage",
        sql: include_str!("../../migrations/0016_deadline_recompute_stage.sql"),
    },
    Migration {
        version: 17,
        name: "draft_transfers_private",
        sql: include_str!("../../migrations/0017_draft_transfers_private.sql"),
    },
    Migration {
        version: 18,
        name: "todo_duty",
        sql: include_str!("../../migrations/0018_todo_duty.sql"),
    },
    Migration {
        version: 19,
        name: "transfer_service_handover",
        sql: include_str!("../../migrations/0019_transfer_service_handover.sql"),
    },
    Migration {
        version: 20,
        name: "major_matter_forwarded",
        sql: include_str!("../../migrations/0020_major_matter_forwarded.sql"),
    },
    Migration {
        version: 21,
        name: "legacy_todos",
        sql: include_str!("../../migrations/0021_legacy_todos.sql"),
    },
    Migration {
        version: 22,
        name: "organ_head",
        sql: include_str!("../../migrations/0022_organ_head.sql"),
    },
    Migration {
        version: 23,
        name: "drafts",
        sql: include_str!("../../migrations/0023_drafts.sql"),
    },
    Migration {
        version: 24,
        name: "reminders",
        sql: include_str!("../../migrations/0024_reminders.sql"),
    },
    Migration {
        version: 25,
        name: "chain_signers",
        sql: include_str!("../../migrations/0025_chain_signers.sql"),
    },
    Migration {
        version: 26,
        name: "agenda_owner_index",
        sql: include_str!("../../migrations/0026_agenda_owner_index.sql"),
    },
    Migration {
        version: 27,
        name: "provisional_derived",
        sql: include_str!("../../migrations/0027_provisional_derived.sql"),
    },
    Migration {
        version: 28,
        name: "external_sign_in",
        sql: include_str!("../../migrations/0028_external_sign_in.sql"),
    },
    Migration {
        version: 29,
        name: "attachment_text",
        sql: include_str!("../../migrations/0029_attachment_text.sql"),
    },
    Migration {
        version: 30,
        name: "public_reports",
        sql: include_str!("../../migrations/0030_public_reports.sql"),
    },
    Migration {
        version: 31,
        name: "public_report_admission",
        sql: include_str!("../../migrations/0031_public_report_admission.sql"),
    },
    Migration {
        version: 32,
        name: "public_report_links",
        sql: include_str!("../../migrations/0032_public_report_links.sql"),
    },
    Migration {
        version: 33,
        name: "public_report_category",
        sql: include_str!("../../migrations/0033_public_report_category.sql"),
    },
    Migration {
        version: 34,
        name: "public_report_notices",
        sql: include_str!("../../migrations/0034_public_report_notices.sql"),
    },
    Migration {
        version: 35,
        name: "public_report_periods",
        sql: include_str!("../../migrations/0035_public_report_periods.sql"),
    },
    Migration {
        version: 36,
        name: "public_report_queue",
        sql: include_str!("../../migrations/0036_public_report_queue.sql"),
    },
    Migration {
        version: 37,
        name: "penalty_decisions",
        sql: include_str!("../../migrations/0037_penalty_decisions.sql"),
    },
    Migration {
        version: 38,
        name: "credit_listings",
        sql: include_str!("../../migrations/0038_credit_listings.sql"),
    },
    Migration {
        version: 39,
        name: "penalty_credit_code_index",
        sql: include_str!("../../migrations/0039_penalty_credit_code_index.sql"),
    },
    Migration {
        version: 40,
        name: "credit_objections",
        sql: include_str!("../../migrations/0040_credit_objections.sql"),
    },
    Migration {
        version: 41,
        name: "enterprise_matches",
        sql: include_str!("../../migrations/0041_enterprise_matches.sql"),
    },
    Migration {
        version: 42,
        name: "penalty_public_name",
        sql: include_str!("../../migrations/0042_penalty_public_name.sql"),
    },
    Migration {
        version: 43,
        name: "credit_periods",
        sql: include_str!("../../migrations/0043_credit_periods.sql"),
    },
    Migration {
        version: 44,
        name: "person_record",
        sql: include_str!("../../migrations/0044_person_record.sql"),
    },
    Migration {
        version: 45,
        name: "activities",
        sql: include_str!("../../migrations/0045_activities.sql"),
    },
    Migration {
        version: 46,
        name: "deadline_met_on",
        sql: include_str!("../../migrations/0046_deadline_met_on.sql"),
    },
    Migration {
        version: 47,
        name: "direct_reports",
        sql: include_str!("../../migrations/0047_direct_reports.sql"),
    },
    Migration {
        version: 48,
        name: "typical_cases",
        sql: include_str!("../../migrations/0048_typical_cases.sql"),
    },
    Migration {
        version: 49,
        name: "assessment",
        sql: include_str!("../../migrations/0049_assessment.sql"),
    },
    Migration {
        version: 51,
        name: "exports",
        sql: include_str!("../../migrations/0051_exports.sql"),
    },
    Migration {
        version: 52,
        name: "campaigns",
        sql: include_str!("../../migrations/0052_campaigns.sql"),
    },
    Migration {
        version: 53,
        name: "publicity_links",
        sql: include_str!("../../migrations/0053_publicity_links.sql"),
    },
    Migration {
        version: 54,
        name: "clock_tally",
        sql: include_str!("../../migrations/0054_clock_tally.sql"),
    },
    Migration {
        version: 55,
        name: "document_issuers",
        sql: include_str!("../../migrations/0055_document_issuers.sql"),
    },
];

fn expand(sql: &str, dialect: Dialect) -> String {
    let (pk, blob) = match dialect {
        Dialect::Sqlite => ("INTEGER PRIMARY KEY AUTOINCREMENT", "BLOB"),
        Dialect::Postgres => (
            "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
            "BYTEA",
        ),
    };
    // The completion date inside a deadline's clock JSON (`{"state": {"Met": {"on": …}}}`).
    let met_on = match dialect {
        Dialect::Sqlite => "json_extract(clock, '$.state.Met.on')",
        Dialect::Postgres => "(clock::jsonb #>> '{state,Met,on}')",
    };
    sql.replace("{{PK}}", pk)
        .replace("{{BLOB}}", blob)
        .replace("{{JSON_MET_ON}}", met_on)
}

fn checksum(sql: &str) -> String {
    crate::domain::hex(&Sha256::digest(sql.as_bytes()))
}

const LOCK_KEY: i64 = 0x5344_4d49_4752; // "SDMIGR": serialises migrations across instances

/// Apply every migration not yet recorded. Safe to call from several instances at once on
/// PostgreSQL (an advisory lock serialises them); refuses to run if an applied migration's text
/// has changed since.
pub async fn migrate(db: &Db) -> Result<usize, DbError> {
    let mut conn = db.pool.acquire().await?;
    if db.dialect == Dialect::Postgres {
        sqlx::query("SELECT pg_advisory_lock($1)")
            .bind(LOCK_KEY)
            .execute(&mut *conn)
            .await?;
    }
    let result = apply_all(db, &mut conn).await;
    if db.dialect == Dialect::Postgres {
        sqlx::query("SELECT pg_advisory_unlock($1)")
            .bind(LOCK_KEY)
            .execute(&mut *conn)
            .await?;
    }
    result
}

async fn apply_all(db: &Db, conn: &mut sqlx::AnyConnection) -> Result<usize, DbError> {
    sqlx::raw_sql(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version BIGINT PRIMARY KEY,
            name TEXT NOT NULL,
            checksum TEXT NOT NULL,
            applied_at TEXT NOT NULL)",
    )
    .execute(&mut *conn)
    .await?;
    let applied: Vec<(i64, String)> =
        sqlx::query("SELECT version, checksum FROM schema_migrations ORDER BY version")
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|r| Ok((r.try_get::<i64, _>(0)?, r.try_get::<String, _>(1)?)))
            .collect::<Result<_, sqlx::Error>>()?;
    let mut count = 0;
    for m in MIGRATIONS {
        let sql = expand(m.sql, db.dialect);
        let sum = checksum(m.sql);
        if let Some((_, existing)) = applied.iter().find(|(v, _)| *v == m.version) {
            if *existing != sum {
                return Err(DbError::MigrationChanged { version: m.version });
            }
            continue;
        }
        let mut tx = sqlx::Connection::begin(&mut *conn).await?;
        // Migration text is embedded in the binary at build time.
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(m.version)
        .bind(m.name)
        .bind(&sum)
        // When the schema really changed: an operational fact, not an operation's business
        // time, so the wall clock even when the server runs on a set date.
        .bind(crate::clock::Clock::system().now_text())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        tracing::info!(version = m.version, name = m.name, "migration applied");
        count += 1;
    }
    Ok(count)
}

/// Migrations the database has not applied yet (readiness fails while any remain).
pub async fn pending_migrations(db: &Db) -> Result<usize, sqlx::Error> {
    let applied: i64 = match sqlx::query("SELECT COUNT(*) FROM schema_migrations")
        .fetch_one(&db.pool)
        .await
    {
        Ok(row) => row.try_get(0)?,
        Err(_) => 0,
    };
    Ok(MIGRATIONS.len().saturating_sub(applied as usize))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_expand_per_dialect() {
        let s = expand("id {{PK}}, b {{BLOB}}", Dialect::Postgres);
        assert!(s.contains("IDENTITY") && s.contains("BYTEA"));
        let s = expand("id {{PK}}, b {{BLOB}}", Dialect::Sqlite);
        assert!(s.contains("AUTOINCREMENT") && s.contains("BLOB"));
        for m in MIGRATIONS {
            assert!(!expand(m.sql, Dialect::Sqlite).contains("{{"));
        }
    }

    #[test]
    fn versions_are_increasing() {
        assert!(MIGRATIONS.windows(2).all(|w| w[0].version < w[1].version));
    }

    /// A migration file that is not in the list is never applied (it happened: three files sat
    /// unapplied while the tests passed on the old schema).
    #[test]
    fn every_migration_file_is_registered() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/migrations");
        let mut files: Vec<String> = std::fs::read_dir(dir)
            .expect("migrations directory")
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|n| n.ends_with(".sql"))
            .collect();
        files.sort();
        let registered: Vec<String> = MIGRATIONS
            .iter()
            .map(|m| format!("{:04}_{}.sql", m.version, m.name))
            .collect();
        assert_eq!(files, registered);
    }
}
