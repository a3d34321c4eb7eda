//! Exports in storage: the request (one transaction with its audit record), the background
//! job that streams rows into a constant-memory workbook, and the file's download.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::Serialize;
use serde_json::json;

use crate::access::sql::unit_in_scope;
use crate::access::{Action, Actor, Resource, Scope};
use crate::audit::{self, Entry, Who};
use crate::clock::Clock;
use crate::db::Db;
use crate::db::query::Sql;
use crate::error::{AppError, AppResult};

pub const RESOURCE: &str = "export";

/// Rows read from the database at a time.
const PAGE_ROWS: i64 = 2_000;

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
#[schema(as = ExportJob)]
pub struct Export {
    pub id: i64,
    /// `clocks`: every clock started in a period, within the reader's scope.
    pub kind: String,
    /// What was asked, as JSON (`{"from": …, "to": …}`).
    pub params: String,
    #[serde(skip)]
    pub requested_by: i64,
    /// running, ready or failed
    pub state: String,
    pub rows_total: i64,
    pub rows_done: i64,
    pub file_size: Option<i64>,
    pub error: Option<String>,
    pub created_at: String,
    pub finished_at: Option<String>,
    #[serde(skip)]
    pub file_name: Option<String>,
}

impl Export {
    pub fn percent(&self) -> i64 {
        if self.state == "ready" {
            100
        } else {
            super::percent(self.rows_done, self.rows_total)
        }
    }
    pub fn state_label(&self) -> &'static str {
        match self.state.as_str() {
            "running" => "正在生成",
            "ready" => "已生成",
            _ => "生成失败",
        }
    }
    pub fn running(&self) -> bool {
        self.state == "running"
    }
    pub fn ready(&self) -> bool {
        self.state == "ready"
    }
    /// The file name offered for download.
    pub fn download_name(&self) -> String {
        let p: serde_json::Value = serde_json::from_str(&self.params).unwrap_or_default();
        format!(
            "办理时限明细_{}_{}.xlsx",
            p["from"].as_str().unwrap_or(""),
            p["to"].as_str().unwrap_or("")
        )
    }
}

const SELECT: &str = "SELECT id, kind, params, requested_by, state, rows_total, rows_done, file_size, error, \
     created_at, finished_at, file_name FROM exports WHERE id = $1";

/// An export of the reader's own; 404 for anyone else's.
pub async fn get(db: &Db, actor: &Actor, id: i64) -> AppResult<Export> {
    let e: Option<Export> = sqlx::query_as(SELECT)
        .bind(id)
        .fetch_optional(&db.pool)
        .await?;
    e.filter(|e| e.requested_by == actor.user_id)
        .ok_or(AppError::NotFound)
}

/// One clock as the workbook lists it.
#[derive(Debug, sqlx::FromRow)]
struct ClockRow {
    id: i64,
    purpose: String,
    clause: String,
    start_date: String,
    due_date: Option<String>,
    unit_name: String,
    state: String,
    met_on: Option<String>,
    timeliness: String,
}

fn clocks_where(scope: &Scope, from: NaiveDate, to: NaiveDate) -> Sql {
    let mut w = Sql::default();
    w.append(unit_in_scope(scope, "un"));
    w.push(" AND d.start_date >= ")
        .bind(from.to_string())
        .push(" AND d.start_date <= ")
        .bind(to.to_string());
    w
}

