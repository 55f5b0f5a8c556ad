//! What happened at the chargers, read only: authorizations, reservations and
//! security events.

use deadpool_postgres::GenericClient;
use tokio_postgres::Row;

use super::query::Filter;
use super::PgResult;
use crate::store::resources::{
    AuthorizationFilter, AuthorizationView, Page, ReservationFilter, ReservationView,
    SecurityEventFilter, SecurityEventView,
};

const AUTH_COLUMNS: &str = "id, charge_point_id, id_tag, status, rejection_reason, method, source,
    session_id, created_at, updated_at";

fn auth_from_row(r: &Row) -> PgResult<AuthorizationView> {
    Ok(AuthorizationView {
        id: r.try_get(0)?,
        charge_point_id: r.try_get(1)?,
        id_tag: r.try_get(2)?,
        status: r.try_get(3)?,
        rejection_reason: r.try_get(4)?,
        method: r.try_get(5)?,
        source: r.try_get(6)?,
        session_id: r.try_get(7)?,
        created_at: r.try_get(8)?,
        updated_at: r.try_get(9)?,
    })
}

pub async fn authorizations<C: GenericClient>(
    c: &C,
    f: &AuthorizationFilter,
    page: Page,
) -> PgResult<Vec<AuthorizationView>> {
    let mut w = Filter::new();
    w.eq_text("status", f.status.clone())
        .eq_text("method", f.method.clone())
        .window("created_at", &f.created)
        .window("updated_at", &f.updated);
    let sql = format!(
        "SELECT {AUTH_COLUMNS} FROM authorizations{}",
        w.page_sql("id", page)
    );
    let stmt = c.prepare_cached(&sql).await?;
    c.query(&stmt, &w.params())
        .await?
        .iter()
        .map(auth_from_row)
        .collect()
}

pub async fn authorization<C: GenericClient>(
    c: &C,
    id: i64,
) -> PgResult<Option<AuthorizationView>> {
    let stmt = c
        .prepare_cached(&format!(
            "SELECT {AUTH_COLUMNS} FROM authorizations WHERE id = $1"
        ))
        .await?;
    c.query_opt(&stmt, &[&id])
        .await?
        .as_ref()
        .map(auth_from_row)
        .transpose()
}

// Connector 0 has a row among the EVSEs (the charge point's own status) but is no EVSE:
// a whole-charge-point reservation has none.
const RESERVATION_FROM: &str = "FROM reservations r LEFT JOIN evses e
      ON e.charge_point_id = r.charge_point_id AND e.network_id = r.evse_network_id
      AND e.network_id > 0";

fn reservation_from_row(r: &Row) -> PgResult<ReservationView> {
    Ok(ReservationView {
        id: r.try_get(0)?,
        charge_point_id: r.try_get(1)?,
        evse_id: r.try_get(2)?,
        status: r.try_get(3)?,
        expires_at: r.try_get(4)?,
        created_at: r.try_get(5)?,
        updated_at: r.try_get(6)?,
        user_id: r.try_get(7)?,
    })
}

fn reservation_filter(f: &ReservationFilter) -> Filter {
    let mut w = Filter::new();
    w.eq("e.id", f.evse_id)
        .eq("r.user_id", f.user_id)
        .eq_text("r.status", f.status.clone())
        .window("r.created_at", &f.created);
    w
}

/// One page by offset and the total; `c` should be a transaction, so that both come
/// from one snapshot.
pub async fn reservations<C: GenericClient>(
    c: &C,
    f: &ReservationFilter,
    offset: u64,
    limit: u32,
) -> PgResult<(Vec<ReservationView>, u64)> {
    let w = reservation_filter(f);
    let stmt = c
        .prepare_cached(&format!("SELECT COUNT(*) {RESERVATION_FROM}{}", w.sql()))
        .await?;
    let total: i64 = c.query_one(&stmt, &w.params()).await?.try_get(0)?;
    let mut w = reservation_filter(f);
    let where_sql = w.sql();
    let lim = w.param(i64::from(limit));
    let off = w.param(i64::try_from(offset).unwrap_or(i64::MAX));
    let stmt = c
        .prepare_cached(&format!(
            "SELECT r.id, r.charge_point_id, e.id, r.status, r.expires_at, r.created_at, r.updated_at, r.user_id
             {RESERVATION_FROM}{where_sql} ORDER BY r.id LIMIT {lim} OFFSET {off}"
        ))
        .await?;
    let rows = c
        .query(&stmt, &w.params())
        .await?
        .iter()
        .map(reservation_from_row)
        .collect::<PgResult<Vec<_>>>()?;
    Ok((rows, u64::try_from(total).unwrap_or(0)))
}

pub async fn reservation<C: GenericClient>(c: &C, id: i64) -> PgResult<Option<ReservationView>> {
    let stmt = c
        .prepare_cached(&format!(
            "SELECT r.id, r.charge_point_id, e.id, r.status, r.expires_at, r.created_at, r.updated_at, r.user_id
             {RESERVATION_FROM} WHERE r.id = $1"
        ))
        .await?;
    c.query_opt(&stmt, &[&id])
        .await?
        .as_ref()
        .map(reservation_from_row)
        .transpose()
}

const EVENT_COLUMNS: &str = "id, charge_point_id, type, tech_info, occurred_at";

fn event_from_row(r: &Row) -> PgResult<SecurityEventView> {
    Ok(SecurityEventView {
        id: r.try_get(0)?,
        charge_point_id: r.try_get(1)?,
        kind: r.try_get(2)?,
        tech_info: r.try_get(3)?,
        occurred_at: r.try_get(4)?,
    })
}

pub async fn security_events<C: GenericClient>(
    c: &C,
    f: &SecurityEventFilter,
    page: Page,
) -> PgResult<Vec<SecurityEventView>> {
    let mut w = Filter::new();
    w.eq("charge_point_id", f.charge_point_id)
        .eq_text("type", f.kind.clone())
        .window("occurred_at", &f.occurred);
    let sql = format!(
        "SELECT {EVENT_COLUMNS} FROM security_events{}",
        w.page_sql("id", page)
    );
    let stmt = c.prepare_cached(&sql).await?;
    c.query(&stmt, &w.params())
        .await?
        .iter()
        .map(event_from_row)
        .collect()
}

pub async fn security_event<C: GenericClient>(
    c: &C,
    id: i64,
) -> PgResult<Option<SecurityEventView>> {
    let stmt = c
        .prepare_cached(&format!(
            "SELECT {EVENT_COLUMNS} FROM security_events WHERE id = $1"
        ))
        .await?;
    c.query_opt(&stmt, &[&id])
        .await?
        .as_ref()
        .map(event_from_row)
        .transpose()
}
