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

use crate::config::StoreSettings;
use crate::store::postgres::Postgres;
use crate::store::sqlite::Sqlite;
use crate::store::StoreError;

/// The store; see the module documentation.
pub struct SqlStore {
    pub(crate) engine: Engine,
}

/// The engine a [`SqlStore`] runs on.
pub(crate) enum Engine {
    Sqlite(Sqlite),
    Postgres(Arc<Postgres>),
}

/// Runs `$op` (`read_op` or `write_op`) with `$args` and the operation `$call` on the
/// store's engine, and awaits it. `|db, pattern| call` is written once and expanded per
/// engine: on SQLite an async closure whose future runs on the writer's (or reader's)
/// stack, never boxed — the write path of every MeterValues goes through here; on
/// PostgreSQL a closure returning the boxed future, which the retry calls again, and
/// the engine's own future boxed too.
macro_rules! on_engine {
    ($store:expr, $op:ident, $args:expr, |$db:ident, $pat:pat_param| $call:expr $(,)?) => {
        match &$store.engine {
            $crate::store::sql::store::Engine::Sqlite(e) => {
                e.$op($args, async move |$db, $pat| $call.await).await
            }
            // Boxed: the PostgreSQL future (pool, transaction, retry) is large, and a
            // future holds its largest arm; unboxed it would make every SQLite call's
            // future (boxed by `async_trait`) as large.
            $crate::store::sql::store::Engine::Postgres(e) => {
                Box::pin(e.$op($args, move |$db, $pat| Box::pin($call))).await
            }
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
}
