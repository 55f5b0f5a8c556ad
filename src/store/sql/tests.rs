//! The store on each engine a test run has: SQLite in a temporary folder always, and
//! PostgreSQL in a fresh database of its own when `OCPP_GATEWAY_TEST_POSTGRES` names a
//! server. Unit tests of the shared operations run on every one.

use crate::config::StoreSettings;
use crate::store::postgres::tests::{drop_database, fresh_database};
use crate::store::SqlStore;

/// A store under test and what to clean up after it.
pub(crate) struct Engine {
    pub store: SqlStore,
    _dir: Option<tempfile::TempDir>,
    url: Option<String>,
}

impl Engine {
    /// Drops the PostgreSQL database the store had (the SQLite folder goes by itself).
    pub async fn finish(self) {
        let url = self.url.clone();
        drop(self);
        if let Some(url) = url {
            drop_database(&url).await;
        }
    }
}

/// The stores to run a check on.
pub(crate) async fn engines() -> Vec<Engine> {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut settings = StoreSettings {
        url: String::new(),
        pool_size: 2,
        path: dir.path().join("gateway.db"),
        fsync: false,
        busy_timeout: std::time::Duration::from_secs(1),
    };
    let mut out = vec![Engine {
        store: SqlStore::open(&settings).expect("SQLite store"),
        _dir: Some(dir),
        url: None,
    }];
    match fresh_database().await {
        Some(url) => {
            settings.url = url.clone();
            let store = SqlStore::connect(&settings, "unit")
                .await
                .expect("PostgreSQL store");
            out.push(Engine {
                store,
                _dir: None,
                url: Some(url),
            });
        }
        None => eprintln!("OCPP_GATEWAY_TEST_POSTGRES unset: PostgreSQL skipped"),
    }
    out
}
