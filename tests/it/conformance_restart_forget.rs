//! Restart and forget: chargers of both versions, played by the Python `ocpp` package
//! (`tests/python/restart_forget.py`), are killed mid-transaction twice, come back with a
//! boot, an Available connector and a new transaction, and finally stop one. Afterwards
//! no connector has two open sessions, every session's energy is what its charger
//! reported, and every meter value the gateway acknowledged is stored. Skipped without
//! python3 and the packages, unless `CI` is set.

use crate::common;
use crate::sessions_common;

use std::path::Path;
use std::process::Stdio;
use std::sync::Arc;

use common::*;
use serde_json::Value;
use sessions_common::*;
use tokio::io::{AsyncBufReadExt, BufReader};

/// One life of the charger: it runs a transaction from register `meter` and either
/// stops it (`stop`) or is killed while charging, after `check` saw it charging.
/// Returns what it reported.
async fn life(
    r: &Rig,
    version: &str,
    identity: &str,
    meter: i64,
    stop: bool,
    after_loss: bool,
) -> Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/restart_forget.py");
    let mut cmd = tokio::process::Command::new("python3");
    cmd.arg(&script)
        .args(["--version", version, "--url", &r.tg.url(identity)])
        .args(["--meter", &meter.to_string(), "--meter-values", "2"]);
    if stop {
        cmd.arg("--stop");
    }
    if after_loss {
        cmd.arg("--after-loss");
    }
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .expect("python3 starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let line = tokio::time::timeout(WAIT, lines.next_line())
        .await
        .unwrap_or_else(|_| panic!("{identity}: no report in time"))
        .expect("read")
        .unwrap_or_else(|| panic!("{identity}: the charger ended without a report"));
    let report: Value = serde_json::from_str(&line).expect("a JSON report");
    if stop {
        let status = tokio::time::timeout(WAIT, child.wait())
            .await
            .expect("the charger ends in time")
            .expect("wait");
        assert!(status.success(), "{identity}: {status}");
    } else {
        // While it charges, its connector has exactly one open session.
        let cp = r.cp(identity).await;
        let all = r.sessions(cp).await;
        one_open_per_evse(&all);
        assert_eq!(
            all.iter().filter(|s| s["status"] == "active").count(),
            1,
            "{identity}: {all:?}"
        );
        // Killed: no StopTransaction, no TransactionEvent Ended, no close frame.
        child.kill().await.expect("kill");
    }
    report
}

/// Three lives of one charger; checks what the API shows of them afterwards.
async fn forgetful(r: Arc<Rig>, version: &'static str, identity: String) {
    let mut meter = 1000;
    let mut reports = Vec::new();
    for round in 0..3 {
        let report = life(&r, version, &identity, meter, round == 2, round > 0).await;
        // The register went on counting while the charger was down.
        meter = report["lastEnergy"].as_i64().expect("lastEnergy") + 100;
        reports.push(report);
    }
    let cp = r.cp(&identity).await;
    let all = r.sessions(cp).await;
    assert_eq!(
        all.len(),
        3,
        "{identity}: one session per transaction: {all:?}"
    );
    one_open_per_evse(&all);
    for (s, report) in all.iter().zip(&reports) {
        let expected = report["lastEnergy"].as_f64().expect("energy")
            - report["meterStart"].as_f64().expect("start");
        assert_eq!(
            s["energy"].as_f64(),
            Some(expected),
            "{identity}: {s} for {report}"
        );
        assert!(s["stoppedAt"].is_string(), "{identity}: {s}");
    }
    for s in &all[..2] {
        // OCPP 1.6 §4.2/§4.9, 2.0.1 B01/G01: Available after the reboot ends it.
        assert_eq!(s["status"], "expired", "{identity}: {s}");
        assert_eq!(s["reason"], "reboot", "{identity}: {s}");
    }
    assert_eq!(all[2]["status"], "finished", "{identity}: {}", all[2]);
    // Closed sessions keep their figures whatever the clock says.
    let again = r.sessions(cp).await;
    for (a, b) in all.iter().zip(&again) {
        assert_eq!(a["power"], b["power"], "{identity}");
    }
    // Nothing acknowledged is lost: every sample the charger was answered for is stored.
    let sent: i64 = reports.iter().filter_map(|r| r["samples"].as_i64()).sum();
    let stored =
        r.tg.store
            .meter_value_count(&identity)
            .await
            .expect("count");
    assert_eq!(stored, sent, "{identity}: meter values stored");
}

/// OCPP 1.6 §4.8/§4.10 and 2.0.1 E01/E06 with chargers that lose power mid-transaction
/// (FIELD-NOTES: chargers forget transactions). A user sees, for each charger, the lost
/// sessions `expired` with the energy last reported, and the last one `finished`.
#[tokio::test]
async fn chargers_killed_mid_transaction_leave_no_phantom_sessions() {
    if !python_ready() {
        return;
    }
    let r = Arc::new(rig().await);
    let mut set = tokio::task::JoinSet::new();
    for (version, identity) in [
        ("1.6", "RF16-A"),
        ("1.6", "RF16-B"),
        ("2.0.1", "RF201-A"),
        ("2.0.1", "RF201-B"),
    ] {
        set.spawn(forgetful(r.clone(), version, identity.to_owned()));
    }
    while let Some(done) = tokio::time::timeout(WAIT * 6, set.join_next())
        .await
        .expect("the chargers finish in time")
    {
        done.expect("a charger's checks");
    }
}
