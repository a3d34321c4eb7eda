//! The OpenAPI document of /api/v1, generated from the handlers' annotations.

use std::sync::OnceLock;

use axum::Json;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(title = "双打协同平台 API", version = "1", description = "JSON API of Shuangda. Authenticate with `Authorization: Bearer sdt_…` tokens issued by the security administrator. Errors are `{\"error\": {\"code\", \"message\", \"fields\"}}` with stable codes."),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

/// The error answers every operation of a kind can give, declared once here from what the
/// operation is rather than on each handler: 401 and 403 behind the bearer token (no token, or
/// a role that may not), 404 where the path names a record (or it is out of the caller's
/// scope), 400 where a body or a query is read (malformed), 413 where a body is, 422 where a
/// body, query or non-id path parameter is parsed (field by field), 409 on every write (the record's state moved
/// on, a duplicate, a concurrent step). All carry the error body. Handlers declare the rest
/// themselves (409 on a read of withheld material).
struct ErrorResponses;

impl Modify for ErrorResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::path::ParameterIn;
        use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
        let response = |description: &str| {
            ResponseBuilder::new()
                .description(description)
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("ErrorBody")))
                        .build(),
                )
                .build()
        };
        for (path, item) in openapi.paths.paths.iter_mut() {
            let names_a_record = path.contains('{');
            let operations = [
                (&mut item.get, false),
                (&mut item.put, true),
                (&mut item.post, true),
                (&mut item.delete, true),
                (&mut item.patch, true),
            ];
            for (op, writes) in operations {
                let Some(op) = op.as_mut() else { continue };
                let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
                let body = op.request_body.is_some();
                let query = op.parameters.as_ref().is_some_and(|ps| {
                    ps.iter()
                        .any(|p| matches!(p, RefOr::T(p) if p.parameter_in == ParameterIn::Query))
                });
                let mut add = |status: &str, description: &str| {
                    op.responses
                        .responses
                        .entry(status.to_string())
                        .or_insert_with(|| response(description).into());
                };
                if secured {
                    add("401", "未登录，或令牌无效、已过期、已吊销");
                    add("403", "您的角色无权执行此操作");
                }
                if names_a_record {
                    add("404", "记录不存在，或不在您的数据范围内");
                }
                if body || query {
                    add(
                        "400",
                        "请求体不是 JSON 或缺少 Content-Type，或查询参数无法解析（重复、类型不符）",
                    );
                }
                if body {
                    add("413", "请求内容过大");
                }
                // Path parameters other than record ids are parsed too ({role}, {year}).
                let parsed_path = path
                    .split('/')
                    .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
                    .any(|name| !matches!(name, "id" | "aid" | "doc" | "letter"));
                if body || query || parsed_path {
                    add("422", "输入有误：error.fields 逐项说明字段、代码和原因");
                }
                if writes {
                    add(
                        "409",
                        "与记录的当前状态冲突（已办理、已报送、有待审批的变更等），或与同时进行的操作冲突",
                    );
                }
            }
        }
    }
}

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

/// The document: the paths and schemas the routes declare (`web::routes`, each API handler
/// routed by its own `#[utoipa::path]`), the info and security scheme of `ApiDoc`, and the
/// error answers each operation can give. Built once.
pub fn document() -> &'static utoipa::openapi::OpenApi {
    static DOCUMENT: OnceLock<utoipa::openapi::OpenApi> = OnceLock::new();
    DOCUMENT.get_or_init(|| {
        let (_, mut doc) = super::routes().split_for_parts();
        ErrorResponses.modify(&mut doc);
        doc
    })
}

pub async fn serve() -> Json<&'static utoipa::openapi::OpenApi> {
    Json(document())
}

