//! Helpers of `tests/pnc_ocsp.rs`: another mobility operator's PKI, its OCSP responder
//! (a real HTTP server on 127.0.0.1:0 signing real DER answers), and the Python
//! station that sends Authorize.

use std::collections::HashMap;
use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use ocpp_gateway::pnc::ocsp::{response_with_certs, CertId, CertStatus};
use ocpp_gateway::security::certs::Ca;
use rcgen::PublicKeyData;
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use x509_parser::der_parser::ber::BerObjectContent;
use x509_parser::prelude::*;

use crate::pnc_common::*;

pub use crate::common::python_ready;

/// How the responder answers about one serial number.
#[derive(Clone, Copy)]
pub enum Answer {
    Good,
    Revoked,
    Unknown,
    /// Good, naming the sub-CA as the signer, but signed by another key.
    Forged,
    /// Good, signed by a responder the sub-CA certified for OCSP signing.
    Delegated,
    /// Good, valid for two seconds.
    Brief,
}

/// Another mobility operator's PKI: MO root → sub-CA → contracts, and its responder's
/// signing identities.
pub struct OtherMo {
    pub root_pem: String,
    pub sub: Ca,
    pub sub_der: Vec<u8>,
    pub delegate: Ca,
    pub delegate_der: Vec<u8>,
    pub forger: Ca,
}

pub fn der_of(pem: &str) -> Vec<u8> {
    ders(pem).remove(0)
}

pub fn subject(der: &[u8]) -> Vec<u8> {
    let (_, c) = X509Certificate::from_der(der).expect("cert");
    c.subject().as_raw().to_vec()
}

impl OtherMo {
    pub fn new() -> OtherMo {
        let (root, _) = Ca::generate_root("Other MO Root CA", "MO").expect("root");
        let (sub, _) = root.sub_ca("Other MO Sub-CA", "MO", 0).expect("sub-CA");
        let sub_der = der_of(&sub.cert_pem);
        let key = rcgen::KeyPair::generate().expect("key");
        let mut params = rcgen::CertificateParams::default();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "Other MO OCSP responder");
        params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::OcspSigning];
        let delegate_cert = sub.sign(&params, &key).expect("responder cert");
        let delegate = Ca::load(&delegate_cert.pem(), &key.serialize_pem()).expect("responder");
        let (forger, _) = Ca::generate_root("Other MO Sub-CA", "MO").expect("forger");
        OtherMo {
            root_pem: root.cert_pem.clone(),
            delegate_der: der_of(&delegate.cert_pem),
            delegate,
            sub,
            sub_der,
            forger,
        }
    }

    /// A contract certificate for `emaid` and its hash data pointing at `url`.
    pub fn contract(&self, emaid: &str, url: &str) -> Value {
        let key = rcgen::KeyPair::generate().expect("key");
        let pem = self
            .sub
            .contract(emaid, &key.subject_public_key_info(), 30)
            .expect("contract");
        let mut h = hash_data(&[der_of(&pem), self.sub_der.clone()]);
        h["responderURL"] = json!(url);
        h
    }
}

impl OtherMo {
    /// A contract certificate chain (PEM: contract, sub-CA) for `emaid` whose Authority
    /// Information Access names the OCSP responder `url`; expired when `expired`.
    pub fn contract_chain(&self, emaid: &str, url: &str, expired: bool) -> (String, String) {
        let key = rcgen::KeyPair::generate().expect("key");
        let mut params = rcgen::CertificateParams::default();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, emaid);
        params.key_usages = vec![rcgen::KeyUsagePurpose::DigitalSignature];
        let now = ::time::OffsetDateTime::now_utc();
        if expired {
            params.not_before = now - ::time::Duration::days(60);
            params.not_after = now - ::time::Duration::days(1);
        } else {
            params.not_before = now - ::time::Duration::days(1);
            params.not_after = now + ::time::Duration::days(30);
        }
        // AuthorityInfoAccess { AccessDescription { id-ad-ocsp, uniformResourceIdentifier } }
        let ocsp = [0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01];
        let mut desc = ocsp.to_vec();
        desc.push(0x86);
        desc.push(u8::try_from(url.len()).expect("short URL"));
        desc.extend(url.as_bytes());
        let mut one = vec![0x30, u8::try_from(desc.len()).expect("short")];
        one.extend(desc);
        let mut aia = vec![0x30, u8::try_from(one.len()).expect("short")];
        aia.extend(one);
        params.custom_extensions = vec![rcgen::CustomExtension::from_oid_content(
            &[1, 3, 6, 1, 5, 5, 7, 1, 1],
            aia,
        )];
        let cert = self.sub.sign(&params, &key).expect("contract");
        let (_, parsed) = X509Certificate::from_der(cert.der()).expect("contract");
        let serial = norm(&hex::encode(parsed.tbs_certificate.raw_serial()));
        (format!("{}{}", cert.pem(), self.sub.cert_pem), serial)
    }
}

