//! Reports a charger sends in parts after accepting a request (OCPP 2.0.1 B07/B08
//! NotifyReport, N02 NotifyMonitoringReport, N09/N10 NotifyCustomerInformation, K09
//! ReportChargingProfiles, O04 NotifyDisplayMessages), the requests that ask for them,
//! and the device-model events (N07 NotifyEvent) kept beside them.
//!
//! Every part carries the `requestId` of the request it answers and `tbc` ("to be
//! continued"); most carry a `seqNo` from 0. A report is complete once the part with
//! `tbc` false has arrived and, where parts are numbered, every number up to it: parts
//! may come out of order, and a charger that repeats a part (it lost our answer) has it
//! counted once, the first copy kept. ReportChargingProfiles and NotifyDisplayMessages
//! carry no `seqNo`: they are numbered in arrival order, and a part repeated word for
//! word is dropped.

use serde_json::{json, Map, Value};

/// The families of multi-part reports, by what the charger sends.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReportKind {
    /// Device model (GetReport, GetBaseReport → NotifyReport).
    Report,
    /// Monitors (GetMonitoringReport → NotifyMonitoringReport).
    MonitoringReport,
    /// Customer information (CustomerInformation → NotifyCustomerInformation).
    CustomerInformation,
    /// Installed charging profiles (GetChargingProfiles → ReportChargingProfiles).
    ChargingProfiles,
    /// Display messages (GetDisplayMessages → NotifyDisplayMessages).
    DisplayMessages,
}

impl ReportKind {
    /// Every kind.
    pub const ALL: [ReportKind; 5] = [
        ReportKind::Report,
        ReportKind::MonitoringReport,
        ReportKind::CustomerInformation,
        ReportKind::ChargingProfiles,
        ReportKind::DisplayMessages,
    ];

    /// The name the API and the store use.
    pub fn name(self) -> &'static str {
        match self {
            ReportKind::Report => "report",
            ReportKind::MonitoringReport => "monitoringReport",
            ReportKind::CustomerInformation => "customerInformation",
            ReportKind::ChargingProfiles => "chargingProfiles",
            ReportKind::DisplayMessages => "displayMessages",
        }
    }

    /// The kind of an API / store name.
    pub fn parse(name: &str) -> Option<ReportKind> {
        Self::ALL.into_iter().find(|k| k.name() == name)
    }

    /// The OCPP message that carries this kind's parts.
    pub fn message(self) -> &'static str {
        match self {
            ReportKind::Report => "NotifyReport",
            ReportKind::MonitoringReport => "NotifyMonitoringReport",
            ReportKind::CustomerInformation => "NotifyCustomerInformation",
            ReportKind::ChargingProfiles => "ReportChargingProfiles",
            ReportKind::DisplayMessages => "NotifyDisplayMessages",
        }
    }

    /// The kind whose parts `message` carries.
    pub fn of_message(message: &str) -> Option<ReportKind> {
        Self::ALL.into_iter().find(|k| k.message() == message)
    }

    /// Whether the parts are numbered (`seqNo`).
    pub fn numbered(self) -> bool {
        !matches!(
            self,
            ReportKind::ChargingProfiles | ReportKind::DisplayMessages
        )
    }

    /// The assembled result of `parts`, in order: the lists concatenated (customer
    /// information: the `data` strings joined); charging profiles carry their part's
    /// `evseId` and `chargingLimitSource`.
    pub fn assemble(self, parts: &[Value]) -> Value {
        let list = |field: &str| -> Vec<Value> {
            parts
                .iter()
                .filter_map(|p| p.get(field).and_then(Value::as_array))
                .flatten()
                .cloned()
                .collect()
        };
        match self {
            ReportKind::Report => json!({"reportData": list("reportData")}),
            ReportKind::MonitoringReport => json!({"monitor": list("monitor")}),
            ReportKind::DisplayMessages => json!({"messageInfo": list("messageInfo")}),
            ReportKind::CustomerInformation => {
                let data: String = parts
                    .iter()
                    .filter_map(|p| p.get("data").and_then(Value::as_str))
                    .collect();
                json!({"data": data})
            }
            ReportKind::ChargingProfiles => {
                let mut profiles = Vec::new();
                for p in parts {
                    let items = p.get("chargingProfile").and_then(Value::as_array);
                    for profile in items.into_iter().flatten() {
                        let mut entry = profile.as_object().cloned().unwrap_or_default();
                        entry.insert(
                            "evseId".into(),
                            p.get("evseId").cloned().unwrap_or_default(),
                        );
                        entry.insert(
                            "chargingLimitSource".into(),
                            p.get("chargingLimitSource").cloned().unwrap_or_default(),
                        );
                        profiles.push(Value::Object(entry));
                    }
                }
                json!({"chargingProfiles": profiles})
            }
        }
    }

    /// Whether a charger's answer status to the request means "nothing to report": the
    /// report is complete and empty at once (GetChargingProfiles `NoProfiles`,
    /// GetDisplayMessages `Unknown`, a report request's `EmptyResultSet`).
    pub fn empty_answer(self, status: &str) -> bool {
        match self {
            ReportKind::ChargingProfiles => status == "NoProfiles",
            ReportKind::DisplayMessages => status == "Unknown",
            ReportKind::Report | ReportKind::MonitoringReport => status == "EmptyResultSet",
            ReportKind::CustomerInformation => false,
        }
    }
}

