//! Security profile actions: `set-security-profile` raises a charger to profile 1 or 2
//! (never lowers it: 0→1, 0→2, 1→2; any other transition is a 406), installing the
//! gateway's CSMS root first when raising to 2 and giving it a password when it has none
//! (see `charger::security_profile`); `reset-security-profile` forgets the profile the
//! charger reached and the desired floor, so its next connection, whatever its profile,
//! is accepted and becomes the current one.

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
use crate::charger::security_profile::{ProfileError, Raise};

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
    let ocpp = &state.shared.settings.ocpp;
    let url = |u: &str| Some(u.trim().to_owned()).filter(|u| !u.is_empty());
    if target <= current {
        return Err(profile_error(
            &view,
            ProfileError::NotRaising { current, target },
        ));
    }
    let has_password = view.has_password;
    let t = connection(&state, view).await?;
    let mut plan = Raise {
        version: t.handle.version(),
        current,
        target,
        has_password,
        csms_url: if target == 2 {
            url(&ocpp.public_tls_url)
        } else {
            url(&ocpp.public_url)
        },
        tls_available: !ocpp.tls_listen.trim().is_empty() || !ocpp.trusted_proxies.is_empty(),
        csms_root: None,
    };
    // Nothing is sent before every precondition holds.
    plan.check().map_err(|e| profile_error(&t.cp, e))?;
    if target == 2 {
        plan.csms_root = super::certificate::csms_root(&state);
    }
    tracing::info!(identity = %t.cp.identity, from = current, to = target, reason = ?b.reason, "raising the security profile");
    match plan.run(&t.handle, state.shared.store.as_ref()).await {
        Ok(()) => Ok(body(StatusCode::ACCEPTED, json!({"success": true}))),
        Err(e) => Err(profile_error(&t.cp, e)),
    }
}

/// The HTTP answer to a raise that was not made: an invalid transition is the
/// reference's 406 `{message, success: false}`.
fn profile_error(cp: &crate::store::resources::ChargePointView, e: ProfileError) -> ApiError {
    match e {
        ProfileError::NotRaising { .. } | ProfileError::Unsupported(_) => {
            ApiError::InvalidTransition(e.to_string())
        }
        ProfileError::Call(e) => action_error(cp, ActionError::Call(e)),
        ProfileError::Action(e) => action_error(cp, e),
        ProfileError::Setup(m) => ApiError::NotImplemented(m),
        ProfileError::Store(e) => e.into(),
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
