//! The recovery journal: a report the charger was answered for but the store could not
//! take (after retries) is appended here, one JSON line each, beside the store file. At
//! the next start the gateway replays the journal through the same handlers, then
//! renames it, so nothing acknowledged is lost to a store outage.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::ocpp::{Call, OcppVersion};

/// One report the store could not take.
#[derive(Debug, Serialize, Deserialize)]
pub struct Entry {
    pub identity: String,
    pub version: OcppVersion,
    pub action: String,
    pub payload: Value,
    pub received_at: String,
}

/// See the module documentation.
pub struct Journal {
    path: PathBuf,
    lock: Mutex<()>,
}

impl Journal {
    /// The journal of the store at `store_path`.
    pub fn beside(store_path: &Path) -> Journal {
        let mut name = store_path
            .file_name()
            .map(|n| n.to_os_string())
            .unwrap_or_else(|| "gateway.db".into());
        name.push(".recovery.jsonl");
        Journal {
            path: store_path.with_file_name(name),
            lock: Mutex::new(()),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends a report and flushes it to disk.
    pub fn append(&self, identity: &str, version: OcppVersion, call: &Call) -> std::io::Result<()> {
        let entry = Entry {
            identity: identity.to_owned(),
            version,
            action: call.action.clone(),
            payload: call.payload.clone(),
            received_at: chrono::Utc::now().to_rfc3339(),
        };
        let mut line = serde_json::to_vec(&entry).map_err(std::io::Error::other)?;
        line.push(b'\n');
        let _guard = self.lock.lock().unwrap_or_else(|p| p.into_inner());
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)?;
        f.write_all(&line)?;
        f.sync_data()
    }

    /// Takes the entries to replay, moving the file aside (`.replayed-<time>`) so a
    /// crash during the replay does not apply them twice at the next start, and the
    /// record stays for the operator. Unreadable lines are logged and skipped.
    pub fn take(&self) -> std::io::Result<Vec<Entry>> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
        let mut aside = self.path.clone().into_os_string();
        aside.push(format!(
            ".replayed-{}",
            chrono::Utc::now().format("%Y%m%dT%H%M%S")
        ));
        std::fs::rename(&self.path, aside)?;
        Ok(text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .filter_map(|l| match serde_json::from_str(l) {
                Ok(e) => Some(e),
                Err(err) => {
                    tracing::error!(error = %err, "unreadable recovery journal line skipped");
                    None
                }
            })
            .collect())
    }
}
