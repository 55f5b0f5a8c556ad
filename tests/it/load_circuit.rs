//! Load management end to end: a real gateway, the simulator's chargers (1.6 and 2.0.1)
//! with EVs that obey charging profiles, circuits set up through the API. What is checked
//! is what flows: the EVs' draws per phase, summed, sampled all along — never above a
//! breaker once the first profiles are in — and what the load manager shows under
//! `circuits/v2.0/{circuit}/allocations`.

use crate::common;
use crate::load_common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use crate::notify_common::http;
use common::reference::Api;
use common::*;
use load_common::*;
use ocpp_gateway::config::Settings;
use ocpp_gateway::ocpp::OcppVersion;
use ocpp_gateway::sim::{ConnectOptions, EvCharger, EvGauge, EvOptions, EvSpec};
use serde_json::{json, Value};

const METER: Duration = Duration::from_millis(200);

/// A 32 A three-phase car whose draw follows its limit at once.
fn car(ignore_profiles: bool) -> EvSpec {
    EvSpec {
        max_current: 32.0,
        phases: 3,
        ramp: 1.0e6,
        ignore_profiles,
        ..EvSpec::default()
    }
}

/// One charger of a site: its simulator and charge point id.
struct Station {
    ev: Arc<EvCharger>,
    evses: u32,
}

struct Site {
    _tg: TestGateway,
    api: Api,
    circuit: i64,
    stations: Vec<Station>,
}

/// How a charger of a site is made.
#[derive(Clone, Copy)]
struct Kind {
    version: OcppVersion,
    evses: u32,
    not_supported: bool,
}

fn kind(version: OcppVersion, evses: u32) -> Kind {
    Kind {
        version,
        evses,
        not_supported: false,
    }
}

async fn connect(tg: &TestGateway, identity: &str, k: Kind) -> EvCharger {
    let base = format!("ws://{}/ocpp", tg.gw.ocpp_addr());
    let options = EvOptions {
        evses: k.evses,
        rating: 32.0,
        meter_interval: METER,
        profiles_not_supported: k.not_supported,
        id_tag: format!("T{identity}"),
    };
    tokio::time::timeout(
        WAIT,
        EvCharger::connect_with(
            ConnectOptions::new(&base, identity, k.version),
            k.version,
            options,
        ),
    )
    .await
    .expect("connects in time")
    .expect("connects and boots")
}

const THREE_PHASE_32: fn() -> Value =
    || json!({"phases": "three_phase", "phaseRotation": "RST", "maxAmperage": 32});

/// A gateway, one circuit from `circuit`, and the chargers of `kinds` attached to it.
async fn site(s: Settings, circuit: Value, kinds: &[Kind], prefix: &str) -> Site {
    let tg = start(s).await;
    let api = api(&tg);
    let id = load_common::circuit(&api, circuit).await;
    let mut stations = Vec::new();
    for (i, k) in kinds.iter().enumerate() {
        let identity = format!("{prefix}{i}");
        let ev = connect(&tg, &identity, *k).await;
        attach(&api, id, &identity, THREE_PHASE_32(), None).await;
        stations.push(Station {
            ev: Arc::new(ev),
            evses: k.evses,
        });
    }
    Site {
        _tg: tg,
        api,
        circuit: id,
        stations,
    }
}

impl Site {
    /// Every (station, EVSE).
    fn evses(&self) -> Vec<(usize, u32)> {
        self.stations
            .iter()
            .enumerate()
            .flat_map(|(i, s)| (1..=s.evses).map(move |e| (i, e)))
            .collect()
    }

    /// Waits until every EVSE holds a profile from the load manager.
    async fn profiled(&self) {
        for (i, e) in self.evses() {
            let ev = self.stations[i].ev.clone();
            eventually(&format!("EVSE {e} of station {i} holds a limit"), || {
                let ev = ev.clone();
                async move { ev.limit(e).is_some() }
            })
            .await;
        }
    }

    /// Starts a 32 A car on every EVSE, one after another.
    async fn start_all(&self, ignore: impl Fn(usize) -> bool) {
        for (i, e) in self.evses() {
            self.stations[i]
                .ev
                .start_session(e, car(ignore(i)))
                .await
                .expect("session starts");
        }
    }

