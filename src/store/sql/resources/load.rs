//! What the load manager reads and writes: everything configured, in one read
//! ([`inputs`]); the consumption per phase it measured; and the EVSEs' power options,
//! which the API edits — also on EVSEs it adds ahead of the charger's reports —
//! checked against the circuit the EVSE is under, if any.

use super::circuit::invalid;
use super::evse::{power_at, POWER_COLUMNS_E};
use super::{all_rows, Outcome};
use crate::store::resources::electrical;
use crate::store::resources::{
    EvsePower, EvseView, LoadInputs, PhaseCurrent, PowerOptions, PowerOptionsPatch, ResourceError,
    SessionPriority,
};
use crate::store::sql::{now, Db, DbResult};

const PHASES: [&str; 3] = ["L1", "L2", "L3"];

/// Replaces a circuit's consumption: a phase given is stored, a phase none is removed.
/// False when the circuit does not exist.
pub async fn set_consumption(
    db: &impl Db,
    circuit_id: i64,
    amps: &[Option<f64>; 3],
    at: &str,
) -> DbResult<bool> {
    let known = db
        .opt("SELECT 1 FROM circuits WHERE id = ?1", &[&circuit_id])
        .await?
        .is_some();
    if !known {
        return Ok(false);
    }
    for (phase, a) in PHASES.iter().zip(amps) {
        match a {
            Some(a) => {
                db.exec(
                    "INSERT INTO circuit_consumption (circuit_id, phase, amps, updated_at)
                     VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (circuit_id, phase) DO UPDATE SET amps = excluded.amps,
                       updated_at = excluded.updated_at",
                    &[&circuit_id, phase, a, &at],
                )
                .await?;
            }
            None => {
                db.exec(
                    "DELETE FROM circuit_consumption WHERE circuit_id = ?1 AND phase = ?2",
                    &[&circuit_id, phase],
                )
                .await?;
            }
        }
    }
    Ok(true)
}

/// A circuit's consumption, by phase (empty until the load manager wrote one).
pub async fn consumption(db: &impl Db, circuit_id: i64) -> DbResult<Vec<PhaseCurrent>> {
    all_rows(
        db,
        "SELECT phase, amps, updated_at FROM circuit_consumption WHERE circuit_id = ?1
         ORDER BY phase",
        &[&circuit_id],
        |r| {
            Ok(PhaseCurrent {
                phase: r.get(0)?,
                amps: r.get(1)?,
                at: r.get(2)?,
            })
        },
    )
    .await
}

/// Changes an EVSE's power options: they must agree with each other and, when its
/// charge point is in a circuit, fit that circuit.
pub async fn set_power(
    db: &impl Db,
    evse_id: i64,
    patch: &PowerOptionsPatch,
) -> DbResult<Outcome<EvseView>> {
    let Some(before) = super::evse::get(db, evse_id).await? else {
        return Ok(Outcome::Refused(ResourceError::NotFound));
    };
    let p = before.power.patched(patch);
    if let Err(f) = electrical::check_power(&p) {
        return invalid(f);
    }
    if let Some(c) = circuit_of(db, before.charge_point_id).await? {
        if let Err(f) = electrical::evse_fits(&c.spec(), &p) {
            return invalid(electrical::Fault {
                field: "powerOptions",
                message: format!(
                    "The EVSE would not fit its circuit {} ({}): {}",
                    c.id, f.field, f.message
                ),
            });
        }
    }
    db.exec(
        "UPDATE evses SET phases = ?1, connected_phase = ?2, phase_rotation = ?3,
           max_amperage = ?4, max_voltage = ?5, max_power = ?6, updated_at = ?7 WHERE id = ?8",
        &[
            &p.phases,
            &p.connected_phase,
            &p.phase_rotation,
            &p.max_amperage,
            &p.max_voltage,
            &p.max_power,
            &now(),
            &evse_id,
        ],
    )
    .await?;
    Ok(match super::evse::get(db, evse_id).await? {
        Some(v) => Outcome::Done(v),
        None => Outcome::Refused(ResourceError::NotFound),
    })
}

