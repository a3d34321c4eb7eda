//! List filters from a query string. Each parameter is parsed into its typed value; a malformed
//! one is reported against its field (422 with field errors in the API, a message beside the
//! filter form on pages) rather than dropped, which would silently widen the list.

use chrono::NaiveDate;

use crate::domain::{FieldErrors, RegionCode};
use crate::error::AppError;

use super::page::non_empty;

/// A list page's rows (and whether more follow) read with the parsed filter; or, when the
/// filter was malformed, no rows and what is wrong with it. The page shows the errors beside
/// its filter form with status 422 (`web::page::form_status`).
pub async fn rows_or_errors<F, T, Fut>(
    filter: Result<F, FieldErrors>,
    read: impl FnOnce(F) -> Fut,
) -> Result<(Vec<T>, bool, FieldErrors), AppError>
where
    Fut: Future<Output = Result<(Vec<T>, bool), AppError>>,
{
    match filter {
        Ok(f) => {
            let (rows, more) = read(f).await?;
            Ok((rows, more, FieldErrors::new()))
        }
        Err(errors) => Ok((Vec::new(), false, errors)),
    }
}

#[derive(Default)]
pub struct FilterParser {
    pub errors: FieldErrors,
}

impl FilterParser {
    /// A calendar day `YYYY-MM-DD`. Exactly ten characters: chrono also takes signed and
    /// five-digit years, which would compare wrongly with the stored dates.
    pub fn date(&mut self, field: &str, raw: &Option<String>) -> Option<NaiveDate> {
        let v = non_empty(raw)?;
        match NaiveDate::parse_from_str(&v, "%Y-%m-%d") {
            Ok(d) if v.len() == 10 => Some(d),
            _ => {
                self.errors.add(
                    field,
                    "invalid_format",
                    "日期格式应为YYYY-MM-DD，如2026-11-24",
                );
                None
            }
        }
    }

    /// A record id.
    pub fn id(&mut self, field: &str, raw: &Option<String>) -> Option<i64> {
        let v = non_empty(raw)?;
        match v.parse::<i64>() {
            Ok(n) if n > 0 => Some(n),
            _ => {
                self.errors.add(field, "invalid_format", "编号应为正整数");
                None
            }
        }
    }

    /// One of a closed set of codes (a state, a ground, a direction).
    pub fn choice<T>(
        &mut self,
        field: &str,
        raw: &Option<String>,
        parse: impl Fn(&str) -> Option<T>,
    ) -> Option<T> {
        let v = non_empty(raw)?;
        let parsed = parse(&v);
        if parsed.is_none() {
            self.errors.add(field, "invalid_choice", "不是可选的值");
        }
        parsed
    }

    /// A GB/T 2260 region code.
    pub fn region(&mut self, field: &str, raw: &Option<String>) -> Option<RegionCode> {
        let v = non_empty(raw)?;
        let parsed = RegionCode::parse(&v);
        if parsed.is_none() {
            self.errors.add(
                field,
                "invalid_format",
                "应为6位行政区划代码（GB/T 2260），如411500",
            );
        }
        parsed
    }

    /// A check box: `1` ticks it, absent or empty leaves it off. Anything else (`0` too,
    /// which a caller might mean as "only those without") is refused rather than ignored.
    pub fn flag(&mut self, field: &str, raw: &Option<String>) -> bool {
        match non_empty(raw).as_deref() {
            None => false,
            Some("1") => true,
            Some(_) => {
                self.errors.add(field, "invalid_choice", "只能为1或留空");
                false
            }
        }
    }

    /// A date range whose end must not come before its start.
    pub fn range(
        &mut self,
        to_field: &str,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
    ) -> (Option<NaiveDate>, Option<NaiveDate>) {
        if let (Some(f), Some(t)) = (from, to)
            && t < f
        {
            self.errors
                .add(to_field, "invalid_range", "截止日期不能早于起始日期");
        }
        (from, to)
    }

    /// The filter, or every field error found.
    pub fn finish<T>(self, filter: T) -> Result<T, FieldErrors> {
        if self.errors.is_empty() {
            Ok(filter)
        } else {
            Err(self.errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> Option<String> {
        Some(v.to_string())
    }

    #[test]
    fn absent_and_blank_parameters_are_no_filter() {
        let mut p = FilterParser::default();
        assert_eq!(p.date("from", &None), None);
        assert_eq!(p.date("from", &s("  ")), None);
        assert_eq!(p.id("unit_id", &s("")), None);
        assert!(!p.flag("overdue", &None));
        assert_eq!(p.choice("state", &s(""), |_| Some(1)), None);
        assert!(p.finish(()).is_ok());
    }

    #[test]
    fn good_values_parse() {
        let mut p = FilterParser::default();
        assert_eq!(
            p.date("from", &s("2026-02-28")),
            NaiveDate::from_ymd_opt(2026, 2, 28)
        );
        assert_eq!(p.id("unit_id", &s("42")), Some(42));
        assert!(p.flag("overdue", &s("1")));
        assert_eq!(
            p.region("region", &s("411502"))
                .map(|r| r.as_str().to_string()),
            Some("411502".to_string())
        );
        assert_eq!(
            p.choice("state", &s("b"), |v| (v == "b").then_some(2)),
            Some(2)
        );
        assert!(p.finish(()).is_ok());
    }

    #[test]
    fn each_malformed_parameter_is_named() {
        let mut p = FilterParser::default();
        p.date("from", &s("2026-02-30"));
        p.date("to", &s("24/11/2026"));
        p.date("to", &s("+12026-01-01"));
        p.flag("listed", &s("0"));
        p.id("unit_id", &s("abc"));
        p.id("lead_unit_id", &s("-3"));
        p.flag("overdue", &s("yes"));
        p.choice("state", &s("nope"), |_| None::<u8>);
        p.region("region", &s("4115"));
        let errs = p.finish(()).unwrap_err();
        let fields: Vec<(&str, &str)> = errs
            .0
            .iter()
            .map(|e| (e.field.as_str(), e.code.as_str()))
            .collect();
        assert_eq!(
            fields,
            [
                ("from", "invalid_format"),
                ("to", "invalid_format"),
                ("to", "invalid_format"),
                ("listed", "invalid_choice"),
                ("unit_id", "invalid_format"),
                ("lead_unit_id", "invalid_format"),
                ("overdue", "invalid_choice"),
                ("state", "invalid_choice"),
                ("region", "invalid_format"),
            ]
        );
        assert!(errs.0.iter().all(|e| !e.message.is_empty()));
    }

    #[test]
    fn a_range_ending_before_it_starts_is_refused() {
        let d = |day| NaiveDate::from_ymd_opt(2026, 11, day);
        let mut p = FilterParser::default();
        assert_eq!(p.range("to", d(2), d(2)), (d(2), d(2)));
        assert!(p.errors.is_empty());
        p.range("to", d(3), d(2));
        let errs = p.finish(()).unwrap_err();
        assert_eq!(errs.0[0].field, "to");
        assert_eq!(errs.0[0].code, "invalid_range");
    }
}
