//! Direct reporting pages and API: the data sets and periods, a data set's form, a period's
//! table up the region tree (with the same period a year before, and as .xlsx), and a unit's
//! return with its figures and the steps the reader may take.

use std::collections::BTreeMap;

use askama::Template;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Serialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::model::{self, FiguresInput, Indicator, Periodicity, SetInput, Template as SetTemplate};
use super::store::{self, PeriodInput, PeriodRow, ReturnRow, ReturnStep, SetRow, SetView, Table};
use crate::access::{Action, Actor, Resource};
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
        .route("/direct-reports", get(list_page).post(open_page))
        .route(
            "/direct-reports/sets/new",
            get(new_set_page).post(create_set_page),
        )
        .route(
            "/direct-reports/sets/{id}",
            get(edit_set_page).post(update_set_page),
        )
        .route("/direct-reports/periods/{id}", get(period_page))
        .route("/direct-reports/periods/{id}/close", post(close_page))
        .route("/direct-reports/periods/{id}/xlsx", get(xlsx_page))
        .route(
            "/direct-reports/returns/{id}",
            get(return_page).post(step_page),
        )
        .routes(routes!(api_sets, api_create_set))
        .routes(routes!(api_set, api_update_set))
        .routes(routes!(api_open_period))
        .routes(routes!(api_periods))
        .routes(routes!(api_period))
        .routes(routes!(api_close_period))
        .routes(routes!(api_period_xlsx))
        .routes(routes!(api_return))
        .routes(routes!(api_step))
}

fn is_office(actor: &Actor) -> bool {
    actor.roles.iter().any(|r| r.is_office()) && actor.can(Resource::Report, Action::Create)
}

// ---------------------------------------------------------------------------------------------
// The list of data sets and periods, and the office's opening of a period.

#[derive(Template)]
#[template(path = "direct_reports/list.html")]
struct ListPage {
    layout: Layout,
    sets: Vec<SetRow>,
    periods: Vec<PeriodRow>,
    /// The sets the reader's office may open periods of.
    own_sets: Vec<SetRow>,
    units: Vec<crate::units::Unit>,
    form: PeriodForm,
    errors: FieldErrors,
    office: bool,
    reader_unit: i64,
}

#[derive(Default)]
struct PeriodForm {
    set_id: String,
    period: String,
    unit_ids: Vec<String>,
}

impl ListPage {
    fn own(&self, s: &SetRow) -> bool {
        self.office && s.office_unit_id == self.reader_unit
    }
    fn unit_selected(&self, id: &i64) -> bool {
        self.form
            .unit_ids
            .iter()
            .any(|u| u.trim() == id.to_string())
    }
}

async fn list(
    state: &SharedState,
    cu: &CurrentUser,
    form: PeriodForm,
    errors: FieldErrors,
    msg: Option<&str>,
) -> PageResult {
    let sets = store::sets(&state.db, &cu.actor).await?;
    let periods = store::periods(&state.db, &cu.actor).await?;
    let office = is_office(&cu.actor);
    let own_sets: Vec<SetRow> = sets
        .iter()
        .filter(|s| office && s.office_unit_id == cu.actor.unit_id)
        .cloned()
        .collect();
    let units = if own_sets.is_empty() {
        Vec::new()
    } else {
        crate::units::store::choices(&state.db, &cu.actor)
            .await?
            .into_iter()
            .filter(|u| {
                !matches!(
                    u.kind.as_str(),
                    "leading_group" | "group_office" | "county_group" | "county_office"
                )
            })
            .collect()
    };
    Ok(render_status(
        form_status(&errors),
        &ListPage {
            layout: Layout::new(cu, "查办案件直报", "/direct-reports").notice(msg),
            sets,
            periods,
            own_sets,
            units,
            form,
            errors,
            office,
            reader_unit: cu.actor.unit_id,
        },
    ))
}

async fn list_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    Query(q): Query<MsgQuery>,
) -> PageResult {
    list(
        &state,
        &cu,
        PeriodForm::default(),
        FieldErrors::new(),
        q.msg.as_deref(),
    )
    .await
}

