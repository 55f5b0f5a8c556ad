//! Actions as OCPP 2.0.1 calls. Configuration keys are a variable's whole identity
//! (`domain::variable`: component, its instance and EVSE/connector, variable, its
//! instance), the form the gateway stores.

use serde_json::{json, Value};

use super::v16::tenth;
use super::{certificate_name, put, ts, ActionError, Request};
use crate::domain::action::{
    Action, ChargingProfile, ListEntry, LogKind, ProfilePurpose, TokenType, TriggeredMessage,
    V201_LIST_STATUSES,
};
use crate::domain::variable::VariableKey;
use crate::ocpp::OcppVersion;

const ACCEPTED: &[&str] = &["Accepted"];

/// The 2.0.1 call for `action`.
pub fn encode(action: &Action) -> Result<Request, ActionError> {
    Ok(match action {
        Action::Reset { hard, evse } => {
            let mut p = json!({"type": if *hard { "Immediate" } else { "OnIdle" }});
            put(&mut p, "evseId", *evse);
            Request {
                scheduled: &["Scheduled"],
                ..Request::new("Reset", p, ACCEPTED)
            }
        }
        Action::Unlock { evse, connector } => Request::new(
            "UnlockConnector",
            json!({"evseId": evse, "connectorId": connector.unwrap_or(1)}),
            &["Unlocked"],
        ),
        Action::ChangeAvailability {
            evse,
            connector,
            operative,
        } => {
            if evse.is_none() && connector.is_some() {
                return Err(ActionError::invalid(
                    "connectorId",
                    "A connector is named with its EVSE: give evseNetworkId too.",
                ));
            }
            let mut p =
                json!({"operationalStatus": if *operative { "Operative" } else { "Inoperative" }});
            let mut target = evse.map(|id| json!({"id": id}));
            if let (Some(t), Some(c)) = (target.as_mut(), connector) {
                t["connectorId"] = json!(c);
            }
            put(&mut p, "evse", target);
            Request {
                scheduled: &["Scheduled"],
                ..Request::new("ChangeAvailability", p, ACCEPTED)
            }
        }
        Action::SetChargingProfile { evse, profile } => Request::new(
            "SetChargingProfile",
            json!({"evseId": evse, "chargingProfile": profile_json(profile)}),
            ACCEPTED,
        ),
        Action::ClearChargingProfile {
            id,
            evse,
            purpose,
            stack_level,
        } => {
            let mut criteria = json!({});
            put(&mut criteria, "evseId", *evse);
            put(
                &mut criteria,
                "chargingProfilePurpose",
                purpose.map(purpose_name),
            );
            put(&mut criteria, "stackLevel", *stack_level);
            let mut p = json!({});
            put(&mut p, "chargingProfileId", *id);
            if criteria.as_object().is_some_and(|c| !c.is_empty()) {
                put(&mut p, "chargingProfileCriteria", Some(criteria));
            }
            Request::new("ClearChargingProfile", p, ACCEPTED)
        }
        Action::StartSession {
            evse,
            id_tag,
            token_type,
            group,
            remote_start_id,
            profile,
        } => {
            let kind = token_type.unwrap_or(TokenType::Central).name();
            let mut p = json!({
                "remoteStartId": remote_start_id,
                "idToken": {"idToken": id_tag, "type": kind},
            });
            // F01: the group a reservation or the local list may be kept for.
            put(
                &mut p,
                "groupIdToken",
                group
                    .as_ref()
                    .map(|g| json!({"idToken": g, "type": "Central"})),
            );
            put(&mut p, "evseId", *evse);
            put(
                &mut p,
                "chargingProfile",
                profile.as_ref().map(profile_json),
            );
            Request::new("RequestStartTransaction", p, ACCEPTED)
        }
        Action::StopSession { transaction_id } => Request::new(
            "RequestStopTransaction",
            json!({"transactionId": transaction_id}),
            ACCEPTED,
        ),
        Action::Reserve {
            reservation_id,
            evse,
            id_tag,
            group,
            expires_at,
        } => {
            let mut p = json!({
                "id": reservation_id,
                "expiryDateTime": ts(expires_at),
                "idToken": {"idToken": id_tag, "type": "Central"},
            });
            // H01: no evseId reserves any EVSE of the station (there is no EVSE 0); a
            // groupIdToken lets any token of that group use the reservation.
            put(&mut p, "evseId", (*evse > 0).then_some(*evse));
            put(
                &mut p,
                "groupIdToken",
                group
                    .as_ref()
                    .map(|g| json!({"idToken": g, "type": "Central"})),
            );
            Request::new("ReserveNow", p, ACCEPTED)
        }
        Action::CancelReservation { reservation_id } => Request::new(
            "CancelReservation",
            json!({"reservationId": reservation_id}),
            ACCEPTED,
        ),
        Action::TriggerMessage {
            message,
            evse,
            connector,
        } => {
            if *message == TriggeredMessage::DiagnosticsStatusNotification {
                return Err(unsupported("triggering DiagnosticsStatusNotification"));
            }
            if evse.is_none() && connector.is_some() {
                return Err(ActionError::invalid(
                    "connectorId",
                    "A connector is named with its EVSE: give evseNetworkId too.",
                ));
            }
            let mut p = json!({"requestedMessage": message});
            let mut target = evse.map(|id| json!({"id": id}));
            if let (Some(t), Some(c)) = (target.as_mut(), connector) {
                t["connectorId"] = json!(c);
            }
            put(&mut p, "evse", target);
            Request::new("TriggerMessage", p, ACCEPTED)
        }
        Action::DataTransfer {
            vendor_id,
            message_id,
            data,
        } => {
            let mut p = json!({"vendorId": vendor_id});
            put(&mut p, "messageId", message_id.as_deref());
            put(&mut p, "data", data.as_deref());
            Request::new("DataTransfer", p, &[])
        }
        Action::GetConfiguration { keys, request_id } if keys.is_empty() => Request::new(
            "GetBaseReport",
            json!({"requestId": request_id, "reportBase": "FullInventory"}),
            ACCEPTED,
        ),
        Action::GetConfiguration { keys, .. } => {
            let data = keys
                .iter()
                .map(|k| {
                    let key = VariableKey::parse(k)
                        .ok_or_else(|| ActionError::invalid("keys", KEY_FORM))?;
                    Ok(json!({"component": key.component_json(), "variable": key.variable_json()}))
                })
                .collect::<Result<Vec<_>, ActionError>>()?;
            Request::new("GetVariables", json!({"getVariableData": data}), &[])
        }
        Action::SetConfiguration {
            key,
            value,
            component,
            evse,
            instance,
        } => {
            let key = VariableKey::named(key, component.as_deref(), *evse, instance.as_deref())
                .ok_or_else(|| ActionError::invalid("componentName", KEY_FORM))?;
            Request {
                scheduled: &["RebootRequired"],
                ..Request::new(
                    "SetVariables",
                    json!({"setVariableData": [{
                        "attributeValue": value,
                        "component": key.component_json(),
                        "variable": key.variable_json(),
                    }]}),
                    ACCEPTED,
                )
            }
        }
        Action::SetConfigurations { changes } => {
            let mut data = Vec::with_capacity(changes.len());
            for c in changes {
                let key = VariableKey::named(
                    &c.key,
                    c.component.as_deref(),
                    c.evse,
                    c.instance.as_deref(),
                )
                .ok_or_else(|| ActionError::invalid("variables", KEY_FORM))?;
                data.push(json!({
                    "attributeValue": c.value,
                    "component": key.component_json(),
                    "variable": key.variable_json(),
                }));
            }
            // Each variable has its own status: read by the caller, none refuses the call.
            Request::new("SetVariables", json!({"setVariableData": data}), &[])
        }
        Action::GetLog {
            kind,
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
            let log_type = match kind {
                LogKind::Diagnostics => "DiagnosticsLog",
                LogKind::Security => "SecurityLog",
            };
            let mut p = json!({"logType": log_type, "requestId": request_id, "log": log});
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
        } => {
            let mut firmware = json!({"location": location, "retrieveDateTime": ts(retrieve_at)});
            put(
                &mut firmware,
                "installDateTime",
                install_at.as_ref().map(ts),
            );
            if let Some(s) = signature {
                put(
                    &mut firmware,
                    "signingCertificate",
                    Some(&s.signing_certificate),
                );
                put(&mut firmware, "signature", Some(&s.signature));
            }
            let mut p = json!({"requestId": request_id, "firmware": firmware});
            put(&mut p, "retries", *retries);
            put(&mut p, "retryInterval", *interval);
            Request::new("UpdateFirmware", p, &["Accepted", "AcceptedCanceled"])
        }
        Action::InstallCertificate { kind, certificate } => {
            let name = certificate_name(OcppVersion::V201, *kind)
                .filter(|n| *n != "V2GCertificateChain")
                .ok_or_else(|| unsupported(&format!("installing a {kind:?}")))?;
            Request::new(
                "InstallCertificate",
                json!({"certificateType": name, "certificate": certificate}),
                ACCEPTED,
            )
        }
        Action::ListCertificates { kinds } => {
            let mut p = json!({});
            let names = kinds
                .iter()
                .map(|kind| {
                    certificate_name(OcppVersion::V201, *kind)
                        .ok_or_else(|| unsupported(&format!("listing {kind:?}s")))
                })
                .collect::<Result<Vec<_>, _>>()?;
            if !names.is_empty() {
                put(&mut p, "certificateType", Some(names));
            }
            Request::new("GetInstalledCertificateIds", p, ACCEPTED)
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
            let mut p = json!({"evseId": evse, "duration": duration});
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
            super::send_local_list("versionNumber", *version, *full, list)
        }
        Action::Custom { action, payload } => Request::new(action, payload.clone(), &[]),
        Action::Report(r) => super::report::v201(r)?,
        a @ (super::station::station_actions!()) => return super::station::encode_v201(a),
    })
}

