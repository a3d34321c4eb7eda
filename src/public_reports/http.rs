//! Public reports over HTTP: the public site (`/public/…`, with no account: report, confirm,
//! receive the tracking number and password, track, add information, the receipt) and the
//! office's and units' pages and API (`/public-reports/…`).
//!
//! The public routes are [`public_routes`]; `web::public_router` serves them alone on the public
//! listener, and the internal router serves them too, so an office without a public listener
//! still has the public pages.

use askama::Template;
use axum::Json;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::flow::{self, Kind, ReportState, Step};
use super::intake::{NewReport, ReportInput, TrackInput};
use super::store::{self, PublicReport, ReportStep};
use crate::access::Actor;
use crate::domain::FieldErrors;
use crate::error::{AppError, AppResult};
use crate::web::SharedState;
use crate::web::extract::{ApiJson, ApiUser, CsrfForm, CurrentUser, Id, IdPath, Meta, Query};
use crate::web::files::{UPLOAD_BODY_LIMIT, download, pdf_response, read_upload};
use crate::web::filter::{FilterParser, rows_or_errors};
use crate::web::form::Pairs;
use crate::web::page::{
    Layout, MsgQuery, PageResult, form_status, page_number, render, render_status,
};

/// The routes of the public site and its API: nothing here needs an account.
pub fn public_routes() -> OpenApiRouter<SharedState> {
    OpenApiRouter::new()
        .route("/public", get(home_page))
        .route("/public/report", get(form_page).post(review_page))
        .route(
            "/public/report/submit",
            post(submit_page).layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)),
        )
        .route("/public/track", get(track_form_page).post(track_page))
        .route(
            "/public/track/add",
            post(add_page).layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)),
        )
        .route("/public/receipt", post(receipt_page))
        .route("/public/track/claim", post(claim_page))
        .route("/public/figures", get(figures_page))
        .routes(routes!(api_challenge))
        .routes(routes!(api_submit))
        .routes(routes!(api_track))
        .routes(routes!(api_claim))
        .routes(routes!(api_figures))
        .layer(axum::middleware::from_fn(same_origin))
}

/// The public forms have no session to carry a token, so a form posted from another site is
/// refused by its `Origin` (every current browser sends it with a cross-site POST): a page
/// elsewhere cannot file reports or objections, or spend a visitor's budget, from the
/// visitor's browser. Every public router's forms go through it.
pub async fn same_origin(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    use axum::http::header::{HOST, ORIGIN};
    if req.method() == axum::http::Method::POST
        && let Some(origin) = req.headers().get(ORIGIN).and_then(|v| v.to_str().ok())
    {
        let host = req
            .headers()
            .get(HOST)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let origin_host = origin.split_once("://").map_or("", |(_, h)| h);
        if origin_host != host {
            return crate::web::page::error_page(AppError::Csrf);
        }
    }
    next.run(req).await
}

/// The office's and units' routes.
pub fn routes() -> OpenApiRouter<SharedState> {
    OpenApiRouter::new()
        .route("/public-reports", get(list_page))
        .route("/public-reports/rewards.xlsx", get(ledger_page))
        .route(
            "/public-reports/settings",
            get(settings_page).post(settings_save),
        )
        .route("/public-reports/{id}", get(show_page))
        .route("/public-reports/{id}/step", post(step_page))
        .route("/public-reports/{id}/identity", post(identity_page))
        .route(
            "/public-reports/{id}/attachments/{aid}",
            get(attachment_page),
        )
        .routes(routes!(api_list))
        .routes(routes!(api_get))
        .routes(routes!(api_step))
        .routes(routes!(api_identity))
        .routes(routes!(api_settings, api_settings_put))
}

// ---------------------------------------------------------------------------------------------
// The public site.

pub struct Choice {
    pub code: &'static str,
    pub label: &'static str,
}

