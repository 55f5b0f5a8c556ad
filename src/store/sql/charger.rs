//! What the charger-facing side reads: a charger's record and standing, id tags, the
//! open transactions of an id tag. Alike on both engines.

use super::db::row;
use super::{Db, DbResult};
use crate::domain::auth::{IdTagRecord, IdTagStatus};
use crate::domain::password::{pending_from_text, PasswordHash};
use crate::domain::tag_group::OpenTransaction;
use crate::domain::Registration;
use crate::store::{ChargerRecord, Standing};

/// A stored profile column as a profile (absent or out of range: 0).
fn profile_of(value: Option<i64>) -> u8 {
    value.and_then(|p| u8::try_from(p).ok()).unwrap_or(0)
}

row! { const CHARGER_COLUMNS, fn from_row -> ChargerRecord {
    identity,
    password = "password_hash" => |h: Option<String>| h.as_deref().and_then(PasswordHash::from_hex),
    strict,
    security_profile = "current_profile" => profile_of,
    pending_passwords = "pending_password_hashes" => |p: Option<String>| pending_from_text(p.as_deref()),
    desired_profile => profile_of,
}}

pub async fn charger(db: &impl Db, identity: &str) -> DbResult<Option<ChargerRecord>> {
    let sql = format!("SELECT {CHARGER_COLUMNS} FROM charge_points WHERE identity = ?1");
    db.opt(&sql, &[&identity])
        .await?
        .as_ref()
        .map(ChargerRecord::from_row)
        .transpose()
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

row! { const TAG_COLUMNS, fn from_row -> IdTagRecord {
    uid = "id_tag_uid",
    // An unreadable status blocks rather than admits.
    status => |s: String| IdTagStatus::parse(&s).unwrap_or(IdTagStatus::Disabled),
    expire_at => |e: Option<String>| e
        .and_then(|e| chrono::DateTime::parse_from_rfc3339(&e).ok())
        .map(|e| e.with_timezone(&chrono::Utc)),
    user_id,
}}

pub async fn id_tag(db: &impl Db, uid: &str) -> DbResult<Option<IdTagRecord>> {
    let sql = format!("SELECT {TAG_COLUMNS} FROM id_tags WHERE id_tag_uid = ?1");
    db.opt(&sql, &[&uid])
        .await?
        .as_ref()
        .map(IdTagRecord::from_row)
        .transpose()
}

pub async fn user_id_tags(db: &impl Db, user_id: i64) -> DbResult<Vec<IdTagRecord>> {
    let sql = format!("SELECT {TAG_COLUMNS} FROM id_tags WHERE user_id = ?1 ORDER BY id LIMIT 100");
    db.all(&sql, &[&user_id])
        .await?
        .iter()
        .map(IdTagRecord::from_row)
        .collect()
}

row! { const OPEN_COLUMNS, fn from_row -> OpenTransaction {
    active = "s.status = 'active'", identity = "cp.identity", evse = "s.evse_network_id",
    transaction_id = "s.transaction_id",
}}

pub async fn tag_transactions(db: &impl Db, id_tag: &str) -> DbResult<Vec<OpenTransaction>> {
    let sql = format!(
        "SELECT {OPEN_COLUMNS} FROM sessions s JOIN charge_points cp ON cp.id = s.charge_point_id
         WHERE s.id_tag = ?1 AND s.status IN ('pending', 'active') ORDER BY s.id LIMIT 50"
    );
    db.all(&sql, &[&id_tag])
        .await?
        .iter()
        .map(OpenTransaction::from_row)
        .collect()
}
