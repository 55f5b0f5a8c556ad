//! The shared store for cluster mode: PostgreSQL, selected by `store.url`. It keeps the
//! same data and the same semantics as the SQLite store (`store/sqlite/`), so that every
//! node of a cluster sees one truth: transaction ids come from one identity column and
//! never repeat across nodes, the outbox is shared and each queue is delivered by one
//! node at a time (a lease in `outbox_leases`), and each charger's row names the node
//! holding its socket.
//!
//! Every trait method is one PostgreSQL transaction on a pooled connection. PostgreSQL
//! groups concurrent commits itself, so there is no writer thread here.

pub mod cluster;
mod db;
mod schema;
mod tx;

use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};

use super::{sql, StoreError};
use crate::config::StoreSettings;

/// See the module documentation.
pub struct Postgres {
    pool: Pool,
    /// This node's name (`cluster.node_id`), written beside each charger it holds.
    node_id: Arc<str>,
    /// Poked after every commit that wrote outbox events.
    pub(crate) outbox_signal: Arc<tokio::sync::Notify>,
    /// Whether this node has recorded a heartbeat yet.
    beating: AtomicBool,
}

fn unavailable(e: impl std::fmt::Display) -> StoreError {
    StoreError::unavailable(e.to_string())
}

impl Postgres {
    /// Connects to `settings.url`, applies the migrations the database lacks, and
    /// returns the store of node `node_id`. The chargers this node held before (it
    /// restarted) are marked temporarily unavailable: nothing is connected to it yet.
    pub async fn connect(settings: &StoreSettings, node_id: &str) -> Result<Postgres, StoreError> {
        let config: tokio_postgres::Config = settings
            .url
            .parse()
            .map_err(|e| unavailable(format!("store.url: {e}")))?;
        let manager = Manager::from_config(
            config,
            tokio_postgres::NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(settings.pool_size.max(1))
            .build()
            .map_err(|e| unavailable(format!("PostgreSQL pool: {e}")))?;
        let store = Postgres {
            pool,
            node_id: node_id.into(),
            outbox_signal: Arc::new(tokio::sync::Notify::new()),
            beating: AtomicBool::new(false),
        };
        {
            let mut client = store.client().await?;
            schema::migrate(&mut client)
                .await
                .map_err(|e| unavailable(format!("migrating: {e}")))?;
        }
        store.forget_previous_life().await?;
        Ok(store)
    }

    /// A pooled connection.
    pub(crate) async fn client(&self) -> Result<deadpool_postgres::Object, StoreError> {
        self.pool
            .get()
            .await
            .map_err(|e| unavailable(format!("PostgreSQL: {e}")))
    }

    /// Runs a shared read operation with `args` on a pooled connection. Same shape as
    /// the SQLite store's, so one closure serves both.
    pub(crate) async fn read_op<A, T, F>(&self, args: A, f: F) -> Result<T, StoreError>
    where
        A: Send + Sync,
        T: Send,
        F: for<'a> FnOnce(
                &'a db::Pg<'a, deadpool_postgres::Object>,
                &'a A,
            ) -> futures_util::future::BoxFuture<'a, sql::DbResult<T>>
            + Send,
    {
        let client = self.client().await?;
        let pg = db::Pg::new(&client);
        f(&pg, &args).await.map_err(tx::classify)
    }

    /// Runs a shared write operation with `args` in one transaction, tried again when
    /// PostgreSQL refused it for a conflict with another (see [`Postgres::write`]).
    pub(crate) async fn write_op<A, T, F>(&self, args: A, f: F) -> Result<T, StoreError>
    where
        A: Send + Sync,
        T: Send,
        F: for<'a> Fn(
                &'a tx::Tx<'a>,
                &'a A,
            ) -> futures_util::future::BoxFuture<'a, sql::DbResult<T>>
            + Send
            + Sync,
    {
        self.write(args, f).await
    }

    /// This node's name.
    pub fn node_id(&self) -> &str {
        &self.node_id
    }

    /// This node's name, to hand to an operation.
    pub(crate) fn node(&self) -> Arc<str> {
        self.node_id.clone()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A fresh, empty database on the test server (`OCPP_GATEWAY_TEST_POSTGRES`), or None
    /// when the variable is unset.
    pub(crate) async fn fresh_database() -> Option<String> {
        let base = std::env::var("OCPP_GATEWAY_TEST_POSTGRES").ok()?;
        let (client, conn) = tokio_postgres::connect(&base, tokio_postgres::NoTls)
            .await
            .unwrap_or_else(|e| panic!("OCPP_GATEWAY_TEST_POSTGRES={base} unreachable: {e}"));
        tokio::spawn(conn);
        let name = format!("gw_unit_{:x}", rand_suffix());
        client
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .await
            .expect("create database");
        let mut config: tokio_postgres::Config = base.parse().expect("url");
        config.dbname(&name);
        Some(format!(
            "postgres://{}@{}:{}/{}",
            config.get_user().unwrap_or("postgres"),
            match &config.get_hosts()[0] {
                tokio_postgres::config::Host::Tcp(h) => h.clone(),
                #[allow(unreachable_patterns)]
                _ => "127.0.0.1".into(),
            },
            config.get_ports().first().copied().unwrap_or(5432),
            name
        ))
    }

    fn rand_suffix() -> u64 {
        let mut b = [0u8; 8];
        ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut b).unwrap();
        u64::from_le_bytes(b)
    }

    #[tokio::test]
    async fn migrations_apply_once_even_when_nodes_start_together() {
        let Some(url) = fresh_database().await else {
            eprintln!("OCPP_GATEWAY_TEST_POSTGRES unset: skipped");
            return;
        };
        let settings = StoreSettings {
            url,
            pool_size: 2,
            path: "unused".into(),
            fsync: true,
            busy_timeout: std::time::Duration::from_secs(1),
        };
        let (a, b) = tokio::join!(
            Postgres::connect(&settings, "a"),
            Postgres::connect(&settings, "b")
        );
        let (a, _b) = (a.unwrap(), b.unwrap());
        let client = a.client().await.unwrap();
        let version: i64 = client
            .query_one("SELECT version FROM schema_version", &[])
            .await
            .unwrap()
            .get(0);
        assert_eq!(version as usize, schema::migration_count());
        let tables: i64 = client
            .query_one(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'",
                &[],
            )
            .await
            .unwrap()
            .get(0);
        assert!(tables >= 20, "{tables} tables");
        drop((client, a, _b));
        drop_database(&settings.url).await;
    }

    /// Drops the database a test made (the server's other sessions on it are ended).
    pub(crate) async fn drop_database(url: &str) {
        let (Ok(base), Ok(config)) = (
            std::env::var("OCPP_GATEWAY_TEST_POSTGRES"),
            url.parse::<tokio_postgres::Config>(),
        ) else {
            return;
        };
        let Some(name) = config.get_dbname() else {
            return;
        };
        if let Ok((client, conn)) = tokio_postgres::connect(&base, tokio_postgres::NoTls).await {
            tokio::spawn(conn);
            let _ = client
                .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .await;
        }
    }
}
