//! What hangs off a circuit: the charge points attached to it with their priorities and
//! their EVSEs', session priorities, state-of-charge priorities and user priorities.
//! An attach checks, in its transaction, that the charge point is in no other circuit
//! and that each of its EVSEs fits the circuit (`store::resources::electrical`).

use super::circuit::{get as circuit, invalid};
use super::{all_rows, opt_row, unique_violation, Outcome};
use crate::store::resources::electrical::{self, Fault};
use crate::store::resources::{
    AttachedChargePoint, EvsePriority, Page, ResourceError, SocPriorities, UserPriorityPatch,
    UserPrioritySpec, UserPriorityView,
};
use crate::store::sql::db::row;
use crate::store::sql::{now, Db, DbResult};

/// The priority of a charge point attached without one.
pub const DEFAULT_PRIORITY: f64 = 1.0;

/// Attaches charge point `cp` to `circuit_id` (again: its priority changes when given).
pub async fn attach(
    db: &impl Db,
    circuit_id: i64,
    cp: i64,
    priority: Option<f64>,
) -> DbResult<Outcome<()>> {
    let Some(c) = circuit(db, circuit_id).await? else {
        return Ok(Outcome::Refused(ResourceError::NotFound));
    };
    let known = db
        .opt("SELECT 1 FROM charge_points WHERE id = ?1", &[&cp])
        .await?
        .is_some();
    let bad = |message: String| {
        invalid(Fault {
            field: "chargePointId",
            message,
        })
    };
    if !known {
        return bad(format!("The charge point {cp} does not exist."));
    }
    let held: Option<i64> = db
        .opt_scalar(
            "SELECT circuit_id FROM circuit_charge_points WHERE charge_point_id = ?1",
            &[&cp],
        )
        .await?;
    if let Some(other) = held.filter(|h| *h != circuit_id) {
        return bad(format!(
            "The charge point {cp} is already in circuit {other}: detach it there first."
        ));
    }
    let spec = c.spec();
    let evses = all_rows(
        db,
        &format!(
            "SELECT e.network_id, {} FROM evses e WHERE e.charge_point_id = ?1
             AND e.network_id > 0 ORDER BY e.id",
            super::evse::POWER_COLUMNS_E
        ),
        &[&cp],
        |r| Ok((r.get::<i64>(0)?, super::evse::power_at(r, 1)?)),
    )
    .await?;
    for (network_id, power) in evses {
        if let Err(f) = electrical::evse_fits(&spec, &power) {
            return bad(format!(
                "The charge point's electrical configuration differs from the circuit's \
                 (EVSE {network_id}, {}): {}",
                f.field, f.message
            ));
        }
    }
    if held.is_some() {
        if let Some(p) = priority {
            db.exec(
                "UPDATE circuit_charge_points SET priority = ?1
                 WHERE circuit_id = ?2 AND charge_point_id = ?3",
                &[&p, &circuit_id, &cp],
            )
            .await?;
        }
        return Ok(Outcome::Done(()));
    }
    let p = priority.unwrap_or(DEFAULT_PRIORITY);
    match db
        .exec(
            "INSERT INTO circuit_charge_points (circuit_id, charge_point_id, priority, created_at)
             VALUES (?1, ?2, ?3, ?4)",
            &[&circuit_id, &cp, &p, &now()],
        )
        .await
    {
        Ok(_) => Ok(Outcome::Done(())),
        // Another transaction attached it meanwhile (PostgreSQL).
        Err(e) if unique_violation(&e) => bad(format!(
            "The charge point {cp} is already in another circuit."
        )),
        Err(e) => Err(e),
    }
}

