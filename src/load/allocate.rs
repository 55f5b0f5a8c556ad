//! The allocation: from circuits, EVSEs, the previous plan and the time to a [`Plan`]
//! that keeps every breaker, phase by phase, within its rating.
//!
//! Order of work (each step in its own file where it is more than a few lines):
//! 1. check and index the tree (`Network`);
//! 2. unmanaged load per circuit phase, bottom up (this file);
//! 3. non-compliant EVSEs at a fixed load, taken off the capacity first;
//! 4. sessions: weight = priority × the circuit's SoC factor, cap = min(max, demand
//!    cap) (`demand`), weighted filling with the minimum rule (`share`);
//! 5. idle EVSEs share what is left (`share::share_idle`);
//! 6. the plan, EVSEs by key and circuits by id.
//!
//! Decisions on the unmanaged load (per phase of a circuit, its subtree included):
//! - fresh meter: its reading less what the EVSEs under it were measured drawing
//!   (readings not older than `meter_stale_after_ms`), floored at 0, and never less
//!   than what its child circuits' unmanaged loads add up to (a child's reserve is not
//!   undone by a parent's meter);
//! - stale or no reading: `offline_reserved` (0 if unset) plus the children's.

use crate::load::demand::{demand, drawn_max, offered_at};
use crate::load::error::ModelError;
use crate::load::fill::{Bound, Filled};
use crate::load::model::{
    Allowance, Binding, Circuit, CircuitState, Compliance, Evse, MeterState, Plan, Reason,
    Settings, Timestamp,
};
use crate::load::network::Network;
use crate::load::share::{share_idle, share_with_minimum, Candidate};

/// Plans the limits of `evses` under `circuits` at `now`, continuing `previous` (the
/// last plan: demand caps and probes carry over through it).
pub fn allocate(
    circuits: &[Circuit],
    evses: &[Evse],
    previous: Option<&Plan>,
    now: Timestamp,
    settings: &Settings,
) -> Result<Plan, ModelError> {
    check(circuits, evses)?;
    let net = Network::new(circuits, evses)?;
    let circuit = |node: usize| &circuits[net.circuit_input[node]];
    let evse = |e: usize| &evses[net.evse_input[e]];
    let n = net.evse_keys.len();

    let (unmanaged, meters) = unmanaged(&net, circuits, evses, now, settings);
    let available: Vec<f64> = (0..net.constraints())
        .map(|k| circuit(k / 3).max_current - unmanaged[k])
        .collect();
    let minimum = chain_minimum(&net, circuits);
    let mut capacity = available.clone();
    let mut limits: Vec<Option<Allowance>> = vec![None; n];
    let blank = |e: usize, limit: f64, reason: Reason| Allowance {
        key: net.evse_keys[e],
        limit,
        reason,
        binding: None,
        offered_at: now,
        probe_due: None,
    };

    // Non-compliant EVSEs first, at what they will draw whatever they are sent.
    for (e, slot) in limits.iter_mut().enumerate() {
        let ev = evse(e);
        let load = match ev.compliance {
            Compliance::Compliant => continue,
            Compliance::Unsupported => ev.max_current,
            Compliance::Ignores => drawn_max(ev).unwrap_or(ev.max_current).max(0.0),
        };
        for (k, a) in net.footprint(e) {
            capacity[*k] -= a * load;
        }
        *slot = Some(blank(e, load, Reason::NonCompliant));
    }

    // Sessions.
    let previous_of = |e: usize| previous.and_then(|p| p.evse(net.evse_keys[e]));
    let mut candidates = Vec::new();
    let mut demands = Vec::new();
    for (e, slot) in limits.iter().enumerate() {
        let ev = evse(e);
        let Some(session) = ev.session else { continue };
        if slot.is_some() {
            continue;
        }
        let node = net.evse_node[e];
        let factor = session.soc.map_or(1.0, |s| circuit(node).soc.factor(s));
        let d = demand(ev, previous_of(e), minimum[node], now, settings);
        candidates.push(Candidate {
            evse: e,
            weight: ev.priority * factor,
            cap: d.cap.map_or(ev.max_current, |c| c.min(ev.max_current)),
            minimum: minimum[node],
            started_at: session.started_at,
            key: ev.key,
        });
        demands.push(d);
    }
    let shared = share_with_minimum(&net, &capacity, &candidates);
    for ((c, d), f) in candidates.iter().zip(&demands).zip(shared) {
        let ev = evse(c.evse);
        let prev = previous_of(c.evse);
        let allowance = match f {
            None => blank(c.evse, 0.0, Reason::BelowMinimum),
            Some(f) => {
                for (k, a) in net.footprint(c.evse) {
                    capacity[*k] -= a * f.x;
                }
                let capped_by_demand = d.cap.is_some_and(|cap| cap < ev.max_current);
                let (reason, binding) = match f.bound {
                    Bound::Constraint(k) => (Reason::Share, Some(binding(&net, k))),
                    Bound::Cap if capped_by_demand => (Reason::Demand, None),
                    Bound::Cap => (Reason::EvseMax, None),
                };
                Allowance {
                    key: ev.key,
                    limit: f.x,
                    reason,
                    binding,
                    offered_at: match reason {
                        Reason::Demand => prev.map_or(now, |p| p.offered_at),
                        _ => offered_at(prev, f.x, now, settings),
                    },
                    probe_due: if reason == Reason::Demand {
                        d.probe_due
                    } else {
                        None
                    },
                }
            }
        };
        limits[c.evse] = Some(allowance);
    }

    // Idle EVSEs: the default allowance out of what is left.
    let idle: Vec<(usize, f64, f64)> = (0..n)
        .filter(|e| limits[*e].is_none())
        .map(|e| (e, evse(e).max_current, minimum[net.evse_node[e]]))
        .collect();
    let idle_filled = share_idle(&net, &capacity, &idle);
    for ((e, _, _), f) in idle.iter().zip(idle_filled) {
        let mut a = blank(*e, f.x, Reason::Idle);
        a.binding = idle_binding(&net, &f);
        limits[*e] = Some(a);
    }

    let evses_out: Vec<Allowance> = limits.into_iter().flatten().collect();
    let mut allocated = vec![0.0f64; net.constraints()];
    for (e, a) in evses_out.iter().enumerate() {
        for (k, c) in net.footprint(e) {
            allocated[*k] += c * a.limit;
        }
    }
    let circuits_out = (0..net.circuit_ids.len())
        .map(|node| {
            let three = |v: &[f64]| [v[node * 3], v[node * 3 + 1], v[node * 3 + 2]];
            CircuitState {
                id: net.circuit_ids[node],
                available: three(&available),
                allocated: three(&allocated),
                unmanaged: three(&unmanaged),
                meter: meters[node],
            }
        })
        .collect();
    Ok(Plan {
        evses: evses_out,
        circuits: circuits_out,
    })
}

