//! [`NotifyStore`] on [`SqlStore`]: subscriptions and the outbox queue (`sql::notify`).
//! On PostgreSQL several nodes share one outbox: a node delivers a (subscription,
//! charge point) queue only while it holds the queue's row in `outbox_leases`, and the
//! dispatcher does not even see queues another node holds; lease times come from the
//! database's clock. On SQLite one process delivers every queue and leases nothing.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use crate::store::notify::{
    EventStatus, NotifyStore, OutboxDepth, OutboxEvent, QueueHead, ResendFilter, ResendOutcome,
    Settlement, Subscription, SubscriptionSpec,
};
use crate::store::sql::store::{on_engine, SqlStore};
use crate::store::sql::{Db, DbResult};
use crate::store::{sql, StoreError};

/// Claims a queue's delivery for `node` for `ttl`: true if it was free, its holder's
/// lease ran out, or it was `node`'s already (then renewed).
async fn claim(
    db: &impl Db,
    subscription_id: i64,
    charge_point_id: i64,
    node: &str,
    ttl: Duration,
) -> DbResult<bool> {
    // A queue of a subscription deleted meanwhile cannot be claimed.
    let live = db
        .opt(
            "SELECT 1 FROM subscriptions WHERE id = ?1 FOR KEY SHARE",
            &[&subscription_id],
        )
        .await?;
    if live.is_none() {
        return Ok(false);
    }
    let row = db
        .opt(
            "INSERT INTO outbox_leases (subscription_id, charge_point_id, node_id, until)
             VALUES (?1, ?2, ?3, now() + make_interval(secs => ?4))
             ON CONFLICT (subscription_id, charge_point_id) DO UPDATE
               SET node_id = excluded.node_id, until = excluded.until
               WHERE outbox_leases.node_id = excluded.node_id OR outbox_leases.until <= now()
             RETURNING node_id",
            &[
                &subscription_id,
                &charge_point_id,
                &node,
                &ttl.as_secs_f64(),
            ],
        )
        .await?;
    Ok(row.is_some())
}

/// Gives up `node`'s lease on a queue.
async fn release(
    db: &impl Db,
    subscription_id: i64,
    charge_point_id: i64,
    node: &str,
) -> DbResult<()> {
    db.exec(
        "DELETE FROM outbox_leases WHERE subscription_id = ?1 AND charge_point_id = ?2 AND node_id = ?3",
        &[&subscription_id, &charge_point_id, &node],
    )
    .await?;
    Ok(())
}

#[async_trait]
impl NotifyStore for SqlStore {
    async fn create_subscription(
        &self,
        spec: SubscriptionSpec,
        token_sha256: String,
    ) -> Result<Subscription, StoreError> {
        on_engine!(self, write_op, (spec, token_sha256), |db, (spec, token)| {
            Box::pin(sql::notify::create_subscription(db, spec, token))
        })
    }

    async fn subscriptions(
        &self,
        after: Option<i64>,
        limit: u32,
    ) -> Result<Vec<Subscription>, StoreError> {
        on_engine!(self, read_op, (), move |db, ()| {
            Box::pin(sql::notify::subscriptions(db, after, limit))
        })
    }

    async fn subscription(&self, id: i64) -> Result<Option<Subscription>, StoreError> {
        on_engine!(self, read_op, (), move |db, ()| {
            Box::pin(sql::notify::subscription(db, id))
        })
    }

    async fn update_subscription(
        &self,
        id: i64,
        spec: SubscriptionSpec,
    ) -> Result<Option<Subscription>, StoreError> {
        on_engine!(self, write_op, spec, move |db, spec| {
            Box::pin(sql::notify::update_subscription(db, id, spec))
        })
    }

    async fn delete_subscription(&self, id: i64) -> Result<bool, StoreError> {
        on_engine!(self, write_op, (), move |db, ()| {
            Box::pin(sql::notify::delete_subscription(db, id))
        })
    }

    async fn resend_failed(
        &self,
        id: i64,
        filter: ResendFilter,
        now: String,
        not_after: String,
    ) -> Result<ResendOutcome, StoreError> {
        on_engine!(self, write_op, (filter, now, not_after), move |db,
                                                                   (
            filter,
            now,
            not_after,
        )| {
            Box::pin(sql::notify::resend_failed(db, id, filter, now, not_after))
        },)
    }

    async fn queue_heads(&self, limit: u32) -> Result<Vec<QueueHead>, StoreError> {
        on_engine!(self, read_op, self.cluster_node(), move |db, node| {
            Box::pin(sql::notify::queue_heads(db, limit, node.as_deref()))
        })
    }

    async fn queue_head_event(
        &self,
        subscription_id: i64,
        charge_point_id: i64,
    ) -> Result<Option<OutboxEvent>, StoreError> {
        on_engine!(self, read_op, (), move |db, ()| {
            Box::pin(sql::notify::queue_head_event(
                db,
                subscription_id,
                charge_point_id,
            ))
        })
    }

    async fn settle(&self, event_id: i64, outcome: Settlement) -> Result<(), StoreError> {
        on_engine!(self, write_op, outcome, move |db, outcome| {
            Box::pin(sql::notify::settle(db, event_id, outcome))
        })
    }

    async fn outbox_events(
        &self,
        subscription_id: i64,
        status: EventStatus,
        limit: u32,
    ) -> Result<Vec<OutboxEvent>, StoreError> {
        on_engine!(self, read_op, (), move |db, ()| {
            Box::pin(sql::notify::outbox_events(
                db,
                subscription_id,
                status,
                limit,
            ))
        })
    }

    async fn outbox_depth(&self) -> Result<OutboxDepth, StoreError> {
        on_engine!(self, read_op, (), |db, ()| Box::pin(
            sql::notify::outbox_depth(db)
        ))
    }

    async fn prune_delivered(&self, before: String, limit: u32) -> Result<u64, StoreError> {
        on_engine!(self, write_op, before, move |db, before| {
            Box::pin(sql::notify::prune_delivered(db, before, limit))
        })
    }

    fn outbox_signal(&self) -> Arc<tokio::sync::Notify> {
        self.signal()
    }

    async fn claim_queue(
        &self,
        subscription_id: i64,
        charge_point_id: i64,
        ttl: Duration,
    ) -> Result<bool, StoreError> {
        // One process delivers every queue: nothing to claim.
        let Some(node) = self.cluster_node() else {
            return Ok(true);
        };
        on_engine!(self, write_op, node, move |db, node| {
            Box::pin(claim(db, subscription_id, charge_point_id, node, ttl))
        })
    }

    async fn release_queue(
        &self,
        subscription_id: i64,
        charge_point_id: i64,
    ) -> Result<(), StoreError> {
        let Some(node) = self.cluster_node() else {
            return Ok(());
        };
        on_engine!(self, write_op, node, move |db, node| {
            Box::pin(release(db, subscription_id, charge_point_id, node))
        })
    }
}
