//! One round's parts: the allocator's inputs now (meters as of their report, offline
//! chargers at what they hold, charging needs), the changes to send, and what the answers
//! tell.

use std::collections::HashMap;

use super::super::draw::Draw;
use super::super::enforce::{Applied, Change};
use super::super::inputs::{Managed, Snapshot};
use super::super::verify::Answer;
use super::super::ChargingNeeds;
use super::{ms, Manager};
use crate::load::{steps, Circuit, Compliance, Drawn, Evse, EvseKey, Network, Plan, Reason};

/// What an EVSE's charger holds, as far as the gateway knows.
#[derive(Clone, Debug, Default)]
pub(super) struct Held {
    /// The last TxDefaultProfile accepted, A.
    pub(super) default: Option<f64>,
    /// The last TxProfile accepted, for which transaction.
    pub(super) tx: Option<(String, f64)>,
}

impl Held {
    /// The limit in force for an EVSE running `transaction` (or none).
    pub(super) fn in_force(&self, transaction: Option<&str>) -> Option<f64> {
        match (transaction, &self.tx) {
            (Some(t), Some((held, amps))) if held == t => Some(*amps),
            _ => self.default,
        }
    }
}

impl Manager {
    /// The circuits with their meters read as of the report: a meter measures everything
    /// on the circuit at the report's moment, so its unmanaged load is the reading less
    /// what the managed EVSEs drew then, kept until the next report — not less what they
    /// draw now, which would count a change of theirs since as unmanaged load.
    pub(super) fn metered(
        &mut self,
        snap: &Snapshot,
        managed: &HashMap<i64, [f64; 3]>,
    ) -> Vec<Circuit> {
        let mut out = snap.circuits.clone();
        for c in &mut out {
            let Some(m) = c.meter.as_mut() else {
                self.unmanaged.remove(&c.id);
                continue;
            };
            let now = managed.get(&c.id).copied().unwrap_or_default();
            let held = self
                .unmanaged
                .get(&c.id)
                .filter(|(at, _)| *at == m.at)
                .map(|(_, u)| *u);
            let unmanaged =
                held.unwrap_or_else(|| [0, 1, 2].map(|i| (m.currents[i] - now[i]).max(0.0)));
            self.unmanaged.insert(c.id, (m.at, unmanaged));
            m.currents = [0, 1, 2].map(|i| unmanaged[i] + now[i]);
        }
        out
    }

    /// The allocator's view of one EVSE now; `None` when it counts for nothing (offline
    /// for longer than the hold).
    pub(super) fn model_of(
        &self,
        m: &Managed,
        draws: &HashMap<(String, u32), Draw>,
        needs: &HashMap<(String, u32), ChargingNeeds>,
        now: i64,
    ) -> Option<Evse> {
        let mut e = m.model.clone();
        if let (Some(n), Some(s)) = (
            needs.get(&(m.identity.clone(), m.number)),
            e.session.as_mut(),
        ) {
            s.requested_energy_wh = n.energy_wh;
            s.departure = n.departure.map(|d| d.timestamp_millis());
            if let Some(max) = n.max_current.filter(|a| *a > 0.0) {
                e.max_current = e.max_current.min(max);
            }
            if let (Some(wh), Some(departure)) = (n.energy_wh, s.departure) {
                e.priority *= urgency(wh, departure - now, m.phases, e.max_current);
            }
        }
        e.drawn = draws.get(&(m.identity.clone(), m.number)).map(|d| Drawn {
            per_phase: d.amps,
            at: d.at.timestamp_millis(),
        });
        e.compliance = self
            .watches
            .get(&e.key)
            .map_or(Compliance::Compliant, |w| w.compliance);
        if !self.online(m) {
            let since = self
                .offline
                .get(&m.identity)
                .copied()
                .unwrap_or(self.started);
            if now - since > ms(self.shared.settings.load.offline_hold) {
                return None;
            }
            // Its last allowance stays reserved: counted as drawing it (at its maximum
            // when nobody knows it).
            let held = self
                .held
                .get(&e.key)
                .and_then(|h| h.in_force(m.transaction.as_deref()))
                .or_else(|| self.persisted.get(&e.key).copied());
            e.compliance = Compliance::Ignores;
            e.drawn = held.map(|amps| Drawn {
                per_phase: [0, 1, 2].map(|i| if i < usize::from(m.phases) { amps } else { 0.0 }),
                at: now,
            });
        }
        Some(e)
    }

