//! Task pages and API: the list (overdue first, then by time limit), assignment by the office,
//! the task page with its reports, evidence, clock and the steps the viewer may take.

use askama::Template;
use axum::Json;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

use super::flow::{self, Source, Step, TaskState};
use super::model::TaskInput;
use super::store::{self, Task};
use crate::access::{Action, Actor, Resource};
use crate::domain::FieldErrors;
use crate::error::{AppError, AppResult};
use crate::web::SharedState;
use crate::web::extract::{ApiJson, ApiUser, Created, CsrfForm, CurrentUser, Id, IdPath, Query};
use crate::web::files::{UPLOAD_BODY_LIMIT, download, read_upload};
use crate::web::filter::{FilterParser, rows_or_errors};
use crate::web::form::Pairs;
use crate::web::page::MsgQuery;
use crate::web::page::form_status;
use crate::web::page::{Layout, PageResult, non_empty, page_number, render, render_status};

pub fn routes() -> OpenApiRouter<SharedState> {
    OpenApiRouter::new()
        .route("/tasks", get(list_page))
        .route("/tasks/new", get(new_page).post(create_page))
        .route("/tasks/{id}", get(show_page))
        .route("/tasks/{id}/step", post(step_page))
        .route(
            "/tasks/{id}/attachments",
            post(attach_page).layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)),
        )
        .route("/tasks/{id}/attachments/{aid}", get(attachment_page))
        .routes(routes!(api_list, api_create))
        .routes(routes!(api_get))
        .routes(routes!(api_step))
        .routes(routes!(api_attach).layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)))
}

pub struct Opt {
    pub code: &'static str,
    pub label: &'static str,
}

#[derive(Deserialize, Default, Clone, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    pub state: Option<String>,
    pub lead_unit_id: Option<String>,
    /// `1` for tasks past their time limit.
    pub overdue: Option<String>,
    pub q: Option<String>,
    pub page: Option<String>,
    /// One source (`decided_item`, …).
    pub source: Option<String>,
    /// How the time limit stands: `on_time`, `late` (done after it), `missed`, `running` or
    /// `waived` (the deadline domain's definition).
    pub timeliness: Option<String>,
    /// Assigned on or after this day (YYYY-MM-DD).
    pub from: Option<String>,
    /// Assigned on or before this day (YYYY-MM-DD).
    pub to: Option<String>,
}

impl ListQuery {
    /// The typed filter, or what is wrong with each malformed parameter.
    fn filter(&self) -> Result<store::Filter, FieldErrors> {
        let mut p = FilterParser::default();
        let from = p.date("from", &self.from);
        let to = p.date("to", &self.to);
        let (assigned_from, assigned_to) = p.range("to", from, to);
        let filter = store::Filter {
            state: p.choice("state", &self.state, TaskState::parse),
            lead_unit_id: p.id("lead_unit_id", &self.lead_unit_id),
            overdue: p.flag("overdue", &self.overdue),
            text: non_empty(&self.q),
            source: p.choice("source", &self.source, Source::parse),
            timeliness: p.choice(
                "timeliness",
                &self.timeliness,
                crate::deadline::Timeliness::parse,
            ),
            assigned_from,
            assigned_to,
        };
        p.finish(filter)
    }
    /// The parameters a statistic's click-through narrows the list by, kept through the
    /// filter form (it has no fields of its own for them).
    fn narrowing(&self) -> Vec<(&'static str, String)> {
        [
            ("lead_unit_id", &self.lead_unit_id),
            ("source", &self.source),
            ("timeliness", &self.timeliness),
            ("from", &self.from),
            ("to", &self.to),
        ]
        .into_iter()
        .filter_map(|(k, v)| non_empty(v).map(|v| (k, v)))
        .collect()
    }
    /// What the click-through narrows the list to, in words.
    fn narrowing_note(&self) -> Option<String> {
        let mut parts = Vec::new();
        if let (Some(f), Some(t)) = (non_empty(&self.from), non_empty(&self.to)) {
            parts.push(format!(
                "{}至{}交办",
                crate::calendar::date_zh(&f),
                crate::calendar::date_zh(&t)
            ));
        }
        if let Some(s) = non_empty(&self.source).as_deref().and_then(Source::parse) {
            parts.push(s.label().to_string());
        }
        if let Some(t) = non_empty(&self.timeliness)
            .as_deref()
            .and_then(crate::deadline::Timeliness::parse)
        {
            parts.push(t.label().to_string());
        }
        (!parts.is_empty()).then(|| parts.join("，"))
    }
    fn query_string(&self) -> String {
        let pairs: Vec<(&str, String)> = [
            ("state", &self.state),
            ("lead_unit_id", &self.lead_unit_id),
            ("overdue", &self.overdue),
            ("q", &self.q),
            ("source", &self.source),
            ("timeliness", &self.timeliness),
            ("from", &self.from),
            ("to", &self.to),
        ]
        .into_iter()
        .filter_map(|(k, v)| non_empty(v).map(|v| (k, v)))
        .collect();
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    }
}

