//! `charge-points/v1.0/{chargePoint}/status`: a charge point's link and hardware
//! status with its EVSEs'.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::Json;
use chrono::Utc;
use serde_json::{json, Value};

use super::charge_point::{data, find, long_term_after};
use super::error::ApiError;
use super::network_status::network_status;
use super::ApiState;
use crate::store::resources::{EvseFilter, Page};

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
