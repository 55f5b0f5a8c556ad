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
//!   not a fill per dropped session.
//! - Dropping in one group can free capacity another group was short of, and a
//!   shortage decided at a parent does not know a child's: once nobody is under the
//!   minimum, the waiting sessions whose minimum fits beside everyone else's minimum on
//!   every circuit phase they load are taken back, best first, as one batch (then half
//!   of it, a quarter, ...) as long as a fill keeps everyone at their minimum; repeated
//!   until none is taken. When the breakers are full of minimums this costs one pass
//!   and no fill.
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
    // Those whose cap is under their minimum can never charge.
    let never: Vec<bool> = candidates
        .iter()
        .map(|c| c.cap < c.minimum - MIN_EPS)
        .collect();
    let mut dropped = never.clone();
    let mut best = settle(net, capacity, candidates, &mut dropped);
    // Take back, best first, those whose minimum now fits beside everyone else's: a
    // batch, then half of it, ... until a fill keeps everyone at their minimum.
    loop {
        let batch = admissible(net, capacity, candidates, &dropped, &never);
        let mut size = batch.len();
        let mut admitted = false;
        while size > 0 {
            let mut trial = dropped.clone();
            for i in &batch[..size] {
                trial[*i] = false;
            }
            let (active, filled) = fill_active(net, capacity, candidates, &trial);
            if violations(candidates, &active, &filled).is_none() {
                dropped = trial;
                best = (active, filled);
                admitted = true;
                break;
            }
            size /= 2;
        }
        if !admitted {
            break;
        }
    }
    let (active, filled) = best;
    let mut out = vec![None; candidates.len()];
    for (j, f) in filled.into_iter().enumerate() {
        out[active[j]] = Some(f);
    }
    out
}

/// The fill of the candidates not dropped: their indexes and allocations.
fn fill_active(
    net: &Network,
    capacity: &[f64],
    candidates: &[Candidate],
    dropped: &[bool],
) -> (Vec<usize>, Vec<Filled>) {
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
    (active, filled)
}

/// The constraints that stopped sessions under their minimum (sorted), and the
/// sessions under it at a cap (rounding only); `None` if nobody is under.
fn violations(
    candidates: &[Candidate],
    active: &[usize],
    filled: &[Filled],
) -> Option<(Vec<usize>, Vec<usize>)> {
    let mut short = Vec::new();
    let mut capped = Vec::new();
    for (j, f) in filled.iter().enumerate() {
        if f.x < candidates[active[j]].minimum - MIN_EPS {
            match f.bound {
                Bound::Constraint(k) => short.push(k),
                Bound::Cap => capped.push(active[j]),
            }
        }
    }
    if short.is_empty() && capped.is_empty() {
        return None;
    }
    short.sort_unstable();
    short.dedup();
    Some((short, capped))
}

/// Fills and drops until nobody is under their minimum.
fn settle(
    net: &Network,
    capacity: &[f64],
    candidates: &[Candidate],
    dropped: &mut [bool],
) -> (Vec<usize>, Vec<Filled>) {
    loop {
        let (active, filled) = fill_active(net, capacity, candidates, dropped);
        let Some((short, capped)) = violations(candidates, &active, &filled) else {
            return (active, filled);
        };
        for i in capped {
            dropped[i] = true;
        }
        drop_short(net, capacity, candidates, &active, &filled, &short, dropped);
    }
}

/// Dropped candidates, best first (highest weight, oldest, key), whose minimum fits on
/// every constraint they load beside the minimums of those charging and of those
/// taken before them.
fn admissible(
    net: &Network,
    capacity: &[f64],
    candidates: &[Candidate],
    dropped: &[bool],
    never: &[bool],
) -> Vec<usize> {
    let mut floor = vec![0.0f64; capacity.len()];
    for (i, c) in candidates.iter().enumerate() {
        if !dropped[i] {
            for (k, a) in net.footprint(c.evse) {
                floor[*k] += a * c.minimum;
            }
        }
    }
    let mut waiting: Vec<usize> = (0..candidates.len())
        .filter(|i| dropped[*i] && !never[*i])
        .collect();
    waiting.sort_by(|a, b| keep_order(&candidates[*a], &candidates[*b]));
    let mut batch = Vec::new();
    for i in waiting {
        let foot = net.footprint(candidates[i].evse);
        let m = candidates[i].minimum;
        if foot
            .iter()
            .all(|(k, a)| floor[*k] + a * m <= capacity[*k] + MIN_EPS)
        {
            for (k, a) in foot {
                floor[*k] += a * m;
            }
            batch.push(i);
        }
    }
    batch
}

/// Who charges first when not all can: highest weight, then oldest, then key.
fn keep_order(a: &Candidate, b: &Candidate) -> std::cmp::Ordering {
    b.weight
        .total_cmp(&a.weight)
        .then(a.started_at.cmp(&b.started_at))
        .then(a.key.cmp(&b.key))
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
        members.sort_by(|a, b| keep_order(c(*a), c(*b)));
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
