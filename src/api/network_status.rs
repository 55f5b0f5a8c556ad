//! The rule that turns a stored link status into the API's `networkStatus`, which the
//! charge point views and `status` both show.

use std::time::Duration;

use chrono::{DateTime, Utc};

/// The link's status as the API shows it: a charger disconnected for longer than
/// `long_term_after` is `long-term_unavailable`.
pub fn network_status(
    stored: &str,
    disconnected_at: Option<&str>,
    now: DateTime<Utc>,
    long_term_after: Duration,
) -> &'static str {
    match stored {
        "available" => "available",
        "never_connected" => "never_connected",
        _ => {
            let since = disconnected_at.and_then(|t| DateTime::parse_from_rfc3339(t).ok());
            let long = chrono::Duration::from_std(long_term_after).unwrap_or(chrono::Duration::MAX);
            match since {
                Some(t) if now.signed_duration_since(t) >= long => "long-term_unavailable",
                _ => "temporarily_unavailable",
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_disconnections_become_long_term() {
        let now = DateTime::parse_from_rfc3339("2026-11-28T12:00:00Z")
            .expect("time")
            .with_timezone(&Utc);
        let hour = Duration::from_secs(3600);
        let at = |t| network_status("temporarily_unavailable", Some(t), now, hour);
        assert_eq!(at("2026-11-28T11:30:00.000Z"), "temporarily_unavailable");
        assert_eq!(at("2026-11-28T11:00:00.000Z"), "long-term_unavailable");
        assert_eq!(network_status("available", None, now, hour), "available");
        assert_eq!(
            network_status("never_connected", None, now, hour),
            "never_connected"
        );
    }
}
