//! Files in and out: uploads read from multipart forms, and downloads (PDF letters, dossiers,
//! attachments, spreadsheets) with names that survive Chinese characters.

use axum::extract::Multipart;
use axum::http::header;
use axum::response::{IntoResponse, Response};

use super::extract::{CurrentUser, constant_eq, urlencode};
use crate::error::{AppError, AppResult};

/// A 20 MB file plus the form's other fields.
pub const UPLOAD_BODY_LIMIT: usize = crate::domain::upload::MAX_BYTES + 256 * 1024;

/// The fields of an upload form: the file, the other text fields, and the CSRF token if any.
pub struct UploadForm {
    pub filename: String,
    pub bytes: Vec<u8>,
    pub description: String,
    /// Other text fields, in order (e.g. an evidence kind, a secrecy marking).
    pub fields: Vec<(String, String)>,
    /// Files sent as `files` (a form that takes several), with their names.
    pub files: Vec<(String, Vec<u8>)>,
    pub csrf: Option<String>,
}

impl UploadForm {
    /// A page upload must carry the session's CSRF token.
    pub fn check_csrf(&self, cu: &CurrentUser) -> AppResult<()> {
        let ok = self
            .csrf
            .as_deref()
            .is_some_and(|c| constant_eq(c.as_bytes(), cu.csrf.as_bytes()));
        if ok { Ok(()) } else { Err(AppError::Csrf) }
    }

    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn all(&self, name: &str) -> Vec<String> {
        self.fields
            .iter()
            .filter(|(k, v)| k == name && !v.trim().is_empty())
            .map(|(_, v)| v.clone())
            .collect()
    }
}

/// What an upload sends (multipart/form-data): the file and, depending on the operation, a
/// description, the material's kind or the plan's fields.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct UploadBody {
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    description: Option<String>,
}

/// A multipart upload; a request that is not one (no or a bad boundary) is 400 with the error
/// body, not the framework's plain text.
pub struct Upload(pub Multipart);

impl<S: Send + Sync> axum::extract::FromRequest<S> for Upload {
    type Rejection = AppError;
    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, AppError> {
        Multipart::from_request(req, state)
            .await
            .map(Upload)
            .map_err(|_| {
                AppError::bad_request(
                    "invalid_multipart",
                    "请以 multipart/form-data 提交（含 file 字段）",
                )
            })
    }
}

pub async fn read_upload(mut mp: Multipart) -> AppResult<UploadForm> {
    let mut form = UploadForm {
        filename: String::new(),
        bytes: Vec::new(),
        description: String::new(),
        fields: Vec::new(),
        files: Vec::new(),
        csrf: None,
    };
    let too_large = || AppError::field("file", "too_large", "单个文件不能超过20MB");
    while let Some(field) = mp.next_field().await.map_err(|_| too_large())? {
        match field.name().map(str::to_string).as_deref() {
            Some("file") => {
                form.filename = field.file_name().unwrap_or("").to_string();
                form.bytes = field.bytes().await.map_err(|_| too_large())?.to_vec();
            }
            Some("files") => {
                let name = field.file_name().unwrap_or("").to_string();
                let bytes = field.bytes().await.map_err(|_| too_large())?.to_vec();
                // Six at most are read: a form that sends more is refused by its operation.
                if form.files.len() <= 5 {
                    form.files.push((name, bytes));
                }
            }
            Some("description") => {
                form.description = field.text().await.map_err(|_| too_large())?
            }
            Some("_csrf") => form.csrf = Some(field.text().await.map_err(|_| too_large())?),
            Some(other) => {
                let v = field.text().await.map_err(|_| too_large())?;
                if form.fields.len() < 64 {
                    form.fields.push((other.to_string(), v));
                }
            }
            None => {}
        }
    }
    Ok(form)
}

fn disposition(kind: &str, name: &str) -> String {
    format!(
        "{kind}; filename=\"download\"; filename*=UTF-8''{}",
        urlencode(name)
    )
}

/// A PDF shown in the browser's viewer.
pub fn pdf_response(name: &str, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (header::CONTENT_DISPOSITION, disposition("inline", name)),
        ],
        bytes,
    )
        .into_response()
}

/// A file saved by the browser.
pub fn download(name: &str, mime: &str, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, mime.to_string()),
            (header::CONTENT_DISPOSITION, disposition("attachment", name)),
        ],
        bytes,
    )
        .into_response()
}

/// A file too large to hold in memory, sent as it is read.
pub fn download_stream(name: &str, mime: &str, len: u64, body: axum::body::Body) -> Response {
    (
        [
            (header::CONTENT_TYPE, mime.to_string()),
            (header::CONTENT_DISPOSITION, disposition("attachment", name)),
            (header::CONTENT_LENGTH, len.to_string()),
        ],
        body,
    )
        .into_response()
}

pub const XLSX_MIME: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
