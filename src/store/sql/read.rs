//! Reads for operators' checks and tests, alike on either engine: the charge point
//! and session rows, an EVSE's status, row counts.

use super::db::{row, Db, DbResult};

/// A charge point as stored.
#[derive(Clone, Debug, PartialEq)]
pub struct ChargePointRow {
    pub id: i64,
    pub identity: String,
    pub name: Option<String>,
    pub protocol: Option<String>,
    pub network_status: String,
    pub hardware_status: Option<String>,
    pub last_boot: Option<serde_json::Value>,
    pub disconnected_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// A session as stored.
#[derive(Clone, Debug, PartialEq)]
pub struct SessionRow {
    pub id: i64,
    pub charge_point_id: i64,
    pub evse_network_id: Option<i64>,
    pub connector_id: Option<i64>,
    pub transaction_id: Option<String>,
    pub status: String,
    pub id_tag: Option<String>,
    pub started_at: Option<String>,
    pub stopped_at: Option<String>,
    pub meter_start_wh: Option<f64>,
    pub meter_stop_wh: Option<f64>,
    pub energy_wh: f64,
    pub power_latest_w: Option<f64>,
    pub power_peak_w: Option<f64>,
    pub soc_percent: Option<f64>,
    pub reason: Option<String>,
    pub last_seq_no: Option<i64>,
    pub charging_state: Option<String>,
    pub updated_at: String,
}

row! { pub const SESSION_COLUMNS, pub fn from_row -> SessionRow {
    id, charge_point_id, evse_network_id, connector_id, transaction_id, status, id_tag,
    started_at, stopped_at, meter_start_wh, meter_stop_wh, energy_wh, power_latest_w,
    power_peak_w, soc_percent, reason, last_seq_no, charging_state, updated_at,
}}

row! { pub const CHARGE_POINT_COLUMNS, pub fn from_row -> ChargePointRow {
    id, identity, name, protocol, network_status, hardware_status,
    last_boot => |b: Option<String>| b.and_then(|b| serde_json::from_str(&b).ok()),
    disconnected_at, created_at, updated_at,
}}

/// The tables [`count`] may count.
pub const COUNTABLE: &[&str] = &[
    "charge_points",
    "evses",
    "connectors",
    "sessions",
    "meter_values",
    "transaction_events",
    "unmatched_stops",
    "hardware_status_logs",
    "network_status_logs",
    "id_tags",
    "authorizations",
    "reservations",
    "security_events",
    "configurations",
    "charger_events",
    "subscriptions",
    "outbox",
    "charging_profiles",
    "action_requests",
    "cluster_nodes",
    "outbox_leases",
];

/// A charge point by its OCPP identity.
pub async fn charge_point_by_identity(
    db: &impl Db,
    identity: &str,
) -> DbResult<Option<ChargePointRow>> {
    db.opt(
        &format!("SELECT {CHARGE_POINT_COLUMNS} FROM charge_points WHERE identity = ?1"),
        &[&identity],
    )
    .await?
    .map(|r| ChargePointRow::from_row(&r))
    .transpose()
}

/// An EVSE's hardware status (the OCPP EVSE id, or the 1.6 connector id).
pub async fn evse_status(db: &impl Db, identity: &str, evse: u32) -> DbResult<Option<String>> {
    db.opt(
        "SELECT e.hardware_status FROM evses e JOIN charge_points cp ON cp.id = e.charge_point_id
         WHERE cp.identity = ?1 AND e.network_id = ?2",
        &[&identity, &evse],
    )
    .await?
    .map(|r| r.get(0))
    .transpose()
}

/// A charger's sessions, oldest first.
pub async fn sessions_of(db: &impl Db, identity: &str) -> DbResult<Vec<SessionRow>> {
    db.all(
        &format!(
            "SELECT {SESSION_COLUMNS} FROM sessions
             WHERE charge_point_id = (SELECT id FROM charge_points WHERE identity = ?1) ORDER BY id"
        ),
        &[&identity],
    )
    .await?
    .iter()
    .map(SessionRow::from_row)
    .collect()
}

/// How many rows a table holds (for operators' checks and tests).
pub async fn count(db: &impl Db, table: &str) -> DbResult<i64> {
    if !COUNTABLE.contains(&table) {
        return Err(crate::store::StoreError::unavailable(format!("no table {table}")).into());
    }
    db.scalar(&format!("SELECT COUNT(*) FROM {table}"), &[])
        .await
}

/// Meter samples stored for a charger.
pub async fn meter_value_count(db: &impl Db, identity: &str) -> DbResult<i64> {
    db.scalar(
        "SELECT COUNT(*) FROM meter_values WHERE charge_point_id = (SELECT id FROM charge_points WHERE identity = ?1)",
        &[&identity],
    ).await
}
