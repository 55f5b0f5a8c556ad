//! Checks API responses against the AMPECO public API reference (the OpenAPI subset in
//! `../shared/reference/`), and an HTTP client that checks every response it gets.
//!
//! OpenAPI 3.0's `nullable: true` is not JSON Schema: it is rewritten to a `null` type
//! (and a `null` enum member) before compiling. Without the reference file the checks
//! print why and pass, except under CI (`CI` set), where a missing file fails the run.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use serde_json::{json, Value};

use super::WAIT;

/// Where the reference lives, relative to the repository.
pub fn reference_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/reference/ampeco-public-api-subset.json")
}

fn reference() -> Option<&'static Value> {
    static DOC: OnceLock<Option<Value>> = OnceLock::new();
    DOC.get_or_init(|| {
        let path = reference_path();
        match std::fs::read_to_string(&path) {
            Ok(text) => Some(serde_json::from_str(&text).expect("the reference is JSON")),
            Err(e) => {
                if std::env::var_os("CI").is_some() {
                    panic!(
                        "CI is set but the API reference is missing at {}: {e}",
                        path.display()
                    );
                }
                eprintln!(
                    "skipped: no API reference at {} ({e}); responses are not schema-checked",
                    path.display()
                );
                None
            }
        }
    })
    .as_ref()
}

/// The reference's path template that `path` (no query) matches, e.g.
/// `/public-api/resources/evses/v2.1/{evse}` for `/public-api/resources/evses/v2.1/3`.
pub fn template_of(doc: &Value, method: &str, path: &str) -> Option<String> {
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    let paths = doc["paths"].as_object()?;
    paths
        .iter()
        .filter(|(_, ops)| ops.get(method).is_some())
        .filter_map(|(template, _)| {
            let t: Vec<&str> = template.split('/').collect();
            if t.len() != segments.len() {
                return None;
            }
            let mut literal = 0;
            for (a, b) in t.iter().zip(&segments) {
                if a.starts_with('{') && a.ends_with('}') {
                    continue;
                }
                if a != b {
                    return None;
                }
                literal += 1;
            }
            Some((literal, template.clone()))
        })
        .max_by_key(|(literal, _)| *literal)
        .map(|(_, t)| t)
}

/// OpenAPI 3.0 → JSON Schema: `nullable: true` becomes a `null` type and enum member.
pub fn rewrite_nullable(schema: &mut Value) {
    match schema {
        Value::Object(obj) => {
            for v in obj.values_mut() {
                rewrite_nullable(v);
            }
            if obj.remove("nullable") != Some(Value::Bool(true)) {
                return;
            }
            if let Some(Value::Array(options)) = obj.get_mut("enum") {
                if !options.contains(&Value::Null) {
                    options.push(Value::Null);
                }
            }
            match obj.get("type").cloned() {
                Some(Value::String(t)) => {
                    obj.insert("type".into(), json!([t, "null"]));
                }
                Some(_) => {}
                None => {
                    let inner = Value::Object(std::mem::take(obj));
                    obj.insert("anyOf".into(), json!([inner, {"type": "null"}]));
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(rewrite_nullable),
        _ => {}
    }
}

/// What the reference says a response of `status` to `method path` looks like: a
/// schema, `Some(None)` for "no body", or `None` when it says nothing.
fn response_schema(
    doc: &Value,
    template: &str,
    method: &str,
    status: u16,
) -> Option<Option<Value>> {
    let response = doc["paths"][template][method]["responses"].get(status.to_string())?;
    Some(
        response["content"]["application/json"]
            .get("schema")
            .cloned(),
    )
}

type Cache = Mutex<HashMap<(String, String, u16), Arc<jsonschema::Validator>>>;

fn validator(
    template: &str,
    method: &str,
    status: u16,
    schema: &Value,
) -> Arc<jsonschema::Validator> {
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let key = (template.to_owned(), method.to_owned(), status);
    let cache = CACHE.get_or_init(Cache::default);
    if let Some(v) = cache
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .get(&key)
    {
        return v.clone();
    }
    let mut schema = schema.clone();
    rewrite_nullable(&mut schema);
    let compiled = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft4)
        .should_validate_formats(true)
        .build(&schema)
        .unwrap_or_else(|e| panic!("the reference schema of {method} {template} {status}: {e}"));
    let compiled = Arc::new(compiled);
    cache
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(key, compiled.clone());
    compiled
}

/// Actions the contract (API.md) and the gateway's extensions (README, "Actions") add to
/// the reference subset, with their own bodies.
const CONTRACT_ONLY: &[&str] = &[
    "/clear-cache",
    "/get-composite-schedule",
    "/get-local-list-version",
    "/send-custom-ocpp",
    "/send-local-list",
    "/clear-local-list",
    "/cancel-reservation",
    "/set-configurations",
    // Reports in parts (README, "Reports, device model and read-backs").
    "/get-report",
    "/get-base-report",
    "/get-monitoring-report",
    "/customer-information",
    "/get-charging-profiles",
    "/get-display-messages",
    // Station settings (README, "Display messages, monitoring, network profiles, cost
    // and firmware"); `clear-display-message` takes the message id after it.
    "/set-display-message",
    "/clear-display-message",
    "/set-variable-monitoring",
    "/clear-variable-monitoring",
    "/set-monitoring-base",
    "/set-monitoring-level",
    "/set-network-profile",
    "/get-transaction-status",
    "/cost-updated",
    "/publish-firmware",
    "/unpublish-firmware",
    // What each EVSE under a circuit is allowed and draws (API.md, "North, in: load
    // management"): `circuits/v2.0/{circuit}/allocations`.
    "/allocations",
];

/// Checks a response against the reference. Statuses the reference does not list for
/// the operation must be errors with a `{"message"}` body (the API's error shape).
pub fn check(method: &str, path: &str, status: u16, body: &Value) -> Result<(), String> {
    let Some(doc) = reference() else {
        return Ok(());
    };
    let method = method.to_ascii_lowercase();
    // The raw frame log and the records of what the gateway sent are its own resources
    // (README, "Frame log", "Actions").
    // And the display messages it set (README, "Display messages, ...").
    let frame_log = path.starts_with("/public-api/resources/charge-points/v2.0/")
        && ["/frames", "/display-messages", "/charging-profiles"]
            .iter()
            .any(|tail| path.ends_with(tail));
    let contract_only = frame_log
        || (path.starts_with("/public-api/actions/charge-point/v1.0/")
            || path.starts_with("/public-api/actions/charge-point/v2.0/")
            || path.starts_with("/public-api/resources/circuits/v2.0/"))
            && CONTRACT_ONLY
                .iter()
                .any(|tail| path.ends_with(tail) || path.contains(&format!("{tail}/")));
    if contract_only {
        return match status < 300 || body["message"].is_string() {
            true => Ok(()),
            false => Err(format!(
                "{method} {path} {status}: an error without a message"
            )),
        };
    }
    let Some(template) = template_of(doc, &method, path) else {
        // Paths the reference does not have can only be errors in the API's shape.
        return match body["message"].is_string() && (400..500).contains(&status) {
            true => Ok(()),
            false => Err(format!(
                "{method} {path} is not in the reference ({status}: {body})"
            )),
        };
    };
    let schema = match response_schema(doc, &template, &method, status) {
        Some(Some(schema)) => schema,
        Some(None) if *body == Value::Null => return Ok(()),
        // The reference lists some refusals (406, 501) without a body; the gateway's
        // contract gives them its `{"message"}` error shape.
        Some(None) if status >= 400 && body["message"].is_string() => return Ok(()),
        Some(None) => {
            return Err(format!(
                "{method} {template} {status} has no body, got {body}"
            ))
        }
        // Where the reference is silent on what the charger did (not connected, no
        // such operation, CALLERROR, timeout), the contract's `{"message"}` errors.
        None if (400..600).contains(&status) => json!({
            "type": "object", "required": ["message"],
            "properties": {"message": {"type": "string"}}
        }),
        None => return Err(format!("{method} {template} does not list status {status}")),
    };
    let errors: Vec<String> = validator(&template, &method, status, &schema)
        .iter_errors(body)
        .map(|e| format!("{e} (at {})", e.instance_path))
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{method} {template} {status} does not match the reference: {}\nbody: {body}",
            errors.join("; ")
        ))
    }
}

