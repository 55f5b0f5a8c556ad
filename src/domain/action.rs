//! Version-neutral actions: what the platform asks a charger to do, in domain terms.
//! `charger::outbound` turns each into the right OCPP call for the charger's version and
//! its answer into an [`Outcome`].

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Why a charging profile exists (the names both versions share, in 1.6 spelling).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ProfilePurpose {
    /// A limit on the whole charge point (2.0.1 `ChargingStationMaxProfile`).
    ChargePointMaxProfile,
    /// The default for new transactions.
    TxDefaultProfile,
    /// A limit on one transaction.
    TxProfile,
}

/// How a profile's schedule is anchored in time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ProfileKind {
    Absolute,
    Recurring,
    Relative,
}

/// How often a recurring profile repeats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Recurrency {
    Daily,
    Weekly,
}

/// The unit of a schedule's limits: amperes or watts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RateUnit {
    A,
    W,
}

/// One period of a charging schedule.
#[derive(Clone, Debug, PartialEq)]
pub struct SchedulePeriod {
    /// Seconds from the start of the schedule.
    pub start_period: i32,
    /// The limit, in the schedule's unit.
    pub limit: f64,
    pub number_phases: Option<i32>,
}

/// A charging schedule.
#[derive(Clone, Debug, PartialEq)]
pub struct ChargingSchedule {
    /// The gateway-allocated schedule id (2.0.1 needs one; 1.6 has none).
    pub id: i64,
    pub duration: Option<i32>,
    pub start_schedule: Option<DateTime<Utc>>,
    pub rate_unit: RateUnit,
    pub periods: Vec<SchedulePeriod>,
    pub min_charging_rate: Option<f64>,
}

/// A charging profile, as both versions understand it.
#[derive(Clone, Debug, PartialEq)]
pub struct ChargingProfile {
    /// The gateway-allocated profile id.
    pub id: i64,
    pub stack_level: i32,
    pub purpose: ProfilePurpose,
    pub kind: ProfileKind,
    pub recurrency: Option<Recurrency>,
    pub valid_from: Option<DateTime<Utc>>,
    pub valid_to: Option<DateTime<Utc>>,
    /// The charger's transaction id, for a `TxProfile`.
    pub transaction_id: Option<String>,
    pub schedule: ChargingSchedule,
}

/// Which message a charger is asked to send again (the platform's names).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum TriggeredMessage {
    BootNotification,
    DiagnosticsStatusNotification,
    LogStatusNotification,
    FirmwareStatusNotification,
    PublishFirmwareStatusNotification,
    Heartbeat,
    MeterValues,
    StatusNotification,
    SignV2GCertificate,
    SignChargingStationCertificate,
    SignCombinedCertificate,
    TransactionEvent,
}

/// Which log a charger uploads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogKind {
    Diagnostics,
    Security,
}

/// The kinds of certificates installed on a charger (the platform's names).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CertificateKind {
    ChargingStationCertificate,
    V2GCertificate,
    V2GRootCertificate,
    MORootCertificate,
    CSMSRootCertificate,
    ManufacturerRootCertificate,
    V2GCertificateChain,
}

/// A firmware's signature, for a signed update.
#[derive(Clone, Debug, PartialEq)]
pub struct FirmwareSignature {
    pub signing_certificate: String,
    pub signature: String,
}

/// The type of an id token (OCPP 2.0.1 `IdTokenEnumType`); 1.6 id tags have none.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum TokenType {
    Central,
    #[serde(rename = "eMAID")]
    EMaid,
    ISO14443,
    ISO15693,
    KeyCode,
    Local,
    MacAddress,
    NoAuthorization,
}

impl TokenType {
    /// The name on the wire.
    pub fn name(self) -> &'static str {
        match self {
            TokenType::Central => "Central",
            TokenType::EMaid => "eMAID",
            TokenType::ISO14443 => "ISO14443",
            TokenType::ISO15693 => "ISO15693",
            TokenType::KeyCode => "KeyCode",
            TokenType::Local => "Local",
            TokenType::MacAddress => "MacAddress",
            TokenType::NoAuthorization => "NoAuthorization",
        }
    }
}

/// The statuses a 1.6 local list entry may carry (`AuthorizationStatus`).
pub const V16_LIST_STATUSES: &[&str] =
    &["Accepted", "Blocked", "Expired", "Invalid", "ConcurrentTx"];
/// The statuses a 2.0.1 local list entry may carry (`AuthorizationStatusEnumType`).
pub const V201_LIST_STATUSES: &[&str] = &[
    "Accepted",
    "Blocked",
    "ConcurrentTx",
    "Expired",
    "Invalid",
    "NoCredit",
    "NotAllowedTypeEVSE",
    "NotAtThisLocation",
    "NotAtThisTime",
    "Unknown",
];

