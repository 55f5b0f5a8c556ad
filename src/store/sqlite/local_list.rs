//! Local authorization lists on SQLite: the id-tag change log and each charger's list
//! state (see `store::local_list`). The single writer commits in order, so the log's
//! sequence numbers are in commit order.

use async_trait::async_trait;
use rusqlite::{params, Connection, OptionalExtension, Transaction};

use super::ops::now;
use super::SqliteStore;
use crate::store::local_list::{
    parse_expiry, parse_status, ListChange, ListLimits, ListSnapshot, ListState, ListSupport,
    ListTag, LocalListStore, LIST_TYPES,
};
use crate::store::StoreError;

/// Logs a change of the tag `uid` (in the id-tag write's own transaction).
pub(crate) fn log_change(tx: &Transaction<'_>, uid: &str) -> rusqlite::Result<()> {
    tx.prepare_cached("INSERT INTO local_list_changes (id_tag_uid, created_at) VALUES (?1, ?2)")?
        .execute(params![uid, now()])?;
    Ok(())
}

fn head(c: &Connection) -> rusqlite::Result<i64> {
    c.prepare_cached("SELECT COALESCE(MAX(seq), 0) FROM local_list_changes")?
        .query_row([], |r| r.get(0))
}

fn tag(c: &Connection, uid: &str) -> rusqlite::Result<Option<ListTag>> {
    c.prepare_cached(
        "SELECT id_tag_uid, status, type, expire_at, user_id FROM id_tags WHERE id_tag_uid = ?1",
    )?
    .query_row([uid], row_tag)
    .optional()
    .map(|t| t.filter(|t| LIST_TYPES.contains(&t.kind.as_str())))
}

fn row_tag(r: &rusqlite::Row<'_>) -> rusqlite::Result<ListTag> {
    let status: String = r.get(1)?;
    let expire: Option<String> = r.get(3)?;
    Ok(ListTag {
        uid: r.get(0)?,
        status: parse_status(&status),
        kind: r.get(2)?,
        expire_at: parse_expiry(expire.as_deref()),
        user_id: r.get(4)?,
    })
}

/// The charger's row id, and its list row made sure of.
fn list_row(tx: &Transaction<'_>, identity: &str) -> rusqlite::Result<Option<i64>> {
    let cp: Option<i64> = tx
        .prepare_cached("SELECT id FROM charge_points WHERE identity = ?1")?
        .query_row([identity], |r| r.get(0))
        .optional()?;
    if let Some(cp) = cp {
        tx.prepare_cached(
            "INSERT INTO local_lists (charge_point_id, updated_at) VALUES (?1, ?2)
             ON CONFLICT (charge_point_id) DO NOTHING",
        )?
        .execute(params![cp, now()])?;
    }
    Ok(cp)
}

fn limit(v: Option<i64>) -> Option<u32> {
    v.and_then(|v| u32::try_from(v).ok())
}

#[async_trait]
impl LocalListStore for SqliteStore {
    async fn list_state(&self, identity: &str) -> Result<ListState, StoreError> {
        let identity = identity.to_owned();
        self.read(move |c| {
            let found = c
                .prepare_cached(
                    "SELECT l.support, l.items_per_message, l.bytes_per_message, l.max_entries,
                            l.list_version, l.change_cursor, l.full_needed, l.last_status
                     FROM local_lists l JOIN charge_points cp ON cp.id = l.charge_point_id
                     WHERE cp.identity = ?1",
                )?
                .query_row([&identity], |r| {
                    let support: String = r.get(0)?;
                    Ok(ListState {
                        support: ListSupport::parse(&support),
                        limits: ListLimits {
                            items_per_message: limit(r.get(1)?),
                            bytes_per_message: limit(r.get(2)?),
                            max_entries: limit(r.get(3)?),
                        },
                        version: r.get(4)?,
                        cursor: r.get(5)?,
                        full_needed: r.get(6)?,
                        last_status: r.get(7)?,
                    })
                })
                .optional()?;
            Ok(found.unwrap_or_default())
        })
        .await
    }

