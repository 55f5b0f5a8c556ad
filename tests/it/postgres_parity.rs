//! The PostgreSQL store against a real server: the same charger traffic of both OCPP
//! versions through the `Store` trait leaves the same rows, and the same notification
//! events, as on SQLite.
//!
//! Needs `OCPP_GATEWAY_TEST_POSTGRES`; without it the test says so and passes.

use crate::common;

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use serde_json::{json, Value};

use common::pg::TestDatabase;
use ocpp_gateway::domain::auth::{AuthSource, AuthorizationRecord};
use ocpp_gateway::domain::event::{ChargerEvent, StatusReport, TransactionPhase};
use ocpp_gateway::domain::report::{DeviceEvents, ReportPart};
use ocpp_gateway::domain::{
    AuthStatus, BootInfo, HardwareStatus, MeterSample, StartTransaction, StopTransaction,
    TransactionUpdate,
};
use ocpp_gateway::ocpp::OcppVersion;
use ocpp_gateway::security::PasswordHash;
use ocpp_gateway::store::notify::SubscriptionSpec;
use ocpp_gateway::store::{ChargerRecord, NotifyStore, Resources, SqlStore, Store};

/// Every notification the stores know, so that every event leaves outbox rows.
const ALL_NOTIFICATIONS: &[&str] = &[
    "HardwareStatusNotification",
    "NetworkStatusNotification",
    "BootNotification",
    "SessionStartStopNotification",
    "session.start.stop.notification",
    "SessionUpdateNotification",
    "SessionMeterValuesNotification",
    "AuthorizationNotification",
    "ChargePointSyncConfigurationNotification",
    "DiagnosticsStatusNotification",
    "SecurityEventNotification",
    "chargePoint.dataTransferReceived",
    "reservation.changed",
    "chargePoint.changed",
    "evse.changed",
    "chargePoint.reportCompleted",
    "chargePoint.eventReceived",
];

fn at(minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 6, 1, 10, minute, 0)
        .single()
        .expect("time")
}

fn sample(measurand: &str, value: f64, minute: u32) -> MeterSample {
    MeterSample {
        timestamp: at(minute),
        measurand: measurand.into(),
        value,
        unit: None,
        phase: None,
        context: None,
    }
}

fn energy(wh: f64, minute: u32) -> MeterSample {
    sample("Energy.Active.Import.Register", wh, minute)
}

fn update(
    tid: &str,
    event: TransactionPhase,
    seq_no: u32,
    samples: Vec<MeterSample>,
) -> TransactionUpdate {
    TransactionUpdate {
        transaction_id: tid.into(),
        event,
        seq_no,
        offline: false,
        evse: Some(1),
        connector: Some(1),
        id_token: Some("TOKEN-201".into()),
        charging_state: None,
        stopped_reason: None,
        remote_start_id: None,
        timestamp: at(seq_no * 2),
        samples,
    }
}

fn report_part(request_id: i64, seq_no: i64, tbc: bool) -> ChargerEvent {
    let payload = json!({"requestId": request_id, "seqNo": seq_no, "tbc": tbc,
        "generatedAt": "2025-06-01T10:08:00.000Z",
        "reportData": [{"component": {"name": "ReportCtrlr"}, "variable": {"name": format!("Item{seq_no}")},
            "variableAttribute": [{"value": "x", "mutability": "ReadOnly"}]}]});
    ChargerEvent::ReportPart(ReportPart::of_message("NotifyReport", &payload).expect("a part"))
}

fn spec() -> SubscriptionSpec {
    SubscriptionSpec {
        via: "webhook".into(),
        callback_url: "http://127.0.0.1:9/hook".into(),
        notifications: ALL_NOTIFICATIONS.iter().map(|s| s.to_string()).collect(),
    }
}