/// Ask for every clock started from `from` to `to` within the reader's scope: the request is
/// recorded and audited, then the workbook is written in the background. Returns its id.
pub async fn start_clocks(
    db: &Db,
    clock: Clock,
    dir: &Path,
    actor: &Actor,
    who: &Who,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<i64> {
    let scope = actor.require(Resource::Deadline, Action::Read)?;
    let mut count = Sql::new(
        "SELECT COUNT(*) FROM deadlines d JOIN units un ON un.id = d.owner_unit_id WHERE ",
    );
    count.append(clocks_where(&scope, from, to));
    let total: i64 = count.query_scalar().fetch_one(&db.pool).await?;
    let params = json!({"from": from.to_string(), "to": to.to_string()});
    let mut tx = db.begin().await?;
    // One export at a time per person: each may read a million rows. One started more than
    // half an hour ago and still running is taken to have died with its instance.
    crate::procedure::lock(&mut tx, "users", actor.user_id).await?;
    let since = crate::db::time::to_text(who.at - chrono::Duration::minutes(30));
    let running: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM exports WHERE requested_by = $1 AND state = 'running' AND created_at > $2",
    )
    .bind(actor.user_id)
    .bind(&since)
    .fetch_one(&mut *tx)
    .await?;
    if running > 0 {
        return Err(AppError::conflict(
            "export_running",
            "您已有一项导出正在生成，请待其完成后再导出",
        ));
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO exports (kind, params, requested_by, unit_id, state, rows_total, rows_done, created_at) \
         VALUES ('clocks', $1, $2, $3, 'running', $4, 0, $5) RETURNING id",
    )
    .bind(params.to_string())
    .bind(actor.user_id)
    .bind(actor.unit_id)
    .bind(total)
    .bind(who.at_text())
    .fetch_one(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        who,
        Entry::new("export.start", RESOURCE)
            .object(id, Some(actor.unit_id))
            .summary(json!({"kind": "clocks", "params": params, "rows": total})),
    )
    .await?;
    tx.commit().await?;
    let db = db.clone();
    let dir = dir.to_path_buf();
    tokio::spawn(async move {
        let outcome = write_clocks(&db, &dir, id, &scope, from, to).await;
        let now = clock.now_text();
        let r = match outcome {
            Ok((name, size, rows)) => sqlx::query(
                "UPDATE exports SET state = 'ready', file_name = $1, file_size = $2, rows_done = $3, finished_at = $4 WHERE id = $5",
            )
            .bind(name)
            .bind(size)
            .bind(rows)
            .bind(&now)
            .bind(id)
            .execute(&db.pool)
            .await,
            Err(e) => {
                tracing::error!(export = id, error = %e, "export failed");
                sqlx::query(
                    "UPDATE exports SET state = 'failed', error = $1, finished_at = $2 WHERE id = $3",
                )
                .bind("生成过程中出错，请重新导出")
                .bind(&now)
                .bind(id)
                .execute(&db.pool)
                .await
            }
        };
        if let Err(e) = r {
            tracing::error!(export = id, error = %e, "recording the export's end failed");
        }
    });
    Ok(id)
}

/// Stream the rows into the workbook: the database is read on this task a page at a time, the
/// workbook written on a blocking thread, with a bounded channel between them so that neither
/// side holds more than a page of rows. Returns the file's name, size and the rows written.
async fn write_clocks(
    db: &Db,
    dir: &Path,
    id: i64,
    scope: &Scope,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<(String, i64, i64), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("exports dir: {e}"))?;
    let name = format!("{id}-{}.xlsx", crate::domain::hex(&random_bytes()?));
    let path: PathBuf = dir.join(&name);
    let (send, recv) = tokio::sync::mpsc::channel::<ClockRow>(512);
    let writer_path = path.clone();
    let writer = tokio::task::spawn_blocking(move || write_workbook(&writer_path, recv));
    // Pages of rows by key, not one long result: a driver may buffer a result's rows ahead of
    // a slower reader (SQLite's worker thread does), which for a million rows is the memory
    // this export exists to avoid.
    let mut done = 0i64;
    let mut after = 0i64;
    'pages: loop {
        let mut q = Sql::new(concat!(
            "SELECT d.id, d.purpose, d.clause, d.start_date, d.due_date, un.name AS unit_name, d.state, d.met_on, ",
            crate::timeliness_sql!("d"),
            " AS timeliness FROM deadlines d JOIN units un ON un.id = d.owner_unit_id WHERE "
        ));
        q.append(clocks_where(scope, from, to));
        q.push(" AND d.id > ").bind(after);
        q.push(" ORDER BY d.id").limit_offset(PAGE_ROWS, 0);
        let page: Vec<ClockRow> = q
            .query_as()
            .fetch_all(&db.pool)
            .await
            .map_err(|e| e.to_string())?;
        let last = page.len() < PAGE_ROWS as usize;
        for r in page {
            after = r.id;
            if send.send(r).await.is_err() {
                break 'pages;
            }
            done += 1;
            if done % super::PROGRESS_EVERY == 0 {
                sqlx::query("UPDATE exports SET rows_done = $1 WHERE id = $2")
                    .bind(done)
                    .bind(id)
                    .execute(&db.pool)
                    .await
                    .map_err(|e| e.to_string())?;
            }
        }
        if last {
            break;
        }
    }
    drop(send);
    writer.await.map_err(|e| e.to_string())??;
    let size = std::fs::metadata(&path)
        .map(|m| m.len() as i64)
        .map_err(|e| e.to_string())?;
    Ok((name, size, done))
}

