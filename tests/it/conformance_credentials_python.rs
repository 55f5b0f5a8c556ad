//! A security-profile raise taken by an independent implementation: the Python `ocpp`
//! package (every CSMS call checked against the official schemas) plays a 1.6 and a
//! 2.0.1 charger on profile 0 (`tests/python/credentials.py`). It keeps the password the
//! gateway sends, moves when told (1.6 SecurityProfile; 2.0.1 A05 ending in Reset),
//! reconnects with that password and boots. Skipped without python3 and the packages,
//! unless `CI` is set.

use crate::common;

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use common::reference::Api;
use common::*;
use serde_json::json;

async fn raise_to_1(version: &str, identity: &str) {
    if !python_ready() {
        return;
    }
    let mut s = settings();
    s.ocpp.auto_register = false;
    s.ocpp.public_url = "ws://gateway.example.com:9000/ocpp".into();
    s.chargers.push(seed(identity, None));
    let tg = start(s).await;
    let api = Api::new(tg.gw.api_addr(), Some(&tg.gw.api_tokens()[0]));
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/credentials.py");
    let child = tokio::process::Command::new("python3")
        .arg(&script)
        .args([
            "--version",
            version,
            "--url",
            &tg.url(identity),
            "--boots",
            "2",
        ])
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
    let list = api
        .get(&format!(
            "/public-api/resources/charge-points/v2.0?filter[networkId]={identity}"
        ))
        .await;
    let cp = list.body["data"][0]["id"].as_i64().expect("id");
    let reply = api
        .post(
            &format!("/public-api/actions/charge-point/v2.0/{cp}/set-security-profile"),
            json!({"setSecurityProfile": 1, "reason": "interop"}),
        )
        .await;
    assert_eq!(reply.status, 202, "{version}: {}", reply.text);
    let out = tokio::time::timeout(Duration::from_secs(30), child.wait_with_output())
        .await
        .expect("the Python charger finishes")
        .expect("output");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{version}: {stdout}\n{stderr}");
    assert!(
        stdout.contains("BOOTED 2"),
        "{version}: back with its new password: {stdout}"
    );
    if version == "2.0.1" {
        assert!(stdout.contains("PASSWORD taken"), "{stdout}");
        assert!(stdout.contains("NETWORK slot 2 profile 1"), "{stdout}");
        assert!(
            stdout.contains("SET NetworkConfigurationPriority=2,1"),
            "{stdout}"
        );
        assert!(stdout.contains("RESET OnIdle"), "{stdout}");
    } else {
        assert!(
            stdout.contains("KEY taken") && stdout.contains("PROFILE 1"),
            "{stdout}"
        );
    }
    eventually("on profile 1", || async {
        api.get(&format!("/public-api/resources/charge-points/v2.0/{cp}"))
            .await
            .body["data"]["security"]["currentProfile"]
            == 1
    })
    .await;
    let proto = if version == "1.6" {
        "ocpp1.6"
    } else {
        "ocpp2.0.1"
    };
    let r = connect(&tg.url(identity), &[proto], None).await;
    assert_eq!(
        r.err().map(|r| r.status),
        Some(401),
        "{version}: without a password it is below its profile now"
    );
}

/// OCPP 1.6 security whitepaper (AuthorizationKey, then SecurityProfile 1): the charger
/// takes both and reconnects with its new key.
#[tokio::test]
async fn a_python_1_6_charger_is_raised_to_profile_1() {
    raise_to_1("1.6", "PYCRED16").await;
}

/// OCPP 2.0.1 A05: BasicAuthPassword, SetNetworkProfile, NetworkConfigurationPriority,
/// Reset; the station reconnects with its new password.
#[tokio::test]
async fn a_python_2_0_1_station_is_raised_to_profile_1() {
    raise_to_1("2.0.1", "PYCRED201").await;
}
