//! Pages and API for assistance and consultation requests (004 二(四), 一(三)) and for joint
//! meetings (004 二(五), 三(三)).

use askama::Template;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::super::meetings::{self, Meeting, MeetingInput, MeetingKind};
use super::super::requests::{self, Request, RequestInput, RequestKind, Topic};
use super::super::store;
use super::transfers::Opt;
use crate::access::{Action, Actor, Scope};
use crate::domain::FieldErrors;
use crate::error::{AppError, AppResult};
use crate::web::SharedState;
use crate::web::extract::{ApiJson, ApiUser, Created, CsrfForm, CurrentUser, Id, IdPath};
use crate::web::page::form_status;
use crate::web::page::{Layout, PageResult, render, render_status};

/// How many requests and meetings a list shows at a time (the API pages by `?page=`).
const PAGE_SIZE: i64 = 200;

pub fn routes() -> OpenApiRouter<SharedState> {
    OpenApiRouter::new()
        .route("/linkage/requests", get(requests_page))
        .route(
            "/linkage/requests/new",
            get(new_request_page).post(create_request_page),
        )
        .route("/linkage/requests/{id}", get(request_page))
        .route("/linkage/requests/{id}/answer", post(answer_page))
        .route("/linkage/requests/{id}/escalate", post(escalate_page))
        .route("/linkage/meetings", get(meetings_page))
        .route(
            "/linkage/meetings/new",
            get(new_meeting_page).post(create_meeting_page),
        )
        .route("/linkage/meetings/{id}", get(meeting_page))
        .route(
            "/linkage/meetings/{id}/items/{item}/done",
            post(item_done_page),
        )
        .routes(routes!(api_requests, api_create_request))
        .routes(routes!(api_request))
        .routes(routes!(api_request_step))
        .routes(routes!(api_meetings, api_create_meeting))
        .routes(routes!(api_meeting))
        .routes(routes!(api_meeting_step))
}

fn opts<T: Copy>(all: &[T], code: fn(T) -> &'static str, label: fn(T) -> &'static str) -> Vec<Opt> {
    all.iter()
        .map(|v| Opt {
            code: code(*v),
            label: label(*v),
        })
        .collect()
}

async fn active_units(state: &SharedState, actor: &Actor) -> AppResult<Vec<crate::units::Unit>> {
    Ok(crate::units::store::choices(&state.db, actor).await?)
}

// ---- requests ----

/// The requests of window `w` (one past it, as the store reads), redacted where the actor is
/// not entitled to them.
async fn visible(
    state: &SharedState,
    actor: &Actor,
    w: crate::db::query::Window,
) -> AppResult<Vec<Request>> {
    let scope = store::read_scope(actor)?;
    let mut out = Vec::new();
    for r in requests::list(&state.db, &scope, None, w).await? {
        out.push(if requests::entitled(&state.db, actor, &r).await? {
            r
        } else {
            r.redact()
        });
    }
    Ok(out)
}

#[derive(Template)]
#[template(path = "linkage/requests.html")]
struct RequestsPage {
    layout: Layout,
    rows: Vec<Request>,
    can_create: bool,
}

async fn requests_page(State(state): State<SharedState>, cu: CurrentUser) -> PageResult {
    Ok(render(&RequestsPage {
        layout: Layout::new(&cu, "协作与咨询", "/linkage/requests"),
        rows: crate::db::query::Window::first(PAGE_SIZE).rows(
            visible(
                &state,
                &cu.actor,
                crate::db::query::Window::first(PAGE_SIZE),
            )
            .await?,
        ),
        can_create: may_ask(&cu.actor),
    }))
}

#[derive(Template)]
#[template(path = "linkage/request_new.html")]
struct NewRequestPage {
    layout: Layout,
    form: RequestInput,
    errors: FieldErrors,
    kinds: Vec<Opt>,
    topics: Vec<Opt>,
    units: Vec<crate::units::Unit>,
}

/// Requests are made by a unit's liaison officer or handler, on the unit's behalf.
fn may_ask(actor: &Actor) -> bool {
    actor.can(crate::access::Resource::Linkage, Action::Create)
        && actor.roles.iter().any(|r| {
            matches!(
                r,
                crate::access::Role::UnitLiaison | crate::access::Role::UnitHandler
            )
        })
}

