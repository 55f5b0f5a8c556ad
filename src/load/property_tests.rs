//! The allocator and the transition over random sites and event sequences (a seeded
//! xorshift generator, 600 cases: the crate has no property-testing dependency and
//! these cases need none of its shrinking to be read).
//!
//! Each case: a tree of 1–3 levels with random phase maps, ratings, minimums, meters
//! (fresh, stale, none) and reserves; 1–40 EVSEs with random maps, priorities, SoC,
//! compliance, sessions and draws; then a dozen events (session start or stop, meter
//! report, draw change, priority change, time passing) each followed by an allocation
//! fed the previous plan, and the transition from what the chargers have, with some
//! decreases timing out. Checked every time:
//! - no circuit phase passes its breaker (the plan, and every intermediate state of the
//!   transition when both ends are within the breakers), 1e-6 A, unless the breaker is
//!   already full of unmanaged and non-compliant load, and then the others get 0;
//! - nobody is strictly between 0 and the minimum;
//! - the same input gives the same plan;
//! - sessions stopped by the same circuit phase follow their weights within 0.1 A,
//!   that phase is full, and nobody on it is at a higher level.

use std::collections::HashMap;

use super::testkit::*;
use super::*;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

const ROTATIONS: [&str; 6] = ["RST", "RTS", "SRT", "STR", "TRS", "TSR"];
const LINES: [&str; 6] = ["L1", "L2", "L3", "L1_L2", "L1_L3", "L2_L3"];

fn random_map(rng: &mut Rng) -> PhaseMap {
    let made = match rng.below(3) {
        0 => PhaseMap::from_reference("three_phase", Some(*rng.pick(&ROTATIONS)), None),
        1 => PhaseMap::from_reference("single_phase", None, Some(*rng.pick(&LINES))),
        _ => PhaseMap::from_reference("split_phase", None, Some(*rng.pick(&LINES[3..]))),
    };
    made.unwrap_or(PhaseMap::STRAIGHT)
}

fn random_meter(rng: &mut Rng, now: Timestamp, s: &Settings) -> Option<MeterReading> {
    match rng.below(3) {
        0 => None,
        n => Some(MeterReading {
            currents: [
                rng.range(0.0, 60.0),
                rng.range(0.0, 60.0),
                rng.range(0.0, 60.0),
            ],
            at: if n == 1 {
                now - rng.below(60_000) as i64
            } else {
                now - s.meter_stale_after_ms - 1 - rng.below(1_000_000) as i64
            },
        }),
    }
}

fn random_site(rng: &mut Rng, s: &Settings) -> (Vec<Circuit>, Vec<Evse>) {
    let levels = 1 + rng.below(3);
    let mut circuits = vec![circuit(1, None, rng.range(32.0, 400.0))];
    let mut next_id = 2;
    let mut frontier = vec![1];
    for _ in 1..levels {
        let mut below = Vec::new();
        for parent in &frontier {
            for _ in 0..rng.below(4) {
                let mut c = circuit(next_id, Some(*parent), rng.range(10.0, 200.0));
                c.map = random_map(rng);
                circuits.push(c);
                below.push(next_id);
                next_id += 1;
            }
        }
        frontier = below;
    }
    for c in &mut circuits {
        c.min_current = match rng.below(4) {
            0 => Some(6.0),
            1 => Some(rng.range(0.0, 10.0)),
            _ => None,
        };
        c.meter = random_meter(rng, T0, s);
        c.offline_reserved = rng.chance(50).then(|| rng.range(0.0, 12.0));
        if rng.chance(40) {
            c.soc = SocPriorities {
                lower_threshold: Some(30.0),
                low_priority: Some(rng.range(0.2, 3.0)),
                upper_threshold: Some(80.0),
                high_priority: Some(rng.range(0.2, 3.0)),
            };
        }
    }
    let n = 1 + rng.below(40) as i64;
    let evses = (0..n)
        .map(|cp| {
            let c = rng.pick(&circuits).id;
            let mut e = evse(cp, c, rng.range(6.0, 63.0));
            e.map = match rng.below(3) {
                0 => PhaseMap::single(rng.below(3) as usize),
                1 => random_map(rng),
                _ => PhaseMap::STRAIGHT,
            };
            e.priority = *rng.pick(&[0.5, 1.0, 1.0, 2.0, 3.0]);
            e.compliance = match rng.below(12) {
                0 => Compliance::Ignores,
                1 => Compliance::Unsupported,
                _ => Compliance::Compliant,
            };
            if rng.chance(75) {
                e.session = session(cp, T0 - rng.below(3_600_000) as i64);
                if let (Some(s), true) = (e.session.as_mut(), rng.chance(50)) {
                    s.soc = Some(rng.range(0.0, 100.0));
                }
            }
            e
        })
        .collect();
    (circuits, evses)
}

