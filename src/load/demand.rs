//! Whether a session is held at what its vehicle draws, or offered its full share.
//!
//! Decisions (the allocator keeps no state: what it needs is in the previous plan's
//! allowance, `offered_at` and `probe_due`):
//! - A session offered its full share (`Share` or `EvseMax` last time) whose vehicle,
//!   measured at least `settle_ms` after the offer and after the session started, draws
//!   less than the offer − `draw_margin` is capped at its draw + `draw_margin` (at
//!   least the minimum current, so the cap never makes it wait). The cap starts a
//!   probe timer: `probe_due` = now + `probe_interval_ms`.
//! - While capped (`Demand` last time) the cap follows the latest draw + margin. When
//!   `probe_due` has passed, or the vehicle takes more than the cap − margin/2 (it wants
//!   more), the session is offered its full share again, from `now`.
//! - `offered_at` of an uncapped allowance stays while its limit does not rise by more
//!   than the margin; a larger rise is a new offer (the vehicle has to ramp to it).

use crate::load::model::{Allowance, Evse, Reason, Settings, Timestamp};

/// The demand side of one session's allocation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Demand {
    /// The cap from the measured draw, when held at it.
    pub cap: Option<f64>,
    pub probe_due: Option<Timestamp>,
}

/// The most an EVSE draws on the phases it uses.
pub(crate) fn drawn_max(evse: &Evse) -> Option<f64> {
    let d = evse.drawn?;
    let used = (0..3).filter(|p| evse.map.uses(*p)).map(|p| d.per_phase[p]);
    let max = used.fold(f64::NEG_INFINITY, f64::max);
    Some(if max.is_finite() {
        max
    } else {
        d.per_phase.iter().copied().fold(0.0, f64::max)
    })
}

/// The demand cap of a session on `evse`, given its previous allowance and the minimum
/// current it must get if it charges.
pub(crate) fn demand(
    evse: &Evse,
    previous: Option<&Allowance>,
    minimum: f64,
    now: Timestamp,
    settings: &Settings,
) -> Demand {
    let uncapped = Demand {
        cap: None,
        probe_due: None,
    };
    let (Some(session), Some(prev)) = (evse.session, previous) else {
        return uncapped;
    };
    let margin = settings.draw_margin;
    let measured = evse.drawn.and_then(|d| {
        let settled = d.at >= session.started_at.saturating_add(settings.settle_ms);
        settled.then_some(d.at).zip(drawn_max(evse))
    });
    match prev.reason {
        Reason::Demand => {
            if prev.probe_due.is_some_and(|due| now >= due) {
                return uncapped;
            }
            let base = match measured {
                Some((_, d)) if d > prev.limit - margin / 2.0 => return uncapped,
                Some((_, d)) => d + margin,
                None => prev.limit,
            };
            Demand {
                cap: Some(base.max(minimum)),
                probe_due: Some(
                    prev.probe_due
                        .unwrap_or(now.saturating_add(settings.probe_interval_ms)),
                ),
            }
        }
        Reason::Share | Reason::EvseMax => match measured {
            Some((at, d))
                if at >= prev.offered_at.saturating_add(settings.settle_ms)
                    && d < prev.limit - margin =>
            {
                Demand {
                    cap: Some((d + margin).max(minimum)),
                    probe_due: Some(now.saturating_add(settings.probe_interval_ms)),
                }
            }
            _ => uncapped,
        },
        _ => uncapped,
    }
}

/// `offered_at` of an uncapped allowance of `limit`.
pub(crate) fn offered_at(
    previous: Option<&Allowance>,
    limit: f64,
    now: Timestamp,
    settings: &Settings,
) -> Timestamp {
    match previous {
        Some(p)
            if matches!(p.reason, Reason::Share | Reason::EvseMax)
                && limit <= p.limit + settings.draw_margin =>
        {
            p.offered_at
        }
        _ => now,
    }
}
