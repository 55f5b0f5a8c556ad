//! Charger credentials (and, later, TLS and the charger CA).

pub mod certs;
pub mod password;
pub mod proxy;
pub mod tls;

pub use password::{PasswordChange, PasswordHash};
