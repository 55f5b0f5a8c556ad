//! [`Store`] on PostgreSQL: each method one transaction (the operations in `sql::ops`),
//! reads on a pooled connection.

use std::sync::Arc;

use async_trait::async_trait;

use crate::store::sql;

use super::PostgresStore;
use crate::domain::auth::{AuthorizationRecord, IdTagRecord};
use crate::domain::event::{ChargerEvent, StatusReport};
use crate::domain::tag_group::OpenTransaction;
use crate::domain::{BootInfo, MeterSample, StartTransaction, StopTransaction, TransactionUpdate};
use crate::ocpp::OcppVersion;
use crate::security::PasswordHash;
use crate::store::{ChargerRecord, NotifyStore, StopOutcome, Store, StoreError};

impl PostgresStore {
    /// The node whose sockets the store records: this one.
    fn cluster_node(&self) -> Option<Arc<str>> {
        Some(self.node_id.clone())
    }
}

#[async_trait]
impl Store for PostgresStore {
    async fn charger(&self, identity: &str) -> Result<Option<ChargerRecord>, StoreError> {
        self.read_op(identity.to_owned(), |db, identity| {
            Box::pin(sql::charger::charger(db, identity))
        })
        .await
    }

    async fn upsert_charger(&self, record: ChargerRecord) -> Result<(), StoreError> {
        self.write_op(record, |db, record| {
            Box::pin(sql::ops::charger::upsert_charger(db, record))
        })
        .await
    }

    async fn register(
        &self,
        record: ChargerRecord,
        registration: crate::domain::Registration,
    ) -> Result<(), StoreError> {
        self.write_op(record, move |db, record| {
            Box::pin(sql::ops::charger::register(db, record, registration))
        })
        .await
    }

    async fn standing(&self, identity: &str) -> Result<Option<crate::store::Standing>, StoreError> {
        self.read_op(identity.to_owned(), |db, identity| {
            Box::pin(sql::charger::standing(db, identity))
        })
        .await
    }

    async fn set_connected(
        &self,
        identity: &str,
        version: Option<OcppVersion>,
        generation: u64,
    ) -> Result<(), StoreError> {
        self.write_op(
            (self.cluster_node(), identity.to_owned()),
            move |db, (node, identity)| {
                Box::pin(sql::ops::charger::set_connected(
                    db,
                    node.as_deref(),
                    identity,
                    version,
                    generation,
                ))
            },
        )
        .await
    }

    async fn record_boot(&self, identity: &str, boot: BootInfo) -> Result<(), StoreError> {
        self.write_op((identity.to_owned(), boot), |db, (identity, boot)| {
            Box::pin(sql::ops::charger::record_boot(db, identity, boot))
        })
        .await
    }

    async fn record_status(&self, identity: &str, report: StatusReport) -> Result<(), StoreError> {
        self.write_op((identity.to_owned(), report), |db, (identity, report)| {
            Box::pin(sql::ops::charger::record_status(db, identity, report))
        })
        .await
    }

    async fn start_transaction(
        &self,
        identity: &str,
        start: StartTransaction,
    ) -> Result<i32, StoreError> {
        self.write_op((identity.to_owned(), start), |db, (identity, start)| {
            Box::pin(sql::ops::sessions::start_transaction(db, identity, start))
        })
        .await
    }

    async fn stop_transaction(
        &self,
        identity: &str,
        stop: StopTransaction,
    ) -> Result<StopOutcome, StoreError> {
        self.write_op((identity.to_owned(), stop), |db, (identity, stop)| {
            Box::pin(sql::ops::sessions::stop_transaction(db, identity, stop))
        })
        .await
    }

    async fn doubtful_transactions(
        &self,
        identity: &str,
        evse: u32,
    ) -> Result<Vec<String>, StoreError> {
        self.read_op(identity.to_owned(), move |db, identity| {
            Box::pin(sql::ops::reconcile::doubtful_transactions(
                db, identity, evse,
            ))
        })
        .await
    }

    async fn close_forgotten_transaction(
        &self,
        identity: &str,
        transaction_id: &str,
    ) -> Result<bool, StoreError> {
        self.write_op(
            (identity.to_owned(), transaction_id.to_owned()),
            |db, (identity, transaction_id)| {
                Box::pin(sql::ops::reconcile::close_forgotten_transaction(
                    db,
                    identity,
                    transaction_id,
                ))
            },
        )
        .await
    }

