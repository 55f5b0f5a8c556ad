//! 2.0.1 decoding: a valid sample of every station→CSMS action (checked against the
//! official schema when installed), the action lists, and the rust-ocpp compensations.

use serde_json::{json, Value};

use super::*;
use crate::ocpp::schema_check;
use ErrorCode::*;

const TS: &str = "2024-05-01T10:00:00Z";

fn schedule() -> Value {
    json!({"id": 1, "chargingRateUnit": "W", "startSchedule": TS, "duration": 3600,
    "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 11000.0, "numberPhases": 3}],
    "salesTariff": {"id": 1, "salesTariffEntry": [{
        "relativeTimeInterval": {"start": 0, "duration": 600},
        "consumptionCost": [{"startValue": 0, "cost": [{"costKind": "CarbonDioxideEmission", "amount": 5}]}]
    }]}})
}

fn sampled_meter_value() -> Value {
    json!([{"timestamp": TS, "sampledValue": [
        {"value": 1234.5, "context": "Sample.Periodic", "measurand": "Energy.Active.Import.Register",
         "phase": "L1", "location": "Outlet", "unitOfMeasure": {"unit": "Wh", "multiplier": 0}},
        {"value": 32, "measurand": "Current.Import", "phase": "L2", "unitOfMeasure": {"unit": "A"}}
    ]}])
}