const KEY_FORM: &str =
    "OCPP 2.0.1 configuration keys are Component[(Instance)][[evse[.connector]]].Variable[.Instance].";

/// The DeleteCertificate call for one hash from GetInstalledCertificateIds.
pub fn delete_certificate(hash: Value) -> Request {
    Request::new(
        "DeleteCertificate",
        json!({"certificateHashData": hash}),
        ACCEPTED,
    )
}

/// A hand-made list entry as 2.0.1 `AuthorizationData` (D01): the token with its type
/// (`ISO14443` unless given), `idTokenInfo` only with a status (none: removed).
fn list_entry(e: &ListEntry) -> Result<Value, ActionError> {
    let kind = e.token_type.unwrap_or(TokenType::ISO14443).name();
    let mut entry = json!({"idToken": {"idToken": e.id_tag, "type": kind}});
    if let Some(status) = &e.status {
        if !V201_LIST_STATUSES.contains(&status.as_str()) {
            return Err(ActionError::invalid(
                "entries",
                format!(
                    "A 2.0.1 status is one of {}.",
                    V201_LIST_STATUSES.join(", ")
                ),
            ));
        }
        let mut info = json!({"status": status});
        put(&mut info, "cacheExpiryDateTime", e.expiry.as_ref().map(ts));
        put(
            &mut info,
            "groupIdToken",
            e.group
                .as_ref()
                .map(|g| json!({"idToken": g, "type": "Central"})),
        );
        entry["idTokenInfo"] = info;
    }
    Ok(entry)
}