/// One part of a report, as received.
#[derive(Clone, Debug, PartialEq)]
pub struct ReportPart {
    pub kind: ReportKind,
    pub request_id: i64,
    /// The part's number; None for kinds whose parts carry none.
    pub seq_no: Option<i64>,
    /// More parts follow.
    pub tbc: bool,
    /// The message's payload (secrets redacted).
    pub payload: Value,
}

impl ReportPart {
    /// The part `message` carries, when it is a report part with a request id.
    pub fn of_message(message: &str, payload: &Value) -> Option<ReportPart> {
        let kind = ReportKind::of_message(message)?;
        Some(ReportPart {
            kind,
            request_id: payload.get("requestId").and_then(Value::as_i64)?,
            seq_no: kind
                .numbered()
                .then(|| payload.get("seqNo").and_then(Value::as_i64))
                .flatten(),
            tbc: payload.get("tbc").and_then(Value::as_bool).unwrap_or(false),
            payload: payload.clone(),
        })
    }
}

/// The 2.0.1 requests that ask for a multi-part report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportCall {
    GetReport,
    GetBaseReport,
    GetMonitoringReport,
    CustomerInformation,
    GetChargingProfiles,
    GetDisplayMessages,
}

impl ReportCall {
    /// The OCPP action name.
    pub fn action(self) -> &'static str {
        match self {
            ReportCall::GetReport => "GetReport",
            ReportCall::GetBaseReport => "GetBaseReport",
            ReportCall::GetMonitoringReport => "GetMonitoringReport",
            ReportCall::CustomerInformation => "CustomerInformation",
            ReportCall::GetChargingProfiles => "GetChargingProfiles",
            ReportCall::GetDisplayMessages => "GetDisplayMessages",
        }
    }

    /// The gateway's action path name.
    pub fn path(self) -> &'static str {
        match self {
            ReportCall::GetReport => "get-report",
            ReportCall::GetBaseReport => "get-base-report",
            ReportCall::GetMonitoringReport => "get-monitoring-report",
            ReportCall::CustomerInformation => "customer-information",
            ReportCall::GetChargingProfiles => "get-charging-profiles",
            ReportCall::GetDisplayMessages => "get-display-messages",
        }
    }

    /// The kind of report the answer comes as.
    pub fn kind(self) -> ReportKind {
        match self {
            ReportCall::GetReport | ReportCall::GetBaseReport => ReportKind::Report,
            ReportCall::GetMonitoringReport => ReportKind::MonitoringReport,
            ReportCall::CustomerInformation => ReportKind::CustomerInformation,
            ReportCall::GetChargingProfiles => ReportKind::ChargingProfiles,
            ReportCall::GetDisplayMessages => ReportKind::DisplayMessages,
        }
    }
}

