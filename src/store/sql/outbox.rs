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

use serde_json::Value;

use super::db::{Db, DbResult};
use super::now;
use super::payload;
use crate::domain::notification::{self as names, Change};
use crate::domain::MeterSample;

/// Something that happened to a charge point's state, as the notifications see it. Each
/// variant causes one or more notifications, in a fixed order.
#[derive(Clone, Debug)]
pub enum Event<'a> {
    /// The charger's link came up or went down; `status` is the stored network status.
    Connection { status: &'a str },
    /// A BootNotification was recorded (read back from the charge point's row).
    Boot,
    /// A status report: `evse` is the EVSE's id, None for the charge point itself
    /// (connector 0); `created` when the EVSE was first seen.
    EvseStatus {
        evse: Option<i64>,
        created: bool,
        status: &'a str,
        error_code: Option<&'a str>,
        at: &'a str,
    },
    /// A session changed: it began (`started`), has new `samples`, or ended (`stopped`).
    Session {
        id: i64,
        started: bool,
        stopped: bool,
        samples: &'a [MeterSample],
    },
    /// An authorization was recorded; `status` is the OCPP 1.6 spelling.
    Authorization {
        id: i64,
        id_tag: &'a str,
        status: &'a str,
        at: &'a str,
    },
    Security {
        kind: &'a str,
        tech_info: Option<&'a str>,
        at: &'a str,
    },
    /// A charger's DataTransfer, with its payload as received.
    DataTransfer(&'a Value),
    /// A diagnostics (1.6) or log (security extension, 2.0.1) upload status.
    /// A diagnostics or log upload's status report, and the kinds of action request
    /// (`action_requests.kind`) whose latest id it answers when it carries none.
    DiagnosticsStatus(&'a Value, &'static [&'static str]),
    /// A firmware status report (`chargePoint.changed` with the status and requestId).
    FirmwareStatus(&'a Value),
    /// The charge point itself changed (firmware status, profile, ...).
    ChargePointChanged(Change),
    /// A reservation's new status (already in the reference's spelling).
    Reservation { id: i64, status: &'a str },
    /// A body made by a builder of [`crate::domain::notification`] (configuration sync,
    /// charging profile applied, ...); `name` is its notification.
    Prepared { name: &'static str, body: Value },
}

/// One notification an event causes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Notice {
    /// The notification of this name, built from the event.
    Plain(&'static str),
    /// A session start/stop notification of this name for this action.
    SessionEdge(&'static str, &'static str),
}

impl Notice {
    /// The notification's name.
    pub fn name(self) -> &'static str {
        match self {
            Notice::Plain(n) | Notice::SessionEdge(n, _) => n,
        }
    }
}

impl<'a> Event<'a> {
    /// The event a report without state of its own causes (by its OCPP action), if any.
    /// Firmware status changes are changes of the charge point.
    pub fn from_report(action: &str, payload: &'a Value) -> Option<Event<'a>> {
        Some(match action {
            "DataTransfer" => Event::DataTransfer(payload),
            "DiagnosticsStatusNotification" => Event::DiagnosticsStatus(payload, &["diagnostics"]),
            "LogStatusNotification" => {
                Event::DiagnosticsStatus(payload, &["diagnostics", "security-log"])
            }
            "FirmwareStatusNotification" | "SignedFirmwareStatusNotification" => {
                Event::FirmwareStatus(payload)
            }
            _ => return None,
        })
    }

    /// A link change (the stored network status).
    pub fn connection(status: &'a str) -> Event<'a> {
        Event::Connection { status }
    }

    /// A status report (see [`Event::EvseStatus`]).
    pub fn evse_status(
        evse: Option<i64>,
        created: bool,
        status: &'a str,
        error_code: Option<&'a str>,
        at: &'a str,
    ) -> Event<'a> {
        Event::EvseStatus {
            evse,
            created,
            status,
            error_code,
            at,
        }
    }

    /// A session change (see [`Event::Session`]).
    pub fn session(id: i64, started: bool, stopped: bool, samples: &'a [MeterSample]) -> Event<'a> {
        Event::Session {
            id,
            started,
            stopped,
            samples,
        }
    }

    /// An authorization decision (see [`Event::Authorization`]).
    pub fn authorization(id: i64, id_tag: &'a str, status: &'a str, at: &'a str) -> Event<'a> {
        Event::Authorization {
            id,
            id_tag,
            status,
            at,
        }
    }

    /// A security event.
    pub fn security(kind: &'a str, tech_info: Option<&'a str>, at: &'a str) -> Event<'a> {
        Event::Security {
            kind,
            tech_info,
            at,
        }
    }

    /// The notifications this event causes, in the order they are delivered.
    pub fn notices(&self) -> Vec<Notice> {
        use Notice::{Plain, SessionEdge};
        match self {
            Event::Connection { .. } => vec![
                Plain(names::NETWORK_STATUS),
                Plain(names::CHARGE_POINT_CHANGED),
            ],
            Event::Boot => vec![Plain(names::BOOT), Plain(names::CHARGE_POINT_CHANGED)],
            Event::EvseStatus { evse: Some(_), .. } => {
                vec![Plain(names::HARDWARE_STATUS), Plain(names::EVSE_CHANGED)]
            }
            Event::EvseStatus { evse: None, .. } => vec![
                Plain(names::HARDWARE_STATUS),
                Plain(names::CHARGE_POINT_CHANGED),
            ],
            Event::Session {
                started,
                stopped,
                samples,
                ..
            } => {
                let mut v = Vec::with_capacity(6);
                if *started {
                    v.push(SessionEdge(names::SESSION_START_STOP, "start"));
                    v.push(SessionEdge(names::SESSION_START_STOP_V2, "start"));
                }
                if !samples.is_empty() {
                    v.push(Plain(names::SESSION_METER_VALUES));
                }
                if *stopped {
                    v.push(SessionEdge(names::SESSION_START_STOP, "stop"));
                    v.push(SessionEdge(names::SESSION_START_STOP_V2, "stop"));
                }
                v.push(Plain(names::SESSION_UPDATE));
                v
            }
            Event::Authorization { .. } => vec![Plain(names::AUTHORIZATION)],
            Event::Security { .. } => vec![Plain(names::SECURITY_EVENT)],
            Event::DataTransfer(_) => vec![Plain(names::DATA_TRANSFER)],
            Event::DiagnosticsStatus(..) => vec![Plain(names::DIAGNOSTICS_STATUS)],
            Event::FirmwareStatus(_) => vec![Plain(names::CHARGE_POINT_CHANGED)],
            Event::ChargePointChanged(_) => vec![Plain(names::CHARGE_POINT_CHANGED)],
            Event::Reservation { .. } => vec![Plain(names::RESERVATION_CHANGED)],
            Event::Prepared { name, .. } => vec![Plain(name)],
        }
    }
}

/// Writes the notifications `event` causes for charge point `cp`, one outbox row per
/// subscription that wants each. With no subscription for a name its body is not even
/// built. Call it inside the transaction that makes the change.
pub async fn emit(db: &impl Db, cp: i64, event: Event<'_>) -> DbResult<()> {
    // The common case on a gateway without subscribers costs one indexed lookup.
    let any: bool = db
        .one("SELECT EXISTS (SELECT 1 FROM subscription_topics)", &[])
        .await?
        .get(0)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stop_with_samples_reports_them_before_the_stop() {
        let samples = [MeterSample {
            timestamp: chrono::Utc::now(),
            measurand: "SoC".into(),
            value: 50.0,
            unit: None,
            phase: None,
            context: None,
        }];
        let ev = Event::Session {
            id: 1,
            started: false,
            stopped: true,
            samples: &samples,
        };
        let names: Vec<_> = ev.notices().into_iter().map(Notice::name).collect();
        assert_eq!(
            names,
            [
                names::SESSION_METER_VALUES,
                names::SESSION_START_STOP,
                names::SESSION_START_STOP_V2,
                names::SESSION_UPDATE
            ]
        );
    }
}
