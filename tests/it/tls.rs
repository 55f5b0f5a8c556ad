//! Security profiles 2 and 3 over real TLS with certificates from `certs init`.

use crate::common;

use std::path::{Path, PathBuf};

use common::*;
use ocpp_gateway::config::Settings;
use ocpp_gateway::security::certs::{self, charger_params, Ca};
use serde_json::json;

struct Pki {
    dir: tempfile::TempDir,
}

impl Pki {
    fn new(chargers: &[&str]) -> Pki {
        let dir = tempfile::tempdir().expect("tempdir");
        let chargers: Vec<String> = chargers.iter().map(|c| c.to_string()).collect();
        certs::init(
            dir.path(),
            &["localhost".into(), "127.0.0.1".into()],
            &chargers,
        )
        .expect("certs init");
        Pki { dir }
    }
    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
    fn client(&self, charger: Option<&str>) -> ClientTls {
        ClientTls {
            ca: self.path("ca.pem"),
            cert: charger.map(|c| {
                (
                    self.path(&format!("charger-{c}.pem")),
                    self.path(&format!("charger-{c}.key")),
                )
            }),
        }
    }
    fn settings(&self, s: &mut Settings) {
        s.ocpp.tls_listen = "127.0.0.1:0".into();
        s.tls.cert_chain = self.path("server.pem");
        s.tls.private_key = self.path("server.key");
        s.tls.client_ca = self.path("ca.pem");
        s.tls.ca_key = self.path("ca.key");
    }
}

fn write_pair(dir: &Path, name: &str, cert_pem: &str, key_pem: &str) -> (PathBuf, PathBuf) {
    let (c, k) = (
        dir.join(format!("{name}.pem")),
        dir.join(format!("{name}.key")),
    );
    std::fs::write(&c, cert_pem).expect("write");
    std::fs::write(&k, key_pem).expect("write");
    (c, k)
}

fn seed_profile(
    identity: &str,
    password: Option<&str>,
    profile: u8,
) -> ocpp_gateway::config::ChargerSeed {
    let mut s = seed(identity, password);
    s.security_profile = profile;
    s
}

async fn boots(c: &mut Client) {
    let a = c
        .call(
            "BootNotification",
            json!({"chargePointVendor": "V", "chargePointModel": "M"}),
        )
        .await;
    assert_eq!(a["status"], "Accepted");
}

