//! Every charger quirk, read in both modes: repaired and recorded when lenient, the exact
//! CALLERROR when strict.

use serde_json::{json, Value};

use crate::ocpp::v16::{self, Request as V16};
use crate::ocpp::v201::{self, Request as V201};
use crate::ocpp::{DecodeError, Decoded, ErrorCode, Leniency};
use ErrorCode::*;

const TS: &str = "2024-05-01T10:00:00Z";

fn v16(action: &str, payload: Value, leniency: Leniency) -> Result<Decoded<V16>, DecodeError> {
    v16::decode_request(action, payload, leniency)
}

fn v201(action: &str, payload: Value, leniency: Leniency) -> Result<Decoded<V201>, DecodeError> {
    v201::decode_request(action, payload, leniency)
}

/// Strict gives `code`; lenient decodes, recording deviations that mention `field`.
fn both_modes<T: std::fmt::Debug>(
    decode: impl Fn(Leniency) -> Result<Decoded<T>, DecodeError>,
    code: ErrorCode,
    field: &str,
) -> T {
    let strict = decode(Leniency::Strict);
    assert_eq!(
        strict.as_ref().err().map(|e| e.code),
        Some(code),
        "strict: {strict:?}"
    );
    match decode(Leniency::Lenient) {
        Ok(decoded) => {
            assert!(!decoded.deviations.is_empty(), "nothing recorded");
            for deviation in &decoded.deviations {
                assert!(
                    deviation.0.contains(field),
                    "{deviation:?} does not name {field}"
                );
            }
            decoded.message
        }
        Err(e) => panic!("lenient refused: {e}"),
    }
}

#[test]
fn meter_value_object_instead_of_array() {
    let one = json!({"timestamp": TS, "sampledValue": [{"value": "10"}]});
    let payload = json!({"connectorId": 1, "meterValue": one});
    let message = both_modes(
        |l| v16("MeterValues", payload.clone(), l),
        TypeConstraintViolation,
        "meterValue",
    );
    let V16::MeterValues(request) = message else {
        panic!("{message:?}")
    };
    assert_eq!(request.meter_value.len(), 1);

    let stop = json!({"meterStop": 5, "timestamp": TS, "transactionId": 1, "transactionData": one});
    both_modes(
        |l| v16("StopTransaction", stop.clone(), l),
        TypeConstraintViolation,
        "transactionData",
    );

    let one201 = json!({"timestamp": TS, "sampledValue": [{"value": 10}]});
    let mv = json!({"evseId": 1, "meterValue": one201});
    both_modes(
        |l| v201("MeterValues", mv.clone(), l),
        TypeConstraintViolation,
        "meterValue",
    );
    let te = json!({"eventType": "Updated", "timestamp": TS, "triggerReason": "MeterValuePeriodic",
                    "seqNo": 1, "transactionInfo": {"transactionId": "t"}, "meterValue": one201});
    both_modes(
        |l| v201("TransactionEvent", te.clone(), l),
        TypeConstraintViolation,
        "meterValue",
    );
}

#[test]
fn empty_sampled_values_drop_their_entry() {
    let payload = json!({"connectorId": 1, "meterValue": [
        {"timestamp": TS, "sampledValue": []},
        {"timestamp": TS, "sampledValue": [{"value": "10"}]}
    ]});
    let message = both_modes(
        |l| v16("MeterValues", payload.clone(), l),
        OccurrenceConstraintViolation,
        "meterValue[0]",
    );
    let V16::MeterValues(request) = message else {
        panic!("{message:?}")
    };
    assert_eq!(request.meter_value.len(), 1);
    assert_eq!(request.meter_value[0].sampled_value[0].value, "10");
}

#[test]
fn numbers_and_strings_in_each_others_place() {
    let payload = json!({"connectorId": "1", "meterValue": [{"timestamp": TS, "sampledValue": [{"value": 12.5}]}]});
    let strict = v16("MeterValues", payload.clone(), Leniency::Strict).map_err(|e| e.code);
    assert_eq!(strict.err(), Some(TypeConstraintViolation));
    let Ok(lenient) = v16("MeterValues", payload, Leniency::Lenient) else {
        panic!("refused")
    };
    assert_eq!(lenient.deviations.len(), 2, "{:?}", lenient.deviations);
    let V16::MeterValues(request) = lenient.message else {
        panic!("wrong variant")
    };
    assert_eq!(
        (
            request.connector_id,
            request.meter_value[0].sampled_value[0].value.as_str()
        ),
        (1, "12.5")
    );

    let status =
        json!({"timestamp": TS, "connectorStatus": "Available", "evseId": "1", "connectorId": 2});
    both_modes(
        |l| v201("StatusNotification", status.clone(), l),
        TypeConstraintViolation,
        "evseId",
    );
    let mv = json!({"evseId": 1, "meterValue": [{"timestamp": TS, "sampledValue": [{"value": "12.5"}]}]});
    let message = both_modes(
        |l| v201("MeterValues", mv.clone(), l),
        TypeConstraintViolation,
        "value",
    );
    let V201::MeterValues(request) = message else {
        panic!("{message:?}")
    };
    assert_eq!(
        request.meter_value[0].sampled_value[0].value.to_string(),
        "12.5"
    );
    // Not a number at all: no repair.
    let junk = json!({"connectorId": "one", "errorCode": "NoError", "status": "Available"});
    assert_eq!(
        v16("StatusNotification", junk, Leniency::Lenient)
            .err()
            .map(|e| e.code),
        Some(TypeConstraintViolation)
    );
}

