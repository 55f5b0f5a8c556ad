//! Display messages: a row is written `Pending` before SetDisplayMessage goes out (so the
//! id the gateway allocates, one more than the highest it holds for the charger, is
//! taken once even when two requests race), then given the charger's answer; a call that
//! got no answer (CALLERROR, timeout, disconnection) removes its row, so nothing stays
//! of a request the charger never took.

use super::resources::query::Filter;
use crate::store::display::{DisplayMessageView, NewDisplayMessage};
use crate::store::resources::Page;
use crate::store::sql::{now, Db, DbError, DbResult, Row};
use crate::store::StoreError;

const COLUMNS: &str =
    "id, charge_point_id, message_id, priority, status, body, created_at, updated_at";

/// Records a message about to be sent; `message_id` none allocates one.
pub async fn new_display_message(
    db: &impl Db,
    cp: i64,
    message_id: Option<i64>,
    priority: &str,
    body: &str,
) -> DbResult<NewDisplayMessage> {
    if let Some(lock) = db.dialect().key_lock() {
        db.exec(lock, &[&format!("display-messages:{cp}")]).await?;
    }
    let n = now();
    let row = db
        .opt(
            "INSERT INTO display_messages
                 (charge_point_id, message_id, priority, status, body, created_at, updated_at)
             SELECT id, COALESCE(CAST(?2 AS BIGINT),
                        (SELECT COALESCE(MAX(message_id), 0) + 1 FROM display_messages
                         WHERE charge_point_id = ?1)),
                    CAST(?3 AS TEXT), 'Pending', CAST(?4 AS TEXT), CAST(?5 AS TEXT), CAST(?5 AS TEXT)
             FROM charge_points WHERE id = ?1
             RETURNING id, message_id",
            &[&cp, &message_id, &priority, &body, &n],
        )
        .await?
        .ok_or_else(|| {
            DbError::Store(StoreError::conflict(format!(
                "charge point {cp} is unknown"
            )))
        })?;
    Ok(NewDisplayMessage {
        row: row.get(0)?,
        message_id: row.get(1)?,
    })
}

/// The charger's answer to a message's SetDisplayMessage; none (no answer) removes it.
/// An accepted message replaces the one the charger held with its id.
pub async fn display_message_outcome(db: &impl Db, row: i64, status: Option<&str>) -> DbResult<()> {
    let Some(status) = status else {
        db.exec(
            "DELETE FROM display_messages WHERE id = ?1 AND status = 'Pending'",
            &[&row],
        )
        .await?;
        return Ok(());
    };
    let n = now();
    db.exec(
        "UPDATE display_messages SET status = ?2, updated_at = ?3 WHERE id = ?1",
        &[&row, &status, &n],
    )
    .await?;
    if status == "Accepted" {
        db.exec(
            "UPDATE display_messages SET status = 'Replaced', updated_at = ?2
             WHERE status = 'Accepted' AND id <> ?1
               AND (charge_point_id, message_id) IN
                   (SELECT charge_point_id, message_id FROM display_messages WHERE id = ?1)",
            &[&row, &n],
        )
        .await?;
    }
    Ok(())
}

/// The charger removed message `message_id`: its accepted rows are `Cleared`.
pub async fn display_message_cleared(db: &impl Db, cp: i64, message_id: i64) -> DbResult<u64> {
    db.exec(
        "UPDATE display_messages SET status = 'Cleared', updated_at = ?3
         WHERE charge_point_id = ?1 AND message_id = ?2 AND status = 'Accepted'",
        &[&cp, &message_id, &now()],
    )
    .await
}

/// A charger's display messages, oldest first, optionally of one status.
pub async fn display_messages(
    db: &impl Db,
    cp: i64,
    status: Option<&str>,
    page: Page,
) -> DbResult<Vec<DisplayMessageView>> {
    let mut w = Filter::new(db.dialect());
    w.eq("charge_point_id", Some(cp))
        .eq_text("status", status.map(str::to_owned));
    let sql = format!(
        "SELECT {COLUMNS} FROM display_messages{}",
        w.page_sql("id", page)
    );
    db.all(&sql, &w.params())
        .await?
        .iter()
        .map(from_row)
        .collect()
}

fn from_row(r: &Row) -> DbResult<DisplayMessageView> {
    Ok(DisplayMessageView {
        id: r.get(0)?,
        charge_point_id: r.get(1)?,
        message_id: r.get(2)?,
        priority: r.get(3)?,
        status: r.get(4)?,
        body: r.get(5)?,
        created_at: r.get(6)?,
        updated_at: r.get(7)?,
    })
}
