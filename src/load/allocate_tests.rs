//! The allocator's rules, one test (or two) each.

use super::testkit::*;
use super::*;

fn plan(circuits: &[Circuit], evses: &[Evse]) -> Plan {
    allocate(circuits, evses, None, T0, &Settings::default()).unwrap()
}

fn approx(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-6
}

#[test]
fn rule1_every_ancestor_binds_on_the_phase_the_child_maps_to() {
    // Root 3×32 A; under it a single-phase feeder on the root's L2 rated 40 A, with two
    // 32 A EVSEs, and a three-phase feeder rotated RTS (own L2 → root L3) with one.
    let root = circuit(1, None, 32.0);
    let mut l2 = circuit(2, Some(1), 40.0);
    l2.map = PhaseMap::from_reference("single_phase", None, Some("L2")).unwrap();
    let mut rts = circuit(3, Some(1), 32.0);
    rts.map = PhaseMap::from_reference("three_phase", Some("RTS"), None).unwrap();
    let mut a = charging(evse(10, 2, 32.0), T0);
    a.map = PhaseMap::single(0);
    let mut b = charging(evse(11, 2, 32.0), T0);
    b.map = PhaseMap::single(0);
    let mut c = charging(evse(12, 3, 32.0), T0);
    c.map = PhaseMap::single(1); // the feeder's L2, the root's L3
    let circuits = [root, l2, rts];
    let evses = [a, b, c];
    let p = plan(&circuits, &evses);
    // The root's L2 (32 A) binds the two on the single-phase feeder, not its own 40 A.
    assert!(approx(limit(&p, 10), 16.0) && approx(limit(&p, 11), 16.0));
    assert_eq!(
        p.evse(EvseKey::new(10, 1)).unwrap().binding,
        Some(Binding {
            circuit: 1,
            phase: 1
        })
    );
    // The third is alone on the root's L3.
    assert!(approx(limit(&p, 12), 32.0));
    assert_eq!(p.circuit(1).unwrap().allocated, [0.0, 32.0, 32.0]);
    assert_eq!(p.circuit(3).unwrap().allocated, [0.0, 32.0, 0.0]);
    assert!(over(&circuits, &evses, &p, &limits_of(&p), 1e-9).is_empty());
}

#[test]
fn rule2_unmanaged_is_the_meter_less_the_measured_evses_floored_at_zero() {
    let mut root = circuit(1, None, 63.0);
    root.meter = Some(MeterReading {
        currents: [30.0, 5.0, 10.0],
        at: T0 - 1_000,
    });
    let mut e = charging(evse(10, 1, 32.0), T0);
    e.drawn = Some(Drawn {
        per_phase: [20.0, 20.0, 20.0],
        at: T0 - 2_000,
    });
    let p = plan(&[root], &[e]);
    let state = p.circuit(1).unwrap();
    assert_eq!(state.meter, MeterState::Fresh);
    assert_eq!(state.unmanaged, [10.0, 0.0, 0.0]);
    assert_eq!(state.available, [53.0, 63.0, 63.0]);
    assert!(approx(limit(&p, 10), 32.0));
}

#[test]
fn rule2_a_stale_or_missing_meter_counts_the_reserve_and_no_reserve_is_zero() {
    let settings = Settings::default();
    let mut stale = circuit(1, None, 40.0);
    stale.meter = Some(MeterReading {
        currents: [0.0; 3],
        at: T0 - settings.meter_stale_after_ms - 1,
    });
    stale.offline_reserved = Some(16.0);
    let e = charging(evse(10, 1, 32.0), T0);
    let p = plan(std::slice::from_ref(&stale), std::slice::from_ref(&e));
    assert_eq!(p.circuit(1).unwrap().meter, MeterState::Stale);
    assert_eq!(p.circuit(1).unwrap().unmanaged, [16.0; 3]);
    assert!(approx(limit(&p, 10), 24.0));

    stale.meter = None;
    let p = plan(std::slice::from_ref(&stale), std::slice::from_ref(&e));
    assert_eq!(p.circuit(1).unwrap().meter, MeterState::None);
    assert!(approx(limit(&p, 10), 24.0));

    stale.offline_reserved = None;
    let p = plan(&[stale], &[e]);
    assert_eq!(p.circuit(1).unwrap().unmanaged, [0.0; 3]);
    assert!(approx(limit(&p, 10), 32.0));
}

