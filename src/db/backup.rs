//! Backup and restore of the whole database, for `shuangda backup` and `shuangda restore`.
//!
//! SQLite is copied with `VACUUM INTO`, which reads one consistent snapshot while the server
//! keeps writing: copying the file of a running database (with its `-wal`) is not a backup.
//! PostgreSQL is dumped and restored by its own `pg_dump` and `pg_restore` (custom format).
//! A restore is accepted only when the restored database opens, takes the migrations, and its
//! audit trail verifies.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::{Db, Dialect, SqliteSynchronous};

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{0}")]
    Refused(String),
    #[error("数据库错误：{0}")]
    Db(#[from] sqlx::Error),
    #[error("{0}")]
    Open(String),
    #[error("文件操作失败（{path}）：{source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{tool} 执行失败：{message}")]
    Tool { tool: &'static str, message: String },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> BackupError + '_ {
    move |source| BackupError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// What a restore found in the restored database.
#[derive(Debug)]
pub struct Restored {
    pub audit_records: u64,
    pub audit_head: i64,
}

/// The file behind a `sqlite:` URL.
pub fn sqlite_path(url: &str) -> Option<PathBuf> {
    let rest = url.strip_prefix("sqlite:")?;
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    let path = rest.split('?').next().unwrap_or(rest);
    (!path.is_empty() && path != ":memory:").then(|| PathBuf::from(path))
}

fn sql_literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// Create `file`, which must not exist yet, empty and readable by its owner only: a backup holds
/// password hashes and resident IDs. `VACUUM INTO` and `pg_dump --file` both write into it.
fn create_private(file: &Path) -> Result<(), BackupError> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    opts.open(file).map(drop).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            BackupError::Refused(format!(
                "备份文件 {} 已存在，请换一个文件名",
                file.display()
            ))
        } else {
            BackupError::Io {
                path: file.display().to_string(),
                source: e,
            }
        }
    })
}

/// Write a consistent copy of the database at `url` to `file`, which must not exist yet.
pub async fn backup(url: &str, file: &Path) -> Result<(), BackupError> {
    let dialect = Dialect::from_url(url).map_err(|e| BackupError::Open(e.to_string()))?;
    // Opening a missing SQLite file would create an empty database and back that up.
    if dialect == Dialect::Sqlite && !sqlite_path(url).is_some_and(|p| p.is_file()) {
        return Err(BackupError::Refused(format!(
            "找不到数据库文件（{url}）：请在服务的工作目录运行，或在配置中写明数据库的绝对路径"
        )));
    }
    create_private(file)?;
    let result = copy_into(dialect, url, file).await;
    if result.is_err() {
        let _ = std::fs::remove_file(file);
    }
    result
}

async fn copy_into(dialect: Dialect, url: &str, file: &Path) -> Result<(), BackupError> {
    match dialect {
        Dialect::Sqlite => {
            let db = Db::connect(url, 1)
                .await
                .map_err(|e| BackupError::Open(e.to_string()))?;
            let target = file
                .to_str()
                .ok_or_else(|| BackupError::Refused("备份文件名须为 UTF-8 文字".into()))?;
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                "VACUUM INTO {}",
                sql_literal(target)
            )))
            .execute(&db.pool)
            .await?;
            db.pool.close().await;
            Ok(())
        }
        Dialect::Postgres => {
            run(
                "pg_dump",
                Command::new("pg_dump")
                    .arg("--format=custom")
                    .arg("--no-owner")
                    .arg("--no-privileges")
                    .arg("--file")
                    .arg(file),
                url,
            )?;
            Ok(())
        }
    }
}

/// Restore `file` (made by [`backup`]) into the database at `url`. The target must be empty
/// unless `replace` is given; replacing requires the server to be stopped.
pub async fn restore(url: &str, file: &Path, replace: bool) -> Result<Restored, BackupError> {
    if !file.is_file() {
        return Err(BackupError::Refused(format!(
            "找不到备份文件 {}",
            file.display()
        )));
    }
    match Dialect::from_url(url).map_err(|e| BackupError::Open(e.to_string()))? {
        Dialect::Sqlite => {
            let target = sqlite_path(url)
                .ok_or_else(|| BackupError::Refused("数据库地址不是 SQLite 文件".into()))?;
            if target.exists() && !replace {
                return Err(BackupError::Refused(format!(
                    "数据库文件 {} 已存在；确认服务已停止后，加 --replace 覆盖",
                    target.display()
                )));
            }
            if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(io(dir))?;
            }
            // Copy beside the target and check the copy, then rename it over the target: a
            // damaged backup or a restore cut short leaves the old database whole. The old
            // database's WAL and shared-memory files belong to the old file and would corrupt
            // the restored one, so they go.
            let staging = target.with_extension("restoring");
            std::fs::copy(file, &staging).map_err(io(&staging))?;
            // The copy must pass SQLite's integrity check, take the migrations and verify its
            // audit trail before it replaces anything.
            let staged = async {
                check_sqlite_copy(&staging).await?;
                check_restored(&format!("sqlite:{}", staging.display())).await
            }
            .await;
            let restored = match staged {
                Ok(r) => r,
                Err(e) => {
                    for side in sqlite_files(&staging) {
                        let _ = std::fs::remove_file(side);
                    }
                    return Err(e);
                }
            };
            for side in sqlite_files(&target).into_iter().skip(1) {
                if side.exists() {
                    std::fs::remove_file(&side).map_err(io(&side))?;
                }
            }
            std::fs::rename(&staging, &target).map_err(io(&target))?;
            return Ok(restored);
        }
        Dialect::Postgres => {
            let db = Db::connect(url, 2)
                .await
                .map_err(|e| BackupError::Open(e.to_string()))?;
            let tables: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public'",
            )
            .fetch_one(&db.pool)
            .await?;
            db.pool.close().await;
            if tables > 0 && !replace {
                return Err(BackupError::Refused(
                    "目标数据库不是空库；确认服务已停止后，加 --replace 清除后恢复".into(),
                ));
            }
            let mut cmd = Command::new("pg_restore");
            cmd.arg("--no-owner")
                .arg("--no-privileges")
                .arg("--exit-on-error")
                .arg("--single-transaction");
            if replace {
                cmd.arg("--clean").arg("--if-exists");
            }
            run("pg_restore", cmd.arg(file), url)?;
        }
    }
    check_restored(url).await
}

