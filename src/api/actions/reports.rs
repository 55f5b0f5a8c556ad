//! Report requests (OCPP 2.0.1 only; 1.6 answers 501): `get-report`, `get-base-report`,
//! `get-monitoring-report`, `customer-information`, `get-charging-profiles` and
//! `get-display-messages`. Each allocates a request id, records the request, sends the
//! call and answers 202 `{success, requestId, status}`; the charger's parts are then
//! assembled under that requestId (`charge-points/v2.0/{id}/reports/{requestId}`) and
//! `chargePoint.reportCompleted` is sent when the report is whole.
//!
//! Bodies carry the 2.0.1 request's own fields (camelCase, as the message spells them);
//! unknown fields are ignored; a field that does not fit the message is a 422 naming
//! it, checked before the charger is looked up. A refused or failed call (406, 502)
//! leaves no report behind; one that timed out (504) keeps its pending report, since the
//! charger may have received it.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::post;
use axum::Router;
use serde_json::{json, Map, Value};

use super::{action_error, body, int32, perform, target, MaybeJson, ACTIONS};
use crate::api::error::ApiError;
use crate::api::ApiState;
use crate::charger::outbound::{self, ActionError};
use crate::domain::action::Action;
use crate::domain::report::{ReportCall, ReportRequest};
use crate::ocpp::OcppVersion;

/// The report actions' routes (full paths).
pub fn routes() -> Router<Arc<ApiState>> {
    const CP2: &str = "/charge-point/v2.0/{chargePoint}";
    let at = |tail: &str| format!("{ACTIONS}{CP2}/{tail}");
    Router::new()
        .route(&at("get-report"), post(get_report))
        .route(&at("get-base-report"), post(get_base_report))
        .route(&at("get-monitoring-report"), post(get_monitoring_report))
        .route(&at("customer-information"), post(customer_information))
        .route(&at("get-charging-profiles"), post(get_charging_profiles))
        .route(&at("get-display-messages"), post(get_display_messages))
}

type Body = MaybeJson<Map<String, Value>>;
type Cp = Path<String>;
type St = State<Arc<ApiState>>;

/// `POST charge-point/v2.0/{cp}/get-report` `{componentCriteria?, componentVariable?}`
/// (B08).
async fn get_report(State(s): St, Path(cp): Cp, MaybeJson(b): Body) -> Result<Response, ApiError> {
    let fields = pick(b, &["componentCriteria", "componentVariable"]);
    ask(&s, &cp, ReportCall::GetReport, fields).await
}

/// `POST charge-point/v2.0/{cp}/get-base-report` `{reportBase}`: ConfigurationInventory,
/// FullInventory or SummaryInventory (B07).
async fn get_base_report(
    State(s): St,
    Path(cp): Cp,
    MaybeJson(b): Body,
) -> Result<Response, ApiError> {
    let fields = pick(b, &["reportBase"]);
    if !fields.contains_key("reportBase") {
        return Err(ApiError::field(
            "reportBase",
            "The reportBase field is required.",
        ));
    }
    ask(&s, &cp, ReportCall::GetBaseReport, fields).await
}

/// `POST charge-point/v2.0/{cp}/get-monitoring-report`
/// `{monitoringCriteria?, componentVariable?}` (N02).
async fn get_monitoring_report(
    State(s): St,
    Path(cp): Cp,
    MaybeJson(b): Body,
) -> Result<Response, ApiError> {
    let fields = pick(b, &["monitoringCriteria", "componentVariable"]);
    ask(&s, &cp, ReportCall::GetMonitoringReport, fields).await
}

