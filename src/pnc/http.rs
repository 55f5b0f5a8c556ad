//! The HTTP provider: a certificate pool or mobility operator behind a small JSON
//! contract (all `POST`, JSON bodies, optional `Authorization: Bearer {pnc.http_token}`):
//!
//! | path | request | 200 answer |
//! |---|---|---|
//! | `{url}/contracts` | `{pcId, provisioningCertificate, emaid (null: assign one), reissue}` | `{emaid, certificateChain}` |
//! | `{url}/ev-certificates` | `{iso15118SchemaVersion, action, exiRequest}` | `{status, exiResponse}` |
//! | `{url}/ocsp` | `{hashAlgorithm, issuerNameHash, issuerKeyHash, serialNumber, responderURL}` | `{ocspResult, nextUpdate}` |
//! | `{url}/v2g-certificates` | `{csr}` | `{certificateChain}` |
//!
//! A 4xx answer is a refusal (its `message` is passed on), a 5xx one or no answer within
//! `pnc.http_timeout` a failure of the provider.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};

use super::provider::*;

/// See the module documentation.
pub struct HttpProvider {
    client: reqwest::Client,
    base: String,
    token: String,
    timeout: Duration,
}

impl HttpProvider {
    pub fn new(base: &str, token: &str, timeout: Duration) -> Result<HttpProvider, String> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .build()
            .map_err(|e| format!("pnc.http_url client: {e}"))?;
        Ok(HttpProvider {
            client,
            base: base.trim().trim_end_matches('/').to_owned(),
            token: token.trim().to_owned(),
            timeout,
        })
    }

    async fn post<T: DeserializeOwned>(&self, path: &str, body: Value) -> Result<T, ProviderError> {
        let mut req = self.client.post(format!("{}{path}", self.base)).json(&body);
        if !self.token.is_empty() {
            req = req.bearer_auth(&self.token);
        }
        let resp = req.send().await.map_err(|e| self.failure(e))?;
        let status = resp.status();
        if status.is_client_error() {
            let text = resp.text().await.unwrap_or_default();
            let message = serde_json::from_str::<Value>(&text)
                .ok()
                .and_then(|v| v["message"].as_str().map(str::to_owned))
                .unwrap_or_else(|| format!("HTTP {status}"));
            return Err(ProviderError::Refused(message));
        }
        if !status.is_success() {
            return Err(ProviderError::Unavailable(format!("{path}: HTTP {status}")));
        }
        let bytes = resp.bytes().await.map_err(|e| self.failure(e))?;
        serde_json::from_slice(&bytes).map_err(|e| ProviderError::BadAnswer(format!("{path}: {e}")))
    }

    fn failure(&self, e: reqwest::Error) -> ProviderError {
        if e.is_timeout() {
            ProviderError::Timeout(self.timeout)
        } else {
            ProviderError::Unavailable(e.to_string())
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ContractAnswer {
    emaid: String,
    certificate_chain: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct EvAnswer {
    status: String,
    exi_response: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OcspJson {
    ocsp_result: String,
    next_update: DateTime<Utc>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ChainAnswer {
    certificate_chain: String,
}

#[async_trait]
impl ContractProvider for HttpProvider {
    fn name(&self) -> &'static str {
        "http"
    }

    async fn issue(&self, r: ContractRequest) -> Result<IssuedContract, ProviderError> {
        let a: ContractAnswer = self
            .post(
                "/contracts",
                json!({
                    "pcId": r.pc_id,
                    "provisioningCertificate": r.provisioning_certificate,
                    "emaid": r.emaid,
                    "reissue": r.reissue,
                }),
            )
            .await?;
        Ok(IssuedContract {
            emaid: a.emaid,
            certificate_chain: a.certificate_chain,
        })
    }

    async fn ev_certificate(
        &self,
        r: EvCertificateRequest,
    ) -> Result<EvCertificateAnswer, ProviderError> {
        let a: EvAnswer = self
            .post(
                "/ev-certificates",
                json!({
                    "iso15118SchemaVersion": r.schema_version,
                    "action": r.action,
                    "exiRequest": r.exi_request,
                }),
            )
            .await?;
        if a.status != "Accepted" && a.status != "Failed" {
            return Err(ProviderError::BadAnswer(format!(
                "status {:?} is neither Accepted nor Failed",
                a.status
            )));
        }
        Ok(EvCertificateAnswer {
            status: a.status,
            exi_response: a.exi_response,
        })
    }

    async fn ocsp(&self, q: OcspQuery) -> Result<OcspAnswer, ProviderError> {
        let body = serde_json::to_value(&q).map_err(|e| ProviderError::BadAnswer(e.to_string()))?;
        let a: OcspJson = self.post("/ocsp", body).await?;
        Ok(OcspAnswer {
            ocsp_result: a.ocsp_result,
            next_update: a.next_update,
        })
    }

    async fn sign_v2g(&self, csr: &str) -> Result<String, ProviderError> {
        let a: ChainAnswer = self.post("/v2g-certificates", json!({"csr": csr})).await?;
        Ok(a.certificate_chain)
    }
}
