//! Inspection pages and API: the list, planning, the inspection page with the report form and
//! the rectification tasks, and the report PDF.

use askama::Template;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::store::{self, FindingRow, Inspection};
use super::{FindingInput, PlanInput, ReportInput};
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

/// How many inspections a list shows at a time (the API pages by `?page=`).
const PAGE_SIZE: i64 = 200;

pub fn routes() -> OpenApiRouter<SharedState> {
    OpenApiRouter::new()
        .route("/inspections", get(list_page))
        .route("/inspections/new", get(new_page).post(create_page))
        .route("/inspections/{id}", get(show_page))
        .route("/inspections/{id}/report", post(report_page))
        .route("/inspections/{id}/report.pdf", get(pdf_page))
        .routes(routes!(api_report_pdf))
        .routes(routes!(api_list, api_create))
        .routes(routes!(api_get))
        .routes(routes!(api_step))
}

#[derive(Template)]
#[template(path = "inspections/list.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<Inspection>,
    can_create: bool,
}

async fn list_page(State(state): State<SharedState>, cu: CurrentUser) -> PageResult {
    let scope = store::read_scope(&cu.actor)?;
    Ok(render(&ListPage {
        layout: Layout::new(&cu, "督导检查", "/inspections"),
        rows: crate::db::query::Window::first(PAGE_SIZE).rows(
            store::list(
                &state.db,
                &scope,
                crate::db::query::Window::first(PAGE_SIZE),
            )
            .await?,
        ),
        can_create: cu.actor.can(Resource::Inspection, Action::Create),
    }))
}

#[derive(Template)]
#[template(path = "inspections/new.html")]
struct NewPage {
    layout: Layout,
    form: PlanInput,
    errors: FieldErrors,
    units: Vec<crate::units::Unit>,
}

async fn active_units(state: &SharedState, actor: &Actor) -> AppResult<Vec<crate::units::Unit>> {
    Ok(crate::units::store::choices(&state.db, actor).await?)
}

async fn new_form(
    state: &SharedState,
    cu: &CurrentUser,
    form: PlanInput,
    errors: FieldErrors,
) -> PageResult {
    if !cu.actor.can(Resource::Inspection, Action::Create) {
        return Err(AppError::Forbidden.into());
    }
    let status = form_status(&errors);
    Ok(render_status(
        status,
        &NewPage {
            layout: Layout::new(cu, "组织督导检查", "/inspections"),
            form,
            errors,
            units: active_units(state, &cu.actor).await?,
        },
    ))
}

async fn new_page(State(state): State<SharedState>, cu: CurrentUser) -> PageResult {
    new_form(&state, &cu, PlanInput::default(), FieldErrors::new()).await
}

async fn create_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let p = Pairs(&pairs);
    let input = PlanInput {
        title: p.one("title"),
        team: p.one("team"),
        starts_on: p.one("starts_on"),
        ends_on: p.one("ends_on"),
        unit_ids: p.many("unit_ids"),
    };
    match store::plan(&state.db, &cu.actor, &cu.who, &input).await {
        Ok(id) => Ok(Redirect::to(&format!("/inspections/{id}?msg=created")).into_response()),
        Err(AppError::Validation(e)) => new_form(&state, &cu, input, e).await,
        Err(e) => Err(e.into()),
    }
}

/// An inspection with the units inspected and its findings.
#[derive(Serialize, utoipa::ToSchema)]
pub struct InspectionDetail {
    #[serde(flatten)]
    pub inspection: Inspection,
    /// (unit id, name)
    pub units: Vec<(i64, String)>,
    pub findings: Vec<FindingRow>,
}

