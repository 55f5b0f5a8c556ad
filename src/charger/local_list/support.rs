//! Whether a charger keeps a local authorization list, and its limits, asked of the
//! charger itself: 1.6 `GetConfiguration` of `LocalAuthListEnabled`,
//! `LocalAuthListMaxLength` and `SendLocalListMaxLength` (§9.4); 2.0.1 `GetVariables` of
//! `LocalAuthListCtrlr` `Enabled`, `Available`, `ItemsPerMessage` and `BytesPerMessage`.
//! A key the charger does not report means no list: nothing is sent to it.

use serde_json::{json, Value};

use crate::charger::{CallError, ChargerHandle};
use crate::ocpp::OcppVersion;
use crate::store::local_list::{ListLimits, ListSupport};

/// What the charger said.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    pub support: ListSupport,
    pub limits: ListLimits,
    /// Why it is unsupported, for the record.
    pub reason: Option<String>,
}

const CTRLR: &str = "LocalAuthListCtrlr";
const V201_VARIABLES: &[&str] = &["Enabled", "Available", "ItemsPerMessage", "BytesPerMessage"];

/// Asks the charger. `Err` when it could not be asked (offline, no answer in time): the
/// question is asked again at its next connection.
pub async fn discover(handle: &ChargerHandle) -> Result<Found, CallError> {
    let (action, payload) = request(handle.version());
    match handle.call(action, payload).await {
        Ok(answer) => Ok(read(handle.version(), &answer)),
        // A charger without the message (NotImplemented, NotSupported) keeps no list.
        Err(CallError::CallError { code, .. }) => Ok(unsupported(format!(
            "{action} answered with CALLERROR {code}"
        ))),
        Err(e) => Err(e),
    }
}

/// The question for `version`.
pub fn request(version: OcppVersion) -> (&'static str, Value) {
    match version {
        OcppVersion::V16 => (
            "GetConfiguration",
            json!({"key": ["LocalAuthListEnabled", "LocalAuthListMaxLength", "SendLocalListMaxLength"]}),
        ),
        OcppVersion::V201 => {
            let data: Vec<Value> = V201_VARIABLES
                .iter()
                .map(|v| json!({"component": {"name": CTRLR}, "variable": {"name": v}}))
                .collect();
            ("GetVariables", json!({ "getVariableData": data }))
        }
    }
}

fn unsupported(reason: String) -> Found {
    Found {
        support: ListSupport::Unsupported,
        limits: ListLimits::default(),
        reason: Some(reason),
    }
}

fn truthy(v: Option<&str>) -> Option<bool> {
    v.map(|v| v.trim().eq_ignore_ascii_case("true"))
}

fn number(v: Option<&str>) -> Option<u32> {
    v.and_then(|v| v.trim().parse::<u32>().ok())
        .filter(|n| *n > 0)
}

/// Reads the answer to [`request`].
pub fn read(version: OcppVersion, answer: &Value) -> Found {
    let value = |name: &str| -> Option<String> {
        match version {
            OcppVersion::V16 => answer
                .get("configurationKey")?
                .as_array()?
                .iter()
                .find(|k| k.get("key").and_then(Value::as_str) == Some(name))?
                .get("value")?
                .as_str()
                .map(str::to_owned),
            OcppVersion::V201 => answer
                .get("getVariableResult")?
                .as_array()?
                .iter()
                .find(|r| {
                    r.pointer("/component/name").and_then(Value::as_str) == Some(CTRLR)
                        && r.pointer("/variable/name").and_then(Value::as_str) == Some(name)
                        && r.get("attributeStatus").and_then(Value::as_str) == Some("Accepted")
                })?
                .get("attributeValue")?
                .as_str()
                .map(str::to_owned),
        }
    };
    let (enabled_key, enabled, available) = match version {
        OcppVersion::V16 => (
            "LocalAuthListEnabled",
            truthy(value("LocalAuthListEnabled").as_deref()),
            None,
        ),
        OcppVersion::V201 => (
            "LocalAuthListCtrlr.Enabled",
            truthy(value("Enabled").as_deref()),
            truthy(value("Available").as_deref()),
        ),
    };
    match enabled {
        None => return unsupported(format!("{enabled_key} not reported")),
        Some(false) => return unsupported(format!("{enabled_key} is false")),
        Some(true) => {}
    }
    if available == Some(false) {
        return unsupported("LocalAuthListCtrlr.Available is false".into());
    }
    let limits = match version {
        OcppVersion::V16 => ListLimits {
            items_per_message: number(value("SendLocalListMaxLength").as_deref()),
            bytes_per_message: None,
            max_entries: number(value("LocalAuthListMaxLength").as_deref()),
        },
        OcppVersion::V201 => ListLimits {
            items_per_message: number(value("ItemsPerMessage").as_deref()),
            bytes_per_message: number(value("BytesPerMessage").as_deref()),
            max_entries: None,
        },
    };
    Found {
        support: ListSupport::Supported,
        limits,
        reason: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v16_answers() {
        let answer = json!({"configurationKey": [
            {"key": "LocalAuthListEnabled", "readonly": false, "value": "True"},
            {"key": "LocalAuthListMaxLength", "readonly": true, "value": "50"},
            {"key": "SendLocalListMaxLength", "readonly": true, "value": "3"},
        ]});
        let found = read(OcppVersion::V16, &answer);
        assert_eq!(found.support, ListSupport::Supported);
        assert_eq!(found.limits.items_per_message, Some(3));
        assert_eq!(found.limits.max_entries, Some(50));
        let off = json!({"configurationKey": [{"key": "LocalAuthListEnabled", "readonly": false, "value": "false"}]});
        assert_eq!(
            read(OcppVersion::V16, &off).support,
            ListSupport::Unsupported
        );
        let unknown = json!({"unknownKey": ["LocalAuthListEnabled"]});
        assert_eq!(
            read(OcppVersion::V16, &unknown).support,
            ListSupport::Unsupported
        );
    }

    #[test]
    fn v201_answers() {
        let r = |v: &str, value: &str| {
            json!({"attributeStatus": "Accepted", "component": {"name": CTRLR},
                "variable": {"name": v}, "attributeValue": value})
        };
        let answer = json!({"getVariableResult": [
            r("Enabled", "true"), r("Available", "true"), r("ItemsPerMessage", "2"), r("BytesPerMessage", "4000"),
        ]});
        let found = read(OcppVersion::V201, &answer);
        assert_eq!(found.support, ListSupport::Supported);
        assert_eq!(found.limits.items_per_message, Some(2));
        assert_eq!(found.limits.bytes_per_message, Some(4000));
        let absent = json!({"getVariableResult": [
            {"attributeStatus": "UnknownComponent", "component": {"name": CTRLR}, "variable": {"name": "Enabled"}}
        ]});
        assert_eq!(
            read(OcppVersion::V201, &absent).support,
            ListSupport::Unsupported
        );
    }
}
