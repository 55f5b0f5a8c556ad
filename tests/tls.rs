//! Security profiles 2 and 3 over real TLS with certificates from `certs init`.

mod common;

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
