//! Transaction status (OCPP 2.0.1 E14 GetTransactionStatus), with the Python `ocpp`
//! station of `tests/python/setters_charger.py`: the `get-transaction-status` action
//! answers what the station said, and the reconciliation of a session a rebooted
//! station reports Available asks first and waits for queued messages instead of
//! closing over them.

use serde_json::{json, Value};

use crate::common::eventually;
use crate::setters_common::{ready, Station};
use ocpp_gateway::ocpp::OcppVersion;

async fn sessions(s: &Station) -> Vec<Value> {
    let r = s
        .api
        .get(&format!(
            "/public-api/resources/sessions/v1.0?filter[chargePointId]={}&per_page=100",
            s.cp
        ))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["data"].as_array().cloned().unwrap_or_default()
}

/// The station's first session.
async fn first(s: &Station) -> Value {
    sessions(s)
        .await
        .into_iter()
        .min_by_key(|x| x["id"].as_str().and_then(|i| i.parse::<i64>().ok()))
        .expect("a session")
}

/// E14.FR.01/02: GetTransactionStatus with the transactionId (given, or the session's)
/// answers ongoingIndicator and messagesInQueue, returned in the 200 body; without one,
/// only messagesInQueue. A CALLERROR is a 502, a bad body a 422, an unknown session a
/// 404, a charge point not connected a 409, 1.6 a 501.
#[tokio::test]
async fn get_transaction_status_answers_what_the_station_said() {
    if !ready() {
        return;
    }
    let mut s = Station::start("TXS1", OcppVersion::V201).await;
    s.tell("start TX-A").await;
    let r = s
        .post("get-transaction-status", json!({"transactionId": "TX-A"}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.body,
        json!({"messagesInQueue": false, "ongoingIndicator": false})
    );
    assert_eq!(
        s.last_call("GetTransactionStatus"),
        json!({"transactionId": "TX-A"})
    );
    let session: i64 = first(&s).await["id"]
        .as_str()
        .and_then(|i| i.parse().ok())
        .expect("a session id");
    let r = s
        .post("get-transaction-status", json!({"sessionId": session}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        s.last_call("GetTransactionStatus"),
        json!({"transactionId": "TX-A"})
    );
    let r = s
        .api
        .send("POST", &s.path("get-transaction-status"), None)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body, json!({"messagesInQueue": false}));
    assert_eq!(s.last_call("GetTransactionStatus"), json!({}));

    s.tell("next GetTransactionStatus error").await;
    let r = s.post("get-transaction-status", json!({})).await;
    assert_eq!(r.status, 502, "{}", r.text);

    let calls = s.calls("GetTransactionStatus").len();
    let r = s
        .post(
            "get-transaction-status",
            json!({"transactionId": "x".repeat(37)}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
    let r = s
        .post(
            "get-transaction-status",
            json!({"transactionId": "TX-A", "sessionId": session}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
    let r = s
        .post("get-transaction-status", json!({"sessionId": 9999}))
        .await;
    assert_eq!(r.status, 404, "{}", r.text);
    assert_eq!(s.calls("GetTransactionStatus").len(), calls, "nothing sent");

    let away = s.offline_charge_point("TXS-AWAY").await;
    let r = s
        .api
        .post(
            &format!(
                "{}/v1.0/{away}/get-transaction-status",
                crate::actions_common::A
            ),
            json!({}),
        )
        .await;
    assert_eq!(r.status, 409, "{}", r.text);

    let s16 = Station::start("TXS16", OcppVersion::V16).await;
    let r = s16.post("get-transaction-status", json!({})).await;
    assert_eq!(r.status, 501, "{}", r.text);
}

/// E14.FR.03 with E04 (offline transactions): after a reboot the station reports EVSE 1
/// Available while the Ended event of its transaction still waits in its queue. The
/// gateway asks GetTransactionStatus before closing; messagesInQueue true, so it waits,
/// and the queued TransactionEvent Ended that follows ends the session with the
/// station's own reason — not `expired` by the gateway. With nothing queued, the
/// Available ends the session (`expired`, reason `reboot`).
#[tokio::test]
async fn a_rebooted_station_with_queued_messages_is_waited_for() {
    if !ready() {
        return;
    }
    let mut s = Station::start("TXS2", OcppVersion::V201).await;
    s.tell("start TX-Q").await;
    assert_eq!(first(&s).await["status"], "active");
    s.tell("queue TX-Q").await;
    s.tell("boot").await;
    s.tell("available 1").await;
    eventually("the queued Ended arrives", || async {
        !s.printed_with("TX Ended TX-Q").is_empty()
    })
    .await;
    let asked = s.last_call("GetTransactionStatus");
    assert_eq!(asked, json!({"transactionId": "TX-Q"}));
    eventually("the session ends with the station's figures", || async {
        first(&s).await["status"] == "finished"
    })
    .await;
    let ended = first(&s).await;
    assert_ne!(ended["reason"], "reboot", "{ended}");
    assert_eq!(ended["energy"], json!(1000.0), "{ended}");
    assert_eq!(s.calls("GetTransactionStatus").len(), 1, "one call");

    // Nothing queued: the Available after a reboot ends the session.
    let mut s = Station::start("TXS3", OcppVersion::V201).await;
    s.tell("start TX-G").await;
    s.tell("boot").await;
    s.tell("available 1").await;
    eventually("the forgotten session expires", || async {
        first(&s).await["status"] == "expired"
    })
    .await;
    assert_eq!(first(&s).await["reason"], "reboot");
    assert_eq!(
        s.last_call("GetTransactionStatus"),
        json!({"transactionId": "TX-G"})
    );
    // A station that cannot say (CALLERROR) gets the close the Available alone gives.
    s.tell("start TX-H").await;
    s.tell("boot").await;
    s.tell("next GetTransactionStatus error").await;
    s.tell("available 1").await;
    eventually("the second session expires", || async {
        sessions(&s)
            .await
            .iter()
            .filter(|x| x["status"] == "expired")
            .count()
            == 2
    })
    .await;
}
