//! X.509 for Plug & Charge: reading PEM chains, checking a provisioning certificate
//! against the OEM roots (signatures with ring, dates), the OCSP hash data that names a
//! certificate (issuer name and key hashes, serial number), and finding DER certificates
//! embedded in an EXI stream.

use chrono::{DateTime, Utc};
use ring::signature;
use x509_parser::prelude::*;

/// The DER certificates of a PEM text, in order.
pub fn pem_certificates(text: &str) -> Result<Vec<Vec<u8>>, String> {
    let mut out = Vec::new();
    for block in x509_parser::pem::Pem::iter_from_buffer(text.as_bytes()) {
        let block = block.map_err(|e| format!("unreadable PEM: {e}"))?;
        if block.label != "CERTIFICATE" {
            return Err(format!(
                "a PEM block of type {:?}; only CERTIFICATE blocks are accepted",
                block.label
            ));
        }
        X509Certificate::from_der(&block.contents)
            .map_err(|e| format!("a PEM block is not an X.509 certificate: {e}"))?;
        out.push(block.contents);
    }
    if out.is_empty() {
        return Err("no PEM certificate found (-----BEGIN CERTIFICATE-----)".into());
    }
    Ok(out)
}

/// The DER certificates of the PEM files `paths`, or of the development files `names`
/// in `dir` that exist when `paths` is empty; `setting` names them in errors.
pub fn load_roots(
    setting: &str,
    paths: &[std::path::PathBuf],
    dir: &std::path::Path,
    names: &[&str],
) -> Result<Vec<Vec<u8>>, String> {
    let files: Vec<std::path::PathBuf> = if paths.is_empty() {
        names
            .iter()
            .map(|n| dir.join(format!("{n}.pem")))
            .filter(|p| p.exists())
            .collect()
    } else {
        paths.to_vec()
    };
    let mut roots = Vec::new();
    for path in &files {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("{setting} {}: {e}", path.display()))?;
        roots.extend(
            pem_certificates(&text).map_err(|e| format!("{setting} {}: {e}", path.display()))?,
        );
    }
    Ok(roots)
}

/// PEM text of DER certificates.
pub fn to_pem(ders: &[Vec<u8>]) -> String {
    use base64::Engine;
    let mut out = String::new();
    for der in ders {
        out.push_str("-----BEGIN CERTIFICATE-----\n");
        let b64 = base64::engine::general_purpose::STANDARD.encode(der);
        for line in b64.as_bytes().chunks(64) {
            out.push_str(&String::from_utf8_lossy(line));
            out.push('\n');
        }
        out.push_str("-----END CERTIFICATE-----\n");
    }
    out
}

fn parse(der: &[u8]) -> Result<X509Certificate<'_>, String> {
    X509Certificate::from_der(der)
        .map(|(_, c)| c)
        .map_err(|e| format!("unreadable certificate: {e}"))
}

/// The subject CN of a certificate.
pub fn common_name(cert: &X509Certificate<'_>) -> Option<String> {
    cert.subject()
        .iter_common_name()
        .next()
        .and_then(|c| c.as_str().ok())
        .map(str::to_owned)
}

fn time(t: ASN1Time) -> DateTime<Utc> {
    DateTime::from_timestamp(t.timestamp(), 0).unwrap_or_default()
}

/// A certificate's end of validity.
pub fn not_after(der: &[u8]) -> Result<DateTime<Utc>, String> {
    Ok(time(parse(der)?.validity().not_after))
}

/// Whether `cert` is signed by the key of `issuer` (ECDSA P-256/P-384, RSA PKCS#1).
pub fn signed_by(cert: &X509Certificate<'_>, issuer: &X509Certificate<'_>) -> bool {
    verify_signature(
        &cert.signature_algorithm.algorithm,
        issuer,
        cert.tbs_certificate.as_ref(),
        &cert.signature_value.data,
    )
}

