//! Charge points: registration, connections (with the node holding each), boots, EVSE
//! statuses, security profiles.

use super::super::outbox::{emit, Event};
use super::super::tx::{DbResult, Tx};
use super::{cp_id, now, protocol_name, status_name, ts};
use crate::domain::event::StatusReport;
use crate::domain::{BootInfo, HardwareStatus};
use crate::ocpp::OcppVersion;
use crate::store::ChargerRecord;

pub(crate) async fn upsert_charger(tx: &Tx<'_>, r: &ChargerRecord) -> DbResult<()> {
    let n = now();
    tx.exec(
        "INSERT INTO charge_points (identity, password_hash, strict, current_profile, desired_profile, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $4, $5, $5)
         ON CONFLICT (identity) DO NOTHING",
        &[
            &r.identity,
            &r.password.as_ref().map(|p| p.to_hex()),
            &r.strict,
            &i64::from(r.security_profile),
            &n,
        ],
    )
    .await?;
    Ok(())
}

/// Records a higher security profile reached by the charger (never lowers it); a desired
/// profile below it (a raise the charger completed) is raised with it.
pub(crate) async fn set_security_profile(tx: &Tx<'_>, identity: &str, profile: u8) -> DbResult<()> {
    let cp = cp_id(tx, identity).await?;
    tx.exec(
        "UPDATE charge_points SET current_profile = $2,
             desired_profile = CASE WHEN desired_profile < $2 THEN $2 ELSE desired_profile END,
             updated_at = $3
         WHERE id = $1 AND COALESCE(current_profile, 0) < $2",
        &[&cp, &i64::from(profile), &now()],
    )
    .await?;
    Ok(())
}

/// A connection of `node` began or ended. A beginning counts unless a newer connection
/// (a higher generation: generations come from the clock) already did, or nobody holds
/// the charger; an ending counts only for the connection that is current, on the node
/// that holds it.
pub(crate) async fn set_connected(
    tx: &Tx<'_>,
    node: &str,
    identity: &str,
    version: Option<OcppVersion>,
    generation: u64,
) -> DbResult<()> {
    let cp = cp_id(tx, identity).await?;
    let generation = generation as i64;
    let Some(v) = version else {
        end_connection(tx, cp, node, generation, None).await?;
        return Ok(());
    };
    let n = now();
    let changed = tx
        .exec(
            "UPDATE charge_points SET network_status = 'available', protocol = $2,
               connection_generation = $3, connected_node = $5,
               first_contact_at = COALESCE(first_contact_at, $4), disconnected_at = NULL, updated_at = $4
             WHERE id = $1 AND (connection_generation <= $3 OR connected_node IS NULL)",
            &[&cp, &protocol_name(v), &generation, &n, &node],
        )
        .await?;
    if changed > 0 {
        tx.exec(
            "INSERT INTO network_status_logs (charge_point_id, network_status, protocol, created_at)
             VALUES ($1, 'available', $2, $3)",
            &[&cp, &protocol_name(v), &n],
        )
        .await?;
        emit(tx, cp, Event::connection("available")).await?;
    }
    Ok(())
}

/// Ends connection `generation` of charge point `cp` held by `node`, if it is still the
/// current one: temporarily unavailable, logged (with `logged_protocol`) and notified.
/// True if it was current.
pub(crate) async fn end_connection(
    tx: &Tx<'_>,
    cp: i64,
    node: &str,
    generation: i64,
    logged_protocol: Option<&str>,
) -> DbResult<bool> {
    let n = now();
    let changed = tx
        .exec(
            "UPDATE charge_points SET network_status = 'temporarily_unavailable', connected_node = NULL,
               disconnected_at = $3, updated_at = $3
             WHERE id = $1 AND connection_generation = $2 AND connected_node = $4",
            &[&cp, &generation, &n, &node],
        )
        .await?;
    if changed == 0 {
        return Ok(false);
    }
    tx.exec(
        "INSERT INTO network_status_logs (charge_point_id, network_status, protocol, created_at)
         VALUES ($1, 'temporarily_unavailable', $2, $3)",
        &[&cp, &logged_protocol, &n],
    )
    .await?;
    emit(tx, cp, Event::connection("temporarily_unavailable")).await?;
    Ok(true)
}

/// The chargers `node` held, oldest first, with their current generation and protocol,
/// locked. What a restart of that node or its reaper ends.
pub(crate) async fn held_by(tx: &Tx<'_>, node: &str) -> DbResult<Vec<(i64, i64, Option<String>)>> {
    let rows = tx
        .all(
            "SELECT id, connection_generation, protocol FROM charge_points
             WHERE connected_node = $1 ORDER BY id FOR NO KEY UPDATE",
            &[&node],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect())
}

pub(crate) async fn record_boot(tx: &Tx<'_>, identity: &str, b: &BootInfo) -> DbResult<()> {
    let cp = cp_id(tx, identity).await?;
    let n = now();
    let boot = serde_json::json!({
        "vendor": b.vendor,
        "model": b.model,
        "chargePointSerialNumber": b.serial_number,
        "firmwareVersion": b.firmware_version,
        "reason": b.reason,
        "lastUpdatedAt": n,
    });
    tx.exec(
        "UPDATE charge_points SET last_boot = $2, last_boot_at = $3, updated_at = $3 WHERE id = $1",
        &[&cp, &boot.to_string(), &n],
    )
    .await?;
    emit(tx, cp, Event::Boot).await
}

