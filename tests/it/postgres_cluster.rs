//! What the nodes of a cluster record in the shared PostgreSQL store: which node holds
//! each charger, a restarted node ending only its own chargers, and a dead node's
//! chargers ended once however many nodes reap it.
//!
//! Needs `OCPP_GATEWAY_TEST_POSTGRES`; without it each test says so and passes.

use crate::common;

use std::time::Duration;

use serde_json::Value;

use common::pg::TestDatabase;
use ocpp_gateway::ocpp::OcppVersion;
use ocpp_gateway::store::notify::SubscriptionSpec;
use ocpp_gateway::store::{NotifyStore, Store};

/// A subscription to link changes, so that they leave outbox events to count.
fn spec() -> SubscriptionSpec {
    SubscriptionSpec {
        via: "webhook".into(),
        callback_url: "http://127.0.0.1:9/hook".into(),
        notifications: vec!["NetworkStatusNotification".into()],
    }
}

/// The subscription's token (any: nothing is delivered here).
fn token_sha256() -> String {
    hex::encode(ring::digest::digest(
        &ring::digest::SHA256,
        b"cluster-token",
    ))
}

/// Network status logs and NetworkStatusNotification events of one charger, in order.
async fn link_history(
    client: &tokio_postgres::Client,
    identity: &str,
) -> (Vec<String>, Vec<String>) {
    let logs = client
        .query(
            "SELECT l.network_status FROM network_status_logs l JOIN charge_points c ON c.id = l.charge_point_id
             WHERE c.identity = $1 ORDER BY l.id",
            &[&identity],
        )
        .await
        .expect("logs")
        .iter()
        .map(|r| r.get(0))
        .collect();
    let events = client
        .query(
            "SELECT o.body FROM outbox o JOIN charge_points c ON c.id = o.charge_point_id
             WHERE c.identity = $1 AND o.notification = 'NetworkStatusNotification' ORDER BY o.id",
            &[&identity],
        )
        .await
        .expect("events")
        .iter()
        .map(|r| {
            let body: Value = serde_json::from_str(r.get(0)).expect("body");
            body["networkStatus"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    (logs, events)
}

#[tokio::test]
async fn a_dead_nodes_chargers_are_ended_once_by_two_reapers() {
    let Some(db) = TestDatabase::create().await else {
        return;
    };
    let dead = db.store("dead").await;
    let (s1, s2) = (db.store("s1").await, db.store("s2").await);
    dead.create_subscription(spec(), token_sha256())
        .await
        .expect("subscription");
    for n in [&dead, &s1, &s2] {
        n.cluster()
            .expect("PostgreSQL")
            .heartbeat()
            .await
            .expect("heartbeat");
    }
    for i in 0..5u64 {
        dead.set_connected(&format!("D-{i}"), Some(OcppVersion::V16.into()), 1000 + i)
            .await
            .expect("connect");
    }
    s1.set_connected("LIVE", Some(OcppVersion::V201.into()), 5000)
        .await
        .expect("connect");
    // The dead node stopped beating an hour ago; the survivors are fresh.
    let client = db.client().await;
    client
        .execute(
            "UPDATE cluster_nodes SET last_seen = now() - interval '1 hour' WHERE node_id = 'dead'",
            &[],
        )
        .await
        .expect("age the dead node");
    let dead_after = Duration::from_secs(10);
    let (b1, b2) = (
        s1.cluster().expect("PostgreSQL"),
        s2.cluster().expect("PostgreSQL"),
    );
    let (r1, r2) = tokio::join!(
        b1.reap_dead_nodes(dead_after),
        b2.reap_dead_nodes(dead_after)
    );
    let (r1, r2) = (r1.expect("reap"), r2.expect("reap"));
    let mut all = [r1.clone(), r2.clone()].concat();
    all.sort();
    assert_eq!(
        all,
        ["dead"],
        "one reaper ended the dead node: {r1:?} {r2:?}"
    );

    for i in 0..5 {
        let identity = format!("D-{i}");
        let row = s1
            .charge_point_by_identity(&identity)
            .await
            .expect("read")
            .expect("row");
        assert_eq!(row.network_status, "temporarily_unavailable");
        assert!(row.disconnected_at.is_some());
        assert_eq!(
            s1.cluster()
                .expect("PostgreSQL")
                .owner(&identity)
                .await
                .expect("owner"),
            None
        );
        let (logs, events) = link_history(&client, &identity).await;
        assert_eq!(logs, ["available", "temporarily_unavailable"], "{identity}");
        assert_eq!(
            events,
            ["available", "temporarily unavailable"],
            "{identity}"
        );
    }
    assert_eq!(
        s2.cluster()
            .expect("PostgreSQL")
            .owner("LIVE")
            .await
            .expect("owner")
            .as_deref(),
        Some("s1")
    );
    let nodes: Vec<String> = client
        .query("SELECT node_id FROM cluster_nodes ORDER BY node_id", &[])
        .await
        .expect("nodes")
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(nodes, ["s1", "s2"]);
    // Reaping again finds nothing; the dead node's own late cleanup changes nothing.
    assert!(s2
        .cluster()
        .expect("PostgreSQL")
        .reap_dead_nodes(dead_after)
        .await
        .expect("reap")
        .is_empty());
    dead.set_connected("D-0", None, 1000)
        .await
        .expect("late end");
    assert_eq!(
        link_history(&client, "D-0").await.0,
        ["available", "temporarily_unavailable"]
    );
    // A node that is alive is not reaped, however long ago it started.
    assert!(s1
        .cluster()
        .expect("PostgreSQL")
        .reap_dead_nodes(dead_after)
        .await
        .expect("reap")
        .is_empty());
    s1.cluster().expect("PostgreSQL").leave().await;
    assert_eq!(s2.count("cluster_nodes").await.expect("count"), 1);
}

#[tokio::test]
async fn a_restarted_node_ends_only_the_chargers_it_held() {
    let Some(db) = TestDatabase::create().await else {
        return;
    };
    let a = db.store("a").await;
    let b = db.store("b").await;
    a.set_connected("ON-A", Some(OcppVersion::V16.into()), 10)
        .await
        .expect("connect");
    b.set_connected("ON-B", Some(OcppVersion::V16.into()), 20)
        .await
        .expect("connect");
    drop(a);
    let a = db.store("a").await;
    let status = |row: Option<ocpp_gateway::store::sql::read::ChargePointRow>| {
        row.expect("row").network_status
    };
    assert_eq!(
        status(a.charge_point_by_identity("ON-A").await.expect("read")),
        "temporarily_unavailable"
    );
    assert_eq!(
        status(a.charge_point_by_identity("ON-B").await.expect("read")),
        "available"
    );
    assert_eq!(
        a.cluster()
            .expect("PostgreSQL")
            .owner("ON-B")
            .await
            .expect("owner")
            .as_deref(),
        Some("b")
    );
    let client = db.client().await;
    let (logs, _) = link_history(&client, "ON-A").await;
    assert_eq!(logs, ["available", "temporarily_unavailable"]);
}

#[tokio::test]
async fn a_charger_that_moved_is_not_marked_offline_by_its_old_nodes_cleanup() {
    let Some(db) = TestDatabase::create().await else {
        return;
    };
    let a = db.store("a").await;
    let b = db.store("b").await;
    a.set_connected("MOVER", Some(OcppVersion::V16.into()), 100)
        .await
        .expect("connect on a");
    b.set_connected("MOVER", Some(OcppVersion::V201.into()), 200)
        .await
        .expect("connect on b");
    a.set_connected("MOVER", None, 100)
        .await
        .expect("a's old socket ends");
    let row = b
        .charge_point_by_identity("MOVER")
        .await
        .expect("read")
        .expect("row");
    assert_eq!(row.network_status, "available");
    assert_eq!(row.protocol.as_deref(), Some("ocpp 2.0.1"));
    assert_eq!(
        b.cluster()
            .expect("PostgreSQL")
            .owner("MOVER")
            .await
            .expect("owner")
            .as_deref(),
        Some("b")
    );
    // Once nobody holds it, a connection counts even if its node's clock is behind.
    b.set_connected("MOVER", None, 200).await.expect("end");
    a.set_connected("MOVER", Some(OcppVersion::V16.into()), 150)
        .await
        .expect("connect on a");
    assert_eq!(
        a.cluster()
            .expect("PostgreSQL")
            .owner("MOVER")
            .await
            .expect("owner")
            .as_deref(),
        Some("a")
    );
    let (logs, _) = link_history(&db.client().await, "MOVER").await;
    assert_eq!(
        logs,
        [
            "available",
            "available",
            "temporarily_unavailable",
            "available"
        ]
    );
}
