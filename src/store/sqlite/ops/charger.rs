//! Charge points: registration, connections, boots, EVSE statuses, security profiles.

use rusqlite::{params, OptionalExtension, Transaction};

use super::super::outbox::{emit, Event};
use super::{cp_id, now, protocol_name, status_name, ts};
use crate::domain::event::StatusReport;
use crate::domain::{BootInfo, HardwareStatus};
use crate::ocpp::OcppVersion;
use crate::store::ChargerRecord;

pub fn upsert_charger(tx: &Transaction<'_>, r: &ChargerRecord) -> rusqlite::Result<()> {
    let n = now();
    tx.prepare_cached(
        "INSERT INTO charge_points (identity, password_hash, strict, current_profile, desired_profile, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?4, ?5, ?5)
         ON CONFLICT (identity) DO NOTHING",
    )?
    .execute(params![
        r.identity,
        r.password.as_ref().map(|p| p.to_hex()),
        r.strict,
        r.security_profile,
        n
    ])?;
    Ok(())
}

/// Records a higher security profile reached by the charger (never lowers it); a desired
/// profile below it (a raise the charger completed) is raised with it.
pub fn set_security_profile(
    tx: &Transaction<'_>,
    identity: &str,
    profile: u8,
) -> rusqlite::Result<()> {
    let cp = cp_id(tx, identity)?;
    tx.prepare_cached(
        "UPDATE charge_points SET current_profile = ?2,
             desired_profile = CASE WHEN desired_profile < ?2 THEN ?2 ELSE desired_profile END,
             updated_at = ?3
         WHERE id = ?1 AND COALESCE(current_profile, 0) < ?2",
    )?
    .execute(params![cp, profile, now()])?;
    Ok(())
}

