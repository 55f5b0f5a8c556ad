//! A script of `tests/python/` run as a charger: the lines it prints, as they come, and
//! its standard input to steer it. The Python chargers of several test modules run
//! through this one helper.

use std::ffi::OsStr;
use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin};

/// A running script; killed when dropped.
pub struct Script {
    child: Child,
    stdin: ChildStdin,
    lines: Arc<Mutex<Vec<String>>>,
}

impl Script {
    /// Runs `python3 tests/python/<name> <args>` (stderr passed through).
    pub fn start<I, S>(name: &str, args: I) -> Script
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let script = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/python")
            .join(name);
        let mut child = tokio::process::Command::new("python3")
            .arg(&script)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("python3 starts");
        let stdin = child.stdin.take().expect("stdin");
        let lines: Arc<Mutex<Vec<String>>> = Arc::default();
        let sink = lines.clone();
        let mut out = BufReader::new(child.stdout.take().expect("stdout")).lines();
        tokio::spawn(async move {
            while let Ok(Some(line)) = out.next_line().await {
                sink.lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(line);
            }
        });
        Script {
            child,
            stdin,
            lines,
        }
    }

    /// Every line printed so far.
    pub fn lines(&self) -> Vec<String> {
        self.lines
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Whether the script printed `line`.
    pub fn printed(&self, line: &str) -> bool {
        self.lines().iter().any(|l| l == line)
    }

    /// Waits (with the tests' deadline) until the script printed `line`.
    pub async fn wait_for(&self, line: &str) {
        super::eventually(&format!("the script printed {line}"), || async {
            self.printed(line)
        })
        .await;
    }

    /// Writes one line to the script's standard input.
    pub async fn tell(&mut self, line: &str) {
        self.stdin
            .write_all(format!("{line}\n").as_bytes())
            .await
            .expect("write to the script");
        self.stdin.flush().await.expect("flush");
    }

    /// Ends the script and waits for it (bounded).
    pub async fn stop(&mut self) {
        let _ = self.child.start_kill();
        let _ = tokio::time::timeout(super::WAIT, self.child.wait()).await;
    }
}
