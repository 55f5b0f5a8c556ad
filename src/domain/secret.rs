//! Charger secrets in configuration: the keys whose values are the charger's own
//! credentials (1.6 `AuthorizationKey`, 2.0.1 `SecurityCtrlr.BasicAuthPassword`) or other
//! secrets (passwords, private keys). Their values are write-only: a snapshot keeps and
//! shows [`MARKER`] instead, whatever the charger reported or was sent.

use super::notification::ConfigurationEntry;

/// What a secret configuration value is stored and shown as.
pub const MARKER: &str = "<redacted>";

/// Whether the stored configuration key (`Key`, or `Component.Variable` with any further
/// qualifiers) holds a secret.
pub fn is_secret_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    k.contains("authorizationkey") || k.contains("password") || k.contains("privatekey")
}

/// Whether setting `variable` (of `component`, for 2.0.1) changes the password the
/// charger connects with: 1.6 `AuthorizationKey`, 2.0.1 `SecurityCtrlr.BasicAuthPassword`.
pub fn is_charger_credential(component: Option<&str>, variable: &str) -> bool {
    match component {
        Some(c) => {
            c.eq_ignore_ascii_case("SecurityCtrlr")
                && variable.eq_ignore_ascii_case("BasicAuthPassword")
        }
        None => {
            variable.eq_ignore_ascii_case("AuthorizationKey")
                || variable.eq_ignore_ascii_case("SecurityCtrlr.BasicAuthPassword")
        }
    }
}

/// The value to store and show for `key`: the marker for a secret that has a value.
pub fn shown(key: &str, value: Option<String>) -> Option<String> {
    match value {
        Some(_) if is_secret_key(key) => Some(MARKER.to_owned()),
        v => v,
    }
}

/// Replaces the values of secret keys in a snapshot by the marker.
pub fn redact_entries(mut entries: Vec<ConfigurationEntry>) -> Vec<ConfigurationEntry> {
    for e in &mut entries {
        e.value = shown(&e.key, e.value.take());
    }
    entries
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_recognised_and_masked() {
        assert!(is_secret_key("AuthorizationKey"));
        assert!(is_secret_key("SecurityCtrlr.BasicAuthPassword"));
        assert!(!is_secret_key("HeartbeatInterval"));
        assert!(is_charger_credential(None, "AuthorizationKey"));
        assert!(is_charger_credential(
            Some("SecurityCtrlr"),
            "BasicAuthPassword"
        ));
        assert!(is_charger_credential(
            None,
            "SecurityCtrlr.BasicAuthPassword"
        ));
        assert!(!is_charger_credential(
            Some("OCPPCommCtrlr"),
            "BasicAuthPassword"
        ));
        let e = redact_entries(vec![
            ConfigurationEntry {
                key: "AuthorizationKey".into(),
                value: Some("k3y".into()),
                readonly: false,
            },
            ConfigurationEntry {
                key: "HeartbeatInterval".into(),
                value: Some("60".into()),
                readonly: false,
            },
        ]);
        assert_eq!(e[0].value.as_deref(), Some(MARKER));
        assert_eq!(e[1].value.as_deref(), Some("60"));
        assert_eq!(shown("AuthorizationKey", None), None);
    }
}
