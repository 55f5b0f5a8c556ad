//! The rows the `Resources` seam reads and writes: views, filters and new or changed
//! records, version-neutral.

use crate::domain::password::PasswordHash;
use crate::store::StoreError;

/// Why a resource write did not happen.
#[derive(Clone, Debug, thiserror::Error)]
pub enum ResourceError {
    /// No row with that id.
    #[error("not found")]
    NotFound,
    /// Another row already holds this unique value; the field is named.
    #[error("{0} is already taken")]
    Duplicate(&'static str),
    /// The stored state does not allow the value of this field (an unknown reference,
    /// a cycle, a mismatch); the message says why.
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    /// The write contradicts what is stored (an older report than the last one).
    #[error("{0}")]
    Rejected(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Keyset pagination: rows with an id above `after`, at most `limit`, by id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Page {
    pub after: Option<i64>,
    pub limit: u32,
}

/// A time window on one of a row's timestamps (ISO 8601 UTC text, both ends inclusive).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Window {
    pub from: Option<String>,
    pub to: Option<String>,
}

/// A charge point as the API sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct ChargePointView {
    pub id: i64,
    pub identity: String,
    pub name: Option<String>,
    pub protocol: Option<String>,
    pub has_password: bool,
    pub desired_profile: Option<i64>,
    pub current_profile: Option<i64>,
    /// `never_connected`, `available` or `temporarily_unavailable`.
    pub network_status: String,
    pub hardware_status: Option<String>,
    pub last_boot: Option<serde_json::Value>,
    /// `public`, `private` or `personal`, as the API set it.
    pub access_type: String,
    /// `enabled`, `disabled`, `out of order` or `demo`, as the API set it.
    pub system_status: String,
    /// `accepted` or `pending` (boots held while the charge point is provisioned).
    pub registration: String,
    pub first_contact_at: Option<String>,
    pub disconnected_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// Filters of the charge-point list.
#[derive(Clone, Debug, Default)]
pub struct ChargePointFilter {
    pub identity: Option<String>,
    pub name: Option<String>,
    pub updated: Window,
}

/// A charge point to add.
#[derive(Clone, Debug)]
pub struct NewChargePoint {
    pub identity: String,
    pub name: Option<String>,
    pub protocol: Option<String>,
    pub password: Option<PasswordHash>,
    pub desired_profile: Option<i64>,
    pub access_type: String,
    pub system_status: String,
}

/// Changes to a charge point; `None` leaves a field alone.
#[derive(Clone, Debug, Default)]
pub struct ChargePointPatch {
    pub identity: Option<String>,
    pub name: Option<String>,
    pub protocol: Option<String>,
    /// `Some(None)` removes the password.
    pub password: Option<Option<PasswordHash>>,
    pub desired_profile: Option<i64>,
    pub access_type: Option<String>,
    pub system_status: Option<String>,
    /// `accepted` or `pending`.
    pub registration: Option<String>,
}

/// A connector of an EVSE.
#[derive(Clone, Debug, PartialEq)]
pub struct ConnectorView {
    pub connector_id: i64,
    pub hardware_status: String,
}

/// An EVSE (a 1.6 connector) with its connectors.
#[derive(Clone, Debug, PartialEq)]
pub struct EvseView {
    pub id: i64,
    pub charge_point_id: i64,
    /// The OCPP EVSE id (2.0.1) or connector id (1.6); 0 is the charge point itself.
    pub network_id: i64,
    pub hardware_status: String,
    pub error_code: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub connectors: Vec<ConnectorView>,
    /// What the API set as its `powerOptions`.
    pub power: super::PowerOptions,
}

/// Filters of the EVSE lists.
#[derive(Clone, Debug, Default)]
pub struct EvseFilter {
    pub charge_point_id: Option<i64>,
    pub updated: Window,
}

/// One hardware status report.
#[derive(Clone, Debug, PartialEq)]
pub struct HardwareStatusLogView {
    pub id: i64,
    pub evse_network_id: i64,
    pub connector_id: i64,
    pub hardware_status: String,
    pub error_code: Option<String>,
    pub reported_at: String,
}

/// One change of a charge point's link.
#[derive(Clone, Debug, PartialEq)]
pub struct NetworkStatusLogView {
    pub id: i64,
    pub network_status: String,
    pub created_at: String,
}

/// A configuration key from the charger's last snapshot.
#[derive(Clone, Debug, PartialEq)]
pub struct ConfigurationView {
    pub key: String,
    pub value: Option<String>,
    pub readonly: bool,
    pub updated_at: String,
}

/// A charging session.
#[derive(Clone, Debug, PartialEq)]
pub struct SessionView {
    pub id: i64,
    pub charge_point_id: i64,
    /// The EVSE's own id, when the EVSE is known.
    pub evse_id: Option<i64>,
    pub evse_network_id: Option<i64>,
    pub connector_id: Option<i64>,
    pub status: String,
    pub id_tag: Option<String>,
    pub started_at: Option<String>,
    pub stopped_at: Option<String>,
    pub energy_wh: f64,
    pub power_latest_w: Option<f64>,
    pub power_peak_w: Option<f64>,
    pub soc_percent: Option<f64>,
    pub reason: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// Filters of the session list.
#[derive(Clone, Debug, Default)]
pub struct SessionFilter {
    pub charge_point_id: Option<i64>,
    pub charge_point_identity: Option<String>,
    pub evse_id: Option<i64>,
    pub status: Option<String>,
    pub id_tag: Option<String>,
    pub updated: Window,
    pub started: Window,
    pub stopped: Window,
}

/// An id tag the gateway authorizes against.
#[derive(Clone, Debug, PartialEq)]
pub struct IdTagView {
    pub id: i64,
    pub uid: String,
    pub status: String,
    pub kind: String,
    pub expire_at: Option<String>,
    pub external_id: Option<String>,
    pub label: Option<String>,
    /// The platform user the tag belongs to.
    pub user_id: Option<i64>,
    pub created_at: String,
    pub updated_at: String,
}

impl IdTagView {
    /// The tag's group id token (1.6 `parentIdTag`, 2.0.1 `groupIdToken`), as the
    /// gateway answers it in authorizations: its user's group; none without a user.
    pub fn group(&self) -> Option<String> {
        self.user_id.and_then(crate::domain::tag_group::group_token)
    }
}

/// Filters of the id-tag list.
#[derive(Clone, Debug, Default)]
pub struct IdTagFilter {
    pub uid: Option<String>,
    pub status: Option<String>,
    pub kind: Option<String>,
    pub label: Option<String>,
    pub user_id: Option<i64>,
    pub updated: Window,
}

/// An id tag to add.
#[derive(Clone, Debug)]
pub struct NewIdTag {
    pub uid: String,
    pub status: String,
    pub kind: String,
    pub expire_at: Option<String>,
    pub external_id: Option<String>,
    pub label: Option<String>,
    pub user_id: Option<i64>,
}

/// Changes to an id tag; `None` leaves a field alone, `Some(None)` clears it.
#[derive(Clone, Debug, Default)]
pub struct IdTagPatch {
    pub uid: Option<String>,
    pub status: Option<String>,
    pub kind: Option<String>,
    pub expire_at: Option<Option<String>>,
    pub external_id: Option<Option<String>>,
    pub label: Option<Option<String>>,
    pub user_id: Option<Option<i64>>,
}

/// An authorization decision about an id tag.
#[derive(Clone, Debug, PartialEq)]
pub struct AuthorizationView {
    pub id: i64,
    pub charge_point_id: Option<i64>,
    pub id_tag: String,
    pub status: String,
    pub rejection_reason: Option<String>,
    pub method: String,
    pub source: String,
    pub session_id: Option<i64>,
    pub created_at: String,
    pub updated_at: String,
}

/// Filters of the authorization list.
#[derive(Clone, Debug, Default)]
pub struct AuthorizationFilter {
    pub status: Option<String>,
    pub method: Option<String>,
    pub created: Window,
    pub updated: Window,
}

/// Which stored charging profiles a clear applies to (all given must match).
#[derive(Clone, Debug, Default)]
pub struct ProfileCriteria {
    pub id: Option<i64>,
    pub evse_network_id: Option<i64>,
    pub purpose: Option<String>,
    pub stack_level: Option<i64>,
}

/// A reservation of an EVSE.
#[derive(Clone, Debug, PartialEq)]
pub struct ReservationView {
    pub id: i64,
    pub charge_point_id: i64,
    /// The EVSE's id; none for a reservation of the whole charge point.
    pub evse_id: Option<i64>,
    /// The platform user it was made for (none on reservations older than users).
    pub user_id: Option<i64>,
    pub status: String,
    pub expires_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// A reservation about to be sent.
#[derive(Clone, Debug)]
pub struct NewReservation {
    pub charge_point_id: i64,
    /// The OCPP EVSE (2.0.1) or connector (1.6) number; 0 for the whole charge point.
    pub evse_network_id: i64,
    /// The tag sent with it.
    pub id_tag: String,
    pub user_id: Option<i64>,
    pub expires_at: String,
}

/// Filters of the reservation list.
#[derive(Clone, Debug, Default)]
pub struct ReservationFilter {
    pub evse_id: Option<i64>,
    pub user_id: Option<i64>,
    pub status: Option<String>,
    pub created: Window,
}

/// A security event a charger reported.
#[derive(Clone, Debug, PartialEq)]
pub struct SecurityEventView {
    pub id: i64,
    pub charge_point_id: i64,
    pub kind: String,
    pub tech_info: Option<String>,
    pub occurred_at: String,
}

/// Filters of the security-event list.
#[derive(Clone, Debug, Default)]
pub struct SecurityEventFilter {
    pub charge_point_id: Option<i64>,
    pub kind: Option<String>,
    pub occurred: Window,
}

/// A charging profile the gateway sent, as it keeps it: `pending` while the call is out,
/// then `applied` or `rejected`; `replaced` once another applied profile took its place
/// (same EVSE, purpose and stack level: OCPP 1.6 §3.13.2, 2.0.1 K01.FR.05), `cleared`
/// after a clear that matched it.
#[derive(Clone, Debug, PartialEq)]
pub struct ChargingProfileView {
    pub id: i64,
    pub charge_point_id: i64,
    pub evse_network_id: Option<i64>,
    pub purpose: String,
    pub stack_level: i64,
    pub status: String,
    /// The profile as the API gave it (JSON text).
    pub body: String,
    pub created_at: String,
    pub updated_at: String,
}
