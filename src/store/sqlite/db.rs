//! [`Db`] on a SQLite connection (the writer's transaction or a reader). Statements stay
//! prepared in the connection's cache; every future is ready when first polled, so the
//! writer thread runs shared operations with [`run`] and never needs a runtime.

use std::future::Future;

use futures_util::FutureExt;
use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::Connection;

use crate::store::sql::db::{Cell, Db, DbResult, Emitted, Param, Params, Row, Value};
use crate::store::sql::dialect::Dialect;

/// A connection shared operations run on.
pub struct Lite<'c> {
    conn: &'c Connection,
    emitted: Emitted,
}

impl<'c> Lite<'c> {
    pub fn new(conn: &'c Connection) -> Lite<'c> {
        Lite {
            conn,
            emitted: Emitted::default(),
        }
    }

    /// Whether an operation on this connection emitted notification events.
    pub fn emitted(&self) -> bool {
        self.emitted.get()
    }
}

/// Runs an operation on SQLite to its end: its statements never wait.
pub fn run<T>(f: impl Future<Output = T>) -> T {
    f.now_or_never()
        .expect("a SQLite operation waited on something other than SQLite")
}

struct Bind<'a>(&'a dyn Param);

impl rusqlite::ToSql for Bind<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self.0.value() {
            Value::Null => ToSqlOutput::Borrowed(ValueRef::Null),
            Value::Int(n) => ToSqlOutput::Borrowed(ValueRef::Integer(n)),
            Value::Real(f) => ToSqlOutput::Borrowed(ValueRef::Real(f)),
            Value::Bool(b) => ToSqlOutput::Borrowed(ValueRef::Integer(i64::from(b))),
            Value::Text(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
        })
    }
}

fn cell(v: ValueRef<'_>) -> Cell {
    match v {
        ValueRef::Null => Cell::Null,
        ValueRef::Integer(n) => Cell::Int(n),
        ValueRef::Real(f) => Cell::Real(f),
        ValueRef::Text(t) | ValueRef::Blob(t) => {
            Cell::Text(String::from_utf8_lossy(t).into_owned())
        }
    }
}

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    let n = r.as_ref().column_count();
    let mut cells = Vec::with_capacity(n);
    for i in 0..n {
        cells.push(cell(r.get_ref(i)?));
    }
    Ok(Row(cells))
}

fn bind(params: Params<'_>) -> impl Iterator<Item = Bind<'_>> {
    params.iter().map(|p| Bind(*p))
}

impl Db for Lite<'_> {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    async fn exec(&self, sql: &str, params: Params<'_>) -> DbResult<u64> {
        let n = self
            .conn
            .prepare_cached(sql)?
            .execute(rusqlite::params_from_iter(bind(params)))?;
        Ok(n as u64)
    }

    async fn exec_each(&self, sql: &str, rows: &[Params<'_>]) -> DbResult<u64> {
        let mut stmt = self.conn.prepare_cached(sql)?;
        let mut changed = 0;
        for params in rows {
            changed += stmt.execute(rusqlite::params_from_iter(bind(params)))? as u64;
        }
        Ok(changed)
    }

    async fn all(&self, sql: &str, params: Params<'_>) -> DbResult<Vec<Row>> {
        let mut stmt = self.conn.prepare_cached(sql)?;
        let rows = stmt.query_map(rusqlite::params_from_iter(bind(params)), row)?;
        Ok(rows.collect::<rusqlite::Result<Vec<Row>>>()?)
    }

    async fn opt(&self, sql: &str, params: Params<'_>) -> DbResult<Option<Row>> {
        let mut stmt = self.conn.prepare_cached(sql)?;
        let mut rows = stmt.query(rusqlite::params_from_iter(bind(params)))?;
        Ok(match rows.next()? {
            Some(r) => Some(row(r)?),
            None => None,
        })
    }

    fn mark_emitted(&self) {
        self.emitted.mark();
    }
}
