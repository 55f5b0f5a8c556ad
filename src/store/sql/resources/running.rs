//! The load manager's reads of what runs: active sessions and protocols of the charge
//! points in circuits.

use super::all_rows;
use crate::store::resources::{LoadProtocol, LoadSession};
use crate::store::sql::{Db, DbResult};

/// Active sessions on the EVSEs of attached charge points, by charge point and EVSE.
pub async fn sessions(db: &impl Db) -> DbResult<Vec<LoadSession>> {
    all_rows(
        db,
        "SELECT s.id, s.charge_point_id, COALESCE(s.evse_network_id, s.connector_id),
           s.transaction_id, s.started_at, s.soc_percent
         FROM sessions s JOIN circuit_charge_points cc ON cc.charge_point_id = s.charge_point_id
         WHERE s.status = 'active' AND COALESCE(s.evse_network_id, s.connector_id) IS NOT NULL
         ORDER BY s.charge_point_id, s.id",
        &[],
        |r| {
            Ok(LoadSession {
                session_id: r.get(0)?,
                charge_point_id: r.get(1)?,
                evse_network_id: r.get(2)?,
                transaction_id: r.get(3)?,
                started_at: r.get(4)?,
                soc_percent: r.get(5)?,
            })
        },
    )
    .await
}

/// The protocol of every attached charge point.
pub async fn protocols(db: &impl Db) -> DbResult<Vec<LoadProtocol>> {
    all_rows(
        db,
        "SELECT cp.id, cp.protocol FROM charge_points cp
         JOIN circuit_charge_points cc ON cc.charge_point_id = cp.id ORDER BY cp.id",
        &[],
        |r| {
            Ok(LoadProtocol {
                charge_point_id: r.get(0)?,
                protocol: r.get(1)?,
            })
        },
    )
    .await
}
