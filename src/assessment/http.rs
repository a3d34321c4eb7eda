//! Assessment pages and API: the years' assessments and the office's scheme, an assessment's
//! ranking with each score opening the clocks behind it, the steps, the workbook, and the
//! reproduction from the frozen snapshot.

use askama::Template;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::model::{self, Indicator, SchemeInput};
use super::store::{
    self, Adjustment, Assessment, AssessmentStep, FrozenClock, Objection, Reproduction, Results,
};
use crate::access::Actor;
use crate::domain::FieldErrors;
use crate::error::{AppError, AppResult};
use crate::web::SharedState;
use crate::web::extract::{ApiJson, ApiUser, Created, CsrfForm, CurrentUser, Id, IdPath, Query};
use crate::web::files::download;
use crate::web::form::Pairs;
use crate::web::page::{Layout, MsgQuery, PageResult, form_status, render, render_status};

const XLSX_MIME: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

pub fn routes() -> OpenApiRouter<SharedState> {
    OpenApiRouter::new()
        .route("/assessments", get(list_page).post(create_page))
        .route("/assessments/{id}", get(show_page).post(step_page))
        .route("/assessments/{id}/clocks", get(clocks_page))
        .route("/assessments/{id}/xlsx", get(xlsx_page))
        .routes(routes!(api_list, api_create))
        .routes(routes!(api_get))
        .routes(routes!(api_step))
        .routes(routes!(api_clocks))
        .routes(routes!(api_reproduction))
        .routes(routes!(api_xlsx))
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ClocksQuery {
    /// The assessed unit (or county office).
    pub unit: Option<String>,
    /// The indicator's code.
    pub indicator: Option<String>,
    /// `1`: only the clocks not done on time.
    pub late: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// The list and the scheme.

#[derive(Template)]
#[template(path = "assessment/list.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<Assessment>,
    form: SchemeInput,
    errors: FieldErrors,
    can_create: bool,
    indicators: Vec<Indicator>,
}

fn can_create(actor: &Actor) -> bool {
    actor.roles.iter().any(|r| r.is_office())
}

async fn list(
    state: &SharedState,
    cu: &CurrentUser,
    form: SchemeInput,
    errors: FieldErrors,
    msg: Option<&str>,
) -> PageResult {
    let rows = store::list(&state.db, &cu.actor).await?;
    Ok(render_status(
        form_status(&errors),
        &ListPage {
            layout: Layout::new(cu, "年度绩效考核", "/assessments").notice(msg),
            rows,
            form,
            errors,
            can_create: can_create(&cu.actor),
            indicators: model::default_indicators(),
        },
    ))
}

async fn list_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    Query(q): Query<MsgQuery>,
) -> PageResult {
    let year = chrono::Datelike::year(&cu.who.today());
    let form = SchemeInput {
        year: year.to_string(),
        title: format!("{year}年度打击侵权假冒工作绩效考核"),
        indicators: None,
    };
    list(&state, &cu, form, FieldErrors::new(), q.msg.as_deref()).await
}

