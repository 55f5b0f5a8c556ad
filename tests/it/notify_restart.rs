//! The real binary killed with SIGKILL while 500 events wait for a refusing receiver:
//! started again on the same file, it delivers all 500, in order per charge point.

use crate::common;
use crate::notify_common;

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::time::Duration;

use common::*;
use notify_common::*;
use serde_json::json;
use tokio::process::Child;

/// Starts the real binary with its store in `dir` (on `url`, PostgreSQL, when given),
/// quick retries and the test token; returns the child and its OCPP and API addresses.
async fn spawn_gateway(dir: &Path, url: Option<&str>) -> (Child, String, String) {
    let g = binary::spawn_gateway(
        dir,
        &[
            ("OCPP_GATEWAY__STORE__URL", url.unwrap_or_default()),
            ("OCPP_GATEWAY__API__TOKENS", TOKEN),
            ("OCPP_GATEWAY__STORE__FSYNC", "false"),
            ("OCPP_GATEWAY__AUTH__UNKNOWN", "reject"),
            ("OCPP_GATEWAY__NOTIFY__BACKOFF_BASE", "20ms"),
            ("OCPP_GATEWAY__NOTIFY__BACKOFF_MAX", "200ms"),
            ("OCPP_GATEWAY__NOTIFY__MAX_ATTEMPTS", "100000"),
            ("OCPP_GATEWAY__LOG__LEVEL", "error"),
        ],
    )
    .await;
    (g.child, g.ocpp, g.api)
}

#[tokio::test]
async fn sigkill_with_500_undelivered_events_loses_none() {
    let dir = tempfile::tempdir().expect("tempdir");
    let rx = Receiver::start(Mode::Fail).await;
    let db = store::child_database().await;
    let url = db.as_ref().map(|d| d.url.as_str());
    let (mut gw, ocpp, api_addr) = spawn_gateway(dir.path(), url).await;
    subscribe(
        api_addr.parse().expect("addr"),
        &rx.url,
        &["HardwareStatusNotification"],
    )
    .await;

    let statuses = ["Available", "Preparing", "Charging", "Finishing"];
    let mut tasks = Vec::new();
    for i in 0..5 {
        let url = format!("ws://{ocpp}/ocpp/K{i}");
        tasks.push(tokio::spawn(async move {
            let mut c = connect(&url, &["ocpp1.6"], None)
                .await
                .expect("charger connects");
            for n in 0..100 {
                c.call(
                    "StatusNotification",
                    json!({"connectorId": 1, "errorCode": "NoError",
                    "status": statuses[n % 4], "timestamp": "2026-11-28T10:00:00Z"}),
                )
                .await;
            }
            c
        }));
    }
    let mut chargers = Vec::new();
    for t in tasks {
        chargers.push(
            tokio::time::timeout(WAIT, t)
                .await
                .expect("chargers done")
                .expect("join"),
        );
    }
    assert!(!rx.all().is_empty(), "the receiver refused attempts");
    assert!(rx.accepted().is_empty());
    gw.start_kill().expect("SIGKILL");
    let _ = tokio::time::timeout(WAIT, gw.wait())
        .await
        .expect("the gateway dies");
    drop(chargers);

    let pending: Vec<(i64, i64)> = store::stored_texts(
        dir.path(),
        url,
        "SELECT id, charge_point_id FROM outbox WHERE status = 'pending' ORDER BY id",
    )
    .await
    .into_iter()
    .map(|row| {
        let number = |i: usize| row[i].as_deref().and_then(|v| v.parse().ok()).expect("id");
        (number(0), number(1))
    })
    .collect();
    assert_eq!(
        pending.len(),
        500,
        "every acknowledged status has its event"
    );

    rx.set_mode(Mode::Ok);
    let (_gw2, _, _) = spawn_gateway(dir.path(), url).await;
    let wanted: HashSet<String> = pending.iter().map(|(id, _)| id.to_string()).collect();
    within(
        Duration::from_secs(30),
        "all 500 events delivered after the restart",
        || async {
            let got: HashSet<String> = rx.accepted().into_iter().map(|r| r.id).collect();
            wanted.is_subset(&got)
        },
    )
    .await;
    let mut by_cp: HashMap<i64, Vec<i64>> = HashMap::new();
    for (id, cp) in &pending {
        by_cp.entry(*cp).or_default().push(*id);
    }
    let accepted = first_arrivals(&rx.accepted());
    for (cp, ids) in by_cp {
        let got: Vec<i64> = of_cp(&accepted, cp)
            .iter()
            .filter_map(|r| r.id.parse().ok())
            .filter(|id| ids.contains(id))
            .collect();
        assert_eq!(got, ids, "charge point {cp}: in order");
    }
    for r in rx.accepted() {
        assert!(signed_by(TOKEN, &r.raw, &r.signature));
    }
}
