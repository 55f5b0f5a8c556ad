//! The write operations charger messages cause, as on SQLite (`store/sqlite/ops/`), each
//! inside one PostgreSQL transaction. Every operation on a charger first locks its
//! `charge_points` row: writes for one charger (from its socket, an old socket's cleanup
//! on another node, a reaper) run one after the other, as SQLite's single writer runs
//! them, while different chargers never wait for each other.

mod charger;
mod reconcile;
mod record;
mod sessions;

pub(crate) use charger::*;
pub(crate) use reconcile::{close_forgotten_transaction, doubtful_transactions, force_stop};
pub(crate) use record::*;
pub(crate) use sessions::*;

pub(crate) use crate::store::sqlite::ops::{now, protocol_name, status_name, ts};

use super::tx::{DbResult, Tx};

/// The charge point's row id, with its row locked until the transaction ends. A charger
/// unknown to the store is added (it got past the handshake, so it is known to the
/// gateway by config or auto-registration).
pub(crate) async fn cp_id(tx: &Tx<'_>, identity: &str) -> DbResult<i64> {
    const LOCK: &str = "SELECT id FROM charge_points WHERE identity = $1 FOR NO KEY UPDATE";
    if let Some(r) = tx.opt(LOCK, &[&identity]).await? {
        return Ok(r.get(0));
    }
    let n = now();
    let added = tx
        .opt(
            "INSERT INTO charge_points (identity, created_at, updated_at) VALUES ($1, $2, $2)
             ON CONFLICT (identity) DO NOTHING RETURNING id",
            &[&identity, &n],
        )
        .await?;
    match added {
        Some(r) => Ok(r.get(0)),
        // Another transaction added it meanwhile: wait for it and take its row.
        None => Ok(tx.one(LOCK, &[&identity]).await?.get(0)),
    }
}
