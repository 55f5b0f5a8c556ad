//! EVSEs with their connectors, the status logs and the configuration snapshot: what
//! chargers reported about their hardware and their link.

use rusqlite::{params_from_iter, Connection, OptionalExtension, Row};

use super::query::Filter;
use crate::store::resources::{
    ConfigurationView, ConnectorView, EvseFilter, EvseView, HardwareStatusLogView,
    NetworkStatusLogView, Page, Window,
};

/// Network id 0 is the 1.6 charge point's own connector 0, never an EVSE.
const COLUMNS: &str =
    "id, charge_point_id, network_id, hardware_status, error_code, created_at, updated_at";

fn from_row(r: &Row<'_>) -> rusqlite::Result<EvseView> {
    Ok(EvseView {
        id: r.get(0)?,
        charge_point_id: r.get(1)?,
        network_id: r.get(2)?,
        hardware_status: r.get(3)?,
        error_code: r.get(4)?,
        created_at: r.get(5)?,
        updated_at: r.get(6)?,
        connectors: Vec::new(),
    })
}

fn with_connectors(c: &Connection, mut e: EvseView) -> rusqlite::Result<EvseView> {
    let mut stmt = c.prepare_cached(
        "SELECT connector_id, hardware_status FROM connectors WHERE evse_id = ?1 ORDER BY connector_id",
    )?;
    let rows = stmt.query_map([e.id], |r| {
        Ok(ConnectorView {
            connector_id: r.get(0)?,
            hardware_status: r.get(1)?,
        })
    })?;
    e.connectors = rows.collect::<rusqlite::Result<_>>()?;
    Ok(e)
}

pub fn list(c: &Connection, f: &EvseFilter, page: Page) -> rusqlite::Result<Vec<EvseView>> {
    let mut w = Filter::new();
    w.always("network_id > 0")
        .eq("charge_point_id", f.charge_point_id)
        .window("updated_at", &f.updated);
    let sql = format!("SELECT {COLUMNS} FROM evses{}", w.page_sql("id", page));
    let mut stmt = c.prepare_cached(&sql)?;
    let evses = stmt
        .query_map(params_from_iter(w.params.iter()), from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    evses.into_iter().map(|e| with_connectors(c, e)).collect()
}

pub fn get(c: &Connection, id: i64) -> rusqlite::Result<Option<EvseView>> {
    let found = c
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM evses WHERE id = ?1 AND network_id > 0"
        ))?
        .query_row([id], from_row)
        .optional()?;
    found.map(|e| with_connectors(c, e)).transpose()
}

const HW_COLUMNS: &str =
    "id, evse_network_id, connector_id, hardware_status, error_code, reported_at";

fn hw_from_row(r: &Row<'_>) -> rusqlite::Result<HardwareStatusLogView> {
    Ok(HardwareStatusLogView {
        id: r.get(0)?,
        evse_network_id: r.get(1)?,
        connector_id: r.get(2)?,
        hardware_status: r.get(3)?,
        error_code: r.get(4)?,
        reported_at: r.get(5)?,
    })
}

pub fn hardware_logs(
    c: &Connection,
    cp: i64,
    created: &Window,
    page: Page,
) -> rusqlite::Result<Vec<HardwareStatusLogView>> {
    let mut w = Filter::new();
    w.eq("charge_point_id", Some(cp))
        .window("created_at", created);
    let sql = format!(
        "SELECT {HW_COLUMNS} FROM hardware_status_logs{}",
        w.page_sql("id", page)
    );
    let mut stmt = c.prepare_cached(&sql)?;
    let rows = stmt.query_map(params_from_iter(w.params.iter()), hw_from_row)?;
    rows.collect()
}

pub fn latest_hardware_log(
    c: &Connection,
    cp: i64,
) -> rusqlite::Result<Option<HardwareStatusLogView>> {
    c.prepare_cached(&format!(
        "SELECT {HW_COLUMNS} FROM hardware_status_logs WHERE charge_point_id = ?1 ORDER BY id DESC LIMIT 1"
    ))?
    .query_row([cp], hw_from_row)
    .optional()
}

fn net_from_row(r: &Row<'_>) -> rusqlite::Result<NetworkStatusLogView> {
    Ok(NetworkStatusLogView {
        id: r.get(0)?,
        network_status: r.get(1)?,
        created_at: r.get(2)?,
    })
}

pub fn network_logs(
    c: &Connection,
    cp: i64,
    created: &Window,
    page: Page,
) -> rusqlite::Result<Vec<NetworkStatusLogView>> {
    let mut w = Filter::new();
    w.eq("charge_point_id", Some(cp))
        .window("created_at", created);
    let sql = format!(
        "SELECT id, network_status, created_at FROM network_status_logs{}",
        w.page_sql("id", page)
    );
    let mut stmt = c.prepare_cached(&sql)?;
    let rows = stmt.query_map(params_from_iter(w.params.iter()), net_from_row)?;
    rows.collect()
}

pub fn latest_network_log(
    c: &Connection,
    cp: i64,
) -> rusqlite::Result<Option<NetworkStatusLogView>> {
    c.prepare_cached(
        "SELECT id, network_status, created_at FROM network_status_logs WHERE charge_point_id = ?1
         ORDER BY id DESC LIMIT 1",
    )?
    .query_row([cp], net_from_row)
    .optional()
}

pub fn configurations(
    c: &Connection,
    cp: i64,
    key: Option<&str>,
) -> rusqlite::Result<Vec<ConfigurationView>> {
    let mut w = Filter::new();
    w.eq("charge_point_id", Some(cp))
        .eq("key", key.map(str::to_owned));
    let sql = format!(
        "SELECT key, value, readonly, updated_at FROM configurations{} ORDER BY key",
        w.sql()
    );
    let mut stmt = c.prepare_cached(&sql)?;
    let rows = stmt.query_map(params_from_iter(w.params.iter()), |r| {
        Ok(ConfigurationView {
            key: r.get(0)?,
            value: r.get(1)?,
            readonly: r.get(2)?,
            updated_at: r.get(3)?,
        })
    })?;
    rows.collect()
}
