//! The fault → code classification shared by both versions.

use serde_json::json;

use super::*;
use crate::ocpp::schema::Rules;
use crate::ocpp::v16;
use ErrorCode::*;

fn v16_code(action: &str, payload: Value) -> Option<ErrorCode> {
    v16::decode_request(action, payload, Leniency::Strict)
        .err()
        .map(|e| e.code)
}

#[test]
fn payloads_that_are_not_objects_are_format_violations() {
    for payload in [json!(null), json!([]), json!("{}"), json!(1)] {
        assert_eq!(
            v16_code("Heartbeat", payload.clone()),
            Some(FormatViolation),
            "{payload}"
        );
    }
}

#[test]
fn numbers_that_do_not_fit_integers() {
    let status =
        |id: Value| json!({"connectorId": id, "errorCode": "NoError", "status": "Available"});
    // A fraction is the wrong type; an integer out of range a wrong value.
    assert_eq!(
        v16_code("StatusNotification", status(json!(1.5))),
        Some(TypeConstraintViolation)
    );
    assert_eq!(
        v16_code("StatusNotification", status(json!(-1))),
        Some(PropertyConstraintViolation)
    );
    assert_eq!(
        v16_code("StatusNotification", status(json!(5_000_000_000u64))),
        Some(PropertyConstraintViolation)
    );
    assert_eq!(
        v16_code("StatusNotification", status(json!([1]))),
        Some(TypeConstraintViolation)
    );
}

#[test]
fn rule_tables_are_applied_at_every_matching_path() {
    let rules: Rules = &[
        ("a.*.s", Rule::MaxLen(3)),
        ("a", Rule::MaxItems(2)),
        ("a", Rule::MinItems(1)),
        ("n", Rule::Min(0.0)),
        ("n", Rule::Max(100.0)),
        ("t", Rule::DateTime),
    ];
    let ok = json!({"a": [{"s": "abc"}, {"s": "é€x"}], "n": 100, "t": "2024-01-01T00:00:00Z"});
    assert_eq!(check_rules(&ok, rules, &[]), Ok(()));
    let cases = [
        (
            json!({"a": [{"s": "abcd"}]}),
            PropertyConstraintViolation,
            "a[0].s",
        ),
        (
            json!({"a": [{}, {}, {}]}),
            OccurrenceConstraintViolation,
            "a",
        ),
        (json!({"a": []}), OccurrenceConstraintViolation, "a"),
        (json!({"n": -0.5}), PropertyConstraintViolation, "n"),
        (json!({"n": 100.5}), PropertyConstraintViolation, "n"),
        (
            json!({"t": "2024-01-01T00:00:00"}),
            PropertyConstraintViolation,
            "t",
        ),
    ];
    for (payload, code, at) in cases {
        let Err(err) = check_rules(&payload, rules, &[]) else {
            panic!("{payload} accepted");
        };
        assert_eq!(err.code, code, "{payload}");
        assert!(err.description.starts_with(at), "{}", err.description);
    }
    assert_eq!(check_rules(&json!({"a": []}), rules, &["a"]), Ok(()));
}

#[test]
fn custom_data_is_checked_only_where_allowed() {
    let mut faults = Vec::new();
    compare(
        &json!({"customData": {"vendorId": "v", "x": 1}}),
        &json!({}),
        &Here::Root,
        true,
        &mut faults,
    );
    assert!(faults.is_empty());
    compare(
        &json!({"customData": {"vendorId": 5}}),
        &json!({}),
        &Here::Root,
        true,
        &mut faults,
    );
    compare(
        &json!({"customData": "v"}),
        &json!({}),
        &Here::Root,
        true,
        &mut faults,
    );
    let codes: Vec<_> = faults.iter().map(|f| (f.error.code, f.quirk)).collect();
    assert_eq!(
        codes,
        [
            (TypeConstraintViolation, false),
            (TypeConstraintViolation, false)
        ]
    );
    let mut faults = Vec::new();
    compare(
        &json!({"customData": {"vendorId": "v"}}),
        &json!({}),
        &Here::Root,
        false,
        &mut faults,
    );
    assert_eq!(faults.len(), 1);
    assert!(faults[0].quirk);
}
