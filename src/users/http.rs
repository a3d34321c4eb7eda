//! Account pages and API: the system administrator manages accounts, the security
//! administrator grants roles and unlocks accounts.

use askama::Template;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::model::UserInput;
use super::store::{self, User};
use crate::access::{Action, Resource, Role, Scope};
use crate::domain::FieldErrors;
use crate::error::{AppError, AppResult};
use crate::units;
use crate::web::SharedState;
use crate::web::extract::{ApiJson, ApiUser, CsrfForm, CurrentUser, Id, IdPath, Query};
use crate::web::page::form_status;
use crate::web::page::{Layout, PageResult, non_empty, page_number, render, render_status};

pub fn routes() -> OpenApiRouter<SharedState> {
    OpenApiRouter::new()
        .route("/users", get(list_page))
        .route("/users/new", get(new_page).post(create_page))
        .route("/users/{id}", get(show_page))
        .route("/users/{id}/edit", get(edit_page).post(update_page))
        .route("/users/{id}/active", post(active_page))
        .route("/users/{id}/reset-password", post(reset_page))
        .route("/users/{id}/roles", post(grant_page))
        .route("/users/{id}/roles/revoke", post(revoke_page))
        .route("/users/{id}/unlock", post(unlock_page))
        .routes(routes!(api_list, api_create))
        .routes(routes!(api_get, api_update))
        .routes(routes!(api_grant))
        .routes(routes!(api_revoke))
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    q: Option<String>,
    unit_id: Option<String>,
    msg: Option<String>,
}

#[derive(Template)]
#[template(path = "users/list.html")]
struct ListPage {
    layout: Layout,
    users: Vec<User>,
    q: String,
    can_create: bool,
    /// When the page is shown, for whether an account is locked.
    now: chrono::DateTime<chrono::Utc>,
}

async fn list_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    Query(q): Query<ListQuery>,
) -> PageResult {
    let scope = cu.actor.require(Resource::User, Action::Read)?;
    let f = store::Filter {
        text: non_empty(&q.q),
        unit_id: non_empty(&q.unit_id).and_then(|s| s.parse().ok()),
        roles: &[],
    };
    Ok(render(&ListPage {
        layout: Layout::new(&cu, "用户", "/users").notice(q.msg.as_deref()),
        users: crate::db::query::Window::first(PAGE_SIZE).rows(
            store::list(
                &state.db,
                &scope,
                &f,
                crate::db::query::Window::first(PAGE_SIZE),
            )
            .await?,
        ),
        q: q.q.clone().unwrap_or_default(),
        can_create: cu.actor.can(Resource::User, Action::Create),
        now: cu.who.at,
    }))
}

#[derive(Template)]
#[template(path = "users/form.html")]
struct FormPage {
    layout: Layout,
    action: String,
    editing: bool,
    form: UserInput,
    errors: FieldErrors,
    units: Vec<units::Unit>,
}

#[derive(Deserialize, Default)]
pub struct UserForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    unit_id: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    email: String,
}

impl UserForm {
    fn input(self) -> UserInput {
        UserInput {
            username: self.username,
            display_name: self.display_name,
            unit_id: self.unit_id,
            phone: Some(self.phone),
            email: Some(self.email),
        }
    }
}

async fn form_page(
    state: &SharedState,
    cu: &CurrentUser,
    action: String,
    form: UserInput,
    errors: FieldErrors,
) -> PageResult {
    let unit_scope = cu.actor.require(Resource::Unit, Action::Read)?;
    let units = units::store::list(&state.db, &unit_scope, &Default::default())
        .await?
        .into_iter()
        .filter(|u| u.is_active())
        .collect();
    let editing = action.ends_with("/edit");
    let status = form_status(&errors);
    Ok(render_status(
        status,
        &FormPage {
            layout: Layout::new(
                cu,
                if editing {
                    "编辑用户"
                } else {
                    "新建用户"
                },
                "/users",
            ),
            action,
            editing,
            form,
            errors,
            units,
        },
    ))
}

