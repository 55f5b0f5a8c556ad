//! The writes: the API's creates, updates and deletes with their conflicts, and the
//! actions' records with the notifications they emit.

use serde_json::json;

use super::{all, Pair, Shown};
use ocpp_gateway::domain::notification::ConfigurationEntry;
use ocpp_gateway::security::PasswordHash;
use ocpp_gateway::store::resources::*;

fn new_charge_point(identity: &str) -> NewChargePoint {
    NewChargePoint {
        identity: identity.into(),
        name: Some("New".into()),
        protocol: None,
        password: Some(PasswordHash::new("secret")),
        desired_profile: Some(2),
        access_type: "private".into(),
        system_status: "enabled".into(),
    }
}

fn new_id_tag(uid: &str) -> NewIdTag {
    NewIdTag {
        uid: uid.into(),
        status: "enabled".into(),
        kind: "rfid".into(),
        expire_at: Some("2031-01-01T00:00:00.000Z".into()),
        external_id: Some("e".into()),
        label: None,
        user_id: Some(7),
    }
}

pub(super) async fn writes(p: &Pair) {
    // The password hash is salted: both stores get the same one.
    let cp5 = new_charge_point("CP-5");
    same!(p, |s| s.create_charge_point(cp5.clone()));
    same!(p, |s| s.create_charge_point(new_charge_point("CP-1")));
    // A refused create spends an id in both: the next one is 7.
    let created = answer!(p, |s| s.create_charge_point(new_charge_point("CP-6")));
    assert_eq!(created.expect("created").id, 7);
    let patches = [
        ChargePointPatch {
            name: Some("Renamed".into()),
            protocol: Some("ocpp 2.0.1".into()),
            access_type: Some("public".into()),
            system_status: Some("demo".into()),
            desired_profile: Some(3),
            ..Default::default()
        },
        ChargePointPatch {
            identity: Some("CP-5".into()),
            ..Default::default()
        },
        ChargePointPatch {
            identity: Some("CP-1".into()),
            ..Default::default()
        },
        ChargePointPatch {
            password: Some(None),
            ..Default::default()
        },
        ChargePointPatch::default(),
        ChargePointPatch {
            identity: Some("CP-5b".into()),
            password: Some(Some(PasswordHash::new("again"))),
            ..Default::default()
        },
    ];
    for patch in patches {
        same!(p, |s| s.update_charge_point(5, patch.clone()));
    }
    same!(p, |s| s
        .update_charge_point(99, ChargePointPatch::default()));
    same!(p, |s| s.charge_points(ChargePointFilter::default(), all()));

    same!(p, |s| s.create_id_tag(new_id_tag("TAG3")));
    same!(p, |s| s.create_id_tag(new_id_tag("TAG1")));
    same!(p, |s| s.create_id_tag(new_id_tag("tag3")));
    let patches = [
        IdTagPatch {
            expire_at: Some(None),
            label: Some(Some("L".into())),
            status: Some("blocked".into()),
            kind: Some("app".into()),
            ..Default::default()
        },
        IdTagPatch {
            uid: Some("TAG1".into()),
            ..Default::default()
        },
        IdTagPatch {
            uid: Some("TAG3".into()),
            external_id: Some(None),
            ..Default::default()
        },
        IdTagPatch {
            uid: Some("TAG4".into()),
            ..Default::default()
        },
        IdTagPatch::default(),
    ];
    for patch in patches {
        same!(p, |s| s.update_id_tag(4, patch.clone()));
    }
    same!(p, |s| s.update_id_tag(99, IdTagPatch::default()));
    same!(p, |s| s.delete_id_tag(5));
    same!(p, |s| s.delete_id_tag(5));
    same!(p, |s| s.id_tags(IdTagFilter::default(), all()));
    p.same_rows(
        "SELECT id, identity, name, protocol,
           CAST(CASE WHEN password_hash IS NULL THEN 0 ELSE 1 END AS BIGINT), desired_profile,
           access_type, system_status, created_at, updated_at FROM charge_points",
        "itttiitttt",
    )
    .await;
}

fn entry(key: &str, value: Option<&str>, readonly: bool) -> ConfigurationEntry {
    ConfigurationEntry {
        key: key.into(),
        value: value.map(str::to_owned),
        readonly,
    }
}

