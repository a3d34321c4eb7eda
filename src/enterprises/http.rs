//! The enterprise record's pages and API: the lookup by credit code (`/enterprises`), the
//! record (`/enterprises/{code}`) and the same record as JSON (`/api/v1/enterprises/{code}`).
//! The person's record: the lookup form (`GET /persons`), the record (`POST /persons`) and the
//! same record as JSON (`POST /api/v1/persons/record`). A resident ID travels only in a POST
//! body, never in a URL (which the request log and the browser's history keep), and is not
//! echoed back into the form: the page and the answer carry it masked.

use askama::Template;
use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::store::{self, PersonRecord, Record};
use super::{NOTHING_FOUND, PERSON_NOTHING_FOUND};
use crate::domain::FieldErrors;
use crate::domain::credit_code::CreditCode;
use crate::domain::resident_id::ResidentId;
use crate::error::{AppError, AppResult};
use crate::web::SharedState;
use crate::web::extract::{ApiJson, ApiUser, CsrfForm, CurrentUser, IdPath, Query};
use crate::web::page::{Layout, PageResult, form_status, render, render_status};

pub fn routes() -> OpenApiRouter<SharedState> {
    OpenApiRouter::new()
        .route("/enterprises", get(lookup_page))
        .route("/enterprises/{code}", get(show_page))
        .route("/enterprises/{code}/match", post(match_page))
        .route("/persons", get(person_form_page).post(person_page))
        .routes(routes!(api_get))
        .routes(routes!(api_match))
        .routes(routes!(api_person))
}

/// The field the code is read from, in the form and (as the path parameter) in the API.
const FIELD: &str = "code";

#[derive(Deserialize, Default)]
struct LookupQuery {
    code: Option<String>,
}

#[derive(Template)]
#[template(path = "enterprises/lookup.html")]
struct LookupPage {
    layout: Layout,
    code: String,
    errors: FieldErrors,
}

fn lookup_form(cu: &CurrentUser, code: String, errors: FieldErrors) -> PageResult {
    Ok(render_status(
        form_status(&errors),
        &LookupPage {
            layout: Layout::new(cu, "企业诚信档案", "/enterprises"),
            code,
            errors,
        },
    ))
}

/// The lookup form; with a code, the record of a well-formed one, or the form again with what
/// is wrong with it (422).
async fn lookup_page(cu: CurrentUser, Query(q): Query<LookupQuery>) -> PageResult {
    if !store::may_read(&cu.actor) {
        return Err(AppError::Forbidden.into());
    }
    let Some(raw) = q.code else {
        return lookup_form(&cu, String::new(), FieldErrors::new());
    };
    match CreditCode::field(FIELD, &raw) {
        Ok(code) => Ok(Redirect::to(&format!("/enterprises/{code}")).into_response()),
        Err(e) => lookup_form(&cu, raw, FieldErrors(vec![e])),
    }
}

#[derive(Template)]
#[template(path = "enterprises/show.html")]
struct ShowPage {
    layout: Layout,
    r: Record,
    nothing_found: &'static str,
    error: Option<String>,
}

async fn show_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    IdPath(raw): IdPath<String>,
) -> PageResult {
    if !store::may_read(&cu.actor) {
        return Err(AppError::Forbidden.into());
    }
    let code = match CreditCode::field(FIELD, &raw) {
        Ok(code) => code,
        Err(e) => return lookup_form(&cu, raw, FieldErrors(vec![e])),
    };
    show(&state, &cu, &code, None, None).await
}

async fn show(
    state: &SharedState,
    cu: &CurrentUser,
    code: &CreditCode,
    msg: Option<&str>,
    error: Option<String>,
) -> PageResult {
    let r = store::record(&state.db, &cu.actor, code).await?;
    Ok(render(&ShowPage {
        layout: Layout::new(cu, &format!("企业诚信档案 {code}"), "/enterprises").notice(msg),
        r,
        nothing_found: NOTHING_FOUND,
        error,
    }))
}

/// The office matches a report that names the party without a code (its form's button).
async fn match_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    IdPath(raw): IdPath<String>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let code = CreditCode::field(FIELD, &raw)?;
    let report = crate::web::form::Pairs(&pairs).one("report_id");
    let r = match crate::domain::text::id("report_id", "举报投诉", &report) {
        Ok(id) => store::match_report(&state.db, &cu.actor, &cu.who, &code, id).await,
        Err(e) => Err(e.into()),
    };
    crate::web::page::after_step(r, &format!("/enterprises/{code}"), |msg| {
        show(&state, &cu, &code, None, Some(msg))
    })
    .await
}

/// What the office matches to the record.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[schema(as = EnterpriseMatch)]
#[serde(deny_unknown_fields)]
pub struct MatchInput {
    /// A public report that names the party without a credit code (one of the record's
    /// `suggestions`).
    #[serde(deserialize_with = "crate::web::step::id_text")]
    #[schema(value_type = i64)]
    pub report_id: String,
}

