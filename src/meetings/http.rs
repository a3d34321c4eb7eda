//! Meeting pages and API: the list with the yearly-minimum warnings, the office's proposal, the
//! meeting page with the chair's decision, the record of the meeting and the signature, and the
//! minutes PDF.

use askama::Template;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Serialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::flow::{self, MeetingKind, Step};
use super::model::{HeldInput, ItemInput, ProposalInput};
use super::store::{self, Meeting};
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

/// How many meetings a list shows at a time (the API pages by `?page=`).
const PAGE_SIZE: i64 = 200;

pub fn routes() -> OpenApiRouter<SharedState> {
    OpenApiRouter::new()
        .route("/meetings", get(list_page))
        .route("/meetings/new", get(new_page).post(create_page))
        .route("/meetings/{id}", get(show_page))
        .route("/meetings/{id}/step", post(step_page))
        .route("/meetings/{id}/minutes.pdf", get(minutes_page))
        .routes(routes!(api_minutes))
        .routes(routes!(api_list, api_create))
        .routes(routes!(api_get))
        .routes(routes!(api_step))
}

pub struct Opt {
    pub code: &'static str,
    pub label: &'static str,
}

#[derive(Template)]
#[template(path = "meetings/list.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<Meeting>,
    warnings: Vec<String>,
    can_create: bool,
}

/// The office's yearly-minimum warnings (003 三(一)) for a county office.
async fn warnings(state: &SharedState, actor: &Actor) -> AppResult<Vec<String>> {
    if !actor
        .roles
        .contains(&crate::access::Role::CountyOfficeStaff)
    {
        return Ok(Vec::new());
    }
    let today = state.clock.today();
    let mut out = Vec::new();
    for kind in [MeetingKind::Liaison, MeetingKind::ResponsiblePersons] {
        let n = store::held_this_year(&state.db, actor.unit_id, kind, today).await?;
        out.extend(flow::minimum_warning(
            kind,
            u32::try_from(n).unwrap_or(u32::MAX),
            today,
        ));
    }
    Ok(out)
}

async fn list_page(State(state): State<SharedState>, cu: CurrentUser) -> PageResult {
    let scope = store::read_scope(&cu.actor)?;
    Ok(render(&ListPage {
        layout: Layout::new(&cu, "会议与纪要", "/meetings"),
        rows: crate::db::query::Window::first(PAGE_SIZE).rows(
            store::list(
                &state.db,
                &scope,
                crate::db::query::Window::first(PAGE_SIZE),
            )
            .await?,
        ),
        warnings: warnings(&state, &cu.actor).await?,
        can_create: cu.actor.can(Resource::Meeting, Action::Create),
    }))
}

#[derive(Template)]
#[template(path = "meetings/new.html")]
struct NewPage {
    layout: Layout,
    form: ProposalInput,
    errors: FieldErrors,
    kinds: Vec<Opt>,
    units: Vec<crate::units::Unit>,
}

async fn active_units(state: &SharedState, actor: &Actor) -> AppResult<Vec<crate::units::Unit>> {
    Ok(crate::units::store::choices(&state.db, actor).await?)
}

async fn new_form(
    state: &SharedState,
    cu: &CurrentUser,
    form: ProposalInput,
    errors: FieldErrors,
) -> PageResult {
    if !cu.actor.can(Resource::Meeting, Action::Create) {
        return Err(AppError::Forbidden.into());
    }
    let status = form_status(&errors);
    Ok(render_status(
        status,
        &NewPage {
            layout: Layout::new(cu, "提出会议建议", "/meetings"),
            form,
            errors,
            kinds: MeetingKind::ALL
                .iter()
                .map(|k| Opt {
                    code: k.code(),
                    label: k.label(),
                })
                .collect(),
            units: active_units(state, &cu.actor).await?,
        },
    ))
}

async fn new_page(State(state): State<SharedState>, cu: CurrentUser) -> PageResult {
    new_form(&state, &cu, ProposalInput::default(), FieldErrors::new()).await
}

async fn create_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let p = Pairs(&pairs);
    let input = ProposalInput {
        kind: p.one("kind"),
        title: p.one("title"),
        planned_on: p.one("planned_on"),
        place: p.opt("place"),
        topics: p.one("topics"),
        unit_ids: p.many("unit_ids"),
    };
    match store::propose(&state.db, &cu.actor, &cu.who, &input).await {
        Ok(id) => Ok(Redirect::to(&format!("/meetings/{id}?msg=created")).into_response()),
        Err(AppError::Validation(e)) => new_form(&state, &cu, input, e).await,
        Err(e) => Err(e.into()),
    }
}

/// A meeting with its units, decided items and the steps the reader may take.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = GroupMeetingDetail)]
pub struct MeetingDetail {
    #[serde(flatten)]
    pub meeting: Meeting,
    pub units: Vec<store::UnitRow>,
    pub items: Vec<store::ItemRow>,
    pub steps: Vec<Step>,
    /// The minutes' drafts in the document chain the reader may see (the office, the chair).
    pub drafts: Vec<crate::drafting::store::Draft>,
}

