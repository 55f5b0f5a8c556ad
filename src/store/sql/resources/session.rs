//! Sessions, with the id of the EVSE they ran on.

use super::query::Filter;
use super::{all_rows, opt_row};
use crate::store::resources::{Page, SessionFilter, SessionView};
use crate::store::sql::db::row;
use crate::store::sql::{Db, DbResult};

const FROM: &str = "FROM sessions s LEFT JOIN evses e
      ON e.charge_point_id = s.charge_point_id AND e.network_id = s.evse_network_id";

row! { const COLUMNS, fn from_row -> SessionView {
    id = "s.id", charge_point_id = "s.charge_point_id", evse_id = "e.id",
    evse_network_id = "s.evse_network_id", connector_id = "s.connector_id", status = "s.status",
    id_tag = "s.id_tag", started_at = "s.started_at", stopped_at = "s.stopped_at",
    energy_wh = "s.energy_wh", power_latest_w = "s.power_latest_w",
    power_peak_w = "s.power_peak_w", soc_percent = "s.soc_percent", reason = "s.reason",
    created_at = "s.created_at", updated_at = "s.updated_at",
}}

pub async fn list(db: &impl Db, f: &SessionFilter, page: Page) -> DbResult<Vec<SessionView>> {
    let mut w = Filter::new(db.dialect());
    w.eq("s.charge_point_id", f.charge_point_id)
        .cond_text(
            "s.charge_point_id = (SELECT id FROM charge_points WHERE identity = {})",
            f.charge_point_identity.clone(),
        )
        .eq("e.id", f.evse_id)
        .eq_text("s.status", f.status.clone())
        .eq_text("s.id_tag", f.id_tag.clone())
        .window("s.updated_at", &f.updated)
        .window("s.started_at", &f.started)
        .window("s.stopped_at", &f.stopped);
    let sql = format!("SELECT {COLUMNS} {FROM}{}", w.page_sql("s.id", page));
    all_rows(db, &sql, &w.params(), SessionView::from_row).await
}

pub async fn get(db: &impl Db, id: i64) -> DbResult<Option<SessionView>> {
    opt_row(
        db,
        &format!("SELECT {COLUMNS} {FROM} WHERE s.id = ?1"),
        &[&id],
        SessionView::from_row,
    )
    .await
}
