//! Charger credentials (and, later, TLS and the charger CA).

pub mod password;

pub use password::PasswordHash;
