//! The simulated charger's configuration: a few well-known keys (1.6) and variables
//! (2.0.1), enough for the answers to GetConfiguration, GetVariables and SetVariables
//! to look like a real charger's.

use serde_json::{json, Map, Value};

/// 1.6 configuration keys: (key, read-only, value).
const KEYS_V16: &[(&str, bool, &str)] = &[
    ("AuthorizeRemoteTxRequests", false, "true"),
    ("HeartbeatInterval", false, "300"),
    ("MeterValueSampleInterval", false, "60"),
    ("NumberOfConnectors", true, "1"),
    (
        "SupportedFeatureProfiles",
        true,
        "Core,FirmwareManagement,LocalAuthListManagement,Reservation,SmartCharging,RemoteTrigger",
    ),
];

/// 2.0.1 variables: (component, variable, value).
const VARIABLES_V201: &[(&str, &str, &str)] = &[
    ("AuthCtrlr", "AuthorizeRemoteStart", "true"),
    ("OCPPCommCtrlr", "HeartbeatInterval", "300"),
    ("SampledDataCtrlr", "TxUpdatedInterval", "60"),
    ("SecurityCtrlr", "SecurityProfile", "1"),
];

/// The 1.6 GetConfiguration answer: every known key asked for (all when `key` is
/// absent or empty), the rest as unknown; with `ok` false, every key asked for is unknown.
pub(super) fn get_configuration(request: &Value, ok: bool) -> Value {
    let asked: Vec<&str> = request
        .get("key")
        .and_then(Value::as_array)
        .map(|keys| keys.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if !ok {
        return json!({ "unknownKey": asked });
    }
    let known = |key: &str| KEYS_V16.iter().find(|(k, _, _)| *k == key);
    let entry = |(key, readonly, value): &(&str, bool, &str)| json!({ "key": key, "readonly": readonly, "value": value });
    if asked.is_empty() {
        return json!({ "configurationKey": KEYS_V16.iter().map(entry).collect::<Vec<_>>() });
    }
    let found: Vec<Value> = asked.iter().filter_map(|k| known(k)).map(entry).collect();
    let unknown: Vec<&str> = asked
        .iter()
        .copied()
        .filter(|k| known(k).is_none())
        .collect();
    let mut answer = Map::new();
    if !found.is_empty() {
        answer.insert("configurationKey".into(), Value::from(found));
    }
    if !unknown.is_empty() {
        answer.insert("unknownKey".into(), json!(unknown));
    }
    Value::Object(answer)
}

/// The 2.0.1 GetVariables answer: one result per `getVariableData` entry, echoing its
/// component, variable and attribute type.
pub(super) fn get_variables(request: &Value, ok: bool) -> Value {
    let results: Vec<Value> = entries(request, "getVariableData")
        .map(|data| {
            let mut result = echo(data);
            match known_value(data) {
                _ if !ok => {
                    result.insert("attributeStatus".into(), json!("Rejected"));
                }
                Some(value) => {
                    result.insert("attributeStatus".into(), json!("Accepted"));
                    result.insert("attributeValue".into(), json!(value));
                }
                None => {
                    result.insert("attributeStatus".into(), json!("UnknownVariable"));
                }
            }
            Value::Object(result)
        })
        .collect();
    json!({ "getVariableResult": results })
}

/// The 2.0.1 SetVariables answer: one result per `setVariableData` entry.
pub(super) fn set_variables(request: &Value, ok: bool) -> Value {
    let results: Vec<Value> = entries(request, "setVariableData")
        .map(|data| {
            let mut result = echo(data);
            let status = if ok { "Accepted" } else { "Rejected" };
            result.insert("attributeStatus".into(), json!(status));
            Value::Object(result)
        })
        .collect();
    json!({ "setVariableResult": results })
}

fn entries<'a>(request: &'a Value, field: &str) -> impl Iterator<Item = &'a Value> {
    request
        .get(field)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
}

/// The request entry's component, variable and attribute type, as a result echoes them.
fn echo(data: &Value) -> Map<String, Value> {
    let mut result = Map::new();
    for field in ["attributeType", "component", "variable"] {
        if let Some(value) = data.get(field) {
            result.insert(field.into(), value.clone());
        }
    }
    result
}

fn known_value(data: &Value) -> Option<&'static str> {
    let component = data.pointer("/component/name")?.as_str()?;
    let variable = data.pointer("/variable/name")?.as_str()?;
    VARIABLES_V201
        .iter()
        .find(|(c, v, _)| *c == component && *v == variable)
        .map(|(_, _, value)| *value)
}
