//! Circuits: their fields, the tree they form, and deleting them. Every write checks
//! what it refers to in its own transaction (the parent and the meter exist, the parent
//! is no descendant, the attached EVSEs still fit), so a refused write stores nothing.
//! As the reference says, a circuit with a load balancing integration takes no part in
//! multi-level DLM: it has no parent and no children.

use super::query::Filter;
use super::{all_rows, opt_row, Outcome};
use crate::store::resources::electrical::{self, Fault};
use crate::store::resources::{
    CircuitFilter, CircuitPatch, CircuitSpec, CircuitView, Page, PowerOptions, ResourceError,
};
use crate::store::sql::db::row;
use crate::store::sql::{now, Db, DbResult};

row! { pub const COLUMNS, pub fn from_row -> CircuitView {
    id, name, max_current, min_charge_point_current, offline_reserved_current, phases,
    phase_rotation, connected_phase, electrical_configuration, max_voltage,
    parent_circuit_id, electricity_meter_id, zero_on_idle, load_balancing_integration,
    created_at, updated_at,
}}

/// The deepest tree walked looking for a cycle (far more levels than any installation).
const MAX_DEPTH: usize = 1000;

pub(super) fn invalid<T>(f: Fault) -> DbResult<Outcome<T>> {
    Ok(Outcome::Refused(ResourceError::Invalid {
        field: f.field.to_owned(),
        message: f.message,
    }))
}

pub async fn list(db: &impl Db, f: &CircuitFilter, page: Page) -> DbResult<Vec<CircuitView>> {
    let mut w = Filter::new(db.dialect());
    w.window("updated_at", &f.updated);
    let sql = format!("SELECT {COLUMNS} FROM circuits{}", w.page_sql("id", page));
    all_rows(db, &sql, &w.params(), CircuitView::from_row).await
}

pub async fn get(db: &impl Db, id: i64) -> DbResult<Option<CircuitView>> {
    let sql = format!("SELECT {COLUMNS} FROM circuits WHERE id = ?1");
    opt_row(db, &sql, &[&id], CircuitView::from_row).await
}

/// Every circuit, by id.
pub async fn all(db: &impl Db) -> DbResult<Vec<CircuitView>> {
    let sql = format!("SELECT {COLUMNS} FROM circuits ORDER BY id");
    all_rows(db, &sql, &[], CircuitView::from_row).await
}

/// The power options of the EVSEs attached to circuit `id`.
async fn attached_power(db: &impl Db, id: i64) -> DbResult<Vec<(i64, PowerOptions)>> {
    all_rows(
        db,
        &format!(
            "SELECT e.network_id, {} FROM evses e
             JOIN circuit_charge_points cc ON cc.charge_point_id = e.charge_point_id
             WHERE cc.circuit_id = ?1 AND e.network_id > 0 ORDER BY e.id",
            super::evse::POWER_COLUMNS_E
        ),
        &[&id],
        |r| Ok((r.get(0)?, super::evse::power_at(r, 1)?)),
    )
    .await
}

/// Whether a circuit uses a load balancing integration (one with an `id`): the reference
/// keeps those out of multi-level DLM, as a child or as a parent.
fn integrated(c: &CircuitSpec) -> bool {
    c.load_balancing_integration
        .as_deref()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(t).ok())
        .is_some_and(|v| !v["id"].is_null())
}

/// What `spec` (of circuit `id`, none for a new one) refers to, checked: the meter and
/// the parent exist, the parent is not the circuit or below it, the circuit fits its
/// parent and its children fit it, and the EVSEs attached to it fit it.
async fn refused(db: &impl Db, id: Option<i64>, spec: &CircuitSpec) -> DbResult<Option<Fault>> {
    let bad = |field: &'static str, message: String| Ok(Some(Fault { field, message }));
    if let Err(f) = electrical::check_circuit(spec) {
        return Ok(Some(f));
    }
    if let Some(m) = spec.electricity_meter_id {
        let known = db
            .opt("SELECT 1 FROM electricity_meters WHERE id = ?1", &[&m])
            .await?
            .is_some();
        if !known {
            return bad(
                "electricityMeterId",
                format!("The electricity meter {m} does not exist."),
            );
        }
    }
    if let Some(p) = spec.parent_circuit_id {
        let Some(parent) = get(db, p).await? else {
            return bad(
                "parentCircuitId",
                format!("The parent circuit {p} does not exist."),
            );
        };
        if integrated(spec) {
            return bad(
                "loadBalancingIntegration",
                "A circuit with a load balancing integration cannot be under a parent.".into(),
            );
        }
        if integrated(&parent.spec()) {
            return bad(
                "parentCircuitId",
                format!(
                    "The circuit {p} uses a load balancing integration: it cannot be a parent."
                ),
            );
        }
        // Up from the parent: meeting this circuit would close a loop.
        let mut at = Some(p);
        for _ in 0..MAX_DEPTH {
            let Some(cur) = at else { break };
            if Some(cur) == id {
                return bad(
                    "parentCircuitId",
                    format!(
                        "The circuit {p} is this circuit or below it: that would make a cycle."
                    ),
                );
            }
            at = db
                .opt_scalar::<Option<i64>>(
                    "SELECT parent_circuit_id FROM circuits WHERE id = ?1",
                    &[&cur],
                )
                .await?
                .flatten();
        }
        if let Err(f) = electrical::check_child(spec, &parent.spec()) {
            return Ok(Some(f));
        }
    }
    let Some(id) = id else { return Ok(None) };
    let children = all_rows(
        db,
        &format!("SELECT {COLUMNS} FROM circuits WHERE parent_circuit_id = ?1 ORDER BY id"),
        &[&id],
        CircuitView::from_row,
    )
    .await?;
    if !children.is_empty() && integrated(spec) {
        return bad(
            "loadBalancingIntegration",
            "A circuit with child circuits cannot use a load balancing integration.".into(),
        );
    }
    for child in children {
        if let Err(f) = electrical::check_child(&child.spec(), spec) {
            return bad(
                f.field,
                format!(
                    "The child circuit {} would not fit: {}",
                    child.id, f.message
                ),
            );
        }
    }
    for (network_id, power) in attached_power(db, id).await? {
        if let Err(f) = electrical::evse_fits(spec, &power) {
            return bad(
                f.field,
                format!(
                    "The attached EVSE {network_id} would not fit: {}",
                    f.message
                ),
            );
        }
    }
    Ok(None)
}

