//! [`Resources`](crate::store::Resources): what the northbound API reads and writes,
//! written once over [`Db`]. One file per resource family; `query` builds their filters
//! and pages.
//!
//! Where the engines differ, the queries say so through the [`Dialect`]: text that
//! orders (time windows, configuration keys) compares byte-wise on PostgreSQL too; text
//! filters holding NUL (which PostgreSQL text cannot) match nothing there. Lists that
//! join or count read in one statement, so their parts come from one snapshot. Ids come
//! out alike: SQLite's AUTOINCREMENT, like an identity column, spends an id on an insert
//! `ON CONFLICT DO NOTHING` refused, but unlike one gets it back when a transaction
//! rolls back, so inserts that could fail on their charge point's foreign key select
//! the charge point first.
//!
//! [`Dialect`]: crate::store::sql::Dialect

pub mod action;
pub mod activity;
pub mod attachment;
pub mod charge_point;
pub mod circuit;
pub mod evse;
pub mod id_tag;
pub mod load;
pub mod meter;
pub mod query;
pub mod running;
pub mod session;

use crate::store::resources::ResourceError;
use crate::store::sql::{Db, DbError, DbResult};
use crate::store::StoreError;

/// What a write found, told apart from the engine's own errors.
pub enum Outcome<T> {
    Done(T),
    Refused(ResourceError),
}

/// A write's outcome as the API sees it.
pub fn settle<T>(r: Result<Outcome<T>, StoreError>) -> Result<T, ResourceError> {
    match r? {
        Outcome::Done(v) => Ok(v),
        Outcome::Refused(e) => Err(e),
    }
}

/// The id an insert into an unknown charge point's rows returned: none is a conflict,
/// as a foreign key would report it.
fn known_charge_point(found: Option<i64>, cp: i64) -> DbResult<i64> {
    found.ok_or_else(|| {
        DbError::Store(StoreError::conflict(format!(
            "charge point {cp} is unknown"
        )))
    })
}

/// Whether the error is a unique index refusing a row another transaction committed
/// meanwhile (only PostgreSQL meets it: SQLite's one writer checks and writes alone).
fn unique_violation(e: &DbError) -> bool {
    match e {
        DbError::Postgres(e) => {
            e.code() == Some(&tokio_postgres::error::SqlState::UNIQUE_VIOLATION)
        }
        DbError::Sqlite(rusqlite::Error::SqliteFailure(f, _)) => {
            f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
        }
        _ => false,
    }
}

/// The one row of `sql`, read by `read`, if any.
async fn opt_row<T>(
    db: &impl Db,
    sql: &str,
    params: crate::store::sql::Params<'_>,
    read: impl FnOnce(&crate::store::sql::Row) -> DbResult<T>,
) -> DbResult<Option<T>> {
    db.opt(sql, params).await?.as_ref().map(read).transpose()
}

/// Every row of `sql`, read by `read`.
async fn all_rows<T>(
    db: &impl Db,
    sql: &str,
    params: crate::store::sql::Params<'_>,
    read: impl Fn(&crate::store::sql::Row) -> DbResult<T>,
) -> DbResult<Vec<T>> {
    db.all(sql, params).await?.iter().map(read).collect()
}
