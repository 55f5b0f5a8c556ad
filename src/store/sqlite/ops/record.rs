//! Records: authorizations, security events and the other reports.

use rusqlite::{params, Transaction};

use super::super::outbox::{emit, Event};
use super::{cp_id, now, ts};
use crate::domain::auth::{AuthSource, AuthorizationRecord};
use crate::domain::event::ChargerEvent;
use crate::domain::notification::reservation_status;
use crate::domain::AuthStatus;

pub fn record_event(
    tx: &Transaction<'_>,
    identity: &str,
    e: &ChargerEvent,
) -> rusqlite::Result<()> {
    let cp = cp_id(tx, identity)?;
    let n = now();
    match e {
        ChargerEvent::Security {
            kind,
            tech_info,
            timestamp,
        } => {
            tx.prepare_cached(
                "INSERT INTO security_events (charge_point_id, type, tech_info, occurred_at, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![cp, kind, tech_info, ts(*timestamp), n])?;
            let at = ts(*timestamp);
            emit(tx, cp, Event::security(kind, tech_info.as_deref(), &at))?;
        }
        ChargerEvent::Reservation {
            reservation_id,
            status,
        } => {
            let changed = tx.prepare_cached(
                "UPDATE reservations SET status = ?3, updated_at = ?4 WHERE id = ?1 AND charge_point_id = ?2",
            )?
            .execute(params![reservation_id, cp, status.to_ascii_lowercase(), n])?;
            if let Some(status) = reservation_status(status).filter(|_| changed > 0) {
                emit(
                    tx,
                    cp,
                    Event::Reservation {
                        id: *reservation_id,
                        status,
                    },
                )?;
            }
        }
        ChargerEvent::Other { action, payload } => {
            tx.prepare_cached(
                "INSERT INTO charger_events (charge_point_id, kind, payload, created_at) VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![cp, action, payload.to_string(), n])?;
            if let Some(event) = Event::from_report(action, payload) {
                emit(tx, cp, event)?;
            }
            if action == "NotifyReport" {
                // The answer to a configuration sync (GetBaseReport): the snapshot.
                let entries = crate::domain::secret::redact_entries(report_entries(payload));
                let request_id = payload.get("requestId").and_then(serde_json::Value::as_i64);
                let first = payload.get("seqNo").and_then(serde_json::Value::as_i64) == Some(0);
                super::super::resources::store_configuration(tx, cp, request_id, &entries, first)?;
            }
        }
    }
    Ok(())
}
/// Configuration entries of a 2.0.1 NotifyReport, keyed by the variable's whole identity
/// (`domain::variable`, the key form the actions use), from each variable's Actual
/// attribute.
pub(crate) fn report_entries(
    payload: &serde_json::Value,
) -> Vec<crate::domain::notification::ConfigurationEntry> {
    use serde_json::Value;
    let data = payload.get("reportData").and_then(Value::as_array);
    data.into_iter()
        .flatten()
        .filter_map(|d| {
            let attributes = d.get("variableAttribute").and_then(Value::as_array)?;
            let actual = attributes
                .iter()
                .find(|a| a.get("type").and_then(Value::as_str).unwrap_or("Actual") == "Actual")?;
            Some(crate::domain::notification::ConfigurationEntry {
                key: crate::domain::variable::VariableKey::of_entry(d).to_string(),
                value: actual
                    .get("value")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
                readonly: actual.get("mutability").and_then(Value::as_str) == Some("ReadOnly"),
            })
        })
        .collect()
}
