//! Report requests against a raw 2.0.1 charger, for the answers a Python station does
//! not give: a part that overtakes the charger's answer to the request, a CALLERROR
//! (502, no report kept), no answer (504, the pending report kept, since the charger
//! may have received the call), and a report the charger sends unasked.

use crate::common::*;
use crate::notify_common as nc;

use serde_json::{json, Value};

struct Raw {
    tg: TestGateway,
    c: Client,
    cp: i64,
}

impl Raw {
    async fn start(identity: &str) -> Raw {
        let mut s = nc::gateway_settings();
        s.ocpp.call_timeout = std::time::Duration::from_millis(400);
        let tg = start(s).await;
        let mut c = charger(&tg, identity, "ocpp2.0.1").await;
        let boot =
            json!({"reason": "PowerUp", "chargingStation": {"model": "m", "vendorName": "v"}});
        c.call("BootNotification", boot).await;
        let cp = nc::cp_id(&tg, identity).await;
        Raw { tg, c, cp }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.tg.gw.api_addr())
    }

    /// Starts the action's POST; the caller answers the CALL and awaits the reply.
    fn act(&self, tail: &str, body: Value) -> tokio::task::JoinHandle<(u16, Value)> {
        let url = self.url(&format!(
            "/public-api/actions/charge-point/v2.0/{}/{tail}",
            self.cp
        ));
        tokio::spawn(async move { nc::api(reqwest::Method::POST, url, Some(body)).await })
    }

    async fn report(&self, request_id: &Value) -> (u16, Value) {
        let path = format!(
            "/public-api/resources/charge-points/v2.0/{}/reports/{request_id}",
            self.cp
        );
        nc::api(reqwest::Method::GET, self.url(&path), None).await
    }

    /// The next CALL: its message id and payload, checked against the schema.
    async fn next_call(&mut self, action: &str) -> (Value, Value) {
        let frame = self.c.recv().await;
        assert_eq!(
            (&frame[0], &frame[2]),
            (&json!(2), &json!(action)),
            "{frame}"
        );
        if schema::available() {
            if let Err(e) = schema::validate(
                ocpp_gateway::ocpp::OcppVersion::V201,
                action,
                false,
                &frame[3],
            ) {
                panic!("{e}");
            }
        }
        (frame[1].clone(), frame[3].clone())
    }
}

fn part(request_id: &Value, seq_no: i64, tbc: bool) -> Value {
    json!({"requestId": request_id, "generatedAt": "2025-01-01T00:00:00.000Z", "seqNo": seq_no,
           "tbc": tbc, "reportData": [{"component": {"name": "RawCtrlr"},
           "variable": {"name": format!("V{seq_no}")}, "variableAttribute": [{"value": "1"}]}]})
}

/// B07: a NotifyReport sent before the charger answers GetBaseReport is kept under the
/// request's id; the report holds the request and completes with that one part.
#[tokio::test]
async fn a_part_that_overtakes_the_answer_is_assembled_with_its_request() {
    let mut r = Raw::start("RAW-FAST").await;
    let http = r.act("get-base-report", json!({"reportBase": "SummaryInventory"}));
    let (message_id, payload) = r.next_call("GetBaseReport").await;
    let id = payload["requestId"].clone();
    assert_eq!(
        r.c.call("NotifyReport", part(&id, 0, false)).await,
        json!({})
    );
    r.c.answer(&message_id, json!({"status": "Accepted"})).await;
    let (status, body) = http.await.expect("join");
    assert_eq!(status, 202, "{body}");
    assert_eq!(body["requestId"], id);
    let (status, report) = r.report(&id).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["data"]["status"], "complete");
    assert_eq!(report["data"]["request"]["reportBase"], "SummaryInventory");
    assert_eq!(
        report["data"]["result"]["reportData"][0]["variable"]["name"],
        "V0"
    );
}

/// A CALLERROR is a 502 and leaves no report; no answer is a 504 and keeps the report
/// pending, and parts that come later still complete it.
#[tokio::test]
async fn a_callerror_keeps_no_report_and_a_timeout_keeps_it_pending() {
    let mut r = Raw::start("RAW-ERR").await;
    let http = r.act("get-report", json!({"componentCriteria": ["Available"]}));
    let (message_id, payload) = r.next_call("GetReport").await;
    r.c.send(&json!([4, message_id, "InternalError", "busy", {}]).to_string())
        .await;
    let (status, body) = http.await.expect("join");
    assert_eq!(status, 502, "{body}");
    let (status, _) = r.report(&payload["requestId"]).await;
    assert_eq!(status, 404);

    let http = r.act("get-monitoring-report", json!({}));
    let (_, payload) = r.next_call("GetMonitoringReport").await;
    let (status, body) = http.await.expect("join");
    assert_eq!(status, 504, "{body}");
    let id = payload["requestId"].clone();
    let (status, report) = r.report(&id).await;
    assert_eq!(status, 200);
    assert_eq!(report["data"]["status"], "pending");
    let monitors = json!({"requestId": id, "generatedAt": "2025-01-01T00:00:00.000Z",
        "seqNo": 0, "tbc": false});
    r.c.call("NotifyMonitoringReport", monitors).await;
    let (_, report) = r.report(&id).await;
    assert_eq!(report["data"]["status"], "complete");
    assert_eq!(report["data"]["result"]["monitor"], json!([]));
}

/// A report the gateway never asked for (a request id of the charger's own) is
/// assembled all the same, without a request.
#[tokio::test]
async fn an_unasked_report_is_assembled_too() {
    let mut r = Raw::start("RAW-OWN").await;
    let id = json!(424242);
    r.c.call("NotifyReport", part(&id, 1, false)).await;
    let (_, pending) = r.report(&id).await;
    assert_eq!(pending["data"]["status"], "pending");
    r.c.call("NotifyReport", part(&id, 0, true)).await;
    let (_, done) = r.report(&id).await;
    assert_eq!(done["data"]["status"], "complete");
    assert_eq!(done["data"]["request"], Value::Null);
    let names: Vec<_> = done["data"]["result"]["reportData"]
        .as_array()
        .expect("data")
        .iter()
        .map(|d| d["variable"]["name"].clone())
        .collect();
    assert_eq!(names, [json!("V0"), json!("V1")]);
}
