//! Parity of the two stores' [`Resources`]: the same rows loaded into a fresh SQLite
//! file and a fresh PostgreSQL database, then every method called on both with the
//! same arguments; results, errors and the rows written must be the same. Times the
//! stores stamp themselves ("now") are compared as `<now>`. `store_resources/race.rs`
//! races writers of one unique value on PostgreSQL.
//!
//! Needs `OCPP_GATEWAY_TEST_POSTGRES`; without it each test says so and passes.

use std::fmt::Debug;

use ocpp_gateway::config::StoreSettings;
use ocpp_gateway::store::resources::*;
use ocpp_gateway::store::sql::now;
use ocpp_gateway::store::{SqlStore, StoreError};

const FIXTURE: &str = include_str!("fixture.sql");

/// The two stores with the fixture loaded, and when the test began.
pub(crate) struct Pair {
    sqlite: SqlStore,
    pg: SqlStore,
    /// The PostgreSQL database's URL, to read what was stored.
    url: String,
    since: String,
    _dir: tempfile::TempDir,
}

/// A fresh database whose text sorts by ICU's English rules (`_x < a-b < ab < Ab < b <
/// B`), unlike SQLite's bytes: the queries must not lean on the database's collation.
/// None when the server was built without ICU.
async fn icu_database() -> Option<String> {
    let base = std::env::var("OCPP_GATEWAY_TEST_POSTGRES").ok()?;
    let (client, conn) = tokio_postgres::connect(&base, tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| panic!("OCPP_GATEWAY_TEST_POSTGRES={base} unreachable: {e}"));
    tokio::spawn(conn);
    let mut suffix = [0u8; 8];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut suffix).expect("rand");
    let name = format!("gw_unit_icu_{:x}", u64::from_le_bytes(suffix));
    let created = client
        .batch_execute(&format!(
            "CREATE DATABASE {name} TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'"
        ))
        .await;
    if let Err(e) = created {
        eprintln!("no ICU collation on the test server ({e}): that variant skipped");
        return None;
    }
    let mut config: tokio_postgres::Config = base.parse().expect("url");
    config.dbname(&name);
    let host = match &config.get_hosts()[0] {
        tokio_postgres::config::Host::Tcp(h) => h.clone(),
        #[allow(unreachable_patterns)]
        _ => "127.0.0.1".into(),
    };
    Some(format!(
        "postgres://{}@{host}:{}/{name}",
        config.get_user().unwrap_or("postgres"),
        config.get_ports().first().copied().unwrap_or(5432),
    ))
}

/// A fresh, empty database on the test server (`OCPP_GATEWAY_TEST_POSTGRES`), or None
/// when the variable is unset.
pub(crate) async fn fresh_database() -> Option<String> {
    let base = std::env::var("OCPP_GATEWAY_TEST_POSTGRES").ok()?;
    let client = pg_client(&base).await;
    let mut suffix = [0u8; 8];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut suffix).expect("rand");
    let name = format!("gw_unit_{:x}", u64::from_le_bytes(suffix));
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

/// A plain client of the database at `url`.
async fn pg_client(url: &str) -> tokio_postgres::Client {
    let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| panic!("PostgreSQL at {url} unreachable: {e}"));
    tokio::spawn(conn);
    client
}

/// Drops a test database once its test passed (a failed one stays, to be looked at).
pub(crate) async fn drop_database(url: &str) {
    let base = std::env::var("OCPP_GATEWAY_TEST_POSTGRES").expect("set when a database was made");
    let config: tokio_postgres::Config = url.parse().expect("url");
    let name = config.get_dbname().expect("database name").to_owned();
    let (client, conn) = tokio_postgres::connect(&base, tokio_postgres::NoTls)
        .await
        .expect("test server");
    tokio::spawn(conn);
    client
        .batch_execute(&format!("DROP DATABASE {name} WITH (FORCE)"))
        .await
        .expect("drop database");
}

