//! Typed decoding shared by both versions: classifying a payload's faults into the
//! exact OCPP-J error code, and the record of lenient fixes.

use super::ErrorCode;

/// How strictly payloads are read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Leniency {
    /// Fix the known, unambiguous quirks of real chargers (see `lenient`), recording each.
    #[default]
    Lenient,
    /// Exactly the official schema; any deviation is a CALLERROR.
    Strict,
}

/// One quirk fixed while decoding, for the log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deviation(pub String);

/// A decoded message with the quirks that were fixed on the way.
#[derive(Clone, Debug, PartialEq)]
pub struct Decoded<T> {
    pub message: T,
    pub deviations: Vec<Deviation>,
}

/// A payload that does not decode: the code to answer with and a description naming the field.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{code:?}: {description}")]
pub struct DecodeError {
    pub code: ErrorCode,
    pub description: String,
}