#[derive(Template)]
#[template(path = "tasks/list.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<Task>,
    /// Malformed filter parameters; the list is not read while there are any.
    errors: FieldErrors,
    q: ListQuery,
    page: i64,
    more: bool,
    query_string: String,
    states: Vec<Opt>,
    can_create: bool,
}

impl ListPage {
    /// The list filter's label for a parameter, for its error messages.
    fn filter_label(&self, field: &str) -> &'static str {
        match field {
            "state" => "状态",
            "lead_unit_id" => "牵头单位",
            "overdue" => "已超时限",
            "source" => "任务来源",
            "timeliness" => "完成情况",
            "from" => "交办日期起",
            "to" => "交办日期止",
            _ => "筛选条件",
        }
    }
}

async fn list_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    Query(q): Query<ListQuery>,
) -> PageResult {
    let scope = store::read_scope(&cu.actor)?;
    let page = page_number(q.page.as_deref());
    let (db, scope) = (&state.db, &scope);
    let (rows, more, errors) = rows_or_errors(q.filter(), |f| async move {
        Ok(store::list(db, scope, &f, page).await?)
    })
    .await?;
    let status = form_status(&errors);
    Ok(render_status(
        status,
        &ListPage {
            layout: Layout::new(&cu, "督办任务", "/tasks"),
            rows,
            errors,
            page,
            more,
            query_string: q.query_string(),
            q,
            states: TaskState::ALL
                .iter()
                .map(|s| Opt {
                    code: s.code(),
                    label: s.label(),
                })
                .collect(),
            can_create: cu.actor.can(Resource::Task, Action::Create),
        },
    ))
}

#[derive(Template)]
#[template(path = "tasks/new.html")]
struct NewPage {
    layout: Layout,
    form: TaskInput,
    errors: FieldErrors,
    sources: Vec<Opt>,
    units: Vec<crate::units::Unit>,
}

async fn new_form(
    state: &SharedState,
    cu: &CurrentUser,
    form: TaskInput,
    errors: FieldErrors,
) -> PageResult {
    if !cu.actor.can(Resource::Task, Action::Create) {
        return Err(AppError::Forbidden.into());
    }
    let status = form_status(&errors);
    let units = crate::units::store::choices(&state.db, &cu.actor).await?;
    Ok(render_status(
        status,
        &NewPage {
            layout: Layout::new(cu, "交办督办任务", "/tasks"),
            form,
            errors,
            sources: Source::ALL
                .iter()
                .map(|s| Opt {
                    code: s.code(),
                    label: s.label(),
                })
                .collect(),
            units,
        },
    ))
}

#[derive(Debug, Default, serde::Deserialize)]
struct NewQuery {
    /// A public report to turn into this task (its page's "转为督办任务").
    public_report: Option<i64>,
}

