//! Sessions a charger lost: a charger killed mid-transaction comes back with a boot, an
//! idle connector and a new transaction and never stops the old one. The gateway closes
//! the old session (expired, or failed when its start was refused), keeps what the
//! charger reported, and still takes the charger's own stop when it arrives later
//! (offline replay). Raw frames play the chargers, both versions.

use crate::common;
use crate::notify_common;
use crate::sessions_common;

use common::*;
use serde_json::json;
use sessions_common::*;

const START: &str = "2026-11-28T10:00:00Z";
const SAMPLE: &str = "2026-11-28T10:30:00Z";
const REBOOT: &str = "2026-11-28T11:00:00Z";
const SSN: &str = "SessionStartStopNotification";
const SUN: &str = "SessionUpdateNotification";

/// A 1.6 charger that boots, starts a transaction on connector 1 (meter 1000 Wh), reports
/// 4000 Wh at 10:30 and is killed. Returns the transaction id.
async fn start_and_die_16(r: &Rig, identity: &str) -> i64 {
    let mut c = charger(&r.tg, identity, "ocpp1.6").await;
    c.call("BootNotification", boot16()).await;
    let start = c
        .call(
            "StartTransaction",
            json!({"connectorId": 1, "idTag": "TAG-1", "meterStart": 1000, "timestamp": START}),
        )
        .await;
    let tx = start["transactionId"].as_i64().expect("transaction id");
    c.call(
        "MeterValues",
        json!({"connectorId": 1, "transactionId": tx, "meterValue": energy16(SAMPLE, 4000.0)}),
    )
    .await;
    drop(c);
    tx
}

/// The first session as the charger left it: closed with `status` and `reason`, energy
/// from its last meter value (3000 Wh), stopped at that value's time, and an average
/// power of 3000 Wh over 30 minutes that the clock no longer moves.
fn assert_lost(s: &serde_json::Value, status: &str, reason: &str) {
    assert_eq!(s["status"], status, "{s}");
    assert_eq!(s["reason"], reason, "{s}");
    assert_eq!(s["energy"], json!(3000.0), "{s}");
    assert_eq!(time(&s["stoppedAt"]), time(&json!(SAMPLE)), "{s}");
    assert_eq!(s["power"]["average"], json!(6000.0), "{s}");
}

/// OCPP 1.6 §4.8 StartTransaction (one transaction per connector at a time): after a
/// power loss the charger starts a new transaction on the connector and never stops the
/// old one. A user sees the old session `expired` (reason
/// `new_start_transaction_received`) with its last energy, not two active sessions.
#[tokio::test]
async fn a_new_1_6_transaction_expires_the_one_the_charger_forgot() {
    let r = rig().await;
    let old = start_and_die_16(&r, "LOST16").await;
    let mut c = charger(&r.tg, "LOST16", "ocpp1.6").await;
    c.call("BootNotification", boot16()).await;
    let new = c
        .call(
            "StartTransaction",
            json!({"connectorId": 1, "idTag": "TAG-2", "meterStart": 5000, "timestamp": REBOOT}),
        )
        .await["transactionId"]
        .as_i64()
        .expect("transaction id");
    let cp = r.cp("LOST16").await;
    let all = r.sessions(cp).await;
    one_open_per_evse(&all);
    assert_lost(
        &r.session(old).await,
        "expired",
        "new_start_transaction_received",
    );
    assert_eq!(r.session(new).await["status"], "active");
    // The close is notified as any stop is.
    r.expect_notices(
        old,
        &[
            (SSN, Some("start")),
            (SUN, None),
            (SUN, None),
            (SSN, Some("stop")),
            (SUN, None),
        ],
    )
    .await;
}

/// OCPP 1.6 §4.9 StatusNotification after §4.2 BootNotification: a rebooted charger that
/// reports the connector Available (or Preparing) has no transaction there. A user sees
/// the forgotten session `expired` (reason `reboot`); an Available before any reboot
/// ends nothing (some chargers send it just before their StopTransaction).
#[tokio::test]
async fn an_idle_connector_after_a_reboot_ends_the_forgotten_1_6_session() {
    let r = rig().await;
    let old = start_and_die_16(&r, "IDLE16").await;
    let mut c = charger(&r.tg, "IDLE16", "ocpp1.6").await;
    c.call("StatusNotification", status16(1, "Available", SAMPLE))
        .await;
    assert_eq!(r.session(old).await["status"], "active", "no reboot yet");
    c.call("BootNotification", boot16()).await;
    c.call("StatusNotification", status16(1, "Preparing", REBOOT))
        .await;
    assert_lost(&r.session(old).await, "expired", "reboot");
    // The close is final until the charger says otherwise: the clock moves nothing.
    let again = r.session(old).await;
    assert_eq!(again["power"], r.session(old).await["power"]);
    assert_eq!(again["stoppedAt"], r.session(old).await["stoppedAt"]);
}

