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
use crate::store::sql::{charger, local_list as list, notify, ops, pnc, reports};
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
    i32, i64, u8, u32, u64, bool, String, Option<String>, Option<i64>, Vec<MeterSample>,
    Option<PasswordHash>, ChargerRecord, Registration, BootInfo, StatusReport,
    StartTransaction, StopTransaction, TransactionUpdate, PasswordChange, AuthorizationRecord,
    ChargerEvent, ChargePointFilter, Page, NewChargePoint, ChargePointPatch, EvseFilter,
    Window, SessionFilter, IdTagFilter, NewIdTag, IdTagPatch, AuthorizationFilter,
    ReservationFilter, SecurityEventFilter, Vec<ConfigurationEntry>, serde_json::Value,
    serde_json::Map<String, serde_json::Value>, ProfileCriteria, NewReservation,
    SubscriptionSpec, ResendFilter, Settlement, EventStatus, NewProvisioning,
    ProvisioningPatch, NewContract, ListSupport, ListLimits,
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
}}

seam! {
/// Everything the northbound resources API reads and writes. Lists return at most
/// `page.limit` rows in id order.
pub trait Resources {
    /// Charge points by id.
    read_op fn charge_points(filter: ChargePointFilter, page: Page) -> R<Vec<ChargePointView>>
        = |db| res::charge_point::list(db, filter, *page);
    /// One charge point.
    read_op fn charge_point(id: i64) -> R<Option<ChargePointView>>
        = |db| res::charge_point::get(db, *id);
    /// Adds a charge point; a taken identity is `Duplicate("network.id")`.
    write_op fn create_charge_point(new: NewChargePoint) -> Refusable<ChargePointView>
        = |db| res::charge_point::create(db, new) => settle;
    /// Changes a charge point; a taken identity is `Duplicate("network.id")`.
    write_op fn update_charge_point(id: i64, patch: ChargePointPatch) -> Refusable<ChargePointView>
        = |db| res::charge_point::update(db, *id, patch) => settle;
    /// Deletes the charge point and everything it reported; returns its identity.
    write_op fn delete_charge_point(id: i64) -> Refusable<String>
        = |db| res::charge_point::delete(db, *id) => found;
    /// EVSEs (never the 1.6 connector 0) with their connectors.
    read_op fn evses(filter: EvseFilter, page: Page) -> R<Vec<EvseView>>
        = |db| res::evse::list(db, filter, *page);
    /// One EVSE by its own id.
    read_op fn evse(id: i64) -> R<Option<EvseView>> = |db| res::evse::get(db, *id);
    /// A charge point's hardware status reports, oldest first.
    read_op fn hardware_status_logs(
        charge_point_id: i64, created: Window, page: Page,
    ) -> R<Vec<HardwareStatusLogView>>
        = |db| res::evse::hardware_logs(db, *charge_point_id, created, *page);
    /// A charge point's last hardware status report.
    read_op fn latest_hardware_status_log(charge_point_id: i64) -> R<Option<HardwareStatusLogView>>
        = |db| res::evse::latest_hardware_log(db, *charge_point_id);
    /// A charge point's link changes, oldest first.
    read_op fn network_status_logs(
        charge_point_id: i64, created: Window, page: Page,
    ) -> R<Vec<NetworkStatusLogView>>
        = |db| res::evse::network_logs(db, *charge_point_id, created, *page);
    /// A charge point's last link change.
    read_op fn latest_network_status_log(charge_point_id: i64) -> R<Option<NetworkStatusLogView>>
        = |db| res::evse::latest_network_log(db, *charge_point_id);
    /// The configuration snapshot of a charge point (one key, or all by key).
    read_op fn configurations(
        charge_point_id: i64, key: Option<String>,
    ) -> R<Vec<ConfigurationView>>
        = |db| res::evse::configurations(db, *charge_point_id, key.as_deref());
    /// Sessions by id.
    read_op fn sessions(filter: SessionFilter, page: Page) -> R<Vec<SessionView>>
        = |db| res::session::list(db, filter, *page);
    /// One session.
    read_op fn session(id: i64) -> R<Option<SessionView>> = |db| res::session::get(db, *id);
    /// Id tags by id.
    read_op fn id_tags(filter: IdTagFilter, page: Page) -> R<Vec<IdTagView>>
        = |db| res::id_tag::list(db, filter, *page);
    /// One id tag.
    read_op fn id_tag(id: i64) -> R<Option<IdTagView>> = |db| res::id_tag::get(db, *id);
    /// Adds an id tag; a taken uid is `Duplicate("idTagUid")`.
    write_op fn create_id_tag(new: NewIdTag) -> Refusable<IdTagView>
        = |db| res::id_tag::create(db, new) => settle;
    /// Changes an id tag; a taken uid is `Duplicate("idTagUid")`.
    write_op fn update_id_tag(id: i64, patch: IdTagPatch) -> Refusable<IdTagView>
        = |db| res::id_tag::update(db, *id, patch) => settle;
    /// Deletes an id tag.
    write_op fn delete_id_tag(id: i64) -> Refusable<()>
        = |db| res::id_tag::delete(db, *id) => deleted;
    /// Authorizations by id.
    read_op fn authorizations(filter: AuthorizationFilter, page: Page) -> R<Vec<AuthorizationView>>
        = |db| res::activity::authorizations(db, filter, *page);
    /// One authorization.
    read_op fn authorization(id: i64) -> R<Option<AuthorizationView>>
        = |db| res::activity::authorization(db, *id);
    /// One page by offset (the reference pages reservations by number) and the total.
    read_op fn reservations(
        filter: ReservationFilter, offset: u64, limit: u32,
    ) -> R<(Vec<ReservationView>, u64)>
        = |db| res::activity::reservations(db, filter, *offset, *limit);
    /// One reservation.
    read_op fn reservation(id: i64) -> R<Option<ReservationView>>
        = |db| res::activity::reservation(db, *id);
    /// Security events by id.
    read_op fn security_events(filter: SecurityEventFilter, page: Page) -> R<Vec<SecurityEventView>>
        = |db| res::activity::security_events(db, filter, *page);
    /// One security event.
    read_op fn security_event(id: i64) -> R<Option<SecurityEventView>>
        = |db| res::activity::security_event(db, *id);
    /// Allocates an id for an action whose results arrive later (`kind`: `log`,
    /// `firmware`, `configuration`, ...).
    write_op fn new_request_id(charge_point_id: i64, kind: &str) -> R<i64>
        = |db| res::action::new_request_id(db, *charge_point_id, kind);
    /// A `pending` session for a remote start; its id is also the remote start id.
    write_op fn create_pending_session(
        charge_point_id: i64, evse_network_id: Option<i64>, id_tag: String,
    ) -> R<i64>
        = |db| res::action::create_pending_session(db, *charge_point_id, *evse_network_id, id_tag);
    /// Marks a pending session `failed` (the charger refused to start it).
    write_op fn fail_pending_session(id: i64, reason: String) -> R<()>
        = |db| res::action::fail_pending_session(db, *id, reason);
    /// The charger's transaction id of a session, when it has one.
    read_op fn session_transaction_id(id: i64) -> R<Option<String>>
        = |db| res::action::session_transaction_id(db, *id);
    /// Stores configuration entries a charger reported (`replace`: the snapshot is
    /// complete, keys not in it are dropped) and emits the sync notification.
    write_op fn store_configuration(
        charge_point_id: i64,
        request_id: Option<i64>,
        entries: Vec<ConfigurationEntry>,
        replace: bool,
    ) -> R<()>
        = |db| res::action::store_configuration(
            db, *charge_point_id, *request_id, entries, *replace);
    /// Records a configuration value the charger accepted.
    write_op fn set_configuration_value(charge_point_id: i64, key: String, value: String) -> R<()>
        = |db| res::action::set_configuration_value(db, *charge_point_id, key, value);
    /// Allocates a charging profile id (and schedule id, the same number) for a profile
    /// about to be sent; `body` is the profile as the platform gave it.
    write_op fn new_charging_profile(
        charge_point_id: i64,
        evse_network_id: i64,
        purpose: String,
        stack_level: i64,
        body: serde_json::Value,
    ) -> R<i64>
        = |db| res::action::new_charging_profile(
            db, *charge_point_id, *evse_network_id, purpose, *stack_level, body);
    /// Marks a profile applied (or refused) and, when applied, emits
    /// `chargingProfile.applied` with `profile` as its `chargingProfile`.
    write_op fn charging_profile_outcome(
        id: i64,
        applied: bool,
        session_id: Option<i64>,
        profile: serde_json::Map<String, serde_json::Value>,
    ) -> R<()>
        = |db| res::action::charging_profile_outcome(db, *id, *applied, *session_id, profile);
    /// Marks the applied profiles matching every given criterion cleared; returns how many.
    write_op fn clear_charging_profiles(charge_point_id: i64, criteria: ProfileCriteria) -> R<u64>
        = |db| res::action::clear_charging_profiles(db, *charge_point_id, criteria);
    /// A reservation about to be sent (status `pending`).
    write_op fn create_reservation(new: NewReservation) -> R<i64>
        = |db| res::action::create_reservation(db, new);
    /// A reservation's new status (`active`, `canceled`, `rejected`), with
    /// `reservation.changed` when the platform has a name for it.
    write_op fn set_reservation_status(id: i64, status: String) -> R<()>
        = |db| res::action::set_reservation_status(db, *id, status);
}}

