//! Bounded, trimmed text fields. Text is stored exactly as typed (after trimming) and escaped
//! when rendered; control characters other than line breaks are refused.

use super::FieldError;

/// A required single-line text of at most `max` characters.
pub fn required(field: &str, label: &str, raw: &str, max: usize) -> Result<String, FieldError> {
    let v = raw.trim();
    if v.is_empty() {
        return Err(FieldError::new(field, "required", format!("请填写{label}")));
    }
    single_line(field, label, v, max)
}

/// An optional single-line text; empty becomes `None`.
pub fn optional(
    field: &str,
    label: &str,
    raw: Option<&str>,
    max: usize,
) -> Result<Option<String>, FieldError> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => single_line(field, label, v, max).map(Some),
    }
}

fn single_line(field: &str, label: &str, v: &str, max: usize) -> Result<String, FieldError> {
    if v.chars().count() > max {
        return Err(FieldError::new(
            field,
            "too_long",
            format!("{label}不能超过{max}个字符"),
        ));
    }
    if v.chars().any(char::is_control) {
        return Err(FieldError::new(
            field,
            "invalid_format",
            format!("{label}不能包含换行或控制字符"),
        ));
    }
    Ok(v.to_string())
}

/// A required multi-line text (line breaks and tabs allowed) of at most `max` characters.
pub fn required_long(
    field: &str,
    label: &str,
    raw: &str,
    max: usize,
) -> Result<String, FieldError> {
    let v = raw.trim();
    if v.is_empty() {
        return Err(FieldError::new(field, "required", format!("请填写{label}")));
    }
    if v.chars().count() > max {
        return Err(FieldError::new(
            field,
            "too_long",
            format!("{label}不能超过{max}个字符"),
        ));
    }
    if v.chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(FieldError::new(
            field,
            "invalid_format",
            format!("{label}包含无效的控制字符"),
        ));
    }
    Ok(v.replace("\r\n", "\n"))
}

/// A positive database id given as text (select boxes, path segments).
pub fn id(field: &str, label: &str, raw: &str) -> Result<i64, FieldError> {
    let v = raw.trim();
    if v.is_empty() {
        return Err(FieldError::new(field, "required", format!("请选择{label}")));
    }
    v.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| FieldError::new(field, "invalid_format", format!("{label}无效")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn required_trims_and_bounds() {
        assert_eq!(required("n", "名称", "  甲 ", 5).ok(), Some("甲".into()));
        assert_eq!(
            required("n", "名称", "  ", 5).map_err(|e| e.code),
            Err("required".into())
        );
        assert_eq!(
            required("n", "名称", "一二三四五六", 5).map_err(|e| e.code),
            Err("too_long".into())
        );
        assert_eq!(
            required("n", "名称", "a\u{0}b", 5).map_err(|e| e.code),
            Err("invalid_format".into())
        );
    }

    #[test]
    fn script_tags_are_kept_as_typed() {
        // Stored as typed, escaped on output: the parser must not mangle or refuse them.
        let v = "<script>alert(1)</script>' OR 1=1 --";
        assert_eq!(required("n", "名称", v, 100).ok().as_deref(), Some(v));
    }

    #[test]
    fn optional_empty_is_none() {
        assert_eq!(optional("p", "电话", Some(" "), 5).ok(), Some(None));
        assert_eq!(optional("p", "电话", None, 5).ok(), Some(None));
    }

    #[test]
    fn long_text_keeps_line_breaks() {
        assert_eq!(
            required_long("b", "报告", " 一、进展\r\n二、下步 ", 100)
                .ok()
                .as_deref(),
            Some("一、进展\n二、下步")
        );
        assert!(required_long("b", "报告", "a\u{7}b", 100).is_err());
        assert!(required_long("b", "报告", "  ", 100).is_err());
    }

    #[test]
    fn ids() {
        assert_eq!(id("u", "单位", "12").ok(), Some(12));
        assert!(id("u", "单位", "0").is_err());
        assert!(id("u", "单位", "1; DROP TABLE units").is_err());
    }
}
