//! One write = one PostgreSQL transaction, retried when PostgreSQL gives it up for a
//! serialization failure or a deadlock (several nodes write at once), and when the
//! connection broke before the commit was sent. Statements are prepared once per pooled
//! connection.
//!
//! A write takes its arguments apart from the closure, which may run more than once:
//!
//! ```text
//! self.write((identity, report), |tx, (identity, report)| {
//!     Box::pin(sql::ops::charger::record_status(tx, identity, report))
//! })
//! .await
//! // inside: let cp = sql::cp_id(tx, identity).await?;   (locks the charger's row)
//! //         tx.exec("UPDATE ... WHERE id = ?1", &[&cp]).await?;
//! //         outbox::emit(tx, cp, Event::Prepared { name, body }).await?;
//! ```

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use futures_util::future::BoxFuture;
use tokio_postgres::error::SqlState;

use super::Postgres;
use crate::store::sql::{Db, Dialect, Params, Row};
use crate::store::StoreError;

/// How often a transaction is tried before its error is reported.
const ATTEMPTS: u32 = 5;

pub(crate) use crate::store::sql::db::{DbError, DbResult};

impl DbError {
    /// Worth trying the whole transaction again: PostgreSQL rolled it back because of
    /// another transaction (serialization failure, deadlock), or the connection broke.
    fn retryable(&self) -> bool {
        match self {
            DbError::Postgres(e) => {
                e.is_closed()
                    || matches!(
                        e.code(),
                        Some(c) if *c == SqlState::T_R_SERIALIZATION_FAILURE
                            || *c == SqlState::T_R_DEADLOCK_DETECTED
                    )
            }
            _ => false,
        }
    }

    /// Whether the transaction was refused for a serialization failure or deadlock,
    /// which PostgreSQL guarantees left nothing behind, even at commit.
    fn rolled_back_for_concurrency(&self) -> bool {
        matches!(self, DbError::Postgres(e) if e.code().is_some_and(|c|
            *c == SqlState::T_R_SERIALIZATION_FAILURE || *c == SqlState::T_R_DEADLOCK_DETECTED))
    }
}

/// Constraint violations are the caller's conflict; anything else means the store is
/// unwell.
pub(crate) fn classify(e: DbError) -> StoreError {
    match e {
        DbError::Store(e) => e,
        DbError::Postgres(e) => match e.code() {
            Some(c) if c.code().starts_with("23") => StoreError::conflict(pg_text(&e)).caused_by(e),
            _ => StoreError::unavailable(format!("postgres: {}", pg_text(&e))).caused_by(e),
        },
        other => StoreError::unavailable(other.to_string()).caused_by(other),
    }
}

/// The error with the server's message, which `Display` alone leaves out.
fn pg_text(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{e}: {}", db.message()),
        None => e.to_string(),
    }
}

/// An open transaction on a pooled connection.
pub(crate) struct Tx<'a> {
    inner: deadpool_postgres::Transaction<'a>,
    emitted: AtomicBool,
}

impl<'a> std::ops::Deref for Tx<'a> {
    type Target = deadpool_postgres::Transaction<'a>;
    fn deref(&self) -> &Self::Target {
        &self.inner
    }
}

impl Postgres {
    /// Runs `f` in a transaction with `args` and commits, trying again (a few times,
    /// from the start) when PostgreSQL refused it for a conflict with another
    /// transaction. Delivery is woken after a commit that emitted events.
    pub(crate) async fn write<A, T, F>(&self, args: A, f: F) -> Result<T, StoreError>
    where
        A: Sync,
        T: Send,
        F: for<'a> Fn(&'a Tx<'a>, &'a A) -> BoxFuture<'a, DbResult<T>> + Sync,
    {
        let mut attempt = 1;
        loop {
            match self.write_once(&args, &f).await {
                Ok((value, emitted)) => {
                    if emitted {
                        self.outbox_signal.notify_one();
                    }
                    return Ok(value);
                }
                Err((e, at_commit)) => {
                    let again = if at_commit {
                        e.rolled_back_for_concurrency()
                    } else {
                        e.retryable()
                    };
                    if !again || attempt >= ATTEMPTS {
                        return Err(classify(e));
                    }
                    tracing::debug!(error = ?e, attempt, "store: transaction retried");
                    // A little spread so that two colliding writers do not meet again.
                    let pause = 5 * u64::from(attempt) + u64::from(jitter() % 10);
                    tokio::time::sleep(Duration::from_millis(pause)).await;
                    attempt += 1;
                }
            }
        }
    }

    /// One try; an error says whether it came from the commit itself.
    async fn write_once<A, T, F>(&self, args: &A, f: &F) -> Result<(T, bool), (DbError, bool)>
    where
        A: Sync,
        T: Send,
        F: for<'a> Fn(&'a Tx<'a>, &'a A) -> BoxFuture<'a, DbResult<T>> + Sync,
    {
        let mut client = self
            .client()
            .await
            .map_err(|e| (DbError::Store(e), false))?;
        let inner = client
            .transaction()
            .await
            .map_err(|e| (DbError::Postgres(e), false))?;
        let tx = Tx {
            inner,
            emitted: AtomicBool::new(false),
        };
        // Dropping a transaction that was not committed rolls it back.
        let value = f(&tx, args).await.map_err(|e| (e, false))?;
        let emitted = tx.emitted.load(Ordering::Relaxed);
        tx.inner
            .commit()
            .await
            .map_err(|e| (DbError::Postgres(e), true))?;
        Ok((value, emitted))
    }
}

fn jitter() -> u8 {
    let mut b = [0u8; 1];
    let _ = ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut b);
    b[0]
}

impl Db for Tx<'_> {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    async fn exec(&self, sql: &str, params: Params<'_>) -> DbResult<u64> {
        super::db::exec(&self.inner, sql, params).await
    }

    async fn all(&self, sql: &str, params: Params<'_>) -> DbResult<Vec<Row>> {
        super::db::all(&self.inner, sql, params).await
    }

    async fn opt(&self, sql: &str, params: Params<'_>) -> DbResult<Option<Row>> {
        super::db::opt(&self.inner, sql, params).await
    }

    fn mark_emitted(&self) {
        self.emitted.store(true, Ordering::Relaxed);
    }
}
