//! What the load-management tests share: a gateway that recomputes quickly, a circuit
//! made and charge points attached through the API, and the load manager's view read
//! back from `circuits/v2.0/{circuit}/allocations`.

use crate::actions_common::charge_point_id;
use crate::common;

use std::time::Duration;

use common::reference::Api;
use common::*;
use ocpp_gateway::config::Settings;
use serde_json::{json, Value};

pub const R: &str = "/public-api/resources";
pub const C: &str = "/public-api/actions/circuit/v2.0";

/// Test settings with a load manager that reacts at once: a short tick, no interval
/// between increases.
pub fn load_settings() -> Settings {
    let mut s = settings();
    s.load.tick = Duration::from_millis(200);
    s.load.min_interval = Duration::ZERO;
    s.load.round_interval = Duration::from_millis(100);
    s
}

/// The API client of `tg` with its token.
pub fn api(tg: &TestGateway) -> Api {
    let token = tg.gw.api_tokens().first().expect("a token").clone();
    Api::new(tg.gw.api_addr(), Some(&token))
}

/// Creates a circuit from `body` (name and phases filled in when absent); its id.
pub async fn circuit(api: &Api, mut body: Value) -> i64 {
    if body.get("name").is_none() {
        body["name"] = json!("Depot");
    }
    if body.get("phases").is_none() {
        body["phases"] = json!("three_phase");
    }
    let r = api.post(&format!("{R}/circuits/v2.0"), body).await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.body["data"]["id"].as_i64().expect("circuit id")
}

/// Sets the power options of every EVSE of the charge point `identity` and attaches it
/// to `circuit` (with `priority` when given); the charge point's id.
pub async fn attach(
    api: &Api,
    circuit: i64,
    identity: &str,
    power: Value,
    priority: Option<f64>,
) -> i64 {
    let cp = charge_point_id(api, identity).await;
    let evses = api.get(&format!("{R}/charge-points/v2.0/{cp}/evses")).await;
    assert_eq!(evses.status, 200, "{}", evses.text);
    for e in evses.body["data"].as_array().expect("evses") {
        let id = e["id"].as_i64().expect("evse id");
        let r = api
            .patch(
                &format!("{R}/charge-points/v2.0/{cp}/evses/{id}"),
                json!({"powerOptions": power}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
    }
    let mut body = json!({"chargePointId": cp});
    if let Some(p) = priority {
        body["priority"] = json!(p);
    }
    let r = api
        .post(&format!("{C}/{circuit}/attach-charge-point"), body)
        .await;
    assert_eq!(r.status, 202, "{}", r.text);
    cp
}

/// The load manager's view of `circuit`.
pub async fn allocations(api: &Api, circuit: i64) -> Value {
    let r = api
        .get(&format!("{R}/circuits/v2.0/{circuit}/allocations"))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["data"].clone()
}

/// The allowance (A) of EVSE `evse` of charge point `cp` in `view`.
pub fn allowed(view: &Value, cp: i64, evse: i64) -> Option<f64> {
    view["evses"]
        .as_array()?
        .iter()
        .find(|e| e["chargePointId"] == cp && e["evseNetworkId"] == evse)?["allowed"]
        .as_f64()
}

/// The field `field` of EVSE `evse` of charge point `cp` in `view`.
pub fn evse_field(view: &Value, cp: i64, evse: i64, field: &str) -> Value {
    view["evses"]
        .as_array()
        .and_then(|a| {
            a.iter()
                .find(|e| e["chargePointId"] == cp && e["evseNetworkId"] == evse)
        })
        .map(|e| e[field].clone())
        .unwrap_or(Value::Null)
}

/// Waits until `circuit`'s view satisfies `cond`; the view.
pub async fn view_until(
    api: &Api,
    circuit: i64,
    what: &str,
    cond: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let v = allocations(api, circuit).await;
        if cond(&v) {
            return v;
        }
        if std::time::Instant::now() > deadline {
            panic!("{what}: not within {WAIT:?}; last view {v:#}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
