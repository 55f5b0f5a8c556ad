//! Plug & Charge over the API: the `provisioning-certificates/v2.0` resource (the
//! vehicles' OEM provisioning certificates; create, list, read, update, delete) and the
//! certificate actions `provisioning-certificate/v1.0/{id}/issue-emaid` and
//! `id-tag/v1.0/{id}/reissue-emaid`.
//!
//! Beyond the reference's fields, a provisioning certificate carries `certificate`: the
//! PEM of the OEM provisioning certificate (optionally followed by its sub-CAs), checked
//! against `pnc.oem_roots` and its dates; its subject CN must be the `pcId`. The
//! `issue-emaid` body may carry `emaid` to ask for that EMAID instead of one the provider
//! assigns. Both actions answer 202 once the contract certificate is issued and recorded
//! and its id tag (`idTagUid` = the EMAID, type `emaid`) is enabled; 501 without a
//! provider; 502 when the provider fails or answers unusably; 504 when it times out.

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::actions::{MaybeJson, ACTIONS};
use super::error::{ApiError, FieldErrors};
use super::extract::{id, ApiJson};
use super::list::ListParams;
use super::{ApiState, RESOURCES};
use crate::pnc::provider::ProviderError;
use crate::pnc::PncError;
use crate::store::pnc::{NewProvisioning, ProvisioningPatch, ProvisioningRecord};
use crate::store::PncStore;
use crate::store::ResourceError;

const VEHICLE_TYPES: &[&str] = &["company", "private"];
const MAX_TEXT: usize = 255;

/// The routes (full paths).
pub fn routes() -> Router<Arc<ApiState>> {
    Router::new()
        .route(
            &format!("{RESOURCES}/provisioning-certificates/v2.0"),
            get(list).post(create),
        )
        .route(
            &format!("{RESOURCES}/provisioning-certificates/v2.0/{{provisioningCertificate}}"),
            get(read).patch(update).delete(delete),
        )
        .route(
            &format!(
                "{ACTIONS}/provisioning-certificate/v1.0/{{provisioningCertificate}}/issue-emaid"
            ),
            post(issue_emaid),
        )
        .route(
            &format!("{ACTIONS}/id-tag/v1.0/{{idTag}}/reissue-emaid"),
            post(reissue_emaid),
        )
}

impl From<PncError> for ApiError {
    fn from(e: PncError) -> ApiError {
        match e {
            PncError::NotConfigured(m) => ApiError::NotImplemented(m),
            PncError::NotFound(what) => ApiError::not_found(what),
            PncError::Invalid { field, message } => ApiError::field(field, message),
            PncError::Provider(p) => match p {
                ProviderError::Timeout(_) => ApiError::GatewayTimeout(p.to_string()),
                ProviderError::Refused(_) => ApiError::NotAcceptable(p.to_string()),
                ProviderError::Unsupported(m) => ApiError::NotImplemented(m),
                ProviderError::Unavailable(_) | ProviderError::BadAnswer(_) => {
                    ApiError::BadGateway(p.to_string())
                }
            },
            PncError::Resource(r) => r.into(),
        }
    }
}

fn store(state: &ApiState) -> Result<&Arc<dyn PncStore>, ApiError> {
    Ok(state.shared.pnc.store()?)
}

/// The id tags issued for a provisioning certificate, as the reference lists them.
async fn id_tags(state: &ApiState, p: &ProvisioningRecord) -> Result<Vec<Value>, ApiError> {
    let contracts = store(state)?.contracts_of(p.id).await?;
    let ids: BTreeSet<i64> = contracts.iter().map(|c| c.id_tag_id).collect();
    let mut out = Vec::new();
    for tag_id in ids {
        if let Some(t) = state.resources.id_tag(tag_id).await? {
            let status = if t.status == "enabled" {
                "active"
            } else {
                t.status.as_str()
            };
            let mut v = Map::new();
            v.insert("id".into(), json!(t.id));
            v.insert("name".into(), json!(t.uid));
            v.insert("type".into(), json!(t.kind));
            v.insert("status".into(), json!(status));
            if let Some(at) = &t.expire_at {
                v.insert("expireAt".into(), json!(at));
            }
            out.push(Value::Object(v));
        }
    }
    Ok(out)
}

