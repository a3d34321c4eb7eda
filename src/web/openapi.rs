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
        crate::linkage::http::transfers::api_list,
        crate::linkage::http::transfers::api_create,
        crate::linkage::http::transfers::api_get,
        crate::linkage::http::transfers::api_step,
        crate::linkage::http::transfers::api_attach,
        crate::linkage::http::stats::api_stats,
        crate::linkage::http::stats::api_xlsx,
        crate::linkage::http::transfers::api_attachment,
        crate::linkage::http::transfers::api_document,
        crate::linkage::http::requests::api_requests,
        crate::linkage::http::requests::api_create_request,
        crate::linkage::http::requests::api_request,
        crate::linkage::http::requests::api_answer,
        crate::linkage::http::requests::api_escalate,
        crate::linkage::http::requests::api_meetings,
        crate::linkage::http::requests::api_create_meeting,
        crate::linkage::http::requests::api_meeting,
        crate::linkage::http::requests::api_item_done,
        crate::tasks::http::api_list,
        crate::tasks::http::api_create,
        crate::tasks::http::api_get,
        crate::tasks::http::api_step,
        crate::tasks::http::api_attach,
        crate::meetings::http::api_list,
        crate::meetings::http::api_create,
        crate::meetings::http::api_get,
        crate::meetings::http::api_step,
        crate::circulars::http::api_list,
        crate::circulars::http::api_create,
        crate::circulars::http::api_get,
        crate::circulars::http::api_step,
        crate::notify::http::api_waiting,
        crate::notify::http::api_remind,
        crate::drafting::http::api_get,
        crate::drafting::http::api_step,
        crate::drafting::http::api_preview,
        crate::inspections::http::api_list,
        crate::inspections::http::api_create,
        crate::inspections::http::api_get,
        crate::inspections::http::api_report,
        crate::reports::http::api_reports,
        crate::reports::http::api_submit,
        crate::reports::http::api_forward,
        crate::reports::http::api_open_round,
        crate::reports::http::api_round,
        crate::composition::http::api_get,
        crate::composition::http::api_request,
        crate::composition::http::api_decide,
        crate::plans::http::api_import,
        crate::plans::http::api_get,
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

#[cfg(test)]
mod tests {
    use std::path::Path;

    use utoipa::OpenApi;

    /// The `/api/v1/…` paths routed anywhere under `dir` (the string after each `.route(`).
    fn routed(dir: &Path, out: &mut Vec<(String, String)>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                routed(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                for piece in text.split(".route(").skip(1) {
                    if let Some((route, _)) = piece
                        .trim_start()
                        .strip_prefix('"')
                        .and_then(|p| p.split_once('"'))
                        && route.starts_with("/api/v1/")
                    {
                        out.push((route.to_string(), path.display().to_string()));
                    }
                }
            }
        }
    }

    /// Each record's `/steps` takes its own body, named after the record, listing its steps
    /// with their own fields (issue #12): not one shared `{step, text}`.
    #[test]
    fn each_record_has_its_own_step_body() {
        let doc = serde_json::to_value(super::ApiDoc::openapi()).expect("json");
        for (path, schema, steps) in [
            ("/api/v1/cases/{id}/steps", "CaseStep", 13),
            ("/api/v1/transfers/{id}/steps", "TransferStep", 19),
            ("/api/v1/tasks/{id}/steps", "TaskStep", 4),
            ("/api/v1/meetings/{id}/steps", "MeetingStep", 4),
            ("/api/v1/circulars/{id}/steps", "CircularStep", 3),
        ] {
            let body = &doc["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]
                ["$ref"];
            assert_eq!(
                body.as_str(),
                Some(format!("#/components/schemas/{schema}").as_str()),
                "{path}"
            );
            let variants = doc["components"]["schemas"][schema]["oneOf"]
                .as_array()
                .unwrap_or_else(|| panic!("{schema} is a oneOf"));
            assert_eq!(variants.len(), steps, "{schema}");
        }
        let transfer = doc["components"]["schemas"]["TransferStep"].to_string();
        assert!(transfer.contains("hand_over_items") && transfer.contains("procuratorate_unit_id"));
        assert!(transfer.contains("\"approve\"") && transfer.contains("\"return\""));
    }

    #[test]
    fn every_api_route_is_in_the_openapi_document() {
        let doc = super::ApiDoc::openapi();
        let mut routes = Vec::new();
        routed(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
            &mut routes,
        );
        assert!(routes.len() > 40, "found only {} API routes", routes.len());
        let missing: Vec<String> = routes
            .iter()
            .filter(|(r, _)| r != "/api/v1/openapi.json" && !doc.paths.paths.contains_key(r))
            .map(|(r, file)| format!("{r} ({file})"))
            .collect();
        assert!(
            missing.is_empty(),
            "routes without OpenAPI paths: {missing:#?}"
        );
    }
}
