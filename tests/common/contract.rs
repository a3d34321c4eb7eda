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
    let json = content_type.is_some_and(|c| c.starts_with("application/json"));
    if !json {
        // Where the document promises JSON and nothing else, another body breaks it.
        let only_json = resp["content"]
            .as_object()
            .is_some_and(|c| !c.is_empty() && c.keys().all(|k| k == "application/json"));
        return (only_json && !body.is_empty()).then(|| {
            format!(
                "{what}: a {} body where {method} {t} documents JSON",
                content_type.unwrap_or("untyped")
            )
        });
    }
    if body.is_empty() {
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

/// `schema` with its `$ref` followed into the document's components.
fn resolved(schema: &Value) -> &Value {
    match schema["$ref"].as_str() {
        Some(r) => r
            .strip_prefix("#/")
            .and_then(|p| DOC.pointer(&format!("/{p}")))
            .unwrap_or(&Value::Null),
        None => schema,
    }
}

/// The fields a body of `schema` may carry, when `sent` is that body: the properties of the
/// object, of every part of an `allOf`, and of the `oneOf` variants whose `step` is the one
/// sent. None when the schema names no properties.
fn fields_of(schema: &Value, sent: &Value, out: &mut Vec<String>) {
    let schema = resolved(schema);
    if let Some(props) = schema["properties"].as_object() {
        out.extend(props.keys().cloned());
    }
    for part in schema["allOf"].as_array().into_iter().flatten() {
        fields_of(part, sent, out);
    }
    for variant in schema["oneOf"].as_array().into_iter().flatten() {
        let mut names = Vec::new();
        fields_of(variant, &Value::Null, &mut names);
        let steps = |v: &Value| {
            let v = resolved(v);
            let mut found = v["properties"]["step"]["enum"].clone();
            for part in v["allOf"].as_array().into_iter().flatten() {
                let p = resolved(part);
                if p["properties"]["step"]["enum"].is_array() {
                    found = p["properties"]["step"]["enum"].clone();
                }
            }
            found
        };
        let enumerated = steps(variant);
        let chosen = match (enumerated.as_array(), sent.get("step")) {
            (Some(codes), Some(step)) => codes.contains(step),
            _ => true,
        };
        if chosen {
            out.extend(names);
        }
    }
}

/// A 422 answer to a JSON body names, in `error.fields`, only fields that body may carry
/// (issue #13: a step that sends `text` must not be told about `result`, nor `date` come back
/// as `concluded_on`). A field's name is judged by its root (`findings[0].unit_id` →
/// `findings`).
pub fn misnamed_fields(
    method: &Method,
    path: &str,
    sent: &Value,
    status: StatusCode,
    body: &str,
) -> Option<String> {
    let path = path.split('?').next().unwrap_or(path);
    if status != StatusCode::UNPROCESSABLE_ENTITY || !sent.is_object() {
        return None;
    }
    let t = template(path)?;
    let m = method.as_str().to_ascii_lowercase();
    let schema = DOC["paths"][&t][&m].pointer("/requestBody/content/application~1json/schema")?;
    let mut allowed = Vec::new();
    fields_of(schema, sent, &mut allowed);
    if allowed.is_empty() {
        return None;
    }
    let answer: Value = serde_json::from_str(body).ok()?;
    let wrong: Vec<String> = answer["error"]["fields"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f["field"].as_str())
        .filter(|f| {
            let root = f.split(['[', '.']).next().unwrap_or(f);
            !allowed.iter().any(|a| a == root)
        })
        .map(str::to_string)
        .collect();
    (!wrong.is_empty()).then(|| {
        format!(
            "{method} {path} → 422 names {wrong:?}, which the body {sent} does not carry (it may carry {allowed:?})"
        )
    })
}

/// Fail (or, with `SHUANGDA_CONTRACT=report`, print) when the answer breaks the contract.
pub fn check(
    method: &Method,
    path: &str,
    sent: Option<&Value>,
    status: StatusCode,
    content_type: Option<&str>,
    body: &str,
) {
    let misnamed = sent.and_then(|sent| misnamed_fields(method, path, sent, status, body));
    if let Some(v) = violation(method, path, status, content_type, body).or(misnamed) {
        if std::env::var("SHUANGDA_CONTRACT").as_deref() == Ok("report") {
            eprintln!("CONTRACT {v}");
        } else {
            panic!("API contract broken: {v}");
        }
    }
}
