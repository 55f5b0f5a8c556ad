//! Sessions: 1.6 starts and stops, meter values, 2.0.1 transaction events. Their figures
//! are recomputed from the stored samples (`figures`); sessions the charger lost are
//! closed by `reconcile`. The 1.6 transaction id is the session row's id (on PostgreSQL
//! one identity column for the whole cluster, so ids never repeat across nodes).

use chrono::Utc;

use super::charger::set_evse_status;
use super::figures::{insert_samples, recompute_session, Peak};
use super::reconcile::{close_superseded, offline_stop_target};
use crate::domain::event::TransactionPhase;
use crate::domain::session::{self, SessionStatus, CLOSED_BY_GATEWAY};
use crate::domain::{
    HardwareStatus, MeterSample, StartTransaction, StopTransaction, TransactionUpdate,
};
use crate::store::sql::outbox::{emit, Event};
use crate::store::sql::{cp_id, now, status_name, ts, Db, DbError, DbResult};
use crate::store::{StopOutcome, StoreError};

pub async fn start_transaction(
    db: &impl Db,
    identity: &str,
    s: &StartTransaction,
) -> DbResult<i32> {
    let cp = cp_id(db, identity).await?;
    let started = ts(s.timestamp);
    let key = format!(
        "{}|{}|{}|{}",
        s.connector, s.id_tag, s.meter_start_wh, started
    );
    let meter_start = s.meter_start_wh as f64;
    let start_status = s.authorization.as_v16();
    let existing: Option<i64> = match db
        .opt(
            "SELECT id FROM sessions WHERE charge_point_id = ?1 AND start_key = ?2",
            &[&cp, &key],
        )
        .await?
    {
        Some(r) => Some(r.get(0)?),
        None => None,
    };
    // A remote start's pending session becomes this transaction; its id was the
    // session id from the start, so the platform's `sessionId` stays valid.
    let pending = match existing {
        Some(_) => None,
        None => pending_remote_start(db, cp, s).await?,
    };
    let id = match (existing, pending) {
        (Some(id), _) => id,
        (None, Some(id)) => {
            db.exec(
                "UPDATE sessions SET status = 'active', evse_network_id = ?2, connector_id = ?2, started_at = ?3,
                   meter_start_wh = ?4, meter_last_wh = ?4, reservation_id = ?5, start_key = ?6,
                   transaction_id = CAST(id AS TEXT), start_status = ?8, updated_at = ?7
                 WHERE id = ?1",
                &[
                    &id,
                    &s.connector,
                    &started,
                    &meter_start,
                    &s.reservation_id,
                    &key,
                    &now(),
                    &start_status,
                ],
            )
            .await?;
            close_superseded(db, cp, id, s.connector, &started).await?;
            emit(db, cp, Event::session(id, true, false, &[])).await?;
            id
        }
        (None, None) => {
            let n = now();
            let id: i64 = db
                .scalar(
                    "INSERT INTO sessions (charge_point_id, evse_network_id, connector_id, status, id_tag, started_at,
                       meter_start_wh, meter_last_wh, reservation_id, start_key, start_status, created_at, updated_at)
                     VALUES (?1, ?2, ?2, 'active', ?3, ?4, ?5, ?5, ?6, ?7, ?9, ?8, ?8) RETURNING id",
                    &[
                        &cp,
                        &s.connector,
                        &s.id_tag,
                        &started,
                        &meter_start,
                        &s.reservation_id,
                        &key,
                        &n,
                        &start_status,
                    ],
                ).await?;
            db.exec(
                "UPDATE sessions SET transaction_id = CAST(id AS TEXT) WHERE id = ?1",
                &[&id],
            )
            .await?;
            emit(db, cp, Event::session(id, true, false, &[])).await?;
            close_superseded(db, cp, id, s.connector, &started).await?;
            id
        }
    };
    i32::try_from(id).map_err(|_| {
        DbError::Store(StoreError::unavailable(
            "transaction ids exhausted the int32 range",
        ))
    })
}

/// How long a remote start's pending session waits for the 1.6 StartTransaction.
pub const REMOTE_START_WINDOW: chrono::Duration = chrono::Duration::minutes(5);

/// The oldest pending remote-start session of this charge point for the same id tag on
/// the same connector (or on any, when the start named none), younger than the window.
async fn pending_remote_start(
    db: &impl Db,
    cp: i64,
    s: &StartTransaction,
) -> DbResult<Option<i64>> {
    let since = ts(Utc::now() - REMOTE_START_WINDOW);
    match db
        .opt(
            "SELECT id FROM sessions WHERE charge_point_id = ?1 AND status = 'pending' AND id_tag = ?2
               AND (connector_id IS NULL OR connector_id = ?3) AND created_at >= ?4
             ORDER BY id LIMIT 1",
            &[&cp, &s.id_tag, &s.connector, &since],
        )
        .await?
    {
        Some(r) => Ok(Some(r.get(0)?)),
        None => Ok(None),
    }
}