async fn render(state: &ApiState, p: ProvisioningRecord) -> Result<Value, ApiError> {
    let tags = id_tags(state, &p).await?;
    Ok(json!({
        "id": p.id,
        "pcId": p.pc_id,
        "name": p.name,
        "vehicleType": p.vehicle_type,
        "userId": p.user_id,
        "idTags": tags,
        "certificate": p.certificate,
        "createdAt": p.created_at,
        "lastUpdatedAt": p.updated_at,
    }))
}

/// A create or update body (`idTags` is read-only: the EMAID actions make them).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProvisioningBody {
    pc_id: Option<String>,
    name: Option<String>,
    vehicle_type: Option<String>,
    user_id: Option<i64>,
    certificate: Option<String>,
}

/// Checks a body; `old_pc_id` is the stored PCID when updating.
fn check(
    state: &ApiState,
    body: &ProvisioningBody,
    creating: bool,
    old_pc_id: Option<&str>,
) -> Result<(), ApiError> {
    let mut errors = FieldErrors::new();
    let mut add = |field: &str, message: String| {
        errors.entry(field.to_owned()).or_default().push(message);
    };
    if creating {
        for (field, missing) in [
            ("pcId", body.pc_id.is_none()),
            ("name", body.name.is_none()),
            ("vehicleType", body.vehicle_type.is_none()),
            ("userId", body.user_id.is_none()),
        ] {
            if missing {
                add(field, format!("The {field} field is required."));
            }
        }
    }
    if let Some(pc) = &body.pc_id {
        if pc.is_empty()
            || pc.len() > 64
            || !pc.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            add(
                "pcId",
                "The pcId must be 1 to 64 letters, digits or '-'.".into(),
            );
        }
    }
    if let Some(n) = &body.name {
        if n.trim().is_empty() || n.chars().count() > MAX_TEXT {
            add(
                "name",
                format!("The name must be 1 to {MAX_TEXT} characters."),
            );
        }
    }
    if let Some(t) = body
        .vehicle_type
        .as_deref()
        .filter(|t| !VEHICLE_TYPES.contains(t))
    {
        add(
            "vehicleType",
            format!(
                "The vehicleType {t:?} is not one of: {}.",
                VEHICLE_TYPES.join(", ")
            ),
        );
    }
    if let Some(pem) = &body.certificate {
        match state.shared.pnc.check_provisioning(pem) {
            Ok(p) => {
                let pc_id = body.pc_id.as_deref().or(old_pc_id);
                if pc_id.is_some_and(|id| id != p.pc_id) {
                    add(
                        "certificate",
                        format!(
                            "The certificate is for PCID {:?}, not for pcId {:?}.",
                            p.pc_id,
                            pc_id.unwrap_or_default()
                        ),
                    );
                }
            }
            Err(e) => add(
                "certificate",
                format!("The certificate is not acceptable: {e}."),
            ),
        }
    }
    ApiError::fields(errors)
}

fn duplicate(e: ResourceError) -> ApiError {
    match e {
        ResourceError::NotFound => ApiError::not_found("Provisioning certificate"),
        ResourceError::Duplicate(_) => ApiError::field("pcId", "The pcId has already been taken."),
        e => e.into(),
    }
}

/// `GET provisioning-certificates/v2.0`
pub async fn list(
    State(state): State<Arc<ApiState>>,
    params: ListParams,
) -> Result<Json<Value>, ApiError> {
    let rows = store(&state)?.provisionings(params.page()).await?;
    let per_page = params.per_page as usize;
    let mut rendered = Vec::with_capacity(rows.len());
    for (i, p) in rows.into_iter().enumerate() {
        let id = p.id;
        // The row past the page is not shown: it only tells that another page follows.
        let shown = if i < per_page {
            Some(render(&state, p).await?)
        } else {
            None
        };
        rendered.push((id, shown));
    }
    Ok(params.respond(rendered, |(id, _)| *id, |(_, v)| v.unwrap_or(Value::Null)))
}

/// `GET provisioning-certificates/v2.0/{id}`
pub async fn read(
    State(state): State<Arc<ApiState>>,
    Path(raw): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let p = store(&state)?
        .provisioning(id(&raw, "Provisioning certificate")?)
        .await?
        .ok_or_else(|| ApiError::not_found("Provisioning certificate"))?;
    Ok(Json(json!({"data": render(&state, p).await?})))
}

