//! Report pages and API: rounds with who is late or missing, unit reports, major-matter reports.

use askama::Template;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Serialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::store::{self, ReportRow, RoundRow, UnitStanding};
use super::{Kind, ReportInput, RoundInput};
use crate::access::{Action, Actor, Resource, Role};
use crate::domain::FieldErrors;
use crate::error::{AppError, AppResult};
use crate::web::SharedState;
use crate::web::extract::{ApiJson, ApiUser, Created, CsrfForm, CurrentUser, Id, IdPath};
use crate::web::form::Pairs;
use crate::web::page::form_status;
use crate::web::page::{Layout, PageResult, render_status};

/// How many reports a list shows at a time (the API pages by `?page=`).
const PAGE_SIZE: i64 = 200;

/// How many rounds a list shows at a time (the API pages by `?page=`).
const ROUNDS_PAGE_SIZE: i64 = 100;

pub fn routes() -> OpenApiRouter<SharedState> {
    OpenApiRouter::new()
        .route("/reports", get(index_page).post(submit_page))
        .route(
            "/reports/rounds/new",
            get(new_round_page).post(create_round_page),
        )
        .route(
            "/reports/rounds/{id}",
            get(round_page).post(submit_round_page),
        )
        .route("/reports/{id}/forward", post(forward_page))
        .routes(routes!(api_reports, api_submit))
        .routes(routes!(api_step))
        .routes(routes!(api_rounds, api_open_round))
        .routes(routes!(api_round))
}

fn office_role(actor: &Actor) -> bool {
    actor.roles.iter().any(|r| r.is_office())
}

fn reporter(actor: &Actor) -> bool {
    actor.roles.iter().any(|r| {
        matches!(
            r,
            Role::UnitLiaison | Role::UnitHandler | Role::CountyOfficeStaff
        )
    })
}

#[derive(Template)]
#[template(path = "reports/index.html")]
struct IndexPage {
    layout: Layout,
    rounds: Vec<RoundRow>,
    reports: Vec<ReportRow>,
    can_open: bool,
    can_report: bool,
    /// The office reports major matters to the leaders (001 §24).
    can_forward: bool,
    form: ReportInput,
    errors: FieldErrors,
    error: Option<String>,
}

async fn index(
    state: &SharedState,
    cu: &CurrentUser,
    form: ReportInput,
    errors: FieldErrors,
) -> PageResult {
    index_with(state, cu, form, errors, None).await
}

async fn index_with(
    state: &SharedState,
    cu: &CurrentUser,
    form: ReportInput,
    errors: FieldErrors,
    error: Option<String>,
) -> PageResult {
    let scope = store::read_scope(&cu.actor)?;
    let status = form_status(&errors);
    Ok(render_status(
        status,
        &IndexPage {
            layout: Layout::new(cu, "信息报送", "/reports"),
            rounds: crate::db::query::Window::first(ROUNDS_PAGE_SIZE).rows(
                store::rounds(
                    &state.db,
                    &scope,
                    crate::db::query::Window::first(ROUNDS_PAGE_SIZE),
                )
                .await?,
            ),
            reports: crate::db::query::Window::first(PAGE_SIZE).rows(
                store::reports(
                    &state.db,
                    &scope,
                    None,
                    crate::db::query::Window::first(PAGE_SIZE),
                )
                .await?,
            ),
            can_open: office_role(&cu.actor) && cu.actor.can(Resource::Report, Action::Create),
            can_report: reporter(&cu.actor),
            can_forward: office_role(&cu.actor) && cu.actor.can(Resource::Report, Action::Create),
            form,
            errors,
            error,
        },
    ))
}

async fn index_page(State(state): State<SharedState>, cu: CurrentUser) -> PageResult {
    index(&state, &cu, ReportInput::default(), FieldErrors::new()).await
}

fn report_from(p: &Pairs) -> ReportInput {
    ReportInput {
        kind: p.one("kind"),
        round_id: p.opt("round_id"),
        title: p.one("title"),
        body: p.one("body"),
        cases_filed: p.opt("cases_filed"),
        amount: p.opt("amount"),
        cases_transferred: p.opt("cases_transferred"),
    }
}

async fn submit_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let mut input = report_from(&Pairs(&pairs));
    input.kind = Kind::MajorMatter.code().into();
    input.round_id = None;
    match store::submit(&state.db, &state.calendar(), &cu.actor, &cu.who, &input).await {
        Ok(_) => Ok(Redirect::to("/reports?msg=saved").into_response()),
        Err(AppError::Validation(e)) => index(&state, &cu, input, e).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "reports/round_new.html")]