async fn open_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let p = Pairs(&pairs);
    let form = PeriodForm {
        set_id: p.one("set_id"),
        period: p.one("period"),
        unit_ids: p.many("unit_ids"),
    };
    let set_id = match crate::domain::text::id("set_id", "数据集", &form.set_id) {
        Ok(id) => id,
        Err(e) => {
            return list(&state, &cu, form, FieldErrors(vec![e]), None).await;
        }
    };
    let input = PeriodInput {
        period: form.period.clone(),
        unit_ids: form.unit_ids.clone(),
    };
    match store::open_period(
        &state.db,
        &state.calendar(),
        &cu.actor,
        &cu.who,
        set_id,
        &input,
    )
    .await
    {
        Ok(id) => {
            Ok(Redirect::to(&format!("/direct-reports/periods/{id}?msg=opened")).into_response())
        }
        Err(AppError::Validation(e)) => list(&state, &cu, form, e, None).await,
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------------------------------------
// A data set's form.

#[derive(Template)]
#[template(path = "direct_reports/set_form.html")]
struct SetFormPage {
    layout: Layout,
    heading: String,
    action: String,
    /// None when creating: the template is chosen instead.
    indicators: Option<Vec<Indicator>>,
    form: SetInput,
    checks_text: String,
    errors: FieldErrors,
}

impl SetFormPage {
    fn periodicities(&self) -> &'static [Periodicity] {
        Periodicity::ALL
    }
    fn templates(&self) -> &'static [SetTemplate] {
        SetTemplate::ALL
    }
    fn template(&self) -> &str {
        self.form.template.as_deref().unwrap_or("")
    }
    fn measure(&self, i: &Indicator) -> &'static str {
        i.measure().label()
    }
    fn source(&self, i: &Indicator) -> &'static str {
        i.source().map(|s| s.label()).unwrap_or("—")
    }
    fn template_indicators(&self, t: &SetTemplate) -> String {
        t.indicators()
            .iter()
            .map(|i| i.label.as_str())
            .collect::<Vec<_>>()
            .join("、")
    }
}

fn set_input(pairs: &[(String, String)], creating: bool) -> SetInput {
    let p = Pairs(pairs);
    SetInput {
        name: p.one("name"),
        periodicity: p.one("periodicity"),
        due_working_days: p.one("due_working_days"),
        template: creating.then(|| p.one("template")),
        indicators: None,
        checks: p.one("checks").lines().map(str::to_string).collect(),
    }
}

fn require_office_page(cu: &CurrentUser) -> AppResult<()> {
    if is_office(&cu.actor) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

async fn new_set_page(cu: CurrentUser) -> PageResult {
    require_office_page(&cu)?;
    let t = SetTemplate::Administrative;
    let form = SetInput {
        name: t.label().into(),
        periodicity: Periodicity::Quarter.code().into(),
        due_working_days: "10".into(),
        template: Some(t.code().into()),
        indicators: None,
        checks: t.checks(),
    };
    set_form(&cu, None, form, FieldErrors::new(), None)
}

fn set_form(
    cu: &CurrentUser,
    id: Option<i64>,
    form: SetInput,
    errors: FieldErrors,
    indicators: Option<Vec<Indicator>>,
) -> PageResult {
    let (heading, action) = match id {
        Some(id) => (
            "修改直报数据集".to_string(),
            format!("/direct-reports/sets/{id}"),
        ),
        None => (
            "新建直报数据集".to_string(),
            "/direct-reports/sets/new".to_string(),
        ),
    };
    Ok(render_status(
        form_status(&errors),
        &SetFormPage {
            layout: Layout::new(cu, &heading, "/direct-reports"),
            heading,
            action,
            indicators,
            checks_text: form.checks.join("\n"),
            form,
            errors,
        },
    ))
}

async fn create_set_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let mut input = set_input(&pairs, true);
    // A new set from a template starts with its checks when the office wrote none.
    if input.checks.iter().all(|c| c.trim().is_empty())
        && let Some(t) = input.template.as_deref().and_then(SetTemplate::parse)
    {
        input.checks = t.checks();
    }
    match store::create_set(&state.db, &cu.actor, &cu.who, &input).await {
        Ok(id) => {
            Ok(Redirect::to(&format!("/direct-reports/sets/{id}?msg=created")).into_response())
        }
        Err(AppError::Validation(e)) => set_form(&cu, None, input, e, None),
        Err(e) => Err(e.into()),
    }
}

