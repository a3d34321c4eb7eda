//! The OpenAPI document of /api/v1, generated from the handlers' annotations.

use axum::Json;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(title = "双打协同平台 API", version = "1", description = "JSON API of Shuangda. Authenticate with `Authorization: Bearer sdt_…` tokens issued by the security administrator. Errors are `{\"error\": {\"code\", \"message\", \"fields\"}}` with stable codes."),
    paths(
        crate::notify::http::api_me,
        crate::units::http::api_list,
        crate::units::http::api_create,
        crate::units::http::api_get,
        crate::units::http::api_update,
        crate::users::http::api_list,
        crate::users::http::api_create,
        crate::users::http::api_get,
        crate::users::http::api_update,
        crate::users::http::api_grant,
        crate::users::http::api_revoke,
        crate::audit::http::api_search,
        crate::calendar::http::api_workday,
        crate::calendar::http::api_add_workdays,
        crate::calendar::http::api_add_days,
        crate::calendar::http::api_years,
        crate::calendar::http::api_save_year,
        crate::deadline::http::api_list,
        crate::deadline::http::api_get,
        crate::cases::http::api_list,
        crate::cases::http::api_create,
        crate::cases::http::api_get,
        crate::cases::http::api_step,
        crate::cases::http::api_attach,
    ),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

pub async fn serve() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
