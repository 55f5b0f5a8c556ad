//! Asynchronous results carry the requestId of the action they answer: the
//! `DiagnosticsStatusNotification` webhook of a 1.6 DiagnosticsStatusNotification (which
//! has no requestId on the wire) carries the requestId that `get-diagnostics` answered,
//! and a firmware status report's `chargePoint.changed` carries `firmwareStatus` with the
//! `update-firmware` action's requestId (2.0.1 FirmwareStatusNotification.requestId,
//! 1.6: the charger's latest update-firmware). Raw frames play the charger.

use crate::common;
use crate::notify_common;

use std::time::Duration;

use common::reference::Api;
use common::*;
use notify_common::*;
use serde_json::{json, Value};

const A: &str = "/public-api/actions/charge-point";

/// POSTs `body` to `path`, answers the one CALL the charger gets with `answer`; returns
/// the CALL's payload and the HTTP body (null for an empty 202).
async fn exchange(
    api: &Api,
    c: &mut Client,
    path: String,
    body: Value,
    answer: Value,
) -> (Value, Value) {
    let api = api.clone();
    let http = tokio::spawn(async move { api.post(&path, body).await });
    let frame = c.recv().await;
    assert_eq!(frame[0], 2, "{frame}");
    c.answer(&frame[1], answer).await;
    let reply = tokio::time::timeout(WAIT, http)
        .await
        .expect("in time")
        .expect("join");
    assert_eq!(reply.status, 202, "{}", reply.text);
    (frame[3].clone(), reply.body)
}

async fn webhook(rx: &Receiver, cp: i64, want: impl Fn(&Value) -> bool) -> Value {
    within(Duration::from_secs(10), "the webhook", || async {
        of_cp(&rx.accepted(), cp).iter().any(|r| want(&r.body))
    })
    .await;
    of_cp(&rx.accepted(), cp)
        .into_iter()
        .map(|r| r.body)
        .find(|b| want(b))
        .expect("found")
}

/// OCPP 1.6 §4.3/§6.24 (DiagnosticsStatusNotification has no requestId) and §4.5
/// (FirmwareStatusNotification): a user sees the status tied to the action that asked.
#[tokio::test]
async fn v16_statuses_carry_the_requested_action_id() {
    let tg = start(gateway_settings()).await;
    let rx = Receiver::start(Mode::Ok).await;
    subscribe(
        tg.gw.api_addr(),
        &rx.url,
        &["DiagnosticsStatusNotification", "chargePoint.changed"],
    )
    .await;
    let mut c = charger(&tg, "ASYNC-16", "ocpp1.6").await;
    let api = Api::new(tg.gw.api_addr(), Some(TOKEN));
    let cp = cp_id(&tg, "ASYNC-16").await;

    // Two requests: the status answers the latest.
    let mut last = 0;
    for _ in 0..2 {
        let (_, body) = exchange(
            &api,
            &mut c,
            format!("{A}/v1.0/{cp}/get-diagnostics"),
            json!({"location": "ftp://logs.example.com/"}),
            json!({"fileName": "diag.zip"}),
        )
        .await;
        last = body["requestId"].as_i64().expect("requestId");
    }
    assert!(last > 0);
    c.call(
        "DiagnosticsStatusNotification",
        json!({"status": "Uploaded"}),
    )
    .await;
    let b = webhook(&rx, cp, |b| {
        b["notification"] == "DiagnosticsStatusNotification"
    })
    .await;
    assert_eq!(b["requestId"], last, "{b}");
    assert_eq!(b["status"], "uploaded");

    exchange(
        &api,
        &mut c,
        format!("{A}/v2.0/{cp}/update-firmware"),
        json!({"signed": false, "url": "https://fw.example.com/1.2.bin"}),
        json!({}),
    )
    .await;
    // update-firmware answers 202 without a body; the id it allocated is the stored one
    // (1.6 UpdateFirmware has no requestId field).
    let rows = tg
        .store
        .texts(&format!(
            "SELECT MAX(id) FROM action_requests WHERE charge_point_id = {cp} AND kind = 'firmware'"
        ))
        .await;
    let firmware: i64 = rows[0][0]
        .as_deref()
        .expect("a firmware request")
        .parse()
        .expect("id");
    c.call("FirmwareStatusNotification", json!({"status": "Installed"}))
        .await;
    let b = webhook(&rx, cp, |b| b.get("firmwareStatus").is_some()).await;
    assert_eq!(b["notification"], "chargePoint.changed");
    assert_eq!(
        b["firmwareStatus"],
        json!({"status": "Installed", "requestId": firmware})
    );
}

/// OCPP 2.0.1 L01 (UpdateFirmware.requestId, FirmwareStatusNotification.requestId) and
/// N01 (LogStatusNotification.requestId): the id the action sent comes back with the status.
#[tokio::test]
async fn v201_statuses_carry_the_action_request_id() {
    let tg = start(gateway_settings()).await;
    let rx = Receiver::start(Mode::Ok).await;
    subscribe(
        tg.gw.api_addr(),
        &rx.url,
        &["DiagnosticsStatusNotification", "chargePoint.changed"],
    )
    .await;
    let mut c = charger(&tg, "ASYNC-201", "ocpp2.0.1").await;
    let api = Api::new(tg.gw.api_addr(), Some(TOKEN));
    let cp = cp_id(&tg, "ASYNC-201").await;

    let (sent, _) = exchange(
        &api,
        &mut c,
        format!("{A}/v2.0/{cp}/update-firmware"),
        json!({"signed": false, "url": "https://fw.example.com/1.2.bin"}),
        json!({"status": "Accepted"}),
    )
    .await;
    let firmware = sent["requestId"].as_i64().expect("requestId sent");
    c.call(
        "FirmwareStatusNotification",
        json!({"status": "Downloading", "requestId": firmware}),
    )
    .await;
    let b = webhook(&rx, cp, |b| b.get("firmwareStatus").is_some()).await;
    assert_eq!(
        b["firmwareStatus"],
        json!({"status": "Downloading", "requestId": firmware})
    );

    let (sent, body) = exchange(
        &api,
        &mut c,
        format!("{A}/v1.0/{cp}/get-diagnostics"),
        json!({"location": "ftp://logs.example.com/"}),
        json!({"status": "Accepted", "filename": "diag.zip"}),
    )
    .await;
    let log = body["requestId"].as_i64().expect("requestId");
    assert_eq!(sent["requestId"], log);
    c.call(
        "LogStatusNotification",
        json!({"status": "Uploading", "requestId": log}),
    )
    .await;
    let b = webhook(&rx, cp, |b| {
        b["notification"] == "DiagnosticsStatusNotification"
    })
    .await;
    assert_eq!(b["requestId"], log, "{b}");
}
