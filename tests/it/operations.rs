//! Operations: metrics move with traffic, readiness drops while draining, and a drain
//! lets a waiting call finish before chargers are told to go.

use crate::common;

use std::time::Duration;

use common::*;
use serde_json::json;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::Message;

async fn get(url: String) -> (u16, String) {
    let r = reqwest::get(&url).await.expect("request");
    (r.status().as_u16(), r.text().await.expect("body"))
}

fn value_of(metrics: &str, line_start: &str) -> f64 {
    metrics
        .lines()
        .find(|l| l.starts_with(line_start))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0)
}

#[tokio::test]
async fn metrics_move_after_a_session() {
    let tg = start(settings()).await;
    let api = format!("http://{}", tg.gw.api_addr());
    let (status, before) = get(format!("{api}/metrics")).await;
    assert_eq!(status, 200);
    let mut c = charger(&tg, "MET-1", "ocpp1.6").await;
    c.call(
        "BootNotification",
        json!({"chargePointVendor": "V", "chargePointModel": "M"}),
    )
    .await;
    let tx = c
        .call("StartTransaction", json!({"connectorId": 1, "idTag": "T", "meterStart": 0, "timestamp": "2026-11-28T10:00:00Z"}))
        .await["transactionId"]
        .clone();
    c.call(
        "StopTransaction",
        json!({"transactionId": tx, "meterStop": 5, "timestamp": "2026-11-28T10:01:00Z"}),
    )
    .await;
    c.send("not json").await;
    let _ = c.recv().await;
    let h = tg.gw.charger("MET-1").expect("handle");
    let t = tokio::spawn(async move { h.call("ClearCache", json!({})).await });
    let f = c.recv().await;
    c.answer(&f[1], json!({"status": "Accepted"})).await;
    t.await.expect("join").expect("answered");

    let (_, after) = get(format!("{api}/metrics")).await;
    let frames =
        "ocpp_gateway_frames_total{direction=\"in\",kind=\"call\",action=\"StartTransaction\"}";
    assert_eq!(value_of(&before, frames), 0.0);
    assert_eq!(value_of(&after, frames), 1.0, "{after}");
    assert!(
        value_of(
            &after,
            "ocpp_gateway_chargers_connected{protocol=\"ocpp1.6\"}"
        ) >= 1.0
    );
    assert!(value_of(&after, "ocpp_gateway_handshakes_total{result=\"accepted\"}") >= 1.0);
    assert!(
        value_of(
            &after,
            "ocpp_gateway_call_errors_total{direction=\"out\",code=\"FormatViolation\"}"
        ) >= 1.0
    );
    assert!(
        value_of(
            &after,
            "ocpp_gateway_call_duration_seconds_count{direction=\"out\",action=\"ClearCache\"}"
        ) >= 1.0
    );
    assert!(value_of(&after, "ocpp_gateway_call_duration_seconds_count{direction=\"in\",action=\"BootNotification\"}") >= 1.0);
    assert!(value_of(&after, "ocpp_gateway_process_resident_memory_bytes") > 0.0);
}

#[tokio::test]
async fn ready_turns_false_during_a_drain_that_waits_for_a_pending_call() {
    let mut s = settings();
    s.ocpp.drain_grace = Duration::from_secs(5);
    s.ocpp.call_timeout = Duration::from_secs(30);
    let tg = start(s).await;
    let api = format!("http://{}", tg.gw.api_addr());
    assert_eq!(get(format!("{api}/ready")).await.0, 200);
    assert_eq!(get(format!("{api}/health")).await.0, 200);
    let mut c = charger(&tg, "DRAIN-1", "ocpp2.0.1").await;
    let h = tg.gw.charger("DRAIN-1").expect("handle");
    let call = tokio::spawn(async move { h.call("ClearCache", json!({})).await });
    let f = c.recv().await;
    assert_eq!(f[2], "ClearCache");

    let draining = tokio::spawn(tg.gw.shutdown());
    eventually("not ready while draining", || {
        let api = api.clone();
        async move { get(format!("{api}/ready")).await.0 == 503 }
    })
    .await;
    // The pending call is still answered.
    c.answer(&f[1], json!({"status": "Accepted"})).await;
    let answer = tokio::time::timeout(WAIT, call)
        .await
        .expect("in time")
        .expect("join");
    assert_eq!(answer.expect("answered")["status"], "Accepted");
    // Then the charger is told to go.
    loop {
        match c.recv_message().await {
            Some(Ok(Message::Close(Some(frame)))) => {
                assert_eq!(frame.code, CloseCode::Away);
                break;
            }
            Some(Ok(_)) => continue,
            other => panic!("expected a close frame, got {other:?}"),
        }
    }
    tokio::time::timeout(WAIT, draining)
        .await
        .expect("drained in time")
        .expect("join");
}
