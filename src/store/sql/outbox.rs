//! The transactional outbox: [`emit`] writes an event's notifications, one row per
//! subscription that wants them, inside the transaction of the state change that causes
//! them. Either both commit or neither does.
//!
//! Code that changes state outside the charger write path (actions' results) emits the
//! same way, inside its own write operation, with a body from the
//! builders of [`crate::domain::notification`]:
//!
//! ```text
//! store.write(move |tx| {
//!     // ... record the configuration snapshot ...
//!     let body = notification::sync_configuration(cp, Some(request_id), &entries, None, &at);
//!     emit(db, cp, Event::Prepared { name: notification::SYNC_CONFIGURATION, body }).await?;
//!     // charging profile:  notification::charging_profile_applied(cp, evse, session, profile, &at)
//!     // reservation:       Event::Reservation { id, status: notification::reservation_status(s)? }
//!     Ok(())
//! })
//! ```

use super::db::{Db, DbResult};
pub use super::event::{Event, Notice};
use super::now;
use super::payload;

/// Writes the notifications `event` causes for charge point `cp`, one outbox row per
/// subscription that wants each. With no subscription for a name its body is not even
/// built. Call it inside the transaction that makes the change.
pub async fn emit(db: &impl Db, cp: i64, event: Event<'_>) -> DbResult<()> {
    // The common case on a gateway without subscribers costs one indexed lookup.
    let any: bool = db
        .scalar("SELECT EXISTS (SELECT 1 FROM subscription_topics)", &[])
        .await?;
    if !any {
        return Ok(());
    }
    let n = now();
    for notice in event.notices() {
        let subscribers = db
            .all(
                "SELECT subscription_id FROM subscription_topics WHERE name = ?1 ORDER BY subscription_id",
                &[&notice.name()],
            )
            .await?;
        if subscribers.is_empty() {
            continue;
        }
        let Some(body) = payload::build(db, cp, &event, notice, &n).await? else {
            continue;
        };
        let body = body.to_string();
        for s in subscribers {
            let s: i64 = s.get(0)?;
            db.exec(
                "INSERT INTO outbox (subscription_id, charge_point_id, notification, body, next_attempt_at, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
                &[&s, &cp, &notice.name(), &body, &n],
            )
            .await?;
        }
        db.mark_emitted();
    }
    Ok(())
}