fn kinds() -> Vec<Choice> {
    Kind::ALL
        .iter()
        .map(|k| Choice {
            code: k.code(),
            label: k.label(),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "public/home.html")]
struct HomePage {
    title: &'static str,
}

async fn home_page() -> PageResult {
    Ok(render(&HomePage {
        title: "举报投诉"
    }))
}

#[derive(Template)]
#[template(path = "public/form.html")]
struct FormPage {
    title: &'static str,
    form: ReportInput,
    errors: FieldErrors,
    kinds: Vec<Choice>,
    categories: Vec<Choice>,
    /// The office sends reporters notices (`public_notices`): the form offers them.
    notices: bool,
}

fn form(
    state: &SharedState,
    status: StatusCode,
    form: ReportInput,
    errors: FieldErrors,
) -> PageResult {
    Ok(render_status(
        status,
        &FormPage {
            title: "我要举报投诉",
            form,
            errors,
            kinds: kinds(),
            notices: state.config.public_notices,
            categories: super::routing::Category::ALL
                .iter()
                .map(|m| Choice {
                    code: m.code(),
                    label: m.label(),
                })
                .collect(),
        },
    ))
}

async fn form_page(State(state): State<SharedState>) -> PageResult {
    form(
        &state,
        StatusCode::OK,
        ReportInput::default(),
        FieldErrors::new(),
    )
}

fn input_from_pairs(pairs: &[(String, String)]) -> ReportInput {
    let p = Pairs(pairs);
    let flag = |k: &str| matches!(p.one(k).as_str(), "1" | "on" | "true");
    ReportInput {
        kind: p.one("kind"),
        product: p.one("product"),
        brand: p.one("brand"),
        category: p.one("category"),
        region: p.one("region"),
        address: p.one("address"),
        occurred_on: p.one("occurred_on"),
        description: p.one("description"),
        enterprise: p.one("enterprise"),
        credit_code: p.one("credit_code"),
        shop: p.one("shop"),
        anonymous: flag("anonymous"),
        reporter_name: p.one("reporter_name"),
        reporter_phone: p.one("reporter_phone"),
        reporter_email: p.one("reporter_email"),
        insider: flag("insider"),
        notify: flag("notify"),
        challenge: p.one("challenge"),
        proof: p.one("proof"),
    }
}

#[derive(Template)]
#[template(path = "public/confirm.html")]
struct ConfirmPage {
    title: &'static str,
    form: ReportInput,
    r: NewReport,
    region_name: String,
    /// A fresh proof-of-work token, and the zero bits its solution needs.
    challenge: String,
    challenge_bits: u32,
    /// Why the last send was refused by the challenge.
    challenge_error: Option<String>,
}

/// The confirmation page of `r` as typed in `form`, with a fresh challenge.
fn confirm(
    state: &SharedState,
    status: StatusCode,
    form: ReportInput,
    r: NewReport,
    challenge_error: Option<String>,
) -> PageResult {
    Ok(render_status(
        status,
        &ConfirmPage {
            title: "请核对举报投诉内容",
            region_name: r
                .region
                .name_zh()
                .unwrap_or_else(|| r.region.as_str().into()),
            form,
            r,
            challenge: super::challenge::issue(state.clock.now())?,
            challenge_bits: state.config.public_challenge_bits,
            challenge_error,
        },
    ))
}

/// The form sent: shown back for confirmation (with the evidence to choose), or again with
/// what is wrong; `edit` takes the reporter back to the form with what they typed.
async fn review_page(
    State(state): State<SharedState>,
    axum::extract::Form(pairs): axum::extract::Form<Vec<(String, String)>>,
) -> PageResult {
    let input = input_from_pairs(&pairs);
    if Pairs(&pairs).one("edit") == "1" {
        return form(&state, StatusCode::OK, input, FieldErrors::new());
    }
    match NewReport::parse(&input, state.clock.today()) {
        Ok(r) => confirm(&state, StatusCode::OK, input, r, None),
        Err(e) => form(&state, StatusCode::UNPROCESSABLE_ENTITY, input, e),
    }
}

#[derive(Template)]
#[template(path = "public/submitted.html")]
struct SubmittedPage {
    title: &'static str,
    s: store::Submitted,
    kind_label: &'static str,
}

/// A refusal of the public site: the form again with the message against its field.
fn refused(state: &SharedState, input: ReportInput, e: AppError) -> PageResult {
    match e {
        AppError::Validation(f) => form(state, StatusCode::UNPROCESSABLE_ENTITY, input, f),
        e => Err(e.into()),
    }
}

async fn submit_page(
    State(state): State<SharedState>,
    meta: Meta,
    crate::web::files::Upload(mp): crate::web::files::Upload,
) -> PageResult {
    let mut upload = read_upload(mp).await?;
    // The upload reader keeps `description` apart (an attachment's description elsewhere).
    upload.fields.push((
        "description".into(),
        std::mem::take(&mut upload.description),
    ));
    let input = input_from_pairs(&upload.fields);
    match submit(&state, &meta, &input, upload.files).await {
        Ok(s) => Ok(render(&SubmittedPage {
            title: "已提交",
            kind_label: Kind::label_of(&s.kind),
            s,
        })),
        Err(e @ AppError::TooManyRequests) => Err(e.into()),
        // The challenge is the page's own doing: the same page again, with a fresh token.
        Err(AppError::Validation(f)) if f.get("challenge").is_some() => {
            let message = f.get("challenge").map(str::to_string);
            match NewReport::parse(&input, state.clock.today()) {
                Ok(r) => confirm(&state, StatusCode::UNPROCESSABLE_ENTITY, input, r, message),
                Err(e) => form(&state, StatusCode::UNPROCESSABLE_ENTITY, input, e),
            }
        }
        Err(e) => refused(&state, input, e),
    }
}

/// Submit as the reporter: the address's budget, the input, the files, then the operation.
async fn submit(
    state: &SharedState,
    meta: &Meta,
    input: &ReportInput,
    files: Vec<(String, Vec<u8>)>,
) -> AppResult<store::Submitted> {
    let addr = meta.client_addr.clone().unwrap_or_default();
    if !state.public_submit_limiter.try_begin(&addr) {
        return Err(AppError::TooManyRequests);
    }
    let new = NewReport::parse(input, state.clock.today())?;
    let nonce = super::challenge::verify(
        &input.challenge,
        &input.proof,
        state.config.public_challenge_bits,
        meta.at,
    )
    .map_err(|r| AppError::field("challenge", r.code(), r.message()))?;
    let files = store::check_files(files)?;
    let who = store::reporter(meta.at, meta.client_addr.clone());
    store::submit(
        &state.db,
        &state.calendar(),
        &state.config.public_reports,
        &who,
        &new,
        &store::Admission {
            nonce,
            per_subject_per_day: state.config.public_submissions_per_subject,
        },
        files,
    )
    .await
}

#[derive(Template)]
#[template(path = "public/track.html")]
struct TrackPage {
    title: &'static str,
    number: String,
    error: Option<String>,
    t: Option<store::Tracked>,
    /// The password, kept in the page's own forms (adding, the receipt) so the reporter need
    /// not type it again; the page is never cached (`Cache-Control: no-store`).
    password: String,
    notice: Option<&'static str>,
}

async fn track_form_page() -> PageResult {
    Ok(render(&TrackPage {
        title: "查询办理进度",
        number: String::new(),
        error: None,
        t: None,
        password: String::new(),
        notice: None,
    }))
}

/// What a failed lookup says: nothing about whether the number exists.
const LOOKUP_FAILED: &str = "查询编号或查询密码不正确，请核对后重新输入。";

/// A lookup as the reporter, within the address's budget of failures.
async fn lookup(
    state: &SharedState,
    meta: &Meta,
    number: &str,
    password: &str,
) -> AppResult<Option<store::Tracked>> {
    let addr = meta.client_addr.clone().unwrap_or_default();
    if !state.public_lookup_limiter.try_begin(&addr) {
        return Err(AppError::TooManyRequests);
    }
    let t = store::track(&state.db, number, password).await?;
    if t.is_some() {
        state.public_lookup_limiter.succeeded(&addr);
    }
    Ok(t)
}

fn track_result(
    number: String,
    password: String,
    t: Option<store::Tracked>,
    notice: Option<&'static str>,
) -> PageResult {
    let status = if t.is_some() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let error = t.is_none().then(|| LOOKUP_FAILED.to_string());
    Ok(render_status(
        status,
        &TrackPage {
            title: "查询办理进度",
            number,
            password: if t.is_some() { password } else { String::new() },
            error,
            t,
            notice,
        },
    ))
}

async fn track_page(
    State(state): State<SharedState>,
    meta: Meta,
    axum::extract::Form(pairs): axum::extract::Form<Vec<(String, String)>>,
) -> PageResult {
    let p = Pairs(&pairs);
    let (number, password) = (p.one("number"), p.one("password"));
    let t = lookup(&state, &meta, &number, &password).await?;
    track_result(number, password, t, None)
}

async fn add_page(
    State(state): State<SharedState>,
    meta: Meta,
    crate::web::files::Upload(mp): crate::web::files::Upload,
) -> PageResult {
    let upload = read_upload(mp).await?;
    let number = upload.field("number").unwrap_or("").to_string();
    let password = upload.field("password").unwrap_or("").to_string();
    let text = upload.field("text").unwrap_or("").to_string();
    if lookup(&state, &meta, &number, &password).await?.is_none() {
        return track_result(number, password, None, None);
    }
    let who = store::reporter(meta.at, meta.client_addr.clone());
    let added = match store::check_files(upload.files) {
        Ok(files) => {
            store::add_information(&state.db, &who, &number, &password, &text, files).await
        }
        Err(e) => Err(e),
    };
    let t = store::track(&state.db, &number, &password).await?;
    match added {
        Ok(_) => track_result(number, password, t, Some("补充的材料已提交。")),
        Err(e @ (AppError::Validation(_) | AppError::Conflict { .. })) => {
            let message = match e {
                AppError::Validation(f) => {
                    f.0.iter()
                        .map(|x| x.message.clone())
                        .collect::<Vec<_>>()
                        .join("；")
                }
                e => e.to_string(),
            };
            Ok(render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &TrackPage {
                    title: "查询办理进度",
                    number,
                    password,
                    error: Some(message),
                    t,
                    notice: None,
                },
            ))
        }
        Err(e) => Err(e.into()),
    }
}

