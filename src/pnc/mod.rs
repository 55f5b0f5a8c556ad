//! Plug & Charge (ISO 15118): the vehicles' provisioning certificates, contract
//! certificates (EMAIDs) issued for them through a provider (`pnc.provider`), and what
//! chargers ask about them (certificate installation, OCSP status, contract
//! authorization, SECC certificates).

/// The DataTransfer vendorId of the OCA "Plug & Charge for OCPP 1.6" scheme.
pub const OCA_VENDOR: &str = "org.openchargealliance.iso15118pnc";

pub mod cert;
pub mod charger;
mod check;
mod der;
pub mod emaid;
pub mod http;
pub mod local;
pub mod ocsp;
mod online;
pub mod provider;
pub mod responder;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::Utc;

use crate::config::{PncProvider, PncSettings};
use crate::store::pnc::{ContractRecord, NewContract, ProvisioningRecord};
use crate::store::resources::{IdTagFilter, IdTagPatch, IdTagView, NewIdTag, Page};
use crate::store::PncStore;
use crate::store::{ResourceError, Resources, StoreError};
use provider::{ContractProvider, ContractRequest, OcspAnswer, ProviderError};

/// Why a Plug & Charge request could not be done.
#[derive(Debug, thiserror::Error)]
pub enum PncError {
    /// No provider (or no store for Plug & Charge) is configured.
    #[error("{0}")]
    NotConfigured(String),
    #[error("{0} not found.")]
    NotFound(&'static str),
    /// Bad input, about one field.
    #[error("{message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    #[error(transparent)]
    Provider(#[from] ProviderError),
    #[error(transparent)]
    Resource(#[from] ResourceError),
}

impl From<StoreError> for PncError {
    fn from(e: StoreError) -> PncError {
        PncError::Resource(ResourceError::Store(e))
    }
}

fn invalid(field: &'static str, message: impl Into<String>) -> PncError {
    PncError::Invalid {
        field,
        message: message.into(),
    }
}

/// What the gateway knows about a contract presented at a charger.
#[derive(Debug, Clone, PartialEq)]
pub enum ContractCheck {
    /// A contract the gateway issued, active and in date, for this EMAID.
    Valid(ContractRecord),
    /// A contract another mobility operator issued under a trusted MO root, good by its
    /// OCSP responder; the EMAID (canonical form) the charger presented it for.
    Good(String),
    Revoked,
    Expired,
    /// No contract the gateway knows matches, or it is for another EMAID.
    Unknown,
    /// The store could not be asked.
    Unavailable,
}

/// One `OCSPRequestDataType` of an Authorize request.
#[derive(Debug, Clone)]
pub struct HashData {
    pub algorithm: String,
    pub issuer_name_hash: String,
    pub issuer_key_hash: String,
    pub serial_number: String,
    /// Where the certificate's OCSP responder is.
    pub responder_url: String,
}

/// See the module documentation.
pub struct Pnc {
    provider: Option<Arc<dyn ContractProvider>>,
    store: Option<Arc<dyn PncStore>>,
    resources: Arc<dyn Resources>,
    oem_roots: Vec<Vec<u8>>,
    /// OCSP answers by query, reused until their `nextUpdate`.
    ocsp_cache: Mutex<HashMap<String, OcspAnswer>>,
    /// The roots (DER) contracts of other mobility operators must chain to.
    mo_roots: Vec<Vec<u8>>,
    /// Asks contracts' OCSP responders.
    ocsp_client: reqwest::Client,
    ocsp_timeout: std::time::Duration,
    ocsp_responders: crate::config::CallbackScope,
    /// Checked answers of contracts' own responders, by certificate, until `nextUpdate`.
    online_cache: Mutex<HashMap<String, (responder::OnlineStatus, chrono::DateTime<Utc>)>>,
}

/// The time as stored.
fn stamp(t: chrono::DateTime<Utc>) -> String {
    crate::domain::time::text(t)
}

impl Pnc {
    /// Sets Plug & Charge up from the settings; `store` is `None` when the store keeps
    /// no Plug & Charge data (then nothing but 501s).
    pub fn new(
        settings: &PncSettings,
        store: Option<Arc<dyn PncStore>>,
        resources: Arc<dyn Resources>,
    ) -> Result<Pnc, String> {
        let kind = settings.kind().map_err(|e| e.to_string())?;
        use crate::security::pnc_pki::pnc_files;
        let roots = cert::load_roots(
            "pnc.oem_roots",
            &settings.oem_roots,
            &settings.dir,
            &[pnc_files::OEM_ROOT],
        )?;
        let mo_roots = cert::load_roots(
            "pnc.mo_roots",
            &settings.mo_roots,
            &settings.dir,
            &[pnc_files::MO_ROOT, pnc_files::V2G_ROOT],
        )?;
        // Chargers name the responders: the client reaches only the addresses
        // `pnc.ocsp_responders` allows (names filtered at resolution, IPs before sending).
        let ocsp_client = reqwest::Client::builder()
            .connect_timeout(settings.ocsp_timeout)
            .timeout(settings.ocsp_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .dns_resolver(Arc::new(crate::security::address::Resolver {
                scope: settings.ocsp_responders,
                setting: "pnc.ocsp_responders",
            }))
            .build()
            .map_err(|e| format!("pnc OCSP client: {e}"))?;
        let provider: Option<Arc<dyn ContractProvider>> = match (kind, &store) {
            (None, _) | (_, None) => None,
            (Some(PncProvider::Local), Some(s)) => Some(Arc::new(local::LocalProvider::load(
                &settings.dir,
                &settings.emaid_prefix,
                settings.contract_days,
                s.clone(),
            )?)),
            (Some(PncProvider::Http), Some(_)) => Some(Arc::new(http::HttpProvider::new(
                &settings.http_url,
                &settings.http_token,
                settings.http_timeout,
            )?)),
        };
        if kind.is_some() && store.is_none() {
            tracing::warn!("pnc.provider is set but this store keeps no Plug & Charge data");
        }
        Ok(Pnc {
            provider,
            store,
            resources,
            oem_roots: roots,
            ocsp_cache: Mutex::new(HashMap::new()),
            mo_roots,
            ocsp_client,
            ocsp_timeout: settings.ocsp_timeout,
            ocsp_responders: settings.ocsp_responders,
            online_cache: Mutex::new(HashMap::new()),
        })
    }

    /// The Plug & Charge store, or why there is none.
    pub fn store(&self) -> Result<&Arc<dyn PncStore>, PncError> {
        self.store.as_ref().ok_or_else(|| {
            PncError::NotConfigured("This store keeps no Plug & Charge data.".into())
        })
    }

    /// The provider, or why there is none.
    pub fn provider(&self) -> Result<&Arc<dyn ContractProvider>, PncError> {
        self.provider.as_ref().ok_or_else(|| {
            PncError::NotConfigured(
                "No contract certificate provider is configured (pnc.provider).".into(),
            )
        })
    }

    /// Checks a provisioning certificate (PEM) against the OEM roots and dates.
    pub fn check_provisioning(&self, pem: &str) -> Result<cert::Provisioning, String> {
        cert::check_provisioning(pem, &self.oem_roots, Utc::now())
    }

    /// `issue-emaid`: a contract certificate for the vehicle of provisioning certificate
    /// `id`, for `emaid` (checked) or one the provider assigns; its id tag is created or
    /// updated.
    pub async fn issue_emaid(
        &self,
        id: i64,
        emaid: Option<&str>,
    ) -> Result<ContractRecord, PncError> {
        let provider = self.provider()?;
        let wanted = match emaid {
            Some(text) => {
                Some(emaid::normalize(text).map_err(|e| invalid("emaid", e.to_string()))?)
            }
            None => None,
        };
        let p = self
            .store()?
            .provisioning(id)
            .await?
            .ok_or(PncError::NotFound("Provisioning certificate"))?;
        if let Some(e) = &wanted {
            if let Some(why) = self.taken(e, p.id).await? {
                return Err(invalid("emaid", why));
            }
        }
        self.issue(provider, &p, wanted, false).await
    }

    /// Why `emaid` cannot be issued for provisioning certificate `pid`, if it cannot: its
    /// id tag is not an EMAID tag, or it is another vehicle's (issuing it here would
    /// revoke that vehicle's contract).
    async fn taken(&self, emaid: &str, pid: i64) -> Result<Option<String>, PncError> {
        let Some(tag) = self.tag_of(emaid).await? else {
            return Ok(None);
        };
        if tag.kind != "emaid" {
            return Ok(Some(format!(
                "The id tag {emaid} exists already and is not an EMAID tag."
            )));
        }
        let owner = self.store()?.contract_of_tag(tag.id).await?;
        if owner.is_some_and(|c| c.provisioning_id != pid && c.status == "active") {
            return Ok(Some(format!(
                "The EMAID {emaid} belongs to another provisioning certificate."
            )));
        }
        Ok(None)
    }

    /// `reissue-emaid`: a new contract certificate for the EMAID of id tag `id`; the
    /// earlier one is revoked.
    pub async fn reissue_emaid(&self, id: i64) -> Result<ContractRecord, PncError> {
        let provider = self.provider()?;
        let store = self.store()?;
        let tag = self
            .resources
            .id_tag(id)
            .await?
            .ok_or(PncError::NotFound("Id tag"))?;
        if tag.kind != "emaid" {
            return Err(invalid(
                "idTag",
                format!("The id tag is of type {}, not emaid.", tag.kind),
            ));
        }
        let contract = store.contract_of_tag(id).await?.ok_or_else(|| {
            invalid(
                "idTag",
                "The id tag has no contract certificate to reissue; issue an EMAID first.",
            )
        })?;
        let p = store
            .provisioning(contract.provisioning_id)
            .await?
            .ok_or(PncError::NotFound("Provisioning certificate"))?;
        self.issue(provider, &p, Some(contract.emaid), true).await
    }

    async fn tag_of(&self, uid: &str) -> Result<Option<IdTagView>, PncError> {
        let filter = IdTagFilter {
            uid: Some(uid.to_owned()),
            ..Default::default()
        };
        let page = Page {
            after: None,
            limit: 1,
        };
        Ok(self
            .resources
            .id_tags(filter, page)
            .await?
            .into_iter()
            .next())
    }

    async fn issue(
        &self,
        provider: &Arc<dyn ContractProvider>,
        p: &ProvisioningRecord,
        wanted: Option<String>,
        reissue: bool,
    ) -> Result<ContractRecord, PncError> {
        let pem = p.certificate.clone().ok_or_else(|| {
            invalid(
                "certificate",
                "The provisioning certificate has no certificate (PEM) to bind a contract to.",
            )
        })?;
        // Checked again: it may have expired since it was stored.
        let checked = self
            .check_provisioning(&pem)
            .map_err(|e| invalid("certificate", format!("The provisioning certificate: {e}.")))?;
        let issued = provider
            .issue(ContractRequest {
                pc_id: p.pc_id.clone(),
                provisioning_certificate: pem,
                public_key: checked.public_key,
                emaid: wanted.clone(),
                reissue,
            })
            .await?;
        // What the provider sent is checked before anything is stored.
        let bad = |m: String| PncError::Provider(ProviderError::BadAnswer(m));
        let emaid = emaid::normalize(&issued.emaid).map_err(|e| bad(e.to_string()))?;
        if let Some(w) = &wanted {
            if *w != emaid {
                return Err(bad(format!("asked for EMAID {w}, got {emaid}")));
            }
        }
        let chain = cert::pem_certificates(&issued.certificate_chain)
            .map_err(|e| bad(format!("certificateChain: {e}")))?;
        if chain.len() < 2 {
            return Err(bad(
                "certificateChain must hold the contract certificate and its issuer".into(),
            ));
        }
        let leaf = x509_parser::parse_x509_certificate(&chain[0])
            .map_err(|e| bad(e.to_string()))?
            .1;
        let cn = cert::common_name(&leaf).and_then(|c| emaid::normalize(&c).ok());
        if cn.as_deref() != Some(emaid.as_str()) {
            return Err(bad(format!(
                "the contract certificate's CN is not the EMAID {emaid}"
            )));
        }
        if wanted.is_none() {
            // An EMAID the provider chose must not be another vehicle's either.
            if let Some(why) = self.taken(&emaid, p.id).await? {
                return Err(bad(format!("the EMAID it assigned: {why}")));
            }
        }
        let serial = cert::serial_hex(leaf.tbs_certificate.raw_serial());
        let not_after = stamp(cert::not_after(&chain[0]).map_err(bad)?);

        // The id tag first (authorization needs it), then the contract; if the contract
        // cannot be recorded the tag is put back as it was.
        let previous = self.tag_of(&emaid).await?;
        let tag = match &previous {
            Some(t) => {
                let patch = IdTagPatch {
                    status: Some("enabled".into()),
                    kind: Some("emaid".into()),
                    expire_at: Some(Some(not_after.clone())),
                    ..Default::default()
                };
                self.resources.update_id_tag(t.id, patch).await?
            }
            None => {
                let new = NewIdTag {
                    uid: emaid.clone(),
                    status: "enabled".into(),
                    kind: "emaid".into(),
                    expire_at: Some(not_after.clone()),
                    external_id: None,
                    label: Some(p.pc_id.clone()),
                    // The vehicle's user: the contract joins that user's group.
                    user_id: Some(p.user_id).filter(|u| *u > 0),
                };
                self.resources.create_id_tag(new).await?
            }
        };
        let record = NewContract {
            provisioning_id: p.id,
            id_tag_id: tag.id,
            emaid: emaid.clone(),
            serial,
            chain: cert::to_pem(&chain),
            not_after,
        };
        match self.store()?.record_contract(record).await {
            Ok(c) => {
                // A contract was revoked, perhaps: no OCSP answer from before may stand.
                self.ocsp_cache
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .clear();
                tracing::info!(emaid = %c.emaid, provider = provider.name(), reissue, "contract certificate issued");
                Ok(c)
            }
            Err(e) => {
                let undo = match previous {
                    Some(t) => self
                        .resources
                        .update_id_tag(
                            t.id,
                            IdTagPatch {
                                status: Some(t.status),
                                kind: Some(t.kind),
                                expire_at: Some(t.expire_at),
                                ..Default::default()
                            },
                        )
                        .await
                        .map(|_| ()),
                    None => self.resources.delete_id_tag(tag.id).await,
                };
                if let Err(u) = undo {
                    tracing::error!(error = %u, "could not undo the id tag of a contract that was not recorded");
                }
                Err(e.into())
            }
        }
    }
}
