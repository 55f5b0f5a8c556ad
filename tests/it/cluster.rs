//! Cluster mode against the real PostgreSQL and NATS (`OCPP_GATEWAY_TEST_POSTGRES`,
//! `OCPP_GATEWAY_TEST_NATS`): several gateway nodes on one fresh database, in this
//! process and as child processes.
//!
//! - an action sent to node B for a charger on node A reaches it, and every answer
//!   (accepted, rejected, CALLERROR, silence, offline) is the same HTTP answer as on A;
//! - a charger moving from A to B mid-session keeps one session with the right energy,
//!   its old socket closes and its notifications arrive in order;
//! - node A killed with SIGKILL: its chargers show as temporarily unavailable, reconnect
//!   to B, every event is delivered, no transaction id repeats.

use crate::common;
use crate::notify_common;

use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;

use common::reference::{Api, Reply};
use common::*;
use notify_common::{Mode, Receiver, TOKEN};
use ocpp_gateway::config::Settings;
use ocpp_gateway::Gateway;
use serde_json::{json, Value};
use tokio::process::Child;

const R: &str = "/public-api/resources";
const A: &str = "/public-api/actions/charge-point";
const T: &str = "2026-11-28T10:00:00Z";
const CALL_TIMEOUT: Duration = Duration::from_millis(600);

/// The servers, or None (the test is skipped) when the variables are unset.
fn servers() -> Option<(String, String)> {
    match (
        std::env::var("OCPP_GATEWAY_TEST_POSTGRES"),
        std::env::var("OCPP_GATEWAY_TEST_NATS"),
    ) {
        (Ok(pg), Ok(nats)) => Some((pg, nats)),
        _ => {
            eprintln!("OCPP_GATEWAY_TEST_POSTGRES / OCPP_GATEWAY_TEST_NATS unset: skipped");
            None
        }
    }
}

fn random_name(prefix: &str) -> String {
    let mut b = [0u8; 6];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut b).expect("random");
    format!("{prefix}{}", hex::encode(b))
}

/// A fresh database on the server of `base`; its URL.
async fn fresh_database(base: &str) -> String {
    let (client, conn) = tokio_postgres::connect(base, tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| panic!("OCPP_GATEWAY_TEST_POSTGRES={base} unreachable: {e}"));
    tokio::spawn(conn);
    let name = random_name("gw_cluster_");
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .expect("create database");
    let (head, _) = base.rsplit_once('/').expect("a database in the URL");
    format!("{head}/{name}")
}

/// One cluster: a database, a broker subject space and a name per node.
struct Cluster {
    /// The server's own URL, to drop the database at the end.
    base: String,
    db: String,
    nats: String,
    name: String,
}

impl Cluster {
    async fn new() -> Option<Cluster> {
        let (pg, nats) = servers()?;
        // Fail (not skip) when the broker is set but unreachable.
        async_nats::connect(nats.as_str())
            .await
            .unwrap_or_else(|e| panic!("OCPP_GATEWAY_TEST_NATS={nats} unreachable: {e}"));
        Some(Cluster {
            db: fresh_database(&pg).await,
            base: pg,
            nats,
            name: random_name("test-"),
        })
    }

    fn settings(&self, node: &str, dir: &Path) -> Settings {
        let mut s = notify_common::gateway_settings();
        s.store.url = self.db.clone();
        s.store.path = dir.join("gateway.db");
        s.store.pool_size = 4;
        s.cluster.nats_url = self.nats.clone();
        s.cluster.name = self.name.clone();
        s.cluster.node_id = node.into();
        s.cluster.heartbeat = Duration::from_millis(100);
        s.cluster.dead_after = Duration::from_millis(1500);
        s.ocpp.call_timeout = CALL_TIMEOUT;
        s
    }

    async fn node(&self, node: &str) -> Node {
        let dir = tempfile::tempdir().expect("tempdir");
        let gw = Gateway::start(self.settings(node, dir.path()))
            .await
            .unwrap_or_else(|e| panic!("node {node} starts: {e}"));
        let api = Api::new(gw.api_addr(), Some(TOKEN));
        Node { gw, api, _dir: dir }
    }

