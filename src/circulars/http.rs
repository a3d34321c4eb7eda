//! Circular pages and API: the list, drafting, the page with the leader's signature or return,
//! the read receipts, and the PDF.

use askama::Template;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Serialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::store::{self, Circular, Recipient};
use super::{CircularInput, Kind};
use crate::access::{Action, Actor, Resource};
use crate::domain::FieldErrors;
use crate::error::{AppError, AppResult};
use crate::web::SharedState;
use crate::web::extract::{ApiJson, ApiUser, Created, CsrfForm, CurrentUser, Id, IdPath, Query};
use crate::web::files::pdf_response;
use crate::web::form::Pairs;
use crate::web::page::MsgQuery;
use crate::web::page::form_status;
use crate::web::page::{Layout, PageResult, render, render_status};

/// How many circulars a list shows at a time (the API pages by `?page=`).
const PAGE_SIZE: i64 = 200;

pub fn routes() -> OpenApiRouter<SharedState> {
    OpenApiRouter::new()
        .route("/circulars", get(list_page))
        .route("/circulars/new", get(new_page).post(create_page))
        .route("/circulars/{id}", get(show_page))
        .route("/circulars/{id}/step", post(step_page))
        .route("/circulars/{id}/document.pdf", get(pdf_page))
        .routes(routes!(api_document))
        .routes(routes!(api_list, api_create))
        .routes(routes!(api_get))
        .routes(routes!(api_step))
}

pub struct Opt {
    pub code: &'static str,
    pub label: &'static str,
}

#[derive(Template)]
#[template(path = "circulars/list.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<Circular>,
    can_create: bool,
}

async fn list_page(State(state): State<SharedState>, cu: CurrentUser) -> PageResult {
    let scope = store::read_scope(&cu.actor)?;
    Ok(render(&ListPage {
        layout: Layout::new(&cu, "通报与简报", "/circulars"),
        rows: crate::db::query::Window::first(PAGE_SIZE).rows(
            store::list(
                &state.db,
                &scope,
                crate::db::query::Window::first(PAGE_SIZE),
            )
            .await?,
        ),
        can_create: cu.actor.can(Resource::Circular, Action::Create),
    }))
}

#[derive(Template)]
#[template(path = "circulars/new.html")]
struct NewPage {
    layout: Layout,
    form: CircularInput,
    errors: FieldErrors,
    kinds: Vec<Opt>,
    units: Vec<crate::units::Unit>,
    reports: Vec<crate::reports::store::ReportRow>,
}

async fn new_form(
    state: &SharedState,
    cu: &CurrentUser,
    form: CircularInput,
    errors: FieldErrors,
) -> PageResult {
    if !cu.actor.can(Resource::Circular, Action::Create) {
        return Err(AppError::Forbidden.into());
    }
    let status = form_status(&errors);
    let units = crate::units::store::choices(&state.db, &cu.actor).await?;
    Ok(render_status(
        status,
        &NewPage {
            layout: Layout::new(cu, "起草通报或简报", "/circulars"),
            form,
            errors,
            kinds: Kind::ALL
                .iter()
                .map(|k| Opt {
                    code: k.code(),
                    label: k.label(),
                })
                .collect(),
            units,
            reports: match cu.actor.scope(Resource::Report, Action::Read) {
                Some(s) => {
                    let w = crate::db::query::Window::first(200);
                    w.rows(crate::reports::store::reports(&state.db, &s, None, w).await?)
                }
                None => Vec::new(),
            },
        },
    ))
}

async fn new_page(State(state): State<SharedState>, cu: CurrentUser) -> PageResult {
    new_form(&state, &cu, CircularInput::default(), FieldErrors::new()).await
}

async fn create_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let p = Pairs(&pairs);
    let input = CircularInput {
        kind: p.one("kind"),
        title: p.one("title"),
        body: p.one("body"),
        named: p.opt("named"),
        unit_ids: p.many("unit_ids"),
        report_ids: p.many("report_ids"),
        include_figures: p.one("include_figures") == "1",
    };
    match store::draft(&state, &cu.actor, &cu.who, &input).await {
        Ok(id) => Ok(Redirect::to(&format!("/circulars/{id}?msg=created")).into_response()),
        Err(AppError::Validation(e)) => new_form(&state, &cu, input, e).await,
        Err(e) => Err(e.into()),
    }
}

/// A circular with its read receipts and what the reader may do.
#[derive(Serialize, utoipa::ToSchema)]
pub struct CircularDetail {
    #[serde(flatten)]
    pub circular: Circular,
    pub recipients: Vec<Recipient>,
    /// Its drafts in the document chain the reader may see (the office, the signer).
    pub drafts: Vec<crate::drafting::store::Draft>,
    /// The reader's unit is addressed and has not yet confirmed.
    pub can_confirm: bool,
}

