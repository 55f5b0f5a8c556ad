//! The operator's station settings as OCPP calls: display messages (O01/O05), variable
//! monitoring (N04–N06), network profiles (B09), transaction status (E14), running cost
//! (I02/I03) and firmware publishing (L03).
//!
//! OCPP 1.6 has none of these but the running cost, which goes in the California
//! pricing DataTransfer (`org.openchargealliance.costmsg` / `RunningCost`) to a charger
//! that declared it; every other one is a 501 that says which convention is missing,
//! rather than a DataTransfer no charger was said to understand.

use serde_json::{json, Value};

use super::{put, ts, ActionError, Request};
use crate::charger::handle::{CallError, ChargerHandle};
use crate::domain::action::{Action, Outcome};
use crate::domain::station::{ComponentRef, DisplayMessage, Monitor, NetworkProfile};

const ACCEPTED: &[&str] = &["Accepted"];

/// The vendor of the California pricing messages for 1.6.
pub const COST_VENDOR: &str = "org.openchargealliance.costmsg";

/// The actions this module encodes, as one pattern for both versions' encoders.
macro_rules! station_actions {
    () => {
        Action::SetDisplayMessage { .. }
            | Action::ClearDisplayMessage { .. }
            | Action::SetVariableMonitoring { .. }
            | Action::ClearVariableMonitoring { .. }
            | Action::SetMonitoringBase { .. }
            | Action::SetMonitoringLevel { .. }
            | Action::SetNetworkProfile { .. }
            | Action::GetTransactionStatus { .. }
            | Action::CostUpdated { .. }
            | Action::PublishFirmware { .. }
            | Action::UnpublishFirmware { .. }
    };
}
pub(crate) use station_actions;

/// The 2.0.1 call for one of this module's actions.
pub fn encode_v201(action: &Action) -> Result<Request, ActionError> {
    Ok(match action {
        Action::SetDisplayMessage { message } => Request::new(
            "SetDisplayMessage",
            json!({"message": message_json(message)}),
            ACCEPTED,
        ),
        Action::ClearDisplayMessage { id } => {
            Request::new("ClearDisplayMessage", json!({"id": id}), ACCEPTED)
        }
        // Statuses are per monitor: the answer is the platform's to read.
        Action::SetVariableMonitoring { monitors } => Request::new(
            "SetVariableMonitoring",
            json!({"setMonitoringData": monitors.iter().map(monitor_json).collect::<Vec<_>>()}),
            &[],
        ),
        Action::ClearVariableMonitoring { ids } => {
            Request::new("ClearVariableMonitoring", json!({"id": ids}), &[])
        }
        Action::SetMonitoringBase { base } => Request::new(
            "SetMonitoringBase",
            json!({"monitoringBase": base}),
            ACCEPTED,
        ),
        Action::SetMonitoringLevel { severity } => Request::new(
            "SetMonitoringLevel",
            json!({"severity": severity}),
            ACCEPTED,
        ),
        Action::SetNetworkProfile { slot, profile } => Request::new(
            "SetNetworkProfile",
            json!({"configurationSlot": slot, "connectionData": network_profile_json(profile)}),
            ACCEPTED,
        ),
        Action::GetTransactionStatus { transaction_id } => {
            let mut p = json!({});
            put(&mut p, "transactionId", transaction_id.as_deref());
            Request::new("GetTransactionStatus", p, &[])
        }
        Action::CostUpdated {
            transaction_id,
            total_cost,
            ..
        } => Request::new(
            "CostUpdated",
            json!({"totalCost": total_cost, "transactionId": transaction_id}),
            &[],
        ),
        Action::PublishFirmware { firmware } => {
            let mut p = json!({
                "location": firmware.location,
                "checksum": firmware.checksum,
                "requestId": firmware.request_id,
            });
            put(&mut p, "retries", firmware.retries);
            put(&mut p, "retryInterval", firmware.interval);
            Request::new("PublishFirmware", p, ACCEPTED)
        }
        Action::UnpublishFirmware { checksum } => Request::new(
            "UnpublishFirmware",
            json!({"checksum": checksum}),
            &["Unpublished"],
        ),
        other => {
            return Err(ActionError::Unsupported(format!(
                "{} is not a station setting.",
                other.name()
            )))
        }
    })
}

/// The 1.6 call for one of this module's actions: only the running cost has one.
pub fn encode_v16(action: &Action) -> Result<Request, ActionError> {
    let what = match action {
        Action::CostUpdated {
            transaction_id,
            total_cost,
            meter_wh,
            charging,
            at,
            running_cost_convention: true,
        } => {
            let id: i64 = transaction_id.parse().map_err(|_| {
                ActionError::invalid("transactionId", "The session has no 1.6 transaction id.")
            })?;
            let data = json!({
                "transactionId": id,
                "timestamp": ts(at),
                "meterValue": meter_wh.unwrap_or(0),
                "cost": total_cost,
                "state": if *charging { "Charging" } else { "Idle" },
            });
            return Ok(Request::new(
                "DataTransfer",
                json!({"vendorId": COST_VENDOR, "messageId": "RunningCost",
                       "data": data.to_string()}),
                ACCEPTED,
            ));
        }
        Action::CostUpdated { .. } => {
            "running cost: the charger did not declare the California pricing DataTransfer \
             (org.openchargealliance.costmsg RunningCost)"
        }
        Action::SetDisplayMessage { .. } | Action::ClearDisplayMessage { .. } => {
            "display messages, and no DataTransfer convention for them is configured"
        }
        Action::SetVariableMonitoring { .. }
        | Action::ClearVariableMonitoring { .. }
        | Action::SetMonitoringBase { .. }
        | Action::SetMonitoringLevel { .. } => "variable monitoring",
        Action::SetNetworkProfile { .. } => {
            "network profiles (set-security-profile changes a 1.6 charger's profile)"
        }
        Action::GetTransactionStatus { .. } => "transaction status",
        Action::PublishFirmware { .. } | Action::UnpublishFirmware { .. } => {
            "publishing firmware to local controllers"
        }
        other => other.name(),
    };
    Err(ActionError::Unsupported(format!(
        "OCPP 1.6 has no operation for {what}."
    )))
}

