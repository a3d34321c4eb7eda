//! Objections: the public's form and tracking (public listener too), the organ's page and API.

use askama::Template;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::objection::{
    self, NewObjection, ObjectionInput, ObjectionStep, Submitted, Target, Tracked,
};
use crate::audit::Who;
use crate::domain::FieldErrors;
use crate::error::{AppError, AppResult};
use crate::web::SharedState;
use crate::web::extract::{ApiJson, ApiUser, CsrfForm, CurrentUser, Id, IdPath, Meta, Query};
use crate::web::form::Pairs;
use crate::web::page::{Layout, MsgQuery, PageResult, render, render_status};

pub fn routes() -> OpenApiRouter<SharedState> {
    OpenApiRouter::new()
        .route("/objections/{id}", get(show_page))
        .route("/objections/{id}/step", post(answer_page))
        .routes(routes!(api_get))
        .routes(routes!(api_answer))
}

pub fn public_routes() -> OpenApiRouter<SharedState> {
    OpenApiRouter::new()
        .route("/public/objection", get(form_page).post(submit_page))
        .route(
            "/public/objection/track",
            get(track_form_page).post(track_page),
        )
        .routes(routes!(api_submit))
        .routes(routes!(api_track))
        .layer(axum::middleware::from_fn(
            crate::public_reports::http::same_origin,
        ))
}

fn who(meta: &Meta) -> Who {
    Who {
        client_addr: meta.client_addr.clone(),
        ..Who::system("公众异议", meta.at)
    }
}

/// Receive as the objector: within the address's budget, then the operation.
async fn submit(state: &SharedState, meta: &Meta, input: &ObjectionInput) -> AppResult<Submitted> {
    let addr = meta.client_addr.clone().unwrap_or_default();
    if !state.public_submit_limiter.try_begin(&addr) {
        return Err(AppError::TooManyRequests);
    }
    let new = NewObjection::parse(input)?;
    objection::submit(
        &state.db,
        &state.calendar(),
        &super::settings::CreditPeriods::configured(&state.config),
        &who(meta),
        &new,
    )
    .await
}

/// Lookup within the address's budget of failures.
async fn lookup(
    state: &SharedState,
    meta: &Meta,
    number: &str,
    password: &str,
) -> AppResult<Option<Tracked>> {
    let addr = meta.client_addr.clone().unwrap_or_default();
    if !state.public_lookup_limiter.try_begin(&addr) {
        return Err(AppError::TooManyRequests);
    }
    let t = objection::track(&state.db, number, password).await?;
    if t.is_some() {
        state.public_lookup_limiter.succeeded(&addr);
    }
    Ok(t)
}

const LOOKUP_FAILED: &str = "异议编号或查询密码不正确，请核对后重新输入。";

#[derive(Template)]
#[template(path = "public/objection.html")]
struct FormPage {
    title: &'static str,
    form: ObjectionInput,
    target: Option<&'static str>,
    errors: FieldErrors,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct FormQuery {
    record: String,
}

async fn form_page(Query(q): Query<FormQuery>) -> PageResult {
    let target = Target::parse(&q.record).map(Target::label);
    Ok(render(&FormPage {
        title: "对公示信息提出异议",
        form: ObjectionInput {
            record: q.record,
            ..Default::default()
        },
        target,
        errors: FieldErrors::new(),
    }))
}

#[derive(Template)]
#[template(path = "public/objection_submitted.html")]
struct SubmittedPage {
    title: &'static str,
    s: Submitted,
}

async fn submit_page(
    State(state): State<SharedState>,
    meta: Meta,
    axum::extract::Form(pairs): axum::extract::Form<Vec<(String, String)>>,
) -> PageResult {
    let p = Pairs(&pairs);
    let input = ObjectionInput {
        record: p.one("record"),
        name: p.one("name"),
        phone: p.one("phone"),
        email: p.opt("email"),
        reason: p.one("reason"),
    };
    match submit(&state, &meta, &input).await {
        Ok(s) => Ok(render(&SubmittedPage {
            title: "异议已提交",
            s,
        })),
        Err(AppError::Validation(errors)) => Ok(render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &FormPage {
                title: "对公示信息提出异议",
                target: Target::parse(&input.record).map(Target::label),
                form: input,
                errors,
            },
        )),
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "public/objection_track.html")]
struct TrackPage {
    title: &'static str,
    number: String,
    error: Option<&'static str>,
    t: Option<Tracked>,
}

async fn track_form_page() -> PageResult {
    Ok(render(&TrackPage {
        title: "查询异议处理结果",
        number: String::new(),
        error: None,
        t: None,
    }))
}

