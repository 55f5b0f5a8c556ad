//! OCPP 1.6J messages: the charger→central-system requests we decode, the 1.6 security
//! extension types rust-ocpp lacks, and the action lists of each direction.

use serde_json::Value;

use super::{DecodeError, Decoded, Leniency};
use rust_ocpp::v1_6::messages as m;

/// Every request a 1.6 charger may send us.
#[derive(Clone, Debug, PartialEq)]
pub enum Request {
    Authorize(m::authorize::AuthorizeRequest),
    BootNotification(m::boot_notification::BootNotificationRequest),
    DataTransfer(m::data_transfer::DataTransferRequest),
    DiagnosticsStatusNotification(
        m::diagnostics_status_notification::DiagnosticsStatusNotificationRequest,
    ),
    FirmwareStatusNotification(m::firmware_status_notification::FirmwareStatusNotificationRequest),
    Heartbeat(m::heart_beat::HeartbeatRequest),
    MeterValues(m::meter_values::MeterValuesRequest),
    StartTransaction(m::start_transaction::StartTransactionRequest),
    StatusNotification(m::status_notification::StatusNotificationRequest),
    StopTransaction(m::stop_transaction::StopTransactionRequest),
    // security extension (types written in `security`)
    // LogStatusNotification(security::LogStatusNotificationRequest),
    // SecurityEventNotification(security::SecurityEventNotificationRequest),
    // SignCertificate(security::SignCertificateRequest),
    // SignedFirmwareStatusNotification(security::SignedFirmwareStatusNotificationRequest),
}

/// Decodes the payload of a CALL a 1.6 charger sent. Unknown actions → `NotImplemented`;
/// actions that exist only in the other direction or the other version → `NotSupported`.
pub fn decode_request(
    action: &str,
    payload: Value,
    leniency: Leniency,
) -> Result<Decoded<Request>, DecodeError> {
    let _ = (action, payload, leniency);
    todo!()
}

/// Actions the central system may send a 1.6 charger (core profiles and security extension).
pub const CSMS_ACTIONS: &[&str] = &[];

/// Actions a 1.6 charger may send the central system.
pub const CHARGER_ACTIONS: &[&str] = &[];
