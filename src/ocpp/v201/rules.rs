//! The constraints of the 2.0.1 charger→CSMS requests that the typed messages do not
//! enforce, as the official 2.0.1 JSON schemas state them: `maxLength`, `minItems`,
//! `maxItems`, `minimum`/`maximum` and the `date-time` fields. (`customData`, allowed in
//! every object, is checked in `decode`.)

use crate::ocpp::schema::Rule::{self, DateTime, Max, MaxItems, MaxLen, Min, MinItems};

type Table = &'static [(&'static str, Rule)];

/// Requests whose schema sets no such constraint.
pub(super) const NONE: Table = &[];

pub(super) const AUTHORIZE: Table = &[
    ("idToken.additionalInfo", MinItems(1)),
    ("idToken.additionalInfo.*.additionalIdToken", MaxLen(36)),
    ("idToken.additionalInfo.*.type", MaxLen(50)),
    ("idToken.idToken", MaxLen(36)),
    ("certificate", MaxLen(5500)),
    ("iso15118CertificateHashData", MinItems(1)),
    ("iso15118CertificateHashData", MaxItems(4)),
    ("iso15118CertificateHashData.*.issuerNameHash", MaxLen(128)),
    ("iso15118CertificateHashData.*.issuerKeyHash", MaxLen(128)),
    ("iso15118CertificateHashData.*.serialNumber", MaxLen(40)),
    ("iso15118CertificateHashData.*.responderURL", MaxLen(512)),
];

pub(super) const BOOT_NOTIFICATION: Table = &[
    ("chargingStation.serialNumber", MaxLen(25)),
    ("chargingStation.model", MaxLen(20)),
    ("chargingStation.modem.iccid", MaxLen(20)),
    ("chargingStation.modem.imsi", MaxLen(20)),
    ("chargingStation.vendorName", MaxLen(50)),
    ("chargingStation.firmwareVersion", MaxLen(50)),
];

pub(super) const DATA_TRANSFER: Table = &[("messageId", MaxLen(50)), ("vendorId", MaxLen(255))];

pub(super) const GET_15118_EV_CERTIFICATE: Table = &[
    ("iso15118SchemaVersion", MaxLen(50)),
    ("exiRequest", MaxLen(5600)),
];

pub(super) const GET_CERTIFICATE_STATUS: Table = &[
    ("ocspRequestData.issuerNameHash", MaxLen(128)),
    ("ocspRequestData.issuerKeyHash", MaxLen(128)),
    ("ocspRequestData.serialNumber", MaxLen(40)),
    ("ocspRequestData.responderURL", MaxLen(512)),
];

pub(super) const METER_VALUES: Table = &[
    ("meterValue", MinItems(1)),
    ("meterValue.*.sampledValue", MinItems(1)),
    (
        "meterValue.*.sampledValue.*.signedMeterValue.signedMeterData",
        MaxLen(2500),
    ),
    (
        "meterValue.*.sampledValue.*.signedMeterValue.signingMethod",
        MaxLen(50),
    ),
    (
        "meterValue.*.sampledValue.*.signedMeterValue.encodingMethod",
        MaxLen(50),
    ),
    (
        "meterValue.*.sampledValue.*.signedMeterValue.publicKey",
        MaxLen(2500),
    ),
    ("meterValue.*.sampledValue.*.unitOfMeasure.unit", MaxLen(20)),
    ("meterValue.*.timestamp", DateTime),
];

pub(super) const NOTIFY_CHARGING_LIMIT: Table = &[
    ("chargingSchedule", MinItems(1)),
    ("chargingSchedule.*.startSchedule", DateTime),
    ("chargingSchedule.*.chargingSchedulePeriod", MinItems(1)),
    ("chargingSchedule.*.chargingSchedulePeriod", MaxItems(1024)),
    (
        "chargingSchedule.*.salesTariff.salesTariffDescription",
        MaxLen(32),
    ),
    (
        "chargingSchedule.*.salesTariff.salesTariffEntry",
        MinItems(1),
    ),
    (
        "chargingSchedule.*.salesTariff.salesTariffEntry",
        MaxItems(1024),
    ),
    (
        "chargingSchedule.*.salesTariff.salesTariffEntry.*.ePriceLevel",
        Min(0.0),
    ),
    (
        "chargingSchedule.*.salesTariff.salesTariffEntry.*.consumptionCost",
        MinItems(1),
    ),
    (
        "chargingSchedule.*.salesTariff.salesTariffEntry.*.consumptionCost",
        MaxItems(3),
    ),
    (
        "chargingSchedule.*.salesTariff.salesTariffEntry.*.consumptionCost.*.cost",
        MinItems(1),
    ),
    (
        "chargingSchedule.*.salesTariff.salesTariffEntry.*.consumptionCost.*.cost",
        MaxItems(3),
    ),
];