/// One random event at `now`.
fn event(
    rng: &mut Rng,
    circuits: &mut [Circuit],
    evses: &mut [Evse],
    now: Timestamp,
    s: &Settings,
) {
    let i = rng.below(evses.len() as u64) as usize;
    match rng.below(5) {
        0 => evses[i].session = session(now, now),
        1 => {
            evses[i].session = None;
            evses[i].drawn = None;
        }
        2 => {
            let c = rng.below(circuits.len() as u64) as usize;
            circuits[c].meter = random_meter(rng, now, s);
        }
        3 => {
            let d = rng.range(0.0, evses[i].max_current);
            evses[i].drawn = Some(Drawn {
                per_phase: [d, d * rng.range(0.8, 1.0), d],
                at: now - rng.below(30_000) as i64,
            });
        }
        _ => evses[i].priority = rng.range(0.3, 4.0),
    }
}

fn weight(circuits: &[Circuit], e: &Evse) -> f64 {
    let c = circuits.iter().find(|c| c.id == e.circuit);
    let soc = e.session.and_then(|s| s.soc);
    e.priority
        * match (c, soc) {
            (Some(c), Some(s)) => c.soc.factor(s),
            _ => 1.0,
        }
}

/// Breaker check of `limits`, allowing a phase over only if unmanaged and
/// non-compliant load fill it alone and the compliant EVSEs on it get nothing.
fn check_breakers(
    circuits: &[Circuit],
    evses: &[Evse],
    plan: &Plan,
    limits: &HashMap<EvseKey, f64>,
    what: &str,
) {
    let fixed: HashMap<EvseKey, f64> = plan
        .evses
        .iter()
        .filter(|a| a.reason == Reason::NonCompliant)
        .map(|a| (a.key, a.limit))
        .collect();
    let managed: HashMap<EvseKey, f64> = limits
        .iter()
        .filter(|(k, _)| !fixed.contains_key(k))
        .map(|(k, v)| (*k, *v))
        .collect();
    let fixed_over = over(circuits, evses, plan, &fixed, 1e-6);
    let managed_load = loads(circuits, evses, &managed);
    for (c, p, total, max) in over(circuits, evses, plan, limits, 1e-6) {
        let inherent = fixed_over.iter().any(|(fc, fp, _, _)| *fc == c && *fp == p);
        assert!(
            inherent && managed_load[&c][p] <= 1e-6,
            "{what}: circuit {c} phase {p} at {total} of {max}"
        );
    }
}

fn check_plan(circuits: &[Circuit], evses: &[Evse], plan: &Plan) {
    check_breakers(circuits, evses, plan, &limits_of(plan), "plan");
    let under = under_minimum(circuits, evses, plan);
    let under: Vec<&Allowance> = under.iter().filter_map(|k| plan.evse(*k)).collect();
    assert!(under.is_empty(), "under the minimum: {under:?}");
    let by_key: HashMap<EvseKey, &Evse> = evses.iter().map(|e| (e.key, e)).collect();
    let level = |a: &Allowance| a.limit / weight(circuits, by_key[&a.key]);
    let loads = loads(circuits, evses, &limits_of(plan));
    let mut groups: HashMap<Binding, Vec<&Allowance>> = HashMap::new();
    for a in plan
        .evses
        .iter()
        .filter(|a| a.reason == Reason::Share && a.limit > 0.0)
    {
        groups
            .entry(a.binding.expect("a share names its binding"))
            .or_default()
            .push(a);
    }
    for (b, members) in &groups {
        let c = circuits
            .iter()
            .find(|c| c.id == b.circuit)
            .expect("binding circuit");
        let p = b.phase as usize;
        let full = loads[&b.circuit][p] + plan.circuit(b.circuit).expect("state").unmanaged[p];
        assert!(
            full >= c.max_current - 1e-6,
            "binding {b:?} is not full: {full} of {}",
            c.max_current
        );
        let top = level(members[0]);
        for a in members {
            let w = weight(circuits, by_key[&a.key]);
            assert!(
                (a.limit - top * w).abs() <= 0.1,
                "{b:?}: {} at weight {w}, level {top}",
                a.limit
            );
        }
        // Nobody charging on that phase is at a higher level.
        for a in plan
            .evses
            .iter()
            .filter(|a| matches!(a.reason, Reason::Share | Reason::EvseMax | Reason::Demand))
        {
            let mut one = HashMap::new();
            one.insert(a.key, 1.0);
            if loads_on(circuits, evses, &one, b) > 0.0 {
                assert!(
                    level(a) <= top + 1e-6,
                    "{:?} above the level of {b:?}",
                    a.key
                );
            }
        }
    }
}

