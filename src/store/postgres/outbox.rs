//! The transactional outbox on PostgreSQL: [`emit`] writes an event's notifications,
//! one row per subscription that wants them, inside the transaction of the state change
//! that causes them, exactly as the SQLite store does (`store/sqlite/outbox.rs`): the
//! same events, notices and bodies (composed by `store/sqlite/payload.rs` from rows read
//! here).
//!
//! Writes outside the charger path (actions' results) emit the same way, inside their
//! own [`super::PostgresStore::write`], with a body from [`crate::domain::notification`]
//! as an [`Event::Prepared`].

use super::ops::now;
use super::read::session_row;
use super::tx::{DbResult, Tx};
pub(crate) use crate::store::sqlite::outbox::Event;
use crate::store::sqlite::payload::{self, Facts, Need, SessionFacts};

/// Writes the notifications `event` causes for charge point `cp`, one outbox row per
/// subscription that wants each. With no subscription for a name its body is not even
/// built. Call it inside the transaction that makes the change.
pub(crate) async fn emit(tx: &Tx<'_>, cp: i64, event: Event<'_>) -> DbResult<()> {
    // The common case on a gateway without subscribers costs one indexed lookup.
    let any: bool = tx
        .one("SELECT EXISTS (SELECT 1 FROM subscription_topics)", &[])
        .await?
        .get(0);
    if !any {
        return Ok(());
    }
    let n = now();
    for notice in event.notices() {
        let subscribers: Vec<i64> = tx
            .all(
                "SELECT subscription_id FROM subscription_topics WHERE name = $1 ORDER BY subscription_id",
                &[&notice.name()],
            )
            .await?
            .iter()
            .map(|r| r.get(0))
            .collect();
        if subscribers.is_empty() {
            continue;
        }
        let facts = match payload::need(&event, notice) {
            Need::Nothing => Facts::Nothing,
            Need::Boot => Facts::Boot(
                tx.one("SELECT last_boot FROM charge_points WHERE id = $1", &[&cp])
                    .await?
                    .get(0),
            ),
            Need::Session(id) => Facts::Session(session_facts(tx, cp, id, &n).await?.map(Box::new)),
            Need::LastRequest(kinds) => {
                let mut latest: Option<i64> = None;
                for kind in kinds {
                    let id: Option<i64> = tx
                        .one(
                            "SELECT MAX(id) FROM action_requests WHERE charge_point_id = $1 AND kind = $2",
                            &[&cp, kind],
                        )
                        .await?
                        .get(0);
                    latest = latest.max(id);
                }
                Facts::LastRequest(latest)
            }
        };
        let Some(body) = payload::compose(cp, &event, notice, &n, &facts) else {
            continue;
        };
        let body = body.to_string();
        for s in subscribers {
            tx.exec(
                "INSERT INTO outbox (subscription_id, charge_point_id, notification, body, next_attempt_at, created_at)
                 VALUES ($1, $2, $3, $4, $5, $5)",
                &[&s, &cp, &notice.name(), &body, &n],
            )
            .await?;
        }
        tx.mark_emitted();
    }
    Ok(())
}

async fn session_facts(tx: &Tx<'_>, cp: i64, id: i64, now: &str) -> DbResult<Option<SessionFacts>> {
    let Some(row) = tx
        .opt(
            &format!(
                "SELECT {}, meter_last_wh FROM sessions WHERE id = $1",
                crate::store::sqlite::read::SESSION_COLUMNS
            ),
            &[&id],
        )
        .await?
    else {
        return Ok(None);
    };
    let session = session_row(&row);
    let meter_last_wh: Option<f64> = row.get(19);
    let network_id = session.evse_network_id.unwrap_or(0);
    let evse_id = evse_id(tx, cp, network_id, now).await?;
    Ok(Some(SessionFacts {
        row: session,
        meter_last_wh,
        evse_id,
    }))
}

/// The EVSE's id for a session's EVSE number; an EVSE a session runs on but that never
/// reported a status is added (with the default status) so the id exists.
async fn evse_id(tx: &Tx<'_>, cp: i64, network_id: i64, now: &str) -> DbResult<i64> {
    const FIND: &str = "SELECT id FROM evses WHERE charge_point_id = $1 AND network_id = $2";
    if let Some(r) = tx.opt(FIND, &[&cp, &network_id]).await? {
        return Ok(r.get(0));
    }
    let added = tx
        .opt(
            "INSERT INTO evses (charge_point_id, network_id, created_at, updated_at) VALUES ($1, $2, $3, $3)
             ON CONFLICT (charge_point_id, network_id) DO NOTHING RETURNING id",
            &[&cp, &network_id, &now],
        )
        .await?;
    match added {
        Some(r) => Ok(r.get(0)),
        None => Ok(tx.one(FIND, &[&cp, &network_id]).await?.get(0)),
    }
}
