//! The running cost of a session as the platform last gave it (`cost-updated`), kept so
//! that the next 2.0.1 TransactionEventResponse carries it as `totalCost` (I02/I03).

use crate::store::sql::{now, Db, DbResult};

/// Stores `total_cost` as session `session`'s last known cost.
pub async fn set_session_cost(db: &impl Db, session: i64, total_cost: f64) -> DbResult<()> {
    db.exec(
        "INSERT INTO session_costs (session_id, total_cost, updated_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (session_id) DO UPDATE SET total_cost = excluded.total_cost,
           updated_at = excluded.updated_at",
        &[&session, &total_cost, &now()],
    )
    .await?;
    Ok(())
}

/// The last known cost of charger `identity`'s transaction `transaction_id`, if any.
pub async fn session_cost(
    db: &impl Db,
    identity: &str,
    transaction_id: &str,
) -> DbResult<Option<f64>> {
    let row = db
        .opt(
            "SELECT k.total_cost FROM session_costs k JOIN sessions s ON s.id = k.session_id
             JOIN charge_points c ON c.id = s.charge_point_id
             WHERE c.identity = ?1 AND s.transaction_id = ?2 ORDER BY s.id DESC LIMIT 1",
            &[&identity, &transaction_id],
        )
        .await?;
    row.map(|r| r.get(0)).transpose()
}
