//! The local provider: the gateway's own development PKI (`certs init --pnc`), so Plug &
//! Charge works end to end on one machine.
//!
//! Contract certificates are signed by MO sub-CA 2 and certify the vehicle's own
//! provisioning key: no private key has to travel, and the vehicle proves the contract
//! with the key it already holds. (A real provider generates a contract key and sends
//! it encrypted to the vehicle inside the EXI response; use the `http` provider for that.)
//!
//! Certificate installation and update requests are answered by finding the vehicle's
//! certificate inside the EXI request (its provisioning certificate, or a contract
//! certificate for an update) and returning the vehicle's active contract chain. The
//! answer is not EXI: `exiResponse` carries the DER certificates of the chain (contract
//! certificate, MO sub-CA 2, MO sub-CA 1) one after the other, base64, a development
//! stand-in for the EXI `CertificateInstallationRes`.
//!
//! OCSP queries about contract certificates (and about MO sub-CA 2) are answered with a
//! real DER OCSP response signed by the issuing sub-CA: good while the contract is
//! active, revoked once it was reissued, unknown for serials it never issued; each
//! answer is valid for an hour.

use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;
use base64::Engine;

use super::cert;
use super::provider::*;
use crate::security::certs::Ca;
use crate::security::pnc_pki::{self, pnc_files};
use crate::store::PncStore;

/// See the module documentation.
pub struct LocalProvider {
    mo: Ca,
    /// MO sub-CA 1, which answers OCSP about MO sub-CA 2.
    mo1: Ca,
    /// The DER certificates of MO sub-CA 2 and MO sub-CA 1.
    mo_ders: [Vec<u8>; 2],
    /// MO sub-CA 2 and sub-CA 1 (PEM), appended to contract certificates.
    mo_tail: String,
    cpo: Ca,
    /// CPO sub-CA 2 and sub-CA 1 (PEM), appended to SECC certificates.
    cpo_tail: String,
    emaid_prefix: String,
    contract_days: i64,
    store: Arc<dyn PncStore>,
}

impl LocalProvider {
    /// Loads the development PKI from `dir`.
    pub fn load(
        dir: &Path,
        emaid_prefix: &str,
        contract_days: u32,
        store: Arc<dyn PncStore>,
    ) -> Result<LocalProvider, String> {
        let load = |name: &str| {
            pnc_pki::load_ca(dir, name).map_err(|e| {
                format!(
                    "pnc.provider = \"local\" needs the development PKI in {} (run `ocpp-gateway certs init --pnc`): {e}",
                    dir.display()
                )
            })
        };
        let (mo, mo1, cpo, cpo1) = (
            load(pnc_files::MO_SUB_CA2)?,
            load(pnc_files::MO_SUB_CA1)?,
            load(pnc_files::CPO_SUB_CA2)?,
            load(pnc_files::CPO_SUB_CA1)?,
        );
        super::emaid::generate(emaid_prefix).map_err(|e| e.to_string())?;
        let der = |ca: &Ca| {
            cert::pem_certificates(&ca.cert_pem)
                .map(|mut d| d.remove(0))
                .map_err(|e| format!("{}: {e}", dir.display()))
        };
        Ok(LocalProvider {
            mo_ders: [der(&mo)?, der(&mo1)?],
            mo_tail: format!("{}{}", mo.cert_pem, mo1.cert_pem),
            cpo_tail: format!("{}{}", cpo.cert_pem, cpo1.cert_pem),
            mo,
            mo1,
            cpo,
            emaid_prefix: emaid_prefix.to_owned(),
            contract_days: i64::from(contract_days.max(1)),
            store,
        })
    }

    /// The active contract of the vehicle whose certificate is in `exi`.
    async fn contract_for(&self, exi: &[u8]) -> Result<Option<String>, ProviderError> {
        let store_err = |e: crate::store::StoreError| ProviderError::Unavailable(e.to_string());
        for der in cert::embedded_certificates(exi) {
            // An update carries a contract certificate: its vehicle is the one we issued
            // it for.
            let serial = cert::serial_of(&der).map_err(ProviderError::BadAnswer)?;
            let mut provisioning = self
                .store
                .contracts_by_serial(&serial)
                .await
                .map_err(store_err)?
                .into_iter()
                .find(|c| {
                    cert::pem_certificates(&c.chain)
                        .map(|ch| ch.first() == Some(&der))
                        .unwrap_or(false)
                })
                .map(|c| c.provisioning_id);
            if provisioning.is_none() {
                let Ok((_, parsed)) = x509_parser::parse_x509_certificate(&der) else {
                    continue;
                };
                let Some(pc_id) = cert::common_name(&parsed) else {
                    continue;
                };
                if let Some(p) = self
                    .store
                    .provisioning_by_pc_id(&pc_id)
                    .await
                    .map_err(store_err)?
                {
                    let same = p
                        .certificate
                        .as_deref()
                        .and_then(|pem| cert::pem_certificates(pem).ok())
                        .is_some_and(|ch| ch.first() == Some(&der));
                    if same {
                        provisioning = Some(p.id);
                    }
                }
            }
            if let Some(id) = provisioning {
                let contracts = self.store.contracts_of(id).await.map_err(store_err)?;
                if let Some(c) = contracts.into_iter().rev().find(|c| c.status == "active") {
                    return Ok(Some(c.chain));
                }
            }
        }
        Ok(None)
    }
}