/// Match a public report that names the party only by name to this record (the office, on the
/// record's suggestion; once per report).
#[utoipa::path(post, path = "/api/v1/enterprises/{code}/matches", tag = "enterprises",
    params(("code" = String, Path, description = "统一社会信用代码 (GB 32100)")),
    request_body = MatchInput,
    responses((status = 204), (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_match(
    State(state): State<SharedState>,
    u: ApiUser,
    IdPath(raw): IdPath<String>,
    ApiJson(input): ApiJson<MatchInput>,
) -> AppResult<axum::http::StatusCode> {
    let code = CreditCode::field(FIELD, &raw)?;
    let id = crate::domain::text::id("report_id", "举报投诉", &input.report_id)?;
    store::match_report(&state.db, &u.actor, &u.who, &code, id).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

/// The record of the enterprise with this 统一社会信用代码, each section within the caller's
/// data scope (null for a kind of record the caller may not read); an empty record when
/// nothing in scope names the code. A malformed code: 422 naming `code`.
#[utoipa::path(get, path = "/api/v1/enterprises/{code}", tag = "enterprises",
    params(("code" = String, Path, description = "统一社会信用代码 (GB 32100)")),
    responses((status = 200, body = Record)),
    security(("bearer" = [])))]
pub async fn api_get(
    State(state): State<SharedState>,
    u: ApiUser,
    IdPath(raw): IdPath<String>,
) -> AppResult<Json<Record>> {
    if !store::may_read(&u.actor) {
        return Err(AppError::Forbidden);
    }
    let code = CreditCode::field(FIELD, &raw)?;
    Ok(Json(store::record(&state.db, &u.actor, &code).await?))
}

/// The field the resident ID is read from, in the form and in the API's body.
const PERSON_FIELD: &str = "resident_id";

#[derive(Template)]
#[template(path = "enterprises/person_lookup.html")]
struct PersonLookupPage {
    layout: Layout,
    errors: FieldErrors,
}

/// The person lookup form, with what is wrong with the number sent (422); the number itself is
/// never written back into the form.
fn person_form(cu: &CurrentUser, errors: FieldErrors) -> PageResult {
    Ok(render_status(
        form_status(&errors),
        &PersonLookupPage {
            layout: Layout::new(cu, "个人诚信档案", "/persons"),
            errors,
        },
    ))
}

async fn person_form_page(cu: CurrentUser) -> PageResult {
    if !store::may_read_person(&cu.actor) {
        return Err(AppError::Forbidden.into());
    }
    person_form(&cu, FieldErrors::new())
}

#[derive(Template)]
#[template(path = "enterprises/person.html")]
struct PersonPage {
    layout: Layout,
    r: PersonRecord,
    nothing_found: &'static str,
}

/// The record of the resident ID posted (audited), or the form again naming what is wrong
/// with it.
async fn person_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    if !store::may_read_person(&cu.actor) {
        return Err(AppError::Forbidden.into());
    }
    let raw = crate::web::form::Pairs(&pairs).one(PERSON_FIELD);
    let id = match ResidentId::field(PERSON_FIELD, &raw, cu.who.today()) {
        Ok(id) => id,
        Err(e) => return person_form(&cu, FieldErrors(vec![e])),
    };
    lookup_turn(&state, &cu.actor)?;
    let r = store::person_lookup(&state.db, &cu.actor, &cu.who, &id).await?;
    Ok(render(&PersonPage {
        layout: Layout::new(&cu, &format!("个人诚信档案 {}", r.resident_id), "/persons"),
        r,
        nothing_found: PERSON_NOTHING_FOUND,
    }))
}

/// One more lookup of a person's record by this user, within the hour's budget (429 beyond).
fn lookup_turn(state: &SharedState, actor: &crate::access::Actor) -> AppResult<()> {
    if state
        .person_lookup_limiter
        .try_begin(&format!("user:{}", actor.user_id))
    {
        Ok(())
    } else {
        Err(AppError::TooManyRequests)
    }
}

/// Whose record is asked for.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[schema(as = PersonLookup)]
#[serde(deny_unknown_fields)]
pub struct PersonLookupInput {
    /// The person's 居民身份证号码 (18 characters, GB 11643). Sent in the body only, never in a
    /// URL; the answer carries it masked.
    #[serde(default, deserialize_with = "text_only")]
    pub resident_id: String,
}

/// A string, or a refusal that does not repeat the value sent (a number sent for the resident
/// ID would otherwise come back in the error message).
fn text_only<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    match serde_json::Value::deserialize(d)? {
        serde_json::Value::String(s) => Ok(s),
        serde_json::Value::Null => Ok(String::new()),
        _ => Err(serde::de::Error::custom("resident_id 须为字符串")),
    }
}

/// The record of the person with this resident ID (个人诚信档案), each section within the
/// caller's data scope (null for a kind of record the caller may not read); an empty record
/// when nothing in scope names the person. The number is sent in the body and answered masked;
/// each lookup is audited with the masked number. A malformed number: 422 naming
/// `resident_id` (`required`, `invalid_format`, `invalid_checksum`). At most 30 lookups an hour
/// per reader (429 beyond).
#[utoipa::path(post, path = "/api/v1/persons/record", tag = "enterprises",
    request_body = PersonLookupInput,
    responses((status = 200, body = PersonRecord), (status = 403, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody), (status = 429, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_person(
    State(state): State<SharedState>,
    u: ApiUser,
    ApiJson(input): ApiJson<PersonLookupInput>,
) -> AppResult<Json<PersonRecord>> {
    if !store::may_read_person(&u.actor) {
        return Err(AppError::Forbidden);
    }
    let id = ResidentId::field(PERSON_FIELD, &input.resident_id, u.who.today())?;
    lookup_turn(&state, &u.actor)?;
    Ok(Json(
        store::person_lookup(&state.db, &u.actor, &u.who, &id).await?,
    ))
}