async fn request_form(
    state: &SharedState,
    cu: &CurrentUser,
    form: RequestInput,
    errors: FieldErrors,
) -> PageResult {
    if !may_ask(&cu.actor) {
        return Err(AppError::Forbidden.into());
    }
    let status = form_status(&errors);
    let units = active_units(state, &cu.actor)
        .await?
        .into_iter()
        .filter(|u| {
            u.id != cu.actor.unit_id
                && matches!(
                    u.kind.as_str(),
                    "police" | "market_regulation" | "administrative" | "customs" | "tax"
                )
        })
        .collect();
    Ok(render_status(
        status,
        &NewRequestPage {
            layout: Layout::new(cu, "提出协作或咨询", "/linkage/requests"),
            form,
            errors,
            kinds: opts(RequestKind::ALL, RequestKind::code, RequestKind::label),
            topics: opts(Topic::ALL, Topic::code, Topic::label),
            units,
        },
    ))
}

#[derive(Deserialize, Default)]
struct NewQuery {
    transfer_id: Option<String>,
    kind: Option<String>,
}

async fn new_request_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    axum::extract::Query(q): axum::extract::Query<NewQuery>,
) -> PageResult {
    let form = RequestInput {
        transfer_id: q.transfer_id,
        kind: q.kind.unwrap_or_default(),
        ..Default::default()
    };
    request_form(&state, &cu, form, FieldErrors::new()).await
}

fn request_from_pairs(pairs: &[(String, String)]) -> RequestInput {
    let p = crate::web::form::Pairs(pairs);
    let one = |k: &str| p.one(k);
    let opt = |k: &str| p.opt(k);
    RequestInput {
        kind: one("kind"),
        topic: opt("topic"),
        to_unit_id: one("to_unit_id"),
        subject: one("subject"),
        body: one("body"),
        transfer_id: opt("transfer_id"),
        withheld: one("withheld") == "1",
        secrecy_basis: opt("secrecy_basis"),
        secrecy_user_ids: p.many("secrecy_user_ids"),
    }
}

async fn create_request_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let input = request_from_pairs(&pairs);
    match requests::create(&state.db, &cu.actor, &cu.who, &input).await {
        Ok(id) => Ok(Redirect::to(&format!("/linkage/requests/{id}?msg=created")).into_response()),
        Err(AppError::Validation(e)) => request_form(&state, &cu, input, e).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "linkage/request_show.html")]
struct RequestPage {
    layout: Layout,
    r: Request,
    entitled: bool,
    can_answer: bool,
    error: Option<String>,
    upper_units: Vec<crate::units::Unit>,
}

async fn request_detail(
    state: &SharedState,
    actor: &Actor,
    who: &crate::audit::Who,
    id: i64,
) -> AppResult<(Request, bool)> {
    let scope = store::read_scope(actor)?;
    let r = requests::get(&state.db, &scope, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let entitled = requests::entitled(&state.db, actor, &r).await?;
    if r.is_withheld() && entitled {
        crate::secrecy::audit_view(
            &state.db,
            who,
            "linkage_request",
            id,
            Some(r.from_unit_id),
            "协作或咨询事项",
        )
        .await?;
    }
    Ok(if entitled {
        (r, true)
    } else {
        (r.redact(), false)
    })
}

async fn show_request(
    state: &SharedState,
    cu: &CurrentUser,
    id: i64,
    error: Option<String>,
) -> PageResult {
    let (r, entitled) = request_detail(state, &cu.actor, &cu.who, id).await?;
    let can_answer = entitled && r.state == "open" && r.to_unit_id == cu.actor.unit_id;
    let upper_units = if can_answer && r.kind == "consultation" {
        // The level above lies outside a county's own region: all active units are candidates.
        let me: Vec<crate::units::Unit> =
            crate::units::store::list(&state.db, &Scope::All, &Default::default())
                .await?
                .into_iter()
                .filter(|u| u.is_active())
                .collect();
        let mine = me.iter().find(|u| u.id == r.to_unit_id).cloned();
        me.into_iter()
            .filter(|u| {
                mine.as_ref().is_some_and(|m| {
                    requests::check_escalation(
                        &m.kind,
                        m.region_code.as_str(),
                        &u.kind,
                        u.region_code.as_str(),
                    )
                    .is_ok()
                })
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(render(&RequestPage {
        layout: Layout::new(cu, &r.subject, "/linkage/requests"),
        r,
        entitled,
        can_answer,
        error,
        upper_units,
    }))
}

async fn request_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    IdPath(Id(id)): IdPath<Id>,
) -> PageResult {
    show_request(&state, &cu, id, None).await
}

#[derive(Deserialize, Default)]
pub struct AnswerInput {
    #[serde(default)]
    pub answer: String,
    /// For escalation: the superior unit.
    #[serde(default)]
    pub to_unit_id: Option<String>,
}

async fn after_request<T>(
    state: &SharedState,
    cu: &CurrentUser,
    id: i64,
    r: AppResult<T>,
) -> PageResult {
    crate::web::page::after_step(r, &format!("/linkage/requests/{id}?msg=saved"), |msg| {
        show_request(state, cu, id, Some(msg))
    })
    .await
}

fn opt_unit(raw: &Option<String>) -> AppResult<Option<i64>> {
    match raw.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => Ok(Some(crate::domain::text::id("to_unit_id", "上级单位", v)?)),
    }
}

async fn answer_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    IdPath(Id(id)): IdPath<Id>,
    CsrfForm(f): CsrfForm<AnswerInput>,
) -> PageResult {
    let r = requests::answer(&state.db, &cu.actor, &cu.who, id, &f.answer).await;
    after_request(&state, &cu, id, r).await
}

async fn escalate_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    IdPath(Id(id)): IdPath<Id>,
    CsrfForm(f): CsrfForm<AnswerInput>,
) -> PageResult {
    let r = match opt_unit(&f.to_unit_id) {
        Ok(u) => requests::escalate(&state.db, &cu.actor, &cu.who, id, u, &f.answer).await,
        Err(e) => Err(e),
    };
    after_request(&state, &cu, id, r).await
}

