//! The profile rules, with the spec's section or requirement id on each case.

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{json, Value};

use super::*;

fn t(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default()
}

fn t0() -> DateTime<Utc> {
    t("2026-06-01T08:00:00Z")
}

fn secs(n: i64) -> DateTime<Utc> {
    t0() + TimeDelta::seconds(n)
}

fn tx() -> Transaction {
    Transaction {
        id: "42".to_owned(),
        started: t0(),
    }
}

/// A 1.6 SetChargingProfile: one period of `limit` in `unit`, Relative.
fn v16(connector: u32, id: i64, purpose: &str, stack: i64, limit: f64, unit: &str) -> Value {
    json!({
        "connectorId": connector,
        "csChargingProfiles": {
            "chargingProfileId": id, "stackLevel": stack,
            "chargingProfilePurpose": purpose, "chargingProfileKind": "Relative",
            "chargingSchedule": {
                "chargingRateUnit": unit,
                "chargingSchedulePeriod": [{"startPeriod": 0, "limit": limit}],
            },
        },
    })
}

/// The same in 2.0.1, with an optional transaction id.
fn v201(evse: u32, id: i64, purpose: &str, stack: i64, limit: f64, tx: Option<&str>) -> Value {
    let mut p = json!({
        "evseId": evse,
        "chargingProfile": {
            "id": id, "stackLevel": stack,
            "chargingProfilePurpose": purpose, "chargingProfileKind": "Relative",
            "chargingSchedule": [{
                "id": id, "chargingRateUnit": "A",
                "chargingSchedulePeriod": [{"startPeriod": 0, "limit": limit}],
            }],
        },
    });
    if let Some(tx) = tx {
        p["chargingProfile"]["transactionId"] = json!(tx);
    }
    p
}

fn store16() -> ProfileStore {
    ProfileStore::new(OcppVersion::V16, 2)
}

fn set_ok(s: &mut ProfileStore, request: Value, running: Option<&Transaction>) {
    if let Err(e) = s.set(&request, t0(), running) {
        panic!("{request} rejected: {e}");
    }
}

#[test]
fn highest_stack_level_wins_within_a_purpose() {
    // 1.6 §3.13.2 / 2.0.1 K01: stacking, the highest stackLevel has precedence.
    let mut s = store16();
    set_ok(&mut s, v16(1, 1, "TxDefaultProfile", 0, 20.0, "A"), None);
    set_ok(&mut s, v16(1, 2, "TxDefaultProfile", 3, 12.0, "A"), None);
    set_ok(&mut s, v16(1, 3, "TxDefaultProfile", 1, 8.0, "A"), None);
    assert_eq!(s.limit(1, t0(), None, 3), Some(12.0));
    assert_eq!(s.limit(2, t0(), None, 3), None, "another connector is free");
}

#[test]
fn a_lower_stack_level_takes_over_when_the_higher_one_ends() {
    // 1.6 §3.13.2: a profile whose duration is over no longer applies.
    let mut s = store16();
    set_ok(&mut s, v16(1, 1, "TxDefaultProfile", 0, 20.0, "A"), None);
    let mut short = v16(1, 2, "TxDefaultProfile", 5, 10.0, "A");
    short["csChargingProfiles"]["chargingSchedule"]["duration"] = json!(600);
    set_ok(&mut s, short, Some(&tx()));
    assert_eq!(s.limit(1, secs(599), Some(&tx()), 3), Some(10.0));
    assert_eq!(s.limit(1, secs(600), Some(&tx()), 3), Some(20.0));
}

#[test]
fn tx_profile_overrules_tx_default() {
    // 1.6 §3.13.1: TxProfile overrules TxDefaultProfile for its transaction.
    let mut s = store16();
    set_ok(&mut s, v16(1, 1, "TxDefaultProfile", 9, 10.0, "A"), None);
    set_ok(&mut s, v16(1, 2, "TxProfile", 0, 25.0, "A"), Some(&tx()));
    assert_eq!(s.limit(1, t0(), Some(&tx()), 3), Some(25.0));
    s.end_transaction(1);
    assert_eq!(s.limit(1, t0(), None, 3), Some(10.0), "dropped with its tx");
}

