//! What the northbound actions record: pending remote-start sessions, configuration
//! snapshots, charging profiles with gateway-allocated ids, reservations, request ids.
//! Each write emits its notification in the same transaction; the functions that may
//! emit return whether they did, so the store can wake delivery after the commit.

use deadpool_postgres::GenericClient;
use serde_json::{Map, Value};

use super::PgResult;
use crate::domain::notification::{self, ConfigurationEntry};
use crate::store::resources::ProfileCriteria;
use crate::store::sqlite::{now, ts, REMOTE_START_WINDOW};

/// The id an insert `RETURNING id` allocated; None when it inserted nothing.
fn returned(row: Option<tokio_postgres::Row>) -> PgResult<Option<i64>> {
    row.map(|r| r.try_get(0)).transpose()
}

// The inserts below that allocate ids select their charge point rather than let its
// foreign key refuse them: a refused insert would spend an id the embedded store, whose
// rollback returns it, does not. None: no such charge point.

pub async fn new_request_id<C: GenericClient>(c: &C, cp: i64, kind: &str) -> PgResult<Option<i64>> {
    let stmt = c
        .prepare_cached(
            "INSERT INTO action_requests (charge_point_id, kind, created_at)
             SELECT id, $2::TEXT, $3::TEXT FROM charge_points WHERE id = $1 RETURNING id",
        )
        .await?;
    returned(c.query_opt(&stmt, &[&cp, &kind, &now()]).await?)
}

pub async fn create_pending_session<C: GenericClient>(
    c: &C,
    cp: i64,
    evse: Option<i64>,
    id_tag: &str,
) -> PgResult<Option<i64>> {
    let n = now();
    // Remote starts no transaction took up within the window have expired.
    let since = ts(chrono::Utc::now() - REMOTE_START_WINDOW);
    let stmt = c
        .prepare_cached(
            "UPDATE sessions SET status = 'expired', updated_at = $3
             WHERE charge_point_id = $1 AND status = 'pending' AND created_at COLLATE \"C\" < $2",
        )
        .await?;
    c.execute(&stmt, &[&cp, &since, &n]).await?;
    let stmt = c
        .prepare_cached(
            "INSERT INTO sessions (charge_point_id, evse_network_id, connector_id, status, id_tag, created_at, updated_at)
             SELECT id, $2::BIGINT, $2::BIGINT, 'pending', $3::TEXT, $4::TEXT, $4::TEXT
             FROM charge_points WHERE id = $1 RETURNING id",
        )
        .await?;
    let Some(id) = returned(c.query_opt(&stmt, &[&cp, &evse, &id_tag, &n]).await?)? else {
        return Ok(None);
    };
    let stmt = c
        .prepare_cached("UPDATE sessions SET remote_start_id = id WHERE id = $1")
        .await?;
    c.execute(&stmt, &[&id]).await?;
    Ok(Some(id))
}

pub async fn fail_pending_session<C: GenericClient>(c: &C, id: i64, reason: &str) -> PgResult<()> {
    let stmt = c
        .prepare_cached(
            "UPDATE sessions SET status = 'failed', reason = $2, updated_at = $3 WHERE id = $1 AND status = 'pending'",
        )
        .await?;
    c.execute(&stmt, &[&id, &reason, &now()]).await?;
    Ok(())
}

pub async fn session_transaction_id<C: GenericClient>(c: &C, id: i64) -> PgResult<Option<String>> {
    let stmt = c
        .prepare_cached("SELECT transaction_id FROM sessions WHERE id = $1")
        .await?;
    Ok(c.query_opt(&stmt, &[&id])
        .await?
        .map(|r| r.try_get::<_, Option<String>>(0))
        .transpose()?
        .flatten())
}

pub async fn store_configuration<C: GenericClient>(
    c: &C,
    cp: i64,
    request_id: Option<i64>,
    entries: &[ConfigurationEntry],
    replace: bool,
) -> PgResult<bool> {
    let n = now();
    if replace {
        let stmt = c
            .prepare_cached("DELETE FROM configurations WHERE charge_point_id = $1")
            .await?;
        c.execute(&stmt, &[&cp]).await?;
    }
    let upsert = c
        .prepare_cached(
            "INSERT INTO configurations (charge_point_id, key, value, readonly, updated_at) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (charge_point_id, key) DO UPDATE SET value = $3, readonly = $4, updated_at = $5",
        )
        .await?;
    // One statement per entry, in order: a key reported twice keeps its last value.
    for e in entries {
        c.execute(&upsert, &[&cp, &e.key, &e.value, &e.readonly, &n])
            .await?;
    }
    let body = notification::sync_configuration(cp, request_id, entries, None, &n);
    emit(c, cp, notification::SYNC_CONFIGURATION, |_| body).await
}

pub async fn set_configuration_value<C: GenericClient>(
    c: &C,
    cp: i64,
    key: &str,
    value: &str,
) -> PgResult<()> {
    let stmt = c
        .prepare_cached(
            "INSERT INTO configurations (charge_point_id, key, value, readonly, updated_at) VALUES ($1, $2, $3, FALSE, $4)
             ON CONFLICT (charge_point_id, key) DO UPDATE SET value = $3, updated_at = $4",
        )
        .await?;
    c.execute(&stmt, &[&cp, &key, &value, &now()]).await?;
    Ok(())
}

