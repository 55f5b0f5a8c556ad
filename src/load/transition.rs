//! Moving chargers from the limits they have to the limits of a new plan without
//! passing a breaker on the way: lower first, raise after.
//!
//! The runtime sends every decrease, waits until each is accepted or timed out, and
//! only then sends the increases. A decrease that timed out may not have been applied:
//! the runtime must then take the charger to be at its OLD, higher limit (its entry in
//! `applied` stays the old value) and allocate again before raising anyone into the
//! room that decrease was to free; sending the increases regardless would break the
//! guarantee below.
//!
//! Guarantee: if `applied` and `next` each keep every breaker within its rating, then
//! so does every state on the way: any subset of the decreases applied (each EVSE is at
//! or below its applied limit), then, with all decreases applied, any subset of the
//! increases (each EVSE at or below its next limit, or at a skipped decrease's applied
//! limit, which the next plan's headroom covers).
//!
//! Decisions on `min_change` (changes smaller than it are not sent, to spare chargers
//! a stream of tiny updates):
//! - a change to or from 0 is always sent (a session starting or told to wait);
//! - a small increase is skipped (staying lower is safe);
//! - a small decrease is skipped only when the next plan's unused room on every
//!   circuit phase it loads still covers it (what skipped decreases add up to there is
//!   tracked); otherwise it is needed for safety and sent;
//! - an EVSE with no applied limit (never sent one) gets its limit in the decreases,
//!   since nothing is known about what it draws; an EVSE in `applied` but not in the
//!   plan is left to the runtime (it is not under load management any more).

use crate::load::key::EvseKey;
use crate::load::model::Plan;
use crate::load::network::Network;

/// What to send, in order: all of `decreases` first, then `increases`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Steps {
    pub decreases: Vec<(EvseKey, f64)>,
    pub increases: Vec<(EvseKey, f64)>,
}

/// The steps from the `applied` limits (as the chargers have them) to `next`, the plan
/// `allocate` made for `net`'s circuits and EVSEs.
pub fn steps(applied: &[(EvseKey, f64)], next: &Plan, net: &Network, min_change: f64) -> Steps {
    let mut applied: Vec<(EvseKey, f64)> = applied.to_vec();
    applied.sort_by_key(|a| a.0);
    let mut room = vec![0.0f64; net.constraints()];
    for c in &next.circuits {
        if let Some(node) = net.node(c.id) {
            for p in 0..3 {
                room[node * 3 + p] = c.available[p] - c.allocated[p];
            }
        }
    }
    let mut out = Steps::default();
    for a in &next.evses {
        let now = applied
            .binary_search_by_key(&a.key, |x| x.0)
            .ok()
            .map(|i| applied[i].1);
        let Some(now) = now else {
            out.decreases.push((a.key, a.limit));
            continue;
        };
        let change = a.limit - now;
        if change == 0.0 {
            continue;
        }
        let to_or_from_zero = a.limit == 0.0 || now == 0.0;
        if change > 0.0 {
            if to_or_from_zero || change >= min_change {
                out.increases.push((a.key, a.limit));
            }
            continue;
        }
        let excess = -change;
        if to_or_from_zero || excess >= min_change || !fits(net, a.key, excess, &mut room) {
            out.decreases.push((a.key, a.limit));
        }
    }
    out
}

/// Whether `excess` over `key`'s next limit fits the room on every constraint it
/// loads; if so, the room is taken.
fn fits(net: &Network, key: EvseKey, excess: f64, room: &mut [f64]) -> bool {
    let Some(e) = net.evse(key) else { return false };
    let foot = net.footprint(e);
    if foot.iter().any(|(k, a)| room[*k] < a * excess) {
        return false;
    }
    for (k, a) in foot {
        room[*k] -= a * excess;
    }
    true
}
