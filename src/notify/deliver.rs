//! One delivery attempt: the stored body POSTed to the subscription's callback URL,
//! signed, and what happens to the event next. A subscription stores only the SHA-256
//! of the API token that created it; deliveries are signed with that token while it is
//! still configured.

use chrono::Utc;
use ring::digest::{digest, SHA256};
use ring::hmac;

use super::backoff;
use crate::config::NotifySettings;
use crate::store::notify::{OutboxEvent, Settlement};

/// The header carrying the signature.
pub const SIGNATURE_HEADER: &str = "X-Signature";
/// The header carrying the event's stable id.
pub const ID_HEADER: &str = "X-Notification-Id";

/// Posts `event` once and returns how it ended.
pub async fn attempt(
    client: &reqwest::Client,
    keys: &Keys,
    settings: &NotifySettings,
    event: &OutboxEvent,
) -> Settlement {
    let Some(token) = keys.token(&event.token_sha256) else {
        return Settlement::Failed {
            error: format!(
                "the API token that created subscription {} is no longer configured: deliveries cannot be signed",
                event.subscription_id
            ),
        };
    };
    // A name's addresses are checked by the client's resolver as it connects; an IP
    // host is checked here.
    if let Err(why) = crate::security::address::check_literal(
        settings.allow_callbacks_to,
        "notify.allow_callbacks_to",
        &event.callback_url,
    ) {
        let error = format!("callback address not allowed: {why}");
        return backoff::after_failure(settings, event, error, Utc::now(), backoff::jitter());
    }
    let body = event.body.as_bytes().to_vec();
    let signature = signature(token, &body);
    let sent = client
        .post(&event.callback_url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(SIGNATURE_HEADER, signature)
        .header(ID_HEADER, event.id.to_string())
        .body(body)
        .send()
        .await;
    let error = match sent {
        Ok(resp) if resp.status().is_success() => {
            return Settlement::Delivered { at: now_text() };
        }
        Ok(resp) => format!("the receiver answered HTTP {}", resp.status().as_u16()),
        Err(e) if e.is_timeout() => format!("no answer within {:?}", settings.timeout),
        Err(e) if e.is_connect() => format!("cannot connect: {}", root_cause(&e)),
        Err(e) => format!("request failed: {}", root_cause(&e)),
    };
    backoff::after_failure(settings, event, error, Utc::now(), backoff::jitter())
}

fn now_text() -> String {
    crate::domain::time::now_text()
}

/// The innermost error's text (reqwest's outer text is generic).
fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}

/// The SHA-256 of a token.
pub fn sha256(token: &str) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(digest(&SHA256, token.as_bytes()).as_ref());
    out
}

/// The SHA-256 of a token, in hex (as stored with a subscription).
pub fn token_sha256(token: &str) -> String {
    hex::encode(sha256(token))
}

/// Equal without an early exit, so the time taken says nothing about where they differ.
pub fn same(a: &[u8; 32], b: &[u8; 32]) -> bool {
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

/// `X-Signature`: hex HMAC-SHA256 of the raw body, keyed with the token.
pub fn signature(token: &str, body: &[u8]) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, token.as_bytes());
    hex::encode(hmac::sign(&key, body).as_ref())
}

/// The configured API tokens, found by their hash.
#[derive(Clone, Default)]
pub struct Keys {
    tokens: Vec<(String, String)>,
}

impl Keys {
    /// The tokens deliveries may be signed with (empty ones are ignored).
    pub fn new<S: AsRef<str>>(tokens: &[S]) -> Keys {
        Keys {
            tokens: tokens
                .iter()
                .map(AsRef::as_ref)
                .filter(|t| !t.is_empty())
                .map(|t| (token_sha256(t), t.to_owned()))
                .collect(),
        }
    }

    /// The token whose SHA-256 (hex) is `hash`, if it is still configured.
    pub fn token(&self, hash: &str) -> Option<&str> {
        self.tokens
            .iter()
            .find(|(h, _)| h == hash)
            .map(|(_, t)| t.as_str())
    }

    /// The hash of `presented` if it is one of the tokens; every token is compared.
    pub fn accept(&self, presented: &str) -> Option<String> {
        let d = sha256(presented);
        let found = self.tokens.iter().fold(false, |found, (h, _)| {
            let mut known = [0u8; 32];
            let ok = hex::decode_to_slice(h, &mut known).is_ok();
            found | (ok & same(&known, &d))
        });
        found.then(|| hex::encode(d))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_is_the_rfc_4231_hmac() {
        // RFC 4231 test case 2.
        assert_eq!(
            signature("Jefe", b"what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn tokens_are_found_by_hash_and_accepted_exactly() {
        let keys = Keys::new(&["alpha", "", "beta"]);
        assert_eq!(keys.token(&token_sha256("beta")), Some("beta"));
        assert_eq!(keys.token(&token_sha256("gamma")), None);
        assert_eq!(keys.accept("alpha"), Some(token_sha256("alpha")));
        assert_eq!(keys.accept("alph"), None);
        assert_eq!(keys.accept(""), None);
    }
}