async fn pair(url: String) -> Pair {
    let since = now();
    let dir = tempfile::tempdir().expect("temp dir");
    let settings = StoreSettings {
        url,
        pool_size: 4,
        path: dir.path().join("gateway.db"),
        fsync: false,
        busy_timeout: std::time::Duration::from_secs(5),
    };
    let pg = SqlStore::connect(&settings, "parity")
        .await
        .expect("PostgreSQL store");
    pg_client(&settings.url)
        .await
        .batch_execute(FIXTURE)
        .await
        .expect("fixture into PostgreSQL");
    let pg_url = settings.url.clone();
    let sqlite = SqlStore::open(&StoreSettings {
        url: String::new(),
        ..settings
    })
    .expect("SQLite store");
    crate::common::store::sqlite_file(&sqlite)
        .execute_batch(FIXTURE)
        .expect("fixture into SQLite");
    Pair {
        url: pg_url,
        sqlite,
        pg,
        since,
        _dir: dir,
    }
}

/// A result as compared: the value's `Debug`, or the error's kind (the engines word
/// their messages differently).
pub(crate) trait Shown {
    fn shown(&self) -> String;
}

fn store_error(e: &StoreError) -> String {
    match e {
        StoreError::Conflict { .. } => "Conflict".into(),
        // Never expected: an engine failing is a bug in its queries.
        StoreError::Unavailable { message, .. } => panic!("store unavailable: {message}"),
    }
}

impl<T: Debug> Shown for Result<T, StoreError> {
    fn shown(&self) -> String {
        match self {
            Ok(v) => format!("Ok({v:?})"),
            Err(e) => format!("Err({})", store_error(e)),
        }
    }
}

impl<T: Debug> Shown for Result<T, ResourceError> {
    fn shown(&self) -> String {
        match self {
            Ok(v) => format!("Ok({v:?})"),
            Err(ResourceError::Store(e)) => format!("Err(Store({}))", store_error(e)),
            Err(e) => format!("Err({e:?})"),
        }
    }
}

impl Pair {
    /// `text` with every stored time from the test's own run (`YYYY-MM-DDTHH:MM:SS.mmmZ`,
    /// not before the test began, not after now) written `<now>`.
    pub(crate) fn mask(&self, text: &str) -> String {
        let until = now();
        let b = text.as_bytes();
        let shape = |s: &[u8]| {
            s.len() == 24
                && s.iter().enumerate().all(|(i, c)| match i {
                    4 | 7 => *c == b'-',
                    10 => *c == b'T',
                    13 | 16 => *c == b':',
                    19 => *c == b'.',
                    23 => *c == b'Z',
                    _ => c.is_ascii_digit(),
                })
        };
        let mut out = String::with_capacity(text.len());
        let mut i = 0;
        while i < b.len() {
            if i + 24 <= b.len() && shape(&b[i..i + 24]) {
                let t = &text[i..i + 24];
                if t >= self.since.as_str() && t <= until.as_str() {
                    out.push_str("<now>");
                } else {
                    out.push_str(t);
                }
                i += 24;
            } else {
                let c = text[i..].chars().next().expect("char");
                out.push(c);
                i += c.len_utf8();
            }
        }
        out
    }

    /// Rows of `sql` (columns read as integers where `kinds` says `i`, else text) on
    /// both engines, each row as one line, sorted.
    pub(crate) async fn dump(&self, sql: &'static str, kinds: &'static str) -> (String, String) {
        let a = {
            let c = crate::common::store::sqlite_file(&self.sqlite);
            let read = || -> rusqlite::Result<Vec<_>> {
                let mut stmt = c.prepare(sql)?;
                let rows = stmt.query_map([], |r| {
                    let mut line = Vec::new();
                    for (i, k) in kinds.chars().enumerate() {
                        line.push(if k == 'i' {
                            format!("{:?}", r.get::<_, Option<i64>>(i)?)
                        } else {
                            format!("{:?}", r.get::<_, Option<String>>(i)?)
                        });
                    }
                    Ok(line.join(" | "))
                })?;
                rows.collect::<rusqlite::Result<Vec<String>>>()
            };
            read()
        }
        .expect("SQLite dump");
        let client = pg_client(&self.url).await;
        let mut b = Vec::new();
        for r in client.query(sql, &[]).await.expect("PostgreSQL dump") {
            let mut line = Vec::new();
            for (i, k) in kinds.chars().enumerate() {
                line.push(if k == 'i' {
                    format!("{:?}", r.get::<_, Option<i64>>(i))
                } else {
                    format!("{:?}", r.get::<_, Option<String>>(i))
                });
            }
            b.push(line.join(" | "));
        }
        let finish = |mut v: Vec<String>| {
            v.sort();
            self.mask(&v.join("\n"))
        };
        (finish(a), finish(b))
    }

