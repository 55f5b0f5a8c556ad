//! [`Resources`] on the shared store: what the northbound API reads and writes, with
//! the same results as the embedded store (`store/sqlite/resources/`), query for query.
//! Reads run on a pooled connection; each write is one transaction. One file per
//! resource family, as there.
//!
//! Where the engines differ, the queries here say so: text that orders (time windows,
//! configuration keys) compares byte-wise with `COLLATE "C"`, whatever the database's
//! collation; text filters holding NUL (which PostgreSQL text cannot) match nothing.
//! Ids come out alike: SQLite's AUTOINCREMENT, like an identity column, spends an id on
//! an insert `ON CONFLICT DO NOTHING` refused, but unlike one gets it back when a
//! transaction rolls back, so inserts that could fail on their charge point's foreign
//! key select the charge point first.

mod action;
mod activity;
mod charge_point;
mod evse;
mod id_tag;
mod query;
mod session;
#[cfg(test)]
mod tests;

use async_trait::async_trait;
use tokio_postgres::IsolationLevel;

use super::PostgresStore;
use crate::store::resources::*;
use crate::store::StoreError;

pub(super) type PgResult<T> = Result<T, tokio_postgres::Error>;

/// A driver error as the store reports it: a refused constraint is a conflict (as in
/// the embedded store), anything else leaves the store unavailable.
fn classify(e: tokio_postgres::Error) -> StoreError {
    let text = match e.as_db_error() {
        Some(db) => db.to_string(),
        None => e.to_string(),
    };
    match e.code() {
        // Class 23: integrity constraint violation.
        Some(code) if code.code().starts_with("23") => StoreError::Conflict(text),
        _ => StoreError::Unavailable(format!("postgres: {text}")),
    }
}

/// What an insert into an unknown charge point's rows meets: a conflict, as the
/// embedded store's foreign key reports it.
fn unknown_charge_point(found: Option<i64>, cp: i64) -> Result<i64, StoreError> {
    found.ok_or_else(|| StoreError::Conflict(format!("charge point {cp} is unknown")))
}

/// What a write found, told apart from the engine's own errors.
enum Outcome<T> {
    Done(T),
    Refused(ResourceError),
}

fn settle<T>(r: Outcome<T>) -> Result<T, ResourceError> {
    match r {
        Outcome::Done(v) => Ok(v),
        Outcome::Refused(e) => Err(e),
    }
}

/// `$body` (an expression using the connection `$c`) on a pooled connection.
macro_rules! on_client {
    ($store:expr, |$c:ident| $body:expr) => {{
        let $c = $store.client().await?;
        $body.await.map_err(classify)
    }};
}

/// `$body` (an expression using the transaction `$tx`) in one committed transaction;
/// an error rolls it back.
macro_rules! in_transaction {
    ($store:expr, |$tx:ident| $body:expr) => {{
        let mut client = $store.client().await?;
        let $tx = client.transaction().await.map_err(classify)?;
        let value = $body.await.map_err(classify)?;
        $tx.commit().await.map_err(classify)?;
        value
    }};
}

impl PostgresStore {
    /// Wakes delivery once a commit wrote outbox rows.
    fn wake_delivery_if(&self, emitted: bool) {
        if emitted {
            self.outbox_signal.notify_one();
        }
    }
}

#[async_trait]
impl Resources for PostgresStore {
    async fn charge_points(
        &self,
        filter: ChargePointFilter,
        page: Page,
    ) -> Result<Vec<ChargePointView>, StoreError> {
        on_client!(self, |c| charge_point::list(&c, &filter, page))
    }

    async fn charge_point(&self, id: i64) -> Result<Option<ChargePointView>, StoreError> {
        on_client!(self, |c| charge_point::get(&c, id))
    }

    async fn create_charge_point(
        &self,
        new: NewChargePoint,
    ) -> Result<ChargePointView, ResourceError> {
        settle(in_transaction!(self, |tx| charge_point::create(&tx, &new)))
    }

    async fn update_charge_point(
        &self,
        id: i64,
        patch: ChargePointPatch,
    ) -> Result<ChargePointView, ResourceError> {
        settle(in_transaction!(self, |tx| charge_point::update(
            &tx, id, &patch
        )))
    }

