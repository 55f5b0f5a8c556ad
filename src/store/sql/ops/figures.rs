//! Meter samples of sessions, and the figures (energy, power, SoC) recomputed from the
//! stored samples. Alike on both engines: on PostgreSQL the charger's row lock (see
//! [`crate::store::sql::cp_id`]) keeps writes to one charger's sessions in turn, as
//! SQLite's single writer does, which the incremental recompute ([`Peak::Added`]) relies on.

use crate::domain::session::{self, base_value, energy_between, SessionStatus};
use crate::domain::MeterSample;
use crate::store::sql::{now, ts, Db, DbResult, Param};

pub(super) async fn insert_samples(
    db: &impl Db,
    cp: i64,
    session: Option<i64>,
    evse: Option<u32>,
    samples: &[MeterSample],
) -> DbResult<()> {
    // Each sample's own values, then their parameter lists: one statement, prepared once.
    let own: Vec<(String, f64)> = samples
        .iter()
        .map(|s| (ts(s.timestamp), base_value(s)))
        .collect();
    let rows: Vec<[&dyn Param; 9]> = samples
        .iter()
        .zip(&own)
        .map(|(s, (at, value))| -> [&dyn Param; 9] {
            [
                &cp,
                &session,
                &evse,
                at,
                &s.measurand,
                &s.phase,
                &s.unit,
                &s.context,
                value,
            ]
        })
        .collect();
    let rows: Vec<&[&dyn Param]> = rows.iter().map(|r| r.as_slice()).collect();
    db.exec_each(
        "INSERT INTO meter_values (charge_point_id, session_id, evse_network_id, sampled_at, measurand, phase, unit, context, value)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        &rows,
    )
    .await?;
    Ok(())
}

/// How a session's figures are recomputed.
#[derive(Clone, Copy)]
pub enum Peak<'a> {
    /// From every stored sample of the session: the peak power is a scan of all its
    /// power samples.
    #[cfg_attr(not(test), allow(dead_code))]
    Stored,
    /// After `samples` were inserted into a session whose figures were up to date: the
    /// peak power is the stored peak and the new samples' highest, and the latest power
    /// and SoC are read again only when a sample of theirs arrived (otherwise the stored
    /// figures stand). The same figures as `Stored`, because a session's samples are only
    /// ever added (never changed or removed on their own), each insertion is followed in
    /// its transaction by a recompute, and nothing else writes these columns.
    Added(&'a [MeterSample]),
}

/// The latest sample of `measurand` (with no phase, for power), as a scalar subquery.
fn latest(measurand: &str, phase_null: bool) -> String {
    let phase = if phase_null { " AND phase IS NULL" } else { "" };
    format!(
        "(SELECT value FROM meter_values WHERE session_id = ?1 AND measurand = '{measurand}'{phase} ORDER BY sampled_at DESC, id DESC LIMIT 1)"
    )
}

/// The figures' query: the earliest and latest energy register readings, the latest power
/// reading, the peak power, the latest SoC, and the session's own readings and status.
/// Each of power, peak and SoC is read from the samples or, when `false`, taken as
/// stored (NULL for SoC, which the update then keeps).
fn figures_sql(power: bool, peak: bool, soc: bool) -> String {
    let e = session::ENERGY_REGISTER;
    let power = if power {
        latest(session::POWER, true)
    } else {
        "power_latest_w".to_owned()
    };
    let peak = if peak {
        format!(
            "(SELECT MAX(value) FROM meter_values WHERE session_id = ?1 AND measurand = '{p}' AND phase IS NULL)",
            p = session::POWER
        )
    } else {
        "power_peak_w".to_owned()
    };
    let soc = if soc {
        latest(session::SOC, false)
    } else {
        "NULL".to_owned()
    };
    format!(
        "SELECT
           (SELECT value FROM meter_values WHERE session_id = ?1 AND measurand = '{e}' AND phase IS NULL ORDER BY sampled_at ASC, id ASC LIMIT 1),
           {last},
           {power},
           {peak},
           {soc},
           meter_start_wh, meter_stop_wh, status
         FROM sessions WHERE id = ?1",
        last = latest(e, true),
    )
}

/// The queries: `[power read][soc read]` after an insert, and the full one.
struct FiguresSql {
    added: [[String; 2]; 2],
    scanned: String,
}

static FIGURES: std::sync::LazyLock<FiguresSql> = std::sync::LazyLock::new(|| FiguresSql {
    added: [false, true].map(|power| [false, true].map(|soc| figures_sql(power, false, soc))),
    scanned: figures_sql(true, true, true),
});

