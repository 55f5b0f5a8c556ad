//! Notification bodies built from the rows of the transaction that emits them, in the
//! reference's shapes: `chargePointId` is the charge point's id, `evseId` the EVSE's id.
//! What a body needs from the store ([`need`]) is read by the store that emits it; the
//! body itself is composed from those rows by [`compose`], shared by every store.

use serde_json::{json, Value};

use super::db::{Db, DbResult};
use super::event::{Event, Notice};
use super::read::{SessionRow, SESSION_COLUMNS};
use crate::domain::notification::{self as names, Change};
use crate::domain::session::{average_power, base_value};
use crate::domain::MeterSample;

/// What a notification body needs from the store besides the event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Need {
    Nothing,
    /// The charge point's stored `last_boot`.
    Boot,
    /// The session with this id, its latest meter reading and its EVSE's id.
    Session(i64),
    /// The latest action request id of these kinds for the charge point: the requestId
    /// of a status report that carries none (1.6 DiagnosticsStatus, FirmwareStatus).
    LastRequest(&'static [&'static str]),
}

/// The rows a body is built from, as [`need`] asked for them.
#[derive(Clone, Debug)]
pub enum Facts {
    Nothing,
    /// The charge point's `last_boot` JSON text.
    Boot(Option<String>),
    /// None when the session is gone.
    Session(Option<Box<SessionFacts>>),
    /// None when no such action was sent.
    LastRequest(Option<i64>),
}

/// A session as a notification body sees it.
#[derive(Clone, Debug)]
pub struct SessionFacts {
    pub row: SessionRow,
    pub meter_last_wh: Option<f64>,
    /// The id of the EVSE the session runs on (added when it never reported a status).
    pub evse_id: i64,
}

/// What the body of `notice` for `event` needs to read.
pub fn need(event: &Event<'_>, notice: Notice) -> Need {
    match (event, notice) {
        (Event::Boot, Notice::Plain(names::BOOT)) => Need::Boot,
        (Event::Session { id, .. }, _) => Need::Session(*id),
        (Event::DiagnosticsStatus(p, kinds), _) if request_id(p).is_none() => {
            Need::LastRequest(kinds)
        }
        (Event::FirmwareStatus(p), _) if request_id(p).is_none() => {
            Need::LastRequest(&["firmware"])
        }
        _ => Need::Nothing,
    }
}

/// The body of `notice` for `event` on charge point `cp`; None when there is nothing
/// to say (a session that is gone).
pub async fn build(
    db: &impl Db,
    cp: i64,
    event: &Event<'_>,
    notice: Notice,
    now: &str,
) -> DbResult<Option<Value>> {
    let facts = match need(event, notice) {
        Need::Nothing => Facts::Nothing,
        Need::Boot => Facts::Boot(
            db.scalar("SELECT last_boot FROM charge_points WHERE id = ?1", &[&cp])
                .await?,
        ),
        Need::Session(id) => Facts::Session(session_facts(db, cp, id, now).await?.map(Box::new)),
        Need::LastRequest(kinds) => Facts::LastRequest(last_request(db, cp, kinds).await?),
    };
    Ok(compose(cp, event, notice, now, &facts))
}

/// A report's own `requestId` (2.0.1 LogStatus/FirmwareStatus, 1.6 security extension).
pub fn request_id(p: &Value) -> Option<i64> {
    p.get("requestId").and_then(Value::as_i64)
}

/// The latest request id of these kinds the gateway handed out for charge point `cp`.
async fn last_request(db: &impl Db, cp: i64, kinds: &[&str]) -> DbResult<Option<i64>> {
    let mut latest = None;
    for kind in kinds {
        let id: Option<i64> = db
            .scalar(
                "SELECT MAX(id) FROM action_requests WHERE charge_point_id = ?1 AND kind = ?2",
                &[&cp, kind],
            )
            .await?;
        latest = latest.max(id);
    }
    Ok(latest)
}

