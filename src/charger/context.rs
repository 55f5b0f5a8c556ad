//! What a charger's connection works with: one connection's context (`ChargerContext`:
//! identity, version, the gateway's `Shared` state, the commit rules for reports), and
//! the small helpers the per-version adapters answer with.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use serde_json::Value;

use crate::domain::event::ChargerEvent;
use crate::domain::AuthStatus;
use crate::gateway::Shared;
use crate::ocpp::{Call, DecodeError, Deviation, ErrorCode, Leniency, OcppVersion};
use crate::store::StoreError;

/// One connection's context.
pub struct ChargerContext {
    pub identity: Arc<str>,
    pub version: OcppVersion,
    pub leniency: Leniency,
    pub shared: Arc<Shared>,
    /// Whether this connection's local list sync has begun (see `local_list`).
    pub list_started: std::sync::atomic::AtomicBool,
    /// This connection's registration (see [`super::boot_state`]).
    pub boot: std::sync::Mutex<super::boot_state::BootState>,
}

impl ChargerContext {
    /// Decides an id tag (and records the decision).
    pub async fn authorize(&self, id_tag: &str) -> AuthStatus {
        self.shared
            .authorizer
            .authorize(&self.identity, id_tag)
            .await
    }

    /// Decides an id tag presented for `used`, with its group (and records the decision).
    pub async fn answer(
        &self,
        id_tag: &str,
        used: &crate::domain::tag_group::TagUse,
    ) -> crate::domain::auth::AuthDecision {
        self.shared
            .authorizer
            .answer(&self.identity, id_tag, used)
            .await
    }

    /// Records a report that has no state of its own beyond the record.
    pub async fn record_event(&self, call: &Call, event: ChargerEvent) {
        let store = &self.shared.store;
        self.commit_report(call, || store.record_event(&self.identity, event.clone()))
            .await;
    }

    /// The heartbeat interval handed out in BootNotification answers, in seconds.
    pub fn heartbeat_secs(&self) -> u64 {
        self.shared.settings.ocpp.heartbeat_interval.as_secs()
    }

    /// Commits a report the charger must never see fail (status, meter values, stops,
    /// transaction events): retried a few times; if the store still fails, the report is
    /// written to the recovery journal (replayed at the next start) and the charger is
    /// answered anyway, since a CALLERROR would only make it repeat the message forever.
    pub async fn commit_report<F, Fut>(&self, call: &Call, mut op: F)
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<(), StoreError>>,
    {
        let mut delay = Duration::from_millis(50);
        for attempt in 1..=4 {
            match op().await {
                Ok(()) => return,
                Err(e) if attempt < 4 => {
                    tracing::warn!(action = %call.action, attempt, error = %e, "store write failed; retrying");
                    tokio::time::sleep(delay).await;
                    delay *= 2;
                }
                Err(e) => {
                    self.shared.metrics.journalled.inc();
                    let journal = &self.shared.journal;
                    match journal.append(&self.identity, self.version, call) {
                        Ok(()) => tracing::error!(
                            action = %call.action, error = %e, journal = %journal.path().display(),
                            "store write failed; kept in the recovery journal for the next start"
                        ),
                        Err(j) => tracing::error!(
                            action = %call.action, error = %e, journal_error = %j,
                            "store write failed and the recovery journal too: this report is lost"
                        ),
                    }
                }
            }
        }
    }
}

/// Logs the lenient fixes made to a payload.
pub fn log_deviations(action: &str, deviations: &[Deviation]) {
    for d in deviations {
        tracing::info!(%action, fix = %d.0, "non-conformant payload accepted");
    }
}

/// A store failure on a message whose answer depends on the store.
pub fn internal(e: StoreError) -> DecodeError {
    tracing::error!(error = %e, "store failure while answering a CALL");
    DecodeError {
        code: ErrorCode::InternalError,
        description: "the central system could not record this message; retry later".into(),
    }
}

/// The time as OCPP writes it.
pub fn now_text() -> String {
    crate::domain::time::now_text()
}

/// An enum's wire name (via its serde form).
pub fn wire_name<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => String::new(),
    }
}

impl From<OcppVersion> for crate::domain::protocol::Protocol {
    fn from(v: OcppVersion) -> Self {
        match v {
            OcppVersion::V16 => crate::domain::protocol::Protocol::V16,
            OcppVersion::V201 => crate::domain::protocol::Protocol::V201,
        }
    }
}
