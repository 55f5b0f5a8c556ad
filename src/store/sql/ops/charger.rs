//! Charge points: registration, connections, boots, EVSE statuses, security profiles.
//!
//! Engine differences: on PostgreSQL (a store a cluster shares) each charger's row names
//! the node holding its socket (`connected_node`), so a connection's end counts only on
//! that node and a dead node's chargers can be ended by another ([`held_by`],
//! [`end_connection`]); SQLite has one node and no such column. The password read that
//! precedes its change locks the row on PostgreSQL.

use super::reconcile::close_forgotten;
use crate::domain::event::StatusReport;
use crate::domain::password::{PasswordChange, PasswordHash};
use crate::domain::protocol::Protocol;
use crate::domain::{BootInfo, HardwareStatus, Registration};
use crate::store::sql::outbox::{emit, Event};
use crate::store::sql::{cp_id, now, status_name, ts, Db, DbResult};
use crate::store::ChargerRecord;

pub async fn upsert_charger(db: &impl Db, r: &ChargerRecord) -> DbResult<()> {
    let n = now();
    db.exec(
        "INSERT INTO charge_points (identity, password_hash, strict, current_profile, desired_profile, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?4, ?5, ?5)
         ON CONFLICT (identity) DO NOTHING",
        &[
            &r.identity,
            &r.password.as_ref().map(|p| p.to_hex()),
            &r.strict,
            &r.security_profile,
            &n,
        ],
    )
    .await?;
    Ok(())
}

/// Adds the charger (unless known) and records its registration.
pub async fn register(db: &impl Db, r: &ChargerRecord, registration: Registration) -> DbResult<()> {
    upsert_charger(db, r).await?;
    db.exec(
        "UPDATE charge_points SET registration = ?2 WHERE identity = ?1",
        &[&r.identity, &registration.as_str()],
    )
    .await?;
    Ok(())
}

/// Records a higher security profile reached by the charger (never lowers it); a desired
/// profile below it (a raise the charger completed) is raised with it.
pub async fn set_security_profile(db: &impl Db, identity: &str, profile: u8) -> DbResult<()> {
    let cp = cp_id(db, identity).await?;
    db.exec(
        "UPDATE charge_points SET current_profile = ?2,
             desired_profile = CASE WHEN desired_profile < ?2 THEN ?2 ELSE desired_profile END,
             updated_at = ?3
         WHERE id = ?1 AND COALESCE(current_profile, 0) < ?2",
        &[&cp, &profile, &now()],
    )
    .await?;
    Ok(())
}

/// A connection began (`version`) or ended (None). A beginning counts unless a newer
/// connection (a higher generation: generations come from the clock) already did; an
/// ending counts only for the connection that is current. With `node` (a store a cluster
/// shares) the row names the node holding the socket: a beginning also counts when no
/// node holds the charger, and an ending only on the node that holds it.
pub async fn set_connected(
    db: &impl Db,
    node: Option<&str>,
    identity: &str,
    version: Option<Protocol>,
    generation: u64,
) -> DbResult<()> {
    let cp = cp_id(db, identity).await?;
    let generation = generation as i64;
    let Some(v) = version else {
        end_connection(db, cp, node, generation, None).await?;
        return Ok(());
    };
    let n = now();
    let changed = match node {
        None => {
            db.exec(
                "UPDATE charge_points SET network_status = 'available', protocol = ?2,
                   connection_generation = ?3, first_contact_at = COALESCE(first_contact_at, ?4),
                   disconnected_at = NULL, updated_at = ?4
                 WHERE id = ?1 AND connection_generation <= ?3",
                &[&cp, &v.api_name(), &generation, &n],
            )
            .await?
        }
        Some(node) => {
            db.exec(
                "UPDATE charge_points SET network_status = 'available', protocol = ?2,
                   connection_generation = ?3, connected_node = ?5,
                   first_contact_at = COALESCE(first_contact_at, ?4), disconnected_at = NULL, updated_at = ?4
                 WHERE id = ?1 AND (connection_generation <= ?3 OR connected_node IS NULL)",
                &[&cp, &v.api_name(), &generation, &n, &node],
            )
            .await?
        }
    };
    if changed > 0 {
        db.exec(
            "INSERT INTO network_status_logs (charge_point_id, network_status, protocol, created_at)
             VALUES (?1, 'available', ?2, ?3)",
            &[&cp, &v.api_name(), &n],
        )
        .await?;
        emit(db, cp, Event::connection("available")).await?;
    }
    Ok(())
}

