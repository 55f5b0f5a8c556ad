//! Action round trip with many chargers connected: the gateway in-process, N idle
//! simulated chargers (default 9,000; `ROUNDTRIP_CHARGERS`), then `ChargerHandle::call`
//! timed for 2,000 calls one at a time and 2,000 from 64 concurrent callers.
//! Run with `cargo bench --bench roundtrip`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use ocpp_gateway::config::{Policy, Settings};
use ocpp_gateway::sim::load::{raise_fd_limit, run_load, LoadOptions, LoadScenario};
use ocpp_gateway::Gateway;
use serde_json::json;
use tokio::sync::Mutex;

const CALLS: usize = 2_000;
const CONCURRENCY: usize = 64;

fn main() {
    let chargers: usize = std::env::var("ROUNDTRIP_CHARGERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(9_000);
    let fds = raise_fd_limit(2 * chargers as u64 + 1024);
    println!("roundtrip: {chargers} chargers, descriptor limit {fds}");
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(bench(chargers));
}

async fn bench(chargers: usize) {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut s = Settings::embedded().expect("embedded settings");
    s.ocpp.listen = "127.0.0.1:0".parse().expect("addr");
    s.api.listen = "127.0.0.1:0".parse().expect("addr");
    s.store.path = dir.path().join("gateway.db");
    s.ocpp.auto_register = true;
    s.ocpp.allow_unauthenticated = true;
    s.auth.unknown = Policy::Accept;
    s.ocpp.rate_limit = 0.0;
    s.tls.client_ca = Default::default();
    s.tls.ca_key = Default::default();
    let gw = Arc::new(Gateway::start(s).await.expect("gateway starts"));

    let url = format!("ws://{}/ocpp", gw.ocpp_addr());
    let mut load = LoadOptions::new(&url, LoadScenario::Idle, chargers);
    load.duration = Duration::from_secs(3600);
    load.heartbeat = Some(Duration::from_secs(300));
    let load = tokio::spawn(run_load(load));

    let identity = |i: usize| format!("LOAD-{:06}", i % chargers);
    let started = Instant::now();
    loop {
        let up = (0..chargers)
            .filter(|&i| gw.charger(&identity(i)).is_some())
            .count();
        if up == chargers {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "only {up} connected"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    println!(
        "{chargers} connected after {:.1} s",
        started.elapsed().as_secs_f64()
    );
    // Let the boots' writes drain before measuring.
    tokio::time::sleep(Duration::from_secs(3)).await;

    let one = Arc::new(Mutex::new(histogram()));
    for i in 0..CALLS {
        call(&gw, &identity(i * 7_919), &one).await;
    }
    report("one at a time", &*one.lock().await);

    let many = Arc::new(Mutex::new(histogram()));
    let mut tasks = Vec::new();
    for c in 0..CONCURRENCY {
        let (gw, many) = (Arc::clone(&gw), Arc::clone(&many));
        tasks.push(tokio::spawn(async move {
            for i in (c..CALLS).step_by(CONCURRENCY) {
                call(&gw, &format!("LOAD-{:06}", (i * 7_919) % chargers), &many).await;
            }
        }));
    }
    for task in tasks {
        task.await.expect("caller");
    }
    report(
        &format!("{CONCURRENCY} concurrent callers"),
        &*many.lock().await,
    );
    load.abort();
}

fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 60_000_000, 2).expect("histogram bounds")
}

async fn call(gw: &Gateway, identity: &str, into: &Mutex<Histogram<u64>>) {
    let handle = gw.charger(identity).expect("charger connected");
    let sent = Instant::now();
    handle
        .call("GetLocalListVersion", json!({}))
        .await
        .expect("answered");
    let micros = sent.elapsed().as_micros() as u64;
    into.lock().await.saturating_record(micros.max(1));
}

fn report(what: &str, h: &Histogram<u64>) {
    let ms = |q: f64| h.value_at_quantile(q) as f64 / 1000.0;
    println!(
        "{what}: p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms ({} calls)",
        ms(0.5),
        ms(0.9),
        ms(0.99),
        h.max() as f64 / 1000.0,
        h.len()
    );
}
