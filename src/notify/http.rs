//! The home page (to-do list and unread notifications) and the notifications page, with their
//! API counterparts.

use askama::Template;
use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::agenda;
use super::store::{self, Notification, Todo};
use crate::access::{Action, Resource};
use crate::audit::{self, Entry};
use crate::error::{AppError, AppResult};
use crate::web::SharedState;
use crate::web::extract::{ApiUser, CsrfForm, CurrentUser, Id, IdPath, Query};
use crate::web::page::MsgQuery;
use crate::web::page::{Layout, PageResult, render};

/// How many open duties a list shows at a time (the API pages by `?page=`).
const PAGE_SIZE: i64 = 500;

pub fn routes() -> OpenApiRouter<SharedState> {
    OpenApiRouter::new()
        .route("/", get(home))
        .route("/notifications", get(notifications))
        .route("/notifications/{id}/read", post(mark_read))
        .route("/notifications/{id}/open", post(open_notification))
        .route("/waiting", get(waiting_page))
        .route("/waiting/{id}/remind", post(remind_page))
        .routes(routes!(api_me))
        .routes(routes!(api_waiting))
        .routes(routes!(api_remind))
}

#[derive(Template)]
#[template(path = "waiting.html")]
struct WaitingPage {
    layout: Layout,
    rows: Vec<super::oversight::Waiting>,
    today: String,
    error: Option<String>,
}

async fn waiting_show(
    state: &SharedState,
    cu: &CurrentUser,
    msg: Option<&str>,
    error: Option<String>,
) -> PageResult {
    let scope = super::oversight::scope(&cu.actor)?;
    Ok(render(&WaitingPage {
        layout: Layout::new(cu, "督促催办", "/waiting").notice(msg),
        rows: crate::db::query::Window::first(PAGE_SIZE).rows(
            super::oversight::waiting(
                &state.db,
                &scope,
                crate::db::query::Window::first(PAGE_SIZE),
            )
            .await?,
        ),
        today: state.clock.today().to_string(),
        error,
    }))
}

async fn waiting_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    Query(q): Query<MsgQuery>,
) -> PageResult {
    waiting_show(&state, &cu, q.msg.as_deref(), None).await
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct RemindInput {
    /// 催办意见 (optional).
    #[serde(default)]
    pub text: Option<String>,
}

async fn remind_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    IdPath(Id(id)): IdPath<Id>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let text = pairs
        .iter()
        .find(|(k, _)| k == "text")
        .map(|(_, v)| v.as_str())
        .unwrap_or("");
    let r = super::oversight::remind(&state.db, &cu.actor, &cu.who, id, text).await;
    crate::web::page::after_step(r, "/waiting?msg=reminded", |msg| {
        waiting_show(&state, &cu, None, Some(msg))
    })
    .await
}

