//! `stop/{session}` as the reference describes it: `force` ends the session whatever the
//! charger answers (refused, silent, offline), and a session already over is answered
//! without asking the charger. Raw frames play the chargers, both versions.

use crate::common;
use crate::notify_common;
use crate::sessions_common;

use common::*;
use serde_json::{json, Value};
use sessions_common::*;

const A: &str = "/public-api/actions/charge-point/v1.0";
const START: &str = "2026-11-28T10:00:00Z";
const SAMPLE: &str = "2026-11-28T10:30:00Z";

/// A rig whose calls time out quickly.
async fn quick_rig() -> Rig {
    let mut s = notify_common::gateway_settings();
    s.ocpp.call_timeout = std::time::Duration::from_millis(400);
    rig_with(s).await
}

/// A 1.6 charger with a running transaction (1000 Wh at the start, 4000 Wh at 10:30).
async fn running_16(r: &Rig, identity: &str) -> (Client, i64) {
    let mut c = charger(&r.tg, identity, "ocpp1.6").await;
    c.call("BootNotification", boot16()).await;
    let tx = c
        .call(
            "StartTransaction",
            json!({"connectorId": 1, "idTag": "TAG-1", "meterStart": 1000, "timestamp": START}),
        )
        .await["transactionId"]
        .as_i64()
        .expect("transaction id");
    c.call(
        "MeterValues",
        json!({"connectorId": 1, "transactionId": tx, "meterValue": energy16(SAMPLE, 4000.0)}),
    )
    .await;
    (c, tx)
}

/// POSTs `body` to stop `session`, answers the CALL that reaches the charger with
/// `answer` (None: stays silent); returns the CALL and the HTTP status.
async fn stop_answered(
    r: &Rig,
    c: &mut Client,
    cp: i64,
    session: i64,
    body: Value,
    answer: Option<Value>,
) -> (Value, u16) {
    let api = r.api.clone();
    let path = format!("{A}/{cp}/stop/{session}");
    let http = tokio::spawn(async move { api.post(&path, body).await });
    let call = c.recv().await;
    assert_eq!(call[0], 2, "a CALL: {call}");
    if let Some(a) = answer {
        c.answer(&call[1], a).await;
    }
    let reply = tokio::time::timeout(WAIT, http)
        .await
        .expect("HTTP in time")
        .expect("HTTP task");
    (call, reply.status)
}

/// OCPP 1.6 §5.12 RemoteStopTransaction answered Rejected, and the reference's `force`
/// ("end the session regardless of the CP response"). A user sees 406 and the session
/// still active without `force`; with it 202 and the session `finished` (reason
/// `force_stop`), its energy the last reported, notified as a stop.
#[tokio::test]
async fn force_ends_a_1_6_session_the_charger_refuses_to_stop() {
    let r = quick_rig().await;
    let (mut c, tx) = running_16(&r, "FORCE16").await;
    let cp = r.cp("FORCE16").await;
    let (call, status) = stop_answered(
        &r,
        &mut c,
        cp,
        tx,
        json!({}),
        Some(json!({"status": "Rejected"})),
    )
    .await;
    assert_eq!(call[2], json!("RemoteStopTransaction"));
    assert_eq!(call[3], json!({"transactionId": tx}));
    assert_eq!(status, 406);
    assert_eq!(r.session(tx).await["status"], "active");
    let (_, status) = stop_answered(
        &r,
        &mut c,
        cp,
        tx,
        json!({"force": true}),
        Some(json!({"status": "Rejected"})),
    )
    .await;
    assert_eq!(status, 202);
    let s = r.session(tx).await;
    assert_eq!(s["status"], "finished", "{s}");
    assert_eq!(s["reason"], "force_stop", "{s}");
    assert_eq!(s["energy"], json!(3000.0), "{s}");
    assert!(s["stoppedAt"].is_string(), "{s}");
    let stops = || {
        r.notices_of(tx)
            .into_iter()
            .filter(|(n, a)| n == "SessionStartStopNotification" && a.as_deref() == Some("stop"))
            .count()
    };
    eventually("the forced stop is notified", || async { stops() == 1 }).await;
    // The charger's own stop, when it comes, still applies (OCPP 1.6 §4.10).
    c.call(
        "StopTransaction",
        json!({"transactionId": tx, "meterStop": 4200, "timestamp": "2026-11-28T10:40:00Z", "reason": "Remote"}),
    )
    .await;
    let s = r.session(tx).await;
    assert_eq!(
        (s["status"].clone(), s["energy"].clone()),
        (json!("finished"), json!(3200.0))
    );
    assert_eq!(s["reason"], "remote");
    eventually("the correction is notified as an update", || async {
        r.notices_of(tx)
            .last()
            .is_some_and(|(n, _)| n == "SessionUpdateNotification")
            && r.notices_of(tx).len() >= 6
    })
    .await;
    assert_eq!(stops(), 1, "{:?}", r.notices_of(tx));
}

