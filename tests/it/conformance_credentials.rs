//! Charger credentials, whatever path changes them: the credentials table (1.6
//! AuthorizationKey and 2.0.1 BasicAuthPassword, through set-configuration and through
//! set-security-profile; the charger accepting, rejecting, not answering, disconnecting
//! mid-change), then the security-profile preconditions, transitions and floor. The
//! charger is a raw OCPP-J client so that it can refuse, stay silent or drop the socket at
//! exactly the frame that carries the secret.

use crate::common;

use std::time::Duration;

use common::reference::Api;
use common::*;
use ocpp_gateway::config::Settings;
use serde_json::{json, Value};

const OLD: &str = "old-password-0000001";
const A: &str = "/public-api/actions/charge-point";
const R: &str = "/public-api/resources/charge-points/v2.0";

/// Which path changes the secret.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Via {
    /// 1.6 `set-configuration` of AuthorizationKey (the charger has the OLD password).
    Config16,
    /// 1.6 `set-security-profile` 0→1 (the charger has no password yet).
    Profile16,
    /// 2.0.1 `set-configuration` of SecurityCtrlr.BasicAuthPassword.
    Config201,
    /// 2.0.1 `set-security-profile` 0→1.
    Profile201,
}

impl Via {
    fn subprotocol(self) -> &'static str {
        match self {
            Via::Config16 | Via::Profile16 => "ocpp1.6",
            _ => "ocpp2.0.1",
        }
    }
    /// The password the charger holds before the change (`None`: profile 0).
    fn old(self) -> Option<&'static str> {
        matches!(self, Via::Config16 | Via::Config201).then_some(OLD)
    }
}

/// What the charger does with the frame carrying its new secret.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Does {
    Accepts,
    Rejects,
    Stays,
    Disconnects,
}

fn gateway_settings(identity: &str, via: Via) -> Settings {
    let mut s = settings();
    s.ocpp.auto_register = false;
    s.ocpp.call_timeout = Duration::from_millis(400);
    s.ocpp.public_url = "ws://gateway.example.com:9000/ocpp".into();
    s.chargers.push(seed(identity, via.old()));
    s
}

/// The frame log of charge point `cp` through the API (a gateway extension the reference
/// has no schema for, so read without the reference check).
async fn frames_of(tg: &TestGateway, cp: i64) -> common::reference::Reply {
    let r = reqwest::Client::new()
        .get(format!(
            "http://{}{R}/{cp}/frames?limit=100",
            tg.gw.api_addr()
        ))
        .bearer_auth(&tg.gw.api_tokens()[0])
        .send()
        .await
        .expect("frames");
    let status = r.status().as_u16();
    let text = r.text().await.expect("body");
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    common::reference::Reply { status, body, text }
}

