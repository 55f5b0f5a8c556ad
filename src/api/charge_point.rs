//! `charge-points/v2.0`: provisioning (create, update, delete) and reading charge points,
//! with their `networkStatus` (see `network_status`). The password is write-only: it is
//! hashed on the way in and never shown.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::Utc;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::error::{ApiError, FieldErrors};
use super::extract::{id, nullable, ApiJson};
use super::list::ListParams;
use super::network_status::network_status;
use super::ApiState;
use crate::charger::identity;
use crate::charger::CloseReason;
use crate::security::PasswordHash;
use crate::store::resources::{
    ChargePointFilter, ChargePointPatch, ChargePointView, NewChargePoint, Page,
};

/// The protocols the gateway speaks, by the API's names.
const PROTOCOLS: &[&str] = &["ocpp 1.6", "ocpp 2.0.1"];
const TYPES: &[&str] = &["private", "public", "personal"];
const STATUSES: &[&str] = &["enabled", "disabled", "out of order", "demo"];
/// The gateway's registration extension: boots Accepted, or held Pending.
const REGISTRATIONS: &[&str] = &["accepted", "pending"];
const MAX_NAME: usize = 255;
const MAX_PASSWORD: usize = 255;
/// How long a delete waits for a connected charger's disconnection to be recorded.
const DISCONNECT_WAIT: Duration = Duration::from_secs(5);

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Network<'a> {
    id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    protocol: Option<&'a str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Security {
    current_profile: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    desired_profile: Option<i64>,
}

/// The reference's charge point; fields the gateway does not manage carry the
/// reference's defaults.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ChargePointJson<'a> {
    id: i64,
    name: &'a str,
    r#type: &'a str,
    status: &'a str,
    network: Network<'a>,
    security: Security,
    network_status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    hardware_status: Option<&'a str>,
    auto_start_without_authorization: bool,
    disable_auto_start_emulation: bool,
    enable_auto_fault_recovery: bool,
    communication_mode: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    first_contact_at: Option<&'a str>,
    /// Present only when asked for (`include[]=lastBootNotification`); null before any boot.
    #[serde(skip_serializing_if = "Option::is_none")]
    last_boot_notification: Option<Value>,
    /// A gateway extension: `accepted`, or `pending` while boots are held Pending.
    registration: &'a str,
    created_at: &'a str,
    last_updated_at: &'a str,
}

fn render(v: &ChargePointView, include_boot: bool, long_term_after: Duration) -> Value {
    // Without a record of the profile in use: Basic auth when a password is set.
    let current = v
        .current_profile
        .unwrap_or(if v.has_password { 1 } else { 0 });
    let json = ChargePointJson {
        id: v.id,
        name: v.name.as_deref().unwrap_or(&v.identity),
        r#type: &v.access_type,
        status: &v.system_status,
        network: Network {
            id: &v.identity,
            protocol: v.protocol.as_deref(),
        },
        security: Security {
            current_profile: current,
            desired_profile: v.desired_profile,
        },
        network_status: network_status(
            &v.network_status,
            v.disconnected_at.as_deref(),
            Utc::now(),
            long_term_after,
        ),
        hardware_status: v.hardware_status.as_deref(),
        auto_start_without_authorization: false,
        disable_auto_start_emulation: false,
        enable_auto_fault_recovery: true,
        communication_mode: "direct_ocpp",
        first_contact_at: v.first_contact_at.as_deref().and_then(|t| t.get(..10)),
        last_boot_notification: include_boot.then(|| v.last_boot.clone().unwrap_or(Value::Null)),
        registration: &v.registration,
        created_at: &v.created_at,
        last_updated_at: &v.updated_at,
    };
    serde_json::to_value(json).unwrap_or(Value::Null)
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct NetworkBody {
    #[serde(default, deserialize_with = "nullable")]
    id: Option<Option<String>>,
    protocol: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    password: Option<Option<String>>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct SecurityBody {
    desired_profile: Option<i64>,
}

/// A create or update body. No `Debug`: it may hold a password.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChargePointBody {
    name: Option<String>,
    r#type: Option<String>,
    status: Option<String>,
    registration: Option<String>,
    #[serde(default)]
    network: NetworkBody,
    #[serde(default)]
    security: SecurityBody,
}

fn check(body: &ChargePointBody, creating: bool) -> Result<(), ApiError> {
    let mut errors = FieldErrors::new();
    let mut add = |field: &str, message: String| {
        errors.entry(field.to_owned()).or_default().push(message);
    };
    if let Some(name) = &body.name {
        if name.trim().is_empty() || name.chars().count() > MAX_NAME {
            add(
                "name",
                format!("The name must be 1 to {MAX_NAME} characters."),
            );
        }
    }
    if let Some(t) = body.r#type.as_deref().filter(|t| !TYPES.contains(t)) {
        add(
            "type",
            format!("The type {t:?} is not one of: {}.", TYPES.join(", ")),
        );
    }
    if let Some(s) = body.status.as_deref().filter(|s| !STATUSES.contains(s)) {
        add(
            "status",
            format!("The status {s:?} is not one of: {}.", STATUSES.join(", ")),
        );
    }
    if let Some(r) = body
        .registration
        .as_deref()
        .filter(|r| !REGISTRATIONS.contains(r))
    {
        add(
            "registration",
            format!(
                "The registration {r:?} is not one of: {}.",
                REGISTRATIONS.join(", ")
            ),
        );
    }
    match &body.network.id {
        None | Some(None) if creating => {
            add("network.id", "The network.id field is required.".into())
        }
        Some(None) => add("network.id", "The network.id cannot be removed.".into()),
        Some(Some(i)) if !identity::is_valid(i) => add(
            "network.id",
            format!(
                "The network.id must be 1 to {} characters of A-Z a-z 0-9 * - _ = + | @ .",
                identity::MAX_LEN
            ),
        ),
        _ => {}
    }
    if let Some(p) = body
        .network
        .protocol
        .as_deref()
        .filter(|p| !PROTOCOLS.contains(p))
    {
        add(
            "network.protocol",
            format!(
                "The protocol {p:?} is not one the gateway speaks: {}.",
                PROTOCOLS.join(", ")
            ),
        );
    }
    if let Some(Some(pw)) = &body.network.password {
        if pw.is_empty() || pw.chars().count() > MAX_PASSWORD {
            add(
                "network.password",
                format!("The network.password must be 1 to {MAX_PASSWORD} characters."),
            );
        }
    }
    if let Some(p) = body
        .security
        .desired_profile
        .filter(|p| !(0..=3).contains(p))
    {
        add(
            "security.desiredProfile",
            format!("The security profile {p} is not one of 0, 1, 2, 3."),
        );
    }
    ApiError::fields(errors)
}

