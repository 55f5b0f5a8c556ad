//! PostgreSQL for the tests: a fresh database per test on the server that
//! `OCPP_GATEWAY_TEST_POSTGRES` names, dropped when the test is done with it.

use ocpp_gateway::config::StoreSettings;
use ocpp_gateway::store::SqlStore;

/// The server's URL, or None (after saying so) when the tests run without PostgreSQL.
pub fn server() -> Option<String> {
    match std::env::var("OCPP_GATEWAY_TEST_POSTGRES") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            eprintln!("OCPP_GATEWAY_TEST_POSTGRES is unset: PostgreSQL test skipped");
            None
        }
    }
}

/// A database made for one test; dropped with this value.
pub struct TestDatabase {
    /// The database's URL.
    pub url: String,
    server: String,
    name: String,
}

/// `url` with its database replaced by `name`.
fn with_database(url: &str, name: &str) -> String {
    let rest_at = url.find("://").map_or(0, |i| i + 3);
    let path_at = url[rest_at..].find('/').map_or(url.len(), |i| rest_at + i);
    let query = url[path_at..].find('?').map_or("", |i| &url[path_at + i..]);
    format!("{}/{name}{query}", &url[..path_at])
}

/// A client of `url`; panics when the server does not answer (the variable is set, so
/// PostgreSQL is expected).
pub async fn client(url: &str) -> tokio_postgres::Client {
    let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| panic!("PostgreSQL at {url} does not answer: {e}"));
    tokio::spawn(conn);
    client
}

impl TestDatabase {
    /// A fresh, empty database, or None when the tests run without PostgreSQL.
    pub async fn create() -> Option<TestDatabase> {
        let server = server()?;
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let seq = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let name = format!("gw_test_{}_{nanos:x}_{seq}", std::process::id());
        client(&server)
            .await
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .await
            .unwrap_or_else(|e| panic!("creating database {name}: {e}"));
        Some(TestDatabase {
            url: with_database(&server, &name),
            server,
            name,
        })
    }

    /// Store settings for this database.
    pub fn settings(&self) -> StoreSettings {
        let mut s = ocpp_gateway::config::Settings::embedded()
            .expect("embedded settings")
            .store;
        s.url = self.url.clone();
        s.pool_size = 4;
        s
    }

    /// The store of node `node` on this database.
    pub async fn store(&self, node: &str) -> SqlStore {
        SqlStore::connect(&self.settings(), node)
            .await
            .unwrap_or_else(|e| panic!("PostgreSQL store on {}: {e}", self.url))
    }

    /// A plain client of this database, to read what was stored.
    pub async fn client(&self) -> tokio_postgres::Client {
        client(&self.url).await
    }
}

static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let (server, name) = (self.server.clone(), self.name.clone());
        // On a thread of its own: the test's runtime may be gone or busy dropping.
        let dropped = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            rt.block_on(async {
                let (client, conn) = tokio_postgres::connect(&server, tokio_postgres::NoTls)
                    .await
                    .ok()?;
                tokio::spawn(conn);
                client
                    .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .await
                    .ok()
            })
        })
        .join();
        if !matches!(dropped, Ok(Some(()))) {
            eprintln!("could not drop test database {}", self.name);
        }
    }
}
