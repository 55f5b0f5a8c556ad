//! Actions on the charge point as a whole: reset, unlock, availability, disconnect,
//! cache, local list version, data transfer, custom calls, triggered messages.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::{json, Value};

use super::{body, empty, evse_number, evse_target, perform, target};
use crate::api::error::ApiError;
use crate::api::extract::{ApiJson, NoBody, OptionalJson};
use crate::api::ApiState;
use crate::charger::CloseReason;
use crate::domain::action::{Action, Outcome, TriggeredMessage};
use crate::store::resources::{EvseFilter, Page};

/// The reference's reset has no body; `evseNetworkId` (an extension) resets one EVSE
/// (OCPP 2.0.1 B11/B12 `evseId`; 1.6 restarts only the whole charge point: 501).
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ResetBody {
    evse_network_id: Option<u32>,
}

/// `POST charge-point/v1.0/{cp}/reset/{hard|soft}`
pub async fn reset(
    State(state): State<Arc<ApiState>>,
    Path((cp, kind)): Path<(String, String)>,
    OptionalJson(b): OptionalJson<ResetBody>,
) -> Result<Response, ApiError> {
    let hard = match kind.as_str() {
        "hard" => true,
        "soft" => false,
        _ => return Err(ApiError::field("type", "The type must be hard or soft.")),
    };
    let t = target(&state, &cp).await?;
    let evse = b.evse_network_id.filter(|n| *n > 0);
    perform(&t, &Action::Reset { hard, evse }).await?;
    Ok(body(StatusCode::ACCEPTED, json!({"success": true})))
}

