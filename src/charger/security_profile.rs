//! Raising a charger's security profile (never lowering it). Every precondition is
//! checked before the first call ([`Raise::check`]); then, per version:
//!
//! - OCPP 1.6 (security whitepaper, "Migrating to a higher security profile"): the CSMS
//!   root when raising to 2 and one is configured (InstallCertificate
//!   `CentralSystemRootCertificate`), a password when the charger has none
//!   (`AuthorizationKey`), then the `SecurityProfile` key; the charger reconnects on it.
//! - OCPP 2.0.1 use case A05: the CSMS root when raising to 2 (InstallCertificate
//!   `CSMSRootCertificate`), a password when the station has none
//!   (`SecurityCtrlr.BasicAuthPassword`), `SetNetworkProfile` with the new profile's
//!   connection data in a free slot, `OCPPCommCtrlr.NetworkConfigurationPriority` with that
//!   slot first (the old ones stay behind it as fallback), then `Reset` OnIdle.
//!
//! A password is sent through [`credentials::send_password`], so the charger is admitted
//! with either password whatever happens to the change. The charger reconnecting on the
//! new profile makes it its current one (see the handshake).

use ring::rand::{SecureRandom, SystemRandom};
use serde_json::{json, Value};

use super::credentials::send_password;
use super::handle::{CallError, ChargerHandle};
use super::outbound::{self, ActionError};
use crate::domain::action::{Action, CertificateKind};
use crate::domain::station::NetworkProfile;
use crate::ocpp::OcppVersion;
use crate::store::Store;

