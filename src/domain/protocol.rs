//! The OCPP version a charger speaks, as the gateway records and reports it (the
//! protocol codecs have their own `ocpp::OcppVersion`; the charger layer names one as
//! the other).

/// A charger's protocol version.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Protocol {
    V16,
    V201,
}

impl Protocol {
    /// The API's name of the version (a charge point's `protocol`).
    pub fn api_name(self) -> &'static str {
        match self {
            Protocol::V16 => "ocpp 1.6",
            Protocol::V201 => "ocpp 2.0.1",
        }
    }
}
