//! Unit pages and API.

use askama::Template;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::model::{UnitInput, UnitKind};
use super::store::{self, Unit};
use crate::access::{Action, Resource, Scope};
use crate::domain::FieldErrors;
use crate::error::{AppError, AppResult};
use crate::users;
use crate::web::SharedState;
use crate::web::extract::{ApiJson, ApiUser, CsrfForm, CurrentUser, Id, IdPath, Query};
use crate::web::page::form_status;
use crate::web::page::{Layout, PageResult, non_empty, render, render_status};

pub fn routes() -> OpenApiRouter<SharedState> {
    OpenApiRouter::new()
        .route("/units", get(list_page))
        .route("/units/new", get(new_page).post(create_page))
        .route("/units/{id}", get(show_page))
        .route("/units/{id}/edit", get(edit_page).post(update_page))
        .route("/units/{id}/active", post(active_page))
        .routes(routes!(api_list, api_create))
        .routes(routes!(api_get, api_update))
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    q: Option<String>,
    kind: Option<String>,
    msg: Option<String>,
}

impl ListQuery {
    fn filter(&self) -> store::Filter {
        store::Filter {
            text: non_empty(&self.q),
            kind: non_empty(&self.kind).filter(|k| UnitKind::parse(k).is_some()),
            region_prefix: None,
        }
    }
}

pub struct KindOption {
    pub code: &'static str,
    pub label: &'static str,
}

fn kinds() -> Vec<KindOption> {
    UnitKind::ALL
        .iter()
        .map(|k| KindOption {
            code: k.code(),
            label: k.label(),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "units/list.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<(usize, Unit)>,
    q: String,
    kind: String,
    kinds: Vec<KindOption>,
    can_create: bool,
}

async fn list_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    Query(q): Query<ListQuery>,
) -> PageResult {
    let scope = cu.actor.require(Resource::Unit, Action::Read)?;
    let f = q.filter();
    let units = store::list(&state.db, &scope, &f).await?;
    let rows = if f.text.is_none() && f.kind.is_none() {
        store::as_tree(units)
    } else {
        units.into_iter().map(|u| (0, u)).collect()
    };
    Ok(render(&ListPage {
        layout: Layout::new(&cu, "单位", "/units").notice(q.msg.as_deref()),
        rows,
        q: q.q.clone().unwrap_or_default(),
        kind: q.kind.clone().unwrap_or_default(),
        kinds: kinds(),
        can_create: cu.actor.can(Resource::Unit, Action::Create),
    }))
}

#[derive(Template)]
#[template(path = "units/form.html")]
struct FormPage {
    layout: Layout,
    action: String,
    form: UnitInput,
    errors: FieldErrors,
    kinds: Vec<KindOption>,
    parents: Vec<Unit>,
}

#[derive(Deserialize, Default)]
pub struct UnitForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    short_name: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    region_code: String,
    #[serde(default)]
    parent_id: String,
    #[serde(default)]
    phone: String,
}

impl UnitForm {
    fn input(self) -> UnitInput {
        UnitInput {
            name: self.name,
            short_name: Some(self.short_name),
            kind: self.kind,
            region_code: self.region_code,
            parent_id: Some(self.parent_id),
            phone: Some(self.phone),
        }
    }
}

async fn form_page(
    state: &SharedState,
    cu: &CurrentUser,
    action: String,
    form: UnitInput,
    errors: FieldErrors,
) -> PageResult {
    let read = cu.actor.require(Resource::Unit, Action::Read)?;
    let parents = store::list(&state.db, &read, &Default::default()).await?;
    let title = if action.ends_with("/new") {
        "新建单位"
    } else {
        "编辑单位"
    };
    let status = form_status(&errors);
    Ok(render_status(
        status,
        &FormPage {
            layout: Layout::new(cu, title, "/units"),
            action,
            form,
            errors,
            kinds: kinds(),
            parents,
        },
    ))
}

async fn new_page(State(state): State<SharedState>, cu: CurrentUser) -> PageResult {
    cu.actor.require(Resource::Unit, Action::Create)?;
    form_page(
        &state,
        &cu,
        "/units/new".into(),
        UnitInput::default(),
        FieldErrors::new(),
    )
    .await
}

async fn create_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    CsrfForm(form): CsrfForm<UnitForm>,
) -> PageResult {
    let input = form.input();
    match store::create(&state.ctx, &cu.actor, &cu.who, &input).await {
        Ok(u) => Ok(Redirect::to(&format!("/units/{}?msg=created", u.id)).into_response()),
        Err(AppError::Validation(e)) => form_page(&state, &cu, "/units/new".into(), input, e).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "units/show.html")]
struct ShowPage {
    layout: Layout,
    unit: Unit,
    users: Vec<users::User>,
    can_edit: bool,
}

