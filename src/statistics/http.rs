//! The statistics pages, their workbooks and the API.

use askama::Template;
use axum::Json;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use serde::Serialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::cases::{self, Count};
use super::chart::{self, Bar, Series};
use super::clocks::{self, Figures, Tally};
use super::{rounds, tasks};
use crate::access::{Action, Actor, Resource};
use crate::error::{AppError, AppResult};
use crate::web::SharedState;
use crate::web::extract::{ApiUser, CurrentUser, Query};
use crate::web::files::{XLSX_MIME, download};
use crate::web::page::{Layout, PageResult, render};
use crate::web::period::Period;

pub fn routes() -> OpenApiRouter<SharedState> {
    OpenApiRouter::new()
        .route("/statistics/clocks", get(clocks_page))
        .route("/statistics/clocks.xlsx", get(clocks_xlsx_page))
        .routes(routes!(api_clocks))
        .routes(routes!(api_clocks_xlsx))
        .route("/statistics/cases", get(cases_page))
        .route("/statistics/cases.xlsx", get(cases_xlsx_page))
        .routes(routes!(api_cases))
        .route("/statistics/tasks", get(tasks_page))
        .route("/statistics/tasks.xlsx", get(tasks_xlsx_page))
        .routes(routes!(api_tasks))
        .route("/statistics/rounds", get(rounds_page))
        .route("/statistics/rounds.xlsx", get(rounds_xlsx_page))
        .routes(routes!(api_rounds))
        .route("/statistics/mine", get(mine_page))
        .route("/statistics/mine.xlsx", get(mine_xlsx_page))
        .routes(routes!(api_mine))
        .routes(routes!(api_mine_xlsx))
}

async fn compute(state: &SharedState, actor: &Actor, p: &Period) -> AppResult<Figures> {
    let scope = actor.require(Resource::Deadline, Action::Read)?;
    let today = state.clock.today();
    let (from, to) = p.parse(today)?;
    let facts = super::store::clock_facts(&state.db, &scope, from, to, today).await?;
    let mut f = clocks::tally(&from.to_string(), &to.to_string(), &facts);
    // Kinds are shown by their clause as officials cite it, not by the platform's code.
    for k in &mut f.kinds {
        k.label = crate::domain::citation::cite(&k.label);
    }
    Ok(f)
}

const SERIES: [Series; 4] = [
    Series {
        name: "按期完成",
        class: "s-ok",
    },
    Series {
        name: "逾期完成",
        class: "s-late",
    },
    Series {
        name: "逾期未完成",
        class: "s-missed",
    },
    Series {
        name: "超期未办结",
        class: "s-open",
    },
];

fn bars(rows: &[Tally]) -> Vec<Bar> {
    rows.iter()
        .map(|t| Bar {
            label: t.label.clone(),
            values: vec![t.on_time, t.late, t.missed, t.overdue_open],
        })
        .collect()
}

#[derive(Template)]
#[template(path = "statistics/clocks.html")]
struct ClocksPage {
    layout: Layout,
    f: Figures,
    unit_chart: String,
    kind_chart: String,
}

async fn clocks_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    Query(p): Query<Period>,
) -> PageResult {
    let f = compute(&state, &cu.actor, &p).await?;
    Ok(render(&ClocksPage {
        layout: Layout::new(&cu, "办理时限统计", "/statistics/clocks"),
        unit_chart: chart::stacked_bars("各单位办理时限情况", &SERIES, &bars(&f.units)),
        kind_chart: chart::stacked_bars("各类期限办理情况", &SERIES, &bars(&f.kinds)),
        f,
    }))
}

/// The formats every statistics workbook writes with.
struct Formats {
    title: rust_xlsxwriter::Format,
    head: rust_xlsxwriter::Format,
    cell: rust_xlsxwriter::Format,
    pct: rust_xlsxwriter::Format,
}

impl Formats {
    fn new() -> Formats {
        use rust_xlsxwriter::{Format, FormatAlign, FormatBorder};
        Formats {
            title: Format::new().set_bold().set_font_size(14),
            head: Format::new()
                .set_bold()
                .set_border(FormatBorder::Thin)
                .set_align(FormatAlign::Center),
            cell: Format::new().set_border(FormatBorder::Thin),
            pct: Format::new()
                .set_border(FormatBorder::Thin)
                .set_num_format("0.0"),
        }
    }
}

