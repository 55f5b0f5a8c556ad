//! Asking a contract certificate's own OCSP responder (the `responderURL` of an
//! Authorize's hash data, OCPP 2.0.1 C07.FR.05): the DER `OCSPRequest` built from the
//! hash data, the HTTP POST (RFC 6960 appendix A), and the checks on the answer before
//! it is believed: the issuer named by the hash data chains by signature to a trusted
//! MO (or V2G) root, the response is signed by that issuer or by a responder it
//! delegated OCSP signing to, and the answer is about this certificate and current.

use std::time::Duration;

use chrono::{DateTime, Utc};
use x509_parser::der_parser::oid::Oid;
use x509_parser::prelude::*;

use super::cert;
use super::der::{children, expect, generalized_time, read, strip_zeros};
use super::ocsp::{hash_oid, integer, seq, tlv};
use super::HashData;

/// What the responder said about the certificate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum OnlineStatus {
    Good,
    Revoked,
    /// The responder does not know the certificate.
    Unknown,
}

/// A checked answer and until when it may be reused (`None`: not at all).
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub status: OnlineStatus,
    pub next_update: Option<DateTime<Utc>>,
}

/// Why no answer could be believed.
#[derive(Debug, thiserror::Error)]
pub enum OnlineError {
    #[error("bad hash data: {0}")]
    HashData(String),
    #[error("OCSP responder {url} not reachable: {reason}")]
    Unreachable { url: String, reason: String },
    #[error("OCSP responder answered unusably: {0}")]
    BadAnswer(String),
    #[error("OCSP answer not trusted: {0}")]
    Untrusted(String),
}

fn bad(what: &str) -> OnlineError {
    OnlineError::BadAnswer(what.to_owned())
}

impl From<super::der::DerError> for OnlineError {
    fn from(e: super::der::DerError) -> OnlineError {
        OnlineError::BadAnswer(e.0)
    }
}

/// How far the responder's clock may be ahead of ours.
const SKEW: chrono::Duration = chrono::Duration::minutes(5);

fn hex_bytes(what: &str, text: &str) -> Result<Vec<u8>, OnlineError> {
    let t = text.trim();
    let padded = if t.len() % 2 == 1 {
        format!("0{t}")
    } else {
        t.to_owned()
    };
    hex::decode(padded).map_err(|_| OnlineError::HashData(format!("{what} is not hex")))
}

/// The DER `OCSPRequest` for one certificate named by `h`.
pub fn request_der(h: &HashData) -> Result<Vec<u8>, OnlineError> {
    let alg = hash_oid(&h.algorithm)
        .ok_or_else(|| OnlineError::HashData(format!("unknown hashAlgorithm {:?}", h.algorithm)))?;
    let cert_id = seq(&[
        seq(&[alg, vec![0x05, 0x00]]),
        tlv(0x04, &hex_bytes("issuerNameHash", &h.issuer_name_hash)?),
        tlv(0x04, &hex_bytes("issuerKeyHash", &h.issuer_key_hash)?),
        integer(&hex_bytes("serialNumber", &h.serial_number)?),
    ]);
    // OCSPRequest { tbsRequest { requestList { Request { reqCert } } } }
    Ok(seq(&[seq(&[seq(&[seq(&[cert_id])])])]))
}

/// POSTs the request for `h` to `url` and checks the answer against `anchors` (DER).
pub async fn ask(
    client: &reqwest::Client,
    url: &str,
    h: &HashData,
    anchors: &[Vec<u8>],
    timeout: Duration,
) -> Result<Verdict, OnlineError> {
    let body = request_der(h)?;
    let unreachable = |reason: String| OnlineError::Unreachable {
        url: url.to_owned(),
        reason,
    };
    let resp = client
        .post(url)
        .header("Content-Type", "application/ocsp-request")
        .header("Accept", "application/ocsp-response")
        .timeout(timeout)
        .body(body)
        .send()
        .await
        .map_err(|e| unreachable(e.to_string()))?;
    if !resp.status().is_success() {
        return Err(unreachable(format!("HTTP {}", resp.status())));
    }
    let der = resp.bytes().await.map_err(|e| unreachable(e.to_string()))?;
    check(&der, h, anchors, Utc::now())
}

