//! Every simple action, on a 1.6 and a 2.0.1 charger: the OCPP call the charger gets
//! (name and schema-valid payload) and the HTTP answer for an accepting, a refusing, an
//! erring and a silent charger; and the answers that need no charger at all (unknown
//! charge point, not connected, invalid body, no such operation for the version).

use crate::actions_common;
use crate::common;

use actions_common::*;
use common::reference::Api;
use common::*;
use ocpp_gateway::ocpp::OcppVersion;
use serde_json::{json, Value};

fn ok() -> Value {
    json!({"status": "Accepted"})
}

fn rejected() -> Option<Value> {
    Some(json!({"status": "Rejected"}))
}

fn cases(r: &Rig) -> Vec<Case> {
    let v16 = r.version == OcppVersion::V16;
    let pick = |a: &'static str, b: &'static str| if v16 { a } else { b };
    let hash = json!({"hashAlgorithm": "SHA256", "issuerNameHash": "aa", "issuerKeyHash": "bb",
        "serialNumber": "01"});
    let case = |v: &str, tail: &str, body: Value, action, ok: Value, status, refusal| Case {
        path: r.path(v, tail),
        body,
        action,
        ok,
        status,
        refusal,
    };
    vec![
        case(
            "v1.0",
            "reset/hard",
            json!({}),
            "Reset",
            ok(),
            202,
            rejected(),
        ),
        case(
            "v1.0",
            "reset/soft",
            json!({}),
            "Reset",
            ok(),
            202,
            rejected(),
        ),
        case(
            "v1.0",
            "unlock/1",
            json!({}),
            "UnlockConnector",
            json!({"status": "Unlocked"}),
            202,
            Some(json!({"status": "UnlockFailed"})),
        ),
        case(
            "v1.0",
            "change-availability",
            json!({"type": "Inoperative", "evseNetworkId": 1}),
            "ChangeAvailability",
            ok(),
            202,
            rejected(),
        ),
        case(
            "v1.0",
            "change-availability",
            json!({"type": "Operative"}),
            "ChangeAvailability",
            json!({"status": "Scheduled"}),
            204,
            rejected(),
        ),
        case(
            "v1.0",
            "clear-charging-profile",
            json!({"id": 5}),
            "ClearChargingProfile",
            ok(),
            202,
            Some(json!({"status": "Unknown"})),
        ),
        case(
            "v1.0",
            "trigger-message",
            json!({"type": "Heartbeat"}),
            "TriggerMessage",
            ok(),
            202,
            rejected(),
        ),
        case(
            "v1.0",
            "trigger-message",
            json!({"type": "LogStatusNotification"}),
            pick("ExtendedTriggerMessage", "TriggerMessage"),
            ok(),
            202,
            rejected(),
        ),
        case(
            "v1.0",
            "send-data-transfer",
            json!({"vendorId": "acme", "messageId": "m1", "data": "ping"}),
            "DataTransfer",
            json!({"status": "Accepted", "data": "pong"}),
            200,
            None,
        ),
        case(
            "v1.0",
            "sync-configuration",
            json!({"keys": [pick("HeartbeatInterval", "OCPPCommCtrlr.HeartbeatInterval")]}),
            pick("GetConfiguration", "GetVariables"),
            if v16 {
                json!({"configurationKey": [{"key": "HeartbeatInterval", "readonly": false, "value": "60"}]})
            } else {
                json!({"getVariableResult": [{"attributeStatus": "Accepted", "attributeValue": "60",
                    "component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"}}]})
            },
            202,
            None,
        ),
        case(
            "v2.0",
            "set-configuration",
            json!({"name": "HeartbeatInterval", "value": "120", "componentName": "OCPPCommCtrlr"}),
            pick("ChangeConfiguration", "SetVariables"),
            if v16 {
                ok()
            } else {
                json!({"setVariableResult": [{"attributeStatus": "Accepted",
                    "component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"}}]})
            },
            202,
            if v16 {
                rejected()
            } else {
                Some(json!({"setVariableResult": [{"attributeStatus": "Rejected",
                    "component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"}}]}))
            },
        ),
        case(
            "v1.0",
            "get-diagnostics",
            json!({"location": "ftp://logs.example.com/", "start": "2026-01-01T00:00:00Z"}),
            pick("GetDiagnostics", "GetLog"),
            if v16 {
                json!({"fileName": "diag.zip"})
            } else {
                json!({"status": "Accepted", "filename": "diag.zip"})
            },
            202,
            if v16 { None } else { rejected() },
        ),
        case(
            "v1.0",
            "get-security-log",
            json!({"url": "https://logs.example.com/", "reason": "audit",
                "startTime": "2026-01-01 00:00:00", "retries": 2, "interval": 60}),
            "GetLog",
            json!({"status": "Accepted", "filename": "sec.log"}),
            201,
            rejected(),
        ),
        case(
            "v2.0",
            "update-firmware",
            json!({"signed": false, "url": "https://fw.example.com/1.2.bin", "retries": 3}),
            "UpdateFirmware",
            if v16 { json!({}) } else { ok() },
            202,
            if v16 { None } else { rejected() },
        ),
        case(
            "v2.0",
            "update-firmware",
            json!({"signed": true, "url": "https://fw.example.com/1.3.bin",
                "signature": "c2ln", "signingCertificate": "-----BEGIN CERTIFICATE-----"}),
            pick("SignedUpdateFirmware", "UpdateFirmware"),
            ok(),
            202,
            rejected(),
        ),
        case(
            "v2.0",
            "sync-certificates",
            json!({}),
            "GetInstalledCertificateIds",
            if v16 {
                json!({"status": "Accepted", "certificateHashData": [hash]})
            } else {
                json!({"status": "Accepted", "certificateHashDataChain": [
                    {"certificateType": "CSMSRootCertificate", "certificateHashData": hash}]})
            },
            202,
            None,
        ),
        case(
            "v2.0",
            "install-certificate",
            json!({"certificateType": "CSMSRootCertificate"}),
            "InstallCertificate",
            ok(),
            202,
            rejected(),
        ),
        case(
            "v1.0",
            "clear-cache",
            json!({}),
            "ClearCache",
            ok(),
            202,
            rejected(),
        ),
        case(
            "v1.0",
            "get-local-list-version",
            json!({}),
            "GetLocalListVersion",
            if v16 {
                json!({"listVersion": 3})
            } else {
                json!({"versionNumber": 3})
            },
            200,
            None,
        ),
        case(
            "v1.0",
            "get-composite-schedule",
            json!({"evseNetworkId": 1, "duration": 3600, "chargingRateUnit": "W"}),
            "GetCompositeSchedule",
            ok(),
            200,
            rejected(),
        ),
        case(
            "v1.0",
            "send-custom-ocpp",
            json!({"action": "ClearCache", "payload": {}}),
            "ClearCache",
            json!({"status": "Accepted"}),
            200,
            None,
        ),
    ]
    .into_iter()
    .chain(station_cases(r))
    .chain(extension_cases(r))
    .chain(report_cases(r))
    .collect()
}

