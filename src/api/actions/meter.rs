//! `electricity-meter/v1.0/{electricityMeter}/report-consumption`: a meter's reading
//! `{currentL1?, currentL2?, currentL3?, timestamp}` (currents in mA, whole and not
//! negative; the timestamp ISO 8601 and required), kept as the meter's last report and
//! served as its circuits' unmanaged load. Answers 202 with no body.
//!
//! Refused with 406 ("Action rejected", with a message): a report older than the
//! meter's last one (reports out of order must not move the reading back in time), or
//! one more than [`MAX_AHEAD`] in the future (a meter clock that far off cannot be
//! trusted). 422 for bad fields, 404 for an unknown meter; nothing is stored on refusal.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::Utc;
use serde_json::{Map, Value};

use super::{empty, time};
use crate::api::circuit::store;
use crate::api::error::ApiError;
use crate::api::extract::{id, ApiJson};
use crate::api::fields::{integer, Fields};
use crate::api::{load_hook, ApiState};
use crate::store::resources::MeterReport;
use crate::store::ResourceError;

/// How far ahead of the gateway's clock a report may be.
pub const MAX_AHEAD: chrono::Duration = chrono::Duration::seconds(60);

/// `POST electricity-meter/v1.0/{electricityMeter}/report-consumption`
pub async fn report(
    State(state): State<Arc<ApiState>>,
    Path(raw): Path<String>,
    ApiJson(b): ApiJson<Map<String, Value>>,
) -> Result<Response, ApiError> {
    let store = store(&state)?;
    let meter = id(&raw, "Electricity meter")?;
    if store.meter(meter).await?.is_none() {
        return Err(ApiError::not_found("Electricity meter"));
    }
    let mut f = Fields::new(&b);
    let currents = ["currentL1", "currentL2", "currentL3"].map(|k| f.value(k, &integer(0)));
    f.require("timestamp");
    let at = f.value("timestamp", &|name: &str, v: &Value| match v.as_str() {
        Some(s) => time(name, s).map_err(|_| format!("The {name} must be an ISO 8601 date-time.")),
        None => Err(format!("The {name} must be a string.")),
    });
    f.finish()?;
    let Some(at) = at else {
        return Err(ApiError::field(
            "timestamp",
            "The timestamp field is required.",
        ));
    };
    if at > Utc::now() + MAX_AHEAD {
        return Err(ApiError::NotAcceptable(format!(
            "The report's timestamp {} is more than {} s in the future.",
            at.to_rfc3339(),
            MAX_AHEAD.num_seconds()
        )));
    }
    let report = MeterReport {
        currents_ma: currents,
        at: crate::domain::time::text(at),
    };
    store
        .report_consumption(meter, report)
        .await
        .map_err(|e| match e {
            ResourceError::NotFound => ApiError::not_found("Electricity meter"),
            e => e.into(),
        })?;
    load_hook::changed(&state, None);
    Ok(empty(StatusCode::ACCEPTED))
}
