//! The write operations charger messages cause, by concern: charge points, sessions
//! (with their figures and the reconciliation of sessions a charger lost), records, and
//! the sessions' running cost.

pub mod charger;
pub mod cost;
pub mod figures;
pub mod reconcile;
pub mod record;
pub mod sessions;
