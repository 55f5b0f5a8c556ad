//! A charger's DataTransfer is answered for what the central system implements: the
//! vendor ids and message ids configured in `ocpp.data_transfer_vendors` are forwarded to
//! the platform (`chargePoint.dataTransferReceived`) and answered Accepted; any other
//! vendor gets `UnknownVendorId`, any other message of a known vendor `UnknownMessageId`,
//! and reaches no webhook. A Python `ocpp` charger (schema-checking every answer) sends
//! them, in 1.6 and 2.0.1.

use crate::common;
use crate::notify_common;
use crate::policy_common;

use std::time::Duration;

use common::*;
use notify_common::{cp_id, gateway_settings, of_cp, subscribe, within, Mode, Receiver};
use ocpp_gateway::domain::notification::DATA_TRANSFER;
use policy_common::{python_ready, PyCharger};
use serde_json::{json, Value};

async fn status_of(c: &mut PyCharger, vendor: &str, message: Option<&str>) -> Value {
    let mut payload = json!({"vendorId": vendor, "data": "hello"});
    if let Some(m) = message {
        payload["messageId"] = json!(m);
    }
    let answer = c.send("DataTransfer", Some(payload)).await;
    answer["result"]["status"].clone()
}

async fn vendors_decide_the_answer(version: &str, identity: &str) {
    if !python_ready() {
        return;
    }
    let mut s = gateway_settings();
    s.ocpp.data_transfer_vendors = vec!["com.acme".into(), "org.example/Price".into()];
    let tg = start(s).await;
    let rx = Receiver::start(Mode::Ok).await;
    subscribe(tg.gw.api_addr(), &rx.url, &[DATA_TRANSFER]).await;
    let mut c = PyCharger::start(version, &tg.url(identity)).await;
    let boot = c.send("BootNotification", None).await;
    assert_eq!(boot["result"]["status"], "Accepted", "{boot}");

    assert_eq!(status_of(&mut c, "com.acme", Some("Any")).await, "Accepted");
    assert_eq!(
        status_of(&mut c, "org.example", Some("Price")).await,
        "Accepted"
    );
    assert_eq!(
        status_of(&mut c, "org.example", Some("Tariff")).await,
        "UnknownMessageId"
    );
    assert_eq!(
        status_of(&mut c, "com.unknown", None).await,
        "UnknownVendorId"
    );
    // The last one is handled again: what arrives afterwards is all that was forwarded.
    assert_eq!(status_of(&mut c, "com.acme", None).await, "Accepted");

    let cp = cp_id(&tg, identity).await;
    within(
        Duration::from_secs(10),
        "three forwarded data transfers",
        || async { of_cp(&rx.accepted(), cp).len() >= 3 },
    )
    .await;
    let forwarded: Vec<Value> = of_cp(&rx.accepted(), cp)
        .iter()
        .map(|r| r.body.clone())
        .collect();
    assert_eq!(forwarded.len(), 3, "{forwarded:#?}");
    let text = serde_json::to_string(&forwarded).expect("json");
    assert!(!text.contains("com.unknown"), "{text}");
    assert!(!text.contains("Tariff"), "{text}");
}

/// OCPP 1.6 §4.3/§5.5 (DataTransfer.conf status UnknownVendorId / UnknownMessageId): a
/// user sees an unknown vendor's message refused with the spec's status, not Accepted.
#[tokio::test]
async fn v16_data_transfer_answers_unknown_vendor_and_message() {
    vendors_decide_the_answer("1.6", "DT-PY16").await;
}

/// OCPP 2.0.1 P02.FR.06 (unknown vendorId → UnknownVendorId) and P02.FR.07 (unknown
/// messageId → UnknownMessageId).
#[tokio::test]
async fn v201_data_transfer_answers_unknown_vendor_and_message() {
    vendors_decide_the_answer("2.0.1", "DT-PY201").await;
}

/// With nothing configured, the gateway implements no vendor: every DataTransfer (but
/// Plug & Charge's own, tests/pnc_local.rs) is UnknownVendorId (1.6 §4.3; P02.FR.06).
#[tokio::test]
async fn nothing_configured_means_no_vendor_is_known() {
    let mut s = settings();
    s.ocpp.data_transfer_vendors = Vec::new();
    let tg = start(s).await;
    let mut c = charger(&tg, "DT-RAW", "ocpp2.0.1").await;
    let a = c
        .call(
            "DataTransfer",
            json!({"vendorId": "com.acme", "data": {"a": 1}}),
        )
        .await;
    assert_eq!(a, json!({"status": "UnknownVendorId"}));
}