#[cfg(test)]
mod tests {
    use std::path::Path;

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
        let doc = serde_json::to_value(super::document()).expect("json");
        for (path, schema, steps) in [
            ("/api/v1/cases/{id}/steps", "CaseStep", 13),
            ("/api/v1/transfers/{id}/steps", "TransferStep", 19),
            ("/api/v1/tasks/{id}/steps", "TaskStep", 4),
            // Signing minutes and circulars are acts on their drafts (the document chain).
            ("/api/v1/meetings/{id}/steps", "MeetingStep", 3),
            ("/api/v1/circulars/{id}/steps", "CircularStep", 1),
            ("/api/v1/drafts/{id}/steps", "DraftStep", 4),
            ("/api/v1/inspections/{id}/steps", "InspectionStep", 1),
            ("/api/v1/linkage/requests/{id}/steps", "RequestStep", 2),
            (
                "/api/v1/linkage/meetings/{id}/steps",
                "LinkageMeetingStep",
                1,
            ),
            ("/api/v1/composition/changes/{id}/steps", "ChangeStep", 2),
            ("/api/v1/reports/{id}/steps", "ReportStep", 1),
        ] {
            let body = &doc["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]
                ["$ref"];
            assert_eq!(
                body.as_str(),
                Some(format!("#/components/schemas/{schema}").as_str()),
                "{path}"
            );
            let described = &doc["components"]["schemas"][schema];
            // One step is described as itself, several as a oneOf.
            let variants = described["oneOf"].as_array().map_or(1, Vec::len);
            assert!(described.is_object(), "{schema}");
            assert_eq!(variants, steps, "{schema}");
        }
        let transfer = doc["components"]["schemas"]["TransferStep"].to_string();
        assert!(transfer.contains("hand_over_items") && transfer.contains("procuratorate_unit_id"));
        assert!(transfer.contains("\"approve\"") && transfer.contains("\"return\""));
    }

    /// Every operation that needs the bearer token documents its 401 with the error shape, and
    /// every method routed on an API path is documented (issue #13).
    #[test]
    fn every_secured_operation_documents_401_and_every_routed_method_is_described() {
        let doc = serde_json::to_value(super::document()).expect("json");
        assert!(doc["components"]["schemas"]["ErrorBody"].is_object());
        let mut secured = 0;
        for (path, item) in doc["paths"].as_object().expect("paths") {
            for (method, op) in item.as_object().expect("item") {
                if op["security"].as_array().is_some_and(|s| !s.is_empty()) {
                    secured += 1;
                    assert_eq!(
                        op["responses"]["401"]["content"]["application/json"]["schema"]["$ref"],
                        "#/components/schemas/ErrorBody",
                        "{method} {path}"
                    );
                }
            }
        }
        assert!(secured > 60, "{secured} secured operations");
        assert!(
            doc["paths"]["/api/v1/report-rounds"]["get"].is_object(),
            "GET /api/v1/report-rounds is routed and must be described"
        );
    }

    /// A path parameter is one the path names; list filters and other options are query
    /// parameters, and none of them is required unless the handler requires it.
    #[test]
    fn parameters_are_where_the_request_carries_them() {
        let doc = serde_json::to_value(super::document()).expect("json");
        let mut queries = 0;
        for (path, item) in doc["paths"].as_object().expect("paths") {
            for (method, op) in item.as_object().expect("item") {
                for p in op["parameters"].as_array().into_iter().flatten() {
                    let name = p["name"].as_str().unwrap_or("");
                    match p["in"].as_str() {
                        Some("path") => assert!(
                            path.contains(&format!("{{{name}}}")),
                            "{method} {path}: path parameter {name} is not in the path"
                        ),
                        Some("query") => queries += 1,
                        other => panic!("{method} {path}: {name} in {other:?}"),
                    }
                }
            }
        }
        assert!(queries > 40, "{queries} query parameters");
        let cases = &doc["paths"]["/api/v1/cases"]["get"]["parameters"];
        let state = cases
            .as_array()
            .and_then(|a| a.iter().find(|p| p["name"] == "state"))
            .expect("the state filter");
        assert_eq!(state["in"], "query");
        assert_ne!(state["required"], true);
    }

