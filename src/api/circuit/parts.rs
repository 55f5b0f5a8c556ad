//! What is read under a circuit: `charge-point-priorities` (the attached charge points
//! with their EVSEs' priorities), `consumption` (per phase, as the load manager last
//! wrote it: empty until it runs), `soc-priorities`, `unmanaged-load` (the linked
//! meter's last report: the meter measures the circuit's whole load, and nothing is
//! subtracted from it yet), and the `user-priorities` (create, list, read, update,
//! delete) — kept and served, never applied: the gateway does not hold the platform's
//! user groups or partners.
//!
//! `soc-priorities` answers the object itself, not under `data`: that is the
//! reference's shape for it.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Map, Value};

use super::in_circuit;
use crate::api::error::ApiError;
use crate::api::extract::{id, ApiJson};
use crate::api::fields::{choice, integer, tenths, Fields};
use crate::api::list::ListParams;
use crate::api::{load_hook, ApiState};
use crate::store::resources::{
    unmanaged_load as from_meter, AttachedChargePoint, CircuitView, PhaseCurrent, SocPriorities,
    UserPriorityPatch, UserPrioritySpec, UserPriorityView,
};
use crate::store::{LoadStore, ResourceError};

const TARGETS: &[&str] = &["partner", "userGroup"];

pub(super) fn attachment(a: &AttachedChargePoint) -> Value {
    let evses: Vec<Value> = a
        .evses
        .iter()
        .map(|e| json!({"id": e.evse_id, "priority": e.priority}))
        .collect();
    json!({"id": a.charge_point_id, "priority": a.priority, "evses": evses})
}

pub(super) fn user_priority(u: &UserPriorityView) -> Value {
    json!({"id": u.id, "targetId": u.target_id, "type": u.kind, "priority": u.priority})
}

/// SoC priorities as the reference shows them (a priority is left out when unset: it
/// is never null there).
pub(super) fn soc(s: &SocPriorities) -> Value {
    let mut out = Map::new();
    out.insert("lowerThresholdPercent".into(), json!(s.lower_threshold));
    out.insert("upperThresholdPercent".into(), json!(s.upper_threshold));
    if let Some(p) = s.low_priority {
        out.insert("lowSoCPriority".into(), json!(p));
    }
    if let Some(p) = s.high_priority {
        out.insert("highSoCPriority".into(), json!(p));
    }
    Value::Object(out)
}

pub(super) fn phases(rows: &[PhaseCurrent]) -> Value {
    Value::Array(
        rows.iter()
            .map(|p| json!({"phase": p.phase, "consumption": p.amps, "lastUpdatedAt": p.at}))
            .collect(),
    )
}

/// The unmanaged load of circuit `c`: its meter's last report.
pub(super) async fn unmanaged(
    store: &dyn LoadStore,
    c: &CircuitView,
) -> Result<Vec<PhaseCurrent>, ApiError> {
    let meter = match c.electricity_meter_id {
        Some(m) => store.meter(m).await?,
        None => None,
    };
    Ok(from_meter(meter.as_ref()))
}

/// `GET circuits/v2.0/{circuit}/charge-point-priorities`
pub async fn charge_point_priorities(
    State(state): State<Arc<ApiState>>,
    Path(raw): Path<String>,
    params: ListParams,
) -> Result<Json<Value>, ApiError> {
    let (store, c) = in_circuit(&state, &raw).await?;
    let rows = store.attached_charge_points(c.id, params.page()).await?;
    Ok(params.respond(rows, |a| a.charge_point_id, |a| attachment(&a)))
}

/// `GET circuits/v2.0/{circuit}/consumption`
pub async fn consumption(
    State(state): State<Arc<ApiState>>,
    Path(raw): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let (store, c) = in_circuit(&state, &raw).await?;
    let rows = store.circuit_consumption(c.id).await?;
    Ok(Json(json!({ "data": phases(&rows) })))
}

/// `GET circuits/v2.0/{circuit}/soc-priorities` (thresholds null when not set).
pub async fn soc_priorities(
    State(state): State<Arc<ApiState>>,
    Path(raw): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let (store, c) = in_circuit(&state, &raw).await?;
    Ok(Json(soc(&store.soc_priorities(c.id).await?)))
}