#[test]
fn rule2_a_parent_meter_does_not_undo_a_childs_reserve() {
    let mut root = circuit(1, None, 100.0);
    root.meter = Some(MeterReading {
        currents: [0.0; 3],
        at: T0,
    });
    let mut child = circuit(2, Some(1), 100.0);
    child.offline_reserved = Some(10.0);
    let p = plan(&[root, child], &[]);
    assert_eq!(p.circuit(1).unwrap().unmanaged, [10.0; 3]);
}

#[test]
fn rule3_non_compliant_evses_are_counted_first_at_their_fixed_load() {
    let root = circuit(1, None, 48.0);
    let mut ignores = charging(evse(10, 1, 32.0), T0);
    ignores.compliance = Compliance::Ignores;
    ignores.drawn = Some(Drawn {
        per_phase: [12.0, 10.0, 11.0],
        at: T0,
    });
    let mut unsupported = charging(evse(11, 1, 16.0), T0);
    unsupported.compliance = Compliance::Unsupported;
    let ok = charging(evse(12, 1, 32.0), T0);
    let p = plan(&[root], &[ignores, unsupported, ok]);
    assert_eq!(
        (limit(&p, 10), reason(&p, 10)),
        (12.0, Reason::NonCompliant)
    );
    assert_eq!(
        (limit(&p, 11), reason(&p, 11)),
        (16.0, Reason::NonCompliant)
    );
    assert!(approx(limit(&p, 12), 20.0));
    assert_eq!(reason(&p, 12), Reason::Share);
}

#[test]
fn rule4_shares_follow_the_weights_and_a_capped_share_goes_to_the_others() {
    let root = circuit(1, None, 60.0);
    let mut heavy = charging(evse(10, 1, 63.0), T0);
    heavy.priority = 2.0;
    let light = charging(evse(11, 1, 63.0), T0);
    let p = plan(std::slice::from_ref(&root), &[heavy.clone(), light.clone()]);
    assert!(approx(limit(&p, 10), 40.0) && approx(limit(&p, 11), 20.0));

    // A 10 A EVSE takes 10; the other two split the remaining 50 by 2:1.
    let small = charging(evse(12, 1, 10.0), T0);
    let p = plan(&[root], &[heavy, light, small]);
    assert_eq!((limit(&p, 12), reason(&p, 12)), (10.0, Reason::EvseMax));
    assert!(approx(limit(&p, 10), 100.0 / 3.0) && approx(limit(&p, 11), 50.0 / 3.0));
}

#[test]
fn rule4_the_soc_priority_multiplies_the_weight() {
    let mut root = circuit(1, None, 30.0);
    root.soc = SocPriorities {
        lower_threshold: Some(20.0),
        low_priority: Some(2.0),
        upper_threshold: Some(80.0),
        high_priority: Some(0.5),
    };
    let mut low = charging(evse(10, 1, 32.0), T0);
    low.session.as_mut().unwrap().soc = Some(10.0);
    let mut high = charging(evse(11, 1, 32.0), T0);
    high.session.as_mut().unwrap().soc = Some(90.0);
    let p = plan(&[root], &[low, high]);
    assert!(approx(limit(&p, 10), 24.0) && approx(limit(&p, 11), 6.0));
}

