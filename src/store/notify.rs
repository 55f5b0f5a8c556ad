//! The notification seam: webhook subscriptions and the outbox that the charger write
//! path fills in the same commit as the state it reports. `notify/` delivers from here.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use super::StoreError;

/// What a subscription asks for (the body of a create or an update).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubscriptionSpec {
    /// Always `webhook` for now.
    pub via: String,
    pub callback_url: String,
    pub notifications: Vec<String>,
}

/// A stored subscription.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subscription {
    pub id: i64,
    pub spec: SubscriptionSpec,
    /// Hex SHA-256 of the API token that created it: deliveries are signed with that token.
    pub token_sha256: String,
    pub created_at: String,
    pub updated_at: String,
}

/// The oldest pending event of one (subscription, charge point) queue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueueHead {
    pub subscription_id: i64,
    pub charge_point_id: i64,
    pub next_attempt_at: String,
}

/// Where an outbox event stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventStatus {
    Pending,
    Delivered,
    Failed,
}

impl EventStatus {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            EventStatus::Pending => "pending",
            EventStatus::Delivered => "delivered",
            EventStatus::Failed => "failed",
        }
    }

    /// The status of a stored name.
    pub fn parse(s: &str) -> Option<EventStatus> {
        Some(match s {
            "pending" => EventStatus::Pending,
            "delivered" => EventStatus::Delivered,
            "failed" => EventStatus::Failed,
            _ => return None,
        })
    }
}

/// One event for one subscription, with what delivering it needs.
#[derive(Clone, Debug, PartialEq)]
pub struct OutboxEvent {
    /// Stable across retries and restarts: the `X-Notification-Id`.
    pub id: i64,
    pub subscription_id: i64,
    pub charge_point_id: i64,
    pub notification: String,
    /// The JSON body exactly as it is posted (and signed).
    pub body: String,
    pub status: EventStatus,
    pub attempts: u32,
    pub next_attempt_at: String,
    pub last_error: Option<String>,
    pub created_at: String,
    pub delivered_at: Option<String>,
    /// Put back by a resend: one more attempt, then failed again if it fails.
    pub resent: bool,
    pub callback_url: String,
    pub token_sha256: String,
}

/// How a delivery attempt ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Settlement {
    Delivered { at: String },
    Retry { at: String, error: String },
    Failed { error: String },
}

/// Which failed events a resend puts back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResendFilter {
    pub notifications: Vec<String>,
    pub start: Option<String>,
    pub end: Option<String>,
}

/// What a resend did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResendOutcome {
    /// No such subscription.
    UnknownSubscription,
    /// The previous resend of this subscription was too recent.
    TooSoon,
    /// This many failed events are pending again.
    Resent(u64),
}

/// The outbox's backlog.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OutboxDepth {
    pub pending: u64,
    pub oldest_pending_at: Option<String>,
}

/// Subscriptions and the outbox. Every method commits before it returns.
#[async_trait]
pub trait NotifyStore: Send + Sync + 'static {
    /// Stores a subscription made with the token whose SHA-256 (hex) is `token_sha256`.
    async fn create_subscription(
        &self,
        spec: SubscriptionSpec,
        token_sha256: String,
    ) -> Result<Subscription, StoreError>;
    /// Subscriptions by id, after `after`, at most `limit`.
    async fn subscriptions(
        &self,
        after: Option<i64>,
        limit: u32,
    ) -> Result<Vec<Subscription>, StoreError>;
    /// One subscription.
    async fn subscription(&self, id: i64) -> Result<Option<Subscription>, StoreError>;
    /// Replaces what a subscription asks for; None if there is no such subscription.
    async fn update_subscription(
        &self,
        id: i64,
        spec: SubscriptionSpec,
    ) -> Result<Option<Subscription>, StoreError>;
    /// Removes a subscription with its events; false if there was none.
    async fn delete_subscription(&self, id: i64) -> Result<bool, StoreError>;
    /// Puts a subscription's failed events matching `filter` back to pending, unless the
    /// last resend was after `not_after` (then [`ResendOutcome::TooSoon`]).
    async fn resend_failed(
        &self,
        id: i64,
        filter: ResendFilter,
        now: String,
        not_after: String,
    ) -> Result<ResendOutcome, StoreError>;
    /// The heads of the pending queues, soonest due first, at most `limit`.
    async fn queue_heads(&self, limit: u32) -> Result<Vec<QueueHead>, StoreError>;
    /// The oldest pending event of one queue.
    async fn queue_head_event(
        &self,
        subscription_id: i64,
        charge_point_id: i64,
    ) -> Result<Option<OutboxEvent>, StoreError>;
    /// Records how an attempt ended.
    async fn settle(&self, event_id: i64, outcome: Settlement) -> Result<(), StoreError>;
    /// A subscription's events in one state, oldest first, at most `limit`.
    async fn outbox_events(
        &self,
        subscription_id: i64,
        status: EventStatus,
        limit: u32,
    ) -> Result<Vec<OutboxEvent>, StoreError>;
    /// How many events wait, and since when.
    async fn outbox_depth(&self) -> Result<OutboxDepth, StoreError>;
    /// Deletes up to `limit` events delivered before `before`; returns how many.
    async fn prune_delivered(&self, before: String, limit: u32) -> Result<u64, StoreError>;
    /// Notified after every commit that wrote outbox events.
    fn outbox_signal(&self) -> Arc<tokio::sync::Notify>;
    /// Claims the delivery of one queue for `ttl`; true if this process holds it now (it
    /// was free, its holder's claim ran out, or it was this process's already: then the
    /// claim is renewed). A store that several processes share keeps the claims, so that
    /// each queue has one deliverer at a time; a store of one process needs none.
    async fn claim_queue(
        &self,
        _subscription_id: i64,
        _charge_point_id: i64,
        _ttl: Duration,
    ) -> Result<bool, StoreError> {
        Ok(true)
    }
    /// Gives up this process's claim on a queue (it is empty, or its head waits for a
    /// retry), so that any process may take it when it is due.
    async fn release_queue(
        &self,
        _subscription_id: i64,
        _charge_point_id: i64,
    ) -> Result<(), StoreError> {
        Ok(())
    }
}
