//! The executor seam both engines implement: run a statement (`exec`), read its rows
//! (`one`, `opt`, `all`). Statements are written once, with SQLite's numbered
//! placeholders `?1, ?2, ...`; the PostgreSQL side rewrites them to `$1, $2, ...` (see
//! [`super::dialect`]). Parameters are anything [`Param`] (integers, reals, booleans,
//! text, and `Option`s of them); each driver converts them to the column's own type.
//! Rows come back as owned [`Row`]s of [`Cell`]s and are read by index with
//! [`Row::get`], whatever the engine's integer width or boolean representation.

use std::cell::Cell as Flag;
use std::future::Future;

use super::dialect::Dialect;
use crate::store::StoreError;

/// What can end a statement or a transaction.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("postgres: {0}")]
    Postgres(#[from] tokio_postgres::Error),
    /// A stored value that does not read as the type asked for.
    #[error("column {column}: {message}")]
    Decode { column: usize, message: String },
    /// The operation's own refusal (a conflict, an exhausted range, ...).
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub type DbResult<T> = Result<T, DbError>;

/// A parameter as both drivers take it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Value<'a> {
    Null,
    Int(i64),
    Real(f64),
    Bool(bool),
    Text(&'a str),
}

/// Something that binds as a statement parameter.
pub trait Param: Sync {
    fn value(&self) -> Value<'_>;
}

macro_rules! param {
    ($($t:ty => |$v:ident| $e:expr),* $(,)?) => {$(
        impl Param for $t {
            fn value(&self) -> Value<'_> {
                let $v = self;
                $e
            }
        }
    )*};
}
param! {
    i64 => |v| Value::Int(*v),
    i32 => |v| Value::Int(i64::from(*v)),
    i16 => |v| Value::Int(i64::from(*v)),
    i8 => |v| Value::Int(i64::from(*v)),
    u32 => |v| Value::Int(i64::from(*v)),
    u16 => |v| Value::Int(i64::from(*v)),
    u8 => |v| Value::Int(i64::from(*v)),
    usize => |v| Value::Int(i64::try_from(*v).unwrap_or(i64::MAX)),
    u64 => |v| Value::Int(i64::try_from(*v).unwrap_or(i64::MAX)),
    f64 => |v| Value::Real(*v),
    f32 => |v| Value::Real(f64::from(*v)),
    bool => |v| Value::Bool(*v),
    str => |v| Value::Text(v),
    String => |v| Value::Text(v),
    std::sync::Arc<str> => |v| Value::Text(v),
}

impl<T: Param + ?Sized> Param for &T {
    fn value(&self) -> Value<'_> {
        (**self).value()
    }
}

impl<T: Param> Param for Option<T> {
    fn value(&self) -> Value<'_> {
        match self {
            Some(v) => v.value(),
            None => Value::Null,
        }
    }
}

/// The parameters of a statement: `&[&a, &b, &c]`.
pub type Params<'a> = &'a [&'a dyn Param];

/// One value of a row, owned.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Null,
    Int(i64),
    Real(f64),
    Bool(bool),
    Text(String),
}

/// A row a statement returned.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Row(pub(crate) Vec<Cell>);

impl Row {
    /// Column `i` as a `T`.
    pub fn get<T: FromCell>(&self, i: usize) -> DbResult<T> {
        let Some(cell) = self.0.get(i) else {
            return Err(DbError::Decode {
                column: i,
                message: format!("the row has {} columns", self.0.len()),
            });
        };
        T::from_cell(cell).map_err(|message| DbError::Decode { column: i, message })
    }
}

