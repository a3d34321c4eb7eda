//! Text at the boundary: a query parameter, form field or JSON string holding a NUL or another
//! control character (other than tab and line breaks) is refused with 422 naming the field,
//! before any handler sees it. PostgreSQL cannot store NUL in text and answered such input with
//! 500 (issue #13: `GET /api/v1/transfers?q=a%00b`); no user types these characters.

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::header::CONTENT_TYPE;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::SharedState;
use crate::error::AppError;

/// A character no one types into a form: a control character other than tab, CR and LF.
fn forbidden(c: char) -> bool {
    c.is_control() && !matches!(c, '\t' | '\n' | '\r')
}

pub(crate) fn bad(s: &str) -> bool {
    s.chars().any(forbidden)
}

/// The first field of `pairs` (a query string or a URL-encoded form) holding a forbidden
/// character.
fn in_pairs(raw: &[u8]) -> Option<String> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(raw).unwrap_or_default();
    pairs
        .into_iter()
        .find(|(k, v)| bad(k) || bad(v))
        .map(|(k, _)| k.chars().filter(|c| !forbidden(*c)).collect())
}

/// The field (the nearest object key) of the first JSON string holding a forbidden character.
/// Checked where a JSON body is parsed (`extract::ApiJson`), so the body is read once.
pub(crate) fn in_json(v: &Value, key: &str) -> Option<String> {
    match v {
        Value::String(s) if bad(s) => Some(key.to_string()),
        Value::Array(items) => items.iter().find_map(|i| in_json(i, key)),
        Value::Object(m) => m.iter().find_map(|(k, v)| {
            if bad(k) {
                Some(k.chars().filter(|c| !forbidden(*c)).collect())
            } else {
                in_json(v, k)
            }
        }),
        _ => None,
    }
}

/// The 422 for a forbidden character in `field`.
pub(crate) fn refused(field: &str) -> AppError {
    AppError::field(
        if field.is_empty() { "body" } else { field },
        "invalid_characters",
        "含有不可显示的控制字符，请删除后重新提交",
    )
}

fn refuse(path: &str, field: &str) -> Response {
    let e = refused(field);
    if path.starts_with("/api/") {
        e.into_response()
    } else {
        super::page::error_page(e)
    }
}

/// The middleware: checks the query string and a URL-encoded body (uploads are files, checked
/// by their own rules). JSON bodies are checked as they are parsed (`ApiJson`), page forms
/// again where they are read (`CsrfForm`), whatever content type they were sent with.
pub async fn guard(State(state): State<SharedState>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    if let Some(field) = req.uri().query().and_then(|q| in_pairs(q.as_bytes())) {
        return refuse(&path, &field);
    }
    let kind = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    if !kind.starts_with("application/x-www-form-urlencoded") {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let Ok(bytes) = to_bytes(body, state.config.max_body_bytes).await else {
        return AppError::PayloadTooLarge.into_response();
    };
    if let Some(field) = in_pairs(&bytes) {
        return refuse(&path, &field);
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn control_characters_are_found_by_field() {
        assert_eq!(in_pairs(b"q=a%00b&page=1"), Some("q".into()));
        assert_eq!(in_pairs(b"q=%E5%81%87%E5%86%92&page=2"), None);
        assert_eq!(
            in_pairs(b"text=line%0Aline%09tab%0D"),
            None,
            "line breaks and tabs"
        );
        assert_eq!(in_pairs(b"title=%1B%5B31m"), Some("title".into()));
        assert_eq!(
            in_json(&json!({"step": "refuse", "text": "理由\u{0}"}), ""),
            Some("text".into())
        );
        assert_eq!(
            in_json(
                &json!({"items": [{"name": "白酒", "storage": "仓库\u{7}"}]}),
                ""
            ),
            Some("storage".into())
        );
        assert_eq!(in_json(&json!(["a\u{0}"]), ""), Some("".into()));
        assert_eq!(
            in_json(&json!({"text": "第一段\n第二段\t缩进", "n": 5}), ""),
            None
        );
    }
}