/// The extensions of README "Finer targets and local lists by hand", on both versions.
fn extension_cases(r: &Rig) -> Vec<Case> {
    let v16 = r.version == OcppVersion::V16;
    let case = |v: &str, tail: &str, body: Value, action, ok: Value, status, refusal| Case {
        path: r.path(v, tail),
        body,
        action,
        ok,
        status,
        refusal,
    };
    let failed = Some(json!({"status": "Failed"}));
    let variable = if v16 {
        json!({"name": "HeartbeatInterval", "value": "60"})
    } else {
        json!({"componentName": "OCPPCommCtrlr", "name": "HeartbeatInterval", "value": "60"})
    };
    let set_ok = if v16 {
        ok()
    } else {
        json!({"setVariableResult": [{"attributeStatus": "Accepted",
            "component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"}}]})
    };
    let profile = json!({
        "stackLevel": 1, "chargingProfilePurpose": "TxDefaultProfile",
        "chargingProfileKind": "Absolute",
        "chargingSchedule": {"chargingRateUnit": "A", "startSchedule": "2026-01-01T00:00:00Z",
            "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 16}]}
    });
    vec![
        case(
            "v1.0",
            "set-charging-profile/1",
            profile,
            "SetChargingProfile",
            ok(),
            202,
            rejected(),
        ),
        case(
            "v1.0",
            "start/1",
            json!({"idTag": "TABLE-1"}),
            if v16 {
                "RemoteStartTransaction"
            } else {
                "RequestStartTransaction"
            },
            ok(),
            202,
            rejected(),
        ),
        case(
            "v1.0",
            "reserve/1",
            json!({"userId": 42}),
            "ReserveNow",
            ok(),
            202,
            rejected(),
        ),
        case(
            "v1.0",
            "cancel-reservation",
            json!({"reservationId": 77}),
            "CancelReservation",
            ok(),
            202,
            rejected(),
        ),
        case(
            "v1.0",
            "send-local-list",
            json!({"updateType": "Full", "listVersion": 4,
                "entries": [{"idTag": "T1", "status": "Accepted"}]}),
            "SendLocalList",
            ok(),
            200,
            failed.clone(),
        ),
        case(
            "v2.0",
            "set-configurations",
            json!({"variables": [variable]}),
            if v16 {
                "ChangeConfiguration"
            } else {
                "SetVariables"
            },
            set_ok,
            200,
            None,
        ),
    ]
}

