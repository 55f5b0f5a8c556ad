//! Sessions: 1.6 starts and stops, meter values, 2.0.1 transaction events, and the
//! figures recomputed from stored samples. The 1.6 transaction id is the session row's
//! id: one identity column for the whole cluster, so ids never repeat across nodes.

use chrono::Utc;

use super::super::outbox::{emit, Event};
use super::super::tx::{DbError, DbResult, Tx};
use super::reconcile::{close_superseded, offline_stop_target};
use super::{cp_id, now, set_evse_status, status_name, ts};
use crate::domain::event::TransactionPhase;
use crate::domain::session::{self, base_value, energy_between, SessionStatus, CLOSED_BY_GATEWAY};
use crate::domain::{
    HardwareStatus, MeterSample, StartTransaction, StopTransaction, TransactionUpdate,
};
use crate::store::sqlite::ops::REMOTE_START_WINDOW;
use crate::store::{StopOutcome, StoreError};

async fn insert_samples(
    tx: &Tx<'_>,
    cp: i64,
    session: Option<i64>,
    evse: Option<i64>,
    samples: &[MeterSample],
) -> DbResult<()> {
    for s in samples {
        tx.exec(
            "INSERT INTO meter_values (charge_point_id, session_id, evse_network_id, sampled_at, measurand, phase, unit, context, value)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            &[
                &cp,
                &session,
                &evse,
                &ts(s.timestamp),
                &s.measurand,
                &s.phase,
                &s.unit,
                &s.context,
                &base_value(s),
            ],
        )
        .await?;
    }
    Ok(())
}

/// Recomputes a session's energy, power and SoC from its stored samples (so samples
/// arriving out of order, as offline replays do, give the same figures).
pub(crate) async fn recompute_session(tx: &Tx<'_>, session: i64) -> DbResult<()> {
    let q = format!(
        "SELECT
           (SELECT value FROM meter_values WHERE session_id = $1 AND measurand = '{e}' AND phase IS NULL ORDER BY sampled_at ASC, id ASC LIMIT 1),
           (SELECT value FROM meter_values WHERE session_id = $1 AND measurand = '{e}' AND phase IS NULL ORDER BY sampled_at DESC, id DESC LIMIT 1),
           (SELECT value FROM meter_values WHERE session_id = $1 AND measurand = '{p}' AND phase IS NULL ORDER BY sampled_at DESC, id DESC LIMIT 1),
           (SELECT MAX(value) FROM meter_values WHERE session_id = $1 AND measurand = '{p}' AND phase IS NULL),
           (SELECT value FROM meter_values WHERE session_id = $1 AND measurand = '{s}' ORDER BY sampled_at DESC, id DESC LIMIT 1),
           meter_start_wh, meter_stop_wh, status
         FROM sessions WHERE id = $1",
        e = session::ENERGY_REGISTER,
        p = session::POWER,
        s = session::SOC
    );
    let row = tx.one(&q, &[&session]).await?;
    let reading = |i: usize| row.get::<_, Option<f64>>(i);
    let (first, last, p_latest, p_peak, soc) =
        (reading(0), reading(1), reading(2), reading(3), reading(4));
    let (start, stop, status): (Option<f64>, Option<f64>, String) =
        (row.get(5), row.get(6), row.get(7));
    // 1.6 states the start reading; 2.0.1 has only samples, whose earliest may still
    // arrive (offline replays), so it is derived afresh each time.
    let start = start.or(first);
    let end = if status == SessionStatus::Finished.as_str() {
        stop.or(last)
    } else {
        last.or(stop)
    };
    let energy = energy_between(start, end);
    tx.exec(
        "UPDATE sessions SET meter_last_wh = $2, energy_wh = $3,
           power_latest_w = $4, power_peak_w = $5, soc_percent = COALESCE($6, soc_percent), updated_at = $7
         WHERE id = $1",
        &[&session, &end, &energy, &p_latest, &p_peak, &soc, &now()],
    )
    .await?;
    Ok(())
}

