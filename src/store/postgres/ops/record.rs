//! Records: authorizations, security events, configuration snapshots and the other
//! reports.

use super::super::outbox::{emit, Event};
use super::super::tx::{DbResult, Tx};
use super::{cp_id, now, ts};
use crate::domain::auth::{AuthSource, AuthorizationRecord};
use crate::domain::event::ChargerEvent;
use crate::domain::notification::{self, reservation_status, ConfigurationEntry};
use crate::domain::AuthStatus;
use crate::store::sqlite::ops::report_entries;

pub(crate) async fn record_event(tx: &Tx<'_>, identity: &str, e: &ChargerEvent) -> DbResult<()> {
    let cp = cp_id(tx, identity).await?;
    let n = now();
    match e {
        ChargerEvent::Security {
            kind,
            tech_info,
            timestamp,
        } => {
            let at = ts(*timestamp);
            tx.exec(
                "INSERT INTO security_events (charge_point_id, type, tech_info, occurred_at, created_at) VALUES ($1, $2, $3, $4, $5)",
                &[&cp, kind, tech_info, &at, &n],
            )
            .await?;
            emit(tx, cp, Event::security(kind, tech_info.as_deref(), &at)).await?;
        }
        ChargerEvent::Reservation {
            reservation_id,
            status,
        } => {
            let changed = tx
                .exec(
                    "UPDATE reservations SET status = $3, updated_at = $4 WHERE id = $1 AND charge_point_id = $2",
                    &[reservation_id, &cp, &status.to_ascii_lowercase(), &n],
                )
                .await?;
            if let Some(status) = reservation_status(status).filter(|_| changed > 0) {
                emit(
                    tx,
                    cp,
                    Event::Reservation {
                        id: *reservation_id,
                        status,
                    },
                )
                .await?;
            }
        }
        ChargerEvent::Other { action, payload } => {
            tx.exec(
                "INSERT INTO charger_events (charge_point_id, kind, payload, created_at) VALUES ($1, $2, $3, $4)",
                &[&cp, action, &payload.to_string(), &n],
            )
            .await?;
            if let Some(event) = Event::from_report(action, payload) {
                emit(tx, cp, event).await?;
            }
            if action == "NotifyReport" {
                // The answer to a configuration sync (GetBaseReport): the snapshot.
                let entries = crate::domain::secret::redact_entries(report_entries(payload));
                let request_id = payload.get("requestId").and_then(serde_json::Value::as_i64);
                let first = payload.get("seqNo").and_then(serde_json::Value::as_i64) == Some(0);
                store_configuration(tx, cp, request_id, &entries, first).await?;
            }
        }
    }
    Ok(())
}

/// Stores a configuration snapshot of charge point `cp` (replacing the stored one when
/// `replace`) and emits its SyncConfiguration notification.
pub(crate) async fn store_configuration(
    tx: &Tx<'_>,
    cp: i64,
    request_id: Option<i64>,
    entries: &[ConfigurationEntry],
    replace: bool,
) -> DbResult<()> {
    let n = now();
    if replace {
        tx.exec(
            "DELETE FROM configurations WHERE charge_point_id = $1",
            &[&cp],
        )
        .await?;
    }
    for e in entries {
        tx.exec(
            "INSERT INTO configurations (charge_point_id, key, value, readonly, updated_at) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (charge_point_id, key) DO UPDATE SET value = $3, readonly = $4, updated_at = $5",
            &[&cp, &e.key, &e.value, &e.readonly, &n],
        )
        .await?;
    }
    let body = notification::sync_configuration(cp, request_id, entries, None, &n);
    emit(
        tx,
        cp,
        Event::Prepared {
            name: notification::SYNC_CONFIGURATION,
            body,
        },
    )
    .await
}