async fn detail(state: &SharedState, actor: &Actor, id: i64) -> AppResult<InspectionDetail> {
    let scope = store::read_scope(actor)?;
    let inspection = store::get(&state.db, &scope, id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(InspectionDetail {
        units: store::units(&state.db, id).await?,
        findings: store::findings(&state.db, id).await?,
        inspection,
    })
}

#[derive(Template)]
#[template(path = "inspections/show.html")]
struct ShowPage {
    layout: Layout,
    d: InspectionDetail,
    can_report: bool,
    rows: Vec<usize>,
    /// The report in the document chain, for the office.
    drafts: Vec<crate::drafting::store::Draft>,
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
    let office = cu.actor.unit_id == d.inspection.office_unit_id;
    let drafts = crate::drafting::store::of_record(&state.db, &cu.actor, "inspection", id).await?;
    // Once a draft waits for review or signature, it is dealt with on its own page.
    let waiting = drafts
        .iter()
        .any(|x| x.state == "reviewing" || x.state == "signing");
    let can_report = d.inspection.state == "planned" && office && !waiting;
    Ok(render(&ShowPage {
        layout: Layout::new(cu, &d.inspection.title, "/inspections").notice(msg),
        d,
        can_report,
        drafts,
        rows: (0..5).collect(),
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

async fn report_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    IdPath(Id(id)): IdPath<Id>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let p = Pairs(&pairs);
    let input = ReportInput {
        report: p.one("report"),
        findings: (0..10)
            .map(|i| FindingInput {
                unit_id: p.one(&format!("f{i}_unit")),
                text: p.one(&format!("f{i}_text")),
                due_on: p.one(&format!("f{i}_due")),
            })
            .collect(),
    };
    let r = draft_report(&state, &cu.actor, &cu.who, id, &input).await;
    crate::web::page::after_step(r, &format!("/inspections/{id}?msg=saved"), |msg| {
        show(&state, &cu, id, None, Some(msg))
    })
    .await
}

async fn pdf_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    IdPath(Id(id)): IdPath<Id>,
) -> PageResult {
    Ok(report_bytes(&state, &cu.actor, id).await?)
}

/// The document as the caller may read it: pages and API alike.
async fn report_bytes(state: &SharedState, actor: &Actor, id: i64) -> AppResult<Response> {
    let scope = store::read_scope(actor)?;
    store::get(&state.db, &scope, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let (number, pdf) = store::pdf(&state.db, id).await?.ok_or(AppError::NotFound)?;
    Ok(pdf_response(&format!("{number}.pdf"), pdf))
}

/// The inspection report as PDF, once issued.
#[utoipa::path(get, path = "/api/v1/inspections/{id}/report.pdf", tag = "inspections",
    params(("id" = i64, Path)),
    responses((status = 200, description = "The inspection report", content_type = "application/pdf"), (status = 404, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_report_pdf(
    State(state): State<SharedState>,
    u: ApiUser,
    IdPath(Id(id)): IdPath<Id>,
) -> AppResult<Response> {
    report_bytes(&state, &u.actor, id).await
}

/// Inspections visible to the caller (a unit: those of it).
#[utoipa::path(get, path = "/api/v1/inspections", params(crate::web::extract::PageQuery), tag = "inspections",
    responses((status = 200, body = crate::web::extract::Page<Inspection>), (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_list(
    State(state): State<SharedState>,
    u: ApiUser,
    Query(q): Query<crate::web::extract::PageQuery>,
) -> AppResult<Json<crate::web::extract::Page<Inspection>>> {
    let scope = store::read_scope(&u.actor)?;
    let w = q.window(PAGE_SIZE);
    Ok(Json(crate::web::extract::Page::window(
        store::list(&state.db, &scope, w).await?,
        w,
    )))
}

/// Plan an inspection (the office, 003 三(四)).
#[utoipa::path(post, path = "/api/v1/inspections", tag = "inspections", request_body = PlanInput,
    responses((status = 201, body = Created), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_create(
    State(state): State<SharedState>,
    u: ApiUser,
    ApiJson(input): ApiJson<PlanInput>,
) -> AppResult<Response> {
    let id = store::plan(&state.db, &u.actor, &u.who, &input).await?;
    Ok((StatusCode::CREATED, Json(Created { id })).into_response())
}

/// One inspection with its findings and their rectification tasks.
#[utoipa::path(get, path = "/api/v1/inspections/{id}", tag = "inspections", params(("id" = i64, Path)),
    responses((status = 200, body = InspectionDetail), (status = 404, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_get(
    State(state): State<SharedState>,
    u: ApiUser,
    IdPath(Id(id)): IdPath<Id>,
) -> AppResult<Json<InspectionDetail>> {
    Ok(Json(detail(&state, &u.actor, id).await?))
}

/// A step on an inspection as submitted (`{"step": …, …}`).
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum InspectionStep {
    /// 拟稿: the report and its findings go to the office director to sign (the document
    /// chain); once signed it is numbered and each finding becomes a rectification task.
    Report {
        #[serde(default, deserialize_with = "crate::web::step::or_default")]
        report: String,
        #[serde(default, deserialize_with = "crate::web::step::or_default")]
        findings: Vec<FindingInput>,
    },
}

/// Take a step on an inspection: draft its report.
#[utoipa::path(post, path = "/api/v1/inspections/{id}/steps", tag = "inspections", params(("id" = i64, Path)), request_body = InspectionStep,
    responses((status = 204), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_step(
    State(state): State<SharedState>,
    u: ApiUser,
    IdPath(Id(id)): IdPath<Id>,
    crate::web::step::ApiStep(step): crate::web::step::ApiStep<InspectionStep>,
) -> AppResult<StatusCode> {
    let InspectionStep::Report { report, findings } = step;
    let input = ReportInput { report, findings };
    draft_report(&state, &u.actor, &u.who, id, &input).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// 拟稿: the report waits for the office director's signature (the document chain), which
/// numbers and issues it and assigns the rectification tasks.
async fn draft_report(
    state: &SharedState,
    actor: &crate::access::Actor,
    who: &crate::audit::Who,
    id: i64,
    input: &ReportInput,
) -> AppResult<()> {
    let body = serde_json::to_value(input).map_err(AppError::internal)?;
    crate::drafting::store::submit(
        state,
        actor,
        who,
        crate::drafting::Kind::InspectionReport,
        id,
        body,
    )
    .await
    .map(|_| ())
}