pub(crate) async fn start_transaction(
    tx: &Tx<'_>,
    identity: &str,
    s: &StartTransaction,
) -> DbResult<i32> {
    let cp = cp_id(tx, identity).await?;
    let key = format!(
        "{}|{}|{}|{}",
        s.connector,
        s.id_tag,
        s.meter_start_wh,
        ts(s.timestamp)
    );
    let connector = i64::from(s.connector);
    let meter_start = s.meter_start_wh as f64;
    let reservation = s.reservation_id.map(i64::from);
    let start_status = s.authorization.as_v16();
    let started = ts(s.timestamp);
    let existing: Option<i64> = tx
        .opt(
            "SELECT id FROM sessions WHERE charge_point_id = $1 AND start_key = $2",
            &[&cp, &key],
        )
        .await?
        .map(|r| r.get(0));
    // A remote start's pending session becomes this transaction; its id was the
    // session id from the start, so the platform's `sessionId` stays valid.
    let pending = match existing {
        Some(_) => None,
        None => pending_remote_start(tx, cp, s).await?,
    };
    let id = match (existing, pending) {
        (Some(id), _) => id,
        (None, Some(id)) => {
            tx.exec(
                "UPDATE sessions SET status = 'active', evse_network_id = $2, connector_id = $2, started_at = $3,
                   meter_start_wh = $4, meter_last_wh = $4, reservation_id = $5, start_key = $6,
                   transaction_id = CAST(id AS TEXT), start_status = $8, updated_at = $7
                 WHERE id = $1",
                &[&id, &connector, &started, &meter_start, &reservation, &key, &now(), &start_status],
            )
            .await?;
            emit(tx, cp, Event::session(id, true, false, &[])).await?;
            close_superseded(tx, cp, id, connector, &started).await?;
            id
        }
        (None, None) => {
            let n = now();
            let id: i64 = tx
                .one(
                    "INSERT INTO sessions (charge_point_id, evse_network_id, connector_id, status, id_tag, started_at,
                       meter_start_wh, meter_last_wh, reservation_id, start_key, start_status, created_at, updated_at)
                     VALUES ($1, $2, $2, 'active', $3, $4, $5, $5, $6, $7, $9, $8, $8) RETURNING id",
                    &[&cp, &connector, &s.id_tag, &started, &meter_start, &reservation, &key, &n, &start_status],
                )
                .await?
                .get(0);
            tx.exec(
                "UPDATE sessions SET transaction_id = CAST(id AS TEXT) WHERE id = $1",
                &[&id],
            )
            .await?;
            emit(tx, cp, Event::session(id, true, false, &[])).await?;
            close_superseded(tx, cp, id, connector, &started).await?;
            id
        }
    };
    i32::try_from(id).map_err(|_| {
        DbError::Store(StoreError::Unavailable(
            "transaction ids exhausted the int32 range".into(),
        ))
    })
}

/// The oldest pending remote-start session of this charge point for the same id tag on
/// the same connector (or on any, when the start named none), younger than the window.
async fn pending_remote_start(tx: &Tx<'_>, cp: i64, s: &StartTransaction) -> DbResult<Option<i64>> {
    let since = ts(Utc::now() - REMOTE_START_WINDOW);
    Ok(tx
        .opt(
            "SELECT id FROM sessions WHERE charge_point_id = $1 AND status = 'pending' AND id_tag = $2
               AND (connector_id IS NULL OR connector_id = $3) AND created_at >= $4
             ORDER BY id LIMIT 1",
            &[&cp, &s.id_tag, &i64::from(s.connector), &since],
        )
        .await?
        .map(|r| r.get(0)))
}

async fn session_by_transaction(
    tx: &Tx<'_>,
    cp: i64,
    transaction_id: &str,
) -> DbResult<Option<(i64, String)>> {
    Ok(tx
        .opt(
            "SELECT id, status FROM sessions WHERE charge_point_id = $1 AND transaction_id = $2",
            &[&cp, &transaction_id],
        )
        .await?
        .map(|r| (r.get(0), r.get(1))))
}

