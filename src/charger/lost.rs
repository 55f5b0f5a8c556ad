//! Transactions a 2.0.1 station may have lost in a reboot. An Occupied EVSE after a boot
//! cannot tell: the cable may still be plugged in after the transaction died, or the
//! transaction may have survived. For each session open there since before the boot the
//! gateway asks the station (OCPP 2.0.1 E14 GetTransactionStatus): a transaction that is
//! not ongoing and has no messages queued is over, and its session is closed as the
//! store's reconciliation closes a forgotten one. A transaction still ongoing, or with
//! messages queued (its Ended is on the way), is left to the station.

use serde_json::{json, Value};

use super::context::ChargerContext;

/// Asks the station about the sessions open on `evse` since before its latest boot, in a
/// task of its own: the CALL goes through the charger's mailbox after this answer.
pub fn ask_about(ctx: &ChargerContext, evse: u32) {
    let Some(handle) = ctx.shared.registry.get(&ctx.identity) else {
        return;
    };
    let store = ctx.shared.store.clone();
    let identity = ctx.identity.clone();
    tokio::spawn(async move {
        let doubtful = match store.doubtful_transactions(&identity, evse).await {
            Ok(d) => d,
            Err(e) => {
                tracing::warn!(%identity, error = %e, "could not read the open sessions");
                return;
            }
        };
        for transaction_id in doubtful {
            let payload = json!({"transactionId": transaction_id});
            let answer = match handle.call("GetTransactionStatus", payload).await {
                Ok(a) => a,
                Err(e) => {
                    tracing::info!(%identity, %transaction_id, error = %e, "GetTransactionStatus not answered");
                    continue;
                }
            };
            if !over(&answer) {
                continue;
            }
            match store
                .close_forgotten_transaction(&identity, &transaction_id)
                .await
            {
                Ok(true) => tracing::info!(
                    %identity,
                    %transaction_id,
                    "the station lost the transaction; its session expired"
                ),
                Ok(false) => {}
                Err(e) => tracing::warn!(%identity, error = %e, "could not close a lost session"),
            }
        }
    });
}

/// Whether a GetTransactionStatus answer says the transaction is over for good: not
/// ongoing, and nothing of it waiting in the station's queue.
fn over(answer: &Value) -> bool {
    answer.get("ongoingIndicator") == Some(&Value::Bool(false))
        && answer.get("messagesInQueue") == Some(&Value::Bool(false))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_finished_transaction_with_nothing_queued_is_over() {
        assert!(over(
            &json!({"ongoingIndicator": false, "messagesInQueue": false})
        ));
        assert!(!over(
            &json!({"ongoingIndicator": true, "messagesInQueue": false})
        ));
        assert!(!over(
            &json!({"ongoingIndicator": false, "messagesInQueue": true})
        ));
        // Without the indicator the station did not say the transaction ended.
        assert!(!over(&json!({"messagesInQueue": false})));
    }
}
