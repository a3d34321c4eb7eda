//! The calendar page (a year as a month grid, edited by the system administrator) and the
//! calendar API; the same queries serve the command line.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::{Datelike, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

use super::{Calendar, CalendarError, Computation, DayKind};
use crate::access::{Action, Resource};
use crate::domain::{FieldError, FieldErrors};
use crate::error::{AppError, AppResult};
use crate::web::SharedState;
use crate::web::extract::{ApiJson, ApiUser, CsrfForm, CurrentUser};
use crate::web::page::{Layout, PageResult, render, render_status};

pub fn routes() -> Router<SharedState> {
    Router::new()
        .route("/calendar", get(page).post(save_page))
        .route("/calendar/{year}/schedule.toml", get(download))
        .route("/api/v1/calendar/workday", get(api_workday))
        .route("/api/v1/calendar/add-workdays", get(api_add_workdays))
        .route("/api/v1/calendar/add-days", get(api_add_days))
        .route("/api/v1/calendar/years", get(api_years))
        .route(
            "/api/v1/calendar/years/{year}",
            axum::routing::put(api_save_year),
        )
}

// ---- queries shared with the command line ----

pub fn parse_date(field: &str, raw: &str) -> Result<NaiveDate, FieldError> {
    NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d").map_err(|_| {
        FieldError::new(
            field,
            "invalid_format",
            "日期格式应为YYYY-MM-DD，如2026-11-23",
        )
    })
}

pub fn parse_amount(field: &str, raw: &str) -> Result<u32, FieldError> {
    raw.trim()
        .parse::<u32>()
        .ok()
        .filter(|n| *n <= 3650)
        .ok_or_else(|| FieldError::new(field, "invalid_format", "天数应为0至3650之间的整数"))
}

pub fn describe(kind: &DayKind) -> String {
    match kind {
        DayKind::Workday => "工作日".into(),
        DayKind::MakeupWorkday { holiday } => format!("调休上班日（{holiday}）"),
        DayKind::Weekend => "周末休息日".into(),
        DayKind::Holiday { name } => format!("法定节假日（{name}）"),
    }
}