/// The reports in parts (2.0.1 only; the parts themselves are in `reports_*`): the call
/// and the answer to it.
fn report_cases(r: &Rig) -> Vec<Case> {
    if r.version == OcppVersion::V16 {
        return Vec::new();
    }
    let case = |tail: &str, body: Value, action, refusal| Case {
        path: r.path("v2.0", tail),
        body,
        action,
        ok: ok(),
        status: 202,
        refusal,
    };
    vec![
        case("get-report", json!({}), "GetReport", rejected()),
        case(
            "get-base-report",
            json!({"reportBase": "SummaryInventory"}),
            "GetBaseReport",
            rejected(),
        ),
        case(
            "get-monitoring-report",
            json!({}),
            "GetMonitoringReport",
            rejected(),
        ),
        case(
            "customer-information",
            json!({"report": true, "clear": false, "customerIdentifier": "C-1"}),
            "CustomerInformation",
            rejected(),
        ),
        case(
            "get-charging-profiles",
            json!({"chargingProfile": {"chargingProfilePurpose": "TxDefaultProfile"}}),
            "GetChargingProfiles",
            None,
        ),
        case(
            "get-display-messages",
            json!({}),
            "GetDisplayMessages",
            None,
        ),
        Case {
            path: r.path("v1.0", "set-variable-monitoring"),
            body: json!({"monitors": [{"value": 60, "type": "Periodic", "severity": 8,
                "component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"}}]}),
            action: "SetVariableMonitoring",
            ok: json!({"setMonitoringResult": [{"id": 3, "status": "Accepted", "type": "Periodic",
                "severity": 8, "component": {"name": "OCPPCommCtrlr"},
                "variable": {"name": "HeartbeatInterval"}}]}),
            status: 200,
            refusal: Some(
                json!({"setMonitoringResult": [{"status": "Rejected", "type": "Periodic",
                "severity": 8, "component": {"name": "OCPPCommCtrlr"},
                "variable": {"name": "HeartbeatInterval"}}]}),
            ),
        },
        Case {
            path: r.path("v1.0", "clear-variable-monitoring"),
            body: json!({"ids": [3]}),
            action: "ClearVariableMonitoring",
            ok: json!({"clearMonitoringResult": [{"status": "Accepted", "id": 3}]}),
            status: 200,
            refusal: Some(json!({"clearMonitoringResult": [{"status": "Rejected", "id": 3}]})),
        },
    ]
}

