//! The load manager's reads of what runs: active sessions and protocols of the charge
//! points in circuits.

use super::all_rows;
use crate::store::resources::{LoadHeld, LoadProtocol, LoadSession};
use crate::store::sql::now;
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

/// Claims the allocation of the circuit trees of `roots` for `node` for `ttl`; the roots
/// it holds now (free ones, ones whose holder's lease ran out, and its own, renewed).
pub async fn claim_circuits(
    db: &impl Db,
    roots: &[i64],
    node: &str,
    ttl: std::time::Duration,
) -> DbResult<Vec<i64>> {
    let mut held = Vec::new();
    for root in roots {
        let row = db
            .opt(
                "INSERT INTO circuit_leases (root_circuit_id, node_id, until)
                 SELECT id, ?2, now() + make_interval(secs => ?3) FROM circuits WHERE id = ?1
                 ON CONFLICT (root_circuit_id) DO UPDATE
                   SET node_id = excluded.node_id, until = excluded.until
                   WHERE circuit_leases.node_id = excluded.node_id OR circuit_leases.until <= now()
                 RETURNING root_circuit_id",
                &[root, &node, &ttl.as_secs_f64()],
            )
            .await?;
        if row.is_some() {
            held.push(*root);
        }
    }
    Ok(held)
}

/// The protocol of every attached charge point.
pub async fn protocols(db: &impl Db) -> DbResult<Vec<LoadProtocol>> {
    all_rows(
        db,
        "SELECT cp.id, cp.protocol, cp.network_status = 'available',
           (SELECT c.value FROM configurations c WHERE c.charge_point_id = cp.id
              AND c.key IN ('ChargeProfileMaxStackLevel', 'SmartChargingCtrlr.ProfileStackLevel')
              ORDER BY c.key LIMIT 1)
         FROM charge_points cp
         JOIN circuit_charge_points cc ON cc.charge_point_id = cp.id ORDER BY cp.id",
        &[],
        |r| {
            Ok(LoadProtocol {
                charge_point_id: r.get(0)?,
                protocol: r.get(1)?,
                connected: r.get(2)?,
                max_stack_level: r.get(3)?,
            })
        },
    )
    .await
}

/// Records what chargers accepted (one row per EVSE, the latest).
pub async fn set_held(db: &impl Db, held: &[LoadHeld]) -> DbResult<()> {
    let at = now();
    for h in held {
        db.exec(
            "INSERT INTO load_held (charge_point_id, evse_network_id, amps, updated_at)
             SELECT id, ?2, ?3, ?4 FROM charge_points WHERE id = ?1
             ON CONFLICT (charge_point_id, evse_network_id) DO UPDATE
               SET amps = excluded.amps, updated_at = excluded.updated_at",
            &[&h.charge_point_id, &h.evse_network_id, &h.amps, &at],
        )
        .await?;
    }
    Ok(())
}

/// What the chargers of attached charge points last accepted.
pub async fn held(db: &impl Db) -> DbResult<Vec<LoadHeld>> {
    all_rows(
        db,
        "SELECT h.charge_point_id, h.evse_network_id, h.amps FROM load_held h
         JOIN circuit_charge_points cc ON cc.charge_point_id = h.charge_point_id
         ORDER BY h.charge_point_id, h.evse_network_id",
        &[],
        |r| {
            Ok(LoadHeld {
                charge_point_id: r.get(0)?,
                evse_network_id: r.get(1)?,
                amps: r.get(2)?,
            })
        },
    )
    .await
}
