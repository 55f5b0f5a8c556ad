//! Notification names and the payloads whose facts come from outside the charger write
//! path (actions' results). The store builds the others from its rows.

use serde_json::{json, Map, Value};

/// An EVSE's (or the charge point's) hardware status changed.
pub const HARDWARE_STATUS: &str = "HardwareStatusNotification";
/// The charger's link came up or went down.
pub const NETWORK_STATUS: &str = "NetworkStatusNotification";
/// The charger booted.
pub const BOOT: &str = "BootNotification";
/// A session started or stopped.
pub const SESSION_START_STOP: &str = "SessionStartStopNotification";
/// A session started or stopped (the newer name).
pub const SESSION_START_STOP_V2: &str = "session.start.stop.notification";
/// A session's figures changed.
pub const SESSION_UPDATE: &str = "SessionUpdateNotification";
/// A session's meter samples.
pub const SESSION_METER_VALUES: &str = "SessionMeterValuesNotification";
/// An id tag was authorized or refused.
pub const AUTHORIZATION: &str = "AuthorizationNotification";
/// A configuration sync finished.
pub const SYNC_CONFIGURATION: &str = "ChargePointSyncConfigurationNotification";
/// A diagnostics or log upload's status.
pub const DIAGNOSTICS_STATUS: &str = "DiagnosticsStatusNotification";
/// The charger reported a security event.
pub const SECURITY_EVENT: &str = "SecurityEventNotification";
/// The charger sent a DataTransfer.
pub const DATA_TRANSFER: &str = "chargePoint.dataTransferReceived";
/// The charger accepted a charging profile.
pub const CHARGING_PROFILE_APPLIED: &str = "chargingProfile.applied";
/// A reservation's status changed.
pub const RESERVATION_CHANGED: &str = "reservation.changed";
/// The charge point changed.
pub const CHARGE_POINT_CHANGED: &str = "chargePoint.changed";
/// An EVSE was added or changed.
pub const EVSE_CHANGED: &str = "evse.changed";

/// A multi-part report a charger sent is complete (all its parts arrived).
pub const REPORT_COMPLETED: &str = "chargePoint.reportCompleted";
/// A charger reported device-model events (2.0.1 NotifyEvent).
pub const DEVICE_EVENT: &str = "chargePoint.eventReceived";

/// Every notification the gateway emits; a subscription may ask for these only.
pub const ALL: &[&str] = &[
    HARDWARE_STATUS,
    NETWORK_STATUS,
    BOOT,
    SESSION_START_STOP,
    SESSION_START_STOP_V2,
    SESSION_UPDATE,
    SESSION_METER_VALUES,
    AUTHORIZATION,
    SYNC_CONFIGURATION,
    DIAGNOSTICS_STATUS,
    SECURITY_EVENT,
    DATA_TRANSFER,
    CHARGING_PROFILE_APPLIED,
    RESERVATION_CHANGED,
    CHARGE_POINT_CHANGED,
    EVSE_CHANGED,
    REPORT_COMPLETED,
    DEVICE_EVENT,
];

/// Whether the gateway emits `name`.
pub fn is_known(name: &str) -> bool {
    ALL.contains(&name)
}

/// What happened to a resource (`chargePoint.changed`, `evse.changed`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    Created,
    Updated,
    Deleted,
}

impl Change {
    /// The reference's `action`.
    pub fn as_str(self) -> &'static str {
        match self {
            Change::Created => "created",
            Change::Updated => "updated",
            Change::Deleted => "deleted",
        }
    }
}

/// One configuration key of a synchronisation result.
#[derive(Clone, Debug, PartialEq)]
pub struct ConfigurationEntry {
    pub key: String,
    pub value: Option<String>,
    pub readonly: bool,
}

/// `ChargePointSyncConfigurationNotification`: the outcome of a configuration sync
/// (GetConfiguration / GetVariables / GetBaseReport). `error` is set when it failed.
pub fn sync_configuration(
    charge_point_id: i64,
    request_id: Option<i64>,
    entries: &[ConfigurationEntry],
    error: Option<&str>,
    at: &str,
) -> Value {
    let configuration: Vec<Value> = entries
        .iter()
        .map(|e| {
            let mut item =
                json!({"key": e.key, "readonly": e.readonly, "timestamp": at, "lastUpdatedAt": at});
            if let Some(v) = &e.value {
                item["value"] = json!(v);
            }
            item
        })
        .collect();
    let mut body = json!({
        "notification": SYNC_CONFIGURATION,
        "chargePointId": charge_point_id,
        "configuration": configuration,
    });
    if let Some(r) = request_id {
        body["requestId"] = json!(r);
    }
    if let Some(e) = error {
        body["error"] = json!(e);
    }
    body
}

