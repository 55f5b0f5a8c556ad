//! Reads for operators' checks and tests, in the same shapes as the SQLite store's
//! (`store/sqlite/read.rs`), so that a check reads alike on either store.

use tokio_postgres::Row;

use super::tx::{classify, DbError};
use super::PostgresStore;
use crate::store::sqlite::read::{
    ChargePointRow, SessionRow, CHARGE_POINT_COLUMNS, SESSION_COLUMNS,
};
use crate::store::StoreError;

/// A session row selected with [`SESSION_COLUMNS`] first.
pub(crate) fn session_row(r: &Row) -> SessionRow {
    SessionRow {
        id: r.get(0),
        charge_point_id: r.get(1),
        evse_network_id: r.get(2),
        connector_id: r.get(3),
        transaction_id: r.get(4),
        status: r.get(5),
        id_tag: r.get(6),
        started_at: r.get(7),
        stopped_at: r.get(8),
        meter_start_wh: r.get(9),
        meter_stop_wh: r.get(10),
        energy_wh: r.get(11),
        power_latest_w: r.get(12),
        power_peak_w: r.get(13),
        soc_percent: r.get(14),
        reason: r.get(15),
        last_seq_no: r.get(16),
        charging_state: r.get(17),
        updated_at: r.get(18),
    }
}

/// A charge point row selected with [`CHARGE_POINT_COLUMNS`].
pub(crate) fn charge_point_row(r: &Row) -> ChargePointRow {
    let boot: Option<String> = r.get(6);
    ChargePointRow {
        id: r.get(0),
        identity: r.get(1),
        name: r.get(2),
        protocol: r.get(3),
        network_status: r.get(4),
        hardware_status: r.get(5),
        last_boot: boot.and_then(|b| serde_json::from_str(&b).ok()),
        disconnected_at: r.get(7),
        created_at: r.get(8),
        updated_at: r.get(9),
    }
}

/// The tables [`PostgresStore::count`] may count.
const COUNTABLE: &[&str] = &[
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

impl PostgresStore {
    /// Rows of a read-only statement.
    pub(crate) async fn query(
        &self,
        sql: &str,
        params: super::tx::Params<'_>,
    ) -> Result<Vec<Row>, StoreError> {
        let client = self.client().await?;
        let stmt = client
            .prepare_cached(sql)
            .await
            .map_err(|e| classify(DbError::Pg(e)))?;
        client
            .query(&stmt, params)
            .await
            .map_err(|e| classify(DbError::Pg(e)))
    }

    /// A charge point by its OCPP identity.
    pub async fn charge_point_by_identity(
        &self,
        identity: &str,
    ) -> Result<Option<ChargePointRow>, StoreError> {
        let rows = self
            .query(
                &format!("SELECT {CHARGE_POINT_COLUMNS} FROM charge_points WHERE identity = $1"),
                &[&identity],
            )
            .await?;
        Ok(rows.first().map(charge_point_row))
    }

    /// An EVSE's hardware status (the OCPP EVSE id, or the 1.6 connector id).
    pub async fn evse_status(
        &self,
        identity: &str,
        evse: u32,
    ) -> Result<Option<String>, StoreError> {
        let rows = self
            .query(
                "SELECT e.hardware_status FROM evses e JOIN charge_points cp ON cp.id = e.charge_point_id
                 WHERE cp.identity = $1 AND e.network_id = $2",
                &[&identity, &i64::from(evse)],
            )
            .await?;
        Ok(rows.first().map(|r| r.get(0)))
    }

    /// A charger's sessions, oldest first.
    pub async fn sessions_of(&self, identity: &str) -> Result<Vec<SessionRow>, StoreError> {
        let rows = self
            .query(
                &format!(
                    "SELECT {SESSION_COLUMNS} FROM sessions
                     WHERE charge_point_id = (SELECT id FROM charge_points WHERE identity = $1) ORDER BY id"
                ),
                &[&identity],
            )
            .await?;
        Ok(rows.iter().map(session_row).collect())
    }

    /// How many rows a table holds (for operators' checks and tests).
    pub async fn count(&self, table: &'static str) -> Result<i64, StoreError> {
        if !COUNTABLE.contains(&table) {
            return Err(StoreError::Unavailable(format!("no table {table}")));
        }
        let rows = self
            .query(&format!("SELECT COUNT(*) FROM {table}"), &[])
            .await?;
        Ok(rows.first().map_or(0, |r| r.get(0)))
    }

    /// Meter samples stored for a charger.
    pub async fn meter_value_count(&self, identity: &str) -> Result<i64, StoreError> {
        let rows = self
            .query(
                "SELECT COUNT(*) FROM meter_values WHERE charge_point_id = (SELECT id FROM charge_points WHERE identity = $1)",
                &[&identity],
            )
            .await?;
        Ok(rows.first().map_or(0, |r| r.get(0)))
    }
}
