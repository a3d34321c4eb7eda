//! Activity pages and API: the year's list with its count, the record of an activity and its
//! correction, the activity's page with its materials and photos, the withdrawal, and the
//! yearly count (`/api/v1/activities/summary`).

use askama::Template;
use axum::Json;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

use super::model::{self, Act, ActivityInput, Audience, Kind, Outreach, Summary};
use super::store::{self, Activity, ActivityStep};
use crate::access::{Action, Actor, Resource};
use crate::db::query::Window;
use crate::domain::FieldErrors;
use crate::error::{AppError, AppResult};
use crate::web::SharedState;
use crate::web::extract::{ApiJson, ApiUser, Created, CsrfForm, CurrentUser, Id, IdPath, Query};
use crate::web::files::{UPLOAD_BODY_LIMIT, download, read_upload};
use crate::web::form::Pairs;
use crate::web::page::{Layout, MsgQuery, PageResult, form_status, page_number, render_status};

/// How many activities a list shows at a time (the API pages by `?page=`).
const PAGE_SIZE: i64 = 50;

pub fn routes() -> OpenApiRouter<SharedState> {
    OpenApiRouter::new()
        .route("/activities", get(list_page))
        .route("/activities/new", get(new_page).post(create_page))
        .route("/activities/{id}", get(show_page))
        .route("/activities/{id}/edit", get(edit_page).post(update_page))
        .route("/activities/{id}/step", post(step_page))
        .route(
            "/activities/{id}/attachments",
            post(attach_page).layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)),
        )
        .route("/activities/{id}/attachments/{aid}", get(attachment_page))
        .routes(routes!(api_list, api_create))
        .routes(routes!(api_summary))
        .routes(routes!(api_get, api_update))
        .routes(routes!(api_step))
        .routes(routes!(api_attach).layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)))
        .routes(routes!(api_attachment))
}

pub struct Opt {
    pub code: &'static str,
    pub label: &'static str,
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// The year (YYYY), from 2000 to this year; this year when left out.
    pub year: Option<String>,
    /// The page, from 1.
    pub page: Option<String>,
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SummaryQuery {
    /// The year (YYYY), from 2000 to this year; this year when left out.
    pub year: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// Pages.

#[derive(Template)]
#[template(path = "activities/list.html")]
struct ListPage {
    layout: Layout,
    year: i32,
    years: Vec<i32>,
    errors: FieldErrors,
    summary: Summary,
    rows: Vec<Activity>,
    page: i64,
    more: bool,
    can_create: bool,
}

async fn list_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    Query(q): Query<ListQuery>,
) -> PageResult {
    let scope = store::read_scope(&cu.actor)?;
    let today = cu.who.today();
    let (year, errors) = match model::year(q.year.as_deref(), today) {
        Ok(y) => (Some(y), FieldErrors::new()),
        Err(e) => (None, e),
    };
    let page = page_number(q.page.as_deref());
    let w = Window::page(page, PAGE_SIZE);
    let shown = year.unwrap_or_else(|| chrono::Datelike::year(&today));
    let (rows, more, summary) = match year {
        Some(y) => {
            let (rows, more) = w.cut(store::list(&state.db, &scope, y, w).await?);
            (rows, more, store::summary(&state.db, &scope, y).await?)
        }
        None => (Vec::new(), false, model::summarise(shown, &[])),
    };
    let this_year = chrono::Datelike::year(&today);
    Ok(render_status(
        form_status(&errors),
        &ListPage {
            layout: Layout::new(&cu, "宣传培训活动", "/activities"),
            year: shown,
            years: (shown.min(this_year.saturating_sub(4))..=this_year)
                .rev()
                .collect(),
            errors,
            summary,
            rows,
            page,
            more,
            can_create: cu.actor.can(Resource::Activity, Action::Create),
        },
    ))
}

#[derive(Template)]
#[template(path = "activities/form.html")]
struct FormPage {
    layout: Layout,
    heading: String,
    action: String,
    form: ActivityInput,
    errors: FieldErrors,
    kinds: Vec<Opt>,
    outreach: Vec<Opt>,
    audiences: Vec<Opt>,
    /// Units that may be named as organising it jointly; empty when the reader may not change
    /// them (a co-organiser correcting the record).
    units: Vec<crate::units::Unit>,
    /// The units organising it jointly, as they stand, for a reader who may not change them.
    fixed: Vec<store::Organiser>,
    /// The work-plan items the unit leads that ask for an activity not yet carried out (only
    /// when recording a new one).
    plan_items: Vec<PlanItemOpt>,
    today: String,
}

/// A work-plan item the form offers to name as carried out by the activity.
struct PlanItemOpt {
    id: String,
    label: String,
}

impl FormPage {
    fn plan_item_selected(&self, id: &str) -> bool {
        self.form.plan_item_id.as_deref() == Some(id)
    }

