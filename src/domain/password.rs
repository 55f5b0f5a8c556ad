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
    /// AuthorizationKey arrives either way): the candidate as it is, hex-decoded, or
    /// hex-encoded (a key set as hex that the charger sends decoded). Constant time in
    /// the stored value.
    pub fn verify(&self, candidate: &str) -> bool {
        let key = hmac::Key::new(hmac::HMAC_SHA256, &self.salt);
        let plain = hmac::verify(&key, candidate.as_bytes(), &self.tag).is_ok();
        let decoded = hex::decode(candidate)
            .map(|bytes| hmac::verify(&key, &bytes, &self.tag).is_ok())
            .unwrap_or(false);
        let lower = hex::encode(candidate);
        let encoded = hmac::verify(&key, lower.as_bytes(), &self.tag).is_ok()
            | hmac::verify(&key, lower.to_uppercase().as_bytes(), &self.tag).is_ok();
        plain | decoded | encoded
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

/// Most passwords sent to a charger whose fate is unknown kept at once: a change that
/// timed out may have been taken, so it stays valid beside the current one until one of
/// them is used. Past this many, the oldest is forgotten.
pub const MAX_PENDING: usize = 4;

/// A change to a charger's passwords: the current one, and those sent to it whose use is
/// pending.
#[derive(Clone, Debug)]
pub enum PasswordChange {
    /// A password is about to be sent to the charger: admit it beside the current one.
    Stage(PasswordHash),
    /// The charger refused it: it keeps what it had.
    Withdraw(PasswordHash),
    /// The charger connected with it: it becomes the current password, and every other
    /// one (the old current, other pending ones) is retired.
    Promote(PasswordHash),
}

impl PasswordChange {
    /// Applies the change to the stored `current` hash and the space-separated `pending`
    /// hashes; returns the new `(current, pending)` (`None`: no value).
    pub fn apply(
        &self,
        current: Option<String>,
        pending: Option<&str>,
    ) -> (Option<String>, Option<String>) {
        let mut list: Vec<String> = pending
            .unwrap_or_default()
            .split_whitespace()
            .map(str::to_owned)
            .collect();
        let join = |l: Vec<String>| (!l.is_empty()).then(|| l.join(" "));
        match self {
            PasswordChange::Stage(h) => {
                list.push(h.to_hex());
                let excess = list.len().saturating_sub(MAX_PENDING);
                list.drain(..excess);
                (current, join(list))
            }
            PasswordChange::Withdraw(h) => {
                let hex = h.to_hex();
                list.retain(|x| x != &hex);
                (current, join(list))
            }
            PasswordChange::Promote(h) => {
                let hex = h.to_hex();
                if list.contains(&hex) {
                    (Some(hex), None)
                } else {
                    // Already promoted or replaced meanwhile: nothing to do.
                    (current, join(list))
                }
            }
        }
    }
}

/// Reads the space-separated pending hashes.
pub fn pending_from_text(text: Option<&str>) -> Vec<PasswordHash> {
    text.unwrap_or_default()
        .split_whitespace()
        .filter_map(PasswordHash::from_hex)
        .collect()
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

    #[test]
    fn a_key_set_as_hex_verifies_sent_decoded() {
        let key = hex::encode("0123456789abcdef");
        let h = PasswordHash::new(&key);
        assert!(h.verify("0123456789abcdef"));
        assert!(h.verify(&key));
    }

    #[test]
    fn pending_passwords_are_staged_withdrawn_and_promoted() {
        let old = PasswordHash::new("old-password-0001");
        let new = PasswordHash::new("new-password-0001");
        let other = PasswordHash::new("new-password-0002");
        let cur = Some(old.to_hex());
        let (c, p) = PasswordChange::Stage(new.clone()).apply(cur.clone(), None);
        assert_eq!(c, cur);
        let (c, p) = PasswordChange::Stage(other.clone()).apply(c, p.as_deref());
        assert_eq!(pending_from_text(p.as_deref()).len(), 2);
        let (c, p) = PasswordChange::Withdraw(other.clone()).apply(c, p.as_deref());
        assert_eq!(p, Some(new.to_hex()));
        let (c, p) = PasswordChange::Promote(new.clone()).apply(c, p.as_deref());
        assert_eq!((c, p), (Some(new.to_hex()), None));
        // A promotion of a hash no longer pending changes nothing.
        let (c, p) = PasswordChange::Promote(other).apply(Some(new.to_hex()), None);
        assert_eq!((c, p), (Some(new.to_hex()), None));
        let mut p = None;
        for i in 0..(MAX_PENDING + 2) {
            p = PasswordChange::Stage(PasswordHash::new(&format!("pw-{i}")))
                .apply(None, p.as_deref())
                .1;
        }
        assert_eq!(pending_from_text(p.as_deref()).len(), MAX_PENDING);
    }
}
