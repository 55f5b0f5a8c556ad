//! Reservations: reserve an EVSE, cancel a reservation. The reservation is recorded
//! before it is sent (its id is the OCPP reservation id) and its status follows the
//! charger's answer, announced as `reservation.changed`.
//!
//! The reference's body names a user, not a tag: the reservation carries the user's
//! group token (`domain::tag_group`) as its tag and as its group (1.6 §5.13
//! `parentIdTag`, 2.0.1 H01 `groupIdToken`), so any of the user's cards may use it, and a
//! charger that authorizes the reservation's tag is answered Accepted while the user has
//! a usable tag.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::Utc;
use serde::Deserialize;
use serde_json::json;

use super::{body, connection, empty, evse_number, int32, perform, target, MaybeJson};
use crate::api::error::ApiError;
use crate::api::extract::{id, ApiJson};
use crate::api::ApiState;
use crate::charger::outbound::ts;
use crate::domain::action::Action;
use crate::domain::tag_group::{group_token, MAX_USER_ID};
use crate::store::resources::NewReservation;

/// How long a reservation made through the API holds (the reference's body has no
/// expiry).
const RESERVATION_LENGTH: chrono::Duration = chrono::Duration::minutes(30);

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReserveBody {
    /// The platform's user the reservation is for.
    user_id: i64,
    #[allow(dead_code)]
    reason: Option<String>,
}

/// `POST charge-point/v1.0/{cp}/reserve/{evse}` → 202 `{success, reservationId}`
pub async fn reserve(
    State(state): State<Arc<ApiState>>,
    Path((cp, evse)): Path<(String, String)>,
    ApiJson(b): ApiJson<ReserveBody>,
) -> Result<Response, ApiError> {
    let t = target(&state, &cp).await?;
    // The reference's reservation always names its EVSE (`evseId`, required): a
    // reservation of no EVSE in particular (1.6 connector 0, 2.0.1 without evseId) could
    // not be shown, so `0` is no EVSE here as elsewhere.
    let evse = evse_number(&evse)?;
    if evse == 0 {
        return Err(ApiError::NotFound(
            "EVSE not found: a reservation is for one EVSE (its network id, from 1).".into(),
        ));
    }
    let id_tag = group_token(b.user_id).ok_or_else(|| {
        ApiError::field(
            "userId",
            format!("The userId must be from 1 to {MAX_USER_ID}."),
        )
    })?;
    let expires_at = Utc::now() + RESERVATION_LENGTH;
    let new = NewReservation {
        charge_point_id: t.cp.id,
        evse_network_id: i64::from(evse),
        id_tag: id_tag.clone(),
        user_id: Some(b.user_id),
        expires_at: ts(&expires_at),
    };
    let reservation = state.resources.create_reservation(new).await?;
    let action = Action::Reserve {
        reservation_id: int32(reservation)?,
        evse,
        group: Some(id_tag.clone()),
        id_tag,
        expires_at,
    };
    let result = perform(&t, &action).await;
    let status = if result.is_ok() { "active" } else { "rejected" };
    state
        .resources
        .set_reservation_status(reservation, status.into())
        .await?;
    result?;
    Ok(body(
        StatusCode::ACCEPTED,
        json!({"success": true, "reservationId": reservation}),
    ))
}

#[derive(Deserialize, Default)]
pub struct CancelBody {
    #[serde(default)]
    force: bool,
}

/// `POST reservation/v1.0/{reservation}/cancel`; `force` ends it whatever the charger
/// says.
pub async fn cancel(
    State(state): State<Arc<ApiState>>,
    Path(reservation): Path<String>,
    MaybeJson(b): MaybeJson<CancelBody>,
) -> Result<Response, ApiError> {
    let force = b.force;
    let reservation = id(&reservation, "Reservation")?;
    let view = state
        .resources
        .reservation(reservation)
        .await?
        .ok_or_else(|| ApiError::not_found("Reservation"))?;
    let cp = state
        .resources
        .charge_point(view.charge_point_id)
        .await?
        .ok_or_else(|| ApiError::not_found("Charge point"))?;
    let result = match connection(&state, cp).await {
        Ok(t) => {
            let action = Action::CancelReservation {
                reservation_id: int32(reservation)?,
            };
            perform(&t, &action).await.map(|_| ())
        }
        Err(e) => Err(e),
    };
    if result.is_ok() || force {
        state
            .resources
            .set_reservation_status(reservation, "canceled".into())
            .await?;
    }
    match result {
        Err(e) if !force => Err(e),
        _ => Ok(empty(StatusCode::ACCEPTED)),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CancelOnChargerBody {
    reservation_id: i32,
}

/// `POST charge-point/v1.0/{cp}/cancel-reservation` `{reservationId}` (an extension):
/// cancels any reservation the charger knows by its OCPP id, whether made through this
/// API or not (1.6 §5.2, 2.0.1 H02). A reservation of this API on that charge point
/// turns `canceled` when the charger accepts.
pub async fn cancel_on_charger(
    State(state): State<Arc<ApiState>>,
    Path(cp): Path<String>,
    ApiJson(b): ApiJson<CancelOnChargerBody>,
) -> Result<Response, ApiError> {
    let t = target(&state, &cp).await?;
    let action = Action::CancelReservation {
        reservation_id: b.reservation_id,
    };
    perform(&t, &action).await?;
    let ours = state
        .resources
        .reservation(i64::from(b.reservation_id))
        .await?
        .filter(|r| r.charge_point_id == t.cp.id);
    if let Some(r) = ours {
        state
            .resources
            .set_reservation_status(r.id, "canceled".into())
            .await?;
    }
    Ok(empty(StatusCode::ACCEPTED))
}