pub(crate) async fn stop_transaction(
    tx: &Tx<'_>,
    identity: &str,
    s: &StopTransaction,
) -> DbResult<StopOutcome> {
    let cp = cp_id(tx, identity).await?;
    let tid = s.transaction_id.to_string();
    let reason = s.reason.as_deref().map(session::stop_reason);
    let meter_stop = s.meter_stop_wh as f64;
    let found = if s.transaction_id < 0 {
        // A start the charger made offline and never learned the id of.
        offline_stop_target(tx, cp, s.id_tag.as_deref(), &ts(s.timestamp)).await?
    } else {
        session_by_transaction(tx, cp, &tid)
            .await?
            .map(|(id, _)| id)
    };
    let Some(session) = found else {
        tx.exec(
            "INSERT INTO unmatched_stops (charge_point_id, transaction_id, id_tag, meter_stop_wh, stopped_at, reason, received_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[&cp, &tid, &s.id_tag, &meter_stop, &ts(s.timestamp), &reason, &now()],
        )
        .await?;
        insert_samples(tx, cp, None, None, &s.samples).await?;
        return Ok(StopOutcome::Unknown);
    };
    let row = tx
        .one(
            "SELECT status, closed_by FROM sessions WHERE id = $1",
            &[&session],
        )
        .await?;
    let (status, closed_by): (String, Option<String>) = (row.get(0), row.get(1));
    // The gateway's own close gives way to the charger's stop (see `reconcile`).
    let closed_here = closed_by.as_deref() == Some(CLOSED_BY_GATEWAY);
    if status == SessionStatus::Finished.as_str() && !closed_here {
        return Ok(StopOutcome::AlreadyStopped);
    }
    insert_samples(tx, cp, Some(session), None, &s.samples).await?;
    tx.exec(
        "UPDATE sessions SET status = 'finished', stopped_at = $2, meter_stop_wh = $3,
           reason = COALESCE($4, 'local'), closed_by = NULL, updated_at = $5 WHERE id = $1",
        &[&session, &ts(s.timestamp), &meter_stop, &reason, &now()],
    )
    .await?;
    recompute_session(tx, session).await?;
    // A session the gateway closed had its stop notified then: now its figures change.
    emit(
        tx,
        cp,
        Event::session(session, false, !closed_here, &s.samples),
    )
    .await?;
    Ok(StopOutcome::Stopped)
}

pub(crate) async fn record_meter_values(
    tx: &Tx<'_>,
    identity: &str,
    evse: u32,
    transaction_id: Option<&str>,
    samples: &[MeterSample],
) -> DbResult<()> {
    let cp = cp_id(tx, identity).await?;
    let session = match transaction_id {
        Some(t) => session_by_transaction(tx, cp, t).await?,
        None => None,
    };
    let id = session.map(|s| s.0);
    insert_samples(tx, cp, id, Some(i64::from(evse)), samples).await?;
    if let Some(id) = id {
        recompute_session(tx, id).await?;
        emit(tx, cp, Event::session(id, false, false, samples)).await?;
    }
    Ok(())
}

