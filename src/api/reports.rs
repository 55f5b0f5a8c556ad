//! What chargers reported in parts or as history, per charge point:
//! `charge-points/v2.0/{id}/reports[/{requestId}]` (multi-part reports assembled under
//! their requestId, `filter[kind]`, `filter[status]`), `.../events` (2.0.1 NotifyEvent
//! entries, `filter[eventId]`) and `.../firmware-status-logs` (every firmware status).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

use super::actions::charge_point;
use super::error::ApiError;
use super::list::ListParams;
use super::{ApiState, RESOURCES};
use crate::domain::report::ReportKind;
use crate::store::reports::{DeviceEventView, FirmwareStatusView};
use crate::store::ReportStore;

/// The routes (full paths).
pub fn routes() -> Router<Arc<ApiState>> {
    let at = |tail: &str| format!("{RESOURCES}/charge-points/v2.0/{{chargePoint}}/{tail}");
    Router::new()
        .route(&at("reports"), get(list))
        .route(&at("reports/{requestId}"), get(read))
        .route(&at("events"), get(events))
        .route(&at("firmware-status-logs"), get(firmware_logs))
}

fn store(state: &ApiState) -> Result<Arc<dyn ReportStore>, ApiError> {
    state
        .shared
        .store
        .clone()
        .reports()
        .ok_or_else(|| ApiError::NotImplemented("This store keeps no reports.".into()))
}

/// `GET charge-points/v2.0/{chargePoint}/reports`
async fn list(
    State(state): State<Arc<ApiState>>,
    Path(cp): Path<String>,
    params: ListParams,
) -> Result<Json<Value>, ApiError> {
    let cp = charge_point(&state, &cp).await?;
    let kinds: Vec<&str> = ReportKind::ALL.iter().map(|k| k.name()).collect();
    let kind = params.one_of("kind", &kinds)?;
    let status = params.one_of("status", &["pending", "complete"])?;
    let rows = store(&state)?
        .reports(cp.id, kind, status, params.page())
        .await?;
    Ok(params.respond(rows, |r| r.id, |r| r.to_json()))
}

/// `GET charge-points/v2.0/{chargePoint}/reports/{requestId}`
async fn read(
    State(state): State<Arc<ApiState>>,
    Path((cp, request_id)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let cp = charge_point(&state, &cp).await?;
    let request_id: i64 = request_id
        .parse()
        .map_err(|_| ApiError::not_found("Report"))?;
    let r = store(&state)?
        .report(cp.id, request_id)
        .await?
        .ok_or_else(|| ApiError::not_found("Report"))?;
    Ok(Json(json!({"data": r.to_json()})))
}

fn event(e: DeviceEventView) -> Value {
    let mut v = e.event;
    v["id"] = json!(e.id);
    v["chargePointId"] = json!(e.charge_point_id);
    v["generatedAt"] = json!(e.generated_at);
    v["seqNo"] = json!(e.seq_no);
    v["createdAt"] = json!(e.created_at);
    v
}

/// `GET charge-points/v2.0/{chargePoint}/events`
async fn events(
    State(state): State<Arc<ApiState>>,
    Path(cp): Path<String>,
    params: ListParams,
) -> Result<Json<Value>, ApiError> {
    let cp = charge_point(&state, &cp).await?;
    let event_id = params.int("eventId")?;
    let rows = store(&state)?
        .device_events(cp.id, event_id, params.page())
        .await?;
    Ok(params.respond(rows, |e| e.id, event))
}

fn firmware_log(l: FirmwareStatusView) -> Value {
    json!({"status": l.status, "requestId": l.request_id, "timestamp": l.created_at})
}

/// `GET charge-points/v2.0/{chargePoint}/firmware-status-logs`, oldest first.
async fn firmware_logs(
    State(state): State<Arc<ApiState>>,
    Path(cp): Path<String>,
    params: ListParams,
) -> Result<Json<Value>, ApiError> {
    let cp = charge_point(&state, &cp).await?;
    let rows = store(&state)?
        .firmware_statuses(cp.id, params.page())
        .await?;
    Ok(params.respond(rows, |l| l.id, firmware_log))
}
