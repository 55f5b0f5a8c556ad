//! The real `ocpp-gateway serve` binary as a child process, for tests where a crash
//! (SIGKILL) or the process boundary matters.

use std::path::Path;
use std::process::Stdio;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use super::WAIT;

/// A running gateway process and the addresses it printed.
pub struct Spawned {
    pub child: Child,
    /// `host:port` of the OCPP listener.
    pub ocpp: String,
    /// `host:port` of the HTTP API.
    pub api: String,
}

/// Starts `ocpp-gateway serve` with its store in `dir`, listeners on port 0, open
/// registration and quiet logs; `env` (`OCPP_GATEWAY__...` settings) goes on top.
/// Killed when dropped.
pub async fn spawn_gateway(dir: &Path, env: &[(&str, &str)]) -> Spawned {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ocpp-gateway"));
    cmd.arg("serve")
        .env("OCPP_GATEWAY__OCPP__LISTEN", "127.0.0.1:0")
        .env("OCPP_GATEWAY__API__LISTEN", "127.0.0.1:0")
        .env("OCPP_GATEWAY__OCPP__AUTO_REGISTER", "true")
        .env("OCPP_GATEWAY__OCPP__ALLOW_UNAUTHENTICATED", "true")
        .env("OCPP_GATEWAY__AUTH__UNKNOWN", "accept")
        // The tests' webhook receivers listen on 127.0.0.1.
        .env("OCPP_GATEWAY__NOTIFY__ALLOW_CALLBACKS_TO", "loopback")
        .env("OCPP_GATEWAY__PNC__OCSP_RESPONDERS", "loopback")
        .env("OCPP_GATEWAY__STORE__PATH", dir.join("gateway.db"))
        .env("OCPP_GATEWAY__LOG__LEVEL", "warn")
        // Raw chargers answer only what their test expects (see `settings()`).
        .env("OCPP_GATEWAY__LOCAL_LIST__ENABLED", "false");
    for (key, value) in env {
        cmd.env(key, value);
    }
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("gateway binary starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let (ocpp, api) = tokio::time::timeout(WAIT, async {
        let mut ocpp = None;
        while let Ok(Some(line)) = lines.next_line().await {
            if let Some(rest) = line.strip_prefix("ocpp listening on ws://") {
                ocpp = Some(rest.trim().to_owned());
            }
            if let Some(rest) = line.strip_prefix("api listening on http://") {
                return (ocpp.expect("OCPP address first"), rest.trim().to_owned());
            }
        }
        panic!("the gateway exited before printing its addresses");
    })
    .await
    .expect("addresses printed in time");
    // Keep draining stdout so the child never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Spawned { child, ocpp, api }
}
