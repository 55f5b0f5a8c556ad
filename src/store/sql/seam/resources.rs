//! [`Resources`] on [`SqlStore`]: each method one operation of `sql::resources` on
//! the store's engine (reads on a read connection, writes in one transaction).

use async_trait::async_trait;

use crate::store::resources::*;
use crate::store::sql::resources::{self, settle};
use crate::store::sql::store::{on_engine, SqlStore};
use crate::store::StoreError;

#[async_trait]
impl Resources for SqlStore {
    async fn charge_points(
        &self,
        filter: ChargePointFilter,
        page: Page,
    ) -> Result<Vec<ChargePointView>, StoreError> {
        on_engine!(self, read_op, filter, move |db, filter| {
            Box::pin(resources::charge_point::list(db, filter, page))
        })
    }

    async fn charge_point(&self, id: i64) -> Result<Option<ChargePointView>, StoreError> {
        on_engine!(self, read_op, (), move |db, ()| {
            Box::pin(resources::charge_point::get(db, id))
        })
    }

    async fn create_charge_point(
        &self,
        new: NewChargePoint,
    ) -> Result<ChargePointView, ResourceError> {
        settle(on_engine!(self, write_op, new, |db, new| {
            Box::pin(resources::charge_point::create(db, new))
        }))
    }

    async fn update_charge_point(
        &self,
        id: i64,
        patch: ChargePointPatch,
    ) -> Result<ChargePointView, ResourceError> {
        settle(on_engine!(self, write_op, patch, move |db, patch| {
            Box::pin(resources::charge_point::update(db, id, patch))
        }))
    }

    async fn delete_charge_point(&self, id: i64) -> Result<String, ResourceError> {
        on_engine!(self, write_op, (), move |db, ()| {
            Box::pin(resources::charge_point::delete(db, id))
        })?
        .ok_or(ResourceError::NotFound)
    }

    async fn evses(&self, filter: EvseFilter, page: Page) -> Result<Vec<EvseView>, StoreError> {
        on_engine!(self, read_op, filter, move |db, filter| {
            Box::pin(resources::evse::list(db, filter, page))
        })
    }

    async fn evse(&self, id: i64) -> Result<Option<EvseView>, StoreError> {
        on_engine!(self, read_op, (), move |db, ()| Box::pin(
            resources::evse::get(db, id)
        ))
    }

    async fn hardware_status_logs(
        &self,
        charge_point_id: i64,
        created: Window,
        page: Page,
    ) -> Result<Vec<HardwareStatusLogView>, StoreError> {
        on_engine!(self, read_op, created, move |db, created| {
            Box::pin(resources::evse::hardware_logs(
                db,
                charge_point_id,
                created,
                page,
            ))
        })
    }

    async fn latest_hardware_status_log(
        &self,
        charge_point_id: i64,
    ) -> Result<Option<HardwareStatusLogView>, StoreError> {
        on_engine!(self, read_op, (), move |db, ()| {
            Box::pin(resources::evse::latest_hardware_log(db, charge_point_id))
        })
    }

    async fn network_status_logs(
        &self,
        charge_point_id: i64,
        created: Window,
        page: Page,
    ) -> Result<Vec<NetworkStatusLogView>, StoreError> {
        on_engine!(self, read_op, created, move |db, created| {
            Box::pin(resources::evse::network_logs(
                db,
                charge_point_id,
                created,
                page,
            ))
        })
    }

    async fn latest_network_status_log(
        &self,
        charge_point_id: i64,
    ) -> Result<Option<NetworkStatusLogView>, StoreError> {
        on_engine!(self, read_op, (), move |db, ()| {
            Box::pin(resources::evse::latest_network_log(db, charge_point_id))
        })
    }

    async fn configurations(
        &self,
        charge_point_id: i64,
        key: Option<String>,
    ) -> Result<Vec<ConfigurationView>, StoreError> {
        on_engine!(self, read_op, key, move |db, key| {
            Box::pin(resources::evse::configurations(
                db,
                charge_point_id,
                key.as_deref(),
            ))
        })
    }

    async fn sessions(
        &self,
        filter: SessionFilter,
        page: Page,
    ) -> Result<Vec<SessionView>, StoreError> {
        on_engine!(self, read_op, filter, move |db, filter| {
            Box::pin(resources::session::list(db, filter, page))
        })
    }

    async fn session(&self, id: i64) -> Result<Option<SessionView>, StoreError> {
        on_engine!(self, read_op, (), move |db, ()| Box::pin(
            resources::session::get(db, id)
        ))
    }

    async fn id_tags(&self, filter: IdTagFilter, page: Page) -> Result<Vec<IdTagView>, StoreError> {
        on_engine!(self, read_op, filter, move |db, filter| {
            Box::pin(resources::id_tag::list(db, filter, page))
        })
    }

    async fn id_tag(&self, id: i64) -> Result<Option<IdTagView>, StoreError> {
        on_engine!(self, read_op, (), move |db, ()| Box::pin(
            resources::id_tag::get(db, id)
        ))
    }

    async fn create_id_tag(&self, new: NewIdTag) -> Result<IdTagView, ResourceError> {
        settle(on_engine!(self, write_op, new, |db, new| Box::pin(
            resources::id_tag::create(db, new)
        )))
    }

    async fn update_id_tag(&self, id: i64, patch: IdTagPatch) -> Result<IdTagView, ResourceError> {
        settle(on_engine!(self, write_op, patch, move |db, patch| {
            Box::pin(resources::id_tag::update(db, id, patch))
        }))
    }

