//! Northbound actions (`POST /public-api/actions/...`): each handler validates the body,
//! finds the charge point and its connection, builds a version-neutral [`Action`], sends
//! it through `charger::outbound`, and answers with the reference's status and shape.
//!
//! Outcomes, for every action: the reference's success code; 406 when the charger said
//! no (its status in the message); 404 for an unknown charge point, EVSE, session or
//! reservation; 409 when the charge point is not connected (nothing is queued); 501
//! when its version has no such operation; 502 for a CALLERROR; 504 for no answer in
//! time; 422 for an invalid body. The ISO 15118 EMAID actions are in `api::pnc`.

mod certificate;
mod charge_point;
mod circuit;
mod configuration;
mod display;
mod firmware;
mod local_list;
mod maintenance;
mod meter;
mod monitoring;
mod reports;
mod reservation;
mod security;
mod session;
mod smart_charging;
mod station;

use std::sync::Arc;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{patch, post};
use axum::{Json, Router};
use chrono::{DateTime, NaiveDateTime, Utc};
use serde_json::Value;

use super::error::ApiError;
use super::extract::id;
use super::ApiState;
use crate::charger::outbound::{self, ActionError};
use crate::charger::{CallError, ChargerHandle};
use crate::domain::action::{Action, Outcome};
use crate::store::resources::ChargePointView;

/// The prefix of every action path.
pub const ACTIONS: &str = "/public-api/actions";

/// The action routes (full paths), plus the configuration PATCH of the resources API,
/// which changes the value on the charger.
pub fn routes() -> Router<Arc<ApiState>> {
    const CP: &str = "/charge-point/v1.0/{chargePoint}";
    const CP2: &str = "/charge-point/v2.0/{chargePoint}";
    let at = |path: &str| format!("{ACTIONS}{path}");
    Router::new()
        .route(
            &at(&format!("{CP}/reset/{{type}}")),
            post(charge_point::reset),
        )
        .route(
            &at(&format!("{CP}/unlock/{{evse}}")),
            post(charge_point::unlock),
        )
        .route(
            &at(&format!("{CP}/change-availability")),
            post(charge_point::change_availability),
        )
        .route(
            &at(&format!("{CP}/disconnect")),
            post(charge_point::disconnect),
        )
        .route(
            &at(&format!("{CP}/clear-cache")),
            post(charge_point::clear_cache),
        )
        .route(
            &at(&format!("{CP}/get-local-list-version")),
            post(charge_point::local_list_version),
        )
        .route(
            &at(&format!("{CP}/send-local-list")),
            post(local_list::send),
        )
        .route(
            &at(&format!("{CP}/clear-local-list")),
            post(local_list::clear),
        )
        .route(
            &at(&format!("{CP}/cancel-reservation")),
            post(reservation::cancel_on_charger),
        )
        .route(
            &at(&format!("{CP}/send-data-transfer")),
            post(charge_point::data_transfer),
        )
        .route(
            &at(&format!("{CP}/send-custom-ocpp")),
            post(charge_point::custom),
        )
        .route(
            &at(&format!("{CP}/trigger-message")),
            post(charge_point::trigger),
        )
        .route(
            &at("/evse/v1.0/{evse}/trigger-message"),
            post(charge_point::trigger_evse),
        )
        .route(
            &at(&format!("{CP}/set-charging-profile/{{evseNetworkId}}")),
            post(smart_charging::set_profile),
        )
        .route(
            &at(&format!("{CP}/clear-charging-profile")),
            post(smart_charging::clear_profile),
        )
        .route(
            &at(&format!("{CP}/get-composite-schedule")),
            post(smart_charging::composite_schedule),
        )
        .route(&at(&format!("{CP}/start")), post(session::start))
        .route(
            &at(&format!("{CP}/start/{{evse}}")),
            post(session::start_on),
        )
        .route(&at("/evse/v1.0/{evse}/start"), post(session::start_evse))
        .route(&at(&format!("{CP}/stop/{{session}}")), post(session::stop))
        .route(
            &at(&format!("{CP}/reserve/{{evse}}")),
            post(reservation::reserve),
        )
        .route(
            &at("/reservation/v1.0/{reservation}/cancel"),
            post(reservation::cancel),
        )
        .route(
            &at(&format!("{CP}/sync-configuration")),
            post(configuration::sync),
        )
        .route(
            &at(&format!("{CP2}/set-configuration")),
            post(configuration::set),
        )
        .route(
            &at(&format!("{CP2}/set-configurations")),
            post(configuration::set_many),
        )
        .route(
            &format!(
                "{}/charge-points/v2.0/{{chargePoint}}/configurations/{{key}}",
                super::RESOURCES
            ),
            patch(configuration::patch).get(super::evse::configuration_key),
        )
        .route(
            &at(&format!("{CP}/get-diagnostics")),
            post(maintenance::diagnostics),
        )
        .route(
            &at(&format!("{CP}/get-security-log")),
            post(maintenance::security_log),
        )
        .route(
            &at(&format!("{CP2}/update-firmware")),
            post(maintenance::update_firmware),
        )
        .route(
            &at(&format!("{CP2}/install-certificate")),
            post(certificate::install),
        )
        .route(
            &at(&format!("{CP2}/delete-certificate")),
            post(certificate::delete),
        )
        .route(
            &at(&format!("{CP2}/sync-certificates")),
            post(certificate::sync),
        )
        .route(
            &at(&format!("{CP2}/set-security-profile")),
            post(security::set),
        )
        .route(
            &at(&format!("{CP}/reset-security-profile")),
            post(security::reset),
        )
        .merge(reports::routes())
        .merge(station_routes())
        .merge(load_routes())
}

