//! Retry timing: exponential backoff with jitter, and what a failed attempt leads to
//! (another attempt later, or the event kept as failed).

use std::time::Duration;

use chrono::{DateTime, Utc};
use ring::rand::{SecureRandom, SystemRandom};

use crate::config::NotifySettings;
use crate::store::notify::{OutboxEvent, Settlement};

/// The delay before attempt `attempts + 1`, after `attempts` failed ones:
/// `base × 2^(attempts − 1)`, at most `max`, scaled by `jitter` in [0.5, 1] so that
/// receivers coming back are not hit by every queue at once.
pub fn delay(attempts: u32, base: Duration, max: Duration, jitter: f64) -> Duration {
    let exp = attempts.saturating_sub(1).min(30);
    let full = base.saturating_mul(1u32 << exp).min(max);
    full.mul_f64(0.5 + 0.5 * jitter.clamp(0.0, 1.0))
}

/// A uniform number in [0, 1].
pub fn jitter() -> f64 {
    let mut b = [0u8; 4];
    match SystemRandom::new().fill(&mut b) {
        Ok(()) => f64::from(u32::from_le_bytes(b)) / f64::from(u32::MAX),
        Err(_) => 1.0,
    }
}

/// Whether an event that has failed `attempts` times is given up on.
pub fn exhausted(attempts: u32, max_attempts: u32, age: Duration, max_age: Duration) -> bool {
    attempts >= max_attempts || age >= max_age
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
    if event.resent || exhausted(attempts, settings.max_attempts, age, settings.max_age) {
        return Settlement::Failed { error };
    }
    let wait = delay(
        attempts,
        settings.backoff_base,
        settings.backoff_max,
        jitter,
    );
    let at = now + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::MAX);
    Settlement::Retry {
        at: crate::domain::time::text(at),
        error,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::notify::EventStatus;

    #[test]
    fn doubles_up_to_the_cap_with_jitter() {
        let s = Duration::from_secs;
        assert_eq!(delay(1, s(1), s(60), 1.0), s(1));
        assert_eq!(delay(3, s(1), s(60), 1.0), s(4));
        assert_eq!(delay(10, s(1), s(60), 1.0), s(60));
        assert_eq!(delay(3, s(1), s(60), 0.0), s(2));
        assert_eq!(delay(u32::MAX, s(1), s(60), 1.0), s(60));
        let j = jitter();
        assert!((0.0..=1.0).contains(&j));
        assert!(exhausted(5, 5, s(0), s(10)));
        assert!(exhausted(1, 5, s(10), s(10)));
        assert!(!exhausted(1, 5, s(1), s(10)));
    }

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
