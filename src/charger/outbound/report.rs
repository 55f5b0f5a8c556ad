//! Report requests (`Action::Report`) as 2.0.1 calls: the request's fields with the
//! gateway's `requestId`, checked against rust-ocpp's request type before sending (a
//! misfit names the body field it is under). The answers that mean "nothing to report"
//! (EmptyResultSet, NoProfiles, Unknown) count as accepted: the report is complete and
//! empty (`domain::report::ReportKind::empty_answer`).

use serde::de::DeserializeOwned;
use serde_json::{json, Value};

use super::{ActionError, Request};
use crate::domain::report::{ReportCall, ReportRequest};

/// The 2.0.1 call for a report request.
pub fn v201(r: &ReportRequest) -> Result<Request, ActionError> {
    let mut payload = Value::Object(r.fields.clone());
    payload["requestId"] = json!(r.request_id);
    check(r.call, &payload)?;
    let accepted: &'static [&'static str] = match r.call {
        ReportCall::GetReport | ReportCall::GetBaseReport | ReportCall::GetMonitoringReport => {
            &["Accepted", "EmptyResultSet"]
        }
        ReportCall::CustomerInformation => &["Accepted"],
        ReportCall::GetChargingProfiles => &["Accepted", "NoProfiles"],
        ReportCall::GetDisplayMessages => &["Accepted", "Unknown"],
    };
    Ok(Request::new(r.call.action(), payload, accepted))
}

fn check(call: ReportCall, payload: &Value) -> Result<(), ActionError> {
    use rust_ocpp::v2_0_1::messages as m;
    match call {
        ReportCall::GetReport => shape::<m::get_report::GetReportRequest>(payload),
        ReportCall::GetBaseReport => shape::<m::get_base_report::GetBaseReportRequest>(payload),
        ReportCall::GetMonitoringReport => {
            shape::<m::get_monitoring_report::GetMonitoringReportRequest>(payload)
        }
        ReportCall::CustomerInformation => {
            shape::<m::customer_information::CustomerInformationRequest>(payload)
        }
        ReportCall::GetChargingProfiles => {
            shape::<m::get_charging_profiles::GetChargingProfilesRequest>(payload)
        }
        ReportCall::GetDisplayMessages => {
            shape::<m::get_display_message::GetDisplayMessagesRequest>(payload)
        }
    }
}

fn shape<T: DeserializeOwned>(payload: &Value) -> Result<(), ActionError> {
    serde_path_to_error::deserialize::<_, T>(payload.clone())
        .map(|_| ())
        .map_err(|e| {
            let path = e.path().to_string();
            let field = path
                .split(['.', '['])
                .next()
                .filter(|f| !f.is_empty() && *f != "?")
                .unwrap_or("body")
                .to_owned();
            ActionError::invalid(
                &field,
                format!("The {field} is invalid: {} at {path}", e.inner()),
            )
        })
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Map, Value};

    use super::*;

    fn request(call: ReportCall, fields: Value) -> ReportRequest {
        let fields: Map<String, Value> = serde_json::from_value(fields).expect("an object");
        ReportRequest {
            call,
            request_id: 5,
            fields,
        }
    }

    #[test]
    fn the_request_id_is_added_and_a_misfit_names_its_field() {
        let r = v201(&request(
            ReportCall::GetBaseReport,
            json!({"reportBase": "SummaryInventory"}),
        ))
        .expect("encodes");
        assert_eq!(r.action, "GetBaseReport");
        assert_eq!(
            r.payload,
            json!({"reportBase": "SummaryInventory", "requestId": 5})
        );
        let bad = v201(&request(
            ReportCall::GetReport,
            json!({"componentVariable": [{"component": {}}]}),
        ));
        match bad {
            Err(ActionError::Invalid { field, .. }) => assert_eq!(field, "componentVariable"),
            other => panic!("{other:?}"),
        }
        let none = v201(&request(
            ReportCall::GetChargingProfiles,
            json!({"chargingProfile": {}}),
        ))
        .expect("encodes");
        assert!(none.accepted.contains(&"NoProfiles"));
    }
}