async fn session_facts(
    db: &impl Db,
    cp: i64,
    id: i64,
    now: &str,
) -> DbResult<Option<SessionFacts>> {
    let Some(r) = db
        .opt(
            &format!("SELECT {SESSION_COLUMNS}, meter_last_wh FROM sessions WHERE id = ?1"),
            &[&id],
        )
        .await?
    else {
        return Ok(None);
    };
    let (row, meter_last_wh) = (SessionRow::from_row(&r)?, r.get::<Option<f64>>(19)?);
    let evse_id = evse_id(db, cp, row.evse_network_id.unwrap_or(0), now).await?;
    Ok(Some(SessionFacts {
        row,
        meter_last_wh,
        evse_id,
    }))
}

/// The body of `notice` for `event` on charge point `cp` from the rows `facts` (read as
/// [`need`] asked); None when there is nothing to say.
pub fn compose(
    cp: i64,
    event: &Event<'_>,
    notice: Notice,
    now: &str,
    facts: &Facts,
) -> Option<Value> {
    let body = match (event, notice) {
        (Event::Connection { status }, Notice::Plain(names::NETWORK_STATUS)) => json!({
            "notification": names::NETWORK_STATUS,
            "chargePointId": cp,
            "networkStatus": network_status(status),
            "timestamp": now,
        }),
        (Event::Boot, Notice::Plain(names::BOOT)) => {
            let stored = match facts {
                Facts::Boot(b) => b.as_deref(),
                _ => None,
            };
            boot(stored, cp, now)
        }
        (
            Event::EvseStatus {
                evse,
                status,
                error_code,
                at,
                ..
            },
            Notice::Plain(names::HARDWARE_STATUS),
        ) => {
            let mut b = json!({
                "notification": names::HARDWARE_STATUS,
                "chargePointId": cp,
                "hardwareStatus": status,
                "errorCode": error_code,
                "timestamp": at,
            });
            if let Some(e) = evse {
                b["evseId"] = json!(e);
            }
            b
        }
        (
            Event::EvseStatus {
                evse: Some(e),
                created,
                ..
            },
            Notice::Plain(names::EVSE_CHANGED),
        ) => json!({
            "notification": names::EVSE_CHANGED,
            "evseId": e,
            "action": if *created { Change::Created } else { Change::Updated }.as_str(),
            "lastUpdatedAt": now,
        }),
        (Event::ChargePointChanged(change), _) => charge_point_changed(cp, *change, now),
        (Event::FirmwareStatus(p), _) => {
            let mut b = charge_point_changed(cp, Change::Updated, now);
            // An extension of chargePoint.changed: which firmware action this reports on.
            b["firmwareStatus"] = json!({
                "status": p.get("status").and_then(Value::as_str).unwrap_or_default(),
                "requestId": request_id(p).or(last(facts)),
            });
            b
        }
        (_, Notice::Plain(names::CHARGE_POINT_CHANGED)) => {
            charge_point_changed(cp, Change::Updated, now)
        }
        (Event::Session { samples, .. }, notice) => {
            let Facts::Session(Some(s)) = facts else {
                return None;
            };
            return session(s, cp, notice, samples, now);
        }
        (
            Event::Authorization {
                id,
                id_tag,
                status,
                at,
            },
            _,
        ) => json!({
            "notification": names::AUTHORIZATION,
            "authorizationId": id,
            "chargePointId": cp,
            "idTag": id_tag,
            "status": status,
            "lastUpdatedAt": at,
        }),
        (
            Event::Security {
                kind,
                tech_info,
                at,
            },
            _,
        ) => {
            let mut b = json!({
                "notification": names::SECURITY_EVENT,
                "chargePointId": cp,
                "type": kind,
                "critical": names::security_event_is_critical(kind),
                "timestamp": at,
            });
            if let Some(t) = tech_info {
                b["techInfo"] = json!(t);
            }
            b
        }
        (Event::DataTransfer(p), _) => data_transfer(cp, p),
        (Event::DiagnosticsStatus(p, _), _) => diagnostics_status(cp, p, facts, now),
        (Event::Reservation { id, status }, _) => names::reservation_changed(*id, status, now),
        (Event::Prepared { body, .. }, _) => body.clone(),
        _ => return None,
    };
    Some(body)
}

