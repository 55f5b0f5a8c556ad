//! Actions out: a version-neutral [`Action`] becomes the right OCPP call for the
//! charger's version (`v16`, `v201`), is sent through its [`ChargerHandle`], and the
//! charger's answer becomes an [`Outcome`] or an [`ActionError`].

mod custom;
mod report;
pub mod split;
pub mod station;
pub mod v16;
pub mod v201;

use std::time::Instant;

use serde_json::{json, Value};

use super::handle::{CallError, ChargerHandle};
use crate::domain::action::{Action, CertificateKind, ConfigurationEntry, Outcome};
use crate::ocpp::OcppVersion;
pub use split::MessageLimits;

/// One OCPP call an action becomes, with how to read its answer.
#[derive(Clone, Debug, PartialEq)]
pub struct Request {
    /// The OCPP action name.
    pub action: String,
    /// The payload, valid against the official schema of `action`.
    pub payload: Value,
    /// Statuses that mean done (or accepted); an answer without a `status` is accepted.
    pub accepted: &'static [&'static str],
    /// Statuses that mean accepted for later.
    pub scheduled: &'static [&'static str],
}

impl Request {
    pub(crate) fn new(action: &str, payload: Value, accepted: &'static [&'static str]) -> Self {
        Request {
            action: action.to_owned(),
            payload,
            accepted,
            scheduled: &[],
        }
    }
}

/// Why an action produced no outcome.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ActionError {
    /// The charger's version (or the gateway) has no such operation.
    #[error("{0}")]
    Unsupported(String),
    /// The request cannot be expressed for this version; the field is named.
    #[error("{message}")]
    Invalid { field: String, message: String },
    /// The call failed or the charger refused.
    #[error(transparent)]
    Call(#[from] CallError),
}

impl ActionError {
    pub(crate) fn invalid(field: &str, message: impl Into<String>) -> Self {
        ActionError::Invalid {
            field: field.to_owned(),
            message: message.into(),
        }
    }
}

/// Encodes `action` for `version`.
pub fn encode(version: OcppVersion, action: &Action) -> Result<Request, ActionError> {
    if let Action::Custom { action, payload } = action {
        custom::check(version, action, payload)?;
        return Ok(Request::new(action, payload.clone(), &[]));
    }
    match version {
        OcppVersion::V16 => v16::encode(action),
        OcppVersion::V201 => v201::encode(action),
    }
}

/// Reads the answer to `request`: a status outside its accepted and scheduled lists is
/// `Rejected`.
pub fn interpret(request: &Request, answer: Value) -> Result<Outcome, CallError> {
    // SetVariables answers per variable; the action sets one.
    // A Plug & Charge message in a 1.6 DataTransfer carries its own answer in `data`.
    let inner: Option<Value> = (request.action == "DataTransfer"
        && request.payload["vendorId"] == crate::pnc::OCA_VENDOR
        && answer["status"] == "Accepted")
        .then(|| {
            answer["data"]
                .as_str()
                .and_then(|d| serde_json::from_str(d).ok())
        })
        .flatten();
    let status = inner
        .as_ref()
        .and_then(|i| i.get("status"))
        .or_else(|| answer.get("status"))
        .or_else(|| answer.pointer("/setVariableResult/0/attributeStatus"))
        .and_then(Value::as_str);
    match status {
        Some(s) if request.scheduled.contains(&s) => Ok(Outcome::Scheduled(answer)),
        Some(s) if request.accepted.is_empty() || request.accepted.contains(&s) => {
            Ok(Outcome::Accepted(answer))
        }
        Some(s) => Err(CallError::Rejected { status: s.into() }),
        None => Ok(Outcome::Accepted(answer)),
    }
}

/// Sends `action` to the charger behind `handle` and waits for its outcome. Logs the
/// action, the charger's identity, the outcome and the time taken.
pub async fn perform(handle: &ChargerHandle, action: &Action) -> Result<Outcome, ActionError> {
    perform_within(handle, action, MessageLimits::default()).await
}

/// [`perform`], with a call that carries a list split to the charger's `limits`
/// ([`split`]) and the answers merged.
pub async fn perform_within(
    handle: &ChargerHandle,
    action: &Action,
    limits: MessageLimits,
) -> Result<Outcome, ActionError> {
    let started = Instant::now();
    let result = run(handle, action, limits).await;
    let elapsed_ms = started.elapsed().as_millis() as u64;
    let identity = handle.identity();
    match &result {
        Ok(_) => tracing::info!(identity, action = action.name(), elapsed_ms, "action done"),
        Err(e) => tracing::info!(
            identity,
            action = action.name(),
            elapsed_ms,
            outcome = %e,
            "action not done"
        ),
    }
    result
}

