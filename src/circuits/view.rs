//! What the load manager decided and saw, for the API (`.../allocations`), the metrics
//! and the circuits' `consumption`: per circuit phase what is available, allocated and
//! flowing; per EVSE what it is allowed, what its charger holds, what it draws, why.

use std::collections::HashMap;

use super::draw::Draw;
use super::inputs::Snapshot;
use super::verify::Watch;
use crate::load::EvseKey;
use crate::load::{Compliance, MeterState, Plan, Reason};

/// One circuit's figures, per own phase (L1, L2, L3), A.
#[derive(Clone, Debug, PartialEq)]
pub struct CircuitFigures {
    pub id: i64,
    pub available: [f64; 3],
    pub allocated: [f64; 3],
    pub unmanaged: [f64; 3],
    /// Measured draws of the EVSEs under it plus its unmanaged load.
    pub consumption: [f64; 3],
    pub meter: &'static str,
    /// Whether this node allocates the circuit's tree (always, but in cluster mode).
    pub allocating: bool,
}

/// One EVSE's figures.
#[derive(Clone, Debug, PartialEq)]
pub struct EvseView {
    pub key: EvseKey,
    pub circuit: i64,
    pub identity: String,
    pub session: Option<i64>,
    /// What the allocator gives it, A per phase.
    pub allowed: f64,
    pub reason: &'static str,
    /// What its charger was last known to accept, when known.
    pub in_force: Option<f64>,
    /// Its last measured draw per own phase, and when.
    pub drawn: Option<([f64; 3], chrono::DateTime<chrono::Utc>)>,
    pub compliance: &'static str,
    pub why: Option<String>,
}

/// Everything the last round decided.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct View {
    pub at: Option<String>,
    pub circuits: Vec<CircuitFigures>,
    pub evses: Vec<EvseView>,
}

fn reason(r: Reason) -> &'static str {
    match r {
        Reason::Share => "share",
        Reason::EvseMax => "evse_max",
        Reason::Demand => "demand",
        Reason::BelowMinimum => "below_minimum",
        Reason::Idle => "idle",
        Reason::NonCompliant => "non_compliant",
    }
}

/// What the managed EVSEs under each circuit draw (its sub-circuits' included), on the
/// circuit's own phases.
pub fn managed_draws(
    snap: &Snapshot,
    draws: &HashMap<(String, u32), Draw>,
) -> HashMap<i64, [f64; 3]> {
    let mut measured: HashMap<i64, [f64; 3]> = HashMap::new();
    for m in &snap.evses {
        if let Some(d) = draws.get(&(m.identity.clone(), m.number)) {
            let lifted = m.model.map.lift(d.amps);
            let sum = measured.entry(m.model.circuit).or_default();
            (0..3).for_each(|i| sum[i] += lifted[i]);
        }
    }
    let tree: HashMap<i64, _> = snap.circuits.iter().map(|c| (c.id, c)).collect();
    let direct: Vec<(i64, [f64; 3])> = measured.iter().map(|(k, v)| (*k, *v)).collect();
    for (id, amps) in direct {
        let (mut at, mut amps) = (id, amps);
        // A tree deeper than this is a cycle the allocator refuses anyway.
        for _ in 0..16 {
            let Some(c) = tree.get(&at) else { break };
            let Some(parent) = c.parent else { break };
            amps = c.map.lift(amps);
            let sum = measured.entry(parent).or_default();
            (0..3).for_each(|i| sum[i] += amps[i]);
            at = parent;
        }
    }
    measured
}

impl View {
    pub fn of(
        snap: &Snapshot,
        plan: &Plan,
        draws: &HashMap<(String, u32), Draw>,
        measured: &HashMap<i64, [f64; 3]>,
        watches: &HashMap<EvseKey, Watch>,
        in_force: impl Fn(EvseKey, Option<&str>) -> Option<f64>,
    ) -> View {
        let mut evses = Vec::new();
        for m in &snap.evses {
            let key = m.model.key;
            let draw = draws.get(&(m.identity.clone(), m.number));
            let Some(a) = plan.evse(key) else { continue };
            let watch = watches.get(&key);
            evses.push(EvseView {
                key,
                circuit: m.model.circuit,
                identity: m.identity.clone(),
                session: m.model.session.map(|s| s.id),
                allowed: a.limit,
                reason: reason(a.reason),
                in_force: in_force(key, m.transaction.as_deref()),
                drawn: draw.map(|d| (d.amps, d.at)),
                compliance: super::verify::compliance_name(
                    watch.map_or(Compliance::Compliant, |w| w.compliance),
                ),
                why: watch.and_then(|w| w.why.clone()),
            });
        }
        let circuits = plan
            .circuits
            .iter()
            .map(|c| {
                let own = measured.get(&c.id).copied().unwrap_or_default();
                CircuitFigures {
                    id: c.id,
                    available: c.available,
                    allocated: c.allocated,
                    unmanaged: c.unmanaged,
                    consumption: [0, 1, 2].map(|i| own[i] + c.unmanaged[i]),
                    meter: match c.meter {
                        MeterState::None => "none",
                        MeterState::Fresh => "fresh",
                        MeterState::Stale => "stale",
                    },
                    allocating: true,
                }
            })
            .collect();
        View {
            at: Some(crate::domain::time::text(chrono::Utc::now())),
            circuits,
            evses,
        }
    }

    /// The EVSEs under circuit `id`.
    pub fn under(&self, id: i64) -> impl Iterator<Item = &EvseView> {
        self.evses.iter().filter(move |e| e.circuit == id)
    }

    pub fn circuit(&self, id: i64) -> Option<&CircuitFigures> {
        self.circuits.iter().find(|c| c.id == id)
    }
}
