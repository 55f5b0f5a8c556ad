//! Whether an EVSE keeps to its allowance: what it draws against what it was allowed, and
//! what its charger answered to the profile.
//!
//! - An answer `Rejected`, a CALLERROR (`NotSupported`, `NotImplemented`, ...) or an action
//!   the charger's version cannot carry marks the EVSE [`Compliance::Unsupported`]: the
//!   allocator counts it at its maximum, since nothing limits it. A timeout or a charger
//!   gone does not: the charger may have applied the profile, and the next change asks
//!   again.
//! - A draw above the allowance in force by more than the margin, `overdraws` reports in a
//!   row, marks it [`Compliance::Ignores`]: it is counted at what it draws. As many reports
//!   in a row within the allowance clear it.
//! - A new connection clears everything: the charger may have been updated or replaced.
//!
//! Each new mark is returned once, for the runtime to log, record as a security event
//! (`LoadManagementNonCompliant`) and notify.

pub use crate::load::Compliance;

/// How the API names a compliance (`.../allocations`).
pub fn compliance_name(c: Compliance) -> &'static str {
    match c {
        Compliance::Compliant => "compliant",
        Compliance::Ignores => "ignores_limit",
        Compliance::Unsupported => "profile_refused",
    }
}

/// What the charger answered to a limit.
#[derive(Clone, Debug, PartialEq)]
pub enum Answer {
    Accepted,
    /// It said no, or cannot: the text says how.
    Refused(String),
    /// No answer, or no charger: it may or may not hold the limit.
    Unknown,
}

/// One EVSE's record.
#[derive(Clone, Debug)]
pub struct Watch {
    pub compliance: Compliance,
    over: u32,
    within: u32,
    /// Why it was marked, in words.
    pub why: Option<String>,
}

impl Default for Watch {
    fn default() -> Watch {
        Watch {
            compliance: Compliance::Compliant,
            over: 0,
            within: 0,
            why: None,
        }
    }
}

impl Watch {
    /// Takes the charger's answer to a limit; `Some(why)` when this marks it anew.
    pub fn answered(&mut self, answer: &Answer) -> Option<String> {
        match answer {
            Answer::Refused(how) if self.compliance != Compliance::Unsupported => {
                self.compliance = Compliance::Unsupported;
                let why = format!("the charger refused the load-management profile: {how}");
                self.why = Some(why.clone());
                Some(why)
            }
            _ => None,
        }
    }

    /// Takes a draw of `peak` amperes against the `limit` in force; `Some(why)` when this
    /// marks it anew.
    pub fn drew(
        &mut self,
        peak: f64,
        limit: Option<f64>,
        margin: f64,
        reports: u32,
    ) -> Option<String> {
        let limit = limit?;
        if peak > limit + margin {
            self.over += 1;
            self.within = 0;
            if self.over >= reports.max(1) && self.compliance == Compliance::Compliant {
                self.compliance = Compliance::Ignores;
                let why = format!(
                    "the EVSE drew {peak:.1} A against a limit of {limit:.1} A, {} reports in a row",
                    self.over
                );
                self.why = Some(why.clone());
                return Some(why);
            }
        } else {
            self.over = 0;
            self.within += 1;
            if self.compliance == Compliance::Ignores && self.within >= reports.max(1) {
                self.compliance = Compliance::Compliant;
                self.why = None;
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_overdraws_in_a_row_mark_it_and_as_many_good_reports_clear_it() {
        let mut w = Watch::default();
        assert_eq!(w.drew(20.0, Some(16.0), 1.0, 2), None);
        assert_eq!(w.drew(16.5, Some(16.0), 1.0, 2), None, "within the margin");
        assert_eq!(
            w.drew(20.0, Some(16.0), 1.0, 2),
            None,
            "the count starts again"
        );
        assert!(w.drew(20.0, Some(16.0), 1.0, 2).is_some());
        assert_eq!(w.compliance, Compliance::Ignores);
        assert_eq!(w.drew(25.0, Some(16.0), 1.0, 2), None, "marked once");
        w.drew(10.0, Some(16.0), 1.0, 2);
        assert_eq!(w.compliance, Compliance::Ignores);
        w.drew(10.0, Some(16.0), 1.0, 2);
        assert_eq!(w.compliance, Compliance::Compliant);
        assert_eq!(
            w.drew(99.0, None, 1.0, 2),
            None,
            "no limit, nothing to keep"
        );
    }

    #[test]
    fn a_refusal_marks_it_unsupported_and_a_timeout_does_not() {
        let mut w = Watch::default();
        assert_eq!(w.answered(&Answer::Unknown), None);
        assert_eq!(w.answered(&Answer::Accepted), None);
        assert!(w
            .answered(&Answer::Refused("CALLERROR NotSupported".into()))
            .is_some_and(|why| why.contains("NotSupported")));
        assert_eq!(w.compliance, Compliance::Unsupported);
        assert_eq!(w.answered(&Answer::Refused("Rejected".into())), None);
    }
}
