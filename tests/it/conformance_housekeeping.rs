//! What an operator reads about the gateway's own bookkeeping: a late answer in the
//! frame log names its action, EVSE ids are not used up by status reports, and a
//! refused handshake's log line names the charger.

use crate::actions_common;
use crate::common;

use std::process::Stdio;
use std::sync::{Arc, Mutex, PoisonError};

use actions_common::{rig, A};
use common::*;
use ocpp_gateway::ocpp::OcppVersion;
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};

/// OCPP-J §4.1.1 / DESIGN "a late CALLRESULT is logged and dropped": the answer that
/// arrives after the call timed out is still the answer to that call. A user reading
/// the frame log sees it under `ClearCache`, not `action: null`.
#[tokio::test]
async fn a_late_answer_is_logged_with_the_action_of_its_call() {
    let mut r = rig(OcppVersion::V16, "LATE-1").await;
    let api = r.api.clone();
    let path = format!("{A}/v1.0/{}/clear-cache", r.cp);
    let http = tokio::spawn(async move { api.post(&path, json!({})).await });
    let call = r.c.recv().await;
    assert_eq!(call[2], "ClearCache");
    let reply = tokio::time::timeout(WAIT, http)
        .await
        .expect("in time")
        .expect("join");
    assert_eq!(reply.status, 504, "{}", reply.text);
    r.c.answer(&call[1], json!({"status": "Accepted"})).await;

    let frames = format!(
        "/public-api/resources/charge-points/v2.0/{}/frames?limit=50",
        r.cp
    );
    let late = || async {
        let body = r.api.get(&frames).await.body;
        body["data"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|f| f["direction"] == "in" && f["frame"][0] == 3 && f["frame"][1] == call[1])
            .cloned()
    };
    eventually("the late answer is in the frame log", || async {
        late().await.is_some()
    })
    .await;
    let record: Value = late().await.expect("logged");
    assert_eq!(record["action"], "ClearCache", "{record}");
    // And it was dropped: the charger is still served, its next call answered.
    let boot =
        r.c.call(
            "BootNotification",
            json!({"chargePointVendor": "V", "chargePointModel": "M"}),
        )
        .await;
    assert_eq!(boot["status"], "Accepted");
}

/// EVSE ids come from the store's sequence (SQLite AUTOINCREMENT, PostgreSQL identity):
/// a status report of a known EVSE must not take one. A user listing EVSEs sees ids
/// that follow each other, however many status reports came in between.
#[tokio::test]
async fn status_reports_do_not_use_up_evse_ids() {
    let tg = start(settings()).await;
    let mut c = charger(&tg, "SEQ-1", "ocpp1.6").await;
    c.call(
        "BootNotification",
        json!({"chargePointVendor": "V", "chargePointModel": "M"}),
    )
    .await;
    let status = |connector: u32, status: &str| json!({"connectorId": connector, "errorCode": "NoError", "status": status});
    for n in 0..12 {
        let s = if n % 2 == 0 { "Preparing" } else { "Available" };
        let answer = c.call("StatusNotification", status(1, s)).await;
        assert_eq!(answer, json!({}));
    }
    c.call("StatusNotification", status(2, "Available")).await;
    c.call("StatusNotification", status(2, "Faulted")).await;
    c.call("StatusNotification", status(3, "Available")).await;

    let token = tg.gw.api_tokens()[0].clone();
    let api = common::reference::Api::new(tg.gw.api_addr(), Some(&token));
    let cp = actions_common::charge_point_id(&api, "SEQ-1").await;
    let list = api
        .get(&format!(
            "/public-api/resources/charge-points/v2.0/{cp}/evses"
        ))
        .await;
    assert_eq!(list.status, 200, "{}", list.text);
    let mut ids: Vec<(i64, i64)> = list.body["data"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| Some((e["networkId"].as_str()?.parse().ok()?, e["id"].as_i64()?)))
        .collect();
    ids.sort();
    assert_eq!(ids.len(), 3, "{}", list.text);
    assert_eq!(
        (ids[1].1 - ids[0].1, ids[2].1 - ids[1].1),
        (1, 1),
        "consecutive ids: {ids:?}"
    );
    // The statuses themselves are as reported.
    assert_eq!(
        tg.store
            .evse_status("SEQ-1", 2)
            .await
            .expect("read")
            .as_deref(),
        Some("faulted")
    );
    assert_eq!(
        tg.store
            .evse_status("SEQ-1", 1)
            .await
            .expect("read")
            .as_deref(),
        Some("available")
    );
}

fn collect(from: impl AsyncRead + Unpin + Send + 'static, into: Arc<Mutex<String>>) {
    tokio::spawn(async move {
        let mut lines = BufReader::new(from).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            let mut all = into.lock().unwrap_or_else(PoisonError::into_inner);
            all.push_str(&line);
            all.push('\n');
        }
    });
}

/// The handshake's refusals (unknown charger 404, bad credentials 401): the operator
/// looking for why a charger cannot connect finds its identity on the log line.
#[tokio::test]
async fn a_refused_handshake_is_logged_with_the_identity() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_ocpp-gateway"))
        .arg("serve")
        .env("OCPP_GATEWAY__OCPP__LISTEN", "127.0.0.1:0")
        .env("OCPP_GATEWAY__API__LISTEN", "127.0.0.1:0")
        .env("OCPP_GATEWAY__OCPP__AUTO_REGISTER", "false")
        .env("OCPP_GATEWAY__STORE__PATH", dir.path().join("gateway.db"))
        .env("OCPP_GATEWAY__LOG__LEVEL", "info")
        .env("OCPP_GATEWAY__LOG__FORMAT", "json")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("gateway binary starts");
    let printed: Arc<Mutex<String>> = Arc::default();
    collect(child.stdout.take().expect("stdout"), printed.clone());
    collect(child.stderr.take().expect("stderr"), printed.clone());
    let text = || {
        printed
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    };
    eventually("the gateway prints its addresses", || async {
        text().contains("api listening on http://")
    })
    .await;
    let ocpp = text()
        .lines()
        .find_map(|l| l.strip_prefix("ocpp listening on ws://"))
        .expect("the OCPP address")
        .trim()
        .to_owned();
    let refused = connect(
        &format!("ws://{ocpp}/ocpp/NOBODY-%7C42"),
        &["ocpp1.6"],
        None,
    )
    .await;
    assert_eq!(refused.err().map(|r| r.status), Some(404));
    eventually("the refusal is logged", || async {
        text().contains("handshake refused")
    })
    .await;
    let line = text()
        .lines()
        .find(|l| l.contains("handshake refused"))
        .map(str::to_owned)
        .expect("the line");
    let record: Value = serde_json::from_str(&line).expect("a JSON log line");
    let identity = record["fields"]["identity"]
        .as_str()
        .or_else(|| record["identity"].as_str())
        .or_else(|| record["span"]["identity"].as_str());
    assert_eq!(identity, Some("NOBODY-|42"), "{line}");
    let _ = child.start_kill();
}