    async fn delete_charge_point(&self, id: i64) -> Result<String, ResourceError> {
        in_transaction!(self, |tx| charge_point::delete(&tx, id)).ok_or(ResourceError::NotFound)
    }

    async fn evses(&self, filter: EvseFilter, page: Page) -> Result<Vec<EvseView>, StoreError> {
        on_client!(self, |c| evse::list(&c, &filter, page))
    }

    async fn evse(&self, id: i64) -> Result<Option<EvseView>, StoreError> {
        on_client!(self, |c| evse::get(&c, id))
    }

    async fn hardware_status_logs(
        &self,
        charge_point_id: i64,
        created: Window,
        page: Page,
    ) -> Result<Vec<HardwareStatusLogView>, StoreError> {
        on_client!(self, |c| evse::hardware_logs(
            &c,
            charge_point_id,
            &created,
            page
        ))
    }

    async fn latest_hardware_status_log(
        &self,
        charge_point_id: i64,
    ) -> Result<Option<HardwareStatusLogView>, StoreError> {
        on_client!(self, |c| evse::latest_hardware_log(&c, charge_point_id))
    }

    async fn network_status_logs(
        &self,
        charge_point_id: i64,
        created: Window,
        page: Page,
    ) -> Result<Vec<NetworkStatusLogView>, StoreError> {
        on_client!(self, |c| evse::network_logs(
            &c,
            charge_point_id,
            &created,
            page
        ))
    }

    async fn latest_network_status_log(
        &self,
        charge_point_id: i64,
    ) -> Result<Option<NetworkStatusLogView>, StoreError> {
        on_client!(self, |c| evse::latest_network_log(&c, charge_point_id))
    }

    async fn configurations(
        &self,
        charge_point_id: i64,
        key: Option<String>,
    ) -> Result<Vec<ConfigurationView>, StoreError> {
        on_client!(self, |c| evse::configurations(
            &c,
            charge_point_id,
            key.as_deref()
        ))
    }

    async fn sessions(
        &self,
        filter: SessionFilter,
        page: Page,
    ) -> Result<Vec<SessionView>, StoreError> {
        on_client!(self, |c| session::list(&c, &filter, page))
    }

    async fn session(&self, id: i64) -> Result<Option<SessionView>, StoreError> {
        on_client!(self, |c| session::get(&c, id))
    }

    async fn id_tags(&self, filter: IdTagFilter, page: Page) -> Result<Vec<IdTagView>, StoreError> {
        on_client!(self, |c| id_tag::list(&c, &filter, page))
    }

    async fn id_tag(&self, id: i64) -> Result<Option<IdTagView>, StoreError> {
        on_client!(self, |c| id_tag::get(&c, id))
    }

    async fn create_id_tag(&self, new: NewIdTag) -> Result<IdTagView, ResourceError> {
        settle(in_transaction!(self, |tx| id_tag::create(&tx, &new)))
    }

    async fn update_id_tag(&self, id: i64, patch: IdTagPatch) -> Result<IdTagView, ResourceError> {
        settle(in_transaction!(self, |tx| id_tag::update(&tx, id, &patch)))
    }

