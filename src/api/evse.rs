//! EVSEs (`charge-points/v2.0/{chargePoint}/evses`, `evses/v2.1`), the hardware and
//! network status logs, and the configuration snapshot of a charge point. An EVSE's
//! `powerOptions` are load management's, read and set in `evse_power`.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::Json;
use serde::Serialize;
use serde_json::{json, Value};

use super::error::ApiError;
use super::extract::id;
use super::list::ListParams;
use super::ApiState;
use crate::domain::variable::VariableKey;
use crate::store::resources::{
    ConfigurationView, EvseFilter, EvseView, HardwareStatusLogView, NetworkStatusLogView,
    PowerOptions,
};

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ConnectorJson {
    id: i64,
    /// The gateway does not learn plug types; the commonest is shown until it does.
    r#type: &'static str,
    status: &'static str,
}

/// The reference's EVSE; fields the gateway does not manage carry constant defaults.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct EvseJson<'a> {
    id: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    charge_point_id: Option<i64>,
    network_id: String,
    physical_reference: String,
    current_type: &'static str,
    status: &'static str,
    hardware_status: &'a str,
    roaming_operator_id: i64,
    connectors: Vec<ConnectorJson>,
    power_options: Value,
    created_at: &'a str,
    last_updated_at: &'a str,
}

/// The `powerOptions` object of an EVSE.
fn power_options(p: &PowerOptions) -> Value {
    json!({
        "phases": p.phases,
        "connectedPhase": p.connected_phase,
        "phaseRotation": p.phase_rotation,
        "maxAmperage": p.max_amperage,
        "maxVoltage": p.max_voltage,
        "maxPower": p.max_power,
    })
}

pub(crate) fn render(e: &EvseView, with_charge_point: bool) -> Value {
    let json = EvseJson {
        id: e.id,
        charge_point_id: with_charge_point.then_some(e.charge_point_id),
        network_id: e.network_id.to_string(),
        physical_reference: e.network_id.to_string(),
        current_type: "ac",
        status: "enabled",
        hardware_status: &e.hardware_status,
        roaming_operator_id: 0,
        connectors: e
            .connectors
            .iter()
            .map(|c| ConnectorJson {
                id: c.connector_id,
                r#type: "type2",
                status: "enabled",
            })
            .collect(),
        power_options: power_options(&e.power),
        created_at: &e.created_at,
        last_updated_at: &e.updated_at,
    };
    serde_json::to_value(json).unwrap_or(Value::Null)
}

/// The charge point named in the path, which must exist.
async fn charge_point(state: &ApiState, raw: &str) -> Result<i64, ApiError> {
    let cp = id(raw, "Charge point")?;
    match state.resources.charge_point(cp).await? {
        Some(_) => Ok(cp),
        None => Err(ApiError::not_found("Charge point")),
    }
}

/// `GET charge-points/v2.0/{chargePoint}/evses`
pub async fn list_of(
    State(state): State<Arc<ApiState>>,
    Path(cp): Path<String>,
    params: ListParams,
) -> Result<Json<Value>, ApiError> {
    let cp = charge_point(&state, &cp).await?;
    let filter = EvseFilter {
        charge_point_id: Some(cp),
        ..EvseFilter::default()
    };
    let rows = state.resources.evses(filter, params.page()).await?;
    Ok(params.respond(rows, |e| e.id, |e| render(&e, false)))
}

