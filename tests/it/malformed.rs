//! Malformed input gets the exact OCPP-J error of the connection's version, and the
//! socket stays open (except for oversize frames, closed with 1009).

use crate::common;

use common::*;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::Message;

/// (what, frame sent, expected code for 1.6, expected code for 2.0.1, expected id)
fn cases() -> Vec<(
    &'static str,
    String,
    &'static str,
    &'static str,
    &'static str,
)> {
    let long = "x".repeat(60);
    vec![
        ("invalid JSON", "[2, \"m1\", \"Heartbeat\", {".into(), "FormationViolation", "FormatViolation", "-1"),
        ("not an array", "{\"a\": 1}".into(), "ProtocolError", "RpcFrameworkError", "-1"),
        ("empty array", "[]".into(), "ProtocolError", "RpcFrameworkError", "-1"),
        ("message type 5", "[5, \"m2\", \"Heartbeat\", {}]".into(), "ProtocolError", "MessageTypeNotSupported", "m2"),
        ("message type not a number", "[\"2\", \"m3\", \"Heartbeat\", {}]".into(), "ProtocolError", "RpcFrameworkError", "m3"),
        ("id not a string", "[2, 17, \"Heartbeat\", {}]".into(), "ProtocolError", "RpcFrameworkError", "-1"),
        ("too few elements", "[2, \"m4\", \"Heartbeat\"]".into(), "ProtocolError", "RpcFrameworkError", "m4"),
        ("payload not an object", "[2, \"m5\", \"Heartbeat\", [1]]".into(), "FormationViolation", "FormatViolation", "m5"),
        ("unknown action", "[2, \"m6\", \"MakeCoffee\", {}]".into(), "NotImplemented", "NotImplemented", "m6"),
        ("central-system action sent by a charger", "[2, \"m7\", \"Reset\", {\"type\": \"Hard\"}]".into(), "NotSupported", "NotSupported", "m7"),
        ("missing required field (1.6 Authorize / 2.0.1 Authorize)", "[2, \"m8\", \"Authorize\", {}]".into(), "OccurenceConstraintViolation", "OccurrenceConstraintViolation", "m8"),
        ("wrong type (connector/evse id as an object)", "[2, \"m9\", \"MeterValues\", {\"connectorId\": {}, \"evseId\": {}, \"meterValue\": []}]".into(), "TypeConstraintViolation", "TypeConstraintViolation", "m9"),
        ("overlong string", format!("[2, \"m10\", \"Authorize\", {{\"idTag\": \"{long}\", \"idToken\": {{\"idToken\": \"{long}{long}\", \"type\": \"Central\"}}}}]"), "PropertyConstraintViolation", "PropertyConstraintViolation", "m10"),
        ("invalid enum value", "[2, \"m11\", \"StatusNotification\", {\"connectorId\": 1, \"errorCode\": \"NoError\", \"status\": \"Dancing\", \"timestamp\": \"2026-01-01T00:00:00Z\", \"connectorStatus\": \"Dancing\", \"evseId\": 1}]".into(), "PropertyConstraintViolation", "PropertyConstraintViolation", "m11"),
        ("overlong message id", format!("[2, \"{}\", \"Heartbeat\", {{}}]", "i".repeat(37)), "ProtocolError", "RpcFrameworkError", ""),
    ]
}

async fn run_table(version: &str, v16: bool) {
    let tg = start(settings()).await;
    let mut c = charger(&tg, &format!("BAD-{}", if v16 { 16 } else { 201 }), version).await;
    for (what, frame, code16, code201, id) in cases() {
        c.send(&frame).await;
        let answer = c.recv().await;
        let expected = if v16 { code16 } else { code201 };
        assert_eq!(answer[0], 4, "{what}: a CALLERROR, got {answer}");
        assert_eq!(answer[2], json!(expected), "{what} ({version}): {answer}");
        if !id.is_empty() {
            assert_eq!(answer[1], json!(id), "{what}: id of the answer");
        }
        assert!(
            answer[3].is_string() && answer[4].is_object(),
            "{what}: {answer}"
        );
    }
    // The socket is still open and working.
    let answer = c.call("Heartbeat", json!({})).await;
    assert!(answer["currentTime"].is_string());
}

#[tokio::test]
async fn malformed_table_1_6() {
    run_table("ocpp1.6", true).await;
}

