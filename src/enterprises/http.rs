//! The enterprise record's pages and API: the lookup by credit code (`/enterprises`), the
//! record (`/enterprises/{code}`) and the same record as JSON (`/api/v1/enterprises/{code}`).

use askama::Template;
use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect};
use axum::routing::get;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::NOTHING_FOUND;
use super::store::{self, Record};
use crate::domain::FieldErrors;
use crate::domain::credit_code::CreditCode;
use crate::error::{AppError, AppResult};
use crate::web::SharedState;
use crate::web::extract::{ApiUser, CurrentUser, IdPath, Query};
use crate::web::page::{Layout, PageResult, form_status, render, render_status};

pub fn routes() -> OpenApiRouter<SharedState> {
    OpenApiRouter::new()
        .route("/enterprises", get(lookup_page))
        .route("/enterprises/{code}", get(show_page))
        .routes(routes!(api_get))
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
    let r = store::record(&state.db, &cu.actor, &code).await?;
    Ok(render(&ShowPage {
        layout: Layout::new(&cu, &format!("企业诚信档案 {code}"), "/enterprises"),
        r,
        nothing_found: NOTHING_FOUND,
    }))
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