/// Whether `signature` (algorithm `alg`) over `message` verifies with the key of
/// `signer` (ECDSA P-256/P-384, RSA PKCS#1).
pub fn verify_signature(
    alg: &x509_parser::der_parser::oid::Oid<'_>,
    signer: &X509Certificate<'_>,
    message: &[u8],
    signature: &[u8],
) -> bool {
    use x509_parser::oid_registry as oids;
    let key = signer.public_key();
    let ec_size = match key.parsed() {
        Ok(x509_parser::public_key::PublicKey::EC(ec)) => Some(ec.key_size()),
        _ => None,
    };
    let verification: &dyn signature::VerificationAlgorithm =
        if *alg == oids::OID_SIG_ECDSA_WITH_SHA256 {
            match ec_size {
                Some(384) => &signature::ECDSA_P384_SHA256_ASN1,
                _ => &signature::ECDSA_P256_SHA256_ASN1,
            }
        } else if *alg == oids::OID_SIG_ECDSA_WITH_SHA384 {
            match ec_size {
                Some(256) => &signature::ECDSA_P256_SHA384_ASN1,
                _ => &signature::ECDSA_P384_SHA384_ASN1,
            }
        } else if *alg == oids::OID_PKCS1_SHA256WITHRSA {
            &signature::RSA_PKCS1_2048_8192_SHA256
        } else if *alg == oids::OID_PKCS1_SHA384WITHRSA {
            &signature::RSA_PKCS1_2048_8192_SHA384
        } else if *alg == oids::OID_PKCS1_SHA512WITHRSA {
            &signature::RSA_PKCS1_2048_8192_SHA512
        } else {
            return false;
        };
    signature::UnparsedPublicKey::new(verification, &key.subject_public_key.data)
        .verify(message, signature)
        .is_ok()
}

/// A provisioning certificate that passed the checks.
#[derive(Debug, Clone)]
pub struct Provisioning {
    /// The PCID (subject CN).
    pub pc_id: String,
    /// The certificate's SubjectPublicKeyInfo (DER): the vehicle's key.
    pub public_key: Vec<u8>,
    /// The certificate (DER).
    pub der: Vec<u8>,
}

/// Checks an OEM provisioning certificate (PEM, optionally followed by its sub-CAs):
/// readable, valid at `now` (and so are its sub-CAs), and chaining by signature to one of
/// `roots` (DER).
pub fn check_provisioning(
    pem: &str,
    roots: &[Vec<u8>],
    now: DateTime<Utc>,
) -> Result<Provisioning, String> {
    let ders = pem_certificates(pem)?;
    let chain = ders
        .iter()
        .map(|d| parse(d))
        .collect::<Result<Vec<_>, _>>()?;
    let leaf = &chain[0];
    for c in &chain {
        let (start, end) = (time(c.validity().not_before), time(c.validity().not_after));
        let who = common_name(c).unwrap_or_else(|| "the certificate".into());
        if now > end {
            return Err(format!(
                "{who:?} expired at {}",
                end.format("%Y-%m-%dT%H:%M:%SZ")
            ));
        }
        if now < start {
            return Err(format!(
                "{who:?} is not valid before {}",
                start.format("%Y-%m-%dT%H:%M:%SZ")
            ));
        }
    }
    let pc_id = common_name(leaf).ok_or("the certificate has no subject CN (the PCID)")?;
    if roots.is_empty() {
        return Err("no OEM root is configured (pnc.oem_roots) to check it against".into());
    }
    let roots = roots
        .iter()
        .map(|d| parse(d))
        .collect::<Result<Vec<_>, _>>()?;
    for pair in chain.windows(2) {
        if !signed_by(&pair[0], &pair[1]) {
            return Err(format!(
                "{:?} is not signed by the next certificate of the chain",
                common_name(&pair[0]).unwrap_or_default()
            ));
        }
    }
    let top = chain.last().unwrap_or(leaf);
    let anchored = roots.iter().any(|root| {
        (top.tbs_certificate.as_ref() == root.tbs_certificate.as_ref())
            || (top.issuer().as_raw() == root.subject().as_raw() && signed_by(top, root))
    });
    if !anchored {
        return Err("it does not chain to a configured OEM root".into());
    }
    Ok(Provisioning {
        pc_id,
        public_key: leaf.public_key().raw.to_vec(),
        der: ders[0].clone(),
    })
}

/// A serial number as OCPP's hash data writes it: hex, lower case, no leading zeros.
pub fn serial_hex(bytes: &[u8]) -> String {
    let h = hex::encode(bytes);
    let t = h.trim_start_matches('0');
    if t.is_empty() {
        "0".into()
    } else {
        t.to_owned()
    }
}

/// The same, for a serial number as received.
pub fn normalize_serial(text: &str) -> String {
    let t = text.trim().to_ascii_lowercase();
    let t = t.trim_start_matches('0');
    if t.is_empty() {
        "0".into()
    } else {
        t.to_owned()
    }
}

/// The serial number (as [`serial_hex`]) of a DER certificate.
pub fn serial_of(der: &[u8]) -> Result<String, String> {
    Ok(serial_hex(parse(der)?.tbs_certificate.raw_serial()))
}

