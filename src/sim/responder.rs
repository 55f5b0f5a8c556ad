//! How a simulated charger answers the CSMS's calls.
//!
//! [`Responder::Auto`] answers at once with a schema-valid payload per action and
//! version ([`Outcome::Accepted`] by default, or the action's own "no" with
//! [`Outcome::Rejected`]), unless an override is set for the action.
//! [`Responder::Manual`] hands each call to the test, which may answer late or never.

use std::collections::HashMap;

use serde_json::{json, Value};

use crate::ocpp::OcppVersion;

use super::device;

/// How every answerable call is answered, unless overridden per action.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Outcome {
    /// The positive status of each action (`Accepted`, `Unlocked`, ...).
    #[default]
    Accepted,
    /// The negative status of each action (`Rejected`, `UnlockFailed`, `Unknown`, ...).
    Rejected,
}

/// One answer to a CSMS CALL.
#[derive(Clone, Debug, PartialEq)]
pub enum Answer {
    /// A CALLRESULT with this payload.
    Result(Value),
    /// A CALLERROR.
    Error {
        /// The error code to write on the wire, e.g. `NotSupported`.
        code: String,
        /// The error description.
        description: String,
    },
}

/// The answers of an automatic responder.
#[derive(Clone, Debug, Default)]
pub struct AutoAnswers {
    /// The outcome of every action without an override.
    pub outcome: Outcome,
    /// Fixed answers per action name, taking precedence over `outcome`.
    pub overrides: HashMap<String, Answer>,
}

/// How the simulated charger answers calls from the CSMS.
#[derive(Clone, Debug)]
pub enum Responder {
    /// Answer every call at once (see [`AutoAnswers`]).
    Auto(AutoAnswers),
    /// Answer nothing: each call waits for `SimCharger::answer` / `answer_error`.
    Manual,
}

impl Default for Responder {
    fn default() -> Self {
        Responder::accepting()
    }
}

impl Responder {
    /// Answers every call positively.
    pub fn accepting() -> Self {
        Responder::with_outcome(Outcome::Accepted)
    }

    /// Answers every call with the action's negative status.
    pub fn rejecting() -> Self {
        Responder::with_outcome(Outcome::Rejected)
    }

    /// Answers every call with `outcome`.
    pub fn with_outcome(outcome: Outcome) -> Self {
        Responder::Auto(AutoAnswers {
            outcome,
            overrides: HashMap::new(),
        })
    }

    /// Answers `action` with this CALLRESULT payload. Turns a manual responder into an
    /// accepting automatic one first.
    pub fn answer_with(self, action: impl Into<String>, payload: Value) -> Self {
        self.with_override(action.into(), Answer::Result(payload))
    }

    /// Answers `action` with a CALLERROR. Turns a manual responder into an accepting
    /// automatic one first.
    pub fn error_with(
        self,
        action: impl Into<String>,
        code: impl Into<String>,
        description: impl Into<String>,
    ) -> Self {
        let answer = Answer::Error {
            code: code.into(),
            description: description.into(),
        };
        self.with_override(action.into(), answer)
    }

    fn with_override(self, action: String, answer: Answer) -> Self {
        let mut auto = match self {
            Responder::Auto(auto) => auto,
            Responder::Manual => AutoAnswers::default(),
        };
        auto.overrides.insert(action, answer);
        Responder::Auto(auto)
    }

    /// Whether calls are left to the test.
    pub fn is_manual(&self) -> bool {
        matches!(self, Responder::Manual)
    }

    /// The answer to a CALL of `action` with `request`, or `None` when the test answers.
    /// Actions without a default answer get a `NotImplemented` CALLERROR, as a real
    /// charger would send.
    pub fn answer(&self, version: OcppVersion, action: &str, request: &Value) -> Option<Answer> {
        let Responder::Auto(auto) = self else {
            return None;
        };
        if let Some(answer) = auto.overrides.get(action) {
            return Some(answer.clone());
        }
        Some(
            default_answer(version, action, request, auto.outcome).map_or_else(
                || Answer::Error {
                    code: "NotImplemented".to_owned(),
                    description: format!("{action} is not implemented by the simulator"),
                },
                Answer::Result,
            ),
        )
    }
}

