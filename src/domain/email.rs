//! E-mail addresses, checked for shape only (the mail server decides deliverability).

use std::fmt;

use super::FieldError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Option<Email> {
        let s = raw.trim();
        let (local, domain) = s.split_once('@')?;
        let ok = !local.is_empty()
            && local.len() <= 64
            && s.len() <= 254
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && s.chars().filter(|c| *c == '@').count() == 1
            && s.chars().all(|c| c.is_ascii_graphic())
            && !s.contains(['<', '>', '"', ',', ';', '(', ')', '[', ']', '\\'])
            && domain
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
        ok.then(|| Email(s.to_ascii_lowercase()))
    }

    pub fn optional(field: &str, raw: Option<&str>) -> Result<Option<Email>, FieldError> {
        match raw.map(str::trim) {
            None | Some("") => Ok(None),
            Some(v) => Self::parse(v).map(Some).ok_or_else(|| {
                FieldError::new(
                    field,
                    "invalid_format",
                    "电子邮箱格式不正确，如 name@example.gov.cn",
                )
            }),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        assert_eq!(
            Email::parse(" Wang@XY.gov.cn ").map(|e| e.0),
            Some("wang@xy.gov.cn".into())
        );
        for bad in [
            "",
            "a",
            "a@b",
            "@b.cn",
            "a@b..cn",
            "a@.b.cn",
            "a b@c.cn",
            "a@b@c.cn",
            "<a@b.cn>",
            "a@b.cn,c@d.cn",
            "张@b.cn",
        ] {
            assert!(Email::parse(bad).is_none(), "{bad}");
        }
    }
}
