//! The search box in every page's header, the results page, and `/api/v1/search`.

use askama::Template;
use axum::Json;
use axum::extract::State;
use axum::routing::get;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::find::{Hit, find};
use super::{Kind, MAX_QUERY_CHARS, Query as Search, normalise};
use crate::domain::FieldErrors;
use crate::error::AppResult;
use crate::web::SharedState;
use crate::web::extract::{ApiUser, CurrentUser, Page, Query};
use crate::web::filter::FilterParser;
use crate::web::page::{Layout, PageResult, form_status, non_empty, page_number, render_status};

/// The last page a search shows (1,000 records): beyond it, narrow the search.
const MAX_PAGE: i64 = 50;

pub fn routes() -> OpenApiRouter<SharedState> {
    OpenApiRouter::new()
        .route("/search", get(search_page))
        .routes(routes!(api_search))
}

#[derive(Deserialize, Default, Clone, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// What to look for: words, a name, a case or document number, a credit code, a phone
    /// number. Traditional characters are read as simplified.
    pub q: Option<String>,
    /// One kind of record: `case`, `transfer`, `linkage_request`, `linkage_meeting`, `task`,
    /// `meeting`, `circular`, `inspection`, `unit_report`, `unit`, `user`.
    pub kind: Option<String>,
    /// Records with a party unit in this region (GB/T 2260 code, e.g. 411521).
    pub region: Option<String>,
    /// Records with this unit as a party.
    pub unit_id: Option<String>,
    /// The record's stored state code.
    pub state: Option<String>,
    /// Dated on or after (YYYY-MM-DD).
    pub from: Option<String>,
    /// Dated on or before (YYYY-MM-DD).
    pub to: Option<String>,
    pub page: Option<String>,
}

impl SearchQuery {
    /// The query and its filters as a query string, without the page.
    fn query_string(&self) -> String {
        serde_urlencoded::to_string(
            [
                ("q", &self.q),
                ("kind", &self.kind),
                ("region", &self.region),
                ("unit_id", &self.unit_id),
                ("state", &self.state),
                ("from", &self.from),
                ("to", &self.to),
            ]
            .into_iter()
            .filter_map(|(k, v)| non_empty(v).map(|v| (k, v)))
            .collect::<Vec<_>>(),
        )
        .unwrap_or_default()
    }

    /// The typed query, and whether traditional characters were read as simplified; or what
    /// is wrong with each parameter.
    fn parse(&self) -> Result<(Search, bool), FieldErrors> {
        let mut p = FilterParser::default();
        let raw = non_empty(&self.q).unwrap_or_default();
        let (text, simplified) = normalise(&raw);
        if text.is_empty() {
            p.errors.add("q", "required", "请输入要查找的内容");
        } else if text.chars().count() > MAX_QUERY_CHARS {
            p.errors.add(
                "q",
                "too_long",
                format!("查找内容不能超过{MAX_QUERY_CHARS}个字"),
            );
        }
        if page_number(self.page.as_deref()) > MAX_PAGE {
            p.errors.add(
                "page",
                "too_far",
                format!("只能查看前{MAX_PAGE}页，请加上筛选条件缩小范围"),
            );
        }
        let from = p.date("from", &self.from);
        let to = p.date("to", &self.to);
        let (from, to) = p.range("to", from, to);
        let q = Search {
            text,
            kind: p.choice("kind", &self.kind, Kind::parse),
            region: p
                .region("region", &self.region)
                .map(|r| r.scope_prefix().to_string()),
            unit_id: p.id("unit_id", &self.unit_id),
            state: non_empty(&self.state),
            from,
            to,
        };
        p.finish((q, simplified))
    }
}

struct KindOption {
    code: &'static str,
    label: &'static str,
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    layout: Layout,
    q: SearchQuery,
    errors: FieldErrors,
    /// The text searched, when traditional characters were read as simplified.
    simplified: Option<String>,
    /// What a query that found nothing probably meant, with its link.
    suggestion: Option<(String, String)>,
    hits: Vec<Hit>,
    total: i64,
    page: i64,
    more: bool,
    query_string: String,
    kinds: Vec<KindOption>,
    searched: bool,
}

impl SearchPage {
    fn filter_label(&self, field: &str) -> &'static str {
        match field {
            "q" => "查找内容",
            "kind" => "类别",
            "region" => "地区",
            "unit_id" => "单位",
            "from" => "起始日期",
            "to" => "截止日期",
            "page" => "页码",
            _ => "筛选条件",
        }
    }
}

async fn search_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    Query(q): Query<SearchQuery>,
) -> PageResult {
    let page = page_number(q.page.as_deref());
    let searched = q.q.is_some();
    let (results, errors, simplified) = match (searched, q.parse()) {
        // The bare page: the box, no complaint yet.
        (false, _) => (None, FieldErrors::new(), None),
        (true, Err(errors)) => (None, errors, None),
        (true, Ok((query, simplified))) => {
            let r = find(&state.ctx, &cu.actor, &query, page).await?;
            (
                Some(r),
                FieldErrors::new(),
                simplified.then_some(query.text),
            )
        }
    };
    let query_string = q.query_string();
    let status = form_status(&errors);
    let (hits, total, more, suggestion) = match results {
        Some(r) => (r.hits, r.total, r.has_more, r.suggestion),
        None => (Vec::new(), 0, false, None),
    };
    let suggestion = suggestion.map(|s| {
        let mut q = q.clone();
        q.q = Some(s.clone());
        q.page = None;
        (s, q.query_string())
    });
    Ok(render_status(
        status,
        &SearchPage {
            layout: Layout::new(&cu, "查找", "/search"),
            q,
            errors,
            simplified,
            suggestion,
            hits,
            total,
            page,
            more,
            query_string,
            kinds: Kind::ALL
                .iter()
                .map(|k| KindOption {
                    code: k.code(),
                    label: k.label(),
                })
                .collect(),
            searched,
        },
    ))
}

/// Records the caller may open that match `q`, best first, with the matched words marked in
/// a snippet. Scope is the lists' own; a withheld record is found only by those entitled to
/// its content (004 一(二)).
#[utoipa::path(get, path = "/api/v1/search", tag = "search", params(SearchQuery),
    responses((status = 200, body = Page<Hit>), (status = 422, body = crate::error::ErrorBody),
        (status = 409, description = "the instance is still building its index (`search_index_building`)", body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_search(
    State(state): State<SharedState>,
    u: ApiUser,
    Query(q): Query<SearchQuery>,
) -> AppResult<Json<Page<Hit>>> {
    let (query, _) = q.parse()?;
    let r = find(&state.ctx, &u.actor, &query, page_number(q.page.as_deref())).await?;
    Ok(Json(Page {
        items: r.hits,
        page: r.page,
        has_more: r.has_more,
        total: Some(r.total),
    }))
}