#[tokio::test]
async fn profile_2_and_3_chargers_connect_and_weaker_or_foreign_credentials_are_refused() {
    let pki = Pki::new(&["P3", "OTHER"]);
    let mut s = settings();
    s.ocpp.auto_register = false;
    s.ocpp.allow_unauthenticated = false;
    pki.settings(&mut s);
    s.chargers
        .push(seed_profile("P2", Some("profile-two-secret"), 2));
    s.chargers.push(seed_profile("P3", None, 3));
    let tg = start(s).await;
    let tls_addr = tg.gw.tls_addr().expect("tls listener");
    let wss = |id: &str| format!("wss://{tls_addr}/ocpp/{id}");

    // Profile 2: TLS and the password.
    let mut c = connect_with(
        &wss("P2"),
        &["ocpp1.6"],
        Some(("P2", "profile-two-secret")),
        Some(&pki.client(None)),
    )
    .await
    .expect("profile 2 over TLS");
    boots(&mut c).await;
    let r = connect_with(
        &wss("P2"),
        &["ocpp1.6"],
        Some(("P2", "wrong")),
        Some(&pki.client(None)),
    )
    .await;
    assert_eq!(
        r.err().map(|r| r.status),
        Some(401),
        "wrong password over TLS"
    );
    // ...but not on plain ws, even with the right password.
    let r = connect(
        &tg.url("P2"),
        &["ocpp1.6"],
        Some(("P2", "profile-two-secret")),
    )
    .await;
    let refused = r.err().expect("refused");
    assert_eq!(refused.status, 401);
    assert!(refused.body.contains("profile 2"), "{}", refused.body);

    // Profile 3: its own certificate, no password needed.
    let mut c = connect_with(
        &wss("P3"),
        &["ocpp2.0.1"],
        None,
        Some(&pki.client(Some("P3"))),
    )
    .await
    .expect("profile 3 with its certificate");
    let a = c
        .call(
            "BootNotification",
            json!({"reason": "PowerUp", "chargingStation": {"vendorName": "V", "model": "M"}}),
        )
        .await;
    assert_eq!(a["status"], "Accepted");
    // Another identity's certificate (same CA) does not make it P3.
    let r = connect_with(
        &wss("P3"),
        &["ocpp2.0.1"],
        None,
        Some(&pki.client(Some("OTHER"))),
    )
    .await;
    let refused = r.err().expect("refused");
    assert_eq!(refused.status, 401, "{}", refused.body);
    // Profile 3 without a certificate is refused.
    let r = connect_with(&wss("P3"), &["ocpp2.0.1"], None, Some(&pki.client(None))).await;
    assert_eq!(r.err().map(|r| r.status), Some(401));

    // An expired certificate from the right CA, and a valid one from another CA, fail
    // at the TLS layer.
    let ca = Ca::load(
        &std::fs::read_to_string(pki.path("ca.pem")).expect("ca"),
        &std::fs::read_to_string(pki.path("ca.key")).expect("key"),
    )
    .expect("ca loads");
    let key = rcgen::KeyPair::generate().expect("key");
    let mut params = charger_params("P3", 30);
    params.not_before = time::OffsetDateTime::now_utc() - time::Duration::days(60);
    params.not_after = time::OffsetDateTime::now_utc() - time::Duration::days(1);
    let expired = ca.sign(&params, &key).expect("signed");
    let (ec, ek) = write_pair(
        pki.dir.path(),
        "expired",
        &format!("{}{}", expired.pem(), ca.cert_pem),
        &key.serialize_pem(),
    );
    let r = connect_with(
        &wss("P3"),
        &["ocpp2.0.1"],
        None,
        Some(&ClientTls {
            ca: pki.path("ca.pem"),
            cert: Some((ec, ek)),
        }),
    )
    .await;
    assert_eq!(
        r.err().map(|r| r.status),
        Some(0),
        "expired certificate refused by TLS"
    );
    let (foreign_ca, _) = Ca::generate("someone else's CA").expect("ca");
    let (foreign, foreign_key) = foreign_ca.charger("P3", 30).expect("cert");
    let (fc, fk) = write_pair(
        pki.dir.path(),
        "foreign",
        &format!("{}{}", foreign.pem(), foreign_ca.cert_pem),
        &foreign_key.serialize_pem(),
    );
    let r = connect_with(
        &wss("P3"),
        &["ocpp2.0.1"],
        None,
        Some(&ClientTls {
            ca: pki.path("ca.pem"),
            cert: Some((fc, fk)),
        }),
    )
    .await;
    assert_eq!(
        r.err().map(|r| r.status),
        Some(0),
        "another CA's certificate refused by TLS"
    );
}

#[tokio::test]
async fn a_profile_1_charger_that_comes_back_over_tls_is_held_to_profile_2() {
    let pki = Pki::new(&[]);
    let mut s = settings();
    s.ocpp.auto_register = false;
    pki.settings(&mut s);
    s.chargers.push(seed_profile("UP", Some("up-secret"), 1));
    let tg = start(s).await;
    let tls_addr = tg.gw.tls_addr().expect("tls");
    let mut plain = connect(&tg.url("UP"), &["ocpp1.6"], Some(("UP", "up-secret")))
        .await
        .expect("profile 1");
    boots(&mut plain).await;
    drop(plain);
    let mut secure = connect_with(
        &format!("wss://{tls_addr}/ocpp/UP"),
        &["ocpp1.6"],
        Some(("UP", "up-secret")),
        Some(&pki.client(None)),
    )
    .await
    .expect("profile 2");
    boots(&mut secure).await;
    let r = connect(&tg.url("UP"), &["ocpp1.6"], Some(("UP", "up-secret"))).await;
    assert_eq!(
        r.err().map(|r| r.status),
        Some(401),
        "no way back down to profile 1"
    );
}

