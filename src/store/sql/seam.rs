//! The storage seam on [`SqlStore`]: [`Store`], [`Resources`], [`NotifyStore`],
//! [`PncStore`] and [`LocalListStore`], each method one operation of this module's
//! siblings run on the store's engine — `read_op` on a read connection, `write_op` in
//! one transaction (SQLite's group commit, PostgreSQL's retried transaction).
//!
//! [`seam!`] writes an `impl` from one line per method: the signature, the engine step
//! and the operation called with the arguments (borrowed from the owned copies the
//! engine keeps while it runs, so a `u32` reads `*evse`), then optionally what turns
//! the operation's answer into the method's (`=> settle`). Methods that need more than
//! that (the node name, a short cut on SQLite) follow by hand in `also { ... }`.
//! The macro keeps the seam a table: a new operation is one line, not fifteen.

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
use crate::store::resources::*;
use crate::store::sql::read::{self, ChargePointRow, SessionRow};
use crate::store::sql::resources::{self as res, settle};
use crate::store::sql::store::{on_engine, SqlStore};
use crate::store::sql::{charger, display, local_list as list, notify, ops, pnc};
use crate::store::{ChargerRecord, Standing, StopOutcome, Store, StoreError};

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
    ProvisioningPatch, NewContract, ListSupport, ListLimits,
);

