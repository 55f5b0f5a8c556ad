//! Subscriptions and the outbox queue on PostgreSQL, as on SQLite (`store/sqlite/notify.rs`),
//! plus the delivery leases that let several nodes share one outbox: a node delivers a
//! (subscription, charge point) queue only while it holds the queue's row in
//! `outbox_leases`, and the dispatcher does not even see queues another node holds.
//! Lease times come from the database's clock, so nodes' clocks need not agree.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use tokio_postgres::Row;

use super::ops::now;
use super::tx::{DbResult, Tx};
use super::PostgresStore;
use crate::store::notify::{
    EventStatus, NotifyStore, OutboxDepth, OutboxEvent, QueueHead, ResendFilter, ResendOutcome,
    Settlement, Subscription, SubscriptionSpec,
};
use crate::store::StoreError;

const SUBSCRIPTION: &str = "SELECT s.id, s.via, s.callback_url, s.token_sha256, s.created_at, s.updated_at,
    ARRAY(SELECT t.name FROM subscription_topics t WHERE t.subscription_id = s.id ORDER BY t.position)
    FROM subscriptions s";

fn subscription_row(r: &Row) -> Subscription {
    Subscription {
        id: r.get(0),
        spec: SubscriptionSpec {
            via: r.get(1),
            callback_url: r.get(2),
            notifications: r.get(6),
        },
        token_sha256: r.get(3),
        created_at: r.get(4),
        updated_at: r.get(5),
    }
}

async fn set_topics(tx: &Tx<'_>, id: i64, names: &[String]) -> DbResult<()> {
    tx.exec(
        "DELETE FROM subscription_topics WHERE subscription_id = $1",
        &[&id],
    )
    .await?;
    for (i, n) in names.iter().enumerate() {
        tx.exec(
            "INSERT INTO subscription_topics (name, subscription_id, position) VALUES ($1, $2, $3)
             ON CONFLICT (name, subscription_id) DO NOTHING",
            &[n, &id, &(i as i64)],
        )
        .await?;
    }
    Ok(())
}

const EVENT: &str =
    "SELECT o.id, o.subscription_id, o.charge_point_id, o.notification, o.body, o.status,
    o.attempts, o.next_attempt_at, o.last_error, o.created_at, o.delivered_at, o.resent,
    s.callback_url, s.token_sha256
    FROM outbox o JOIN subscriptions s ON s.id = o.subscription_id";

fn event_row(r: &Row) -> OutboxEvent {
    let status: String = r.get(5);
    let attempts: i64 = r.get(6);
    OutboxEvent {
        id: r.get(0),
        subscription_id: r.get(1),
        charge_point_id: r.get(2),
        notification: r.get(3),
        body: r.get(4),
        status: EventStatus::parse(&status).unwrap_or(EventStatus::Failed),
        attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
        next_attempt_at: r.get(7),
        last_error: r.get(8),
        created_at: r.get(9),
        delivered_at: r.get(10),
        resent: r.get(11),
        callback_url: r.get(12),
        token_sha256: r.get(13),
    }
}

async fn resend(
    tx: &Tx<'_>,
    id: i64,
    filter: &ResendFilter,
    now: &str,
    not_after: &str,
) -> DbResult<ResendOutcome> {
    // Locked: two resends at once cannot both pass the interval check.
    let last = tx
        .opt(
            "SELECT last_resend_at FROM subscriptions WHERE id = $1 FOR UPDATE",
            &[&id],
        )
        .await?;
    let Some(last) = last.map(|r| r.get::<_, Option<String>>(0)) else {
        return Ok(ResendOutcome::UnknownSubscription);
    };
    if last.is_some_and(|l| l.as_str() > not_after) {
        return Ok(ResendOutcome::TooSoon);
    }
    tx.exec(
        "UPDATE subscriptions SET last_resend_at = $2 WHERE id = $1",
        &[&id, &now],
    )
    .await?;
    let mut total = 0u64;
    for name in &filter.notifications {
        total += tx
            .exec(
                "UPDATE outbox SET status = 'pending', resent = TRUE, next_attempt_at = $2
                 WHERE subscription_id = $1 AND status = 'failed' AND notification = $3
                   AND ($4::TEXT IS NULL OR created_at >= $4) AND ($5::TEXT IS NULL OR created_at <= $5)",
                &[&id, &now, name, &filter.start, &filter.end],
            )
            .await?;
    }
    if total > 0 {
        tx.mark_emitted();
    }
    Ok(ResendOutcome::Resent(total))
}

