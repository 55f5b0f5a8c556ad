//! The charging profiles a simulated charger holds, and the limit they put on each
//! EVSE now: pure (no tokio, time as an argument), for both versions.
//!
//! Rules followed (OCPP 1.6 §3.13 Smart Charging; 2.0.1 K01, K10, K08):
//! - Three purposes: the station maximum (`ChargePointMaxProfile` /
//!   `ChargingStationMaxProfile`, on connector/EVSE 0 only) caps every EVSE;
//!   `TxProfile` overrules `TxDefaultProfile` for the running transaction; the limit is
//!   the lower of the station maximum and the transaction's.
//! - Within a purpose the highest stackLevel in force wins; one whose validity or
//!   schedule duration is over leaves the next level below in force.
//! - A TxDefaultProfile on the EVSE itself overrules one on EVSE 0 (which applies to
//!   every EVSE).
//! - A new profile with the same id, or the same EVSE, purpose and stackLevel,
//!   replaces the old one (1.6 §5.16 says so; 2.0.1 K01.FR.05 for the id — where 2.0.1
//!   would reject the second case, the simulator replaces, as lenient chargers do).
//! - A TxProfile needs a transaction running on its EVSE, and a transactionId, if
//!   given (2.0.1: required), naming it; otherwise it is rejected (2.0.1 K01.FR.03;
//!   1.6 §5.16). It is dropped when the transaction ends (1.6 §3.13).
//! - Limits in W become A per phase over 230 V × the phases used.

mod composite;
mod parse;
mod schedule;
#[cfg(test)]
mod tests;

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use crate::ocpp::OcppVersion;

pub use parse::{Kind, Period, Profile, Purpose, Recurrency, Unit};

/// Why a SetChargingProfile is rejected.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ProfileError {
    /// The request does not describe a usable profile.
    #[error("invalid profile: {0}")]
    Malformed(String),
    /// A purpose the charger does not take from the CSMS.
    #[error("purpose {0} is not supported")]
    UnsupportedPurpose(String),
    /// The EVSE does not exist.
    #[error("there is no EVSE {0}")]
    UnknownEvse(u32),
    /// The purpose is not allowed on this EVSE (a station maximum not on 0, a
    /// TxProfile on 0).
    #[error("a {purpose} is not allowed on EVSE {evse}")]
    WrongEvse {
        /// The purpose's wire name.
        purpose: &'static str,
        /// The EVSE named.
        evse: u32,
    },
    /// A TxProfile while no transaction runs on the EVSE.
    #[error("no transaction runs on EVSE {0}")]
    NoTransaction(u32),
    /// A TxProfile whose transactionId is missing (2.0.1) or names another transaction.
    #[error("the TxProfile's transactionId {given:?} is not the running {running:?}")]
    OtherTransaction {
        /// The id in the profile.
        given: Option<String>,
        /// The running transaction's id.
        running: String,
    },
}

impl ProfileError {
    fn malformed(reason: String) -> Self {
        ProfileError::Malformed(reason)
    }

    /// The 2.0.1 `statusInfo.reasonCode` (at most 20 characters).
    pub fn reason_code(&self) -> &'static str {
        match self {
            ProfileError::Malformed(_) => "InvalidProfile",
            ProfileError::UnsupportedPurpose(_) => "UnsupportedParam",
            ProfileError::UnknownEvse(_) => "UnknownEvse",
            ProfileError::WrongEvse { .. } => "InvalidValue",
            ProfileError::NoTransaction(_) | ProfileError::OtherTransaction { .. } => "TxNotFound",
        }
    }
}

/// A transaction running on an EVSE, as the profiles need it.
#[derive(Clone, Debug, PartialEq)]
pub struct Transaction {
    /// Its id: the CSMS's integer (1.6) as text, or the charger's (2.0.1).
    pub id: String,
    /// When it started: the origin of Relative schedules.
    pub started: DateTime<Utc>,
}

/// The profiles of one charger with `evses` EVSEs (1.6: connectors), numbered from 1.
#[derive(Clone, Debug)]
pub struct ProfileStore {
    version: OcppVersion,
    evses: u32,
    /// (EVSE, profile); EVSE 0 is the station.
    profiles: Vec<(u32, Profile)>,
}

impl ProfileStore {
    /// No profiles yet.
    pub fn new(version: OcppVersion, evses: u32) -> Self {
        ProfileStore {
            version,
            evses,
            profiles: Vec::new(),
        }
    }

    /// The version whose messages this store reads and answers.
    pub fn version(&self) -> OcppVersion {
        self.version
    }

    /// Every profile held, with its EVSE.
    pub fn profiles(&self) -> &[(u32, Profile)] {
        &self.profiles
    }

