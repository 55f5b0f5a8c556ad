//! Offline transactions replayed after a reconnect: old timestamps, out of order, and
//! never reopening what ended.

use crate::common;

use chrono::{Duration, SecondsFormat, Utc};
use common::*;
use serde_json::{json, Value};

fn at(hours_ago: i64, minutes: i64) -> String {
    (Utc::now() - Duration::hours(hours_ago) + Duration::minutes(minutes))
        .to_rfc3339_opts(SecondsFormat::Millis, true)
}

#[tokio::test]
async fn a_1_6_charger_replays_an_hours_old_transaction() {
    let tg = start(settings()).await;
    let mut c = charger(&tg, "OFF16", "ocpp1.6").await;
    c.call(
        "BootNotification",
        json!({"chargePointVendor": "V", "chargePointModel": "M"}),
    )
    .await;
    let (t0, t1, t2) = (at(3, 0), at(3, 30), at(3, 60));
    let start = c
        .call(
            "StartTransaction",
            json!({"connectorId": 1, "idTag": "OLD", "meterStart": 10000, "timestamp": t0}),
        )
        .await;
    let tx = start["transactionId"].as_i64().expect("id");
    c.call("MeterValues", json!({"connectorId": 1, "transactionId": tx, "meterValue": [{"timestamp": t1, "sampledValue": [
        {"value": "12.5", "unit": "kWh"}, {"value": "5000", "measurand": "Power.Active.Import", "unit": "W"}]}]})).await;
    c.call("StopTransaction", json!({"transactionId": tx, "meterStop": 15000, "timestamp": t2, "reason": "EVDisconnected"})).await;

    let rows = tg.store.sessions_of("OFF16").await.expect("read");
    assert_eq!(rows.len(), 1);
    let s = &rows[0];
    assert_eq!(s.status, "finished");
    assert_eq!(s.started_at.as_deref(), Some(t0.as_str()));
    assert_eq!(s.stopped_at.as_deref(), Some(t2.as_str()));
    assert_eq!(s.energy_wh, 5000.0);
    assert_eq!(s.power_latest_w, Some(5000.0));
    assert_eq!(s.reason.as_deref(), Some("evdisconnected"));
}

fn event(base: &str, kind: &str, seq: u32, minutes: i64, wh: f64, state: &str) -> Value {
    let base = chrono::DateTime::parse_from_rfc3339(base).expect("time");
    let ts = (base + Duration::minutes(minutes))
        .with_timezone(&Utc)
        .to_rfc3339_opts(SecondsFormat::Millis, true);
    json!({"eventType": kind, "timestamp": ts, "triggerReason": "MeterValuePeriodic", "seqNo": seq, "offline": true,
        "transactionInfo": {"transactionId": "OFF-TX-1", "chargingState": state},
        "evse": {"id": 1, "connectorId": 1},
        "meterValue": [{"timestamp": ts, "sampledValue": [{"value": wh, "measurand": "Energy.Active.Import.Register"}]}]})
}

#[tokio::test]
async fn a_2_0_1_station_replays_events_out_of_order_and_ended_stays_ended() {
    let tg = start(settings()).await;
    let mut c = charger(&tg, "OFF201", "ocpp2.0.1").await;
    let base = at(2, 0);
    let mut ended = event(&base, "Ended", 3, 45, 9000.0, "EVConnected");
    ended["transactionInfo"]["stoppedReason"] = json!("Local");
    // Replayed in the order the queue flushed them: not the order they happened.
    for e in [
        event(&base, "Updated", 2, 30, 6000.0, "SuspendedEV"),
        event(&base, "Started", 0, 0, 1000.0, "Charging"),
        ended.clone(),
        event(&base, "Updated", 1, 15, 3000.0, "Charging"),
    ] {
        c.call("TransactionEvent", e).await;
    }
    // The same Ended again (its answer was lost), and a stray late Updated.
    c.call("TransactionEvent", ended).await;
    c.call(
        "TransactionEvent",
        event(&base, "Updated", 4, 50, 9500.0, "Charging"),
    )
    .await;

    let rows = tg.store.sessions_of("OFF201").await.expect("read");
    assert_eq!(rows.len(), 1, "one session");
    let s = &rows[0];
    assert_eq!(s.status, "finished", "never reopened");
    assert_eq!(
        s.started_at.as_deref(),
        Some(base.as_str()),
        "the earliest event's time"
    );
    let stopped = event(&base, "Ended", 3, 45, 0.0, "")["timestamp"].clone();
    assert_eq!(s.stopped_at.as_deref(), stopped.as_str());
    assert_eq!(s.reason.as_deref(), Some("local"));
    assert_eq!(s.last_seq_no, Some(4));
    assert_eq!(s.energy_wh, 8500.0, "first register 1000 Wh, last 9500 Wh");
    assert_eq!(
        tg.store.meter_value_count("OFF201").await.expect("read"),
        5,
        "the repeat stored nothing"
    );
}

#[tokio::test]
async fn events_for_a_transaction_whose_start_never_came_make_a_session() {
    let tg = start(settings()).await;
    let mut c = charger(&tg, "NOSTART", "ocpp2.0.1").await;
    c.call(
        "TransactionEvent",
        event(&at(1, 0), "Updated", 5, 10, 2000.0, "Charging"),
    )
    .await;
    let rows = tg.store.sessions_of("NOSTART").await.expect("read");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].status, "active");
    assert_eq!(
        tg.store
            .evse_status("NOSTART", 1)
            .await
            .expect("read")
            .as_deref(),
        Some("charging")
    );
}
