//! `id-tags/v2.0`: the tags the gateway authorizes against (create, list, read, update,
//! delete). A tag's `userId` puts it in its user's group (`domain::tag_group`); the
//! group tokens themselves (`USR` and digits) cannot be tag uids. A change reaches the
//! local lists of the chargers that keep one (`charger::local_list`) without the request
//! waiting for them.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use super::error::{ApiError, FieldErrors};
use super::extract::{id, nullable, ApiJson};
use super::list::{parse_time, ListParams};
use super::ApiState;
use crate::charger::local_list::tags_changed;
use crate::domain::tag_group::{group_user, MAX_USER_ID};
use crate::store::resources::{IdTagFilter, IdTagPatch, IdTagView, NewIdTag};
use crate::store::ResourceError;

const STATUSES: &[&str] = &["enabled", "disabled", "suspended"];
/// Types a tag may be given; `emaid` tags are listed but come from contract certificates.
const TYPES: &[&str] = &["rfid", "mac_address"];
const LIST_TYPES: &[&str] = &["rfid", "mac_address", "emaid"];
/// The longest id token of OCPP 2.0.1 (1.6 allows 20): a longer tag can never be presented.
const MAX_UID: usize = 36;
const MAX_TEXT: usize = 255;

fn render(t: IdTagView) -> Value {
    json!({
        "id": t.id,
        "idTagUid": t.uid,
        "status": t.status,
        "type": t.kind,
        "expireAt": t.expire_at,
        "externalId": t.external_id,
        "idLabel": t.label,
        "userId": t.user_id,
        "partnerId": null,
        "createdAt": t.created_at,
        "lastUpdatedAt": t.updated_at,
    })
}

/// A create or update body.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IdTagBody {
    id_tag_uid: Option<String>,
    status: Option<String>,
    r#type: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    expire_at: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    external_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    id_label: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    user_id: Option<Option<i64>>,
}

/// The body, checked, with `expireAt` as stored text.
fn check(mut body: IdTagBody, creating: bool) -> Result<IdTagBody, ApiError> {
    let mut errors = FieldErrors::new();
    let mut add = |field: &str, message: String| {
        errors.entry(field.to_owned()).or_default().push(message);
    };
    match &body.id_tag_uid {
        None if creating => add("idTagUid", "The idTagUid field is required.".into()),
        Some(uid) if uid.trim().is_empty() || uid.chars().count() > MAX_UID => add(
            "idTagUid",
            format!("The idTagUid must be 1 to {MAX_UID} characters."),
        ),
        Some(uid) if group_user(uid).is_some() => add(
            "idTagUid",
            "The idTagUid USR followed by digits is the group token of a user.".into(),
        ),
        _ => {}
    }
    if let Some(Some(u)) = body
        .user_id
        .filter(|u| u.is_some_and(|u| !(1..=MAX_USER_ID).contains(&u)))
    {
        add(
            "userId",
            format!("The userId {u} must be from 1 to {MAX_USER_ID}."),
        );
    }
    if let Some(s) = body.status.as_deref().filter(|s| !STATUSES.contains(s)) {
        add(
            "status",
            format!("The status {s:?} is not one of: {}.", STATUSES.join(", ")),
        );
    }
    if let Some(t) = body.r#type.as_deref().filter(|t| !TYPES.contains(t)) {
        add(
            "type",
            format!("The type {t:?} is not one of: {}.", TYPES.join(", ")),
        );
    }
    if let Some(Some(at)) = &mut body.expire_at {
        match parse_time(at.trim()) {
            Some(t) => *at = t,
            None => add(
                "expireAt",
                "The expireAt must be an ISO 8601 date-time.".into(),
            ),
        }
    }
    for (field, v) in [
        ("externalId", &body.external_id),
        ("idLabel", &body.id_label),
    ] {
        if let Some(Some(text)) = v {
            if text.chars().count() > MAX_TEXT {
                add(
                    field,
                    format!("The {field} may have at most {MAX_TEXT} characters."),
                );
            }
        }
    }
    ApiError::fields(errors)?;
    Ok(body)
}

fn not_found(e: ResourceError) -> ApiError {
    match e {
        ResourceError::NotFound => ApiError::not_found("Id tag"),
        e => e.into(),
    }
}

/// `GET id-tags/v2.0`
pub async fn list(
    State(state): State<Arc<ApiState>>,
    params: ListParams,
) -> Result<Json<Value>, ApiError> {
    let filter = IdTagFilter {
        uid: params.text("idTagUid"),
        status: params.one_of("status", STATUSES)?,
        kind: params.one_of("type", LIST_TYPES)?,
        label: params.text("idLabel"),
        user_id: params.int("userId")?,
        updated: params.window("lastUpdatedAfter", "lastUpdatedBefore")?,
    };
    let rows = state.resources.id_tags(filter, params.page()).await?;
    Ok(params.respond(rows, |t| t.id, render))
}

/// `GET id-tags/v2.0/{idTag}`
pub async fn read(
    State(state): State<Arc<ApiState>>,
    Path(tag): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let t = state
        .resources
        .id_tag(id(&tag, "Id tag")?)
        .await?
        .ok_or_else(|| ApiError::not_found("Id tag"))?;
    Ok(Json(json!({ "data": render(t) })))
}

/// `POST id-tags/v2.0`: `status` defaults to `enabled`, `type` to `rfid`.
pub async fn create(
    State(state): State<Arc<ApiState>>,
    ApiJson(body): ApiJson<IdTagBody>,
) -> Result<Response, ApiError> {
    let body = check(body, true)?;
    let new = NewIdTag {
        uid: body.id_tag_uid.unwrap_or_default(),
        status: body.status.unwrap_or_else(|| "enabled".into()),
        kind: body.r#type.unwrap_or_else(|| "rfid".into()),
        expire_at: body.expire_at.flatten(),
        external_id: body.external_id.flatten(),
        label: body.id_label.flatten(),
        user_id: body.user_id.flatten(),
    };
    let t = state.resources.create_id_tag(new).await?;
    tags_changed(&state.shared);
    Ok((StatusCode::CREATED, Json(json!({ "data": render(t) }))).into_response())
}

/// `PATCH id-tags/v2.0/{idTag}`
pub async fn update(
    State(state): State<Arc<ApiState>>,
    Path(tag): Path<String>,
    ApiJson(body): ApiJson<IdTagBody>,
) -> Result<Json<Value>, ApiError> {
    let tag = id(&tag, "Id tag")?;
    let body = check(body, false)?;
    let patch = IdTagPatch {
        uid: body.id_tag_uid,
        status: body.status,
        kind: body.r#type,
        expire_at: body.expire_at,
        external_id: body.external_id,
        label: body.id_label,
        user_id: body.user_id,
    };
    let t = state
        .resources
        .update_id_tag(tag, patch)
        .await
        .map_err(not_found)?;
    tags_changed(&state.shared);
    Ok(Json(json!({ "data": render(t) })))
}

/// `DELETE id-tags/v2.0/{idTag}`
pub async fn delete(
    State(state): State<Arc<ApiState>>,
    Path(tag): Path<String>,
) -> Result<StatusCode, ApiError> {
    let tag = id(&tag, "Id tag")?;
    state
        .resources
        .delete_id_tag(tag)
        .await
        .map_err(not_found)?;
    tags_changed(&state.shared);
    Ok(StatusCode::NO_CONTENT)
}