pub fn set_connected(
    tx: &Transaction<'_>,
    identity: &str,
    version: Option<OcppVersion>,
    generation: u64,
) -> rusqlite::Result<()> {
    let cp = cp_id(tx, identity)?;
    let n = now();
    let generation = generation as i64;
    let changed = match version {
        Some(v) => tx
            .prepare_cached(
                "UPDATE charge_points SET network_status = 'available', protocol = ?2,
                   connection_generation = ?3, first_contact_at = COALESCE(first_contact_at, ?4),
                   disconnected_at = NULL, updated_at = ?4
                 WHERE id = ?1 AND connection_generation <= ?3",
            )?
            .execute(params![cp, protocol_name(v), generation, n])?,
        None => tx
            .prepare_cached(
                "UPDATE charge_points SET network_status = 'temporarily_unavailable',
                   disconnected_at = ?3, updated_at = ?3
                 WHERE id = ?1 AND connection_generation = ?2",
            )?
            .execute(params![cp, generation, n])?,
    };
    if changed > 0 {
        let status = if version.is_some() {
            "available"
        } else {
            "temporarily_unavailable"
        };
        tx.prepare_cached(
            "INSERT INTO network_status_logs (charge_point_id, network_status, protocol, created_at)
             VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute(params![cp, status, version.map(protocol_name), n])?;
        emit(tx, cp, Event::Connection { status })?;
    }
    Ok(())
}

/// At start, chargers the store believes connected are not (yet): they show as
/// temporarily unavailable until they come back.
pub fn mark_all_disconnected(tx: &Transaction<'_>) -> rusqlite::Result<usize> {
    let n = now();
    let dropped: Vec<i64> = tx
        .prepare("SELECT id FROM charge_points WHERE network_status = 'available'")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for cp in dropped {
        emit(
            tx,
            cp,
            Event::Connection {
                status: "temporarily_unavailable",
            },
        )?;
    }
    tx.execute(
        "INSERT INTO network_status_logs (charge_point_id, network_status, protocol, created_at)
         SELECT id, 'temporarily_unavailable', protocol, ?1 FROM charge_points WHERE network_status = 'available'",
        [&n],
    )?;
    tx.execute(
        "UPDATE charge_points SET network_status = 'temporarily_unavailable', disconnected_at = ?1, updated_at = ?1
         WHERE network_status = 'available'",
        [&n],
    )
}

pub fn record_boot(tx: &Transaction<'_>, identity: &str, b: &BootInfo) -> rusqlite::Result<()> {
    let cp = cp_id(tx, identity)?;
    let n = now();
    let boot = serde_json::json!({
        "vendor": b.vendor,
        "model": b.model,
        "chargePointSerialNumber": b.serial_number,
        "firmwareVersion": b.firmware_version,
        "reason": b.reason,
        "lastUpdatedAt": n,
    });
    tx.prepare_cached(
        "UPDATE charge_points SET last_boot = ?2, last_boot_at = ?3, updated_at = ?3 WHERE id = ?1",
    )?
    .execute(params![cp, boot.to_string(), n])?;
    emit(tx, cp, Event::Boot)?;
    Ok(())
}

/// Sets an EVSE's (and connector's) status, creating them on first report, and logs it.
pub fn set_evse_status(
    tx: &Transaction<'_>,
    cp: i64,
    evse: u32,
    connector: u32,
    status: HardwareStatus,
    error_code: Option<&str>,
    at: &str,
) -> rusqlite::Result<()> {
    let n = now();
    let name = status_name(status);
    // Updated first, inserted only when new: an upsert would take an id from the
    // AUTOINCREMENT sequence on every report, even when it updates.
    let updated: Option<i64> = tx
        .prepare_cached(
            "UPDATE evses SET hardware_status = ?3, error_code = ?4, status_at = ?5, updated_at = ?6
             WHERE charge_point_id = ?1 AND network_id = ?2 RETURNING id",
        )?
        .query_row(params![cp, evse, name, error_code, at, n], |r| r.get(0))
        .optional()?;
    let created = updated.is_none();
    let evse_id: i64 = match updated {
        Some(id) => id,
        None => tx
            .prepare_cached(
                "INSERT INTO evses (charge_point_id, network_id, hardware_status, error_code, status_at, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)
                 ON CONFLICT (charge_point_id, network_id) DO UPDATE SET
                   hardware_status = excluded.hardware_status, error_code = excluded.error_code,
                   status_at = excluded.status_at, updated_at = excluded.updated_at
                 RETURNING id",
            )?
            .query_row(params![cp, evse, name, error_code, at, n], |r| r.get(0))?,
    };
    tx.prepare_cached(
        "INSERT INTO connectors (evse_id, connector_id, hardware_status, updated_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (evse_id, connector_id) DO UPDATE SET hardware_status = excluded.hardware_status, updated_at = excluded.updated_at",
    )?
    .execute(params![evse_id, connector, name, n])?;
    tx.prepare_cached(
        "INSERT INTO hardware_status_logs (charge_point_id, evse_network_id, connector_id, hardware_status, error_code, reported_at, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![cp, evse, connector, name, error_code, at, n])?;
    let evse = (evse > 0).then_some(evse_id);
    emit(
        tx,
        cp,
        Event::evse_status(evse, created, &name, error_code, at),
    )?;
    Ok(())
}

pub fn record_status(
    tx: &Transaction<'_>,
    identity: &str,
    r: &StatusReport,
) -> rusqlite::Result<()> {
    let cp = cp_id(tx, identity)?;
    let mut status = r.status;
    // 2.0.1 reports "Occupied" (mapped to preparing) without the charging state: while a
    // session runs on the EVSE its charging state is the better answer.
    if status == HardwareStatus::Preparing && r.evse > 0 {
        let state: Option<String> = tx
            .prepare_cached(
                "SELECT charging_state FROM sessions WHERE charge_point_id = ?1 AND evse_network_id = ?2
                 AND status = 'active' AND charging_state IS NOT NULL ORDER BY id DESC LIMIT 1",
            )?
            .query_row(params![cp, r.evse], |row| row.get(0))
            .optional()?;
        if let Some(s) = state
            .as_deref()
            .and_then(HardwareStatus::from_charging_state)
        {
            status = s;
        }
    }
    let at = ts(r.timestamp);
    set_evse_status(
        tx,
        cp,
        r.evse,
        r.connector,
        status,
        r.error_code.as_deref(),
        &at,
    )?;
    if r.idle && r.evse > 0 {
        super::reconcile::close_forgotten(tx, cp, r.evse, &at)?;
    }
    if r.evse == 0 {
        let own = match status {
            HardwareStatus::Faulted => "faulted",
            HardwareStatus::Unavailable => "unavailable",
            _ => "available",
        };
        tx.prepare_cached(
            "UPDATE charge_points SET hardware_status = ?2, updated_at = ?3 WHERE id = ?1",
        )?
        .execute(params![cp, own, now()])?;
    }
    Ok(())
}

pub fn set_password(
    tx: &Transaction<'_>,
    identity: &str,
    password: Option<&crate::security::PasswordHash>,
) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "UPDATE charge_points SET password_hash = ?2, pending_password_hashes = NULL, updated_at = ?3
         WHERE identity = ?1",
    )?
    .execute(params![identity, password.map(|p| p.to_hex()), now()])?;
    Ok(())
}

/// Applies a change to the charger's current and pending passwords.
pub fn change_password(
    tx: &Transaction<'_>,
    identity: &str,
    change: &crate::security::PasswordChange,
) -> rusqlite::Result<()> {
    let row: Option<(Option<String>, Option<String>)> = tx
        .prepare_cached(
            "SELECT password_hash, pending_password_hashes FROM charge_points WHERE identity = ?1",
        )?
        .query_row([identity], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let Some((current, pending)) = row else {
        return Ok(());
    };
    let (current, pending) = change.apply(current, pending.as_deref());
    tx.prepare_cached(
        "UPDATE charge_points SET password_hash = ?2, pending_password_hashes = ?3, updated_at = ?4
         WHERE identity = ?1",
    )?
    .execute(params![identity, current, pending, now()])?;
    Ok(())
}

pub fn set_desired_profile(
    tx: &Transaction<'_>,
    identity: &str,
    profile: Option<u8>,
) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "UPDATE charge_points SET desired_profile = ?2, updated_at = ?3 WHERE identity = ?1",
    )?
    .execute(params![identity, profile, now()])?;
    Ok(())
}

/// The next connection decides the current profile again.
pub fn reset_security_profile(tx: &Transaction<'_>, identity: &str) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "UPDATE charge_points SET current_profile = NULL, desired_profile = NULL, updated_at = ?2
         WHERE identity = ?1",
    )?
    .execute(params![identity, now()])?;
    Ok(())
}