seam! {
/// Subscriptions and the outbox. Every method commits before it returns.
pub trait NotifyStore {
    /// Stores a subscription made with the token whose SHA-256 (hex) is `token_sha256`.
    write_op fn create_subscription(spec: SubscriptionSpec, token_sha256: String) -> R<Subscription>
        = |db| notify::create_subscription(db, spec, token_sha256);
    /// Subscriptions by id, after `after`, at most `limit`.
    read_op fn subscriptions(after: Option<i64>, limit: u32) -> R<Vec<Subscription>>
        = |db| notify::subscriptions(db, *after, *limit);
    /// One subscription.
    read_op fn subscription(id: i64) -> R<Option<Subscription>>
        = |db| notify::subscription(db, *id);
    /// Replaces what a subscription asks for; None if there is no such subscription.
    write_op fn update_subscription(id: i64, spec: SubscriptionSpec) -> R<Option<Subscription>>
        = |db| notify::update_subscription(db, *id, spec);
    /// Removes a subscription with its events; false if there was none.
    write_op fn delete_subscription(id: i64) -> R<bool> = |db| notify::delete_subscription(db, *id);
    /// Puts a subscription's failed events matching `filter` back to pending, unless the
    /// last resend was after `not_after` (then [`ResendOutcome::TooSoon`]).
    write_op fn resend_failed(
        id: i64, filter: ResendFilter, now: String, not_after: String,
    ) -> R<ResendOutcome>
        = |db| notify::resend_failed(db, *id, filter, now, not_after);
    /// The oldest pending event of one queue.
    read_op fn queue_head_event(
        subscription_id: i64, charge_point_id: i64,
    ) -> R<Option<OutboxEvent>>
        = |db| notify::queue_head_event(db, *subscription_id, *charge_point_id);
    /// Records how an attempt ended.
    write_op fn settle(event_id: i64, outcome: Settlement) -> R<()>
        = |db| notify::settle(db, *event_id, outcome);
    /// A subscription's events in one state, oldest first, at most `limit`.
    read_op fn outbox_events(
        subscription_id: i64, status: EventStatus, limit: u32,
    ) -> R<Vec<OutboxEvent>>
        = |db| notify::outbox_events(db, *subscription_id, *status, *limit);
    /// How many events wait, and since when.
    read_op fn outbox_depth() -> R<OutboxDepth> = |db| notify::outbox_depth(db);
    /// Deletes up to `limit` events delivered before `before`; returns how many.
    write_op fn prune_delivered(before: String, limit: u32) -> R<u64>
        = |db| notify::prune_delivered(db, before, *limit);
} declared {
    /// The heads of the pending queues, soonest due first, at most `limit`.
    async fn queue_heads(&self, limit: u32) -> R<Vec<QueueHead>>;
    /// Notified after every commit that wrote outbox events.
    fn outbox_signal(&self) -> Arc<tokio::sync::Notify>;
    /// Claims the delivery of one queue for `ttl`; true if this process holds it now (it
    /// was free, its holder's claim ran out, or it was this process's already: then the
    /// claim is renewed). A store that several processes share keeps the claims, so that
    /// each queue has one deliverer at a time; a store of one process needs none.
    async fn claim_queue(&self, subscription_id: i64, charge_point_id: i64, ttl: Duration) -> R<bool>;
    /// Gives up this process's claim on a queue (it is empty, or its head waits for a
    /// retry), so that any process may take it when it is due.
    async fn release_queue(&self, subscription_id: i64, charge_point_id: i64) -> R<()>;
} defined {
    async fn queue_heads(&self, limit: u32) -> R<Vec<QueueHead>> {
        on_engine!(self, read_op, self.cluster_node(), |db, node| {
            notify::queue_heads(db, limit, node.as_deref())
        })
    }
    fn outbox_signal(&self) -> Arc<tokio::sync::Notify> {
        self.signal()
    }
    async fn claim_queue(
        &self, subscription_id: i64, charge_point_id: i64, ttl: Duration,
    ) -> R<bool> {
        // One process delivers every queue: nothing to claim.
        let Some(node) = self.cluster_node() else {
            return Ok(true);
        };
        on_engine!(self, write_op, node, |db, node| {
            notify::claim(db, subscription_id, charge_point_id, node, ttl)
        })
    }
    async fn release_queue(&self, subscription_id: i64, charge_point_id: i64) -> R<()> {
        let Some(node) = self.cluster_node() else {
            return Ok(());
        };
        on_engine!(self, write_op, node, |db, node| {
            notify::release(db, subscription_id, charge_point_id, node)
        })
    }
}}

