//! Actions as OCPP 1.6J calls, with the security extension where the core profiles
//! have no such message (certificates, security log, signed firmware, triggers of the
//! security messages).

use serde_json::{json, Value};

use super::{certificate_name, put, ts, ActionError, Request};
use crate::domain::action::{
    Action, ChargingProfile, ListEntry, LogKind, TokenType, TriggeredMessage, V16_LIST_STATUSES,
};
use crate::ocpp::OcppVersion;

const ACCEPTED: &[&str] = &["Accepted"];

/// The 1.6 call for `action`.
pub fn encode(action: &Action) -> Result<Request, ActionError> {
    Ok(match action {
        Action::Reset { evse: Some(_), .. } => {
            return Err(unsupported(
                "resetting one EVSE (its Reset restarts the whole charge point)",
            ))
        }
        Action::Reset { hard, evse: None } => Request::new(
            "Reset",
            json!({"type": if *hard { "Hard" } else { "Soft" }}),
            ACCEPTED,
        ),
        Action::Unlock { evse, .. } => Request::new(
            "UnlockConnector",
            json!({"connectorId": evse}),
            &["Unlocked"],
        ),
        Action::ChangeAvailability {
            connector: Some(_), ..
        } => {
            return Err(ActionError::invalid(
                "connectorId",
                "OCPP 1.6 numbers connectors as EVSEs: name the connector with evseNetworkId.",
            ))
        }
        Action::ChangeAvailability {
            evse, operative, ..
        } => Request {
            scheduled: &["Scheduled"],
            ..Request::new(
                "ChangeAvailability",
                json!({
                    "connectorId": evse.unwrap_or(0),
                    "type": if *operative { "Operative" } else { "Inoperative" },
                }),
                ACCEPTED,
            )
        },
        Action::SetChargingProfile { evse, profile } => Request::new(
            "SetChargingProfile",
            json!({"connectorId": evse, "csChargingProfiles": profile_json(profile)?}),
            ACCEPTED,
        ),
        Action::ClearChargingProfile {
            id,
            evse,
            purpose,
            stack_level,
        } => {
            let mut p = json!({});
            put(&mut p, "id", *id);
            put(&mut p, "connectorId", *evse);
            put(&mut p, "chargingProfilePurpose", *purpose);
            put(&mut p, "stackLevel", *stack_level);
            Request::new("ClearChargingProfile", p, ACCEPTED)
        }
        Action::StartSession {
            evse,
            id_tag,
            profile,
            token_type,
            group,
            ..
        } => {
            if token_type.is_some_and(|t| t != TokenType::Central) {
                return Err(ActionError::invalid(
                    "idTokenType",
                    "OCPP 1.6 id tags have no type (only Central may be given).",
                ));
            }
            if group.is_some() {
                return Err(ActionError::invalid(
                    "groupIdToken",
                    "OCPP 1.6 RemoteStartTransaction carries no group (parent) id tag.",
                ));
            }
            let mut p = json!({"idTag": id_tag});
            put(&mut p, "connectorId", *evse);
            if let Some(profile) = profile {
                put(&mut p, "chargingProfile", Some(profile_json(profile)?));
            }
            Request::new("RemoteStartTransaction", p, ACCEPTED)
        }
        Action::StopSession { transaction_id } => {
            let id: i64 = transaction_id.parse().map_err(|_| {
                ActionError::invalid("session", "The session has no 1.6 transaction id.")
            })?;
            Request::new(
                "RemoteStopTransaction",
                json!({"transactionId": id}),
                ACCEPTED,
            )
        }
        Action::Reserve {
            reservation_id,
            evse,
            id_tag,
            group,
            expires_at,
        } => {
            // §5.13: with a parentIdTag, any tag of that parent may use the reservation.
            let mut p = json!({
                "connectorId": evse,
                "expiryDate": ts(expires_at),
                "idTag": id_tag,
                "reservationId": reservation_id,
            });
            put(&mut p, "parentIdTag", group.as_deref());
            Request::new("ReserveNow", p, ACCEPTED)
        }
        Action::CancelReservation { reservation_id } => Request::new(
            "CancelReservation",
            json!({"reservationId": reservation_id}),
            ACCEPTED,
        ),
        Action::TriggerMessage {
            connector: Some(_), ..
        } => {
            return Err(ActionError::invalid(
                "connectorId",
                "OCPP 1.6 numbers connectors as EVSEs: name the connector with evseNetworkId.",
            ))
        }
        Action::TriggerMessage { message, evse, .. } => trigger(*message, *evse)?,
        Action::DataTransfer {
            vendor_id,
            message_id,
            data,
        } => {
            let mut p = json!({"vendorId": vendor_id});
            put(&mut p, "messageId", message_id.as_deref());
            put(&mut p, "data", data.as_deref());
            // Whatever the charger says is the answer the platform asked for.
            Request::new("DataTransfer", p, &[])
        }
        Action::GetConfiguration { keys, .. } => {
            let mut p = json!({});
            if !keys.is_empty() {
                put(&mut p, "key", Some(keys));
            }
            Request::new("GetConfiguration", p, ACCEPTED)
        }
        Action::SetConfiguration { key, value, .. } => Request {
            scheduled: &["RebootRequired"],
            ..Request::new(
                "ChangeConfiguration",
                json!({"key": key, "value": value}),
                ACCEPTED,
            )
        },
        // One ChangeConfiguration per key, asked in turn by `outbound::run`.
        Action::SetConfigurations { changes } => match changes.as_slice() {
            [one] => return encode(&one.action()),
            _ => return Err(unsupported("changing several keys in one call")),
        },
        Action::GetLog {
            kind: LogKind::Diagnostics,
            location,
            from,
            to,
            retries,
            interval,
            ..
        } => {
            let mut p = json!({"location": location});
            put(&mut p, "retries", *retries);
            put(&mut p, "retryInterval", *interval);
            put(&mut p, "startTime", from.as_ref().map(ts));
            put(&mut p, "stopTime", to.as_ref().map(ts));
            Request::new("GetDiagnostics", p, &[])
        }
        Action::GetLog {
            kind: LogKind::Security,
            request_id,
            location,
            from,
            to,
            retries,
            interval,
        } => {
            let mut log = json!({"remoteLocation": location});
            put(&mut log, "oldestTimestamp", from.as_ref().map(ts));
            put(&mut log, "latestTimestamp", to.as_ref().map(ts));
            let mut p = json!({"logType": "SecurityLog", "requestId": request_id, "log": log});
            put(&mut p, "retries", *retries);
            put(&mut p, "retryInterval", *interval);
            Request::new("GetLog", p, &["Accepted", "AcceptedCanceled"])
        }
        Action::UpdateFirmware {
            request_id,
            location,
            retrieve_at,
            retries,
            interval,
            signature,
            install_at,
        } => match signature {
            None => {
                if install_at.is_some() {
                    return Err(ActionError::invalid(
                        "installDateTime",
                        "OCPP 1.6 UpdateFirmware has no install time (only a signed update has).",
                    ));
                }
                let mut p = json!({"location": location, "retrieveDate": ts(retrieve_at)});
                put(&mut p, "retries", *retries);
                put(&mut p, "retryInterval", *interval);
                Request::new("UpdateFirmware", p, &[])
            }
            Some(s) => {
                let mut firmware = json!({
                    "location": location,
                    "retrieveDateTime": ts(retrieve_at),
                    "signingCertificate": s.signing_certificate,
                    "signature": s.signature,
                });
                put(
                    &mut firmware,
                    "installDateTime",
                    install_at.as_ref().map(ts),
                );
                let mut p = json!({"requestId": request_id, "firmware": firmware});
                put(&mut p, "retries", *retries);
                put(&mut p, "retryInterval", *interval);
                Request::new("SignedUpdateFirmware", p, &["Accepted", "AcceptedCanceled"])
            }
        },
        // Plug & Charge roots go in DataTransfer (the OCA scheme for 1.6).
        Action::InstallCertificate { kind, certificate }
            if matches!(
                kind,
                crate::domain::action::CertificateKind::V2GRootCertificate
                    | crate::domain::action::CertificateKind::MORootCertificate
            ) =>
        {
            let inner = json!({"certificateType": format!("{kind:?}"), "certificate": certificate});
            Request::new(
                "DataTransfer",
                json!({"vendorId": crate::pnc::OCA_VENDOR,
                       "messageId": "InstallCertificate", "data": inner.to_string()}),
                ACCEPTED,
            )
        }
        Action::InstallCertificate { kind, certificate } => {
            let name = certificate_name(OcppVersion::V16, *kind)
                .ok_or_else(|| unsupported(&format!("installing a {kind:?}")))?;
            Request::new(
                "InstallCertificate",
                json!({"certificateType": name, "certificate": certificate}),
                ACCEPTED,
            )
        }
        Action::ListCertificates { kinds } => {
            // 1.6 asks for one type at a time (several are asked one after the other,
            // see `outbound::run`); the charge point's own trust anchor is the one the
            // gateway manages.
            let kind = match kinds.as_slice() {
                [] => crate::domain::action::CertificateKind::CSMSRootCertificate,
                [kind] => *kind,
                _ => return Err(unsupported("listing several certificate types in one call")),
            };
            let name = certificate_name(OcppVersion::V16, kind)
                .ok_or_else(|| unsupported(&format!("listing {kind:?}s")))?;
            Request::new(
                "GetInstalledCertificateIds",
                json!({"certificateType": name}),
                ACCEPTED,
            )
        }
        Action::DeleteCertificate { kind } => {
            return Err(unsupported(&format!(
                "deleting a {kind:?} without its hash"
            )))
        }
        Action::ClearCache => Request::new("ClearCache", json!({}), ACCEPTED),
        Action::GetCompositeSchedule {
            evse,
            duration,
            rate_unit,
        } => {
            let mut p = json!({"connectorId": evse, "duration": duration});
            put(&mut p, "chargingRateUnit", *rate_unit);
            Request::new("GetCompositeSchedule", p, ACCEPTED)
        }
        Action::GetLocalListVersion => Request::new("GetLocalListVersion", json!({}), &[]),
        Action::SendLocalList {
            full,
            version,
            entries,
        } => {
            let list = entries.iter().map(list_entry).collect::<Result<_, _>>()?;
            super::send_local_list("listVersion", *version, *full, list)
        }
        Action::Custom { action, payload } => Request::new(action, payload.clone(), &[]),
        Action::Report(r) => return Err(unsupported(r.call.action())),
        a @ (super::station::station_actions!()) => return super::station::encode_v16(a),
    })
}

