//! Security profile actions: `set-security-profile` raises a charger to profile 1 or 2
//! (never lowers it: 0→1, 0→2, 1→2), giving it a password when it has none;
//! `reset-security-profile` forgets the profile the charger reached, so its next
//! connection, whatever its profile, is accepted and becomes the current one.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;

use super::{action_error, body, charge_point, connection, empty};
use crate::api::error::ApiError;
use crate::api::extract::ApiJson;
use crate::api::ApiState;
use crate::charger::outbound::ActionError;
use crate::charger::security_profile::{raise, ProfileError};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SetProfile {
    set_security_profile: Option<i64>,
    reason: Option<String>,
}

/// `POST charge-point/v2.0/{cp}/set-security-profile`
pub async fn set(
    State(state): State<Arc<ApiState>>,
    Path(cp): Path<String>,
    ApiJson(b): ApiJson<SetProfile>,
) -> Result<Response, ApiError> {
    let target = match b.set_security_profile {
        Some(p @ 1..=2) => p as u8,
        Some(_) => {
            return Err(ApiError::field(
                "setSecurityProfile",
                "The security profile must be 1 or 2.",
            ))
        }
        None => {
            return Err(ApiError::field(
                "setSecurityProfile",
                "The set security profile field is required.",
            ))
        }
    };
    match b.reason.as_deref() {
        None | Some("") => return Err(ApiError::field("reason", "The reason field is required.")),
        Some(r) if r.chars().count() > 500 => {
            return Err(ApiError::field(
                "reason",
                "The reason may not be longer than 500 characters.",
            ))
        }
        Some(_) => {}
    }
    let view = charge_point(&state, &cp).await?;
    let current = view
        .current_profile
        .unwrap_or(if view.has_password { 1 } else { 0 })
        .clamp(0, 3) as u8;
    if target <= current {
        return Err(ApiError::field(
            "setSecurityProfile",
            format!("Only raising is allowed: the charge point is on security profile {current}."),
        ));
    }
    let has_password = view.has_password;
    let t = connection(&state, view).await?;
    let url = state.shared.settings.ocpp.public_tls_url.trim();
    let url = (!url.is_empty()).then_some(url);
    tracing::info!(identity = %t.cp.identity, from = current, to = target, reason = ?b.reason, "raising the security profile");
    match raise(
        &t.handle,
        state.shared.store.as_ref(),
        current,
        has_password,
        target,
        url,
    )
    .await
    {
        Ok(()) => Ok(body(StatusCode::ACCEPTED, json!({"success": true}))),
        Err(ProfileError::Call(e)) => Err(action_error(&t.cp, ActionError::Call(e))),
        Err(ProfileError::NotRaising { .. } | ProfileError::Unsupported(_)) => Err(
            ApiError::field("setSecurityProfile", "Only raising to 1 or 2 is allowed."),
        ),
        Err(ProfileError::Setup(m)) => Err(ApiError::NotImplemented(m)),
        Err(ProfileError::Store(e)) => Err(e.into()),
    }
}

/// `POST charge-point/v1.0/{cp}/reset-security-profile`
pub async fn reset(
    State(state): State<Arc<ApiState>>,
    Path(cp): Path<String>,
) -> Result<Response, ApiError> {
    let view = charge_point(&state, &cp).await?;
    state
        .shared
        .store
        .reset_security_profile(&view.identity)
        .await?;
    tracing::info!(identity = %view.identity, "security profile reset: the next connection sets it");
    Ok(empty(StatusCode::ACCEPTED))
}
