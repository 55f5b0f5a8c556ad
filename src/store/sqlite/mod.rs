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
use crate::domain::auth::{AuthorizationRecord, IdTagRecord, IdTagStatus};
use crate::domain::event::{ChargerEvent, StatusReport};
use crate::domain::tag_group::OpenTransaction;
use crate::domain::{BootInfo, MeterSample, StartTransaction, StopTransaction, TransactionUpdate};
use crate::ocpp::OcppVersion;
use crate::security::PasswordHash;
use crate::store::sql::{DbError, DbResult};
use writer::Writer;

pub use ops::protocol_name;
/// Times as both stores write them, and the remote-start window they share.
pub(crate) use ops::{now, ts, REMOTE_START_WINDOW};

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
            ops::mark_all_disconnected(&tx).map_err(unavailable)?;
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

/// The columns `tag_record` reads.
const TAG_RECORD_COLUMNS: &str = "id_tag_uid, status, expire_at, user_id";

/// An id tag as the authorizer sees it.
fn tag_record(r: &rusqlite::Row<'_>) -> rusqlite::Result<IdTagRecord> {
    let status: String = r.get(1)?;
    let expire: Option<String> = r.get(2)?;
    Ok(IdTagRecord {
        uid: r.get(0)?,
        // An unreadable status blocks rather than admits.
        status: IdTagStatus::parse(&status).unwrap_or(IdTagStatus::Disabled),
        expire_at: expire
            .as_deref()
            .and_then(|e| chrono::DateTime::parse_from_rfc3339(e).ok())
            .map(|e| e.with_timezone(&chrono::Utc)),
        user_id: r.get(3)?,
    })
}

#[async_trait]
impl Store for SqliteStore {
    async fn charger(&self, identity: &str) -> Result<Option<ChargerRecord>, StoreError> {
        let identity = identity.to_owned();
        self.read(move |c| {
            use rusqlite::OptionalExtension;
            c.prepare_cached(
                "SELECT identity, password_hash, strict, current_profile, pending_password_hashes,
                        desired_profile
                 FROM charge_points WHERE identity = ?1",
            )?
            .query_row([&identity], |r| {
                let hash: Option<String> = r.get(1)?;
                let pending: Option<String> = r.get(4)?;
                Ok(ChargerRecord {
                    identity: r.get(0)?,
                    password: hash.as_deref().and_then(PasswordHash::from_hex),
                    strict: r.get(2)?,
                    security_profile: profile_of(r.get(3)?),
                    pending_passwords: crate::security::password::pending_from_text(
                        pending.as_deref(),
                    ),
                    desired_profile: profile_of(r.get(5)?),
                })
            })
            .optional()
        })
        .await
    }

    async fn upsert_charger(&self, record: ChargerRecord) -> Result<(), StoreError> {
        self.write(move |tx| ops::upsert_charger(tx, &record)).await
    }

    async fn register(
        &self,
        record: ChargerRecord,
        registration: crate::domain::Registration,
    ) -> Result<(), StoreError> {
        self.write(move |tx| {
            ops::upsert_charger(tx, &record)?;
            tx.prepare_cached("UPDATE charge_points SET registration = ?2 WHERE identity = ?1")?
                .execute(rusqlite::params![record.identity, registration.as_str()])?;
            Ok(())
        })
        .await
    }

    async fn standing(&self, identity: &str) -> Result<Option<crate::store::Standing>, StoreError> {
        let identity = identity.to_owned();
        self.read(move |c| {
            use rusqlite::OptionalExtension;
            c.prepare_cached(
                "SELECT registration, system_status FROM charge_points WHERE identity = ?1",
            )?
            .query_row([&identity], |r| {
                let registration: String = r.get(0)?;
                Ok(crate::store::Standing {
                    // An unknown stored value holds the charger rather than admitting it.
                    registration: crate::domain::Registration::parse(&registration)
                        .unwrap_or(crate::domain::Registration::Pending),
                    system_status: r.get(1)?,
                })
            })
            .optional()
        })
        .await
    }

    async fn set_connected(
        &self,
        identity: &str,
        version: Option<OcppVersion>,
        generation: u64,
    ) -> Result<(), StoreError> {
        let identity = identity.to_owned();
        self.write(move |tx| ops::set_connected(tx, &identity, version, generation))
            .await
    }

    async fn record_boot(&self, identity: &str, boot: BootInfo) -> Result<(), StoreError> {
        let identity = identity.to_owned();
        self.write(move |tx| ops::record_boot(tx, &identity, &boot))
            .await
    }

    async fn record_status(&self, identity: &str, report: StatusReport) -> Result<(), StoreError> {
        let identity = identity.to_owned();
        self.write(move |tx| ops::record_status(tx, &identity, &report))
            .await
    }

    async fn start_transaction(
        &self,
        identity: &str,
        start: StartTransaction,
    ) -> Result<i32, StoreError> {
        let identity = identity.to_owned();
        self.write(move |tx| ops::start_transaction(tx, &identity, &start))
            .await
    }

