//! The seams of what a store keeps beside chargers' reports: webhook subscriptions and
//! their outbox ([`NotifyStore`]), Plug & Charge ([`PncStore`]), local authorization lists
//! ([`LocalListStore`]), reports in parts ([`ReportStore`]) (see the seam's table in
//! `seam`).

use super::*;

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
