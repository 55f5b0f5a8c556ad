//! Local authorization lists, written once over [`Db`]: the id-tag change log and each
//! charger's list state (see `store::local_list`).
//!
//! Sequence numbers of the log must be handed out in commit order, so that a cursor
//! never passes a change that commits later. SQLite's one writer commits in order; on
//! PostgreSQL writers of the log first take one transaction-scoped advisory lock
//! ([`Dialect::change_log_lock`](super::Dialect::change_log_lock)).

use super::{now, Db, DbResult, Row};
use crate::store::local_list::{
    parse_expiry, parse_status, ListChange, ListLimits, ListSnapshot, ListState, ListSupport,
    ListTag, LIST_TYPES,
};

/// An arbitrary key for the log's advisory lock: "loclist" in ASCII.
const LOG_LOCK: i64 = 0x006c_6f63_6c69_7374;

/// Logs a change of the tag `uid` (in the id-tag write's own transaction).
pub async fn log_change(db: &impl Db, uid: &str) -> DbResult<()> {
    if let Some(lock) = db.dialect().change_log_lock() {
        db.exec(lock, &[&LOG_LOCK]).await?;
    }
    db.exec(
        "INSERT INTO local_list_changes (id_tag_uid, created_at) VALUES (?1, ?2)",
        &[&uid, &now()],
    )
    .await?;
    Ok(())
}

/// The tag of the columns at `at` on (uid, status, type, expire_at, user_id).
fn tag_at(r: &Row, at: usize) -> DbResult<ListTag> {
    let status: String = r.get(at + 1)?;
    let expire: Option<String> = r.get(at + 3)?;
    Ok(ListTag {
        uid: r.get(at)?,
        status: parse_status(&status),
        kind: r.get(at + 2)?,
        expire_at: parse_expiry(expire.as_deref()),
        user_id: r.get(at + 4)?,
    })
}

fn limit(v: Option<i64>) -> Option<u32> {
    v.and_then(|v| u32::try_from(v).ok())
}

async fn head(db: &impl Db) -> DbResult<i64> {
    db.scalar(
        "SELECT CAST(COALESCE(MAX(seq), 0) AS BIGINT) FROM local_list_changes",
        &[],
    )
    .await
}

/// The charger's row id, with its list row made sure of.
async fn list_row(db: &impl Db, identity: &str) -> DbResult<Option<i64>> {
    let Some(row) = db
        .opt(
            "SELECT id FROM charge_points WHERE identity = ?1",
            &[&identity],
        )
        .await?
    else {
        return Ok(None);
    };
    let cp: i64 = row.get(0)?;
    db.exec(
        "INSERT INTO local_lists (charge_point_id, updated_at) VALUES (?1, ?2)
         ON CONFLICT (charge_point_id) DO NOTHING",
        &[&cp, &now()],
    )
    .await?;
    Ok(Some(cp))
}

pub async fn list_state(db: &impl Db, identity: &str) -> DbResult<ListState> {
    let Some(r) = db
        .opt(
            "SELECT l.support, l.items_per_message, l.bytes_per_message, l.max_entries,
                    l.list_version, l.change_cursor, l.full_needed, l.last_status
             FROM local_lists l JOIN charge_points cp ON cp.id = l.charge_point_id
             WHERE cp.identity = ?1",
            &[&identity],
        )
        .await?
    else {
        return Ok(ListState::default());
    };
    let support: String = r.get(0)?;
    let version: i64 = r.get(4)?;
    Ok(ListState {
        support: ListSupport::parse(&support),
        limits: ListLimits {
            items_per_message: limit(r.get(1)?),
            bytes_per_message: limit(r.get(2)?),
            max_entries: limit(r.get(3)?),
        },
        version: i32::try_from(version).unwrap_or(i32::MAX),
        cursor: r.get(5)?,
        full_needed: r.get(6)?,
        last_status: r.get(7)?,
    })
}