/// Writes an `impl` of the seam for [`SqlStore`]; see the module documentation. The
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
                    move |$db, ($($arg,)*)| Box::pin($call));
                seam!(@then done $($post)?)
            }
        )*}
    };
    (impl $trait:ident {
        $($op:ident fn $name:ident ($($arg:ident: $ty:ty),* $(,)?) -> $ret:ty
            = |$db:ident| $call:expr $(=> $post:expr)?;)*
    } $(also { $($also:tt)* })?) => {
        #[async_trait::async_trait]
        impl $trait for SqlStore {
            $(async fn $name(&self, $($arg: $ty),*) -> $ret {
                let done = on_engine!(self, $op, ($(Own::own($arg),)*),
                    move |$db, ($($arg,)*)| Box::pin($call));
                seam!(@then done $($post)?)
            })*
            $($($also)*)?
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

seam! { impl Store {
    read_op fn charger(identity: &str) -> R<Option<ChargerRecord>>
        = |db| charger::charger(db, identity);
    write_op fn upsert_charger(record: ChargerRecord) -> R<()>
        = |db| ops::charger::upsert_charger(db, record);
    write_op fn register(record: ChargerRecord, registration: Registration) -> R<()>
        = |db| ops::charger::register(db, record, *registration);
    read_op fn standing(identity: &str) -> R<Option<Standing>>
        = |db| charger::standing(db, identity);
    write_op fn record_boot(identity: &str, boot: BootInfo) -> R<()>
        = |db| ops::charger::record_boot(db, identity, boot);
    write_op fn record_status(identity: &str, report: StatusReport) -> R<()>
        = |db| ops::charger::record_status(db, identity, report);
    write_op fn start_transaction(identity: &str, start: StartTransaction) -> R<i32>
        = |db| ops::sessions::start_transaction(db, identity, start);
    write_op fn stop_transaction(identity: &str, stop: StopTransaction) -> R<StopOutcome>
        = |db| ops::sessions::stop_transaction(db, identity, stop);
    read_op fn doubtful_transactions(identity: &str, evse: u32) -> R<Vec<String>>
        = |db| ops::reconcile::doubtful_transactions(db, identity, *evse);
    write_op fn close_forgotten_transaction(identity: &str, transaction_id: &str) -> R<bool>
        = |db| ops::reconcile::close_forgotten_transaction(db, identity, transaction_id);
    write_op fn force_stop_session(identity: &str, session: i64) -> R<bool>
        = |db| ops::reconcile::force_stop(db, identity, *session);
    write_op fn record_meter_values(
        identity: &str, connector: u32, transaction_id: Option<String>, samples: Vec<MeterSample>,
    ) -> R<()>
        = |db| ops::sessions::record_meter_values(
            db, identity, *connector, transaction_id.as_deref(), samples);
    write_op fn transaction_event(identity: &str, update: TransactionUpdate) -> R<()>
        = |db| ops::sessions::transaction_event(db, identity, update);
    write_op fn set_password(identity: &str, password: Option<PasswordHash>) -> R<()>
        = |db| ops::charger::set_password(db, identity, password.as_ref());
    write_op fn set_desired_profile(identity: &str, profile: u8) -> R<()>
        = |db| ops::charger::set_desired_profile(db, identity, Some(*profile));
    write_op fn change_password(identity: &str, change: PasswordChange) -> R<()>
        = |db| ops::charger::change_password(db, identity, change);
    write_op fn reset_security_profile(identity: &str) -> R<()>
        = |db| ops::charger::reset_security_profile(db, identity);
    write_op fn set_security_profile(identity: &str, profile: u8) -> R<()>
        = |db| ops::charger::set_security_profile(db, identity, *profile);
    read_op fn id_tag(uid: &str) -> R<Option<IdTagRecord>> = |db| charger::id_tag(db, uid);
    read_op fn user_id_tags(user_id: i64) -> R<Vec<IdTagRecord>>
        = |db| charger::user_id_tags(db, *user_id);
    read_op fn tag_transactions(id_tag: &str) -> R<Vec<OpenTransaction>>
        = |db| charger::tag_transactions(db, id_tag);
    write_op fn record_authorization(identity: &str, record: AuthorizationRecord) -> R<()>
        = |db| ops::record::record_authorization(db, identity, record);
    write_op fn record_event(identity: &str, event: ChargerEvent) -> R<()>
        = |db| ops::record::record_event(db, identity, event);
    write_op fn set_session_cost(session: i64, total_cost: f64) -> R<()>
        = |db| ops::cost::set_session_cost(db, *session, *total_cost);
    read_op fn session_cost(identity: &str, transaction_id: &str) -> R<Option<f64>>
        = |db| ops::cost::session_cost(db, identity, transaction_id);
} also {
    async fn set_connected(
        &self, identity: &str, version: Option<Protocol>, generation: u64,
    ) -> R<()> {
        let args = (self.cluster_node(), identity.to_owned());
        on_engine!(self, write_op, args, move |db, (node, identity)| Box::pin(
            ops::charger::set_connected(db, node.as_deref(), identity, version, generation)
        ))
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
}}

seam! { impl Resources {
    read_op fn charge_points(filter: ChargePointFilter, page: Page) -> R<Vec<ChargePointView>>
        = |db| res::charge_point::list(db, filter, *page);
    read_op fn charge_point(id: i64) -> R<Option<ChargePointView>>
        = |db| res::charge_point::get(db, *id);
    write_op fn create_charge_point(new: NewChargePoint) -> Refusable<ChargePointView>
        = |db| res::charge_point::create(db, new) => settle;
    write_op fn update_charge_point(id: i64, patch: ChargePointPatch) -> Refusable<ChargePointView>
        = |db| res::charge_point::update(db, *id, patch) => settle;
    write_op fn delete_charge_point(id: i64) -> Refusable<String>
        = |db| res::charge_point::delete(db, *id) => found;
    read_op fn evses(filter: EvseFilter, page: Page) -> R<Vec<EvseView>>
        = |db| res::evse::list(db, filter, *page);
    read_op fn evse(id: i64) -> R<Option<EvseView>> = |db| res::evse::get(db, *id);
    read_op fn hardware_status_logs(
        charge_point_id: i64, created: Window, page: Page,
    ) -> R<Vec<HardwareStatusLogView>>
        = |db| res::evse::hardware_logs(db, *charge_point_id, created, *page);
    read_op fn latest_hardware_status_log(charge_point_id: i64) -> R<Option<HardwareStatusLogView>>
        = |db| res::evse::latest_hardware_log(db, *charge_point_id);
    read_op fn network_status_logs(
        charge_point_id: i64, created: Window, page: Page,
    ) -> R<Vec<NetworkStatusLogView>>
        = |db| res::evse::network_logs(db, *charge_point_id, created, *page);
    read_op fn latest_network_status_log(charge_point_id: i64) -> R<Option<NetworkStatusLogView>>
        = |db| res::evse::latest_network_log(db, *charge_point_id);
    read_op fn configurations(
        charge_point_id: i64, key: Option<String>,
    ) -> R<Vec<ConfigurationView>>
        = |db| res::evse::configurations(db, *charge_point_id, key.as_deref());
    read_op fn sessions(filter: SessionFilter, page: Page) -> R<Vec<SessionView>>
        = |db| res::session::list(db, filter, *page);
    read_op fn session(id: i64) -> R<Option<SessionView>> = |db| res::session::get(db, *id);
    read_op fn id_tags(filter: IdTagFilter, page: Page) -> R<Vec<IdTagView>>
        = |db| res::id_tag::list(db, filter, *page);
    read_op fn id_tag(id: i64) -> R<Option<IdTagView>> = |db| res::id_tag::get(db, *id);
    write_op fn create_id_tag(new: NewIdTag) -> Refusable<IdTagView>
        = |db| res::id_tag::create(db, new) => settle;
    write_op fn update_id_tag(id: i64, patch: IdTagPatch) -> Refusable<IdTagView>
        = |db| res::id_tag::update(db, *id, patch) => settle;
    write_op fn delete_id_tag(id: i64) -> Refusable<()>
        = |db| res::id_tag::delete(db, *id) => deleted;
    read_op fn authorizations(filter: AuthorizationFilter, page: Page) -> R<Vec<AuthorizationView>>
        = |db| res::activity::authorizations(db, filter, *page);
    read_op fn authorization(id: i64) -> R<Option<AuthorizationView>>
        = |db| res::activity::authorization(db, *id);
    read_op fn reservations(
        filter: ReservationFilter, offset: u64, limit: u32,
    ) -> R<(Vec<ReservationView>, u64)>
        = |db| res::activity::reservations(db, filter, *offset, *limit);
    read_op fn reservation(id: i64) -> R<Option<ReservationView>>
        = |db| res::activity::reservation(db, *id);
    read_op fn security_events(filter: SecurityEventFilter, page: Page) -> R<Vec<SecurityEventView>>
        = |db| res::activity::security_events(db, filter, *page);
    read_op fn security_event(id: i64) -> R<Option<SecurityEventView>>
        = |db| res::activity::security_event(db, *id);
    write_op fn new_request_id(charge_point_id: i64, kind: &str) -> R<i64>
        = |db| res::action::new_request_id(db, *charge_point_id, kind);
    write_op fn create_pending_session(
        charge_point_id: i64, evse_network_id: Option<i64>, id_tag: String,
    ) -> R<i64>
        = |db| res::action::create_pending_session(db, *charge_point_id, *evse_network_id, id_tag);
    write_op fn fail_pending_session(id: i64, reason: String) -> R<()>
        = |db| res::action::fail_pending_session(db, *id, reason);
    read_op fn session_transaction_id(id: i64) -> R<Option<String>>
        = |db| res::action::session_transaction_id(db, *id);
    write_op fn store_configuration(
        charge_point_id: i64,
        request_id: Option<i64>,
        entries: Vec<ConfigurationEntry>,
        replace: bool,
    ) -> R<()>
        = |db| res::action::store_configuration(
            db, *charge_point_id, *request_id, entries, *replace);
    write_op fn set_configuration_value(charge_point_id: i64, key: String, value: String) -> R<()>
        = |db| res::action::set_configuration_value(db, *charge_point_id, key, value);
    write_op fn new_charging_profile(
        charge_point_id: i64,
        evse_network_id: i64,
        purpose: String,
        stack_level: i64,
        body: serde_json::Value,
    ) -> R<i64>
        = |db| res::action::new_charging_profile(
            db, *charge_point_id, *evse_network_id, purpose, *stack_level, body);
    write_op fn charging_profile_outcome(
        id: i64,
        applied: bool,
        session_id: Option<i64>,
        profile: serde_json::Map<String, serde_json::Value>,
    ) -> R<()>
        = |db| res::action::charging_profile_outcome(db, *id, *applied, *session_id, profile);
    write_op fn clear_charging_profiles(charge_point_id: i64, criteria: ProfileCriteria) -> R<u64>
        = |db| res::action::clear_charging_profiles(db, *charge_point_id, criteria);
    write_op fn create_reservation(new: NewReservation) -> R<i64>
        = |db| res::action::create_reservation(db, new);
    write_op fn set_reservation_status(id: i64, status: String) -> R<()>
        = |db| res::action::set_reservation_status(db, *id, status);
    write_op fn new_display_message(
        charge_point_id: i64, message_id: Option<i64>, priority: String, body: String,
    ) -> R<NewDisplayMessage>
        = |db| display::new_display_message(db, *charge_point_id, *message_id, priority, body);
    write_op fn display_message_outcome(row: i64, status: Option<String>) -> R<()>
        = |db| display::display_message_outcome(db, *row, status.as_deref());
    write_op fn display_message_cleared(charge_point_id: i64, message_id: i64) -> R<u64>
        = |db| display::display_message_cleared(db, *charge_point_id, *message_id);
    read_op fn display_messages(
        charge_point_id: i64, status: Option<String>, page: Page,
    ) -> R<Vec<DisplayMessageView>>
        = |db| display::display_messages(db, *charge_point_id, status.as_deref(), *page);
}}

seam! { impl NotifyStore {
    write_op fn create_subscription(spec: SubscriptionSpec, token_sha256: String) -> R<Subscription>
        = |db| notify::create_subscription(db, spec, token_sha256);
    read_op fn subscriptions(after: Option<i64>, limit: u32) -> R<Vec<Subscription>>
        = |db| notify::subscriptions(db, *after, *limit);
    read_op fn subscription(id: i64) -> R<Option<Subscription>>
        = |db| notify::subscription(db, *id);
    write_op fn update_subscription(id: i64, spec: SubscriptionSpec) -> R<Option<Subscription>>
        = |db| notify::update_subscription(db, *id, spec);
    write_op fn delete_subscription(id: i64) -> R<bool> = |db| notify::delete_subscription(db, *id);
    write_op fn resend_failed(
        id: i64, filter: ResendFilter, now: String, not_after: String,
    ) -> R<ResendOutcome>
        = |db| notify::resend_failed(db, *id, filter, now, not_after);
    read_op fn queue_head_event(
        subscription_id: i64, charge_point_id: i64,
    ) -> R<Option<OutboxEvent>>
        = |db| notify::queue_head_event(db, *subscription_id, *charge_point_id);
    write_op fn settle(event_id: i64, outcome: Settlement) -> R<()>
        = |db| notify::settle(db, *event_id, outcome);
    read_op fn outbox_events(
        subscription_id: i64, status: EventStatus, limit: u32,
    ) -> R<Vec<OutboxEvent>>
        = |db| notify::outbox_events(db, *subscription_id, *status, *limit);
    read_op fn outbox_depth() -> R<OutboxDepth> = |db| notify::outbox_depth(db);
    write_op fn prune_delivered(before: String, limit: u32) -> R<u64>
        = |db| notify::prune_delivered(db, before, *limit);
} also {
    async fn queue_heads(&self, limit: u32) -> R<Vec<QueueHead>> {
        on_engine!(self, read_op, self.cluster_node(), move |db, node| Box::pin(
            notify::queue_heads(db, limit, node.as_deref())
        ))
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
        on_engine!(self, write_op, node, move |db, node| Box::pin(
            notify::claim(db, subscription_id, charge_point_id, node, ttl)
        ))
    }
    async fn release_queue(&self, subscription_id: i64, charge_point_id: i64) -> R<()> {
        let Some(node) = self.cluster_node() else {
            return Ok(());
        };
        on_engine!(self, write_op, node, move |db, node| Box::pin(
            notify::release(db, subscription_id, charge_point_id, node)
        ))
    }
}}

seam! { impl PncStore {
    write_op fn create_provisioning(new: NewProvisioning) -> Refusable<ProvisioningRecord>
        = |db| pnc::create_provisioning(db, new) => flat;
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
    write_op fn delete_provisioning(id: i64) -> Refusable<()>
        = |db| pnc::delete_provisioning(db, *id) => deleted;
    write_op fn record_contract(new: NewContract) -> R<ContractRecord>
        = |db| pnc::record_contract(db, new);
    read_op fn contracts_of(provisioning_id: i64) -> R<Vec<ContractRecord>>
        = |db| pnc::contracts_of(db, *provisioning_id);
    read_op fn contracts_by_serial(serial: &str) -> R<Vec<ContractRecord>>
        = |db| pnc::contracts_by_serial(db, serial);
    read_op fn contract_of_tag(id_tag_id: i64) -> R<Option<ContractRecord>>
        = |db| pnc::contract_of_tag(db, *id_tag_id);
}}

seam! { impl LocalListStore {
    read_op fn list_state(identity: &str) -> R<ListState> = |db| list::list_state(db, identity);
    write_op fn set_list_support(
        identity: &str, support: ListSupport, limits: ListLimits, status: Option<String>,
    ) -> R<()>
        = |db| list::set_list_support(db, identity, *support, *limits, status.as_deref());
    write_op fn list_accepted(identity: &str, version: i32, complete: Option<i64>) -> R<()>
        = |db| list::list_accepted(db, identity, *version, *complete);
    write_op fn list_needs_full(identity: &str, status: &str) -> R<()>
        = |db| list::list_needs_full(db, identity, status);
    read_op fn list_tags() -> R<ListSnapshot<ListTag>> = |db| list::list_tags(db);
    read_op fn list_changes(cursor: i64) -> R<ListSnapshot<ListChange>>
        = |db| list::list_changes(db, *cursor);
    read_op fn list_chargers() -> R<Vec<(String, Option<String>)>> = |db| list::list_chargers(db);
}}