/// Both versions' traffic, with repeats, late and unknown messages; returns what the
/// store answered.
async fn script(store: &dyn Store, password: &PasswordHash) -> Vec<String> {
    let mut out = Vec::new();
    let seeded = ChargerRecord {
        identity: "PAR-16".into(),
        password: Some(password.clone()),
        strict: true,
        security_profile: 1,
        pending_passwords: Vec::new(),
        desired_profile: 0,
    };
    store.upsert_charger(seeded.clone()).await.expect("seed");
    store
        .upsert_charger(ChargerRecord {
            strict: false,
            ..seeded
        })
        .await
        .expect("seed again");
    store
        .set_connected("PAR-16", Some(OcppVersion::V16.into()), 100)
        .await
        .expect("connect");
    store
        .set_connected("PAR-201", Some(OcppVersion::V201.into()), 200)
        .await
        .expect("connect");
    store
        .record_boot(
            "PAR-16",
            BootInfo {
                vendor: "Acme".into(),
                model: "AC22".into(),
                serial_number: Some("SN-1".into()),
                firmware_version: Some("1.2.3".into()),
                reason: None,
            },
        )
        .await
        .expect("boot");
    for (evse, status, minute) in [
        (0, HardwareStatus::Available, 0),
        (1, HardwareStatus::Available, 0),
        (1, HardwareStatus::Preparing, 1),
    ] {
        store
            .record_status(
                "PAR-16",
                StatusReport {
                    evse,
                    connector: evse,
                    status,
                    error_code: None,
                    timestamp: at(minute),
                    idle: false,
                },
            )
            .await
            .expect("status");
    }
    for (tag, status, source) in [
        ("TAG-1", AuthStatus::Accepted, AuthSource::Local),
        ("TAG-X", AuthStatus::Blocked, AuthSource::Policy),
    ] {
        store
            .record_authorization(
                "PAR-16",
                AuthorizationRecord {
                    id_tag: tag.into(),
                    status,
                    source,
                    at: at(1),
                },
            )
            .await
            .expect("authorization");
    }
    let start = StartTransaction {
        connector: 1,
        id_tag: "TAG-1".into(),
        meter_start_wh: 1000,
        timestamp: at(2),
        reservation_id: None,
        authorization: ocpp_gateway::domain::AuthStatus::Accepted,
    };
    let tx = store
        .start_transaction("PAR-16", start.clone())
        .await
        .expect("start");
    let again = store
        .start_transaction("PAR-16", start)
        .await
        .expect("start again");
    assert_eq!(tx, again, "a repeated start gets the same transaction id");
    out.push(format!("transaction {tx}"));
    let mut power = sample("Power.Active.Import", 7200.0, 3);
    power.unit = Some("W".into());
    let mut phase = sample("Power.Active.Import", 2400.0, 3);
    phase.phase = Some("L1".into());
    store
        .record_meter_values(
            "PAR-16",
            1,
            Some(tx.to_string()),
            vec![energy(1500.0, 3), power, phase],
        )
        .await
        .expect("meter values");
    store
        .record_meter_values("PAR-16", 1, None, vec![energy(10.0, 3)])
        .await
        .expect("meter values without a transaction");
    let mut end = energy(4000.0, 5);
    end.context = Some("Transaction.End".into());
    let stop = StopTransaction {
        transaction_id: tx,
        id_tag: Some("TAG-1".into()),
        meter_stop_wh: 4000,
        timestamp: at(5),
        reason: Some("Local".into()),
        samples: vec![end],
    };
    for s in [
        stop.clone(),
        stop.clone(),
        StopTransaction {
            transaction_id: 999_999,
            ..stop
        },
    ] {
        let outcome = store.stop_transaction("PAR-16", s).await.expect("stop");
        out.push(format!("stop {outcome:?}"));
    }
    // A session the charger lost: a new start on its connector closes it, a forced stop
    // ends the new one, and the lost one's late stop (transactionId -1) still applies.
    let lost = |minute, status| StartTransaction {
        connector: 2,
        id_tag: "TAG-2".into(),
        meter_start_wh: 5000,
        timestamp: at(minute),
        reservation_id: None,
        authorization: status,
    };
    let old = store
        .start_transaction(
            "PAR-16",
            lost(6, ocpp_gateway::domain::AuthStatus::Accepted),
        )
        .await
        .expect("start");
    let new = store
        .start_transaction("PAR-16", lost(8, ocpp_gateway::domain::AuthStatus::Invalid))
        .await
        .expect("start");
    let forced = store
        .force_stop_session("PAR-16", i64::from(new))
        .await
        .expect("force");
    let late = store
        .stop_transaction(
            "PAR-16",
            StopTransaction {
                transaction_id: -1,
                id_tag: Some("TAG-2".into()),
                meter_stop_wh: 5500,
                timestamp: at(7),
                reason: None,
                samples: vec![],
            },
        )
        .await
        .expect("late stop");
    out.push(format!("lost {old} {new} forced {forced} late {late:?}"));

    let mut started = update("T-1", TransactionPhase::Started, 0, vec![energy(100.0, 0)]);
    started.charging_state = Some("Charging".into());
    store
        .transaction_event("PAR-201", started)
        .await
        .expect("started");
    store
        .record_status(
            "PAR-201",
            StatusReport {
                evse: 1,
                connector: 1,
                status: HardwareStatus::Preparing,
                error_code: None,
                timestamp: at(1),
                idle: false,
            },
        )
        .await
        .expect("occupied");
    let updated = update(
        "T-1",
        TransactionPhase::Updated,
        1,
        vec![
            energy(600.0, 2),
            sample("Power.Active.Import", 11000.0, 2),
            sample("SoC", 40.0, 2),
        ],
    );
    for u in [updated.clone(), updated] {
        store
            .transaction_event("PAR-201", u)
            .await
            .expect("updated");
    }
    let mut ended = update("T-1", TransactionPhase::Ended, 3, vec![energy(900.0, 6)]);
    ended.offline = true;
    ended.stopped_reason = Some("EVDisconnected".into());
    store
        .transaction_event("PAR-201", ended)
        .await
        .expect("ended");
    let mut late = update("T-1", TransactionPhase::Updated, 2, vec![energy(700.0, 4)]);
    late.charging_state = Some("SuspendedEV".into());
    store
        .transaction_event("PAR-201", late)
        .await
        .expect("late");
    let mut unknown = update("T-2", TransactionPhase::Updated, 5, vec![]);
    unknown.evse = Some(2);
    unknown.connector = None;
    store
        .transaction_event("PAR-201", unknown)
        .await
        .expect("never started");

    let events = [
        ChargerEvent::Security {
            kind: "FirmwareUpdated".into(),
            tech_info: Some("v2".into()),
            timestamp: at(7),
        },
        ChargerEvent::Other {
            action: "DataTransfer".into(),
            payload: json!({"vendorId": "V", "messageId": "m", "data": {"a": 1}}),
        },
        ChargerEvent::Other {
            action: "FirmwareStatusNotification".into(),
            payload: json!({"status": "Installed"}),
        },
        ChargerEvent::Other {
            action: "LogStatusNotification".into(),
            payload: json!({"status": "Uploaded", "requestId": 5}),
        },
        ChargerEvent::Other {
            action: "NotifyReport".into(),
            payload: json!({"requestId": 7, "seqNo": 0, "generatedAt": "2025-06-01T10:08:00Z",
                "reportData": [{"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"},
                    "variableAttribute": [{"type": "Actual", "value": "300", "mutability": "ReadWrite"}]},
                    {"component": {"name": "EVSE"}, "variable": {"name": "Power", "instance": "Max"},
                    "variableAttribute": [{"value": "22000", "mutability": "ReadOnly"}]}]}),
        },
        ChargerEvent::Reservation {
            reservation_id: 77,
            status: "Expired".into(),
        },
        // A device-model report in three parts: 0, 2 (the last), 0 again, then 1.
        report_part(9, 0, true),
        report_part(9, 2, false),
        report_part(9, 0, true),
        report_part(9, 1, true),
        ChargerEvent::DeviceEvents(DeviceEvents::of_payload(&json!({
            "generatedAt": "2025-06-01T10:09:00.000Z", "seqNo": 0,
            "eventData": [{"eventId": 1, "timestamp": "2025-06-01T10:08:30.000Z",
                "trigger": "Alerting", "actualValue": "Faulted", "cleared": false,
                "eventNotificationType": "HardWiredNotification", "techCode": "E1",
                "component": {"name": "EVSE", "evse": {"id": 1}}, "variable": {"name": "Problem"}}],
        }))),
    ];
    for e in events {
        store.record_event("PAR-201", e).await.expect("event");
    }
    store
        .set_security_profile("PAR-16", 2)
        .await
        .expect("profile");
    store
        .set_security_profile("PAR-16", 1)
        .await
        .expect("profile");
    store
        .set_desired_profile("PAR-16", 3)
        .await
        .expect("desired");
    store
        .reset_security_profile("PAR-201")
        .await
        .expect("reset");
    store
        .set_password("PAR-201", Some(password.clone()))
        .await
        .expect("password");
    // A stale socket's cleanup, then a real disconnection and a return.
    store
        .set_connected("PAR-201", None, 199)
        .await
        .expect("stale end");
    store.set_connected("PAR-16", None, 100).await.expect("end");
    store
        .set_connected("PAR-16", Some(OcppVersion::V16.into()), 300)
        .await
        .expect("back");
    for identity in ["PAR-16", "PAR-201", "NOBODY"] {
        let c = store.charger(identity).await.expect("charger");
        out.push(format!(
            "{identity}: {:?}",
            c.map(|c| (c.strict, c.security_profile, c.password.is_some()))
        ));
    }
    out.push(format!(
        "tag: {:?}",
        store.id_tag("TAG-1").await.expect("tag").is_some()
    ));
    out
}