fn random_bytes() -> Result<[u8; 16], String> {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).map_err(|e| e.to_string())?;
    Ok(b)
}

fn write_workbook(
    path: &Path,
    mut rows: tokio::sync::mpsc::Receiver<ClockRow>,
) -> Result<(), String> {
    use rust_xlsxwriter::{Format, Workbook};
    let xl = |e: rust_xlsxwriter::XlsxError| e.to_string();
    let mut wb = Workbook::new();
    let head = Format::new().set_bold();
    let ws = wb.add_worksheet_with_constant_memory().map_err(xl)?;
    ws.set_name("办理时限明细").map_err(xl)?;
    for (c, (h, w)) in [
        ("编号", 10.0),
        ("事项", 48.0),
        ("依据", 24.0),
        ("起算日", 12.0),
        ("届满日", 12.0),
        ("承办单位", 30.0),
        ("状态", 10.0),
        ("完成日", 12.0),
        ("按期情况", 12.0),
    ]
    .into_iter()
    .enumerate()
    {
        ws.set_column_width(c as u16, w).map_err(xl)?;
        ws.write_string_with_format(0, c as u16, h, &head)
            .map_err(xl)?;
    }
    let mut row = 0u32;
    while let Some(r) = rows.blocking_recv() {
        row += 1;
        ws.write_number(row, 0, r.id as f64).map_err(xl)?;
        ws.write_string(row, 1, &r.purpose).map_err(xl)?;
        ws.write_string(row, 2, crate::domain::citation::cite(&r.clause))
            .map_err(xl)?;
        ws.write_string(row, 3, &r.start_date).map_err(xl)?;
        ws.write_string(row, 4, r.due_date.as_deref().unwrap_or(""))
            .map_err(xl)?;
        ws.write_string(row, 5, &r.unit_name).map_err(xl)?;
        ws.write_string(row, 6, state_zh(&r.state)).map_err(xl)?;
        ws.write_string(row, 7, r.met_on.as_deref().unwrap_or(""))
            .map_err(xl)?;
        ws.write_string(row, 8, timeliness_zh(&r.timeliness))
            .map_err(xl)?;
    }
    wb.save(path).map_err(xl)
}

fn state_zh(s: &str) -> &'static str {
    match s {
        "open" => "进行中",
        "suspended" => "中止",
        "met" => "已完成",
        "missed" => "逾期未完成",
        "waived" => "豁免",
        _ => "其他",
    }
}

fn timeliness_zh(t: &str) -> &'static str {
    match t {
        "on_time" => "按期完成",
        "late" => "逾期完成",
        "missed" => "逾期未完成",
        "waived" => "豁免",
        _ => "办理中",
    }
}

/// The finished file of the reader's export, opened for sending, with its name and size; the
/// download is audited.
pub async fn open_file(
    db: &Db,
    dir: &Path,
    actor: &Actor,
    who: &Who,
    id: i64,
) -> AppResult<(String, u64, tokio::fs::File)> {
    let e = get(db, actor, id).await?;
    let Some(name) = e.file_name.as_deref().filter(|_| e.ready()) else {
        return Err(AppError::conflict("not_ready", "导出文件尚未生成"));
    };
    let file = tokio::fs::File::open(dir.join(name))
        .await
        .map_err(|_| AppError::conflict("file_missing", "导出文件已不在本服务器上，请重新导出"))?;
    let len = file.metadata().await.map(|m| m.len()).unwrap_or(0);
    let mut tx = db.begin().await?;
    audit::record(
        &mut tx,
        who,
        Entry::new("export.download", RESOURCE)
            .object(id, Some(actor.unit_id))
            .summary(json!({"rows": e.rows_done})),
    )
    .await?;
    tx.commit().await?;
    Ok((e.download_name(), len, file))
}
