//! Support for the action tests: a gateway with one raw charger of a version, the API
//! client, and one HTTP action ↔ one OCPP call exchanges.

use std::time::Duration;

use serde_json::{json, Value};

use crate::common::reference::{Api, Reply};
use crate::common::*;
use ocpp_gateway::ocpp::OcppVersion;

/// The action path prefix of a charge point.
pub const A: &str = "/public-api/actions/charge-point";

/// A gateway, its API, and one connected charger.
pub struct Rig {
    pub tg: TestGateway,
    pub api: Api,
    pub c: Client,
    pub cp: i64,
    pub version: OcppVersion,
}

/// How the simulated charger answers a CALL.
pub enum Answer {
    Result(Value),
    Error(&'static str, &'static str),
    Silence,
}

/// The call timeout of the rigs: short, so a silent charger costs little.
pub const CALL_TIMEOUT: Duration = Duration::from_millis(400);

/// A PEM the gateway offers as its CSMS root.
const PEM: &str = "-----BEGIN CERTIFICATE-----\nMIIBtest\n-----END CERTIFICATE-----\n";

/// Starts a gateway and connects `identity` speaking `version`.
pub async fn rig(version: OcppVersion, identity: &str) -> Rig {
    let mut s = settings();
    s.ocpp.call_timeout = CALL_TIMEOUT;
    let tg = start_with(s).await;
    let c = charger(&tg, identity, version.subprotocol()).await;
    eventually("registered", || async { tg.gw.charger(identity).is_some() }).await;
    let token = tg.gw.api_tokens().first().expect("a token").clone();
    let api = Api::new(tg.gw.api_addr(), Some(&token));
    let cp = charge_point_id(&api, identity).await;
    Rig {
        tg,
        api,
        c,
        cp,
        version,
    }
}

/// Starts a gateway whose TLS chain file holds a PEM (the CSMS root to install).
pub async fn start_with(mut s: ocpp_gateway::config::Settings) -> TestGateway {
    let dir = tempfile::tempdir().expect("tempdir");
    let chain = dir.path().join("chain.pem");
    std::fs::write(&chain, PEM).expect("write chain");
    s.tls.cert_chain = chain;
    // The file is read per request: it lives in the gateway's folder, as long as it.
    start_in(s, std::sync::Arc::new(dir)).await
}

/// The charge point id of `identity`.
pub async fn charge_point_id(api: &Api, identity: &str) -> i64 {
    let list = api
        .get("/public-api/resources/charge-points/v2.0?per_page=100")
        .await;
    list.body["data"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|cp| cp["network"]["id"] == identity)
        .and_then(|cp| cp["id"].as_i64())
        .unwrap_or_else(|| panic!("no charge point {identity}: {}", list.text))
}

impl Rig {
    /// `/public-api/actions/charge-point/{v}/{cp}/{tail}`
    pub fn path(&self, v: &str, tail: &str) -> String {
        format!("{A}/{v}/{}/{tail}", self.cp)
    }

    /// POSTs `body` to `path`, expects exactly one CALL of `action` (schema-valid),
    /// answers it, and returns the CALL's payload and the HTTP reply.
    pub async fn exchange(
        &mut self,
        path: &str,
        body: Value,
        action: &str,
        answer: Answer,
    ) -> (Value, Reply) {
        let api = self.api.clone();
        let path_owned = path.to_owned();
        let http = tokio::spawn(async move { api.post(&path_owned, body).await });
        let payload = self.expect_call(action, answer).await;
        let reply = tokio::time::timeout(WAIT, http)
            .await
            .expect("HTTP answer in time")
            .expect("join");
        (payload, reply)
    }

    /// Receives the next CALL, checks it is `action` and schema-valid, answers it.
    pub async fn expect_call(&mut self, action: &str, answer: Answer) -> Value {
        let frame = self.c.recv().await;
        assert_eq!(frame[0], 2, "a CALL: {frame}");
        assert_eq!(frame[2], action, "{}: {frame}", self.version);
        let payload = frame[3].clone();
        if schema::available() {
            if let Err(e) = schema::validate(self.version, action, false, &payload) {
                panic!("{e}");
            }
        }
        match answer {
            Answer::Result(v) => self.c.answer(&frame[1], v).await,
            Answer::Error(code, description) => {
                self.c
                    .send(&json!([4, frame[1], code, description, {}]).to_string())
                    .await
            }
            Answer::Silence => {}
        }
        payload
    }

    /// Runs one action through an accepting, a refusing (when given), an erring and a
    /// silent charger, checking each HTTP answer. Returns the accepted exchange.
    pub async fn every_answer(&mut self, case: &Case) -> (Value, Reply) {
        let (payload, ok) = self
            .exchange(
                &case.path,
                case.body.clone(),
                case.action,
                Answer::Result(case.ok.clone()),
            )
            .await;
        assert_eq!(
            ok.status, case.status,
            "{} {}: {}",
            self.version, case.path, ok.text
        );
        if let Some(refusal) = &case.refusal {
            let (_, r) = self
                .exchange(
                    &case.path,
                    case.body.clone(),
                    case.action,
                    Answer::Result(refusal.clone()),
                )
                .await;
            assert_eq!(
                r.status, 406,
                "{} {} refused: {}",
                self.version, case.path, r.text
            );
            assert!(r.body["message"].is_string(), "{}", r.text);
        }
        let (_, e) = self
            .exchange(
                &case.path,
                case.body.clone(),
                case.action,
                Answer::Error("InternalError", "the charger broke"),
            )
            .await;
        assert_eq!(
            e.status, 502,
            "{} {} CALLERROR: {}",
            self.version, case.path, e.text
        );
        let message = e.body["message"].as_str().unwrap_or_default();
        assert!(
            message.contains("InternalError") && message.contains("the charger broke"),
            "{message}"
        );
        let (_, t) = self
            .exchange(&case.path, case.body.clone(), case.action, Answer::Silence)
            .await;
        assert_eq!(
            t.status, 504,
            "{} {} silent: {}",
            self.version, case.path, t.text
        );
        (payload, ok)
    }
}

/// One action and what an accepting and a refusing charger answer.
pub struct Case {
    pub path: String,
    pub body: Value,
    pub action: &'static str,
    pub ok: Value,
    pub status: u16,
    pub refusal: Option<Value>,
}