async fn create_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let p = Pairs(&pairs);
    let input = SchemeInput {
        year: p.one("year"),
        title: p.one("title"),
        indicators: None,
    };
    match store::create(&state.db, &cu.actor, &cu.who, &input).await {
        Ok(id) => Ok(Redirect::to(&format!("/assessments/{id}?msg=created")).into_response()),
        Err(AppError::Validation(e)) => list(&state, &cu, input, e, None).await,
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------------------------------------
// One assessment.

/// An assessment with its scheme, ranking, objections, adjustments and the reader's steps.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = AssessmentDetail)]
pub struct Detail {
    #[serde(flatten)]
    pub a: Assessment,
    pub indicators: Vec<Indicator>,
    pub results: Results,
    pub objections: Vec<Objection>,
    pub adjustments: Vec<Adjustment>,
    /// The rectification tasks given after the circular.
    pub rectifications: Vec<store::Rectification>,
    /// compute, object, adjust, approve, issue, rectify
    pub steps: Vec<String>,
}

async fn detail(state: &SharedState, actor: &Actor, id: i64) -> AppResult<Detail> {
    let a = store::get(&state.db, actor, id).await?;
    let subjects = store::subjects(&state.db, id).await?;
    let steps = model::available(a.state()?, a.standing(actor, &subjects))
        .into_iter()
        .map(|s| s.code().to_string())
        .collect();
    Ok(Detail {
        indicators: a.indicators()?,
        results: store::results(&state.db, id).await?,
        objections: store::objections(&state.db, id).await?,
        adjustments: store::adjustments(&state.db, id).await?,
        rectifications: store::rectifications(&state.db, &a).await?,
        steps,
        a,
    })
}

#[derive(Template)]
#[template(path = "assessment/show.html")]
struct ShowPage {
    layout: Layout,
    d: Detail,
    errors: FieldErrors,
    error: Option<String>,
}

impl ShowPage {
    fn can(&self, step: &str) -> bool {
        self.d.steps.iter().any(|s| s == step)
    }
    fn score(&self, line: &store::ResultLine, i: &Indicator) -> String {
        line.scores
            .get(&i.code)
            .map(|s| model::points(s.score_centi))
            .unwrap_or_default()
    }
    /// A computed score's clocks not done on time, to open.
    fn missed(&self, line: &store::ResultLine, i: &Indicator) -> i64 {
        match (i.source(), line.scores.get(&i.code)) {
            (Some(_), Some(s)) => s.counted - s.on_time,
            _ => 0,
        }
    }
    fn counted(&self, line: &store::ResultLine, i: &Indicator) -> String {
        match (i.source(), line.scores.get(&i.code)) {
            (Some(_), Some(s)) => format!("{}/{}", s.on_time, s.counted),
            _ => String::new(),
        }
    }
    fn points(&self, centi: &i64) -> String {
        model::points(*centi)
    }
    fn indicator_label(&self, code: &str) -> String {
        self.d
            .indicators
            .iter()
            .find(|i| i.code == code)
            .map(|i| i.label.clone())
            .unwrap_or_else(|| "全部指标".into())
    }
    fn opt_indicator_label(&self, code: &Option<String>) -> String {
        self.indicator_label(code.as_deref().unwrap_or(""))
    }
    fn tables(&self) -> Vec<(&'static str, &Vec<store::ResultLine>, &'static str)> {
        vec![
            ("成员单位", &self.d.results.units, "assessment-units"),
            ("县（区）", &self.d.results.counties, "assessment-counties"),
        ]
    }
    fn subjects(&self) -> Vec<&store::ResultLine> {
        self.d
            .results
            .units
            .iter()
            .chain(self.d.results.counties.iter())
            .collect()
    }
}

async fn show(
    state: &SharedState,
    cu: &CurrentUser,
    id: i64,
    msg: Option<&str>,
    errors: FieldErrors,
    error: Option<String>,
) -> PageResult {
    let d = detail(state, &cu.actor, id).await?;
    let status = if !errors.is_empty() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else if error.is_some() {
        StatusCode::CONFLICT
    } else {
        StatusCode::OK
    };
    Ok(render_status(
        status,
        &ShowPage {
            layout: Layout::new(cu, &d.a.title, "/assessments").notice(msg),
            d,
            errors,
            error,
        },
    ))
}

async fn show_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    IdPath(Id(id)): IdPath<Id>,
    Query(q): Query<MsgQuery>,
) -> PageResult {
    show(&state, &cu, id, q.msg.as_deref(), FieldErrors::new(), None).await
}

async fn step_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    IdPath(Id(id)): IdPath<Id>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let input: AssessmentStep = crate::web::step::from_form(&pairs)?;
    match store::run(&state.ctx, &cu.actor, &cu.who, id, input).await {
        Ok(()) => Ok(Redirect::to(&format!("/assessments/{id}?msg=done")).into_response()),
        Err(AppError::Validation(e)) => show(&state, &cu, id, None, e, None).await,
        Err(AppError::Conflict { message, .. }) => {
            show(&state, &cu, id, None, FieldErrors::new(), Some(message)).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "assessment/clocks.html")]
struct ClocksPage {
    layout: Layout,
    a: Assessment,
    subject: String,
    indicator: String,
    rows: Vec<FrozenClock>,
    late_only: bool,
}