fn xl(e: rust_xlsxwriter::XlsxError) -> AppError {
    AppError::internal(format!("xlsx: {e}"))
}

type Sheet<'a> = &'a mut rust_xlsxwriter::Worksheet;

/// A worksheet named `name` with its title, the line under it and the table's headers on the
/// fourth row: the table's rows start on the fifth (row 4).
fn sheet<'a>(
    wb: &'a mut rust_xlsxwriter::Workbook,
    fm: &Formats,
    name: &str,
    title: &str,
    line: &str,
    headers: &[&str],
) -> Result<Sheet<'a>, rust_xlsxwriter::XlsxError> {
    let ws = wb.add_worksheet();
    ws.set_name(name)?;
    ws.write_string_with_format(0, 0, title, &fm.title)?;
    ws.write_string(1, 0, line)?;
    heads(ws, 3, headers, &fm.head)?;
    Ok(ws)
}

/// A label, then numbers, from column 0 of `row`.
fn values_row(
    ws: &mut rust_xlsxwriter::Worksheet,
    fm: &Formats,
    row: u32,
    label: &str,
    values: &[i64],
) -> Result<(), rust_xlsxwriter::XlsxError> {
    ws.write_string_with_format(row, 0, label, &fm.cell)?;
    for (j, v) in values.iter().enumerate() {
        ws.write_number_with_format(row, 1 + j as u16, *v as f64, &fm.cell)?;
    }
    Ok(())
}

/// A label, then numbers, then a rate (— when there is none), from column 0 of `row`.
fn figures_row(
    ws: &mut rust_xlsxwriter::Worksheet,
    fm: &Formats,
    row: u32,
    label: &str,
    values: &[i64],
    rate: Option<f64>,
) -> Result<(), rust_xlsxwriter::XlsxError> {
    values_row(ws, fm, row, label, values)?;
    let col = 1 + values.len() as u16;
    match rate {
        Some(p) => ws.write_number_with_format(row, col, p, &fm.pct)?,
        None => ws.write_string_with_format(row, col, "—", &fm.cell)?,
    };
    Ok(())
}

/// The columns after the first of a table of clocks, and a row of one.
const CLOCK_HEADS: [&str; 8] = [
    "按期完成",
    "逾期完成",
    "逾期未完成",
    "进行中",
    "其中超期未办结",
    "豁免",
    "已结期限",
    "按期率(%)",
];

fn clock_values(t: &Tally) -> [i64; 7] {
    [
        t.on_time,
        t.late,
        t.missed,
        t.running,
        t.overdue_open,
        t.waived,
        t.settled,
    ]
}

fn with_first<'a>(first: &'a str, rest: &[&'a str]) -> Vec<&'a str> {
    std::iter::once(first).chain(rest.iter().copied()).collect()
}

/// The figures as a workbook: a sheet by unit and a sheet by kind.
fn workbook(f: &Figures, region: &str) -> AppResult<Vec<u8>> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let fm = Formats::new();
    let line = format!("统计期间：{} 至 {}（按期限起算日）", f.from, f.to);
    for (name, first, rows) in [
        ("按单位", "单位", &f.units),
        ("按期限种类", "期限种类（依据）", &f.kinds),
    ] {
        let title = format!("{region}办理时限统计表（{name}）");
        let ws = sheet(
            &mut wb,
            &fm,
            name,
            &title,
            &line,
            &with_first(first, &CLOCK_HEADS),
        )
        .map_err(xl)?;
        for (i, t) in rows.iter().chain(std::iter::once(&f.total)).enumerate() {
            figures_row(
                ws,
                &fm,
                4 + i as u32,
                &t.label,
                &clock_values(t),
                t.on_time_rate,
            )
            .map_err(xl)?;
        }
    }
    wb.save_to_buffer().map_err(xl)
}

async fn xlsx(state: &SharedState, actor: &Actor, p: &Period) -> AppResult<Response> {
    let f = compute(state, actor, p).await?;
    let bytes = workbook(&f, &actor.unit_name)?;
    Ok(download(
        &format!("办理时限统计_{}_{}.xlsx", f.from, f.to),
        XLSX_MIME,
        bytes,
    ))
}

async fn clocks_xlsx_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    Query(p): Query<Period>,
) -> PageResult {
    Ok(xlsx(&state, &cu.actor, &p).await?)
}

