//! The scenarios in OCPP 1.6: StartTransaction, MeterValues and StopTransaction
//! around a CSMS-allocated integer transaction id.

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
        "chargePointVendor": run.options.vendor,
        "chargePointModel": run.options.model,
        "firmwareVersion": env!("CARGO_PKG_VERSION"),
    });
    let response = run.step("BootNotification", request).await?;
    require_accepted("BootNotification", &response, "")?;
    run.report.heartbeat_interval = boot_interval(&response);
    Ok(())
}

async fn status(run: &mut Run<'_>, status: &str) -> Result<(), SimError> {
    let request = json!({
        "connectorId": run.options.connector_id,
        "errorCode": "NoError",
        "status": status,
        "timestamp": now(),
    });
    run.step("StatusNotification", request).await.map(drop)
}

async fn session(run: &mut Run<'_>) -> Result<(), SimError> {
    let id_tag = run.options.id_tag.clone();
    let connector = run.options.connector_id;
    let response = run.step("Authorize", json!({ "idTag": id_tag })).await?;
    require_accepted("Authorize", &response, "idTagInfo")?;
    status(run, "Preparing").await?;

    let mut energy = run.options.meter_start_wh;
    let start = json!({
        "connectorId": connector,
        "idTag": id_tag,
        "meterStart": energy,
        "timestamp": now(),
    });
    let response = run.step("StartTransaction", start).await?;
    require_accepted("StartTransaction", &response, "idTagInfo")?;
    let Some(transaction_id) = response.get("transactionId").and_then(Value::as_i64) else {
        return Err(SimError::Unexpected {
            action: "StartTransaction".to_owned(),
            reason: format!("no integer transactionId in {response}"),
        });
    };
    run.report.transaction_id = Some(transaction_id.to_string());
    status(run, "Charging").await?;

    for _ in 0..run.options.meter_values {
        if !run.pause(run.options.meter_interval).await {
            break;
        }
        energy += run.options.energy_step_wh;
        let request = json!({
            "connectorId": connector,
            "transactionId": transaction_id,
            "meterValue": [{
                "timestamp": now(),
                "sampledValue": [
                    sample(energy, "Energy.Active.Import.Register", "Wh"),
                    sample(run.options.power_w, "Power.Active.Import", "W"),
                ],
            }],
        });
        run.step("MeterValues", request).await?;
    }

    let stop = json!({
        "transactionId": transaction_id,
        "idTag": id_tag,
        "meterStop": energy,
        "timestamp": now(),
        "reason": "Local",
    });
    run.step("StopTransaction", stop).await?;
    run.report.meter_wh = Some((run.options.meter_start_wh, energy));
    status(run, "Finishing").await?;
    status(run, "Available").await
}

/// One periodic sampled value; 1.6 carries values as strings.
fn sample(value: i64, measurand: &str, unit: &str) -> Value {
    json!({
        "value": value.to_string(),
        "context": "Sample.Periodic",
        "measurand": measurand,
        "location": "Outlet",
        "unit": unit,
    })
}