/// `GET charge-points/v2.0/{chargePoint}/evses/{evse}` (the EVSE's own id).
pub async fn read_of(
    State(state): State<Arc<ApiState>>,
    Path((cp, evse)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let cp = charge_point(&state, &cp).await?;
    let e = state
        .resources
        .evse(id(&evse, "EVSE")?)
        .await?
        .filter(|e| e.charge_point_id == cp)
        .ok_or_else(|| ApiError::not_found("EVSE"))?;
    Ok(Json(json!({ "data": render(&e, false) })))
}

/// `GET evses/v2.1`
pub async fn list(
    State(state): State<Arc<ApiState>>,
    params: ListParams,
) -> Result<Json<Value>, ApiError> {
    let filter = EvseFilter {
        charge_point_id: params.int("chargePointId")?,
        updated: params.window("lastUpdatedAfter", "lastUpdatedBefore")?,
    };
    let rows = state.resources.evses(filter, params.page()).await?;
    Ok(params.respond(rows, |e| e.id, |e| render(&e, true)))
}

/// `GET evses/v2.1/{evse}`
pub async fn read(
    State(state): State<Arc<ApiState>>,
    Path(evse): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let e = state
        .resources
        .evse(id(&evse, "EVSE")?)
        .await?
        .ok_or_else(|| ApiError::not_found("EVSE"))?;
    Ok(Json(json!({ "data": render(&e, true) })))
}

fn hardware_log(l: HardwareStatusLogView) -> Value {
    json!({
        "status": l.hardware_status,
        "timestamp": l.reported_at,
        "errorCode": l.error_code.unwrap_or_else(|| "NoError".into()),
    })
}

fn network_log(l: NetworkStatusLogView) -> Value {
    json!({"status": l.network_status, "timestamp": l.created_at})
}

/// `GET charge-points/v2.0/{chargePoint}/hardware-status-logs`
pub async fn hardware_logs(
    State(state): State<Arc<ApiState>>,
    Path(cp): Path<String>,
    params: ListParams,
) -> Result<Json<Value>, ApiError> {
    let cp = charge_point(&state, &cp).await?;
    let created = params.window("createdAfter", "createdBefore")?;
    let rows = state
        .resources
        .hardware_status_logs(cp, created, params.page())
        .await?;
    Ok(params.respond(rows, |l| l.id, hardware_log))
}

/// `GET charge-points/v2.0/{chargePoint}/latest-hardware-status-log`
pub async fn latest_hardware_log(
    State(state): State<Arc<ApiState>>,
    Path(cp): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let cp = charge_point(&state, &cp).await?;
    let l = state
        .resources
        .latest_hardware_status_log(cp)
        .await?
        .ok_or_else(|| ApiError::not_found("Hardware status log"))?;
    Ok(Json(json!({ "data": hardware_log(l) })))
}

/// `GET charge-points/v2.0/{chargePoint}/network-status-logs`
pub async fn network_logs(
    State(state): State<Arc<ApiState>>,
    Path(cp): Path<String>,
    params: ListParams,
) -> Result<Json<Value>, ApiError> {
    let cp = charge_point(&state, &cp).await?;
    let created = params.window("createdAfter", "createdBefore")?;
    let rows = state
        .resources
        .network_status_logs(cp, created, params.page())
        .await?;
    Ok(params.respond(rows, |l| l.id, network_log))
}

/// `GET charge-points/v2.0/{chargePoint}/latest-network-status-log`
pub async fn latest_network_log(
    State(state): State<Arc<ApiState>>,
    Path(cp): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let cp = charge_point(&state, &cp).await?;
    let l = state
        .resources
        .latest_network_status_log(cp)
        .await?
        .ok_or_else(|| ApiError::not_found("Network status log"))?;
    Ok(Json(json!({ "data": network_log(l) })))
}

pub(crate) fn configuration(c: ConfigurationView) -> Value {
    // Secrets are stored masked; masking again also covers rows older than that.
    let value = crate::domain::secret::shown(&c.key, c.value).unwrap_or_default();
    json!({
        "key": {"name": c.key, "value": value},
        "readonly": c.readonly,
        "lastUpdatedAt": c.updated_at,
    })
}

/// `GET charge-points/v2.0/{chargePoint}/configurations`: the last snapshot the charger
/// reported (`filter[name]` picks one key; `filter[componentName]`, `filter[evseId]` and
/// `filter[instance]`, the component's or the variable's, pick 2.0.1 variables by their
/// identity, `domain::variable`).
pub async fn configurations(
    State(state): State<Arc<ApiState>>,
    Path(cp): Path<String>,
    params: ListParams,
) -> Result<Json<Value>, ApiError> {
    let cp = charge_point(&state, &cp).await?;
    let component = params.text("componentName");
    let evse = params.int("evseId")?;
    let instance = params.text("instance");
    let mut rows = state
        .resources
        .configurations(cp, params.text("name"))
        .await?;
    if component.is_some() || evse.is_some() || instance.is_some() {
        rows.retain(|r| {
            VariableKey::parse(&r.key).is_some_and(|k| {
                component.as_ref().is_none_or(|c| *c == k.component)
                    && evse.is_none_or(|e| k.evse.map(i64::from) == Some(e))
                    && instance.as_ref().is_none_or(|i| {
                        k.component_instance.as_ref() == Some(i)
                            || k.variable_instance.as_ref() == Some(i)
                    })
            })
        });
    }
    let data: Vec<Value> = rows.into_iter().map(configuration).collect();
    Ok(Json(json!({ "data": data })))
}

/// `GET charge-points/v2.0/{chargePoint}/configurations/{key}`
pub async fn configuration_key(
    State(state): State<Arc<ApiState>>,
    Path((cp, key)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let cp = charge_point(&state, &cp).await?;
    let c = state
        .resources
        .configurations(cp, Some(key))
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| ApiError::not_found("Configuration key"))?;
    Ok(Json(json!({ "data": configuration(c) })))
}
