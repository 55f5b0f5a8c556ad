//! What happened at the chargers, read only: authorizations, reservations and
//! security events.

use super::query::Filter;
use super::{all_rows, opt_row};
use crate::store::resources::{
    AuthorizationFilter, AuthorizationView, Page, ReservationFilter, ReservationView,
    SecurityEventFilter, SecurityEventView,
};
use crate::store::sql::db::row;
use crate::store::sql::{Db, DbResult};

row! { const AUTH_COLUMNS, fn from_row -> AuthorizationView {
    id, charge_point_id, id_tag, status, rejection_reason, method, source, session_id,
    created_at, updated_at,
}}

pub async fn authorizations(
    db: &impl Db,
    f: &AuthorizationFilter,
    page: Page,
) -> DbResult<Vec<AuthorizationView>> {
    let mut w = Filter::new(db.dialect());
    w.eq_text("status", f.status.clone())
        .eq_text("method", f.method.clone())
        .window("created_at", &f.created)
        .window("updated_at", &f.updated);
    let sql = format!(
        "SELECT {AUTH_COLUMNS} FROM authorizations{}",
        w.page_sql("id", page)
    );
    all_rows(db, &sql, &w.params(), AuthorizationView::from_row).await
}

pub async fn authorization(db: &impl Db, id: i64) -> DbResult<Option<AuthorizationView>> {
    let sql = format!("SELECT {AUTH_COLUMNS} FROM authorizations WHERE id = ?1");
    opt_row(db, &sql, &[&id], AuthorizationView::from_row).await
}

// Connector 0 has a row among the EVSEs (the charge point's own status) but is no EVSE:
// a whole-charge-point reservation has none.
const RESERVATION_FROM: &str = "FROM reservations r LEFT JOIN evses e
      ON e.charge_point_id = r.charge_point_id AND e.network_id = r.evse_network_id
      AND e.network_id > 0";

row! { const RESERVATION_COLUMNS, fn from_row -> ReservationView {
    id = "r.id", charge_point_id = "r.charge_point_id", evse_id = "e.id", status = "r.status",
    expires_at = "r.expires_at", created_at = "r.created_at", updated_at = "r.updated_at",
    user_id = "r.user_id",
}}

fn reservation_filter(db: &impl Db, f: &ReservationFilter) -> Filter {
    let mut w = Filter::new(db.dialect());
    w.eq("e.id", f.evse_id)
        .eq("r.user_id", f.user_id)
        .eq_text("r.status", f.status.clone())
        .window("r.created_at", &f.created);
    w
}

/// One page by offset and the total, counted in the same statement so that both come
/// from one snapshot (the total's row stands alone when the page is empty).
pub async fn reservations(
    db: &impl Db,
    f: &ReservationFilter,
    offset: u64,
    limit: u32,
) -> DbResult<(Vec<ReservationView>, u64)> {
    let mut w = reservation_filter(db, f);
    let where_sql = w.sql();
    let lim = w.param(i64::from(limit));
    let off = w.param(i64::try_from(offset).unwrap_or(i64::MAX));
    let sql = format!(
        "SELECT t.total, p.id, p.charge_point_id, p.evse_id, p.status, p.expires_at, p.created_at,
           p.updated_at, p.user_id
         FROM (SELECT COUNT(*) AS total {RESERVATION_FROM}{where_sql}) t
         LEFT JOIN (SELECT r.id AS id, r.charge_point_id AS charge_point_id, e.id AS evse_id,
                      r.status AS status, r.expires_at AS expires_at, r.created_at AS created_at,
                      r.updated_at AS updated_at, r.user_id AS user_id
                    {RESERVATION_FROM}{where_sql} ORDER BY r.id LIMIT {lim} OFFSET {off}) p ON 1 = 1
         ORDER BY p.id"
    );
    let rows = db.all(&sql, &w.params()).await?;
    let mut total = 0;
    let mut page = Vec::with_capacity(rows.len());
    for r in &rows {
        total = r.get::<i64>(0)?;
        if r.get::<Option<i64>>(1)?.is_some() {
            page.push(ReservationView::from_row_at(r, 1)?);
        }
    }
    Ok((page, u64::try_from(total).unwrap_or(0)))
}

pub async fn reservation(db: &impl Db, id: i64) -> DbResult<Option<ReservationView>> {
    let sql = format!("SELECT {RESERVATION_COLUMNS} {RESERVATION_FROM} WHERE r.id = ?1");
    opt_row(db, &sql, &[&id], ReservationView::from_row).await
}

row! { const EVENT_COLUMNS, fn from_row -> SecurityEventView {
    id, charge_point_id, kind = "type", tech_info, occurred_at,
}}

pub async fn security_events(
    db: &impl Db,
    f: &SecurityEventFilter,
    page: Page,
) -> DbResult<Vec<SecurityEventView>> {
    let mut w = Filter::new(db.dialect());
    w.eq("charge_point_id", f.charge_point_id)
        .eq_text("type", f.kind.clone())
        .window("occurred_at", &f.occurred);
    let sql = format!(
        "SELECT {EVENT_COLUMNS} FROM security_events{}",
        w.page_sql("id", page)
    );
    all_rows(db, &sql, &w.params(), SecurityEventView::from_row).await
}

pub async fn security_event(db: &impl Db, id: i64) -> DbResult<Option<SecurityEventView>> {
    let sql = format!("SELECT {EVENT_COLUMNS} FROM security_events WHERE id = ?1");
    opt_row(db, &sql, &[&id], SecurityEventView::from_row).await
}