/// An entry of a local authorization list sent by hand: without a status, a
/// differential update removes the tag.
#[derive(Clone, Debug, PartialEq)]
pub struct ListEntry {
    pub id_tag: String,
    pub token_type: Option<TokenType>,
    /// The authorization status (1.6 `AuthorizationStatus`, 2.0.1
    /// `AuthorizationStatusEnumType`), as the charger will apply it.
    pub status: Option<String>,
    pub expiry: Option<DateTime<Utc>>,
    /// The parent id tag (1.6) / group id token (2.0.1).
    pub group: Option<String>,
}

/// One configuration key to change, as [`Action::SetConfiguration`] names it.
#[derive(Clone, Debug, PartialEq)]
pub struct ConfigurationChange {
    pub key: String,
    pub value: String,
    pub component: Option<String>,
    pub evse: Option<u32>,
    pub instance: Option<String>,
}

impl ConfigurationChange {
    /// The single-key action for this change.
    pub fn action(&self) -> Action {
        Action::SetConfiguration {
            key: self.key.clone(),
            value: self.value.clone(),
            component: self.component.clone(),
            evse: self.evse,
            instance: self.instance.clone(),
        }
    }
}

/// Something the platform asks of a charger. EVSE numbers are OCPP numbers (the 2.0.1
/// EVSE id, the 1.6 connector id).
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// Restart now (`hard`) or once idle: the charge point, or one EVSE (2.0.1 `evseId`).
    Reset { hard: bool, evse: Option<u32> },
    /// Unlock the cable of an EVSE's connector.
    Unlock { evse: u32, connector: Option<u32> },
    /// Make the charge point (no EVSE), one EVSE or one of its connectors (2.0.1)
    /// operative or inoperative.
    ChangeAvailability {
        evse: Option<u32>,
        connector: Option<u32>,
        operative: bool,
    },
    /// Install a profile on an EVSE (0: the charge point).
    SetChargingProfile { evse: u32, profile: ChargingProfile },
    /// Remove the profiles matching every given criterion.
    ClearChargingProfile {
        id: Option<i64>,
        evse: Option<u32>,
        purpose: Option<ProfilePurpose>,
        stack_level: Option<i32>,
    },
    /// Start a session remotely.
    /// 2.0.1 names the token's type (`Central` unless given) and may add a group token.
    StartSession {
        evse: Option<u32>,
        id_tag: String,
        token_type: Option<TokenType>,
        group: Option<String>,
        remote_start_id: i32,
        profile: Option<ChargingProfile>,
    },
    /// Stop the transaction with this charger-side id.
    StopSession { transaction_id: String },
    /// Reserve an EVSE (0: any of the charge point's) for an id tag until `expires_at`;
    /// with a group, any tag of that group may use it.
    Reserve {
        reservation_id: i32,
        evse: u32,
        id_tag: String,
        group: Option<String>,
        expires_at: DateTime<Utc>,
    },
    /// Cancel a reservation.
    CancelReservation { reservation_id: i32 },
    /// Ask the charger to send a message now, about the charge point, one EVSE or one
    /// connector of it (2.0.1).
    TriggerMessage {
        message: TriggeredMessage,
        evse: Option<u32>,
        connector: Option<u32>,
    },
    /// A vendor-specific exchange.
    DataTransfer {
        vendor_id: String,
        message_id: Option<String>,
        data: Option<String>,
    },
    /// Read configuration keys (none: all). 2.0.1 keys are `Component.Variable`.
    GetConfiguration { keys: Vec<String>, request_id: i32 },
    /// Change one configuration key (2.0.1: a variable of a component).
    SetConfiguration {
        key: String,
        value: String,
        component: Option<String>,
        evse: Option<u32>,
        instance: Option<String>,
    },
    /// Change several configuration keys at once (2.0.1: one SetVariables, split to the
    /// station's limits; 1.6: one ChangeConfiguration each, in order).
    SetConfigurations { changes: Vec<ConfigurationChange> },
    /// Upload a log to `location`.
    GetLog {
        kind: LogKind,
        request_id: i32,
        location: String,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
        retries: Option<i32>,
        interval: Option<i32>,
    },
    /// Download and install firmware.
    UpdateFirmware {
        request_id: i32,
        location: String,
        retrieve_at: DateTime<Utc>,
        retries: Option<i32>,
        interval: Option<i32>,
        signature: Option<FirmwareSignature>,
        /// When to install once downloaded (2.0.1, and 1.6 signed updates).
        install_at: Option<DateTime<Utc>>,
    },
    /// Install a root certificate (PEM).
    InstallCertificate {
        kind: CertificateKind,
        certificate: String,
    },
    /// Delete every installed certificate of a kind.
    DeleteCertificate { kind: CertificateKind },
    /// List the installed certificates of these kinds (none: all; 1.6, which asks for
    /// one kind at a time: the CSMS root).
    ListCertificates { kinds: Vec<CertificateKind> },
    /// Clear the authorization cache.
    ClearCache,
    /// The schedule the charger will follow on an EVSE for `duration` seconds.
    GetCompositeSchedule {
        evse: u32,
        duration: i32,
        rate_unit: Option<RateUnit>,
    },
    /// The version of the charger's local authorization list.
    GetLocalListVersion,
    /// Install a local authorization list (`full`) or change entries of it, as given.
    SendLocalList {
        full: bool,
        version: i32,
        entries: Vec<ListEntry>,
    },
    /// Any action of the charger's version, with its payload as given.
    Custom { action: String, payload: Value },
    /// Ask for a report the charger sends in parts (2.0.1 only).
    Report(super::report::ReportRequest),
    /// Show a message on the station's display (replacing one with the same id).
    SetDisplayMessage { message: DisplayMessage },
    /// Remove a display message by its id.
    ClearDisplayMessage { id: i32 },
    /// Set (or replace) monitors on variables of the device model.
    SetVariableMonitoring { monitors: Vec<Monitor> },
    /// Remove monitors by their ids.
    ClearVariableMonitoring { ids: Vec<i32> },
    /// Choose which monitors the station keeps active.
    SetMonitoringBase { base: MonitoringBase },
    /// Report only events of this severity or more severe (0..=9).
    SetMonitoringLevel { severity: u8 },
    /// Store a connection profile in a slot of the station's network configuration.
    SetNetworkProfile { slot: i32, profile: NetworkProfile },
    /// Whether a transaction (or any, when none is named) still has messages queued.
    GetTransactionStatus { transaction_id: Option<String> },
    /// The running cost of a transaction, to show the driver. `meter_wh` and `at` are
    /// what the 1.6 running-cost message carries beside the cost.
    CostUpdated {
        transaction_id: String,
        total_cost: f64,
        meter_wh: Option<i64>,
        charging: bool,
        at: DateTime<Utc>,
        /// Whether a 1.6 charger declared the running-cost DataTransfer convention.
        running_cost_convention: bool,
    },
    /// Publish a firmware to the stations behind a local controller.
    PublishFirmware { firmware: PublishedFirmware },
    /// Stop publishing the firmware with this checksum.
    UnpublishFirmware { checksum: String },
}

