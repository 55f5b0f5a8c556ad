//! The version-neutral model: what chargers report and what the gateway decides,
//! with no protocol version and no storage in sight.

pub mod action;
pub mod auth;
pub mod event;
pub mod notification;
pub mod password;
pub mod protocol;
pub mod registration;
pub mod report;
pub mod secret;
pub mod session;
pub mod station;
pub mod status;
pub mod tag_group;
pub mod time;
pub mod variable;

pub use auth::AuthStatus;
pub use event::{BootInfo, MeterSample, StartTransaction, StopTransaction, TransactionUpdate};
pub use registration::{BootAnswer, Registration};
pub use status::HardwareStatus;
