//! The contract-certificate provider seam (`pnc.provider`): who issues contract
//! certificates, answers the vehicles' EXI certificate requests, OCSP queries, and signs
//! the chargers' ISO 15118 (SECC) certificates.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// What the provider could not do.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ProviderError {
    /// The provider cannot be reached or failed on its side (API: 502).
    #[error("certificate provider unavailable: {0}")]
    Unavailable(String),
    /// The provider did not answer in time (API: 504).
    #[error("certificate provider did not answer within {0:?}")]
    Timeout(std::time::Duration),
    /// The provider answered something unusable (API: 502).
    #[error("certificate provider answered unusably: {0}")]
    BadAnswer(String),
    /// The provider declined the request (API: 406).
    #[error("certificate provider refused: {0}")]
    Refused(String),
    /// This provider does not do that at all.
    #[error("{0}")]
    Unsupported(String),
}

/// A contract certificate to issue.
#[derive(Debug, Clone)]
pub struct ContractRequest {
    pub pc_id: String,
    /// The vehicle's OEM provisioning certificate (PEM).
    pub provisioning_certificate: String,
    /// The vehicle's public key (DER SubjectPublicKeyInfo), from that certificate.
    pub public_key: Vec<u8>,
    /// The EMAID wanted (canonical form), or `None` for one the provider assigns.
    pub emaid: Option<String>,
    /// A new certificate for an EMAID that has one already.
    pub reissue: bool,
}

/// An issued contract certificate.
#[derive(Debug, Clone)]
pub struct IssuedContract {
    pub emaid: String,
    /// PEM, the contract certificate first, then its sub-CAs.
    pub certificate_chain: String,
}

/// A vehicle's certificate installation or update request, as the charger forwarded it.
#[derive(Debug, Clone)]
pub struct EvCertificateRequest {
    pub schema_version: String,
    /// `Install` or `Update`.
    pub action: String,
    /// The EXI request, base64.
    pub exi_request: String,
}

/// The answer to pass back to the vehicle.
#[derive(Debug, Clone)]
pub struct EvCertificateAnswer {
    /// `Accepted` or `Failed`.
    pub status: String,
    /// The EXI response, base64.
    pub exi_response: String,
}

/// An OCSP query (OCPP's `OCSPRequestDataType`).
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OcspQuery {
    pub hash_algorithm: String,
    pub issuer_name_hash: String,
    pub issuer_key_hash: String,
    pub serial_number: String,
    #[serde(rename = "responderURL")]
    pub responder_url: String,
}

/// An OCSP answer and how long it may be reused.
#[derive(Debug, Clone)]
pub struct OcspAnswer {
    /// The DER OCSPResponse, base64.
    pub ocsp_result: String,
    pub next_update: DateTime<Utc>,
}

/// See the module documentation.
#[async_trait]
pub trait ContractProvider: Send + Sync + 'static {
    /// `local` or `http`, for logs and messages.
    fn name(&self) -> &'static str;
    async fn issue(&self, request: ContractRequest) -> Result<IssuedContract, ProviderError>;
    async fn ev_certificate(
        &self,
        request: EvCertificateRequest,
    ) -> Result<EvCertificateAnswer, ProviderError>;
    async fn ocsp(&self, query: OcspQuery) -> Result<OcspAnswer, ProviderError>;
    /// Signs a charger's SECC certificate request (PEM); returns the chain in PEM,
    /// certificate first.
    async fn sign_v2g(&self, csr: &str) -> Result<String, ProviderError>;
}
