//! [`Resources`] on the embedded store: the shared queries (`store::sql::resources`),
//! reads on the read connection, the API's few writes through the group-committing
//! writer.

use async_trait::async_trait;

use super::SqliteStore;
use crate::store::resources::*;
use crate::store::sql::resources::{self, settle};
use crate::store::StoreError;

#[async_trait]
impl Resources for SqliteStore {
    async fn charge_points(
        &self,
        filter: ChargePointFilter,
        page: Page,
    ) -> Result<Vec<ChargePointView>, StoreError> {
        self.read_op(filter, move |db, filter| {
            Box::pin(resources::charge_point::list(db, filter, page))
        })
        .await
    }

    async fn charge_point(&self, id: i64) -> Result<Option<ChargePointView>, StoreError> {
        self.read_op((), move |db, ()| {
            Box::pin(resources::charge_point::get(db, id))
        })
        .await
    }

    async fn create_charge_point(
        &self,
        new: NewChargePoint,
    ) -> Result<ChargePointView, ResourceError> {
        settle(
            self.write_op(new, |db, new| {
                Box::pin(resources::charge_point::create(db, new))
            })
            .await,
        )
    }

    async fn update_charge_point(
        &self,
        id: i64,
        patch: ChargePointPatch,
    ) -> Result<ChargePointView, ResourceError> {
        settle(
            self.write_op(patch, move |db, patch| {
                Box::pin(resources::charge_point::update(db, id, patch))
            })
            .await,
        )
    }

    async fn delete_charge_point(&self, id: i64) -> Result<String, ResourceError> {
        self.write_op((), move |db, ()| {
            Box::pin(resources::charge_point::delete(db, id))
        })
        .await?
        .ok_or(ResourceError::NotFound)
    }

    async fn evses(&self, filter: EvseFilter, page: Page) -> Result<Vec<EvseView>, StoreError> {
        self.read_op(filter, move |db, filter| {
            Box::pin(resources::evse::list(db, filter, page))
        })
        .await
    }

    async fn evse(&self, id: i64) -> Result<Option<EvseView>, StoreError> {
        self.read_op((), move |db, ()| Box::pin(resources::evse::get(db, id)))
            .await
    }

    async fn hardware_status_logs(
        &self,
        charge_point_id: i64,
        created: Window,
        page: Page,
    ) -> Result<Vec<HardwareStatusLogView>, StoreError> {
        self.read_op(created, move |db, created| {
            Box::pin(resources::evse::hardware_logs(
                db,
                charge_point_id,
                created,
                page,
            ))
        })
        .await
    }

    async fn latest_hardware_status_log(
        &self,
        charge_point_id: i64,
    ) -> Result<Option<HardwareStatusLogView>, StoreError> {
        self.read_op((), move |db, ()| {
            Box::pin(resources::evse::latest_hardware_log(db, charge_point_id))
        })
        .await
    }

    async fn network_status_logs(
        &self,
        charge_point_id: i64,
        created: Window,
        page: Page,
    ) -> Result<Vec<NetworkStatusLogView>, StoreError> {
        self.read_op(created, move |db, created| {
            Box::pin(resources::evse::network_logs(
                db,
                charge_point_id,
                created,
                page,
            ))
        })
        .await
    }

    async fn latest_network_status_log(
        &self,
        charge_point_id: i64,
    ) -> Result<Option<NetworkStatusLogView>, StoreError> {
        self.read_op((), move |db, ()| {
            Box::pin(resources::evse::latest_network_log(db, charge_point_id))
        })
        .await
    }

    async fn configurations(
        &self,
        charge_point_id: i64,
        key: Option<String>,
    ) -> Result<Vec<ConfigurationView>, StoreError> {
        self.read_op(key, move |db, key| {
            Box::pin(resources::evse::configurations(
                db,
                charge_point_id,
                key.as_deref(),
            ))
        })
        .await
    }

    async fn sessions(
        &self,
        filter: SessionFilter,
        page: Page,
    ) -> Result<Vec<SessionView>, StoreError> {
        self.read_op(filter, move |db, filter| {
            Box::pin(resources::session::list(db, filter, page))
        })
        .await
    }

    async fn session(&self, id: i64) -> Result<Option<SessionView>, StoreError> {
        self.read_op((), move |db, ()| Box::pin(resources::session::get(db, id)))
            .await
    }

    async fn id_tags(&self, filter: IdTagFilter, page: Page) -> Result<Vec<IdTagView>, StoreError> {
        self.read_op(filter, move |db, filter| {
            Box::pin(resources::id_tag::list(db, filter, page))
        })
        .await
    }

    async fn id_tag(&self, id: i64) -> Result<Option<IdTagView>, StoreError> {
        self.read_op((), move |db, ()| Box::pin(resources::id_tag::get(db, id)))
            .await
    }

    async fn create_id_tag(&self, new: NewIdTag) -> Result<IdTagView, ResourceError> {
        settle(
            self.write_op(new, |db, new| Box::pin(resources::id_tag::create(db, new)))
                .await,
        )
    }

