//! Answering the charger's CALLs: decode with the version's codec, turn the message into
//! domain terms, commit through the store, and build the answer.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use chrono::{SecondsFormat, Utc};
use serde::Serialize;
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use super::registry::Registry;
use crate::config::{DefaultAuthStatus, Settings};
use crate::domain::AuthStatus;
use crate::ocpp::{Call, DecodeError, Deviation, ErrorCode, Leniency, OcppVersion};
use crate::store::{Store, StoreError};

/// What every charger actor shares.
pub struct Shared {
    pub settings: Arc<Settings>,
    pub store: Arc<dyn Store>,
    pub registry: Registry,
    pub cancel: CancellationToken,
}

/// One connection's context.
pub struct ChargerContext {
    pub identity: Arc<str>,
    pub version: OcppVersion,
    pub leniency: Leniency,
    pub shared: Arc<Shared>,
}

impl ChargerContext {
    /// The id-tag answer while no id-tag list decides.
    pub fn authorize(&self, _id_tag: &str) -> AuthStatus {
        match self.shared.settings.auth.default_status {
            DefaultAuthStatus::Accepted => AuthStatus::Accepted,
            DefaultAuthStatus::Invalid => AuthStatus::Invalid,
        }
    }

    /// The heartbeat interval handed out in BootNotification answers, in seconds.
    pub fn heartbeat_secs(&self) -> u64 {
        self.shared.settings.ocpp.heartbeat_interval.as_secs()
    }

    /// Commits a report the charger must never see fail (status, meter values, stops,
    /// transaction events): retried a few times; if the store still fails, the answer is
    /// sent anyway and the loss is logged loudly, since a CALLERROR would only make the
    /// charger repeat the message forever.
    pub async fn commit_report<F, Fut>(&self, what: &str, mut op: F)
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<(), StoreError>>,
    {
        let mut delay = Duration::from_millis(50);
        for attempt in 1..=4 {
            match op().await {
                Ok(()) => return,
                Err(e) if attempt < 4 => {
                    tracing::warn!(what, attempt, error = %e, "store write failed; retrying");
                    tokio::time::sleep(delay).await;
                    delay *= 2;
                }
                Err(e) => {
                    tracing::error!(what, error = %e, "store write failed for good; the charger was answered anyway");
                }
            }
        }
    }
}

/// Answers one CALL: the CALLRESULT payload, or the error to answer with.
pub async fn handle(ctx: &ChargerContext, call: &Call) -> Result<Value, DecodeError> {
    match ctx.version {
        OcppVersion::V16 => super::v16::handle(ctx, call).await,
        OcppVersion::V201 => super::v201::handle(ctx, call).await,
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
    Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// An enum's wire name (via its serde form).
pub fn wire_name<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => String::new(),
    }
}
