//! 1.6 decoding: a valid sample of every charger→central-system action (checked against
//! the official schema when installed), the action lists, and each fault's code.

use serde_json::{json, Value};

use super::*;
use crate::ocpp::examples::TS;
use crate::ocpp::schema_check;
use ErrorCode::*;

fn code(action: &str, payload: Value, leniency: Leniency) -> Option<ErrorCode> {
    decode_request(action, payload, leniency)
        .err()
        .map(|e| e.code)
}

#[test]
fn every_charger_action_decodes_a_valid_sample_in_both_modes() {
    let samples = crate::ocpp::examples::charger_requests_v16();
    let actions: Vec<&str> = samples.iter().map(|(a, _)| *a).collect();
    assert_eq!(actions, CHARGER_ACTIONS);
    for (action, payload) in samples {
        schema_check::assert_valid("v16", action, &payload);
        for leniency in [Leniency::Strict, Leniency::Lenient] {
            match decode_request(action, payload.clone(), leniency) {
                Ok(decoded) => {
                    assert_eq!(decoded.message.action(), action);
                    assert_eq!(decoded.deviations, vec![], "{action}");
                }
                Err(e) => panic!("{action} ({leniency:?}): {e}"),
            }
        }
    }
}

#[test]
fn action_lists_are_complete_and_disjoint_but_for_data_transfer() {
    assert_eq!(CHARGER_ACTIONS.len(), 14);
    assert_eq!(CSMS_ACTIONS.len(), 26);
    for action in CHARGER_ACTIONS {
        let both = CSMS_ACTIONS.contains(action);
        assert_eq!(both, *action == "DataTransfer", "{action}");
    }
}

#[test]
fn actions_we_may_not_receive_are_refused_by_kind() {
    for leniency in [Leniency::Strict, Leniency::Lenient] {
        assert_eq!(
            code("Reset", json!({"type": "Hard"}), leniency),
            Some(NotSupported)
        );
        assert_eq!(code("GetLog", json!({}), leniency), Some(NotSupported));
        assert_eq!(
            code("TransactionEvent", json!({}), leniency),
            Some(NotSupported)
        );
        assert_eq!(
            code("NotifyReport", json!({}), leniency),
            Some(NotSupported)
        );
        assert_eq!(
            code("Frobnicate", json!({}), leniency),
            Some(NotImplemented)
        );
        assert_eq!(code("heartbeat", json!({}), leniency), Some(NotImplemented));
        assert_eq!(code("", json!({}), leniency), Some(NotImplemented));
    }
}

#[test]
fn overlong_strings_are_property_violations_in_both_modes() {
    let vendor = json!({"chargePointVendor": "V".repeat(21), "chargePointModel": "M"});
    schema_check::assert_invalid("v16", "BootNotification", &vendor);
    let exact = json!({"chargePointVendor": "V".repeat(20), "chargePointModel": "M"});
    let empty = json!({"chargePointVendor": "", "chargePointModel": ""});
    let csr = json!({"csr": "x".repeat(5501)});
    let event = json!({"type": "t".repeat(51), "timestamp": TS});
    for leniency in [Leniency::Strict, Leniency::Lenient] {
        assert_eq!(
            code("BootNotification", vendor.clone(), leniency),
            Some(PropertyConstraintViolation)
        );
        assert_eq!(code("BootNotification", exact.clone(), leniency), None);
        // The schema sets no minimum length.
        assert_eq!(code("BootNotification", empty.clone(), leniency), None);
        assert_eq!(
            code("SignCertificate", csr.clone(), leniency),
            Some(PropertyConstraintViolation)
        );
        assert_eq!(
            code("SecurityEventNotification", event.clone(), leniency),
            Some(PropertyConstraintViolation)
        );
        let tag = json!({"idTag": "T".repeat(21)});
        assert_eq!(
            code("Authorize", tag, leniency),
            Some(PropertyConstraintViolation)
        );
    }
    // Characters, not bytes, are counted.
    let wide = json!({"chargePointVendor": "é".repeat(20), "chargePointModel": "M"});
    assert_eq!(code("BootNotification", wide, Leniency::Strict), None);
}