async fn run(
    handle: &ChargerHandle,
    action: &Action,
    limits: MessageLimits,
) -> Result<Outcome, ActionError> {
    let version = handle.version();
    match action {
        // The platform names a kind; OCPP deletes by hash: list that kind, then delete
        // each certificate found.
        Action::DeleteCertificate { kind } => {
            let listing = encode(version, &Action::ListCertificates { kinds: vec![*kind] })?;
            let found = send(handle, &listing).await?;
            let hashes = certificate_hashes(found.answer());
            if hashes.is_empty() {
                return Err(CallError::Rejected {
                    status: "NotFound".into(),
                }
                .into());
            }
            let mut last = found;
            for hash in hashes {
                let request = match version {
                    OcppVersion::V16 => v16::delete_certificate(hash),
                    OcppVersion::V201 => v201::delete_certificate(hash),
                };
                last = send(handle, &request).await?;
            }
            Ok(last)
        }
        // 1.6 asks for one type at a time: several are asked in turn and merged.
        Action::ListCertificates { kinds } if version == OcppVersion::V16 && kinds.len() > 1 => {
            let mut found = Vec::new();
            for kind in kinds {
                let one = encode(version, &Action::ListCertificates { kinds: vec![*kind] })?;
                let answer = list(handle, &one).await?;
                if let Some(hashes) = answer.answer()["certificateHashData"].as_array() {
                    found.extend(hashes.iter().cloned());
                }
            }
            let status = if found.is_empty() {
                "NotFound"
            } else {
                "Accepted"
            };
            Ok(Outcome::Accepted(
                json!({"status": status, "certificateHashData": found}),
            ))
        }
        Action::ListCertificates { .. } => list(handle, &encode(version, action)?).await,
        // Each key's status, in order, as `{results: [{key, status}]}`; a refused key is
        // a status, a call that failed ends the action.
        Action::SetConfigurations { changes } => {
            let mut results = Vec::with_capacity(changes.len());
            if version == OcppVersion::V16 {
                for c in changes {
                    let status = match send(handle, &encode(version, &c.action())?).await {
                        Ok(o) => o.answer()["status"]
                            .as_str()
                            .unwrap_or("Accepted")
                            .to_owned(),
                        Err(ActionError::Call(CallError::Rejected { status })) => status,
                        Err(e) => return Err(e),
                    };
                    results.push(json!({"key": c.key, "status": status}));
                }
            } else {
                let answer = send_within(handle, &encode(version, action)?, limits).await?;
                for r in answer.answer()["setVariableResult"]
                    .as_array()
                    .into_iter()
                    .flatten()
                {
                    results.push(json!({
                        "key": v201::variable_key(r),
                        "status": r["attributeStatus"],
                    }));
                }
            }
            Ok(Outcome::Accepted(json!({"results": results})))
        }
        Action::GetLocalListVersion => {
            let request = encode(version, action)?;
            let answer = send(handle, &request).await?;
            let v = answer.answer();
            let list = v.get("listVersion").or_else(|| v.get("versionNumber"));
            Ok(Outcome::Accepted(json!({"listVersion": list})))
        }
        Action::SetVariableMonitoring { .. } | Action::ClearVariableMonitoring { .. } => {
            station::monitoring(handle, action).await
        }
        _ => {
            let request = encode(version, action)?;
            send_within(handle, &request, limits).await
        }
    }
}

/// A GetInstalledCertificateIds: "none installed" is an answer, not a refusal.
async fn list(handle: &ChargerHandle, request: &Request) -> Result<Outcome, ActionError> {
    match send(handle, request).await {
        Err(ActionError::Call(CallError::Rejected { status })) if status == "NotFound" => {
            Ok(Outcome::Accepted(json!({"status": status})))
        }
        other => other,
    }
}

/// Sends `request` in as many parts as `limits` need, one after the other; any part
/// refused or failed is the outcome, otherwise the merged answers are.
async fn send_within(
    handle: &ChargerHandle,
    request: &Request,
    limits: MessageLimits,
) -> Result<Outcome, ActionError> {
    let mut parts = split::split(request, limits).into_iter();
    let Some(first) = parts.next() else {
        return send(handle, request).await;
    };
    let mut outcome = send(handle, &first).await?;
    for part in parts {
        let next = send(handle, &part).await?;
        let scheduled = matches!(next, Outcome::Scheduled(_));
        let (Outcome::Accepted(merged) | Outcome::Scheduled(merged)) = &mut outcome;
        split::merge(&request.action, merged, next.answer().clone());
        if scheduled {
            outcome = Outcome::Scheduled(outcome.answer().clone());
        }
    }
    Ok(outcome)
}