    /// The schema names of every `ToSchema` type under `dir` (its `#[schema(as = …)]` name, else
    /// its own), with the file: two types of one name would be described by one schema.
    fn schema_names(dir: &Path, out: &mut Vec<(String, String)>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                schema_names(&path, out);
                continue;
            }
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            let mut pending = false;
            let mut alias: Option<String> = None;
            for line in text.lines().map(str::trim) {
                if line.starts_with("#[derive(") && line.contains("ToSchema") {
                    pending = true;
                    alias = None;
                } else if pending && line.starts_with("#[schema(as = ") {
                    alias = line
                        .trim_start_matches("#[schema(as = ")
                        .split(')')
                        .next()
                        .map(str::to_string);
                } else if pending
                    && let Some(rest) = line
                        .strip_prefix("pub struct ")
                        .or_else(|| line.strip_prefix("pub enum "))
                {
                    let name: String = rest
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect();
                    out.push((alias.take().unwrap_or(name), path.display().to_string()));
                    pending = false;
                }
            }
        }
    }

    /// Every schema has its own name (issue #13: nine names collided, so one type's schema
    /// described another's), and the bodies that collided now name their own.
    #[test]
    fn every_schema_has_its_own_name() {
        let mut names = Vec::new();
        schema_names(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
            &mut names,
        );
        assert!(names.len() > 80, "found only {} schemas", names.len());
        let mut seen = std::collections::HashMap::new();
        for (name, file) in &names {
            if let Some(other) = seen.insert(name.clone(), file.clone()) {
                panic!("schema {name} is defined in {other} and {file}");
            }
        }
        let doc = serde_json::to_value(super::document()).expect("json");
        let body = |path: &str| {
            doc["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]
                ["$ref"]
                .clone()
        };
        assert_eq!(
            body("/api/v1/inspections/{id}/steps"),
            "#/components/schemas/InspectionStep"
        );
        assert!(
            doc["components"]["schemas"]["InspectionStep"]
                .to_string()
                .contains("#/components/schemas/FindingInput")
        );
        assert_eq!(
            body("/api/v1/reports"),
            "#/components/schemas/UnitReportInput"
        );
        let schemas = &doc["components"]["schemas"];
        for s in [
            "CaseStepCode",
            "TransferStepCode",
            "MeetingStepCode",
            "TaskStepCode",
            "TransferItem",
            "MeetingItem",
        ] {
            assert!(schemas[s].is_object(), "{s}");
        }
    }

    /// Each API route is declared once, by its handler's `#[utoipa::path]` through
    /// `routes!`: no module routes an `/api/v1/` path by hand, which the document would not
    /// know (issue #13: every path was written three times and they drifted).
    #[test]
    fn every_api_route_is_declared_by_its_handler() {
        let mut routes = Vec::new();
        routed(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
            &mut routes,
        );
        let by_hand: Vec<String> = routes
            .iter()
            .filter(|(r, _)| r != "/api/v1/openapi.json")
            .map(|(r, file)| format!("{r} ({file})"))
            .collect();
        assert!(
            by_hand.is_empty(),
            "API routes declared outside routes!: {by_hand:#?}"
        );
        let doc = super::document();
        assert!(
            doc.paths.paths.len() > 60,
            "{} paths",
            doc.paths.paths.len()
        );
        // The steps of every record take one shape (issue #13).
        for path in doc.paths.paths.keys() {
            let last = path.rsplit('/').next().unwrap_or("");
            assert!(
                !matches!(
                    last,
                    "answer" | "escalate" | "report" | "decision" | "forward" | "done"
                ),
                "{path}: a verb endpoint where /steps belongs"
            );
        }
    }

    /// No body is impossible to send: a step variant that combines `{"step": …}` with another
    /// schema through `allOf` cannot point at one that forbids other properties (the fuzzer
    /// found `InspectionStep` so: its report input denied the `step` field it was sent with).
    #[test]
    fn every_step_body_can_be_sent() {
        let doc = serde_json::to_value(super::document()).expect("json");
        let schemas = &doc["components"]["schemas"];
        for (name, schema) in schemas.as_object().expect("schemas") {
            for variant in schema["oneOf"].as_array().into_iter().flatten() {
                for part in variant["allOf"].as_array().into_iter().flatten() {
                    let Some(r) = part["$ref"].as_str() else {
                        continue;
                    };
                    let target = &schemas[r.trim_start_matches("#/components/schemas/")];
                    assert_ne!(
                        target["additionalProperties"], false,
                        "{name}: a variant joins {r}, which forbids the step field"
                    );
                }
            }
        }
    }

    /// The whole document, as integrators read it, is kept in `docs/openapi.json`: any change
    /// to the contract shows in review (crates.io's `src/tests/openapi.rs` does the same with
    /// a snapshot). After an intended change, rewrite it with
    /// `SHUANGDA_UPDATE_OPENAPI=1 cargo test --lib openapi` and review the diff.
    #[test]
    fn the_document_is_the_one_in_docs() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/openapi.json");
        let now = serde_json::to_string_pretty(super::document()).expect("json") + "\n";
        if std::env::var_os("SHUANGDA_UPDATE_OPENAPI").is_some() {
            std::fs::write(&path, &now).expect("write docs/openapi.json");
            return;
        }
        let kept = std::fs::read_to_string(&path).unwrap_or_default();
        if kept != now {
            let line = kept
                .lines()
                .zip(now.lines())
                .position(|(a, b)| a != b)
                .unwrap_or_else(|| kept.lines().count().min(now.lines().count()));
            panic!(
                "the API document differs from docs/openapi.json from line {}: {:?} now {:?}. \
                 If the change is intended, run SHUANGDA_UPDATE_OPENAPI=1 cargo test --lib openapi \
                 and commit the file",
                line + 1,
                kept.lines().nth(line),
                now.lines().nth(line)
            );
        }
    }
}
