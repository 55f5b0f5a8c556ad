//! What one connection may carry while its BootNotification is not Accepted (OCPP 2.0.1
//! B01.FR.10, B02.FR.09, B03.FR.07; 1.6 §4.2): the answer given, and the messages the
//! gateway asked for since. Pure state, kept in the connection's context; the answering
//! is in `boot.rs`.

use serde_json::Value;

use crate::domain::BootAnswer;
use crate::ocpp::{DecodeError, ErrorCode, OcppVersion};

/// What this connection's last BootNotification was answered, and the CALLs the gateway
/// asked for since (TriggerMessage, reports), which a charger not yet accepted may send.
#[derive(Debug, Default)]
pub struct BootState {
    pub answer: Option<BootAnswer>,
    pub(crate) instructed: Vec<&'static str>,
}

/// What the gateway may send a charger held Pending: requests that read or change its
/// configuration, and TriggerMessage (2.0.1 B02.FR.01; 1.6 §4.2, where RemoteStart/Stop
/// are named as not allowed). Nothing goes to a Rejected charger (B03.FR.03).
const PENDING_OUT_V16: &[&str] = &[
    "GetConfiguration",
    "ChangeConfiguration",
    "TriggerMessage",
    "ExtendedTriggerMessage",
];
const PENDING_OUT_V201: &[&str] = &[
    "GetVariables",
    "SetVariables",
    "GetBaseReport",
    "GetReport",
    "TriggerMessage",
];

/// Whether the gateway may send `action` on a connection whose boot was answered
/// `answer` (None: no BootNotification on this connection).
pub fn may_send(version: OcppVersion, answer: Option<BootAnswer>, action: &str) -> bool {
    match answer {
        None | Some(BootAnswer::Accepted) => true,
        Some(BootAnswer::Rejected) => false,
        Some(BootAnswer::Pending) => match version {
            OcppVersion::V16 => PENDING_OUT_V16.contains(&action),
            OcppVersion::V201 => PENDING_OUT_V201.contains(&action),
        },
    }
}

/// The charger's message a CALL of the gateway asks for, if any.
fn asked_for(action: &str, payload: &Value) -> Option<&'static str> {
    match action {
        "GetBaseReport" | "GetReport" => Some("NotifyReport"),
        "TriggerMessage" | "ExtendedTriggerMessage" => {
            let requested = payload["requestedMessage"].as_str()?;
            let message = match requested {
                "SignChargePointCertificate"
                | "SignChargingStationCertificate"
                | "SignV2GCertificate"
                | "SignCombinedCertificate" => "SignCertificate",
                "FirmwareStatusNotification" if action == "ExtendedTriggerMessage" => {
                    "SignedFirmwareStatusNotification"
                }
                other => crate::ocpp::v16::CHARGER_ACTIONS
                    .iter()
                    .chain(crate::ocpp::v201::CHARGER_ACTIONS)
                    .find(|a| **a == other)
                    .copied()?,
            };
            Some(message)
        }
        _ => None,
    }
}

impl BootState {
    /// Decides whether a CALL of the gateway goes out; remembers what it asks for.
    /// `Err` carries the registration that forbids it.
    pub fn outbound(
        &mut self,
        version: OcppVersion,
        action: &str,
        payload: &Value,
    ) -> Result<(), BootAnswer> {
        if !may_send(version, self.answer, action) {
            return Err(self.answer.unwrap_or(BootAnswer::Rejected));
        }
        if matches!(self.answer, Some(BootAnswer::Pending)) {
            if let Some(m) = asked_for(action, payload) {
                if !self.instructed.contains(&m) {
                    self.instructed.push(m);
                }
            }
        }
        Ok(())
    }

    /// The refusal of a charger's CALL while its boot is not accepted, if refused.
    pub fn inbound(&self, action: &str) -> Option<DecodeError> {
        let answer = self.answer?;
        if answer == BootAnswer::Accepted
            || action == "BootNotification"
            || self.instructed.contains(&action)
        {
            return None;
        }
        Some(DecodeError {
            code: ErrorCode::SecurityError,
            description: format!(
                "the BootNotification of this charger was answered {}: only BootNotification \
                 (and what the central system asks for) may be sent until it is Accepted",
                answer.status()
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn pending_allows_configuration_and_what_was_asked_for() {
        let mut s = BootState {
            answer: Some(BootAnswer::Pending),
            ..BootState::default()
        };
        let v = OcppVersion::V201;
        assert_eq!(
            s.outbound(v, "RequestStartTransaction", &json!({})),
            Err(BootAnswer::Pending)
        );
        assert!(s.outbound(v, "SetVariables", &json!({})).is_ok());
        assert_eq!(
            s.inbound("StatusNotification").map(|e| e.code),
            Some(ErrorCode::SecurityError)
        );
        assert!(s.inbound("BootNotification").is_none());
        s.outbound(
            v,
            "TriggerMessage",
            &json!({"requestedMessage": "StatusNotification"}),
        )
        .expect("allowed");
        assert!(s.inbound("StatusNotification").is_none());
        s.outbound(v, "GetBaseReport", &json!({"requestId": 1}))
            .expect("allowed");
        assert!(s.inbound("NotifyReport").is_none());
        assert!(s.inbound("TransactionEvent").is_some());
        assert!(may_send(
            OcppVersion::V16,
            Some(BootAnswer::Pending),
            "ChangeConfiguration"
        ));
        assert!(!may_send(
            OcppVersion::V16,
            Some(BootAnswer::Pending),
            "RemoteStartTransaction"
        ));
        assert!(!may_send(
            OcppVersion::V16,
            Some(BootAnswer::Rejected),
            "GetConfiguration"
        ));
        assert!(may_send(OcppVersion::V16, None, "RemoteStartTransaction"));
        let fresh = BootState::default();
        assert!(fresh.inbound("StatusNotification").is_none());
    }
}