pub(super) const NOTIFY_CUSTOMER_INFORMATION: Table =
    &[("data", MaxLen(512)), ("generatedAt", DateTime)];

pub(super) const NOTIFY_DISPLAY_MESSAGES: Table = &[
    ("messageInfo", MinItems(1)),
    ("messageInfo.*.display.name", MaxLen(50)),
    ("messageInfo.*.display.instance", MaxLen(50)),
    ("messageInfo.*.startDateTime", DateTime),
    ("messageInfo.*.endDateTime", DateTime),
    ("messageInfo.*.transactionId", MaxLen(36)),
    ("messageInfo.*.message.language", MaxLen(8)),
    ("messageInfo.*.message.content", MaxLen(512)),
];

pub(super) const NOTIFY_EV_CHARGING_NEEDS: Table = &[
    ("chargingNeeds.dcChargingParameters.stateOfCharge", Min(0.0)),
    (
        "chargingNeeds.dcChargingParameters.stateOfCharge",
        Max(100.0),
    ),
    ("chargingNeeds.dcChargingParameters.fullSoC", Min(0.0)),
    ("chargingNeeds.dcChargingParameters.fullSoC", Max(100.0)),
    ("chargingNeeds.dcChargingParameters.bulkSoC", Min(0.0)),
    ("chargingNeeds.dcChargingParameters.bulkSoC", Max(100.0)),
    ("chargingNeeds.departureTime", DateTime),
];

pub(super) const NOTIFY_EV_CHARGING_SCHEDULE: Table = &[
    ("timeBase", DateTime),
    ("chargingSchedule.startSchedule", DateTime),
    ("chargingSchedule.chargingSchedulePeriod", MinItems(1)),
    ("chargingSchedule.chargingSchedulePeriod", MaxItems(1024)),
    (
        "chargingSchedule.salesTariff.salesTariffDescription",
        MaxLen(32),
    ),
    ("chargingSchedule.salesTariff.salesTariffEntry", MinItems(1)),
    (
        "chargingSchedule.salesTariff.salesTariffEntry",
        MaxItems(1024),
    ),
    (
        "chargingSchedule.salesTariff.salesTariffEntry.*.ePriceLevel",
        Min(0.0),
    ),
    (
        "chargingSchedule.salesTariff.salesTariffEntry.*.consumptionCost",
        MinItems(1),
    ),
    (
        "chargingSchedule.salesTariff.salesTariffEntry.*.consumptionCost",
        MaxItems(3),
    ),
    (
        "chargingSchedule.salesTariff.salesTariffEntry.*.consumptionCost.*.cost",
        MinItems(1),
    ),
    (
        "chargingSchedule.salesTariff.salesTariffEntry.*.consumptionCost.*.cost",
        MaxItems(3),
    ),
];

pub(super) const NOTIFY_EVENT: Table = &[
    ("generatedAt", DateTime),
    ("eventData", MinItems(1)),
    ("eventData.*.timestamp", DateTime),
    ("eventData.*.actualValue", MaxLen(2500)),
    ("eventData.*.techCode", MaxLen(50)),
    ("eventData.*.techInfo", MaxLen(500)),
    ("eventData.*.transactionId", MaxLen(36)),
    ("eventData.*.component.name", MaxLen(50)),
    ("eventData.*.component.instance", MaxLen(50)),
    ("eventData.*.variable.name", MaxLen(50)),
    ("eventData.*.variable.instance", MaxLen(50)),
];

pub(super) const NOTIFY_MONITORING_REPORT: Table = &[
    ("monitor", MinItems(1)),
    ("monitor.*.component.name", MaxLen(50)),
    ("monitor.*.component.instance", MaxLen(50)),
    ("monitor.*.variable.name", MaxLen(50)),
    ("monitor.*.variable.instance", MaxLen(50)),
    ("monitor.*.variableMonitoring", MinItems(1)),
    ("generatedAt", DateTime),
];

