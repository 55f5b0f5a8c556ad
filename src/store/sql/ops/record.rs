//! Records: authorizations, security events, configuration snapshots and the other
//! reports.

use crate::domain::auth::{AuthSource, AuthorizationRecord};
use crate::domain::event::ChargerEvent;
use crate::domain::notification::reservation_status;
use crate::domain::AuthStatus;
use crate::store::sql::outbox::{emit, Event};
use crate::store::sql::{cp_id, now, ts, Db, DbResult};

pub async fn record_authorization(
    db: &impl Db,
    identity: &str,
    a: &AuthorizationRecord,
) -> DbResult<()> {
    let cp = cp_id(db, identity).await?;
    let (status, rejection) = match a.status {
        AuthStatus::Accepted => ("accepted", None),
        other => ("rejected", Some(other.as_v16().to_ascii_lowercase())),
    };
    let source = match a.source {
        AuthSource::Local => "local",
        AuthSource::Upstream => "third_party",
        AuthSource::Policy => "local",
    };
    let at = ts(a.at);
    let id: i64 = db
        .scalar(
            "INSERT INTO authorizations (charge_point_id, id_tag, status, rejection_reason, method, source, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, 'rfid_tag', ?5, ?6, ?6) RETURNING id",
            &[&cp, &a.id_tag, &status, &rejection, &source, &at],
        ).await?;
    emit(
        db,
        cp,
        Event::authorization(id, &a.id_tag, a.status.as_v16(), &at),
    )
    .await
}

pub async fn record_event(db: &impl Db, identity: &str, e: &ChargerEvent) -> DbResult<()> {
    match e {
        ChargerEvent::ReportPart(part) => {
            return crate::store::sql::reports::record_part(db, identity, part).await
        }
        ChargerEvent::DeviceEvents(events) => {
            return crate::store::sql::reports::history::record_device_events(db, identity, events)
                .await
        }
        _ => {}
    }
    let cp = cp_id(db, identity).await?;
    let n = now();
    match e {
        ChargerEvent::Security {
            kind,
            tech_info,
            timestamp,
        } => {
            let at = ts(*timestamp);
            db.exec(
                "INSERT INTO security_events (charge_point_id, type, tech_info, occurred_at, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                &[&cp, kind, tech_info, &at, &n],
            )
            .await?;
            emit(db, cp, Event::security(kind, tech_info.as_deref(), &at)).await?;
        }
        ChargerEvent::Reservation {
            reservation_id,
            status,
        } => {
            let changed = db
                .exec(
                    "UPDATE reservations SET status = ?3, updated_at = ?4 WHERE id = ?1 AND charge_point_id = ?2",
                    &[reservation_id, &cp, &status.to_ascii_lowercase(), &n],
                )
                .await?;
            if let Some(status) = reservation_status(status).filter(|_| changed > 0) {
                emit(
                    db,
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
            db.exec(
                "INSERT INTO charger_events (charge_point_id, kind, payload, created_at) VALUES (?1, ?2, ?3, ?4)",
                &[&cp, action, &payload.to_string(), &n],
            )
            .await?;
            if let Some(event) = Event::from_report(action, payload) {
                emit(db, cp, event).await?;
            }
            if matches!(
                action.as_str(),
                "FirmwareStatusNotification" | "SignedFirmwareStatusNotification"
            ) {
                crate::store::sql::reports::history::record_firmware_status(db, cp, payload)
                    .await?;
            }
            if action == "NotifyReport" {
                // The answer to a configuration sync (GetBaseReport): the snapshot.
                let entries = crate::domain::secret::redact_entries(report_entries(payload));
                let request_id = payload.get("requestId").and_then(serde_json::Value::as_i64);
                let first = payload.get("seqNo").and_then(serde_json::Value::as_i64) == Some(0);
                crate::store::sql::resources::action::store_configuration(
                    db, cp, request_id, &entries, first,
                )
                .await?;
            }
        }
        ChargerEvent::ReportPart(_) | ChargerEvent::DeviceEvents(_) => {}
    }
    Ok(())
}

pub use crate::domain::report::report_entries;
