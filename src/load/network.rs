//! The circuit tree checked and indexed for the allocator: circuits by id, EVSEs by
//! key, and for each EVSE its footprint, the circuit phases (of its own circuit and of
//! every ancestor) its limit loads, with how many times.
//!
//! Decisions:
//! - A constraint is one phase of one circuit, numbered `node * 3 + phase` with nodes in
//!   id order, so plans come out sorted without another sort.
//! - Footprints are kept flat (one vector and offsets) since a site of 10,000 EVSEs has
//!   ~90,000 entries and each allocation walks them several times.
//! - Currents climb the tree through each circuit's [`PhaseMap`]: a circuit phase that
//!   its map leaves unused still binds at its own breaker but loads nothing above.

use std::collections::HashMap;

use crate::load::error::ModelError;
use crate::load::model::{Circuit, Evse, EvseKey};
use crate::load::phase::PhaseMap;

/// The checked tree. Node `i` is the circuit with the `i`-th smallest id; EVSE `j` the
/// EVSE with the `j`-th smallest key.
#[derive(Debug, Clone)]
pub struct Network {
    pub(crate) circuit_ids: Vec<i64>,
    /// Node → index into the caller's circuit slice.
    pub(crate) circuit_input: Vec<usize>,
    pub(crate) parent: Vec<Option<usize>>,
    maps: Vec<PhaseMap>,
    /// Nodes, every child before its parent.
    pub(crate) bottom_up: Vec<usize>,
    pub(crate) evse_keys: Vec<EvseKey>,
    /// EVSE → index into the caller's EVSE slice.
    pub(crate) evse_input: Vec<usize>,
    pub(crate) evse_node: Vec<usize>,
    foot_start: Vec<usize>,
    foot: Vec<(usize, f64)>,
}

impl Network {
    /// Checks the tree (known parents, no cycle, unique ids and keys, EVSEs on known
    /// circuits) and indexes it.
    pub fn new(circuits: &[Circuit], evses: &[Evse]) -> Result<Network, ModelError> {
        let mut circuit_input: Vec<usize> = (0..circuits.len()).collect();
        circuit_input.sort_unstable_by_key(|i| (circuits[*i].id, *i));
        let circuit_ids: Vec<i64> = circuit_input.iter().map(|i| circuits[*i].id).collect();
        if let Some(w) = circuit_ids.windows(2).find(|w| w[0] == w[1]) {
            return Err(ModelError::DuplicateCircuit(w[0]));
        }
        let index: HashMap<i64, usize> = circuit_ids
            .iter()
            .enumerate()
            .map(|(n, id)| (*id, n))
            .collect();
        let mut parent = Vec::with_capacity(circuits.len());
        for i in &circuit_input {
            let c = &circuits[*i];
            parent.push(match c.parent {
                None => None,
                Some(p) => Some(*index.get(&p).ok_or(ModelError::UnknownParent {
                    circuit: c.id,
                    parent: p,
                })?),
            });
        }
        let depth = depths(&parent, &circuit_ids)?;
        let mut bottom_up: Vec<usize> = (0..circuit_ids.len()).collect();
        bottom_up.sort_unstable_by_key(|n| (std::cmp::Reverse(depth[*n]), *n));
        let maps = circuit_input.iter().map(|i| circuits[*i].map).collect();

        let mut evse_input: Vec<usize> = (0..evses.len()).collect();
        evse_input.sort_unstable_by_key(|i| (evses[*i].key, *i));
        let evse_keys: Vec<EvseKey> = evse_input.iter().map(|i| evses[*i].key).collect();
        if let Some(w) = evse_keys.windows(2).find(|w| w[0] == w[1]) {
            return Err(ModelError::DuplicateEvse(w[0]));
        }
        let mut net = Network {
            circuit_ids,
            circuit_input,
            parent,
            maps,
            bottom_up,
            evse_keys,
            evse_input,
            evse_node: Vec::with_capacity(evses.len()),
            foot_start: Vec::with_capacity(evses.len() + 1),
            foot: Vec::with_capacity(evses.len() * 6),
        };
        net.foot_start.push(0);
        for i in net.evse_input.clone() {
            let e = &evses[i];
            let node = *index.get(&e.circuit).ok_or(ModelError::UnknownCircuit {
                evse: e.key,
                circuit: e.circuit,
            })?;
            net.evse_node.push(node);
            let counts = e.map.lift([1.0; 3]);
            let mut foot = std::mem::take(&mut net.foot);
            net.spread(node, counts, |k, a| foot.push((k, a)));
            net.foot = foot;
            net.foot_start.push(net.foot.len());
        }
        Ok(net)
    }

    /// How many constraints (circuit phases) there are.
    pub fn constraints(&self) -> usize {
        self.circuit_ids.len() * 3
    }

    /// The circuit phase a constraint is.
    pub(crate) fn constraint_circuit(&self, k: usize) -> (i64, u8) {
        (self.circuit_ids[k / 3], (k % 3) as u8)
    }

    /// The node of circuit `id`.
    pub(crate) fn node(&self, id: i64) -> Option<usize> {
        self.circuit_ids.binary_search(&id).ok()
    }

    /// The EVSE index of `key`.
    pub(crate) fn evse(&self, key: EvseKey) -> Option<usize> {
        self.evse_keys.binary_search(&key).ok()
    }

    /// The constraints EVSE `e`'s limit loads, with how many times it counts on each.
    pub(crate) fn footprint(&self, e: usize) -> &[(usize, f64)] {
        &self.foot[self.foot_start[e]..self.foot_start[e + 1]]
    }

    /// Adds `counts` on node's own phases to that node's constraints and, mapped up
    /// through each circuit's phase map, to every ancestor's.
    pub(crate) fn spread(&self, node: usize, counts: [f64; 3], mut add: impl FnMut(usize, f64)) {
        let mut node = node;
        let mut counts = counts;
        loop {
            for (p, c) in counts.iter().enumerate() {
                if *c != 0.0 {
                    add(node * 3 + p, *c);
                }
            }
            let Some(up) = self.parent[node] else { break };
            counts = self.maps[node].lift(counts);
            if counts.iter().all(|c| *c == 0.0) {
                break;
            }
            node = up;
        }
    }

    /// Lifts a node's own-phase figures onto its parent's phases.
    pub(crate) fn lift(&self, node: usize, counts: [f64; 3]) -> [f64; 3] {
        self.maps[node].lift(counts)
    }
}

/// Each node's depth (roots 0), or the circuit found on a cycle.
fn depths(parent: &[Option<usize>], ids: &[i64]) -> Result<Vec<usize>, ModelError> {
    const UNKNOWN: usize = usize::MAX;
    let mut depth = vec![UNKNOWN; parent.len()];
    let mut path = Vec::new();
    for (start, id) in ids.iter().enumerate() {
        let mut n = start;
        // Walk up until a node of known depth or a root; a node met twice on the way
        // is a cycle.
        let base = loop {
            if depth[n] != UNKNOWN {
                break depth[n] + 1;
            }
            if path.len() > parent.len() {
                return Err(ModelError::Cycle(*id));
            }
            path.push(n);
            match parent[n] {
                Some(p) => n = p,
                None => break 0,
            }
        };
        for (i, node) in path.drain(..).rev().enumerate() {
            depth[node] = base + i;
        }
    }
    Ok(depth)
}
