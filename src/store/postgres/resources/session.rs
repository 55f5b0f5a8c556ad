//! Sessions, with the id of the EVSE they ran on.

use deadpool_postgres::GenericClient;
use tokio_postgres::Row;

use super::query::Filter;
use super::PgResult;
use crate::store::resources::{Page, SessionFilter, SessionView};

const SELECT: &str = "SELECT s.id, s.charge_point_id, e.id, s.evse_network_id, s.connector_id, s.status,
    s.id_tag, s.started_at, s.stopped_at, s.energy_wh, s.power_latest_w, s.power_peak_w, s.soc_percent,
    s.reason, s.created_at, s.updated_at
    FROM sessions s LEFT JOIN evses e
      ON e.charge_point_id = s.charge_point_id AND e.network_id = s.evse_network_id";

fn from_row(r: &Row) -> PgResult<SessionView> {
    Ok(SessionView {
        id: r.try_get(0)?,
        charge_point_id: r.try_get(1)?,
        evse_id: r.try_get(2)?,
        evse_network_id: r.try_get(3)?,
        connector_id: r.try_get(4)?,
        status: r.try_get(5)?,
        id_tag: r.try_get(6)?,
        started_at: r.try_get(7)?,
        stopped_at: r.try_get(8)?,
        energy_wh: r.try_get(9)?,
        power_latest_w: r.try_get(10)?,
        power_peak_w: r.try_get(11)?,
        soc_percent: r.try_get(12)?,
        reason: r.try_get(13)?,
        created_at: r.try_get(14)?,
        updated_at: r.try_get(15)?,
    })
}

pub async fn list<C: GenericClient>(
    c: &C,
    f: &SessionFilter,
    page: Page,
) -> PgResult<Vec<SessionView>> {
    let mut w = Filter::new();
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
    let stmt = c.prepare_cached(&sql).await?;
    c.query(&stmt, &w.params())
        .await?
        .iter()
        .map(from_row)
        .collect()
}

pub async fn get<C: GenericClient>(c: &C, id: i64) -> PgResult<Option<SessionView>> {
    let stmt = c
        .prepare_cached(&format!("{SELECT} WHERE s.id = $1"))
        .await?;
    c.query_opt(&stmt, &[&id])
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}
