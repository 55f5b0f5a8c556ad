//! Sessions the charger lost, as on SQLite: the rules, and how a charger's late stop
//! still applies to a session the gateway closed, are in `store/sqlite/ops/reconcile.rs`.

use super::super::outbox::{emit, Event};
use super::super::tx::{DbResult, Tx};
use super::{cp_id, now};
use crate::domain::session::{Closure, CLOSED_BY_GATEWAY};

/// Ends open session `session` of charge point `cp` on the gateway's word; `at` is the
/// time of the evidence (or of the forced stop). Returns whether it was open.
async fn close_session(
    tx: &Tx<'_>,
    cp: i64,
    session: i64,
    closure: Closure,
    at: &str,
) -> DbResult<bool> {
    let accepted: bool = tx
        .one(
            "SELECT COALESCE(start_status, 'Accepted') = 'Accepted' FROM sessions WHERE id = $1",
            &[&session],
        )
        .await?
        .get(0);
    let (status, reason) = closure.outcome(accepted);
    // A forced stop ends now (a pending remote start that never began fails); a lost
    // session ended when the charger last spoke of it.
    let last_sample = closure != Closure::Forced;
    let changed = tx
        .exec(
            "UPDATE sessions SET status = CASE WHEN status = 'pending' THEN 'failed' ELSE $2 END, reason = $3, closed_by = $4, updated_at = $5,
               stopped_at = COALESCE(CASE WHEN $6 THEN (SELECT MAX(sampled_at) FROM meter_values WHERE session_id = $1) END, $7)
             WHERE id = $1 AND status IN ('active', 'pending')",
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
        emit(tx, cp, Event::session(session, false, true, &[])).await?;
    }
    Ok(changed > 0)
}

/// The operator forced the stop of `session` of charger `identity`: it ends now,
/// whatever the charger answered. False when it was not open.
pub(crate) async fn force_stop(tx: &Tx<'_>, identity: &str, session: i64) -> DbResult<bool> {
    let cp = cp_id(tx, identity).await?;
    let mine: bool = tx
        .one(
            "SELECT EXISTS (SELECT 1 FROM sessions WHERE id = $1 AND charge_point_id = $2)",
            &[&session, &cp],
        )
        .await?
        .get(0);
    if !mine {
        return Ok(false);
    }
    close_session(tx, cp, session, Closure::Forced, &now()).await
}

/// A new transaction (`session`) began on `evse` at `started` (the charger's clock):
/// the sessions still open there that started before it are over.
pub(crate) async fn close_superseded(
    tx: &Tx<'_>,
    cp: i64,
    session: i64,
    evse: i64,
    started: &str,
) -> DbResult<()> {
    let older = tx
        .all(
            "SELECT id FROM sessions WHERE charge_point_id = $1 AND evse_network_id = $2
               AND status = 'active' AND id <> $3 AND started_at < $4 ORDER BY id",
            &[&cp, &evse, &session, &started],
        )
        .await?;
    for row in older {
        close_session(tx, cp, row.get(0), Closure::Superseded, started).await?;
    }
    Ok(())
}

/// `evse` was reported without a transaction at `at`: the sessions open there that the
/// gateway learned of before the charger's latest boot are forgotten.
pub(crate) async fn close_forgotten(tx: &Tx<'_>, cp: i64, evse: i64, at: &str) -> DbResult<()> {
    let lost = tx
        .all(
            "SELECT id FROM sessions WHERE charge_point_id = $1 AND evse_network_id = $2 AND status = 'active'
               AND created_at < (SELECT last_boot_at FROM charge_points WHERE id = $1) ORDER BY id",
            &[&cp, &evse],
        )
        .await?;
    for row in lost {
        close_session(tx, cp, row.get(0), Closure::Forgotten, at).await?;
    }
    Ok(())
}

/// The transaction ids of the sessions open on `evse` that the gateway learned of before
/// the charger's latest boot (see the SQLite store).
pub(crate) async fn doubtful_transactions(
    tx: &Tx<'_>,
    identity: &str,
    evse: u32,
) -> DbResult<Vec<String>> {
    let cp = cp_id(tx, identity).await?;
    let rows = tx
        .all(
            "SELECT transaction_id FROM sessions WHERE charge_point_id = $1 AND evse_network_id = $2
               AND status = 'active' AND transaction_id IS NOT NULL
               AND created_at < (SELECT last_boot_at FROM charge_points WHERE id = $1) ORDER BY id",
            &[&cp, &i64::from(evse)],
        )
        .await?;
    Ok(rows.iter().map(|r| r.get(0)).collect())
}

/// The charger said transaction `transaction_id` is over and nothing of it is queued:
/// its session, if still open, is forgotten. Returns whether it was open.
pub(crate) async fn close_forgotten_transaction(
    tx: &Tx<'_>,
    identity: &str,
    transaction_id: &str,
) -> DbResult<bool> {
    let cp = cp_id(tx, identity).await?;
    let found = tx
        .opt(
            "SELECT id FROM sessions WHERE charge_point_id = $1 AND transaction_id = $2 AND status = 'active'",
            &[&cp, &transaction_id],
        )
        .await?;
    match found {
        Some(row) => close_session(tx, cp, row.get(0), Closure::Forgotten, &now()).await,
        None => Ok(false),
    }
}

/// The session a 1.6 StopTransaction with `transactionId` -1 stops: the one open session
/// of the charge point started before the stop, of the stop's id tag when it names one;
/// failing that, the one such session the gateway closed itself.
pub(crate) async fn offline_stop_target(
    tx: &Tx<'_>,
    cp: i64,
    id_tag: Option<&str>,
    stopped: &str,
) -> DbResult<Option<i64>> {
    for open in [true, false] {
        let found = tx
            .all(
                "SELECT id FROM sessions WHERE charge_point_id = $1 AND started_at <= $2
                   AND ($3::TEXT IS NULL OR id_tag = $3)
                   AND CASE WHEN $4 THEN status = 'active' ELSE closed_by = $5 END
                 ORDER BY started_at DESC LIMIT 2",
                &[&cp, &stopped, &id_tag, &open, &CLOSED_BY_GATEWAY],
            )
            .await?;
        match found.as_slice() {
            [one] => return Ok(Some(one.get(0))),
            [] => continue,
            _ => return Ok(None),
        }
    }
    Ok(None)
}