pub(super) fn long_term_after(state: &ApiState) -> Duration {
    state.shared.settings.ocpp.long_term_after
}

pub(super) fn data(v: Value) -> Json<Value> {
    Json(json!({ "data": v }))
}

/// `GET charge-points/v2.0`
pub async fn list(
    State(state): State<Arc<ApiState>>,
    params: ListParams,
) -> Result<Json<Value>, ApiError> {
    let filter = ChargePointFilter {
        identity: params.text("networkId"),
        name: params.text("name"),
        updated: params.window("lastUpdatedAfter", "lastUpdatedBefore")?,
    };
    let rows = state.resources.charge_points(filter, params.page()).await?;
    let boot = params.includes("lastBootNotification");
    let long = long_term_after(&state);
    Ok(params.respond(rows, |r| r.id, |r| render(&r, boot, long)))
}

pub(super) async fn find(state: &ApiState, raw: &str) -> Result<ChargePointView, ApiError> {
    let id = id(raw, "Charge point")?;
    state
        .resources
        .charge_point(id)
        .await?
        .ok_or_else(|| ApiError::not_found("Charge point"))
}

/// `GET charge-points/v2.0/{chargePoint}`
pub async fn read(
    State(state): State<Arc<ApiState>>,
    Path(cp): Path<String>,
    params: ListParams,
) -> Result<Json<Value>, ApiError> {
    let v = find(&state, &cp).await?;
    let boot = params.includes("lastBootNotification");
    Ok(data(render(&v, boot, long_term_after(&state))))
}

/// `POST charge-points/v2.0`
pub async fn create(
    State(state): State<Arc<ApiState>>,
    ApiJson(body): ApiJson<ChargePointBody>,
) -> Result<Response, ApiError> {
    check(&body, true)?;
    let identity = body.network.id.flatten().unwrap_or_default();
    let new = NewChargePoint {
        name: body.name.or_else(|| Some(identity.clone())),
        identity,
        protocol: body.network.protocol,
        password: body
            .network
            .password
            .flatten()
            .map(|p| PasswordHash::new(&p)),
        desired_profile: body.security.desired_profile,
        access_type: body.r#type.unwrap_or_else(|| "public".into()),
        system_status: body.status.unwrap_or_else(|| "enabled".into()),
    };
    let mut v = state.resources.create_charge_point(new).await?;
    if let Some(registration) = body.registration.filter(|r| *r != v.registration) {
        let patch = ChargePointPatch {
            registration: Some(registration),
            ..ChargePointPatch::default()
        };
        v = state.resources.update_charge_point(v.id, patch).await?;
    }
    tracing::info!(charge_point = v.id, identity = %v.identity, "charge point created");
    let body = data(render(&v, false, long_term_after(&state)));
    Ok((StatusCode::CREATED, body).into_response())
}

