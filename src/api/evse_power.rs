//! An EVSE's `powerOptions` (phases, connected phase, phase rotation, maximum amperage,
//! voltage and power), which load management reads: served on every EVSE read and set
//! with `PATCH evses/v2.1/{evse}` and `PATCH charge-points/v2.0/{cp}/evses/{evse}`.
//! Of the EVSE's other fields the gateway manages none (chargers report their EVSEs), so
//! a PATCH changes only `powerOptions` and ignores the rest.
//!
//! Each field may be null (unknown). `connectedPhase` must suit `phases` (one line for
//! single phase, two for split phase — or single phase in delta —, none for three
//! phase), and when the charge point is in a circuit the result must still fit it
//! (`store::resources::electrical`); otherwise 422 and nothing is stored.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::Json;
use serde_json::{json, Map, Value};

use super::circuit::store;
use super::error::ApiError;
use super::extract::{id, ApiJson};
use super::fields::{choice, integer, object, tenths, Fields};
use super::{load_hook, ApiState};
use crate::store::resources::electrical::{CONNECTED_PHASES, PHASES, PHASE_ROTATIONS, VOLTAGES};
use crate::store::resources::{EvseView, PowerOptionsPatch};
use crate::store::ResourceError;

/// The `powerOptions` of a body, checked field by field (none: the body has none).
pub fn read(body: &Map<String, Value>) -> Result<Option<PowerOptionsPatch>, ApiError> {
    let mut top = Fields::new(body);
    let Some(options) = top.value("powerOptions", &object) else {
        top.finish()?;
        return Ok(None);
    };
    let mut f = Fields::nested(&options, "powerOptions");
    let patch = PowerOptionsPatch {
        phases: f.read("phases", true, &choice(PHASES)),
        connected_phase: f.read("connectedPhase", true, &choice(CONNECTED_PHASES)),
        phase_rotation: f.read("phaseRotation", true, &choice(PHASE_ROTATIONS)),
        max_amperage: f.read("maxAmperage", true, &tenths(0.0)),
        max_voltage: f.read("maxVoltage", true, &choice(VOLTAGES)),
        max_power: f.read("maxPower", true, &integer(0)),
    };
    top.absorb(f);
    top.finish()?;
    Ok(Some(patch))
}

/// Applies a body's `powerOptions` to EVSE `evse`; the EVSE as it is then.
async fn patch(
    state: &ApiState,
    evse: i64,
    body: &Map<String, Value>,
) -> Result<EvseView, ApiError> {
    let not_found = |e: ResourceError| match e {
        ResourceError::NotFound => ApiError::not_found("EVSE"),
        e => e.into(),
    };
    let Some(p) = read(body)? else {
        return state
            .resources
            .evse(evse)
            .await?
            .ok_or_else(|| ApiError::not_found("EVSE"));
    };
    let v = store(state)?
        .set_power_options(evse, p)
        .await
        .map_err(not_found)?;
    load_hook::changed(state, None);
    Ok(v)
}

/// `PATCH evses/v2.1/{evse}`
pub async fn update(
    State(state): State<Arc<ApiState>>,
    Path(raw): Path<String>,
    ApiJson(b): ApiJson<Map<String, Value>>,
) -> Result<Json<Value>, ApiError> {
    let evse = id(&raw, "EVSE")?;
    if state.resources.evse(evse).await?.is_none() {
        return Err(ApiError::not_found("EVSE"));
    }
    let v = patch(&state, evse, &b).await?;
    Ok(Json(json!({ "data": super::evse::render(&v, true) })))
}

/// `PATCH charge-points/v2.0/{chargePoint}/evses/{evse}`
pub async fn update_of(
    State(state): State<Arc<ApiState>>,
    Path((cp, raw)): Path<(String, String)>,
    ApiJson(b): ApiJson<Map<String, Value>>,
) -> Result<Json<Value>, ApiError> {
    let cp = id(&cp, "Charge point")?;
    let evse = id(&raw, "EVSE")?;
    let found = state.resources.evse(evse).await?;
    if found.is_none_or(|e| e.charge_point_id != cp) {
        return Err(ApiError::not_found("EVSE"));
    }
    let v = patch(&state, evse, &b).await?;
    Ok(Json(json!({ "data": super::evse::render(&v, false) })))
}