/// `POST charge-point/v2.0/{cp}/customer-information` `{report, clear,
/// customerIdentifier | idToken | customerCertificate}` (N09 report, N10 clear).
async fn customer_information(
    State(s): St,
    Path(cp): Cp,
    MaybeJson(b): Body,
) -> Result<Response, ApiError> {
    let mut fields = pick(
        b,
        &[
            "report",
            "clear",
            "customerIdentifier",
            "idToken",
            "customerCertificate",
        ],
    );
    for flag in ["report", "clear"] {
        match fields.get(flag) {
            None => {
                fields.insert(flag.into(), json!(false));
            }
            Some(Value::Bool(_)) => {}
            Some(_) => {
                return Err(ApiError::field(
                    flag,
                    format!("The {flag} must be true or false."),
                ))
            }
        }
    }
    if fields["report"] != true && fields["clear"] != true {
        return Err(ApiError::field(
            "report",
            "Ask for a report, a clear, or both.",
        ));
    }
    // The request names its customer by exactly one identifier.
    let named = ["customerIdentifier", "idToken", "customerCertificate"]
        .iter()
        .filter(|f| fields.contains_key(**f))
        .count();
    if named != 1 {
        return Err(ApiError::field(
            "customerIdentifier",
            "Give exactly one of customerIdentifier, idToken and customerCertificate.",
        ));
    }
    ask(&s, &cp, ReportCall::CustomerInformation, fields).await
}

/// `POST charge-point/v2.0/{cp}/get-charging-profiles` `{chargingProfile?, evseId?}`:
/// the criteria (none: every profile) and the EVSE (K09).
async fn get_charging_profiles(
    State(s): St,
    Path(cp): Cp,
    MaybeJson(b): Body,
) -> Result<Response, ApiError> {
    let mut fields = pick(b, &["chargingProfile", "evseId"]);
    fields.entry("chargingProfile").or_insert_with(|| json!({}));
    ask(&s, &cp, ReportCall::GetChargingProfiles, fields).await
}

/// `POST charge-point/v2.0/{cp}/get-display-messages` `{id?, priority?, state?}` (O04).
async fn get_display_messages(
    State(s): St,
    Path(cp): Cp,
    MaybeJson(b): Body,
) -> Result<Response, ApiError> {
    let fields = pick(b, &["id", "priority", "state"]);
    ask(&s, &cp, ReportCall::GetDisplayMessages, fields).await
}

/// The body's fields the message has (null ones left out).
fn pick(mut body: Map<String, Value>, names: &[&str]) -> Map<String, Value> {
    names
        .iter()
        .filter_map(|n| {
            body.remove(*n)
                .filter(|v| !v.is_null())
                .map(|v| ((*n).to_owned(), v))
        })
        .collect()
}

/// Sends a report request and records it under its request id.
async fn ask(
    state: &ApiState,
    cp: &str,
    call: ReportCall,
    fields: Map<String, Value>,
) -> Result<Response, ApiError> {
    let mut request = ReportRequest {
        call,
        request_id: 0,
        fields,
    };
    // The body is checked before anything else is.
    if let Err(ActionError::Invalid { field, message }) =
        outbound::encode(OcppVersion::V201, &Action::Report(request.clone()))
    {
        return Err(ApiError::field(&field, message));
    }
    let t = target(state, cp).await?;
    outbound::encode(t.handle.version(), &Action::Report(request.clone()))
        .map_err(|e| action_error(&t.cp, e))?;
    let store = state
        .shared
        .store
        .clone()
        .reports()
        .ok_or_else(|| ApiError::NotImplemented("This store keeps no reports.".into()))?;
    let request_id = state.resources.new_request_id(t.cp.id, call.path()).await?;
    request.request_id = int32(request_id)?;
    let kind = call.kind();
    store
        .request_report(
            t.cp.id,
            kind.name().into(),
            request_id,
            request.record(),
            false,
        )
        .await?;
    match perform(&t, &Action::Report(request.clone())).await {
        Ok(outcome) => {
            let status = outcome.answer()["status"]
                .as_str()
                .unwrap_or("Accepted")
                .to_owned();
            if kind.empty_answer(&status) {
                store
                    .request_report(
                        t.cp.id,
                        kind.name().into(),
                        request_id,
                        request.record(),
                        true,
                    )
                    .await?;
            }
            Ok(body(
                StatusCode::ACCEPTED,
                json!({"success": true, "requestId": request_id, "status": status}),
            ))
        }
        Err(e) => {
            if !matches!(e, ApiError::GatewayTimeout(_)) {
                store
                    .drop_report_request(t.cp.id, kind.name().into(), request_id)
                    .await?;
            }
            Err(e)
        }
    }
}