    /// Drops the test's database once its nodes are gone (a failed test keeps it for a
    /// look).
    async fn drop_database(self) {
        let (client, conn) = tokio_postgres::connect(&self.base, tokio_postgres::NoTls)
            .await
            .expect("server");
        tokio::spawn(conn);
        let (_, name) = self.db.rsplit_once('/').expect("a database name");
        client
            .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .await
            .expect("drop the test database");
    }

    /// Reads the database directly (what every node shares).
    async fn sql(&self) -> tokio_postgres::Client {
        let (client, conn) = tokio_postgres::connect(&self.db, tokio_postgres::NoTls)
            .await
            .expect("database");
        tokio::spawn(conn);
        client
    }
}

struct Node {
    gw: Gateway,
    api: Api,
    _dir: tempfile::TempDir,
}

impl Node {
    fn url(&self, identity: &str) -> String {
        format!("ws://{}/ocpp/{identity}", self.gw.ocpp_addr())
    }
}

/// The charge point id of `identity`, as node `api` lists it.
async fn cp_id(api: &Api, identity: &str) -> i64 {
    let list = api
        .get(&format!("{R}/charge-points/v2.0?per_page=100"))
        .await;
    list.body["data"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|cp| cp["network"]["id"] == identity)
        .and_then(|cp| cp["id"].as_i64())
        .unwrap_or_else(|| panic!("no charge point {identity}: {}", list.text))
}