/// Detaches a charge point (with its EVSE and session priorities); false when it was
/// not attached to this circuit.
pub async fn detach(db: &impl Db, circuit_id: i64, cp: i64) -> DbResult<bool> {
    let n = db
        .exec(
            "DELETE FROM circuit_charge_points WHERE circuit_id = ?1 AND charge_point_id = ?2",
            &[&circuit_id, &cp],
        )
        .await?;
    if n > 0 {
        db.exec(
            "DELETE FROM circuit_session_priorities WHERE circuit_id = ?1
             AND session_id IN (SELECT id FROM sessions WHERE charge_point_id = ?2)",
            &[&circuit_id, &cp],
        )
        .await?;
    }
    Ok(n > 0)
}

/// An attached charge point's priority; false when it is not attached to this circuit.
pub async fn set_priority(db: &impl Db, circuit_id: i64, cp: i64, p: f64) -> DbResult<bool> {
    Ok(db
        .exec(
            "UPDATE circuit_charge_points SET priority = ?1
             WHERE circuit_id = ?2 AND charge_point_id = ?3",
            &[&p, &circuit_id, &cp],
        )
        .await?
        > 0)
}

/// The priority of EVSE `evse` (its own id) of an attached charge point; false when the
/// charge point is not attached here or the EVSE is not its.
pub async fn set_evse_priority(
    db: &impl Db,
    circuit_id: i64,
    cp: i64,
    evse: i64,
    p: f64,
) -> DbResult<bool> {
    let found = db
        .opt(
            "SELECT 1 FROM circuit_charge_points cc JOIN evses e
               ON e.charge_point_id = cc.charge_point_id
             WHERE cc.circuit_id = ?1 AND cc.charge_point_id = ?2 AND e.id = ?3
               AND e.network_id > 0",
            &[&circuit_id, &cp, &evse],
        )
        .await?
        .is_some();
    if found {
        db.exec(
            "INSERT INTO circuit_evse_priorities (circuit_id, charge_point_id, evse_id, priority)
             VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (circuit_id, evse_id) DO UPDATE SET priority = excluded.priority",
            &[&circuit_id, &cp, &evse, &p],
        )
        .await?;
    }
    Ok(found)
}

/// The priority of a session under the circuit: the session must be one of an attached
/// charge point's. Not found: the session does not exist.
pub async fn set_session_priority(
    db: &impl Db,
    circuit_id: i64,
    session: i64,
    p: f64,
) -> DbResult<Outcome<()>> {
    let cp: Option<i64> = db
        .opt_scalar(
            "SELECT charge_point_id FROM sessions WHERE id = ?1",
            &[&session],
        )
        .await?;
    let Some(cp) = cp else {
        return Ok(Outcome::Refused(ResourceError::NotFound));
    };
    let under = db
        .opt(
            "SELECT 1 FROM circuit_charge_points WHERE circuit_id = ?1 AND charge_point_id = ?2",
            &[&circuit_id, &cp],
        )
        .await?
        .is_some();
    if !under {
        return invalid(Fault {
            field: "session",
            message: format!(
                "The session {session} is on charge point {cp}, which is not in this circuit."
            ),
        });
    }
    db.exec(
        "INSERT INTO circuit_session_priorities (circuit_id, session_id, priority)
         VALUES (?1, ?2, ?3)
         ON CONFLICT (circuit_id, session_id) DO UPDATE SET priority = excluded.priority",
        &[&circuit_id, &session, &p],
    )
    .await?;
    Ok(Outcome::Done(()))
}

/// The charge points attached to a circuit (a page, by charge point id) with their
/// EVSEs' priorities.
pub async fn attached(
    db: &impl Db,
    circuit_id: i64,
    page: Page,
) -> DbResult<Vec<AttachedChargePoint>> {
    let mut out = all_rows(
        db,
        "SELECT cc.circuit_id, cc.charge_point_id, cp.identity, cc.priority
         FROM circuit_charge_points cc JOIN charge_points cp ON cp.id = cc.charge_point_id
         WHERE cc.circuit_id = ?1 AND cc.charge_point_id > ?2
         ORDER BY cc.charge_point_id LIMIT ?3",
        &[
            &circuit_id,
            &page.after.unwrap_or(0),
            &i64::from(page.limit),
        ],
        attachment_from_row,
    )
    .await?;
    let evses = evse_priorities(db, Some(circuit_id)).await?;
    join_evses(&mut out, evses);
    Ok(out)
}