async fn settle(tx: &Tx<'_>, event_id: i64, outcome: &Settlement) -> DbResult<()> {
    match outcome {
        Settlement::Delivered { at } => {
            tx.exec(
                "UPDATE outbox SET status = 'delivered', attempts = attempts + 1, resent = FALSE,
                   delivered_at = $2, last_error = NULL WHERE id = $1 AND status = 'pending'",
                &[&event_id, at],
            )
            .await?
        }
        Settlement::Retry { at, error } => {
            tx.exec(
                "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = $2, last_error = $3
                 WHERE id = $1 AND status = 'pending'",
                &[&event_id, at, error],
            )
            .await?
        }
        Settlement::Failed { error } => {
            tx.exec(
                "UPDATE outbox SET status = 'failed', attempts = attempts + 1, resent = FALSE, last_error = $2
                 WHERE id = $1 AND status = 'pending'",
                &[&event_id, error],
            )
            .await?
        }
    };
    Ok(())
}

#[async_trait]
impl NotifyStore for PostgresStore {
    async fn create_subscription(
        &self,
        spec: SubscriptionSpec,
        token_sha256: String,
    ) -> Result<Subscription, StoreError> {
        let id = self
            .write((spec, token_sha256), |tx, (spec, token)| {
                Box::pin(async move {
                    let id: i64 = tx
                        .one(
                            "INSERT INTO subscriptions (via, callback_url, token_sha256, created_at, updated_at)
                             VALUES ($1, $2, $3, $4, $4) RETURNING id",
                            &[&spec.via, &spec.callback_url, token, &now()],
                        )
                        .await?
                        .get(0);
                    set_topics(tx, id, &spec.notifications).await?;
                    Ok(id)
                })
            })
            .await?;
        self.subscription(id)
            .await?
            .ok_or_else(|| StoreError::Unavailable("a new subscription vanished".into()))
    }

    async fn subscriptions(
        &self,
        after: Option<i64>,
        limit: u32,
    ) -> Result<Vec<Subscription>, StoreError> {
        let rows = self
            .query(
                &format!("{SUBSCRIPTION} WHERE s.id > $1 ORDER BY s.id LIMIT $2"),
                &[&after.unwrap_or(0), &i64::from(limit)],
            )
            .await?;
        Ok(rows.iter().map(subscription_row).collect())
    }

    async fn subscription(&self, id: i64) -> Result<Option<Subscription>, StoreError> {
        let rows = self
            .query(&format!("{SUBSCRIPTION} WHERE s.id = $1"), &[&id])
            .await?;
        Ok(rows.first().map(subscription_row))
    }

    async fn update_subscription(
        &self,
        id: i64,
        spec: SubscriptionSpec,
    ) -> Result<Option<Subscription>, StoreError> {
        let found = self
            .write(spec, |tx, spec| {
                Box::pin(async move {
                    let changed = tx
                        .exec(
                            "UPDATE subscriptions SET via = $2, callback_url = $3, updated_at = $4 WHERE id = $1",
                            &[&id, &spec.via, &spec.callback_url, &now()],
                        )
                        .await?;
                    if changed > 0 {
                        set_topics(tx, id, &spec.notifications).await?;
                    }
                    Ok(changed > 0)
                })
            })
            .await?;
        if !found {
            return Ok(None);
        }
        self.subscription(id).await
    }

