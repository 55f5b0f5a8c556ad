//! Sessions: 1.6 starts and stops, meter values, 2.0.1 transaction events. Their figures
//! are recomputed from the stored samples (`figures`); sessions the charger lost are
//! closed by `reconcile`.

use chrono::Utc;
use rusqlite::{params, OptionalExtension, Transaction};

use super::super::outbox::{emit, Event};
use super::figures::{insert_samples, recompute_session, Peak};
use super::reconcile::{close_superseded, offline_stop_target};
use super::{cp_id, now, set_evse_status, status_name, ts};
use crate::domain::event::TransactionPhase;
use crate::domain::session::{self, SessionStatus, CLOSED_BY_GATEWAY};
use crate::domain::{
    HardwareStatus, MeterSample, StartTransaction, StopTransaction, TransactionUpdate,
};
use crate::store::StopOutcome;

pub fn start_transaction(
    tx: &Transaction<'_>,
    identity: &str,
    s: &StartTransaction,
) -> rusqlite::Result<i32> {
    let cp = cp_id(tx, identity)?;
    let key = format!(
        "{}|{}|{}|{}",
        s.connector,
        s.id_tag,
        s.meter_start_wh,
        ts(s.timestamp)
    );
    let existing: Option<i64> = tx
        .prepare_cached("SELECT id FROM sessions WHERE charge_point_id = ?1 AND start_key = ?2")?
        .query_row(params![cp, key], |r| r.get(0))
        .optional()?;
    // A remote start's pending session becomes this transaction; its id was the
    // session id from the start, so the platform's `sessionId` stays valid.
    let pending = match existing {
        Some(_) => None,
        None => pending_remote_start(tx, cp, s)?,
    };
    let id = match (existing, pending) {
        (Some(id), _) => id,
        (None, Some(id)) => {
            tx.prepare_cached(
                "UPDATE sessions SET status = 'active', evse_network_id = ?2, connector_id = ?2, started_at = ?3,
                   meter_start_wh = ?4, meter_last_wh = ?4, reservation_id = ?5, start_key = ?6,
                   transaction_id = CAST(id AS TEXT), start_status = ?8, updated_at = ?7
                 WHERE id = ?1",
            )?
            .execute(params![
                id,
                s.connector,
                ts(s.timestamp),
                s.meter_start_wh as f64,
                s.reservation_id,
                key,
                now(),
                s.authorization.as_v16()
            ])?;
            close_superseded(tx, cp, id, s.connector, &ts(s.timestamp))?;
            emit(tx, cp, Event::session(id, true, false, &[]))?;
            id
        }
        (None, None) => {
            let n = now();
            let id: i64 = tx
                .prepare_cached(
                    "INSERT INTO sessions (charge_point_id, evse_network_id, connector_id, status, id_tag, started_at,
                       meter_start_wh, meter_last_wh, reservation_id, start_key, start_status, created_at, updated_at)
                     VALUES (?1, ?2, ?2, 'active', ?3, ?4, ?5, ?5, ?6, ?7, ?9, ?8, ?8) RETURNING id",
                )?
                .query_row(
                    params![
                        cp,
                        s.connector,
                        s.id_tag,
                        ts(s.timestamp),
                        s.meter_start_wh as f64,
                        s.reservation_id,
                        key,
                        n,
                        s.authorization.as_v16()
                    ],
                    |r| r.get(0),
                )?;
            tx.prepare_cached(
                "UPDATE sessions SET transaction_id = CAST(id AS TEXT) WHERE id = ?1",
            )?
            .execute([id])?;
            emit(tx, cp, Event::session(id, true, false, &[]))?;
            close_superseded(tx, cp, id, s.connector, &ts(s.timestamp))?;
            id
        }
    };
    i32::try_from(id).map_err(|_| {
        rusqlite::Error::ToSqlConversionFailure("transaction ids exhausted the int32 range".into())
    })
}

/// How long a remote start's pending session waits for the 1.6 StartTransaction.
pub(crate) const REMOTE_START_WINDOW: chrono::Duration = chrono::Duration::minutes(5);