/// Ends connection `generation` of charge point `cp` (held by `node`, in a cluster), if
/// it is still the current one: temporarily unavailable, logged (with `logged_protocol`)
/// and notified. True if it was current.
pub async fn end_connection(
    db: &impl Db,
    cp: i64,
    node: Option<&str>,
    generation: i64,
    logged_protocol: Option<&str>,
) -> DbResult<bool> {
    let n = now();
    let changed = match node {
        None => {
            db.exec(
                "UPDATE charge_points SET network_status = 'temporarily_unavailable',
                   disconnected_at = ?3, updated_at = ?3
                 WHERE id = ?1 AND connection_generation = ?2",
                &[&cp, &generation, &n],
            )
            .await?
        }
        Some(node) => {
            db.exec(
                "UPDATE charge_points SET network_status = 'temporarily_unavailable', connected_node = NULL,
                   disconnected_at = ?3, updated_at = ?3
                 WHERE id = ?1 AND connection_generation = ?2 AND connected_node = ?4",
                &[&cp, &generation, &n, &node],
            )
            .await?
        }
    };
    if changed == 0 {
        return Ok(false);
    }
    db.exec(
        "INSERT INTO network_status_logs (charge_point_id, network_status, protocol, created_at)
         VALUES (?1, 'temporarily_unavailable', ?2, ?3)",
        &[&cp, &logged_protocol, &n],
    )
    .await?;
    emit(db, cp, Event::connection("temporarily_unavailable")).await?;
    Ok(true)
}