struct NewRoundPage {
    layout: Layout,
    form: RoundInput,
    errors: FieldErrors,
    units: Vec<crate::units::Unit>,
}

async fn round_form(
    state: &SharedState,
    cu: &CurrentUser,
    form: RoundInput,
    errors: FieldErrors,
) -> PageResult {
    if !(office_role(&cu.actor) && cu.actor.can(Resource::Report, Action::Create)) {
        return Err(AppError::Forbidden.into());
    }
    let status = form_status(&errors);
    let units = crate::units::store::choices(&state.db, &cu.actor).await?;
    Ok(render_status(
        status,
        &NewRoundPage {
            layout: Layout::new(cu, "通知报送定期信息", "/reports"),
            form,
            errors,
            units,
        },
    ))
}

async fn new_round_page(State(state): State<SharedState>, cu: CurrentUser) -> PageResult {
    round_form(&state, &cu, RoundInput::default(), FieldErrors::new()).await
}

async fn create_round_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let p = Pairs(&pairs);
    let input = RoundInput {
        kind: p.one("kind"),
        period_label: p.one("period_label"),
        period_start: p.one("period_start"),
        period_end: p.one("period_end"),
        due_on: p.one("due_on"),
        unit_ids: p.many("unit_ids"),
    };
    match store::open_round(&state.db, &state.calendar(), &cu.actor, &cu.who, &input).await {
        Ok(id) => Ok(Redirect::to(&format!("/reports/rounds/{id}?msg=created")).into_response()),
        Err(AppError::Validation(e)) => round_form(&state, &cu, input, e).await,
        Err(e) => Err(e.into()),
    }
}

/// A round with each unit's standing and the reports received.
#[derive(Serialize, utoipa::ToSchema)]
pub struct RoundDetail {
    #[serde(flatten)]
    pub round: RoundRow,
    pub units: Vec<UnitStanding>,
    pub reports: Vec<ReportRow>,
}

async fn round_detail(state: &SharedState, actor: &Actor, id: i64) -> AppResult<RoundDetail> {
    let scope = store::read_scope(actor)?;
    let round = store::round(&state.db, &scope, id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(RoundDetail {
        units: store::standings(&state.db, &round, state.clock.today()).await?,
        reports: crate::db::query::Window::first(PAGE_SIZE).rows(
            store::reports(
                &state.db,
                &scope,
                Some(id),
                crate::db::query::Window::first(PAGE_SIZE),
            )
            .await?,
        ),
        round,
    })
}

#[derive(Template)]
#[template(path = "reports/round.html")]
struct RoundPage {
    layout: Layout,
    d: RoundDetail,
    can_report: bool,
    form: ReportInput,
    errors: FieldErrors,
}

async fn show_round(
    state: &SharedState,
    cu: &CurrentUser,
    id: i64,
    form: ReportInput,
    errors: FieldErrors,
) -> PageResult {
    let d = round_detail(state, &cu.actor, id).await?;
    let can_report = reporter(&cu.actor) && d.units.iter().any(|u| u.unit_id == cu.actor.unit_id);
    let status = form_status(&errors);
    Ok(render_status(
        status,
        &RoundPage {
            layout: Layout::new(
                cu,
                &format!("{}（{}）", d.round.kind_label(), d.round.period_label),
                "/reports",
            ),
            d,
            can_report,
            form,
            errors,
        },
    ))
}

async fn round_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    IdPath(Id(id)): IdPath<Id>,
) -> PageResult {
    show_round(&state, &cu, id, ReportInput::default(), FieldErrors::new()).await
}

async fn submit_round_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    IdPath(Id(id)): IdPath<Id>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let mut input = report_from(&Pairs(&pairs));
    input.round_id = Some(id.to_string());
    match store::submit(&state.db, &state.calendar(), &cu.actor, &cu.who, &input).await {
        Ok(_) => Ok(Redirect::to(&format!("/reports/rounds/{id}?msg=saved")).into_response()),
        Err(AppError::Validation(e)) => show_round(&state, &cu, id, input, e).await,
        Err(e) => Err(e.into()),
    }
}

