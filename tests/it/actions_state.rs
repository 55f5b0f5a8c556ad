//! Actions that leave state behind, on both versions: a remote start's session is the
//! transaction that follows and can be stopped by its id; reservations; charging
//! profiles (absolute and recurring, the same periods and limits in both versions,
//! cleared again); configuration sync and change.

use crate::actions_common;
use crate::common;

use actions_common::*;
use ocpp_gateway::ocpp::OcppVersion;
use serde_json::{json, Value};

const SESSIONS: &str = "/public-api/resources/sessions/v1.0";

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

async fn session(r: &Rig, id: i64) -> Value {
    let reply = r.api.get(&format!("{SESSIONS}/{id}")).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.body["data"].clone()
}

#[tokio::test]
async fn a_1_6_remote_start_becomes_the_session_and_stops_by_its_id() {
    let mut r = rig(OcppVersion::V16, "START16").await;
    r.c.call(
        "StatusNotification",
        json!({"connectorId": 1, "errorCode": "NoError", "status": "Available"}),
    )
    .await;
    let (sent, reply) = r
        .exchange(
            &r.path("v1.0", "start/1"),
            json!({"idTag": "TAG16"}),
            "RemoteStartTransaction",
            Answer::Result(json!({"status": "Accepted"})),
        )
        .await;
    assert_eq!(sent, json!({"connectorId": 1, "idTag": "TAG16"}));
    assert_eq!(reply.status, 202, "{}", reply.text);
    let id = reply.body["sessionId"].as_i64().expect("sessionId");
    assert_eq!(session(&r, id).await["status"], "pending");

    let answer =
        r.c.call(
            "StartTransaction",
            json!({"connectorId": 1, "idTag": "TAG16", "meterStart": 100, "timestamp": now()}),
        )
        .await;
    assert_eq!(
        answer["transactionId"], id,
        "the transaction is the session"
    );
    assert_eq!(session(&r, id).await["status"], "active");

    let (sent, reply) = r
        .exchange(
            &r.path("v1.0", &format!("stop/{id}")),
            json!({}),
            "RemoteStopTransaction",
            Answer::Result(json!({"status": "Accepted"})),
        )
        .await;
    assert_eq!(sent, json!({"transactionId": id}));
    assert_eq!(reply.status, 202, "{}", reply.text);

    // A refused start leaves a failed session and answers 406.
    let (_, reply) = r
        .exchange(
            &r.path("v1.0", "start"),
            json!({"idTag": "TAG16", "connectorId": 2, "chargingProfile": {
                "stackLevel": 0, "chargingProfilePurpose": "TxProfile", "chargingProfileKind": "Relative",
                "chargingSchedule": {"chargingRateUnit": "W",
                    "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 7400}]}}}),
            "RemoteStartTransaction",
            Answer::Result(json!({"status": "Rejected"})),
        )
        .await;
    assert_eq!(reply.status, 406, "{}", reply.text);
    // Unknown session: 404.
    let reply = r.api.post(&r.path("v1.0", "stop/999999"), json!({})).await;
    assert_eq!(reply.status, 404, "{}", reply.text);
}

#[tokio::test]
async fn a_2_0_1_remote_start_becomes_the_session_and_stops_by_its_id() {
    let mut r = rig(OcppVersion::V201, "START201").await;
    r.c.call(
        "StatusNotification",
        json!({"timestamp": now(), "connectorStatus": "Available", "evseId": 1, "connectorId": 1}),
    )
    .await;
    let (sent, reply) = r
        .exchange(
            &r.path("v1.0", "start/1"),
            json!({"idTag": "TAG201", "chargingProfile": {
                "stackLevel": 0, "chargingProfilePurpose": "TxProfile", "chargingProfileKind": "Relative",
                "chargingSchedule": {"chargingRateUnit": "A",
                    "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 20}]}}}),
            "RequestStartTransaction",
            Answer::Result(json!({"status": "Accepted"})),
        )
        .await;
    assert_eq!(reply.status, 202, "{}", reply.text);
    let id = reply.body["sessionId"].as_i64().expect("sessionId");
    assert_eq!(sent["remoteStartId"], id);
    assert_eq!(sent["evseId"], 1);
    assert_eq!(sent["idToken"]["idToken"], "TAG201");
    let profile = &sent["chargingProfile"];
    assert_eq!(profile["chargingProfilePurpose"], "TxProfile");
    assert_eq!(
        profile["chargingSchedule"][0]["chargingSchedulePeriod"][0]["limit"].as_f64(),
        Some(20.0)
    );

    r.c.call(
        "TransactionEvent",
        json!({
            "eventType": "Started", "timestamp": now(), "triggerReason": "RemoteStart",
            "seqNo": 0, "transactionInfo": {"transactionId": "tx-201", "remoteStartId": id},
            "evse": {"id": 1, "connectorId": 1},
            "idToken": {"idToken": "TAG201", "type": "Central"}
        }),
    )
    .await;
    let s = session(&r, id).await;
    assert_eq!(s["status"], "active", "{s}");

    let (sent, reply) = r
        .exchange(
            &r.path("v1.0", &format!("stop/{id}")),
            json!({}),
            "RequestStopTransaction",
            Answer::Result(json!({"status": "Accepted"})),
        )
        .await;
    assert_eq!(sent, json!({"transactionId": "tx-201"}));
    assert_eq!(reply.status, 202, "{}", reply.text);
}

#[tokio::test]
async fn reserve_and_cancel_on_both_versions() {
    for version in [OcppVersion::V16, OcppVersion::V201] {
        let identity = format!("RES-{}", version.subprotocol().replace('.', ""));
        let mut r = rig(version, &identity).await;
        let (sent, reply) = r
            .exchange(
                &r.path("v1.0", "reserve/1"),
                json!({"userId": 42}),
                "ReserveNow",
                Answer::Result(json!({"status": "Accepted"})),
            )
            .await;
        assert_eq!(reply.status, 202, "{}", reply.text);
        let id = reply.body["reservationId"].as_i64().expect("reservationId");
        let sent_id = if version == OcppVersion::V16 {
            &sent["reservationId"]
        } else {
            &sent["id"]
        };
        assert_eq!(sent_id, &json!(id));
        let (sent, reply) = r
            .exchange(
                &format!("/public-api/actions/reservation/v1.0/{id}/cancel"),
                json!({}),
                "CancelReservation",
                Answer::Result(json!({"status": "Accepted"})),
            )
            .await;
        assert_eq!(sent, json!({"reservationId": id}));
        assert_eq!(reply.status, 202, "{}", reply.text);
        let reply = r
            .api
            .post(
                "/public-api/actions/reservation/v1.0/999999/cancel",
                json!({}),
            )
            .await;
        assert_eq!(reply.status, 404, "{}", reply.text);
    }
}

fn absolute() -> Value {
    json!({
        "stackLevel": 1, "chargingProfilePurpose": "TxDefaultProfile",
        "chargingProfileKind": "Absolute",
        "chargingSchedule": {
            "chargingRateUnit": "A", "startSchedule": "2026-06-01T08:00:00Z", "duration": 7200,
            "chargingSchedulePeriod": [
                {"startPeriod": 0, "limit": 16.0},
                {"startPeriod": 3600, "limit": 10.5, "numberPhases": 3}
            ]
        }
    })
}

fn recurring() -> Value {
    json!({
        "stackLevel": 2, "chargingProfilePurpose": "ChargePointMaxProfile",
        "chargingProfileKind": "Recurring", "recurrencyKind": "Daily",
        "chargingSchedule": {
            "chargingRateUnit": "W", "startSchedule": "2026-06-01T00:00:00Z", "duration": 86400,
            "chargingSchedulePeriod": [
                {"startPeriod": 0, "limit": 11000},
                {"startPeriod": 64800, "limit": 7400}
            ]
        }
    })
}

#[tokio::test]
async fn charging_profiles_arrive_alike_in_both_versions_and_clear() {
    for version in [OcppVersion::V16, OcppVersion::V201] {
        let identity = format!("PROF-{}", version.subprotocol().replace('.', ""));
        let mut r = rig(version, &identity).await;
        for (evse, body) in [(1, absolute()), (0, recurring())] {
            let (sent, reply) = r
                .exchange(
                    &r.path("v1.0", &format!("set-charging-profile/{evse}")),
                    body.clone(),
                    "SetChargingProfile",
                    Answer::Result(json!({"status": "Accepted"})),
                )
                .await;
            assert_eq!(reply.status, 202, "{}", reply.text);
            let id = reply.body["data"]["id"].as_i64().expect("profile id");
            let (profile, schedule) = if version == OcppVersion::V16 {
                assert_eq!(sent["connectorId"], evse);
                let p = sent["csChargingProfiles"].clone();
                assert_eq!(p["chargingProfileId"], id);
                (p.clone(), p["chargingSchedule"].clone())
            } else {
                assert_eq!(sent["evseId"], evse);
                let p = sent["chargingProfile"].clone();
                assert_eq!(p["id"], id);
                assert_eq!(p["chargingSchedule"][0]["id"], id, "allocated schedule id");
                (p.clone(), p["chargingSchedule"][0].clone())
            };
            let want = &body["chargingSchedule"];
            assert_eq!(profile["stackLevel"], body["stackLevel"]);
            assert_eq!(profile["chargingProfileKind"], body["chargingProfileKind"]);
            assert_eq!(profile.get("recurrencyKind"), body.get("recurrencyKind"));
            assert_eq!(schedule["chargingRateUnit"], want["chargingRateUnit"]);
            assert_eq!(schedule["duration"], want["duration"]);
            let periods = schedule["chargingSchedulePeriod"]
                .as_array()
                .expect("periods");
            let wanted = want["chargingSchedulePeriod"].as_array().expect("periods");
            assert_eq!(periods.len(), wanted.len());
            for (p, w) in periods.iter().zip(wanted) {
                assert_eq!(p["startPeriod"], w["startPeriod"]);
                assert_eq!(p["limit"].as_f64(), w["limit"].as_f64());
                assert_eq!(p.get("numberPhases"), w.get("numberPhases"));
            }
            let purpose = profile["chargingProfilePurpose"]
                .as_str()
                .unwrap_or_default();
            match body["chargingProfilePurpose"].as_str() {
                Some("ChargePointMaxProfile") if version == OcppVersion::V201 => {
                    assert_eq!(purpose, "ChargingStationMaxProfile")
                }
                other => assert_eq!(Some(purpose), other),
            }
            assert_eq!(profile_status(&r, id).await, "applied");

            let (sent, reply) = r
                .exchange(
                    &r.path("v1.0", "clear-charging-profile"),
                    json!({"id": id}),
                    "ClearChargingProfile",
                    Answer::Result(json!({"status": "Accepted"})),
                )
                .await;
            assert_eq!(reply.status, 202, "{}", reply.text);
            let cleared = if version == OcppVersion::V16 {
                &sent["id"]
            } else {
                &sent["chargingProfileId"]
            };
            assert_eq!(cleared, &json!(id));
            assert_eq!(profile_status(&r, id).await, "cleared");
        }
        // A refused profile is recorded as such and answered 406.
        let (_, reply) = r
            .exchange(
                &r.path("v1.0", "set-charging-profile/1"),
                absolute(),
                "SetChargingProfile",
                Answer::Result(json!({"status": "Rejected"})),
            )
            .await;
        assert_eq!(reply.status, 406, "{}", reply.text);
    }
}

async fn profile_status(r: &Rig, id: i64) -> String {
    r.tg.store
        .texts(&format!(
            "SELECT status FROM charging_profiles WHERE id = {id}"
        ))
        .await
        .first()
        .and_then(|row| row[0].clone())
        .expect("profile row")
}

async fn configuration(r: &Rig, key: &str) -> Reply {
    r.api
        .get(&format!(
            "/public-api/resources/charge-points/v2.0/{}/configurations/{key}",
            r.cp
        ))
        .await
}

use common::reference::Reply;

#[tokio::test]
async fn configuration_sync_and_change_on_1_6() {
    let mut r = rig(OcppVersion::V16, "CONF16").await;
    let (sent, reply) = r
        .exchange(
            &r.path("v1.0", "sync-configuration"),
            json!({}),
            "GetConfiguration",
            Answer::Result(json!({"configurationKey": [
                {"key": "HeartbeatInterval", "readonly": false, "value": "60"},
                {"key": "NumberOfConnectors", "readonly": true, "value": "2"}
            ]})),
        )
        .await;
    assert_eq!(sent, json!({}));
    assert_eq!(reply.status, 202, "{}", reply.text);
    assert!(reply.body["requestId"].is_number());
    let got = configuration(&r, "HeartbeatInterval").await;
    assert_eq!(got.body["data"]["key"]["value"], "60", "{}", got.text);

    let (sent, reply) = r
        .exchange(
            &r.path("v2.0", "set-configuration"),
            json!({"name": "HeartbeatInterval", "value": "300"}),
            "ChangeConfiguration",
            Answer::Result(json!({"status": "Accepted"})),
        )
        .await;
    assert_eq!(sent, json!({"key": "HeartbeatInterval", "value": "300"}));
    assert_eq!(reply.status, 202, "{}", reply.text);
    let got = configuration(&r, "HeartbeatInterval").await;
    assert_eq!(got.body["data"]["key"]["value"], "300", "{}", got.text);

    // The resources PATCH changes it on the charger too.
    let api = r.api.clone();
    let path = format!(
        "/public-api/resources/charge-points/v2.0/{}/configurations/HeartbeatInterval",
        r.cp
    );
    let http = tokio::spawn(async move { api.patch(&path, json!({"value": "90"})).await });
    let sent = r
        .expect_call(
            "ChangeConfiguration",
            Answer::Result(json!({"status": "Accepted"})),
        )
        .await;
    assert_eq!(sent, json!({"key": "HeartbeatInterval", "value": "90"}));
    let reply = http.await.expect("join");
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.body["data"]["key"]["value"], "90");
    // A refused change leaves the stored value alone.
    let (_, reply) = r
        .exchange(
            &r.path("v2.0", "set-configuration"),
            json!({"name": "HeartbeatInterval", "value": "5"}),
            "ChangeConfiguration",
            Answer::Result(json!({"status": "Rejected"})),
        )
        .await;
    assert_eq!(reply.status, 406);
    let got = configuration(&r, "HeartbeatInterval").await;
    assert_eq!(got.body["data"]["key"]["value"], "90");
}

#[tokio::test]
async fn configuration_sync_and_change_on_2_0_1() {
    let mut r = rig(OcppVersion::V201, "CONF201").await;
    let (sent, reply) = r
        .exchange(
            &r.path("v1.0", "sync-configuration"),
            json!({}),
            "GetBaseReport",
            Answer::Result(json!({"status": "Accepted"})),
        )
        .await;
    assert_eq!(reply.status, 202, "{}", reply.text);
    let request_id = reply.body["requestId"].as_i64().expect("requestId");
    assert_eq!(sent["requestId"], request_id);
    assert_eq!(sent["reportBase"], "FullInventory");
    r.c.call(
        "NotifyReport",
        json!({
            "requestId": request_id, "generatedAt": now(), "seqNo": 0, "tbc": false,
            "reportData": [{
                "component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"},
                "variableAttribute": [{"type": "Actual", "value": "60", "mutability": "ReadWrite"}]
            }]
        }),
    )
    .await;
    let key = "OCPPCommCtrlr.HeartbeatInterval";
    let got = configuration(&r, key).await;
    assert_eq!(got.body["data"]["key"]["value"], "60", "{}", got.text);

    let (sent, reply) = r
        .exchange(
            &r.path("v2.0", "set-configuration"),
            json!({"name": "HeartbeatInterval", "value": "120", "componentName": "OCPPCommCtrlr"}),
            "SetVariables",
            Answer::Result(json!({"setVariableResult": [{"attributeStatus": "Accepted",
                "component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"}}]})),
        )
        .await;
    assert_eq!(
        sent["setVariableData"][0],
        json!({"attributeValue": "120", "component": {"name": "OCPPCommCtrlr"},
            "variable": {"name": "HeartbeatInterval"}})
    );
    assert_eq!(reply.status, 202, "{}", reply.text);
    let got = configuration(&r, key).await;
    assert_eq!(got.body["data"]["key"]["value"], "120", "{}", got.text);

    // Without a component, a 2.0.1 key must name it: 422.
    let reply = r
        .api
        .post(
            &r.path("v2.0", "set-configuration"),
            json!({"name": "HeartbeatInterval", "value": "1"}),
        )
        .await;
    assert_eq!(reply.status, 422, "{}", reply.text);
}
