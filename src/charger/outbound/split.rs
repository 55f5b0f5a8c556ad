//! Calls that carry a list (GetVariables, SetVariables, 1.6 GetConfiguration with keys)
//! split to fit the charger's reported limits, and their answers merged into one.
//!
//! OCPP 2.0.1 B06.FR.05 / B05: a CSMS sends no more entries than the station's
//! `DeviceDataCtrlr.ItemsPerMessage` and no larger message than its
//! `DeviceDataCtrlr.BytesPerMessage` (instances `GetVariables`, `SetVariables`); 1.6
//! stations cap GetConfiguration at `GetConfigurationMaxKeys`. A limit the gateway has
//! not learned yet (no snapshot holds it) does not split anything.

use serde_json::Value;

use super::Request;
use crate::domain::action::Action;
use crate::ocpp::OcppVersion;

/// What one message to the charger may carry, as the charger reported it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MessageLimits {
    /// Entries per message.
    pub items: Option<usize>,
    /// Bytes of the whole CALL frame.
    pub bytes: Option<usize>,
}

/// The configuration keys (as the gateway stores them) that hold the limits of the call
/// `action` becomes in `version`: entries, then bytes.
pub fn limit_keys(
    version: OcppVersion,
    action: &Action,
) -> (Option<&'static str>, Option<&'static str>) {
    match (version, action) {
        (OcppVersion::V16, Action::GetConfiguration { keys, .. }) if !keys.is_empty() => {
            (Some("GetConfigurationMaxKeys"), None)
        }
        (OcppVersion::V201, Action::GetConfiguration { keys, .. }) if !keys.is_empty() => (
            Some("DeviceDataCtrlr.ItemsPerMessage.GetVariables"),
            Some("DeviceDataCtrlr.BytesPerMessage.GetVariables"),
        ),
        (OcppVersion::V201, Action::SetConfiguration { .. } | Action::SetConfigurations { .. }) => {
            (
                Some("DeviceDataCtrlr.ItemsPerMessage.SetVariables"),
                Some("DeviceDataCtrlr.BytesPerMessage.SetVariables"),
            )
        }
        _ => (None, None),
    }
}

/// The list field of a call that may be split, and the list field of its answer.
fn list_fields(action: &str) -> Option<(&'static str, &'static [&'static str])> {
    match action {
        "GetVariables" => Some(("getVariableData", &["getVariableResult"])),
        "SetVariables" => Some(("setVariableData", &["setVariableResult"])),
        "GetConfiguration" => Some(("key", &["configurationKey", "unknownKey"])),
        _ => None,
    }
}

/// What a CALL frame adds around its payload: `[2,"<id>","<action>",…]`, with room for
/// the longest message id OCPP allows (36).
fn frame_overhead(action: &str) -> usize {
    12 + 36 + action.len()
}

/// `request` as one or more requests, each within `limits`. An entry that alone exceeds
/// the byte limit goes alone (the charger answers for it as it sees fit).
pub fn split(request: &Request, limits: MessageLimits) -> Vec<Request> {
    let Some((field, _)) = list_fields(&request.action) else {
        return vec![request.clone()];
    };
    let Some(entries) = request.payload.get(field).and_then(Value::as_array) else {
        return vec![request.clone()];
    };
    let max_items = limits.items.filter(|n| *n > 0).unwrap_or(usize::MAX);
    let max_bytes = limits.bytes.filter(|n| *n > 0).unwrap_or(usize::MAX);
    let whole = frame_overhead(&request.action) + request.payload.to_string().len();
    if entries.len() <= max_items && whole <= max_bytes {
        return vec![request.clone()];
    }
    // A part costs the payload without the list, each entry, and a comma between two.
    let mut empty = request.payload.clone();
    empty[field] = Value::Array(Vec::new());
    let base = frame_overhead(&request.action) + empty.to_string().len();
    let mut chunks: Vec<Vec<Value>> = Vec::new();
    let (mut current, mut size) = (Vec::new(), base);
    for entry in entries {
        let length = entry.to_string().len();
        let full = current.len() >= max_items || size + 1 + length > max_bytes;
        if !current.is_empty() && full {
            chunks.push(std::mem::take(&mut current));
            size = base;
        }
        size += length + usize::from(!current.is_empty());
        current.push(entry.clone());
    }
    if !current.is_empty() {
        chunks.push(current);
    }
    chunks
        .into_iter()
        .map(|chunk| {
            let mut r = request.clone();
            r.payload[field] = Value::Array(chunk);
            r
        })
        .collect()
}

/// Adds the answer `next` (to a later part of a split call) to `merged`: the lists
/// concatenated, in the order the parts were sent.
pub fn merge(action: &str, merged: &mut Value, next: Value) {
    let Some((_, answers)) = list_fields(action) else {
        *merged = next;
        return;
    };
    for field in answers {
        let Some(more) = next.get(*field).and_then(Value::as_array) else {
            continue;
        };
        match merged.get_mut(*field).and_then(Value::as_array_mut) {
            Some(list) => list.extend(more.iter().cloned()),
            None => {
                if let Some(map) = merged.as_object_mut() {
                    map.insert((*field).to_owned(), Value::Array(more.clone()));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn get_variables(n: usize) -> Request {
        let data: Vec<Value> = (0..n)
            .map(|i| json!({"component": {"name": "C"}, "variable": {"name": format!("V{i}")}}))
            .collect();
        Request::new("GetVariables", json!({"getVariableData": data}), &[])
    }

    fn sizes(parts: &[Request]) -> Vec<usize> {
        parts
            .iter()
            .map(|r| r.payload["getVariableData"].as_array().map_or(0, Vec::len))
            .collect()
    }

    #[test]
    fn no_limit_no_split() {
        let r = get_variables(5);
        assert_eq!(split(&r, MessageLimits::default()), vec![r]);
    }

    #[test]
    fn items_per_message_caps_every_part() {
        let parts = split(
            &get_variables(5),
            MessageLimits {
                items: Some(2),
                bytes: None,
            },
        );
        assert_eq!(sizes(&parts), vec![2, 2, 1]);
    }

    #[test]
    fn bytes_per_message_caps_every_frame() {
        let r = get_variables(6);
        let entry = r.payload["getVariableData"][0].to_string().len();
        let limit =
            frame_overhead("GetVariables") + r#"{"getVariableData":[]}"#.len() + 3 * entry + 2;
        let parts = split(
            &r,
            MessageLimits {
                items: None,
                bytes: Some(limit),
            },
        );
        assert_eq!(sizes(&parts), vec![3, 3]);
        for p in &parts {
            assert!(frame_overhead("GetVariables") + p.payload.to_string().len() <= limit);
        }
        // An entry larger than the limit still goes, alone.
        let tiny = split(
            &r,
            MessageLimits {
                items: None,
                bytes: Some(10),
            },
        );
        assert_eq!(sizes(&tiny), vec![1; 6]);
    }

    #[test]
    fn answers_merge_in_order() {
        let mut a = json!({"configurationKey": [{"key": "A"}], "unknownKey": []});
        merge(
            "GetConfiguration",
            &mut a,
            json!({"configurationKey": [{"key": "B"}], "unknownKey": ["X"]}),
        );
        assert_eq!(
            a,
            json!({"configurationKey": [{"key": "A"}, {"key": "B"}], "unknownKey": ["X"]})
        );
        let mut g = json!({"getVariableResult": [1]});
        merge("GetVariables", &mut g, json!({"getVariableResult": [2, 3]}));
        assert_eq!(g, json!({"getVariableResult": [1, 2, 3]}));
    }
}
