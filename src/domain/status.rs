//! EVSE hardware status, the status mapping of both versions in one vocabulary.

use serde::{Deserialize, Serialize};

/// An EVSE's (or, for connector 0, the charge point's) `hardwareStatus`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum HardwareStatus {
    #[serde(rename = "available")]
    Available,
    #[serde(rename = "preparing")]
    Preparing,
    #[serde(rename = "charging")]
    Charging,
    #[serde(rename = "suspendedEV")]
    SuspendedEv,
    #[serde(rename = "suspendedEVSE")]
    SuspendedEvse,
    #[serde(rename = "finishing")]
    Finishing,
    #[serde(rename = "reserved")]
    Reserved,
    #[serde(rename = "unavailable")]
    Unavailable,
    #[serde(rename = "faulted")]
    Faulted,
}

impl HardwareStatus {
    /// The status a 1.6 `ChargePointStatus` (or a 2.0.1 `ConnectorStatusEnumType`) name maps to.
    /// 2.0.1 `Occupied` maps to `preparing` until a transaction refines it.
    pub fn from_ocpp(name: &str) -> Option<HardwareStatus> {
        Some(match name {
            "Available" => HardwareStatus::Available,
            "Preparing" | "Occupied" => HardwareStatus::Preparing,
            "Charging" => HardwareStatus::Charging,
            "SuspendedEV" => HardwareStatus::SuspendedEv,
            "SuspendedEVSE" => HardwareStatus::SuspendedEvse,
            "Finishing" => HardwareStatus::Finishing,
            "Reserved" => HardwareStatus::Reserved,
            "Unavailable" => HardwareStatus::Unavailable,
            "Faulted" => HardwareStatus::Faulted,
            _ => return None,
        })
    }

    /// The refinement a 2.0.1 TransactionEvent `chargingState` brings to an occupied EVSE.
    pub fn from_charging_state(state: &str) -> Option<HardwareStatus> {
        Some(match state {
            "Charging" => HardwareStatus::Charging,
            "EVConnected" | "Idle" => HardwareStatus::Preparing,
            "SuspendedEV" => HardwareStatus::SuspendedEv,
            "SuspendedEVSE" => HardwareStatus::SuspendedEvse,
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mapping_follows_the_table() {
        assert_eq!(
            HardwareStatus::from_ocpp("Occupied"),
            Some(HardwareStatus::Preparing)
        );
        assert_eq!(
            HardwareStatus::from_charging_state("SuspendedEVSE"),
            Some(HardwareStatus::SuspendedEvse)
        );
        assert_eq!(
            serde_json::to_value(HardwareStatus::SuspendedEv).ok(),
            Some(serde_json::json!("suspendedEV"))
        );
        assert_eq!(HardwareStatus::from_ocpp("Bogus"), None);
    }
}
