//! Sessions the charger lost. Chargers that lose power or reboot often come back with a
//! BootNotification, an idle connector and a new transaction, and never send the old
//! transaction's stop (OCPP 1.6 §4.8/§4.10; 2.0.1 E01..E07). The gateway ends such a
//! session itself, so no connector keeps two open sessions and no phantom session is
//! billed for ever:
//!
//! - a **new transaction** on an EVSE ends the open sessions there that started before
//!   it (charger clock against charger clock): `expired`, reason
//!   `new_start_transaction_received`;
//! - an EVSE reported **without a transaction** (1.6 Available/Preparing, 2.0.1
//!   Available) ends the open sessions there that the gateway learned of before the
//!   charger's latest boot (gateway clock against gateway clock): `expired`, reason
//!   `reboot`. A status without a boot in between proves nothing (some chargers report
//!   Available just before the StopTransaction), so it ends nothing;
//! - a session whose 1.6 start the gateway refused (Invalid, Blocked, ...) ends `failed`,
//!   reason `deauthorized`, instead;
//! - a stop forced through the API ends it `finished`, reason `force_stop`.
//!
//! Such a session keeps the energy of its latest meter reading and stops at its latest
//! sample's time (else at the time of the evidence), so its average power no longer
//! moves with the clock; its stop notifications fire as for any stop.
//!
//! The gateway's close is provisional: it marks the row `closed_by = 'gateway'`. A stop
//! the charger still sends for it (a 1.6 StopTransaction or a 2.0.1 TransactionEvent
//! Ended, replayed from its offline queue, E04/E07) is taken in full: the session becomes
//! `finished` with the charger's stop time, meter reading and reason, and a
//! SessionUpdateNotification (not a second stop) reports the corrected figures. Meter
//! values for it still attach. Nothing the charger may still report is lost.

use rusqlite::{params, OptionalExtension, Transaction};

use super::super::outbox::{emit, Event};
use super::{cp_id, now};
use crate::domain::session::{Closure, CLOSED_BY_GATEWAY};

/// Ends open session `session` of charge point `cp` on the gateway's word (see the
/// module documentation); `at` is the time of the evidence (or of the forced stop).
/// Returns whether it was open.
fn close_session(
    tx: &Transaction<'_>,
    cp: i64,
    session: i64,
    closure: Closure,
    at: &str,
) -> rusqlite::Result<bool> {
    let accepted: bool = tx
        .prepare_cached(
            "SELECT COALESCE(start_status, 'Accepted') = 'Accepted' FROM sessions WHERE id = ?1",
        )?
        .query_row([session], |r| r.get(0))?;
    let (status, reason) = closure.outcome(accepted);
    // A forced stop ends now (a pending remote start that never began fails); a lost
    // session ended when the charger last spoke of it.
    let last_sample = closure != Closure::Forced;
    let changed = tx
        .prepare_cached(
            "UPDATE sessions SET status = CASE WHEN status = 'pending' THEN 'failed' ELSE ?2 END, reason = ?3, closed_by = ?4, updated_at = ?5,
               stopped_at = COALESCE(CASE WHEN ?6 THEN (SELECT MAX(sampled_at) FROM meter_values WHERE session_id = ?1) END, ?7)
             WHERE id = ?1 AND status IN ('active', 'pending')",
        )?
        .execute(params![
            session,
            status.as_str(),
            reason,
            CLOSED_BY_GATEWAY,
            now(),
            last_sample,
            at
        ])?;
    if changed > 0 {
        emit(tx, cp, Event::session(session, false, true, &[]))?;
    }
    Ok(changed > 0)
}

/// The operator forced the stop of `session` of charger `identity`: it ends now,
/// whatever the charger answered. False when it was not open.
pub fn force_stop(tx: &Transaction<'_>, identity: &str, session: i64) -> rusqlite::Result<bool> {
    let cp = cp_id(tx, identity)?;
    let mine: bool = tx
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM sessions WHERE id = ?1 AND charge_point_id = ?2)",
        )?
        .query_row(params![session, cp], |r| r.get(0))?;
    if !mine {
        return Ok(false);
    }
    close_session(tx, cp, session, Closure::Forced, &now())
}

