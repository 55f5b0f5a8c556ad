//! No charger secret reaches the logs, whatever path changed it: the real binary at trace
//! level takes a 1.6 AuthorizationKey and a 2.0.1 BasicAuthPassword through
//! set-configuration, a 2.0.1 raise to profile 1 (A05), a station reporting its password
//! in NotifyReport, and the chargers reconnecting with their new passwords (plain and
//! hex); none of those values appears in anything it printed.

use crate::common;

use std::process::Stdio;

use common::*;
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::process::Command;

const OLD: &str = "old-password-in-logs-0001";
const TOKEN: &str = "api-token-for-the-credential-logs";
const KEY16: &str = "new-authorization-key-0001";
const PW201: &str = "new-basic-auth-password-01";
const REPORTED: &str = "reported-basic-auth-pw-001";

struct Running {
    ocpp: String,
    api: String,
    child: tokio::process::Child,
    out: tokio::task::JoinHandle<String>,
    err: tokio::task::JoinHandle<String>,
    printed: String,
}

async fn serve(dir: &std::path::Path) -> Running {
    let config = dir.join("gateway.toml");
    std::fs::write(
        &config,
        format!(
            "[ocpp]\nlisten = \"127.0.0.1:0\"\nallow_unauthenticated = true\ncall_timeout = \"2s\"\n\
             public_url = \"ws://gateway.example.com/ocpp\"\n\
             [api]\nlisten = \"127.0.0.1:0\"\ntokens = [\"{TOKEN}\"]\n\
             [store]\npath = \"{}\"\n[auth]\nunknown = \"accept\"\n[local_list]\nenabled = false\n\
             [[chargers]]\nidentity = \"LOG-16\"\npassword = \"{OLD}\"\n\
             [[chargers]]\nidentity = \"LOG-201\"\npassword = \"{OLD}\"\n\
             [[chargers]]\nidentity = \"LOG-RAISE\"\n",
            dir.join("gateway.db").display()
        ),
    )
    .expect("config");
    let mut child = Command::new(env!("CARGO_BIN_EXE_ocpp-gateway"))
        .args(["serve", "--config"])
        .arg(&config)
        .env("RUST_LOG", "trace")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("starts");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut stderr = child.stderr.take().expect("stderr");
    let mut printed = String::new();
    let (ocpp, api) = tokio::time::timeout(WAIT, async {
        loop {
            let mut line = String::new();
            if stdout.read_line(&mut line).await.expect("read") == 0 {
                panic!("exited early: {printed}");
            }
            printed.push_str(&line);
            if let Some(api) = line.strip_prefix("api listening on http://") {
                let ocpp = printed
                    .lines()
                    .find_map(|l| l.strip_prefix("ocpp listening on ws://"))
                    .expect("the OCPP address is printed first");
                return (ocpp.trim().to_owned(), api.trim().to_owned());
            }
        }
    })
    .await
    .expect("addresses in time");
    let err = tokio::spawn(async move {
        let mut all = String::new();
        let _ = stderr.read_to_string(&mut all).await;
        all
    });
    let out = tokio::spawn(async move {
        let mut all = String::new();
        let _ = stdout.read_to_string(&mut all).await;
        all
    });
    Running {
        ocpp,
        api,
        child,
        out,
        err,
        printed,
    }
}

async fn cp_id(client: &reqwest::Client, api: &str, identity: &str) -> i64 {
    let list: Value = client
        .get(format!(
            "http://{api}/public-api/resources/charge-points/v2.0?filter[networkId]={identity}"
        ))
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect("list")
        .json()
        .await
        .expect("json");
    list["data"][0]["id"].as_i64().expect("id")
}

/// Posts an action while the charger answers its CALLs in order with `answers`; returns
/// the HTTP status and the CALLs.
async fn act(
    c: &mut Client,
    api: &str,
    path: String,
    body: Value,
    answers: &[Value],
) -> (u16, Vec<Value>) {
    let client = reqwest::Client::new();
    let post = tokio::spawn(
        client
            .post(format!(
                "http://{api}/public-api/actions/charge-point/{path}"
            ))
            .bearer_auth(TOKEN)
            .json(&body)
            .send(),
    );
    let mut calls = Vec::new();
    for a in answers {
        let call = c.recv().await;
        c.answer(&call[1], a.clone()).await;
        calls.push(call);
    }
    let status = post.await.expect("join").expect("answer").status().as_u16();
    (status, calls)
}

fn accepted(component: &str, variable: &str) -> Value {
    json!({"setVariableResult": [{"attributeStatus": "Accepted",
        "component": {"name": component}, "variable": {"name": variable}}]})
}

