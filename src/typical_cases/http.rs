//! Typical-case pages and API: the year's list, the write-up from a source (generated and
//! redacted, completed by the office), the page with its drafts, PDF and steps, the yearly
//! collection as PDF; and the public pages and API of what is published.

use askama::Template;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::model::{self, SourceKind, TypicalCaseInput};
use super::store::{self, PublicCase, TypicalCase, TypicalCaseStep};
use crate::access::{Action, Actor, Resource};
use crate::audit::Who;
use crate::db::query::Window;
use crate::domain::FieldErrors;
use crate::error::{AppError, AppResult};
use crate::web::SharedState;
use crate::web::extract::{
    ApiJson, ApiUser, Created, CsrfForm, CurrentUser, Id, IdPath, Page, Query,
};
use crate::web::files::pdf_response;
use crate::web::form::Pairs;
use crate::web::page::{
    Layout, MsgQuery, PageResult, form_status, page_number, render, render_status,
};

/// How many typical cases a list shows at a time (the API pages by `?page=`).
const PAGE_SIZE: i64 = 50;

pub fn routes() -> OpenApiRouter<SharedState> {
    OpenApiRouter::new()
        .route("/typical-cases", get(list_page))
        .route("/typical-cases/new", get(new_page).post(create_page))
        .route("/typical-cases/collection.pdf", get(collection_page))
        .route("/typical-cases/{id}", get(show_page))
        .route("/typical-cases/{id}/step", post(step_page))
        .route("/typical-cases/{id}/document.pdf", get(pdf_page))
        .routes(routes!(api_list, api_create))
        .routes(routes!(api_source))
        .routes(routes!(api_collection))
        .routes(routes!(api_get))
        .routes(routes!(api_step))
        .routes(routes!(api_document))
}