    pub(crate) async fn same_rows(&self, sql: &'static str, kinds: &'static str) {
        let (a, b) = self.dump(sql, kinds).await;
        assert_eq!(a, b, "rows of {sql}");
    }
}

/// Calls `$call` with `$s` bound to each store in turn and asserts both answered the
/// same; yields the SQLite answer.
macro_rules! answer {
    ($p:expr, |$s:ident| $call:expr) => {{
        let a = {
            let $s: &dyn ocpp_gateway::store::Resources = &$p.sqlite;
            $call.await
        };
        let b = {
            let $s: &dyn ocpp_gateway::store::Resources = &$p.pg;
            $call.await
        };
        let (ta, tb) = ($p.mask(&a.shown()), $p.mask(&b.shown()));
        assert_eq!(ta, tb, "{}", stringify!($call));
        a
    }};
}

/// [`answer!`] when the answer itself is not needed further.
macro_rules! same {
    ($p:expr, |$s:ident| $call:expr) => {{
        let _ = answer!($p, |$s| $call);
    }};
}

/// [`answer!`] for the stores' own reads beside [`Resources`] (the same names on both).
macro_rules! same_inherent {
    ($p:expr, |$s:ident| $call:expr) => {{
        let a = {
            let $s = &$p.sqlite;
            $call.await
        };
        let b = {
            let $s = &$p.pg;
            $call.await
        };
        let (ta, tb) = ($p.mask(&a.shown()), $p.mask(&b.shown()));
        assert_eq!(ta, tb, "{}", stringify!($call));
    }};
}

pub(crate) fn page(after: Option<i64>, limit: u32) -> Page {
    Page { after, limit }
}

pub(crate) fn all() -> Page {
    page(None, 100)
}

pub(crate) fn window(from: Option<&str>, to: Option<&str>) -> Window {
    Window {
        from: from.map(str::to_owned),
        to: to.map(str::to_owned),
    }
}

/// Windows that cut between the fixture's times, on their edges, and past them.
pub(crate) fn windows() -> Vec<Window> {
    vec![
        Window::default(),
        window(Some("2022-03-01T00:00:00.000Z"), None),
        window(None, Some("2022-03-01T00:00:00.000Z")),
        window(
            Some("2022-01-01T10:00:00.000Z"),
            Some("2022-02-01T00:00:00.000Z"),
        ),
        window(Some("2022-03-01"), None),
        window(
            Some("2022-01-01T10:00:00.001Z"),
            Some("2022-01-01T10:00:00.001Z"),
        ),
        window(Some("2030-01-01T00:00:00.000Z"), None),
        window(
            Some("2022-06-01T00:00:00.000Z"),
            Some("2021-01-01T00:00:00.000Z"),
        ),
    ]
}

/// Pages: everything, a small limit, after a cursor, past the end, nothing.
pub(crate) fn pages() -> Vec<Page> {
    vec![
        all(),
        page(None, 2),
        page(Some(1), 2),
        page(Some(2), 100),
        page(Some(100), 10),
        page(None, 0),
    ]
}

#[tokio::test]
async fn postgres_resources_answer_as_sqlite_does() {
    let Some(url) = fresh_database().await else {
        eprintln!("OCPP_GATEWAY_TEST_POSTGRES unset: skipped");
        return;
    };
    run(&pair(url.clone()).await).await;
    drop_database(&url).await;
}

#[tokio::test]
async fn postgres_resources_answer_as_sqlite_does_whatever_the_collation() {
    let Some(url) = icu_database().await else {
        eprintln!("OCPP_GATEWAY_TEST_POSTGRES unset: skipped");
        return;
    };
    run(&pair(url.clone()).await).await;
    drop_database(&url).await;
}

async fn run(p: &Pair) {
    reads::reads(p).await;
    writes::writes(p).await;
    writes::actions(p).await;
    load::load(p).await;
    writes::deletes(p).await;
    load::after_deletes(p).await;
}

mod load;
mod race;
mod reads;
mod writes;
