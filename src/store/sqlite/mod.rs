//! The embedded store: one SQLite file in WAL mode. Writes go through the single
//! group-committing writer; reads use their own connections, which WAL lets run beside
//! the writer.

mod db;
mod local_list;
mod notify;
pub(crate) mod ops;
pub mod outbox;
pub use crate::store::sql::payload;
mod pnc;
pub mod read;
mod resources;
mod schema;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;

use crate::store::sql;
use futures_util::future::LocalBoxFuture;
use rusqlite::Connection;

use super::{ChargerRecord, NotifyStore, StopOutcome, Store, StoreError};
use crate::config::StoreSettings;
use crate::domain::auth::{AuthorizationRecord, IdTagRecord};
use crate::domain::event::{ChargerEvent, StatusReport};
use crate::domain::tag_group::OpenTransaction;
use crate::domain::{BootInfo, MeterSample, StartTransaction, StopTransaction, TransactionUpdate};
use crate::ocpp::OcppVersion;
use crate::security::PasswordHash;
use crate::store::sql::{DbError, DbResult};
use writer::Writer;

/// Times as both stores write them, and the remote-start window they share.
pub(crate) use crate::store::sql::ops::sessions::REMOTE_START_WINDOW;
pub use crate::store::sql::protocol_name;
pub(crate) use crate::store::sql::{now, ts};

/// How many writes may wait for the writer before callers wait for room.
const WRITE_QUEUE: usize = 8192;

/// See the module documentation.
pub struct SqliteStore {
    writer: Writer,
    reader: Arc<Mutex<Connection>>,
    path: PathBuf,
    /// Poked after every commit that wrote outbox events.
    outbox_signal: Arc<tokio::sync::Notify>,
}

fn unavailable(e: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(e.to_string())
}

impl SqliteStore {
    /// Opens (creating, and migrating) the database at `path`. Chargers the file says
    /// were connected are marked temporarily unavailable: nothing is connected yet.
    pub fn open(settings: &StoreSettings) -> Result<SqliteStore, StoreError> {
        let path = settings.path.as_path();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| unavailable(format!("creating {}: {e}", dir.display())))?;
        }
        let mut conn = schema::open(path, settings.fsync, settings.busy_timeout)
            .map_err(|e| unavailable(format!("opening {}: {e}", path.display())))?;
        schema::migrate(&mut conn).map_err(|e| unavailable(format!("migrating: {e}")))?;
        {
            let tx = conn.transaction().map_err(unavailable)?;
            db::run(sql::ops::charger::mark_all_disconnected(&db::Lite::new(
                &tx,
            )))
            .map_err(classify_db)?;
            tx.commit().map_err(unavailable)?;
        }
        let reader =
            schema::open(path, settings.fsync, settings.busy_timeout).map_err(unavailable)?;
        let writer = Writer::spawn(conn, WRITE_QUEUE).map_err(unavailable)?;
        Ok(SqliteStore {
            writer,
            reader: Arc::new(Mutex::new(reader)),
            path: path.to_owned(),
            outbox_signal: Arc::new(tokio::sync::Notify::new()),
        })
    }

    /// Where the file is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs a read on the read connection, off the async runtime.
    pub async fn read<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    {
        let reader = self.reader.clone();
        tokio::task::spawn_blocking(move || {
            let conn = reader.lock().unwrap_or_else(|p| p.into_inner());
            f(&conn).map_err(writer::classify)
        })
        .await
        .map_err(|e| unavailable(format!("read task: {e}")))?
    }

    /// Runs a write in the next group commit. When it emitted notification events
    /// ([`outbox::emit`]), delivery is woken once the commit is done.
    pub async fn write<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&rusqlite::Transaction<'_>) -> rusqlite::Result<T> + Send + 'static,
    {
        let (value, emitted) = self
            .writer
            .write(move |tx| {
                outbox::take_emitted();
                let value = f(tx)?;
                Ok((value, outbox::take_emitted()))
            })
            .await?;
        if emitted {
            self.outbox_signal.notify_one();
        }
        Ok(value)
    }
}

impl SqliteStore {
    /// Runs a shared read operation with `args` on the read connection, off the async
    /// runtime. Same shape as the PostgreSQL store's, so one closure serves both.
    pub(crate) async fn read_op<A, T, F>(&self, args: A, f: F) -> Result<T, StoreError>
    where
        A: Send + 'static,
        T: Send + 'static,
        F: for<'a> FnOnce(&'a db::Lite<'a>, &'a A) -> LocalBoxFuture<'a, DbResult<T>>
            + Send
            + 'static,
    {
        let reader = self.reader.clone();
        tokio::task::spawn_blocking(move || {
            let conn = reader.lock().unwrap_or_else(|p| p.into_inner());
            let lite = db::Lite::new(&conn);
            db::run(f(&lite, &args)).map_err(classify_db)
        })
        .await
        .map_err(|e| unavailable(format!("read task: {e}")))?
    }

    /// Runs a shared write operation with `args` in the next group commit; delivery is
    /// woken once the commit is done when it emitted notification events.
    pub(crate) async fn write_op<A, T, F>(&self, args: A, f: F) -> Result<T, StoreError>
    where
        A: Send + 'static,
        T: Send + 'static,
        F: for<'a> FnOnce(&'a db::Lite<'a>, &'a A) -> LocalBoxFuture<'a, DbResult<T>>
            + Send
            + 'static,
    {
        let (value, emitted) = self
            .writer
            .write_db(move |tx| {
                outbox::take_emitted();
                let lite = db::Lite::new(tx);
                let value = db::run(f(&lite, &args))?;
                Ok((value, lite.emitted() || outbox::take_emitted()))
            })
            .await?;
        if emitted {
            self.outbox_signal.notify_one();
        }
        Ok(value)
    }
}

/// A shared operation's error as the store reports it.
pub(crate) fn classify_db(e: DbError) -> StoreError {
    match e {
        DbError::Sqlite(e) => writer::classify(e),
        DbError::Store(e) => e,
        other => StoreError::Unavailable(other.to_string()),
    }
}

impl SqliteStore {
    /// The node whose sockets the store records: none, one node has the file.
    fn cluster_node(&self) -> Option<Arc<str>> {
        None
    }
}

#[async_trait]
impl Store for SqliteStore {
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
