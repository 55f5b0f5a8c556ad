//! Local authorization lists on PostgreSQL, with the same semantics as on SQLite (see
//! `store::local_list`). Writers of the change log take one transaction-scoped advisory
//! lock before they add their row, so sequence numbers are handed out in commit order
//! and a cursor never passes a change that commits later.

use async_trait::async_trait;
use deadpool_postgres::GenericClient;
use tokio_postgres::Row;

use super::{unavailable, PostgresStore};
use crate::store::local_list::{
    parse_expiry, parse_status, ListChange, ListLimits, ListSnapshot, ListState, ListSupport,
    ListTag, LocalListStore, LIST_TYPES,
};
use crate::store::sqlite::now;
use crate::store::StoreError;

/// An arbitrary key for the log's advisory lock: "loclist" in ASCII.
const LOG_LOCK: i64 = 0x006c_6f63_6c69_7374;

fn pg(e: tokio_postgres::Error) -> StoreError {
    unavailable(format!("PostgreSQL: {e}"))
}

/// Logs a change of the tag `uid` (in the id-tag write's own transaction).
pub(crate) async fn log_change<C: GenericClient>(
    c: &C,
    uid: &str,
) -> Result<(), tokio_postgres::Error> {
    c.execute("SELECT pg_advisory_xact_lock($1)", &[&LOG_LOCK])
        .await?;
    let stmt = c
        .prepare_cached("INSERT INTO local_list_changes (id_tag_uid, created_at) VALUES ($1, $2)")
        .await?;
    c.execute(&stmt, &[&uid, &now()]).await?;
    Ok(())
}

fn row_tag(r: &Row) -> ListTag {
    let status: String = r.get(1);
    let expire: Option<String> = r.get(3);
    ListTag {
        uid: r.get(0),
        status: parse_status(&status),
        kind: r.get(2),
        expire_at: parse_expiry(expire.as_deref()),
        user_id: r.get(4),
    }
}

fn limit(v: Option<i64>) -> Option<u32> {
    v.and_then(|v| u32::try_from(v).ok())
}

async fn head<C: GenericClient>(c: &C) -> Result<i64, StoreError> {
    let row = c
        .query_one(
            "SELECT COALESCE(MAX(seq), 0)::BIGINT FROM local_list_changes",
            &[],
        )
        .await
        .map_err(pg)?;
    Ok(row.get(0))
}

/// The charger's row id, with its list row made sure of.
async fn list_row<C: GenericClient>(c: &C, identity: &str) -> Result<Option<i64>, StoreError> {
    let Some(row) = c
        .query_opt(
            "SELECT id FROM charge_points WHERE identity = $1",
            &[&identity],
        )
        .await
        .map_err(pg)?
    else {
        return Ok(None);
    };
    let cp: i64 = row.get(0);
    c.execute(
        "INSERT INTO local_lists (charge_point_id, updated_at) VALUES ($1, $2)
         ON CONFLICT (charge_point_id) DO NOTHING",
        &[&cp, &now()],
    )
    .await
    .map_err(pg)?;
    Ok(Some(cp))
}

fn opt(v: Option<u32>) -> Option<i64> {
    v.map(i64::from)
}

