//! Multi-part reports over [`Db`]: a report row per (charge point, kind, request id) and
//! its parts; the report is assembled and `chargePoint.reportCompleted` emitted in the
//! transaction of the part that completes it (see `domain::report` for when that is).
//! Device events and firmware statuses are in `reports/history.rs`.
//!
//! Decisions: a repeated part number keeps the first copy (a charger repeats a part
//! when it lost our answer; the report may already have been notified) and is counted
//! in `repeats`. A part that arrives after the report completed (possible only for the
//! kinds without part numbers) is kept and the result assembled again, without a second
//! notification. The request row is written before the call is sent, so a part that
//! overtakes the charger's answer finds it.

pub mod history;

use serde_json::{json, Value};

use super::outbox::{emit, Event};
use super::resources::query::Filter;
use super::{cp_id, now, Db, DbResult, Row};
use crate::domain::notification::{self as names, ConfigurationEntry};
use crate::domain::report::{ReportKind, ReportPart, ReportRequest};
use crate::store::reports::ReportView;
use crate::store::resources::Page;

const COLUMNS: &str = "id, charge_point_id, kind, request_id, request, status, parts, repeats, \
                       result, created_at, updated_at, completed_at";

fn json_cell(text: Option<String>) -> Option<Value> {
    text.and_then(|t| serde_json::from_str(&t).ok())
}

fn view(r: &Row) -> DbResult<ReportView> {
    Ok(ReportView {
        id: r.get(0)?,
        charge_point_id: r.get(1)?,
        kind: r.get(2)?,
        request_id: r.get(3)?,
        request: json_cell(r.get(4)?),
        status: r.get(5)?,
        parts: r.get(6)?,
        repeats: r.get(7)?,
        result: json_cell(r.get(8)?),
        created_at: r.get(9)?,
        updated_at: r.get(10)?,
        completed_at: r.get(11)?,
    })
}

/// The report row for (cp, kind, request id), created `pending` when missing; its id.
async fn report_id(db: &impl Db, cp: i64, kind: &str, request_id: i64) -> DbResult<i64> {
    let find =
        "SELECT id FROM reports WHERE charge_point_id = ?1 AND kind = ?2 AND request_id = ?3";
    if let Some(r) = db.opt(find, &[&cp, &kind, &request_id]).await? {
        return r.get(0);
    }
    let n = now();
    let added = db
        .opt(
            "INSERT INTO reports (charge_point_id, kind, request_id, status, created_at, updated_at)
             VALUES (?1, ?2, ?3, 'pending', ?4, ?4)
             ON CONFLICT (charge_point_id, kind, request_id) DO NOTHING RETURNING id",
            &[&cp, &kind, &request_id, &n],
        )
        .await?;
    match added {
        Some(r) => r.get(0),
        // Another transaction added it meanwhile: take its row.
        None => db.one(find, &[&cp, &kind, &request_id]).await?.get(0),
    }
}

pub async fn request_report(
    db: &impl Db,
    cp: i64,
    kind: &str,
    request_id: i64,
    request: &Value,
    empty: bool,
) -> DbResult<()> {
    let id = report_id(db, cp, kind, request_id).await?;
    let n = now();
    db.exec(
        "UPDATE reports SET request = ?2, updated_at = ?3 WHERE id = ?1",
        &[&id, &request.to_string(), &n],
    )
    .await?;
    if empty {
        if let Some(kind) = ReportKind::parse(kind) {
            complete(db, id, kind, &[], &n).await?;
        }
    }
    Ok(())
}

pub async fn drop_report_request(
    db: &impl Db,
    cp: i64,
    kind: &str,
    request_id: i64,
) -> DbResult<()> {
    db.exec(
        "DELETE FROM reports WHERE charge_point_id = ?1 AND kind = ?2 AND request_id = ?3 AND parts = 0",
        &[&cp, &kind, &request_id],
    )
    .await?;
    Ok(())
}

