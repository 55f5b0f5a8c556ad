//! Sessions, with the id of the EVSE they ran on.

use rusqlite::{params_from_iter, Connection, OptionalExtension, Row};

use super::query::Filter;
use crate::store::resources::{Page, SessionFilter, SessionView};

const SELECT: &str = "SELECT s.id, s.charge_point_id, e.id, s.evse_network_id, s.connector_id, s.status,
    s.id_tag, s.started_at, s.stopped_at, s.energy_wh, s.power_latest_w, s.power_peak_w, s.soc_percent,
    s.reason, s.created_at, s.updated_at
    FROM sessions s LEFT JOIN evses e
      ON e.charge_point_id = s.charge_point_id AND e.network_id = s.evse_network_id";

fn from_row(r: &Row<'_>) -> rusqlite::Result<SessionView> {
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

pub fn list(c: &Connection, f: &SessionFilter, page: Page) -> rusqlite::Result<Vec<SessionView>> {
    let mut w = Filter::new();
    w.eq("s.charge_point_id", f.charge_point_id)
        .cond(
            "s.charge_point_id = (SELECT id FROM charge_points WHERE identity = {})",
            f.charge_point_identity.clone(),
        )
        .eq("e.id", f.evse_id)
        .eq("s.status", f.status.clone())
        .eq("s.id_tag", f.id_tag.clone())
        .window("s.updated_at", &f.updated)
        .window("s.started_at", &f.started)
        .window("s.stopped_at", &f.stopped);
    let sql = format!("{SELECT}{}", w.page_sql("s.id", page));
    let mut stmt = c.prepare_cached(&sql)?;
    let rows = stmt.query_map(params_from_iter(w.params.iter()), from_row)?;
    rows.collect()
}

pub fn get(c: &Connection, id: i64) -> rusqlite::Result<Option<SessionView>> {
    c.prepare_cached(&format!("{SELECT} WHERE s.id = ?1"))?
        .query_row([id], from_row)
        .optional()
}
