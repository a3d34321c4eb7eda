//! Work plan pages and API: the template download, the import with its row-and-cell report or
//! the choice of ambiguous unit names, and the plan page with progress by section and unit.

use askama::Template;
use axum::Json;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Serialize;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

use super::store::{self, ItemRow, Outcome, PlanRow, Progress};
use super::{Ambiguity, CellError};
use crate::access::{Action, Actor, Resource};
use crate::audit::Who;
use crate::error::{AppError, AppResult};
use crate::web::SharedState;
use crate::web::extract::{ApiUser, CsrfForm, CurrentUser, Id, IdPath, path_id};
use crate::web::files::{UPLOAD_BODY_LIMIT, XLSX_MIME, download, read_upload};
use crate::web::form::Pairs;
use crate::web::page::{Layout, PageResult, render_status};

pub fn routes() -> OpenApiRouter<SharedState> {
    OpenApiRouter::new()
        .route("/plans", get(list_page))
        .route("/plans/template.xlsx", get(template))
        .route(
            "/plans/import",
            post(import_page).layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)),
        )
        .route("/plans/imports/{id}", post(choose_page))
        .route("/plans/{id}", get(show_page))
        .routes(routes!(api_import).layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)))
        .routes(routes!(api_get))
}

#[derive(Template)]
#[template(path = "plans/list.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<PlanRow>,
    can_import: bool,
    errors: Vec<CellError>,
    ambiguous: Vec<(usize, Ambiguity)>,
    import_id: Option<i64>,
    message: Option<String>,
}

async fn list(
    state: &SharedState,
    cu: &CurrentUser,
    status: StatusCode,
    errors: Vec<CellError>,
    ambiguous: Vec<Ambiguity>,
    import_id: Option<i64>,
    message: Option<String>,
) -> PageResult {
    let scope = cu.actor.require(Resource::Task, Action::Read)?;
    Ok(render_status(
        status,
        &ListPage {
            layout: Layout::new(cu, "工作要点", "/plans"),
            rows: store::list(&state.db, &scope).await?,
            can_import: cu.actor.can(Resource::Task, Action::Create),
            errors,
            ambiguous: ambiguous.into_iter().enumerate().collect(),
            import_id,
            message,
        },
    ))
}

async fn list_page(State(state): State<SharedState>, cu: CurrentUser) -> PageResult {
    list(
        &state,
        &cu,
        StatusCode::OK,
        Vec::new(),
        Vec::new(),
        None,
        None,
    )
    .await
}

async fn template(cu: CurrentUser) -> PageResult {
    cu.actor.require(Resource::Task, Action::Read)?;
    Ok(download(
        "工作要点导入模板.xlsx",
        XLSX_MIME,
        super::sheet::template()?,
    ))
}