#[async_trait]
impl ContractProvider for LocalProvider {
    fn name(&self) -> &'static str {
        "local"
    }

    async fn issue(&self, request: ContractRequest) -> Result<IssuedContract, ProviderError> {
        let emaid = match request.emaid {
            Some(e) => e,
            None => super::emaid::generate(&self.emaid_prefix)
                .map_err(|e| ProviderError::Unavailable(e.to_string()))?,
        };
        let leaf = self
            .mo
            .contract(&emaid, &request.public_key, self.contract_days)
            .map_err(|e| {
                ProviderError::Refused(format!("cannot certify the vehicle's key: {e}"))
            })?;
        Ok(IssuedContract {
            emaid,
            certificate_chain: format!("{leaf}{}", self.mo_tail),
        })
    }

    async fn ev_certificate(
        &self,
        request: EvCertificateRequest,
    ) -> Result<EvCertificateAnswer, ProviderError> {
        let exi = base64::engine::general_purpose::STANDARD
            .decode(request.exi_request.trim())
            .map_err(|e| ProviderError::Refused(format!("exiRequest is not base64: {e}")))?;
        let Some(chain) = self.contract_for(&exi).await? else {
            return Err(ProviderError::Refused(
                "no active contract for the vehicle certificate in the request".into(),
            ));
        };
        let ders = cert::pem_certificates(&chain).map_err(ProviderError::BadAnswer)?;
        Ok(EvCertificateAnswer {
            status: "Accepted".into(),
            exi_response: base64::engine::general_purpose::STANDARD.encode(ders.concat()),
        })
    }

    async fn ocsp(&self, query: OcspQuery) -> Result<OcspAnswer, ProviderError> {
        use super::ocsp::{response, CertId, CertStatus};
        let refused = |what: &str| ProviderError::Refused(format!("{what} is not hex"));
        let name_hash =
            hex::decode(query.issuer_name_hash.trim()).map_err(|_| refused("issuerNameHash"))?;
        let key_hash =
            hex::decode(query.issuer_key_hash.trim()).map_err(|_| refused("issuerKeyHash"))?;
        let serial_text = cert::normalize_serial(&query.serial_number);
        let padded = if serial_text.len() % 2 == 1 {
            format!("0{serial_text}")
        } else {
            serial_text.clone()
        };
        let serial = hex::decode(&padded).map_err(|_| refused("serialNumber"))?;
        let digest = cert::digest(&query.hash_algorithm).ok_or_else(|| {
            ProviderError::Refused(format!("unknown hash algorithm {:?}", query.hash_algorithm))
        })?;
        let now = chrono::Utc::now();
        let next_update = now + chrono::Duration::hours(1);
        for (i, issuer_der) in self.mo_ders.iter().enumerate() {
            let (_, issuer) = x509_parser::parse_x509_certificate(issuer_der)
                .map_err(|e| ProviderError::Unavailable(e.to_string()))?;
            let name = ring::digest::digest(digest, issuer.subject().as_raw());
            let key = ring::digest::digest(digest, &issuer.public_key().subject_public_key.data);
            if name.as_ref() != name_hash.as_slice() || key.as_ref() != key_hash.as_slice() {
                continue;
            }
            let (signer, status) = if i == 0 {
                let contracts = self
                    .store
                    .contracts_by_serial(&serial_text)
                    .await
                    .map_err(|e| ProviderError::Unavailable(e.to_string()))?;
                let status = match contracts.last() {
                    None => CertStatus::Unknown,
                    Some(c) if c.status == "active" => CertStatus::Good,
                    Some(c) => CertStatus::Revoked(
                        c.revoked_at
                            .as_deref()
                            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
                            .map_or(now, |t| t.with_timezone(&chrono::Utc)),
                    ),
                };
                (&self.mo, status)
            } else {
                let sub = cert::serial_of(&self.mo_ders[0]).map_err(ProviderError::Unavailable)?;
                let status = if sub == serial_text {
                    CertStatus::Good
                } else {
                    CertStatus::Unknown
                };
                (&self.mo1, status)
            };
            let id = CertId {
                algorithm: &query.hash_algorithm,
                issuer_name_hash: &name_hash,
                issuer_key_hash: &key_hash,
                serial: &serial,
            };
            let der = response(
                signer,
                issuer.subject().as_raw(),
                &id,
                status,
                now,
                next_update,
            )
            .map_err(ProviderError::Unavailable)?;
            return Ok(OcspAnswer {
                ocsp_result: base64::engine::general_purpose::STANDARD.encode(der),
                next_update,
            });
        }
        Err(ProviderError::Refused(
            "the local provider answers only for certificates its MO sub-CAs issued".into(),
        ))
    }

    async fn sign_v2g(&self, csr: &str) -> Result<String, ProviderError> {
        let checked = pnc_pki::check_v2g_csr(csr).map_err(ProviderError::Refused)?;
        let leaf = self
            .cpo
            .secc(&checked, 365)
            .map_err(|e| ProviderError::Refused(e.to_string()))?;
        Ok(format!("{leaf}{}", self.cpo_tail))
    }
}
