//! Display messages (OCPP 2.0.1 O01/O05): `set-display-message` shows a message on the
//! station's display, `clear-display-message/{id}` removes it, and
//! `charge-points/v2.0/{cp}/display-messages` lists what the gateway set, with the
//! charger's answer.
//!
//! The gateway allocates the message id when the body has none (one more than the
//! highest it set on that charger), and keeps a row per request: `Pending` while the
//! call is out, then the charger's status (`Accepted`, `Rejected`,
//! `NotSupportedMessageFormat`, ...). A request the charger never answered leaves no
//! row. What the station itself reports (GetDisplayMessages) is not this list.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use super::station::{check_len, session_transaction, supported};
use super::{body, charge_point, empty, int32, perform, target, time_opt, Target};
use crate::api::error::ApiError;
use crate::api::extract::{ApiJson, NoBody, OptionalJson};
use crate::api::list::ListParams;
use crate::api::ApiState;
use crate::charger::outbound::{self, ActionError};
use crate::charger::CallError;
use crate::domain::action::Action;
use crate::domain::station::{
    ComponentRef, DisplayMessage, MessageFormat, MessagePriority, MessageState,
};
use crate::store::display::DisplayMessageView;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Content {
    content: String,
    format: MessageFormat,
    language: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SetBody {
    id: Option<i32>,
    priority: MessagePriority,
    state: Option<MessageState>,
    start_date_time: Option<String>,
    end_date_time: Option<String>,
    /// The charger's transaction id.
    transaction_id: Option<String>,
    /// The gateway's session, whose transaction the message is for.
    session_id: Option<i64>,
    message: Option<Content>,
    display: Option<ComponentRef>,
}

/// `POST charge-point/v1.0/{cp}/set-display-message` → 202 `{data: message}`
pub async fn set(
    State(state): State<Arc<ApiState>>,
    Path(cp): Path<String>,
    ApiJson(b): ApiJson<SetBody>,
) -> Result<Response, ApiError> {
    let Some(content) = b.message else {
        return Err(ApiError::field(
            "message",
            "The message field (content and format) is required.",
        ));
    };
    let start = time_opt("startDateTime", b.start_date_time.as_deref())?;
    let end = time_opt("endDateTime", b.end_date_time.as_deref())?;
    if let (Some(s), Some(e)) = (start, end) {
        if e <= s {
            return Err(ApiError::field(
                "endDateTime",
                "The endDateTime must be after the startDateTime.",
            ));
        }
    }
    if b.id.is_some_and(|i| i < 0) {
        return Err(ApiError::field("id", "The id may not be negative."));
    }
    check_len("message.content", &content.content, 512)?;
    if content.content.is_empty() {
        return Err(ApiError::field(
            "message.content",
            "The message content is required.",
        ));
    }
    check_len(
        "message.language",
        content.language.as_deref().unwrap_or(""),
        8,
    )?;
    check_len(
        "transactionId",
        b.transaction_id.as_deref().unwrap_or(""),
        36,
    )?;
    if let Some(d) = &b.display {
        check_component("display", d)?;
    }
    let view = charge_point(&state, &cp).await?;
    let transaction_id = match (b.transaction_id, b.session_id) {
        (Some(_), Some(_)) => {
            return Err(ApiError::field(
                "sessionId",
                "Give either the sessionId or the transactionId, not both.",
            ))
        }
        (Some(t), None) => Some(t),
        (None, Some(session)) => Some(session_transaction(&state, view.id, session).await?),
        (None, None) => None,
    };
    let t = super::connection(&state, view).await?;
    let mut message = DisplayMessage {
        id: b.id.unwrap_or(0),
        priority: b.priority,
        state: b.state,
        start,
        end,
        transaction_id,
        content: content.content,
        format: content.format,
        language: content.language,
        display: b.display,
    };
    // A version without display messages is told so before an id is taken.
    supported(
        &t,
        &Action::SetDisplayMessage {
            message: message.clone(),
        },
    )?;
    let shown = shown(&message);
    let new = state
        .resources
        .new_display_message(
            t.cp.id,
            b.id.map(i64::from),
            name(&message.priority),
            shown.to_string(),
        )
        .await?;
    message.id = match int32(new.message_id) {
        Ok(id) => id,
        Err(e) => {
            state
                .resources
                .display_message_outcome(new.row, None)
                .await?;
            return Err(e);
        }
    };
    // The call and its bookkeeping run to their end even if the request goes away, so
    // no row stays Pending.
    let (handle, resources, row) = (t.handle.clone(), state.resources.clone(), new.row);
    let result = tokio::spawn(async move {
        let result = outbound::perform(&handle, &Action::SetDisplayMessage { message }).await;
        let status = match &result {
            Ok(_) => Some("Accepted".to_owned()),
            Err(ActionError::Call(CallError::Rejected { status })) => Some(status.clone()),
            Err(_) => None,
        };
        resources.display_message_outcome(row, status).await?;
        Ok::<_, crate::store::StoreError>(result)
    })
    .await
    .map_err(|e| ApiError::Internal(format!("the display message call failed: {e}")))??;
    result.map_err(|e| super::action_error(&t.cp, e))?;
    let row = row_of(&state, &t, new.row).await?;
    Ok(body(StatusCode::ACCEPTED, json!({"data": row})))
}

/// `POST charge-point/v1.0/{cp}/clear-display-message/{id}` → 202
pub async fn clear(
    State(state): State<Arc<ApiState>>,
    Path((cp, message)): Path<(String, String)>,
    _: OptionalJson<NoBody>,
) -> Result<Response, ApiError> {
    let message: i32 = message
        .parse()
        .ok()
        .filter(|m| *m >= 0)
        .ok_or_else(|| ApiError::field("id", "The display message id is not a valid id."))?;
    let t = target(&state, &cp).await?;
    perform(&t, &Action::ClearDisplayMessage { id: message }).await?;
    state
        .resources
        .display_message_cleared(t.cp.id, i64::from(message))
        .await?;
    Ok(empty(StatusCode::ACCEPTED))
}

/// `GET resources/charge-points/v2.0/{cp}/display-messages` (`filter[status]`)
pub async fn list(
    State(state): State<Arc<ApiState>>,
    Path(cp): Path<String>,
    params: ListParams,
) -> Result<Json<Value>, ApiError> {
    let cp = charge_point(&state, &cp).await?;
    let rows = state
        .resources
        .display_messages(cp.id, params.text("status"), params.page())
        .await?;
    Ok(params.respond(rows, |r| r.id, view))
}

fn check_component(field: &str, c: &ComponentRef) -> Result<(), ApiError> {
    if c.name.is_empty() {
        return Err(ApiError::field(
            &format!("{field}.name"),
            "The component name is required.",
        ));
    }
    check_len(&format!("{field}.name"), &c.name, 50)?;
    check_len(
        &format!("{field}.instance"),
        c.instance.as_deref().unwrap_or(""),
        50,
    )?;
    if c.connector_id.is_some() && c.evse_id.is_none() {
        return Err(ApiError::field(
            &format!("{field}.connectorId"),
            "A connectorId needs its evseId.",
        ));
    }
    Ok(())
}

fn name<T: serde::Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(Value::String(s)) => s,
        _ => String::new(),
    }
}

