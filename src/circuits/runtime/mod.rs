//! The load manager's loop: on each hook (coalesced) and each `[load] tick`, read what
//! changed, allocate every circuit tree, and send the allowances that changed enough —
//! decreases answered before increases.
//!
//! What a charger holds is tracked per EVSE: the last TxDefaultProfile it accepted and,
//! while a transaction runs, the last TxProfile for that transaction. What is not known
//! (after a start of the gateway, a new connection or a boot) is sent in the first round,
//! with the decreases. Nothing here is persisted: allocations are derived, and a restart
//! sends everything again.
//!
//! Offline chargers keep their last allowance reserved (counted at it, or at their
//! maximum when it is not known) for `[load] offline_hold`, then count for nothing until
//! they are back.

mod round;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::Utc;
use tokio_util::sync::CancellationToken;

use super::enforce::apply;
use super::inputs::{snapshot, Managed, Snapshot};
use super::verify::{Answer, Watch};
use super::view::{managed_draws, View};
use crate::domain::event::ChargerEvent;
use crate::gateway::Shared;
use crate::load::{allocate, EvseKey};
use crate::load::{Evse, Network, Plan, Settings};
use crate::store::resources::LoadHeld;
use crate::store::LoadStore;
use crate::telemetry::metrics::CircuitPhaseLabels;
use round::Held;

pub struct Manager {
    shared: Arc<Shared>,
    store: Arc<dyn LoadStore>,
    snapshot: Option<Arc<Snapshot>>,
    held: HashMap<EvseKey, Held>,
    watches: HashMap<EvseKey, Watch>,
    /// Identity → when it went offline (ms).
    offline: HashMap<String, i64>,
    last_increase: HashMap<EvseKey, i64>,
    seen_draw: HashMap<EvseKey, i64>,
    previous: Option<Plan>,
    started: i64,
    /// What chargers last accepted, as the store has it (written by whichever node
    /// allocated): an offline charger is counted at it.
    persisted: HashMap<EvseKey, f64>,
    /// The roots of the circuit trees this node allocates, and when they were claimed.
    trees: HashSet<i64>,
    claimed_at: Option<std::time::Instant>,
    /// The roots last claimed.
    roots: Vec<i64>,
    /// When the store was last read (cluster mode reads it every tick: other nodes'
    /// chargers come and go without a hook here).
    reloaded_at: Option<std::time::Instant>,
    /// Per circuit: the time of its meter's last report and the unmanaged load it showed.
    unmanaged: HashMap<i64, (i64, [f64; 3])>,
    /// Per circuit: when its consumption was last written, and what.
    written: HashMap<i64, (i64, [f64; 3])>,
}

