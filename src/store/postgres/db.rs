//! [`Db`] on a PostgreSQL connection or transaction. Statements are rewritten to
//! PostgreSQL's placeholders ([`Dialect::postgres_sql`]) and prepared once per pooled
//! connection. A parameter is encoded as the type the server inferred for it (an
//! integer binds to `BIGINT`, `INTEGER` or `DOUBLE PRECISION` alike); a cell is read
//! by its column's type.

use std::error::Error as StdError;
use std::sync::atomic::{AtomicBool, Ordering};

use bytes::BytesMut;
use deadpool_postgres::GenericClient;
use tokio_postgres::types::{IsNull, ToSql, Type};

use crate::store::sql::db::{Cell, Db, DbError, DbResult, Param, Params, Row, Value};
use crate::store::sql::dialect::Dialect;

/// A connection (reads) or a transaction (writes) shared operations run on.
pub struct Pg<'a, C> {
    client: &'a C,
    emitted: AtomicBool,
}

impl<'a, C: GenericClient> Pg<'a, C> {
    pub fn new(client: &'a C) -> Pg<'a, C> {
        Pg {
            client,
            emitted: AtomicBool::new(false),
        }
    }
}

/// The rows of a statement on any PostgreSQL client.
pub async fn rows(
    client: &impl GenericClient,
    sql: &str,
    params: Params<'_>,
) -> DbResult<Vec<tokio_postgres::Row>> {
    let stmt = client.prepare_cached(&Dialect::postgres_sql(sql)).await?;
    let binds: Vec<Bind<'_>> = params.iter().map(|p| Bind(*p)).collect();
    let refs: Vec<&(dyn ToSql + Sync)> = binds.iter().map(|b| b as _).collect();
    Ok(client.query(&stmt, &refs).await?)
}

/// Runs a statement on any PostgreSQL client; returns how many rows it changed.
pub async fn exec(client: &impl GenericClient, sql: &str, params: Params<'_>) -> DbResult<u64> {
    let stmt = client.prepare_cached(&Dialect::postgres_sql(sql)).await?;
    let binds: Vec<Bind<'_>> = params.iter().map(|p| Bind(*p)).collect();
    let refs: Vec<&(dyn ToSql + Sync)> = binds.iter().map(|b| b as _).collect();
    Ok(client.execute(&stmt, &refs).await?)
}

/// Every row of a statement, as cells.
pub async fn all(client: &impl GenericClient, sql: &str, params: Params<'_>) -> DbResult<Vec<Row>> {
    rows(client, sql, params).await?.iter().map(row).collect()
}

/// The first row of a statement, as cells.
pub async fn opt(
    client: &impl GenericClient,
    sql: &str,
    params: Params<'_>,
) -> DbResult<Option<Row>> {
    rows(client, sql, params)
        .await?
        .first()
        .map(row)
        .transpose()
}

#[derive(Debug)]
struct Bind<'a>(&'a dyn Param);

impl std::fmt::Debug for dyn Param + '_ {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.value())
    }
}

type BoxError = Box<dyn StdError + Sync + Send>;

impl ToSql for Bind<'_> {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        let v = self.0.value();
        match v {
            Value::Null => Ok(IsNull::Yes),
            Value::Int(n) => match *ty {
                Type::INT8 => n.to_sql(ty, out),
                Type::INT4 => i32::try_from(n)?.to_sql(ty, out),
                Type::INT2 => i16::try_from(n)?.to_sql(ty, out),
                Type::FLOAT8 => (n as f64).to_sql(ty, out),
                Type::FLOAT4 => (n as f32).to_sql(ty, out),
                Type::BOOL => (n != 0).to_sql(ty, out),
                Type::TEXT | Type::VARCHAR => n.to_string().to_sql(ty, out),
                _ => Err(format!("cannot bind {v:?} as {ty}").into()),
            },
            Value::Real(f) => match *ty {
                Type::FLOAT8 => f.to_sql(ty, out),
                Type::FLOAT4 => (f as f32).to_sql(ty, out),
                _ => Err(format!("cannot bind {v:?} as {ty}").into()),
            },
            Value::Bool(b) => match *ty {
                Type::BOOL => b.to_sql(ty, out),
                Type::INT8 => i64::from(b).to_sql(ty, out),
                Type::INT4 => i32::from(b).to_sql(ty, out),
                _ => Err(format!("cannot bind {v:?} as {ty}").into()),
            },
            Value::Text(s) => s.to_sql(ty, out),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    tokio_postgres::types::to_sql_checked!();
}

fn row(r: &tokio_postgres::Row) -> DbResult<Row> {
    let mut cells = Vec::with_capacity(r.len());
    for (i, column) in r.columns().iter().enumerate() {
        let decode = |e: tokio_postgres::Error| DbError::Decode {
            column: i,
            message: e.to_string(),
        };
        macro_rules! cell {
            ($t:ty, $to:expr) => {
                r.try_get::<_, Option<$t>>(i).map_err(decode)?.map($to)
            };
        }
        let cell = match *column.type_() {
            Type::INT8 => cell!(i64, Cell::Int),
            Type::INT4 => cell!(i32, |n| Cell::Int(n.into())),
            Type::INT2 => cell!(i16, |n| Cell::Int(n.into())),
            Type::FLOAT8 => cell!(f64, Cell::Real),
            Type::FLOAT4 => cell!(f32, |f| Cell::Real(f.into())),
            Type::BOOL => cell!(bool, Cell::Bool),
            _ => cell!(String, Cell::Text),
        };
        cells.push(cell.unwrap_or(Cell::Null));
    }
    Ok(Row(cells))
}

impl<C: GenericClient> Db for Pg<'_, C> {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    async fn exec(&self, sql: &str, params: Params<'_>) -> DbResult<u64> {
        exec(self.client, sql, params).await
    }

    async fn all(&self, sql: &str, params: Params<'_>) -> DbResult<Vec<Row>> {
        all(self.client, sql, params).await
    }

    async fn opt(&self, sql: &str, params: Params<'_>) -> DbResult<Option<Row>> {
        opt(self.client, sql, params).await
    }

    fn mark_emitted(&self) {
        self.emitted.store(true, Ordering::Relaxed);
    }
}
