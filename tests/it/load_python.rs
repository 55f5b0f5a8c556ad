//! Load management against an independent implementation: the Python `ocpp` package
//! (which checks every CALL it receives against the official schemas) plays a 2.0.1
//! station and a 1.6 charger (`tests/python/load_charger.py`). What is checked is what
//! reaches the charger — the CALLs it printed as they arrived — and what the gateway
//! answered it. Skipped without python3 and the packages, unless `CI` is set.

use crate::common;
use crate::load_common;

use common::python::Script;
use common::*;
use load_common::*;
use serde_json::{json, Value};

/// The SetChargingProfile CALLs the script received, in order.
fn profiles(script: &Script) -> Vec<Value> {
    script
        .lines()
        .iter()
        .filter_map(|l| l.strip_prefix("CALL SetChargingProfile "))
        .filter_map(|p| serde_json::from_str(p).ok())
        .collect()
}

fn power() -> Value {
    json!({"phases": "three_phase", "maxAmperage": 32})
}

/// 2.0.1: the station's idle EVSEs get TxDefaultProfiles sharing the circuit (K01: the
/// package accepts them as schema-valid SetChargingProfileRequests); a transaction that
/// starts gets a TxProfile naming it (K01.FR.03), and the other EVSE's default is lowered
/// before (decreases first); NotifyEVChargingNeeds on a managed EVSE is answered Accepted
/// (K15.FR.02, K15.FR.03) and followed by a TxProfile within the allowance and the
/// vehicle's maximum; on an EVSE no circuit manages it is Rejected (K15.FR.04).
#[tokio::test]
async fn a_python_station_gets_its_circuit_share_and_a_schedule_for_its_vehicles_needs() {
    if !python_ready() {
        return;
    }
    let tg = start(load_settings()).await;
    let api = api(&tg);
    let mut station = Script::start(
        "load_charger.py",
        [
            "--version",
            "2.0.1",
            "--url",
            &tg.url("LMPY201"),
            "--evses",
            "2",
        ],
    );
    station.wait_for("BOOTED").await;
    let c = circuit(&api, json!({"maxCurrent": 40})).await;
    let cp = attach(&api, c, "LMPY201", power(), None).await;
    eventually("both EVSEs get a default of 20 A", || async {
        let p = profiles(&station);
        [1, 2].iter().all(|evse| {
            p.iter().any(|p| {
                p["evseId"] == *evse
                    && p["chargingProfile"]["chargingProfilePurpose"] == "TxDefaultProfile"
                    && p["chargingProfile"]["chargingSchedule"][0]["chargingSchedulePeriod"][0]
                        ["limit"]
                        == 20.0
            })
        })
    })
    .await;
    let first = &profiles(&station)[0]["chargingProfile"];
    assert_eq!(first["stackLevel"], 8, "{first}");
    assert_eq!(first["chargingProfileKind"], "Relative", "{first}");
    assert_eq!(
        first["chargingSchedule"][0]["chargingRateUnit"], "A",
        "{first}"
    );

    let before = profiles(&station).len();
    station.tell("start 1").await;
    station.wait_for("STARTED 1 tx-1").await;
    eventually("the transaction gets a TxProfile of 32 A", || async {
        profiles(&station)[before..].iter().any(|p| {
            p["chargingProfile"]["transactionId"] == "tx-1"
                && p["chargingProfile"]["chargingProfilePurpose"] == "TxProfile"
                && p["chargingProfile"]["chargingSchedule"][0]["chargingSchedulePeriod"][0]["limit"]
                    == 32.0
        })
    })
    .await;
    let after: Vec<Value> = profiles(&station)[before..].to_vec();
    let lowered = after
        .iter()
        .position(|p| {
            p["evseId"] == 2
                && p["chargingProfile"]["chargingSchedule"][0]["chargingSchedulePeriod"][0]["limit"]
                    == 8.0
        })
        .expect("EVSE 2's default lowered to 8 A");
    let raised = after
        .iter()
        .position(|p| p["chargingProfile"]["transactionId"] == "tx-1")
        .expect("the TxProfile");
    assert!(lowered < raised, "the decrease goes first: {after:?}");

    // The vehicle asks for 16 A at most: Accepted, and a TxProfile within it follows.
    let before = profiles(&station).len();
    station.tell("needs 1 16 20000").await;
    station.wait_for("NEEDS 1 Accepted").await;
    eventually("a TxProfile of 16 A for tx-1", || async {
        profiles(&station)[before..].iter().any(|p| {
            p["chargingProfile"]["transactionId"] == "tx-1"
                && p["chargingProfile"]["chargingSchedule"][0]["chargingSchedulePeriod"][0]["limit"]
                    == 16.0
        })
    })
    .await;
    view_until(&api, c, "the allowances follow the vehicle's needs", |v| {
        allowed(v, cp, 1) == Some(16.0) && allowed(v, cp, 2) == Some(24.0)
    })
    .await;
    // The package answered every profile Accepted: nothing is marked non-compliant.
    let v = allocations(&api, c).await;
    assert_eq!(evse_field(&v, cp, 1, "compliance"), "compliant", "{v}");
    assert_eq!(evse_field(&v, cp, 1, "inForce"), 16.0, "{v}");

    // A station on no circuit: its vehicle's needs are Rejected.
    let mut alone = Script::start(
        "load_charger.py",
        ["--version", "2.0.1", "--url", &tg.url("LMPYALONE")],
    );
    alone.wait_for("BOOTED").await;
    alone.tell("start 1").await;
    alone.wait_for("STARTED 1 tx-1").await;
    alone.tell("needs 1 16 20000").await;
    alone.wait_for("NEEDS 1 Rejected").await;
    assert!(
        profiles(&alone).is_empty(),
        "no profile for an unmanaged station"
    );
}