    async fn set_list_support(
        &self,
        identity: &str,
        support: ListSupport,
        limits: ListLimits,
        status: Option<String>,
    ) -> Result<(), StoreError> {
        let identity = identity.to_owned();
        self.write(move |tx| {
            let Some(cp) = list_row(tx, &identity)? else {
                return Ok(());
            };
            tx.prepare_cached(
                "UPDATE local_lists SET support = ?2, items_per_message = ?3, bytes_per_message = ?4,
                 max_entries = ?5, last_status = ?6, updated_at = ?7 WHERE charge_point_id = ?1",
            )?
            .execute(params![
                cp,
                support.as_str(),
                limits.items_per_message,
                limits.bytes_per_message,
                limits.max_entries,
                status,
                now()
            ])?;
            Ok(())
        })
        .await
    }

    async fn list_accepted(
        &self,
        identity: &str,
        version: i32,
        complete: Option<i64>,
    ) -> Result<(), StoreError> {
        let identity = identity.to_owned();
        self.write(move |tx| {
            let Some(cp) = list_row(tx, &identity)? else {
                return Ok(());
            };
            match complete {
                Some(cursor) => tx
                    .prepare_cached(
                        "UPDATE local_lists SET list_version = ?2, change_cursor = ?3, full_needed = 0,
                         last_status = 'Accepted', updated_at = ?4 WHERE charge_point_id = ?1",
                    )?
                    .execute(params![cp, version, cursor, now()])?,
                None => tx
                    .prepare_cached(
                        "UPDATE local_lists SET list_version = ?2, last_status = 'Accepted', updated_at = ?3
                         WHERE charge_point_id = ?1",
                    )?
                    .execute(params![cp, version, now()])?,
            };
            Ok(())
        })
        .await
    }

    async fn list_needs_full(&self, identity: &str, status: &str) -> Result<(), StoreError> {
        let (identity, status) = (identity.to_owned(), status.to_owned());
        self.write(move |tx| {
            let Some(cp) = list_row(tx, &identity)? else {
                return Ok(());
            };
            tx.prepare_cached(
                "UPDATE local_lists SET full_needed = 1, last_status = ?2, updated_at = ?3
                 WHERE charge_point_id = ?1",
            )?
            .execute(params![cp, status, now()])?;
            Ok(())
        })
        .await
    }

    async fn list_tags(&self) -> Result<ListSnapshot<ListTag>, StoreError> {
        self.read(|c| {
            let head = head(c)?;
            let items = c
                .prepare_cached(
                    "SELECT id_tag_uid, status, type, expire_at, user_id FROM id_tags
                     WHERE type IN ('rfid', 'mac_address') ORDER BY id",
                )?
                .query_map([], row_tag)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(ListSnapshot { head, items })
        })
        .await
    }

    async fn list_changes(&self, cursor: i64) -> Result<ListSnapshot<ListChange>, StoreError> {
        self.read(move |c| {
            let head = head(c)?;
            let uids = c
                .prepare_cached(
                    "SELECT id_tag_uid FROM local_list_changes WHERE seq > ?1 AND seq <= ?2
                     GROUP BY id_tag_uid ORDER BY MIN(seq)",
                )?
                .query_map(params![cursor, head], |r| r.get::<_, String>(0))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            let mut items = Vec::with_capacity(uids.len());
            for uid in uids {
                let tag = tag(c, &uid)?;
                items.push(ListChange { uid, tag });
            }
            Ok(ListSnapshot { head, items })
        })
        .await
    }

    async fn list_chargers(&self) -> Result<Vec<(String, Option<String>)>, StoreError> {
        self.read(|c| {
            c.prepare_cached(
                "SELECT cp.identity, cp.protocol FROM local_lists l
                 JOIN charge_points cp ON cp.id = l.charge_point_id
                 WHERE l.support = 'supported' AND cp.network_status = 'available' ORDER BY cp.id",
            )?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect()
        })
        .await
    }
}
