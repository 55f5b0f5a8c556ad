//! The dispatcher and the queue tasks. A queue is one (subscription, charge point) pair:
//! its events go one at a time, oldest first, so a later event never overtakes an
//! earlier one; a failing head holds back only its own queue. Each subscription has its
//! own limit of requests in flight, so a dead receiver cannot starve another. When
//! several nodes share the outbox, a queue task first claims its queue in the store
//! (renewed before each attempt, given back when the queue is empty or waits for a
//! retry), so each queue has one deliverer at a time and a dead node's queues are taken
//! over once its claims run out.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::{Notify, Semaphore};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::{deliver, Counters, Keys};
use crate::config::NotifySettings;
use crate::store::notify::Settlement;
use crate::store::{NotifyStore, StoreError};

/// Queue heads looked at per round, beyond the queues already busy.
const HEADS_PER_ROUND: u32 = 512;
/// A queue task that hit a store error waits this long before handing back.
const STORE_ERROR_PAUSE: Duration = Duration::from_secs(1);
/// How often delivered events past their retention are deleted, and how many at a time
/// (small batches keep the writer's commits short).
const PRUNE_EVERY: Duration = Duration::from_secs(600);
const PRUNE_BATCH: u32 = 5000;
/// The shortest time between two rounds: under a stream of new events the dispatcher
/// looks at the queues at most this often instead of once per commit.
const ROUND_GAP: Duration = Duration::from_millis(20);
/// How often the backlog figures for the metrics are refreshed.
const DEPTH_EVERY: Duration = Duration::from_secs(5);
/// A queue's claim outlasts one attempt (at most `notify.timeout`) by this much, which
/// covers settling the attempt and renewing the claim.
const CLAIM_MARGIN: Duration = Duration::from_secs(15);

type QueueKey = (i64, i64);

/// What the tasks share.
pub(crate) struct Inner {
    pub(crate) store: Arc<dyn NotifyStore>,
    settings: NotifySettings,
    keys: Keys,
    client: reqwest::Client,
    busy: Mutex<HashSet<QueueKey>>,
    limits: Mutex<HashMap<i64, Arc<Semaphore>>>,
    pub(crate) counters: Counters,
    pub(crate) wake: Arc<Notify>,
    cancel: CancellationToken,
    tracker: TaskTracker,
}

impl Inner {
    pub(crate) fn new(
        store: Arc<dyn NotifyStore>,
        settings: NotifySettings,
        keys: Keys,
        client: reqwest::Client,
        cancel: CancellationToken,
        tracker: TaskTracker,
    ) -> Inner {
        let wake = store.outbox_signal();
        Inner {
            store,
            settings,
            keys,
            client,
            busy: Mutex::new(HashSet::new()),
            limits: Mutex::new(HashMap::new()),
            counters: Counters::default(),
            wake,
            cancel,
            tracker,
        }
    }

    fn busy(&self) -> std::sync::MutexGuard<'_, HashSet<QueueKey>> {
        self.busy.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn limit(&self, subscription: i64) -> Arc<Semaphore> {
        let mut limits = self.limits.lock().unwrap_or_else(|p| p.into_inner());
        limits
            .entry(subscription)
            .or_insert_with(|| Arc::new(Semaphore::new(self.settings.concurrency)))
            .clone()
    }
}

/// The dispatcher: starts a task for every queue whose head is due, then sleeps until
/// new events commit, a queue hands back, the next retry is due, or the poll interval.
pub(crate) async fn run(inner: Arc<Inner>) {
    let mut pruned_at: Option<tokio::time::Instant> = None;
    let mut measured_at: Option<tokio::time::Instant> = None;
    loop {
        if measured_at.is_none_or(|t| t.elapsed() >= DEPTH_EVERY) {
            measure(&inner).await;
            measured_at = Some(tokio::time::Instant::now());
        }
        if pruned_at.is_none_or(|t| t.elapsed() >= PRUNE_EVERY) {
            prune(&inner).await;
            pruned_at = Some(tokio::time::Instant::now());
        }
        let round = tokio::time::Instant::now();
        let next = match dispatch(&inner).await {
            Ok(next) => next,
            Err(e) => {
                tracing::warn!(error = %e, "notify: cannot read the outbox");
                None
            }
        };
        let poll = inner.settings.poll_interval;
        let sleep = next.map_or(poll, |n| n.min(poll));
        tokio::select! {
            _ = inner.cancel.cancelled() => return,
            _ = inner.wake.notified() => {}
            _ = tokio::time::sleep(sleep) => {}
        }
        tokio::select! {
            _ = inner.cancel.cancelled() => return,
            _ = tokio::time::sleep_until(round + ROUND_GAP) => {}
        }
    }
}

/// Refreshes the backlog figures the metrics show.
async fn measure(inner: &Inner) {
    match inner.store.outbox_depth().await {
        Ok(d) => {
            let oldest = d
                .oldest_pending_at
                .as_deref()
                .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                .map_or(0, |t| t.timestamp_millis());
            inner.counters.depth.store(d.pending, Ordering::Relaxed);
            inner.counters.oldest_ms.store(oldest, Ordering::Relaxed);
        }
        Err(e) => tracing::warn!(error = %e, "notify: cannot measure the outbox"),
    }
}

