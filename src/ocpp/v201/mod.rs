//! OCPP 2.0.1 messages: the charger→CSMS requests we decode and the action lists of each
//! direction.
//!
//! As for 1.6: an action we do not know is `NotImplemented`; one we know that a station
//! may not send (a CSMS→station action, or a 1.6-only action such as `StartTransaction`)
//! is `NotSupported`. The constraints the types miss are in `rules`, from the official
//! 2.0.1 schemas.
//!
//! Where rust-ocpp 3.0.4 departs from the official schemas, and what is done about it:
//! - no type carries `customData` (allowed in every object): it is checked (`vendorId`
//!   present, at most 255 characters) and otherwise ignored, in both modes;
//! - decimal fields (`sampledValue.value`, limits, costs) accept strings holding numbers;
//!   the schema wants numbers: recorded when lenient, `TypeConstraintViolation` when
//!   strict. Numbers beyond ±7.9·10²⁸ do not fit its decimal type and are refused;
//! - `consumptionCost.startValue` is an integer there, a number in the schema: integral
//!   values written as decimals (`100.0`) are accepted in both modes; a fractional one is
//!   rounded (and recorded) when lenient, `PropertyConstraintViolation` when strict;
//! - `DataTransferRequest.data` is a string there, any JSON value in the schema: the
//!   local [`DataTransferRequest`] is used instead;
//! - `relativeTimeInterval.duration` (sales tariffs) is required there, optional in the
//!   schema: a tariff entry without it is refused (`OccurrenceConstraintViolation`).

mod rules;

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

pub use super::actions::v201::{CHARGER_ACTIONS, CSMS_ACTIONS};
use super::decode;
use super::schema::{Rules, Schema};
use super::{DecodeError, Decoded, Deviation, ErrorCode, Leniency};
use rust_ocpp::v2_0_1::messages as m;

/// Every request a 2.0.1 charging station may send us (all 25).
#[derive(Clone, Debug, PartialEq)]
pub enum Request {
    Authorize(m::authorize::AuthorizeRequest),
    BootNotification(m::boot_notification::BootNotificationRequest),
    ClearedChargingLimit(m::cleared_charging_limit::ClearedChargingLimitRequest),
    DataTransfer(DataTransferRequest),
    FirmwareStatusNotification(m::firmware_status_notification::FirmwareStatusNotificationRequest),
    Get15118EVCertificate(m::get_15118ev_certificate::Get15118EVCertificateRequest),
    GetCertificateStatus(m::get_certificate_status::GetCertificateStatusRequest),
    Heartbeat(m::heartbeat::HeartbeatRequest),
    LogStatusNotification(m::log_status_notification::LogStatusNotificationRequest),
    MeterValues(m::meter_values::MeterValuesRequest),
    NotifyChargingLimit(m::notify_charging_limit::NotifyChargingLimitRequest),
    NotifyCustomerInformation(m::notify_customer_information::NotifyCustomerInformationRequest),
    NotifyDisplayMessages(m::notify_display_messages::NotifyDisplayMessagesRequest),
    NotifyEVChargingNeeds(m::notify_ev_charging_needs::NotifyEVChargingNeedsRequest),
    NotifyEVChargingSchedule(m::notify_ev_charging_schedule::NotifyEVChargingScheduleRequest),
    NotifyEvent(m::notify_event::NotifyEventRequest),
    NotifyMonitoringReport(m::notify_monitoring_report::NotifyMonitoringReportRequest),
    NotifyReport(m::notify_report::NotifyReportRequest),
    PublishFirmwareStatusNotification(
        m::publish_firmware_status_notification::PublishFirmwareStatusNotificationRequest,
    ),
    ReportChargingProfiles(m::report_charging_profiles::ReportChargingProfilesRequest),
    ReservationStatusUpdate(m::reservation_status_update::ReservationStatusUpdateRequest),
    SecurityEventNotification(m::security_event_notification::SecurityEventNotificationRequest),
    SignCertificate(m::sign_certificate::SignCertificateRequest),
    StatusNotification(m::status_notification::StatusNotificationRequest),
    TransactionEvent(m::transaction_event::TransactionEventRequest),
}

/// DataTransfer.req as the 2.0.1 schema has it: `data` may be any JSON value.
#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DataTransferRequest {
    /// The message kind, agreed between the parties.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
    /// The data, of any JSON type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
    /// Who defined this message.
    pub vendor_id: String,
}

/// Paths of `consumptionCost.startValue` (a number in the schema, an integer in rust-ocpp).
fn start_values(action: &str) -> &'static [&'static str] {
    match action {
        "NotifyChargingLimit" => {
            &["chargingSchedule.*.salesTariff.salesTariffEntry.*.consumptionCost.*.startValue"]
        }
        "NotifyEVChargingSchedule" => {
            &["chargingSchedule.salesTariff.salesTariffEntry.*.consumptionCost.*.startValue"]
        }
        "ReportChargingProfiles" => &[concat!(
            "chargingProfile.*.chargingSchedule.*.",
            "salesTariff.salesTariffEntry.*.consumptionCost.*.startValue"
        )],
        _ => &[],
    }
}

