//! Interoperability of the actions: the Python `ocpp` package, an independent OCPP
//! implementation that validates every frame against the official schemas, plays a
//! 1.6 and a 2.0.1 charger (`tests/python/charger.py --stay`) and receives reset,
//! unlock, change availability, set charging profile, update firmware, trigger
//! message and data transfer from the HTTP API; the HTTP answers are what its answers
//! mean. Skipped without python3 and the packages, unless `CI` is set.

use crate::actions_common;
use crate::common;

use std::path::Path;
use std::process::Stdio;

use actions_common::{charge_point_id, A};
use common::reference::Api;
use common::*;
use serde_json::json;

async fn actions_reach_the_python_charger(version: &str, identity: &str) {
    if !python_ready() {
        return;
    }
    let tg = start(settings()).await;
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/charger.py");
    let mut child = tokio::process::Command::new("python3")
        .arg(&script)
        .args(["--version", version, "--url", &tg.url(identity), "--stay"])
        .args(["--meter-values", "1"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("python3 starts");
    eventually("the Python charger connects", || async {
        tg.gw.charger(identity).is_some()
    })
    .await;
    let token = tg.gw.api_tokens().first().expect("a token").clone();
    let api = Api::new(tg.gw.api_addr(), Some(&token));
    let cp = charge_point_id(&api, identity).await;
    let at = |tail: &str| format!("{A}/{tail}").replace("{cp}", &cp.to_string());
    let profile = json!({
        "stackLevel": 0, "chargingProfilePurpose": "TxDefaultProfile",
        "chargingProfileKind": "Recurring", "recurrencyKind": "Daily",
        "chargingSchedule": {"chargingRateUnit": "A", "startSchedule": "2026-01-01T00:00:00Z",
            "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 32}, {"startPeriod": 3600, "limit": 16.5}]}
    });
    let cases = [
        (
            "v1.0/{cp}/reset/soft",
            json!({}),
            202,
            Some(json!({"success": true})),
        ),
        (
            "v1.0/{cp}/reset/hard",
            json!({}),
            202,
            Some(json!({"success": true})),
        ),
        (
            "v1.0/{cp}/unlock/1",
            json!({}),
            202,
            Some(json!({"success": true})),
        ),
        (
            "v1.0/{cp}/change-availability",
            json!({"type": "Inoperative", "evseNetworkId": 1}),
            202,
            None,
        ),
        ("v1.0/{cp}/set-charging-profile/1", profile, 202, None),
        (
            "v2.0/{cp}/update-firmware",
            json!({"signed": false, "url": "https://fw.example.com/2.0.bin"}),
            202,
            None,
        ),
        (
            "v1.0/{cp}/trigger-message",
            json!({"type": "Heartbeat"}),
            202,
            None,
        ),
        (
            "v1.0/{cp}/send-data-transfer",
            json!({"vendorId": "com.example", "messageId": "hello", "data": "hi"}),
            200,
            Some(json!({"status": "Accepted", "data": null})),
        ),
    ];
    for (tail, body, status, expected) in cases {
        let reply = api.post(&at(tail), body).await;
        assert_eq!(reply.status, status, "{version} {tail}: {}", reply.text);
        if let Some(expected) = expected {
            assert_eq!(reply.body, expected, "{version} {tail}");
        }
    }
    // The charger is still there and answering: nothing above upset it.
    assert!(tg.gw.charger(identity).is_some());
    let _ = child.start_kill();
    let out = child.wait_with_output().await.expect("python output");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("Traceback"),
        "the Python charger failed:\n{stderr}"
    );
}

#[tokio::test]
async fn a_python_1_6_charger_takes_the_actions() {
    actions_reach_the_python_charger("1.6", "PYACT16").await;
}

#[tokio::test]
async fn a_python_2_0_1_charger_takes_the_actions() {
    actions_reach_the_python_charger("2.0.1", "PYACT201").await;
}