#[test]
fn faults_map_to_their_codes() {
    let strict = Leniency::Strict;
    let cases: Vec<(&str, Value, ErrorCode)> = vec![
        (
            "BootNotification",
            json!({"chargePointModel": "M"}),
            OccurrenceConstraintViolation,
        ),
        (
            "BootNotification",
            json!({"chargePointVendor": 5, "chargePointModel": "M"}),
            TypeConstraintViolation,
        ),
        (
            "BootNotification",
            json!({"chargePointVendor": "V", "chargePointModel": "M", "x": 1}),
            FormatViolation,
        ),
        ("BootNotification", json!([]), FormatViolation),
        (
            "StatusNotification",
            json!({"connectorId": 1, "errorCode": "Bogus", "status": "Available"}),
            PropertyConstraintViolation,
        ),
        (
            "StatusNotification",
            json!({"connectorId": "1", "errorCode": "NoError", "status": "Available"}),
            TypeConstraintViolation,
        ),
        (
            "StatusNotification",
            json!({"connectorId": 1.5, "errorCode": "NoError", "status": "Available"}),
            TypeConstraintViolation,
        ),
        (
            "StatusNotification",
            json!({"connectorId": 1, "errorCode": "NoError", "status": "Available", "info": null}),
            TypeConstraintViolation,
        ),
        (
            "MeterValues",
            json!({"connectorId": 1, "meterValue": []}),
            OccurrenceConstraintViolation,
        ),
        (
            "MeterValues",
            json!({"connectorId": 1, "meterValue": [{"timestamp": TS, "sampledValue": []}]}),
            OccurrenceConstraintViolation,
        ),
        (
            "MeterValues",
            json!({"connectorId": 1, "meterValue": {"timestamp": TS, "sampledValue": [{"value": "1"}]}}),
            TypeConstraintViolation,
        ),
        (
            "StartTransaction",
            json!({"connectorId": 1, "idTag": "T", "meterStart": 0, "timestamp": "yesterday"}),
            PropertyConstraintViolation,
        ),
        (
            "StartTransaction",
            json!({"connectorId": 1, "idTag": "T", "meterStart": 0, "timestamp": "2024-05-01T10:00:00"}),
            PropertyConstraintViolation,
        ),
        (
            "StartTransaction",
            json!({"connectorId": 1, "idTag": "T", "meterStart": 0, "timestamp": "2024-05-01T10:00:00+0300"}),
            PropertyConstraintViolation,
        ),
        (
            "LogStatusNotification",
            json!({"status": "Done"}),
            PropertyConstraintViolation,
        ),
        (
            "SignedFirmwareStatusNotification",
            json!({}),
            OccurrenceConstraintViolation,
        ),
    ];
    for (action, payload, expected) in cases {
        if payload.is_object() && expected != FormatViolation {
            schema_check::assert_invalid("v16", action, &payload);
        }
        let got = decode_request(action, payload.clone(), strict);
        assert_eq!(
            got.as_ref().err().map(|e| e.code),
            Some(expected),
            "{action} {payload}: {got:?}"
        );
    }
}

#[test]
fn descriptions_name_the_field() {
    let payload = json!({"connectorId": 1, "meterValue": [{"timestamp": TS, "sampledValue": [{"value": "1", "phase": "L9"}]}]});
    let Err(err) = decode_request("MeterValues", payload, Leniency::Strict) else {
        panic!("accepted");
    };
    assert!(
        err.description
            .starts_with("meterValue[0].sampledValue[0].phase"),
        "{}",
        err.description
    );
    let Err(err) = decode_request(
        "BootNotification",
        json!({"chargePointVendor": "V"}),
        Leniency::Strict,
    ) else {
        panic!("accepted");
    };
    assert!(
        err.description.contains("chargePointModel"),
        "{}",
        err.description
    );
}
