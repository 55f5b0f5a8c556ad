//! Notification subscriptions over HTTP: `/public-api/notifications/v2.0[/{id}]` and
//! the resend action `/public-api/actions/notifications/v1.0/{id}/resend`, in the
//! reference's shapes. Every route takes an API Bearer token; the token that creates a
//! subscription is the key its deliveries are signed with.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use chrono::Utc;
use serde_json::{json, Value};

use crate::config::NotifySettings;
use crate::gateway::Shared;
use crate::notify::subscription::{self, FieldErrors};
use crate::notify::Keys;
use crate::store::notify::ResendOutcome;
use crate::store::{NotifyStore, StoreError};

const LIST: &str = "/public-api/notifications/v2.0";
const ITEM: &str = "/public-api/notifications/v2.0/{notification}";
const RESEND: &str = "/public-api/actions/notifications/v1.0/{notification}/resend";

/// What the handlers share.
#[derive(Clone)]
struct NotifyApi {
    store: Arc<dyn NotifyStore>,
    keys: Keys,
    settings: NotifySettings,
}

/// A request the notifications API refuses, as the reference words it.
#[derive(Debug, thiserror::Error)]
pub enum NotifyApiError {
    #[error("Unauthenticated.")]
    Unauthenticated,
    #[error("The record is not found.")]
    NotFound,
    #[error("The given data was invalid.")]
    Invalid(FieldErrors),
    #[error("{0}")]
    Conflict(String),
    #[error("Resend for a notification can be requested once every {0}.")]
    TooSoon(String),
    #[error("The service is unavailable; retry later.")]
    Store(#[from] StoreError),
}

impl IntoResponse for NotifyApiError {
    fn into_response(self) -> Response {
        let message = self.to_string();
        let (status, body) = match self {
            NotifyApiError::Unauthenticated => {
                (StatusCode::UNAUTHORIZED, json!({"message": message}))
            }
            NotifyApiError::NotFound => (StatusCode::NOT_FOUND, json!({"message": message})),
            NotifyApiError::Invalid(errors) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                json!({"message": message, "errors": errors}),
            ),
            NotifyApiError::Conflict(_) => (StatusCode::CONFLICT, json!({"message": message})),
            NotifyApiError::TooSoon(_) => {
                (StatusCode::TOO_MANY_REQUESTS, json!({"message": message}))
            }
            NotifyApiError::Store(e) => {
                tracing::error!(error = %e, "notifications API: store failure");
                (StatusCode::SERVICE_UNAVAILABLE, json!({"message": message}))
            }
        };
        (status, Json(body)).into_response()
    }
}

type ApiResult = Result<Response, NotifyApiError>;

/// The routes, ready to merge into the API's router (they carry their own state). A
/// store without subscriptions gives no routes.
pub fn router<S: Clone + Send + Sync + 'static>(
    shared: &Arc<Shared>,
    tokens: &[String],
) -> Router<S> {
    let Some(store) = shared.store.clone().notifications() else {
        return Router::new();
    };
    let state = NotifyApi {
        store,
        keys: Keys::new(tokens),
        settings: shared.settings.notify.clone(),
    };
    Router::new()
        .route(LIST, get(list).post(create))
        .route(ITEM, get(read).put(update).delete(delete))
        .route(RESEND, post(resend))
        .with_state(state)
}

/// The presented `Authorization: Bearer` token's SHA-256 (hex), if it is an API token.
fn authenticate(keys: &Keys, headers: &HeaderMap) -> Result<String, NotifyApiError> {
    headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .and_then(|t| keys.accept(t))
        .ok_or(NotifyApiError::Unauthenticated)
}

fn json_body(body: &Bytes) -> Result<Value, NotifyApiError> {
    serde_json::from_slice(body).map_err(|_| {
        let mut e = FieldErrors::new();
        e.insert(
            "body".into(),
            vec!["The body must be a JSON object.".into()],
        );
        NotifyApiError::Invalid(e)
    })
}

fn id_of(raw: &str) -> Result<i64, NotifyApiError> {
    raw.parse().map_err(|_| NotifyApiError::NotFound)
}

/// 422 for a callback URL whose host is, or resolves to, an address
/// `notify.allow_callbacks_to` does not allow.
async fn callback_allowed(api: &NotifyApi, url: &str) -> Result<(), NotifyApiError> {
    crate::security::address::check_callback(
        api.settings.allow_callbacks_to,
        "notify.allow_callbacks_to",
        url,
    )
    .await
    .map_err(|why| {
        invalid(
            "webhook.callbackUrl",
            &format!("The webhook.callbackUrl is not allowed: {why}."),
        )
    })
}

fn invalid(field: &str, message: &str) -> NotifyApiError {
    let mut e = FieldErrors::new();
    e.insert(field.into(), vec![message.into()]);
    NotifyApiError::Invalid(e)
}

