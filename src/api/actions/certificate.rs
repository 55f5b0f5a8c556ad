//! Certificates on the charger: install a root the gateway holds, delete every
//! certificate of a kind, list what is installed. The PEM to install comes from the
//! gateway's own configuration: the file `certificates.<type>` names, or for a
//! `CSMSRootCertificate` without one, the root of the server's TLS chain
//! (`tls.cert_chain`), for a `V2GRootCertificate` or `MORootCertificate` the root
//! `certs init --pnc` wrote to `pnc.dir`; a kind with neither answers 501.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::{empty, perform, target, MaybeJson};
use crate::api::error::ApiError;
use crate::api::extract::ApiJson;
use crate::api::ApiState;
use crate::domain::action::{Action, CertificateKind};
use crate::security::pnc_pki::pnc_files;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KindBody {
    certificate_type: CertificateKind,
}

/// `POST charge-point/v2.0/{cp}/install-certificate`
pub async fn install(
    State(state): State<Arc<ApiState>>,
    Path(cp): Path<String>,
    ApiJson(b): ApiJson<KindBody>,
) -> Result<Response, ApiError> {
    let t = target(&state, &cp).await?;
    let configured = state
        .shared
        .settings
        .certificates
        .get(&format!("{:?}", b.certificate_type))
        .and_then(|p| std::fs::read_to_string(p).ok());
    let certificate = match (configured, b.certificate_type) {
        (Some(pem), _) => Some(pem),
        (None, CertificateKind::CSMSRootCertificate) => root_of_chain(&state),
        (None, CertificateKind::V2GRootCertificate) => pnc_root(&state, pnc_files::V2G_ROOT),
        (None, CertificateKind::MORootCertificate) => pnc_root(&state, pnc_files::MO_ROOT),
        (None, _) => None,
    }
    .ok_or_else(|| {
        ApiError::NotImplemented(format!(
            "No {:?} is configured on the gateway.",
            b.certificate_type
        ))
    })?;
    let action = Action::InstallCertificate {
        kind: b.certificate_type,
        certificate,
    };
    perform(&t, &action).await?;
    Ok(empty(StatusCode::ACCEPTED))
}

/// A root of the Plug & Charge development PKI (`certs init --pnc`), if it is there.
fn pnc_root(state: &ApiState, name: &str) -> Option<String> {
    std::fs::read_to_string(state.shared.settings.pnc.dir.join(format!("{name}.pem"))).ok()
}

/// The CSMS root the gateway gives chargers: the configured `certificates.CSMSRootCertificate`,
/// else the root of the server's TLS chain (also installed before a raise to profile 2).
pub(crate) fn csms_root(state: &ApiState) -> Option<String> {
    state
        .shared
        .settings
        .certificates
        .get("CSMSRootCertificate")
        .and_then(|p| std::fs::read_to_string(p).ok())
        .or_else(|| root_of_chain(state))
}

/// The last PEM block of the server's certificate chain, if the file is readable.
fn root_of_chain(state: &ApiState) -> Option<String> {
    let path = &state.shared.settings.tls.cert_chain;
    let text = std::fs::read_to_string(path).ok()?;
    const BEGIN: &str = "-----BEGIN CERTIFICATE-----";
    const END: &str = "-----END CERTIFICATE-----";
    let start = text.rfind(BEGIN)?;
    let end = text[start..].find(END)? + start + END.len();
    Some(format!("{}\n", &text[start..end]))
}

/// `POST charge-point/v2.0/{cp}/delete-certificate`: deletes every installed
/// certificate of the kind.
pub async fn delete(
    State(state): State<Arc<ApiState>>,
    Path(cp): Path<String>,
    ApiJson(b): ApiJson<KindBody>,
) -> Result<Response, ApiError> {
    let t = target(&state, &cp).await?;
    let action = Action::DeleteCertificate {
        kind: b.certificate_type,
    };
    perform(&t, &action).await?;
    Ok(empty(StatusCode::ACCEPTED))
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct SyncBody {
    certificate_type: Option<CertificateKind>,
    /// Several types at once (an extension; 2.0.1 M03 takes a list, 1.6 is asked once
    /// per type and the answers merged).
    certificate_types: Option<Vec<CertificateKind>>,
}

/// `POST charge-point/v2.0/{cp}/sync-certificates`
pub async fn sync(
    State(state): State<Arc<ApiState>>,
    Path(cp): Path<String>,
    MaybeJson(b): MaybeJson<SyncBody>,
) -> Result<Response, ApiError> {
    let t = target(&state, &cp).await?;
    let mut kinds: Vec<CertificateKind> = Vec::new();
    let named = b.certificate_types.unwrap_or_default();
    for kind in b.certificate_type.into_iter().chain(named) {
        if !kinds.contains(&kind) {
            kinds.push(kind);
        }
    }
    let action = Action::ListCertificates { kinds };
    // The reference answers without a body; what is installed is logged.
    let outcome = perform(&t, &action).await?;
    tracing::info!(identity = %t.cp.identity, installed = %outcome.answer(), "certificates on the charger");
    Ok(empty(StatusCode::ACCEPTED))
}
