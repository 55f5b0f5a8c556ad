//! Station settings beyond configuration: `set-network-profile` (2.0.1 B09),
//! `get-transaction-status` (E14: the station's answer as it gave it), `cost-updated`
//! (I02/I03: CostUpdated, or for 1.6 the California pricing RunningCost DataTransfer to
//! a charger whose configuration snapshot reports `CustomDisplayCostAndPrice` true; the
//! cost is kept for the session's next TransactionEventResponse), and what the
//! display-message and monitoring handlers share: whether the charger's version has the
//! operation at all (asked of the outbound encoder before anything is allocated or
//! stored), and length checks that name the field.
//!
//! A network profile's secrets (VPN password and key, APN password, SIM PIN) go to the
//! charger and nowhere else: nothing of the profile is stored, and the frame log
//! redacts them.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;

use crate::api::error::ApiError;
use crate::api::extract::{ApiJson, OptionalJson};
use crate::api::ApiState;
use crate::charger::outbound;
use crate::domain::action::Action;
use crate::domain::station::{
    Apn, NetworkProfile, ProfileInterface, ProfileOcppVersion, ProfileTransport, Vpn,
};

use super::{action_error, body, charge_point, connection, empty, perform, target, Target};

/// 501 (or 422) when `action` cannot be expressed for the target's version; nothing is
/// sent.
pub(crate) fn supported(t: &Target, action: &Action) -> Result<(), ApiError> {
    outbound::encode(t.handle.version(), action)
        .map(|_| ())
        .map_err(|e| action_error(&t.cp, e))
}