/// Why a profile change was not made.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error("Cannot transition from security profile {current} to {target}. Only raising the profile is allowed.")]
    NotRaising { current: u8, target: u8 },
    #[error("Cannot set security profile to {0}. Only profiles 1 and 2 can be set this way.")]
    Unsupported(u8),
    /// The gateway lacks what the change needs (a URL, a TLS listener).
    #[error("{0}")]
    Setup(String),
    #[error(transparent)]
    Call(#[from] CallError),
    #[error(transparent)]
    Action(#[from] ActionError),
    #[error("store: {0}")]
    Store(#[from] crate::store::StoreError),
}

/// A fresh charger password: 32 characters of `[A-Za-z0-9]` (within 1.6's 16–40).
pub fn new_password() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut bytes = [0u8; 32];
    if SystemRandom::new().fill(&mut bytes).is_err() {
        // The system RNG failing is not recoverable here; make the caller fail rather
        // than hand out a guessable password.
        return String::new();
    }
    bytes
        .iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect()
}

/// A requested raise and what the gateway has for it.
#[derive(Clone, Debug)]
pub struct Raise {
    pub version: OcppVersion,
    pub current: u8,
    pub target: u8,
    pub has_password: bool,
    /// Where a 2.0.1 station connects on the target profile (`ocpp.public_tls_url` for
    /// 2, `ocpp.public_url` for 1).
    pub csms_url: Option<String>,
    /// Whether the gateway takes TLS connections (its own listener or a trusted proxy).
    pub tls_available: bool,
    /// The CSMS root installed before raising to 2, if the gateway has one.
    pub csms_root: Option<String>,
}

impl Raise {
    /// Every precondition, before anything is sent to the charger.
    pub fn check(&self) -> Result<(), ProfileError> {
        let (current, target) = (self.current, self.target);
        if !(1..=2).contains(&target) {
            return Err(ProfileError::Unsupported(target));
        }
        if target <= current {
            return Err(ProfileError::NotRaising { current, target });
        }
        if target == 2 && !self.tls_available {
            return Err(ProfileError::Setup(
                "The gateway takes no TLS connections (ocpp.tls_listen or ocpp.trusted_proxies): \
                 a charger raised to security profile 2 could not connect."
                    .into(),
            ));
        }
        if self.version == OcppVersion::V201 && self.csms_url.is_none() {
            let key = if target == 2 {
                "ocpp.public_tls_url"
            } else {
                "ocpp.public_url"
            };
            return Err(ProfileError::Setup(format!(
                "{key} is not set: a 2.0.1 station must be told where to connect on security profile {target}."
            )));
        }
        Ok(())
    }

    /// Checks, then makes the change on `handle`'s charger.
    pub async fn run(&self, handle: &ChargerHandle, store: &dyn Store) -> Result<(), ProfileError> {
        self.check()?;
        let password = match self.has_password {
            true => None,
            false => {
                let p = new_password();
                if p.is_empty() {
                    return Err(ProfileError::Setup("No randomness for a password.".into()));
                }
                Some(p)
            }
        };
        if let (2, Some(pem)) = (self.target, &self.csms_root) {
            let install = Action::InstallCertificate {
                kind: CertificateKind::CSMSRootCertificate,
                certificate: pem.clone(),
            };
            outbound::perform(handle, &install).await?;
        }
        let identity = handle.identity();
        match self.version {
            OcppVersion::V16 => {
                if let Some(password) = &password {
                    let call = handle.call_expecting(
                        "ChangeConfiguration",
                        json!({"key": "AuthorizationKey", "value": password}),
                        &["Accepted", "RebootRequired"],
                    );
                    send_password(store, identity, password, call).await??;
                }
                handle
                    .call_expecting(
                        "ChangeConfiguration",
                        json!({"key": "SecurityProfile", "value": self.target.to_string()}),
                        &["Accepted", "RebootRequired"],
                    )
                    .await?;
            }
            OcppVersion::V201 => {
                if let Some(password) = &password {
                    let call = set_variable(handle, "SecurityCtrlr", "BasicAuthPassword", password);
                    send_password(store, identity, password, call).await??;
                }
                let url = self.csms_url.clone().unwrap_or_default();
                let priority = network_priority(handle).await;
                let slot = free_slot(&priority);
                handle
                    .call_expecting(
                        "SetNetworkProfile",
                        json!({"configurationSlot": slot, "connectionData":
                            outbound::station::network_profile_json(
                                &NetworkProfile::gateway(url, self.target))}),
                        &["Accepted"],
                    )
                    .await?;
                let order: Vec<String> = std::iter::once(slot)
                    .chain(priority.into_iter().filter(|s| *s != slot))
                    .map(|s| s.to_string())
                    .collect();
                set_variable(
                    handle,
                    "OCPPCommCtrlr",
                    "NetworkConfigurationPriority",
                    &order.join(","),
                )
                .await?;
                handle
                    .call_expecting(
                        "Reset",
                        json!({"type": "OnIdle"}),
                        &["Accepted", "Scheduled"],
                    )
                    .await?;
            }
        }
        tracing::info!(%identity, from = self.current, to = self.target, "security profile raise sent to the charger");
        Ok(())
    }
}

/// The station's `NetworkConfigurationPriority` slots (none when it does not say).
async fn network_priority(handle: &ChargerHandle) -> Vec<i64> {
    let answer = handle
        .call(
            "GetVariables",
            json!({"getVariableData": [{"component": {"name": "OCPPCommCtrlr"},
                "variable": {"name": "NetworkConfigurationPriority"}}]}),
        )
        .await;
    match answer {
        Ok(a) if a["getVariableResult"][0]["attributeStatus"] == "Accepted" => parse_slots(
            a["getVariableResult"][0]["attributeValue"]
                .as_str()
                .unwrap_or_default(),
        ),
        _ => Vec::new(),
    }
}

fn parse_slots(list: &str) -> Vec<i64> {
    list.split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect()
}

/// The lowest slot (from 1) that no configured profile uses, so the ones the station
/// connects with now stay as fallback.
fn free_slot(used: &[i64]) -> i64 {
    (1..).find(|s| !used.contains(s)).unwrap_or(1)
}

async fn set_variable(
    handle: &ChargerHandle,
    component: &str,
    variable: &str,
    value: &str,
) -> Result<Value, CallError> {
    let answer = handle
        .call(
            "SetVariables",
            json!({"setVariableData": [{"attributeValue": value,
                "component": {"name": component}, "variable": {"name": variable}}]}),
        )
        .await?;
    match answer["setVariableResult"][0]["attributeStatus"].as_str() {
        Some("Accepted" | "RebootRequired") => Ok(answer),
        other => Err(CallError::Rejected {
            status: other.unwrap_or("no status").to_owned(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raise(version: OcppVersion, current: u8, target: u8) -> Raise {
        Raise {
            version,
            current,
            target,
            has_password: false,
            csms_url: None,
            tls_available: false,
            csms_root: None,
        }
    }

    #[test]
    fn preconditions_are_checked_before_any_call() {
        let r = raise(OcppVersion::V16, 2, 1);
        assert_eq!(
            r.check().unwrap_err().to_string(),
            "Cannot transition from security profile 2 to 1. Only raising the profile is allowed."
        );
        assert!(matches!(
            raise(OcppVersion::V16, 1, 1).check(),
            Err(ProfileError::NotRaising { .. })
        ));
        assert!(raise(OcppVersion::V16, 0, 1).check().is_ok());
        assert!(matches!(
            raise(OcppVersion::V16, 1, 2).check(),
            Err(ProfileError::Setup(_))
        ));
        let mut r = raise(OcppVersion::V201, 0, 2);
        r.tls_available = true;
        assert!(r
            .check()
            .unwrap_err()
            .to_string()
            .contains("ocpp.public_tls_url"));
        r.csms_url = Some("wss://gw.example.com/ocpp".into());
        assert!(r.check().is_ok());
        assert!(raise(OcppVersion::V201, 0, 1)
            .check()
            .unwrap_err()
            .to_string()
            .contains("ocpp.public_url"));
    }

    #[test]
    fn the_new_profile_goes_in_a_free_slot() {
        assert_eq!(free_slot(&parse_slots("")), 1);
        assert_eq!(free_slot(&parse_slots("1")), 2);
        assert_eq!(free_slot(&parse_slots("2, 1")), 3);
        assert_eq!(free_slot(&parse_slots("3,x")), 1);
    }
}
