//! Full sessions in both versions, and the transaction rules of real chargers.

use crate::common;

use common::*;
use ocpp_gateway::ocpp::OcppVersion;
use serde_json::{json, Value};

/// Sends a CALL, checks the request and the answer against the official schemas, and
/// returns the answer.
async fn checked(c: &mut Client, v: OcppVersion, action: &str, payload: Value) -> Value {
    let with_schema = schema::available();
    if with_schema {
        if let Err(e) = schema::validate(v, action, false, &payload) {
            panic!("test sent an invalid {action}: {e}");
        }
    }
    let answer = c.call(action, payload).await;
    if with_schema {
        if let Err(e) = schema::validate(v, action, true, &answer) {
            panic!("gateway answered {action} with an invalid payload {answer}: {e}");
        }
    }
    answer
}

fn status16(connector: u32, status: &str) -> Value {
    json!({"connectorId": connector, "errorCode": "NoError", "status": status, "timestamp": "2026-11-28T10:00:00Z"})
}

fn meter16(tx: i64, wh: u32, t: &str) -> Value {
    json!({"connectorId": 1, "transactionId": tx, "meterValue": [{"timestamp": t, "sampledValue": [
        {"value": wh.to_string(), "measurand": "Energy.Active.Import.Register", "unit": "Wh", "context": "Sample.Periodic"},
        {"value": "7200", "measurand": "Power.Active.Import", "unit": "W"}
    ]}]})
}

#[tokio::test]
async fn a_1_6_charger_runs_a_whole_session() {
    let tg = start(settings()).await;
    let v = OcppVersion::V16;
    let mut c = charger(&tg, "S16", "ocpp1.6").await;
    let boot = checked(&mut c, v, "BootNotification", json!({"chargePointVendor": "Acme", "chargePointModel": "AC22", "firmwareVersion": "1.2.3"})).await;
    assert_eq!(boot["status"], "Accepted");
    assert_eq!(boot["interval"], 300);
    checked(&mut c, v, "Heartbeat", json!({})).await;
    checked(&mut c, v, "StatusNotification", status16(0, "Available")).await;
    checked(&mut c, v, "StatusNotification", status16(1, "Available")).await;
    assert_eq!(
        tg.store
            .evse_status("S16", 1)
            .await
            .expect("read")
            .as_deref(),
        Some("available")
    );
    let auth = checked(&mut c, v, "Authorize", json!({"idTag": "TAG-1"})).await;
    assert_eq!(auth["idTagInfo"]["status"], "Accepted");
    checked(&mut c, v, "StatusNotification", status16(1, "Preparing")).await;
    let start = json!({"connectorId": 1, "idTag": "TAG-1", "meterStart": 1000, "timestamp": "2026-11-28T10:00:05Z"});
    let started = checked(&mut c, v, "StartTransaction", start).await;
    let tx = started["transactionId"].as_i64().expect("transactionId");
    checked(&mut c, v, "StatusNotification", status16(1, "Charging")).await;
    assert_eq!(
        tg.store
            .evse_status("S16", 1)
            .await
            .expect("read")
            .as_deref(),
        Some("charging")
    );
    for (i, wh) in [1500u32, 2500, 3500].into_iter().enumerate() {
        checked(
            &mut c,
            v,
            "MeterValues",
            meter16(tx, wh, &format!("2026-11-28T10:0{}:00Z", i + 1)),
        )
        .await;
    }
    let stop = json!({"transactionId": tx, "idTag": "TAG-1", "meterStop": 4000, "timestamp": "2026-11-28T10:05:00Z", "reason": "Local",
        "transactionData": [{"timestamp": "2026-11-28T10:05:00Z", "sampledValue": [{"value": "4000", "context": "Transaction.End"}]}]});
    let stopped = checked(&mut c, v, "StopTransaction", stop).await;
    assert_eq!(stopped["idTagInfo"]["status"], "Accepted");
    checked(&mut c, v, "StatusNotification", status16(1, "Finishing")).await;
    assert_eq!(
        tg.store
            .evse_status("S16", 1)
            .await
            .expect("read")
            .as_deref(),
        Some("finishing")
    );
    checked(&mut c, v, "StatusNotification", status16(1, "Available")).await;

    let rows = tg.store.sessions_of("S16").await.expect("read");
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    assert_eq!(row.transaction_id, Some(tx.to_string()));
    assert_eq!(row.meter_start_wh, Some(1000.0));
    assert_eq!(row.meter_stop_wh, Some(4000.0));
    assert_eq!(row.energy_wh, 3000.0);
    assert_eq!(row.power_latest_w, Some(7200.0));
    assert_eq!(row.reason.as_deref(), Some("local"));
    assert_eq!(row.status, "finished");
    assert_eq!(row.started_at.as_deref(), Some("2026-11-28T10:00:05.000Z"));
    assert_eq!(row.stopped_at.as_deref(), Some("2026-11-28T10:05:00.000Z"));
    assert_eq!(
        tg.store.meter_value_count("S16").await.expect("read"),
        7,
        "3 × 2 periodic samples and the end sample"
    );
    let cp = tg
        .store
        .charge_point_by_identity("S16")
        .await
        .expect("read")
        .expect("row");
    assert_eq!(
        cp.last_boot.as_ref().map(|b| b["vendor"].clone()),
        Some(json!("Acme"))
    );
    assert_eq!(cp.network_status, "available");
}

