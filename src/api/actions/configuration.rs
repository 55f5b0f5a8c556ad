//! Configuration: sync the snapshot from the charger (1.6 GetConfiguration; 2.0.1
//! GetVariables for given keys, or GetBaseReport whose NotifyReport fills the snapshot
//! when it arrives), and change one key (ChangeConfiguration / SetVariables), through
//! the action or the resources API's PATCH. Stored 2.0.1 keys are `Component.Variable`.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;

use super::{
    action_error, body, charge_point, connection, empty, int32, perform, target, MaybeJson, Target,
};
use crate::api::error::ApiError;
use crate::api::extract::ApiJson;
use crate::api::ApiState;
use crate::charger::credentials;
use crate::charger::outbound::configuration_entries;
use crate::domain::action::Action;

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
    let outcome = perform(&t, &action).await?;
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
    let stored = match &b.component_name {
        Some(c) => format!("{c}.{}", b.name),
        None => b.name.clone(),
    };
    let action = Action::SetConfiguration {
        key: b.name,
        value: b.value.clone(),
        component: b.component_name,
        evse: b.evse_id,
        instance: b.instance,
    };
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
