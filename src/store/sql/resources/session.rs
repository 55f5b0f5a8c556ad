//! Sessions, with the id of the EVSE they ran on.

use super::query::Filter;
use super::{all_rows, opt_row};
use crate::store::resources::{Page, SessionFilter, SessionView};
use crate::store::sql::{Db, DbResult, Row};

const SELECT: &str = "SELECT s.id, s.charge_point_id, e.id, s.evse_network_id, s.connector_id, s.status,
    s.id_tag, s.started_at, s.stopped_at, s.energy_wh, s.power_latest_w, s.power_peak_w, s.soc_percent,
    s.reason, s.created_at, s.updated_at
    FROM sessions s LEFT JOIN evses e
      ON e.charge_point_id = s.charge_point_id AND e.network_id = s.evse_network_id";

fn from_row(r: &Row) -> DbResult<SessionView> {
    Ok(SessionView {
        id: r.get(0)?,
        charge_point_id: r.get(1)?,
        evse_id: r.get(2)?,
        evse_network_id: r.get(3)?,
        connector_id: r.get(4)?,
        status: r.get(5)?,
        id_tag: r.get(6)?,
        started_at: r.get(7)?,
        stopped_at: r.get(8)?,
        energy_wh: r.get(9)?,
        power_latest_w: r.get(10)?,
        power_peak_w: r.get(11)?,
        soc_percent: r.get(12)?,
        reason: r.get(13)?,
        created_at: r.get(14)?,
        updated_at: r.get(15)?,
    })
}

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
    let sql = format!("{SELECT}{}", w.page_sql("s.id", page));
    all_rows(db, &sql, &w.params(), from_row).await
}

pub async fn get(db: &impl Db, id: i64) -> DbResult<Option<SessionView>> {
    opt_row(db, &format!("{SELECT} WHERE s.id = ?1"), &[&id], from_row).await
}
