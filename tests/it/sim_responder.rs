//! The simulator's automatic answers to CSMS calls are valid against the official
//! schemas, for every action it answers, in both versions, both outcomes.

use crate::common::schema;

use ocpp_gateway::ocpp::OcppVersion;
use ocpp_gateway::sim::{answered_actions, Answer, Outcome, Responder};
use serde_json::{json, Value};

/// A schema-valid request for the actions whose answer depends on it; `{}` otherwise
/// (only the answer is checked for those).
fn request(version: OcppVersion, action: &str) -> Value {
    let component =
        |c: &str, v: &str| json!({ "component": { "name": c }, "variable": { "name": v } });
    match (version, action) {
        (OcppVersion::V16, "GetConfiguration") => json!({ "key": ["HeartbeatInterval", "Nope"] }),
        (OcppVersion::V201, "GetVariables") => json!({ "getVariableData": [
            component("OCPPCommCtrlr", "HeartbeatInterval"),
            component("Nowhere", "Nothing"),
        ]}),
        (OcppVersion::V201, "SetVariableMonitoring") => json!({ "setMonitoringData": [{
            "value": 10, "type": "Delta", "severity": 5,
            "component": { "name": "EVSE", "evse": { "id": 1 } }, "variable": { "name": "Power" },
        }]}),
        (OcppVersion::V201, "ClearVariableMonitoring") => json!({ "id": [1, 2] }),
        (OcppVersion::V201, "SetVariables") => {
            let mut data = component("OCPPCommCtrlr", "HeartbeatInterval");
            data["attributeValue"] = json!("60");
            json!({ "setVariableData": [data] })
        }
        _ => json!({}),
    }
}

#[test]
fn every_default_answer_matches_its_schema() {
    if !schema::available() {
        return;
    }
    let mut failures = Vec::new();
    for version in [OcppVersion::V16, OcppVersion::V201] {
        for outcome in [Outcome::Accepted, Outcome::Rejected] {
            let responder = Responder::with_outcome(outcome);
            for action in answered_actions(version) {
                let request = request(version, action);
                match responder.answer(version, action, &request) {
                    Some(Answer::Result(payload)) => {
                        if let Err(e) = schema::validate(version, action, true, &payload) {
                            failures.push(format!("{outcome:?}: {e}"));
                        }
                    }
                    other => failures.push(format!("{version} {action}: answered {other:?}")),
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_common_actions_are_answered_in_both_versions() {
    let common = [
        "Reset",
        "UnlockConnector",
        "ChangeAvailability",
        "TriggerMessage",
        "DataTransfer",
        "ClearCache",
        "SetChargingProfile",
        "ClearChargingProfile",
        "UpdateFirmware",
        "ReserveNow",
        "CancelReservation",
        "GetLocalListVersion",
        "SendLocalList",
    ];
    let v16 = [
        "RemoteStartTransaction",
        "RemoteStopTransaction",
        "GetConfiguration",
        "ChangeConfiguration",
        "GetDiagnostics",
    ];
    let v201 = [
        "RequestStartTransaction",
        "RequestStopTransaction",
        "GetVariables",
        "SetVariables",
        "GetLog",
    ];
    for (version, own) in [(OcppVersion::V16, v16), (OcppVersion::V201, v201)] {
        let answered = answered_actions(version);
        for action in common.iter().chain(own.iter()) {
            assert!(answered.contains(action), "{version} {action} not answered");
        }
    }
}

#[test]
fn statuses_follow_the_outcome_and_overrides_win() {
    let v16 = OcppVersion::V16;
    let answer = |r: &Responder, action: &str| r.answer(v16, action, &json!({}));
    let ok = Responder::accepting();
    let no = Responder::rejecting();
    let result = |status: &str| Some(Answer::Result(json!({ "status": status })));
    assert_eq!(answer(&ok, "UnlockConnector"), result("Unlocked"));
    assert_eq!(answer(&no, "UnlockConnector"), result("UnlockFailed"));
    assert_eq!(answer(&no, "Reset"), result("Rejected"));
    assert_eq!(
        answer(&ok, "UpdateFirmware"),
        Some(Answer::Result(json!({})))
    );

    let custom = Responder::accepting()
        .answer_with("Reset", json!({ "status": "Rejected" }))
        .error_with("GetCompositeSchedule", "NotSupported", "no smart charging");
    assert_eq!(answer(&custom, "Reset"), result("Rejected"));
    assert!(matches!(
        answer(&custom, "GetCompositeSchedule"),
        Some(Answer::Error { code, .. }) if code == "NotSupported"
    ));
    assert!(matches!(
        answer(&ok, "NoSuchAction"),
        Some(Answer::Error { code, .. }) if code == "NotImplemented"
    ));
    assert_eq!(answer(&Responder::Manual, "Reset"), None);
}

#[test]
fn the_validator_rejects_what_the_schema_forbids() {
    if !schema::available() {
        return;
    }
    let v16 = OcppVersion::V16;
    assert!(schema::validate(v16, "Reset", true, &json!({ "status": "Accepted" })).is_ok());
    let bad = schema::validate(
        v16,
        "UnlockConnector",
        true,
        &json!({ "status": "Accepted" }),
    );
    assert!(bad.is_err(), "Accepted is not an UnlockConnector status");
    let v201 = OcppVersion::V201;
    let missing = schema::validate(
        v201,
        "BootNotification",
        false,
        &json!({ "reason": "PowerUp" }),
    );
    assert!(missing.is_err(), "chargingStation is required");
    assert!(schema::validate(v201, "NoSuchAction", true, &json!({})).is_err());
    let not_a_time = json!({ "currentTime": "yesterday" });
    assert!(
        schema::validate(v201, "Heartbeat", true, &not_a_time).is_err(),
        "formats are checked"
    );
}
