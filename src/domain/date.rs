//! Calendar dates parsed at the boundary (`YYYY-MM-DD`), with errors that name the field.

use chrono::NaiveDate;

use super::FieldError;

/// A required date.
pub fn parse(field: &str, label: &str, raw: &str) -> Result<NaiveDate, FieldError> {
    let v = raw.trim();
    if v.is_empty() {
        return Err(FieldError::new(field, "required", format!("请填写{label}")));
    }
    NaiveDate::parse_from_str(v, "%Y-%m-%d").map_err(|_| {
        FieldError::new(
            field,
            "invalid_format",
            format!("{label}格式应为YYYY-MM-DD"),
        )
    })
}

/// A required date no later than `today` (a day something already happened).
pub fn not_after(
    field: &str,
    label: &str,
    raw: &str,
    today: NaiveDate,
) -> Result<NaiveDate, FieldError> {
    let d = parse(field, label, raw)?;
    if d > today {
        return Err(FieldError::new(
            field,
            "out_of_range",
            format!("{label}不能晚于今天"),
        ));
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 23).expect("date");
        assert_eq!(
            parse("d", "日期", " ").map_err(|e| e.code),
            Err("required".into())
        );
        assert_eq!(
            parse("d", "日期", "2026-13-01").map_err(|e| e.code),
            Err("invalid_format".into())
        );
        assert_eq!(
            not_after("d", "日期", "2026-11-24", today).map_err(|e| e.code),
            Err("out_of_range".into())
        );
        assert_eq!(not_after("d", "日期", "2026-11-23", today), Ok(today));
    }
}
