//! Searching and exporting the audit trail (page, CSV export, API). Every export is itself
//! audited.

use askama::Template;
use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::store::{self, Filter, PAGE_SIZE};
use super::{AuditRecord, Entry};
use crate::access::{Action, Resource};
use crate::db::time;
use crate::error::{AppError, AppResult};
use crate::web::SharedState;
use crate::web::extract::{ApiUser, CurrentUser, Query};
use crate::web::page::{Layout, PageResult, non_empty, page_number, render};

pub fn routes() -> OpenApiRouter<SharedState> {
    OpenApiRouter::new()
        .route("/audit", get(search_page))
        .route("/audit/export", get(export_csv))
        .routes(routes!(api_search))
}

#[derive(Deserialize, Default, Clone, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// Part of the actor's name or user name.
    pub actor: Option<String>,
    /// Action prefix, e.g. `user.` or `auth.sign_in_failed`.
    pub action: Option<String>,
    /// Object type, e.g. `unit`.
    pub object_type: Option<String>,
    /// Acting or object unit id.
    pub unit_id: Option<String>,
    /// First day, YYYY-MM-DD (Beijing time).
    pub from: Option<String>,
    /// Last day, YYYY-MM-DD (Beijing time).
    pub to: Option<String>,
    /// Text in the change summary.
    pub text: Option<String>,
    pub page: Option<String>,
}

/// Dates are Beijing days; the trail stores UTC, so a day runs from 16:00 UTC the day before.
fn day_start_utc(raw: &str, field: &str) -> AppResult<String> {
    let d = NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .map_err(|_| AppError::field(field, "invalid_format", "日期格式应为YYYY-MM-DD"))?;
    let local = d
        .and_hms_opt(0, 0, 0)
        .ok_or_else(|| AppError::field(field, "invalid_format", "日期无效"))?;
    Ok(time::to_text(local.and_utc() - chrono::Duration::hours(8)))
}

impl SearchQuery {
    fn filter(&self) -> AppResult<Filter> {
        let unit_id =
            match non_empty(&self.unit_id) {
                Some(u) => Some(u.parse::<i64>().map_err(|_| {
                    AppError::field("unit_id", "invalid_format", "单位编号应为数字")
                })?),
                None => None,
            };
        let from = non_empty(&self.from)
            .map(|d| day_start_utc(&d, "from"))
            .transpose()?;
        let to = match non_empty(&self.to) {
            Some(d) => {
                let start = day_start_utc(&d, "to")?;
                time::parse(&start).map(|t| time::to_text(t + chrono::Duration::days(1)))
            }
            None => None,
        };
        Ok(Filter {
            actor: non_empty(&self.actor),
            action: non_empty(&self.action),
            object_type: non_empty(&self.object_type),
            unit_id,
            from,
            to,
            text: non_empty(&self.text),
        })
    }
}

pub struct Row {
    pub r: AuditRecord,
    pub at_local: String,
    /// The act and its object in words (`audit::words`).
    pub act: String,
    pub object: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct SearchPage {
    layout: Layout,
    q: SearchQuery,
    rows: Vec<Row>,
    total: i64,
    page: i64,
    pages: i64,
    query_string: String,
    can_export: bool,
    error: Option<String>,
}

fn query_string(q: &SearchQuery) -> String {
    let pairs: Vec<(&str, String)> = [
        ("actor", &q.actor),
        ("action", &q.action),
        ("object_type", &q.object_type),
        ("unit_id", &q.unit_id),
        ("from", &q.from),
        ("to", &q.to),
        ("text", &q.text),
    ]
    .into_iter()
    .filter_map(|(k, v)| non_empty(v).map(|v| (k, v)))
    .collect();
    serde_urlencoded::to_string(pairs).unwrap_or_default()
}

async fn search_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    Query(q): Query<SearchQuery>,
) -> PageResult {
    let scope = cu.actor.require(Resource::Audit, Action::Read)?;
    let page = page_number(q.page.as_deref());
    let (rows, total, error) = match q.filter() {
        Ok(f) => {
            let (rows, total) = store::search(&state.db, &scope, &f, page).await?;
            (rows, total, None)
        }
        Err(e) => (
            Vec::new(),
            0,
            Some(e.to_string() + "：" + &field_messages(&e)),
        ),
    };
    Ok(render(&SearchPage {
        layout: Layout::new(&cu, "审计日志", "/audit"),
        rows: rows
            .into_iter()
            .map(|r| Row {
                at_local: time::display_precise(&r.at),
                act: super::words::action(&r.action)
                    .map_or_else(|| r.action.clone(), str::to_string),
                object: super::words::object(&r.object_type)
                    .map_or_else(|| r.object_type.clone(), str::to_string),
                r: super::redact_for(&cu.actor, r),
            })
            .collect(),
        total,
        page,
        pages: (total + PAGE_SIZE - 1) / PAGE_SIZE,
        query_string: query_string(&q),
        can_export: cu.actor.can(Resource::Audit, Action::Export),
        q,
        error,
    }))
}

