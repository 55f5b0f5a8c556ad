//! Subscriptions and the outbox queue, alike on either engine: what the notifications
//! API and the delivery workers read and write ([`crate::store::notify`]).
//!
//! Engine differences: on PostgreSQL a resend locks its subscription's row, so that two
//! resends at once cannot both pass the interval check, and the queue heads leave out
//! the queues another node holds a delivery lease on ([`Dialect::queue_leased_elsewhere`](super::Dialect::queue_leased_elsewhere);
//! the leases themselves are kept by the PostgreSQL store). SQLite has one writer and one
//! process: neither is needed there.

use super::db::{row, Db, DbResult, Row};
use super::now;
use crate::store::notify::{
    EventStatus, OutboxDepth, OutboxEvent, QueueHead, ResendFilter, ResendOutcome, Settlement,
    Subscription, SubscriptionSpec,
};

/// Subscriptions with their topics in order, one row per topic (a subscription without
/// topics has one row with a NULL name); `{filter}` picks the subscriptions' ids.
const SUBSCRIPTIONS: &str =
    "SELECT s.id, s.via, s.callback_url, s.token_sha256, s.created_at, s.updated_at, t.name
     FROM subscriptions s LEFT JOIN subscription_topics t ON t.subscription_id = s.id";

/// The subscriptions of [`SUBSCRIPTIONS`]' rows, in the rows' order.
fn subscriptions_of(rows: &[Row]) -> DbResult<Vec<Subscription>> {
    let mut out: Vec<Subscription> = Vec::new();
    for r in rows {
        let id: i64 = r.get(0)?;
        let topic: Option<String> = r.get(6)?;
        match out.last_mut() {
            Some(s) if s.id == id => s.spec.notifications.extend(topic),
            _ => out.push(Subscription {
                id,
                spec: SubscriptionSpec {
                    via: r.get(1)?,
                    callback_url: r.get(2)?,
                    notifications: topic.into_iter().collect(),
                },
                token_sha256: r.get(3)?,
                created_at: r.get(4)?,
                updated_at: r.get(5)?,
            }),
        }
    }
    Ok(out)
}

/// Subscriptions by id, after `after`, at most `limit`.
pub async fn subscriptions(
    db: &impl Db,
    after: Option<i64>,
    limit: u32,
) -> DbResult<Vec<Subscription>> {
    let rows = db
        .all(
            &format!(
                "{SUBSCRIPTIONS} WHERE s.id IN (SELECT id FROM subscriptions WHERE id > ?1 ORDER BY id LIMIT ?2)
                 ORDER BY s.id, t.position"
            ),
            &[&after.unwrap_or(0), &limit],
        )
        .await?;
    subscriptions_of(&rows)
}

/// One subscription.
pub async fn subscription(db: &impl Db, id: i64) -> DbResult<Option<Subscription>> {
    let rows = db
        .all(
            &format!("{SUBSCRIPTIONS} WHERE s.id = ?1 ORDER BY t.position"),
            &[&id],
        )
        .await?;
    Ok(subscriptions_of(&rows)?.pop())
}

async fn set_topics(db: &impl Db, id: i64, names: &[String]) -> DbResult<()> {
    db.exec(
        "DELETE FROM subscription_topics WHERE subscription_id = ?1",
        &[&id],
    )
    .await?;
    for (i, n) in names.iter().enumerate() {
        db.exec(
            "INSERT INTO subscription_topics (name, subscription_id, position) VALUES (?1, ?2, ?3)
             ON CONFLICT (name, subscription_id) DO NOTHING",
            &[n, &id, &i],
        )
        .await?;
    }
    Ok(())
}

/// Stores a subscription made with the token whose SHA-256 (hex) is `token_sha256`.
pub async fn create_subscription(
    db: &impl Db,
    spec: &SubscriptionSpec,
    token_sha256: &str,
) -> DbResult<Subscription> {
    let id: i64 = db
        .scalar(
            "INSERT INTO subscriptions (via, callback_url, token_sha256, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?4) RETURNING id",
            &[&spec.via, &spec.callback_url, &token_sha256, &now()],
        )
        .await?;
    set_topics(db, id, &spec.notifications).await?;
    subscription(db, id)
        .await?
        .ok_or_else(|| crate::store::StoreError::unavailable("a new subscription vanished").into())
}