/// The public pages and their API (also served on the public listener).
pub fn public_routes() -> OpenApiRouter<SharedState> {
    OpenApiRouter::new()
        .route("/public/typical-cases", get(public_list_page))
        .route("/public/typical-cases/{id}", get(public_show_page))
        .routes(routes!(api_public_list))
        .routes(routes!(api_public_get))
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// The year written up (YYYY), from 2000 to this year; this year when left out.
    pub year: Option<String>,
    /// The page, from 1.
    pub page: Option<String>,
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct YearQuery {
    /// The year signed (YYYY), from 2000 to this year; this year when left out.
    pub year: Option<String>,
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SourceQuery {
    /// `case`, `transfer` or `penalty`.
    pub source_kind: Option<String>,
    /// The id of that record.
    pub source_id: Option<String>,
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PublicQuery {
    /// The page, from 1.
    pub page: Option<String>,
}

impl SourceQuery {
    /// The source named, both parts checked at once.
    fn parse(&self) -> Result<(SourceKind, i64), FieldErrors> {
        let mut e = FieldErrors::new();
        let raw = self.source_kind.as_deref().unwrap_or("");
        let kind = SourceKind::parse(raw);
        if kind.is_none() {
            e.add(
                "source_kind",
                if raw.trim().is_empty() {
                    "required"
                } else {
                    "invalid_choice"
                },
                "请选择案例来源（办结的督办案件、已立案的移送案件或已公示的行政处罚决定）",
            );
        }
        let id = e.take(crate::domain::text::id(
            "source_id",
            "来源记录",
            self.source_id.as_deref().unwrap_or(""),
        ));
        match (kind, id) {
            (Some(k), Some(id)) if e.is_empty() => Ok((k, id)),
            _ => Err(e),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Pages.

#[derive(Template)]
#[template(path = "typical_cases/list.html")]
struct ListPage {
    layout: Layout,
    year: i32,
    years: Vec<i32>,
    errors: FieldErrors,
    rows: Vec<TypicalCase>,
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
    let (year, errors) = match crate::activities::model::year(q.year.as_deref(), today) {
        Ok(y) => (Some(y), FieldErrors::new()),
        Err(e) => (None, e),
    };
    let page = page_number(q.page.as_deref());
    let w = Window::page(page, PAGE_SIZE);
    let this_year = chrono::Datelike::year(&today);
    let shown = year.unwrap_or(this_year);
    let (rows, more) = match year {
        Some(y) => w.cut(store::list(&state.db, &scope, y, w).await?),
        None => (Vec::new(), false),
    };
    Ok(render_status(
        form_status(&errors),
        &ListPage {
            layout: Layout::new(&cu, "典型案例", "/typical-cases"),
            year: shown,
            years: (shown.min(this_year.saturating_sub(4))..=this_year)
                .rev()
                .collect(),
            errors,
            rows,
            page,
            more,
            can_create: cu.actor.can(Resource::TypicalCase, Action::Create),
        },
    ))
}

pub struct Opt {
    pub code: &'static str,
    pub label: &'static str,
}

#[derive(Template)]
#[template(path = "typical_cases/form.html")]
struct FormPage {
    layout: Layout,
    form: TypicalCaseInput,
    errors: FieldErrors,
    kinds: Vec<Opt>,
    /// Whether the form holds a write-up (a source was chosen), or only asks for the source.
    written: bool,
}

fn kinds() -> Vec<Opt> {
    SourceKind::ALL
        .iter()
        .map(|k| Opt {
            code: k.code(),
            label: k.label(),
        })
        .collect()
}

fn form_page(
    cu: &CurrentUser,
    form: TypicalCaseInput,
    errors: FieldErrors,
    written: bool,
) -> PageResult {
    if !cu.actor.can(Resource::TypicalCase, Action::Create) {
        return Err(AppError::Forbidden.into());
    }
    Ok(render_status(
        form_status(&errors),
        &FormPage {
            layout: Layout::new(cu, "编写典型案例", "/typical-cases"),
            form,
            errors,
            kinds: kinds(),
            written,
        },
    ))
}

/// The form: first the source, then the write-up generated from it (already redacted).
async fn new_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    Query(q): Query<SourceQuery>,
) -> PageResult {
    if q.source_kind.is_none() && q.source_id.is_none() {
        return form_page(&cu, TypicalCaseInput::default(), FieldErrors::new(), false);
    }
    let chosen = TypicalCaseInput {
        source_kind: q.source_kind.clone().unwrap_or_default(),
        source_id: q.source_id.clone().unwrap_or_default(),
        ..TypicalCaseInput::default()
    };
    let (kind, id) = match q.parse() {
        Ok(v) => v,
        Err(e) => return form_page(&cu, chosen, e, false),
    };
    match store::from_source(&state.db, &cu.actor, kind, id, cu.who.today()).await {
        Ok(input) => form_page(&cu, input, FieldErrors::new(), true),
        Err(AppError::Validation(e)) => form_page(&cu, chosen, e, false),
        Err(e) => Err(e.into()),
    }
}

fn input_from_pairs(pairs: &[(String, String)]) -> TypicalCaseInput {
    let p = Pairs(pairs);
    TypicalCaseInput {
        source_kind: p.one("source_kind"),
        source_id: p.one("source_id"),
        title: p.one("title"),
        text: p.one("text"),
        persons: p.one("persons"),
    }
}

async fn create_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let input = input_from_pairs(&pairs);
    match store::create(&state, &cu.actor, &cu.who, &input).await {
        Ok(id) => Ok(Redirect::to(&format!("/typical-cases/{id}?msg=created")).into_response()),
        Err(AppError::Validation(e)) => form_page(&cu, input, e, true),
        Err(e) => Err(e.into()),
    }
}

/// A typical case with its drafts and the steps the reader may take.
#[derive(Serialize, utoipa::ToSchema)]
pub struct TypicalCaseDetail {
    #[serde(flatten)]
    pub typical_case: TypicalCase,
    /// What the redaction took out, by kind (`resident_id`, `phone`, `person_name`, …).
    pub hidden: std::collections::BTreeMap<String, usize>,
    /// Its drafts in the document chain the reader may see (the office, the signer).
    pub drafts: Vec<crate::drafting::store::Draft>,
    /// What the reader may do: `circulate`, `publish`, `unpublish`.
    pub steps: Vec<String>,
}

async fn detail(state: &SharedState, actor: &Actor, id: i64) -> AppResult<TypicalCaseDetail> {
    let scope = store::read_scope(actor)?;
    let t = store::get(&state.db, &scope, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let steps = model::available(t.state()?, store::standing(actor, &t), t.is_circulated())
        .into_iter()
        .map(|a| a.code().to_string())
        .collect();
    Ok(TypicalCaseDetail {
        hidden: t.hidden_counts(),
        drafts: crate::drafting::store::of_record(&state.db, actor, store::RESOURCE, id).await?,
        steps,
        typical_case: t,
    })
}

#[derive(Template)]
#[template(path = "typical_cases/show.html")]
struct ShowPage {
    layout: Layout,
    d: TypicalCaseDetail,
    units: Vec<crate::units::Unit>,
    error: Option<String>,
}

impl ShowPage {
    fn can(&self, step: &str) -> bool {
        self.d.steps.iter().any(|s| s == step)
    }
    fn lines(&self) -> Vec<(bool, &str)> {
        self.d
            .typical_case
            .text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(|l| (model::is_heading(l), l))
            .collect()
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
    let units = if d.steps.iter().any(|s| s == "circulate") {
        crate::units::store::choices(&state.db, &cu.actor).await?
    } else {
        Vec::new()
    };
    Ok(render(&ShowPage {
        layout: Layout::new(cu, &d.typical_case.title, "/typical-cases").notice(msg),
        d,
        units,
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

async fn step_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    IdPath(Id(id)): IdPath<Id>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let r = match crate::web::step::from_form(&pairs) {
        Ok(input) => store::run(&state, &cu.actor, &cu.who, id, input).await,
        Err(e) => Err(e),
    };
    crate::web::page::after_step(r, &format!("/typical-cases/{id}?msg=saved"), |msg| {
        show(&state, &cu, id, None, Some(msg))
    })
    .await
}

/// The signed write-up as the reader may have it: pages and API alike.
async fn document_bytes(state: &SharedState, actor: &Actor, id: i64) -> AppResult<Response> {
    let scope = store::read_scope(actor)?;
    store::get(&state.db, &scope, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let (number, pdf) = store::pdf(&state.db, id).await?.ok_or(AppError::NotFound)?;
    Ok(pdf_response(&format!("{number}.pdf"), pdf))
}

async fn pdf_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    IdPath(Id(id)): IdPath<Id>,
) -> PageResult {
    Ok(document_bytes(&state, &cu.actor, id).await?)
}

async fn collection_bytes(
    state: &SharedState,
    actor: &Actor,
    who: &Who,
    raw: Option<&str>,
) -> AppResult<Response> {
    store::read_scope(actor)?;
    let year = crate::activities::model::year(raw, who.today())?;
    let pdf = store::collection(state, actor, who, year).await?;
    Ok(pdf_response(&format!("{year}年典型案例汇编.pdf"), pdf))
}

async fn collection_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    Query(q): Query<YearQuery>,
) -> PageResult {
    Ok(collection_bytes(&state, &cu.actor, &cu.who, q.year.as_deref()).await?)
}

// ---------------------------------------------------------------------------------------------
// API.

/// The typical cases written up in the year within the caller's scope, newest first.
#[utoipa::path(get, path = "/api/v1/typical-cases", tag = "typical_cases", params(ListQuery),
    responses((status = 200, body = Page<TypicalCase>), (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_list(
    State(state): State<SharedState>,
    u: ApiUser,
    Query(q): Query<ListQuery>,
) -> AppResult<Json<Page<TypicalCase>>> {
    let scope = store::read_scope(&u.actor)?;
    let year = crate::activities::model::year(q.year.as_deref(), u.who.today())?;
    let w = Window::page(page_number(q.page.as_deref()), PAGE_SIZE);
    Ok(Json(Page::window(
        store::list(&state.db, &scope, year, w).await?,
        w,
    )))
}

/// Write up a concluded case, a filed transfer or a published penalty decision as a typical
/// case (002 (八)1; 003 三(六)): personal identifiers and the natural persons named are taken
/// out before anything is kept; it goes into the document chain for the office director to
/// sign.
#[utoipa::path(post, path = "/api/v1/typical-cases", tag = "typical_cases", request_body = TypicalCaseInput,
    responses((status = 201, body = Created), (status = 403, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_create(
    State(state): State<SharedState>,
    u: ApiUser,
    ApiJson(input): ApiJson<TypicalCaseInput>,
) -> AppResult<Response> {
    let id = store::create(&state, &u.actor, &u.who, &input).await?;
    Ok((StatusCode::CREATED, Json(Created { id })).into_response())
}

/// The write-up generated from a source the caller may read, already redacted: the body to
/// complete and send to `POST /api/v1/typical-cases`.
#[utoipa::path(get, path = "/api/v1/typical-cases/source", tag = "typical_cases", params(SourceQuery),
    responses((status = 200, body = TypicalCaseInput), (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_source(
    State(state): State<SharedState>,
    u: ApiUser,
    Query(q): Query<SourceQuery>,
) -> AppResult<Json<TypicalCaseInput>> {
    u.actor.require(Resource::TypicalCase, Action::Create)?;
    let (kind, id) = q.parse()?;
    Ok(Json(
        store::from_source(&state.db, &u.actor, kind, id, u.who.today()).await?,
    ))
}

/// The yearly collection (典型案例汇编) for the leaders: every typical case signed in the year
/// within the caller's scope, as one PDF.
#[utoipa::path(get, path = "/api/v1/typical-cases/collection.pdf", tag = "typical_cases", params(YearQuery),
    responses((status = 200, description = "The year's collection", content_type = "application/pdf"), (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_collection(
    State(state): State<SharedState>,
    u: ApiUser,
    Query(q): Query<YearQuery>,
) -> AppResult<Response> {
    collection_bytes(&state, &u.actor, &u.who, q.year.as_deref()).await
}

/// One typical case; 404 outside the caller's scope.
#[utoipa::path(get, path = "/api/v1/typical-cases/{id}", tag = "typical_cases", params(("id" = i64, Path)),
    responses((status = 200, body = TypicalCaseDetail), (status = 404, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_get(
    State(state): State<SharedState>,
    u: ApiUser,
    IdPath(Id(id)): IdPath<Id>,
) -> AppResult<Json<TypicalCaseDetail>> {
    Ok(Json(detail(&state, &u.actor, id).await?))
}

/// Circulate a signed typical case (a circular of typical cases for the group leader to sign),
/// publish it on the public pages, or take it off them (the office that wrote it up).
#[utoipa::path(post, path = "/api/v1/typical-cases/{id}/steps", tag = "typical_cases", params(("id" = i64, Path)), request_body = TypicalCaseStep,
    responses((status = 204), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_step(
    State(state): State<SharedState>,
    u: ApiUser,
    IdPath(Id(id)): IdPath<Id>,
    crate::web::step::ApiStep(input): crate::web::step::ApiStep<TypicalCaseStep>,
) -> AppResult<StatusCode> {
    store::run(&state, &u.actor, &u.who, id, input).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The signed typical case as PDF, once signed.
#[utoipa::path(get, path = "/api/v1/typical-cases/{id}/document.pdf", tag = "typical_cases",
    params(("id" = i64, Path)),
    responses((status = 200, description = "The signed typical case", content_type = "application/pdf"), (status = 404, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_document(
    State(state): State<SharedState>,
    u: ApiUser,
    IdPath(Id(id)): IdPath<Id>,
) -> AppResult<Response> {
    document_bytes(&state, &u.actor, id).await
}

// ---------------------------------------------------------------------------------------------
// The public pages.

#[derive(Template)]
#[template(path = "public/typical_cases.html")]
struct PublicListPage {
    title: &'static str,
    rows: Vec<PublicCase>,
    page: i64,
    more: bool,
}

async fn public_list_page(
    State(state): State<SharedState>,
    Query(q): Query<PublicQuery>,
) -> PageResult {
    let page = page_number(q.page.as_deref());
    let w = Window::page(page, 20);
    let (rows, more) = w.cut(store::public_list(&state.db, w).await?);
    Ok(render(&PublicListPage {
        title: "典型案例",
        rows,
        page,
        more,
    }))
}

#[derive(Template)]
#[template(path = "public/typical_case.html")]
struct PublicShowPage {
    title: &'static str,
    c: PublicCase,
}

impl PublicShowPage {
    fn lines(&self) -> Vec<(bool, &str)> {
        self.c
            .text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(|l| (model::is_heading(l), l))
            .collect()
    }
}

async fn public_show_page(
    State(state): State<SharedState>,
    IdPath(Id(id)): IdPath<Id>,
) -> PageResult {
    let c = store::public_get(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(render(&PublicShowPage {
        title: "典型案例",
        c,
    }))
}

/// The typical cases published, newest first.
#[utoipa::path(get, path = "/api/v1/public/typical-cases", tag = "public", params(PublicQuery),
    responses((status = 200, body = Page<PublicCase>)))]
pub async fn api_public_list(
    State(state): State<SharedState>,
    Query(q): Query<PublicQuery>,
) -> AppResult<Json<Page<PublicCase>>> {
    let w = Window::page(page_number(q.page.as_deref()), 20);
    Ok(Json(Page::window(
        store::public_list(&state.db, w).await?,
        w,
    )))
}

/// One published typical case; 404 for anything not published now.
#[utoipa::path(get, path = "/api/v1/public/typical-cases/{id}", tag = "public", params(("id" = i64, Path)),
    responses((status = 200, body = PublicCase), (status = 404, body = crate::error::ErrorBody)))]
pub async fn api_public_get(
    State(state): State<SharedState>,
    IdPath(Id(id)): IdPath<Id>,
) -> AppResult<Json<PublicCase>> {
    store::public_get(&state.db, id)
        .await?
        .map(Json)
        .ok_or(AppError::NotFound)
}
