//! Smart charging: set and clear charging profiles, read the composite schedule.
//! Profiles get gateway-allocated ids (the schedule id is the profile id), are recorded,
//! and an applied one is announced as `chargingProfile.applied`.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::{body, empty, evse_number, perform, target, time_opt, MaybeJson};
use crate::api::error::ApiError;
use crate::api::extract::ApiJson;
use crate::api::ApiState;
use crate::domain::action::{
    Action, ChargingProfile, ChargingSchedule, ProfileKind, ProfilePurpose, RateUnit, Recurrency,
    SchedulePeriod,
};
use crate::store::resources::ProfileCriteria;

/// The reference's charging profile body.
#[derive(Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProfileBody {
    stack_level: i32,
    charging_profile_purpose: ProfilePurpose,
    charging_profile_kind: ProfileKind,
    recurrency_kind: Option<Recurrency>,
    valid_from: Option<String>,
    valid_to: Option<String>,
    transaction_id: Option<i64>,
    charging_schedule: ScheduleBody,
}

#[derive(Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
struct ScheduleBody {
    charging_rate_unit: RateUnit,
    charging_schedule_period: Vec<PeriodBody>,
    duration: Option<i32>,
    start_schedule: Option<String>,
    min_charging_rate: Option<f64>,
}

#[derive(Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
struct PeriodBody {
    start_period: i32,
    limit: f64,
    number_phases: Option<i32>,
}

impl ProfileBody {
    /// The domain profile with the allocated id; `transaction_id` is the charger's.
    pub(crate) fn to_profile(
        &self,
        id: i64,
        transaction_id: Option<String>,
    ) -> Result<ChargingProfile, ApiError> {
        let s = &self.charging_schedule;
        if s.charging_schedule_period.is_empty() {
            return Err(ApiError::field(
                "chargingSchedule.chargingSchedulePeriod",
                "The schedule needs at least one period.",
            ));
        }
        if self.charging_profile_kind == ProfileKind::Recurring && self.recurrency_kind.is_none() {
            return Err(ApiError::field(
                "recurrencyKind",
                "A recurring profile needs a recurrencyKind.",
            ));
        }
        Ok(ChargingProfile {
            id,
            stack_level: self.stack_level,
            purpose: self.charging_profile_purpose,
            kind: self.charging_profile_kind,
            recurrency: self.recurrency_kind,
            valid_from: time_opt("validFrom", self.valid_from.as_deref())?,
            valid_to: time_opt("validTo", self.valid_to.as_deref())?,
            transaction_id,
            schedule: ChargingSchedule {
                id,
                duration: s.duration,
                start_schedule: time_opt(
                    "chargingSchedule.startSchedule",
                    s.start_schedule.as_deref(),
                )?,
                rate_unit: s.charging_rate_unit,
                periods: s
                    .charging_schedule_period
                    .iter()
                    .map(|p| SchedulePeriod {
                        start_period: p.start_period,
                        limit: p.limit,
                        number_phases: p.number_phases,
                    })
                    .collect(),
                min_charging_rate: s.min_charging_rate,
            },
        })
    }

    /// The `chargingProfile` of the `chargingProfile.applied` notification (the
    /// reference's callback names; absent values left out).
    pub(crate) fn notification(&self, id: i64) -> Map<String, Value> {
        let s = &self.charging_schedule;
        let recurrency = self.recurrency_kind.map(|r| match r {
            Recurrency::Daily => "daily",
            Recurrency::Weekly => "weekly",
        });
        let periods: Vec<Value> = s
            .charging_schedule_period
            .iter()
            .map(|p| {
                let mut v = json!({"startPeriod": p.start_period, "limit": p.limit});
                if let Some(n) = p.number_phases {
                    v["numberPhases"] = json!(n);
                }
                v
            })
            .collect();
        let fields = [
            ("id", json!(id)),
            ("stackLevel", json!(self.stack_level)),
            ("purpose", json!(self.charging_profile_purpose)),
            ("chargingProfileKind", json!(self.charging_profile_kind)),
            ("recurrencyKind", json!(recurrency)),
            ("validFrom", json!(self.valid_from)),
            ("validTo", json!(self.valid_to)),
            ("chargingRateUnit", json!(s.charging_rate_unit)),
            ("duration", json!(s.duration)),
            ("scheduleStart", json!(s.start_schedule)),
            ("minChargingRate", json!(s.min_charging_rate)),
            ("schedulePeriods", json!(periods)),
        ];
        fields
            .into_iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| (k.to_owned(), v))
            .collect()
    }

    /// The stored purpose name.
    pub(crate) fn purpose(&self) -> String {
        serde_json::to_value(self.charging_profile_purpose)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default()
    }

    pub(crate) fn stack_level(&self) -> i64 {
        i64::from(self.stack_level)
    }

    /// 422 on a stack level load management keeps for itself (`[load] stack_level` and
    /// above) on a charger it manages: the circuit's limit must outrank every profile the
    /// API sets there. Chargers on no circuit take any stack level.
    pub(crate) fn check_stack_level(
        &self,
        state: &ApiState,
        identity: &str,
    ) -> Result<(), ApiError> {
        let load = &state.shared.settings.load;
        if load.enabled
            && i64::from(self.stack_level) >= i64::from(load.stack_level)
            && state.shared.circuits.manages(identity)
        {
            return Err(ApiError::field(
                "stackLevel",
                format!(
                    "Stack levels from {} up are reserved for load management: use a lower one.",
                    load.stack_level
                ),
            ));
        }
        Ok(())
    }
}

