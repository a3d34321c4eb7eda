//! Deadline pages and API: every deadline explains itself (clause, start, rule, skipped
//! holidays, suspensions, extensions) and shows its history.

use askama::Template;
use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::store::{self, Change, Deadline, Event};
use crate::access::{Action, Resource};
use crate::calendar::http::{parse_amount, parse_date};
use crate::domain::{FieldErrors, text};
use crate::error::{AppError, AppResult};
use crate::web::SharedState;
use crate::web::extract::{ApiUser, CsrfForm, CurrentUser, Id, IdPath, Query};
use crate::web::page::{Layout, PageResult, non_empty, page_number, render};

pub fn routes() -> OpenApiRouter<SharedState> {
    OpenApiRouter::new()
        .route("/deadlines", get(list_page))
        .route("/deadlines/{id}", get(show_page))
        .route("/deadlines/{id}/change", post(change_page))
        .routes(routes!(api_list))
        .routes(routes!(api_get))
}

/// A day of the period filter; one that is not a date filters nothing.
fn day(raw: &Option<String>) -> Option<chrono::NaiveDate> {
    raw.as_deref()
        .and_then(|d| chrono::NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").ok())
}

fn state_filter(raw: &Option<String>) -> Option<String> {
    non_empty(raw).filter(|s| {
        matches!(
            s.as_str(),
            "open" | "met" | "on_time" | "late" | "missed" | "waived"
        )
    })
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// open / met (on_time or late) / on_time / late (met after its due date) / missed / waived
    state: Option<String>,
    /// One owner unit's clocks only (its id).
    unit: Option<String>,
    /// Clocks started on or after this day (YYYY-MM-DD).
    from: Option<String>,
    /// Clocks started on or before this day (YYYY-MM-DD).
    to: Option<String>,
    page: Option<String>,
    #[serde(default)]
    #[param(ignore)]
    msg: Option<String>,
}

#[derive(Template)]
#[template(path = "deadlines/list.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<Deadline>,
    state: String,
    /// The owner unit and start period filtered on, if any (kept in the form).
    unit: String,
    from: String,
    to: String,
    total: i64,
    page: i64,
    pages: i64,
}

async fn list_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    Query(q): Query<ListQuery>,
) -> PageResult {
    let scope = cu.actor.require(Resource::Deadline, Action::Read)?;
    let page = page_number(q.page.as_deref());
    let f = store::Filter {
        state: state_filter(&q.state),
        unit_id: q.unit.as_deref().and_then(|u| u.trim().parse().ok()),
        started_from: day(&q.from),
        started_to: day(&q.to),
    };
    let (rows, total) = store::list(&state.db, &scope, &f, page).await?;
    Ok(render(&ListPage {
        layout: Layout::new(&cu, "期限", "/deadlines").notice(q.msg.as_deref()),
        rows,
        state: f.state.unwrap_or_default(),
        unit: f.unit_id.map(|u| u.to_string()).unwrap_or_default(),
        from: f.started_from.map(|d| d.to_string()).unwrap_or_default(),
        to: f.started_to.map(|d| d.to_string()).unwrap_or_default(),
        total,
        page,
        pages: (total + store::PAGE_SIZE - 1) / store::PAGE_SIZE,
    }))
}

#[derive(Template)]
#[template(path = "deadlines/show.html")]
struct ShowPage {
    layout: Layout,
    d: Deadline,
    explanation: String,
    events: Vec<Event>,
    can_update: bool,
    can_decide: bool,
    error: Option<String>,
    today: String,
}

async fn show(
    state: &SharedState,
    cu: &CurrentUser,
    id: i64,
    msg: Option<&str>,
    error: Option<String>,
) -> PageResult {
    let scope = cu.actor.require(Resource::Deadline, Action::Read)?;
    let d = store::get(&state.db, &scope, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let explanation = d.explanation(&state.calendar())?;
    let open = d.state == "open" || d.state == "missed";
    let status = if error.is_some() {
        axum::http::StatusCode::CONFLICT
    } else {
        axum::http::StatusCode::OK
    };
    let events = store::events(&state.db, id).await?;
    let page = ShowPage {
        layout: Layout::new(cu, &d.purpose, "/deadlines").step_notice(
            msg,
            &cu.who.name,
            state.clock.now(),
            events
                .iter()
                .map(|e| (e.actor_name.as_str(), e.at.as_str(), e.detail.as_str())),
        ),
        explanation,
        events,
        can_update: open && cu.actor.can(Resource::Deadline, Action::Update),
        can_decide: d.state == "open" && cu.actor.can(Resource::Deadline, Action::Decide),
        error,
        today: state.clock.today().to_string(),
        d,
    };
    Ok(crate::web::page::render_status(status, &page))
}

async fn show_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    IdPath(Id(id)): IdPath<Id>,
    Query(q): Query<ListQuery>,
) -> PageResult {
    show(&state, &cu, id, q.msg.as_deref(), None).await
}