#[test]
fn station_max_profile_caps_every_connector() {
    // 1.6 §3.13.1: ChargePointMaxProfile on connector 0 limits the whole charge point.
    let mut s = store16();
    set_ok(
        &mut s,
        v16(0, 1, "ChargePointMaxProfile", 0, 16.0, "A"),
        None,
    );
    set_ok(&mut s, v16(1, 2, "TxProfile", 0, 25.0, "A"), Some(&tx()));
    set_ok(&mut s, v16(2, 3, "TxDefaultProfile", 0, 10.0, "A"), None);
    assert_eq!(s.limit(1, t0(), Some(&tx()), 3), Some(16.0));
    assert_eq!(s.limit(2, t0(), None, 3), Some(10.0));
    // 1.6 §5.16: ChargePointMaxProfile only on connector 0.
    let wrong = s.set(&v16(1, 4, "ChargePointMaxProfile", 0, 1.0, "A"), t0(), None);
    assert!(
        matches!(wrong, Err(ProfileError::WrongEvse { .. })),
        "{wrong:?}"
    );
}

#[test]
fn tx_default_on_the_connector_overrules_the_one_on_connector_0() {
    let mut s = store16();
    set_ok(&mut s, v16(0, 1, "TxDefaultProfile", 5, 20.0, "A"), None);
    set_ok(&mut s, v16(1, 2, "TxDefaultProfile", 0, 12.0, "A"), None);
    assert_eq!(s.limit(1, t0(), None, 3), Some(12.0));
    assert_eq!(
        s.limit(2, t0(), None, 3),
        Some(20.0),
        "connector 0 is everyone's"
    );
}

#[test]
fn watts_become_amps_over_the_phases_used() {
    // 1.6 §3.13.5 / 2.0.1 K01: chargingRateUnit W, numberPhases.
    let mut s = store16();
    set_ok(&mut s, v16(1, 1, "TxDefaultProfile", 0, 6900.0, "W"), None);
    assert_eq!(s.limit(1, t0(), None, 3), Some(10.0));
    assert_eq!(s.limit(1, t0(), None, 1), Some(30.0));
    let mut one_phase = v16(2, 2, "TxDefaultProfile", 0, 2300.0, "W");
    one_phase["csChargingProfiles"]["chargingSchedule"]["chargingSchedulePeriod"][0]
        ["numberPhases"] = json!(1);
    set_ok(&mut s, one_phase, None);
    assert_eq!(s.limit(2, t0(), None, 3), Some(10.0));
}

#[test]
fn periods_follow_the_schedule_start() {
    // 1.6 §3.13.2: startPeriod is relative to the start of the schedule.
    let mut s = store16();
    let request = json!({
        "connectorId": 1,
        "csChargingProfiles": {
            "chargingProfileId": 7, "stackLevel": 0,
            "chargingProfilePurpose": "TxDefaultProfile", "chargingProfileKind": "Absolute",
            "validTo": "2026-06-01T12:00:00Z",
            "chargingSchedule": {
                "chargingRateUnit": "A", "startSchedule": "2026-06-01T09:00:00Z",
                "chargingSchedulePeriod": [
                    {"startPeriod": 0, "limit": 16.0}, {"startPeriod": 3600, "limit": 8.0},
                ],
            },
        },
    });
    set_ok(&mut s, request, None);
    assert_eq!(s.limit(1, t("2026-06-01T08:59:59Z"), None, 3), None);
    assert_eq!(s.limit(1, t("2026-06-01T09:00:00Z"), None, 3), Some(16.0));
    assert_eq!(s.limit(1, t("2026-06-01T10:30:00Z"), None, 3), Some(8.0));
    assert_eq!(
        s.limit(1, t("2026-06-01T12:00:00Z"), None, 3),
        None,
        "validTo"
    );
}

#[test]
fn recurring_daily_profiles_repeat() {
    let mut s = store16();
    let request = json!({
        "connectorId": 0,
        "csChargingProfiles": {
            "chargingProfileId": 8, "stackLevel": 0,
            "chargingProfilePurpose": "ChargePointMaxProfile", "chargingProfileKind": "Recurring",
            "recurrencyKind": "Daily",
            "chargingSchedule": {
                "chargingRateUnit": "A", "startSchedule": "2026-05-01T00:00:00Z",
                "duration": 86400,
                "chargingSchedulePeriod": [
                    {"startPeriod": 0, "limit": 32.0}, {"startPeriod": 64800, "limit": 10.0},
                ],
            },
        },
    });
    set_ok(&mut s, request, None);
    assert_eq!(s.limit(1, t("2026-06-01T17:59:00Z"), None, 3), Some(32.0));
    assert_eq!(s.limit(1, t("2026-06-01T18:00:00Z"), None, 3), Some(10.0));
    assert_eq!(s.limit(1, t("2026-06-02T01:00:00Z"), None, 3), Some(32.0));
}

