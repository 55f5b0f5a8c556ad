//! What the northbound actions record: pending remote-start sessions, configuration
//! snapshots, charging profiles with gateway-allocated ids, reservations, request ids.
//! Each write emits its notification in the same transaction.
//!
//! The inserts that allocate ids select their charge point rather than let its foreign
//! key refuse them: a refused insert would spend an id on PostgreSQL that SQLite, whose
//! rollback returns it, does not. An unknown charge point is a conflict.

use serde_json::{Map, Value};

use super::query::Filter;
use super::{all_rows, known_charge_point, opt_row};
use crate::domain::notification::{self, ConfigurationEntry};
use crate::store::resources::{ChargingProfileView, NewReservation, Page, ProfileCriteria};
use crate::store::sql::db::row;
use crate::store::sql::ops::sessions::REMOTE_START_WINDOW;
use crate::store::sql::outbox::{emit, Event};
use crate::store::sql::{now, ts, Db, DbResult};

/// The id an insert `RETURNING id` allocated, if it inserted.
async fn inserted(
    db: &impl Db,
    sql: &str,
    params: crate::store::sql::Params<'_>,
) -> DbResult<Option<i64>> {
    opt_row(db, sql, params, |r| r.get(0)).await
}

pub async fn new_request_id(db: &impl Db, cp: i64, kind: &str) -> DbResult<i64> {
    let id = inserted(
        db,
        "INSERT INTO action_requests (charge_point_id, kind, created_at)
         SELECT id, CAST(?2 AS TEXT), CAST(?3 AS TEXT) FROM charge_points WHERE id = ?1 RETURNING id",
        &[&cp, &kind, &now()],
    )
    .await?;
    known_charge_point(id, cp)
}

pub async fn create_pending_session(
    db: &impl Db,
    cp: i64,
    evse: Option<i64>,
    id_tag: &str,
) -> DbResult<i64> {
    let n = now();
    // Remote starts no transaction took up within the window have expired.
    let since = ts(chrono::Utc::now() - REMOTE_START_WINDOW);
    let expire = format!(
        "UPDATE sessions SET status = 'expired', updated_at = ?3
         WHERE charge_point_id = ?1 AND status = 'pending' AND created_at{} < ?2",
        db.dialect().bytewise()
    );
    db.exec(&expire, &[&cp, &since, &n]).await?;
    let id = inserted(
        db,
        "INSERT INTO sessions (charge_point_id, evse_network_id, connector_id, status, id_tag, created_at, updated_at)
         SELECT id, CAST(?2 AS BIGINT), CAST(?2 AS BIGINT), 'pending', CAST(?3 AS TEXT), CAST(?4 AS TEXT), CAST(?4 AS TEXT)
         FROM charge_points WHERE id = ?1 RETURNING id",
        &[&cp, &evse, &id_tag, &n],
    )
    .await?;
    let id = known_charge_point(id, cp)?;
    db.exec(
        "UPDATE sessions SET remote_start_id = id WHERE id = ?1",
        &[&id],
    )
    .await?;
    Ok(id)
}

pub async fn fail_pending_session(db: &impl Db, id: i64, reason: &str) -> DbResult<()> {
    db.exec(
        "UPDATE sessions SET status = 'failed', reason = ?2, updated_at = ?3 WHERE id = ?1 AND status = 'pending'",
        &[&id, &reason, &now()],
    )
    .await?;
    Ok(())
}

pub async fn session_transaction_id(db: &impl Db, id: i64) -> DbResult<Option<String>> {
    Ok(opt_row(
        db,
        "SELECT transaction_id FROM sessions WHERE id = ?1",
        &[&id],
        |r| r.get::<Option<String>>(0),
    )
    .await?
    .flatten())
}

pub async fn store_configuration(
    db: &impl Db,
    cp: i64,
    request_id: Option<i64>,
    entries: &[ConfigurationEntry],
    replace: bool,
) -> DbResult<()> {
    let n = now();
    if replace {
        db.exec(
            "DELETE FROM configurations WHERE charge_point_id = ?1",
            &[&cp],
        )
        .await?;
    }
    // One statement per entry, in order: a key reported twice keeps its last value.
    for e in entries {
        db.exec(
            "INSERT INTO configurations (charge_point_id, key, value, readonly, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (charge_point_id, key) DO UPDATE SET value = ?3, readonly = ?4, updated_at = ?5",
            &[&cp, &e.key, &e.value, &e.readonly, &n],
        )
        .await?;
    }
    let body = notification::sync_configuration(cp, request_id, entries, None, &n);
    emit(
        db,
        cp,
        Event::Prepared {
            name: notification::SYNC_CONFIGURATION,
            body,
        },
    )
    .await
}

pub async fn set_configuration_value(
    db: &impl Db,
    cp: i64,
    key: &str,
    value: &str,
) -> DbResult<()> {
    db.exec(
        "INSERT INTO configurations (charge_point_id, key, value, readonly, updated_at) VALUES (?1, ?2, ?3, FALSE, ?4)
         ON CONFLICT (charge_point_id, key) DO UPDATE SET value = ?3, updated_at = ?4",
        &[&cp, &key, &value, &now()],
    )
    .await?;
    Ok(())
}

