//! What the northbound actions record: pending remote-start sessions, configuration
//! snapshots, charging profiles with gateway-allocated ids, reservations, request ids.
//! Each write emits its notification in the same transaction.

use rusqlite::{params, params_from_iter, OptionalExtension, Transaction};
use serde_json::{Map, Value};

use super::super::ops::now;
use super::super::outbox::{emit, Event};
use crate::domain::notification::{self, ConfigurationEntry};
use crate::store::resources::ProfileCriteria;

pub fn new_request_id(tx: &Transaction<'_>, cp: i64, kind: &str) -> rusqlite::Result<i64> {
    tx.prepare_cached(
        "INSERT INTO action_requests (charge_point_id, kind, created_at) VALUES (?1, ?2, ?3) RETURNING id",
    )?
    .query_row(params![cp, kind, now()], |r| r.get(0))
}

pub fn create_pending_session(
    tx: &Transaction<'_>,
    cp: i64,
    evse: Option<i64>,
    id_tag: &str,
) -> rusqlite::Result<i64> {
    let n = now();
    // Remote starts no transaction took up within the window have expired.
    let since = super::super::ops::ts(chrono::Utc::now() - super::super::ops::REMOTE_START_WINDOW);
    tx.prepare_cached(
        "UPDATE sessions SET status = 'expired', updated_at = ?3
         WHERE charge_point_id = ?1 AND status = 'pending' AND created_at < ?2",
    )?
    .execute(params![cp, since, n])?;
    let id: i64 = tx
        .prepare_cached(
            "INSERT INTO sessions (charge_point_id, evse_network_id, connector_id, status, id_tag, created_at, updated_at)
             VALUES (?1, ?2, ?2, 'pending', ?3, ?4, ?4) RETURNING id",
        )?
        .query_row(params![cp, evse, id_tag, n], |r| r.get(0))?;
    tx.prepare_cached("UPDATE sessions SET remote_start_id = id WHERE id = ?1")?
        .execute([id])?;
    Ok(id)
}

pub fn fail_pending_session(tx: &Transaction<'_>, id: i64, reason: &str) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "UPDATE sessions SET status = 'failed', reason = ?2, updated_at = ?3 WHERE id = ?1 AND status = 'pending'",
    )?
    .execute(params![id, reason, now()])?;
    Ok(())
}

pub fn session_transaction_id(
    c: &rusqlite::Connection,
    id: i64,
) -> rusqlite::Result<Option<String>> {
    Ok(
        c.prepare_cached("SELECT transaction_id FROM sessions WHERE id = ?1")?
            .query_row([id], |r| r.get::<_, Option<String>>(0))
            .optional()?
            .flatten(),
    )
}

pub fn store_configuration(
    tx: &Transaction<'_>,
    cp: i64,
    request_id: Option<i64>,
    entries: &[ConfigurationEntry],
    replace: bool,
) -> rusqlite::Result<()> {
    let n = now();
    if replace {
        tx.prepare_cached("DELETE FROM configurations WHERE charge_point_id = ?1")?
            .execute([cp])?;
    }
    let mut upsert = tx.prepare_cached(
        "INSERT INTO configurations (charge_point_id, key, value, readonly, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (charge_point_id, key) DO UPDATE SET value = ?3, readonly = ?4, updated_at = ?5",
    )?;
    for e in entries {
        upsert.execute(params![cp, e.key, e.value, e.readonly, n])?;
    }
    let body = notification::sync_configuration(cp, request_id, entries, None, &n);
    emit(
        tx,
        cp,
        Event::Prepared {
            name: notification::SYNC_CONFIGURATION,
            body,
        },
    )
}

pub fn set_configuration_value(
    tx: &Transaction<'_>,
    cp: i64,
    key: &str,
    value: &str,
) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO configurations (charge_point_id, key, value, readonly, updated_at) VALUES (?1, ?2, ?3, 0, ?4)
         ON CONFLICT (charge_point_id, key) DO UPDATE SET value = ?3, updated_at = ?4",
    )?
    .execute(params![cp, key, value, now()])?;
    Ok(())
}