#[test]
fn same_id_or_same_slot_replaces() {
    // 1.6 §5.16: the same id, or the same stackLevel and purpose, replaces.
    let mut s = store16();
    set_ok(&mut s, v16(1, 1, "TxDefaultProfile", 0, 20.0, "A"), None);
    set_ok(&mut s, v16(1, 1, "TxDefaultProfile", 2, 18.0, "A"), None);
    set_ok(&mut s, v16(1, 5, "TxDefaultProfile", 2, 14.0, "A"), None);
    assert_eq!(s.profiles().len(), 1);
    assert_eq!(s.limit(1, t0(), None, 3), Some(14.0));
}

#[test]
fn tx_profile_needs_a_running_transaction() {
    // 1.6 §5.16: a TxProfile without a transaction is rejected.
    let mut s = store16();
    let none = s.set(&v16(1, 1, "TxProfile", 0, 10.0, "A"), t0(), None);
    assert_eq!(none, Err(ProfileError::NoTransaction(1)));
    assert_eq!(s.set_answer(&none), json!({"status": "Rejected"}));
    let on_zero = s.set(&v16(0, 1, "TxProfile", 0, 10.0, "A"), t0(), Some(&tx()));
    assert!(matches!(on_zero, Err(ProfileError::WrongEvse { .. })));
    let mut other = v16(1, 1, "TxProfile", 0, 10.0, "A");
    other["csChargingProfiles"]["transactionId"] = json!(7);
    let other = s.set(&other, t0(), Some(&tx()));
    assert!(matches!(other, Err(ProfileError::OtherTransaction { .. })));
    assert!(s.profiles().is_empty());
}

#[test]
fn v201_tx_profile_needs_the_running_transaction_id() {
    // 2.0.1 K01.FR.03: a TxProfile without the running transactionId is rejected.
    let mut s = ProfileStore::new(OcppVersion::V201, 1);
    let missing = s.set(&v201(1, 1, "TxProfile", 0, 10.0, None), t0(), Some(&tx()));
    assert!(matches!(
        missing,
        Err(ProfileError::OtherTransaction { .. })
    ));
    let answer = s.set_answer(&missing);
    assert_eq!(answer["status"], "Rejected");
    assert_eq!(answer["statusInfo"]["reasonCode"], "TxNotFound");
    let none = s.set(&v201(1, 1, "TxProfile", 0, 10.0, Some("42")), t0(), None);
    assert_eq!(none, Err(ProfileError::NoTransaction(1)));
    let ok = s.set(
        &v201(1, 1, "TxProfile", 0, 10.0, Some("42")),
        t0(),
        Some(&tx()),
    );
    assert_eq!(ok, Ok((1, 1)));
    assert_eq!(s.set_answer(&ok), json!({"status": "Accepted"}));
    set_ok(
        &mut s,
        v201(0, 2, "ChargingStationMaxProfile", 0, 8.0, None),
        None,
    );
    assert_eq!(s.limit(1, t0(), Some(&tx()), 3), Some(8.0));
    // The 1.6 name is not a 2.0.1 purpose.
    let old = s.set(
        &v201(0, 3, "ChargePointMaxProfile", 0, 8.0, None),
        t0(),
        None,
    );
    assert!(matches!(old, Err(ProfileError::UnsupportedPurpose(_))));
}

#[test]
fn unknown_evse_and_malformed_profiles_are_rejected() {
    let mut s = store16();
    let far = s.set(&v16(3, 1, "TxDefaultProfile", 0, 10.0, "A"), t0(), None);
    assert_eq!(far, Err(ProfileError::UnknownEvse(3)));
    let mut bad = v16(1, 1, "TxDefaultProfile", 0, 10.0, "A");
    bad["csChargingProfiles"]["chargingSchedule"]["chargingSchedulePeriod"] = json!([]);
    assert!(matches!(
        s.set(&bad, t0(), None),
        Err(ProfileError::Malformed(_))
    ));
    let mut recurring = v16(1, 1, "TxDefaultProfile", 0, 10.0, "A");
    recurring["csChargingProfiles"]["chargingProfileKind"] = json!("Recurring");
    assert!(matches!(
        s.set(&recurring, t0(), None),
        Err(ProfileError::Malformed(_))
    ));
}