    /// The changes to send, as [`steps`] orders them: decreases (and what is not known)
    /// first, then increases; a small change is left out where [`steps`] finds it safe.
    /// Only EVSEs this node may send to count: online, in a tree it allocates, keeping
    /// to their limits and taking profiles — the others are taken as holding their plan.
    /// An increase to an EVSE raised less than `[load] min_interval` ago waits; a running
    /// transaction without its TxProfile yet is sent one at once (so that no profile the
    /// API set outranks the circuit's), no higher than what it runs on now.
    pub(super) fn changes(
        &self,
        snap: &Snapshot,
        plan: &Plan,
        net: &Network,
        now: i64,
    ) -> (Vec<Change>, Vec<Change>) {
        let load = &self.shared.settings.load;
        let sendable = |m: &Managed| {
            self.online(m)
                && self.trees.contains(&m.root)
                && plan
                    .evse(m.model.key)
                    .is_some_and(|a| a.reason != Reason::NonCompliant)
                && !self
                    .watches
                    .get(&m.model.key)
                    .is_some_and(|w| w.compliance == Compliance::Unsupported)
        };
        let in_force = |m: &Managed| {
            self.held
                .get(&m.model.key)
                .and_then(|h| h.in_force(m.transaction.as_deref()))
        };
        let managed: HashMap<EvseKey, &Managed> = snap
            .evses
            .iter()
            .filter(|m| sendable(m))
            .map(|m| (m.model.key, m))
            .collect();
        let applied: Vec<(EvseKey, f64)> = snap
            .evses
            .iter()
            .filter_map(|m| match managed.contains_key(&m.model.key) {
                true => in_force(m).map(|f| (m.model.key, f)),
                false => plan.evse(m.model.key).map(|a| (m.model.key, a.limit)),
            })
            .collect();
        // `[load] stack_level`, or the highest the charger takes when that is lower.
        let change = |m: &Managed, amps: f64| Change {
            identity: m.identity.clone(),
            protocol: m.protocol.clone(),
            evse: m.number,
            amps,
            phases: m.phases,
            transaction: m.transaction.clone(),
            stack_level: m
                .max_stack_level
                .map_or(load.stack_level, |max| max.min(load.stack_level)),
        };
        let unsent_tx = |m: &Managed| {
            m.transaction.is_some()
                && !self.held.get(&m.model.key).is_some_and(|h| {
                    h.tx.as_ref().map(|(t, _)| Some(t.as_str())) == Some(m.transaction.as_deref())
                })
        };
        let s = steps(&applied, plan, net, load.min_change);
        let mut listed = std::collections::HashSet::new();
        let (mut down, mut up) = (Vec::new(), Vec::new());
        for (key, amps) in &s.decreases {
            if let Some(m) = managed.get(key) {
                listed.insert(*key);
                down.push(change(m, *amps));
            }
        }
        for (key, amps) in &s.increases {
            let Some(m) = managed.get(key) else { continue };
            let recent = self
                .last_increase
                .get(key)
                .is_some_and(|t| now - t < ms(load.min_interval));
            if !recent {
                listed.insert(*key);
                up.push(change(m, *amps));
            }
        }
        for (key, m) in &managed {
            if listed.contains(key) || !unsent_tx(m) {
                continue;
            }
            if let (Some(old), Some(a)) = (in_force(m), plan.evse(*key)) {
                down.push(change(m, a.limit.min(old)));
            }
        }
        (down, up)
    }

    pub(super) fn record(
        &mut self,
        key: EvseKey,
        a: &Applied,
        now: i64,
        marks: &mut Vec<(String, EvseKey, String)>,
    ) {
        if !a.sent {
            return;
        }
        match &a.answer {
            Answer::Accepted => {
                let held = self.held.entry(key).or_default();
                let before = held.in_force(a.change.transaction.as_deref());
                match &a.change.transaction {
                    Some(t) => held.tx = Some((t.clone(), a.change.amps)),
                    None => held.default = Some(a.change.amps),
                }
                if before.is_some_and(|b| a.change.amps > b) {
                    self.last_increase.insert(key, now);
                }
            }
            Answer::Refused(_) => {
                let watch = self.watches.entry(key).or_default();
                if let Some(why) = watch.answered(&a.answer) {
                    marks.push((a.change.identity.clone(), key, why));
                }
            }
            Answer::Unknown => {}
        }
    }
}

/// How much a vehicle's charging needs weigh its share: the current it needs on average
/// to take `wh` in the `left_ms` before it leaves, against half its maximum — from 0.5
/// (it has all the time it needs) to 2 (it cannot make it even at its maximum). Less than
/// a quarter of an hour left counts as a quarter of an hour.
pub fn urgency(wh: f64, left_ms: i64, phases: u8, max_current: f64) -> f64 {
    let hours = (left_ms as f64 / 3.6e6).max(0.25);
    let needed = wh / (super::super::draw::NOMINAL_VOLTS * f64::from(phases.max(1)) * hours);
    (needed / (max_current.max(1.0) / 2.0)).clamp(0.5, 2.0)
}

#[cfg(test)]
mod tests {
    use super::urgency;

    #[test]
    fn a_vehicle_short_of_time_weighs_more_and_one_with_time_to_spare_less() {
        // 22 kWh in 2 h on three phases: 16 A on average, half of 32 A: weight 1.
        assert!((urgency(22_080.0, 7_200_000, 3, 32.0) - 1.0).abs() < 1e-9);
        // The same in 30 minutes: needs 64 A, capped at twice the weight.
        assert_eq!(urgency(22_080.0, 1_800_000, 3, 32.0), 2.0);
        // 5 kWh over a night: half the weight.
        assert_eq!(urgency(5_000.0, 10 * 3_600_000, 3, 32.0), 0.5);
        // A departure past counts as a quarter of an hour left.
        assert_eq!(
            urgency(1_000.0, -60_000, 1, 16.0),
            urgency(1_000.0, 900_000, 1, 16.0)
        );
    }
}