async fn edit_set_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    IdPath(Id(id)): IdPath<Id>,
) -> PageResult {
    require_office_page(&cu)?;
    let s = store::set(&state.db, &cu.actor, id).await?.view()?;
    let form = SetInput {
        name: s.row.name.clone(),
        periodicity: s.row.periodicity.clone(),
        due_working_days: s.row.due_working_days.to_string(),
        template: None,
        indicators: None,
        checks: s.checks.clone(),
    };
    set_form(&cu, Some(id), form, FieldErrors::new(), Some(s.indicators))
}

async fn update_set_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    IdPath(Id(id)): IdPath<Id>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let input = set_input(&pairs, false);
    match store::update_set(&state.db, &cu.actor, &cu.who, id, &input).await {
        Ok(()) => Ok(Redirect::to("/direct-reports?msg=saved").into_response()),
        Err(AppError::Validation(e)) => {
            let s = store::set(&state.db, &cu.actor, id).await?.view()?;
            set_form(&cu, Some(id), input, e, Some(s.indicators))
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------------------------------------
// A period's table.

#[derive(Template)]
#[template(path = "direct_reports/period.html")]
struct PeriodPage {
    layout: Layout,
    t: Table,
    can_close: bool,
}

impl PeriodPage {
    fn value(&self, values: &BTreeMap<String, i64>, i: &Indicator) -> String {
        values.get(&i.code).map(|v| i.show(*v)).unwrap_or_default()
    }
    fn change(&self, i: &Indicator) -> String {
        let Some(last) = &self.t.last_year else {
            return String::new();
        };
        let now = self.t.total.get(&i.code).copied().unwrap_or(0);
        match last.get(&i.code).copied() {
            Some(0) | None => "—".into(),
            Some(before) => {
                let pct = (now - before) as f64 * 100.0 / before as f64;
                format!("{pct:+.1}%")
            }
        }
    }
}

async fn period_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    IdPath(Id(id)): IdPath<Id>,
    Query(q): Query<MsgQuery>,
) -> PageResult {
    let t = store::table(&state.db, &cu.actor, id).await?;
    let can_close =
        is_office(&cu.actor) && t.period.office_unit_id == cu.actor.unit_id && !t.period.closed();
    Ok(render(&PeriodPage {
        layout: Layout::new(
            &cu,
            &format!("{}（{}）", t.period.set_name, t.period.label),
            "/direct-reports",
        )
        .notice(q.msg.as_deref()),
        t,
        can_close,
    }))
}

async fn close_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    IdPath(Id(id)): IdPath<Id>,
    CsrfForm(_pairs): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    store::close_period(&state.db, &cu.actor, &cu.who, id).await?;
    Ok(Redirect::to(&format!("/direct-reports/periods/{id}?msg=saved")).into_response())
}

