//! Webhook delivery from one PostgreSQL outbox by several nodes: every event reaches a
//! real local receiver exactly once and in order per charge point, and the queues a dead
//! node was delivering are taken over once its claims run out.
//!
//! Needs `OCPP_GATEWAY_TEST_POSTGRES`; without it each test says so and passes.

use crate::common;
use crate::notify_common;

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use chrono::{TimeZone, Utc};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use common::pg::TestDatabase;
use common::WAIT;
use notify_common::{within, Mode, Receiver, TOKEN};
use ocpp_gateway::config::NotifySettings;
use ocpp_gateway::domain::event::StatusReport;
use ocpp_gateway::domain::HardwareStatus;
use ocpp_gateway::notify::Notifier;
use ocpp_gateway::store::notify::{EventStatus, SubscriptionSpec};
use ocpp_gateway::store::{NotifyStore, SqlStore, Store};

fn notify_settings() -> NotifySettings {
    let mut s = ocpp_gateway::config::Settings::embedded()
        .expect("settings")
        .notify;
    s.poll_interval = Duration::from_millis(100);
    s.backoff_base = Duration::from_millis(20);
    s.backoff_max = Duration::from_millis(200);
    s.timeout = Duration::from_secs(3);
    // The receivers listen on 127.0.0.1.
    s.allow_callbacks_to = ocpp_gateway::config::CallbackScope::Loopback;
    s
}

/// A delivery worker on `store`, stopped with the returned token.
fn worker(store: &Arc<SqlStore>) -> (Notifier, CancellationToken) {
    let cancel = CancellationToken::new();
    let notifier = Notifier::spawn(
        store.clone(),
        notify_settings(),
        &[TOKEN.to_owned()],
        cancel.clone(),
        TaskTracker::new(),
    )
    .expect("notifier");
    (notifier, cancel)
}

async fn subscribe(store: &SqlStore, url: &str) -> i64 {
    let token = hex::encode(ring::digest::digest(
        &ring::digest::SHA256,
        TOKEN.as_bytes(),
    ));
    store
        .create_subscription(
            SubscriptionSpec {
                via: "webhook".into(),
                callback_url: url.to_owned(),
                notifications: vec!["HardwareStatusNotification".into()],
            },
            token,
        )
        .await
        .expect("subscription")
        .id
}

/// Status report `n` of a charger: its minute tells the reports apart and orders them.
async fn report(store: &SqlStore, identity: &str, n: u32) {
    let status = if n % 2 == 0 {
        HardwareStatus::Available
    } else {
        HardwareStatus::Preparing
    };
    store
        .record_status(
            identity,
            StatusReport {
                evse: 1,
                connector: 1,
                status,
                error_code: None,
                timestamp: Utc
                    .with_ymd_and_hms(2025, 6, 1, 10, n, 0)
                    .single()
                    .expect("time"),
                idle: false,
            },
        )
        .await
        .expect("status");
}

/// Notification ids the receiver accepted, per charge point, in arrival order.
fn arrivals(rx: &Receiver) -> BTreeMap<i64, Vec<i64>> {
    let mut out: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    for r in rx.accepted() {
        let cp = r.body["chargePointId"].as_i64().expect("chargePointId");
        out.entry(cp)
            .or_default()
            .push(r.id.parse().expect("numeric notification id"));
    }
    out
}

#[tokio::test]
async fn two_nodes_deliver_every_event_once_in_order_per_charge_point() {
    let Some(db) = TestDatabase::create().await else {
        return;
    };
    let rx = Receiver::start(Mode::Ok).await;
    let n1 = Arc::new(db.store("n1").await);
    let n2 = Arc::new(db.store("n2").await);
    subscribe(&n1, &rx.url).await;
    let (w1, stop1) = worker(&n1);
    let (w2, stop2) = worker(&n2);
    // 6 chargers, 12 reports each, written through both nodes as they arrive.
    let mut writers = tokio::task::JoinSet::new();
    for c in 0..6 {
        let nodes = [n1.clone(), n2.clone()];
        writers.spawn(async move {
            for n in 0..12u32 {
                report(&nodes[(n as usize + c) % 2], &format!("Q-{c}"), n).await;
            }
        });
    }
    while let Some(done) = writers.join_next().await {
        done.expect("writer");
    }
    within(WAIT, "all 72 events delivered", || async {
        rx.accepted().len() >= 72 && n1.outbox_depth().await.expect("depth").pending == 0
    })
    .await;
    let seen = rx.all();
    assert_eq!(seen.len(), 72, "no event was posted twice");
    let ids: HashSet<&str> = seen.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids.len(), 72, "72 different notification ids");
    for (cp, got) in arrivals(&rx) {
        assert_eq!(got.len(), 12, "charge point {cp}");
        assert!(
            got.windows(2).all(|w| w[0] < w[1]),
            "charge point {cp}: events in the order they were stored: {got:?}"
        );
    }
    let (s1, s2) = (
        w1.stats().await.expect("stats"),
        w2.stats().await.expect("stats"),
    );
    eprintln!("delivered by n1: {}, by n2: {}", s1.delivered, s2.delivered);
    assert_eq!(s1.delivered + s2.delivered, 72, "{s1:?} {s2:?}");
    stop1.cancel();
    stop2.cancel();
    within(WAIT, "the nodes gave their claims back", || async {
        n1.count("outbox_leases").await.expect("count") == 0
    })
    .await;
}

