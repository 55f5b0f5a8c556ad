//! Secrets never reach the logs: a charger with a password runs a session against the
//! real binary at trace level, and neither the password (plain or hex) nor the API
//! token appears in anything it printed.

use crate::common;

use std::process::Stdio;

use common::*;
use serde_json::json;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::process::Command;

const PASSWORD: &str = "p4ss-W0rd-that-must-never-be-logged";
const TOKEN: &str = "api-token-that-must-never-be-logged";

#[tokio::test]
async fn a_traced_session_logs_no_password_or_token() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("gateway.toml");
    std::fs::write(
        &config,
        format!(
            "[ocpp]\nlisten = \"127.0.0.1:0\"\nallow_unauthenticated = true\n[api]\nlisten = \"127.0.0.1:0\"\ntokens = [\"{TOKEN}\"]\n\
             [store]\npath = \"{}\"\n[auth]\nunknown = \"accept\"\n\
             [[chargers]]\nidentity = \"SECRET-1\"\npassword = \"{PASSWORD}\"\n\
             [[chargers]]\nidentity = \"OPEN-1\"\n",
            dir.path().join("gateway.db").display()
        ),
    )
    .expect("config");
    let mut child = Command::new(env!("CARGO_BIN_EXE_ocpp-gateway"))
        .args(["serve", "--config"])
        .arg(&config)
        .env("RUST_LOG", "trace")
        // The raw charger answers only the calls of this test.
        .env("OCPP_GATEWAY__LOCAL_LIST__ENABLED", "false")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("starts");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut stderr = child.stderr.take().expect("stderr");
    let mut printed = String::new();
    let addr = tokio::time::timeout(WAIT, async {
        loop {
            let mut line = String::new();
            if stdout.read_line(&mut line).await.expect("read") == 0 {
                panic!("exited early: {printed}");
            }
            printed.push_str(&line);
            if line.starts_with("api listening on http://") {
                let ocpp = printed
                    .lines()
                    .find_map(|l| l.strip_prefix("ocpp listening on ws://"))
                    .expect("the OCPP address is printed first");
                return ocpp.trim().to_owned();
            }
        }
    })
    .await
    .expect("address in time");
    // Drain both pipes while the gateway runs (trace logging fills a pipe quickly).
    let err_task = tokio::spawn(async move {
        let mut all = String::new();
        let _ = stderr.read_to_string(&mut all).await;
        all
    });
    let out_task = tokio::spawn(async move {
        let mut all = String::new();
        let _ = stdout.read_to_string(&mut all).await;
        all
    });

    let url = format!("ws://{addr}/ocpp/SECRET-1");
    let hex = hex::encode(PASSWORD);
    let refused = connect(&url, &["ocpp1.6"], Some(("SECRET-1", "wrong-guess"))).await;
    assert_eq!(refused.err().map(|r| r.status), Some(401));
    for pw in [PASSWORD, hex.as_str()] {
        let mut c = connect(&url, &["ocpp1.6"], Some(("SECRET-1", pw)))
            .await
            .expect("accepted");
        c.call(
            "BootNotification",
            json!({"chargePointVendor": "V", "chargePointModel": "M"}),
        )
        .await;
        let tx = c
            .call("StartTransaction", json!({"connectorId": 1, "idTag": "T", "meterStart": 0, "timestamp": "2026-11-28T10:00:00Z"}))
            .await["transactionId"]
            .clone();
        c.call(
            "StopTransaction",
            json!({"transactionId": tx, "meterStop": 10, "timestamp": "2026-11-28T10:01:00Z"}),
        )
        .await;
    }
    // A charger without a password is raised to profile 1: the gateway sends it a fresh
    // AuthorizationKey, which must show on the wire and nowhere in the logs.
    let api_addr = printed
        .lines()
        .find_map(|l| l.strip_prefix("api listening on http://"))
        .expect("the API address is printed")
        .trim()
        .to_owned();
    let mut open = connect(&format!("ws://{addr}/ocpp/OPEN-1"), &["ocpp1.6"], None)
        .await
        .expect("profile 0");
    open.call("Heartbeat", json!({})).await;
    let client = reqwest::Client::new();
    let list: serde_json::Value = client
        .get(format!(
            "http://{api_addr}/public-api/resources/charge-points/v2.0?filter[networkId]=OPEN-1"
        ))
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect("list")
        .json()
        .await
        .expect("json");
    let id = list["data"][0]["id"].as_i64().expect("id");
    let raise = tokio::spawn(
        client
            .post(format!(
                "http://{api_addr}/public-api/actions/charge-point/v2.0/{id}/set-security-profile"
            ))
            .bearer_auth(TOKEN)
            .json(&json!({"setSecurityProfile": 1, "reason": "give it a key"}))
            .send(),
    );
    let key_call = open.recv().await;
    assert_eq!(key_call[3]["key"], "AuthorizationKey");
    let new_key = key_call[3]["value"].as_str().expect("key").to_owned();
    open.answer(&key_call[1], json!({"status": "Accepted"}))
        .await;
    let profile_call = open.recv().await;
    open.answer(&profile_call[1], json!({"status": "Accepted"}))
        .await;
    assert_eq!(
        raise
            .await
            .expect("join")
            .expect("answer")
            .status()
            .as_u16(),
        202
    );

    let status = std::process::Command::new("kill")
        .args(["-TERM", &child.id().expect("pid").to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    tokio::time::timeout(WAIT, child.wait())
        .await
        .expect("exits on SIGTERM")
        .expect("wait");
    printed.push_str(&out_task.await.expect("stdout"));
    let logs = err_task.await.expect("stderr") + &printed;
    assert!(
        logs.contains("SECRET-1"),
        "the logs are there: {}",
        &logs[..logs.len().min(500)]
    );
    assert!(logs.contains("StartTransaction"), "traced frames are there");
    assert!(
        logs.contains("AuthorizationKey"),
        "the key change is logged, redacted"
    );
    for secret in [
        PASSWORD,
        hex.as_str(),
        TOKEN,
        "wrong-guess",
        new_key.as_str(),
    ] {
        if let Some(line) = logs.lines().find(|l| l.contains(secret)) {
            panic!("{secret:?} leaked into the logs: {line}");
        }
    }
}