    async fn delete_subscription(&self, id: i64) -> Result<bool, StoreError> {
        self.write((), |tx, ()| {
            Box::pin(async move {
                let n = tx
                    .exec("DELETE FROM subscriptions WHERE id = $1", &[&id])
                    .await?;
                Ok(n > 0)
            })
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
        self.write((filter, now, not_after), |tx, (filter, now, not_after)| {
            Box::pin(resend(tx, id, filter, now, not_after))
        })
        .await
    }

    async fn queue_heads(&self, limit: u32) -> Result<Vec<QueueHead>, StoreError> {
        // Queues another node is delivering are left out until its lease runs out.
        let rows = self
            .query(
                "SELECT o.subscription_id, o.charge_point_id, o.next_attempt_at FROM outbox o
                 JOIN (SELECT MIN(id) AS id FROM outbox WHERE status = 'pending'
                       GROUP BY subscription_id, charge_point_id) h ON h.id = o.id
                 WHERE NOT EXISTS (SELECT 1 FROM outbox_leases l
                   WHERE l.subscription_id = o.subscription_id AND l.charge_point_id = o.charge_point_id
                     AND l.node_id <> $2 AND l.until > now())
                 ORDER BY o.next_attempt_at LIMIT $1",
                &[&i64::from(limit), &self.node_id()],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| QueueHead {
                subscription_id: r.get(0),
                charge_point_id: r.get(1),
                next_attempt_at: r.get(2),
            })
            .collect())
    }

    async fn queue_head_event(
        &self,
        subscription_id: i64,
        charge_point_id: i64,
    ) -> Result<Option<OutboxEvent>, StoreError> {
        let rows = self
            .query(
                &format!(
                    "{EVENT} WHERE o.subscription_id = $1 AND o.charge_point_id = $2 AND o.status = 'pending'
                     ORDER BY o.id LIMIT 1"
                ),
                &[&subscription_id, &charge_point_id],
            )
            .await?;
        Ok(rows.first().map(event_row))
    }

    async fn settle(&self, event_id: i64, outcome: Settlement) -> Result<(), StoreError> {
        self.write(outcome, |tx, outcome| {
            Box::pin(settle(tx, event_id, outcome))
        })
        .await
    }

    async fn outbox_events(
        &self,
        subscription_id: i64,
        status: EventStatus,
        limit: u32,
    ) -> Result<Vec<OutboxEvent>, StoreError> {
        let rows = self
            .query(
                &format!(
                    "{EVENT} WHERE o.subscription_id = $1 AND o.status = $2 ORDER BY o.id LIMIT $3"
                ),
                &[&subscription_id, &status.as_str(), &i64::from(limit)],
            )
            .await?;
        Ok(rows.iter().map(event_row).collect())
    }

    async fn outbox_depth(&self) -> Result<OutboxDepth, StoreError> {
        let rows = self
            .query(
                "SELECT (SELECT COUNT(*) FROM outbox WHERE status = 'pending'),
                   (SELECT created_at FROM outbox WHERE id =
                      (SELECT MIN(id) FROM outbox WHERE status = 'pending'))",
                &[],
            )
            .await?;
        Ok(rows
            .first()
            .map_or_else(OutboxDepth::default, |r| OutboxDepth {
                pending: r.get::<_, i64>(0).max(0) as u64,
                oldest_pending_at: r.get(1),
            }))
    }

    async fn prune_delivered(&self, before: String, limit: u32) -> Result<u64, StoreError> {
        self.write(before, |tx, before| {
            Box::pin(async move {
                tx.exec(
                    "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox
                       WHERE status = 'delivered' AND delivered_at < $1 LIMIT $2)",
                    &[before, &i64::from(limit)],
                )
                .await
            })
        })
        .await
    }

    fn outbox_signal(&self) -> Arc<tokio::sync::Notify> {
        self.outbox_signal.clone()
    }

    async fn claim_queue(
        &self,
        subscription_id: i64,
        charge_point_id: i64,
        ttl: Duration,
    ) -> Result<bool, StoreError> {
        let node: &str = &self.node_id;
        let claimed = self
            .write(node, |tx, node| {
                Box::pin(async move {
                    // A queue of a subscription deleted meanwhile cannot be claimed.
                    let live = tx
                        .opt(
                            "SELECT 1 FROM subscriptions WHERE id = $1 FOR KEY SHARE",
                            &[&subscription_id],
                        )
                        .await?;
                    if live.is_none() {
                        return Ok(false);
                    }
                    let row = tx
                        .opt(
                            "INSERT INTO outbox_leases (subscription_id, charge_point_id, node_id, until)
                             VALUES ($1, $2, $3, now() + make_interval(secs => $4))
                             ON CONFLICT (subscription_id, charge_point_id) DO UPDATE
                               SET node_id = excluded.node_id, until = excluded.until
                               WHERE outbox_leases.node_id = excluded.node_id OR outbox_leases.until <= now()
                             RETURNING node_id",
                            &[&subscription_id, &charge_point_id, node, &ttl.as_secs_f64()],
                        )
                        .await?;
                    Ok(row.is_some())
                })
            })
            .await?;
        Ok(claimed)
    }

    async fn release_queue(
        &self,
        subscription_id: i64,
        charge_point_id: i64,
    ) -> Result<(), StoreError> {
        let node: &str = &self.node_id;
        self.write(node, |tx, node| {
            Box::pin(async move {
                tx.exec(
                    "DELETE FROM outbox_leases WHERE subscription_id = $1 AND charge_point_id = $2 AND node_id = $3",
                    &[&subscription_id, &charge_point_id, node],
                )
                .await?;
                Ok(())
            })
        })
        .await
    }
}
