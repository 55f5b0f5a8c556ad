//! Our calls to chargers: one at a time, timeouts, late answers, disconnects, and the
//! newest connection winning.

use crate::common;

use std::time::Duration;

use common::*;
use ocpp_gateway::charger::CallError;
use serde_json::json;

async fn connected(tg: &TestGateway, identity: &str, version: &str) -> Client {
    let c = charger(tg, identity, version).await;
    eventually("registered", || async { tg.gw.charger(identity).is_some() }).await;
    c
}

#[tokio::test]
async fn two_calls_at_once_reach_the_charger_one_at_a_time() {
    let tg = start(settings()).await;
    let mut c = connected(&tg, "ONE", "ocpp1.6").await;
    let h = tg.gw.charger("ONE").expect("handle");
    let (h1, h2) = (h.clone(), h.clone());
    let a = tokio::spawn(async move { h1.call("Reset", json!({"type": "Soft"})).await });
    let b = tokio::spawn(async move { h2.call("ClearCache", json!({})).await });

    let first = c.recv().await;
    assert_eq!(first[0], 2);
    // Nothing else arrives while the first is unanswered: the charger's own CALL is
    // answered meanwhile, proving the socket is live and only our direction waits.
    let hb = c.call_frame("Heartbeat", json!({})).await;
    assert_eq!(hb[0], 3, "the charger's CALL is answered while ours waits");
    c.answer(&first[1], json!({"status": "Accepted"})).await;
    let second = c.recv().await;
    assert_eq!(second[0], 2);
    assert_ne!(first[1], second[1], "fresh message id");
    let actions = [
        first[2].as_str().unwrap_or(""),
        second[2].as_str().unwrap_or(""),
    ];
    assert!(
        actions.contains(&"Reset") && actions.contains(&"ClearCache"),
        "{actions:?}"
    );
    c.answer(&second[1], json!({"status": "Accepted"})).await;

    let ra = a.await.expect("join").expect("answered");
    let rb = b.await.expect("join").expect("answered");
    assert_eq!(ra["status"], "Accepted");
    assert_eq!(rb["status"], "Accepted");
}

#[tokio::test]
async fn a_charger_that_never_answers_times_out_and_the_next_call_proceeds_late_answer_dropped() {
    let mut s = settings();
    s.ocpp.call_timeout = Duration::from_millis(300);
    let tg = start(s).await;
    let mut c = connected(&tg, "SILENT", "ocpp2.0.1").await;
    let h = tg.gw.charger("SILENT").expect("handle");

    let h1 = h.clone();
    let first = tokio::spawn(async move { h1.call("Reset", json!({"type": "Immediate"})).await });
    let f1 = c.recv().await;
    assert_eq!(f1[2], "Reset");
    let err = first.await.expect("join").expect_err("no answer");
    assert!(matches!(err, CallError::Timeout(_)), "{err:?}");

    let h2 = h.clone();
    let second = tokio::spawn(async move { h2.call("ClearCache", json!({})).await });
    let f2 = c.recv().await;
    assert_eq!(f2[2], "ClearCache");
    // The late answer to the first call arrives first: it must not complete the second.
    c.answer(&f1[1], json!({"status": "Accepted"})).await;
    c.answer(&f2[1], json!({"status": "Rejected"})).await;
    let r2 = second.await.expect("join").expect("answered");
    assert_eq!(
        r2["status"], "Rejected",
        "the second call got its own answer"
    );
}

#[tokio::test]
async fn callerror_and_rejected_answers_are_told_apart() {
    let tg = start(settings()).await;
    let mut c = connected(&tg, "NO", "ocpp1.6").await;
    let h = tg.gw.charger("NO").expect("handle");
    let h1 = h.clone();
    let t = tokio::spawn(async move {
        h1.call_expecting("UnlockConnector", json!({"connectorId": 1}), &["Unlocked"])
            .await
    });
    let f = c.recv().await;
    c.answer(&f[1], json!({"status": "UnlockFailed"})).await;
    assert_eq!(
        t.await.expect("join"),
        Err(CallError::Rejected {
            status: "UnlockFailed".into()
        })
    );
    let h2 = h.clone();
    let t = tokio::spawn(async move { h2.call("ClearCache", json!({})).await });
    let f = c.recv().await;
    c.send(&json!([4, f[1], "NotSupported", "no cache here", {}]).to_string())
        .await;
    match t.await.expect("join") {
        Err(CallError::CallError {
            code, description, ..
        }) => {
            assert_eq!(code, "NotSupported");
            assert_eq!(description, "no cache here");
        }
        other => panic!("expected a CALLERROR, got {other:?}"),
    }
}