/// Starts a transaction from the charger's side; the session's id.
async fn running_session(r: &mut Rig) -> i64 {
    if r.version == OcppVersion::V16 {
        let answer =
            r.c.call(
                "StartTransaction",
                json!({"connectorId": 1, "idTag": "TABLE-TX", "meterStart": 0,
                    "timestamp": "2026-01-01T00:00:00Z"}),
            )
            .await;
        return answer["transactionId"].as_i64().expect("transactionId");
    }
    r.c.call(
        "TransactionEvent",
        json!({"eventType": "Started", "timestamp": "2026-01-01T00:00:00Z",
            "triggerReason": "Authorized", "seqNo": 0,
            "transactionInfo": {"transactionId": "table-tx"},
            "evse": {"id": 1, "connectorId": 1},
            "idToken": {"idToken": "TABLE-TX", "type": "ISO14443"}}),
    )
    .await;
    let reply = r
        .api
        .get(&format!(
            "/public-api/resources/sessions/v1.0?filter[chargePointId]={}",
            r.cp
        ))
        .await;
    reply.body["data"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|s| s["status"] == "active")
        .and_then(|s| {
            s["id"]
                .as_str()
                .and_then(|i| i.parse().ok())
                .or(s["id"].as_i64())
        })
        .expect("the running session")
}

/// The actions on a running session: stop, and (2.0.1) the running cost.
fn session_cases(r: &Rig, session: i64) -> Vec<Case> {
    let v16 = r.version == OcppVersion::V16;
    let mut cases = vec![Case {
        path: r.path("v1.0", &format!("stop/{session}")),
        body: json!({}),
        action: if v16 {
            "RemoteStopTransaction"
        } else {
            "RequestStopTransaction"
        },
        ok: ok(),
        status: 202,
        refusal: rejected(),
    }];
    if !v16 {
        cases.push(Case {
            path: r.path("v1.0", "cost-updated"),
            body: json!({"sessionId": session, "totalCost": 1.25}),
            action: "CostUpdated",
            ok: json!({}),
            status: 202,
            refusal: None,
        });
    }
    cases
}

/// CSMS→charger actions the table leaves to other tests, and why.
const ELSEWHERE: &[(&str, &str)] = &[
    (
        "CertificateSigned",
        "the answer to the charger's SignCertificate: sign_certificate",
    ),
    (
        "DeleteCertificate",
        "after a listing: delete_certificate_lists_the_kind_then_deletes_each",
    ),
];

/// Every CSMS→charger action of the version (the API.md appendix) is produced by a
/// first-class action of the table, or named in `ELSEWHERE` with the test that has it.
fn covers_every_action(r: &Rig, cases: &[Case]) {
    let all = match r.version {
        OcppVersion::V16 => ocpp_gateway::ocpp::v16::CSMS_ACTIONS,
        OcppVersion::V201 => ocpp_gateway::ocpp::v201::CSMS_ACTIONS,
    };
    let missing: Vec<&str> = all
        .iter()
        .copied()
        .filter(|a| cases.iter().all(|c| c.action != *a))
        .filter(|a| ELSEWHERE.iter().all(|(e, _)| e != a))
        .collect();
    assert!(
        missing.is_empty(),
        "{}: not in the table: {missing:?}",
        r.version
    );
    for (action, _) in ELSEWHERE {
        let in_table = cases.iter().any(|c| c.action == *action);
        assert!(
            !(all.contains(action) && in_table),
            "{}: {action} is in the table; ELSEWHERE need not name it",
            r.version
        );
    }
}

async fn every_action(version: OcppVersion) {
    let identity = format!("ACT-{}", version.subprotocol().replace('.', ""));
    let mut r = rig(version, &identity).await;
    let session = running_session(&mut r).await;
    let all: Vec<Case> = cases(&r)
        .into_iter()
        .chain(session_cases(&r, session))
        .collect();
    covers_every_action(&r, &all);
    for case in all {
        let (payload, reply) = r.every_answer(&case).await;
        check_specifics(&r, &case, &payload, &reply.body);
    }
}