/// How a column is read and compared: integer, real, text, boolean, JSON text.
const TABLES: &[(&str, &str, &str, &str)] = &[
    (
        "charge_points",
        "id, identity, name, protocol, password_hash, strict, desired_profile, current_profile, network_status,
         connection_generation, hardware_status, last_boot, last_boot_at, first_contact_at, disconnected_at,
         created_at, updated_at, access_type, system_status",
        "id",
        "ittttbiititjttttttt",
    ),
    (
        "evses",
        "id, charge_point_id, network_id, hardware_status, error_code, status_at, created_at, updated_at",
        "id",
        "iiittttt",
    ),
    (
        "connectors",
        "evse_id, connector_id, hardware_status, updated_at",
        "evse_id, connector_id",
        "iitt",
    ),
    (
        "sessions",
        "id, charge_point_id, evse_network_id, connector_id, transaction_id, status, id_tag, started_at,
         stopped_at, meter_start_wh, meter_stop_wh, meter_last_wh, energy_wh, power_latest_w, power_peak_w,
         soc_percent, reason, last_seq_no, charging_state, remote_start_id, reservation_id, start_key,
         created_at, updated_at, start_status, closed_by",
        "id",
        "iiiitttttrrrrrrrtitiittttt",
    ),
    (
        "meter_values",
        "id, charge_point_id, session_id, evse_network_id, sampled_at, measurand, phase, unit, context, value",
        "id",
        "iiiitttttr",
    ),
    (
        "transaction_events",
        "session_id, seq_no, event_type, occurred_at, offline",
        "session_id, seq_no",
        "iittb",
    ),
    (
        "unmatched_stops",
        "id, charge_point_id, transaction_id, id_tag, meter_stop_wh, stopped_at, reason, received_at",
        "id",
        "iittrttt",
    ),
    (
        "hardware_status_logs",
        "id, charge_point_id, evse_network_id, connector_id, hardware_status, error_code, reported_at, created_at",
        "id",
        "iiiitttt",
    ),
    (
        "network_status_logs",
        "id, charge_point_id, network_status, protocol, created_at",
        "id",
        "iittt",
    ),
    (
        "authorizations",
        "id, charge_point_id, id_tag, status, rejection_reason, method, source, session_id, created_at, updated_at",
        "id",
        "iitttttitt",
    ),
    (
        "security_events",
        "id, charge_point_id, type, tech_info, occurred_at, created_at",
        "id",
        "iitttt",
    ),
    (
        "configurations",
        "charge_point_id, key, value, readonly, updated_at",
        "charge_point_id, key",
        "ittbt",
    ),
    (
        "charger_events",
        "id, charge_point_id, kind, payload, created_at",
        "id",
        "iitjt",
    ),
    (
        "reports",
        "id, charge_point_id, kind, request_id, request, status, parts, repeats, last_seq_no, result,
         created_at, updated_at, completed_at",
        "id",
        "iitijtiiijttt",
    ),
    (
        "report_parts",
        "id, report_id, seq_no, tbc, payload, received_at",
        "id",
        "iiibjt",
    ),
    (
        "device_events",
        "id, charge_point_id, event_id, occurred_at, event_trigger, cause, actual_value, tech_code,
         tech_info, cleared, transaction_id, variable_monitoring_id, notification_type, component,
         variable, generated_at, seq_no, created_at",
        "id",
        "iiittitttbtitjjtit",
    ),
    (
        "firmware_status_logs",
        "id, charge_point_id, status, request_id, created_at",
        "id",
        "iitit",
    ),
    (
        "local_list_changes",
        "seq, id_tag_uid, created_at",
        "seq",
        "itt",
    ),
    (
        "local_lists",
        "charge_point_id, support, items_per_message, bytes_per_message, max_entries, list_version,
         change_cursor, full_needed, last_status, updated_at",
        "charge_point_id",
        "itiiiiibtt",
    ),
    (
        "outbox",
        "id, subscription_id, charge_point_id, notification, body, status, attempts, resent, next_attempt_at,
         last_error, created_at, delivered_at",
        "id",
        "iiitjtibtttt",
    ),    (
        "session_costs",
        "session_id, total_cost, updated_at",
        "session_id",
        "irt",
    ),
    (
        "display_messages",
        "id, charge_point_id, message_id, priority, status, body, created_at, updated_at",
        "id",
        "iiittjtt",
    ),
];

