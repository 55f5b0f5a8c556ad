//! Development certificates (`ocpp-gateway certs init`): a CA that is both the TLS root
//! chargers trust and the charger CA that issues their client certificates, a server
//! certificate for the given host names, and charger certificates whose subject CN is
//! the charger's identity. Production deployments point the `[tls]` settings at their
//! own files instead.

use std::fs;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use rcgen::{
    BasicConstraints, Certificate, CertificateParams, DistinguishedName, DnType,
    ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose, SanType,
};
use time::{Duration, OffsetDateTime};
use x509_parser::prelude::FromDer;

/// A certificate could not be made or written.
#[derive(Debug, thiserror::Error)]
pub enum CertError {
    #[error("certificate: {0}")]
    Rcgen(#[from] rcgen::Error),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Invalid(String),
}

/// A CA able to issue certificates.
pub struct Ca {
    pub cert_pem: String,
    issuer: Issuer<'static, KeyPair>,
}

impl Ca {
    /// A fresh CA valid for ten years.
    pub fn generate(name: &str) -> Result<(Ca, String), CertError> {
        let key = KeyPair::generate()?;
        let mut params = CertificateParams::default();
        params.distinguished_name = dn(name);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let (start, end) = validity(365 * 10);
        params.not_before = start;
        params.not_after = end;
        let cert = params.self_signed(&key)?;
        let key_pem = key.serialize_pem();
        Ok((
            Ca {
                cert_pem: cert.pem(),
                issuer: Issuer::new(params, key),
            },
            key_pem,
        ))
    }

    /// The CA of a certificate and key already on disk.
    pub fn load(cert_pem: &str, key_pem: &str) -> Result<Ca, CertError> {
        let key = KeyPair::from_pem(key_pem)?;
        let issuer = Issuer::from_ca_cert_pem(cert_pem, key)?;
        Ok(Ca {
            cert_pem: cert_pem.to_owned(),
            issuer,
        })
    }

    /// A server certificate for `hosts` (DNS names or IP addresses), valid two years.
    pub fn server(&self, hosts: &[String]) -> Result<(Certificate, KeyPair), CertError> {
        let key = KeyPair::generate()?;
        let mut params = CertificateParams::default();
        params.distinguished_name = dn(hosts.first().map(String::as_str).unwrap_or("localhost"));
        params.subject_alt_names = hosts
            .iter()
            .map(|h| match h.parse::<IpAddr>() {
                Ok(ip) => Ok(SanType::IpAddress(ip)),
                Err(_) => Ok(SanType::DnsName(h.clone().try_into()?)),
            })
            .collect::<Result<_, rcgen::Error>>()?;
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        let (start, end) = validity(365 * 2);
        params.not_before = start;
        params.not_after = end;
        let cert = params.signed_by(&key, &self.issuer)?;
        Ok((cert, key))
    }

    /// A charger client certificate whose subject CN is `identity`, valid `days`.
    pub fn charger(&self, identity: &str, days: i64) -> Result<(Certificate, KeyPair), CertError> {
        let key = KeyPair::generate()?;
        let params = charger_params(identity, days);
        let cert = params.signed_by(&key, &self.issuer)?;
        Ok((cert, key))
    }

    /// Signs `params` for the public key `key` (used for charger CSRs).
    pub fn sign(
        &self,
        params: &CertificateParams,
        key: &impl rcgen::PublicKeyData,
    ) -> Result<Certificate, CertError> {
        Ok(params.signed_by(key, &self.issuer)?)
    }
}

/// Parameters of a charger certificate: CN = identity, client authentication.
pub fn charger_params(identity: &str, days: i64) -> CertificateParams {
    let mut params = CertificateParams::default();
    params.distinguished_name = dn(identity);
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyAgreement,
    ];
    let (start, end) = validity(days);
    params.not_before = start;
    params.not_after = end;
    params
}

fn dn(common_name: &str) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, common_name);
    dn.push(DnType::OrganizationName, "ocpp-gateway");
    dn
}

/// From an hour ago (clock skew) to `days` ahead.
fn validity(days: i64) -> (OffsetDateTime, OffsetDateTime) {
    let now = OffsetDateTime::now_utc();
    (now - Duration::hours(1), now + Duration::days(days))
}

/// What `certs init` wrote.
#[derive(Debug)]
pub struct Written {
    pub files: Vec<PathBuf>,
}