/// Load management's actions: they change what is stored and call no charger.
fn load_routes() -> Router<Arc<ApiState>> {
    const C: &str = "/circuit/v2.0/{circuit}";
    let at = |path: &str| format!("{ACTIONS}{path}");
    Router::new()
        .route(
            &at(&format!("{C}/attach-charge-point")),
            post(circuit::attach),
        )
        .route(
            &at(&format!("{C}/detach-charge-point/{{chargePoint}}")),
            post(circuit::detach),
        )
        .route(
            &at(&format!("{C}/set-charge-point-priority/{{chargePoint}}")),
            post(circuit::set_priority),
        )
        .route(
            &at(&format!(
                "{C}/set-charge-point-priority/{{chargePoint}}/evse/{{evse}}"
            )),
            post(circuit::set_evse_priority),
        )
        .route(
            &at(&format!("{C}/set-circuit-soc-priorities")),
            post(circuit::set_soc),
        )
        .route(
            &at(&format!("{C}/set-session-priority/{{session}}")),
            post(circuit::set_session_priority),
        )
        .route(
            &at("/electricity-meter/v1.0/{electricityMeter}/report-consumption"),
            post(meter::report),
        )
}

/// The station settings' routes: display messages, monitoring, network profiles,
/// transaction status, running cost, firmware publishing.
fn station_routes() -> Router<Arc<ApiState>> {
    const CP: &str = "/charge-point/v1.0/{chargePoint}";
    let at = |path: &str| format!("{ACTIONS}{path}");
    Router::new()
        .route(
            &at(&format!("{CP}/set-display-message")),
            post(display::set),
        )
        .route(
            &at(&format!("{CP}/clear-display-message/{{id}}")),
            post(display::clear),
        )
        .route(
            &format!(
                "{}/charge-points/v2.0/{{chargePoint}}/display-messages",
                super::RESOURCES
            ),
            axum::routing::get(display::list),
        )
        .route(
            &format!(
                "{}/charge-points/v2.0/{{chargePoint}}/charging-profiles",
                super::RESOURCES
            ),
            axum::routing::get(smart_charging::list),
        )
        .route(
            &at(&format!("{CP}/set-variable-monitoring")),
            post(monitoring::set),
        )
        .route(
            &at(&format!("{CP}/clear-variable-monitoring")),
            post(monitoring::clear),
        )
        .route(
            &at(&format!("{CP}/set-monitoring-base")),
            post(monitoring::base),
        )
        .route(
            &at(&format!("{CP}/set-monitoring-level")),
            post(monitoring::level),
        )
        .route(
            &at(&format!("{CP}/set-network-profile")),
            post(station::network_profile),
        )
        .route(
            &at(&format!("{CP}/get-transaction-status")),
            post(station::transaction_status),
        )
        .route(
            &at(&format!("{CP}/cost-updated")),
            post(station::cost_updated),
        )
        .route(
            &at(&format!("{CP}/publish-firmware")),
            post(firmware::publish),
        )
        .route(
            &at(&format!("{CP}/unpublish-firmware")),
            post(firmware::unpublish),
        )
}

/// A charge point the API knows, and its live connection.
pub(crate) struct Target {
    pub cp: ChargePointView,
    pub handle: ChargerHandle,
}

/// The charge point behind a path id: 404 when unknown.
pub(crate) async fn charge_point(state: &ApiState, raw: &str) -> Result<ChargePointView, ApiError> {
    let cp = id(raw, "Charge point")?;
    state
        .resources
        .charge_point(cp)
        .await?
        .ok_or_else(|| ApiError::not_found("Charge point"))
}

/// The connection of a known charge point, on this node or (cluster mode) the node
/// holding its socket: 409 when it is not connected.
pub(crate) async fn connection(state: &ApiState, cp: ChargePointView) -> Result<Target, ApiError> {
    if let Some(handle) = state.shared.registry.get(&cp.identity) {
        if handle.is_connected() {
            return Ok(Target { cp, handle });
        }
    }
    if let Some(cluster) = &state.shared.cluster {
        let remote = cluster
            .remote_handle(
                &cp.identity,
                cp.protocol.as_deref(),
                state.shared.settings.ocpp.call_timeout,
            )
            .await?;
        if let Some(handle) = remote {
            return Ok(Target { cp, handle });
        }
    }
    Err(ApiError::Conflict(NOT_CONNECTED.into()))
}