/// `chargingProfile.applied`: a profile the charger accepted. `profile` holds the
/// reference's `chargingProfile` fields (id, stackLevel, purpose, chargingProfileKind,
/// chargingRateUnit, schedulePeriods, ...); `evse_id` is the EVSE's id, `session_id` the
/// session's, both null when the profile is not bound to one.
pub fn charging_profile_applied(
    charge_point_id: i64,
    evse_id: Option<i64>,
    session_id: Option<i64>,
    profile: Map<String, Value>,
    applied_at: &str,
) -> Value {
    json!({
        "notification": CHARGING_PROFILE_APPLIED,
        "chargePointId": charge_point_id,
        "evseId": evse_id,
        "sessionId": session_id,
        "chargingProfile": profile,
        "appliedAt": applied_at,
    })
}

/// The reference's reservation status for a stored or OCPP one (`Expired`, `Removed`,
/// `accepted`, ...); None when it has no counterpart.
pub fn reservation_status(status: &str) -> Option<&'static str> {
    Some(match status.to_ascii_lowercase().as_str() {
        "active" | "accepted" => "active",
        "expired" => "expired",
        "canceled" | "cancelled" | "removed" => "canceled",
        "done" | "used" => "done",
        _ => return None,
    })
}

/// `reservation.changed`: a reservation's new status (see [`reservation_status`]).
pub fn reservation_changed(reservation_id: i64, status: &str, at: &str) -> Value {
    json!({
        "notification": RESERVATION_CHANGED,
        "reservationId": reservation_id,
        "status": status,
        "lastUpdatedAt": at,
    })
}

/// Whether a security event type is critical (OCPP security whitepaper, appendix 1).
pub fn security_event_is_critical(kind: &str) -> bool {
    matches!(
        kind,
        "FirmwareUpdated"
            | "SettingSystemTime"
            | "StartupOfTheDevice"
            | "ResetOrReboot"
            | "SecurityLogWasCleared"
            | "MemoryExhaustion"
            | "TamperDetectionActivated"
    )
}

/// The reference's stop `reason` for a stored (lower-cased OCPP) one; unknown ones are
/// `other`.
pub fn stop_reason(stored: &str) -> &'static str {
    const KNOWN: &[&str] = &[
        "deauthorized",
        "emergencystop",
        "energylimitreached",
        "evdisconnected",
        "groundfault",
        "immediatereset",
        "hardreset",
        "local",
        "localoutofcredit",
        "masterpass",
        "other",
        "overcurrentfault",
        "powerloss",
        "powerquality",
        "reboot",
        "remote",
        "soclimitreached",
        "stoppedbyev",
        "timeoutlimitreached",
        "softreset",
        "unlockcommand",
        "timeout",
        "new_start_transaction_received",
        "force_stop",
    ];
    match stored {
        "timelimitreached" => "time_limit",
        s => KNOWN.iter().find(|k| **k == s).copied().unwrap_or("other"),
    }
}

/// The reference's measurand and unit for an OCPP sample; None for measurands it has no
/// name for.
pub fn meter_measurand(measurand: &str) -> Option<(&'static str, Option<&'static str>)> {
    Some(match measurand {
        "Energy.Active.Import.Register" => ("Energy Active Import Register", Some("Wh")),
        "SoC" => ("State Of Charge", Some("Percent")),
        "Current.Import" => ("Current Import", Some("A")),
        "Current.Offered" => ("Current Offered", Some("A")),
        "Voltage" => ("Voltage", Some("V")),
        "Power.Active.Import" => ("Power Active Import", None),
        "Power.Offered" => ("Power Offered", None),
        "Temperature" => ("Temperature", Some("Celsius")),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_mappings() {
        assert!(is_known("evse.changed"));
        assert!(!is_known("user.changed"));
        assert_eq!(stop_reason("evdisconnected"), "evdisconnected");
        assert_eq!(stop_reason("reqenergytransferrejected"), "other");
        assert_eq!(reservation_status("Removed"), Some("canceled"));
        assert!(security_event_is_critical("ResetOrReboot"));
        assert!(!security_event_is_critical("InvalidMessages"));
        assert_eq!(
            meter_measurand("SoC"),
            Some(("State Of Charge", Some("Percent")))
        );
        let b = sync_configuration(3, Some(7), &[], Some("timeout"), "2024-01-01T00:00:00.000Z");
        assert_eq!(b["requestId"], 7);
        assert_eq!(b["error"], "timeout");
    }
}