/// `POST charge-point/v1.0/{cp}/unlock/{evse}` (the OCPP EVSE / connector number)
pub async fn unlock(
    State(state): State<Arc<ApiState>>,
    Path((cp, evse)): Path<(String, String)>,
    _: OptionalJson<NoBody>,
) -> Result<Response, ApiError> {
    let t = target(&state, &cp).await?;
    let evse = evse_number(&evse)?;
    let connector = reported_connector(&state, t.cp.id, evse).await?;
    perform(&t, &Action::Unlock { evse, connector }).await?;
    Ok(body(StatusCode::ACCEPTED, json!({"success": true})))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Availability {
    #[serde(rename = "type")]
    kind: AvailabilityType,
    evse_network_id: Option<u32>,
    /// One connector of the EVSE (an extension; OCPP 2.0.1 G03/G04 `evse.connectorId`).
    connector_id: Option<u32>,
}

#[derive(Deserialize)]
enum AvailabilityType {
    Operative,
    Inoperative,
}

/// The connector the charger reported on its EVSE `evse` (the lowest, when it reported
/// several), so that unlock names the connector the charger knows (OCPP 2.0.1 F05:
/// chargers that number connectors across the station have connector 2 on EVSE 2);
/// `None` before the charger reported any.
async fn reported_connector(state: &ApiState, cp: i64, evse: u32) -> Result<Option<u32>, ApiError> {
    let filter = EvseFilter {
        charge_point_id: Some(cp),
        ..EvseFilter::default()
    };
    let mut page = Page {
        after: None,
        limit: 100,
    };
    loop {
        let rows = state.resources.evses(filter.clone(), page).await?;
        if let Some(found) = rows.iter().find(|e| e.network_id == i64::from(evse)) {
            return Ok(found
                .connectors
                .iter()
                .filter_map(|c| u32::try_from(c.connector_id).ok())
                .filter(|c| *c > 0)
                .min());
        }
        match rows.last() {
            Some(last) if rows.len() == page.limit as usize => page.after = Some(last.id),
            _ => return Ok(None),
        }
    }
}

/// `POST charge-point/v1.0/{cp}/change-availability`: 202 when done, 204 when
/// scheduled (after the running transactions).
pub async fn change_availability(
    State(state): State<Arc<ApiState>>,
    Path(cp): Path<String>,
    ApiJson(b): ApiJson<Availability>,
) -> Result<Response, ApiError> {
    let t = target(&state, &cp).await?;
    let action = Action::ChangeAvailability {
        evse: b.evse_network_id.filter(|n| *n > 0),
        connector: b.connector_id,
        operative: matches!(b.kind, AvailabilityType::Operative),
    };
    Ok(match perform(&t, &action).await? {
        Outcome::Accepted(_) => empty(StatusCode::ACCEPTED),
        Outcome::Scheduled(_) => empty(StatusCode::NO_CONTENT),
    })
}

#[derive(Deserialize)]
pub struct Disconnect {
    #[allow(dead_code)]
    reason: String,
}

/// `POST charge-point/v1.0/{cp}/disconnect`: closes the charger's socket.
pub async fn disconnect(
    State(state): State<Arc<ApiState>>,
    Path(cp): Path<String>,
    ApiJson(b): ApiJson<Disconnect>,
) -> Result<Response, ApiError> {
    if b.reason.chars().count() > 255 {
        return Err(ApiError::field(
            "reason",
            "The reason may not be longer than 255 characters.",
        ));
    }
    let t = target(&state, &cp).await?;
    tracing::info!(identity = %t.cp.identity, reason = %b.reason, "disconnecting on request");
    if !t.handle.close(CloseReason::Requested).await {
        return Err(ApiError::Conflict(
            "The charge point is not connected.".into(),
        ));
    }
    Ok(body(StatusCode::ACCEPTED, json!({"success": true})))
}

/// `POST charge-point/v1.0/{cp}/clear-cache`
pub async fn clear_cache(
    State(state): State<Arc<ApiState>>,
    Path(cp): Path<String>,
    _: OptionalJson<NoBody>,
) -> Result<Response, ApiError> {
    let t = target(&state, &cp).await?;
    perform(&t, &Action::ClearCache).await?;
    Ok(empty(StatusCode::ACCEPTED))
}

/// `POST charge-point/v1.0/{cp}/get-local-list-version` → 200 `{listVersion}`
pub async fn local_list_version(
    State(state): State<Arc<ApiState>>,
    Path(cp): Path<String>,
    _: OptionalJson<NoBody>,
) -> Result<Response, ApiError> {
    let t = target(&state, &cp).await?;
    let outcome = perform(&t, &Action::GetLocalListVersion).await?;
    let version = outcome
        .answer()
        .get("listVersion")
        .cloned()
        .unwrap_or(Value::Null);
    Ok(body(StatusCode::OK, json!({"listVersion": version})))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DataTransfer {
    vendor_id: String,
    message_id: Option<String>,
    data: Option<String>,
}

/// `POST charge-point/v1.0/{cp}/send-data-transfer` → 200 with the charger's answer.
pub async fn data_transfer(
    State(state): State<Arc<ApiState>>,
    Path(cp): Path<String>,
    ApiJson(b): ApiJson<DataTransfer>,
) -> Result<Response, ApiError> {
    let t = target(&state, &cp).await?;
    let action = Action::DataTransfer {
        vendor_id: b.vendor_id,
        message_id: b.message_id,
        data: b.data,
    };
    let outcome = perform(&t, &action).await?;
    let answer = outcome.answer();
    // The reference's `data` is a string; a charger may answer any JSON there.
    let data = match answer.get("data") {
        None | Some(Value::Null) => Value::Null,
        Some(Value::String(s)) => json!(s),
        Some(other) => json!(other.to_string()),
    };
    Ok(body(
        StatusCode::OK,
        json!({"status": answer.get("status").cloned().unwrap_or(Value::Null), "data": data}),
    ))
}

#[derive(Deserialize)]
pub struct Custom {
    action: String,
    #[serde(default)]
    payload: Option<Value>,
}

/// `POST charge-point/v1.0/{cp}/send-custom-ocpp` → 200 `{result}` (the CALLRESULT).
pub async fn custom(
    State(state): State<Arc<ApiState>>,
    Path(cp): Path<String>,
    ApiJson(b): ApiJson<Custom>,
) -> Result<Response, ApiError> {
    let t = target(&state, &cp).await?;
    let action = Action::Custom {
        action: b.action,
        payload: b.payload.unwrap_or_else(|| json!({})),
    };
    // A custom call may set the charger's password: staged like any other path.
    let outcome =
        crate::charger::credentials::perform(&t.handle, state.shared.store.as_ref(), &action)
            .await?
            .map_err(|e| super::action_error(&t.cp, e))?;
    // Never a secret the charger reports (a GetConfiguration with its AuthorizationKey).
    let result = crate::ocpp::redact::redacted(outcome.answer());
    Ok(body(StatusCode::OK, json!({"result": result})))
}

/// The reference's trigger body; `evseNetworkId` and `connectorId` (extensions) name
/// what the message is about (2.0.1 F06 `evse`, 1.6 `connectorId`).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Trigger {
    #[serde(rename = "type")]
    kind: TriggeredMessage,
    evse_network_id: Option<u32>,
    connector_id: Option<u32>,
}

/// `POST charge-point/v1.0/{cp}/trigger-message`
pub async fn trigger(
    State(state): State<Arc<ApiState>>,
    Path(cp): Path<String>,
    ApiJson(b): ApiJson<Trigger>,
) -> Result<Response, ApiError> {
    let t = target(&state, &cp).await?;
    let action = Action::TriggerMessage {
        message: b.kind,
        evse: b.evse_network_id.filter(|n| *n > 0),
        connector: b.connector_id,
    };
    perform(&t, &action).await?;
    Ok(empty(StatusCode::ACCEPTED))
}

/// `POST evse/v1.0/{evse}/trigger-message` (the EVSE's id)
pub async fn trigger_evse(
    State(state): State<Arc<ApiState>>,
    Path(evse): Path<String>,
    ApiJson(b): ApiJson<Trigger>,
) -> Result<Response, ApiError> {
    let (t, number) = evse_target(&state, &evse).await?;
    if b.evse_network_id.is_some() {
        return Err(ApiError::field(
            "evseNetworkId",
            "The EVSE is the path's: leave evseNetworkId out.",
        ));
    }
    let action = Action::TriggerMessage {
        message: b.kind,
        evse: Some(number),
        connector: b.connector_id,
    };
    perform(&t, &action).await?;
    Ok(empty(StatusCode::ACCEPTED))
}