async fn show_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    IdPath(Id(id)): IdPath<Id>,
    Query(q): Query<ListQuery>,
) -> PageResult {
    let scope = cu.actor.require(Resource::Unit, Action::Read)?;
    let unit = store::get(&state.db, &scope, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let users = match cu.actor.scope(Resource::User, Action::Read) {
        Some(s) => {
            let w = crate::db::query::Window::first(1000);
            w.rows(
                users::store::list(
                    &state.db,
                    &s,
                    &users::store::Filter {
                        unit_id: Some(unit.id),
                        ..Default::default()
                    },
                    w,
                )
                .await?,
            )
        }
        None => Vec::new(),
    };
    Ok(render(&ShowPage {
        layout: Layout::new(&cu, &unit.name, "/units").notice(q.msg.as_deref()),
        can_edit: cu.actor.can(Resource::Unit, Action::Update),
        unit,
        users,
    }))
}

async fn edit_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    IdPath(Id(id)): IdPath<Id>,
) -> PageResult {
    cu.actor.require(Resource::Unit, Action::Update)?;
    let u = store::get(&state.db, &Scope::All, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let form = UnitInput {
        name: u.name,
        short_name: u.short_name,
        kind: u.kind,
        region_code: u.region_code,
        parent_id: u.parent_id.map(|p| p.to_string()),
        phone: u.phone,
    };
    form_page(
        &state,
        &cu,
        format!("/units/{id}/edit"),
        form,
        FieldErrors::new(),
    )
    .await
}

async fn update_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    IdPath(Id(id)): IdPath<Id>,
    CsrfForm(form): CsrfForm<UnitForm>,
) -> PageResult {
    let input = form.input();
    match store::update(&state.ctx, &cu.actor, &cu.who, id, &input).await {
        Ok(u) => Ok(Redirect::to(&format!("/units/{}?msg=saved", u.id)).into_response()),
        Err(AppError::Validation(e)) => {
            form_page(&state, &cu, format!("/units/{id}/edit"), input, e).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct ActiveForm {
    active: String,
}

async fn active_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    IdPath(Id(id)): IdPath<Id>,
    CsrfForm(form): CsrfForm<ActiveForm>,
) -> PageResult {
    let active = form.active == "1";
    let u = store::set_active(&state.ctx, &cu.actor, &cu.who, id, active).await?;
    let msg = if active { "activated" } else { "deactivated" };
    Ok(Redirect::to(&format!("/units/{}?msg={msg}", u.id)).into_response())
}

// ---- API ----

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ApiListQuery {
    /// Part of the unit name.
    q: Option<String>,
    /// Unit kind code.
    kind: Option<String>,
}

/// Units visible to the caller (data scope applies).
#[utoipa::path(get, path = "/api/v1/units", tag = "units", params(ApiListQuery),
    responses((status = 200, body = crate::web::extract::Page<Unit>), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_list(
    State(state): State<SharedState>,
    u: ApiUser,
    Query(q): Query<ApiListQuery>,
) -> AppResult<Json<crate::web::extract::Page<Unit>>> {
    let scope = u.actor.require(Resource::Unit, Action::Read)?;
    let kind = match non_empty(&q.kind) {
        Some(k) if UnitKind::parse(&k).is_none() => {
            return Err(AppError::field("kind", "invalid_choice", "单位类型无效"));
        }
        k => k,
    };
    let f = store::Filter {
        text: non_empty(&q.q),
        kind,
        region_prefix: None,
    };
    Ok(Json(crate::web::extract::Page::all(
        store::list(&state.db, &scope, &f).await?,
    )))
}

/// Create a unit (system administrator).
#[utoipa::path(post, path = "/api/v1/units", tag = "units", request_body = UnitInput,
    responses((status = 201, body = Unit), (status = 400, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_create(
    State(state): State<SharedState>,
    u: ApiUser,
    ApiJson(input): ApiJson<UnitInput>,
) -> AppResult<Response> {
    let unit = store::create(&state.ctx, &u.actor, &u.who, &input).await?;
    Ok((StatusCode::CREATED, Json(unit)).into_response())
}

/// One unit; 404 when it does not exist or lies outside the caller's scope.
#[utoipa::path(get, path = "/api/v1/units/{id}", tag = "units", params(("id" = i64, Path)),
    responses((status = 200, body = Unit), (status = 404, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_get(
    State(state): State<SharedState>,
    u: ApiUser,
    IdPath(Id(id)): IdPath<Id>,
) -> AppResult<Json<Unit>> {
    let scope = u.actor.require(Resource::Unit, Action::Read)?;
    store::get(&state.db, &scope, id)
        .await?
        .map(Json)
        .ok_or(AppError::NotFound)
}

/// Replace a unit's details (system administrator).
#[utoipa::path(put, path = "/api/v1/units/{id}", tag = "units", params(("id" = i64, Path)), request_body = UnitInput,
    responses((status = 200, body = Unit), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_update(
    State(state): State<SharedState>,
    u: ApiUser,
    IdPath(Id(id)): IdPath<Id>,
    ApiJson(input): ApiJson<UnitInput>,
) -> AppResult<Json<Unit>> {
    Ok(Json(
        store::update(&state.ctx, &u.actor, &u.who, id, &input).await?,
    ))
}