/// Actions answered with `{"status": ..}` alone: (action, positive, negative).
const STATUS_V16: &[(&str, &str, &str)] = &[
    ("CancelReservation", "Accepted", "Rejected"),
    ("CertificateSigned", "Accepted", "Rejected"),
    ("ChangeAvailability", "Accepted", "Rejected"),
    ("ChangeConfiguration", "Accepted", "Rejected"),
    ("ClearCache", "Accepted", "Rejected"),
    ("ClearChargingProfile", "Accepted", "Unknown"),
    ("DataTransfer", "Accepted", "Rejected"),
    ("DeleteCertificate", "Accepted", "Failed"),
    ("ExtendedTriggerMessage", "Accepted", "Rejected"),
    ("GetCompositeSchedule", "Accepted", "Rejected"),
    ("GetInstalledCertificateIds", "Accepted", "NotFound"),
    ("InstallCertificate", "Accepted", "Rejected"),
    ("RemoteStartTransaction", "Accepted", "Rejected"),
    ("RemoteStopTransaction", "Accepted", "Rejected"),
    ("ReserveNow", "Accepted", "Rejected"),
    ("Reset", "Accepted", "Rejected"),
    ("SendLocalList", "Accepted", "Failed"),
    ("SetChargingProfile", "Accepted", "Rejected"),
    ("SignedUpdateFirmware", "Accepted", "Rejected"),
    ("TriggerMessage", "Accepted", "Rejected"),
    ("UnlockConnector", "Unlocked", "UnlockFailed"),
];

/// As [`STATUS_V16`], for 2.0.1.
const STATUS_V201: &[(&str, &str, &str)] = &[
    ("CancelReservation", "Accepted", "Rejected"),
    ("CertificateSigned", "Accepted", "Rejected"),
    ("ChangeAvailability", "Accepted", "Rejected"),
    ("ClearCache", "Accepted", "Rejected"),
    ("ClearChargingProfile", "Accepted", "Unknown"),
    ("ClearDisplayMessage", "Accepted", "Unknown"),
    ("CustomerInformation", "Accepted", "Rejected"),
    ("DataTransfer", "Accepted", "Rejected"),
    ("DeleteCertificate", "Accepted", "Failed"),
    ("GetBaseReport", "Accepted", "Rejected"),
    ("GetChargingProfiles", "Accepted", "NoProfiles"),
    ("GetCompositeSchedule", "Accepted", "Rejected"),
    ("GetDisplayMessages", "Accepted", "Unknown"),
    ("GetInstalledCertificateIds", "Accepted", "NotFound"),
    ("GetMonitoringReport", "Accepted", "Rejected"),
    ("GetReport", "Accepted", "Rejected"),
    ("InstallCertificate", "Accepted", "Rejected"),
    ("PublishFirmware", "Accepted", "Rejected"),
    ("RequestStartTransaction", "Accepted", "Rejected"),
    ("RequestStopTransaction", "Accepted", "Rejected"),
    ("ReserveNow", "Accepted", "Rejected"),
    ("Reset", "Accepted", "Rejected"),
    ("SendLocalList", "Accepted", "Failed"),
    ("SetChargingProfile", "Accepted", "Rejected"),
    ("SetDisplayMessage", "Accepted", "Rejected"),
    ("SetMonitoringBase", "Accepted", "Rejected"),
    ("SetMonitoringLevel", "Accepted", "Rejected"),
    ("SetNetworkProfile", "Accepted", "Rejected"),
    ("TriggerMessage", "Accepted", "Rejected"),
    ("UnlockConnector", "Unlocked", "UnlockFailed"),
    ("UnpublishFirmware", "Unpublished", "NoFirmware"),
    ("UpdateFirmware", "Accepted", "Rejected"),
];

/// Actions whose answer is built from the request or has no status.
const SPECIAL_V16: &[&str] = &[
    "GetConfiguration",
    "GetDiagnostics",
    "GetLocalListVersion",
    "GetLog",
    "UpdateFirmware",
];