/// What the caller's region is waiting for: every open duty held by its units or people (the
/// office director and the group's leaders).
#[utoipa::path(get, path = "/api/v1/waiting", params(crate::web::extract::PageQuery), tag = "notifications",
    responses((status = 200, body = crate::web::extract::Page<super::oversight::Waiting>), (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_waiting(
    State(state): State<SharedState>,
    u: ApiUser,
    Query(q): Query<crate::web::extract::PageQuery>,
) -> AppResult<Json<crate::web::extract::Page<super::oversight::Waiting>>> {
    let scope = super::oversight::scope(&u.actor)?;
    let w = q.window(PAGE_SIZE);
    Ok(Json(crate::web::extract::Page::window(
        super::oversight::waiting(&state.db, &scope, w).await?,
        w,
    )))
}

/// 催办: remind the holder of an open duty of the caller's region.
#[utoipa::path(post, path = "/api/v1/waiting/{id}/remind", tag = "notifications", params(("id" = i64, Path)), request_body = RemindInput,
    responses((status = 204), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_remind(
    State(state): State<SharedState>,
    u: ApiUser,
    IdPath(Id(id)): IdPath<Id>,
    crate::web::extract::ApiJson(input): crate::web::extract::ApiJson<RemindInput>,
) -> AppResult<axum::http::StatusCode> {
    super::oversight::remind(
        &state.db,
        &u.actor,
        &u.who,
        id,
        input.text.as_deref().unwrap_or(""),
    )
    .await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    layout: Layout,
    /// The to-do centre: duties and clocks by urgency.
    groups: Vec<agenda::Group>,
    unread: Vec<Notification>,
    /// For the office and whoever maintains the calendar: next year's notice is not imported
    /// (from 1 November), and how many open deadlines are provisional meanwhile.
    missing_year: Option<(i32, i64)>,
}

async fn home(
    State(state): State<SharedState>,
    cu: CurrentUser,
    Query(q): Query<MsgQuery>,
) -> PageResult {
    Ok(render(&HomePage {
        layout: Layout::new(&cu, "我的待办", "/").notice(q.msg.as_deref()),
        groups: agenda::group(
            store::agenda(&state.db, &cu.actor).await?,
            state.clock.today(),
        ),
        unread: store::notifications(&state.db, cu.actor.user_id, true).await?,
        missing_year: missing_year(&state, &cu).await?,
    }))
}

/// The year-end warning (issue #11): the office director and staff act on deadlines and the
/// system administrator imports the notice, so both see it.
async fn missing_year(state: &SharedState, cu: &CurrentUser) -> AppResult<Option<(i32, i64)>> {
    let concerned = cu.actor.can(Resource::Calendar, Action::Update)
        || cu.actor.roles.iter().any(|r| r.is_office());
    let Some(year) = concerned
        .then(|| state.calendar().missing_year_warning(state.clock.today()))
        .flatten()
    else {
        return Ok(None);
    };
    // Within what the viewer may see; the system administrator, who sees no deadlines but
    // imports the notice, is told the platform's total.
    let scope = cu
        .actor
        .scope(Resource::Deadline, Action::Read)
        .unwrap_or(crate::access::Scope::All);
    let open = crate::deadline::store::count_open_provisional(&state.db, &scope).await?;
    Ok(Some((year, open)))
}

#[derive(Template)]
#[template(path = "notifications.html")]
struct NotificationsPage {
    layout: Layout,
    items: Vec<Notification>,
}

async fn notifications(
    State(state): State<SharedState>,
    cu: CurrentUser,
    Query(q): Query<MsgQuery>,
) -> PageResult {
    Ok(render(&NotificationsPage {
        layout: Layout::new(&cu, "通知", "/notifications").notice(q.msg.as_deref()),
        items: store::notifications(&state.db, cu.actor.user_id, false).await?,
    }))
}

#[derive(Deserialize)]
pub struct Empty {}

async fn mark_read(
    State(state): State<SharedState>,
    cu: CurrentUser,
    IdPath(Id(id)): IdPath<Id>,
    CsrfForm(_): CsrfForm<Empty>,
) -> PageResult {
    let mut tx = state.db.begin().await?;
    if !store::mark_read(&mut tx, &cu.who, cu.actor.user_id, id).await? {
        return Err(AppError::NotFound.into());
    }
    audit::record(
        &mut tx,
        &cu.who,
        Entry::new("notification.read", "notification").object(id, Some(cu.actor.unit_id)),
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to("/notifications?msg=read").into_response())
}

/// A notice is read when it is opened: marked read (and recorded), then its record's page.
async fn open_notification(
    State(state): State<SharedState>,
    cu: CurrentUser,
    IdPath(Id(id)): IdPath<Id>,
    CsrfForm(_): CsrfForm<Empty>,
) -> PageResult {
    let mut tx = state.db.begin().await?;
    let link: Option<Option<String>> =
        sqlx::query_scalar("SELECT link FROM notifications WHERE id = $1 AND user_id = $2")
            .bind(id)
            .bind(cu.actor.user_id)
            .fetch_optional(&mut *tx)
            .await?;
    let Some(link) = link else {
        return Err(AppError::NotFound.into());
    };
    if store::mark_read(&mut tx, &cu.who, cu.actor.user_id, id).await? {
        audit::record(
            &mut tx,
            &cu.who,
            Entry::new("notification.read", "notification").object(id, Some(cu.actor.unit_id)),
        )
        .await?;
    }
    tx.commit().await?;
    // Only the platform's own pages: a stored link is a path.
    let to = link
        .filter(|l| {
            l.starts_with('/')
                && !l.starts_with("//")
                && !l.contains('\\')
                && !crate::web::control::bad(l)
        })
        .unwrap_or_else(|| "/notifications".into());
    Ok(Redirect::to(&to).into_response())
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Me {
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
    pub unit_id: i64,
    pub unit_name: String,
    pub roles: Vec<crate::access::Role>,
    pub todos: Vec<Todo>,
    /// The to-do centre: the open to-dos and the clocks running for the caller, grouped by
    /// urgency on the platform's day.
    pub agenda: Vec<agenda::Group>,
    pub unread_notifications: Vec<Notification>,
}

/// The calling account, its roles, open to-dos and unread notifications.
#[utoipa::path(get, path = "/api/v1/me", tag = "account",
    responses((status = 200, body = Me), (status = 401, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_me(State(state): State<SharedState>, u: ApiUser) -> AppResult<Json<Me>> {
    let a = &u.actor;
    let todos = store::todos(&state.db, a).await?;
    let agenda = store::agenda_with(&state.db, a, todos.clone()).await?;
    Ok(Json(Me {
        user_id: a.user_id,
        username: a.username.clone(),
        display_name: a.display_name.clone(),
        unit_id: a.unit_id,
        unit_name: a.unit_name.clone(),
        roles: a.roles.clone(),
        todos,
        agenda: agenda::group(agenda, state.clock.today()),
        unread_notifications: store::notifications(&state.db, a.user_id, true).await?,
    }))
}
