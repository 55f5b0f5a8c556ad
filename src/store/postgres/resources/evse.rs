//! EVSEs with their connectors, the status logs and the configuration snapshot: what
//! chargers reported about their hardware and their link.

use deadpool_postgres::GenericClient;
use tokio_postgres::Row;

use super::query::Filter;
use super::PgResult;
use crate::store::resources::{
    ConfigurationView, ConnectorView, EvseFilter, EvseView, HardwareStatusLogView,
    NetworkStatusLogView, Page, Window,
};

/// The EVSEs of the inner query `evses` (already filtered, ordered and limited) with
/// their connectors, in one statement so that both come from one snapshot.
fn with_connectors(evses: &str) -> String {
    format!(
        "SELECT e.id, e.charge_point_id, e.network_id, e.hardware_status, e.error_code,
           e.created_at, e.updated_at, c.connector_id, c.hardware_status
         FROM ({evses}) e LEFT JOIN connectors c ON c.evse_id = e.id
         ORDER BY e.id, c.connector_id"
    )
}

/// Network id 0 is the 1.6 charge point's own connector 0, never an EVSE.
const COLUMNS: &str =
    "id, charge_point_id, network_id, hardware_status, error_code, created_at, updated_at";

/// Folds the joined rows (an EVSE's rows are adjacent) into EVSEs.
fn fold(rows: &[Row]) -> PgResult<Vec<EvseView>> {
    let mut out: Vec<EvseView> = Vec::new();
    for r in rows {
        let id: i64 = r.try_get(0)?;
        if out.last().is_none_or(|e| e.id != id) {
            out.push(EvseView {
                id,
                charge_point_id: r.try_get(1)?,
                network_id: r.try_get(2)?,
                hardware_status: r.try_get(3)?,
                error_code: r.try_get(4)?,
                created_at: r.try_get(5)?,
                updated_at: r.try_get(6)?,
                connectors: Vec::new(),
            });
        }
        let connector: Option<i64> = r.try_get(7)?;
        if let (Some(connector_id), Some(e)) = (connector, out.last_mut()) {
            e.connectors.push(ConnectorView {
                connector_id,
                hardware_status: r.try_get(8)?,
            });
        }
    }
    Ok(out)
}

pub async fn list<C: GenericClient>(c: &C, f: &EvseFilter, page: Page) -> PgResult<Vec<EvseView>> {
    let mut w = Filter::new();
    w.always("network_id > 0")
        .eq("charge_point_id", f.charge_point_id)
        .window("updated_at", &f.updated);
    let inner = format!("SELECT {COLUMNS} FROM evses{}", w.page_sql("id", page));
    let stmt = c.prepare_cached(&with_connectors(&inner)).await?;
    fold(&c.query(&stmt, &w.params()).await?)
}

pub async fn get<C: GenericClient>(c: &C, id: i64) -> PgResult<Option<EvseView>> {
    let inner = format!("SELECT {COLUMNS} FROM evses WHERE id = $1 AND network_id > 0");
    let stmt = c.prepare_cached(&with_connectors(&inner)).await?;
    Ok(fold(&c.query(&stmt, &[&id]).await?)?.pop())
}

const HW_COLUMNS: &str =
    "id, evse_network_id, connector_id, hardware_status, error_code, reported_at";

fn hw_from_row(r: &Row) -> PgResult<HardwareStatusLogView> {
    Ok(HardwareStatusLogView {
        id: r.try_get(0)?,
        evse_network_id: r.try_get(1)?,
        connector_id: r.try_get(2)?,
        hardware_status: r.try_get(3)?,
        error_code: r.try_get(4)?,
        reported_at: r.try_get(5)?,
    })
}

pub async fn hardware_logs<C: GenericClient>(
    c: &C,
    cp: i64,
    created: &Window,
    page: Page,
) -> PgResult<Vec<HardwareStatusLogView>> {
    let mut w = Filter::new();
    w.eq("charge_point_id", Some(cp))
        .window("created_at", created);
    let sql = format!(
        "SELECT {HW_COLUMNS} FROM hardware_status_logs{}",
        w.page_sql("id", page)
    );
    let stmt = c.prepare_cached(&sql).await?;
    c.query(&stmt, &w.params())
        .await?
        .iter()
        .map(hw_from_row)
        .collect()
}

pub async fn latest_hardware_log<C: GenericClient>(
    c: &C,
    cp: i64,
) -> PgResult<Option<HardwareStatusLogView>> {
    let stmt = c
        .prepare_cached(&format!(
            "SELECT {HW_COLUMNS} FROM hardware_status_logs WHERE charge_point_id = $1 ORDER BY id DESC LIMIT 1"
        ))
        .await?;
    c.query_opt(&stmt, &[&cp])
        .await?
        .as_ref()
        .map(hw_from_row)
        .transpose()
}

fn net_from_row(r: &Row) -> PgResult<NetworkStatusLogView> {
    Ok(NetworkStatusLogView {
        id: r.try_get(0)?,
        network_status: r.try_get(1)?,
        created_at: r.try_get(2)?,
    })
}

pub async fn network_logs<C: GenericClient>(
    c: &C,
    cp: i64,
    created: &Window,
    page: Page,
) -> PgResult<Vec<NetworkStatusLogView>> {
    let mut w = Filter::new();
    w.eq("charge_point_id", Some(cp))
        .window("created_at", created);
    let sql = format!(
        "SELECT id, network_status, created_at FROM network_status_logs{}",
        w.page_sql("id", page)
    );
    let stmt = c.prepare_cached(&sql).await?;
    c.query(&stmt, &w.params())
        .await?
        .iter()
        .map(net_from_row)
        .collect()
}

pub async fn latest_network_log<C: GenericClient>(
    c: &C,
    cp: i64,
) -> PgResult<Option<NetworkStatusLogView>> {
    let stmt = c
        .prepare_cached(
            "SELECT id, network_status, created_at FROM network_status_logs WHERE charge_point_id = $1
             ORDER BY id DESC LIMIT 1",
        )
        .await?;
    c.query_opt(&stmt, &[&cp])
        .await?
        .as_ref()
        .map(net_from_row)
        .transpose()
}

pub async fn configurations<C: GenericClient>(
    c: &C,
    cp: i64,
    key: Option<&str>,
) -> PgResult<Vec<ConfigurationView>> {
    let mut w = Filter::new();
    w.eq("charge_point_id", Some(cp))
        .eq_text("key", key.map(str::to_owned));
    // Keys in byte order, as SQLite sorts them.
    let sql = format!(
        "SELECT key, value, readonly, updated_at FROM configurations{} ORDER BY key COLLATE \"C\"",
        w.sql()
    );
    let stmt = c.prepare_cached(&sql).await?;
    c.query(&stmt, &w.params())
        .await?
        .iter()
        .map(|r| {
            Ok(ConfigurationView {
                key: r.try_get(0)?,
                value: r.try_get(1)?,
                readonly: r.try_get(2)?,
                updated_at: r.try_get(3)?,
            })
        })
        .collect()
}
