//! The raw frame log: every OCPP-J frame in and out, per charger, with its time,
//! direction, message id and action, secrets redacted. Records go to a rotating file
//! (JSON lines, searchable by identity) through a background writer that never blocks a
//! charger (when it falls behind, records are dropped and counted), and to anyone
//! watching live. Nothing is kept per charger in memory: history is read from the file.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use serde_json::Value;
use tokio::sync::{broadcast, mpsc};

use crate::ocpp::redact;

/// One frame, as logged.
#[derive(Clone, Debug)]
pub struct FrameRecord {
    pub at: String,
    pub identity: Arc<str>,
    /// `in` (from the charger) or `out`.
    pub direction: &'static str,
    pub action: Option<String>,
    pub message_id: Option<String>,
    /// The frame's JSON text (secrets redacted), or the raw text of a malformed frame.
    pub frame: String,
    /// Whether `frame` is known to be JSON (it parsed as an OCPP-J frame, or the gateway
    /// wrote it); when false it is checked before being embedded.
    pub json: bool,
}

impl FrameRecord {
    /// The record as one line of JSON (with its newline). A frame that is JSON on one
    /// line is embedded as it is — no parse and re-encode on the way to the file —;
    /// anything else goes through `to_json`.
    pub fn to_line(&self) -> String {
        let one_line = !self.frame.contains(['\n', '\r']);
        let starts_like_json = self.frame.trim_start().starts_with('[');
        if !(one_line
            && starts_like_json
            && (self.json || serde_json::from_str::<serde::de::IgnoredAny>(&self.frame).is_ok()))
        {
            let mut line = self.to_json().to_string();
            line.push('\n');
            return line;
        }
        let mut line: Vec<u8> = Vec::with_capacity(self.frame.len() + 160);
        let field = |line: &mut Vec<u8>, name: &[u8], value: Option<&str>| {
            line.extend_from_slice(name);
            match value {
                // Writing a string into a Vec cannot fail.
                Some(s) => {
                    let _ = serde_json::to_writer(&mut *line, s);
                }
                None => line.extend_from_slice(b"null"),
            }
        };
        field(&mut line, b"{\"timestamp\":", Some(&self.at));
        field(&mut line, b",\"identity\":", Some(&self.identity));
        field(&mut line, b",\"direction\":", Some(self.direction));
        field(&mut line, b",\"messageId\":", self.message_id.as_deref());
        field(&mut line, b",\"action\":", self.action.as_deref());
        line.extend_from_slice(b",\"frame\":");
        line.extend_from_slice(self.frame.as_bytes());
        line.extend_from_slice(b"}\n");
        // Only UTF-8 went in (strings, and JSON that serde_json wrote).
        String::from_utf8(line)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
    }

    /// The record as one JSON object.
    pub fn to_json(&self) -> Value {
        let frame = serde_json::from_str::<Value>(&self.frame)
            .unwrap_or_else(|_| Value::String(self.frame.clone()));
        serde_json::json!({
            "timestamp": self.at,
            "identity": &*self.identity,
            "direction": self.direction,
            "messageId": self.message_id,
            "action": self.action,
            "frame": frame,
        })
    }
}

/// Where frames go. Cheap to clone.
#[derive(Clone)]
pub struct FrameLog {
    file: Option<mpsc::Sender<FrameRecord>>,
    live: broadcast::Sender<FrameRecord>,
    dropped: Arc<AtomicU64>,
    path: Option<PathBuf>,
}

/// Settings of the file.
#[derive(Clone, Debug)]
pub struct FrameFile {
    pub path: PathBuf,
    pub max_bytes: u64,
    pub keep: usize,
}

impl FrameLog {
    /// A log writing to `file` (when given) from a background thread.
    pub fn start(file: Option<FrameFile>) -> FrameLog {
        let (live, _) = broadcast::channel(1024);
        let dropped = Arc::new(AtomicU64::new(0));
        let path = file.as_ref().map(|f| f.path.clone());
        let file = file.and_then(|f| {
            let (tx, rx) = mpsc::channel(65_536);
            match std::thread::Builder::new()
                .name("frame-log".into())
                .spawn(move || write_loop(f, rx))
            {
                Ok(_) => Some(tx),
                Err(e) => {
                    tracing::error!(error = %e, "frame log writer could not start");
                    None
                }
            }
        });
        FrameLog {
            file,
            live,
            dropped,
            path,
        }
    }

