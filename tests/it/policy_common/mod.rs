//! A Python `ocpp` charger driven line by line (`tests/python/policy_charger.py`): the
//! test writes the CALLs it should send and reads what it was answered and asked.

use std::path::Path;
use std::process::Stdio;

use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout};

/// Whether python3 with `ocpp` and `websockets` is here (required when `CI` is set).
pub use crate::common::python_ready;

/// The running Python charger.
pub struct PyCharger {
    _child: Child,
    stdin: ChildStdin,
    lines: Lines<BufReader<ChildStdout>>,
    /// Everything it printed so far, for failure messages and checks.
    pub seen: Vec<Value>,
}

impl PyCharger {
    /// Starts it (`version` "1.6" or "2.0.1") and waits until it is connected.
    pub async fn start(version: &str, url: &str) -> PyCharger {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/policy_charger.py");
        let mut child = tokio::process::Command::new("python3")
            .arg(&script)
            .args(["--version", version, "--url", url])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("python3 starts");
        let stdin = child.stdin.take().expect("stdin");
        let lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let mut c = PyCharger {
            _child: child,
            stdin,
            lines,
            seen: Vec::new(),
        };
        c.wait_for(|v| v.get("connected").is_some()).await;
        c
    }

    /// Has it send `action` with `payload` (None: its own BootNotification) and returns
    /// what it printed about the answer.
    pub async fn send(&mut self, action: &str, payload: Option<Value>) -> Value {
        let mut cmd = json!({"send": action});
        if let Some(p) = payload {
            cmd["payload"] = p;
        }
        let line = format!("{cmd}\n");
        self.stdin.write_all(line.as_bytes()).await.expect("write");
        self.stdin.flush().await.expect("flush");
        let action = action.to_owned();
        self.wait_for(move |v| v["sent"] == action.as_str()).await
    }

    /// The next printed object that `want` accepts (bounded by the harness's wait).
    pub async fn wait_for(&mut self, want: impl Fn(&Value) -> bool) -> Value {
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(15);
        loop {
            let next = tokio::time::timeout_at(deadline, self.lines.next_line())
                .await
                .unwrap_or_else(|_| panic!("timed out; the charger printed {:#?}", self.seen))
                .expect("read");
            let Some(line) = next else {
                panic!("the charger stopped; it printed {:#?}", self.seen);
            };
            let v: Value = serde_json::from_str(&line).unwrap_or_else(|_| json!({"raw": line}));
            self.seen.push(v.clone());
            if want(&v) {
                return v;
            }
        }
    }

    /// The central system's CALLs it received so far, by action.
    pub fn received(&self) -> Vec<String> {
        self.seen
            .iter()
            .filter_map(|v| v["received"].as_str().map(str::to_owned))
            .collect()
    }
}
