//! The API of an office's choice of issuing organ per kind of document (`issuers`): read by the
//! office, set by its director. Merged into the router by `web::routes()` with
//! `.merge(crate::documents::http::routes())`.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::issuers::{self, Issuers, Kind};
use crate::access::Actor;
use crate::error::{AppError, AppResult};
use crate::web::SharedState;
use crate::web::extract::{ApiJson, ApiUser};

pub fn routes() -> OpenApiRouter<SharedState> {
    OpenApiRouter::new().routes(routes!(api_issuers, api_issuers_put))
}

/// Who issues one kind of the office's documents.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = DocumentIssuer)]
pub struct IssuerRow {
    /// supervision_letter, case_circular, leader_report, circular, briefing, group_minutes,
    /// liaison_minutes, inspection_report, typical_case
    pub kind: String,
    /// The kind as officials name it (督办函).
    pub label: String,
    /// The sequence character of its number (督).
    pub series: String,
    /// group or office: the organ whose header and number prefix the kind carries.
    pub organ: String,
    /// The organ when the office has not chosen, and the rule it follows.
    pub default_organ: String,
    pub clause: String,
    /// The office chose the organ itself.
    pub own: bool,
}

fn rows(chosen: &Issuers) -> Vec<IssuerRow> {
    Kind::ALL
        .iter()
        .map(|k| {
            let (default, clause) = k.default_organ();
            IssuerRow {
                kind: k.code().to_string(),
                label: k.label().to_string(),
                series: k.series().to_string(),
                organ: chosen.organ(*k).code().to_string(),
                default_organ: default.code().to_string(),
                clause: crate::domain::citation::cite(clause),
                own: chosen.own.contains_key(k),
            }
        })
        .collect()
}

/// The office's own choices; 403 outside a leading-group office.
async fn read(state: &SharedState, actor: &Actor) -> AppResult<Vec<IssuerRow>> {
    if !actor.roles.iter().any(|r| r.is_office()) {
        return Err(AppError::Forbidden);
    }
    Ok(rows(
        &issuers::of_office(&state.db.pool, actor.unit_id).await?,
    ))
}

/// Which organ (the leading group or its office) issues each kind of the caller's office's
/// documents: its red header and its number prefix (GB/T 9704-2012 7.2.1, 7.2.4).
#[utoipa::path(get, path = "/api/v1/documents/issuers", tag = "drafts",
    responses((status = 200, body = Vec<IssuerRow>), (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_issuers(
    State(state): State<SharedState>,
    u: ApiUser,
) -> AppResult<Json<Vec<IssuerRow>>> {
    Ok(Json(read(&state, &u.actor).await?))
}

/// The office director chooses, kind by kind (`{"circular": "office"}`), which organ issues
/// his office's documents; kinds not named keep their choice. Numbers already issued keep
/// theirs.
#[utoipa::path(put, path = "/api/v1/documents/issuers", tag = "drafts",
    request_body = BTreeMap<String, String>,
    responses((status = 200, body = Vec<IssuerRow>), (status = 400, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_issuers_put(
    State(state): State<SharedState>,
    u: ApiUser,
    ApiJson(input): ApiJson<BTreeMap<String, String>>,
) -> AppResult<Json<Vec<IssuerRow>>> {
    let input: serde_json::Map<String, serde_json::Value> = input
        .into_iter()
        .map(|(k, v)| (k, serde_json::Value::String(v)))
        .collect();
    let chosen = issuers::set(&state.db, &u.actor, &u.who, &input).await?;
    Ok(Json(rows(&chosen)))
}