/// The last twelve months' figures.
async fn figure_lines(state: &SharedState) -> AppResult<Vec<super::figures::Line>> {
    let today = state.clock.today();
    let since = chrono::Datelike::with_day(&today, 1)
        .and_then(|d| d.checked_sub_months(chrono::Months::new(11)))
        .unwrap_or(today);
    let facts = store::figure_facts(&state.db, since, today).await?;
    Ok(super::figures::lines(&facts))
}

#[derive(Template)]
#[template(path = "public/figures.html")]
struct FiguresPage {
    title: &'static str,
    lines: Vec<super::figures::Line>,
}

async fn figures_page(State(state): State<SharedState>) -> PageResult {
    Ok(render(&FiguresPage {
        title: "举报投诉办理情况",
        lines: figure_lines(&state).await?,
    }))
}

/// Reports received, handled and handled on time in the last twelve months, by month and
/// receiving office; counts under 5 are not shown, and the days taken are estimates.
#[utoipa::path(get, path = "/api/v1/public/figures", tag = "public",
    responses((status = 200, body = Vec<super::figures::Line>)))]
pub async fn api_figures(
    State(state): State<SharedState>,
) -> AppResult<Json<Vec<super::figures::Line>>> {
    Ok(Json(figure_lines(&state).await?))
}