/// Writes a development CA, a server certificate (full chain) for `hosts`, and a client
/// certificate for each charger identity into `dir`. Existing CA files are reused, so
/// more chargers can be added later; keys are written readable by the owner only.
pub fn init(dir: &Path, hosts: &[String], chargers: &[String]) -> Result<Written, CertError> {
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| CertError::Io { path, source }
    };
    fs::create_dir_all(dir).map_err(io(dir))?;
    let (ca_pem, ca_key) = (dir.join("ca.pem"), dir.join("ca.key"));
    let mut files = Vec::new();
    let ca = if ca_pem.exists() && ca_key.exists() {
        Ca::load(
            &fs::read_to_string(&ca_pem).map_err(io(&ca_pem))?,
            &fs::read_to_string(&ca_key).map_err(io(&ca_key))?,
        )?
    } else {
        let (ca, key) = Ca::generate("ocpp-gateway development CA")?;
        write(&ca_pem, &ca.cert_pem, false)?;
        write(&ca_key, &key, true)?;
        files.extend([ca_pem.clone(), ca_key.clone()]);
        ca
    };
    let (server, server_key) = ca.server(hosts)?;
    let chain = format!("{}{}", server.pem(), ca.cert_pem);
    let (server_pem, server_key_path) = (dir.join("server.pem"), dir.join("server.key"));
    write(&server_pem, &chain, false)?;
    write(&server_key_path, &server_key.serialize_pem(), true)?;
    files.extend([server_pem, server_key_path]);
    for identity in chargers {
        if !crate::charger::identity::is_valid(identity) {
            return Err(CertError::Invalid(format!(
                "{identity:?} is not a valid charger identity"
            )));
        }
        let (cert, key) = ca.charger(identity, 365)?;
        let (pem, key_path) = (
            dir.join(format!("charger-{identity}.pem")),
            dir.join(format!("charger-{identity}.key")),
        );
        write(&pem, &format!("{}{}", cert.pem(), ca.cert_pem), false)?;
        write(&key_path, &key.serialize_pem(), true)?;
        files.extend([pem, key_path]);
    }
    Ok(Written { files })
}

pub(crate) fn write(path: &Path, contents: &str, secret: bool) -> Result<(), CertError> {
    let err = |source| CertError::Io {
        path: path.to_owned(),
        source,
    };
    fs::write(path, contents).map_err(err)?;
    #[cfg(unix)]
    if secret {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(path, fs::Permissions::from_mode(0o600)).map_err(err)?;
    }
    #[cfg(not(unix))]
    let _ = secret;
    Ok(())
}

/// A certificate signing request that passed the checks: signed by its key, for the
/// expected identity, with a key the gateway accepts.
pub struct CheckedCsr {
    pub(crate) request: rcgen::CertificateSigningRequestParams,
}

/// Reads and checks a charger's CSR (PEM): its signature, CN = `identity`, and its key
/// (EC of at least 256 bits, or RSA of at least 2048).
pub fn check_csr(pem: &str, identity: &str) -> Result<CheckedCsr, String> {
    let der = rustls_pki_types::pem::PemObject::from_pem_slice(pem.as_bytes())
        .map(|d: rustls_pki_types::CertificateSigningRequestDer<'static>| d)
        .map_err(|e| format!("not a PEM certificate request: {e}"))?;
    let (_, csr) =
        x509_parser::certification_request::X509CertificationRequest::from_der(der.as_ref())
            .map_err(|e| format!("unreadable certificate request: {e}"))?;
    let info = &csr.certification_request_info;
    let cn = info
        .subject
        .iter_common_name()
        .next()
        .and_then(|cn| cn.as_str().ok())
        .ok_or("the request has no subject CN")?;
    if cn != identity {
        return Err(format!(
            "the request is for {cn:?}, not for this charger ({identity:?})"
        ));
    }
    let key = info
        .subject_pki
        .parsed()
        .map_err(|e| format!("unreadable public key: {e}"))?;
    match key {
        x509_parser::public_key::PublicKey::EC(ref ec) if ec.key_size() >= 256 => {}
        x509_parser::public_key::PublicKey::RSA(ref rsa) if rsa.key_size() >= 2048 => {}
        other => {
            return Err(format!(
                "key of {} bits refused: EC ≥ 256 or RSA ≥ 2048 bits only",
                other.key_size()
            ))
        }
    }
    // rcgen verifies the request's signature while reading it.
    let request = rcgen::CertificateSigningRequestParams::from_der(&der)
        .map_err(|e| format!("the request's signature does not verify: {e}"))?;
    Ok(CheckedCsr { request })
}

impl Ca {
    /// Issues a charger certificate for a checked request, valid `days`; returns the
    /// chain (certificate then CA) in PEM.
    pub fn issue(&self, csr: &CheckedCsr, identity: &str, days: i64) -> Result<String, CertError> {
        let cert = self.sign(&charger_params(identity, days), &csr.request.public_key)?;
        Ok(format!("{}{}", cert.pem(), self.cert_pem))
    }
}

// ---- Plug & Charge (ISO 15118) development PKI -------------------------------------

/// The `domainComponent` attribute ISO 15118-2 certificates carry (`V2G`, `CPO`, `MO`,
/// `OEM`).
fn dn_v2g(common_name: &str, domain: &str) -> DistinguishedName {
    let mut dn = dn(common_name);
    dn.push(
        DnType::CustomDnType(vec![0, 9, 2342, 19200300, 100, 1, 25]),
        domain,
    );
    dn
}

/// A random positive serial number (16 bytes): contract certificates for one key are
/// told apart by it.
fn random_serial() -> Result<rcgen::SerialNumber, CertError> {
    let mut bytes = [0u8; 16];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut bytes)
        .map_err(|_| CertError::Invalid("no randomness for a serial number".into()))?;
    bytes[0] &= 0x7f;
    bytes[0] |= 0x01;
    Ok(rcgen::SerialNumber::from_slice(&bytes))
}

