//! Read-backs and histories through the API, with the Python `ocpp` package as the
//! station (`tests/python/reports_charger.py`): customer information (OCPP 2.0.1
//! N09/N10), installed charging profiles (K09), display messages (O04), each assembled
//! from parts under the action's requestId; NotifyEvent entries kept as rows (N07); and
//! the firmware status history of both versions (L01). Webhooks arrive at a real local
//! receiver. Skipped without python3 and the packages, unless `CI` is set.

use crate::common::*;
use crate::reports_common::{request_id, Station};

use serde_json::{json, Value};

/// N09 (report) / N10 (clear): exactly one customer identifier (N09.FR.xx: the request
/// names its customer by customerIdentifier, idToken or customerCertificate), report
/// and/or clear; the NotifyCustomerInformation parts (seqNo 0, 2 last, 1, then 2 again)
/// are joined in seqNo order.
#[tokio::test]
async fn customer_information_is_joined_from_its_parts() {
    if !python_ready() {
        return;
    }
    let s = Station::start("REP-CUST", "2.0.1", &[]).await;
    let token = json!({"idToken": "ALICE-1", "type": "ISO14443"});
    for bad in [
        json!({"report": true}),
        json!({"report": true, "customerIdentifier": "C-1", "idToken": token}),
        json!({"report": false, "clear": false, "customerIdentifier": "C-1"}),
        json!({"report": "yes", "customerIdentifier": "C-1"}),
        json!({"report": true, "idToken": {"idToken": "X"}}),
    ] {
        let (status, body) = s.act("customer-information", bad.clone()).await;
        assert_eq!(status, 422, "{bad}: {body}");
        assert!(body["errors"].is_object(), "{body}");
    }
    assert!(s.calls("CustomerInformation").is_empty());

    let (status, body) = s
        .act(
            "customer-information",
            json!({"report": true, "idToken": token}),
        )
        .await;
    let id = request_id(status, &body);
    let done = s.complete(id).await;
    assert_eq!(done["kind"], "customerInformation");
    assert_eq!(done["result"]["data"], "name=Alice;tokens=1;sessions=3");
    s.completion(id).await;
    let call = &s.calls("CustomerInformation")[0];
    assert_eq!(call["requestId"], id);
    assert_eq!(
        (&call["report"], &call["clear"]),
        (&json!(true), &json!(false))
    );
    assert_eq!(call["idToken"]["idToken"], "ALICE-1");

    // N10: clear only, by a customer identifier.
    let (status, body) = s
        .act(
            "customer-information",
            json!({"clear": true, "customerIdentifier": "C-1"}),
        )
        .await;
    let id = request_id(status, &body);
    s.complete(id).await;
    let clear = s
        .calls("CustomerInformation")
        .into_iter()
        .find(|c| c["requestId"] == id)
        .expect("the clear");
    assert_eq!(
        (&clear["report"], &clear["clear"]),
        (&json!(false), &json!(true))
    );
}