/// The oldest pending remote-start session of this charge point for the same id tag on
/// the same connector (or on any, when the start named none), younger than the window.
fn pending_remote_start(
    tx: &Transaction<'_>,
    cp: i64,
    s: &StartTransaction,
) -> rusqlite::Result<Option<i64>> {
    let since = ts(Utc::now() - REMOTE_START_WINDOW);
    tx.prepare_cached(
        "SELECT id FROM sessions WHERE charge_point_id = ?1 AND status = 'pending' AND id_tag = ?2
           AND (connector_id IS NULL OR connector_id = ?3) AND created_at >= ?4
         ORDER BY id LIMIT 1",
    )?
    .query_row(params![cp, s.id_tag, s.connector, since], |r| r.get(0))
    .optional()
}

fn session_by_transaction(
    tx: &Transaction<'_>,
    cp: i64,
    transaction_id: &str,
) -> rusqlite::Result<Option<(i64, String)>> {
    tx.prepare_cached(
        "SELECT id, status FROM sessions WHERE charge_point_id = ?1 AND transaction_id = ?2",
    )?
    .query_row(params![cp, transaction_id], |r| Ok((r.get(0)?, r.get(1)?)))
    .optional()
}

pub fn stop_transaction(
    tx: &Transaction<'_>,
    identity: &str,
    s: &StopTransaction,
) -> rusqlite::Result<StopOutcome> {
    let cp = cp_id(tx, identity)?;
    let tid = s.transaction_id.to_string();
    let found = if s.transaction_id < 0 {
        // A start the charger made offline and never learned the id of.
        offline_stop_target(tx, cp, s.id_tag.as_deref(), &ts(s.timestamp))?
    } else {
        session_by_transaction(tx, cp, &tid)?.map(|(id, _)| id)
    };
    let Some(session) = found else {
        tx.prepare_cached(
            "INSERT INTO unmatched_stops (charge_point_id, transaction_id, id_tag, meter_stop_wh, stopped_at, reason, received_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?
        .execute(params![
            cp,
            tid,
            s.id_tag,
            s.meter_stop_wh as f64,
            ts(s.timestamp),
            s.reason.as_deref().map(session::stop_reason),
            now()
        ])?;
        insert_samples(tx, cp, None, None, &s.samples)?;
        return Ok(StopOutcome::Unknown);
    };
    let (status, closed_by): (String, Option<String>) = tx
        .prepare_cached("SELECT status, closed_by FROM sessions WHERE id = ?1")?
        .query_row([session], |r| Ok((r.get(0)?, r.get(1)?)))?;
    // The gateway's own close gives way to the charger's stop (see `reconcile`).
    let closed_here = closed_by.as_deref() == Some(CLOSED_BY_GATEWAY);
    if status == SessionStatus::Finished.as_str() && !closed_here {
        return Ok(StopOutcome::AlreadyStopped);
    }
    insert_samples(tx, cp, Some(session), None, &s.samples)?;
    tx.prepare_cached(
        "UPDATE sessions SET status = 'finished', stopped_at = ?2, meter_stop_wh = ?3,
           reason = COALESCE(?4, 'local'), closed_by = NULL, updated_at = ?5 WHERE id = ?1",
    )?
    .execute(params![
        session,
        ts(s.timestamp),
        s.meter_stop_wh as f64,
        s.reason.as_deref().map(session::stop_reason),
        now()
    ])?;
    recompute_session(tx, session, Peak::Added(&s.samples))?;
    // A session the gateway closed had its stop notified then: now its figures change.
    emit(
        tx,
        cp,
        Event::session(session, false, !closed_here, &s.samples),
    )?;
    Ok(StopOutcome::Stopped)
}

pub fn record_meter_values(
    tx: &Transaction<'_>,
    identity: &str,
    evse: u32,
    transaction_id: Option<&str>,
    samples: &[MeterSample],
) -> rusqlite::Result<()> {
    let cp = cp_id(tx, identity)?;
    let session = match transaction_id {
        Some(t) => session_by_transaction(tx, cp, t)?,
        None => None,
    };
    insert_samples(tx, cp, session.as_ref().map(|s| s.0), Some(evse), samples)?;
    if let Some((id, _)) = session {
        recompute_session(tx, id, Peak::Added(samples))?;
        emit(tx, cp, Event::session(id, false, false, samples))?;
    }
    Ok(())
}

pub fn transaction_event(
    tx: &Transaction<'_>,
    identity: &str,
    u: &TransactionUpdate,
) -> rusqlite::Result<()> {
    let cp = cp_id(tx, identity)?;
    let n = now();
    let at = ts(u.timestamp);
    let mut found = session_by_transaction(tx, cp, &u.transaction_id)?;
    if found.is_none() {
        if let Some(remote) = u.remote_start_id {
            // A remote start's pending session becomes this transaction.
            let claimed: Option<i64> = tx
                .prepare_cached(
                    "UPDATE sessions SET transaction_id = ?3, status = 'active', updated_at = ?4
                     WHERE charge_point_id = ?1 AND remote_start_id = ?2 AND status = 'pending'
                     RETURNING id",
                )?
                .query_row(params![cp, remote, u.transaction_id, n], |r| r.get(0))
                .optional()?;
            found = claimed.map(|id| (id, "pending".to_owned()));
        }
    }
    let (session, created, was_closed) = match found {
        Some((id, status)) if status == "pending" => (id, true, false),
        // Closed before: by the charger (a replay never reopens it) or by the gateway
        // (whose stop was notified then; the charger's Ended still applies).
        Some((id, status)) => (id, false, status != SessionStatus::Active.as_str()),
        None => (
            tx
            .prepare_cached(
                "INSERT INTO sessions (charge_point_id, transaction_id, status, started_at, created_at, updated_at)
                 VALUES (?1, ?2, 'active', ?3, ?4, ?4) RETURNING id",
            )?
            .query_row(params![cp, u.transaction_id, at, n], |r| r.get(0))?,
            true,
            false,
        ),
    };
    let phase = match u.event {
        TransactionPhase::Started => "Started",
        TransactionPhase::Updated => "Updated",
        TransactionPhase::Ended => "Ended",
    };
    let fresh = tx
        .prepare_cached(
            "INSERT INTO transaction_events (session_id, seq_no, event_type, occurred_at, offline)
             VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (session_id, seq_no) DO NOTHING",
        )?
        .execute(params![session, u.seq_no, phase, at, u.offline])?;
    if fresh == 0 {
        // The same event again (its answer was lost): nothing new.
        return Ok(());
    }
    let newest: bool = tx
        .prepare_cached(
            "SELECT COALESCE(MAX(seq_no), -1) = ?2 FROM transaction_events WHERE session_id = ?1",
        )?
        .query_row(params![session, u.seq_no], |r| r.get(0))?;
    // Facts that hold whatever the order: where, who, and the earliest start.
    tx.prepare_cached(
        "UPDATE sessions SET
           evse_network_id = COALESCE(evse_network_id, ?2), connector_id = COALESCE(connector_id, ?3),
           id_tag = COALESCE(id_tag, ?4),
           started_at = CASE WHEN started_at IS NULL OR started_at > ?5 THEN ?5 ELSE started_at END,
           last_seq_no = MAX(COALESCE(last_seq_no, -1), ?6), updated_at = ?7
         WHERE id = ?1",
    )?
    .execute(params![
        session,
        u.evse,
        u.connector.or(u.evse),
        u.id_token,
        at,
        u.seq_no,
        n
    ])?;
    if newest {
        if let Some(state) = &u.charging_state {
            tx.prepare_cached("UPDATE sessions SET charging_state = ?2 WHERE id = ?1")?
                .execute(params![session, state])?;
        }
    }
    if created {
        if let Some(evse) = u.evse {
            close_superseded(tx, cp, session, evse, &at)?;
        }
    }
    if u.event == TransactionPhase::Ended {
        // Ended is final: a later replay never reopens the session. It replaces what the
        // gateway decided when it closed the session itself.
        tx.prepare_cached(
            "UPDATE sessions SET status = 'finished', stopped_at = ?2,
               reason = COALESCE(?3, CASE WHEN closed_by IS NULL THEN reason END, 'local'), closed_by = NULL
             WHERE id = ?1",
        )?
        .execute(params![
            session,
            at,
            u.stopped_reason.as_deref().map(session::stop_reason)
        ])?;
    }
    insert_samples(tx, cp, Some(session), u.evse, &u.samples)?;
    recompute_session(tx, session, Peak::Added(&u.samples))?;
    refine_evse_status(tx, cp, session, u)?;
    let stopped = u.event == TransactionPhase::Ended && !was_closed;
    emit(
        tx,
        cp,
        Event::session(session, created, stopped, &u.samples),
    )?;
    Ok(())
}

/// A 2.0.1 transaction refines its EVSE's status: the charging state while it runs,
/// `finishing` once it ended on an EVSE still occupied.
fn refine_evse_status(
    tx: &Transaction<'_>,
    cp: i64,
    session: i64,
    u: &TransactionUpdate,
) -> rusqlite::Result<()> {
    let (evse, connector, status, state): (Option<u32>, Option<u32>, String, Option<String>) = tx
        .prepare_cached(
            "SELECT evse_network_id, connector_id, status, charging_state FROM sessions WHERE id = ?1",
        )?
        .query_row([session], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
    let Some(evse) = evse else { return Ok(()) };
    let current: Option<String> = tx
        .prepare_cached(
            "SELECT hardware_status FROM evses WHERE charge_point_id = ?1 AND network_id = ?2",
        )?
        .query_row(params![cp, evse], |r| r.get(0))
        .optional()?;
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
            )?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::sqlite::schema;
    use chrono::TimeZone;

    type Figures = (
        Option<f64>,
        Option<f64>,
        Option<f64>,
        Option<f64>,
        Option<f64>,
        Option<f64>,
    );

    fn figures(tx: &Transaction<'_>, session: i64) -> Figures {
        tx.query_row(
            "SELECT meter_last_wh, energy_wh, power_latest_w, power_peak_w, soc_percent, meter_start_wh FROM sessions WHERE id = ?1",
            [session],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)),
        )
        .unwrap()
    }

    fn sample(
        second: i64,
        measurand: &str,
        value: f64,
        unit: &str,
        phase: Option<&str>,
    ) -> MeterSample {
        MeterSample {
            timestamp: Utc.timestamp_opt(1_700_000_000 + second, 0).unwrap(),
            measurand: measurand.into(),
            value,
            unit: Some(unit.into()),
            phase: phase.map(Into::into),
            context: None,
        }
    }

    /// The peak kept from the stored figure and the new samples is the peak a scan of
    /// every stored sample finds, whatever order and mix the samples arrive in.
    #[test]
    fn figures_after_an_insert_equal_a_full_recompute() {
        let mut conn = rusqlite::Connection::open_in_memory().unwrap();
        schema::migrate(&mut conn).unwrap();
        let tx = conn.transaction().unwrap();
        let start = StartTransaction {
            connector: 1,
            id_tag: "TAG".into(),
            meter_start_wh: 100,
            timestamp: Utc.timestamp_opt(1_700_000_000, 0).unwrap(),
            reservation_id: None,
            authorization: crate::domain::AuthStatus::Accepted,
        };
        let id = start_transaction(&tx, "CP-1", &start).unwrap();
        let session = i64::from(id);
        let tid = id.to_string();
        // Out of order, mixed units, phases, measurands, a peak that arrives early and
        // one equalled later.
        let reports = [
            vec![
                sample(50, session::ENERGY_REGISTER, 600.0, "Wh", None),
                sample(50, session::POWER, 7.4, "kW", None),
            ],
            vec![
                sample(10, session::POWER, 11_000.0, "W", None),
                sample(10, session::POWER, 20_000.0, "W", Some("L1")),
            ],
            vec![
                sample(60, session::SOC, 40.0, "Percent", None),
                sample(60, session::POWER, 3_000.0, "W", None),
            ],
            vec![sample(5, session::ENERGY_REGISTER, 150.0, "Wh", None)],
            vec![
                sample(70, session::POWER, 11.0, "kW", None),
                sample(70, "Voltage", 230.0, "V", None),
            ],
            vec![],
            vec![
                sample(80, session::ENERGY_REGISTER, 2.0, "kWh", None),
                sample(80, session::POWER, -5.0, "W", None),
            ],
        ];
        for samples in &reports {
            record_meter_values(&tx, "CP-1", 1, Some(&tid), samples).unwrap();
            let kept = figures(&tx, session);
            recompute_session(&tx, session, Peak::Stored).unwrap();
            assert_eq!(kept, figures(&tx, session), "after {samples:?}");
        }
        assert_eq!(figures(&tx, session).3, Some(11_000.0));
        let stop = StopTransaction {
            transaction_id: id,
            id_tag: None,
            meter_stop_wh: 2_500,
            timestamp: Utc.timestamp_opt(1_700_000_090, 0).unwrap(),
            reason: None,
            samples: vec![sample(90, session::POWER, 12_500.0, "W", None)],
        };
        stop_transaction(&tx, "CP-1", &stop).unwrap();
        let kept = figures(&tx, session);
        recompute_session(&tx, session, Peak::Stored).unwrap();
        assert_eq!(kept, figures(&tx, session));
        assert_eq!(kept.3, Some(12_500.0));
    }
}