    /// Installs the profile of a SetChargingProfile `request` received at `now`;
    /// `running` is the transaction on the EVSE it names, if any.
    pub fn set(
        &mut self,
        request: &Value,
        now: DateTime<Utc>,
        running: Option<&Transaction>,
    ) -> Result<(u32, i64), ProfileError> {
        let (evse, profile) = parse::set_request(self.version, request, now)?;
        if evse > self.evses {
            return Err(ProfileError::UnknownEvse(evse));
        }
        let name = parse::purpose_name(self.version, profile.purpose);
        let wrong = ProfileError::WrongEvse {
            purpose: name,
            evse,
        };
        match profile.purpose {
            Purpose::StationMax if evse != 0 => return Err(wrong),
            Purpose::Tx if evse == 0 => return Err(wrong),
            Purpose::Tx => {
                let running = running.ok_or(ProfileError::NoTransaction(evse))?;
                let given = profile.transaction_id.clone();
                // 1.6 lets the transactionId out (then: the running one); 2.0.1 needs it.
                let missing_ok = self.version == OcppVersion::V16 && given.is_none();
                if !missing_ok && given.as_deref() != Some(running.id.as_str()) {
                    return Err(ProfileError::OtherTransaction {
                        given,
                        running: running.id.clone(),
                    });
                }
            }
            _ => {}
        }
        let id = profile.id;
        self.profiles.retain(|(e, p)| {
            let same_slot =
                *e == evse && p.purpose == profile.purpose && p.stack_level == profile.stack_level;
            p.id != id && !same_slot
        });
        self.profiles.push((evse, profile));
        Ok((evse, id))
    }

    /// The SetChargingProfile answer of this version for `outcome`.
    pub fn set_answer(&self, outcome: &Result<(u32, i64), ProfileError>) -> Value {
        match (outcome, self.version) {
            (Ok(_), _) => json!({ "status": "Accepted" }),
            (Err(_), OcppVersion::V16) => json!({ "status": "Rejected" }),
            (Err(e), OcppVersion::V201) => json!({
                "status": "Rejected",
                "statusInfo": { "reasonCode": e.reason_code(), "additionalInfo": e.to_string() },
            }),
        }
    }

    /// Removes what a ClearChargingProfile `request` names: the profile with its id,
    /// or those matching every criterion given (none given: all). Whether any went,
    /// answered `Accepted` or `Unknown` (1.6 §5.5; 2.0.1 K10).
    pub fn clear(&mut self, request: &Value) -> bool {
        let (id, criteria) = match self.version {
            OcppVersion::V16 => (request.get("id"), Some(request)),
            OcppVersion::V201 => (
                request.get("chargingProfileId"),
                request.get("chargingProfileCriteria"),
            ),
        };
        let evse_field = match self.version {
            OcppVersion::V16 => "connectorId",
            OcppVersion::V201 => "evseId",
        };
        let before = self.profiles.len();
        if let Some(id) = id.and_then(Value::as_i64) {
            self.profiles.retain(|(_, p)| p.id != id);
            return self.profiles.len() < before;
        }
        let field = |name: &str| criteria.and_then(|c| c.get(name)).filter(|v| !v.is_null());
        let evse = field(evse_field).and_then(Value::as_u64);
        let purpose = field("chargingProfilePurpose").and_then(Value::as_str);
        let stack = field("stackLevel").and_then(Value::as_i64);
        let version = self.version;
        self.profiles.retain(|(e, p)| {
            let hit = evse.is_none_or(|n| u64::from(*e) == n)
                && purpose.is_none_or(|n| parse::purpose_name(version, p.purpose) == n)
                && stack.is_none_or(|s| p.stack_level == s);
            !hit
        });
        self.profiles.len() < before
    }

    /// Drops the TxProfiles of `evse`: its transaction ended (1.6 §3.13, 2.0.1 K01).
    pub fn end_transaction(&mut self, evse: u32) {
        self.profiles
            .retain(|(e, p)| !(*e == evse && p.purpose == Purpose::Tx));
    }

    /// The limit on `evse` at `at`, in A per phase, for an EV on `phases` phases; `None`
    /// when no profile limits it. `running` is the EVSE's transaction, if any.
    pub fn limit(
        &self,
        evse: u32,
        at: DateTime<Utc>,
        running: Option<&Transaction>,
        phases: u8,
    ) -> Option<f64> {
        let origin = running.map_or(at, |t| t.started);
        self.limit_from(evse, at, origin, running, phases)
    }

    /// [`ProfileStore::limit`] with Relative schedules starting at `origin`.
    fn limit_from(
        &self,
        evse: u32,
        at: DateTime<Utc>,
        origin: DateTime<Utc>,
        running: Option<&Transaction>,
        phases: u8,
    ) -> Option<f64> {
        let best = |on: u32, purpose: Purpose| {
            let mut candidates: Vec<&Profile> = self
                .profiles
                .iter()
                .filter(|(e, p)| *e == on && p.purpose == purpose)
                .map(|(_, p)| p)
                .filter(|p| {
                    purpose != Purpose::Tx
                        || running.is_some_and(|t| {
                            p.transaction_id.as_deref().is_none_or(|id| id == t.id)
                        })
                })
                .collect();
            candidates.sort_by_key(|p| std::cmp::Reverse(p.stack_level));
            candidates
                .into_iter()
                .find_map(|p| p.limit_at(at, origin, phases))
        };
        let station = best(0, Purpose::StationMax);
        let default = || {
            let own = (evse != 0)
                .then(|| best(evse, Purpose::TxDefault))
                .flatten();
            own.or_else(|| best(0, Purpose::TxDefault))
        };
        let transaction = (evse != 0)
            .then(|| best(evse, Purpose::Tx))
            .flatten()
            .or_else(default);
        match (station, transaction) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}