/// `PATCH charge-points/v2.0/{chargePoint}`: a new password applies from the charger's
/// next connection; a new identity disconnects the charger connected under the old one.
pub async fn update(
    State(state): State<Arc<ApiState>>,
    Path(cp): Path<String>,
    ApiJson(body): ApiJson<ChargePointBody>,
) -> Result<Json<Value>, ApiError> {
    let current = find(&state, &cp).await?;
    let id = current.id;
    check(&body, false)?;
    if let Some(Some(new)) = &body.network.id {
        if *new != current.identity {
            // Refuse a taken identity before disconnecting anyone.
            let filter = ChargePointFilter {
                identity: Some(new.clone()),
                ..ChargePointFilter::default()
            };
            let page = Page {
                after: None,
                limit: 1,
            };
            if !state
                .resources
                .charge_points(filter, page)
                .await?
                .is_empty()
            {
                return Err(crate::store::ResourceError::Duplicate("network.id").into());
            }
            disconnect(&state, &current).await?;
        }
    }
    let patch = ChargePointPatch {
        identity: body.network.id.flatten(),
        name: body.name,
        protocol: body.network.protocol,
        password: body
            .network
            .password
            .map(|p| p.map(|p| PasswordHash::new(&p))),
        desired_profile: body.security.desired_profile,
        access_type: body.r#type,
        system_status: body.status,
        registration: body.registration,
    };
    let v = state
        .resources
        .update_charge_point(id, patch)
        .await
        .map_err(|e| match e {
            crate::store::ResourceError::NotFound => ApiError::not_found("Charge point"),
            e => e.into(),
        })?;
    if current.registration == "pending" && v.registration == "accepted" {
        ask_to_boot_again(&state, &v).await;
    }
    Ok(data(render(&v, false, long_term_after(&state))))
}

/// A charger held Pending that the operator accepted is asked for a BootNotification
/// now (TriggerMessage, allowed while Pending: 2.0.1 B02.FR.01, 1.6 §4.2), rather than at
/// its next retry; its answer is then Accepted. In a task: the update does not wait on
/// the charger, and one that is not connected simply boots later.
async fn ask_to_boot_again(state: &ApiState, v: &ChargePointView) {
    let handle = match state.shared.registry.get(&v.identity) {
        Some(h) => Some(h),
        // In a cluster the charger may be connected to another node.
        None => match &state.shared.cluster {
            Some(cluster) => cluster
                .remote_handle(
                    &v.identity,
                    v.protocol.as_deref(),
                    state.shared.settings.ocpp.call_timeout,
                )
                .await
                .ok()
                .flatten(),
            None => None,
        },
    };
    let Some(handle) = handle else {
        return;
    };
    tokio::spawn(async move {
        let action = crate::domain::action::Action::TriggerMessage {
            message: crate::domain::action::TriggeredMessage::BootNotification,
            evse: None,
            connector: None,
        };
        if let Err(e) = crate::charger::outbound::perform(&handle, &action).await {
            tracing::info!(identity = handle.identity(), error = %e, "accepted charger not asked to boot again");
        }
    });
}

/// Closes the charger's socket, if it is connected, and waits (bounded) until its
/// disconnection is recorded: the charger's last write then lands before the row
/// changes identity or goes, and cannot bring back a row under the old identity.
async fn disconnect(state: &ApiState, v: &ChargePointView) -> Result<(), ApiError> {
    let handle = match state.shared.registry.get(&v.identity) {
        Some(h) => h,
        None => match &state.shared.cluster {
            Some(cluster) => {
                let remote = cluster
                    .remote_handle(
                        &v.identity,
                        v.protocol.as_deref(),
                        state.shared.settings.ocpp.call_timeout,
                    )
                    .await?;
                match remote {
                    Some(h) => h,
                    None => return Ok(()),
                }
            }
            None => return Ok(()),
        },
    };
    handle.close(CloseReason::Requested).await;
    let deadline = tokio::time::Instant::now() + DISCONNECT_WAIT;
    while tokio::time::Instant::now() < deadline {
        // A socket on another node is gone when the store says so.
        let gone = !handle.is_local()
            || (!handle.is_connected()
                && !state
                    .shared
                    .registry
                    .is_current(&v.identity, handle.generation()));
        let recorded = gone
            && state
                .resources
                .charge_point(v.id)
                .await?
                .is_none_or(|now| now.network_status != "available");
        if recorded {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    tracing::warn!(identity = %v.identity, "the charger's disconnection was not recorded in time");
    Ok(())
}

/// `DELETE charge-points/v2.0/{chargePoint}`: the row goes with everything it reported. A
/// connected charger is disconnected first, and the row deleted once its disconnection
/// is recorded, so that nothing it still sends brings the row back; its next handshake
/// is refused as unknown (unless auto-registration is on).
pub async fn delete(
    State(state): State<Arc<ApiState>>,
    Path(cp): Path<String>,
) -> Result<StatusCode, ApiError> {
    let v = find(&state, &cp).await?;
    disconnect(&state, &v).await?;
    let identity = state
        .resources
        .delete_charge_point(v.id)
        .await
        .map_err(|e| match e {
            crate::store::ResourceError::NotFound => ApiError::not_found("Charge point"),
            e => e.into(),
        })?;
    tracing::info!(charge_point = v.id, %identity, "charge point deleted");
    Ok(StatusCode::NO_CONTENT)
}
