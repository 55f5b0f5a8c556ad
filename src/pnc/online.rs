//! Contracts the gateway did not issue (OCPP 2.0.1 C07.FR.05): every certificate of the
//! presented hash data is checked with its own OCSP responder (`responderURL`), the
//! answer verified against the trusted MO roots (`pnc.mo_roots`) and reused until its
//! `nextUpdate`. A contract chain sent as PEM (`certificate`, C07.FR.06) is first checked
//! here (signatures up to a trusted root, dates, the EMAID) and its hash data computed,
//! the responders taken from the certificates' Authority Information Access. A chain
//! that cannot be verified that way (no trusted root, responder unreachable or
//! untrustworthy, status unknown) is not accepted.

use chrono::Utc;
use x509_parser::prelude::*;

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

    /// Checks a contract chain (DER, the contract first) no contract of the gateway's
    /// matched, for `id_token`.
    pub(super) async fn check_chain_online(
        &self,
        id_token: &str,
        chain: &[Vec<u8>],
    ) -> ContractCheck {
        if self.mo_roots.is_empty() {
            return ContractCheck::Unknown;
        }
        match chain_hash_data(id_token, chain, &self.mo_roots) {
            Ok(hashes) => self.check_online(id_token, &hashes).await,
            Err(Refused::Expired) => ContractCheck::Expired,
            Err(Refused::Chain) => ContractCheck::Unknown,
        }
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
        // An IP the scope refuses is not asked (names are filtered by the client's resolver).
        crate::security::address::check_literal(self.ocsp_responders, "pnc.ocsp_responders", url)
            .map_err(|reason| responder::OnlineError::Unreachable {
            url: url.to_owned(),
            reason,
        })?;
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

/// Why a presented chain is refused before any responder is asked.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Refused {
    /// Unreadable, broken, for another EMAID, or not under a trusted root.
    Chain,
    /// A certificate of it is past its end.
    Expired,
}

fn parse(d: &[u8]) -> Result<X509Certificate<'_>, Refused> {
    X509Certificate::from_der(d)
        .map(|(_, c)| c)
        .map_err(|_| Refused::Chain)
}

/// The OCSP responder URL in a certificate's Authority Information Access, if any.
fn responder_url(c: &X509Certificate<'_>) -> Option<String> {
    use x509_parser::oid_registry::OID_PKIX_ACCESS_DESCRIPTOR_OCSP;
    c.extensions()
        .iter()
        .find_map(|e| match e.parsed_extension() {
            ParsedExtension::AuthorityInfoAccess(aia) => {
                aia.accessdescs
                    .iter()
                    .find_map(|d| match (&d.access_method, &d.access_location) {
                        (m, GeneralName::URI(u)) if *m == OID_PKIX_ACCESS_DESCRIPTOR_OCSP => {
                            Some((*u).to_owned())
                        }
                        _ => None,
                    })
            }
            _ => None,
        })
}

/// Checks a contract chain against `roots` and returns the hash data of each of its
/// certificates that names an OCSP responder (the contract certificate must); or the
/// reason the chain itself is refused.
fn chain_hash_data(
    id_token: &str,
    chain: &[Vec<u8>],
    roots: &[Vec<u8>],
) -> Result<Vec<HashData>, Refused> {
    let certs = chain
        .iter()
        .map(|d| parse(d))
        .collect::<Result<Vec<_>, _>>()?;
    let leaf = certs.first().ok_or(Refused::Chain)?;
    let token = emaid::normalize(id_token).unwrap_or_else(|_| id_token.to_owned());
    let cn = cert::common_name(leaf).map(|c| emaid::normalize(&c).unwrap_or(c));
    if cn.as_deref() != Some(token.as_str()) {
        return Err(Refused::Chain);
    }
    let now = Utc::now().timestamp();
    for c in &certs {
        if c.validity().not_after.timestamp() < now {
            return Err(Refused::Expired);
        }
        if c.validity().not_before.timestamp() > now {
            return Err(Refused::Chain);
        }
    }
    if certs.windows(2).any(|p| !cert::signed_by(&p[0], &p[1])) {
        return Err(Refused::Chain);
    }
    // The chain ends in a trusted root, or in a certificate a trusted root signed.
    let mut full: Vec<Vec<u8>> = chain.to_vec();
    let top = certs.last().ok_or(Refused::Chain)?;
    if !roots.iter().any(|r| Some(r) == chain.last()) {
        let root = roots
            .iter()
            .find(|r| {
                parse(r).is_ok_and(|rc| {
                    rc.subject().as_raw() == top.issuer().as_raw() && cert::signed_by(top, &rc)
                })
            })
            .ok_or(Refused::Chain)?;
        full.push(root.clone());
    }
    let mut hashes = Vec::new();
    for (i, c) in certs.iter().enumerate() {
        let Some(issuer) = full.get(i + 1) else {
            break;
        };
        let url = responder_url(c);
        if url.is_none() && i > 0 {
            // A sub-CA without a responder: its signature is all there is to check.
            continue;
        }
        let (name, key, serial) = cert::hash_data(&[chain[i].clone(), issuer.clone()], "SHA256")
            .map_err(|_| Refused::Chain)?;
        hashes.push(HashData {
            algorithm: "SHA256".into(),
            issuer_name_hash: name,
            issuer_key_hash: key,
            serial_number: serial,
            responder_url: url.unwrap_or_default(),
        });
    }
    Ok(hashes)
}