/// OCPP 1.6 §4.8 / §9.1 StopTransactionOnInvalidId: a StartTransaction answered Invalid
/// that the charger never stops. A user sees the session `failed` (reason
/// `deauthorized`) once the charger moved on, not active for ever.
#[tokio::test]
async fn a_refused_1_6_start_the_charger_never_stops_fails() {
    let mut s = notify_common::gateway_settings();
    s.auth.unknown = ocpp_gateway::config::Policy::Reject;
    let r = rig_with(s).await;
    let mut c = charger(&r.tg, "REFUSED16", "ocpp1.6").await;
    c.call("BootNotification", boot16()).await;
    let start = c
        .call(
            "StartTransaction",
            json!({"connectorId": 1, "idTag": "NOBODY", "meterStart": 1000, "timestamp": START}),
        )
        .await;
    assert_eq!(start["idTagInfo"]["status"], "Invalid");
    let old = start["transactionId"].as_i64().expect("transaction id");
    c.call("StatusNotification", status16(1, "SuspendedEVSE", START))
        .await;
    c.call("BootNotification", boot16()).await;
    c.call("StatusNotification", status16(1, "Available", REBOOT))
        .await;
    let s = r.session(old).await;
    assert_eq!(s["status"], "failed", "{s}");
    assert_eq!(s["reason"], "deauthorized", "{s}");
    assert!(s["stoppedAt"].is_string(), "{s}");
}

/// OCPP 1.6 §4.10 StopTransaction, replayed from the charger's offline queue
/// (transaction messages are delivered once it is back online): a stop for a session the
/// gateway already closed still applies. A user sees the session `finished` with the
/// charger's stop time, meter reading and reason; the platform gets one stop and then a
/// SessionUpdateNotification with the corrected figures.
#[tokio::test]
async fn the_charger_s_late_stop_still_applies_to_an_expired_1_6_session() {
    let r = rig().await;
    let old = start_and_die_16(&r, "LATE16").await;
    let mut c = charger(&r.tg, "LATE16", "ocpp1.6").await;
    c.call("BootNotification", boot16()).await;
    c.call(
        "StartTransaction",
        json!({"connectorId": 1, "idTag": "TAG-2", "meterStart": 5000, "timestamp": REBOOT}),
    )
    .await;
    assert_eq!(r.session(old).await["status"], "expired");
    let stop = c
        .call(
            "StopTransaction",
            json!({"transactionId": old, "idTag": "TAG-1", "meterStop": 4500,
                   "timestamp": "2026-11-28T10:45:00Z", "reason": "PowerLoss"}),
        )
        .await;
    assert_eq!(stop["idTagInfo"]["status"], "Accepted");
    let s = r.session(old).await;
    assert_eq!(s["status"], "finished", "{s}");
    assert_eq!(s["reason"], "powerloss", "{s}");
    assert_eq!(s["energy"], json!(3500.0), "{s}");
    assert_eq!(time(&s["stoppedAt"]), time(&json!("2026-11-28T10:45:00Z")));
    r.expect_notices(
        old,
        &[
            (SSN, Some("start")),
            (SUN, None),
            (SUN, None),
            (SSN, Some("stop")),
            (SUN, None),
            (SUN, None),
        ],
    )
    .await;
    // The same stop again is a repeat: nothing changes.
    c.call(
        "StopTransaction",
        json!({"transactionId": old, "meterStop": 9999, "timestamp": "2026-11-28T12:00:00Z"}),
    )
    .await;
    assert_eq!(r.session(old).await["energy"], json!(3500.0));
}