async fn create(State(api): State<NotifyApi>, headers: HeaderMap, body: Bytes) -> ApiResult {
    let token = authenticate(&api.keys, &headers)?;
    let spec = subscription::parse_spec(&json_body(&body)?).map_err(NotifyApiError::Invalid)?;
    callback_allowed(&api, &spec.callback_url).await?;
    let s = api.store.create_subscription(spec, token).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"data": subscription::view(&s)})),
    )
        .into_response())
}

fn cursor_text(id: i64) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("id:{id}"))
}

fn cursor_id(text: &str) -> Option<i64> {
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text)
        .ok()?;
    String::from_utf8(raw)
        .ok()?
        .strip_prefix("id:")?
        .parse()
        .ok()
}

async fn list(
    State(api): State<NotifyApi>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult {
    authenticate(&api.keys, &headers)?;
    let per_page = match q.get("per_page") {
        None => 100,
        Some(p) => p
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=100).contains(n))
            .ok_or_else(|| invalid("per_page", "The per_page must be between 1 and 100."))?,
    };
    let after = match q.get("cursor") {
        None => None,
        Some(c) => Some(cursor_id(c).ok_or_else(|| invalid("cursor", "The cursor is invalid."))?),
    };
    let mut rows = api.store.subscriptions(after, per_page + 1).await?;
    let more = rows.len() > per_page as usize;
    rows.truncate(per_page as usize);
    let next_cursor = rows.last().filter(|_| more).map(|s| cursor_text(s.id));
    let page = |c: Option<&String>| match c {
        Some(c) => format!("{LIST}?per_page={per_page}&cursor={c}"),
        None => format!("{LIST}?per_page={per_page}"),
    };
    let data: Vec<Value> = rows.iter().map(subscription::view).collect();
    Ok(Json(json!({
        "data": data,
        "links": {
            "first": page(None),
            "last": null,
            "prev": null,
            "next": next_cursor.as_ref().map(|c| page(Some(c))),
        },
        "meta": {
            "path": LIST,
            "per_page": per_page,
            "next_cursor": next_cursor,
            "prev_cursor": null,
        },
    }))
    .into_response())
}

async fn read(
    State(api): State<NotifyApi>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult {
    authenticate(&api.keys, &headers)?;
    let s = api
        .store
        .subscription(id_of(&id)?)
        .await?
        .ok_or(NotifyApiError::NotFound)?;
    Ok(Json(json!({"data": subscription::view(&s)})).into_response())
}

async fn update(
    State(api): State<NotifyApi>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult {
    authenticate(&api.keys, &headers)?;
    let id = id_of(&id)?;
    if api.store.subscription(id).await?.is_none() {
        return Err(NotifyApiError::NotFound);
    }
    let spec = subscription::parse_spec(&json_body(&body)?).map_err(NotifyApiError::Invalid)?;
    callback_allowed(&api, &spec.callback_url).await?;
    let s = api
        .store
        .update_subscription(id, spec)
        .await?
        .ok_or(NotifyApiError::NotFound)?;
    Ok(Json(json!({"data": subscription::view(&s)})).into_response())
}

async fn delete(
    State(api): State<NotifyApi>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult {
    authenticate(&api.keys, &headers)?;
    if api.store.delete_subscription(id_of(&id)?).await? {
        Ok(StatusCode::NO_CONTENT.into_response())
    } else {
        Err(NotifyApiError::NotFound)
    }
}

async fn resend(
    State(api): State<NotifyApi>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult {
    authenticate(&api.keys, &headers)?;
    let id = id_of(&id)?;
    let Some(sub) = api.store.subscription(id).await? else {
        return Err(NotifyApiError::NotFound);
    };
    let filter = subscription::parse_resend(&json_body(&body)?).map_err(NotifyApiError::Invalid)?;
    if let Some(n) = filter
        .notifications
        .iter()
        .find(|n| !sub.spec.notifications.contains(n))
    {
        return Err(NotifyApiError::Conflict(format!(
            "{n} is not enabled for this subscription; its notifications cannot be resent."
        )));
    }
    let now = Utc::now();
    let interval = chrono::Duration::from_std(api.settings.resend_interval)
        .unwrap_or(chrono::Duration::zero());
    let text = crate::domain::time::text;
    match api
        .store
        .resend_failed(id, filter, text(now), text(now - interval))
        .await?
    {
        ResendOutcome::UnknownSubscription => Err(NotifyApiError::NotFound),
        ResendOutcome::TooSoon => Err(NotifyApiError::TooSoon(spoken(
            api.settings.resend_interval,
        ))),
        ResendOutcome::Resent(_) => Ok(StatusCode::ACCEPTED.into_response()),
    }
}

/// A duration in words for messages ("15 minutes", "30 seconds").
fn spoken(d: std::time::Duration) -> String {
    let s = d.as_secs();
    match s {
        s if s >= 60 && s % 60 == 0 => format!("{} minutes", s / 60),
        s => format!("{s} seconds"),
    }
}