fn charge_point_changed(cp: i64, change: Change, now: &str) -> Value {
    json!({
        "notification": names::CHARGE_POINT_CHANGED,
        "chargePointId": cp,
        "action": change.as_str(),
        "lastUpdatedAt": now,
    })
}

/// The reference's network status for a stored one.
pub fn network_status(stored: &str) -> &'static str {
    match stored {
        "available" => "available",
        "never_connected" => "never connected",
        "long_term_unavailable" => "long-term unavailable",
        _ => "temporarily unavailable",
    }
}

fn boot(stored: Option<&str>, cp: i64, now: &str) -> Value {
    let b: Value = stored
        .and_then(|s| serde_json::from_str(s).ok())
        .unwrap_or(Value::Null);
    let text = |k: &str| b.get(k).and_then(Value::as_str).map(str::to_owned);
    json!({
        "notification": names::BOOT,
        "chargePointId": cp,
        "timestamp": now,
        "bootNotification": {
            "vendor": text("vendor").unwrap_or_default(),
            "model": text("model").unwrap_or_default(),
            "charge_point_serial_number": text("chargePointSerialNumber"),
            "firmware_version": text("firmwareVersion"),
            "reason": text("reason"),
        },
    })
}

fn data_transfer(cp: i64, p: &Value) -> Value {
    let mut b = json!({
        "notification": names::DATA_TRANSFER,
        "chargePointId": cp,
        "vendorId": p.get("vendorId").and_then(Value::as_str).unwrap_or_default(),
    });
    if let Some(m) = p.get("messageId").and_then(Value::as_str) {
        b["messageId"] = json!(m);
    }
    match p.get("data") {
        None | Some(Value::Null) => {}
        Some(Value::String(s)) => b["data"] = json!(s),
        // 2.0.1 data may be any JSON: passed on as its text.
        Some(other) => b["data"] = json!(other.to_string()),
    }
    b
}

/// The request id found for a report without one.
fn last(facts: &Facts) -> Option<i64> {
    match facts {
        Facts::LastRequest(id) => *id,
        _ => None,
    }
}

fn diagnostics_status(cp: i64, p: &Value, facts: &Facts, now: &str) -> Value {
    let status = match p.get("status").and_then(Value::as_str).unwrap_or_default() {
        "Uploaded" => "uploaded",
        "Uploading" => "uploading",
        "Idle" | "AcceptedCanceled" => "idle",
        _ => "uploadfailed",
    };
    json!({
        "notification": names::DIAGNOSTICS_STATUS,
        "chargePointId": cp,
        // 1.6 DiagnosticsStatusNotification carries no request id: it answers the latest
        // get-diagnostics (0 when none was sent).
        "requestId": request_id(p).or(last(facts)).unwrap_or(0),
        "status": status,
        "lastUpdatedAt": now,
    })
}

/// The EVSE's id for a session's EVSE number; an EVSE a session runs on but that never
/// reported a status is added (with the default status) so the id exists.
async fn evse_id(db: &impl Db, cp: i64, network_id: i64, now: &str) -> DbResult<i64> {
    const FIND: &str = "SELECT id FROM evses WHERE charge_point_id = ?1 AND network_id = ?2";
    if let Some(r) = db.opt(FIND, &[&cp, &network_id]).await? {
        return r.get(0);
    }
    // Another node may add it at the same moment: then its row is the one.
    let added = db
        .opt(
            "INSERT INTO evses (charge_point_id, network_id, created_at, updated_at) VALUES (?1, ?2, ?3, ?3)
             ON CONFLICT (charge_point_id, network_id) DO NOTHING RETURNING id",
            &[&cp, &network_id, &now],
        )
        .await?;
    match added {
        Some(r) => r.get(0),
        None => db.scalar(FIND, &[&cp, &network_id]).await,
    }
}