/// Checks a DER `OCSPResponse` about the certificate `h` names, at `now`.
pub fn check(
    der: &[u8],
    h: &HashData,
    anchors: &[Vec<u8>],
    now: DateTime<Utc>,
) -> Result<Verdict, OnlineError> {
    let digest = cert::digest(&h.algorithm)
        .ok_or_else(|| OnlineError::HashData(format!("unknown hashAlgorithm {:?}", h.algorithm)))?;
    let want_name = hex_bytes("issuerNameHash", &h.issuer_name_hash)?;
    let want_key = hex_bytes("issuerKeyHash", &h.issuer_key_hash)?;
    let want_serial = hex_bytes("serialNumber", &h.serial_number)?;
    let want_alg = hash_oid(&h.algorithm).unwrap_or_default();

    let (top, _) = read(der)?;
    let top = children(expect(Some(&top), 0x30, "not an OCSPResponse")?.content)?;
    let status = expect(top.first(), 0x0a, "no responseStatus")?;
    if status.content != [0] {
        return Err(bad(&format!(
            "responseStatus {} (not successful)",
            status.content.first().copied().unwrap_or_default()
        )));
    }
    let bytes = children(expect(top.get(1), 0xa0, "no responseBytes")?.content)?;
    let bytes = children(expect(bytes.first(), 0x30, "bad responseBytes")?.content)?;
    let basic = expect(bytes.get(1), 0x04, "bad responseBytes")?;
    let (basic, _) = read(basic.content)?;
    let basic = children(expect(Some(&basic), 0x30, "not a BasicOCSPResponse")?.content)?;
    let tbs = expect(basic.first(), 0x30, "no tbsResponseData")?;
    let sig_alg = children(expect(basic.get(1), 0x30, "no signatureAlgorithm")?.content)?;
    let sig_alg = expect(sig_alg.first(), 0x06, "bad signatureAlgorithm")?;
    let signature = expect(basic.get(2), 0x03, "no signature")?;
    let signature = signature
        .content
        .split_first()
        .map(|(_, s)| s)
        .ok_or_else(|| bad("empty signature"))?;
    let mut included = Vec::new();
    if let Some(certs) = basic.get(3).filter(|t| t.tag == 0xa0) {
        let list = children(certs.content)?;
        for c in children(expect(list.first(), 0x30, "bad certs")?.content)? {
            included.push(c.raw.to_vec());
        }
    }

    // The certificates there are to build on: the trusted roots and what the response
    // brought.
    let pool_der: Vec<&[u8]> = anchors
        .iter()
        .chain(included.iter())
        .map(Vec::as_slice)
        .collect();
    let mut pool = Vec::new();
    for d in &pool_der {
        if let Ok((_, c)) = X509Certificate::from_der(d) {
            pool.push((*d, c));
        }
    }
    let in_date = |c: &X509Certificate<'_>| {
        let (a, b) = (c.validity().not_before, c.validity().not_after);
        a.timestamp() <= now.timestamp() && now.timestamp() <= b.timestamp()
    };
    let anchored = |start: usize| -> bool {
        let mut at = start;
        for _ in 0..6 {
            let (d, c) = &pool[at];
            if !in_date(c) {
                return false;
            }
            if anchors.iter().any(|a| a.as_slice() == *d) {
                return true;
            }
            let parent = pool.iter().position(|(_, p)| {
                p.subject().as_raw() == c.issuer().as_raw() && cert::signed_by(c, p)
            });
            match parent {
                Some(p) if p != at => at = p,
                _ => return false,
            }
        }
        false
    };

    // The issuer the hash data names, under a trusted root.
    let issuer = pool
        .iter()
        .position(|(_, c)| {
            ring::digest::digest(digest, c.subject().as_raw()).as_ref() == want_name.as_slice()
                && ring::digest::digest(digest, &c.public_key().subject_public_key.data).as_ref()
                    == want_key.as_slice()
        })
        .ok_or_else(|| {
            OnlineError::Untrusted(
                "the certificate's issuer is neither a trusted MO root nor in the response".into(),
            )
        })?;
    if !anchored(issuer) {
        return Err(OnlineError::Untrusted(
            "the certificate's issuer does not chain to a trusted MO root".into(),
        ));
    }

    // The signer: the issuer itself, or a responder it certified for OCSP signing.
    let data = children(tbs.content)?;
    let mut i = 0;
    if data.first().is_some_and(|t| t.tag == 0xa0) {
        i = 1;
    }
    let responder = data.get(i).ok_or_else(|| bad("no responderID"))?;
    let named = |c: &X509Certificate<'_>| match responder.tag {
        0xa1 => c.subject().as_raw() == responder.content,
        0xa2 => read(responder.content).is_ok_and(|(k, _)| {
            ring::digest::digest(
                &ring::digest::SHA1_FOR_LEGACY_USE_ONLY,
                &c.public_key().subject_public_key.data,
            )
            .as_ref()
                == k.content
        }),
        _ => false,
    };
    let issuer_cert = &pool[issuer].1;
    let delegated = |c: &X509Certificate<'_>| {
        cert::signed_by(c, issuer_cert)
            && in_date(c)
            && c.extended_key_usage()
                .ok()
                .flatten()
                .is_some_and(|e| e.value.ocsp_signing)
    };
    let sig_oid = Oid::new(std::borrow::Cow::Borrowed(sig_alg.content));
    let signed = pool.iter().enumerate().any(|(n, (_, c))| {
        named(c)
            && (n == issuer || delegated(c))
            && cert::verify_signature(&sig_oid, c, tbs.raw, signature)
    });
    if !signed {
        return Err(OnlineError::Untrusted(
            "the response is not signed by the issuer or a responder it delegated to".into(),
        ));
    }

    // The answer about this certificate.
    let produced = data.get(i + 1).ok_or_else(|| bad("no producedAt"))?;
    if generalized_time(produced)? > now + SKEW {
        return Err(bad("producedAt is in the future"));
    }
    let responses = children(expect(data.get(i + 2), 0x30, "no responses")?.content)?;
    for single in &responses {
        let parts = children(single.content)?;
        let id = children(expect(parts.first(), 0x30, "bad certID")?.content)?;
        let alg = children(expect(id.first(), 0x30, "bad certID")?.content)?;
        let same = alg.first().is_some_and(|a| a.raw == want_alg.as_slice())
            && id.get(1).is_some_and(|t| t.content == want_name.as_slice())
            && id.get(2).is_some_and(|t| t.content == want_key.as_slice())
            && id
                .get(3)
                .is_some_and(|t| strip_zeros(t.content) == strip_zeros(&want_serial));
        if !same {
            continue;
        }
        let status = match parts.get(1).map(|t| t.tag) {
            Some(0x80) => OnlineStatus::Good,
            Some(0xa1) => OnlineStatus::Revoked,
            Some(0x82) => OnlineStatus::Unknown,
            _ => return Err(bad("bad certStatus")),
        };
        let this_update = generalized_time(expect(parts.get(2), 0x18, "no thisUpdate")?)?;
        if this_update > now + SKEW {
            return Err(bad("thisUpdate is in the future"));
        }
        let next_update = match parts.get(3).filter(|t| t.tag == 0xa0) {
            Some(n) => {
                let (t, _) = read(n.content)?;
                Some(generalized_time(&t)?)
            }
            None => None,
        };
        if next_update.is_some_and(|n| n <= now) {
            return Err(bad("the answer is out of date (nextUpdate has passed)"));
        }
        return Ok(Verdict {
            status,
            next_update,
        });
    }
    Err(bad("no answer about the certificate asked for"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pnc::ocsp::{response_with_certs, CertId, CertStatus};
    use crate::security::certs::Ca;

    struct Setup {
        root_der: Vec<u8>,
        sub: Ca,
        sub_der: Vec<u8>,
        hash: HashData,
    }

    fn setup() -> Setup {
        let (root, _) = Ca::generate_root("root", "MO").expect("root");
        let (sub, _) = root.sub_ca("sub", "MO", 0).expect("sub");
        let key = rcgen::KeyPair::generate().expect("key");
        let spki = rcgen::PublicKeyData::subject_public_key_info(&key);
        let leaf = sub.contract("DE8AACA2B3C4D5L", &spki, 30).expect("leaf");
        let der = |pem: &str| cert::pem_certificates(pem).expect("pem").remove(0);
        let sub_der = der(&sub.cert_pem);
        let (name, key, serial) =
            cert::hash_data(&[der(&leaf), sub_der.clone()], "SHA256").expect("hash");
        Setup {
            root_der: der(&root.cert_pem),
            sub,
            sub_der,
            hash: HashData {
                algorithm: "SHA256".into(),
                issuer_name_hash: name,
                issuer_key_hash: key,
                serial_number: serial,
                responder_url: "http://127.0.0.1:1/ocsp".into(),
            },
        }
    }

    fn answer(s: &Setup, status: CertStatus, until: DateTime<Utc>) -> Vec<u8> {
        let b = |t: &str| hex_bytes("x", t).expect("hex");
        let (name, key, serial) = (
            b(&s.hash.issuer_name_hash),
            b(&s.hash.issuer_key_hash),
            b(&s.hash.serial_number),
        );
        let id = CertId {
            algorithm: "SHA256",
            issuer_name_hash: &name,
            issuer_key_hash: &key,
            serial: &serial,
        };
        let (_, c) = X509Certificate::from_der(&s.sub_der).expect("sub");
        let subject = c.subject().as_raw().to_vec();
        response_with_certs(
            &s.sub,
            &subject,
            &id,
            status,
            Utc::now(),
            until,
            std::slice::from_ref(&s.sub_der),
        )
        .expect("response")
    }

    #[test]
    fn a_signed_current_answer_about_the_certificate_is_believed() {
        let s = setup();
        let until = Utc::now() + chrono::Duration::hours(1);
        let roots = [s.root_der.clone()];
        let v = check(
            &answer(&s, CertStatus::Good, until),
            &s.hash,
            &roots,
            Utc::now(),
        )
        .expect("good");
        assert_eq!(v.status, OnlineStatus::Good);
        assert_eq!(
            v.next_update.map(|t| t.timestamp()),
            Some(until.timestamp())
        );
        let revoked = answer(&s, CertStatus::Revoked(Utc::now()), until);
        let v = check(&revoked, &s.hash, &roots, Utc::now()).expect("revoked");
        assert_eq!(v.status, OnlineStatus::Revoked);
    }

    #[test]
    fn stale_foreign_or_unrelated_answers_are_not_believed() {
        let s = setup();
        let until = Utc::now() + chrono::Duration::hours(1);
        let der = answer(&s, CertStatus::Good, until);
        let roots = [s.root_der.clone()];
        // After nextUpdate.
        let later = until + chrono::Duration::minutes(1);
        assert!(matches!(
            check(&der, &s.hash, &roots, later),
            Err(OnlineError::BadAnswer(m)) if m.contains("nextUpdate")
        ));
        // Under a root that is not trusted.
        let (other, _) = Ca::generate_root("other", "MO").expect("root");
        let other = cert::pem_certificates(&other.cert_pem).expect("pem");
        assert!(matches!(
            check(&der, &s.hash, &other, Utc::now()),
            Err(OnlineError::Untrusted(_))
        ));
        // About another certificate.
        let mut h = s.hash.clone();
        h.serial_number = "1234".into();
        assert!(matches!(
            check(&der, &h, &roots, Utc::now()),
            Err(OnlineError::BadAnswer(m)) if m.contains("no answer")
        ));
        // Not successful (tryLater), and bytes that are not DER: errors, no panic.
        assert!(check(&[0x30, 0x03, 0x0a, 0x01, 0x03], &s.hash, &roots, Utc::now()).is_err());
        for n in 0..der.len() {
            assert!(check(&der[..n], &s.hash, &roots, Utc::now()).is_err());
        }
        assert!(check(b"<html>", &s.hash, &roots, Utc::now()).is_err());
    }

    #[test]
    fn the_request_names_the_certificate() {
        let s = setup();
        let der = request_der(&s.hash).expect("request");
        let (rest, req) = x509_parser::der_parser::parse_der(&der).expect("DER");
        assert!(rest.is_empty());
        let id = &req.as_sequence().expect("OCSPRequest")[0]
            .as_sequence()
            .expect("tbsRequest")[0]
            .as_sequence()
            .expect("requestList")[0]
            .as_sequence()
            .expect("Request")[0];
        let id = id.as_sequence().expect("CertID");
        assert_eq!(
            hex::encode(id[1].as_slice().expect("issuerNameHash")),
            s.hash.issuer_name_hash
        );
        assert_eq!(
            cert::serial_hex(id[3].as_slice().expect("serial")),
            s.hash.serial_number
        );
        let mut bad = s.hash.clone();
        bad.algorithm = "MD5".into();
        assert!(matches!(request_der(&bad), Err(OnlineError::HashData(_))));
    }
}