/// Serial number (hex, as in the hash data) → how to answer, and the requests seen.
#[derive(Default)]
pub struct Book {
    pub answers: HashMap<String, Answer>,
    pub hits: HashMap<String, usize>,
}

pub fn norm(serial: &str) -> String {
    serial.trim_start_matches('0').to_ascii_lowercase()
}

/// A certID as read: algorithm OID (DER content), issuer name hash, issuer key hash,
/// serial.
pub type CertIdBytes = (Vec<u8>, Vec<u8>, Vec<u8>, Vec<u8>);

/// The certID of a DER OCSPRequest, read independently of the gateway.
pub fn cert_id(der: &[u8]) -> Option<CertIdBytes> {
    let (_, req) = x509_parser::der_parser::parse_der(der).ok()?;
    let id = req.as_sequence().ok()?[0].as_sequence().ok()?[0]
        .as_sequence()
        .ok()?[0]
        .as_sequence()
        .ok()?[0]
        .as_sequence()
        .ok()?
        .clone();
    let alg = id[0].as_sequence().ok()?[0].as_oid().ok()?.clone();
    let octets = |i: usize| match &id[i].content {
        BerObjectContent::OctetString(b) => Some(b.to_vec()),
        _ => None,
    };
    let serial = match &id[3].content {
        BerObjectContent::Integer(b) => b.to_vec(),
        _ => return None,
    };
    Some((alg.as_bytes().to_vec(), octets(1)?, octets(2)?, serial))
}