#[derive(Deserialize, Default)]
pub struct ChangeForm {
    #[serde(default)]
    op: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    reason: String,
}

fn parse_change(f: &ChangeForm) -> AppResult<Change> {
    let mut e = FieldErrors::new();
    let reason = |e: &mut FieldErrors| e.take(text::required("reason", "理由", &f.reason, 200));
    let change = match f.op.as_str() {
        "suspend" => {
            let from = e.take(parse_date("date", &f.date));
            let reason = reason(&mut e);
            from.zip(reason)
                .map(|(from, reason)| Change::Suspend { from, reason })
        }
        "resume" => e
            .take(parse_date("date", &f.date))
            .map(|last_day| Change::Resume { last_day }),
        "extend" => {
            let extra = e.take(parse_amount("amount", &f.amount));
            let reason = reason(&mut e);
            extra
                .zip(reason)
                .map(|(extra, reason)| Change::Extend { extra, reason })
        }
        "met" => e
            .take(parse_date("date", &f.date))
            .map(|on| Change::Met { on }),
        "waive" => reason(&mut e).map(|reason| Change::Waive { reason }),
        _ => {
            e.add("op", "invalid_choice", "未知的操作");
            None
        }
    };
    match change {
        Some(c) if e.is_empty() => Ok(c),
        _ => Err(e.into()),
    }
}

async fn change_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    IdPath(Id(id)): IdPath<Id>,
    CsrfForm(form): CsrfForm<ChangeForm>,
) -> PageResult {
    let result = match parse_change(&form) {
        Ok(c) => store::change(&state.db, &state.calendar(), &cu.actor, &cu.who, id, c).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/deadlines/{id}?msg=saved")).into_response()),
        Err(e @ (AppError::Conflict { .. } | AppError::Validation(_))) => {
            let msg = match &e {
                AppError::Validation(f) => {
                    f.0.iter()
                        .map(|x| x.message.clone())
                        .collect::<Vec<_>>()
                        .join("；")
                }
                other => other.to_string(),
            };
            show(&state, &cu, id, None, Some(msg)).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct DeadlineDetail {
    #[serde(flatten)]
    pub deadline: Deadline,
    /// How the due date was computed, in Chinese.
    pub explanation: String,
    pub events: Vec<Event>,
}

/// Deadlines whose owner unit is in the caller's scope; overdue first.
#[utoipa::path(get, path = "/api/v1/deadlines", tag = "deadlines", params(ListQuery),
    responses((status = 200, body = crate::web::extract::Page<Deadline>), (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_list(
    State(state): State<SharedState>,
    u: ApiUser,
    Query(q): Query<ListQuery>,
) -> AppResult<Json<crate::web::extract::Page<Deadline>>> {
    let scope = u.actor.require(Resource::Deadline, Action::Read)?;
    let page = page_number(q.page.as_deref());
    let f = store::Filter {
        state: state_filter(&q.state),
        unit_id: q.unit.as_deref().and_then(|u| u.trim().parse().ok()),
        started_from: day(&q.from),
        started_to: day(&q.to),
    };
    let (items, total) = store::list(&state.db, &scope, &f, page).await?;
    Ok(Json(crate::web::extract::Page::counted(
        items,
        page,
        store::PAGE_SIZE,
        total,
    )))
}

/// One deadline with its explanation and history.
#[utoipa::path(get, path = "/api/v1/deadlines/{id}", tag = "deadlines", params(("id" = i64, Path)),
    responses((status = 200, body = DeadlineDetail), (status = 404, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_get(
    State(state): State<SharedState>,
    u: ApiUser,
    IdPath(Id(id)): IdPath<Id>,
) -> AppResult<Json<DeadlineDetail>> {
    let scope = u.actor.require(Resource::Deadline, Action::Read)?;
    let d = store::get(&state.db, &scope, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let explanation = d.explanation(&state.calendar())?;
    Ok(Json(DeadlineDetail {
        events: store::events(&state.db, id).await?,
        explanation,
        deadline: d,
    }))
}