/// A 2.0.1 `ComponentType`.
pub fn component_json(c: &ComponentRef) -> Value {
    let mut v = json!({"name": c.name});
    put(&mut v, "instance", c.instance.as_deref());
    if let Some(id) = c.evse_id {
        let mut evse = json!({"id": id});
        put(&mut evse, "connectorId", c.connector_id);
        put(&mut v, "evse", Some(evse));
    }
    v
}

/// A 2.0.1 `MessageInfoType`.
pub fn message_json(m: &DisplayMessage) -> Value {
    let mut content = json!({"format": m.format, "content": m.content});
    put(&mut content, "language", m.language.as_deref());
    let mut v = json!({"id": m.id, "priority": m.priority, "message": content});
    put(&mut v, "state", m.state);
    put(&mut v, "startDateTime", m.start.as_ref().map(ts));
    put(&mut v, "endDateTime", m.end.as_ref().map(ts));
    put(&mut v, "transactionId", m.transaction_id.as_deref());
    put(&mut v, "display", m.display.as_ref().map(component_json));
    v
}

fn monitor_json(m: &Monitor) -> Value {
    let mut variable = json!({"name": m.variable});
    put(&mut variable, "instance", m.variable_instance.as_deref());
    let mut v = json!({
        "value": m.value,
        "type": m.kind,
        "severity": m.severity,
        "transaction": m.transaction,
        "component": component_json(&m.component),
        "variable": variable,
    });
    put(&mut v, "id", m.id);
    v
}

/// A 2.0.1 `NetworkConnectionProfileType`: the one encoder of a network profile, for
/// `set-network-profile` and the security profile raise alike.
pub fn network_profile_json(p: &NetworkProfile) -> Value {
    let mut v = json!({
        "ocppVersion": p.ocpp_version,
        "ocppTransport": p.transport,
        "ocppCsmsUrl": p.csms_url,
        "messageTimeout": p.message_timeout,
        "securityProfile": p.security_profile,
        "ocppInterface": p.interface,
    });
    put(&mut v, "vpn", p.vpn.as_ref());
    if let Some(apn) = &p.apn {
        // The schema's APNType; absent optional fields are left out, not null.
        let mut a = json!({"apn": apn.apn, "apnAuthentication": apn.apn_authentication});
        put(&mut a, "apnUserName", apn.apn_user_name.as_deref());
        put(&mut a, "apnPassword", apn.apn_password.as_deref());
        put(&mut a, "simPin", apn.sim_pin);
        put(&mut a, "preferredNetwork", apn.preferred_network.as_deref());
        put(
            &mut a,
            "useOnlyPreferredNetwork",
            apn.use_only_preferred_network,
        );
        put(&mut v, "apn", Some(a));
    }
    v
}

/// Sends a monitoring list call and reads its per-monitor answer into the gateway's
/// terms (`{monitors: [{id, status, reason?, ...}]}`); none accepted is a refusal
/// naming every status.
pub(super) async fn monitoring(
    handle: &ChargerHandle,
    action: &Action,
) -> Result<Outcome, ActionError> {
    let request = super::encode(handle.version(), action)?;
    let answer = super::send(handle, &request).await?;
    let key = match action {
        Action::SetVariableMonitoring { .. } => "setMonitoringResult",
        _ => "clearMonitoringResult",
    };
    let results: Vec<Value> = answer
        .answer()
        .get(key)
        .and_then(Value::as_array)
        .map(|r| r.iter().map(monitor_result).collect())
        .unwrap_or_default();
    if !results.iter().any(|r| r["status"] == "Accepted") {
        let statuses: Vec<&str> = results
            .iter()
            .filter_map(|r| r["status"].as_str())
            .collect();
        return Err(CallError::Rejected {
            status: if statuses.is_empty() {
                "no result".into()
            } else {
                statuses.join(", ")
            },
        }
        .into());
    }
    Ok(Outcome::Accepted(json!({"monitors": results})))
}

/// One `SetMonitoringResultType` / `ClearMonitoringResultType` in the API's terms.
fn monitor_result(r: &Value) -> Value {
    let mut v = json!({"status": r["status"]});
    for k in ["id", "type", "severity"] {
        put(&mut v, k, r.get(k).filter(|x| !x.is_null()));
    }
    if let Some(c) = r.get("component") {
        let mut component = json!({"name": c["name"]});
        put(&mut component, "instance", c.get("instance"));
        put(&mut component, "evseId", c.pointer("/evse/id"));
        put(
            &mut component,
            "connectorId",
            c.pointer("/evse/connectorId"),
        );
        put(&mut v, "component", Some(component));
    }
    put(&mut v, "variable", r.get("variable"));
    put(&mut v, "reason", r.pointer("/statusInfo/reasonCode"));
    v
}
