//! An EVSE's `powerOptions` (phases, connected phase, phase rotation, maximum amperage,
//! voltage and power), which load management reads: served on every EVSE read and set
//! with `PATCH evses/v2.1/{evse}` and `PATCH charge-points/v2.0/{cp}/evses/{evse}`.
//! Of the EVSE's other fields the gateway manages none (chargers report their EVSEs), so
//! a PATCH changes only `powerOptions` and ignores the rest.
//!
//! `POST evses/v2.1` (`chargePointId`) and `POST charge-points/v2.0/{cp}/evses` add an
//! EVSE ahead of the charger's reports, so that its power options are known (and its
//! charge point can be attached) before it first connects: `networkId` is required and is
//! the EVSE's OCPP number (the 1.6 connector id), from 1; the reference's other required
//! fields are accepted and, like on a PATCH, not kept. A charge point's second EVSE of
//! the same number is a 422.
//!
//! Each field may be null (unknown). `connectedPhase` must suit `phases` (one line for
//! single phase, two for split phase — or single phase in delta —, none for three
//! phase), and when the charge point is in a circuit the result must still fit it
//! (`store::resources::electrical`); otherwise 422 and nothing is stored.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Map, Value};

use super::circuit::store;
use super::error::ApiError;
use super::extract::{id, ApiJson};
use super::fields::{choice, integer, object, tenths, Fields};
use super::{load_hook, ApiState};
use crate::store::resources::electrical::{CONNECTED_PHASES, PHASES, PHASE_ROTATIONS, VOLTAGES};
use crate::store::resources::{EvseView, PowerOptions, PowerOptionsPatch};
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

/// `networkId`: the EVSE's OCPP number, as the reference's text (a number is taken too).
fn network_id(name: &str, v: &Value) -> Result<i64, String> {
    let n = match v {
        Value::String(s) => s.trim().parse::<i64>().ok(),
        other => other.as_i64(),
    };
    n.filter(|n| (1..=i64::from(i32::MAX)).contains(n))
        .ok_or_else(|| format!("The {name} must be the EVSE's number on the charger, from 1."))
}

/// Adds an EVSE to charge point `cp` from a create body.
async fn create_on(
    state: &ApiState,
    cp: i64,
    body: &Map<String, Value>,
    with_charge_point: bool,
) -> Result<Response, ApiError> {
    let mut f = Fields::new(body);
    f.require("networkId");
    let n = f.value("networkId", &network_id);
    f.finish()?;
    let power = read(body)?
        .map(|p| PowerOptions::default().patched(&p))
        .unwrap_or_default();
    let Some(n) = n else {
        return Err(ApiError::field(
            "networkId",
            "The networkId field is required.",
        ));
    };
    let v = store(state)?
        .create_evse(cp, n, power)
        .await
        .map_err(|e| match e {
            ResourceError::NotFound => ApiError::not_found("Charge point"),
            e => e.into(),
        })?;
    load_hook::changed(state, None);
    let data = super::evse::render(&v, with_charge_point);
    Ok((StatusCode::CREATED, Json(json!({ "data": data }))).into_response())
}

/// `POST evses/v2.1` → 201
pub async fn create(
    State(state): State<Arc<ApiState>>,
    ApiJson(b): ApiJson<Map<String, Value>>,
) -> Result<Response, ApiError> {
    let mut f = Fields::new(&b);
    f.require("chargePointId");
    let cp = f.value("chargePointId", &integer(1));
    f.finish()?;
    let Some(cp) = cp else {
        return Err(ApiError::field(
            "chargePointId",
            "The chargePointId field is required.",
        ));
    };
    create_on(&state, cp, &b, true).await
}

/// `POST charge-points/v2.0/{chargePoint}/evses` → 201
pub async fn create_of(
    State(state): State<Arc<ApiState>>,
    Path(cp): Path<String>,
    ApiJson(b): ApiJson<Map<String, Value>>,
) -> Result<Response, ApiError> {
    let cp = id(&cp, "Charge point")?;
    create_on(&state, cp, &b, false).await
}