#[test]
fn clear_by_id_purpose_stack_or_all() {
    // 1.6 §5.5 / 2.0.1 K10: by id, or by every criterion given; Unknown when none went.
    let mut s = store16();
    let fill = |s: &mut ProfileStore| {
        set_ok(s, v16(0, 1, "ChargePointMaxProfile", 0, 32.0, "A"), None);
        set_ok(s, v16(1, 2, "TxDefaultProfile", 0, 20.0, "A"), None);
        set_ok(s, v16(1, 3, "TxDefaultProfile", 1, 10.0, "A"), None);
        set_ok(s, v16(2, 4, "TxDefaultProfile", 1, 10.0, "A"), None);
    };
    fill(&mut s);
    assert!(s.clear(&json!({"id": 3})));
    assert!(!s.clear(&json!({"id": 3})), "already gone");
    assert_eq!(s.limit(1, t0(), None, 3), Some(20.0));
    assert!(s.clear(&json!({"chargingProfilePurpose": "TxDefaultProfile", "stackLevel": 1})));
    assert_eq!(
        s.limit(2, t0(), None, 3),
        Some(32.0),
        "only the max is left on 2"
    );
    assert!(s.clear(&json!({"connectorId": 0})));
    assert_eq!(s.profiles().len(), 1);
    assert!(s.clear(&json!({})));
    assert!(s.profiles().is_empty());

    let mut s = ProfileStore::new(OcppVersion::V201, 1);
    set_ok(&mut s, v201(1, 9, "TxDefaultProfile", 2, 10.0, None), None);
    let by_stack = json!({"chargingProfileCriteria": {"evseId": 1, "stackLevel": 3}});
    assert!(!s.clear(&by_stack));
    assert!(s.clear(&json!({"chargingProfileId": 9})));
}

#[test]
fn composite_schedule_merges_the_profiles() {
    // 1.6 §5.7 / 2.0.1 K08: the limits over the window, station max included.
    let mut s = store16();
    set_ok(
        &mut s,
        v16(0, 1, "ChargePointMaxProfile", 0, 16.0, "A"),
        None,
    );
    let mut stepped = v16(1, 2, "TxDefaultProfile", 0, 20.0, "A");
    stepped["csChargingProfiles"]["chargingSchedule"]["chargingSchedulePeriod"] =
        json!([{"startPeriod": 0, "limit": 20.0}, {"startPeriod": 600, "limit": 10.0}]);
    set_ok(&mut s, stepped, None);
    let request = json!({"connectorId": 1, "duration": 3600});
    let answer = s.composite(&request, t0(), None, 3, 32.0);
    assert_eq!(answer["status"], "Accepted");
    assert_eq!(
        answer["chargingSchedule"]["chargingSchedulePeriod"],
        json!([{"startPeriod": 0, "limit": 16.0}, {"startPeriod": 600, "limit": 10.0}])
    );
    let watts = json!({"connectorId": 2, "duration": 60, "chargingRateUnit": "W"});
    let answer = s.composite(&watts, t0(), None, 3, 32.0);
    assert_eq!(
        answer["chargingSchedule"]["chargingSchedulePeriod"],
        json!([{"startPeriod": 0, "limit": 16.0 * 230.0 * 3.0}])
    );
    let unknown = s.composite(
        &json!({"connectorId": 5, "duration": 60}),
        t0(),
        None,
        3,
        32.0,
    );
    assert_eq!(unknown, json!({"status": "Rejected"}));

    let s = ProfileStore::new(OcppVersion::V201, 1);
    let answer = s.composite(&json!({"evseId": 1, "duration": 60}), t0(), None, 3, 32.0);
    assert_eq!(answer["schedule"]["evseId"], 1);
    assert_eq!(
        answer["schedule"]["chargingSchedulePeriod"],
        json!([{"startPeriod": 0, "limit": 32.0}])
    );
}