async fn new_page(State(state): State<SharedState>, cu: CurrentUser) -> PageResult {
    cu.actor.require(Resource::User, Action::Create)?;
    form_page(
        &state,
        &cu,
        "/users/new".into(),
        UserInput::default(),
        FieldErrors::new(),
    )
    .await
}

#[derive(Template)]
#[template(path = "users/password_issued.html")]
struct IssuedPage {
    layout: Layout,
    user: User,
    password: String,
    created: bool,
}

async fn create_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    CsrfForm(form): CsrfForm<UserForm>,
) -> PageResult {
    let input = form.input();
    match store::create(&state.db, &cu.actor, &cu.who, &input).await {
        Ok((user, password)) => Ok(render(&IssuedPage {
            layout: Layout::new(&cu, "账号已创建", "/users"),
            user,
            password,
            created: true,
        })),
        Err(AppError::Validation(e)) => form_page(&state, &cu, "/users/new".into(), input, e).await,
        Err(e) => Err(e.into()),
    }
}

pub struct RoleOption {
    pub code: &'static str,
    pub label: &'static str,
}

#[derive(Template)]
#[template(path = "users/show.html")]
struct ShowPage {
    layout: Layout,
    user: User,
    roles: Vec<RoleOption>,
    grantable: Vec<RoleOption>,
    can_edit: bool,
    can_grant: bool,
    can_unlock: bool,
    is_self: bool,
    error: Option<String>,
    now: chrono::DateTime<chrono::Utc>,
    /// Identities at the identity platform linked to the account (shown to the system
    /// administrator, who links them).
    identities: Vec<crate::auth::external::LinkedIdentity>,
    /// Configured providers: (id, name).
    providers: Vec<(String, String)>,
}

async fn show(
    state: &SharedState,
    cu: &CurrentUser,
    id: i64,
    msg: Option<&str>,
    error: Option<String>,
) -> PageResult {
    let scope = cu.actor.require(Resource::User, Action::Read)?;
    let user = store::get(&state.db, &scope, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let held = store::roles_of(&state.db.pool, id).await?;
    let can_edit = cu.actor.can(Resource::User, Action::Update);
    let mut providers: Vec<(String, String)> = state
        .config
        .oidc
        .iter()
        .map(|p| (p.id.clone(), p.name.clone()))
        .collect();
    if let Some(l) = &state.config.ldap {
        providers.push((
            crate::auth::federation::LDAP_PROVIDER.into(),
            l.name.clone(),
        ));
    }
    let identities = if can_edit && !providers.is_empty() {
        crate::auth::external::identities_of(&state.db, id).await?
    } else {
        Vec::new()
    };
    let opt = |r: Role| RoleOption {
        code: r.code(),
        label: r.label(),
    };
    let status = if error.is_some() {
        StatusCode::CONFLICT
    } else {
        StatusCode::OK
    };
    Ok(render_status(
        status,
        &ShowPage {
            layout: Layout::new(cu, &user.display_name, "/users").notice(msg),
            now: cu.who.at,
            roles: held.iter().map(|r| opt(*r)).collect(),
            grantable: Role::ALL
                .into_iter()
                .filter(|r| !held.contains(r))
                .map(opt)
                .collect(),
            can_edit,
            identities,
            providers,
            can_grant: cu.actor.can(Resource::RoleGrant, Action::Create),
            can_unlock: cu.actor.can(Resource::User, Action::Unlock),
            is_self: user.id == cu.actor.user_id,
            user,
            error,
        },
    ))
}

/// The account page again, with what was wrong with the administrator's last step, for
/// `web::page::after_step`, which sets the status (422 or 409) on a page rendered as 200.
pub(crate) async fn show_with_error(
    state: &SharedState,
    cu: &CurrentUser,
    id: i64,
    error: String,
) -> PageResult {
    let mut page = show(state, cu, id, None, Some(error)).await?;
    *page.status_mut() = StatusCode::OK;
    Ok(page)
}

async fn show_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    IdPath(Id(id)): IdPath<Id>,
    Query(q): Query<ListQuery>,
) -> PageResult {
    show(&state, &cu, id, q.msg.as_deref(), None).await
}