/// Recomputes a session's energy, power and SoC from its stored samples (so samples
/// arriving out of order, as offline replays do, give the same figures). `peak` says
/// which figures are read from the samples (see [`Peak`]); the energy readings always
/// are (each an indexed lookup of one row).
pub async fn recompute_session(db: &impl Db, session: i64, peak: Peak<'_>) -> DbResult<()> {
    let q: &str = match peak {
        Peak::Stored => &FIGURES.scanned,
        Peak::Added(samples) => {
            let power = samples
                .iter()
                .any(|s| s.measurand == session::POWER && s.phase.is_none());
            let soc = samples.iter().any(|s| s.measurand == session::SOC);
            &FIGURES.added[usize::from(power)][usize::from(soc)]
        }
    };
    let row = db.one(q, &[&session]).await?;
    let reading = |i: usize| row.get::<Option<f64>>(i);
    let (first, last, p_latest, p_peak, soc, start, stop) = (
        reading(0)?,
        reading(1)?,
        reading(2)?,
        reading(3)?,
        reading(4)?,
        reading(5)?,
        reading(6)?,
    );
    let status: String = row.get(7)?;
    let p_peak = match peak {
        Peak::Stored => p_peak,
        Peak::Added(samples) => samples
            .iter()
            .filter(|s| s.measurand == session::POWER && s.phase.is_none())
            .map(base_value)
            .fold(p_peak, |peak, v| match peak {
                Some(p) if p >= v => Some(p),
                _ => Some(v),
            }),
    };
    // 1.6 states the start reading; 2.0.1 has only samples, whose earliest may still
    // arrive (offline replays), so it is derived afresh each time.
    let start = start.or(first);
    let end = if status == SessionStatus::Finished.as_str() {
        stop.or(last)
    } else {
        last.or(stop)
    };
    let energy = energy_between(start, end);
    db.exec(
        "UPDATE sessions SET meter_last_wh = ?2, energy_wh = ?3,
           power_latest_w = ?4, power_peak_w = ?5, soc_percent = COALESCE(?6, soc_percent), updated_at = ?7
         WHERE id = ?1",
        &[&session, &end, &energy, &p_latest, &p_peak, &soc, &now()],
    )
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{StartTransaction, StopTransaction};
    use crate::store::sql::ops::sessions::*;
    use crate::store::sql::store::on_engine;
    use chrono::TimeZone;
    use chrono::Utc;

    type Figures = (
        Option<f64>,
        Option<f64>,
        Option<f64>,
        Option<f64>,
        Option<f64>,
        Option<f64>,
    );

    async fn figures(db: &impl Db, session: i64) -> Figures {
        let r = db
            .one(
                "SELECT meter_last_wh, energy_wh, power_latest_w, power_peak_w, soc_percent, meter_start_wh FROM sessions WHERE id = ?1",
                &[&session],
            )
            .await
            .unwrap();
        (
            r.get(0).unwrap(),
            r.get(1).unwrap(),
            r.get(2).unwrap(),
            r.get(3).unwrap(),
            r.get(4).unwrap(),
            r.get(5).unwrap(),
        )
    }

    fn sample(
        second: i64,
        measurand: &str,
        value: f64,
        unit: &str,
        phase: Option<&str>,
    ) -> MeterSample {
        MeterSample {
            timestamp: Utc.timestamp_opt(1_700_000_000 + second, 0).unwrap(),
            measurand: measurand.into(),
            value,
            unit: Some(unit.into()),
            phase: phase.map(Into::into),
            context: None,
        }
    }

    /// Meter values and a stop on a fresh session; after each, the figures kept must be
    /// the figures a full recompute finds.
    async fn kept_figures_match_a_full_recompute(db: &impl Db) -> DbResult<()> {
        let start = StartTransaction {
            connector: 1,
            id_tag: "TAG".into(),
            meter_start_wh: 100,
            timestamp: Utc.timestamp_opt(1_700_000_000, 0).unwrap(),
            reservation_id: None,
            authorization: crate::domain::AuthStatus::Accepted,
        };
        let id = start_transaction(db, "CP-1", &start).await?;
        let session = i64::from(id);
        let tid = id.to_string();
        // Out of order, mixed units, phases, measurands, a peak that arrives early and
        // one equalled later.
        let reports = [
            vec![
                sample(50, session::ENERGY_REGISTER, 600.0, "Wh", None),
                sample(50, session::POWER, 7.4, "kW", None),
            ],
            vec![
                sample(10, session::POWER, 11_000.0, "W", None),
                sample(10, session::POWER, 20_000.0, "W", Some("L1")),
            ],
            vec![
                sample(60, session::SOC, 40.0, "Percent", None),
                sample(60, session::POWER, 3_000.0, "W", None),
            ],
            vec![sample(5, session::ENERGY_REGISTER, 150.0, "Wh", None)],
            vec![
                sample(70, session::POWER, 11.0, "kW", None),
                sample(70, "Voltage", 230.0, "V", None),
            ],
            vec![],
            vec![
                sample(80, session::ENERGY_REGISTER, 2.0, "kWh", None),
                sample(80, session::POWER, -5.0, "W", None),
            ],
        ];
        for samples in &reports {
            record_meter_values(db, "CP-1", 1, Some(&tid), samples).await?;
            let kept = figures(db, session).await;
            recompute_session(db, session, Peak::Stored).await?;
            assert_eq!(kept, figures(db, session).await, "after {samples:?}");
        }
        assert_eq!(figures(db, session).await.3, Some(11_000.0));
        let stop = StopTransaction {
            transaction_id: id,
            id_tag: None,
            meter_stop_wh: 2_500,
            timestamp: Utc.timestamp_opt(1_700_000_090, 0).unwrap(),
            reason: None,
            samples: vec![sample(90, session::POWER, 12_500.0, "W", None)],
        };
        stop_transaction(db, "CP-1", &stop).await?;
        let kept = figures(db, session).await;
        recompute_session(db, session, Peak::Stored).await?;
        assert_eq!(kept, figures(db, session).await);
        assert_eq!(kept.3, Some(12_500.0));
        Ok(())
    }

    /// The peak kept from the stored figure and the new samples is the peak a scan of
    /// every stored sample finds, whatever order and mix the samples arrive in (on each
    /// engine).
    #[tokio::test]
    async fn figures_after_an_insert_equal_a_full_recompute() {
        for engine in crate::store::sql::tests::engines().await {
            on_engine!(engine.store, write_op, (), |db, _| {
                kept_figures_match_a_full_recompute(db)
            })
            .unwrap();
            engine.finish().await;
        }
    }
}