/// OCPP 1.6 security whitepaper / OCPP 2.0.1 A00.FR.xx (passwords are secrets; the CSMS
/// keeps them out of its logs): after every path that sets one, the logs hold none.
#[tokio::test]
async fn secrets_set_through_any_path_never_reach_the_logs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut gw = serve(dir.path()).await;
    let client = reqwest::Client::new();
    let url = |id: &str| format!("ws://{}/ocpp/{id}", gw.ocpp);

    // 1.6 set-configuration AuthorizationKey, then back with the key hex-encoded.
    let mut c16 = connect(&url("LOG-16"), &["ocpp1.6"], Some(("LOG-16", OLD)))
        .await
        .expect("1.6");
    c16.call("Heartbeat", json!({})).await;
    let id = cp_id(&client, &gw.api, "LOG-16").await;
    let (status, calls) = act(
        &mut c16,
        &gw.api,
        format!("v2.0/{id}/set-configuration"),
        json!({"name": "AuthorizationKey", "value": KEY16}),
        &[json!({"status": "Accepted"})],
    )
    .await;
    assert_eq!(status, 202);
    assert_eq!(
        calls[0][3]["value"], KEY16,
        "the charger gets the real value"
    );
    drop(c16);
    let hex = hex::encode(KEY16);
    let mut c16 = connect(&url("LOG-16"), &["ocpp1.6"], Some(("LOG-16", &hex)))
        .await
        .expect("new key, hex");
    c16.call("Heartbeat", json!({})).await;

    // 2.0.1 set-configuration BasicAuthPassword, and a report that shows it.
    let mut c201 = connect(&url("LOG-201"), &["ocpp2.0.1"], Some(("LOG-201", OLD)))
        .await
        .expect("2.0.1");
    c201.call("Heartbeat", json!({})).await;
    let id = cp_id(&client, &gw.api, "LOG-201").await;
    let (status, _) = act(
        &mut c201,
        &gw.api,
        format!("v2.0/{id}/set-configuration"),
        json!({"componentName": "SecurityCtrlr", "name": "BasicAuthPassword", "value": PW201}),
        &[accepted("SecurityCtrlr", "BasicAuthPassword")],
    )
    .await;
    assert_eq!(status, 202);
    drop(c201);
    let mut c201 = connect(&url("LOG-201"), &["ocpp2.0.1"], Some(("LOG-201", PW201)))
        .await
        .expect("new password");
    c201.call(
        "NotifyReport",
        json!({"requestId": 1, "generatedAt": "2026-01-01T00:00:00Z", "seqNo": 0,
        "tbc": false, "reportData": [{"component": {"name": "SecurityCtrlr"},
        "variable": {"name": "BasicAuthPassword"},
        "variableAttribute": [{"type": "Actual", "value": REPORTED}]}]}),
    )
    .await;

    // 2.0.1 raise 0→1 (A05): a fresh password from the gateway.
    let mut raise = connect(&url("LOG-RAISE"), &["ocpp2.0.1"], None)
        .await
        .expect("profile 0");
    raise.call("Heartbeat", json!({})).await;
    let id = cp_id(&client, &gw.api, "LOG-RAISE").await;
    let (status, calls) = act(&mut raise, &gw.api, format!("v2.0/{id}/set-security-profile"),
        json!({"setSecurityProfile": 1, "reason": "logs"}), &[
            accepted("SecurityCtrlr", "BasicAuthPassword"),
            json!({"getVariableResult": [{"attributeStatus": "Accepted", "attributeValue": "1",
                "component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "NetworkConfigurationPriority"}}]}),
            json!({"status": "Accepted"}),
            accepted("OCPPCommCtrlr", "NetworkConfigurationPriority"),
            json!({"status": "Accepted"}),
        ]).await;
    assert_eq!(status, 202);
    let fresh = calls[0][3]["setVariableData"][0]["attributeValue"]
        .as_str()
        .expect("fresh")
        .to_owned();
    drop(raise);
    connect(
        &url("LOG-RAISE"),
        &["ocpp2.0.1"],
        Some(("LOG-RAISE", &fresh)),
    )
    .await
    .expect("fresh password");

    let status = std::process::Command::new("kill")
        .args(["-TERM", &gw.child.id().expect("pid").to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    tokio::time::timeout(WAIT, gw.child.wait())
        .await
        .expect("exits on SIGTERM")
        .expect("wait");
    gw.printed.push_str(&gw.out.await.expect("stdout"));
    let logs = gw.err.await.expect("stderr") + &gw.printed;
    assert!(
        logs.contains("BasicAuthPassword"),
        "the changes are logged, redacted"
    );
    assert!(logs.contains("AuthorizationKey"));
    for secret in [
        OLD,
        KEY16,
        hex.as_str(),
        PW201,
        REPORTED,
        fresh.as_str(),
        TOKEN,
    ] {
        if let Some(line) = logs.lines().find(|l| l.contains(secret)) {
            panic!("{secret:?} leaked into the logs: {line}");
        }
    }
}
