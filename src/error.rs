//! One error type for the whole application. It maps to a JSON body with a stable code (API),
//! and `web::page_error` maps it to a Chinese error page (UI). Internal details are logged,
//! never sent.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::domain::{FieldError, FieldErrors};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("输入有误")]
    Validation(FieldErrors),
    #[error("未找到该记录，或您无权查看")]
    NotFound,
    #[error("您没有执行此操作的权限")]
    Forbidden,
    #[error("请先登录")]
    Unauthorized,
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    #[error("{message}")]
    BadRequest { code: &'static str, message: String },
    #[error("请求过于频繁，请稍后再试")]
    TooManyRequests,
    #[error("请求内容过大")]
    PayloadTooLarge,
    #[error("页面已过期或表单来源无法验证，请刷新后重试")]
    Csrf,
    #[error("服务器内部错误，请稍后再试")]
    Internal(String),
}

impl From<sqlx::Error> for AppError {
    /// A constraint the database enforces is a conflict the user can act on, never a 500: the
    /// constraints are the last line behind the rules in the operations, and what reaches them
    /// is almost always two people submitting the same thing at once.
    fn from(e: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &e {
            use sqlx::error::ErrorKind;
            match db.kind() {
                ErrorKind::UniqueViolation => {
                    return AppError::conflict(
                        "duplicate",
                        "该记录已存在，可能已由他人同时提交，请刷新页面后查看",
                    );
                }
                ErrorKind::ForeignKeyViolation => {
                    return AppError::conflict(
                        "reference_invalid",
                        "所引用的记录不存在或已被删除，请刷新页面后重试",
                    );
                }
                ErrorKind::NotNullViolation | ErrorKind::CheckViolation => {
                    return AppError::conflict(
                        "constraint_violated",
                        "提交的内容不符合数据规则，请检查后重试",
                    );
                }
                _ => {}
            }
            // PostgreSQL: deadlock_detected, serialization_failure.
            if matches!(db.code().as_deref(), Some("40P01" | "40001")) {
                return AppError::conflict(
                    "concurrent_update",
                    "该记录正被他人同时处理，请刷新页面后重试",
                );
            }
        }
        AppError::Internal(format!("database: {e}"))
    }
}

/// Name what a unique constraint of one table means, where the generic mapping of
/// [`AppError`]'s `From<sqlx::Error>` would be too vague (after realworld-axum-sqlx's
/// `on_constraint`).
pub trait OnConstraint<T> {
    fn on_unique(self, table: &str, f: impl FnOnce() -> AppError) -> Result<T, AppError>;
}

impl<T> OnConstraint<T> for Result<T, sqlx::Error> {
    fn on_unique(self, table: &str, f: impl FnOnce() -> AppError) -> Result<T, AppError> {
        self.map_err(|e| match &e {
            // PostgreSQL names the table; SQLite names "table.column" in its message.
            sqlx::Error::Database(db)
                if db.kind() == sqlx::error::ErrorKind::UniqueViolation
                    && (db.table() == Some(table)
                        || db.message().contains(&format!(" {table}."))) =>
            {
                f()
            }
            _ => AppError::from(e),
        })
    }
}

impl From<FieldErrors> for AppError {
    fn from(e: FieldErrors) -> Self {
        AppError::Validation(e)
    }
}

impl From<FieldError> for AppError {
    fn from(e: FieldError) -> Self {
        AppError::Validation(FieldErrors(vec![e]))
    }
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Forbidden | AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::Unauthorized => StatusCode::UNAUTHORIZED,
            AppError::Conflict { .. } => StatusCode::CONFLICT,
            AppError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            AppError::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            AppError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            AppError::Validation(_) => "validation_failed",
            AppError::NotFound => "not_found",
            AppError::Forbidden => "forbidden",
            AppError::Unauthorized => "unauthorized",
            AppError::Conflict { code, .. } | AppError::BadRequest { code, .. } => code,
            AppError::TooManyRequests => "too_many_requests",
            AppError::PayloadTooLarge => "payload_too_large",
            AppError::Csrf => "csrf_failed",
            AppError::Internal(_) => "internal_error",
        }
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        AppError::BadRequest {
            code,
            message: message.into(),
        }
    }

    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        AppError::Conflict {
            code,
            message: message.into(),
        }
    }

    pub fn field(field: &str, code: &str, message: impl Into<String>) -> Self {
        AppError::Validation(FieldErrors::single(field, code, message))
    }

    /// The field errors of an operation named as the caller sent them: an operation checks
    /// its values under its own names (`result`, `concluded_on`), a step body may carry them
    /// under others (`text`, `date`); each `(operation's, sent)` pair renames one, and a
    /// name's nested parts (`findings[0].unit_id`) follow their root.
    pub fn as_sent(self, names: &[(&str, &str)]) -> Self {
        match self {
            AppError::Validation(mut errors) => {
                for e in &mut errors.0 {
                    let split = e.field.find(['[', '.']).unwrap_or(e.field.len());
                    let (root, rest) = e.field.split_at(split);
                    if let Some((_, sent)) = names.iter().find(|(own, _)| *own == root) {
                        e.field = format!("{sent}{rest}");
                    }
                }
                AppError::Validation(errors)
            }
            other => other,
        }
    }

    /// The field errors of a part of a body sent nested under `parent`
    /// (`{"step": "record_held", "held": {…}}`): `items[0].text` becomes
    /// `held.items[0].text`.
    pub fn under(self, parent: &str) -> Self {
        match self {
            AppError::Validation(mut errors) => {
                for e in &mut errors.0 {
                    if e.field != "step" {
                        e.field = format!("{parent}.{}", e.field);
                    }
                }
                AppError::Validation(errors)
            }
            other => other,
        }
    }

    pub fn internal(e: impl std::fmt::Display) -> Self {
        AppError::Internal(e.to_string())
    }

    pub fn log(&self) {
        if let AppError::Internal(detail) = self {
            tracing::error!(%detail, "internal error");
        }
    }
}

/// The JSON error body of the API.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable machine-readable code, e.g. `validation_failed`, `not_found`, `invalid_json`.
    pub code: String,
    /// Message in Chinese.
    pub message: String,
    /// Field-level errors, for `validation_failed`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldError>,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        self.log();
        let fields = match &self {
            AppError::Validation(f) => f.0.clone(),
            _ => Vec::new(),
        };
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code().to_string(),
                message: self.to_string(),
                fields,
            },
        };
        (self.status(), Json(body)).into_response()
    }
}

pub type AppResult<T> = Result<T, AppError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_errors_are_named_as_sent() {
        let mut errors = FieldErrors::new();
        errors.add("result", "required", "请填写办理结果");
        errors.add("concluded_on", "out_of_range", "办结日期不能晚于今天");
        errors.add("findings[0].unit_id", "not_allowed", "x");
        errors.add("kind", "invalid_choice", "x");
        let AppError::Validation(named) = AppError::Validation(errors).as_sent(&[
            ("result", "text"),
            ("concluded_on", "date"),
            ("findings", "items"),
        ]) else {
            panic!("still a validation error");
        };
        let fields: Vec<&str> = named.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["text", "date", "items[0].unit_id", "kind"]);
        assert!(matches!(
            AppError::NotFound.as_sent(&[("result", "text")]),
            AppError::NotFound
        ));
        let AppError::Validation(nested) =
            AppError::field("items[0].text", "required", "x").under("held")
        else {
            panic!("still a validation error");
        };
        assert_eq!(nested.0[0].field, "held.items[0].text");
    }
}
