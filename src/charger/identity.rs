//! Charger identities in the URL path: percent-decoded, 1..48 characters of the
//! OCPP identifier set less `:` (it would break the Basic-auth user name).

use percent_encoding::percent_decode_str;

/// Longest identity accepted.
pub const MAX_LEN: usize = 48;

/// Whether `identity` (already decoded) is acceptable.
pub fn is_valid(identity: &str) -> bool {
    (1..=MAX_LEN).contains(&identity.len())
        && identity
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"*-_=+|@.".contains(&b))
}

/// Extracts and validates the identity from a request path: `{prefix}/{identity}` or a bare
/// `/{identity}`. The query string is ignored.
pub fn from_path(path: &str, prefix: &str) -> Result<String, String> {
    let path = path.split('?').next().unwrap_or_default();
    let rest = match path.strip_prefix(prefix) {
        Some(r) if !prefix.is_empty() && r.starts_with('/') => r,
        _ => path,
    };
    let raw = rest
        .strip_prefix('/')
        .ok_or_else(|| format!("path {path:?} names no charger"))?;
    let decoded = percent_decode_str(raw)
        .decode_utf8()
        .map_err(|_| format!("identity {raw:?} is not valid UTF-8 once decoded"))?;
    if is_valid(&decoded) {
        Ok(decoded.into_owned())
    } else {
        Err(format!(
            "identity {raw:?} must be 1..{MAX_LEN} characters of A-Z a-z 0-9 * - _ = + | @ ."
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identities_from_paths() {
        assert_eq!(from_path("/ocpp/CP-1", "/ocpp").as_deref(), Ok("CP-1"));
        assert_eq!(from_path("/CP-1", "/ocpp").as_deref(), Ok("CP-1"));
        assert_eq!(
            from_path("/ocpp/RDAM%7C123", "/ocpp").as_deref(),
            Ok("RDAM|123")
        );
        assert_eq!(
            from_path("/ocpp/a+b=c@d.e*f_g", "/ocpp").as_deref(),
            Ok("a+b=c@d.e*f_g")
        );
        assert_eq!(from_path("/ocpp/CP1?x=1", "/ocpp").as_deref(), Ok("CP1"));
        assert_eq!(from_path("/X", "").as_deref(), Ok("X"));
        for bad in [
            "/ocpp/",
            "/ocpp/a:b",
            "/ocpp/a%3Ab",
            "/ocpp/a%2Fb",
            "/ocpp/a/b",
            "/ocpp/a%0Ab",
            "/ocpp/%FF",
            "/ocpp/a b",
        ] {
            assert!(from_path(bad, "/ocpp").is_err(), "{bad}");
        }
        assert!(from_path(&format!("/ocpp/{}", "x".repeat(48)), "/ocpp").is_ok());
        assert!(from_path(&format!("/ocpp/{}", "x".repeat(49)), "/ocpp").is_err());
    }
}