#[tokio::test]
async fn a_missing_certificate_file_is_a_readable_start_error() {
    let mut s = settings();
    s.ocpp.tls_listen = "127.0.0.1:0".into();
    s.tls.cert_chain = "/nonexistent/server.pem".into();
    let dir = tempfile::tempdir().expect("tempdir");
    s.store.path = dir.path().join("gateway.db");
    let err = ocpp_gateway::Gateway::start(s)
        .await
        .err()
        .expect("refuses to start")
        .to_string();
    assert!(
        err.contains("/nonexistent/server.pem") && err.contains("certs init"),
        "{err}"
    );
}

#[tokio::test]
async fn forwarded_tls_headers_count_only_from_trusted_proxies() {
    let pki = Pki::new(&["FWD3"]);
    let p3_pem = std::fs::read_to_string(pki.path("charger-FWD3.pem")).expect("pem");
    let encoded: String =
        percent_encoding::utf8_percent_encode(&p3_pem, percent_encoding::NON_ALPHANUMERIC)
            .to_string();
    let https = [("X-Forwarded-Proto", "https".to_string())];
    let cert = [("X-Forwarded-Client-Cert", encoded)];
    for trusted in [false, true] {
        let mut s = settings();
        s.ocpp.auto_register = false;
        s.ocpp.allow_unauthenticated = false;
        if trusted {
            s.ocpp.trusted_proxies = vec!["127.0.0.0/8".into()];
        }
        s.chargers.push(seed_profile("FWD2", Some("fwd-secret"), 2));
        s.chargers.push(seed_profile("FWD3", None, 3));
        let tg = start(s).await;
        let p2 = connect_full(
            &tg.url("FWD2"),
            &["ocpp1.6"],
            Some(("FWD2", "fwd-secret")),
            None,
            &https,
        )
        .await;
        let p3 = connect_full(&tg.url("FWD3"), &["ocpp1.6"], None, None, &cert).await;
        if trusted {
            p2.expect("the proxy terminated TLS");
            p3.expect("the proxy verified the certificate");
        } else {
            assert_eq!(
                p2.err().map(|r| r.status),
                Some(401),
                "headers from anyone are ignored"
            );
            assert_eq!(p3.err().map(|r| r.status), Some(401));
        }
    }
}

/// The gateway's id of a charge point, by identity.
async fn cp_id(api: &reference::Api, identity: &str) -> i64 {
    let r = api
        .get(&format!(
            "/public-api/resources/charge-points/v2.0?filter[networkId]={identity}"
        ))
        .await;
    r.body["data"][0]["id"].as_i64().expect("charge point id")
}

