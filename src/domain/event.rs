//! What chargers report, in one vocabulary for both versions.

use chrono::{DateTime, Utc};

use super::auth::AuthStatus;
use super::HardwareStatus;

/// A BootNotification's facts.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BootInfo {
    pub vendor: String,
    pub model: String,
    pub serial_number: Option<String>,
    pub firmware_version: Option<String>,
    pub reason: Option<String>,
}

/// A status report for one EVSE/connector (EVSE 0 is the charge point itself).
#[derive(Clone, Debug, PartialEq)]
pub struct StatusReport {
    pub evse: u32,
    pub connector: u32,
    pub status: HardwareStatus,
    pub error_code: Option<String>,
    pub timestamp: DateTime<Utc>,
    /// The status says the connector has no transaction (1.6 Available or Preparing,
    /// 2.0.1 Available; a 2.0.1 Occupied connector may still be charging).
    pub idle: bool,
}

/// One sampled value, reduced to what sessions need.
#[derive(Clone, Debug, PartialEq)]
pub struct MeterSample {
    pub timestamp: DateTime<Utc>,
    pub measurand: String,
    pub value: f64,
    pub unit: Option<String>,
    pub phase: Option<String>,
    pub context: Option<String>,
}

/// A transaction's start (1.6 StartTransaction).
#[derive(Clone, Debug, PartialEq)]
pub struct StartTransaction {
    pub connector: u32,
    pub id_tag: String,
    pub meter_start_wh: i64,
    pub timestamp: DateTime<Utc>,
    pub reservation_id: Option<i32>,
    /// What the gateway answered for the start's id tag.
    pub authorization: AuthStatus,
}

/// A transaction's end (1.6 StopTransaction).
#[derive(Clone, Debug, PartialEq)]
pub struct StopTransaction {
    pub transaction_id: i32,
    pub id_tag: Option<String>,
    pub meter_stop_wh: i64,
    pub timestamp: DateTime<Utc>,
    pub reason: Option<String>,
    pub samples: Vec<MeterSample>,
}

/// A 2.0.1 TransactionEvent, reduced.
#[derive(Clone, Debug, PartialEq)]
pub struct TransactionUpdate {
    pub transaction_id: String,
    pub event: TransactionPhase,
    pub seq_no: u32,
    pub offline: bool,
    pub evse: Option<u32>,
    pub connector: Option<u32>,
    pub id_token: Option<String>,
    pub charging_state: Option<String>,
    pub stopped_reason: Option<String>,
    /// The id of the remote start that caused the transaction, when one did.
    pub remote_start_id: Option<i64>,
    pub timestamp: DateTime<Utc>,
    pub samples: Vec<MeterSample>,
}

/// Where in its life a 2.0.1 transaction event sits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TransactionPhase {
    Started,
    Updated,
    Ended,
}

/// What else a charger reports, kept for operators and the platform.
#[derive(Clone, Debug, PartialEq)]
pub enum ChargerEvent {
    /// A security event (1.6 security extension, 2.0.1 SecurityEventNotification).
    Security {
        kind: String,
        tech_info: Option<String>,
        timestamp: DateTime<Utc>,
    },
    /// A 2.0.1 ReservationStatusUpdate.
    Reservation { reservation_id: i64, status: String },
    /// Anything else, by its OCPP action, with the payload as received (firmware,
    /// diagnostics and log status, data transfer, reports).
    Other {
        action: String,
        payload: serde_json::Value,
    },
    /// One part of a multi-part report (NotifyReport, NotifyMonitoringReport, ...).
    ReportPart(super::report::ReportPart),
    /// A 2.0.1 NotifyEvent: device-model events.
    DeviceEvents(super::report::DeviceEvents),
}