/// A database file and the WAL and shared-memory files SQLite keeps beside it.
fn sqlite_files(db: &Path) -> [PathBuf; 3] {
    let name = db.display().to_string();
    [
        db.to_path_buf(),
        PathBuf::from(format!("{name}-wal")),
        PathBuf::from(format!("{name}-shm")),
    ]
}

/// The copy of a backup opens as a SQLite database and passes its own integrity check.
async fn check_sqlite_copy(copy: &Path) -> Result<(), BackupError> {
    let unusable = |e: String| BackupError::Refused(format!("备份文件不可用：{e}"));
    let url = format!("sqlite:{}", copy.display());
    let db = Db::connect_with(&url, 1, SqliteSynchronous::Full)
        .await
        .map_err(|e| unusable(e.to_string()))?;
    let verdict: Result<String, _> = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&db.pool)
        .await;
    db.pool.close().await;
    match verdict {
        Ok(v) if v == "ok" => Ok(()),
        Ok(v) => Err(BackupError::Refused(format!("备份文件已损坏：{v}"))),
        Err(e) => Err(unusable(e.to_string())),
    }
}

/// The restored database takes the migrations and its audit trail verifies.
async fn check_restored(url: &str) -> Result<Restored, BackupError> {
    let db = Db::connect(url, 2)
        .await
        .map_err(|e| BackupError::Open(e.to_string()))?;
    super::migrate(&db)
        .await
        .map_err(|e| BackupError::Open(format!("恢复后的数据库无法迁移：{e}")))?;
    let report = crate::audit::verify(&db).await?;
    db.pool.close().await;
    if let Some(f) = report.findings.first() {
        return Err(BackupError::Refused(format!(
            "恢复后的审计日志校验失败：{}",
            f.describe()
        )));
    }
    Ok(Restored {
        audit_records: report.checked,
        audit_head: report.head_seq,
    })
}

/// The connection URL without its password, and the password: the password goes to the
/// PostgreSQL tools in their environment (PGPASSWORD), never on a command line any local user
/// can read.
fn without_password(url: &str) -> (String, Option<String>) {
    if let (Some(s), Some(at)) = (url.find("://"), url.rfind('@'))
        && at > s
    {
        let creds = &url[s + 3..at];
        if let Some(c) = creds.find(':') {
            let user = &creds[..c];
            let password = &creds[c + 1..];
            return (
                format!("{}{}{}", &url[..s + 3], user, &url[at..]),
                Some(password.to_string()),
            );
        }
    }
    (url.to_string(), None)
}

fn run(tool: &'static str, cmd: &mut Command, url: &str) -> Result<(), BackupError> {
    let (bare, password) = without_password(url);
    cmd.arg("--dbname").arg(&bare);
    if let Some(p) = password {
        cmd.env("PGPASSWORD", p);
    }
    let out = cmd.output().map_err(|e| BackupError::Tool {
        tool,
        message: if e.kind() == std::io::ErrorKind::NotFound {
            format!("找不到 {tool}，请安装 PostgreSQL 客户端（Debian：postgresql-client）")
        } else {
            e.to_string()
        },
    })?;
    if out.status.success() {
        Ok(())
    } else {
        Err(BackupError::Tool {
            tool,
            message: super::redact_url(String::from_utf8_lossy(&out.stderr).trim()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_paths() {
        assert_eq!(
            sqlite_path("sqlite:data/shuangda.db"),
            Some(PathBuf::from("data/shuangda.db"))
        );
        assert_eq!(
            sqlite_path("sqlite:///var/lib/sd.db?mode=rwc"),
            Some(PathBuf::from("/var/lib/sd.db"))
        );
        assert_eq!(sqlite_path("sqlite::memory:"), None);
        assert_eq!(sqlite_path("postgres://h/db"), None);
    }

    #[test]
    fn passwords_leave_the_url() {
        assert_eq!(
            without_password("postgres://sd:s3cret@db.internal:5432/shuangda"),
            (
                "postgres://sd@db.internal:5432/shuangda".to_string(),
                Some("s3cret".to_string())
            )
        );
        assert_eq!(
            without_password("postgres://postgres@127.0.0.1/x"),
            ("postgres://postgres@127.0.0.1/x".to_string(), None)
        );
    }

    #[test]
    fn literals_are_quoted() {
        assert_eq!(sql_literal("a'b.db"), "'a''b.db'");
    }
}