/// The reporter claims an approved reward.
async fn claim_page(
    State(state): State<SharedState>,
    meta: Meta,
    axum::extract::Form(pairs): axum::extract::Form<Vec<(String, String)>>,
) -> PageResult {
    let p = Pairs(&pairs);
    let (number, password) = (p.one("number"), p.one("password"));
    if lookup(&state, &meta, &number, &password).await?.is_none() {
        return track_result(number, password, None, None);
    }
    let who = store::reporter(meta.at, meta.client_addr.clone());
    let claimed = store::claim_reward(&state.db, &who, &number, &password).await;
    let t = store::track(&state.db, &number, &password).await?;
    match claimed {
        Ok(_) => track_result(number, password, t, Some("已申领举报奖励。")),
        Err(e @ AppError::Conflict { .. }) => Ok(render_status(
            StatusCode::CONFLICT,
            &TrackPage {
                title: "查询办理进度",
                number,
                password,
                error: Some(e.to_string()),
                t,
                notice: None,
            },
        )),
        Err(e) => Err(e.into()),
    }
}

/// Claim an approved informant reward with the tracking number and query password (also for
/// an anonymous report: the identity is checked at the counter when it is paid).
#[utoipa::path(post, path = "/api/v1/public/reports/claim", tag = "public", request_body = TrackInput,
    responses((status = 204), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody), (status = 429, body = crate::error::ErrorBody)))]
pub async fn api_claim(
    State(state): State<SharedState>,
    meta: Meta,
    ApiJson(input): ApiJson<TrackInput>,
) -> AppResult<StatusCode> {
    if lookup(&state, &meta, &input.number, &input.password)
        .await?
        .is_none()
    {
        return Err(AppError::NotFound);
    }
    let who = store::reporter(meta.at, meta.client_addr.clone());
    store::claim_reward(&state.db, &who, &input.number, &input.password)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(StatusCode::NO_CONTENT)
}

