//! What a load-generating charger says, in either OCPP version: the few requests of
//! boot, idle and metering, each valid against the official schemas.

use std::sync::atomic::{AtomicU32, Ordering};

use serde_json::{json, Value};

use crate::ocpp::OcppVersion;

/// BootNotification.
pub(super) fn boot(version: OcppVersion) -> Value {
    match version {
        OcppVersion::V16 => json!({
            "chargePointVendor": "ocpp-gateway",
            "chargePointModel": "load",
            "firmwareVersion": env!("CARGO_PKG_VERSION"),
        }),
        OcppVersion::V201 => json!({
            "reason": "PowerUp",
            "chargingStation": {
                "model": "load",
                "vendorName": "ocpp-gateway",
                "firmwareVersion": env!("CARGO_PKG_VERSION"),
            },
        }),
    }
}

/// StatusNotification: connector 1 (of EVSE 1) is `Available` or `Occupied`.
pub(super) fn status(version: OcppVersion, occupied: bool) -> Value {
    match version {
        OcppVersion::V16 => json!({
            "connectorId": 1,
            "errorCode": "NoError",
            "status": if occupied { "Charging" } else { "Available" },
            "timestamp": now(),
        }),
        OcppVersion::V201 => json!({
            "timestamp": now(),
            "connectorStatus": if occupied { "Occupied" } else { "Available" },
            "evseId": 1,
            "connectorId": 1,
        }),
    }
}

/// The tag of the `index`th charger's transactions: one per charger, since a tag in two
/// transactions at once is answered ConcurrentTx.
pub(super) fn tag(index: usize) -> String {
    format!("LOADTAG{index}")
}

/// The request that starts a transaction: 1.6 StartTransaction, 2.0.1 TransactionEvent
/// `Started` (whose id the charger makes up, returned here).
pub(super) fn start(
    version: OcppVersion,
    meter_wh: i64,
    tag: &str,
) -> (&'static str, Value, Option<String>) {
    match version {
        OcppVersion::V16 => {
            let request = json!({
                "connectorId": 1,
                "idTag": tag,
                "meterStart": meter_wh,
                "timestamp": now(),
            });
            ("StartTransaction", request, None)
        }
        OcppVersion::V201 => {
            let id = fresh_transaction_id();
            let request = json!({
                "eventType": "Started",
                "timestamp": now(),
                "triggerReason": "Authorized",
                "seqNo": 0,
                "transactionInfo": { "transactionId": id, "chargingState": "Charging" },
                "idToken": { "idToken": tag, "type": "ISO14443" },
                "evse": { "id": 1, "connectorId": 1 },
                "meterValue": [energy(meter_wh, "Transaction.Begin")],
            });
            ("TransactionEvent", request, Some(id))
        }
    }
}

/// One periodic meter report: 1.6 MeterValues, 2.0.1 TransactionEvent `Updated`.
pub(super) fn meter(
    version: OcppVersion,
    transaction: &str,
    seq_no: u32,
    meter_wh: i64,
) -> (&'static str, Value) {
    match version {
        OcppVersion::V16 => {
            let id: i64 = transaction.parse().unwrap_or(0);
            let request = json!({
                "connectorId": 1,
                "transactionId": id,
                "meterValue": [{
                    "timestamp": now(),
                    "sampledValue": [
                        {
                            "value": meter_wh.to_string(),
                            "context": "Sample.Periodic",
                            "measurand": "Energy.Active.Import.Register",
                            "unit": "Wh",
                        },
                        {
                            "value": "7400",
                            "context": "Sample.Periodic",
                            "measurand": "Power.Active.Import",
                            "unit": "W",
                        },
                    ],
                }],
            });
            ("MeterValues", request)
        }
        OcppVersion::V201 => {
            let request = json!({
                "eventType": "Updated",
                "timestamp": now(),
                "triggerReason": "MeterValuePeriodic",
                "seqNo": seq_no,
                "transactionInfo": { "transactionId": transaction, "chargingState": "Charging" },
                "meterValue": [energy(meter_wh, "Sample.Periodic")],
            });
            ("TransactionEvent", request)
        }
    }
}

fn energy(wh: i64, context: &str) -> Value {
    json!({
        "timestamp": now(),
        "sampledValue": [{
            "value": wh,
            "context": context,
            "measurand": "Energy.Active.Import.Register",
            "unitOfMeasure": { "unit": "Wh" },
        }],
    })
}

fn fresh_transaction_id() -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let millis = chrono::Utc::now().timestamp_millis();
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("LOAD-{millis:x}-{n:x}")
}

/// The current time as the schemas want it (RFC 3339, UTC, milliseconds).
fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}