pub async fn new_charging_profile<C: GenericClient>(
    c: &C,
    cp: i64,
    evse: i64,
    purpose: &str,
    stack_level: i64,
    body: &Value,
) -> PgResult<Option<i64>> {
    let n = now();
    let stmt = c
        .prepare_cached(
            "INSERT INTO charging_profiles (charge_point_id, evse_network_id, purpose, stack_level, status, body, created_at, updated_at)
             SELECT id, $2::BIGINT, $3::TEXT, $4::BIGINT, 'pending', $5::TEXT, $6::TEXT, $6::TEXT
             FROM charge_points WHERE id = $1 RETURNING id",
        )
        .await?;
    let body = body.to_string();
    returned(
        c.query_opt(&stmt, &[&cp, &evse, &purpose, &stack_level, &body, &n])
            .await?,
    )
}

pub async fn charging_profile_outcome<C: GenericClient>(
    c: &C,
    id: i64,
    applied: bool,
    session: Option<i64>,
    profile: Map<String, Value>,
) -> PgResult<bool> {
    let n = now();
    let status = if applied { "applied" } else { "rejected" };
    let stmt = c
        .prepare_cached(
            "UPDATE charging_profiles SET status = $2, updated_at = $3 WHERE id = $1
             RETURNING charge_point_id, evse_network_id",
        )
        .await?;
    let row = c.query_opt(&stmt, &[&id, &status, &n]).await?;
    let Some(row) = row.filter(|_| applied) else {
        return Ok(false);
    };
    let cp: i64 = row.try_get(0)?;
    let evse: Option<i64> = row.try_get(1)?;
    let stmt = c
        .prepare_cached("SELECT id FROM evses WHERE charge_point_id = $1 AND network_id = $2")
        .await?;
    let evse_id: Option<i64> = c
        .query_opt(&stmt, &[&cp, &evse])
        .await?
        .map(|r| r.try_get(0))
        .transpose()?;
    let body = notification::charging_profile_applied(cp, evse_id, session, profile, &n);
    emit(c, cp, notification::CHARGING_PROFILE_APPLIED, |_| body).await
}

pub async fn clear_charging_profiles<C: GenericClient>(
    c: &C,
    cp: i64,
    criteria: &ProfileCriteria,
) -> PgResult<u64> {
    let mut w = super::query::Filter::new();
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
    let stmt = c.prepare_cached(&sql).await?;
    c.execute(&stmt, &w.params()).await
}

pub async fn create_reservation<C: GenericClient>(
    c: &C,
    r: &crate::store::resources::NewReservation,
) -> PgResult<Option<i64>> {
    let n = now();
    let stmt = c
        .prepare_cached(
            "INSERT INTO reservations (charge_point_id, evse_network_id, id_tag, user_id, status, expires_at, created_at, updated_at)
             SELECT id, $2::BIGINT, $3::TEXT, $4::BIGINT, 'pending', $5::TEXT, $6::TEXT, $6::TEXT
             FROM charge_points WHERE id = $1 RETURNING id",
        )
        .await?;
    returned(
        c.query_opt(
            &stmt,
            &[
                &r.charge_point_id,
                &r.evse_network_id,
                &r.id_tag,
                &r.user_id,
                &r.expires_at,
                &n,
            ],
        )
        .await?,
    )
}

pub async fn set_reservation_status<C: GenericClient>(
    c: &C,
    id: i64,
    status: &str,
) -> PgResult<bool> {
    let stmt = c
        .prepare_cached(
            "UPDATE reservations SET status = $2, updated_at = $3 WHERE id = $1 RETURNING charge_point_id",
        )
        .await?;
    let cp: Option<i64> = c
        .query_opt(&stmt, &[&id, &status, &now()])
        .await?
        .map(|r| r.try_get(0))
        .transpose()?;
    match (cp, notification::reservation_status(status)) {
        (Some(cp), Some(status)) => {
            emit(c, cp, notification::RESERVATION_CHANGED, |at| {
                notification::reservation_changed(id, status, at)
            })
            .await
        }
        _ => Ok(false),
    }
}

/// Writes notification `name` for charge point `cp` to the outbox, one row per
/// subscription that wants it, as the embedded store's outbox does; `body` is given
/// the time of the emit. Returns whether any row was written.
async fn emit<C: GenericClient>(
    c: &C,
    cp: i64,
    name: &'static str,
    body: impl FnOnce(&str) -> Value,
) -> PgResult<bool> {
    // The common case on a gateway without subscribers costs one lookup.
    let stmt = c
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM subscription_topics WHERE name = $1)")
        .await?;
    let wanted: bool = c.query_one(&stmt, &[&name]).await?.try_get(0)?;
    if !wanted {
        return Ok(false);
    }
    let n = now();
    let body = body(&n).to_string();
    let stmt = c
        .prepare_cached(
            "INSERT INTO outbox (subscription_id, charge_point_id, notification, body, next_attempt_at, created_at)
             SELECT subscription_id, $1::BIGINT, $2::TEXT, $3::TEXT, $4::TEXT, $4::TEXT
             FROM subscription_topics WHERE name = $2::TEXT ORDER BY subscription_id",
        )
        .await?;
    Ok(c.execute(&stmt, &[&cp, &name, &body, &n]).await? > 0)
}