/// A real OCSP responder (RFC 6960 over HTTP POST) on 127.0.0.1:0; its URL.
pub async fn responder(mo: Arc<OtherMo>, book: Arc<Mutex<Book>>) -> String {
    use axum::body::Bytes;
    use axum::response::IntoResponse;
    let app = axum::Router::new().route(
        "/ocsp",
        axum::routing::post(move |body: Bytes| {
            let (mo, book) = (mo.clone(), book.clone());
            async move {
                let Some((alg, name, key, serial)) = cert_id(&body) else {
                    return (axum::http::StatusCode::BAD_REQUEST, Vec::new()).into_response();
                };
                assert_eq!(alg, [0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01]);
                let hex_serial = norm(&hex::encode(&serial));
                let answer = {
                    let mut b = book.lock().expect("book");
                    *b.hits.entry(hex_serial.clone()).or_default() += 1;
                    b.answers
                        .get(&hex_serial)
                        .copied()
                        .unwrap_or(Answer::Unknown)
                };
                let now = Utc::now();
                let mut until = now + chrono::Duration::hours(1);
                let status = match answer {
                    Answer::Revoked => CertStatus::Revoked(now - chrono::Duration::days(1)),
                    Answer::Unknown => CertStatus::Unknown,
                    Answer::Brief => {
                        until = now + chrono::Duration::seconds(2);
                        CertStatus::Good
                    }
                    _ => CertStatus::Good,
                };
                let (signer, signer_der, certs) = match answer {
                    // The genuine sub-CA's name and certificate, someone else's key.
                    Answer::Forged => (&mo.forger, mo.sub_der.clone(), vec![mo.sub_der.clone()]),
                    Answer::Delegated => (
                        &mo.delegate,
                        mo.delegate_der.clone(),
                        vec![mo.delegate_der.clone(), mo.sub_der.clone()],
                    ),
                    _ => (&mo.sub, mo.sub_der.clone(), vec![mo.sub_der.clone()]),
                };
                let id = CertId {
                    algorithm: "SHA256",
                    issuer_name_hash: &name,
                    issuer_key_hash: &key,
                    serial: &serial,
                };
                let der = response_with_certs(
                    signer,
                    &subject(&signer_der),
                    &id,
                    status,
                    now - chrono::Duration::seconds(1),
                    until,
                    &certs,
                )
                .expect("OCSP response");
                ([("content-type", "application/ocsp-response")], der).into_response()
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}/ocsp")
}

/// The Python station, fed Authorize requests line by line.
pub struct Station {
    pub child: tokio::process::Child,
    pub input: tokio::process::ChildStdin,
    pub output: tokio::io::Lines<BufReader<tokio::process::ChildStdout>>,
}

impl Station {
    pub async fn start(url: &str) -> Station {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/pnc_station.py");
        let mut child = tokio::process::Command::new("python3")
            .arg(script)
            .args(["--url", url])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("python3 starts");
        let input = child.stdin.take().expect("stdin");
        let output = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let mut s = Station {
            child,
            input,
            output,
        };
        assert_eq!(s.line().await["boot"], "Accepted");
        s
    }

    pub async fn line(&mut self) -> Value {
        let line = tokio::time::timeout(Duration::from_secs(30), self.output.next_line())
            .await
            .expect("the station answers in time")
            .expect("stdout")
            .expect("a line from the station");
        serde_json::from_str(&line).expect("JSON line")
    }

    /// Authorize for `emaid` with `hash` data; (idTokenInfo.status, certificateStatus).
    pub async fn authorize(&mut self, emaid: &str, hash: &Value) -> (String, String) {
        self.send(json!({"idToken": emaid, "hashData": [hash]}))
            .await
    }

    /// Authorize for `emaid` with the contract chain `pem` instead of hash data.
    pub async fn authorize_pem(&mut self, emaid: &str, pem: &str) -> (String, String) {
        self.send(json!({"idToken": emaid, "certificate": pem}))
            .await
    }

    pub async fn send(&mut self, request: Value) -> (String, String) {
        let line = request.to_string() + "\n";
        self.input.write_all(line.as_bytes()).await.expect("write");
        let a = self.line().await;
        (
            a["status"].as_str().unwrap_or_default().to_owned(),
            a["certificateStatus"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        )
    }
}

/// EMAID number `n` of the other operator, in canonical form (check character added).
pub fn emaid(n: u32) -> String {
    ocpp_gateway::pnc::emaid::normalize(&format!("DE-OTH-C{n:08}")).expect("EMAID")
}

pub fn pair(a: &str, b: &str) -> (String, String) {
    (a.to_owned(), b.to_owned())
}

/// A gateway trusting another operator's MO root, that operator's responder, and the
/// id tags of EMAIDs 1, 6 and 7.
pub struct World {
    pub mo: Arc<OtherMo>,
    pub book: Arc<Mutex<Book>>,
    pub url: String,
    pub tg: crate::common::TestGateway,
    pub _dirs: (tempfile::TempDir, tempfile::TempDir),
}

pub async fn world() -> World {
    world_scoped(ocpp_gateway::config::CallbackScope::Loopback).await
}

/// The world with the responders chargers name allowed only within `scope`.
pub async fn world_scoped(scope: ocpp_gateway::config::CallbackScope) -> World {
    let mo = Arc::new(OtherMo::new());
    let book = Arc::new(Mutex::new(Book::default()));
    let url = responder(mo.clone(), book.clone()).await;
    let pki = pki();
    let roots = tempfile::tempdir().expect("tempdir");
    let root_file = roots.path().join("other-mo-root.pem");
    std::fs::write(&root_file, &mo.root_pem).expect("write root");
    let dir = pki.path().to_owned();
    let (tg, api) = gateway_with(move |s| {
        s.pnc.provider = "local".into();
        s.pnc.dir = dir;
        s.pnc.mo_roots = vec![root_file];
        s.auth.unknown = ocpp_gateway::config::Policy::Reject;
        s.pnc.ocsp_responders = scope;
    })
    .await;
    for n in [1, 6, 7] {
        let r = api
            .post(
                TAGS,
                json!({"idTagUid": emaid(n), "status": "enabled", "type": "rfid"}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
    }
    World {
        mo,
        book,
        url,
        tg,
        _dirs: (pki, roots),
    }
}