async fn detail(state: &SharedState, actor: &Actor, id: i64) -> AppResult<MeetingDetail> {
    let scope = store::read_scope(actor)?;
    let meeting = store::get(&state.db, &scope, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let steps = flow::available(
        meeting.kind()?,
        meeting.state()?,
        &actor.roles,
        store::office_standing(actor, &meeting),
    );
    Ok(MeetingDetail {
        units: store::units(&state.db, id).await?,
        items: store::items(&state.db.pool, id).await?,
        steps,
        drafts: crate::drafting::store::of_record(&state.db, actor, "meeting", id).await?,
        meeting,
    })
}

#[derive(Template)]
#[template(path = "meetings/show.html")]
struct ShowPage {
    layout: Layout,
    d: MeetingDetail,
    error: Option<String>,
    units: Vec<crate::units::Unit>,
    today: String,
    item_rows: Vec<(usize, ItemInput)>,
}

async fn show(
    state: &SharedState,
    cu: &CurrentUser,
    id: i64,
    msg: Option<&str>,
    error: Option<String>,
) -> PageResult {
    let d = detail(state, &cu.actor, id).await?;
    let units = if d.steps.contains(&Step::RecordHeld) {
        active_units(state, &cu.actor).await?
    } else {
        Vec::new()
    };
    Ok(render(&ShowPage {
        layout: Layout::new(cu, &d.meeting.title, "/meetings").notice(msg),
        d,
        error,
        units,
        today: state.clock.today().to_string(),
        item_rows: (0..5).map(|i| (i, ItemInput::default())).collect(),
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

/// A step from the meeting page: the record of a held meeting comes as numbered item fields.
fn step_from_pairs(pairs: &[(String, String)]) -> AppResult<store::MeetingStep> {
    let p = Pairs(pairs);
    if p.one("step") != Step::RecordHeld.code() {
        return crate::web::step::from_form(pairs);
    }
    Ok(store::MeetingStep::RecordHeld {
        held: HeldInput {
            held_on: p.one("held_on"),
            attended_unit_ids: p.many("attended_unit_ids"),
            attendees: p.one("attendees"),
            minutes: p.one("minutes"),
            items: (0..10)
                .map(|i| ItemInput {
                    text: p.one(&format!("item{i}_text")),
                    lead_unit_id: p.one(&format!("item{i}_lead")),
                    due_on: p.one(&format!("item{i}_due")),
                })
                .collect(),
        },
    })
}

async fn step_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    IdPath(Id(id)): IdPath<Id>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let r = match step_from_pairs(&pairs) {
        Ok(input) => store::run(&state, &cu.actor, &cu.who, id, input).await,
        Err(e) => Err(e),
    };
    crate::web::page::after_step(r, &format!("/meetings/{id}?msg=saved"), |msg| {
        show(&state, &cu, id, None, Some(msg))
    })
    .await
}

async fn minutes_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    IdPath(Id(id)): IdPath<Id>,
) -> PageResult {
    Ok(minutes_bytes(&state, &cu.actor, id).await?)
}

/// The document as the caller may read it: pages and API alike.
async fn minutes_bytes(state: &SharedState, actor: &Actor, id: i64) -> AppResult<Response> {
    let scope = store::read_scope(actor)?;
    store::get(&state.db, &scope, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let (number, pdf) = store::minutes_pdf(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(pdf_response(&format!("{number}.pdf"), pdf))
}

/// The signed minutes as PDF, once issued.
#[utoipa::path(get, path = "/api/v1/meetings/{id}/minutes.pdf", tag = "meetings",
    params(("id" = i64, Path)),
    responses((status = 200, description = "The signed minutes", content_type = "application/pdf"), (status = 404, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_minutes(
    State(state): State<SharedState>,
    u: ApiUser,
    IdPath(Id(id)): IdPath<Id>,
) -> AppResult<Response> {
    minutes_bytes(&state, &u.actor, id).await
}

/// Meetings visible to the caller.
#[utoipa::path(get, path = "/api/v1/meetings", params(crate::web::extract::PageQuery), tag = "meetings",
    responses((status = 200, body = crate::web::extract::Page<Meeting>), (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_list(
    State(state): State<SharedState>,
    u: ApiUser,
    Query(q): Query<crate::web::extract::PageQuery>,
) -> AppResult<Json<crate::web::extract::Page<Meeting>>> {
    let scope = store::read_scope(&u.actor)?;
    let w = q.window(PAGE_SIZE);
    Ok(Json(crate::web::extract::Page::window(
        store::list(&state.db, &scope, w).await?,
        w,
    )))
}

/// Propose a meeting (the office, 001 §20).
#[utoipa::path(post, path = "/api/v1/meetings", tag = "meetings", request_body = ProposalInput,
    responses((status = 201, body = Created), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_create(
    State(state): State<SharedState>,
    u: ApiUser,
    ApiJson(input): ApiJson<ProposalInput>,
) -> AppResult<Response> {
    let id = store::propose(&state.db, &u.actor, &u.who, &input).await?;
    Ok((StatusCode::CREATED, Json(Created { id })).into_response())
}

/// One meeting; 404 outside the caller's scope.
#[utoipa::path(get, path = "/api/v1/meetings/{id}", tag = "meetings", params(("id" = i64, Path)),
    responses((status = 200, body = MeetingDetail), (status = 404, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_get(
    State(state): State<SharedState>,
    u: ApiUser,
    IdPath(Id(id)): IdPath<Id>,
) -> AppResult<Json<MeetingDetail>> {
    Ok(Json(detail(&state, &u.actor, id).await?))
}

/// Decide, record or sign; refused with the reason when the rules do not allow it.
#[utoipa::path(post, path = "/api/v1/meetings/{id}/steps", tag = "meetings", params(("id" = i64, Path)), request_body = store::MeetingStep,
    responses((status = 204), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_step(
    State(state): State<SharedState>,
    u: ApiUser,
    IdPath(Id(id)): IdPath<Id>,
    crate::web::step::ApiStep(input): crate::web::step::ApiStep<store::MeetingStep>,
) -> AppResult<StatusCode> {
    // The record of the meeting is sent nested under `held`; its errors are named so.
    let nested = matches!(input, store::MeetingStep::RecordHeld { .. });
    store::run(&state, &u.actor, &u.who, id, input)
        .await
        .map_err(|e| if nested { e.under("held") } else { e })?;
    Ok(StatusCode::NO_CONTENT)
}