fn unsupported(what: &str) -> ActionError {
    ActionError::Unsupported(format!("OCPP 2.0.1 has no operation for {what}."))
}

/// The stored key of a `getVariableResult` / `reportData` entry.
pub fn variable_key(entry: &Value) -> String {
    VariableKey::of_entry(entry).to_string()
}

fn purpose_name(p: ProfilePurpose) -> &'static str {
    match p {
        ProfilePurpose::ChargePointMaxProfile => "ChargingStationMaxProfile",
        ProfilePurpose::TxDefaultProfile => "TxDefaultProfile",
        ProfilePurpose::TxProfile => "TxProfile",
    }
}

/// A 2.0.1 `ChargingProfileType` with one schedule.
pub fn profile_json(p: &ChargingProfile) -> Value {
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
    let mut schedule = json!({
        "id": s.id,
        "chargingRateUnit": s.rate_unit,
        "chargingSchedulePeriod": periods,
    });
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
        "id": p.id,
        "stackLevel": p.stack_level,
        "chargingProfilePurpose": purpose_name(p.purpose),
        "chargingProfileKind": p.kind,
        "chargingSchedule": [schedule],
    });
    put(&mut v, "transactionId", p.transaction_id.as_deref());
    put(&mut v, "recurrencyKind", p.recurrency);
    put(&mut v, "validFrom", p.valid_from.as_ref().map(ts));
    put(&mut v, "validTo", p.valid_to.as_ref().map(ts));
    v
}