/// `POST provisioning-certificates/v2.0`
pub async fn create(
    State(state): State<Arc<ApiState>>,
    ApiJson(body): ApiJson<ProvisioningBody>,
) -> Result<Response, ApiError> {
    let store = store(&state)?;
    check(&state, &body, true, None)?;
    let new = NewProvisioning {
        pc_id: body.pc_id.unwrap_or_default(),
        name: body.name.unwrap_or_default(),
        vehicle_type: body.vehicle_type.unwrap_or_default(),
        user_id: body.user_id.unwrap_or_default(),
        certificate: body.certificate,
    };
    let p = store.create_provisioning(new).await.map_err(duplicate)?;
    let data = render(&state, p).await?;
    Ok((StatusCode::CREATED, Json(json!({"data": data}))).into_response())
}

/// `PATCH provisioning-certificates/v2.0/{id}`
pub async fn update(
    State(state): State<Arc<ApiState>>,
    Path(raw): Path<String>,
    ApiJson(body): ApiJson<ProvisioningBody>,
) -> Result<Json<Value>, ApiError> {
    let store = store(&state)?;
    let pid = id(&raw, "Provisioning certificate")?;
    let old = store
        .provisioning(pid)
        .await?
        .ok_or_else(|| ApiError::not_found("Provisioning certificate"))?;
    if body.pc_id.is_some() && body.certificate.is_none() && old.certificate.is_some() {
        // The stored certificate names the old PCID: both change together.
        if body.pc_id.as_deref() != Some(old.pc_id.as_str()) {
            return Err(ApiError::field(
                "pcId",
                "The pcId is the certificate's CN: send the new certificate with it.",
            ));
        }
    }
    check(&state, &body, false, Some(&old.pc_id))?;
    let patch = ProvisioningPatch {
        pc_id: body.pc_id,
        name: body.name,
        vehicle_type: body.vehicle_type,
        user_id: body.user_id,
        certificate: body.certificate,
    };
    let p = store
        .update_provisioning(pid, patch)
        .await
        .map_err(duplicate)?;
    Ok(Json(json!({"data": render(&state, p).await?})))
}

/// `DELETE provisioning-certificates/v2.0/{id}`: its contract certificates go with it
/// (chargers presenting them are refused from then on) and its EMAID id tags are
/// disabled (kept, for the records that name them).
pub async fn delete(
    State(state): State<Arc<ApiState>>,
    Path(raw): Path<String>,
) -> Result<StatusCode, ApiError> {
    let pid = id(&raw, "Provisioning certificate")?;
    let store = store(&state)?;
    let tags: BTreeSet<i64> = store
        .contracts_of(pid)
        .await?
        .iter()
        .map(|c| c.id_tag_id)
        .collect();
    store.delete_provisioning(pid).await.map_err(duplicate)?;
    for tag in tags {
        let patch = crate::store::resources::IdTagPatch {
            status: Some("disabled".into()),
            ..Default::default()
        };
        match state.resources.update_id_tag(tag, patch).await {
            Ok(_) | Err(ResourceError::NotFound) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct IssueBody {
    /// Accepted as the reference has it; the gateway does no billing.
    #[allow(dead_code)]
    payment_method: Option<String>,
    /// The EMAID wanted (a gateway extension); none: the provider assigns one.
    emaid: Option<String>,
}

/// `POST provisioning-certificate/v1.0/{id}/issue-emaid`
pub(crate) async fn issue_emaid(
    State(state): State<Arc<ApiState>>,
    Path(raw): Path<String>,
    MaybeJson(body): MaybeJson<IssueBody>,
) -> Result<Response, ApiError> {
    let pid = id(&raw, "Provisioning certificate")?;
    state
        .shared
        .pnc
        .issue_emaid(pid, body.emaid.as_deref())
        .await?;
    Ok(StatusCode::ACCEPTED.into_response())
}

/// `POST id-tag/v1.0/{id}/reissue-emaid`
pub async fn reissue_emaid(
    State(state): State<Arc<ApiState>>,
    Path(raw): Path<String>,
) -> Result<Response, ApiError> {
    let tag = id(&raw, "Id tag")?;
    state.shared.pnc.reissue_emaid(tag).await?;
    Ok(StatusCode::ACCEPTED.into_response())
}