/// `GET circuits/v2.0/{circuit}/unmanaged-load`
pub async fn unmanaged_load(
    State(state): State<Arc<ApiState>>,
    Path(raw): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let (store, c) = in_circuit(&state, &raw).await?;
    Ok(Json(
        json!({ "data": phases(&unmanaged(store.as_ref(), &c).await?) }),
    ))
}

/// A user priority's body as a patch; a create needs every field.
fn read_user(body: &Map<String, Value>, creating: bool) -> Result<UserPriorityPatch, ApiError> {
    let mut f = Fields::new(body);
    if creating {
        for field in ["targetId", "type", "priority"] {
            f.require(field);
        }
    }
    let patch = UserPriorityPatch {
        target_id: f.value("targetId", &integer(1)),
        kind: f.value("type", &choice(TARGETS)),
        priority: f.value("priority", &tenths(0.0)),
    };
    f.finish()?;
    Ok(patch)
}

fn user_not_found(e: ResourceError) -> ApiError {
    match e {
        ResourceError::NotFound => ApiError::not_found("User priority"),
        e => e.into(),
    }
}

/// `GET circuits/v2.0/{circuit}/user-priorities`
pub async fn user_priorities(
    State(state): State<Arc<ApiState>>,
    Path(raw): Path<String>,
    params: ListParams,
) -> Result<Json<Value>, ApiError> {
    let (store, c) = in_circuit(&state, &raw).await?;
    let rows = store.user_priorities(c.id, params.page()).await?;
    Ok(params.respond(rows, |u| u.id, |u| user_priority(&u)))
}

/// `POST circuits/v2.0/{circuit}/user-priorities` → 201
pub async fn create_user_priority(
    State(state): State<Arc<ApiState>>,
    Path(raw): Path<String>,
    ApiJson(b): ApiJson<Map<String, Value>>,
) -> Result<Response, ApiError> {
    let (store, c) = in_circuit(&state, &raw).await?;
    let p = read_user(&b, true)?;
    let spec = p.apply(&UserPrioritySpec {
        target_id: 0,
        kind: String::new(),
        priority: 0.0,
    });
    let u = store
        .create_user_priority(c.id, spec)
        .await
        .map_err(|e| match e {
            ResourceError::NotFound => ApiError::not_found("Circuit"),
            e => e.into(),
        })?;
    load_hook::changed(&state, Some(c.id));
    Ok((
        StatusCode::CREATED,
        Json(json!({ "data": user_priority(&u) })),
    )
        .into_response())
}

/// `GET circuits/v2.0/{circuit}/user-priorities/{userPriority}`
pub async fn read_user_priority(
    State(state): State<Arc<ApiState>>,
    Path((raw, up)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let (store, c) = in_circuit(&state, &raw).await?;
    let u = store
        .user_priority(c.id, id(&up, "User priority")?)
        .await?
        .ok_or_else(|| ApiError::not_found("User priority"))?;
    Ok(Json(json!({ "data": user_priority(&u) })))
}

/// `PATCH circuits/v2.0/{circuit}/user-priorities/{userPriority}`
pub async fn update_user_priority(
    State(state): State<Arc<ApiState>>,
    Path((raw, up)): Path<(String, String)>,
    ApiJson(b): ApiJson<Map<String, Value>>,
) -> Result<Json<Value>, ApiError> {
    let (store, c) = in_circuit(&state, &raw).await?;
    let up = id(&up, "User priority")?;
    let patch = read_user(&b, false)?;
    let u = store
        .update_user_priority(c.id, up, patch)
        .await
        .map_err(user_not_found)?;
    load_hook::changed(&state, Some(c.id));
    Ok(Json(json!({ "data": user_priority(&u) })))
}

/// `DELETE circuits/v2.0/{circuit}/user-priorities/{userPriority}` → 204
pub async fn delete_user_priority(
    State(state): State<Arc<ApiState>>,
    Path((raw, up)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let (store, c) = in_circuit(&state, &raw).await?;
    let up = id(&up, "User priority")?;
    store
        .delete_user_priority(c.id, up)
        .await
        .map_err(user_not_found)?;
    load_hook::changed(&state, Some(c.id));
    Ok(StatusCode::NO_CONTENT)
}
