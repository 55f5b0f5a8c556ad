//! OCPP versions and WebSocket subprotocol negotiation.

use serde::{Deserialize, Serialize};

/// The OCPP-J versions the gateway speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum OcppVersion {
    #[serde(rename = "ocpp1.6")]
    V16,
    #[serde(rename = "ocpp2.0.1")]
    V201,
}

impl OcppVersion {
    /// The `Sec-WebSocket-Protocol` token of this version.
    pub const fn subprotocol(self) -> &'static str {
        match self {
            OcppVersion::V16 => "ocpp1.6",
            OcppVersion::V201 => "ocpp2.0.1",
        }
    }

    /// The version a subprotocol token names, if the gateway speaks it.
    pub fn from_subprotocol(token: &str) -> Option<Self> {
        match token.trim() {
            t if t.eq_ignore_ascii_case("ocpp1.6") => Some(OcppVersion::V16),
            t if t.eq_ignore_ascii_case("ocpp2.0.1") => Some(OcppVersion::V201),
            _ => None,
        }
    }
}

impl std::fmt::Display for OcppVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.subprotocol())
    }
}

/// What the handshake learnt from the `Sec-WebSocket-Protocol` header values.
#[derive(Debug, PartialEq, Eq)]
pub enum Negotiated {
    /// A version the charger offered: echo it back.
    Offered(OcppVersion),
    /// The charger offered nothing at all.
    NoneOffered,
    /// The charger offered only tokens the gateway does not speak.
    NoneSupported,
}

/// Picks the charger's most preferred version we speak. `headers` are the values of
/// every `Sec-WebSocket-Protocol` header, each a comma-separated list whose entries may
/// carry odd spacing.
pub fn negotiate<'a>(headers: impl IntoIterator<Item = &'a str>) -> Negotiated {
    let mut any = false;
    for token in headers
        .into_iter()
        .flat_map(|h| h.split(','))
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        any = true;
        if let Some(v) = OcppVersion::from_subprotocol(token) {
            return Negotiated::Offered(v);
        }
    }
    if any {
        Negotiated::NoneSupported
    } else {
        Negotiated::NoneOffered
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charger_preference_wins_and_unknown_entries_are_skipped() {
        assert_eq!(
            negotiate(["ocpp0.1,ocpp1.6"]),
            Negotiated::Offered(OcppVersion::V16)
        );
        assert_eq!(
            negotiate([" ocpp2.0.1 , ocpp1.6"]),
            Negotiated::Offered(OcppVersion::V201)
        );
        assert_eq!(
            negotiate(["ocpp1.6", "ocpp2.0.1"]),
            Negotiated::Offered(OcppVersion::V16)
        );
        assert_eq!(negotiate([]), Negotiated::NoneOffered);
        assert_eq!(negotiate([" , "]), Negotiated::NoneOffered);
        assert_eq!(negotiate(["ocpp0.1, ocpp2.1"]), Negotiated::NoneSupported);
    }
}