async fn session_by_transaction(
    db: &impl Db,
    cp: i64,
    transaction_id: &str,
) -> DbResult<Option<(i64, String)>> {
    match db
        .opt(
            "SELECT id, status FROM sessions WHERE charge_point_id = ?1 AND transaction_id = ?2",
            &[&cp, &transaction_id],
        )
        .await?
    {
        Some(r) => Ok(Some((r.get(0)?, r.get(1)?))),
        None => Ok(None),
    }
}

pub async fn stop_transaction(
    db: &impl Db,
    identity: &str,
    s: &StopTransaction,
) -> DbResult<StopOutcome> {
    let cp = cp_id(db, identity).await?;
    let tid = s.transaction_id.to_string();
    let stopped = ts(s.timestamp);
    let reason = s.reason.as_deref().map(session::stop_reason);
    let meter_stop = s.meter_stop_wh as f64;
    let found = if s.transaction_id < 0 {
        // A start the charger made offline and never learned the id of.
        offline_stop_target(db, cp, s.id_tag.as_deref(), &stopped).await?
    } else {
        session_by_transaction(db, cp, &tid)
            .await?
            .map(|(id, _)| id)
    };
    let Some(session) = found else {
        db.exec(
            "INSERT INTO unmatched_stops (charge_point_id, transaction_id, id_tag, meter_stop_wh, stopped_at, reason, received_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            &[&cp, &tid, &s.id_tag, &meter_stop, &stopped, &reason, &now()],
        )
        .await?;
        insert_samples(db, cp, None, None, &s.samples).await?;
        return Ok(StopOutcome::Unknown);
    };
    let row = db
        .one(
            "SELECT status, closed_by FROM sessions WHERE id = ?1",
            &[&session],
        )
        .await?;
    let (status, closed_by): (String, Option<String>) = (row.get(0)?, row.get(1)?);
    // The gateway's own close gives way to the charger's stop (see `reconcile`).
    let closed_here = closed_by.as_deref() == Some(CLOSED_BY_GATEWAY);
    if status == SessionStatus::Finished.as_str() && !closed_here {
        return Ok(StopOutcome::AlreadyStopped);
    }
    insert_samples(db, cp, Some(session), None, &s.samples).await?;
    db.exec(
        "UPDATE sessions SET status = 'finished', stopped_at = ?2, meter_stop_wh = ?3,
           reason = COALESCE(?4, 'local'), closed_by = NULL, updated_at = ?5 WHERE id = ?1",
        &[&session, &stopped, &meter_stop, &reason, &now()],
    )
    .await?;
    recompute_session(db, session, Peak::Added(&s.samples)).await?;
    // A session the gateway closed had its stop notified then: now its figures change.
    emit(
        db,
        cp,
        Event::session(session, false, !closed_here, &s.samples),
    )
    .await?;
    Ok(StopOutcome::Stopped)
}

pub async fn record_meter_values(
    db: &impl Db,
    identity: &str,
    evse: u32,
    transaction_id: Option<&str>,
    samples: &[MeterSample],
) -> DbResult<()> {
    let cp = cp_id(db, identity).await?;
    let session = match transaction_id {
        Some(t) => session_by_transaction(db, cp, t).await?,
        None => None,
    };
    let id = session.map(|s| s.0);
    insert_samples(db, cp, id, Some(evse), samples).await?;
    if let Some(id) = id {
        recompute_session(db, id, Peak::Added(samples)).await?;
        emit(db, cp, Event::session(id, false, false, samples)).await?;
    }
    Ok(())
}

