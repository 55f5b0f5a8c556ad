//! Interoperability: the Python `ocpp` package, an independent OCPP implementation,
//! acts as a 1.6 and as a 2.0.1 charger against the real gateway (boot, status,
//! authorize, a transaction with meter values, stop). The script checks every answer
//! and exits non-zero with the reason on any failure.

use crate::common::store;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use ocpp_gateway::config::Settings;
use ocpp_gateway::Gateway;

/// How long the Python charger may take for its whole session.
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(60);

/// Whether python3 can import the `ocpp` and `websockets` packages. Without them the
/// test is skipped with a notice, unless `CI` is set: then it fails.
fn python_ready() -> bool {
    let ready = Command::new("python3")
        .args(["-c", "import ocpp, websockets"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ready {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set but python3 cannot import the `ocpp` and `websockets` packages: \
             run `python3 -m pip install 'ocpp==2.1.0' websockets` (.ci/run does)"
        );
        eprintln!("skipped: python3 with the ocpp and websockets packages not installed");
    }
    ready
}

/// Runs `tests/python/charger.py` against the gateway; panics with its output unless it
/// succeeds within the time limit (it is killed when it does not).
async fn python_charger(version: &str, url: &str) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/charger.py");
    let out = tempfile::tempdir().expect("tempdir");
    let stdout_path = out.path().join("stdout");
    let stderr_path = out.path().join("stderr");
    let mut child = Command::new("python3")
        .arg(&script)
        .args(["--version", version, "--url", url])
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&stdout_path).expect("stdout file"))
        .stderr(std::fs::File::create(&stderr_path).expect("stderr file"))
        .spawn()
        .expect("python3 starts");
    // Poll (the gateway runs on this runtime, so yield between looks) until a deadline.
    let deadline = tokio::time::Instant::now() + SCRIPT_TIMEOUT;
    let status = loop {
        if let Some(status) = child.try_wait().expect("child status") {
            break Some(status);
        }
        if tokio::time::Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let stdout = std::fs::read_to_string(&stdout_path).unwrap_or_default();
    let stderr = std::fs::read_to_string(&stderr_path).unwrap_or_default();
    match status {
        Some(status) if status.success() => {}
        Some(status) => panic!(
            "the Python {version} charger failed ({status})\n--- stdout\n{stdout}\n--- stderr\n{stderr}"
        ),
        None => panic!(
            "the Python {version} charger did not finish in {SCRIPT_TIMEOUT:?} and was killed\n\
             --- stdout\n{stdout}\n--- stderr\n{stderr}"
        ),
    }
}

async fn interop(version: &str, identity: &str) {
    if !python_ready() {
        return;
    }
    let store = tempfile::tempdir().expect("tempdir");
    let mut settings = Settings::embedded().expect("embedded settings");
    settings.ocpp.listen = "127.0.0.1:0".parse().expect("addr");
    settings.api.listen = "127.0.0.1:0".parse().expect("addr");
    settings.store.path = store.path().join("gateway.db");
    settings.ocpp.auto_register = true;
    settings.ocpp.allow_unauthenticated = true;
    settings.auth.unknown = ocpp_gateway::config::Policy::Accept;
    let _db = store::database_for(&mut settings).await;
    let gw = tokio::time::timeout(Duration::from_secs(20), Gateway::start(settings))
        .await
        .expect("gateway starts in time")
        .expect("gateway starts");
    let url = format!("ws://{}/ocpp/{identity}", gw.ocpp_addr());
    python_charger(version, &url).await;
    tokio::time::timeout(Duration::from_secs(20), gw.shutdown())
        .await
        .expect("shuts down in time");
}

#[tokio::test]
async fn python_ocpp16_charger_runs_a_session() {
    interop("1.6", "PY16").await;
}

#[tokio::test]
async fn python_ocpp201_charger_runs_a_session() {
    interop("2.0.1", "PY201").await;
}