/// OCPP's `hashAlgorithm` names.
pub fn digest(alg: &str) -> Option<&'static ring::digest::Algorithm> {
    match alg {
        "SHA256" => Some(&ring::digest::SHA256),
        "SHA384" => Some(&ring::digest::SHA384),
        "SHA512" => Some(&ring::digest::SHA512),
        _ => None,
    }
}

/// The hash data of `chain[0]` (`chain[1]` its issuer): issuer name hash, issuer key
/// hash (both hex), serial number.
pub fn hash_data(chain: &[Vec<u8>], alg: &str) -> Result<(String, String, String), String> {
    let d = digest(alg).ok_or_else(|| format!("unknown hash algorithm {alg:?}"))?;
    let leaf = parse(chain.first().ok_or("an empty chain")?)?;
    let issuer = parse(chain.get(1).ok_or("the chain lacks the issuer")?)?;
    let name = hex::encode(ring::digest::digest(d, leaf.issuer().as_raw()));
    let key = hex::encode(ring::digest::digest(
        d,
        &issuer.public_key().subject_public_key.data,
    ));
    Ok((name, key, serial_hex(leaf.tbs_certificate.raw_serial())))
}

/// DER certificates found inside `bytes` at any bit offset. EXI (as ISO 15118 uses it)
/// is bit-packed, so the certificates it carries need not start on a byte boundary.
pub fn embedded_certificates(bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut found: Vec<Vec<u8>> = Vec::new();
    for shift in 0..8u32 {
        let shifted: Vec<u8> = if shift == 0 {
            bytes.to_vec()
        } else {
            bytes
                .windows(2)
                .map(|w| (w[0] << shift) | (w[1] >> (8 - shift)))
                .collect()
        };
        let mut i = 0;
        while i + 4 <= shifted.len() {
            if shifted[i] == 0x30 && shifted[i + 1] == 0x82 {
                let len = usize::from(shifted[i + 2]) << 8 | usize::from(shifted[i + 3]);
                let end = i + 4 + len;
                if end <= shifted.len() {
                    let der = &shifted[i..end];
                    if matches!(X509Certificate::from_der(der), Ok((rest, _)) if rest.is_empty()) {
                        if !found.iter().any(|f| f == der) {
                            found.push(der.to_vec());
                        }
                        i = end;
                        continue;
                    }
                }
            }
            i += 1;
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::security::certs::Ca;

    #[test]
    fn certificates_are_found_at_any_bit_offset() {
        let (root, _) = Ca::generate_root("root", "OEM").expect("root");
        let (pem, _) = root.provisioning("PCID1", 30).expect("cert");
        let der = pem_certificates(&pem).expect("pem").remove(0);
        for shift in 0..8 {
            // `shift` bits of header, the certificate, then padding.
            let mut bits: Vec<bool> = (0..shift + 16).map(|i| i % 3 == 0).collect();
            for b in &der {
                bits.extend((0..8).rev().map(|i| b >> i & 1 == 1));
            }
            bits.extend([true; 11]);
            let bytes: Vec<u8> = bits
                .chunks(8)
                .map(|c| c.iter().fold(0u8, |a, b| a << 1 | u8::from(*b)) << (8 - c.len()))
                .collect();
            assert_eq!(
                embedded_certificates(&bytes),
                vec![der.clone()],
                "shift {shift}"
            );
        }
        assert!(embedded_certificates(b"\x30\x82\x00\x05hello").is_empty());
    }

    #[test]
    fn a_provisioning_certificate_must_chain_to_a_root_and_be_in_date() {
        let (root, _) = Ca::generate_root("root", "OEM").expect("root");
        let (other, _) = Ca::generate_root("other", "OEM").expect("other");
        let root_der = pem_certificates(&root.cert_pem).expect("pem");
        let (pem, _) = root.provisioning("PCID1", 30).expect("cert");
        let ok = check_provisioning(&pem, &root_der, Utc::now()).expect("valid");
        assert_eq!(ok.pc_id, "PCID1");
        let late = Utc::now() + chrono::Duration::days(60);
        assert!(check_provisioning(&pem, &root_der, late)
            .unwrap_err()
            .contains("expired"));
        let (foreign, _) = other.provisioning("PCID1", 30).expect("cert");
        assert!(check_provisioning(&foreign, &root_der, Utc::now())
            .unwrap_err()
            .contains("does not chain"));
        assert!(check_provisioning(&pem, &[], Utc::now())
            .unwrap_err()
            .contains("no OEM root"));
        assert_eq!(normalize_serial("00AB"), "ab");
        assert_eq!(serial_hex(&[0, 0]), "0");
    }
}
