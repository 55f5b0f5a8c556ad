//! Whole sessions of both versions reach a subscriber as the expected notifications, in
//! order, each body valid against the reference's callback schema and correctly signed.

use crate::common;
use crate::notify_common;

use common::*;
use notify_common::*;
use ocpp_gateway::domain::notification::ALL;
use serde_json::{json, Value};

const T: &str = "2026-11-28T10:00:00Z";

fn status16(connector: u32, status: &str) -> Value {
    json!({"connectorId": connector, "errorCode": "NoError", "status": status, "timestamp": T})
}

/// Waits for `n` notifications (the test's only charger is `cp`) and checks what every delivery
/// must satisfy; returns their names.
async fn names_of(rx: &Receiver, cp: i64, n: usize) -> Vec<String> {
    let deadline = tokio::time::Instant::now() + WAIT;
    while first_arrivals(&rx.accepted()).len() < n {
        if tokio::time::Instant::now() > deadline {
            let names: Vec<Value> = rx
                .all()
                .iter()
                .map(|r| r.body["notification"].clone())
                .collect();
            panic!("{n} notifications expected for {cp}; received: {names:?}");
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let got = first_arrivals(&rx.accepted());
    let schemas = callback_schemas();
    for r in &got {
        assert_eq!(r.content_type, "application/json");
        assert!(
            signed_by(TOKEN, &r.raw, &r.signature),
            "signature of {}",
            r.body
        );
        assert!(r.id.parse::<i64>().is_ok(), "X-Notification-Id {:?}", r.id);
        if let Some(s) = schemas {
            check_body(s, &r.body);
        }
    }
    got.iter()
        .map(|r| {
            r.body["notification"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect()
}

#[tokio::test]
async fn a_1_6_session_reaches_the_subscriber_in_order() {
    let tg = start(gateway_settings()).await;
    let rx = Receiver::start(Mode::Ok).await;
    subscribe(tg.gw.api_addr(), &rx.url, ALL).await;
    let mut c = charger(&tg, "N16", "ocpp1.6").await;
    c.call("BootNotification", json!({"chargePointVendor": "Acme", "chargePointModel": "AC22", "chargePointSerialNumber": "SN1", "firmwareVersion": "1.2.3"})).await;
    c.call("StatusNotification", status16(0, "Available")).await;
    c.call("StatusNotification", status16(1, "Available")).await;
    c.call("Authorize", json!({"idTag": "TAG-1"})).await;
    c.call("StatusNotification", status16(1, "Preparing")).await;
    let start = c.call("StartTransaction", json!({"connectorId": 1, "idTag": "TAG-1", "meterStart": 1000, "timestamp": "2026-11-28T10:00:05Z"})).await;
    let tx = start["transactionId"].as_i64().expect("transaction id");
    c.call("StatusNotification", status16(1, "Charging")).await;
    c.call("MeterValues", json!({"connectorId": 1, "transactionId": tx, "meterValue": [{"timestamp": "2026-11-28T10:10:00Z", "sampledValue": [
        {"value": "2500", "measurand": "Energy.Active.Import.Register", "unit": "Wh"},
        {"value": "7.2", "measurand": "Power.Active.Import", "unit": "kW"},
        {"value": "230", "measurand": "Voltage", "unit": "V", "phase": "L1"}]}]})).await;
    c.call("StopTransaction", json!({"transactionId": tx, "idTag": "TAG-1", "meterStop": 4000, "timestamp": "2026-11-28T10:30:00Z", "reason": "EVDisconnected"})).await;
    c.call("StatusNotification", status16(1, "Finishing")).await;
    c.call(
        "DataTransfer",
        json!({"vendorId": "Acme", "messageId": "hello", "data": "{\"a\":1}"}),
    )
    .await;
    c.call(
        "SecurityEventNotification",
        json!({"type": "StartupOfTheDevice", "timestamp": T, "techInfo": "cold boot"}),
    )
    .await;
    c.call(
        "DiagnosticsStatusNotification",
        json!({"status": "Uploaded"}),
    )
    .await;
    c.call("FirmwareStatusNotification", json!({"status": "Installed"}))
        .await;
    drop(c);
    let cp = cp_id(&tg, "N16").await;
    let expected = [
        "NetworkStatusNotification",
        "chargePoint.changed",
        "BootNotification",
        "chargePoint.changed",
        "HardwareStatusNotification",
        "chargePoint.changed",
        "HardwareStatusNotification",
        "evse.changed",
        "AuthorizationNotification",
        "HardwareStatusNotification",
        "evse.changed",
        "AuthorizationNotification",
        "SessionStartStopNotification",
        "session.start.stop.notification",
        "SessionUpdateNotification",
        "HardwareStatusNotification",
        "evse.changed",
        "SessionMeterValuesNotification",
        "SessionUpdateNotification",
        "AuthorizationNotification",
        "SessionStartStopNotification",
        "session.start.stop.notification",
        "SessionUpdateNotification",
        "HardwareStatusNotification",
        "evse.changed",
        "chargePoint.dataTransferReceived",
        "SecurityEventNotification",
        "DiagnosticsStatusNotification",
        "chargePoint.changed",
        "NetworkStatusNotification",
        "chargePoint.changed",
    ];
    let names = names_of(&rx, cp, expected.len()).await;
    assert_eq!(names, expected);
    let got = first_arrivals(&rx.accepted());
    let about_cp =
        |b: &Value| b["chargePointId"] == json!(cp) || b["session"]["chargePointId"] == json!(cp);
    assert!(got
        .iter()
        .all(|r| about_cp(&r.body) || r.body.get("evseId").is_some()));
    let stop = &got[20].body;
    assert_eq!(stop["action"], "stop");
    assert_eq!(
        (stop["meterStart"].clone(), stop["meterStop"].clone()),
        (json!(1000), json!(4000))
    );
    assert_eq!(stop["reason"], "evdisconnected");
    assert_eq!(stop["sessionId"], json!(tx));
    let update = &got[22].body["session"];
    assert_eq!(update["id"], json!(tx.to_string()));
    assert_eq!(update["status"], "finished");
    assert_eq!(update["energyConsumption"]["total"], json!(3000.0));
    let meter = &got[17].body["meterValues"];
    assert_eq!(
        meter.as_array().map(Vec::len),
        Some(2),
        "phase values are left out: {meter}"
    );
    assert_eq!(meter[1]["value"], json!(7200.0));
    assert_eq!(got[25].body["data"], "{\"a\":1}");
    assert_eq!(got[29].body["networkStatus"], "temporarily unavailable");
}

#[tokio::test]
async fn a_2_0_1_session_reaches_the_subscriber_in_order() {
    let tg = start(gateway_settings()).await;
    let rx = Receiver::start(Mode::Ok).await;
    subscribe(tg.gw.api_addr(), &rx.url, ALL).await;
    let mut c = charger(&tg, "N201", "ocpp2.0.1").await;
    let token = json!({"idToken": "TAG-2", "type": "ISO14443"});
    let sample = |wh: u32, t: &str| {
        json!([{"timestamp": t, "sampledValue": [
        {"value": wh, "measurand": "Energy.Active.Import.Register", "unitOfMeasure": {"unit": "Wh"}},
        {"value": 55, "measurand": "SoC", "unitOfMeasure": {"unit": "Percent"}}]}])
    };
    c.call(
        "BootNotification",
        json!({"chargingStation": {"model": "DC50", "vendorName": "Acme"}, "reason": "PowerUp"}),
    )
    .await;
    c.call(
        "StatusNotification",
        json!({"timestamp": T, "connectorStatus": "Available", "evseId": 1, "connectorId": 1}),
    )
    .await;
    c.call("Authorize", json!({"idToken": token})).await;
    c.call("TransactionEvent", json!({"eventType": "Started", "timestamp": "2026-11-28T10:00:05Z", "triggerReason": "Authorized", "seqNo": 0,
        "transactionInfo": {"transactionId": "T-201", "chargingState": "Charging"}, "evse": {"id": 1, "connectorId": 1}, "idToken": token,
        "meterValue": sample(1000, "2026-11-28T10:00:05Z")})).await;
    c.call("TransactionEvent", json!({"eventType": "Updated", "timestamp": "2026-11-28T10:10:00Z", "triggerReason": "MeterValuePeriodic", "seqNo": 1,
        "transactionInfo": {"transactionId": "T-201"}, "meterValue": sample(2000, "2026-11-28T10:10:00Z")})).await;
    c.call("TransactionEvent", json!({"eventType": "Ended", "timestamp": "2026-11-28T10:20:00Z", "triggerReason": "EVCommunicationLost", "seqNo": 2,
        "transactionInfo": {"transactionId": "T-201", "stoppedReason": "EVDisconnected"}, "meterValue": sample(3000, "2026-11-28T10:20:00Z")})).await;
    c.call(
        "DataTransfer",
        json!({"vendorId": "Acme", "data": {"k": [1, 2]}}),
    )
    .await;
    c.call(
        "SecurityEventNotification",
        json!({"type": "SettingSystemTime", "timestamp": T}),
    )
    .await;
    c.call(
        "LogStatusNotification",
        json!({"status": "Uploaded", "requestId": 7}),
    )
    .await;
    drop(c);
    let cp = cp_id(&tg, "N201").await;
    let expected = [
        "NetworkStatusNotification",
        "chargePoint.changed",
        "BootNotification",
        "chargePoint.changed",
        "HardwareStatusNotification",
        "evse.changed",
        "AuthorizationNotification",
        "AuthorizationNotification",
        "HardwareStatusNotification",
        "evse.changed",
        "SessionStartStopNotification",
        "session.start.stop.notification",
        "SessionMeterValuesNotification",
        "SessionUpdateNotification",
        "SessionMeterValuesNotification",
        "SessionUpdateNotification",
        "HardwareStatusNotification",
        "evse.changed",
        "SessionMeterValuesNotification",
        "SessionStartStopNotification",
        "session.start.stop.notification",
        "SessionUpdateNotification",
        "chargePoint.dataTransferReceived",
        "SecurityEventNotification",
        "DiagnosticsStatusNotification",
        "NetworkStatusNotification",
        "chargePoint.changed",
    ];
    let names = names_of(&rx, cp, expected.len()).await;
    assert_eq!(names, expected);
    let got = first_arrivals(&rx.accepted());
    assert_eq!(got[16].body["hardwareStatus"], "finishing");
    let stop = &got[19].body;
    assert_eq!(
        (stop["meterStart"].clone(), stop["meterStop"].clone()),
        (json!(1000), json!(3000))
    );
    assert_eq!(got[21].body["session"]["socPercent"], json!(55.0));
    assert_eq!(got[22].body["data"], "{\"k\":[1,2]}");
    assert_eq!(got[24].body["requestId"], 7);
}

#[tokio::test]
async fn without_a_subscriber_nothing_is_written() {
    let tg = start(gateway_settings()).await;
    let rx = Receiver::start(Mode::Ok).await;
    let mut c = charger(&tg, "QUIET", "ocpp1.6").await;
    let start = c
        .call(
            "StartTransaction",
            json!({"connectorId": 1, "idTag": "T", "meterStart": 0, "timestamp": T}),
        )
        .await;
    let tx = start["transactionId"].as_i64().expect("transaction id");
    let meter = json!({"connectorId": 1, "transactionId": tx, "meterValue": [{"timestamp": T, "sampledValue": [{"value": "10"}]}]});
    c.call("MeterValues", meter.clone()).await;
    assert_eq!(tg.store.count("outbox").await.expect("count"), 0);
    // A subscriber of statuses only: meter values still cost no row.
    subscribe(tg.gw.api_addr(), &rx.url, &["HardwareStatusNotification"]).await;
    c.call("MeterValues", meter).await;
    assert_eq!(tg.store.count("outbox").await.expect("count"), 0);
    c.call("StatusNotification", status16(1, "Charging")).await;
    assert_eq!(tg.store.count("outbox").await.expect("count"), 1);
}
