//! Charger credentials, TLS, the charger CA, trusted proxies and where the gateway's
//! own outgoing requests may go.

pub mod address;
pub mod certs;
pub mod pnc_pki;
pub mod proxy;
pub mod tls;

pub use crate::domain::password::{self, PasswordChange, PasswordHash};
