//! A store outage never reaches a charger as a CALLERROR for the reports it must not
//! repeat forever: they are answered, kept in the recovery journal, and applied at the
//! next start.

use crate::common;

use std::time::Duration;

use common::*;
use ocpp_gateway::Gateway;
use serde_json::json;

#[tokio::test]
async fn reports_survive_a_locked_store_through_the_recovery_journal() {
    if store::on_postgres() {
        eprintln!("skipped on PostgreSQL: the outage is made by locking the SQLite file");
        return;
    }
    let mut s = settings();
    s.store.busy_timeout = Duration::from_millis(50);
    let tg = start(s.clone()).await;
    let db_path = tg.dir.path().join("gateway.db");
    let mut c = charger(&tg, "LOCKED", "ocpp1.6").await;
    let start = c
        .call("StartTransaction", json!({"connectorId": 1, "idTag": "T", "meterStart": 100, "timestamp": "2026-11-28T10:00:00Z"}))
        .await;
    let tx = start["transactionId"].as_i64().expect("id");

    // Another process holds the write lock (a backup, an operator's shell).
    let other = rusqlite::Connection::open(&db_path).expect("open");
    other.execute_batch("BEGIN IMMEDIATE").expect("lock");

    let status = c
        .call_frame(
            "StatusNotification",
            json!({"connectorId": 1, "errorCode": "NoError", "status": "Finishing"}),
        )
        .await;
    assert_eq!(status[0], 3, "answered, not an error: {status}");
    let meter = c
        .call_frame("MeterValues", json!({"connectorId": 1, "transactionId": tx, "meterValue": [{"timestamp": "2026-11-28T10:10:00Z", "sampledValue": [{"value": "600"}]}]}))
        .await;
    assert_eq!(meter[0], 3, "{meter}");
    let stop = c
        .call_frame("StopTransaction", json!({"transactionId": tx, "meterStop": 900, "timestamp": "2026-11-28T10:20:00Z", "reason": "Local"}))
        .await;
    assert_eq!(stop[0], 3, "{stop}");

    let journal = tg.dir.path().join("gateway.db.recovery.jsonl");
    let lines = std::fs::read_to_string(&journal).expect("journal written");
    assert_eq!(lines.lines().count(), 3, "{lines}");
    other.execute_batch("ROLLBACK").expect("unlock");
    drop(other);

    // The next start applies the journal before accepting chargers.
    let dir = tg.dir.clone();
    drop(c);
    tg.gw.shutdown().await;
    s.store.path = db_path.clone();
    let gw = Gateway::start(s).await.expect("restart");
    let db = rusqlite::Connection::open(&db_path).expect("open");
    let (status, energy): (String, f64) = db
        .query_row(
            "SELECT status, energy_wh FROM sessions WHERE transaction_id = ?1",
            [tx.to_string()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("session");
    assert_eq!(status, "finished");
    assert_eq!(energy, 800.0);
    let evse: String = db
        .query_row(
            "SELECT hardware_status FROM evses WHERE network_id = 1",
            [],
            |r| r.get(0),
        )
        .expect("evse");
    assert_eq!(evse, "finishing");
    assert!(
        !journal.exists(),
        "the journal was moved aside once replayed"
    );
    gw.shutdown().await;
    drop(dir);
}
