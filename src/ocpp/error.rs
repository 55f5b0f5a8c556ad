//! OCPP-J error codes of both versions (1.6 §4.2.3, 2.0.1 part 4 §4.3).
//!
//! The gateway reasons in one vocabulary (the 2.0.1 one) and spells each code for the
//! version of the connection only when writing it. Two 2.0.1 codes have no 1.6
//! counterpart and are written as the nearest 1.6 code:
//!
//! | code (2.0.1)               | written for 1.6                |
//! |----------------------------|--------------------------------|
//! | `FormatViolation`          | `FormationViolation`           |
//! | `OccurrenceConstraintViolation` | `OccurenceConstraintViolation` (sic) |
//! | `RpcFrameworkError`        | `ProtocolError`                |
//! | `MessageTypeNotSupported`  | `ProtocolError`                |
//! | every other code           | the same name                  |
//!
//! `RpcFrameworkError` (the frame is not a valid RPC message) and `MessageTypeNotSupported`
//! (an unknown message type number) are both faults of the OCPP-J protocol itself rather
//! than of a payload, which is exactly what 1.6's `ProtocolError` covers; 1.6's
//! `FormationViolation` is reserved for payloads that do not fit their action.

use super::OcppVersion;

/// An OCPP-J CALLERROR code, version-neutral; [`ErrorCode::as_str`] spells it
/// the way the given version does (1.6 `FormationViolation`/`OccurenceConstraintViolation`,
/// 2.0.1 `FormatViolation`/`OccurrenceConstraintViolation`). Codes that exist in only
/// one version map to the closest code of the other.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// The payload is syntactically wrong (1.6 `FormationViolation`).
    FormatViolation,
    /// Any other error.
    GenericError,
    /// The receiver failed while processing the message.
    InternalError,
    /// An unknown message type number (2.0.1 only; 1.6 `ProtocolError`).
    MessageTypeNotSupported,
    /// The action is not known.
    NotImplemented,
    /// The action is known but not supported.
    NotSupported,
    /// A required field is missing or a field occurs too often (1.6 `OccurenceConstraintViolation`).
    OccurrenceConstraintViolation,
    /// A field holds a value outside its allowed set or range.
    PropertyConstraintViolation,
    /// The payload does not conform to the PDU structure, or the protocol was broken.
    ProtocolError,
    /// The frame is not a valid RPC message (2.0.1 only; 1.6 `ProtocolError`).
    RpcFrameworkError,
    /// A security issue prevented handling the message.
    SecurityError,
    /// A field has the wrong JSON type.
    TypeConstraintViolation,
}

impl ErrorCode {
    /// Every code, in the order of the 2.0.1 specification.
    pub const ALL: [ErrorCode; 12] = [
        ErrorCode::FormatViolation,
        ErrorCode::GenericError,
        ErrorCode::InternalError,
        ErrorCode::MessageTypeNotSupported,
        ErrorCode::NotImplemented,
        ErrorCode::NotSupported,
        ErrorCode::OccurrenceConstraintViolation,
        ErrorCode::PropertyConstraintViolation,
        ErrorCode::ProtocolError,
        ErrorCode::RpcFrameworkError,
        ErrorCode::SecurityError,
        ErrorCode::TypeConstraintViolation,
    ];