/// Replaces what a subscription asks for; None if there is no such subscription.
pub async fn update_subscription(
    db: &impl Db,
    id: i64,
    spec: &SubscriptionSpec,
) -> DbResult<Option<Subscription>> {
    let changed = db
        .exec(
            "UPDATE subscriptions SET via = ?2, callback_url = ?3, updated_at = ?4 WHERE id = ?1",
            &[&id, &spec.via, &spec.callback_url, &now()],
        )
        .await?;
    if changed == 0 {
        return Ok(None);
    }
    set_topics(db, id, &spec.notifications).await?;
    subscription(db, id).await
}

/// Removes a subscription with its events (they cascade); false if there was none.
pub async fn delete_subscription(db: &impl Db, id: i64) -> DbResult<bool> {
    let n = db
        .exec("DELETE FROM subscriptions WHERE id = ?1", &[&id])
        .await?;
    Ok(n > 0)
}

/// Puts a subscription's failed events matching `filter` back to pending, unless the
/// last resend was after `not_after`. Wakes delivery when it put any back.
pub async fn resend_failed(
    db: &impl Db,
    id: i64,
    filter: &ResendFilter,
    now: &str,
    not_after: &str,
) -> DbResult<ResendOutcome> {
    let last = db
        .opt(
            &format!(
                "SELECT last_resend_at FROM subscriptions WHERE id = ?1{}",
                db.dialect().for_update()
            ),
            &[&id],
        )
        .await?;
    let Some(last) = last else {
        return Ok(ResendOutcome::UnknownSubscription);
    };
    let last: Option<String> = last.get(0)?;
    if last.is_some_and(|l| l.as_str() > not_after) {
        return Ok(ResendOutcome::TooSoon);
    }
    db.exec(
        "UPDATE subscriptions SET last_resend_at = ?2 WHERE id = ?1",
        &[&id, &now],
    )
    .await?;
    let mut total = 0u64;
    for name in &filter.notifications {
        total += db
            .exec(
                "UPDATE outbox SET status = 'pending', resent = TRUE, next_attempt_at = ?2
                 WHERE subscription_id = ?1 AND status = 'failed' AND notification = ?3
                   AND (CAST(?4 AS TEXT) IS NULL OR created_at >= ?4)
                   AND (CAST(?5 AS TEXT) IS NULL OR created_at <= ?5)",
                &[&id, &now, name, &filter.start, &filter.end],
            )
            .await?;
    }
    if total > 0 {
        db.mark_emitted();
    }
    Ok(ResendOutcome::Resent(total))
}

row! { const HEAD_COLUMNS, fn from_row -> QueueHead {
    subscription_id = "o.subscription_id", charge_point_id = "o.charge_point_id",
    next_attempt_at = "o.next_attempt_at",
}}
/// Each pending queue's oldest event: (subscription, charge point, when it is due).
const HEADS: &str = "FROM outbox o
     JOIN (SELECT MIN(id) AS id FROM outbox WHERE status = 'pending'
           GROUP BY subscription_id, charge_point_id) h ON h.id = o.id";

/// The heads of the pending queues, soonest due first, at most `limit`. `node` is the
/// name of the node asking, where queues are leased to nodes: the queues another node
/// is delivering are left out until its lease runs out.
pub async fn queue_heads(db: &impl Db, limit: u32, node: Option<&str>) -> DbResult<Vec<QueueHead>> {
    let rows = match (db.dialect().queue_leased_elsewhere(), node) {
        (Some(leased), Some(node)) => {
            db.all(
                &format!("SELECT {HEAD_COLUMNS} {HEADS} WHERE NOT {leased} ORDER BY o.next_attempt_at LIMIT ?1"),
                &[&limit, &node],
            )
            .await?
        }
        _ => {
            db.all(
                &format!("SELECT {HEAD_COLUMNS} {HEADS} ORDER BY o.next_attempt_at LIMIT ?1"),
                &[&limit],
            )
            .await?
        }
    };
    rows.iter().map(QueueHead::from_row).collect()
}

const EVENT_FROM: &str = "FROM outbox o JOIN subscriptions s ON s.id = o.subscription_id";

