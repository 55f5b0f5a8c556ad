//! `charge-points/v1.0/{chargePoint}/status`, and the rule that turns a stored link
//! status into the API's `networkStatus`.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path, State};
use axum::Json;
use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::charge_point::{data, find, long_term_after};
use super::error::ApiError;
use super::ApiState;
use crate::store::resources::{EvseFilter, Page};

/// The link's status as the API shows it: a charger disconnected for longer than
/// `long_term_after` is `long-term_unavailable`.
pub fn network_status(
    stored: &str,
    disconnected_at: Option<&str>,
    now: DateTime<Utc>,
    long_term_after: Duration,
) -> &'static str {
    match stored {
        "available" => "available",
        "never_connected" => "never_connected",
        _ => {
            let since = disconnected_at.and_then(|t| DateTime::parse_from_rfc3339(t).ok());
            let long = chrono::Duration::from_std(long_term_after).unwrap_or(chrono::Duration::MAX);
            match since {
                Some(t) if now.signed_duration_since(t) >= long => "long-term_unavailable",
                _ => "temporarily_unavailable",
            }
        }
    }
}

/// `GET charge-points/v1.0/{chargePoint}/status`: this older path spells the network
/// statuses with spaces.
pub async fn status(
    State(state): State<Arc<ApiState>>,
    Path(cp): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let v = find(&state, &cp).await?;
    let evses = state
        .resources
        .evses(
            EvseFilter {
                charge_point_id: Some(v.id),
                ..EvseFilter::default()
            },
            Page {
                after: None,
                limit: 10_000,
            },
        )
        .await?;
    let network = network_status(
        &v.network_status,
        v.disconnected_at.as_deref(),
        Utc::now(),
        long_term_after(&state),
    )
    .replace('_', " ");
    let evses: Vec<Value> = evses
        .iter()
        .map(|e| json!({"id": e.id, "hardwareStatus": e.hardware_status}))
        .collect();
    Ok(data(json!({
        "networkStatus": network,
        "hardwareStatus": v.hardware_status,
        "evses": evses,
        "lastUpdatedAt": v.updated_at,
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_disconnections_become_long_term() {
        let now = DateTime::parse_from_rfc3339("2026-11-28T12:00:00Z")
            .expect("time")
            .with_timezone(&Utc);
        let hour = Duration::from_secs(3600);
        let at = |t| network_status("temporarily_unavailable", Some(t), now, hour);
        assert_eq!(at("2026-11-28T11:30:00.000Z"), "temporarily_unavailable");
        assert_eq!(at("2026-11-28T11:00:00.000Z"), "long-term_unavailable");
        assert_eq!(network_status("available", None, now, hour), "available");
        assert_eq!(
            network_status("never_connected", None, now, hour),
            "never_connected"
        );
    }
}
