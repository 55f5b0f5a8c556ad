//! Electricity meters and their last report. A report older than the last one is
//! refused in the same transaction that would store it, so reports arriving out of
//! order never move a meter back in time. A meter a circuit uses cannot be deleted.

use super::circuit::invalid;
use super::{all_rows, opt_row, Outcome};
use crate::store::resources::electrical::Fault;
use crate::store::resources::{MeterPatch, MeterReport, MeterSpec, MeterView, Page, ResourceError};
use crate::store::sql::{now, Db, DbResult, Row};

const COLUMNS: &str = "id, name, integration_id, integration_parameters, current_l1_ma, \
     current_l2_ma, current_l3_ma, reported_at, created_at, updated_at";

fn from_row(r: &Row) -> DbResult<MeterView> {
    let at: Option<String> = r.get(7)?;
    Ok(MeterView {
        id: r.get(0)?,
        name: r.get(1)?,
        integration_id: r.get(2)?,
        integration_parameters: r.get(3)?,
        last_report: at
            .map(|at| -> DbResult<MeterReport> {
                Ok(MeterReport {
                    currents_ma: [r.get(4)?, r.get(5)?, r.get(6)?],
                    at,
                })
            })
            .transpose()?,
        created_at: r.get(8)?,
        updated_at: r.get(9)?,
    })
}

pub async fn list(db: &impl Db, page: Page) -> DbResult<Vec<MeterView>> {
    let mut w = super::query::Filter::new(db.dialect());
    let sql = format!(
        "SELECT {COLUMNS} FROM electricity_meters{}",
        w.page_sql("id", page)
    );
    all_rows(db, &sql, &w.params(), from_row).await
}

/// Every meter, by id.
pub async fn all(db: &impl Db) -> DbResult<Vec<MeterView>> {
    let sql = format!("SELECT {COLUMNS} FROM electricity_meters ORDER BY id");
    all_rows(db, &sql, &[], from_row).await
}

pub async fn get(db: &impl Db, id: i64) -> DbResult<Option<MeterView>> {
    let sql = format!("SELECT {COLUMNS} FROM electricity_meters WHERE id = ?1");
    opt_row(db, &sql, &[&id], from_row).await
}

pub async fn create(db: &impl Db, s: &MeterSpec) -> DbResult<Option<MeterView>> {
    let at = now();
    let id: i64 = db
        .scalar(
            "INSERT INTO electricity_meters (name, integration_id, integration_parameters,
               created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4) RETURNING id",
            &[&s.name, &s.integration_id, &s.integration_parameters, &at],
        )
        .await?;
    get(db, id).await
}

pub async fn update(db: &impl Db, id: i64, patch: &MeterPatch) -> DbResult<Option<MeterView>> {
    let Some(before) = get(db, id).await? else {
        return Ok(None);
    };
    let s = patch.apply(&MeterSpec {
        name: before.name,
        integration_id: before.integration_id,
        integration_parameters: before.integration_parameters,
    });
    db.exec(
        "UPDATE electricity_meters SET name = ?1, integration_id = ?2,
           integration_parameters = ?3, updated_at = ?4 WHERE id = ?5",
        &[
            &s.name,
            &s.integration_id,
            &s.integration_parameters,
            &now(),
            &id,
        ],
    )
    .await?;
    get(db, id).await
}

/// Deletes a meter no circuit uses.
pub async fn delete(db: &impl Db, id: i64) -> DbResult<Outcome<()>> {
    if get(db, id).await?.is_none() {
        return Ok(Outcome::Refused(ResourceError::NotFound));
    }
    let users: Vec<i64> = all_rows(
        db,
        "SELECT id FROM circuits WHERE electricity_meter_id = ?1 ORDER BY id",
        &[&id],
        |r| r.get(0),
    )
    .await?;
    if !users.is_empty() {
        let ids: Vec<String> = users.iter().map(i64::to_string).collect();
        return invalid(Fault {
            field: "electricityMeter",
            message: format!(
                "The electricity meter is used by circuits {}: unlink it there first.",
                ids.join(", ")
            ),
        });
    }
    db.exec("DELETE FROM electricity_meters WHERE id = ?1", &[&id])
        .await?;
    Ok(Outcome::Done(()))
}

/// Stores a report as the meter's last; one older than the last is rejected.
pub async fn report(db: &impl Db, id: i64, r: &MeterReport) -> DbResult<Outcome<()>> {
    let Some(m) = get(db, id).await? else {
        return Ok(Outcome::Refused(ResourceError::NotFound));
    };
    if let Some(last) = m.last_report.filter(|last| last.at > r.at) {
        return Ok(Outcome::Refused(ResourceError::Rejected(format!(
            "The report of {} is older than the meter's last one, of {}.",
            r.at, last.at
        ))));
    }
    let [l1, l2, l3] = r.currents_ma;
    db.exec(
        "UPDATE electricity_meters SET current_l1_ma = ?1, current_l2_ma = ?2,
           current_l3_ma = ?3, reported_at = ?4 WHERE id = ?5",
        &[&l1, &l2, &l3, &r.at, &id],
    )
    .await?;
    Ok(Outcome::Done(()))
}
