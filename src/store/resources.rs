//! The `Resources` seam: what the northbound API reads and writes, as version-neutral
//! rows. The API turns them into its JSON shapes; engines implement the queries.

use async_trait::async_trait;

use super::StoreError;
pub use crate::domain::notification::ConfigurationEntry;

mod rows;

pub use rows::*;

pub use super::display::{DisplayMessageView, NewDisplayMessage};

/// Everything the northbound resources API reads and writes. Lists return at most
/// `page.limit` rows in id order.
#[async_trait]
pub trait Resources: Send + Sync + 'static {
    /// Charge points by id.
    async fn charge_points(
        &self,
        filter: ChargePointFilter,
        page: Page,
    ) -> Result<Vec<ChargePointView>, StoreError>;
    /// One charge point.
    async fn charge_point(&self, id: i64) -> Result<Option<ChargePointView>, StoreError>;
    /// Adds a charge point; a taken identity is `Duplicate("network.id")`.
    async fn create_charge_point(
        &self,
        new: NewChargePoint,
    ) -> Result<ChargePointView, ResourceError>;
    /// Changes a charge point; a taken identity is `Duplicate("network.id")`.
    async fn update_charge_point(
        &self,
        id: i64,
        patch: ChargePointPatch,
    ) -> Result<ChargePointView, ResourceError>;
    /// Deletes the charge point and everything it reported; returns its identity.
    async fn delete_charge_point(&self, id: i64) -> Result<String, ResourceError>;

    /// EVSEs (never the 1.6 connector 0) with their connectors.
    async fn evses(&self, filter: EvseFilter, page: Page) -> Result<Vec<EvseView>, StoreError>;
    /// One EVSE by its own id.
    async fn evse(&self, id: i64) -> Result<Option<EvseView>, StoreError>;

    /// A charge point's hardware status reports, oldest first.
    async fn hardware_status_logs(
        &self,
        charge_point_id: i64,
        created: Window,
        page: Page,
    ) -> Result<Vec<HardwareStatusLogView>, StoreError>;
    /// A charge point's last hardware status report.
    async fn latest_hardware_status_log(
        &self,
        charge_point_id: i64,
    ) -> Result<Option<HardwareStatusLogView>, StoreError>;
    /// A charge point's link changes, oldest first.
    async fn network_status_logs(
        &self,
        charge_point_id: i64,
        created: Window,
        page: Page,
    ) -> Result<Vec<NetworkStatusLogView>, StoreError>;
    /// A charge point's last link change.
    async fn latest_network_status_log(
        &self,
        charge_point_id: i64,
    ) -> Result<Option<NetworkStatusLogView>, StoreError>;
    /// The configuration snapshot of a charge point (one key, or all by key).
    async fn configurations(
        &self,
        charge_point_id: i64,
        key: Option<String>,
    ) -> Result<Vec<ConfigurationView>, StoreError>;

    /// Sessions by id.
    async fn sessions(
        &self,
        filter: SessionFilter,
        page: Page,
    ) -> Result<Vec<SessionView>, StoreError>;
    /// One session.
    async fn session(&self, id: i64) -> Result<Option<SessionView>, StoreError>;

    /// Id tags by id.
    async fn id_tags(&self, filter: IdTagFilter, page: Page) -> Result<Vec<IdTagView>, StoreError>;
    /// One id tag.
    async fn id_tag(&self, id: i64) -> Result<Option<IdTagView>, StoreError>;
    /// Adds an id tag; a taken uid is `Duplicate("idTagUid")`.
    async fn create_id_tag(&self, new: NewIdTag) -> Result<IdTagView, ResourceError>;
    /// Changes an id tag; a taken uid is `Duplicate("idTagUid")`.
    async fn update_id_tag(&self, id: i64, patch: IdTagPatch) -> Result<IdTagView, ResourceError>;
    /// Deletes an id tag.
    async fn delete_id_tag(&self, id: i64) -> Result<(), ResourceError>;

    /// Authorizations by id.
    async fn authorizations(
        &self,
        filter: AuthorizationFilter,
        page: Page,
    ) -> Result<Vec<AuthorizationView>, StoreError>;
    /// One authorization.
    async fn authorization(&self, id: i64) -> Result<Option<AuthorizationView>, StoreError>;

    /// One page by offset (the reference pages reservations by number) and the total.
    async fn reservations(
        &self,
        filter: ReservationFilter,
        offset: u64,
        limit: u32,
    ) -> Result<(Vec<ReservationView>, u64), StoreError>;
    /// One reservation.
    async fn reservation(&self, id: i64) -> Result<Option<ReservationView>, StoreError>;

    /// Security events by id.
    async fn security_events(
        &self,
        filter: SecurityEventFilter,
        page: Page,
    ) -> Result<Vec<SecurityEventView>, StoreError>;
    /// One security event.
    async fn security_event(&self, id: i64) -> Result<Option<SecurityEventView>, StoreError>;

    // Actions: what the northbound actions record around their calls.

    /// Allocates an id for an action whose results arrive later (`kind`: `log`,
    /// `firmware`, `configuration`, ...).
    async fn new_request_id(&self, charge_point_id: i64, kind: &str) -> Result<i64, StoreError>;
    /// A `pending` session for a remote start; its id is also the remote start id.
    async fn create_pending_session(
        &self,
        charge_point_id: i64,
        evse_network_id: Option<i64>,
        id_tag: String,
    ) -> Result<i64, StoreError>;
    /// Marks a pending session `failed` (the charger refused to start it).
    async fn fail_pending_session(&self, id: i64, reason: String) -> Result<(), StoreError>;
    /// The charger's transaction id of a session, when it has one.
    async fn session_transaction_id(&self, id: i64) -> Result<Option<String>, StoreError>;
    /// Stores configuration entries a charger reported (`replace`: the snapshot is
    /// complete, keys not in it are dropped) and emits the sync notification.
    async fn store_configuration(
        &self,
        charge_point_id: i64,
        request_id: Option<i64>,
        entries: Vec<ConfigurationEntry>,
        replace: bool,
    ) -> Result<(), StoreError>;
    /// Records a configuration value the charger accepted.
    async fn set_configuration_value(
        &self,
        charge_point_id: i64,
        key: String,
        value: String,
    ) -> Result<(), StoreError>;
    /// Allocates a charging profile id (and schedule id, the same number) for a profile
    /// about to be sent; `body` is the profile as the platform gave it.
    async fn new_charging_profile(
        &self,
        charge_point_id: i64,
        evse_network_id: i64,
        purpose: String,
        stack_level: i64,
        body: serde_json::Value,
    ) -> Result<i64, StoreError>;
    /// Marks a profile applied (or refused) and, when applied, emits
    /// `chargingProfile.applied` with `profile` as its `chargingProfile`.
    async fn charging_profile_outcome(
        &self,
        id: i64,
        applied: bool,
        session_id: Option<i64>,
        profile: serde_json::Map<String, serde_json::Value>,
    ) -> Result<(), StoreError>;
    /// Marks the applied profiles matching every given criterion cleared; returns how many.
    async fn clear_charging_profiles(
        &self,
        charge_point_id: i64,
        criteria: ProfileCriteria,
    ) -> Result<u64, StoreError>;
    /// A reservation about to be sent (status `pending`).
    async fn create_reservation(&self, new: NewReservation) -> Result<i64, StoreError>;
    /// A reservation's new status (`active`, `canceled`, `rejected`), with
    /// `reservation.changed` when the platform has a name for it.
    async fn set_reservation_status(&self, id: i64, status: String) -> Result<(), StoreError>;

    // Display messages (`store::display`).
    /// Records a display message about to be sent (`Pending`), allocating its id on the
    /// charger when `message_id` is none.
    async fn new_display_message(
        &self,
        charge_point_id: i64,
        message_id: Option<i64>,
        priority: String,
        body: String,
    ) -> Result<NewDisplayMessage, StoreError>;
    /// The charger's answer to a display message (none: no answer; the row goes).
    async fn display_message_outcome(
        &self,
        row: i64,
        status: Option<String>,
    ) -> Result<(), StoreError>;
    /// The charger cleared its message `message_id`.
    async fn display_message_cleared(
        &self,
        charge_point_id: i64,
        message_id: i64,
    ) -> Result<u64, StoreError>;
    /// A charge point's display messages.
    async fn display_messages(
        &self,
        charge_point_id: i64,
        status: Option<String>,
        page: Page,
    ) -> Result<Vec<DisplayMessageView>, StoreError>;
}