/// A new transaction (`session`) began on `evse` at `started` (the charger's clock):
/// the sessions still open there that started before it are over.
pub fn close_superseded(
    tx: &Transaction<'_>,
    cp: i64,
    session: i64,
    evse: u32,
    started: &str,
) -> rusqlite::Result<()> {
    let older: Vec<i64> = tx
        .prepare_cached(
            "SELECT id FROM sessions WHERE charge_point_id = ?1 AND evse_network_id = ?2
               AND status = 'active' AND id <> ?3 AND started_at < ?4 ORDER BY id",
        )?
        .query_map(params![cp, evse, session, started], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for id in older {
        close_session(tx, cp, id, Closure::Superseded, started)?;
    }
    Ok(())
}

/// `evse` was reported without a transaction at `at`: the sessions open there that the
/// gateway learned of before the charger's latest boot are forgotten.
pub fn close_forgotten(tx: &Transaction<'_>, cp: i64, evse: u32, at: &str) -> rusqlite::Result<()> {
    let lost: Vec<i64> = tx
        .prepare_cached(
            "SELECT id FROM sessions WHERE charge_point_id = ?1 AND evse_network_id = ?2 AND status = 'active'
               AND created_at < (SELECT last_boot_at FROM charge_points WHERE id = ?1) ORDER BY id",
        )?
        .query_map(params![cp, evse], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for id in lost {
        close_session(tx, cp, id, Closure::Forgotten, at)?;
    }
    Ok(())
}

/// The transaction ids of the sessions open on `evse` that the gateway learned of before
/// the charger's latest boot: the ones a status that cannot tell (2.0.1 Occupied) leaves
/// in doubt, for the charger to be asked about (GetTransactionStatus).
pub fn doubtful_transactions(
    c: &rusqlite::Connection,
    identity: &str,
    evse: u32,
) -> rusqlite::Result<Vec<String>> {
    c.prepare_cached(
        "SELECT s.transaction_id FROM sessions s JOIN charge_points c ON c.id = s.charge_point_id
         WHERE c.identity = ?1 AND s.evse_network_id = ?2 AND s.status = 'active'
           AND s.transaction_id IS NOT NULL AND s.created_at < c.last_boot_at ORDER BY s.id",
    )?
    .query_map(params![identity, evse], |r| r.get(0))?
    .collect()
}

/// The charger said transaction `transaction_id` is over and nothing of it is queued:
/// its session, if still open, is forgotten. Returns whether it was open.
pub fn close_forgotten_transaction(
    tx: &Transaction<'_>,
    identity: &str,
    transaction_id: &str,
) -> rusqlite::Result<bool> {
    let cp = cp_id(tx, identity)?;
    let found: Option<i64> = tx
        .prepare_cached(
            "SELECT id FROM sessions WHERE charge_point_id = ?1 AND transaction_id = ?2 AND status = 'active'",
        )?
        .query_row(params![cp, transaction_id], |r| r.get(0))
        .optional()?;
    match found {
        Some(id) => close_session(tx, cp, id, Closure::Forgotten, &now()),
        None => Ok(false),
    }
}

/// The session a 1.6 StopTransaction with `transactionId` -1 (a start the charger made
/// offline and never learned the id of) stops: the one open session of the charge point
/// started before the stop, of the stop's id tag when it names one; failing that, the one
/// such session the gateway closed itself. None when that is not a single session.
pub fn offline_stop_target(
    tx: &Transaction<'_>,
    cp: i64,
    id_tag: Option<&str>,
    stopped: &str,
) -> rusqlite::Result<Option<i64>> {
    for open in [true, false] {
        let found: Vec<i64> = tx
            .prepare_cached(
                "SELECT id FROM sessions WHERE charge_point_id = ?1 AND started_at <= ?2
                   AND (?3 IS NULL OR id_tag = ?3)
                   AND CASE WHEN ?4 THEN status = 'active' ELSE closed_by = ?5 END
                 ORDER BY started_at DESC LIMIT 2",
            )?
            .query_map(params![cp, stopped, id_tag, open, CLOSED_BY_GATEWAY], |r| {
                r.get(0)
            })?
            .collect::<rusqlite::Result<_>>()?;
        match found.as_slice() {
            [one] => return Ok(Some(*one)),
            [] => continue,
            _ => return Ok(None),
        }
    }
    Ok(None)
}