pub fn new_charging_profile(
    tx: &Transaction<'_>,
    cp: i64,
    evse: i64,
    purpose: &str,
    stack_level: i64,
    body: &Value,
) -> rusqlite::Result<i64> {
    let n = now();
    tx.prepare_cached(
        "INSERT INTO charging_profiles (charge_point_id, evse_network_id, purpose, stack_level, status, body, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, 'pending', ?5, ?6, ?6) RETURNING id",
    )?
    .query_row(params![cp, evse, purpose, stack_level, body.to_string(), n], |r| r.get(0))
}

pub fn charging_profile_outcome(
    tx: &Transaction<'_>,
    id: i64,
    applied: bool,
    session: Option<i64>,
    profile: Map<String, Value>,
) -> rusqlite::Result<()> {
    let n = now();
    let row: Option<(i64, Option<i64>)> = tx
        .prepare_cached(
            "UPDATE charging_profiles SET status = ?2, updated_at = ?3 WHERE id = ?1
             RETURNING charge_point_id, evse_network_id",
        )?
        .query_row(
            params![id, if applied { "applied" } else { "rejected" }, n],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let Some((cp, evse)) = row.filter(|_| applied) else {
        return Ok(());
    };
    let evse_id: Option<i64> = tx
        .prepare_cached("SELECT id FROM evses WHERE charge_point_id = ?1 AND network_id = ?2")?
        .query_row(params![cp, evse], |r| r.get(0))
        .optional()?;
    let body = notification::charging_profile_applied(cp, evse_id, session, profile, &n);
    emit(
        tx,
        cp,
        Event::Prepared {
            name: notification::CHARGING_PROFILE_APPLIED,
            body,
        },
    )
}

pub fn clear_charging_profiles(
    tx: &Transaction<'_>,
    cp: i64,
    c: &ProfileCriteria,
) -> rusqlite::Result<u64> {
    let mut sql = String::from(
        "UPDATE charging_profiles SET status = 'cleared', updated_at = ?1
         WHERE charge_point_id = ?2 AND status = 'applied'",
    );
    let mut values: Vec<rusqlite::types::Value> = vec![now().into(), cp.into()];
    let mut and = |column: &str, v: rusqlite::types::Value| {
        values.push(v);
        sql.push_str(&format!(" AND {column} = ?{}", values.len()));
    };
    if let Some(id) = c.id {
        and("id", id.into());
    }
    if let Some(evse) = c.evse_network_id {
        and("evse_network_id", evse.into());
    }
    if let Some(p) = &c.purpose {
        and("purpose", p.clone().into());
    }
    if let Some(s) = c.stack_level {
        and("stack_level", s.into());
    }
    let n = tx.prepare(&sql)?.execute(params_from_iter(values))?;
    Ok(n as u64)
}

pub fn create_reservation(
    tx: &Transaction<'_>,
    r: &crate::store::resources::NewReservation,
) -> rusqlite::Result<i64> {
    let n = now();
    tx.prepare_cached(
        "INSERT INTO reservations (charge_point_id, evse_network_id, id_tag, user_id, status, expires_at, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, 'pending', ?5, ?6, ?6) RETURNING id",
    )?
    .query_row(
        params![
            r.charge_point_id,
            r.evse_network_id,
            r.id_tag,
            r.user_id,
            r.expires_at,
            n
        ],
        |row| row.get(0),
    )
}

pub fn set_reservation_status(tx: &Transaction<'_>, id: i64, status: &str) -> rusqlite::Result<()> {
    let cp: Option<i64> = tx
        .prepare_cached(
            "UPDATE reservations SET status = ?2, updated_at = ?3 WHERE id = ?1 RETURNING charge_point_id",
        )?
        .query_row(params![id, status, now()], |r| r.get(0))
        .optional()?;
    if let (Some(cp), Some(status)) = (cp, notification::reservation_status(status)) {
        emit(tx, cp, Event::Reservation { id, status })?;
    }
    Ok(())
}
