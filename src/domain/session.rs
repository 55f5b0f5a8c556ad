//! Session arithmetic: meter samples in base units, and the figures a session shows.

use super::MeterSample;

/// The register a session's energy is read from.
pub const ENERGY_REGISTER: &str = "Energy.Active.Import.Register";
/// The measurand a session's power is read from.
pub const POWER: &str = "Power.Active.Import";
/// State of charge, in percent.
pub const SOC: &str = "SoC";

/// The sample's value in the gateway's base units: Wh for energy, W for power,
/// var/varh for reactive quantities (a `k` prefix is multiplied out).
pub fn base_value(sample: &MeterSample) -> f64 {
    match sample.unit.as_deref() {
        Some("kWh" | "kW" | "kvarh" | "kvar" | "kVA") => sample.value * 1000.0,
        _ => sample.value,
    }
}

/// A session's life stage, as the API names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionStatus {
    Pending,
    Active,
    Finished,
    Failed,
    Expired,
}

impl SessionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            SessionStatus::Pending => "pending",
            SessionStatus::Active => "active",
            SessionStatus::Finished => "finished",
            SessionStatus::Failed => "failed",
            SessionStatus::Expired => "expired",
        }
    }

    pub fn parse(s: &str) -> Option<SessionStatus> {
        Some(match s {
            "pending" => SessionStatus::Pending,
            "active" => SessionStatus::Active,
            "finished" => SessionStatus::Finished,
            "failed" => SessionStatus::Failed,
            "expired" => SessionStatus::Expired,
            _ => return None,
        })
    }
}

/// Why the gateway, not the charger, ended a session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Closure {
    /// The charger started a new transaction on the session's EVSE: one EVSE runs one
    /// transaction at a time, so the older one is over.
    Superseded,
    /// After a reboot the charger reported the session's EVSE without a transaction.
    Forgotten,
    /// The operator stopped it with `force`, whatever the charger answered.
    Forced,
}

/// What `sessions.closed_by` holds for a session the gateway ended: the charger's own
/// stop, when it arrives, still applies to it.
pub const CLOSED_BY_GATEWAY: &str = "gateway";

impl Closure {
    /// The status and stored reason of a session so ended; `start_accepted` is whether
    /// the gateway accepted the id tag of its start. A lost session whose start was
    /// refused never charged on the gateway's word: it failed.
    pub fn outcome(self, start_accepted: bool) -> (SessionStatus, &'static str) {
        match self {
            Closure::Forced => (SessionStatus::Finished, "force_stop"),
            _ if !start_accepted => (SessionStatus::Failed, "deauthorized"),
            Closure::Superseded => (SessionStatus::Expired, "new_start_transaction_received"),
            Closure::Forgotten => (SessionStatus::Expired, "reboot"),
        }
    }
}

/// The API's `reason` for an OCPP stop reason (1.6 `Reason` or 2.0.1 `ReasonEnumType`):
/// the reference lists them lower-cased (`evdisconnected`, `local`, `remote`, ...).
pub fn stop_reason(ocpp: &str) -> String {
    ocpp.to_ascii_lowercase()
}

/// Energy delivered between two register readings, never negative (a meter replaced or
/// reset mid-session reads lower, which is not negative energy).
pub fn energy_between(start_wh: Option<f64>, end_wh: Option<f64>) -> f64 {
    match (start_wh, end_wh) {
        (Some(s), Some(e)) if e > s => e - s,
        _ => 0.0,
    }
}

/// Average power over a duration, in W.
pub fn average_power(energy_wh: f64, seconds: i64) -> Option<f64> {
    (seconds > 0).then(|| energy_wh * 3600.0 / seconds as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn sample(value: f64, unit: Option<&str>) -> MeterSample {
        MeterSample {
            timestamp: Utc::now(),
            measurand: ENERGY_REGISTER.into(),
            value,
            unit: unit.map(Into::into),
            phase: None,
            context: None,
        }
    }

    #[test]
    fn units_and_arithmetic() {
        assert_eq!(base_value(&sample(1.5, Some("kWh"))), 1500.0);
        assert_eq!(base_value(&sample(1500.0, Some("Wh"))), 1500.0);
        assert_eq!(base_value(&sample(7.0, None)), 7.0);
        assert_eq!(energy_between(Some(1000.0), Some(4000.0)), 3000.0);
        assert_eq!(energy_between(Some(4000.0), Some(1000.0)), 0.0);
        assert_eq!(energy_between(None, Some(1.0)), 0.0);
        assert_eq!(average_power(3000.0, 1800), Some(6000.0));
        assert_eq!(average_power(3000.0, 0), None);
        assert_eq!(stop_reason("EVDisconnected"), "evdisconnected");
        assert_eq!(
            SessionStatus::parse("finished"),
            Some(SessionStatus::Finished)
        );
    }

    /// A lost session expires, or fails when its start was refused; a forced stop
    /// finishes it.
    #[test]
    fn closures() {
        assert_eq!(
            Closure::Superseded.outcome(true),
            (SessionStatus::Expired, "new_start_transaction_received")
        );
        assert_eq!(
            Closure::Forgotten.outcome(true),
            (SessionStatus::Expired, "reboot")
        );
        assert_eq!(
            Closure::Superseded.outcome(false),
            (SessionStatus::Failed, "deauthorized")
        );
        assert_eq!(
            Closure::Forced.outcome(false),
            (SessionStatus::Finished, "force_stop")
        );
    }
}
