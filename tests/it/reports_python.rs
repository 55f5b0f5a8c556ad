//! Multi-part reports through the API, with the Python `ocpp` package as the station
//! (`tests/python/reports_charger.py`): get-report and get-base-report (OCPP 2.0.1
//! B07/B08) and get-monitoring-report (N01/N02) answered in parts sent out of order and
//! with a part repeated, assembled under the action's requestId, shown through
//! `charge-points/v2.0/{id}/reports[/{requestId}]` and notified with
//! `chargePoint.reportCompleted` on a real local receiver. Skipped without python3 and
//! the packages, unless `CI` is set.

use crate::common::*;
use crate::notify_common as nc;
use crate::reports_common::{request_id, Station};

use serde_json::{json, Value};

fn values(report: &Value) -> Vec<String> {
    report["result"]["reportData"]
        .as_array()
        .expect("reportData")
        .iter()
        .map(|d| {
            d["variableAttribute"][0]["value"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect()
}

/// B08 (GetReport with componentCriteria and componentVariable; B08.FR.xx: NotifyReport
/// parts carry the requestId, seqNo and tbc): parts 0 and 2 (the last) arrive first, the
/// report stays pending until part 1 does; part 0 repeated is counted once; the result is
/// the parts' reportData in seqNo order, and the webhook arrives once, when complete.
#[tokio::test]
async fn a_report_in_three_parts_out_of_order_is_assembled_under_its_request_id() {
    if !python_ready() {
        return;
    }
    let mut s = Station::start("REP-GET", "2.0.1", &["--hold"]).await;
    let criteria = json!({
        "componentCriteria": ["Active", "Problem"],
        "componentVariable": [{"component": {"name": "ReportCtrlr"}, "variable": {"name": "Item0"}}],
        "unknownField": 1,
    });
    let (status, body) = s.act("get-report", criteria).await;
    let id = request_id(status, &body);
    assert_eq!(body["status"], "Accepted");
    s.line(&format!("HELD {id}")).await;
    let calls = s.calls("GetReport");
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0]["requestId"], id);
    assert_eq!(calls[0]["componentCriteria"], json!(["Active", "Problem"]));
    assert_eq!(
        calls[0]["componentVariable"][0]["component"]["name"],
        "ReportCtrlr"
    );
    assert!(calls[0].get("unknownField").is_none());

    // Parts 0 and 2 (tbc false) are in; 1 is missing: pending, nothing notified.
    eventually("two parts are kept", || async {
        s.report(id).await["parts"] == 2
    })
    .await;
    let pending = s.report(id).await;
    assert_eq!(pending["status"], "pending", "{pending}");
    assert_eq!(pending["kind"], "report");
    assert_eq!(pending["result"], Value::Null);
    assert_eq!(pending["request"]["action"], "GetReport");
    assert!(s.completions(id).is_empty());

    s.tell("continue").await;
    s.line(&format!("SENT NotifyReport {id}")).await;
    let done = s.complete(id).await;
    assert_eq!(done["parts"], 3);
    assert_eq!(done["repeatedParts"], 1, "{done}");
    assert_eq!(values(&done), ["GetReport-0", "GetReport-1", "GetReport-2"]);
    let hook = s.completion(id).await;
    assert_eq!(hook["chargePointId"], s.cp);
    assert_eq!(hook["report"]["status"], "complete");
    assert_eq!(hook["report"]["result"], done["result"]);
    // The repeat after completion did not notify again.
    eventually("the repeated part is counted", || async {
        s.report(id).await["repeatedParts"] == 1
    })
    .await;
    assert_eq!(s.completions(id).len(), 1);

    // The list shows it, by kind and status.
    let (status, list) = s
        .read("reports?filter[kind]=report&filter[status]=complete")
        .await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["data"][0]["requestId"], id);
    let (status, none) = s.read("reports?filter[kind]=monitoringReport").await;
    assert_eq!(status, 200);
    assert_eq!(none["data"], json!([]));
    let (status, _) = s.read("reports?filter[kind]=nope").await;
    assert_eq!(status, 422);
    let (status, _) = s.read("reports/999999").await;
    assert_eq!(status, 404);
}

