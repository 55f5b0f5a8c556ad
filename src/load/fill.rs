//! Weighted progressive filling (weighted max-min fairness): every wanting EVSE's
//! allocation rises in proportion to its weight until a circuit phase is full (those
//! on it stop there) or the EVSE reaches its cap (it stops alone); the rest go on.
//!
//! Decisions:
//! - Event-driven, not stepped: the next level at which a constraint fills is computed
//!   from its frozen load and the summed weight still rising on it, so results are
//!   exact to rounding and the cost is O(events × constraints + footprints), not a
//!   function of a step size. Caps are taken in order of cap ÷ weight; all caps below
//!   the next constraint's level freeze in one batch (freezing only makes the
//!   constraints fill later).
//! - A constraint already over its capacity before anything rises fills at level 0.

use crate::load::network::Network;

/// One EVSE that wants current.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Want {
    /// The EVSE's index in the network.
    pub evse: usize,
    /// Positive.
    pub weight: f64,
    /// The most it takes (0 or more).
    pub cap: f64,
}

/// What stopped an EVSE's rise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Bound {
    Cap,
    Constraint(usize),
}

/// An EVSE's allocation.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Filled {
    pub x: f64,
    pub bound: Bound,
}

/// Fills `wants` into `capacity` (per constraint); one result per want, in order.
pub(crate) fn fill(net: &Network, capacity: &[f64], wants: &[Want]) -> Vec<Filled> {
    let k_len = capacity.len();
    let mut used = vec![0.0f64; k_len];
    let mut slope = vec![0.0f64; k_len];
    let mut rising = vec![0u32; k_len];
    // Constraint → the wants on it.
    let mut start = vec![0usize; k_len + 1];
    for w in wants {
        for (k, _) in net.footprint(w.evse) {
            start[k + 1] += 1;
        }
    }
    for k in 0..k_len {
        start[k + 1] += start[k];
    }
    let mut members = vec![0usize; start[k_len]];
    let mut next = start.clone();
    for (i, w) in wants.iter().enumerate() {
        for (k, a) in net.footprint(w.evse) {
            members[next[*k]] = i;
            next[*k] += 1;
            slope[*k] += a * w.weight;
            rising[*k] += 1;
        }
    }
    let ratio = |i: usize| wants[i].cap / wants[i].weight;
    let mut keyed: Vec<(f64, usize)> = (0..wants.len()).map(|i| (ratio(i), i)).collect();
    keyed.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let by_ratio: Vec<usize> = keyed.into_iter().map(|(_, i)| i).collect();

    let mut out: Vec<Option<Filled>> = vec![None; wants.len()];
    let mut left = wants.len();
    let mut level = 0.0f64;
    let mut next_cap = 0;
    let freeze = |i: usize,
                  x: f64,
                  bound: Bound,
                  out: &mut Vec<Option<Filled>>,
                  used: &mut [f64],
                  slope: &mut [f64],
                  rising: &mut [u32]| {
        out[i] = Some(Filled { x, bound });
        for (k, a) in net.footprint(wants[i].evse) {
            used[*k] += a * x;
            rising[*k] -= 1;
            slope[*k] = if rising[*k] == 0 {
                0.0
            } else {
                slope[*k] - a * wants[i].weight
            };
        }
    };
    while left > 0 {
        // The constraint that fills first at the current rates.
        let mut fills_at = f64::INFINITY;
        let mut first = None;
        for k in 0..k_len {
            if rising[k] == 0 {
                continue;
            }
            if slope[k] <= 0.0 {
                // Rounding ate the slope: sum it again.
                slope[k] = members[start[k]..start[k + 1]]
                    .iter()
                    .filter(|i| out[**i].is_none())
                    .map(|i| wants[*i].weight * coefficient(net, wants[*i].evse, k))
                    .sum();
            }
            let at = ((capacity[k] - used[k]) / slope[k]).max(level);
            if at < fills_at {
                fills_at = at;
                first = Some(k);
            }
        }
        while next_cap < by_ratio.len() && out[by_ratio[next_cap]].is_some() {
            next_cap += 1;
        }
        if next_cap < by_ratio.len() && ratio(by_ratio[next_cap]) <= fills_at {
            while next_cap < by_ratio.len() {
                let i = by_ratio[next_cap];
                if out[i].is_none() {
                    if ratio(i) > fills_at {
                        break;
                    }
                    level = level.max(ratio(i));
                    freeze(
                        i,
                        wants[i].cap,
                        Bound::Cap,
                        &mut out,
                        &mut used,
                        &mut slope,
                        &mut rising,
                    );
                    left -= 1;
                }
                next_cap += 1;
            }
            continue;
        }
        let Some(k) = first else { break };
        level = fills_at;
        for &i in &members[start[k]..start[k + 1]] {
            if out[i].is_none() {
                freeze(
                    i,
                    wants[i].weight * level,
                    Bound::Constraint(k),
                    &mut out,
                    &mut used,
                    &mut slope,
                    &mut rising,
                );
                left -= 1;
            }
        }
    }
    out.into_iter()
        .map(|f| {
            f.unwrap_or(Filled {
                x: 0.0,
                bound: Bound::Cap,
            })
        })
        .collect()
}

/// How many times EVSE `e`'s limit counts on constraint `k` (0 if not at all).
pub(crate) fn coefficient(net: &Network, e: usize, k: usize) -> f64 {
    net.footprint(e)
        .iter()
        .find(|(c, _)| *c == k)
        .map_or(0.0, |(_, a)| *a)
}
