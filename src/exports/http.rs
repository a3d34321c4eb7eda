//! Export pages and API: ask for the clocks of a period, follow the progress, download the file.

use askama::Template;
use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::store::{self, Export};
use crate::error::AppResult;
use crate::web::SharedState;
use crate::web::extract::{ApiJson, ApiUser, Created, CsrfForm, CurrentUser, Id, IdPath};
use crate::web::files::{XLSX_MIME, download_stream};
use crate::web::form::Pairs;
use crate::web::page::{Layout, PageResult, render};
use crate::web::period::Period;

pub fn routes() -> OpenApiRouter<SharedState> {
    OpenApiRouter::new()
        .route("/exports/clocks", post(start_page))
        .route("/exports/{id}", get(show_page))
        .route("/exports/{id}/file", get(file_page))
        .routes(routes!(api_start))
        .routes(routes!(api_get))
        .routes(routes!(api_file))
}

fn dir(state: &SharedState) -> std::path::PathBuf {
    state.config.data_dir.join("exports")
}

async fn start(
    state: &SharedState,
    actor: &crate::access::Actor,
    who: &crate::audit::Who,
    p: &Period,
) -> AppResult<i64> {
    let (from, to) = p.parse(who.today())?;
    store::start_clocks(&state.db, state.clock, &dir(state), actor, who, from, to).await
}

async fn start_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let p = Pairs(&pairs);
    let period = Period {
        from: p.opt("from"),
        to: p.opt("to"),
    };
    let id = start(&state, &cu.actor, &cu.who, &period).await?;
    Ok(Redirect::to(&format!("/exports/{id}")).into_response())
}

#[derive(Template)]
#[template(path = "exports/show.html")]
struct ShowPage {
    layout: Layout,
    e: Export,
}

async fn show_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    IdPath(Id(id)): IdPath<Id>,
) -> PageResult {
    let e = store::get(&state.db, &cu.actor, id).await?;
    Ok(render(&ShowPage {
        layout: Layout::new(&cu, "导出办理时限明细", "/deadlines"),
        e,
    }))
}

async fn file(
    state: &SharedState,
    actor: &crate::access::Actor,
    who: &crate::audit::Who,
    id: i64,
) -> AppResult<Response> {
    let (name, len, f) = store::open_file(&state.db, &dir(state), actor, who, id).await?;
    let body = Body::from_stream(tokio_util::io::ReaderStream::new(f));
    Ok(download_stream(&name, XLSX_MIME, len, body))
}

async fn file_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    IdPath(Id(id)): IdPath<Id>,
) -> PageResult {
    Ok(file(&state, &cu.actor, &cu.who, id).await?)
}

/// Export every clock started in a period within the caller's scope as an .xlsx workbook,
/// written in the background in constant memory: 202 with the export's id; follow it with
/// `GET /api/v1/exports/{id}`. One at a time per person (409 `export_running`).
#[utoipa::path(post, path = "/api/v1/exports/clocks", tag = "exports", request_body = Period,
    responses((status = 202, body = Created), (status = 403, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_start(
    State(state): State<SharedState>,
    u: ApiUser,
    ApiJson(p): ApiJson<Period>,
) -> AppResult<Response> {
    let id = start(&state, &u.actor, &u.who, &p).await?;
    Ok((StatusCode::ACCEPTED, Json(Created { id })).into_response())
}

/// The caller's export: its state (running, ready, failed) and rows written of all.
#[utoipa::path(get, path = "/api/v1/exports/{id}", tag = "exports", params(("id" = i64, Path)),
    responses((status = 200, body = Export), (status = 404, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_get(
    State(state): State<SharedState>,
    u: ApiUser,
    IdPath(Id(id)): IdPath<Id>,
) -> AppResult<Json<Export>> {
    Ok(Json(store::get(&state.db, &u.actor, id).await?))
}

/// The finished workbook, sent as it is read; 409 while it is being written.
#[utoipa::path(get, path = "/api/v1/exports/{id}/file", tag = "exports", params(("id" = i64, Path)),
    responses((status = 200, description = "The workbook"), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_file(
    State(state): State<SharedState>,
    u: ApiUser,
    IdPath(Id(id)): IdPath<Id>,
) -> AppResult<Response> {
    file(&state, &u.actor, &u.who, id).await
}