#[test]
fn invalid_sampled_value_enums_are_dropped() {
    for field in ["context", "measurand", "unit", "location", "phase"] {
        let payload = json!({"connectorId": 1, "meterValue": [{"timestamp": TS,
            "sampledValue": [{"value": "1", field: "Bogus"}]}]});
        both_modes(
            |l| v16("MeterValues", payload.clone(), l),
            PropertyConstraintViolation,
            field,
        );
    }
    let te = json!({"eventType": "Started", "timestamp": TS, "triggerReason": "Authorized", "seqNo": 0,
        "transactionInfo": {"transactionId": "t"},
        "meterValue": [{"timestamp": TS, "sampledValue": [{"value": 1, "context": "Sample.Periodical"}]}]});
    both_modes(
        |l| v201("TransactionEvent", te.clone(), l),
        PropertyConstraintViolation,
        "context",
    );
    // Outside a sampled value, an invalid enum stays an error.
    let status = json!({"connectorId": 1, "errorCode": "NoError", "status": "Plugged"});
    assert_eq!(
        v16("StatusNotification", status, Leniency::Lenient)
            .err()
            .map(|e| e.code),
        Some(PropertyConstraintViolation)
    );
}

#[test]
fn celsius_is_accepted_in_both_spellings_and_modes() {
    for unit in ["Celsius", "Celcius"] {
        let payload = json!({"connectorId": 1, "meterValue": [{"timestamp": TS,
            "sampledValue": [{"value": "21", "measurand": "Temperature", "unit": unit}]}]});
        crate::ocpp::schema_check::assert_valid("v16", "MeterValues", &payload);
        for leniency in [Leniency::Strict, Leniency::Lenient] {
            let decoded = v16("MeterValues", payload.clone(), leniency).map(|d| d.deviations);
            assert_eq!(decoded, Ok(vec![]), "{unit}");
        }
    }
}

#[test]
fn near_rfc3339_timestamps() {
    let cases = [
        ("2024-05-01T13:00:00+03", "2024-05-01T10:00:00+00:00"),
        ("2024-05-01T13:00:00+0300", "2024-05-01T10:00:00+00:00"),
        ("2024-05-01T10:00:00", "2024-05-01T10:00:00+00:00"),
        ("2024-05-01 10:00:00Z", "2024-05-01T10:00:00+00:00"),
    ];
    for (sent, instant) in cases {
        let start = json!({"connectorId": 1, "idTag": "T", "meterStart": 0, "timestamp": sent});
        let message = both_modes(
            |l| v16("StartTransaction", start.clone(), l),
            PropertyConstraintViolation,
            "timestamp",
        );
        let V16::StartTransaction(request) = message else {
            panic!("{message:?}")
        };
        assert_eq!(request.timestamp.to_rfc3339(), instant);

        let status = json!({"timestamp": sent, "connectorStatus": "Available", "evseId": 1, "connectorId": 1});
        both_modes(
            |l| v201("StatusNotification", status.clone(), l),
            PropertyConstraintViolation,
            "timestamp",
        );
        let nested = json!({"connectorId": 1, "meterValue": [{"timestamp": sent, "sampledValue": [{"value": "1"}]}]});
        both_modes(
            |l| v16("MeterValues", nested.clone(), l),
            PropertyConstraintViolation,
            "meterValue[0].timestamp",
        );
    }
    // Many fraction digits are valid RFC 3339: accepted strictly, cut (and recorded) leniently.
    let long = json!({"type": "x", "timestamp": "2024-05-01T10:00:00.1234567891234Z"});
    assert!(v16("SecurityEventNotification", long.clone(), Leniency::Strict).is_ok());
    let lenient =
        v16("SecurityEventNotification", long, Leniency::Lenient).map(|d| d.deviations.len());
    assert_eq!(lenient, Ok(1));
    // Not a timestamp at all: no repair.
    let junk = json!({"type": "x", "timestamp": "tomorrow"});
    let got = v16("SecurityEventNotification", junk, Leniency::Lenient)
        .err()
        .map(|e| e.code);
    assert_eq!(got, Some(PropertyConstraintViolation));
}

#[test]
fn unknown_fields_and_nulls_are_ignored_only_when_lenient() {
    let extra = json!({"chargePointVendor": "V", "chargePointModel": "M", "vendorExtra": {"a": 1}});
    both_modes(
        |l| v16("BootNotification", extra.clone(), l),
        FormatViolation,
        "vendorExtra",
    );
    let null = json!({"chargePointVendor": "V", "chargePointModel": "M", "iccid": null});
    both_modes(
        |l| v16("BootNotification", null.clone(), l),
        TypeConstraintViolation,
        "iccid",
    );
    let nested = json!({"reason": "PowerUp", "chargingStation": {"model": "M", "vendorName": "V", "colour": "red"}});
    both_modes(
        |l| v201("BootNotification", nested.clone(), l),
        FormatViolation,
        "chargingStation.colour",
    );
}

#[test]
fn overlong_strings_are_refused_even_when_lenient() {
    let boot = json!({"chargePointVendor": "ACME Charging Solutions", "chargePointModel": "M"});
    for leniency in [Leniency::Strict, Leniency::Lenient] {
        let got = v16("BootNotification", boot.clone(), leniency).map_err(|e| e.code);
        assert_eq!(got.err(), Some(PropertyConstraintViolation));
    }
}
