//! Delivery under a failing and a hanging receiver: retries carry the same id and keep
//! the order per charge point; one dead receiver delays neither another subscription
//! nor any charger.

use crate::common;
use crate::notify_common;

use std::collections::{BTreeSet, HashMap};
use std::time::{Duration, Instant};

use common::*;
use notify_common::*;
use ocpp_gateway::store::notify::EventStatus;
use serde_json::{json, Value};

fn status(connector: u32, status: &str) -> Value {
    json!({"connectorId": connector, "errorCode": "NoError", "status": status, "timestamp": "2026-11-28T10:00:00Z"})
}

const CYCLE: [&str; 4] = ["Available", "Preparing", "Charging", "Finishing"];

/// Every id of the subscription's outbox, by charge point, in creation order.
async fn outbox_ids(tg: &TestGateway, subscription: i64) -> HashMap<i64, Vec<i64>> {
    let mut out: HashMap<i64, Vec<i64>> = HashMap::new();
    for st in [
        EventStatus::Pending,
        EventStatus::Delivered,
        EventStatus::Failed,
    ] {
        for e in tg
            .store
            .outbox_events(subscription, st, 10_000)
            .await
            .expect("read")
        {
            out.entry(e.charge_point_id).or_default().push(e.id);
        }
    }
    // The three reads are not one snapshot: an event delivered between them is read
    // both pending and delivered, and is still one event.
    out.values_mut().for_each(|v| {
        v.sort_unstable();
        v.dedup();
    });
    out
}

#[tokio::test]
async fn a_receiver_failing_for_a_while_gets_everything_in_order() {
    let tg = start(gateway_settings()).await;
    let rx = Receiver::start(Mode::Fail).await;
    let sub = subscribe(tg.gw.api_addr(), &rx.url, &["HardwareStatusNotification"]).await;
    let mut chargers = Vec::new();
    for i in 0..3 {
        chargers.push(charger(&tg, &format!("R{i}"), "ocpp1.6").await);
    }
    for round in 0..10 {
        for c in chargers.iter_mut() {
            c.call("StatusNotification", status(1, CYCLE[round % 4]))
                .await;
        }
    }
    within(WAIT, "several refused attempts", || async {
        rx.all().len() >= 15
    })
    .await;
    rx.set_mode(Mode::Ok);
    within(WAIT, "all 30 events accepted", || async {
        first_arrivals(&rx.accepted()).len() >= 30
    })
    .await;

    let expected = outbox_ids(&tg, sub).await;
    assert_eq!(expected.values().map(Vec::len).sum::<usize>(), 30);
    let accepted = first_arrivals(&rx.accepted());
    for (cp, ids) in &expected {
        let got: Vec<i64> = of_cp(&accepted, *cp)
            .iter()
            .map(|r| r.id.parse().expect("numeric id"))
            .collect();
        assert_eq!(&got, ids, "charge point {cp}: every event once, in order");
    }
    // A retry carries the id of its first attempt, and the same signed body.
    let all_ids: BTreeSet<String> = accepted.iter().map(|r| r.id.clone()).collect();
    for r in rx.all() {
        assert!(
            all_ids.contains(&r.id),
            "refused {} was delivered later",
            r.id
        );
        assert!(signed_by(TOKEN, &r.raw, &r.signature));
    }
    // The receiver has the last event before the gateway has recorded its answer: the
    // outbox empties a moment after the 30th arrival.
    within(WAIT, "the outbox recorded every delivery", || async {
        let stats = tg.gw.notify_stats().await.expect("outbox").expect("stats");
        stats.outbox_depth == 0 && stats.delivered >= 30
    })
    .await;
    let stats = tg.gw.notify_stats().await.expect("outbox").expect("stats");
    assert!(stats.retried >= 15 && stats.delivered >= 30, "{stats:?}");
    assert_eq!(stats.outbox_depth, 0);
    let text = http()
        .get(format!("http://{}/metrics", tg.gw.api_addr()))
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    for name in [
        "webhook_delivered",
        "webhook_retried",
        "webhook_failed",
        "outbox_depth",
    ] {
        assert!(text.contains(name), "{name} in {text}");
    }
}

#[tokio::test]
async fn a_hanging_receiver_delays_no_one_else() {
    let mut s = gateway_settings();
    s.notify.timeout = Duration::from_secs(6);
    s.notify.concurrency = 2;
    let tg = start(s).await;
    let dead = Receiver::start(Mode::Hang).await;
    let live = Receiver::start(Mode::Ok).await;
    subscribe(tg.gw.api_addr(), &dead.url, &["HardwareStatusNotification"]).await;
    subscribe(tg.gw.api_addr(), &live.url, &["HardwareStatusNotification"]).await;
    let mut chargers = Vec::new();
    for i in 0..4 {
        chargers.push(charger(&tg, &format!("H{i}"), "ocpp1.6").await);
    }
    let began = Instant::now();
    let mut slowest = Duration::ZERO;
    for round in 0..5 {
        for c in chargers.iter_mut() {
            let t = Instant::now();
            c.call("StatusNotification", status(1, CYCLE[round % 4]))
                .await;
            slowest = slowest.max(t.elapsed());
        }
    }
    assert!(
        slowest < Duration::from_secs(2),
        "a charger waited {slowest:?} for its answer"
    );
    // The live subscription gets all 20 within one request timeout, while the dead
    // one holds requests open.
    within(
        Duration::from_secs(6),
        "the live receiver gets every event",
        || async { first_arrivals(&live.accepted()).len() >= 20 },
    )
    .await;
    assert!(
        began.elapsed() < Duration::from_secs(6),
        "took {:?}",
        began.elapsed()
    );
    within(WAIT, "the dead receiver is tried", || async {
        !dead.all().is_empty()
    })
    .await;
    assert!(
        dead.all().len() <= 2,
        "at most `concurrency` requests held by the dead receiver"
    );
}