async fn forward_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    IdPath(Id(id)): IdPath<Id>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let note = Pairs(&pairs).one("note");
    let result = store::forward(&state.db, &cu.actor, &cu.who, id, &note).await;
    crate::web::page::after_step(result, "/reports?msg=saved", |msg| {
        index_with(
            &state,
            &cu,
            ReportInput::default(),
            FieldErrors::new(),
            Some(msg),
        )
    })
    .await
}

/// A step on a unit's report as submitted (`{"step": …, …}`).
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum ReportStep {
    /// 报告组长、副组长 (001 §24): the office forwards a unit's major matter to the group's
    /// leader and deputies, once.
    Forward {
        /// The office's words to the leaders: a summary, a suggestion to convene a meeting.
        #[serde(default, deserialize_with = "crate::web::step::or_default")]
        note: String,
    },
}

/// Take a step on a report: the office forwards a major matter to the leaders (001 §24).
#[utoipa::path(post, path = "/api/v1/reports/{id}/steps", tag = "reports", params(("id" = i64, Path)), request_body = ReportStep,
    responses((status = 204), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_step(
    State(state): State<SharedState>,
    u: ApiUser,
    IdPath(Id(id)): IdPath<Id>,
    crate::web::step::ApiStep(step): crate::web::step::ApiStep<ReportStep>,
) -> AppResult<StatusCode> {
    let ReportStep::Forward { note } = step;
    store::forward(&state.db, &u.actor, &u.who, id, &note).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Reports visible to the caller (a unit: its own; the office: those sent to it).
#[utoipa::path(get, path = "/api/v1/reports", params(crate::web::extract::PageQuery), tag = "reports",
    responses((status = 200, body = crate::web::extract::Page<ReportRow>), (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_reports(
    State(state): State<SharedState>,
    u: ApiUser,
    crate::web::extract::Query(q): crate::web::extract::Query<crate::web::extract::PageQuery>,
) -> AppResult<Json<crate::web::extract::Page<ReportRow>>> {
    let scope = store::read_scope(&u.actor)?;
    let w = q.window(PAGE_SIZE);
    Ok(Json(crate::web::extract::Page::window(
        store::reports(&state.db, &scope, None, w).await?,
        w,
    )))
}

/// Submit a report: to a round (`round_id`), or a major-matter report (`kind = major_matter`).
#[utoipa::path(post, path = "/api/v1/reports", tag = "reports", request_body = ReportInput,
    responses((status = 201, body = Created), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_submit(
    State(state): State<SharedState>,
    u: ApiUser,
    ApiJson(input): ApiJson<ReportInput>,
) -> AppResult<Response> {
    let id = store::submit(&state.db, &state.calendar(), &u.actor, &u.who, &input).await?;
    Ok((StatusCode::CREATED, Json(Created { id })).into_response())
}

/// The rounds of periodic reports within the caller's scope.
#[utoipa::path(get, path = "/api/v1/report-rounds", params(crate::web::extract::PageQuery), tag = "reports",
    responses((status = 200, body = crate::web::extract::Page<RoundRow>), (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_rounds(
    State(state): State<SharedState>,
    u: ApiUser,
    crate::web::extract::Query(q): crate::web::extract::Query<crate::web::extract::PageQuery>,
) -> AppResult<Json<crate::web::extract::Page<RoundRow>>> {
    let scope = store::read_scope(&u.actor)?;
    let w = q.window(ROUNDS_PAGE_SIZE);
    Ok(Json(crate::web::extract::Page::window(
        store::rounds(&state.db, &scope, w).await?,
        w,
    )))
}

/// Open a round of periodic reports (the office).
#[utoipa::path(post, path = "/api/v1/report-rounds", tag = "reports", request_body = RoundInput,
    responses((status = 201, body = Created), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_open_round(
    State(state): State<SharedState>,
    u: ApiUser,
    ApiJson(input): ApiJson<RoundInput>,
) -> AppResult<Response> {
    let id = store::open_round(&state.db, &state.calendar(), &u.actor, &u.who, &input).await?;
    Ok((StatusCode::CREATED, Json(Created { id })).into_response())
}

/// A round with who reported on time, late, or not at all.
#[utoipa::path(get, path = "/api/v1/report-rounds/{id}", tag = "reports", params(("id" = i64, Path)),
    responses((status = 200, body = RoundDetail), (status = 404, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_round(
    State(state): State<SharedState>,
    u: ApiUser,
    IdPath(Id(id)): IdPath<Id>,
) -> AppResult<Json<RoundDetail>> {
    Ok(Json(round_detail(&state, &u.actor, id).await?))
}
