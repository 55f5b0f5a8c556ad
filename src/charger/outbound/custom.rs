//! `send-custom-ocpp`: any central-system→charger action of the charger's version, with
//! a payload checked before it is sent. The binary ships no JSON schemas, so the check is
//! structural: the payload must deserialize into rust-ocpp's request type for the action
//! (required fields present, types and enumerations right). The 1.6 security-extension
//! actions, which rust-ocpp lacks, are checked with the gateway's own types where it has
//! them, and otherwise only for being a JSON object.

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::ActionError;
use crate::ocpp::{v16, v201, OcppVersion};

/// Whether `action` with `payload` may be sent to a charger of `version`.
pub fn check(version: OcppVersion, action: &str, payload: &Value) -> Result<(), ActionError> {
    let known = match version {
        OcppVersion::V16 => v16::CSMS_ACTIONS,
        OcppVersion::V201 => v201::CSMS_ACTIONS,
    };
    if !known.contains(&action) {
        return Err(ActionError::invalid(
            "action",
            format!("{action} is not an action the central system sends in OCPP {version}."),
        ));
    }
    if !payload.is_object() {
        return Err(ActionError::invalid(
            "payload",
            "The payload must be a JSON object.",
        ));
    }
    match version {
        OcppVersion::V16 => check_v16(action, payload),
        OcppVersion::V201 => check_v201(action, payload),
    }
}

fn shape<T: DeserializeOwned>(payload: &Value) -> Result<(), ActionError> {
    serde_path_to_error::deserialize::<_, T>(payload.clone())
        .map(|_| ())
        .map_err(|e| {
            ActionError::invalid(
                "payload",
                format!(
                    "The payload does not fit the action: {} at {}",
                    e.inner(),
                    e.path()
                ),
            )
        })
}

fn check_v16(action: &str, p: &Value) -> Result<(), ActionError> {
    use rust_ocpp::v1_6::messages as m;
    use v16::security as s;
    match action {
        "CancelReservation" => shape::<m::cancel_reservation::CancelReservationRequest>(p),
        "ChangeAvailability" => shape::<m::change_availability::ChangeAvailabilityRequest>(p),
        "ChangeConfiguration" => shape::<m::change_configuration::ChangeConfigurationRequest>(p),
        "ClearCache" => shape::<m::clear_cache::ClearCacheRequest>(p),
        "ClearChargingProfile" => {
            shape::<m::clear_charging_profile::ClearChargingProfileRequest>(p)
        }
        "DataTransfer" => shape::<m::data_transfer::DataTransferRequest>(p),
        "GetCompositeSchedule" => {
            shape::<m::get_composite_schedule::GetCompositeScheduleRequest>(p)
        }
        "GetConfiguration" => shape::<m::get_configuration::GetConfigurationRequest>(p),
        "GetDiagnostics" => shape::<m::get_diagnostics::GetDiagnosticsRequest>(p),
        "GetLocalListVersion" => shape::<m::get_local_list_version::GetLocalListVersionRequest>(p),
        "RemoteStartTransaction" => {
            shape::<m::remote_start_transaction::RemoteStartTransactionRequest>(p)
        }
        "RemoteStopTransaction" => {
            shape::<m::remote_stop_transaction::RemoteStopTransactionRequest>(p)
        }
        "ReserveNow" => shape::<m::reserve_now::ReserveNowRequest>(p),
        "Reset" => shape::<m::reset::ResetRequest>(p),
        "SendLocalList" => shape::<m::send_local_list::SendLocalListRequest>(p),
        "SetChargingProfile" => shape::<m::set_charging_profile::SetChargingProfileRequest>(p),
        "TriggerMessage" => shape::<m::trigger_message::TriggerMessageRequest>(p),
        "UnlockConnector" => shape::<m::unlock_connector::UnlockConnectorRequest>(p),
        "UpdateFirmware" => shape::<m::update_firmware::UpdateFirmwareRequest>(p),
        "CertificateSigned" => shape::<s::CertificateSignedRequest>(p),
        "DeleteCertificate" => shape::<s::DeleteCertificateRequest>(p),
        "ExtendedTriggerMessage" => shape::<s::ExtendedTriggerMessageRequest>(p),
        "GetInstalledCertificateIds" => shape::<s::GetInstalledCertificateIdsRequest>(p),
        "GetLog" => shape::<s::GetLogRequest>(p),
        "InstallCertificate" => shape::<s::InstallCertificateRequest>(p),
        "SignedUpdateFirmware" => shape::<s::SignedUpdateFirmwareRequest>(p),
        _ => Ok(()),
    }
}

