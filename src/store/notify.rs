//! The rows of the notification seam ([`super::NotifyStore`]): webhook subscriptions and
//! the outbox that the charger write path fills in the same commit as the state it
//! reports. `notify/` delivers from here.

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