/// The chargers `node` held, oldest first, with their current generation and protocol,
/// locked: what a restart of that node or its reaper ends. PostgreSQL only (the column
/// naming the node exists only in a store a cluster shares).
pub async fn held_by(db: &impl Db, node: &str) -> DbResult<Vec<(i64, i64, Option<String>)>> {
    let rows = db
        .all(
            "SELECT id, connection_generation, protocol FROM charge_points
             WHERE connected_node = ?1 ORDER BY id FOR NO KEY UPDATE",
            &[&node],
        )
        .await?;
    rows.iter()
        .map(|r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .collect()
}

/// At start, chargers the store believes connected are not (yet): they show as
/// temporarily unavailable until they come back. (A cluster's node ends only the
/// chargers it held: see [`held_by`].)
pub async fn mark_all_disconnected(db: &impl Db) -> DbResult<u64> {
    let n = now();
    let dropped = db
        .all(
            "SELECT id FROM charge_points WHERE network_status = 'available' ORDER BY id",
            &[],
        )
        .await?;
    for row in dropped {
        emit(
            db,
            row.get(0)?,
            Event::connection("temporarily_unavailable"),
        )
        .await?;
    }
    db.exec(
        "INSERT INTO network_status_logs (charge_point_id, network_status, protocol, created_at)
         SELECT id, 'temporarily_unavailable', protocol, ?1 FROM charge_points WHERE network_status = 'available'",
        &[&n],
    )
    .await?;
    db.exec(
        "UPDATE charge_points SET network_status = 'temporarily_unavailable', disconnected_at = ?1, updated_at = ?1
         WHERE network_status = 'available'",
        &[&n],
    )
    .await
}

pub async fn record_boot(db: &impl Db, identity: &str, b: &BootInfo) -> DbResult<()> {
    let cp = cp_id(db, identity).await?;
    let n = now();
    let boot = serde_json::json!({
        "vendor": b.vendor,
        "model": b.model,
        "chargePointSerialNumber": b.serial_number,
        "firmwareVersion": b.firmware_version,
        "reason": b.reason,
        "lastUpdatedAt": n,
    });
    db.exec(
        "UPDATE charge_points SET last_boot = ?2, last_boot_at = ?3, updated_at = ?3 WHERE id = ?1",
        &[&cp, &boot.to_string(), &n],
    )
    .await?;
    emit(db, cp, Event::Boot).await
}

/// Sets an EVSE's (and connector's) status, creating them on first report, and logs it.
pub async fn set_evse_status(
    db: &impl Db,
    cp: i64,
    evse: u32,
    connector: u32,
    status: HardwareStatus,
    error_code: Option<&str>,
    at: &str,
) -> DbResult<()> {
    let n = now();
    let name = status_name(status);
    // Updated first, inserted only when new: an upsert would take an id from the
    // sequence on every report, even when it updates. (The upsert stays for the insert,
    // should another node have created the row meanwhile.)
    let updated = db
        .opt(
            "UPDATE evses SET hardware_status = ?3, error_code = ?4, status_at = ?5, updated_at = ?6
             WHERE charge_point_id = ?1 AND network_id = ?2 RETURNING id",
            &[&cp, &evse, &name, &error_code, &at, &n],
        )
        .await?;
    let created = updated.is_none();
    let evse_id: i64 = match updated {
        Some(r) => r.get(0)?,
        None => db
            .scalar(
                "INSERT INTO evses (charge_point_id, network_id, hardware_status, error_code, status_at, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)
                 ON CONFLICT (charge_point_id, network_id) DO UPDATE SET
                   hardware_status = excluded.hardware_status, error_code = excluded.error_code,
                   status_at = excluded.status_at, updated_at = excluded.updated_at
                 RETURNING id",
                &[&cp, &evse, &name, &error_code, &at, &n],
            ).await?,
    };
    db.exec(
        "INSERT INTO connectors (evse_id, connector_id, hardware_status, updated_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (evse_id, connector_id) DO UPDATE SET hardware_status = excluded.hardware_status, updated_at = excluded.updated_at",
        &[&evse_id, &connector, &name, &n],
    )
    .await?;
    db.exec(
        "INSERT INTO hardware_status_logs (charge_point_id, evse_network_id, connector_id, hardware_status, error_code, reported_at, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        &[&cp, &evse, &connector, &name, &error_code, &at, &n],
    )
    .await?;
    let evse = (evse > 0).then_some(evse_id);
    emit(
        db,
        cp,
        Event::evse_status(evse, created, &name, error_code, at),
    )
    .await
}

pub async fn record_status(db: &impl Db, identity: &str, r: &StatusReport) -> DbResult<()> {
    let cp = cp_id(db, identity).await?;
    let mut status = r.status;
    // 2.0.1 reports "Occupied" (mapped to preparing) without the charging state: while a
    // session runs on the EVSE its charging state is the better answer.
    if status == HardwareStatus::Preparing && r.evse > 0 {
        let state: Option<String> = match db
            .opt(
                "SELECT charging_state FROM sessions WHERE charge_point_id = ?1 AND evse_network_id = ?2
                 AND status = 'active' AND charging_state IS NOT NULL ORDER BY id DESC LIMIT 1",
                &[&cp, &r.evse],
            )
            .await?
        {
            Some(row) => row.get(0)?,
            None => None,
        };
        if let Some(s) = state
            .as_deref()
            .and_then(HardwareStatus::from_charging_state)
        {
            status = s;
        }
    }
    let at = ts(r.timestamp);
    set_evse_status(
        db,
        cp,
        r.evse,
        r.connector,
        status,
        r.error_code.as_deref(),
        &at,
    )
    .await?;
    if r.idle && r.evse > 0 {
        close_forgotten(db, cp, r.evse, &at).await?;
    }
    if r.evse == 0 {
        let own = match status {
            HardwareStatus::Faulted => "faulted",
            HardwareStatus::Unavailable => "unavailable",
            _ => "available",
        };
        db.exec(
            "UPDATE charge_points SET hardware_status = ?2, updated_at = ?3 WHERE id = ?1",
            &[&cp, &own, &now()],
        )
        .await?;
    }
    Ok(())
}

pub async fn set_password(
    db: &impl Db,
    identity: &str,
    password: Option<&PasswordHash>,
) -> DbResult<()> {
    db.exec(
        "UPDATE charge_points SET password_hash = ?2, pending_password_hashes = NULL, updated_at = ?3
         WHERE identity = ?1",
        &[&identity, &password.map(|p| p.to_hex()), &now()],
    )
    .await?;
    Ok(())
}

/// Applies a change to the charger's current and pending passwords (on PostgreSQL with
/// the row locked from the read on).
pub async fn change_password(
    db: &impl Db,
    identity: &str,
    change: &PasswordChange,
) -> DbResult<()> {
    let read = format!(
        "SELECT password_hash, pending_password_hashes FROM charge_points WHERE identity = ?1{}",
        db.dialect().for_update()
    );
    let Some(row) = db.opt(&read, &[&identity]).await? else {
        return Ok(());
    };
    let current: Option<String> = row.get(0)?;
    let pending: Option<String> = row.get(1)?;
    let (current, pending) = change.apply(current, pending.as_deref());
    db.exec(
        "UPDATE charge_points SET password_hash = ?2, pending_password_hashes = ?3, updated_at = ?4
         WHERE identity = ?1",
        &[&identity, &current, &pending, &now()],
    )
    .await?;
    Ok(())
}

pub async fn set_desired_profile(
    db: &impl Db,
    identity: &str,
    profile: Option<u8>,
) -> DbResult<()> {
    db.exec(
        "UPDATE charge_points SET desired_profile = ?2, updated_at = ?3 WHERE identity = ?1",
        &[&identity, &profile, &now()],
    )
    .await?;
    Ok(())
}

/// The next connection decides the current profile again.
pub async fn reset_security_profile(db: &impl Db, identity: &str) -> DbResult<()> {
    db.exec(
        "UPDATE charge_points SET current_profile = NULL, desired_profile = NULL, updated_at = ?2
         WHERE identity = ?1",
        &[&identity, &now()],
    )
    .await?;
    Ok(())
}