    fn audience_checked(&self, code: &str) -> bool {
        self.form.audiences.iter().any(|a| a == code)
    }
    fn unit_selected(&self, id: &i64) -> bool {
        self.form
            .co_organiser_unit_ids
            .as_ref()
            .is_some_and(|v| v.iter().any(|u| u.trim() == id.to_string()))
    }
    fn outreach_to(&self) -> &str {
        self.form.outreach_to.as_deref().unwrap_or("")
    }
    fn ended_on(&self) -> &str {
        self.form.ended_on.as_deref().unwrap_or("")
    }
}

fn options() -> (Vec<Opt>, Vec<Opt>, Vec<Opt>) {
    (
        Kind::ALL
            .iter()
            .map(|k| Opt {
                code: k.code(),
                label: k.label(),
            })
            .collect(),
        Outreach::ALL
            .iter()
            .map(|o| Opt {
                code: o.code(),
                label: o.label(),
            })
            .collect(),
        Audience::ALL
            .iter()
            .map(|a| Opt {
                code: a.code(),
                label: a.label(),
            })
            .collect(),
    )
}

/// The form to record an activity, or to correct activity `id` (then `fixed` holds its
/// co-organisers when the reader may not change them).
async fn form_page(
    state: &SharedState,
    cu: &CurrentUser,
    id: Option<i64>,
    form: ActivityInput,
    errors: FieldErrors,
    fixed: Option<Vec<store::Organiser>>,
) -> PageResult {
    if !cu.actor.can(Resource::Activity, Action::Create) {
        return Err(AppError::Forbidden.into());
    }
    let (kinds, outreach, audiences) = options();
    let units = match fixed {
        Some(_) => Vec::new(),
        None => crate::units::store::choices(&state.db, &cu.actor)
            .await?
            .into_iter()
            .filter(|u| u.id != cu.actor.unit_id)
            .collect(),
    };
    let plan_items = match id {
        Some(_) => Vec::new(),
        None => store::pending_plan_items(&state.db, cu.actor.unit_id)
            .await?
            .into_iter()
            .map(|i| PlanItemOpt {
                id: i.id.to_string(),
                label: format!(
                    "{}（{}，{}前）",
                    i.text,
                    i.kind.map(|k| k.label()).unwrap_or("活动"),
                    crate::calendar::date_zh(&i.due_on)
                ),
            })
            .collect(),
    };
    let (heading, action) = match id {
        Some(id) => ("修改活动情况".to_string(), format!("/activities/{id}/edit")),
        None => (
            "登记宣传培训活动".to_string(),
            "/activities/new".to_string(),
        ),
    };
    Ok(render_status(
        form_status(&errors),
        &FormPage {
            layout: Layout::new(cu, &heading, "/activities"),
            heading,
            action,
            form,
            errors,
            kinds,
            outreach,
            audiences,
            units,
            fixed: fixed.unwrap_or_default(),
            plan_items,
            today: cu.who.today().to_string(),
        },
    ))
}

async fn new_page(State(state): State<SharedState>, cu: CurrentUser) -> PageResult {
    form_page(
        &state,
        &cu,
        None,
        ActivityInput::default(),
        FieldErrors::new(),
        None,
    )
    .await
}

/// The form as sent. The co-organisers count as sent only when the form offered them (a
/// co-organiser's correction leaves them as they are).
fn input_from_pairs(pairs: &[(String, String)]) -> ActivityInput {
    let p = Pairs(pairs);
    ActivityInput {
        kind: p.one("kind"),
        outreach_to: p.opt("outreach_to"),
        title: p.one("title"),
        held_on: p.one("held_on"),
        ended_on: p.opt("ended_on"),
        place: p.one("place"),
        co_organiser_unit_ids: p
            .get("co_organisers_offered")
            .map(|_| p.many("co_organiser_unit_ids")),
        audiences: p.many("audiences"),
        participants: p.one("participants"),
        report: p.one("report"),
        plan_item_id: p.opt("plan_item_id"),
    }
}

async fn create_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let input = input_from_pairs(&pairs);
    match store::create(&state.db, &state.calendar(), &cu.actor, &cu.who, &input).await {
        Ok(id) => Ok(Redirect::to(&format!("/activities/{id}?msg=created")).into_response()),
        Err(AppError::Validation(e)) => form_page(&state, &cu, None, input, e, None).await,
        Err(e) => Err(e.into()),
    }
}

