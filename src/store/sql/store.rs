//! [`SqlStore`]: the one implementation of the storage seam, on whichever engine the
//! settings choose: the embedded SQLite file (`store.path`) or a shared PostgreSQL
//! database (`store.url`, cluster mode). Every operation is written once in this
//! module's siblings over the [`super::Db`] seam; the engine only decides how it runs
//! (SQLite: reads on read-only connections, writes in the writer thread's group commit;
//! PostgreSQL: a pooled connection, writes in a transaction retried on serialization
//! failures). `on_engine!` hands an operation to the engine: its closure is written
//! once and compiled for each engine's connection type.

use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;

use super::read::{self, ChargePointRow, SessionRow};
use crate::config::StoreSettings;
use crate::domain::auth::{AuthorizationRecord, IdTagRecord};
use crate::domain::event::{ChargerEvent, StatusReport};
use crate::domain::password::PasswordHash;
use crate::domain::protocol::Protocol;
use crate::domain::tag_group::OpenTransaction;
use crate::domain::{BootInfo, MeterSample, StartTransaction, StopTransaction, TransactionUpdate};
use crate::store::postgres::Postgres;
use crate::store::sql;
use crate::store::sqlite::Sqlite;
use crate::store::{ChargerRecord, NotifyStore, StopOutcome, Store, StoreError};

/// The store; see the module documentation.
pub struct SqlStore {
    pub(crate) engine: Engine,
}

/// The engine a [`SqlStore`] runs on.
pub(crate) enum Engine {
    Sqlite(Sqlite),
    Postgres(Arc<Postgres>),
}

/// Runs `$op` (`read_op` or `write_op`) with `$args` and the closure `$f` on the store's
/// engine, and awaits it. The closure is expanded once per engine, so the same text
/// borrows SQLite's connection in one arm and PostgreSQL's transaction in the other.
macro_rules! on_engine {
    ($store:expr, $op:ident, $args:expr, $f:expr $(,)?) => {
        match &$store.engine {
            $crate::store::sql::store::Engine::Sqlite(e) => e.$op($args, $f).await,
            $crate::store::sql::store::Engine::Postgres(e) => e.$op($args, $f).await,
        }
    };
}
pub(crate) use on_engine;

impl SqlStore {
    /// Opens (creating, and migrating) the SQLite file at `settings.path`.
    pub fn open(settings: &StoreSettings) -> Result<SqlStore, StoreError> {
        Ok(SqlStore {
            engine: Engine::Sqlite(Sqlite::open(settings)?),
        })
    }

    /// Connects to the PostgreSQL database at `settings.url` as node `node_id`,
    /// applying the migrations it lacks.
    pub async fn connect(settings: &StoreSettings, node_id: &str) -> Result<SqlStore, StoreError> {
        Ok(SqlStore {
            engine: Engine::Postgres(Arc::new(Postgres::connect(settings, node_id).await?)),
        })
    }

    /// The SQLite file, when the store is one.
    pub fn path(&self) -> Option<&Path> {
        match &self.engine {
            Engine::Sqlite(e) => Some(e.path()),
            Engine::Postgres(_) => None,
        }
    }

    /// The cluster bookkeeping (nodes' heartbeats, which node holds which charger), when
    /// the store is the shared PostgreSQL one.
    pub fn cluster(&self) -> Option<Arc<Postgres>> {
        match &self.engine {
            Engine::Sqlite(_) => None,
            Engine::Postgres(e) => Some(e.clone()),
        }
    }

    /// The node whose sockets and delivery leases the store records (queue heads leave
    /// out the queues other nodes hold): this node on
    /// PostgreSQL; none on SQLite, whose file one process has.
    pub(crate) fn cluster_node(&self) -> Option<Arc<str>> {
        match &self.engine {
            Engine::Sqlite(_) => None,
            Engine::Postgres(e) => Some(e.node()),
        }
    }

    /// Poked after every commit that wrote outbox events.
    pub(crate) fn signal(&self) -> Arc<tokio::sync::Notify> {
        match &self.engine {
            Engine::Sqlite(e) => e.outbox_signal.clone(),
            Engine::Postgres(e) => e.outbox_signal.clone(),
        }
    }

    /// A charge point by its OCPP identity.
    pub async fn charge_point_by_identity(
        &self,
        identity: &str,
    ) -> Result<Option<ChargePointRow>, StoreError> {
        on_engine!(self, read_op, identity.to_owned(), |db, identity| {
            Box::pin(read::charge_point_by_identity(db, identity))
        })
    }

