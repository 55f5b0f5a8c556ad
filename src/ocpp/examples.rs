//! A valid, hand-built payload of every request a charger may send, per version: what
//! the decoders are tested on, what the integration tests send the gateway, and a
//! reference for anyone writing a charger. Each one is checked against the official
//! schema in the tests.

use serde_json::{json, Value};

use super::OcppVersion;

/// Every charger→central-system action of `version` with a valid request payload.
pub fn charger_requests(version: OcppVersion) -> Vec<(&'static str, Value)> {
    match version {
        OcppVersion::V16 => charger_requests_v16(),
        OcppVersion::V201 => charger_requests_v201(),
    }
}

/// The time every example carries.
pub const TS: &str = "2024-05-01T10:00:00Z";

/// A valid, hand-built payload of every action a 1.6 charger sends, most fields present.
pub fn charger_requests_v16() -> Vec<(&'static str, Value)> {
    vec![
        ("Authorize", json!({"idTag": "04A2B3C4D5E6F7"})),
        (
            "BootNotification",
            json!({
                "chargePointVendor": "ACME", "chargePointModel": "Wallbox 22",
                "chargePointSerialNumber": "SN-1", "chargeBoxSerialNumber": "CB-1",
                "firmwareVersion": "1.2.3", "iccid": "8931", "imsi": "2040",
                "meterType": "EM340", "meterSerialNumber": "M-1"
            }),
        ),
        (
            "DataTransfer",
            json!({"vendorId": "com.acme", "messageId": "hello", "data": "{\"a\":1}"}),
        ),
        (
            "DiagnosticsStatusNotification",
            json!({"status": "Uploaded"}),
        ),
        ("FirmwareStatusNotification", json!({"status": "Installed"})),
        ("Heartbeat", json!({})),
        (
            "MeterValues",
            json!({"connectorId": 1, "transactionId": 42, "meterValue": [{
                "timestamp": TS,
                "sampledValue": [
                    {"value": "1234.5", "context": "Sample.Periodic", "format": "Raw",
                     "measurand": "Energy.Active.Import.Register", "phase": "L1-N",
                     "location": "Outlet", "unit": "Wh"},
                    {"value": "21.5", "measurand": "Temperature", "unit": "Celcius"},
                    {"value": "21.5", "measurand": "Temperature", "unit": "Celsius"}
                ]
            }]}),
        ),
        (
            "StartTransaction",
            json!({"connectorId": 1, "idTag": "TAG", "meterStart": 0, "reservationId": 7, "timestamp": TS}),
        ),
        (
            "StatusNotification",
            json!({"connectorId": 0, "errorCode": "NoError", "info": "ok", "status": "Available",
                   "timestamp": TS, "vendorId": "acme", "vendorErrorCode": "E0"}),
        ),
        (
            "StopTransaction",
            json!({"idTag": "TAG", "meterStop": 1500, "timestamp": TS, "transactionId": 42,
                   "reason": "Local", "transactionData": [{"timestamp": TS,
                   "sampledValue": [{"value": "1500", "context": "Transaction.End"}]}]}),
        ),
        (
            "LogStatusNotification",
            json!({"status": "Uploaded", "requestId": 3}),
        ),
        (
            "SecurityEventNotification",
            json!({"type": "FirmwareUpdated", "timestamp": TS, "techInfo": "v2"}),
        ),
        (
            "SignCertificate",
            json!({"csr": "-----BEGIN CERTIFICATE REQUEST-----"}),
        ),
        (
            "SignedFirmwareStatusNotification",
            json!({"status": "SignatureVerified", "requestId": 9}),
        ),
    ]
}

/// A charging schedule with a sales tariff, as 2.0.1 stations report them.
pub fn schedule() -> Value {
    json!({"id": 1, "chargingRateUnit": "W", "startSchedule": TS, "duration": 3600,
    "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 11000.0, "numberPhases": 3}],
    "salesTariff": {"id": 1, "salesTariffEntry": [{
        "relativeTimeInterval": {"start": 0, "duration": 600},
        "consumptionCost": [{"startValue": 0, "cost": [{"costKind": "CarbonDioxideEmission", "amount": 5}]}]
    }]}})
}

fn sampled_meter_value() -> Value {
    json!([{"timestamp": TS, "sampledValue": [
        {"value": 1234.5, "context": "Sample.Periodic", "measurand": "Energy.Active.Import.Register",
         "phase": "L1", "location": "Outlet", "unitOfMeasure": {"unit": "Wh", "multiplier": 0}},
        {"value": 32, "measurand": "Current.Import", "phase": "L2", "unitOfMeasure": {"unit": "A"}}
    ]}])
}

