//! Logs and metrics. Logging: a `tracing` subscriber, human-readable or JSON, filtered
//! by `log.level` (or `RUST_LOG` when set). Libraries that would print raw frames or
//! headers (and so passwords, keys and tokens) are held at `info` whatever the filter
//! says: the gateway logs frames itself, redacted.

pub mod frames;
pub mod metrics;

pub use metrics::Metrics;

use tracing_subscriber::EnvFilter;

use crate::config::{LogFormat, LogSettings};

/// Directives that keep secrets out of the logs at any level.
const QUIET_LIBRARIES: &[&str] = &[
    "tungstenite=info",
    "tokio_tungstenite=info",
    "hyper=info",
    "hyper_util=info",
    "h2=info",
    "reqwest=info",
    "rustls=info",
];

/// Installs the global subscriber. Calling it twice is harmless (the second is ignored).
pub fn init(log: &LogSettings) -> Result<(), String> {
    let filter = match std::env::var("RUST_LOG") {
        Ok(f) if !f.is_empty() => EnvFilter::try_new(f),
        _ => EnvFilter::try_new(&log.level),
    }
    .map_err(|e| format!("log.level {:?}: {e}", log.level))?;
    let filter = QUIET_LIBRARIES
        .iter()
        .filter_map(|d| d.parse().ok())
        .fold(filter, EnvFilter::add_directive);
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    let _ = match log.format {
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
        LogFormat::Pretty => builder.try_init(),
    };
    Ok(())
}