/// The receipt: proof of what was reported and when, with the evidence's fingerprints; the
/// password is not printed on it.
async fn receipt_page(
    State(state): State<SharedState>,
    meta: Meta,
    axum::extract::Form(pairs): axum::extract::Form<Vec<(String, String)>>,
) -> PageResult {
    let p = Pairs(&pairs);
    let (number, password) = (p.one("number"), p.one("password"));
    let addr = meta.client_addr.clone().unwrap_or_default();
    if !state.public_receipt_limiter.try_begin(&addr) {
        return Err(AppError::TooManyRequests.into());
    }
    let Some(t) = lookup(&state, &meta, &number, &password).await? else {
        return track_result(number, password, None, None);
    };
    let pdf = super::receipt::render(&state.ctx, &t).await?;
    Ok(pdf_response(
        &format!("举报投诉回执{}.pdf", t.tracking_no),
        pdf,
    ))
}

/// A proof-of-work challenge for one submission.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = PublicChallenge)]
pub struct ChallengeBody {
    /// Send back as `challenge`, within two hours, with `proof`: a decimal counter such that
    /// SHA-256 of `token:counter` starts with `bits` zero bits.
    pub token: String,
    pub bits: u32,
}

/// A challenge to solve before submitting a report through the API (one per report).
#[utoipa::path(get, path = "/api/v1/public/challenge", tag = "public",
    responses((status = 200, body = ChallengeBody)))]
pub async fn api_challenge(State(state): State<SharedState>) -> AppResult<Json<ChallengeBody>> {
    Ok(Json(ChallengeBody {
        token: super::challenge::issue(state.clock.now())?,
        bits: state.config.public_challenge_bits,
    }))
}

/// Submit a report or complaint (no account). The answer carries the tracking number and the
/// query password, once; evidence is sent through the public pages.
#[utoipa::path(post, path = "/api/v1/public/reports", tag = "public", request_body = ReportInput,
    responses((status = 201, body = store::Submitted), (status = 422, body = crate::error::ErrorBody), (status = 429, body = crate::error::ErrorBody)))]
pub async fn api_submit(
    State(state): State<SharedState>,
    meta: Meta,
    ApiJson(input): ApiJson<ReportInput>,
) -> AppResult<Response> {
    let s = submit(&state, &meta, &input, Vec::new()).await?;
    Ok((StatusCode::CREATED, Json(s)).into_response())
}

/// Track a report with its number and query password; 404 alike for an unknown number and a
/// wrong password; failures are throttled per client address.
#[utoipa::path(post, path = "/api/v1/public/reports/track", tag = "public", request_body = TrackInput,
    responses((status = 200, body = store::Tracked), (status = 404, body = crate::error::ErrorBody), (status = 429, body = crate::error::ErrorBody)))]
pub async fn api_track(
    State(state): State<SharedState>,
    meta: Meta,
    ApiJson(input): ApiJson<TrackInput>,
) -> AppResult<Json<store::Tracked>> {
    lookup(&state, &meta, &input.number, &input.password)
        .await?
        .map(Json)
        .ok_or(AppError::NotFound)
}

// ---------------------------------------------------------------------------------------------
// The office's and units' pages.

#[derive(Deserialize, Default, Clone, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    pub state: Option<String>,
    pub kind: Option<String>,
    pub page: Option<String>,
}

impl ListQuery {
    fn filter(&self) -> Result<store::Filter, FieldErrors> {
        let mut p = FilterParser::default();
        let filter = store::Filter {
            state: p.choice("state", &self.state, ReportState::parse),
            kind: p.choice("kind", &self.kind, Kind::parse),
        };
        p.finish(filter)
    }
}

#[derive(Template)]
#[template(path = "public_reports/list.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<PublicReport>,
    errors: FieldErrors,
    page: i64,
    more: bool,
    q: ListQuery,
    states: Vec<Choice>,
    kinds: Vec<Choice>,
    /// A leading-group office: its handling periods are a link away.
    office: bool,
}

async fn list_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    Query(q): Query<ListQuery>,
) -> PageResult {
    let scope = store::read_scope(&cu.actor)?;
    let page = page_number(q.page.as_deref());
    let (db, scope, actor) = (&state.db, &scope, &cu.actor);
    let (rows, more, errors) = rows_or_errors(q.filter(), |f| async move {
        Ok(store::list(db, actor, scope, &f, page).await?)
    })
    .await?;
    Ok(render_status(
        form_status(&errors),
        &ListPage {
            office: cu.actor.roles.iter().any(|r| r.is_office()),
            layout: Layout::new(&cu, "举报投诉", "/public-reports"),
            rows,
            errors,
            page,
            more,
            q,
            states: ReportState::ALL
                .iter()
                .map(|s| Choice {
                    code: s.code(),
                    label: s.label(),
                })
                .collect(),
            kinds: kinds(),
        },
    ))
}

