//! Plug & Charge test helpers: a gateway with the local provider over a development PKI
//! in a temporary folder, vehicles' EXI requests with their certificate inside, and the
//! OCSP hash data of a contract computed independently of the gateway.

use std::path::Path;

use base64::Engine;
use ocpp_gateway::ocpp::OcppVersion;
use serde_json::{json, Value};
use x509_parser::prelude::*;

use crate::common::reference::Api;
use crate::common::*;

pub const PROVISIONING: &str = "/public-api/resources/provisioning-certificates/v2.0";
pub const TAGS: &str = "/public-api/resources/id-tags/v2.0";
pub const VEHICLE: &str = "WMIV1234567890ABC";

/// A gateway whose `pnc` settings come from `configure`, and its API client.
pub async fn gateway_with(
    configure: impl FnOnce(&mut ocpp_gateway::config::Settings),
) -> (TestGateway, Api) {
    let mut s = settings();
    configure(&mut s);
    let tg = start(s).await;
    let token = tg.gw.api_tokens().first().expect("a token").clone();
    let api = Api::new(tg.gw.api_addr(), Some(&token));
    (tg, api)
}

/// The development PKI with one test vehicle, in a fresh folder.
pub fn pki() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    ocpp_gateway::security::pnc_pki::init_pnc(dir.path(), &[VEHICLE.to_owned()]).expect("pki");
    dir
}

/// A gateway with the local provider over `pki`.
pub async fn local_gateway(pki: &Path) -> (TestGateway, Api) {
    let dir = pki.to_owned();
    gateway_with(move |s| {
        s.pnc.provider = "local".into();
        s.pnc.dir = dir;
    })
    .await
}

pub fn read(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).expect("pki file")
}

pub fn vehicle_pem(dir: &Path) -> String {
    read(dir, &format!("provisioning-{VEHICLE}.pem"))
}

pub fn ders(pem: &str) -> Vec<Vec<u8>> {
    x509_parser::pem::Pem::iter_from_buffer(pem.as_bytes())
        .map(|p| p.expect("pem").contents)
        .collect()
}

/// Splits concatenated DER certificates.
pub fn split_der(mut bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    while !bytes.is_empty() {
        let (rest, _) = X509Certificate::from_der(bytes).expect("a DER certificate");
        out.push(bytes[..bytes.len() - rest.len()].to_vec());
        bytes = rest;
    }
    out
}

