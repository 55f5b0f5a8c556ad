//! The charger side of Plug & Charge: Get15118EVCertificate, GetCertificateStatus,
//! Authorize with contract certificate data (2.0.1), and the same messages carried in a
//! 1.6 DataTransfer (vendorId `org.openchargealliance.iso15118pnc`, messageId = the
//! 2.0.1 action, data = the 2.0.1 payload as a JSON string; the answer's data likewise).
//! Payloads here have passed the 2.0.1 decoder.

use serde_json::{json, Value};

use super::provider::{EvCertificateRequest, OcspQuery, ProviderError};
use super::{ContractCheck, HashData};
use crate::charger::context::ChargerContext;
use crate::domain::auth::{AuthSource, AuthorizationRecord};
use crate::domain::AuthStatus;
use crate::ocpp::Call;

/// A `statusInfo` (reasonCode at most 20 characters, additionalInfo at most 512).
fn status_info(reason: &str, info: &str) -> Value {
    json!({
        "reasonCode": reason.chars().take(20).collect::<String>(),
        "additionalInfo": info.chars().take(512).collect::<String>(),
    })
}

fn provider_reason(e: &ProviderError) -> &'static str {
    match e {
        ProviderError::Timeout(_) => "ProviderTimeout",
        ProviderError::Unavailable(_) | ProviderError::BadAnswer(_) => "ProviderError",
        ProviderError::Refused(_) => "ProviderRefused",
        ProviderError::Unsupported(_) => "NotSupported",
    }
}

fn text(v: &Value, key: &str) -> String {
    v[key].as_str().unwrap_or_default().to_owned()
}

/// Answers a Get15118EVCertificate request (2.0.1 payload).
pub async fn ev_certificate(ctx: &ChargerContext, payload: &Value) -> Value {
    let pnc = &ctx.shared.pnc;
    let provider = match pnc.provider() {
        Ok(p) => p.clone(),
        Err(e) => {
            return json!({"status": "Failed", "exiResponse": "",
                          "statusInfo": status_info("NotConfigured", &e.to_string())})
        }
    };
    let request = EvCertificateRequest {
        schema_version: text(payload, "iso15118SchemaVersion"),
        action: text(payload, "action"),
        exi_request: text(payload, "exiRequest"),
    };
    match provider.ev_certificate(request).await {
        Ok(a) if a.exi_response.len() <= 5600 => {
            json!({"status": a.status, "exiResponse": a.exi_response})
        }
        Ok(a) => {
            tracing::warn!(
                len = a.exi_response.len(),
                "EXI response longer than OCPP allows (5600)"
            );
            json!({"status": "Failed", "exiResponse": "",
                   "statusInfo": status_info("ProviderError", "the EXI response is longer than 5600 characters")})
        }
        Err(e) => {
            tracing::warn!(error = %e, "15118 certificate request not answered");
            json!({"status": "Failed", "exiResponse": "",
                   "statusInfo": status_info(provider_reason(&e), &e.to_string())})
        }
    }
}

/// Answers a GetCertificateStatus request (2.0.1 payload).
pub async fn certificate_status(ctx: &ChargerContext, payload: &Value) -> Value {
    let d = &payload["ocspRequestData"];
    let query = OcspQuery {
        hash_algorithm: text(d, "hashAlgorithm"),
        issuer_name_hash: text(d, "issuerNameHash"),
        issuer_key_hash: text(d, "issuerKeyHash"),
        serial_number: text(d, "serialNumber"),
        responder_url: text(d, "responderURL"),
    };
    match ctx.shared.pnc.ocsp(query).await {
        Ok(a) if a.ocsp_result.len() <= 5500 => {
            json!({"status": "Accepted", "ocspResult": a.ocsp_result})
        }
        Ok(_) => json!({"status": "Failed",
                        "statusInfo": status_info("ProviderError", "the OCSP response is longer than 5500 characters")}),
        Err(e) => {
            tracing::info!(error = %e, "certificate status not available");
            json!({"status": "Failed", "statusInfo": status_info(provider_reason(&e), &e.to_string())})
        }
    }
}