/// The frozen clocks behind a subject's score: (the assessment, the subject's name, the
/// indicator's label, the clocks).
async fn frozen(
    state: &SharedState,
    actor: &Actor,
    id: i64,
    q: &ClocksQuery,
) -> AppResult<(Assessment, String, String, Vec<FrozenClock>)> {
    let a = store::get(&state.db, actor, id).await?;
    let unit = crate::domain::text::id("unit", "被考核单位", q.unit.as_deref().unwrap_or(""))?;
    let subject = store::subjects(&state.db, id)
        .await?
        .into_iter()
        .find(|s| s.unit_id == unit)
        .ok_or(AppError::NotFound)?;
    let code = q.indicator.as_deref().unwrap_or("").trim().to_string();
    let ind = a
        .indicators()?
        .into_iter()
        .find(|i| i.code == code && i.source().is_some())
        .ok_or_else(|| {
            AppError::field("indicator", "invalid_choice", "请选择计算得出的考核指标")
        })?;
    let late_only = q.late.as_deref() == Some("1");
    let rows = store::clocks(&state.db, id, unit, &ind.code, late_only).await?;
    Ok((a, subject.name, ind.label, rows))
}

async fn clocks_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    IdPath(Id(id)): IdPath<Id>,
    Query(q): Query<ClocksQuery>,
) -> PageResult {
    let (a, subject, indicator, rows) = frozen(&state, &cu.actor, id, &q).await?;
    Ok(render(&ClocksPage {
        layout: Layout::new(&cu, &format!("{subject}：{indicator}"), "/assessments"),
        a,
        subject,
        indicator,
        rows,
        late_only: q.late.as_deref() == Some("1"),
    }))
}

async fn xlsx(state: &SharedState, actor: &Actor, id: i64) -> AppResult<Response> {
    use rust_xlsxwriter::{Format, FormatBorder, Workbook};
    let xl = |e: rust_xlsxwriter::XlsxError| AppError::internal(format!("xlsx: {e}"));
    let d = detail(state, actor, id).await?;
    let mut wb = Workbook::new();
    let title = Format::new().set_bold().set_font_size(14);
    let head = Format::new().set_bold().set_border(FormatBorder::Thin);
    for (name, lines) in [
        ("成员单位", &d.results.units),
        ("县（区）", &d.results.counties),
    ] {
        let ws = wb.add_worksheet();
        ws.set_name(name).map_err(xl)?;
        ws.write_string_with_format(0, 0, format!("{}（{}）", d.a.title, name), &title)
            .map_err(xl)?;
        ws.write_string(1, 0, format!("状态：{}", d.a.state_label()))
            .map_err(xl)?;
        let mut heads = vec!["名次".to_string(), "单位".to_string()];
        heads.extend(
            d.indicators
                .iter()
                .map(|i| format!("{}（{}分）", i.label, i.weight)),
        );
        heads.push("总分".into());
        for (c, h) in heads.iter().enumerate() {
            ws.write_string_with_format(3, c as u16, h, &head)
                .map_err(xl)?;
        }
        ws.set_column_width(1, 36).map_err(xl)?;
        for (r, l) in lines.iter().enumerate() {
            let row = 4 + r as u32;
            ws.write_number(row, 0, l.rank as f64).map_err(xl)?;
            ws.write_string(row, 1, &l.name).map_err(xl)?;
            for (c, i) in d.indicators.iter().enumerate() {
                let v = l.scores.get(&i.code).map(|s| s.score_centi).unwrap_or(0);
                ws.write_number(row, 2 + c as u16, v as f64 / 100.0)
                    .map_err(xl)?;
            }
            ws.write_number(
                row,
                2 + d.indicators.len() as u16,
                l.total_centi as f64 / 100.0,
            )
            .map_err(xl)?;
        }
    }
    let bytes = wb.save_to_buffer().map_err(xl)?;
    Ok(download(&format!("{}.xlsx", d.a.title), XLSX_MIME, bytes))
}

async fn xlsx_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    IdPath(Id(id)): IdPath<Id>,
) -> PageResult {
    Ok(xlsx(&state, &cu.actor, id).await?)
}

// ---------------------------------------------------------------------------------------------
// API.

