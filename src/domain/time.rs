//! Times as the gateway writes them everywhere — stored rows, notification bodies,
//! OCPP frames: ISO 8601 in UTC with milliseconds and `Z`
//! (`2026-01-02T03:04:05.678Z`). Text in this form sorts as the times do, which the
//! stores' range queries rely on.

use chrono::{DateTime, SecondsFormat, Utc};

/// `t` as text.
pub fn text(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// The current time as text.
pub fn now_text() -> String {
    text(Utc::now())
}

/// Text written by [`text`] (or any RFC 3339 time) as a time.
pub fn parse(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_has_milliseconds_and_z_and_reads_back() {
        let t = parse("2026-01-02T04:04:05.678+01:00").unwrap();
        assert_eq!(text(t), "2026-01-02T03:04:05.678Z");
        assert_eq!(parse(&text(t)), Some(t));
    }
}