/// `POST charge-point/v1.0/{cp}/set-charging-profile/{evseNetworkId}` → 202 `{data: {id}}`
pub async fn set_profile(
    State(state): State<Arc<ApiState>>,
    Path((cp, evse)): Path<(String, String)>,
    ApiJson(b): ApiJson<ProfileBody>,
) -> Result<Response, ApiError> {
    let t = target(&state, &cp).await?;
    let evse = evse_number(&evse)?;
    // The reference's transactionId names the platform's session.
    let (session, transaction) = match b.transaction_id {
        None => (None, None),
        Some(session) => {
            let tx = state
                .resources
                .session_transaction_id(session)
                .await?
                .ok_or_else(|| ApiError::not_found("Session"))?;
            (Some(session), Some(tx))
        }
    };
    let purpose = b.purpose();
    b.check_stack_level(&state, &t.cp.identity)?;
    b.to_profile(0, transaction.clone())?;
    let body_json = serde_json::to_value(&b).unwrap_or(Value::Null);
    let id = state
        .resources
        .new_charging_profile(
            t.cp.id,
            i64::from(evse),
            purpose,
            i64::from(b.stack_level),
            body_json,
        )
        .await?;
    let profile = b.to_profile(id, transaction)?;
    let result = perform(&t, &Action::SetChargingProfile { evse, profile }).await;
    state
        .resources
        .charging_profile_outcome(id, result.is_ok(), session, b.notification(id))
        .await?;
    result?;
    Ok(body(StatusCode::ACCEPTED, json!({"data": {"id": id}})))
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ClearBody {
    id: Option<i64>,
    /// The reference types it as a string.
    evse_network_id: Option<Value>,
    charging_profile_purpose: Option<ProfilePurpose>,
    stack_level: Option<i32>,
}

/// `POST charge-point/v1.0/{cp}/clear-charging-profile`
pub async fn clear_profile(
    State(state): State<Arc<ApiState>>,
    Path(cp): Path<String>,
    MaybeJson(b): MaybeJson<ClearBody>,
) -> Result<Response, ApiError> {
    let evse = match &b.evse_network_id {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.parse::<u32>().map_err(|_| bad_evse())?),
        Some(Value::Number(n)) => Some(
            n.as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .ok_or_else(bad_evse)?,
        ),
        Some(_) => return Err(bad_evse()),
    };
    let t = target(&state, &cp).await?;
    let action = Action::ClearChargingProfile {
        id: b.id,
        evse,
        purpose: b.charging_profile_purpose,
        stack_level: b.stack_level,
    };
    perform(&t, &action).await?;
    let criteria = ProfileCriteria {
        id: b.id,
        evse_network_id: evse.map(i64::from),
        purpose: b
            .charging_profile_purpose
            .and_then(|p| serde_json::to_value(p).ok())
            .and_then(|v| v.as_str().map(str::to_owned)),
        stack_level: b.stack_level.map(i64::from),
    };
    state
        .resources
        .clear_charging_profiles(t.cp.id, criteria)
        .await?;
    Ok(empty(StatusCode::ACCEPTED))
}

fn bad_evse() -> ApiError {
    ApiError::field(
        "evseNetworkId",
        "The evseNetworkId must be a connector number.",
    )
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CompositeBody {
    evse_network_id: u32,
    duration: i32,
    charging_rate_unit: Option<RateUnit>,
}

/// `POST charge-point/v1.0/{cp}/get-composite-schedule` → 200 `{data}` (the charger's
/// answer).
pub async fn composite_schedule(
    State(state): State<Arc<ApiState>>,
    Path(cp): Path<String>,
    ApiJson(b): ApiJson<CompositeBody>,
) -> Result<Response, ApiError> {
    if b.duration < 0 {
        return Err(ApiError::field(
            "duration",
            "The duration may not be negative.",
        ));
    }
    let t = target(&state, &cp).await?;
    let action = Action::GetCompositeSchedule {
        evse: b.evse_network_id,
        duration: b.duration,
        rate_unit: b.charging_rate_unit,
    };
    let outcome = perform(&t, &action).await?;
    Ok(body(StatusCode::OK, json!({"data": outcome.answer()})))
}

/// `GET resources/charge-points/v2.0/{cp}/charging-profiles` (`filter[status]`): the
/// profiles the gateway sent (1.6 and 2.0.1 alike) and what became of each — `pending`,
/// `applied`, `rejected`, `replaced` (an applied profile of the same EVSE, purpose and
/// stack level took its place), `cleared`. What the charger itself holds is read with
/// `get-charging-profiles` (2.0.1 K09).
pub async fn list(
    State(state): State<Arc<ApiState>>,
    Path(cp): Path<String>,
    params: crate::api::list::ListParams,
) -> Result<axum::Json<Value>, ApiError> {
    let cp = super::charge_point(&state, &cp).await?;
    let rows = state
        .resources
        .charging_profiles(cp.id, params.text("status"), params.page())
        .await?;
    Ok(params.respond(
        rows,
        |r| r.id,
        |r| {
            let profile: Value = serde_json::from_str(&r.body).unwrap_or(Value::Null);
            json!({
                "id": r.id,
                "chargePointId": r.charge_point_id,
                "evseNetworkId": r.evse_network_id,
                "chargingProfilePurpose": r.purpose,
                "stackLevel": r.stack_level,
                "status": r.status,
                "profile": profile,
                "createdAt": r.created_at,
                "updatedAt": r.updated_at,
            })
        },
    ))
}
