//! The PostgreSQL store under concurrent writers: several nodes starting transactions at
//! once get unique ids (and a repeated start its first id), and a write that PostgreSQL
//! breaks a deadlock with is tried again.
//!
//! Needs `OCPP_GATEWAY_TEST_POSTGRES`; without it each test says so and passes.

use crate::common;

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};

use common::pg::TestDatabase;
use ocpp_gateway::domain::event::StatusReport;
use ocpp_gateway::domain::{HardwareStatus, StartTransaction};
use ocpp_gateway::store::Store;

fn at(minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 6, 1, 10, minute, 0)
        .single()
        .expect("time")
}

#[tokio::test]
async fn transaction_ids_stay_unique_when_two_nodes_start_at_once() {
    let Some(db) = TestDatabase::create().await else {
        return;
    };
    let nodes = [
        Arc::new(db.store("n1").await),
        Arc::new(db.store("n2").await),
    ];
    let mut tasks = tokio::task::JoinSet::new();
    // 6 chargers × 8 distinct starts, each sent to both nodes at once (a charger that
    // repeated its start after reconnecting elsewhere).
    for charger in 0..6 {
        for n in 0..8u32 {
            for node in &nodes {
                let node = node.clone();
                tasks.spawn(async move {
                    let start = StartTransaction {
                        connector: 1 + n % 2,
                        id_tag: format!("TAG-{n}"),
                        meter_start_wh: i64::from(n) * 10,
                        timestamp: at(n),
                        reservation_id: None,
                        authorization: ocpp_gateway::domain::AuthStatus::Accepted,
                    };
                    let id = node
                        .start_transaction(&format!("RACE-{charger}"), start)
                        .await
                        .expect("start");
                    ((charger, n), id)
                });
            }
        }
    }
    let mut ids: BTreeMap<(i32, u32), Vec<i32>> = BTreeMap::new();
    while let Some(done) = tasks.join_next().await {
        let (key, id) = done.expect("task");
        ids.entry(key).or_default().push(id);
    }
    assert_eq!(ids.len(), 48);
    for (key, got) in &ids {
        assert_eq!(got.len(), 2);
        assert_eq!(got[0], got[1], "{key:?}: both nodes answered the same id");
    }
    let mut distinct: Vec<i32> = ids.values().map(|v| v[0]).collect();
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!(distinct.len(), 48, "one id per start, never reused");
    assert_eq!(nodes[0].count("sessions").await.expect("count"), 48);
    assert_eq!(nodes[0].count("charge_points").await.expect("count"), 6);
}

#[tokio::test]
async fn a_write_chosen_as_a_deadlock_victim_is_tried_again() {
    let Some(db) = TestDatabase::create().await else {
        return;
    };
    let store = Arc::new(db.store("n1").await);
    let report = |status| StatusReport {
        evse: 1,
        connector: 1,
        status,
        error_code: None,
        timestamp: at(0),
        idle: false,
    };
    store
        .record_status("DL", report(HardwareStatus::Available))
        .await
        .expect("first report");
    // Another session holds the EVSE's row ...
    let mut other = db.client().await;
    let other_tx = other.transaction().await.expect("begin");
    other_tx
        .execute(
            "UPDATE evses SET error_code = 'OtherError' WHERE network_id = 1",
            &[],
        )
        .await
        .expect("lock the EVSE");
    // ... while the store, holding the charger's row, waits for it ...
    let writer = {
        let store = store.clone();
        tokio::spawn(async move {
            store
                .record_status("DL", report(HardwareStatus::Charging))
                .await
        })
    };
    let watcher = db.client().await;
    common::eventually("the store waits for the EVSE's row", || async {
        let waiting: i64 = watcher
            .query_one(
                "SELECT count(*) FROM pg_stat_activity
                 WHERE datname = current_database() AND wait_event_type = 'Lock'",
                &[],
            )
            .await
            .expect("activity")
            .get(0);
        waiting == 1
    })
    .await;
    // ... and then wants the charger's row: a deadlock, and the store, waiting longest,
    // is the one PostgreSQL breaks.
    other_tx
        .query_one(
            "SELECT id FROM charge_points WHERE identity = 'DL' FOR UPDATE",
            &[],
        )
        .await
        .expect("the other session gets the charger's row");
    other_tx.commit().await.expect("commit");
    tokio::time::timeout(common::WAIT, writer)
        .await
        .expect("the store's write ends")
        .expect("join")
        .expect("tried again after the deadlock, and stored");
    assert_eq!(
        store.evse_status("DL", 1).await.expect("read").as_deref(),
        Some("charging")
    );
}
