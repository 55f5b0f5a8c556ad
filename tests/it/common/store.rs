//! The store behind a test gateway, whichever it is: the SQLite file (the default) or a
//! PostgreSQL database of its own (`OCPP_GATEWAY_TEST_STORE=postgres`). Tests check
//! what was stored through the same calls on either.

use std::path::Path;
use std::sync::Arc;

use ocpp_gateway::store::notify::{EventStatus, OutboxEvent, Subscription, SubscriptionSpec};
use ocpp_gateway::store::sql::read::{ChargePointRow, SessionRow};
use ocpp_gateway::store::{ChargerRecord, NotifyStore, SqlStore, Store, StoreError};

use super::pg::TestDatabase;

/// Whether this run puts the gateways on PostgreSQL (`OCPP_GATEWAY_TEST_STORE=postgres`,
/// which needs `OCPP_GATEWAY_TEST_POSTGRES`).
pub fn on_postgres() -> bool {
    let wanted = std::env::var("OCPP_GATEWAY_TEST_STORE").is_ok_and(|v| v == "postgres");
    if wanted && std::env::var("OCPP_GATEWAY_TEST_POSTGRES").is_err() {
        panic!("OCPP_GATEWAY_TEST_STORE=postgres needs OCPP_GATEWAY_TEST_POSTGRES");
    }
    wanted
}

/// A test gateway's store.
pub enum TestStore {
    Sqlite(Arc<SqlStore>),
    Postgres {
        /// A store of its own on the gateway's database (node `test-reader`).
        store: Arc<SqlStore>,
        /// The database, when the harness made it: held so it is dropped with this value.
        _db: Option<TestDatabase>,
        url: String,
    },
}

/// A text cell of a row read with [`TestStore::texts`].
pub type Texts = Vec<Vec<Option<String>>>;

impl TestStore {
    /// Reads the database at `url` through a store of its own.
    pub async fn postgres(url: &str, db: Option<TestDatabase>) -> TestStore {
        let mut settings = ocpp_gateway::config::Settings::embedded()
            .expect("settings")
            .store;
        settings.url = url.to_owned();
        settings.pool_size = 2;
        let store = SqlStore::connect(&settings, "test-reader")
            .await
            .unwrap_or_else(|e| panic!("PostgreSQL store on {url}: {e}"));
        TestStore::Postgres {
            store: Arc::new(store),
            _db: db,
            url: url.to_owned(),
        }
    }

    fn notify(&self) -> &dyn NotifyStore {
        match self {
            TestStore::Sqlite(s) => s.as_ref(),
            TestStore::Postgres { store, .. } => store.as_ref(),
        }
    }

    pub async fn charge_point_by_identity(
        &self,
        identity: &str,
    ) -> Result<Option<ChargePointRow>, StoreError> {
        match self {
            TestStore::Sqlite(s) => s.charge_point_by_identity(identity).await,
            TestStore::Postgres { store, .. } => store.charge_point_by_identity(identity).await,
        }
    }

    pub async fn evse_status(
        &self,
        identity: &str,
        evse: u32,
    ) -> Result<Option<String>, StoreError> {
        match self {
            TestStore::Sqlite(s) => s.evse_status(identity, evse).await,
            TestStore::Postgres { store, .. } => store.evse_status(identity, evse).await,
        }
    }

    pub async fn sessions_of(&self, identity: &str) -> Result<Vec<SessionRow>, StoreError> {
        match self {
            TestStore::Sqlite(s) => s.sessions_of(identity).await,
            TestStore::Postgres { store, .. } => store.sessions_of(identity).await,
        }
    }

    pub async fn count(&self, table: &'static str) -> Result<i64, StoreError> {
        match self {
            TestStore::Sqlite(s) => s.count(table).await,
            TestStore::Postgres { store, .. } => store.count(table).await,
        }
    }

    pub async fn meter_value_count(&self, identity: &str) -> Result<i64, StoreError> {
        match self {
            TestStore::Sqlite(s) => s.meter_value_count(identity).await,
            TestStore::Postgres { store, .. } => store.meter_value_count(identity).await,
        }
    }

