//! The write operations charger messages cause, each run inside the writer's batch,
//! by concern: charge points, sessions, records. Shared here: times, names, row ids.

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{params, OptionalExtension, Transaction};

use crate::domain::HardwareStatus;
use crate::ocpp::OcppVersion;

/// The time as stored.
pub fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

pub fn now() -> String {
    ts(Utc::now())
}

/// The API's protocol name of a version.
pub fn protocol_name(v: OcppVersion) -> &'static str {
    match v {
        OcppVersion::V16 => "ocpp 1.6",
        OcppVersion::V201 => "ocpp 2.0.1",
    }
}

/// The hardware status name as stored (the API's spelling).
pub fn status_name(s: HardwareStatus) -> String {
    match serde_json::to_value(s) {
        Ok(serde_json::Value::String(s)) => s,
        _ => "unavailable".into(),
    }
}

/// The charge point's row id; a charger unknown to the store is added (it got past the
/// handshake, so it is known to the gateway by config or auto-registration).
pub fn cp_id(tx: &Transaction<'_>, identity: &str) -> rusqlite::Result<i64> {
    let found = tx
        .prepare_cached("SELECT id FROM charge_points WHERE identity = ?1")?
        .query_row([identity], |r| r.get(0))
        .optional()?;
    if let Some(id) = found {
        return Ok(id);
    }
    let n = now();
    tx.prepare_cached(
        "INSERT INTO charge_points (identity, created_at, updated_at) VALUES (?1, ?2, ?2) RETURNING id",
    )?
    .query_row(params![identity, n], |r| r.get(0))
}

mod charger;
mod figures;
mod reconcile;
mod record;
mod sessions;

pub use charger::*;
pub use reconcile::{close_forgotten_transaction, doubtful_transactions, force_stop};
pub use record::*;
pub use sessions::*;
