//! Small pieces of the actor's state: message ids for the gateway's calls and the
//! token bucket over the charger's calls.

use std::sync::atomic::{AtomicU64, Ordering};

use tokio::time::Instant;

/// Message ids of our CALLs: unique in the process and, thanks to the time-based seed,
/// unlikely to repeat across restarts, so a late answer never matches a newer call.
static NEXT_ID: AtomicU64 = AtomicU64::new(0);

pub(super) fn next_message_id() -> String {
    if NEXT_ID.load(Ordering::Relaxed) == 0 {
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_micros() as u64)
            .unwrap_or(1);
        let _ = NEXT_ID.compare_exchange(0, seed << 8, Ordering::Relaxed, Ordering::Relaxed);
    }
    format!("{:x}", NEXT_ID.fetch_add(1, Ordering::Relaxed))
}

/// A token bucket over the charger's CALLs.
pub(super) struct RateLimit {
    pub(super) tokens: f64,
    pub(super) last: Instant,
}

impl RateLimit {
    /// Takes a token if there is one; `rate` per second refill, up to `burst`.
    pub(super) fn allow(&mut self, rate: f64, burst: f64) -> bool {
        if rate <= 0.0 {
            return true;
        }
        let now = Instant::now();
        let refill = now.duration_since(self.last).as_secs_f64() * rate;
        self.tokens = (self.tokens + refill).min(burst.max(1.0));
        self.last = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}
