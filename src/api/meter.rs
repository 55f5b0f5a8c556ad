//! `electricity-meters/v1.0`: the meters circuits measure their load with (create,
//! list, read, update, delete). The gateway integrates no meter itself: readings come
//! through the `report-consumption` action (`actions::meter`) and show as the circuits'
//! unmanaged load. A meter a circuit uses is not deleted (422 naming the circuits).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Map, Value};

use super::circuit::store;
use super::error::ApiError;
use super::extract::{id, ApiJson};
use super::fields::{integer, object, text, Fields};
use super::list::ListParams;
use super::{load_hook, ApiState};
use crate::store::resources::{MeterPatch, MeterSpec, MeterView};
use crate::store::ResourceError;

const MAX_NAME: usize = 255;

fn render(m: &MeterView) -> Value {
    let params = serde_json::from_str::<Value>(&m.integration_parameters)
        .ok()
        .filter(Value::is_object)
        .unwrap_or_else(|| json!({}));
    json!({
        "id": m.id,
        "name": m.name,
        "integrationId": m.integration_id,
        "integrationParameters": params,
    })
}

/// `integrationParameters`: an object of strings, kept as JSON text.
fn parameters(name: &str, v: &Value) -> Result<String, String> {
    let o = object(name, v)?;
    if let Some((k, _)) = o.iter().find(|(_, v)| !v.is_string()) {
        return Err(format!("The {name}.{k} must be a string."));
    }
    Ok(Value::Object(o).to_string())
}

fn read_body(body: &Map<String, Value>, creating: bool) -> Result<MeterPatch, ApiError> {
    let mut f = Fields::new(body);
    if creating {
        f.require("name");
        f.require("integrationId");
    }
    let patch = MeterPatch {
        name: f.value("name", &text(MAX_NAME)),
        integration_id: f.value("integrationId", &integer(0)),
        integration_parameters: f
            .read("integrationParameters", true, &parameters)
            .map(|p| p.unwrap_or_else(|| "{}".into())),
    };
    f.finish()?;
    Ok(patch)
}

fn not_found(e: ResourceError) -> ApiError {
    match e {
        ResourceError::NotFound => ApiError::not_found("Electricity meter"),
        e => e.into(),
    }
}

/// `GET electricity-meters/v1.0`
pub async fn list(
    State(state): State<Arc<ApiState>>,
    params: ListParams,
) -> Result<Json<Value>, ApiError> {
    let rows = store(&state)?.meters(params.page()).await?;
    Ok(params.respond(rows, |m| m.id, |m| render(&m)))
}

/// `GET electricity-meters/v1.0/{electricityMeter}`
pub async fn read(
    State(state): State<Arc<ApiState>>,
    Path(raw): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let m = store(&state)?
        .meter(id(&raw, "Electricity meter")?)
        .await?
        .ok_or_else(|| ApiError::not_found("Electricity meter"))?;
    Ok(Json(json!({ "data": render(&m) })))
}

/// `POST electricity-meters/v1.0` → 201
pub async fn create(
    State(state): State<Arc<ApiState>>,
    ApiJson(b): ApiJson<Map<String, Value>>,
) -> Result<Response, ApiError> {
    let patch = read_body(&b, true)?;
    let spec = patch.apply(&MeterSpec {
        name: String::new(),
        integration_id: 0,
        integration_parameters: "{}".into(),
    });
    let m = store(&state)?.create_meter(spec).await?;
    load_hook::changed(&state, None);
    Ok((StatusCode::CREATED, Json(json!({ "data": render(&m) }))).into_response())
}

/// `PATCH electricity-meters/v1.0/{electricityMeter}`
pub async fn update(
    State(state): State<Arc<ApiState>>,
    Path(raw): Path<String>,
    ApiJson(b): ApiJson<Map<String, Value>>,
) -> Result<Json<Value>, ApiError> {
    let id = id(&raw, "Electricity meter")?;
    let patch = read_body(&b, false)?;
    let m = store(&state)?
        .update_meter(id, patch)
        .await
        .map_err(not_found)?;
    load_hook::changed(&state, None);
    Ok(Json(json!({ "data": render(&m) })))
}

/// `DELETE electricity-meters/v1.0/{electricityMeter}` → 204
pub async fn delete(
    State(state): State<Arc<ApiState>>,
    Path(raw): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id = id(&raw, "Electricity meter")?;
    store(&state)?.delete_meter(id).await.map_err(not_found)?;
    load_hook::changed(&state, None);
    Ok(StatusCode::NO_CONTENT)
}