async fn new_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    crate::web::extract::Query(q): crate::web::extract::Query<NewQuery>,
) -> PageResult {
    let mut form = TaskInput::default();
    if let Some(id) = q.public_report {
        let p = crate::public_reports::store::prefill(
            &state.db,
            &cu.actor,
            id,
            crate::public_reports::flow::Conversion::Task,
        )
        .await?
        .ok_or(AppError::NotFound)?;
        form.source = super::flow::Source::PublicReport.code().into();
        form.source_ref = Some(format!("举报投诉{}", p.tracking_no));
        form.public_report_id = Some(p.id.to_string());
        form.title = p.title;
        form.description = p.summary;
    }
    new_form(&state, &cu, form, FieldErrors::new()).await
}

fn task_from_pairs(pairs: &[(String, String)]) -> TaskInput {
    let p = Pairs(pairs);
    TaskInput {
        title: p.one("title"),
        description: p.one("description"),
        source: p.one("source"),
        source_ref: p.opt("source_ref"),
        lead_unit_id: p.one("lead_unit_id"),
        cooperating_unit_ids: p.many("cooperating_unit_ids"),
        due_on: p.one("due_on"),
        public_report_id: p.opt("public_report_id"),
    }
}

async fn create_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let input = task_from_pairs(&pairs);
    match store::create(&state.db, &state.calendar(), &cu.actor, &cu.who, &input).await {
        Ok(id) => Ok(Redirect::to(&format!("/tasks/{id}?msg=created")).into_response()),
        Err(AppError::Validation(e)) => new_form(&state, &cu, input, e).await,
        Err(e) => Err(e.into()),
    }
}

/// A task with everything on its page.
#[derive(Serialize, utoipa::ToSchema)]
pub struct TaskDetail {
    #[serde(flatten)]
    pub task: Task,
    /// (unit id, role, name): office, lead, cooperating.
    pub units: Vec<(i64, String, String)>,
    pub entries: Vec<store::EntryRow>,
    pub attachments: Vec<store::AttachmentRow>,
    pub deadlines: Vec<crate::deadline::store::Deadline>,
    /// Steps the reader may take now.
    pub steps: Vec<Step>,
    /// The public report this task was turned from, if any.
    pub public_report_id: Option<i64>,
}

async fn detail(state: &SharedState, actor: &Actor, id: i64) -> AppResult<TaskDetail> {
    let scope = store::read_scope(actor)?;
    let task = store::get(&state.db, &scope, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let units = store::parties_of(&state.db, id).await?;
    let steps = flow::available(
        task.state()?,
        &actor.roles,
        store::standing(actor, &task, &units),
    );
    let from = crate::public_reports::store::linked_from(
        &state.db,
        crate::public_reports::flow::Conversion::Task,
        id,
    )
    .await?;
    Ok(TaskDetail {
        public_report_id: from.map(|(r, _)| r),
        entries: store::entries(&state.db, id).await?,
        attachments: store::attachments(&state.db, id).await?,
        deadlines: crate::deadline::store::for_record(&state.db.pool, store::RESOURCE, id).await?,
        units,
        steps,
        task,
    })
}

#[derive(Template)]
#[template(path = "tasks/show.html")]
struct ShowPage {
    layout: Layout,
    d: TaskDetail,
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
        layout: Layout::new(cu, &d.task.title, "/tasks").notice(msg),
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

async fn after_step<T>(
    state: &SharedState,
    cu: &CurrentUser,
    id: i64,
    result: AppResult<T>,
) -> PageResult {
    crate::web::page::after_step(result, &format!("/tasks/{id}?msg=saved"), |msg| {
        show(state, cu, id, None, Some(msg))
    })
    .await
}

async fn step_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    IdPath(Id(id)): IdPath<Id>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let r = match crate::web::step::from_form(&pairs) {
        Ok(input) => store::run(&state.db, &state.calendar(), &cu.actor, &cu.who, id, input).await,
        Err(e) => Err(e),
    };
    after_step(&state, &cu, id, r).await
}

async fn attach_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    IdPath(Id(id)): IdPath<Id>,
    crate::web::files::Upload(mp): crate::web::files::Upload,
) -> PageResult {
    let form = read_upload(mp).await?;
    form.check_csrf(&cu)?;
    let r = store::attach(
        &state.db,
        &cu.actor,
        &cu.who,
        id,
        &form.filename,
        form.bytes,
        &form.description,
    )
    .await;
    after_step(&state, &cu, id, r).await
}

