//! Charge points: the list, one by id, and the API's create, update and delete.

use rusqlite::{params, params_from_iter, Connection, OptionalExtension, Row, Transaction};

use super::query::Filter;
use super::Outcome;
use crate::store::resources::{
    ChargePointFilter, ChargePointPatch, ChargePointView, NewChargePoint, Page, ResourceError,
};
use crate::store::sqlite::ops::now;

const COLUMNS: &str = "id, identity, name, protocol, password_hash IS NOT NULL, desired_profile,
    current_profile, network_status, hardware_status, last_boot, first_contact_at, disconnected_at,
    created_at, updated_at, access_type, system_status, registration";

fn from_row(r: &Row<'_>) -> rusqlite::Result<ChargePointView> {
    let boot: Option<String> = r.get(9)?;
    Ok(ChargePointView {
        id: r.get(0)?,
        identity: r.get(1)?,
        name: r.get(2)?,
        protocol: r.get(3)?,
        has_password: r.get(4)?,
        desired_profile: r.get(5)?,
        current_profile: r.get(6)?,
        network_status: r.get(7)?,
        hardware_status: r.get(8)?,
        // A boot record that does not parse is shown as none rather than failing the read.
        last_boot: boot.and_then(|b| serde_json::from_str(&b).ok()),
        first_contact_at: r.get(10)?,
        disconnected_at: r.get(11)?,
        created_at: r.get(12)?,
        updated_at: r.get(13)?,
        access_type: r.get(14)?,
        system_status: r.get(15)?,
        registration: r.get(16)?,
    })
}

pub fn list(
    c: &Connection,
    f: &ChargePointFilter,
    page: Page,
) -> rusqlite::Result<Vec<ChargePointView>> {
    let mut w = Filter::new();
    w.eq("identity", f.identity.clone())
        .eq("name", f.name.clone())
        .window("updated_at", &f.updated);
    let sql = format!(
        "SELECT {COLUMNS} FROM charge_points{}",
        w.page_sql("id", page)
    );
    let mut stmt = c.prepare_cached(&sql)?;
    let rows = stmt.query_map(params_from_iter(w.params.iter()), from_row)?;
    rows.collect()
}

pub fn get(c: &Connection, id: i64) -> rusqlite::Result<Option<ChargePointView>> {
    c.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM charge_points WHERE id = ?1"
    ))?
    .query_row([id], from_row)
    .optional()
}

fn identity_taken(tx: &Transaction<'_>, identity: &str, except: i64) -> rusqlite::Result<bool> {
    tx.prepare_cached("SELECT 1 FROM charge_points WHERE identity = ?1 AND id <> ?2")?
        .query_row(params![identity, except], |_| Ok(()))
        .optional()
        .map(|found| found.is_some())
}

pub fn create(
    tx: &Transaction<'_>,
    n: &NewChargePoint,
) -> rusqlite::Result<Outcome<ChargePointView>> {
    let at = now();
    let id: Option<i64> = tx
        .prepare_cached(
            "INSERT INTO charge_points (identity, name, protocol, password_hash, desired_profile,
               access_type, system_status, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)
             ON CONFLICT (identity) DO NOTHING RETURNING id",
        )?
        .query_row(
            params![
                n.identity,
                n.name,
                n.protocol,
                n.password.as_ref().map(|p| p.to_hex()),
                n.desired_profile,
                n.access_type,
                n.system_status,
                at
            ],
            |r| r.get(0),
        )
        .optional()?;
    let Some(id) = id else {
        return Ok(Outcome::Refused(ResourceError::Duplicate("network.id")));
    };
    Ok(match get(tx, id)? {
        Some(v) => Outcome::Done(v),
        None => Outcome::Refused(ResourceError::NotFound),
    })
}

pub fn update(
    tx: &Transaction<'_>,
    id: i64,
    p: &ChargePointPatch,
) -> rusqlite::Result<Outcome<ChargePointView>> {
    if get(tx, id)?.is_none() {
        return Ok(Outcome::Refused(ResourceError::NotFound));
    }
    if let Some(identity) = &p.identity {
        if identity_taken(tx, identity, id)? {
            return Ok(Outcome::Refused(ResourceError::Duplicate("network.id")));
        }
    }
    let mut w = Filter::new();
    let mut sets = Vec::new();
    if let Some(v) = &p.identity {
        sets.push(format!("identity = {}", w.param(v.clone())));
    }
    if let Some(v) = &p.name {
        sets.push(format!("name = {}", w.param(v.clone())));
    }
    if let Some(v) = &p.protocol {
        sets.push(format!("protocol = {}", w.param(v.clone())));
    }
    if let Some(v) = &p.password {
        let hex: rusqlite::types::Value = match v {
            Some(h) => h.to_hex().into(),
            None => rusqlite::types::Value::Null,
        };
        sets.push(format!("password_hash = {}", w.param(hex)));
        // A password the operator sets replaces any still waiting to be used.
        sets.push("pending_password_hashes = NULL".to_owned());
    }
    if let Some(v) = p.desired_profile {
        sets.push(format!("desired_profile = {}", w.param(v)));
    }
    if let Some(v) = &p.access_type {
        sets.push(format!("access_type = {}", w.param(v.clone())));
    }
    if let Some(v) = &p.system_status {
        sets.push(format!("system_status = {}", w.param(v.clone())));
    }
    if let Some(v) = &p.registration {
        sets.push(format!("registration = {}", w.param(v.clone())));
    }
    sets.push(format!("updated_at = {}", w.param(now())));
    let idp = w.param(id);
    let sql = format!(
        "UPDATE charge_points SET {} WHERE id = {idp}",
        sets.join(", ")
    );
    tx.execute(&sql, params_from_iter(w.params.iter()))?;
    Ok(match get(tx, id)? {
        Some(v) => Outcome::Done(v),
        None => Outcome::Refused(ResourceError::NotFound),
    })
}

/// Deletes the row (its EVSEs, sessions and logs go with it, by cascade).
pub fn delete(tx: &Transaction<'_>, id: i64) -> rusqlite::Result<Option<String>> {
    tx.prepare_cached("DELETE FROM charge_points WHERE id = ?1 RETURNING identity")?
        .query_row([id], |r| r.get(0))
        .optional()
}