seam! {
/// The Plug & Charge records: OEM provisioning certificates and the contract
/// certificates issued for them (see `store::pnc`).
pub trait PncStore {
    /// Stores a provisioning certificate; `Duplicate("pcId")` when the PCID is taken.
    write_op fn create_provisioning(new: NewProvisioning) -> Refusable<ProvisioningRecord>
        = |db| pnc::create_provisioning(db, new) => flat;
    /// A page of provisioning certificates by id.
    read_op fn provisionings(page: Page) -> R<Vec<ProvisioningRecord>>
        = |db| pnc::provisionings(db, *page);
    read_op fn provisioning(id: i64) -> R<Option<ProvisioningRecord>>
        = |db| pnc::provisioning(db, *id);
    read_op fn provisioning_by_pc_id(pc_id: &str) -> R<Option<ProvisioningRecord>>
        = |db| pnc::provisioning_by_pc_id(db, pc_id);
    write_op fn update_provisioning(
        id: i64, patch: ProvisioningPatch,
    ) -> Refusable<ProvisioningRecord>
        = |db| pnc::update_provisioning(db, *id, patch) => flat;
    /// Deletes a provisioning certificate and the contracts issued for it.
    write_op fn delete_provisioning(id: i64) -> Refusable<()>
        = |db| pnc::delete_provisioning(db, *id) => deleted;
    /// Records a contract and, in the same transaction, revokes the EMAID's earlier
    /// active contracts: one EMAID has one valid contract certificate at a time.
    write_op fn record_contract(new: NewContract) -> R<ContractRecord>
        = |db| pnc::record_contract(db, new);
    /// The contracts of a provisioning certificate, oldest first.
    read_op fn contracts_of(provisioning_id: i64) -> R<Vec<ContractRecord>>
        = |db| pnc::contracts_of(db, *provisioning_id);
    /// The contracts with this serial number (normally one).
    read_op fn contracts_by_serial(serial: &str) -> R<Vec<ContractRecord>>
        = |db| pnc::contracts_by_serial(db, serial);
    /// The newest contract of an id tag, if any.
    read_op fn contract_of_tag(id_tag_id: i64) -> R<Option<ContractRecord>>
        = |db| pnc::contract_of_tag(db, *id_tag_id);
}}

