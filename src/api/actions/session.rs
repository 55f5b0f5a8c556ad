//! Remote start and stop. A start creates a `pending` session whose id is also the
//! remote start id; the transaction the charger then starts becomes that session (see
//! the store's transaction writes), so the `sessionId` answered here is the session's
//! id from the first moment. Stop takes that id.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;

use super::smart_charging::ProfileBody;
use super::{
    body, charge_point, connection, empty, evse_number, evse_target, int32, perform, target, Target,
};
use crate::api::error::ApiError;
use crate::api::extract::{id, ApiJson, OptionalJson};
use crate::api::ApiState;
use crate::domain::action::{Action, TokenType};
use crate::domain::tag_group::{group_token, MAX_USER_ID};
use crate::store::resources::ChargePointView;

/// The reference's start body, every field optional. Who starts: `idTag`, else the
/// deprecated `externalSessionId`, else the user's group token (`userId`; Accepted while
/// the user has a usable tag), else the configured `auth.remote_start_tag` (accepted only
/// at the charger the start went to).
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct StartBody {
    id_tag: Option<String>,
    external_session_id: Option<String>,
    user_id: Option<i64>,
    connector_id: Option<u32>,
    /// A profile for the transaction (sent with the start, ids allocated here).
    charging_profile: Option<ProfileBody>,
    /// Extensions for OCPP 2.0.1 (F01 RequestStartTransaction): the id token's type
    /// (`Central` unless given) and a group id token.
    id_token_type: Option<TokenType>,
    group_id_token: Option<String>,
}

impl StartBody {
    fn id_tag(&self, remote_start_tag: &str) -> Result<String, ApiError> {
        let user = match self.user_id {
            None => None,
            Some(u) => Some(group_token(u).ok_or_else(|| {
                ApiError::field(
                    "userId",
                    format!("The userId must be from 1 to {MAX_USER_ID}."),
                )
            })?),
        };
        let tag = self
            .id_tag
            .clone()
            .or_else(|| self.external_session_id.clone())
            .or(user)
            .or_else(|| Some(remote_start_tag.to_owned()).filter(|t| !t.is_empty()))
            .ok_or_else(|| {
                ApiError::field(
                    "idTag",
                    "The idTag field is required (or userId; no auth.remote_start_tag is set).",
                )
            })?;
        if tag.is_empty() || tag.chars().count() > 20 {
            return Err(ApiError::field(
                "idTag",
                "The idTag must be 1 to 20 characters long.",
            ));
        }
        Ok(tag)
    }
}

/// `POST charge-point/v1.0/{cp}/start`
pub async fn start(
    State(state): State<Arc<ApiState>>,
    Path(cp): Path<String>,
    ApiJson(b): ApiJson<StartBody>,
) -> Result<Response, ApiError> {
    let t = target(&state, &cp).await?;
    let evse = b.connector_id;
    run_start(&state, &t, evse, &b).await
}

/// `POST charge-point/v1.0/{cp}/start/{evse}` (the OCPP EVSE / connector number)
pub async fn start_on(
    State(state): State<Arc<ApiState>>,
    Path((cp, evse)): Path<(String, String)>,
    ApiJson(b): ApiJson<StartBody>,
) -> Result<Response, ApiError> {
    let t = target(&state, &cp).await?;
    let evse = evse_number(&evse)?;
    run_start(&state, &t, Some(evse), &b).await
}

/// `POST evse/v1.0/{evse}/start` (the EVSE's id)
pub async fn start_evse(
    State(state): State<Arc<ApiState>>,
    Path(evse): Path<String>,
    ApiJson(b): ApiJson<StartBody>,
) -> Result<Response, ApiError> {
    let (t, number) = evse_target(&state, &evse).await?;
    run_start(&state, &t, Some(number), &b).await
}