type Dump = BTreeMap<&'static str, Vec<Vec<Value>>>;

/// A stored text with the times of the run itself ("now") made comparable.
fn text(s: String, since: DateTime<Utc>) -> Value {
    match DateTime::parse_from_rfc3339(&s) {
        Ok(t) if t >= since => Value::String("<now>".into()),
        _ => Value::String(s),
    }
}

/// JSON with the times of the run made comparable; an average over a session still
/// running depends on when it was computed, so it is compared to the milliwatt.
fn normalize(v: Value, since: DateTime<Utc>) -> Value {
    match v {
        Value::String(s) => text(s, since),
        Value::Array(a) => Value::Array(a.into_iter().map(|x| normalize(x, since)).collect()),
        Value::Object(o) => Value::Object(
            o.into_iter()
                .map(|(k, x)| {
                    let x = match (k.as_str(), x) {
                        ("average", Value::Number(n)) => {
                            json!((n.as_f64().unwrap_or(0.0) * 1000.0).round() / 1000.0)
                        }
                        (_, x) => normalize(x, since),
                    };
                    (k, x)
                })
                .collect(),
        ),
        other => other,
    }
}

fn json_text(s: Option<String>, since: DateTime<Utc>) -> Value {
    match s {
        None => Value::Null,
        Some(s) => normalize(serde_json::from_str(&s).expect("stored JSON"), since),
    }
}