pub async fn new_charging_profile(
    db: &impl Db,
    cp: i64,
    evse: i64,
    purpose: &str,
    stack_level: i64,
    body: &Value,
) -> DbResult<i64> {
    let n = now();
    let body = body.to_string();
    let id = inserted(
        db,
        "INSERT INTO charging_profiles (charge_point_id, evse_network_id, purpose, stack_level, status, body, created_at, updated_at)
         SELECT id, CAST(?2 AS BIGINT), CAST(?3 AS TEXT), CAST(?4 AS BIGINT), 'pending', CAST(?5 AS TEXT), CAST(?6 AS TEXT), CAST(?6 AS TEXT)
         FROM charge_points WHERE id = ?1 RETURNING id",
        &[&cp, &evse, &purpose, &stack_level, &body, &n],
    )
    .await?;
    known_charge_point(id, cp)
}

pub async fn charging_profile_outcome(
    db: &impl Db,
    id: i64,
    applied: bool,
    session: Option<i64>,
    profile: &Map<String, Value>,
) -> DbResult<()> {
    let n = now();
    let status = if applied { "applied" } else { "rejected" };
    let row = db
        .opt(
            "UPDATE charging_profiles SET status = ?2, updated_at = ?3 WHERE id = ?1
             RETURNING charge_point_id, evse_network_id, purpose, stack_level",
            &[&id, &status, &n],
        )
        .await?;
    let Some(row) = row.filter(|_| applied) else {
        return Ok(());
    };
    let cp: i64 = row.get(0)?;
    let evse: Option<i64> = row.get(1)?;
    let (purpose, stack_level): (String, i64) = (row.get(2)?, row.get(3)?);
    // The charger replaced the profile of the same EVSE, purpose and stack level (1.6
    // §3.13.2, 2.0.1 K01.FR.05): so does the record.
    db.exec(
        "UPDATE charging_profiles SET status = 'replaced', updated_at = ?6
         WHERE charge_point_id = ?1 AND evse_network_id = ?2 AND purpose = ?3
           AND stack_level = ?4 AND status = 'applied' AND id <> ?5",
        &[&cp, &evse, &purpose, &stack_level, &id, &n],
    )
    .await?;
    let evse_id: Option<i64> = opt_row(
        db,
        "SELECT id FROM evses WHERE charge_point_id = ?1 AND network_id = ?2",
        &[&cp, &evse],
        |r| r.get(0),
    )
    .await?;
    let body = notification::charging_profile_applied(cp, evse_id, session, profile.clone(), &n);
    emit(
        db,
        cp,
        Event::Prepared {
            name: notification::CHARGING_PROFILE_APPLIED,
            body,
        },
    )
    .await
}

pub async fn clear_charging_profiles(
    db: &impl Db,
    cp: i64,
    criteria: &ProfileCriteria,
) -> DbResult<u64> {
    let mut w = Filter::new(db.dialect());
    let at = w.param(now());
    w.eq("charge_point_id", Some(cp))
        .always("status = 'applied'")
        .eq("id", criteria.id)
        .eq("evse_network_id", criteria.evse_network_id)
        .eq_text("purpose", criteria.purpose.clone())
        .eq("stack_level", criteria.stack_level);
    let sql = format!(
        "UPDATE charging_profiles SET status = 'cleared', updated_at = {at}{}",
        w.sql()
    );
    db.exec(&sql, &w.params()).await
}

pub async fn create_reservation(db: &impl Db, r: &NewReservation) -> DbResult<i64> {
    let n = now();
    let id = inserted(
        db,
        "INSERT INTO reservations (charge_point_id, evse_network_id, id_tag, user_id, status, expires_at, created_at, updated_at)
         SELECT id, CAST(?2 AS BIGINT), CAST(?3 AS TEXT), CAST(?4 AS BIGINT), 'pending', CAST(?5 AS TEXT), CAST(?6 AS TEXT), CAST(?6 AS TEXT)
         FROM charge_points WHERE id = ?1 RETURNING id",
        &[
            &r.charge_point_id,
            &r.evse_network_id,
            &r.id_tag,
            &r.user_id,
            &r.expires_at,
            &n,
        ],
    )
    .await?;
    known_charge_point(id, r.charge_point_id)
}

pub async fn set_reservation_status(db: &impl Db, id: i64, status: &str) -> DbResult<()> {
    let cp: Option<i64> = opt_row(
        db,
        "UPDATE reservations SET status = ?2, updated_at = ?3 WHERE id = ?1 RETURNING charge_point_id",
        &[&id, &status, &now()],
        |r| r.get(0),
    )
    .await?;
    if let (Some(cp), Some(status)) = (cp, notification::reservation_status(status)) {
        emit(db, cp, Event::Reservation { id, status }).await?;
    }
    Ok(())
}

row! { const PROFILE_COLUMNS, fn from_row -> ChargingProfileView {
    id, charge_point_id, evse_network_id, purpose, stack_level, status, body, created_at,
    updated_at,
}}

/// A charge point's charging profiles as the gateway sent them (of one status).
pub async fn charging_profiles(
    db: &impl Db,
    cp: i64,
    status: Option<&str>,
    page: Page,
) -> DbResult<Vec<ChargingProfileView>> {
    let mut w = Filter::new(db.dialect());
    w.eq("charge_point_id", Some(cp))
        .eq_text("status", status.map(str::to_owned));
    let sql = format!(
        "SELECT {PROFILE_COLUMNS} FROM charging_profiles{}",
        w.page_sql("id", page)
    );
    all_rows(db, &sql, &w.params(), ChargingProfileView::from_row).await
}
