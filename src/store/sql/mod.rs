//! The one implementation of the storage seam, over both engines (see `store`'s
//! documentation for the shape). `db` is the executor seam each engine implements,
//! `dialect` the few places their SQL differs, `schema` the migrations, `store` the
//! [`store::SqlStore`] type and its engines, `seam` the traits and their implementation;
//! the rest are the operations by concern (`ops` for what chargers report, `resources`
//! for the API, `notify`, `pnc`, `local_list`, `read`), and the outbox (`event`,
//! `outbox`, `payload`) that turns state changes into notifications.

pub mod charger;
pub(crate) mod db;
pub mod dialect;
pub mod display;
pub mod event;
pub mod read;

pub use db::{Db, DbError, DbResult, Param, Params, Row};
pub use dialect::Dialect;
pub mod local_list;
pub mod notify;
pub mod ops;
pub mod outbox;
pub mod payload;
pub mod pnc;
pub mod reports;
pub mod resources;
pub(crate) mod schema;
pub mod seam;
pub mod store;
#[cfg(test)]
pub(crate) mod tests;

use crate::domain::HardwareStatus;

/// The time as stored (see [`crate::domain::time`]).
pub use crate::domain::time::{now_text as now, text as ts};

/// The hardware status name as stored (the API's spelling).
pub fn status_name(s: HardwareStatus) -> String {
    match serde_json::to_value(s) {
        Ok(serde_json::Value::String(s)) => s,
        _ => "unavailable".into(),
    }
}

/// The charge point's row id; a charger unknown to the store is added (it got past the
/// handshake, so it is known to the gateway by config or auto-registration). On
/// PostgreSQL the row stays locked until the transaction ends, so writes about one
/// charger take their turns.
pub async fn cp_id(db: &impl Db, identity: &str) -> DbResult<i64> {
    let find = match db.dialect() {
        Dialect::Sqlite => "SELECT id FROM charge_points WHERE identity = ?1",
        // Not FOR UPDATE: rows that reference the charger (sessions, samples) take a key
        // share lock on it, which this must not block.
        Dialect::Postgres => "SELECT id FROM charge_points WHERE identity = ?1 FOR NO KEY UPDATE",
    };
    if let Some(r) = db.opt(find, &[&identity]).await? {
        return r.get(0);
    }
    let n = now();
    let added = db
        .opt(
            "INSERT INTO charge_points (identity, created_at, updated_at) VALUES (?1, ?2, ?2)
             ON CONFLICT (identity) DO NOTHING RETURNING id",
            &[&identity, &n],
        )
        .await?;
    match added {
        Some(r) => r.get(0),
        // Another transaction added it meanwhile: wait for it and take its row.
        None => db.scalar(find, &[&identity]).await,
    }
}