/// A request for a report: the call, the gateway's request id and the request's other
/// fields as the 2.0.1 message spells them (checked before sending).
#[derive(Clone, Debug, PartialEq)]
pub struct ReportRequest {
    pub call: ReportCall,
    pub request_id: i32,
    pub fields: Map<String, Value>,
}

impl ReportRequest {
    /// The request as the report keeps it: `action` and the fields sent.
    pub fn record(&self) -> Value {
        let mut v = self.fields.clone();
        v.insert("action".into(), json!(self.call.action()));
        v.insert("requestId".into(), json!(self.request_id));
        Value::Object(v)
    }

    /// Whether the report answering `record` (see [`ReportRequest::record`]) holds only
    /// part of the device model, so that its NotifyReport must not replace the
    /// configuration snapshot: a GetReport, or a base report other than FullInventory.
    pub fn partial_inventory(record: &Value) -> bool {
        match record.get("action").and_then(Value::as_str) {
            Some("GetReport") => true,
            Some("GetBaseReport") => record["reportBase"] != "FullInventory",
            _ => false,
        }
    }
}

/// One entry of a NotifyEvent's `eventData`.
#[derive(Clone, Debug, PartialEq)]
pub struct DeviceEvent {
    pub event_id: i64,
    pub timestamp: String,
    pub trigger: String,
    pub cause: Option<i64>,
    pub actual_value: String,
    pub tech_code: Option<String>,
    pub tech_info: Option<String>,
    pub cleared: Option<bool>,
    pub transaction_id: Option<String>,
    pub variable_monitoring_id: Option<i64>,
    pub notification_type: String,
    /// The component and variable as the charger named them.
    pub component: Value,
    pub variable: Value,
}

/// A NotifyEvent message: its events and where it sits in its series.
#[derive(Clone, Debug, PartialEq)]
pub struct DeviceEvents {
    pub generated_at: String,
    pub seq_no: i64,
    pub tbc: bool,
    pub events: Vec<DeviceEvent>,
}

impl DeviceEvents {
    /// The events of a NotifyEvent payload (entries without an event id are skipped).
    pub fn of_payload(payload: &Value) -> DeviceEvents {
        let text = |v: &Value, f: &str| v.get(f).and_then(Value::as_str).map(str::to_owned);
        // Times as the gateway writes them (UTC, milliseconds), whatever offset they came in.
        let time = |v: &Value, f: &str| {
            text(v, f)
                .map(|t| super::time::parse(&t).map(super::time::text).unwrap_or(t))
                .unwrap_or_default()
        };
        let events = payload
            .get("eventData")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|e| {
                Some(DeviceEvent {
                    event_id: e.get("eventId").and_then(Value::as_i64)?,
                    timestamp: time(e, "timestamp"),
                    trigger: text(e, "trigger").unwrap_or_default(),
                    cause: e.get("cause").and_then(Value::as_i64),
                    actual_value: text(e, "actualValue").unwrap_or_default(),
                    tech_code: text(e, "techCode"),
                    tech_info: text(e, "techInfo"),
                    cleared: e.get("cleared").and_then(Value::as_bool),
                    transaction_id: text(e, "transactionId"),
                    variable_monitoring_id: e.get("variableMonitoringId").and_then(Value::as_i64),
                    notification_type: text(e, "eventNotificationType").unwrap_or_default(),
                    component: e.get("component").cloned().unwrap_or_default(),
                    variable: e.get("variable").cloned().unwrap_or_default(),
                })
            })
            .collect();
        DeviceEvents {
            generated_at: time(payload, "generatedAt"),
            seq_no: payload.get("seqNo").and_then(Value::as_i64).unwrap_or(0),
            tbc: payload.get("tbc").and_then(Value::as_bool).unwrap_or(false),
            events,
        }
    }
}