    /// The view of the circuit once `cond` holds.
    async fn until(&self, what: &str, cond: impl Fn(&Value) -> bool) -> Value {
        view_until(&self.api, self.circuit, what, cond).await
    }
}

/// Sums what every EV of `stations` draws, per phase, every few milliseconds, and keeps
/// the highest sum of each phase until stopped.
struct Sampler {
    peak: Arc<Mutex<[f64; 3]>>,
    stop: Arc<AtomicBool>,
}

impl Sampler {
    fn start(stations: Vec<(EvGauge, u32)>) -> Sampler {
        let peak = Arc::new(Mutex::new([0.0f64; 3]));
        let stop = Arc::new(AtomicBool::new(false));
        let (p, s) = (peak.clone(), stop.clone());
        tokio::spawn(async move {
            while !s.load(Ordering::Relaxed) {
                let mut sum = [0.0; 3];
                for (ev, evse) in &stations {
                    if let Some(d) = ev.drawn(*evse) {
                        (0..3).for_each(|i| sum[i] += d[i]);
                    }
                }
                {
                    let mut peak = p.lock().unwrap_or_else(PoisonError::into_inner);
                    (0..3).for_each(|i| peak[i] = peak[i].max(sum[i]));
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        });
        Sampler { peak, stop }
    }

    fn peak(&self) -> [f64; 3] {
        *self.peak.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Drop for Sampler {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

fn sampler(site: &Site) -> Sampler {
    Sampler::start(
        site.evses()
            .into_iter()
            .map(|(i, e)| (site.stations[i].ev.gauge(), e))
            .collect(),
    )
}

/// The sum of the allowances of the EVSEs in `view`.
fn allowed_sum(view: &Value) -> f64 {
    view["evses"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["allowed"].as_f64())
        .sum()
}

fn sessions(view: &Value) -> usize {
    view["evses"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| e["sessionId"].is_number())
        .count()
}

fn drawing(view: &Value) -> usize {
    view["evses"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| e["sessionId"].is_number() && e["allowed"].as_f64().unwrap_or(0.0) > 0.0)
        .count()
}

/// Twelve EVSEs (three 1.6 chargers and three 2.0.1 stations of two each) on one 63 A
/// three-phase circuit with a 6 A minimum: once the first profiles are in, the EVs' draws
/// never sum above 63 A on any phase — while twelve sessions start one after another and
/// when one stops; ten share 63 A at 6.3 A each and the two newest wait at 0 (nobody
/// between 0 and the minimum); a stop gives a waiting session its share within a cycle.
#[tokio::test]
async fn twelve_sessions_share_a_63_a_circuit_and_never_exceed_it() {
    let kinds = [
        kind(OcppVersion::V16, 2),
        kind(OcppVersion::V201, 2),
        kind(OcppVersion::V16, 2),
        kind(OcppVersion::V201, 2),
        kind(OcppVersion::V16, 2),
        kind(OcppVersion::V201, 2),
    ];
    let site = site(
        load_settings(),
        json!({"maxCurrent": 63, "minChargePointCurrent": 6}),
        &kinds,
        "LM12-",
    )
    .await;
    site.profiled().await;
    let sampler = sampler(&site);
    site.start_all(|_| false).await;
    let view = site
        .until("ten sessions draw, two wait", |v| {
            sessions(v) == 12 && drawing(v) == 10 && allowed_sum(v) > 62.0
        })
        .await;
    for e in view["evses"].as_array().expect("evses") {
        let a = e["allowed"].as_f64().expect("allowed");
        assert!(a == 0.0 || (a - 6.3).abs() < 0.11, "{e}");
        if a == 0.0 {
            assert_eq!(e["reason"], "below_minimum", "{e}");
        }
    }
    // The EVs follow: every drawing EV takes its share.
    eventually("the EVs draw their shares", || async {
        let mut sum = 0.0;
        for (i, e) in site.evses() {
            sum += site.stations[i].ev.drawn(e).map(|d| d[0]).unwrap_or(0.0);
        }
        sum > 60.0
    })
    .await;
    let (waiting_cp, waiting_evse) = {
        let e = view["evses"]
            .as_array()
            .expect("evses")
            .iter()
            .find(|e| e["allowed"] == 0.0)
            .expect("one waits")
            .clone();
        (
            e["chargePointId"].as_i64().expect("cp"),
            e["evseNetworkId"].as_i64().expect("evse"),
        )
    };
    // A drawing session stops: a waiting one gets its share.
    site.stations[0].ev.stop_session(1).await.expect("stops");
    site.until("the waiting session gets a share", |v| {
        allowed(v, waiting_cp, waiting_evse).is_some_and(|a| a >= 6.0)
    })
    .await;
    let peak = sampler.peak();
    assert!(
        peak.iter().all(|p| *p <= 63.0 + 1e-6),
        "the EVs drew {peak:?} A at the most"
    );
    assert!(peak[0] > 55.0, "the circuit was used: {peak:?}");
    let phases = &site
        .until("figures per phase", |v| {
            v["phases"][0]["allocated"].as_f64().is_some()
        })
        .await["phases"];
    assert_eq!(phases[0]["phase"], "L1");
    assert!(phases[0]["allocated"].as_f64().expect("allocated") <= 63.0 + 1e-6);
}

/// Priorities 2 : 1 give shares 2 : 1 (30 A: 20 A and 10 A).
#[tokio::test]
async fn priorities_two_to_one_give_shares_two_to_one() {
    let tg = start(load_settings()).await;
    let api = api(&tg);
    let c = load_common::circuit(&api, json!({"maxCurrent": 30})).await;
    let a = connect(&tg, "LMP-A", kind(OcppVersion::V16, 1)).await;
    let b = connect(&tg, "LMP-B", kind(OcppVersion::V201, 1)).await;
    let cp_a = attach(&api, c, "LMP-A", THREE_PHASE_32(), Some(2.0)).await;
    let cp_b = attach(&api, c, "LMP-B", THREE_PHASE_32(), None).await;
    a.start_session(1, car(false)).await.expect("starts");
    b.start_session(1, car(false)).await.expect("starts");
    let v = view_until(&api, c, "shares 2:1", |v| {
        allowed(v, cp_a, 1).is_some_and(|x| (x - 20.0).abs() < 0.11)
            && allowed(v, cp_b, 1).is_some_and(|x| (x - 10.0).abs() < 0.11)
    })
    .await;
    assert_eq!(evse_field(&v, cp_a, 1, "reason"), "share", "{v}");
    // The chargers hold it.
    eventually("the chargers hold 20 A and 10 A", || async {
        a.limit(1).is_some_and(|l| (l - 20.0).abs() < 0.11)
            && b.limit(1).is_some_and(|l| (l - 10.0).abs() < 0.11)
    })
    .await;
    // A change of priority moves the shares: 1 : 1.
    let r = api
        .post(
            &format!("{C}/{c}/set-charge-point-priority/{cp_a}"),
            json!({"priority": 1}),
        )
        .await;
    assert_eq!(r.status, 202, "{}", r.text);
    view_until(&api, c, "shares 1:1", |v| {
        allowed(v, cp_a, 1).is_some_and(|x| (x - 15.0).abs() < 0.11)
            && allowed(v, cp_b, 1).is_some_and(|x| (x - 15.0).abs() < 0.11)
    })
    .await;
}

/// A meter's report of 30 A more on L1 than the managed EVSEs draw lowers the L1
/// allowances; when the meter falls silent, `offlineReservedCurrent` is reserved instead.
#[tokio::test]
async fn unmanaged_load_lowers_allowances_and_a_stale_meter_reserves_the_offline_current() {
    let mut s = load_settings();
    s.load.meter_stale_after = Duration::from_secs(3);
    let tg = start(s).await;
    let api = api(&tg);
    let meter = api
        .post(
            &format!("{R}/electricity-meters/v1.0"),
            json!({"name": "Grid", "integrationId": 1}),
        )
        .await;
    assert_eq!(meter.status, 201, "{}", meter.text);
    let meter = meter.body["data"]["id"].as_i64().expect("meter id");
    let c = load_common::circuit(
        &api,
        json!({"maxCurrent": 63, "electricityMeterId": meter, "offlineReservedCurrent": 13}),
    )
    .await;
    let a = connect(&tg, "LMU-A", kind(OcppVersion::V201, 2)).await;
    let cp = attach(&api, c, "LMU-A", THREE_PHASE_32(), None).await;
    a.start_session(1, car(false)).await.expect("starts");
    a.start_session(2, car(false)).await.expect("starts");
    // The meter sees both EVs (what they draw) and 30 A more on L1; the gateway knows
    // what the EVs draw from their meter values.
    let drawn_l1 = |v: &Value, evse| {
        evse_field(v, cp, evse, "drawn")["L1"]
            .as_f64()
            .unwrap_or(0.0)
    };
    view_until(&api, c, "the gateway knows both EVs' draws", |v| {
        drawn_l1(v, 1) > 20.0 && drawn_l1(v, 2) > 20.0
    })
    .await;
    let draw = |evse| a.drawn(evse).unwrap_or_default();
    let l1 = draw(1)[0] + draw(2)[0] + 30.0;
    let l2 = draw(1)[1] + draw(2)[1];
    let report = |l1: f64, l2: f64| {
        json!({"currentL1": (l1 * 1000.0) as i64, "currentL2": (l2 * 1000.0) as i64,
               "currentL3": (l2 * 1000.0) as i64,
               "timestamp": ocpp_gateway::domain::time::now_text()})
    };
    let r = api
        .post(
            &format!("/public-api/actions/electricity-meter/v1.0/{meter}/report-consumption"),
            report(l1, l2),
        )
        .await;
    assert_eq!(r.status, 202, "{}", r.text);
    let v = view_until(&api, c, "L1 lowered by the unmanaged 30 A", |v| {
        v["meter"] == "fresh" && allowed_sum(v) <= 33.0 + 0.11 && allowed_sum(v) > 30.0
    })
    .await;
    assert!(
        (v["phases"][0]["unmanaged"].as_f64().expect("unmanaged") - 30.0).abs() < 1.0,
        "{v}"
    );
    eventually("the EVs follow", || async {
        draw(1)[0] + draw(2)[0] <= 33.0 + 1e-6
    })
    .await;
    // No report for longer than meter_stale_after: the reserve counts.
    let v = view_until(&api, c, "the stale meter reserves 13 A", |v| {
        v["meter"] == "stale"
    })
    .await;
    for p in v["phases"].as_array().expect("phases") {
        assert_eq!(p["unmanaged"].as_f64(), Some(13.0), "{v}");
    }
    view_until(&api, c, "50 A shared", |v| {
        allowed(v, cp, 1).is_some_and(|x| (x - 25.0).abs() < 0.11)
    })
    .await;
}

/// A charger whose EV ignores its limit is marked non-compliant after two overdraws,
/// recorded as a security event, and counted at what it draws: the other makes room.
/// A charger that answers SetChargingProfile with CALLERROR NotSupported is marked at
/// once and counted at its maximum.
#[tokio::test]
async fn non_compliant_chargers_are_flagged_and_the_others_make_room() {
    let tg = start(load_settings()).await;
    let api = api(&tg);
    let c = load_common::circuit(&api, json!({"maxCurrent": 40})).await;
    let good = connect(&tg, "LMN-GOOD", kind(OcppVersion::V201, 1)).await;
    let bad = connect(&tg, "LMN-BAD", kind(OcppVersion::V16, 1)).await;
    let cp_good = attach(&api, c, "LMN-GOOD", THREE_PHASE_32(), None).await;
    let cp_bad = attach(&api, c, "LMN-BAD", THREE_PHASE_32(), None).await;
    good.start_session(1, car(false)).await.expect("starts");
    bad.start_session(1, car(true)).await.expect("starts");
    let v = view_until(&api, c, "the ignoring charger is flagged", |v| {
        evse_field(v, cp_bad, 1, "compliance") == "ignores_limit"
    })
    .await;
    assert!(
        evse_field(&v, cp_bad, 1, "nonComplianceReason")
            .as_str()
            .is_some_and(|r| r.contains("drew")),
        "{v}"
    );
    view_until(&api, c, "the other gets what is left (8 A)", |v| {
        allowed(v, cp_good, 1).is_some_and(|x| x <= 8.0 + 0.11)
    })
    .await;
    eventually("the compliant EV draws no more than 8 A", || async {
        good.drawn(1).is_some_and(|d| d[0] <= 8.0 + 1e-6)
    })
    .await;
    // Recorded as a security event of the gateway's own type (outside the reference's
    // list of the ones chargers push), read without the reference's check.
    let events = http()
        .get(format!(
            "http://{}{R}/security-events/v2.0?filter[type]=LoadManagementNonCompliant",
            tg.gw.api_addr()
        ))
        .bearer_auth(tg.gw.api_tokens()[0].clone())
        .send()
        .await
        .expect("events")
        .json::<Value>()
        .await
        .expect("JSON");
    assert_eq!(events["data"][0]["chargePoint"], cp_bad, "{events}");
    assert!(
        events["data"][0]["techInfo"]
            .as_str()
            .is_some_and(|t| t.contains("limit")),
        "{events}"
    );

    // A charger without smart charging: NotSupported, counted at its 32 A.
    let _nope = connect(
        &tg,
        "LMN-NOPE",
        Kind {
            version: OcppVersion::V201,
            evses: 1,
            not_supported: true,
        },
    )
    .await;
    let c2 = load_common::circuit(&api, json!({"maxCurrent": 40, "name": "Second"})).await;
    let cp_nope = attach(&api, c2, "LMN-NOPE", THREE_PHASE_32(), None).await;
    let other = connect(&tg, "LMN-OTHER", kind(OcppVersion::V16, 1)).await;
    let cp_other = attach(&api, c2, "LMN-OTHER", THREE_PHASE_32(), None).await;
    let v = view_until(&api, c2, "the NotSupported charger is flagged", |v| {
        evse_field(v, cp_nope, 1, "compliance") == "profile_refused"
    })
    .await;
    assert!(
        evse_field(&v, cp_nope, 1, "nonComplianceReason")
            .as_str()
            .is_some_and(|r| r.contains("NotSupported")),
        "{v}"
    );
    other.start_session(1, car(false)).await.expect("starts");
    view_until(&api, c2, "counted at its maximum: 8 A left", |v| {
        allowed(v, cp_other, 1).is_some_and(|x| (x - 8.0).abs() < 0.11)
            && allowed(v, cp_nope, 1) == Some(32.0)
    })
    .await;
}

/// A two-level tree: a 100 A parent with two 63 A children, three 32 A cars under each.
/// Each child stays under 63 A and both together under 100 A.
#[tokio::test]
async fn a_two_level_tree_holds_both_levels() {
    let tg = start(load_settings()).await;
    let api = api(&tg);
    let parent = load_common::circuit(&api, json!({"maxCurrent": 100, "name": "Main"})).await;
    let mut cars = Vec::new();
    let mut children = Vec::new();
    for side in ["L", "R"] {
        let child = load_common::circuit(
            &api,
            json!({"maxCurrent": 63, "name": format!("Feeder {side}"),
                   "parentCircuitId": parent, "phaseRotation": "RST"}),
        )
        .await;
        children.push(child);
        for i in 0..3 {
            let identity = format!("LMT-{side}{i}");
            let ev = Arc::new(connect(&tg, &identity, kind(OcppVersion::V201, 1)).await);
            attach(&api, child, &identity, THREE_PHASE_32(), None).await;
            cars.push((ev, child));
        }
    }
    for (ev, _) in &cars {
        eventually("a limit is held", || async { ev.limit(1).is_some() }).await;
    }
    let sampler = Sampler::start(cars.iter().map(|(ev, _)| (ev.gauge(), 1)).collect());
    let per_child: Vec<Sampler> = children
        .iter()
        .map(|c| {
            Sampler::start(
                cars.iter()
                    .filter(|(_, child)| child == c)
                    .map(|(ev, _)| (ev.gauge(), 1))
                    .collect(),
            )
        })
        .collect();
    for (ev, _) in &cars {
        ev.start_session(1, car(false)).await.expect("starts");
    }
    view_until(&api, parent, "the parent is full", |v| {
        v["phases"][0]["allocated"]
            .as_f64()
            .is_some_and(|a| a > 99.0)
    })
    .await;
    eventually("the EVs draw their shares", || async {
        sampler.peak()[0] > 99.0
    })
    .await;
    // Let every car settle a few meter intervals, then look at the peaks.
    for (ev, _) in &cars {
        let ev = ev.clone();
        eventually("the car follows its limit", || {
            let ev = ev.clone();
            async move {
                match (ev.limit(1), ev.drawn(1)) {
                    (Some(l), Some(d)) => d[0] <= l + 1e-6,
                    _ => false,
                }
            }
        })
        .await;
    }
    let total = sampler.peak();
    assert!(
        total.iter().all(|p| *p <= 100.0 + 1e-6),
        "the parent carried {total:?}"
    );
    for s in &per_child {
        let p = s.peak();
        assert!(p.iter().all(|x| *x <= 63.0 + 1e-6), "a child carried {p:?}");
    }
}

/// After a restart of the gateway on the same store the circuit is still there, the
/// allocation is computed again, and a charger that comes back knowing nothing (a
/// fresh simulator: its profiles are gone) is sent its profiles again, unasked.
#[tokio::test]
async fn after_a_restart_profiles_are_sent_again() {
    let mut s = load_settings();
    let _db = common::store::database_for(&mut s).await;
    let dir = Arc::new(tempfile::tempdir().expect("tempdir"));
    let tg = common::start_in(s.clone(), dir.clone()).await;
    let first = api(&tg);
    let c = load_common::circuit(&first, json!({"maxCurrent": 40})).await;
    let ev = connect(&tg, "LMR-1", kind(OcppVersion::V201, 2)).await;
    let cp = attach(&first, c, "LMR-1", THREE_PHASE_32(), None).await;
    eventually("both EVSEs hold 20 A", || async {
        ev.limit(1) == Some(20.0) && ev.limit(2) == Some(20.0)
    })
    .await;
    let _ = ev.close().await;
    let TestGateway { gw, store, .. } = tg;
    gw.shutdown().await;
    drop(store);

    let tg = common::start_in(s, dir).await;
    let again = api(&tg);
    let ev = connect(&tg, "LMR-1", kind(OcppVersion::V201, 2)).await;
    eventually("both EVSEs hold 20 A again", || async {
        ev.limit(1) == Some(20.0) && ev.limit(2) == Some(20.0)
    })
    .await;
    let v = view_until(&again, c, "the allocation is computed again", |v| {
        allowed(v, cp, 1) == Some(20.0) && allowed(v, cp, 2) == Some(20.0)
    })
    .await;
    assert_eq!(evse_field(&v, cp, 1, "inForce"), 20.0, "{v}");
}

/// A stream of meter values alone is allocated at most every `load.round_interval`, not
/// once per message: forty reports in two seconds cost a handful of rounds
/// (`ocpp_gateway_load_rounds_total`), while a session's start is allocated at once.
#[tokio::test]
async fn meter_values_alone_are_allocated_at_the_round_interval() {
    let mut s = load_settings();
    s.load.round_interval = Duration::from_millis(500);
    s.load.tick = Duration::from_secs(60);
    let tg = start(s).await;
    let api = api(&tg);
    let c = load_common::circuit(&api, json!({"maxCurrent": 40})).await;
    let base = format!("ws://{}/ocpp", tg.gw.ocpp_addr());
    let options = EvOptions {
        meter_interval: Duration::from_millis(50),
        id_tag: "TLMI".into(),
        ..EvOptions::default()
    };
    let v = OcppVersion::V16;
    let ev = EvCharger::connect_with(ConnectOptions::new(&base, "LMI-1", v), v, options)
        .await
        .expect("connects");
    attach(&api, c, "LMI-1", THREE_PHASE_32(), None).await;
    eventually("the idle EVSE holds 32 A", || async {
        ev.limit(1) == Some(32.0)
    })
    .await;
    let rounds = || {
        let text = tg.gw.metrics().render();
        text.lines()
            .find_map(|l| l.strip_prefix("ocpp_gateway_load_rounds_total "))
            .and_then(|n| n.trim().parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    ev.start_session(1, car(false)).await.expect("starts");
    let reports = |ev: &EvCharger| ev.reports().len();
    let (r0, m0) = (rounds(), reports(&ev));
    eventually("forty more meter reports", || async {
        reports(&ev) >= m0 + 40
    })
    .await;
    let spent = rounds() - r0;
    assert!(
        (1.0..=10.0).contains(&spent),
        "{spent} rounds for {} reports",
        reports(&ev) - m0
    );
}