fn session(
    facts: &SessionFacts,
    cp: i64,
    notice: Notice,
    samples: &[MeterSample],
    now: &str,
) -> Option<Value> {
    let (s, last, evse) = (&facts.row, facts.meter_last_wh, facts.evse_id);
    let started = s.started_at.clone().unwrap_or_else(|| s.updated_at.clone());
    let body = match notice {
        Notice::SessionEdge(name, action) => {
            let meter_start = s
                .meter_start_wh
                .or(last.map(|l| l - s.energy_wh))
                .unwrap_or(0.0);
            let meter_stop = s.meter_stop_wh.or(last).unwrap_or(meter_start);
            let mut b = json!({
                "notification": name,
                "action": action,
                "chargePointId": cp,
                "evseId": evse,
                "sessionId": s.id,
                "startedAtTimestamp": started,
                "lastUpdatedAt": s.updated_at,
                "meterStart": meter_start.round() as i64,
                "meterStop": meter_stop.round() as i64,
                "energyConsumed": s.energy_wh,
            });
            if let Some(t) = &s.id_tag {
                b["idTag"] = json!(t);
            }
            if action == "stop" {
                if let Some(at) = &s.stopped_at {
                    b["stoppedAtTimestamp"] = json!(at);
                }
                if let Some(r) = &s.reason {
                    b["reason"] = json!(names::stop_reason(r));
                }
            }
            b
        }
        Notice::Plain(names::SESSION_METER_VALUES) => json!({
            "notification": names::SESSION_METER_VALUES,
            "chargePointId": cp,
            "evseId": evse,
            "sessionId": s.id,
            "meterValues": meter_values(samples),
        }),
        Notice::Plain(names::SESSION_UPDATE) => session_update(s, evse, &started, now),
        Notice::Plain(_) => return None,
    };
    Some(body)
}

fn meter_values(samples: &[MeterSample]) -> Vec<Value> {
    samples
        .iter()
        .filter(|s| s.phase.is_none())
        .filter_map(|s| {
            let (measurand, unit) = names::meter_measurand(&s.measurand)?;
            let mut v = json!({
                "measurand": measurand,
                "timestamp": super::ts(s.timestamp),
                "value": base_value(s),
            });
            // Temperatures in other units than Celsius go without a unit rather than a wrong one.
            let unit = unit.filter(|_| {
                s.measurand != "Temperature" || s.unit.as_deref().is_none_or(|u| u == "Celsius")
            });
            if let Some(u) = unit {
                v["unit"] = json!(u);
            }
            Some(v)
        })
        .collect()
}

fn session_update(s: &SessionRow, evse: i64, started: &str, now: &str) -> Value {
    let end = s.stopped_at.as_deref().unwrap_or(now);
    let seconds = match (
        chrono::DateTime::parse_from_rfc3339(started),
        chrono::DateTime::parse_from_rfc3339(end),
    ) {
        (Ok(a), Ok(b)) => (b - a).num_seconds(),
        _ => 0,
    };
    let mut session = json!({
        "id": s.id.to_string(),
        "status": s.status,
        "userId": null,
        "authorizationId": null,
        "billingStatus": null,
        "energy": s.energy_wh,
        "energyConsumption": {"total": s.energy_wh, "grid": s.energy_wh},
        "chargePointId": s.charge_point_id,
        "evseId": evse,
        "connectorId": s.connector_id,
        "startedAt": started,
        "stoppedAt": s.stopped_at,
        "power": {
            "latest": s.power_latest_w,
            "peak": s.power_peak_w,
            "average": average_power(s.energy_wh, seconds),
        },
        "lastUpdatedAt": s.updated_at,
    });
    if let Some(t) = &s.id_tag {
        session["idTag"] = json!(t);
    }
    if let Some(soc) = s.soc_percent {
        session["socPercent"] = json!(soc);
    }
    if let Some(r) = &s.reason {
        session["reason"] = json!(names::stop_reason(r));
    }
    json!({"notification": names::SESSION_UPDATE, "session": session})
}