/// The DeleteCertificate call for one hash from GetInstalledCertificateIds.
pub fn delete_certificate(hash: Value) -> Request {
    Request::new(
        "DeleteCertificate",
        json!({"certificateHashData": hash}),
        ACCEPTED,
    )
}

/// A hand-made list entry as 1.6 `AuthorizationData` (§7.2): `idTag` of at most 20
/// characters, `idTagInfo` only with a status (none: the tag is removed).
fn list_entry(e: &ListEntry) -> Result<Value, ActionError> {
    if e.id_tag.chars().count() > 20 {
        return Err(ActionError::invalid(
            "entries",
            format!(
                "The idTag {} is longer than a 1.6 id tag (20 characters).",
                e.id_tag
            ),
        ));
    }
    if e.token_type.is_some_and(|t| t != TokenType::Central) {
        return Err(ActionError::invalid(
            "entries",
            "OCPP 1.6 id tags have no type (only Central may be given).",
        ));
    }
    let mut entry = json!({"idTag": e.id_tag});
    if let Some(status) = &e.status {
        if !V16_LIST_STATUSES.contains(&status.as_str()) {
            return Err(ActionError::invalid(
                "entries",
                format!("A 1.6 status is one of {}.", V16_LIST_STATUSES.join(", ")),
            ));
        }
        let mut info = json!({"status": status});
        put(&mut info, "expiryDate", e.expiry.as_ref().map(ts));
        put(&mut info, "parentIdTag", e.group.clone());
        entry["idTagInfo"] = info;
    }
    Ok(entry)
}