/// OCPP 1.6 §4.10 with a start the charger made offline and never learned the id of: its
/// StopTransaction carries `transactionId` -1. A user sees the open session stopped,
/// not left active beside an orphan stop.
#[tokio::test]
async fn a_1_6_stop_with_transaction_id_minus_one_stops_the_open_session() {
    let r = rig().await;
    let mut c = charger(&r.tg, "MINUS16", "ocpp1.6").await;
    c.call("BootNotification", boot16()).await;
    let tx = c
        .call(
            "StartTransaction",
            json!({"connectorId": 2, "idTag": "TAG-9", "meterStart": 100, "timestamp": START}),
        )
        .await["transactionId"]
        .as_i64()
        .expect("transaction id");
    c.call(
        "StopTransaction",
        json!({"transactionId": -1, "idTag": "TAG-9", "meterStop": 2100,
               "timestamp": SAMPLE, "reason": "Local"}),
    )
    .await;
    let s = r.session(tx).await;
    assert_eq!(s["status"], "finished", "{s}");
    assert_eq!(s["energy"], json!(2000.0), "{s}");
    assert_eq!(time(&s["stoppedAt"]), time(&json!(SAMPLE)));
    assert_eq!(r.tg.store.count("unmatched_stops").await.expect("count"), 0);
}

/// OCPP 2.0.1 E01/E02 (a transaction per EVSE) and E04 (transaction events queued while
/// offline, `offline: true`): the station reboots, starts a new transaction on EVSE 1 and
/// only later replays the old one's Ended. A user sees the old session `expired` at once
/// and then `finished` with the station's stop time and reason; the new one active.
#[tokio::test]
async fn a_new_2_0_1_transaction_expires_the_one_the_station_forgot() {
    let r = rig().await;
    let mut c = charger(&r.tg, "LOST201", "ocpp2.0.1").await;
    c.call("BootNotification", boot201()).await;
    let evse = json!({"evse": {"id": 1, "connectorId": 1},
                      "idToken": {"idToken": "TOK-1", "type": "ISO14443"}});
    let mut first = evse.clone();
    first["meterValue"] = energy201(START, 1000.0);
    c.call(
        "TransactionEvent",
        tx_event("Started", "TX-A", 0, START, first),
    )
    .await;
    c.call(
        "TransactionEvent",
        tx_event(
            "Updated",
            "TX-A",
            1,
            SAMPLE,
            json!({"meterValue": energy201(SAMPLE, 4000.0)}),
        ),
    )
    .await;
    drop(c);
    let mut c = charger(&r.tg, "LOST201", "ocpp2.0.1").await;
    c.call("BootNotification", boot201()).await;
    c.call(
        "TransactionEvent",
        tx_event("Started", "TX-B", 0, REBOOT, evse.clone()),
    )
    .await;
    let cp = r.cp("LOST201").await;
    let all = r.sessions(cp).await;
    one_open_per_evse(&all);
    assert_eq!(all.len(), 2, "{all:?}");
    let (old, new) = (&all[0], &all[1]);
    assert_lost(old, "expired", "new_start_transaction_received");
    assert_eq!(new["status"], "active");
    let old_id: i64 = old["id"].as_str().and_then(|i| i.parse().ok()).expect("id");
    // E04: the Ended queued while offline arrives after all.
    c.call(
        "TransactionEvent",
        tx_event(
            "Ended",
            "TX-A",
            2,
            "2026-11-28T10:45:00Z",
            json!({"offline": true, "transactionInfo": {"stoppedReason": "PowerLoss"},
                   "meterValue": energy201("2026-11-28T10:45:00Z", 4500.0)}),
        ),
    )
    .await;
    let s = r.session(old_id).await;
    assert_eq!(s["status"], "finished", "{s}");
    assert_eq!(s["reason"], "powerloss", "{s}");
    assert_eq!(s["energy"], json!(3500.0), "{s}");
    assert_eq!(time(&s["stoppedAt"]), time(&json!("2026-11-28T10:45:00Z")));
    assert_eq!(r.sessions(cp).await[1]["status"], "active");
}

/// A 2.0.1 station with transaction TX-1 on EVSE 1 (1000 Wh, then 4000 Wh at 10:30)
/// that reports the EVSE Available (before any reboot), then is killed and boots again.
async fn reboot_201(r: &Rig, identity: &str) -> Client {
    let mut c = charger(&r.tg, identity, "ocpp2.0.1").await;
    c.call("BootNotification", boot201()).await;
    c.call(
        "TransactionEvent",
        tx_event(
            "Started",
            "TX-1",
            0,
            START,
            json!({"evse": {"id": 1, "connectorId": 1}, "meterValue": energy201(START, 1000.0)}),
        ),
    )
    .await;
    c.call(
        "TransactionEvent",
        tx_event(
            "Updated",
            "TX-1",
            1,
            SAMPLE,
            json!({"meterValue": energy201(SAMPLE, 4000.0)}),
        ),
    )
    .await;
    c.call("StatusNotification", status201(1, "Available", SAMPLE))
        .await;
    let cp = r.cp(identity).await;
    assert_eq!(r.sessions(cp).await[0]["status"], "active", "no reboot yet");
    drop(c);
    let mut c = charger(&r.tg, identity, "ocpp2.0.1").await;
    c.call("BootNotification", boot201()).await;
    c
}