pub async fn transaction_event(
    db: &impl Db,
    identity: &str,
    u: &TransactionUpdate,
) -> DbResult<()> {
    let cp = cp_id(db, identity).await?;
    let n = now();
    let at = ts(u.timestamp);
    let mut found = session_by_transaction(db, cp, &u.transaction_id).await?;
    if found.is_none() {
        if let Some(remote) = u.remote_start_id {
            // A remote start's pending session becomes this transaction.
            let claimed = db
                .opt(
                    "UPDATE sessions SET transaction_id = ?3, status = 'active', updated_at = ?4
                     WHERE charge_point_id = ?1 AND remote_start_id = ?2 AND status = 'pending'
                     RETURNING id",
                    &[&cp, &remote, &u.transaction_id, &n],
                )
                .await?;
            found = match claimed {
                Some(r) => Some((r.get(0)?, "pending".to_owned())),
                None => None,
            };
        }
    }
    let (session, created, was_closed) = match found {
        Some((id, status)) if status == "pending" => (id, true, false),
        // Closed before: by the charger (a replay never reopens it) or by the gateway
        // (whose stop was notified then; the charger's Ended still applies).
        Some((id, status)) => (id, false, status != SessionStatus::Active.as_str()),
        None => (
            db.scalar(
                "INSERT INTO sessions (charge_point_id, transaction_id, status, started_at, created_at, updated_at)
                 VALUES (?1, ?2, 'active', ?3, ?4, ?4) RETURNING id",
                &[&cp, &u.transaction_id, &at, &n],
            ).await?,
            true,
            false,
        ),
    };
    let phase = match u.event {
        TransactionPhase::Started => "Started",
        TransactionPhase::Updated => "Updated",
        TransactionPhase::Ended => "Ended",
    };
    let fresh = db
        .exec(
            "INSERT INTO transaction_events (session_id, seq_no, event_type, occurred_at, offline)
             VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (session_id, seq_no) DO NOTHING",
            &[&session, &u.seq_no, &phase, &at, &u.offline],
        )
        .await?;
    if fresh == 0 {
        // The same event again (its answer was lost): nothing new.
        return Ok(());
    }
    let newest: bool = db
        .scalar(
            "SELECT COALESCE(MAX(seq_no), -1) = ?2 FROM transaction_events WHERE session_id = ?1",
            &[&session, &u.seq_no],
        )
        .await?;
    // Facts that hold whatever the order: where, who, and the earliest start.
    let facts = format!(
        "UPDATE sessions SET
           evse_network_id = COALESCE(evse_network_id, ?2), connector_id = COALESCE(connector_id, ?3),
           id_tag = COALESCE(id_tag, ?4),
           started_at = CASE WHEN started_at IS NULL OR started_at > ?5 THEN ?5 ELSE started_at END,
           last_seq_no = {greatest}(COALESCE(last_seq_no, -1), ?6), updated_at = ?7
         WHERE id = ?1",
        greatest = db.dialect().greatest()
    );
    db.exec(
        &facts,
        &[
            &session,
            &u.evse,
            &u.connector.or(u.evse),
            &u.id_token,
            &at,
            &u.seq_no,
            &n,
        ],
    )
    .await?;
    if newest {
        if let Some(state) = &u.charging_state {
            db.exec(
                "UPDATE sessions SET charging_state = ?2 WHERE id = ?1",
                &[&session, state],
            )
            .await?;
        }
    }
    if created {
        if let Some(evse) = u.evse {
            close_superseded(db, cp, session, evse, &at).await?;
        }
    }
    if u.event == TransactionPhase::Ended {
        // Ended is final: a later replay never reopens the session. It replaces what the
        // gateway decided when it closed the session itself.
        db.exec(
            "UPDATE sessions SET status = 'finished', stopped_at = ?2,
               reason = COALESCE(?3, CASE WHEN closed_by IS NULL THEN reason END, 'local'), closed_by = NULL
             WHERE id = ?1",
            &[
                &session,
                &at,
                &u.stopped_reason.as_deref().map(session::stop_reason),
            ],
        )
        .await?;
    }
    insert_samples(db, cp, Some(session), u.evse, &u.samples).await?;
    recompute_session(db, session, Peak::Added(&u.samples)).await?;
    refine_evse_status(db, cp, session, u).await?;
    let stopped = u.event == TransactionPhase::Ended && !was_closed;
    emit(
        db,
        cp,
        Event::session(session, created, stopped, &u.samples),
    )
    .await
}

/// A 2.0.1 transaction refines its EVSE's status: the charging state while it runs,
/// `finishing` once it ended on an EVSE still occupied.
async fn refine_evse_status(
    db: &impl Db,
    cp: i64,
    session: i64,
    u: &TransactionUpdate,
) -> DbResult<()> {
    let row = db
        .one(
            "SELECT evse_network_id, connector_id, status, charging_state FROM sessions WHERE id = ?1",
            &[&session],
        )
        .await?;
    let (evse, connector, status, state): (Option<u32>, Option<u32>, String, Option<String>) =
        (row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?);
    let Some(evse) = evse else { return Ok(()) };
    let current: Option<String> = match db
        .opt(
            "SELECT hardware_status FROM evses WHERE charge_point_id = ?1 AND network_id = ?2",
            &[&cp, &evse],
        )
        .await?
    {
        Some(r) => r.get(0)?,
        None => None,
    };
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
                db,
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
