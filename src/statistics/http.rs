//! The statistics pages, their workbooks and the API.

use askama::Template;
use axum::Json;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::cases::{self, Count};
use super::chart::{self, Bar, Series};
use super::clocks::{self, Figures, Tally};
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

/// The figures as a workbook: a sheet by unit and a sheet by kind.
fn workbook(f: &Figures, region: &str) -> AppResult<Vec<u8>> {
    use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook};
    let xl = |e: rust_xlsxwriter::XlsxError| AppError::internal(format!("xlsx: {e}"));
    let mut wb = Workbook::new();
    let title = Format::new().set_bold().set_font_size(14);
    let head = Format::new()
        .set_bold()
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::Center);
    let cell = Format::new().set_border(FormatBorder::Thin);
    let pct = Format::new()
        .set_border(FormatBorder::Thin)
        .set_num_format("0.0");
    for (name, first, rows) in [
        ("按单位", "单位", &f.units),
        ("按期限种类", "期限种类（依据）", &f.kinds),
    ] {
        let ws = wb.add_worksheet();
        ws.set_name(name).map_err(xl)?;
        ws.write_string_with_format(0, 0, format!("{region}办理时限统计表（{name}）"), &title)
            .map_err(xl)?;
        ws.write_string(
            1,
            0,
            format!("统计期间：{} 至 {}（按期限起算日）", f.from, f.to),
        )
        .map_err(xl)?;
        let headers = [
            first,
            "按期完成",
            "逾期完成",
            "逾期未完成",
            "进行中",
            "其中超期未办结",
            "豁免",
            "已结期限",
            "按期率(%)",
        ];
        for (c, h) in headers.iter().enumerate() {
            ws.write_string_with_format(3, c as u16, *h, &head)
                .map_err(xl)?;
        }
        ws.set_column_width(0, 40).map_err(xl)?;
        for (i, t) in rows.iter().chain(std::iter::once(&f.total)).enumerate() {
            let row = 4 + i as u32;
            ws.write_string_with_format(row, 0, &t.label, &cell)
                .map_err(xl)?;
            for (j, v) in [
                t.on_time,
                t.late,
                t.missed,
                t.running,
                t.overdue_open,
                t.waived,
                t.settled,
            ]
            .iter()
            .enumerate()
            {
                ws.write_number_with_format(row, 1 + j as u16, *v as f64, &cell)
                    .map_err(xl)?;
            }
            match t.on_time_rate {
                Some(p) => ws.write_number_with_format(row, 8, p, &pct).map_err(xl)?,
                None => ws
                    .write_string_with_format(row, 8, "—", &cell)
                    .map_err(xl)?,
            };
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