/// Decodes the payload of a CALL a 2.0.1 station sent. Unknown actions → `NotImplemented`;
/// actions of the other direction or version → `NotSupported`.
pub fn decode_request(
    action: &str,
    mut payload: Value,
    leniency: Leniency,
) -> Result<Decoded<Request>, DecodeError> {
    use rules::*;
    use Request as R;
    let fixed = integral_start_values(&mut payload, start_values(action), leniency)?;
    let l = leniency;
    let p = payload;
    let decoded = match action {
        "Authorize" => read(p, AUTHORIZE, l, R::Authorize),
        "BootNotification" => read(p, BOOT_NOTIFICATION, l, R::BootNotification),
        "ClearedChargingLimit" => read(p, NONE, l, R::ClearedChargingLimit),
        "DataTransfer" => read(p, DATA_TRANSFER, l, R::DataTransfer),
        "FirmwareStatusNotification" => read(p, NONE, l, R::FirmwareStatusNotification),
        "Get15118EVCertificate" => read(p, GET_15118_EV_CERTIFICATE, l, R::Get15118EVCertificate),
        "GetCertificateStatus" => read(p, GET_CERTIFICATE_STATUS, l, R::GetCertificateStatus),
        "Heartbeat" => read(p, NONE, l, R::Heartbeat),
        "LogStatusNotification" => read(p, NONE, l, R::LogStatusNotification),
        "MeterValues" => read(p, METER_VALUES, l, R::MeterValues),
        "NotifyChargingLimit" => read(p, NOTIFY_CHARGING_LIMIT, l, R::NotifyChargingLimit),
        "NotifyCustomerInformation" => read(
            p,
            NOTIFY_CUSTOMER_INFORMATION,
            l,
            R::NotifyCustomerInformation,
        ),
        "NotifyDisplayMessages" => read(p, NOTIFY_DISPLAY_MESSAGES, l, R::NotifyDisplayMessages),
        "NotifyEVChargingNeeds" => read(p, NOTIFY_EV_CHARGING_NEEDS, l, R::NotifyEVChargingNeeds),
        "NotifyEVChargingSchedule" => read(
            p,
            NOTIFY_EV_CHARGING_SCHEDULE,
            l,
            R::NotifyEVChargingSchedule,
        ),
        "NotifyEvent" => read(p, NOTIFY_EVENT, l, R::NotifyEvent),
        "NotifyMonitoringReport" => read(p, NOTIFY_MONITORING_REPORT, l, R::NotifyMonitoringReport),
        "NotifyReport" => read(p, NOTIFY_REPORT, l, R::NotifyReport),
        "PublishFirmwareStatusNotification" => read(
            p,
            PUBLISH_FIRMWARE_STATUS_NOTIFICATION,
            l,
            R::PublishFirmwareStatusNotification,
        ),
        "ReportChargingProfiles" => read(p, REPORT_CHARGING_PROFILES, l, R::ReportChargingProfiles),
        "ReservationStatusUpdate" => read(p, NONE, l, R::ReservationStatusUpdate),
        "SecurityEventNotification" => read(
            p,
            SECURITY_EVENT_NOTIFICATION,
            l,
            R::SecurityEventNotification,
        ),
        "SignCertificate" => read(p, SIGN_CERTIFICATE, l, R::SignCertificate),
        "StatusNotification" => read(p, STATUS_NOTIFICATION, l, R::StatusNotification),
        "TransactionEvent" => read(p, TRANSACTION_EVENT, l, R::TransactionEvent),
        other => Err(refuse(other)),
    }?;
    let mut decoded = decoded;
    decoded.deviations.splice(0..0, fixed);
    Ok(decoded)
}

fn read<T: DeserializeOwned + Serialize>(
    payload: Value,
    rules: Rules,
    leniency: Leniency,
    wrap: fn(T) -> Request,
) -> Result<Decoded<Request>, DecodeError> {
    // Both requests carrying meter values name the array `meterValue`; in the others the
    // path matches nothing.
    let schema = Schema {
        rules,
        meter_values: &["meterValue"],
        custom_data: true,
    };
    decode::decode::<T>(payload, &schema, leniency).map(|d| d.map(wrap))
}

/// Makes every `startValue` an integer, as rust-ocpp's type needs (see the module doc).
fn integral_start_values(
    payload: &mut Value,
    paths: &[&str],
    leniency: Leniency,
) -> Result<Vec<Deviation>, DecodeError> {
    let mut deviations = Vec::new();
    let mut refused = None;
    for pattern in paths {
        super::path::visit_mut(payload, pattern, &mut |at, value| {
            let Some(x) = value.as_f64().filter(|_| value.is_f64()) else {
                return;
            };
            let rounded = x.round();
            if rounded == x || leniency == Leniency::Lenient {
                if rounded != x {
                    deviations.push(Deviation(format!("{at}: {x} rounded to {rounded}")));
                }
                // Saturating: a start value past i64 fails the decode as out of range.
                *value = Value::from(rounded as i64);
            } else if refused.is_none() {
                refused = Some(DecodeError::new(
                    ErrorCode::PropertyConstraintViolation,
                    format!("{at}: fractional start values are not supported"),
                ));
            }
        });
    }
    refused.map_or(Ok(deviations), Err)
}

/// The answer to an action a 2.0.1 station may not send.
fn refuse(action: &str) -> DecodeError {
    let v16 = super::actions::v16::CHARGER_ACTIONS.contains(&action)
        || super::actions::v16::CSMS_ACTIONS.contains(&action);
    if CSMS_ACTIONS.contains(&action) {
        DecodeError::new(
            ErrorCode::NotSupported,
            format!("{action} is sent by the CSMS, not to it"),
        )
    } else if v16 {
        DecodeError::new(
            ErrorCode::NotSupported,
            format!("{action} is an OCPP 1.6 action, this connection speaks 2.0.1"),
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
