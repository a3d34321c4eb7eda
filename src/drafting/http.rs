//! Draft pages and API: the draft with its preview and history, and the acts of the chain.

use askama::Template;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use serde::Serialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::Act;
use super::store::{self, Draft, Event};
use crate::access::Actor;
use crate::audit::Who;
use crate::error::{AppError, AppResult};
use crate::web::SharedState;
use crate::web::extract::{ApiUser, CsrfForm, CurrentUser, Id, IdPath, Query};
use crate::web::files::pdf_response;
use crate::web::page::MsgQuery;
use crate::web::page::{Layout, PageResult, render};

pub fn routes() -> OpenApiRouter<SharedState> {
    OpenApiRouter::new()
        .route("/drafts/{id}", get(show_page))
        .route("/drafts/{id}/step", post(step_page))
        .route("/drafts/{id}/preview.pdf", get(preview_page))
        .route("/drafting/settings", get(settings_page).post(settings_save))
        .routes(routes!(api_get))
        .routes(routes!(api_step))
        .routes(routes!(api_preview))
        .routes(routes!(api_settings, api_settings_put))
}

/// The office's settings for its documents.
#[derive(Debug, Clone, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DraftingSettings {
    /// Drafts are reviewed (核稿) by an office member other than the drafter before they go
    /// to the signer (《党政机关公文处理工作条例》第十九条).
    pub document_review: bool,
}

/// The reader's office's settings; 403 outside a leading-group office.
async fn settings(state: &SharedState, actor: &Actor) -> AppResult<DraftingSettings> {
    if !actor.roles.iter().any(|r| r.is_office()) {
        return Err(AppError::Forbidden);
    }
    Ok(DraftingSettings {
        document_review: store::reviews_office(state, actor.unit_id).await?,
    })
}

#[derive(Template)]
#[template(path = "drafts/settings.html")]
struct SettingsPage {
    layout: Layout,
    s: DraftingSettings,
    may_change: bool,
}

async fn settings_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    Query(q): Query<MsgQuery>,
) -> PageResult {
    let s = settings(&state, &cu.actor).await?;
    Ok(render(&SettingsPage {
        layout: Layout::new(&cu, "公文办理设置", "/").notice(q.msg.as_deref()),
        s,
        may_change: cu
            .actor
            .roles
            .contains(&crate::access::Role::OfficeDirector),
    }))
}

async fn settings_save(
    State(state): State<SharedState>,
    cu: CurrentUser,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let review = pairs
        .iter()
        .any(|(k, v)| k == "document_review" && v == "1");
    store::set_review(&state.db, &cu.actor, &cu.who, review).await?;
    Ok(axum::response::IntoResponse::into_response(
        axum::response::Redirect::to("/drafting/settings?msg=saved"),
    ))
}

