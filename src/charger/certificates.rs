//! The charger CA at work: a SignCertificate request is checked (signature, CN = the
//! charger's identity, key strength) and, when it passes, answered Accepted and followed
//! by a CertificateSigned call carrying the new chain. Every refusal and every failure
//! is recorded as a security event.

use serde_json::{json, Value};

use super::context::ChargerContext;
use crate::domain::event::ChargerEvent;
use crate::ocpp::{Call, OcppVersion};
use crate::security::certs::check_csr;

/// How long issued charger certificates are valid.
const VALID_DAYS: i64 = 365;

/// Answers a SignCertificate request; `kind` is the 2.0.1 `certificateType`, if any.
pub async fn sign(ctx: &ChargerContext, call: &Call, csr: &str, kind: Option<String>) -> Value {
    // 15118 (V2G) certificates come from the Plug & Charge provider, not this CA.
    if kind.as_deref() == Some("V2GCertificate") {
        return sign_v2g(ctx, call, csr, false).await;
    }
    let Some(ca) = ctx.shared.ca.as_ref() else {
        record(
            ctx,
            call,
            "SignCertificateRejected",
            "no charger CA is configured",
        )
        .await;
        return json!({"status": "Rejected"});
    };
    let checked = match check_csr(csr, &ctx.identity) {
        Ok(c) => c,
        Err(why) => {
            tracing::warn!(reason = %why, "certificate request refused");
            record(ctx, call, "InvalidCsr", &why).await;
            return json!({"status": "Rejected"});
        }
    };
    let chain = match ca.issue(&checked, &ctx.identity, VALID_DAYS) {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "signing a charger certificate failed");
            record(ctx, call, "SignCertificateFailed", &e.to_string()).await;
            return json!({"status": "Rejected"});
        }
    };
    // The CALL goes through this charger's own mailbox: the actor sends it after this
    // answer, one outstanding call at a time like any other.
    if let Some(handle) = ctx.shared.registry.get(&ctx.identity) {
        let mut payload = json!({"certificateChain": chain});
        if let (OcppVersion::V201, Some(k)) = (ctx.version, kind) {
            payload["certificateType"] = json!(k);
        }
        let identity = ctx.identity.clone();
        tokio::spawn(async move {
            match handle
                .call_expecting("CertificateSigned", payload, &["Accepted"])
                .await
            {
                Ok(_) => tracing::info!(%identity, "charger installed its new certificate"),
                Err(e) => tracing::warn!(%identity, error = %e, "CertificateSigned not accepted"),
            }
        });
    }
    json!({"status": "Accepted"})
}

/// Answers a request for an ISO 15118 (SECC) certificate: the Plug & Charge provider
/// signs it (the local provider with the V2G CPO sub-CA 2), and CertificateSigned follows
/// with `certificateType` V2GCertificate; for a 1.6 charger (`via_data_transfer`) both go
/// in DataTransfer of the OCA Plug & Charge scheme.
pub async fn sign_v2g(
    ctx: &ChargerContext,
    call: &Call,
    csr: &str,
    via_data_transfer: bool,
) -> Value {
    let provider = match ctx.shared.pnc.provider() {
        Ok(p) => p.clone(),
        Err(e) => {
            record(ctx, call, "SignCertificateRejected", &e.to_string()).await;
            return json!({"status": "Rejected"});
        }
    };
    let chain = match provider.sign_v2g(csr).await {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!(error = %e, "V2G certificate request refused");
            record(ctx, call, "InvalidCsr", &e.to_string()).await;
            return json!({"status": "Rejected"});
        }
    };
    if let Some(handle) = ctx.shared.registry.get(&ctx.identity) {
        let signed = json!({"certificateChain": chain, "certificateType": "V2GCertificate"});
        let (action, payload) = if via_data_transfer {
            (
                "DataTransfer",
                json!({"vendorId": crate::pnc::OCA_VENDOR,
                       "messageId": "CertificateSigned", "data": signed.to_string()}),
            )
        } else {
            ("CertificateSigned", signed)
        };
        let identity = ctx.identity.clone();
        tokio::spawn(async move {
            match handle.call_expecting(action, payload, &["Accepted"]).await {
                Ok(_) => tracing::info!(%identity, "charger received its V2G certificate"),
                Err(e) => {
                    tracing::warn!(%identity, error = %e, "V2G CertificateSigned not accepted")
                }
            }
        });
    }
    json!({"status": "Accepted"})
}

async fn record(ctx: &ChargerContext, call: &Call, kind: &str, why: &str) {
    ctx.record_event(
        call,
        ChargerEvent::Security {
            kind: kind.to_owned(),
            tech_info: Some(why.chars().take(255).collect()),
            timestamp: chrono::Utc::now(),
        },
    )
    .await;
}
