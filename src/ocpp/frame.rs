//! OCPP-J framing, sans-IO: `[2, id, action, payload]`, `[3, id, payload]`,
//! `[4, id, code, description, details]`.
//!
//! [`Frame::parse`] turns one WebSocket text frame into a message or into the exact
//! error to answer with. Codes are the 2.0.1 vocabulary; [`ErrorCode::as_str`] spells
//! them for 1.6 (`RpcFrameworkError` and `MessageTypeNotSupported` become
//! `ProtocolError`, `FormatViolation` becomes `FormationViolation`). Checks run in the
//! order of the table, so the first fault found decides:
//!
//! | fault                                               | code                      | id      |
//! |-----------------------------------------------------|---------------------------|---------|
//! | not JSON                                            | `FormatViolation`         | none    |
//! | not an array, or an empty array                     | `RpcFrameworkError`       | none    |
//! | message type not a non-negative integer             | `RpcFrameworkError`       | if read |
//! | id missing, not a string, or longer than 36 chars   | `RpcFrameworkError`       | if a string |
//! | message type not 2, 3 or 4                          | `MessageTypeNotSupported` | yes     |
//! | wrong number of elements for the type               | `RpcFrameworkError`       | yes     |
//! | CALL action not a string                            | `RpcFrameworkError`       | yes     |
//! | CALL/CALLRESULT payload not an object               | `FormatViolation`         | yes     |
//! | CALLERROR code or description not a string          | `RpcFrameworkError`       | yes     |
//!
//! "id if read" means the second element when it is a string; a caller answers an error
//! without an id with the id `"-1"` ([`FrameError::answer`]). Not-JSON is a syntax fault
//! of the message (2.0.1 `FormatViolation`: "payload is syntactically incorrect"); every
//! fault of the envelope is "not a valid RPC request" (`RpcFrameworkError`), except an
//! unknown message type number, which 2.0.1 names `MessageTypeNotSupported`. A payload
//! that is not an object (e.g. `null` or `[]`) does not fit any action's schema, whose
//! root is always an object: `FormatViolation`. An over-long id is answered with that
//! same id so the sender can still correlate the error. An empty id is accepted (neither
//! specification forbids it).
//!
//! A received CALLERROR is read liberally, since it is never answered: the `details`
//! element may be missing or any JSON value (`null` or missing becomes `{}`).

use serde_json::{Map, Value};

use super::{ErrorCode, OcppVersion};

/// The longest message id either specification allows (room for a GUID).
pub const MAX_ID_LEN: usize = 36;

/// The longest CALLERROR description 2.0.1 allows; longer ones are cut when built.
pub const MAX_DESCRIPTION_LEN: usize = 255;

/// The id to answer with when a frame's own id could not be read.
pub const UNKNOWN_ID: &str = "-1";

/// A request.
#[derive(Clone, Debug, PartialEq)]
pub struct Call {
    /// The message id, unique per sender.
    pub id: String,
    /// The OCPP action, e.g. `BootNotification`.
    pub action: String,
    /// The request payload, always a JSON object.
    pub payload: Value,
}

/// A successful answer.
#[derive(Clone, Debug, PartialEq)]
pub struct CallResult {
    /// The id of the CALL answered.
    pub id: String,
    /// The response payload, always a JSON object.
    pub payload: Value,
}

/// An error answer, as received or to send. `code` keeps the text on the wire.
#[derive(Clone, Debug, PartialEq)]
pub struct CallErrorFrame {
    /// The id of the CALL answered.
    pub id: String,
    /// The error code as written on the wire (see [`ErrorCode::parse`]).
    pub code: String,
    /// A free-form description.
    pub description: String,
    /// Free-form details, a JSON object when we build it.
    pub details: Value,
}

/// One OCPP-J message.
#[derive(Clone, Debug, PartialEq)]
pub enum Frame {
    /// Message type 2.
    Call(Call),
    /// Message type 3.
    CallResult(CallResult),
    /// Message type 4.
    CallError(CallErrorFrame),
}

/// A text frame that is not a well-formed OCPP-J message. `id` is the message id when
/// it could be read (the answer's id; `"-1"` is used when it could not).
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{code:?}: {description}")]
pub struct FrameError {
    /// The message id, when it could be read.
    pub id: Option<String>,
    /// The code to answer with.
    pub code: ErrorCode,
    /// What was wrong, for the answer and the log.
    pub description: String,
}

impl FrameError {
    fn new(id: Option<&str>, code: ErrorCode, description: impl Into<String>) -> Self {
        FrameError {
            id: id.map(str::to_owned),
            code,
            description: description.into(),
        }
    }

    /// The CALLERROR answering this fault, with the id `"-1"` when none could be read.
    pub fn answer(&self, version: OcppVersion) -> CallErrorFrame {
        let id = self.id.as_deref().unwrap_or(UNKNOWN_ID);
        CallErrorFrame::new(id, self.code, version, self.description.clone())
    }
}

const CALL: u64 = 2;
const CALL_RESULT: u64 = 3;
const CALL_ERROR: u64 = 4;