/// OCPP 2.0.1 F03 RequestStopTransaction answered Rejected, with `force`, and a station
/// that does not answer at all. A user sees 202 and the session `finished` each time.
#[tokio::test]
async fn force_ends_a_2_0_1_session_whatever_the_station_answers() {
    let r = quick_rig().await;
    let mut c = charger(&r.tg, "FORCE201", "ocpp2.0.1").await;
    c.call("BootNotification", boot201()).await;
    for (tx, at) in [("TX-R", START), ("TX-S", SAMPLE)] {
        c.call(
            "TransactionEvent",
            tx_event(
                "Started",
                tx,
                0,
                at,
                json!({"evse": {"id": if tx == "TX-R" { 1 } else { 2 }, "connectorId": 1},
                       "meterValue": energy201(at, 1000.0)}),
            ),
        )
        .await;
    }
    let cp = r.cp("FORCE201").await;
    let sessions = r.sessions(cp).await;
    let id = |i: usize| -> i64 {
        sessions[i]["id"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .expect("id")
    };
    let (call, status) = stop_answered(
        &r,
        &mut c,
        cp,
        id(0),
        json!({"force": true}),
        Some(json!({"status": "Rejected"})),
    )
    .await;
    assert_eq!(call[2], json!("RequestStopTransaction"));
    assert_eq!(call[3], json!({"transactionId": "TX-R"}));
    assert_eq!(status, 202);
    let (_, status) = stop_answered(&r, &mut c, cp, id(1), json!({"force": true}), None).await;
    assert_eq!(status, 202);
    for s in r.sessions(cp).await {
        assert_eq!(s["status"], "finished", "{s}");
        assert_eq!(s["reason"], "force_stop", "{s}");
    }
}

/// The reference's `force` with the charger offline: without it 409 (nothing can be
/// asked); with it 202 and the session `finished`, the energy the last reported.
#[tokio::test]
async fn force_ends_the_session_of_a_charger_that_is_offline() {
    let r = quick_rig().await;
    let (c, tx) = running_16(&r, "GONE16").await;
    drop(c);
    let cp = r.cp("GONE16").await;
    eventually("the charger is gone", || async {
        r.tg.gw.charger("GONE16").is_none_or(|h| !h.is_connected())
    })
    .await;
    let reply = r.api.post(&format!("{A}/{cp}/stop/{tx}"), json!({})).await;
    assert_eq!(reply.status, 409, "{}", reply.text);
    let reply = r
        .api
        .post(&format!("{A}/{cp}/stop/{tx}"), json!({"force": true}))
        .await;
    assert_eq!(reply.status, 202, "{}", reply.text);
    let s = r.session(tx).await;
    assert_eq!(s["status"], "finished", "{s}");
    assert_eq!(s["energy"], json!(3000.0), "{s}");
}

/// OCPP 1.6 §5.12 / 2.0.1 F03 (remote stop) only stop a transaction that is running: a session
/// already over has nothing to stop. A user sees 202 and the charger receives no
/// RemoteStopTransaction (its next frame is the answer to its own Heartbeat).
#[tokio::test]
async fn stopping_a_finished_session_asks_nothing_of_the_charger() {
    let r = quick_rig().await;
    let (mut c, tx) = running_16(&r, "DONE16").await;
    c.call(
        "StopTransaction",
        json!({"transactionId": tx, "meterStop": 4000, "timestamp": SAMPLE}),
    )
    .await;
    let cp = r.cp("DONE16").await;
    for body in [json!({}), json!({"force": true})] {
        let reply = r.api.post(&format!("{A}/{cp}/stop/{tx}"), body).await;
        assert_eq!(reply.status, 202, "{}", reply.text);
        // `call_frame` fails if a CALL from the gateway comes first.
        assert!(c.is_open_v16().await);
    }
    let s = r.session(tx).await;
    assert_eq!(
        (s["status"].clone(), s["reason"].clone()),
        (json!("finished"), json!("local"))
    );
}

/// A stop body the reference allows to be absent: none at all is no `force`; a wrong one
/// is a 422 naming the field.
#[tokio::test]
async fn the_stop_body_is_optional_and_checked() {
    let r = quick_rig().await;
    let (mut c, tx) = running_16(&r, "BODY16").await;
    let cp = r.cp("BODY16").await;
    let api = r.api.clone();
    let path = format!("{A}/{cp}/stop/{tx}");
    let http = tokio::spawn(async move { api.send("POST", &path, None).await });
    let call = c.recv().await;
    c.answer(&call[1], json!({"status": "Accepted"})).await;
    let reply = tokio::time::timeout(WAIT, http)
        .await
        .expect("in time")
        .expect("task");
    assert_eq!(reply.status, 202, "{}", reply.text);
    let reply = r
        .api
        .post(&format!("{A}/{cp}/stop/{tx}"), json!({"force": "yes"}))
        .await;
    assert_eq!(reply.status, 422, "{}", reply.text);
    assert!(reply.text.contains("force"), "{}", reply.text);
}