async fn detail(state: &SharedState, actor: &Actor, id: i64) -> AppResult<CircularDetail> {
    let scope = store::read_scope(actor)?;
    let circular = store::get(&state.db, &scope, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let recipients = store::recipients(&state.db.pool, id).await?;
    let state_now = super::State::parse(&circular.state).unwrap_or(super::State::Returned);
    Ok(CircularDetail {
        drafts: crate::drafting::store::of_record(&state.db, actor, "circular", id).await?,
        can_confirm: state_now == super::State::Issued
            && recipients
                .iter()
                .any(|r| r.unit_id == actor.unit_id && r.read_at.is_none()),
        recipients,
        circular,
    })
}

#[derive(Template)]
#[template(path = "circulars/show.html")]
struct ShowPage {
    layout: Layout,
    d: CircularDetail,
    error: Option<String>,
}

async fn show(
    state: &SharedState,
    cu: &CurrentUser,
    id: i64,
    msg: Option<&str>,
    error: Option<String>,
) -> PageResult {
    let d = detail(state, &cu.actor, id).await?;
    Ok(render(&ShowPage {
        layout: Layout::new(cu, &d.circular.title, "/circulars").notice(msg),
        d,
        error,
    }))
}

async fn show_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    IdPath(Id(id)): IdPath<Id>,
    Query(q): Query<MsgQuery>,
) -> PageResult {
    show(&state, &cu, id, q.msg.as_deref(), None).await
}

/// confirm_read
async fn step_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    IdPath(Id(id)): IdPath<Id>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let r = match crate::web::step::from_form(&pairs) {
        Ok(input) => store::run(&state, &cu.actor, &cu.who, id, input).await,
        Err(e) => Err(e),
    };
    crate::web::page::after_step(r, &format!("/circulars/{id}?msg=saved"), |msg| {
        show(&state, &cu, id, None, Some(msg))
    })
    .await
}

async fn pdf_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    IdPath(Id(id)): IdPath<Id>,
) -> PageResult {
    Ok(document_bytes(&state, &cu.actor, id).await?)
}

/// The document as the caller may read it: pages and API alike.
async fn document_bytes(state: &SharedState, actor: &Actor, id: i64) -> AppResult<Response> {
    let scope = store::read_scope(actor)?;
    store::get(&state.db, &scope, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let (number, pdf) = store::pdf(&state.db, id).await?.ok_or(AppError::NotFound)?;
    Ok(pdf_response(&format!("{number}.pdf"), pdf))
}

/// The signed circular or briefing as PDF, once issued.
#[utoipa::path(get, path = "/api/v1/circulars/{id}/document.pdf", tag = "circulars",
    params(("id" = i64, Path)),
    responses((status = 200, description = "The signed circular or briefing", content_type = "application/pdf"), (status = 404, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_document(
    State(state): State<SharedState>,
    u: ApiUser,
    IdPath(Id(id)): IdPath<Id>,
) -> AppResult<Response> {
    document_bytes(&state, &u.actor, id).await
}

/// Circulars and briefings visible to the caller (a unit: those issued to it).
#[utoipa::path(get, path = "/api/v1/circulars", params(crate::web::extract::PageQuery), tag = "circulars",
    responses((status = 200, body = crate::web::extract::Page<Circular>), (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_list(
    State(state): State<SharedState>,
    u: ApiUser,
    Query(q): Query<crate::web::extract::PageQuery>,
) -> AppResult<Json<crate::web::extract::Page<Circular>>> {
    let scope = store::read_scope(&u.actor)?;
    let w = q.window(PAGE_SIZE);
    Ok(Json(crate::web::extract::Page::window(
        store::list(&state.db, &scope, w).await?,
        w,
    )))
}

/// Draft a circular or briefing (the office); it goes through the document chain to the group
/// leader, who signs it (001 §26).
#[utoipa::path(post, path = "/api/v1/circulars", tag = "circulars", request_body = CircularInput,
    responses((status = 201, body = Created), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_create(
    State(state): State<SharedState>,
    u: ApiUser,
    ApiJson(input): ApiJson<CircularInput>,
) -> AppResult<Response> {
    let id = store::draft(&state, &u.actor, &u.who, &input).await?;
    Ok((StatusCode::CREATED, Json(Created { id })).into_response())
}

/// One circular with its read receipts; 404 outside the caller's scope.
#[utoipa::path(get, path = "/api/v1/circulars/{id}", tag = "circulars", params(("id" = i64, Path)),
    responses((status = 200, body = CircularDetail), (status = 404, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_get(
    State(state): State<SharedState>,
    u: ApiUser,
    IdPath(Id(id)): IdPath<Id>,
) -> AppResult<Json<CircularDetail>> {
    Ok(Json(detail(&state, &u.actor, id).await?))
}

/// Confirm reading (a unit addressed). Signing and returning are acts on the circular's draft.
#[utoipa::path(post, path = "/api/v1/circulars/{id}/steps", tag = "circulars", params(("id" = i64, Path)), request_body = store::CircularStep,
    responses((status = 204), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_step(
    State(state): State<SharedState>,
    u: ApiUser,
    IdPath(Id(id)): IdPath<Id>,
    crate::web::step::ApiStep(input): crate::web::step::ApiStep<store::CircularStep>,
) -> AppResult<StatusCode> {
    store::run(&state, &u.actor, &u.who, id, input).await?;
    Ok(StatusCode::NO_CONTENT)
}
