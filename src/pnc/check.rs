//! What chargers ask about contracts: whether the hash data or the certificate of an
//! Authorize names a contract the gateway holds and may admit, and the OCSP status of a
//! certificate (asked of the provider, cached until its `nextUpdate`).

use chrono::Utc;

use super::provider::{self, OcspAnswer, ProviderError};
use super::{cert, emaid, stamp, ContractCheck, HashData, Pnc};
use crate::store::pnc::ContractRecord;

impl Pnc {
    /// Checks contract hash data presented with an Authorize for `id_token`.
    pub async fn check_contract(&self, id_token: &str, hashes: &[HashData]) -> ContractCheck {
        let Ok(store) = self.store() else {
            return ContractCheck::Unknown;
        };
        for h in hashes {
            let serial = cert::normalize_serial(&h.serial_number);
            let candidates = match store.contracts_by_serial(&serial).await {
                Ok(c) => c,
                Err(e) => {
                    tracing::error!(error = %e, "contract lookup failed");
                    return ContractCheck::Unavailable;
                }
            };
            for c in candidates {
                let Ok(chain) = cert::pem_certificates(&c.chain) else {
                    continue;
                };
                let Ok((name, key, _)) = cert::hash_data(&chain, &h.algorithm) else {
                    continue;
                };
                if !name.eq_ignore_ascii_case(h.issuer_name_hash.trim())
                    || !key.eq_ignore_ascii_case(h.issuer_key_hash.trim())
                {
                    continue;
                }
                return self.judge(c, id_token);
            }
        }
        self.check_online(id_token, hashes).await
    }

    /// Checks a contract certificate (PEM) presented with an Authorize for `id_token`.
    pub async fn check_certificate(&self, id_token: &str, pem: &str) -> ContractCheck {
        let (Ok(store), Ok(chain)) = (self.store(), cert::pem_certificates(pem)) else {
            return ContractCheck::Unknown;
        };
        let Ok(serial) = cert::serial_of(&chain[0]) else {
            return ContractCheck::Unknown;
        };
        match store.contracts_by_serial(&serial).await {
            Ok(found) => match found.into_iter().find(|c| {
                cert::pem_certificates(&c.chain)
                    .map(|ch| ch.first() == chain.first())
                    .unwrap_or(false)
            }) {
                Some(c) => self.judge(c, id_token),
                None => self.check_chain_online(id_token, &chain).await,
            },
            Err(e) => {
                tracing::error!(error = %e, "contract lookup failed");
                ContractCheck::Unavailable
            }
        }
    }

    fn judge(&self, c: ContractRecord, id_token: &str) -> ContractCheck {
        let token = emaid::normalize(id_token).unwrap_or_else(|_| id_token.to_owned());
        if token != c.emaid {
            return ContractCheck::Unknown;
        }
        if c.status != "active" {
            return ContractCheck::Revoked;
        }
        if c.not_after < stamp(Utc::now()) {
            return ContractCheck::Expired;
        }
        ContractCheck::Valid(c)
    }

    /// OCSP status of a certificate, from the cache while its answer is fresh.
    pub async fn ocsp(&self, query: provider::OcspQuery) -> Result<OcspAnswer, ProviderError> {
        let provider = self
            .provider()
            .map_err(|e| ProviderError::Unsupported(e.to_string()))?;
        let key = format!(
            "{}|{}|{}|{}",
            query.hash_algorithm,
            query.issuer_name_hash.to_ascii_lowercase(),
            query.issuer_key_hash.to_ascii_lowercase(),
            cert::normalize_serial(&query.serial_number)
        );
        let now = Utc::now();
        {
            let mut cache = self.ocsp_cache.lock().unwrap_or_else(|p| p.into_inner());
            cache.retain(|_, a| a.next_update > now);
            if let Some(a) = cache.get(&key) {
                return Ok(a.clone());
            }
        }
        let answer = provider.ocsp(query).await?;
        if answer.next_update > now {
            let mut cache = self.ocsp_cache.lock().unwrap_or_else(|p| p.into_inner());
            cache.insert(key, answer.clone());
        }
        Ok(answer)
    }
}