/// The timeliness of the clocks started in the period whose owner unit is in the caller's
/// scope, by unit and by kind: on time, late (met after the due date), missed, running and
/// running past due, waived, and the on-time rate of the settled ones.
#[utoipa::path(get, path = "/api/v1/statistics/clocks", tag = "statistics", params(Period),
    responses((status = 200, body = Figures), (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_clocks(
    State(state): State<SharedState>,
    u: ApiUser,
    Query(p): Query<Period>,
) -> AppResult<Json<Figures>> {
    Ok(Json(compute(&state, &u.actor, &p).await?))
}

/// The same figures as an .xlsx workbook (a sheet by unit, a sheet by kind).
#[utoipa::path(get, path = "/api/v1/statistics/clocks.xlsx", tag = "statistics", params(Period),
    responses((status = 200, description = "The workbook", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_clocks_xlsx(
    State(state): State<SharedState>,
    u: ApiUser,
    Query(p): Query<Period>,
) -> AppResult<Response> {
    xlsx(&state, &u.actor, &p).await
}

// ---- supervised cases ----

async fn case_figures(state: &SharedState, actor: &Actor) -> AppResult<cases::Figures> {
    let scope = crate::cases::store::read_scope(actor)?;
    super::store::case_figures(&state.db, &scope, state.clock.today()).await
}

fn count_bars(rows: &[Count]) -> Vec<Bar> {
    rows.iter()
        .map(|c| Bar {
            label: c.label.clone(),
            values: vec![c.count],
        })
        .collect()
}

const CASES: [Series; 1] = [Series {
    name: "案件数",
    class: "s-ok",
}];

/// One table of the cases page: its title, its id, and its counts with their chart.
pub struct Part {
    pub title: &'static str,
    pub id: &'static str,
    pub rows: Vec<Count>,
    pub chart: String,
}

#[derive(Template)]
#[template(path = "statistics/cases.html")]
struct CasesPage {
    layout: Layout,
    f: cases::Figures,
    parts: Vec<Part>,
}

fn parts(f: &cases::Figures) -> Vec<Part> {
    [
        ("全部案件按办理状态", "cases-by-state", &f.states),
        (
            "督办中案件按督办情形（第二条）",
            "cases-by-ground",
            &f.grounds,
        ),
        (
            "督办中案件按主办单位所在地区",
            "cases-by-region",
            &f.lead_regions,
        ),
        ("督办中案件按受理时长", "cases-by-age", &f.ages),
    ]
    .into_iter()
    .map(|(title, id, rows)| Part {
        title,
        id,
        chart: chart::stacked_bars(title, &CASES, &count_bars(rows)),
        rows: rows.clone(),
    })
    .collect()
}

async fn cases_page(State(state): State<SharedState>, cu: CurrentUser) -> PageResult {
    let f = case_figures(&state, &cu.actor).await?;
    Ok(render(&CasesPage {
        layout: Layout::new(&cu, "重大案件督办统计", "/statistics/cases"),
        parts: parts(&f),
        f,
    }))
}

async fn cases_xlsx_page(State(state): State<SharedState>, cu: CurrentUser) -> PageResult {
    use rust_xlsxwriter::{Format, FormatBorder, Workbook};
    let xl = |e: rust_xlsxwriter::XlsxError| AppError::internal(format!("xlsx: {e}"));
    let f = case_figures(&state, &cu.actor).await?;
    let today = state.clock.today();
    let mut wb = Workbook::new();
    let title = Format::new().set_bold().set_font_size(14);
    let head = Format::new().set_bold().set_border(FormatBorder::Thin);
    let cell = Format::new().set_border(FormatBorder::Thin);
    let region = &cu.actor.unit_name;
    for (i, p) in parts(&f).iter().enumerate() {
        let ws = wb.add_worksheet();
        ws.set_name(["按状态", "按督办情形", "按主办地区", "按受理时长"][i])
            .map_err(xl)?;
        ws.write_string_with_format(0, 0, format!("{region}{}", p.title), &title)
            .map_err(xl)?;
        ws.write_string(
            1,
            0,
            format!("统计日期：{}", crate::calendar::date_zh(today)),
        )
        .map_err(xl)?;
        ws.write_string_with_format(3, 0, "项目", &head)
            .map_err(xl)?;
        ws.write_string_with_format(3, 1, "案件数", &head)
            .map_err(xl)?;
        ws.set_column_width(0, 48).map_err(xl)?;
        for (r, c) in p.rows.iter().enumerate() {
            let row = 4 + r as u32;
            ws.write_string_with_format(row, 0, &c.label, &cell)
                .map_err(xl)?;
            ws.write_number_with_format(row, 1, c.count as f64, &cell)
                .map_err(xl)?;
        }
    }
    let ws = wb.add_worksheet();
    ws.set_name("逾期最多和最久").map_err(xl)?;
    for (c, h) in [
        "案件编号",
        "案件名称",
        "状态",
        "受理日期",
        "受理天数",
        "主办单位",
        "逾期期限数",
    ]
    .iter()
    .enumerate()
    {
        ws.write_string_with_format(0, c as u16, *h, &head)
            .map_err(xl)?;
    }
    for (r, b) in f.behind.iter().enumerate() {
        let row = 1 + r as u32;
        ws.write_string(row, 0, &b.code).map_err(xl)?;
        ws.write_string(row, 1, &b.title).map_err(xl)?;
        ws.write_string(row, 2, b.state_label()).map_err(xl)?;
        ws.write_string(row, 3, crate::calendar::date_zh(&b.received_on))
            .map_err(xl)?;
        ws.write_number(row, 4, b.age_days as f64).map_err(xl)?;
        ws.write_string(row, 5, b.lead_unit_name.as_deref().unwrap_or("未确定"))
            .map_err(xl)?;
        ws.write_number(row, 6, b.late_clocks as f64).map_err(xl)?;
    }
    let bytes = wb.save_to_buffer().map_err(xl)?;
    Ok(download(
        &format!("重大案件督办统计_{today}.xlsx"),
        XLSX_MIME,
        bytes,
    ))
}

/// The supervised major cases in the caller's scope: every case by state; those under
/// supervision (decided to circulated) by ground, by their lead unit's region and by age; the
/// 20 with the most clocks not done in time, then the oldest.
#[utoipa::path(get, path = "/api/v1/statistics/cases", tag = "statistics",
    responses((status = 200, body = cases::Figures), (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_cases(
    State(state): State<SharedState>,
    u: ApiUser,
) -> AppResult<Json<cases::Figures>> {
    Ok(Json(case_figures(&state, &u.actor).await?))
}

// ---- supervised tasks and decided items ----

async fn task_figures(state: &SharedState, actor: &Actor, p: &Period) -> AppResult<tasks::Figures> {
    let scope = crate::tasks::store::read_scope(actor)?;
    let today = state.clock.today();
    let (from, to) = p.parse(today)?;
    let facts = super::store::task_facts(&state.db, &scope, from, to, today).await?;
    Ok(tasks::tally(&from.to_string(), &to.to_string(), &facts))
}

const TASK_STATES: [Series; 2] = [
    Series {
        name: "会议议定事项",
        class: "s-open",
    },
    Series {
        name: "其他督办任务",
        class: "s-ok",
    },
];

fn task_bars(rows: &[tasks::Row]) -> Vec<Bar> {
    rows.iter()
        .map(|r| Bar {
            label: r.clocks.label.clone(),
            values: vec![
                r.clocks.on_time,
                r.clocks.late,
                r.clocks.missed,
                r.clocks.overdue_open,
            ],
        })
        .collect()
}

#[derive(Template)]
#[template(path = "statistics/tasks.html")]
struct TasksPage {
    layout: Layout,
    f: tasks::Figures,
    state_chart: String,
    unit_chart: String,
    source_chart: String,
}

impl TasksPage {
    /// The task list behind a figure, as an attribute value: the tasks of the period, narrowed
    /// by `more` (codes, ids and `&amp;` only; the dates are the parsed period's).
    fn list(&self, more: &str) -> String {
        format!(
            "/tasks?from={}&amp;to={}&amp;{more}",
            self.f.from, self.f.to
        )
    }
}

async fn tasks_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    Query(p): Query<Period>,
) -> PageResult {
    let f = task_figures(&state, &cu.actor, &p).await?;
    let states: Vec<Bar> = f
        .states
        .iter()
        .map(|s| Bar {
            label: s.label.clone(),
            values: vec![s.decided_items, s.others()],
        })
        .collect();
    Ok(render(&TasksPage {
        layout: Layout::new(&cu, "督办任务统计", "/statistics/tasks"),
        state_chart: chart::stacked_bars("督办任务和议定事项按办理状态", &TASK_STATES, &states),
        unit_chart: chart::stacked_bars(
            "各牵头单位督办任务办理时限",
            &SERIES,
            &task_bars(&f.units),
        ),
        source_chart: chart::stacked_bars(
            "各来源督办任务办理时限",
            &SERIES,
            &task_bars(&f.sources),
        ),
        f,
    }))
}

/// Write the header row `headers` at `row`, and the column widths.
fn heads(
    ws: &mut rust_xlsxwriter::Worksheet,
    row: u32,
    headers: &[&str],
    head: &rust_xlsxwriter::Format,
) -> Result<(), rust_xlsxwriter::XlsxError> {
    for (c, h) in headers.iter().enumerate() {
        ws.write_string_with_format(row, c as u16, *h, head)?;
    }
    ws.set_column_width(0, 40)?;
    Ok(())
}

/// The columns after the first of a table of tasks, and a row of one.
const TASK_HEADS: [&str; 9] = [
    "督办任务",
    "其中会议议定事项",
    "已办结",
    "按期完成",
    "逾期完成",
    "逾期未完成",
    "办理中",
    "其中超期未办结",
    "按期率(%)",
];

fn task_values(r: &tasks::Row) -> [i64; 8] {
    let t = &r.clocks;
    [
        r.tasks,
        r.decided_items,
        r.accepted,
        t.on_time,
        t.late,
        t.missed,
        t.running,
        t.overdue_open,
    ]
}

fn tasks_workbook(f: &tasks::Figures, region: &str) -> AppResult<Vec<u8>> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let fm = Formats::new();
    let period = format!("统计期间：{} 至 {}（按交办日期）", f.from, f.to);

    let ws = sheet(
        &mut wb,
        &fm,
        "按办理状态",
        &format!("{region}督办任务统计表（按办理状态）"),
        &period,
        &["办理状态", "督办任务", "其中会议议定事项"],
    )
    .map_err(xl)?;
    for (i, s) in f.states.iter().enumerate() {
        let row = 4 + i as u32;
        ws.write_string_with_format(row, 0, &s.label, &fm.cell)
            .map_err(xl)?;
        ws.write_number_with_format(row, 1, s.tasks as f64, &fm.cell)
            .map_err(xl)?;
        ws.write_number_with_format(row, 2, s.decided_items as f64, &fm.cell)
            .map_err(xl)?;
    }

    for (name, first, rows) in [
        ("按牵头单位", "牵头单位", &f.units),
        ("按任务来源", "任务来源", &f.sources),
    ] {
        let title = format!("{region}督办任务统计表（{name}）");
        let ws = sheet(
            &mut wb,
            &fm,
            name,
            &title,
            &period,
            &with_first(first, &TASK_HEADS),
        )
        .map_err(xl)?;
        for (i, r) in rows.iter().chain(std::iter::once(&f.total)).enumerate() {
            let t = &r.clocks;
            figures_row(
                ws,
                &fm,
                4 + i as u32,
                &t.label,
                &task_values(r),
                t.on_time_rate,
            )
            .map_err(xl)?;
        }
    }
    wb.save_to_buffer().map_err(xl)
}

async fn tasks_xlsx_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    Query(p): Query<Period>,
) -> PageResult {
    let f = task_figures(&state, &cu.actor, &p).await?;
    let bytes = tasks_workbook(&f, &cu.actor.unit_name)?;
    Ok(download(
        &format!("督办任务统计_{}_{}.xlsx", f.from, f.to),
        XLSX_MIME,
        bytes,
    ))
}

/// The supervised tasks assigned in the period whose lead unit is in the caller's scope —
/// decided items of the group's meetings among them — by state, by lead unit (the units most
/// behind first) and by source, each with its time limit's timeliness on the deadline domain's
/// definition: on time, late (done after the time limit), missed, running past it.
#[utoipa::path(get, path = "/api/v1/statistics/tasks", tag = "statistics", params(Period),
    responses((status = 200, body = tasks::Figures), (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_tasks(
    State(state): State<SharedState>,
    u: ApiUser,
    Query(p): Query<Period>,
) -> AppResult<Json<tasks::Figures>> {
    Ok(Json(task_figures(&state, &u.actor, &p).await?))
}

// ---- report rounds ----

async fn round_figures(
    state: &SharedState,
    actor: &Actor,
    p: &Period,
) -> AppResult<rounds::Figures> {
    let scope = crate::reports::store::read_scope(actor)?;
    let today = state.clock.today();
    let (from, to) = p.parse(today)?;
    let facts = super::store::round_facts(&state.db, &scope, from, to).await?;
    Ok(rounds::tally(
        &from.to_string(),
        &to.to_string(),
        today,
        &facts,
    ))
}

const ROUNDS: [Series; 4] = [
    Series {
        name: "按时报送",
        class: "s-ok",
    },
    Series {
        name: "逾期报送",
        class: "s-late",
    },
    Series {
        name: "逾期未报",
        class: "s-missed",
    },
    Series {
        name: "未报送",
        class: "s-open",
    },
];

fn round_values(c: &rounds::Counts) -> Vec<i64> {
    vec![c.on_time, c.late, c.missing, c.pending]
}

#[derive(Template)]
#[template(path = "statistics/rounds.html")]
struct RoundsPage {
    layout: Layout,
    f: rounds::Figures,
    unit_chart: String,
    round_chart: String,
}

async fn rounds_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    Query(p): Query<Period>,
) -> PageResult {
    let f = round_figures(&state, &cu.actor, &p).await?;
    let units: Vec<Bar> = f
        .units
        .iter()
        .map(|u| Bar {
            label: u.label.clone(),
            values: round_values(&u.counts),
        })
        .collect();
    let rounds: Vec<Bar> = f
        .rounds
        .iter()
        .map(|r| Bar {
            label: r.period_label.clone(),
            values: round_values(&r.counts),
        })
        .collect();
    Ok(render(&RoundsPage {
        layout: Layout::new(&cu, "信息报送统计", "/statistics/rounds"),
        unit_chart: chart::stacked_bars("各单位报送情况", &ROUNDS, &units),
        round_chart: chart::stacked_bars("各轮次报送情况", &ROUNDS, &rounds),
        f,
    }))
}

/// The columns after the first of a table of report rounds by unit.
const ROUND_HEADS: [&str; 5] = ["按时报送", "逾期报送", "逾期未报", "未报送", "按时率(%)"];

fn rounds_workbook(f: &rounds::Figures, region: &str) -> AppResult<Vec<u8>> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let fm = Formats::new();
    let period = format!("统计期间：{} 至 {}（按报送期别起始日）", f.from, f.to);

    let ws = sheet(
        &mut wb,
        &fm,
        "按轮次",
        &format!("{region}信息报送统计表（按轮次）"),
        &period,
        &[
            "报送期别",
            "信息类别",
            "报送时限",
            "按时报送",
            "逾期报送",
            "逾期未报",
            "未报送",
            "按时率(%)",
            "逾期报送单位",
            "逾期未报单位",
            "未报送单位",
        ],
    )
    .map_err(xl)?;
    ws.set_column_width(1, 30).map_err(xl)?;
    for (i, r) in f.rounds.iter().enumerate() {
        let row = 4 + i as u32;
        for (j, text) in [&r.period_label, &r.kind_label, &r.due_on]
            .iter()
            .enumerate()
        {
            ws.write_string_with_format(row, j as u16, *text, &fm.cell)
                .map_err(xl)?;
        }
        for (j, v) in round_values(&r.counts).iter().enumerate() {
            ws.write_number_with_format(row, 3 + j as u16, *v as f64, &fm.cell)
                .map_err(xl)?;
        }
        match r.counts.on_time_rate {
            Some(p) => ws.write_number_with_format(row, 7, p, &fm.pct),
            None => ws.write_string_with_format(row, 7, "—", &fm.cell),
        }
        .map_err(xl)?;
        for (j, s) in ["late", "missing", "pending"].iter().enumerate() {
            ws.write_string_with_format(row, 8 + j as u16, r.names(s), &fm.cell)
                .map_err(xl)?;
        }
    }

    let title = format!("{region}信息报送统计表（按单位）");
    let ws = sheet(
        &mut wb,
        &fm,
        "按单位",
        &title,
        &period,
        &with_first("单位", &ROUND_HEADS),
    )
    .map_err(xl)?;
    for (i, u) in f.units.iter().chain(std::iter::once(&f.total)).enumerate() {
        figures_row(
            ws,
            &fm,
            4 + i as u32,
            &u.label,
            &round_values(&u.counts),
            u.counts.on_time_rate,
        )
        .map_err(xl)?;
    }
    wb.save_to_buffer().map_err(xl)
}

async fn rounds_xlsx_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    Query(p): Query<Period>,
) -> PageResult {
    let f = round_figures(&state, &cu.actor, &p).await?;
    let bytes = rounds_workbook(&f, &cu.actor.unit_name)?;
    Ok(download(
        &format!("信息报送统计_{}_{}.xlsx", f.from, f.to),
        XLSX_MIME,
        bytes,
    ))
}

/// The report rounds whose reporting period starts in the period, for the reporting units in
/// the caller's scope: for each round who reported on time, late, not yet, or is missing
/// (each unit judged against its own clock's due date, as on the round's page); for each unit
/// how many rounds stand each way, the units missing or late first.
#[utoipa::path(get, path = "/api/v1/statistics/rounds", tag = "statistics", params(Period),
    responses((status = 200, body = rounds::Figures), (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_rounds(
    State(state): State<SharedState>,
    u: ApiUser,
    Query(p): Query<Period>,
) -> AppResult<Json<rounds::Figures>> {
    Ok(Json(round_figures(&state, &u.actor, &p).await?))
}

// ---- the reader's own unit ----

/// The to-do centre's items in one group of urgency.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DutyCount {
    /// `overdue`, `due_today`, `due_this_week` or `other`.
    pub urgency: String,
    pub label: String,
    pub count: i64,
}

/// The reader's own unit: what waits for the reader and the unit in the to-do centre, and the
/// unit's record this year — its clocks, the tasks it leads, its report rounds.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = OwnUnitFigures)]
pub struct Mine {
    pub unit_id: i64,
    pub unit_name: String,
    /// From 1 January of this year to today (YYYY-MM-DD).
    pub from: String,
    pub to: String,
    /// The to-do centre (`/`) by urgency: duties to take and clocks running.
    pub duties: Vec<DutyCount>,
    /// The unit's clocks started this year.
    pub clocks: Tally,
    /// The same by kind of clock (its clause as officials cite it).
    pub kinds: Vec<Tally>,
    /// The tasks it leads, assigned this year (when the reader may read tasks).
    pub tasks: Option<tasks::Row>,
    /// Its report rounds of this year (when the reader may read reports).
    pub rounds: Option<rounds::UnitRow>,
}

async fn mine(state: &SharedState, actor: &Actor) -> AppResult<Mine> {
    use crate::access::Scope;
    use chrono::Datelike;
    actor.require(Resource::Deadline, Action::Read)?;
    let today = state.clock.today();
    let from = chrono::NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap_or(today);
    let (f, t) = (from.to_string(), today.to_string());
    let own = Scope::Unit(actor.unit_id);
    let items = crate::notify::store::agenda(&state.db, actor).await?;
    let duties = crate::notify::agenda::group(items, today)
        .into_iter()
        .map(|g| DutyCount {
            urgency: g.urgency.code().into(),
            label: g.label.into(),
            count: g.items.len() as i64,
        })
        .collect();
    let facts = super::store::clock_facts(&state.db, &own, from, today, today).await?;
    let mut c = clocks::tally(&f, &t, &facts);
    for k in &mut c.kinds {
        k.label = crate::domain::citation::cite(&k.label);
    }
    let mut total = c.total;
    total.unit_id = Some(actor.unit_id);
    total.label = actor.unit_name.clone();
    let tasks = if actor.can(Resource::Task, Action::Read) {
        let facts = super::store::task_facts(&state.db, &own, from, today, today).await?;
        let mut row = tasks::tally(&f, &t, &facts).total;
        row.clocks.unit_id = Some(actor.unit_id);
        row.clocks.label = actor.unit_name.clone();
        Some(row)
    } else {
        None
    };
    let rounds = if actor.can(Resource::Report, Action::Read) {
        let facts = super::store::round_facts(&state.db, &own, from, today).await?;
        let mut row = rounds::tally(&f, &t, today, &facts).total;
        row.unit_id = Some(actor.unit_id);
        row.label = actor.unit_name.clone();
        Some(row)
    } else {
        None
    };
    Ok(Mine {
        unit_id: actor.unit_id,
        unit_name: actor.unit_name.clone(),
        from: f,
        to: t,
        duties,
        clocks: total,
        kinds: c.kinds,
        tasks,
        rounds,
    })
}

#[derive(Template)]
#[template(path = "statistics/mine.html")]
struct MinePage {
    layout: Layout,
    m: Mine,
}

async fn mine_page(State(state): State<SharedState>, cu: CurrentUser) -> PageResult {
    let m = mine(&state, &cu.actor).await?;
    Ok(render(&MinePage {
        layout: Layout::new(&cu, "本单位情况", "/statistics/mine"),
        m,
    }))
}

/// The caller's own unit: the to-do centre's items by urgency, and this year's record of the
/// unit — its clocks on time, late, missed and running past due (in total and by kind), the
/// tasks it leads and its report rounds.
#[utoipa::path(get, path = "/api/v1/statistics/mine", tag = "statistics",
    responses((status = 200, body = Mine), (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_mine(State(state): State<SharedState>, u: ApiUser) -> AppResult<Json<Mine>> {
    Ok(Json(mine(&state, &u.actor).await?))
}

/// The own unit's figures as a workbook: its to-dos, its clocks this year by kind, and the
/// tasks it leads and its report rounds when the reader may read them.
fn mine_workbook(m: &Mine) -> AppResult<Vec<u8>> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let fm = Formats::new();
    let unit = &m.unit_name;
    let labels: Vec<&str> = m.duties.iter().map(|d| d.label.as_str()).collect();
    let ws = sheet(
        &mut wb,
        &fm,
        "待办",
        &format!("{unit}待办事项"),
        &format!("统计日期：{}", m.to),
        &with_first("单位", &labels),
    )
    .map_err(xl)?;
    let counts: Vec<i64> = m.duties.iter().map(|d| d.count).collect();
    values_row(ws, &fm, 4, unit, &counts).map_err(xl)?;

    let period = format!("统计期间：{} 至 {}（按期限起算日）", m.from, m.to);
    let ws = sheet(
        &mut wb,
        &fm,
        "本年办理时限",
        &format!("{unit}办理时限统计表"),
        &period,
        &with_first("期限种类（依据）", &CLOCK_HEADS),
    )
    .map_err(xl)?;
    let total = Tally {
        label: "合计".into(),
        ..m.clocks.clone()
    };
    for (i, t) in m.kinds.iter().chain(std::iter::once(&total)).enumerate() {
        figures_row(
            ws,
            &fm,
            4 + i as u32,
            &t.label,
            &clock_values(t),
            t.on_time_rate,
        )
        .map_err(xl)?;
    }

    if let Some(r) = &m.tasks {
        let ws = sheet(
            &mut wb,
            &fm,
            "牵头督办任务",
            &format!("{unit}牵头督办任务统计表"),
            &format!("统计期间：{} 至 {}（按交办日期）", m.from, m.to),
            &with_first("单位", &TASK_HEADS),
        )
        .map_err(xl)?;
        figures_row(ws, &fm, 4, unit, &task_values(r), r.clocks.on_time_rate).map_err(xl)?;
    }
    if let Some(u) = &m.rounds {
        let ws = sheet(
            &mut wb,
            &fm,
            "信息报送",
            &format!("{unit}信息报送统计表"),
            &format!("统计期间：{} 至 {}（按报送期别起始日）", m.from, m.to),
            &with_first("单位", &ROUND_HEADS),
        )
        .map_err(xl)?;
        figures_row(
            ws,
            &fm,
            4,
            unit,
            &round_values(&u.counts),
            u.counts.on_time_rate,
        )
        .map_err(xl)?;
    }
    wb.save_to_buffer().map_err(xl)
}

async fn mine_xlsx(state: &SharedState, actor: &Actor) -> AppResult<Response> {
    let m = mine(state, actor).await?;
    let bytes = mine_workbook(&m)?;
    Ok(download(
        &format!("本单位情况_{}_{}.xlsx", m.from, m.to),
        XLSX_MIME,
        bytes,
    ))
}

async fn mine_xlsx_page(State(state): State<SharedState>, cu: CurrentUser) -> PageResult {
    Ok(mine_xlsx(&state, &cu.actor).await?)
}

/// The same figures as an .xlsx workbook: a sheet of to-dos, one of the unit's clocks this
/// year by kind, and one each for the tasks it leads and its report rounds when the caller
/// may read them.
#[utoipa::path(get, path = "/api/v1/statistics/mine.xlsx", tag = "statistics",
    responses((status = 200, description = "The workbook", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_mine_xlsx(State(state): State<SharedState>, u: ApiUser) -> AppResult<Response> {
    mine_xlsx(&state, &u.actor).await
}