fn calendar_error(e: CalendarError) -> AppError {
    let code = match e {
        CalendarError::UnknownYear(_) => "calendar_year_missing",
        _ => "calendar_error",
    };
    AppError::conflict(code, e.to_string())
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct WorkdayAnswer {
    pub date: String,
    pub workday: bool,
    /// 工作日 / 调休上班日（…） / 周末休息日 / 法定节假日（…）
    pub kind: String,
}

pub fn workday(cal: &Calendar, date: NaiveDate) -> AppResult<WorkdayAnswer> {
    let kind = cal.day_kind(date).map_err(calendar_error)?;
    Ok(WorkdayAnswer {
        date: date.to_string(),
        workday: kind.is_workday(),
        kind: describe(&kind),
    })
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct PeriodAnswer {
    pub start: String,
    pub n: u32,
    /// The last day of the period, YYYY-MM-DD.
    pub due: String,
    /// The arithmetic in Chinese: skipped holidays, counted make-up days, roll-forward.
    pub explanation: String,
}

fn answer(c: Computation, n: u32) -> PeriodAnswer {
    PeriodAnswer {
        start: c.start.to_string(),
        n,
        due: c.due.to_string(),
        explanation: c.explain_zh(),
    }
}

pub fn add_workdays(cal: &Calendar, start: NaiveDate, n: u32) -> AppResult<PeriodAnswer> {
    cal.add_workdays(start, n)
        .map(|c| answer(c, n))
        .map_err(calendar_error)
}

pub fn add_days(cal: &Calendar, start: NaiveDate, n: u32) -> AppResult<PeriodAnswer> {
    cal.add_days(start, n)
        .map(|c| answer(c, n))
        .map_err(calendar_error)
}

// ---- API ----

#[derive(Deserialize, utoipa::IntoParams)]
pub struct DateQuery {
    /// YYYY-MM-DD
    date: Option<String>,
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct PeriodQuery {
    /// Start date (not counted), YYYY-MM-DD.
    date: Option<String>,
    /// Number of days, 0–3650.
    n: Option<String>,
}

fn period_input(q: &PeriodQuery) -> AppResult<(NaiveDate, u32)> {
    let mut e = FieldErrors::new();
    let date = e.take(parse_date("date", q.date.as_deref().unwrap_or("")));
    let n = e.take(parse_amount("n", q.n.as_deref().unwrap_or("")));
    match (date, n) {
        (Some(d), Some(n)) => Ok((d, n)),
        _ => Err(e.into()),
    }
}

/// Whether a date is a working day (weekends, statutory holidays and 调休 considered).
#[utoipa::path(get, path = "/api/v1/calendar/workday", tag = "calendar", params(DateQuery),
    responses((status = 200, body = WorkdayAnswer), (status = 409, description = "year not in the calendar", body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_workday(
    State(state): State<SharedState>,
    _u: ApiUser,
    Query(q): Query<DateQuery>,
) -> AppResult<Json<WorkdayAnswer>> {
    let date = parse_date("date", q.date.as_deref().unwrap_or(""))?;
    Ok(Json(workday(&state.calendar(), date)?))
}

/// N working days after a date ("N个工作日"; the start day is not counted).
#[utoipa::path(get, path = "/api/v1/calendar/add-workdays", tag = "calendar", params(PeriodQuery),
    responses((status = 200, body = PeriodAnswer), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_add_workdays(
    State(state): State<SharedState>,
    _u: ApiUser,
    Query(q): Query<PeriodQuery>,
) -> AppResult<Json<PeriodAnswer>> {
    let (d, n) = period_input(&q)?;
    Ok(Json(add_workdays(&state.calendar(), d, n)?))
}

/// N calendar days after a date ("N日"); a last day on a holiday or rest day moves to the next
/// working day.
#[utoipa::path(get, path = "/api/v1/calendar/add-days", tag = "calendar", params(PeriodQuery),
    responses((status = 200, body = PeriodAnswer), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_add_days(
    State(state): State<SharedState>,
    _u: ApiUser,
    Query(q): Query<PeriodQuery>,
) -> AppResult<Json<PeriodAnswer>> {
    let (d, n) = period_input(&q)?;
    Ok(Json(add_days(&state.calendar(), d, n)?))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Years {
    /// Years the calendar knows.
    pub known: Vec<i32>,
    /// Years stored by an administrator (overriding or adding to the shipped ones).
    pub stored: Vec<super::store::StoredYear>,
    /// Set from 1 November when next year's schedule is still missing.
    pub missing_next_year: Option<i32>,
}

/// The years the calendar knows.
#[utoipa::path(get, path = "/api/v1/calendar/years", tag = "calendar",
    responses((status = 200, body = Years)), security(("bearer" = [])))]
pub async fn api_years(State(state): State<SharedState>, _u: ApiUser) -> AppResult<Json<Years>> {
    let cal = state.calendar();
    Ok(Json(Years {
        known: cal.known_years(),
        stored: super::store::stored_years(&state.db).await?,
        missing_next_year: cal.missing_year_warning(state.clock.today()),
    }))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScheduleInput {
    /// The year's schedule in the TOML format of src/calendar/holidays/2026.toml.
    pub schedule: String,
}

/// Add or correct a year's holiday schedule (system administrator).
#[utoipa::path(put, path = "/api/v1/calendar/years/{year}", tag = "calendar", params(("year" = i32, Path)), request_body = ScheduleInput,
    responses((status = 200, body = Years), (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_save_year(
    State(state): State<SharedState>,
    u: ApiUser,
    Path(year): Path<String>,
    ApiJson(input): ApiJson<ScheduleInput>,
) -> AppResult<Json<Years>> {
    if !u.actor.can(Resource::Calendar, Action::Update) {
        return Err(AppError::Forbidden);
    }
    let schedule = match super::YearSchedule::parse(&input.schedule) {
        Ok(s) => s,
        Err(e) => return Err(AppError::field("schedule", "invalid_format", e.to_string())),
    };
    if year.parse::<i32>().ok() != Some(schedule.year()) {
        return Err(AppError::field(
            "schedule",
            "mismatch",
            format!("地址中的年份与安排中的年份（{}）不一致", schedule.year()),
        ));
    }
    super::store::save_year(&state.db, Some(&u.actor), &u.who, &input.schedule).await?;
    state.reload_calendar().await?;
    api_years(State(state), u).await
}

// ---- page ----

pub struct Cell {
    pub day: u32,
    pub class: &'static str,
    pub title: String,
}

pub struct Month {
    pub name: String,
    pub weeks: Vec<Vec<Option<Cell>>>,
}

fn month_grid(cal: &Calendar, year: i32) -> Vec<Month> {
    (1..=12)
        .filter_map(|m| {
            let first = NaiveDate::from_ymd_opt(year, m, 1)?;
            let mut weeks = Vec::new();
            let mut week: Vec<Option<Cell>> = (0..first.weekday().num_days_from_monday())
                .map(|_| None)
                .collect();
            let mut d = first;
            while d.month() == m {
                let (class, title) = match cal.day_kind(d) {
                    Ok(DayKind::Holiday { name }) => ("holiday", format!("休：{name}")),
                    Ok(DayKind::MakeupWorkday { holiday }) => {
                        ("makeup", format!("班：{holiday}调休上班"))
                    }
                    Ok(DayKind::Weekend) => ("weekend", "周末".to_string()),
                    Ok(DayKind::Workday) => ("workday", "工作日".to_string()),
                    Err(_) => ("unknown", "未知".to_string()),
                };
                week.push(Some(Cell {
                    day: d.day(),
                    class,
                    title,
                }));
                if d.weekday() == Weekday::Sun {
                    weeks.push(std::mem::take(&mut week));
                }
                d = d.succ_opt()?;
            }
            if !week.is_empty() {
                while week.len() < 7 {
                    week.push(None);
                }
                weeks.push(week);
            }
            Some(Month {
                name: format!("{m}月"),
                weeks,
            })
        })
        .collect()
}

#[derive(Template)]
#[template(path = "calendar.html")]
struct CalendarPage {
    layout: Layout,
    year: i32,
    known: bool,
    source: String,
    months: Vec<Month>,
    known_years: Vec<i32>,
    missing_next: Option<i32>,
    can_edit: bool,
    schedule_text: String,
    errors: FieldErrors,
}

#[derive(Deserialize, Default)]
pub struct PageQuery {
    year: Option<String>,
    msg: Option<String>,
}

fn calendar_page(
    state: &SharedState,
    cu: &CurrentUser,
    year: i32,
    schedule_text: String,
    errors: FieldErrors,
    msg: Option<&str>,
) -> Response {
    let cal = state.calendar();
    let schedule = cal.schedule(year);
    let page = CalendarPage {
        layout: Layout::new(cu, "节假日与工作日", "/calendar").notice(msg),
        year,
        known: schedule.is_some(),
        source: schedule.map(|s| s.source().to_string()).unwrap_or_default(),
        months: month_grid(&cal, year),
        known_years: cal.known_years(),
        missing_next: cal.missing_year_warning(state.clock.today()),
        can_edit: cu.actor.can(Resource::Calendar, Action::Update),
        schedule_text,
        errors,
    };
    if page.errors.is_empty() {
        render(&page)
    } else {
        render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
    }
}

async fn page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    Query(q): Query<PageQuery>,
) -> PageResult {
    let year = q
        .year
        .as_deref()
        .and_then(|y| y.parse::<i32>().ok())
        .filter(|y| (2000..=2100).contains(y))
        .unwrap_or_else(|| state.clock.today().year());
    Ok(calendar_page(
        &state,
        &cu,
        year,
        String::new(),
        FieldErrors::new(),
        q.msg.as_deref(),
    ))
}

#[derive(Deserialize)]
pub struct SaveForm {
    #[serde(default)]
    schedule: String,
}

async fn save_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    CsrfForm(form): CsrfForm<SaveForm>,
) -> PageResult {
    match super::store::save_year(&state.db, Some(&cu.actor), &cu.who, &form.schedule).await {
        Ok(s) => {
            state.reload_calendar().await?;
            Ok(Redirect::to(&format!("/calendar?year={}&msg=saved", s.year())).into_response())
        }
        Err(AppError::Validation(e)) => {
            let year = state.clock.today().year();
            Ok(calendar_page(&state, &cu, year, form.schedule, e, None))
        }
        Err(e) => Err(e.into()),
    }
}

/// A year's schedule as a TOML file: the template for the next year's.
async fn download(
    State(state): State<SharedState>,
    _cu: CurrentUser,
    Path(year): Path<String>,
) -> PageResult {
    let year: i32 = year.parse().map_err(|_| AppError::NotFound)?;
    let cal = state.calendar();
    let s = cal.schedule(year).ok_or(AppError::NotFound)?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/toml; charset=utf-8".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"holidays-{year}.toml\""),
            ),
        ],
        s.to_toml(),
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_marks_spring_festival_2026() {
        let cal = super::super::store::shipped();
        let months = month_grid(&cal, 2026);
        assert_eq!(months.len(), 12);
        let feb = &months[1];
        let cells: Vec<&Cell> = feb.weeks.iter().flatten().flatten().collect();
        assert_eq!(cells.len(), 28);
        assert_eq!(cells[13].class, "makeup"); // 14 Feb, Saturday, 调休上班
        assert_eq!(cells[14].class, "holiday"); // 15 Feb
        assert_eq!(cells[23].class, "workday"); // 24 Feb
        // 1 February 2026 is a Sunday: six empty cells precede it.
        assert_eq!(feb.weeks[0].iter().filter(|c| c.is_none()).count(), 6);
        let unknown = month_grid(&cal, 2027);
        assert_eq!(
            unknown[0].weeks[0].iter().flatten().next().map(|c| c.class),
            Some("unknown")
        );
    }
}