async fn dump_sqlite(store: &SqlStore, since: DateTime<Utc>) -> Dump {
    let mut out = Dump::new();
    for &(table, columns, order, kinds) in TABLES {
        let rows = {
            let c = crate::common::store::sqlite_file(store);
            let read = || -> rusqlite::Result<Vec<_>> {
                let mut stmt =
                    c.prepare(&format!("SELECT {columns} FROM {table} ORDER BY {order}"))?;
                let rows = stmt.query_map([], |r| {
                    let mut row = Vec::new();
                    for (i, kind) in kinds.chars().enumerate() {
                        use rusqlite::types::Value as V;
                        let v: V = r.get(i)?;
                        row.push(match (kind, v) {
                            (_, V::Null) => Value::Null,
                            ('i', V::Integer(n)) => json!(n),
                            ('r', V::Integer(n)) => json!(n as f64),
                            ('r', V::Real(f)) => json!(f),
                            ('b', V::Integer(n)) => json!(n != 0),
                            ('t', V::Text(s)) => text(s, since),
                            ('j', V::Text(s)) => json_text(Some(s), since),
                            (k, v) => panic!("{table} column {i}: {v:?} is not of kind {k}"),
                        });
                    }
                    Ok(row)
                })?;
                rows.collect::<rusqlite::Result<Vec<_>>>()
            };
            read()
        }
        .expect("sqlite dump");
        out.insert(table, rows);
    }
    out
}