pub(crate) async fn transaction_event(
    tx: &Tx<'_>,
    identity: &str,
    u: &TransactionUpdate,
) -> DbResult<()> {
    let cp = cp_id(tx, identity).await?;
    let n = now();
    let at = ts(u.timestamp);
    let mut found = session_by_transaction(tx, cp, &u.transaction_id).await?;
    if found.is_none() {
        if let Some(remote) = u.remote_start_id {
            // A remote start's pending session becomes this transaction.
            let claimed: Option<i64> = tx
                .opt(
                    "UPDATE sessions SET transaction_id = $3, status = 'active', updated_at = $4
                     WHERE charge_point_id = $1 AND remote_start_id = $2 AND status = 'pending'
                     RETURNING id",
                    &[&cp, &remote, &u.transaction_id, &n],
                )
                .await?
                .map(|r| r.get(0));
            found = claimed.map(|id| (id, "pending".to_owned()));
        }
    }
    let (session, created, was_closed) = match found {
        Some((id, status)) if status == "pending" => (id, true, false),
        // Closed before: by the charger (a replay never reopens it) or by the gateway
        // (whose stop was notified then; the charger's Ended still applies).
        Some((id, status)) => (id, false, status != SessionStatus::Active.as_str()),
        None => (
            tx.one(
                "INSERT INTO sessions (charge_point_id, transaction_id, status, started_at, created_at, updated_at)
                 VALUES ($1, $2, 'active', $3, $4, $4) RETURNING id",
                &[&cp, &u.transaction_id, &at, &n],
            )
            .await?
            .get(0),
            true,
            false,
        ),
    };
    let phase = match u.event {
        TransactionPhase::Started => "Started",
        TransactionPhase::Updated => "Updated",
        TransactionPhase::Ended => "Ended",
    };
    let seq_no = i64::from(u.seq_no);
    let fresh = tx
        .exec(
            "INSERT INTO transaction_events (session_id, seq_no, event_type, occurred_at, offline)
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (session_id, seq_no) DO NOTHING",
            &[&session, &seq_no, &phase, &at, &u.offline],
        )
        .await?;
    if fresh == 0 {
        // The same event again (its answer was lost): nothing new.
        return Ok(());
    }
    let newest: bool = tx
        .one(
            "SELECT COALESCE(MAX(seq_no), -1) = $2 FROM transaction_events WHERE session_id = $1",
            &[&session, &seq_no],
        )
        .await?
        .get(0);
    let evse = u.evse.map(i64::from);
    let connector = u.connector.or(u.evse).map(i64::from);
    // Facts that hold whatever the order: where, who, and the earliest start.
    tx.exec(
        "UPDATE sessions SET
           evse_network_id = COALESCE(evse_network_id, $2), connector_id = COALESCE(connector_id, $3),
           id_tag = COALESCE(id_tag, $4),
           started_at = CASE WHEN started_at IS NULL OR started_at > $5 THEN $5 ELSE started_at END,
           last_seq_no = GREATEST(COALESCE(last_seq_no, -1), $6), updated_at = $7
         WHERE id = $1",
        &[&session, &evse, &connector, &u.id_token, &at, &seq_no, &n],
    )
    .await?;
    if newest {
        if let Some(state) = &u.charging_state {
            tx.exec(
                "UPDATE sessions SET charging_state = $2 WHERE id = $1",
                &[&session, state],
            )
            .await?;
        }
    }
    if created {
        if let Some(evse) = evse {
            close_superseded(tx, cp, session, evse, &at).await?;
        }
    }
    if u.event == TransactionPhase::Ended {
        // Ended is final: a later replay never reopens the session. It replaces what the
        // gateway decided when it closed the session itself.
        tx.exec(
            "UPDATE sessions SET status = 'finished', stopped_at = $2,
               reason = COALESCE($3, CASE WHEN closed_by IS NULL THEN reason END, 'local'), closed_by = NULL
             WHERE id = $1",
            &[&session, &at, &u.stopped_reason.as_deref().map(session::stop_reason)],
        )
        .await?;
    }
    insert_samples(tx, cp, Some(session), evse, &u.samples).await?;
    recompute_session(tx, session).await?;
    refine_evse_status(tx, cp, session, u).await?;
    let stopped = u.event == TransactionPhase::Ended && !was_closed;
    emit(
        tx,
        cp,
        Event::session(session, created, stopped, &u.samples),
    )
    .await
}

/// A 2.0.1 transaction refines its EVSE's status: the charging state while it runs,
/// `finishing` once it ended on an EVSE still occupied.
async fn refine_evse_status(
    tx: &Tx<'_>,
    cp: i64,
    session: i64,
    u: &TransactionUpdate,
) -> DbResult<()> {
    let row = tx
        .one(
            "SELECT evse_network_id, connector_id, status, charging_state FROM sessions WHERE id = $1",
            &[&session],
        )
        .await?;
    let (evse, connector, status, state): (Option<i64>, Option<i64>, String, Option<String>) =
        (row.get(0), row.get(1), row.get(2), row.get(3));
    let Some(evse) = evse else { return Ok(()) };
    let current: Option<String> = tx
        .opt(
            "SELECT hardware_status FROM evses WHERE charge_point_id = $1 AND network_id = $2",
            &[&cp, &evse],
        )
        .await?
        .map(|r| r.get(0));
    let occupied = !matches!(
        current.as_deref(),
        Some("available" | "unavailable" | "faulted" | "reserved")
    );
    let new = if status == SessionStatus::Finished.as_str() {
        occupied.then_some(HardwareStatus::Finishing)
    } else {
        state
            .as_deref()
            .and_then(HardwareStatus::from_charging_state)
    };
    if let Some(new) = new {
        if current.as_deref() != Some(status_name(new).as_str()) {
            set_evse_status(
                tx,
                cp,
                evse,
                connector.unwrap_or(1),
                new,
                None,
                &ts(u.timestamp),
            )
            .await?;
        }
    }
    Ok(())
}
