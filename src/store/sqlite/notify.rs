//! Subscriptions and the outbox queue on SQLite: the [`NotifyStore`] methods run the
//! operations written once in `store/sql/notify.rs`. The store belongs to one process,
//! so its queues need no delivery leases (the trait's defaults claim every queue).

use std::sync::Arc;

use async_trait::async_trait;

use super::SqliteStore;
use crate::store::notify::{
    EventStatus, NotifyStore, OutboxDepth, OutboxEvent, QueueHead, ResendFilter, ResendOutcome,
    Settlement, Subscription, SubscriptionSpec,
};
use crate::store::{sql, StoreError};

impl SqliteStore {
    /// The node whose delivery leases the queue heads respect: none, one process
    /// delivers everything.
    fn lease_node(&self) -> Option<Arc<str>> {
        None
    }
}

#[async_trait]
impl NotifyStore for SqliteStore {
    async fn create_subscription(
        &self,
        spec: SubscriptionSpec,
        token_sha256: String,
    ) -> Result<Subscription, StoreError> {
        self.write_op((spec, token_sha256), |db, (spec, token)| {
            Box::pin(sql::notify::create_subscription(db, spec, token))
        })
        .await
    }

    async fn subscriptions(
        &self,
        after: Option<i64>,
        limit: u32,
    ) -> Result<Vec<Subscription>, StoreError> {
        self.read_op((), move |db, ()| {
            Box::pin(sql::notify::subscriptions(db, after, limit))
        })
        .await
    }

    async fn subscription(&self, id: i64) -> Result<Option<Subscription>, StoreError> {
        self.read_op((), move |db, ()| {
            Box::pin(sql::notify::subscription(db, id))
        })
        .await
    }

    async fn update_subscription(
        &self,
        id: i64,
        spec: SubscriptionSpec,
    ) -> Result<Option<Subscription>, StoreError> {
        self.write_op(spec, move |db, spec| {
            Box::pin(sql::notify::update_subscription(db, id, spec))
        })
        .await
    }

    async fn delete_subscription(&self, id: i64) -> Result<bool, StoreError> {
        self.write_op((), move |db, ()| {
            Box::pin(sql::notify::delete_subscription(db, id))
        })
        .await
    }

    async fn resend_failed(
        &self,
        id: i64,
        filter: ResendFilter,
        now: String,
        not_after: String,
    ) -> Result<ResendOutcome, StoreError> {
        self.write_op(
            (filter, now, not_after),
            move |db, (filter, now, not_after)| {
                Box::pin(sql::notify::resend_failed(db, id, filter, now, not_after))
            },
        )
        .await
    }

    async fn queue_heads(&self, limit: u32) -> Result<Vec<QueueHead>, StoreError> {
        self.read_op(self.lease_node(), move |db, node| {
            Box::pin(sql::notify::queue_heads(db, limit, node.as_deref()))
        })
        .await
    }

    async fn queue_head_event(
        &self,
        subscription_id: i64,
        charge_point_id: i64,
    ) -> Result<Option<OutboxEvent>, StoreError> {
        self.read_op((), move |db, ()| {
            Box::pin(sql::notify::queue_head_event(
                db,
                subscription_id,
                charge_point_id,
            ))
        })
        .await
    }

    async fn settle(&self, event_id: i64, outcome: Settlement) -> Result<(), StoreError> {
        self.write_op(outcome, move |db, outcome| {
            Box::pin(sql::notify::settle(db, event_id, outcome))
        })
        .await
    }

    async fn outbox_events(
        &self,
        subscription_id: i64,
        status: EventStatus,
        limit: u32,
    ) -> Result<Vec<OutboxEvent>, StoreError> {
        self.read_op((), move |db, ()| {
            Box::pin(sql::notify::outbox_events(
                db,
                subscription_id,
                status,
                limit,
            ))
        })
        .await
    }

    async fn outbox_depth(&self) -> Result<OutboxDepth, StoreError> {
        self.read_op((), |db, ()| Box::pin(sql::notify::outbox_depth(db)))
            .await
    }

    async fn prune_delivered(&self, before: String, limit: u32) -> Result<u64, StoreError> {
        self.write_op(before, move |db, before| {
            Box::pin(sql::notify::prune_delivered(db, before, limit))
        })
        .await
    }

    fn outbox_signal(&self) -> Arc<tokio::sync::Notify> {
        self.outbox_signal.clone()
    }
}
