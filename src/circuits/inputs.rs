//! The allocator's inputs, from what the store holds (circuits, attachments, power
//! options, priorities, meters, running sessions) and what the hooks gathered (draws).
//!
//! Decisions where the API leaves things open:
//! - An EVSE's `connectedPhase` and `phaseRotation` name its circuit's conductors (the
//!   circuit's own L1, L2, L3): for a three-phase circuit, the usual case, that is the
//!   grid's lines after the circuit's rotation.
//! - An EVSE without `powerOptions.phases` uses all of its circuit's conductors; without
//!   `maxAmperage` it may take up to [`DEFAULT_MAX_AMPS`].
//! - Priority: the session's (set-session-priority), else the EVSE's, else the charge
//!   point's, else 1.
//! - A circuit or EVSE whose phases cannot be read is left out with a warning (the API
//!   refuses such values; this only guards the store).

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::load::EvseKey;
use crate::load::PhaseMap;
use crate::load::{Circuit, Evse, MeterReading, Session, SocPriorities};
use crate::store::resources::{CircuitView, LoadInputs, LoadProtocol, LoadSession, PowerOptions};

/// What an EVSE may take when its power options do not say.
pub const DEFAULT_MAX_AMPS: f64 = 32.0;

/// An EVSE as the allocator sees it, and how to reach its charger.
#[derive(Clone, Debug)]
pub struct Managed {
    pub model: Evse,
    pub identity: String,
    pub protocol: Option<String>,
    /// The OCPP number the charger knows it by.
    pub number: u32,
    /// Conductors it uses (1 to 3).
    pub phases: u8,
    /// The charger's transaction on it, when one runs.
    pub transaction: Option<String>,
    /// Whether the store had its charger connected (to any node) at the last read.
    pub connected: bool,
    /// The highest stack level its charger takes, when its configuration says.
    pub max_stack_level: Option<u32>,
    /// The root of its circuit's tree.
    pub root: i64,
}

/// Everything one allocation needs, but the draws.
#[derive(Clone, Debug, Default)]
pub struct Snapshot {
    pub circuits: Vec<Circuit>,
    pub evses: Vec<Managed>,
}

impl Snapshot {
    /// (Identity, transaction id) → EVSE number, for the transactions running.
    pub fn transactions(&self) -> HashMap<(String, String), u32> {
        self.evses
            .iter()
            .filter_map(|e| Some(((e.identity.clone(), e.transaction.clone()?), e.number)))
            .collect()
    }

    /// Identity → EVSE number → conductors: what the hooks keep draws for.
    pub fn managed(&self) -> HashMap<String, HashMap<u32, usize>> {
        let mut out: HashMap<String, HashMap<u32, usize>> = HashMap::new();
        for e in &self.evses {
            out.entry(e.identity.clone())
                .or_default()
                .insert(e.number, usize::from(e.phases));
        }
        out
    }
}

/// Milliseconds since the epoch of stored ISO 8601 text.
pub fn millis(text: &str) -> Option<i64> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&Utc).timestamp_millis())
}

fn circuit_map(c: &CircuitView) -> Option<PhaseMap> {
    match PhaseMap::from_reference(
        &c.phases,
        c.phase_rotation.as_deref(),
        c.connected_phase.as_deref(),
    ) {
        Ok(m) => Some(m),
        Err(e) => {
            tracing::warn!(circuit = c.id, error = %e, "circuit left out of load management");
            None
        }
    }
}

/// The EVSE's map onto its circuit's conductors, and how many it uses.
fn evse_map(power: &PowerOptions, circuit: &CircuitView) -> Option<(PhaseMap, u8)> {
    let phases = power
        .phases
        .as_deref()
        .unwrap_or(match circuit.phases.as_str() {
            "three_phase" => "three_phase",
            "split_phase" => "split_phase",
            _ => "single_phase",
        });
    let connected = power.connected_phase.as_deref().or(match phases {
        "split_phase" => Some("L1_L2"),
        _ => None,
    });
    let map = PhaseMap::from_reference(phases, power.phase_rotation.as_deref(), connected).ok()?;
    let used = (0..3).filter(|i| map.uses(*i)).count() as u8;
    Some((map, used.max(1)))
}

/// The root of `circuit`'s tree (itself when it has no parent; a cycle, which the API
/// refuses, stops at the circuit where it closes).
pub fn root_of(views: &HashMap<i64, &CircuitView>, circuit: i64) -> i64 {
    let mut at = circuit;
    for _ in 0..64 {
        match views.get(&at).and_then(|c| c.parent_circuit_id) {
            Some(parent) if views.contains_key(&parent) => at = parent,
            _ => break,
        }
    }
    at
}