pub async fn set_list_support(
    db: &impl Db,
    identity: &str,
    support: ListSupport,
    limits: ListLimits,
    status: Option<&str>,
) -> DbResult<()> {
    let Some(cp) = list_row(db, identity).await? else {
        return Ok(());
    };
    db.exec(
        "UPDATE local_lists SET support = ?2, items_per_message = ?3, bytes_per_message = ?4,
         max_entries = ?5, last_status = ?6, updated_at = ?7 WHERE charge_point_id = ?1",
        &[
            &cp,
            &support.as_str(),
            &limits.items_per_message,
            &limits.bytes_per_message,
            &limits.max_entries,
            &status,
            &now(),
        ],
    )
    .await?;
    Ok(())
}

pub async fn list_accepted(
    db: &impl Db,
    identity: &str,
    version: i32,
    complete: Option<i64>,
) -> DbResult<()> {
    let Some(cp) = list_row(db, identity).await? else {
        return Ok(());
    };
    match complete {
        Some(cursor) => {
            db.exec(
                "UPDATE local_lists SET list_version = ?2, change_cursor = ?3, full_needed = FALSE,
                 last_status = 'Accepted', updated_at = ?4 WHERE charge_point_id = ?1",
                &[&cp, &version, &cursor, &now()],
            )
            .await?
        }
        None => {
            db.exec(
                "UPDATE local_lists SET list_version = ?2, last_status = 'Accepted', updated_at = ?3
                 WHERE charge_point_id = ?1",
                &[&cp, &version, &now()],
            )
            .await?
        }
    };
    Ok(())
}

pub async fn list_needs_full(db: &impl Db, identity: &str, status: &str) -> DbResult<()> {
    let Some(cp) = list_row(db, identity).await? else {
        return Ok(());
    };
    db.exec(
        "UPDATE local_lists SET full_needed = TRUE, last_status = ?2, updated_at = ?3
         WHERE charge_point_id = ?1",
        &[&cp, &status, &now()],
    )
    .await?;
    Ok(())
}

pub async fn list_tags(db: &impl Db) -> DbResult<ListSnapshot<ListTag>> {
    let head = head(db).await?;
    let items = db
        .all(
            "SELECT id_tag_uid, status, type, expire_at, user_id FROM id_tags
             WHERE type IN ('rfid', 'mac_address') ORDER BY id",
            &[],
        )
        .await?
        .iter()
        .map(|r| tag_at(r, 0))
        .collect::<DbResult<Vec<_>>>()?;
    Ok(ListSnapshot { head, items })
}

pub async fn list_changes(db: &impl Db, cursor: i64) -> DbResult<ListSnapshot<ListChange>> {
    let head = head(db).await?;
    let rows = db
        .all(
            "SELECT c.id_tag_uid, t.id_tag_uid, t.status, t.type, t.expire_at, t.user_id
             FROM (SELECT id_tag_uid, MIN(seq) AS first FROM local_list_changes
                   WHERE seq > ?1 AND seq <= ?2 GROUP BY id_tag_uid) c
             LEFT JOIN id_tags t ON t.id_tag_uid = c.id_tag_uid
             ORDER BY c.first",
            &[&cursor, &head],
        )
        .await?;
    let mut items = Vec::with_capacity(rows.len());
    for r in &rows {
        let found: Option<String> = r.get(1)?;
        let tag = match found {
            Some(_) => Some(tag_at(r, 1)?),
            None => None,
        };
        items.push(ListChange {
            uid: r.get(0)?,
            tag: tag.filter(|t| LIST_TYPES.contains(&t.kind.as_str())),
        });
    }
    Ok(ListSnapshot { head, items })
}

pub async fn list_chargers(db: &impl Db) -> DbResult<Vec<(String, Option<String>)>> {
    db.all(
        "SELECT cp.identity, cp.protocol FROM local_lists l
         JOIN charge_points cp ON cp.id = l.charge_point_id
         WHERE l.support = 'supported' AND cp.network_status = 'available' ORDER BY cp.id",
        &[],
    )
    .await?
    .iter()
    .map(|r| Ok((r.get(0)?, r.get(1)?)))
    .collect()
}
