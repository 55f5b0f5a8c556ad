//! Maintenance: diagnostics and security logs, firmware updates. Their results arrive
//! later as notifications carrying the action's `requestId`.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::Utc;
use serde::Deserialize;
use serde_json::{json, Value};

use super::{body, empty, int32, perform, target, time, time_opt};
use crate::api::error::ApiError;
use crate::api::extract::ApiJson;
use crate::api::ApiState;
use crate::domain::action::{Action, FirmwareSignature, LogKind};

#[derive(Deserialize)]
pub struct DiagnosticsBody {
    location: String,
    start: Option<String>,
    stop: Option<String>,
}

/// `POST charge-point/v1.0/{cp}/get-diagnostics` → 202 `{success, requestId, fileName?}`
pub async fn diagnostics(
    State(state): State<Arc<ApiState>>,
    Path(cp): Path<String>,
    ApiJson(b): ApiJson<DiagnosticsBody>,
) -> Result<Response, ApiError> {
    let from = time_opt("start", b.start.as_deref())?;
    let to = time_opt("stop", b.stop.as_deref())?;
    let t = target(&state, &cp).await?;
    let request_id = state
        .resources
        .new_request_id(t.cp.id, "diagnostics")
        .await?;
    let action = Action::GetLog {
        kind: LogKind::Diagnostics,
        request_id: int32(request_id)?,
        location: b.location,
        from,
        to,
        retries: None,
        interval: None,
    };
    let outcome = perform(&t, &action).await?;
    let mut answer = json!({"success": true, "requestId": request_id});
    if let Some(name) = outcome
        .answer()
        .get("fileName")
        .or_else(|| outcome.answer().get("filename"))
    {
        answer["fileName"] = name.clone();
    }
    Ok(body(StatusCode::ACCEPTED, answer))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SecurityLogBody {
    url: String,
    #[allow(dead_code)]
    reason: String,
    start_time: Option<String>,
    stop_time: Option<String>,
    retries: Option<i32>,
    interval: Option<i32>,
}

/// `POST charge-point/v1.0/{cp}/get-security-log` → 201 `{data: {id, logType, ...}}`
pub async fn security_log(
    State(state): State<Arc<ApiState>>,
    Path(cp): Path<String>,
    ApiJson(b): ApiJson<SecurityLogBody>,
) -> Result<Response, ApiError> {
    let from = time_opt("startTime", b.start_time.as_deref())?;
    let to = time_opt("stopTime", b.stop_time.as_deref())?;
    check_range("retries", b.retries, 10)?;
    check_range("interval", b.interval, 3600)?;
    let t = target(&state, &cp).await?;
    let request_id = state
        .resources
        .new_request_id(t.cp.id, "security-log")
        .await?;
    let action = Action::GetLog {
        kind: LogKind::Security,
        request_id: int32(request_id)?,
        location: b.url,
        from,
        to,
        retries: b.retries,
        interval: b.interval,
    };
    let outcome = perform(&t, &action).await?;
    let answer = outcome.answer();
    let mut data = json!({
        "id": request_id,
        "logType": "SecurityLog",
        "chargePointId": t.cp.id,
        "status": answer.get("status").cloned().unwrap_or(Value::Null),
    });
    if let Some(name) = answer.get("filename") {
        data["file_name"] = name.clone();
    }
    Ok(body(StatusCode::CREATED, json!({"data": data})))
}

fn check_range(field: &str, v: Option<i32>, max: i32) -> Result<(), ApiError> {
    match v {
        Some(n) if !(0..=max).contains(&n) => Err(ApiError::field(
            field,
            format!("The {field} must be between 0 and {max}."),
        )),
        _ => Ok(()),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FirmwareBody {
    signed: bool,
    url: Option<String>,
    firmware_version_id: Option<i64>,
    retrieve_after: Option<String>,
    retries: Option<i32>,
    /// The reference's name; `retryInterval` (OCPP's) is read as the same.
    #[serde(alias = "retryInterval")]
    interval: Option<i32>,
    install_date_time: Option<String>,
    signature: Option<String>,
    signing_certificate: Option<String>,
}

/// `POST charge-point/v2.0/{cp}/update-firmware`. The gateway keeps no firmware
/// repository: `url` is required.
pub async fn update_firmware(
    State(state): State<Arc<ApiState>>,
    Path(cp): Path<String>,
    ApiJson(b): ApiJson<FirmwareBody>,
) -> Result<Response, ApiError> {
    let Some(location) = b.url.filter(|u| !u.is_empty()) else {
        let message = if b.firmware_version_id.is_some() {
            "The gateway has no firmware repository: give the url."
        } else {
            "The url field is required."
        };
        return Err(ApiError::field("url", message));
    };
    check_range("retries", b.retries, 10)?;
    check_range("interval", b.interval, 3600)?;
    let signature = if b.signed {
        let signature = b.signature.ok_or_else(|| {
            ApiError::field("signature", "The signature is required when signed.")
        })?;
        let signing_certificate = b.signing_certificate.ok_or_else(|| {
            ApiError::field(
                "signingCertificate",
                "The signingCertificate is required when signed.",
            )
        })?;
        Some(FirmwareSignature {
            signing_certificate,
            signature,
        })
    } else {
        None
    };
    let retrieve_at = match b.retrieve_after.as_deref() {
        Some(raw) => time("retrieveAfter", raw)?,
        None => Utc::now(),
    };
    let install_at = time_opt("installDateTime", b.install_date_time.as_deref())?;
    if install_at.is_some_and(|i| i < retrieve_at) {
        return Err(ApiError::field(
            "installDateTime",
            "The installDateTime may not be before the retrieve time.",
        ));
    }
    let t = target(&state, &cp).await?;
    let request_id = state.resources.new_request_id(t.cp.id, "firmware").await?;
    let action = Action::UpdateFirmware {
        request_id: int32(request_id)?,
        location,
        retrieve_at,
        retries: b.retries,
        interval: b.interval,
        signature,
        install_at,
    };
    perform(&t, &action).await?;
    Ok(empty(StatusCode::ACCEPTED))
}
