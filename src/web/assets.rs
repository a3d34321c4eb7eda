//! Front-end assets, compiled into the binary (no CDN, nothing read from disk at run time).

use axum::extract::Path;
use axum::http::header;
use axum::response::{IntoResponse, Response};

const APP_CSS: &str = include_str!("../../assets/app.css");
const APP_JS: &str = include_str!("../../assets/app.js");
const PUBLIC_JS: &str = include_str!("../../assets/public.js");

pub async fn serve(Path(file): Path<String>) -> Response {
    let (body, mime) = match file.as_str() {
        "app.css" => (APP_CSS, "text/css; charset=utf-8"),
        "app.js" => (APP_JS, "text/javascript; charset=utf-8"),
        "public.js" => (PUBLIC_JS, "text/javascript; charset=utf-8"),
        _ => return crate::web::page::error_page(crate::error::AppError::NotFound),
    };
    (
        [
            (header::CONTENT_TYPE, mime),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
        .into_response()
}