pub(super) const NOTIFY_REPORT: Table = &[
    ("generatedAt", DateTime),
    ("reportData", MinItems(1)),
    ("reportData.*.component.name", MaxLen(50)),
    ("reportData.*.component.instance", MaxLen(50)),
    ("reportData.*.variable.name", MaxLen(50)),
    ("reportData.*.variable.instance", MaxLen(50)),
    ("reportData.*.variableAttribute", MinItems(1)),
    ("reportData.*.variableAttribute", MaxItems(4)),
    ("reportData.*.variableAttribute.*.value", MaxLen(2500)),
    ("reportData.*.variableCharacteristics.unit", MaxLen(16)),
    (
        "reportData.*.variableCharacteristics.valuesList",
        MaxLen(1000),
    ),
];

pub(super) const PUBLISH_FIRMWARE_STATUS_NOTIFICATION: Table =
    &[("location", MinItems(1)), ("location.*", MaxLen(512))];

pub(super) const REPORT_CHARGING_PROFILES: Table = &[
    ("chargingProfile", MinItems(1)),
    ("chargingProfile.*.validFrom", DateTime),
    ("chargingProfile.*.validTo", DateTime),
    ("chargingProfile.*.chargingSchedule", MinItems(1)),
    ("chargingProfile.*.chargingSchedule", MaxItems(3)),
    ("chargingProfile.*.chargingSchedule.*.startSchedule", DateTime),
    ("chargingProfile.*.chargingSchedule.*.chargingSchedulePeriod", MinItems(1)),
    ("chargingProfile.*.chargingSchedule.*.chargingSchedulePeriod", MaxItems(1024)),
    ("chargingProfile.*.chargingSchedule.*.salesTariff.salesTariffDescription", MaxLen(32)),
    ("chargingProfile.*.chargingSchedule.*.salesTariff.salesTariffEntry", MinItems(1)),
    ("chargingProfile.*.chargingSchedule.*.salesTariff.salesTariffEntry", MaxItems(1024)),
    ("chargingProfile.*.chargingSchedule.*.salesTariff.salesTariffEntry.*.ePriceLevel", Min(0.0)),
    ("chargingProfile.*.chargingSchedule.*.salesTariff.salesTariffEntry.*.consumptionCost", MinItems(1)),
    ("chargingProfile.*.chargingSchedule.*.salesTariff.salesTariffEntry.*.consumptionCost", MaxItems(3)),
    ("chargingProfile.*.chargingSchedule.*.salesTariff.salesTariffEntry.*.consumptionCost.*.cost", MinItems(1)),
    ("chargingProfile.*.chargingSchedule.*.salesTariff.salesTariffEntry.*.consumptionCost.*.cost", MaxItems(3)),
    ("chargingProfile.*.transactionId", MaxLen(36)),
];

pub(super) const SECURITY_EVENT_NOTIFICATION: Table = &[
    ("type", MaxLen(50)),
    ("timestamp", DateTime),
    ("techInfo", MaxLen(255)),
];

pub(super) const SIGN_CERTIFICATE: Table = &[("csr", MaxLen(5500))];

pub(super) const STATUS_NOTIFICATION: Table = &[("timestamp", DateTime)];

pub(super) const TRANSACTION_EVENT: Table = &[
    ("meterValue", MinItems(1)),
    ("meterValue.*.sampledValue", MinItems(1)),
    (
        "meterValue.*.sampledValue.*.signedMeterValue.signedMeterData",
        MaxLen(2500),
    ),
    (
        "meterValue.*.sampledValue.*.signedMeterValue.signingMethod",
        MaxLen(50),
    ),
    (
        "meterValue.*.sampledValue.*.signedMeterValue.encodingMethod",
        MaxLen(50),
    ),
    (
        "meterValue.*.sampledValue.*.signedMeterValue.publicKey",
        MaxLen(2500),
    ),
    ("meterValue.*.sampledValue.*.unitOfMeasure.unit", MaxLen(20)),
    ("meterValue.*.timestamp", DateTime),
    ("timestamp", DateTime),
    ("transactionInfo.transactionId", MaxLen(36)),
    ("idToken.additionalInfo", MinItems(1)),
    ("idToken.additionalInfo.*.additionalIdToken", MaxLen(36)),
    ("idToken.additionalInfo.*.type", MaxLen(50)),
    ("idToken.idToken", MaxLen(36)),
];
