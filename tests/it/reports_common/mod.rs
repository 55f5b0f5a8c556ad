//! What the report tests share: a gateway (with the notification tests' token), a
//! webhook receiver subscribed to the report and event notifications, and the Python
//! station of `tests/python/reports_charger.py`, whose printed lines the tests read and
//! whose stdin they write.

use serde_json::Value;

use crate::common::python::Script;
use crate::common::schema;
use crate::common::*;
use crate::notify_common::{self as nc, Mode, Receiver};
use ocpp_gateway::ocpp::OcppVersion;

/// The notifications the report tests subscribe to.
pub const NOTIFICATIONS: &[&str] = &[
    "chargePoint.reportCompleted",
    "chargePoint.eventReceived",
    "chargePoint.changed",
];

/// A gateway, a receiver and the Python station connected and booted.
pub struct Station {
    pub tg: TestGateway,
    pub rx: Receiver,
    pub cp: i64,
    py: Script,
}

impl Station {
    pub async fn start(identity: &str, version: &str, args: &[&str]) -> Station {
        let tg = start(nc::gateway_settings()).await;
        let rx = Receiver::start(Mode::Ok).await;
        nc::subscribe(tg.gw.api_addr(), &rx.url, NOTIFICATIONS).await;
        let url = tg.url(identity);
        let py = Script::start(
            "reports_charger.py",
            ["--version", version, "--url", url.as_str()]
                .into_iter()
                .chain(args.iter().copied()),
        );
        let mut s = Station { tg, rx, cp: 0, py };
        s.line("READY").await;
        s.cp = nc::cp_id(&s.tg, identity).await;
        s
    }

    fn lines(&self) -> Vec<String> {
        self.py.lines()
    }

    /// Waits until the station printed `line`.
    pub async fn line(&self, line: &str) {
        eventually(&format!("the station printed {line}"), || async {
            self.lines().iter().any(|l| l == line)
        })
        .await;
    }

    /// Writes a command line to the station.
    pub async fn tell(&mut self, command: &str) {
        self.py.tell(command).await;
    }

    /// The payloads of the `action` CALLs the station received, each checked against
    /// the official request schema.
    pub fn calls(&self, action: &str) -> Vec<Value> {
        let prefix = format!("CALL {action} ");
        let version = OcppVersion::V201;
        self.lines()
            .iter()
            .filter_map(|l| l.strip_prefix(&prefix))
            .map(|raw| {
                let payload: Value = serde_json::from_str(raw).expect("a JSON payload");
                if schema::available() {
                    if let Err(e) = schema::validate(version, action, false, &payload) {
                        panic!("{action} {payload} fails its schema: {e}");
                    }
                }
                payload
            })
            .collect()
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.tg.gw.api_addr())
    }

    /// `POST` an action of the charge point (`charge-point/v2.0/{cp}/{tail}`).
    pub async fn act(&self, tail: &str, body: Value) -> (u16, Value) {
        let path = format!("/public-api/actions/charge-point/v2.0/{}/{tail}", self.cp);
        nc::api(reqwest::Method::POST, self.url(&path), Some(body)).await
    }

    /// `GET` a resource of the charge point (`charge-points/v2.0/{cp}/{tail}`).
    pub async fn read(&self, tail: &str) -> (u16, Value) {
        let path = format!(
            "/public-api/resources/charge-points/v2.0/{}/{tail}",
            self.cp
        );
        nc::api(reqwest::Method::GET, self.url(&path), None).await
    }

    /// The report of `request_id` (`data`).
    pub async fn report(&self, request_id: i64) -> Value {
        let (status, body) = self.read(&format!("reports/{request_id}")).await;
        assert_eq!(status, 200, "{body}");
        body["data"].clone()
    }

    /// The report of `request_id` once complete.
    pub async fn complete(&self, request_id: i64) -> Value {
        eventually(&format!("report {request_id} is complete"), || async {
            self.report(request_id).await["status"] == "complete"
        })
        .await;
        self.report(request_id).await
    }

    /// The `chargePoint.reportCompleted` deliveries for `request_id`, each signed with
    /// the API token.
    pub fn completions(&self, request_id: i64) -> Vec<Value> {
        nc::first_arrivals(&self.rx.accepted())
            .into_iter()
            .filter(|r| {
                r.body["notification"] == "chargePoint.reportCompleted"
                    && r.body["requestId"] == request_id
            })
            .map(|r| {
                assert!(nc::signed_by(nc::TOKEN, &r.raw, &r.signature), "signed");
                r.body
            })
            .collect()
    }

    /// Waits for the completion webhook of `request_id` and returns it.
    pub async fn completion(&self, request_id: i64) -> Value {
        eventually(&format!("the webhook of report {request_id}"), || async {
            !self.completions(request_id).is_empty()
        })
        .await;
        self.completions(request_id).remove(0)
    }
}

/// The request id of a 202 answer.
pub fn request_id(status: u16, body: &Value) -> i64 {
    assert_eq!(status, 202, "{body}");
    assert_eq!(body["success"], true, "{body}");
    body["requestId"].as_i64().expect("a requestId")
}