    async fn stop_transaction(
        &self,
        identity: &str,
        stop: StopTransaction,
    ) -> Result<StopOutcome, StoreError> {
        let identity = identity.to_owned();
        self.write(move |tx| ops::stop_transaction(tx, &identity, &stop))
            .await
    }

    async fn doubtful_transactions(
        &self,
        identity: &str,
        evse: u32,
    ) -> Result<Vec<String>, StoreError> {
        let identity = identity.to_owned();
        self.read(move |c| ops::doubtful_transactions(c, &identity, evse))
            .await
    }

    async fn close_forgotten_transaction(
        &self,
        identity: &str,
        transaction_id: &str,
    ) -> Result<bool, StoreError> {
        let (identity, transaction_id) = (identity.to_owned(), transaction_id.to_owned());
        self.write(move |tx| ops::close_forgotten_transaction(tx, &identity, &transaction_id))
            .await
    }

    async fn force_stop_session(&self, identity: &str, session: i64) -> Result<bool, StoreError> {
        let identity = identity.to_owned();
        self.write(move |tx| ops::force_stop(tx, &identity, session))
            .await
    }

    async fn record_meter_values(
        &self,
        identity: &str,
        connector: u32,
        transaction_id: Option<String>,
        samples: Vec<MeterSample>,
    ) -> Result<(), StoreError> {
        let identity = identity.to_owned();
        self.write(move |tx| {
            ops::record_meter_values(
                tx,
                &identity,
                connector,
                transaction_id.as_deref(),
                &samples,
            )
        })
        .await
    }

    async fn transaction_event(
        &self,
        identity: &str,
        update: TransactionUpdate,
    ) -> Result<(), StoreError> {
        let identity = identity.to_owned();
        self.write(move |tx| ops::transaction_event(tx, &identity, &update))
            .await
    }

    async fn set_password(
        &self,
        identity: &str,
        password: Option<PasswordHash>,
    ) -> Result<(), StoreError> {
        let identity = identity.to_owned();
        self.write(move |tx| ops::set_password(tx, &identity, password.as_ref()))
            .await
    }

    async fn set_desired_profile(&self, identity: &str, profile: u8) -> Result<(), StoreError> {
        let identity = identity.to_owned();
        self.write(move |tx| ops::set_desired_profile(tx, &identity, Some(profile)))
            .await
    }

    async fn change_password(
        &self,
        identity: &str,
        change: crate::security::PasswordChange,
    ) -> Result<(), StoreError> {
        let identity = identity.to_owned();
        self.write(move |tx| ops::change_password(tx, &identity, &change))
            .await
    }

    async fn reset_security_profile(&self, identity: &str) -> Result<(), StoreError> {
        let identity = identity.to_owned();
        self.write(move |tx| ops::reset_security_profile(tx, &identity))
            .await
    }

    async fn set_security_profile(&self, identity: &str, profile: u8) -> Result<(), StoreError> {
        let identity = identity.to_owned();
        self.write(move |tx| ops::set_security_profile(tx, &identity, profile))
            .await
    }

    async fn id_tag(&self, uid: &str) -> Result<Option<IdTagRecord>, StoreError> {
        let uid = uid.to_owned();
        self.read(move |c| {
            use rusqlite::OptionalExtension;
            c.prepare_cached(&format!(
                "SELECT {TAG_RECORD_COLUMNS} FROM id_tags WHERE id_tag_uid = ?1"
            ))?
            .query_row([&uid], tag_record)
            .optional()
        })
        .await
    }

    async fn user_id_tags(&self, user_id: i64) -> Result<Vec<IdTagRecord>, StoreError> {
        self.read(move |c| {
            c.prepare_cached(&format!(
                "SELECT {TAG_RECORD_COLUMNS} FROM id_tags WHERE user_id = ?1 ORDER BY id LIMIT 100"
            ))?
            .query_map([user_id], tag_record)?
            .collect()
        })
        .await
    }

    async fn tag_transactions(&self, id_tag: &str) -> Result<Vec<OpenTransaction>, StoreError> {
        let id_tag = id_tag.to_owned();
        self.read(move |c| {
            c.prepare_cached(
                "SELECT s.status = 'active', cp.identity, s.evse_network_id, s.transaction_id
                 FROM sessions s JOIN charge_points cp ON cp.id = s.charge_point_id
                 WHERE s.id_tag = ?1 AND s.status IN ('pending', 'active') ORDER BY s.id LIMIT 50",
            )?
            .query_map([&id_tag], |r| {
                Ok(OpenTransaction {
                    active: r.get(0)?,
                    identity: r.get(1)?,
                    evse: r.get(2)?,
                    transaction_id: r.get(3)?,
                })
            })?
            .collect()
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
        let identity = identity.to_owned();
        self.write(move |tx| ops::record_event(tx, &identity, &event))
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

/// A stored profile column as a profile (absent or out of range: 0).
fn profile_of(value: Option<i64>) -> u8 {
    value.and_then(|p| u8::try_from(p).ok()).unwrap_or(0)
}