/// K09: GetChargingProfiles with criteria and an EVSE; the ReportChargingProfiles parts
/// (EVSE 1's twice, then EVSE 2's, last) become one list, each profile with its EVSE and
/// source. `NoProfiles` (K09.FR.xx) is a report complete and empty at once, notified.
#[tokio::test]
async fn installed_charging_profiles_are_read_back() {
    if !python_ready() {
        return;
    }
    let s = Station::start("REP-PROF", "2.0.1", &[]).await;
    let criteria = json!({"chargingProfile": {"chargingProfilePurpose": "TxDefaultProfile"}});
    let (status, body) = s.act("get-charging-profiles", criteria).await;
    let id = request_id(status, &body);
    s.line(&format!("SENT ReportChargingProfiles {id}")).await;
    let done = s.complete(id).await;
    let profiles = done["result"]["chargingProfiles"]
        .as_array()
        .expect("profiles");
    let seen: Vec<_> = profiles
        .iter()
        .map(|p| {
            (
                p["id"].clone(),
                p["evseId"].clone(),
                p["chargingLimitSource"].clone(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            (json!(1), json!(1), json!("CSO")),
            (json!(2), json!(2), json!("EMS"))
        ]
    );
    assert_eq!(done["repeatedParts"], 1, "{done}");
    s.completion(id).await;
    let call = &s.calls("GetChargingProfiles")[0];
    assert_eq!(
        call["chargingProfile"]["chargingProfilePurpose"],
        "TxDefaultProfile"
    );

    // Every profile of EVSE 9: none.
    let (status, body) = s.act("get-charging-profiles", json!({"evseId": 9})).await;
    let id = request_id(status, &body);
    assert_eq!(body["status"], "NoProfiles");
    let empty = s.report(id).await;
    assert_eq!(empty["status"], "complete", "{empty}");
    assert_eq!(empty["result"]["chargingProfiles"], json!([]));
    assert_eq!(empty["parts"], 0);
    s.completion(id).await;
    let call = s
        .calls("GetChargingProfiles")
        .into_iter()
        .find(|c| c["requestId"] == id)
        .expect("sent");
    assert_eq!(call["chargingProfile"], json!({}));

    let (status, body) = s
        .act(
            "get-charging-profiles",
            json!({"chargingProfile": {"stackLevel": "high"}}),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert!(body["errors"]["chargingProfile"].is_array(), "{body}");
}

/// O04: GetDisplayMessages by priority; the NotifyDisplayMessages parts (message 1, then
/// 2, last, then 2 again) become one list. `Unknown` (no such message) completes the
/// report empty.
#[tokio::test]
async fn display_messages_are_read_back() {
    if !python_ready() {
        return;
    }
    let s = Station::start("REP-DISP", "2.0.1", &[]).await;
    let (status, body) = s
        .act("get-display-messages", json!({"priority": "NormalCycle"}))
        .await;
    let id = request_id(status, &body);
    s.line(&format!("SENT NotifyDisplayMessages {id}")).await;
    let done = s.complete(id).await;
    let ids: Vec<Value> = done["result"]["messageInfo"]
        .as_array()
        .expect("messages")
        .iter()
        .map(|m| m["id"].clone())
        .collect();
    assert_eq!(ids, [json!(1), json!(2)]);
    eventually("the repeat is counted", || async {
        s.report(id).await["repeatedParts"] == 1
    })
    .await;
    // Delivery is asynchronous: the webhook arrives once, whenever it does.
    s.completion(id).await;
    assert_eq!(s.completions(id).len(), 1);
    assert_eq!(s.calls("GetDisplayMessages")[0]["priority"], "NormalCycle");

    let (status, body) = s.act("get-display-messages", json!({"id": [99]})).await;
    let id = request_id(status, &body);
    assert_eq!(body["status"], "Unknown");
    assert_eq!(s.report(id).await["result"]["messageInfo"], json!([]));
    let (status, body) = s
        .act("get-display-messages", json!({"state": "Sleeping"}))
        .await;
    assert_eq!(status, 422, "{body}");
}

/// N07: each NotifyEvent eventData entry is a row with its fields; the same message
/// repeated (a charger that lost our answer) adds nothing and notifies once.
#[tokio::test]
async fn notify_event_entries_are_kept_and_notified() {
    if !python_ready() {
        return;
    }
    let mut s = Station::start("REP-EVT", "2.0.1", &[]).await;
    s.tell("events").await;
    s.line("SENT NotifyEvent").await;
    let (status, list) = s.read("events").await;
    assert_eq!(status, 200, "{list}");
    let rows = list["data"].as_array().expect("rows");
    assert_eq!(rows.len(), 2, "{list}");
    let first = &rows[0];
    assert_eq!(first["eventId"], 1);
    assert_eq!(first["timestamp"], "2025-01-01T10:00:00.000Z");
    assert_eq!(first["trigger"], "Alerting");
    assert_eq!(first["actualValue"], "Faulted");
    assert_eq!(first["techCode"], "E12");
    assert_eq!(first["techInfo"], "ground fault");
    assert_eq!(first["cleared"], false);
    assert_eq!(first["transactionId"], "T-1");
    assert_eq!(
        first["component"],
        json!({"name": "EVSE", "evse": {"id": 1}})
    );
    assert_eq!(first["variable"], json!({"name": "Problem"}));
    assert_eq!(first["generatedAt"], "2025-01-01T10:00:02.000Z");
    assert_eq!(rows[1]["cause"], 1);
    assert_eq!(rows[1]["variableMonitoringId"], 7);
    let (_, one) = s.read("events?filter[eventId]=2").await;
    assert_eq!(one["data"].as_array().map(Vec::len), Some(1));

    let events = || {
        s.rx.accepted()
            .into_iter()
            .filter(|r| r.body["notification"] == "chargePoint.eventReceived")
            .collect::<Vec<_>>()
    };
    eventually("the event webhook", || async { !events().is_empty() }).await;
    let hook = &events()[0].body;
    assert_eq!(hook["chargePointId"], s.cp);
    assert_eq!(hook["events"].as_array().map(Vec::len), Some(2));
    assert_eq!(events().len(), 1);
}

/// L01 (2.0.1) and the 1.6 firmware management profile: every FirmwareStatusNotification
/// is a row with the update's requestId (1.6: that of the latest update-firmware).
#[tokio::test]
async fn firmware_statuses_are_kept_per_charge_point() {
    if !python_ready() {
        return;
    }
    for version in ["2.0.1", "1.6"] {
        let s = Station::start(&format!("REP-FW-{version}"), version, &[]).await;
        let body = json!({"signed": false, "url": "https://firmware.example/fw.bin"});
        let (status, answer) = s.act("update-firmware", body).await;
        assert_eq!(status, 202, "{answer}");
        s.line(
            if version == "1.6" {
                "SENT FirmwareStatusNotification".to_owned()
            } else {
                let id = s.calls("UpdateFirmware")[0]["requestId"].clone();
                format!("SENT FirmwareStatusNotification {id}")
            }
            .as_str(),
        )
        .await;
        let (status, list) = s.read("firmware-status-logs").await;
        assert_eq!(status, 200, "{list}");
        let rows = list["data"].as_array().expect("rows");
        let statuses: Vec<_> = rows.iter().map(|r| r["status"].clone()).collect();
        assert_eq!(
            statuses,
            ["Downloading", "Downloaded", "Installing", "Installed"].map(|s| json!(s)),
            "{version}"
        );
        let id = &rows[0]["requestId"];
        assert!(id.is_i64(), "{list}");
        assert!(rows.iter().all(|r| &r["requestId"] == id), "{list}");
    }
}