/// Deletes delivered events older than the retention, a batch at a time.
async fn prune(inner: &Inner) {
    let Ok(keep) = chrono::Duration::from_std(inner.settings.retention) else {
        return;
    };
    let before = crate::domain::time::text(Utc::now() - keep);
    loop {
        match inner
            .store
            .prune_delivered(before.clone(), PRUNE_BATCH)
            .await
        {
            Ok(n) if n == u64::from(PRUNE_BATCH) && !inner.cancel.is_cancelled() => continue,
            Ok(_) => return,
            Err(e) => {
                tracing::warn!(error = %e, "notify: cannot prune delivered events");
                return;
            }
        }
    }
}

fn due_in(at: &str, now: DateTime<Utc>) -> Duration {
    DateTime::parse_from_rfc3339(at)
        .map(|t| {
            (t.with_timezone(&Utc) - now)
                .to_std()
                .unwrap_or(Duration::ZERO)
        })
        .unwrap_or(Duration::ZERO)
}

/// One round; returns how long until the soonest head that is not due yet.
async fn dispatch(inner: &Arc<Inner>) -> Result<Option<Duration>, StoreError> {
    let busy = inner.busy().len() as u32;
    let heads = inner.store.queue_heads(HEADS_PER_ROUND + busy).await?;
    let now = Utc::now();
    let mut next: Option<Duration> = None;
    for h in heads {
        let wait = due_in(&h.next_attempt_at, now);
        if !wait.is_zero() {
            next = Some(next.map_or(wait, |n| n.min(wait)));
            continue;
        }
        let key = (h.subscription_id, h.charge_point_id);
        if !inner.busy().insert(key) {
            continue;
        }
        let task = inner.clone();
        inner.tracker.spawn(async move {
            if let Err(e) = drain(&task, key).await {
                tracing::warn!(error = %e, subscription = key.0, charge_point = key.1, "notify: queue paused");
                tokio::select! {
                    _ = task.cancel.cancelled() => {}
                    _ = tokio::time::sleep(STORE_ERROR_PAUSE) => {}
                }
            }
            task.busy().remove(&key);
            // The dispatcher may have skipped this queue while it was busy.
            task.wake.notify_one();
        });
    }
    Ok(next)
}

/// Delivers one queue's due events in order, until it is empty or its head must wait,
/// holding the queue's claim meanwhile.
async fn drain(inner: &Inner, (subscription, charge_point): QueueKey) -> Result<(), StoreError> {
    let ttl = inner.settings.timeout + CLAIM_MARGIN;
    // Taken before asking: the claim counts from when the database made it, later.
    let claimed_at = tokio::time::Instant::now();
    if !inner
        .store
        .claim_queue(subscription, charge_point, ttl)
        .await?
    {
        // Another node delivers this queue.
        return Ok(());
    }
    let delivered = deliver_queue(inner, (subscription, charge_point), ttl, claimed_at).await;
    let released = inner.store.release_queue(subscription, charge_point).await;
    delivered.and(released)
}

async fn deliver_queue(
    inner: &Inner,
    (subscription, charge_point): QueueKey,
    ttl: Duration,
    mut claimed_at: tokio::time::Instant,
) -> Result<(), StoreError> {
    let limit = inner.limit(subscription);
    loop {
        if inner.cancel.is_cancelled() {
            return Ok(());
        }
        let permit = tokio::select! {
            _ = inner.cancel.cancelled() => return Ok(()),
            p = limit.acquire() => p,
        };
        // Renewed before the head is read once a third of it has passed: a claim that
        // ran out while this task waited may have let another node deliver the head.
        if claimed_at.elapsed() > ttl / 3 {
            let renewed_at = tokio::time::Instant::now();
            if !inner
                .store
                .claim_queue(subscription, charge_point, ttl)
                .await?
            {
                return Ok(());
            }
            claimed_at = renewed_at;
        }
        let Some(event) = inner
            .store
            .queue_head_event(subscription, charge_point)
            .await?
        else {
            return Ok(());
        };
        if !due_in(&event.next_attempt_at, Utc::now()).is_zero() {
            return Ok(());
        }
        let outcome = tokio::select! {
            // Shutting down mid-request: the event stays pending for the next run.
            _ = inner.cancel.cancelled() => return Ok(()),
            o = deliver::attempt(&inner.client, &inner.keys, &inner.settings, &event) => o,
        };
        drop(permit);
        let retry = matches!(outcome, Settlement::Retry { .. });
        match &outcome {
            Settlement::Delivered { .. } => &inner.counters.delivered,
            Settlement::Retry { error, .. } => {
                tracing::debug!(event = event.id, %error, "notify: delivery failed; will retry");
                &inner.counters.retried
            }
            Settlement::Failed { error } => {
                tracing::warn!(event = event.id, subscription, %error, "notify: event kept as failed");
                &inner.counters.failed
            }
        }
        .fetch_add(1, Ordering::Relaxed);
        inner.store.settle(event.id, outcome).await?;
        if retry {
            return Ok(());
        }
    }
}
