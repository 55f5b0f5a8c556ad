//! [`Resources`]: what the northbound API reads and writes (see the seam's table in
//! `seam`).

use super::*;

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
    /// A charge point's charging profiles as the gateway sent them (of one status).
    read_op fn charging_profiles(
        charge_point_id: i64, status: Option<String>, page: Page,
    ) -> R<Vec<ChargingProfileView>>
        = |db| res::action::charging_profiles(db, *charge_point_id, status.as_deref(), *page);
    /// Records a display message about to be sent (`Pending`), allocating its id on the
    /// charger when `message_id` is none.
    write_op fn new_display_message(
        charge_point_id: i64, message_id: Option<i64>, priority: String, body: String,
    ) -> R<NewDisplayMessage>
        = |db| display::new_display_message(db, *charge_point_id, *message_id, priority, body);
    /// The charger's answer to a display message (none: no answer; the row goes).
    write_op fn display_message_outcome(row: i64, status: Option<String>) -> R<()>
        = |db| display::display_message_outcome(db, *row, status.as_deref());
    /// The charger cleared its message `message_id`.
    write_op fn display_message_cleared(charge_point_id: i64, message_id: i64) -> R<u64>
        = |db| display::display_message_cleared(db, *charge_point_id, *message_id);
    /// A charge point's display messages.
    read_op fn display_messages(
        charge_point_id: i64, status: Option<String>, page: Page,
    ) -> R<Vec<DisplayMessageView>>
        = |db| display::display_messages(db, *charge_point_id, status.as_deref(), *page);
}}
