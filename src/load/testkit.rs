//! Builders and independent checks for the load manager's tests: circuits and EVSEs
//! from a few arguments, and the breaker, minimum and weight checks computed from the
//! input by walking the tree directly (not through [`super::network::Network`]).

use std::collections::HashMap;

use super::model::*;
use super::phase::PhaseMap;

pub(crate) const T0: Timestamp = 1_800_000_000_000;

pub(crate) fn circuit(id: i64, parent: Option<i64>, max: f64) -> Circuit {
    Circuit {
        id,
        parent,
        map: PhaseMap::STRAIGHT,
        max_current: max,
        min_current: None,
        meter: None,
        offline_reserved: None,
        soc: SocPriorities::default(),
    }
}

pub(crate) fn evse(cp: i64, circuit: i64, max: f64) -> Evse {
    Evse {
        key: EvseKey::new(cp, 1),
        circuit,
        map: PhaseMap::STRAIGHT,
        max_current: max,
        priority: 1.0,
        session: None,
        drawn: None,
        compliance: Compliance::Compliant,
    }
}

pub(crate) fn session(id: i64, started_at: Timestamp) -> Option<Session> {
    Some(Session {
        id,
        started_at,
        soc: None,
        requested_energy_wh: None,
        departure: None,
    })
}

pub(crate) fn charging(mut e: Evse, started_at: Timestamp) -> Evse {
    e.session = session(e.key.charge_point, started_at);
    e
}

pub(crate) fn limit(plan: &Plan, cp: i64) -> f64 {
    plan.evse(EvseKey::new(cp, 1)).map_or(f64::NAN, |a| a.limit)
}

pub(crate) fn reason(plan: &Plan, cp: i64) -> Reason {
    plan.evse(EvseKey::new(cp, 1))
        .map_or(Reason::Idle, |a| a.reason)
}

/// Per circuit, the load of `limits` on its own phases, walking parents by id.
pub(crate) fn loads(
    circuits: &[Circuit],
    evses: &[Evse],
    limits: &HashMap<EvseKey, f64>,
) -> HashMap<i64, [f64; 3]> {
    let by_id: HashMap<i64, &Circuit> = circuits.iter().map(|c| (c.id, c)).collect();
    let mut out: HashMap<i64, [f64; 3]> = circuits.iter().map(|c| (c.id, [0.0; 3])).collect();
    for e in evses {
        let x = limits.get(&e.key).copied().unwrap_or(0.0);
        let mut on = e.map.lift([x; 3]);
        let mut id = e.circuit;
        for _ in 0..=circuits.len() {
            let Some(c) = by_id.get(&id) else { break };
            let slot = out.entry(id).or_default();
            for p in 0..3 {
                slot[p] += on[p];
            }
            match c.parent {
                Some(parent) => {
                    on = c.map.lift(on);
                    id = parent;
                }
                None => break,
            }
        }
    }
    out
}

/// The limits of a plan by key.
pub(crate) fn limits_of(plan: &Plan) -> HashMap<EvseKey, f64> {
    plan.evses.iter().map(|a| (a.key, a.limit)).collect()
}

/// The circuit phases where `limits` plus the plan's unmanaged load pass the breaker
/// by more than `tol`: `(circuit, phase, load + unmanaged, max)`.
pub(crate) fn over(
    circuits: &[Circuit],
    evses: &[Evse],
    plan: &Plan,
    limits: &HashMap<EvseKey, f64>,
    tol: f64,
) -> Vec<(i64, usize, f64, f64)> {
    let loads = loads(circuits, evses, limits);
    let mut out = Vec::new();
    for c in circuits {
        let Some(state) = plan.circuit(c.id) else {
            continue;
        };
        for (p, unmanaged) in state.unmanaged.iter().enumerate() {
            let total = loads[&c.id][p] + unmanaged;
            if total > c.max_current + tol {
                out.push((c.id, p, total, c.max_current));
            }
        }
    }
    out
}

/// EVSEs strictly between 0 and the minimum of their circuit chain (by more than
/// 1e-6), non-compliant ones aside (their figure is the load counted, not a limit the
/// allocator chose).
pub(crate) fn under_minimum(circuits: &[Circuit], evses: &[Evse], plan: &Plan) -> Vec<EvseKey> {
    let by_id: HashMap<i64, &Circuit> = circuits.iter().map(|c| (c.id, c)).collect();
    let mut out = Vec::new();
    for e in evses {
        let mut minimum = 0.0f64;
        let mut id = Some(e.circuit);
        let mut hops = 0;
        while let Some(c) = id.and_then(|i| by_id.get(&i)) {
            minimum = minimum.max(c.min_current.unwrap_or(0.0));
            id = c.parent;
            hops += 1;
            if hops > circuits.len() {
                break;
            }
        }
        let Some(a) = plan
            .evse(e.key)
            .filter(|a| a.reason != Reason::NonCompliant)
        else {
            continue;
        };
        let x = a.limit;
        if x > 1e-6 && x < minimum - 1e-6 {
            out.push(e.key);
        }
    }
    out
}