fn loads_on(
    circuits: &[Circuit],
    evses: &[Evse],
    limits: &HashMap<EvseKey, f64>,
    b: &Binding,
) -> f64 {
    let only: Vec<Evse> = evses
        .iter()
        .filter(|e| limits.contains_key(&e.key))
        .cloned()
        .collect();
    loads(circuits, &only, limits)[&b.circuit][b.phase as usize]
}

/// Checks the transition's intermediate states; returns what the chargers have after
/// it, with some decreases timed out (then no increase is sent this round).
fn transition(
    rng: &mut Rng,
    circuits: &[Circuit],
    evses: &[Evse],
    plan: &Plan,
    applied: &HashMap<EvseKey, f64>,
    checked: &mut usize,
) -> HashMap<EvseKey, f64> {
    let net = Network::new(circuits, evses).expect("network");
    let have: Vec<(EvseKey, f64)> = applied.iter().map(|(k, v)| (*k, *v)).collect();
    let s = steps(&have, plan, &net, 0.5);
    let mut state: HashMap<EvseKey, f64> = plan
        .evses
        .iter()
        .map(|a| (a.key, applied.get(&a.key).copied().unwrap_or(a.limit)))
        .collect();
    let within = over(circuits, evses, plan, &state, 1e-6).is_empty();
    if within {
        *checked += 1;
        for _ in 0..4 {
            let mut partial = state.clone();
            for (k, v) in &s.decreases {
                if rng.chance(50) {
                    partial.insert(*k, *v);
                }
            }
            check_breakers(circuits, evses, plan, &partial, "during the decreases");
        }
    }
    let mut timed_out = false;
    for (k, v) in &s.decreases {
        if rng.chance(92) {
            state.insert(*k, *v);
        } else {
            timed_out = true;
        }
    }
    if timed_out {
        return state;
    }
    if within {
        check_breakers(circuits, evses, plan, &state, "after the decreases");
        for _ in 0..4 {
            let mut partial = state.clone();
            for (k, v) in &s.increases {
                if rng.chance(50) {
                    partial.insert(*k, *v);
                }
            }
            check_breakers(circuits, evses, plan, &partial, "during the increases");
        }
        let mut all = state.clone();
        all.extend(s.increases.iter().copied());
        check_breakers(circuits, evses, plan, &all, "after the increases");
    }
    for (k, v) in &s.increases {
        if rng.chance(95) {
            state.insert(*k, *v);
        }
    }
    state
}

#[test]
fn random_sites_and_events_keep_breakers_minimums_and_weights() {
    let settings = Settings::default();
    let mut checked = 0;
    let mut rounds = 0;
    for case in 0..600u64 {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ (case + 1).wrapping_mul(0xBF58_476D_1CE4_E5B9));
        let (mut circuits, mut evses) = random_site(&mut rng, &settings);
        let mut now = T0;
        let mut previous: Option<Plan> = None;
        let mut applied: HashMap<EvseKey, f64> = HashMap::new();
        for _ in 0..12 {
            let plan = allocate(&circuits, &evses, previous.as_ref(), now, &settings)
                .unwrap_or_else(|e| panic!("case {case}: {e}"));
            check_plan(&circuits, &evses, &plan);
            let again = allocate(&circuits, &evses, previous.as_ref(), now, &settings);
            assert_eq!(
                again.as_ref(),
                Ok(&plan),
                "case {case}: the same input, another plan"
            );
            applied = transition(&mut rng, &circuits, &evses, &plan, &applied, &mut checked);
            rounds += 1;
            previous = Some(plan);
            now += rng.below(400_000) as i64 + 1_000;
            for _ in 0..1 + rng.below(3) {
                event(&mut rng, &mut circuits, &mut evses, now, &settings);
            }
        }
    }
    // The transition's premise (the chargers' limits within the breakers) held often
    // enough for its check to mean something.
    assert!(
        checked * 3 > rounds,
        "intermediate states checked in {checked} of {rounds} rounds"
    );
}