#[tokio::test]
async fn a_dead_nodes_queue_is_taken_over_when_its_claim_runs_out() {
    let Some(db) = TestDatabase::create().await else {
        return;
    };
    let rx = Receiver::start(Mode::Ok).await;
    let dead = Arc::new(db.store("dead").await);
    let survivor = Arc::new(db.store("survivor").await);
    let sub = subscribe(&dead, &rx.url).await;
    for n in 0..5 {
        report(&dead, "HELD", n).await;
        report(&dead, "FREE", n).await;
    }
    let held = dead
        .charge_point_by_identity("HELD")
        .await
        .expect("read")
        .expect("row")
        .id;
    // The dead node was delivering HELD's queue when it died: its claim outlives it.
    let claim = Duration::from_secs(2);
    assert!(dead.claim_queue(sub, held, claim).await.expect("claim"));
    let client = db.client().await;
    let until: chrono::DateTime<Utc> = client
        .query_one("SELECT until FROM outbox_leases", &[])
        .await
        .map(|r| r.get::<_, std::time::SystemTime>(0).into())
        .expect("lease");

    let (_w, stop) = worker(&survivor);
    within(WAIT, "the free queue delivered", || async {
        arrivals(&rx).values().any(|ids| ids.len() == 5)
    })
    .await;
    if Utc::now() < until {
        assert!(
            !arrivals(&rx).contains_key(&held),
            "nothing of the held queue went out while its claim was alive"
        );
    }
    within(WAIT, "the held queue taken over", || async {
        arrivals(&rx).get(&held).is_some_and(|ids| ids.len() == 5)
    })
    .await;
    let got = &arrivals(&rx)[&held];
    assert!(got.windows(2).all(|w| w[0] < w[1]), "in order: {got:?}");
    let delivered = survivor
        .outbox_events(sub, EventStatus::Delivered, 100)
        .await
        .expect("events");
    let first = delivered
        .iter()
        .filter(|e| e.charge_point_id == held)
        .filter_map(|e| e.delivered_at.as_deref())
        .filter_map(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .min()
        .expect("delivered");
    assert!(
        first >= until,
        "the held queue waited for the claim to run out ({first} vs {until})"
    );
    assert_eq!(rx.all().len(), 10, "each event posted once");
    stop.cancel();
}

#[tokio::test]
async fn a_queue_has_one_claimant_until_it_is_given_back_or_runs_out() {
    let Some(db) = TestDatabase::create().await else {
        return;
    };
    let (a, b) = (db.store("a").await, db.store("b").await);
    let sub = subscribe(&a, "http://127.0.0.1:9/hook").await;
    let long = Duration::from_secs(60);
    assert!(a.claim_queue(sub, 1, long).await.expect("claim"));
    assert!(
        !b.claim_queue(sub, 1, long).await.expect("claim"),
        "a holds it"
    );
    assert!(
        b.claim_queue(sub, 2, long).await.expect("claim"),
        "another queue is free"
    );
    assert!(
        a.claim_queue(sub, 1, long).await.expect("renew"),
        "a renews its own"
    );
    // b does not hold queue 1: its release leaves a's claim alone.
    b.release_queue(sub, 1).await.expect("release");
    assert!(!b.claim_queue(sub, 1, long).await.expect("claim"));
    a.release_queue(sub, 1).await.expect("release");
    assert!(
        b.claim_queue(sub, 1, long).await.expect("claim"),
        "given back"
    );
    // A claim that ran out is anyone's.
    let client = db.client().await;
    client
        .execute(
            "UPDATE outbox_leases SET until = now() - interval '1 second' WHERE charge_point_id = 1",
            &[],
        )
        .await
        .expect("expire");
    assert!(a.claim_queue(sub, 1, long).await.expect("claim"), "expired");
    // The queues of a deleted subscription cannot be claimed, and their claims go with it.
    a.delete_subscription(sub).await.expect("delete");
    assert!(!b.claim_queue(sub, 3, long).await.expect("claim"));
    assert_eq!(a.count("outbox_leases").await.expect("count"), 0);
}
