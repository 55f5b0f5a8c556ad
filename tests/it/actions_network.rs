//! `set-network-profile` through the API, with the Python `ocpp` station of
//! `tests/python/setters_charger.py` answering (OCPP 2.0.1 B09 SetNetworkProfile): the
//! CALL carries the slot and connection data the body set, VPN and APN included, and
//! their secrets never reach the frame log; refused (406), CALLERROR (502), bad body
//! (422), offline (409), 1.6 (501).

use serde_json::{json, Value};

use crate::setters_common::{ready, Station};
use ocpp_gateway::ocpp::OcppVersion;

fn profile() -> Value {
    json!({
        "configurationSlot": 2,
        "connectionData": {
            "ocppVersion": "OCPP20",
            "ocppTransport": "JSON",
            "ocppCsmsUrl": "wss://csms.example.com/ocpp",
            "messageTimeout": 45,
            "securityProfile": 2,
            "ocppInterface": "Wireless0",
            "vpn": {"server": "vpn.example.com", "user": "station", "password": "vpn-pw",
                    "key": "vpn-shared-key", "type": "IKEv2"},
            "apn": {"apn": "internet.example", "apnUserName": "u", "apnPassword": "apn-pw",
                    "simPin": 1234, "apnAuthentication": "CHAP"},
        }
    })
}

/// B09.FR.01: SetNetworkProfile carries configurationSlot and the NetworkConnectionProfile
/// as given (ocppVersion, ocppTransport, ocppCsmsUrl, messageTimeout, securityProfile,
/// ocppInterface, vpn, apn); Accepted is a 202. B09.FR.02: Rejected is a 406; a
/// CALLERROR a 502. The VPN and APN secrets are redacted in the frame log.
#[tokio::test]
async fn network_profiles_are_sent_as_given() {
    if !ready() {
        return;
    }
    let mut s = Station::start("NET1", OcppVersion::V201).await;
    let r = s.post("set-network-profile", profile()).await;
    assert_eq!(r.status, 202, "{}", r.text);
    let sent = s.last_call("SetNetworkProfile");
    assert_eq!(sent, profile());

    // A profile without VPN or APN, over ws for profile 1.
    let plain = json!({"configurationSlot": 0, "connectionData": {
        "ocppVersion": "OCPP20", "ocppTransport": "JSON", "ocppCsmsUrl": "ws://csms.example.com/ocpp",
        "messageTimeout": 30, "securityProfile": 1, "ocppInterface": "Wired0"}});
    let r = s.post("set-network-profile", plain.clone()).await;
    assert_eq!(r.status, 202, "{}", r.text);
    assert_eq!(s.last_call("SetNetworkProfile"), plain);

    let frames = s
        .api
        .get(&format!(
            "/public-api/resources/charge-points/v2.0/{}/frames",
            s.cp
        ))
        .await;
    assert_eq!(frames.status, 200, "{}", frames.text);
    for secret in ["vpn-pw", "vpn-shared-key", "apn-pw", "1234"] {
        assert!(
            !frames.text.contains(secret),
            "{secret} in the frame log: {}",
            frames.text
        );
    }
    assert!(frames.text.contains("vpn.example.com"), "{}", frames.text);

    s.tell("next SetNetworkProfile Rejected").await;
    let r = s.post("set-network-profile", profile()).await;
    assert_eq!(r.status, 406, "{}", r.text);
    assert!(r.text.contains("Rejected"), "{}", r.text);
    s.tell("next SetNetworkProfile error").await;
    let r = s.post("set-network-profile", profile()).await;
    assert_eq!(r.status, 502, "{}", r.text);
}

/// A body the station could not use is a 422 naming the field, and nothing is sent;
/// a charge point not connected is a 409; 1.6 has no SetNetworkProfile: 501.
#[tokio::test]
async fn network_profile_refusals() {
    if !ready() {
        return;
    }
    let s = Station::start("NET2", OcppVersion::V201).await;
    let with = |pointer: &str, v: Value| {
        let mut p = profile();
        let (parent, key) = pointer.rsplit_once('/').expect("a pointer");
        p.pointer_mut(parent).expect("pointer")[key] = v;
        p
    };
    let cases = [
        (with("/configurationSlot", json!(-1)), "configurationSlot"),
        (
            json!({"connectionData": profile()["connectionData"]}),
            "configurationSlot",
        ),
        (json!({"configurationSlot": 1}), "connectionData"),
        (
            with("/connectionData/ocppVersion", json!("OCPP21")),
            "connectionData.ocppVersion",
        ),
        (
            with("/connectionData/ocppInterface", json!("Fiber")),
            "connectionData.ocppInterface",
        ),
        (
            with("/connectionData/ocppCsmsUrl", json!("https://x")),
            "connectionData.ocppCsmsUrl",
        ),
        (
            with("/connectionData/ocppCsmsUrl", json!("ws://plain")),
            "connectionData.ocppCsmsUrl",
        ),
        (
            with("/connectionData/securityProfile", json!(4)),
            "connectionData.securityProfile",
        ),
        (
            with("/connectionData/messageTimeout", json!(0)),
            "connectionData.messageTimeout",
        ),
        (
            with("/connectionData/vpn/type", json!("WireGuard")),
            "connectionData.vpn.type",
        ),
        (
            with("/connectionData/vpn/user", json!("u".repeat(21))),
            "connectionData.vpn.user",
        ),
        (
            with("/connectionData/apn/preferredNetwork", json!("1234567")),
            "connectionData.apn.preferredNetwork",
        ),
    ];
    for (body, field) in cases {
        let r = s.post("set-network-profile", body).await;
        assert_eq!(r.status, 422, "{field}: {}", r.text);
        assert!(r.body["errors"].get(field).is_some(), "{field}: {}", r.text);
    }
    assert!(s.calls("SetNetworkProfile").is_empty(), "nothing sent");

    let away = s.offline_charge_point("NET-AWAY").await;
    let r = s
        .api
        .post(
            &format!(
                "{}/v1.0/{away}/set-network-profile",
                crate::actions_common::A
            ),
            profile(),
        )
        .await;
    assert_eq!(r.status, 409, "{}", r.text);

    let s16 = Station::start("NET16", OcppVersion::V16).await;
    let r = s16.post("set-network-profile", profile()).await;
    assert_eq!(r.status, 501, "{}", r.text);
    assert!(s16.printed_with("CALL ").is_empty(), "nothing sent");
}
