//! Support for the id-group tests: a gateway as an operator runs it, id tags made
//! through the API, and an authorization answer in either version's words.

use serde_json::{json, Value};

use crate::common::reference::Api;
use crate::common::*;
use ocpp_gateway::config::Policy;

pub const TAGS: &str = "/public-api/resources/id-tags/v2.0";

/// A gateway as an operator runs it: unknown tags are refused; user 99 is the master pass.
pub async fn gateway() -> (TestGateway, Api) {
    let mut s = settings();
    s.auth.unknown = Policy::Reject;
    s.auth.master_pass_user_id = 99;
    let tg = start(s).await;
    let token = tg.gw.api_tokens().first().expect("a token").clone();
    let api = Api::new(tg.gw.api_addr(), Some(&token));
    (tg, api)
}

pub async fn add_tag(api: &Api, uid: &str, user: Option<i64>) -> Value {
    let reply = api
        .post(
            TAGS,
            json!({"idTagUid": uid, "status": "enabled", "type": "rfid", "userId": user}),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    reply.body["data"].clone()
}

/// The charger's answer's status and group as one value, for either version.
pub fn info(v: &Value) -> (String, Option<String>) {
    let status = v["status"].as_str().unwrap_or_default().to_owned();
    let group = v["parentIdTag"]
        .as_str()
        .or_else(|| v["groupIdToken"]["idToken"].as_str())
        .map(str::to_owned);
    (status, group)
}
