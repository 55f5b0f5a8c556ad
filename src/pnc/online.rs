//! Contracts the gateway did not issue (OCPP 2.0.1 C07.FR.05): every certificate of the
//! presented hash data is checked with its own OCSP responder (`responderURL`), the
//! answer verified against the trusted MO roots (`pnc.mo_roots`) and reused until its
//! `nextUpdate`. A chain that cannot be verified that way (no trusted root, responder
//! unreachable or untrustworthy, status unknown) is not accepted.

use chrono::Utc;

use super::responder::{self, OnlineStatus};
use super::{cert, emaid, ContractCheck, HashData, Pnc};

impl Pnc {
    /// Checks hash data no contract of the gateway's matched, for `id_token`.
    pub(super) async fn check_online(&self, id_token: &str, hashes: &[HashData]) -> ContractCheck {
        if self.mo_roots.is_empty() || hashes.is_empty() {
            return ContractCheck::Unknown;
        }
        let mut verified = true;
        for h in hashes {
            match self.online_status(h).await {
                Ok(OnlineStatus::Good) => {}
                Ok(OnlineStatus::Revoked) => {
                    tracing::info!(serial = %h.serial_number, "contract certificate revoked (OCSP)");
                    return ContractCheck::Revoked;
                }
                Ok(OnlineStatus::Unknown) => {
                    tracing::info!(serial = %h.serial_number, "OCSP responder does not know the certificate");
                    verified = false;
                }
                Err(e) => {
                    tracing::warn!(serial = %h.serial_number, error = %e, "contract certificate not verified");
                    verified = false;
                }
            }
        }
        if !verified {
            return ContractCheck::Unknown;
        }
        ContractCheck::Good(emaid::normalize(id_token).unwrap_or_else(|_| id_token.to_owned()))
    }

    /// The responder's checked answer about one certificate, from the cache while fresh.
    async fn online_status(&self, h: &HashData) -> Result<OnlineStatus, responder::OnlineError> {
        let key = format!(
            "{}|{}|{}|{}",
            h.algorithm,
            h.issuer_name_hash.trim().to_ascii_lowercase(),
            h.issuer_key_hash.trim().to_ascii_lowercase(),
            cert::normalize_serial(&h.serial_number)
        );
        let now = Utc::now();
        {
            let mut cache = self.online_cache.lock().unwrap_or_else(|p| p.into_inner());
            cache.retain(|_, (_, until)| *until > now);
            if let Some((status, _)) = cache.get(&key) {
                return Ok(*status);
            }
        }
        let url = h.responder_url.trim();
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(responder::OnlineError::HashData(format!(
                "responderURL {url:?} is not an http(s) URL"
            )));
        }
        let verdict =
            responder::ask(&self.ocsp_client, url, h, &self.mo_roots, self.ocsp_timeout).await?;
        // No nextUpdate: newer information is always available (RFC 6960 §4.2.2.1),
        // so the answer is not kept.
        if let Some(until) = verdict.next_update {
            self.online_cache
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(key, (verdict.status, until));
        }
        Ok(verdict.status)
    }
}
