//! set-security-profile as an operator uses it: every precondition is checked before the
//! first frame, the full raise is sent per version (the CSMS root first when raising to
//! 2; OCPP 2.0.1 A05: password, SetNetworkProfile, NetworkConfigurationPriority, reset),
//! an invalid transition is the reference's 406, and a desired profile is a floor from the
//! moment it is set. The charger is a raw OCPP-J client (each frame is asserted).

use crate::common;

use std::time::Duration;

use common::reference::Api;
use common::*;
use ocpp_gateway::config::{ChargerSeed, Settings};
use serde_json::{json, Value};

const A: &str = "/public-api/actions/charge-point";
const R: &str = "/public-api/resources/charge-points/v2.0";
const ROOT: &str = "-----BEGIN CERTIFICATE-----\nMIIBcsmsroot\n-----END CERTIFICATE-----\n";
const PW: &str = "profile-password-0001";

fn seeded(identity: &str, password: Option<&str>, profile: u8) -> ChargerSeed {
    ChargerSeed {
        security_profile: profile,
        ..seed(identity, password)
    }
}

/// A gateway that takes TLS through a trusted proxy on loopback, with a CSMS root.
fn proxied(dir: &std::path::Path) -> Settings {
    let mut s = settings();
    s.ocpp.auto_register = false;
    s.ocpp.call_timeout = Duration::from_millis(400);
    s.ocpp.trusted_proxies = vec!["127.0.0.0/8".into()];
    let root = dir.join("csms-root.pem");
    std::fs::write(&root, ROOT).expect("root");
    s.certificates.insert("CSMSRootCertificate".into(), root);
    s
}

fn api_of(tg: &TestGateway) -> Api {
    Api::new(tg.gw.api_addr(), Some(&tg.gw.api_tokens()[0]))
}

async fn cp_id(api: &Api, identity: &str) -> i64 {
    let r = api.get(&format!("{R}?filter[networkId]={identity}")).await;
    r.body["data"][0]["id"].as_i64().expect("charge point id")
}

fn raise(api: &Api, cp: i64, target: u8) -> tokio::task::JoinHandle<common::reference::Reply> {
    let api = api.clone();
    tokio::spawn(async move {
        api.post(
            &format!("{A}/v2.0/{cp}/set-security-profile"),
            json!({"setSecurityProfile": target, "reason": "conformance"}),
        )
        .await
    })
}

/// The next frame the charger gets is the Reset the test asks for now: nothing was sent
/// before it.
async fn nothing_was_sent(api: &Api, cp: i64, c: &mut Client) {
    let reset = {
        let api = api.clone();
        tokio::spawn(async move {
            api.post(&format!("{A}/v1.0/{cp}/reset/soft"), json!({}))
                .await
        })
    };
    let frame = c.recv().await;
    assert_eq!(frame[2], "Reset", "no other frame came first: {frame}");
    c.answer(&frame[1], json!({"status": "Accepted"})).await;
    assert_eq!(reset.await.expect("join").status, 202);
}

/// OCPP 2.0.1 A05 (preconditions): a raise to 2 without `ocpp.public_tls_url` answers 501
/// and sends the station nothing — before, it set BasicAuthPassword first.
#[tokio::test]
async fn a_raise_the_gateway_cannot_complete_sends_the_charger_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut s = proxied(dir.path());
    s.chargers.push(seeded("SP-201-NOURL", None, 0));
    let no_tls = {
        let mut s = settings();
        s.ocpp.auto_register = false;
        s.chargers.push(seeded("SP-16-NOTLS", None, 0));
        s
    };
    for (s, identity, proto, target) in [
        (s, "SP-201-NOURL", "ocpp2.0.1", 2),
        (no_tls.clone(), "SP-16-NOTLS", "ocpp1.6", 2),
        (no_tls, "SP-201-NOURL", "ocpp2.0.1", 1),
    ] {
        let mut s = s;
        if !s.chargers.iter().any(|c| c.identity == identity) {
            s.chargers.push(seeded(identity, None, 0));
        }
        let tg = start(s).await;
        let api = api_of(&tg);
        let cp = cp_id(&api, identity).await;
        let mut c = charger(&tg, identity, proto).await;
        eventually("connected", || async { tg.gw.charger(identity).is_some() }).await;
        let reply = raise(&api, cp, target).await.expect("join");
        assert_eq!(reply.status, 501, "{identity} → {target}: {}", reply.text);
        let key = if target == 2 && proto == "ocpp2.0.1" {
            "ocpp.public_tls_url"
        } else if target == 2 {
            "tls_listen"
        } else {
            "ocpp.public_url"
        };
        assert!(reply.text.contains(key), "{}", reply.text);
        nothing_was_sent(&api, cp, &mut c).await;
        // And the charger still connects as it did: no password was stored.
        drop(c);
        connect(&tg.url(identity), &[proto], None)
            .await
            .expect("still on profile 0");
    }
}