#[test]
fn rule4_a_session_drawing_less_is_capped_at_its_draw_and_probed_again_later() {
    let s = Settings::default();
    let root = circuit(1, None, 40.0);
    let mut slow = charging(evse(10, 1, 32.0), T0);
    let other = charging(evse(11, 1, 32.0), T0);
    let first = allocate(
        std::slice::from_ref(&root),
        &[slow.clone(), other.clone()],
        None,
        T0,
        &s,
    )
    .unwrap();
    assert!(approx(limit(&first, 10), 20.0));
    // Measured before the offer settled: no cap yet.
    slow.drawn = Some(Drawn {
        per_phase: [6.0, 6.0, 6.0],
        at: T0 + s.settle_ms - 1,
    });
    let t1 = T0 + s.settle_ms + 5_000;
    let p = allocate(
        std::slice::from_ref(&root),
        &[slow.clone(), other.clone()],
        Some(&first),
        t1,
        &s,
    )
    .unwrap();
    assert_eq!(reason(&p, 10), Reason::Share);
    // Measured after: capped at 6 + margin, the rest to the other session.
    slow.drawn = Some(Drawn {
        per_phase: [6.0, 6.0, 6.0],
        at: T0 + s.settle_ms,
    });
    let capped = allocate(
        std::slice::from_ref(&root),
        &[slow.clone(), other.clone()],
        Some(&first),
        t1,
        &s,
    )
    .unwrap();
    assert_eq!(
        (limit(&capped, 10), reason(&capped, 10)),
        (7.0, Reason::Demand)
    );
    assert!(approx(limit(&capped, 11), 32.0));
    let due = capped.evse(EvseKey::new(10, 1)).unwrap().probe_due;
    assert_eq!(due, Some(t1 + s.probe_interval_ms));
    // Still capped before the probe is due; offered the full share once it is.
    let t2 = t1 + s.probe_interval_ms - 1;
    let p = allocate(
        std::slice::from_ref(&root),
        &[slow.clone(), other.clone()],
        Some(&capped),
        t2,
        &s,
    )
    .unwrap();
    assert_eq!(reason(&p, 10), Reason::Demand);
    let probe = allocate(
        std::slice::from_ref(&root),
        &[slow.clone(), other.clone()],
        Some(&p),
        t2 + 1,
        &s,
    )
    .unwrap();
    assert!(approx(limit(&probe, 10), 20.0));
    assert_eq!(probe.evse(EvseKey::new(10, 1)).unwrap().offered_at, t2 + 1);
    // A capped vehicle that takes what it is offered is uncapped at once.
    slow.drawn = Some(Drawn {
        per_phase: [6.8, 6.8, 6.8],
        at: t1 + 10_000,
    });
    let p = allocate(&[root], &[slow, other], Some(&capped), t1 + 20_000, &s).unwrap();
    assert!(approx(limit(&p, 10), 20.0));
}

#[test]
fn rule5_when_not_all_reach_the_minimum_the_lowest_weight_then_the_newest_waits() {
    let mut root = circuit(1, None, 20.0);
    root.min_current = Some(6.0);
    // Four sessions, 20 A: only three can have 6 A.
    let old = charging(evse(10, 1, 32.0), T0 - 3_000);
    let newest = charging(evse(11, 1, 32.0), T0);
    let mid = charging(evse(12, 1, 32.0), T0 - 2_000);
    let mut low = charging(evse(13, 1, 32.0), T0 - 9_000);
    low.priority = 0.5;
    let p = plan(
        std::slice::from_ref(&root),
        &[old.clone(), newest.clone(), mid.clone(), low],
    );
    assert_eq!((limit(&p, 13), reason(&p, 13)), (0.0, Reason::BelowMinimum));
    for cp in [10, 11, 12] {
        assert!(approx(limit(&p, cp), 20.0 / 3.0), "{cp}: {}", limit(&p, cp));
    }
    // Three equal sessions and 11 A: two would need 12 A, so the oldest has all 11 A.
    root.max_current = 11.0;
    let p = plan(&[root], &[old, newest, mid]);
    assert!(approx(limit(&p, 10), 11.0));
    assert_eq!(reason(&p, 11), Reason::BelowMinimum);
    assert_eq!(reason(&p, 12), Reason::BelowMinimum);
}

#[test]
fn rule5_the_largest_minimum_of_the_chain_applies_and_exactly_as_many_as_fit_charge() {
    let mut root = circuit(1, None, 100.0);
    root.min_current = Some(8.0);
    let mut child = circuit(2, Some(1), 100.0);
    child.min_current = Some(6.0);
    // 100 A, 40 sessions: 12 can have 8 A (96 A).
    let evses: Vec<Evse> = (0..40)
        .map(|i| charging(evse(i, 2, 32.0), T0 + i))
        .collect();
    let p = plan(&[root.clone(), child.clone()], &evses);
    let charging_now: Vec<i64> = (0..40).filter(|cp| limit(&p, *cp) > 0.0).collect();
    assert_eq!(charging_now, (0..12).collect::<Vec<_>>());
    assert!(charging_now.iter().all(|cp| limit(&p, *cp) >= 8.0));
    assert!(under_minimum(&[root, child], &evses, &p).is_empty());
}

