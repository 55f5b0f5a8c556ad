//! Registration at boot, with a Python `ocpp` charger (1.6 and 2.0.1) that checks every
//! answer against the official schemas: a charger auto-registered under
//! `ocpp.boot_policy = "pending-new"` is held Pending (it may be configured, not used) until
//! the API accepts it; one the API `disabled` is Rejected. While not accepted, the
//! charger's other messages get CALLERROR SecurityError and the API's other actions are
//! refused with 409 before anything reaches the charger.

use crate::actions_common;
use crate::common;
use crate::policy_common;

use std::time::Duration;

use actions_common::{charge_point_id, A};
use common::reference::Api;
use common::*;
use ocpp_gateway::config::BootPolicy;
use policy_common::{python_ready, PyCharger};
use serde_json::json;

fn pending_settings() -> ocpp_gateway::config::Settings {
    let mut s = settings();
    s.ocpp.boot_policy = BootPolicy::PendingNew;
    s.ocpp.boot_retry_interval = Duration::from_secs(45);
    s
}

fn api_of(tg: &TestGateway) -> Api {
    let token = tg.gw.api_tokens().first().expect("a token").clone();
    Api::new(tg.gw.api_addr(), Some(&token))
}

fn status_payload(version: &str) -> serde_json::Value {
    if version == "1.6" {
        json!({"connectorId": 1, "errorCode": "NoError", "status": "Available"})
    } else {
        json!({"timestamp": "2026-12-03T10:00:00Z", "connectorStatus": "Available", "evseId": 1, "connectorId": 1})
    }
}

/// A new charger is held Pending, configured, then accepted through the API.
async fn a_new_charger_is_held_pending_until_accepted(version: &str, identity: &str) {
    if !python_ready() {
        return;
    }
    let tg = start(pending_settings()).await;
    let api = api_of(&tg);
    let mut c = PyCharger::start(version, &tg.url(identity)).await;

    // B02 / 1.6 §4.2: Pending, with the retry interval.
    let boot = c.send("BootNotification", None).await;
    assert_eq!(boot["result"]["status"], "Pending", "{boot}");
    assert_eq!(boot["result"]["interval"], 45, "{boot}");
    let cp = charge_point_id(&api, identity).await;
    let read = api
        .get(&format!("/public-api/resources/charge-points/v2.0/{cp}"))
        .await;
    assert_eq!(
        read.body["data"]["registration"], "pending",
        "{}",
        read.text
    );

    // B02.FR.09: an unsolicited message before Accepted is a SecurityError.
    let refused = c
        .send("StatusNotification", Some(status_payload(version)))
        .await;
    assert_eq!(refused["error"], "SecurityError", "{refused}");

    // B02.FR.05 / 1.6 §4.2: no remote start while Pending; the charger never sees it.
    let start = api
        .post(&format!("{A}/v1.0/{cp}/start/1"), json!({"idTag": "TAG-P"}))
        .await;
    assert_eq!(start.status, 409, "{}", start.text);
    let reset = api
        .post(&format!("{A}/v1.0/{cp}/reset/soft"), json!({}))
        .await;
    assert_eq!(reset.status, 409, "{}", reset.text);

    // B02.FR.01: the central system may ask for what it needs: a triggered message is
    // allowed through.
    let trigger = api
        .post(
            &format!("{A}/v1.0/{cp}/trigger-message"),
            json!({"type": "StatusNotification"}),
        )
        .await;
    assert_eq!(trigger.status, 202, "{}", trigger.text);
    let asked = c
        .send("StatusNotification", Some(status_payload(version)))
        .await;
    assert!(asked.get("result").is_some(), "{asked}");

    // The operator accepts it: the gateway asks for a BootNotification (TriggerMessage),
    // which is now Accepted with the heartbeat interval.
    let patched = api
        .patch(
            &format!("/public-api/resources/charge-points/v2.0/{cp}"),
            json!({"registration": "accepted"}),
        )
        .await;
    assert_eq!(patched.status, 200, "{}", patched.text);
    assert_eq!(patched.body["data"]["registration"], "accepted");
    let reboot = c.wait_for(|v| v["sent"] == "BootNotification").await;
    assert_eq!(reboot["result"]["status"], "Accepted", "{reboot}");
    assert_eq!(reboot["result"]["interval"], 300, "{reboot}");
    let triggered: Vec<_> = c
        .seen
        .iter()
        .filter(|v| v["received"] == "TriggerMessage")
        .map(|v| v["payload"]["requestedMessage"].clone())
        .collect();
    assert_eq!(
        triggered,
        vec![json!("StatusNotification"), json!("BootNotification")]
    );
    let ok = c
        .send("StatusNotification", Some(status_payload(version)))
        .await;
    assert!(ok.get("result").is_some(), "{ok}");
    assert!(
        !c.received()
            .iter()
            .any(|a| a.contains("Start") || a == "Reset"),
        "{:?}",
        c.received()
    );
}

