//! The storage seam on [`SqlStore`]: [`Store`], [`Resources`], [`NotifyStore`],
//! [`PncStore`] and [`LocalListStore`], each method one operation of this module's
//! siblings run on the store's engine — `read_op` on a read connection, `write_op` in
//! one transaction (SQLite's group commit, PostgreSQL's retried transaction).
//!
//! The traits are declared here, with their one implementation: `seam!` writes the
//! trait and its `impl` for [`SqlStore`] from one entry per method — its documentation,
//! its signature, the engine step and the operation called with the arguments
//! (borrowed from the owned copies the engine keeps while it runs, so a `u32` reads
//! `*evse`), then optionally what turns the operation's answer into the method's
//! (`=> settle`). Methods that need more than that (the node name, a short cut on
//! SQLite) are written by hand: `declared { ... }` in the trait, `defined { ... }` in
//! the `impl`. The seam stays a table: a new operation is one entry, not a trait
//! method, an `impl` method and their plumbing.

use std::sync::Arc;
use std::time::Duration;

use crate::domain::auth::{AuthorizationRecord, IdTagRecord};
use crate::domain::event::{ChargerEvent, StatusReport};
use crate::domain::password::{PasswordChange, PasswordHash};
use crate::domain::protocol::Protocol;
use crate::domain::tag_group::OpenTransaction;
use crate::domain::{
    BootInfo, MeterSample, Registration, StartTransaction, StopTransaction, TransactionUpdate,
};
use crate::store::local_list::*;
use crate::store::notify::*;
use crate::store::pnc::*;
use crate::store::reports::*;
use crate::store::resources::*;
use crate::store::sql::read::{self, ChargePointRow, SessionRow};
use crate::store::sql::resources::{self as res, settle};
use crate::store::sql::store::{on_engine, SqlStore};
use crate::store::sql::{charger, display, local_list as list, notify, ops, pnc, reports};
use crate::store::{ChargerRecord, Standing, StopOutcome, StoreError};

/// An argument as the engine keeps it while the operation runs: borrowed text is
/// copied, owned values move.
pub(crate) trait Own {
    type Owned: Send + Sync + 'static;
    fn own(self) -> Self::Owned;
}

impl Own for &str {
    type Owned = String;
    fn own(self) -> String {
        self.to_owned()
    }
}

macro_rules! owned {
    ($($t:ty),* $(,)?) => {$(
        impl Own for $t {
            type Owned = $t;
            fn own(self) -> $t {
                self
            }
        }
    )*};
}
owned!(
    i32, i64, u8, u32, u64, bool, f64, String, Option<String>, Option<i64>, Vec<MeterSample>,
    Option<PasswordHash>, ChargerRecord, Registration, BootInfo, StatusReport,
    StartTransaction, StopTransaction, TransactionUpdate, PasswordChange, AuthorizationRecord,
    ChargerEvent, ChargePointFilter, Page, NewChargePoint, ChargePointPatch, EvseFilter,
    Window, SessionFilter, IdTagFilter, NewIdTag, IdTagPatch, AuthorizationFilter,
    ReservationFilter, SecurityEventFilter, Vec<ConfigurationEntry>, serde_json::Value,
    serde_json::Map<String, serde_json::Value>, ProfileCriteria, NewReservation,
    SubscriptionSpec, ResendFilter, Settlement, EventStatus, NewProvisioning,
    ProvisioningPatch, NewContract, ListSupport, ListLimits, Option<f64>, [Option<f64>; 3],
    CircuitFilter, CircuitSpec, CircuitPatch, SocPriorities, UserPrioritySpec,
    UserPriorityPatch, MeterSpec, MeterPatch, MeterReport, PowerOptionsPatch, PowerOptions,
    Vec<LoadHeld>,
);

