//! What an operator sets on a station beyond its configuration: messages on its display,
//! monitors on its variables, the network connection profiles it may use, and the
//! firmware a local controller publishes. The enums carry OCPP 2.0.1's names, which are
//! also the API's: a body names them as the specification does, so nothing is renamed
//! on the way.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Where a display message goes in the station's rotation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum MessagePriority {
    AlwaysFront,
    InFront,
    NormalCycle,
}

/// The station state a display message is shown in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum MessageState {
    Charging,
    Faulted,
    Idle,
    Unavailable,
}

/// How a message's content is to be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum MessageFormat {
    #[serde(rename = "ASCII")]
    Ascii,
    #[serde(rename = "HTML")]
    Html,
    #[serde(rename = "URI")]
    Uri,
    #[serde(rename = "UTF8")]
    Utf8,
}

/// A component of the station's device model (a display, a monitored controller).
#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ComponentRef {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evse_id: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connector_id: Option<u32>,
}

/// One message for the station's display (2.0.1 `MessageInfoType`).
#[derive(Clone, Debug, PartialEq)]
pub struct DisplayMessage {
    /// The message's id on the station; the gateway allocates one when none is given.
    pub id: i32,
    pub priority: MessagePriority,
    pub state: Option<MessageState>,
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
    /// Shown only during this transaction (the charger's id).
    pub transaction_id: Option<String>,
    pub content: String,
    pub format: MessageFormat,
    pub language: Option<String>,
    /// Which display, when the station has several.
    pub display: Option<ComponentRef>,
}

/// What a variable monitor watches for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum MonitorKind {
    UpperThreshold,
    LowerThreshold,
    Delta,
    Periodic,
    PeriodicClockAligned,
}

/// One monitor to set on a variable (2.0.1 `SetMonitoringDataType`).
#[derive(Clone, Debug, PartialEq)]
pub struct Monitor {
    /// The id of an existing monitor to replace; none adds a monitor.
    pub id: Option<i32>,
    pub value: f64,
    pub kind: MonitorKind,
    /// 0 (Danger) .. 9 (Debug).
    pub severity: u8,
    /// Only while a transaction runs.
    pub transaction: bool,
    pub component: ComponentRef,
    pub variable: String,
    pub variable_instance: Option<String>,
}

/// Which monitors a station keeps active.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum MonitoringBase {
    All,
    FactoryDefault,
    HardWiredOnly,
}

/// The OCPP version a network profile connects with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ProfileOcppVersion {
    #[serde(rename = "OCPP12")]
    Ocpp12,
    #[serde(rename = "OCPP15")]
    Ocpp15,
    #[serde(rename = "OCPP16")]
    Ocpp16,
    #[serde(rename = "OCPP20")]
    Ocpp20,
}

/// The transport of a network profile.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ProfileTransport {
    #[serde(rename = "JSON")]
    Json,
    #[serde(rename = "SOAP")]
    Soap,
}

/// The station's network interface a profile uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ProfileInterface {
    Wired0,
    Wired1,
    Wired2,
    Wired3,
    Wireless0,
    Wireless1,
    Wireless2,
    Wireless3,
}

/// A VPN a network profile goes through.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Vpn {
    pub server: String,
    pub user: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    pub password: String,
    pub key: String,
    #[serde(rename = "type")]
    pub kind: VpnKind,
}

/// The kinds of VPN.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum VpnKind {
    #[serde(rename = "IKEv2")]
    IkeV2,
    #[serde(rename = "IPSec")]
    IpSec,
    #[serde(rename = "L2TP")]
    L2tp,
    #[serde(rename = "PPTP")]
    Pptp,
}

/// A mobile network's access point.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Apn {
    pub apn: String,
    pub apn_user_name: Option<String>,
    pub apn_password: Option<String>,
    pub sim_pin: Option<i32>,
    pub preferred_network: Option<String>,
    pub use_only_preferred_network: Option<bool>,
    pub apn_authentication: ApnAuthentication,
}

/// How the station authenticates to an access point.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ApnAuthentication {
    #[serde(rename = "CHAP")]
    Chap,
    #[serde(rename = "NONE")]
    None,
    #[serde(rename = "PAP")]
    Pap,
    #[serde(rename = "AUTO")]
    Auto,
}

/// Where and how a station connects to its CSMS (2.0.1 `NetworkConnectionProfileType`).
#[derive(Clone, Debug, PartialEq)]
pub struct NetworkProfile {
    pub ocpp_version: ProfileOcppVersion,
    pub transport: ProfileTransport,
    pub csms_url: String,
    /// Seconds.
    pub message_timeout: i32,
    pub security_profile: u8,
    pub interface: ProfileInterface,
    pub vpn: Option<Vpn>,
    pub apn: Option<Apn>,
}

impl NetworkProfile {
    /// The profile the gateway gives a station it raises to `security_profile`: OCPP 2.0
    /// over JSON, on the first wired interface, to `csms_url`.
    pub fn gateway(csms_url: String, security_profile: u8) -> NetworkProfile {
        NetworkProfile {
            ocpp_version: ProfileOcppVersion::Ocpp20,
            transport: ProfileTransport::Json,
            csms_url,
            message_timeout: 30,
            security_profile,
            interface: ProfileInterface::Wired0,
            vpn: None,
            apn: None,
        }
    }
}

/// Firmware a local controller is to publish to the stations behind it.
#[derive(Clone, Debug, PartialEq)]
pub struct PublishedFirmware {
    pub request_id: i32,
    pub location: String,
    /// The firmware's MD5, as hex.
    pub checksum: String,
    pub retries: Option<i32>,
    pub interval: Option<i32>,
}