/// A report with everything on its page.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = PublicReportDetail)]
pub struct ReportDetail {
    #[serde(flatten)]
    pub report: PublicReport,
    pub entries: Vec<store::EntryRow>,
    pub attachments: Vec<store::AttachmentRow>,
    pub deadlines: Vec<crate::deadline::store::Deadline>,
    /// Steps the reader may take now (codes).
    pub steps: Vec<String>,
    /// Whether the reader handles it (and so may see who reported it).
    pub handles: bool,
    /// The reports of this matter, first received first (itself and those merged into it).
    pub matter: Vec<store::Related>,
    /// Open reports of the same office that look like the same matter (for the office).
    pub candidates: Vec<store::Related>,
    /// The clue, the task and the transfer it was turned into.
    pub links: Vec<store::Link>,
    /// What the reader may turn it into now (record types: `case`, `task` for the receiving
    /// office, `transfer` for the unit handling it), one of each kind.
    #[schema(value_type = Vec<String>)]
    pub conversions: Vec<&'static str>,
    /// While the office routes it: the unit whose duty its category is (003 四), preselected.
    pub route_to: Option<RouteTo>,
    /// The reported enterprise's public record: published penalties, the serious-violation
    /// list.
    pub party_records: Vec<crate::penalties::store::PartyRecord>,
}

/// The default unit of a report and the clause that makes it so.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = PublicReportRouteTo)]
pub struct RouteTo {
    pub unit_id: i64,
    pub unit_name: String,
    pub clause: &'static str,
    pub duty: &'static str,
}

impl ReportDetail {
    /// Whether `unit` is the default unit to route to.
    pub fn is_route_to(&self, unit: &i64) -> bool {
        self.route_to.as_ref().is_some_and(|r| r.unit_id == *unit)
    }

    /// Whether the reader may turn it into a record of `record_type` now.
    pub fn may(&self, record_type: &str) -> bool {
        self.conversions.contains(&record_type)
    }
}

