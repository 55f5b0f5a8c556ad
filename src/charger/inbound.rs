//! Answering the charger's CALLs: the connection's boot state first, then the version's
//! adapter (decode, domain terms, commit through the store, the answer).

use serde_json::Value;

use super::context::ChargerContext;
use crate::ocpp::{Call, DecodeError, OcppVersion};

/// Answers one CALL: the CALLRESULT payload, or the error to answer with.
pub async fn handle(ctx: &ChargerContext, call: &Call) -> Result<Value, DecodeError> {
    let refused = ctx
        .boot
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .inbound(&call.action);
    if let Some(e) = refused {
        return Err(e);
    }
    let answer = match ctx.version {
        OcppVersion::V16 => super::v16::handle(ctx, call).await,
        OcppVersion::V201 => super::v201::handle(ctx, call).await,
    };
    if answer.is_ok() {
        super::local_list::message_answered(ctx, &call.action);
        // What changes which sessions run, and so what circuits share (2.0.1 transaction
        // events tell the load manager themselves, with their meter values).
        if matches!(
            call.action.as_str(),
            "StartTransaction" | "StopTransaction" | "StatusNotification"
        ) {
            ctx.shared.circuits.sessions_changed(&ctx.identity);
        }
        // A boot forgets profiles that were not persisted: send them again.
        if call.action == "BootNotification" {
            ctx.shared.circuits.connected(&ctx.identity);
        }
    }
    answer
}