/// The caller's office's settings for its documents (核稿 or not).
#[utoipa::path(get, path = "/api/v1/drafting/settings", tag = "drafts",
    responses((status = 200, body = DraftingSettings), (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_settings(
    State(state): State<SharedState>,
    u: ApiUser,
) -> AppResult<Json<DraftingSettings>> {
    Ok(Json(settings(&state, &u.actor).await?))
}

/// The office director sets whether his office's drafts are reviewed (核稿).
#[utoipa::path(put, path = "/api/v1/drafting/settings", tag = "drafts", request_body = DraftingSettings,
    responses((status = 200, body = DraftingSettings), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_settings_put(
    State(state): State<SharedState>,
    u: ApiUser,
    crate::web::extract::ApiJson(input): crate::web::extract::ApiJson<DraftingSettings>,
) -> AppResult<Json<DraftingSettings>> {
    store::set_review(&state.db, &u.actor, &u.who, input.document_review).await?;
    Ok(Json(settings(&state, &u.actor).await?))
}

/// An act on a draft as submitted (`{"step": …}`).
#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum DraftStep {
    /// 核稿通过, with an optional opinion.
    Pass {
        #[serde(default, deserialize_with = "crate::web::step::or_default")]
        text: String,
    },
    /// 退回修改, with the opinion.
    Return {
        #[serde(default, deserialize_with = "crate::web::step::or_default")]
        text: String,
    },
    /// 签发, with the 签发意见: the document is numbered and issued now.
    Sign {
        #[serde(default, deserialize_with = "crate::web::step::or_default")]
        text: String,
    },
    /// 修改后重新提交 (the drafter), with the revised text if it changed.
    Resubmit {
        #[serde(default)]
        text: Option<String>,
    },
}

async fn run(
    state: &SharedState,
    actor: &Actor,
    who: &Who,
    id: i64,
    input: DraftStep,
) -> AppResult<()> {
    let (act, text, revised) = match input {
        DraftStep::Pass { text } => (Act::Pass, text, None),
        DraftStep::Return { text } => (Act::Return, text, None),
        DraftStep::Sign { text } => (Act::Sign, text, None),
        DraftStep::Resubmit { text } => (Act::Resubmit, String::new(), text),
    };
    store::act(state, actor, who, id, act, &text, revised.as_deref()).await
}

/// A draft with its history and what the reader may do with it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct DraftDetail {
    #[serde(flatten)]
    pub draft: Draft,
    pub events: Vec<Event>,
    /// 签发 by whom.
    pub signer: &'static str,
    /// Acts the reader may take now (pass, return, sign, resubmit).
    #[schema(value_type = Vec<String>)]
    pub acts: Vec<Act>,
}

async fn detail(state: &SharedState, actor: &Actor, id: i64) -> AppResult<DraftDetail> {
    let d = store::get(&state.db, actor, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let signer = d.signer()?;
    Ok(DraftDetail {
        events: store::events(&state.db, id).await?,
        signer: signer.label(),
        acts: super::available(
            signer,
            d.state()?,
            store::standing(actor, &d),
            store::reviews_office(state, d.office_unit_id).await?,
        ),
        draft: d,
    })
}

#[derive(Template)]
#[template(path = "drafts/show.html")]
struct ShowPage {
    layout: Layout,
    d: DraftDetail,
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
    Ok(render(&ShowPage {
        layout: Layout::new(cu, &d.draft.title, "/").notice(msg),
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

/// pass, return, sign (with `text`), resubmit
async fn step_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    IdPath(Id(id)): IdPath<Id>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let r = match crate::web::step::from_form(&pairs) {
        Ok(input) => run(&state, &cu.actor, &cu.who, id, input).await,
        Err(e) => Err(e),
    };
    crate::web::page::after_step(r, &format!("/drafts/{id}?msg=saved"), |msg| {
        show(&state, &cu, id, None, Some(msg))
    })
    .await
}

async fn preview(state: &SharedState, actor: &Actor, who: &Who, id: i64) -> AppResult<Response> {
    let d = store::get(&state.db, actor, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if d.number.is_some() {
        return Err(AppError::conflict(
            "draft_signed",
            format!(
                "该文稿已签发为{}，请在原记录中查看正式文件",
                d.number.as_deref().unwrap_or("")
            ),
        ));
    }
    let pdf = store::preview(state, actor, who, &d).await?;
    Ok(pdf_response(&format!("{}（送签稿）.pdf", d.title), pdf))
}

async fn preview_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    IdPath(Id(id)): IdPath<Id>,
) -> PageResult {
    Ok(preview(&state, &cu.actor, &cu.who, id).await?)
}

/// One draft with its history and the acts open to the caller; 404 outside the office whose
/// document it is.
#[utoipa::path(get, path = "/api/v1/drafts/{id}", tag = "drafts", params(("id" = i64, Path)),
    responses((status = 200, body = DraftDetail), (status = 404, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_get(
    State(state): State<SharedState>,
    u: ApiUser,
    IdPath(Id(id)): IdPath<Id>,
) -> AppResult<Json<DraftDetail>> {
    Ok(Json(detail(&state, &u.actor, id).await?))
}

/// Review, return, sign (the document is numbered and issued at signing) or resubmit a draft.
#[utoipa::path(post, path = "/api/v1/drafts/{id}/steps", tag = "drafts", params(("id" = i64, Path)), request_body = DraftStep,
    responses((status = 204), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_step(
    State(state): State<SharedState>,
    u: ApiUser,
    IdPath(Id(id)): IdPath<Id>,
    crate::web::step::ApiStep(input): crate::web::step::ApiStep<DraftStep>,
) -> AppResult<StatusCode> {
    run(&state, &u.actor, &u.who, id, input).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The draft's document as it would be issued, its number blank (送签稿).
#[utoipa::path(get, path = "/api/v1/drafts/{id}/preview.pdf", tag = "drafts", params(("id" = i64, Path)),
    responses((status = 200, content_type = "application/pdf"), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_preview(
    State(state): State<SharedState>,
    u: ApiUser,
    IdPath(Id(id)): IdPath<Id>,
) -> AppResult<Response> {
    preview(&state, &u.actor, &u.who, id).await
}
