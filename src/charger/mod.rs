//! Where the wire meets the domain: the listener and handshake, one actor per connected
//! charger, its handle and the registry, and the per-version adapters.

pub mod actor;
pub mod authorize;
pub mod boot;
pub mod boot_state;
pub mod certificates;
pub mod context;
pub mod credentials;
pub mod data_transfer;
pub mod handle;
pub mod handshake;
pub mod id_info;
pub mod identity;
pub mod inbound;
pub mod journal;
pub mod listener;
pub mod local_list;
mod lost;
pub mod outbound;
pub mod pending;
pub mod registry;
pub mod replay;
pub mod rewind;
pub mod security_profile;
mod v16;
mod v201;

pub use handle::{CallError, ChargerHandle, CloseReason};
pub use registry::Registry;