fn binding(net: &Network, k: usize) -> Binding {
    let (circuit, phase) = net.constraint_circuit(k);
    Binding { circuit, phase }
}

fn idle_binding(net: &Network, f: &Filled) -> Option<Binding> {
    match f.bound {
        Bound::Constraint(k) if f.x > 0.0 => Some(binding(net, k)),
        _ => None,
    }
}

/// Currents and priorities are numbers the allocator can use.
fn check(circuits: &[Circuit], evses: &[Evse]) -> Result<(), ModelError> {
    // The names are written only for an error: formatting one per EVSE was a third of
    // the time of a large allocation.
    fn current(value: f64, what: impl FnOnce() -> String) -> Result<(), ModelError> {
        if value.is_finite() && value >= 0.0 {
            Ok(())
        } else {
            Err(ModelError::InvalidCurrent {
                what: what(),
                value,
            })
        }
    }
    fn priority(value: f64, what: impl FnOnce() -> String) -> Result<(), ModelError> {
        if value.is_finite() && value > 0.0 {
            Ok(())
        } else {
            Err(ModelError::InvalidPriority {
                what: what(),
                value,
            })
        }
    }
    for c in circuits {
        current(c.max_current, || format!("max_current of circuit {}", c.id))?;
        if let Some(v) = c.min_current {
            current(v, || format!("min_current of circuit {}", c.id))?;
        }
        if let Some(v) = c.offline_reserved {
            current(v, || format!("offline_reserved of circuit {}", c.id))?;
        }
        for v in [c.soc.low_priority, c.soc.high_priority]
            .into_iter()
            .flatten()
        {
            priority(v, || format!("the SoC of circuit {}", c.id))?;
        }
    }
    for e in evses {
        current(e.max_current, || format!("max_current of EVSE {}", e.key))?;
        priority(e.priority, || format!("EVSE {}", e.key))?;
    }
    Ok(())
}

/// Each node's minimum current: the largest `min_current` of it and its ancestors.
fn chain_minimum(net: &Network, circuits: &[Circuit]) -> Vec<f64> {
    let mut minimum = vec![0.0f64; net.circuit_ids.len()];
    for node in net.bottom_up.iter().rev() {
        let own = circuits[net.circuit_input[*node]]
            .min_current
            .unwrap_or(0.0);
        let above = net.parent[*node].map_or(0.0, |p| minimum[p]);
        minimum[*node] = own.max(above);
    }
    minimum
}

/// The unmanaged load per constraint and each node's meter state (see the module doc).
fn unmanaged(
    net: &Network,
    circuits: &[Circuit],
    evses: &[Evse],
    now: Timestamp,
    settings: &Settings,
) -> (Vec<f64>, Vec<MeterState>) {
    let fresh = |at: Timestamp| now.saturating_sub(at) <= settings.meter_stale_after_ms;
    let mut drawn = vec![0.0f64; net.constraints()];
    for (e, input) in net.evse_input.iter().enumerate() {
        let ev = &evses[*input];
        let Some(d) = ev.drawn.filter(|d| fresh(d.at)) else {
            continue;
        };
        let per_phase = d.per_phase.map(|v| v.max(0.0));
        net.spread(net.evse_node[e], ev.map.lift(per_phase), |k, a| {
            drawn[k] += a
        });
    }
    let mut below = vec![0.0f64; net.constraints()];
    let mut unmanaged = vec![0.0f64; net.constraints()];
    let mut meters = vec![MeterState::None; net.circuit_ids.len()];
    for node in &net.bottom_up {
        let c = &circuits[net.circuit_input[*node]];
        let reserve = c.offline_reserved.unwrap_or(0.0);
        let state = match c.meter {
            None => MeterState::None,
            Some(m) if fresh(m.at) => MeterState::Fresh,
            Some(_) => MeterState::Stale,
        };
        meters[*node] = state;
        let mut own = [0.0; 3];
        for (p, u) in own.iter_mut().enumerate() {
            let k = node * 3 + p;
            *u = match (state, c.meter) {
                (MeterState::Fresh, Some(m)) => (m.currents[p] - drawn[k]).max(0.0).max(below[k]),
                _ => reserve + below[k],
            };
            unmanaged[k] = *u;
        }
        if let Some(parent) = net.parent[*node] {
            for (q, v) in net.lift(*node, own).iter().enumerate() {
                below[parent * 3 + q] += v;
            }
        }
    }
    (unmanaged, meters)
}
