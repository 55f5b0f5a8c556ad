//! Charge points: the list, one by id, and the API's create, update and delete.

use deadpool_postgres::GenericClient;
use tokio_postgres::error::SqlState;
use tokio_postgres::Row;

use super::query::Filter;
use super::{Outcome, PgResult};
use crate::store::resources::{
    ChargePointFilter, ChargePointPatch, ChargePointView, NewChargePoint, Page, ResourceError,
};
use crate::store::sqlite::now;

const COLUMNS: &str = "id, identity, name, protocol, password_hash IS NOT NULL, desired_profile,
    current_profile, network_status, hardware_status, last_boot, first_contact_at, disconnected_at,
    created_at, updated_at, access_type, system_status, registration";

fn from_row(r: &Row) -> PgResult<ChargePointView> {
    let boot: Option<String> = r.try_get(9)?;
    Ok(ChargePointView {
        id: r.try_get(0)?,
        identity: r.try_get(1)?,
        name: r.try_get(2)?,
        protocol: r.try_get(3)?,
        has_password: r.try_get(4)?,
        desired_profile: r.try_get(5)?,
        current_profile: r.try_get(6)?,
        network_status: r.try_get(7)?,
        hardware_status: r.try_get(8)?,
        // A boot record that does not parse is shown as none rather than failing the read.
        last_boot: boot.and_then(|b| serde_json::from_str(&b).ok()),
        first_contact_at: r.try_get(10)?,
        disconnected_at: r.try_get(11)?,
        created_at: r.try_get(12)?,
        updated_at: r.try_get(13)?,
        access_type: r.try_get(14)?,
        system_status: r.try_get(15)?,
        registration: r.try_get(16)?,
    })
}

pub async fn list<C: GenericClient>(
    c: &C,
    f: &ChargePointFilter,
    page: Page,
) -> PgResult<Vec<ChargePointView>> {
    let mut w = Filter::new();
    w.eq_text("identity", f.identity.clone())
        .eq_text("name", f.name.clone())
        .window("updated_at", &f.updated);
    let sql = format!(
        "SELECT {COLUMNS} FROM charge_points{}",
        w.page_sql("id", page)
    );
    let stmt = c.prepare_cached(&sql).await?;
    c.query(&stmt, &w.params())
        .await?
        .iter()
        .map(from_row)
        .collect()
}

pub async fn get<C: GenericClient>(c: &C, id: i64) -> PgResult<Option<ChargePointView>> {
    let stmt = c
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM charge_points WHERE id = $1"
        ))
        .await?;
    c.query_opt(&stmt, &[&id])
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

async fn identity_taken<C: GenericClient>(c: &C, identity: &str, except: i64) -> PgResult<bool> {
    let stmt = c
        .prepare_cached("SELECT 1 FROM charge_points WHERE identity = $1 AND id <> $2")
        .await?;
    Ok(c.query_opt(&stmt, &[&identity, &except]).await?.is_some())
}

/// Whether the error is the identity's unique index refusing a row another transaction
/// committed meanwhile.
fn duplicate(e: &tokio_postgres::Error) -> bool {
    e.code() == Some(&SqlState::UNIQUE_VIOLATION)
}

pub async fn create<C: GenericClient>(
    c: &C,
    n: &NewChargePoint,
) -> PgResult<Outcome<ChargePointView>> {
    let at = now();
    // A refused insert spends an id, in SQLite (AUTOINCREMENT) as here: ids stay alike.
    let stmt = c
        .prepare_cached(
            "INSERT INTO charge_points (identity, name, protocol, password_hash, desired_profile,
               access_type, system_status, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)
             ON CONFLICT (identity) DO NOTHING RETURNING id",
        )
        .await?;
    let password = n.password.as_ref().map(|p| p.to_hex());
    let id: Option<i64> = c
        .query_opt(
            &stmt,
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
        .map(|r| r.try_get(0))
        .transpose()?;
    let Some(id) = id else {
        return Ok(Outcome::Refused(ResourceError::Duplicate("network.id")));
    };
    Ok(match get(c, id).await? {
        Some(v) => Outcome::Done(v),
        None => Outcome::Refused(ResourceError::NotFound),
    })
}

pub async fn update<C: GenericClient>(
    c: &C,
    id: i64,
    p: &ChargePointPatch,
) -> PgResult<Outcome<ChargePointView>> {
    if get(c, id).await?.is_none() {
        return Ok(Outcome::Refused(ResourceError::NotFound));
    }
    if let Some(identity) = &p.identity {
        if identity_taken(c, identity, id).await? {
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
    let stmt = c.prepare_cached(&sql).await?;
    match c.execute(&stmt, &w.params()).await {
        Ok(_) => {}
        // Another transaction took the identity between the check and the update.
        Err(e) if duplicate(&e) => {
            return Ok(Outcome::Refused(ResourceError::Duplicate("network.id")))
        }
        Err(e) => return Err(e),
    }
    Ok(match get(c, id).await? {
        Some(v) => Outcome::Done(v),
        None => Outcome::Refused(ResourceError::NotFound),
    })
}

/// Deletes the row (its EVSEs, sessions and logs go with it, by cascade).
pub async fn delete<C: GenericClient>(c: &C, id: i64) -> PgResult<Option<String>> {
    let stmt = c
        .prepare_cached("DELETE FROM charge_points WHERE id = $1 RETURNING identity")
        .await?;
    c.query_opt(&stmt, &[&id])
        .await?
        .map(|r| r.try_get(0))
        .transpose()
}
