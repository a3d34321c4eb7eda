//! The period a statistics page counts: `from` and `to` in the query, by default from 1 January
//! of the current year to today (the operation's today).

use chrono::{Datelike, NaiveDate};
use serde::Deserialize;

use crate::error::{AppError, AppResult};

#[derive(Deserialize, Default, Clone, utoipa::IntoParams, utoipa::ToSchema)]
#[into_params(parameter_in = Query)]
pub struct Period {
    /// First day (YYYY-MM-DD); default 1 January of this year.
    pub from: Option<String>,
    /// Last day (YYYY-MM-DD); default today.
    pub to: Option<String>,
}

impl Period {
    /// The first and last day, each named against its field when malformed.
    pub fn parse(&self, today: NaiveDate) -> AppResult<(NaiveDate, NaiveDate)> {
        let day = |field: &str, raw: &Option<String>, default: NaiveDate| -> AppResult<NaiveDate> {
            match raw.as_deref().map(str::trim) {
                None | Some("") => Ok(default),
                Some(v) => Ok(crate::domain::date::parse(field, "日期", v)?),
            }
        };
        let jan1 = NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap_or(today);
        let from = day("from", &self.from, jan1)?;
        let to = day("to", &self.to, today)?;
        if from > to {
            return Err(AppError::field(
                "to",
                "out_of_range",
                "截止日期不能早于起始日期",
            ));
        }
        Ok((from, to))
    }
}
