//! Firmware a local controller publishes to the stations behind it (OCPP 2.0.1 L03
//! PublishFirmware, L04 UnpublishFirmware). The gateway allocates the requestId that
//! the controller's PublishFirmwareStatusNotifications carry. 1.6 has no local
//! controller messages: 501, before a request id is taken.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;

use super::station::{check_len, supported};
use super::{body, empty, int32, perform, target};
use crate::api::error::ApiError;
use crate::api::extract::ApiJson;
use crate::api::ApiState;
use crate::domain::action::Action;
use crate::domain::station::PublishedFirmware;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PublishBody {
    location: Option<String>,
    checksum: Option<String>,
    retries: Option<i32>,
    /// OCPP's name; `interval` (update-firmware's) is read as the same.
    #[serde(alias = "interval")]
    retry_interval: Option<i32>,
}

/// The firmware's MD5 checksum: 32 hexadecimal digits.
fn checksum(raw: Option<String>) -> Result<String, ApiError> {
    let c = raw.unwrap_or_default();
    if c.len() != 32 || !c.chars().all(|ch| ch.is_ascii_hexdigit()) {
        return Err(ApiError::field(
            "checksum",
            "The checksum must be the firmware's MD5, as 32 hexadecimal digits.",
        ));
    }
    Ok(c)
}

fn in_range(field: &str, v: Option<i32>, max: i32) -> Result<(), ApiError> {
    match v {
        Some(n) if !(0..=max).contains(&n) => Err(ApiError::field(
            field,
            format!("The {field} must be between 0 and {max}."),
        )),
        _ => Ok(()),
    }
}

/// `POST charge-point/v1.0/{cp}/publish-firmware` → 202 `{requestId}`
pub async fn publish(
    State(state): State<Arc<ApiState>>,
    Path(cp): Path<String>,
    ApiJson(b): ApiJson<PublishBody>,
) -> Result<Response, ApiError> {
    let location = b
        .location
        .map(|l| l.trim().to_owned())
        .filter(|l| !l.is_empty())
        .ok_or_else(|| ApiError::field("location", "The location field is required."))?;
    check_len("location", &location, 512)?;
    let checksum = checksum(b.checksum)?;
    in_range("retries", b.retries, 10)?;
    in_range("retryInterval", b.retry_interval, 3600)?;
    let t = target(&state, &cp).await?;
    let mut firmware = PublishedFirmware {
        request_id: 0,
        location,
        checksum,
        retries: b.retries,
        interval: b.retry_interval,
    };
    supported(
        &t,
        &Action::PublishFirmware {
            firmware: firmware.clone(),
        },
    )?;
    let request_id = state
        .resources
        .new_request_id(t.cp.id, "publish-firmware")
        .await?;
    firmware.request_id = int32(request_id)?;
    perform(&t, &Action::PublishFirmware { firmware }).await?;
    Ok(body(StatusCode::ACCEPTED, json!({"requestId": request_id})))
}

#[derive(Deserialize)]
pub struct UnpublishBody {
    checksum: Option<String>,
}

/// `POST charge-point/v1.0/{cp}/unpublish-firmware` → 202
pub async fn unpublish(
    State(state): State<Arc<ApiState>>,
    Path(cp): Path<String>,
    ApiJson(b): ApiJson<UnpublishBody>,
) -> Result<Response, ApiError> {
    let checksum = checksum(b.checksum)?;
    let t = target(&state, &cp).await?;
    perform(&t, &Action::UnpublishFirmware { checksum }).await?;
    Ok(empty(StatusCode::ACCEPTED))
}
