//! OCSP answers of the local provider (RFC 6960): a DER `OCSPResponse` with one
//! `SingleResponse`, signed by the certificate's issuing CA itself (a CA may answer for
//! the certificates it issued) or by a responder it delegated to, ECDSA with SHA-256;
//! and the DER building blocks the OCSP requests of the responder module share.

use chrono::{DateTime, Utc};
use rcgen::SigningKey;

use crate::security::certs::Ca;

/// What the answer says about the certificate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CertStatus {
    Good,
    Revoked(DateTime<Utc>),
    Unknown,
}

/// The question, as OCPP's `OCSPRequestDataType` asked it (hashes and serial as bytes).
pub struct CertId<'a> {
    /// `SHA256`, `SHA384` or `SHA512`.
    pub algorithm: &'a str,
    pub issuer_name_hash: &'a [u8],
    pub issuer_key_hash: &'a [u8],
    pub serial: &'a [u8],
}

pub(crate) fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let n = content.len();
    if n < 0x80 {
        out.push(n as u8);
    } else {
        let bytes: Vec<u8> = n
            .to_be_bytes()
            .into_iter()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend_from_slice(content);
    out
}

pub(crate) fn seq(parts: &[Vec<u8>]) -> Vec<u8> {
    tlv(0x30, &parts.concat())
}

fn time(t: DateTime<Utc>) -> Vec<u8> {
    tlv(0x18, t.format("%Y%m%d%H%M%SZ").to_string().as_bytes())
}

/// A positive DER INTEGER of big-endian `bytes`.
pub(crate) fn integer(bytes: &[u8]) -> Vec<u8> {
    let trimmed: Vec<u8> = bytes.iter().copied().skip_while(|b| *b == 0).collect();
    let mut v = if trimmed.is_empty() { vec![0] } else { trimmed };
    if v[0] & 0x80 != 0 {
        v.insert(0, 0);
    }
    tlv(0x02, &v)
}

pub(crate) fn hash_oid(algorithm: &str) -> Option<Vec<u8>> {
    let last = match algorithm {
        "SHA256" => 1,
        "SHA384" => 2,
        "SHA512" => 3,
        _ => return None,
    };
    Some(tlv(
        0x06,
        &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, last],
    ))
}

const OCSP_BASIC: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01, 0x01];
const ECDSA_SHA256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02];

/// A signed OCSP response (DER) from `issuer` (whose subject Name is `issuer_name`, DER)
/// about `id`, valid from `now` until `next_update`.
pub fn response(
    issuer: &Ca,
    issuer_name: &[u8],
    id: &CertId<'_>,
    status: CertStatus,
    now: DateTime<Utc>,
    next_update: DateTime<Utc>,
) -> Result<Vec<u8>, String> {
    response_with_certs(issuer, issuer_name, id, status, now, next_update, &[])
}

/// The same, signed by `signer` (subject Name `signer_name`, DER) and carrying the DER
/// `certs` that lead from the signer to a root the asker trusts.
pub fn response_with_certs(
    signer: &Ca,
    signer_name: &[u8],
    id: &CertId<'_>,
    status: CertStatus,
    now: DateTime<Utc>,
    next_update: DateTime<Utc>,
    certs: &[Vec<u8>],
) -> Result<Vec<u8>, String> {
    let (issuer, issuer_name) = (signer, signer_name);
    let alg = hash_oid(id.algorithm)
        .ok_or_else(|| format!("unknown hash algorithm {:?}", id.algorithm))?;
    let cert_id = seq(&[
        seq(&[alg, vec![0x05, 0x00]]),
        tlv(0x04, id.issuer_name_hash),
        tlv(0x04, id.issuer_key_hash),
        integer(id.serial),
    ]);
    let cert_status = match status {
        CertStatus::Good => vec![0x80, 0x00],
        CertStatus::Revoked(at) => tlv(0xa1, &time(at)),
        CertStatus::Unknown => vec![0x82, 0x00],
    };
    let single = seq(&[
        cert_id,
        cert_status,
        time(now),
        tlv(0xa0, &time(next_update)),
    ]);
    let tbs = seq(&[
        // responderID byName [1] EXPLICIT Name
        tlv(0xa1, issuer_name),
        time(now),
        seq(&[single]),
    ]);
    let signature = issuer
        .key()
        .sign(&tbs)
        .map_err(|e| format!("signing the OCSP response: {e}"))?;
    let mut bits = vec![0u8];
    bits.extend(signature);
    let mut parts = vec![tbs, seq(&[tlv(0x06, ECDSA_SHA256)]), tlv(0x03, &bits)];
    if !certs.is_empty() {
        parts.push(tlv(0xa0, &seq(certs)));
    }
    let basic = seq(&parts);
    Ok(seq(&[
        tlv(0x0a, &[0]),
        tlv(0xa0, &seq(&[tlv(0x06, OCSP_BASIC), tlv(0x04, &basic)])),
    ]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_response_is_well_formed_der_and_verifies() {
        let (root, _) = Ca::generate_root("OCSP test root", "MO").expect("root");
        let pem = &root.cert_pem;
        let der = crate::pnc::cert::pem_certificates(pem)
            .expect("pem")
            .remove(0);
        let (_, cert) = x509_parser::parse_x509_certificate(&der).expect("cert");
        let id = CertId {
            algorithm: "SHA256",
            issuer_name_hash: &[1; 32],
            issuer_key_hash: &[2; 32],
            serial: &[0x80, 0x01],
        };
        let now = Utc::now();
        let out = response(
            &root,
            cert.subject().as_raw(),
            &id,
            CertStatus::Good,
            now,
            now,
        )
        .expect("response");
        let (rest, parsed) = x509_parser::der_parser::parse_der(&out).expect("DER");
        assert!(rest.is_empty());
        assert_eq!(parsed.as_sequence().expect("sequence").len(), 2);
        assert_eq!(integer(&[0x80]), vec![0x02, 0x02, 0x00, 0x80]);
        assert_eq!(integer(&[0x00, 0x05]), vec![0x02, 0x01, 0x05]);
        assert_eq!(tlv(0x04, &[0; 200])[..3], [0x04, 0x81, 200]);
    }
}
