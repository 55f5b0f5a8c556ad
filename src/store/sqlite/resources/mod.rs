//! [`Resources`] on the embedded store: reads on the read connection, the API's few
//! writes through the group-committing writer. One file per resource family.

mod action;

pub(super) use action::store_configuration;
mod activity;
mod charge_point;
mod evse;
mod id_tag;
mod query;
mod session;

use async_trait::async_trait;

use super::SqliteStore;
use crate::store::resources::*;
use crate::store::StoreError;

/// What a write found, told apart from the engine's own errors.
enum Outcome<T> {
    Done(T),
    Refused(ResourceError),
}

fn settle<T>(r: Result<Outcome<T>, StoreError>) -> Result<T, ResourceError> {
    match r? {
        Outcome::Done(v) => Ok(v),
        Outcome::Refused(e) => Err(e),
    }
}

#[async_trait]
impl Resources for SqliteStore {
    async fn charge_points(
        &self,
        filter: ChargePointFilter,
        page: Page,
    ) -> Result<Vec<ChargePointView>, StoreError> {
        self.read(move |c| charge_point::list(c, &filter, page))
            .await
    }

    async fn charge_point(&self, id: i64) -> Result<Option<ChargePointView>, StoreError> {
        self.read(move |c| charge_point::get(c, id)).await
    }

    async fn create_charge_point(
        &self,
        new: NewChargePoint,
    ) -> Result<ChargePointView, ResourceError> {
        settle(self.write(move |tx| charge_point::create(tx, &new)).await)
    }

    async fn update_charge_point(
        &self,
        id: i64,
        patch: ChargePointPatch,
    ) -> Result<ChargePointView, ResourceError> {
        settle(
            self.write(move |tx| charge_point::update(tx, id, &patch))
                .await,
        )
    }

    async fn delete_charge_point(&self, id: i64) -> Result<String, ResourceError> {
        self.write(move |tx| charge_point::delete(tx, id))
            .await?
            .ok_or(ResourceError::NotFound)
    }

    async fn evses(&self, filter: EvseFilter, page: Page) -> Result<Vec<EvseView>, StoreError> {
        self.read(move |c| evse::list(c, &filter, page)).await
    }

    async fn evse(&self, id: i64) -> Result<Option<EvseView>, StoreError> {
        self.read(move |c| evse::get(c, id)).await
    }

    async fn hardware_status_logs(
        &self,
        charge_point_id: i64,
        created: Window,
        page: Page,
    ) -> Result<Vec<HardwareStatusLogView>, StoreError> {
        self.read(move |c| evse::hardware_logs(c, charge_point_id, &created, page))
            .await
    }

    async fn latest_hardware_status_log(
        &self,
        charge_point_id: i64,
    ) -> Result<Option<HardwareStatusLogView>, StoreError> {
        self.read(move |c| evse::latest_hardware_log(c, charge_point_id))
            .await
    }

    async fn network_status_logs(
        &self,
        charge_point_id: i64,
        created: Window,
        page: Page,
    ) -> Result<Vec<NetworkStatusLogView>, StoreError> {
        self.read(move |c| evse::network_logs(c, charge_point_id, &created, page))
            .await
    }

    async fn latest_network_status_log(
        &self,
        charge_point_id: i64,
    ) -> Result<Option<NetworkStatusLogView>, StoreError> {
        self.read(move |c| evse::latest_network_log(c, charge_point_id))
            .await
    }

    async fn configurations(
        &self,
        charge_point_id: i64,
        key: Option<String>,
    ) -> Result<Vec<ConfigurationView>, StoreError> {
        self.read(move |c| evse::configurations(c, charge_point_id, key.as_deref()))
            .await
    }

    async fn sessions(
        &self,
        filter: SessionFilter,
        page: Page,
    ) -> Result<Vec<SessionView>, StoreError> {
        self.read(move |c| session::list(c, &filter, page)).await
    }

    async fn session(&self, id: i64) -> Result<Option<SessionView>, StoreError> {
        self.read(move |c| session::get(c, id)).await
    }

    async fn id_tags(&self, filter: IdTagFilter, page: Page) -> Result<Vec<IdTagView>, StoreError> {
        self.read(move |c| id_tag::list(c, &filter, page)).await
    }

    async fn id_tag(&self, id: i64) -> Result<Option<IdTagView>, StoreError> {
        self.read(move |c| id_tag::get(c, id)).await
    }

    async fn create_id_tag(&self, new: NewIdTag) -> Result<IdTagView, ResourceError> {
        settle(self.write(move |tx| id_tag::create(tx, &new)).await)
    }