/// Stores a part, completes the report when it is whole, and (NotifyReport) keeps the
/// configuration snapshot as before: each part's entries, the snapshot replaced from
/// part 0 unless the request asked for part of the device model only.
pub async fn record_part(db: &impl Db, identity: &str, part: &ReportPart) -> DbResult<()> {
    let cp = cp_id(db, identity).await?;
    let kind = part.kind.name();
    let id = report_id(db, cp, kind, part.request_id).await?;
    let n = now();
    let head = db
        .one(
            "SELECT status, parts, last_seq_no, request FROM reports WHERE id = ?1",
            &[&id],
        )
        .await?;
    let (status, parts, last): (String, i64, Option<i64>) =
        (head.get(0)?, head.get(1)?, head.get(2)?);
    let request = json_cell(head.get(3)?);
    let payload = part.payload.to_string();
    let seq = match part.seq_no {
        Some(s) => s,
        None => {
            // Unnumbered parts: a copy of one already kept is a repeat.
            let same = db
                .opt(
                    "SELECT 1 FROM report_parts WHERE report_id = ?1 AND payload = ?2",
                    &[&id, &payload],
                )
                .await?;
            if same.is_some() {
                -1
            } else {
                parts
            }
        }
    };
    let known = seq < 0
        || db
            .opt(
                "SELECT 1 FROM report_parts WHERE report_id = ?1 AND seq_no = ?2",
                &[&id, &seq],
            )
            .await?
            .is_some();
    if known {
        db.exec(
            "UPDATE reports SET repeats = repeats + 1, updated_at = ?2 WHERE id = ?1",
            &[&id, &n],
        )
        .await?;
        return Ok(());
    }
    db.exec(
        "INSERT INTO report_parts (report_id, seq_no, tbc, payload, received_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        &[&id, &seq, &part.tbc, &payload, &n],
    )
    .await?;
    let last = if part.tbc { last } else { Some(seq) };
    db.exec(
        "UPDATE reports SET parts = parts + 1, last_seq_no = ?2, updated_at = ?3 WHERE id = ?1",
        &[&id, &last, &n],
    )
    .await?;
    if part.kind == ReportKind::Report {
        snapshot(db, cp, part, request.as_ref()).await?;
    }
    // Whole: the last part is in and every number up to it.
    let whole = match last {
        Some(last) => {
            let upto: i64 = db
                .one(
                    "SELECT COUNT(*) FROM report_parts WHERE report_id = ?1 AND seq_no <= ?2",
                    &[&id, &last],
                )
                .await?
                .get(0)?;
            upto == last + 1
        }
        None => false,
    };
    if whole {
        let rows = db
            .all(
                "SELECT payload FROM report_parts WHERE report_id = ?1 ORDER BY seq_no",
                &[&id],
            )
            .await?;
        let payloads: Vec<Value> = rows
            .iter()
            .map(|r| r.get::<String>(0))
            .collect::<DbResult<Vec<_>>>()?
            .into_iter()
            .filter_map(|t| serde_json::from_str(&t).ok())
            .collect();
        if status == "complete" {
            let result = part.kind.assemble(&payloads).to_string();
            db.exec(
                "UPDATE reports SET result = ?2 WHERE id = ?1",
                &[&id, &result],
            )
            .await?;
        } else {
            complete(db, id, part.kind, &payloads, &n).await?;
        }
    }
    Ok(())
}

/// Marks the report complete with the result of `payloads` and emits its notification.
async fn complete(
    db: &impl Db,
    id: i64,
    kind: ReportKind,
    payloads: &[Value],
    n: &str,
) -> DbResult<()> {
    let result = kind.assemble(payloads).to_string();
    db.exec(
        "UPDATE reports SET status = 'complete', result = ?2, completed_at = ?3, updated_at = ?3 WHERE id = ?1",
        &[&id, &result, &n],
    )
    .await?;
    let sql = format!("SELECT {COLUMNS} FROM reports WHERE id = ?1");
    let report = view(&db.one(&sql, &[&id]).await?)?;
    let cp = report.charge_point_id;
    emit(
        db,
        cp,
        Event::Prepared {
            name: names::REPORT_COMPLETED,
            body: completed_body(&report),
        },
    )
    .await
}

/// The body of `chargePoint.reportCompleted`: the report as the API shows it.
fn completed_body(r: &ReportView) -> Value {
    json!({
        "notification": names::REPORT_COMPLETED,
        "chargePointId": r.charge_point_id,
        "requestId": r.request_id,
        "report": r.to_json(),
    })
}

async fn snapshot(
    db: &impl Db,
    cp: i64,
    part: &ReportPart,
    request: Option<&Value>,
) -> DbResult<()> {
    let entries: Vec<ConfigurationEntry> =
        crate::domain::secret::redact_entries(crate::domain::report::report_entries(&part.payload));
    let partial = request.is_some_and(ReportRequest::partial_inventory);
    let first = part.seq_no == Some(0) && !partial;
    super::resources::action::store_configuration(db, cp, Some(part.request_id), &entries, first)
        .await
}

pub async fn reports(
    db: &impl Db,
    cp: i64,
    kind: Option<&str>,
    status: Option<&str>,
    page: Page,
) -> DbResult<Vec<ReportView>> {
    let mut w = Filter::new(db.dialect());
    w.eq("charge_point_id", Some(cp))
        .eq_text("kind", kind.map(str::to_owned))
        .eq_text("status", status.map(str::to_owned));
    let sql = format!("SELECT {COLUMNS} FROM reports{}", w.page_sql("id", page));
    db.all(&sql, &w.params()).await?.iter().map(view).collect()
}

pub async fn report(db: &impl Db, cp: i64, request_id: i64) -> DbResult<Option<ReportView>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM reports WHERE charge_point_id = ?1 AND request_id = ?2 ORDER BY id DESC LIMIT 1"
    );
    db.opt(&sql, &[&cp, &request_id])
        .await?
        .as_ref()
        .map(view)
        .transpose()
}
