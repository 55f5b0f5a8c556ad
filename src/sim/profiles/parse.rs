//! The charging profiles of SetChargingProfile, read from the JSON of either version
//! into one [`Profile`]: 1.6 `csChargingProfiles` (ids and transaction ids are
//! integers, the station purpose is `ChargePointMaxProfile`) and 2.0.1
//! `chargingProfile` (a list of schedules, of which the first is used; string
//! transaction ids; `ChargingStationMaxProfile`).

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::ocpp::OcppVersion;

use super::ProfileError;

/// What a profile limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// `ChargePointMaxProfile` (1.6) / `ChargingStationMaxProfile` (2.0.1): the whole
    /// station, on connector/EVSE 0.
    StationMax,
    /// `TxDefaultProfile`: every transaction without a TxProfile.
    TxDefault,
    /// `TxProfile`: the one running transaction.
    Tx,
}

/// How a schedule's start is found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// From `startSchedule`.
    Absolute,
    /// From the start of the transaction (or from now without one).
    Relative,
    /// From `startSchedule`, again every day or week.
    Recurring(Recurrency),
}

/// The repeat of a recurring profile.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Recurrency {
    Daily,
    Weekly,
}

impl Recurrency {
    /// The length of one repeat, in seconds.
    pub fn seconds(self) -> i64 {
        match self {
            Recurrency::Daily => 86_400,
            Recurrency::Weekly => 7 * 86_400,
        }
    }
}

/// The unit of a schedule's limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// Amperes per phase.
    A,
    /// Watts in all.
    W,
}

/// One period of a schedule.
#[derive(Clone, Debug, PartialEq)]
pub struct Period {
    /// Seconds from the schedule's start.
    pub start: i64,
    /// The limit, in the schedule's unit.
    pub limit: f64,
    /// The phases that may be used; `None`: 3.
    pub phases: Option<u8>,
}

/// A charging profile as the charger keeps it.
#[derive(Clone, Debug, PartialEq)]
pub struct Profile {
    pub id: i64,
    pub stack_level: i64,
    pub purpose: Purpose,
    pub kind: Kind,
    pub valid_from: Option<DateTime<Utc>>,
    pub valid_to: Option<DateTime<Utc>>,
    /// The transaction a TxProfile is for.
    pub transaction_id: Option<String>,
    pub start_schedule: Option<DateTime<Utc>>,
    /// Seconds; `None`: the schedule's last period lasts forever.
    pub duration: Option<i64>,
    pub unit: Unit,
    /// Sorted by start.
    pub periods: Vec<Period>,
    /// When the charger received it: the start of an Absolute or Recurring schedule
    /// that names none.
    pub received: DateTime<Utc>,
}

