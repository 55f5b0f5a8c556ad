//! The circuit actions of load management (`circuit/v2.0/{circuit}/...`). They call no
//! charger: each changes what is stored and answers 202 with no body (the reference's
//! "Action accepted"), then tells the load manager (`load_hook::changed`), which
//! recomputes and sends the chargers their limits.
//!
//! - `attach-charge-point` `{chargePointId, priority?}` (priority 1 by default; attaching
//!   again to the same circuit changes the priority when one is given). 422
//!   (`chargePointId`) for an unknown charge point, one already in another circuit, or one
//!   whose electrical configuration differs from the circuit's. "Identical electrical
//!   configuration" is read from what the EVSEs' `powerOptions` and the circuit say: an
//!   EVSE needing more lines than the circuit has (a `three_phase` EVSE on a
//!   `single_phase` circuit), one connected line-to-neutral on a `delta` circuit, or one
//!   connected to a line the circuit does not carry (`L3` on a circuit on `L1`) does not
//!   fit; an unknown field proves nothing (`store::resources::electrical`).
//! - `detach-charge-point/{chargePoint}`: 404 when it is not in the circuit.
//! - `set-charge-point-priority/{chargePoint}[/evse/{evse}]` `{priority}`: 404 when the
//!   charge point is not in the circuit, or the EVSE (its own id) is not the charge
//!   point's.
//! - `set-circuit-soc-priorities`: the body replaces the circuit's SoC priorities;
//!   thresholds are multiples of 5 in 5..95, the upper at least 5 above the lower, each
//!   given threshold needs its priority, and a threshold null or absent is not used.
//! - `set-session-priority/{session}` `{priority}`: 404 for an unknown session, 422 for
//!   one on a charge point outside the circuit.
//!
//! Priorities are numbers ≥ 0 in steps of 0.1 (1 is everyone's, 2 twice as important).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Map, Value};

use super::empty;
use crate::api::circuit::in_circuit;
use crate::api::error::ApiError;
use crate::api::extract::{id, ApiJson};
use crate::api::fields::{integer, tenths, Fields};
use crate::api::{load_hook, ApiState};
use crate::store::resources::SocPriorities;
use crate::store::ResourceError;

/// A body's `priority`, required or not.
fn priority(body: &Map<String, Value>, required: bool) -> Result<Option<f64>, ApiError> {
    let mut f = Fields::new(body);
    if required {
        f.require("priority");
    }
    let p = f.value("priority", &tenths(0.0));
    f.finish()?;
    Ok(p)
}

fn accepted(state: &ApiState, circuit: i64) -> Response {
    load_hook::changed(state, Some(circuit));
    empty(StatusCode::ACCEPTED)
}

/// `POST circuit/v2.0/{circuit}/attach-charge-point`
pub async fn attach(
    State(state): State<Arc<ApiState>>,
    Path(raw): Path<String>,
    ApiJson(b): ApiJson<Map<String, Value>>,
) -> Result<Response, ApiError> {
    let (store, c) = in_circuit(&state, &raw).await?;
    let mut f = Fields::new(&b);
    f.require("chargePointId");
    let cp = f.value("chargePointId", &integer(1));
    let p = f.value("priority", &tenths(0.0));
    f.finish()?;
    let Some(cp) = cp else {
        return Err(ApiError::field(
            "chargePointId",
            "The chargePointId field is required.",
        ));
    };
    store
        .attach_charge_point(c.id, cp, p)
        .await
        .map_err(|e| match e {
            ResourceError::NotFound => ApiError::not_found("Circuit"),
            e => e.into(),
        })?;
    Ok(accepted(&state, c.id))
}