const NOT_CONNECTED: &str = "The charge point is not connected.";

/// The charge point and its connection, from a path id.
pub(crate) async fn target(state: &ApiState, raw: &str) -> Result<Target, ApiError> {
    let cp = charge_point(state, raw).await?;
    connection(state, cp).await
}

/// The charge point of an EVSE (by the EVSE's own id) and the EVSE's OCPP number.
pub(crate) async fn evse_target(state: &ApiState, raw: &str) -> Result<(Target, u32), ApiError> {
    let evse = id(raw, "EVSE")?;
    let view = state
        .resources
        .evse(evse)
        .await?
        .ok_or_else(|| ApiError::not_found("EVSE"))?;
    let cp = state
        .resources
        .charge_point(view.charge_point_id)
        .await?
        .ok_or_else(|| ApiError::not_found("Charge point"))?;
    let number = u32::try_from(view.network_id).map_err(|_| ApiError::not_found("EVSE"))?;
    Ok((connection(state, cp).await?, number))
}

/// An OCPP EVSE / connector number from the path.
pub(crate) fn evse_number(raw: &str) -> Result<u32, ApiError> {
    raw.parse::<u32>().map_err(|_| ApiError::not_found("EVSE"))
}

/// Performs `action` on the target, mapping a failure to its HTTP answer.
pub(crate) async fn perform(t: &Target, action: &Action) -> Result<Outcome, ApiError> {
    outbound::perform(&t.handle, action)
        .await
        .map_err(|e| action_error(&t.cp, e))
}

/// The HTTP answer to an action that produced no outcome.
pub(crate) fn action_error(cp: &ChargePointView, e: ActionError) -> ApiError {
    match e {
        ActionError::Unsupported(m) => ApiError::NotImplemented(m),
        ActionError::Invalid { field, message } => ApiError::field(&field, message),
        ActionError::Call(e) => match e {
            CallError::Rejected { status } => {
                ApiError::NotAcceptable(format!("The charge point answered {status}."))
            }
            CallError::CallError {
                code, description, ..
            } => ApiError::BadGateway(format!(
                "The charge point answered with an error: {code}: {description}"
            )),
            CallError::Timeout(d) => ApiError::GatewayTimeout(format!(
                "The charge point {} did not answer within {} ms.",
                cp.identity,
                d.as_millis()
            )),
            CallError::NotConnected => ApiError::Conflict(NOT_CONNECTED.into()),
            CallError::ChargerGone => {
                ApiError::BadGateway("The charge point disconnected before answering.".into())
            }
            CallError::Busy => ApiError::TooManyRequests(
                "Too many requests are waiting for this charge point.".into(),
            ),
            CallError::Invalid(m) => ApiError::NotImplemented(m),
            CallError::NotAccepted { status } => ApiError::Conflict(format!(
                "The charge point's BootNotification was answered {status}: until its \
                 registration is accepted, only configuration requests and trigger-message \
                 (none when Rejected) are sent to it."
            )),
        },
    }
}

/// `status` with an empty body.
pub(crate) fn empty(status: StatusCode) -> Response {
    status.into_response()
}

/// `status` with a JSON body.
pub(crate) fn body(status: StatusCode, value: Value) -> Response {
    (status, Json(value)).into_response()
}

/// A date-time in a body: ISO 8601, or the reference's `Y-m-d H:i:s` (UTC).
pub(crate) fn time(field: &str, raw: &str) -> Result<DateTime<Utc>, ApiError> {
    if let Ok(t) = DateTime::parse_from_rfc3339(raw) {
        return Ok(t.with_timezone(&Utc));
    }
    NaiveDateTime::parse_from_str(raw, "%Y-%m-%d %H:%M:%S")
        .map(|t| t.and_utc())
        .map_err(|_| ApiError::field(field, format!("The {field} is not a valid date-time.")))
}

/// An optional date-time in a body.
pub(crate) fn time_opt(field: &str, raw: Option<&str>) -> Result<Option<DateTime<Utc>>, ApiError> {
    raw.map(|r| time(field, r)).transpose()
}

/// An int32 OCPP field from a request id the store allocated.
pub(crate) fn int32(n: i64) -> Result<i32, ApiError> {
    i32::try_from(n).map_err(|_| ApiError::Internal(format!("id {n} exceeds the int32 range")))
}

/// A JSON body that may be absent (empty): then `T::default()`.
pub(crate) struct MaybeJson<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned + Default> axum::extract::FromRequest<S>
    for MaybeJson<T>
{
    type Rejection = ApiError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, ApiError> {
        let (parts, raw) = req.into_parts();
        let bytes = axum::body::to_bytes(raw, 1 << 20)
            .await
            .map_err(|e| ApiError::field("body", format!("The body could not be read: {e}")))?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(MaybeJson(T::default()));
        }
        let req = axum::extract::Request::from_parts(parts, axum::body::Body::from(bytes));
        let super::extract::ApiJson(v) = super::extract::ApiJson::from_request(req, state).await?;
        Ok(MaybeJson(v))
    }
}
