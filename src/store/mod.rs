//! The storage seam: everything chargers report lands here before they get an answer,
//! and the API reads and writes its resources here. The rows are this module's
//! (`resources`, `notify`, `pnc`, `local_list`, and the charger's records here); the
//! traits ([`Store`], [`Resources`], [`NotifyStore`], [`PncStore`], [`LocalListStore`])
//! are declared with their one implementation, [`SqlStore`], in `sql/seam.rs`: one entry
//! per method (documentation, signature, the operation it runs), over either engine:
//!
//! - `sql/` — the seam's table (`seam.rs`), the schema written once (`schema.rs`, in
//!   PostgreSQL's types, translated for SQLite), and the operations, each an `async fn`
//!   over the [`sql::Db`] executor seam
//!   (`exec`, `one`, `opt`, `all`; parameters by [`sql::Param`], cells read by index),
//!   with SQL written once in the subset both engines speak; `sql/dialect.rs` holds the
//!   few real differences (scalar `MAX`/`GREATEST`, row and advisory locks, byte-wise
//!   collation, the cluster's queue leases) and rewrites `?N` placeholders to `$N`.
//! - `sqlite/` — the embedded engine: the writer thread and its group commit (one
//!   fsync per batch), a pool of read-only connections, applying the schema's steps. SQLite's futures
//!   never wait, so the writer thread polls each operation to its end.
//! - `postgres/` — the shared engine of cluster mode: the pool, the transaction retried
//!   on serialization failures and deadlocks, applying the schema's steps (with the
//!   cluster's own), and the nodes' bookkeeping.
//!
//! Crates considered for the seam, and why they were not taken:
//! - **sqlx** (its `Any` driver): one API over both engines, but it runs SQLite through
//!   a worker per connection and commits per statement or transaction, so the writer
//!   thread's group commit — what carries MeterValues from tens of thousands of chargers
//!   at one fsync per batch (see `BENCHMARKS.md`, the store benchmark) — would go; and it
//!   translates neither placeholders nor dialect, so the statements would still differ.
//! - **sea-query**: builds statement text per dialect, which is the part already shared
//!   here (plain SQL, written once); the executors and row reading, which were the
//!   duplicated part, would remain. Its builder also hides the statements that an
//!   operator reads in the code when a query misbehaves.
//! - **diesel** (with diesel-async): its async side has no SQLite driver, and its schema
//!   DSL would replace plain statements with generated types for two engines whose
//!   column types differ (SQLite's `INTEGER` booleans, PostgreSQL's `BOOLEAN`).
//!
//! The drivers stay `rusqlite` and `tokio-postgres` (with `deadpool-postgres`), and the
//! seam between them is ~560 lines of this crate (`sql/db.rs`, `sqlite/db.rs`,
//! `postgres/db.rs`). The store benchmark before and after the change is in
//! `BENCHMARKS.md`.

pub mod display;
pub mod local_list;
pub mod notify;
pub mod pnc;
pub mod postgres;
pub mod reports;
pub mod resources;
pub mod sql;
pub mod sqlite;

use crate::domain::password::PasswordHash;
use crate::domain::Registration;

pub use resources::ResourceError;
pub use sql::seam::{
    LoadStore, LocalListStore, NotifyStore, PncStore, ReportStore, Resources, Store,
};
pub use sql::store::SqlStore;

/// What a BootNotification's answer depends on: the registration and the API's
/// system status (`enabled`, `disabled`, ...).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Standing {
    pub registration: Registration,
    pub system_status: String,
}

/// A charger the gateway knows.
#[derive(Clone, Debug)]
pub struct ChargerRecord {
    pub identity: String,
    pub password: Option<PasswordHash>,
    pub strict: bool,
    /// The security profile the charger has reached; it is never accepted below it.
    pub security_profile: u8,
    /// Passwords sent to the charger whose use is pending: each is admitted like the
    /// current one until the charger connects with one of them.
    pub pending_passwords: Vec<PasswordHash>,
    /// The profile the operator wants: a floor, like the reached one, from when it is set.
    pub desired_profile: u8,
}

impl ChargerRecord {
    /// The lowest security profile this charger is accepted on.
    pub fn floor(&self) -> u8 {
        self.security_profile.max(self.desired_profile)
    }
}

/// What a StopTransaction found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StopOutcome {
    Stopped,
    /// Stopped before (a repeat): nothing changed.
    AlreadyStopped,
    /// No such transaction: recorded as an orphan stop, still accepted.
    Unknown,
}

/// The error beneath a [`StoreError`] (the driver's, most often).
pub type ErrorSource = std::sync::Arc<dyn std::error::Error + Send + Sync>;

/// A store that could not do what was asked: what it was doing, and the error beneath.
#[derive(Clone, Debug, thiserror::Error)]
pub enum StoreError {
    /// The store is unwell (unreachable, full, corrupt, ...); the caller may try later.
    #[error("store unavailable: {message}")]
    Unavailable {
        message: String,
        #[source]
        source: Option<ErrorSource>,
    },
    /// The write contradicts the stored state (a constraint refused it).
    #[error("conflict: {message}")]
    Conflict {
        message: String,
        #[source]
        source: Option<ErrorSource>,
    },
}

impl StoreError {
    /// The store is unwell: `message` says how.
    pub fn unavailable(message: impl Into<String>) -> StoreError {
        StoreError::Unavailable {
            message: message.into(),
            source: None,
        }
    }

    /// A write the stored state refuses.
    pub fn conflict(message: impl Into<String>) -> StoreError {
        StoreError::Conflict {
            message: message.into(),
            source: None,
        }
    }

    /// The same error, caused by `source`.
    pub fn caused_by(self, e: impl std::error::Error + Send + Sync + 'static) -> StoreError {
        let source = Some(std::sync::Arc::new(e) as ErrorSource);
        match self {
            StoreError::Unavailable { message, .. } => StoreError::Unavailable { message, source },
            StoreError::Conflict { message, .. } => StoreError::Conflict { message, source },
        }
    }

    /// What the store was doing when it failed.
    pub fn message(&self) -> &str {
        match self {
            StoreError::Unavailable { message, .. } | StoreError::Conflict { message, .. } => {
                message
            }
        }
    }
}
