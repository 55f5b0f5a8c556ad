//! The station-settings tests' rig: a gateway, its API, and the Python `ocpp` station of
//! `tests/python/setters_charger.py` connected and booted. The station prints every
//! CSMS call it receives (`CALL <action> <payload>`) and takes its answers from stdin
//! (`next <Action> <Status|error>`), so one station serves the accepted, refused and
//! CALLERROR cases in turn.

use serde_json::Value;

use crate::actions_common::{charge_point_id, A};
use crate::common::python::Script;
use crate::common::reference::{Api, Reply};
use crate::common::*;
use ocpp_gateway::ocpp::OcppVersion;

/// A gateway with one Python station.
pub struct Station {
    /// The gateway, alive as long as the station.
    #[allow(dead_code)]
    pub tg: TestGateway,
    pub api: Api,
    pub cp: i64,
    pub version: OcppVersion,
    py: Script,
}

impl Station {
    /// Starts a gateway (with `configure` applied to its settings) and the station
    /// `identity` speaking `version`, and waits for its boot.
    pub async fn start_with(
        identity: &str,
        version: OcppVersion,
        configure: impl FnOnce(&mut ocpp_gateway::config::Settings),
    ) -> Station {
        let mut s = settings();
        configure(&mut s);
        let tg = start(s).await;
        let v = match version {
            OcppVersion::V16 => "1.6",
            OcppVersion::V201 => "2.0.1",
        };
        let url = tg.url(identity);
        let py = Script::start(
            "setters_charger.py",
            ["--version", v, "--url", url.as_str()],
        );
        let station = Station {
            api: {
                let token = tg.gw.api_tokens().first().expect("a token").clone();
                Api::new(tg.gw.api_addr(), Some(&token))
            },
            tg,
            cp: 0,
            version,
            py,
        };
        eventually("the station booted", || async { station.printed("READY") }).await;
        let cp = charge_point_id(&station.api, identity).await;
        Station { cp, ..station }
    }

    pub async fn start(identity: &str, version: OcppVersion) -> Station {
        Station::start_with(identity, version, |_| {}).await
    }

    fn lines(&self) -> Vec<String> {
        self.py.lines()
    }

    /// Whether the station printed `line`.
    pub fn printed(&self, line: &str) -> bool {
        self.lines().iter().any(|l| l == line)
    }

    /// The lines the station printed that start with `prefix`.
    pub fn printed_with(&self, prefix: &str) -> Vec<String> {
        self.lines()
            .into_iter()
            .filter(|l| l.starts_with(prefix))
            .collect()
    }

    /// Tells the station a line and waits for its acknowledgement.
    pub async fn tell(&mut self, line: &str) {
        let before = self.printed_with(&format!("ACK {line}")).len();
        self.py.tell(line).await;
        let ack = format!("ACK {line}");
        eventually(&ack, || async { self.printed_with(&ack).len() > before }).await;
    }

    /// The payloads of every `action` CALL the station received, each checked against
    /// the official request schema.
    pub fn calls(&self, action: &str) -> Vec<Value> {
        let prefix = format!("CALL {action} ");
        self.printed_with(&prefix)
            .iter()
            .map(|l| {
                let payload: Value =
                    serde_json::from_str(&l[prefix.len()..]).expect("a JSON payload");
                if schema::available() {
                    if let Err(e) = schema::validate(self.version, action, false, &payload) {
                        panic!("{e}");
                    }
                }
                payload
            })
            .collect()
    }

    /// The last `action` CALL (schema-checked); panics when there was none.
    pub fn last_call(&self, action: &str) -> Value {
        self.calls(action)
            .pop()
            .unwrap_or_else(|| panic!("no {action} call"))
    }

    /// `/public-api/actions/charge-point/v1.0/{cp}/{tail}`
    pub fn path(&self, tail: &str) -> String {
        format!("{A}/v1.0/{}/{tail}", self.cp)
    }

    pub async fn post(&self, tail: &str, body: Value) -> Reply {
        self.api.post(&self.path(tail), body).await
    }

    /// A charge point the gateway knows that is not connected.
    pub async fn offline_charge_point(&self, identity: &str) -> i64 {
        let r = self
            .api
            .post(
                "/public-api/resources/charge-points/v2.0",
                serde_json::json!({"name": identity, "network": {"id": identity}}),
            )
            .await;
        assert!(r.status == 201 || r.status == 200, "{}", r.text);
        r.body["data"]["id"].as_i64().expect("an id")
    }
}

/// Whether the Python station can run (prints a skip line when not).
pub fn ready() -> bool {
    python_ready()
}