    async fn delete_id_tag(&self, id: i64) -> Result<(), ResourceError> {
        let deleted = on_engine!(self, write_op, (), move |db, ()| {
            Box::pin(resources::id_tag::delete(db, id))
        })?;
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
        on_engine!(self, read_op, filter, move |db, filter| {
            Box::pin(resources::activity::authorizations(db, filter, page))
        })
    }

    async fn authorization(&self, id: i64) -> Result<Option<AuthorizationView>, StoreError> {
        on_engine!(self, read_op, (), move |db, ()| {
            Box::pin(resources::activity::authorization(db, id))
        })
    }

    async fn reservations(
        &self,
        filter: ReservationFilter,
        offset: u64,
        limit: u32,
    ) -> Result<(Vec<ReservationView>, u64), StoreError> {
        on_engine!(self, read_op, filter, move |db, filter| {
            Box::pin(resources::activity::reservations(db, filter, offset, limit))
        })
    }

    async fn reservation(&self, id: i64) -> Result<Option<ReservationView>, StoreError> {
        on_engine!(self, read_op, (), move |db, ()| {
            Box::pin(resources::activity::reservation(db, id))
        })
    }

    async fn security_events(
        &self,
        filter: SecurityEventFilter,
        page: Page,
    ) -> Result<Vec<SecurityEventView>, StoreError> {
        on_engine!(self, read_op, filter, move |db, filter| {
            Box::pin(resources::activity::security_events(db, filter, page))
        })
    }

    async fn security_event(&self, id: i64) -> Result<Option<SecurityEventView>, StoreError> {
        on_engine!(self, read_op, (), move |db, ()| {
            Box::pin(resources::activity::security_event(db, id))
        })
    }

    async fn new_request_id(&self, charge_point_id: i64, kind: &str) -> Result<i64, StoreError> {
        on_engine!(self, write_op, kind.to_owned(), move |db, kind| {
            Box::pin(resources::action::new_request_id(db, charge_point_id, kind))
        })
    }

    async fn create_pending_session(
        &self,
        charge_point_id: i64,
        evse_network_id: Option<i64>,
        id_tag: String,
    ) -> Result<i64, StoreError> {
        on_engine!(self, write_op, id_tag, move |db, id_tag| {
            Box::pin(resources::action::create_pending_session(
                db,
                charge_point_id,
                evse_network_id,
                id_tag,
            ))
        })
    }

    async fn fail_pending_session(&self, id: i64, reason: String) -> Result<(), StoreError> {
        on_engine!(self, write_op, reason, move |db, reason| {
            Box::pin(resources::action::fail_pending_session(db, id, reason))
        })
    }

    async fn session_transaction_id(&self, id: i64) -> Result<Option<String>, StoreError> {
        on_engine!(self, read_op, (), move |db, ()| {
            Box::pin(resources::action::session_transaction_id(db, id))
        })
    }

    async fn store_configuration(
        &self,
        charge_point_id: i64,
        request_id: Option<i64>,
        entries: Vec<ConfigurationEntry>,
        replace: bool,
    ) -> Result<(), StoreError> {
        on_engine!(self, write_op, entries, move |db, entries| {
            Box::pin(resources::action::store_configuration(
                db,
                charge_point_id,
                request_id,
                entries,
                replace,
            ))
        })
    }

    async fn set_configuration_value(
        &self,
        charge_point_id: i64,
        key: String,
        value: String,
    ) -> Result<(), StoreError> {
        on_engine!(self, write_op, (key, value), move |db, (key, value)| {
            Box::pin(resources::action::set_configuration_value(
                db,
                charge_point_id,
                key,
                value,
            ))
        })
    }

    async fn new_charging_profile(
        &self,
        charge_point_id: i64,
        evse_network_id: i64,
        purpose: String,
        stack_level: i64,
        body: serde_json::Value,
    ) -> Result<i64, StoreError> {
        on_engine!(
            self,
            write_op,
            (purpose, body),
            move |db, (purpose, body)| {
                Box::pin(resources::action::new_charging_profile(
                    db,
                    charge_point_id,
                    evse_network_id,
                    purpose,
                    stack_level,
                    body,
                ))
            }
        )
    }

    async fn charging_profile_outcome(
        &self,
        id: i64,
        applied: bool,
        session_id: Option<i64>,
        profile: serde_json::Map<String, serde_json::Value>,
    ) -> Result<(), StoreError> {
        on_engine!(self, write_op, profile, move |db, profile| {
            Box::pin(resources::action::charging_profile_outcome(
                db, id, applied, session_id, profile,
            ))
        })
    }

    async fn clear_charging_profiles(
        &self,
        charge_point_id: i64,
        criteria: ProfileCriteria,
    ) -> Result<u64, StoreError> {
        on_engine!(self, write_op, criteria, move |db, criteria| {
            Box::pin(resources::action::clear_charging_profiles(
                db,
                charge_point_id,
                criteria,
            ))
        })
    }

    async fn create_reservation(&self, new: NewReservation) -> Result<i64, StoreError> {
        on_engine!(self, write_op, new, |db, new| {
            Box::pin(resources::action::create_reservation(db, new))
        })
    }

    async fn set_reservation_status(&self, id: i64, status: String) -> Result<(), StoreError> {
        on_engine!(self, write_op, status, move |db, status| {
            Box::pin(resources::action::set_reservation_status(db, id, status))
        })
    }
}
