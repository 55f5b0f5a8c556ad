//! 2.0.1 decoding: a valid sample of every station→CSMS action (checked against the
//! official schema when installed), the action lists, and the rust-ocpp compensations.

use serde_json::{json, Value};

use super::*;
use crate::ocpp::examples::{schedule, TS};
use crate::ocpp::schema_check;
use ErrorCode::*;

fn code(action: &str, payload: Value, leniency: Leniency) -> Option<ErrorCode> {
    decode_request(action, payload, leniency)
        .err()
        .map(|e| e.code)
}

#[test]
fn every_station_action_decodes_a_valid_sample_in_both_modes() {
    let samples = crate::ocpp::examples::charger_requests_v201();
    let actions: Vec<&str> = samples.iter().map(|(a, _)| *a).collect();
    assert_eq!(actions, CHARGER_ACTIONS);
    for (action, payload) in samples {
        schema_check::assert_valid("v201", &format!("{action}Request"), &payload);
        for leniency in [Leniency::Strict, Leniency::Lenient] {
            match decode_request(action, payload.clone(), leniency) {
                Ok(decoded) => assert_eq!(decoded.deviations, vec![], "{action}"),
                Err(e) => panic!("{action} ({leniency:?}): {e}"),
            }
        }
    }
}

#[test]
fn action_lists_match_the_contract() {
    assert_eq!(CHARGER_ACTIONS.len(), 25);
    assert_eq!(CSMS_ACTIONS.len(), 40);
    for action in CHARGER_ACTIONS {
        assert_eq!(
            CSMS_ACTIONS.contains(action),
            *action == "DataTransfer",
            "{action}"
        );
    }
    for action in CSMS_ACTIONS.iter().chain(CHARGER_ACTIONS) {
        let request = format!("{action}Request");
        if let Some(schema) = schema_check::load("v201", &request) {
            assert!(schema.is_object(), "{request}");
        }
    }
}

#[test]
fn actions_we_may_not_receive_are_refused_by_kind() {
    for leniency in [Leniency::Strict, Leniency::Lenient] {
        assert_eq!(
            code("GetVariables", json!({}), leniency),
            Some(NotSupported)
        );
        assert_eq!(
            code("StartTransaction", json!({}), leniency),
            Some(NotSupported)
        );
        assert_eq!(
            code("DiagnosticsStatusNotification", json!({}), leniency),
            Some(NotSupported)
        );
        assert_eq!(
            code("SignedFirmwareStatusNotification", json!({}), leniency),
            Some(NotSupported)
        );
        assert_eq!(
            code("Frobnicate", json!({}), leniency),
            Some(NotImplemented)
        );
    }
}

#[test]
fn constraints_from_the_schema_apply_in_both_modes() {
    let boot = |model: &str| json!({"reason": "PowerUp", "chargingStation": {"model": model, "vendorName": "V"}});
    let status = |extra: Value| {
        let mut payload =
            json!({"timestamp": TS, "connectorStatus": "Available", "evseId": 1, "connectorId": 1});
        if let (Some(p), Some(e)) = (payload.as_object_mut(), extra.as_object()) {
            p.extend(e.clone());
        }
        payload
    };
    let cases: Vec<(&str, Value, ErrorCode)> = vec![
        (
            "BootNotification",
            boot(&"M".repeat(21)),
            PropertyConstraintViolation,
        ),
        (
            "BootNotification",
            json!({"reason": "PowerUp"}),
            OccurrenceConstraintViolation,
        ),
        (
            "BootNotification",
            json!({"reason": "Sleepy", "chargingStation": {"model": "M", "vendorName": "V"}}),
            PropertyConstraintViolation,
        ),
        (
            "StatusNotification",
            status(json!({"customData": {"x": 1}})),
            OccurrenceConstraintViolation,
        ),
        (
            "StatusNotification",
            status(json!({"customData": {"vendorId": "v".repeat(256)}})),
            PropertyConstraintViolation,
        ),
        (
            "StatusNotification",
            status(json!({"connectorStatus": "Charging"})),
            PropertyConstraintViolation,
        ),
        (
            "NotifyEVChargingNeeds",
            json!({"evseId": 1, "chargingNeeds": {"requestedEnergyTransfer": "DC",
            "dcChargingParameters": {"evMaxCurrent": 1, "evMaxVoltage": 1, "stateOfCharge": 101}}}),
            PropertyConstraintViolation,
        ),
        (
            "NotifyReport",
            json!({"requestId": 1, "seqNo": 0, "generatedAt": TS, "reportData": [{
            "component": {"name": "C"}, "variable": {"name": "V"},
            "variableAttribute": [{}, {}, {}, {}, {}]}]}),
            OccurrenceConstraintViolation,
        ),
        (
            "Authorize",
            json!({"idToken": {"idToken": "x".repeat(37), "type": "Central"}}),
            PropertyConstraintViolation,
        ),
    ];
    for (action, payload, expected) in cases {
        schema_check::assert_invalid("v201", &format!("{action}Request"), &payload);
        for leniency in [Leniency::Strict, Leniency::Lenient] {
            let got = decode_request(action, payload.clone(), leniency);
            assert_eq!(
                got.as_ref().err().map(|e| e.code),
                Some(expected),
                "{action} {payload}: {got:?}"
            );
        }
    }
}

#[test]
fn empty_meter_values_are_refused_only_when_strict() {
    let payload = json!({"evseId": 1, "meterValue": []});
    schema_check::assert_invalid("v201", "MeterValuesRequest", &payload);
    assert_eq!(
        code("MeterValues", payload.clone(), Leniency::Strict),
        Some(OccurrenceConstraintViolation)
    );
    let lenient = decode_request("MeterValues", payload, Leniency::Lenient);
    assert_eq!(lenient.map(|d| d.deviations.len()), Ok(1));
}

#[test]
fn fractional_start_values_are_rounded_only_when_lenient() {
    let mut sample = json!({"timeBase": TS, "evseId": 1, "chargingSchedule": schedule()});
    let at = "/chargingSchedule/salesTariff/salesTariffEntry/0/consumptionCost/0/startValue";
    if let Some(v) = sample.pointer_mut(at) {
        *v = json!(2.5);
    }
    schema_check::assert_valid("v201", "NotifyEVChargingScheduleRequest", &sample);
    assert_eq!(
        code("NotifyEVChargingSchedule", sample.clone(), Leniency::Strict),
        Some(PropertyConstraintViolation)
    );
    let lenient = decode_request(
        "NotifyEVChargingSchedule",
        sample.clone(),
        Leniency::Lenient,
    );
    assert_eq!(lenient.map(|d| d.deviations.len()), Ok(1));
    if let Some(v) = sample.pointer_mut(at) {
        *v = json!(100.0);
    }
    let strict = decode_request("NotifyEVChargingSchedule", sample, Leniency::Strict);
    assert_eq!(strict.map(|d| d.deviations), Ok(vec![]));
}

#[test]
fn a_tariff_interval_without_duration_is_refused() {
    // Valid to the schema; rust-ocpp's type requires the duration (see the module doc).
    let mut sample = json!({"timeBase": TS, "evseId": 1, "chargingSchedule": schedule()});
    let at = "/chargingSchedule/salesTariff/salesTariffEntry/0/relativeTimeInterval";
    if let Some(interval) = sample.pointer_mut(at) {
        *interval = json!({"start": 0});
    }
    schema_check::assert_valid("v201", "NotifyEVChargingScheduleRequest", &sample);
    let got = code("NotifyEVChargingSchedule", sample, Leniency::Lenient);
    assert_eq!(got, Some(OccurrenceConstraintViolation));
}
