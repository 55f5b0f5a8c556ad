//! Sharing among sessions with a minimum current, and the default allowance of idle
//! EVSEs.
//!
//! Decisions:
//! - Sessions are filled by weight (`fill`); if any ends strictly between 0 and its
//!   minimum, then for each circuit phase that stopped such a session (lowest level
//!   first) the sessions it stopped are ordered highest weight, then oldest start, then
//!   key, and only the longest prefix whose weighted share of that phase's remaining
//!   capacity reaches every member's minimum is kept; the rest wait at 0. Then the
//!   kept sessions are filled again. One fill per round and usually one or two rounds,
//!   not a fill per dropped session. Dropping in one group can free capacity another
//!   group was short of: the loop then keeps more there in the next round, but a
//!   session dropped in an earlier round stays dropped, so in nested shortages one
//!   more session than strictly needed may wait.
//! - Idle EVSEs share what is left equally (weight 1, capped at their max); an idle
//!   share below the minimum is 0, and what it frees is not re-shared: it is only the
//!   default that protects the breaker until the runtime reacts to a new session.

use crate::load::fill::{coefficient, fill, Bound, Filled, Want};
use crate::load::model::{EvseKey, Timestamp};
use crate::load::network::Network;

/// Below the minimum by more than this is below it.
pub(crate) const MIN_EPS: f64 = 1e-9;

/// A session that wants current.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Candidate {
    pub evse: usize,
    pub weight: f64,
    pub cap: f64,
    pub minimum: f64,
    pub started_at: Timestamp,
    pub key: EvseKey,
}

/// Fills `candidates` into `capacity`; `None` for those that wait at 0 for want of
/// their minimum.
pub(crate) fn share_with_minimum(
    net: &Network,
    capacity: &[f64],
    candidates: &[Candidate],
) -> Vec<Option<Filled>> {
    let mut dropped = vec![false; candidates.len()];
    // Those whose cap is under their minimum can never charge.
    for (i, c) in candidates.iter().enumerate() {
        if c.cap < c.minimum - MIN_EPS {
            dropped[i] = true;
        }
    }
    loop {
        let active: Vec<usize> = (0..candidates.len()).filter(|i| !dropped[*i]).collect();
        let wants: Vec<Want> = active
            .iter()
            .map(|i| Want {
                evse: candidates[*i].evse,
                weight: candidates[*i].weight,
                cap: candidates[*i].cap,
            })
            .collect();
        let filled = fill(net, capacity, &wants);
        let mut short: Vec<usize> = Vec::new();
        for (j, f) in filled.iter().enumerate() {
            let c = &candidates[active[j]];
            if f.x < c.minimum - MIN_EPS {
                match f.bound {
                    Bound::Constraint(k) => short.push(k),
                    // A cap is never under the minimum (dropped above); rounding only.
                    Bound::Cap => dropped[active[j]] = true,
                }
            }
        }
        if short.is_empty()
            && filled
                .iter()
                .zip(&active)
                .all(|(f, i)| f.x >= candidates[*i].minimum - MIN_EPS)
        {
            let mut out = vec![None; candidates.len()];
            for (j, f) in filled.into_iter().enumerate() {
                out[active[j]] = Some(f);
            }
            return out;
        }
        short.sort_unstable();
        short.dedup();
        drop_short(
            net,
            capacity,
            candidates,
            &active,
            &filled,
            &short,
            &mut dropped,
        );
    }
}

/// For each constraint in `short`, drops the sessions it stopped that cannot all get
/// their minimum from it (see the module doc), lowest level first.
fn drop_short(
    net: &Network,
    capacity: &[f64],
    candidates: &[Candidate],
    active: &[usize],
    filled: &[Filled],
    short: &[usize],
    dropped: &mut [bool],
) {
    let mut load = vec![0.0f64; capacity.len()];
    for (j, f) in filled.iter().enumerate() {
        for (k, a) in net.footprint(candidates[active[j]].evse) {
            load[*k] += a * f.x;
        }
    }
    // The sessions each short constraint stopped (`short` is sorted).
    let mut stopped: Vec<Vec<usize>> = vec![Vec::new(); short.len()];
    for (j, f) in filled.iter().enumerate() {
        if let Bound::Constraint(k) = f.bound {
            if let Ok(g) = short.binary_search(&k) {
                stopped[g].push(j);
            }
        }
    }
    let mut groups: Vec<(f64, usize, Vec<usize>)> = short
        .iter()
        .zip(stopped)
        .map(|(k, members)| {
            let level = members
                .first()
                .map_or(0.0, |j| filled[*j].x / candidates[active[*j]].weight);
            (level, *k, members)
        })
        .collect();
    groups.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    for (_, k, mut members) in groups {
        let c = |j: usize| &candidates[active[j]];
        let own: f64 = members
            .iter()
            .map(|j| coefficient(net, c(*j).evse, k) * filled[*j].x)
            .sum();
        let room = capacity[k] - (load[k] - own);
        members.sort_by(|a, b| {
            c(*b)
                .weight
                .total_cmp(&c(*a).weight)
                .then(c(*a).started_at.cmp(&c(*b).started_at))
                .then(c(*a).key.cmp(&c(*b).key))
        });
        let mut weight_sum = 0.0;
        let mut need = 0.0f64;
        let mut keep = 0;
        for j in &members {
            weight_sum += coefficient(net, c(*j).evse, k) * c(*j).weight;
            need = need.max((c(*j).minimum - MIN_EPS) / c(*j).weight);
            if weight_sum <= 0.0 || room / weight_sum < need {
                break;
            }
            keep += 1;
        }
        // The group has a session under its minimum: at least one waits.
        keep = keep.min(members.len().saturating_sub(1));
        for j in &members[keep..] {
            dropped[active[*j]] = true;
            for (kk, a) in net.footprint(c(*j).evse) {
                load[*kk] -= a * filled[*j].x;
            }
        }
    }
}

/// The default allowance of idle EVSEs `(evse, max_current, minimum)` out of
/// `capacity`: an equal share, capped at the max, 0 below the minimum.
pub(crate) fn share_idle(
    net: &Network,
    capacity: &[f64],
    idle: &[(usize, f64, f64)],
) -> Vec<Filled> {
    let wants: Vec<Want> = idle
        .iter()
        .map(|(evse, max, _)| Want {
            evse: *evse,
            weight: 1.0,
            cap: *max,
        })
        .collect();
    let mut filled = fill(net, capacity, &wants);
    for (f, (_, _, minimum)) in filled.iter_mut().zip(idle) {
        if f.x < minimum - MIN_EPS {
            f.x = 0.0;
        }
    }
    filled
}