pub async fn create(db: &impl Db, spec: &CircuitSpec) -> DbResult<Outcome<CircuitView>> {
    if let Some(f) = refused(db, None, spec).await? {
        return invalid(f);
    }
    let at = now();
    let id: i64 = db
        .scalar(
            "INSERT INTO circuits (name, max_current, min_charge_point_current,
               offline_reserved_current, phases, phase_rotation, connected_phase,
               electrical_configuration, max_voltage, parent_circuit_id, electricity_meter_id,
               zero_on_idle, load_balancing_integration, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?14)
             RETURNING id",
            &[
                &spec.name,
                &spec.max_current,
                &spec.min_charge_point_current,
                &spec.offline_reserved_current,
                &spec.phases,
                &spec.phase_rotation,
                &spec.connected_phase,
                &spec.electrical_configuration,
                &spec.max_voltage,
                &spec.parent_circuit_id,
                &spec.electricity_meter_id,
                &spec.zero_on_idle,
                &spec.load_balancing_integration,
                &at,
            ],
        )
        .await?;
    done(db, id).await
}

async fn done(db: &impl Db, id: i64) -> DbResult<Outcome<CircuitView>> {
    Ok(match get(db, id).await? {
        Some(v) => Outcome::Done(v),
        None => Outcome::Refused(ResourceError::NotFound),
    })
}

pub async fn update(db: &impl Db, id: i64, patch: &CircuitPatch) -> DbResult<Outcome<CircuitView>> {
    let Some(before) = get(db, id).await? else {
        return Ok(Outcome::Refused(ResourceError::NotFound));
    };
    let spec = patch.apply(&before.spec());
    if let Some(f) = refused(db, Some(id), &spec).await? {
        return invalid(f);
    }
    db.exec(
        "UPDATE circuits SET name = ?1, max_current = ?2, min_charge_point_current = ?3,
           offline_reserved_current = ?4, phases = ?5, phase_rotation = ?6,
           connected_phase = ?7, electrical_configuration = ?8, max_voltage = ?9,
           parent_circuit_id = ?10, electricity_meter_id = ?11, zero_on_idle = ?12,
           load_balancing_integration = ?13, updated_at = ?14
         WHERE id = ?15",
        &[
            &spec.name,
            &spec.max_current,
            &spec.min_charge_point_current,
            &spec.offline_reserved_current,
            &spec.phases,
            &spec.phase_rotation,
            &spec.connected_phase,
            &spec.electrical_configuration,
            &spec.max_voltage,
            &spec.parent_circuit_id,
            &spec.electricity_meter_id,
            &spec.zero_on_idle,
            &spec.load_balancing_integration,
            &now(),
            &id,
        ],
    )
    .await?;
    done(db, id).await
}

/// Deletes a circuit with what hangs off it (attachments, priorities, consumption); a
/// circuit with child circuits is refused: they would lose the limit above them.
pub async fn delete(db: &impl Db, id: i64) -> DbResult<Outcome<()>> {
    if get(db, id).await?.is_none() {
        return Ok(Outcome::Refused(ResourceError::NotFound));
    }
    let children: Vec<i64> = all_rows(
        db,
        "SELECT id FROM circuits WHERE parent_circuit_id = ?1 ORDER BY id",
        &[&id],
        |r| r.get(0),
    )
    .await?;
    if !children.is_empty() {
        let ids: Vec<String> = children.iter().map(i64::to_string).collect();
        return invalid(Fault {
            field: "circuit",
            message: format!(
                "The circuit has child circuits ({}): delete them or give them another parent first.",
                ids.join(", ")
            ),
        });
    }
    db.exec("DELETE FROM circuits WHERE id = ?1", &[&id])
        .await?;
    Ok(Outcome::Done(()))
}
