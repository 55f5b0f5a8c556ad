//! What the charger-facing side reads: a charger's record and standing, id tags, the
//! open transactions of an id tag. Alike on both engines.

use super::{Db, DbResult, Row};
use crate::domain::auth::{IdTagRecord, IdTagStatus};
use crate::domain::password::PasswordHash;
use crate::domain::tag_group::OpenTransaction;
use crate::domain::Registration;
use crate::store::{ChargerRecord, Standing};

/// A stored profile column as a profile (absent or out of range: 0).
fn profile_of(value: Option<i64>) -> u8 {
    value.and_then(|p| u8::try_from(p).ok()).unwrap_or(0)
}

pub async fn charger(db: &impl Db, identity: &str) -> DbResult<Option<ChargerRecord>> {
    let Some(r) = db
        .opt(
            "SELECT identity, password_hash, strict, current_profile, pending_password_hashes,
                    desired_profile
             FROM charge_points WHERE identity = ?1",
            &[&identity],
        )
        .await?
    else {
        return Ok(None);
    };
    let hash: Option<String> = r.get(1)?;
    let pending: Option<String> = r.get(4)?;
    Ok(Some(ChargerRecord {
        identity: r.get(0)?,
        password: hash.as_deref().and_then(PasswordHash::from_hex),
        strict: r.get(2)?,
        security_profile: profile_of(r.get(3)?),
        pending_passwords: crate::domain::password::pending_from_text(pending.as_deref()),
        desired_profile: profile_of(r.get(5)?),
    }))
}

pub async fn standing(db: &impl Db, identity: &str) -> DbResult<Option<Standing>> {
    let Some(r) = db
        .opt(
            "SELECT registration, system_status FROM charge_points WHERE identity = ?1",
            &[&identity],
        )
        .await?
    else {
        return Ok(None);
    };
    let registration: String = r.get(0)?;
    Ok(Some(Standing {
        // An unknown stored value holds the charger rather than admitting it.
        registration: Registration::parse(&registration).unwrap_or(Registration::Pending),
        system_status: r.get(1)?,
    }))
}

/// An id tag as the authorizer sees it, from `id_tag_uid, status, expire_at, user_id`.
fn tag_record(r: &Row) -> DbResult<IdTagRecord> {
    let status: String = r.get(1)?;
    let expire: Option<String> = r.get(2)?;
    Ok(IdTagRecord {
        uid: r.get(0)?,
        // An unreadable status blocks rather than admits.
        status: IdTagStatus::parse(&status).unwrap_or(IdTagStatus::Disabled),
        expire_at: expire
            .as_deref()
            .and_then(|e| chrono::DateTime::parse_from_rfc3339(e).ok())
            .map(|e| e.with_timezone(&chrono::Utc)),
        user_id: r.get(3)?,
    })
}

pub async fn id_tag(db: &impl Db, uid: &str) -> DbResult<Option<IdTagRecord>> {
    db.opt(
        "SELECT id_tag_uid, status, expire_at, user_id FROM id_tags WHERE id_tag_uid = ?1",
        &[&uid],
    )
    .await?
    .as_ref()
    .map(tag_record)
    .transpose()
}

pub async fn user_id_tags(db: &impl Db, user_id: i64) -> DbResult<Vec<IdTagRecord>> {
    db.all(
        "SELECT id_tag_uid, status, expire_at, user_id FROM id_tags WHERE user_id = ?1 ORDER BY id LIMIT 100",
        &[&user_id],
    )
    .await?
    .iter()
    .map(tag_record)
    .collect()
}

pub async fn tag_transactions(db: &impl Db, id_tag: &str) -> DbResult<Vec<OpenTransaction>> {
    db.all(
        "SELECT s.status = 'active', cp.identity, s.evse_network_id, s.transaction_id
         FROM sessions s JOIN charge_points cp ON cp.id = s.charge_point_id
         WHERE s.id_tag = ?1 AND s.status IN ('pending', 'active') ORDER BY s.id LIMIT 50",
        &[&id_tag],
    )
    .await?
    .iter()
    .map(|r| {
        Ok(OpenTransaction {
            active: r.get(0)?,
            identity: r.get(1)?,
            evse: r.get(2)?,
            transaction_id: r.get(3)?,
        })
    })
    .collect()
}