/// Assistance and consultation requests the caller's unit sent or received (004 二(四), 一(三)).
#[utoipa::path(get, path = "/api/v1/linkage/requests", tag = "linkage", params(crate::web::extract::PageQuery),
    responses((status = 200, body = crate::web::extract::Page<Request>), (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_requests(
    State(state): State<SharedState>,
    u: ApiUser,
    crate::web::extract::Query(q): crate::web::extract::Query<crate::web::extract::PageQuery>,
) -> AppResult<Json<crate::web::extract::Page<Request>>> {
    let w = q.window(PAGE_SIZE);
    Ok(Json(crate::web::extract::Page::window(
        visible(&state, &u.actor, w).await?,
        w,
    )))
}

/// Send a request: verification, certification, early intervention, an urgent notice or a
/// consultation question.
#[utoipa::path(post, path = "/api/v1/linkage/requests", tag = "linkage", request_body = RequestInput,
    responses((status = 201, body = Created), (status = 422, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_create_request(
    State(state): State<SharedState>,
    u: ApiUser,
    ApiJson(input): ApiJson<RequestInput>,
) -> AppResult<Response> {
    let id = requests::create(&state.db, &u.actor, &u.who, &input).await?;
    Ok((StatusCode::CREATED, Json(Created { id })).into_response())
}

/// One request; 404 outside the caller's scope.
#[utoipa::path(get, path = "/api/v1/linkage/requests/{id}", tag = "linkage", params(("id" = i64, Path)),
    responses((status = 200, body = Request), (status = 404, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_request(
    State(state): State<SharedState>,
    u: ApiUser,
    IdPath(Id(id)): IdPath<Id>,
) -> AppResult<Json<Request>> {
    Ok(Json(request_detail(&state, &u.actor, &u.who, id).await?.0))
}

/// A step on a request as submitted (`{"step": …, …}`).
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum RequestStep {
    /// 答复 (the unit the request is addressed to).
    Answer {
        #[serde(default, deserialize_with = "crate::web::step::or_default")]
        answer: String,
    },
    /// 提请上一级: take an unresolved consultation to the same line one level up (004 一(三));
    /// opens a new request, answered 201 with its id.
    Escalate {
        /// The superior unit.
        #[serde(default, deserialize_with = "crate::web::step::text_or_number")]
        #[schema(value_type = Option<i64>)]
        to_unit_id: Option<String>,
        /// Where the views differ.
        #[serde(default, deserialize_with = "crate::web::step::or_default")]
        answer: String,
    },
}

/// Take a step on a request: answer it, or escalate it (201 with the new request).
#[utoipa::path(post, path = "/api/v1/linkage/requests/{id}/steps", tag = "linkage", params(("id" = i64, Path)), request_body = RequestStep,
    responses((status = 204, description = "Answered"), (status = 201, description = "Escalated: the new request", body = Created),
        (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_request_step(
    State(state): State<SharedState>,
    u: ApiUser,
    IdPath(Id(id)): IdPath<Id>,
    crate::web::step::ApiStep(step): crate::web::step::ApiStep<RequestStep>,
) -> AppResult<Response> {
    match step {
        RequestStep::Answer { answer } => {
            requests::answer(&state.db, &u.actor, &u.who, id, &answer).await?;
            Ok(StatusCode::NO_CONTENT.into_response())
        }
        RequestStep::Escalate { to_unit_id, answer } => {
            let new_id = requests::escalate(
                &state.db,
                &u.actor,
                &u.who,
                id,
                opt_unit(&to_unit_id)?,
                &answer,
            )
            .await?;
            Ok((StatusCode::CREATED, Json(Created { id: new_id })).into_response())
        }
    }
}

// ---- meetings ----

#[derive(Template)]
#[template(path = "linkage/meetings.html")]
struct MeetingsPage {
    layout: Layout,
    rows: Vec<Meeting>,
    can_create: bool,
}

async fn meetings_page(State(state): State<SharedState>, cu: CurrentUser) -> PageResult {
    let scope = store::read_scope(&cu.actor)?;
    Ok(render(&MeetingsPage {
        layout: Layout::new(&cu, "联席会议", "/linkage/meetings"),
        rows: crate::db::query::Window::first(PAGE_SIZE).rows(
            meetings::list(
                &state.db,
                &scope,
                crate::db::query::Window::first(PAGE_SIZE),
            )
            .await?,
        ),
        can_create: cu
            .actor
            .can(crate::access::Resource::Linkage, Action::Create),
    }))
}

#[derive(Template)]
#[template(path = "linkage/meeting_new.html")]
struct NewMeetingPage {
    layout: Layout,
    form: MeetingInput,
    errors: FieldErrors,
    kinds: Vec<Opt>,
    units: Vec<crate::units::Unit>,
    item_rows: Vec<(usize, meetings::ItemInput)>,
}

async fn meeting_form(
    state: &SharedState,
    cu: &CurrentUser,
    form: MeetingInput,
    errors: FieldErrors,
) -> PageResult {
    let status = form_status(&errors);
    let mut items = form.items.clone();
    while items.len() < 3 {
        items.push(meetings::ItemInput::default());
    }
    Ok(render_status(
        status,
        &NewMeetingPage {
            layout: Layout::new(cu, "记录联席会议", "/linkage/meetings"),
            item_rows: items.into_iter().enumerate().collect(),
            form,
            errors,
            kinds: opts(MeetingKind::ALL, MeetingKind::code, MeetingKind::label),
            units: active_units(state, &cu.actor).await?,
        },
    ))
}

async fn new_meeting_page(State(state): State<SharedState>, cu: CurrentUser) -> PageResult {
    let form = MeetingInput {
        held_on: state.clock.today().to_string(),
        ..Default::default()
    };
    meeting_form(&state, &cu, form, FieldErrors::new()).await
}

fn meeting_from_pairs(pairs: &[(String, String)]) -> MeetingInput {
    let p = crate::web::form::Pairs(pairs);
    let one = |k: &str| p.one(k);
    MeetingInput {
        kind: one("kind"),
        held_on: one("held_on"),
        place: p.opt("place"),
        unit_ids: p.many("unit_ids"),
        attendees: one("attendees"),
        topics: one("topics"),
        minutes: one("minutes"),
        transfer_id: p.opt("transfer_id"),
        items: (0..10)
            .map(|i| meetings::ItemInput {
                text: one(&format!("item{i}_text")),
                owner_unit_id: one(&format!("item{i}_owner")),
                due_on: one(&format!("item{i}_due")),
            })
            .filter(|i| !(i.text.is_empty() && i.owner_unit_id.is_empty() && i.due_on.is_empty()))
            .collect(),
    }
}

async fn create_meeting_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let input = meeting_from_pairs(&pairs);
    match meetings::create(&state.db, &state.calendar(), &cu.actor, &cu.who, &input).await {
        Ok(id) => Ok(Redirect::to(&format!("/linkage/meetings/{id}?msg=created")).into_response()),
        Err(AppError::Validation(e)) => meeting_form(&state, &cu, input, e).await,
        Err(e) => Err(e.into()),
    }
}

/// A meeting with its units and follow-up items.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = LinkageMeetingDetail)]
pub struct MeetingDetail {
    #[serde(flatten)]
    pub meeting: Meeting,
    /// (unit id, name)
    pub units: Vec<(i64, String)>,
    pub items: Vec<meetings::ItemRow>,
}

async fn meeting_detail(state: &SharedState, actor: &Actor, id: i64) -> AppResult<MeetingDetail> {
    let scope = store::read_scope(actor)?;
    let meeting = meetings::get(&state.db, &scope, id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(MeetingDetail {
        units: meetings::units(&state.db, id).await?,
        items: meetings::items(&state.db, id).await?,
        meeting,
    })
}

#[derive(Template)]
#[template(path = "linkage/meeting_show.html")]
struct MeetingPage {
    layout: Layout,
    d: MeetingDetail,
    my_unit: i64,
    error: Option<String>,
}

async fn show_meeting(
    state: &SharedState,
    cu: &CurrentUser,
    id: i64,
    error: Option<String>,
) -> PageResult {
    let d = meeting_detail(state, &cu.actor, id).await?;
    Ok(render(&MeetingPage {
        layout: Layout::new(cu, d.meeting.kind_label(), "/linkage/meetings"),
        my_unit: cu.actor.unit_id,
        d,
        error,
    }))
}

async fn meeting_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    IdPath(Id(id)): IdPath<Id>,
) -> PageResult {
    show_meeting(&state, &cu, id, None).await
}

#[derive(Deserialize, Default)]
pub struct DoneInput {
    #[serde(default)]
    pub note: String,
}

async fn item_done_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    IdPath((Id(id), Id(item))): IdPath<(Id, Id)>,
    CsrfForm(f): CsrfForm<DoneInput>,
) -> PageResult {
    let r = meetings::complete_item(
        &state.db,
        &state.calendar(),
        &cu.actor,
        &cu.who,
        id,
        item,
        &f.note,
    )
    .await;
    crate::web::page::after_step(r, &format!("/linkage/meetings/{id}?msg=saved"), |msg| {
        show_meeting(&state, &cu, id, Some(msg))
    })
    .await
}

/// Joint supervision and special coordination meetings in the caller's scope (004 二(五), 三(三)).
#[utoipa::path(get, path = "/api/v1/linkage/meetings", tag = "linkage", params(crate::web::extract::PageQuery),
    responses((status = 200, body = crate::web::extract::Page<Meeting>), (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_meetings(
    State(state): State<SharedState>,
    u: ApiUser,
    crate::web::extract::Query(q): crate::web::extract::Query<crate::web::extract::PageQuery>,
) -> AppResult<Json<crate::web::extract::Page<Meeting>>> {
    let scope = store::read_scope(&u.actor)?;
    let w = q.window(PAGE_SIZE);
    Ok(Json(crate::web::extract::Page::window(
        meetings::list(&state.db, &scope, w).await?,
        w,
    )))
}

/// Record a meeting with its participants, topics and decided follow-up items.
#[utoipa::path(post, path = "/api/v1/linkage/meetings", tag = "linkage", request_body = MeetingInput,
    responses((status = 201, body = Created), (status = 422, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_create_meeting(
    State(state): State<SharedState>,
    u: ApiUser,
    ApiJson(input): ApiJson<MeetingInput>,
) -> AppResult<Response> {
    let id = meetings::create(&state.db, &state.calendar(), &u.actor, &u.who, &input).await?;
    Ok((StatusCode::CREATED, Json(Created { id })).into_response())
}

/// One meeting with its units and follow-up items; 404 outside the caller's scope.
#[utoipa::path(get, path = "/api/v1/linkage/meetings/{id}", tag = "linkage", params(("id" = i64, Path)),
    responses((status = 200, body = MeetingDetail), (status = 404, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_meeting(
    State(state): State<SharedState>,
    u: ApiUser,
    IdPath(Id(id)): IdPath<Id>,
) -> AppResult<Json<MeetingDetail>> {
    Ok(Json(meeting_detail(&state, &u.actor, id).await?))
}

/// A step on a joint meeting as submitted (`{"step": …, …}`).
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum LinkageMeetingStep {
    /// 报告议定事项已办结 (the item's owner unit).
    CompleteItem {
        /// The decided item.
        #[serde(default, deserialize_with = "crate::web::step::text_or_number")]
        #[schema(value_type = i64)]
        item: Option<String>,
        #[serde(default, deserialize_with = "crate::web::step::or_default")]
        note: String,
    },
}

/// Take a step on a joint meeting: the owner unit reports a follow-up item done.
#[utoipa::path(post, path = "/api/v1/linkage/meetings/{id}/steps", tag = "linkage",
    params(("id" = i64, Path)), request_body = LinkageMeetingStep,
    responses((status = 204), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_meeting_step(
    State(state): State<SharedState>,
    u: ApiUser,
    IdPath(Id(id)): IdPath<Id>,
    crate::web::step::ApiStep(step): crate::web::step::ApiStep<LinkageMeetingStep>,
) -> AppResult<StatusCode> {
    let LinkageMeetingStep::CompleteItem { item, note } = step;
    let item = crate::domain::text::id("item", "议定事项", item.as_deref().unwrap_or(""))?;
    meetings::complete_item(
        &state.db,
        &state.calendar(),
        &u.actor,
        &u.who,
        id,
        item,
        &note,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
