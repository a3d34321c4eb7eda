//! Parsing of account input (pure).

use serde::{Deserialize, Serialize};

use crate::domain::{Email, FieldError, FieldErrors, Phone, text};

/// Sign-in names: 3–32 characters of lower-case letters, digits, `.`, `_` and `-`, starting with
/// a letter.
pub fn username(field: &str, raw: &str) -> Result<String, FieldError> {
    let v = raw.trim().to_ascii_lowercase();
    if v.is_empty() {
        return Err(FieldError::new(field, "required", "请填写用户名"));
    }
    let ok = (3..=32).contains(&v.len())
        && v.starts_with(|c: char| c.is_ascii_lowercase())
        && v.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(v)
    } else {
        Err(FieldError::new(
            field,
            "invalid_format",
            "用户名为3至32位小写字母、数字或 . _ -，以字母开头",
        ))
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserInput {
    pub username: String,
    pub display_name: String,
    /// The unit the person acts for (id).
    #[serde(deserialize_with = "crate::web::step::id_text")]
    #[schema(value_type = i64)]
    pub unit_id: String,
    #[serde(default)]
    pub phone: Option<String>,
    /// For notifications by e-mail, when the platform is configured to send them.
    #[serde(default)]
    pub email: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub unit_id: i64,
    pub phone: Option<Phone>,
    pub email: Option<Email>,
}

impl NewUser {
    pub fn parse(input: &UserInput) -> Result<NewUser, FieldErrors> {
        let mut e = FieldErrors::new();
        let username = e.take(username("username", &input.username));
        let display_name = e.take(text::required(
            "display_name",
            "姓名",
            &input.display_name,
            30,
        ));
        let unit_id = e.take(text::id("unit_id", "所在单位", &input.unit_id));
        let phone = e.take(Phone::optional("phone", input.phone.as_deref()));
        let email = e.take(Email::optional("email", input.email.as_deref()));
        match (username, display_name, unit_id, phone, email) {
            (Some(username), Some(display_name), Some(unit_id), Some(phone), Some(email)) => {
                Ok(NewUser {
                    username,
                    display_name,
                    unit_id,
                    phone,
                    email,
                })
            }
            _ => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames() {
        assert_eq!(
            username("u", " Zhang.San ").ok().as_deref(),
            Some("zhang.san")
        );
        for bad in [
            "",
            "ab",
            "1abc",
            "张三",
            "a b",
            "x'; drop table users; --",
            &"a".repeat(33),
        ] {
            assert!(username("u", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn parses_user() {
        let ok = NewUser::parse(&UserInput {
            username: "liaison.gaj".into(),
            display_name: "王五".into(),
            unit_id: "4".into(),
            phone: Some("13912345678".into()),
            email: Some("wangwu@xy.gov.cn".into()),
        });
        assert!(ok.is_ok());
        let bad = NewUser::parse(&UserInput::default()).expect_err("empty");
        assert_eq!(bad.0.len(), 3);
    }
}
