//! EVSEs with their connectors, the status logs and the configuration snapshot: what
//! chargers reported about their hardware and their link.

use super::query::Filter;
use super::{all_rows, opt_row};
use crate::store::resources::{
    ConfigurationView, ConnectorView, EvseFilter, EvseView, HardwareStatusLogView,
    NetworkStatusLogView, Page, PowerOptions, Window,
};
use crate::store::sql::db::row;
use crate::store::sql::{Db, DbResult, Row};

/// The EVSEs of the inner query `evses` (already filtered, ordered and limited) with
/// their connectors, in one statement so that both come from one snapshot.
fn with_connectors(evses: &str) -> String {
    format!(
        "SELECT e.id, e.charge_point_id, e.network_id, e.hardware_status, e.error_code,
           e.created_at, e.updated_at, c.connector_id, c.hardware_status, {POWER_COLUMNS_E}
         FROM ({evses}) e LEFT JOIN connectors c ON c.evse_id = e.id
         ORDER BY e.id, c.connector_id"
    )
}

/// Network id 0 is the 1.6 charge point's own connector 0, never an EVSE.
const COLUMNS: &str = "id, charge_point_id, network_id, hardware_status, error_code, created_at, \
     updated_at, phases, connected_phase, phase_rotation, max_amperage, max_voltage, max_power";

/// An EVSE's power options, from the EVSE row `e`, in the order [`power_at`] reads.
pub const POWER_COLUMNS_E: &str =
    "e.phases, e.connected_phase, e.phase_rotation, e.max_amperage, e.max_voltage, e.max_power";

/// The power options selected with [`POWER_COLUMNS_E`] from column `at` on.
pub fn power_at(r: &Row, at: usize) -> DbResult<PowerOptions> {
    Ok(PowerOptions {
        phases: r.get(at)?,
        connected_phase: r.get(at + 1)?,
        phase_rotation: r.get(at + 2)?,
        max_amperage: r.get(at + 3)?,
        max_voltage: r.get(at + 4)?,
        max_power: r.get(at + 5)?,
    })
}

/// Folds the joined rows (an EVSE's rows are adjacent) into EVSEs.
fn fold(rows: &[Row]) -> DbResult<Vec<EvseView>> {
    let mut out: Vec<EvseView> = Vec::new();
    for r in rows {
        let id: i64 = r.get(0)?;
        if out.last().is_none_or(|e| e.id != id) {
            out.push(EvseView {
                id,
                charge_point_id: r.get(1)?,
                network_id: r.get(2)?,
                hardware_status: r.get(3)?,
                error_code: r.get(4)?,
                created_at: r.get(5)?,
                updated_at: r.get(6)?,
                connectors: Vec::new(),
                power: power_at(r, 9)?,
            });
        }
        let connector: Option<i64> = r.get(7)?;
        if let (Some(connector_id), Some(e)) = (connector, out.last_mut()) {
            e.connectors.push(ConnectorView {
                connector_id,
                hardware_status: r.get(8)?,
            });
        }
    }
    Ok(out)
}

pub async fn list(db: &impl Db, f: &EvseFilter, page: Page) -> DbResult<Vec<EvseView>> {
    let mut w = Filter::new(db.dialect());
    w.always("network_id > 0")
        .eq("charge_point_id", f.charge_point_id)
        .window("updated_at", &f.updated);
    let inner = format!("SELECT {COLUMNS} FROM evses{}", w.page_sql("id", page));
    fold(&db.all(&with_connectors(&inner), &w.params()).await?)
}

pub async fn get(db: &impl Db, id: i64) -> DbResult<Option<EvseView>> {
    let inner = format!("SELECT {COLUMNS} FROM evses WHERE id = ?1 AND network_id > 0");
    Ok(fold(&db.all(&with_connectors(&inner), &[&id]).await?)?.pop())
}

row! { const HW_COLUMNS, fn from_row -> HardwareStatusLogView {
    id, evse_network_id, connector_id, hardware_status, error_code, reported_at,
}}

pub async fn hardware_logs(
    db: &impl Db,
    cp: i64,
    created: &Window,
    page: Page,
) -> DbResult<Vec<HardwareStatusLogView>> {
    let mut w = Filter::new(db.dialect());
    w.eq("charge_point_id", Some(cp))
        .window("created_at", created);
    let sql = format!(
        "SELECT {HW_COLUMNS} FROM hardware_status_logs{}",
        w.page_sql("id", page)
    );
    all_rows(db, &sql, &w.params(), HardwareStatusLogView::from_row).await
}

pub async fn latest_hardware_log(db: &impl Db, cp: i64) -> DbResult<Option<HardwareStatusLogView>> {
    let sql = format!(
        "SELECT {HW_COLUMNS} FROM hardware_status_logs WHERE charge_point_id = ?1 ORDER BY id DESC LIMIT 1"
    );
    opt_row(db, &sql, &[&cp], HardwareStatusLogView::from_row).await
}

row! { const NET_COLUMNS, fn from_row -> NetworkStatusLogView {
    id, network_status, created_at,
}}

pub async fn network_logs(
    db: &impl Db,
    cp: i64,
    created: &Window,
    page: Page,
) -> DbResult<Vec<NetworkStatusLogView>> {
    let mut w = Filter::new(db.dialect());
    w.eq("charge_point_id", Some(cp))
        .window("created_at", created);
    let sql = format!(
        "SELECT {NET_COLUMNS} FROM network_status_logs{}",
        w.page_sql("id", page)
    );
    all_rows(db, &sql, &w.params(), NetworkStatusLogView::from_row).await
}

pub async fn latest_network_log(db: &impl Db, cp: i64) -> DbResult<Option<NetworkStatusLogView>> {
    opt_row(
        db,
        &format!(
            "SELECT {NET_COLUMNS} FROM network_status_logs WHERE charge_point_id = ?1
             ORDER BY id DESC LIMIT 1"
        ),
        &[&cp],
        NetworkStatusLogView::from_row,
    )
    .await
}

pub async fn configurations(
    db: &impl Db,
    cp: i64,
    key: Option<&str>,
) -> DbResult<Vec<ConfigurationView>> {
    let mut w = Filter::new(db.dialect());
    w.eq("charge_point_id", Some(cp))
        .eq_text("key", key.map(str::to_owned));
    // Keys in byte order on either engine.
    let sql = format!(
        "SELECT key, value, readonly, updated_at FROM configurations{} ORDER BY key{}",
        w.sql(),
        db.dialect().bytewise()
    );
    all_rows(db, &sql, &w.params(), |r| {
        Ok(ConfigurationView {
            key: r.get(0)?,
            value: r.get(1)?,
            readonly: r.get(2)?,
            updated_at: r.get(3)?,
        })
    })
    .await
}
