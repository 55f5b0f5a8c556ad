//! What chargers of both versions report, read back through the resources API:
//! charge points, EVSEs, status, sessions and the status logs. Every response is checked
//! against the reference.

use crate::common;

use std::time::Duration;

use common::reference::{Api, R};
use common::*;
use serde_json::{json, Value};

async fn gateway(long_term_after: Duration) -> (TestGateway, Api) {
    let mut s = settings();
    s.ocpp.long_term_after = long_term_after;
    let tg = start(s).await;
    let token = tg.gw.api_tokens().first().expect("a token").clone();
    let api = Api::new(tg.gw.api_addr(), Some(&token));
    (tg, api)
}

/// The API id of the charge point with this identity.
async fn cp_id(api: &Api, identity: &str) -> i64 {
    let r = api
        .get(&format!(
            "{R}/charge-points/v2.0?filter[networkId]={identity}"
        ))
        .await;
    r.body["data"][0]["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("no charge point {identity}: {}", r.text))
}

fn status16(connector: u32, status: &str, at: &str) -> Value {
    json!({"connectorId": connector, "errorCode": "NoError", "status": status, "timestamp": at})
}

fn data_len(r: &common::reference::Reply) -> usize {
    r.body["data"].as_array().map_or(0, Vec::len)
}

#[tokio::test]
async fn a_1_6_charger_shows_up_in_every_resource() {
    let (tg, api) = gateway(Duration::from_secs(3600)).await;
    let mut c = charger(&tg, "R16", "ocpp1.6").await;
    c.call("BootNotification", json!({"chargePointVendor": "Acme", "chargePointModel": "AC22", "firmwareVersion": "1.2.3"}))
        .await;
    c.call(
        "StatusNotification",
        status16(0, "Available", "2026-11-28T10:00:00Z"),
    )
    .await;
    c.call(
        "StatusNotification",
        status16(1, "Available", "2026-11-28T10:00:00Z"),
    )
    .await;
    c.call(
        "StatusNotification",
        status16(2, "Faulted", "2026-11-28T10:00:01Z"),
    )
    .await;
    c.call(
        "StatusNotification",
        status16(1, "Preparing", "2026-11-28T10:00:02Z"),
    )
    .await;
    let started = c
        .call("StartTransaction", json!({"connectorId": 1, "idTag": "TAG-9", "meterStart": 1000, "timestamp": "2026-11-28T10:00:05Z"}))
        .await;
    let tx = started["transactionId"].as_i64().expect("transactionId");
    c.call(
        "StatusNotification",
        status16(1, "Charging", "2026-11-28T10:00:06Z"),
    )
    .await;
    c.call("MeterValues", json!({"connectorId": 1, "transactionId": tx, "meterValue": [{"timestamp": "2026-11-28T10:30:05Z", "sampledValue": [
        {"value": "4600", "measurand": "Energy.Active.Import.Register", "unit": "Wh"},
        {"value": "7200", "measurand": "Power.Active.Import", "unit": "W"},
        {"value": "55", "measurand": "SoC", "unit": "Percent"}]}]}))
        .await;

    let cp = cp_id(&api, "R16").await;
    let read = api
        .get(&format!(
            "{R}/charge-points/v2.0/{cp}?include[]=lastBootNotification"
        ))
        .await;
    let d = &read.body["data"];
    assert_eq!(d["networkStatus"], "available");
    assert_eq!(d["hardwareStatus"], "available");
    assert_eq!(d["network"]["protocol"], "ocpp 1.6");
    assert_eq!(d["lastBootNotification"]["firmwareVersion"], "1.2.3");

    // EVSEs: connector 0 is the charge point itself, not an EVSE.
    let evses = api.get(&format!("{R}/charge-points/v2.0/{cp}/evses")).await;
    let list = evses.body["data"].as_array().expect("evses");
    assert_eq!(list.len(), 2, "{}", evses.text);
    assert_eq!(list[0]["networkId"], "1");
    assert_eq!(list[0]["hardwareStatus"], "charging");
    assert_eq!(list[1]["hardwareStatus"], "faulted");
    let evse1 = list[0]["id"].as_i64().expect("evse id");
    let one = api
        .get(&format!("{R}/charge-points/v2.0/{cp}/evses/{evse1}"))
        .await;
    assert_eq!(one.body["data"]["connectors"][0]["id"], 1);
    let one = api.get(&format!("{R}/evses/v2.1/{evse1}")).await;
    assert_eq!(one.body["data"]["chargePointId"], cp);
    let all = api
        .get(&format!("{R}/evses/v2.1?filter[chargePointId]={cp}"))
        .await;
    assert_eq!(data_len(&all), 2);
    let none = api
        .get(&format!(
            "{R}/evses/v2.1?filter[chargePointId]={}",
            cp + 1000
        ))
        .await;
    assert_eq!(data_len(&none), 0);
    assert_eq!(
        api.get(&format!("{R}/evses/v2.1?filter[chargePointId]=x"))
            .await
            .status,
        422
    );
    assert_eq!(api.get(&format!("{R}/evses/v2.1/999999")).await.status, 404);
    assert_eq!(
        api.get(&format!("{R}/charge-points/v2.0/{cp}/evses/999999"))
            .await
            .status,
        404
    );

    let status = api
        .get(&format!("{R}/charge-points/v1.0/{cp}/status"))
        .await;
    assert_eq!(status.body["data"]["networkStatus"], "available");
    assert_eq!(status.body["data"]["evses"][0]["id"], evse1);
    assert_eq!(
        status.body["data"]["evses"][0]["hardwareStatus"],
        "charging"
    );

    // The running session: energy from the meter registers, average power over time.
    let sessions = api
        .get(&format!("{R}/sessions/v1.0?filter[chargePointId]={cp}"))
        .await;
    let s = &sessions.body["data"][0];
    assert_eq!(s["id"], tx.to_string());
    assert_eq!(s["status"], "active");
    assert_eq!(s["energy"], 3600.0);
    assert_eq!(s["energyConsumption"]["total"], 3600.0);
    assert_eq!(s["power"]["latest"], 7200.0);
    assert_eq!(s["socPercent"], 55.0);
    assert_eq!(s["idTag"], "TAG-9");
    assert_eq!(s["evseId"], evse1);
    assert_eq!(s["connectorId"], 1);

    c.call("StopTransaction", json!({"transactionId": tx, "meterStop": 4600, "timestamp": "2026-11-28T10:30:05Z", "reason": "EVDisconnected"}))
        .await;
    let s = api.get(&format!("{R}/sessions/v1.0/{tx}")).await;
    let s = &s.body["data"];
    assert_eq!(s["status"], "finished");
    assert_eq!(s["reason"], "evdisconnected");
    assert_eq!(s["stoppedAt"], "2026-11-28T10:30:05.000Z");
    // 3600 Wh over 30 minutes.
    assert_eq!(s["power"]["average"], 7200.0);
    assert_eq!(s["power"]["peak"], 7200.0);

    for (filter, n) in [
        ("filter[status]=finished", 1),
        ("filter[status]=active", 0),
        ("filter[idTag]=TAG-9", 1),
        ("filter[chargePointNetworkId]=R16", 1),
        (&format!("filter[evseId]={evse1}") as &str, 1),
        (
            "filter[startedAfter]=2026-11-28T10:00:00Z&filter[startedBefore]=2026-11-28T10:01:00Z",
            1,
        ),
        ("filter[endedBefore]=2026-11-28T10:00:00Z", 0),
    ] {
        let r = api.get(&format!("{R}/sessions/v1.0?{filter}")).await;
        assert_eq!(data_len(&r), n, "{filter}: {}", r.text);
    }
    assert_eq!(
        api.get(&format!("{R}/sessions/v1.0?filter[status]=done"))
            .await
            .status,
        422
    );
    assert_eq!(api.get(&format!("{R}/sessions/v1.0/x")).await.status, 404);

    // Logs, newest last in the lists.
    let logs = api
        .get(&format!(
            "{R}/charge-points/v2.0/{cp}/hardware-status-logs?per_page=2"
        ))
        .await;
    assert_eq!(data_len(&logs), 2);
    assert!(logs.body["links"]["next"].is_string());
    let latest = api
        .get(&format!(
            "{R}/charge-points/v2.0/{cp}/latest-hardware-status-log"
        ))
        .await;
    assert_eq!(latest.body["data"]["status"], "charging");
    assert_eq!(latest.body["data"]["errorCode"], "NoError");
    let net = api
        .get(&format!("{R}/charge-points/v2.0/{cp}/network-status-logs"))
        .await;
    assert_eq!(net.body["data"][0]["status"], "available");
    let after = api
        .get(&format!(
            "{R}/charge-points/v2.0/{cp}/network-status-logs?filter[createdAfter]=2999-01-01"
        ))
        .await;
    assert_eq!(data_len(&after), 0);
    assert_eq!(
        api.get(&format!(
            "{R}/charge-points/v2.0/{}/latest-network-status-log",
            cp + 1000
        ))
        .await
        .status,
        404
    );
}

#[tokio::test]
async fn a_2_0_1_station_shows_up_and_goes_long_term_unavailable() {
    let (tg, api) = gateway(Duration::from_millis(1)).await;
    let mut c = charger(&tg, "R201", "ocpp2.0.1").await;
    c.call("BootNotification", json!({"reason": "PowerUp", "chargingStation": {"vendorName": "Acme", "model": "DC150", "serialNumber": "S-1"}}))
        .await;
    let st = |s: &str| json!({"timestamp": "2026-11-28T10:00:00Z", "connectorStatus": s, "evseId": 1, "connectorId": 1});
    c.call("StatusNotification", st("Available")).await;
    c.call("StatusNotification", st("Occupied")).await;
    let ev = |kind: &str, seq: u32, wh: u32| {
        json!({"eventType": kind, "timestamp": format!("2026-11-28T10:{:02}:00Z", seq * 10), "triggerReason": "MeterValuePeriodic", "seqNo": seq,
            "transactionInfo": {"transactionId": "TX-R201", "chargingState": "Charging"},
            "idToken": {"idToken": "TOK-7", "type": "ISO14443"},
            "evse": {"id": 1, "connectorId": 1},
            "meterValue": [{"timestamp": format!("2026-11-28T10:{:02}:00Z", seq * 10), "sampledValue": [
                {"value": wh, "measurand": "Energy.Active.Import.Register"},
                {"value": 11000, "measurand": "Power.Active.Import"}]}]})
    };
    c.call("TransactionEvent", ev("Started", 0, 100)).await;
    c.call("TransactionEvent", ev("Updated", 1, 1100)).await;

    let cp = cp_id(&api, "R201").await;
    let d = api
        .get(&format!(
            "{R}/charge-points/v2.0/{cp}?include[]=lastBootNotification"
        ))
        .await;
    assert_eq!(d.body["data"]["network"]["protocol"], "ocpp 2.0.1");
    assert_eq!(
        d.body["data"]["lastBootNotification"]["chargePointSerialNumber"],
        "S-1"
    );
    let evses = api
        .get(&format!("{R}/evses/v2.1?filter[chargePointId]={cp}"))
        .await;
    assert_eq!(evses.body["data"][0]["hardwareStatus"], "charging");
    let sessions = api
        .get(&format!(
            "{R}/sessions/v1.0?filter[chargePointNetworkId]=R201"
        ))
        .await;
    let s = &sessions.body["data"][0];
    assert_eq!(s["status"], "active");
    assert_eq!(s["energy"], 1000.0);
    assert_eq!(s["idTag"], "TOK-7");

    let mut end = ev("Ended", 2, 2100);
    end["transactionInfo"]["stoppedReason"] = json!("EVDisconnected");
    c.call("TransactionEvent", end).await;
    let s = api
        .get(&format!(
            "{R}/sessions/v1.0?filter[chargePointNetworkId]=R201"
        ))
        .await;
    let s = &s.body["data"][0];
    assert_eq!(s["status"], "finished");
    assert_eq!(s["energy"], 2000.0);
    assert_eq!(s["reason"], "evdisconnected");
    // 2000 Wh over 20 minutes.
    assert_eq!(s["power"]["average"], 6000.0);

    // Gone for longer than long_term_after (1 ms here).
    drop(c);
    eventually("long-term unavailable", || {
        let api = api.clone();
        async move {
            api.get(&format!("{R}/charge-points/v2.0/{cp}")).await.body["data"]["networkStatus"]
                == "long-term_unavailable"
        }
    })
    .await;
    let status = api
        .get(&format!("{R}/charge-points/v1.0/{cp}/status"))
        .await;
    assert_eq!(
        status.body["data"]["networkStatus"],
        "long-term unavailable"
    );
    let latest = api
        .get(&format!(
            "{R}/charge-points/v2.0/{cp}/latest-network-status-log"
        ))
        .await;
    assert_eq!(latest.body["data"]["status"], "temporarily_unavailable");
}
