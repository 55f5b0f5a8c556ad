//! Validates OCPP payloads against the official JSON schemas, as shipped in the Python
//! `ocpp` package (`v16/schemas/{Action}.json`, `{Action}Response.json`;
//! `v201/schemas/{Action}Request.json`, `{Action}Response.json`).
//!
//! Tests call [`available`] first: without the package they print why and return,
//! except under CI (`CI` set), where a missing package fails the run.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use ocpp_gateway::ocpp::OcppVersion;
use serde_json::Value;

/// The folder of the Python `ocpp` package, if python3 and the package are installed.
fn package_dir() -> Option<&'static Path> {
    static DIR: OnceLock<Option<PathBuf>> = OnceLock::new();
    DIR.get_or_init(|| {
        let script = "import ocpp, os; print(os.path.dirname(ocpp.__file__))";
        let output = Command::new("python3").args(["-c", script]).output().ok()?;
        if !output.status.success() {
            return None;
        }
        let dir = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
        let complete = dir.join("v16/schemas").is_dir() && dir.join("v201/schemas").is_dir();
        complete.then_some(dir)
    })
    .as_deref()
}

/// Whether the schemas can be used. Prints a skip notice when they cannot; panics when
/// they cannot and `CI` is set, so that CI never skips silently.
pub fn available() -> bool {
    if package_dir().is_some() {
        return true;
    }
    if std::env::var_os("CI").is_some() {
        panic!(
            "CI is set but the Python `ocpp` package (the official OCPP JSON schemas) is not \
             installed for python3: run `python3 -m pip install 'ocpp==2.1.0'` (.ci/run does)"
        );
    }
    eprintln!("skipped: python ocpp package not installed");
    false
}

/// The schema file of `action`'s request (`response` false) or response.
pub fn schema_path(version: OcppVersion, action: &str, response: bool) -> Option<PathBuf> {
    let name = match (version, response) {
        (OcppVersion::V16, false) => format!("v16/schemas/{action}.json"),
        (OcppVersion::V16, true) => format!("v16/schemas/{action}Response.json"),
        (OcppVersion::V201, false) => format!("v201/schemas/{action}Request.json"),
        (OcppVersion::V201, true) => format!("v201/schemas/{action}Response.json"),
    };
    Some(package_dir()?.join(name))
}

/// Checks `payload` against the schema of `action`'s request or response.
pub fn validate(
    version: OcppVersion,
    action: &str,
    response: bool,
    payload: &Value,
) -> Result<(), String> {
    let kind = if response { "response" } else { "request" };
    let path = schema_path(version, action, response)
        .ok_or_else(|| "the python ocpp package is not installed".to_owned())?;
    let validator = validator(&path).map_err(|e| format!("{action} {kind} ({version}): {e}"))?;
    let errors: Vec<String> = validator
        .iter_errors(payload)
        .map(|e| format!("{e} (at {})", e.instance_path))
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{action} {kind} ({version}) does not match its schema: {}; payload: {payload}",
            errors.join("; ")
        ))
    }
}

/// The compiled validator of one schema file, compiled once per process.
fn validator(path: &Path) -> Result<Arc<jsonschema::Validator>, String> {
    type Cache = Mutex<HashMap<PathBuf, Arc<jsonschema::Validator>>>;
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let cache = CACHE.get_or_init(Cache::default);
    if let Some(found) = cache
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .get(path)
    {
        return Ok(found.clone());
    }
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("no schema at {}: {e}", path.display()))?;
    let mut schema: Value =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    // The `urn:` ids are not resolvable base URIs; every reference is local anyway.
    if let Some(root) = schema.as_object_mut() {
        root.remove("id");
        root.remove("$id");
    }
    let compiled =
        jsonschema::validator_for(&schema).map_err(|e| format!("{}: {e}", path.display()))?;
    let compiled = Arc::new(compiled);
    cache
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(path.to_owned(), compiled.clone());
    Ok(compiled)
}
