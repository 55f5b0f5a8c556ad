//! Actions that name a finer target than the whole charge point, received by the Python
//! `ocpp` charger of `tests/python/targets_charger.py` (which checks each CALL against
//! the official schema; the test checks it again and reads its fields):
//! - reset of one EVSE (OCPP 2.0.1 B11.FR.xx/B12: `evseId`; 1.6 resets only the whole
//!   charge point: 501);
//! - availability of one connector (2.0.1 G03/G04: `evse.connectorId`; 1.6 numbers
//!   connectors as EVSEs: 422 naming `connectorId`);
//! - a remote start with an id token type and a group id token (2.0.1 F01.FR.xx
//!   RequestStartTransaction `idToken.type`, `groupIdToken`; 1.6 has neither: 422);
//! - a trigger about one connector (2.0.1 F06.FR.xx TriggerMessage `evse.connectorId`;
//!   1.6 `connectorId` is the EVSE);
//! - certificate ids of several types at once (2.0.1 M03 `certificateType` list; 1.6
//!   security extension: one GetInstalledCertificateIds per type);
//! - several configuration keys in one request (1.6 §5.3: one ChangeConfiguration per
//!   key, each answered with its own status);
//! - the record of the charging profiles the gateway sent, a profile replacing the one
//!   of the same EVSE, purpose and stack level (1.6 §3.13.2, 2.0.1 K01.FR.05);
//! - every trigger of each version (1.6 §5.17 TriggerMessage and the security
//!   extension's ExtendedTriggerMessage; 2.0.1 F06 MessageTriggerEnumType), a trigger a
//!   version lacks answered 501 with nothing sent;
//! - cancelling any reservation the charger holds by its id (1.6 §5.2, 2.0.1 H02), a
//!   refusal answered 406.

use crate::actions_common;
use crate::common;

use actions_common::{charge_point_id, A};
use common::python::Script;
use common::reference::Api;
use common::*;
use ocpp_gateway::ocpp::OcppVersion;
use serde_json::{json, Value};

/// The Python charger and the CALLs it printed.
struct Charger {
    py: Script,
    version: OcppVersion,
}

impl Charger {
    async fn start(tg: &TestGateway, version: OcppVersion, identity: &str) -> Charger {
        let v = match version {
            OcppVersion::V16 => "1.6",
            OcppVersion::V201 => "2.0.1",
        };
        let url = tg.url(identity);
        let py = Script::start(
            "targets_charger.py",
            [
                "--version",
                v,
                "--url",
                url.as_str(),
                "--reservations",
                "77",
            ],
        );
        py.wait_for("BOOTED").await;
        Charger { py, version }
    }

    fn lines(&self) -> Vec<String> {
        self.py.lines()
    }

    /// The CALLs received, each checked against the official request schema.
    fn calls(&self) -> Vec<(String, Value)> {
        self.lines()
            .iter()
            .filter_map(|l| {
                let (action, payload) = l.strip_prefix("CALL ")?.split_once(' ')?;
                let payload: Value = serde_json::from_str(payload).ok()?;
                schema::validate(self.version, action, false, &payload)
                    .unwrap_or_else(|e| panic!("{action}: {e}"));
                Some((action.to_owned(), payload))
            })
            .collect()
    }

    /// The payload of the `n`th (from 0) CALL of `action`, once it arrived.
    async fn nth(&self, action: &str, n: usize) -> Value {
        eventually(&format!("{action} #{n} arrives"), || async {
            self.calls().iter().filter(|(a, _)| a == action).count() > n
        })
        .await;
        self.calls()
            .into_iter()
            .filter(|(a, _)| a == action)
            .nth(n)
            .map(|(_, p)| p)
            .expect("the call")
    }

    fn count(&self, action: &str) -> usize {
        self.calls().iter().filter(|(a, _)| a == action).count()
    }
}

/// Waits until a ClearCache sent now arrived: what the gateway sent before has too.
async fn barrier(api: &Api, clear_cache: &str, c: &Charger) {
    let before = c.count("ClearCache");
    let r = api.post(clear_cache, json!({})).await;
    assert_eq!(r.status, 202, "{}", r.text);
    c.nth("ClearCache", before).await;
}

