//! Configuration: sync the snapshot from the charger (1.6 GetConfiguration; 2.0.1
//! GetVariables for given keys, or GetBaseReport whose NotifyReport fills the snapshot
//! when it arrives), and change one key (ChangeConfiguration / SetVariables), through
//! the action or the resources API's PATCH. Stored 2.0.1 keys are a variable's whole
//! identity (`domain::variable`), e.g. `EVSE[2].AvailabilityState`.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;

use super::{
    action_error, body, charge_point, connection, empty, int32, target, MaybeJson, Target,
};
use crate::api::error::ApiError;
use crate::api::extract::ApiJson;
use crate::api::ApiState;
use crate::charger::credentials;
use crate::charger::outbound::split::limit_keys;
use crate::charger::outbound::{self, configuration_entries, MessageLimits};
use crate::domain::action::{Action, Outcome};
use crate::domain::variable::VariableKey;

#[derive(Deserialize, Default)]
pub struct SyncBody {
    #[serde(default)]
    keys: Vec<String>,
}

/// `POST charge-point/v1.0/{cp}/sync-configuration` → 202 `{success, requestId}`
pub async fn sync(
    State(state): State<Arc<ApiState>>,
    Path(cp): Path<String>,
    MaybeJson(b): MaybeJson<SyncBody>,
) -> Result<Response, ApiError> {
    let t = target(&state, &cp).await?;
    let request_id = state
        .resources
        .new_request_id(t.cp.id, "configuration")
        .await?;
    let action = Action::GetConfiguration {
        keys: b.keys.clone(),
        request_id: int32(request_id)?,
    };
    let outcome = perform_within_limits(&state, &t, &action).await?;
    let answer = outcome.answer();
    // An answer with entries is the snapshot; one without (a report was accepted)
    // announces a NotifyReport that fills it.
    let carries =
        answer.get("configurationKey").is_some() || answer.get("getVariableResult").is_some();
    if carries {
        let entries = crate::domain::secret::redact_entries(configuration_entries(answer));
        state
            .resources
            .store_configuration(t.cp.id, Some(request_id), entries, b.keys.is_empty())
            .await?;
    }
    Ok(body(
        StatusCode::ACCEPTED,
        json!({"success": true, "requestId": request_id}),
    ))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SetBody {
    name: String,
    value: String,
    component_name: Option<String>,
    evse_id: Option<u32>,
    instance: Option<String>,
}

/// `POST charge-point/v2.0/{cp}/set-configuration`
pub async fn set(
    State(state): State<Arc<ApiState>>,
    Path(cp): Path<String>,
    ApiJson(b): ApiJson<SetBody>,
) -> Result<Response, ApiError> {
    let t = target(&state, &cp).await?;
    change(&state, &t, b).await?;
    Ok(empty(StatusCode::ACCEPTED))
}

async fn change(state: &ApiState, t: &Target, b: SetBody) -> Result<String, ApiError> {
    if b.name.is_empty() {
        return Err(ApiError::field("name", "The name field is required."));
    }
    // A variable's scope is part of its key; a name that is no 2.0.1 key (a 1.6 key)
    // is stored as given.
    let stored = VariableKey::named(
        &b.name,
        b.component_name.as_deref(),
        b.evse_id,
        b.instance.as_deref(),
    )
    .map_or_else(|| b.name.clone(), |k| k.to_string());
    let action = Action::SetConfiguration {
        key: b.name,
        value: b.value.clone(),
        component: b.component_name,
        evse: b.evse_id,
        instance: b.instance,
    };
    // One entry: the station's message limits cannot split it; a password goes through
    // the credential change (staged before it is sent, settled by the answer).
    credentials::perform(&t.handle, state.shared.store.as_ref(), &action)
        .await?
        .map_err(|e| action_error(&t.cp, e))?;
    let shown = crate::domain::secret::shown(&stored, Some(b.value)).unwrap_or_default();
    state
        .resources
        .set_configuration_value(t.cp.id, stored.clone(), shown)
        .await?;
    Ok(stored)
}

#[derive(Deserialize)]
pub struct PatchBody {
    value: String,
}

/// `PATCH resources/charge-points/v2.0/{cp}/configurations/{key}`: changes the value on
/// the charger, then answers the stored key as `GET` does.
pub async fn patch(
    State(state): State<Arc<ApiState>>,
    Path((cp, key)): Path<(String, String)>,
    ApiJson(b): ApiJson<PatchBody>,
) -> Result<Response, ApiError> {
    let view = charge_point(&state, &cp).await?;
    let known = state
        .resources
        .configurations(view.id, Some(key.clone()))
        .await?;
    let Some(current) = known.into_iter().next() else {
        return Err(ApiError::not_found("Configuration key"));
    };
    if current.readonly {
        return Err(ApiError::NotAcceptable(
            "The configuration key is read-only.".into(),
        ));
    }
    let t = connection(&state, view).await?;
    let set = SetBody {
        name: key.clone(),
        value: b.value,
        component_name: None,
        evse_id: None,
        instance: None,
    };
    change(&state, &t, set).await?;
    let updated = state
        .resources
        .configurations(t.cp.id, Some(key))
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| ApiError::not_found("Configuration key"))?;
    Ok(body(
        StatusCode::OK,
        json!({"data": crate::api::evse::configuration(updated)}),
    ))
}

/// Performs `action` split to the limits the charger reported in its last snapshot
/// (OCPP 2.0.1 B06.FR.05: `ItemsPerMessage` / `BytesPerMessage`; 1.6
/// `GetConfigurationMaxKeys`); a limit not known yet splits nothing.
async fn perform_within_limits(
    state: &ApiState,
    t: &Target,
    action: &Action,
) -> Result<Outcome, ApiError> {
    let (items, bytes) = limit_keys(t.handle.version(), action);
    let limits = MessageLimits {
        items: known_limit(state, t.cp.id, items).await?,
        bytes: known_limit(state, t.cp.id, bytes).await?,
    };
    outbound::perform_within(&t.handle, action, limits)
        .await
        .map_err(|e| action_error(&t.cp, e))
}

/// A positive number stored under `key` in the charger's snapshot.
async fn known_limit(
    state: &ApiState,
    cp: i64,
    key: Option<&str>,
) -> Result<Option<usize>, ApiError> {
    let Some(key) = key else { return Ok(None) };
    let stored = state
        .resources
        .configurations(cp, Some(key.to_owned()))
        .await?;
    Ok(stored
        .into_iter()
        .next()
        .and_then(|c| c.value)
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|n| *n > 0))
}