/// The frame log of `cp` once it shows what `logged` looks for (frames are logged off
/// the connection's path, so the latest may take a moment).
async fn frames_until(
    tg: &TestGateway,
    cp: i64,
    logged: impl Fn(&str) -> bool,
) -> common::reference::Reply {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let r = frames_of(tg, cp).await;
        if logged(&r.text) || std::time::Instant::now() > deadline {
            return r;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

fn api_of(tg: &TestGateway) -> Api {
    Api::new(tg.gw.api_addr(), Some(&tg.gw.api_tokens()[0]))
}

async fn cp_id(api: &Api, identity: &str) -> i64 {
    let r = api.get(&format!("{R}?filter[networkId]={identity}")).await;
    r.body["data"][0]["id"].as_i64().expect("charge point id")
}

/// Connects `identity` with `password` (none: no Authorization header); the HTTP status
/// of a refusal, 101 for an upgrade.
async fn try_connect(tg: &TestGateway, identity: &str, proto: &str, password: Option<&str>) -> u16 {
    let auth = password.map(|p| (identity, p));
    match connect(&tg.url(identity), &[proto], auth).await {
        Ok(_) => 101,
        Err(r) => r.status,
    }
}

fn accepted_variable(component: &str, variable: &str) -> Value {
    json!({"setVariableResult": [{"attributeStatus": "Accepted",
        "component": {"name": component}, "variable": {"name": variable}}]})
}

/// Answers the rest of a set-security-profile raise to 1 after the password step.
async fn accept_rest_of_raise(c: &mut Client, via: Via) {
    if via == Via::Profile16 {
        let p = c.recv().await;
        assert_eq!(p[3], json!({"key": "SecurityProfile", "value": "1"}));
        c.answer(&p[1], json!({"status": "Accepted"})).await;
        return;
    }
    // OCPP 2.0.1 A05: SetNetworkProfile, NetworkConfigurationPriority, Reset.
    let get = c.recv().await;
    assert_eq!(get[2], "GetVariables", "{get}");
    c.answer(
        &get[1],
        json!({"getVariableResult": [{"attributeStatus": "Accepted",
        "attributeValue": "1", "component": {"name": "OCPPCommCtrlr"},
        "variable": {"name": "NetworkConfigurationPriority"}}]}),
    )
    .await;
    let profile = c.recv().await;
    assert_eq!(profile[2], "SetNetworkProfile", "{profile}");
    assert_eq!(profile[3]["configurationSlot"], 2, "a free slot: {profile}");
    assert_eq!(profile[3]["connectionData"]["securityProfile"], 1);
    assert_eq!(
        profile[3]["connectionData"]["ocppCsmsUrl"],
        "ws://gateway.example.com:9000/ocpp"
    );
    c.answer(&profile[1], json!({"status": "Accepted"})).await;
    let priority = c.recv().await;
    assert_eq!(
        priority[3]["setVariableData"][0]["variable"]["name"],
        "NetworkConfigurationPriority"
    );
    assert_eq!(
        priority[3]["setVariableData"][0]["attributeValue"], "2,1",
        "old profile kept as fallback"
    );
    c.answer(
        &priority[1],
        accepted_variable("OCPPCommCtrlr", "NetworkConfigurationPriority"),
    )
    .await;
    let reset = c.recv().await;
    assert_eq!(reset[2], "Reset");
    assert_eq!(reset[3], json!({"type": "OnIdle"}));
    c.answer(&reset[1], json!({"status": "Accepted"})).await;
}

/// One row of the table: changes the secret `via` a path while the charger `does`
/// something; then checks what it can connect with, and that the secret shows nowhere.
async fn row(via: Via, does: Does) {
    let identity = format!("CRED-{via:?}-{does:?}");
    let proto = via.subprotocol();
    let tg = start(gateway_settings(&identity, via)).await;
    let api = api_of(&tg);
    let cp = cp_id(&api, &identity).await;
    let mut c = connect(
        &tg.url(&identity),
        &[proto],
        via.old().map(|p| (identity.as_str(), p)),
    )
    .await
    .expect("connects with what it holds");
    eventually("connected", || async { tg.gw.charger(&identity).is_some() }).await;

    let (path, body) = match via {
        Via::Config16 => (
            "v2.0/{cp}/set-configuration",
            json!({"name": "AuthorizationKey", "value": "NEW-KEY-set-by-the-operator-01"}),
        ),
        Via::Config201 => (
            "v2.0/{cp}/set-configuration",
            json!({"componentName": "SecurityCtrlr", "name": "BasicAuthPassword", "value": "NEW-pw-set-by-the-operator-01"}),
        ),
        Via::Profile16 | Via::Profile201 => (
            "v2.0/{cp}/set-security-profile",
            json!({"setSecurityProfile": 1, "reason": "credentials table"}),
        ),
    };
    let url = format!("{A}/{}", path.replace("{cp}", &cp.to_string()));
    let call = {
        let api = api.clone();
        tokio::spawn(async move { api.post(&url, body).await })
    };
    let frame = c.recv().await;
    let new = match proto {
        "ocpp1.6" => {
            assert_eq!(frame[3]["key"], "AuthorizationKey", "{frame}");
            frame[3]["value"].as_str()
        }
        _ => {
            assert_eq!(
                frame[3]["setVariableData"][0]["variable"]["name"], "BasicAuthPassword",
                "{frame}"
            );
            frame[3]["setVariableData"][0]["attributeValue"].as_str()
        }
    }
    .expect("the new secret")
    .to_owned();
    let yes = match proto {
        "ocpp1.6" => json!({"status": "Accepted"}),
        _ => accepted_variable("SecurityCtrlr", "BasicAuthPassword"),
    };
    let no = match proto {
        "ocpp1.6" => json!({"status": "Rejected"}),
        _ => json!({"setVariableResult": [{"attributeStatus": "Rejected",
            "component": {"name": "SecurityCtrlr"}, "variable": {"name": "BasicAuthPassword"}}]}),
    };
    let expected = match does {
        Does::Accepts => {
            c.answer(&frame[1], yes).await;
            if matches!(via, Via::Profile16 | Via::Profile201) {
                accept_rest_of_raise(&mut c, via).await;
            }
            202
        }
        Does::Rejects => {
            c.answer(&frame[1], no).await;
            406
        }
        Does::Stays => 504,
        Does::Disconnects => {
            let _ = c.ws.close(None).await;
            502
        }
    };
    let reply = tokio::time::timeout(WAIT, call)
        .await
        .expect("answered")
        .expect("join");
    assert_eq!(reply.status, expected, "{via:?} {does:?}: {}", reply.text);
    assert!(!reply.text.contains(&new), "the API answer shows no secret");
    drop(c);

    // What the charger can connect with afterwards (1.6 security whitepaper §3 / OCPP
    // 2.0.1 A01/A05: the charger uses its new password at its next connection).
    let old = via.old();
    match does {
        Does::Rejects => {
            assert_eq!(
                try_connect(&tg, &identity, proto, old).await,
                101,
                "{via:?} rejected: the old one still works"
            );
            if old.is_some() {
                assert_eq!(
                    try_connect(&tg, &identity, proto, Some(&new)).await,
                    401,
                    "{via:?} rejected: the refused one does not"
                );
            } else {
                // Still on profile 0: any header is no password, and none was stored.
                try_connect(&tg, &identity, proto, Some(&new)).await;
                let view = api.get(&format!("{R}/{cp}")).await;
                assert_eq!(
                    view.body["data"]["security"]["currentProfile"], 0,
                    "{}",
                    view.text
                );
                assert_eq!(try_connect(&tg, &identity, proto, None).await, 101);
            }
        }
        _ => {
            // It may come back once with the old one (a connection attempt in flight)...
            assert_eq!(
                try_connect(&tg, &identity, proto, old).await,
                101,
                "{via:?} {does:?}: old still admitted"
            );
            // ...and with the new one; 1.6 keys also hex-encoded.
            let hex = hex::encode(&new);
            let sent = if proto == "ocpp1.6" {
                hex.as_str()
            } else {
                new.as_str()
            };
            assert_eq!(
                try_connect(&tg, &identity, proto, Some(sent)).await,
                101,
                "{via:?} {does:?}: new admitted"
            );
            // Once the new one was used, the old one is retired.
            assert_eq!(
                try_connect(&tg, &identity, proto, old).await,
                401,
                "{via:?} {does:?}: old retired"
            );
            assert_eq!(try_connect(&tg, &identity, proto, Some(&new)).await, 101);
        }
    }

    // No secret in the configuration resource or the frame log.
    let configs = api.get(&format!("{R}/{cp}/configurations")).await;
    assert!(!configs.text.contains(&new), "{}", configs.text);
    if does == Does::Accepts && matches!(via, Via::Config16 | Via::Config201) {
        let key = if via == Via::Config16 {
            "AuthorizationKey"
        } else {
            "SecurityCtrlr.BasicAuthPassword"
        };
        let one = api.get(&format!("{R}/{cp}/configurations/{key}")).await;
        assert_eq!(one.status, 200, "{}", one.text);
        assert_eq!(
            one.body["data"]["key"]["value"], "<redacted>",
            "{}",
            one.text
        );
    }
    let frames = frames_until(&tg, cp, |t| {
        t.contains("BasicAuthPassword") || t.contains("AuthorizationKey")
    })
    .await;
    assert_eq!(frames.status, 200, "{}", frames.text);
    assert!(
        frames.text.contains("BasicAuthPassword") || frames.text.contains("AuthorizationKey"),
        "the change is in the log"
    );
    assert!(
        !frames.text.contains(&new),
        "the frame log shows no secret: {}",
        frames.text
    );
    assert!(!frames.text.contains(OLD));
}

macro_rules! table {
    ($($name:ident: $via:ident, $does:ident;)*) => {$(
        /// A row of the credentials table (OCPP 1.6 security whitepaper AuthorizationKey,
        /// OCPP 2.0.1 A05.FR.01/B05 BasicAuthPassword): the charger connects afterwards with
        /// whatever it holds, and the secret shows nowhere.
        #[tokio::test]
        async fn $name() {
            row(Via::$via, Does::$does).await;
        }
    )*};
}

table! {
    key_16_set_configuration_accepted: Config16, Accepts;
    key_16_set_configuration_rejected: Config16, Rejects;
    key_16_set_configuration_unanswered: Config16, Stays;
    key_16_set_configuration_disconnected: Config16, Disconnects;
    key_16_security_profile_accepted: Profile16, Accepts;
    key_16_security_profile_rejected: Profile16, Rejects;
    key_16_security_profile_unanswered: Profile16, Stays;
    key_16_security_profile_disconnected: Profile16, Disconnects;
    password_201_set_configuration_accepted: Config201, Accepts;
    password_201_set_configuration_rejected: Config201, Rejects;
    password_201_set_configuration_unanswered: Config201, Stays;
    password_201_set_configuration_disconnected: Config201, Disconnects;
    password_201_security_profile_accepted: Profile201, Accepts;
    password_201_security_profile_rejected: Profile201, Rejects;
    password_201_security_profile_unanswered: Profile201, Stays;
    password_201_security_profile_disconnected: Profile201, Disconnects;
}

/// Answers the next CALL the charger gets (asserting its action) while `reply` runs.
async fn serve_one(c: &mut Client, action: &str, answer: Value) -> Value {
    let frame = c.recv().await;
    assert_eq!(frame[2], action, "{frame}");
    c.answer(&frame[1], answer).await;
    frame
}

const REPORTED: &str = "reported-secret-value-0001";

/// OCPP 1.6 §9.1.1 / security whitepaper (AuthorizationKey is write-only): a charger that
/// reports its key in GetConfiguration — to a sync or a send-custom-ocpp — does not make
/// it readable: the snapshot, the custom result and the frame log show a marker.
#[tokio::test]
async fn a_key_the_charger_reports_is_masked_everywhere() {
    let identity = "CRED-REPORT-16";
    let tg = start(gateway_settings(identity, Via::Config16)).await;
    let api = api_of(&tg);
    let cp = cp_id(&api, identity).await;
    let mut c = connect(&tg.url(identity), &["ocpp1.6"], Some((identity, OLD)))
        .await
        .expect("connects");
    eventually("connected", || async { tg.gw.charger(identity).is_some() }).await;
    let keys = json!({"configurationKey": [
        {"key": "AuthorizationKey", "readonly": false, "value": REPORTED},
        {"key": "HeartbeatInterval", "readonly": false, "value": "60"}]});
    let sync = {
        let api = api.clone();
        tokio::spawn(async move {
            api.post(&format!("{A}/v1.0/{cp}/sync-configuration"), json!({}))
                .await
        })
    };
    serve_one(&mut c, "GetConfiguration", keys.clone()).await;
    assert_eq!(sync.await.expect("join").status, 202);
    let all = api.get(&format!("{R}/{cp}/configurations")).await;
    assert!(!all.text.contains(REPORTED), "{}", all.text);
    let one = api
        .get(&format!("{R}/{cp}/configurations/AuthorizationKey"))
        .await;
    assert_eq!(
        one.body["data"]["key"]["value"], "<redacted>",
        "{}",
        one.text
    );
    let hb = api
        .get(&format!("{R}/{cp}/configurations/HeartbeatInterval"))
        .await;
    assert_eq!(hb.body["data"]["key"]["value"], "60");

    let custom = {
        let api = api.clone();
        tokio::spawn(async move {
            api.post(
                &format!("{A}/v1.0/{cp}/send-custom-ocpp"),
                json!({"action": "GetConfiguration", "payload": {}}),
            )
            .await
        })
    };
    serve_one(&mut c, "GetConfiguration", keys).await;
    let custom = custom.await.expect("join");
    assert_eq!(custom.status, 200, "{}", custom.text);
    assert!(!custom.text.contains(REPORTED), "{}", custom.text);
    assert_eq!(custom.body["result"]["configurationKey"][1]["value"], "60");
    let frames = frames_until(&tg, cp, |t| t.contains("GetConfiguration")).await;
    assert!(frames.text.contains("GetConfiguration"));
    assert!(!frames.text.contains(REPORTED), "{}", frames.text);
}

/// OCPP 2.0.1 B07/B08 (NotifyReport) with SecurityCtrlr.BasicAuthPassword reported with a
/// value (it is WriteOnly): the snapshot and the frame log show a marker.
#[tokio::test]
async fn a_password_a_station_reports_is_masked_everywhere() {
    let identity = "CRED-REPORT-201";
    let tg = start(gateway_settings(identity, Via::Config201)).await;
    let api = api_of(&tg);
    let cp = cp_id(&api, identity).await;
    let mut c = connect(&tg.url(identity), &["ocpp2.0.1"], Some((identity, OLD)))
        .await
        .expect("connects");
    eventually("connected", || async { tg.gw.charger(identity).is_some() }).await;
    let sync = {
        let api = api.clone();
        tokio::spawn(async move {
            api.post(&format!("{A}/v1.0/{cp}/sync-configuration"), json!({}))
                .await
        })
    };
    let frame = serve_one(&mut c, "GetBaseReport", json!({"status": "Accepted"})).await;
    let reply = sync.await.expect("join");
    assert_eq!(reply.status, 202);
    c.call(
        "NotifyReport",
        json!({"requestId": frame[3]["requestId"], "generatedAt": "2026-01-01T00:00:00Z",
            "seqNo": 0, "tbc": false, "reportData": [
            {"component": {"name": "SecurityCtrlr"}, "variable": {"name": "BasicAuthPassword"},
             "variableAttribute": [{"type": "Actual", "value": REPORTED, "mutability": "WriteOnly"}]},
            {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"},
             "variableAttribute": [{"type": "Actual", "value": "60"}]}]}),
    )
    .await;
    let key = "SecurityCtrlr.BasicAuthPassword";
    let one = api.get(&format!("{R}/{cp}/configurations/{key}")).await;
    assert_eq!(
        one.body["data"]["key"]["value"], "<redacted>",
        "{}",
        one.text
    );
    let all = api.get(&format!("{R}/{cp}/configurations")).await;
    assert!(all.text.contains("HeartbeatInterval"), "{}", all.text);
    assert!(!all.text.contains(REPORTED), "{}", all.text);
    let frames = frames_until(&tg, cp, |t| t.contains("NotifyReport")).await;
    assert!(frames.text.contains("NotifyReport"));
    assert!(!frames.text.contains(REPORTED), "{}", frames.text);
}
