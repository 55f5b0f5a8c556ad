//! Raising a charger's security profile (never lowering it): the gateway gives the
//! charger a password when it has none (1.6 `AuthorizationKey`, 2.0.1 `BasicAuthPassword`),
//! stores it hashed once the charger accepted it, then tells the charger its new profile
//! (1.6 `SecurityProfile` configuration key; 2.0.1 `SetNetworkProfile` for the TLS URL,
//! then `NetworkConfigurationPriority` and a reset on idle). The charger reconnecting on
//! the new profile makes it its current one (see the handshake).

use ring::rand::{SecureRandom, SystemRandom};
use serde_json::json;

use super::handle::{CallError, ChargerHandle};
use crate::ocpp::OcppVersion;
use crate::security::PasswordHash;
use crate::store::Store;

/// Why a profile change was not made.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error("security profile {target} is not above the current profile {current}")]
    NotRaising { current: u8, target: u8 },
    #[error("security profile {0} cannot be set this way (1 or 2 only)")]
    Unsupported(u8),
    #[error("{0}")]
    Setup(String),
    #[error(transparent)]
    Call(#[from] CallError),
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

/// Raises `handle`'s charger from `current` to `target`. `tls_url` is the URL chargers
/// reach the TLS listener at (needed for 2.0.1, which is told where to connect).
pub async fn raise(
    handle: &ChargerHandle,
    store: &dyn Store,
    current: u8,
    has_password: bool,
    target: u8,
    tls_url: Option<&str>,
) -> Result<(), ProfileError> {
    if !(1..=2).contains(&target) {
        return Err(ProfileError::Unsupported(target));
    }
    if target <= current {
        return Err(ProfileError::NotRaising { current, target });
    }
    let identity = handle.identity();
    if !has_password {
        let password = new_password();
        if password.is_empty() {
            return Err(ProfileError::Setup("no randomness for a password".into()));
        }
        match handle.version() {
            OcppVersion::V16 => {
                handle
                    .call_expecting(
                        "ChangeConfiguration",
                        json!({"key": "AuthorizationKey", "value": password}),
                        &["Accepted", "RebootRequired"],
                    )
                    .await?;
            }
            OcppVersion::V201 => {
                set_variable(handle, "SecurityCtrlr", "BasicAuthPassword", &password).await?;
            }
        }
        store
            .set_password(identity, Some(PasswordHash::new(&password)))
            .await?;
    }
    store.set_desired_profile(identity, target).await?;
    match handle.version() {
        OcppVersion::V16 => {
            handle
                .call_expecting(
                    "ChangeConfiguration",
                    json!({"key": "SecurityProfile", "value": target.to_string()}),
                    &["Accepted", "RebootRequired"],
                )
                .await?;
        }
        OcppVersion::V201 => {
            let url = match (target, tls_url) {
                (2, Some(u)) => u.to_owned(),
                (2, None) => return Err(ProfileError::Setup(
                    "ocpp.public_tls_url is not set: a 2.0.1 station must be told where to connect"
                        .into(),
                )),
                _ => String::new(),
            };
            if target == 2 {
                handle
                    .call_expecting(
                        "SetNetworkProfile",
                        json!({"configurationSlot": 2, "connectionData": {
                            "ocppVersion": "OCPP20", "ocppTransport": "JSON", "ocppCsmsUrl": url,
                            "messageTimeout": 30, "securityProfile": target, "ocppInterface": "Wired0"}}),
                        &["Accepted"],
                    )
                    .await?;
                set_variable(handle, "OCPPCommCtrlr", "NetworkConfigurationPriority", "2").await?;
                handle
                    .call_expecting(
                        "Reset",
                        json!({"type": "OnIdle"}),
                        &["Accepted", "Scheduled"],
                    )
                    .await?;
            }
        }
    }
    tracing::info!(%identity, from = current, to = target, "security profile raised on the charger");
    Ok(())
}

async fn set_variable(
    handle: &ChargerHandle,
    component: &str,
    variable: &str,
    value: &str,
) -> Result<(), CallError> {
    let answer = handle
        .call(
            "SetVariables",
            json!({"setVariableData": [{"attributeValue": value,
                "component": {"name": component}, "variable": {"name": variable}}]}),
        )
        .await?;
    match answer["setVariableResult"][0]["attributeStatus"].as_str() {
        Some("Accepted" | "RebootRequired") => Ok(()),
        other => Err(CallError::Rejected {
            status: other.unwrap_or("no status").to_owned(),
        }),
    }
}