/// B07: GetBaseReport of each type, each answered by its own NotifyReport parts under
/// its own requestId; the inventory is the assembled reportData. A body without a valid
/// reportBase is a 422 and sends nothing.
#[tokio::test]
async fn base_reports_of_every_type_are_kept_as_inventories() {
    if !python_ready() {
        return;
    }
    let s = Station::start("REP-BASE", "2.0.1", &[]).await;
    for base in [
        "ConfigurationInventory",
        "FullInventory",
        "SummaryInventory",
    ] {
        let (status, body) = s.act("get-base-report", json!({"reportBase": base})).await;
        let id = request_id(status, &body);
        let done = s.complete(id).await;
        let mut expected: Vec<String> = [0, 1, 2].map(|n| format!("{base}-{n}")).into();
        if base == "FullInventory" {
            expected.insert(2, format!("{base}-extra"));
        }
        assert_eq!(values(&done), expected);
        assert_eq!(done["request"]["reportBase"], base);
        s.completion(id).await;
        let sent = s.calls("GetBaseReport");
        assert!(sent
            .iter()
            .any(|c| c["requestId"] == id && c["reportBase"] == base));
    }
    let (status, body) = s
        .act("get-base-report", json!({"reportBase": "Everything"}))
        .await;
    assert_eq!(status, 422, "{body}");
    assert!(body["errors"]["reportBase"].is_array(), "{body}");
    let (status, body) = s.act("get-base-report", json!({})).await;
    assert_eq!(status, 422, "{body}");
    let (status, body) = s
        .act("get-report", json!({"componentCriteria": "Active"}))
        .await;
    assert_eq!(status, 422, "{body}");
    assert!(body["errors"]["componentCriteria"].is_array(), "{body}");
    assert_eq!(s.calls("GetBaseReport").len(), 3);
    assert!(s.calls("GetReport").is_empty());
}