/// 1.6: a charger without smart charging (the package answers SetChargingProfile with
/// CALLERROR NotImplemented) is marked `profile_refused` and counted at its maximum: the
/// other charger of the circuit gets what is left.
#[tokio::test]
async fn a_python_charger_without_smart_charging_is_counted_at_its_maximum() {
    if !python_ready() {
        return;
    }
    let tg = start(load_settings()).await;
    let api = api(&tg);
    let plain = Script::start(
        "load_charger.py",
        [
            "--version",
            "1.6",
            "--url",
            &tg.url("LMPY16NO"),
            "--no-profiles",
        ],
    );
    let mut good = Script::start(
        "load_charger.py",
        ["--version", "1.6", "--url", &tg.url("LMPY16OK")],
    );
    plain.wait_for("BOOTED").await;
    good.wait_for("BOOTED").await;
    let c = circuit(&api, json!({"maxCurrent": 40})).await;
    let cp_plain = attach(&api, c, "LMPY16NO", power(), None).await;
    let cp_good = attach(&api, c, "LMPY16OK", power(), None).await;
    let v = view_until(&api, c, "the charger without profiles is marked", |v| {
        evse_field(v, cp_plain, 1, "compliance") == "profile_refused"
    })
    .await;
    assert!(
        evse_field(&v, cp_plain, 1, "nonComplianceReason")
            .as_str()
            .is_some_and(|r| r.contains("NotImplemented")),
        "{v}"
    );
    good.tell("start 1").await;
    eventually("the transaction starts", || async {
        good.lines().iter().any(|l| l.starts_with("STARTED 1 "))
    })
    .await;
    let tx: i64 = good
        .lines()
        .iter()
        .find_map(|l| l.strip_prefix("STARTED 1 ")?.parse().ok())
        .expect("a 1.6 transaction id");
    view_until(&api, c, "the other gets 40 - 32 = 8 A", |v| {
        allowed(v, cp_good, 1) == Some(8.0) && allowed(v, cp_plain, 1) == Some(32.0)
    })
    .await;
    eventually(
        "the 1.6 charger got a TxProfile of 8 A for its transaction",
        || async {
            profiles(&good).iter().any(|p| {
                p["connectorId"] == 1
                    && p["csChargingProfiles"]["chargingProfilePurpose"] == "TxProfile"
                    && p["csChargingProfiles"]["transactionId"] == tx
                    && p["csChargingProfiles"]["chargingSchedule"]["chargingSchedulePeriod"][0]
                        ["limit"]
                        == 8.0
            })
        },
    )
    .await;
    // A draw within the limit keeps it compliant.
    good.tell("draw 1 8 8 8").await;
    good.wait_for("DREW 1").await;
    let v = allocations(&api, c).await;
    assert_eq!(evse_field(&v, cp_good, 1, "compliance"), "compliant", "{v}");
    drop(plain);
}