/// The message as the list shows it (the body's fields, less the id).
fn shown(m: &DisplayMessage) -> Value {
    let mut v = json!({
        "priority": m.priority,
        "message": {"content": m.content, "format": m.format, "language": m.language},
    });
    let put = |v: &mut Value, k: &str, x: Value| {
        if !x.is_null() {
            v[k] = x;
        }
    };
    put(&mut v, "state", json!(m.state));
    put(
        &mut v,
        "startDateTime",
        json!(m.start.map(crate::domain::time::text)),
    );
    put(
        &mut v,
        "endDateTime",
        json!(m.end.map(crate::domain::time::text)),
    );
    put(&mut v, "transactionId", json!(m.transaction_id));
    put(&mut v, "display", json!(m.display));
    v
}

fn view(r: DisplayMessageView) -> Value {
    let mut v: Value = serde_json::from_str(&r.body).unwrap_or_else(|_| json!({}));
    if !v.is_object() {
        v = json!({});
    }
    v["id"] = json!(r.id);
    v["chargePointId"] = json!(r.charge_point_id);
    v["messageId"] = json!(r.message_id);
    v["priority"] = json!(r.priority);
    v["status"] = json!(r.status);
    v["createdAt"] = json!(r.created_at);
    v["updatedAt"] = json!(r.updated_at);
    v
}

async fn row_of(state: &ApiState, t: &Target, row: i64) -> Result<Value, ApiError> {
    let page = crate::store::resources::Page {
        after: Some(row - 1),
        limit: 1,
    };
    let rows = state
        .resources
        .display_messages(t.cp.id, None, page)
        .await?;
    rows.into_iter()
        .find(|r| r.id == row)
        .map(view)
        .ok_or_else(|| ApiError::Internal("the display message row is gone".into()))
}