fn unsupported(what: &str) -> ActionError {
    ActionError::Unsupported(format!("OCPP 1.6 has no operation for {what}."))
}

/// TriggerMessage for the core messages, ExtendedTriggerMessage for the security ones.
fn trigger(message: TriggeredMessage, evse: Option<u32>) -> Result<Request, ActionError> {
    use TriggeredMessage as T;
    let (action, name) = match message {
        T::BootNotification => ("TriggerMessage", "BootNotification"),
        T::DiagnosticsStatusNotification => ("TriggerMessage", "DiagnosticsStatusNotification"),
        T::FirmwareStatusNotification => ("TriggerMessage", "FirmwareStatusNotification"),
        T::Heartbeat => ("TriggerMessage", "Heartbeat"),
        T::MeterValues => ("TriggerMessage", "MeterValues"),
        T::StatusNotification => ("TriggerMessage", "StatusNotification"),
        T::LogStatusNotification => ("ExtendedTriggerMessage", "LogStatusNotification"),
        T::SignChargingStationCertificate => {
            ("ExtendedTriggerMessage", "SignChargePointCertificate")
        }
        other => return Err(unsupported(&format!("triggering {other:?}"))),
    };
    let mut p = json!({"requestedMessage": name});
    put(&mut p, "connectorId", evse);
    Ok(Request::new(action, p, ACCEPTED))
}

/// A 1.6 `ChargingProfile`.
pub fn profile_json(p: &ChargingProfile) -> Result<Value, ActionError> {
    let s = &p.schedule;
    let periods: Vec<Value> = s
        .periods
        .iter()
        .map(|period| {
            let mut v = json!({"startPeriod": period.start_period, "limit": tenth(period.limit)});
            put(&mut v, "numberPhases", period.number_phases);
            v
        })
        .collect();
    let mut schedule = json!({"chargingRateUnit": s.rate_unit, "chargingSchedulePeriod": periods});
    put(&mut schedule, "duration", s.duration);
    put(
        &mut schedule,
        "startSchedule",
        s.start_schedule.as_ref().map(ts),
    );
    put(
        &mut schedule,
        "minChargingRate",
        s.min_charging_rate.map(tenth),
    );
    let mut v = json!({
        "chargingProfileId": p.id,
        "stackLevel": p.stack_level,
        "chargingProfilePurpose": p.purpose,
        "chargingProfileKind": p.kind,
        "chargingSchedule": schedule,
    });
    if let Some(t) = &p.transaction_id {
        let id: i64 = t.parse().map_err(|_| {
            ActionError::invalid("transactionId", "The transaction id is not a 1.6 one.")
        })?;
        put(&mut v, "transactionId", Some(id));
    }
    put(&mut v, "recurrencyKind", p.recurrency);
    put(&mut v, "validFrom", p.valid_from.as_ref().map(ts));
    put(&mut v, "validTo", p.valid_to.as_ref().map(ts));
    Ok(v)
}

/// 1.6 limits are multiples of 0.1.
pub(crate) fn tenth(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}