    /// The code as the given version writes it on the wire.
    pub fn as_str(self, version: OcppVersion) -> &'static str {
        use ErrorCode::*;
        match (self, version) {
            (FormatViolation, OcppVersion::V16) => "FormationViolation",
            (FormatViolation, OcppVersion::V201) => "FormatViolation",
            (OccurrenceConstraintViolation, OcppVersion::V16) => "OccurenceConstraintViolation",
            (OccurrenceConstraintViolation, OcppVersion::V201) => "OccurrenceConstraintViolation",
            (RpcFrameworkError | MessageTypeNotSupported, OcppVersion::V16) => "ProtocolError",
            (RpcFrameworkError, OcppVersion::V201) => "RpcFrameworkError",
            (MessageTypeNotSupported, OcppVersion::V201) => "MessageTypeNotSupported",
            (GenericError, _) => "GenericError",
            (InternalError, _) => "InternalError",
            (NotImplemented, _) => "NotImplemented",
            (NotSupported, _) => "NotSupported",
            (PropertyConstraintViolation, _) => "PropertyConstraintViolation",
            (ProtocolError, _) => "ProtocolError",
            (SecurityError, _) => "SecurityError",
            (TypeConstraintViolation, _) => "TypeConstraintViolation",
        }
    }

    /// Parses a code as either version writes it (both spellings accepted).
    pub fn parse(code: &str) -> Option<ErrorCode> {
        use ErrorCode::*;
        Some(match code {
            "FormatViolation" | "FormationViolation" => FormatViolation,
            "GenericError" => GenericError,
            "InternalError" => InternalError,
            "MessageTypeNotSupported" => MessageTypeNotSupported,
            "NotImplemented" => NotImplemented,
            "NotSupported" => NotSupported,
            "OccurrenceConstraintViolation" | "OccurenceConstraintViolation" => {
                OccurrenceConstraintViolation
            }
            "PropertyConstraintViolation" => PropertyConstraintViolation,
            "ProtocolError" => ProtocolError,
            "RpcFrameworkError" => RpcFrameworkError,
            "SecurityError" => SecurityError,
            "TypeConstraintViolation" => TypeConstraintViolation,
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const V16_CODES: [&str; 10] = [
        "NotImplemented",
        "NotSupported",
        "InternalError",
        "ProtocolError",
        "SecurityError",
        "FormationViolation",
        "PropertyConstraintViolation",
        "OccurenceConstraintViolation",
        "TypeConstraintViolation",
        "GenericError",
    ];

    const V201_CODES: [&str; 12] = [
        "FormatViolation",
        "GenericError",
        "InternalError",
        "MessageTypeNotSupported",
        "NotImplemented",
        "NotSupported",
        "OccurrenceConstraintViolation",
        "PropertyConstraintViolation",
        "ProtocolError",
        "RpcFrameworkError",
        "SecurityError",
        "TypeConstraintViolation",
    ];

    #[test]
    fn each_version_writes_only_its_own_codes() {
        for code in ErrorCode::ALL {
            assert!(
                V16_CODES.contains(&code.as_str(OcppVersion::V16)),
                "{code:?}"
            );
            assert!(
                V201_CODES.contains(&code.as_str(OcppVersion::V201)),
                "{code:?}"
            );
        }
        // Every code of each version is reachable.
        for text in V16_CODES {
            assert!(
                ErrorCode::ALL
                    .iter()
                    .any(|c| c.as_str(OcppVersion::V16) == text),
                "{text}"
            );
        }
        for text in V201_CODES {
            assert!(
                ErrorCode::ALL
                    .iter()
                    .any(|c| c.as_str(OcppVersion::V201) == text),
                "{text}"
            );
        }
    }

    #[test]
    fn spellings_per_version() {
        use ErrorCode::*;
        let cases = [
            (FormatViolation, "FormationViolation", "FormatViolation"),
            (
                OccurrenceConstraintViolation,
                "OccurenceConstraintViolation",
                "OccurrenceConstraintViolation",
            ),
            (RpcFrameworkError, "ProtocolError", "RpcFrameworkError"),
            (
                MessageTypeNotSupported,
                "ProtocolError",
                "MessageTypeNotSupported",
            ),
            (
                TypeConstraintViolation,
                "TypeConstraintViolation",
                "TypeConstraintViolation",
            ),
        ];
        for (code, v16, v201) in cases {
            assert_eq!(code.as_str(OcppVersion::V16), v16);
            assert_eq!(code.as_str(OcppVersion::V201), v201);
        }
    }

    #[test]
    fn parse_accepts_both_spellings_and_round_trips() {
        for code in ErrorCode::ALL {
            assert_eq!(ErrorCode::parse(code.as_str(OcppVersion::V201)), Some(code));
        }
        for text in V16_CODES {
            let code = ErrorCode::parse(text);
            assert!(code.is_some(), "{text}");
        }
        assert_eq!(
            ErrorCode::parse("FormationViolation"),
            Some(ErrorCode::FormatViolation)
        );
        assert_eq!(
            ErrorCode::parse("OccurenceConstraintViolation"),
            Some(ErrorCode::OccurrenceConstraintViolation)
        );
        assert_eq!(ErrorCode::parse("formatviolation"), None);
        assert_eq!(ErrorCode::parse(""), None);
    }
}
