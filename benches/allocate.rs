//! One allocation of a large site: 10,000 EVSEs under a 2,000 A root, 20 feeders and
//! 200 sub-circuits (single- and three-phase, rotated), mixed priorities, most EVSEs
//! charging, metered feeders. Two cases: with a 6 A minimum current (far more
//! sessions than the root can give 6 A: most wait, the minimum rule's worst case) and
//! without one (everyone shares).
//!
//! Timing on shared cores is noisy: `ALLOC_BENCH_COUNT=N` runs N allocations of the
//! minimum case and nothing else (no criterion), for `valgrind --tool=callgrind`; the
//! instructions of one allocation are the difference of the counts at N and 2N,
//! divided by N (building the site cancels out). `ALLOC_BENCH_MIN=0` takes the case
//! without a minimum instead.

use std::hint::black_box;

use criterion::{criterion_group, Criterion};
use ocpp_gateway::load::{
    allocate, Circuit, Compliance, Drawn, Evse, EvseKey, MeterReading, PhaseMap, Session, Settings,
    SocPriorities,
};

const NOW: i64 = 1_800_000_000_000;
const ROTATIONS: [&str; 3] = ["RST", "STR", "TRS"];

/// The site; `minimum` is the root's `min_current`.
fn site(minimum: Option<f64>) -> (Vec<Circuit>, Vec<Evse>) {
    let circuit = |id: i64, parent: Option<i64>, map: PhaseMap, max: f64| Circuit {
        id,
        parent,
        map,
        max_current: max,
        min_current: None,
        meter: None,
        offline_reserved: Some(5.0),
        soc: SocPriorities::default(),
    };
    let mut circuits = vec![circuit(1, None, PhaseMap::STRAIGHT, 2_000.0)];
    circuits[0].min_current = minimum;
    let mut evses = Vec::with_capacity(10_000);
    let mut seed: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for f in 0..20i64 {
        let feeder = 100 + f;
        let rotation = ROTATIONS[f as usize % 3];
        let mut c = circuit(feeder, Some(1), rotated(rotation), 250.0);
        c.meter = Some(MeterReading {
            currents: [120.0, 110.0, 130.0],
            at: NOW - 5_000,
        });
        circuits.push(c);
        for s in 0..10i64 {
            let sub = 1_000 + f * 10 + s;
            let map = if s % 3 == 2 {
                PhaseMap::single((s as usize) % 3)
            } else {
                PhaseMap::STRAIGHT
            };
            circuits.push(circuit(sub, Some(feeder), map, 80.0));
            for e in 0..50i64 {
                let cp = sub * 100 + e;
                let r = next();
                let active = r % 100 < 85;
                let single = s % 3 == 2 || r % 4 == 0;
                evses.push(Evse {
                    key: EvseKey::new(cp, 1),
                    circuit: sub,
                    map: if single {
                        PhaseMap::single(0)
                    } else {
                        PhaseMap::STRAIGHT
                    },
                    max_current: [16.0, 32.0, 32.0, 63.0][(r >> 8) as usize % 4],
                    priority: [1.0, 1.0, 2.0, 0.5, 3.0][(r >> 12) as usize % 5],
                    session: active.then_some(Session {
                        id: cp,
                        started_at: NOW - ((r >> 16) % 7_200_000) as i64,
                        soc: Some(((r >> 24) % 100) as f64),
                        requested_energy_wh: None,
                        departure: None,
                    }),
                    drawn: active.then_some(Drawn {
                        per_phase: [3.0; 3],
                        at: NOW - 10_000,
                    }),
                    compliance: if r % 97 == 0 {
                        Compliance::Ignores
                    } else {
                        Compliance::Compliant
                    },
                });
            }
        }
    }
    (circuits, evses)
}

fn rotated(rotation: &str) -> PhaseMap {
    PhaseMap::three_phase(rotation).unwrap_or(PhaseMap::STRAIGHT)
}

fn once(circuits: &[Circuit], evses: &[Evse]) -> usize {
    let plan = allocate(circuits, evses, None, NOW, &Settings::default());
    plan.map_or(0, |p| p.evses.iter().filter(|a| a.limit > 0.0).count())
}

fn allocations(c: &mut Criterion) {
    let mut group = c.benchmark_group("allocate");
    group.sample_size(20);
    for (name, minimum) in [("10k_min_6A", Some(6.0)), ("10k_no_min", None)] {
        let (circuits, evses) = site(minimum);
        println!("{name}: {} EVSEs get current", once(&circuits, &evses));
        group.bench_function(name, |b| {
            b.iter(|| once(black_box(&circuits), black_box(&evses)))
        });
    }
    group.finish();
}

/// `n` allocations and nothing else, for callgrind.
fn counted(n: u64) {
    let minimum = match std::env::var("ALLOC_BENCH_MIN").as_deref() {
        Ok("0") => None,
        _ => Some(6.0),
    };
    let (circuits, evses) = site(minimum);
    let mut charging = 0;
    for _ in 0..n {
        charging = once(black_box(&circuits), black_box(&evses));
    }
    println!("{n} allocations, {charging} EVSEs get current");
}

criterion_group!(benches, allocations);

fn main() {
    match std::env::var("ALLOC_BENCH_COUNT").map(|v| v.parse::<u64>()) {
        Ok(Ok(n)) => counted(n),
        _ => {
            benches();
            Criterion::default().configure_from_args().final_summary();
        }
    }
}
