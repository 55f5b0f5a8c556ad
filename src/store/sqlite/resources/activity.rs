//! What happened at the chargers, read only: authorizations, reservations and
//! security events.

use rusqlite::{params_from_iter, Connection, OptionalExtension, Row};

use super::query::Filter;
use crate::store::resources::{
    AuthorizationFilter, AuthorizationView, Page, ReservationFilter, ReservationView,
    SecurityEventFilter, SecurityEventView,
};

const AUTH_COLUMNS: &str = "id, charge_point_id, id_tag, status, rejection_reason, method, source,
    session_id, created_at, updated_at";

fn auth_from_row(r: &Row<'_>) -> rusqlite::Result<AuthorizationView> {
    Ok(AuthorizationView {
        id: r.get(0)?,
        charge_point_id: r.get(1)?,
        id_tag: r.get(2)?,
        status: r.get(3)?,
        rejection_reason: r.get(4)?,
        method: r.get(5)?,
        source: r.get(6)?,
        session_id: r.get(7)?,
        created_at: r.get(8)?,
        updated_at: r.get(9)?,
    })
}

pub fn authorizations(
    c: &Connection,
    f: &AuthorizationFilter,
    page: Page,
) -> rusqlite::Result<Vec<AuthorizationView>> {
    let mut w = Filter::new();
    w.eq("status", f.status.clone())
        .eq("method", f.method.clone())
        .window("created_at", &f.created)
        .window("updated_at", &f.updated);
    let sql = format!(
        "SELECT {AUTH_COLUMNS} FROM authorizations{}",
        w.page_sql("id", page)
    );
    let mut stmt = c.prepare_cached(&sql)?;
    let rows = stmt.query_map(params_from_iter(w.params.iter()), auth_from_row)?;
    rows.collect()
}

pub fn authorization(c: &Connection, id: i64) -> rusqlite::Result<Option<AuthorizationView>> {
    c.prepare_cached(&format!(
        "SELECT {AUTH_COLUMNS} FROM authorizations WHERE id = ?1"
    ))?
    .query_row([id], auth_from_row)
    .optional()
}

// Connector 0 has a row among the EVSEs (the charge point's own status) but is no EVSE:
// a whole-charge-point reservation has none.
const RESERVATION_SELECT: &str = "SELECT r.id, r.charge_point_id, e.id, r.status, r.expires_at,
    r.created_at, r.updated_at, r.user_id
    FROM reservations r LEFT JOIN evses e
      ON e.charge_point_id = r.charge_point_id AND e.network_id = r.evse_network_id
      AND e.network_id > 0";

fn reservation_from_row(r: &Row<'_>) -> rusqlite::Result<ReservationView> {
    Ok(ReservationView {
        id: r.get(0)?,
        charge_point_id: r.get(1)?,
        evse_id: r.get(2)?,
        status: r.get(3)?,
        expires_at: r.get(4)?,
        created_at: r.get(5)?,
        updated_at: r.get(6)?,
        user_id: r.get(7)?,
    })
}

fn reservation_filter(f: &ReservationFilter) -> Filter {
    let mut w = Filter::new();
    w.eq("e.id", f.evse_id)
        .eq("r.user_id", f.user_id)
        .eq("r.status", f.status.clone())
        .window("r.created_at", &f.created);
    w
}

pub fn reservations(
    c: &Connection,
    f: &ReservationFilter,
    offset: u64,
    limit: u32,
) -> rusqlite::Result<(Vec<ReservationView>, u64)> {
    let w = reservation_filter(f);
    let total: i64 = c
        .prepare_cached(&format!(
            "SELECT COUNT(*) FROM reservations r LEFT JOIN evses e
               ON e.charge_point_id = r.charge_point_id AND e.network_id = r.evse_network_id
               AND e.network_id > 0{}",
            w.sql()
        ))?
        .query_row(params_from_iter(w.params.iter()), |r| r.get(0))?;
    let mut w = reservation_filter(f);
    let where_sql = w.sql();
    let lim = w.param(i64::from(limit));
    let off = w.param(i64::try_from(offset).unwrap_or(i64::MAX));
    let sql = format!("{RESERVATION_SELECT}{where_sql} ORDER BY r.id LIMIT {lim} OFFSET {off}");
    let mut stmt = c.prepare_cached(&sql)?;
    let rows = stmt
        .query_map(params_from_iter(w.params.iter()), reservation_from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok((rows, u64::try_from(total).unwrap_or(0)))
}

pub fn reservation(c: &Connection, id: i64) -> rusqlite::Result<Option<ReservationView>> {
    c.prepare_cached(&format!("{RESERVATION_SELECT} WHERE r.id = ?1"))?
        .query_row([id], reservation_from_row)
        .optional()
}

const EVENT_COLUMNS: &str = "id, charge_point_id, type, tech_info, occurred_at";

fn event_from_row(r: &Row<'_>) -> rusqlite::Result<SecurityEventView> {
    Ok(SecurityEventView {
        id: r.get(0)?,
        charge_point_id: r.get(1)?,
        kind: r.get(2)?,
        tech_info: r.get(3)?,
        occurred_at: r.get(4)?,
    })
}

pub fn security_events(
    c: &Connection,
    f: &SecurityEventFilter,
    page: Page,
) -> rusqlite::Result<Vec<SecurityEventView>> {
    let mut w = Filter::new();
    w.eq("charge_point_id", f.charge_point_id)
        .eq("type", f.kind.clone())
        .window("occurred_at", &f.occurred);
    let sql = format!(
        "SELECT {EVENT_COLUMNS} FROM security_events{}",
        w.page_sql("id", page)
    );
    let mut stmt = c.prepare_cached(&sql)?;
    let rows = stmt.query_map(params_from_iter(w.params.iter()), event_from_row)?;
    rows.collect()
}

pub fn security_event(c: &Connection, id: i64) -> rusqlite::Result<Option<SecurityEventView>> {
    c.prepare_cached(&format!(
        "SELECT {EVENT_COLUMNS} FROM security_events WHERE id = ?1"
    ))?
    .query_row([id], event_from_row)
    .optional()
}
