//! Test support: validating sample payloads against the official OCPP JSON schemas, read
//! at run time from the Python `ocpp` package when it is installed (never copied here).

use std::path::PathBuf;

use serde_json::Value;

/// Where the `ocpp` package keeps its schemas; `OCPP_SCHEMAS` overrides it.
fn schema_root() -> PathBuf {
    std::env::var_os("OCPP_SCHEMAS").map_or_else(
        || PathBuf::from("/root/.pyenv/versions/3.11.7/lib/python3.11/site-packages/ocpp"),
        PathBuf::from,
    )
}

/// The official schema of a message: `version` is `v16` or `v201`, `name` the file stem
/// (`BootNotification`, `BootNotificationRequest`). `None`, with a note printed, when the
/// schemas are not installed.
pub(crate) fn load(version: &str, name: &str) -> Option<Value> {
    let file = schema_root()
        .join(version)
        .join("schemas")
        .join(format!("{name}.json"));
    let Ok(text) = std::fs::read_to_string(&file) else {
        println!("skipped: no official schema at {}", file.display());
        return None;
    };
    let mut schema: Value = serde_json::from_str(&text).ok()?;
    // The `urn:` ids of 2.0.1 and the draft-04 `id` of 1.6 are not needed to resolve the
    // schemas' local references, and some validators choke on them.
    if let Some(object) = schema.as_object_mut() {
        object.remove("$id");
        object.remove("id");
    }
    Some(schema)
}

/// The schema's complaints about `sample`, empty when it is valid or the schema absent.
pub(crate) fn errors(version: &str, name: &str, sample: &Value) -> Vec<String> {
    let Some(schema) = load(version, name) else {
        return Vec::new();
    };
    match jsonschema::validator_for(&schema) {
        Ok(validator) => validator
            .iter_errors(sample)
            .map(|e| format!("{}: {e}", e.instance_path))
            .collect(),
        Err(e) => vec![format!("schema {name} does not compile: {e}")],
    }
}

/// Panics unless `sample` is valid against the official schema (when installed).
pub(crate) fn assert_valid(version: &str, name: &str, sample: &Value) {
    let errors = errors(version, name, sample);
    assert!(
        errors.is_empty(),
        "{version} {name} sample invalid: {errors:?}\n{sample}"
    );
}

/// Panics unless `sample` is invalid against the official schema (when installed).
pub(crate) fn assert_invalid(version: &str, name: &str, sample: &Value) {
    if load(version, name).is_some() {
        assert!(
            !errors(version, name, sample).is_empty(),
            "{name} accepts {sample}"
        );
    }
}
