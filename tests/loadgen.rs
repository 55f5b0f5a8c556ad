//! The load generator at CI scale: the real gateway in-process on port 0 with a temp
//! store, 200 chargers sending meter values, then a storm of 200 boots.

// The store helpers of the integration tests, of which this run uses a few.
#[allow(dead_code)]
#[path = "it/common/pg.rs"]
mod pg;
#[allow(dead_code)]
#[path = "it/common/store.rs"]
mod store;

use std::time::Duration;

use ocpp_gateway::config::{Policy, Settings};
use ocpp_gateway::sim::load::{run_load, LoadOptions, LoadReport, LoadScenario};
use ocpp_gateway::Gateway;

const CHARGERS: usize = 200;

fn settings(dir: &tempfile::TempDir) -> Settings {
    let mut s = Settings::embedded().expect("embedded settings");
    s.ocpp.listen = "127.0.0.1:0".parse().expect("addr");
    s.api.listen = "127.0.0.1:0".parse().expect("addr");
    s.store.path = dir.path().join("gateway.db");
    s.ocpp.auto_register = true;
    s.ocpp.allow_unauthenticated = true;
    s.auth.unknown = Policy::Accept;
    s.ocpp.drain_spread = Duration::ZERO;
    s.tls.client_ca = Default::default();
    s.tls.ca_key = Default::default();
    s
}

fn assert_clean(report: &LoadReport) {
    println!("{report}\n");
    assert_eq!(report.error_total(), 0, "errors: {:?}", report.errors);
    assert_eq!(report.connected, CHARGERS as u64, "every charger connects");
    assert_eq!(report.booted, CHARGERS as u64, "every charger boots");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_chargers_meter_then_storm() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut s = settings(&dir);
    let _db = store::database_for(&mut s).await;
    let gw = Gateway::start(s).await.expect("gateway starts");
    let url = format!("ws://{}/ocpp", gw.ocpp_addr());

    let mut meter = LoadOptions::new(&url, LoadScenario::Meter, CHARGERS);
    meter.rate = 400.0;
    meter.ramp = 400.0;
    meter.duration = Duration::from_secs(15);
    meter.call_timeout = Duration::from_secs(10);
    let report = tokio::time::timeout(Duration::from_secs(40), run_load(meter))
        .await
        .expect("the meter run ends in time")
        .expect("the meter run starts");
    assert_clean(&report);
    // The achieved rate: at least half the asked one even on a busy machine.
    assert!(
        report.messages_per_sec > 200.0,
        "{} msgs/s",
        report.messages_per_sec
    );
    assert!(report.steady_latency.count > 0);

    let mut storm = LoadOptions::new(&url, LoadScenario::Storm, CHARGERS);
    storm.prefix = "STORM-".to_owned();
    storm.duration = Duration::from_secs(15);
    storm.call_timeout = Duration::from_secs(10);
    let report = tokio::time::timeout(Duration::from_secs(30), run_load(storm))
        .await
        .expect("the storm ends in time")
        .expect("the storm starts");
    assert_clean(&report);

    tokio::time::timeout(Duration::from_secs(15), gw.shutdown())
        .await
        .expect("the gateway shuts down in time");
}
