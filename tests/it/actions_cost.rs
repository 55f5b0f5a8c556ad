//! The cost shown to the driver, with the Python `ocpp` station of
//! `tests/python/setters_charger.py`: `cost-updated` sends 2.0.1 CostUpdated with the
//! session's transaction (I02/I03), keeps the cost, and the station's next
//! TransactionEvent is answered with it as `totalCost` (I02.FR.02); 1.6 goes through the
//! California pricing DataTransfer (`org.openchargealliance.costmsg` RunningCost) only
//! for a charger that declared `CustomDisplayCostAndPrice`, else 501.

use serde_json::{json, Value};

use crate::common::eventually;
use crate::setters_common::{ready, Station};
use ocpp_gateway::ocpp::OcppVersion;

/// The id of the station's only session, once it exists.
async fn session_id(s: &Station) -> i64 {
    let path = format!(
        "/public-api/resources/sessions/v1.0?filter[chargePointId]={}",
        s.cp
    );
    let first = || async {
        let r = s.api.get(&path).await;
        r.body["data"][0]["id"]
            .as_str()
            .and_then(|i| i.parse::<i64>().ok())
    };
    eventually("a session", || async { first().await.is_some() }).await;
    first().await.expect("a session")
}

/// I02.FR.01: CostUpdated carries totalCost and the session's transactionId; I02.FR.02:
/// the next TransactionEvent's response carries the cost as totalCost (and again after
/// a newer one). A CALLERROR is a 502 and the kept cost does not change; a bad body is
/// a 422; an unknown session a 404; a charge point not connected a 409.
#[tokio::test]
async fn the_running_cost_reaches_the_station_and_its_next_transaction_event() {
    if !ready() {
        return;
    }
    let mut s = Station::start("COST1", OcppVersion::V201).await;
    s.tell("start TX-C").await;
    assert_eq!(s.printed_with("TX Started TX-C"), ["TX Started TX-C null"]);
    let session = session_id(&s).await;
    let r = s
        .post(
            "cost-updated",
            json!({"sessionId": session, "totalCost": 3.45}),
        )
        .await;
    assert_eq!(r.status, 202, "{}", r.text);
    assert_eq!(
        s.last_call("CostUpdated"),
        json!({"totalCost": 3.45, "transactionId": "TX-C"})
    );
    s.tell("update TX-C").await;
    assert_eq!(s.printed_with("TX Updated TX-C"), ["TX Updated TX-C 3.45"]);

    s.tell("next CostUpdated error").await;
    let r = s
        .post(
            "cost-updated",
            json!({"sessionId": session, "totalCost": 9.0}),
        )
        .await;
    assert_eq!(r.status, 502, "{}", r.text);
    s.tell("update TX-C").await;
    assert_eq!(
        s.printed_with("TX Updated TX-C").last().map(String::as_str),
        Some("TX Updated TX-C 3.45"),
        "a cost the station did not take is not kept"
    );

    let calls = s.calls("CostUpdated").len();
    for (bad, field) in [
        (json!({"sessionId": session}), "totalCost"),
        (json!({"sessionId": session, "totalCost": -1}), "totalCost"),
        (json!({"totalCost": 1}), "sessionId"),
        (json!({"sessionId": session, "totalCost": "1"}), "totalCost"),
    ] {
        let r = s.post("cost-updated", bad).await;
        assert_eq!(r.status, 422, "{field}: {}", r.text);
        assert!(r.body["errors"].get(field).is_some(), "{field}: {}", r.text);
    }
    let r = s
        .post("cost-updated", json!({"sessionId": 9999, "totalCost": 1}))
        .await;
    assert_eq!(r.status, 404, "{}", r.text);
    assert_eq!(s.calls("CostUpdated").len(), calls, "nothing sent");

    // I03: a newer cost goes with the Ended event's answer too.
    let r = s
        .post(
            "cost-updated",
            json!({"sessionId": session, "totalCost": 4.5}),
        )
        .await;
    assert_eq!(r.status, 202, "{}", r.text);
    s.tell("queue TX-C").await;
    let r = s
        .post("get-transaction-status", json!({"transactionId": "TX-C"}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    eventually("the Ended event", || async {
        !s.printed_with("TX Ended TX-C").is_empty()
    })
    .await;
    assert_eq!(s.printed_with("TX Ended TX-C"), ["TX Ended TX-C 4.5"]);

    let away = s.offline_charge_point("COST-AWAY").await;
    let r = s
        .api
        .post(
            &format!("{}/v1.0/{away}/cost-updated", crate::actions_common::A),
            json!({"sessionId": session, "totalCost": 1}),
        )
        .await;
    // The session is not the away charge point's.
    assert_eq!(r.status, 404, "{}", r.text);
}

/// 1.6 (California pricing, RunningCost): without the charger's CustomDisplayCostAndPrice
/// in its configuration snapshot, 501 and nothing sent; once its snapshot says true, the
/// DataTransfer carries the transaction's integer id and the cost; a Rejected is a 406.
#[tokio::test]
async fn running_cost_on_1_6_needs_the_convention() {
    if !ready() {
        return;
    }
    let mut s = Station::start("COST16", OcppVersion::V16).await;
    s.tell("start").await;
    let session = session_id(&s).await;
    let body = json!({"sessionId": session, "totalCost": 1.25});
    let r = s.post("cost-updated", body.clone()).await;
    assert_eq!(r.status, 501, "{}", r.text);
    assert!(
        r.text.contains("CustomDisplayCostAndPrice") || r.text.contains("California"),
        "{}",
        r.text
    );
    assert!(s.calls("DataTransfer").is_empty(), "nothing sent");

    let r = s.post("sync-configuration", json!({})).await;
    assert!(r.status < 300, "{}", r.text);
    let r = s.post("cost-updated", body.clone()).await;
    assert_eq!(r.status, 202, "{}", r.text);
    let sent = s.last_call("DataTransfer");
    assert_eq!(sent["vendorId"], "org.openchargealliance.costmsg");
    assert_eq!(sent["messageId"], "RunningCost");
    let data: Value =
        serde_json::from_str(sent["data"].as_str().expect("data text")).expect("data JSON");
    let started = s.printed_with("TX Started ");
    let tx: i64 = started[0]["TX Started ".len()..].parse().expect("an id");
    assert_eq!(data["transactionId"], tx);
    assert_eq!(data["cost"], 1.25);
    assert!(
        data["timestamp"].is_string() && data["meterValue"].is_i64(),
        "{data}"
    );
    assert!(["Charging", "Idle"].contains(&data["state"].as_str().unwrap_or("")));

    s.tell("next DataTransfer Rejected").await;
    let r = s.post("cost-updated", body).await;
    assert_eq!(r.status, 406, "{}", r.text);
}