/// Every attachment of every circuit (for the load manager).
pub async fn all_attached(db: &impl Db) -> DbResult<Vec<AttachedChargePoint>> {
    let mut out = all_rows(
        db,
        "SELECT cc.circuit_id, cc.charge_point_id, cp.identity, cc.priority
         FROM circuit_charge_points cc JOIN charge_points cp ON cp.id = cc.charge_point_id
         ORDER BY cc.circuit_id, cc.charge_point_id",
        &[],
        attachment_from_row,
    )
    .await?;
    join_evses(&mut out, evse_priorities(db, None).await?);
    Ok(out)
}

fn attachment_from_row(r: &crate::store::sql::Row) -> DbResult<AttachedChargePoint> {
    Ok(AttachedChargePoint {
        circuit_id: r.get(0)?,
        charge_point_id: r.get(1)?,
        identity: r.get(2)?,
        priority: r.get(3)?,
        evses: Vec::new(),
    })
}

/// (circuit, charge point, EVSE priority) rows, of one circuit or all.
async fn evse_priorities(
    db: &impl Db,
    circuit_id: Option<i64>,
) -> DbResult<Vec<(i64, i64, EvsePriority)>> {
    let mut w = super::query::Filter::new(db.dialect());
    w.eq("circuit_id", circuit_id);
    let sql = format!(
        "SELECT circuit_id, charge_point_id, evse_id, priority FROM circuit_evse_priorities{}
         ORDER BY evse_id",
        w.sql()
    );
    all_rows(db, &sql, &w.params(), |r| {
        Ok((
            r.get(0)?,
            r.get(1)?,
            EvsePriority {
                evse_id: r.get(2)?,
                priority: r.get(3)?,
            },
        ))
    })
    .await
}

fn join_evses(out: &mut [AttachedChargePoint], evses: Vec<(i64, i64, EvsePriority)>) {
    for (circuit_id, cp, e) in evses {
        if let Some(a) = out
            .iter_mut()
            .find(|a| a.circuit_id == circuit_id && a.charge_point_id == cp)
        {
            a.evses.push(e);
        }
    }
}

/// A circuit's SoC priorities, replaced; all none removes them.
pub async fn set_soc(db: &impl Db, circuit_id: i64, s: &SocPriorities) -> DbResult<()> {
    if *s == SocPriorities::default() {
        db.exec(
            "DELETE FROM circuit_soc_priorities WHERE circuit_id = ?1",
            &[&circuit_id],
        )
        .await?;
        return Ok(());
    }
    db.exec(
        "INSERT INTO circuit_soc_priorities (circuit_id, lower_threshold, low_priority,
           upper_threshold, high_priority, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (circuit_id) DO UPDATE SET lower_threshold = excluded.lower_threshold,
           low_priority = excluded.low_priority, upper_threshold = excluded.upper_threshold,
           high_priority = excluded.high_priority, updated_at = excluded.updated_at",
        &[
            &circuit_id,
            &s.lower_threshold,
            &s.low_priority,
            &s.upper_threshold,
            &s.high_priority,
            &now(),
        ],
    )
    .await?;
    Ok(())
}

fn soc_from_row(r: &crate::store::sql::Row, at: usize) -> DbResult<SocPriorities> {
    Ok(SocPriorities {
        lower_threshold: r.get(at)?,
        low_priority: r.get(at + 1)?,
        upper_threshold: r.get(at + 2)?,
        high_priority: r.get(at + 3)?,
    })
}