    async fn update_id_tag(&self, id: i64, patch: IdTagPatch) -> Result<IdTagView, ResourceError> {
        settle(self.write(move |tx| id_tag::update(tx, id, &patch)).await)
    }

    async fn delete_id_tag(&self, id: i64) -> Result<(), ResourceError> {
        if self.write(move |tx| id_tag::delete(tx, id)).await? {
            Ok(())
        } else {
            Err(ResourceError::NotFound)
        }
    }

    async fn authorizations(
        &self,
        filter: AuthorizationFilter,
        page: Page,
    ) -> Result<Vec<AuthorizationView>, StoreError> {
        self.read(move |c| activity::authorizations(c, &filter, page))
            .await
    }

    async fn authorization(&self, id: i64) -> Result<Option<AuthorizationView>, StoreError> {
        self.read(move |c| activity::authorization(c, id)).await
    }

    async fn reservations(
        &self,
        filter: ReservationFilter,
        offset: u64,
        limit: u32,
    ) -> Result<(Vec<ReservationView>, u64), StoreError> {
        self.read(move |c| activity::reservations(c, &filter, offset, limit))
            .await
    }

    async fn reservation(&self, id: i64) -> Result<Option<ReservationView>, StoreError> {
        self.read(move |c| activity::reservation(c, id)).await
    }

    async fn security_events(
        &self,
        filter: SecurityEventFilter,
        page: Page,
    ) -> Result<Vec<SecurityEventView>, StoreError> {
        self.read(move |c| activity::security_events(c, &filter, page))
            .await
    }

    async fn security_event(&self, id: i64) -> Result<Option<SecurityEventView>, StoreError> {
        self.read(move |c| activity::security_event(c, id)).await
    }

    async fn new_request_id(&self, charge_point_id: i64, kind: &str) -> Result<i64, StoreError> {
        let kind = kind.to_owned();
        self.write(move |tx| action::new_request_id(tx, charge_point_id, &kind))
            .await
    }

    async fn create_pending_session(
        &self,
        charge_point_id: i64,
        evse_network_id: Option<i64>,
        id_tag: String,
    ) -> Result<i64, StoreError> {
        self.write(move |tx| {
            action::create_pending_session(tx, charge_point_id, evse_network_id, &id_tag)
        })
        .await
    }

    async fn fail_pending_session(&self, id: i64, reason: String) -> Result<(), StoreError> {
        self.write(move |tx| action::fail_pending_session(tx, id, &reason))
            .await
    }

    async fn session_transaction_id(&self, id: i64) -> Result<Option<String>, StoreError> {
        self.read(move |c| action::session_transaction_id(c, id))
            .await
    }

    async fn store_configuration(
        &self,
        charge_point_id: i64,
        request_id: Option<i64>,
        entries: Vec<ConfigurationEntry>,
        replace: bool,
    ) -> Result<(), StoreError> {
        self.write(move |tx| {
            action::store_configuration(tx, charge_point_id, request_id, &entries, replace)
        })
        .await
    }

    async fn set_configuration_value(
        &self,
        charge_point_id: i64,
        key: String,
        value: String,
    ) -> Result<(), StoreError> {
        self.write(move |tx| action::set_configuration_value(tx, charge_point_id, &key, &value))
            .await
    }

    async fn new_charging_profile(
        &self,
        charge_point_id: i64,
        evse_network_id: i64,
        purpose: String,
        stack_level: i64,
        body: serde_json::Value,
    ) -> Result<i64, StoreError> {
        self.write(move |tx| {
            action::new_charging_profile(
                tx,
                charge_point_id,
                evse_network_id,
                &purpose,
                stack_level,
                &body,
            )
        })
        .await
    }

    async fn charging_profile_outcome(
        &self,
        id: i64,
        applied: bool,
        session_id: Option<i64>,
        profile: serde_json::Map<String, serde_json::Value>,
    ) -> Result<(), StoreError> {
        self.write(move |tx| action::charging_profile_outcome(tx, id, applied, session_id, profile))
            .await
    }

    async fn clear_charging_profiles(
        &self,
        charge_point_id: i64,
        criteria: ProfileCriteria,
    ) -> Result<u64, StoreError> {
        self.write(move |tx| action::clear_charging_profiles(tx, charge_point_id, &criteria))
            .await
    }

    async fn create_reservation(&self, new: NewReservation) -> Result<i64, StoreError> {
        self.write(move |tx| action::create_reservation(tx, &new))
            .await
    }

    async fn set_reservation_status(&self, id: i64, status: String) -> Result<(), StoreError> {
        self.write(move |tx| action::set_reservation_status(tx, id, &status))
            .await
    }
}
