//! Read-only records of what happened at the chargers: `authorizations/v2.1`,
//! `reservations/v1.0` and `security-events/v2.0`.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::Json;
use chrono::DateTime;
use serde_json::{json, Value};

use super::error::ApiError;
use super::extract::id;
use super::list::ListParams;
use super::ApiState;
use crate::store::resources::{
    AuthorizationFilter, AuthorizationView, ReservationFilter, ReservationView,
    SecurityEventFilter, SecurityEventView,
};

const AUTH_METHODS: &[&str] = &[
    "user_device",
    "id_tag",
    "mac_address",
    "admin",
    "plug_and_charge",
    "roaming",
    "payment_terminal",
    "plug_and_charge_iso15118",
];
const AUTH_STATUSES: &[&str] = &["accepted", "rejected", "pending"];
const RESERVATION_STATUSES: &[&str] = &["active", "expired", "canceled", "done"];

/// Picks `value` when the reference knows it, else `fallback`.
fn known<'a>(value: &'a str, allowed: &[&str], fallback: &'a str) -> &'a str {
    if allowed.contains(&value) {
        value
    } else {
        fallback
    }
}

fn authorization(a: AuthorizationView) -> Value {
    let mut v = json!({
        "id": a.id,
        "method": known(&a.method, AUTH_METHODS, "id_tag"),
        "source": known(&a.source, &["local", "roaming"], "local"),
        "status": known(&a.status, AUTH_STATUSES, "rejected"),
        // No users here: the reference's value for anonymous.
        "userId": 0,
        "idTagUid": a.id_tag,
        "sessionIds": a.session_id.into_iter().collect::<Vec<_>>(),
        "createdAt": a.created_at,
        "lastUpdatedAt": a.updated_at,
    });
    if let Some(obj) = v.as_object_mut() {
        if let Some(cp) = a.charge_point_id {
            obj.insert("chargePointId".into(), cp.into());
        }
        if let Some(r) = a.rejection_reason {
            obj.insert("rejectionReason".into(), r.into());
        }
    }
    v
}

/// `GET authorizations/v2.1`
pub async fn authorizations(
    State(state): State<Arc<ApiState>>,
    params: ListParams,
) -> Result<Json<Value>, ApiError> {
    let filter = AuthorizationFilter {
        status: params.text("status"),
        method: params.text("method"),
        created: params.window("createdAfter", "createdBefore")?,
        updated: params.window("lastUpdatedAfter", "lastUpdatedBefore")?,
    };
    let rows = state
        .resources
        .authorizations(filter, params.page())
        .await?;
    Ok(params.respond(rows, |a| a.id, authorization))
}

/// `GET authorizations/v2.1/{authorization}`
pub async fn read_authorization(
    State(state): State<Arc<ApiState>>,
    Path(raw): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let a = state
        .resources
        .authorization(id(&raw, "Authorization")?)
        .await?
        .ok_or_else(|| ApiError::not_found("Authorization"))?;
    Ok(Json(json!({ "data": authorization(a) })))
}

/// Minutes from the reservation to its expiry.
fn minutes(from: &str, to: Option<&str>) -> i64 {
    let from = DateTime::parse_from_rfc3339(from);
    let to = to.map(DateTime::parse_from_rfc3339);
    match (from, to) {
        (Ok(f), Some(Ok(t))) => t.signed_duration_since(f).num_minutes().max(0),
        _ => 0,
    }
}

fn reservation(r: ReservationView) -> Value {
    // The reference's four states from what chargers and actions record.
    let status = match r.status.as_str() {
        "expired" => "expired",
        "removed" | "cancelled" | "canceled" | "rejected" => "canceled",
        "used" | "done" => "done",
        s => known(s, RESERVATION_STATUSES, "active"),
    };
    let mut v = json!({
        "id": r.id,
        // Reservations from before users were kept have none: 0, as the reference
        // requires an integer.
        "userId": r.user_id.unwrap_or(0),
        "chargePointId": r.charge_point_id,
        "status": status,
        "reservedAt": r.created_at,
        "duration": minutes(&r.created_at, r.expires_at.as_deref()),
        "canceledAt": (status == "canceled").then_some(&r.updated_at),
        "lastUpdatedAt": r.updated_at,
    });
    // Reservations of connector 0 made before they were refused have no EVSE to name.
    if let (Some(obj), Some(evse)) = (v.as_object_mut(), r.evse_id) {
        obj.insert("evseId".into(), evse.into());
    }
    v
}

/// `GET reservations/v1.0`: paged by number, as the reference does.
pub async fn reservations(
    State(state): State<Arc<ApiState>>,
    params: ListParams,
) -> Result<Json<Value>, ApiError> {
    let filter = ReservationFilter {
        evse_id: params.int("evseId")?,
        user_id: params.int("userId")?,
        status: params.one_of("status", RESERVATION_STATUSES)?,
        created: params.window("reservedFrom", "reservedTo")?,
    };
    let offset = (params.page - 1).saturating_mul(u64::from(params.per_page));
    let (rows, total) = state
        .resources
        .reservations(filter, offset, params.per_page)
        .await?;
    let data: Vec<Value> = rows.into_iter().map(reservation).collect();
    Ok(params.respond_numbered(data, total))
}

/// `GET reservations/v1.0/{reservation}`
pub async fn read_reservation(
    State(state): State<Arc<ApiState>>,
    Path(raw): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let r = state
        .resources
        .reservation(id(&raw, "Reservation")?)
        .await?
        .ok_or_else(|| ApiError::not_found("Reservation"))?;
    Ok(Json(json!({ "data": reservation(r) })))
}

fn security_event(e: SecurityEventView) -> Value {
    let mut v = json!({
        "id": e.id,
        "chargePoint": e.charge_point_id,
        "type": e.kind,
        "timestamp": e.occurred_at,
    });
    if let (Some(obj), Some(info)) = (v.as_object_mut(), e.tech_info) {
        obj.insert("techInfo".into(), info.into());
    }
    v
}

/// `GET security-events/v2.0`
pub async fn security_events(
    State(state): State<Arc<ApiState>>,
    params: ListParams,
) -> Result<Json<Value>, ApiError> {
    let filter = SecurityEventFilter {
        charge_point_id: params.int("chargePoint")?,
        kind: params.text("type"),
        occurred: params.window("timestampFrom", "timestampTo")?,
    };
    let rows = state
        .resources
        .security_events(filter, params.page())
        .await?;
    Ok(params.respond(rows, |e| e.id, security_event))
}

/// `GET security-events/v2.0/{securityEvent}`
pub async fn read_security_event(
    State(state): State<Arc<ApiState>>,
    Path(raw): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let e = state
        .resources
        .security_event(id(&raw, "Security event")?)
        .await?
        .ok_or_else(|| ApiError::not_found("Security event"))?;
    Ok(Json(json!({ "data": security_event(e) })))
}
