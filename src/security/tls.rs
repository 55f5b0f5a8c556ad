//! TLS for the OCPP listener (security profiles 2 and 3): the server's full chain and
//! key, and the charger CA that client certificates are verified against. Client
//! certificates are optional at the TLS layer (profile-2 chargers have none); the
//! handshake then decides per charger, binding a certificate's CN to the identity.

use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig};

use crate::config::TlsSettings;

/// TLS could not be set up, in words an operator can act on.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("tls: reading {path}: {reason} (run `ocpp-gateway certs init` for development certificates)")]
    Read { path: String, reason: String },
    #[error("tls: {0}")]
    Config(String),
}

fn read_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let err = |reason: String| TlsError::Read {
        path: path.display().to_string(),
        reason,
    };
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| err(e.to_string()))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| err(e.to_string()))?;
    if certs.is_empty() {
        return Err(err("no certificate in the file".into()));
    }
    Ok(certs)
}

/// The server configuration: full chain, key, and (when a charger CA is configured)
/// optional client-certificate verification against it. TLS 1.2 and 1.3 only.
pub fn server_config(s: &TlsSettings) -> Result<Arc<ServerConfig>, TlsError> {
    let chain = read_certs(&s.cert_chain)?;
    let key = PrivateKeyDer::from_pem_file(&s.private_key).map_err(|e| TlsError::Read {
        path: s.private_key.display().to_string(),
        reason: e.to_string(),
    })?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|e| TlsError::Config(e.to_string()))?;
    let builder = if s.client_ca.as_os_str().is_empty() {
        builder.with_no_client_auth()
    } else {
        let mut roots = RootCertStore::empty();
        for c in read_certs(&s.client_ca)? {
            roots
                .add(c)
                .map_err(|e| TlsError::Config(format!("charger CA: {e}")))?;
        }
        let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
            .allow_unauthenticated()
            .build()
            .map_err(|e| TlsError::Config(format!("charger CA: {e}")))?;
        builder.with_client_cert_verifier(verifier)
    };
    let config = builder
        .with_single_cert(chain, key)
        .map_err(|e| TlsError::Config(format!("server certificate and key: {e}")))?;
    Ok(Arc::new(config))
}

/// The subject CN of a DER certificate.
pub fn common_name(der: &[u8]) -> Option<String> {
    let (_, cert) = x509_parser::parse_x509_certificate(der).ok()?;
    let cn = cert.subject().iter_common_name().next()?;
    cn.as_str().ok().map(str::to_owned)
}

/// The subject CN of a forwarded client certificate: the first certificate of a PEM
/// text (percent-encoded or not), or one DER certificate in base64 as HAProxy's
/// `%[ssl_c_der,base64]` writes it (`deploy/haproxy/`).
pub fn common_name_from_pem(pem: &str) -> Option<String> {
    use base64::Engine;
    let decoded = percent_encoding::percent_decode_str(pem)
        .decode_utf8()
        .ok()?;
    if let Ok(der) = CertificateDer::from_pem_slice(decoded.as_bytes()) {
        return common_name(&der);
    }
    let der = base64::engine::general_purpose::STANDARD
        .decode(decoded.trim())
        .ok()?;
    common_name(&der)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_forwarded_certificate_is_read_as_pem_or_base64_der() {
        use base64::Engine;
        let ca = crate::security::certs::Ca::generate("test CA")
            .expect("ca")
            .0;
        let (cert, _) = ca.charger("CP-FWD", 30).expect("charger cert");
        let pem = cert.pem();
        let der = CertificateDer::from_pem_slice(pem.as_bytes()).expect("der");
        let encoded: String =
            percent_encoding::utf8_percent_encode(&pem, percent_encoding::NON_ALPHANUMERIC)
                .to_string();
        let b64 = base64::engine::general_purpose::STANDARD.encode(der.as_ref());
        for text in [pem.as_str(), encoded.as_str(), b64.as_str()] {
            assert_eq!(
                common_name_from_pem(text).as_deref(),
                Some("CP-FWD"),
                "{text}"
            );
        }
        assert_eq!(common_name_from_pem("bm90IGEgY2VydGlmaWNhdGU="), None);
        assert_eq!(common_name_from_pem("garbage"), None);
    }
}