/// What some actions must carry beyond their status.
fn check_specifics(r: &Rig, case: &Case, payload: &Value, body: &Value) {
    let v16 = r.version == OcppVersion::V16;
    let tail = case.path.rsplit('/').next().unwrap_or_default();
    match tail {
        "hard" => assert_eq!(payload["type"], if v16 { "Hard" } else { "Immediate" }),
        "soft" => assert_eq!(payload["type"], if v16 { "Soft" } else { "OnIdle" }),
        "1" if case.path.ends_with("/unlock/1") => {
            if v16 {
                assert_eq!(payload, &json!({"connectorId": 1}));
            } else {
                assert_eq!(payload, &json!({"evseId": 1, "connectorId": 1}));
            }
        }
        "send-data-transfer" => {
            assert_eq!(body, &json!({"status": "Accepted", "data": "pong"}));
            assert_eq!(payload["vendorId"], "acme");
        }
        "get-local-list-version" => assert_eq!(body, &json!({"listVersion": 3})),
        "send-custom-ocpp" => assert_eq!(body, &json!({"result": {"status": "Accepted"}})),
        "get-security-log" => {
            assert_eq!(payload["logType"], "SecurityLog");
            assert_eq!(body["data"]["logType"], "SecurityLog");
            assert_eq!(body["data"]["chargePointId"], r.cp);
            assert_eq!(payload["requestId"], body["data"]["id"]);
        }
        "get-diagnostics" => {
            assert_eq!(body["fileName"], "diag.zip");
            if !v16 {
                assert_eq!(payload["logType"], "DiagnosticsLog");
                assert_eq!(payload["requestId"], body["requestId"]);
            }
        }
        "install-certificate" => {
            let cert = payload["certificate"].as_str().unwrap_or_default();
            assert!(cert.starts_with("-----BEGIN CERTIFICATE-----"), "{payload}");
        }
        _ => {}
    }
}

/// The two outcomes every action of the table shares without a charger's answer: a body
/// that is no JSON object is 422, and a charge point that is not connected is 409 with
/// nothing queued (README "Actions").
async fn every_action_bad_body_and_offline(version: OcppVersion) {
    let identity = format!("AWAY-{}", version.subprotocol().replace('.', ""));
    let mut r = rig(version, &identity).await;
    let session = running_session(&mut r).await;
    let cases: Vec<Case> = cases(&r)
        .into_iter()
        .chain(session_cases(&r, session))
        .collect();
    let mut wrong = Vec::new();
    for case in &cases {
        let reply = r.api.post(&case.path, json!([1])).await;
        if reply.status != 422 {
            wrong.push(format!(
                "{} [1]: {} {}",
                case.path, reply.status, reply.text
            ));
        }
    }
    assert!(wrong.is_empty(), "{version}: {wrong:#?}");
    let reply = r
        .api
        .post(
            &r.path("v1.0", "disconnect"),
            json!({"reason": "maintenance"}),
        )
        .await;
    assert_eq!(reply.status, 202, "{}", reply.text);
    while let Some(Ok(m)) = r.c.recv_message().await {
        if m.is_close() {
            break;
        }
    }
    eventually("the charger is gone", || async {
        r.tg.gw.charger(&identity).is_none()
    })
    .await;
    for case in &cases {
        let reply = r.api.post(&case.path, case.body.clone()).await;
        assert_eq!(
            reply.status, 409,
            "{version} {} offline: {}",
            case.path, reply.text
        );
        assert!(reply.body["message"].is_string(), "{}", reply.text);
    }
}

#[tokio::test]
async fn every_action_bad_body_and_offline_on_1_6() {
    every_action_bad_body_and_offline(OcppVersion::V16).await;
}

#[tokio::test]
async fn every_action_bad_body_and_offline_on_2_0_1() {
    every_action_bad_body_and_offline(OcppVersion::V201).await;
}

#[tokio::test]
async fn every_action_on_a_1_6_charger() {
    every_action(OcppVersion::V16).await;
}

#[tokio::test]
async fn every_action_on_a_2_0_1_charger() {
    every_action(OcppVersion::V201).await;
}

#[tokio::test]
async fn delete_certificate_lists_the_kind_then_deletes_each() {
    for version in [OcppVersion::V16, OcppVersion::V201] {
        let identity = format!("DEL-{}", version.subprotocol().replace('.', ""));
        let mut r = rig(version, &identity).await;
        let hash = json!({"hashAlgorithm": "SHA256", "issuerNameHash": "aa",
            "issuerKeyHash": "bb", "serialNumber": "01"});
        let listing = if version == OcppVersion::V16 {
            json!({"status": "Accepted", "certificateHashData": [hash]})
        } else {
            json!({"status": "Accepted", "certificateHashDataChain": [
                {"certificateType": "CSMSRootCertificate", "certificateHashData": hash}]})
        };
        let api = r.api.clone();
        let path = r.path("v2.0", "delete-certificate");
        let http = tokio::spawn(async move {
            api.post(&path, json!({"certificateType": "CSMSRootCertificate"}))
                .await
        });
        r.expect_call("GetInstalledCertificateIds", Answer::Result(listing))
            .await;
        let delete = r
            .expect_call(
                "DeleteCertificate",
                Answer::Result(json!({"status": "Accepted"})),
            )
            .await;
        assert_eq!(delete["certificateHashData"], hash);
        let reply = http.await.expect("join");
        assert_eq!(reply.status, 202, "{}", reply.text);
    }
}

