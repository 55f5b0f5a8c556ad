//! Charge points: the list, one by id, and the API's create, update and delete.

use super::query::Filter;
use super::{all_rows, opt_row, unique_violation, Outcome};
use crate::store::resources::{
    ChargePointFilter, ChargePointPatch, ChargePointView, NewChargePoint, Page, ResourceError,
};
use crate::store::sql::db::row;
use crate::store::sql::{now, Db, DbResult};

row! { const COLUMNS, fn from_row -> ChargePointView {
    id, identity, name, protocol, has_password = "password_hash IS NOT NULL", desired_profile,
    current_profile, network_status, hardware_status,
    // A boot record that does not parse is shown as none rather than failing the read.
    last_boot => |b: Option<String>| b.and_then(|b| serde_json::from_str(&b).ok()),
    first_contact_at, disconnected_at, created_at, updated_at, access_type, system_status,
    registration,
}}

pub async fn list(
    db: &impl Db,
    f: &ChargePointFilter,
    page: Page,
) -> DbResult<Vec<ChargePointView>> {
    let mut w = Filter::new(db.dialect());
    w.eq_text("identity", f.identity.clone())
        .eq_text("name", f.name.clone())
        .window("updated_at", &f.updated);
    let sql = format!(
        "SELECT {COLUMNS} FROM charge_points{}",
        w.page_sql("id", page)
    );
    all_rows(db, &sql, &w.params(), ChargePointView::from_row).await
}

pub async fn get(db: &impl Db, id: i64) -> DbResult<Option<ChargePointView>> {
    let sql = format!("SELECT {COLUMNS} FROM charge_points WHERE id = ?1");
    opt_row(db, &sql, &[&id], ChargePointView::from_row).await
}

async fn identity_taken(db: &impl Db, identity: &str, except: i64) -> DbResult<bool> {
    Ok(db
        .opt(
            "SELECT 1 FROM charge_points WHERE identity = ?1 AND id <> ?2",
            &[&identity, &except],
        )
        .await?
        .is_some())
}

pub async fn create(db: &impl Db, n: &NewChargePoint) -> DbResult<Outcome<ChargePointView>> {
    let at = now();
    let password = n.password.as_ref().map(|p| p.to_hex());
    // A refused insert spends an id on either engine: ids stay alike.
    let id: Option<i64> = db
        .opt(
            "INSERT INTO charge_points (identity, name, protocol, password_hash, desired_profile,
               access_type, system_status, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)
             ON CONFLICT (identity) DO NOTHING RETURNING id",
            &[
                &n.identity,
                &n.name,
                &n.protocol,
                &password,
                &n.desired_profile,
                &n.access_type,
                &n.system_status,
                &at,
            ],
        )
        .await?
        .map(|r| r.get(0))
        .transpose()?;
    let Some(id) = id else {
        return Ok(Outcome::Refused(ResourceError::Duplicate("network.id")));
    };
    Ok(match get(db, id).await? {
        Some(v) => Outcome::Done(v),
        None => Outcome::Refused(ResourceError::NotFound),
    })
}

pub async fn update(
    db: &impl Db,
    id: i64,
    p: &ChargePointPatch,
) -> DbResult<Outcome<ChargePointView>> {
    if get(db, id).await?.is_none() {
        return Ok(Outcome::Refused(ResourceError::NotFound));
    }
    if let Some(identity) = &p.identity {
        if identity_taken(db, identity, id).await? {
            return Ok(Outcome::Refused(ResourceError::Duplicate("network.id")));
        }
    }
    let mut w = Filter::new(db.dialect());
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
        let hex: Option<String> = v.as_ref().map(|h| h.to_hex());
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
    match db.exec(&sql, &w.params()).await {
        Ok(_) => {}
        // Another transaction took the identity between the check and the update.
        Err(e) if unique_violation(&e) => {
            return Ok(Outcome::Refused(ResourceError::Duplicate("network.id")))
        }
        Err(e) => return Err(e),
    }
    Ok(match get(db, id).await? {
        Some(v) => Outcome::Done(v),
        None => Outcome::Refused(ResourceError::NotFound),
    })
}

/// Deletes the row (its EVSEs, sessions and logs go with it, by cascade).
pub async fn delete(db: &impl Db, id: i64) -> DbResult<Option<String>> {
    opt_row(
        db,
        "DELETE FROM charge_points WHERE id = ?1 RETURNING identity",
        &[&id],
        |r| r.get(0),
    )
    .await
}
