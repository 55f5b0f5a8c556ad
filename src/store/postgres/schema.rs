//! Applies the schema's steps ([`crate::store::sql::schema`]) in order, under an
//! advisory lock so nodes starting together apply each step once; `schema_version`
//! records how far the database has come.

use tokio_postgres::Client;

use crate::store::sql::schema::postgres_steps;

/// How many steps there are.
#[cfg(test)]
pub fn migration_count() -> usize {
    postgres_steps().count()
}

/// An arbitrary key for `pg_advisory_lock`: "ocpp-gw" in ASCII.
const MIGRATION_LOCK: i64 = 0x006f_6370_702d_6777;

/// Applies every migration the database has not seen, each in its own transaction,
/// holding the advisory lock so that concurrent starts do not race.
pub async fn migrate(client: &mut Client) -> Result<(), tokio_postgres::Error> {
    client
        .execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK])
        .await?;
    let result = apply(client).await;
    let unlock = client
        .execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK])
        .await;
    result?;
    unlock.map(|_| ())
}

async fn apply(client: &mut Client) -> Result<(), tokio_postgres::Error> {
    client
        .batch_execute("CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)")
        .await?;
    let current: i64 = client
        .query_opt("SELECT version FROM schema_version", &[])
        .await?
        .map(|r| r.get(0))
        .unwrap_or(0);
    for (i, step) in postgres_steps().enumerate().skip(current.max(0) as usize) {
        let tx = client.transaction().await?;
        tx.batch_execute(&step).await?;
        tx.execute("DELETE FROM schema_version", &[]).await?;
        tx.execute(
            "INSERT INTO schema_version (version) VALUES ($1)",
            &[&((i + 1) as i64)],
        )
        .await?;
        tx.commit().await?;
    }
    Ok(())
}
