//! The figures page and its .xlsx download.

use askama::Template;
use axum::Json;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::super::stats::{self, Figures};
use crate::access::{Action, Actor, Resource};
use crate::error::AppResult;
use crate::web::SharedState;
use crate::web::extract::{ApiUser, CurrentUser, Query};
use crate::web::files::{XLSX_MIME, download};
use crate::web::page::{Layout, PageResult, render};
use crate::web::period::Period;

pub fn routes() -> OpenApiRouter<SharedState> {
    OpenApiRouter::new()
        .route("/linkage/stats", get(page))
        .route("/linkage/stats.xlsx", get(xlsx_page))
        .routes(routes!(api_stats))
        .routes(routes!(api_xlsx))
}

async fn compute(state: &SharedState, actor: &Actor, p: &Period) -> AppResult<Figures> {
    let scope = actor.require(Resource::Linkage, Action::Export)?;
    let (from, to) = p.parse(state.clock.today())?;
    stats::figures(&state.db, &scope, from, to).await
}

#[derive(Template)]
#[template(path = "linkage/stats.html")]
struct StatsPage {
    layout: Layout,
    f: Figures,
    /// The funnel of the totals (issue #16: transferred → filed / refused → reconsidered →
    /// supervised), drawn from the table's own total row.
    funnel: String,
}

/// The linkage funnel of `t`: each step of the procedure with how many transfers reached it.
fn funnel(t: &stats::UnitFigures) -> String {
    use crate::statistics::chart::{Bar, Series, stacked_bars};
    let bar = |label: &str, n: i64| Bar {
        label: label.into(),
        values: vec![n],
    };
    stacked_bars(
        "移送案件办理流程",
        &[Series {
            name: "件数",
            class: "s-ok",
        }],
        &[
            bar("移送", t.transfers),
            bar("立案", t.filed),
            bar("不予立案", t.refused),
            bar("提请复议", t.reconsiderations),
            bar("复议后立案", t.reconsidered_filed),
            bar("建议立案监督", t.supervisions),
            bar("监督后立案", t.supervised_filed),
        ],
    )
}

async fn page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    Query(p): Query<Period>,
) -> PageResult {
    let f = compute(&state, &cu.actor, &p).await?;
    Ok(render(&StatsPage {
        layout: Layout::new(&cu, "两法衔接统计", "/linkage/stats"),
        funnel: funnel(&f.total),
        f,
    }))
}

async fn xlsx(state: &SharedState, actor: &Actor, p: &Period) -> AppResult<Response> {
    let f = compute(state, actor, p).await?;
    let bytes = stats::workbook(&f, &actor.unit_name)?;
    Ok(download(
        &format!("两法衔接统计_{}_{}.xlsx", f.from, f.to),
        XLSX_MIME,
        bytes,
    ))
}

async fn xlsx_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    Query(p): Query<Period>,
) -> PageResult {
    Ok(xlsx(&state, &cu.actor, &p).await?)
}

/// Figures by unit for the period (transfers sent in it), within the caller's scope.
#[utoipa::path(get, path = "/api/v1/linkage/stats", tag = "linkage", params(Period),
    responses((status = 200, body = Figures), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_stats(
    State(state): State<SharedState>,
    u: ApiUser,
    Query(p): Query<Period>,
) -> AppResult<Json<Figures>> {
    Ok(Json(compute(&state, &u.actor, &p).await?))
}

/// The same figures as an .xlsx workbook.
#[utoipa::path(get, path = "/api/v1/linkage/stats.xlsx", tag = "linkage", params(Period),
    responses((status = 200, description = "The workbook", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_xlsx(
    State(state): State<SharedState>,
    u: ApiUser,
    Query(p): Query<Period>,
) -> AppResult<Response> {
    xlsx(&state, &u.actor, &p).await
}
