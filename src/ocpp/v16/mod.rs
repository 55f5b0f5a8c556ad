//! OCPP 1.6J messages: the charger→central-system requests we decode, the 1.6 security
//! extension types rust-ocpp lacks, and the action lists of each direction.
//!
//! An action the charger may not send us is refused without reading its payload: one
//! we do not know at all is `NotImplemented`; one we know but that is not a 1.6
//! charger→central-system action (a central-system→charger action such as `Reset`, or a
//! 2.0.1 action such as `TransactionEvent`) is `NotSupported`, which 1.6 defines as
//! "recognized but not supported".
//!
//! The string lengths, array sizes and date-time fields of each request come from the
//! official 1.6 JSON schemas (table in `rules`). rust-ocpp's own `validator` lengths are
//! not used: they add a minimum length of 1 the schemas do not have, and cover only
//! some of the messages.

pub mod security;

mod rules;

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

pub use super::actions::v16::{CHARGER_ACTIONS, CSMS_ACTIONS};
use super::decode;
use super::schema::{Rules, Schema};
use super::{DecodeError, Decoded, ErrorCode, Leniency};
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
    LogStatusNotification(security::LogStatusNotificationRequest),
    SecurityEventNotification(security::SecurityEventNotificationRequest),
    SignCertificate(security::SignCertificateRequest),
    SignedFirmwareStatusNotification(security::SignedFirmwareStatusNotificationRequest),
}

impl Request {
    /// The OCPP action of this request.
    pub fn action(&self) -> &'static str {
        match self {
            Request::Authorize(_) => "Authorize",
            Request::BootNotification(_) => "BootNotification",
            Request::DataTransfer(_) => "DataTransfer",
            Request::DiagnosticsStatusNotification(_) => "DiagnosticsStatusNotification",
            Request::FirmwareStatusNotification(_) => "FirmwareStatusNotification",
            Request::Heartbeat(_) => "Heartbeat",
            Request::MeterValues(_) => "MeterValues",
            Request::StartTransaction(_) => "StartTransaction",
            Request::StatusNotification(_) => "StatusNotification",
            Request::StopTransaction(_) => "StopTransaction",
            Request::LogStatusNotification(_) => "LogStatusNotification",
            Request::SecurityEventNotification(_) => "SecurityEventNotification",
            Request::SignCertificate(_) => "SignCertificate",
            Request::SignedFirmwareStatusNotification(_) => "SignedFirmwareStatusNotification",
        }
    }
}

/// Decodes the payload of a CALL a 1.6 charger sent. Unknown actions → `NotImplemented`;
/// actions that exist only in the other direction or the other version → `NotSupported`.
pub fn decode_request(
    action: &str,
    payload: Value,
    leniency: Leniency,
) -> Result<Decoded<Request>, DecodeError> {
    use rules::*;
    use Request as R;
    let p = payload;
    let l = leniency;
    match action {
        "Authorize" => read(p, AUTHORIZE, &[], l, R::Authorize),
        "BootNotification" => read(p, BOOT_NOTIFICATION, &[], l, R::BootNotification),
        "DataTransfer" => read(p, DATA_TRANSFER, &[], l, R::DataTransfer),
        "DiagnosticsStatusNotification" => read(p, NONE, &[], l, R::DiagnosticsStatusNotification),
        "FirmwareStatusNotification" => read(p, NONE, &[], l, R::FirmwareStatusNotification),
        "Heartbeat" => read(p, NONE, &[], l, R::Heartbeat),
        "MeterValues" => read(p, METER_VALUES, &["meterValue"], l, R::MeterValues),
        "StartTransaction" => read(p, START_TRANSACTION, &[], l, R::StartTransaction),
        "StatusNotification" => read(p, STATUS_NOTIFICATION, &[], l, R::StatusNotification),
        "StopTransaction" => read(
            p,
            STOP_TRANSACTION,
            &["transactionData"],
            l,
            R::StopTransaction,
        ),
        "LogStatusNotification" => read(p, NONE, &[], l, R::LogStatusNotification),
        "SecurityEventNotification" => {
            read(p, SECURITY_EVENT, &[], l, R::SecurityEventNotification)
        }
        "SignCertificate" => read(p, SIGN_CERTIFICATE, &[], l, R::SignCertificate),
        "SignedFirmwareStatusNotification" => {
            read(p, NONE, &[], l, R::SignedFirmwareStatusNotification)
        }
        other => Err(refuse(other)),
    }
}

fn read<T: DeserializeOwned + Serialize>(
    payload: Value,
    rules: Rules,
    meter_values: &'static [&'static str],
    leniency: Leniency,
    wrap: fn(T) -> Request,
) -> Result<Decoded<Request>, DecodeError> {
    let schema = Schema {
        rules,
        meter_values,
        custom_data: false,
    };
    decode::decode::<T>(payload, &schema, leniency).map(|d| d.map(wrap))
}

/// The answer to an action a 1.6 charger may not send.
fn refuse(action: &str) -> DecodeError {
    let v201 = super::actions::v201::CHARGER_ACTIONS.contains(&action)
        || super::actions::v201::CSMS_ACTIONS.contains(&action);
    if CSMS_ACTIONS.contains(&action) {
        DecodeError::new(
            ErrorCode::NotSupported,
            format!("{action} is sent by the central system, not to it"),
        )
    } else if v201 {
        DecodeError::new(
            ErrorCode::NotSupported,
            format!("{action} is an OCPP 2.0.1 action, this connection speaks 1.6"),
        )
    } else {
        DecodeError::new(
            ErrorCode::NotImplemented,
            format!("unknown action {action:?}"),
        )
    }
}

#[cfg(test)]
mod tests;
