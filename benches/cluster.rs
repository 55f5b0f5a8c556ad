//! Actions across the nodes of a cluster: two gateway nodes in this process on one fresh
//! PostgreSQL database and a NATS broker, N idle simulated chargers on node A (default
//! 2,000; `CLUSTER_CHARGERS`), then the `get-local-list-version` action over HTTP, first
//! to node A (the charger's own node), then to node B (routed over NATS), each 4,000
//! times from 32 concurrent callers. Reports actions/s and latency per path.
//!
//! Needs `OCPP_GATEWAY_TEST_POSTGRES` and `OCPP_GATEWAY_TEST_NATS` (as the tests do).
//! Run with `cargo bench --bench cluster`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use ocpp_gateway::config::{Policy, Settings};
use ocpp_gateway::sim::load::{raise_fd_limit, run_load, LoadOptions, LoadScenario};
use ocpp_gateway::Gateway;
use tokio::sync::Mutex;

const CALLS: usize = 4_000;
const CONCURRENCY: usize = 32;
const TOKEN: &str = "cluster-bench-token";

fn main() {
    let (Ok(pg), Ok(nats)) = (
        std::env::var("OCPP_GATEWAY_TEST_POSTGRES"),
        std::env::var("OCPP_GATEWAY_TEST_NATS"),
    ) else {
        println!("cluster: OCPP_GATEWAY_TEST_POSTGRES and OCPP_GATEWAY_TEST_NATS needed; skipped");
        return;
    };
    let chargers: usize = std::env::var("CLUSTER_CHARGERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2_000);
    let fds = raise_fd_limit(2 * chargers as u64 + 1024);
    println!("cluster: 2 nodes, {chargers} chargers on node A, descriptor limit {fds}");
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(bench(pg, nats, chargers));
}

async fn fresh_database(base: &str) -> String {
    let (client, conn) = tokio_postgres::connect(base, tokio_postgres::NoTls)
        .await
        .expect("PostgreSQL reachable");
    tokio::spawn(conn);
    let name = format!("gw_bench_{}", std::process::id());
    for statement in [
        format!("DROP DATABASE IF EXISTS {name}"),
        format!("CREATE DATABASE {name}"),
    ] {
        client.batch_execute(&statement).await.expect(&statement);
    }
    let (head, _) = base.rsplit_once('/').expect("a database in the URL");
    format!("{head}/{name}")
}

fn node_settings(db: &str, nats: &str, node: &str, dir: &std::path::Path) -> Settings {
    let mut s = Settings::embedded().expect("embedded settings");
    s.ocpp.listen = "127.0.0.1:0".parse().expect("addr");
    s.api.listen = "127.0.0.1:0".parse().expect("addr");
    s.api.tokens = vec![TOKEN.into()];
    s.store.path = dir.join(format!("{node}.db"));
    s.store.url = db.into();
    s.cluster.nats_url = nats.into();
    s.cluster.name = format!("bench-{}", std::process::id());
    s.cluster.node_id = node.into();
    s.ocpp.auto_register = true;
    s.ocpp.allow_unauthenticated = true;
    s.auth.unknown = Policy::Accept;
    s.ocpp.rate_limit = 0.0;
    s.log.frames = false;
    s.tls.client_ca = Default::default();
    s.tls.ca_key = Default::default();
    s
}

async fn bench(pg: String, nats: String, chargers: usize) {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = fresh_database(&pg).await;
    let a = Gateway::start(node_settings(&db, &nats, "a", dir.path()))
        .await
        .expect("node a starts");
    let b = Gateway::start(node_settings(&db, &nats, "b", dir.path()))
        .await
        .expect("node b starts");

    let url = format!("ws://{}/ocpp", a.ocpp_addr());
    let mut load = LoadOptions::new(&url, LoadScenario::Idle, chargers);
    load.duration = Duration::from_secs(3600);
    load.heartbeat = Some(Duration::from_secs(300));
    let load = tokio::spawn(run_load(load));
    let started = Instant::now();
    while a.registry().len() < chargers {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "only {} connected",
            a.registry().len()
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    println!(
        "{chargers} connected to node A after {:.1} s",
        started.elapsed().as_secs_f64()
    );
    tokio::time::sleep(Duration::from_secs(3)).await;

    let (client, conn) = tokio_postgres::connect(&db, tokio_postgres::NoTls)
        .await
        .expect("database");
    tokio::spawn(conn);
    let ids: Arc<Vec<i64>> = Arc::new(
        client
            .query(
                "SELECT id FROM charge_points WHERE connected_node = 'a' ORDER BY id",
                &[],
            )
            .await
            .expect("charge points")
            .iter()
            .map(|r| r.get(0))
            .collect(),
    );
    assert_eq!(ids.len(), chargers, "every charger recorded on node A");

    for (what, node) in [("node A (local)", &a), ("node B (routed)", &b)] {
        let http = reqwest::Client::new();
        let base = format!(
            "http://{}/public-api/actions/charge-point/v1.0",
            node.api_addr()
        );
        let h = Arc::new(Mutex::new(histogram()));
        let began = Instant::now();
        let mut tasks = Vec::new();
        for c in 0..CONCURRENCY {
            let (http, base, ids, h) = (http.clone(), base.clone(), ids.clone(), h.clone());
            tasks.push(tokio::spawn(async move {
                for i in (c..CALLS).step_by(CONCURRENCY) {
                    let id = ids[(i * 7_919) % ids.len()];
                    let sent = Instant::now();
                    let r = http
                        .post(format!("{base}/{id}/get-local-list-version"))
                        .bearer_auth(TOKEN)
                        .json(&serde_json::json!({}))
                        .send()
                        .await
                        .expect("HTTP");
                    let status = r.status();
                    let body = r.text().await.unwrap_or_default();
                    assert!(status.is_success(), "{status} {body}");
                    let micros = sent.elapsed().as_micros() as u64;
                    h.lock().await.saturating_record(micros.max(1));
                }
            }));
        }
        for t in tasks {
            t.await.expect("caller");
        }
        let secs = began.elapsed().as_secs_f64();
        report(what, &*h.lock().await, secs);
    }
    load.abort();
    b.shutdown().await;
    a.shutdown().await;
    let (server, conn) = tokio_postgres::connect(&pg, tokio_postgres::NoTls)
        .await
        .expect("PostgreSQL reachable");
    tokio::spawn(conn);
    let (_, name) = db.rsplit_once('/').expect("a database name");
    server
        .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await
        .expect("drop the bench database");
}

fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 60_000_000, 2).expect("histogram bounds")
}

fn report(what: &str, h: &Histogram<u64>, secs: f64) {
    let ms = |q: f64| h.value_at_quantile(q) as f64 / 1000.0;
    println!(
        "{what}: {:.0} actions/s, p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms ({} actions, {CONCURRENCY} callers)",
        h.len() as f64 / secs,
        ms(0.5),
        ms(0.9),
        ms(0.99),
        h.max() as f64 / 1000.0,
        h.len()
    );
}
