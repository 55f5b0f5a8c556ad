//! Plug & Charge contracts the gateway did not issue: another mobility operator's
//! contract certificate under a trusted MO root, checked with its own OCSP responder
//! (the `responderURL` of the hash data) — a real HTTP OCSP responder in the test
//! process signing real DER answers — while a Python `ocpp` 2.0.1 station sends
//! Authorize with `iso15118CertificateHashData`.

mod common;
mod pnc_common;

use std::collections::HashMap;
use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use ocpp_gateway::pnc::ocsp::{response_with_certs, CertId, CertStatus};
use ocpp_gateway::security::certs::Ca;
use pnc_common::*;
use rcgen::PublicKeyData;
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use x509_parser::der_parser::ber::BerObjectContent;
use x509_parser::prelude::*;

fn python_ready() -> bool {
    let ready = std::process::Command::new("python3")
        .args(["-c", "import ocpp, websockets"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ready {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set but python3 cannot import the `ocpp` and `websockets` packages"
        );
        eprintln!("skipped: python3 with the ocpp and websockets packages not installed");
    }
    ready
}

/// How the responder answers about one serial number.
#[derive(Clone, Copy)]
enum Answer {
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
struct OtherMo {
    root_pem: String,
    sub: Ca,
    sub_der: Vec<u8>,
    delegate: Ca,
    delegate_der: Vec<u8>,
    forger: Ca,
}

fn der_of(pem: &str) -> Vec<u8> {
    ders(pem).remove(0)
}

fn subject(der: &[u8]) -> Vec<u8> {
    let (_, c) = X509Certificate::from_der(der).expect("cert");
    c.subject().as_raw().to_vec()
}

impl OtherMo {
    fn new() -> OtherMo {
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
    fn contract(&self, emaid: &str, url: &str) -> Value {
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
    fn contract_chain(&self, emaid: &str, url: &str, expired: bool) -> (String, String) {
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
struct Book {
    answers: HashMap<String, Answer>,
    hits: HashMap<String, usize>,
}

fn norm(serial: &str) -> String {
    serial.trim_start_matches('0').to_ascii_lowercase()
}

/// A certID as read: algorithm OID (DER content), issuer name hash, issuer key hash,
/// serial.
type CertIdBytes = (Vec<u8>, Vec<u8>, Vec<u8>, Vec<u8>);

/// The certID of a DER OCSPRequest, read independently of the gateway.
fn cert_id(der: &[u8]) -> Option<CertIdBytes> {
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
async fn responder(mo: Arc<OtherMo>, book: Arc<Mutex<Book>>) -> String {
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
struct Station {
    child: tokio::process::Child,
    input: tokio::process::ChildStdin,
    output: tokio::io::Lines<BufReader<tokio::process::ChildStdout>>,
}

impl Station {
    async fn start(url: &str) -> Station {
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

    async fn line(&mut self) -> Value {
        let line = tokio::time::timeout(Duration::from_secs(30), self.output.next_line())
            .await
            .expect("the station answers in time")
            .expect("stdout")
            .expect("a line from the station");
        serde_json::from_str(&line).expect("JSON line")
    }

    /// Authorize for `emaid` with `hash` data; (idTokenInfo.status, certificateStatus).
    async fn authorize(&mut self, emaid: &str, hash: &Value) -> (String, String) {
        self.send(json!({"idToken": emaid, "hashData": [hash]}))
            .await
    }

    /// Authorize for `emaid` with the contract chain `pem` instead of hash data.
    async fn authorize_pem(&mut self, emaid: &str, pem: &str) -> (String, String) {
        self.send(json!({"idToken": emaid, "certificate": pem}))
            .await
    }

    async fn send(&mut self, request: Value) -> (String, String) {
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
fn emaid(n: u32) -> String {
    ocpp_gateway::pnc::emaid::normalize(&format!("DE-OTH-C{n:08}")).expect("EMAID")
}

fn pair(a: &str, b: &str) -> (String, String) {
    (a.to_owned(), b.to_owned())
}

/// A gateway trusting another operator's MO root, that operator's responder, and the
/// id tags of EMAIDs 1, 6 and 7.
struct World {
    mo: Arc<OtherMo>,
    book: Arc<Mutex<Book>>,
    url: String,
    tg: common::TestGateway,
    _dirs: (tempfile::TempDir, tempfile::TempDir),
}

async fn world() -> World {
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

/// OCPP 2.0.1 C07.FR.04/05 (the CSMS verifies the contract chain via real-time or
/// cached OCSP data and answers with the authorization status), C07.FR.16 (revoked →
/// CertificateRevoked, Invalid): a driver whose contract comes from another mobility
/// operator is authorized when that operator's responder says good and the EMAID is
/// accepted, refused when it is revoked, unknown, the responder cannot be reached or
/// the answer is not signed by someone the MO root vouches for; answers are reused
/// until their nextUpdate and asked again after it.
#[tokio::test]
async fn other_operators_contracts_are_checked_with_their_ocsp_responder() {
    if !python_ready() {
        return;
    }
    let World {
        mo,
        book,
        url,
        tg,
        _dirs,
    } = world().await;
    let mut station = Station::start(&tg.url("PNC-OCSP")).await;
    let hits = |serial: &Value| {
        let s = norm(serial.as_str().expect("serial"));
        book.lock()
            .expect("book")
            .hits
            .get(&s)
            .copied()
            .unwrap_or(0)
    };
    let case = |id: &str, answer: Answer, to: &str| {
        let h = mo.contract(id, to);
        let s = norm(h["serialNumber"].as_str().expect("serial"));
        book.lock().expect("book").answers.insert(s, answer);
        h
    };

    // Good, and the EMAID's id tag is enabled: accepted; the second time from the cache.
    let good = case(&emaid(1), Answer::Good, &url);
    let want = pair("Accepted", "Accepted");
    assert_eq!(station.authorize(&emaid(1), &good).await, want);
    assert_eq!(station.authorize(&emaid(1), &good).await, want);
    assert_eq!(hits(&good["serialNumber"]), 1, "reused until nextUpdate");
    // Good, but no such id tag: the certificate is fine, the EMAID decides.
    let untagged = case(&emaid(2), Answer::Good, &url);
    assert_eq!(
        station.authorize(&emaid(2), &untagged).await,
        pair("Invalid", "Accepted")
    );
    // Revoked (C07.FR.16).
    let revoked = case(&emaid(3), Answer::Revoked, &url);
    assert_eq!(
        station.authorize(&emaid(3), &revoked).await,
        pair("Invalid", "CertificateRevoked")
    );
    // Unknown to the responder, and a responder nobody answers at: not verified.
    let unknown = case(&emaid(4), Answer::Unknown, &url);
    assert_eq!(
        station.authorize(&emaid(4), &unknown).await,
        pair("Invalid", "CertChainError")
    );
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr")
    };
    let unreachable = case(&emaid(1), Answer::Good, &format!("http://{closed}/ocsp"));
    assert_eq!(
        station.authorize(&emaid(1), &unreachable).await,
        pair("Invalid", "CertChainError")
    );
    // Signed by a key the MO root does not vouch for.
    let forged = case(&emaid(5), Answer::Forged, &url);
    assert_eq!(
        station.authorize(&emaid(5), &forged).await,
        pair("Invalid", "CertChainError")
    );
    assert_eq!(hits(&forged["serialNumber"]), 1, "the responder was asked");
    // Signed by a responder the sub-CA delegated OCSP signing to.
    let delegated = case(&emaid(6), Answer::Delegated, &url);
    assert_eq!(
        station.authorize(&emaid(6), &delegated).await,
        pair("Accepted", "Accepted")
    );
    // An answer valid for two seconds is asked for again once it has run out.
    let brief = case(&emaid(7), Answer::Brief, &url);
    assert_eq!(
        station.authorize(&emaid(7), &brief).await,
        pair("Accepted", "Accepted")
    );
    let first = hits(&brief["serialNumber"]);
    assert_eq!(first, 1);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        assert_eq!(
            station.authorize(&emaid(7), &brief).await,
            pair("Accepted", "Accepted")
        );
        if hits(&brief["serialNumber"]) > first {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the answer was never asked for again after its nextUpdate"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // A contract under a root the gateway does not trust is refused.
    let stranger = OtherMo::new();
    let h = stranger.contract(&emaid(1), &url);
    assert_eq!(
        station.authorize(&emaid(1), &h).await,
        pair("Invalid", "CertChainError")
    );
    drop(station.input);
    let _ = tokio::time::timeout(Duration::from_secs(10), station.child.wait()).await;
}

/// OCPP 2.0.1 C07.FR.06 (a station that cannot validate the contract passes the chain,
/// the CSMS validates it) with C07.FR.05 and C07.FR.16: another operator's contract
/// chain sent as PEM is checked up to the trusted MO root and with the responder its
/// Authority Information Access names; a driver sees Accepted for a good contract,
/// CertificateRevoked, CertificateExpired, or CertChainError for a chain presented for
/// another EMAID.
#[tokio::test]
async fn an_other_operators_contract_chain_sent_as_pem_is_checked_online() {
    if !python_ready() {
        return;
    }
    let World {
        mo,
        book,
        url,
        tg,
        _dirs,
    } = world().await;
    let mut station = Station::start(&tg.url("PNC-PEM")).await;
    let (good, serial) = mo.contract_chain(&emaid(1), &url, false);
    book.lock()
        .expect("book")
        .answers
        .insert(serial.clone(), Answer::Good);
    assert_eq!(
        station.authorize_pem(&emaid(1), &good).await,
        pair("Accepted", "Accepted")
    );
    assert_eq!(book.lock().expect("book").hits.get(&serial), Some(&1));
    // The same chain for another EMAID.
    assert_eq!(
        station.authorize_pem(&emaid(6), &good).await,
        pair("Invalid", "CertChainError")
    );
    let (revoked, serial) = mo.contract_chain(&emaid(6), &url, false);
    book.lock()
        .expect("book")
        .answers
        .insert(serial, Answer::Revoked);
    assert_eq!(
        station.authorize_pem(&emaid(6), &revoked).await,
        pair("Invalid", "CertificateRevoked")
    );
    let (expired, _) = mo.contract_chain(&emaid(7), &url, true);
    assert_eq!(
        station.authorize_pem(&emaid(7), &expired).await,
        pair("Expired", "CertificateExpired")
    );
    // Under a root the gateway does not trust.
    let stranger = OtherMo::new();
    let (foreign, _) = stranger.contract_chain(&emaid(1), &url, false);
    assert_eq!(
        station.authorize_pem(&emaid(1), &foreign).await,
        pair("Invalid", "CertChainError")
    );
    drop(station.input);
    let _ = tokio::time::timeout(Duration::from_secs(10), station.child.wait()).await;
}