/// The reference's 406 "Invalid transition" for lowering and for the same level (it was
/// a 422), with its message and `success: false`; nothing reaches the charger.
#[tokio::test]
async fn lowering_or_repeating_the_profile_is_an_invalid_transition() {
    let mut s = settings();
    s.ocpp.auto_register = false;
    s.chargers.push(seeded("SP-AT-2", Some(PW), 2));
    s.chargers.push(seeded("SP-AT-1", Some(PW), 1));
    let tg = start(s).await;
    let api = api_of(&tg);
    for (identity, target, message) in [
        (
            "SP-AT-2",
            1,
            "Cannot transition from security profile 2 to 1. Only raising the profile is allowed.",
        ),
        (
            "SP-AT-2",
            2,
            "Cannot transition from security profile 2 to 2. Only raising the profile is allowed.",
        ),
        (
            "SP-AT-1",
            1,
            "Cannot transition from security profile 1 to 1. Only raising the profile is allowed.",
        ),
    ] {
        let cp = cp_id(&api, identity).await;
        let reply = raise(&api, cp, target).await.expect("join");
        assert_eq!(reply.status, 406, "{}", reply.text);
        assert_eq!(reply.body, json!({"message": message, "success": false}));
    }
    let cp = cp_id(&api, "SP-AT-1").await;
    let bad = raise(&api, cp, 3).await.expect("join");
    assert_eq!(bad.status, 422, "outside the body's enum: {}", bad.text);
}

/// 1.6 security whitepaper (migrating to profile 2) and the reference ("installs ... root
/// certificates"): the CSMS root is installed, then SecurityProfile 2; the charger back
/// over TLS is on 2 for good.
#[tokio::test]
async fn a_1_6_raise_to_2_installs_the_csms_root_first() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut s = proxied(dir.path());
    s.chargers.push(seeded("SP-16-UP", Some(PW), 1));
    let tg = start(s).await;
    let api = api_of(&tg);
    let cp = cp_id(&api, "SP-16-UP").await;
    let mut c = connect(&tg.url("SP-16-UP"), &["ocpp1.6"], Some(("SP-16-UP", PW)))
        .await
        .expect("profile 1");
    eventually("connected", || async {
        tg.gw.charger("SP-16-UP").is_some()
    })
    .await;
    let call = raise(&api, cp, 2);
    let install = c.recv().await;
    assert_eq!(install[2], "InstallCertificate", "{install}");
    assert_eq!(
        install[3],
        json!({"certificateType": "CentralSystemRootCertificate", "certificate": ROOT})
    );
    c.answer(&install[1], json!({"status": "Accepted"})).await;
    let profile = c.recv().await;
    assert_eq!(profile[3], json!({"key": "SecurityProfile", "value": "2"}));
    c.answer(&profile[1], json!({"status": "Accepted"})).await;
    let reply = call.await.expect("join");
    assert_eq!(
        (reply.status, reply.body.clone()),
        (202, json!({"success": true}))
    );
    drop(c);
    let https = [("X-Forwarded-Proto", "https".to_string())];
    connect_full(
        &tg.url("SP-16-UP"),
        &["ocpp1.6"],
        Some(("SP-16-UP", PW)),
        None,
        &https,
    )
    .await
    .expect("back over TLS with its password");
    eventually("on profile 2", || async {
        api.get(&format!("{R}/{cp}")).await.body["data"]["security"]
            == json!({"currentProfile": 2, "desiredProfile": 2})
    })
    .await;
    let plain = connect(&tg.url("SP-16-UP"), &["ocpp1.6"], Some(("SP-16-UP", PW))).await;
    assert_eq!(
        plain.err().map(|r| r.status),
        Some(401),
        "plain ws refused from now on"
    );
}

