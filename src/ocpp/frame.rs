//! OCPP-J framing, sans-IO: `[2, id, action, payload]`, `[3, id, payload]`,
//! `[4, id, code, description, details]`.

use serde_json::Value;

use super::{ErrorCode, OcppVersion};

/// A request.
#[derive(Clone, Debug, PartialEq)]
pub struct Call {
    pub id: String,
    pub action: String,
    pub payload: Value,
}

/// A successful answer.
#[derive(Clone, Debug, PartialEq)]
pub struct CallResult {
    pub id: String,
    pub payload: Value,
}

/// An error answer, as received or to send. `code` keeps the text on the wire.
#[derive(Clone, Debug, PartialEq)]
pub struct CallErrorFrame {
    pub id: String,
    pub code: String,
    pub description: String,
    pub details: Value,
}

/// One OCPP-J message.
#[derive(Clone, Debug, PartialEq)]
pub enum Frame {
    Call(Call),
    CallResult(CallResult),
    CallError(CallErrorFrame),
}

/// A text frame that is not a well-formed OCPP-J message. `id` is the message id when
/// it could be read (the answer's id; `"-1"` is used when it could not).
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{code:?}: {description}")]
pub struct FrameError {
    pub id: Option<String>,
    pub code: ErrorCode,
    pub description: String,
}

impl Frame {
    /// Parses one text frame. Never panics, whatever the input.
    pub fn parse(text: &str) -> Result<Frame, FrameError> {
        let _ = text;
        todo!()
    }

    /// The frame as the JSON text to send.
    pub fn to_text(&self) -> String {
        todo!()
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

impl CallErrorFrame {
    /// A CALLERROR answering `id` with `code` spelt for `version`.
    pub fn new(id: impl Into<String>, code: ErrorCode, version: OcppVersion, description: impl Into<String>) -> Self {
        let _ = (id.into(), code, version, description.into());
        todo!()
    }
}