fn field_messages(e: &AppError) -> String {
    match e {
        AppError::Validation(f) => {
            f.0.iter()
                .map(|x| x.message.clone())
                .collect::<Vec<_>>()
                .join("；")
        }
        _ => String::new(),
    }
}

const EXPORT_LIMIT: i64 = 200_000;

fn csv_field(s: &str) -> String {
    // Quote every field; neutralise spreadsheet formulas (CSV injection).
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// CSV (UTF-8 with BOM so that spreadsheet programs read Chinese correctly).
async fn export_csv(
    State(state): State<SharedState>,
    cu: CurrentUser,
    Query(q): Query<SearchQuery>,
) -> PageResult {
    let scope = cu.actor.require(Resource::Audit, Action::Export)?;
    let f = q.filter()?;
    let rows: Vec<AuditRecord> = store::export(&state.db, &scope, &f, EXPORT_LIMIT)
        .await?
        .into_iter()
        .map(|r| super::redact_for(&cu.actor, r))
        .collect();
    super::store::record_alone(
        &state.db,
        &cu.who,
        Entry::new("audit.export", "audit")
            .summary(json!({"filter": query_string(&q), "rows": rows.len()})),
    )
    .await?;
    let mut out = String::from("\u{feff}");
    out.push_str("序号,时间（北京时间）,操作人,操作人单位,操作,对象类型,对象,对象单位,摘要,请求编号,客户端地址,前序哈希,哈希\n");
    for r in &rows {
        let cols = [
            r.seq.to_string(),
            time::export(&r.at),
            r.actor_name.clone(),
            r.acting_unit_id.map(|v| v.to_string()).unwrap_or_default(),
            r.action.clone(),
            r.object_type.clone(),
            r.object_id.clone().unwrap_or_default(),
            r.object_unit_id.map(|v| v.to_string()).unwrap_or_default(),
            r.summary.clone(),
            r.request_id.clone().unwrap_or_default(),
            r.client_addr.clone().unwrap_or_default(),
            r.prev_hash.clone(),
            r.hash.clone(),
        ];
        out.push_str(
            &cols
                .iter()
                .map(|c| csv_field(c))
                .collect::<Vec<_>>()
                .join(","),
        );
        out.push('\n');
    }
    let name = format!("audit-{}.csv", state.clock.today());
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        out,
    )
        .into_response())
}

/// Search the audit trail within the caller's scope, newest first.
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(SearchQuery),
    responses((status = 200, body = crate::web::extract::Page<AuditRecord>), (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_search(
    State(state): State<SharedState>,
    u: ApiUser,
    Query(q): Query<SearchQuery>,
) -> AppResult<Response> {
    let scope = u.actor.require(Resource::Audit, Action::Read)?;
    let page = page_number(q.page.as_deref());
    let (items, total) = store::search(&state.db, &scope, &q.filter()?, page).await?;
    let items = items
        .into_iter()
        .map(|r| super::redact_for(&u.actor, r))
        .collect();
    Ok(Json(crate::web::extract::Page::counted(
        items, page, PAGE_SIZE, total,
    ))
    .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_and_defuses_formulas() {
        assert_eq!(csv_field("a\"b"), "\"a\"\"b\"");
        assert_eq!(csv_field("=1+1"), "\"'=1+1\"");
    }

    #[test]
    fn beijing_day_bounds() {
        assert_eq!(
            day_start_utc("2026-11-23", "from").ok().as_deref(),
            Some("2026-11-22T16:00:00.000000Z")
        );
        assert!(day_start_utc("2026-13-01", "from").is_err());
    }
}