/// Answers an Authorize request (2.0.1 payload): with contract certificate data, the
/// contract must be one the gateway issued, active and in date, for this EMAID, or one
/// another mobility operator issued under a trusted MO root that its OCSP responder
/// says is good; then the EMAID's id tag decides as for any tag. A chain that cannot be
/// verified (responder unreachable, status unknown, no trusted root) is answered
/// `CertChainError` with `Invalid` (C07.FR.05: the CSMS verifies the chain through OCSP;
/// it does not accept what it could not verify), a revoked one `CertificateRevoked`
/// with `Invalid` (C07.FR.16).
pub async fn authorize(ctx: &ChargerContext, payload: &Value) -> Value {
    let token = text(&payload["idToken"], "idToken");
    let hashes: Vec<HashData> = payload["iso15118CertificateHashData"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|h| HashData {
                    algorithm: text(h, "hashAlgorithm"),
                    issuer_name_hash: text(h, "issuerNameHash"),
                    issuer_key_hash: text(h, "issuerKeyHash"),
                    serial_number: text(h, "serialNumber"),
                    responder_url: text(h, "responderURL"),
                })
                .collect()
        })
        .unwrap_or_default();
    let certificate = payload["certificate"].as_str();
    if hashes.is_empty() && certificate.is_none() {
        let status = ctx.authorize(&token).await;
        return json!({"idTokenInfo": {"status": status.as_v201()}});
    }
    let pnc = &ctx.shared.pnc;
    let check = if hashes.is_empty() {
        pnc.check_certificate(&token, certificate.unwrap_or_default())
            .await
    } else {
        pnc.check_contract(&token, &hashes).await
    };
    let (status, certificate_status) = match check {
        // The EMAID's id tag decides, under its canonical name.
        ContractCheck::Valid(c) => (ctx.authorize(&c.emaid).await, "Accepted"),
        // Another operator's contract, good by its responder: the EMAID decides.
        ContractCheck::Good(emaid) => (ctx.authorize(&emaid).await, "Accepted"),
        ContractCheck::Revoked => (
            refuse(ctx, &token, AuthStatus::Invalid).await,
            "CertificateRevoked",
        ),
        ContractCheck::Expired => (
            refuse(ctx, &token, AuthStatus::Expired).await,
            "CertificateExpired",
        ),
        ContractCheck::Unknown => (
            refuse(ctx, &token, AuthStatus::Invalid).await,
            "CertChainError",
        ),
        ContractCheck::Unavailable => {
            let s = refuse(ctx, &token, AuthStatus::Invalid).await;
            return json!({"idTokenInfo": {"status": s.as_v201()}});
        }
    };
    json!({"idTokenInfo": {"status": status.as_v201()}, "certificateStatus": certificate_status})
}

/// Records a refusal decided here (not by the id-tag list) and returns it.
async fn refuse(ctx: &ChargerContext, token: &str, status: AuthStatus) -> AuthStatus {
    let record = AuthorizationRecord {
        id_tag: token.to_owned(),
        status,
        source: AuthSource::Local,
        at: chrono::Utc::now(),
    };
    if let Err(e) = ctx
        .shared
        .store
        .record_authorization(&ctx.identity, record)
        .await
    {
        tracing::warn!(error = %e, "could not record an authorization");
    }
    status
}

/// Answers a 1.6 DataTransfer of the OCA Plug & Charge scheme.
pub async fn data_transfer(
    ctx: &ChargerContext,
    call: &Call,
    message_id: Option<&str>,
    data: Option<&str>,
) -> Value {
    let Some(action) = message_id.filter(|m| {
        matches!(
            *m,
            "Authorize" | "Get15118EVCertificate" | "GetCertificateStatus" | "SignCertificate"
        )
    }) else {
        return json!({"status": "UnknownMessageId"});
    };
    let inner: Value = match data.map(serde_json::from_str) {
        Some(Ok(v)) => v,
        _ => {
            tracing::warn!(%action, "Plug & Charge DataTransfer without a JSON payload in data");
            return json!({"status": "Rejected"});
        }
    };
    if let Err(e) = crate::ocpp::v201::decode_request(action, inner.clone(), ctx.leniency) {
        tracing::warn!(%action, error = %e.description, "Plug & Charge DataTransfer payload refused");
        return json!({"status": "Rejected"});
    }
    let answer = match action {
        "Authorize" => authorize(ctx, &inner).await,
        "Get15118EVCertificate" => ev_certificate(ctx, &inner).await,
        "GetCertificateStatus" => certificate_status(ctx, &inner).await,
        _ => {
            let csr = text(&inner, "csr");
            crate::charger::certificates::sign_v2g(ctx, call, &csr, true).await
        }
    };
    json!({"status": "Accepted", "data": answer.to_string()})
}
