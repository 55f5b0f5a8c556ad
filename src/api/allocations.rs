//! `GET circuits/v2.0/{circuit}/allocations` (a gateway extension): what the load
//! manager decided in its last round for the circuit — per phase what the circuit has for
//! its EVSEs, what it allocated, its unmanaged load and what flows — and per EVSE
//! directly under it what it is allowed and why, what its charger is known to hold, what
//! it draws, and whether it keeps to its limit. Empty figures before the first round or
//! when `[load] enabled` is off.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::circuit::in_circuit;
use super::error::ApiError;
use super::ApiState;
use crate::circuits::view::EvseView;

const PHASES: [&str; 3] = ["L1", "L2", "L3"];

fn tenth(a: f64) -> f64 {
    (a * 10.0).round() / 10.0
}

fn evse(e: &EvseView) -> Value {
    json!({
        "chargePointId": e.key.charge_point,
        "evseNetworkId": e.key.evse,
        "sessionId": e.session,
        "allowed": tenth(e.allowed),
        "reason": e.reason,
        "inForce": e.in_force.map(tenth),
        "drawn": e.drawn.as_ref().map(|(a, _)| json!({"L1": tenth(a[0]), "L2": tenth(a[1]), "L3": tenth(a[2])})),
        "drawnAt": e.drawn.as_ref().map(|(_, at)| crate::domain::time::text(*at)),
        "compliance": e.compliance,
        "nonComplianceReason": e.why,
    })
}

pub async fn allocations(
    State(state): State<Arc<ApiState>>,
    Path(raw): Path<String>,
) -> Result<Response, ApiError> {
    let (_, c) = in_circuit(&state, &raw).await?;
    let view = state.shared.circuits.view();
    let figures = view.circuit(c.id);
    let phases: Vec<Value> = match figures {
        None => Vec::new(),
        Some(f) => PHASES
            .iter()
            .enumerate()
            .map(|(i, p)| {
                json!({
                    "phase": p,
                    "available": tenth(f.available[i]),
                    "allocated": tenth(f.allocated[i]),
                    "unmanaged": tenth(f.unmanaged[i]),
                    "consumption": tenth(f.consumption[i]),
                })
            })
            .collect(),
    };
    let evses: Vec<Value> = view.under(c.id).map(evse).collect();
    Ok(Json(json!({"data": {
        "circuitId": c.id,
        "managed": state.shared.settings.load.enabled,
        "allocatedHere": figures.map(|f| f.allocating),
        "calculatedAt": figures.and(view.at.clone()),
        "meter": figures.map(|f| f.meter),
        "phases": phases,
        "evses": evses,
    }}))
    .into_response())
}