    async fn update_id_tag(&self, id: i64, patch: IdTagPatch) -> Result<IdTagView, ResourceError> {
        settle(
            self.write_op(patch, move |db, patch| {
                Box::pin(resources::id_tag::update(db, id, patch))
            })
            .await,
        )
    }

    async fn delete_id_tag(&self, id: i64) -> Result<(), ResourceError> {
        let deleted = self
            .write_op((), move |db, ()| {
                Box::pin(resources::id_tag::delete(db, id))
            })
            .await?;
        if deleted {
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
        self.read_op(filter, move |db, filter| {
            Box::pin(resources::activity::authorizations(db, filter, page))
        })
        .await
    }

    async fn authorization(&self, id: i64) -> Result<Option<AuthorizationView>, StoreError> {
        self.read_op((), move |db, ()| {
            Box::pin(resources::activity::authorization(db, id))
        })
        .await
    }

    async fn reservations(
        &self,
        filter: ReservationFilter,
        offset: u64,
        limit: u32,
    ) -> Result<(Vec<ReservationView>, u64), StoreError> {
        self.read_op(filter, move |db, filter| {
            Box::pin(resources::activity::reservations(db, filter, offset, limit))
        })
        .await
    }

    async fn reservation(&self, id: i64) -> Result<Option<ReservationView>, StoreError> {
        self.read_op((), move |db, ()| {
            Box::pin(resources::activity::reservation(db, id))
        })
        .await
    }

    async fn security_events(
        &self,
        filter: SecurityEventFilter,
        page: Page,
    ) -> Result<Vec<SecurityEventView>, StoreError> {
        self.read_op(filter, move |db, filter| {
            Box::pin(resources::activity::security_events(db, filter, page))
        })
        .await
    }

    async fn security_event(&self, id: i64) -> Result<Option<SecurityEventView>, StoreError> {
        self.read_op((), move |db, ()| {
            Box::pin(resources::activity::security_event(db, id))
        })
        .await
    }

    async fn new_request_id(&self, charge_point_id: i64, kind: &str) -> Result<i64, StoreError> {
        self.write_op(kind.to_owned(), move |db, kind| {
            Box::pin(resources::action::new_request_id(db, charge_point_id, kind))
        })
        .await
    }

    async fn create_pending_session(
        &self,
        charge_point_id: i64,
        evse_network_id: Option<i64>,
        id_tag: String,
    ) -> Result<i64, StoreError> {
        self.write_op(id_tag, move |db, id_tag| {
            Box::pin(resources::action::create_pending_session(
                db,
                charge_point_id,
                evse_network_id,
                id_tag,
            ))
        })
        .await
    }

    async fn fail_pending_session(&self, id: i64, reason: String) -> Result<(), StoreError> {
        self.write_op(reason, move |db, reason| {
            Box::pin(resources::action::fail_pending_session(db, id, reason))
        })
        .await
    }

    async fn session_transaction_id(&self, id: i64) -> Result<Option<String>, StoreError> {
        self.read_op((), move |db, ()| {
            Box::pin(resources::action::session_transaction_id(db, id))
        })
        .await
    }

    async fn store_configuration(
        &self,
        charge_point_id: i64,
        request_id: Option<i64>,
        entries: Vec<ConfigurationEntry>,
        replace: bool,
    ) -> Result<(), StoreError> {
        self.write_op(entries, move |db, entries| {
            Box::pin(resources::action::store_configuration(
                db,
                charge_point_id,
                request_id,
                entries,
                replace,
            ))
        })
        .await
    }

    async fn set_configuration_value(
        &self,
        charge_point_id: i64,
        key: String,
        value: String,
    ) -> Result<(), StoreError> {
        self.write_op((key, value), move |db, (key, value)| {
            Box::pin(resources::action::set_configuration_value(
                db,
                charge_point_id,
                key,
                value,
            ))
        })
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
        self.write_op((purpose, body), move |db, (purpose, body)| {
            Box::pin(resources::action::new_charging_profile(
                db,
                charge_point_id,
                evse_network_id,
                purpose,
                stack_level,
                body,
            ))
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
        self.write_op(profile, move |db, profile| {
            Box::pin(resources::action::charging_profile_outcome(
                db, id, applied, session_id, profile,
            ))
        })
        .await
    }

    async fn clear_charging_profiles(
        &self,
        charge_point_id: i64,
        criteria: ProfileCriteria,
    ) -> Result<u64, StoreError> {
        self.write_op(criteria, move |db, criteria| {
            Box::pin(resources::action::clear_charging_profiles(
                db,
                charge_point_id,
                criteria,
            ))
        })
        .await
    }

    async fn create_reservation(&self, new: NewReservation) -> Result<i64, StoreError> {
        self.write_op(new, |db, new| {
            Box::pin(resources::action::create_reservation(db, new))
        })
        .await
    }

    async fn set_reservation_status(&self, id: i64, status: String) -> Result<(), StoreError> {
        self.write_op(status, move |db, status| {
            Box::pin(resources::action::set_reservation_status(db, id, status))
        })
        .await
    }
}
