//! The API of penalty decisions (the deciding organ's) and of their public lookup (anyone's).

use askama::Template;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Redirect;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::disclosure::{self, Step};
use super::listing_store::{self, ListingInput, ListingStep};
use super::model::DecisionInput;
use super::redaction::Kind;
use super::settings::CreditPeriods;
use super::store::{self, Decision, PenaltyStep, PublicQuery, PublicRow, PublicView};
use crate::access::Actor;
use crate::access::{Action, Resource};
use crate::db::query::Window;
use crate::domain::FieldErrors;
use crate::error::{AppError, AppResult};
use crate::web::SharedState;
use crate::web::extract::{
    ApiJson, ApiUser, Created, CsrfForm, CurrentUser, Id, IdPath, Page, Query,
};
use crate::web::files::{XLSX_MIME, download};
use crate::web::form::Pairs;
use crate::web::page::{Layout, MsgQuery, PageResult, form_status, render, render_status};

pub fn routes() -> OpenApiRouter<SharedState> {
    OpenApiRouter::new()
        .route("/penalties", get(list_page))
        .route("/penalties/new", get(new_page).post(create_page))
        .route("/penalties/{id}", get(show_page))
        .route("/penalties/{id}/step", post(step_page))
        .route("/penalties/{id}/listing", post(propose_page))
        .route("/listings/{id}", get(listing_page))
        .route("/listings/{id}/step", post(listing_step_page))
        .routes(routes!(api_listing_propose))
        .routes(routes!(api_listing_get))
        .routes(routes!(api_listing_step))
        .routes(routes!(api_list, api_create))
        .merge(super::objection_http::routes())
        .routes(routes!(api_get))
        .routes(routes!(api_draft))
        .routes(routes!(api_step))
}

/// The public lookup, served on the public listener as on the main one.
pub fn public_routes() -> OpenApiRouter<SharedState> {
    OpenApiRouter::new()
        .route("/public/penalties", get(public_list_page))
        .route("/public/penalties.xlsx", get(public_xlsx_page))
        .route("/public/penalties/{id}", get(public_show_page))
        .route("/public/listings", get(public_listings_page))
        .routes(routes!(api_public_listings))
        .merge(super::objection_http::public_routes())
        .routes(routes!(api_public_search))
        .routes(routes!(api_public_get))
}

// ---------------------------------------------------------------------------------------------
// The deciding organ's pages.

#[derive(Template)]
#[template(path = "penalties/list.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<Decision>,
    page: i64,
    more: bool,
    can_create: bool,
    /// A leading-group office's reader: the link to its disclosure and listing periods.
    office: bool,
}

async fn list_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    Query(q): Query<ListQuery>,
) -> PageResult {
    let scope = store::read_scope(&cu.actor)?;
    let page = crate::web::page::page_number(q.page.as_deref());
    let w = Window::page(page, 20);
    let (rows, more) = w.cut(store::list(&state.db, &scope, w).await?);
    Ok(render(&ListPage {
        layout: Layout::new(&cu, "行政处罚信息公示", "/penalties"),
        rows,
        page,
        more,
        can_create: cu.actor.can(Resource::Penalty, Action::Create),
        office: cu.actor.roles.iter().any(|r| r.is_office()),
    }))
}

pub struct Opt {
    pub code: &'static str,
    pub label: &'static str,
}

#[derive(Template)]
#[template(path = "penalties/new.html")]
struct NewPage {
    layout: Layout,
    form: DecisionInput,
    errors: FieldErrors,
    kinds: Vec<Opt>,
}

impl NewPage {
    fn checked(&self, code: &str) -> bool {
        self.form.kinds.iter().any(|k| k == code)
    }
    fn lines(&self, v: &[String]) -> String {
        v.join("\n")
    }
}