fn ms(d: std::time::Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

impl Manager {
    pub fn new(shared: Arc<Shared>, store: Arc<dyn LoadStore>) -> Manager {
        Manager {
            shared,
            store,
            snapshot: None,
            held: HashMap::new(),
            watches: HashMap::new(),
            offline: HashMap::new(),
            last_increase: HashMap::new(),
            seen_draw: HashMap::new(),
            previous: None,
            started: Utc::now().timestamp_millis(),
            written: HashMap::new(),
            unmanaged: HashMap::new(),
            persisted: HashMap::new(),
            trees: HashSet::new(),
            claimed_at: None,
            roots: Vec::new(),
            reloaded_at: None,
        }
    }

    fn settings(&self) -> Settings {
        let l = &self.shared.settings.load;
        Settings {
            meter_stale_after_ms: ms(l.meter_stale_after),
            probe_interval_ms: ms(l.probe_interval),
            draw_margin: l.draw_margin,
            ..Settings::default()
        }
    }

    /// Whether the EVSE's charger is connected: here, or (cluster mode) to another node
    /// as the store said at the last read.
    fn online(&self, m: &Managed) -> bool {
        self.shared
            .registry
            .get(&m.identity)
            .is_some_and(|h| h.is_connected())
            || (self.shared.cluster.is_some() && m.connected)
    }

    /// Claims (or renews) the trees of `snap` this node allocates, when a third of the
    /// lease has passed or the trees are not those last claimed. A tree newly taken over
    /// is treated as never sent: what its chargers hold is not known here.
    async fn claim(&mut self, snap: &Snapshot) {
        let lease = self
            .shared
            .settings
            .load
            .lease
            .max(std::time::Duration::from_secs(1));
        let roots: Vec<i64> = snap
            .circuits
            .iter()
            .filter(|c| c.parent.is_none())
            .map(|c| c.id)
            .collect();
        if self.claimed_at.is_some_and(|t| t.elapsed() < lease / 3) && roots == self.roots {
            return;
        }
        self.roots = roots.clone();
        match self.store.claim_circuits(roots, lease).await {
            Ok(held) => {
                let held: HashSet<i64> = held.into_iter().collect();
                for m in snap
                    .evses
                    .iter()
                    .filter(|m| held.contains(&m.root) && !self.trees.contains(&m.root))
                {
                    self.held.remove(&m.model.key);
                }
                if held != self.trees {
                    tracing::info!(trees = ?held, "load management: the circuit trees this node allocates");
                }
                self.trees = held;
                self.claimed_at = Some(std::time::Instant::now());
            }
            Err(e) => {
                // Without a renewal the lease runs out; sending nothing is the safe side.
                tracing::warn!(error = %e, "load management: could not claim the circuit trees");
                self.trees.clear();
                self.claimed_at = None;
            }
        }
    }

    async fn reload(&mut self) -> bool {
        let inputs = match self.store.load_inputs().await {
            Ok(i) => i,
            Err(e) => {
                tracing::warn!(error = %e, "load management: could not read the circuits");
                return false;
            }
        };
        let sessions = match self.store.load_sessions().await {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(error = %e, "load management: could not read the sessions");
                return false;
            }
        };
        let protocols = match self.store.load_protocols().await {
            Ok(p) => p,
            Err(e) => {
                tracing::warn!(error = %e, "load management: could not read the charge points");
                return false;
            }
        };
        match self.store.load_held().await {
            Ok(held) => {
                self.persisted = held
                    .into_iter()
                    .map(|h| (EvseKey::new(h.charge_point_id, h.evse_network_id), h.amps))
                    .collect();
            }
            Err(e) => {
                tracing::warn!(error = %e, "load management: could not read what chargers hold")
            }
        }
        let snap = snapshot(&inputs, &sessions, &protocols);
        self.shared
            .circuits
            .set_managed(snap.managed(), snap.transactions());
        self.snapshot = Some(Arc::new(snap));
        self.reloaded_at = Some(std::time::Instant::now());
        true
    }

    /// One round: read, allocate, send.
    pub async fn cycle(&mut self) {
        let now = Utc::now().timestamp_millis();
        let (pending, draws) = self.shared.circuits.take();
        let stale = self.shared.cluster.is_some()
            && self
                .reloaded_at
                .is_none_or(|t| t.elapsed() >= self.shared.settings.load.tick);
        if (pending.reload || stale || self.snapshot.is_none()) && !self.reload().await {
            return;
        }
        let Some(snap) = self.snapshot.clone() else {
            return;
        };
        if snap.evses.is_empty() && snap.circuits.is_empty() {
            self.publish(View::default());
            return;
        }
        self.claim(&snap).await;
        for id in &pending.connected {
            self.offline.remove(id);
            for e in snap.evses.iter().filter(|e| &e.identity == id) {
                self.held.remove(&e.model.key);
                self.watches.remove(&e.model.key);
            }
        }
        for id in &pending.disconnected {
            self.offline.entry(id.clone()).or_insert(now);
        }
        // A vehicle that asked for a schedule gets its TxProfile again (K15, K16).
        for (identity, number) in &pending.renegotiate {
            if let Some(m) = snap
                .evses
                .iter()
                .find(|e| &e.identity == identity && e.number == *number)
            {
                if let Some(h) = self.held.get_mut(&m.model.key) {
                    h.tx = None;
                }
            }
        }
        let running: std::collections::HashSet<(String, u32)> = snap
            .evses
            .iter()
            .filter(|e| e.model.session.is_some())
            .map(|e| (e.identity.clone(), e.number))
            .collect();
        self.shared.circuits.forget_needs(|k| running.contains(k));
        let needs = self.shared.circuits.needs();
        let load = self.shared.settings.load.clone();
        // What each EVSE drew, against what it holds.
        let mut marks = Vec::new();
        for m in &snap.evses {
            let key = m.model.key;
            let Some(d) = draws.get(&(m.identity.clone(), m.number)) else {
                continue;
            };
            let at = d.at.timestamp_millis();
            if self.seen_draw.get(&key).is_some_and(|seen| *seen >= at) {
                continue;
            }
            self.seen_draw.insert(key, at);
            let limit = self
                .held
                .get(&key)
                .and_then(|h| h.in_force(m.transaction.as_deref()));
            let watch = self.watches.entry(key).or_default();
            if let Some(why) = watch.drew(d.peak(), limit, load.draw_margin, load.overdraws) {
                marks.push((m.identity.clone(), key, why));
            }
        }
        let measured = managed_draws(&snap, &draws);
        let circuits = self.metered(&snap, &measured);
        let evses: Vec<Evse> = snap
            .evses
            .iter()
            .filter_map(|m| self.model_of(m, &draws, &needs, now))
            .collect();
        let plan = match allocate(
            &circuits,
            &evses,
            self.previous.as_ref(),
            now,
            &self.settings(),
        ) {
            Ok(p) => p,
            Err(e) => {
                tracing::warn!(error = %e, "load management: the circuits cannot be allocated");
                return;
            }
        };
        let net = match Network::new(&circuits, &evses) {
            Ok(n) => n,
            Err(e) => {
                tracing::warn!(error = %e, "load management: the circuits cannot be allocated");
                return;
            }
        };
        let (decreases, increases) = self.changes(&snap, &plan, &net, now);
        let applied = if decreases.is_empty() && increases.is_empty() {
            Vec::new()
        } else {
            apply(&self.shared, &load, decreases, increases).await
        };
        let by_key: HashMap<(String, u32), EvseKey> = snap
            .evses
            .iter()
            .map(|m| ((m.identity.clone(), m.number), m.model.key))
            .collect();
        let mut accepted = Vec::new();
        for a in &applied {
            let Some(key) = by_key
                .get(&(a.change.identity.clone(), a.change.evse))
                .copied()
            else {
                continue;
            };
            self.record(key, a, now, &mut marks);
            if a.sent && a.answer == Answer::Accepted {
                self.persisted.insert(key, a.change.amps);
                accepted.push(LoadHeld {
                    charge_point_id: key.charge_point,
                    evse_network_id: key.evse,
                    amps: a.change.amps,
                });
            }
        }
        if !accepted.is_empty() {
            if let Err(e) = self.store.set_load_held(accepted).await {
                tracing::warn!(error = %e, "load management: could not record what chargers accepted");
            }
        }
        for (identity, key, why) in marks {
            self.flag(&identity, key, &why).await;
        }
        let mut view = View::of(&snap, &plan, &draws, &measured, &self.watches, |key, tx| {
            self.held.get(&key).and_then(|h| h.in_force(tx))
        });
        let parents: HashMap<i64, Option<i64>> =
            snap.circuits.iter().map(|c| (c.id, c.parent)).collect();
        for c in &mut view.circuits {
            let mut root = c.id;
            for _ in 0..64 {
                match parents.get(&root).copied().flatten() {
                    Some(p) => root = p,
                    None => break,
                }
            }
            c.allocating = self.trees.contains(&root);
        }
        self.report(&view, now).await;
        self.publish(view);
        self.previous = Some(plan);
    }

    /// The metrics, and each circuit's `consumption` in the store when it moved by half
    /// an ampere or a minute passed.
    async fn report(&mut self, view: &View, now: i64) {
        const PHASES: [&str; 3] = ["L1", "L2", "L3"];
        let m = &self.shared.metrics;
        for c in &view.circuits {
            for (i, phase) in PHASES.iter().enumerate() {
                let l = CircuitPhaseLabels {
                    circuit: c.id,
                    phase,
                };
                m.circuit_available.get_or_create(&l).set(c.available[i]);
                m.circuit_allocated.get_or_create(&l).set(c.allocated[i]);
                m.circuit_consumption
                    .get_or_create(&l)
                    .set(c.consumption[i]);
            }
            let moved = self.written.get(&c.id).is_none_or(|(at, old)| {
                now - at >= 60_000 || (0..3).any(|i| (old[i] - c.consumption[i]).abs() >= 0.5)
            });
            if !moved {
                continue;
            }
            let amps = c.consumption.map(|a| Some((a * 10.0).round() / 10.0));
            let at = crate::domain::time::text(Utc::now());
            match self.store.set_circuit_consumption(c.id, amps, at).await {
                Ok(_) => {
                    self.written.insert(c.id, (now, c.consumption));
                }
                Err(e) => {
                    tracing::warn!(circuit = c.id, error = %e, "could not record the circuit's consumption")
                }
            }
        }
    }

    /// A charger newly marked non-compliant: logged, recorded as a security event (which
    /// notifies the platform), and visible in the allocations.
    async fn flag(&self, identity: &str, key: EvseKey, why: &str) {
        tracing::warn!(
            identity,
            evse = key.evse,
            why,
            "charger does not keep to its load-management limit"
        );
        self.shared.metrics.load_non_compliant.inc();
        let event = ChargerEvent::Security {
            kind: "LoadManagementNonCompliant".into(),
            tech_info: Some(
                format!("EVSE {}: {why}", key.evse)
                    .chars()
                    .take(255)
                    .collect(),
            ),
            timestamp: Utc::now(),
        };
        if let Err(e) = self.shared.store.record_event(identity, event).await {
            tracing::warn!(identity, error = %e, "could not record the load-management event");
        }
    }

    fn publish(&self, view: View) {
        self.shared.circuits.publish(view);
    }
}