async fn xlsx(state: &SharedState, actor: &Actor, id: i64) -> AppResult<Response> {
    use rust_xlsxwriter::{Format, FormatBorder, Workbook};
    let xl = |e: rust_xlsxwriter::XlsxError| AppError::internal(format!("xlsx: {e}"));
    let t = store::table(&state.db, actor, id).await?;
    let mut wb = Workbook::new();
    let title = Format::new().set_bold().set_font_size(14);
    let head = Format::new().set_bold().set_border(FormatBorder::Thin);
    let cell = Format::new().set_border(FormatBorder::Thin);
    let ws = wb.add_worksheet();
    ws.set_name(&t.period.label).map_err(xl)?;
    ws.write_string_with_format(
        0,
        0,
        format!("{}（{}）", t.period.set_name, t.period.label),
        &title,
    )
    .map_err(xl)?;
    ws.write_string(
        1,
        0,
        format!(
            "统计期：{}至{}；报送时限：{}。下级汇总数和合计数只计审核通过的数据。",
            crate::calendar::date_zh(&t.period.period_start),
            crate::calendar::date_zh(&t.period.period_end),
            t.period.due_zh()
        ),
    )
    .map_err(xl)?;
    let mut heads = vec!["单位或地区".to_string(), "状态".to_string()];
    heads.extend(
        t.indicators
            .iter()
            .map(|i| format!("{}（{}）", i.label, i.measure().label())),
    );
    for (c, h) in heads.iter().enumerate() {
        ws.write_string_with_format(3, c as u16, h, &head)
            .map_err(xl)?;
    }
    ws.set_column_width(0, 30).map_err(xl)?;
    let money = |i: &Indicator, v: i64| -> f64 {
        match i.measure() {
            model::Measure::Fen => v as f64 / 100.0,
            _ => v as f64,
        }
    };
    let mut row = 4u32;
    let mut put = |label: &str, status: &str, values: &BTreeMap<String, i64>| -> AppResult<()> {
        ws.write_string_with_format(row, 0, label, &cell)
            .map_err(xl)?;
        ws.write_string_with_format(row, 1, status, &cell)
            .map_err(xl)?;
        for (c, i) in t.indicators.iter().enumerate() {
            let col = 2 + c as u16;
            match values.get(&i.code) {
                Some(v) => ws
                    .write_number_with_format(row, col, money(i, *v), &cell)
                    .map_err(xl)?,
                None => ws.write_blank(row, col, &cell).map_err(xl)?,
            };
        }
        row += 1;
        Ok(())
    };
    for l in &t.lines {
        let status = match &l.state_label {
            Some(s) => s.clone(),
            None => format!("已审核{}/{}", l.approved, l.returns),
        };
        put(&l.label, &status, &l.values)?;
    }
    put("合计（已审核）", "", &t.total)?;
    if let (Some(last), Some(label)) = (&t.last_year, &t.last_year_label) {
        put(&format!("上年同期（{label}）"), "", last)?;
    }
    let bytes = wb.save_to_buffer().map_err(xl)?;
    Ok(download(
        &format!("{}_{}.xlsx", t.period.set_name, t.period.period_code),
        XLSX_MIME,
        bytes,
    ))
}

async fn xlsx_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    IdPath(Id(id)): IdPath<Id>,
) -> PageResult {
    Ok(xlsx(&state, &cu.actor, id).await?)
}

// ---------------------------------------------------------------------------------------------
// A return.

/// A unit's return as the reader sees it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = DirectReportReturnDetail)]
pub struct ReturnDetail {
    #[serde(flatten)]
    pub r: ReturnRow,
    pub set_name: String,
    pub period_label: String,
    pub indicators: Vec<Indicator>,
    pub figures: Vec<store::FigureRow>,
    /// What the platform's records give now, for the prefilled indicators.
    pub prefill: BTreeMap<String, i64>,
    /// Why it is locked, if it is.
    pub locked: Option<String>,
    /// What the reader may do: save, submit, approve, send_back, except.
    pub steps: Vec<String>,
}

