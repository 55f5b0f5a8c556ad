//! The single writer: one thread owns the write connection and commits in groups. Every
//! job that arrives while a commit is under way joins the next one, so a burst of
//! MeterValues from thousands of chargers costs one fsync per batch, not per message.
//! Each job runs under its own savepoint: a failing job is rolled back alone and the
//! rest of its batch still commits. Callers hear back only after the commit.

use std::sync::mpsc as std_mpsc;
use std::thread;

use rusqlite::{Connection, Transaction};
use tokio::sync::oneshot;

use super::super::StoreError;
use crate::store::sql::DbResult;

/// What a job does inside the batch's transaction; it returns how to deliver its
/// outcome once the batch's fate is known.
pub type Work = Box<dyn FnOnce(Option<&Transaction<'_>>) -> Deliver + Send>;

/// Called with the commit's outcome: `Ok` once committed, `Err` if the commit failed.
pub type Deliver = Box<dyn FnOnce(Result<(), StoreError>) + Send>;

/// Largest batch per commit.
const MAX_BATCH: usize = 512;

/// Prepared statements kept by the writer's connection.
const STATEMENT_CACHE: usize = 128;

/// The writer connection's page cache, in KiB (SQLite's default is 2,000).
const WRITER_CACHE_KIB: i64 = 64 * 1024;

/// The handle to the writer thread.
#[derive(Clone)]
pub struct Writer {
    tx: std_mpsc::SyncSender<Work>,
}

impl Writer {
    /// Starts the writer thread on `conn`.
    pub fn spawn(mut conn: Connection, queue: usize) -> std::io::Result<Writer> {
        // Every write statement stays prepared: the default cache (16) is smaller than
        // the set a mixed load cycles through, and a miss means parsing SQL again.
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        // The pages every commit touches (the tails of the meter-value index of every
        // charging session, the sessions, the charge points) outgrow SQLite's default
        // 2 MiB cache with a few thousand sessions; past it each insert reads pages back
        // from the OS and the cache spills mid-transaction. A larger cache only changes
        // how often pages are read again.
        if let Err(e) = conn.pragma_update(None, "cache_size", -WRITER_CACHE_KIB) {
            tracing::warn!(error = %e, "store: could not enlarge the writer's page cache");
        }
        let (tx, rx) = std_mpsc::sync_channel::<Work>(queue);
        thread::Builder::new()
            .name("store-writer".into())
            .spawn(move || run(&mut conn, rx))?;
        Ok(Writer { tx })
    }

    /// Runs `f` in the next batch and returns its result after the commit.
    pub async fn write<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction<'_>) -> DbResult<T> + Send + 'static,
    {
        let (done, rx) = oneshot::channel::<Result<T, StoreError>>();
        let work: Work = Box::new(move |txn| {
            let outcome = match txn {
                Some(txn) => run_db_in_savepoint(txn, f),
                None => Err(StoreError::unavailable("could not begin a transaction")),
            };
            Box::new(move |committed| {
                let result = match (committed, outcome) {
                    (Ok(()), Ok(v)) => Ok(v),
                    (Err(e), _) => Err(e),
                    (_, Err(e)) => Err(e),
                };
                let _ = done.send(result);
            })
        });
        self.send(work).await?;
        rx.await
            .map_err(|_| StoreError::unavailable("store writer stopped"))?
    }

    /// Queues a job; when the queue is full this waits on a blocking thread rather than
    /// stalling the runtime.
    async fn send(&self, work: Work) -> Result<(), StoreError> {
        let sender = self.tx.clone();
        match sender.try_send(work) {
            Ok(()) => Ok(()),
            Err(std_mpsc::TrySendError::Full(work)) => {
                tokio::task::spawn_blocking(move || sender.send(work))
                    .await
                    .map_err(|e| StoreError::unavailable(format!("writer queue: {e}")))?
                    .map_err(|_| StoreError::unavailable("store writer stopped"))
            }
            Err(std_mpsc::TrySendError::Disconnected(_)) => {
                Err(StoreError::unavailable("store writer stopped"))
            }
        }
    }
}

fn run_db_in_savepoint<T, F>(txn: &Transaction<'_>, f: F) -> Result<T, StoreError>
where
    F: FnOnce(&Transaction<'_>) -> DbResult<T>,
{
    let sql = |e: rusqlite::Error| StoreError::unavailable(format!("sqlite: {e}"));
    let savepoint = |txn: &Transaction<'_>, statement: &str| {
        txn.prepare_cached(statement)
            .and_then(|mut s| s.execute([]))
            .map_err(sql)
    };
    savepoint(txn, "SAVEPOINT job")?;
    match f(txn) {
        Ok(v) => {
            savepoint(txn, "RELEASE job")?;
            Ok(v)
        }
        Err(e) => {
            let _ = txn.execute_batch("ROLLBACK TO job; RELEASE job");
            Err(super::classify_db(e))
        }
    }
}

/// Constraint failures are the caller's conflict; anything else means the store is unwell.
pub fn classify(e: rusqlite::Error) -> StoreError {
    match &e {
        rusqlite::Error::SqliteFailure(f, _)
            if f.code == rusqlite::ErrorCode::ConstraintViolation =>
        {
            StoreError::conflict(e.to_string()).caused_by(e)
        }
        _ => StoreError::unavailable(format!("sqlite: {e}")).caused_by(e),
    }
}

fn run(conn: &mut Connection, rx: std_mpsc::Receiver<Work>) {
    let mut batch: Vec<Work> = Vec::with_capacity(MAX_BATCH);
    while let Ok(first) = rx.recv() {
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(w) => batch.push(w),
                Err(_) => break,
            }
        }
        commit_batch(conn, &mut batch);
    }
}

fn commit_batch(conn: &mut Connection, batch: &mut Vec<Work>) {
    let txn = match conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate) {
        Ok(t) => t,
        Err(e) => {
            tracing::error!(error = %e, "store: cannot begin a transaction");
            let err = StoreError::unavailable(format!("sqlite: {e}"));
            for w in batch.drain(..) {
                w(None)(Err(err.clone()));
            }
            return;
        }
    };
    let delivers: Vec<Deliver> = batch.drain(..).map(|w| w(Some(&txn))).collect();
    let committed = txn
        .commit()
        .map_err(|e| StoreError::unavailable(format!("sqlite commit: {e}")));
    if let Err(e) = &committed {
        tracing::error!(error = %e, "store: commit failed");
    }
    for d in delivers {
        d(committed.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_write_is_a_conflict_caused_by_the_driver_error() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE t (k TEXT PRIMARY KEY); INSERT INTO t VALUES ('a');")
            .unwrap();
        let e = conn.execute("INSERT INTO t VALUES ('a')", []).unwrap_err();
        let e = classify(e);
        assert!(matches!(e, StoreError::Conflict { .. }), "{e:?}");
        let source = std::error::Error::source(&e).expect("a source");
        assert!(source.to_string().contains("UNIQUE"), "{source}");
    }
}