async fn dump_postgres(client: &tokio_postgres::Client, since: DateTime<Utc>) -> Dump {
    let mut out = Dump::new();
    for &(table, columns, order, kinds) in TABLES {
        let rows = client
            .query(
                &format!("SELECT {columns} FROM {table} ORDER BY {order}"),
                &[],
            )
            .await
            .expect("postgres dump");
        let rows = rows
            .iter()
            .map(|r| {
                kinds
                    .chars()
                    .enumerate()
                    .map(|(i, kind)| match kind {
                        'i' => json!(r.get::<_, Option<i64>>(i)),
                        'r' => json!(r.get::<_, Option<f64>>(i)),
                        'b' => json!(r.get::<_, Option<bool>>(i)),
                        't' => r
                            .get::<_, Option<String>>(i)
                            .map_or(Value::Null, |s| text(s, since)),
                        _ => json_text(r.get(i), since),
                    })
                    .collect()
            })
            .collect();
        out.insert(table, rows);
    }
    out
}

/// Local authorization lists: id-tag changes through the API leave the same change log,
/// and the list state reads and writes alike.
async fn list_script<S>(store: Arc<S>) -> Vec<String>
where
    S: Store + Resources,
{
    use ocpp_gateway::store::local_list::{ListLimits, ListSupport};
    use ocpp_gateway::store::resources::{IdTagPatch, NewIdTag};
    let mut out = Vec::new();
    let tag = store
        .create_id_tag(NewIdTag {
            uid: "LIST-1".into(),
            status: "enabled".into(),
            kind: "rfid".into(),
            expire_at: Some("2030-01-01T00:00:00.000Z".into()),
            external_id: None,
            label: None,
            user_id: Some(7),
        })
        .await
        .expect("tag");
    let lists = store.clone().local_lists().expect("local lists");
    out.push(format!(
        "tags: {:?}",
        lists.list_tags().await.expect("tags")
    ));
    store
        .update_id_tag(
            tag.id,
            IdTagPatch {
                uid: Some("LIST-2".into()),
                status: Some("disabled".into()),
                ..Default::default()
            },
        )
        .await
        .expect("update");
    out.push(format!(
        "changes: {:?}",
        lists.list_changes(0).await.expect("changes")
    ));
    store.delete_id_tag(tag.id).await.expect("delete");
    out.push(format!(
        "changes: {:?}",
        lists.list_changes(1).await.expect("changes")
    ));
    out.push(format!(
        "fresh: {:?}",
        lists.list_state("PAR-16").await.expect("state")
    ));
    let limits = ListLimits {
        items_per_message: Some(3),
        bytes_per_message: None,
        max_entries: Some(10),
    };
    lists
        .set_list_support("PAR-16", ListSupport::Supported, limits, None)
        .await
        .expect("support");
    lists
        .list_accepted("PAR-16", 4, None)
        .await
        .expect("accepted");
    out.push(format!(
        "partial: {:?}",
        lists.list_state("PAR-16").await.expect("state")
    ));
    lists
        .list_accepted("PAR-16", 5, Some(3))
        .await
        .expect("accepted");
    lists
        .list_needs_full("PAR-201", "Failed")
        .await
        .expect("full");
    out.push(format!(
        "done: {:?}",
        lists.list_state("PAR-16").await.expect("state")
    ));
    out.push(format!(
        "chargers: {:?}",
        lists.list_chargers().await.expect("chargers")
    ));
    out.extend(display_script(store.as_ref()).await);
    // A running cost, replaced, and read back by transaction (I02).
    let sessions = store
        .sessions(
            Default::default(),
            ocpp_gateway::store::resources::Page {
                after: None,
                limit: 100,
            },
        )
        .await
        .expect("sessions");
    let mut costed = None;
    for session in &sessions {
        if let Some(tx) = store.session_transaction_id(session.id).await.expect("tx") {
            costed = Some((session.id, session.charge_point_id, tx));
            break;
        }
    }
    let (session, cp, tx) = costed.expect("a session with a transaction");
    store.set_session_cost(session, 1.5).await.expect("cost");
    store.set_session_cost(session, 2.25).await.expect("cost");
    let identity = store
        .charge_point(cp)
        .await
        .expect("charge point")
        .expect("known")
        .identity;
    out.push(format!(
        "cost: {:?}",
        store.session_cost(&identity, &tx).await.expect("cost")
    ));
    out
}

