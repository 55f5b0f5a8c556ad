//! Date-time strings: the RFC 3339 form the schemas require (`format: date-time`), and
//! the repair of the near-misses real chargers send.
//!
//! Strictly, a timestamp is `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)` (RFC 3339 §5.6;
//! `t`/`z` in lower case too) naming a real instant; any number of fraction digits is
//! valid RFC 3339. Leniently, [`repair`] also reads a space for the `T`, a missing zone
//! (read as UTC), `±HH` and `±HHMM` offsets, and cuts fractions past nanoseconds.

use chrono::DateTime;

/// Whether `text` is an RFC 3339 date-time naming a real instant.
pub(crate) fn is_rfc3339(text: &str) -> bool {
    match split(text) {
        Some(parts) => {
            matches!(parts.separator, b'T' | b't')
                && matches!(
                    parts.zone,
                    Zone::Utc
                        | Zone::Offset {
                            minutes: true,
                            colon: true
                        }
                )
                && DateTime::parse_from_rfc3339(text).is_ok()
        }
        None => false,
    }
}

/// What [`repair`] changed, for the deviation record.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Repaired {
    /// The timestamp in RFC 3339 form.
    pub text: String,
    /// Each fix made, in words.
    pub fixes: Vec<&'static str>,
}

/// Rewrites a near-RFC 3339 timestamp into RFC 3339. `None` if nothing needed fixing or
/// the text is not a timestamp that can be read unambiguously.
pub(crate) fn repair(text: &str) -> Option<Repaired> {
    let parts = split(text)?;
    let mut fixes = Vec::new();
    if parts.separator == b' ' {
        fixes.push("space instead of 'T'");
    }
    let mut fraction = parts.fraction;
    if fraction.len() > 10 {
        // `fraction` includes its dot: keep nine digits.
        fraction = &fraction[..10];
        fixes.push("more than 9 fraction digits cut");
    }
    let zone = match parts.zone {
        Zone::Utc => "Z".to_owned(),
        Zone::Missing => {
            fixes.push("no zone, read as UTC");
            "Z".to_owned()
        }
        Zone::Offset { minutes, colon } => {
            let (sign_hours, rest) = parts.zone_text.split_at(3);
            match (minutes, colon) {
                (true, true) => parts.zone_text.to_owned(),
                (true, false) => {
                    fixes.push("offset without ':'");
                    format!("{sign_hours}:{rest}")
                }
                (false, _) => {
                    fixes.push("offset without minutes");
                    format!("{sign_hours}:00")
                }
            }
        }
    };
    if fixes.is_empty() {
        return None;
    }
    let text = format!("{}T{}{fraction}{zone}", parts.date, parts.time);
    DateTime::parse_from_rfc3339(&text).ok()?;
    Some(Repaired { text, fixes })
}

#[derive(Debug, PartialEq, Eq)]
enum Zone {
    Utc,
    Missing,
    /// `±HH:MM` (`minutes`, `colon`), `±HHMM` (`minutes`), or `±HH`.
    Offset {
        minutes: bool,
        colon: bool,
    },
}

struct Parts<'a> {
    date: &'a str,
    separator: u8,
    time: &'a str,
    /// The dot and the digits after it, or empty.
    fraction: &'a str,
    zone: Zone,
    zone_text: &'a str,
}

/// Splits `YYYY-MM-DD?HH:MM:SS[.d+][zone]` into its parts, checking only the shape.
fn split(text: &str) -> Option<Parts<'_>> {
    let bytes = text.as_bytes();
    let shape_ok = bytes.len() >= 19
        && digits(&bytes[0..4])
        && bytes[4] == b'-'
        && digits(&bytes[5..7])
        && bytes[7] == b'-'
        && digits(&bytes[8..10])
        && digits(&bytes[11..13])
        && bytes[13] == b':'
        && digits(&bytes[14..16])
        && bytes[16] == b':'
        && digits(&bytes[17..19]);
    if !shape_ok || !matches!(bytes[10], b'T' | b't' | b' ') {
        return None;
    }
    // All checked bytes are ASCII, so these are char boundaries.
    let rest = &text[19..];
    let fraction_len = match rest.strip_prefix('.') {
        Some(after_dot) => match after_dot.bytes().take_while(u8::is_ascii_digit).count() {
            0 => return None,
            n => n + 1,
        },
        None => 0,
    };
    let (fraction, zone_text) = rest.split_at(fraction_len);
    let zone = match zone_text.as_bytes() {
        [] => Zone::Missing,
        [b'Z' | b'z'] => Zone::Utc,
        [b'+' | b'-', h @ ..] if h.len() == 2 && digits(h) => Zone::Offset {
            minutes: false,
            colon: false,
        },
        [b'+' | b'-', h1, h2, b':', m @ ..] if m.len() == 2 && digits(&[*h1, *h2]) && digits(m) => {
            Zone::Offset {
                minutes: true,
                colon: true,
            }
        }
        [b'+' | b'-', hm @ ..] if hm.len() == 4 && digits(hm) => Zone::Offset {
            minutes: true,
            colon: false,
        },
        _ => return None,
    };
    Some(Parts {
        date: &text[..10],
        separator: bytes[10],
        time: &text[11..19],
        fraction,
        zone,
        zone_text,
    })
}

fn digits(bytes: &[u8]) -> bool {
    bytes.iter().all(u8::is_ascii_digit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strict_accepts_only_rfc3339() {
        for ok in [
            "2024-01-31T23:59:59Z",
            "2024-01-31t23:59:59z",
            "2024-01-31T23:59:59.5+03:00",
            "2024-01-31T23:59:59.123456789123-01:30",
        ] {
            assert!(is_rfc3339(ok), "{ok}");
        }
        for bad in [
            "2024-01-31T23:59:59",
            "2024-01-31T23:59:59+03",
            "2024-01-31T23:59:59+0300",
            "2024-01-31 23:59:59Z",
            "2024-02-30T00:00:00Z",
            "2024-01-31T23:59Z",
            "2024-01-31T23:59:59.Z",
            "2024-01-31",
            "",
            "2024-01-31T23:59:59Zjunk",
            "２０２４-01-31T23:59:59Z",
        ] {
            assert!(!is_rfc3339(bad), "{bad}");
        }
    }

    #[test]
    fn lenient_repairs_near_misses() {
        let cases = [
            ("2024-01-31T23:59:59", "2024-01-31T23:59:59Z"),
            ("2024-01-31T23:59:59.25", "2024-01-31T23:59:59.25Z"),
            ("2024-01-31T23:59:59+03", "2024-01-31T23:59:59+03:00"),
            ("2024-01-31T23:59:59-0530", "2024-01-31T23:59:59-05:30"),
            ("2024-01-31 23:59:59Z", "2024-01-31T23:59:59Z"),
            (
                "2024-01-31T23:59:59.1234567891234Z",
                "2024-01-31T23:59:59.123456789Z",
            ),
        ];
        for (input, output) in cases {
            let repaired = repair(input).map(|r| r.text);
            assert_eq!(repaired.as_deref(), Some(output), "{input}");
            assert!(is_rfc3339(output));
        }
        assert_eq!(repair("2024-01-31T23:59:59Z"), None);
        assert_eq!(repair("2024-01-31T23:59:59.123+03:00"), None);
        assert_eq!(repair("yesterday"), None);
        assert_eq!(repair("2024-13-01T00:00:00"), None);
        assert_eq!(repair("2024-01-31T23:59:59+3"), None);
    }
}
