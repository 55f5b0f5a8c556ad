//! Variable monitoring (OCPP 2.0.1 N04–N06): `set-variable-monitoring` sets monitors on
//! variables of the device model and answers each monitor's status and the id the
//! station gave it; `clear-variable-monitoring` removes monitors by id and answers each
//! id's status; `set-monitoring-base` and `set-monitoring-level` choose which monitors
//! stay active and which severities are reported. A list answer with no monitor
//! accepted is a 406 naming every status; one with some accepted is a 200 whose body
//! tells which. 1.6 has no monitoring: 501.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;

use super::station::check_len;
use super::{body, empty, perform, target};
use crate::api::error::ApiError;
use crate::api::extract::ApiJson;
use crate::api::ApiState;
use crate::domain::action::Action;
use crate::domain::station::{ComponentRef, Monitor, MonitorKind, MonitoringBase};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VariableRef {
    name: String,
    instance: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MonitorBody {
    id: Option<i64>,
    value: f64,
    #[serde(rename = "type")]
    kind: MonitorKind,
    severity: i64,
    #[serde(default)]
    transaction: bool,
    component: ComponentRef,
    variable: VariableRef,
}

#[derive(Deserialize)]
pub struct SetBody {
    monitors: Option<Vec<MonitorBody>>,
}

/// The most monitors one request may carry (the station splits nothing itself; its
/// `ItemsPerMessageSetVariableMonitoring` is usually far lower).
const MAX_MONITORS: usize = 100;

/// `POST charge-point/v1.0/{cp}/set-variable-monitoring` → 200 `{data: [result]}`
pub async fn set(
    State(state): State<Arc<ApiState>>,
    Path(cp): Path<String>,
    ApiJson(b): ApiJson<SetBody>,
) -> Result<Response, ApiError> {
    let list = b.monitors.unwrap_or_default();
    if list.is_empty() || list.len() > MAX_MONITORS {
        return Err(ApiError::field(
            "monitors",
            format!("Give between 1 and {MAX_MONITORS} monitors."),
        ));
    }
    let monitors = list
        .into_iter()
        .enumerate()
        .map(|(i, m)| monitor(i, m))
        .collect::<Result<Vec<_>, _>>()?;
    let t = target(&state, &cp).await?;
    let outcome = perform(&t, &Action::SetVariableMonitoring { monitors }).await?;
    Ok(body(
        StatusCode::OK,
        json!({"data": outcome.answer()["monitors"]}),
    ))
}

fn monitor(i: usize, m: MonitorBody) -> Result<Monitor, ApiError> {
    let at = |f: &str| format!("monitors.{i}.{f}");
    let severity = u8::try_from(m.severity)
        .ok()
        .filter(|s| *s <= 9)
        .ok_or_else(|| ApiError::field(&at("severity"), "The severity must be 0 to 9."))?;
    if !m.value.is_finite() {
        return Err(ApiError::field(&at("value"), "The value must be a number."));
    }
    let id =
        m.id.map(|id| i32::try_from(id).ok().filter(|id| *id >= 0))
            .map(|id| id.ok_or_else(|| ApiError::field(&at("id"), "The id is not a valid id.")))
            .transpose()?;
    for (field, text, max) in [
        ("component.name", m.component.name.as_str(), 50),
        (
            "component.instance",
            m.component.instance.as_deref().unwrap_or(""),
            50,
        ),
        ("variable.name", m.variable.name.as_str(), 50),
        (
            "variable.instance",
            m.variable.instance.as_deref().unwrap_or(""),
            50,
        ),
    ] {
        check_len(&at(field), text, max)?;
    }
    if m.component.name.is_empty() || m.variable.name.is_empty() {
        return Err(ApiError::field(
            &at("component"),
            "The component and variable names are required.",
        ));
    }
    if m.component.connector_id.is_some() && m.component.evse_id.is_none() {
        return Err(ApiError::field(
            &at("component.connectorId"),
            "A connectorId needs its evseId.",
        ));
    }
    Ok(Monitor {
        id,
        value: m.value,
        kind: m.kind,
        severity,
        transaction: m.transaction,
        component: m.component,
        variable: m.variable.name,
        variable_instance: m.variable.instance,
    })
}

#[derive(Deserialize)]
pub struct ClearBody {
    ids: Option<Vec<i64>>,
}

/// `POST charge-point/v1.0/{cp}/clear-variable-monitoring` → 200 `{data: [result]}`
pub async fn clear(
    State(state): State<Arc<ApiState>>,
    Path(cp): Path<String>,
    ApiJson(b): ApiJson<ClearBody>,
) -> Result<Response, ApiError> {
    let ids = b.ids.unwrap_or_default();
    if ids.is_empty() || ids.len() > MAX_MONITORS {
        return Err(ApiError::field(
            "ids",
            format!("Give between 1 and {MAX_MONITORS} monitor ids."),
        ));
    }
    let ids = ids
        .into_iter()
        .map(|id| i32::try_from(id).ok().filter(|id| *id >= 0))
        .collect::<Option<Vec<i32>>>()
        .ok_or_else(|| ApiError::field("ids", "Every id must be a valid monitor id."))?;
    let t = target(&state, &cp).await?;
    let outcome = perform(&t, &Action::ClearVariableMonitoring { ids }).await?;
    Ok(body(
        StatusCode::OK,
        json!({"data": outcome.answer()["monitors"]}),
    ))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BaseBody {
    monitoring_base: Option<MonitoringBase>,
}

/// `POST charge-point/v1.0/{cp}/set-monitoring-base` → 202
pub async fn base(
    State(state): State<Arc<ApiState>>,
    Path(cp): Path<String>,
    ApiJson(b): ApiJson<BaseBody>,
) -> Result<Response, ApiError> {
    let base = b.monitoring_base.ok_or_else(|| {
        ApiError::field(
            "monitoringBase",
            "The monitoringBase (All, FactoryDefault or HardWiredOnly) is required.",
        )
    })?;
    let t = target(&state, &cp).await?;
    perform(&t, &Action::SetMonitoringBase { base }).await?;
    Ok(empty(StatusCode::ACCEPTED))
}

#[derive(Deserialize)]
pub struct LevelBody {
    severity: Option<i64>,
}

/// `POST charge-point/v1.0/{cp}/set-monitoring-level` → 202
pub async fn level(
    State(state): State<Arc<ApiState>>,
    Path(cp): Path<String>,
    ApiJson(b): ApiJson<LevelBody>,
) -> Result<Response, ApiError> {
    let severity = b
        .severity
        .and_then(|s| u8::try_from(s).ok())
        .filter(|s| *s <= 9)
        .ok_or_else(|| ApiError::field("severity", "The severity must be 0 to 9."))?;
    let t = target(&state, &cp).await?;
    perform(&t, &Action::SetMonitoringLevel { severity }).await?;
    Ok(empty(StatusCode::ACCEPTED))
}
