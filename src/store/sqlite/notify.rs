//! Subscriptions and the outbox queue on SQLite: what the notifications API and the
//! delivery workers read and write.

use std::sync::Arc;

use async_trait::async_trait;
use rusqlite::{params, Connection, OptionalExtension, Row, Transaction};

use super::ops::now;
use super::{outbox, SqliteStore};
use crate::store::notify::{
    EventStatus, NotifyStore, OutboxDepth, OutboxEvent, QueueHead, ResendFilter, ResendOutcome,
    Settlement, Subscription, SubscriptionSpec,
};
use crate::store::StoreError;

const SUBSCRIPTION: &str =
    "SELECT id, via, callback_url, token_sha256, created_at, updated_at FROM subscriptions";

fn subscription_row(c: &Connection, r: &Row<'_>) -> rusqlite::Result<Subscription> {
    let id: i64 = r.get(0)?;
    let mut stmt = c.prepare_cached(
        "SELECT name FROM subscription_topics WHERE subscription_id = ?1 ORDER BY position",
    )?;
    let notifications = stmt
        .query_map([id], |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    Ok(Subscription {
        id,
        spec: SubscriptionSpec {
            via: r.get(1)?,
            callback_url: r.get(2)?,
            notifications,
        },
        token_sha256: r.get(3)?,
        created_at: r.get(4)?,
        updated_at: r.get(5)?,
    })
}

fn subscription_by_id(c: &Connection, id: i64) -> rusqlite::Result<Option<Subscription>> {
    c.prepare_cached(&format!("{SUBSCRIPTION} WHERE id = ?1"))?
        .query_row([id], |r| subscription_row(c, r))
        .optional()
}

fn set_topics(tx: &Transaction<'_>, id: i64, names: &[String]) -> rusqlite::Result<()> {
    tx.prepare_cached("DELETE FROM subscription_topics WHERE subscription_id = ?1")?
        .execute([id])?;
    let mut insert = tx.prepare_cached(
        "INSERT INTO subscription_topics (name, subscription_id, position) VALUES (?1, ?2, ?3)
         ON CONFLICT (name, subscription_id) DO NOTHING",
    )?;
    for (i, n) in names.iter().enumerate() {
        insert.execute(params![n, id, i as i64])?;
    }
    Ok(())
}

const EVENT: &str =
    "SELECT o.id, o.subscription_id, o.charge_point_id, o.notification, o.body, o.status,
    o.attempts, o.next_attempt_at, o.last_error, o.created_at, o.delivered_at, o.resent,
    s.callback_url, s.token_sha256
    FROM outbox o JOIN subscriptions s ON s.id = o.subscription_id";

fn event_row(r: &Row<'_>) -> rusqlite::Result<OutboxEvent> {
    let status: String = r.get(5)?;
    Ok(OutboxEvent {
        id: r.get(0)?,
        subscription_id: r.get(1)?,
        charge_point_id: r.get(2)?,
        notification: r.get(3)?,
        body: r.get(4)?,
        status: EventStatus::parse(&status).unwrap_or(EventStatus::Failed),
        attempts: r.get(6)?,
        next_attempt_at: r.get(7)?,
        last_error: r.get(8)?,
        created_at: r.get(9)?,
        delivered_at: r.get(10)?,
        resent: r.get(11)?,
        callback_url: r.get(12)?,
        token_sha256: r.get(13)?,
    })
}

#[async_trait]
impl NotifyStore for SqliteStore {
    async fn create_subscription(
        &self,
        spec: SubscriptionSpec,
        token_sha256: String,
    ) -> Result<Subscription, StoreError> {
        let id = self
            .write(move |tx| {
                let n = now();
                let id: i64 = tx
                    .prepare_cached(
                        "INSERT INTO subscriptions (via, callback_url, token_sha256, created_at, updated_at)
                         VALUES (?1, ?2, ?3, ?4, ?4) RETURNING id",
                    )?
                    .query_row(params![spec.via, spec.callback_url, token_sha256, n], |r| {
                        r.get(0)
                    })?;
                set_topics(tx, id, &spec.notifications)?;
                Ok(id)
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
        self.read(move |c| {
            let mut stmt = c.prepare_cached(&format!(
                "{SUBSCRIPTION} WHERE id > ?1 ORDER BY id LIMIT ?2"
            ))?;
            let rows = stmt.query_map(params![after.unwrap_or(0), limit], |r| {
                subscription_row(c, r)
            })?;
            rows.collect()
        })
        .await
    }

    async fn subscription(&self, id: i64) -> Result<Option<Subscription>, StoreError> {
        self.read(move |c| subscription_by_id(c, id)).await
    }

    async fn update_subscription(
        &self,
        id: i64,
        spec: SubscriptionSpec,
    ) -> Result<Option<Subscription>, StoreError> {
        let found = self
            .write(move |tx| {
                let changed = tx
                    .prepare_cached(
                        "UPDATE subscriptions SET via = ?2, callback_url = ?3, updated_at = ?4 WHERE id = ?1",
                    )?
                    .execute(params![id, spec.via, spec.callback_url, now()])?;
                if changed > 0 {
                    set_topics(tx, id, &spec.notifications)?;
                }
                Ok(changed > 0)
            })
            .await?;
        if !found {
            return Ok(None);
        }
        self.subscription(id).await
    }

    async fn delete_subscription(&self, id: i64) -> Result<bool, StoreError> {
        self.write(move |tx| {
            let n = tx
                .prepare_cached("DELETE FROM subscriptions WHERE id = ?1")?
                .execute([id])?;
            Ok(n > 0)
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
        self.write(move |tx| {
            let last: Option<Option<String>> = tx
                .prepare_cached("SELECT last_resend_at FROM subscriptions WHERE id = ?1")?
                .query_row([id], |r| r.get(0))
                .optional()?;
            let Some(last) = last else {
                return Ok(ResendOutcome::UnknownSubscription);
            };
            if last.is_some_and(|l| l > not_after) {
                return Ok(ResendOutcome::TooSoon);
            }
            tx.prepare_cached("UPDATE subscriptions SET last_resend_at = ?2 WHERE id = ?1")?
                .execute(params![id, now])?;
            let mut stmt = tx.prepare_cached(
                "UPDATE outbox SET status = 'pending', resent = 1, next_attempt_at = ?2
                 WHERE subscription_id = ?1 AND status = 'failed' AND notification = ?3
                   AND (?4 IS NULL OR created_at >= ?4) AND (?5 IS NULL OR created_at <= ?5)",
            )?;
            let mut total = 0u64;
            for name in &filter.notifications {
                total += stmt.execute(params![id, now, name, filter.start, filter.end])? as u64;
            }
            if total > 0 {
                outbox::mark_emitted();
            }
            Ok(ResendOutcome::Resent(total))
        })
        .await
    }

    async fn queue_heads(&self, limit: u32) -> Result<Vec<QueueHead>, StoreError> {
        self.read(move |c| {
            let mut stmt = c.prepare_cached(
                "SELECT o.subscription_id, o.charge_point_id, o.next_attempt_at FROM outbox o
                 JOIN (SELECT MIN(id) AS id FROM outbox WHERE status = 'pending'
                       GROUP BY subscription_id, charge_point_id) h ON h.id = o.id
                 ORDER BY o.next_attempt_at LIMIT ?1",
            )?;
            let rows = stmt.query_map([limit], |r| {
                Ok(QueueHead {
                    subscription_id: r.get(0)?,
                    charge_point_id: r.get(1)?,
                    next_attempt_at: r.get(2)?,
                })
            })?;
            rows.collect()
        })
        .await
    }

    async fn queue_head_event(
        &self,
        subscription_id: i64,
        charge_point_id: i64,
    ) -> Result<Option<OutboxEvent>, StoreError> {
        self.read(move |c| {
            c.prepare_cached(&format!(
                "{EVENT} WHERE o.subscription_id = ?1 AND o.charge_point_id = ?2 AND o.status = 'pending'
                 ORDER BY o.id LIMIT 1"
            ))?
            .query_row(params![subscription_id, charge_point_id], event_row)
            .optional()
        })
        .await
    }

    async fn settle(&self, event_id: i64, outcome: Settlement) -> Result<(), StoreError> {
        self.write(move |tx| {
            let mut stmt = match &outcome {
                Settlement::Delivered { .. } => tx.prepare_cached(
                    "UPDATE outbox SET status = 'delivered', attempts = attempts + 1, resent = 0,
                       delivered_at = ?2, last_error = NULL WHERE id = ?1 AND status = 'pending'",
                )?,
                Settlement::Retry { .. } => tx.prepare_cached(
                    "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?2, last_error = ?3
                     WHERE id = ?1 AND status = 'pending'",
                )?,
                Settlement::Failed { .. } => tx.prepare_cached(
                    "UPDATE outbox SET status = 'failed', attempts = attempts + 1, resent = 0, last_error = ?2
                     WHERE id = ?1 AND status = 'pending'",
                )?,
            };
            match &outcome {
                Settlement::Delivered { at } => stmt.execute(params![event_id, at])?,
                Settlement::Retry { at, error } => stmt.execute(params![event_id, at, error])?,
                Settlement::Failed { error } => stmt.execute(params![event_id, error])?,
            };
            Ok(())
        })
        .await
    }

    async fn outbox_events(
        &self,
        subscription_id: i64,
        status: EventStatus,
        limit: u32,
    ) -> Result<Vec<OutboxEvent>, StoreError> {
        self.read(move |c| {
            let mut stmt = c.prepare_cached(&format!(
                "{EVENT} WHERE o.subscription_id = ?1 AND o.status = ?2 ORDER BY o.id LIMIT ?3"
            ))?;
            let rows =
                stmt.query_map(params![subscription_id, status.as_str(), limit], event_row)?;
            rows.collect()
        })
        .await
    }

    async fn outbox_depth(&self) -> Result<OutboxDepth, StoreError> {
        self.read(|c| {
            c.query_row(
                "SELECT (SELECT COUNT(*) FROM outbox WHERE status = 'pending'),
                   (SELECT created_at FROM outbox WHERE id =
                      (SELECT MIN(id) FROM outbox WHERE status = 'pending'))",
                [],
                |r| {
                    Ok(OutboxDepth {
                        pending: r.get::<_, i64>(0)?.max(0) as u64,
                        oldest_pending_at: r.get(1)?,
                    })
                },
            )
        })
        .await
    }

    async fn prune_delivered(&self, before: String, limit: u32) -> Result<u64, StoreError> {
        self.write(move |tx| {
            let n = tx
                .prepare_cached(
                    "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox
                       WHERE status = 'delivered' AND delivered_at < ?1 LIMIT ?2)",
                )?
                .execute(params![before, limit])?;
            Ok(n as u64)
        })
        .await
    }

    fn outbox_signal(&self) -> Arc<tokio::sync::Notify> {
        self.outbox_signal.clone()
    }
}