fn check_v201(action: &str, p: &Value) -> Result<(), ActionError> {
    use rust_ocpp::v2_0_1::messages as m;
    match action {
        "CancelReservation" => shape::<m::cancel_reservation::CancelReservationRequest>(p),
        "CertificateSigned" => shape::<m::certificate_signed::CertificateSignedRequest>(p),
        "ChangeAvailability" => shape::<m::change_availability::ChangeAvailabilityRequest>(p),
        "ClearCache" => shape::<m::clear_cache::ClearCacheRequest>(p),
        "ClearChargingProfile" => {
            shape::<m::clear_charging_profile::ClearChargingProfileRequest>(p)
        }
        "ClearDisplayMessage" => shape::<m::clear_display_message::ClearDisplayMessageRequest>(p),
        "ClearVariableMonitoring" => {
            shape::<m::clear_variable_monitoring::ClearVariableMonitoringRequest>(p)
        }
        "CostUpdated" => shape::<m::cost_updated::CostUpdatedRequest>(p),
        "CustomerInformation" => shape::<m::customer_information::CustomerInformationRequest>(p),
        "DataTransfer" => shape::<m::datatransfer::DataTransferRequest>(p),
        "DeleteCertificate" => shape::<m::delete_certificate::DeleteCertificateRequest>(p),
        "GetBaseReport" => shape::<m::get_base_report::GetBaseReportRequest>(p),
        "GetChargingProfiles" => shape::<m::get_charging_profiles::GetChargingProfilesRequest>(p),
        "GetCompositeSchedule" => {
            shape::<m::get_composite_schedule::GetCompositeScheduleRequest>(p)
        }
        "GetDisplayMessages" => shape::<m::get_display_message::GetDisplayMessagesRequest>(p),
        "GetInstalledCertificateIds" => {
            shape::<m::get_installed_certificate_ids::GetInstalledCertificateIdsRequest>(p)
        }
        "GetLocalListVersion" => shape::<m::get_local_list_version::GetLocalListVersionRequest>(p),
        "GetLog" => shape::<m::get_log::GetLogRequest>(p),
        "GetMonitoringReport" => shape::<m::get_monitoring_report::GetMonitoringReportRequest>(p),
        "GetReport" => shape::<m::get_report::GetReportRequest>(p),
        "GetTransactionStatus" => {
            shape::<m::get_transaction_status::GetTransactionStatusRequest>(p)
        }
        "GetVariables" => shape::<m::get_variables::GetVariablesRequest>(p),
        "InstallCertificate" => shape::<m::install_certificate::InstallCertificateRequest>(p),
        "PublishFirmware" => shape::<m::publish_firmware::PublishFirmwareRequest>(p),
        "RequestStartTransaction" => {
            shape::<m::request_start_transaction::RequestStartTransactionRequest>(p)
        }
        "RequestStopTransaction" => {
            shape::<m::request_stop_transaction::RequestStopTransactionRequest>(p)
        }
        "ReserveNow" => shape::<m::reserve_now::ReserveNowRequest>(p),
        "Reset" => shape::<m::reset::ResetRequest>(p),
        "SendLocalList" => shape::<m::send_local_list::SendLocalListRequest>(p),
        "SetChargingProfile" => shape::<m::set_charging_profile::SetChargingProfileRequest>(p),
        "SetDisplayMessage" => shape::<m::set_display_message::SetDisplayMessageRequest>(p),
        "SetMonitoringBase" => shape::<m::set_monitoring_base::SetMonitoringBaseRequest>(p),
        "SetMonitoringLevel" => shape::<m::set_monitoring_level::SetMonitoringLevelRequest>(p),
        "SetNetworkProfile" => shape::<m::set_network_profile::SetNetworkProfileRequest>(p),
        "SetVariableMonitoring" => {
            shape::<m::set_variable_monitoring::SetVariableMonitoringRequest>(p)
        }
        "SetVariables" => shape::<m::set_variables::SetVariablesRequest>(p),
        "TriggerMessage" => shape::<m::trigger_message::TriggerMessageRequest>(p),
        "UnlockConnector" => shape::<m::unlock_connector::UnlockConnectorRequest>(p),
        "UnpublishFirmware" => shape::<m::unpublish_firmware::UnpublishFirmwareRequest>(p),
        "UpdateFirmware" => shape::<m::update_firmware::UpdateFirmwareRequest>(p),
        _ => Ok(()),
    }
}