/// A stand-in for a vehicle's EXI CertificateInstallationReq: some header bits, then the
/// certificate's DER starting three bits into a byte (EXI is bit-packed), then padding.
pub fn exi_with(der: &[u8]) -> String {
    let mut bits: Vec<bool> = vec![true, false, false, false, false, false, false, false];
    bits.extend([true, false, true]);
    for byte in der {
        for i in (0..8).rev() {
            bits.push(byte >> i & 1 == 1);
        }
    }
    bits.extend([false; 13]);
    let bytes: Vec<u8> = bits
        .chunks(8)
        .map(|c| c.iter().fold(0u8, |acc, b| acc << 1 | u8::from(*b)) << (8 - c.len()))
        .collect();
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The OCSP hash data (SHA256) of `chain[0]`, whose issuer is `chain[1]`.
pub fn hash_data(chain: &[Vec<u8>]) -> Value {
    let (_, leaf) = X509Certificate::from_der(&chain[0]).expect("leaf");
    let (_, issuer) = X509Certificate::from_der(&chain[1]).expect("issuer");
    let sha = |b: &[u8]| hex::encode(ring::digest::digest(&ring::digest::SHA256, b));
    json!({
        "hashAlgorithm": "SHA256",
        "issuerNameHash": sha(leaf.issuer().as_raw()),
        "issuerKeyHash": sha(&issuer.public_key().subject_public_key.data),
        "serialNumber": hex::encode(leaf.tbs_certificate.raw_serial()),
        "responderURL": "http://ocsp.example",
    })
}

pub fn cn(der: &[u8]) -> String {
    let (_, c) = X509Certificate::from_der(der).expect("cert");
    let name = c
        .subject()
        .iter_common_name()
        .next()
        .and_then(|c| c.as_str().ok())
        .expect("cn")
        .to_owned();
    name
}

/// Whether `cert` is signed by the key of `issuer` (P-256, SHA-256).
pub fn signed_by(cert: &[u8], issuer: &[u8]) -> bool {
    let (_, c) = X509Certificate::from_der(cert).expect("cert");
    let (_, i) = X509Certificate::from_der(issuer).expect("issuer");
    ring::signature::UnparsedPublicKey::new(
        &ring::signature::ECDSA_P256_SHA256_ASN1,
        &i.public_key().subject_public_key.data,
    )
    .verify(c.tbs_certificate.as_ref(), &c.signature_value.data)
    .is_ok()
}

/// Checks a payload against the official schema (when the schemas are installed).
pub fn valid(version: OcppVersion, action: &str, response: bool, payload: &Value) {
    if schema::available() {
        schema::validate(version, action, response, payload).unwrap_or_else(|e| panic!("{e}"));
    }
}

/// Creates the test vehicle's provisioning certificate; its id.
pub async fn create_vehicle(api: &Api, pem: &str) -> i64 {
    let r = api
        .post(
            PROVISIONING,
            json!({"pcId": VEHICLE, "name": "Test car", "vehicleType": "private",
                   "userId": 42, "certificate": pem}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.body["data"]["id"].as_i64().expect("id")
}

pub fn issue_path(id: i64) -> String {
    format!("/public-api/actions/provisioning-certificate/v1.0/{id}/issue-emaid")
}

pub fn reissue_path(id: i64) -> String {
    format!("/public-api/actions/id-tag/v1.0/{id}/reissue-emaid")
}

/// The EMAID id tags of a provisioning certificate, as the API lists them.
pub async fn tags_of(api: &Api, id: i64) -> Vec<Value> {
    let r = api.get(&format!("{PROVISIONING}/{id}")).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["data"]["idTags"].as_array().expect("idTags").clone()
}

/// How the fake provider answers one request: `Some((status, body))`, or `None` to never
/// answer.
pub type Respond = dyn Fn(&str, &Value) -> Option<(u16, Value)> + Send + Sync;

/// Every request the fake provider got: path, body, Authorization header.
pub type Calls = std::sync::Arc<std::sync::Mutex<Vec<(String, Value, Option<String>)>>>;

/// A certificate pool behind the HTTP provider contract, on a real local HTTP server.
pub struct FakeProvider {
    pub url: String,
    /// Every request: path, body, Authorization header.
    pub calls: Calls,
}

impl FakeProvider {
    pub fn calls_to(&self, path: &str) -> usize {
        self.calls
            .lock()
            .expect("calls")
            .iter()
            .filter(|(p, _, _)| p == path)
            .count()
    }
}

pub async fn fake_provider(respond: std::sync::Arc<Respond>) -> FakeProvider {
    use axum::extract::Request;
    use axum::response::IntoResponse;
    let calls: Calls = Default::default();
    let seen = calls.clone();
    let app = axum::Router::new().fallback(move |req: Request| {
        let (respond, seen) = (respond.clone(), seen.clone());
        async move {
            let path = req.uri().path().to_owned();
            let auth = req
                .headers()
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let bytes = axum::body::to_bytes(req.into_body(), 1 << 20)
                .await
                .unwrap_or_default();
            let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
            seen.lock()
                .expect("calls")
                .push((path.clone(), body.clone(), auth));
            match respond(&path, &body) {
                Some((status, answer)) => (
                    axum::http::StatusCode::from_u16(status).expect("status"),
                    axum::Json(answer),
                )
                    .into_response(),
                None => {
                    std::future::pending::<()>().await;
                    unreachable!()
                }
            }
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    FakeProvider {
        url: format!("http://{addr}/pool"),
        calls,
    }
}

/// A gateway with the HTTP provider at `url` (timeout 300 ms, a token) and the
/// development PKI's OEM root.
pub async fn http_gateway(pki: &Path, url: &str) -> (TestGateway, Api) {
    let (dir, url) = (pki.to_owned(), url.to_owned());
    gateway_with(move |s| {
        s.pnc.provider = "http".into();
        s.pnc.http_url = url;
        s.pnc.http_token = "pool-secret".into();
        s.pnc.http_timeout = std::time::Duration::from_millis(300);
        s.pnc.dir = dir;
    })
    .await
}

/// What a real pool would do for `/contracts`: a contract certificate from MO sub-CA 2
/// of `pki` for the vehicle's key, for the EMAID asked for or `fallback`.
pub fn pool_contract(pki: &Path, body: &Value, fallback: &str) -> Value {
    let ca = ocpp_gateway::security::pnc_pki::load_ca(pki, "mo-sub-ca2").expect("MO sub-CA 2");
    let pem = body["provisioningCertificate"].as_str().expect("pem");
    let der = ders(pem).remove(0);
    let (_, cert) = X509Certificate::from_der(&der).expect("provisioning");
    let emaid = body["emaid"].as_str().unwrap_or(fallback).to_owned();
    let leaf = ca
        .contract(&emaid, cert.public_key().raw, 365)
        .expect("contract");
    json!({"emaid": emaid, "certificateChain": format!("{leaf}{}", read(pki, "mo-sub-ca2.pem"))})
}

/// The elements of a DER SEQUENCE's (or other constructed value's) content: tag,
/// content, and the whole element.
pub fn der_items(mut bytes: &[u8]) -> Vec<(u8, &[u8], &[u8])> {
    let mut out = Vec::new();
    while bytes.len() >= 2 {
        let tag = bytes[0];
        let (len, head) = if bytes[1] < 0x80 {
            (usize::from(bytes[1]), 2)
        } else {
            let n = usize::from(bytes[1] & 0x7f);
            let len = bytes[2..2 + n]
                .iter()
                .fold(0usize, |acc, b| acc << 8 | usize::from(*b));
            (len, 2 + n)
        };
        out.push((tag, &bytes[head..head + len], &bytes[..head + len]));
        bytes = &bytes[head + len..];
    }
    out
}

/// Reads an OCSP response (base64 DER): checks its signature against `signer` (a DER
/// certificate) and returns the tag of its certStatus (0x80 good, 0xa1 revoked, 0x82
/// unknown).
pub fn ocsp_status(b64: &str, signer: &[u8]) -> u8 {
    let der = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .expect("base64");
    let top = der_items(&der);
    let response = der_items(top[0].1);
    assert_eq!(
        response[0],
        (0x0a, &[0u8][..], &[0x0a, 1, 0][..]),
        "successful"
    );
    let bytes = der_items(der_items(response[1].1)[0].1);
    assert_eq!(
        bytes[0].1,
        &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01, 0x01]
    );
    let basic_items = der_items(bytes[1].1);
    let basic = der_items(basic_items[0].1);
    let (tbs, signature) = (basic[0].2, &basic[2].1[1..]);
    let (_, issuer) = X509Certificate::from_der(signer).expect("signer");
    ring::signature::UnparsedPublicKey::new(
        &ring::signature::ECDSA_P256_SHA256_ASN1,
        &issuer.public_key().subject_public_key.data,
    )
    .verify(tbs, signature)
    .expect("the OCSP response is signed by the issuer");
    let data = der_items(basic[0].1);
    let responses = der_items(data[2].1);
    let single = der_items(responses[0].1);
    single[1].0
}

/// A PATCH through plain HTTP (the reference's id-tag PATCH answer has no `emaid` type
/// to show an EMAID tag with, so the checking client cannot send it).
pub async fn raw_patch(tg: &TestGateway, path: &str, body: Value) -> u16 {
    let token = tg.gw.api_tokens().first().expect("a token").clone();
    let r = reqwest::Client::new()
        .patch(format!("http://{}{path}", tg.gw.api_addr()))
        .bearer_auth(token)
        .json(&body)
        .send();
    tokio::time::timeout(WAIT, r)
        .await
        .expect("in time")
        .expect("HTTP")
        .status()
        .as_u16()
}
