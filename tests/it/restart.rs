//! The real binary, killed with SIGKILL in the middle of a stream of MeterValues from 20
//! chargers, then started again on the same file: every value a charger was answered for
//! is stored, connected chargers show as temporarily unavailable until they return, and
//! new transaction ids never repeat old ones.

use crate::common;

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use common::*;
use serde_json::json;
use tokio::process::Child;

/// Starts the real binary with its store in `dir` (on `url`, PostgreSQL, when given);
/// returns the child and its OCPP address.
async fn spawn_gateway(dir: &Path, url: Option<&str>) -> (Child, String) {
    let g = binary::spawn_gateway(
        dir,
        &[("OCPP_GATEWAY__STORE__URL", url.unwrap_or_default())],
    )
    .await;
    (g.child, g.ocpp)
}

/// What one charger was answered for: (identity, transaction id, meter values).
type Acked = Arc<Mutex<Vec<(String, Option<i64>, i64)>>>;

async fn stream(
    addr: String,
    identity: String,
    v201: bool,
    acked: Acked,
    total: Arc<AtomicUsize>,
) -> Option<i64> {
    let url = format!("ws://{addr}/ocpp/{identity}");
    let proto = if v201 { "ocpp2.0.1" } else { "ocpp1.6" };
    let mut c = connect(&url, &[proto], None).await.ok()?;
    let tx = if v201 {
        None
    } else {
        let start = c
            .call("StartTransaction", json!({"connectorId": 1, "idTag": "T", "meterStart": 0, "timestamp": "2026-11-28T10:00:00Z"}))
            .await;
        start["transactionId"].as_i64()
    };
    for wh in 1.. {
        let payload = if v201 {
            json!({"evseId": 1, "meterValue": [{"timestamp": "2026-11-28T10:00:00Z", "sampledValue": [{"value": wh}]}]})
        } else {
            json!({"connectorId": 1, "transactionId": tx, "meterValue": [{"timestamp": "2026-11-28T10:00:00Z", "sampledValue": [{"value": wh.to_string()}]}]})
        };
        let sent = json!([2, format!("m{wh}"), "MeterValues", payload]).to_string();
        use futures_util::{SinkExt, StreamExt};
        if c.ws
            .send(tokio_tungstenite::tungstenite::Message::text(sent))
            .await
            .is_err()
        {
            break;
        }
        let answered = loop {
            match tokio::time::timeout(WAIT, c.ws.next()).await {
                Ok(Some(Ok(tokio_tungstenite::tungstenite::Message::Text(t)))) => {
                    let v: serde_json::Value = serde_json::from_str(t.as_str()).unwrap_or_default();
                    break v[0] == 3 && v[1] == json!(format!("m{wh}"));
                }
                Ok(Some(Ok(_))) => continue,
                _ => break false,
            }
        };
        if !answered {
            break;
        }
        acked.lock().expect("lock").push((identity.clone(), tx, wh));
        total.fetch_add(1, Ordering::SeqCst);
    }
    tx
}

#[tokio::test]
async fn sigkill_mid_stream_loses_nothing_acknowledged() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = store::child_database().await;
    let url = db.as_ref().map(|d| d.url.as_str());
    let (mut gw, addr) = spawn_gateway(dir.path(), url).await;
    let acked: Acked = Arc::default();
    let total = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for i in 0..20 {
        let identity = format!("KILL-{i:02}");
        tasks.push(tokio::spawn(stream(
            addr.clone(),
            identity,
            i % 4 == 3,
            acked.clone(),
            total.clone(),
        )));
    }
    // Mid-stream: every charger has started (and been answered for some values), and
    // the stream is still going when the kill comes.
    eventually(
        "a stream of acknowledged MeterValues from every charger",
        || async {
            let streaming = {
                let acked = acked.lock().expect("lock");
                acked
                    .iter()
                    .map(|(id, _, _)| id.clone())
                    .collect::<std::collections::HashSet<_>>()
                    .len()
            };
            total.load(Ordering::SeqCst) >= 1000 && streaming == 20
        },
    )
    .await;
    gw.start_kill().expect("SIGKILL");
    let mut old_ids = BTreeSet::new();
    for t in tasks {
        let tx = tokio::time::timeout(WAIT, t)
            .await
            .expect("charger ends")
            .expect("join");
        old_ids.extend(tx);
    }
    let _ = gw.wait().await;
    let acked = acked.lock().expect("lock").clone();
    assert!(acked.len() >= 1000);
    assert_eq!(
        old_ids.len(),
        15,
        "15 chargers of 1.6 started a transaction"
    );

    // Restart on the same store.
    let (_gw2, addr2) = spawn_gateway(dir.path(), url).await;
    let mut stored: std::collections::HashMap<(String, i64), i64> = Default::default();
    for row in store::stored_texts(
        dir.path(),
        url,
        "SELECT cp.identity, mv.value, COUNT(*) FROM meter_values mv
         JOIN charge_points cp ON cp.id = mv.charge_point_id GROUP BY cp.identity, mv.value",
    )
    .await
    {
        let text = |i: usize| row[i].clone().expect("value");
        let value: f64 = text(1).parse().expect("number");
        stored.insert((text(0), value as i64), text(2).parse().expect("count"));
    }
    for (identity, _, wh) in &acked {
        let n = stored.get(&(identity.clone(), *wh)).copied().unwrap_or(0);
        assert_eq!(
            n, 1,
            "{identity}: the acknowledged value {wh} Wh is stored exactly once"
        );
    }
    let statuses: Vec<String> = store::stored_texts(
        dir.path(),
        url,
        "SELECT network_status FROM charge_points WHERE identity LIKE 'KILL-%'",
    )
    .await
    .into_iter()
    .filter_map(|row| row[0].clone())
    .collect();
    assert_eq!(statuses.len(), 20);
    assert!(
        statuses.iter().all(|s| s == "temporarily_unavailable"),
        "{statuses:?}"
    );

    // New transactions get new ids.
    let mut c = connect(&format!("ws://{addr2}/ocpp/KILL-00"), &["ocpp1.6"], None)
        .await
        .expect("reconnect");
    for n in 0..5 {
        let start = c
            .call("StartTransaction", json!({"connectorId": 2, "idTag": "T", "meterStart": n, "timestamp": "2026-11-28T11:00:00Z"}))
            .await;
        let id = start["transactionId"].as_i64().expect("id");
        assert!(
            !old_ids.contains(&id) && id > *old_ids.iter().max().expect("ids"),
            "{id} repeats or precedes {old_ids:?}"
        );
    }
    let back = store::stored_texts(
        dir.path(),
        url,
        "SELECT network_status FROM charge_points WHERE identity = 'KILL-00'",
    )
    .await
    .first()
    .and_then(|row| row[0].clone())
    .expect("row");
    assert_eq!(
        back, "available",
        "a charger that returned is available again"
    );
}