async fn detail(state: &SharedState, actor: &Actor, id: i64) -> AppResult<ReportDetail> {
    let scope = store::read_scope(actor)?;
    let report = store::get(&state.db, actor, &scope, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let steps = flow::available(
        report.kind()?,
        report.report_state()?,
        &actor.roles,
        store::standing(actor, &report),
    );
    let candidates = if steps.contains(&Step::Merge) {
        store::candidates(&state.db, &report).await?
    } else {
        Vec::new()
    };
    let route_to = if steps.contains(&Step::Assign) {
        let all = state.units.all(&state.db).await?;
        let units = store::routable_units(&all, actor);
        let office_region = all
            .iter()
            .find(|u| u.id == report.office_unit_id)
            .map(|u| u.region_code.as_str())
            .unwrap_or_default();
        super::routing::suggest(report.category(), &report.region, office_region, &units).map(
            |(c, d)| RouteTo {
                unit_id: c.id,
                unit_name: c.name.clone(),
                clause: d.clause,
                duty: d.what,
            },
        )
    } else {
        None
    };
    let links = store::links(&state.db, id).await?;
    let (report_state, standing) = (report.report_state()?, store::standing(actor, &report));
    let conversions = flow::Conversion::ALL
        .into_iter()
        .filter(|c| {
            flow::may_convert(report_state, &actor.roles, standing, *c).is_ok()
                && !links.iter().any(|l| l.record_type == c.record_type())
        })
        .map(flow::Conversion::record_type)
        .collect();
    let party_records = match &report.credit_code {
        Some(c) => {
            crate::penalties::store::party_records(
                &state.db,
                state.clock.today(),
                std::slice::from_ref(c),
            )
            .await?
        }
        None => Vec::new(),
    };
    Ok(ReportDetail {
        party_records,
        route_to,
        links,
        conversions,
        matter: store::matter(&state.db, id).await?,
        candidates,
        entries: store::entries(&state.db, id).await?,
        attachments: store::attachments(&state.db, id).await?,
        deadlines: crate::deadline::store::for_record(&state.db.pool, store::RESOURCE, id).await?,
        steps: steps.iter().map(|s| s.code().to_string()).collect(),
        handles: store::handles(actor, &report),
        report,
    })
}

#[derive(Template)]
#[template(path = "public_reports/show.html")]
struct ShowPage {
    layout: Layout,
    d: ReportDetail,
    steps: Vec<Step>,
    outcomes: Vec<Choice>,
    units: Vec<super::routing::Candidate>,
    identity: Option<store::Identity>,
    error: Option<String>,
}

async fn show(
    state: &SharedState,
    cu: &CurrentUser,
    id: i64,
    msg: Option<&str>,
    error: Option<String>,
    identity: Option<store::Identity>,
) -> PageResult {
    let d = detail(state, &cu.actor, id).await?;
    let kind = d.report.kind()?;
    let steps: Vec<Step> = Step::ALL
        .into_iter()
        .filter(|s| d.steps.iter().any(|c| c == s.code()))
        .collect();
    let units = if steps.contains(&Step::Assign) {
        store::routable_units(&state.units.all(&state.db).await?, &cu.actor)
    } else {
        Vec::new()
    };
    Ok(render(&ShowPage {
        layout: Layout::new(
            cu,
            &format!("{}：{}", d.report.kind_label(), d.report.product),
            "/public-reports",
        )
        .notice(msg),
        outcomes: flow::outcomes(kind)
            .iter()
            .map(|o| Choice {
                code: o.code(),
                label: o.label(),
            })
            .collect(),
        steps,
        units,
        identity,
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
    show(&state, &cu, id, q.msg.as_deref(), None, None).await
}

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
    crate::web::page::after_step(r, &format!("/public-reports/{id}?msg=saved"), |msg| {
        show(&state, &cu, id, None, Some(msg), None)
    })
    .await
}

async fn run(
    state: &SharedState,
    actor: &Actor,
    who: &crate::audit::Who,
    id: i64,
    input: ReportStep,
) -> AppResult<()> {
    store::step(
        &state.db,
        &state.calendar(),
        &state.config.public_reports,
        &state.config.public_rewards,
        actor,
        who,
        id,
        input,
    )
    .await
}

/// Who reported, on the page of someone handling it (audited).
async fn identity_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    IdPath(Id(id)): IdPath<Id>,
    CsrfForm(_): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let identity = store::identity(&state.db, &cu.actor, &cu.who, id).await?;
    show(&state, &cu, id, None, None, Some(identity)).await
}

#[derive(Deserialize)]
struct YearQuery {
    year: Option<String>,
}

/// An office's handling periods: its own, or the deployment's.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = PublicReportSettings)]
pub struct Settings {
    /// The office set its own (else the deployment's apply).
    pub own: bool,
    pub periods: flow::Periods,
    /// What the measures allow at most (an office may be quicker, never slower).
    pub law: flow::Periods,
}

/// The office's periods as it sets them: `null` returns to the deployment's.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = PublicReportSettingsInput)]
pub struct SettingsInput {
    pub periods: Option<flow::Periods>,
}

const SETTINGS: crate::units::periods_http::Spec = crate::units::periods_http::Spec {
    title: "举报投诉办理期限",
    nav: "/public-reports",
    path: "/public-reports/settings",
    intro: "本办公室受理的举报投诉按下列期限办理，期限按工作日计算，届满前提醒、逾期督办。办公室可以规定比《市场监督管理投诉举报处理暂行办法》更短的期限，不得超过该办法规定的期限。",
    table_id: "report-periods",
};

/// The reader's office's periods; 403 outside a leading-group office.
async fn settings(state: &SharedState, actor: &Actor) -> AppResult<Settings> {
    let a = crate::units::periods_http::applied(state, actor, &state.config.public_reports).await?;
    Ok(Settings {
        own: a.own,
        periods: a.periods,
        law: flow::Periods::default(),
    })
}

async fn settings_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    Query(q): Query<MsgQuery>,
) -> PageResult {
    crate::units::periods_http::page(
        &state,
        &cu,
        &SETTINGS,
        &state.config.public_reports,
        q.msg.as_deref(),
    )
    .await
}

async fn settings_save(
    State(state): State<SharedState>,
    cu: CurrentUser,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    crate::units::periods_http::save(&state, &cu, &SETTINGS, &state.config.public_reports, &pairs)
        .await
}

/// The caller's office's handling periods of public reports.
#[utoipa::path(get, path = "/api/v1/public-reports/settings", tag = "public-reports",
    responses((status = 200, body = Settings), (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_settings(
    State(state): State<SharedState>,
    u: ApiUser,
) -> AppResult<Json<Settings>> {
    Ok(Json(settings(&state, &u.actor).await?))
}

/// The office director sets his office's handling periods (each within the measures' own), or
/// `null` to return to the deployment's.
#[utoipa::path(put, path = "/api/v1/public-reports/settings", tag = "public-reports",
    request_body = SettingsInput,
    responses((status = 200, body = Settings), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_settings_put(
    State(state): State<SharedState>,
    u: ApiUser,
    ApiJson(input): ApiJson<SettingsInput>,
) -> AppResult<Json<Settings>> {
    crate::units::periods::set(
        &state.db,
        &u.actor,
        &u.who,
        input.periods,
        &state.config.public_reports,
    )
    .await
    .map_err(|e| e.under("periods"))?;
    Ok(Json(settings(&state, &u.actor).await?))
}

/// The yearly reward ledger of the organs in the reader's scope, as .xlsx.
async fn ledger_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    Query(q): Query<YearQuery>,
) -> PageResult {
    let year = match q.year.as_deref().map(str::trim).filter(|y| !y.is_empty()) {
        None => chrono::Datelike::year(&state.clock.today()),
        Some(y) => y
            .parse::<i32>()
            .ok()
            .filter(|y| (2000..=2100).contains(y))
            .ok_or_else(|| AppError::field("year", "invalid_format", "年度应为四位数字"))?,
    };
    let rows = store::reward_ledger(&state.db, &cu.actor, year).await?;
    let bytes = store::ledger_xlsx(year, &rows)?;
    Ok(download(
        &format!("{year}年度举报奖励台账.xlsx"),
        crate::web::files::XLSX_MIME,
        bytes,
    ))
}

async fn attachment_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    IdPath((Id(id), Id(aid))): IdPath<(Id, Id)>,
) -> PageResult {
    let (name, mime, bytes) = store::attachment(&state.db, &cu.actor, id, aid).await?;
    Ok(download(&name, &mime, bytes))
}

/// Reports and complaints visible to the caller: the open ones first, oldest first.
#[utoipa::path(get, path = "/api/v1/public-reports", tag = "public-reports", params(ListQuery),
    responses((status = 200, body = crate::web::extract::Page<PublicReport>), (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_list(
    State(state): State<SharedState>,
    u: ApiUser,
    Query(q): Query<ListQuery>,
) -> AppResult<Json<crate::web::extract::Page<PublicReport>>> {
    let scope = store::read_scope(&u.actor)?;
    let page = page_number(q.page.as_deref());
    let (items, has_more) = store::list(&state.db, &u.actor, &scope, &q.filter()?, page).await?;
    Ok(Json(crate::web::extract::Page::of(items, page, has_more)))
}

/// One report with its history, evidence list and clocks (not who reported it); 404 outside
/// the caller's scope.
#[utoipa::path(get, path = "/api/v1/public-reports/{id}", tag = "public-reports", params(("id" = i64, Path)),
    responses((status = 200, body = ReportDetail), (status = 404, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_get(
    State(state): State<SharedState>,
    u: ApiUser,
    IdPath(Id(id)): IdPath<Id>,
) -> AppResult<Json<ReportDetail>> {
    Ok(Json(detail(&state, &u.actor, id).await?))
}

/// Take a step: route (the office); accept, refuse, extend, decide on filing, tell the
/// reporter, close (the unit handling it).
#[utoipa::path(post, path = "/api/v1/public-reports/{id}/steps", tag = "public-reports", params(("id" = i64, Path)), request_body = ReportStep,
    responses((status = 204), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_step(
    State(state): State<SharedState>,
    u: ApiUser,
    IdPath(Id(id)): IdPath<Id>,
    crate::web::step::ApiStep(input): crate::web::step::ApiStep<ReportStep>,
) -> AppResult<StatusCode> {
    run(&state, &u.actor, &u.who, id, input).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Who reported it: for those handling it only (403 for others who may read it); each view
/// is recorded in the audit trail.
#[utoipa::path(post, path = "/api/v1/public-reports/{id}/identity", tag = "public-reports", params(("id" = i64, Path)),
    responses((status = 200, body = store::Identity), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_identity(
    State(state): State<SharedState>,
    u: ApiUser,
    IdPath(Id(id)): IdPath<Id>,
) -> AppResult<Json<store::Identity>> {
    Ok(Json(
        store::identity(&state.db, &u.actor, &u.who, id).await?,
    ))
}