/// `POST circuit/v2.0/{circuit}/detach-charge-point/{chargePoint}`
pub async fn detach(
    State(state): State<Arc<ApiState>>,
    Path((raw, cp)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let (store, c) = in_circuit(&state, &raw).await?;
    let cp = id(&cp, "Charge point")?;
    if !store.detach_charge_point(c.id, cp).await? {
        return Err(ApiError::not_found("Charge point in this circuit"));
    }
    Ok(accepted(&state, c.id))
}

/// `POST circuit/v2.0/{circuit}/set-charge-point-priority/{chargePoint}`
pub async fn set_priority(
    State(state): State<Arc<ApiState>>,
    Path((raw, cp)): Path<(String, String)>,
    ApiJson(b): ApiJson<Map<String, Value>>,
) -> Result<Response, ApiError> {
    let (store, c) = in_circuit(&state, &raw).await?;
    let cp = id(&cp, "Charge point")?;
    let p = priority(&b, true)?.unwrap_or(1.0);
    if !store.set_charge_point_priority(c.id, cp, p).await? {
        return Err(ApiError::not_found("Charge point in this circuit"));
    }
    Ok(accepted(&state, c.id))
}

/// `POST circuit/v2.0/{circuit}/set-charge-point-priority/{chargePoint}/evse/{evse}`
pub async fn set_evse_priority(
    State(state): State<Arc<ApiState>>,
    Path((raw, cp, evse)): Path<(String, String, String)>,
    ApiJson(b): ApiJson<Map<String, Value>>,
) -> Result<Response, ApiError> {
    let (store, c) = in_circuit(&state, &raw).await?;
    let cp = id(&cp, "Charge point")?;
    let evse = id(&evse, "EVSE")?;
    let p = priority(&b, true)?.unwrap_or(1.0);
    if !store.set_evse_priority(c.id, cp, evse, p).await? {
        return Err(ApiError::not_found(
            "EVSE of a charge point in this circuit",
        ));
    }
    Ok(accepted(&state, c.id))
}

/// A threshold: a multiple of 5 from 5 to 95.
fn threshold(name: &str, v: &Value) -> Result<f64, String> {
    match v.as_f64() {
        Some(x) if (5.0..=95.0).contains(&x) && (x / 5.0).fract() == 0.0 => Ok(x),
        Some(_) => Err(format!("The {name} must be a multiple of 5 from 5 to 95.")),
        None => Err(format!("The {name} must be a number.")),
    }
}

/// The SoC priorities of a body (see the module documentation).
fn soc(body: &Map<String, Value>) -> Result<SocPriorities, ApiError> {
    let mut f = Fields::new(body);
    let lower = f.read("lowerThresholdPercent", true, &threshold).flatten();
    let upper = f.read("upperThresholdPercent", true, &threshold).flatten();
    let low = f.value("lowSoCPriority", &tenths(0.0));
    let high = f.value("highSoCPriority", &tenths(0.0));
    if lower.is_some() && low.is_none() && !f.has("lowSoCPriority") {
        f.require("lowSoCPriority");
    }
    if upper.is_some() && high.is_none() && !f.has("highSoCPriority") {
        f.require("highSoCPriority");
    }
    if let (Some(l), Some(u)) = (lower, upper) {
        if u < l + 5.0 {
            f.bad(
                "upperThresholdPercent",
                "The upperThresholdPercent must be at least 5 above the lowerThresholdPercent.",
            );
        }
    }
    f.finish()?;
    Ok(SocPriorities {
        lower_threshold: lower,
        low_priority: lower.and(low),
        upper_threshold: upper,
        high_priority: upper.and(high),
    })
}

/// `POST circuit/v2.0/{circuit}/set-circuit-soc-priorities`
pub async fn set_soc(
    State(state): State<Arc<ApiState>>,
    Path(raw): Path<String>,
    ApiJson(b): ApiJson<Map<String, Value>>,
) -> Result<Response, ApiError> {
    let (store, c) = in_circuit(&state, &raw).await?;
    let s = soc(&b)?;
    store.set_soc_priorities(c.id, s).await?;
    Ok(accepted(&state, c.id))
}

/// `POST circuit/v2.0/{circuit}/set-session-priority/{session}`
pub async fn set_session_priority(
    State(state): State<Arc<ApiState>>,
    Path((raw, session)): Path<(String, String)>,
    ApiJson(b): ApiJson<Map<String, Value>>,
) -> Result<Response, ApiError> {
    let (store, c) = in_circuit(&state, &raw).await?;
    let session = id(&session, "Session")?;
    let p = priority(&b, true)?.unwrap_or(1.0);
    store
        .set_session_priority(c.id, session, p)
        .await
        .map_err(|e| match e {
            ResourceError::NotFound => ApiError::not_found("Session"),
            e => e.into(),
        })?;
    Ok(accepted(&state, c.id))
}