/// Sets an EVSE's (and connector's) status, creating them on first report, and logs it.
pub(crate) async fn set_evse_status(
    tx: &Tx<'_>,
    cp: i64,
    evse: i64,
    connector: i64,
    status: HardwareStatus,
    error_code: Option<&str>,
    at: &str,
) -> DbResult<()> {
    let n = now();
    let name = status_name(status);
    // Updated first, inserted only when new: an upsert would take a value from the
    // identity sequence on every report, even when it updates. (The upsert stays for
    // the insert, should another node have created the row meanwhile.)
    let updated = tx
        .opt(
            "UPDATE evses SET hardware_status = $3, error_code = $4, status_at = $5, updated_at = $6
             WHERE charge_point_id = $1 AND network_id = $2 RETURNING id",
            &[&cp, &evse, &name, &error_code, &at, &n],
        )
        .await?
        .map(|r| r.get::<_, i64>(0));
    let created = updated.is_none();
    let evse_id: i64 = match updated {
        Some(id) => id,
        None => tx
            .one(
                "INSERT INTO evses (charge_point_id, network_id, hardware_status, error_code, status_at, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $6)
                 ON CONFLICT (charge_point_id, network_id) DO UPDATE SET
                   hardware_status = excluded.hardware_status, error_code = excluded.error_code,
                   status_at = excluded.status_at, updated_at = excluded.updated_at
                 RETURNING id",
                &[&cp, &evse, &name, &error_code, &at, &n],
            )
            .await?
            .get(0),
    };
    tx.exec(
        "INSERT INTO connectors (evse_id, connector_id, hardware_status, updated_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (evse_id, connector_id) DO UPDATE SET hardware_status = excluded.hardware_status, updated_at = excluded.updated_at",
        &[&evse_id, &connector, &name, &n],
    )
    .await?;
    tx.exec(
        "INSERT INTO hardware_status_logs (charge_point_id, evse_network_id, connector_id, hardware_status, error_code, reported_at, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        &[&cp, &evse, &connector, &name, &error_code, &at, &n],
    )
    .await?;
    let evse = (evse > 0).then_some(evse_id);
    emit(
        tx,
        cp,
        Event::evse_status(evse, created, &name, error_code, at),
    )
    .await
}

pub(crate) async fn record_status(tx: &Tx<'_>, identity: &str, r: &StatusReport) -> DbResult<()> {
    let cp = cp_id(tx, identity).await?;
    let mut status = r.status;
    let evse = i64::from(r.evse);
    // 2.0.1 reports "Occupied" (mapped to preparing) without the charging state: while a
    // session runs on the EVSE its charging state is the better answer.
    if status == HardwareStatus::Preparing && r.evse > 0 {
        let state: Option<String> = tx
            .opt(
                "SELECT charging_state FROM sessions WHERE charge_point_id = $1 AND evse_network_id = $2
                 AND status = 'active' AND charging_state IS NOT NULL ORDER BY id DESC LIMIT 1",
                &[&cp, &evse],
            )
            .await?
            .map(|row| row.get(0));
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
        evse,
        i64::from(r.connector),
        status,
        r.error_code.as_deref(),
        &at,
    )
    .await?;
    if r.idle && r.evse > 0 {
        super::reconcile::close_forgotten(tx, cp, evse, &at).await?;
    }
    if r.evse == 0 {
        let own = match status {
            HardwareStatus::Faulted => "faulted",
            HardwareStatus::Unavailable => "unavailable",
            _ => "available",
        };
        tx.exec(
            "UPDATE charge_points SET hardware_status = $2, updated_at = $3 WHERE id = $1",
            &[&cp, &own, &now()],
        )
        .await?;
    }
    Ok(())
}

pub(crate) async fn set_password(
    tx: &Tx<'_>,
    identity: &str,
    password: Option<&crate::security::PasswordHash>,
) -> DbResult<()> {
    tx.exec(
        "UPDATE charge_points SET password_hash = $2, pending_password_hashes = NULL, updated_at = $3
         WHERE identity = $1",
        &[&identity, &password.map(|p| p.to_hex()), &now()],
    )
    .await?;
    Ok(())
}

/// Applies a change to the charger's current and pending passwords (the row locked).
pub(crate) async fn change_password(
    tx: &Tx<'_>,
    identity: &str,
    change: &crate::security::PasswordChange,
) -> DbResult<()> {
    let row = tx
        .opt(
            "SELECT password_hash, pending_password_hashes FROM charge_points WHERE identity = $1 FOR UPDATE",
            &[&identity],
        )
        .await?;
    let Some(row) = row else {
        return Ok(());
    };
    let current: Option<String> = row.get(0);
    let pending: Option<String> = row.get(1);
    let (current, pending) = change.apply(current, pending.as_deref());
    tx.exec(
        "UPDATE charge_points SET password_hash = $2, pending_password_hashes = $3, updated_at = $4
         WHERE identity = $1",
        &[&identity, &current, &pending, &now()],
    )
    .await?;
    Ok(())
}

pub(crate) async fn set_desired_profile(tx: &Tx<'_>, identity: &str, profile: u8) -> DbResult<()> {
    tx.exec(
        "UPDATE charge_points SET desired_profile = $2, updated_at = $3 WHERE identity = $1",
        &[&identity, &i64::from(profile), &now()],
    )
    .await?;
    Ok(())
}

/// The next connection decides the current profile again.
pub(crate) async fn reset_security_profile(tx: &Tx<'_>, identity: &str) -> DbResult<()> {
    tx.exec(
        "UPDATE charge_points SET current_profile = NULL, desired_profile = NULL, updated_at = $2
         WHERE identity = $1",
        &[&identity, &now()],
    )
    .await?;
    Ok(())
}
