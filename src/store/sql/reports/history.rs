//! Device-model events (2.0.1 NotifyEvent, one row per `eventData` entry, with
//! `chargePoint.eventReceived` per message) and the firmware status history (every
//! FirmwareStatusNotification of either version, one row each).
//!
//! A NotifyEvent repeated because the charger lost our answer brings events already
//! kept: an entry with the event id and timestamp of a stored one is not stored again,
//! and a message with nothing new is not notified again. A 1.6 firmware status carries
//! no request id: it is that of the charger's latest `update-firmware`.

use serde_json::{json, Value};

use crate::domain::notification as names;
use crate::domain::report::{device_event_json, DeviceEvent, DeviceEvents};
use crate::store::reports::{DeviceEventView, FirmwareStatusView};
use crate::store::resources::Page;
use crate::store::sql::outbox::{emit, Event};
use crate::store::sql::resources::query::Filter;
use crate::store::sql::{cp_id, now, Db, DbResult, Row};

pub async fn record_device_events(
    db: &impl Db,
    identity: &str,
    events: &DeviceEvents,
) -> DbResult<()> {
    let cp = cp_id(db, identity).await?;
    let n = now();
    let mut new = Vec::new();
    for e in &events.events {
        let seen = db
            .opt(
                "SELECT 1 FROM device_events WHERE charge_point_id = ?1 AND event_id = ?2 AND occurred_at = ?3",
                &[&cp, &e.event_id, &e.timestamp],
            )
            .await?;
        if seen.is_some() {
            continue;
        }
        db.exec(
            "INSERT INTO device_events (charge_point_id, event_id, occurred_at, event_trigger, cause,
                 actual_value, tech_code, tech_info, cleared, transaction_id, variable_monitoring_id,
                 notification_type, component, variable, generated_at, seq_no, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
            &[
                &cp,
                &e.event_id,
                &e.timestamp,
                &e.trigger,
                &e.cause,
                &e.actual_value,
                &e.tech_code,
                &e.tech_info,
                &e.cleared,
                &e.transaction_id,
                &e.variable_monitoring_id,
                &e.notification_type,
                &e.component.to_string(),
                &e.variable.to_string(),
                &events.generated_at,
                &events.seq_no,
                &n,
            ],
        )
        .await?;
        new.push(device_event_json(e));
    }
    if new.is_empty() {
        return Ok(());
    }
    let body = json!({
        "notification": names::DEVICE_EVENT,
        "chargePointId": cp,
        "generatedAt": events.generated_at,
        "seqNo": events.seq_no,
        "tbc": events.tbc,
        "events": new,
    });
    emit(
        db,
        cp,
        Event::Prepared {
            name: names::DEVICE_EVENT,
            body,
        },
    )
    .await
}

fn device_event(r: &Row) -> DbResult<DeviceEventView> {
    let json = |t: String| serde_json::from_str(&t).unwrap_or(Value::Null);
    let e = DeviceEvent {
        event_id: r.get(2)?,
        timestamp: r.get(3)?,
        trigger: r.get(4)?,
        cause: r.get(5)?,
        actual_value: r.get(6)?,
        tech_code: r.get(7)?,
        tech_info: r.get(8)?,
        cleared: r.get(9)?,
        transaction_id: r.get(10)?,
        variable_monitoring_id: r.get(11)?,
        notification_type: r.get(12)?,
        component: json(r.get(13)?),
        variable: json(r.get(14)?),
    };
    Ok(DeviceEventView {
        id: r.get(0)?,
        charge_point_id: r.get(1)?,
        event: device_event_json(&e),
        generated_at: r.get(15)?,
        seq_no: r.get(16)?,
        created_at: r.get(17)?,
    })
}

pub async fn device_events(
    db: &impl Db,
    cp: i64,
    event_id: Option<i64>,
    page: Page,
) -> DbResult<Vec<DeviceEventView>> {
    let mut w = Filter::new(db.dialect());
    w.eq("charge_point_id", Some(cp)).eq("event_id", event_id);
    let sql = format!(
        "SELECT id, charge_point_id, event_id, occurred_at, event_trigger, cause, actual_value,
                tech_code, tech_info, cleared, transaction_id, variable_monitoring_id,
                notification_type, component, variable, generated_at, seq_no, created_at
         FROM device_events{}",
        w.page_sql("id", page)
    );
    db.all(&sql, &w.params())
        .await?
        .iter()
        .map(device_event)
        .collect()
}

/// Keeps a firmware status report (1.6 FirmwareStatusNotification or
/// SignedFirmwareStatusNotification, 2.0.1 FirmwareStatusNotification) as a row.
pub async fn record_firmware_status(db: &impl Db, cp: i64, payload: &Value) -> DbResult<()> {
    let status = payload
        .get("status")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let request_id = match payload.get("requestId").and_then(Value::as_i64) {
        Some(id) => Some(id),
        None => db
            .one(
                "SELECT MAX(id) FROM action_requests WHERE charge_point_id = ?1 AND kind = 'firmware'",
                &[&cp],
            )
            .await?
            .get(0)?,
    };
    db.exec(
        "INSERT INTO firmware_status_logs (charge_point_id, status, request_id, created_at) VALUES (?1, ?2, ?3, ?4)",
        &[&cp, &status, &request_id, &now()],
    )
    .await?;
    Ok(())
}

pub async fn firmware_statuses(
    db: &impl Db,
    cp: i64,
    page: Page,
) -> DbResult<Vec<FirmwareStatusView>> {
    let mut w = Filter::new(db.dialect());
    w.eq("charge_point_id", Some(cp));
    let sql = format!(
        "SELECT id, status, request_id, created_at FROM firmware_status_logs{}",
        w.page_sql("id", page)
    );
    db.all(&sql, &w.params())
        .await?
        .iter()
        .map(|r| {
            Ok(FirmwareStatusView {
                id: r.get(0)?,
                status: r.get(1)?,
                request_id: r.get(2)?,
                created_at: r.get(3)?,
            })
        })
        .collect()
}
