//! `circuits/v2.0`: the circuits of dynamic load management (create, list, read,
//! update, delete, with `include[]` of `chargePointPriorities`, `userPriorities`,
//! `socPriorities`, `consumption` and `unmanagedLoad`), and under each circuit its
//! charge-point priorities, consumption, SoC priorities, unmanaged load and user
//! priorities (`parts`). Ids are integers; lists page by cursor like the others.
//!
//! Decisions: a circuit with child circuits is not deleted (422 naming them) — cascading
//! would delete configuration the operator did not name, and promoting the children
//! would drop the limit above them; the attachments, priorities and consumption of a
//! deleted circuit go with it. Every successful write calls `load_hook::changed`.

mod body;
mod parts;

pub use parts::{
    charge_point_priorities, consumption, create_user_priority, delete_user_priority,
    read_user_priority, soc_priorities, unmanaged_load, update_user_priority, user_priorities,
};

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Map, Value};

use super::error::ApiError;
use super::extract::{id, ApiJson};
use super::list::ListParams;
use super::load_hook;
use super::ApiState;
use crate::store::resources::{CircuitFilter, CircuitView, Page};
use crate::store::{LoadStore, ResourceError};

/// The most attachments or user priorities shown inside one circuit.
const MAX_INCLUDED: u32 = 10_000;

/// The store's load management, which every store of the gateway keeps.
pub(crate) fn store(state: &ApiState) -> Result<Arc<dyn LoadStore>, ApiError> {
    state
        .shared
        .store
        .clone()
        .load()
        .ok_or_else(|| ApiError::NotImplemented("This store keeps no load management.".into()))
}

/// The circuit named in the path, which must exist.
pub(crate) async fn circuit(store: &dyn LoadStore, raw: &str) -> Result<CircuitView, ApiError> {
    store
        .circuit(id(raw, "Circuit")?)
        .await?
        .ok_or_else(|| ApiError::not_found("Circuit"))
}

/// The store and the circuit named in the path, which must exist.
pub(crate) async fn in_circuit(
    state: &ApiState,
    raw: &str,
) -> Result<(Arc<dyn LoadStore>, CircuitView), ApiError> {
    let store = store(state)?;
    let c = circuit(store.as_ref(), raw).await?;
    Ok((store, c))
}

fn not_found(e: ResourceError) -> ApiError {
    match e {
        ResourceError::NotFound => ApiError::not_found("Circuit"),
        e => e.into(),
    }
}

const INCLUDES: &[&str] = &[
    "chargePointPriorities",
    "userPriorities",
    "socPriorities",
    "consumption",
    "unmanagedLoad",
];

/// The circuit with what `include[]` asked for.
async fn full(
    store: &dyn LoadStore,
    c: &CircuitView,
    params: &ListParams,
) -> Result<Value, ApiError> {
    let mut out: Map<String, Value> = body::render(c);
    let all = Page {
        after: None,
        limit: MAX_INCLUDED,
    };
    for name in INCLUDES.iter().filter(|n| params.includes(n)) {
        let v = match *name {
            "chargePointPriorities" => {
                let rows = store.attached_charge_points(c.id, all).await?;
                Value::Array(rows.iter().map(parts::attachment).collect())
            }
            "userPriorities" => {
                let rows = store.user_priorities(c.id, all).await?;
                Value::Array(rows.iter().map(parts::user_priority).collect())
            }
            "socPriorities" => {
                let soc = store.soc_priorities(c.id).await?;
                match soc == Default::default() {
                    true => Value::Null,
                    false => parts::soc(&soc),
                }
            }
            "consumption" => parts::phases(&store.circuit_consumption(c.id).await?),
            _ => parts::phases(&parts::unmanaged(store, c).await?),
        };
        out.insert((*name).to_owned(), v);
    }
    Ok(Value::Object(out))
}

/// `GET circuits/v2.0` (`filter[lastUpdatedAfter]`, `filter[lastUpdatedBefore]`).
pub async fn list(
    State(state): State<Arc<ApiState>>,
    params: ListParams,
) -> Result<Json<Value>, ApiError> {
    let store = store(&state)?;
    let filter = CircuitFilter {
        updated: params.window("lastUpdatedAfter", "lastUpdatedBefore")?,
    };
    let rows = store.circuits(filter, params.page()).await?;
    let mut shown = Vec::with_capacity(rows.len());
    for c in rows {
        let v = full(store.as_ref(), &c, &params).await?;
        shown.push((c.id, v));
    }
    Ok(params.respond(shown, |(id, _)| *id, |(_, v)| v))
}

/// `GET circuits/v2.0/{circuit}`
pub async fn read(
    State(state): State<Arc<ApiState>>,
    Path(raw): Path<String>,
    params: ListParams,
) -> Result<Json<Value>, ApiError> {
    let (store, c) = in_circuit(&state, &raw).await?;
    Ok(Json(
        json!({ "data": full(store.as_ref(), &c, &params).await? }),
    ))
}

/// `POST circuits/v2.0` → 201
pub async fn create(
    State(state): State<Arc<ApiState>>,
    ApiJson(b): ApiJson<Map<String, Value>>,
) -> Result<Response, ApiError> {
    let store = store(&state)?;
    let spec = body::spec(&body::read(&b, true)?);
    let c = store.create_circuit(spec).await?;
    load_hook::changed(&state, Some(c.id));
    Ok((
        StatusCode::CREATED,
        Json(json!({ "data": body::render(&c) })),
    )
        .into_response())
}

/// `PATCH circuits/v2.0/{circuit}`
pub async fn update(
    State(state): State<Arc<ApiState>>,
    Path(raw): Path<String>,
    ApiJson(b): ApiJson<Map<String, Value>>,
) -> Result<Json<Value>, ApiError> {
    let store = store(&state)?;
    let id = id(&raw, "Circuit")?;
    let patch = body::read(&b, false)?;
    let c = store.update_circuit(id, patch).await.map_err(not_found)?;
    load_hook::changed(&state, Some(c.id));
    Ok(Json(json!({ "data": body::render(&c) })))
}

/// `DELETE circuits/v2.0/{circuit}` → 204; 422 while it has child circuits.
pub async fn delete(
    State(state): State<Arc<ApiState>>,
    Path(raw): Path<String>,
) -> Result<StatusCode, ApiError> {
    let store = store(&state)?;
    let id = id(&raw, "Circuit")?;
    store.delete_circuit(id).await.map_err(not_found)?;
    load_hook::changed(&state, Some(id));
    Ok(StatusCode::NO_CONTENT)
}