#[tokio::test]
async fn answers_that_need_no_charger() {
    let mut r = rig(OcppVersion::V201, "NOCALL").await;
    // No such operation for the version: 501, and nothing is sent.
    let reply = r
        .api
        .post(
            &r.path("v1.0", "trigger-message"),
            json!({"type": "DiagnosticsStatusNotification"}),
        )
        .await;
    assert_eq!(reply.status, 501, "{}", reply.text);
    // Invalid bodies: 422 naming the field.
    let reply = r
        .api
        .post(
            &r.path("v1.0", "change-availability"),
            json!({"type": "Sideways"}),
        )
        .await;
    assert_eq!(reply.status, 422, "{}", reply.text);
    assert!(reply.body["errors"]["type"].is_array(), "{}", reply.text);
    let reply = r
        .api
        .post(&r.path("v1.0", "send-data-transfer"), json!({}))
        .await;
    assert_eq!(reply.status, 422, "{}", reply.text);
    // A custom action the version does not define: 422 on the action.
    let reply = r
        .api
        .post(
            &r.path("v1.0", "send-custom-ocpp"),
            json!({"action": "GetConfiguration", "payload": {}}),
        )
        .await;
    assert_eq!(reply.status, 422, "{}", reply.text);
    // Unknown charge point: 404.
    let reply = r
        .api
        .post(&format!("{A}/v1.0/999999/reset/hard"), json!({}))
        .await;
    assert_eq!(reply.status, 404, "{}", reply.text);
    // The charger still gets the next real call first: nothing was queued before it.
    let (_, reply) = r
        .exchange(
            &r.path("v1.0", "clear-cache"),
            json!({}),
            "ClearCache",
            Answer::Result(json!({"status": "Accepted"})),
        )
        .await;
    assert_eq!(reply.status, 202);

    // 1.6 has no SignV2GCertificate trigger.
    let r16 = rig(OcppVersion::V16, "NOCALL16").await;
    let reply = r16
        .api
        .post(
            &r16.path("v1.0", "trigger-message"),
            json!({"type": "SignV2GCertificate"}),
        )
        .await;
    assert_eq!(reply.status, 501, "{}", reply.text);
}