/// The assessments the caller may see: its office's, those above and, for an office, those
/// below.
#[utoipa::path(get, path = "/api/v1/assessments", tag = "assessment",
    responses((status = 200, body = Vec<Assessment>)),
    security(("bearer" = [])))]
pub async fn api_list(
    State(state): State<SharedState>,
    u: ApiUser,
) -> AppResult<Json<Vec<Assessment>>> {
    Ok(Json(store::list(&state.db, &u.actor).await?))
}

/// Set a year's scheme (an office): the default indicators unless given, weights adding up to
/// 100 (001 §14; 003 二(四)).
#[utoipa::path(post, path = "/api/v1/assessments", tag = "assessment", request_body = SchemeInput,
    responses((status = 201, body = Created), (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_create(
    State(state): State<SharedState>,
    u: ApiUser,
    ApiJson(input): ApiJson<SchemeInput>,
) -> AppResult<Response> {
    let id = store::create(&state.db, &u.actor, &u.who, &input).await?;
    Ok((StatusCode::CREATED, Json(Created { id })).into_response())
}

/// One assessment: scheme, ranking of units and of counties, objections, adjustments, and the
/// caller's steps.
#[utoipa::path(get, path = "/api/v1/assessments/{id}", tag = "assessment", params(("id" = i64, Path)),
    responses((status = 200, body = Detail), (status = 404, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_get(
    State(state): State<SharedState>,
    u: ApiUser,
    IdPath(Id(id)): IdPath<Id>,
) -> AppResult<Json<Detail>> {
    Ok(Json(detail(&state, &u.actor, id).await?))
}

/// A step: `compute` (the office), `object` (an assessed unit, with `text`), `adjust` (the
/// office: `unit_id`, `indicator`, `score`, `reason`, and `evidence` for one scored by hand),
/// `approve` (the group's leader), `issue` (the office: a circular of the results), `rectify`
/// (the office, once issued: a task for each unit named, `unit_ids`, `due_on`, `text`).
#[utoipa::path(post, path = "/api/v1/assessments/{id}/steps", tag = "assessment", params(("id" = i64, Path)), request_body = AssessmentStep,
    responses((status = 204), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_step(
    State(state): State<SharedState>,
    u: ApiUser,
    IdPath(Id(id)): IdPath<Id>,
    crate::web::step::ApiStep(input): crate::web::step::ApiStep<AssessmentStep>,
) -> AppResult<StatusCode> {
    store::run(&state.ctx, &u.actor, &u.who, id, input).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The clocks a subject's computed score counted, as they stood when computed (`late=1`: those
/// not done on time).
#[utoipa::path(get, path = "/api/v1/assessments/{id}/clocks", tag = "assessment", params(("id" = i64, Path), ClocksQuery),
    responses((status = 200, body = Vec<FrozenClock>), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_clocks(
    State(state): State<SharedState>,
    u: ApiUser,
    IdPath(Id(id)): IdPath<Id>,
    Query(q): Query<ClocksQuery>,
) -> AppResult<Json<Vec<FrozenClock>>> {
    Ok(Json(frozen(&state, &u.actor, id, &q).await?.3))
}

/// The results reproduced from the frozen snapshot alone (the clocks counted and the
/// adjustments), compared with those stored.
#[utoipa::path(get, path = "/api/v1/assessments/{id}/reproduction", tag = "assessment", params(("id" = i64, Path)),
    responses((status = 200, body = Reproduction), (status = 404, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_reproduction(
    State(state): State<SharedState>,
    u: ApiUser,
    IdPath(Id(id)): IdPath<Id>,
) -> AppResult<Json<Reproduction>> {
    Ok(Json(store::reproduce(&state.db, &u.actor, id).await?))
}

/// The ranking as an .xlsx workbook (a sheet for units, one for counties).
#[utoipa::path(get, path = "/api/v1/assessments/{id}/xlsx", tag = "assessment", params(("id" = i64, Path)),
    responses((status = 200, description = "The workbook"), (status = 404, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_xlsx(
    State(state): State<SharedState>,
    u: ApiUser,
    IdPath(Id(id)): IdPath<Id>,
) -> AppResult<Response> {
    xlsx(&state, &u.actor, id).await
}