async fn network_status(api: &Api, cp: i64) -> String {
    let r = api.get(&format!("{R}/charge-points/v2.0/{cp}")).await;
    r.body["data"]["networkStatus"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// How the charger answers the next CALL.
enum Answer {
    Result(Value),
    Error,
    Silence,
}

/// POSTs the reset action to `api`, answers the charger's CALL as told, returns the HTTP
/// reply.
async fn reset_through(api: &Api, c: &mut Client, cp: i64, answer: Answer) -> Reply {
    let api = api.clone();
    let http = tokio::spawn(async move {
        api.post(&format!("{A}/v1.0/{cp}/reset/soft"), json!({}))
            .await
    });
    let frame = c.recv().await;
    assert_eq!(frame[0], 2, "a CALL: {frame}");
    assert_eq!(frame[2], "Reset", "{frame}");
    assert_eq!(frame[3], json!({"type": "Soft"}));
    match answer {
        Answer::Result(v) => c.answer(&frame[1], v).await,
        Answer::Error => {
            c.send(&json!([4, frame[1], "NotSupported", "no", {}]).to_string())
                .await
        }
        Answer::Silence => {}
    }
    tokio::time::timeout(WAIT, http)
        .await
        .expect("HTTP answer in time")
        .expect("join")
}

fn same(a: &Reply, b: &Reply, what: &str) {
    assert_eq!(
        (a.status, &a.body),
        (b.status, &b.body),
        "{what}: node A answered {} {}, node B {} {}",
        a.status,
        a.text,
        b.status,
        b.text
    );
}

#[tokio::test]
async fn an_action_sent_to_another_node_gets_the_single_node_answer() {
    let Some(cluster) = Cluster::new().await else {
        return;
    };
    let (a, b) = (cluster.node("a").await, cluster.node("b").await);
    let mut c = booted(&a.url("ROUTE-1")).await;
    let cp = cp_id(&b.api, "ROUTE-1").await;
    eventually("B sees the charger connected", || async {
        network_status(&b.api, cp).await == "available"
    })
    .await;

    let accepted = || Answer::Result(json!({"status": "Accepted"}));
    let on_a = reset_through(&a.api, &mut c, cp, accepted()).await;
    let on_b = reset_through(&b.api, &mut c, cp, accepted()).await;
    assert!(on_b.status < 300, "accepted: {} {}", on_b.status, on_b.text);
    same(&on_a, &on_b, "accepted");

    let rejected = || Answer::Result(json!({"status": "Rejected"}));
    let on_a = reset_through(&a.api, &mut c, cp, rejected()).await;
    let on_b = reset_through(&b.api, &mut c, cp, rejected()).await;
    assert_eq!(on_b.status, 406, "{}", on_b.text);
    same(&on_a, &on_b, "rejected");

    let on_a = reset_through(&a.api, &mut c, cp, Answer::Error).await;
    let on_b = reset_through(&b.api, &mut c, cp, Answer::Error).await;
    assert_eq!(on_b.status, 502, "{}", on_b.text);
    same(&on_a, &on_b, "CALLERROR");

    let on_a = reset_through(&a.api, &mut c, cp, Answer::Silence).await;
    let on_b = reset_through(&b.api, &mut c, cp, Answer::Silence).await;
    assert_eq!(on_b.status, 504, "{}", on_b.text);
    same(&on_a, &on_b, "timeout");

    drop(c);
    eventually("A records the disconnection", || async {
        network_status(&b.api, cp).await != "available"
    })
    .await;
    let path = format!("{A}/v1.0/{cp}/reset/soft");
    let on_a = a.api.post(&path, json!({})).await;
    let on_b = b.api.post(&path, json!({})).await;
    assert_eq!(on_b.status, 409, "{}", on_b.text);
    same(&on_a, &on_b, "offline");

    a.gw.shutdown().await;
    b.gw.shutdown().await;
    cluster.drop_database().await;
}

fn meter16(tx: i64, wh: u32) -> Value {
    json!({"connectorId": 1, "transactionId": tx, "meterValue": [
        {"timestamp": T, "sampledValue": [{"value": wh.to_string(), "measurand": "Energy.Active.Import.Register", "unit": "Wh"}]}
    ]})
}

/// A 1.6 charger at `url` that boots; the connected client.
async fn booted(url: &str) -> Client {
    let mut c = connect(url, &["ocpp1.6"], None)
        .await
        .unwrap_or_else(|r| panic!("charger connects to {url}: {r:?}"));
    let boot = c
        .call(
            "BootNotification",
            json!({"chargePointVendor": "V", "chargePointModel": "M"}),
        )
        .await;
    assert_eq!(boot["status"], "Accepted", "{boot}");
    c
}

/// Starts a transaction on `connector` from `meter_start` Wh; its id.
async fn start_transaction(c: &mut Client, connector: u32, meter_start: u32) -> i64 {
    let start = c
        .call(
            "StartTransaction",
            json!({"connectorId": connector, "idTag": "TAG", "meterStart": meter_start, "timestamp": T}),
        )
        .await;
    start["transactionId"].as_i64().expect("transaction id")
}

/// Waits for the socket to be closed by the gateway.
async fn closed(c: &mut Client) -> bool {
    tokio::time::timeout(WAIT, async {
        loop {
            match c.recv_message().await {
                None | Some(Err(_)) => return true,
                Some(Ok(tokio_tungstenite::tungstenite::Message::Close(_))) => return true,
                Some(Ok(_)) => continue,
            }
        }
    })
    .await
    .unwrap_or(false)
}

#[tokio::test]
async fn a_charger_moving_between_nodes_keeps_one_session() {
    let Some(cluster) = Cluster::new().await else {
        return;
    };
    let (a, b) = (cluster.node("a").await, cluster.node("b").await);
    let rx = Receiver::start(Mode::Ok).await;
    notify_common::subscribe(
        a.gw.api_addr(),
        &rx.url,
        ocpp_gateway::domain::notification::ALL,
    )
    .await;

    let mut on_a = booted(&a.url("MOVE-1")).await;
    let tx = start_transaction(&mut on_a, 1, 1000).await;
    on_a.call("MeterValues", meter16(tx, 2000)).await;

    // The charger comes back through the load balancer on node B.
    let mut on_b = connect(&b.url("MOVE-1"), &["ocpp1.6"], None)
        .await
        .expect("charger connects to B");
    assert!(closed(&mut on_a).await, "node A closed the old socket");
    on_b.call("MeterValues", meter16(tx, 3500)).await;
    let stop = on_b
        .call(
            "StopTransaction",
            json!({"transactionId": tx, "idTag": "TAG", "meterStop": 5000, "timestamp": "2026-11-28T10:30:00Z", "reason": "Local"}),
        )
        .await;
    assert_eq!(stop["idTagInfo"]["status"], "Accepted", "{stop}");

    let cp = cp_id(&a.api, "MOVE-1").await;
    for api in [&a.api, &b.api] {
        let sessions = api
            .get(&format!("{R}/sessions/v1.0?filter[chargePointId]={cp}"))
            .await;
        let list = sessions.body["data"].as_array().expect("sessions");
        assert_eq!(list.len(), 1, "one session: {}", sessions.text);
        assert_eq!(list[0]["status"], "finished", "{}", sessions.text);
        assert_eq!(list[0]["energy"], 4000.0, "{}", sessions.text);
    }
    assert_eq!(network_status(&a.api, cp).await, "available");

    // Notifications about the charger arrive in the order they were written: ids grow,
    // and the last session notification is the finished session.
    let sql = cluster.sql().await;
    notify_common::within(
        Duration::from_secs(15),
        "every notification delivered",
        || async {
            let left: i64 = sql
            .query_one(
                "SELECT count(*) FROM outbox WHERE charge_point_id = $1 AND status <> 'delivered'",
                &[&cp],
            )
            .await
            .expect("count")
            .get(0);
            left == 0
        },
    )
    .await;
    let written: Vec<i64> = sql
        .query(
            "SELECT id FROM outbox WHERE charge_point_id = $1 ORDER BY id",
            &[&cp],
        )
        .await
        .expect("ids")
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert!(written.len() >= 4, "notifications written: {written:?}");
    let got: Vec<_> = notify_common::first_arrivals(&rx.accepted())
        .into_iter()
        .filter(|r| r.id.parse().is_ok_and(|id: i64| written.contains(&id)))
        .collect();
    let ids: Vec<i64> = got
        .iter()
        .map(|r| r.id.parse().expect("numeric id"))
        .collect();
    assert_eq!(
        ids, written,
        "every notification arrived, first arrivals in order"
    );
    // Connected on A, then on B: never a disconnection in between.
    let network: Vec<&str> = got
        .iter()
        .filter(|r| r.body["notification"] == "NetworkStatusNotification")
        .filter_map(|r| r.body["networkStatus"].as_str())
        .collect();
    assert_eq!(
        network,
        ["available", "available"],
        "connected on A, then on B, no disconnection notified in between"
    );
    let last_session = got
        .iter()
        .rev()
        .find(|r| r.body["notification"] == "SessionUpdateNotification")
        .or_else(|| got.iter().rev().find(|r| r.body.get("session").is_some()))
        .expect("a session notification");
    assert!(
        last_session.raw.windows(8).any(|w| w == b"finished"),
        "last session notification is the finished session: {}",
        last_session.body
    );

    a.gw.shutdown().await;
    b.gw.shutdown().await;
    cluster.drop_database().await;
}

/// Starts the real binary as node `node` of `cluster`; returns the child with its OCPP
/// and API addresses.
async fn spawn_node(cluster: &Cluster, node: &str, dir: &Path) -> (Child, String, String) {
    let g = binary::spawn_gateway(
        dir,
        &[
            ("OCPP_GATEWAY__API__TOKENS", TOKEN),
            ("OCPP_GATEWAY__STORE__URL", &cluster.db),
            ("OCPP_GATEWAY__CLUSTER__NATS_URL", &cluster.nats),
            ("OCPP_GATEWAY__CLUSTER__NAME", &cluster.name),
            ("OCPP_GATEWAY__CLUSTER__NODE_ID", node),
            ("OCPP_GATEWAY__CLUSTER__HEARTBEAT", "100ms"),
            ("OCPP_GATEWAY__CLUSTER__DEAD_AFTER", "1500ms"),
            ("OCPP_GATEWAY__NOTIFY__BACKOFF_BASE", "20ms"),
            ("OCPP_GATEWAY__NOTIFY__BACKOFF_MAX", "200ms"),
            ("OCPP_GATEWAY__NOTIFY__MAX_ATTEMPTS", "1000"),
            ("OCPP_GATEWAY__NOTIFY__TIMEOUT", "3s"),
        ],
    )
    .await;
    (g.child, g.ocpp, g.api)
}

#[tokio::test]
async fn a_killed_node_loses_nothing() {
    let Some(cluster) = Cluster::new().await else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut node_a, a_ocpp, _a_api) = spawn_node(&cluster, "a", dir.path()).await;
    let b = cluster.node("b").await;
    // Deliveries fail until the end: events pile up undelivered while A lives.
    let rx = Receiver::start(Mode::Fail).await;
    notify_common::subscribe(
        b.gw.api_addr(),
        &rx.url,
        ocpp_gateway::domain::notification::ALL,
    )
    .await;

    let identities: Vec<String> = (0..4).map(|i| format!("KILLED-{i}")).collect();
    let mut old_ids = BTreeSet::new();
    let mut chargers = Vec::new();
    for id in &identities {
        let mut c = booted(&format!("ws://{a_ocpp}/ocpp/{id}")).await;
        let tx = start_transaction(&mut c, 1, 0).await;
        c.call("MeterValues", meter16(tx, 500)).await;
        old_ids.insert(tx);
        chargers.push(c);
    }
    let sql = cluster.sql().await;
    let pending: i64 = sql
        .query_one("SELECT count(*) FROM outbox WHERE status = 'pending'", &[])
        .await
        .expect("count")
        .get(0);
    assert!(pending > 0, "events wait undelivered");

    node_a.kill().await.expect("SIGKILL node A");
    let cps: Vec<i64> = {
        let mut v = Vec::new();
        for id in &identities {
            v.push(cp_id(&b.api, id).await);
        }
        v
    };
    for &cp in &cps {
        notify_common::within(
            Duration::from_secs(10),
            "node B takes A for dead: its chargers are temporarily unavailable",
            || async { network_status(&b.api, cp).await == "temporarily_unavailable" },
        )
        .await;
    }
    drop(chargers);

    // The chargers reconnect through the load balancer, to B, and charge again.
    let mut new_ids = BTreeSet::new();
    let mut again = Vec::new();
    for id in &identities {
        let mut c = booted(&b.url(id)).await;
        new_ids.insert(start_transaction(&mut c, 2, 0).await);
        again.push(c);
    }
    assert!(
        old_ids.is_disjoint(&new_ids),
        "no transaction id repeats: {old_ids:?} {new_ids:?}"
    );
    for &cp in &cps {
        assert_eq!(network_status(&b.api, cp).await, "available");
    }

    // The receiver comes back: every event written, by either node, is delivered.
    rx.set_mode(Mode::Ok);
    notify_common::within(Duration::from_secs(30), "every event delivered", || async {
        let left: i64 = sql
            .query_one(
                "SELECT count(*) FROM outbox WHERE status <> 'delivered'",
                &[],
            )
            .await
            .expect("count")
            .get(0);
        left == 0
    })
    .await;
    let all: Vec<i64> = sql
        .query("SELECT id FROM outbox ORDER BY id", &[])
        .await
        .expect("ids")
        .iter()
        .map(|r| r.get(0))
        .collect();
    let got: BTreeSet<i64> = rx
        .accepted()
        .iter()
        .map(|r| r.id.parse().expect("numeric id"))
        .collect();
    for id in &all {
        assert!(got.contains(id), "event {id} delivered");
    }
    b.gw.shutdown().await;
    drop(node_a);
    cluster.drop_database().await;
}

/// Load management across nodes: one 40 A circuit, a 2.0.1 station on node A and a 1.6
/// charger on node B, both charging 32 A cars. One node holds the circuit tree's lease and
/// allocates it; the other node's charger gets its profile through its node, like an
/// action. The two cars never draw more than 40 A together. The node holding the lease
/// stops: the other takes the tree over within the lease time and allocates it from then
/// on (a lower limit set through it reaches its charger).
#[tokio::test]
async fn one_circuit_on_two_nodes_stays_under_its_breaker_and_changes_hands() {
    use ocpp_gateway::ocpp::OcppVersion;
    use ocpp_gateway::sim::{ConnectOptions, EvCharger, EvOptions, EvSpec};
    let Some(cluster) = Cluster::new().await else {
        return;
    };
    let lease = Duration::from_secs(2);
    let node = |name: &'static str| {
        let mut s = cluster.settings(name, Path::new("/nonexistent"));
        s.load.tick = Duration::from_millis(200);
        s.load.min_interval = Duration::ZERO;
        s.load.lease = lease;
        s.load.round_interval = Duration::from_millis(100);
        s.load.offline_hold = Duration::from_secs(600);
        s
    };
    let (dir_a, dir_b) = (
        tempfile::tempdir().expect("dir"),
        tempfile::tempdir().expect("dir"),
    );
    let mut sa = node("lm-a");
    sa.store.path = dir_a.path().join("gateway.db");
    let mut sb = node("lm-b");
    sb.store.path = dir_b.path().join("gateway.db");
    let a = Gateway::start(sa).await.expect("node A starts");
    let b = Gateway::start(sb).await.expect("node B starts");
    let (api_a, api_b) = (
        Api::new(a.api_addr(), Some(TOKEN)),
        Api::new(b.api_addr(), Some(TOKEN)),
    );
    let options = |tag: &str| EvOptions {
        meter_interval: Duration::from_millis(200),
        id_tag: tag.into(),
        ..EvOptions::default()
    };
    let connect = |addr: std::net::SocketAddr, identity: &'static str, v: OcppVersion| {
        let options = options(identity);
        async move {
            let base = format!("ws://{addr}/ocpp");
            EvCharger::connect_with(ConnectOptions::new(&base, identity, v), v, options)
                .await
                .expect("connects")
        }
    };
    let on_a = connect(a.ocpp_addr(), "LMC-A", OcppVersion::V201).await;
    let on_b = connect(b.ocpp_addr(), "LMC-B", OcppVersion::V16).await;
    let r = api_a
        .post(
            &format!("{R}/circuits/v2.0"),
            json!({"name": "Shared", "maxCurrent": 40, "phases": "three_phase"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let circuit = r.body["data"]["id"].as_i64().expect("id");
    for identity in ["LMC-A", "LMC-B"] {
        let cp = cp_id(&api_a, identity).await;
        let evses = api_a
            .get(&format!("{R}/charge-points/v2.0/{cp}/evses"))
            .await;
        let evse = evses.body["data"][0]["id"].as_i64().expect("evse");
        let r = api_a
            .patch(
                &format!("{R}/charge-points/v2.0/{cp}/evses/{evse}"),
                json!({"powerOptions": {"phases": "three_phase", "maxAmperage": 32}}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        let r = api_b
            .post(
                &format!("/public-api/actions/circuit/v2.0/{circuit}/attach-charge-point"),
                json!({"chargePointId": cp}),
            )
            .await;
        assert_eq!(r.status, 202, "{}", r.text);
    }
    let car = EvSpec {
        max_current: 32.0,
        phases: 3,
        ramp: 1.0e6,
        ..EvSpec::default()
    };
    on_a.start_session(1, car.clone()).await.expect("starts");
    on_b.start_session(1, car).await.expect("starts");
    // Both hold 20 A, whichever node allocates.
    eventually("both chargers hold 20 A", || async {
        on_a.limit(1).is_some_and(|l| (l - 20.0).abs() < 0.11)
            && on_b.limit(1).is_some_and(|l| (l - 20.0).abs() < 0.11)
    })
    .await;
    let (ga, gb) = (on_a.gauge(), on_b.gauge());
    let sum =
        || ga.drawn(1).map(|d| d[0]).unwrap_or(0.0) + gb.drawn(1).map(|d| d[0]).unwrap_or(0.0);
    assert!(sum() <= 40.0 + 1e-6, "the cars draw {} A", sum());
    let here = |api: Api| async move {
        let r = api
            .get(&format!("{R}/circuits/v2.0/{circuit}/allocations"))
            .await;
        r.body["data"]["allocatedHere"].as_bool()
    };
    let mut holder = None;
    let deadline = std::time::Instant::now() + WAIT;
    while holder.is_none() && std::time::Instant::now() < deadline {
        holder = match (here(api_a.clone()).await, here(api_b.clone()).await) {
            (Some(true), Some(false)) => Some('A'),
            (Some(false), Some(true)) => Some('B'),
            _ => None,
        };
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let holder = holder.expect("exactly one node allocates the circuit");
    // The holder stops; its charger goes offline (its last 20 A stay reserved).
    let (survivor_api, survivor_car, stopped_at) = match holder {
        'A' => {
            a.shutdown().await;
            (api_b.clone(), on_b, std::time::Instant::now())
        }
        _ => {
            b.shutdown().await;
            (api_a.clone(), on_a, std::time::Instant::now())
        }
    };
    eventually("the other node takes the tree over", || async {
        here(survivor_api.clone()).await == Some(true)
    })
    .await;
    let took = stopped_at.elapsed();
    assert!(
        took <= lease + Duration::from_secs(2),
        "taken over after {took:?} (lease {lease:?})"
    );
    // It allocates now: a lower limit through it reaches its charger (30 A less the
    // offline charger's reserved 20 A).
    let r = survivor_api
        .patch(
            &format!("{R}/circuits/v2.0/{circuit}"),
            json!({"maxCurrent": 30}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    eventually("the survivor's charger holds 10 A", || async {
        survivor_car
            .limit(1)
            .is_some_and(|l| (l - 10.0).abs() < 0.11)
    })
    .await;
    cluster.drop_database().await;
}