/// OCPP 2.0.1 A05.FR.01–05 (via B09/B10): a 0→2 raise installs the CSMS root, sets a new
/// BasicAuthPassword, sends SetNetworkProfile with the TLS URL in a free slot, puts that
/// slot first in NetworkConfigurationPriority (the old one behind it) and resets OnIdle;
/// the station then connects over TLS with the new password.
#[tokio::test]
async fn a_2_0_1_raise_to_2_follows_a05() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut s = proxied(dir.path());
    s.ocpp.public_tls_url = "wss://gateway.example.com:9443/ocpp".into();
    s.chargers.push(seeded("SP-201-UP", None, 0));
    let tg = start(s).await;
    let api = api_of(&tg);
    let cp = cp_id(&api, "SP-201-UP").await;
    let mut c = charger(&tg, "SP-201-UP", "ocpp2.0.1").await;
    eventually("connected", || async {
        tg.gw.charger("SP-201-UP").is_some()
    })
    .await;
    let call = raise(&api, cp, 2);
    let install = c.recv().await;
    assert_eq!(
        install[3],
        json!({"certificateType": "CSMSRootCertificate", "certificate": ROOT})
    );
    c.answer(&install[1], json!({"status": "Accepted"})).await;
    let pw = c.recv().await;
    assert_eq!(
        pw[3]["setVariableData"][0]["variable"]["name"],
        "BasicAuthPassword"
    );
    let password = pw[3]["setVariableData"][0]["attributeValue"]
        .as_str()
        .expect("pw")
        .to_owned();
    c.answer(
        &pw[1],
        json!({"setVariableResult": [{"attributeStatus": "Accepted",
        "component": {"name": "SecurityCtrlr"}, "variable": {"name": "BasicAuthPassword"}}]}),
    )
    .await;
    let get = c.recv().await;
    assert_eq!(get[2], "GetVariables");
    c.answer(
        &get[1],
        json!({"getVariableResult": [{"attributeStatus": "Accepted",
        "attributeValue": "1,3", "component": {"name": "OCPPCommCtrlr"},
        "variable": {"name": "NetworkConfigurationPriority"}}]}),
    )
    .await;
    let net = c.recv().await;
    assert_eq!(net[2], "SetNetworkProfile");
    let expected: Value = json!({"configurationSlot": 2, "connectionData": {
        "ocppVersion": "OCPP20", "ocppTransport": "JSON",
        "ocppCsmsUrl": "wss://gateway.example.com:9443/ocpp", "messageTimeout": 30,
        "securityProfile": 2, "ocppInterface": "Wired0"}});
    assert_eq!(net[3], expected);
    c.answer(&net[1], json!({"status": "Accepted"})).await;
    let prio = c.recv().await;
    assert_eq!(prio[3]["setVariableData"][0]["attributeValue"], "2,1,3");
    c.answer(&prio[1], json!({"setVariableResult": [{"attributeStatus": "Accepted",
        "component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "NetworkConfigurationPriority"}}]}))
        .await;
    let reset = c.recv().await;
    assert_eq!(reset[2], "Reset");
    c.answer(&reset[1], json!({"status": "Scheduled"})).await;
    assert_eq!(call.await.expect("join").status, 202);
    drop(c);
    // Until it moves, the station may fall back to its old profile; over TLS with the
    // new password it is on 2.
    connect(&tg.url("SP-201-UP"), &["ocpp2.0.1"], None)
        .await
        .expect("the fallback still works");
    let https = [("X-Forwarded-Proto", "https".to_string())];
    connect_full(
        &tg.url("SP-201-UP"),
        &["ocpp2.0.1"],
        Some(("SP-201-UP", &password)),
        None,
        &https,
    )
    .await
    .expect("on profile 2");
    eventually("current profile 2", || async {
        api.get(&format!("{R}/{cp}")).await.body["data"]["security"]["currentProfile"] == 2
    })
    .await;
    let r = connect(
        &tg.url("SP-201-UP"),
        &["ocpp2.0.1"],
        Some(("SP-201-UP", &password)),
    )
    .await;
    assert_eq!(r.err().map(|r| r.status), Some(401));
}

/// The desired profile is a floor from the moment it is set: a charge point created with
/// `security.desiredProfile` 2 is refused over plain ws even with the right password.
#[tokio::test]
async fn a_desired_profile_is_a_floor_from_creation() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut s = proxied(dir.path());
    s.ocpp.allow_unauthenticated = false;
    let tg = start(s).await;
    let api = api_of(&tg);
    let created = api
        .post(
            R,
            json!({"name": "Floor", "type": "public", "status": "enabled",
                   "network": {"id": "SP-FLOOR", "protocol": "ocpp 1.6", "password": PW},
                   "security": {"desiredProfile": 2}}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let plain = connect(&tg.url("SP-FLOOR"), &["ocpp1.6"], Some(("SP-FLOOR", PW))).await;
    assert_eq!(
        plain.err().map(|r| r.status),
        Some(401),
        "plain ws is below the floor"
    );
    let https = [("X-Forwarded-Proto", "https".to_string())];
    connect_full(
        &tg.url("SP-FLOOR"),
        &["ocpp1.6"],
        Some(("SP-FLOOR", PW)),
        None,
        &https,
    )
    .await
    .expect("TLS meets the floor");
    // Reset: the next connection, whatever its profile, is accepted.
    let cp = cp_id(&api, "SP-FLOOR").await;
    let reset = api
        .post(&format!("{A}/v1.0/{cp}/reset-security-profile"), json!({}))
        .await;
    assert_eq!(reset.status, 202);
    connect(&tg.url("SP-FLOOR"), &["ocpp1.6"], Some(("SP-FLOOR", PW)))
        .await
        .expect("accepted after the reset");
}
