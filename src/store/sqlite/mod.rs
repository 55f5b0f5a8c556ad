//! The embedded engine: one SQLite file in WAL mode. Writes go through the single
//! group-committing writer thread (`writer`); reads run on a small pool of read-only
//! connections, which WAL lets read beside the writer and beside each other, so a burst
//! of handshakes looking up their chargers does not queue behind one connection.
//! Shared operations run here through [`db::Lite`]: their statements never wait, so
//! the writer thread polls each to its end without a runtime.

mod db;
mod schema;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use rusqlite::Connection;

use super::StoreError;
use crate::config::StoreSettings;
use crate::store::sql;
use crate::store::sql::db::{DbError, DbResult};
use writer::Writer;

/// How many writes may wait for the writer before callers wait for room.
const WRITE_QUEUE: usize = 8192;

/// Read-only connections beside the writer.
const READERS: usize = 4;

/// See the module documentation.
pub struct Sqlite {
    writer: Writer,
    readers: Arc<Readers>,
    path: PathBuf,
    /// Poked after every commit that wrote outbox events.
    pub(crate) outbox_signal: Arc<tokio::sync::Notify>,
}

/// The read connections; a read takes a free one, or waits for one in turn.
struct Readers {
    conns: Vec<Mutex<Connection>>,
    next: AtomicUsize,
}

impl Readers {
    fn take(&self) -> MutexGuard<'_, Connection> {
        for c in &self.conns {
            if let Ok(conn) = c.try_lock() {
                return conn;
            }
        }
        let i = self.next.fetch_add(1, Ordering::Relaxed) % self.conns.len();
        self.conns[i].lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn unavailable(e: impl std::fmt::Display) -> StoreError {
    StoreError::unavailable(e.to_string())
}

impl Sqlite {
    /// Opens (creating, and migrating) the database at `settings.path`. Chargers the
    /// file says were connected are marked temporarily unavailable: nothing is
    /// connected yet.
    pub fn open(settings: &StoreSettings) -> Result<Sqlite, StoreError> {
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
            let lite = db::Lite::new(&tx);
            db::run(sql::ops::charger::mark_all_disconnected(&lite)).map_err(classify_db)?;
            tx.commit().map_err(unavailable)?;
        }
        let mut conns = Vec::with_capacity(READERS);
        for _ in 0..READERS {
            let reader =
                schema::open(path, settings.fsync, settings.busy_timeout).map_err(unavailable)?;
            reader
                .pragma_update(None, "query_only", true)
                .map_err(unavailable)?;
            conns.push(Mutex::new(reader));
        }
        let writer = Writer::spawn(conn, WRITE_QUEUE).map_err(unavailable)?;
        Ok(Sqlite {
            writer,
            readers: Arc::new(Readers {
                conns,
                next: AtomicUsize::new(0),
            }),
            path: path.to_owned(),
            outbox_signal: Arc::new(tokio::sync::Notify::new()),
        })
    }

    /// Where the file is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs a shared read operation with `args` on a read connection, off the async
    /// runtime. The operation is an async closure, run on the thread's stack: its future
    /// is never boxed (see `on_engine!`).
    pub(crate) async fn read_op<A, T, F>(&self, args: A, f: F) -> Result<T, StoreError>
    where
        A: Send + 'static,
        T: Send + 'static,
        F: for<'a> AsyncFnOnce(&'a db::Lite<'a>, &'a A) -> DbResult<T> + Send + 'static,
    {
        let readers = self.readers.clone();
        tokio::task::spawn_blocking(move || {
            let conn = readers.take();
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
        F: for<'a> AsyncFnOnce(&'a db::Lite<'a>, &'a A) -> DbResult<T> + Send + 'static,
    {
        let (value, emitted) = self
            .writer
            .write(move |tx| {
                let lite = db::Lite::new(tx);
                let value = db::run(f(&lite, &args))?;
                Ok((value, lite.emitted()))
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
        other => StoreError::unavailable(other.to_string()).caused_by(other),
    }
}
