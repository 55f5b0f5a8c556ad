//! Charger passwords: a salted HMAC-SHA256, compared in constant time.
//!
//! Not a slow password hash on purpose: charger passwords are long random secrets
//! (the 1.6 AuthorizationKey is 16–40 bytes), so brute force is not the threat, and a
//! reconnect storm of tens of thousands of chargers must not cost minutes of CPU.

use ring::hmac;
use ring::rand::{SecureRandom, SystemRandom};

/// A stored password: `salt` and `HMAC-SHA256(salt, password)`.
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordHash {
    salt: [u8; 16],
    tag: [u8; 32],
}

impl std::fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PasswordHash(<redacted>)")
    }
}

impl PasswordHash {
    /// Hashes `password` with a fresh random salt.
    pub fn new(password: &str) -> PasswordHash {
        let mut salt = [0u8; 16];
        // The system RNG failing is not something to recover from; fall back to a
        // time-derived salt rather than panic (the salt only needs to be unique).
        if SystemRandom::new().fill(&mut salt).is_err() {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or_default();
            salt.copy_from_slice(&nanos.to_le_bytes());
        }
        let key = hmac::Key::new(hmac::HMAC_SHA256, &salt);
        let mut tag = [0u8; 32];
        tag.copy_from_slice(hmac::sign(&key, password.as_bytes()).as_ref());
        PasswordHash { salt, tag }
    }

    /// Whether `candidate` is the password, given plain or hex-encoded (the 1.6
    /// AuthorizationKey arrives either way). Constant time in the stored value.
    pub fn verify(&self, candidate: &str) -> bool {
        let key = hmac::Key::new(hmac::HMAC_SHA256, &self.salt);
        let plain = hmac::verify(&key, candidate.as_bytes(), &self.tag).is_ok();
        let decoded = hex::decode(candidate)
            .map(|bytes| hmac::verify(&key, &bytes, &self.tag).is_ok())
            .unwrap_or(false);
        plain | decoded
    }

    /// `salt || tag` as hex, for storage.
    pub fn to_hex(&self) -> String {
        let mut bytes = Vec::with_capacity(48);
        bytes.extend_from_slice(&self.salt);
        bytes.extend_from_slice(&self.tag);
        hex::encode(bytes)
    }

    /// Reads what [`PasswordHash::to_hex`] wrote.
    pub fn from_hex(text: &str) -> Option<PasswordHash> {
        let bytes = hex::decode(text).ok()?;
        if bytes.len() != 48 {
            return None;
        }
        let mut salt = [0u8; 16];
        let mut tag = [0u8; 32];
        salt.copy_from_slice(&bytes[..16]);
        tag.copy_from_slice(&bytes[16..]);
        Some(PasswordHash { salt, tag })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_and_hex_forms_verify_and_others_do_not() {
        let h = PasswordHash::new("s3cret-password");
        assert!(h.verify("s3cret-password"));
        assert!(h.verify(&hex::encode("s3cret-password")));
        assert!(h.verify(&hex::encode("s3cret-password").to_uppercase()));
        assert!(!h.verify("s3cret-passwore"));
        assert!(!h.verify(""));
        let again = PasswordHash::from_hex(&h.to_hex()).expect("round trip");
        assert!(again.verify("s3cret-password"));
        assert!(!format!("{h:?}").contains("s3cret"));
    }

    #[test]
    fn same_password_gets_different_salts() {
        assert_ne!(
            PasswordHash::new("x").to_hex(),
            PasswordHash::new("x").to_hex()
        );
    }
}