#[tokio::test]
async fn malformed_table_2_0_1() {
    run_table("ocpp2.0.1", false).await;
}

#[tokio::test]
async fn other_versions_actions_are_not_supported_and_do_not_close_the_socket() {
    let tg = start(settings()).await;
    let mut c16 = charger(&tg, "X16", "ocpp1.6").await;
    let a = c16.call_frame("TransactionEvent", json!({})).await;
    assert_eq!(a[2], "NotSupported", "{a}");
    assert!(c16.is_open_v16().await);
    let mut c201 = charger(&tg, "X201", "ocpp2.0.1").await;
    let a = c201.call_frame("StartTransaction", json!({})).await;
    assert_eq!(a[2], "NotSupported", "{a}");
    let a = c201.call("Heartbeat", json!({})).await;
    assert!(a["currentTime"].is_string());
}

#[tokio::test]
async fn a_reused_message_id_is_an_error_and_a_retransmission_is_answered_again() {
    let tg = start(settings()).await;
    let mut c = charger(&tg, "DUP", "ocpp2.0.1").await;
    let hb = json!([2, "same", "Heartbeat", {}]).to_string();
    c.send(&hb).await;
    let first = c.recv().await;
    assert_eq!(first[0], 3);
    // The same frame again: our answer was lost; the same answer comes back.
    c.send(&hb).await;
    assert_eq!(c.recv().await, first);
    // The same id on a different CALL.
    c.send(&json!([2, "same", "StatusNotification", {"timestamp": "2026-01-01T00:00:00Z", "connectorStatus": "Available", "evseId": 1, "connectorId": 1}]).to_string()).await;
    let dup = c.recv().await;
    assert_eq!(dup[0], 4, "{dup}");
    assert_eq!(dup[2], "RpcFrameworkError", "{dup}");
    assert!(c.call("Heartbeat", json!({})).await["currentTime"].is_string());
}

#[tokio::test]
async fn oversize_frames_close_with_1009() {
    let mut s = settings();
    s.ocpp.max_frame_bytes = 4096;
    let tg = start(s).await;
    let mut c = charger(&tg, "BIG", "ocpp1.6").await;
    let big =
        json!([2, "m1", "DataTransfer", {"vendorId": "v", "data": "x".repeat(5000)}]).to_string();
    c.send(&big).await;
    loop {
        match c.recv_message().await {
            Some(Ok(Message::Close(Some(frame)))) => {
                assert_eq!(frame.code, CloseCode::Size);
                break;
            }
            Some(Ok(Message::Close(None))) | None | Some(Err(_)) => panic!("closed without 1009"),
            Some(Ok(_)) => continue,
        }
    }
}

#[tokio::test]
async fn binary_frames_are_ignored_not_fatal() {
    let tg = start(settings()).await;
    let mut c = charger(&tg, "BIN", "ocpp1.6").await;
    use futures_util::SinkExt;
    c.ws.send(Message::binary(vec![1u8, 2, 3]))
        .await
        .expect("send");
    assert!(c.is_open_v16().await);
    let _: Value = json!(null);
}

#[tokio::test]
async fn a_flood_over_the_rate_limit_gets_errors_or_a_close_per_setting() {
    use ocpp_gateway::config::RateLimitAction;
    for action in [RateLimitAction::Error, RateLimitAction::Close] {
        let mut s = settings();
        s.ocpp.rate_limit = 1.0;
        s.ocpp.rate_burst = 5.0;
        s.ocpp.rate_limit_action = action;
        let tg = start(s).await;
        let mut c = charger(&tg, "FLOOD", "ocpp1.6").await;
        for _ in 0..5 {
            assert_eq!(
                c.call_frame("Heartbeat", json!({})).await[0],
                3,
                "within the burst"
            );
        }
        c.send(&json!([2, "over", "Heartbeat", {}]).to_string())
            .await;
        match action {
            RateLimitAction::Error => {
                let a = c.recv().await;
                assert_eq!(a[0], 4, "{a}");
                assert_eq!(a[2], "GenericError", "{a}");
            }
            RateLimitAction::Close => loop {
                match c.recv_message().await {
                    Some(Ok(Message::Close(Some(f)))) => {
                        assert_eq!(f.code, CloseCode::Policy);
                        break;
                    }
                    Some(Ok(_)) => continue,
                    other => panic!("expected a policy close, got {other:?}"),
                }
            },
        }
    }
}