/// Display messages: an allocated id, a replacement, a call with no answer, a refusal
/// and a clear.
async fn display_script(store: &dyn Resources) -> Vec<String> {
    use ocpp_gateway::store::resources::Page;
    let page = Page {
        after: None,
        limit: 20,
    };
    let cps = store
        .charge_points(Default::default(), page)
        .await
        .expect("charge points");
    let cp = cps
        .iter()
        .find(|c| c.identity == "PAR-16")
        .expect("PAR-16")
        .id;
    let body = |text: &str| json!({"message": {"content": text, "format": "UTF8"}}).to_string();
    let new = |id: Option<i64>, text: &str| {
        store.new_display_message(cp, id, "InFront".into(), body(text))
    };
    let a = new(None, "a").await.expect("new");
    store
        .display_message_outcome(a.row, Some("Accepted".into()))
        .await
        .expect("outcome");
    let b = new(Some(a.message_id), "b").await.expect("new");
    store
        .display_message_outcome(b.row, Some("Accepted".into()))
        .await
        .expect("outcome");
    let c = new(None, "c").await.expect("new");
    store
        .display_message_outcome(c.row, None)
        .await
        .expect("outcome");
    let d = new(Some(9), "d").await.expect("new");
    store
        .display_message_outcome(d.row, Some("Rejected".into()))
        .await
        .expect("outcome");
    let cleared = store
        .display_message_cleared(cp, a.message_id)
        .await
        .expect("cleared");
    let rows = store.display_messages(cp, None, page).await.expect("list");
    vec![format!(
        "display: {cleared} {:?}",
        rows.iter()
            .map(|r| (r.message_id, r.status.clone(), r.body.clone()))
            .collect::<Vec<_>>()
    )]
}

fn token_sha256() -> String {
    hex::encode(ring::digest::digest(&ring::digest::SHA256, b"parity-token"))
}

#[tokio::test]
async fn the_same_traffic_leaves_the_same_rows_as_on_sqlite() {
    let Some(db) = TestDatabase::create().await else {
        return;
    };
    let since = Utc::now() - chrono::Duration::seconds(1);
    let password = PasswordHash::new("parity-secret");

    let dir = tempfile::tempdir().expect("tempdir");
    let mut settings = ocpp_gateway::config::Settings::embedded()
        .expect("settings")
        .store;
    settings.path = dir.path().join("parity.db");
    settings.fsync = false;
    let sqlite = Arc::new(SqlStore::open(&settings).expect("sqlite"));
    let postgres = Arc::new(db.store("parity").await);
    sqlite
        .create_subscription(spec(), token_sha256())
        .await
        .expect("subscription");
    postgres
        .create_subscription(spec(), token_sha256())
        .await
        .expect("subscription");

    let on_sqlite = script(sqlite.as_ref(), &password).await;
    let on_postgres = script(postgres.as_ref(), &password).await;
    assert_eq!(on_sqlite, on_postgres, "the stores answered alike");
    let lists_sqlite = list_script(sqlite.clone()).await;
    let lists_postgres = list_script(postgres.clone()).await;
    assert_eq!(
        lists_sqlite, lists_postgres,
        "the local lists answered alike"
    );

    let a = dump_sqlite(&sqlite, since).await;
    let b = dump_postgres(&db.client().await, since).await;
    for (table, rows) in &a {
        assert!(!rows.is_empty(), "the script leaves rows in {table}");
        let other = b.get(table).expect("table read");
        for (i, (x, y)) in rows.iter().zip(other).enumerate() {
            assert_eq!(
                x, y,
                "{table} row {i}: SQLite's (left) and PostgreSQL's (right)"
            );
        }
        assert_eq!(
            rows.len(),
            other.len(),
            "{table}: rows on SQLite and PostgreSQL"
        );
    }
    // The PostgreSQL store also knows which node holds each charger.
    assert_eq!(
        postgres
            .cluster()
            .expect("PostgreSQL")
            .owner("PAR-16")
            .await
            .expect("owner")
            .as_deref(),
        Some("parity")
    );
    assert_eq!(
        postgres
            .cluster()
            .expect("PostgreSQL")
            .owner("PAR-201")
            .await
            .expect("owner")
            .as_deref(),
        Some("parity"),
        "its stale socket's cleanup did not end it"
    );
    assert_eq!(
        postgres
            .cluster()
            .expect("PostgreSQL")
            .owner("NOBODY")
            .await
            .expect("owner"),
        None
    );
}