async fn run_start(
    state: &ApiState,
    t: &Target,
    evse: Option<u32>,
    b: &StartBody,
) -> Result<Response, ApiError> {
    let id_tag = b.id_tag(&state.shared.settings.auth.remote_start_tag)?;
    if b.group_id_token
        .as_ref()
        .is_some_and(|g| g.is_empty() || g.chars().count() > 36)
    {
        return Err(ApiError::field(
            "groupIdToken",
            "The groupIdToken must be 1 to 36 characters long.",
        ));
    }
    if let Some(p) = &b.charging_profile {
        p.check_stack_level(state, &t.cp.identity)?;
        p.to_profile(0, None)?;
    }
    let session = state
        .resources
        .create_pending_session(t.cp.id, evse.map(i64::from), id_tag.clone())
        .await?;
    let profile = match &b.charging_profile {
        None => None,
        Some(p) => {
            p.to_profile(0, None)?;
            let body_json = serde_json::to_value(p).unwrap_or_default();
            let id = state
                .resources
                .new_charging_profile(
                    t.cp.id,
                    evse.map_or(0, i64::from),
                    p.purpose(),
                    p.stack_level(),
                    body_json,
                )
                .await?;
            Some((id, p.to_profile(id, None)?))
        }
    };
    let action = Action::StartSession {
        evse,
        id_tag,
        token_type: b.id_token_type,
        group: b.group_id_token.clone(),
        remote_start_id: int32(session)?,
        profile: profile.as_ref().map(|(_, p)| p.clone()),
    };
    let result = perform(t, &action).await;
    if let (Some((id, _)), Some(p)) = (&profile, &b.charging_profile) {
        state
            .resources
            .charging_profile_outcome(*id, result.is_ok(), Some(session), p.notification(*id))
            .await?;
    }
    if let Err(e) = result {
        state
            .resources
            .fail_pending_session(session, "remote start not accepted".into())
            .await?;
        return Err(e);
    }
    Ok(body(
        StatusCode::ACCEPTED,
        json!({"success": true, "authorizationId": null, "sessionId": session}),
    ))
}

/// The reference's stop body: `force` ends the session whatever the charger answers.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct StopBody {
    #[serde(default)]
    force: bool,
}

/// `POST charge-point/v1.0/{cp}/stop/{session}` (the session's id)
///
/// OCPP 1.6 §5.12 RemoteStopTransaction / 2.0.1 F03 RequestStopTransaction. A session
/// already over is answered here without asking the charger. With `force` the session
/// ends (see the store's reconciliation) whether the charger accepted, refused, did not
/// answer or is not connected; the charger's own stop, if it follows, still applies.
pub async fn stop(
    State(state): State<Arc<ApiState>>,
    Path((cp, session)): Path<(String, String)>,
    OptionalJson(b): OptionalJson<StopBody>,
) -> Result<Response, ApiError> {
    let cp = charge_point(&state, &cp).await?;
    let session = id(&session, "Session")?;
    let view = state
        .resources
        .session(session)
        .await?
        .filter(|s| s.charge_point_id == cp.id)
        .ok_or_else(|| ApiError::not_found("Session"))?;
    if !matches!(view.status.as_str(), "active" | "pending") {
        return Ok(empty(StatusCode::ACCEPTED));
    }
    let identity = cp.identity.clone();
    let asked = ask_stop(&state, cp, view.id).await;
    if b.force {
        state
            .shared
            .store
            .force_stop_session(&identity, view.id)
            .await?;
        return Ok(empty(StatusCode::ACCEPTED));
    }
    asked.map(|()| empty(StatusCode::ACCEPTED))
}

/// Asks the charger to stop the session's transaction.
async fn ask_stop(state: &ApiState, cp: ChargePointView, session: i64) -> Result<(), ApiError> {
    let transaction_id = state
        .resources
        .session_transaction_id(session)
        .await?
        .ok_or_else(|| {
            ApiError::NotAcceptable(
                "The session has no transaction on the charge point yet.".into(),
            )
        })?;
    let t = connection(state, cp).await?;
    perform(&t, &Action::StopSession { transaction_id }).await?;
    Ok(())
}