#[tokio::test]
async fn a_charge_point_that_is_not_connected_gets_409() {
    let tg = start(settings()).await;
    let token = tg.gw.api_tokens().first().expect("a token").clone();
    let api = Api::new(tg.gw.api_addr(), Some(&token));
    let created = api
        .post(
            "/public-api/resources/charge-points/v2.0",
            json!({"name": "Away", "network": {"id": "AWAY", "protocol": "ocpp 1.6"}}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let cp = created.body["data"]["id"].as_i64().expect("id");
    for (tail, body) in [
        ("reset/soft", json!({})),
        ("unlock/1", json!({})),
        ("trigger-message", json!({"type": "Heartbeat"})),
        ("disconnect", json!({"reason": "maintenance"})),
    ] {
        let reply = api.post(&format!("{A}/v1.0/{cp}/{tail}"), body).await;
        assert_eq!(reply.status, 409, "{tail}: {}", reply.text);
        assert!(reply.body["message"].is_string());
    }
}

#[tokio::test]
async fn disconnect_closes_the_socket() {
    let mut r = rig(OcppVersion::V16, "BYE").await;
    let reply = r
        .api
        .post(
            &r.path("v1.0", "disconnect"),
            json!({"reason": "maintenance"}),
        )
        .await;
    assert_eq!(reply.status, 202, "{}", reply.text);
    assert_eq!(reply.body, json!({"success": true}));
    loop {
        match r.c.recv_message().await {
            None | Some(Err(_)) => break,
            Some(Ok(m)) if m.is_close() => break,
            Some(Ok(_)) => continue,
        }
    }
}

#[tokio::test]
async fn installed_certificates_come_from_the_configured_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pem = "-----BEGIN CERTIFICATE-----\nMIIBmanufacturer\n-----END CERTIFICATE-----\n";
    let file = dir.path().join("manufacturer.pem");
    std::fs::write(&file, pem).expect("write");
    let mut s = settings();
    s.certificates
        .insert("ManufacturerRootCertificate".into(), file);
    let tg = actions_common::start_with(s).await;
    let mut c = charger(&tg, "CERTS", "ocpp2.0.1").await;
    eventually("registered", || async { tg.gw.charger("CERTS").is_some() }).await;
    let api = Api::new(tg.gw.api_addr(), Some(&tg.gw.api_tokens()[0]));
    let cp = actions_common::charge_point_id(&api, "CERTS").await;
    let path = format!("{A}/v2.0/{cp}/install-certificate");
    let http = {
        let (api, path) = (api.clone(), path.clone());
        tokio::spawn(async move {
            api.post(
                &path,
                json!({"certificateType": "ManufacturerRootCertificate"}),
            )
            .await
        })
    };
    let call = c.recv().await;
    assert_eq!(call[2], "InstallCertificate");
    assert_eq!(call[3]["certificateType"], "ManufacturerRootCertificate");
    assert_eq!(call[3]["certificate"], pem);
    c.answer(&call[1], json!({"status": "Accepted"})).await;
    assert_eq!(http.await.expect("join").status, 202);
    // A type with no file configured cannot be installed.
    let r = api
        .post(&path, json!({"certificateType": "MORootCertificate"}))
        .await;
    assert_eq!(r.status, 501, "{}", r.text);
}

/// The station settings of 2.0.1 (README, "Display messages, monitoring, network
/// profiles, cost and firmware"); 1.6 has none of them (501, `actions_display` and its
/// siblings).
fn station_cases(r: &Rig) -> Vec<Case> {
    if r.version == OcppVersion::V16 {
        return Vec::new();
    }
    let case = |tail: &str, body: Value, action, ok: Value, status, refusal| Case {
        path: r.path("v1.0", tail),
        body,
        action,
        ok,
        status,
        refusal,
    };
    let md5 = "0123456789abcdef0123456789abcdef";
    vec![
        case(
            "set-display-message",
            json!({"priority": "NormalCycle", "message": {"content": "Hi", "format": "UTF8"}}),
            "SetDisplayMessage",
            ok(),
            202,
            rejected(),
        ),
        case(
            "clear-display-message/3",
            json!({}),
            "ClearDisplayMessage",
            ok(),
            202,
            Some(json!({"status": "Unknown"})),
        ),
        case(
            "set-monitoring-base",
            json!({"monitoringBase": "FactoryDefault"}),
            "SetMonitoringBase",
            ok(),
            202,
            rejected(),
        ),
        case(
            "set-monitoring-level",
            json!({"severity": 5}),
            "SetMonitoringLevel",
            ok(),
            202,
            rejected(),
        ),
        case(
            "set-network-profile",
            json!({"configurationSlot": 1, "connectionData": {"ocppVersion": "OCPP20",
                "ocppTransport": "JSON", "ocppCsmsUrl": "wss://csms.example.com/ocpp",
                "messageTimeout": 30, "securityProfile": 2, "ocppInterface": "Wired0"}}),
            "SetNetworkProfile",
            ok(),
            202,
            rejected(),
        ),
        case(
            "get-transaction-status",
            json!({}),
            "GetTransactionStatus",
            json!({"messagesInQueue": true}),
            200,
            None,
        ),
        case(
            "publish-firmware",
            json!({"location": "https://fw.example.com/f.bin", "checksum": md5}),
            "PublishFirmware",
            ok(),
            202,
            rejected(),
        ),
        case(
            "unpublish-firmware",
            json!({"checksum": md5}),
            "UnpublishFirmware",
            json!({"status": "Unpublished"}),
            202,
            Some(json!({"status": "NoFirmware"})),
        ),
    ]
}