/// One HTTP answer.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    /// The JSON body, or `Null` when empty.
    pub body: Value,
    pub text: String,
}

/// An HTTP client for the API that checks every response against the reference and
/// keeps every response text (to assert what must never appear in any).
#[derive(Clone)]
pub struct Api {
    pub base: String,
    pub token: Option<String>,
    client: reqwest::Client,
    pub seen: Arc<Mutex<Vec<String>>>,
}

impl Api {
    pub fn new(addr: std::net::SocketAddr, token: Option<&str>) -> Api {
        Api {
            base: format!("http://{addr}"),
            token: token.map(str::to_owned),
            client: reqwest::Client::new(),
            seen: Arc::default(),
        }
    }

    /// The same client with another token (or none).
    pub fn with_token(&self, token: Option<&str>) -> Api {
        Api {
            token: token.map(str::to_owned),
            ..self.clone()
        }
    }

    /// Sends a request to `path_or_url` (a path under the base, or a whole URL from a
    /// `links` field), with `body` as JSON text when given.
    pub async fn send(&self, method: &str, path_or_url: &str, body: Option<String>) -> Reply {
        let url = if path_or_url.starts_with("http") {
            path_or_url.to_owned()
        } else {
            format!("{}{path_or_url}", self.base)
        };
        let m = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut req = self.client.request(m, &url);
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.header("content-type", "application/json").body(b);
        }
        let resp = tokio::time::timeout(WAIT, req.send())
            .await
            .expect("an answer in time")
            .expect("HTTP request");
        let status = resp.status().as_u16();
        let text = tokio::time::timeout(WAIT, resp.text())
            .await
            .expect("a body in time")
            .expect("body");
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("{method} {url} {status}: not JSON ({e}): {text}"))
        };
        let path = url
            .strip_prefix(&self.base)
            .unwrap_or(&url)
            .split('?')
            .next()
            .unwrap_or_default()
            .to_owned();
        if let Err(e) = check(method, &path, status, &body) {
            panic!("{e}");
        }
        self.seen
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(text.clone());
        Reply { status, body, text }
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.send("GET", path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Reply {
        self.send("POST", path, Some(body.to_string())).await
    }

    pub async fn patch(&self, path: &str, body: Value) -> Reply {
        self.send("PATCH", path, Some(body.to_string())).await
    }

    pub async fn delete(&self, path: &str) -> Reply {
        self.send("DELETE", path, None).await
    }

    /// Every response text so far.
    pub fn seen(&self) -> Vec<String> {
        self.seen
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// The API prefix of the resources.
pub const R: &str = "/public-api/resources";