async fn outcome_page(state: &SharedState, cu: &CurrentUser, r: AppResult<Outcome>) -> PageResult {
    match r {
        Ok(Outcome::Imported(id)) => {
            Ok(Redirect::to(&format!("/plans/{id}?msg=created")).into_response())
        }
        Ok(Outcome::Rejected(c)) => {
            list(
                state,
                cu,
                StatusCode::UNPROCESSABLE_ENTITY,
                c.errors,
                Vec::new(),
                None,
                Some("文件有误，未导入任何内容。请按下列行列修改后重新上传。".into()),
            )
            .await
        }
        Ok(Outcome::NeedsChoice { import_id, checked }) => {
            list(
                state,
                cu,
                StatusCode::OK,
                Vec::new(),
                checked.ambiguous,
                Some(import_id),
                Some("下列单位名称对应多个单位，请选择后导入。".into()),
            )
            .await
        }
        Err(AppError::Validation(f)) => {
            let errors =
                f.0.into_iter()
                    .map(|e| CellError {
                        row: 0,
                        column: e.field,
                        message: e.message,
                    })
                    .collect();
            list(
                state,
                cu,
                StatusCode::UNPROCESSABLE_ENTITY,
                errors,
                Vec::new(),
                None,
                Some("未导入任何内容。".into()),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

async fn import_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    crate::web::files::Upload(mp): crate::web::files::Upload,
) -> PageResult {
    let form = read_upload(mp).await?;
    form.check_csrf(&cu)?;
    let title = form.field("title").unwrap_or("").to_string();
    let r = store::import(
        &state.db,
        &state.calendar(),
        &cu.actor,
        &cu.who,
        store::Upload {
            title: &title,
            bytes: form.bytes,
            pending: None,
            choices: &[],
        },
    )
    .await;
    outcome_page(&state, &cu, r).await
}

/// The choices for ambiguous names: `name_N` and `choice_N` pairs.
fn choices(p: &Pairs) -> Vec<(String, i64)> {
    (0..200)
        .filter_map(|i| {
            let name = p.opt(&format!("name_{i}"))?;
            let id = p.opt(&format!("choice_{i}"))?.parse().ok()?;
            Some((name, id))
        })
        .collect()
}

async fn choose(
    state: &SharedState,
    actor: &Actor,
    who: &Who,
    id: i64,
    choices: &[(String, i64)],
) -> AppResult<Outcome> {
    let (title, bytes) = store::pending(&state.db, actor, id).await?;
    store::import(
        &state.db,
        &state.calendar(),
        actor,
        who,
        store::Upload {
            title: &title,
            bytes,
            pending: Some(id),
            choices,
        },
    )
    .await
}

async fn choose_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    IdPath(Id(id)): IdPath<Id>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let r = choose(&state, &cu.actor, &cu.who, id, &choices(&Pairs(&pairs))).await;
    outcome_page(&state, &cu, r).await
}

/// A plan with its items and progress by section and by lead unit.
#[derive(Serialize, utoipa::ToSchema)]
pub struct PlanDetail {
    #[serde(flatten)]
    pub plan: PlanRow,
    pub items: Vec<ItemRow>,
    pub by_section: Vec<Progress>,
    pub by_unit: Vec<Progress>,
}

async fn detail(state: &SharedState, actor: &Actor, id: i64) -> AppResult<PlanDetail> {
    let scope = actor.require(Resource::Task, Action::Read)?;
    let plan = store::get(&state.db, &scope, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let items = store::items(&state.db, id).await?;
    let (by_section, by_unit) = store::progress(&items);
    Ok(PlanDetail {
        plan,
        items,
        by_section,
        by_unit,
    })
}

#[derive(Template)]
#[template(path = "plans/show.html")]
struct ShowPage {
    layout: Layout,
    d: PlanDetail,
}

async fn show_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    IdPath(Id(id)): IdPath<Id>,
) -> PageResult {
    let d = detail(&state, &cu.actor, id).await?;
    Ok(render_status(
        StatusCode::OK,
        &ShowPage {
            layout: Layout::new(&cu, &d.plan.title, "/plans"),
            d,
        },
    ))
}

/// What an API import did.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ImportResult {
    /// imported, rejected, needs_choice
    pub outcome: &'static str,
    pub plan_id: Option<i64>,
    pub import_id: Option<i64>,
    pub errors: Vec<CellError>,
    pub ambiguous: Vec<Ambiguity>,
}

/// What a refused import answers (422): the rows' and cells' errors, or, when the request itself
/// is wrong (no title, no file, a file too large), the error body with its fields.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(untagged)]
#[allow(dead_code)]
pub enum ImportRefused {
    Rows(ImportResult),
    Request(crate::error::ErrorBody),
}

/// Import a work plan: multipart with `title`, `file` (.xlsx from the template) and, to answer
/// an earlier `needs_choice`, `import_id` with `name_N`/`choice_N` pairs. Nothing is imported
/// unless every row is clean (422 with the row-and-column errors otherwise).
#[utoipa::path(post, path = "/api/v1/plans", tag = "tasks",
    request_body(content = crate::web::files::UploadBody, content_type = "multipart/form-data"),
    responses((status = 201, body = ImportResult), (status = 200, body = ImportResult), (status = 422, body = ImportRefused)),
    security(("bearer" = [])))]
pub async fn api_import(
    State(state): State<SharedState>,
    u: ApiUser,
    crate::web::files::Upload(mp): crate::web::files::Upload,
) -> AppResult<Response> {
    let form = read_upload(mp).await?;
    let pairs = Pairs(&form.fields);
    let outcome = match pairs.opt("import_id") {
        Some(id) => choose(&state, &u.actor, &u.who, path_id(&id)?, &choices(&pairs)).await?,
        None => {
            let title = pairs.one("title");
            store::import(
                &state.db,
                &state.calendar(),
                &u.actor,
                &u.who,
                store::Upload {
                    title: &title,
                    bytes: form.bytes,
                    pending: None,
                    choices: &[],
                },
            )
            .await?
        }
    };
    let (status, body) = match outcome {
        Outcome::Imported(id) => (
            StatusCode::CREATED,
            ImportResult {
                outcome: "imported",
                plan_id: Some(id),
                import_id: None,
                errors: Vec::new(),
                ambiguous: Vec::new(),
            },
        ),
        Outcome::Rejected(c) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            ImportResult {
                outcome: "rejected",
                plan_id: None,
                import_id: None,
                errors: c.errors,
                ambiguous: Vec::new(),
            },
        ),
        Outcome::NeedsChoice { import_id, checked } => (
            StatusCode::OK,
            ImportResult {
                outcome: "needs_choice",
                plan_id: None,
                import_id: Some(import_id),
                errors: Vec::new(),
                ambiguous: checked.ambiguous,
            },
        ),
    };
    Ok((status, Json(body)).into_response())
}

/// A plan with progress by section and by unit.
#[utoipa::path(get, path = "/api/v1/plans/{id}", tag = "tasks", params(("id" = i64, Path)),
    responses((status = 200, body = PlanDetail), (status = 404, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_get(
    State(state): State<SharedState>,
    u: ApiUser,
    IdPath(Id(id)): IdPath<Id>,
) -> AppResult<Json<PlanDetail>> {
    Ok(Json(detail(&state, &u.actor, id).await?))
}
