//! Webhook notifications: subscriptions' events are read from the store's outbox and
//! posted to their callback URLs, at least once, in order per charge point and
//! subscription, retried with backoff, surviving restarts. Delivery runs on its own
//! tasks: a slow receiver never slows a charger or another subscription.

pub mod backoff;
pub mod deliver;
pub mod subscription;
mod worker;

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::config::NotifySettings;
use crate::store::{NotifyStore, StoreError};
pub use deliver::Keys;

/// Why delivery could not start or report.
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error("webhook client: {0}")]
    Client(String),
    #[error("{0}")]
    Store(#[from] StoreError),
}

/// Counters since start, and the backlog as last seen, for metrics.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    delivered: AtomicU64,
    retried: AtomicU64,
    failed: AtomicU64,
    /// Pending events when the dispatcher last looked.
    depth: AtomicU64,
    /// When the oldest pending event was created (Unix ms; 0 for none), as last seen.
    oldest_ms: AtomicI64,
}

/// What delivery has done and what waits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotifyStats {
    /// Events delivered since start.
    pub delivered: u64,
    /// Failed attempts that will be retried, since start.
    pub retried: u64,
    /// Events given up on (kept as failed) since start.
    pub failed: u64,
    /// Events waiting for delivery.
    pub outbox_depth: u64,
    /// How long the oldest waiting event has waited.
    pub oldest_pending_age: Option<Duration>,
}

/// The running delivery: a dispatcher task and one task per busy queue.
#[derive(Clone)]
pub struct Notifier {
    inner: Arc<worker::Inner>,
}

impl Notifier {
    /// Starts delivering from `store`, signing with `tokens` (the API's), until `cancel`.
    /// Events left pending by an earlier run are picked up at once.
    pub fn spawn(
        store: Arc<dyn NotifyStore>,
        settings: NotifySettings,
        tokens: &[String],
        cancel: CancellationToken,
        tracker: TaskTracker,
    ) -> Result<Notifier, NotifyError> {
        let client = reqwest::Client::builder()
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout.min(Duration::from_secs(10)))
            .redirect(reqwest::redirect::Policy::none())
            .dns_resolver(Arc::new(crate::security::address::Resolver {
                scope: settings.allow_callbacks_to,
                setting: "notify.allow_callbacks_to",
            }))
            .build()
            .map_err(|e| NotifyError::Client(e.to_string()))?;
        let inner = Arc::new(worker::Inner::new(
            store,
            settings,
            Keys::new(tokens),
            client,
            cancel,
            tracker.clone(),
        ));
        tracker.spawn(worker::run(inner.clone()));
        Ok(Notifier { inner })
    }

    /// Counters and the outbox's backlog.
    pub async fn stats(&self) -> Result<NotifyStats, NotifyError> {
        let depth = self.inner.store.outbox_depth().await?;
        let c = &self.inner.counters;
        let oldest_pending_age = depth
            .oldest_pending_at
            .as_deref()
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
            .map(|t| {
                (chrono::Utc::now() - t.with_timezone(&chrono::Utc))
                    .to_std()
                    .unwrap_or(Duration::ZERO)
            });
        Ok(NotifyStats {
            delivered: c.delivered.load(Ordering::Relaxed),
            retried: c.retried.load(Ordering::Relaxed),
            failed: c.failed.load(Ordering::Relaxed),
            outbox_depth: depth.pending,
            oldest_pending_age,
        })
    }

    /// The delivery figures for the metrics endpoint (the backlog as the dispatcher last
    /// saw it, at most a few seconds old).
    pub fn gauges(&self) -> Arc<dyn crate::telemetry::metrics::Gauges> {
        Arc::new(DeliveryGauges(self.inner.clone()))
    }

    /// Looks for due events now (new events wake delivery by themselves).
    pub fn wake(&self) {
        self.inner.wake.notify_one();
    }
}

struct DeliveryGauges(Arc<worker::Inner>);

impl crate::telemetry::metrics::Gauges for DeliveryGauges {
    fn gauges(&self) -> Vec<(&'static str, &'static str, f64)> {
        let c = &self.0.counters;
        let oldest = c.oldest_ms.load(Ordering::Relaxed);
        let age = if oldest > 0 {
            (chrono::Utc::now().timestamp_millis() - oldest).max(0) as f64 / 1000.0
        } else {
            0.0
        };
        vec![
            (
                "outbox_depth",
                "Notification events waiting for delivery",
                c.depth.load(Ordering::Relaxed) as f64,
            ),
            (
                "outbox_oldest_pending_seconds",
                "Age of the oldest notification event waiting for delivery",
                age,
            ),
        ]
    }

    fn counters(&self) -> Vec<(&'static str, &'static str, u64)> {
        let c = &self.0.counters;
        vec![
            (
                "webhook_delivered",
                "Notification events delivered",
                c.delivered.load(Ordering::Relaxed),
            ),
            (
                "webhook_retried",
                "Webhook attempts that failed and will be retried",
                c.retried.load(Ordering::Relaxed),
            ),
            (
                "webhook_failed",
                "Notification events given up on (kept as failed, resendable)",
                c.failed.load(Ordering::Relaxed),
            ),
        ]
    }
}
