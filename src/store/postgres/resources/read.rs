//! Reads beside the API's: the rows operators and the acceptance tests look at, as the
//! embedded store gives them (`store/sqlite/read.rs`), in the same row types.

use deadpool_postgres::GenericClient;
use tokio_postgres::Row;

use super::{classify, PgResult};
use crate::store::postgres::PostgresStore;
use crate::store::sqlite::read::{
    ChargePointRow, SessionRow, CHARGE_POINT_COLUMNS, SESSION_COLUMNS,
};
use crate::store::StoreError;

fn session_row(r: &Row) -> PgResult<SessionRow> {
    Ok(SessionRow {
        id: r.try_get(0)?,
        charge_point_id: r.try_get(1)?,
        evse_network_id: r.try_get(2)?,
        connector_id: r.try_get(3)?,
        transaction_id: r.try_get(4)?,
        status: r.try_get(5)?,
        id_tag: r.try_get(6)?,
        started_at: r.try_get(7)?,
        stopped_at: r.try_get(8)?,
        meter_start_wh: r.try_get(9)?,
        meter_stop_wh: r.try_get(10)?,
        energy_wh: r.try_get(11)?,
        power_latest_w: r.try_get(12)?,
        power_peak_w: r.try_get(13)?,
        soc_percent: r.try_get(14)?,
        reason: r.try_get(15)?,
        last_seq_no: r.try_get(16)?,
        charging_state: r.try_get(17)?,
        updated_at: r.try_get(18)?,
    })
}

fn charge_point_row(r: &Row) -> PgResult<ChargePointRow> {
    let boot: Option<String> = r.try_get(6)?;
    Ok(ChargePointRow {
        id: r.try_get(0)?,
        identity: r.try_get(1)?,
        name: r.try_get(2)?,
        protocol: r.try_get(3)?,
        network_status: r.try_get(4)?,
        hardware_status: r.try_get(5)?,
        last_boot: boot.and_then(|b| serde_json::from_str(&b).ok()),
        disconnected_at: r.try_get(7)?,
        created_at: r.try_get(8)?,
        updated_at: r.try_get(9)?,
    })
}

async fn by_identity<C: GenericClient>(c: &C, identity: &str) -> PgResult<Option<ChargePointRow>> {
    let stmt = c
        .prepare_cached(&format!(
            "SELECT {CHARGE_POINT_COLUMNS} FROM charge_points WHERE identity = $1"
        ))
        .await?;
    c.query_opt(&stmt, &[&identity])
        .await?
        .as_ref()
        .map(charge_point_row)
        .transpose()
}

async fn sessions_of<C: GenericClient>(c: &C, identity: &str) -> PgResult<Vec<SessionRow>> {
    let stmt = c
        .prepare_cached(&format!(
            "SELECT {SESSION_COLUMNS} FROM sessions
             WHERE charge_point_id = (SELECT id FROM charge_points WHERE identity = $1) ORDER BY id"
        ))
        .await?;
    c.query(&stmt, &[&identity])
        .await?
        .iter()
        .map(session_row)
        .collect()
}

impl PostgresStore {
    /// A charge point by its OCPP identity.
    pub async fn charge_point_by_identity(
        &self,
        identity: &str,
    ) -> Result<Option<ChargePointRow>, StoreError> {
        let c = self.client().await?;
        by_identity(&c, identity).await.map_err(classify)
    }

    /// An EVSE's hardware status (the OCPP EVSE id, or the 1.6 connector id).
    pub async fn evse_status(
        &self,
        identity: &str,
        evse: u32,
    ) -> Result<Option<String>, StoreError> {
        let c = self.client().await?;
        let found = async {
            let stmt = c
                .prepare_cached(
                    "SELECT e.hardware_status FROM evses e JOIN charge_points cp ON cp.id = e.charge_point_id
                     WHERE cp.identity = $1 AND e.network_id = $2",
                )
                .await?;
            c.query_opt(&stmt, &[&identity, &i64::from(evse)])
                .await?
                .map(|r| r.try_get(0))
                .transpose()
        };
        found.await.map_err(classify)
    }

    /// A charger's sessions, oldest first.
    pub async fn sessions_of(&self, identity: &str) -> Result<Vec<SessionRow>, StoreError> {
        let c = self.client().await?;
        sessions_of(&c, identity).await.map_err(classify)
    }

    /// How many rows a table holds (for operators' checks and tests).
    pub async fn count(&self, table: &'static str) -> Result<i64, StoreError> {
        let c = self.client().await?;
        let found = async {
            c.query_one(&format!("SELECT COUNT(*) FROM {table}"), &[])
                .await?
                .try_get(0)
        };
        found.await.map_err(classify)
    }

    /// Meter samples stored for a charger.
    pub async fn meter_value_count(&self, identity: &str) -> Result<i64, StoreError> {
        let c = self.client().await?;
        let found = async {
            let stmt = c
                .prepare_cached(
                    "SELECT COUNT(*) FROM meter_values
                     WHERE charge_point_id = (SELECT id FROM charge_points WHERE identity = $1)",
                )
                .await?;
            c.query_one(&stmt, &[&identity]).await?.try_get(0)
        };
        found.await.map_err(classify)
    }
}
