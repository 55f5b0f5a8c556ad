//! The transition's ordering and its `min_change` rules.

use super::testkit::*;
use super::*;

fn key(cp: i64) -> EvseKey {
    EvseKey::new(cp, 1)
}

fn setup(max: f64, n: i64) -> (Vec<Circuit>, Vec<Evse>) {
    let circuits = vec![circuit(1, None, max)];
    let evses = (0..n).map(|i| charging(evse(i, 1, 32.0), T0 + i)).collect();
    (circuits, evses)
}

#[test]
fn decreases_come_before_increases_and_unchanged_limits_are_not_sent() {
    let (circuits, evses) = setup(30.0, 3);
    let net = Network::new(&circuits, &evses).unwrap();
    let next = allocate(&circuits, &evses, None, T0, &Settings::default()).unwrap();
    // Each gets 10 A; the chargers have 20, 10 and 0.
    let applied = [(key(0), 20.0), (key(1), 10.0), (key(2), 0.0)];
    let s = steps(&applied, &next, &net, 0.5);
    assert_eq!(s.decreases, vec![(key(0), 10.0)]);
    assert_eq!(s.increases, vec![(key(2), 10.0)]);
}

#[test]
fn small_changes_are_skipped_except_to_or_from_zero_and_decreases_without_room() {
    let (circuits, mut evses) = setup(30.0, 3);
    evses[2].max_current = 9.0;
    let net = Network::new(&circuits, &evses).unwrap();
    let next = allocate(&circuits, &evses, None, T0, &Settings::default()).unwrap();
    // Limits 10.5, 10.5, 9: the breaker is full, so no decrease may be skipped.
    assert_eq!(limits_of(&next)[&key(0)], 10.5);
    let applied = [(key(0), 10.7), (key(1), 10.3), (key(2), 9.0)];
    let s = steps(&applied, &next, &net, 0.5);
    assert_eq!(s.decreases, vec![(key(0), 10.5)]);
    assert!(s.increases.is_empty(), "{s:?}");

    // With room (a 40 A breaker, 10 A left) the same small decrease is skipped...
    let (circuits, _) = setup(40.0, 3);
    let mut evses2 = evses.clone();
    for e in &mut evses2 {
        e.max_current = 10.0;
    }
    let net = Network::new(&circuits, &evses2).unwrap();
    let next = allocate(&circuits, &evses2, None, T0, &Settings::default()).unwrap();
    let applied = [(key(0), 10.2), (key(1), 0.0), (key(2), 10.0)];
    let s = steps(&applied, &next, &net, 0.5);
    assert!(s.decreases.is_empty(), "{s:?}");
    // ...while a change from 0 is sent however small the minimum change is.
    assert_eq!(s.increases, vec![(key(1), 10.0)]);
    // A charger never sent a limit gets one first.
    let s = steps(&[(key(0), 10.0), (key(1), 10.0)], &next, &net, 0.5);
    assert_eq!(s.decreases, vec![(key(2), 10.0)]);
}