/// A valid, hand-built payload of every action a 2.0.1 station sends.
pub fn charger_requests_v201() -> Vec<(&'static str, Value)> {
    let component = json!({"name": "EVSE", "instance": "1", "evse": {"id": 1, "connectorId": 1}});
    vec![
        (
            "Authorize",
            json!({"idToken": {"idToken": "04A2B3C4", "type": "ISO14443"}}),
        ),
        (
            "BootNotification",
            json!({"reason": "PowerUp", "chargingStation": {"model": "W22", "vendorName": "ACME",
                   "serialNumber": "SN1", "firmwareVersion": "1.0", "modem": {"iccid": "8931", "imsi": "2040"}},
                   "customData": {"vendorId": "com.acme", "extra": [1]}}),
        ),
        (
            "ClearedChargingLimit",
            json!({"chargingLimitSource": "EMS", "evseId": 1}),
        ),
        (
            "DataTransfer",
            json!({"vendorId": "com.acme", "messageId": "m", "data": {"any": ["json"]}}),
        ),
        (
            "FirmwareStatusNotification",
            json!({"status": "Installed", "requestId": 4}),
        ),
        (
            "Get15118EVCertificate",
            json!({"iso15118SchemaVersion": "urn:iso:15118:2:2013:MsgDef", "action": "Install", "exiRequest": "AAEC"}),
        ),
        (
            "GetCertificateStatus",
            json!({"ocspRequestData": {"hashAlgorithm": "SHA256", "issuerNameHash": "aa",
                   "issuerKeyHash": "bb", "serialNumber": "01", "responderURL": "http://ocsp"}}),
        ),
        ("Heartbeat", json!({})),
        (
            "LogStatusNotification",
            json!({"status": "Uploaded", "requestId": 2}),
        ),
        (
            "MeterValues",
            json!({"evseId": 1, "meterValue": sampled_meter_value()}),
        ),
        (
            "NotifyChargingLimit",
            json!({"evseId": 1, "chargingLimit": {"chargingLimitSource": "SO", "isGridCritical": true},
                   "chargingSchedule": [schedule()]}),
        ),
        (
            "NotifyCustomerInformation",
            json!({"data": "none", "tbc": false, "seqNo": 0, "generatedAt": TS, "requestId": 1}),
        ),
        (
            "NotifyDisplayMessages",
            json!({"requestId": 1, "messageInfo": [{"id": 1, "priority": "NormalCycle", "state": "Idle",
                   "startDateTime": TS, "message": {"format": "UTF8", "language": "en", "content": "Hi"}}]}),
        ),
        (
            "NotifyEVChargingNeeds",
            json!({"evseId": 1, "maxScheduleTuples": 3, "chargingNeeds": {"requestedEnergyTransfer": "DC",
                   "departureTime": TS, "dcChargingParameters": {"evMaxCurrent": 200, "evMaxVoltage": 500,
                   "stateOfCharge": 40, "fullSoC": 100}}}),
        ),
        (
            "NotifyEVChargingSchedule",
            json!({"timeBase": TS, "evseId": 1, "chargingSchedule": schedule()}),
        ),
        (
            "NotifyEvent",
            json!({"generatedAt": TS, "seqNo": 0, "eventData": [{"eventId": 1, "timestamp": TS,
                   "trigger": "Delta", "actualValue": "Faulted", "eventNotificationType": "HardWiredNotification",
                   "component": component.clone(), "variable": {"name": "Problem"}}]}),
        ),
        (
            "NotifyMonitoringReport",
            json!({"requestId": 1, "seqNo": 0, "generatedAt": TS, "monitor": [{"component": component.clone(),
                   "variable": {"name": "Power"}, "variableMonitoring": [{"id": 1, "transaction": false,
                   "value": 100.0, "type": "UpperThreshold", "severity": 5}]}]}),
        ),
        (
            "NotifyReport",
            json!({"requestId": 1, "seqNo": 0, "generatedAt": TS, "tbc": false, "reportData": [{
                   "component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"},
                   "variableAttribute": [{"type": "Actual", "value": "300", "mutability": "ReadWrite",
                   "persistent": true, "constant": false}], "variableCharacteristics": {"unit": "s",
                   "dataType": "integer", "minLimit": 1, "supportsMonitoring": false}}]}),
        ),
        (
            "PublishFirmwareStatusNotification",
            json!({"status": "Published", "location": ["http://local/fw.bin"], "requestId": 1}),
        ),
        (
            "ReportChargingProfiles",
            json!({"requestId": 1, "chargingLimitSource": "CSO", "evseId": 1, "tbc": false,
                   "chargingProfile": [{"id": 1, "stackLevel": 0, "chargingProfilePurpose": "TxDefaultProfile",
                   "chargingProfileKind": "Absolute", "validFrom": TS, "chargingSchedule": [schedule()]}]}),
        ),
        (
            "ReservationStatusUpdate",
            json!({"reservationId": 1, "reservationUpdateStatus": "Expired"}),
        ),
        (
            "SecurityEventNotification",
            json!({"type": "FirmwareUpdated", "timestamp": TS, "techInfo": "v2"}),
        ),
        (
            "SignCertificate",
            json!({"csr": "-----BEGIN CERTIFICATE REQUEST-----", "certificateType": "V2GCertificate"}),
        ),
        (
            "StatusNotification",
            json!({"timestamp": TS, "connectorStatus": "Occupied", "evseId": 1, "connectorId": 1}),
        ),
        (
            "TransactionEvent",
            json!({"eventType": "Updated", "timestamp": TS, "triggerReason": "MeterValuePeriodic",
                   "seqNo": 3, "offline": false, "numberOfPhasesUsed": 3, "cableMaxCurrent": 32,
                   "reservationId": 1, "transactionInfo": {"transactionId": "tx-1", "chargingState": "Charging",
                   "timeSpentCharging": 60, "remoteStartId": 7},
                   "idToken": {"idToken": "04A2", "type": "ISO14443", "additionalInfo": [
                       {"additionalIdToken": "x", "type": "y"}]},
                   "evse": {"id": 1, "connectorId": 1}, "meterValue": sampled_meter_value()}),
        ),
    ]
}