async fn rig(version: OcppVersion, identity: &str) -> Option<(TestGateway, Api, Charger, i64)> {
    if !python_ready() {
        return None;
    }
    let mut s = settings();
    s.local_list.enabled = false;
    let tg = start(s).await;
    let token = tg.gw.api_tokens().first().expect("a token").clone();
    let api = Api::new(tg.gw.api_addr(), Some(&token));
    let c = Charger::start(&tg, version, identity).await;
    let cp = charge_point_id(&api, identity).await;
    Some((tg, api, c, cp))
}

#[tokio::test]
async fn v201_actions_reach_one_evse_or_connector() {
    let Some((_tg, api, c, cp)) = rig(OcppVersion::V201, "TGT201").await else {
        return;
    };
    let at = |tail: &str| format!("{A}/{tail}").replace("{cp}", &cp.to_string());

    // Reset: without a body the station, with evseNetworkId that EVSE.
    let r = api.post(&at("v1.0/{cp}/reset/soft"), json!({})).await;
    assert_eq!(r.status, 202, "{}", r.text);
    let p = c.nth("Reset", 0).await;
    assert_eq!(p, json!({"type": "OnIdle"}));
    let r = api
        .post(&at("v1.0/{cp}/reset/hard"), json!({"evseNetworkId": 1}))
        .await;
    assert_eq!(r.status, 202, "{}", r.text);
    assert_eq!(
        c.nth("Reset", 1).await,
        json!({"type": "Immediate", "evseId": 1})
    );

    // Availability of connector 1 of EVSE 1.
    let r = api
        .post(
            &at("v1.0/{cp}/change-availability"),
            json!({"type": "Inoperative", "evseNetworkId": 1, "connectorId": 1}),
        )
        .await;
    assert_eq!(r.status, 202, "{}", r.text);
    assert_eq!(
        c.nth("ChangeAvailability", 0).await,
        json!({"operationalStatus": "Inoperative", "evse": {"id": 1, "connectorId": 1}})
    );
    // A connector without its EVSE cannot be named.
    let r = api
        .post(
            &at("v1.0/{cp}/change-availability"),
            json!({"type": "Operative", "connectorId": 1}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(r.text.contains("connectorId"), "{}", r.text);

    // A start with a typed token and a group.
    let r = api
        .post(
            &at("v1.0/{cp}/start/1"),
            json!({"idTag": "04A1B2C3", "idTokenType": "ISO14443", "groupIdToken": "FLEET-7"}),
        )
        .await;
    assert_eq!(r.status, 202, "{}", r.text);
    let p = c.nth("RequestStartTransaction", 0).await;
    assert_eq!(
        p["idToken"],
        json!({"idToken": "04A1B2C3", "type": "ISO14443"})
    );
    assert_eq!(
        p["groupIdToken"],
        json!({"idToken": "FLEET-7", "type": "Central"})
    );
    assert_eq!(p["evseId"], 1);
    // Without a type the token is Central, as before.
    let r = api
        .post(&at("v1.0/{cp}/start/1"), json!({"idTag": "PLAIN"}))
        .await;
    assert_eq!(r.status, 202, "{}", r.text);
    let p = c.nth("RequestStartTransaction", 1).await;
    assert_eq!(p["idToken"]["type"], "Central");
    assert!(p.get("groupIdToken").is_none(), "{p}");
    for (body, field) in [
        (
            json!({"idTag": "X", "idTokenType": "Barcode"}),
            "idTokenType",
        ),
        (json!({"idTag": "X", "groupIdToken": ""}), "groupIdToken"),
    ] {
        let r = api.post(&at("v1.0/{cp}/start/1"), body.clone()).await;
        assert_eq!(r.status, 422, "{body}: {}", r.text);
        assert!(r.text.contains(field), "{body}: {}", r.text);
    }
    assert_eq!(c.count("RequestStartTransaction"), 2);

    // Cancel a reservation the charger holds but this API never made (id 77): 202;
    // one it does not hold: 406 with its status.
    let r = api
        .post(
            &at("v1.0/{cp}/cancel-reservation"),
            json!({"reservationId": 77}),
        )
        .await;
    assert_eq!(r.status, 202, "{}", r.text);
    assert_eq!(
        c.nth("CancelReservation", 0).await,
        json!({"reservationId": 77})
    );
    let r = api
        .post(
            &at("v1.0/{cp}/cancel-reservation"),
            json!({"reservationId": 78}),
        )
        .await;
    assert_eq!(r.status, 406, "{}", r.text);
    assert!(r.text.contains("Rejected"), "{}", r.text);
    let r = api
        .post(
            &at("v1.0/{cp}/cancel-reservation"),
            json!({"reservationId": "x"}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
}

#[tokio::test]
async fn v16_refuses_what_it_cannot_express() {
    let Some((_tg, api, c, cp)) = rig(OcppVersion::V16, "TGT16").await else {
        return;
    };
    let at = |tail: &str| format!("{A}/{tail}").replace("{cp}", &cp.to_string());

    // 1.6 Reset restarts the whole charge point: one EVSE is 501; none is sent.
    let r = api
        .post(&at("v1.0/{cp}/reset/soft"), json!({"evseNetworkId": 1}))
        .await;
    assert_eq!(r.status, 501, "{}", r.text);
    let r = api.post(&at("v1.0/{cp}/reset/soft"), json!({})).await;
    assert_eq!(r.status, 202, "{}", r.text);
    assert_eq!(c.nth("Reset", 0).await, json!({"type": "Soft"}));

    // A connector is an EVSE in 1.6.
    let r = api
        .post(
            &at("v1.0/{cp}/change-availability"),
            json!({"type": "Inoperative", "evseNetworkId": 1, "connectorId": 1}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(r.text.contains("connectorId"), "{}", r.text);

    // No token types or groups in a 1.6 remote start; Central is the plain id tag.
    for (body, field) in [
        (
            json!({"idTag": "X", "idTokenType": "ISO14443"}),
            "idTokenType",
        ),
        (
            json!({"idTag": "X", "groupIdToken": "FLEET-7"}),
            "groupIdToken",
        ),
    ] {
        let r = api.post(&at("v1.0/{cp}/start/1"), body.clone()).await;
        assert_eq!(r.status, 422, "{body}: {}", r.text);
        assert!(r.text.contains(field), "{body}: {}", r.text);
    }
    let r = api
        .post(
            &at("v1.0/{cp}/start/1"),
            json!({"idTag": "PLAIN16", "idTokenType": "Central"}),
        )
        .await;
    assert_eq!(r.status, 202, "{}", r.text);
    assert_eq!(
        c.nth("RemoteStartTransaction", 0).await,
        json!({"idTag": "PLAIN16", "connectorId": 1})
    );

    let r = api
        .post(
            &at("v1.0/{cp}/cancel-reservation"),
            json!({"reservationId": 77}),
        )
        .await;
    assert_eq!(r.status, 202, "{}", r.text);
    assert_eq!(
        c.nth("CancelReservation", 0).await,
        json!({"reservationId": 77})
    );
    let r = api
        .post(
            &at("v1.0/{cp}/trigger-message"),
            json!({"type": "StatusNotification", "evseNetworkId": 1}),
        )
        .await;
    assert_eq!(r.status, 202, "{}", r.text);
    assert_eq!(
        c.nth("TriggerMessage", 0).await,
        json!({"requestedMessage": "StatusNotification", "connectorId": 1})
    );
    let r = api
        .post(
            &at("v1.0/{cp}/trigger-message"),
            json!({"type": "StatusNotification", "evseNetworkId": 1, "connectorId": 1}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
    // Several certificate types: one call per type, in the order given.
    let types = json!({"certificateType": "CSMSRootCertificate",
        "certificateTypes": ["ManufacturerRootCertificate", "CSMSRootCertificate"]});
    let r = api.post(&at("v2.0/{cp}/sync-certificates"), types).await;
    assert_eq!(r.status, 202, "{}", r.text);
    assert_eq!(
        c.nth("GetInstalledCertificateIds", 0).await,
        json!({"certificateType": "CentralSystemRootCertificate"})
    );
    assert_eq!(
        c.nth("GetInstalledCertificateIds", 1).await,
        json!({"certificateType": "ManufacturerRootCertificate"})
    );
    barrier(&api, &at("v1.0/{cp}/clear-cache"), &c).await;
    assert_eq!(c.count("GetInstalledCertificateIds"), 2);

    // Several keys: one ChangeConfiguration each, in order, each with its status.
    let r = api
        .post(
            &at("v2.0/{cp}/set-configurations"),
            json!({"variables": [
                {"name": "HeartbeatInterval", "value": "120"},
                {"name": "ConnectionTimeOut", "value": "30"},
                {"name": "VendorThing", "value": "x"},
            ]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.body["results"],
        json!([
            {"key": "HeartbeatInterval", "status": "Accepted"},
            {"key": "ConnectionTimeOut", "status": "Rejected"},
            {"key": "VendorThing", "status": "NotSupported"},
        ])
    );
    let mut sent = Vec::new();
    for i in 0..3 {
        sent.push(c.nth("ChangeConfiguration", i).await);
    }
    assert_eq!(sent[0], json!({"key": "HeartbeatInterval", "value": "120"}));
    assert_eq!(sent[2], json!({"key": "VendorThing", "value": "x"}));
    assert_eq!(c.count("Reset"), 1);
    assert_eq!(c.count("ChangeAvailability"), 0);
    assert_eq!(c.count("TriggerMessage"), 1);
}

/// Profiles of the same EVSE, purpose and stack level replace each other on the charger
/// (1.6 §3.13.2, 2.0.1 K01.FR.05); the gateway's record follows, keeps a refused one as
/// `rejected`, and a clear marks the applied ones `cleared`.
async fn profiles_are_kept_and_replaced(version: OcppVersion, identity: &str) {
    let Some((_tg, api, c, cp)) = rig(version, identity).await else {
        return;
    };
    let at = |tail: &str| format!("{A}/v1.0/{cp}/{tail}");
    let list = format!("/public-api/resources/charge-points/v2.0/{cp}/charging-profiles");
    let profile = |stack: i64, limit: i64| {
        json!({"stackLevel": stack, "chargingProfilePurpose": "TxDefaultProfile",
            "chargingProfileKind": "Absolute",
            "chargingSchedule": {"chargingRateUnit": "A", "startSchedule": "2026-01-01T00:00:00Z",
                "chargingSchedulePeriod": [{"startPeriod": 0, "limit": limit}]}})
    };
    for (stack, limit, status) in [(1, 32, 202), (1, 16, 202), (9, 10, 406), (2, 20, 202)] {
        let r = api
            .post(&at("set-charging-profile/1"), profile(stack, limit))
            .await;
        assert_eq!(r.status, status, "{}", r.text);
    }
    assert_eq!(c.count("SetChargingProfile"), 4);
    let r = api.get(&list).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let rows: Vec<(i64, String)> = r.body["data"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|p| {
            (
                p["stackLevel"].as_i64().unwrap_or(-1),
                p["status"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            (1, "replaced".to_owned()),
            (1, "applied".to_owned()),
            (9, "rejected".to_owned()),
            (2, "applied".to_owned()),
        ]
    );
    assert_eq!(
        r.body["data"][1]["profile"]["chargingSchedule"]["chargingSchedulePeriod"][0]["limit"]
            .as_f64(),
        Some(16.0)
    );
    assert_eq!(r.body["data"][1]["evseNetworkId"], 1);
    let r = api.get(&format!("{list}?filter[status]=applied")).await;
    assert_eq!(
        r.body["data"].as_array().map(Vec::len),
        Some(2),
        "{}",
        r.text
    );

    // A clear of stack level 2 marks that one cleared, and only that one.
    let r = api
        .post(&at("clear-charging-profile"), json!({"stackLevel": 2}))
        .await;
    assert_eq!(r.status, 202, "{}", r.text);
    let r = api.get(&format!("{list}?filter[status]=cleared")).await;
    let cleared: Vec<i64> = r.body["data"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p["stackLevel"].as_i64())
        .collect();
    assert_eq!(cleared, [2], "{}", r.text);
    let r = api
        .get("/public-api/resources/charge-points/v2.0/999999/charging-profiles")
        .await;
    assert_eq!(r.status, 404, "{}", r.text);
}

#[tokio::test]
async fn v16_profiles_are_kept_and_replaced() {
    profiles_are_kept_and_replaced(OcppVersion::V16, "PROF16").await;
}

#[tokio::test]
async fn v201_profiles_are_kept_and_replaced() {
    profiles_are_kept_and_replaced(OcppVersion::V201, "PROF201").await;
}

/// The platform's trigger names and what each becomes: (1.6 call and name, 2.0.1 name);
/// None where the version has no such trigger.
/// A 1.6 trigger: the call and the name it carries.
type V16Trigger = Option<(&'static str, &'static str)>;

const TRIGGERS: &[(&str, V16Trigger, Option<&str>)] = &[
    (
        "BootNotification",
        Some(("TriggerMessage", "BootNotification")),
        Some("BootNotification"),
    ),
    (
        "DiagnosticsStatusNotification",
        Some(("TriggerMessage", "DiagnosticsStatusNotification")),
        None,
    ),
    (
        "FirmwareStatusNotification",
        Some(("TriggerMessage", "FirmwareStatusNotification")),
        Some("FirmwareStatusNotification"),
    ),
    (
        "Heartbeat",
        Some(("TriggerMessage", "Heartbeat")),
        Some("Heartbeat"),
    ),
    (
        "MeterValues",
        Some(("TriggerMessage", "MeterValues")),
        Some("MeterValues"),
    ),
    (
        "StatusNotification",
        Some(("TriggerMessage", "StatusNotification")),
        Some("StatusNotification"),
    ),
    (
        "LogStatusNotification",
        Some(("ExtendedTriggerMessage", "LogStatusNotification")),
        Some("LogStatusNotification"),
    ),
    (
        "SignChargingStationCertificate",
        Some(("ExtendedTriggerMessage", "SignChargePointCertificate")),
        Some("SignChargingStationCertificate"),
    ),
    ("SignV2GCertificate", None, Some("SignV2GCertificate")),
    (
        "SignCombinedCertificate",
        None,
        Some("SignCombinedCertificate"),
    ),
    (
        "PublishFirmwareStatusNotification",
        None,
        Some("PublishFirmwareStatusNotification"),
    ),
    ("TransactionEvent", None, Some("TransactionEvent")),
];

async fn every_trigger(version: OcppVersion, identity: &str) {
    let Some((_tg, api, c, cp)) = rig(version, identity).await else {
        return;
    };
    let path = format!("{A}/v1.0/{cp}/trigger-message");
    let v16 = version == OcppVersion::V16;
    let mut sent = std::collections::HashMap::<&str, usize>::new();
    for (name, on16, on201) in TRIGGERS {
        let expected = if v16 {
            *on16
        } else {
            on201.map(|wire| ("TriggerMessage", wire))
        };
        let r = api.post(&path, json!({"type": name})).await;
        match expected {
            Some((call, wire)) => {
                assert_eq!(r.status, 202, "{version} {name}: {}", r.text);
                let n = sent.entry(call).or_default();
                let p = c.nth(call, *n).await;
                *n += 1;
                assert_eq!(p["requestedMessage"], wire, "{version} {name}");
            }
            None => assert_eq!(r.status, 501, "{version} {name}: {}", r.text),
        }
    }
    barrier(&api, &format!("{A}/v1.0/{cp}/clear-cache"), &c).await;
    let calls = c.count("TriggerMessage") + c.count("ExtendedTriggerMessage");
    assert_eq!(
        calls,
        sent.values().sum::<usize>(),
        "a 501 reached the charger"
    );
}

#[tokio::test]
async fn v16_every_trigger() {
    every_trigger(OcppVersion::V16, "TRIG16").await;
}

#[tokio::test]
async fn v201_every_trigger() {
    every_trigger(OcppVersion::V201, "TRIG201").await;
}