    async fn force_stop_session(&self, identity: &str, session: i64) -> Result<bool, StoreError> {
        self.write_op(identity.to_owned(), move |db, identity| {
            Box::pin(sql::ops::reconcile::force_stop(db, identity, session))
        })
        .await
    }

    async fn record_meter_values(
        &self,
        identity: &str,
        connector: u32,
        transaction_id: Option<String>,
        samples: Vec<MeterSample>,
    ) -> Result<(), StoreError> {
        self.write_op(
            (identity.to_owned(), transaction_id, samples),
            move |db, (identity, transaction_id, samples)| {
                Box::pin(sql::ops::sessions::record_meter_values(
                    db,
                    identity,
                    connector,
                    transaction_id.as_deref(),
                    samples,
                ))
            },
        )
        .await
    }

    async fn transaction_event(
        &self,
        identity: &str,
        update: TransactionUpdate,
    ) -> Result<(), StoreError> {
        self.write_op((identity.to_owned(), update), |db, (identity, update)| {
            Box::pin(sql::ops::sessions::transaction_event(db, identity, update))
        })
        .await
    }

    async fn set_password(
        &self,
        identity: &str,
        password: Option<PasswordHash>,
    ) -> Result<(), StoreError> {
        self.write_op(
            (identity.to_owned(), password),
            |db, (identity, password)| {
                Box::pin(sql::ops::charger::set_password(
                    db,
                    identity,
                    password.as_ref(),
                ))
            },
        )
        .await
    }

    async fn set_desired_profile(&self, identity: &str, profile: u8) -> Result<(), StoreError> {
        self.write_op(identity.to_owned(), move |db, identity| {
            Box::pin(sql::ops::charger::set_desired_profile(
                db,
                identity,
                Some(profile),
            ))
        })
        .await
    }

    async fn change_password(
        &self,
        identity: &str,
        change: crate::security::PasswordChange,
    ) -> Result<(), StoreError> {
        self.write_op((identity.to_owned(), change), |db, (identity, change)| {
            Box::pin(sql::ops::charger::change_password(db, identity, change))
        })
        .await
    }

    async fn reset_security_profile(&self, identity: &str) -> Result<(), StoreError> {
        self.write_op(identity.to_owned(), |db, identity| {
            Box::pin(sql::ops::charger::reset_security_profile(db, identity))
        })
        .await
    }

    async fn set_security_profile(&self, identity: &str, profile: u8) -> Result<(), StoreError> {
        self.write_op(identity.to_owned(), move |db, identity| {
            Box::pin(sql::ops::charger::set_security_profile(
                db, identity, profile,
            ))
        })
        .await
    }

    async fn id_tag(&self, uid: &str) -> Result<Option<IdTagRecord>, StoreError> {
        self.read_op(uid.to_owned(), |db, uid| {
            Box::pin(sql::charger::id_tag(db, uid))
        })
        .await
    }

    async fn user_id_tags(&self, user_id: i64) -> Result<Vec<IdTagRecord>, StoreError> {
        self.read_op(user_id, |db, user_id| {
            Box::pin(sql::charger::user_id_tags(db, *user_id))
        })
        .await
    }

    async fn tag_transactions(&self, id_tag: &str) -> Result<Vec<OpenTransaction>, StoreError> {
        self.read_op(id_tag.to_owned(), |db, id_tag| {
            Box::pin(sql::charger::tag_transactions(db, id_tag))
        })
        .await
    }

    async fn record_authorization(
        &self,
        identity: &str,
        record: AuthorizationRecord,
    ) -> Result<(), StoreError> {
        self.write_op((identity.to_owned(), record), |db, (identity, record)| {
            Box::pin(sql::ops::record::record_authorization(db, identity, record))
        })
        .await
    }

    async fn record_event(&self, identity: &str, event: ChargerEvent) -> Result<(), StoreError> {
        self.write_op((identity.to_owned(), event), |db, (identity, event)| {
            Box::pin(sql::ops::record::record_event(db, identity, event))
        })
        .await
    }

    fn notifications(self: Arc<Self>) -> Option<Arc<dyn NotifyStore>> {
        Some(self)
    }

    fn pnc(self: Arc<Self>) -> Option<Arc<dyn crate::store::pnc::PncStore>> {
        Some(self)
    }

    fn local_lists(self: Arc<Self>) -> Option<Arc<dyn crate::store::LocalListStore>> {
        Some(self)
    }
}