pub(super) async fn actions(p: &Pair) {
    same!(p, |s| s.new_request_id(1, "log"));
    same!(p, |s| s.new_request_id(2, "firmware"));
    same!(p, |s| s.new_request_id(99, "log"));
    // A refused write spends no id in either store.
    same!(p, |s| s.new_request_id(1, "configuration"));

    // The fixture's pending session of charge point 2 is long past the window: the next
    // remote start there expires it; the one after keeps the first (it is recent).
    let first = answer!(p, |s| s.create_pending_session(2, Some(1), "TAG9".into()));
    let first = first.expect("pending session");
    same!(p, |s| s.create_pending_session(2, None, "TAG9".into()));
    same!(p, |s| s.create_pending_session(99, None, "TAG9".into()));
    same!(p, |s| s.create_pending_session(3, Some(2), "TAG8".into()));
    same!(p, |s| s.fail_pending_session(first, "Rejected".into()));
    same!(p, |s| s.fail_pending_session(first, "again".into()));
    same!(p, |s| s.fail_pending_session(1, "not pending".into()));
    same!(p, |s| s.fail_pending_session(99, "unknown".into()));
    for id in [1, 4, first, first + 1] {
        same!(p, |s| s.session(id));
        same!(p, |s| s.session_transaction_id(id));
    }
    let f = SessionFilter {
        status: Some("pending".into()),
        ..Default::default()
    };
    same!(p, |s| s.sessions(f.clone(), all()));

    let entries = vec![
        entry("HeartbeatInterval", Some("120"), false),
        entry("New", None, true),
        entry("New", Some("twice"), false),
        entry("B", Some("now set"), false),
    ];
    same!(p, |s| s.store_configuration(
        1,
        Some(7),
        entries.clone(),
        false
    ));
    same!(p, |s| s.configurations(1, None));
    let entries = vec![
        entry("Only", Some("1"), true),
        entry("another", None, false),
    ];
    same!(p, |s| s.store_configuration(2, None, entries.clone(), true));
    same!(p, |s| s.configurations(2, None));
    same!(p, |s| s.store_configuration(3, None, Vec::new(), true));
    same!(p, |s| s.store_configuration(99, None, Vec::new(), true));
    same!(p, |s| s.store_configuration(
        99,
        None,
        entries.clone(),
        false
    ));
    same!(p, |s| s.set_configuration_value(
        1,
        "New".into(),
        "set".into()
    ));
    same!(p, |s| s.set_configuration_value(
        1,
        "Fresh".into(),
        "v".into()
    ));
    same!(p, |s| s.set_configuration_value(
        99,
        "Fresh".into(),
        "v".into()
    ));
    same!(p, |s| s.configurations(1, None));

    let body = json!({"chargingProfileKind": "Absolute", "stackLevel": 0});
    let mut profiles = Vec::new();
    for (evse, purpose, level) in [
        (1, "TxDefaultProfile", 0),
        (1, "TxDefaultProfile", 1),
        (2, "ChargePointMaxProfile", 0),
        (7, "TxProfile", 2),
    ] {
        let id = answer!(p, |s| s.new_charging_profile(
            1,
            evse,
            purpose.into(),
            level,
            body.clone()
        ));
        profiles.push(id.expect("profile id"));
    }
    same!(p, |s| s.new_charging_profile(
        99,
        1,
        "TxProfile".into(),
        0,
        body.clone()
    ));
    same!(p, |s| s.new_charging_profile(
        2,
        1,
        "TxProfile".into(),
        0,
        body.clone()
    ));
    let profile = json!({"id": 1, "stackLevel": 0})
        .as_object()
        .cloned()
        .expect("object");
    for (id, applied, session) in [
        (profiles[0], true, Some(1)),
        (profiles[1], true, None),
        (profiles[2], false, None),
        (profiles[3], true, Some(2)),
        (99, true, None),
    ] {
        same!(p, |s| s.charging_profile_outcome(
            id,
            applied,
            session,
            profile.clone()
        ));
    }
    let criteria = [
        ProfileCriteria {
            purpose: Some("TxProfile".into()),
            ..Default::default()
        },
        ProfileCriteria {
            id: Some(profiles[2]),
            ..Default::default()
        },
        ProfileCriteria {
            evse_network_id: Some(1),
            stack_level: Some(1),
            ..Default::default()
        },
        ProfileCriteria::default(),
        ProfileCriteria::default(),
    ];
    for c in criteria {
        same!(p, |s| s.clear_charging_profiles(1, c.clone()));
    }

    let reservation = |cp, evse, tag: &str, user, at: &str| NewReservation {
        charge_point_id: cp,
        evse_network_id: evse,
        id_tag: tag.into(),
        user_id: user,
        expires_at: at.into(),
    };
    let r = answer!(p, |s| s.create_reservation(reservation(
        1,
        2,
        "TAG1",
        Some(5),
        "2030-01-01T00:00:00.000Z"
    )));
    let r = r.expect("reservation");
    same!(p, |s| s
        .create_reservation(reservation(99, 1, "TAG1", None, "x")));
    same!(p, |s| s
        .create_reservation(reservation(2, 3, "TAG2", None, "y")));
    same!(p, |s| s.create_reservation(reservation(
        1,
        0,
        "USR5",
        Some(5),
        "z"
    )));
    for status in ["active", "rejected", "Removed", "canceled"] {
        same!(p, |s| s.set_reservation_status(r, status.into()));
        same!(p, |s| s.reservation(r));
    }
    same!(p, |s| s.set_reservation_status(99, "active".into()));
    same!(p, |s| s.reservations(ReservationFilter::default(), 0, 100));

    p.same_rows(
        "SELECT id, charge_point_id, evse_network_id, connector_id, status, id_tag, reason,
           remote_start_id, created_at, updated_at FROM sessions",
        "iiiitttitt",
    )
    .await;
    p.same_rows(
        "SELECT charge_point_id, key, value, CAST(CASE WHEN readonly THEN 1 ELSE 0 END AS BIGINT),
           updated_at FROM configurations",
        "ittit",
    )
    .await;
    p.same_rows(
        "SELECT id, charge_point_id, evse_network_id, purpose, stack_level, status, body,
           created_at, updated_at FROM charging_profiles",
        "iiitittt",
    )
    .await;
    p.same_rows(
        "SELECT id, charge_point_id, kind, created_at FROM action_requests",
        "iitt",
    )
    .await;
    p.same_rows(
        "SELECT id, charge_point_id, evse_network_id, id_tag, status, expires_at, created_at,
           updated_at FROM reservations",
        "iiittttt",
    )
    .await;
    // The notifications: one row per subscription that wants each, bodies alike.
    let (outbox, _) = p
        .dump(
            "SELECT id, subscription_id, charge_point_id, notification, body, status,
               next_attempt_at, created_at FROM outbox",
            "iiitttt",
        )
        .await;
    assert_eq!(outbox.lines().count(), 17, "{outbox}");
    p.same_rows(
        "SELECT id, subscription_id, charge_point_id, notification, body, status,
           next_attempt_at, created_at FROM outbox",
        "iiitttt",
    )
    .await;
}

