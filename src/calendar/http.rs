//! The calendar page (a year as a month grid, edited by the system administrator) and the
//! calendar API; the same queries serve the command line.

use askama::Template;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use chrono::{Datelike, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{Calendar, CalendarError, Computation, DayKind};
use crate::access::{Action, Resource};
use crate::domain::{FieldError, FieldErrors};
use crate::error::{AppError, AppResult};
use crate::web::SharedState;
use crate::web::extract::{ApiJson, ApiUser, CsrfForm, CurrentUser, Query};
use crate::web::page::{Layout, PageResult, render, render_status};

pub fn routes() -> OpenApiRouter<SharedState> {
    OpenApiRouter::new()
        .route("/calendar", get(page).post(save_page))
        .route("/calendar/{year}/schedule.toml", get(download))
        .route("/calendar/day", get(day_check))
        .routes(routes!(api_workday))
        .routes(routes!(api_add_workdays))
        .routes(routes!(api_add_days))
        .routes(routes!(api_years))
        .routes(routes!(api_save_year))
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
    /// The year's notice is not imported: the answer follows the statutory rule and may change
    /// when the notice (with its 调休 make-up working days) is imported.
    pub provisional: bool,
    /// Why the answer is provisional, in Chinese; absent when it is not.
    pub provisional_note: Option<String>,
}

/// The 暂定 note for a provisional year.
pub fn provisional_note(year: i32) -> String {
    format!(
        "暂定：国务院办公厅关于{year}年部分节假日安排的通知尚未导入，{year}年的节假日按《全国年节及纪念日放假办法》推算，不含调休上班日。"
    )
}

pub fn workday(cal: &Calendar, date: NaiveDate) -> AppResult<WorkdayAnswer> {
    let kind = cal.day_kind(date).map_err(calendar_error)?;
    let provisional = cal.is_provisional_year(date.year());
    Ok(WorkdayAnswer {
        date: date.to_string(),
        workday: kind.is_workday(),
        kind: describe(&kind),
        provisional,
        provisional_note: provisional.then(|| provisional_note(date.year())),
    })
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct PeriodAnswer {
    pub start: String,
    pub n: u32,
    /// The last day of the period, YYYY-MM-DD.
    pub due: String,
    /// The arithmetic in Chinese: skipped holidays, counted make-up days, roll-forward, and
    /// the 暂定 note when a provisional year was used.
    pub explanation: String,
    /// The arithmetic used a year whose notice is not imported (暂定).
    pub provisional: bool,
    /// The provisional years used, ascending.
    pub provisional_years: Vec<i32>,
}

fn answer(c: Computation, n: u32) -> PeriodAnswer {
    PeriodAnswer {
        start: c.start.to_string(),
        n,
        due: c.due.to_string(),
        explanation: c.explain_zh(),
        provisional: c.is_provisional(),
        provisional_years: c.provisional_years,
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
#[into_params(parameter_in = Query)]
pub struct DateQuery {
    /// YYYY-MM-DD
    date: Option<String>,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
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
    /// Years whose notice is shipped or imported.
    pub known: Vec<i32>,
    /// Years computed provisionally from 《全国年节及纪念日放假办法》 (暂定) until their notice is
    /// imported.
    pub provisional: Vec<i32>,
    /// Open deadlines whose due date is provisional, among those the caller may see (all, for
    /// the system administrator).
    pub open_provisional_deadlines: i64,
    /// Years stored by an administrator (overriding or adding to the shipped ones).
    pub stored: Vec<super::store::StoredYear>,
    /// Set from 1 November when next year's schedule is still missing.
    pub missing_next_year: Option<i32>,
}

/// The years the calendar knows.
#[utoipa::path(get, path = "/api/v1/calendar/years", tag = "calendar",
    responses((status = 200, body = Years)), security(("bearer" = [])))]
pub async fn api_years(State(state): State<SharedState>, u: ApiUser) -> AppResult<Json<Years>> {
    years(&state, &u.actor).await.map(Json)
}

async fn years(state: &SharedState, actor: &crate::access::Actor) -> AppResult<Years> {
    let cal = state.calendar();
    Ok(Years {
        known: cal.known_years(),
        provisional: cal.provisional_years(),
        open_provisional_deadlines: crate::deadline::store::count_open_provisional(
            &state.db,
            &actor
                .scope(Resource::Deadline, Action::Read)
                .unwrap_or(crate::access::Scope::All),
        )
        .await?,
        stored: super::store::stored_years(&state.db).await?,
        missing_next_year: cal.missing_year_warning(state.clock.today()),
    })
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SavedYear {
    /// The years in force after the import.
    pub years: Years,
    /// What the import did to the open deadlines that touched the year.
    pub recomputation: crate::deadline::store::Recomputation,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScheduleInput {
    /// The year's schedule in the TOML format of src/calendar/holidays/2026.toml.
    pub schedule: String,
}

/// Add or correct a year's holiday schedule (system administrator). Every open deadline whose
/// arithmetic touched the year is recomputed in the same transaction.
#[utoipa::path(put, path = "/api/v1/calendar/years/{year}", tag = "calendar", params(("year" = i32, Path)), request_body = ScheduleInput,
    responses((status = 200, body = SavedYear), (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_save_year(
    State(state): State<SharedState>,
    u: ApiUser,
    Path(year): Path<String>,
    ApiJson(input): ApiJson<ScheduleInput>,
) -> AppResult<Json<SavedYear>> {
    if !u.actor.can(Resource::Calendar, Action::Update) {
        return Err(AppError::Forbidden);
    }
    let schedule = match super::YearSchedule::parse(&input.schedule) {
        Ok(s) => s,
        Err(e) => return Err(AppError::field("schedule", "invalid_format", e.to_string())),
    };
    let path_year = (year.len() == 4 && year.bytes().all(|b| b.is_ascii_digit()))
        .then(|| year.parse::<i32>().ok())
        .flatten();
    if path_year != Some(schedule.year()) {
        return Err(AppError::field(
            "schedule",
            "mismatch",
            format!("地址中的年份与安排中的年份（{}）不一致", schedule.year()),
        ));
    }
    let (_, recomputation) = super::store::save_year(
        &state.db,
        &state.calendar(),
        Some(&u.actor),
        &u.who,
        &input.schedule,
    )
    .await?;
    state.reload_calendar().await?;
    Ok(Json(SavedYear {
        years: years(&state, &u.actor).await?,
        recomputation,
    }))
}

// ---- a date the office names ----

#[derive(Serialize)]
struct DayCheck {
    workday: bool,
    /// Set when the date is a rest day: the warning to show beside the field.
    warning: Option<String>,
    /// The next working day, YYYY-MM-DD, offered instead.
    next_workday: Option<String>,
    next_workday_zh: Option<String>,
}

/// For forms that take a date the office names (a time limit): whether it is a rest day and the
/// working day to offer instead. The date is kept as named either way; this only warns.
async fn day_check(
    State(state): State<SharedState>,
    _cu: CurrentUser,
    Query(q): Query<DateQuery>,
) -> AppResult<Json<DayCheck>> {
    let date = parse_date("date", q.date.as_deref().unwrap_or(""))?;
    let cal = state.calendar();
    let kind = cal.day_kind(date).map_err(calendar_error)?;
    if kind.is_workday() {
        return Ok(Json(DayCheck {
            workday: true,
            warning: None,
            next_workday: None,
            next_workday_zh: None,
        }));
    }
    let next = cal.next_workday(date).map_err(calendar_error)?;
    let provisional = if cal.is_provisional_year(date.year()) {
        "（暂定，该年度节假日安排尚未导入）"
    } else {
        ""
    };
    Ok(Json(DayCheck {
        workday: false,
        warning: Some(format!(
            "{}是{}{provisional}。指定的日期将按原样保留，不因节假日顺延。",
            super::format_date_zh(date),
            describe(&kind)
        )),
        next_workday: Some(next.to_string()),
        next_workday_zh: Some(super::format_date_zh(next)),
    }))
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
    provisional: bool,
    source: String,
    months: Vec<Month>,
    known_years: Vec<i32>,
    missing_next: Option<i32>,
    can_edit: bool,
    schedule_text: String,
    errors: FieldErrors,
    /// Set when a valid submission awaits confirmation: how the deadlines would move.
    preview: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct PageQuery {
    year: Option<String>,
    msg: Option<String>,
}

struct Submission {
    text: String,
    errors: FieldErrors,
    preview: Option<String>,
}

impl Submission {
    fn none() -> Self {
        Self {
            text: String::new(),
            errors: FieldErrors::new(),
            preview: None,
        }
    }
}

fn calendar_page(
    state: &SharedState,
    cu: &CurrentUser,
    year: i32,
    sub: Submission,
    msg: Option<&str>,
) -> Response {
    let cal = state.calendar();
    let schedule = cal.schedule(year);
    let page = CalendarPage {
        layout: Layout::new(cu, "节假日与工作日", "/calendar").notice(msg),
        year,
        known: cal.is_known_year(year),
        provisional: cal.is_provisional_year(year),
        source: schedule.map(|s| s.source().to_string()).unwrap_or_default(),
        months: month_grid(&cal, year),
        known_years: cal.known_years(),
        missing_next: cal.missing_year_warning(state.clock.today()),
        can_edit: cu.actor.can(Resource::Calendar, Action::Update),
        schedule_text: sub.text,
        errors: sub.errors,
        preview: sub.preview,
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
        Submission::none(),
        q.msg.as_deref(),
    ))
}

#[derive(Deserialize)]
pub struct SaveForm {
    #[serde(default)]
    schedule: String,
    /// Absent: check the text and show how the open deadlines would move; "1": import.
    #[serde(default)]
    confirm: String,
}

async fn save_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    CsrfForm(form): CsrfForm<SaveForm>,
) -> PageResult {
    let cal = state.calendar();
    let result = if form.confirm == "1" {
        super::store::save_year(&state.db, &cal, Some(&cu.actor), &cu.who, &form.schedule).await
    } else {
        super::store::preview(&state.db, &cal, Some(&cu.actor), &form.schedule).await
    };
    match result {
        Ok((s, _)) if form.confirm == "1" => {
            state.reload_calendar().await?;
            Ok(Redirect::to(&format!("/calendar?year={}&msg=saved", s.year())).into_response())
        }
        Ok((s, r)) => {
            let sub = Submission {
                text: form.schedule,
                errors: FieldErrors::new(),
                preview: Some(format!(
                    "即将导入{}年节假日安排（{}）。{}",
                    s.year(),
                    s.source(),
                    r.summary_zh(true)
                )),
            };
            Ok(calendar_page(&state, &cu, s.year(), sub, None))
        }
        Err(AppError::Validation(e)) => {
            let year = state.clock.today().year();
            let sub = Submission {
                text: form.schedule,
                errors: e,
                preview: None,
            };
            Ok(calendar_page(&state, &cu, year, sub, None))
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
        let cal = Calendar::shipped().expect("shipped");
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
        // With the provisional horizon, 2027 is drawn from the statutory rule: 5 February 2027
        // is 除夕, a day off.
        let cal = cal.with_provisional_until(2056);
        let feb = &month_grid(&cal, 2027)[1];
        let cells: Vec<&Cell> = feb.weeks.iter().flatten().flatten().collect();
        assert_eq!(cells[4].class, "holiday");
        assert_eq!(cells[4].title, "休：春节");
    }
}
