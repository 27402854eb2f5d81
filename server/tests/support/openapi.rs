//! Checks answers against the API's own OpenAPI document: every JSON answer
//! the router gives in these tests must be one the document describes (its
//! path, method and status, and a body that validates against the schema).
//!
//! The validator knows the part of JSON Schema the document uses: `$ref`,
//! `type` (one or several, `null` among them), `properties` with `required`,
//! `additionalProperties`, `items`, `prefixItems`, `enum`, `oneOf`, `anyOf`,
//! `allOf`, `minimum` and `maximum`.

use std::sync::OnceLock;

use serde_json::Value;

/// The document, as the server serves it.
pub fn document() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(server::api::openapi::document)
}

/// Checks one answer of the router: an answer to a path the document
/// describes must be described there (method and status) and, when it is
/// JSON, fit its schema. The page, the server functions and static files
/// are not the JSON API's; an unknown API path must be answered 404.
pub fn check_answer(
    method: &axum::http::Method,
    uri: &str,
    status: axum::http::StatusCode,
    headers: &axum::http::HeaderMap,
    body: &[u8],
) {
    let path = uri.split('?').next().unwrap_or(uri);
    let described = document()["paths"]
        .as_object()
        .expect("paths")
        .keys()
        .any(|t| matches_template(t, path));
    if !described {
        if path.starts_with("/api/") && !path.starts_with("/api/fn/") {
            assert_eq!(
                status, 404,
                "{method} {uri}: not in the document, yet answered"
            );
        }
        return;
    }
    let json = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/json"));
    let value: Option<Value> = json.then(|| {
        serde_json::from_slice(body)
            .unwrap_or_else(|e| panic!("{method} {uri}: JSON that does not parse: {e}"))
    });
    check(method.as_str(), path, status.as_u16(), value.as_ref());
}

/// Panics unless the document describes `status` for `method path` and
/// `body` validates against its schema. Answers that are not JSON (raw
/// logs, event streams, metrics) are checked for a described status only.
fn check(method: &str, path: &str, status: u16, body: Option<&Value>) {
    let doc = document();
    let path = path.split('?').next().unwrap_or(path);
    let Some((template, item)) = doc["paths"]
        .as_object()
        .expect("paths")
        .iter()
        .find(|(t, _)| matches_template(t, path))
    else {
        panic!("{method} {path}: no path of the OpenAPI document matches");
    };
    let op = &item[method.to_ascii_lowercase()];
    assert!(op.is_object(), "{method} {template}: not in the document");
    let responses = &op["responses"];
    let described = [status.to_string(), format!("{}XX", status / 100)]
        .into_iter()
        .find_map(|k| responses.get(k))
        .or_else(|| (status >= 400).then(|| responses.get("default")).flatten());
    let Some(response) = described else {
        panic!("{method} {template}: status {status} is not described");
    };
    let response = resolve(doc, response);
    let Some(body) = body else { return };
    let Some(schema) = response
        .pointer("/content/application~1json/schema")
        .map(|s| resolve(doc, s))
    else {
        panic!("{method} {template} {status}: a JSON answer, but no JSON schema is described");
    };
    let mut errors = Vec::new();
    validate(doc, schema, body, "$", &mut errors);
    assert!(
        errors.is_empty(),
        "{method} {path} {status}: the answer does not fit the document:\n  {}\nbody: {}",
        errors.join("\n  "),
        cut(&body.to_string())
    );
}

fn cut(s: &str) -> String {
    s.chars().take(600).collect()
}

/// Whether `path` is an instance of the template `t` (`/api/runs/{id}`).
fn matches_template(t: &str, path: &str) -> bool {
    let (a, b): (Vec<&str>, Vec<&str>) = (t.split('/').collect(), path.split('/').collect());
    a.len() == b.len()
        && a.iter()
            .zip(&b)
            .all(|(t, p)| (t.starts_with('{') && t.ends_with('}') && !p.is_empty()) || t == p)
}

/// Follows `$ref`s within the document.
fn resolve<'a>(doc: &'a Value, v: &'a Value) -> &'a Value {
    let mut v = v;
    for _ in 0..16 {
        match v.get("$ref").and_then(Value::as_str) {
            Some(r) => {
                let pointer = r.strip_prefix('#').expect("local references only");
                v = doc
                    .pointer(pointer)
                    .unwrap_or_else(|| panic!("unresolved reference {r}"));
            }
            None => return v,
        }
    }
    panic!("reference cycle");
}

fn type_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn type_fits(expected: &str, v: &Value) -> bool {
    let actual = type_of(v);
    actual == expected || (expected == "number" && actual == "integer")
}

fn validate(doc: &Value, schema: &Value, v: &Value, at: &str, errors: &mut Vec<String>) {
    let schema = resolve(doc, schema);
    if let Some(t) = schema.get("type") {
        let ok = match t {
            Value::String(t) => type_fits(t, v),
            Value::Array(ts) => ts.iter().filter_map(Value::as_str).any(|t| type_fits(t, v)),
            _ => true,
        };
        if !ok {
            errors.push(format!("{at}: {} is not of type {t}", type_of(v)));
            return;
        }
    }
    if let Some(options) = schema.get("enum").and_then(Value::as_array)
        && !options.contains(v)
    {
        errors.push(format!(
            "{at}: {v} is not one of {}",
            Value::Array(options.clone())
        ));
    }
    if let Some(n) = v.as_f64() {
        if let Some(min) = schema.get("minimum").and_then(Value::as_f64)
            && n < min
        {
            errors.push(format!("{at}: {n} is below the minimum {min}"));
        }
        if let Some(max) = schema.get("maximum").and_then(Value::as_f64)
            && n > max
        {
            errors.push(format!("{at}: {n} is above the maximum {max}"));
        }
    }
    for all in schema
        .get("allOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        validate(doc, all, v, at, errors);
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(options) = schema.get(key).and_then(Value::as_array) {
            let fitting = options
                .iter()
                .filter(|o| {
                    let mut e = Vec::new();
                    validate(doc, o, v, at, &mut e);
                    e.is_empty()
                })
                .count();
            let ok = if key == "oneOf" {
                fitting == 1
            } else {
                fitting >= 1
            };
            if !ok {
                errors.push(format!("{at}: fits {fitting} of the {key} schemas"));
            }
        }
    }
    if let Value::Object(map) = v {
        let props = schema.get("properties").and_then(Value::as_object);
        for r in schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let r = r.as_str().unwrap_or_default();
            if !map.contains_key(r) {
                errors.push(format!("{at}: required property {r:?} is missing"));
            }
        }
        for (k, field) in map {
            match props.and_then(|p| p.get(k)) {
                Some(s) => validate(doc, s, field, &format!("{at}.{k}"), errors),
                None => match schema.get("additionalProperties") {
                    Some(Value::Bool(false)) => {
                        errors.push(format!("{at}: property {k:?} is not described"));
                    }
                    Some(s @ Value::Object(_)) => {
                        validate(doc, s, field, &format!("{at}.{k}"), errors);
                    }
                    _ if props.is_some() => {
                        errors.push(format!("{at}: property {k:?} is not described"));
                    }
                    _ => {}
                },
            }
        }
    }
    if let Value::Array(items) = v {
        let prefix = schema.get("prefixItems").and_then(Value::as_array);
        for (i, item) in items.iter().enumerate() {
            let s = prefix
                .and_then(|p| p.get(i))
                .or_else(|| schema.get("items"));
            if let Some(s) = s.filter(|s| !s.is_boolean()) {
                validate(doc, s, item, &format!("{at}[{i}]"), errors);
            }
        }
    }
}