/// The record as the reader sees it, with what they may change; 404 outside their scope, 409
/// when they may not correct it.
async fn correctable(
    state: &SharedState,
    actor: &Actor,
    id: i64,
) -> AppResult<(Activity, Vec<store::Organiser>, model::Standing)> {
    let scope = store::read_scope(actor)?;
    let a = store::get(&state.db, &scope, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let organisers = store::organisers(&state.db, id).await?;
    let s = store::standing(actor, &a, &organisers);
    model::check(a.state()?, Act::Update, s)
        .map_err(|r| AppError::conflict("step_refused", r.to_string()))?;
    Ok((a, organisers, s))
}

/// What a reader who may not change the co-organisers is shown of them.
fn fixed_of(s: model::Standing, organisers: &[store::Organiser]) -> Option<Vec<store::Organiser>> {
    (!model::may_change_organisers(s)).then(|| {
        organisers
            .iter()
            .filter(|o| o.role != "lead")
            .cloned()
            .collect()
    })
}

async fn edit_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    IdPath(Id(id)): IdPath<Id>,
) -> PageResult {
    let (a, organisers, s) = correctable(&state, &cu.actor, id).await?;
    let fixed = fixed_of(s, &organisers);
    form_page(
        &state,
        &cu,
        Some(id),
        a.as_input(&organisers),
        FieldErrors::new(),
        fixed,
    )
    .await
}

async fn update_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    IdPath(Id(id)): IdPath<Id>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let input = input_from_pairs(&pairs);
    match store::update(&state.db, &cu.actor, &cu.who, id, &input).await {
        Ok(()) => Ok(Redirect::to(&format!("/activities/{id}?msg=saved")).into_response()),
        Err(AppError::Validation(e)) => {
            let (_, organisers, s) = correctable(&state, &cu.actor, id).await?;
            form_page(&state, &cu, Some(id), input, e, fixed_of(s, &organisers)).await
        }
        Err(e) => Err(e.into()),
    }
}

/// An activity with its organisers, files and the changes the reader may make.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ActivityDetail {
    #[serde(flatten)]
    pub activity: Activity,
    /// The recording unit first, then the units that organised it jointly.
    pub organisers: Vec<store::Organiser>,
    pub attachments: Vec<store::AttachmentRow>,
    /// What the reader may do: `update`, `attach`, `withdraw`.
    pub steps: Vec<String>,
}

