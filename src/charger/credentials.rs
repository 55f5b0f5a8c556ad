//! Changing the password a charger connects with (1.6 `AuthorizationKey`, 2.0.1
//! `SecurityCtrlr.BasicAuthPassword`), whatever the path: a configuration change, a
//! security-profile upgrade, a custom call. The gateway and the charger never disagree:
//!
//! - the new password is staged (admitted beside the current one) *before* it is sent,
//!   so a charger that takes it and reconnects at once is let in;
//! - a charger that refuses it (a status that means no, a CALLERROR), or a call that
//!   was never sent, withdraws it: the charger keeps what it had;
//! - a call whose answer never came (timeout, the charger gone) keeps both: the charger
//!   may or may not have taken it;
//! - the first connection with the new one makes it the current password and retires
//!   the old (see the handshake).
//!
//! Only a salted hash of the password is kept; the value never reaches a snapshot,
//! the frame log or the logs.

use std::future::Future;

use super::handle::{CallError, ChargerHandle};
use super::outbound::{self, ActionError};
use crate::domain::action::{Action, Outcome};
use crate::domain::secret::is_charger_credential;
use crate::security::{PasswordChange, PasswordHash};
use crate::store::{Store, StoreError};

/// Whether a failed call may still have reached the charger and been taken.
pub trait MayHaveTaken {
    fn may_have_taken(&self) -> bool;
}

impl MayHaveTaken for CallError {
    fn may_have_taken(&self) -> bool {
        matches!(self, CallError::Timeout(_) | CallError::ChargerGone)
    }
}

impl MayHaveTaken for ActionError {
    fn may_have_taken(&self) -> bool {
        matches!(self, ActionError::Call(e) if e.may_have_taken())
    }
}

/// Sends `password` to the charger through `send`, staged before and settled after by
/// what the charger answered. The outer error is the store failing to stage it (then
/// nothing was sent); the inner result is the call's.
pub async fn send_password<T, E, F>(
    store: &dyn Store,
    identity: &str,
    password: &str,
    send: F,
) -> Result<Result<T, E>, StoreError>
where
    F: Future<Output = Result<T, E>>,
    E: MayHaveTaken + std::fmt::Display,
{
    let hash = PasswordHash::new(password);
    store
        .change_password(identity, PasswordChange::Stage(hash.clone()))
        .await?;
    let result = send.await;
    match &result {
        Ok(_) => {
            tracing::info!(%identity, "the charger took its new password; the old one stays valid until it is used")
        }
        Err(e) if e.may_have_taken() => {
            tracing::warn!(%identity, error = %e, "no answer to the password change: both passwords stay valid")
        }
        Err(e) => {
            tracing::info!(%identity, error = %e, "the charger refused its new password; it keeps the old one");
            if let Err(se) = store
                .change_password(identity, PasswordChange::Withdraw(hash))
                .await
            {
                // Left staged, the refused password is merely admitted too: no lockout.
                tracing::warn!(%identity, error = %se, "could not withdraw the refused password");
            }
        }
    }
    Ok(result)
}

/// The password `action` gives the charger, if it sets one.
pub fn password_in(action: &Action) -> Option<&str> {
    match action {
        Action::SetConfiguration {
            key,
            value,
            component,
            ..
        } if is_charger_credential(component.as_deref(), key) => Some(value),
        Action::Custom { action, payload } => custom_password(action, payload),
        _ => None,
    }
}

/// The password a custom ChangeConfiguration / SetVariables gives the charger.
fn custom_password<'a>(action: &str, payload: &'a serde_json::Value) -> Option<&'a str> {
    match action {
        "ChangeConfiguration" => payload["key"]
            .as_str()
            .filter(|k| is_charger_credential(None, k))
            .and(payload["value"].as_str()),
        "SetVariables" => payload["setVariableData"].as_array()?.iter().find(|d| {
            is_charger_credential(
                d["component"]["name"].as_str(),
                d["variable"]["name"].as_str().unwrap_or_default(),
            )
        })?["attributeValue"]
            .as_str(),
        _ => None,
    }
}

/// Performs `action` on the charger; one that sets the charger's password (any path) is
/// staged and settled as [`send_password`] says.
pub async fn perform(
    handle: &ChargerHandle,
    store: &dyn Store,
    action: &Action,
) -> Result<Result<Outcome, ActionError>, StoreError> {
    match password_in(action) {
        Some(password) => {
            send_password(
                store,
                handle.identity(),
                password,
                outbound::perform(handle, action),
            )
            .await
        }
        None => Ok(outbound::perform(handle, action).await),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_path_that_sets_a_password_is_recognised() {
        let set = |key: &str, component: Option<&str>| Action::SetConfiguration {
            key: key.into(),
            value: "new-secret-0123456".into(),
            component: component.map(Into::into),
            evse: None,
            instance: None,
        };
        assert!(password_in(&set("AuthorizationKey", None)).is_some());
        assert!(password_in(&set("BasicAuthPassword", Some("SecurityCtrlr"))).is_some());
        assert!(password_in(&set("SecurityCtrlr.BasicAuthPassword", None)).is_some());
        assert!(password_in(&set("HeartbeatInterval", None)).is_none());
        let custom = |action: &str, payload| Action::Custom {
            action: action.into(),
            payload,
        };
        assert_eq!(
            password_in(&custom(
                "ChangeConfiguration",
                json!({"key": "AuthorizationKey", "value": "k"})
            )),
            Some("k")
        );
        assert_eq!(
            password_in(&custom(
                "SetVariables",
                json!({"setVariableData": [
                {"attributeValue": "60", "component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"}},
                {"attributeValue": "p", "component": {"name": "SecurityCtrlr"}, "variable": {"name": "BasicAuthPassword"}}]})
            )),
            Some("p")
        );
        assert!(password_in(&custom("Reset", json!({"type": "Soft"}))).is_none());
        assert!(CallError::Timeout(std::time::Duration::from_secs(1)).may_have_taken());
        assert!(!CallError::Rejected {
            status: "Rejected".into()
        }
        .may_have_taken());
    }
}