#[tokio::test]
async fn a_2_0_1_station_runs_a_whole_session() {
    let tg = start(settings()).await;
    let v = OcppVersion::V201;
    let mut c = charger(&tg, "S201", "ocpp2.0.1").await;
    let boot = checked(
        &mut c,
        v,
        "BootNotification",
        json!({"reason": "PowerUp", "chargingStation": {"vendorName": "Acme", "model": "DC150"}}),
    )
    .await;
    assert_eq!(boot["status"], "Accepted");
    checked(&mut c, v, "Heartbeat", json!({})).await;
    let st = |s: &str| json!({"timestamp": "2026-11-28T10:00:00Z", "connectorStatus": s, "evseId": 1, "connectorId": 1});
    checked(&mut c, v, "StatusNotification", st("Available")).await;
    let auth = checked(
        &mut c,
        v,
        "Authorize",
        json!({"idToken": {"idToken": "TOK-1", "type": "ISO14443"}}),
    )
    .await;
    assert_eq!(auth["idTokenInfo"]["status"], "Accepted");
    checked(&mut c, v, "StatusNotification", st("Occupied")).await;
    assert_eq!(
        tg.store
            .evse_status("S201", 1)
            .await
            .expect("read")
            .as_deref(),
        Some("preparing")
    );
    let ev = |kind: &str, seq: u32, trigger: &str, wh: u32, extra: Value| {
        let mut e = json!({"eventType": kind, "timestamp": format!("2026-11-28T10:0{seq}:00Z"), "triggerReason": trigger, "seqNo": seq,
            "transactionInfo": {"transactionId": "TX-201-A", "chargingState": "Charging"},
            "evse": {"id": 1, "connectorId": 1},
            "meterValue": [{"timestamp": format!("2026-11-28T10:0{seq}:00Z"), "sampledValue": [
                {"value": wh, "measurand": "Energy.Active.Import.Register", "unitOfMeasure": {"unit": "Wh"}},
                {"value": 11000.5, "measurand": "Power.Active.Import"}]}]});
        if let (Some(obj), Value::Object(more)) = (e.as_object_mut(), extra) {
            obj.extend(more);
        }
        e
    };
    let r = checked(
        &mut c,
        v,
        "TransactionEvent",
        ev(
            "Started",
            0,
            "Authorized",
            100,
            json!({"idToken": {"idToken": "TOK-1", "type": "ISO14443"}}),
        ),
    )
    .await;
    assert_eq!(r["idTokenInfo"]["status"], "Accepted");
    for seq in 1..=3 {
        checked(
            &mut c,
            v,
            "TransactionEvent",
            ev(
                "Updated",
                seq,
                "MeterValuePeriodic",
                100 + seq * 1000,
                json!({}),
            ),
        )
        .await;
    }
    let mut end = ev("Ended", 4, "EVCommunicationLost", 5000, json!({}));
    end["transactionInfo"]["stoppedReason"] = json!("EVDisconnected");
    checked(&mut c, v, "TransactionEvent", end).await;
    checked(&mut c, v, "MeterValues", json!({"evseId": 1, "meterValue": [{"timestamp": "2026-11-28T10:06:00Z", "sampledValue": [{"value": 5000}]}]})).await;
    checked(&mut c, v, "StatusNotification", st("Available")).await;

    let rows = tg.store.sessions_of("S201").await.expect("read");
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    assert_eq!(row.status, "finished");
    assert_eq!(row.reason.as_deref(), Some("evdisconnected"));
    assert_eq!(row.last_seq_no, Some(4));
    assert_eq!(
        row.energy_wh, 4900.0,
        "from 100 Wh at the start to 5000 Wh at the end"
    );
    assert_eq!(row.power_peak_w, Some(11000.5));
    assert_eq!(row.id_tag.as_deref(), Some("TOK-1"));
    assert_eq!(tg.store.meter_value_count("S201").await.expect("read"), 11);
}