/// Declares how a struct reads from a row: the column list `$cols` (a field's name, or
/// the SQL text after `=`) and `from_row`, which reads the columns in that order (a
/// field after `=>` goes through the function given, from the type it takes). One list
/// for both, so the columns and the fields cannot drift apart.
macro_rules! row {
    (@col $f:ident) => { stringify!($f) };
    (@col $f:ident $c:literal) => { $c };
    (@get $r:ident $i:ident) => { $r.get($i.next().unwrap_or_default())? };
    (@get $r:ident $i:ident $conv:expr) => { ($conv)($r.get($i.next().unwrap_or_default())?) };
    ($(#[$m:meta])* $cv:vis const $cols:ident, $fv:vis fn from_row -> $t:ident {
        $first:ident $(= $fc:literal)? $(=> $fconv:expr)?
        $(, $f:ident $(= $c:literal)? $(=> $conv:expr)?)* $(,)?
    }) => {
        $(#[$m])*
        $cv const $cols: &str = concat!(row!(@col $first $($fc)?) $(, ", ", row!(@col $f $($c)?))*);
        impl $t {
            /// A row selected with these columns first.
            $fv fn from_row(r: &$crate::store::sql::db::Row)
                -> $crate::store::sql::db::DbResult<$t> {
                Self::from_row_at(r, 0)
            }
            /// A row selected with these columns from column `at` on.
            #[allow(dead_code)]
            $fv fn from_row_at(r: &$crate::store::sql::db::Row, at: usize)
                -> $crate::store::sql::db::DbResult<$t> {
                let mut i = at..;
                Ok($t { $first: row!(@get r i $($fconv)?), $($f: row!(@get r i $($conv)?),)* })
            }
        }
    };
}
pub(crate) use row;

/// A type a [`Cell`] reads as.
pub trait FromCell: Sized {
    fn from_cell(cell: &Cell) -> Result<Self, String>;
}

fn mismatch(cell: &Cell, want: &str) -> String {
    format!("{cell:?} is not {want}")
}

impl FromCell for i64 {
    fn from_cell(cell: &Cell) -> Result<i64, String> {
        match cell {
            Cell::Int(n) => Ok(*n),
            Cell::Bool(b) => Ok(i64::from(*b)),
            other => Err(mismatch(other, "an integer")),
        }
    }
}

macro_rules! narrow_int {
    ($($t:ty),*) => {$(
        impl FromCell for $t {
            fn from_cell(cell: &Cell) -> Result<$t, String> {
                let n = i64::from_cell(cell)?;
                <$t>::try_from(n).map_err(|_| format!("{n} is out of range"))
            }
        }
    )*};
}
narrow_int!(i32, u32, u16, u8, u64, usize);

impl FromCell for f64 {
    fn from_cell(cell: &Cell) -> Result<f64, String> {
        match cell {
            Cell::Real(f) => Ok(*f),
            Cell::Int(n) => Ok(*n as f64),
            other => Err(mismatch(other, "a number")),
        }
    }
}

impl FromCell for bool {
    fn from_cell(cell: &Cell) -> Result<bool, String> {
        match cell {
            Cell::Bool(b) => Ok(*b),
            Cell::Int(n) => Ok(*n != 0),
            other => Err(mismatch(other, "a boolean")),
        }
    }
}

impl FromCell for String {
    fn from_cell(cell: &Cell) -> Result<String, String> {
        match cell {
            Cell::Text(s) => Ok(s.clone()),
            other => Err(mismatch(other, "text")),
        }
    }
}

impl<T: FromCell> FromCell for Option<T> {
    fn from_cell(cell: &Cell) -> Result<Option<T>, String> {
        match cell {
            Cell::Null => Ok(None),
            other => T::from_cell(other).map(Some),
        }
    }
}

impl FromCell for Cell {
    fn from_cell(cell: &Cell) -> Result<Cell, String> {
        Ok(cell.clone())
    }
}

/// A connection or transaction statements run on. SQLite's never waits (its futures
/// are ready at once); PostgreSQL's go to the server.
pub trait Db {
    /// Which SQL the engine speaks, for the few statements that differ.
    fn dialect(&self) -> Dialect;
    /// Runs a statement; returns how many rows it changed.
    fn exec(&self, sql: &str, params: Params<'_>) -> impl Future<Output = DbResult<u64>>;
    /// Every row a statement returns.
    fn all(&self, sql: &str, params: Params<'_>) -> impl Future<Output = DbResult<Vec<Row>>>;
    /// The first row a statement returns, if any.
    fn opt(&self, sql: &str, params: Params<'_>) -> impl Future<Output = DbResult<Option<Row>>>;
    /// Notes that this transaction made notification events deliverable: delivery is
    /// woken once it commits.
    fn mark_emitted(&self);

    /// Runs one statement once per parameter list, in order (SQLite prepares it once);
    /// returns how many rows they changed.
    fn exec_each(&self, sql: &str, rows: &[Params<'_>]) -> impl Future<Output = DbResult<u64>> {
        async move {
            let mut changed = 0;
            for params in rows {
                changed += self.exec(sql, params).await?;
            }
            Ok(changed)
        }
    }

    /// The first column of the one row a statement returns.
    fn scalar<T: FromCell>(
        &self,
        sql: &str,
        params: Params<'_>,
    ) -> impl Future<Output = DbResult<T>> {
        async move { self.one(sql, params).await?.get(0) }
    }
    /// The first column of the first row a statement returns, if any.
    fn opt_scalar<T: FromCell>(
        &self,
        sql: &str,
        params: Params<'_>,
    ) -> impl Future<Output = DbResult<Option<T>>> {
        async move { self.opt(sql, params).await?.map(|r| r.get(0)).transpose() }
    }

    /// The one row a statement returns (an error when it returns none).
    fn one(&self, sql: &str, params: Params<'_>) -> impl Future<Output = DbResult<Row>> {
        async move {
            self.opt(sql, params).await?.ok_or_else(|| {
                DbError::Store(StoreError::unavailable(format!(
                    "no row from: {}",
                    sql.split_whitespace().collect::<Vec<_>>().join(" ")
                )))
            })
        }
    }
}

/// Whether a transaction emitted notification events; engines read it after commit.
#[derive(Debug, Default)]
pub struct Emitted(Flag<bool>);

impl Emitted {
    pub fn mark(&self) {
        self.0.set(true);
    }

    pub fn get(&self) -> bool {
        self.0.get()
    }
}
