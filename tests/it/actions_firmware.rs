//! Firmware through the API, with the Python `ocpp` station of
//! `tests/python/setters_charger.py` answering: update-firmware's install time and retry
//! settings on both versions (OCPP 2.0.1 L01, 1.6 UpdateFirmware / SignedUpdateFirmware),
//! and a local controller's publish-firmware / unpublish-firmware (2.0.1 L03, L04):
//! accepted, refused (406), CALLERROR (502), bad body (422), offline (409), 1.6 (501).

use serde_json::json;

use crate::actions_common::A;
use crate::setters_common::{ready, Station};
use ocpp_gateway::ocpp::OcppVersion;

const MD5: &str = "0123456789abcdef0123456789ABCDEF";

fn update_path(s: &Station) -> String {
    format!("{A}/v2.0/{}/update-firmware", s.cp)
}

/// L01.FR.01 (2.0.1 UpdateFirmware): firmware.installDateTime, retries and retryInterval
/// are sent as the body gave them; 1.6 UpdateFirmware carries retries and retryInterval
/// but has no install time (422 for an unsigned update that asks for one), which its
/// SignedUpdateFirmware carries.
#[tokio::test]
async fn update_firmware_sends_install_time_and_retries() {
    if !ready() {
        return;
    }
    let s = Station::start("FW201", OcppVersion::V201).await;
    let body = json!({"signed": false, "url": "https://fw.example.com/v2.bin",
        "retrieveAfter": "2030-01-01T00:00:00Z", "installDateTime": "2030-01-01T02:00:00Z",
        "retries": 3, "retryInterval": 120});
    let r = s.api.post(&update_path(&s), body.clone()).await;
    assert_eq!(r.status, 202, "{}", r.text);
    let sent = s.last_call("UpdateFirmware");
    assert_eq!(
        sent["firmware"]["installDateTime"],
        "2030-01-01T02:00:00.000Z"
    );
    assert_eq!(
        sent["firmware"]["retrieveDateTime"],
        "2030-01-01T00:00:00.000Z"
    );
    assert_eq!(
        (sent["retries"].clone(), sent["retryInterval"].clone()),
        (json!(3), json!(120))
    );

    let mut early = body.clone();
    early["installDateTime"] = json!("2029-12-31T23:00:00Z");
    let r = s.api.post(&update_path(&s), early).await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(
        r.body["errors"].get("installDateTime").is_some(),
        "{}",
        r.text
    );
    assert_eq!(s.calls("UpdateFirmware").len(), 1, "nothing sent");

    let s = Station::start("FW16", OcppVersion::V16).await;
    let r = s
        .api
        .post(
            &update_path(&s),
            json!({"signed": false, "url": "https://fw.example.com/v2.bin",
                   "retries": 2, "interval": 60}),
        )
        .await;
    assert_eq!(r.status, 202, "{}", r.text);
    let sent = s.last_call("UpdateFirmware");
    assert_eq!(
        (sent["retries"].clone(), sent["retryInterval"].clone()),
        (json!(2), json!(60))
    );
    let r = s.api.post(&update_path(&s), body).await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(
        r.body["errors"].get("installDateTime").is_some(),
        "{}",
        r.text
    );
    assert_eq!(s.calls("UpdateFirmware").len(), 1, "nothing sent");
    let r = s
        .api
        .post(
            &update_path(&s),
            json!({"signed": true, "url": "https://fw.example.com/v2.bin",
                   "signature": "c2ln", "signingCertificate": "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----",
                   "installDateTime": "2030-01-01T02:00:00Z", "retryInterval": 30}),
        )
        .await;
    assert_eq!(r.status, 202, "{}", r.text);
    let sent = s.last_call("SignedUpdateFirmware");
    assert_eq!(
        sent["firmware"]["installDateTime"],
        "2030-01-01T02:00:00.000Z"
    );
    assert_eq!(sent["retryInterval"], 30);
}

/// L03.FR.01: PublishFirmware carries location, checksum, retries, retryInterval and
/// the requestId the gateway allocated (returned in the 202 body). L04: UnpublishFirmware
/// names the checksum; Unpublished is a 202, NoFirmware a 406.
#[tokio::test]
async fn a_local_controller_publishes_and_unpublishes_firmware() {
    if !ready() {
        return;
    }
    let mut s = Station::start("LC1", OcppVersion::V201).await;
    let body = json!({"location": "https://fw.example.com/v2.bin", "checksum": MD5,
        "retries": 2, "retryInterval": 30});
    let r = s.post("publish-firmware", body.clone()).await;
    assert_eq!(r.status, 202, "{}", r.text);
    let request_id = r.body["requestId"].as_i64().expect("a request id");
    assert_eq!(
        s.last_call("PublishFirmware"),
        json!({"location": "https://fw.example.com/v2.bin", "checksum": MD5,
               "requestId": request_id, "retries": 2, "retryInterval": 30})
    );
    let r = s.post("publish-firmware", body.clone()).await;
    assert_eq!(r.status, 202, "{}", r.text);
    assert_ne!(
        r.body["requestId"], request_id,
        "a new request id each time"
    );

    s.tell("next PublishFirmware Rejected").await;
    let r = s.post("publish-firmware", body.clone()).await;
    assert_eq!(r.status, 406, "{}", r.text);
    s.tell("next PublishFirmware error").await;
    let r = s.post("publish-firmware", body.clone()).await;
    assert_eq!(r.status, 502, "{}", r.text);

    let r = s.post("unpublish-firmware", json!({"checksum": MD5})).await;
    assert_eq!(r.status, 202, "{}", r.text);
    assert_eq!(s.last_call("UnpublishFirmware"), json!({"checksum": MD5}));
    s.tell("next UnpublishFirmware NoFirmware").await;
    let r = s.post("unpublish-firmware", json!({"checksum": MD5})).await;
    assert_eq!(r.status, 406, "{}", r.text);
    assert!(r.text.contains("NoFirmware"), "{}", r.text);

    let published = s.calls("PublishFirmware").len();
    for (bad, field) in [
        (json!({"checksum": MD5}), "location"),
        (
            json!({"location": "https://x", "checksum": "abc"}),
            "checksum",
        ),
        (
            json!({"location": "https://x", "checksum": "z".repeat(32)}),
            "checksum",
        ),
        (
            json!({"location": "https://x", "checksum": MD5, "retries": 11}),
            "retries",
        ),
        (
            json!({"location": "https://x", "checksum": MD5, "retryInterval": -1}),
            "retryInterval",
        ),
    ] {
        let r = s.post("publish-firmware", bad).await;
        assert_eq!(r.status, 422, "{field}: {}", r.text);
        assert!(r.body["errors"].get(field).is_some(), "{field}: {}", r.text);
    }
    let r = s.post("unpublish-firmware", json!({})).await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert_eq!(s.calls("PublishFirmware").len(), published, "nothing sent");

    let away = s.offline_charge_point("LC-AWAY").await;
    let r = s
        .api
        .post(&format!("{A}/v1.0/{away}/publish-firmware"), body.clone())
        .await;
    assert_eq!(r.status, 409, "{}", r.text);

    let s16 = Station::start("LC16", OcppVersion::V16).await;
    let r = s16.post("publish-firmware", body).await;
    assert_eq!(r.status, 501, "{}", r.text);
    let r = s16
        .post("unpublish-firmware", json!({"checksum": MD5}))
        .await;
    assert_eq!(r.status, 501, "{}", r.text);
    assert!(s16.printed_with("CALL ").is_empty(), "nothing sent");
}