/// As [`SPECIAL_V16`], for 2.0.1.
const SPECIAL_V201: &[&str] = &[
    "CostUpdated",
    "GetLocalListVersion",
    "GetLog",
    "GetTransactionStatus",
    "GetVariables",
    "SetVariables",
    "SetVariableMonitoring",
    "ClearVariableMonitoring",
];

/// Every CSMS action the automatic responder answers for `version` without an override.
pub fn answered_actions(version: OcppVersion) -> Vec<&'static str> {
    let (status, special) = match version {
        OcppVersion::V16 => (STATUS_V16, SPECIAL_V16),
        OcppVersion::V201 => (STATUS_V201, SPECIAL_V201),
    };
    let mut all: Vec<&str> = status.iter().map(|(a, _, _)| *a).collect();
    all.extend_from_slice(special);
    all.sort_unstable();
    all
}

/// The schema-valid answer of a well-behaved charger, or `None` for an action the
/// simulator does not implement.
fn default_answer(
    version: OcppVersion,
    action: &str,
    request: &Value,
    outcome: Outcome,
) -> Option<Value> {
    let ok = outcome == Outcome::Accepted;
    let table = match version {
        OcppVersion::V16 => STATUS_V16,
        OcppVersion::V201 => STATUS_V201,
    };
    if let Some((_, yes, no)) = table.iter().find(|(a, _, _)| *a == action) {
        let status = if ok { yes } else { no };
        return Some(json!({ "status": status }));
    }
    match (version, action) {
        (OcppVersion::V16, "GetConfiguration") => Some(device::get_configuration(request, ok)),
        (OcppVersion::V16, "GetDiagnostics") if ok => {
            Some(json!({ "fileName": "diagnostics.log" }))
        }
        (OcppVersion::V16, "GetDiagnostics" | "UpdateFirmware") => Some(json!({})),
        (OcppVersion::V16, "GetLocalListVersion") => Some(json!({ "listVersion": 0 })),
        (OcppVersion::V201, "GetLocalListVersion") => Some(json!({ "versionNumber": 0 })),
        (_, "GetLog") if ok => Some(json!({ "status": "Accepted", "filename": "sim.log" })),
        (_, "GetLog") => Some(json!({ "status": "Rejected" })),
        (OcppVersion::V201, "CostUpdated") => Some(json!({})),
        (OcppVersion::V201, "GetTransactionStatus") => Some(json!({ "messagesInQueue": false })),
        (OcppVersion::V201, "GetVariables") => Some(device::get_variables(request, ok)),
        (OcppVersion::V201, "SetVariables") => Some(device::set_variables(request, ok)),
        (OcppVersion::V201, "SetVariableMonitoring") => Some(set_monitoring(request, ok)),
        (OcppVersion::V201, "ClearVariableMonitoring") => Some(clear_monitoring(request, ok)),
        _ => None,
    }
}

/// A SetVariableMonitoring answer: each monitor accepted with an id (its own, or one
/// numbered from 1), or each rejected.
fn set_monitoring(request: &Value, ok: bool) -> Value {
    let data = request["setMonitoringData"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let results: Vec<Value> = data
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let mut r = json!({
                "status": if ok { "Accepted" } else { "Rejected" },
                "type": m["type"], "severity": m["severity"],
                "component": m["component"], "variable": m["variable"],
            });
            if ok {
                r["id"] = m.get("id").cloned().unwrap_or_else(|| json!(i + 1));
            }
            r
        })
        .collect();
    json!({ "setMonitoringResult": results })
}

/// A ClearVariableMonitoring answer: each id accepted, or each rejected.
fn clear_monitoring(request: &Value, ok: bool) -> Value {
    let ids = request["id"].as_array().cloned().unwrap_or_default();
    let status = if ok { "Accepted" } else { "Rejected" };
    let results: Vec<Value> = ids
        .iter()
        .map(|id| json!({ "id": id, "status": status }))
        .collect();
    json!({ "clearMonitoringResult": results })
}