/// 422 when `value` is longer than `max` characters.
pub(crate) fn check_len(field: &str, value: &str, max: usize) -> Result<(), ApiError> {
    if value.chars().count() > max {
        return Err(ApiError::field(
            field,
            format!("The {field} may not be longer than {max} characters."),
        ));
    }
    Ok(())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionData {
    ocpp_version: ProfileOcppVersion,
    ocpp_transport: ProfileTransport,
    ocpp_csms_url: String,
    message_timeout: i64,
    security_profile: i64,
    ocpp_interface: ProfileInterface,
    vpn: Option<Vpn>,
    apn: Option<Apn>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NetworkBody {
    configuration_slot: Option<i64>,
    connection_data: Option<ConnectionData>,
}

/// `POST charge-point/v1.0/{cp}/set-network-profile` → 202
pub async fn network_profile(
    State(state): State<Arc<ApiState>>,
    Path(cp): Path<String>,
    ApiJson(b): ApiJson<NetworkBody>,
) -> Result<Response, ApiError> {
    let slot = b
        .configuration_slot
        .and_then(|s| i32::try_from(s).ok())
        .filter(|s| *s >= 0)
        .ok_or_else(|| {
            ApiError::field(
                "configurationSlot",
                "The configurationSlot must be a slot number (0 or more).",
            )
        })?;
    let d = b.connection_data.ok_or_else(|| {
        ApiError::field("connectionData", "The connectionData field is required.")
    })?;
    let url = d.ocpp_csms_url.trim().to_owned();
    check_len("connectionData.ocppCsmsUrl", &url, 512)?;
    let secure = url.starts_with("wss://");
    if !secure && !url.starts_with("ws://") {
        return Err(ApiError::field(
            "connectionData.ocppCsmsUrl",
            "The ocppCsmsUrl must be a ws:// or wss:// URL.",
        ));
    }
    let security_profile = u8::try_from(d.security_profile)
        .ok()
        .filter(|p| *p <= 3)
        .ok_or_else(|| {
            ApiError::field(
                "connectionData.securityProfile",
                "The securityProfile must be 0 to 3.",
            )
        })?;
    if security_profile >= 2 && !secure {
        return Err(ApiError::field(
            "connectionData.ocppCsmsUrl",
            "Security profiles 2 and 3 need a wss:// URL.",
        ));
    }
    let message_timeout = i32::try_from(d.message_timeout)
        .ok()
        .filter(|t| *t > 0)
        .ok_or_else(|| {
            ApiError::field(
                "connectionData.messageTimeout",
                "The messageTimeout must be a positive number of seconds.",
            )
        })?;
    if let Some(v) = &d.vpn {
        for (field, text, max) in [
            ("server", v.server.as_str(), 512),
            ("user", v.user.as_str(), 20),
            ("group", v.group.as_deref().unwrap_or(""), 20),
            ("password", v.password.as_str(), 20),
            ("key", v.key.as_str(), 255),
        ] {
            check_len(&format!("connectionData.vpn.{field}"), text, max)?;
        }
    }
    if let Some(a) = &d.apn {
        for (field, text, max) in [
            ("apn", a.apn.as_str(), 512),
            ("apnUserName", a.apn_user_name.as_deref().unwrap_or(""), 20),
            ("apnPassword", a.apn_password.as_deref().unwrap_or(""), 20),
            (
                "preferredNetwork",
                a.preferred_network.as_deref().unwrap_or(""),
                6,
            ),
        ] {
            check_len(&format!("connectionData.apn.{field}"), text, max)?;
        }
    }
    let profile = NetworkProfile {
        ocpp_version: d.ocpp_version,
        transport: d.ocpp_transport,
        csms_url: url,
        message_timeout,
        security_profile,
        interface: d.ocpp_interface,
        vpn: d.vpn,
        apn: d.apn,
    };
    let t = target(&state, &cp).await?;
    perform(&t, &Action::SetNetworkProfile { slot, profile }).await?;
    Ok(empty(StatusCode::ACCEPTED))
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct TransactionStatusBody {
    /// The charger's transaction id.
    transaction_id: Option<String>,
    /// The gateway's session, whose transaction is asked about.
    session_id: Option<i64>,
}

/// `POST charge-point/v1.0/{cp}/get-transaction-status` → 200 `{messagesInQueue,
/// ongoingIndicator?}`; without a transaction, whether any message is queued.
pub async fn transaction_status(
    State(state): State<Arc<ApiState>>,
    Path(cp): Path<String>,
    OptionalJson(b): OptionalJson<TransactionStatusBody>,
) -> Result<Response, ApiError> {
    check_len(
        "transactionId",
        b.transaction_id.as_deref().unwrap_or(""),
        36,
    )?;
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
    let t = connection(&state, view).await?;
    let outcome = perform(&t, &Action::GetTransactionStatus { transaction_id }).await?;
    let answer = outcome.answer();
    let mut data = json!({"messagesInQueue": answer.get("messagesInQueue")});
    if let Some(ongoing) = answer.get("ongoingIndicator") {
        data["ongoingIndicator"] = ongoing.clone();
    }
    Ok(body(StatusCode::OK, data))
}

/// The transaction of one of the charge point's sessions: 404 when the session is not
/// its, 406 when the charger has not started the transaction yet.
pub(crate) async fn session_transaction(
    state: &ApiState,
    cp: i64,
    session: i64,
) -> Result<String, ApiError> {
    state
        .resources
        .session(session)
        .await?
        .filter(|s| s.charge_point_id == cp)
        .ok_or_else(|| ApiError::not_found("Session"))?;
    state
        .resources
        .session_transaction_id(session)
        .await?
        .ok_or_else(|| {
            ApiError::NotAcceptable(
                "The session has no transaction on the charge point yet.".into(),
            )
        })
}

/// The 1.6 configuration key by which a charger says it shows cost and price (the
/// California pricing convention).
const COST_DISPLAY_KEY: &str = "CustomDisplayCostAndPrice";

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CostBody {
    session_id: Option<i64>,
    total_cost: Option<f64>,
}

/// `POST charge-point/v1.0/{cp}/cost-updated` → 202
pub async fn cost_updated(
    State(state): State<Arc<ApiState>>,
    Path(cp): Path<String>,
    ApiJson(b): ApiJson<CostBody>,
) -> Result<Response, ApiError> {
    let total_cost = b
        .total_cost
        .filter(|c| c.is_finite() && *c >= 0.0)
        .ok_or_else(|| {
            ApiError::field("totalCost", "The totalCost must be a number, 0 or more.")
        })?;
    let session = b
        .session_id
        .ok_or_else(|| ApiError::field("sessionId", "The sessionId field is required."))?;
    let view = charge_point(&state, &cp).await?;
    let transaction_id = session_transaction(&state, view.id, session).await?;
    let s = state
        .resources
        .session(session)
        .await?
        .ok_or_else(|| ApiError::not_found("Session"))?;
    if s.status != "active" {
        return Err(ApiError::NotAcceptable(format!(
            "The session is {}: the charge point shows no running cost for it.",
            s.status
        )));
    }
    let declared = state
        .resources
        .configurations(view.id, Some(COST_DISPLAY_KEY.to_owned()))
        .await?
        .iter()
        .any(|c| {
            c.value
                .as_deref()
                .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
        });
    let t = connection(&state, view).await?;
    let action = Action::CostUpdated {
        transaction_id,
        total_cost,
        meter_wh: Some(s.energy_wh.round() as i64),
        charging: s.power_latest_w.is_some_and(|p| p > 0.0),
        at: chrono::Utc::now(),
        running_cost_convention: declared,
    };
    perform(&t, &action).await?;
    state
        .shared
        .store
        .set_session_cost(session, total_cost)
        .await?;
    Ok(empty(StatusCode::ACCEPTED))
}