impl Ca {
    /// A self-signed ISO 15118 root (`domain`: V2G, MO or OEM), valid ten years.
    pub fn generate_root(name: &str, domain: &str) -> Result<(Ca, String), CertError> {
        let key = KeyPair::generate()?;
        let mut params = CertificateParams::default();
        params.distinguished_name = dn_v2g(name, domain);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        params.serial_number = Some(random_serial()?);
        let (start, end) = validity(365 * 10);
        params.not_before = start;
        params.not_after = end;
        let cert = params.self_signed(&key)?;
        let key_pem = key.serialize_pem();
        Ok((
            Ca {
                cert_pem: cert.pem(),
                issuer: Issuer::new(params, key),
            },
            key_pem,
        ))
    }

    /// A sub-CA of this CA allowing `below` more CA levels under it, valid four years.
    pub fn sub_ca(&self, name: &str, domain: &str, below: u8) -> Result<(Ca, String), CertError> {
        let key = KeyPair::generate()?;
        let mut params = CertificateParams::default();
        params.distinguished_name = dn_v2g(name, domain);
        params.is_ca = IsCa::Ca(BasicConstraints::Constrained(below));
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        params.serial_number = Some(random_serial()?);
        let (start, end) = validity(365 * 4);
        params.not_before = start;
        params.not_after = end;
        let cert = params.signed_by(&key, &self.issuer)?;
        let key_pem = key.serialize_pem();
        Ok((
            Ca {
                cert_pem: cert.pem(),
                issuer: Issuer::new(params, key),
            },
            key_pem,
        ))
    }

    /// A contract certificate (subject CN = the EMAID, DC = MO) for the public key
    /// `spki_der` (a DER SubjectPublicKeyInfo), valid `days`.
    pub fn contract(&self, emaid: &str, spki_der: &[u8], days: i64) -> Result<String, CertError> {
        let key = rcgen::SubjectPublicKeyInfo::from_der(spki_der)?;
        let mut params = CertificateParams::default();
        params.distinguished_name = dn_v2g(emaid, "MO");
        params.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::ContentCommitment,
            KeyUsagePurpose::KeyAgreement,
        ];
        params.serial_number = Some(random_serial()?);
        let (start, end) = validity(days);
        params.not_before = start;
        params.not_after = end;
        Ok(params.signed_by(&key, &self.issuer)?.pem())
    }

    /// An SECC (charger-side ISO 15118 TLS) certificate for a checked request: its
    /// subject as requested, DC = CPO, valid `days`.
    pub fn secc(&self, csr: &CheckedCsr, days: i64) -> Result<String, CertError> {
        let mut params = CertificateParams::default();
        params.distinguished_name = csr.request.params.distinguished_name.clone();
        params.distinguished_name.push(
            DnType::CustomDnType(vec![0, 9, 2342, 19200300, 100, 1, 25]),
            "CPO",
        );
        params.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyAgreement,
        ];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        params.serial_number = Some(random_serial()?);
        let (start, end) = validity(days);
        params.not_before = start;
        params.not_after = end;
        Ok(params
            .signed_by(&csr.request.public_key, &self.issuer)?
            .pem())
    }

    /// An OEM provisioning certificate whose subject CN is `pcid`, valid `days` (for
    /// development vehicles); the key comes with it.
    pub fn provisioning(&self, pcid: &str, days: i64) -> Result<(String, String), CertError> {
        let key = KeyPair::generate()?;
        let mut params = CertificateParams::default();
        params.distinguished_name = dn_v2g(pcid, "OEM");
        params.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyAgreement,
        ];
        params.serial_number = Some(random_serial()?);
        let (start, end) = validity(days);
        params.not_before = start;
        params.not_after = end;
        let cert = params.signed_by(&key, &self.issuer)?;
        Ok((cert.pem(), key.serialize_pem()))
    }

    /// The CA's key, to sign what rcgen does not build (OCSP answers).
    pub fn key(&self) -> &KeyPair {
        self.issuer.key()
    }
}
