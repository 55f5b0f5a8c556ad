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

use crate::domain::session::{Closure, CLOSED_BY_GATEWAY};
use crate::store::sql::outbox::{emit, Event};
use crate::store::sql::{cp_id, now, Db, DbResult};

/// Ends open session `session` of charge point `cp` on the gateway's word (see the
/// module documentation); `at` is the time of the evidence (or of the forced stop).
/// Returns whether it was open.
async fn close_session(
    db: &impl Db,
    cp: i64,
    session: i64,
    closure: Closure,
    at: &str,
) -> DbResult<bool> {
    let accepted: bool = db
        .scalar(
            "SELECT COALESCE(start_status, 'Accepted') = 'Accepted' FROM sessions WHERE id = ?1",
            &[&session],
        )
        .await?;
    let (status, reason) = closure.outcome(accepted);
    // A forced stop ends now (a pending remote start that never began fails); a lost
    // session ended when the charger last spoke of it.
    let last_sample = closure != Closure::Forced;
    let changed = db
        .exec(
            "UPDATE sessions SET status = CASE WHEN status = 'pending' THEN 'failed' ELSE ?2 END, reason = ?3, closed_by = ?4, updated_at = ?5,
               stopped_at = COALESCE(CASE WHEN ?6 THEN (SELECT MAX(sampled_at) FROM meter_values WHERE session_id = ?1) END, ?7)
             WHERE id = ?1 AND status IN ('active', 'pending')",
            &[
                &session,
                &status.as_str(),
                &reason,
                &CLOSED_BY_GATEWAY,
                &now(),
                &last_sample,
                &at,
            ],
        )
        .await?;
    if changed > 0 {
        emit(db, cp, Event::session(session, false, true, &[])).await?;
    }
    Ok(changed > 0)
}

/// The operator forced the stop of `session` of charger `identity`: it ends now,
/// whatever the charger answered. False when it was not open.
pub async fn force_stop(db: &impl Db, identity: &str, session: i64) -> DbResult<bool> {
    let cp = cp_id(db, identity).await?;
    let mine: bool = db
        .scalar(
            "SELECT EXISTS (SELECT 1 FROM sessions WHERE id = ?1 AND charge_point_id = ?2)",
            &[&session, &cp],
        )
        .await?;
    if !mine {
        return Ok(false);
    }
    close_session(db, cp, session, Closure::Forced, &now()).await
}

/// The ids the first column of `rows` holds.
fn ids(rows: &[crate::store::sql::Row]) -> DbResult<Vec<i64>> {
    rows.iter().map(|r| r.get(0)).collect()
}

/// A new transaction (`session`) began on `evse` at `started` (the charger's clock):
/// the sessions still open there that started before it are over.
pub async fn close_superseded(
    db: &impl Db,
    cp: i64,
    session: i64,
    evse: u32,
    started: &str,
) -> DbResult<()> {
    let older = db
        .all(
            "SELECT id FROM sessions WHERE charge_point_id = ?1 AND evse_network_id = ?2
               AND status = 'active' AND id <> ?3 AND started_at < ?4 ORDER BY id",
            &[&cp, &evse, &session, &started],
        )
        .await?;
    for id in ids(&older)? {
        close_session(db, cp, id, Closure::Superseded, started).await?;
    }
    Ok(())
}

/// `evse` was reported without a transaction at `at`: the sessions open there that the
/// gateway learned of before the charger's latest boot are forgotten.
pub async fn close_forgotten(db: &impl Db, cp: i64, evse: u32, at: &str) -> DbResult<()> {
    let lost = db
        .all(
            "SELECT id FROM sessions WHERE charge_point_id = ?1 AND evse_network_id = ?2 AND status = 'active'
               AND created_at < (SELECT last_boot_at FROM charge_points WHERE id = ?1) ORDER BY id",
            &[&cp, &evse],
        )
        .await?;
    for id in ids(&lost)? {
        close_session(db, cp, id, Closure::Forgotten, at).await?;
    }
    Ok(())
}

/// The transaction ids of the sessions open on `evse` that the gateway learned of before
/// the charger's latest boot: the ones a status that cannot tell (2.0.1 Occupied) leaves
/// in doubt, for the charger to be asked about (GetTransactionStatus). A read.
pub async fn doubtful_transactions(
    db: &impl Db,
    identity: &str,
    evse: u32,
) -> DbResult<Vec<String>> {
    let rows = db
        .all(
            "SELECT s.transaction_id FROM sessions s JOIN charge_points c ON c.id = s.charge_point_id
             WHERE c.identity = ?1 AND s.evse_network_id = ?2 AND s.status = 'active'
               AND s.transaction_id IS NOT NULL AND s.created_at < c.last_boot_at ORDER BY s.id",
            &[&identity, &evse],
        )
        .await?;
    rows.iter().map(|r| r.get(0)).collect()
}

/// The charger said transaction `transaction_id` is over and nothing of it is queued:
/// its session, if still open, is forgotten. Returns whether it was open.
pub async fn close_forgotten_transaction(
    db: &impl Db,
    identity: &str,
    transaction_id: &str,
) -> DbResult<bool> {
    let cp = cp_id(db, identity).await?;
    let found = db
        .opt(
            "SELECT id FROM sessions WHERE charge_point_id = ?1 AND transaction_id = ?2 AND status = 'active'",
            &[&cp, &transaction_id],
        )
        .await?;
    match found {
        Some(row) => close_session(db, cp, row.get(0)?, Closure::Forgotten, &now()).await,
        None => Ok(false),
    }
}

/// The session a 1.6 StopTransaction with `transactionId` -1 (a start the charger made
/// offline and never learned the id of) stops: the one open session of the charge point
/// started before the stop, of the stop's id tag when it names one; failing that, the one
/// such session the gateway closed itself. None when that is not a single session.
pub async fn offline_stop_target(
    db: &impl Db,
    cp: i64,
    id_tag: Option<&str>,
    stopped: &str,
) -> DbResult<Option<i64>> {
    for open in [true, false] {
        let found = db
            .all(
                "SELECT id FROM sessions WHERE charge_point_id = ?1 AND started_at <= ?2
                   AND (CAST(?3 AS TEXT) IS NULL OR id_tag = ?3)
                   AND CASE WHEN ?4 THEN status = 'active' ELSE closed_by = ?5 END
                 ORDER BY started_at DESC LIMIT 2",
                &[&cp, &stopped, &id_tag, &open, &CLOSED_BY_GATEWAY],
            )
            .await?;
        match ids(&found)?.as_slice() {
            [one] => return Ok(Some(*one)),
            [] => continue,
            _ => return Ok(None),
        }
    }
    Ok(None)
}
