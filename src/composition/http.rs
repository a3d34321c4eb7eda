//! The composition page and API: current holders, pending changes for the leader to decide,
//! the history, and the change request form.

use askama::Template;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::store::{self, ChangeRow, PositionRow};
use super::{ChangeInput, Position, may_decide};
use crate::access::{Action, Actor, Resource};
use crate::domain::FieldErrors;
use crate::error::{AppError, AppResult};
use crate::web::SharedState;
use crate::web::extract::{ApiJson, ApiUser, Created, CsrfForm, CurrentUser, Id, IdPath};
use crate::web::page::{Layout, PageResult, render_status};

pub fn routes() -> OpenApiRouter<SharedState> {
    OpenApiRouter::new()
        .route("/composition", get(page).post(request_page))
        .route("/composition/changes/{id}", post(decide_page))
        .routes(routes!(api_get))
        .routes(routes!(api_request))
        .routes(routes!(api_step))
}

/// A group's composition: who holds each position now, the changes, and the past holders.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Composition {
    pub group_unit_id: i64,
    pub group_name: String,
    pub current: Vec<PositionRow>,
    pub changes: Vec<ChangeRow>,
    pub history: Vec<PositionRow>,
}

async fn composition(state: &SharedState, actor: &Actor) -> AppResult<Composition> {
    actor.require(Resource::Unit, Action::Read)?;
    let (group, name) = store::group_of(&state.db, actor).await?;
    Ok(Composition {
        group_unit_id: group,
        group_name: name,
        current: store::current(&state.db, group).await?,
        changes: store::changes(&state.db, group).await?,
        history: store::history(&state.db, group).await?,
    })
}

pub struct Opt {
    pub code: &'static str,
    pub label: &'static str,
}

#[derive(Template)]
#[template(path = "composition.html")]
struct Page {
    layout: Layout,
    c: Composition,
    can_decide: bool,
    positions: Vec<Opt>,
    form: ChangeInput,
    errors: FieldErrors,
    error: Option<String>,
}

async fn render_page(
    state: &SharedState,
    cu: &CurrentUser,
    form: ChangeInput,
    errors: FieldErrors,
    error: Option<String>,
) -> PageResult {
    let c = composition(state, &cu.actor).await?;
    let can_decide = may_decide(&cu.actor.roles, cu.actor.unit_id == c.group_unit_id);
    let positions = Position::ALL
        .iter()
        .filter(|p| super::may_request(**p, &cu.actor.roles, true))
        .map(|p| Opt {
            code: p.code(),
            label: p.label(),
        })
        .collect();
    let status = if !errors.is_empty() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else if error.is_some() {
        StatusCode::CONFLICT
    } else {
        StatusCode::OK
    };
    Ok(render_status(
        status,
        &Page {
            layout: Layout::new(cu, "领导小组组成", "/composition"),
            c,
            can_decide,
            positions,
            form,
            errors,
            error,
        },
    ))
}

async fn page(State(state): State<SharedState>, cu: CurrentUser) -> PageResult {
    render_page(
        &state,
        &cu,
        ChangeInput::default(),
        FieldErrors::new(),
        None,
    )
    .await
}

async fn request_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let p = crate::web::form::Pairs(&pairs);
    let input = ChangeInput {
        position: p.one("position"),
        person_name: p.one("person_name"),
        post: p.opt("post"),
        phone: p.opt("phone"),
        reason: p.one("reason"),
    };
    match store::request(&state.db, &cu.actor, &cu.who, &input).await {
        Ok(_) => Ok(Redirect::to("/composition?msg=saved").into_response()),
        Err(AppError::Validation(e)) => render_page(&state, &cu, input, e, None).await,
        Err(e @ AppError::Conflict { .. }) => {
            render_page(&state, &cu, input, FieldErrors::new(), Some(e.to_string())).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct DecisionInput {
    /// approve or reject
    pub decision: String,
    #[serde(default)]
    pub note: String,
}

async fn decide(
    state: &SharedState,
    actor: &Actor,
    who: &crate::audit::Who,
    id: i64,
    d: &DecisionInput,
) -> AppResult<()> {
    let approve = match d.decision.as_str() {
        "approve" => true,
        "reject" => false,
        _ => {
            return Err(AppError::field(
                "decision",
                "invalid_choice",
                "请选择批准或不批准",
            ));
        }
    };
    store::decide(&state.db, actor, who, id, approve, &d.note).await
}

async fn decide_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    IdPath(Id(id)): IdPath<Id>,
    CsrfForm(d): CsrfForm<DecisionInput>,
) -> PageResult {
    let r = decide(&state, &cu.actor, &cu.who, id, &d).await;
    crate::web::page::after_step(r, "/composition?msg=saved", |msg| {
        render_page(
            &state,
            &cu,
            ChangeInput::default(),
            FieldErrors::new(),
            Some(msg),
        )
    })
    .await
}

/// The caller's group: current holders, changes and history.
#[utoipa::path(get, path = "/api/v1/composition", tag = "composition",
    responses((status = 200, body = Composition)), security(("bearer" = [])))]
pub async fn api_get(State(state): State<SharedState>, u: ApiUser) -> AppResult<Json<Composition>> {
    Ok(Json(composition(&state, &u.actor).await?))
}

/// Report a change in writing (a unit for its own people; the office for leader and deputies).
#[utoipa::path(post, path = "/api/v1/composition/changes", tag = "composition", request_body = ChangeInput,
    responses((status = 201, body = Created), (status = 422, body = crate::error::ErrorBody)), security(("bearer" = [])))]
pub async fn api_request(
    State(state): State<SharedState>,
    u: ApiUser,
    ApiJson(input): ApiJson<ChangeInput>,
) -> AppResult<Response> {
    let id = store::request(&state.db, &u.actor, &u.who, &input).await?;
    Ok((StatusCode::CREATED, Json(Created { id })).into_response())
}

/// A step on a composition change as submitted (`{"step": …, "note": …}`): the group leader
/// decides it.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum ChangeStep {
    /// 批准
    Approve {
        #[serde(default, deserialize_with = "crate::web::step::or_default")]
        note: String,
    },
    /// 不批准, with the reasons.
    Reject {
        #[serde(default, deserialize_with = "crate::web::step::or_default")]
        note: String,
    },
}

/// Take a step on a change: the group leader approves or rejects it.
#[utoipa::path(post, path = "/api/v1/composition/changes/{id}/steps", tag = "composition", params(("id" = i64, Path)), request_body = ChangeStep,
    responses((status = 204), (status = 409, body = crate::error::ErrorBody)), security(("bearer" = [])))]
pub async fn api_step(
    State(state): State<SharedState>,
    u: ApiUser,
    IdPath(Id(id)): IdPath<Id>,
    crate::web::step::ApiStep(step): crate::web::step::ApiStep<ChangeStep>,
) -> AppResult<StatusCode> {
    let (approve, note) = match step {
        ChangeStep::Approve { note } => (true, note),
        ChangeStep::Reject { note } => (false, note),
    };
    store::decide(&state.db, &u.actor, &u.who, id, approve, &note).await?;
    Ok(StatusCode::NO_CONTENT)
}
