//! One shape for every record's step body: `{"step": "<code>", …that step's own fields}`,
//! read into the record's step enum (`#[serde(tag = "step")]`), from a JSON body or from a
//! page form. Each record's procedure takes its enum, so a step carries exactly the fields it
//! needs and the API document shows each step's body by name (issue #12).

use axum::extract::{FromRequest, Request};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use super::SharedState;
use super::extract::ApiJson;
use crate::error::{AppError, AppResult};

/// Read a step body. No `step` is 422 `required`, an unknown one 422 `invalid_choice`, both on
/// `step`; a field of the wrong type 400 `invalid_json`, as any JSON body.
pub fn from_value<S: DeserializeOwned>(mut v: Value) -> AppResult<S> {
    match v.get_mut("step") {
        Some(Value::String(s)) if !s.trim().is_empty() => *s = s.trim().to_string(),
        _ => return Err(AppError::field("step", "required", "请选择办理步骤")),
    }
    serde_json::from_value(v).map_err(|e| {
        let m = e.to_string();
        if m.starts_with("unknown variant") {
            AppError::field("step", "invalid_choice", "未知的办理步骤")
        } else {
            AppError::bad_request("invalid_json", format!("JSON 格式或字段有误：{m}"))
        }
    })
}

/// A page form's fields as a step body: one value is a string, a repeated name (checkboxes,
/// multiple selections) an array; the CSRF token is not part of the step.
pub fn form_value(pairs: &[(String, String)]) -> Value {
    let mut m = serde_json::Map::new();
    for (k, v) in pairs {
        if k == "_csrf" {
            continue;
        }
        let v = Value::String(v.clone());
        match m.get_mut(k) {
            None => {
                m.insert(k.clone(), v);
            }
            Some(Value::Array(a)) => a.push(v),
            Some(other) => {
                let first = other.take();
                *other = Value::Array(vec![first, v]);
            }
        }
    }
    Value::Object(m)
}

/// A step submitted from a page form.
pub fn from_form<S: DeserializeOwned>(pairs: &[(String, String)]) -> AppResult<S> {
    from_value(form_value(pairs))
}

/// The step body of an API call.
pub struct ApiStep<S>(pub S);

impl<S: DeserializeOwned> FromRequest<SharedState> for ApiStep<S> {
    type Rejection = AppError;
    async fn from_request(req: Request, state: &SharedState) -> Result<Self, Self::Rejection> {
        let ApiJson(v) = ApiJson::<Value>::from_request(req, state).await?;
        from_value(v).map(ApiStep)
    }
}

/// A field that may be left out or sent as null: its default (an empty text, an empty record).
pub fn or_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// A text field that may also come as a JSON number (an id) or null.
pub fn text_or_number<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Text(String),
        Number(i64),
    }
    Ok(Option::<Raw>::deserialize(d)?.map(|r| match r {
        Raw::Text(s) => s,
        Raw::Number(n) => n.to_string(),
    }))
}

/// A required id that JSON sends as a number (as responses give it) and forms as text.
pub fn id_text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(text_or_number(d)?.unwrap_or_default())
}

/// A list that a form sends as one value when one box is ticked, and JSON as an array of text
/// or numbers.
pub fn one_or_many<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Item {
        Text(String),
        Number(i64),
    }
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        One(Item),
        Many(Vec<Item>),
    }
    let text = |i: Item| match i {
        Item::Text(s) => s,
        Item::Number(n) => n.to_string(),
    };
    Ok(match Option::<Raw>::deserialize(d)? {
        None => Vec::new(),
        Some(Raw::One(i)) => vec![text(i)],
        Some(Raw::Many(v)) => v.into_iter().map(text).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(Debug, PartialEq, Deserialize)]
    #[serde(tag = "step", rename_all = "snake_case")]
    enum Demo {
        Sign,
        Return {
            #[serde(default, deserialize_with = "or_default")]
            text: String,
        },
        Start {
            #[serde(default, deserialize_with = "text_or_number")]
            lead_unit_id: Option<String>,
            #[serde(default, deserialize_with = "one_or_many")]
            assisting: Vec<String>,
        },
    }

    fn code(e: AppError) -> (String, String) {
        match e {
            AppError::Validation(f) => (f.0[0].field.clone(), f.0[0].code.clone()),
            other => ("".into(), other.to_string()),
        }
    }

    #[test]
    fn a_step_carries_its_own_fields() {
        assert_eq!(
            from_value::<Demo>(json!({"step": "sign"})).ok(),
            Some(Demo::Sign)
        );
        assert_eq!(
            from_value::<Demo>(json!({"step": "return", "text": "改"})).ok(),
            Some(Demo::Return { text: "改".into() })
        );
        assert_eq!(
            from_value::<Demo>(json!({"step": "start", "lead_unit_id": 19, "assisting": [3, "4"]}))
                .ok(),
            Some(Demo::Start {
                lead_unit_id: Some("19".into()),
                assisting: vec!["3".into(), "4".into()]
            })
        );
    }

    #[test]
    fn a_missing_or_unknown_step_is_named() {
        let e = from_value::<Demo>(json!({"text": "x"})).expect_err("no step");
        assert_eq!(code(e), ("step".into(), "required".into()));
        let e = from_value::<Demo>(json!({"step": "fly"})).expect_err("unknown");
        assert_eq!(code(e), ("step".into(), "invalid_choice".into()));
        assert_eq!(
            from_value::<Demo>(json!({"step": " return ", "text": null})).ok(),
            Some(Demo::Return { text: "".into() }),
            "a padded step and a null text"
        );
        let e = from_value::<Demo>(json!({"step": "return", "text": 5})).expect_err("type");
        assert!(matches!(e, AppError::BadRequest { .. }), "{e:?}");
    }

    #[test]
    fn a_form_reads_as_the_same_body() {
        let pairs = |v: &[(&str, &str)]| -> Vec<(String, String)> {
            v.iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect()
        };
        assert_eq!(
            from_form::<Demo>(&pairs(&[
                ("_csrf", "t"),
                ("step", "start"),
                ("lead_unit_id", "7"),
                ("assisting", "8")
            ]))
            .ok(),
            Some(Demo::Start {
                lead_unit_id: Some("7".into()),
                assisting: vec!["8".into()]
            })
        );
        assert_eq!(
            from_form::<Demo>(&pairs(&[
                ("step", "start"),
                ("assisting", "8"),
                ("assisting", "9")
            ]))
            .ok()
            .map(|d| match d {
                Demo::Start { assisting, .. } => assisting,
                _ => Vec::new(),
            }),
            Some(vec!["8".into(), "9".into()])
        );
    }
}