/// The EVSEs of attached charge points, with their connectors and power options.
async fn attached_evses(db: &impl Db) -> DbResult<Vec<EvsePower>> {
    let rows = db
        .all(
            &format!(
                "SELECT e.id, e.charge_point_id, cp.identity, e.network_id, c.connector_id,
                   {POWER_COLUMNS_E}
                 FROM evses e
                 JOIN circuit_charge_points cc ON cc.charge_point_id = e.charge_point_id
                 JOIN charge_points cp ON cp.id = e.charge_point_id
                 LEFT JOIN connectors c ON c.evse_id = e.id
                 WHERE e.network_id > 0 ORDER BY e.id, c.connector_id"
            ),
            &[],
        )
        .await?;
    let mut out: Vec<EvsePower> = Vec::new();
    for r in &rows {
        let id: i64 = r.get(0)?;
        if out.last().is_none_or(|e| e.evse_id != id) {
            out.push(EvsePower {
                evse_id: id,
                charge_point_id: r.get(1)?,
                identity: r.get(2)?,
                network_id: r.get(3)?,
                connectors: Vec::new(),
                power: power_at(r, 5)?,
            });
        }
        let connector: Option<i64> = r.get(4)?;
        if let (Some(c), Some(e)) = (connector, out.last_mut()) {
            e.connectors.push(c);
        }
    }
    Ok(out)
}

/// Everything load management is configured with (see [`LoadInputs`]). The parts are
/// read one after another: a write between them is seen at the next read, which the
/// change hook after every write asks for.
pub async fn inputs(db: &impl Db) -> DbResult<LoadInputs> {
    Ok(LoadInputs {
        circuits: super::circuit::all(db).await?,
        attachments: super::attachment::all_attached(db).await?,
        evses: attached_evses(db).await?,
        session_priorities: all_rows(
            db,
            "SELECT circuit_id, session_id, priority FROM circuit_session_priorities
             ORDER BY circuit_id, session_id",
            &[],
            |r| {
                Ok(SessionPriority {
                    circuit_id: r.get(0)?,
                    session_id: r.get(1)?,
                    priority: r.get(2)?,
                })
            },
        )
        .await?,
        soc_priorities: super::attachment::all_soc(db).await?,
        meters: super::meter::all(db).await?,
    })
}

/// Adds EVSE `network_id` (its OCPP number) to a charge point ahead of the charger's
/// reports (which then update this row), with its power options. `NotFound`: no such
/// charge point; `Duplicate("networkId")`: it has that EVSE already; `Invalid`: options
/// that disagree, or do not fit the charge point's circuit.
pub async fn create_evse(
    db: &impl Db,
    cp: i64,
    network_id: i64,
    power: &PowerOptions,
) -> DbResult<Outcome<EvseView>> {
    let known = db
        .opt("SELECT 1 FROM charge_points WHERE id = ?1", &[&cp])
        .await?
        .is_some();
    if !known {
        return Ok(Outcome::Refused(ResourceError::NotFound));
    }
    if let Err(f) = electrical::check_power(power) {
        return invalid(f);
    }
    if let Some(c) = circuit_of(db, cp).await? {
        if let Err(f) = electrical::evse_fits(&c.spec(), power) {
            return invalid(electrical::Fault {
                field: "powerOptions",
                message: format!(
                    "The EVSE would not fit its circuit {} ({}): {}",
                    c.id, f.field, f.message
                ),
            });
        }
    }
    let at = now();
    let id: Option<i64> = db
        .opt_scalar(
            "INSERT INTO evses (charge_point_id, network_id, created_at, updated_at, phases,
               connected_phase, phase_rotation, max_amperage, max_voltage, max_power)
             VALUES (?1, ?2, ?3, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
             ON CONFLICT (charge_point_id, network_id) DO NOTHING RETURNING id",
            &[
                &cp,
                &network_id,
                &at,
                &power.phases,
                &power.connected_phase,
                &power.phase_rotation,
                &power.max_amperage,
                &power.max_voltage,
                &power.max_power,
            ],
        )
        .await?;
    let Some(id) = id else {
        return Ok(Outcome::Refused(ResourceError::Duplicate("networkId")));
    };
    Ok(match super::evse::get(db, id).await? {
        Some(v) => Outcome::Done(v),
        None => Outcome::Refused(ResourceError::NotFound),
    })
}

/// The circuit charge point `cp` is in, if any.
async fn circuit_of(
    db: &impl Db,
    cp: i64,
) -> DbResult<Option<crate::store::resources::CircuitView>> {
    let circuit: Option<i64> = db
        .opt_scalar(
            "SELECT circuit_id FROM circuit_charge_points WHERE charge_point_id = ?1",
            &[&cp],
        )
        .await?;
    match circuit {
        Some(c) => super::circuit::get(db, c).await,
        None => Ok(None),
    }
}