async fn detail(state: &SharedState, actor: &Actor, id: i64) -> AppResult<ActivityDetail> {
    let scope = store::read_scope(actor)?;
    let activity = store::get(&state.db, &scope, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let organisers = store::organisers(&state.db, id).await?;
    let steps = model::available(
        activity.state()?,
        store::standing(actor, &activity, &organisers),
    )
    .into_iter()
    .map(|a| a.code().to_string())
    .collect();
    Ok(ActivityDetail {
        attachments: store::attachments(&state.db, id).await?,
        organisers,
        steps,
        activity,
    })
}

#[derive(Template)]
#[template(path = "activities/show.html")]
struct ShowPage {
    layout: Layout,
    d: ActivityDetail,
    error: Option<String>,
}

impl ShowPage {
    fn can(&self, step: &str) -> bool {
        self.d.steps.iter().any(|s| s == step)
    }
    fn clause(&self) -> String {
        Kind::parse(&self.d.activity.kind)
            .map(|k| crate::domain::citation::cite(k.clause()))
            .unwrap_or_default()
    }
}

async fn show(
    state: &SharedState,
    cu: &CurrentUser,
    id: i64,
    msg: Option<&str>,
    error: Option<String>,
) -> PageResult {
    let d = detail(state, &cu.actor, id).await?;
    Ok(crate::web::page::render(&ShowPage {
        layout: Layout::new(cu, &d.activity.title, "/activities").notice(msg),
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

async fn after_step<T>(
    state: &SharedState,
    cu: &CurrentUser,
    id: i64,
    result: AppResult<T>,
) -> PageResult {
    crate::web::page::after_step(result, &format!("/activities/{id}?msg=saved"), |msg| {
        show(state, cu, id, None, Some(msg))
    })
    .await
}

async fn step_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    IdPath(Id(id)): IdPath<Id>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let r = match crate::web::step::from_form(&pairs) {
        Ok(input) => store::run(&state.db, &cu.actor, &cu.who, id, input).await,
        Err(e) => Err(e),
    };
    after_step(&state, &cu, id, r).await
}

async fn attach_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    IdPath(Id(id)): IdPath<Id>,
    crate::web::files::Upload(mp): crate::web::files::Upload,
) -> PageResult {
    let form = read_upload(mp).await?;
    form.check_csrf(&cu)?;
    let kind = form.field("kind").unwrap_or("").to_string();
    let r = store::attach(
        &state.db,
        &cu.actor,
        &cu.who,
        id,
        &kind,
        &form.filename,
        form.bytes,
        &form.description,
    )
    .await;
    after_step(&state, &cu, id, r).await
}

/// A file of the activity as the reader may have it: pages and API alike.
async fn attachment_bytes(
    state: &SharedState,
    actor: &Actor,
    id: i64,
    aid: i64,
) -> AppResult<Response> {
    let scope = store::read_scope(actor)?;
    store::get(&state.db, &scope, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let (name, mime, bytes) = store::attachment(&state.db, id, aid)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(download(&name, &mime, bytes))
}

async fn attachment_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    IdPath((Id(id), Id(aid))): IdPath<(Id, Id)>,
) -> PageResult {
    Ok(attachment_bytes(&state, &cu.actor, id, aid).await?)
}

// ---------------------------------------------------------------------------------------------
// API.

/// The year's activities visible to the caller, newest first (withdrawn ones marked so).
#[utoipa::path(get, path = "/api/v1/activities", tag = "activities", params(ListQuery),
    responses((status = 200, body = crate::web::extract::Page<Activity>), (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_list(
    State(state): State<SharedState>,
    u: ApiUser,
    Query(q): Query<ListQuery>,
) -> AppResult<Json<crate::web::extract::Page<Activity>>> {
    let scope = store::read_scope(&u.actor)?;
    let year = model::year(q.year.as_deref(), u.who.today())?;
    let w = Window::page(page_number(q.page.as_deref()), PAGE_SIZE);
    Ok(Json(crate::web::extract::Page::window(
        store::list(&state.db, &scope, year, w).await?,
        w,
    )))
}

/// Record an activity the caller's unit organised, alone or jointly (002 (八); 004 一(四)–
/// (五)).
#[utoipa::path(post, path = "/api/v1/activities", tag = "activities", request_body = ActivityInput,
    responses((status = 201, body = Created), (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_create(
    State(state): State<SharedState>,
    u: ApiUser,
    ApiJson(input): ApiJson<ActivityInput>,
) -> AppResult<Response> {
    let id = store::create(&state.db, &state.calendar(), &u.actor, &u.who, &input).await?;
    Ok((StatusCode::CREATED, Json(Created { id })).into_response())
}

/// The year's count within the caller's scope: activities and participants by kind, “四进”
/// activities by where they went, activities by audience; an activity organised jointly by
/// several units counts once; withdrawn ones do not count.
#[utoipa::path(get, path = "/api/v1/activities/summary", tag = "activities", params(SummaryQuery),
    responses((status = 200, body = Summary), (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_summary(
    State(state): State<SharedState>,
    u: ApiUser,
    Query(q): Query<SummaryQuery>,
) -> AppResult<Json<Summary>> {
    let scope = store::read_scope(&u.actor)?;
    let year = model::year(q.year.as_deref(), u.who.today())?;
    Ok(Json(store::summary(&state.db, &scope, year).await?))
}

/// One activity; 404 outside the caller's scope.
#[utoipa::path(get, path = "/api/v1/activities/{id}", tag = "activities", params(("id" = i64, Path)),
    responses((status = 200, body = ActivityDetail), (status = 404, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_get(
    State(state): State<SharedState>,
    u: ApiUser,
    IdPath(Id(id)): IdPath<Id>,
) -> AppResult<Json<ActivityDetail>> {
    Ok(Json(detail(&state, &u.actor, id).await?))
}

/// Correct an activity (any of its organisers): the whole record as for its creation; the
/// co-organisers are changed by the recording unit alone, and left out they stay as they are.
#[utoipa::path(put, path = "/api/v1/activities/{id}", tag = "activities", params(("id" = i64, Path)), request_body = ActivityInput,
    responses((status = 204), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_update(
    State(state): State<SharedState>,
    u: ApiUser,
    IdPath(Id(id)): IdPath<Id>,
    ApiJson(input): ApiJson<ActivityInput>,
) -> AppResult<StatusCode> {
    store::update(&state.db, &u.actor, &u.who, id, &input).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Withdraw an activity recorded by mistake (the recording unit, with the reason).
#[utoipa::path(post, path = "/api/v1/activities/{id}/steps", tag = "activities", params(("id" = i64, Path)), request_body = ActivityStep,
    responses((status = 204), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_step(
    State(state): State<SharedState>,
    u: ApiUser,
    IdPath(Id(id)): IdPath<Id>,
    crate::web::step::ApiStep(input): crate::web::step::ApiStep<ActivityStep>,
) -> AppResult<StatusCode> {
    store::run(&state.db, &u.actor, &u.who, id, input).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// What an activity's upload sends (multipart/form-data).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct ActivityUploadBody {
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    /// `material` (活动材料) or `photo` (活动照片: JPG or PNG).
    kind: String,
    description: Option<String>,
}

/// Upload a material or a photo of an activity (any of its organisers).
#[utoipa::path(post, path = "/api/v1/activities/{id}/attachments", tag = "activities", params(("id" = i64, Path)),
    request_body(content = ActivityUploadBody, content_type = "multipart/form-data"),
    responses((status = 201, body = Created), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_attach(
    State(state): State<SharedState>,
    u: ApiUser,
    IdPath(Id(id)): IdPath<Id>,
    crate::web::files::Upload(mp): crate::web::files::Upload,
) -> AppResult<Response> {
    let form = read_upload(mp).await?;
    let kind = form.field("kind").unwrap_or("").to_string();
    let aid = store::attach(
        &state.db,
        &u.actor,
        &u.who,
        id,
        &kind,
        &form.filename,
        form.bytes,
        &form.description,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(Created { id: aid })).into_response())
}

/// One file of an activity; 404 outside the caller's scope.
#[utoipa::path(get, path = "/api/v1/activities/{id}/attachments/{aid}", tag = "activities",
    params(("id" = i64, Path), ("aid" = i64, Path)),
    responses((status = 200, description = "The file, with its stored type"), (status = 404, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_attachment(
    State(state): State<SharedState>,
    u: ApiUser,
    IdPath((Id(id), Id(aid))): IdPath<(Id, Id)>,
) -> AppResult<Response> {
    attachment_bytes(&state, &u.actor, id, aid).await
}
