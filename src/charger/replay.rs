//! Replaying the recovery journal at start, through the same handlers a live charger's
//! reports take, before any charger is accepted.

use std::sync::Arc;

use super::context::ChargerContext;
use super::inbound;
use crate::gateway::Shared;
use crate::ocpp::{Call, Leniency};

/// Applies every journalled report; one that fails again is journalled again.
pub async fn recovery_journal(shared: &Arc<Shared>) {
    let entries = match shared.journal.take() {
        Ok(e) => e,
        Err(e) => {
            tracing::error!(error = %e, journal = %shared.journal.path().display(), "cannot read the recovery journal");
            return;
        }
    };
    if entries.is_empty() {
        return;
    }
    tracing::warn!(entries = entries.len(), "replaying the recovery journal");
    for (n, entry) in entries.into_iter().enumerate() {
        let ctx = ChargerContext {
            identity: Arc::from(entry.identity.as_str()),
            version: entry.version,
            leniency: Leniency::Lenient,
            shared: shared.clone(),
            // A replayed report is not the charger talking: no local list sync.
            list_started: true.into(),
            boot: Default::default(),
        };
        let call = Call {
            id: format!("replay-{n}"),
            action: entry.action,
            payload: entry.payload,
        };
        if let Err(e) = inbound::handle(&ctx, &call).await {
            tracing::error!(action = %call.action, identity = %entry.identity, code = ?e.code, error = %e.description, "journalled report could not be replayed");
        }
    }
}