/// A valid, hand-built payload of every action a 2.0.1 station sends.
fn samples() -> Vec<(&'static str, Value)> {
    let component = json!({"name": "EVSE", "instance": "1", "evse": {"id": 1, "connectorId": 1}});
    vec![
        (
            "Authorize",
            json!({"idToken": {"idToken": "04A2B3C4", "type": "ISO14443"}}),
        ),
        (
            "BootNotification",
            json!({"reason": "PowerUp", "chargingStation": {"model": "W22", "vendorName": "ACME",
                   "serialNumber": "SN1", "firmwareVersion": "1.0", "modem": {"iccid": "8931", "imsi": "2040"}},
                   "customData": {"vendorId": "com.acme", "extra": [1]}}),
        ),
        (
            "ClearedChargingLimit",
            json!({"chargingLimitSource": "EMS", "evseId": 1}),
        ),
        (
            "DataTransfer",
            json!({"vendorId": "com.acme", "messageId": "m", "data": {"any": ["json"]}}),
        ),
        (
            "FirmwareStatusNotification",
            json!({"status": "Installed", "requestId": 4}),
        ),
        (
            "Get15118EVCertificate",
            json!({"iso15118SchemaVersion": "urn:iso:15118:2:2013:MsgDef", "action": "Install", "exiRequest": "AAEC"}),
        ),
        (
            "GetCertificateStatus",
            json!({"ocspRequestData": {"hashAlgorithm": "SHA256", "issuerNameHash": "aa",
                   "issuerKeyHash": "bb", "serialNumber": "01", "responderURL": "http://ocsp"}}),
        ),
        ("Heartbeat", json!({})),
        (
            "LogStatusNotification",
            json!({"status": "Uploaded", "requestId": 2}),
        ),
        (
            "MeterValues",
            json!({"evseId": 1, "meterValue": sampled_meter_value()}),
        ),
        (
            "NotifyChargingLimit",
            json!({"evseId": 1, "chargingLimit": {"chargingLimitSource": "SO", "isGridCritical": true},
                   "chargingSchedule": [schedule()]}),
        ),
        (
            "NotifyCustomerInformation",
            json!({"data": "none", "tbc": false, "seqNo": 0, "generatedAt": TS, "requestId": 1}),
        ),
        (
            "NotifyDisplayMessages",
            json!({"requestId": 1, "messageInfo": [{"id": 1, "priority": "NormalCycle", "state": "Idle",
                   "startDateTime": TS, "message": {"format": "UTF8", "language": "en", "content": "Hi"}}]}),
        ),
        (
            "NotifyEVChargingNeeds",
            json!({"evseId": 1, "maxScheduleTuples": 3, "chargingNeeds": {"requestedEnergyTransfer": "DC",
                   "departureTime": TS, "dcChargingParameters": {"evMaxCurrent": 200, "evMaxVoltage": 500,
                   "stateOfCharge": 40, "fullSoC": 100}}}),
        ),
        (
            "NotifyEVChargingSchedule",
            json!({"timeBase": TS, "evseId": 1, "chargingSchedule": schedule()}),
        ),
        (
            "NotifyEvent",
            json!({"generatedAt": TS, "seqNo": 0, "eventData": [{"eventId": 1, "timestamp": TS,
                   "trigger": "Delta", "actualValue": "Faulted", "eventNotificationType": "HardWiredNotification",
                   "component": component.clone(), "variable": {"name": "Problem"}}]}),
        ),
        (
            "NotifyMonitoringReport",
            json!({"requestId": 1, "seqNo": 0, "generatedAt": TS, "monitor": [{"component": component.clone(),
                   "variable": {"name": "Power"}, "variableMonitoring": [{"id": 1, "transaction": false,
                   "value": 100.0, "type": "UpperThreshold", "severity": 5}]}]}),
        ),
        (
            "NotifyReport",
            json!({"requestId": 1, "seqNo": 0, "generatedAt": TS, "tbc": false, "reportData": [{
                   "component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"},
                   "variableAttribute": [{"type": "Actual", "value": "300", "mutability": "ReadWrite",
                   "persistent": true, "constant": false}], "variableCharacteristics": {"unit": "s",
                   "dataType": "integer", "minLimit": 1, "supportsMonitoring": false}}]}),
        ),
        (
            "PublishFirmwareStatusNotification",
            json!({"status": "Published", "location": ["http://local/fw.bin"], "requestId": 1}),
        ),
        (
            "ReportChargingProfiles",
            json!({"requestId": 1, "chargingLimitSource": "CSO", "evseId": 1, "tbc": false,
                   "chargingProfile": [{"id": 1, "stackLevel": 0, "chargingProfilePurpose": "TxDefaultProfile",
                   "chargingProfileKind": "Absolute", "validFrom": TS, "chargingSchedule": [schedule()]}]}),
        ),
        (
            "ReservationStatusUpdate",
            json!({"reservationId": 1, "reservationUpdateStatus": "Expired"}),
        ),
        (
            "SecurityEventNotification",
            json!({"type": "FirmwareUpdated", "timestamp": TS, "techInfo": "v2"}),
        ),
        (
            "SignCertificate",
            json!({"csr": "-----BEGIN CERTIFICATE REQUEST-----", "certificateType": "V2GCertificate"}),
        ),
        (
            "StatusNotification",
            json!({"timestamp": TS, "connectorStatus": "Occupied", "evseId": 1, "connectorId": 1}),
        ),
        (
            "TransactionEvent",
            json!({"eventType": "Updated", "timestamp": TS, "triggerReason": "MeterValuePeriodic",
                   "seqNo": 3, "offline": false, "numberOfPhasesUsed": 3, "cableMaxCurrent": 32,
                   "reservationId": 1, "transactionInfo": {"transactionId": "tx-1", "chargingState": "Charging",
                   "timeSpentCharging": 60, "remoteStartId": 7},
                   "idToken": {"idToken": "04A2", "type": "ISO14443", "additionalInfo": [
                       {"additionalIdToken": "x", "type": "y"}]},
                   "evse": {"id": 1, "connectorId": 1}, "meterValue": sampled_meter_value()}),
        ),
    ]
}

fn code(action: &str, payload: Value, leniency: Leniency) -> Option<ErrorCode> {
    decode_request(action, payload, leniency)
        .err()
        .map(|e| e.code)
}

#[test]
fn every_station_action_decodes_a_valid_sample_in_both_modes() {
    let samples = samples();
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