/// The snapshot of `inputs`, the running `sessions` and the charge points' `protocols`.
pub fn snapshot(
    inputs: &LoadInputs,
    sessions: &[LoadSession],
    protocols: &[LoadProtocol],
) -> Snapshot {
    let protocols: HashMap<i64, &LoadProtocol> =
        protocols.iter().map(|p| (p.charge_point_id, p)).collect();
    let meters: HashMap<i64, _> = inputs.meters.iter().map(|m| (m.id, m)).collect();
    let soc: HashMap<i64, _> = inputs.soc_priorities.iter().map(|(c, s)| (*c, s)).collect();
    let mut views: HashMap<i64, &CircuitView> = HashMap::new();
    let mut circuits = Vec::new();
    for c in &inputs.circuits {
        let Some(map) = circuit_map(c) else { continue };
        let meter = c
            .electricity_meter_id
            .and_then(|id| meters.get(&id))
            .and_then(|m| m.last_report.as_ref())
            .and_then(|r| {
                Some(MeterReading {
                    currents: r.currents_ma.map(|ma| ma.unwrap_or(0) as f64 / 1000.0),
                    at: millis(&r.at)?,
                })
            });
        let s = soc.get(&c.id);
        circuits.push(Circuit {
            id: c.id,
            parent: c.parent_circuit_id,
            map,
            max_current: c.max_current,
            min_current: c.min_charge_point_current,
            meter,
            offline_reserved: c.offline_reserved_current,
            soc: SocPriorities {
                lower_threshold: s.and_then(|s| s.lower_threshold),
                low_priority: s.and_then(|s| s.low_priority),
                upper_threshold: s.and_then(|s| s.upper_threshold),
                high_priority: s.and_then(|s| s.high_priority),
            },
        });
        views.insert(c.id, c);
    }
    let attached: HashMap<i64, _> = inputs
        .attachments
        .iter()
        .map(|a| (a.charge_point_id, a))
        .collect();
    let session_priority: HashMap<i64, f64> = inputs
        .session_priorities
        .iter()
        .map(|p| (p.session_id, p.priority))
        .collect();
    let running: HashMap<(i64, i64), &LoadSession> = sessions
        .iter()
        .map(|s| ((s.charge_point_id, s.evse_network_id), s))
        .collect();
    let mut evses = Vec::new();
    for e in &inputs.evses {
        let Some(a) = attached.get(&e.charge_point_id) else {
            continue;
        };
        let Some(circuit) = views.get(&a.circuit_id) else {
            continue;
        };
        let Some((map, phases)) = evse_map(&e.power, circuit) else {
            tracing::warn!(
                evse = e.evse_id,
                "EVSE left out of load management: its phases cannot be read"
            );
            continue;
        };
        let Ok(number) = u32::try_from(e.network_id) else {
            continue;
        };
        let session = running.get(&(e.charge_point_id, e.network_id));
        let priority = session
            .and_then(|s| session_priority.get(&s.session_id).copied())
            .or_else(|| {
                a.evses
                    .iter()
                    .find(|p| p.evse_id == e.evse_id)
                    .map(|p| p.priority)
            })
            .unwrap_or(a.priority);
        evses.push(Managed {
            model: Evse {
                key: EvseKey::new(e.charge_point_id, e.network_id),
                circuit: a.circuit_id,
                map,
                max_current: e.power.max_amperage.unwrap_or(DEFAULT_MAX_AMPS),
                priority,
                session: session.map(|s| Session {
                    id: s.session_id,
                    started_at: s.started_at.as_deref().and_then(millis).unwrap_or(0),
                    soc: s.soc_percent,
                    requested_energy_wh: None,
                    departure: None,
                }),
                drawn: None,
                compliance: crate::load::Compliance::Compliant,
            },
            identity: e.identity.clone(),
            protocol: protocols
                .get(&e.charge_point_id)
                .and_then(|p| p.protocol.clone()),
            connected: protocols
                .get(&e.charge_point_id)
                .is_some_and(|p| p.connected),
            max_stack_level: protocols
                .get(&e.charge_point_id)
                .and_then(|p| p.max_stack_level.as_deref()?.trim().parse().ok()),
            root: root_of(&views, a.circuit_id),
            number,
            phases,
            transaction: session.and_then(|s| s.transaction_id.clone()),
        });
    }
    evses.sort_by_key(|e| e.model.key);
    Snapshot { circuits, evses }
}