    /// An EVSE's hardware status (the OCPP EVSE id, or the 1.6 connector id).
    pub async fn evse_status(
        &self,
        identity: &str,
        evse: u32,
    ) -> Result<Option<String>, StoreError> {
        on_engine!(self, read_op, identity.to_owned(), move |db, identity| {
            Box::pin(read::evse_status(db, identity, evse))
        })
    }

    /// A charger's sessions, oldest first.
    pub async fn sessions_of(&self, identity: &str) -> Result<Vec<SessionRow>, StoreError> {
        on_engine!(self, read_op, identity.to_owned(), |db, identity| {
            Box::pin(read::sessions_of(db, identity))
        })
    }

    /// How many rows a table holds (for operators' checks and tests).
    pub async fn count(&self, table: &'static str) -> Result<i64, StoreError> {
        on_engine!(self, read_op, (), move |db, ()| Box::pin(read::count(
            db, table
        )))
    }

    /// Meter samples stored for a charger.
    pub async fn meter_value_count(&self, identity: &str) -> Result<i64, StoreError> {
        on_engine!(self, read_op, identity.to_owned(), |db, identity| {
            Box::pin(read::meter_value_count(db, identity))
        })
    }
}

#[async_trait]
impl Store for SqlStore {
    async fn charger(&self, identity: &str) -> Result<Option<ChargerRecord>, StoreError> {
        on_engine!(self, read_op, identity.to_owned(), |db, identity| {
            Box::pin(sql::charger::charger(db, identity))
        })
    }

    async fn upsert_charger(&self, record: ChargerRecord) -> Result<(), StoreError> {
        on_engine!(self, write_op, record, |db, record| {
            Box::pin(sql::ops::charger::upsert_charger(db, record))
        })
    }

    async fn register(
        &self,
        record: ChargerRecord,
        registration: crate::domain::Registration,
    ) -> Result<(), StoreError> {
        on_engine!(self, write_op, record, move |db, record| {
            Box::pin(sql::ops::charger::register(db, record, registration))
        })
    }

    async fn standing(&self, identity: &str) -> Result<Option<crate::store::Standing>, StoreError> {
        on_engine!(self, read_op, identity.to_owned(), |db, identity| {
            Box::pin(sql::charger::standing(db, identity))
        })
    }

