//! The scenarios in OCPP 2.0.1: one TransactionEvent stream (Started, Updated, Ended)
//! with a charger-chosen transaction id and a `seqNo` counting from 0.

use std::sync::atomic::{AtomicU32, Ordering};

use serde_json::{json, Value};

use super::{boot_interval, now, require_accepted, Run, Scenario};
use crate::sim::SimError;

pub(super) async fn run(run: &mut Run<'_>, scenario: Scenario) -> Result<(), SimError> {
    boot(run).await?;
    status(run, "Available").await?;
    match scenario {
        Scenario::Boot | Scenario::Storm => Ok(()),
        Scenario::Idle => {
            let interval = run.heartbeat_interval();
            run.heartbeats(interval).await
        }
        Scenario::Session | Scenario::Meter => session(run).await,
    }
}

async fn boot(run: &mut Run<'_>) -> Result<(), SimError> {
    let request = json!({
        "reason": "PowerUp",
        "chargingStation": {
            "model": run.options.model,
            "vendorName": run.options.vendor,
            "firmwareVersion": env!("CARGO_PKG_VERSION"),
        },
    });
    let response = run.step("BootNotification", request).await?;
    require_accepted("BootNotification", &response, "")?;
    run.report.heartbeat_interval = boot_interval(&response);
    Ok(())
}

async fn status(run: &mut Run<'_>, status: &str) -> Result<(), SimError> {
    let request = json!({
        "timestamp": now(),
        "connectorStatus": status,
        "evseId": run.options.connector_id,
        "connectorId": 1,
    });
    run.step("StatusNotification", request).await.map(drop)
}

/// A TransactionEvent in the making: what changes from one event to the next.
struct Event<'a> {
    event_type: &'a str,
    trigger: &'a str,
    charging_state: &'a str,
    samples: Vec<Value>,
}

/// The charger's side of one transaction.
struct Transaction {
    id: String,
    seq_no: u32,
    id_token: Value,
    evse: Value,
}

impl Transaction {
    /// The next TransactionEvent request.
    fn event(&mut self, event: Event<'_>) -> Value {
        let mut transaction = json!({
            "transactionId": self.id,
            "chargingState": event.charging_state,
        });
        if event.event_type == "Ended" {
            transaction["stoppedReason"] = json!("Local");
        }
        let mut request = json!({
            "eventType": event.event_type,
            "timestamp": now(),
            "triggerReason": event.trigger,
            "seqNo": self.seq_no,
            "transactionInfo": transaction,
        });
        if event.event_type != "Updated" {
            request["idToken"] = self.id_token.clone();
            request["evse"] = self.evse.clone();
        }
        if !event.samples.is_empty() {
            let meter_value = json!([{ "timestamp": now(), "sampledValue": event.samples }]);
            request["meterValue"] = meter_value;
        }
        self.seq_no += 1;
        request
    }
}

async fn session(run: &mut Run<'_>) -> Result<(), SimError> {
    let id_token = json!({ "idToken": run.options.id_tag, "type": "ISO14443" });
    let response = run
        .step("Authorize", json!({ "idToken": id_token }))
        .await?;
    require_accepted("Authorize", &response, "idTokenInfo")?;
    status(run, "Occupied").await?;

    let mut tx = Transaction {
        id: fresh_transaction_id(),
        seq_no: 0,
        id_token,
        evse: json!({ "id": run.options.connector_id, "connectorId": 1 }),
    };
    run.report.transaction_id = Some(tx.id.clone());
    let mut energy = run.options.meter_start_wh;

    let started = Event {
        event_type: "Started",
        trigger: "Authorized",
        charging_state: "EVConnected",
        samples: vec![energy_sample(energy, "Transaction.Begin")],
    };
    let request = tx.event(started);
    let response = run.step("TransactionEvent", request).await?;
    if response.get("idTokenInfo").is_some() {
        require_accepted("TransactionEvent", &response, "idTokenInfo")?;
    }
    let charging = Event {
        event_type: "Updated",
        trigger: "ChargingStateChanged",
        charging_state: "Charging",
        samples: Vec::new(),
    };
    let request = tx.event(charging);
    run.step("TransactionEvent", request).await?;

    for _ in 0..run.options.meter_values {
        if !run.pause(run.options.meter_interval).await {
            break;
        }
        energy += run.options.energy_step_wh;
        let power = json!({
            "value": run.options.power_w,
            "context": "Sample.Periodic",
            "measurand": "Power.Active.Import",
            "location": "Outlet",
            "unitOfMeasure": { "unit": "W" },
        });
        let periodic = Event {
            event_type: "Updated",
            trigger: "MeterValuePeriodic",
            charging_state: "Charging",
            samples: vec![energy_sample(energy, "Sample.Periodic"), power],
        };
        let request = tx.event(periodic);
        run.step("TransactionEvent", request).await?;
    }

    let ended = Event {
        event_type: "Ended",
        trigger: "StopAuthorized",
        charging_state: "EVConnected",
        samples: vec![energy_sample(energy, "Transaction.End")],
    };
    let request = tx.event(ended);
    run.step("TransactionEvent", request).await?;
    run.report.meter_wh = Some((run.options.meter_start_wh, energy));
    status(run, "Available").await
}

/// An Energy.Active.Import.Register sample; 2.0.1 carries values as numbers.
fn energy_sample(wh: i64, context: &str) -> Value {
    json!({
        "value": wh,
        "context": context,
        "measurand": "Energy.Active.Import.Register",
        "location": "Outlet",
        "unitOfMeasure": { "unit": "Wh" },
    })
}

/// A transaction id unique in this process and across restarts (at most 36 characters).
pub(in crate::sim) fn fresh_transaction_id() -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let millis = chrono::Utc::now().timestamp_millis();
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("SIM-{millis:x}-{n:x}")
}