fn new_form(cu: &CurrentUser, form: DecisionInput, errors: FieldErrors) -> PageResult {
    if !cu.actor.can(Resource::Penalty, Action::Create) {
        return Err(AppError::Forbidden.into());
    }
    Ok(render_status(
        form_status(&errors),
        &NewPage {
            layout: Layout::new(cu, "登记行政处罚决定", "/penalties"),
            form,
            errors,
            kinds: disclosure::PenaltyKind::ALL
                .iter()
                .map(|k| Opt {
                    code: k.code(),
                    label: k.label(),
                })
                .collect(),
        },
    ))
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FromCaseQuery {
    /// The concluded major case whose party and facts fill the decision.
    pub case_id: Option<String>,
}

/// The form, empty or filled from a concluded case (`?case_id=`); a case that cannot give its
/// data leaves the form empty with the reason against the case field.
async fn new_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    Query(q): Query<FromCaseQuery>,
) -> PageResult {
    let blank = DecisionInput {
        party_kind: "enterprise".into(),
        procedure: "general".into(),
        ..Default::default()
    };
    let Some(raw) = q.case_id.filter(|c| !c.trim().is_empty()) else {
        return new_form(&cu, blank, FieldErrors::new());
    };
    let filled = match crate::domain::text::id("case_id", "督办案件", &raw) {
        Ok(case_id) => store::from_case(&state.db, &cu.actor, case_id, cu.who.today()).await,
        Err(e) => Err(e.into()),
    };
    match filled {
        Ok(form) => new_form(&cu, form, FieldErrors::new()),
        Err(AppError::Validation(e)) => {
            let form = DecisionInput {
                case_id: Some(raw),
                ..blank
            };
            new_form(&cu, form, e)
        }
        Err(e) => Err(e.into()),
    }
}

