//! The API document held to the code: every `/api/v1` answer an integration test produces is
//! checked against what `/api/v1/openapi.json` says of that operation and status. An answer
//! whose status is not documented, or whose JSON body does not match the documented schema,
//! fails the test that produced it (`SHUANGDA_CONTRACT=report` prints instead, to survey).

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

use axum::http::{Method, StatusCode};
use serde_json::Value;

static DOC: LazyLock<Value> = LazyLock::new(|| {
    serde_json::to_value(shuangda::web::openapi::document()).expect("openapi document")
});

static VALIDATORS: LazyLock<Mutex<HashMap<String, Arc<jsonschema::Validator>>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

/// The documented path template that `path` is an instance of: the one with the most literal
/// segments among those that match.
fn template(path: &str) -> Option<String> {
    let segs: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    let paths = DOC["paths"].as_object()?;
    paths
        .keys()
        .filter_map(|t| {
            let ts: Vec<&str> = t.split('/').collect();
            if ts.len() != segs.len() {
                return None;
            }
            let mut literal = 0;
            for (a, b) in ts.iter().zip(&segs) {
                if a.starts_with('{') && a.ends_with('}') {
                    continue;
                }
                if a != b {
                    return None;
                }
                literal += 1;
            }
            Some((literal, t.clone()))
        })
        .max_by_key(|(l, _)| *l)
        .map(|(_, t)| t)
}

fn validator(pointer: &str, schema: &Value) -> Arc<jsonschema::Validator> {
    let mut cache = VALIDATORS.lock().expect("validators");
    if let Some(v) = cache.get(pointer) {
        return v.clone();
    }
    // The response schema as the root, with the document's components grafted on, so that
    // `#/components/schemas/X` resolves.
    let mut root = schema.clone();
    if let Some(obj) = root.as_object_mut() {
        obj.insert("components".into(), DOC["components"].clone());
    }
    let v = Arc::new(
        jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .build(&root)
            .unwrap_or_else(|e| panic!("the schema at {pointer} does not compile: {e}")),
    );
    cache.insert(pointer.to_string(), v.clone());
    v
}

/// What is wrong with this answer against the document, if anything.
pub fn violation(
    method: &Method,
    path: &str,
    status: StatusCode,
    content_type: Option<&str>,
    body: &str,
) -> Option<String> {
    let path = path.split('?').next().unwrap_or(path);
    if !path.starts_with("/api/v1/") || path == "/api/v1/openapi.json" {
        return None;
    }
    let what = format!("{method} {path} → {}", status.as_u16());
    let Some(t) = template(path) else {
        // The router's fallback: nothing is there to document.
        return (status != StatusCode::NOT_FOUND)
            .then(|| format!("{what}: no operation of the document has this path"));
    };
    let m = method.as_str().to_ascii_lowercase();
    let Some(op) = DOC["paths"][&t].get(&m) else {
        return (status != StatusCode::METHOD_NOT_ALLOWED)
            .then(|| format!("{what}: {t} documents no {method}"));
    };
    let Some(resp) = op["responses"].get(status.as_str()) else {
        return Some(format!(
            "{what}: {method} {t} does not document status {} (body: {})",
            status.as_u16(),
            body.chars().take(200).collect::<String>()
        ));
    };
    if body.is_empty() || !content_type.is_some_and(|c| c.starts_with("application/json")) {
        return None;
    }
    let Some(schema) = resp.pointer("/content/application~1json/schema") else {
        return Some(format!(
            "{what}: a JSON body, but no JSON schema documented"
        ));
    };
    let instance: Value = match serde_json::from_str(body) {
        Ok(v) => v,
        Err(e) => return Some(format!("{what}: the body is not JSON: {e}")),
    };
    let pointer = format!("{m} {t} {}", status.as_u16());
    let errors: Vec<String> = validator(&pointer, schema)
        .iter_errors(&instance)
        .take(5)
        .map(|e| format!("  at {:?}: {e}", e.instance_path().to_string()))
        .collect();
    (!errors.is_empty()).then(|| {
        format!(
            "{what}: the body does not match the documented schema of {method} {t}:\n{}",
            errors.join("\n")
        )
    })
}

/// Fail (or, with `SHUANGDA_CONTRACT=report`, print) when the answer breaks the contract.
pub fn check(
    method: &Method,
    path: &str,
    status: StatusCode,
    content_type: Option<&str>,
    body: &str,
) {
    if let Some(v) = violation(method, path, status, content_type, body) {
        if std::env::var("SHUANGDA_CONTRACT").as_deref() == Ok("report") {
            eprintln!("CONTRACT {v}");
        } else {
            panic!("API contract broken: {v}");
        }
    }
}