/// Writes a trait of the seam and its `impl` for [`SqlStore`] (or methods of
/// `SqlStore` itself); see the module documentation. The
/// methods are written out in each arm (not by a recursive call) because
/// `#[async_trait]` rewrites them before any macro inside the `impl` would expand.
macro_rules! seam {
    (@then $v:ident) => { $v };
    (@then $v:ident $post:expr) => { ($post)($v) };
    (impl SqlStore {
        $($(#[$a:meta])* $op:ident fn $name:ident ($($arg:ident: $ty:ty),* $(,)?) -> $ret:ty
            = |$db:ident| $call:expr $(=> $post:expr)?;)*
    }) => {
        impl SqlStore {$(
            $(#[$a])*
            pub async fn $name(&self, $($arg: $ty),*) -> $ret {
                let done = on_engine!(self, $op, ($(Own::own($arg),)*),
                    |$db, ($($arg,)*)| $call);
                seam!(@then done $($post)?)
            }
        )*}
    };
    ($(#[$tm:meta])* pub trait $trait:ident {
        $($(#[$a:meta])* $op:ident fn $name:ident ($($arg:ident: $ty:ty),* $(,)?) -> $ret:ty
            = |$db:ident| $call:expr $(=> $post:expr)?;)*
    } $(declared { $($decl:tt)* } defined { $($def:tt)* })?) => {
        $(#[$tm])*
        #[async_trait::async_trait]
        pub trait $trait: Send + Sync + 'static {
            $($(#[$a])* async fn $name(&self, $($arg: $ty),*) -> $ret;)*
            $($($decl)*)?
        }
        #[async_trait::async_trait]
        impl $trait for SqlStore {
            $(async fn $name(&self, $($arg: $ty),*) -> $ret {
                let done = on_engine!(self, $op, ($(Own::own($arg),)*),
                    |$db, ($($arg,)*)| $call);
                seam!(@then done $($post)?)
            })*
            $($($def)*)?
        }
    };
}

/// A row the method must find.
fn found<T>(r: Result<Option<T>, StoreError>) -> Result<T, ResourceError> {
    r?.ok_or(ResourceError::NotFound)
}

/// A row the method must delete.
fn deleted(r: Result<bool, StoreError>) -> Result<(), ResourceError> {
    r?.then_some(()).ok_or(ResourceError::NotFound)
}

/// An operation that may refuse.
fn flat<T>(r: Result<Result<T, ResourceError>, StoreError>) -> Result<T, ResourceError> {
    r?
}

type R<T> = Result<T, StoreError>;
type Refusable<T> = Result<T, ResourceError>;

// After the macro: the tables of the other traits use it.
mod features;
mod load;
mod resources;

pub use features::{LocalListStore, NotifyStore, PncStore, ReportStore};
pub use load::LoadStore;
pub use resources::Resources;

seam! { impl SqlStore {
    /// A charge point by its OCPP identity.
    read_op fn charge_point_by_identity(identity: &str) -> R<Option<ChargePointRow>>
        = |db| read::charge_point_by_identity(db, identity);
    /// An EVSE's hardware status (the OCPP EVSE id, or the 1.6 connector id).
    read_op fn evse_status(identity: &str, evse: u32) -> R<Option<String>>
        = |db| read::evse_status(db, identity, *evse);
    /// A charger's sessions, oldest first.
    read_op fn sessions_of(identity: &str) -> R<Vec<SessionRow>>
        = |db| read::sessions_of(db, identity);
    /// How many rows a table holds (for operators' checks and tests).
    read_op fn count(table: &str) -> R<i64> = |db| read::count(db, table);
    /// Meter samples stored for a charger.
    read_op fn meter_value_count(identity: &str) -> R<i64>
        = |db| read::meter_value_count(db, identity);
}}

seam! {
/// The storage seam. Every method commits before it returns.
pub trait Store {
    /// The charger with this identity, if known.
    read_op fn charger(identity: &str) -> R<Option<ChargerRecord>>
        = |db| charger::charger(db, identity);
    /// Adds a charger (config seeds and auto-registration); an existing one is kept.
    write_op fn upsert_charger(record: ChargerRecord) -> R<()>
        = |db| ops::charger::upsert_charger(db, record);
    /// Adds a charger like [`Store::upsert_charger`] with this registration, in one
    /// transaction (auto-registration held Pending).
    write_op fn register(record: ChargerRecord, registration: Registration) -> R<()>
        = |db| ops::charger::register(db, record, *registration);
    /// What decides the answer to the charger's BootNotification (None: unknown).
    read_op fn standing(identity: &str) -> R<Option<Standing>>
        = |db| charger::standing(db, identity);
    write_op fn record_boot(identity: &str, boot: BootInfo) -> R<()>
        = |db| ops::charger::record_boot(db, identity, boot);
    write_op fn record_status(identity: &str, report: StatusReport) -> R<()>
        = |db| ops::charger::record_status(db, identity, report);
    /// Starts (or, for a repeat of the same start, finds) a 1.6 transaction; returns its id.
    write_op fn start_transaction(identity: &str, start: StartTransaction) -> R<i32>
        = |db| ops::sessions::start_transaction(db, identity, start);
    write_op fn stop_transaction(identity: &str, stop: StopTransaction) -> R<StopOutcome>
        = |db| ops::sessions::stop_transaction(db, identity, stop);
    /// The transaction ids of the sessions open on `evse` since before the charger's
    /// latest boot (a 2.0.1 station is asked about them with GetTransactionStatus).
    read_op fn doubtful_transactions(identity: &str, evse: u32) -> R<Vec<String>>
        = |db| ops::reconcile::doubtful_transactions(db, identity, *evse);
    /// The charger said the transaction is over with nothing queued: its session, if
    /// open, ends `expired` (reason `reboot`); false when it was not open.
    write_op fn close_forgotten_transaction(identity: &str, transaction_id: &str) -> R<bool>
        = |db| ops::reconcile::close_forgotten_transaction(db, identity, transaction_id);
    /// Ends an open (or pending) session of this charger on the operator's word, whatever
    /// the charger answered (a stop with `force`); false when it was not open.
    write_op fn force_stop_session(identity: &str, session: i64) -> R<bool>
        = |db| ops::reconcile::force_stop(db, identity, *session);
    write_op fn record_meter_values(
        identity: &str, connector: u32, transaction_id: Option<String>, samples: Vec<MeterSample>,
    ) -> R<()>
        = |db| ops::sessions::record_meter_values(
            db, identity, *connector, transaction_id.as_deref(), samples);
    write_op fn transaction_event(identity: &str, update: TransactionUpdate) -> R<()>
        = |db| ops::sessions::transaction_event(db, identity, update);
    /// Replaces the charger's password (`None`: no password); forgets pending ones.
    write_op fn set_password(identity: &str, password: Option<PasswordHash>) -> R<()>
        = |db| ops::charger::set_password(db, identity, password.as_ref());
    /// The profile the operator wants the charger on.
    write_op fn set_desired_profile(identity: &str, profile: u8) -> R<()>
        = |db| ops::charger::set_desired_profile(db, identity, Some(*profile));
    /// Stages, withdraws or promotes a password sent to the charger.
    write_op fn change_password(identity: &str, change: PasswordChange) -> R<()>
        = |db| ops::charger::change_password(db, identity, change);
    /// Forgets the profile the charger reached and the desired floor: its next
    /// connection, whatever its profile, is accepted and sets the current one.
    write_op fn reset_security_profile(identity: &str) -> R<()>
        = |db| ops::charger::reset_security_profile(db, identity);
    /// The charger reached security `profile` (a higher one than before).
    write_op fn set_security_profile(identity: &str, profile: u8) -> R<()>
        = |db| ops::charger::set_security_profile(db, identity, *profile);
    /// The id tag with this uid, if the gateway holds it.
    read_op fn id_tag(uid: &str) -> R<Option<IdTagRecord>> = |db| charger::id_tag(db, uid);
    /// The id tags of the user `user_id` (at most a hundred).
    read_op fn user_id_tags(user_id: i64) -> R<Vec<IdTagRecord>>
        = |db| charger::user_id_tags(db, *user_id);
    /// The sessions with `id_tag` that are running or waiting for a remote start (at
    /// most fifty).
    read_op fn tag_transactions(id_tag: &str) -> R<Vec<OpenTransaction>>
        = |db| charger::tag_transactions(db, id_tag);
    write_op fn record_authorization(identity: &str, record: AuthorizationRecord) -> R<()>
        = |db| ops::record::record_authorization(db, identity, record);
    /// Something else the charger reported (security events, firmware, diagnostics and
    /// log status, data transfers, reservation updates).
    write_op fn record_event(identity: &str, event: ChargerEvent) -> R<()>
        = |db| ops::record::record_event(db, identity, event);
    /// The platform's latest running cost of session `session` (`cost-updated`).
    write_op fn set_session_cost(session: i64, total_cost: f64) -> R<()>
        = |db| ops::cost::set_session_cost(db, *session, *total_cost);
    /// The last known cost of the charger's transaction, for its TransactionEventResponse.
    read_op fn session_cost(identity: &str, transaction_id: &str) -> R<Option<f64>>
        = |db| ops::cost::session_cost(db, identity, transaction_id);
} declared {
    /// Connection `generation` of the charger began (with this version) or ended. An end
    /// older than the latest beginning is ignored: a stale socket's cleanup never marks a
    /// reconnected charger offline.
    async fn set_connected(
        &self, identity: &str, version: Option<Protocol>, generation: u64,
    ) -> R<()>;
    /// The subscriptions and outbox of this store, if it keeps them.
    fn notifications(self: Arc<Self>) -> Option<Arc<dyn NotifyStore>>;
    /// The Plug & Charge certificates of this store, if it keeps them.
    fn pnc(self: Arc<Self>) -> Option<Arc<dyn PncStore>>;
    /// The local authorization lists of this store, if it keeps them.
    fn local_lists(self: Arc<Self>) -> Option<Arc<dyn LocalListStore>>;
    /// The multi-part reports, device events and firmware statuses of this store, if it
    /// keeps them.
    fn reports(self: Arc<Self>) -> Option<Arc<dyn ReportStore>>;
    /// The circuits, meters and priorities of load management of this store, if it keeps
    /// them.
    fn load(self: Arc<Self>) -> Option<Arc<dyn LoadStore>>;
} defined {
    async fn set_connected(
        &self, identity: &str, version: Option<Protocol>, generation: u64,
    ) -> R<()> {
        let args = (self.cluster_node(), identity.to_owned());
        on_engine!(self, write_op, args, |db, (node, identity)| {
            ops::charger::set_connected(db, node.as_deref(), identity, version, generation)
        })
    }
    fn notifications(self: Arc<Self>) -> Option<Arc<dyn NotifyStore>> {
        Some(self)
    }
    fn pnc(self: Arc<Self>) -> Option<Arc<dyn PncStore>> {
        Some(self)
    }
    fn local_lists(self: Arc<Self>) -> Option<Arc<dyn LocalListStore>> {
        Some(self)
    }
    fn reports(self: Arc<Self>) -> Option<Arc<dyn ReportStore>> {
        Some(self)
    }
    fn load(self: Arc<Self>) -> Option<Arc<dyn LoadStore>> {
        Some(self)
    }
}}
