//! Retry timing: exponential backoff with jitter, and when to give up.

use std::time::Duration;

use ring::rand::{SecureRandom, SystemRandom};

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