    /// Logs a frame. `action` is the action whose payload the frame carries (known for
    /// answers too), used to find secrets; `json` says the text is known to be JSON (a
    /// frame that parsed, or one the gateway wrote), which spares the writer checking it.
    pub fn record(
        &self,
        identity: &Arc<str>,
        direction: &'static str,
        action: Option<&str>,
        message_id: Option<&str>,
        text: &str,
        json: bool,
    ) {
        let watched = self.live.receiver_count() > 0;
        if self.file.is_none() && !watched {
            return;
        }
        let frame = match action {
            Some(a) if redact::may_carry_secret(a) => redact::redacted_text(text),
            _ => text.to_owned(),
        };
        let rec = FrameRecord {
            at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            identity: identity.clone(),
            direction,
            action: action.map(str::to_owned),
            message_id: message_id.map(str::to_owned),
            frame,
            json,
        };
        if watched {
            let _ = self.live.send(rec.clone());
        }
        if let Some(tx) = &self.file {
            if tx.try_send(rec).is_err() {
                self.dropped.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// Frames as they happen (for `tail -f`-style watching).
    pub fn watch(&self) -> broadcast::Receiver<FrameRecord> {
        self.live.subscribe()
    }

    /// Records dropped because the file writer fell behind.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// The last `limit` records of `identity`, oldest first, read from the file and its
    /// rotated predecessors (newest first, up to `scan_bytes` read in all).
    pub fn history(&self, identity: &str, limit: usize, scan_bytes: u64) -> Vec<Value> {
        let Some(path) = &self.path else {
            return Vec::new();
        };
        let mut found: Vec<Value> = Vec::new();
        let mut budget = scan_bytes;
        for p in std::iter::once(path.clone()).chain((1..).map(|n| rotated(path, n))) {
            let Ok(f) = File::open(&p) else { break };
            let size = f.metadata().map(|m| m.len()).unwrap_or(0);
            if budget == 0 {
                break;
            }
            budget = budget.saturating_sub(size);
            let mut here: Vec<Value> = BufReader::new(f)
                .lines()
                .map_while(Result::ok)
                .filter(|l| l.contains(identity))
                .filter_map(|l| serde_json::from_str::<Value>(&l).ok())
                .filter(|v| v["identity"] == identity)
                .collect();
            here.append(&mut found);
            found = here;
            if found.len() >= limit {
                break;
            }
        }
        let skip = found.len().saturating_sub(limit);
        found.split_off(skip)
    }
}

fn rotated(path: &Path, n: usize) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(format!(".{n}"));
    PathBuf::from(s)
}

fn open_append(path: &Path) -> std::io::Result<(File, u64)> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let f = OpenOptions::new().create(true).append(true).open(path)?;
    let len = f.metadata()?.len();
    Ok((f, len))
}

fn write_loop(cfg: FrameFile, mut rx: mpsc::Receiver<FrameRecord>) {
    let (file, mut size) = match open_append(&cfg.path) {
        Ok(f) => f,
        Err(e) => {
            tracing::error!(error = %e, path = %cfg.path.display(), "frame log cannot be opened; frames are not logged to a file");
            while rx.blocking_recv().is_some() {}
            return;
        }
    };
    let mut buf = std::io::BufWriter::new(file);
    while let Some(rec) = rx.blocking_recv() {
        let mut batch = vec![rec];
        while let Ok(more) = rx.try_recv() {
            batch.push(more);
            if batch.len() >= 1024 {
                break;
            }
        }
        for rec in batch {
            let line = rec.to_line();
            if buf.write_all(line.as_bytes()).is_err() {
                continue;
            }
            size += line.len() as u64;
        }
        let _ = buf.flush();
        if size >= cfg.max_bytes {
            for n in (1..cfg.keep).rev() {
                let _ = std::fs::rename(rotated(&cfg.path, n), rotated(&cfg.path, n + 1));
            }
            let _ = std::fs::rename(&cfg.path, rotated(&cfg.path, 1));
            match open_append(&cfg.path) {
                Ok((f, len)) => {
                    size = len;
                    buf = std::io::BufWriter::new(f);
                }
                Err(e) => {
                    tracing::error!(error = %e, "frame log rotation failed");
                    return;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(frame: &str) -> FrameRecord {
        FrameRecord {
            json: false,
            at: "2026-01-01T00:00:00.000000Z".into(),
            identity: Arc::from("CP-\"1"),
            direction: "in",
            action: Some("Heartbeat".into()),
            message_id: None,
            frame: frame.into(),
        }
    }

    #[test]
    fn lines_are_one_json_object_whatever_the_frame() {
        for frame in [
            r#"[2,"a","Heartbeat",{}]"#,
            "[2,\n\"a\",\"Heartbeat\",{}]",
            "not json at all",
            "[2, \"unterminated",
        ] {
            let r = rec(frame);
            let line = r.to_line();
            assert!(
                line.ends_with('\n') && line.matches('\n').count() == 1,
                "{line:?}"
            );
            let v: Value = serde_json::from_str(&line).expect("one JSON object");
            assert_eq!(v, r.to_json(), "{frame:?}");
            let parses = serde_json::from_str::<Value>(frame).is_ok();
            if parses {
                let known = FrameRecord {
                    json: true,
                    ..r.clone()
                };
                assert_eq!(known.to_line(), line, "{frame:?}");
            }
        }
    }
}