    async fn set_connected(
        &self,
        identity: &str,
        version: Option<Protocol>,
        generation: u64,
    ) -> Result<(), StoreError> {
        on_engine!(
            self,
            write_op,
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
    }

    async fn record_boot(&self, identity: &str, boot: BootInfo) -> Result<(), StoreError> {
        on_engine!(self, write_op, (identity.to_owned(), boot), |db,
                                                                 (
            identity,
            boot,
        )| {
            Box::pin(sql::ops::charger::record_boot(db, identity, boot))
        })
    }

    async fn record_status(&self, identity: &str, report: StatusReport) -> Result<(), StoreError> {
        on_engine!(self, write_op, (identity.to_owned(), report), |db,
                                                                   (
            identity,
            report,
        )| {
            Box::pin(sql::ops::charger::record_status(db, identity, report))
        })
    }

    async fn start_transaction(
        &self,
        identity: &str,
        start: StartTransaction,
    ) -> Result<i32, StoreError> {
        on_engine!(self, write_op, (identity.to_owned(), start), |db,
                                                                  (
            identity,
            start,
        )| {
            Box::pin(sql::ops::sessions::start_transaction(db, identity, start))
        })
    }

    async fn stop_transaction(
        &self,
        identity: &str,
        stop: StopTransaction,
    ) -> Result<StopOutcome, StoreError> {
        on_engine!(self, write_op, (identity.to_owned(), stop), |db,
                                                                 (
            identity,
            stop,
        )| {
            Box::pin(sql::ops::sessions::stop_transaction(db, identity, stop))
        })
    }

    async fn doubtful_transactions(
        &self,
        identity: &str,
        evse: u32,
    ) -> Result<Vec<String>, StoreError> {
        on_engine!(self, read_op, identity.to_owned(), move |db, identity| {
            Box::pin(sql::ops::reconcile::doubtful_transactions(
                db, identity, evse,
            ))
        })
    }

    async fn close_forgotten_transaction(
        &self,
        identity: &str,
        transaction_id: &str,
    ) -> Result<bool, StoreError> {
        on_engine!(
            self,
            write_op,
            (identity.to_owned(), transaction_id.to_owned()),
            |db, (identity, transaction_id)| {
                Box::pin(sql::ops::reconcile::close_forgotten_transaction(
                    db,
                    identity,
                    transaction_id,
                ))
            },
        )
    }

    async fn force_stop_session(&self, identity: &str, session: i64) -> Result<bool, StoreError> {
        on_engine!(self, write_op, identity.to_owned(), move |db, identity| {
            Box::pin(sql::ops::reconcile::force_stop(db, identity, session))
        })
    }

    async fn record_meter_values(
        &self,
        identity: &str,
        connector: u32,
        transaction_id: Option<String>,
        samples: Vec<MeterSample>,
    ) -> Result<(), StoreError> {
        on_engine!(
            self,
            write_op,
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
    }

    async fn transaction_event(
        &self,
        identity: &str,
        update: TransactionUpdate,
    ) -> Result<(), StoreError> {
        on_engine!(self, write_op, (identity.to_owned(), update), |db,
                                                                   (
            identity,
            update,
        )| {
            Box::pin(sql::ops::sessions::transaction_event(db, identity, update))
        })
    }

    async fn set_password(
        &self,
        identity: &str,
        password: Option<PasswordHash>,
    ) -> Result<(), StoreError> {
        on_engine!(self, write_op, (identity.to_owned(), password), |db,
                                                                     (
            identity,
            password,
        )| {
            Box::pin(sql::ops::charger::set_password(
                db,
                identity,
                password.as_ref(),
            ))
        },)
    }

    async fn set_desired_profile(&self, identity: &str, profile: u8) -> Result<(), StoreError> {
        on_engine!(self, write_op, identity.to_owned(), move |db, identity| {
            Box::pin(sql::ops::charger::set_desired_profile(
                db,
                identity,
                Some(profile),
            ))
        })
    }

    async fn change_password(
        &self,
        identity: &str,
        change: crate::domain::password::PasswordChange,
    ) -> Result<(), StoreError> {
        on_engine!(self, write_op, (identity.to_owned(), change), |db,
                                                                   (
            identity,
            change,
        )| {
            Box::pin(sql::ops::charger::change_password(db, identity, change))
        })
    }

    async fn reset_security_profile(&self, identity: &str) -> Result<(), StoreError> {
        on_engine!(self, write_op, identity.to_owned(), |db, identity| {
            Box::pin(sql::ops::charger::reset_security_profile(db, identity))
        })
    }

    async fn set_security_profile(&self, identity: &str, profile: u8) -> Result<(), StoreError> {
        on_engine!(self, write_op, identity.to_owned(), move |db, identity| {
            Box::pin(sql::ops::charger::set_security_profile(
                db, identity, profile,
            ))
        })
    }

    async fn id_tag(&self, uid: &str) -> Result<Option<IdTagRecord>, StoreError> {
        on_engine!(self, read_op, uid.to_owned(), |db, uid| {
            Box::pin(sql::charger::id_tag(db, uid))
        })
    }

    async fn user_id_tags(&self, user_id: i64) -> Result<Vec<IdTagRecord>, StoreError> {
        on_engine!(self, read_op, user_id, |db, user_id| {
            Box::pin(sql::charger::user_id_tags(db, *user_id))
        })
    }

    async fn tag_transactions(&self, id_tag: &str) -> Result<Vec<OpenTransaction>, StoreError> {
        on_engine!(self, read_op, id_tag.to_owned(), |db, id_tag| {
            Box::pin(sql::charger::tag_transactions(db, id_tag))
        })
    }

    async fn record_authorization(
        &self,
        identity: &str,
        record: AuthorizationRecord,
    ) -> Result<(), StoreError> {
        on_engine!(self, write_op, (identity.to_owned(), record), |db,
                                                                   (
            identity,
            record,
        )| {
            Box::pin(sql::ops::record::record_authorization(db, identity, record))
        })
    }

    async fn record_event(&self, identity: &str, event: ChargerEvent) -> Result<(), StoreError> {
        on_engine!(self, write_op, (identity.to_owned(), event), |db,
                                                                  (
            identity,
            event,
        )| {
            Box::pin(sql::ops::record::record_event(db, identity, event))
        })
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
