//! `sessions/v1.0`: one session per transaction, with energy in Wh and power in W.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::Json;
use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::error::ApiError;
use super::extract::id;
use super::list::ListParams;
use super::ApiState;
use crate::store::resources::{SessionFilter, SessionView};

const STATUSES: &[&str] = &[
    "unknown", "pending", "active", "finished", "expired", "failed",
];

fn parse(t: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(t)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// Average power in W: the energy over the time from start to stop (or to now while the
/// session runs); none before any time has passed.
pub fn average_power(
    energy_wh: f64,
    started: Option<&str>,
    stopped: Option<&str>,
    now: DateTime<Utc>,
) -> Option<f64> {
    let start = parse(started?)?;
    let end = match stopped {
        Some(s) => parse(s)?,
        None => now,
    };
    let hours = end.signed_duration_since(start).num_milliseconds() as f64 / 3_600_000.0;
    (hours > 0.0).then(|| (energy_wh / hours * 1000.0).round() / 1000.0)
}

fn render(s: SessionView) -> Value {
    let running = matches!(s.status.as_str(), "active" | "pending");
    let average = average_power(
        s.energy_wh,
        s.started_at.as_deref(),
        s.stopped_at.as_deref().filter(|_| !running),
        Utc::now(),
    )
    .filter(|_| running || s.stopped_at.is_some());
    let mut v = json!({
        "id": s.id.to_string(),
        "status": if STATUSES.contains(&s.status.as_str()) { s.status.as_str() } else { "unknown" },
        "userId": null,
        "authorizationId": null,
        "billingStatus": null,
        "energy": s.energy_wh,
        "energyConsumption": {"total": s.energy_wh, "grid": s.energy_wh},
        "power": {"latest": s.power_latest_w, "peak": s.power_peak_w, "average": average},
        "chargePointId": s.charge_point_id,
        "connectorId": s.connector_id,
        "startedAt": s.started_at.as_deref().unwrap_or(&s.created_at),
        "stoppedAt": s.stopped_at,
        "lastUpdatedAt": s.updated_at,
    });
    // Fields the reference does not let be null are left out when unknown.
    let optional = [
        // Required by the reference: a remote start naming no EVSE has none until the
        // charger starts the transaction somewhere; 0 (no EVSE's id) says so.
        ("evseId", Some(Value::from(s.evse_id.unwrap_or(0)))),
        ("idTag", s.id_tag.map(Value::from)),
        ("socPercent", s.soc_percent.map(Value::from)),
        (
            "reason",
            s.reason
                .map(|r| Value::from(crate::domain::notification::stop_reason(&r))),
        ),
    ];
    if let Some(obj) = v.as_object_mut() {
        for (k, val) in optional {
            if let Some(val) = val {
                obj.insert(k.into(), val);
            }
        }
    }
    v
}

/// `GET sessions/v1.0`
pub async fn list(
    State(state): State<Arc<ApiState>>,
    params: ListParams,
) -> Result<Json<Value>, ApiError> {
    let filter = SessionFilter {
        charge_point_id: params.int("chargePointId")?,
        charge_point_identity: params.text("chargePointNetworkId"),
        evse_id: params.int("evseId")?,
        status: params.one_of("status", STATUSES)?,
        id_tag: params.text("idTag"),
        updated: params.window("lastUpdatedAfter", "lastUpdatedBefore")?,
        started: params.window("startedAfter", "startedBefore")?,
        stopped: params.window("endedAfter", "endedBefore")?,
    };
    let rows = state.resources.sessions(filter, params.page()).await?;
    Ok(params.respond(rows, |s| s.id, render))
}

/// `GET sessions/v1.0/{session}`
pub async fn read(
    State(state): State<Arc<ApiState>>,
    Path(session): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let s = state
        .resources
        .session(id(&session, "Session")?)
        .await?
        .ok_or_else(|| ApiError::not_found("Session"))?;
    Ok(Json(json!({ "data": render(s) })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn average_power_is_energy_over_time() {
        let now = parse("2026-11-28T12:00:00Z").expect("time");
        let avg = |e, a, b| average_power(e, Some(a), b, now);
        assert_eq!(
            avg(3600.0, "2026-11-28T10:00:00Z", Some("2026-11-28T10:30:00Z")),
            Some(7200.0)
        );
        assert_eq!(avg(1000.0, "2026-11-28T11:00:00Z", None), Some(1000.0));
        assert_eq!(avg(1.0, "2026-11-28T12:00:00Z", None), None);
        assert_eq!(average_power(1.0, None, None, now), None);
    }
}
