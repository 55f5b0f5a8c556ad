//! Sending a change of allowances to the chargers, decreases first.
//!
//! Every decrease is sent at once (each charger's calls queue behind each other on its
//! connection) and answered — accepted, refused or timed out — before any increase is sent,
//! so the sum of what chargers are allowed never exceeds a breaker while a change is under
//! way. When a decrease is not accepted the charger may still hold its old, higher
//! allowance: the increases that were to use the room are not sent, and the runtime
//! recomputes with that EVSE counted at its old allowance.
//!
//! A charger on another node (cluster mode) is reached through that node, as actions are.

use std::sync::Arc;

use tokio::task::JoinSet;

use super::profile::limit_profile;
use super::verify::Answer;
use crate::charger::outbound::{perform, ActionError};
use crate::charger::CallError;
use crate::config::LoadSettings;
use crate::domain::action::Action;
use crate::gateway::Shared;

/// One EVSE's new allowance.
#[derive(Clone, Debug, PartialEq)]
pub struct Change {
    pub identity: String,
    /// The charger's protocol as stored (`ocpp1.6`, `ocpp2.0.1`), for a remote handle.
    pub protocol: Option<String>,
    /// The OCPP number of the EVSE (1.6: the connector id).
    pub evse: u32,
    pub amps: f64,
    pub phases: u8,
    /// The transaction running on it, when one does.
    pub transaction: Option<String>,
    /// The stack level to send the profile at.
    pub stack_level: u32,
}

/// What became of each change; the increases carry [`Answer::Unknown`] and `sent: false`
/// when a decrease was not accepted.
#[derive(Clone, Debug)]
pub struct Applied {
    pub change: Change,
    pub answer: Answer,
    pub sent: bool,
}

/// How an outcome counts for compliance.
pub fn answer_of(result: &Result<crate::domain::action::Outcome, ActionError>) -> Answer {
    match result {
        Ok(_) => Answer::Accepted,
        Err(ActionError::Call(CallError::Rejected { status })) => {
            Answer::Refused(format!("it answered {status}"))
        }
        Err(ActionError::Call(CallError::CallError {
            code, description, ..
        })) => Answer::Refused(
            format!("CALLERROR {code} {description}")
                .trim_end()
                .to_owned(),
        ),
        Err(ActionError::Unsupported(why) | ActionError::Invalid { message: why, .. }) => {
            Answer::Refused(why.clone())
        }
        Err(ActionError::Call(_)) => Answer::Unknown,
    }
}

async fn send_all(shared: &Arc<Shared>, load: &LoadSettings, changes: Vec<Change>) -> Vec<Applied> {
    let mut set = JoinSet::new();
    for (i, change) in changes.into_iter().enumerate() {
        let shared = shared.clone();
        let (base, level) = (load.profile_id_base, change.stack_level);
        set.spawn(async move {
            let answer = match shared
                .handle_of(&change.identity, change.protocol.as_deref())
                .await
            {
                None => Answer::Unknown,
                Some(handle) => {
                    let action = Action::SetChargingProfile {
                        evse: change.evse,
                        profile: limit_profile(
                            base,
                            level,
                            change.evse,
                            change.amps,
                            change.phases,
                            change.transaction.as_deref(),
                        ),
                    };
                    shared.metrics.load_profiles_sent.inc();
                    answer_of(&perform(&handle, &action).await)
                }
            };
            (
                i,
                Applied {
                    change,
                    answer,
                    sent: true,
                },
            )
        });
    }
    let mut out = Vec::with_capacity(set.len());
    while let Some(done) = set.join_next().await {
        match done {
            Ok(applied) => out.push(applied),
            Err(e) => tracing::error!(error = %e, "a load-management call task failed"),
        }
    }
    out.sort_by_key(|(i, _)| *i);
    out.into_iter().map(|(_, a)| a).collect()
}

/// Sends `decreases`, then — only when every one was accepted — `increases`.
pub async fn apply(
    shared: &Arc<Shared>,
    load: &LoadSettings,
    decreases: Vec<Change>,
    increases: Vec<Change>,
) -> Vec<Applied> {
    let mut out = send_all(shared, load, decreases).await;
    if out.iter().all(|a| a.answer == Answer::Accepted) {
        out.extend(send_all(shared, load, increases).await);
    } else {
        out.extend(increases.into_iter().map(|change| Applied {
            change,
            answer: Answer::Unknown,
            sent: false,
        }));
    }
    out
}
