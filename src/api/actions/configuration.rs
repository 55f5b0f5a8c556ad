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
use crate::domain::action::{Action, ConfigurationChange, Outcome};
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

/// Several keys at once.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetManyBody {
    variables: Vec<SetBody>,
}

/// The most keys one `set-configurations` may change.
const MAX_VARIABLES: usize = 100;

/// `POST charge-point/v2.0/{cp}/set-configurations` `{variables: [...]}` (an extension;
/// each entry as `set-configuration`'s body) → 200 `{results: [{key, status}]}`, each key
/// with the charger's status for it (2.0.1 B05 SetVariables, split to the station's
/// `ItemsPerMessage` / `BytesPerMessage`; 1.6 one ChangeConfiguration per key, in order).
/// The keys it accepted land in the snapshot.
pub async fn set_many(
    State(state): State<Arc<ApiState>>,
    Path(cp): Path<String>,
    ApiJson(b): ApiJson<SetManyBody>,
) -> Result<Response, ApiError> {
    let variables = b.variables;
    if variables.is_empty() || variables.len() > MAX_VARIABLES {
        return Err(ApiError::field(
            "variables",
            format!("From 1 to {MAX_VARIABLES} variables may be set at once."),
        ));
    }
    let mut changes = Vec::with_capacity(variables.len());
    let mut values: Vec<(String, String)> = Vec::with_capacity(variables.len());
    for (i, v) in variables.into_iter().enumerate() {
        if v.name.is_empty() {
            return Err(ApiError::field(
                &format!("variables[{i}].name"),
                "The name field is required.",
            ));
        }
        let stored = VariableKey::named(
            &v.name,
            v.component_name.as_deref(),
            v.evse_id,
            v.instance.as_deref(),
        )
        .map_or_else(|| v.name.clone(), |k| k.to_string());
        values.push((stored, v.value.clone()));
        let change = ConfigurationChange {
            key: v.name,
            value: v.value,
            component: v.component_name,
            evse: v.evse_id,
            instance: v.instance,
        };
        // A password is staged before it is sent and settled by the answer: alone.
        if credentials::password_in(&change.action()).is_some() {
            return Err(ApiError::field(
                &format!("variables[{i}].name"),
                "A password is set on its own, not among other variables.",
            ));
        }
        changes.push(change);
    }
    let t = target(&state, &cp).await?;
    let outcome = perform_within_limits(&state, &t, &Action::SetConfigurations { changes }).await?;
    let results = outcome.answer()["results"].clone();
    for r in results.as_array().into_iter().flatten() {
        if matches!(r["status"].as_str(), Some("Accepted" | "RebootRequired")) {
            let key = r["key"].as_str().unwrap_or_default();
            let Some((key, value)) = values.iter().find(|(k, _)| k == key) else {
                continue;
            };
            let shown = crate::domain::secret::shown(key, Some(value.clone())).unwrap_or_default();
            state
                .resources
                .set_configuration_value(t.cp.id, key.clone(), shown)
                .await?;
        }
    }
    Ok(body(StatusCode::OK, json!({"results": results})))
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