/// A decision to be recorded, filled from a concluded major case: its party (a person's number
/// only for the case's lead unit) and facts. Nothing is written; send it, completed, to
/// `POST /api/v1/penalties`.
#[utoipa::path(get, path = "/api/v1/penalties/draft", tag = "penalties", params(FromCaseQuery),
    responses((status = 200, body = DecisionInput), (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_draft(
    State(state): State<SharedState>,
    u: ApiUser,
    Query(q): Query<FromCaseQuery>,
) -> AppResult<Json<DecisionInput>> {
    let case_id =
        crate::domain::text::id("case_id", "督办案件", q.case_id.as_deref().unwrap_or(""))?;
    Ok(Json(
        store::from_case(&state.db, &u.actor, case_id, u.who.today()).await?,
    ))
}

fn decision_from_pairs(pairs: &[(String, String)]) -> DecisionInput {
    let p = Pairs(pairs);
    let lines = |k: &str| -> Vec<String> {
        p.one(k)
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect()
    };
    DecisionInput {
        number: p.one("number"),
        case_id: p.opt("case_id"),
        party_kind: p.one("party_kind"),
        party_name: p.one("party_name"),
        party_code: p.one("party_code"),
        legal_representative: p.opt("legal_representative"),
        party_address: p.opt("party_address"),
        facts: p.one("facts"),
        provisions: p.one("provisions"),
        kinds: p.many("kinds"),
        fine: p.opt("fine"),
        confiscated: p.opt("confiscated"),
        penalty: p.one("penalty"),
        basis: p.one("basis"),
        procedure: p.one("procedure"),
        decided_on: p.one("decided_on"),
        other_persons: lines("other_persons"),
        trade_secrets: lines("trade_secrets"),
    }
}

async fn create_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let input = decision_from_pairs(&pairs);
    match store::create(
        &state.db,
        &state.calendar(),
        &CreditPeriods::configured(&state.config),
        &cu.actor,
        &cu.who,
        &input,
    )
    .await
    {
        Ok(id) => Ok(Redirect::to(&format!("/penalties/{id}?msg=created")).into_response()),
        Err(AppError::Validation(e)) => new_form(&cu, input, e),
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "penalties/show.html")]
struct ShowPage {
    layout: Layout,
    d: DecisionDetail,
    error: Option<String>,
    exemptions: Vec<Opt>,
    revocations: Vec<Opt>,
    fields: Vec<Opt>,
    /// 「编写典型案例」 from this decision, for the office (issue #22).
    typical_case: Option<String>,
}

impl ShowPage {
    fn can(&self, step: &str) -> bool {
        self.d.steps.iter().any(|s| s == step)
    }
    fn kinds_label(&self) -> String {
        self.d
            .decision
            .penalty_kinds()
            .iter()
            .map(|k| k.label())
            .collect::<Vec<_>>()
            .join("、")
    }
    fn yuan(&self, fen: &Option<i64>) -> String {
        fen.and_then(crate::domain::money::Fen::from_fen)
            .map(|f| format!("{}元", f.yuan_string()))
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
    let typical_case = crate::typical_cases::store::write_link(
        &state.db,
        &cu.actor,
        crate::typical_cases::model::SourceKind::Penalty,
        id,
        &d.decision.state,
        false,
    )
    .await?;
    Ok(render(&ShowPage {
        layout: Layout::new(cu, &d.decision.number, "/penalties").notice(msg),
        typical_case,
        d,
        error,
        exemptions: disclosure::Exemption::ALL
            .iter()
            .map(|e| Opt {
                code: e.code(),
                label: e.label(),
            })
            .collect(),
        revocations: disclosure::DecisionState::ALL
            .iter()
            .filter(|s| **s != disclosure::DecisionState::Effective)
            .map(|s| Opt {
                code: s.code(),
                label: s.label(),
            })
            .collect(),
        fields: super::redaction::Field::ALL
            .iter()
            .filter(|f| !f.never_redacted())
            .map(|f| Opt {
                code: f.code(),
                label: f.label(),
            })
            .collect(),
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

/// A step from the page's form: the review names at most one phrase to hide.
fn step_from_pairs(pairs: &[(String, String)]) -> AppResult<PenaltyStep> {
    let p = Pairs(pairs);
    let text = p.one("text");
    Ok(match p.one("step").as_str() {
        "review" => {
            let phrase = p.one("hide_phrase");
            let hide = if phrase.trim().is_empty() {
                Vec::new()
            } else {
                let field = serde_json::from_value(serde_json::Value::String(p.one("hide_field")))
                    .map_err(|_| {
                        AppError::field("hide", "invalid_choice", "请选择隐去内容所在的项目")
                    })?;
                vec![store::Hide { field, phrase }]
            };
            PenaltyStep::Review { hide, text }
        }
        "approve" => PenaltyStep::Approve { text },
        "return" => PenaltyStep::Return { text },
        "exempt" => PenaltyStep::Exempt {
            exemption: p.one("exemption"),
            text,
        },
        "revoke" => PenaltyStep::Revoke {
            decision_state: p.one("decision_state"),
            text,
        },
        "take_down" => PenaltyStep::TakeDown { text },
        _ => return Err(AppError::field("step", "invalid_choice", "请选择办理事项")),
    })
}

async fn step_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    IdPath(Id(id)): IdPath<Id>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let r = match step_from_pairs(&pairs) {
        Ok(input) => {
            store::run(
                &state.db,
                &state.calendar(),
                &CreditPeriods::configured(&state.config),
                &cu.actor,
                &cu.who,
                id,
                input,
            )
            .await
        }
        Err(e) => Err(e),
    };
    crate::web::page::after_step(r, &format!("/penalties/{id}?msg=saved"), |msg| {
        show(&state, &cu, id, None, Some(msg))
    })
    .await
}

// ---------------------------------------------------------------------------------------------
// The public pages.

#[derive(Template)]
#[template(path = "public/penalties.html")]
struct PublicListPage {
    title: &'static str,
    q: PublicSearch,
    errors: FieldErrors,
    rows: Vec<PublicRow>,
    page: i64,
    more: bool,
    /// The query string of the search, for the download and the next page.
    query: String,
}

impl PublicListPage {
    fn date(&self, d: &str) -> String {
        crate::calendar::date_zh(d)
    }
    fn value<'a>(&self, v: &'a Option<String>) -> &'a str {
        v.as_deref().unwrap_or("")
    }
}

fn query_string(q: &PublicSearch) -> String {
    let pairs = [
        ("q", &q.q),
        ("credit_code", &q.credit_code),
        ("region", &q.region),
        ("organ", &q.organ),
        ("from", &q.from),
        ("to", &q.to),
    ];
    let set: Vec<(&str, &str)> = pairs
        .into_iter()
        .filter_map(|(k, v)| Some((k, v.as_deref().filter(|v| !v.trim().is_empty())?)))
        .collect();
    serde_urlencoded::to_string(set).unwrap_or_default()
}

async fn public_list_page(
    State(state): State<SharedState>,
    Query(q): Query<PublicSearch>,
) -> PageResult {
    let page = crate::web::page::page_number(q.page.as_deref());
    let (rows, more, errors) = match q.query() {
        Ok(query) => {
            let w = Window::page(page, 20);
            let (rows, more) =
                w.cut(store::public_search(&state.db, state.clock.today(), &query, w).await?);
            (rows, more, FieldErrors::new())
        }
        Err(e) => (Vec::new(), false, e),
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let query = query_string(&q);
    Ok((
        status,
        render(&PublicListPage {
            title: "行政处罚信息公示",
            q,
            errors,
            rows,
            page,
            more,
            query,
        }),
    )
        .into_response())
}

/// The search's results as a workbook (at most 5,000 rows, newest first).
async fn public_xlsx_page(
    State(state): State<SharedState>,
    Query(q): Query<PublicSearch>,
) -> PageResult {
    let query = q.query()?;
    let rows = store::public_search(
        &state.db,
        state.clock.today(),
        &query,
        Window::first(EXPORT_ROWS - 1),
    )
    .await?;
    let bytes = workbook(&rows, state.clock.today())?;
    Ok(download(
        &format!("行政处罚信息公示_{}.xlsx", state.clock.today()),
        XLSX_MIME,
        bytes,
    ))
}

const EXPORT_ROWS: i64 = 5_000;

fn workbook(rows: &[PublicRow], today: chrono::NaiveDate) -> AppResult<Vec<u8>> {
    use rust_xlsxwriter::{Format, FormatBorder, Workbook};
    let xl = |e: rust_xlsxwriter::XlsxError| AppError::internal(format!("xlsx: {e}"));
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("行政处罚信息").map_err(xl)?;
    let title = Format::new().set_bold().set_font_size(14);
    let head = Format::new().set_bold().set_border(FormatBorder::Thin);
    let cell = Format::new().set_border(FormatBorder::Thin);
    ws.write_string_with_format(
        0,
        0,
        format!(
            "行政处罚信息公示（截至{}）",
            crate::calendar::date_zh(today)
        ),
        &title,
    )
    .map_err(xl)?;
    let headers = [
        "行政处罚决定书文号",
        "当事人名称",
        "统一社会信用代码",
        "处罚机关",
        "作出处罚决定的日期",
        "公示日期",
    ];
    for (c, h) in headers.iter().enumerate() {
        ws.write_string_with_format(2, c as u16, *h, &head)
            .map_err(xl)?;
        ws.set_column_width(c as u16, if c == 1 { 36 } else { 22 })
            .map_err(xl)?;
    }
    for (i, r) in rows.iter().enumerate() {
        let row = 3 + i as u32;
        let cols = [
            r.number.clone(),
            r.party_name.clone(),
            r.credit_code.clone().unwrap_or_default(),
            r.organ_name.clone(),
            crate::calendar::date_zh(&r.decided_on),
            crate::calendar::date_zh(&r.published_on),
        ];
        for (c, v) in cols.iter().enumerate() {
            ws.write_string_with_format(row, c as u16, v, &cell)
                .map_err(xl)?;
        }
    }
    wb.save_to_buffer().map_err(xl)
}

#[derive(Template)]
#[template(path = "public/penalty.html")]
struct PublicShowPage {
    title: &'static str,
    id: i64,
    view: PublicView,
}

async fn public_show_page(
    State(state): State<SharedState>,
    IdPath(Id(id)): IdPath<Id>,
) -> PageResult {
    let view = store::public_get(&state.db, state.clock.today(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(render(&PublicShowPage {
        title: "行政处罚信息",
        id,
        view,
    }))
}

/// A span of the publication as the reviewer sees it: the text, and what it was redacted as
/// (absent for text that will be public).
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = PenaltySegment)]
pub struct Segment {
    pub text: String,
    pub redacted_as: Option<String>,
}

/// One field of the publication: the public text and the original with the redactions marked.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = PenaltyPreviewField)]
pub struct PreviewField {
    pub field: String,
    pub label: String,
    pub public: String,
    pub segments: Vec<Segment>,
}

/// A decision with everything on its page.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = PenaltyDecisionDetail)]
pub struct DecisionDetail {
    #[serde(flatten)]
    pub decision: Decision,
    /// The party's resident ID, masked.
    pub resident_id: Option<String>,
    /// Exactly what will be (or was) public, with each redaction marked.
    pub publication: Vec<PreviewField>,
    pub events: Vec<store::EventRow>,
    pub deadlines: Vec<crate::deadline::store::Deadline>,
    /// Steps the reader may take now (codes).
    pub steps: Vec<String>,
    /// Its listings on the serious-violation list.
    pub listings: Vec<listing_store::Listing>,
    /// Objections from the public to its publication.
    pub objections: Vec<super::objection::Objection>,
    /// Whether the reader may start a listing from it now (the organ, an effective heavier
    /// penalty, none open): `null` when it may, else why not.
    pub listing_refused: Option<String>,
}

async fn detail(state: &SharedState, actor: &Actor, id: i64) -> AppResult<DecisionDetail> {
    let scope = store::read_scope(actor)?;
    let d = store::get(&state.db, &scope, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let today = state.clock.today();
    let steps = disclosure::available(
        d.publication_state()?,
        &actor.roles,
        store::standing(actor, &d, today),
    );
    let extras: Vec<store::Hide> = d
        .extra_redactions
        .as_deref()
        .and_then(|j| serde_json::from_str(j).ok())
        .unwrap_or_default();
    let publication = store::publication(&d, &extras)?
        .into_iter()
        .map(|r| PreviewField {
            field: r.field.code().to_string(),
            label: r.field.label().to_string(),
            public: r.public.clone(),
            segments: r
                .segments()
                .into_iter()
                .map(|(text, kind)| Segment {
                    text,
                    redacted_as: kind.map(|k: Kind| k.label().to_string()),
                })
                .collect(),
        })
        .collect();
    let listings = listing_store::for_decision(&state.db, &scope, id).await?;
    let open = listings
        .iter()
        .any(|l| matches!(l.state.as_str(), "notified" | "listed"));
    let may = super::listing::may_propose(
        actor.unit_id == d.organ_unit_id && actor.can(Resource::Penalty, Action::Create),
        d.decision()
            .unwrap_or(super::disclosure::DecisionState::Effective),
        &d.penalty_kinds(),
        // Whether the fine was aggravated is said when proposing; a fine may qualify.
        true,
    );
    let listing_refused = match (may, open) {
        (Err(e), _) => Some(e.to_string()),
        (Ok(()), true) => Some("已在列入程序中或已列入".to_string()),
        (Ok(()), false) => None,
    };
    Ok(DecisionDetail {
        objections: super::objection::for_record(
            &state.db,
            &super::objection::read_scope(actor)?,
            "penalty",
            id,
        )
        .await?,
        listings,
        listing_refused,
        resident_id: d.resident_id_masked(today),
        publication,
        events: store::events(&state.db, id).await?,
        deadlines: crate::deadline::store::for_record(&state.db.pool, store::RESOURCE, id).await?,
        steps: steps.iter().map(|s: &Step| s.code().to_string()).collect(),
        decision: d,
    })
}

#[derive(Deserialize, Default, Clone, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    pub page: Option<String>,
}

/// Penalty decisions the caller may read, newest first.
#[utoipa::path(get, path = "/api/v1/penalties", tag = "penalties", params(ListQuery),
    responses((status = 200, body = Page<Decision>), (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_list(
    State(state): State<SharedState>,
    u: ApiUser,
    Query(q): Query<ListQuery>,
) -> AppResult<Json<Page<Decision>>> {
    let scope = store::read_scope(&u.actor)?;
    let page = crate::web::page::page_number(q.page.as_deref());
    let w = Window::page(page, 20);
    let (items, more) = w.cut(store::list(&state.db, &scope, w).await?);
    Ok(Json(Page::of(items, page, more)))
}

/// Record a penalty decision of the caller's organ; its publication is generated and waits for
/// the secrecy review (or is recorded as outside the scope of publication).
#[utoipa::path(post, path = "/api/v1/penalties", tag = "penalties", request_body = DecisionInput,
    responses((status = 201, body = Created), (status = 422, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_create(
    State(state): State<SharedState>,
    u: ApiUser,
    ApiJson(input): ApiJson<DecisionInput>,
) -> AppResult<Response> {
    let id = store::create(
        &state.db,
        &state.calendar(),
        &CreditPeriods::configured(&state.config),
        &u.actor,
        &u.who,
        &input,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(Created { id })).into_response())
}

/// One decision with its publication as it will be public, its history and clocks.
#[utoipa::path(get, path = "/api/v1/penalties/{id}", tag = "penalties", params(("id" = i64, Path)),
    responses((status = 200, body = DecisionDetail), (status = 404, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_get(
    State(state): State<SharedState>,
    u: ApiUser,
    IdPath(Id(id)): IdPath<Id>,
) -> AppResult<Json<DecisionDetail>> {
    Ok(Json(detail(&state, &u.actor, id).await?))
}

/// Take a step: review, approve, return, exempt, record a revocation, take down.
#[utoipa::path(post, path = "/api/v1/penalties/{id}/steps", tag = "penalties", params(("id" = i64, Path)), request_body = PenaltyStep,
    responses((status = 204), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_step(
    State(state): State<SharedState>,
    u: ApiUser,
    IdPath(Id(id)): IdPath<Id>,
    crate::web::step::ApiStep(input): crate::web::step::ApiStep<PenaltyStep>,
) -> AppResult<StatusCode> {
    store::run(
        &state.db,
        &state.calendar(),
        &CreditPeriods::configured(&state.config),
        &u.actor,
        &u.who,
        id,
        input,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, Default, Clone, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct PublicSearch {
    /// The party's name in full (as registered).
    pub q: Option<String>,
    /// The unified social credit code, exactly.
    pub credit_code: Option<String>,
    /// A region code or its prefix (the deciding organ's).
    pub region: Option<String>,
    /// Part of the deciding organ's name.
    pub organ: Option<String>,
    /// Decided on or after (YYYY-MM-DD).
    pub from: Option<String>,
    /// Decided on or before (YYYY-MM-DD).
    pub to: Option<String>,
    pub page: Option<String>,
}

impl PublicSearch {
    fn query(&self) -> Result<PublicQuery, FieldErrors> {
        let mut e = FieldErrors::new();
        fn text(v: &Option<String>) -> Option<&str> {
            v.as_deref().map(str::trim).filter(|s| !s.is_empty())
        }
        let credit_code = text(&self.credit_code).and_then(|c| {
            e.take(crate::domain::credit_code::CreditCode::field(
                "credit_code",
                c,
            ))
            .map(|c| c.as_str().to_string())
        });
        let region = text(&self.region).and_then(|r| {
            if r.len() <= 6 && r.chars().all(|c| c.is_ascii_digit()) {
                Some(r.to_string())
            } else {
                e.add("region", "invalid_format", "地区代码应为不超过6位的数字");
                None
            }
        });
        let mut date = |field: &str, label: &str, v: &Option<String>| {
            text(v).and_then(|d| e.take(crate::domain::date::parse(field, label, d)))
        };
        let from = date("from", "起始日期", &self.from);
        let to = date("to", "截止日期", &self.to);
        let q = PublicQuery {
            text: text(&self.q).map(|s| s.chars().take(100).collect()),
            credit_code,
            region,
            organ: text(&self.organ).map(|s| s.chars().take(50).collect()),
            from,
            to,
        };
        e.into_result(|| q)
    }
}

/// Published penalty decisions, newest first (no account): of a party by its credit code or
/// its full name; without either, the other filters look through the newest 5,000
/// publications.
#[utoipa::path(get, path = "/api/v1/public/penalties", tag = "public", params(PublicSearch),
    responses((status = 200, body = Page<PublicRow>), (status = 422, body = crate::error::ErrorBody)))]
pub async fn api_public_search(
    State(state): State<SharedState>,
    Query(q): Query<PublicSearch>,
) -> AppResult<Json<Page<PublicRow>>> {
    let query = q.query()?;
    let page = crate::web::page::page_number(q.page.as_deref());
    let w = Window::page(page, 20);
    let (items, more) =
        w.cut(store::public_search(&state.db, state.clock.today(), &query, w).await?);
    Ok(Json(Page::of(items, page, more)))
}

/// One published decision as published, or "已撤下" once it came down; 404 for anything never
/// published.
#[utoipa::path(get, path = "/api/v1/public/penalties/{id}", tag = "public", params(("id" = i64, Path)),
    responses((status = 200, body = PublicView), (status = 404, body = crate::error::ErrorBody)))]
pub async fn api_public_get(
    State(state): State<SharedState>,
    IdPath(Id(id)): IdPath<Id>,
) -> AppResult<Json<PublicView>> {
    store::public_get(&state.db, state.clock.today(), id)
        .await?
        .map(Json)
        .ok_or(AppError::NotFound)
}

// ---------------------------------------------------------------------------------------------
// The serious-violation list.

/// A listing with everything on its page.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = CreditListingDetail)]
pub struct ListingDetail {
    #[serde(flatten)]
    pub listing: listing_store::Listing,
    pub persons: Vec<listing_store::Person>,
    pub events: Vec<listing_store::EventRow>,
    pub deadlines: Vec<crate::deadline::store::Deadline>,
    pub steps: Vec<String>,
    /// Objections from the public to the listing.
    pub objections: Vec<super::objection::Objection>,
}

async fn listing_detail(state: &SharedState, actor: &Actor, id: i64) -> AppResult<ListingDetail> {
    let scope = listing_store::read_scope(actor)?;
    let l = listing_store::get(&state.db, &scope, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let steps = super::listing::available(
        l.listing_state()?,
        &actor.roles,
        listing_store::standing(actor, &l, state.clock.today()),
    );
    Ok(ListingDetail {
        objections: super::objection::for_record(&state.db, &scope, "listing", id).await?,
        persons: listing_store::persons(&state.db, id).await?,
        events: listing_store::events(&state.db, id).await?,
        deadlines: crate::deadline::store::for_record(&state.db.pool, listing_store::RESOURCE, id)
            .await?,
        steps: steps.iter().map(|s| s.code().to_string()).collect(),
        listing: l,
    })
}

/// Start a listing on the serious-violation list from the organ's effective heavier penalty
/// decision: the party was told and has its window to state its case.
#[utoipa::path(post, path = "/api/v1/listings", tag = "penalties", request_body = ListingInput,
    responses((status = 201, body = Created), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_listing_propose(
    State(state): State<SharedState>,
    u: ApiUser,
    ApiJson(input): ApiJson<ListingInput>,
) -> AppResult<Response> {
    let id = listing_store::propose(
        &state.db,
        &state.calendar(),
        &CreditPeriods::configured(&state.config),
        &u.actor,
        &u.who,
        &input,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(Created { id })).into_response())
}

/// One listing with its linked persons (resident IDs never shown), history and clocks.
#[utoipa::path(get, path = "/api/v1/listings/{id}", tag = "penalties", params(("id" = i64, Path)),
    responses((status = 200, body = ListingDetail), (status = 404, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_listing_get(
    State(state): State<SharedState>,
    u: ApiUser,
    IdPath(Id(id)): IdPath<Id>,
) -> AppResult<Json<ListingDetail>> {
    Ok(Json(listing_detail(&state, &u.actor, id).await?))
}

/// Take a step on a listing: the party's statement, the decision to list or not, credit
/// repair, removal when expired, revocation.
#[utoipa::path(post, path = "/api/v1/listings/{id}/steps", tag = "penalties", params(("id" = i64, Path)), request_body = ListingStep,
    responses((status = 204), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_listing_step(
    State(state): State<SharedState>,
    u: ApiUser,
    IdPath(Id(id)): IdPath<Id>,
    crate::web::step::ApiStep(input): crate::web::step::ApiStep<ListingStep>,
) -> AppResult<StatusCode> {
    listing_store::run(
        &state.db,
        &state.calendar(),
        &CreditPeriods::configured(&state.config),
        &u.actor,
        &u.who,
        id,
        input,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn propose_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    IdPath(Id(id)): IdPath<Id>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let p = Pairs(&pairs);
    let mut persons = Vec::new();
    for (role, name, rid) in [
        ("legal_representative", "lr_name", "lr_resident_id"),
        ("responsible", "resp_name", "resp_resident_id"),
    ] {
        if !p.one(name).trim().is_empty() {
            persons.push(listing_store::PersonInput {
                role: role.into(),
                name: p.one(name),
                resident_id: p.opt(rid),
            });
        }
    }
    let input = ListingInput {
        decision_id: id.to_string(),
        aggravated_fine: p.one("aggravated_fine") == "1",
        reasons: p.one("reasons"),
        notified_on: p.one("notified_on"),
        persons,
    };
    let r = listing_store::propose(
        &state.db,
        &state.calendar(),
        &CreditPeriods::configured(&state.config),
        &cu.actor,
        &cu.who,
        &input,
    )
    .await;
    match r {
        Ok(lid) => Ok(Redirect::to(&format!("/listings/{lid}?msg=created")).into_response()),
        Err(e) => {
            crate::web::page::after_step(Err::<(), _>(e), "", |msg| {
                show(&state, &cu, id, None, Some(msg))
            })
            .await
        }
    }
}

#[derive(Template)]
#[template(path = "penalties/listing.html")]
struct ListingPage {
    layout: Layout,
    d: ListingDetail,
    error: Option<String>,
    today: chrono::NaiveDate,
}

async fn listing_show(
    state: &SharedState,
    cu: &CurrentUser,
    id: i64,
    msg: Option<&str>,
    error: Option<String>,
) -> PageResult {
    let d = listing_detail(state, &cu.actor, id).await?;
    Ok(render(&ListingPage {
        layout: Layout::new(
            cu,
            &format!("严重违法失信名单：{}", d.listing.party_name),
            "/penalties",
        )
        .notice(msg),
        d,
        error,
        today: state.clock.today(),
    }))
}

async fn listing_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    IdPath(Id(id)): IdPath<Id>,
    Query(q): Query<MsgQuery>,
) -> PageResult {
    listing_show(&state, &cu, id, q.msg.as_deref(), None).await
}

async fn listing_step_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    IdPath(Id(id)): IdPath<Id>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let p = Pairs(&pairs);
    let r = match serde_json::from_value::<super::listing::Step>(serde_json::Value::String(
        p.one("step"),
    )) {
        Ok(step) => {
            listing_store::run(
                &state.db,
                &state.calendar(),
                &CreditPeriods::configured(&state.config),
                &cu.actor,
                &cu.who,
                id,
                ListingStep {
                    step,
                    text: p.one("text"),
                    hearing: p.one("hearing") == "1",
                },
            )
            .await
        }
        Err(_) => Err(AppError::field("step", "invalid_choice", "请选择办理事项")),
    };
    crate::web::page::after_step(r, &format!("/listings/{id}?msg=saved"), |msg| {
        listing_show(&state, &cu, id, None, Some(msg))
    })
    .await
}

#[derive(Deserialize, Default, Clone, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct ListingSearch {
    /// The party's name in full (as registered).
    pub q: Option<String>,
    /// The unified social credit code, exactly.
    pub credit_code: Option<String>,
    pub page: Option<String>,
}

impl ListingSearch {
    fn parsed(&self) -> Result<(Option<String>, Option<String>), FieldErrors> {
        let code = match self.credit_code.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(c) => Some(
                crate::domain::credit_code::CreditCode::field("credit_code", c)
                    .map_err(|e| FieldErrors(vec![e]))?
                    .as_str()
                    .to_string(),
            ),
        };
        let name = self
            .q
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| s.chars().take(100).collect());
        Ok((code, name))
    }
}

/// Enterprises on the serious-violation list now, by credit code or full name (no account).
#[utoipa::path(get, path = "/api/v1/public/listings", tag = "public", params(ListingSearch),
    responses((status = 200, body = Page<listing_store::PublicRow>), (status = 422, body = crate::error::ErrorBody)))]
pub async fn api_public_listings(
    State(state): State<SharedState>,
    Query(q): Query<ListingSearch>,
) -> AppResult<Json<Page<listing_store::PublicRow>>> {
    let (code, name) = q.parsed()?;
    let page = crate::web::page::page_number(q.page.as_deref());
    let w = Window::page(page, 20);
    let (items, more) = w.cut(
        listing_store::public_search(
            &state.db,
            state.clock.today(),
            code.as_deref(),
            name.as_deref(),
            w,
        )
        .await?,
    );
    Ok(Json(Page::of(items, page, more)))
}

#[derive(Template)]
#[template(path = "public/listings.html")]
struct PublicListingsPage {
    title: &'static str,
    q: ListingSearch,
    errors: FieldErrors,
    rows: Vec<listing_store::PublicRow>,
    searched: bool,
}

impl PublicListingsPage {
    fn value<'a>(&self, v: &'a Option<String>) -> &'a str {
        v.as_deref().unwrap_or("")
    }
}

async fn public_listings_page(
    State(state): State<SharedState>,
    Query(q): Query<ListingSearch>,
) -> PageResult {
    let searched = q.q.as_deref().is_some_and(|s| !s.trim().is_empty())
        || q.credit_code
            .as_deref()
            .is_some_and(|s| !s.trim().is_empty());
    let (rows, errors) = match q.parsed() {
        Ok((code, name)) if searched => (
            listing_store::public_search(
                &state.db,
                state.clock.today(),
                code.as_deref(),
                name.as_deref(),
                Window::first(50),
            )
            .await?,
            FieldErrors::new(),
        ),
        Ok(_) => (Vec::new(), FieldErrors::new()),
        Err(e) => (Vec::new(), e),
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((
        status,
        render(&PublicListingsPage {
            title: "严重违法失信名单查询",
            q,
            errors,
            rows,
            searched,
        }),
    )
        .into_response())
}