/// A partial device-model report (GetReport) adds its variables to the configuration
/// snapshot without dropping the others; the configuration sync keeps working.
#[tokio::test]
async fn a_partial_report_does_not_replace_the_configuration_snapshot() {
    if !python_ready() {
        return;
    }
    let s = Station::start("REP-SNAP", "2.0.1", &[]).await;
    let (status, body) = s
        .act("get-base-report", json!({"reportBase": "FullInventory"}))
        .await;
    s.complete(request_id(status, &body)).await;
    let (status, body) = s.act("get-report", json!({})).await;
    s.complete(request_id(status, &body)).await;
    let (status, config) = s.read("configurations").await;
    assert_eq!(status, 200);
    let keys: Vec<_> = config["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|c| c["key"]["value"].as_str().unwrap_or_default().to_owned())
        .collect();
    // The partial report's values for its three variables replaced the full report's;
    // the variable only the full report has stays (the snapshot was not cut down to
    // part 0 of the partial report).
    assert_eq!(keys.len(), 4, "{config}");
    assert_eq!(
        keys.iter().filter(|v| v.starts_with("GetReport-")).count(),
        3,
        "{keys:?}"
    );
    assert!(keys.iter().any(|v| v == "FullInventory-extra"), "{keys:?}");
}

/// N01/N02: GetMonitoringReport with monitoringCriteria and componentVariable; the
/// NotifyMonitoringReport parts arrive as 1, 0, 2 (last), then 1 again; the result holds
/// the monitors in seqNo order.
#[tokio::test]
async fn a_monitoring_report_is_assembled_from_its_parts() {
    if !python_ready() {
        return;
    }
    let s = Station::start("REP-MON", "2.0.1", &[]).await;
    let body = json!({
        "monitoringCriteria": ["ThresholdMonitoring"],
        "componentVariable": [{"component": {"name": "EVSE", "evse": {"id": 1}}}],
    });
    let (status, answer) = s.act("get-monitoring-report", body).await;
    let id = request_id(status, &answer);
    s.line(&format!("SENT NotifyMonitoringReport {id}")).await;
    let done = s.complete(id).await;
    assert_eq!(done["kind"], "monitoringReport");
    let ids: Vec<_> = done["result"]["monitor"]
        .as_array()
        .expect("monitor")
        .iter()
        .map(|m| m["variableMonitoring"][0]["id"].clone())
        .collect();
    assert_eq!(ids, [json!(10), json!(11), json!(12)]);
    eventually("the repeat is counted", || async {
        s.report(id).await["repeatedParts"] == 1
    })
    .await;
    assert_eq!(s.completion(id).await["report"]["kind"], "monitoringReport");
    let call = &s.calls("GetMonitoringReport")[0];
    assert_eq!(call["monitoringCriteria"], json!(["ThresholdMonitoring"]));
    let (status, body) = s
        .act(
            "get-monitoring-report",
            json!({"monitoringCriteria": ["Sometimes"]}),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert!(body["errors"]["monitoringCriteria"].is_array(), "{body}");
}

/// A station that refuses (B07/B08, N02, N09: Rejected) gets a 406 with its status, and
/// no report is kept; a charge point that is not connected is a 409, one of OCPP 1.6 a
/// 501 (it has no such operations), and nothing is sent or kept.
#[tokio::test]
async fn refused_offline_and_16_requests_keep_no_report() {
    if !python_ready() {
        return;
    }
    let refuse = "GetReport,GetBaseReport,GetMonitoringReport,CustomerInformation";
    let s = Station::start("REP-NO", "2.0.1", &["--refuse", refuse]).await;
    let asks = [
        ("get-report", json!({})),
        ("get-base-report", json!({"reportBase": "FullInventory"})),
        ("get-monitoring-report", json!({})),
        (
            "customer-information",
            json!({"report": true, "customerIdentifier": "C-1"}),
        ),
    ];
    for (tail, body) in &asks {
        let (status, answer) = s.act(tail, body.clone()).await;
        assert_eq!(status, 406, "{tail}: {answer}");
        assert!(
            answer["message"]
                .as_str()
                .is_some_and(|m| m.contains("Rejected")),
            "{answer}"
        );
    }
    let (status, list) = s.read("reports").await;
    assert_eq!(status, 200);
    assert_eq!(list["data"], json!([]), "{list}");

    // Not connected: 409.
    let api = format!("http://{}", s.tg.gw.api_addr());
    let (status, created) = nc::api(
        reqwest::Method::POST,
        format!("{api}/public-api/resources/charge-points/v2.0"),
        Some(
            json!({"name": "off", "network": {"id": "REP-OFF", "protocol": "ocpp 2.0.1",
                    "password": "a-long-random-secret"}}),
        ),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let off = created["data"]["id"].as_i64().expect("id");
    let (status, body) = nc::api(
        reqwest::Method::POST,
        format!("{api}/public-api/actions/charge-point/v2.0/{off}/get-report"),
        Some(json!({})),
    )
    .await;
    assert_eq!(status, 409, "{body}");

    // OCPP 1.6: 501 for every report action, nothing sent.
    let old = Station::start("REP-16", "1.6", &[]).await;
    let all = [
        ("get-report", json!({})),
        ("get-base-report", json!({"reportBase": "FullInventory"})),
        ("get-monitoring-report", json!({})),
        (
            "customer-information",
            json!({"report": true, "customerIdentifier": "C-1"}),
        ),
        ("get-charging-profiles", json!({})),
        ("get-display-messages", json!({})),
    ];
    for (tail, body) in all {
        let (status, answer) = old.act(tail, body).await;
        assert_eq!(status, 501, "{tail}: {answer}");
    }
    let (status, list) = old.read("reports").await;
    assert_eq!(status, 200);
    assert_eq!(list["data"], json!([]));
}
