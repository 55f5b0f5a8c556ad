//! OCPP 2.0.1 messages: the charger→CSMS requests we decode and the action lists of each
//! direction.

use serde_json::Value;

use super::{DecodeError, Decoded, Leniency};
use rust_ocpp::v2_0_1::messages as m;

/// Every request a 2.0.1 charging station may send us (all 25).
#[derive(Clone, Debug, PartialEq)]
pub enum Request {
    Authorize(m::authorize::AuthorizeRequest),
    BootNotification(m::boot_notification::BootNotificationRequest),
    Heartbeat(m::heartbeat::HeartbeatRequest),
    MeterValues(m::meter_values::MeterValuesRequest),
    StatusNotification(m::status_notification::StatusNotificationRequest),
    TransactionEvent(m::transaction_event::TransactionEventRequest),
    // ... the other 19
}

/// Decodes the payload of a CALL a 2.0.1 station sent. Unknown actions → `NotImplemented`;
/// actions of the other direction or version → `NotSupported`.
pub fn decode_request(
    action: &str,
    payload: Value,
    leniency: Leniency,
) -> Result<Decoded<Request>, DecodeError> {
    let _ = (action, payload, leniency);
    todo!()
}

/// Actions the CSMS may send a 2.0.1 station (all 39).
pub const CSMS_ACTIONS: &[&str] = &[];

/// Actions a 2.0.1 station may send the CSMS (all 25).
pub const CHARGER_ACTIONS: &[&str] = &[];
