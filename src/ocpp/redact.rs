//! Secrets in OCPP payloads, replaced before a frame is logged: the 1.6
//! AuthorizationKey set through ChangeConfiguration, 2.0.1 basic-auth passwords set
//! through SetVariables or SetNetworkProfile, reported back by GetConfiguration,
//! GetVariables or NotifyReport, and any private key.

use serde_json::Value;

/// What secrets are shown as.
pub const REDACTED: &str = "<redacted>";

/// Whether a frame of `action` can carry a secret (only those are parsed to redact).
pub fn may_carry_secret(action: &str) -> bool {
    matches!(
        action,
        "ChangeConfiguration"
            | "SetVariables"
            | "SetNetworkProfile"
            | "GetConfiguration"
            | "GetVariables"
            | "NotifyReport"
    )
}

fn is_secret_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n == "authorizationkey" || n.contains("password") || n.contains("privatekey") || n == "simpin"
}

/// A frame's text with its secrets replaced (unparseable text is returned as it is).
pub fn redacted_text(text: &str) -> String {
    match serde_json::from_str::<Value>(text) {
        Ok(mut v) => {
            redact(&mut v);
            v.to_string()
        }
        Err(_) => text.to_owned(),
    }
}

/// A copy of `payload` with its secrets replaced.
pub fn redacted(payload: &Value) -> Value {
    let mut copy = payload.clone();
    redact(&mut copy);
    copy
}

/// Replaces secrets in `payload` in place.
pub fn redact(payload: &mut Value) {
    match payload {
        Value::Object(map) => {
            // {"key": "AuthorizationKey", "value": "..."} (ChangeConfiguration, GetConfiguration)
            let keyed_secret = map
                .get("key")
                .and_then(Value::as_str)
                .is_some_and(is_secret_name);
            // {"variable": {"name": "BasicAuthPassword"}, "attributeValue": "..."}
            let variable_secret = map
                .get("variable")
                .and_then(|v| v.get("name"))
                .and_then(Value::as_str)
                .is_some_and(is_secret_name);
            // SetNetworkProfile's VPNType: {"server", "user", "password", "key", "type"}
            let vpn = map.contains_key("server") && map.contains_key("type");
            for (k, v) in map.iter_mut() {
                if is_secret_name(k)
                    || (vpn && k == "key")
                    || (keyed_secret && k == "value")
                    || (variable_secret && (k == "attributeValue" || k == "value"))
                {
                    *v = Value::String(REDACTED.into());
                } else if variable_secret && k == "variableAttribute" {
                    // NotifyReport: {"variable": {...}, "variableAttribute": [{"value": ..}]}
                    redact_values(v);
                } else {
                    redact(v);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact),
        _ => {}
    }
}

/// Replaces every `value` inside `v` (the attributes of a secret variable).
fn redact_values(v: &mut Value) {
    match v {
        Value::Object(map) => {
            for (k, x) in map.iter_mut() {
                if k == "value" {
                    *x = Value::String(REDACTED.into());
                } else {
                    redact_values(x);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact_values),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn secrets_are_replaced_and_nothing_else() {
        let mut p = json!({"key": "AuthorizationKey", "value": "0011223344"});
        redact(&mut p);
        assert_eq!(p, json!({"key": "AuthorizationKey", "value": REDACTED}));
        let mut p = json!({"key": "HeartbeatInterval", "value": "60"});
        redact(&mut p);
        assert_eq!(p["value"], "60");
        let mut p = json!({"setVariableData": [{"attributeValue": "s3cret", "component": {"name": "SecurityCtrlr"}, "variable": {"name": "BasicAuthPassword"}}]});
        redact(&mut p);
        assert_eq!(p["setVariableData"][0]["attributeValue"], REDACTED);
        let mut p = json!({"configurationSlot": 1, "connectionData": {"ocppCsmsUrl": "wss://x", "basicAuthPassword": "pw"}});
        redact(&mut p);
        assert_eq!(p["connectionData"]["basicAuthPassword"], REDACTED);
        assert_eq!(p["connectionData"]["ocppCsmsUrl"], "wss://x");
        let mut p = json!({"configurationSlot": 1, "connectionData": {
            "vpn": {"server": "v", "user": "u", "password": "p", "key": "k", "type": "IPSec"},
            "apn": {"apn": "a", "apnPassword": "p", "simPin": 1234, "apnAuthentication": "PAP"}}});
        redact(&mut p);
        assert_eq!(p["connectionData"]["vpn"]["key"], REDACTED);
        assert_eq!(p["connectionData"]["vpn"]["password"], REDACTED);
        assert_eq!(p["connectionData"]["vpn"]["server"], "v");
        assert_eq!(p["connectionData"]["apn"]["apnPassword"], REDACTED);
        assert_eq!(p["connectionData"]["apn"]["simPin"], REDACTED);
        let mut p = json!({"configurationKey": [{"key": "AuthorizationKey", "readonly": false, "value": "k"}]});
        redact(&mut p);
        assert_eq!(p["configurationKey"][0]["value"], REDACTED);
        let mut p = json!({"requestId": 1, "reportData": [
            {"component": {"name": "SecurityCtrlr"}, "variable": {"name": "BasicAuthPassword"},
             "variableAttribute": [{"type": "Actual", "value": "pw", "mutability": "WriteOnly"}]},
            {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"},
             "variableAttribute": [{"type": "Actual", "value": "60"}]}]});
        assert!(may_carry_secret("NotifyReport"));
        redact(&mut p);
        assert_eq!(
            p["reportData"][0]["variableAttribute"][0]["value"],
            REDACTED
        );
        assert_eq!(
            p["reportData"][0]["variableAttribute"][0]["mutability"],
            "WriteOnly"
        );
        assert_eq!(p["reportData"][1]["variableAttribute"][0]["value"], "60");
    }
}