#[tokio::test]
async fn a_disconnect_fails_waiting_callers_at_once() {
    let mut s = settings();
    s.ocpp.call_timeout = Duration::from_secs(60);
    let tg = start(s).await;
    let mut c = connected(&tg, "GONE", "ocpp1.6").await;
    let h = tg.gw.charger("GONE").expect("handle");
    let (h1, h2) = (h.clone(), h.clone());
    let a = tokio::spawn(async move { h1.call("Reset", json!({"type": "Soft"})).await });
    let b = tokio::spawn(async move { h2.call("ClearCache", json!({})).await });
    let _ = c.recv().await;
    drop(c);
    let started = std::time::Instant::now();
    let ra = tokio::time::timeout(WAIT, a)
        .await
        .expect("in time")
        .expect("join");
    let rb = tokio::time::timeout(WAIT, b)
        .await
        .expect("in time")
        .expect("join");
    assert_eq!(ra, Err(CallError::ChargerGone));
    assert_eq!(rb, Err(CallError::ChargerGone));
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "not by the 60 s timeout"
    );
    eventually("unregistered", || async { tg.gw.charger("GONE").is_none() }).await;
    let err = h
        .call("Reset", json!({"type": "Soft"}))
        .await
        .expect_err("gone");
    assert_eq!(err, CallError::NotConnected);
}

#[tokio::test]
async fn a_reconnect_replaces_the_half_open_socket_and_calls_go_to_the_new_one() {
    let tg = start(settings()).await;
    let mut old = connected(&tg, "RE", "ocpp1.6").await;
    let old_gen = tg.gw.charger("RE").expect("handle").generation();
    // The new socket arrives while the old one is still open (half-open from the
    // gateway's point of view: nothing tells it the old one is dead).
    let mut new = charger(&tg, "RE", "ocpp2.0.1").await;
    eventually("new generation registered", || async {
        tg.gw
            .charger("RE")
            .is_some_and(|h| h.generation() != old_gen)
    })
    .await;
    // The old socket is closed by the gateway.
    loop {
        match old.recv_message().await {
            None | Some(Err(_)) | Some(Ok(tokio_tungstenite::tungstenite::Message::Close(_))) => {
                break
            }
            Some(Ok(_)) => continue,
        }
    }
    let h = tg.gw.charger("RE").expect("handle");
    assert_eq!(
        h.version(),
        ocpp_gateway::ocpp::OcppVersion::V201,
        "negotiated anew"
    );
    let t = tokio::spawn(async move { h.call("ClearCache", json!({})).await });
    let f = new.recv().await;
    assert_eq!(f[2], "ClearCache");
    new.answer(&f[1], json!({"status": "Accepted"})).await;
    assert!(t.await.expect("join").is_ok());
    // The old actor's cleanup did not unregister or mark the charger offline.
    assert!(tg.gw.charger("RE").is_some());
    let cp = tg
        .store
        .charge_point_by_identity("RE")
        .await
        .expect("read")
        .expect("row");
    assert_eq!(cp.network_status, "available");
    assert_eq!(cp.protocol.as_deref(), Some("ocpp 2.0.1"));
}

#[tokio::test]
async fn shutdown_closes_chargers_with_a_close_frame() {
    let tg = start(settings()).await;
    let mut c = connected(&tg, "BYE", "ocpp1.6").await;
    let gw = tg.gw;
    let stopping = tokio::spawn(gw.shutdown());
    loop {
        match c.recv_message().await {
            Some(Ok(tokio_tungstenite::tungstenite::Message::Close(Some(f)))) => {
                assert_eq!(
                    f.code,
                    tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode::Away
                );
                break;
            }
            Some(Ok(_)) => continue,
            other => panic!("expected a close frame, got {other:?}"),
        }
    }
    tokio::time::timeout(WAIT, stopping)
        .await
        .expect("stops in time")
        .expect("join");
}
