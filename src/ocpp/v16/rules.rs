//! The constraints of the 1.6 charger→central-system requests that the typed messages do
//! not enforce, as the official 1.6 JSON schemas (and those of the security extension)
//! state them: `maxLength`, `minItems` and the `date-time` fields.

use crate::ocpp::schema::Rule::{self, DateTime, MaxLen, MinItems};

type Table = &'static [(&'static str, Rule)];

/// Requests whose schema sets no such constraint.
pub(super) const NONE: Table = &[];

pub(super) const AUTHORIZE: Table = &[("idTag", MaxLen(20))];

pub(super) const BOOT_NOTIFICATION: Table = &[
    ("chargePointVendor", MaxLen(20)),
    ("chargePointModel", MaxLen(20)),
    ("chargePointSerialNumber", MaxLen(25)),
    ("chargeBoxSerialNumber", MaxLen(25)),
    ("firmwareVersion", MaxLen(50)),
    ("iccid", MaxLen(20)),
    ("imsi", MaxLen(20)),
    ("meterType", MaxLen(25)),
    ("meterSerialNumber", MaxLen(25)),
];

pub(super) const DATA_TRANSFER: Table = &[("vendorId", MaxLen(255)), ("messageId", MaxLen(50))];

pub(super) const METER_VALUES: Table = &[
    ("meterValue", MinItems(1)),
    ("meterValue.*.timestamp", DateTime),
    ("meterValue.*.sampledValue", MinItems(1)),
];

pub(super) const START_TRANSACTION: Table = &[("idTag", MaxLen(20)), ("timestamp", DateTime)];

pub(super) const STATUS_NOTIFICATION: Table = &[
    ("info", MaxLen(50)),
    ("timestamp", DateTime),
    ("vendorId", MaxLen(255)),
    ("vendorErrorCode", MaxLen(50)),
];

pub(super) const STOP_TRANSACTION: Table = &[
    ("idTag", MaxLen(20)),
    ("timestamp", DateTime),
    ("transactionData.*.timestamp", DateTime),
];

pub(super) const SECURITY_EVENT: Table = &[
    ("type", MaxLen(50)),
    ("timestamp", DateTime),
    ("techInfo", MaxLen(255)),
];

pub(super) const SIGN_CERTIFICATE: Table = &[("csr", MaxLen(5500))];
