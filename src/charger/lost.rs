//! Transactions a 2.0.1 station may have lost in a reboot. An Occupied EVSE after a boot
//! cannot tell: the cable may still be plugged in after the transaction died, or the
//! transaction may have survived. For each session open there since before the boot the
//! gateway asks the station (OCPP 2.0.1 E14 GetTransactionStatus): a transaction that is
//! not ongoing and has no messages queued is over, and its session is closed as the
//! store's reconciliation closes a forgotten one. A transaction still ongoing, or with
//! messages queued (its Ended is on the way), is left to the station.
//!
//! An Available EVSE after a boot says the transaction is over, but its Ended event may
//! still sit in the station's offline queue (E14.FR.03: messagesInQueue true): the
//! station is asked first, and the session is closed only when nothing of it is queued.
//! Queued messages are waited for, not closed over: they arrive as the station's own
//! TransactionEvent Ended and end the session with the station's figures. A station
//! that cannot say (CALLERROR, no answer within the call timeout) gets the close the
//! Available alone would give. One call per transaction, no retry.

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
            close(store.as_ref(), &identity, &transaction_id).await;
        }
    });
}

/// Asks the station, for each session open on `evse` since before its latest boot that
/// its Available report would end, whether the transaction has messages queued; closes
/// the session unless it has.
pub fn settle_idle(ctx: &ChargerContext, evse: u32) {
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
            let action = crate::domain::action::Action::GetTransactionStatus {
                transaction_id: Some(transaction_id.clone()),
            };
            match super::outbound::perform(&handle, &action).await {
                Ok(answer) if queued(answer.answer()) => {
                    tracing::info!(%identity, %transaction_id, "the station has messages of the transaction queued: waiting for them");
                    continue;
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::info!(%identity, %transaction_id, error = %e, "GetTransactionStatus not answered: the Available ends the session");
                }
            }
            close(store.as_ref(), &identity, &transaction_id).await;
        }
    });
}

async fn close(store: &dyn crate::store::Store, identity: &str, transaction_id: &str) {
    match store
        .close_forgotten_transaction(identity, transaction_id)
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

/// Whether a GetTransactionStatus answer says messages of the transaction are queued.
fn queued(answer: &Value) -> bool {
    answer.get("messagesInQueue") == Some(&Value::Bool(true))
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
        assert!(queued(&json!({"messagesInQueue": true})));
        assert!(!queued(
            &json!({"ongoingIndicator": false, "messagesInQueue": false})
        ));
    }
}