async fn send(handle: &ChargerHandle, request: &Request) -> Result<Outcome, ActionError> {
    let started = Instant::now();
    let (message_id, answer) = handle
        .call_traced(&request.action, request.payload.clone())
        .await;
    let outcome = answer.and_then(|a| interpret(request, a));
    tracing::info!(
        identity = handle.identity(),
        action = %request.action,
        message_id = message_id.as_deref().unwrap_or("-"),
        elapsed_ms = started.elapsed().as_millis() as u64,
        outcome = %match &outcome {
            Ok(Outcome::Accepted(_)) => "accepted".to_owned(),
            Ok(Outcome::Scheduled(_)) => "scheduled".to_owned(),
            Err(e) => e.to_string(),
        },
        "OCPP call of an action"
    );
    Ok(outcome?)
}

fn certificate_hashes(answer: &Value) -> Vec<Value> {
    let list = answer
        .get("certificateHashData")
        .or_else(|| answer.get("certificateHashDataChain"))
        .and_then(Value::as_array);
    list.map(|items| {
        items
            .iter()
            // 2.0.1 wraps each hash in a chain entry.
            .map(|i| i.get("certificateHashData").unwrap_or(i).clone())
            .collect()
    })
    .unwrap_or_default()
}

/// The configuration entries in an answer to `GetConfiguration` (1.6) or
/// `GetVariables` (2.0.1), keyed as the gateway stores them.
pub fn configuration_entries(answer: &Value) -> Vec<ConfigurationEntry> {
    let mut entries = Vec::new();
    if let Some(keys) = answer.get("configurationKey").and_then(Value::as_array) {
        for k in keys {
            if let Some(key) = k.get("key").and_then(Value::as_str) {
                entries.push(ConfigurationEntry {
                    key: key.to_owned(),
                    value: k.get("value").and_then(Value::as_str).map(str::to_owned),
                    readonly: k.get("readonly").and_then(Value::as_bool).unwrap_or(false),
                });
            }
        }
    }
    if let Some(results) = answer.get("getVariableResult").and_then(Value::as_array) {
        for r in results {
            if r.get("attributeStatus").and_then(Value::as_str) != Some("Accepted") {
                continue;
            }
            entries.push(ConfigurationEntry {
                key: v201::variable_key(r),
                value: r
                    .get("attributeValue")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
                readonly: false,
            });
        }
    }
    entries
}

/// The wire name of a certificate kind in `version`, where it has one.
pub(crate) fn certificate_name(
    version: OcppVersion,
    kind: CertificateKind,
) -> Option<&'static str> {
    use CertificateKind as K;
    match (version, kind) {
        (OcppVersion::V16, K::CSMSRootCertificate) => Some("CentralSystemRootCertificate"),
        (OcppVersion::V16, K::ManufacturerRootCertificate) => Some("ManufacturerRootCertificate"),
        (OcppVersion::V16, _) => None,
        (OcppVersion::V201, K::V2GRootCertificate) => Some("V2GRootCertificate"),
        (OcppVersion::V201, K::MORootCertificate) => Some("MORootCertificate"),
        (OcppVersion::V201, K::CSMSRootCertificate) => Some("CSMSRootCertificate"),
        (OcppVersion::V201, K::ManufacturerRootCertificate) => Some("ManufacturerRootCertificate"),
        (OcppVersion::V201, K::V2GCertificateChain) => Some("V2GCertificateChain"),
        (OcppVersion::V201, _) => None,
    }
}

/// A SendLocalList of `list` under the version's name for the list version. An empty
/// list is left out: 2.0.1's schema wants at least one item when the field is present,
/// and an empty Full update clears the list in both versions.
pub(crate) fn send_local_list(
    version_field: &str,
    version: i32,
    full: bool,
    list: Vec<Value>,
) -> Request {
    let mut p = json!({
        version_field: version,
        "updateType": if full { "Full" } else { "Differential" },
    });
    if !list.is_empty() {
        p["localAuthorizationList"] = Value::Array(list);
    }
    Request::new("SendLocalList", p, &["Accepted"])
}

/// A date-time as OCPP wants it: UTC, milliseconds, `Z`.
pub(crate) fn ts(t: &chrono::DateTime<chrono::Utc>) -> String {
    crate::domain::time::text(*t)
}

/// Adds `key: value` to a JSON object when `value` is present.
pub(crate) fn put<T: serde::Serialize>(object: &mut Value, key: &str, value: Option<T>) {
    if let (Some(map), Some(v)) = (object.as_object_mut(), value) {
        map.insert(key.to_owned(), json!(v));
    }
}

#[cfg(test)]
mod tests;