/// Sends an Occupied status for EVSE 1, answers the GetTransactionStatus about TX-1 that
/// it causes with `answer`, and waits for the answer to have been acted on.
async fn occupied_asked(c: &mut Client, answer: serde_json::Value) {
    c.send(
        &json!([
            2,
            "occ",
            "StatusNotification",
            status201(1, "Occupied", REBOOT)
        ])
        .to_string(),
    )
    .await;
    let result = c.recv().await;
    assert_eq!(result, json!([3, "occ", {}]));
    let ask = c.recv().await;
    assert_eq!(
        (ask[0].clone(), ask[2].clone()),
        (json!(2), json!("GetTransactionStatus"))
    );
    assert_eq!(ask[3], json!({"transactionId": "TX-1"}));
    c.answer(&ask[1], answer).await;
    // The station is answered only once the gateway is done with the status report.
    assert!(c.call("Heartbeat", json!({})).await["currentTime"].is_string());
}

/// OCPP 2.0.1 G01 StatusNotification after B01 BootNotification: a rebooted station
/// reporting EVSE 1 Available has no transaction there. A user sees the forgotten
/// session `expired` (reason `reboot`); an Occupied EVSE whose transaction the station
/// says is ongoing (E14 GetTransactionStatus) and an Available before any reboot end
/// nothing. The Available ends the session once the station says nothing of it is
/// queued (E14.FR.03).
#[tokio::test]
async fn an_available_evse_after_a_reboot_ends_the_forgotten_2_0_1_session() {
    let r = rig().await;
    let mut c = reboot_201(&r, "IDLE201").await;
    let cp = r.cp("IDLE201").await;
    occupied_asked(
        &mut c,
        json!({"ongoingIndicator": true, "messagesInQueue": false}),
    )
    .await;
    assert_eq!(r.sessions(cp).await[0]["status"], "active", "ongoing");
    c.call("StatusNotification", status201(1, "Available", REBOOT))
        .await;
    // E14.FR.03: asked first whether the transaction has messages queued; none.
    let ask = c.recv().await;
    assert_eq!(ask[2], "GetTransactionStatus", "{ask}");
    assert_eq!(ask[3], json!({"transactionId": "TX-1"}));
    c.answer(
        &ask[1],
        json!({"ongoingIndicator": false, "messagesInQueue": false}),
    )
    .await;
    eventually("the forgotten session expires", || async {
        r.sessions(cp).await[0]["status"] == "expired"
    })
    .await;
    assert_lost(&r.sessions(cp).await[0], "expired", "reboot");
}

/// OCPP 2.0.1 E14 GetTransactionStatus (Check transaction status): after a reboot the EVSE is
/// Occupied (the cable is still in), which cannot tell whether the transaction lives. A
/// user sees the session left open while the station has its messages queued (its Ended
/// is on the way), and `expired` (reason `reboot`) once the station says it is neither
/// ongoing nor queued.
#[tokio::test]
async fn an_occupied_evse_after_a_reboot_is_settled_by_get_transaction_status() {
    let r = rig().await;
    let mut c = reboot_201(&r, "ASK201").await;
    let cp = r.cp("ASK201").await;
    occupied_asked(
        &mut c,
        json!({"ongoingIndicator": false, "messagesInQueue": true}),
    )
    .await;
    assert_eq!(
        r.sessions(cp).await[0]["status"],
        "active",
        "messages queued"
    );
    occupied_asked(
        &mut c,
        json!({"ongoingIndicator": false, "messagesInQueue": false}),
    )
    .await;
    eventually("the lost session expires", || async {
        r.sessions(cp).await[0]["status"] == "expired"
    })
    .await;
    assert_lost(&r.sessions(cp).await[0], "expired", "reboot");
    // Settled: a later Occupied asks nothing more.
    c.call("StatusNotification", status201(1, "Occupied", REBOOT))
        .await;
    assert!(c.call("Heartbeat", json!({})).await["currentTime"].is_string());
}