    async fn delete_id_tag(&self, id: i64) -> Result<(), ResourceError> {
        if in_transaction!(self, |tx| id_tag::delete(&tx, id)) {
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
        on_client!(self, |c| activity::authorizations(&c, &filter, page))
    }

    async fn authorization(&self, id: i64) -> Result<Option<AuthorizationView>, StoreError> {
        on_client!(self, |c| activity::authorization(&c, id))
    }

    async fn reservations(
        &self,
        filter: ReservationFilter,
        offset: u64,
        limit: u32,
    ) -> Result<(Vec<ReservationView>, u64), StoreError> {
        // The total and the page from one snapshot.
        let mut client = self.client().await?;
        let tx = client
            .build_transaction()
            .isolation_level(IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .await
            .map_err(classify)?;
        let found = activity::reservations(&tx, &filter, offset, limit)
            .await
            .map_err(classify)?;
        tx.commit().await.map_err(classify)?;
        Ok(found)
    }

    async fn reservation(&self, id: i64) -> Result<Option<ReservationView>, StoreError> {
        on_client!(self, |c| activity::reservation(&c, id))
    }

    async fn security_events(
        &self,
        filter: SecurityEventFilter,
        page: Page,
    ) -> Result<Vec<SecurityEventView>, StoreError> {
        on_client!(self, |c| activity::security_events(&c, &filter, page))
    }

    async fn security_event(&self, id: i64) -> Result<Option<SecurityEventView>, StoreError> {
        on_client!(self, |c| activity::security_event(&c, id))
    }

    async fn new_request_id(&self, charge_point_id: i64, kind: &str) -> Result<i64, StoreError> {
        let id = in_transaction!(self, |tx| action::new_request_id(
            &tx,
            charge_point_id,
            kind
        ));
        unknown_charge_point(id, charge_point_id)
    }

    async fn create_pending_session(
        &self,
        charge_point_id: i64,
        evse_network_id: Option<i64>,
        id_tag: String,
    ) -> Result<i64, StoreError> {
        let id = in_transaction!(self, |tx| action::create_pending_session(
            &tx,
            charge_point_id,
            evse_network_id,
            &id_tag
        ));
        unknown_charge_point(id, charge_point_id)
    }

    async fn fail_pending_session(&self, id: i64, reason: String) -> Result<(), StoreError> {
        in_transaction!(self, |tx| action::fail_pending_session(&tx, id, &reason));
        Ok(())
    }

    async fn session_transaction_id(&self, id: i64) -> Result<Option<String>, StoreError> {
        on_client!(self, |c| action::session_transaction_id(&c, id))
    }

    async fn store_configuration(
        &self,
        charge_point_id: i64,
        request_id: Option<i64>,
        entries: Vec<ConfigurationEntry>,
        replace: bool,
    ) -> Result<(), StoreError> {
        let emitted = in_transaction!(self, |tx| action::store_configuration(
            &tx,
            charge_point_id,
            request_id,
            &entries,
            replace
        ));
        self.wake_delivery_if(emitted);
        Ok(())
    }

    async fn set_configuration_value(
        &self,
        charge_point_id: i64,
        key: String,
        value: String,
    ) -> Result<(), StoreError> {
        in_transaction!(self, |tx| action::set_configuration_value(
            &tx,
            charge_point_id,
            &key,
            &value
        ));
        Ok(())
    }

    async fn new_charging_profile(
        &self,
        charge_point_id: i64,
        evse_network_id: i64,
        purpose: String,
        stack_level: i64,
        body: serde_json::Value,
    ) -> Result<i64, StoreError> {
        let id = in_transaction!(self, |tx| action::new_charging_profile(
            &tx,
            charge_point_id,
            evse_network_id,
            &purpose,
            stack_level,
            &body
        ));
        unknown_charge_point(id, charge_point_id)
    }

    async fn charging_profile_outcome(
        &self,
        id: i64,
        applied: bool,
        session_id: Option<i64>,
        profile: serde_json::Map<String, serde_json::Value>,
    ) -> Result<(), StoreError> {
        let emitted = in_transaction!(self, |tx| action::charging_profile_outcome(
            &tx, id, applied, session_id, profile
        ));
        self.wake_delivery_if(emitted);
        Ok(())
    }

    async fn clear_charging_profiles(
        &self,
        charge_point_id: i64,
        criteria: ProfileCriteria,
    ) -> Result<u64, StoreError> {
        Ok(in_transaction!(self, |tx| action::clear_charging_profiles(
            &tx,
            charge_point_id,
            &criteria
        )))
    }

    async fn create_reservation(&self, new: NewReservation) -> Result<i64, StoreError> {
        let cp = new.charge_point_id;
        let id = in_transaction!(self, |tx| action::create_reservation(&tx, &new));
        unknown_charge_point(id, cp)
    }

    async fn set_reservation_status(&self, id: i64, status: String) -> Result<(), StoreError> {
        let emitted = in_transaction!(self, |tx| action::set_reservation_status(&tx, id, &status));
        self.wake_delivery_if(emitted);
        Ok(())
    }
}