pub(super) async fn deletes(p: &Pair) {
    same!(p, |s| s.delete_charge_point(1));
    same!(p, |s| s.delete_charge_point(1));
    same!(p, |s| s.delete_charge_point(99));
    same!(p, |s| s.charge_points(ChargePointFilter::default(), all()));
    same!(p, |s| s.evses(EvseFilter::default(), all()));
    same!(p, |s| s.sessions(SessionFilter::default(), all()));
    same!(p, |s| s
        .authorizations(AuthorizationFilter::default(), all()));
    same!(p, |s| s.reservations(ReservationFilter::default(), 0, 100));
    same!(p, |s| s
        .security_events(SecurityEventFilter::default(), all()));
    same!(p, |s| s.configurations(1, None));
    same!(p, |s| s.hardware_status_logs(1, Window::default(), all()));
    same!(p, |s| s.network_status_logs(1, Window::default(), all()));
    p.same_rows(
        "SELECT evse_id, connector_id, hardware_status FROM connectors",
        "iit",
    )
    .await;
    p.same_rows(
        "SELECT id, charge_point_id, status FROM charging_profiles",
        "iit",
    )
    .await;
    for table in [
        "evses",
        "connectors",
        "sessions",
        "meter_values",
        "hardware_status_logs",
        "network_status_logs",
        "configurations",
        "charging_profiles",
        "action_requests",
        "outbox",
    ] {
        same_inherent!(p, |s| s.count(table));
    }
    // A charge point created after the delete gets a new id, in both.
    same!(p, |s| s.create_charge_point(new_charge_point("CP-1")));
}