async fn attachment_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    IdPath((Id(id), Id(aid))): IdPath<(Id, Id)>,
) -> PageResult {
    let scope = store::read_scope(&cu.actor)?;
    store::get(&state.db, &scope, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let (name, mime, bytes) = store::attachment(&state.db, id, aid)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(download(&name, &mime, bytes))
}

/// Tasks visible to the caller: overdue first, then by time limit.
#[utoipa::path(get, path = "/api/v1/tasks", tag = "tasks", params(ListQuery),
    responses((status = 200, body = crate::web::extract::Page<Task>), (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_list(
    State(state): State<SharedState>,
    u: ApiUser,
    Query(q): Query<ListQuery>,
) -> AppResult<Json<crate::web::extract::Page<Task>>> {
    let scope = store::read_scope(&u.actor)?;
    let page = page_number(q.page.as_deref());
    let (items, has_more) = store::list(&state.db, &scope, &q.filter()?, page).await?;
    Ok(Json(crate::web::extract::Page::of(items, page, has_more)))
}

/// Assign a task (the office).
#[utoipa::path(post, path = "/api/v1/tasks", tag = "tasks", request_body = TaskInput,
    responses((status = 201, body = Created), (status = 422, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_create(
    State(state): State<SharedState>,
    u: ApiUser,
    ApiJson(input): ApiJson<TaskInput>,
) -> AppResult<Response> {
    let id = store::create(&state.db, &state.calendar(), &u.actor, &u.who, &input).await?;
    Ok((StatusCode::CREATED, Json(Created { id })).into_response())
}

/// One task with its reports, evidence and clock; 404 outside the caller's scope.
#[utoipa::path(get, path = "/api/v1/tasks/{id}", tag = "tasks", params(("id" = i64, Path)),
    responses((status = 200, body = TaskDetail), (status = 404, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_get(
    State(state): State<SharedState>,
    u: ApiUser,
    IdPath(Id(id)): IdPath<Id>,
) -> AppResult<Json<TaskDetail>> {
    Ok(Json(detail(&state, &u.actor, id).await?))
}

/// Take a step: report progress or completion (units), accept or send back (office).
#[utoipa::path(post, path = "/api/v1/tasks/{id}/steps", tag = "tasks", params(("id" = i64, Path)), request_body = store::TaskStep,
    responses((status = 204), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_step(
    State(state): State<SharedState>,
    u: ApiUser,
    IdPath(Id(id)): IdPath<Id>,
    crate::web::step::ApiStep(input): crate::web::step::ApiStep<store::TaskStep>,
) -> AppResult<StatusCode> {
    store::run(&state.db, &state.calendar(), &u.actor, &u.who, id, input).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Upload evidence for a task (multipart form with `file` and optional `description`).
#[utoipa::path(post, path = "/api/v1/tasks/{id}/attachments", tag = "tasks", params(("id" = i64, Path)),
    request_body(content = crate::web::files::UploadBody, content_type = "multipart/form-data"),
    responses((status = 201, body = Created), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_attach(
    State(state): State<SharedState>,
    u: ApiUser,
    IdPath(Id(id)): IdPath<Id>,
    crate::web::files::Upload(mp): crate::web::files::Upload,
) -> AppResult<Response> {
    let form = read_upload(mp).await?;
    let aid = store::attach(
        &state.db,
        &u.actor,
        &u.who,
        id,
        &form.filename,
        form.bytes,
        &form.description,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(Created { id: aid })).into_response())
}