async fn edit_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    IdPath(Id(id)): IdPath<Id>,
) -> PageResult {
    cu.actor.require(Resource::User, Action::Update)?;
    let u = store::get(&state.db, &Scope::All, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let form = UserInput {
        username: u.username,
        display_name: u.display_name,
        unit_id: u.unit_id.to_string(),
        phone: u.phone,
        email: u.email,
    };
    form_page(
        &state,
        &cu,
        format!("/users/{id}/edit"),
        form,
        FieldErrors::new(),
    )
    .await
}

async fn update_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    IdPath(Id(id)): IdPath<Id>,
    CsrfForm(form): CsrfForm<UserForm>,
) -> PageResult {
    let input = form.input();
    match store::update(&state.db, &cu.actor, &cu.who, id, &input).await {
        Ok(u) => Ok(Redirect::to(&format!("/users/{}?msg=saved", u.id)).into_response()),
        Err(AppError::Validation(e)) => {
            form_page(&state, &cu, format!("/users/{id}/edit"), input, e).await
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
    match store::set_active(&state.db, &cu.actor, &cu.who, id, active).await {
        Ok(u) => {
            let msg = if active { "activated" } else { "deactivated" };
            Ok(Redirect::to(&format!("/users/{}?msg={msg}", u.id)).into_response())
        }
        Err(e @ AppError::Conflict { .. }) => {
            show(&state, &cu, id, None, Some(e.to_string())).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct Empty {}

async fn reset_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    IdPath(Id(id)): IdPath<Id>,
    CsrfForm(_): CsrfForm<Empty>,
) -> PageResult {
    let password = store::reset_password(&state.db, &cu.actor, &cu.who, id).await?;
    let user = store::get(&state.db, &Scope::All, id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(render(&IssuedPage {
        layout: Layout::new(&cu, "密码已重置", "/users"),
        user,
        password,
        created: false,
    }))
}

#[derive(Deserialize)]
pub struct RoleForm {
    #[serde(default)]
    role: String,
}

fn parse_role(raw: &str) -> AppResult<Role> {
    Role::parse(raw).ok_or_else(|| AppError::field("role", "invalid_choice", "请选择有效的角色"))
}

async fn grant_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    IdPath(Id(id)): IdPath<Id>,
    CsrfForm(form): CsrfForm<RoleForm>,
) -> PageResult {
    let role = parse_role(&form.role)?;
    match store::grant_role(&state.db, &cu.actor, &cu.who, id, role).await {
        Ok(()) => Ok(Redirect::to(&format!("/users/{id}?msg=granted")).into_response()),
        Err(e @ AppError::Conflict { .. }) => {
            show(&state, &cu, id, None, Some(e.to_string())).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn revoke_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    IdPath(Id(id)): IdPath<Id>,
    CsrfForm(form): CsrfForm<RoleForm>,
) -> PageResult {
    let role = parse_role(&form.role)?;
    match store::revoke_role(&state.db, &cu.actor, &cu.who, id, role).await {
        Ok(()) => Ok(Redirect::to(&format!("/users/{id}?msg=revoked")).into_response()),
        Err(e @ AppError::Conflict { .. }) => {
            show(&state, &cu, id, None, Some(e.to_string())).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn unlock_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    IdPath(Id(id)): IdPath<Id>,
    CsrfForm(_): CsrfForm<Empty>,
) -> PageResult {
    store::unlock(&state.db, &cu.actor, &cu.who, id).await?;
    Ok(Redirect::to(&format!("/users/{id}?msg=unlocked")).into_response())
}

// ---- API ----

#[derive(Serialize, utoipa::ToSchema)]
pub struct UserDetail {
    #[serde(flatten)]
    pub user: User,
    pub roles: Vec<Role>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct CreatedUser {
    pub user: User,
    /// Generated one-time password; the user must change it at first sign-in.
    pub initial_password: String,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ApiListQuery {
    /// Part of the user name or display name.
    q: Option<String>,
    /// The unit's id.
    #[param(value_type = Option<i64>)]
    unit_id: Option<String>,
    /// The page, from 1.
    page: Option<String>,
}

impl ApiListQuery {
    fn window(&self, size: i64) -> crate::db::query::Window {
        crate::db::query::Window::page(page_number(self.page.as_deref()), size)
    }
}

/// Accounts a list page shows at a time.
const PAGE_SIZE: i64 = 1000;

/// Accounts visible to the caller (data scope applies).
#[utoipa::path(get, path = "/api/v1/users", tag = "users", params(ApiListQuery),
    responses((status = 200, body = crate::web::extract::Page<User>), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_list(
    State(state): State<SharedState>,
    u: ApiUser,
    Query(q): Query<ApiListQuery>,
) -> AppResult<Json<crate::web::extract::Page<User>>> {
    let scope = u.actor.require(Resource::User, Action::Read)?;
    let unit_id =
        match non_empty(&q.unit_id) {
            Some(raw) => Some(raw.parse::<i64>().ok().filter(|n| *n > 0).ok_or_else(|| {
                AppError::field("unit_id", "invalid_format", "单位编号应为正整数")
            })?),
            None => None,
        };
    let f = store::Filter {
        text: non_empty(&q.q),
        unit_id,
        roles: &[],
    };
    let w = q.window(PAGE_SIZE);
    Ok(Json(crate::web::extract::Page::window(
        store::list(&state.db, &scope, &f, w).await?,
        w,
    )))
}

/// Create an account with a generated password (system administrator).
#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = UserInput,
    responses((status = 201, body = CreatedUser), (status = 422, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_create(
    State(state): State<SharedState>,
    u: ApiUser,
    ApiJson(input): ApiJson<UserInput>,
) -> AppResult<Response> {
    let (user, initial_password) = store::create(&state.db, &u.actor, &u.who, &input).await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedUser {
            user,
            initial_password,
        }),
    )
        .into_response())
}

/// One account with its roles; 404 outside the caller's scope.
#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "users", params(("id" = i64, Path)),
    responses((status = 200, body = UserDetail), (status = 404, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_get(
    State(state): State<SharedState>,
    u: ApiUser,
    IdPath(Id(id)): IdPath<Id>,
) -> AppResult<Json<UserDetail>> {
    let scope = u.actor.require(Resource::User, Action::Read)?;
    let user = store::get(&state.db, &scope, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let roles = store::roles_of(&state.db.pool, id).await?;
    Ok(Json(UserDetail { user, roles }))
}

/// Update an account's name, unit and phone (system administrator).
#[utoipa::path(put, path = "/api/v1/users/{id}", tag = "users", params(("id" = i64, Path)), request_body = UserInput,
    responses((status = 200, body = User), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_update(
    State(state): State<SharedState>,
    u: ApiUser,
    IdPath(Id(id)): IdPath<Id>,
    ApiJson(input): ApiJson<UserInput>,
) -> AppResult<Json<User>> {
    Ok(Json(
        store::update(&state.db, &u.actor, &u.who, id, &input).await?,
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GrantInput {
    /// Role code, e.g. `office_staff`.
    pub role: String,
}

/// Grant a role (security administrator); refused for self-grants and against 三员分立.
#[utoipa::path(post, path = "/api/v1/users/{id}/roles", tag = "users", params(("id" = i64, Path)), request_body = GrantInput,
    responses((status = 204), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_grant(
    State(state): State<SharedState>,
    u: ApiUser,
    IdPath(Id(id)): IdPath<Id>,
    ApiJson(input): ApiJson<GrantInput>,
) -> AppResult<StatusCode> {
    let role = parse_role(&input.role)?;
    store::grant_role(&state.db, &u.actor, &u.who, id, role).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Revoke a role (security administrator).
#[utoipa::path(delete, path = "/api/v1/users/{id}/roles/{role}", tag = "users", params(("id" = i64, Path), ("role" = String, Path)),
    responses((status = 204), (status = 409, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_revoke(
    State(state): State<SharedState>,
    u: ApiUser,
    IdPath((Id(id), role)): IdPath<(Id, String)>,
) -> AppResult<StatusCode> {
    let role = parse_role(&role)?;
    store::revoke_role(&state.db, &u.actor, &u.who, id, role).await?;
    Ok(StatusCode::NO_CONTENT)
}
