//! The raw frame log over the API: both directions of a session, secrets redacted, and a
//! live stream to follow.

use crate::common;

use common::*;
use serde_json::{json, Value};

const SECRET: &str = "new-authorization-key-never-shown";

async fn api_get(tg: &TestGateway, path: &str) -> reqwest::Response {
    let token = tg.gw.api_tokens()[0].clone();
    reqwest::Client::new()
        .get(format!("http://{}{path}", tg.gw.api_addr()))
        .bearer_auth(token)
        .send()
        .await
        .expect("request")
}

async fn charge_point_id(tg: &TestGateway, identity: &str) -> i64 {
    let body: Value = api_get(
        tg,
        &format!("/public-api/resources/charge-points/v2.0?filter[networkId]={identity}"),
    )
    .await
    .json()
    .await
    .expect("json");
    body["data"][0]["id"].as_i64().expect("id")
}

#[tokio::test]
async fn a_session_reads_back_in_both_directions_with_secrets_redacted() {
    let tg = start(settings()).await;
    let mut c = charger(&tg, "FRM-1", "ocpp1.6").await;
    c.call(
        "BootNotification",
        json!({"chargePointVendor": "V", "chargePointModel": "M"}),
    )
    .await;
    c.call("Heartbeat", json!({})).await;
    let h = tg.gw.charger("FRM-1").expect("handle");
    let t = tokio::spawn(async move {
        h.call(
            "ChangeConfiguration",
            json!({"key": "AuthorizationKey", "value": SECRET}),
        )
        .await
    });
    let call = c.recv().await;
    assert_eq!(call[3]["value"], SECRET, "the charger gets the real value");
    c.answer(&call[1], json!({"status": "Accepted"})).await;
    t.await.expect("join").expect("answered");

    let cp = charge_point_id(&tg, "FRM-1").await;
    let read = || async {
        let r = api_get(
            &tg,
            &format!("/public-api/resources/charge-points/v2.0/{cp}/frames?limit=50"),
        )
        .await;
        let body: Value = r.json().await.expect("json");
        body["data"].as_array().cloned().unwrap_or_default()
    };
    eventually("the frames are in the log", || async {
        read().await.len() >= 6
    })
    .await;
    let records = read().await;
    let text = serde_json::to_string(&records).expect("text");
    assert!(!text.contains(SECRET), "the secret is redacted: {text}");
    let seen: Vec<(String, String)> = records
        .iter()
        .map(|r| {
            (
                r["direction"].as_str().unwrap_or("").to_owned(),
                r["action"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    for expected in [
        ("in", "BootNotification"),
        ("out", "BootNotification"),
        ("in", "Heartbeat"),
        ("out", "Heartbeat"),
        ("out", "ChangeConfiguration"),
        ("in", "ChangeConfiguration"),
    ] {
        assert!(
            seen.contains(&(expected.0.to_owned(), expected.1.to_owned())),
            "{expected:?} missing from {seen:?}"
        );
    }
    let change = records
        .iter()
        .find(|r| r["direction"] == "out" && r["action"] == "ChangeConfiguration")
        .expect("the change");
    assert_eq!(change["frame"][3]["value"], "<redacted>");
    assert!(records
        .iter()
        .all(|r| r["timestamp"].is_string() && r["identity"] == "FRM-1"));
    // Oldest first.
    assert_eq!(records[0]["action"], "BootNotification");

    let r = api_get(
        &tg,
        &format!("/public-api/resources/charge-points/v2.0/{cp}/frames?limit=0"),
    )
    .await;
    assert_eq!(r.status().as_u16(), 422);
    let r = api_get(
        &tg,
        "/public-api/resources/charge-points/v2.0/999999/frames",
    )
    .await;
    assert_eq!(r.status().as_u16(), 404);
}

#[tokio::test]
async fn the_stream_follows_new_frames() {
    let tg = start(settings()).await;
    let mut c = charger(&tg, "FRM-2", "ocpp2.0.1").await;
    c.call("Heartbeat", json!({})).await;
    let cp = charge_point_id(&tg, "FRM-2").await;
    let mut stream = api_get(
        &tg,
        &format!("/public-api/resources/charge-points/v2.0/{cp}/frames/stream"),
    )
    .await;
    assert_eq!(stream.status().as_u16(), 200);
    // Another charger's frames do not show.
    let mut other = charger(&tg, "FRM-3", "ocpp2.0.1").await;
    other.call("Heartbeat", json!({})).await;
    c.call("StatusNotification", json!({"timestamp": "2026-11-28T10:00:00Z", "connectorStatus": "Available", "evseId": 1, "connectorId": 1})).await;
    let mut buf = String::new();
    while buf.lines().count() < 2 {
        let chunk = tokio::time::timeout(WAIT, stream.chunk())
            .await
            .expect("in time")
            .expect("read")
            .expect("open");
        buf.push_str(&String::from_utf8_lossy(&chunk));
    }
    let lines: Vec<Value> = buf
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    assert!(lines.iter().all(|l| l["identity"] == "FRM-2"), "{lines:?}");
    assert_eq!(lines[0]["action"], "StatusNotification");
    assert_eq!(lines[0]["direction"], "in");
    assert_eq!(lines[1]["direction"], "out");
}
