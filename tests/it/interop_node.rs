//! Interoperability with npm's `ocpp-rpc`, a second independent OCPP-J implementation,
//! in strict mode: it validates every CALL the gateway sends and every answer the
//! gateway gives against the official schemas it ships, and refuses anything else
//! (`tests/node/charger.js`). A 1.6 and a 2.0.1 charger connect with Basic auth
//! (security profile 1), boot, authorize, run a transaction with meter values and take
//! the operator's everyday actions over the HTTP API; the session then reads what the
//! charger reported. Skipped without node and the package (`.ci/run` installs it into
//! `tests/node/node_modules`), unless `CI` is set.

use crate::actions_common;
use crate::common;

use std::path::{Path, PathBuf};
use std::process::Stdio;

use actions_common::{charge_point_id, A};
use common::reference::Api;
use common::*;
use serde_json::json;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::sync::mpsc;

fn node_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/node")
}

fn node_ready() -> bool {
    let ready = node_dir().join("node_modules/ocpp-rpc").is_dir()
        && std::process::Command::new("node")
            .arg("--version")
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
    if !ready {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set but node or tests/node/node_modules/ocpp-rpc is missing"
        );
        eprintln!("skipped: node with ocpp-rpc not installed (npm install --prefix tests/node)");
    }
    ready
}

/// Lines the charger prints, as they come.
async fn next_line(lines: &mut mpsc::UnboundedReceiver<String>, what: &str) -> String {
    tokio::time::timeout(WAIT, lines.recv())
        .await
        .unwrap_or_else(|_| panic!("timed out waiting for {what}"))
        .unwrap_or_else(|| panic!("the node charger ended before {what}"))
}

/// Waits for the `CALL <action> ...` line the charger prints for `action` and returns
/// its parameters.
async fn call_seen(lines: &mut mpsc::UnboundedReceiver<String>, action: &str) -> serde_json::Value {
    loop {
        let line = next_line(lines, action).await;
        if let Some(rest) = line.strip_prefix(&format!("CALL {action} ")) {
            return serde_json::from_str(rest).expect("parameters as JSON");
        }
    }
}

async fn a_strict_ocpp_rpc_charger_runs_a_session(version: &str, identity: &str) {
    if !node_ready() {
        return;
    }
    let mut s = settings();
    s.chargers
        .push(seed(identity, Some("node-charger-secret-0001")));
    let tg = start(s).await;
    let url = format!("ws://{}/ocpp", tg.gw.ocpp_addr());
    let mut child = tokio::process::Command::new("node")
        .arg(node_dir().join("charger.js"))
        .args(["--version", version, "--url", &url, "--identity", identity])
        .args(["--password", "node-charger-secret-0001"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("node starts");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, mut lines) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        let mut r = BufReader::new(stdout).lines();
        while let Ok(Some(l)) = r.next_line().await {
            if tx.send(l).is_err() {
                break;
            }
        }
    });
    let ready = loop {
        let line = next_line(&mut lines, "READY").await;
        if line.starts_with("READY") {
            break line;
        }
    };
    let token = tg.gw.api_tokens().first().expect("a token").clone();
    let api = Api::new(tg.gw.api_addr(), Some(&token));
    let cp = charge_point_id(&api, identity).await;
    let at = |tail: &str| format!("{A}/{tail}").replace("{cp}", &cp.to_string());

    // Each action reaches the charger as a call its schema accepts (strict mode refuses
    // the call with a CALLERROR, which the API would answer 502) and the HTTP answer is
    // what the charger's answer means (OCPP 1.6 §5.x / 2.0.1 B11, F05, G03, F06, P01).
    let cases = [
        ("v1.0/{cp}/reset/soft", json!({}), "Reset", 202),
        ("v1.0/{cp}/unlock/1", json!({}), "UnlockConnector", 202),
        (
            "v1.0/{cp}/change-availability",
            json!({"type": "Operative", "evseNetworkId": 1}),
            "ChangeAvailability",
            202,
        ),
        (
            "v1.0/{cp}/trigger-message",
            json!({"type": "Heartbeat"}),
            "TriggerMessage",
            202,
        ),
        (
            "v1.0/{cp}/send-data-transfer",
            json!({"vendorId": "com.example", "messageId": "ping", "data": "hi"}),
            "DataTransfer",
            200,
        ),
        ("v1.0/{cp}/clear-cache", json!({}), "ClearCache", 202),
        (
            "v1.0/{cp}/get-local-list-version",
            json!({}),
            "GetLocalListVersion",
            200,
        ),
    ];
    for (tail, body, action, status) in cases {
        let reply = api.post(&at(tail), body).await;
        assert_eq!(reply.status, status, "{version} {tail}: {}", reply.text);
        call_seen(&mut lines, action).await;
    }
    let reply = api
        .post(
            &at("v1.0/{cp}/send-data-transfer"),
            json!({"vendorId": "com.example", "messageId": "ping", "data": "hi"}),
        )
        .await;
    assert_eq!(reply.body["status"], "Accepted", "{}", reply.text);
    assert_eq!(reply.body["data"], "pong", "{}", reply.text);
    call_seen(&mut lines, "DataTransfer").await;

    // The transaction ends on the charger; the session holds exactly what it reported:
    // 1,000 Wh at the start, 2,500 Wh at the end (1.6 §5.x StopTransaction meterStop,
    // 2.0.1 E06/J02: the energy register of the Ended event).
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(b"stop\n").await.expect("tell it to stop");
    loop {
        if next_line(&mut lines, "DONE").await == "DONE" {
            break;
        }
    }
    let sessions = api
        .get(&format!(
            "/public-api/resources/sessions/v1.0?filter[chargePointId]={cp}"
        ))
        .await;
    let data = sessions.body["data"].as_array().expect("sessions");
    assert_eq!(data.len(), 1, "{ready}: {}", sessions.text);
    assert_eq!(data[0]["status"], "finished", "{}", sessions.text);
    assert_eq!(
        data[0]["energy"].as_f64(),
        Some(1500.0),
        "{}",
        sessions.text
    );
    let out = child.wait_with_output().await.expect("node output");
    assert!(
        out.status.success(),
        "the node charger failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test]
async fn a_strict_ocpp_rpc_1_6_charger_runs_a_session_and_takes_actions() {
    a_strict_ocpp_rpc_charger_runs_a_session("1.6", "NODE16").await;
}

#[tokio::test]
async fn a_strict_ocpp_rpc_2_0_1_charger_runs_a_session_and_takes_actions() {
    a_strict_ocpp_rpc_charger_runs_a_session("2.0.1", "NODE201").await;
}
