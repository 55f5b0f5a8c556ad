//! Records: authorizations, security events and the other reports.

use crate::domain::auth::{AuthSource, AuthorizationRecord};
use crate::domain::AuthStatus;
use crate::store::sql::outbox::{emit, Event};
use crate::store::sql::{cp_id, ts, Db, DbResult};

pub async fn record_authorization(
    db: &impl Db,
    identity: &str,
    a: &AuthorizationRecord,
) -> DbResult<()> {
    let cp = cp_id(db, identity).await?;
    let (status, rejection) = match a.status {
        AuthStatus::Accepted => ("accepted", None),
        other => ("rejected", Some(other.as_v16().to_ascii_lowercase())),
    };
    let source = match a.source {
        AuthSource::Local => "local",
        AuthSource::Upstream => "third_party",
        AuthSource::Policy => "local",
    };
    let at = ts(a.at);
    let id: i64 = db
        .one(
            "INSERT INTO authorizations (charge_point_id, id_tag, status, rejection_reason, method, source, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, 'rfid_tag', ?5, ?6, ?6) RETURNING id",
            &[&cp, &a.id_tag, &status, &rejection, &source, &at],
        )
        .await?
        .get(0)?;
    emit(
        db,
        cp,
        Event::authorization(id, &a.id_tag, a.status.as_v16(), &at),
    )
    .await
}
