//! Support for the session conformance tests: a gateway with a webhook subscriber for
//! the session notifications, the API client, and the session resources as a user reads
//! them.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use crate::common::reference::{Api, R};
use crate::common::*;
use crate::notify_common::*;

/// A gateway, its API (reference-checked), and a subscriber of the session notifications.
pub struct Rig {
    pub tg: TestGateway,
    pub api: Api,
    pub rx: Receiver,
}

/// Starts a gateway on `s` (see [`gateway_settings`]) with a session subscriber.
pub async fn rig_with(s: ocpp_gateway::config::Settings) -> Rig {
    let tg = start(s).await;
    let rx = Receiver::start(Mode::Ok).await;
    subscribe(
        tg.gw.api_addr(),
        &rx.url,
        &["SessionStartStopNotification", "SessionUpdateNotification"],
    )
    .await;
    let api = Api::new(tg.gw.api_addr(), Some(TOKEN));
    Rig { tg, api, rx }
}

pub async fn rig() -> Rig {
    rig_with(gateway_settings()).await
}

/// A 1.6 StatusNotification payload.
pub fn status16(connector: u32, status: &str, at: &str) -> Value {
    json!({"connectorId": connector, "errorCode": "NoError", "status": status, "timestamp": at})
}

/// A 2.0.1 StatusNotification payload.
pub fn status201(evse: u32, status: &str, at: &str) -> Value {
    json!({"timestamp": at, "connectorStatus": status, "evseId": evse, "connectorId": 1})
}

pub fn boot16() -> Value {
    json!({"chargePointVendor": "Acme", "chargePointModel": "AC22"})
}

pub fn boot201() -> Value {
    json!({"reason": "PowerUp", "chargingStation": {"vendorName": "Acme", "model": "DC50"}})
}

/// An energy register reading (Wh) at `at`, as 1.6 MeterValues' `meterValue`.
pub fn energy16(at: &str, wh: f64) -> Value {
    json!([{"timestamp": at, "sampledValue": [
        {"value": wh.to_string(), "measurand": "Energy.Active.Import.Register", "unit": "Wh"}]}])
}

/// The same as a 2.0.1 `meterValue`.
pub fn energy201(at: &str, wh: f64) -> Value {
    json!([{"timestamp": at, "sampledValue": [
        {"value": wh, "measurand": "Energy.Active.Import.Register", "unitOfMeasure": {"unit": "Wh"}}]}])
}

/// A 2.0.1 TransactionEvent.
pub fn tx_event(kind: &str, tx: &str, seq: u32, at: &str, extra: Value) -> Value {
    let mut v = json!({
        "eventType": kind, "timestamp": at, "seqNo": seq,
        "triggerReason": if kind == "Started" { "Authorized" } else if kind == "Ended" { "StopAuthorized" } else { "MeterValuePeriodic" },
        "transactionInfo": {"transactionId": tx},
    });
    if let (Some(o), Some(e)) = (v.as_object_mut(), extra.as_object()) {
        for (k, val) in e {
            if k == "transactionInfo" {
                if let (Some(ti), Some(more)) =
                    (o["transactionInfo"].as_object_mut(), val.as_object())
                {
                    ti.extend(more.clone());
                }
            } else {
                o.insert(k.clone(), val.clone());
            }
        }
    }
    v
}

impl Rig {
    /// The charge point id of `identity`.
    pub async fn cp(&self, identity: &str) -> i64 {
        cp_id(&self.tg, identity).await
    }

    /// A session as `GET sessions/v1.0/{id}` shows it.
    pub async fn session(&self, id: i64) -> Value {
        let r = self.api.get(&format!("{R}/sessions/v1.0/{id}")).await;
        assert_eq!(r.status, 200, "session {id}: {}", r.text);
        r.body["data"].clone()
    }

    /// Every session of charge point `cp`, oldest first, as `GET sessions/v1.0` lists them.
    pub async fn sessions(&self, cp: i64) -> Vec<Value> {
        let r = self
            .api
            .get(&format!(
                "{R}/sessions/v1.0?filter[chargePointId]={cp}&per_page=100"
            ))
            .await;
        assert_eq!(r.status, 200, "sessions: {}", r.text);
        let mut all: Vec<Value> = r.body["data"].as_array().cloned().unwrap_or_default();
        all.sort_by_key(|s| s["id"].as_str().and_then(|i| i.parse::<i64>().ok()));
        all
    }

    /// The session notifications delivered so far about session `id`: (name, action).
    pub fn notices_of(&self, id: i64) -> Vec<(String, Option<String>)> {
        first_arrivals(&self.rx.accepted())
            .into_iter()
            .filter(|r| session_id(&r.body) == Some(id))
            .map(|r| {
                (
                    r.body["notification"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned(),
                    r.body["action"].as_str().map(str::to_owned),
                )
            })
            .collect()
    }

    /// Waits until the notifications about session `id` are `expected`.
    pub async fn expect_notices(&self, id: i64, expected: &[(&str, Option<&str>)]) {
        let want: Vec<(String, Option<String>)> = expected
            .iter()
            .map(|(n, a)| ((*n).to_owned(), a.map(str::to_owned)))
            .collect();
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let got = self.notices_of(id);
            if got == want {
                return;
            }
            if tokio::time::Instant::now() > deadline {
                panic!("notifications of session {id}: {got:?}, expected {want:?}");
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }
}

/// The session a notification is about.
fn session_id(body: &Value) -> Option<i64> {
    let s = body
        .get("session")
        .and_then(|s| s.get("id"))
        .or_else(|| body.get("sessionId"))
        .or_else(|| body.get("id"))?;
    s.as_i64().or_else(|| s.as_str()?.parse().ok())
}

pub fn time(v: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(v.as_str().unwrap_or_else(|| panic!("a time: {v}")))
        .unwrap_or_else(|e| panic!("a time {v}: {e}"))
        .with_timezone(&Utc)
}

/// Asserts that no EVSE of the sessions listed has two open sessions.
pub fn one_open_per_evse(sessions: &[Value]) {
    let mut open = std::collections::HashMap::new();
    for s in sessions.iter().filter(|s| s["status"] == "active") {
        let key = (
            s["chargePointId"].clone().to_string(),
            s["connectorId"].to_string(),
        );
        if let Some(other) = open.insert(key, s["id"].clone()) {
            panic!(
                "two open sessions on one connector: {other} and {}",
                s["id"]
            );
        }
    }
}