/// A device event as the API and the notifications show it.
pub fn device_event_json(e: &DeviceEvent) -> Value {
    let mut v = json!({
        "eventId": e.event_id,
        "timestamp": e.timestamp,
        "trigger": e.trigger,
        "actualValue": e.actual_value,
        "eventNotificationType": e.notification_type,
        "component": e.component,
        "variable": e.variable,
    });
    let mut put = |k: &str, x: Option<Value>| {
        if let (Some(obj), Some(x)) = (v.as_object_mut(), x) {
            obj.insert(k.into(), x);
        }
    };
    put("cause", e.cause.map(Value::from));
    put("techCode", e.tech_code.clone().map(Value::from));
    put("techInfo", e.tech_info.clone().map(Value::from));
    put("cleared", e.cleared.map(Value::from));
    put("transactionId", e.transaction_id.clone().map(Value::from));
    put(
        "variableMonitoringId",
        e.variable_monitoring_id.map(Value::from),
    );
    v
}

/// Configuration entries of a 2.0.1 NotifyReport, keyed by the variable's whole identity
/// (`domain::variable`, the key form the actions use), from each variable's Actual
/// attribute.
pub fn report_entries(payload: &serde_json::Value) -> Vec<super::notification::ConfigurationEntry> {
    use serde_json::Value;
    let data = payload.get("reportData").and_then(Value::as_array);
    data.into_iter()
        .flatten()
        .filter_map(|d| {
            let attributes = d.get("variableAttribute").and_then(Value::as_array)?;
            let actual = attributes
                .iter()
                .find(|a| a.get("type").and_then(Value::as_str).unwrap_or("Actual") == "Actual")?;
            Some(super::notification::ConfigurationEntry {
                key: super::variable::VariableKey::of_entry(d).to_string(),
                value: actual
                    .get("value")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
                readonly: actual.get("mutability").and_then(Value::as_str) == Some("ReadOnly"),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_are_read_and_assembled_in_order() {
        let p = ReportPart::of_message(
            "NotifyReport",
            &json!({"requestId": 7, "seqNo": 2, "tbc": true, "reportData": [1]}),
        )
        .expect("a part");
        assert_eq!((p.request_id, p.seq_no, p.tbc), (7, Some(2), true));
        let none = ReportPart::of_message("ReportChargingProfiles", &json!({"requestId": 1}));
        assert_eq!(none.expect("a part").seq_no, None);
        assert!(ReportPart::of_message("Heartbeat", &json!({})).is_none());
        let joined = ReportKind::CustomerInformation
            .assemble(&[json!({"data": "ab"}), json!({"data": "cd"})]);
        assert_eq!(joined["data"], "abcd");
        let profiles = ReportKind::ChargingProfiles.assemble(&[json!({
            "evseId": 1, "chargingLimitSource": "CSO", "chargingProfile": [{"id": 3}]
        })]);
        assert_eq!(profiles["chargingProfiles"][0]["evseId"], 1);
        assert!(ReportKind::ChargingProfiles.empty_answer("NoProfiles"));
        assert!(ReportRequest::partial_inventory(
            &json!({"action": "GetBaseReport", "reportBase": "SummaryInventory"})
        ));
        let events = DeviceEvents::of_payload(&json!({
            "generatedAt": "2025-01-01T13:00:00+03:00", "seqNo": 3,
            "eventData": [{"eventId": 4, "timestamp": "2025-01-01T12:00:00.5+02:00",
                "trigger": "Delta", "actualValue": "1", "eventNotificationType": "CustomMonitor",
                "component": {"name": "EVSE"}, "variable": {"name": "Power"}}, {"trigger": "Delta"}],
        }));
        assert_eq!(events.generated_at, "2025-01-01T10:00:00.000Z");
        assert_eq!(
            events.events.len(),
            1,
            "an entry without an event id is skipped"
        );
        assert_eq!(events.events[0].timestamp, "2025-01-01T10:00:00.500Z");
        assert!(!ReportRequest::partial_inventory(
            &json!({"action": "GetBaseReport", "reportBase": "FullInventory"})
        ));
    }
}