seam! {
/// The local authorization lists: the id-tag change log and each charger's list
/// state (see `store::local_list`).
pub trait LocalListStore {
    /// The charger's list state (the default for a charger never synced).
    read_op fn list_state(identity: &str) -> R<ListState> = |db| list::list_state(db, identity);
    /// Records what a boot found out about the charger's list.
    write_op fn set_list_support(
        identity: &str, support: ListSupport, limits: ListLimits, status: Option<String>,
    ) -> R<()>
        = |db| list::set_list_support(db, identity, *support, *limits, status.as_deref());
    /// Records an update the charger accepted: its list is now `version`; when the
    /// update is complete, it includes the log up to `cursor` and no full one is needed.
    write_op fn list_accepted(identity: &str, version: i32, complete: Option<i64>) -> R<()>
        = |db| list::list_accepted(db, identity, *version, *complete);
    /// Records that the next update must be a full one, and why.
    write_op fn list_needs_full(identity: &str, status: &str) -> R<()>
        = |db| list::list_needs_full(db, identity, status);
    /// Every tag a full list carries (the API's `rfid` and `mac_address` tags).
    read_op fn list_tags() -> R<ListSnapshot<ListTag>> = |db| list::list_tags(db);
    /// The tags changed after `cursor`, each once, in their current form.
    read_op fn list_changes(cursor: i64) -> R<ListSnapshot<ListChange>>
        = |db| list::list_changes(db, *cursor);
    /// The connected chargers whose list is kept (support `supported`): identity and
    /// protocol.
    read_op fn list_chargers() -> R<Vec<(String, Option<String>)>> = |db| list::list_chargers(db);
}}