#[async_trait]
impl LocalListStore for PostgresStore {
    async fn list_state(&self, identity: &str) -> Result<ListState, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                "SELECT l.support, l.items_per_message, l.bytes_per_message, l.max_entries,
                        l.list_version, l.change_cursor, l.full_needed, l.last_status
                 FROM local_lists l JOIN charge_points cp ON cp.id = l.charge_point_id
                 WHERE cp.identity = $1",
                &[&identity],
            )
            .await
            .map_err(pg)?;
        Ok(row
            .map(|r| {
                let support: String = r.get(0);
                let version: i64 = r.get(4);
                ListState {
                    support: ListSupport::parse(&support),
                    limits: ListLimits {
                        items_per_message: limit(r.get(1)),
                        bytes_per_message: limit(r.get(2)),
                        max_entries: limit(r.get(3)),
                    },
                    version: i32::try_from(version).unwrap_or(i32::MAX),
                    cursor: r.get(5),
                    full_needed: r.get(6),
                    last_status: r.get(7),
                }
            })
            .unwrap_or_default())
    }

    async fn set_list_support(
        &self,
        identity: &str,
        support: ListSupport,
        limits: ListLimits,
        status: Option<String>,
    ) -> Result<(), StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(pg)?;
        if let Some(cp) = list_row(&tx, identity).await? {
            tx.execute(
                "UPDATE local_lists SET support = $2, items_per_message = $3, bytes_per_message = $4,
                 max_entries = $5, last_status = $6, updated_at = $7 WHERE charge_point_id = $1",
                &[
                    &cp,
                    &support.as_str(),
                    &opt(limits.items_per_message),
                    &opt(limits.bytes_per_message),
                    &opt(limits.max_entries),
                    &status,
                    &now(),
                ],
            )
            .await
            .map_err(pg)?;
        }
        tx.commit().await.map_err(pg)
    }

    async fn list_accepted(
        &self,
        identity: &str,
        version: i32,
        complete: Option<i64>,
    ) -> Result<(), StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(pg)?;
        if let Some(cp) = list_row(&tx, identity).await? {
            let version = i64::from(version);
            match complete {
                Some(cursor) => tx
                    .execute(
                        "UPDATE local_lists SET list_version = $2, change_cursor = $3, full_needed = FALSE,
                         last_status = 'Accepted', updated_at = $4 WHERE charge_point_id = $1",
                        &[&cp, &version, &cursor, &now()],
                    )
                    .await
                    .map_err(pg)?,
                None => tx
                    .execute(
                        "UPDATE local_lists SET list_version = $2, last_status = 'Accepted', updated_at = $3
                         WHERE charge_point_id = $1",
                        &[&cp, &version, &now()],
                    )
                    .await
                    .map_err(pg)?,
            };
        }
        tx.commit().await.map_err(pg)
    }

    async fn list_needs_full(&self, identity: &str, status: &str) -> Result<(), StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(pg)?;
        if let Some(cp) = list_row(&tx, identity).await? {
            tx.execute(
                "UPDATE local_lists SET full_needed = TRUE, last_status = $2, updated_at = $3
                 WHERE charge_point_id = $1",
                &[&cp, &status, &now()],
            )
            .await
            .map_err(pg)?;
        }
        tx.commit().await.map_err(pg)
    }

    async fn list_tags(&self) -> Result<ListSnapshot<ListTag>, StoreError> {
        let client = self.client().await?;
        let head = head(&client).await?;
        let rows = client
            .query(
                "SELECT id_tag_uid, status, type, expire_at, user_id FROM id_tags
                 WHERE type IN ('rfid', 'mac_address') ORDER BY id",
                &[],
            )
            .await
            .map_err(pg)?;
        Ok(ListSnapshot {
            head,
            items: rows.iter().map(row_tag).collect(),
        })
    }

    async fn list_changes(&self, cursor: i64) -> Result<ListSnapshot<ListChange>, StoreError> {
        let client = self.client().await?;
        let head = head(&client).await?;
        let rows = client
            .query(
                "SELECT c.id_tag_uid, t.id_tag_uid, t.status, t.type, t.expire_at, t.user_id
                 FROM (SELECT id_tag_uid, MIN(seq) AS first FROM local_list_changes
                       WHERE seq > $1 AND seq <= $2 GROUP BY id_tag_uid) c
                 LEFT JOIN id_tags t ON t.id_tag_uid = c.id_tag_uid
                 ORDER BY c.first",
                &[&cursor, &head],
            )
            .await
            .map_err(pg)?;
        let items = rows
            .iter()
            .map(|r| {
                let uid: String = r.get(0);
                let found: Option<String> = r.get(1);
                let tag = found.map(|found| {
                    let status: String = r.get(2);
                    let expire: Option<String> = r.get(4);
                    ListTag {
                        uid: found,
                        status: parse_status(&status),
                        kind: r.get(3),
                        expire_at: parse_expiry(expire.as_deref()),
                        user_id: r.get(5),
                    }
                });
                ListChange {
                    uid,
                    tag: tag.filter(|t| LIST_TYPES.contains(&t.kind.as_str())),
                }
            })
            .collect();
        Ok(ListSnapshot { head, items })
    }

    async fn list_chargers(&self) -> Result<Vec<(String, Option<String>)>, StoreError> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT cp.identity, cp.protocol FROM local_lists l
                 JOIN charge_points cp ON cp.id = l.charge_point_id
                 WHERE l.support = 'supported' AND cp.network_status = 'available' ORDER BY cp.id",
                &[],
            )
            .await
            .map_err(pg)?;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
    }
}