/// A circuit's SoC priorities (none set: the defaults, all none).
pub async fn soc(db: &impl Db, circuit_id: i64) -> DbResult<SocPriorities> {
    Ok(opt_row(
        db,
        "SELECT lower_threshold, low_priority, upper_threshold, high_priority
         FROM circuit_soc_priorities WHERE circuit_id = ?1",
        &[&circuit_id],
        |r| soc_from_row(r, 0),
    )
    .await?
    .unwrap_or_default())
}

/// Every circuit's SoC priorities that are set.
pub async fn all_soc(db: &impl Db) -> DbResult<Vec<(i64, SocPriorities)>> {
    all_rows(
        db,
        "SELECT circuit_id, lower_threshold, low_priority, upper_threshold, high_priority
         FROM circuit_soc_priorities ORDER BY circuit_id",
        &[],
        |r| Ok((r.get(0)?, soc_from_row(r, 1)?)),
    )
    .await
}

row! { const USER_COLUMNS, fn from_row -> UserPriorityView {
    id, circuit_id, target_id, kind, priority, created_at, updated_at,
}}

pub async fn user_priorities(
    db: &impl Db,
    circuit_id: i64,
    page: Page,
) -> DbResult<Vec<UserPriorityView>> {
    let sql = format!(
        "SELECT {USER_COLUMNS} FROM circuit_user_priorities WHERE circuit_id = ?1 AND id > ?2
         ORDER BY id LIMIT ?3"
    );
    let (after, limit) = (page.after.unwrap_or(0), i64::from(page.limit));
    all_rows(
        db,
        &sql,
        &[&circuit_id, &after, &limit],
        UserPriorityView::from_row,
    )
    .await
}

pub async fn user_priority(
    db: &impl Db,
    circuit_id: i64,
    id: i64,
) -> DbResult<Option<UserPriorityView>> {
    let sql = format!(
        "SELECT {USER_COLUMNS} FROM circuit_user_priorities WHERE circuit_id = ?1 AND id = ?2"
    );
    opt_row(db, &sql, &[&circuit_id, &id], UserPriorityView::from_row).await
}

pub async fn create_user_priority(
    db: &impl Db,
    circuit_id: i64,
    s: &UserPrioritySpec,
) -> DbResult<Outcome<UserPriorityView>> {
    if circuit(db, circuit_id).await?.is_none() {
        return Ok(Outcome::Refused(ResourceError::NotFound));
    }
    let at = now();
    let id: i64 = db
        .scalar(
            "INSERT INTO circuit_user_priorities (circuit_id, target_id, kind, priority,
               created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5) RETURNING id",
            &[&circuit_id, &s.target_id, &s.kind, &s.priority, &at],
        )
        .await?;
    Ok(match user_priority(db, circuit_id, id).await? {
        Some(v) => Outcome::Done(v),
        None => Outcome::Refused(ResourceError::NotFound),
    })
}

pub async fn update_user_priority(
    db: &impl Db,
    circuit_id: i64,
    id: i64,
    patch: &UserPriorityPatch,
) -> DbResult<Option<UserPriorityView>> {
    let Some(before) = user_priority(db, circuit_id, id).await? else {
        return Ok(None);
    };
    let s = patch.apply(&UserPrioritySpec {
        target_id: before.target_id,
        kind: before.kind,
        priority: before.priority,
    });
    db.exec(
        "UPDATE circuit_user_priorities SET target_id = ?1, kind = ?2, priority = ?3,
           updated_at = ?4 WHERE id = ?5",
        &[&s.target_id, &s.kind, &s.priority, &now(), &id],
    )
    .await?;
    user_priority(db, circuit_id, id).await
}

pub async fn delete_user_priority(db: &impl Db, circuit_id: i64, id: i64) -> DbResult<bool> {
    Ok(db
        .exec(
            "DELETE FROM circuit_user_priorities WHERE circuit_id = ?1 AND id = ?2",
            &[&circuit_id, &id],
        )
        .await?
        > 0)
}