seam! {
/// Reports, device events and firmware statuses. Lists return at most `page.limit`
/// rows in id order.
pub trait ReportStore {
    /// Records a request for a report about to be sent (`pending`, no parts; parts that
    /// arrived first are kept). `empty`: the charger answered that nothing matches, so
    /// the report is complete and empty at once, with its notification.
    write_op fn request_report(
        charge_point_id: i64, kind: String, request_id: i64, request: serde_json::Value, empty: bool,
    ) -> R<()>
        = |db| reports::request_report(db, *charge_point_id, kind, *request_id, request, *empty);
    /// Forgets a request the charger refused or never received, unless parts of it
    /// arrived.
    write_op fn drop_report_request(charge_point_id: i64, kind: String, request_id: i64) -> R<()>
        = |db| reports::drop_report_request(db, *charge_point_id, kind, *request_id);
    /// A charge point's reports (of one kind, in one status).
    read_op fn reports(
        charge_point_id: i64, kind: Option<String>, status: Option<String>, page: Page,
    ) -> R<Vec<ReportView>>
        = |db| reports::reports(db, *charge_point_id, kind.as_deref(), status.as_deref(), *page);
    /// A charge point's report for a request id (the latest, should kinds share it).
    read_op fn report(charge_point_id: i64, request_id: i64) -> R<Option<ReportView>>
        = |db| reports::report(db, *charge_point_id, *request_id);
    /// A charge point's device-model events (of one event id).
    read_op fn device_events(
        charge_point_id: i64, event_id: Option<i64>, page: Page,
    ) -> R<Vec<DeviceEventView>>
        = |db| reports::history::device_events(db, *charge_point_id, *event_id, *page);
    /// A charge point's firmware statuses, oldest first.
    read_op fn firmware_statuses(charge_point_id: i64, page: Page) -> R<Vec<FirmwareStatusView>>
        = |db| reports::history::firmware_statuses(db, *charge_point_id, *page);
}}