    pub async fn charger(&self, identity: &str) -> Result<Option<ChargerRecord>, StoreError> {
        match self {
            TestStore::Sqlite(s) => s.charger(identity).await,
            TestStore::Postgres { store, .. } => store.charger(identity).await,
        }
    }

    pub async fn outbox_events(
        &self,
        subscription_id: i64,
        status: EventStatus,
        limit: u32,
    ) -> Result<Vec<OutboxEvent>, StoreError> {
        self.notify()
            .outbox_events(subscription_id, status, limit)
            .await
    }

    pub async fn create_subscription(
        &self,
        spec: SubscriptionSpec,
        token_sha256: String,
    ) -> Result<Subscription, StoreError> {
        self.notify().create_subscription(spec, token_sha256).await
    }

    /// The rows of a query (values written into the SQL), every value as text.
    pub async fn texts(&self, sql: &str) -> Texts {
        match self {
            TestStore::Sqlite(s) => sqlite_texts(&sqlite_file(s), sql).expect("query"),
            TestStore::Postgres { url, .. } => postgres_texts(url, sql).await,
        }
    }

    /// Runs statements (values written into the SQL).
    pub async fn exec(&self, sql: &str) {
        match self {
            TestStore::Sqlite(s) => {
                sqlite_file(s).execute_batch(sql).expect("statements");
            }
            TestStore::Postgres { url, .. } => super::pg::client(url)
                .await
                .batch_execute(sql)
                .await
                .unwrap_or_else(|e| panic!("{sql}: {e}")),
        }
    }
}

fn sqlite_texts(c: &rusqlite::Connection, sql: &str) -> rusqlite::Result<Texts> {
    use rusqlite::types::Value;
    let mut stmt = c.prepare(sql)?;
    let width = stmt.column_count();
    let rows = stmt.query_map([], |r| {
        (0..width)
            .map(|i| {
                Ok(match r.get::<_, Value>(i)? {
                    Value::Null => None,
                    Value::Integer(n) => Some(n.to_string()),
                    Value::Real(f) => Some(f.to_string()),
                    Value::Text(t) => Some(t),
                    Value::Blob(b) => Some(hex::encode(b)),
                })
            })
            .collect::<rusqlite::Result<Vec<_>>>()
    })?;
    rows.collect()
}

async fn postgres_texts(url: &str, sql: &str) -> Texts {
    let messages = super::pg::client(url)
        .await
        .simple_query(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    messages
        .iter()
        .filter_map(|m| match m {
            tokio_postgres::SimpleQueryMessage::Row(r) => {
                Some((0..r.len()).map(|i| r.get(i).map(str::to_owned)).collect())
            }
            _ => None,
        })
        .collect()
}

/// What a gateway that ran as a child process stored: in its SQLite file in `dir`, or
/// in the database at `url`.
pub async fn stored_texts(dir: &Path, url: Option<&str>, sql: &str) -> Texts {
    match url {
        Some(url) => postgres_texts(url, sql).await,
        None => {
            let conn = rusqlite::Connection::open(dir.join("gateway.db")).expect("db");
            sqlite_texts(&conn, sql).expect("query")
        }
    }
}

/// A fresh database for a gateway the test runs as a child process, when this run is on
/// PostgreSQL (pass its URL as `OCPP_GATEWAY__STORE__URL`); None on SQLite.
pub async fn child_database() -> Option<TestDatabase> {
    if !on_postgres() {
        return None;
    }
    Some(TestDatabase::create().await.expect("a test database"))
}

/// Puts `s` on a fresh database when this run is on PostgreSQL; the returned value keeps
/// the database until the test ends.
pub async fn database_for(s: &mut ocpp_gateway::config::Settings) -> Option<TestDatabase> {
    let db = child_database().await?;
    s.store.url = db.url.clone();
    s.store.pool_size = 4;
    Some(db)
}

/// A connection of its own to a SQLite store's file, to read (or change) rows as an
/// operator would with the `sqlite3` shell.
pub fn sqlite_file(store: &SqlStore) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(store.path().expect("a SQLite store")).expect("open");
    conn.busy_timeout(std::time::Duration::from_secs(10))
        .expect("busy timeout");
    conn
}