/// OCPP 2.0.1 B02.FR.01/05/09 and the accepting TriggerMessage BootNotification: a user
/// provisions a new station while it is Pending, then accepts it.
#[tokio::test]
async fn v201_new_station_is_pending_until_the_api_accepts_it() {
    a_new_charger_is_held_pending_until_accepted("2.0.1", "BOOT-P201").await;
}

/// OCPP 1.6 §4.2 (Pending: no RemoteStart; the charge point sends only what it is asked
/// for) and SecurityError for anything else.
#[tokio::test]
async fn v16_new_charge_point_is_pending_until_the_api_accepts_it() {
    a_new_charger_is_held_pending_until_accepted("1.6", "BOOT-P16").await;
}

/// A charge point the API `disabled` is Rejected with the retry interval (OCPP 2.0.1
/// B03, 1.6 §4.2); nothing is sent to it (B03.FR.03) and its messages are SecurityError
/// (B03.FR.07); enabled again, its next boot is Accepted.
async fn a_disabled_charger_is_rejected(version: &str, identity: &str) {
    if !python_ready() {
        return;
    }
    let tg = start(settings()).await;
    let api = api_of(&tg);
    let protocol = if version == "1.6" {
        "ocpp 1.6"
    } else {
        "ocpp 2.0.1"
    };
    let created = api
        .post(
            "/public-api/resources/charge-points/v2.0",
            json!({"name": identity, "status": "disabled", "network": {"id": identity, "protocol": protocol}}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let cp = created.body["data"]["id"].as_i64().expect("id");
    let mut c = PyCharger::start(version, &tg.url(identity)).await;
    let boot = c.send("BootNotification", None).await;
    assert_eq!(boot["result"]["status"], "Rejected", "{boot}");
    assert_eq!(boot["result"]["interval"], 60, "{boot}");
    let hb = c.send("Heartbeat", Some(json!({}))).await;
    assert_eq!(hb["error"], "SecurityError", "{hb}");
    let trigger = api
        .post(
            &format!("{A}/v1.0/{cp}/trigger-message"),
            json!({"type": "Heartbeat"}),
        )
        .await;
    assert_eq!(trigger.status, 409, "{}", trigger.text);

    let enabled = api
        .patch(
            &format!("/public-api/resources/charge-points/v2.0/{cp}"),
            json!({"status": "enabled"}),
        )
        .await;
    assert_eq!(enabled.status, 200, "{}", enabled.text);
    let boot = c.send("BootNotification", None).await;
    assert_eq!(boot["result"]["status"], "Accepted", "{boot}");
    let hb = c.send("Heartbeat", Some(json!({}))).await;
    assert!(hb["result"]["currentTime"].is_string(), "{hb}");
    assert!(c.received().is_empty(), "{:?}", c.received());
}

#[tokio::test]
async fn v201_disabled_station_is_rejected() {
    a_disabled_charger_is_rejected("2.0.1", "BOOT-R201").await;
}

#[tokio::test]
async fn v16_disabled_charge_point_is_rejected() {
    a_disabled_charger_is_rejected("1.6", "BOOT-R16").await;
}

/// The default policy accepts an auto-registered charger, and a charger that reconnects
/// without a BootNotification (allowed once accepted) is served: no SecurityError
/// without a non-Accepted answer on the connection (B01.FR.10's precondition).
#[tokio::test]
async fn the_default_accepts_and_a_charger_without_boot_is_served() {
    let tg = start(settings()).await;
    let mut c = charger(&tg, "BOOT-A", "ocpp2.0.1").await;
    let hb = c.call("Heartbeat", json!({})).await;
    assert!(hb["currentTime"].is_string(), "{hb}");
    let boot = c
        .call(
            "BootNotification",
            json!({"reason": "PowerUp", "chargingStation": {"vendorName": "V", "model": "M"}}),
        )
        .await;
    assert_eq!(boot["status"], "Accepted", "{boot}");
    assert_eq!(boot["interval"], 300);
}