impl Frame {
    /// Parses one text frame. Never panics, whatever the input.
    pub fn parse(text: &str) -> Result<Frame, FrameError> {
        use ErrorCode::{FormatViolation, MessageTypeNotSupported, RpcFrameworkError};
        let value: Value = serde_json::from_str(text)
            .map_err(|e| FrameError::new(None, FormatViolation, format!("not JSON: {e}")))?;
        let Value::Array(items) = value else {
            return Err(FrameError::new(
                None,
                RpcFrameworkError,
                "frame is not a JSON array",
            ));
        };
        let Some(first) = items.first() else {
            return Err(FrameError::new(
                None,
                RpcFrameworkError,
                "frame is an empty array",
            ));
        };
        // The id is read before judging the type so that every later fault can be answered.
        let raw_id = items.get(1).and_then(Value::as_str);
        // A negative integer is an integer too, just never a known type.
        let kind = first.as_u64().or(first.as_i64().map(|_| u64::MAX));
        let Some(kind) = kind else {
            return Err(FrameError::new(
                raw_id,
                RpcFrameworkError,
                "message type is not an integer",
            ));
        };
        let id = match items.get(1) {
            None => {
                return Err(FrameError::new(
                    None,
                    RpcFrameworkError,
                    "message id is missing",
                ))
            }
            Some(Value::String(id)) if id.chars().count() > MAX_ID_LEN => {
                return Err(FrameError::new(
                    Some(id),
                    RpcFrameworkError,
                    format!("message id is longer than {MAX_ID_LEN} characters"),
                ));
            }
            Some(Value::String(id)) => id.clone(),
            Some(_) => {
                return Err(FrameError::new(
                    None,
                    RpcFrameworkError,
                    "message id is not a string",
                ))
            }
        };
        let expected = match kind {
            CALL => 4,
            CALL_RESULT => 3,
            CALL_ERROR => 5,
            _ => {
                return Err(FrameError::new(
                    Some(&id),
                    MessageTypeNotSupported,
                    format!("message type {first} is not supported"),
                ))
            }
        };
        let len_ok = items.len() == expected || (kind == CALL_ERROR && items.len() == 4);
        if !len_ok {
            return Err(FrameError::new(
                Some(&id),
                RpcFrameworkError,
                format!(
                    "message type {kind} needs {expected} elements, got {}",
                    items.len()
                ),
            ));
        }
        let mut rest = items.into_iter().skip(2);
        let mut next = || rest.next().unwrap_or(Value::Null);
        match kind {
            CALL => {
                let Value::String(action) = next() else {
                    return Err(FrameError::new(
                        Some(&id),
                        RpcFrameworkError,
                        "action is not a string",
                    ));
                };
                let payload = object_payload(&id, next())?;
                Ok(Frame::Call(Call {
                    id,
                    action,
                    payload,
                }))
            }
            CALL_RESULT => {
                let payload = object_payload(&id, next())?;
                Ok(Frame::CallResult(CallResult { id, payload }))
            }
            _ => {
                let (Value::String(code), Value::String(description)) = (next(), next()) else {
                    return Err(FrameError::new(
                        Some(&id),
                        RpcFrameworkError,
                        "error code or description is not a string",
                    ));
                };
                let details = match next() {
                    Value::Null => Value::Object(Map::new()),
                    other => other,
                };
                Ok(Frame::CallError(CallErrorFrame {
                    id,
                    code,
                    description,
                    details,
                }))
            }
        }
    }

    /// The frame as the JSON text to send.
    pub fn to_text(&self) -> String {
        let array = match self {
            Frame::Call(c) => serde_json::json!([CALL, c.id, c.action, c.payload]),
            Frame::CallResult(r) => serde_json::json!([CALL_RESULT, r.id, r.payload]),
            Frame::CallError(e) => {
                serde_json::json!([CALL_ERROR, e.id, e.code, e.description, e.details])
            }
        };
        array.to_string()
    }

    /// The message id of any kind of frame.
    pub fn id(&self) -> &str {
        match self {
            Frame::Call(c) => &c.id,
            Frame::CallResult(r) => &r.id,
            Frame::CallError(e) => &e.id,
        }
    }
}

fn object_payload(id: &str, payload: Value) -> Result<Value, FrameError> {
    if payload.is_object() {
        Ok(payload)
    } else {
        Err(FrameError::new(
            Some(id),
            ErrorCode::FormatViolation,
            "payload is not a JSON object",
        ))
    }
}

impl CallErrorFrame {
    /// A CALLERROR answering `id` with `code` spelt for `version`, details `{}`. The
    /// description is cut to 255 characters, the most 2.0.1 allows.
    pub fn new(
        id: impl Into<String>,
        code: ErrorCode,
        version: OcppVersion,
        description: impl Into<String>,
    ) -> Self {
        let mut description = description.into();
        if let Some((cut, _)) = description.char_indices().nth(MAX_DESCRIPTION_LEN) {
            description.truncate(cut);
        }
        CallErrorFrame {
            id: id.into(),
            code: code.as_str(version).to_owned(),
            description,
            details: Value::Object(Map::new()),
        }
    }

    /// The code, whichever version's spelling it arrived in; `None` if it is unknown.
    pub fn error_code(&self) -> Option<ErrorCode> {
        ErrorCode::parse(&self.code)
    }
}

#[cfg(test)]
#[path = "frame_tests.rs"]
mod tests;