/// The EVSE (connector 1.6) and profile of a SetChargingProfile request.
pub fn set_request(
    version: OcppVersion,
    request: &Value,
    received: DateTime<Utc>,
) -> Result<(u32, Profile), ProfileError> {
    let (evse_field, profile_field) = match version {
        OcppVersion::V16 => ("connectorId", "csChargingProfiles"),
        OcppVersion::V201 => ("evseId", "chargingProfile"),
    };
    let evse = request
        .get(evse_field)
        .and_then(Value::as_u64)
        .and_then(|n| u32::try_from(n).ok())
        .ok_or_else(|| ProfileError::malformed(format!("no valid {evse_field}")))?;
    let p = request
        .get(profile_field)
        .filter(|p| p.is_object())
        .ok_or_else(|| ProfileError::malformed(format!("no {profile_field}")))?;
    let (id_field, schedule) = match version {
        OcppVersion::V16 => ("chargingProfileId", p.get("chargingSchedule")),
        OcppVersion::V201 => ("id", p.pointer("/chargingSchedule/0")),
    };
    let schedule = schedule
        .filter(|s| s.is_object())
        .ok_or_else(|| ProfileError::malformed("no chargingSchedule".to_owned()))?;
    let purpose = match text(p, "chargingProfilePurpose")? {
        "ChargePointMaxProfile" if version == OcppVersion::V16 => Purpose::StationMax,
        "ChargingStationMaxProfile" if version == OcppVersion::V201 => Purpose::StationMax,
        "TxDefaultProfile" => Purpose::TxDefault,
        "TxProfile" => Purpose::Tx,
        other => return Err(ProfileError::UnsupportedPurpose(other.to_owned())),
    };
    let kind = match text(p, "chargingProfileKind")? {
        "Absolute" => Kind::Absolute,
        "Relative" => Kind::Relative,
        "Recurring" => Kind::Recurring(match p.get("recurrencyKind").and_then(Value::as_str) {
            Some("Daily") => Recurrency::Daily,
            Some("Weekly") => Recurrency::Weekly,
            _ => {
                return Err(ProfileError::malformed(
                    "a Recurring profile needs recurrencyKind Daily or Weekly".to_owned(),
                ))
            }
        }),
        other => return Err(ProfileError::malformed(format!("kind {other:?}"))),
    };
    let unit = match text(schedule, "chargingRateUnit")? {
        "A" => Unit::A,
        "W" => Unit::W,
        other => return Err(ProfileError::malformed(format!("rate unit {other:?}"))),
    };
    let mut periods = schedule
        .get("chargingSchedulePeriod")
        .and_then(Value::as_array)
        .map(|list| list.iter().map(period).collect::<Result<Vec<_>, _>>())
        .transpose()?
        .unwrap_or_default();
    if periods.is_empty() {
        return Err(ProfileError::malformed(
            "the schedule has no periods".to_owned(),
        ));
    }
    periods.sort_by_key(|p| p.start);
    let transaction_id = match p.get("transactionId") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(other) => return Err(ProfileError::malformed(format!("transactionId {other}"))),
    };
    let profile = Profile {
        id: integer(p, id_field)?,
        stack_level: integer(p, "stackLevel")?,
        purpose,
        kind,
        valid_from: time(p, "validFrom")?,
        valid_to: time(p, "validTo")?,
        transaction_id,
        start_schedule: time(schedule, "startSchedule")?,
        duration: schedule.get("duration").and_then(Value::as_i64),
        unit,
        periods,
        received,
    };
    if profile.stack_level < 0 {
        return Err(ProfileError::malformed(
            "stackLevel may not be negative".to_owned(),
        ));
    }
    Ok((evse, profile))
}

fn period(v: &Value) -> Result<Period, ProfileError> {
    let limit = v
        .get("limit")
        .and_then(Value::as_f64)
        .filter(|l| l.is_finite() && *l >= 0.0)
        .ok_or_else(|| ProfileError::malformed(format!("period without a valid limit: {v}")))?;
    let phases = match v.get("numberPhases").and_then(Value::as_u64) {
        None => None,
        Some(n @ 1..=3) => Some(n as u8),
        Some(n) => return Err(ProfileError::malformed(format!("numberPhases {n}"))),
    };
    Ok(Period {
        start: integer(v, "startPeriod")?,
        limit,
        phases,
    })
}

fn text<'a>(v: &'a Value, field: &str) -> Result<&'a str, ProfileError> {
    v.get(field)
        .and_then(Value::as_str)
        .ok_or_else(|| ProfileError::malformed(format!("no {field}")))
}

fn integer(v: &Value, field: &str) -> Result<i64, ProfileError> {
    v.get(field)
        .and_then(Value::as_i64)
        .ok_or_else(|| ProfileError::malformed(format!("no integer {field}")))
}

fn time(v: &Value, field: &str) -> Result<Option<DateTime<Utc>>, ProfileError> {
    match v.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => DateTime::parse_from_rfc3339(s)
            .map(|t| Some(t.with_timezone(&Utc)))
            .map_err(|_| ProfileError::malformed(format!("{field} {s:?} is no date-time"))),
        Some(other) => Err(ProfileError::malformed(format!("{field} {other}"))),
    }
}

/// The purpose's name on the wire of `version`.
pub fn purpose_name(version: OcppVersion, purpose: Purpose) -> &'static str {
    match (version, purpose) {
        (OcppVersion::V16, Purpose::StationMax) => "ChargePointMaxProfile",
        (OcppVersion::V201, Purpose::StationMax) => "ChargingStationMaxProfile",
        (_, Purpose::TxDefault) => "TxDefaultProfile",
        (_, Purpose::Tx) => "TxProfile",
    }
}