/// Runs the load manager until `cancel`.
pub async fn run(shared: Arc<Shared>, store: Arc<dyn LoadStore>, cancel: CancellationToken) {
    if !shared.settings.load.enabled {
        return;
    }
    let circuits = shared.circuits.clone();
    let tick_every = shared
        .settings
        .load
        .tick
        .max(std::time::Duration::from_millis(100));
    let spacing = shared.settings.load.round_interval;
    let mut manager = Manager::new(shared, store);
    let mut tick = tokio::time::interval(tick_every);
    let mut last = tokio::time::Instant::now();
    loop {
        tokio::select! {
            _ = cancel.cancelled() => return,
            _ = circuits.woken() => {}
            _ = tick.tick() => {}
        }
        // New draws alone wait for the round interval, so that a stream of meter
        // values costs one round per interval, not one per message; a start, a stop, a
        // connection or a change through the API goes at once.
        let due = last + spacing;
        if !circuits.urgent() && tokio::time::Instant::now() < due {
            tokio::select! {
                _ = cancel.cancelled() => return,
                _ = tokio::time::sleep_until(due) => {}
                _ = circuits.woken_urgent() => {}
            }
        }
        last = tokio::time::Instant::now();
        manager.shared.metrics.load_rounds.inc();
        manager.cycle().await;
    }
}
