//! What can go wrong while simulating a charger.
//!
//! As elsewhere in the gateway, "the other side said no" (a CALLERROR, a status that is
//! not `Accepted`) is kept apart from "we could not ask" (timeouts, a closed link).

use std::time::Duration;

/// An error of the charger simulator.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// The load generator could not be set up (bad options, no local resources).
    #[error("load generator: {0}")]
    Setup(String),
    /// The options could not be turned into a WebSocket request (bad URL or header).
    #[error("invalid request to {url:?}: {reason}")]
    Request {
        /// The URL as given.
        url: String,
        /// Why it was refused.
        reason: String,
    },
    /// The server answered the WebSocket handshake with an HTTP error status.
    #[error("handshake refused with HTTP {status}")]
    Refused {
        /// The HTTP status code, e.g. 401 or 404.
        status: u16,
    },
    /// The connection failed below OCPP (TCP, WebSocket, subprotocol check).
    #[error("websocket: {0}")]
    WebSocket(#[source] Box<tokio_tungstenite::tungstenite::Error>),
    /// Nothing arrived in time.
    #[error("timed out after {after:?} waiting for {what}")]
    Timeout {
        /// What was awaited, e.g. the action whose answer did not come.
        what: String,
        /// How long we waited.
        after: Duration,
    },
    /// The connection is closed, or closed while we waited.
    #[error("connection closed")]
    Closed,
    /// The CSMS answered our CALL with a CALLERROR.
    #[error("CALLERROR {code}: {description}")]
    CallError {
        /// The error code as written on the wire.
        code: String,
        /// The error description.
        description: String,
    },
    /// The CSMS answered, but not with what the scenario needs to go on
    /// (e.g. a BootNotification that is not `Accepted`).
    #[error("{action} answered {status}")]
    Rejected {
        /// The action that was answered.
        action: String,
        /// The status in the answer.
        status: String,
    },
    /// The CSMS's answer lacks something the scenario needs (e.g. a transactionId).
    #[error("unexpected answer to {action}: {reason}")]
    Unexpected {
        /// The action that was answered.
        action: String,
        /// What was wrong with the answer.
        reason: String,
    },
}

impl From<tokio_tungstenite::tungstenite::Error> for SimError {
    fn from(e: tokio_tungstenite::tungstenite::Error) -> Self {
        use tokio_tungstenite::tungstenite::Error;
        match e {
            Error::Http(response) => SimError::Refused {
                status: response.status().as_u16(),
            },
            Error::ConnectionClosed | Error::AlreadyClosed => SimError::Closed,
            other => SimError::WebSocket(Box::new(other)),
        }
    }
}
