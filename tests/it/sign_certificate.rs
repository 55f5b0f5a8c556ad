//! The charger CA: SignCertificate is answered, followed by CertificateSigned with a
//! chain that verifies against the CA and names the charger; a request for another
//! identity is refused and recorded.

use crate::common;

use common::*;
use ocpp_gateway::security::certs;
use serde_json::{json, Value};
use x509_parser::prelude::*;

fn csr_for(cn: &str) -> String {
    let key = rcgen::KeyPair::generate().expect("key");
    let mut params = rcgen::CertificateParams::default();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, cn);
    params
        .serialize_request(&key)
        .expect("csr")
        .pem()
        .expect("pem")
}

fn der_certs(pem_chain: &str) -> Vec<Vec<u8>> {
    x509_parser::pem::Pem::iter_from_buffer(pem_chain.as_bytes())
        .map(|p| p.expect("pem").contents)
        .collect()
}

async fn run(version: &str, identity: &str) {
    let dir = tempfile::tempdir().expect("tempdir");
    certs::init(dir.path(), &["localhost".into()], &[]).expect("certs");
    let mut s = settings();
    s.tls.client_ca = dir.path().join("ca.pem");
    s.tls.ca_key = dir.path().join("ca.key");
    let tg = start(s).await;
    let mut c = charger(&tg, identity, version).await;

    let answer = c
        .call("SignCertificate", json!({"csr": csr_for(identity)}))
        .await;
    assert_eq!(answer["status"], "Accepted");
    let call = c.recv().await;
    assert_eq!(call[0], 2);
    assert_eq!(call[2], "CertificateSigned");
    let chain = call[3]["certificateChain"]
        .as_str()
        .expect("chain")
        .to_owned();
    let ders = der_certs(&chain);
    assert_eq!(ders.len(), 2, "certificate and CA: the full chain");
    let ca_pem = std::fs::read_to_string(dir.path().join("ca.pem")).expect("ca");
    let ca_der = der_certs(&ca_pem).remove(0);
    let (_, ca) = X509Certificate::from_der(&ca_der).expect("ca parses");
    let (_, issued) = X509Certificate::from_der(&ders[0]).expect("cert parses");
    issued
        .verify_signature(Some(ca.public_key()))
        .expect("signed by the charger CA");
    let cn = issued
        .subject()
        .iter_common_name()
        .next()
        .and_then(|c| c.as_str().ok().map(str::to_owned));
    assert_eq!(cn.as_deref(), Some(identity));
    assert!(issued.validity().is_valid());
    c.answer(&call[1], json!({"status": "Accepted"})).await;

    // A request for someone else is refused and recorded.
    let answer = c
        .call("SignCertificate", json!({"csr": csr_for("SOMEONE-ELSE")}))
        .await;
    assert_eq!(answer["status"], "Rejected");
    let kinds = tg.store.texts("SELECT type FROM security_events").await;
    assert_eq!(kinds, vec![vec![Some("InvalidCsr".to_string())]]);
    // Garbage is refused the same way.
    let answer: Value = c.call("SignCertificate", json!({"csr": "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----"})).await;
    assert_eq!(answer["status"], "Rejected");
}

#[tokio::test]
async fn sign_certificate_1_6() {
    run("ocpp1.6", "CSR-16").await;
}

#[tokio::test]
async fn sign_certificate_2_0_1() {
    run("ocpp2.0.1", "CSR-201").await;
}

#[tokio::test]
async fn without_a_charger_ca_requests_are_declined() {
    let tg = start(settings()).await;
    let mut c = charger(&tg, "NOCA", "ocpp1.6").await;
    let answer = c
        .call("SignCertificate", json!({"csr": csr_for("NOCA")}))
        .await;
    assert_eq!(answer["status"], "Rejected");
}
