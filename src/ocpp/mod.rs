//! The wire: OCPP-J frames, error codes, subprotocols and per-version message codecs.
//!
//! Nothing here knows about sockets, tasks, storage or the domain: bytes and JSON in,
//! typed messages or exact OCPP-J errors out.

mod actions;
pub mod decode;
pub mod error;
pub mod examples;
pub mod frame;
pub mod fuzz;
pub mod lenient;
mod path;
pub mod redact;
mod schema;
#[cfg(test)]
mod schema_check;
mod timestamp;
pub mod v16;
pub mod v201;
pub mod version;

pub use decode::{DecodeError, Decoded, Leniency};
pub use error::ErrorCode;
pub use frame::{Call, CallErrorFrame, CallResult, Frame, FrameError};
pub use lenient::Deviation;
pub use version::OcppVersion;
