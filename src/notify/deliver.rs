//! One delivery attempt: POST the stored body to the subscription's callback URL,
//! signed, and decide what happens to the event next.

use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};

use super::backoff;
use super::sign::{self, Keys};
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
    let body = event.body.as_bytes().to_vec();
    let signature = sign::signature(token, &body);
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
    after_failure(settings, event, error, Utc::now(), backoff::jitter())
}

/// Retry later, or give up: a resent event gets one attempt; others retry until
/// `max_attempts` or `max_age`.
pub fn after_failure(
    settings: &NotifySettings,
    event: &OutboxEvent,
    error: String,
    now: DateTime<Utc>,
    jitter: f64,
) -> Settlement {
    let attempts = event.attempts.saturating_add(1);
    let age = DateTime::parse_from_rfc3339(&event.created_at)
        .map(|c| {
            (now - c.with_timezone(&Utc))
                .to_std()
                .unwrap_or(Duration::ZERO)
        })
        .unwrap_or(Duration::ZERO);
    if event.resent || backoff::exhausted(attempts, settings.max_attempts, age, settings.max_age) {
        return Settlement::Failed { error };
    }
    let wait = backoff::delay(
        attempts,
        settings.backoff_base,
        settings.backoff_max,
        jitter,
    );
    let at = now + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::MAX);
    Settlement::Retry {
        at: at.to_rfc3339_opts(SecondsFormat::Millis, true),
        error,
    }
}

fn now_text() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// The innermost error's text (reqwest's outer text is generic).
fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::notify::EventStatus;

    fn event(attempts: u32, resent: bool) -> OutboxEvent {
        OutboxEvent {
            id: 1,
            subscription_id: 1,
            charge_point_id: 1,
            notification: "evse.changed".into(),
            body: "{}".into(),
            status: EventStatus::Pending,
            attempts,
            next_attempt_at: "2024-01-01T00:00:00.000Z".into(),
            last_error: None,
            created_at: "2024-01-01T00:00:00.000Z".into(),
            delivered_at: None,
            resent,
            callback_url: "http://127.0.0.1:1/".into(),
            token_sha256: String::new(),
        }
    }

    #[test]
    fn retries_then_gives_up() {
        let mut s = crate::config::Settings::embedded()
            .expect("defaults")
            .notify;
        s.max_attempts = 3;
        let now = DateTime::parse_from_rfc3339("2024-01-01T00:00:10Z")
            .expect("time")
            .with_timezone(&Utc);
        match after_failure(&s, &event(0, false), "x".into(), now, 1.0) {
            Settlement::Retry { at, .. } => assert_eq!(at, "2024-01-01T00:00:11.000Z"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            after_failure(&s, &event(2, false), "x".into(), now, 1.0),
            Settlement::Failed { .. }
        ));
        assert!(matches!(
            after_failure(&s, &event(0, true), "x".into(), now, 1.0),
            Settlement::Failed { .. }
        ));
    }
}