#[tokio::test]
async fn a_repeated_start_gets_the_same_id_and_an_unknown_stop_is_accepted() {
    let tg = start(settings()).await;
    let mut c = charger(&tg, "REP", "ocpp1.6").await;
    let start = json!({"connectorId": 1, "idTag": "T", "meterStart": 0, "timestamp": "2026-11-28T09:00:00Z"});
    let a = c.call("StartTransaction", start.clone()).await;
    let b = c.call("StartTransaction", start).await;
    assert_eq!(
        a["transactionId"], b["transactionId"],
        "the same transaction"
    );
    let other = c
        .call("StartTransaction", json!({"connectorId": 2, "idTag": "T", "meterStart": 0, "timestamp": "2026-11-28T09:00:00Z"}))
        .await;
    assert_ne!(
        other["transactionId"], a["transactionId"],
        "a different start is a new transaction"
    );
    assert_eq!(tg.store.sessions_of("REP").await.expect("read").len(), 2);

    let stop = c
        .call_frame(
            "StopTransaction",
            json!({"transactionId": 987654, "meterStop": 10, "timestamp": "2026-11-28T09:10:00Z"}),
        )
        .await;
    assert_eq!(stop[0], 3, "accepted, not an error: {stop}");
    assert_eq!(
        tg.store.count("unmatched_stops").await.expect("read"),
        1,
        "recorded"
    );
}

fn quirky_meter_values() -> Value {
    // meterValue as an object, and the correctly spelt Celsius.
    json!({"connectorId": 1, "meterValue": {"timestamp": "2026-11-28T10:00:00+03", "sampledValue": [
        {"value": "21.5", "measurand": "Temperature", "unit": "Celsius"},
        {"value": "22.5", "measurand": "Temperature", "unit": "Celcius"}]}})
}

fn temperature(unit: &str, timestamp: &str) -> Value {
    json!({"connectorId": 1, "meterValue": [{"timestamp": timestamp, "sampledValue": [{"value": "21.5", "measurand": "Temperature", "unit": unit}]}]})
}

#[tokio::test]
async fn lenient_mode_accepts_the_known_quirks() {
    let tg = start(settings()).await;
    let mut c = charger(&tg, "LENIENT", "ocpp1.6").await;
    let answer = c.call_frame("MeterValues", quirky_meter_values()).await;
    assert_eq!(answer[0], 3, "{answer}");
    for (unit, ts) in [
        ("Celsius", "2026-11-28T10:00:00Z"),
        ("Celcius", "2026-11-28T10:00:00"),
        ("Kelvins", "2026-11-28 10:00:00.1234567891+0300"),
    ] {
        let a = c.call_frame("MeterValues", temperature(unit, ts)).await;
        assert_eq!(a[0], 3, "{unit} at {ts}: {a}");
    }
    // Every sample was kept (the unknown unit dropped, the value stored).
    assert_eq!(
        tg.store.meter_value_count("LENIENT").await.expect("read"),
        5
    );
}

#[tokio::test]
async fn strict_mode_refuses_them_with_the_exact_codes() {
    let mut s = settings();
    let mut strict = seed("STRICT", None);
    strict.strict = true;
    s.chargers.push(strict);
    let tg = start(s).await;
    let mut c = charger(&tg, "STRICT", "ocpp1.6").await;
    let answer = c.call_frame("MeterValues", quirky_meter_values()).await;
    assert_eq!(answer[0], 4, "{answer}");
    assert!(
        answer[2] == "TypeConstraintViolation" || answer[2] == "FormationViolation",
        "meterValue as an object: {answer}"
    );
    // The official 1.6 schema lists both spellings, so strict mode takes both; a unit
    // that is neither, or a timestamp without a zone, is refused.
    for unit in ["Celsius", "Celcius"] {
        let a = c
            .call_frame("MeterValues", temperature(unit, "2026-11-28T10:00:00Z"))
            .await;
        assert_eq!(a[0], 3, "{unit}: {a}");
    }
    let a = c
        .call_frame(
            "MeterValues",
            temperature("Kelvins", "2026-11-28T10:00:00Z"),
        )
        .await;
    assert_eq!(a[2], "PropertyConstraintViolation", "{a}");
    let a = c
        .call_frame("MeterValues", temperature("Celsius", "2026-11-28T10:00:00"))
        .await;
    assert_eq!(a[2], "PropertyConstraintViolation", "{a}");
}