async fn detail(
    state: &SharedState,
    actor: &Actor,
    who: &crate::audit::Who,
    id: i64,
) -> AppResult<ReturnDetail> {
    let scope = store::read_scope(actor)?;
    let r = store::get_return(&state.db, &scope, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let p = store::period(&state.db, actor, r.period_id).await?;
    let s = store::set_of(&state.db, r.period_id).await?;
    let data = s.data_set()?;
    let start = chrono::NaiveDate::parse_from_str(&p.period_start, "%Y-%m-%d")
        .map_err(|_| AppError::internal("period start"))?;
    let end = chrono::NaiveDate::parse_from_str(&p.period_end, "%Y-%m-%d")
        .map_err(|_| AppError::internal("period end"))?;
    let prefill = store::prefill(&state.db, &data.indicators, r.unit_id, start, end).await?;
    let lock = r.lock(who.today())?;
    let steps = model::available(r.state()?, r.standing(actor), lock, r.ended(who.today()))
        .into_iter()
        .map(|s| s.code().to_string())
        .collect();
    Ok(ReturnDetail {
        figures: store::figures(&state.db, &[id]).await?,
        set_name: s.name,
        period_label: p.label,
        indicators: data.indicators,
        prefill,
        locked: lock.map(|l| l.message(r.due())),
        steps,
        r,
    })
}

#[derive(Template)]
#[template(path = "direct_reports/return.html")]
struct ReturnPage {
    layout: Layout,
    d: ReturnDetail,
    /// The figures as sent back to the form after a refusal.
    sent: Option<FiguresInput>,
    errors: FieldErrors,
    error: Option<String>,
}

impl ReturnPage {
    fn can(&self, step: &str) -> bool {
        self.d.steps.iter().any(|s| s == step)
    }
    fn stored(&self, i: &Indicator) -> Option<&store::FigureRow> {
        self.d.figures.iter().find(|f| f.code == i.code)
    }
    /// The value the form shows: as sent, as stored, else the prefilled one.
    fn value(&self, i: &Indicator) -> String {
        if let Some(s) = &self.sent {
            return s.figures.get(&i.code).cloned().unwrap_or_default();
        }
        match self.stored(i).and_then(|f| f.value) {
            Some(v) => i.show(v),
            None => self.prefilled(i).map(|p| i.show(p)).unwrap_or_default(),
        }
    }
    fn reason(&self, i: &Indicator) -> String {
        if let Some(s) = &self.sent {
            return s.reasons.get(&i.code).cloned().unwrap_or_default();
        }
        self.stored(i)
            .and_then(|f| f.reason.clone())
            .unwrap_or_default()
    }
    fn prefilled(&self, i: &Indicator) -> Option<i64> {
        i.source()
            .and_then(|_| self.d.prefill.get(&i.code).copied())
    }
    fn prefilled_text(&self, i: &Indicator) -> String {
        self.prefilled(i).map(|p| i.show(p)).unwrap_or_default()
    }
    /// What the platform gave when the figure was last saved.
    fn stored_prefill(&self, i: &Indicator) -> String {
        self.stored(i)
            .and_then(|f| f.prefilled)
            .map(|p| i.show(p))
            .unwrap_or_default()
    }
    fn stored_reason(&self, i: &Indicator) -> String {
        self.stored(i)
            .and_then(|f| f.reason.clone())
            .unwrap_or_default()
    }
    fn shown(&self, i: &Indicator) -> String {
        self.stored(i)
            .and_then(|f| f.value)
            .map(|v| i.show(v))
            .unwrap_or_else(|| "—".into())
    }
    fn cell_error(&self, i: &Indicator) -> Option<&str> {
        self.errors.get(&i.field())
    }
    fn reason_error(&self, i: &Indicator) -> Option<&str> {
        self.errors.get(&format!("reasons.{}", i.code))
    }
    fn editable(&self) -> bool {
        self.can("save") || self.can("submit")
    }
}

async fn show_return(
    state: &SharedState,
    cu: &CurrentUser,
    id: i64,
    msg: Option<&str>,
    sent: Option<FiguresInput>,
    errors: FieldErrors,
    error: Option<String>,
) -> PageResult {
    let d = detail(state, &cu.actor, &cu.who, id).await?;
    let title = format!("{}（{}）{}", d.set_name, d.period_label, d.r.unit_name);
    let status = if errors.is_empty() && error.is_none() {
        StatusCode::OK
    } else if errors.is_empty() {
        StatusCode::CONFLICT
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(render_status(
        status,
        &ReturnPage {
            layout: Layout::new(cu, &title, "/direct-reports").notice(msg),
            d,
            sent,
            errors,
            error,
        },
    ))
}

async fn return_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    IdPath(Id(id)): IdPath<Id>,
    Query(q): Query<MsgQuery>,
) -> PageResult {
    show_return(
        &state,
        &cu,
        id,
        q.msg.as_deref(),
        None,
        FieldErrors::new(),
        None,
    )
    .await
}

/// The page form: `step`, then `figures.<code>` and `reasons.<code>` for save and submit, or
/// `text` for a reason.
fn step_from_pairs(pairs: &[(String, String)]) -> AppResult<(ReturnStep, Option<FiguresInput>)> {
    let p = Pairs(pairs);
    let mut f = FiguresInput::default();
    for (k, v) in pairs {
        if let Some(code) = k.strip_prefix("figures.") {
            f.figures.insert(code.to_string(), v.clone());
        } else if let Some(code) = k.strip_prefix("reasons.") {
            f.reasons.insert(code.to_string(), v.clone());
        }
    }
    let text = p.one("text");
    Ok(match p.one("step").trim() {
        "save" => (
            ReturnStep::Save {
                figures: f.figures.clone(),
                reasons: f.reasons.clone(),
            },
            Some(f),
        ),
        "submit" => (
            ReturnStep::Submit {
                figures: f.figures.clone(),
                reasons: f.reasons.clone(),
            },
            Some(f),
        ),
        "approve" => (ReturnStep::Approve {}, None),
        "send_back" => (ReturnStep::SendBack { text }, None),
        "except" => (ReturnStep::Except { text }, None),
        "" => return Err(AppError::field("step", "required", "请选择办理步骤")),
        _ => return Err(AppError::field("step", "invalid_choice", "未知的办理步骤")),
    })
}

async fn step_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    IdPath(Id(id)): IdPath<Id>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let (step, sent) = step_from_pairs(&pairs)?;
    let msg = match &step {
        ReturnStep::Save { .. } => "saved",
        ReturnStep::Submit { .. } => "submitted",
        _ => "done",
    };
    match store::run(&state.db, &state.calendar(), &cu.actor, &cu.who, id, step).await {
        Ok(()) => {
            Ok(Redirect::to(&format!("/direct-reports/returns/{id}?msg={msg}")).into_response())
        }
        Err(AppError::Validation(e)) => show_return(&state, &cu, id, None, sent, e, None).await,
        Err(AppError::Conflict { message, .. }) => {
            show_return(
                &state,
                &cu,
                id,
                None,
                sent,
                FieldErrors::new(),
                Some(message),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------------------------------------
// API.

/// The data sets the caller works with: its office's and those above it (a county reports the
/// city's), and for an office those of the offices below.
#[utoipa::path(get, path = "/api/v1/direct-reports/sets", tag = "direct_reports",
    responses((status = 200, body = Vec<SetView>), (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_sets(
    State(state): State<SharedState>,
    u: ApiUser,
) -> AppResult<Json<Vec<SetView>>> {
    let rows = store::sets(&state.db, &u.actor).await?;
    Ok(Json(
        rows.into_iter()
            .map(SetRow::view)
            .collect::<AppResult<Vec<_>>>()?,
    ))
}

/// Define a data set (an office): the indicators given, or a template's (`administrative`,
/// `criminal`), with the checks on its figures (001 §15–16).
#[utoipa::path(post, path = "/api/v1/direct-reports/sets", tag = "direct_reports", request_body = SetInput,
    responses((status = 201, body = Created), (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_create_set(
    State(state): State<SharedState>,
    u: ApiUser,
    ApiJson(input): ApiJson<SetInput>,
) -> AppResult<Response> {
    let id = store::create_set(&state.db, &u.actor, &u.who, &input).await?;
    Ok((StatusCode::CREATED, Json(Created { id })).into_response())
}

/// One data set.
#[utoipa::path(get, path = "/api/v1/direct-reports/sets/{id}", tag = "direct_reports", params(("id" = i64, Path)),
    responses((status = 200, body = SetView), (status = 404, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_set(
    State(state): State<SharedState>,
    u: ApiUser,
    IdPath(Id(id)): IdPath<Id>,
) -> AppResult<Json<SetView>> {
    Ok(Json(store::set(&state.db, &u.actor, id).await?.view()?))
}

/// Change a data set (its office): the indicators and periodicity stay fixed once a period
/// has been opened (422 `fixed`); left out, the indicators stay as they are.
#[utoipa::path(put, path = "/api/v1/direct-reports/sets/{id}", tag = "direct_reports", params(("id" = i64, Path)), request_body = SetInput,
    responses((status = 204), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_update_set(
    State(state): State<SharedState>,
    u: ApiUser,
    IdPath(Id(id)): IdPath<Id>,
    ApiJson(input): ApiJson<SetInput>,
) -> AppResult<StatusCode> {
    store::update_set(&state.db, &u.actor, &u.who, id, &input).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Open a period of a data set (its office): the due date is the set's working days after the
/// period's last day, on the deadline engine; each reporting unit gets its return and clock.
#[utoipa::path(post, path = "/api/v1/direct-reports/sets/{id}/periods", tag = "direct_reports", params(("id" = i64, Path)), request_body = PeriodInput,
    responses((status = 201, body = Created), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_open_period(
    State(state): State<SharedState>,
    u: ApiUser,
    IdPath(Id(id)): IdPath<Id>,
    ApiJson(input): ApiJson<PeriodInput>,
) -> AppResult<Response> {
    let pid =
        store::open_period(&state.db, &state.calendar(), &u.actor, &u.who, id, &input).await?;
    Ok((StatusCode::CREATED, Json(Created { id: pid })).into_response())
}

/// The periods the caller reports in, checks or opened, newest first.
#[utoipa::path(get, path = "/api/v1/direct-reports/periods", tag = "direct_reports",
    responses((status = 200, body = Vec<PeriodRow>), (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_periods(
    State(state): State<SharedState>,
    u: ApiUser,
) -> AppResult<Json<Vec<PeriodRow>>> {
    Ok(Json(store::periods(&state.db, &u.actor).await?))
}

/// A period's table for the caller: the returns it checks or made, each lower office's total
/// of its approved returns, the total of everything approved, and the same period a year
/// before.
#[utoipa::path(get, path = "/api/v1/direct-reports/periods/{id}", tag = "direct_reports", params(("id" = i64, Path)),
    responses((status = 200, body = Table), (status = 404, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_period(
    State(state): State<SharedState>,
    u: ApiUser,
    IdPath(Id(id)): IdPath<Id>,
) -> AppResult<Json<Table>> {
    Ok(Json(store::table(&state.db, &u.actor, id).await?))
}

/// Close a period (its office): every return locks until an exception is granted.
#[utoipa::path(post, path = "/api/v1/direct-reports/periods/{id}/close", tag = "direct_reports", params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_close_period(
    State(state): State<SharedState>,
    u: ApiUser,
    IdPath(Id(id)): IdPath<Id>,
) -> AppResult<StatusCode> {
    store::close_period(&state.db, &u.actor, &u.who, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The period's table as an .xlsx workbook.
#[utoipa::path(get, path = "/api/v1/direct-reports/periods/{id}/xlsx", tag = "direct_reports", params(("id" = i64, Path)),
    responses((status = 200, description = "The workbook"), (status = 404, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_period_xlsx(
    State(state): State<SharedState>,
    u: ApiUser,
    IdPath(Id(id)): IdPath<Id>,
) -> AppResult<Response> {
    xlsx(&state, &u.actor, id).await
}

/// One return with its figures, what the platform's records give now for the prefilled
/// indicators, why it is locked, and the steps the caller may take.
#[utoipa::path(get, path = "/api/v1/direct-reports/returns/{id}", tag = "direct_reports", params(("id" = i64, Path)),
    responses((status = 200, body = ReturnDetail), (status = 404, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_return(
    State(state): State<SharedState>,
    u: ApiUser,
    IdPath(Id(id)): IdPath<Id>,
) -> AppResult<Json<ReturnDetail>> {
    Ok(Json(detail(&state, &u.actor, &u.who, id).await?))
}

/// A step on a return: `save` and `submit` (the reporting unit, with `figures` and for a
/// corrected prefilled figure its reason in `reasons`), `approve`, `send_back` and `except`
/// (the office of the level above, the last two with `text`). A locked return is refused with
/// 409 `locked` and why.
#[utoipa::path(post, path = "/api/v1/direct-reports/returns/{id}/steps", tag = "direct_reports", params(("id" = i64, Path)), request_body = ReturnStep,
    responses((status = 204), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_step(
    State(state): State<SharedState>,
    u: ApiUser,
    IdPath(Id(id)): IdPath<Id>,
    crate::web::step::ApiStep(input): crate::web::step::ApiStep<ReturnStep>,
) -> AppResult<StatusCode> {
    store::run(&state.db, &state.calendar(), &u.actor, &u.who, id, input).await?;
    Ok(StatusCode::NO_CONTENT)
}