async fn track_page(
    State(state): State<SharedState>,
    meta: Meta,
    axum::extract::Form(pairs): axum::extract::Form<Vec<(String, String)>>,
) -> PageResult {
    let p = Pairs(&pairs);
    let (number, password) = (p.one("number"), p.one("password"));
    let t = lookup(&state, &meta, &number, &password).await?;
    let status = if t.is_some() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(render_status(
        status,
        &TrackPage {
            title: "查询异议处理结果",
            error: t.is_none().then_some(LOOKUP_FAILED),
            number,
            t,
        },
    ))
}

/// Object to a published penalty decision or a listing in force (no account). The answer
/// carries the number and the query password, once.
#[utoipa::path(post, path = "/api/v1/public/objections", tag = "public", request_body = ObjectionInput,
    responses((status = 201, body = Submitted), (status = 422, body = crate::error::ErrorBody), (status = 429, body = crate::error::ErrorBody)))]
pub async fn api_submit(
    State(state): State<SharedState>,
    meta: Meta,
    ApiJson(input): ApiJson<ObjectionInput>,
) -> AppResult<Response> {
    let s = submit(&state, &meta, &input).await?;
    Ok((StatusCode::CREATED, Json(s)).into_response())
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[schema(as = CreditObjectionTrack)]
pub struct TrackInput {
    pub number: String,
    pub password: String,
}

/// An objection's state and answer, with its number and password. A wrong pair says nothing
/// about whether the number exists.
#[utoipa::path(post, path = "/api/v1/public/objections/track", tag = "public", request_body = TrackInput,
    responses((status = 200, body = Tracked), (status = 404, body = crate::error::ErrorBody), (status = 429, body = crate::error::ErrorBody)))]
pub async fn api_track(
    State(state): State<SharedState>,
    meta: Meta,
    ApiJson(input): ApiJson<TrackInput>,
) -> AppResult<Json<Tracked>> {
    lookup(&state, &meta, &input.number, &input.password)
        .await?
        .map(Json)
        .ok_or(AppError::NotFound)
}

/// One objection to a record of the caller's organ (or region, for the office).
#[utoipa::path(get, path = "/api/v1/objections/{id}", tag = "penalties", params(("id" = i64, Path)),
    responses((status = 200, body = objection::Objection), (status = 404, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_get(
    State(state): State<SharedState>,
    u: ApiUser,
    IdPath(Id(id)): IdPath<Id>,
) -> AppResult<Json<objection::Objection>> {
    let scope = objection::read_scope(&u.actor)?;
    objection::get(&state.db, &scope, id)
        .await?
        .map(Json)
        .ok_or(AppError::NotFound)
}

/// Answer an objection (`{"step": "answer", "upheld": …, "text": …}`; the organ that owns the
/// record).
#[utoipa::path(post, path = "/api/v1/objections/{id}/steps", tag = "penalties", params(("id" = i64, Path)), request_body = ObjectionStep,
    responses((status = 204), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_answer(
    State(state): State<SharedState>,
    u: ApiUser,
    IdPath(Id(id)): IdPath<Id>,
    ApiJson(input): ApiJson<ObjectionStep>,
) -> AppResult<StatusCode> {
    objection::answer(&state.db, &state.calendar(), &u.actor, &u.who, id, &input).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Template)]
#[template(path = "penalties/objection.html")]
struct ShowPage {
    layout: Layout,
    o: objection::Objection,
    deadlines: Vec<crate::deadline::store::Deadline>,
    may_answer: bool,
    error: Option<String>,
}

async fn show(
    state: &SharedState,
    cu: &CurrentUser,
    id: i64,
    msg: Option<&str>,
    error: Option<String>,
) -> PageResult {
    let scope = objection::read_scope(&cu.actor)?;
    let o = objection::get(&state.db, &scope, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let may_answer = objection::may_answer(
        &cu.actor.roles,
        cu.actor.unit_id == o.organ_unit_id,
        &o.state,
    )
    .is_ok();
    Ok(render(&ShowPage {
        layout: Layout::new(cu, &format!("异议 {}", o.number), "/penalties").notice(msg),
        deadlines: crate::deadline::store::for_record(&state.db.pool, objection::RESOURCE, id)
            .await?,
        o,
        may_answer,
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

async fn answer_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    IdPath(Id(id)): IdPath<Id>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let p = Pairs(&pairs);
    let input = ObjectionStep::Answer {
        upheld: p.one("upheld") == "1",
        text: p.one("text"),
    };
    let r = objection::answer(&state.db, &state.calendar(), &cu.actor, &cu.who, id, &input).await;
    crate::web::page::after_step(r, &format!("/objections/{id}?msg=saved"), |msg| {
        show(&state, &cu, id, None, Some(msg))
    })
    .await
}