impl Action {
    /// A short name for logs.
    pub fn name(&self) -> &'static str {
        match self {
            Action::Reset { .. } => "reset",
            Action::Unlock { .. } => "unlock",
            Action::ChangeAvailability { .. } => "change-availability",
            Action::SetChargingProfile { .. } => "set-charging-profile",
            Action::ClearChargingProfile { .. } => "clear-charging-profile",
            Action::StartSession { .. } => "start",
            Action::StopSession { .. } => "stop",
            Action::Reserve { .. } => "reserve",
            Action::CancelReservation { .. } => "cancel-reservation",
            Action::TriggerMessage { .. } => "trigger-message",
            Action::DataTransfer { .. } => "data-transfer",
            Action::GetConfiguration { .. } => "sync-configuration",
            Action::SetConfiguration { .. } | Action::SetConfigurations { .. } => {
                "set-configuration"
            }
            Action::GetLog { .. } => "get-log",
            Action::UpdateFirmware { .. } => "update-firmware",
            Action::InstallCertificate { .. } => "install-certificate",
            Action::DeleteCertificate { .. } => "delete-certificate",
            Action::ListCertificates { .. } => "sync-certificates",
            Action::ClearCache => "clear-cache",
            Action::GetCompositeSchedule { .. } => "get-composite-schedule",
            Action::GetLocalListVersion => "get-local-list-version",
            Action::SendLocalList { .. } => "send-local-list",
            Action::Custom { .. } => "send-custom-ocpp",
            Action::Report(r) => r.call.path(),
            Action::SetDisplayMessage { .. } => "set-display-message",
            Action::ClearDisplayMessage { .. } => "clear-display-message",
            Action::SetVariableMonitoring { .. } => "set-variable-monitoring",
            Action::ClearVariableMonitoring { .. } => "clear-variable-monitoring",
            Action::SetMonitoringBase { .. } => "set-monitoring-base",
            Action::SetMonitoringLevel { .. } => "set-monitoring-level",
            Action::SetNetworkProfile { .. } => "set-network-profile",
            Action::GetTransactionStatus { .. } => "get-transaction-status",
            Action::CostUpdated { .. } => "cost-updated",
            Action::PublishFirmware { .. } => "publish-firmware",
            Action::UnpublishFirmware { .. } => "unpublish-firmware",
        }
    }
}

pub use super::notification::ConfigurationEntry;
pub use super::station::{
    DisplayMessage, Monitor, MonitoringBase, NetworkProfile, PublishedFirmware,
};

/// What the charger's answer meant, when it did not refuse.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// Done, or accepted to be done now.
    Accepted(Value),
    /// Accepted, to be done later (e.g. availability once a transaction ends).
    Scheduled(Value),
}

impl Outcome {
    /// The charger's answer, normalised to domain terms where the action has some
    /// (configuration entries, certificate lists); otherwise the CALLRESULT payload.
    pub fn answer(&self) -> &Value {
        match self {
            Outcome::Accepted(v) | Outcome::Scheduled(v) => v,
        }
    }
}
