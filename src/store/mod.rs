//! The storage seam: everything chargers report lands here before they get an answer,
//! and the API reads and writes its resources here. The traits ([`Store`],
//! [`Resources`], [`NotifyStore`], [`pnc::PncStore`], [`LocalListStore`]) and their
//! rows are this module's; [`SqlStore`] (`sql/`) implements every one of them once,
//! over either engine:
//!
//! - `sql/` — the operations, each an `async fn` over the [`sql::Db`] executor seam
//!   (`exec`, `one`, `opt`, `all`; parameters by [`sql::Param`], cells read by index),
//!   with SQL written once in the subset both engines speak; `sql/dialect.rs` holds the
//!   few real differences (scalar `MAX`/`GREATEST`, row and advisory locks, byte-wise
//!   collation, the cluster's queue leases) and rewrites `?N` placeholders to `$N`.
//! - `sqlite/` — the embedded engine: the writer thread and its group commit (one
//!   fsync per batch), a pool of read-only connections, the schema. SQLite's futures
//!   never wait, so the writer thread polls each operation to its end.
//! - `postgres/` — the shared engine of cluster mode: the pool, the transaction retried
//!   on serialization failures and deadlocks, the schema, and the nodes' bookkeeping.
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
pub mod resources;
pub mod sql;
pub mod sqlite;

use std::sync::Arc;

use async_trait::async_trait;

use crate::domain::auth::{AuthorizationRecord, IdTagRecord};
use crate::domain::event::{ChargerEvent, StatusReport};
use crate::domain::password::PasswordHash;
use crate::domain::protocol::Protocol;
use crate::domain::tag_group::OpenTransaction;
use crate::domain::{
    BootInfo, MeterSample, Registration, StartTransaction, StopTransaction, TransactionUpdate,
};

pub use local_list::LocalListStore;
pub use notify::NotifyStore;
pub use resources::{ResourceError, Resources};
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

/// The storage seam. Every method commits before it returns.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// The charger with this identity, if known.
    async fn charger(&self, identity: &str) -> Result<Option<ChargerRecord>, StoreError>;
    /// Adds a charger (config seeds and auto-registration); an existing one is kept.
    async fn upsert_charger(&self, record: ChargerRecord) -> Result<(), StoreError>;
    /// Adds a charger like [`Store::upsert_charger`] with this registration, in one
    /// transaction (auto-registration held Pending).
    async fn register(
        &self,
        record: ChargerRecord,
        registration: Registration,
    ) -> Result<(), StoreError>;
    /// What decides the answer to the charger's BootNotification (None: unknown).
    async fn standing(&self, identity: &str) -> Result<Option<Standing>, StoreError>;
    /// Connection `generation` of the charger began (with this version) or ended. An end
    /// older than the latest beginning is ignored: a stale socket's cleanup never marks a
    /// reconnected charger offline.
    async fn set_connected(
        &self,
        identity: &str,
        version: Option<Protocol>,
        generation: u64,
    ) -> Result<(), StoreError>;
    async fn record_boot(&self, identity: &str, boot: BootInfo) -> Result<(), StoreError>;
    async fn record_status(&self, identity: &str, report: StatusReport) -> Result<(), StoreError>;
    /// Starts (or, for a repeat of the same start, finds) a 1.6 transaction; returns its id.
    async fn start_transaction(
        &self,
        identity: &str,
        start: StartTransaction,
    ) -> Result<i32, StoreError>;
    async fn stop_transaction(
        &self,
        identity: &str,
        stop: StopTransaction,
    ) -> Result<StopOutcome, StoreError>;
    async fn record_meter_values(
        &self,
        identity: &str,
        connector: u32,
        transaction_id: Option<String>,
        samples: Vec<MeterSample>,
    ) -> Result<(), StoreError>;
    async fn transaction_event(
        &self,
        identity: &str,
        update: TransactionUpdate,
    ) -> Result<(), StoreError>;
    /// Ends an open (or pending) session of this charger on the operator's word, whatever
    /// the charger answered (a stop with `force`); false when it was not open.
    async fn force_stop_session(&self, identity: &str, session: i64) -> Result<bool, StoreError>;
    /// The transaction ids of the sessions open on `evse` since before the charger's
    /// latest boot (a 2.0.1 station is asked about them with GetTransactionStatus).
    async fn doubtful_transactions(
        &self,
        identity: &str,
        evse: u32,
    ) -> Result<Vec<String>, StoreError>;
    /// The charger said the transaction is over with nothing queued: its session, if
    /// open, ends `expired` (reason `reboot`); false when it was not open.
    async fn close_forgotten_transaction(
        &self,
        identity: &str,
        transaction_id: &str,
    ) -> Result<bool, StoreError>;
    /// Replaces the charger's password (`None`: no password); forgets pending ones.
    async fn set_password(
        &self,
        identity: &str,
        password: Option<PasswordHash>,
    ) -> Result<(), StoreError>;
    /// The profile the operator wants the charger on.
    async fn set_desired_profile(&self, identity: &str, profile: u8) -> Result<(), StoreError>;
    /// Stages, withdraws or promotes a password sent to the charger.
    async fn change_password(
        &self,
        identity: &str,
        change: crate::domain::password::PasswordChange,
    ) -> Result<(), StoreError>;
    /// Forgets the profile the charger reached and the desired floor: its next
    /// connection, whatever its profile, is accepted and sets the current one.
    async fn reset_security_profile(&self, identity: &str) -> Result<(), StoreError>;
    /// The charger reached security `profile` (a higher one than before).
    async fn set_security_profile(&self, identity: &str, profile: u8) -> Result<(), StoreError>;
    /// The id tag with this uid, if the gateway holds it.
    async fn id_tag(&self, uid: &str) -> Result<Option<IdTagRecord>, StoreError>;
    /// The id tags of the user `user_id` (at most a hundred).
    async fn user_id_tags(&self, user_id: i64) -> Result<Vec<IdTagRecord>, StoreError>;
    /// The sessions with `id_tag` that are running or waiting for a remote start (at
    /// most fifty).
    async fn tag_transactions(&self, id_tag: &str) -> Result<Vec<OpenTransaction>, StoreError>;
    async fn record_authorization(
        &self,
        identity: &str,
        record: AuthorizationRecord,
    ) -> Result<(), StoreError>;
    /// Something else the charger reported (security events, firmware, diagnostics and
    /// log status, data transfers, reservation updates).
    async fn record_event(&self, identity: &str, event: ChargerEvent) -> Result<(), StoreError>;
    /// The platform's latest running cost of session `session` (`cost-updated`).
    async fn set_session_cost(&self, session: i64, total_cost: f64) -> Result<(), StoreError>;
    /// The last known cost of the charger's transaction, for its TransactionEventResponse.
    async fn session_cost(
        &self,
        identity: &str,
        transaction_id: &str,
    ) -> Result<Option<f64>, StoreError>;
    /// The subscriptions and outbox of this store, if it keeps them.
    fn notifications(self: Arc<Self>) -> Option<Arc<dyn NotifyStore>> {
        None
    }
    /// The Plug & Charge certificates of this store, if it keeps them.
    fn pnc(self: Arc<Self>) -> Option<Arc<dyn pnc::PncStore>> {
        None
    }
    /// The local authorization lists of this store, if it keeps them.
    fn local_lists(self: Arc<Self>) -> Option<Arc<dyn LocalListStore>> {
        None
    }
}