#[test]
fn rule5_nested_shortages_keep_as_many_as_fit_on_both_levels() {
    // Root 24 A (minimum 6 A); feeder A 12 A and feeder B 100 A, three sessions each.
    // A can carry two at 6 A, the root four: two on A and two on B.
    let mut root = circuit(1, None, 24.0);
    root.min_current = Some(6.0);
    let circuits = [root, circuit(2, Some(1), 12.0), circuit(3, Some(1), 100.0)];
    let evses: Vec<Evse> = (0..6)
        .map(|i| charging(evse(i, 2 + i / 3, 32.0), T0 + i))
        .collect();
    let p = plan(&circuits, &evses);
    let at: Vec<f64> = (0..6).map(|cp| limit(&p, cp)).collect();
    assert_eq!(at, vec![6.0, 6.0, 0.0, 6.0, 6.0, 0.0]);
    assert_eq!(reason(&p, 2), Reason::BelowMinimum);
    assert_eq!(reason(&p, 5), Reason::BelowMinimum);

    // Root 20 A: the root is short first and would keep the three oldest (all on A,
    // which carries two); the one of B's that fits beside them is taken back.
    let mut circuits = circuits;
    circuits[0].max_current = 20.0;
    let p = plan(&circuits, &evses);
    let at: Vec<f64> = (0..6).map(|cp| limit(&p, cp)).collect();
    assert_eq!(at, vec![6.0, 6.0, 0.0, 8.0, 0.0, 0.0]);
}

#[test]
fn rule6_idle_evses_share_what_the_sessions_leave_and_get_zero_below_the_minimum() {
    let mut root = circuit(1, None, 40.0);
    let active = charging(evse(10, 1, 16.0), T0);
    let idle: Vec<Evse> = (11..14).map(|cp| evse(cp, 1, 32.0)).collect();
    let all: Vec<Evse> = std::iter::once(active.clone())
        .chain(idle.clone())
        .collect();
    let p = plan(std::slice::from_ref(&root), &all);
    assert_eq!(limit(&p, 10), 16.0);
    for cp in 11..14 {
        assert_eq!((limit(&p, cp), reason(&p, cp)), (8.0, Reason::Idle));
    }
    root.min_current = Some(10.0);
    let p = plan(&[root], &all);
    for cp in 11..14 {
        assert_eq!((limit(&p, cp), reason(&p, cp)), (0.0, Reason::Idle));
    }
}

#[test]
fn rule7_the_same_input_in_any_order_gives_the_same_plan() {
    let root = circuit(1, None, 50.0);
    let child = circuit(2, Some(1), 30.0);
    let mut evses: Vec<Evse> = (0..9)
        .map(|i| {
            let mut e = charging(evse(i, 1 + i % 2, 32.0), T0 + i);
            e.priority = 1.0 + (i % 3) as f64;
            e
        })
        .collect();
    let a = plan(&[root.clone(), child.clone()], &evses);
    evses.reverse();
    let b = plan(&[child, root], &evses);
    assert_eq!(a, b);
    let keys: Vec<EvseKey> = a.evses.iter().map(|x| x.key).collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
}

#[test]
fn bad_trees_and_numbers_are_named_errors() {
    let s = Settings::default();
    let orphan = circuit(2, Some(9), 10.0);
    assert_eq!(
        allocate(&[orphan], &[], None, T0, &s),
        Err(ModelError::UnknownParent {
            circuit: 2,
            parent: 9
        })
    );
    let a = circuit(1, Some(3), 10.0);
    let b = circuit(2, Some(1), 10.0);
    let c = circuit(3, Some(2), 10.0);
    assert!(matches!(
        allocate(&[a, b, c], &[], None, T0, &s),
        Err(ModelError::Cycle(_))
    ));
    let root = circuit(1, None, 10.0);
    assert_eq!(
        allocate(
            std::slice::from_ref(&root),
            &[evse(5, 4, 16.0)],
            None,
            T0,
            &s
        ),
        Err(ModelError::UnknownCircuit {
            evse: EvseKey::new(5, 1),
            circuit: 4
        })
    );
    assert_eq!(
        allocate(&[root.clone(), root.clone()], &[], None, T0, &s),
        Err(ModelError::DuplicateCircuit(1))
    );
    let mut zero = evse(5, 1, 16.0);
    zero.priority = 0.0;
    assert!(matches!(
        allocate(std::slice::from_ref(&root), &[zero], None, T0, &s),
        Err(ModelError::InvalidPriority { .. })
    ));
    let mut negative = root;
    negative.max_current = -1.0;
    assert!(matches!(
        allocate(&[negative], &[], None, T0, &s),
        Err(ModelError::InvalidCurrent { .. })
    ));
}

#[test]
fn an_overloaded_breaker_gives_its_sessions_nothing() {
    let mut root = circuit(1, None, 32.0);
    root.meter = Some(MeterReading {
        currents: [40.0; 3],
        at: T0,
    });
    let p = plan(
        &[root],
        &[charging(evse(10, 1, 32.0), T0), evse(11, 1, 32.0)],
    );
    assert_eq!(limit(&p, 10), 0.0);
    assert_eq!(limit(&p, 11), 0.0);
}