#[tokio::test]
async fn raising_a_charger_from_profile_1_to_2_through_the_api() {
    let pki = Pki::new(&[]);
    let mut s = settings();
    s.ocpp.auto_register = false;
    s.ocpp.allow_unauthenticated = false;
    pki.settings(&mut s);
    s.chargers
        .push(seed_profile("RAISE-1", Some("raise-secret"), 1));
    let tg = start(s).await;
    let api = reference::Api::new(tg.gw.api_addr(), Some(&tg.gw.api_tokens()[0]));
    let id = cp_id(&api, "RAISE-1").await;
    let tls_addr = tg.gw.tls_addr().expect("tls");
    let mut plain = connect(
        &tg.url("RAISE-1"),
        &["ocpp1.6"],
        Some(("RAISE-1", "raise-secret")),
    )
    .await
    .expect("profile 1");
    eventually("connected", || async { tg.gw.charger("RAISE-1").is_some() }).await;

    let path = format!("/public-api/actions/charge-point/v2.0/{id}/set-security-profile");
    let lower = api
        .post(&path, json!({"setSecurityProfile": 1, "reason": "audit"}))
        .await;
    // The reference: an invalid transition is a 406.
    assert_eq!(lower.status, 406, "not a raise: {}", lower.body);
    let call = {
        let api = api.clone();
        let path = path.clone();
        tokio::spawn(async move {
            api.post(
                &path,
                json!({"setSecurityProfile": 2, "reason": "move to TLS"}),
            )
            .await
        })
    };
    // The root of the gateway's chain goes first (the reference: set-security-profile
    // installs the root certificates).
    let install = plain.recv().await;
    assert_eq!(
        install[3]["certificateType"],
        "CentralSystemRootCertificate"
    );
    plain
        .answer(&install[1], json!({"status": "Accepted"}))
        .await;
    let change = plain.recv().await;
    assert_eq!(change[2], "ChangeConfiguration");
    assert_eq!(change[3], json!({"key": "SecurityProfile", "value": "2"}));
    plain
        .answer(&change[1], json!({"status": "Accepted"}))
        .await;
    let reply = call.await.expect("join");
    assert_eq!(reply.status, 202, "{}", reply.body);
    drop(plain);

    // The charger comes back over TLS with its password: now on profile 2 for good.
    let mut secure = connect_with(
        &format!("wss://{tls_addr}/ocpp/RAISE-1"),
        &["ocpp1.6"],
        Some(("RAISE-1", "raise-secret")),
        Some(&pki.client(None)),
    )
    .await
    .expect("profile 2");
    boots(&mut secure).await;
    let view = api
        .get(&format!("/public-api/resources/charge-points/v2.0/{id}"))
        .await;
    assert_eq!(
        view.body["data"]["security"]["currentProfile"], 2,
        "{}",
        view.body
    );
    assert_eq!(
        view.body["data"]["security"]["desiredProfile"], 2,
        "{}",
        view.body
    );
    let r = connect(
        &tg.url("RAISE-1"),
        &["ocpp1.6"],
        Some(("RAISE-1", "raise-secret")),
    )
    .await;
    assert_eq!(
        r.err().map(|r| r.status),
        Some(401),
        "plain ws is refused from now on"
    );

    // Resetting lets the next connection decide again.
    let reset = api
        .post(
            &format!("/public-api/actions/charge-point/v1.0/{id}/reset-security-profile"),
            json!({}),
        )
        .await;
    assert_eq!(reset.status, 202, "{}", reset.body);
    connect(
        &tg.url("RAISE-1"),
        &["ocpp1.6"],
        Some(("RAISE-1", "raise-secret")),
    )
    .await
    .expect("accepted again after the reset");
}

#[tokio::test]
async fn a_charger_without_a_password_gets_one_before_profile_2() {
    let pki = Pki::new(&[]);
    let mut s = settings();
    pki.settings(&mut s);
    s.chargers.push(seed_profile("RAISE-0", None, 0));
    let tg = start(s).await;
    let api = reference::Api::new(tg.gw.api_addr(), Some(&tg.gw.api_tokens()[0]));
    let id = cp_id(&api, "RAISE-0").await;
    let mut plain = charger(&tg, "RAISE-0", "ocpp1.6").await;
    eventually("connected", || async { tg.gw.charger("RAISE-0").is_some() }).await;
    let call = {
        let api = api.clone();
        tokio::spawn(async move {
            api.post(
                &format!("/public-api/actions/charge-point/v2.0/{id}/set-security-profile"),
                json!({"setSecurityProfile": 2, "reason": "secure it"}),
            )
            .await
        })
    };
    let install = plain.recv().await;
    assert_eq!(
        install[3]["certificateType"],
        "CentralSystemRootCertificate"
    );
    plain
        .answer(&install[1], json!({"status": "Accepted"}))
        .await;
    let key = plain.recv().await;
    assert_eq!(key[3]["key"], "AuthorizationKey");
    let password = key[3]["value"].as_str().expect("a password").to_owned();
    assert!(password.len() >= 16);
    plain.answer(&key[1], json!({"status": "Accepted"})).await;
    let profile = plain.recv().await;
    assert_eq!(profile[3], json!({"key": "SecurityProfile", "value": "2"}));
    plain
        .answer(&profile[1], json!({"status": "Accepted"}))
        .await;
    assert_eq!(call.await.expect("join").status, 202);
    drop(plain);
    let tls_addr = tg.gw.tls_addr().expect("tls");
    connect_with(
        &format!("wss://{tls_addr}/ocpp/RAISE-0"),
        &["ocpp1.6"],
        Some(("RAISE-0", &password)),
        Some(&pki.client(None)),
    )
    .await
    .expect("profile 2 with the new key");
    let r = connect_with(
        &format!("wss://{tls_addr}/ocpp/RAISE-0"),
        &["ocpp1.6"],
        None,
        Some(&pki.client(None)),
    )
    .await;
    assert_eq!(r.err().map(|r| r.status), Some(401), "no password any more");
}
