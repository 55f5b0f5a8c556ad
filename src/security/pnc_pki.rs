//! The development Plug & Charge PKI (`ocpp-gateway certs init --pnc`): V2G, MO and
//! OEM roots with their sub-CAs, and provisioning certificates for the given vehicles,
//! written beside the TLS files; and the checks of a V2G (SECC) certificate request.

use std::fs;
use std::path::{Path, PathBuf};

use x509_parser::prelude::FromDer;

use super::certs::{write, Ca, CertError, CheckedCsr, Written};

/// The CA at `{dir}/{name}.pem` + `.key`.
pub fn load_ca(dir: &Path, name: &str) -> Result<Ca, CertError> {
    let read =
        |p: PathBuf| fs::read_to_string(&p).map_err(|source| CertError::Io { path: p, source });
    Ca::load(
        &read(dir.join(format!("{name}.pem")))?,
        &read(dir.join(format!("{name}.key")))?,
    )
}

/// File names (without extension) of the Plug & Charge development PKI, in `pnc.dir`.
pub mod pnc_files {
    /// The V2G root (installed on chargers as `V2GRootCertificate`).
    pub const V2G_ROOT: &str = "v2g-root";
    /// CPO sub-CA 1, under the V2G root.
    pub const CPO_SUB_CA1: &str = "cpo-sub-ca1";
    /// CPO sub-CA 2: signs the chargers' SECC certificates (SignCertificate, V2G).
    pub const CPO_SUB_CA2: &str = "cpo-sub-ca2";
    /// The mobility operator root (installed on chargers as `MORootCertificate`).
    pub const MO_ROOT: &str = "mo-root";
    /// MO sub-CA 1, under the MO root.
    pub const MO_SUB_CA1: &str = "mo-sub-ca1";
    /// MO sub-CA 2: signs contract certificates.
    pub const MO_SUB_CA2: &str = "mo-sub-ca2";
    /// The development OEM root provisioning certificates chain to.
    pub const OEM_ROOT: &str = "oem-root";
}

/// Writes the Plug & Charge development PKI into `dir` (V2G root → CPO sub-CA 1 → CPO
/// sub-CA 2; MO root → MO sub-CA 1 → MO sub-CA 2; OEM root) and, for each PCID in
/// `vehicles`, an OEM provisioning certificate and key. Existing CAs are reused.
pub fn init_pnc(dir: &Path, vehicles: &[String]) -> Result<Written, CertError> {
    use pnc_files::*;
    fs::create_dir_all(dir).map_err(|source| CertError::Io {
        path: dir.to_owned(),
        source,
    })?;
    let mut files = Vec::new();
    let mut ensure =
        |name: &str, make: &dyn Fn() -> Result<(Ca, String), CertError>| -> Result<Ca, CertError> {
            let (pem, key) = (
                dir.join(format!("{name}.pem")),
                dir.join(format!("{name}.key")),
            );
            if pem.exists() && key.exists() {
                return load_ca(dir, name);
            }
            let (ca, key_pem) = make()?;
            write(&pem, &ca.cert_pem, false)?;
            write(&key, &key_pem, true)?;
            files.extend([pem, key]);
            Ok(ca)
        };
    let v2g = ensure(V2G_ROOT, &|| {
        Ca::generate_root("ocpp-gateway development V2G root", "V2G")
    })?;
    let cpo1 = ensure(CPO_SUB_CA1, &|| {
        v2g.sub_ca("ocpp-gateway development CPO sub-CA 1", "V2G", 1)
    })?;
    ensure(CPO_SUB_CA2, &|| {
        cpo1.sub_ca("ocpp-gateway development CPO sub-CA 2", "V2G", 0)
    })?;
    let mo = ensure(MO_ROOT, &|| {
        Ca::generate_root("ocpp-gateway development MO root", "MO")
    })?;
    let mo1 = ensure(MO_SUB_CA1, &|| {
        mo.sub_ca("ocpp-gateway development MO sub-CA 1", "MO", 1)
    })?;
    ensure(MO_SUB_CA2, &|| {
        mo1.sub_ca("ocpp-gateway development MO sub-CA 2", "MO", 0)
    })?;
    let oem = ensure(OEM_ROOT, &|| {
        Ca::generate_root("ocpp-gateway development OEM root", "OEM")
    })?;
    for pcid in vehicles {
        if pcid.is_empty()
            || pcid.len() > 64
            || !pcid.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            return Err(CertError::Invalid(format!(
                "{pcid:?} is not a PCID (letters, digits and '-', at most 64)"
            )));
        }
        let (cert, key) = oem.provisioning(pcid, 365 * 3)?;
        let (pem, key_path) = (
            dir.join(format!("provisioning-{pcid}.pem")),
            dir.join(format!("provisioning-{pcid}.key")),
        );
        write(&pem, &cert, false)?;
        write(&key_path, &key, true)?;
        files.extend([pem, key_path]);
    }
    Ok(Written { files })
}

/// Checks a charger's CSR for an ISO 15118 SECC certificate: its signature and an EC key
/// of 256 bits (ISO 15118-2 allows secp256r1 only). The subject is the SECC's own.
pub fn check_v2g_csr(pem: &str) -> Result<CheckedCsr, String> {
    let der = rustls_pki_types::pem::PemObject::from_pem_slice(pem.as_bytes())
        .map(|d: rustls_pki_types::CertificateSigningRequestDer<'static>| d)
        .map_err(|e| format!("not a PEM certificate request: {e}"))?;
    let (_, csr) =
        x509_parser::certification_request::X509CertificationRequest::from_der(der.as_ref())
            .map_err(|e| format!("unreadable certificate request: {e}"))?;
    let info = &csr.certification_request_info;
    if info.subject.iter_common_name().next().is_none() {
        return Err("the request has no subject CN".into());
    }
    match info.subject_pki.parsed() {
        Ok(x509_parser::public_key::PublicKey::EC(ec)) if ec.key_size() == 256 => {}
        Ok(other) => {
            return Err(format!(
                "key of {} bits refused: ISO 15118 certificates use EC P-256 keys",
                other.key_size()
            ))
        }
        Err(e) => return Err(format!("unreadable public key: {e}")),
    }
    let request = rcgen::CertificateSigningRequestParams::from_der(&der)
        .map_err(|e| format!("the request's signature does not verify: {e}"))?;
    Ok(CheckedCsr { request })
}