row! { const EVENT_COLUMNS, fn from_row -> OutboxEvent {
    id = "o.id", subscription_id = "o.subscription_id", charge_point_id = "o.charge_point_id",
    notification = "o.notification", body = "o.body",
    status = "o.status" => |s: String| EventStatus::parse(&s).unwrap_or(EventStatus::Failed),
    attempts = "o.attempts" => |a: i64| u32::try_from(a).unwrap_or(u32::MAX),
    next_attempt_at = "o.next_attempt_at", last_error = "o.last_error",
    created_at = "o.created_at", delivered_at = "o.delivered_at", resent = "o.resent",
    callback_url = "s.callback_url", token_sha256 = "s.token_sha256",
}}

/// The oldest pending event of one queue.
pub async fn queue_head_event(
    db: &impl Db,
    subscription_id: i64,
    charge_point_id: i64,
) -> DbResult<Option<OutboxEvent>> {
    db.opt(
        &format!(
            "SELECT {EVENT_COLUMNS} {EVENT_FROM} WHERE o.subscription_id = ?1 AND o.charge_point_id = ?2 AND o.status = 'pending'
             ORDER BY o.id LIMIT 1"
        ),
        &[&subscription_id, &charge_point_id],
    )
    .await?
    .as_ref()
    .map(OutboxEvent::from_row)
    .transpose()
}

/// Records how an attempt ended (an event no longer pending is left as it is).
pub async fn settle(db: &impl Db, event_id: i64, outcome: &Settlement) -> DbResult<()> {
    match outcome {
        Settlement::Delivered { at } => {
            db.exec(
                "UPDATE outbox SET status = 'delivered', attempts = attempts + 1, resent = FALSE,
                   delivered_at = ?2, last_error = NULL WHERE id = ?1 AND status = 'pending'",
                &[&event_id, at],
            )
            .await?
        }
        Settlement::Retry { at, error } => {
            db.exec(
                "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?2, last_error = ?3
                 WHERE id = ?1 AND status = 'pending'",
                &[&event_id, at, error],
            )
            .await?
        }
        Settlement::Failed { error } => {
            db.exec(
                "UPDATE outbox SET status = 'failed', attempts = attempts + 1, resent = FALSE, last_error = ?2
                 WHERE id = ?1 AND status = 'pending'",
                &[&event_id, error],
            )
            .await?
        }
    };
    Ok(())
}

/// A subscription's events in one state, oldest first, at most `limit`.
pub async fn outbox_events(
    db: &impl Db,
    subscription_id: i64,
    status: EventStatus,
    limit: u32,
) -> DbResult<Vec<OutboxEvent>> {
    db.all(
        &format!("SELECT {EVENT_COLUMNS} {EVENT_FROM} WHERE o.subscription_id = ?1 AND o.status = ?2 ORDER BY o.id LIMIT ?3"),
        &[&subscription_id, &status.as_str(), &limit],
    )
    .await?
    .iter()
    .map(OutboxEvent::from_row)
    .collect()
}

/// How many events wait, and since when.
pub async fn outbox_depth(db: &impl Db) -> DbResult<OutboxDepth> {
    let r = db
        .one(
            "SELECT (SELECT COUNT(*) FROM outbox WHERE status = 'pending'),
               (SELECT created_at FROM outbox WHERE id =
                  (SELECT MIN(id) FROM outbox WHERE status = 'pending'))",
            &[],
        )
        .await?;
    Ok(OutboxDepth {
        pending: r.get::<i64>(0)?.max(0) as u64,
        oldest_pending_at: r.get(1)?,
    })
}

/// Deletes up to `limit` events delivered before `before`; returns how many.
pub async fn prune_delivered(db: &impl Db, before: &str, limit: u32) -> DbResult<u64> {
    db.exec(
        "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox
           WHERE status = 'delivered' AND delivered_at < ?1 LIMIT ?2)",
        &[&before, &limit],
    )
    .await
}
/// Claims a queue's delivery for `node` for `ttl`: true if it was free, its holder's
/// lease ran out, or it was `node`'s already (then renewed).
pub(crate) async fn claim(
    db: &impl Db,
    subscription_id: i64,
    charge_point_id: i64,
    node: &str,
    ttl: std::time::Duration,
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
pub(crate) async fn release(
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
